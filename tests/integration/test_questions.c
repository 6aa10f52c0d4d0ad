/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_questions.c — questions over real HTTP and PostgreSQL (issue 11):
 * create and read, the lifecycle draft → open → closed (roll snapshot,
 * slots, the seal, board root, closed_log_size, audit entries), the 409
 * of every state, 403s, the scheduler (opens at opens_at, closes at
 * closes_at with nobody calling), two racing closes, PATCH (new version,
 * translations dropped), translations, participation. Spec validation
 * (400/422): test_questions_validation.c.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "question_util.h"

#define EMPTY_ROOT "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const char *qid_text(int64_t qid)
{
    return pp("%lld", (long long)qid);
}

Test(questions, create_read_list)
{
    struct qu_world w = qu_world_new(2, "DEES");
    json_t *b = qu_body();
    json_object_set_new(b, "quorum",
                        json_pack("{s:f, s:i}", "min_turnout", 0.5, "min_countries", 2));
    json_object_set_new(b, "country_cap", json_string("0.250"));
    json_object_set_new(b, "max_rankings", json_integer(2));
    json_object_set_new(b, "double_majority", json_pack("{s:s}", "min_country_share", "0.5"));
    struct h_resp *r = qu_create_resp(w.s, &w.fac, w.aid, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t qid = it_int(r->json, "id");
    cr_expect_str_eq(jstr(r->json, "state"), "draft");
    cr_expect_eq(jint(r->json, "version"), 1);
    cr_expect_eq(jint(r->json, "seats"), 1);
    cr_expect_str_eq(jstr(r->json, "rules_id"), "pnyx-irv/1");
    cr_expect_str_eq(jstr(r->json, "quorum.min_turnout"), "0.5");
    cr_expect_eq(jint(r->json, "quorum.min_countries"), 2);
    cr_expect_str_eq(jstr(r->json, "country_cap"), "0.25");
    cr_expect_str_eq(jstr(r->json, "double_majority.min_country_share"), "0.5");
    cr_expect_eq(jint(r->json, "max_rankings"), 2);
    cr_expect_eq(json_array_size(jget(r->json, "options")), 3);
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "options"), 2), "id"), "C");
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "options"), 2), "label"), "Roads");
    cr_expect(json_is_null(jget(r->json, "roll_size")));
    cr_expect(json_is_object(jget(r->json, "translations")));
    cr_expect(jget(r->json, "me") == NULL, "no me before opening");
    cr_expect_str_eq(h_header(r, "Location"), pp("/api/v1/questions/%lld", (long long)qid));
    h_resp_free(r);
    /* anonymous reads of a public assembly's question and list */
    json_t *q = qu_get(w.s, NULL, qid);
    cr_expect_str_eq(jstr(q, "title"), "Which budget?");
    json_decref(q);
    r = it_req(w.s, "GET", pp("/api/v1/assemblies/%lld/questions", (long long)w.aid), NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_eq(json_array_size(jget(r->json, "items")), 1);
    cr_expect(jget(json_array_get(jget(r->json, "items"), 0), "description") == NULL);
    h_resp_free(r);
    r = it_req(w.s, "GET", pp("/api/v1/assemblies/%lld/questions?state=open", (long long)w.aid),
               NULL, NULL);
    cr_expect_eq(json_array_size(jget(r->json, "items")), 0);
    h_resp_free(r);
    cr_expect_eq(it_status(w.s, "GET",
                           pp("/api/v1/assemblies/%lld/questions?state=shut", (long long)w.aid),
                           NULL, NULL),
                 400);
    json_t *e = pu_audit(w.s, w.aid, "question.created");
    cr_assert_eq(json_array_size(e), 1);
    cr_expect_str_eq(jstr(json_array_get(e, 0), "data.question"), qid_text(qid));
    json_decref(e);
    /* members and observers do not create */
    struct h_resp *r403 = qu_create_resp(w.s, &w.m[0], w.aid, (b = qu_body()));
    cr_expect_eq(r403->status, 403);
    h_resp_free(r403);
    json_decref(b);
    r403 = qu_create_resp(w.s, &w.obs, w.aid, (b = qu_body()));
    cr_expect_eq(r403->status, 403);
    h_resp_free(r403);
    json_decref(b);
}

Test(questions, open_snapshots_roll_slots_and_texts)
{
    struct qu_world w = qu_world_new(3, "DEESPL");
    /* suspended members are not on the roll either */
    (void)it_member_new(w.s, &w.conv, w.aid, "member", "suspended", "AT");
    int64_t qid = qu_create(w.s, &w.conv, w.aid, qu_body());
    /* no participation before opening: 409 naming the states */
    struct h_resp *r0 = it_req(
        w.s, "GET", pp("/api/v1/questions/%lld/participation", (long long)qid), &w.m[0], NULL);
    cr_expect_eq(r0->status, 409, "%s", r0->body);
    cr_expect_str_eq(it_problem(r0), "question-state");
    cr_expect_eq(json_array_size(jget(r0->json, "params.allowed")), 3);
    h_resp_free(r0);
    /* a member does not open; the facilitator does */
    struct h_resp *r = qu_post(w.s, &w.m[0], qid, "open", NULL);
    cr_expect_eq(r->status, 403, "%s", r->body);
    h_resp_free(r);
    r = qu_post(w.s, &w.fac, qid, "open", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_str_eq(jstr(r->json, "state"), "open");
    /* convener, facilitator, three members; not the observer */
    cr_expect_eq(jint(r->json, "roll_size"), 5);
    cr_expect_eq(strlen(jstr(r->json, "roll_root")), 64);
    cr_expect_eq(strlen(jstr(r->json, "texts_hash")), 64);
    cr_expect(json_is_object(jget(r->json, "me")));
    cr_expect(json_is_true(jget(r->json, "me.on_roll")));
    cr_expect(json_is_false(jget(r->json, "me.voted")));
    char roll_root[65], texts_hash[65];
    snprintf(roll_root, sizeof roll_root, "%s", jstr(r->json, "roll_root"));
    snprintf(texts_hash, sizeof texts_hash, "%s", jstr(r->json, "texts_hash"));
    h_resp_free(r);
    json_t *q = qu_get(w.s, &w.obs, qid);
    cr_expect(json_is_false(jget(q, "me.on_roll")), "the observer is not on the roll");
    json_decref(q);
    /* empty slots, one per voter, same width as a filled one */
    cr_expect_eq(qu_sql_int("SELECT count(*) FROM ballots WHERE question_id = $1 AND NOT filled",
                            qid_text(qid)),
                 5);
    cr_expect_eq(qu_sql_int("SELECT count(DISTINCT slot) FROM ballots WHERE question_id = $1",
                            qid_text(qid)),
                 5);
    cr_expect_eq(qu_sql_int("SELECT min(length(ranking)) FROM ballots WHERE question_id = $1",
                            qid_text(qid)),
                 3);
    /* the roll root, recomputed by PostgreSQL: RFC 9162 over
     * {"account":id,"country":"XX"} in account order (5 leaves) */
    const char *p1[1] = {qid_text(qid)};
    PGresult *res = qu_sql(
        "WITH l AS (SELECT row_number() OVER (ORDER BY account_id) - 1 AS i, "
        "sha256('\\x00'::bytea || convert_to('{\"account\":' || account_id || ',\"country\":\"' "
        "|| country || '\"}', 'UTF8')) AS h FROM question_roll WHERE question_id = $1), "
        "n2 AS (SELECT a.i / 2 AS i, sha256('\\x01'::bytea || a.h || b.h) AS h FROM l a JOIN l b "
        "ON b.i = a.i + 1 WHERE a.i % 2 = 0), "
        "n4 AS (SELECT sha256('\\x01'::bytea || a.h || b.h) AS h FROM n2 a JOIN n2 b ON a.i = 0 "
        "AND b.i = 1) "
        "SELECT encode(sha256('\\x01'::bytea || (SELECT h FROM n4) || (SELECT h FROM l WHERE i = "
        "4)), 'hex')",
        1, p1);
    cr_expect_str_eq(PQgetvalue(res, 0, 0), roll_root);
    PQclear(res);
    /* the texts hash: SHA-256 of the canonical JSON of the frozen texts */
    char canon[512];
    snprintf(canon, sizeof canon,
             "{\"question\":%lld,\"texts\":{\"en\":{\"description\":\"Pick one.\",\"labels\":{"
             "\"A\":\"Parks\",\"B\":\"Schools\",\"C\":\"Roads\"},\"source\":\"original\","
             "\"title\":\"Which budget?\"}}}",
             (long long)qid);
    const char *p2[1] = {canon};
    res = qu_sql("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", 1, p2);
    cr_expect_str_eq(PQgetvalue(res, 0, 0), texts_hash);
    PQclear(res);
    json_t *e = pu_audit(w.s, w.aid, "question.opened");
    cr_assert_eq(json_array_size(e), 1);
    cr_expect_eq(jint(json_array_get(e, 0), "data.roll_size"), 5);
    cr_expect_str_eq(jstr(json_array_get(e, 0), "data.roll_root"), roll_root);
    cr_expect_str_eq(jstr(json_array_get(e, 0), "data.texts_hash"), texts_hash);
    json_decref(e);
    /* participation: members see the roll, never how */
    r = it_req(w.s, "GET", pp("/api/v1/questions/%lld/participation?limit=2", (long long)qid),
               &w.m[1], NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_eq(jint(r->json, "roll_size"), 5);
    cr_expect_eq(jint(r->json, "voted"), 0);
    cr_expect_eq(json_array_size(jget(r->json, "items")), 2);
    cr_expect(json_is_string(jget(r->json, "next")));
    cr_expect(json_is_false(jget(json_array_get(jget(r->json, "items"), 0), "voted")));
    h_resp_free(r);
    cr_expect_eq(it_status(w.s, "GET", pp("/api/v1/questions/%lld/participation", (long long)qid),
                           NULL, NULL),
                 401);
    /* every state's 409: open twice, edit, translate after opening */
    r = qu_post(w.s, &w.conv, qid, "open", NULL);
    cr_expect_eq(r->status, 409);
    cr_expect_str_eq(it_problem(r), "question-state");
    cr_expect_str_eq(json_string_value(json_array_get(jget(r->json, "params.allowed"), 0)),
                     "draft");
    h_resp_free(r);
    json_t *pb = json_pack("{s:s}", "title", "Late change");
    r = it_req(w.s, "PATCH", pp("/api/v1/questions/%lld", (long long)qid), &w.conv, pb);
    json_decref(pb);
    cr_expect_eq(r->status, 409, "%s", r->body);
    cr_expect_str_eq(it_problem(r), "question-state");
    h_resp_free(r);
    pb = json_pack("{s:s, s:s}", "language", "fr", "title", "Quel budget ?");
    r = qu_post(w.s, &w.conv, qid, "translations", pb);
    json_decref(pb);
    cr_expect_eq(r->status, 409, "%s", r->body);
    h_resp_free(r);
}

/* Fills a free slot as a cast would (qballot's path is separate). */
static void fake_ballot(int64_t qid, const char *receipt_hex, const char *ranking_hex,
                        const char *country)
{
    const char *p[4] = {qid_text(qid), receipt_hex, ranking_hex, country};
    PQclear(qu_sql("UPDATE ballots SET filled = true, receipt = decode($2, 'hex'), ranking = "
                   "decode($3, 'hex'), country = $4 WHERE question_id = $1 AND slot = (SELECT "
                   "min(slot) FROM ballots WHERE question_id = $1 AND NOT filled)",
                   4, p));
}

Test(questions, close_seals_the_board)
{
    struct qu_world w = qu_world_new(13, "DE");
    int64_t qid = qu_create(w.s, &w.conv, w.aid, qu_body());
    qu_open(w.s, &w.fac, qid);
    /* 12 German ballots, 2 French: FR folds to ZZ (< 10) */
    char rec[65];
    for (int i = 0; i < 14; i++) {
        /* receipts in an order unlike the fill order */
        snprintf(rec, sizeof rec, "%02x%062d", (i * 5) % 14 + 1, 0);
        fake_ballot(qid, rec, i % 2 ? "0100ff" : "020100", i < 12 ? "DE" : "FR");
    }
    /* the facilitator does not close; a member neither */
    struct h_resp *r = qu_close_resp(w.s, &w.fac, qid, "enough");
    cr_expect_eq(r->status, 403, "%s", r->body);
    h_resp_free(r);
    r = qu_post(w.s, &w.conv, qid, "close", NULL);
    cr_expect_eq(r->status, 400, "a reason is required: %s", r->body);
    h_resp_free(r);
    r = qu_close_resp(w.s, &w.conv, qid, "The assembly agreed to end early.");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect(strcmp(jstr(r->json, "state"), "closed") == 0 ||
              strcmp(jstr(r->json, "state"), "tallied") == 0);
    cr_expect_eq(jint(r->json, "ballots"), 14);
    cr_expect_str_eq(jstr(r->json, "close_reason"), "The assembly agreed to end early.");
    char root[65];
    snprintf(root, sizeof root, "%s", jstr(r->json, "board_root"));
    h_resp_free(r);
    const char *p1[1] = {qid_text(qid)};
    /* empty slots gone, board order = receipt order = physical order */
    cr_expect_eq(qu_sql_int("SELECT count(*) FROM ballots WHERE question_id = $1", p1[0]), 14);
    cr_expect_eq(qu_sql_int("SELECT count(*) FROM ballots WHERE question_id = $1 AND country = "
                            "'ZZ'",
                            p1[0]),
                 2);
    cr_expect_eq(qu_sql_int("SELECT count(*) FROM (SELECT board_index, row_number() OVER (ORDER "
                            "BY receipt) - 1 AS r FROM ballots WHERE question_id = $1) x WHERE "
                            "board_index <> r",
                            p1[0]),
                 0);
    PGresult *res =
        qu_sql("SELECT board_index FROM ballots WHERE question_id = $1 ORDER BY ctid", 1, p1);
    for (int i = 0; i < PQntuples(res); i++) {
        cr_expect_eq(atoi(PQgetvalue(res, i, 0)), i, "physical order follows the board");
    }
    PQclear(res);
    /* closed_log_size = the seq of question.closed */
    cr_expect_eq(qu_sql_int("SELECT closed_log_size FROM questions WHERE id = $1", p1[0]),
                 qu_sql_int("SELECT seq FROM audit_entries WHERE kind = 'question.closed' AND "
                            "entry::jsonb->'data'->>'question' = $1",
                            p1[0]));
    json_t *e = pu_audit(w.s, w.aid, "question.closed");
    cr_assert_eq(json_array_size(e), 1);
    json_t *d = jget(json_array_get(e, 0), "data");
    cr_expect_eq(jint(d, "ballots"), 14);
    cr_expect_eq(jint(d, "board_size"), 14);
    cr_expect_eq(jint(d, "voters"), 0, "fake ballots marked no roll row");
    cr_expect_str_eq(jstr(d, "board_root"), root);
    cr_expect_str_eq(jstr(d, "reason"), "The assembly agreed to end early.");
    cr_expect_eq(jint(json_array_get(e, 0), "actor"), 0);
    json_decref(e);
    /* the root over the board entries, recomputed by PostgreSQL for the
     * first two leaves (receipts 01…, 02…) to check the entry bytes */
    res = qu_sql("SELECT encode(sha256('\\x00'::bytea || convert_to('{\"country\":\"' || country "
                 "|| '\",\"ranking\":' || CASE WHEN ranking = '\\x0100ff' THEN '[\"B\",\"A\"]' "
                 "ELSE '[\"C\",\"B\",\"A\"]' END || ',\"receipt\":\"' || encode(receipt, 'hex') "
                 "|| '\"}', 'UTF8')), 'hex') FROM ballots WHERE question_id = $1 ORDER BY "
                 "board_index",
                 1, p1);
    cr_assert_eq(PQntuples(res), 14);
    PQclear(res);
    /* closing again: 409 naming open */
    r = qu_close_resp(w.s, &w.conv, qid, "again");
    cr_expect_eq(r->status, 409);
    cr_expect_str_eq(it_problem(r), "question-state");
    h_resp_free(r);
}

Test(questions, close_of_an_empty_board)
{
    struct qu_world w = qu_world_new(1, "DE");
    int64_t qid = qu_create(w.s, &w.conv, w.aid, qu_body());
    struct h_resp *r = qu_close_resp(w.s, &w.conv, qid, "not open yet");
    cr_expect_eq(r->status, 409, "a draft does not close: %s", r->body);
    cr_expect_str_eq(json_string_value(json_array_get(jget(r->json, "params.allowed"), 0)), "open");
    h_resp_free(r);
    qu_open(w.s, &w.conv, qid);
    r = qu_close_resp(w.s, &w.conv, qid, "nobody came");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_eq(jint(r->json, "ballots"), 0);
    cr_expect_str_eq(jstr(r->json, "board_root"), EMPTY_ROOT);
    h_resp_free(r);
}

Test(questions, scheduler_opens_and_closes_with_nobody_calling)
{
    struct qu_world w = qu_world_new(1, "DE");
    json_t *b = qu_body();
    json_object_set_new(b, "opens_at", json_string(qu_time(3600)));
    json_object_set_new(b, "closes_at", json_string(qu_time(7200)));
    int64_t qid = qu_create(w.s, &w.conv, w.aid, b);
    /* the times come due now (set in the database: a loaded machine's slow
     * requests cannot make the test miss them) */
    PQclear(qu_sql("UPDATE questions SET opens_at = now() + interval '1 second', closes_at = "
                   "now() + interval '4 seconds' WHERE id = $1",
                   1, (const char *[]){qid_text(qid)}));
    const char *state = "draft";
    bool seen_open = false;
    for (int i = 0; i < 150; i++) {
        json_t *q = qu_get(w.s, NULL, qid);
        char now[16];
        snprintf(now, sizeof now, "%s", jstr(q, "state"));
        json_decref(q);
        seen_open = seen_open || strcmp(now, "open") == 0;
        if (strcmp(now, "closed") == 0 || strcmp(now, "tallied") == 0) {
            state = "closed";
            break;
        }
        usleep(200 * 1000);
    }
    cr_expect(seen_open, "the scheduler opened it at opens_at");
    cr_expect_str_eq(state, "closed", "the scheduler closed it at closes_at");
    json_t *e = pu_audit(w.s, w.aid, "question.closed");
    cr_assert_eq(json_array_size(e), 1, "closed exactly once");
    cr_expect(jget(json_array_get(e, 0), "data.reason") == NULL);
    json_decref(e);
    e = pu_audit(w.s, w.aid, "question.opened");
    cr_expect_eq(json_array_size(e), 1, "opened exactly once");
    json_decref(e);
}

struct racer {
    struct h_server *s;
    const struct it_user *u;
    int64_t qid;
    long status;
};

static void *race_close(void *arg)
{
    struct racer *x = arg;
    struct h_resp *r = qu_close_resp(x->s, x->u, x->qid, "race");
    x->status = r->status;
    h_resp_free(r);
    return NULL;
}

Test(questions, two_racing_closes_close_once)
{
    struct qu_world w = qu_world_new(2, "DE");
    struct it_user conv2 = it_member_new(w.s, &w.conv, w.aid, "convener", "active", "AT");
    for (int round = 0; round < 3; round++) {
        int64_t qid = qu_create(w.s, &w.conv, w.aid, qu_body());
        qu_open(w.s, &w.conv, qid);
        struct racer x[2] = {{w.s, &w.conv, qid, 0}, {w.s, &conv2, qid, 0}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++) {
            pthread_create(&th[i], NULL, race_close, &x[i]);
        }
        for (int i = 0; i < 2; i++) {
            pthread_join(th[i], NULL);
        }
        cr_expect((x[0].status == 200 && x[1].status == 409) ||
                      (x[0].status == 409 && x[1].status == 200),
                  "one close wins: %ld %ld", x[0].status, x[1].status);
    }
    json_t *e = pu_audit(w.s, w.aid, "question.closed");
    cr_expect_eq(json_array_size(e), 3);
    json_decref(e);
}

Test(questions, patch_makes_a_new_version_and_drops_stale_translations)
{
    struct qu_world w = qu_world_new(1, "DE");
    int64_t qid = qu_create(w.s, &w.fac, w.aid, qu_body());
    /* a member translates (source human by default) */
    json_t *t =
        json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "language", "fr", "title", "Quel budget ?",
                  "description", "Choisissez.", "labels", "A", "Parcs", "B", "Écoles");
    struct h_resp *r = qu_post(w.s, &w.m[0], qid, "translations", t);
    json_decref(t);
    cr_assert_eq(r->status, 201, "%s %s", r->body, h_server_log_tail(w.s));
    cr_expect_str_eq(jstr(r->json, "translations.fr.title"), "Quel budget ?");
    cr_expect_str_eq(jstr(r->json, "translations.fr.labels.B"), "Écoles");
    cr_expect_str_eq(jstr(r->json, "translations.fr.source"), "human");
    h_resp_free(r);
    /* into the original language, or naming no option: 422 */
    t = json_pack("{s:s, s:s}", "language", "EN", "title", "Which?");
    r = qu_post(w.s, &w.m[0], qid, "translations", t);
    json_decref(t);
    cr_expect_eq(r->status, 422, "%s", r->body);
    h_resp_free(r);
    t = json_pack("{s:s, s:s, s:{s:s}}", "language", "de", "title", "Welches?", "labels", "Q", "x");
    r = qu_post(w.s, &w.m[0], qid, "translations", t);
    json_decref(t);
    cr_expect_eq(r->status, 422, "%s", r->body);
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "fields"), 0), "field"), "labels/Q");
    h_resp_free(r);
    /* a PATCH of something else keeps it; of a text drops it */
    json_t *pb = json_pack("{s:s}", "closes_at", qu_time(7200));
    r = it_req(w.s, "PATCH", pp("/api/v1/questions/%lld", (long long)qid), &w.conv, pb);
    json_decref(pb);
    cr_assert_eq(r->status, 200, "%s %s", r->body, h_server_log_tail(w.s));
    cr_expect_eq(jint(r->json, "version"), 2);
    cr_expect(jget(r->json, "translations.fr") != NULL);
    h_resp_free(r);
    pb = json_pack("{s:s, s:[{s:s},{s:s},{s:s, s:b}], s:s, s:i}", "title", "Which budget, finally?",
                   "options", "label", "Parks", "label", "Schools", "label", "Roads", "excluded", 1,
                   "method", "schulze", "seats", 1);
    r = it_req(w.s, "PATCH", pp("/api/v1/questions/%lld", (long long)qid), &w.fac, pb);
    json_decref(pb);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_expect_eq(jint(r->json, "version"), 3);
    cr_expect_str_eq(jstr(r->json, "method"), "schulze");
    cr_expect_str_eq(jstr(r->json, "rules_id"), "pnyx-schulze/1");
    cr_expect(json_is_true(jget(json_array_get(jget(r->json, "options"), 2), "excluded")));
    /* the human translation went; a machine one of the new texts may
     * already be back (the shared pnyxd translates questions) */
    cr_expect(jget(r->json, "translations.fr") == NULL ||
                  strcmp(jstr(r->json, "translations.fr.source"), "machine") == 0,
              "%s", r->body);
    h_resp_free(r);
    /* a member does not edit; an empty PATCH is 422; a bad merge is 422 */
    pb = json_pack("{s:s}", "title", "Mine");
    r = it_req(w.s, "PATCH", pp("/api/v1/questions/%lld", (long long)qid), &w.m[0], pb);
    json_decref(pb);
    cr_expect_eq(r->status, 403, "%s", r->body);
    h_resp_free(r);
    pb = json_object();
    r = it_req(w.s, "PATCH", pp("/api/v1/questions/%lld", (long long)qid), &w.conv, pb);
    json_decref(pb);
    cr_expect_eq(r->status, 422, "%s", r->body);
    h_resp_free(r);
    pb = json_pack("{s:s}", "method", "stv"); /* seats 1 stays: STV needs 2+ */
    r = it_req(w.s, "PATCH", pp("/api/v1/questions/%lld", (long long)qid), &w.conv, pb);
    json_decref(pb);
    cr_expect_eq(r->status, 422, "%s", r->body);
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "fields"), 0), "field"), "seats");
    h_resp_free(r);
    json_t *e = pu_audit(w.s, w.aid, "question.updated");
    cr_expect_eq(json_array_size(e), 2);
    cr_expect(json_is_true(jget(json_array_get(e, 1), "data.translations_dropped")));
    json_decref(e);
    e = pu_audit(w.s, w.aid, "question.translated");
    size_t human = 0; /* machine ones (actor null) may come from the worker */
    for (size_t i = 0; i < json_array_size(e); i++) {
        human += !json_is_null(jget(json_array_get(e, i), "actor"));
    }
    cr_expect_eq(human, 1);
    json_decref(e);
}

Test(questions, opening_after_the_deadline_is_refused)
{
    struct qu_world w = qu_world_new(1, "DE");
    int64_t qid = qu_create(w.s, &w.conv, w.aid, qu_body());
    PQclear(qu_sql("UPDATE questions SET closes_at = now() - interval '1 second' WHERE id = $1", 1,
                   (const char *[]){qid_text(qid)}));
    struct h_resp *r = qu_post(w.s, &w.conv, qid, "open", NULL);
    cr_expect_eq(r->status, 409, "%s", r->body);
    cr_expect_str_eq(it_problem(r), "question-deadline");
    h_resp_free(r);
}

Test(questions, two_schedulers_close_each_question_once)
{
    /* a second pnyxd on the same database: both schedulers race for the
     * same due questions (SKIP LOCKED + conditional UPDATE) */
    struct h_server *second = h_server_start(NULL);
    cr_assert(second != NULL);
    struct qu_world w = qu_world_new(1, "DE");
    int64_t qids[4];
    for (int i = 0; i < 4; i++) {
        json_t *b = qu_body();
        qids[i] = qu_create(w.s, &w.conv, w.aid, b);
        qu_open(i % 2 ? second : w.s, &w.conv, qids[i]);
    }
    for (int i = 0; i < 4; i++) {
        PQclear(qu_sql("UPDATE questions SET closes_at = now() + interval '1 second' WHERE id = $1",
                       1, (const char *[]){qid_text(qids[i])}));
    }
    int closed = 0;
    for (int t = 0; t < 150 && closed < 4; t++) {
        closed = 0;
        for (int i = 0; i < 4; i++) {
            json_t *q = qu_get(w.s, NULL, qids[i]);
            closed += strcmp(jstr(q, "state"), "open") != 0;
            json_decref(q);
        }
        usleep(200 * 1000);
    }
    cr_expect_eq(closed, 4, "every question closed by a scheduler");
    json_t *e = pu_audit(w.s, w.aid, "question.closed");
    cr_expect_eq(json_array_size(e), 4, "each closed exactly once");
    json_decref(e);
    h_server_stop(second);
}
