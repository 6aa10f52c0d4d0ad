-- SPDX-License-Identifier: AGPL-3.0-or-later
-- wrk script: full-text searches GET /api/v1/assemblies/{aid}/proposals?q=
-- over the assemblies in the file PNYX_BENCH_IDS, with one- and two-word
-- queries in English, French and Spanish (inflected forms, so stemming is
-- exercised), round robin.
local queries = {"votes", "voting", "climate", "housing+rent", "public+transport", "rights",
  "votations", "logement", "impôts", "écoles+publiques", "frontière", "énergie+verte",
  "votaciones", "vivienda", "impuestos", "escuelas", "trabajadores+salud", "bosque"}
local nthreads = 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end
local ids, n, i = {}, 0, 0
function init(args)
  for line in io.lines(os.getenv("PNYX_BENCH_IDS")) do
    n = n + 1
    ids[n] = line
  end
  i = (tid or 0) * 31
end
function request()
  i = i + 1
  local q = queries[(i % #queries) + 1]
  return wrk.format("GET", "/api/v1/assemblies/" .. ids[(i % n) + 1] .. "/proposals?q=" .. q ..
                    "&limit=20")
end
