/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_comments.c — issue 10's comment rules over real HTTP: thread order
 * and keyset paging, the 15-minute edit window with history, tombstones,
 * hiding with a public reason, who may do what, hostile text stored
 * verbatim, limits, translations (best text for the reader, human kept,
 * outdated after an edit, review by another member) and the audit entries
 * (SHA-256 of texts, never the texts).
 */
#include <sys/stat.h>
#include <unistd.h>

#include "comment_util.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct world {
    struct h_server *s;
    struct it_user conv, fac, mem, mem2, obs;
    int64_t aid, pid;
};

static struct world world_new(const char *visibility)
{
    struct world w;
    memset(&w, 0, sizeof w);
    w.s = h_shared();
    w.conv = it_user_new(w.s, "FR");
    w.aid = it_assembly_new(w.s, &w.conv, visibility, "invite");
    w.fac = it_member_new(w.s, &w.conv, w.aid, "facilitator", "active", "DE");
    w.mem = it_member_new(w.s, &w.conv, w.aid, "member", "active", "ES");
    w.mem2 = it_member_new(w.s, &w.conv, w.aid, "member", "active", "NG");
    w.obs = it_member_new(w.s, &w.conv, w.aid, "observer", "active", "UA");
    w.pid = it_proposal_new(w.aid, w.conv.id, "deliberation");
    return w;
}

static json_t *get_page(struct world *w, const struct it_user *u, const char *query)
{
    char path[192];
    snprintf(path, sizeof path, "/api/v1/proposals/%lld/comments%s", (long long)w->pid, query);
    struct h_resp *r = it_req(w->s, "GET", path, u, NULL);
    cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
    json_t *j = json_incref(r->json);
    h_resp_free(r);
    return j;
}

/* The page's item with id cid (borrowed), or NULL. */
static json_t *item_of(json_t *page, int64_t cid)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(page, "items"), i, it)
    {
        if (it_int(it, "id") == cid) {
            return it;
        }
    }
    return NULL;
}

static const char *str(json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

static long change(struct world *w, const struct it_user *u, const char *method, int64_t cid,
                   const char *suffix, json_t *body, char *problem, size_t plen)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/comments/%lld%s", (long long)cid, suffix);
    struct h_resp *r = it_req(w->s, method, path, u, body);
    long st = r->status;
    if (problem != NULL) {
        snprintf(problem, plen, "%s", it_problem(r));
    }
    h_resp_free(r);
    json_decref(body);
    return st;
}

/* Replies come right after their parent (oldest first), whatever order
 * they were written in; every page continues where the last one ended. */
Test(comments, thread_order_and_keyset_paging)
{
    struct world w = world_new("public");
    int64_t a = it_comment_new(w.s, &w.mem, w.pid, "A", 0);
    int64_t b = it_comment_new(w.s, &w.mem2, w.pid, "B", 0);
    int64_t a1 = it_comment_new(w.s, &w.fac, w.pid, "A1", a);
    int64_t b1 = it_comment_new(w.s, &w.mem, w.pid, "B1", b);
    int64_t a2 = it_comment_new(w.s, &w.mem2, w.pid, "A2", a);
    int64_t a1x = it_comment_new(w.s, &w.conv, w.pid, "A1x", a1);
    int64_t c = it_comment_new(w.s, &w.conv, w.pid, "C", 0);
    int64_t want[] = {a, a1, a1x, a2, b, b1, c};
    int want_depth[] = {0, 1, 2, 1, 0, 1, 0};
    int64_t want_parent[] = {0, a, a1, a, 0, b, 0};
    /* An unrelated proposal's comments never show up. */
    int64_t other = it_proposal_new(w.aid, w.conv.id, "deliberation");
    it_comment_new(w.s, &w.mem, other, "elsewhere", 0);

    size_t got = 0;
    char query[64] = "?limit=3";
    for (int pages = 0; pages < 5; pages++) {
        json_t *page = get_page(&w, NULL, query);
        json_t *items = json_object_get(page, "items");
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            cr_assert_lt(got, ARRAY_LEN(want));
            cr_expect_eq(it_int(it, "id"), want[got], "position %zu", got);
            cr_expect_eq(it_int(it, "depth"), want_depth[got], "depth at %zu", got);
            cr_expect_eq(it_int(it, "parent_id"), want_parent[got], "parent at %zu", got);
            got++;
        }
        const char *next = str(page, "next");
        if (next == NULL) {
            json_decref(page);
            break;
        }
        snprintf(query, sizeof query, "?limit=3&after=%s", next);
        json_decref(page);
    }
    cr_expect_eq(got, ARRAY_LEN(want));
    /* A cursor from another proposal's thread gives nothing, not a crash. */
    json_t *p = get_page(&w, NULL, "?after=999999999");
    cr_expect_eq(json_array_size(json_object_get(p, "items")), 0);
    json_decref(p);
    /* The proposal counts every comment written. */
    char pid[24];
    snprintf(pid, sizeof pid, "%lld", (long long)w.pid);
    const char *pp[1] = {pid};
    char *n = it_sql("SELECT comment_count FROM proposals WHERE id = $1", 1, pp);
    cr_expect_str_eq(n, "7");
    free(n);
}

static void age_comment(int64_t cid, const char *interval)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)cid);
    const char *p[2] = {id, interval};
    free(it_sql("UPDATE comments SET created_at = now() - $2::interval WHERE id = $1", 2, p));
}

Test(comments, author_edits_within_15_minutes_and_history_is_kept)
{
    struct world w = world_new("public");
    int64_t cid = it_comment_new(w.s, &w.mem, w.pid, "first text", 0);
    char problem[64];
    cr_expect_eq(change(&w, &w.mem2, "PATCH", cid, "", json_pack("{s:s}", "body", "not mine"),
                        problem, sizeof problem),
                 403);
    cr_expect_eq(change(&w, &w.conv, "PATCH", cid, "", json_pack("{s:s}", "body", "not mine"),
                        problem, sizeof problem),
                 403, "a convener does not edit others' words");
    cr_expect_eq(
        change(&w, &w.mem, "PATCH", cid, "", json_pack("{s:s}", "body", "second text"), NULL, 0),
        200);
    json_t *page = get_page(&w, NULL, "");
    json_t *it = item_of(page, cid);
    cr_assert_not_null(it);
    cr_expect_str_eq(str(it, "body"), "second text");
    cr_expect(json_is_true(json_object_get(it, "edited")));
    cr_expect_eq(it_int(it, "version"), 2);
    json_decref(page);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)cid);
    const char *p[1] = {id};
    char *old =
        it_sql("SELECT body FROM comment_versions WHERE comment_id = $1 AND version = 1", 1, p);
    cr_expect_str_eq(old, "first text");
    free(old);
    /* 14 minutes in: still open; 16: closed. */
    age_comment(cid, "14 minutes");
    cr_expect_eq(
        change(&w, &w.mem, "PATCH", cid, "", json_pack("{s:s}", "body", "third text"), NULL, 0),
        200);
    age_comment(cid, "16 minutes");
    cr_expect_eq(change(&w, &w.mem, "PATCH", cid, "", json_pack("{s:s}", "body", "too late"),
                        problem, sizeof problem),
                 409);
    cr_expect_str_eq(problem, "comment-edit-window-closed");
    char *n = it_sql("SELECT count(*) FROM comment_versions WHERE comment_id = $1", 1, p);
    cr_expect_str_eq(n, "2", "versions 1 and 2 kept");
    free(n);
    /* The history over HTTP: every version, oldest first, paged. */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/comments/%lld/versions?limit=2", (long long)cid);
    struct h_resp *r = it_req(w.s, "GET", path, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    json_t *items = json_object_get(r->json, "items");
    cr_assert_eq(json_array_size(items), 2);
    cr_expect_str_eq(str(json_array_get(items, 0), "body"), "first text");
    cr_expect_str_eq(str(json_array_get(items, 1), "body"), "second text");
    cr_expect_str_eq(str(r->json, "next"), "2");
    h_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/comments/%lld/versions?after=2", (long long)cid);
    r = it_req(w.s, "GET", path, NULL, NULL);
    cr_assert_eq(r->status, 200);
    items = json_object_get(r->json, "items");
    cr_assert_eq(json_array_size(items), 1);
    cr_expect_eq(it_int(json_array_get(items, 0), "version"), 3);
    cr_expect_str_eq(str(json_array_get(items, 0), "body"), "third text");
    h_resp_free(r);
    cr_expect_eq(it_status(w.s, "GET", "/api/v1/comments/999999999/versions", NULL, NULL), 404);
}

Test(comments, delete_leaves_a_tombstone_and_keeps_the_replies)
{
    struct world w = world_new("public");
    int64_t cid = it_comment_new(w.s, &w.mem, w.pid, "regrettable", 0);
    int64_t reply = it_comment_new(w.s, &w.mem2, w.pid, "a reply", cid);
    cr_expect_eq(
        change(&w, &w.mem, "PATCH", cid, "", json_pack("{s:s}", "body", "edited"), NULL, 0), 200);
    cr_expect_eq(it_comment_translate(w.s, &w.mem2, cid, "fr", "regrettable (fr)", "human"), 201);
    cr_expect_eq(change(&w, &w.mem2, "DELETE", cid, "", NULL, NULL, 0), 403);
    cr_expect_eq(change(&w, &w.fac, "DELETE", cid, "", NULL, NULL, 0), 403);
    cr_expect_eq(change(&w, &w.mem, "DELETE", cid, "", NULL, NULL, 0), 200);
    char problem[64];
    cr_expect_eq(change(&w, &w.mem, "DELETE", cid, "", NULL, problem, sizeof problem), 409);
    cr_expect_eq(change(&w, &w.mem, "PATCH", cid, "", json_pack("{s:s}", "body", "back"), problem,
                        sizeof problem),
                 409);
    json_t *page = get_page(&w, &w.conv, "?lang=fr");
    json_t *it = item_of(page, cid);
    cr_assert_not_null(it);
    cr_expect_str_eq(str(it, "status"), "deleted");
    cr_expect(json_is_null(json_object_get(it, "body")), "not even for a convener");
    cr_expect(json_is_null(json_object_get(it, "translation")));
    cr_expect_not_null(item_of(page, reply), "replies stay in the thread");
    json_decref(page);
    char vpath[96];
    snprintf(vpath, sizeof vpath, "/api/v1/comments/%lld/versions", (long long)cid);
    struct h_resp *vr = it_req(w.s, "GET", vpath, &w.mem, NULL);
    cr_expect_eq(vr->status, 200);
    cr_expect_eq(json_array_size(json_object_get(vr->json, "items")), 0, "no history left");
    h_resp_free(vr);
    /* The text, its history and its translations are gone from the database. */
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)cid);
    const char *p[1] = {id};
    char *n = it_sql("SELECT (SELECT count(*) FROM comment_versions WHERE comment_id = $1) + "
                     "(SELECT count(*) FROM comment_translations WHERE comment_id = $1) + "
                     "(SELECT count(*) FROM comments WHERE id = $1 AND body IS NOT NULL)",
                     1, p);
    cr_expect_str_eq(n, "0");
    free(n);
    /* A reply to a tombstone is still possible (the thread goes on). */
    it_comment_new(w.s, &w.conv, w.pid, "still replying", cid);
}

/* The audit entries of the assembly, as canonical JSON texts (malloc'd
 * array of borrowed strings kept alive by *page_out). */
static json_t *audit_entries(struct world *w)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit?limit=200", (long long)w->aid);
    struct h_resp *r = it_req(w->s, "GET", path, &w->conv, NULL);
    cr_assert_eq(r->status, 200);
    json_t *out = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        json_error_t err;
        const char *e = str(it, "entry");
        json_array_append_new(out, json_loads(e, 0, &err));
    }
    h_resp_free(r);
    return out;
}

static json_t *entry_of(json_t *entries, const char *kind, int64_t cid)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)cid);
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        json_t *d = json_object_get(e, "data");
        if (strcmp(str(e, "kind"), kind) == 0 && str(d, "comment") != NULL &&
            strcmp(str(d, "comment"), id) == 0) {
            return e;
        }
    }
    return NULL;
}

/* Lower-case hex SHA-256 of s's UTF-8 bytes, computed by PostgreSQL (an
 * implementation independent of pnyxd's). */
static void sha256_hex(const char *s, char out[65])
{
    const char *p[1] = {s};
    char *h = it_sql("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", 1, p);
    snprintf(out, 65, "%s", h);
    free(h);
}

Test(comments, hide_keeps_the_text_shows_the_reason_and_is_logged)
{
    struct world w = world_new("public");
    const char *text = "an insulting remark";
    int64_t cid = it_comment_new(w.s, &w.mem, w.pid, text, 0);
    char problem[64];
    cr_expect_eq(
        change(&w, &w.mem2, "POST", cid, "/hide", json_pack("{s:s}", "reason", "no"), NULL, 0),
        403);
    cr_expect_eq(
        change(&w, &w.mem, "POST", cid, "/hide", json_pack("{s:s}", "reason", "no"), NULL, 0), 403,
        "authors do not hide");
    cr_expect_eq(change(&w, &w.fac, "POST", cid, "/hide", json_pack("{}"), NULL, 0), 422);
    cr_expect_eq(change(&w, &w.fac, "POST", cid, "/hide",
                        json_pack("{s:s}", "reason", "Personal attack"), NULL, 0),
                 200);
    cr_expect_eq(change(&w, &w.conv, "POST", cid, "/hide", json_pack("{s:s}", "reason", "again"),
                        problem, sizeof problem),
                 409);
    cr_expect_eq(change(&w, &w.mem, "PATCH", cid, "", json_pack("{s:s}", "body", "sorry"), NULL, 0),
                 409, "a hidden comment is not edited");
    /* The reason is public; the text only for managers and the author. */
    const struct it_user *readers[] = {NULL, &w.mem2, &w.obs, &w.mem, &w.fac, &w.conv};
    const bool sees[] = {false, false, false, true, true, true};
    for (size_t i = 0; i < ARRAY_LEN(readers); i++) {
        json_t *page = get_page(&w, readers[i], "");
        json_t *it = item_of(page, cid);
        cr_assert_not_null(it);
        cr_expect_str_eq(str(it, "status"), "hidden");
        cr_expect_str_eq(str(it, "hidden_reason"), "Personal attack");
        if (sees[i]) {
            cr_expect_str_eq(str(it, "body"), text, "reader %zu", i);
        } else {
            cr_expect(json_is_null(json_object_get(it, "body")), "reader %zu", i);
        }
        json_decref(page);
    }
    char vpath[96];
    snprintf(vpath, sizeof vpath, "/api/v1/comments/%lld/versions", (long long)cid);
    for (size_t i = 0; i < ARRAY_LEN(readers); i++) {
        struct h_resp *vr = it_req(w.s, "GET", vpath, readers[i], NULL);
        cr_expect_eq(vr->status, 200);
        cr_expect_eq(json_array_size(json_object_get(vr->json, "items")), sees[i] ? 1 : 0,
                     "history of a hidden comment, reader %zu", i);
        h_resp_free(vr);
    }
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)cid);
    const char *p[1] = {id};
    char *kept = it_sql("SELECT body FROM comments WHERE id = $1", 1, p);
    cr_expect_str_eq(kept, text);
    free(kept);
    json_t *entries = audit_entries(&w);
    json_t *e = entry_of(entries, "comment.hidden", cid);
    cr_assert_not_null(e);
    char hex[65];
    sha256_hex(text, hex);
    json_t *d = json_object_get(e, "data");
    cr_expect_str_eq(str(d, "reason"), "Personal attack");
    cr_expect_str_eq(str(d, "text_sha256"), hex);
    char idfac[24];
    snprintf(idfac, sizeof idfac, "%lld", (long long)w.fac.id);
    cr_expect_str_eq(str(e, "actor"), idfac);
    json_decref(entries);
}

/* Every change is logged with the hash of the text, never the text. */
Test(comments, audit_entries_carry_hashes_never_bodies)
{
    struct world w = world_new("members");
    const char *t1 = "secret-ish first words 1f2e";
    const char *t2 = "second words 9a8b";
    const char *tr = "traduction 7c6d";
    int64_t cid = it_comment_new(w.s, &w.mem, w.pid, t1, 0);
    cr_expect_eq(change(&w, &w.mem, "PATCH", cid, "", json_pack("{s:s}", "body", t2), NULL, 0),
                 200);
    cr_expect_eq(it_comment_translate(w.s, &w.mem2, cid, "fr", tr, "human"), 201);
    cr_expect_eq(change(&w, &w.mem, "POST", cid, "/translations/fr/review", NULL, NULL, 0), 200);
    cr_expect_eq(change(&w, &w.mem, "DELETE", cid, "", NULL, NULL, 0), 200);
    json_t *entries = audit_entries(&w);
    char h1[65], h2[65], h3[65];
    sha256_hex(t1, h1);
    sha256_hex(t2, h2);
    sha256_hex(tr, h3);
    json_t *created = entry_of(entries, "comment.created", cid);
    json_t *edited = entry_of(entries, "comment.edited", cid);
    json_t *translated = entry_of(entries, "comment.translated", cid);
    cr_assert_not_null(created);
    cr_assert_not_null(edited);
    cr_assert_not_null(translated);
    cr_expect_not_null(entry_of(entries, "comment.translation_reviewed", cid));
    cr_expect_not_null(entry_of(entries, "comment.deleted", cid));
    cr_expect_str_eq(str(json_object_get(created, "data"), "text_sha256"), h1);
    cr_expect_str_eq(str(json_object_get(edited, "data"), "text_sha256"), h2);
    cr_expect_str_eq(str(json_object_get(translated, "data"), "text_sha256"), h3);
    char *all = json_dumps(entries, JSON_COMPACT);
    cr_expect_null(strstr(all, "1f2e"), "no body in the log");
    cr_expect_null(strstr(all, "9a8b"));
    cr_expect_null(strstr(all, "7c6d"));
    free(all);
    json_decref(entries);
}

Test(comments, who_may_comment)
{
    struct world w = world_new("members");
    struct it_user outsider = it_user_new(w.s, "BR");
    struct it_user susp = it_member_new(w.s, &w.conv, w.aid, "member", "suspended", "PE");
    char problem[64];
    struct h_resp *r = it_comment_post(w.s, NULL, w.pid, "hi", "en", 0);
    cr_expect_eq(r->status, 401);
    h_resp_free(r);
    r = it_comment_post(w.s, &outsider, w.pid, "hi", "en", 0);
    cr_expect_eq(r->status, 404, "a members-only assembly hides its proposals");
    h_resp_free(r);
    r = it_comment_post(w.s, &w.obs, w.pid, "hi", "en", 0);
    cr_expect_eq(r->status, 403, "observers read only");
    h_resp_free(r);
    r = it_comment_post(w.s, &susp, w.pid, "hi", "en", 0);
    cr_expect_eq(r->status, 403);
    h_resp_free(r);
    r = it_comment_post(w.s, &w.mem, 999999999, "hi", "en", 0);
    cr_expect_eq(r->status, 404);
    h_resp_free(r);
    /* Reading: members and observers yes, outsiders and anonymous 404. */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/proposals/%lld/comments", (long long)w.pid);
    cr_expect_eq(it_status(w.s, "GET", path, NULL, NULL), 404);
    cr_expect_eq(it_status(w.s, "GET", path, &outsider, NULL), 404);
    cr_expect_eq(it_status(w.s, "GET", path, &w.obs, NULL), 200);
    cr_expect_eq(it_status(w.s, "GET", path, &susp, NULL), 200);
    /* Closed proposals take no more comments. */
    const char *statuses[] = {"adopted", "rejected", "withdrawn"};
    for (size_t i = 0; i < ARRAY_LEN(statuses); i++) {
        int64_t closed = it_proposal_new(w.aid, w.conv.id, statuses[i]);
        r = it_comment_post(w.s, &w.mem, closed, "late", "en", 0);
        cr_expect_eq(r->status, 409, "%s", statuses[i]);
        cr_expect_str_eq(it_problem(r), "comments-closed");
        h_resp_free(r);
    }
    int64_t draft = it_proposal_new(w.aid, w.conv.id, "draft");
    r = it_comment_post(w.s, &w.mem, draft, "early", "en", 0);
    cr_expect_eq(r->status, 201);
    h_resp_free(r);
    (void)problem;
}

/* HTML, javascript: links, bidi overrides and odd Unicode come back byte
 * for byte: rendering them inert is the frontend's job, never rewriting. */
Test(comments, hostile_text_is_stored_verbatim)
{
    struct world w = world_new("public");
    const char *hostile =
        "<script>alert(1)</script><img src=x onerror=alert(2)> [click](javascript:alert(3)) "
        "\u202Egnp.exe\u202C \u2067isolated \"quotes\" & ampersands\n\n> quote\n* list\t"
        "\U0001F600 \\u0000 %s %n";
    int64_t cid = it_comment_new(w.s, &w.mem, w.pid, hostile, 0);
    json_t *page = get_page(&w, NULL, "");
    json_t *it = item_of(page, cid);
    cr_assert_not_null(it);
    cr_expect_str_eq(str(it, "body"), hostile);
    json_decref(page);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)cid);
    const char *p[2] = {id, hostile};
    char *same = it_sql("SELECT body = $2 FROM comments WHERE id = $1", 2, p);
    cr_expect_str_eq(same, "t");
    free(same);
}

Test(comments, limits_and_parents)
{
    struct world w = world_new("public");
    /* 5,000 code points (3 bytes each) pass; 5,001 do not. */
    size_t n = 5000;
    char *big = malloc(3 * (n + 1) + 1);
    for (size_t i = 0; i <= n; i++) {
        memcpy(big + 3 * i, "\u20ac", 3);
    }
    big[3 * n] = '\0';
    struct h_resp *r = it_comment_post(w.s, &w.mem, w.pid, big, "en", 0);
    cr_expect_eq(r->status, 201, "%s", r->body);
    h_resp_free(r);
    memcpy(big + 3 * n, "\u20ac", 4);
    r = it_comment_post(w.s, &w.mem, w.pid, big, "en", 0);
    cr_expect_eq(r->status, 422);
    cr_expect(strstr(r->body, "too_long") != NULL, "%s", r->body);
    h_resp_free(r);
    free(big);
    r = it_comment_post(w.s, &w.mem, w.pid, " \u200b\n", "en", 0);
    cr_expect_eq(r->status, 422);
    cr_expect(strstr(r->body, "no_visible_character") != NULL, "%s", r->body);
    h_resp_free(r);
    r = it_comment_post(w.s, &w.mem, w.pid, "hello", "not a tag!", 0);
    cr_expect_eq(r->status, 422);
    cr_expect(strstr(r->body, "\"format\"") != NULL, "%s", r->body);
    h_resp_free(r);
    /* A parent on another proposal, or none at all. */
    int64_t other = it_proposal_new(w.aid, w.conv.id, "deliberation");
    int64_t foreign = it_comment_new(w.s, &w.mem, other, "elsewhere", 0);
    r = it_comment_post(w.s, &w.mem, w.pid, "reply", "en", foreign);
    cr_expect_eq(r->status, 422);
    cr_expect_str_eq(it_problem(r), "comment-parent-invalid");
    h_resp_free(r);
    /* Depth 0..31 allowed, a 33rd level refused. */
    int64_t parent = 0;
    for (int depth = 0; depth < 32; depth++) {
        parent = it_comment_new(w.s, &w.mem, w.pid, "deeper", parent);
    }
    r = it_comment_post(w.s, &w.mem, w.pid, "too deep", "en", parent);
    cr_expect_eq(r->status, 422);
    cr_expect_str_eq(it_problem(r), "comment-parent-invalid");
    h_resp_free(r);
}

static json_t *page_with_header(struct world *w, const char *header)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/proposals/%lld/comments", (long long)w->pid);
    const char *hs[2] = {header, NULL};
    struct h_resp *r = h_request(w->s, "GET", path, NULL, hs);
    cr_assert(r != NULL && r->status == 200);
    json_t *j = json_incref(r->json);
    h_resp_free(r);
    return j;
}

/* The comments here are in English, the language every test member
 * reads, so the shared server's translation worker queues nothing for
 * them and the translations below are the only ones. */
Test(comments, translations_best_text_labels_and_review)
{
    struct world w = world_new("public");
    struct h_resp *r = it_comment_post(w.s, &w.mem, w.pid, "Hello all", "en", 0);
    cr_assert_eq(r->status, 201);
    int64_t cid = it_int(r->json, "id");
    h_resp_free(r);
    char problem[64];
    cr_expect_eq(it_comment_translate(w.s, &w.mem2, cid, "en-GB", "Hello", "human"), 422,
                 "not into the comment's own language");
    cr_expect_eq(it_comment_translate(w.s, &w.obs, cid, "es", "Hola", "human"), 403);
    cr_expect_eq(it_comment_translate(w.s, &w.mem2, cid, "es", "Hola a todos (máquina)", "machine"),
                 201);
    cr_expect_eq(it_comment_translate(w.s, &w.mem2, cid, "es", "Hola a todos", "human"), 201,
                 "a human translation replaces a machine one");
    cr_expect_eq(it_comment_translate(w.s, &w.fac, cid, "es", "Hola (máquina)", "machine"), 409,
                 "and is never replaced by one");
    cr_expect_eq(it_comment_translate(w.s, &w.fac, cid, "fr", "Bonjour à tous", "human"), 201);

    /* ?lang=es → the Spanish translation, labelled; no lang → original. */
    json_t *page = get_page(&w, NULL, "?lang=es-MX");
    json_t *it = item_of(page, cid);
    cr_expect_str_eq(str(it, "body"), "Hola a todos");
    cr_expect_str_eq(str(it, "language"), "es");
    cr_expect_str_eq(str(it, "original_language"), "en");
    json_t *tr = json_object_get(it, "translation");
    cr_expect_str_eq(str(tr, "source"), "human");
    cr_expect(json_is_false(json_object_get(tr, "reviewed")));
    cr_expect(json_is_false(json_object_get(tr, "outdated")));
    cr_expect_eq(it_int(tr, "translated_by"), w.mem2.id);
    json_decref(page);
    page = get_page(&w, NULL, "");
    it = item_of(page, cid);
    cr_expect_str_eq(str(it, "body"), "Hello all");
    cr_expect(json_is_null(json_object_get(it, "translation")));
    json_decref(page);
    /* Accept-Language: weights decide; a language with no translation is
     * skipped; the original wins when it ranks first. */
    page = page_with_header(&w, "Accept-Language: de, fr;q=0.9, es;q=0.5");
    cr_expect_str_eq(str(item_of(page, cid), "body"), "Bonjour à tous");
    json_decref(page);
    page = page_with_header(&w, "Accept-Language: es;q=0.2, fr;q=0");
    cr_expect_str_eq(str(item_of(page, cid), "body"), "Hola a todos");
    json_decref(page);
    page = page_with_header(&w, "Accept-Language: en-AU, es");
    cr_expect_str_eq(str(item_of(page, cid), "body"), "Hello all");
    json_decref(page);
    cr_expect_eq(it_status(w.s, "GET", "/api/v1/proposals/1/comments?lang=%3Cx%3E", NULL, NULL),
                 400);

    /* Review: not by the translator, then by someone else (first stands). */
    cr_expect_eq(
        change(&w, &w.mem2, "POST", cid, "/translations/es/review", NULL, problem, sizeof problem),
        403);
    cr_expect_str_eq(problem, "comment-review-own-translation");
    cr_expect_eq(change(&w, &w.mem, "POST", cid, "/translations/de/review", NULL, NULL, 0), 404);
    cr_expect_eq(change(&w, &w.conv, "POST", cid, "/translations/es/review", NULL, NULL, 0), 200);
    cr_expect_eq(change(&w, &w.fac, "POST", cid, "/translations/es/review", NULL, NULL, 0), 200);
    page = get_page(&w, NULL, "?lang=es");
    tr = json_object_get(item_of(page, cid), "translation");
    cr_expect(json_is_true(json_object_get(tr, "reviewed")));
    cr_expect_eq(it_int(tr, "reviewed_by"), w.conv.id);
    json_decref(page);

    /* An edit makes the translation outdated (still shown, labelled). */
    cr_expect_eq(
        change(&w, &w.mem, "PATCH", cid, "", json_pack("{s:s}", "body", "Hello everyone"), NULL, 0),
        200);
    page = get_page(&w, NULL, "?lang=es");
    it = item_of(page, cid);
    tr = json_object_get(it, "translation");
    cr_expect_str_eq(str(it, "body"), "Hola a todos");
    cr_expect(json_is_true(json_object_get(tr, "outdated")));
    cr_expect_eq(it_int(tr, "of_version"), 1);
    json_decref(page);
    /* History: the machine row is kept, not current. */
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)cid);
    const char *p[1] = {id};
    char *n = it_sql("SELECT count(*) FILTER (WHERE NOT current) || '/' || count(*) FROM "
                     "comment_translations WHERE comment_id = $1",
                     1, p);
    cr_expect_str_eq(n, "1/3");
    free(n);
}

/* A translator command for the machine-translation test: prefixes the
 * text with its language pair (so the test knows the worker ran it). */
static char *write_translator(void)
{
    char dir[] = "/tmp/pnyx-comment-mt-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *path = malloc(strlen(dir) + 8);
    sprintf(path, "%s/tr.sh", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("#!/bin/sh\nprintf 'MT(%s>%s): ' \"$1\" \"$2\"\ncat\n", f);
    fclose(f);
    cr_assert_eq(chmod(path, 0755), 0);
    cr_assert_eq(chmod(dir, 0755), 0);
    return path;
}

/* Writing a comment queues its translations; the worker stores them as
 * unreviewed machine translations, shown labelled; text is passed as
 * data (a shell expansion in it does nothing). Without workers the write
 * is the same and the job waits. */
Test(comments, machine_translation_arrives_through_the_queue, .timeout = 60)
{
    char *tr = write_translator();
    char env_tr[300];
    snprintf(env_tr, sizeof env_tr, "PNYX_TRANSLATOR=command:%s", tr);
    /* A database of its own: the binary's shared pnyxd runs a worker too,
     * which would take this test's jobs on the shared database. */
    const char *created = h_db_create();
    cr_assert_not_null(created, "h_db_create failed");
    char *db = strdup(created);
    char env_db[400];
    snprintf(env_db, sizeof env_db, "PNYX_DATABASE_URL=%s", db);
    const char *env[] = {env_tr, env_db, "PNYX_WORKERS=1", NULL};
    struct h_server *s = h_server_start(env);
    cr_assert_not_null(s);
    struct it_user conv = it_user_new(s, "FR"); /* reads en */
    int64_t aid = it_assembly_new(s, &conv, "public", "open");
    int64_t pid = it_proposal_new_on(db, aid, conv.id, "deliberation");
    char marker[] = "/tmp/pnyx-comment-mt-pwned-XXXXXX";
    int fd = mkstemp(marker);
    cr_assert(fd >= 0);
    close(fd);
    unlink(marker);
    char text[200];
    snprintf(text, sizeof text, "Hola $(touch %s) `touch %s`", marker, marker);
    struct h_resp *r = it_comment_post(s, &conv, pid, text, "es", 0);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t cid = it_int(r->json, "id");
    h_resp_free(r);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/proposals/%lld/comments?lang=en", (long long)pid);
    json_t *it = NULL;
    struct h_resp *page = NULL;
    for (int i = 0; i < 200 && it == NULL; i++) {
        h_resp_free(page);
        page = it_req(s, "GET", path, NULL, NULL);
        json_t *c = json_array_get(json_object_get(page->json, "items"), 0);
        if (c != NULL && !json_is_null(json_object_get(c, "translation"))) {
            it = c;
        } else {
            usleep(50 * 1000);
        }
    }
    cr_assert_not_null(it, "no machine translation after 10 s: %s", h_server_log_tail(s));
    cr_expect_eq(it_int(it, "id"), cid);
    char want[300];
    snprintf(want, sizeof want, "MT(es>en): %s", text);
    cr_expect_str_eq(str(it, "body"), want);
    cr_expect_str_eq(str(it, "language"), "en");
    cr_expect_str_eq(str(it, "original_language"), "es");
    json_t *label = json_object_get(it, "translation");
    cr_expect_str_eq(str(label, "source"), "machine");
    cr_expect(json_is_false(json_object_get(label, "reviewed")));
    cr_expect_not_null(str(label, "translator"));
    h_resp_free(page);
    cr_expect_neq(access(marker, F_OK), 0, "the text reached a shell");
    h_server_stop(s);

    /* Without workers: the same write, the job stays queued. */
    const char *env0[] = {env_tr, env_db, "PNYX_WORKERS=0", NULL};
    s = h_server_start(env0);
    cr_assert_not_null(s);
    r = it_comment_post(s, &conv, pid, "Adiós", "es", 0);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cid = it_int(r->json, "id");
    h_resp_free(r);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)cid);
    const char *p[1] = {id};
    usleep(300 * 1000);
    char *jobs = it_sql_on(db,
                           "SELECT string_agg(target_language || ':' || status, ',') FROM "
                           "translation_jobs WHERE kind = 'comment' AND target_id = $1",
                           1, p);
    cr_expect_str_eq(jobs, "en:queued", "no worker ran it");
    free(jobs);
    h_server_stop(s);
    unlink(tr);
    *strrchr(tr, '/') = '\0';
    rmdir(tr);
    free(tr);
    free(db);
}

/* The proposal page: GET /proposals/{pid}?comments=N is the proposal read
 * plus its first N comments in thread order, as the comment list gives
 * them to this reader. */
Test(comments, proposal_page_embeds_the_first_comments)
{
    struct world w = world_new("public");
    char path[128];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/proposals", (long long)w.aid);
    json_t *b = json_pack("{s:s, s:s, s:s}", "title", "Night trains", "body",
                          "Connect the capitals by night train.", "language", "en");
    struct h_resp *r = it_req(w.s, "POST", path, &w.mem, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t pid = it_int(r->json, "id");
    h_resp_free(r);
    int64_t a = it_comment_new(w.s, &w.mem2, pid, "first", 0);
    int64_t b2 = it_comment_new(w.s, &w.mem2, pid, "second", 0);
    int64_t a1 = it_comment_new(w.s, &w.fac, pid, "reply to first", a);
    cr_expect_eq(it_comment_translate(w.s, &w.fac, b2, "fr", "deuxième", "human"), 201);

    snprintf(path, sizeof path, "/api/v1/proposals/%lld?comments=2&lang=fr", (long long)pid);
    r = it_req(w.s, "GET", path, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_str_eq(str(r->json, "title"), "Night trains");
    json_t *c = json_object_get(r->json, "comments");
    json_t *items = json_object_get(c, "items");
    cr_assert_eq(json_array_size(items), 2, "%s", r->body);
    cr_expect_eq(it_int(json_array_get(items, 0), "id"), a);
    cr_expect_eq(it_int(json_array_get(items, 1), "id"), a1, "thread order");
    char next[24];
    snprintf(next, sizeof next, "%lld", (long long)a1);
    cr_expect_str_eq(str(c, "next"), next);
    h_resp_free(r);
    /* The rest through the comment list, from the page's cursor. */
    snprintf(path, sizeof path, "/api/v1/proposals/%lld/comments?lang=fr&after=%lld",
             (long long)pid, (long long)a1);
    r = it_req(w.s, "GET", path, NULL, NULL);
    cr_assert_eq(r->status, 200);
    json_t *last = json_array_get(json_object_get(r->json, "items"), 0);
    cr_expect_eq(it_int(last, "id"), b2);
    cr_expect_str_eq(str(last, "body"), "deuxième");
    h_resp_free(r);
    /* Without ?comments, no member; a bad N is a 400. */
    snprintf(path, sizeof path, "/api/v1/proposals/%lld", (long long)pid);
    r = it_req(w.s, "GET", path, NULL, NULL);
    cr_expect_eq(r->status, 200);
    cr_expect_null(json_object_get(r->json, "comments"));
    h_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/proposals/%lld?comments=0", (long long)pid);
    cr_expect_eq(it_status(w.s, "GET", path, NULL, NULL), 400);
    snprintf(path, sizeof path, "/api/v1/proposals/%lld?comments=201", (long long)pid);
    cr_expect_eq(it_status(w.s, "GET", path, NULL, NULL), 400);
}

/* The proposal page's proposal part is written as text (no Jansson tree,
 * codec_proposal_write): it must be the very bytes the plain read sends
 * the same reader — here with a human translation read in French, an
 * outdated machine one beside it, the author's allowed transitions and
 * endorsement, and an advancement rule — followed by ,"comments":…}. */
Test(comments, proposal_page_proposal_part_is_the_plain_read)
{
    struct world w = world_new("public");
    char path[160];
    json_t *rule =
        json_pack("{s:{s:i, s:i}}", "advancement", "min_endorsements", 3, "min_countries", 2);
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld", (long long)w.aid);
    struct h_resp *r = it_req(w.s, "PATCH", path, &w.conv, rule);
    json_decref(rule);
    cr_assert_eq(r->status, 200, "%s", r->body);
    h_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/proposals", (long long)w.aid);
    json_t *b = json_pack("{s:s, s:s, s:s}", "title", "Trenes \"nocturnos\" <b>", "body",
                          "Conectar las capitales\n\n- de noche\n\\ y \u202e", "language", "es");
    r = it_req(w.s, "POST", path, &w.mem, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t pid = it_int(r->json, "id");
    h_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/proposals/%lld", (long long)pid);
    b = json_pack("{s:s}", "status", "deliberation");
    r = it_req(w.s, "PATCH", path, &w.mem, b);
    json_decref(b);
    cr_assert_eq(r->status, 200, "%s", r->body);
    h_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/proposals/%lld/translations", (long long)pid);
    b = json_pack("{s:s, s:s, s:s, s:s}", "language", "fr", "title", "Trains de nuit", "body",
                  "Relier les capitales", "source", "human");
    r = it_req(w.s, "POST", path, &w.fac, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    h_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/proposals/%lld/endorsements", (long long)pid);
    r = it_req(w.s, "POST", path, &w.mem, NULL);
    cr_assert(r->status == 200 || r->status == 201, "%d %s", r->status, r->body);
    h_resp_free(r);
    it_comment_new(w.s, &w.mem2, pid, "una", 0);

    static const char *const readers[] = {"fr", "es", "de"};
    struct it_user *who[] = {&w.mem, &w.fac, NULL};
    for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
        for (size_t k = 0; k < sizeof who / sizeof who[0]; k++) {
            snprintf(path, sizeof path, "/api/v1/proposals/%lld?lang=%s", (long long)pid,
                     readers[i]);
            struct h_resp *plain = it_req(w.s, "GET", path, who[k], NULL);
            cr_assert_eq(plain->status, 200, "%s", plain->body);
            snprintf(path, sizeof path, "/api/v1/proposals/%lld?lang=%s&comments=5", (long long)pid,
                     readers[i]);
            struct h_resp *page = it_req(w.s, "GET", path, who[k], NULL);
            cr_assert_eq(page->status, 200, "%s", page->body);
            size_t n = strlen(plain->body);
            cr_assert_gt(n, 2);
            cr_expect_eq(memcmp(page->body, plain->body, n - 1), 0, "%s\n%s", plain->body,
                         page->body);
            cr_expect_eq(strncmp(page->body + n - 1, ",\"comments\":{", 13), 0, "%s", page->body);
            h_resp_free(plain);
            h_resp_free(page);
        }
    }
}

/* A writer's scope is kept between comment writes (api_comments.c, "the
 * writers' scope cache"): every change to what allowed the last write —
 * made by SQL, as another pnyxd would, so nothing in this process hears of
 * it — must decide the next write as if nothing were kept. */
Test(comments, kept_scopes_never_outlive_the_state_they_were_read_in)
{
    struct world w = world_new("members");
    char aid[24], acct[24], pid[24];
    snprintf(aid, sizeof aid, "%lld", (long long)w.aid);
    snprintf(acct, sizeof acct, "%lld", (long long)w.mem.id);
    snprintf(pid, sizeof pid, "%lld", (long long)w.pid);
    const char *pm[3] = {aid, acct, NULL};
    const char *pp[2] = {pid, NULL};
    static const struct {
        const char *sql; /* $1 aid, $2 account / $1 pid, $2 value */
        bool member_row;
        const char *set, *undo;
        int want;
        const char *problem;
    } cases[] = {
        {"UPDATE memberships SET status = $3 WHERE assembly_id = $1 AND account_id = $2", true,
         "suspended", "active", 403, NULL},
        {"UPDATE memberships SET role = $3 WHERE assembly_id = $1 AND account_id = $2", true,
         "observer", "member", 403, NULL},
        {"UPDATE proposals SET status = $2 WHERE id = $1", false, "adopted", "deliberation", 409,
         "comments-closed"},
        {"UPDATE proposals SET status = $2 WHERE id = $1", false, "withdrawn", "deliberation", 409,
         "comments-closed"},
        /* still open, but not the status the scope was read in: the guard
         * sends the write through the locked path, which allows it */
        {"UPDATE proposals SET status = $2 WHERE id = $1", false, "ballot", "deliberation", 201,
         NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct h_resp *r = it_comment_post(w.s, &w.mem, w.pid, "kept", "en", 0);
        cr_assert_eq(r->status, 201, "case %zu: %s", i, r->body);
        h_resp_free(r);
        r = it_comment_post(w.s, &w.mem, w.pid, "kept again", "en", 0);
        cr_assert_eq(r->status, 201, "case %zu: %s", i, r->body);
        h_resp_free(r);
        if (cases[i].member_row) {
            pm[2] = cases[i].set;
            free(it_sql(cases[i].sql, 3, pm));
        } else {
            pp[1] = cases[i].set;
            free(it_sql(cases[i].sql, 2, pp));
        }
        for (int k = 0; k < 2; k++) {
            r = it_comment_post(w.s, &w.mem, w.pid, "after the change", "en", 0);
            cr_expect_eq(r->status, cases[i].want, "case %zu try %d: %s", i, k, r->body);
            if (cases[i].problem != NULL) {
                cr_expect_str_eq(it_problem(r), cases[i].problem, "case %zu", i);
            }
            h_resp_free(r);
        }
        if (cases[i].member_row) {
            pm[2] = cases[i].undo;
            free(it_sql(cases[i].sql, 3, pm));
        } else {
            pp[1] = cases[i].undo;
            free(it_sql(cases[i].sql, 2, pp));
        }
        /* Allowed again: allowed at once (a refusal is never kept). */
        r = it_comment_post(w.s, &w.mem, w.pid, "back", "en", 0);
        cr_expect_eq(r->status, 201, "case %zu: %s", i, r->body);
        h_resp_free(r);
    }
}
