-- SPDX-License-Identifier: AGPL-3.0-or-later
-- wrk script: GETs a path built from PNYX_BENCH_PATH (a format with one %d,
-- e.g. "/api/v1/proposals/%d?comments=50") for ids read from the file
-- PNYX_BENCH_IDS, round robin from a different start per thread.
-- PNYX_BENCH_ACCEPT_LANGUAGE (optional) is sent as Accept-Language.
local fmt = os.getenv("PNYX_BENCH_PATH")
local lang = os.getenv("PNYX_BENCH_ACCEPT_LANGUAGE")
local nthreads = 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end
local ids, n, i = {}, 0, 0
local hdr = {}
function init(args)
  for line in io.lines(os.getenv("PNYX_BENCH_IDS")) do
    n = n + 1
    ids[n] = line
  end
  i = (tid or 0) * 7919
  if lang and lang ~= "" then hdr["Accept-Language"] = lang end
end
function request()
  i = i + 1
  return wrk.format("GET", string.format(fmt, ids[(i % n) + 1]), hdr)
end
