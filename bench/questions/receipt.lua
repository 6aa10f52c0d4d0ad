-- SPDX-License-Identifier: AGPL-3.0-or-later
-- wrk script: GET …/ballots/{receipt} (entry + RFC 9162 inclusion proof)
-- for the receipts of PNYX_BENCH_RECEIPTS in turn, anonymous.
local q = os.getenv("PNYX_BENCH_QUESTION")
local rs, n, i = {}, 0, 0
local tid_next = 0
function setup(thread)
  thread:set("tid", tid_next)
  tid_next = tid_next + 1
end
function init(args)
  for line in io.lines(os.getenv("PNYX_BENCH_RECEIPTS")) do
    n = n + 1
    rs[n] = line
  end
  i = (tid or 0) * 7919
end
function request()
  i = i + 1
  return wrk.format("GET", "/api/v1/questions/" .. q .. "/ballots/" .. rs[(i % n) + 1])
end
