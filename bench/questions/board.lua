-- SPDX-License-Identifier: AGPL-3.0-or-later
-- wrk script: GET …/ballots?after=&limit=50 pages of question
-- PNYX_BENCH_QUESTION (size PNYX_BENCH_SIZE), at random places, anonymous.
local q = os.getenv("PNYX_BENCH_QUESTION")
local size = tonumber(os.getenv("PNYX_BENCH_SIZE"))
local tid_next = 0
function setup(thread)
  thread:set("tid", tid_next)
  tid_next = tid_next + 1
end
function init(args)
  math.randomseed(1000 + (tid or 0))
end
function request()
  local after = math.random(0, math.max(0, size - 50))
  return wrk.format("GET", "/api/v1/questions/" .. q .. "/ballots?limit=50&after=" .. after)
end
