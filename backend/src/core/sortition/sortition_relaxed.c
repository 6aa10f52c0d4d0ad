/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/sortition_relaxed.c — a level's bound from the quota
 * polytope, no column generation.
 *
 * Every distribution over feasible panels has marginals π in
 *   P = { π : 0 ≤ π_i ≤ 1 (0 when i is on no panel), Σ π = k,
 *         min_f ≤ Σ_{i has f} π_i ≤ max_f, Σ_{i∈h} π_i ≤ 1 per household },
 * so the LP   maximise z  s.t.  π ∈ P,  π_i ≥ z (unfixed),  π_i ≥ p_i (fixed)
 * bounds the level from above, and its row duals y (y ≥ 0, Σ_U y = 1) are
 * weights whose pricing value proves that bound (max over panels of Σ y_i
 * ≤ max over P). One LP with n + (features) + 1 rows, solved cold: cheap
 * next to the column generation. When the master reaches it, the level is
 * closed and y is its certificate — the pricing bound from the master's own
 * duals (vertex duals of a degenerate master) may stay far above it: on the
 * synthetic pool of seed 2031 the second level's trivial bound 0.055457
 * never moved, while this one is 0.054321, the value the master had.
 */
#include <math.h>
#include <stdlib.h>

#include "sortition_int.h"
#include "sortition_solver.h"

int relaxed_level(const struct sortition_problem *p, const struct sortition_solver *s,
                  const int *row_of, const bool *fixed, const double *fixp, double *z, double *y)
{
    int n = p->n, nc = p->ncategories, ncov = 0;
    for (int i = 0; i < n; i++) {
        ncov += row_of[i] >= 0;
    }
    struct sortition_model *m = s->model_new(false);
    int nrows = ncov + 1, nf = 0;
    for (int c = 0; c < nc; c++) {
        nf += p->categories[c].nfeatures;
    }
    int *hsz = NULL, *hrow = NULL, *off = malloc((size_t)(nc + 1) * sizeof *off);
    int *ri = malloc((size_t)(n + nc + 3) * sizeof *ri);
    double *rv = malloc((size_t)(n + nc + 3) * sizeof *rv);
    double *duals = NULL;
    int rc = SORTITION_ENOMEM;
    if (m == NULL || off == NULL || ri == NULL || rv == NULL) {
        goto out;
    }
    if (p->household != NULL && p->nhouseholds > 0) {
        hsz = calloc((size_t)p->nhouseholds, sizeof *hsz);
        hrow = malloc((size_t)p->nhouseholds * sizeof *hrow);
        if (hsz == NULL || hrow == NULL) {
            goto out;
        }
        for (int i = 0; i < n; i++) {
            if (p->household[i] >= 0) {
                hsz[p->household[i]]++;
            }
        }
    }
    /* rows: one per covered respondent (row_of), Σ π = k, features,
       households of two or more */
    for (int i = 0; i < n; i++) {
        if (row_of[i] >= 0) {
            s->add_row(m, fixed[i] ? fixp[i] : 0.0, HUGE_VAL, 0, NULL, NULL);
        }
    }
    int sumrow = s->add_row(m, p->k, p->k, 0, NULL, NULL);
    for (int c = 0, r = sumrow + 1; c < nc; c++) {
        off[c] = r;
        for (int f = 0; f < p->categories[c].nfeatures; f++, r++) {
            s->add_row(m, p->categories[c].features[f].min, p->categories[c].features[f].max, 0,
                       NULL, NULL);
        }
    }
    nrows += nf;
    if (hsz != NULL) {
        for (int h = 0; h < p->nhouseholds; h++) {
            hrow[h] = hsz[h] >= 2 ? s->add_row(m, -HUGE_VAL, 1.0, 0, NULL, NULL) : -1;
            nrows += hsz[h] >= 2;
        }
    }
    for (int i = 0; i < n; i++) {
        int nnz = 0;
        if (row_of[i] >= 0) {
            ri[nnz] = row_of[i];
            rv[nnz++] = 1.0;
        }
        ri[nnz] = sumrow;
        rv[nnz++] = 1.0;
        for (int c = 0; c < nc; c++) {
            ri[nnz] = off[c] + p->value[(size_t)i * (size_t)nc + (size_t)c];
            rv[nnz++] = 1.0;
        }
        if (hrow != NULL && p->household[i] >= 0 && hrow[p->household[i]] >= 0) {
            ri[nnz] = hrow[p->household[i]];
            rv[nnz++] = 1.0;
        }
        if (s->add_col(m, 0.0, 0.0, row_of[i] >= 0 ? 1.0 : 0.0, false, nnz, ri, rv) < 0) {
            goto out;
        }
    }
    int nnz = 0;
    for (int i = 0; i < n; i++) {
        if (row_of[i] >= 0 && !fixed[i]) {
            ri[nnz] = row_of[i];
            rv[nnz++] = -1.0;
        }
    }
    if (nnz == 0) {
        rc = SORTITION_ESOLVER;
        goto out;
    }
    if (s->add_col(m, -1.0, -HUGE_VAL, HUGE_VAL, false, nnz, ri, rv) < 0) {
        goto out;
    }
    duals = malloc((size_t)nrows * sizeof *duals);
    if (duals == NULL) {
        goto out;
    }
    enum sortition_solve_status st;
    do {
        st = s->lp_solve(m);
    } while (st == SORTITION_SOLVE_FEASIBLE || st == SORTITION_SOLVE_PENDING);
    if (st != SORTITION_SOLVE_OPTIMAL) {
        rc = st == SORTITION_SOLVE_INFEASIBLE ? SORTITION_INFEASIBLE : SORTITION_ESOLVER;
        goto out;
    }
    *z = -s->obj_value(m);
    s->row_duals(m, duals);
    for (int i = 0; i < n; i++) {
        y[i] = row_of[i] >= 0 ? fmax(0.0, duals[row_of[i]]) : 0.0;
    }
    rc = SORTITION_OK;
out:
    if (m != NULL) {
        s->model_free(m);
    }
    free(hsz);
    free(hrow);
    free(off);
    free(ri);
    free(rv);
    free(duals);
    return rc;
}
