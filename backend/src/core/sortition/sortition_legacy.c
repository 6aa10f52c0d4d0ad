/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/sortition_legacy.c — LEGACY, the greedy draw most tools
 * still use (NOTES §1), for comparison: repeat k times, take the feature
 * whose remaining minimum is the largest share of the respondents still
 * available, draw one of them uniformly, then drop everyone whose feature
 * reached its maximum and the drawn person's housemates. A failed attempt is
 * retried. Seeded (xoshiro256**), so a run is reproducible; the
 * probabilities are the empirical frequencies over options.legacy_runs
 * draws.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sortition_int.h"

/* Attempts per draw before LEGACY gives up (quotas it cannot meet greedily). */
#define LEGACY_ATTEMPTS 100

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void legacy_rng_seed(struct legacy_rng *r, uint64_t seed)
{
    for (int t = 0; t < 4; t++) {
        r->s[t] = splitmix(&seed);
    }
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t legacy_rng_next(struct legacy_rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

/* Uniform in [0, bound) without modulo bias (Lemire's rejection). */
static uint32_t uniform(struct legacy_rng *r, uint32_t bound)
{
    for (;;) {
        uint64_t m = (legacy_rng_next(r) >> 32) * (uint64_t)bound;
        uint32_t lo = (uint32_t)m;
        if (lo >= bound || lo >= (uint32_t)(-bound) % bound) {
            return (uint32_t)(m >> 32);
        }
    }
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int legacy_draw(const struct sortition_problem *p, struct legacy_rng *rng, int *panel)
{
    int n = p->n, C = p->ncategories, nf = 0;
    for (int c = 0; c < C; c++) {
        nf += p->categories[c].nfeatures;
    }
    int *off = malloc((size_t)(C + 1) * sizeof *off);
    int *sel = calloc((size_t)nf, sizeof *sel);
    int *rem = calloc((size_t)nf, sizeof *rem);
    bool *avail = malloc((size_t)n * sizeof *avail);
    int *cand = malloc((size_t)n * sizeof *cand);
    int rc = 0;
    if (off == NULL || sel == NULL || rem == NULL || avail == NULL || cand == NULL) {
        rc = -2;
        goto out;
    }
    off[0] = 0;
    for (int c = 0; c < C; c++) {
        off[c + 1] = off[c] + p->categories[c].nfeatures;
    }
    for (int i = 0; i < n; i++) {
        avail[i] = true;
        for (int c = 0; c < C; c++) {
            rem[off[c] + p->value[(size_t)i * (size_t)C + (size_t)c]]++;
        }
    }
    /* Features with max 0 remove their respondents at once. */
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < C; c++) {
            int f = p->value[(size_t)i * (size_t)C + (size_t)c];
            if (p->categories[c].features[f].max == 0 && avail[i]) {
                avail[i] = false;
                for (int c2 = 0; c2 < C; c2++) {
                    rem[off[c2] + p->value[(size_t)i * (size_t)C + (size_t)c2]]--;
                }
            }
        }
    }
    for (int t = 0; t < p->k; t++) {
        double best = -1.0;
        int bc = -1, bf = -1;
        for (int c = 0; c < C; c++) {
            for (int f = 0; f < p->categories[c].nfeatures; f++) {
                int g = off[c] + f;
                const struct sortition_feature *ft = &p->categories[c].features[f];
                if (rem[g] == 0 || ft->max == 0) {
                    continue;
                }
                int need = ft->min - sel[g];
                if (need > rem[g]) {
                    rc = -1;
                    goto out;
                }
                double ratio = (double)need / rem[g];
                if (ratio > best) {
                    best = ratio;
                    bc = c;
                    bf = f;
                }
            }
        }
        if (bc < 0) {
            rc = -1;
            goto out;
        }
        int nc = 0;
        for (int i = 0; i < n; i++) {
            if (avail[i] && p->value[(size_t)i * (size_t)C + (size_t)bc] == bf) {
                cand[nc++] = i;
            }
        }
        if (nc == 0) {
            rc = -1;
            goto out;
        }
        int pick = cand[uniform(rng, (uint32_t)nc)];
        panel[t] = pick;
        /* Remove the pick (and, with households, the housemates). */
        for (int i = 0; i < n; i++) {
            bool drop = i == pick || (p->household != NULL && p->household[pick] >= 0 &&
                                      p->household[i] == p->household[pick]);
            if (drop && avail[i]) {
                avail[i] = false;
                for (int c = 0; c < C; c++) {
                    rem[off[c] + p->value[(size_t)i * (size_t)C + (size_t)c]]--;
                }
            }
        }
        for (int c = 0; c < C; c++) {
            int g = off[c] + p->value[(size_t)pick * (size_t)C + (size_t)c];
            sel[g]++;
            const struct sortition_feature *ft =
                &p->categories[c].features[p->value[(size_t)pick * (size_t)C + (size_t)c]];
            if (sel[g] == ft->max) {
                int fv = p->value[(size_t)pick * (size_t)C + (size_t)c];
                for (int i = 0; i < n; i++) {
                    if (avail[i] && p->value[(size_t)i * (size_t)C + (size_t)c] == fv) {
                        avail[i] = false;
                        for (int c2 = 0; c2 < C; c2++) {
                            rem[off[c2] + p->value[(size_t)i * (size_t)C + (size_t)c2]]--;
                        }
                    }
                }
            }
        }
    }
    /* The greedy order can still end below a minimum. */
    for (int c = 0; c < C; c++) {
        for (int f = 0; f < p->categories[c].nfeatures; f++) {
            if (sel[off[c] + f] < p->categories[c].features[f].min) {
                rc = -1;
                goto out;
            }
        }
    }
    qsort(panel, (size_t)p->k, sizeof *panel, cmp_int);
out:
    free(off);
    free(sel);
    free(rem);
    free(avail);
    free(cand);
    return rc;
}

int sortition_legacy_run(const struct sortition_problem *p, const struct sortition_options *o,
                         struct sortition_result *r, struct sortition_error *err)
{
    struct legacy_rng rng;
    struct panel_set ps;
    legacy_rng_seed(&rng, o->seed);
    panel_set_init(&ps, p->k);
    int runs = o->legacy_runs > 0 ? o->legacy_runs : 10000;
    int *panel = malloc((size_t)p->k * sizeof *panel);
    double *counts = NULL;
    int rc = SORTITION_OK, cap = 0;
    double t0 = sortition_now();
    if (panel == NULL) {
        rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
        goto out;
    }
    for (int run = 0; run < runs; run++) {
        int d = -1;
        for (int a = 0; a < LEGACY_ATTEMPTS && d != 0; a++) {
            d = legacy_draw(p, &rng, panel);
            if (d == -2) {
                rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
                goto out;
            }
        }
        if (d != 0) {
            rc = sortition_fail(err, SORTITION_INFEASIBLE,
                                "the LEGACY greedy draw failed %d times in a row: it cannot meet "
                                "these quotas (MAXIMIN and LEXIMIN can)",
                                LEGACY_ATTEMPTS);
            goto out;
        }
        int added, j = panel_set_add(&ps, panel, &added);
        if (j < 0) {
            rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
            goto out;
        }
        if (j >= cap) {
            int ncap = cap ? 2 * cap : 1024;
            double *nc = realloc(counts, (size_t)ncap * sizeof *nc);
            if (nc == NULL) {
                rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
                goto out;
            }
            memset(nc + cap, 0, (size_t)(ncap - cap) * sizeof *nc);
            counts = nc;
            cap = ncap;
        }
        counts[j] += 1.0;
        if (o->progress != NULL && (run % 256) == 0) {
            struct sortition_progress pr = {.phase = "legacy",
                                            .iterations = run,
                                            .npanels = ps.count,
                                            .n = p->n,
                                            .seconds = sortition_now() - t0};
            if (o->progress(o->progress_ctx, &pr) != 0) {
                rc = sortition_fail(err, SORTITION_CANCELLED, "cancelled");
                goto out;
            }
        }
    }
    rc = sortition_result_fill(r, p, &ps, counts);
    if (rc != SORTITION_OK) {
        sortition_fail(err, rc, "out of memory");
        goto out;
    }
    r->iterations = runs;
out:
    free(panel);
    free(counts);
    panel_set_fini(&ps);
    return rc;
}
