/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_sessions.h — log in (POST /api/v1/sessions) and log out
 * (DELETE /api/v1/sessions/current).
 */
#ifndef PNYX_API_API_SESSIONS_H
#define PNYX_API_API_SESSIONS_H

#include "api/api.h"

/* POST /api/v1/sessions {email, password} → 201 {token, csrf_token,
 * expires_at, account} + Set-Cookie (session and pnyx_device); 401
 * invalid-credentials (unknown e-mail and wrong password alike, same
 * cost); 429 + Retry-After while the account (or, without a device cookie
 * of the account, the client address across accounts) is locked; 400/422
 * bad input. */
int api_sessions_create(struct api_req *rq, struct api_reply *out) PNYX_NONNULL(1, 2);

/* DELETE /api/v1/sessions/current → 204, cookie cleared; the token is
 * dead at once in this process and within the cache bound elsewhere. */
int api_sessions_delete_current(struct api_req *rq, struct api_reply *out) PNYX_NONNULL(1, 2);

/* The device cookie (pnyx_device, __Host-pnyx_device when secure): its
 * name, and a Set-Cookie value carrying token (HttpOnly, SameSite=Strict,
 * Max-Age PNYX_DEVICE_MAX_AGE). Registration sets one too. */
const char *api_sessions_device_cookie_name(const struct pnyx_config *cfg) PNYX_NONNULL(1);
const char *api_sessions_device_cookie(struct api_req *rq, const char *token) PNYX_NONNULL(1, 2);

#endif /* PNYX_API_API_SESSIONS_H */
