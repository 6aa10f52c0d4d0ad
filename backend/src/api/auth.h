/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/auth.h — session resolution for the http dispatcher plus
 * the helpers the session handlers share with it. The http layer calls
 * api_auth_resolve() for every route whose auth requirement is not
 * API_AUTH_NONE, after the body is read and before the handler runs.
 *
 * Sessions: `Authorization: Bearer <token>` or the session cookie
 * (pnyx_session, or __Host-pnyx_session with PNYX_COOKIE_SECURE=1). A
 * cookie-authenticated POST/PUT/PATCH/DELETE also needs X-CSRF-Token
 * matching the session's CSRF token, and is refused when Origin or
 * Sec-Fetch-Site says another site sent it. Bearer requests need neither
 * (a bearer token is never sent by a browser on its own).
 *
 * The session check is served from a process-local cache (auth_cache.c);
 * see that file for the design and the staleness bound.
 */
#ifndef PNYX_API_AUTH_H
#define PNYX_API_AUTH_H

#include <stdint.h>

#include "api/api.h"

/* Resolves the caller from `Authorization: Bearer <token>` or the session
 * cookie into rq->auth, enforcing `requirement` (enum api_auth) and CSRF
 * for cookie-authenticated state changes. Returns 0 to continue to the
 * handler, or -1 after writing a 401/403 (or 503 when the database is
 * unavailable) problem into *out. On success with a session, rq->auth.ext
 * points to a struct api_auth_session (arena). */
int api_auth_resolve(struct api_req *rq, int requirement, struct api_reply *out)
    PNYX_NONNULL(1, 3) PNYX_MUSTCHECK;

/* What api_auth_resolve learnt about the session (rq->auth.ext). */
struct api_auth_session {
    uint8_t token_hash[32];
    const char *account_json; /* the account's public JSON object text (arena) */
    size_t account_json_len;
    /* The cast route only (api_ballots.c): the session came from a cache
     * entry due for revalidation and was NOT re-read; the cast's own
     * statement checks that the session still exists (one index lookup
     * in the batch instead of a round trip per cast), and any other
     * answer first calls api_auth_verify. */
    bool unverified;
};

/* For a request whose session is unverified (see above): re-reads it as
 * api_auth_resolve would have. Returns 0 (verified, or nothing to verify),
 * or -1 after writing the 401 (or 503) problem api_auth_resolve would
 * have written into *out. */
int api_auth_verify(struct api_req *rq, struct api_reply *out) PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* The 401 of a session that the cast's statement found gone: forgets the
 * cache entry; the detail api_auth_resolve gives for it. */
extern const char api_auth_gone_detail[];

/* Is origin ("scheme://host[:port]") this server's own origin: the scheme
 * it is reached by (https when PNYX_COOKIE_SECURE, which is set behind
 * TLS; else http), the host of the Host header, and the same port (a
 * missing port is the scheme's default)? "null", another scheme, host or
 * port, or anything after the authority is not. host may be NULL. */
bool api_auth_same_origin(const char *origin, const char *host, bool https);

/* Refuses (403 problem "csrf", returns -1) a request whose Origin is not
 * this server's or whose Sec-Fetch-Site is present and not "same-origin";
 * returns 0 otherwise (absent headers pass: non-browser clients). Used by
 * api_auth_resolve for cookie sessions and by the login and registration
 * handlers (login CSRF). */
int api_auth_check_origin(const struct api_req *rq, struct api_reply *out)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* The session cookie's name under this configuration. */
const char *api_auth_cookie_name(const struct pnyx_config *cfg) PNYX_NONNULL(1);

/* Makes sure libsodium and the password hasher are initialised with the
 * configured argon2 parameters and cap (idempotent, cheap after the first
 * call, which computes the dummy hash). Returns 0 or -1. */
int api_auth_crypto_ready(const struct pnyx_config *cfg) PNYX_NONNULL(1) PNYX_MUSTCHECK;

/* Drops a session from this process's cache (logout). */
void api_auth_forget(const uint8_t token_hash[32]) PNYX_NONNULL(1);

#endif /* PNYX_API_AUTH_H */
