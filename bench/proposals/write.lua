-- SPDX-License-Identifier: AGPL-3.0-or-later
-- wrk script: comment writes, POST /api/v1/proposals/{pid}/comments, every
-- one a durable transaction with its comment.created audit entry; the
-- proposals (file PNYX_BENCH_IDS) all belong to ONE assembly, so every
-- write appends to the same audit log (group commit). Members' bearer
-- tokens come from the file PNYX_BENCH_TOKENS, round robin.
-- PNYX_BENCH_COMMENT_LANGUAGE: the comments' language (default en).
local language = os.getenv("PNYX_BENCH_COMMENT_LANGUAGE") or "en"
local nthreads = 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end
local ids, toks, n, nt, i = {}, {}, 0, 0, 0
function init(args)
  for line in io.lines(os.getenv("PNYX_BENCH_IDS")) do
    n = n + 1
    ids[n] = line
  end
  for line in io.lines(os.getenv("PNYX_BENCH_TOKENS")) do
    nt = nt + 1
    toks[nt] = line
  end
  i = (tid or 0) * 104729
end
local texts = {
  en = "I support this, but the rail budget needs a clearer plan for rural towns. ",
  es = "Apoyo esta propuesta, pero el presupuesto del tren necesita un plan más claro. ",
  fr = "Je soutiens cette proposition, mais le budget du rail doit être plus clair. ",
}
function request()
  i = i + 1
  local body = '{"language":"' .. language .. '","body":"' .. (texts[language] or texts.en) ..
               i .. '"}'
  return wrk.format("POST", "/api/v1/proposals/" .. ids[(i % n) + 1] .. "/comments",
                    {["Authorization"] = "Bearer " .. toks[(i % nt) + 1],
                     ["Content-Type"] = "application/json"}, body)
end
