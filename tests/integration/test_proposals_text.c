/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_proposals_text.c — proposals across languages and at scale:
 * human translations (one current per version and language, history
 * kept, outdated after a new version), review by a second member, the
 * reader's fallback order (exact language, its primary subtag, the
 * account's languages in order, the original), full-text search with
 * stemming in English, French and Spanish and ranked, keyset paging of
 * every sort, and 200 concurrent endorsements counted exactly.
 */
#include <pthread.h>

#include "proposal_util.h"

static struct h_resp *translate(struct h_server *s, const struct it_user *u, int64_t pid,
                                const char *lang, const char *title, const char *body)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "language", lang, "title", title, "body", body,
                          "source", "human");
    struct h_resp *r =
        it_req(s, "POST", pp("/api/v1/proposals/%lld/translations", (long long)pid), u, b);
    json_decref(b);
    return r;
}

static void translate_ok(struct h_server *s, const struct it_user *u, int64_t pid, const char *lang,
                         const char *title)
{
    struct h_resp *r = translate(s, u, pid, lang, title, "body");
    cr_assert_eq(r->status, 201, "%s", r->body);
    h_resp_free(r);
}

Test(proposals_text, translations_history_outdated_and_review)
{
    struct pu_world w = pu_world_new();
    int64_t pid = pu_create(w.s, &w.author, w.aid, "Presupuesto", "Texto", "es");
    struct h_resp *r = translate(w.s, &w.other, pid, "es", "Same language", "x");
    cr_expect_eq(r->status, 422, "a translation into the original's language");
    h_resp_free(r);
    r = translate(w.s, &w.obs, pid, "en", "Budget", "Text");
    cr_expect_eq(r->status, 403, "observers do not translate");
    h_resp_free(r);
    r = translate(w.s, &w.other, pid, "en", "Budget", "Text");
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_expect_str_eq(jstr(r->json, "source"), "human");
    cr_expect_eq(jint(r->json, "translated_by"), w.other.id);
    cr_expect(json_is_false(jget(r->json, "reviewed")));
    h_resp_free(r);
    /* A newer one for the same version and language replaces it. */
    r = translate(w.s, &w.fac, pid, "en", "The budget", "The text");
    cr_assert_eq(r->status, 201, "%s", r->body);
    h_resp_free(r);
    r = pu_get(w.s, pp("/api/v1/proposals/%lld/translations", (long long)pid), NULL, NULL);
    json_t *items = jget(r->json, "items");
    cr_assert_eq(json_array_size(items), 2, "history kept: %s", r->body);
    cr_expect(json_is_false(jget(json_array_get(items, 0), "current")));
    cr_expect(json_is_true(jget(json_array_get(items, 1), "current")));
    cr_expect_str_eq(jstr(json_array_get(items, 0), "title"), "Budget");
    h_resp_free(r);
    r = pu_get(w.s, pp("/api/v1/proposals/%lld?lang=en", (long long)pid), NULL, NULL);
    cr_expect_str_eq(jstr(r->json, "title"), "The budget");
    cr_expect_str_eq(jstr(r->json, "language"), "en");
    cr_expect_str_eq(jstr(r->json, "original_language"), "es");
    cr_expect_str_eq(jstr(r->json, "translation.source"), "human");
    cr_expect(json_is_false(jget(r->json, "translation.outdated")));
    cr_expect_eq(json_array_size(jget(r->json, "languages")), 2);
    h_resp_free(r);

    /* Review: not by the translator; by a second member, who and when. */
    const char *review = pp("/api/v1/proposals/%lld/translations/en/review", (long long)pid);
    r = it_req(w.s, "POST", review, &w.fac, NULL);
    cr_expect_eq(r->status, 403);
    cr_expect_str_eq(it_problem(r), "own-translation");
    h_resp_free(r);
    r = it_req(w.s, "POST", review, &w.author, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect(json_is_true(jget(r->json, "reviewed")));
    cr_expect_eq(jint(r->json, "reviewed_by"), w.author.id);
    cr_expect(json_is_string(jget(r->json, "reviewed_at")));
    h_resp_free(r);
    cr_expect_eq(it_status(w.s, "POST",
                           pp("/api/v1/proposals/%lld/translations/de/review", (long long)pid),
                           &w.author, NULL),
                 404);
    json_t *e = pu_audit(w.s, w.aid, "proposal.translated");
    cr_expect_eq(json_array_size(e), 2);
    cr_expect(json_is_string(jget(json_array_get(e, 0), "data.text_sha256")));
    json_decref(e);
    e = pu_audit(w.s, w.aid, "proposal.translation_reviewed");
    cr_expect_eq(json_array_size(e), 1);
    json_decref(e);

    /* A new version: the translation stands, marked outdated, until one
     * of the new version exists. */
    h_resp_free(pu_patch(w.s, &w.author, pid, "{\"body\": \"Texto nuevo\"}"));
    r = pu_get(w.s, pp("/api/v1/proposals/%lld?lang=en", (long long)pid), NULL, NULL);
    cr_expect_str_eq(jstr(r->json, "title"), "The budget");
    cr_expect(json_is_true(jget(r->json, "translation.outdated")));
    cr_expect_eq(jint(r->json, "translation.of_version"), 1);
    cr_expect_eq(jint(r->json, "version"), 2);
    cr_expect_eq(json_array_size(jget(r->json, "languages")), 1, "only the original is current");
    h_resp_free(r);
    translate_ok(w.s, &w.other, pid, "en", "Budget v2");
    r = pu_get(w.s, pp("/api/v1/proposals/%lld?lang=en", (long long)pid), NULL, NULL);
    cr_expect_str_eq(jstr(r->json, "title"), "Budget v2");
    cr_expect(json_is_false(jget(r->json, "translation.outdated")));
    cr_expect(json_is_false(jget(r->json, "translation.reviewed")));
    h_resp_free(r);
}

/* The language a reader u gets with header / query. */
static void reads_in(struct pu_world *w, int64_t pid, const struct it_user *u, const char *query,
                     const char *header, const char *want_lang, const char *want_title)
{
    struct h_resp *r =
        pu_get(w->s, pp("/api/v1/proposals/%lld%s", (long long)pid, query), u, header);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_str_eq(jstr(r->json, "language"), want_lang, "%s %s", query, header ? header : "");
    cr_expect_str_eq(jstr(r->json, "title"), want_title, "%s %s", query, header ? header : "");
    h_resp_free(r);
}

Test(proposals_text, fallback_order)
{
    struct pu_world w = pu_world_new();
    int64_t pid = pu_create(w.s, &w.author, w.aid, "Original (es)", "Texto", "es");
    translate_ok(w.s, &w.other, pid, "en", "English");
    translate_ok(w.s, &w.other, pid, "en-GB", "British");
    translate_ok(w.s, &w.other, pid, "fr", "Français");
    translate_ok(w.s, &w.other, pid, "de", "Deutsch");
    /* A reader whose account reads Italian (none), then French. */
    struct it_user reader = pu_user(w.s, "CH", "[\"it\", \"fr\", \"de\"]");
    /* 1. the exact language */
    reads_in(&w, pid, NULL, "?lang=en-GB", NULL, "en-GB", "British");
    reads_in(&w, pid, NULL, "?lang=de", NULL, "de", "Deutsch");
    /* 2. its primary subtag */
    reads_in(&w, pid, NULL, "?lang=en-US", NULL, "en", "English");
    /* 3. the account's languages in order (it: none, so fr before de) */
    reads_in(&w, pid, &reader, "?lang=pt-BR", NULL, "fr", "Français");
    reads_in(&w, pid, &reader, "", "Accept-Language: pt-BR, pt;q=0.9", "fr", "Français");
    /* 4. the original when nothing matches, or when the original comes
     * first */
    reads_in(&w, pid, NULL, "?lang=pt", NULL, "es", "Original (es)");
    reads_in(&w, pid, NULL, "", NULL, "es", "Original (es)");
    reads_in(&w, pid, NULL, "?lang=es-MX", NULL, "es", "Original (es)");
    reads_in(&w, pid, &reader, "?lang=es", NULL, "es", "Original (es)");
    /* Accept-Language by q, not by position; ?lang= wins over it. */
    reads_in(&w, pid, NULL, "", "Accept-Language: fr;q=0.5, de;q=0.8", "de", "Deutsch");
    reads_in(&w, pid, NULL, "", "Accept-Language: xx-!!, en-GB;q=0.1", "en-GB", "British");
    reads_in(&w, pid, NULL, "?lang=fr", "Accept-Language: de", "fr", "Français");
    /* The parser comments share: "*", q=0 and a malformed weight are
     * skipped; a regional tag is tried before its primary subtag. */
    reads_in(&w, pid, NULL, "", "Accept-Language: *, fr;q=0, de;q=x, en-AU;q=0.3", "en", "English");
    reads_in(&w, pid, NULL, "", "Accept-Language: de;q=0.2, EN-gb;q=0.9", "en-GB", "British");
    cr_expect_eq(
        it_status(w.s, "GET", pp("/api/v1/proposals/%lld?lang=n%%20t", (long long)pid), NULL, NULL),
        400);
    /* The list shows each title in the reader's language too. */
    struct h_resp *r =
        pu_get(w.s, pp("/api/v1/assemblies/%lld/proposals?lang=fr", (long long)w.aid), NULL, NULL);
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "items"), 0), "title"), "Français");
    cr_expect_null(jget(json_array_get(jget(r->json, "items"), 0), "body"), "summaries: no body");
    h_resp_free(r);
}

/* The ids a search (or any list query) returns, in order, comma-separated. */
static void ids_of(struct pu_world *w, const char *query, char *out, size_t len)
{
    struct h_resp *r = pu_get(
        w->s, pp("/api/v1/assemblies/%lld/proposals%s", (long long)w->aid, query), NULL, NULL);
    cr_assert_eq(r->status, 200, "%s: %s", query, r->body);
    out[0] = '\0';
    size_t i;
    json_t *v;
    json_array_foreach(jget(r->json, "items"), i, v)
    {
        snprintf(out + strlen(out), len - strlen(out), "%s%lld", i ? "," : "", jint(v, "id"));
        if (strstr(query, "q=") != NULL) {
            cr_expect(json_is_number(jget(v, "rank")), "%s: rank", query);
        }
    }
    h_resp_free(r);
}

Test(proposals_text, search_stems_per_language_and_ranks)
{
    struct pu_world w = pu_world_new();
    int64_t en_title =
        pu_create(w.s, &w.author, w.aid, "Voting rights for residents", "All residents.", "en");
    int64_t en_body = pu_create(w.s, &w.author, w.aid, "Residents' council",
                                "A council discussing the voting age, among other things.", "en");
    int64_t fr = pu_create(w.s, &w.author, w.aid, "Une votation populaire",
                           "Organiser une votation chaque année.", "fr");
    int64_t es = pu_create(w.s, &w.author, w.aid, "Presupuesto participativo",
                           "Una votación abierta sobre el presupuesto.", "es");
    int64_t other = pu_create(w.s, &w.author, w.aid, "Bicycle lanes", "More lanes.", "en");
    (void)other;
    char got[256], want[256];
    /* English: "votes" finds "voting"; the title match ranks first. */
    ids_of(&w, "?q=votes", got, sizeof got);
    snprintf(want, sizeof want, "%lld,%lld", (long long)en_title, (long long)en_body);
    cr_expect_str_eq(got, want);
    /* French: "votations" finds "votation". */
    ids_of(&w, "?q=votations", got, sizeof got);
    snprintf(want, sizeof want, "%lld", (long long)fr);
    cr_expect_str_eq(got, want);
    /* Spanish: "votaciones" finds "votación". */
    ids_of(&w, "?q=votaciones", got, sizeof got);
    snprintf(want, sizeof want, "%lld", (long long)es);
    cr_expect_str_eq(got, want);
    ids_of(&w, "?q=nothing%20like%20this", got, sizeof got);
    cr_expect_str_eq(got, "");
    /* Operators, quotes, stop words only, other scripts: results, never
     * an error. */
    const char *odd[] = {"?q=it%27s%20%26%20%7C%20!%20(%20%3A*",
                         "?q=%22voting%20rights%22",
                         "?q=the%20and%20of",
                         "?q=%D8%AA%D8%B5%D9%88%D9%8A%D8%AA",
                         "?q=-voting",
                         "?q=%5C%27%27"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        ids_of(&w, odd[i], got, sizeof got);
    }
    ids_of(&w, "?q=%22voting%20rights%22", got, sizeof got);
    snprintf(want, sizeof want, "%lld", (long long)en_title);
    cr_expect_str_eq(got, want, "a phrase");
    /* A translation is searched too: the Spanish proposal in English. */
    translate_ok(w.s, &w.other, es, "en", "Participatory budgeting");
    ids_of(&w, "?q=budgets", got, sizeof got);
    snprintf(want, sizeof want, "%lld", (long long)es);
    cr_expect_str_eq(got, want);
    /* Paged by rank: one per page, the same order, no repeats. */
    struct h_resp *r = pu_get(
        w.s, pp("/api/v1/assemblies/%lld/proposals?q=votes&limit=1", (long long)w.aid), NULL, NULL);
    cr_assert_eq(json_array_size(jget(r->json, "items")), 1);
    cr_expect_eq(jint(json_array_get(jget(r->json, "items"), 0), "id"), en_title);
    char next[128];
    snprintf(next, sizeof next, "%s", jstr(r->json, "next"));
    h_resp_free(r);
    r = pu_get(
        w.s,
        pp("/api/v1/assemblies/%lld/proposals?q=votes&limit=1&after=%s", (long long)w.aid, next),
        NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_eq(jint(json_array_get(jget(r->json, "items"), 0), "id"), en_body);
    h_resp_free(r);
    cr_expect_eq(
        it_status(w.s, "GET",
                  pp("/api/v1/assemblies/%lld/proposals?q=votes&after=zz_1", (long long)w.aid),
                  NULL, NULL),
        400);
}

/* Walks every page of query with limit 1; returns the ids in order. */
static void walk_pages(struct pu_world *w, const char *query, char *out, size_t len)
{
    out[0] = '\0';
    char after[128] = "";
    for (int guard = 0; guard < 20; guard++) {
        struct h_resp *r = pu_get(w->s,
                                  pp("/api/v1/assemblies/%lld/proposals?limit=1%s%s%s",
                                     (long long)w->aid, query, after[0] ? "&after=" : "", after),
                                  NULL, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        json_t *items = jget(r->json, "items");
        if (json_array_size(items) == 1) {
            snprintf(out + strlen(out), len - strlen(out), "%s%lld", out[0] ? "," : "",
                     jint(json_array_get(items, 0), "id"));
        }
        json_t *next = jget(r->json, "next");
        if (!json_is_string(next)) {
            h_resp_free(r);
            return;
        }
        snprintf(after, sizeof after, "%s", json_string_value(next));
        h_resp_free(r);
    }
    cr_assert_fail("paging did not end");
}

Test(proposals_text, sorts_and_status_filter_keyset_paged)
{
    struct pu_world w = pu_world_new();
    int64_t p[4];
    for (int i = 0; i < 4; i++) {
        p[i] = pu_create(w.s, &w.author, w.aid, pp("Proposal %d", i), "text", "en");
        cr_expect_eq(pu_status(w.s, &w.author, p[i], "deliberation"), 200);
    }
    /* endorsements: p1 three, p3 two, p0 and p2 none (ties by newest) */
    const struct it_user *who[3] = {&w.other, &w.fac, &w.conv};
    for (int k = 0; k < 3; k++) {
        h_resp_free(it_req(w.s, "POST", pp("/api/v1/proposals/%lld/endorsements", (long long)p[1]),
                           who[k], NULL));
    }
    for (int k = 0; k < 2; k++) {
        h_resp_free(it_req(w.s, "POST", pp("/api/v1/proposals/%lld/endorsements", (long long)p[3]),
                           who[k], NULL));
    }
    cr_expect_eq(pu_status(w.s, &w.author, p[0], "withdrawn"), 200);
    char got[256], want[256];
    walk_pages(&w, "", got, sizeof got);
    snprintf(want, sizeof want, "%lld,%lld,%lld,%lld", (long long)p[3], (long long)p[2],
             (long long)p[1], (long long)p[0]);
    cr_expect_str_eq(got, want, "newest");
    walk_pages(&w, "&sort=endorsed", got, sizeof got);
    snprintf(want, sizeof want, "%lld,%lld,%lld,%lld", (long long)p[1], (long long)p[3],
             (long long)p[2], (long long)p[0]);
    cr_expect_str_eq(got, want, "endorsed");
    walk_pages(&w, "&sort=discussed", got, sizeof got);
    snprintf(want, sizeof want, "%lld,%lld,%lld,%lld", (long long)p[3], (long long)p[2],
             (long long)p[1], (long long)p[0]);
    cr_expect_str_eq(got, want, "discussed (no comments: newest first)");
    walk_pages(&w, "&sort=endorsed&status=deliberation", got, sizeof got);
    snprintf(want, sizeof want, "%lld,%lld,%lld", (long long)p[1], (long long)p[3],
             (long long)p[2]);
    cr_expect_str_eq(got, want, "status filter");
    walk_pages(&w, "&status=withdrawn", got, sizeof got);
    snprintf(want, sizeof want, "%lld", (long long)p[0]);
    cr_expect_str_eq(got, want);
    cr_expect_eq(it_status(w.s, "GET",
                           pp("/api/v1/assemblies/%lld/proposals?sort=loudest", (long long)w.aid),
                           NULL, NULL),
                 400);
    cr_expect_eq(it_status(w.s, "GET",
                           pp("/api/v1/assemblies/%lld/proposals?status=maybe", (long long)w.aid),
                           NULL, NULL),
                 400);
    cr_expect_eq(
        it_status(w.s, "GET",
                  pp("/api/v1/assemblies/%lld/proposals?sort=endorsed&after=5", (long long)w.aid),
                  NULL, NULL),
        400);
}

/* --- 200 members endorsing at once --------------------------------------------- */

#define CROWD     200
#define COUNTRIES 7
static const char *const crowd_country[COUNTRIES] = {"NG", "UA", "PE", "FR", "IN", "BR", "JP"};

struct endorser {
    struct h_server *s;
    struct it_user u;
    int64_t pid;
    long status;
    pthread_barrier_t *go;
};

static void *endorse_at_once(void *cls)
{
    struct endorser *e = cls;
    pthread_barrier_wait(e->go);
    struct h_resp *r = it_req(
        e->s, "POST", pp("/api/v1/proposals/%lld/endorsements", (long long)e->pid), &e->u, NULL);
    e->status = r->status;
    h_resp_free(r);
    return NULL;
}

Test(proposals_text, two_hundred_concurrent_endorsements_counted_exactly, .timeout = 300)
{
    struct pu_world w = pu_world_new();
    int64_t pid = pu_create(w.s, &w.author, w.aid, "Crowd", "text", "en");
    cr_assert_eq(pu_status(w.s, &w.author, pid, "deliberation"), 200);
    static struct endorser e[CROWD];
    pthread_t t[CROWD];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, CROWD);
    for (int i = 0; i < CROWD; i++) {
        e[i].s = w.s;
        e[i].u = pu_user(w.s, crowd_country[i % COUNTRIES], "[\"en\"]");
        pu_join(w.s, &e[i].u, w.aid);
        e[i].pid = pid;
        e[i].go = &go;
    }
    for (int i = 0; i < CROWD; i++) {
        cr_assert_eq(pthread_create(&t[i], NULL, endorse_at_once, &e[i]), 0);
    }
    int created = 0;
    for (int i = 0; i < CROWD; i++) {
        pthread_join(t[i], NULL);
        created += e[i].status == 201;
        cr_expect_eq(e[i].status, 201, "endorser %d: %ld", i, e[i].status);
    }
    pthread_barrier_destroy(&go);
    cr_expect_eq(created, CROWD);
    struct h_resp *r = pu_get(w.s, pp("/api/v1/proposals/%lld", (long long)pid), NULL, NULL);
    cr_expect_eq(jint(r->json, "endorsements.count"), CROWD);
    cr_expect_eq(jint(r->json, "endorsements.countries"), COUNTRIES);
    h_resp_free(r);
    json_t *entries = pu_audit(w.s, w.aid, "endorsement.added");
    cr_expect_eq(json_array_size(entries), CROWD);
    json_decref(entries);
    /* Withdrawing everyone from one country: one country fewer, exactly. */
    int left = 0;
    for (int i = 0; i < CROWD; i += COUNTRIES) {
        long st =
            it_status(w.s, "DELETE", pp("/api/v1/proposals/%lld/endorsements", (long long)pid),
                      &e[i].u, NULL);
        cr_expect_eq(st, 200);
        left++;
    }
    r = pu_get(w.s, pp("/api/v1/proposals/%lld", (long long)pid), NULL, NULL);
    cr_expect_eq(jint(r->json, "endorsements.count"), CROWD - left);
    cr_expect_eq(jint(r->json, "endorsements.countries"), COUNTRIES - 1);
    h_resp_free(r);
}

/* What is searched is the current version: a new version replaces the old
 * text in the index, a merged one too. */
Test(proposals_text, search_follows_the_current_version)
{
    struct pu_world w = pu_world_new();
    int64_t pid = pu_create(w.s, &w.author, w.aid, "Zebra crossings", "Safer streets.", "en");
    char got[64], want[64];
    snprintf(want, sizeof want, "%lld", (long long)pid);
    ids_of(&w, "?q=zebra", got, sizeof got);
    cr_expect_str_eq(got, want);
    h_resp_free(pu_patch(w.s, &w.author, pid, "{\"title\": \"Okapi crossings\"}"));
    ids_of(&w, "?q=zebra", got, sizeof got);
    cr_expect_str_eq(got, "", "the old title is no longer searched");
    ids_of(&w, "?q=okapi", got, sizeof got);
    cr_expect_str_eq(got, want);
    cr_expect_eq(pu_status(w.s, &w.author, pid, "deliberation"), 200);
    struct h_resp *r =
        pu_create_resp(w.s, &w.other, w.aid, "Giraffe crossings", "Taller signs.", "en", pid);
    int64_t am = it_int(r->json, "id");
    h_resp_free(r);
    cr_expect_eq(pu_status(w.s, &w.other, am, "deliberation"), 200);
    ids_of(&w, "?q=giraffe", got, sizeof got);
    cr_expect_str_eq(got, "", "amendments are listed under their parent only");
    cr_expect_eq(
        it_status(w.s, "POST", pp("/api/v1/proposals/%lld/merge", (long long)am), &w.fac, NULL),
        200);
    ids_of(&w, "?q=giraffe", got, sizeof got);
    cr_expect_str_eq(got, want, "the merged text is the parent's");
}
