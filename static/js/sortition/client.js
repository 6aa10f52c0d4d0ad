// SPDX-License-Identifier: AGPL-3.0-or-later
// The selections API as the pages use it, in one place (api/api_selections.c,
// api/api_selection_draw.c, api-spec/openapi.yaml and api-spec/draw.md).
import { api, request } from '../api.js';

const enc = encodeURIComponent;
const sel = (sid) => `/api/v1/selections/${enc(sid)}`;

export const client = {
  list: (aid) => api.get(`/api/v1/assemblies/${enc(aid)}/selections`, { query: { limit: 200 } }),
  create: (aid, body) => api.post(`/api/v1/assemblies/${enc(aid)}/selections`, body), // {title, categories, household}
  get: (sid) => api.get(sel(sid)),
  update: (sid, body) => api.patch(sel(sid), body), // {title?, k?, method?, m?, quotas?}
  uploadPool: (sid, body) => request('PUT', `${sel(sid)}/pool`, { body }), // {csv} → {respondents, pool: [{row, pseudonym, salt}]}
  pool: (sid) => api.get(`${sel(sid)}/pool`), // conveners: [{index, pseudonym, values, household, name, email, …}]
  volunteer: (sid, values) => api.post(`${sel(sid)}/volunteers`, { values }), // → {index, pseudonym, salt}
  runs: (sid) => api.get(`${sel(sid)}/runs`, { query: { limit: 200 } }),
  startRun: (sid, method) => api.post(`${sel(sid)}/runs`, { method }), // 202, progress at run()
  run: (sid, rid) => api.get(`${sel(sid)}/runs/${enc(rid)}`),
  cancelRun: (sid, rid) => api.del(`${sel(sid)}/runs/${enc(rid)}`),
  commit: (sid, body) => api.post(`${sel(sid)}/commit`, body), // {commit_until, reveal_until}
  publish: (sid, run) => api.post(`${sel(sid)}/publish`, { run: String(run) }),
  commitRandom: (sid, commitment) => api.post(`${sel(sid)}/randomness`, { commitment }),
  revealRandom: (sid, value) => api.post(`${sel(sid)}/randomness/reveal`, { value }),
  draw: (sid) => api.post(`${sel(sid)}/draw`),
  decline: (sid, pseudonym) => api.post(`${sel(sid)}/respondents/${enc(pseudonym)}/decline`),
  replacements: (sid) => api.post(`${sel(sid)}/replacements`),
  record: (sid, round) => api.get(`${sel(sid)}/draw.json`, { query: { round } }),
};
