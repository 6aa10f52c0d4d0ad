-- SPDX-License-Identifier: AGPL-3.0-or-later
-- wrk script: every voter of PNYX_BENCH_TOKENS (one bearer token a line)
-- casts ONE ballot on question PNYX_BENCH_QUESTION, split between wrk's
-- threads. A connection that finds its thread's voters all taken waits
-- (delay) instead of sending anything, and the thread stops when its last
-- cast is answered: wrk's request count and percentiles are the casts
-- alone (an earlier version sent GET /healthz meanwhile, and those fast
-- answers were counted in the percentiles).
local nthreads = tonumber(os.getenv("PNYX_BENCH_WRK_THREADS") or "2")
local tid_next = 0
function setup(thread)
  thread:set("tid", tid_next)
  tid_next = tid_next + 1
end
local toks, n, i, last = {}, 0, 0, 0
local q = os.getenv("PNYX_BENCH_QUESTION")
local rankings = {'["A","B","C"]', '["B"]', '["C","A"]', '["D","C","B","A"]', '["B","D"]'}
function init(args)
  local all = {}
  for line in io.lines(os.getenv("PNYX_BENCH_TOKENS")) do all[#all + 1] = line end
  local per = math.ceil(#all / nthreads)
  for k = tid * per + 1, math.min(#all, (tid + 1) * per) do
    n = n + 1
    toks[n] = all[k]
  end
end
local verified = false
-- wrk calls delay() before each request after a connection's first: once
-- every voter of this thread is taken, that connection sleeps until the
-- thread stops (well within the 60 s)
function delay()
  if i >= n then
    return 60000
  end
  return 0
end
function request()
  -- wrk calls request() once on thread 0 right after init to check the
  -- script (script_verify_request): that call must not spend a voter
  if tid == 0 and not verified then
    verified = true
    return wrk.format("GET", "/healthz")
  end
  i = i + 1
  if i > n then
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", "/api/v1/questions/" .. q .. "/ballots",
                    {["Authorization"] = "Bearer " .. toks[i],
                     ["Content-Type"] = "application/json"},
                    '{"ranking":' .. rankings[(i % #rankings) + 1] .. '}')
end
function response(status, headers, body)
  if status ~= 200 then -- a cast (201, or a refusal); 200 is /healthz
    last = last + 1
  end
  if last >= n then
    wrk.thread:stop()
  end
end
