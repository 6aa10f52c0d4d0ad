// SPDX-License-Identifier: AGPL-3.0-or-later
// The selection API as the pages use it, in one place (api/api_selections.c,
// api-spec/openapi.yaml: Selection…). Every call returns the server's JSON.
import { api, request } from '../api.js';

const enc = encodeURIComponent;
const sel = (sid) => `/api/v1/selections/${enc(sid)}`;

export const client = {
  list: (aid) => api.get(`/api/v1/assemblies/${enc(aid)}/selections`, { query: { limit: 200 } }),
  create: (aid, body) => api.post(`/api/v1/assemblies/${enc(aid)}/selections`, body),
  get: (sid) => api.get(sel(sid)),
  uploadPool: (sid, body) => request('PUT', `${sel(sid)}/pool`, { body }),
  update: (sid, body) => api.patch(sel(sid), body),
  startRun: (sid, body) => api.post(`${sel(sid)}/runs`, body),
  run: (sid, rid) => api.get(`${sel(sid)}/runs/${enc(rid)}`),
  cancelRun: (sid, rid) => api.post(`${sel(sid)}/runs/${enc(rid)}/cancel`),
  commit: (sid, body) => api.post(`${sel(sid)}/commit`, body),
  ceremony: (sid) => api.get(`${sel(sid)}/randomness`),
  commitRandom: (sid, commitment) => api.post(`${sel(sid)}/randomness/commitments`, { commitment }),
  revealRandom: (sid, value) => api.post(`${sel(sid)}/randomness/reveals`, { value }),
  draw: (sid) => api.post(`${sel(sid)}/draw`),
  record: (sid) => api.get(`${sel(sid)}/record`),
};
