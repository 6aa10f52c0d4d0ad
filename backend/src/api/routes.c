/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/routes.c — the route table: method + path pattern → handler, body
 * cap and auth requirement (Taler handlers[], Redis command table).
 *
 * Patterns are literal segments and {name} placeholders that match one
 * non-empty path segment; the first entry whose pattern and method match
 * wins, so list literal routes (".../current") before placeholders at the
 * same position. HEAD is served by the GET entry. `pnyxd routes` prints this
 * table and the OpenAPI spec test compares it with api-spec/openapi.yaml.
 *
 * Owners append entries in their section with small edits, and declare their
 * handlers in a header they own (api/api_<resource>.h) included below.
 */
#include "api/api.h"
#include "api/api_health.h"
/* F2: #include "api/api_accounts.h" etc. here. A2: likewise. */

const struct api_route api_routes[] = {
    /* F1: operations */
    {.method = API_GET, .pattern = "/healthz", .handler = api_health_live, .auth = API_AUTH_NONE},
    {.method = API_GET, .pattern = "/readyz", .handler = api_health_ready, .auth = API_AUTH_NONE},
    {.method = API_GET,
     .pattern = "/metrics",
     .handler = api_health_metrics,
     .auth = API_AUTH_NONE},
    /* F2: accounts, sessions, me */
    /* A2: assemblies, members, invitations, audit */
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
