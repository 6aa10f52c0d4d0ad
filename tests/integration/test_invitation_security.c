/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_invitation_security.c — regression tests for the security probe's
 * membership findings (issue 9): a suspended or demoted manager cannot
 * regain power through an invitation made earlier (2.1, the exact attack
 * replayed); managers list and revoke invitations; the invitation preview
 * (3.6); leaving and re-joining never raises a role (2.3); anonymous
 * readers see active members only (2.7).
 */
#include <stdarg.h>
#include <unistd.h>

#include "account_util.h"
#include "assembly_util.h"

__attribute__((format(printf, 1, 2))) static char *path_of(const char *fmt, ...)
{
    char *p = malloc(200);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p, 200, fmt, ap);
    va_end(ap);
    return p;
}

/* Creates an invitation as u; returns the reply (201 asserted). */
static struct h_resp *invite_full(struct h_server *s, const struct it_user *u, int64_t aid,
                                  const char *role, int max_uses)
{
    char *path = path_of("/api/v1/assemblies/%lld/invitations", (long long)aid);
    json_t *b = json_pack("{s:s, s:i}", "role", role, "max_uses", max_uses);
    struct h_resp *r = it_req(s, "POST", path, u, b);
    json_decref(b);
    free(path);
    cr_assert_eq(r->status, 201, "invite: %ld %s", r->status, r->body);
    return r;
}

/* The member row of account in aid as seen by viewer (NULL if absent). */
static json_t *member_row(struct h_server *s, const struct it_user *viewer, int64_t aid,
                          int64_t account)
{
    char *path = path_of("/api/v1/assemblies/%lld/members?limit=200", (long long)aid);
    struct h_resp *r = it_req(s, "GET", path, viewer, NULL);
    free(path);
    cr_assert_eq(r->status, 200, "%s", r->body);
    json_t *found = NULL, *it;
    size_t i;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        if (it_int(it, "account_id") == account) {
            found = json_deep_copy(it);
        }
    }
    h_resp_free(r);
    return found;
}

static bool has_member(struct h_server *s, const struct it_user *viewer, int64_t aid,
                       int64_t account)
{
    json_t *m = member_row(s, viewer, aid, account);
    bool found = m != NULL;
    json_decref(m);
    return found;
}

static const char *str_of(const json_t *j, const char *key)
{
    const char *v = json_string_value(json_object_get(j, key));
    return v ? v : "";
}

/* Issue 9, 2.1, replayed step by step: conv2 makes a convener invitation
 * for 10,000 uses; conv suspends conv2; a second account accepts the code,
 * lifts conv2's suspension, and conv2 suspends conv. Every step of the
 * escalation must fail now. */
Test(invitation_security, suspended_manager_cannot_regain_power_through_old_invitation)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &conv, "public", "invite");
    struct it_user conv2 = it_member_new(s, &conv, aid, "convener", "active", "DE");
    char *code = it_invite(s, &conv2, aid, "convener", 10000);
    cr_assert_eq(it_patch_member(s, &conv, aid, conv2.id, NULL, "suspended"), 200);

    struct it_user second = it_user_new(s, "IT");
    char apath[200];
    snprintf(apath, sizeof apath, "/api/v1/invitations/%s/accept", code);
    struct h_resp *r = it_req(s, "POST", apath, &second, NULL);
    cr_assert_eq(r->status, 410, "the suspended convener's invitation: %ld %s", r->status, r->body);
    cr_assert_str_eq(it_problem(r), "invitation-expired");
    h_resp_free(r);
    cr_assert_eq(it_patch_member(s, &second, aid, conv2.id, NULL, "active"), 403,
                 "the second account is no manager");
    cr_assert_eq(it_patch_member(s, &conv2, aid, conv.id, NULL, "suspended"), 403,
                 "the suspended convener cannot act");
    json_t *m = member_row(s, &conv, aid, conv.id);
    cr_assert_str_eq(str_of(m, "status"), "active");
    cr_assert_str_eq(str_of(m, "role"), "convener");
    json_decref(m);
    m = member_row(s, &conv, aid, second.id);
    cr_assert_null(m, "the second account never became a member");

    /* Defence in depth: even an invitation the cascade missed (here made
     * valid again behind the API's back) is refused at accept time,
     * because its author may no longer issue that role. */
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)conv2.id);
    char *ok = sql_value("UPDATE invitations SET expires_at = now() + interval '1 day' "
                         "WHERE created_by = $1::bigint RETURNING 1",
                         idbuf);
    cr_assert_not_null(ok);
    free(ok);
    r = it_req(s, "POST", apath, &second, NULL);
    cr_assert_eq(r->status, 410, "accept-time check: %ld %s", r->status, r->body);
    h_resp_free(r);
    /* The preview says the same. */
    char ppath[200];
    snprintf(ppath, sizeof ppath, "/api/v1/invitations/%s", code);
    r = it_req(s, "GET", ppath, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(str_of(r->json, "status"), "revoked");
    h_resp_free(r);
    free(code);
}

/* Demotion and leaving expire the member's open invitations too, in the
 * same transaction as the change. */
Test(invitation_security, demotion_and_leaving_expire_open_invitations)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &conv, "public", "invite");
    struct it_user conv2 = it_member_new(s, &conv, aid, "convener", "active", "DE");
    struct it_user fac = it_member_new(s, &conv, aid, "facilitator", "active", "ES");
    char *c1 = it_invite(s, &conv2, aid, "member", 100);
    char *c2 = it_invite(s, &fac, aid, "member", 100);
    char *c3 = it_invite(s, &conv, aid, "member", 100);
    cr_assert_eq(it_patch_member(s, &conv, aid, conv2.id, "member", NULL), 200, "demote");
    cr_assert_eq(it_patch_member(s, &fac, aid, fac.id, NULL, "left"), 200, "leave");
    struct it_user x = it_user_new(s, "PT");
    cr_assert_eq(it_accept(s, &x, c1), 410, "demoted convener's invitation");
    cr_assert_eq(it_accept(s, &x, c2), 410, "departed facilitator's invitation");
    cr_assert_eq(it_accept(s, &x, c3), 201, "the active convener's still works");
    /* The list shows them expired (not deleted). */
    char *path = path_of("/api/v1/assemblies/%lld/invitations", (long long)aid);
    struct h_resp *r = it_req(s, "GET", path, &conv, NULL);
    free(path);
    cr_assert_eq(r->status, 200, "%s", r->body);
    int expired = 0;
    json_t *it;
    size_t i;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        int64_t by = it_int(json_object_get(it, "created_by"), "account_id");
        if (by == conv2.id || by == fac.id) {
            cr_assert_str_eq(str_of(it, "status"), "expired");
            expired++;
        }
    }
    cr_assert_eq(expired, 2);
    h_resp_free(r);
    free(c1);
    free(c2);
    free(c3);
}

Test(invitation_security, managers_list_and_revoke_invitations)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &conv, "members", "invite");
    struct it_user fac = it_member_new(s, &conv, aid, "facilitator", "active", "ES");
    struct it_user mem = it_member_new(s, &conv, aid, "member", "active", "PL");
    struct h_resp *i1 = invite_full(s, &conv, aid, "convener", 5);
    struct h_resp *i2 = invite_full(s, &fac, aid, "observer", 3);
    int64_t id1 = it_int(i1->json, "id"), id2 = it_int(i2->json, "id");
    char code2[80];
    snprintf(code2, sizeof code2, "%s", str_of(i2->json, "code"));

    char *list = path_of("/api/v1/assemblies/%lld/invitations", (long long)aid);
    struct h_resp *r = it_req(s, "GET", list, &fac, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    json_t *items = json_object_get(r->json, "items");
    cr_assert(json_is_null(json_object_get(r->json, "next")));
    json_t *mine = NULL, *it;
    size_t i;
    int seen = 0;
    json_array_foreach(items, i, it)
    {
        cr_assert_null(json_object_get(it, "code"), "codes are never listed");
        if (it_int(it, "id") == id1 || it_int(it, "id") == id2) {
            seen++;
        }
        if (it_int(it, "id") == id2) {
            mine = it;
        }
    }
    cr_assert_eq(seen, 2);
    cr_assert_not_null(mine);
    cr_assert_str_eq(str_of(mine, "role"), "observer");
    cr_assert_eq(it_int(mine, "max_uses"), 3);
    cr_assert_eq(it_int(mine, "uses"), 0);
    cr_assert_str_eq(str_of(mine, "status"), "valid");
    cr_assert_eq(it_int(json_object_get(mine, "created_by"), "account_id"), fac.id);
    cr_assert_str_eq(str_of(json_object_get(mine, "created_by"), "display_name"),
                     "Assembly tester");
    cr_assert(json_is_string(json_object_get(mine, "expires_at")));
    cr_assert(json_is_string(json_object_get(mine, "created_at")));
    h_resp_free(r);
    /* Paging. */
    char *paged = path_of("/api/v1/assemblies/%lld/invitations?limit=1", (long long)aid);
    r = it_req(s, "GET", paged, &conv, NULL);
    cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 1);
    cr_assert(json_is_string(json_object_get(r->json, "next")));
    h_resp_free(r);
    free(paged);
    /* Members cannot list or revoke. */
    cr_assert_eq(it_status(s, "GET", list, &mem, NULL), 403);
    char *del1 =
        path_of("/api/v1/assemblies/%lld/invitations/%lld", (long long)aid, (long long)id1);
    char *del2 =
        path_of("/api/v1/assemblies/%lld/invitations/%lld", (long long)aid, (long long)id2);
    cr_assert_eq(it_status(s, "DELETE", del2, &mem, NULL), 403);
    /* A facilitator cannot revoke a convener invitation it could not make. */
    cr_assert_eq(it_status(s, "DELETE", del1, &fac, NULL), 403);
    /* Revoking: 204, idempotent, one audit entry, the code is dead. */
    cr_assert_eq(it_status(s, "DELETE", del2, &conv, NULL), 204);
    cr_assert_eq(it_status(s, "DELETE", del2, &conv, NULL), 204);
    struct it_user x = it_user_new(s, "PT");
    cr_assert_eq(it_accept(s, &x, code2), 410, "a revoked code");
    r = it_req(s, "GET", list, &conv, NULL);
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        if (it_int(it, "id") == id2) {
            cr_assert_str_eq(str_of(it, "status"), "revoked");
        }
    }
    h_resp_free(r);
    char *audit = path_of("/api/v1/assemblies/%lld/audit?limit=200", (long long)aid);
    r = it_req(s, "GET", audit, &conv, NULL);
    cr_assert_eq(r->status, 200);
    int revoked = 0;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        const char *entry = str_of(it, "entry");
        if (strstr(entry, "\"invitation.revoked\"") != NULL) {
            revoked++;
            char want[64];
            snprintf(want, sizeof want, "\"invitation\":\"%lld\"", (long long)id2);
            cr_assert(strstr(entry, want) != NULL, "%s", entry);
        }
    }
    cr_assert_eq(revoked, 1, "one invitation.revoked entry: %s", r->body);
    h_resp_free(r);
    free(audit);
    /* Unknown ids, other assemblies' ids, non-numeric ids: 404. */
    char *missing =
        path_of("/api/v1/assemblies/%lld/invitations/%lld", (long long)aid, 9223372036854775807LL);
    cr_assert_eq(it_status(s, "DELETE", missing, &conv, NULL), 404);
    int64_t other = it_assembly_new(s, &conv, "public", "invite");
    char *cross =
        path_of("/api/v1/assemblies/%lld/invitations/%lld", (long long)other, (long long)id1);
    cr_assert_eq(it_status(s, "DELETE", cross, &conv, NULL), 404);
    char bad[200];
    snprintf(bad, sizeof bad, "/api/v1/assemblies/%lld/invitations/abc", (long long)aid);
    cr_assert_eq(it_status(s, "DELETE", bad, &conv, NULL), 404);
    free(missing);
    free(cross);
    free(del1);
    free(del2);
    free(list);
    h_resp_free(i1);
    h_resp_free(i2);
}

Test(invitation_security, preview_and_zero_uses)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &conv, "members", "invite");
    struct h_resp *inv = invite_full(s, &conv, aid, "observer", 2);
    char path[200];
    snprintf(path, sizeof path, "/api/v1/invitations/%s", str_of(inv->json, "code"));
    /* Anonymous: what accepting would do, also for a members-only assembly
     * (the code is the capability). */
    struct h_resp *r = it_req(s, "GET", path, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    json_t *a = json_object_get(r->json, "assembly");
    cr_assert_eq(it_int(a, "id"), aid);
    cr_assert_str_eq(str_of(a, "title"), "Assembly under test");
    cr_assert_str_eq(str_of(json_object_get(r->json, "invited_by"), "display_name"),
                     "Assembly tester");
    cr_assert_null(json_object_get(json_object_get(r->json, "invited_by"), "account_id"));
    cr_assert_str_eq(str_of(r->json, "role"), "observer");
    cr_assert_str_eq(str_of(r->json, "expires_at"), str_of(inv->json, "expires_at"));
    cr_assert_eq(it_int(r->json, "uses_left"), 2);
    cr_assert_str_eq(str_of(r->json, "status"), "valid");
    h_resp_free(r);
    /* Logged in too; used up after two accepts. */
    for (int i = 0; i < 2; i++) {
        struct it_user u = it_user_new(s, "BE");
        cr_assert_eq(it_accept(s, &u, str_of(inv->json, "code")), 201);
        r = it_req(s, "GET", path, &u, NULL);
        cr_assert_eq(r->status, 200);
        cr_assert_eq(it_int(r->json, "uses_left"), i == 0 ? 1 : 0);
        cr_assert_str_eq(str_of(r->json, "status"), i == 0 ? "valid" : "used_up");
        h_resp_free(r);
    }
    /* Expired. */
    struct h_resp *inv2 = invite_full(s, &conv, aid, "member", 1);
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)it_int(inv2->json, "id"));
    char *done = sql_value("UPDATE invitations SET expires_at = now() - interval '1 second' "
                           "WHERE id = $1::bigint RETURNING 1",
                           idbuf);
    free(done);
    snprintf(path, sizeof path, "/api/v1/invitations/%s", str_of(inv2->json, "code"));
    r = it_req(s, "GET", path, NULL, NULL);
    cr_assert_str_eq(str_of(r->json, "status"), "expired");
    h_resp_free(r);
    /* Unknown and malformed codes. */
    r = it_req(s, "GET", "/api/v1/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL,
               NULL);
    cr_assert_eq(r->status, 404);
    cr_assert_str_eq(it_problem(r), "invitation-not-found");
    h_resp_free(r);
    r = it_req(s, "GET", "/api/v1/invitations/x", NULL, NULL);
    cr_assert_eq(r->status, 404);
    cr_assert_str_eq(it_problem(r), "invitation-not-found");
    h_resp_free(r);
    /* max_uses 0 is an error (422 out_of_range), not silently 1. */
    char ipath[200];
    snprintf(ipath, sizeof ipath, "/api/v1/assemblies/%lld/invitations", (long long)aid);
    json_t *b = json_pack("{s:s, s:i}", "role", "member", "max_uses");
    r = it_req(s, "POST", ipath, &conv, b);
    json_decref(b);
    cr_assert_eq(r->status, 422, "%s", r->body);
    json_t *f = json_array_get(json_object_get(r->json, "fields"), 0);
    cr_assert_str_eq(str_of(f, "field"), "max_uses");
    cr_assert_str_eq(str_of(f, "code"), "out_of_range");
    h_resp_free(r);
    h_resp_free(inv);
    h_resp_free(inv2);
}

/* Issue 9, 2.3: an observer who leaves an open assembly and joins again is
 * still an observer; only a manager's PATCH raises a role. */
Test(invitation_security, leaving_and_rejoining_never_raises_a_role)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &conv, "public", "open");
    struct it_user obs = it_member_new(s, &conv, aid, "observer", "active", "DE");
    cr_assert_eq(it_patch_member(s, &obs, aid, obs.id, NULL, "left"), 200);
    char *join = path_of("/api/v1/assemblies/%lld/join", (long long)aid);
    struct h_resp *r = it_req(s, "POST", join, &obs, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(str_of(r->json, "role"), "observer", "re-join: %s", r->body);
    h_resp_free(r);
    json_t *m = member_row(s, &conv, aid, obs.id);
    cr_assert_str_eq(str_of(m, "role"), "observer");
    cr_assert_str_eq(str_of(m, "status"), "active");
    json_decref(m);
    /* The audit entry records the role actually held. */
    char *audit = path_of("/api/v1/assemblies/%lld/audit?limit=200", (long long)aid);
    r = it_req(s, "GET", audit, &conv, NULL);
    json_t *last = json_array_get(json_object_get(r->json, "items"),
                                  json_array_size(json_object_get(r->json, "items")) - 1);
    cr_assert(strstr(str_of(last, "entry"), "\"role\":\"observer\"") != NULL, "%s",
              str_of(last, "entry"));
    h_resp_free(r);
    free(audit);
    /* A newcomer still joins as a member, and a manager may raise the
     * observer. */
    struct it_user nw = it_user_new(s, "IT");
    r = it_req(s, "POST", join, &nw, NULL);
    cr_assert_str_eq(str_of(r->json, "role"), "member");
    h_resp_free(r);
    cr_assert_eq(it_patch_member(s, &conv, aid, obs.id, "member", NULL), 200);
    free(join);
}

/* Issue 9, 2.7: anonymous readers of a public assembly (and outsiders)
 * see active members only; members see everyone; the composition counts
 * active members only. */
Test(invitation_security, anonymous_member_list_shows_active_members_only)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &conv, "public", "open");
    struct it_user act = it_member_new(s, &conv, aid, "member", "active", "DE");
    struct it_user sus = it_member_new(s, &conv, aid, "member", "suspended", "IT");
    struct it_user gone = it_member_new(s, &conv, aid, "member", "active", "ES");
    cr_assert_eq(it_patch_member(s, &gone, aid, gone.id, NULL, "left"), 200);
    struct it_user outsider = it_user_new(s, "PT");
    const struct it_user *viewers[2] = {NULL, &outsider};
    for (int v = 0; v < 2; v++) {
        cr_assert(has_member(s, viewers[v], aid, act.id));
        cr_assert(!has_member(s, viewers[v], aid, sus.id), "viewer %d sees suspended", v);
        cr_assert(!has_member(s, viewers[v], aid, gone.id), "viewer %d sees departed", v);
    }
    cr_assert(has_member(s, &act, aid, sus.id), "members see suspended members");
    cr_assert(has_member(s, &act, aid, gone.id), "members see departed members");
    char *get = path_of("/api/v1/assemblies/%lld", (long long)aid);
    struct h_resp *r = it_req(s, "GET", get, NULL, NULL);
    json_t *comp = json_object_get(r->json, "composition");
    cr_assert_eq(it_int(comp, "active_members"), 2, "%s", r->body);
    json_t *bc = json_object_get(comp, "by_country");
    cr_assert_null(json_object_get(bc, "IT"), "suspended not counted: %s", r->body);
    cr_assert_null(json_object_get(bc, "ES"), "departed not counted: %s", r->body);
    h_resp_free(r);
    free(get);
}

/* Issue 9, 2.2 for the new routes: invitation codes never reach the log,
 * whatever the outcome, even at debug level (every request logged). */
Test(invitation_security, codes_never_reach_the_log)
{
    const char *env[] = {"PNYX_LOG_LEVEL=debug", NULL};
    struct h_server *s = h_server_start(env);
    cr_assert(s != NULL);
    struct it_user conv = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &conv, "public", "invite");
    char *code = it_invite(s, &conv, aid, "member", 1);
    const char *ghost = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
    char path[200];
    snprintf(path, sizeof path, "/api/v1/invitations/%s", code);
    cr_assert_eq(it_status(s, "GET", path, NULL, NULL), 200);
    snprintf(path, sizeof path, "/api/v1/invitations/%s", ghost);
    cr_assert_eq(it_status(s, "GET", path, NULL, NULL), 404);
    struct it_user u = it_user_new(s, "DE");
    cr_assert_eq(it_accept(s, &u, code), 201);
    cr_assert_eq(it_accept(s, &u, code), 410);
    cr_assert_eq(it_accept(s, &u, ghost), 404);
    /* Access lines are written after the reply is sent: read until they
     * are all there (bounded), checking every line each time. */
    int patterns = 0;
    for (int attempt = 0; attempt < 30 && patterns < 5; attempt++) {
        if (attempt > 0) {
            usleep(100 * 1000);
        }
        FILE *f = fopen(s->log_path, "r");
        cr_assert_not_null(f, "%s", s->log_path);
        char line[8192];
        patterns = 0;
        while (fgets(line, sizeof line, f) != NULL) {
            patterns += strstr(line, "/api/v1/invitations/{code}") != NULL;
            cr_assert_null(strstr(line, code), "a code in the log: %s", line);
            cr_assert_null(strstr(line, ghost), "a code in the log: %s", line);
        }
        fclose(f);
    }
    cr_assert_geq(patterns, 5, "the requests are logged by their route pattern");
    free(code);
    h_server_stop(s);
}
