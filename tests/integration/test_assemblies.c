/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_assemblies.c — assemblies, membership and invitations over real
 * HTTP: create/read/update/list with keyset paging, validation, joining
 * open assemblies, invitations (accept, unknown, expired, used up), the
 * last-convener rule (409), leaving and re-joining, the composition by
 * country and role, the members list, facilitator limits.
 */
#include <libpq-fe.h>

#include "assembly_util.h"

static char *path_of(const char *fmt, long long a, long long b)
    __attribute__((format(printf, 1, 0)));
static char *path_of(const char *fmt, long long a, long long b)
{
    static _Thread_local char buf[256];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(buf, sizeof buf, fmt, a, b);
#pragma GCC diagnostic pop
    return buf;
}

Test(assemblies, create_read_update)
{
    struct h_server *s = h_shared();
    struct it_user u = it_user_new(s, "FR");
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", "Climate assembly", "description",
                          "Line one\nLine two", "visibility", "public", "join_policy", "open",
                          "default_language", "fr");
    struct h_resp *r = it_req(s, "POST", "/api/v1/assemblies", &u, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t aid = it_int(r->json, "id");
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "my_role")), "convener");
    cr_expect_eq(it_int(r->json, "created_by"), u.id);
    h_resp_free(r);

    r = it_req(s, "GET", path_of("/api/v1/assemblies/%lld", aid, 0), NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "title")), "Climate assembly");
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "description")),
                     "Line one\nLine two");
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "default_language")), "fr");
    cr_expect(json_is_null(json_object_get(r->json, "my_role")));
    json_t *comp = json_object_get(r->json, "composition");
    cr_expect_eq(it_int(comp, "active_members"), 1);
    cr_expect_eq(it_int(comp, "countries"), 1);
    cr_expect_eq(it_int(json_object_get(comp, "by_country"), "FR"), 1);
    cr_expect_eq(it_int(json_object_get(comp, "by_role"), "convener"), 1);
    h_resp_free(r);

    b = json_pack("{s:s, s:s}", "title", "Renamed", "join_policy", "invite");
    r = it_req(s, "PATCH", path_of("/api/v1/assemblies/%lld", aid, 0), &u, b);
    json_decref(b);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "title")), "Renamed");
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "join_policy")), "invite");
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "visibility")), "public");
    h_resp_free(r);

    /* Validation: each bad field is named; wrong types are 400. */
    /* Each broken rule names its field and its code from the closed set. */
    const struct {
        const char *body, *field, *code;
    } bad422[] = {
        {"{\"title\":\"\"}", "title", "too_short"},
        {"{\"visibility\":\"secret\"}", "visibility", "one_of"},
        {"{\"join_policy\":\"closed\"}", "join_policy", "one_of"},
        {"{\"default_language\":\"not a tag\"}", "default_language", "format"},
        {"{\"title\":\"a\\u0001b\"}", "title", "control_characters"},
        {"{\"description\":\"a\\u0001b\"}", "description", "control_characters"},
        {"{\"title\":\"\\u200b\\u2060\\ufeff\"}", "title", "no_visible_character"},
        {"{\"title\":\" \\u3000\\u00a0\"}", "title", "no_visible_character"},
        {"{\"title\":\"abc\\u202e\"}", "title", "unbalanced_bidi"},
        {"{\"title\":\"\\u2067abc\\u202c\"}", "title", "unbalanced_bidi"},
        {"{\"colour\":\"red\"}", "colour", "unknown"},
        {"{}", "", "empty"},
    };
    for (size_t i = 0; i < sizeof bad422 / sizeof bad422[0]; i++) {
        json_t *j = json_loads(bad422[i].body, 0, NULL);
        r = it_req(s, "PATCH", path_of("/api/v1/assemblies/%lld", aid, 0), &u, j);
        json_decref(j);
        cr_expect_eq(r->status, 422, "%s -> %ld %s", bad422[i].body, r->status, r->body);
        json_t *f0 = json_array_get(json_object_get(r->json, "fields"), 0);
        cr_expect_str_eq(json_string_value(json_object_get(f0, "field")), bad422[i].field, "%s",
                         r->body);
        cr_expect_str_eq(json_string_value(json_object_get(f0, "code")), bad422[i].code, "%s",
                         r->body);
        cr_expect(json_is_object(json_object_get(f0, "params")), "%s", r->body);
        h_resp_free(r);
    }
    /* A title with balanced isolates and a visible character is fine. */
    json_t *ok = json_pack("{s:s}", "title",
                           "\xE2\x81\xA7"
                           "abc"
                           "\xE2\x81\xA9 x");
    cr_expect_eq(it_status(s, "PATCH", path_of("/api/v1/assemblies/%lld", aid, 0), &u, ok), 200);
    json_decref(ok);
    json_t *j = json_pack("{s:i}", "title", 5);
    cr_expect_eq(it_status(s, "PATCH", path_of("/api/v1/assemblies/%lld", aid, 0), &u, j), 400);
    json_decref(j);
    char *longtitle = malloc(202);
    memset(longtitle, 'x', 201);
    longtitle[201] = '\0';
    j = json_pack("{s:s}", "title", longtitle);
    cr_expect_eq(it_status(s, "POST", "/api/v1/assemblies", &u, j), 422);
    json_decref(j);
    free(longtitle);
    j = json_pack("{s:s}", "description", "no title");
    cr_expect_eq(it_status(s, "POST", "/api/v1/assemblies", &u, j), 422);
    cr_expect_eq(it_status(s, "POST", "/api/v1/assemblies", NULL, j), 401);
    json_decref(j);
    cr_expect_eq(it_status(s, "GET", "/api/v1/assemblies/999999999", NULL, NULL), 404);
    cr_expect_eq(it_status(s, "GET", "/api/v1/assemblies/abc", NULL, NULL), 404);
}

/* Collects the ids of every listed assembly with id > after, page by page. */
static int list_ids(struct h_server *s, const struct it_user *u, int64_t after, int limit,
                    int64_t *ids, int cap, int *pages)
{
    int n = 0;
    char cursor[32];
    snprintf(cursor, sizeof cursor, "%lld", (long long)after);
    *pages = 0;
    for (;;) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/assemblies?after=%s&limit=%d", cursor, limit);
        struct h_resp *r = it_req(s, "GET", path, u, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        json_t *items = json_object_get(r->json, "items");
        cr_assert(json_array_size(items) <= (size_t)limit);
        (*pages)++;
        for (size_t i = 0; i < json_array_size(items) && n < cap; i++) {
            ids[n++] = it_int(json_array_get(items, i), "id");
        }
        json_t *next = json_object_get(r->json, "next");
        if (json_is_null(next)) {
            h_resp_free(r);
            break;
        }
        snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
        h_resp_free(r);
    }
    return n;
}

static bool has(const int64_t *ids, int n, int64_t id)
{
    for (int i = 0; i < n; i++) {
        if (ids[i] == id) {
            return true;
        }
    }
    return false;
}

Test(assemblies, list_public_plus_mine_paged)
{
    struct h_server *s = h_shared();
    struct it_user u = it_user_new(s, "DE");
    struct it_user other = it_user_new(s, "IT");
    int64_t p1 = it_assembly_new(s, &u, "public", "open");
    int64_t p2 = it_assembly_new(s, &u, "public", "invite");
    int64_t mine = it_assembly_new(s, &u, "members", "invite");
    int64_t hidden = it_assembly_new(s, &other, "members", "open");
    int64_t p3 = it_assembly_new(s, &other, "public", "open");

    int64_t ids[4000];
    int pages = 0;
    int n = list_ids(s, &u, p1 - 1, 2, ids, 4000, &pages);
    cr_expect(has(ids, n, p1) && has(ids, n, p2) && has(ids, n, p3) && has(ids, n, mine));
    cr_expect(!has(ids, n, hidden), "members-only assembly of others listed");
    cr_expect(pages >= 3, "limit=2 must page (%d pages)", pages);
    for (int i = 1; i < n; i++) {
        cr_expect(ids[i] > ids[i - 1], "keyset order");
    }
    n = list_ids(s, NULL, p1 - 1, 200, ids, 4000, &pages);
    cr_expect(has(ids, n, p1) && has(ids, n, p3));
    cr_expect(!has(ids, n, mine) && !has(ids, n, hidden), "anonymous sees public only");

    cr_expect_eq(it_status(s, "GET", "/api/v1/assemblies?limit=0", NULL, NULL), 400);
    cr_expect_eq(it_status(s, "GET", "/api/v1/assemblies?limit=201", NULL, NULL), 400);
    cr_expect_eq(it_status(s, "GET", "/api/v1/assemblies?after=-1", NULL, NULL), 400);
    cr_expect_eq(it_status(s, "GET", "/api/v1/assemblies?limit=200", NULL, NULL), 200);
}

Test(assemblies, join_open_and_invite_only)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    struct it_user u = it_user_new(s, "ES");
    int64_t open = it_assembly_new(s, &conv, "public", "open");
    int64_t inv = it_assembly_new(s, &conv, "public", "invite");
    int64_t priv = it_assembly_new(s, &conv, "members", "open");

    struct h_resp *r =
        it_req(s, "POST", path_of("/api/v1/assemblies/%lld/join", open, 0), &u, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "role")), "member");
    cr_expect_eq(it_int(r->json, "account_id"), u.id);
    h_resp_free(r);
    r = it_req(s, "POST", path_of("/api/v1/assemblies/%lld/join", open, 0), &u, NULL);
    cr_expect_eq(r->status, 409);
    cr_expect_str_eq(it_problem(r), "already-member");
    h_resp_free(r);
    r = it_req(s, "POST", path_of("/api/v1/assemblies/%lld/join", inv, 0), &u, NULL);
    cr_expect_eq(r->status, 403);
    cr_expect_str_eq(it_problem(r), "invitation-required");
    h_resp_free(r);
    cr_expect_eq(it_status(s, "POST", path_of("/api/v1/assemblies/%lld/join", priv, 0), &u, NULL),
                 404);
    cr_expect_eq(it_status(s, "POST", path_of("/api/v1/assemblies/%lld/join", open, 0), NULL, NULL),
                 401);
}

static void expire_invitation_in_db(const char *code)
{
    PGconn *c = PQconnectdb(h_db_url());
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
    /* Only SHA-256 of the code's 32 raw bytes is stored: find it by that
     * (other tests of this binary create invitations at the same time). */
    const char *params[1] = {code};
    PGresult *res = PQexecParams(c,
                                 "UPDATE invitations SET expires_at = now() - interval '1 second' "
                                 "WHERE code_hash = sha256(decode(translate($1, '-_', '+/') || "
                                 "'=', 'base64'))",
                                 1, NULL, params, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    cr_assert_str_eq(PQcmdTuples(res), "1", "the invitation was not found by its code");
    PQclear(res);
    PQfinish(c);
}

Test(assemblies, invitations)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    struct it_user a = it_user_new(s, "PT");
    struct it_user b = it_user_new(s, "PL");
    int64_t aid = it_assembly_new(s, &conv, "members", "invite");

    json_t *body = json_pack("{s:s, s:i, s:s}", "role", "observer", "max_uses", 1, "expires_at",
                             "2099-01-01T00:00:00Z");
    struct h_resp *r =
        it_req(s, "POST", path_of("/api/v1/assemblies/%lld/invitations", aid, 0), &conv, body);
    json_decref(body);
    cr_expect_eq(r->status, 422, "expires_at more than a year ahead: %s", r->body);
    h_resp_free(r);

    char *code = it_invite(s, &conv, aid, "observer", 1);
    cr_expect_eq(strlen(code), 43u);
    char path[200];
    snprintf(path, sizeof path, "/api/v1/invitations/%s/accept", code);
    cr_expect_eq(it_status(s, "POST", path, NULL, NULL), 401);
    r = it_req(s, "POST", path, &a, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "role")), "observer");
    cr_expect_eq(it_int(r->json, "assembly_id"), aid);
    h_resp_free(r);
    /* a is now a member: the members-only assembly is visible to a. */
    cr_expect_eq(it_status(s, "GET", path_of("/api/v1/assemblies/%lld", aid, 0), &a, NULL), 200);
    /* Used up (max_uses 1). */
    r = it_req(s, "POST", path, &b, NULL);
    cr_expect_eq(r->status, 410);
    cr_expect_str_eq(it_problem(r), "invitation-used-up");
    h_resp_free(r);
    free(code);

    /* Already a member. */
    code = it_invite(s, &conv, aid, "member", 5);
    snprintf(path, sizeof path, "/api/v1/invitations/%s/accept", code);
    r = it_req(s, "POST", path, &a, NULL);
    cr_expect_eq(r->status, 409);
    cr_expect_str_eq(it_problem(r), "already-member");
    h_resp_free(r);
    free(code);

    /* Expired. */
    code = it_invite(s, &conv, aid, "member", 5);
    expire_invitation_in_db(code);
    snprintf(path, sizeof path, "/api/v1/invitations/%s/accept", code);
    r = it_req(s, "POST", path, &b, NULL);
    cr_expect_eq(r->status, 410);
    cr_expect_str_eq(it_problem(r), "invitation-expired");
    h_resp_free(r);
    free(code);

    /* Unknown and malformed codes. */
    r = it_req(s, "POST", "/api/v1/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/accept",
               &b, NULL);
    cr_expect_eq(r->status, 404);
    cr_expect_str_eq(it_problem(r), "invitation-not-found");
    h_resp_free(r);
    r = it_req(s, "POST", "/api/v1/invitations/short/accept", &b, NULL);
    cr_expect_eq(r->status, 404);
    cr_expect_str_eq(it_problem(r), "invitation-not-found");
    h_resp_free(r);
    /* b never got in. */
    cr_expect_eq(it_status(s, "GET", path_of("/api/v1/assemblies/%lld", aid, 0), &b, NULL), 404);

    /* Multi-use code admits exactly max_uses people. */
    code = it_invite(s, &conv, aid, "member", 2);
    struct it_user c1 = it_user_new(s, "NL"), c2 = it_user_new(s, "BE"), c3 = it_user_new(s, "LU");
    cr_expect_eq(it_accept(s, &c1, code), 201);
    cr_expect_eq(it_accept(s, &c2, code), 201);
    cr_expect_eq(it_accept(s, &c3, code), 410);
    free(code);
}

Test(assemblies, last_convener_and_leaving)
{
    struct h_server *s = h_shared();
    struct it_user c1 = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &c1, "public", "open");
    struct h_resp *r;
    char path[160];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/members/%lld", (long long)aid,
             (long long)c1.id);
    json_t *leave = json_pack("{s:s}", "status", "left");
    r = it_req(s, "PATCH", path, &c1, leave);
    cr_expect_eq(r->status, 409, "%s", r->body);
    cr_expect_str_eq(it_problem(r), "last-convener");
    h_resp_free(r);
    cr_expect_eq(it_patch_member(s, &c1, aid, c1.id, "member", NULL), 409);

    /* A second convener lets the first step down; then the second is last. */
    struct it_user c2 = it_member_new(s, &c1, aid, "convener", "active", "DE");
    cr_expect_eq(it_patch_member(s, &c1, aid, c1.id, "member", NULL), 200);
    cr_expect_eq(it_patch_member(s, &c2, aid, c2.id, NULL, "left"), 409);
    cr_expect_eq(it_patch_member(s, &c2, aid, c1.id, "convener", NULL), 200);
    cr_expect_eq(it_patch_member(s, &c1, aid, c1.id, NULL, "left"), 200);
    /* c1 left: a non-member again, may re-join the open assembly. */
    cr_expect_eq(it_status(s, "PATCH", path, &c1, leave), 403);
    json_decref(leave);
    r = it_req(s, "POST", path_of("/api/v1/assemblies/%lld/join", aid, 0), &c1, NULL);
    cr_expect_eq(r->status, 201, "%s", r->body);
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "role")), "member");
    h_resp_free(r);

    /* Two conveners demoting each other at once: one must keep office. */
    struct it_user c3 = it_member_new(s, &c2, aid, "convener", "active", "ES");
    cr_expect_eq(it_patch_member(s, &c2, aid, c2.id, "member", NULL), 200);
    cr_expect_eq(it_patch_member(s, &c3, aid, c3.id, "member", NULL), 409);
}

Test(assemblies, composition_and_members_list)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &conv, "public", "open");
    const char *countries[] = {"DE", "DE", "IT", "SE", "SE", "SE"};
    struct it_user m[6];
    for (int i = 0; i < 6; i++) {
        m[i] = it_user_new(s, countries[i]);
        cr_assert_eq(
            it_status(s, "POST", path_of("/api/v1/assemblies/%lld/join", aid, 0), &m[i], NULL),
            201);
    }
    cr_expect_eq(it_patch_member(s, &conv, aid, m[0].id, "facilitator", NULL), 200);
    cr_expect_eq(it_patch_member(s, &conv, aid, m[1].id, "observer", NULL), 200);
    cr_expect_eq(it_patch_member(s, &conv, aid, m[5].id, NULL, "suspended"), 200);
    cr_expect_eq(it_patch_member(s, &m[4], aid, m[4].id, NULL, "left"), 200);

    struct h_resp *r = it_req(s, "GET", path_of("/api/v1/assemblies/%lld", aid, 0), NULL, NULL);
    cr_assert_eq(r->status, 200);
    json_t *comp = json_object_get(r->json, "composition");
    /* Active: conv FR, m0 DE fac, m1 DE obs, m2 IT, m3 SE (m4 left, m5 suspended). */
    cr_expect_eq(it_int(comp, "active_members"), 5, "%s", r->body);
    cr_expect_eq(it_int(comp, "countries"), 4);
    json_t *bc = json_object_get(comp, "by_country");
    cr_expect_eq(it_int(bc, "DE"), 2);
    cr_expect_eq(it_int(bc, "FR"), 1);
    cr_expect_eq(it_int(bc, "IT"), 1);
    cr_expect_eq(it_int(bc, "SE"), 1);
    json_t *br = json_object_get(comp, "by_role");
    cr_expect_eq(it_int(br, "convener"), 1);
    cr_expect_eq(it_int(br, "facilitator"), 1);
    cr_expect_eq(it_int(br, "observer"), 1);
    cr_expect_eq(it_int(br, "member"), 2);
    h_resp_free(r);

    /* Members list, 3 per page: a member sees all 7 rows with
     * role/status/country/joined_at; an anonymous reader the 5 active ones
     * (issue 9, 2.7). */
    for (int view = 0; view < 2; view++) {
        const struct it_user *viewer = view == 0 ? &m[2] : NULL;
        int seen = 0, pages = 0;
        char cursor[32] = "0";
        for (;;) {
            char path[200];
            snprintf(path, sizeof path, "/api/v1/assemblies/%lld/members?limit=3&after=%s",
                     (long long)aid, cursor);
            r = it_req(s, "GET", path, viewer, NULL);
            cr_assert_eq(r->status, 200, "%s", r->body);
            json_t *items = json_object_get(r->json, "items");
            pages++;
            for (size_t i = 0; i < json_array_size(items); i++) {
                json_t *it = json_array_get(items, i);
                seen++;
                cr_expect(json_is_string(json_object_get(it, "role")));
                cr_expect(json_is_string(json_object_get(it, "status")));
                cr_expect(json_is_string(json_object_get(it, "country")));
                cr_expect(json_is_string(json_object_get(it, "joined_at")));
                if (viewer == NULL) {
                    cr_expect_str_eq(json_string_value(json_object_get(it, "status")), "active");
                }
                if (it_int(it, "account_id") == m[5].id) {
                    cr_expect_str_eq(json_string_value(json_object_get(it, "status")), "suspended");
                }
                if (it_int(it, "account_id") == m[4].id) {
                    cr_expect_str_eq(json_string_value(json_object_get(it, "status")), "left");
                }
            }
            json_t *next = json_object_get(r->json, "next");
            if (json_is_null(next)) {
                h_resp_free(r);
                break;
            }
            snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
            h_resp_free(r);
        }
        cr_expect_eq(seen, viewer ? 7 : 5, "viewer %d", view);
        cr_expect_eq(pages, viewer ? 3 : 2, "viewer %d", view);
    }
}

Test(assemblies, facilitator_limits_and_patch_validation)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &conv, "public", "invite");
    struct it_user fac = it_member_new(s, &conv, aid, "facilitator", "active", "DE");
    struct it_user mem = it_member_new(s, &conv, aid, "member", "active", "IT");
    struct it_user fac2 = it_member_new(s, &conv, aid, "facilitator", "active", "ES");

    cr_expect_eq(it_patch_member(s, &fac, aid, mem.id, "convener", NULL), 403);
    cr_expect_eq(it_patch_member(s, &fac, aid, mem.id, "facilitator", NULL), 403);
    cr_expect_eq(it_patch_member(s, &fac, aid, conv.id, NULL, "suspended"), 403);
    cr_expect_eq(it_patch_member(s, &fac, aid, fac2.id, "member", NULL), 403);
    cr_expect_eq(it_patch_member(s, &fac, aid, mem.id, "observer", NULL), 200);
    cr_expect_eq(it_patch_member(s, &fac, aid, mem.id, NULL, "suspended"), 200);
    /* Suspended: can read, cannot act (not even leave). */
    cr_expect_eq(it_status(s, "GET", path_of("/api/v1/assemblies/%lld", aid, 0), &mem, NULL), 200);
    cr_expect_eq(it_patch_member(s, &mem, aid, mem.id, NULL, "left"), 403);
    cr_expect_eq(it_patch_member(s, &fac, aid, mem.id, NULL, "active"), 200);
    /* Facilitators invite members and observers, not conveners/facilitators. */
    json_t *b = json_pack("{s:s}", "role", "convener");
    cr_expect_eq(
        it_status(s, "POST", path_of("/api/v1/assemblies/%lld/invitations", aid, 0), &fac, b), 403);
    json_decref(b);
    char *code = it_invite(s, &fac, aid, "observer", 1);
    free(code);
    /* Members may not promote themselves. */
    cr_expect_eq(it_patch_member(s, &mem, aid, mem.id, "convener", NULL), 403);
    /* Validation of the patch body. */
    cr_expect_eq(it_patch_member(s, &conv, aid, mem.id, "king", NULL), 422);
    cr_expect_eq(it_patch_member(s, &conv, aid, mem.id, NULL, "gone"), 422);
    cr_expect_eq(it_patch_member(s, &conv, aid, mem.id, NULL, NULL), 422);
    cr_expect_eq(it_patch_member(s, &conv, aid, 999999999, "member", NULL), 404);
}
