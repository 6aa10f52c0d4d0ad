-- SPDX-License-Identifier: AGPL-3.0-or-later
-- wrk script: GET /api/v1/assemblies/{aid} (one read query per request).
-- Env: PNYX_BENCH_AID.
local aid = os.getenv("PNYX_BENCH_AID")
request = function()
  return wrk.format("GET", "/api/v1/assemblies/" .. aid)
end
