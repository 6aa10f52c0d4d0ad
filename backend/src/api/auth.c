/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/auth.c — who is calling: bearer or cookie session, resolved through
 * the process-local cache (auth_cache.c) with a database read only on a
 * miss or every AUTH_CACHE_REVALIDATE_US; expiry (absolute and idle) on
 * every request; CSRF token and Origin / Sec-Fetch-Site checks for
 * cookie-authenticated state changes. Never logs tokens.
 */
#include "api/auth.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api_records.h"
#include "api/auth_int.h"
#include "db/db_session.h"
#include "platform/crypto.h"
#include "platform/log.h"
#include "platform/password.h"

#define COOKIE_PLAIN  "pnyx_session"
#define COOKIE_SECURE "__Host-pnyx_session"

/* Why at most 60 s: last_seen_at only has to be precise enough for the
 * idle limit (7 days by default); writing it once a minute per session
 * instead of per request keeps authenticated GETs free of writes. With a
 * short configured idle limit (tests) the interval shrinks to half of it. */
#define TOUCH_INTERVAL_MAX 60

const char *api_auth_cookie_name(const struct pnyx_config *cfg)
{
    return cfg->cookie_secure ? COOKIE_SECURE : COOKIE_PLAIN;
}

int api_auth_crypto_ready(const struct pnyx_config *cfg)
{
    if (password_ready()) {
        return 0;
    }
    if (pnyx_crypto_init() != 0) {
        return -1;
    }
    struct password_params p = {.m_kib = cfg->argon2_m_kib, .t = cfg->argon2_t, .p = cfg->argon2_p};
    return password_init(&p, cfg->threads > 0 ? cfg->threads : 1);
}

void api_auth_forget(const uint8_t token_hash[32])
{
    auth_cache_forget(token_hash);
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool changes_state(enum api_method m)
{
    return m == API_POST || m == API_PUT || m == API_PATCH || m == API_DELETE;
}

/* "Bearer <token>" (scheme case-insensitive, RFC 7235) → the token. */
static const char *bearer_token(const struct api_req *rq)
{
    const char *h = api_header(rq, "Authorization");
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
        return NULL;
    }
    h += 7;
    while (*h == ' ') {
        h++;
    }
    return h;
}

/* Splits an authority "host[:port]" (host may be a [v6] literal) into its
 * host and port (def when absent). false when malformed. */
static bool split_authority(const char *a, const char **host, size_t *hlen, unsigned *port,
                            unsigned def)
{
    const char *end;
    if (a[0] == '[') {
        end = strchr(a, ']');
        if (end == NULL) {
            return false;
        }
        end++;
    } else {
        end = a + strcspn(a, ":");
    }
    *host = a;
    *hlen = (size_t)(end - a);
    if (*hlen == 0) {
        return false;
    }
    if (*end == '\0') {
        *port = def;
        return true;
    }
    const char *p = end + 1;
    size_t digits = strspn(p, "0123456789");
    if (*end != ':' || digits == 0 || digits > 5 || p[digits] != '\0') {
        return false;
    }
    unsigned long v = strtoul(p, NULL, 10);
    if (v == 0 || v > 65535) {
        return false;
    }
    *port = (unsigned)v;
    return true;
}

bool api_auth_same_origin(const char *origin, const char *host, bool https)
{
    const char *scheme = https ? "https://" : "http://";
    size_t sl = strlen(scheme);
    unsigned def = https ? 443 : 80;
    const char *oh, *hh;
    size_t ohl, hhl;
    unsigned op, hp;
    if (origin == NULL || host == NULL || strncasecmp(origin, scheme, sl) != 0 ||
        !split_authority(origin + sl, &oh, &ohl, &op, def) ||
        !split_authority(host, &hh, &hhl, &hp, def)) {
        return false;
    }
    return ohl == hhl && strncasecmp(oh, hh, ohl) == 0 && op == hp;
}

int api_auth_check_origin(const struct api_req *rq, struct api_reply *out)
{
    const char *site = api_header(rq, "Sec-Fetch-Site");
    /* "same-origin": our own page; "none": typed or bookmarked by the user.
     * "same-site" and "cross-site" are other origins. */
    if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) {
        api_problem(out, API_E_CSRF, "cross-site request refused (Sec-Fetch-Site)");
        return -1;
    }
    const char *origin = api_header(rq, "Origin");
    if (origin != NULL &&
        !api_auth_same_origin(origin, api_header(rq, "Host"), rq->cfg->cookie_secure)) {
        api_problem(out, API_E_CSRF, "cross-origin request refused (Origin)");
        return -1;
    }
    return 0;
}

static int check_csrf(const struct api_req *rq, const struct auth_cached *s, struct api_reply *out)
{
    if (api_auth_check_origin(rq, out) != 0) {
        return -1;
    }
    const char *tok = api_header(rq, "X-CSRF-Token");
    uint8_t h[32];
    if (tok == NULL || !pnyx_crypto_token_hash(tok, strlen(tok), h) ||
        !pnyx_crypto_equal(h, s->csrf_hash, sizeof h)) {
        api_problem(out, API_E_CSRF, "missing or wrong X-CSRF-Token");
        return -1;
    }
    return 0;
}

/* No usable session: anonymous when allowed, else 401. */
static int anonymous(struct api_req *rq, int requirement, struct api_reply *out, const char *why)
{
    memset(&rq->auth, 0, sizeof(rq->auth));
    if (requirement == API_AUTH_REQUIRED) {
        api_problem(out, API_E_UNAUTHENTICATED, why);
        return -1;
    }
    return 0;
}

static int64_t touch_interval(const struct pnyx_config *cfg)
{
    int64_t t = cfg->session_idle / 2;
    return t < 1 ? 1 : (t > TOUCH_INTERVAL_MAX ? TOUCH_INTERVAL_MAX : t);
}

static bool expired(const struct auth_cached *s, int64_t now, const struct pnyx_config *cfg)
{
    return now >= s->expires_at || now - s->last_seen >= cfg->session_idle;
}

/* Reads the session from PostgreSQL into *s (account JSON in the arena),
 * writes last_seen_at when it is older than the touch interval, and caches
 * the result. `prev` (may be NULL) is the stale cache entry, whose local
 * activity counts for the idle limit. DB_NOT_FOUND when there is no such
 * session or it has expired. */
static enum db_status revalidate(struct api_req *rq, const uint8_t h[32],
                                 const struct auth_cached *prev, int64_t now, int64_t seen,
                                 int64_t mono, struct auth_cached *s)
{
    /* prev may alias s: keep what we need from it first. */
    int64_t prev_session = prev ? prev->session_id : 0, prev_seen = prev ? prev->last_seen : 0;
    struct db_session row;
    enum db_status st = db_session_lookup(rq->db, rq->arena, h, &row);
    if (st != DB_OK) {
        return st;
    }
    json_t *acc = api_account_json(&row.account);
    char *text = acc ? json_dumps(acc, JSON_COMPACT) : NULL;
    json_decref(acc);
    if (text == NULL) {
        return DB_HARD_ERROR;
    }
    size_t len = strlen(text);
    char *copy = arena_memdup(rq->arena, text, len + 1);
    free(text);

    memset(s, 0, sizeof(*s));
    s->session_id = row.id;
    s->account_id = row.account_id;
    s->expires_at = row.expires_at;
    s->last_seen = row.last_seen_at;
    if (prev_session == row.id && prev_seen > s->last_seen) {
        s->last_seen = prev_seen;
    }
    s->last_seen_db = row.last_seen_at;
    memcpy(s->csrf_hash, row.csrf_hash, sizeof s->csrf_hash);
    s->account_json = copy;
    s->account_json_len = len;
    if (expired(s, now, rq->cfg)) {
        auth_cache_forget(h);
        return DB_NOT_FOUND;
    }
    struct auth_cached keep = *s;
    keep.last_seen = seen;
    if (seen - row.last_seen_at >= touch_interval(rq->cfg)) {
        st = db_session_touch(rq->db, rq->arena, row.id, seen);
        if (st != DB_OK) {
            return st;
        }
        keep.last_seen_db = seen;
    }
    auth_cache_put(h, &keep, mono);
    return DB_OK;
}

const char api_auth_gone_detail[] = "session expired or unknown";

/*
 * A cast (POST …/ballots, no Idempotency-Key) whose cache entry is due for
 * revalidation goes on without the round trip: the session's account and
 * expiry never change, so what is left to learn is whether the row is
 * still there (logout, account deletion), and the cast's statement checks
 * that (db_ballot.c, one index lookup inside the batch) before it writes.
 * Not when the cached values say expired or a last-seen write is due: the
 * ordinary revalidation decides those. Why only the cast: it is the one
 * request a voter makes in a burst (issue 11's throughput target), and the
 * one whose statement already runs per batch (its route sets
 * session_in_statement).
 */
static bool may_defer(const struct api_req *rq, const struct auth_cached *s, int64_t now,
                      int64_t seen)
{
    return rq->route != NULL && rq->route->session_in_statement &&
           api_header(rq, "Idempotency-Key") == NULL && !expired(s, now, rq->cfg) &&
           seen - s->last_seen_db < touch_interval(rq->cfg);
}

int api_auth_resolve(struct api_req *rq, int requirement, struct api_reply *out)
{
    memset(&rq->auth, 0, sizeof(rq->auth));
    bool via_cookie = false;
    const char *tok = bearer_token(rq);
    if (tok == NULL) {
        tok = api_cookie(rq, api_auth_cookie_name(rq->cfg));
        via_cookie = tok != NULL;
    }
    if (tok == NULL) {
        return anonymous(rq, requirement, out, "a valid session is required");
    }
    struct api_auth_session *ext = arena_calloc(rq->arena, 1, sizeof(*ext));
    if (!pnyx_crypto_token_hash(tok, strlen(tok), ext->token_hash)) {
        return anonymous(rq, requirement, out, "malformed session token");
    }
    /* Compare with the current second rounded down and record activity
     * rounded up, so whole-second storage never shortens a lifetime. */
    int64_t now = rq->now_us / 1000000, seen = (rq->now_us + 999999) / 1000000;
    int64_t mono = mono_us();
    struct auth_cached s;
    enum auth_cache_hit hit = auth_cache_get(ext->token_hash, seen, mono, rq->arena, &s);
    if (hit == AUTH_CACHE_FRESH && expired(&s, now, rq->cfg)) {
        auth_cache_forget(ext->token_hash);
        return anonymous(rq, requirement, out, "session expired");
    }
    bool deferred = hit == AUTH_CACHE_STALE && may_defer(rq, &s, now, seen);
    if (deferred) {
        auth_cache_seen(ext->token_hash, seen);
    } else if (hit != AUTH_CACHE_FRESH) {
        enum db_status st = revalidate(rq, ext->token_hash, hit == AUTH_CACHE_STALE ? &s : NULL,
                                       now, seen, mono, &s);
        if (st == DB_NOT_FOUND) {
            auth_cache_forget(ext->token_hash);
            return anonymous(rq, requirement, out, api_auth_gone_detail);
        }
        if (st != DB_OK) {
            api_problem_db(out, st);
            return -1;
        }
    }
    if (via_cookie && changes_state(rq->method) && check_csrf(rq, &s, out) != 0) {
        memset(&rq->auth, 0, sizeof(rq->auth));
        return -1;
    }
    ext->account_json = s.account_json;
    ext->account_json_len = s.account_json_len;
    rq->auth.authenticated = true;
    rq->auth.account_id = s.account_id;
    rq->auth.session_id = s.session_id;
    rq->auth.via_cookie = via_cookie;
    rq->auth.expires_at = s.expires_at;
    rq->auth.ext = ext;
    ext->unverified = deferred;
    return 0;
}

int api_auth_verify(struct api_req *rq, struct api_reply *out)
{
    struct api_auth_session *ext = rq->auth.ext;
    if (!rq->auth.authenticated || ext == NULL || !ext->unverified) {
        return 0;
    }
    int64_t now = rq->now_us / 1000000, seen = (rq->now_us + 999999) / 1000000;
    int64_t mono = mono_us();
    struct auth_cached s;
    enum auth_cache_hit hit = auth_cache_get(ext->token_hash, seen, mono, rq->arena, &s);
    enum db_status st =
        revalidate(rq, ext->token_hash, hit != AUTH_CACHE_MISS ? &s : NULL, now, seen, mono, &s);
    if (st == DB_NOT_FOUND) {
        auth_cache_forget(ext->token_hash);
        anonymous(rq, API_AUTH_REQUIRED, out, api_auth_gone_detail);
        return -1;
    }
    if (st != DB_OK) {
        memset(&rq->auth, 0, sizeof(rq->auth));
        api_problem_db(out, st);
        return -1;
    }
    ext->unverified = false;
    ext->account_json = s.account_json;
    ext->account_json_len = s.account_json_len;
    return 0;
}
