/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * bench/audit/record_stream_bench.c — prepares a big record for
 * record_stream_bench.sh: loads a closed question of BALLOTS ballots with
 * the DIRECT SQL loader (tests/integration/board_util.h: it bypasses the
 * cast path and the seal, and its board_root is random), appends a
 * question.closed entry for it (so the record's snapshot holds it) and runs
 * question_tally() in-process as pnyxd would. The record it then serves is
 * for timing pnyxd's streamed GET …/record and its memory, not for
 * pnyx-verify (no question.opened; the board root is not the loader's).
 *
 *   record_stream_bench CONNINFO AID AUTHOR BALLOTS OPTIONS [POOL]
 *
 * Prints: qid=… ballots=… load_s=… tally_s=… db=…
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api/audit_writer.h"
#include "api/question_int.h"
#include "board_util.h"
#include "db/db.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct closed_txn {
    int64_t aid, qid;
    int n;
    struct arena *a; /* lives until the commit: the writer flushes from it */
};

static enum db_status closed_body(struct db_conn *c, void *cls)
{
    struct closed_txn *t = cls;
    struct arena *a = t->a;
    char q[24];
    snprintf(q, sizeof q, "%" PRId64, t->qid);
    json_t *d = json_pack(
        "{s:s, s:i, s:i, s:s, s:i}", "question", q, "ballots", t->n, "voters", t->n, "board_root",
        "0000000000000000000000000000000000000000000000000000000000000000", "board_size", t->n);
    enum db_status st = api_audit_append(c, a, t->aid, 0, "question.closed", d);
    json_decref(d);
    return st;
}

static void closed_reset(void *cls)
{
    (void)cls;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s CONNINFO AID AUTHOR BALLOTS OPTIONS [POOL]\n", argv[0]);
        return 2;
    }
    const char *conninfo = argv[1];
    int64_t aid = strtoll(argv[2], NULL, 10), author = strtoll(argv[3], NULL, 10);
    int n = atoi(argv[4]), k = atoi(argv[5]);
    int pool = argc > 6 ? atoi(argv[6]) : 60000;
    PGconn *pg = PQconnectdb(conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "%s", PQerrorMessage(pg));
        return 1;
    }
    struct bl_spec s = {.method = "irv", .seats = 1, .k = k, .max_rankings = -1};
    double t0 = now_s();
    struct bl_board b = bl_board_random_pool(n, k, -1, 7, pool);
    int64_t qid = bl_load_closed(pg, aid, author, &s, &b);
    bl_board_free(&b);
    double t1 = now_s();
    if (qid < 0) {
        return 1;
    }
    PQclear(PQexec(pg, "CHECKPOINT"));
    PQclear(PQexec(pg, "VACUUM ANALYZE ballots"));
    db_global_init(conninfo);
    api_audit_writer_init();
    struct closed_txn ct = {.aid = aid, .qid = qid, .n = n, .a = arena_new()};
    enum db_status st =
        db_run_txn(db_thread_conn(), "bench_closed", closed_body, closed_reset, &ct);
    arena_free(ct.a);
    double t2 = now_s();
    if (st == DB_OK) {
        st = question_tally(db_thread_conn(), qid);
    }
    double t3 = now_s();
    printf("qid=%" PRId64 " ballots=%d load_s=%.2f tally_s=%.3f db=%s\n", qid, n, t1 - t0, t3 - t2,
           db_status_name(st));
    db_thread_close();
    PQfinish(pg);
    return st == DB_OK ? 0 : 1;
}
