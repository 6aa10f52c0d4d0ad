/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Unit tests for http/ internals: the JSON depth pre-scan, body parsing
 * rules, JSON content types, and the router (404/405 + Allow, params). */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "http/http_int.h"

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
