-- SPDX-License-Identifier: AGPL-3.0-or-later
-- wrk script: GET /api/v1/me once per bearer token of PNYX_BENCH_TOKENS
-- (split between wrk's threads, then /healthz): each voter's session is
-- looked up once, as when a voter opens the ballot page before casting.
local nthreads = tonumber(os.getenv("PNYX_BENCH_WRK_THREADS") or "2")
local tid_next = 0
function setup(thread)
  thread:set("tid", tid_next)
  tid_next = tid_next + 1
end
local toks, n, i, verified = {}, 0, 0, false
function init(args)
  local all = {}
  for line in io.lines(os.getenv("PNYX_BENCH_TOKENS")) do all[#all + 1] = line end
  local per = math.ceil(#all / nthreads)
  for k = tid * per + 1, math.min(#all, (tid + 1) * per) do
    n = n + 1
    toks[n] = all[k]
  end
end
function request()
  if tid == 0 and not verified then -- wrk's script check (see cast.lua)
    verified = true
    return wrk.format("GET", "/healthz")
  end
  i = i + 1
  if i > n then
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("GET", "/api/v1/me", {["Authorization"] = "Bearer " .. toks[i]})
end
