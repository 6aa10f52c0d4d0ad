/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The list of route body specs (api/body_specs.h) that fuzz_decode drives
 * covers the route table: every POST, PUT and PATCH route of api_routes is
 * listed (with its spec, or as reading no body), and every entry names a
 * route that exists. A new route with a body thus fails here until its
 * spec is listed, and is fuzzed from then on.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "api/api.h"
#include "api/body_specs.h"

static bool listed(const char *route)
{
    for (const struct api_body_spec *const *l = api_body_spec_lists; *l != NULL; l++) {
        for (const struct api_body_spec *b = *l; b->route != NULL; b++) {
            if (strcmp(b->route, route) == 0) {
                return true;
            }
        }
    }
    return false;
}

static bool routed(const char *route)
{
    for (size_t i = 0; i < api_routes_count; i++) {
        char r[256];
        snprintf(r, sizeof r, "%s %s", api_method_name(api_routes[i].method),
                 api_routes[i].pattern);
        if (strcmp(r, route) == 0) {
            return true;
        }
    }
    return false;
}

Test(body_specs, every_route_with_a_body_is_listed)
{
    size_t n = 0;
    for (size_t i = 0; i < api_routes_count; i++) {
        enum api_method m = api_routes[i].method;
        if (m != API_POST && m != API_PUT && m != API_PATCH) {
            continue;
        }
        char r[256];
        snprintf(r, sizeof r, "%s %s", api_method_name(m), api_routes[i].pattern);
        cr_expect(listed(r),
                  "%s: list its body spec in its file's api_*_bodies "
                  "(api/body_specs.h), or in body_specs.c's no_body",
                  r);
        n++;
    }
    cr_assert_gt(n, 30, "only %zu routes with a body: is the route table read?", n);
}

Test(body_specs, every_entry_names_a_route)
{
    size_t specs = 0;
    for (const struct api_body_spec *const *l = api_body_spec_lists; *l != NULL; l++) {
        for (const struct api_body_spec *b = *l; b->route != NULL; b++) {
            cr_expect(routed(b->route), "%s is listed but no such route exists", b->route);
            if (b->spec != NULL) {
                cr_expect(b->spec->n == 0 || b->spec->fields != NULL, "%s", b->route);
                specs++;
            }
        }
    }
    cr_assert_gt(specs, 25);
}
