/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/account_util.h — helpers shared by the accounts, sessions
 * and auth integration tests. Header-only (static functions) because
 * every test_*.c here is its own executable.
 */
#ifndef PNYX_TESTS_ACCOUNT_UTIL_H
#define PNYX_TESTS_ACCOUNT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <libpq-fe.h>

#include "harness.h"

/* Not every binary uses every helper. */
#define ACCOUNT_UTIL_FN static __attribute__((unused))

/* ---- accounts and sessions over the harness ---- */

ACCOUNT_UTIL_FN json_t *reg_body(const char *email)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:[s,s]}", "email", email, "password",
                     "a fine long passphrase", "display_name", "Ada Lovelace", "country", "GB",
                     "languages", "en-GB", "fr");
}

ACCOUNT_UTIL_FN char *unique_email(void)
{
    char buf[200];
    snprintf(buf, sizeof buf, "%s@example.org", h_unique("acct"));
    return strdup(buf);
}

/* Registers a fresh account; returns its e-mail (malloc'd). */
ACCOUNT_UTIL_FN char *register_account(struct h_server *s)
{
    char *email = unique_email();
    json_t *b = reg_body(email);
    struct h_resp *r = h_post_json(s, "/api/v1/accounts", b, NULL);
    json_decref(b);
    cr_assert(r && r->status == 201, "register: %ld %s", r ? r->status : 0, r ? r->body : "");
    h_resp_free(r);
    return email;
}

struct login {
    long status;
    char token[64];
    char csrf[64];
    char cookie[256]; /* Set-Cookie value */
    json_t *json;     /* owned */
};

ACCOUNT_UTIL_FN struct login do_login(struct h_server *s, const char *email, const char *pw)
{
    struct login l;
    memset(&l, 0, sizeof l);
    json_t *b = json_pack("{s:s, s:s}", "email", email, "password", pw);
    struct h_resp *r = h_post_json(s, "/api/v1/sessions", b, NULL);
    json_decref(b);
    cr_assert(r != NULL);
    l.status = r->status;
    if (r->json) {
        const char *t = json_string_value(json_object_get(r->json, "token"));
        const char *c = json_string_value(json_object_get(r->json, "csrf_token"));
        snprintf(l.token, sizeof l.token, "%s", t ? t : "");
        snprintf(l.csrf, sizeof l.csrf, "%s", c ? c : "");
        l.json = json_incref(r->json);
    }
    const char *sc = h_header(r, "Set-Cookie");
    snprintf(l.cookie, sizeof l.cookie, "%s", sc ? sc : "");
    h_resp_free(r);
    return l;
}

/* GET/DELETE with a bearer token (NULL = none) and extra headers. */
ACCOUNT_UTIL_FN long call(struct h_server *s, const char *method, const char *path,
                          const char *bearer, const char *h1, const char *h2, const char *h3)
{
    char auth[128];
    const char *hs[5];
    int n = 0;
    if (bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
        hs[n++] = auth;
    }
    if (h1)
        hs[n++] = h1;
    if (h2)
        hs[n++] = h2;
    if (h3)
        hs[n++] = h3;
    hs[n] = NULL;
    struct h_resp *r = h_request(s, method, path, NULL, hs);
    long st = r ? r->status : 0;
    h_resp_free(r);
    return st;
}

ACCOUNT_UTIL_FN long me_status(struct h_server *s, const char *token)
{
    return call(s, "GET", "/api/v1/me", token, NULL, NULL, NULL);
}

ACCOUNT_UTIL_FN double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

ACCOUNT_UTIL_FN void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* ---- requests from another loopback address ----
 * Login throttling counts failures per client address; every test would
 * otherwise share 127.0.0.1 and lock the others out. Linux routes all of
 * 127.0.0.0/8 to lo, so binding the client socket to 127.a.b.c gives each
 * test its own address. */

struct from_resp {
    long status;
    char retry_after[32];
    char device[64]; /* pnyx_device value from Set-Cookie, "" if none */
    json_t *json;    /* owned */
};

ACCOUNT_UTIL_FN size_t from_body(char *d, size_t sz, size_t n, void *cls)
{
    char **buf = cls;
    size_t old = *buf ? strlen(*buf) : 0;
    char *p = realloc(*buf, old + sz * n + 1);
    if (!p)
        return 0;
    memcpy(p + old, d, sz * n);
    p[old + sz * n] = '\0';
    *buf = p;
    return sz * n;
}

ACCOUNT_UTIL_FN size_t from_header(char *d, size_t sz, size_t n, void *cls)
{
    struct from_resp *r = cls;
    if (n * sz > 12 && strncasecmp(d, "Retry-After:", 12) == 0) {
        size_t len = n * sz - 12;
        const char *v = d + 12;
        while (len && (*v == ' ')) {
            v++;
            len--;
        }
        while (len && (v[len - 1] == '\r' || v[len - 1] == '\n'))
            len--;
        snprintf(r->retry_after, sizeof r->retry_after, "%.*s", (int)len, v);
    }
    const char *name = "Set-Cookie: pnyx_device=";
    size_t nl = strlen(name), len = sz * n;
    if (len > nl && strncasecmp(d, name, nl) == 0) {
        size_t i = 0;
        while (nl + i < len && d[nl + i] != ';' && d[nl + i] != '\r' && i + 1 < sizeof r->device) {
            r->device[i] = d[nl + i];
            i++;
        }
        r->device[i] = '\0';
    }
    return sz * n;
}

/* A fresh random loopback address "127.a.b.c" (never 127.0.0.1), so each
 * test is its own client for the login throttle. Seeded by the kernel:
 * Criterion forks a process per test, and a getpid() ^ time() seed collided
 * whenever the next test's pid and second differed in the same low bit
 * (pid 2k+1 one second after 2k), which handed throttle_per_email the
 * address throttle_per_client_address had just locked. */
ACCOUNT_UTIL_FN void random_loopback(char out[32])
{
    static unsigned seed;
    if (seed == 0) {
        cr_assert_eq(getentropy(&seed, sizeof seed), 0, "getentropy");
        seed |= 1u; /* 0 means "not seeded yet" */
    }
    unsigned v = (unsigned)rand_r(&seed);
    snprintf(out, 32, "127.%u.%u.%u", 1 + v % 250, 1 + (v >> 8) % 250, 1 + (v >> 16) % 250);
}

/* method path (with body unless NULL) from client address ip, with a
 * pnyx_device cookie when device is neither NULL nor "" and the extra
 * "Name: value" headers (NULL-terminated list, may be NULL). */
ACCOUNT_UTIL_FN struct from_resp request_from(struct h_server *s, const char *ip,
                                              const char *method, const char *path,
                                              const json_t *body, const char *device,
                                              const char *const *extra)
{
    struct from_resp r;
    memset(&r, 0, sizeof r);
    CURL *c = curl_easy_init();
    cr_assert(c != NULL);
    char url[300], iface[64], cookie[128];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    snprintf(iface, sizeof iface, "host!%s", ip);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL, *resp = NULL;
    struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
    if (device != NULL && *device) {
        snprintf(cookie, sizeof cookie, "Cookie: pnyx_device=%s", device);
        hl = curl_slist_append(hl, cookie);
    }
    for (size_t i = 0; extra && extra[i]; i++)
        hl = curl_slist_append(hl, extra[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (text)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, from_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, from_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    cr_assert_eq(rc, CURLE_OK, "curl from %s: %s", ip, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    h_record_curl(c, method, path, resp, resp ? strlen(resp) : 0);
    if (resp)
        r.json = json_loads(resp, 0, NULL);
    free(resp);
    free(text);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return r;
}

/* POST path with body from client address ip, with a pnyx_device cookie
 * when device is neither NULL nor "". */
ACCOUNT_UTIL_FN struct from_resp post_from_device(struct h_server *s, const char *ip,
                                                  const char *path, const json_t *body,
                                                  const char *device)
{
    return request_from(s, ip, "POST", path, body, device, NULL);
}

ACCOUNT_UTIL_FN struct from_resp post_from(struct h_server *s, const char *ip, const char *path,
                                           const json_t *body)
{
    return post_from_device(s, ip, path, body, NULL);
}

ACCOUNT_UTIL_FN struct from_resp login_from(struct h_server *s, const char *ip, const char *email,
                                            const char *pw)
{
    json_t *b = json_pack("{s:s, s:s}", "email", email, "password", pw);
    struct from_resp r = post_from(s, ip, "/api/v1/sessions", b);
    json_decref(b);
    return r;
}

ACCOUNT_UTIL_FN const char *problem_type(const json_t *j)
{
    const char *t = j ? json_string_value(json_object_get(j, "type")) : NULL;
    return t ? t : "";
}

/* ---- direct SQL on this binary's database ---- */

ACCOUNT_UTIL_FN PGconn *sql_connect(void)
{
    PGconn *c = PQconnectdb(h_db_url());
    cr_assert(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    return c;
}

/* First column of the first row of a one-parameter query, malloc'd; NULL
 * when no row. */
ACCOUNT_UTIL_FN char *sql_value(const char *sql, const char *param)
{
    PGconn *c = sql_connect();
    const char *p[1] = {param};
    PGresult *res = PQexecParams(c, sql, param ? 1 : 0, NULL, param ? p : NULL, NULL, NULL, 0);
    cr_assert(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK,
              "%s: %s", sql, PQerrorMessage(c));
    char *v = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? strdup(PQgetvalue(res, 0, 0)) : NULL;
    PQclear(res);
    PQfinish(c);
    return v;
}

#endif /* PNYX_TESTS_ACCOUNT_UTIL_H */
