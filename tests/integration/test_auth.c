/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_auth.c — how requests are authenticated: bearer and cookie both
 * work; missing, malformed and unknown tokens give 401; cookie-
 * authenticated state changes need the matching X-CSRF-Token and a
 * same-origin Origin / Sec-Fetch-Site (403 otherwise) while bearer
 * requests need neither; GET never needs CSRF; and the cross-process
 * staleness bound of the session cache (a logout through one pnyxd is
 * seen by another within 5 s).
 */
#include "account_util.h"

#define PW        "a fine long passphrase"
#define TYPE_CSRF "https://pnyx.dev/problems/csrf"

static struct login fresh_session(struct h_server *s)
{
    char *email = register_account(s);
    struct login l = do_login(s, email, PW);
    cr_assert_eq(l.status, 201);
    free(email);
    return l;
}

/* DELETE /api/v1/sessions/current with the session cookie and headers. */
static struct h_resp *cookie_logout(struct h_server *s, const struct login *l, const char *h1,
                                    const char *h2)
{
    char cookie[128];
    snprintf(cookie, sizeof cookie, "Cookie: pnyx_session=%s", l->token);
    const char *hs[4] = {cookie, h1, h1 ? h2 : NULL, NULL};
    struct h_resp *r = h_request(s, "DELETE", "/api/v1/sessions/current", NULL, hs);
    cr_assert(r != NULL);
    return r;
}

Test(auth, bearer_and_cookie_both_work)
{
    struct h_server *s = h_shared();
    struct login l = fresh_session(s);
    struct h_resp *r;
    char auth[128], cookie[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", l.token);
    snprintf(cookie, sizeof cookie, "Cookie: other=1; pnyx_session=%s; x=y", l.token);
    const char *hb[] = {auth, NULL}, *hc[] = {cookie, NULL};
    r = h_request(s, "GET", "/api/v1/me", NULL, hb);
    cr_assert_eq(r->status, 200);
    json_t *acc = json_object_get(l.json, "account");
    cr_assert(json_equal(r->json, acc), "%s", r->body);
    const char *cc = h_header(r, "Cache-Control");
    cr_assert(cc && strstr(cc, "no-store"));
    h_resp_free(r);
    r = h_request(s, "GET", "/api/v1/me", NULL, hc);
    cr_assert_eq(r->status, 200, "cookie auth: %s", r->body);
    cr_assert(json_equal(r->json, acc));
    h_resp_free(r);
    /* scheme is case-insensitive */
    snprintf(auth, sizeof auth, "Authorization: bearer %s", l.token);
    r = h_request(s, "GET", "/api/v1/me", NULL, hb);
    cr_assert_eq(r->status, 200);
    h_resp_free(r);
    json_decref(l.json);
}

Test(auth, missing_malformed_unknown_tokens_401)
{
    struct h_server *s = h_shared();
    cr_assert_eq(me_status(s, NULL), 401);
    cr_assert_eq(me_status(s, "short"), 401);
    cr_assert_eq(me_status(s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 401);
    cr_assert_eq(me_status(s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"), 401);
    cr_assert_eq(me_status(s, "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"), 401);
    cr_assert_eq(
        call(s, "GET", "/api/v1/me", NULL, "Authorization: Basic dXNlcjpwYXNz", NULL, NULL), 401);
    cr_assert_eq(call(s, "GET", "/api/v1/me", NULL, "Cookie: pnyx_session=nope", NULL, NULL), 401);
    struct h_resp *r = h_get(s, "/api/v1/me");
    cr_assert_str_eq(problem_type(r->json), "https://pnyx.dev/problems/unauthenticated");
    const char *ct = h_header(r, "Content-Type");
    cr_assert(ct && strstr(ct, "application/problem+json"), "%s", ct ? ct : "");
    h_resp_free(r);
}

Test(auth, cookie_state_change_needs_csrf_token)
{
    struct h_server *s = h_shared();
    struct login l = fresh_session(s);
    char good[96], bad[96];
    snprintf(good, sizeof good, "X-CSRF-Token: %s", l.csrf);
    snprintf(bad, sizeof bad, "X-CSRF-Token: %s", l.token); /* the session token is not it */
    struct h_resp *r = cookie_logout(s, &l, NULL, NULL);
    cr_assert_eq(r->status, 403, "no token: %s", r->body);
    cr_assert_str_eq(problem_type(r->json), TYPE_CSRF);
    h_resp_free(r);
    r = cookie_logout(s, &l, bad, NULL);
    cr_assert_eq(r->status, 403, "wrong token");
    h_resp_free(r);
    r = cookie_logout(s, &l, "X-CSRF-Token: garbage", NULL);
    cr_assert_eq(r->status, 403);
    h_resp_free(r);
    /* refused requests changed nothing */
    cr_assert_eq(me_status(s, l.token), 200);
    /* GET with the cookie never needs the token */
    char cookie[128];
    snprintf(cookie, sizeof cookie, "Cookie: pnyx_session=%s", l.token);
    cr_assert_eq(call(s, "GET", "/api/v1/me", NULL, cookie, NULL, NULL), 200);
    r = cookie_logout(s, &l, good, NULL);
    cr_assert_eq(r->status, 204, "%s", r->body);
    h_resp_free(r);
    cr_assert_eq(me_status(s, l.token), 401);
    json_decref(l.json);
}

Test(auth, cookie_state_change_from_foreign_origin_403)
{
    struct h_server *s = h_shared();
    struct login l = fresh_session(s);
    char good[96], same[128];
    snprintf(good, sizeof good, "X-CSRF-Token: %s", l.csrf);
    snprintf(same, sizeof same, "Origin: %s", s->base);
    const char *foreign[] = {"Origin: https://evil.example", "Origin: null",
                             "Sec-Fetch-Site: cross-site", "Sec-Fetch-Site: same-site"};
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        struct h_resp *r = cookie_logout(s, &l, good, foreign[i]);
        cr_assert_eq(r->status, 403, "%s: %ld", foreign[i], r->status);
        cr_assert_str_eq(problem_type(r->json), TYPE_CSRF);
        h_resp_free(r);
    }
    cr_assert_eq(me_status(s, l.token), 200);
    struct h_resp *r = cookie_logout(s, &l, good, same);
    cr_assert_eq(r->status, 204, "same origin: %s", r->body);
    h_resp_free(r);
    json_decref(l.json);
}

Test(auth, same_origin_fetch_metadata_passes)
{
    struct h_server *s = h_shared();
    struct login l = fresh_session(s);
    char good[96];
    snprintf(good, sizeof good, "X-CSRF-Token: %s", l.csrf);
    struct h_resp *r = cookie_logout(s, &l, good, "Sec-Fetch-Site: same-origin");
    cr_assert_eq(r->status, 204, "%s", r->body);
    h_resp_free(r);
    json_decref(l.json);
}

Test(auth, bearer_state_change_needs_no_csrf)
{
    struct h_server *s = h_shared();
    struct login l = fresh_session(s);
    /* Bearer + a foreign Origin is still fine: a browser never attaches a
     * bearer token by itself, so there is no ambient authority to abuse. */
    cr_assert_eq(call(s, "DELETE", "/api/v1/sessions/current", l.token, NULL, NULL, NULL), 204);
    cr_assert_eq(me_status(s, l.token), 401);
    struct login l2 = fresh_session(s);
    cr_assert_eq(call(s, "DELETE", "/api/v1/sessions/current", l2.token,
                      "Origin: https://elsewhere.example", NULL, NULL),
                 204);
    json_decref(l.json);
    json_decref(l2.json);
}

Test(auth, logout_elsewhere_seen_within_cache_bound)
{
    struct h_server *a = h_shared();
    struct h_server *b = h_server_start(NULL); /* a second pnyxd, same database */
    cr_assert(b != NULL);
    struct login l = fresh_session(a);
    cr_assert_eq(me_status(b, l.token), 200); /* b caches the session */
    double t0 = now_s();
    cr_assert_eq(call(a, "DELETE", "/api/v1/sessions/current", l.token, NULL, NULL, NULL), 204);
    cr_assert_eq(me_status(a, l.token), 401, "the logging-out process forgets at once");
    /* b may serve it from its cache for at most the revalidation interval
     * (5 s), then must ask PostgreSQL and refuse it. */
    long st = 200;
    while (st == 200 && now_s() - t0 < 8.0) {
        st = me_status(b, l.token);
        if (st == 200)
            sleep_s(0.25);
    }
    double seen = now_s() - t0;
    cr_assert_eq(st, 401);
    cr_assert_lt(seen, 6.0, "logout seen by the other process after %.1f s", seen);
    json_decref(l.json);
    h_server_stop(b);
}

Test(auth, many_requests_one_session)
{
    /* The cached path returns the same answer every time. */
    struct h_server *s = h_shared();
    struct login l = fresh_session(s);
    for (int i = 0; i < 200; i++)
        cr_assert_eq(me_status(s, l.token), 200, "request %d", i);
    json_decref(l.json);
}
