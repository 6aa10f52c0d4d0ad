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
#include "api/api_accounts.h"
#include "api/api_assemblies.h"
#include "api/api_audit.h"
#include "api/api_health.h"
#include "api/api_me.h"
#include "api/api_sessions.h"
#include "api/api_translation.h"

const struct api_route api_routes[] = {
    /* operations */
    {.method = API_GET, .pattern = "/healthz", .handler = api_health_live, .auth = API_AUTH_NONE},
    {.method = API_GET, .pattern = "/readyz", .handler = api_health_ready, .auth = API_AUTH_NONE},
    {.method = API_GET,
     .pattern = "/metrics",
     .handler = api_health_metrics,
     .auth = API_AUTH_NONE},
    /* accounts, sessions, me */
    {.method = API_POST,
     .pattern = "/api/v1/accounts",
     .handler = api_accounts_create,
     .auth = API_AUTH_NONE},
    {.method = API_POST,
     .pattern = "/api/v1/sessions",
     .handler = api_sessions_create,
     .auth = API_AUTH_NONE},
    {.method = API_DELETE,
     .pattern = "/api/v1/sessions/current",
     .handler = api_sessions_delete_current,
     .auth = API_AUTH_REQUIRED},
    {.method = API_GET, .pattern = "/api/v1/me", .handler = api_me_get, .auth = API_AUTH_REQUIRED},
    /* assemblies, members, invitations, audit */
    {.method = API_GET,
     .pattern = "/api/v1/assemblies",
     .handler = api_assemblies_list,
     .auth = API_AUTH_OPTIONAL},
    {.method = API_POST,
     .pattern = "/api/v1/assemblies",
     .handler = api_assemblies_create,
     .auth = API_AUTH_REQUIRED},
    {.method = API_GET,
     .pattern = "/api/v1/assemblies/{aid}",
     .handler = api_assemblies_get,
     .auth = API_AUTH_OPTIONAL},
    {.method = API_PATCH,
     .pattern = "/api/v1/assemblies/{aid}",
     .handler = api_assemblies_patch,
     .auth = API_AUTH_REQUIRED},
    {.method = API_POST,
     .pattern = "/api/v1/assemblies/{aid}/join",
     .handler = api_assemblies_join,
     .auth = API_AUTH_REQUIRED},
    {.method = API_POST,
     .pattern = "/api/v1/assemblies/{aid}/invitations",
     .handler = api_invitations_create,
     .auth = API_AUTH_REQUIRED},
    {.method = API_GET,
     .pattern = "/api/v1/assemblies/{aid}/invitations",
     .handler = api_invitations_list,
     .auth = API_AUTH_REQUIRED},
    {.method = API_DELETE,
     .pattern = "/api/v1/assemblies/{aid}/invitations/{id}",
     .handler = api_invitations_revoke,
     .auth = API_AUTH_REQUIRED},
    {.method = API_GET,
     .pattern = "/api/v1/invitations/{code}",
     .handler = api_invitations_preview,
     .auth = API_AUTH_OPTIONAL},
    {.method = API_POST,
     .pattern = "/api/v1/invitations/{code}/accept",
     .handler = api_invitations_accept,
     .auth = API_AUTH_REQUIRED},
    {.method = API_GET,
     .pattern = "/api/v1/assemblies/{aid}/members",
     .handler = api_members_list,
     .auth = API_AUTH_OPTIONAL},
    {.method = API_PATCH,
     .pattern = "/api/v1/assemblies/{aid}/members/{account_id}",
     .handler = api_members_patch,
     .auth = API_AUTH_REQUIRED},
    {.method = API_GET,
     .pattern = "/api/v1/assemblies/{aid}/audit",
     .handler = api_audit_list,
     .auth = API_AUTH_OPTIONAL},
    {.method = API_GET,
     .pattern = "/api/v1/assemblies/{aid}/audit/checkpoint",
     .handler = api_audit_checkpoint,
     .auth = API_AUTH_OPTIONAL},
    {.method = API_GET,
     .pattern = "/api/v1/assemblies/{aid}/audit/proof/inclusion",
     .handler = api_audit_inclusion,
     .auth = API_AUTH_OPTIONAL},
    {.method = API_GET,
     .pattern = "/api/v1/assemblies/{aid}/audit/proof/consistency",
     .handler = api_audit_consistency,
     .auth = API_AUTH_OPTIONAL},
    {.method = API_GET,
     .pattern = "/api/v1/audit/key",
     .handler = api_audit_key,
     .auth = API_AUTH_NONE},
    /* machine translation (issue 10, mt) */
    {.method = API_GET,
     .pattern = "/api/v1/translation/languages",
     .handler = api_translation_languages,
     .auth = API_AUTH_NONE},
    {.method = API_GET,
     .pattern = "/api/v1/assemblies/{aid}/translation-jobs",
     .handler = api_translation_jobs_list,
     .auth = API_AUTH_REQUIRED},
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
