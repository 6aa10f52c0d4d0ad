// SPDX-License-Identifier: AGPL-3.0-or-later
// Who is logged in. The cookie is HttpOnly, so the only way to know is to
// ask GET /api/v1/me; the answer is cached until login or logout.
import { api, setCsrfToken, csrfToken, ApiError } from './api.js';

let account = null;

export function current() { return account; }

export async function load() {
  try {
    account = await api.get('/api/v1/me'); // an Account (api-spec)
    // The server keeps only a hash of the CSRF token, so it cannot be
    // fetched again: without it this browser cannot act for the session.
    // Show it as logged out; logging in again gives a fresh cookie + token.
    if (account && !csrfToken()) account = null;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    account = null;
    setCsrfToken(null);
  }
  return account;
}

export async function login(email, password) {
  const s = await api.post('/api/v1/sessions', { email, password });
  setCsrfToken(s.csrf_token);
  account = s.account; // a Session carries its Account (api-spec)
  return account;
}

export async function logout() {
  try {
    await api.del('/api/v1/sessions/current');
  } catch (e) {
    // Already expired: the result is the same, we are logged out.
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
  }
  account = null;
  setCsrfToken(null);
}
