/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_http.c — the HTTP plumbing over real sockets: routing errors, body
 * limits and JSON rules, problem+json shape, request ids, security headers,
 * static files with ETag/304, health endpoints, metrics, SIGTERM; and the
 * probe's findings of issue 9: no secret in the log, log lines always
 * JSON, %00 refused, HTTP framing (Content-Length, Host, unknown methods),
 * the CSRF origin's scheme, /metrics only for loopback or a token.
 * Body rules are checked on POST /api/v1/accounts: the body is read and
 * parsed before auth and before the handler, for every route alike.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

#define BODY_ROUTE "/api/v1/accounts"

static void assert_problem(struct h_resp *r, long status, const char *slug)
{
    cr_assert_not_null(r);
    cr_assert_eq(r->status, status, "status %ld, want %ld: %s", r->status, status, r->body);
    const char *ct = h_header(r, "Content-Type");
    cr_assert_not_null(ct);
    cr_assert_str_eq(ct, "application/problem+json");
    cr_assert_not_null(r->json, "problem body is not JSON: %s", r->body);
    char type[200];
    snprintf(type, sizeof type, "https://pnyx.dev/problems/%s", slug);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "type")), type);
    cr_assert_eq(json_integer_value(json_object_get(r->json, "status")), status);
    cr_assert(json_is_string(json_object_get(r->json, "title")));
    cr_assert(json_is_string(json_object_get(r->json, "request_id")));
}

Test(routing, unknown_api_path_is_404_problem)
{
    struct h_resp *r = h_get(h_shared(), "/api/v1/no-such-thing");
    assert_problem(r, 404, "not-found");
    h_resp_free(r);
}

Test(routing, wrong_method_is_405_with_allow)
{
    struct h_resp *r = h_request(h_shared(), "DELETE", "/healthz", NULL, NULL);
    assert_problem(r, 405, "method-not-allowed");
    cr_assert_str_eq(h_header(r, "Allow"), "GET, HEAD");
    h_resp_free(r);
    r = h_request(h_shared(), "PUT", BODY_ROUTE, "{}", NULL);
    assert_problem(r, 405, "method-not-allowed");
    cr_assert_not_null(strstr(h_header(r, "Allow"), "POST"));
    h_resp_free(r);
}

Test(routing, head_is_served_by_get)
{
    struct h_resp *r = h_request(h_shared(), "HEAD", "/healthz", NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(r->body_len, 0);
    h_resp_free(r);
}

Test(body, over_64_kib_is_413)
{
    size_t n = 70 * 1024;
    char *big = malloc(n + 16);
    memcpy(big, "{\"a\":\"", 6);
    memset(big + 6, 'x', n);
    strcpy(big + 6 + n, "\"}");
    struct h_resp *r = h_request(h_shared(), "POST", BODY_ROUTE, big, NULL);
    assert_problem(r, 413, "payload-too-large");
    h_resp_free(r);
    /* Same without Content-Length (chunked): read, dropped, then 413. */
    const char *hdr[] = {"Transfer-Encoding: chunked", NULL};
    r = h_request(h_shared(), "POST", BODY_ROUTE, big, hdr);
    assert_problem(r, 413, "payload-too-large");
    h_resp_free(r);
    free(big);
}

Test(body, malformed_json_is_400)
{
    struct h_resp *r = h_request(h_shared(), "POST", BODY_ROUTE, "{\"email\":", NULL);
    assert_problem(r, 400, "malformed-json");
    h_resp_free(r);
}

Test(body, duplicate_keys_are_400)
{
    struct h_resp *r = h_request(h_shared(), "POST", BODY_ROUTE,
                                 "{\"email\":\"a@b.c\",\"email\":\"d@e.f\"}", NULL);
    assert_problem(r, 400, "malformed-json");
    cr_assert_not_null(strstr(json_string_value(json_object_get(r->json, "detail")), "duplicate"));
    h_resp_free(r);
}

Test(body, nul_escape_is_400)
{
    struct h_resp *r = h_request(h_shared(), "POST", BODY_ROUTE, "{\"email\":\"a\\u0000b\"}", NULL);
    assert_problem(r, 400, "malformed-json");
    h_resp_free(r);
}

static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 2 + 1);
    for (int i = 0; i < depth; i++) {
        s[i] = '[';
        s[depth * 2 - 1 - i] = ']';
    }
    s[depth * 2] = '\0';
    return s;
}

Test(body, depth_33_is_400_and_32_is_parsed)
{
    char *d33 = nested(33);
    struct h_resp *r = h_request(h_shared(), "POST", BODY_ROUTE, d33, NULL);
    assert_problem(r, 400, "malformed-json");
    cr_assert_not_null(strstr(json_string_value(json_object_get(r->json, "detail")), "deeper"));
    h_resp_free(r);
    free(d33);
    /* Depth 32 parses; the handler then refuses it as a non-object (4xx,
     * but not malformed-json). */
    char *d32 = nested(32);
    r = h_request(h_shared(), "POST", BODY_ROUTE, d32, NULL);
    cr_assert(r->status >= 400 && r->status < 500);
    cr_assert_null(strstr(r->body, "malformed-json"), "%s", r->body);
    h_resp_free(r);
    free(d32);
}

Test(body, non_json_content_type_is_415)
{
    const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    struct h_resp *r = h_request(h_shared(), "POST", BODY_ROUTE, "a=b", hdr);
    assert_problem(r, 415, "unsupported-media-type");
    h_resp_free(r);
}

Test(headers, request_id_is_echoed_or_generated)
{
    const char *hdr[] = {"X-Request-Id: test-abc.123", NULL};
    struct h_resp *r = h_request(h_shared(), "GET", "/healthz", NULL, hdr);
    cr_assert_str_eq(h_header(r, "X-Request-Id"), "test-abc.123");
    h_resp_free(r);
    const char *bad[] = {"X-Request-Id: <script>", NULL};
    r = h_request(h_shared(), "GET", "/healthz", NULL, bad);
    const char *rid = h_header(r, "X-Request-Id");
    cr_assert_not_null(rid);
    cr_assert_str_neq(rid, "<script>");
    cr_assert_gt(strlen(rid), 4);
    h_resp_free(r);
    r = h_get(h_shared(), "/api/v1/nope");
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "request_id")),
                     h_header(r, "X-Request-Id"));
    h_resp_free(r);
}

static void assert_security_headers(struct h_resp *r)
{
    const char *csp = h_header(r, "Content-Security-Policy");
    cr_assert_not_null(csp);
    cr_assert_not_null(strstr(csp, "default-src 'self'"));
    cr_assert_not_null(strstr(csp, "script-src 'self'"));
    cr_assert_not_null(strstr(csp, "frame-ancestors 'none'"));
    cr_assert_null(strstr(csp, "unsafe-inline"));
    cr_assert_str_eq(h_header(r, "X-Content-Type-Options"), "nosniff");
    cr_assert_str_eq(h_header(r, "Referrer-Policy"), "no-referrer");
    cr_assert_str_eq(h_header(r, "X-Frame-Options"), "DENY");
}

Test(headers, security_headers_on_every_kind_of_response)
{
    const char *paths[] = {"/healthz", "/api/v1/nope", "/", "/some/client/route", "/missing.js"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct h_resp *r = h_get(h_shared(), paths[i]);
        cr_assert_not_null(r);
        assert_security_headers(r);
        h_resp_free(r);
    }
    struct h_resp *r = h_request(h_shared(), "POST", BODY_ROUTE, "{", NULL);
    assert_security_headers(r);
    h_resp_free(r);
}

Test(static_files, index_etag_and_304)
{
    struct h_resp *r = h_get(h_shared(), "/");
    cr_assert_eq(r->status, 200);
    cr_assert_not_null(strstr(h_header(r, "Content-Type"), "text/html"));
    const char *etag = h_header(r, "ETag");
    cr_assert_not_null(etag);
    cr_assert_eq(etag[0], '"', "strong ETag expected: %s", etag);
    cr_assert_not_null(h_header(r, "Cache-Control"));
    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *hdr[] = {inm, NULL};
    struct h_resp *r2 = h_request(h_shared(), "GET", "/", NULL, hdr);
    cr_assert_eq(r2->status, 304);
    cr_assert_str_eq(h_header(r2, "ETag"), etag);
    h_resp_free(r2);
    /* A client-side route gets the same app shell. */
    r2 = h_get(h_shared(), "/login");
    cr_assert_eq(r2->status, 200);
    cr_assert_str_eq(h_header(r2, "ETag"), etag);
    h_resp_free(r2);
    h_resp_free(r);
}

Test(static_files, no_traversal_and_missing_assets_404)
{
    const char *bad[] = {"/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/..%2fCMakeLists.txt",
                         "/.git/config", "/missing-file.js"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct h_resp *r = h_get(h_shared(), bad[i]);
        cr_assert_not_null(r);
        cr_assert_null(strstr(r->body, "cmake_minimum_required"), "%s leaked a file", bad[i]);
        cr_assert_null(strstr(r->body, "[core]"), "%s leaked a file", bad[i]);
        cr_assert(r->status == 404 || r->status == 400, "%s gave %ld", bad[i], r->status);
        h_resp_free(r);
    }
}

Test(health, healthz_readyz_metrics)
{
    struct h_resp *r = h_get(h_shared(), "/healthz");
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "ok");
    h_resp_free(r);
    r = h_get(h_shared(), "/readyz");
    cr_assert_eq(r->status, 200, "%s", r->body);
    h_resp_free(r);
    r = h_get(h_shared(), "/metrics");
    cr_assert_eq(r->status, 200);
    cr_assert_not_null(strstr(h_header(r, "Content-Type"), "text/plain"));
    cr_assert_not_null(
        strstr(r->body,
               "pnyx_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"),
        "%s", r->body);
    cr_assert_not_null(strstr(r->body, "pnyx_http_request_duration_seconds_bucket"));
    cr_assert_not_null(strstr(r->body, "pnyx_db_errors_total"));
    cr_assert_not_null(strstr(r->body, "pnyx_http_active_connections"));
    h_resp_free(r);
}

Test(lifecycle, sigterm_exits_cleanly)
{
    struct h_server *s = h_server_start(NULL);
    cr_assert_not_null(s);
    struct h_resp *r = h_get(s, "/healthz");
    cr_assert_eq(r->status, 200);
    h_resp_free(r);
    cr_assert_eq(h_server_stop(s), 0);
}

Test(lifecycle, bad_config_exits_2)
{
    const char *env[] = {"PNYX_THREADS=0", NULL};
    struct h_server *s = h_server_start(env);
    cr_assert_null(s);
}

Test(connections, keep_alive_is_kept)
{
    /* Two requests on one connection: the second must be answered (the
     * 0.9.75 first-call trap would close after the first). */
    char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: "
                 "x\r\nConnection: close\r\n\r\n";
    char *out = h_raw(h_shared(), req, strlen(req), 3000);
    const char *first = strstr(out, "HTTP/1.1 200");
    cr_assert_not_null(first, "%s", out);
    cr_assert_not_null(strstr(first + 5, "HTTP/1.1 200"), "second response missing: %s", out);
    free(out);
}

/* --- issue 9 section 2: the probe's findings ------------------------------ */

/* Status of a raw HTTP response ("HTTP/1.1 400 …"), 0 if none. */
static long raw_status(const char *out)
{
    return strncmp(out, "HTTP/1.", 7) == 0 ? strtol(out + 9, NULL, 10) : 0;
}

/* Value of header name in a raw response (static copy), NULL if absent. */
static const char *raw_header(const char *out, const char *name)
{
    static _Thread_local char val[256];
    const char *end = strstr(out, "\r\n\r\n");
    size_t nl = strlen(name);
    for (const char *p = strstr(out, "\r\n"); p && (!end || p < end); p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
            const char *v = p + 3 + nl;
            while (*v == ' ')
                v++;
            snprintf(val, sizeof val, "%.*s", (int)strcspn(v, "\r"), v);
            return val;
        }
    }
    return NULL;
}

/* Problem slug of a raw response's JSON body ("" if none). */
static const char *raw_slug(const char *out)
{
    static _Thread_local char slug[64];
    const char *body = strstr(out, "\r\n\r\n");
    json_t *j = body ? json_loads(body + 4, 0, NULL) : NULL;
    const char *t = j ? json_string_value(json_object_get(j, "type")) : NULL;
    snprintf(slug, sizeof slug, "%s", t && strrchr(t, '/') ? strrchr(t, '/') + 1 : "");
    json_decref(j);
    return slug;
}

static char *raw(const char *req)
{
    return h_raw(h_shared(), req, strlen(req), 3000);
}

static void assert_raw_problem(const char *req, long status, const char *slug)
{
    char *out = raw(req);
    cr_assert_eq(raw_status(out), status, "%s\n-> %s", req, out);
    cr_assert_str_eq(raw_slug(out), slug, "%s", out);
    /* answered by pnyxd (not by libmicrohttpd): the security headers */
    cr_assert_str_eq(raw_header(out, "X-Content-Type-Options"), "nosniff", "%s", out);
    cr_assert_not_null(raw_header(out, "Content-Security-Policy"), "%s", out);
    free(out);
}

/* 2.6: framing a proxy could read differently is refused. */
Test(framing, conflicting_content_length_is_400)
{
    assert_raw_problem("POST " BODY_ROUTE
                       " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 2\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{}",
                       400, "bad-request");
    assert_raw_problem(
        "POST " BODY_ROUTE " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        "2\r\n{}\r\n0\r\n\r\n",
        400, "bad-request");
    /* The connection ends there: what follows is never read as a request
     * (with the second length, "{}GET …" would have been a body; with the
     * first, the GET a smuggled request). */
    char *out0 = raw("POST " BODY_ROUTE " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 2\r\nContent-Length: 40\r\n\r\n"
                     "{}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    cr_assert_eq(raw_status(out0), 400, "%s", out0);
    cr_assert_null(strstr(out0, "HTTP/1.1 200"), "smuggled request answered: %s", out0);
    free(out0);
    /* The same length twice is one length (RFC 9110 §8.6): the body is read. */
    char *out = raw("POST " BODY_ROUTE " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    cr_assert_eq(raw_status(out), 422, "%s", out);
    cr_assert_str_eq(raw_slug(out), "validation", "%s", out);
    free(out);
}

Test(framing, http11_without_host_is_400)
{
    assert_raw_problem("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", 400, "bad-request");
    assert_raw_problem("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
                       400, "bad-request");
    /* HTTP/1.0 has no Host requirement. */
    char *out = raw("GET /healthz HTTP/1.0\r\n\r\n");
    cr_assert_eq(raw_status(out), 200, "%s", out);
    free(out);
}

Test(framing, unknown_method_is_501_with_allow)
{
    struct h_resp *r = h_request(h_shared(), "FOO", "/healthz", NULL, NULL);
    assert_problem(r, 501, "not-implemented");
    cr_assert_str_eq(h_header(r, "Allow"), "GET, HEAD");
    assert_security_headers(r);
    h_resp_free(r);
    r = h_request(h_shared(), "BREW", BODY_ROUTE, NULL, NULL);
    assert_problem(r, 501, "not-implemented");
    cr_assert_str_eq(h_header(r, "Allow"), "POST");
    h_resp_free(r);
    /* a static path: GET and HEAD; an unknown API path: nothing to offer */
    r = h_request(h_shared(), "FOO", "/some/client/route", NULL, NULL);
    assert_problem(r, 501, "not-implemented");
    cr_assert_str_eq(h_header(r, "Allow"), "GET, HEAD");
    h_resp_free(r);
    r = h_request(h_shared(), "FOO", "/api/v1/no-such-thing", NULL, NULL);
    assert_problem(r, 501, "not-implemented");
    cr_assert_null(h_header(r, "Allow"));
    h_resp_free(r);
    /* methods are case-sensitive (RFC 9110 §9.1) */
    r = h_request(h_shared(), "get", "/healthz", NULL, NULL);
    assert_problem(r, 501, "not-implemented");
    h_resp_free(r);
}

/* 2.5: %00 never truncates a path or a query value. */
Test(nul, percent_00_in_path_or_query_is_400)
{
    struct h_resp *r = h_get(h_shared(), "/app.css");
    cr_assert_eq(r->status, 200, "the file exists: %ld", r->status);
    h_resp_free(r);
    const char *bad[] = {"/app.css%00.png",
                         "/app.css%00",
                         "/api/v1/assemblies/1%00/members",
                         "/api/v1/assemblies?limit=1%00x",
                         "/api/v1/assemblies?after=%00",
                         "/api/v1/assemblies?li%00mit=1",
                         "/healthz?x=%C0%80",
                         "/%ff",
                         "/%c3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = h_get(h_shared(), bad[i]);
        cr_assert_not_null(r);
        cr_assert_eq(r->status, 400, "%s gave %ld: %s", bad[i], r->status, r->body);
        assert_problem(r, 400, "bad-request");
        h_resp_free(r);
    }
    /* a real limit still works, and an encoded non-NUL byte is decoded */
    r = h_get(h_shared(), "/api/v1/assemblies?limit=1");
    cr_assert_eq(r->status, 200, "%s", r->body);
    h_resp_free(r);
    r = h_get(h_shared(), "/app%2ecss");
    cr_assert_eq(r->status, 200, "%s", r->body);
    h_resp_free(r);
}

/* 2.7: the CSRF origin check compares the scheme too (login refuses
 * foreign origins before it looks at the credentials). */
Test(csrf, origin_with_another_scheme_or_port_is_refused)
{
    struct h_server *s = h_shared();
    const char *body = "{\"email\":\"nobody@example.org\",\"password\":\"not the password\"}";
    char h[160];
    snprintf(h, sizeof h, "Origin: https://127.0.0.1:%u", s->port);
    const char *hs[] = {h, NULL};
    struct h_resp *r = h_request(s, "POST", "/api/v1/sessions", body, hs);
    assert_problem(r, 403, "csrf");
    h_resp_free(r);
    snprintf(h, sizeof h, "Origin: http://127.0.0.1:%u",
             (unsigned)(s->port == 1 ? 2 : s->port - 1));
    r = h_request(s, "POST", "/api/v1/sessions", body, hs);
    assert_problem(r, 403, "csrf");
    h_resp_free(r);
    snprintf(h, sizeof h, "Origin: http://127.0.0.1:%u", s->port);
    r = h_request(s, "POST", "/api/v1/sessions", body, hs);
    cr_assert_eq(r->status, 401, "own origin passes the check: %s", r->body);
    h_resp_free(r);
}

/* A local address that is not loopback, so a connection from it to
 * 127.0.0.1 reaches the server from a non-loopback client address. */
static bool non_loopback_addr(struct in_addr *out)
{
    struct ifaddrs *ifs = NULL;
    bool found = false;
    if (getifaddrs(&ifs) != 0)
        return false;
    for (struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) ||
            (i->ifa_flags & IFF_LOOPBACK))
            continue;
        *out = ((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
        found = (ntohl(out->s_addr) >> 24) != 127;
    }
    freeifaddrs(ifs);
    return found;
}

/* GET /metrics from src (with an Authorization header if auth); status. */
static long metrics_from(const struct h_server *s, struct in_addr src, const char *auth)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in from = {.sin_family = AF_INET, .sin_addr = src};
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(s->port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&from, sizeof from) == 0 &&
              connect(fd, (struct sockaddr *)&to, sizeof to) == 0);
    char req[256];
    int n = snprintf(req, sizeof req,
                     "GET /metrics HTTP/1.1\r\nHost: x\r\n%s%s%sConnection: close\r\n\r\n",
                     auth ? "Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "");
    cr_assert_eq(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    char buf[64] = "";
    size_t got = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (got < 12 && poll(&p, 1, 5000) > 0) {
        ssize_t k = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    buf[got] = '\0';
    close(fd);
    return raw_status(buf);
}

/* 2.7: /metrics is for loopback clients and holders of the token. */
Test(metrics, only_loopback_or_token)
{
    struct in_addr src;
    if (!non_loopback_addr(&src))
        cr_skip_test("no non-loopback IPv4 address on this machine");
    const char *env[] = {"PNYX_METRICS_TOKEN=metrics-token-for-the-test", NULL};
    struct h_server *s = h_server_start(env);
    cr_assert_not_null(s);
    struct h_resp *r = h_get(s, "/metrics"); /* loopback: no token needed */
    cr_assert_eq(r->status, 200);
    h_resp_free(r);
    cr_assert_eq(metrics_from(s, src, NULL), 403);
    cr_assert_eq(metrics_from(s, src, "Bearer wrong"), 403);
    cr_assert_eq(metrics_from(s, src, "Bearer metrics-token-for-the-tes"), 403);
    cr_assert_eq(metrics_from(s, src, "Bearer metrics-token-for-the-test"), 200);
    h_server_stop(s);
    /* Without a token configured, no header opens it. */
    s = h_server_start(NULL);
    cr_assert_not_null(s);
    cr_assert_eq(metrics_from(s, src, NULL), 403);
    cr_assert_eq(metrics_from(s, src, "Bearer "), 403);
    cr_assert_eq(metrics_from(s, src, "Bearer metrics-token-for-the-test"), 403);
    h_server_stop(s);
}

/* Reads a stopped server's whole log (malloc'd). */
static char *read_log(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* 2.4: each line is a JSON object (Jansson rejects invalid UTF-8); returns
 * how many access lines ("msg":"request") there are. */
static int assert_json_lines(char *log)
{
    int access = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        cr_assert(json_is_object(j), "not a JSON object (%s): %s", e.text, line);
        const char *msg = json_string_value(json_object_get(j, "msg"));
        access += msg && strcmp(msg, "request") == 0;
        json_decref(j);
    }
    return access;
}

static json_t *call_json(struct h_server *s, const char *method, const char *path,
                         const char *token, json_t *body, long want)
{
    char auth[128];
    const char *hs[] = {auth, NULL};
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct h_resp *r = h_request(s, method, path, text, token ? hs : NULL);
    free(text);
    cr_assert_not_null(r);
    cr_assert_eq(r->status, want, "%s %s: %ld %s", method, path, r->status, r->body);
    json_t *j = json_incref(r->json);
    h_resp_free(r);
    return j;
}

static const char *str(const json_t *j, const char *key)
{
    const char *v = json_string_value(json_object_get(j, key));
    cr_assert_not_null(v, "no %s", key);
    return v;
}

/* 2.2: no secret from a path, a header, a query or a body reaches the log,
 * even at debug level (an access line for every request). */
Test(logs, no_secret_reaches_the_log)
{
    const char *env[] = {"PNYX_LOG_LEVEL=debug", "PNYX_METRICS_TOKEN=metrics-secret-in-a-header",
                         NULL};
    struct h_server *s = h_server_start(env);
    cr_assert_not_null(s);
    char pw[128], wrong[128], email_a[200], email_b[200], fake[64], path[256];
    snprintf(pw, sizeof pw, "Pw-%s", h_unique("passphrase"));
    snprintf(wrong, sizeof wrong, "Wrong-%s", h_unique("passphrase"));
    snprintf(email_a, sizeof email_a, "%s@example.org", h_unique("loga"));
    snprintf(email_b, sizeof email_b, "%s@example.org", h_unique("logb"));
    snprintf(fake, sizeof fake, "FakeCode%035u", (unsigned)getpid()); /* 43 like a real one */

    const char *emails[] = {email_a, email_b};
    for (int i = 0; i < 2; i++)
        json_decref(
            call_json(s, "POST", "/api/v1/accounts", NULL,
                      json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "email", emails[i], "password", pw,
                                "display_name", "Log tester", "country", "FR", "languages", "fr"),
                      201));
    json_decref(call_json(s, "POST", "/api/v1/sessions", NULL,
                          json_pack("{s:s, s:s}", "email", email_a, "password", wrong), 401));
    json_t *la = call_json(s, "POST", "/api/v1/sessions", NULL,
                           json_pack("{s:s, s:s}", "email", email_a, "password", pw), 201);
    json_t *lb = call_json(s, "POST", "/api/v1/sessions", NULL,
                           json_pack("{s:s, s:s}", "email", email_b, "password", pw), 201);
    const char *ta = str(la, "token"), *csrf = str(la, "csrf_token"), *tb = str(lb, "token");

    json_t *a = call_json(s, "POST", "/api/v1/assemblies", ta,
                          json_pack("{s:s, s:s, s:s, s:s}", "title", "Logged", "description", "x",
                                    "visibility", "public", "join_policy", "invite"),
                          201);
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/invitations",
             (long long)json_integer_value(json_object_get(a, "id")));
    json_t *inv = call_json(s, "POST", path, ta,
                            json_pack("{s:s, s:i}", "role", "member", "max_uses", 1), 201);
    const char *code = str(inv, "code");
    snprintf(path, sizeof path, "/api/v1/invitations/%s/accept", code);
    json_decref(call_json(s, "POST", path, tb, NULL, 201));
    json_decref(call_json(s, "POST", path, tb, NULL, 410)); /* used up: a failed accept */
    snprintf(path, sizeof path, "/api/v1/invitations/%s/accept", fake);
    json_decref(call_json(s, "POST", path, tb, NULL, 404));

    /* The secrets elsewhere: a cookie and CSRF header, a query, a client
     * route, an unknown API path, an unknown method, a body. */
    char cookie[160], xcsrf[160];
    snprintf(cookie, sizeof cookie, "Cookie: pnyx_session=%s", ta);
    snprintf(xcsrf, sizeof xcsrf, "X-CSRF-Token: %s", csrf);
    const char *ch[] = {cookie, xcsrf, "Authorization: Bearer metrics-secret-in-a-header", NULL};
    const char *around[][2] = {{"/api/v1/me", NULL},
                               {"/metrics", NULL},
                               {"/invite/", ""},
                               {"/api/v1/", ""},
                               {"/api/v1/assemblies?after=", ""},
                               {"/", "%00"}};
    for (size_t i = 0; i < sizeof around / sizeof around[0]; i++) {
        snprintf(path, sizeof path, "%s%s%s", around[i][0], around[i][1] ? code : "",
                 around[i][1] ? around[i][1] : "");
        h_resp_free(h_request(s, "GET", path, NULL, ch));
    }
    snprintf(path, sizeof path, "/api/v1/invitations/%s/accept", code);
    h_resp_free(h_request(s, "FOO", path, NULL, NULL));
    char body[256];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", code, pw);
    h_resp_free(h_request(s, "POST", "/api/v1/sessions", body, NULL));
    h_resp_free(h_request(s, "POST", "/api/v1/sessions", "{\"email\":", NULL));

    char log_path[sizeof s->log_path];
    snprintf(log_path, sizeof log_path, "%s", s->log_path);
    cr_assert_eq(h_server_stop(s), 0); /* every line written */
    char *log = read_log(log_path);
    const char *secrets[] = {pw, wrong, ta, tb, csrf, code, fake, "metrics-secret-in-a-header"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        cr_assert_null(strstr(log, secrets[i]), "secret %zu (%s) in the log:\n%s", i, secrets[i],
                       log);
    /* The lines are there, with what an operator needs instead. */
    cr_assert_not_null(strstr(log, "\"route\":\"/api/v1/invitations/{code}/accept\""), "%s", log);
    cr_assert_not_null(strstr(log, "\"path\":\"/api/v1/invitations/{code}/accept\""), "%s", log);
    cr_assert_not_null(strstr(log, "\"status\":410"), "%s", log);
    cr_assert_not_null(strstr(log, "\"path\":\"/invite/*\""), "%s", log);
    snprintf(path, sizeof path, "\"path\":\"/api/v1/assemblies/%lld/invitations\"",
             (long long)json_integer_value(json_object_get(a, "id")));
    cr_assert_not_null(strstr(log, path), "numeric ids are kept: %s", log);
    cr_assert_geq(assert_json_lines(log), 18);
    free(log);
    json_decref(la);
    json_decref(lb);
    json_decref(a);
    json_decref(inv);
}

/* 2.4: access lines stay valid JSON whatever bytes the path holds, also
 * past the path length limit of the line. */
Test(logs, lines_are_json_for_any_path)
{
    const char *env[] = {"PNYX_LOG_LEVEL=debug", NULL};
    struct h_server *s = h_server_start(env);
    cr_assert_not_null(s);
    char req[4096];
    const char *paths[4];
    char raw_multi[1200] = "/", enc_multi[1900] = "/api/v1/", mixed[600] = "/x";
    for (int i = 0; i < 300; i++)
        strcat(raw_multi, i % 2 ? "\xc3\xa9" : "\xe2\x82\xac");
    for (int i = 0; i < 300; i++)
        strcat(enc_multi, "%C3%A9");
    for (int i = 0; i < 120; i++)
        strcat(mixed, i % 3 ? "\xff" : "\xc3\xa9/");
    paths[0] = raw_multi;
    paths[1] = enc_multi;
    paths[2] = mixed;
    paths[3] = "/%ff%fe/%c3/%e2%82/\xf0\x9f\x98";
    for (size_t i = 0; i < 4; i++) {
        int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                         paths[i]);
        char *out = h_raw(s, req, (size_t)n, 3000);
        cr_assert_gt(raw_status(out), 0, "no answer to path %zu", i);
        free(out);
    }
    char log_path[sizeof s->log_path];
    snprintf(log_path, sizeof log_path, "%s", s->log_path);
    cr_assert_eq(h_server_stop(s), 0);
    char *log = read_log(log_path);
    cr_assert_geq(assert_json_lines(log), 4, "%s", log);
    free(log);
}
