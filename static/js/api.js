// SPDX-License-Identifier: AGPL-3.0-or-later
// API client. The session lives in the HttpOnly cookie the server sets at
// login; the CSRF token from the same response is kept here (and in
// localStorage so a reload or a second tab keeps working) and sent as
// X-CSRF-Token on every state-changing request. Errors come back as
// RFC 9457 problem+json and are raised as ApiError.
import { problemMessage, fieldMessages } from './problems.js';

const CSRF_KEY = 'pnyx.csrf';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

// A refused request. `problem` is the RFC 9457 body as received; the
// messages are built when shown, in the language shown at that moment.
export class ApiError extends Error {
  constructor(status, problem, retryAfter = 0) {
    super(`HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get title() { return problemMessage(this.status, this.problem, this.retryAfter); }

  get fields() { return fieldMessages(this.problem); }
}

// Kept in memory too, so a browser with storage disabled still works until reload.
let csrfMemory = null;

export function csrfToken() {
  try { return csrfMemory || localStorage.getItem(CSRF_KEY); } catch { return csrfMemory; }
}

export function setCsrfToken(v) {
  csrfMemory = v || null;
  try {
    if (v) localStorage.setItem(CSRF_KEY, v); else localStorage.removeItem(CSRF_KEY);
  } catch { /* storage disabled: cookie requests that change state will get 403 */ }
}

// request(method, path, {body, query, accept, headers}) -> parsed JSON, text, or null.
export async function request(method, path, opts = {}) {
  const headers = { Accept: opts.accept || 'application/json', ...(opts.headers || {}) };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  if (!SAFE.has(method)) {
    const tok = csrfToken();
    if (tok) headers['X-CSRF-Token'] = tok;
  }
  let url = path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    if (s) url += `?${s}`;
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, { type: 'https://pnyx.dev/problems/network' });
  }
  const type = res.headers.get('Content-Type') || '';
  if (!res.ok) {
    let problem = {};
    if (type.includes('json')) {
      try { problem = await res.json(); } catch { problem = {}; }
    }
    const retry = Number.parseInt(res.headers.get('Retry-After') || '', 10);
    throw new ApiError(res.status, problem, Number.isFinite(retry) ? retry : 0);
  }
  if (res.status === 204) return null;
  if (type.includes('json')) return res.json();
  return res.text();
}

export const api = {
  get: (p, o) => request('GET', p, o),
  post: (p, body, o) => request('POST', p, { ...o, body: body === undefined ? {} : body }),
  patch: (p, body, o) => request('PATCH', p, { ...o, body }),
  del: (p, o) => request('DELETE', p, o),
};
