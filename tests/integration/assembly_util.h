/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/assembly_util.h — helpers for the assemblies, authorisation
 * matrix and audit integration tests: accounts with a chosen country,
 * bearer-authenticated JSON requests, assemblies, and members in any role
 * or status. Header-only (static functions): every test_*.c is its own
 * executable. Thread-safe (each request uses its own curl handle).
 */
#ifndef PNYX_TESTS_ASSEMBLY_UTIL_H
#define PNYX_TESTS_ASSEMBLY_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

#define ASSEMBLY_UTIL_FN static __attribute__((unused))

struct it_user {
    int64_t id;
    char token[64];
    char country[3];
};

/* Sends method path with an optional bearer token and JSON body (borrowed,
 * may be NULL). Never returns NULL (asserts). */
ASSEMBLY_UTIL_FN struct h_resp *it_req(struct h_server *s, const char *method, const char *path,
                                       const struct it_user *u, const json_t *body)
{
    char auth[128];
    const char *hs[2] = {NULL, NULL};
    if (u != NULL) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", u->token);
        hs[0] = auth;
    }
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    struct h_resp *r = h_request(s, method, path, text, hs);
    free(text);
    cr_assert(r != NULL, "%s %s: transfer failed", method, path);
    return r;
}

/* Same, returning only the status (response freed). */
ASSEMBLY_UTIL_FN long it_status(struct h_server *s, const char *method, const char *path,
                                const struct it_user *u, const json_t *body)
{
    struct h_resp *r = it_req(s, method, path, u, body);
    long st = r->status;
    h_resp_free(r);
    return st;
}

/* Problem type slug of a problem+json reply ("" if none). */
ASSEMBLY_UTIL_FN const char *it_problem(const struct h_resp *r)
{
    const char *t = r->json ? json_string_value(json_object_get(r->json, "type")) : NULL;
    const char *slash = t ? strrchr(t, '/') : NULL;
    return slash ? slash + 1 : "";
}

ASSEMBLY_UTIL_FN int64_t it_int(const json_t *j, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(j, key));
}

/* Registers and logs in a fresh account from `country`. */
ASSEMBLY_UTIL_FN struct it_user it_user_new(struct h_server *s, const char *country)
{
    struct it_user u;
    memset(&u, 0, sizeof u);
    char email[200];
    snprintf(email, sizeof email, "%s@example.org", h_unique("asm"));
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "email", email, "password",
                          "a fine long passphrase", "display_name", "Assembly tester", "country",
                          country, "languages", "en");
    struct h_resp *r = h_post_json(s, "/api/v1/accounts", b, NULL);
    json_decref(b);
    cr_assert(r && r->status == 201, "register: %ld %s", r ? r->status : 0, r ? r->body : "");
    u.id = it_int(r->json, "id");
    h_resp_free(r);
    b = json_pack("{s:s, s:s}", "email", email, "password", "a fine long passphrase");
    r = h_post_json(s, "/api/v1/sessions", b, NULL);
    json_decref(b);
    cr_assert(r && r->status == 201, "login: %ld %s", r ? r->status : 0, r ? r->body : "");
    snprintf(u.token, sizeof u.token, "%s", json_string_value(json_object_get(r->json, "token")));
    snprintf(u.country, sizeof u.country, "%s", country);
    h_resp_free(r);
    return u;
}

/* Creates an assembly as u; returns its id. */
ASSEMBLY_UTIL_FN int64_t it_assembly_new(struct h_server *s, const struct it_user *u,
                                         const char *visibility, const char *join_policy)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "title", "Assembly under test", "description",
                          "Testing", "visibility", visibility, "join_policy", join_policy);
    struct h_resp *r = it_req(s, "POST", "/api/v1/assemblies", u, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "create: %ld %s", r->status, r->body);
    int64_t id = it_int(r->json, "id");
    h_resp_free(r);
    return id;
}

/* Creates an invitation as inviter; returns the code (malloc'd). */
ASSEMBLY_UTIL_FN char *it_invite(struct h_server *s, const struct it_user *inviter, int64_t aid,
                                 const char *role, int max_uses)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/invitations", (long long)aid);
    json_t *b = json_pack("{s:s, s:i}", "role", role, "max_uses", max_uses);
    struct h_resp *r = it_req(s, "POST", path, inviter, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "invite: %ld %s", r->status, r->body);
    char *code = strdup(json_string_value(json_object_get(r->json, "code")));
    h_resp_free(r);
    return code;
}

ASSEMBLY_UTIL_FN long it_accept(struct h_server *s, const struct it_user *u, const char *code)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/invitations/%s/accept", code);
    return it_status(s, "POST", path, u, NULL);
}

/* Sets member's role/status as actor (either may be NULL). Returns status. */
ASSEMBLY_UTIL_FN long it_patch_member(struct h_server *s, const struct it_user *actor, int64_t aid,
                                      int64_t member, const char *role, const char *status)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/members/%lld", (long long)aid,
             (long long)member);
    json_t *b = json_object();
    if (role) {
        json_object_set_new(b, "role", json_string(role));
    }
    if (status) {
        json_object_set_new(b, "status", json_string(status));
    }
    long st = it_status(s, "PATCH", path, actor, b);
    json_decref(b);
    return st;
}

/* A fresh account that is a member of aid with role and status (the
 * convener invites it, it accepts, the convener suspends it if asked). */
ASSEMBLY_UTIL_FN struct it_user it_member_new(struct h_server *s, const struct it_user *convener,
                                              int64_t aid, const char *role, const char *status,
                                              const char *country)
{
    struct it_user u = it_user_new(s, country);
    char *code = it_invite(s, convener, aid, role, 1);
    cr_assert_eq(it_accept(s, &u, code), 201);
    free(code);
    if (status != NULL && strcmp(status, "active") != 0) {
        cr_assert_eq(it_patch_member(s, convener, aid, u.id, NULL, status), 200);
    }
    return u;
}

#endif /* PNYX_TESTS_ASSEMBLY_UTIL_H */
