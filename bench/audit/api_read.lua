-- SPDX-License-Identifier: AGPL-3.0-or-later
-- wrk script: alternates the signed checkpoint with inclusion and
-- consistency proofs at random positions of a log of PNYX_BENCH_SIZE
-- entries (anonymous reads of a public assembly).
local aid = os.getenv("PNYX_BENCH_AID")
local size = tonumber(os.getenv("PNYX_BENCH_SIZE"))
local mode = os.getenv("PNYX_BENCH_MODE") or "mixed"
local i = 0
request = function()
  i = i + 1
  local base = "/api/v1/assemblies/" .. aid .. "/audit"
  local k = (mode == "mixed") and (i % 3) or ((mode == "checkpoint") and 0 or ((mode == "inclusion") and 1 or 2))
  if k == 0 then
    return wrk.format("GET", base .. "/checkpoint")
  elseif k == 1 then
    return wrk.format("GET", base .. "/proof/inclusion?index=" .. math.random(0, size - 1) .. "&size=" .. size)
  else
    return wrk.format("GET", base .. "/proof/consistency?from=" .. math.random(1, size) .. "&to=" .. size)
  end
end
