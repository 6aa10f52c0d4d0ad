/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/proposal_util.h — helpers for the proposal integration
 * tests: accounts with chosen languages, an assembly with members in each
 * role, proposals, and JSON accessors. Header-only (static functions):
 * every test_*.c is its own executable.
 */
#ifndef PNYX_TESTS_PROPOSAL_UTIL_H
#define PNYX_TESTS_PROPOSAL_UTIL_H

#include <stdarg.h>

#include "assembly_util.h"

#define PROPOSAL_UTIL_FN static __attribute__((unused))

/* A path from a format (thread-local buffer, valid until the next call). */
PROPOSAL_UTIL_FN const char *pp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
PROPOSAL_UTIL_FN const char *pp(const char *fmt, ...)
{
    static _Thread_local char buf[4][512];
    static _Thread_local int k;
    k = (k + 1) % 4;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf[k], sizeof buf[k], fmt, ap);
    va_end(ap);
    return buf[k];
}

/* j's member at a dotted path ("endorsements.missing.countries"). */
PROPOSAL_UTIL_FN json_t *jget(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *t = strtok_r(buf, ".", &save); t != NULL && j != NULL;
         t = strtok_r(NULL, ".", &save)) {
        j = json_object_get(j, t);
    }
    return j;
}

PROPOSAL_UTIL_FN const char *jstr(json_t *j, const char *path)
{
    const char *s = json_string_value(jget(j, path));
    return s != NULL ? s : "(none)";
}

PROPOSAL_UTIL_FN long long jint(json_t *j, const char *path)
{
    return (long long)json_integer_value(jget(j, path));
}

/* A fresh account from country reading languages (a JSON array text such
 * as "[\"de\", \"fr\"]"), logged in. */
PROPOSAL_UTIL_FN struct it_user pu_user(struct h_server *s, const char *country,
                                        const char *languages)
{
    struct it_user u;
    memset(&u, 0, sizeof u);
    char email[200];
    snprintf(email, sizeof email, "%s@example.org", h_unique("prop"));
    json_t *langs = json_loads(languages, 0, NULL);
    cr_assert(langs != NULL);
    json_t *b =
        json_pack("{s:s, s:s, s:s, s:s, s:o}", "email", email, "password", "a fine long passphrase",
                  "display_name", "Proposal tester", "country", country, "languages", langs);
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

/* Joins the open assembly aid as a member. */
PROPOSAL_UTIL_FN void pu_join(struct h_server *s, const struct it_user *u, int64_t aid)
{
    long st = it_status(s, "POST", pp("/api/v1/assemblies/%lld/join", (long long)aid), u, NULL);
    cr_assert_eq(st, 201, "join: %ld", st);
}

/* An open public assembly with a convener, a facilitator, two members
 * (the author and another), an observer. */
struct pu_world {
    struct h_server *s;
    int64_t aid;
    struct it_user conv, fac, author, other, obs;
};

PROPOSAL_UTIL_FN struct pu_world pu_world_new(void)
{
    struct pu_world w;
    memset(&w, 0, sizeof w);
    w.s = h_shared();
    w.conv = pu_user(w.s, "FR", "[\"fr\"]");
    w.aid = it_assembly_new(w.s, &w.conv, "public", "open");
    w.fac = it_member_new(w.s, &w.conv, w.aid, "facilitator", "active", "DE");
    w.obs = it_member_new(w.s, &w.conv, w.aid, "observer", "active", "IT");
    w.author = pu_user(w.s, "ES", "[\"es\"]");
    pu_join(w.s, &w.author, w.aid);
    w.other = pu_user(w.s, "GB", "[\"en\"]");
    pu_join(w.s, &w.other, w.aid);
    return w;
}

/* POST a proposal as u; returns the response (201 expected by caller). */
PROPOSAL_UTIL_FN struct h_resp *pu_create_resp(struct h_server *s, const struct it_user *u,
                                               int64_t aid, const char *title, const char *body,
                                               const char *lang, int64_t amends)
{
    json_t *b = json_pack("{s:s, s:s, s:s}", "title", title, "body", body, "language", lang);
    if (amends > 0) {
        json_object_set_new(b, "amends", json_integer(amends));
    }
    struct h_resp *r =
        it_req(s, "POST", pp("/api/v1/assemblies/%lld/proposals", (long long)aid), u, b);
    json_decref(b);
    return r;
}

PROPOSAL_UTIL_FN int64_t pu_create(struct h_server *s, const struct it_user *u, int64_t aid,
                                   const char *title, const char *body, const char *lang)
{
    struct h_resp *r = pu_create_resp(s, u, aid, title, body, lang, 0);
    cr_assert_eq(r->status, 201, "create: %ld %s", r->status, r->body);
    int64_t id = it_int(r->json, "id");
    h_resp_free(r);
    return id;
}

/* PATCH /proposals/{pid} with a JSON text body; returns the response. */
PROPOSAL_UTIL_FN struct h_resp *pu_patch(struct h_server *s, const struct it_user *u, int64_t pid,
                                         const char *json)
{
    json_t *b = json_loads(json, 0, NULL);
    cr_assert(b != NULL, "bad test JSON %s", json);
    struct h_resp *r = it_req(s, "PATCH", pp("/api/v1/proposals/%lld", (long long)pid), u, b);
    json_decref(b);
    return r;
}

PROPOSAL_UTIL_FN long pu_status(struct h_server *s, const struct it_user *u, int64_t pid,
                                const char *status)
{
    struct h_resp *r = pu_patch(s, u, pid, pp("{\"status\": \"%s\"}", status));
    long st = r->status;
    h_resp_free(r);
    return st;
}

/* GET with extra headers (NULL-terminated) as u (NULL = anonymous). */
PROPOSAL_UTIL_FN struct h_resp *pu_get(struct h_server *s, const char *path,
                                       const struct it_user *u, const char *header)
{
    char auth[128];
    const char *hs[3] = {NULL, NULL, NULL};
    int n = 0;
    if (u != NULL) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", u->token);
        hs[n++] = auth;
    }
    if (header != NULL) {
        hs[n++] = header;
    }
    struct h_resp *r = h_request(s, "GET", path, NULL, hs);
    cr_assert(r != NULL);
    return r;
}

/* The audit entries of aid of one kind, as a new JSON array of entries. */
PROPOSAL_UTIL_FN json_t *pu_audit(struct h_server *s, int64_t aid, const char *kind)
{
    json_t *out = json_array();
    long long after = 0;
    for (;;) {
        struct h_resp *r =
            it_req(s, "GET",
                   pp("/api/v1/assemblies/%lld/audit?limit=200&after=%lld", (long long)aid, after),
                   NULL, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        json_t *items = json_object_get(r->json, "items");
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            json_t *e = json_loads(json_string_value(json_object_get(it, "entry")), 0, NULL);
            if (e != NULL && strcmp(jstr(e, "kind"), kind) == 0) {
                json_array_append(out, e);
            }
            json_decref(e);
        }
        json_t *next = json_object_get(r->json, "next");
        bool more = json_is_string(next);
        if (more) {
            after = strtoll(json_string_value(next), NULL, 10);
        }
        h_resp_free(r);
        if (!more) {
            break;
        }
    }
    return out;
}

#endif /* PNYX_TESTS_PROPOSAL_UTIL_H */
