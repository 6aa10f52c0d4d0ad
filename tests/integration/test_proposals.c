/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_proposals.c — proposals over real HTTP and PostgreSQL: create and
 * read (limits, hostile text kept verbatim, the audit entry's SHA-256
 * instead of the text), versions (who, when), the status lifecycle (409
 * naming the allowed statuses, allowed_transitions per reader),
 * endorsements (one per member, withdrawable in deliberation), the
 * assembly's advancement rule and progress, amendments and their merge.
 * Translations, search and concurrency: test_proposals_text.c.
 */
#include <libpq-fe.h>

#include "proposal_util.h"

/* SHA-256 of title LF body, computed by PostgreSQL (an implementation
 * independent of pnyxd's). */
static void sha256_hex(const char *title, const char *body, char out[65])
{
    PGconn *c = PQconnectdb(h_db_url());
    cr_assert(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    const char *p[2] = {title, body};
    PGresult *res =
        PQexecParams(c, "SELECT encode(sha256(convert_to($1 || chr(10) || $2, 'UTF8')), 'hex')", 2,
                     NULL, p, NULL, NULL, 0);
    cr_assert(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    snprintf(out, 65, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(c);
}

Test(proposals, create_and_read_keep_hostile_text_verbatim)
{
    struct pu_world w = pu_world_new();
    /* HTML, a javascript: link, a bidi override (unbalanced, in the body
     * where it is allowed) and Markdown: stored and returned byte for byte;
     * rendering them inert is the page's job. */
    const char *title = "Open <b>budgets</b> \xE2\x80\xAE"
                        "balanced\xE2\x80\xAC";
    const char *body = "<script>alert(1)</script>\n\n[click](javascript:alert(1)) *emphasis*\n"
                       "> quote\n- item \xE2\x80\xAE"
                       "evil";
    struct h_resp *r = pu_create_resp(w.s, &w.author, w.aid, title, body, "es", 0);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t pid = it_int(r->json, "id");
    cr_expect_str_eq(jstr(r->json, "title"), title);
    cr_expect_str_eq(jstr(r->json, "body"), body);
    cr_expect_str_eq(jstr(r->json, "status"), "draft");
    cr_expect_str_eq(jstr(r->json, "language"), "es");
    cr_expect_str_eq(jstr(r->json, "original_language"), "es");
    cr_expect(json_is_null(jget(r->json, "translation")));
    cr_expect(json_is_null(jget(r->json, "amends")));
    cr_expect_eq(jint(r->json, "version"), 1);
    cr_expect_eq(jint(r->json, "versions"), 1);
    cr_expect_eq(jint(r->json, "author.id"), w.author.id);
    cr_expect_str_eq(jstr(r->json, "author.country"), "ES");
    h_resp_free(r);

    r = pu_get(w.s, pp("/api/v1/proposals/%lld", (long long)pid), NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_str_eq(jstr(r->json, "title"), title);
    cr_expect_str_eq(jstr(r->json, "body"), body);
    cr_expect_eq(json_array_size(jget(r->json, "allowed_transitions")), 0, "anonymous");
    h_resp_free(r);

    /* The entry carries the text's SHA-256 (title LF body), never the text. */
    json_t *entries = pu_audit(w.s, w.aid, "proposal.created");
    cr_assert_eq(json_array_size(entries), 1);
    json_t *e = json_array_get(entries, 0);
    char want[65];
    sha256_hex(title, body, want);
    cr_expect_str_eq(jstr(e, "data.text_sha256"), want);
    cr_expect_str_eq(jstr(e, "data.proposal"), pp("%lld", (long long)pid));
    char *dump = json_dumps(e, 0);
    cr_expect(strstr(dump, "script") == NULL && strstr(dump, "budgets") == NULL, "%s", dump);
    free(dump);
    json_decref(entries);
}

Test(proposals, limits_and_who_may_propose)
{
    struct pu_world w = pu_world_new();
    char *title = malloc(4 * 201 + 1), *body = malloc(4 * 20001 + 1);
    /* 201 code points of 4 bytes each: too long; 200: fine. */
    for (int i = 0; i < 201; i++) {
        memcpy(title + 4 * i, "\xF0\x9F\x97\xB3", 4);
    }
    title[4 * 201] = '\0';
    struct h_resp *r = pu_create_resp(w.s, &w.author, w.aid, title, "b", "en", 0);
    cr_expect_eq(r->status, 422, "%s", r->body);
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "fields"), 0), "code"), "too_long");
    h_resp_free(r);
    title[4 * 200] = '\0';
    /* 20,000 code points of 4 bytes (80 KB, over the default 64 KiB cap). */
    for (int i = 0; i < 20001; i++) {
        memcpy(body + 4 * i, "\xF0\x9F\x97\xB3", 4);
    }
    body[4 * 20001] = '\0';
    r = pu_create_resp(w.s, &w.author, w.aid, title, body, "en", 0);
    cr_expect_eq(r->status, 422, "%s", r->status == 422 ? "" : r->body);
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "fields"), 0), "field"), "body");
    h_resp_free(r);
    body[4 * 20000] = '\0';
    r = pu_create_resp(w.s, &w.author, w.aid, title, body, "en", 0);
    cr_expect_eq(r->status, 201, "%.300s", r->body);
    cr_expect_eq(strlen(jstr(r->json, "body")), 80000u);
    h_resp_free(r);
    free(title);
    free(body);

    r = pu_create_resp(w.s, &w.author, w.aid, "T", "b", "not a tag", 0);
    cr_expect_eq(r->status, 422);
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "fields"), 0), "code"), "format");
    h_resp_free(r);
    r = pu_create_resp(w.s, &w.obs, w.aid, "T", "b", "en", 0);
    cr_expect_eq(r->status, 403, "observers read only");
    h_resp_free(r);
    r = pu_create_resp(w.s, NULL, w.aid, "T", "b", "en", 0);
    cr_expect_eq(r->status, 401);
    h_resp_free(r);
    struct it_user outsider = pu_user(w.s, "NO", "[\"nb\"]");
    r = pu_create_resp(w.s, &outsider, w.aid, "T", "b", "en", 0);
    cr_expect_eq(r->status, 403);
    h_resp_free(r);
    cr_expect_eq(it_status(w.s, "GET", "/api/v1/proposals/999999999", NULL, NULL), 404);
}

Test(proposals, versions_by_author_or_facilitator_before_ballot)
{
    struct pu_world w = pu_world_new();
    int64_t pid = pu_create(w.s, &w.author, w.aid, "First", "Body one", "es");
    struct h_resp *r = pu_patch(w.s, &w.other, pid, "{\"body\": \"hijack\"}");
    cr_expect_eq(r->status, 403, "another member: %s", r->body);
    h_resp_free(r);
    r = pu_patch(w.s, &w.author, pid, "{\"body\": \"Body two\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_eq(jint(r->json, "version"), 2);
    cr_expect_str_eq(jstr(r->json, "title"), "First");
    cr_expect_str_eq(jstr(r->json, "body"), "Body two");
    h_resp_free(r);
    /* The same text again is no new version. */
    r = pu_patch(w.s, &w.author, pid, "{\"body\": \"Body two\"}");
    cr_expect_eq(jint(r->json, "version"), 2);
    h_resp_free(r);
    cr_expect_eq(pu_status(w.s, &w.author, pid, "deliberation"), 200);
    r = pu_patch(w.s, &w.fac, pid, "{\"title\": \"Second\"}");
    cr_assert_eq(r->status, 200, "facilitator: %s", r->body);
    cr_expect_eq(jint(r->json, "version"), 3);
    h_resp_free(r);

    r = pu_get(w.s, pp("/api/v1/proposals/%lld/versions", (long long)pid), NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    json_t *items = jget(r->json, "items");
    cr_assert_eq(json_array_size(items), 3);
    cr_expect_str_eq(jstr(json_array_get(items, 0), "body"), "Body one");
    cr_expect_str_eq(jstr(json_array_get(items, 1), "body"), "Body two");
    cr_expect_str_eq(jstr(json_array_get(items, 2), "title"), "Second");
    cr_expect_eq(jint(json_array_get(items, 2), "author.id"), w.fac.id);
    char want[65];
    sha256_hex("Second", "Body two", want);
    cr_expect_str_eq(jstr(json_array_get(items, 2), "text_sha256"), want);
    h_resp_free(r);
    /* Reading an older version. */
    r = pu_get(w.s, pp("/api/v1/proposals/%lld?version=1", (long long)pid), NULL, NULL);
    cr_expect_str_eq(jstr(r->json, "body"), "Body one");
    cr_expect_eq(jint(r->json, "versions"), 3);
    h_resp_free(r);
    cr_expect_eq(
        it_status(w.s, "GET", pp("/api/v1/proposals/%lld?version=9", (long long)pid), NULL, NULL),
        404);

    json_t *entries = pu_audit(w.s, w.aid, "proposal.versioned");
    cr_expect_eq(json_array_size(entries), 2);
    json_decref(entries);

    /* On the ballot the text is frozen: 409 naming where it is allowed. */
    cr_expect_eq(pu_status(w.s, &w.fac, pid, "ballot"), 200);
    r = pu_patch(w.s, &w.fac, pid, "{\"body\": \"late\"}");
    cr_expect_eq(r->status, 409, "%s", r->body);
    cr_expect_str_eq(it_problem(r), "proposal-state");
    cr_expect_eq(json_array_size(jget(r->json, "params.allowed")), 2);
    cr_expect_str_eq(json_string_value(json_array_get(jget(r->json, "params.allowed"), 0)),
                     "draft");
    h_resp_free(r);
}

/* The statuses a reader may set now, as a comma-separated list. */
static void allowed_of(struct pu_world *w, int64_t pid, const struct it_user *u, char *out,
                       size_t len)
{
    struct h_resp *r = pu_get(w->s, pp("/api/v1/proposals/%lld", (long long)pid), u, NULL);
    cr_assert_eq(r->status, 200);
    out[0] = '\0';
    size_t i;
    json_t *v;
    json_array_foreach(jget(r->json, "allowed_transitions"), i, v)
    {
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? "," : "", json_string_value(v));
    }
    h_resp_free(r);
}

Test(proposals, lifecycle)
{
    struct pu_world w = pu_world_new();
    int64_t pid = pu_create(w.s, &w.author, w.aid, "Lifecycle", "text", "en");
    char a[128];
    allowed_of(&w, pid, &w.author, a, sizeof a);
    cr_expect_str_eq(a, "deliberation,withdrawn");
    allowed_of(&w, pid, &w.fac, a, sizeof a);
    cr_expect_str_eq(a, "");
    /* draft → ballot skips deliberation: 409 naming the allowed ones. */
    struct h_resp *r = pu_patch(w.s, &w.fac, pid, "{\"status\": \"ballot\"}");
    cr_expect_eq(r->status, 409);
    cr_expect_str_eq(it_problem(r), "proposal-transition");
    cr_expect_str_eq(json_string_value(json_array_get(jget(r->json, "params.allowed"), 0)),
                     "deliberation");
    cr_expect_str_eq(json_string_value(json_array_get(jget(r->json, "params.allowed"), 1)),
                     "withdrawn");
    h_resp_free(r);
    cr_expect_eq(pu_status(w.s, &w.other, pid, "deliberation"), 403, "only the author");
    cr_expect_eq(pu_status(w.s, &w.fac, pid, "deliberation"), 403, "only the author");
    cr_expect_eq(pu_status(w.s, &w.author, pid, "deliberation"), 200);
    allowed_of(&w, pid, &w.fac, a, sizeof a);
    cr_expect_str_eq(a, "ballot");
    allowed_of(&w, pid, &w.author, a, sizeof a);
    cr_expect_str_eq(a, "withdrawn");
    cr_expect_eq(pu_status(w.s, &w.author, pid, "ballot"), 403, "a facilitator's decision");
    cr_expect_eq(pu_status(w.s, &w.author, pid, "adopted"), 409, "set by a tally");
    cr_expect_eq(pu_status(w.s, &w.fac, pid, "ballot"), 200, "no rule: always eligible");
    r = pu_patch(w.s, &w.author, pid, "{\"status\": \"withdrawn\"}");
    cr_expect_eq(r->status, 409, "withdrawn only before ballot");
    cr_expect_eq(json_array_size(jget(r->json, "params.allowed")), 0);
    h_resp_free(r);
    r = pu_patch(w.s, &w.fac, pid, "{\"status\": \"frozen\"}");
    cr_expect_eq(r->status, 422);
    h_resp_free(r);

    int64_t p2 = pu_create(w.s, &w.author, w.aid, "Withdrawn", "text", "en");
    cr_expect_eq(pu_status(w.s, &w.author, p2, "withdrawn"), 200);
    cr_expect_eq(pu_status(w.s, &w.author, p2, "deliberation"), 409);
    json_t *entries = pu_audit(w.s, w.aid, "proposal.status_changed");
    cr_expect_eq(json_array_size(entries), 3);
    cr_expect_str_eq(jstr(json_array_get(entries, 1), "data.to"), "ballot");
    json_decref(entries);
}

static struct h_resp *endorse(struct pu_world *w, const struct it_user *u, int64_t pid,
                              const char *method)
{
    return it_req(w->s, method, pp("/api/v1/proposals/%lld/endorsements", (long long)pid), u, NULL);
}

Test(proposals, endorsements_one_per_member_while_in_deliberation)
{
    struct pu_world w = pu_world_new();
    int64_t pid = pu_create(w.s, &w.author, w.aid, "Endorse me", "text", "en");
    struct h_resp *r = endorse(&w, &w.other, pid, "POST");
    cr_expect_eq(r->status, 409, "draft: %s", r->body);
    cr_expect_str_eq(it_problem(r), "proposal-state");
    h_resp_free(r);
    cr_expect_eq(pu_status(w.s, &w.author, pid, "deliberation"), 200);
    r = endorse(&w, &w.other, pid, "POST");
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_expect_eq(jint(r->json, "endorsements.count"), 1);
    cr_expect_eq(jint(r->json, "endorsements.countries"), 1);
    cr_expect(json_is_true(jget(r->json, "endorsements.mine")));
    h_resp_free(r);
    r = endorse(&w, &w.other, pid, "POST");
    cr_expect_eq(r->status, 409);
    cr_expect_str_eq(it_problem(r), "already-endorsed");
    h_resp_free(r);
    r = endorse(&w, &w.obs, pid, "POST");
    cr_expect_eq(r->status, 403, "observers do not endorse");
    h_resp_free(r);
    r = endorse(&w, &w.fac, pid, "POST");
    cr_expect_eq(r->status, 201);
    cr_expect_eq(jint(r->json, "endorsements.count"), 2);
    cr_expect_eq(jint(r->json, "endorsements.countries"), 2);
    h_resp_free(r);
    r = endorse(&w, &w.other, pid, "DELETE");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_eq(jint(r->json, "endorsements.count"), 1);
    cr_expect_eq(jint(r->json, "endorsements.countries"), 1);
    cr_expect(json_is_false(jget(r->json, "endorsements.mine")));
    h_resp_free(r);
    r = endorse(&w, &w.other, pid, "DELETE");
    cr_expect_eq(r->status, 409);
    cr_expect_str_eq(it_problem(r), "not-endorsed");
    h_resp_free(r);
    /* Re-endorsing after withdrawing counts once again. */
    r = endorse(&w, &w.other, pid, "POST");
    cr_expect_eq(jint(r->json, "endorsements.count"), 2);
    h_resp_free(r);
    json_t *added = pu_audit(w.s, w.aid, "endorsement.added");
    json_t *removed = pu_audit(w.s, w.aid, "endorsement.removed");
    cr_expect_eq(json_array_size(added), 3);
    cr_expect_eq(json_array_size(removed), 1);
    cr_expect_str_eq(jstr(json_array_get(added, 0), "data.country"), "GB");
    json_decref(added);
    json_decref(removed);
    /* On the ballot endorsements are final. */
    cr_expect_eq(pu_status(w.s, &w.fac, pid, "ballot"), 200);
    r = endorse(&w, &w.other, pid, "DELETE");
    cr_expect_eq(r->status, 409);
    h_resp_free(r);
}

static long patch_rule(struct pu_world *w, const char *json, struct h_resp **keep)
{
    json_t *b = json_loads(json, 0, NULL);
    struct h_resp *r =
        it_req(w->s, "PATCH", pp("/api/v1/assemblies/%lld", (long long)w->aid), &w->conv, b);
    json_decref(b);
    long st = r->status;
    if (keep != NULL) {
        *keep = r;
    } else {
        h_resp_free(r);
    }
    return st;
}

Test(proposals, advancement_rule_and_progress)
{
    struct pu_world w = pu_world_new();
    struct h_resp *r = NULL;
    cr_expect_eq(
        patch_rule(&w, "{\"advancement\": {\"min_endorsements\": 0, \"min_countries\": 1}}", &r),
        422);
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "fields"), 0), "field"),
                     "advancement/min_endorsements");
    h_resp_free(r);
    cr_expect_eq(patch_rule(&w, "{\"advancement\": {\"min_endorsements\": 3}}", NULL), 422);
    cr_expect_eq(patch_rule(&w, "{\"advancement\": 5}", NULL), 400);
    cr_expect_eq(
        patch_rule(&w, "{\"advancement\": {\"min_endorsements\": 3, \"min_countries\": 2}}", &r),
        200);
    cr_expect_eq(jint(r->json, "advancement.min_endorsements"), 3);
    h_resp_free(r);
    json_t *upd = pu_audit(w.s, w.aid, "assembly.updated");
    cr_expect_eq(jint(json_array_get(upd, 0), "data.advancement.min_countries"), 2);
    json_decref(upd);

    int64_t pid = pu_create(w.s, &w.author, w.aid, "Rule", "text", "en");
    cr_expect_eq(pu_status(w.s, &w.author, pid, "deliberation"), 200);
    /* Two endorsements from one country (ES): short of both. */
    struct it_user es2 = pu_user(w.s, "ES", "[\"es\"]");
    pu_join(w.s, &es2, w.aid);
    h_resp_free(endorse(&w, &w.author, pid, "POST"));
    h_resp_free(endorse(&w, &es2, pid, "POST"));
    r = pu_get(w.s, pp("/api/v1/proposals/%lld", (long long)pid), &w.fac, NULL);
    cr_expect_eq(jint(r->json, "endorsements.count"), 2);
    cr_expect_eq(jint(r->json, "endorsements.countries"), 1);
    cr_expect(json_is_false(jget(r->json, "endorsements.eligible")));
    cr_expect_eq(jint(r->json, "endorsements.missing.endorsements"), 1);
    cr_expect_eq(jint(r->json, "endorsements.missing.countries"), 1);
    cr_expect_eq(jint(r->json, "endorsements.rule.min_endorsements"), 3);
    cr_expect_eq(json_array_size(jget(r->json, "allowed_transitions")), 0);
    h_resp_free(r);
    r = pu_patch(w.s, &w.fac, pid, "{\"status\": \"ballot\"}");
    cr_expect_eq(r->status, 409);
    cr_expect_str_eq(it_problem(r), "not-eligible");
    cr_expect_eq(jint(r->json, "params.missing.countries"), 1);
    h_resp_free(r);
    /* A third endorsement from another country makes it eligible. */
    h_resp_free(endorse(&w, &w.other, pid, "POST"));
    r = pu_get(w.s, pp("/api/v1/proposals/%lld", (long long)pid), &w.fac, NULL);
    cr_expect(json_is_true(jget(r->json, "endorsements.eligible")));
    cr_expect_eq(jint(r->json, "endorsements.missing.endorsements"), 0);
    cr_expect_str_eq(json_string_value(json_array_get(jget(r->json, "allowed_transitions"), 0)),
                     "ballot");
    h_resp_free(r);
    cr_expect_eq(pu_status(w.s, &w.fac, pid, "ballot"), 200);
    /* The rule removed: null, and everything eligible. */
    cr_expect_eq(patch_rule(&w, "{\"advancement\": null}", &r), 200);
    cr_expect(json_is_null(jget(r->json, "advancement")));
    h_resp_free(r);
    r = it_req(w.s, "GET", pp("/api/v1/assemblies/%lld", (long long)w.aid), NULL, NULL);
    cr_expect(json_is_null(jget(r->json, "advancement")));
    h_resp_free(r);
    /* Only conveners set it. */
    json_t *b = json_loads("{\"advancement\": null}", 0, NULL);
    cr_expect_eq(
        it_status(w.s, "PATCH", pp("/api/v1/assemblies/%lld", (long long)w.aid), &w.fac, b), 403);
    json_decref(b);
}

Test(proposals, amendments_listed_under_parent_and_merged)
{
    struct pu_world w = pu_world_new();
    int64_t parent = pu_create(w.s, &w.author, w.aid, "Parent", "Original text", "en");
    struct h_resp *r =
        pu_create_resp(w.s, &w.other, w.aid, "Parent, amended", "Better text", "en", parent);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t am = it_int(r->json, "id");
    cr_expect_eq(jint(r->json, "amends"), parent);
    h_resp_free(r);
    r = pu_create_resp(w.s, &w.other, w.aid, "Nowhere", "x", "en", 999999999);
    cr_expect_eq(r->status, 422);
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "fields"), 0), "field"), "amends");
    h_resp_free(r);

    r = pu_get(w.s, pp("/api/v1/proposals/%lld/amendments", (long long)parent), NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_eq(json_array_size(jget(r->json, "items")), 1);
    cr_expect_eq(jint(json_array_get(jget(r->json, "items"), 0), "id"), am);
    h_resp_free(r);
    r = pu_get(w.s, pp("/api/v1/assemblies/%lld/proposals", (long long)w.aid), NULL, NULL);
    cr_expect_eq(json_array_size(jget(r->json, "items")), 1, "amendments not in the main list");
    cr_expect_eq(jint(json_array_get(jget(r->json, "items"), 0), "amendment_count"), 1);
    h_resp_free(r);

    const char *merge = pp("/api/v1/proposals/%lld/merge", (long long)am);
    cr_expect_eq(it_status(w.s, "POST", merge, &w.fac, NULL), 409, "a draft amendment");
    cr_expect_eq(pu_status(w.s, &w.other, am, "deliberation"), 200);
    cr_expect_eq(it_status(w.s, "POST", merge, &w.other, NULL), 403, "members do not merge");
    r = it_req(w.s, "POST", merge, &w.fac, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_eq(jint(r->json, "id"), parent);
    cr_expect_eq(jint(r->json, "version"), 2);
    cr_expect_str_eq(jstr(r->json, "body"), "Better text");
    h_resp_free(r);
    r = it_req(w.s, "POST", merge, &w.fac, NULL);
    cr_expect_eq(r->status, 409);
    cr_expect_str_eq(it_problem(r), "already-merged");
    h_resp_free(r);
    r = it_req(w.s, "POST", pp("/api/v1/proposals/%lld/merge", (long long)parent), &w.fac, NULL);
    cr_expect_eq(r->status, 409);
    cr_expect_str_eq(it_problem(r), "not-an-amendment");
    h_resp_free(r);

    r = pu_get(w.s, pp("/api/v1/proposals/%lld/versions", (long long)parent), NULL, NULL);
    cr_expect_eq(jint(json_array_get(jget(r->json, "items"), 1), "merged_from"), am);
    cr_expect_eq(jint(json_array_get(jget(r->json, "items"), 1), "author.id"), w.fac.id);
    h_resp_free(r);
    r = pu_get(w.s, pp("/api/v1/proposals/%lld", (long long)am), NULL, NULL);
    cr_expect_eq(jint(r->json, "merged.into_version"), 2);
    cr_expect_eq(jint(r->json, "merged.by"), w.fac.id);
    h_resp_free(r);
    json_t *entries = pu_audit(w.s, w.aid, "amendment.merged");
    cr_assert_eq(json_array_size(entries), 1);
    cr_expect_str_eq(jstr(json_array_get(entries, 0), "data.amendment"), pp("%lld", (long long)am));
    char want[65];
    sha256_hex("Parent, amended", "Better text", want);
    cr_expect_str_eq(jstr(json_array_get(entries, 0), "data.text_sha256"), want);
    json_decref(entries);
}
