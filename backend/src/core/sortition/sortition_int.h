/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/sortition_int.h — internals shared by the engine's files
 * (and its unit tests): errors, the pricing ILP, the panel store, the
 * relaxation ILP, the LEGACY draw and the column generation.
 */
#ifndef PNYX_CORE_SORTITION_SORTITION_INT_H
#define PNYX_CORE_SORTITION_SORTITION_INT_H

#include <stdarg.h>
#include <stdint.h>

#include "sortition.h"
#include "sortition_solver.h"

/* Set err (status + printf message); returns status. */
int sortition_fail(struct sortition_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

double sortition_now(void);

/* --- the pricing ILP (NOTES §2.1): built once, re-solved per objective. --- */
struct pricing {
    const struct sortition_solver *s;
    struct sortition_model *m;
    int n;
    int k;
    int calls;
    double seconds;
    double *x; /* n */
};

/* Build the model for p (rows: size, one per feature, one per household of
   size >= 2). NULL on allocation failure. */
struct pricing *pricing_new(const struct sortition_problem *p, const struct sortition_solver *s);
void pricing_free(struct pricing *pr);
/* Best panel for weights w (n): panel gets k sorted indices, *value its
   weight Σ w, *bound a proven upper bound on the best value (= *value when
   rel_gap is 0; HUGE_VAL when the time limit ended the search first, which
   is accepted only when rel_gap > 0: heuristic calls). time_limit 0 = the
   default per-call limit. Returns SORTITION_OK, SORTITION_INFEASIBLE or
   ESOLVER. */
int pricing_solve(struct pricing *pr, const double *w, double rel_gap, double time_limit,
                  int *panel, double *value, double *bound);

/* --- panels found so far: a hash set of sorted k-tuples. --- */
struct panel_set {
    int k;
    int count;
    int cap;
    int *idx;        /* count × k */
    uint32_t *slots; /* hash table of count+1 (0 = empty), capacity hcap */
    uint32_t hcap;
};

void panel_set_init(struct panel_set *ps, int k);
void panel_set_fini(struct panel_set *ps);
/* Index of panel (sorted, k entries) in ps, adding it when new (*added = 1).
   -1 on allocation failure. */
int panel_set_add(struct panel_set *ps, const int *panel, int *added);

/* --- infeasibility: the cheapest relaxation ILP (NOTES §2.6). --- */
int sortition_relax(const struct sortition_problem *p, const struct sortition_solver *s,
                    struct sortition_error *err);

/* --- LEGACY greedy draw (NOTES §1). --- */
struct legacy_rng {
    uint64_t s[4];
};
void legacy_rng_seed(struct legacy_rng *r, uint64_t seed);
uint64_t legacy_rng_next(struct legacy_rng *r);
/* One greedy panel into panel (k sorted entries); 0 ok, -1 when this attempt
   failed (the caller retries), -2 on allocation failure. */
int legacy_draw(const struct sortition_problem *p, struct legacy_rng *rng, int *panel);
int sortition_legacy_run(const struct sortition_problem *p, const struct sortition_options *o,
                         struct sortition_result *r, struct sortition_error *err);

/* --- the exchange heuristic (sortition_swap.c). --- */
struct swapper;
struct swapper *swapper_new(const struct sortition_problem *p);
void swapper_free(struct swapper *sw);
/* Improve the feasible panel (k indices, any order; sorted on return) by
   best single exchanges under weights w; *value = its weight. Returns the
   number of exchanges, -1 on allocation failure. */
int swapper_improve(struct swapper *sw, const double *w, int *panel, double *value);

/* --- the level bound from the quota polytope (sortition_relaxed.c). ---
   max z over marginals in the LP relaxation of the panel polytope with the
   fixed rows' lower bounds: *z, and its duals y (n entries, 0 for i with
   row_of[i] < 0; Σ over unfixed = 1). */
int relaxed_level(const struct sortition_problem *p, const struct sortition_solver *s,
                  const int *row_of, const bool *fixed, const double *fixp, double *z, double *y);

/* --- column generation (MAXIMIN / LEXIMIN). --- */
int sortition_colgen_run(const struct sortition_problem *p, const struct sortition_options *o,
                         const struct sortition_solver *s, struct sortition_result *r,
                         struct sortition_error *err);

/* sortition_lottery_round, optionally skipping the greedy walk (tests). */
int lottery_round(const struct sortition_result *r, int m, bool beck_fiala_only,
                  struct sortition_lottery *l, struct sortition_error *err);

/* Fill r->panels/weights/probabilities/min/gini from a panel set and
   weights (drops weights < 1e-9, renormalises, sorts panels). */
int sortition_result_fill(struct sortition_result *r, const struct sortition_problem *p,
                          const struct panel_set *ps, const double *lambda);

#endif
