/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_comment_pages.c — the proposal page (?comments=N) and the comment
 * list are written without a Jansson tree and kept in pnyxd's page cache
 * (api/api_comments.c, sql/011): a kept page must never outlive what it
 * shows. Each test reads a page (so it is kept), changes one thing a page
 * shows — through the API, and straight in SQL as another pnyxd or an
 * operator would, which no in-process invalidation could see — and reads
 * again: the change must be there. Pages with a hidden comment differ by
 * reader and must not be shared between readers.
 */
#include "comment_util.h"

struct world {
    struct h_server *s;
    struct it_user conv, fac, mem, mem2;
    int64_t aid, pid;
};

static struct world world_new(void)
{
    struct world w;
    memset(&w, 0, sizeof w);
    w.s = h_shared();
    w.conv = it_user_new(w.s, "FR");
    w.aid = it_assembly_new(w.s, &w.conv, "public", "invite");
    w.fac = it_member_new(w.s, &w.conv, w.aid, "facilitator", "active", "DE");
    w.mem = it_member_new(w.s, &w.conv, w.aid, "member", "active", "ES");
    w.mem2 = it_member_new(w.s, &w.conv, w.aid, "member", "active", "NG");
    /* Through the API: the page reads the proposal's text (a version). */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/proposals", (long long)w.aid);
    json_t *b = json_pack("{s:s, s:s, s:s}", "title", "Night trains", "body",
                          "Connect the capitals by night train.", "language", "en");
    struct h_resp *r = it_req(w.s, "POST", path, &w.conv, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    w.pid = it_int(r->json, "id");
    h_resp_free(r);
    return w;
}

/* GET path as u (NULL: anonymous); asserts 200; the response. */
static struct h_resp *get(struct world *w, const struct it_user *u, const char *path)
{
    struct h_resp *r = it_req(w->s, "GET", path, u, NULL);
    cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
    cr_assert_not_null(r->json, "%s: not JSON: %s", path, r->body);
    return r;
}

/* The proposal page's comments member, and the same page through the list,
 * read twice each (a miss that fills the cache, then a hit): all four must
 * say the same. Returns the items (new reference). */
static json_t *items(struct world *w, const struct it_user *u, const char *lang)
{
    char page[160], list[160];
    snprintf(page, sizeof page, "/api/v1/proposals/%lld?comments=20&lang=%s", (long long)w->pid,
             lang);
    snprintf(list, sizeof list, "/api/v1/proposals/%lld/comments?limit=20&lang=%s",
             (long long)w->pid, lang);
    struct h_resp *p1 = get(w, u, page), *p2 = get(w, u, page);
    struct h_resp *l1 = get(w, u, list), *l2 = get(w, u, list);
    cr_expect_str_eq(p1->body, p2->body, "the kept page differs from the queried one");
    cr_expect_str_eq(l1->body, l2->body);
    char *embedded = json_dumps(json_object_get(p1->json, "comments"), JSON_COMPACT);
    cr_expect_str_eq(embedded, l1->body, "the page embeds the list's bytes");
    free(embedded);
    /* The proposal's own members come first, the comments last. */
    cr_expect_eq(strncmp(p1->body, "{\"id\":", 6), 0, "%.40s", p1->body);
    cr_expect_not_null(strstr(p1->body, ",\"comments\":{\"items\":["));
    json_t *it = json_incref(json_object_get(l1->json, "items"));
    h_resp_free(p1);
    h_resp_free(p2);
    h_resp_free(l1);
    h_resp_free(l2);
    return it;
}

static json_t *item_of(json_t *its, int64_t cid)
{
    size_t i;
    json_t *it;
    json_array_foreach(its, i, it)
    {
        if (it_int(it, "id") == cid) {
            return it;
        }
    }
    return NULL;
}

static const char *field(json_t *its, int64_t cid, const char *key)
{
    json_t *it = item_of(its, cid);
    cr_assert_not_null(it, "comment %lld not on the page", (long long)cid);
    return json_string_value(json_object_get(it, key));
}

static void sql1(const char *sql, int64_t v)
{
    char a[24];
    snprintf(a, sizeof a, "%lld", (long long)v);
    const char *p[1] = {a};
    free(it_sql(sql, 1, p));
}

Test(comment_pages, api_changes_show_on_the_next_read)
{
    struct world w = world_new();
    int64_t a = it_comment_new(w.s, &w.mem, w.pid, "first", 0);
    json_t *its = items(&w, NULL, "fr");
    cr_expect_eq(json_array_size(its), 1);
    json_decref(its);

    /* A new comment (and a reply) */
    int64_t b = it_comment_new(w.s, &w.mem2, w.pid, "second", 0);
    int64_t a1 = it_comment_new(w.s, &w.fac, w.pid, "reply", a);
    its = items(&w, NULL, "fr");
    cr_expect_eq(json_array_size(its), 3);
    cr_expect_eq(it_int(json_array_get(its, 1), "id"), a1, "thread order");
    json_decref(its);

    /* An edit */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/comments/%lld", (long long)b);
    json_t *body = json_pack("{s:s}", "body", "second, edited");
    cr_expect_eq(it_status(w.s, "PATCH", path, &w.mem2, body), 200);
    json_decref(body);
    its = items(&w, NULL, "fr");
    cr_expect_str_eq(field(its, b, "body"), "second, edited");
    json_decref(its);

    /* A human translation, then its review */
    cr_expect_eq(it_comment_translate(w.s, &w.fac, a, "fr", "premier", "human"), 201);
    its = items(&w, NULL, "fr");
    cr_expect_str_eq(field(its, a, "body"), "premier");
    cr_expect_str_eq(field(its, a, "language"), "fr");
    json_t *label = json_object_get(item_of(its, a), "translation");
    cr_expect(json_is_false(json_object_get(label, "reviewed")));
    json_decref(its);
    its = items(&w, NULL, "en"); /* another reader's languages: another page */
    cr_expect_str_eq(field(its, a, "body"), "first");
    json_decref(its);
    snprintf(path, sizeof path, "/api/v1/comments/%lld/translations/fr/review", (long long)a);
    cr_expect_eq(it_status(w.s, "POST", path, &w.mem2, NULL), 200);
    its = items(&w, NULL, "fr");
    label = json_object_get(item_of(its, a), "translation");
    cr_expect(json_is_true(json_object_get(label, "reviewed")), "the review shows");
    json_decref(its);

    /* A deletion leaves a tombstone */
    snprintf(path, sizeof path, "/api/v1/comments/%lld", (long long)a1);
    cr_expect_eq(it_status(w.s, "DELETE", path, &w.fac, NULL), 200);
    its = items(&w, NULL, "fr");
    cr_expect_str_eq(field(its, a1, "status"), "deleted");
    cr_expect_null(field(its, a1, "body"));
    json_decref(its);
}

/* What another pnyxd (or an operator) changes in the database: the kept
 * page is checked against the database's revision, not against what this
 * process saw. */
Test(comment_pages, database_changes_by_others_show_too)
{
    struct world w = world_new();
    int64_t a = it_comment_new(w.s, &w.mem, w.pid, "original text", 0);
    json_t *its = items(&w, NULL, "es");
    cr_expect_str_eq(field(its, a, "body"), "original text");
    json_decref(its);

    sql1("UPDATE comments SET body = 'changed elsewhere', version = version + 1 WHERE id = $1", a);
    its = items(&w, NULL, "es");
    cr_expect_str_eq(field(its, a, "body"), "changed elsewhere");
    cr_expect(json_is_true(json_object_get(item_of(its, a), "edited")));
    json_decref(its);

    /* A machine translation stored by a worker of another pnyxd */
    sql1("INSERT INTO comment_translations (comment_id, version, language, body, source, "
         "translator) SELECT id, version, 'es', 'traducido', 'machine', 'apertium' FROM comments "
         "WHERE id = $1",
         a);
    its = items(&w, NULL, "es");
    cr_expect_str_eq(field(its, a, "body"), "traducido");
    json_decref(its);

    /* The author's display name and country, shown on every comment */
    sql1("UPDATE accounts SET display_name = 'Renamed Author', country = 'PT' WHERE id = $1",
         w.mem.id);
    its = items(&w, NULL, "es");
    json_t *author = json_object_get(item_of(its, a), "author");
    cr_expect_str_eq(json_string_value(json_object_get(author, "display_name")), "Renamed Author");
    cr_expect_str_eq(json_string_value(json_object_get(author, "country")), "PT");
    json_decref(its);

    /* A comment inserted as the loader does (count and path, no API) */
    sql1("WITH n AS (SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS id), "
         "i AS (INSERT INTO comments (id, assembly_id, proposal_id, path, author_id, language, "
         "body) SELECT n.id, p.assembly_id, p.id, int8send(n.id), p.author_id, 'en', 'loaded' "
         "FROM n, proposals p WHERE p.id = $1) "
         "UPDATE proposals SET comment_count = comment_count + 1 WHERE id = $1",
         w.pid);
    its = items(&w, NULL, "es");
    cr_expect_eq(json_array_size(its), 2);
    json_decref(its);
}

/* A hidden comment's text shows to its author and the managers only: a
 * page holding one is never shared between readers. */
Test(comment_pages, hidden_text_is_never_served_to_other_readers)
{
    struct world w = world_new();
    int64_t a = it_comment_new(w.s, &w.mem, w.pid, "to be hidden", 0);
    it_comment_new(w.s, &w.mem2, w.pid, "stays", 0);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/comments/%lld/hide", (long long)a);
    json_t *body = json_pack("{s:s}", "reason", "off topic");
    cr_expect_eq(it_status(w.s, "POST", path, &w.fac, body), 200);
    json_decref(body);
    for (int round = 0; round < 2; round++) {
        json_t *its = items(&w, &w.mem, "en"); /* the author first */
        cr_expect_str_eq(field(its, a, "body"), "to be hidden");
        json_decref(its);
        its = items(&w, NULL, "en");
        cr_expect_null(field(its, a, "body"), "anonymous readers never get the text");
        cr_expect_str_eq(field(its, a, "hidden_reason"), "off topic");
        json_decref(its);
        its = items(&w, &w.mem2, "en");
        cr_expect_null(field(its, a, "body"));
        json_decref(its);
        its = items(&w, &w.fac, "en");
        cr_expect_str_eq(field(its, a, "body"), "to be hidden", "managers read it");
        json_decref(its);
    }
}

/* GET path with If-None-Match inm (NULL: none) as u (NULL: anonymous). */
static struct h_resp *get_inm(struct world *w, const struct it_user *u, const char *path,
                              const char *inm)
{
    char auth[128], cond[400];
    const char *hdr[3];
    int n = 0;
    if (u != NULL) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", u->token);
        hdr[n++] = auth;
    }
    if (inm != NULL) {
        snprintf(cond, sizeof cond, "If-None-Match: %s", inm);
        hdr[n++] = cond;
    }
    hdr[n] = NULL;
    return h_request(w->s, "GET", path, NULL, hdr);
}

/* The page's strong ETag: 304 (no body) while nothing it shows changed,
 * for the same reader; a change, or another reader's standing, gives
 * another ETag (the reader then gets the whole page). */
Test(comment_pages, etag_and_304_follow_the_bytes)
{
    struct world w = world_new();
    it_comment_new(w.s, &w.mem, w.pid, "one", 0);
    char paths[2][160];
    snprintf(paths[0], sizeof paths[0], "/api/v1/proposals/%lld?comments=10", (long long)w.pid);
    snprintf(paths[1], sizeof paths[1], "/api/v1/proposals/%lld/comments?limit=10",
             (long long)w.pid);
    for (int k = 0; k < 2; k++) {
        const char *path = paths[k];
        struct h_resp *r = get_inm(&w, NULL, path, NULL);
        cr_assert_eq(r->status, 200);
        char etag[128];
        snprintf(etag, sizeof etag, "%s", h_header(r, "ETag"));
        cr_assert_eq(etag[0], '"', "strong ETag expected: %s", etag);
        cr_expect_str_eq(h_header(r, "Cache-Control"), "private, no-cache");
        h_resp_free(r);

        r = get_inm(&w, NULL, path, etag);
        cr_expect_eq(r->status, 304, "%s", path);
        cr_expect_eq(r->body_len, 0);
        cr_expect_str_eq(h_header(r, "ETag"), etag);
        h_resp_free(r);
        char list[300];
        snprintf(list, sizeof list, "\"other\", W/%s", etag);
        r = get_inm(&w, NULL, path, list);
        cr_expect_eq(r->status, 304, "a list naming it");
        h_resp_free(r);

        /* Another reader: the proposal part holds the standing. */
        if (k == 0) {
            r = get_inm(&w, &w.conv, path, etag);
            cr_expect_eq(r->status, 200, "the convener's page is not the anonymous one");
            cr_expect_str_neq(h_header(r, "ETag"), etag);
            h_resp_free(r);
        }
    }
    /* A change: both ETags move, and the whole page comes back. */
    struct h_resp *r0 = get_inm(&w, NULL, paths[0], NULL);
    char etag0[128];
    snprintf(etag0, sizeof etag0, "%s", h_header(r0, "ETag"));
    h_resp_free(r0);
    it_comment_new(w.s, &w.mem2, w.pid, "two", 0);
    struct h_resp *r = get_inm(&w, NULL, paths[0], etag0);
    cr_expect_eq(r->status, 200);
    cr_expect_str_neq(h_header(r, "ETag"), etag0);
    cr_expect_not_null(strstr(r->body, "\"two\""));
    h_resp_free(r);
}

/* --- the whole page kept (api/page_cache.c) -------------------------------------- */

/* The proposal page as u (NULL: anonymous) reads it with ?lang=lang (NULL:
 * none: the account's languages decide), read twice: the first read keeps
 * the page, the second is answered from it after the key check; both must
 * give the same bytes and ETag. Returns the page (new reference). */
static json_t *whole(struct world *w, const struct it_user *u, const char *lang)
{
    char page[160];
    snprintf(page, sizeof page, "/api/v1/proposals/%lld?comments=20%s%s", (long long)w->pid,
             lang != NULL ? "&lang=" : "", lang != NULL ? lang : "");
    struct h_resp *p1 = get(w, u, page), *p2 = get(w, u, page);
    cr_expect_str_eq(p1->body, p2->body, "the kept page differs from the built one");
    cr_expect_str_eq(h_header(p1, "ETag"), h_header(p2, "ETag"));
    json_t *j = json_incref(p2->json);
    h_resp_free(p1);
    h_resp_free(p2);
    return j;
}

static const char *jstr_at(json_t *j, const char *k1, const char *k2)
{
    json_t *v = json_object_get(j, k1);
    if (k2 != NULL) {
        v = json_object_get(v, k2);
    }
    return json_string_value(v);
}

static json_int_t jint_at(json_t *j, const char *k1, const char *k2)
{
    json_t *v = json_object_get(j, k1);
    if (k2 != NULL) {
        v = json_object_get(v, k2);
    }
    return json_integer_value(v);
}

static bool jtrue_at(json_t *j, const char *k1, const char *k2)
{
    return json_is_true(json_object_get(json_object_get(j, k1), k2));
}

static void api_ok(struct world *w, const char *method, const char *path, const struct it_user *u,
                   json_t *body, long want)
{
    struct h_resp *r = it_req(w->s, method, path, u, body);
    json_decref(body);
    cr_assert_eq(r->status, want, "%s %s: %ld %s", method, path, r->status, r->body);
    h_resp_free(r);
}

/* Everything the proposal part shows, changed through the API: the next
 * read of a kept page shows it. */
Test(comment_pages, whole_page_follows_api_changes)
{
    struct world w = world_new();
    it_comment_new(w.s, &w.mem, w.pid, "a comment", 0);
    char path[128], tpath[128], epath[128];
    snprintf(path, sizeof path, "/api/v1/proposals/%lld", (long long)w.pid);
    snprintf(tpath, sizeof tpath, "/api/v1/proposals/%lld/translations", (long long)w.pid);
    snprintf(epath, sizeof epath, "/api/v1/proposals/%lld/endorsements", (long long)w.pid);
    json_t *pg = whole(&w, NULL, "fr");
    cr_expect_str_eq(jstr_at(pg, "title", NULL), "Night trains");
    cr_expect_str_eq(jstr_at(pg, "status", NULL), "draft");
    json_decref(pg);

    /* a new version */
    api_ok(&w, "PATCH", path, &w.conv,
           json_pack("{s:s, s:s}", "title", "Night trains v2", "body", "By night."), 200);
    pg = whole(&w, NULL, "fr");
    cr_expect_str_eq(jstr_at(pg, "title", NULL), "Night trains v2");
    cr_expect_eq(jint_at(pg, "version", NULL), 2);
    json_decref(pg);

    /* a translation of it, then its review */
    api_ok(&w, "POST", tpath, &w.fac,
           json_pack("{s:s, s:s, s:s, s:s}", "language", "fr", "title", "Trains de nuit", "body",
                     "De nuit.", "source", "human"),
           201);
    pg = whole(&w, NULL, "fr");
    cr_expect_str_eq(jstr_at(pg, "title", NULL), "Trains de nuit");
    cr_expect(!jtrue_at(pg, "translation", "reviewed"));
    json_decref(pg);
    pg = whole(&w, NULL, "en");
    cr_expect_str_eq(jstr_at(pg, "title", NULL), "Night trains v2", "another reader's page");
    json_decref(pg);
    char rpath[160];
    snprintf(rpath, sizeof rpath, "/api/v1/proposals/%lld/translations/fr/review",
             (long long)w.pid);
    api_ok(&w, "POST", rpath, &w.mem, NULL, 200);
    pg = whole(&w, NULL, "fr");
    cr_expect(jtrue_at(pg, "translation", "reviewed"), "the review shows");
    json_decref(pg);

    /* the lifecycle */
    api_ok(&w, "PATCH", path, &w.conv, json_pack("{s:s}", "status", "deliberation"), 200);
    pg = whole(&w, NULL, "fr");
    cr_expect_str_eq(jstr_at(pg, "status", NULL), "deliberation");
    json_decref(pg);

    /* an endorsement: the count for all, "mine" for its author only */
    json_t *mine = whole(&w, &w.mem, "fr");
    cr_expect(!jtrue_at(mine, "endorsements", "mine"));
    json_decref(mine);
    api_ok(&w, "POST", epath, &w.mem, NULL, 201);
    pg = whole(&w, NULL, "fr");
    cr_expect_eq(jint_at(pg, "endorsements", "count"), 1);
    cr_expect(!jtrue_at(pg, "endorsements", "mine"));
    json_decref(pg);
    mine = whole(&w, &w.mem, "fr");
    cr_expect_eq(jint_at(mine, "endorsements", "count"), 1);
    cr_expect(jtrue_at(mine, "endorsements", "mine"));
    json_decref(mine);
    mine = whole(&w, &w.mem2, "fr");
    cr_expect(!jtrue_at(mine, "endorsements", "mine"), "another viewer's page");
    json_decref(mine);
}

/* The same rows changed straight in SQL (another pnyxd, an operator):
 * no in-process invalidation sees them; the page key does. */
Test(comment_pages, whole_page_follows_database_changes)
{
    struct world w = world_new();
    it_comment_new(w.s, &w.mem, w.pid, "a comment", 0);
    json_t *pg = whole(&w, NULL, "es");
    json_decref(pg);

    sql1("UPDATE proposal_versions SET title = 'Changed in SQL' WHERE proposal_id = $1", w.pid);
    pg = whole(&w, NULL, "es");
    cr_expect_str_eq(jstr_at(pg, "title", NULL), "Changed in SQL");
    json_decref(pg);

    sql1("UPDATE accounts SET display_name = 'Renamed Convener' WHERE id = $1", w.conv.id);
    pg = whole(&w, NULL, "es");
    cr_expect_str_eq(jstr_at(pg, "author", "display_name"), "Renamed Convener");
    json_decref(pg);

    sql1("UPDATE assemblies SET advancement_min_endorsements = 3, advancement_min_countries = 2 "
         "WHERE id = $1",
         w.aid);
    pg = whole(&w, NULL, "es");
    cr_expect_eq(jint_at(json_object_get(pg, "endorsements"), "missing", "endorsements"), 3);
    json_decref(pg);

    sql1("INSERT INTO proposal_translations (assembly_id, proposal_id, version, language, title, "
         "body, source, translator) SELECT assembly_id, id, current_version, 'es', 'Trenes "
         "nocturnos', 'De noche.', 'machine', 'apertium' FROM proposals WHERE id = $1",
         w.pid);
    pg = whole(&w, NULL, "es");
    cr_expect_str_eq(jstr_at(pg, "title", NULL), "Trenes nocturnos");
    cr_expect_str_eq(jstr_at(pg, "translation", "source"), "machine");
    json_decref(pg);

    sql1("UPDATE proposal_translations SET title = 'Trenes de noche' WHERE proposal_id = $1",
         w.pid);
    pg = whole(&w, NULL, "es");
    cr_expect_str_eq(jstr_at(pg, "title", NULL), "Trenes de noche");
    json_decref(pg);

    sql1("DELETE FROM proposal_translations WHERE proposal_id = $1", w.pid);
    pg = whole(&w, NULL, "es");
    cr_expect_str_eq(jstr_at(pg, "title", NULL), "Changed in SQL", "the deletion shows");
    json_decref(pg);

    /* the viewer's own rows: languages (no ?lang=), endorsement, standing */
    sql1("INSERT INTO proposal_translations (assembly_id, proposal_id, version, language, title, "
         "body, source) SELECT assembly_id, id, current_version, 'fr', 'Trains de nuit', "
         "'De nuit.', 'human' FROM proposals WHERE id = $1",
         w.pid);
    json_t *mine = whole(&w, &w.mem, NULL);
    const char *before = jstr_at(mine, "language", NULL);
    cr_expect_str_neq(before, "fr");
    json_decref(mine);
    sql1("UPDATE accounts SET languages = '{fr}' WHERE id = $1", w.mem.id);
    mine = whole(&w, &w.mem, NULL);
    cr_expect_str_eq(jstr_at(mine, "language", NULL), "fr", "the viewer's languages");
    json_decref(mine);

    sql1("UPDATE proposals SET status = 'deliberation' WHERE id = $1", w.pid);
    char q[320];
    snprintf(q, sizeof q,
             "INSERT INTO endorsements (proposal_id, account_id, assembly_id, country, version) "
             "SELECT id, %lld, assembly_id, 'ES', current_version FROM proposals WHERE id = $1",
             (long long)w.mem.id);
    sql1(q, w.pid);
    const struct it_user *endorser = &w.mem, *other = &w.mem2;
    mine = whole(&w, endorser, "en");
    cr_expect(jtrue_at(mine, "endorsements", "mine"), "an endorsement written in SQL");
    json_decref(mine);
    mine = whole(&w, other, "en");
    cr_expect(!jtrue_at(mine, "endorsements", "mine"));
    json_decref(mine);

    /* the author's standing decides allowed_transitions */
    json_t *au = whole(&w, &w.conv, "en");
    size_t n_before = json_array_size(json_object_get(au, "allowed_transitions"));
    json_decref(au);
    sql1("UPDATE memberships SET status = 'suspended' WHERE account_id = $1", w.conv.id);
    au = whole(&w, &w.conv, "en");
    cr_expect_neq(json_array_size(json_object_get(au, "allowed_transitions")), n_before,
                  "a suspension changes what the author may do");
    json_decref(au);
}

/* Readers never get each other's page: the author's (allowed
 * transitions), a member's and an anonymous reader's, in turns. */
Test(comment_pages, whole_page_is_per_viewer)
{
    struct world w = world_new();
    it_comment_new(w.s, &w.mem, w.pid, "a comment", 0);
    char page[160];
    snprintf(page, sizeof page, "/api/v1/proposals/%lld?comments=20&lang=en", (long long)w.pid);
    struct h_resp *first[3] = {NULL, NULL, NULL};
    const struct it_user *who[3] = {NULL, &w.conv, &w.mem};
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 3; i++) {
            struct h_resp *r = get(&w, who[i], page);
            if (first[i] == NULL) {
                first[i] = r;
                continue;
            }
            cr_expect_str_eq(r->body, first[i]->body, "reader %d, round %d", i, round);
            h_resp_free(r);
        }
    }
    cr_expect_str_neq(first[0]->body, first[1]->body, "the author's page is their own");
    cr_expect_eq(json_array_size(json_object_get(first[0]->json, "allowed_transitions")), 0);
    cr_expect_gt(json_array_size(json_object_get(first[1]->json, "allowed_transitions")), 0);
    for (int i = 0; i < 3; i++) {
        h_resp_free(first[i]);
    }
}
