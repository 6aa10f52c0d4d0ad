// SPDX-License-Identifier: AGPL-3.0-or-later
// Contract recording for the browser tests. With PNYX_CONTRACT_DIR set
// (scripts/test sets it), every response pnyxd sends to these tests is
// appended as one JSON line {src, method, path, status, content_type,
// headers, body}
// to <dir>/browser-<pid>.jsonl (one file per process, one write per line);
// tests/spec/check_responses.mjs validates them against
// api-spec/openapi.yaml.
//
// Two sources: node's own fetch() (wrapped here, once, when this module
// loads: tests/browser/run preloads it with --import, so test files that do
// not import lib.mjs are covered too) and every response a Chromium page
// receives (lib.mjs's launch() calls recordPageResponse for each).
import fs from 'node:fs';
import path from 'node:path';

const DIR = process.env.PNYX_CONTRACT_DIR || '';
const BASE = process.env.PNYX_BASE_URL || 'http://127.0.0.1:8080';
const SRC = path.basename(process.argv[1] || 'node');
const file = DIR ? path.join(DIR, `browser-${process.pid}.jsonl`) : '';

export const recording = Boolean(DIR);

// Secrets of the run (tests/secrets/README.md): with PNYX_SECRETS_FILE set
// (scripts/test), every token, CSRF token, nonce, invitation or selection
// code a response hands out, and each password a test types (lib.mjs), is
// appended to that file; scripts/test greps every kept pnyxd log for them.
const SECRETS = process.env.PNYX_SECRETS_FILE || '';
export function secret(s) {
  if (SECRETS && typeof s === 'string' && s.length >= 8 && !s.includes('\n')) {
    fs.appendFileSync(SECRETS, `${s}\n`);
  }
}
function secretsIn(j) {
  if (Array.isArray(j)) { j.forEach(secretsIn); return; }
  if (!j || typeof j !== 'object') return;
  const codes = 'accept_path' in j || 'pseudonym' in j; // else "code" names a field error
  for (const [k, v] of Object.entries(j)) {
    if (typeof v === 'string' && (k === 'token' || k === 'csrf_token' || k === 'nonce' ||
        k.includes('password') || (codes && k === 'code'))) secret(v);
    else secretsIn(v);
  }
}
function noteSecrets(headers, body) {
  if (!SECRETS || body == null) return;
  const ct = headers['content-type'] || '';
  if (ct.includes('json')) {
    try { secretsIn(JSON.parse(Buffer.from(body).toString('utf8'))); } catch { /* not JSON */ }
  }
  const sc = headers['set-cookie'];
  for (const line of (Array.isArray(sc) ? sc : sc ? String(sc).split('\n') : [])) {
    const m = /^\s*((?:__Host-)?pnyx_[\w]+)=([^;]*)/.exec(line);
    if (m) secret(m[2]);
  }
}

function ours(url) {
  return url.startsWith(`${BASE}/`) || url === BASE;
}

// body: a Buffer/Uint8Array, or null with `why` when it could not be read.
export function record({ via, method, url, status, headers, body, why, mocked }) {
  if (!ours(url)) return;
  if (!mocked) noteSecrets(headers, body);
  if (!file) return;
  const u = new URL(url);
  const rec = {
    src: `${SRC} (${via})`,
    method, // as sent: methods are case-sensitive
    path: u.pathname + u.search,
    status,
    content_type: headers['content-type'] || null,
    headers,
    body: null,
  };
  if (mocked) rec.mocked = true;
  if (body != null) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
    if (Buffer.from(text, 'utf8').equals(Buffer.from(body))) rec.body = text;
    else rec.body_bytes = body.length; // not UTF-8: recorded as null
  } else if (why) {
    rec.body_unavailable = why;
  }
  fs.appendFileSync(file, `${JSON.stringify(rec)}\n`);
}

// playwright Response → record (the body read is awaited by lib.mjs before
// the context closes). Redirects have no body in Chromium; say so. A
// response a test made up with route.fulfill has no server address: it is
// recorded as mocked (the checker still holds its status and body to the
// spec, but not the headers only pnyxd sets).
export async function recordPageResponse(response) {
  if ((!file && !SECRETS) || !ours(response.url())) return;
  const req = response.request();
  let body = null;
  let why = '';
  const mocked = (await response.serverAddr().catch(() => null)) === null;
  try {
    body = await response.body();
  } catch (e) {
    why = String(e.message || e).split('\n')[0];
  }
  record({
    via: 'chromium',
    method: req.method(),
    url: response.url(),
    status: response.status(),
    headers: await response.allHeaders().catch(() => response.headers()),
    body,
    why,
    mocked,
  });
}

if ((file || SECRETS) && !globalThis.__pnyxContractFetch) {
  const original = globalThis.fetch;
  globalThis.__pnyxContractFetch = original;
  globalThis.fetch = async function recordedFetch(input, init) {
    const res = await original(input, init);
    const method = (init && init.method) || (input instanceof Request ? input.method : 'GET');
    let body = null;
    let why = '';
    try {
      body = Buffer.from(await res.clone().arrayBuffer());
    } catch (e) {
      why = String(e.message || e);
    }
    record({ via: 'fetch', method, url: res.url || String(input.url || input), status: res.status,
      headers: Object.fromEntries(res.headers), body, why });
    return res;
  };
}
