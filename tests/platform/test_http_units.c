/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Unit tests for http/ internals: the JSON depth pre-scan, body parsing
 * rules, JSON content types, and the router (404/405 + Allow, params);
 * and the pieces of the request path that decide security: log escaping
 * (always valid JSON), the CSRF origin comparison, the /metrics gate. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "api/api_health.h"
#include "api/auth.h"
#include "http/http_int.h"
#include "platform/log.h"

static char *nest(int depth, char open, char close)
{
    char *s = malloc((size_t)depth * 2 + 1);
    for (int i = 0; i < depth; i++) {
        s[i] = open;
        s[depth * 2 - 1 - i] = close;
    }
    s[depth * 2] = '\0';
    return s;
}

Test(depth, counts_arrays_and_objects_but_not_strings)
{
    char *d32 = nest(32, '[', ']'), *d33 = nest(33, '[', ']');
    cr_assert_eq(body_check_depth(d32, strlen(d32), 32), 0);
    cr_assert_eq(body_check_depth(d33, strlen(d33), 32), -1);
    free(d32);
    free(d33);
    const char *s = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[\"}";
    cr_assert_eq(body_check_depth(s, strlen(s), 2), 0);
    const char *mixed = "{\"a\":[{\"b\":[1]}]}";
    cr_assert_eq(body_check_depth(mixed, strlen(mixed), 4), 0);
    cr_assert_eq(body_check_depth(mixed, strlen(mixed), 3), -1);
}

Test(parse, rules)
{
    json_t *j;
    char why[200];
    cr_assert_eq(body_parse_json("{\"a\":1}", 7, &j, why, sizeof why), 0);
    json_decref(j);
    cr_assert_eq(body_parse_json("{\"a\":1,\"a\":2}", 13, &j, why, sizeof why), -1);
    cr_assert_not_null(strstr(why, "duplicate"));
    cr_assert_null(strstr(why, "near"), "input echoed: %s", why);
    const char nul[] = "{\"a\":\"x\\u0000\"}";
    cr_assert_eq(body_parse_json(nul, strlen(nul), &j, why, sizeof why), -1);
    cr_assert_null(strstr(why, "JSON_ALLOW_NUL"));
    const char raw_nul[] = {'{', '"', 'a', '"', ':', '"', 0, '"', '}'};
    cr_assert_eq(body_parse_json(raw_nul, sizeof raw_nul, &j, why, sizeof why), -1);
    cr_assert_eq(body_parse_json("{\"a\":", 5, &j, why, sizeof why), -1);
    cr_assert_eq(body_parse_json("\"bare\"", 6, &j, why, sizeof why), -1);
    const char bad_utf8[] = "{\"a\":\"\xff\"}";
    cr_assert_eq(body_parse_json(bad_utf8, strlen(bad_utf8), &j, why, sizeof why), -1);
}

Test(parse, content_types)
{
    cr_assert(body_is_json_type("application/json"));
    cr_assert(body_is_json_type("application/json; charset=utf-8"));
    cr_assert(body_is_json_type("Application/JSON"));
    cr_assert(body_is_json_type("application/merge-patch+json"));
    cr_assert_not(body_is_json_type("text/plain"));
    cr_assert_not(body_is_json_type("application/jsonp"));
    cr_assert_not(body_is_json_type(NULL));
}

Test(router, matches_and_405)
{
    char err[200];
    cr_assert_eq(router_init(err, sizeof err), 0, "%s", err);
    struct arena *a = arena_new();
    struct api_req rq = {0};
    size_t idx;
    const char *allow;
    cr_assert_eq(router_match(a, API_GET, "/healthz", &idx, &rq, &allow), 1);
    cr_assert_str_eq(api_routes[idx].pattern, "/healthz");
    cr_assert_eq(router_match(a, API_HEAD, "/healthz", &idx, &rq, &allow), 1);
    cr_assert_eq(router_match(a, API_POST, "/healthz", &idx, &rq, &allow), 0);
    cr_assert_str_eq(allow, "GET, HEAD");
    cr_assert_eq(router_match(a, API_GET, "/healthz/", &idx, &rq, &allow), -1);
    cr_assert_eq(router_match(a, API_GET, "//healthz", &idx, &rq, &allow), -1);
    cr_assert_eq(router_match(a, API_GET, "/nope", &idx, &rq, &allow), -1);
    /* Every pattern in the table matches itself with its placeholders. */
    for (size_t i = 0; i < api_routes_count; i++) {
        char path[256];
        size_t o = 0;
        for (const char *p = api_routes[i].pattern; *p && o < sizeof path - 2;) {
            if (*p == '{') {
                path[o++] = '7';
                p = strchr(p, '}') + 1;
            } else {
                path[o++] = *p++;
            }
        }
        path[o] = '\0';
        enum api_method m = api_routes[i].method;
        cr_assert_eq(router_match(a, m, path, &idx, &rq, &allow), 1, "%s", path);
        if (idx != i)
            continue; /* an earlier, more general pattern won: allowed */
        for (size_t k = 0; k < rq.nparams; k++)
            cr_assert_str_eq(rq.params[k].value, "7");
    }
    arena_free(a);
}

/* Issue 9, 2.4: escaped text is valid JSON (Jansson checks UTF-8) at every
 * buffer size, whatever bytes come in: raw bytes >= 0x80 that are not
 * well-formed UTF-8 become U+FFFD, well-formed characters are copied whole
 * or not at all. */
Test(log_escape, always_valid_json_at_every_length)
{
    const char *inputs[] = {
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 end", /* 2-, 3-, 4-byte characters */
        "\xff\xfe\x80\xbf",                              /* bytes that start nothing */
        "\xc0\x80 \xc1\xbf \xe0\x80\xaf",                /* overlong forms */
        "\xed\xa0\x80 \xf4\x90\x80\x80",                 /* a surrogate; above U+10FFFF */
        "\xc3 \xe2\x82 \xf0\x9f\x98",                    /* truncated sequences */
        "\"\\\n\t\x01\x7f",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        for (size_t cap = 1; cap <= 64; cap++) {
            char buf[64], doc[80];
            size_t n = log_json_escape(buf, cap, inputs[i]);
            cr_assert_lt(n, cap);
            cr_assert_eq(strlen(buf), n);
            snprintf(doc, sizeof doc, "[\"%s\"]", buf);
            json_error_t e;
            json_t *j = json_loads(doc, 0, &e);
            cr_assert_not_null(j, "input %zu cap %zu: %s (%s)", i, cap, doc, e.text);
            json_decref(j);
        }
    }
    char buf[64];
    log_json_escape(buf, sizeof buf,
                    "a\xff"
                    "b");
    cr_assert_str_eq(buf, "a\\ufffdb");
    log_json_escape(buf, sizeof buf, "\xc3\xa9\xe2\x82\xac");
    cr_assert_str_eq(buf, "\xc3\xa9\xe2\x82\xac", "well-formed UTF-8 is kept as is");
    /* A 3-byte character that does not fit is left out, not cut. */
    cr_assert_eq(log_json_escape(buf, 5, "ab\xe2\x82\xac"), 2);
    cr_assert_str_eq(buf, "ab");
}

/* Issue 9, 2.7: the CSRF check compares scheme, host and port. */
Test(csrf_origin, scheme_host_and_port)
{
    cr_assert(api_auth_same_origin("http://127.0.0.1:8080", "127.0.0.1:8080", false));
    cr_assert(api_auth_same_origin("HTTP://Example.ORG", "example.org", false));
    cr_assert(api_auth_same_origin("http://example.org:80", "example.org", false));
    cr_assert(api_auth_same_origin("https://example.org", "example.org:443", true));
    cr_assert(api_auth_same_origin("http://[::1]:8080", "[::1]:8080", false));
    /* another scheme than the one the server is reached by */
    cr_assert_not(api_auth_same_origin("https://127.0.0.1:8080", "127.0.0.1:8080", false));
    cr_assert_not(api_auth_same_origin("http://example.org", "example.org", true));
    cr_assert_not(api_auth_same_origin("ftp://example.org", "example.org", false));
    /* another port or host */
    cr_assert_not(api_auth_same_origin("http://127.0.0.1:8081", "127.0.0.1:8080", false));
    cr_assert_not(api_auth_same_origin("http://example.org:8080", "example.org", false));
    cr_assert_not(api_auth_same_origin("https://example.org:443", "example.org:8443", true));
    cr_assert_not(api_auth_same_origin("http://example.org.evil", "example.org", false));
    cr_assert_not(api_auth_same_origin("http://[::1]:8080", "[::2]:8080", false));
    /* not an origin */
    cr_assert_not(api_auth_same_origin("null", "example.org", false));
    cr_assert_not(api_auth_same_origin("http://example.org/", "example.org", false));
    cr_assert_not(api_auth_same_origin("http://example.org:", "example.org", false));
    cr_assert_not(api_auth_same_origin("http://example.org:0", "example.org:0", false));
    cr_assert_not(api_auth_same_origin("http://", "", false));
    cr_assert_not(api_auth_same_origin("http://example.org", NULL, false));
}

/* Issue 9, 2.7: /metrics for loopback clients, or with the token. */
Test(metrics_gate, loopback_or_token)
{
    const char *loop[] = {"127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"};
    for (size_t i = 0; i < sizeof loop / sizeof loop[0]; i++) {
        cr_assert(api_health_metrics_allowed(loop[i], NULL, ""), "%s", loop[i]);
        cr_assert(api_health_metrics_allowed(loop[i], NULL, NULL), "%s", loop[i]);
    }
    const char *other[] = {"192.0.2.7", "10.0.0.1", "::2", "::ffff:10.0.0.1",
                           "128.0.0.1", "unknown",  ""};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        cr_assert_not(api_health_metrics_allowed(other[i], NULL, "s3cret"), "%s", other[i]);
        cr_assert_not(api_health_metrics_allowed(other[i], "Bearer wrong", "s3cret"));
        cr_assert_not(api_health_metrics_allowed(other[i], "Bearer s3cre", "s3cret"));
        cr_assert_not(api_health_metrics_allowed(other[i], "Bearer s3cret2", "s3cret"));
        cr_assert_not(api_health_metrics_allowed(other[i], "Basic s3cret", "s3cret"));
        cr_assert(api_health_metrics_allowed(other[i], "Bearer s3cret", "s3cret"));
        cr_assert(api_health_metrics_allowed(other[i], "bearer s3cret", "s3cret"));
        /* no token configured: no bearer opens it, not even an empty one */
        cr_assert_not(api_health_metrics_allowed(other[i], "Bearer ", ""));
        cr_assert_not(api_health_metrics_allowed(other[i], "Bearer x", NULL));
    }
    cr_assert_not(api_health_metrics_allowed(NULL, NULL, NULL));
}

/* Issue 9, 2.6: an unknown method still learns which methods a path has. */
Test(router, unknown_method_reports_allow)
{
    char err[200];
    cr_assert_eq(router_init(err, sizeof err), 0, "%s", err);
    struct arena *a = arena_new();
    struct api_req rq = {0};
    size_t idx;
    const char *allow;
    cr_assert_eq(router_method("FOO"), 0);
    cr_assert_eq(router_method("get"), 0, "methods are case-sensitive");
    cr_assert_eq(router_match(a, (enum api_method)0, "/healthz", &idx, &rq, &allow), 0);
    cr_assert_str_eq(allow, "GET, HEAD");
    cr_assert_eq(router_match(a, (enum api_method)0, "/nope", &idx, &rq, &allow), -1);
    arena_free(a);
}
