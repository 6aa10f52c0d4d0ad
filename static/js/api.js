// SPDX-License-Identifier: AGPL-3.0-or-later
// API client. The session lives in the HttpOnly cookie the server sets at
// login; the CSRF token from the same response is kept here (and in
// localStorage so a reload or a second tab keeps working) and sent as
// X-CSRF-Token on every state-changing request. Errors come back as
// RFC 9457 problem+json and are raised as ApiError.
import { t, has } from './i18n.js';

const CSRF_KEY = 'pnyx.csrf';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.fields = fieldErrors(problem);
  }
}

// Per-field messages from a problem document, as a Map field -> message.
// Accepts the common shapes: errors:[{field|name|pointer, detail|message|reason}],
// invalid_params:[{name, reason}], fields:[...] or errors:{field: message}.
export function fieldErrors(problem) {
  const out = new Map();
  const lists = [problem.errors, problem.invalid_params, problem.fields].filter(Boolean);
  for (const list of lists) {
    if (Array.isArray(list)) {
      for (const e of list) {
        if (typeof e === 'string') { out.set(e, ''); continue; }
        if (!e || typeof e !== 'object') continue;
        let name = e.field ?? e.name ?? e.pointer ?? e.param ?? '';
        name = String(name).replace(/^#?\//, '').replace(/\/\d+$/, '');
        let msg = e.detail ?? e.message ?? e.reason ?? e.title ?? e.code ?? '';
        // A known {field, code} gets the catalogue's text in the UI language.
        const code = e.code ? String(e.code) : '';
        if (code && has(`fielderr.${name}.${code}`)) msg = t(`fielderr.${name}.${code}`);
        else if (code && has(`fielderr.${code}`)) msg = t(`fielderr.${code}`);
        if (name && !out.has(name)) out.set(name, String(msg));
      }
    } else if (typeof list === 'object') {
      for (const [k, v] of Object.entries(list)) out.set(k, Array.isArray(v) ? v.join(' ') : String(v));
    }
  }
  return out;
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

// request(method, path, {body, query, accept}) -> parsed JSON, text, or null.
export async function request(method, path, opts = {}) {
  const headers = { Accept: opts.accept || 'application/json' };
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
    throw new ApiError(0, { title: t('error.network') });
  }
  const type = res.headers.get('Content-Type') || '';
  if (!res.ok) {
    let problem = {};
    if (type.includes('json')) {
      try { problem = await res.json(); } catch { problem = {}; }
    }
    // Titles are localised by the stable problem type slug; the server's
    // English title stays the fallback.
    const slug = typeof problem.type === 'string' ? problem.type.replace(/^.*\/problems\//, '') : '';
    if (slug && has(`problem.${slug}`)) problem.title = t(`problem.${slug}`);
    if (!problem.title) problem.title = t('error.status', { status: res.status });
    throw new ApiError(res.status, problem);
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
