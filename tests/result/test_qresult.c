/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/result/test_qresult.c — codec/result: a question's count and its
 * exports, without a database.
 *
 * The central property, on seeded random boards (IRV, STV, Schulze; with
 * and without excluded options, country cap, double majority): the server's
 * result bytes, with the server members cut off ("{" + from the first
 * "\"rules_id\""), equal what pnyx-tally writes for the pnyx export of the
 * same board (election_read → tally_run → election_write_json, the code of
 * pnyx-tally) byte for byte; the BLT and CDF exports, parsed back by
 * independent readers here, elect the same winners where those formats can
 * say everything (no cap, no double majority); the CSV has one row per
 * ballot with the right cells. Plus the quorum arithmetic and the status.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "codec/election/election.h"
#include "codec/result/qresult.h"

/* ---- a seeded board ------------------------------------------------------------------ */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((rng_state >> 33) % n);
}

#define MAXB 3000
struct board {
    int n; /* ballots */
    uint8_t ranking[MAXB][QR_MAX_OPTIONS];
    char country[MAXB][3];
    char receipt[MAXB][65];
};

static const char *const COUNTRIES[] = {"DE", "FR", "IT", "ES", "PL", "ZZ"};

struct qcase {
    struct qr_spec s;
    char ids[QR_MAX_OPTIONS][3];
    bool excluded[QR_MAX_OPTIONS];
    char cap[16], dm[16];
};

/* A board with a few voter blocs (so counts are decided, not all ties). */
static void make_board(struct board *bd, const struct qcase *qc, int n)
{
    int k = qc->s.n_options, w = qr_width(&qc->s);
    uint8_t blocs[4][QR_MAX_OPTIONS];
    for (int b = 0; b < 4; b++) {
        for (int i = 0; i < k; i++) {
            blocs[b][i] = (uint8_t)i;
        }
        for (int i = k - 1; i > 0; i--) {
            int j = (int)rnd((uint32_t)i + 1);
            uint8_t t = blocs[b][i];
            blocs[b][i] = blocs[b][j];
            blocs[b][j] = t;
        }
    }
    bd->n = n;
    for (int v = 0; v < n; v++) {
        uint8_t r[QR_MAX_OPTIONS];
        memcpy(r, blocs[rnd(4) < 3 ? rnd(2) : 2 + rnd(2)], (size_t)k);
        for (int s = 0; s < 2; s++) { /* a little noise */
            int i = (int)rnd((uint32_t)k), j = (int)rnd((uint32_t)k);
            uint8_t t = r[i];
            r[i] = r[j];
            r[j] = t;
        }
        int len = 1 + (int)rnd((uint32_t)w);
        memset(bd->ranking[v], 0xFF, QR_MAX_OPTIONS);
        memcpy(bd->ranking[v], r, (size_t)len);
        /* countries: skewed sizes, the last ones folded to ZZ on the board */
        unsigned c = rnd(100);
        snprintf(bd->country[v], 3, "%s",
                 COUNTRIES[c < 40   ? 0
                           : c < 65 ? 1
                           : c < 80 ? 2
                           : c < 92 ? 3
                           : c < 97 ? 4
                                    : 5]);
        for (int h = 0; h < 64; h++) {
            bd->receipt[v][h] = "0123456789abcdef"[rnd(16)];
        }
        bd->receipt[v][64] = '\0';
    }
}

static void make_case(struct qcase *qc, enum tally_method m, int k, int seats, int max_rank,
                      bool excl, const char *cap, const char *dm, int64_t seed)
{
    memset(qc, 0, sizeof *qc);
    for (int i = 0; i < k; i++) {
        qc->ids[i][0] = (char)('A' + i);
    }
    if (excl) {
        qc->excluded[k - 1] = true;
    }
    snprintf(qc->cap, sizeof qc->cap, "%s", cap ? cap : "");
    snprintf(qc->dm, sizeof qc->dm, "%s", dm ? dm : "");
    qc->s = (struct qr_spec){
        .qid = 42,
        .title = "Which \"plan\"?\nÉtude",
        .method = m,
        .seats = seats,
        .n_options = k,
        .option_ids = (const char(*)[3])qc->ids,
        .excluded = qc->excluded,
        .country_cap = qc->cap,
        .dm_share = qc->dm,
        .max_rankings = max_rank,
        .seed = seed,
    };
}

/* Counts the board as the server does; fills e (caller fini's) and r. */
static void server_count(const struct qcase *qc, const struct board *bd, struct tally_election *e,
                         struct tally_result *r)
{
    struct tally_error err = {0};
    tally_election_init(e);
    cr_assert_eq(qr_election_setup(&qc->s, e, &err), TALLY_OK, "%s", err.reason);
    for (int v = 0; v < bd->n; v++) {
        cr_assert_eq(
            qr_election_add(e, bd->ranking[v], (size_t)qc->s.n_options, bd->country[v], 1, &err),
            TALLY_OK, "%s", err.reason);
    }
    memset(r, 0, sizeof *r);
    cr_assert_eq(tally_run(e, r, &err), TALLY_OK, "%s", err.reason);
}

static int cmp_group(const void *a, const void *b)
{
    return memcmp(a, b, QR_MAX_OPTIONS + 2);
}

/* The pnyx export: ballots grouped by (ranking, country) as SQL's GROUP BY. */
static void pnyx_export(const struct qcase *qc, const struct board *bd, const char *result,
                        size_t rlen, struct election_buf *out)
{
    size_t rec = QR_MAX_OPTIONS + 2;
    uint8_t *keys = malloc(rec * (size_t)bd->n);
    for (int v = 0; v < bd->n; v++) {
        memcpy(keys + rec * (size_t)v, bd->ranking[v], QR_MAX_OPTIONS);
        memcpy(keys + rec * (size_t)v + QR_MAX_OPTIONS, bd->country[v], 2);
    }
    qsort(keys, (size_t)bd->n, rec, cmp_group);
    qr_pnyx_head(&qc->s, out);
    bool first = true;
    for (int v = 0; v < bd->n;) {
        int u = v;
        while (u < bd->n && memcmp(keys + rec * (size_t)u, keys + rec * (size_t)v, rec) == 0) {
            u++;
        }
        const uint8_t *k = keys + rec * (size_t)v;
        qr_pnyx_ballot(&qc->s, first, k, QR_MAX_OPTIONS, (const char *)k + QR_MAX_OPTIONS,
                       (uint64_t)(u - v), out);
        first = false;
        v = u;
    }
    qr_pnyx_tail(result, rlen, out);
    free(keys);
}

static struct board BD;

static void check_roundtrip(const struct qcase *qc, int n)
{
    make_board(&BD, qc, n);
    struct tally_election e;
    struct tally_result r;
    server_count(qc, &BD, &e, &r);

    char turnout[48];
    bool met = qr_quorum(n, n + 7, 3, "0.5", 2, turnout);
    struct qr_meta m = {.qid = qc->s.qid,
                        .status = qr_status_of(met, &r),
                        .method = "irv",
                        .seats = qc->s.seats,
                        .ballots = n,
                        .roll_size = n + 7,
                        .countries = 3,
                        .turnout = turnout,
                        .min_turnout = "0.5",
                        .min_countries = 2,
                        .quorum_met = met,
                        .seed = qc->s.seed};
    struct election_buf res = {0};
    cr_assert_eq(qr_result_write(&m, &e, &r, &res), 0);
    /* the result is valid JSON with the server members */
    json_error_t jerr;
    json_t *j = json_loadb(res.data, res.len, 0, &jerr);
    cr_assert(j != NULL, "result is not JSON: %s", jerr.text);
    cr_assert_eq(json_integer_value(json_object_get(j, "question")), 42);
    cr_assert_str_eq(json_string_value(json_object_get(j, "rules_id")), qr_rules_id(qc->s.method));
    json_decref(j);

    /* pnyx-tally on the export */
    struct election_buf ex = {0};
    pnyx_export(qc, &BD, res.data, res.len, &ex);
    cr_assert_eq(ex.oom, 0);
    struct tally_election e2;
    struct tally_result r2 = {0};
    struct tally_error err = {0};
    tally_election_init(&e2);
    cr_assert_eq(election_read(ex.data, ex.len, &e2, &err), TALLY_OK, "%s", err.reason);
    cr_assert_eq(tally_run(&e2, &r2, &err), TALLY_OK, "%s", err.reason);
    struct election_buf t = {0};
    cr_assert_eq(election_write_json(&e2, &r2, &t), 0);
    const char *cut = strstr(res.data, "\"rules_id\"");
    cr_assert(cut != NULL);
    cr_assert_eq(t.data[0], '{');
    cr_assert_eq(strlen(cut), t.len - 1, "engine part %zu bytes, pnyx-tally %zu", strlen(cut),
                 t.len - 1);
    cr_assert(memcmp(cut, t.data + 1, t.len - 1) == 0, "result differs from pnyx-tally");
    /* the export carries the result itself */
    j = json_loadb(ex.data, ex.len, 0, &jerr);
    cr_assert(j != NULL, "export is not JSON: %s", jerr.text);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "result"), "seed")),
                 qc->s.seed);
    json_decref(j);

    election_buf_fini(&t);
    election_buf_fini(&ex);
    election_buf_fini(&res);
    tally_result_fini(&r2);
    tally_election_fini(&e2);
    tally_result_fini(&r);
    tally_election_fini(&e);
}

Test(qresult, pnyx_export_reproduces_result_irv)
{
    struct qcase qc;
    for (int i = 0; i < 12; i++) {
        rng_state = 1000 + (uint64_t)i;
        make_case(&qc, TALLY_IRV, 3 + i % 6, 1, i % 3 == 0 ? 2 : -1, i % 4 == 1,
                  i % 2 ? "0.3" : NULL, i % 3 == 2 ? "0.6" : NULL, (int64_t)i * 7919 - 40000);
        check_roundtrip(&qc, 50 + 200 * i);
    }
}

Test(qresult, pnyx_export_reproduces_result_stv)
{
    struct qcase qc;
    for (int i = 0; i < 10; i++) {
        rng_state = 2000 + (uint64_t)i;
        make_case(&qc, TALLY_STV, 4 + i % 5, 2 + i % 3, -1, i % 3 == 1, i % 2 ? "0.35" : NULL, NULL,
                  -(int64_t)i * 104729);
        check_roundtrip(&qc, 100 + 250 * i);
    }
}

Test(qresult, pnyx_export_reproduces_result_schulze)
{
    struct qcase qc;
    for (int i = 0; i < 10; i++) {
        rng_state = 3000 + (uint64_t)i;
        make_case(&qc, TALLY_SCHULZE, 3 + i % 7, 1 + i % 2, i % 4 == 0 ? 3 : -1, i % 3 == 0,
                  i % 2 ? "0.25" : NULL, i % 2 == 0 && i % 4 != 0 ? "0.5" : NULL, i * 31);
        /* double majority needs one seat */
        if (qc.dm[0]) {
            qc.s.seats = 1;
        }
        check_roundtrip(&qc, 60 + 300 * i);
    }
}

/* ---- BLT and CDF parsed back ----------------------------------------------------------- */

static void winners_of(const struct tally_election *e, const struct tally_result *r, char *out,
                       size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->n_winners && n + 4 < cap; i++) {
        uint32_t o = r->winners[i];
        n += (size_t)snprintf(out + n, cap - n, "%.*s,", (int)e->opt_len[o],
                              e->opt_chars + e->opt_off[o]);
    }
}

/* An independent BLT reader: header, withdrawn line, ballots, names. */
static void read_blt(const char *text, const struct qcase *qc, struct tally_election *e)
{
    struct tally_error err = {0};
    const char *p = text;
    char *end;
    long k = strtol(p, &end, 10);
    long seats = strtol(end, &end, 10);
    cr_assert_eq(k, qc->s.n_options);
    cr_assert_eq(seats, qc->s.seats);
    cr_assert_eq(qr_election_setup(&qc->s, e, &err), TALLY_OK); /* same rules, fresh options */
    /* the withdrawn line must name exactly the excluded options */
    bool withdrawn[QR_MAX_OPTIONS] = {0};
    p = end;
    for (;;) {
        long v = strtol(p, &end, 10);
        if (end == p) {
            break;
        }
        if (v < 0) {
            withdrawn[-v - 1] = true;
            p = end;
            continue;
        }
        /* a ballot line: weight, positions, 0 */
        if (v == 0) {
            p = end;
            break;
        }
        p = end;
        uint8_t r[QR_MAX_OPTIONS];
        memset(r, 0xFF, sizeof r);
        int n = 0;
        for (;;) {
            long c = strtol(p, &end, 10);
            p = end;
            if (c == 0) {
                break;
            }
            r[n++] = (uint8_t)(c - 1);
        }
        cr_assert_eq(qr_election_add(e, r, QR_MAX_OPTIONS, "DE", (uint64_t)v, &err), TALLY_OK);
    }
    for (int i = 0; i < qc->s.n_options; i++) {
        cr_assert_eq(withdrawn[i], qc->excluded[i]);
    }
    /* names: one quoted line per option, then the title */
    int names = 0;
    for (const char *q = p; (q = strchr(q, '\n')) != NULL; q++) {
        if (q[1] == '"') {
            names++;
        }
    }
    cr_assert_eq(names, qc->s.n_options + 1);
}

/* An independent CDF reader (Jansson), following RCTab's JSON path. */
static void read_cdf(const char *text, size_t len, const struct qcase *qc, struct tally_election *e,
                     int expect_n)
{
    struct tally_error err = {0};
    json_error_t jerr;
    json_t *j = json_loadb(text, len, 0, &jerr);
    cr_assert(j != NULL, "CDF is not JSON: %s", jerr.text);
    cr_assert_eq(qr_election_setup(&qc->s, e, &err), TALLY_OK);
    json_t *contest = json_array_get(
        json_object_get(json_array_get(json_object_get(j, "Election"), 0), "Contest"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(contest, "Name")), "question-42");
    json_t *cvrs = json_object_get(j, "CVR");
    cr_assert_eq((int)json_array_size(cvrs), expect_n);
    size_t i;
    json_t *cvr;
    json_array_foreach(cvrs, i, cvr)
    {
        const char *cur = json_string_value(json_object_get(cvr, "CurrentSnapshotId"));
        json_t *snap = json_array_get(json_object_get(cvr, "CVRSnapshot"), 0);
        cr_assert_str_eq(json_string_value(json_object_get(snap, "@id")), cur);
        const char *unit = json_string_value(json_object_get(cvr, "BallotStyleUnitId"));
        cr_assert(unit != NULL && strncmp(unit, "gpu-", 4) == 0);
        json_t *sels = json_object_get(json_array_get(json_object_get(snap, "CVRContest"), 0),
                                       "CVRContestSelection");
        uint8_t r[QR_MAX_OPTIONS];
        memset(r, 0xFF, sizeof r);
        size_t si;
        json_t *sel;
        json_array_foreach(sels, si, sel)
        {
            const char *cs = json_string_value(json_object_get(sel, "ContestSelectionId"));
            json_t *pos = json_array_get(json_object_get(sel, "SelectionPosition"), 0);
            json_int_t rank = json_integer_value(json_object_get(pos, "Rank"));
            cr_assert(rank >= 1 && rank <= QR_MAX_OPTIONS);
            uint32_t o = tally_election_find_option(e, cs + 3, strlen(cs + 3));
            cr_assert_neq(o, TALLY_NONE);
            r[rank - 1] = (uint8_t)o;
        }
        cr_assert_eq(qr_election_add(e, r, QR_MAX_OPTIONS, unit + 4, 1, &err), TALLY_OK, "%s",
                     err.reason);
    }
    json_decref(j);
}

Test(qresult, blt_and_cdf_give_the_same_winners)
{
    struct qcase qc;
    for (int i = 0; i < 9; i++) {
        rng_state = 4000 + (uint64_t)i;
        enum tally_method m = i % 3 == 0 ? TALLY_IRV : i % 3 == 1 ? TALLY_STV : TALLY_SCHULZE;
        make_case(&qc, m, 4 + i % 4, m == TALLY_STV ? 2 + i % 2 : 1, -1, i % 2 == 1, NULL, NULL,
                  i * 1000003);
        make_board(&BD, &qc, 400 + 200 * i);
        struct tally_election e;
        struct tally_result r;
        server_count(&qc, &BD, &e, &r);
        char want[512], got[512];
        winners_of(&e, &r, want, sizeof want);

        /* BLT, grouped by ranking */
        struct election_buf blt = {0};
        qr_blt_head(&qc.s, &blt);
        for (int v = 0; v < BD.n; v++) {
            qr_blt_ballot(BD.ranking[v], QR_MAX_OPTIONS, 1, &blt);
        }
        qr_blt_tail(&qc.s, &blt);
        struct tally_election eb;
        struct tally_result rb = {0};
        struct tally_error err = {0};
        tally_election_init(&eb);
        read_blt(blt.data, &qc, &eb);
        cr_assert_eq(tally_run(&eb, &rb, &err), TALLY_OK, "%s", err.reason);
        winners_of(&eb, &rb, got, sizeof got);
        cr_assert_str_eq(got, want, "BLT case %d", i);

        /* CDF */
        static const char cs[][3] = {"DE", "ES", "FR", "IT", "PL", "ZZ"};
        struct election_buf cdf = {0};
        qr_cdf_head(&qc.s, cs, 6, &cdf);
        for (int v = 0; v < BD.n; v++) {
            qr_cdf_cvr(&qc.s, v == 0, v, BD.receipt[v], BD.country[v], BD.ranking[v],
                       QR_MAX_OPTIONS, &cdf);
        }
        qr_cdf_tail(&cdf);
        struct tally_election ec;
        struct tally_result rc = {0};
        tally_election_init(&ec);
        read_cdf(cdf.data, cdf.len, &qc, &ec, BD.n);
        cr_assert_eq(tally_run(&ec, &rc, &err), TALLY_OK, "%s", err.reason);
        winners_of(&ec, &rc, got, sizeof got);
        cr_assert_str_eq(got, want, "CDF case %d", i);

        /* the RCTab config is JSON naming the CVR file and every candidate */
        struct election_buf cfg = {0};
        qr_rctab_config(&qc.s, "question-42-cvr.json", &cfg);
        json_error_t jerr;
        json_t *j = json_loadb(cfg.data, cfg.len, 0, &jerr);
        cr_assert(j != NULL, "config is not JSON: %s", jerr.text);
        cr_assert_eq((int)json_array_size(json_object_get(j, "candidates")), qc.s.n_options);
        cr_assert_str_eq(json_string_value(json_object_get(
                             json_array_get(json_object_get(j, "cvrFileSources"), 0), "filePath")),
                         "question-42-cvr.json");
        json_decref(j);

        election_buf_fini(&cfg);
        election_buf_fini(&cdf);
        election_buf_fini(&blt);
        tally_result_fini(&rc);
        tally_election_fini(&ec);
        tally_result_fini(&rb);
        tally_election_fini(&eb);
        tally_result_fini(&r);
        tally_election_fini(&e);
    }
}

Test(qresult, csv_rows)
{
    struct qcase qc;
    rng_state = 5;
    make_case(&qc, TALLY_IRV, 5, 1, 3, false, NULL, NULL, 0);
    make_board(&BD, &qc, 20);
    struct election_buf b = {0};
    qr_csv_head(&qc.s, &b);
    cr_assert_str_eq(b.data, "receipt,country,rank1,rank2,rank3\r\n");
    for (int v = 0; v < BD.n; v++) {
        qr_csv_row(&qc.s, BD.receipt[v], BD.country[v], BD.ranking[v], QR_MAX_OPTIONS, &b);
    }
    int rows = 0;
    for (const char *p = b.data; (p = strstr(p, "\r\n")) != NULL; p += 2) {
        rows++;
    }
    cr_assert_eq(rows, 21);
    /* one row spelled out */
    uint8_t r[QR_MAX_OPTIONS];
    memset(r, 0xFF, sizeof r);
    r[0] = 2;
    r[1] = 0;
    election_buf_fini(&b);
    qr_csv_row(&qc.s, BD.receipt[0], "FR", r, 5, &b);
    char want[128];
    snprintf(want, sizeof want, "%s,FR,C,A,\r\n", BD.receipt[0]);
    cr_assert_str_eq(b.data, want);
    election_buf_fini(&b);
}

Test(qresult, blt_layout)
{
    struct qcase qc;
    make_case(&qc, TALLY_STV, 4, 2, -1, true, NULL, NULL, 0);
    const char *labels[4] = {"Alpha", "Be\"ta", "", "Delta"};
    qc.s.labels = labels;
    qc.s.title = "T";
    struct election_buf b = {0};
    qr_blt_head(&qc.s, &b);
    uint8_t r[4] = {1, 0, 0xFF, 0xFF};
    qr_blt_ballot(r, 4, 3, &b);
    qr_blt_tail(&qc.s, &b);
    cr_assert_str_eq(b.data,
                     "4 2\n-4\n3 2 1 0\n0\n\"Alpha\"\n\"Be'ta\"\n\"C\"\n\"Delta\"\n\"T\"\n");
    election_buf_fini(&b);
}

/* ---- quorum and status ------------------------------------------------------------------ */

Test(qresult, quorum)
{
    char t[48];
    cr_assert(qr_quorum(1, 2, 1, "0.5", 1, t)); /* exactly half */
    cr_assert_str_eq(t, "0.5");
    cr_assert_not(qr_quorum(1, 3, 1, "0.3334", 0, t));
    cr_assert_str_eq(t, "0.3333"); /* truncated */
    cr_assert(qr_quorum(1, 3, 1, "0.3333", 0, t));
    cr_assert_not(qr_quorum(5, 6, 1, "0.5", 2, t)); /* one country of two */
    cr_assert(qr_quorum(6, 6, 2, "1", 2, t));
    cr_assert_str_eq(t, "1");
    cr_assert_not(qr_quorum(0, 6, 0, "0", 0, t)); /* nothing cast: no quorum */
    cr_assert_str_eq(t, "0");
    cr_assert(qr_quorum(1, 6, 0, "0", 0, t));
    cr_assert_not(qr_quorum(3, 6, 2, "abc", 0, t));
    cr_assert_not(qr_quorum(3, 0, 2, "0.1", 0, t)); /* empty roll */
}

Test(qresult, status_and_names)
{
    struct tally_result r = {0};
    cr_assert_eq(qr_status_of(false, &r), QR_NO_QUORUM);
    cr_assert_eq(qr_status_of(true, &r), QR_TALLIED);
    r.double_majority.present = true;
    cr_assert_eq(qr_status_of(true, &r), QR_NO_DOUBLE_MAJORITY);
    r.double_majority.met = true;
    cr_assert_eq(qr_status_of(true, &r), QR_TALLIED);
    cr_assert_eq(qr_status_of(false, &r), QR_NO_QUORUM);
    cr_assert_str_eq(qr_status_name(QR_NO_DOUBLE_MAJORITY), "no_double_majority");
    cr_assert_str_eq(qr_rules_id(TALLY_IRV), "pnyx-irv/1");
    cr_assert_str_eq(qr_rules_id(TALLY_STV), "pnyx-stv/1");
    cr_assert_str_eq(qr_rules_id(TALLY_SCHULZE), "pnyx-schulze/1");
    cr_assert_eq(qr_method_parse("schulze"), TALLY_SCHULZE);
    cr_assert_eq(qr_method_parse("borda"), -1);
}

Test(qresult, bad_board_rows_are_refused)
{
    struct qcase qc;
    make_case(&qc, TALLY_IRV, 3, 1, -1, false, NULL, NULL, 0);
    struct tally_election e;
    struct tally_error err = {0};
    tally_election_init(&e);
    cr_assert_eq(qr_election_setup(&qc.s, &e, &err), TALLY_OK);
    uint8_t bad[3] = {0, 7, 0xFF};
    cr_assert_eq(qr_election_add(&e, bad, 3, "DE", 1, &err), TALLY_EINVAL);
    uint8_t ok[3] = {0, 1, 0xFF};
    cr_assert_eq(qr_election_add(&e, ok, 3, "d1", 1, &err), TALLY_EINVAL);
    cr_assert_eq(qr_election_add(&e, ok, 3, "DE", 1, &err), TALLY_OK);
    cr_assert_eq(e.n_added, 1);
    tally_election_fini(&e);
}
