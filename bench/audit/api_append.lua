-- SPDX-License-Identifier: AGPL-3.0-or-later
-- wrk script: every request is one audited change (PATCH of the assembly's
-- description → one assembly.updated entry appended in the same durable
-- transaction). Env: PNYX_BENCH_TOKEN (Bearer), PNYX_BENCH_AID.
local tok = os.getenv("PNYX_BENCH_TOKEN")
local aid = os.getenv("PNYX_BENCH_AID")
local n = 0
local hdr = {["Authorization"] = "Bearer " .. tok, ["Content-Type"] = "application/json"}
request = function()
  n = n + 1
  return wrk.format("PATCH", "/api/v1/assemblies/" .. aid, hdr, '{"description":"bench ' .. n .. '"}')
end
