/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_http.c — the HTTP plumbing over real sockets: routing errors, body
 * limits and JSON rules, problem+json shape, request ids, security headers,
 * static files with ETag/304, health endpoints, metrics, SIGTERM.
 * Body rules are checked on POST /api/v1/accounts: the body is read and
 * parsed before auth and before the handler, for every route alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
