/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/sortition_pricing.c — the pricing ILP (best feasible panel
 * for given weights; NOTES §2.1), the panel store, the relaxation ILP for
 * infeasible quotas (§2.6), the feasibility check and the certificate check.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sortition_int.h"

/* A time limit per pricing ILP: GLPK and CBC have no other way out of a
   pathological branch-and-bound; a run that hits it fails with ESOLVER
   instead of returning a distribution whose optimality is unproven. */
#define PRICING_TIME_LIMIT 120.0

/* Row of feature f of category c in the pricing model: after the size row. */
static int *feature_rows(const struct sortition_problem *p)
{
    int *off = malloc((size_t)(p->ncategories + 1) * sizeof *off);
    if (off == NULL) {
        return NULL;
    }
    int r = 1;
    for (int c = 0; c < p->ncategories; c++) {
        off[c] = r;
        r += p->categories[c].nfeatures;
    }
    off[p->ncategories] = r;
    return off;
}

/* Household sizes (NULL when none); caller frees. */
static int *household_sizes(const struct sortition_problem *p)
{
    if (p->household == NULL || p->nhouseholds == 0) {
        return NULL;
    }
    int *sz = calloc((size_t)p->nhouseholds, sizeof *sz);
    if (sz == NULL) {
        return NULL;
    }
    for (int i = 0; i < p->n; i++) {
        if (p->household[i] >= 0) {
            sz[p->household[i]]++;
        }
    }
    return sz;
}

/*
 * The shared part of the pricing and relaxation models: the size row, one
 * row per feature (bounds set by the caller through lo/hi arrays or the
 * quotas), household rows, and the n binary x columns. Returns the number
 * of rows, or -1.
 */
static int build_core(struct sortition_model *m, const struct sortition_solver *s,
                      const struct sortition_problem *p, bool quotas)
{
    int *off = feature_rows(p);
    int *hsz = household_sizes(p);
    int *hrow = NULL;
    int rows = -1;
    int *ri = malloc((size_t)(p->ncategories + 2) * sizeof *ri);
    double *rv = malloc((size_t)(p->ncategories + 2) * sizeof *rv);
    if (off == NULL || ri == NULL || rv == NULL ||
        (p->household != NULL && p->nhouseholds && hsz == NULL)) {
        goto out;
    }
    s->add_row(m, p->k, p->k, 0, NULL, NULL);
    for (int c = 0; c < p->ncategories; c++) {
        for (int f = 0; f < p->categories[c].nfeatures; f++) {
            const struct sortition_feature *ft = &p->categories[c].features[f];
            if (quotas) {
                s->add_row(m, ft->min, ft->max, 0, NULL, NULL);
            } else {
                s->add_row(m, -HUGE_VAL, HUGE_VAL, 0, NULL, NULL);
            }
        }
    }
    rows = off[p->ncategories];
    if (hsz != NULL) {
        hrow = malloc((size_t)p->nhouseholds * sizeof *hrow);
        if (hrow == NULL) {
            rows = -1;
            goto out;
        }
        for (int h = 0; h < p->nhouseholds; h++) {
            hrow[h] = -1;
            if (hsz[h] >= 2) {
                hrow[h] = s->add_row(m, -HUGE_VAL, 1.0, 0, NULL, NULL);
                rows++;
            }
        }
    }
    for (int i = 0; i < p->n; i++) {
        int nnz = 0;
        ri[nnz] = 0;
        rv[nnz++] = 1.0;
        for (int c = 0; c < p->ncategories; c++) {
            ri[nnz] = off[c] + p->value[(size_t)i * (size_t)p->ncategories + (size_t)c];
            rv[nnz++] = 1.0;
        }
        if (hrow != NULL && p->household[i] >= 0 && hrow[p->household[i]] >= 0) {
            ri[nnz] = hrow[p->household[i]];
            rv[nnz++] = 1.0;
        }
        if (s->add_col(m, 0.0, 0.0, 1.0, true, nnz, ri, rv) < 0) {
            rows = -1;
            goto out;
        }
    }
out:
    free(off);
    free(hsz);
    free(hrow);
    free(ri);
    free(rv);
    return rows;
}

struct pricing *pricing_new(const struct sortition_problem *p, const struct sortition_solver *s)
{
    struct pricing *pr = calloc(1, sizeof *pr);
    if (pr == NULL) {
        return NULL;
    }
    pr->s = s;
    pr->n = p->n;
    pr->k = p->k;
    pr->x = malloc((size_t)p->n * sizeof *pr->x);
    pr->m = s->model_new(true);
    if (pr->x == NULL || pr->m == NULL || build_core(pr->m, s, p, true) < 0) {
        pricing_free(pr);
        return NULL;
    }
    s->set_maximize(pr->m, true);
    return pr;
}

void pricing_free(struct pricing *pr)
{
    if (pr == NULL) {
        return;
    }
    if (pr->m != NULL) {
        pr->s->model_free(pr->m);
    }
    free(pr->x);
    free(pr);
}

int pricing_solve(struct pricing *pr, const double *w, double rel_gap, double time_limit,
                  int *panel, double *value, double *bound)
{
    double t0 = sortition_now();
    for (int i = 0; i < pr->n; i++) {
        pr->s->set_obj(pr->m, i, w[i]);
    }
    enum sortition_solve_status st =
        pr->s->mip_solve(pr->m, time_limit > 0 ? time_limit : PRICING_TIME_LIMIT, rel_gap);
    pr->calls++;
    pr->seconds += sortition_now() - t0;
    if (st == SORTITION_SOLVE_INFEASIBLE) {
        return SORTITION_INFEASIBLE;
    }
    if (st != SORTITION_SOLVE_OPTIMAL && !(st == SORTITION_SOLVE_FEASIBLE && rel_gap > 0)) {
        return SORTITION_ESOLVER;
    }
    pr->s->col_values(pr->m, pr->x);
    int cnt = 0;
    double v = 0.0;
    for (int i = 0; i < pr->n; i++) {
        if (pr->x[i] > 0.5) {
            if (cnt == pr->k) {
                return SORTITION_ESOLVER;
            }
            panel[cnt++] = i;
            v += w[i];
        }
    }
    if (cnt != pr->k) {
        return SORTITION_ESOLVER;
    }
    *value = v;
    if (st == SORTITION_SOLVE_FEASIBLE) {
        *bound = HUGE_VAL;
    } else {
        *bound = v + rel_gap * (fabs(v) + 1e-12) + (rel_gap > 0 ? 1e-12 : 0.0);
    }
    return SORTITION_OK;
}

/* ------------------------------------------------------------------------ */
/* Panel store: open addressing over FNV-1a hashes of the sorted tuples.      */

void panel_set_init(struct panel_set *ps, int k)
{
    memset(ps, 0, sizeof *ps);
    ps->k = k;
}

void panel_set_fini(struct panel_set *ps)
{
    free(ps->idx);
    free(ps->slots);
    memset(ps, 0, sizeof *ps);
}

static uint32_t panel_hash(const int *panel, int k)
{
    uint32_t h = 2166136261u;
    for (int t = 0; t < k; t++) {
        uint32_t v = (uint32_t)panel[t];
        for (int b = 0; b < 4; b++) {
            h = (h ^ (v & 0xffu)) * 16777619u;
            v >>= 8;
        }
    }
    return h;
}

static int rehash(struct panel_set *ps, uint32_t cap)
{
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (slots == NULL) {
        return -1;
    }
    for (int j = 0; j < ps->count; j++) {
        uint32_t h = panel_hash(ps->idx + (size_t)j * (size_t)ps->k, ps->k) & (cap - 1);
        while (slots[h] != 0) {
            h = (h + 1) & (cap - 1);
        }
        slots[h] = (uint32_t)j + 1;
    }
    free(ps->slots);
    ps->slots = slots;
    ps->hcap = cap;
    return 0;
}

int panel_set_add(struct panel_set *ps, const int *panel, int *added)
{
    *added = 0;
    if ((uint32_t)(ps->count + 1) * 2 > ps->hcap) {
        if (rehash(ps, ps->hcap ? ps->hcap * 2 : 1024) != 0) {
            return -1;
        }
    }
    size_t k = (size_t)ps->k;
    uint32_t h = panel_hash(panel, ps->k) & (ps->hcap - 1);
    while (ps->slots[h] != 0) {
        int j = (int)ps->slots[h] - 1;
        if (memcmp(ps->idx + (size_t)j * k, panel, k * sizeof *panel) == 0) {
            return j;
        }
        h = (h + 1) & (ps->hcap - 1);
    }
    if (ps->count == ps->cap) {
        int ncap = ps->cap ? 2 * ps->cap : 256;
        int *ni = realloc(ps->idx, (size_t)ncap * k * sizeof *ni);
        if (ni == NULL) {
            return -1;
        }
        ps->idx = ni;
        ps->cap = ncap;
    }
    memcpy(ps->idx + (size_t)ps->count * k, panel, k * sizeof *panel);
    ps->slots[h] = (uint32_t)ps->count + 1;
    *added = 1;
    return ps->count++;
}

/* ------------------------------------------------------------------------ */
/* Infeasible quotas: the cheapest relaxation.                              */

int sortition_relax(const struct sortition_problem *p, const struct sortition_solver *s,
                    struct sortition_error *err)
{
    /* x (n binary) and the core rows with free feature rows; then the
       relaxation columns per feature (below). Minimise the NOTES §2.6 cost. */
    char prefix[sizeof err->message];
    snprintf(prefix, sizeof prefix, "%s", err->status == SORTITION_INFEASIBLE ? err->message : "");
    struct sortition_model *m = s->model_new(true);
    if (m == NULL) {
        return sortition_fail(err, SORTITION_ENOMEM, "out of memory");
    }
    int rc = SORTITION_OK;
    double *x = NULL;
    if (build_core(m, s, p, false) < 0) {
        rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
        goto out;
    }
    int nf = 0;
    for (int c = 0; c < p->ncategories; c++) {
        nf += p->categories[c].nfeatures;
    }
    /* Each feature row keeps its quota bounds and gets two integer
       columns: r- (coefficient +1, at most min) and r+ (coefficient -1), so
       count + r- - r+ lies in [min, max]; the cost makes at most one of
       them non-zero, and r- = d means "lower the minimum by d". */
    {
        int row = 1;
        for (int c = 0; c < p->ncategories; c++) {
            for (int f = 0; f < p->categories[c].nfeatures; f++, row++) {
                const struct sortition_feature *ft = &p->categories[c].features[f];
                double one = 1.0, minus = -1.0;
                s->set_row_bounds(m, row, ft->min, ft->max);
                double cost_minus = 1.0 + (ft->min > 0 ? 2.0 / ft->min : 0.0);
                /* count + r- − r+ in [min, max]: r- helps the lower side, r+
                   the upper side; both at once never pay off. */
                if (s->add_col(m, cost_minus, 0.0, ft->min, true, 1, &row, &one) < 0 ||
                    s->add_col(m, 1.0, 0.0, p->n, true, 1, &row, &minus) < 0) {
                    rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
                    goto out;
                }
            }
        }
    }
    s->set_maximize(m, false);
    enum sortition_solve_status st = s->mip_solve(m, PRICING_TIME_LIMIT, 0.0);
    if (st == SORTITION_SOLVE_INFEASIBLE) {
        rc =
            sortition_fail(err, SORTITION_INFEASIBLE,
                           "%s%sno panel of %d is possible even with relaxed quotas: the household "
                           "rule leaves too few eligible respondents",
                           prefix, prefix[0] ? "; " : "", p->k);
        goto out;
    }
    if (st != SORTITION_SOLVE_OPTIMAL) {
        rc = sortition_fail(err, SORTITION_ESOLVER, "the relaxation ILP was not solved");
        goto out;
    }
    x = malloc((size_t)(p->n + 2 * nf) * sizeof *x);
    free(err->relaxation);
    err->relaxation = calloc((size_t)(2 * nf + 1), sizeof *err->relaxation);
    err->nrelaxation = 0;
    if (x == NULL || err->relaxation == NULL) {
        rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
        goto out;
    }
    s->col_values(m, x);
    char words[sizeof err->message];
    size_t used = 0;
    words[0] = '\0';
    int t = 0;
    for (int c = 0; c < p->ncategories; c++) {
        for (int f = 0; f < p->categories[c].nfeatures; f++, t++) {
            const struct sortition_feature *ft = &p->categories[c].features[f];
            int dm = (int)lround(x[p->n + 2 * t]);
            int dp = (int)lround(x[p->n + 2 * t + 1]);
            int net = dm - dp; /* count + r- − r+: only the net change binds */
            if (net == 0) {
                continue;
            }
            struct sortition_relaxation *r = &err->relaxation[err->nrelaxation++];
            r->category = c;
            r->feature = f;
            if (net > 0) {
                r->bound = SORTITION_BOUND_MIN;
                r->from = ft->min;
                r->to = ft->min - net;
            } else {
                r->bound = SORTITION_BOUND_MAX;
                r->from = ft->max;
                r->to = ft->max - net;
            }
            int w = snprintf(words + used, sizeof words - used,
                             "%s%s the %s of %s:%s from %d to %d", used ? "; " : "",
                             net > 0 ? "lower" : "raise", net > 0 ? "minimum" : "maximum",
                             p->categories[c].name, ft->name, r->from, r->to);
            if (w > 0 && (size_t)w < sizeof words - used) {
                used += (size_t)w;
            }
        }
    }
    if (err->nrelaxation == 0) {
        rc = sortition_fail(err, SORTITION_INFEASIBLE, "%s%sno panel meets the quotas", prefix,
                            prefix[0] ? "; " : "");
    } else {
        rc = sortition_fail(err, SORTITION_INFEASIBLE, "%s%sthe quotas are infeasible: %s", prefix,
                            prefix[0] ? "; " : "", words);
    }
out:
    free(x);
    s->model_free(m);
    return rc;
}

int sortition_feasibility(struct sortition_problem *p, const struct sortition_solver *solver,
                          struct sortition_error *err)
{
    const struct sortition_solver *s = solver ? solver : sortition_solver_default();
    int rc = sortition_problem_validate(p, err);
    if (rc == SORTITION_INFEASIBLE) {
        return sortition_relax(p, s, err);
    }
    if (rc != SORTITION_OK) {
        return rc;
    }
    struct pricing *pr = pricing_new(p, s);
    int *panel = malloc((size_t)p->k * sizeof *panel);
    double *w = malloc((size_t)p->n * sizeof *w);
    if (pr == NULL || panel == NULL || w == NULL) {
        rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < p->n; i++) {
        w[i] = 1.0;
    }
    double v, vb;
    rc = pricing_solve(pr, w, 0.0, 0.0, panel, &v, &vb);
    if (rc == SORTITION_INFEASIBLE) {
        err->status = SORTITION_OK;
        err->message[0] = '\0';
        rc = sortition_relax(p, s, err);
    } else if (rc != SORTITION_OK) {
        rc = sortition_fail(err, rc, "the feasibility ILP was not solved");
    }
out:
    pricing_free(pr);
    free(panel);
    free(w);
    return rc;
}

int sortition_certificate_check(const struct sortition_problem *p,
                                const struct sortition_solver *solver,
                                const struct sortition_level *level, const double *probabilities,
                                double *max_panel, struct sortition_error *err)
{
    (void)probabilities;
    const struct sortition_solver *s = solver ? solver : sortition_solver_default();
    struct pricing *pr = pricing_new(p, s);
    int *panel = malloc((size_t)p->k * sizeof *panel);
    int rc;
    if (pr == NULL || panel == NULL) {
        rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
    } else {
        double vb;
        rc = pricing_solve(pr, level->y, 0.0, 0.0, panel, max_panel, &vb);
        if (rc != SORTITION_OK) {
            rc = sortition_fail(err, rc, "the certificate ILP was not solved");
        }
    }
    pricing_free(pr);
    free(panel);
    return rc;
}
