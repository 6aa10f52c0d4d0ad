/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/tally_bench.c — developer tool: time the engine on a large
 * synthetic election built in memory (no JSON), separating the build (what a
 * reader pays per ballot: one tally_election_add_entry each, with grouping)
 * from the count (tally_run).
 *
 *   tally_bench [ballots] [candidates] [seats] [pool] [seed]
 * seats 1 = irv, > 1 = stv. pool 0 = every ballot drawn on its own (many
 * distinct rankings), else that many voter types with Pareto-like sizes,
 * like gen_election.py's "large" mode. The distribution is spatial: voters
 * from four Gaussian blocs rank candidates by distance plus noise and stop
 * with a rising probability (truncation). Floating point is fine here: it
 * only generates input.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tally.h"

static uint64_t rng_state;

static double urand(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) * 0x1.0p-53;
}

static double nrand(void)
{
    double u = urand(), v = urand();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define MAXK 64

struct ballot {
    int n;
    uint32_t ids[MAXK];
};

static void draw(struct ballot *b, int k, double cand[][2], double blocs[][2])
{
    int bl = (int)(urand() * 4);
    double vx = blocs[bl][0] + 0.3 * nrand(), vy = blocs[bl][1] + 0.3 * nrand();
    double score[MAXK];
    uint32_t ord[MAXK];
    for (int i = 0; i < k; i++) {
        double dx = cand[i][0] - vx, dy = cand[i][1] - vy;
        score[i] = sqrt(dx * dx + dy * dy) + 0.35 * nrand();
        ord[i] = (uint32_t)i;
    }
    for (int i = 1; i < k; i++) {
        uint32_t v = ord[i];
        int j = i;
        while (j > 0 && score[ord[j - 1]] > score[v]) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = v;
    }
    b->n = 0;
    for (int i = 0; i < k; i++) {
        b->ids[b->n++] = ord[i];
        if (urand() < 0.15 + 0.05 * i) {
            break; /* voters grow tired further down the ballot */
        }
    }
}

int main(int argc, char **argv)
{
    long nb = argc > 1 ? atol(argv[1]) : 1000000;
    int k = argc > 2 ? atoi(argv[2]) : 20;
    int seats = argc > 3 ? atoi(argv[3]) : 1;
    long pool = argc > 4 ? atol(argv[4]) : 5000;
    rng_state = argc > 5 ? strtoull(argv[5], NULL, 10) : 1;
    if (k < 2 || k > MAXK) {
        fprintf(stderr, "candidates must be 2..%d\n", MAXK);
        return 2;
    }
    double cand[MAXK][2], blocs[4][2];
    for (int i = 0; i < k; i++) {
        cand[i][0] = nrand();
        cand[i][1] = nrand();
    }
    for (int i = 0; i < 4; i++) {
        blocs[i][0] = nrand();
        blocs[i][1] = nrand();
    }
    struct ballot *types = NULL;
    double *cum = NULL;
    if (pool > 0) {
        types = malloc((size_t)pool * sizeof(*types));
        cum = malloc((size_t)pool * sizeof(*cum));
        double acc = 0;
        for (long i = 0; i < pool; i++) {
            draw(&types[i], k, cand, blocs);
            acc += pow(1.0 - urand(), -1.0 / 1.2); /* Pareto(1.2) sizes */
            cum[i] = acc;
        }
        for (long i = 0; i < pool; i++) {
            cum[i] /= acc;
        }
    }
    /* pre-generate the ballots so the timing covers the engine only */
    struct ballot *all = malloc((size_t)nb * sizeof(*all));
    if (all == NULL) {
        return 1;
    }
    for (long i = 0; i < nb; i++) {
        if (pool > 0) {
            double u = urand();
            long lo = 0, hi = pool - 1;
            while (lo < hi) {
                long mid = (lo + hi) / 2;
                if (cum[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            all[i] = types[lo];
        } else {
            draw(&all[i], k, cand, blocs);
        }
    }
    struct tally_election e;
    struct tally_error err;
    tally_election_init(&e);
    e.method = seats > 1 ? TALLY_STV : TALLY_IRV;
    e.seats = seats;
    for (int i = 0; i < k; i++) {
        char id[16];
        int n = snprintf(id, sizeof(id), "C%02d", i);
        if (tally_election_add_option(&e, id, (size_t)n, &err)) {
            return 1;
        }
    }
    double t0 = now();
    for (long i = 0; i < nb; i++) {
        for (int j = 0; j < all[i].n; j++) {
            tally_election_mark_open(&e);
            tally_election_mark_add(&e, all[i].ids[j]);
            tally_election_mark_close(&e);
        }
        if (tally_election_add_entry(&e, 1, NULL, TALLY_COUNTRY_NONE, &err)) {
            fprintf(stderr, "add: %s\n", err.reason);
            return 1;
        }
    }
    double t1 = now();
    /* the machine is shared: report the best of a few counts */
    struct tally_result r;
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double ta = now();
        int rc = tally_run(&e, &r, &err);
        double tb = now();
        if (rc != TALLY_OK) {
            fprintf(stderr, "run: %s\n", err.reason);
            return 1;
        }
        if (tb - ta < best) {
            best = tb - ta;
        }
        if (rep < 4) {
            tally_result_fini(&r);
        }
    }
    printf("ballots %ld candidates %d seats %d pool %ld: distinct entries %zu, rounds %zu, "
           "winner %s\n",
           nb, k, seats, pool, e.n_entries, r.n_rounds, e.opt_chars + e.opt_off[r.winners[0]]);
    printf("build (add_entry x %ld, grouping) %.3f s; count (tally_run, best of 5) %.3f s\n", nb,
           t1 - t0, best);
    tally_result_fini(&r);
    tally_election_fini(&e);
    free(all);
    free(types);
    free(cum);
    return 0;
}
