-- SPDX-License-Identifier: AGPL-3.0-or-later
-- bench/http/report.lua: wrk summary in one parseable line:
--   RESULT <requests/s> <p50 ms> <p99 ms> <non-2xx> <errors>
-- Also sets the method/body/headers from the environment, so one script
-- serves every benchmark: BENCH_METHOD, BENCH_BODY, BENCH_AUTH (token).
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local auth = os.getenv("BENCH_AUTH")

wrk.method = method
if body and #body > 0 then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
if auth and #auth > 0 then
  wrk.headers["Authorization"] = "Bearer " .. auth
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local errs = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, errs))
end
