/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * bench/questions/results_bench.c — loads a closed question with a big
 * board through the DIRECT SQL loader (tests/integration/board_util.h: it
 * bypasses the cast path and the seal) and times question_tally() on it,
 * in this process, exactly as pnyxd runs it after a close (claim, seed,
 * board grouped in SQL, count, result bytes, tally.published, commit).
 *
 *   results_bench CONNINFO AID AUTHOR BALLOTS OPTIONS METHOD SEATS [SEED [POOL]]
 *
 * POOL > 0 draws that many voter types and spreads the voters over them
 * (board_util.h), like gen_election.py's "large" model; 0 (default) gives
 * every voter a ballot of their own (almost all distinct).
 *
 * Prints one line: qid=… ballots=… load_s=… tally_s=… status=…
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr,
                "usage: %s CONNINFO AID AUTHOR BALLOTS OPTIONS METHOD SEATS [SEED [POOL]]\n",
                argv[0]);
        return 2;
    }
    const char *conninfo = argv[1];
    int64_t aid = strtoll(argv[2], NULL, 10), author = strtoll(argv[3], NULL, 10);
    int n = atoi(argv[4]), k = atoi(argv[5]);
    uint64_t seed = argc > 8 ? strtoull(argv[8], NULL, 10) : 1;
    int pool = argc > 9 ? atoi(argv[9]) : 0;
    PGconn *pg = PQconnectdb(conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "%s", PQerrorMessage(pg));
        return 1;
    }
    struct bl_spec s = {.method = argv[6], .seats = atoi(argv[7]), .k = k, .max_rankings = -1};
    double t0 = now_s();
    struct bl_board b = bl_board_random_pool(n, k, -1, seed, pool);
    int64_t qid = bl_load_closed(pg, aid, author, &s, &b);
    bl_board_free(&b);
    double t1 = now_s();
    if (qid < 0) {
        return 1;
    }
    PQclear(PQexec(pg, "CHECKPOINT")); /* the load's dirty pages are not the tally's cost */
    PQclear(PQexec(pg, "VACUUM ANALYZE ballots"));
    db_global_init(conninfo);
    api_audit_writer_init();
    double t2 = now_s();
    enum db_status st = question_tally(db_thread_conn(), qid);
    double t3 = now_s();
    char q[24];
    snprintf(q, sizeof q, "%" PRId64, qid);
    const char *p[1] = {q};
    PGresult *r = PQexecParams(pg, "SELECT result_status FROM questions WHERE id = $1::bigint", 1,
                               NULL, p, NULL, NULL, 0);
    printf("qid=%" PRId64 " ballots=%d load_s=%.2f tally_s=%.3f status=%s db=%s\n", qid, n, t1 - t0,
           t3 - t2, PQntuples(r) ? PQgetvalue(r, 0, 0) : "?", db_status_name(st));
    PQclear(r);
    db_thread_close();
    PQfinish(pg);
    return st == DB_OK ? 0 : 1;
}
