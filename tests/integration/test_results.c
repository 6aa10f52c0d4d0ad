/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/test_results.c — a question's tally, result and
 * exports against the real database and a real pnyxd (issue 11).
 *
 * Closed questions are written by the direct SQL loader (board_util.h:
 * it bypasses the cast path and the seal, and writes the board as the seal
 * leaves it); question_tally() runs in this process on the same database
 * (as pnyxd's close and scheduler call it); the result and exports are read
 * over HTTP from the shared pnyxd. The central check: pnyx-tally, the
 * binary, run on the downloaded pnyx export, writes exactly the engine part
 * of the published result ("{" + the result from its first "\"rules_id\"")
 * — byte for byte — for IRV, STV and Schulze on random boards, with and
 * without country cap, quorum and double majority.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "api/audit_writer.h"
#include "api/question_int.h"
#include "assembly_util.h"
#include "board_util.h"
#include "core/audit/merkle.h"
#include "core/tally/tally.h"
#include "db/db.h"
#include "harness.h"
#include "question_util.h"

static PGconn *pg;

static void setup(void)
{
    pg = PQconnectdb(h_db_url());
    cr_assert(PQstatus(pg) == CONNECTION_OK, "%s", PQerrorMessage(pg));
    static bool once;
    if (!once) {
        db_global_init(h_db_url());
        api_audit_writer_init();
        once = true;
    }
}

static void teardown(void)
{
    PQfinish(pg);
    db_thread_close();
}

static char *sql1(const char *sql, const char *p1)
{
    const char *p[1] = {p1};
    PGresult *r = PQexecParams(pg, sql, p1 ? 1 : 0, NULL, p, NULL, NULL, 0);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(pg));
    char *v = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return v;
}

static char *qstr(int64_t qid)
{
    static char b[4][24];
    static int i;
    i = (i + 1) % 4;
    snprintf(b[i], sizeof b[i], "%lld", (long long)qid);
    return b[i];
}

struct world {
    struct h_server *s;
    struct it_user conv;
    int64_t aid;
};

static struct world world_new(const char *visibility)
{
    struct world w = {.s = h_shared()};
    w.conv = it_user_new(w.s, "DE");
    w.aid = it_assembly_new(w.s, &w.conv, visibility, "open");
    return w;
}

static int64_t load(const struct world *w, const struct bl_spec *s, int n, uint64_t seed)
{
    struct bl_board b = bl_board_random(n, s->k, s->max_rankings, seed);
    int64_t qid = bl_load_closed(pg, w->aid, w->conv.id, s, &b);
    bl_board_free(&b);
    cr_assert(qid > 0, "loading the board failed");
    return qid;
}

static struct h_resp *get(const struct world *w, const char *path, const struct it_user *u)
{
    return it_req(w->s, "GET", path, u, NULL);
}

/* Runs pnyx-tally on text; returns its stdout (malloc'd). It must exit 0,
 * or non-zero when refused (the engine refuses the board). */
static char *pnyx_tally(const char *text, size_t len, bool refused)
{
    char in[] = "/tmp/pnyx-export-XXXXXX";
    int fd = mkstemp(in);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s %s", PNYX_TEST_TALLY, in);
    FILE *p = popen(cmd, "r");
    cr_assert(p != NULL);
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    size_t got;
    while ((got = fread(out + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (n + 1 == cap) {
            cap *= 2;
            out = realloc(out, cap);
        }
    }
    out[n] = '\0';
    int rc = pclose(p);
    unlink(in);
    cr_assert_eq(WEXITSTATUS(rc) != 0, refused, "pnyx-tally exit %d: %s", WEXITSTATUS(rc), out);
    return out;
}

static json_t *check_published(const struct world *w, int64_t qid);

/* Tallies qid, checks the result against pnyx-tally on the export; returns
 * the result as JSON (caller decref's). */
static json_t *tally_and_check(const struct world *w, int64_t qid)
{
    cr_assert_eq(question_tally(db_thread_conn(), qid), DB_OK);
    return check_published(w, qid);
}

/* The published result of tallied question qid against pnyx-tally on its
 * export, and the exactly-once rule. */
static json_t *check_published(const struct world *w, int64_t qid)
{
    char *state = sql1("SELECT state FROM questions WHERE id = $1", qstr(qid));
    cr_assert_str_eq(state, "tallied");
    free(state);

    char path[128];
    snprintf(path, sizeof path, "/api/v1/questions/%lld/result", (long long)qid);
    struct h_resp *r = get(w, path, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    /* the stored bytes, their hash as the ETag */
    char *stored = sql1("SELECT result FROM questions WHERE id = $1", qstr(qid));
    cr_assert_str_eq(r->body, stored);
    uint8_t h[32];
    crypto_hash_sha256(h, (const unsigned char *)r->body, r->body_len);
    char etag[67];
    etag[0] = '"';
    for (int i = 0; i < 32; i++)
        snprintf(etag + 1 + 2 * i, 3, "%02x", h[i]);
    etag[65] = '"';
    etag[66] = '\0';
    cr_assert_str_eq(h_header(r, "ETag"), etag);

    snprintf(path, sizeof path, "/api/v1/questions/%lld/export?format=pnyx", (long long)qid);
    struct h_resp *x = get(w, path, NULL);
    cr_assert_eq(x->status, 200, "%s", x->body);
    /* a refused count publishes pnyx-tally's refusal instead of a count */
    bool refused = strstr(r->body, "\"status\": \"not_counted\"") != NULL;
    char *counted = pnyx_tally(x->body, x->body_len, refused);
    const char *cut = strstr(r->body, refused ? "\"error\"" : "\"rules_id\"");
    cr_assert(cut != NULL);
    cr_assert_eq(counted[0], '{');
    cr_assert_str_eq(counted + 1, cut, "pnyx-tally on the export differs from the result");
    json_t *j = json_loads(r->body, 0, NULL);
    cr_assert(j != NULL);
    /* the export's own "result" is the published one */
    json_t *xj = json_loads(x->body, 0, NULL);
    cr_assert(xj != NULL);
    cr_assert(json_equal(json_object_get(xj, "result"), j));
    json_decref(xj);

    /* exactly once: a second tally changes nothing */
    cr_assert_eq(question_tally(db_thread_conn(), qid), DB_OK);
    char *again = sql1("SELECT result FROM questions WHERE id = $1", qstr(qid));
    cr_assert_str_eq(again, stored);
    char *n = sql1("SELECT count(*) FROM audit_entries WHERE kind = 'tally.published' AND "
                   "(entry::jsonb -> 'data' ->> 'question') = $1",
                   qstr(qid));
    cr_assert_str_eq(n, "1");
    free(n);
    free(again);
    free(counted);
    free(stored);
    h_resp_free(x);
    h_resp_free(r);
    return j;
}

TestSuite(results, .init = setup, .fini = teardown, .timeout = 0);

Test(results, irv_stv_schulze_equal_pnyx_tally_on_the_export)
{
    struct world w = world_new("public");
    struct {
        const char *method;
        int seats, k, max_rank;
        const char *cap, *dm;
        int n;
    } cases[] = {
        {"irv", 1, 5, -1, NULL, NULL, 400},      {"irv", 1, 7, 3, "0.3", NULL, 900},
        {"irv", 1, 4, -1, NULL, "0.5", 700},     {"irv", 1, 6, -1, "0.25", "0.6", 1200},
        {"stv", 3, 8, -1, NULL, NULL, 1500},     {"stv", 2, 5, 4, "0.35", NULL, 800},
        {"schulze", 1, 6, -1, NULL, NULL, 500},  {"schulze", 2, 5, -1, "0.3", NULL, 650},
        {"schulze", 1, 4, -1, NULL, "0.5", 600},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool excl[BL_MAX_OPTS] = {false};
        excl[1] = i % 3 == 1;
        struct bl_spec s = {.method = cases[i].method,
                            .seats = cases[i].seats,
                            .k = cases[i].k,
                            .max_rankings = cases[i].max_rank,
                            .country_cap = cases[i].cap,
                            .dm_share = cases[i].dm,
                            .excluded = excl,
                            .roll_extra = 50,
                            .roll_accounts = true};
        int64_t qid = load(&w, &s, cases[i].n, 77 + i);
        json_t *j = tally_and_check(&w, qid);
        cr_assert_eq(json_integer_value(json_object_get(j, "ballots")), cases[i].n);
        cr_assert_eq(json_integer_value(json_object_get(j, "roll_size")), cases[i].n + 50);
        cr_assert_str_eq(json_string_value(json_object_get(j, "method")), cases[i].method);
        json_t *dm = json_object_get(j, "double_majority");
        const char *st = json_string_value(json_object_get(j, "status"));
        if (dm != NULL && !json_is_true(json_object_get(dm, "met"))) {
            cr_assert_str_eq(st, "no_double_majority");
        } else {
            cr_assert_str_eq(st, "tallied");
        }
        cr_assert_eq(json_object_get(j, "country_cap") != NULL, cases[i].cap != NULL);
        json_decref(j);
    }
}

Test(results, quorum_and_double_majority_statuses)
{
    struct world w = world_new("public");
    /* turnout 200 of 1200 < 0.5 */
    struct bl_spec s = {.method = "irv",
                        .seats = 1,
                        .k = 4,
                        .max_rankings = -1,
                        .min_turnout = "0.5",
                        .roll_extra = 1000,
                        .roll_accounts = true};
    json_t *j = tally_and_check(&w, load(&w, &s, 200, 5));
    cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "no_quorum");
    cr_assert_str_eq(json_string_value(json_object_get(j, "turnout")), "0.1666");
    cr_assert(json_is_false(json_object_get(json_object_get(j, "quorum"), "met")));
    json_decref(j);
    /* enough turnout, too few countries among the voters (10 in the loader's mix at most) */
    s.min_turnout = "0.1";
    s.min_countries = 40;
    j = tally_and_check(&w, load(&w, &s, 300, 6));
    cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "no_quorum");
    json_decref(j);
    /* quorum met */
    s.min_countries = 3;
    j = tally_and_check(&w, load(&w, &s, 300, 7));
    cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "tallied");
    cr_assert(json_integer_value(json_object_get(j, "countries")) >= 3);
    json_decref(j);
    /* double majority in every country: with voter blocs by country it fails */
    s.min_countries = 0;
    s.dm_share = "1";
    bool seen_fail = false;
    for (int i = 0; i < 6; i++) {
        j = tally_and_check(&w, load(&w, &s, 600, 100 + (uint64_t)i));
        json_t *dm = json_object_get(j, "double_majority");
        cr_assert(dm != NULL);
        bool met = json_is_true(json_object_get(dm, "met"));
        cr_assert_str_eq(json_string_value(json_object_get(j, "status")),
                         met ? "tallied" : "no_double_majority");
        cr_assert(json_object_size(json_object_get(dm, "by_country")) > 0);
        seen_fail |= !met;
        json_decref(j);
    }
    cr_assert(seen_fail, "no board failed the double majority: the case tests nothing");
}

/* A board the engine refuses under the question's rules still ends the
 * question: the refusal is the published result, once, and pnyx-tally
 * refuses the export the same way. Here (ELECTION-FORMAT §4): cap 0.05, 19
 * countries with one ballot each and DE with 10,001, so total' = 19 / 0.95
 * = 20 and DE's factor trunc_4(0.05 × 20 / 10,001) = 0. */
Test(results, a_refused_count_is_published_not_retried)
{
    struct world w = world_new("public");
    struct bl_spec s = {.method = "irv",
                        .seats = 1,
                        .k = 3,
                        .max_rankings = -1,
                        .country_cap = "0.3",
                        .roll_extra = 5,
                        .roll_accounts = true};
    s.country_cap = "0.05";
    int64_t qid = load(&w, &s, 10020, 11);
    free(sql1("UPDATE ballots SET country = CASE WHEN board_index < 19 THEN "
              "'A' || chr(65 + board_index) ELSE 'DE' END WHERE question_id = $1 RETURNING 1",
              qstr(qid)));
    json_t *j = tally_and_check(&w, qid);
    cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "not_counted");
    cr_assert(json_is_string(json_object_get(j, "error")));
    cr_assert_null(json_object_get(j, "winners"));
    json_decref(j);
}

Test(results, result_http_caching_and_access)
{
    struct world w = world_new("public");
    struct bl_spec s = {
        .method = "irv", .seats = 1, .k = 3, .max_rankings = -1, .roll_accounts = true};
    int64_t qid = load(&w, &s, 50, 9);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/questions/%lld/result", (long long)qid);
    /* closed, not tallied yet */
    struct h_resp *r = get(&w, path, NULL);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_problem(r), "question-not-tallied");
    h_resp_free(r);
    cr_assert_eq(question_tally(db_thread_conn(), qid), DB_OK);
    r = get(&w, path, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(h_header(r, "Cache-Control"), "public, max-age=31536000, immutable");
    char inm[120];
    snprintf(inm, sizeof inm, "If-None-Match: %s", h_header(r, "ETag"));
    const char *hs[] = {inm, NULL};
    struct h_resp *r2 = h_request(w.s, "GET", path, NULL, hs);
    cr_assert_eq(r2->status, 304);
    cr_assert_eq(r2->body_len, 0);
    h_resp_free(r2);
    h_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/questions/%lld/export?format=xml", (long long)qid);
    cr_assert_eq(it_status(w.s, "GET", path, NULL, NULL), 400);
    cr_assert_eq(it_status(w.s, "GET", "/api/v1/questions/999999999/result", NULL, NULL), 404);

    /* members-only assembly: hidden from outsiders, private cache for members */
    struct world m = world_new("members");
    qid = load(&m, &s, 40, 10);
    cr_assert_eq(question_tally(db_thread_conn(), qid), DB_OK);
    snprintf(path, sizeof path, "/api/v1/questions/%lld/result", (long long)qid);
    cr_assert_eq(it_status(m.s, "GET", path, NULL, NULL), 404);
    struct it_user out = it_user_new(m.s, "FR");
    cr_assert_eq(it_status(m.s, "GET", path, &out, NULL), 404);
    r = get(&m, path, &m.conv);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(h_header(r, "Cache-Control"), "private, no-cache");
    h_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/questions/%lld/export?format=csv", (long long)qid);
    cr_assert_eq(it_status(m.s, "GET", path, NULL, NULL), 404);
}

Test(results, exports_csv_cdf_blt_rctab)
{
    struct world w = world_new("public");
    struct bl_spec s = {
        .method = "stv", .seats = 2, .k = 6, .max_rankings = 4, .roll_accounts = true};
    const int n = 5003; /* more than two export pages */
    int64_t qid = load(&w, &s, n, 11);
    cr_assert_eq(question_tally(db_thread_conn(), qid), DB_OK);
    char path[128];

    snprintf(path, sizeof path, "/api/v1/questions/%lld/export?format=csv", (long long)qid);
    struct h_resp *r = get(&w, path, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(h_header(r, "Content-Type"), "text/csv") != NULL);
    cr_assert(strncmp(r->body, "receipt,country,rank1,rank2,rank3,rank4\r\n", 41) == 0);
    int rows = 0;
    const char *prev = NULL;
    for (const char *p = strstr(r->body, "\r\n") + 2; *p != '\0'; p = strstr(p, "\r\n") + 2) {
        if (prev != NULL) {
            cr_assert(strncmp(prev, p, 64) < 0, "CSV not in receipt order");
        }
        prev = p;
        rows++;
    }
    cr_assert_eq(rows, n);
    h_resp_free(r);

    snprintf(path, sizeof path, "/api/v1/questions/%lld/export?format=cdf", (long long)qid);
    r = get(&w, path, NULL);
    cr_assert_eq(r->status, 200);
    json_t *j = json_loads(r->body, 0, NULL);
    cr_assert(j != NULL, "CDF is not JSON");
    cr_assert_eq((int)json_array_size(json_object_get(j, "CVR")), n);
    json_decref(j);
    h_resp_free(r);

    snprintf(path, sizeof path, "/api/v1/questions/%lld/export?format=rctab", (long long)qid);
    r = get(&w, path, NULL);
    cr_assert_eq(r->status, 200);
    j = json_loads(r->body, 0, NULL);
    cr_assert(j != NULL, "RCTab config is not JSON");
    cr_assert_str_eq(
        json_string_value(json_object_get(json_object_get(j, "rules"), "numberOfWinners")), "2");
    json_decref(j);
    h_resp_free(r);

    snprintf(path, sizeof path, "/api/v1/questions/%lld/export?format=blt", (long long)qid);
    r = get(&w, path, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(strncmp(r->body, "6 2\n", 4) == 0);
    long total = 0;
    const char *p = r->body + 4;
    for (;;) {
        long c = strtol(p, NULL, 10);
        if (c == 0) {
            break;
        }
        total += c;
        p = strchr(p, '\n') + 1;
    }
    cr_assert_eq(total, n);
    h_resp_free(r);
}

Test(results, adoption_of_linked_proposals)
{
    struct world w = world_new("public");
    int64_t pids[4];
    char body[64];
    for (int i = 0; i < 4; i++) {
        json_t *b = json_pack("{s:s, s:s, s:s}", "title", "A linked proposal", "body",
                              "Text of the proposal", "language", "en");
        snprintf(body, sizeof body, "/api/v1/assemblies/%lld/proposals", (long long)w.aid);
        struct h_resp *r = it_req(w.s, "POST", body, &w.conv, b);
        json_decref(b);
        cr_assert_eq(r->status, 201, "%s", r->body);
        pids[i] = it_int(r->json, "id");
        h_resp_free(r);
        free(sql1("UPDATE proposals SET status = 'ballot' WHERE id = $1 RETURNING id",
                  qstr(pids[i])));
    }
    int64_t links[5] = {pids[0], pids[1], pids[2], pids[3], 0};
    struct bl_spec s = {.method = "stv",
                        .seats = 2,
                        .k = 5,
                        .max_rankings = -1,
                        .adopts = true,
                        .proposal_ids = links,
                        .roll_accounts = true};
    int64_t qid = load(&w, &s, 400, 12);
    json_t *j = tally_and_check(&w, qid);
    json_t *win = json_object_get(j, "winners");
    cr_assert_eq(json_array_size(win), 2);
    int adopted = 0;
    for (int i = 0; i < 4; i++) {
        char id[2] = {(char)('A' + i), 0};
        bool won = false;
        for (size_t k = 0; k < json_array_size(win); k++) {
            won |= strcmp(json_string_value(json_array_get(win, k)), id) == 0;
        }
        char *st = sql1("SELECT status FROM proposals WHERE id = $1", qstr(pids[i]));
        cr_assert_str_eq(st, won ? "adopted" : "rejected", "proposal of option %s", id);
        adopted += won;
        free(st);
    }
    char *n = sql1("SELECT count(*) FROM audit_entries WHERE kind IN ('proposal.adopted', "
                   "'proposal.rejected') AND (entry::jsonb -> 'data' ->> 'question') = $1",
                   qstr(qid));
    cr_assert_str_eq(n, "4");
    free(n);
    cr_assert_eq(adopted, 2, "both winners link a proposal, or the case tests less");
    json_decref(j);
}

/* The whole path through qlife's close: members' ballots fill slots as a
 * cast does (SQL: a free slot, the roll mark), POST …/close seals the board
 * and counts it at once (state tallied in the close's reply), and the
 * result equals pnyx-tally on the export. */
Test(results, close_through_the_api_counts_the_sealed_board)
{
    struct qu_world qw = qu_world_new(12, "DEFRESDEFRIT");
    json_t *body = qu_body();
    json_object_set_new(body, "quorum",
                        json_pack("{s:s, s:i}", "min_turnout", "0.5", "min_countries", 2));
    int64_t qid = qu_create(qw.s, &qw.conv, qw.aid, body);
    qu_open(qw.s, &qw.conv, qid);
    static const char *rankings[] = {"0001ff", "01ffff", "020100", "0002ff", "01ffff",
                                     "0102ff", "00ffff", "0201ff", "01ffff", "0100ff"};
    char q[24];
    snprintf(q, sizeof q, "%lld", (long long)qid);
    for (int i = 0; i < 10; i++) {
        char receipt[65], acc[24];
        for (int j = 0; j < 64; j++)
            receipt[j] = "0123456789abcdef"[(i * 7 + j * 13) % 16];
        receipt[64] = '\0';
        snprintf(acc, sizeof acc, "%lld", (long long)qw.m[i].id);
        const char *p[5] = {q, receipt, rankings[i], qw.m[i].country, acc};
        PQclear(qu_sql("WITH s AS (SELECT slot FROM ballots WHERE question_id = $1 AND NOT filled "
                       "ORDER BY slot LIMIT 1 FOR UPDATE) UPDATE ballots b SET filled = true, "
                       "receipt = decode($2, 'hex'), ranking = decode($3, 'hex'), country = $4 "
                       "FROM s WHERE b.question_id = $1 AND b.slot = s.slot",
                       4, p));
        const char *p2[2] = {q, acc};
        PQclear(qu_sql("UPDATE question_roll SET voted = true WHERE question_id = $1 AND "
                       "account_id = $2",
                       2, p2));
    }
    struct h_resp *r = qu_close_resp(qw.s, &qw.conv, qid, "Everyone has voted");
    cr_assert_eq(r->status, 200, "close: %ld %s", r->status, r->body);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "state")), "tallied");
    h_resp_free(r);
    struct world w = {.s = qw.s, .conv = qw.conv, .aid = qw.aid};
    json_t *j = check_published(&w, qid);
    cr_assert_eq(json_integer_value(json_object_get(j, "ballots")), 10);
    cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "tallied");
    /* all countries below 10 ballots are folded on the board: one "ZZ" */
    json_t *bc = json_object_get(j, "by_country");
    cr_assert_eq(json_object_size(bc), 1);
    cr_assert(json_object_get(bc, "ZZ") != NULL);
    /* countries for the quorum come from the roll, not the folded board */
    cr_assert_eq(json_integer_value(json_object_get(j, "countries")), 4);
    /* the board root of the result is the one question.closed recorded */
    long long n = qu_sql_int("SELECT count(*) FROM audit_entries WHERE kind = 'question.closed' "
                             "AND (entry::jsonb -> 'data' ->> 'board_root') = "
                             "(SELECT encode(board_root, 'hex') FROM questions WHERE id = $1)",
                             q);
    cr_assert_eq(n, 1);
    PGresult *root = qu_sql("SELECT encode(board_root, 'hex') FROM questions WHERE id = $1", 1,
                            (const char *const[]){q});
    cr_assert_str_eq(json_string_value(json_object_get(j, "board_root")), PQgetvalue(root, 0, 0));
    PQclear(root);
    json_decref(j);
}

/* The seed of question qid recomputed from the log: the entries up to
 * closed_log_size, hashed again (RFC 9162 leaves), their root, its first
 * 6 bytes (tally_seed_from_root). */
static int64_t seed_from_log(int64_t aid, int64_t qid)
{
    char a[24], q[24];
    snprintf(a, sizeof a, "%lld", (long long)aid);
    snprintf(q, sizeof q, "%lld", (long long)qid);
    const char *p[2] = {a, q};
    PGresult *r = qu_sql("SELECT entry FROM audit_entries WHERE assembly_id = $1 AND seq <= "
                         "(SELECT closed_log_size FROM questions WHERE id = $2) ORDER BY seq",
                         2, p);
    struct merkle_mem m;
    merkle_mem_init(&m);
    for (int i = 0; i < PQntuples(r); i++) {
        const char *e = PQgetvalue(r, i, 0);
        cr_assert_eq(merkle_mem_append_entry(&m, e, strlen(e)), AUDIT_OK);
    }
    PQclear(r);
    uint8_t root[32];
    struct merkle_store st = merkle_mem_store(&m);
    cr_assert_eq(merkle_root(&st, merkle_mem_size(&m), root), AUDIT_OK);
    merkle_mem_fini(&m);
    return tally_seed_from_root(root);
}

/* Deadlines pass with nobody calling and two pnyxd racing: each question
 * is closed and tallied exactly once, its result is served, and its seed
 * is the one the log at closing gives. */
Test(results, deadline_closes_and_tallies_each_question_once_with_two_servers)
{
    struct h_server *second = h_server_start(NULL);
    cr_assert(second != NULL);
    struct qu_world qw = qu_world_new(2, "DEFR");
    int64_t qids[3];
    for (int i = 0; i < 3; i++) {
        json_t *b = qu_body();
        json_object_set_new(b, "closes_at", json_string(qu_time(3)));
        qids[i] = qu_create(qw.s, &qw.conv, qw.aid, b);
        qu_open(i % 2 ? second : qw.s, &qw.conv, qids[i]);
    }
    int done = 0;
    for (int t = 0; t < 100 && done < 3; t++) {
        done = 0;
        for (int i = 0; i < 3; i++) {
            char q[24];
            snprintf(q, sizeof q, "%lld", (long long)qids[i]);
            done += (int)qu_sql_int("SELECT count(*) FROM questions WHERE id = $1 AND state = "
                                    "'tallied'",
                                    q);
        }
        usleep(200 * 1000);
    }
    cr_assert_eq(done, 3, "every question tallied by a scheduler");
    for (int i = 0; i < 3; i++) {
        char q[24], path[96];
        snprintf(q, sizeof q, "%lld", (long long)qids[i]);
        cr_assert_eq(
            qu_sql_int("SELECT count(*) FROM audit_entries WHERE kind = "
                       "'tally.published' AND (entry::jsonb -> 'data' ->> 'question') = $1",
                       q),
            1, "tallied exactly once");
        snprintf(path, sizeof path, "/api/v1/questions/%s/result", q);
        struct h_resp *r = it_req(qw.s, "GET", path, NULL, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        /* nobody voted: a count of nothing decides nothing */
        cr_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "no_quorum");
        cr_assert_eq(json_integer_value(json_object_get(r->json, "ballots")), 0);
        cr_assert_eq(json_integer_value(json_object_get(r->json, "seed")),
                     seed_from_log(qw.aid, qids[i]));
        h_resp_free(r);
    }
    h_server_stop(second);
}

/* Real casts: members rank through POST …/ballots (qballot's path), the
 * convener closes, and the published result equals pnyx-tally on the
 * export; every receipt a voter got is in the CSV export, with its
 * ranking. STV, two seats, a country cap. */
Test(results, cast_close_count_through_the_api)
{
    struct qu_world qw = qu_world_new(14, "DEFRESITPL");
    json_t *body = qu_body();
    json_object_set_new(body, "method", json_string("stv"));
    json_object_set_new(body, "seats", json_integer(2));
    json_object_set_new(body, "country_cap", json_string("0.4"));
    json_object_set_new(body, "options",
                        json_pack("[{s:s},{s:s},{s:s},{s:s}]", "label", "Parks", "label", "Schools",
                                  "label", "Roads", "label", "Clinics"));
    int64_t qid = qu_create(qw.s, &qw.conv, qw.aid, body);
    qu_open(qw.s, &qw.conv, qid);
    static const char *const ids[] = {"A", "B", "C", "D"};
    char receipts[14][65];
    char rankings[14][16];
    bl_rng = 4242;
    for (int i = 0; i < 14; i++) {
        int perm[4] = {0, 1, 2, 3};
        for (int k = 3; k > 0; k--) {
            int j = (int)(bl_next() % (uint64_t)(k + 1));
            int t = perm[k];
            perm[k] = perm[j];
            perm[j] = t;
        }
        int len = 1 + (int)(bl_next() % 4);
        json_t *rk = json_array();
        rankings[i][0] = '\0';
        for (int k = 0; k < len; k++) {
            json_array_append_new(rk, json_string(ids[perm[k]]));
            strcat(rankings[i], ids[perm[k]]);
        }
        json_t *cast = json_pack("{s:o}", "ranking", rk);
        struct h_resp *r = qu_post(qw.s, &qw.m[i], qid, "ballots", cast);
        json_decref(cast);
        cr_assert_eq(r->status, 201, "cast: %ld %s", r->status, r->body);
        snprintf(receipts[i], sizeof receipts[i], "%s",
                 json_string_value(json_object_get(r->json, "receipt")));
        h_resp_free(r);
    }
    struct h_resp *r = qu_close_resp(qw.s, &qw.conv, qid, "Everyone has voted");
    cr_assert_eq(r->status, 200, "close: %ld %s", r->status, r->body);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "state")), "tallied");
    h_resp_free(r);
    struct world w = {.s = qw.s, .conv = qw.conv, .aid = qw.aid};
    json_t *j = check_published(&w, qid);
    cr_assert_eq(json_integer_value(json_object_get(j, "ballots")), 14);
    cr_assert_eq(json_array_size(json_object_get(j, "winners")), 2);
    cr_assert(json_object_get(j, "country_cap") != NULL);
    json_decref(j);
    /* every voter's receipt is on the CSV export with the ranking cast */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/questions/%lld/export?format=csv", (long long)qid);
    r = it_req(qw.s, "GET", path, NULL, NULL);
    cr_assert_eq(r->status, 200);
    for (int i = 0; i < 14; i++) {
        const char *row = strstr(r->body, receipts[i]);
        cr_assert(row != NULL, "receipt %s not on the CSV export", receipts[i]);
        char got[16] = {0};
        const char *p = row + 64 + 4; /* receipt, ",ZZ" */
        for (size_t k = 0; *p != '\r' && k < sizeof got - 1; p++) {
            if (*p != ',') {
                got[k++] = *p;
            }
        }
        cr_assert_str_eq(got, rankings[i], "ranking of receipt %s", receipts[i]);
    }
    h_resp_free(r);
}
