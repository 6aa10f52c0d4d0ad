/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/sortition_colgen.c — MAXIMIN and LEXIMIN by column
 * generation (NOTES §2.2–2.4 and the addendum).
 *
 * One primal master LP per run, grown column by column:
 *   maximise z  (as: minimise −z)
 *   Σ_{K∋i} λ_K − z ≥ 0      unfixed covered respondent i (duals y_i ≥ 0)
 *   Σ_{K∋i} λ_K ≥ p_i        fixed respondent i
 *   Σ_K λ_K ≤ 1              (dual ŷ)
 * A new panel is a new λ column (k + 1 non-zeros); fixing a level sets the
 * fixed rows' lower bounds to p_i and swaps z for a fresh column over the
 * still unfixed rows (the old z is bounded to 0), so the model and its basis
 * survive from level to level: no rebuild.
 *
 * Pricing with weights y gives a valid bound on the level: for every
 * distribution, z·Σ_U y ≤ Σ_U y_i π_i ≤ v − Σ_F y_i p_i, v = max_K Σ_{i∈K} y_i;
 * the smallest such bound (seeded with (k − Σ_F p)/|U|) stops the level as
 * soon as the master reaches it within GAP_EPS. The respondents fixed at a
 * level are those whose weight in the dual that gave the best bound is at
 * least REL_FIX × the largest weight (always at least the largest one):
 * a relative threshold, since an absolute one fixes nobody in big pools.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sortition_int.h"

/* Stop a level when (best upper bound) − (master value) <= GAP_EPS, or
   GAP_REL of the bound: far below the 1e-3 at which probabilities are
   compared. */
#define GAP_EPS 1e-6
#define GAP_REL 1e-5
/* Fix respondents whose dual weight is >= REL_FIX × the largest. */
#define REL_FIX 1e-2
/* Pricing calls that only need a good panel, not the best one, stop at
   these relative gaps: the multiplicative-weights start (near-uniform
   weights make exact ILPs slow: GLPK spent > 10 s on one of pnyx_10's) and
   the first try of each column-generation step; when that try finds no
   improving panel, the step is repeated exactly (gap 0), since the
   stopping test needs the true optimum. */
#define MW_GAP        1e-2
#define MW_TIME_LIMIT 2.0
#define LEVEL_GAP     1e-3
/* Multiplicative-weights rounds after the ILP ones, priced by the exchange
   heuristic (sortition_swap.c), per respondent: cheap balanced panels.
   Without them the master of a large pool whose LEXIMIN is (nearly)
   uniform stalls at a degenerate vertex (the synthetic n = 2,000 pool:
   value 5/91 against the bound 0.055 for > 5 minutes); with n/4 of them
   it reaches the bound in its first solve. */
#define MW_SWAP_ROUNDS_PER_N 0.25
/* The quota polytope's bound (cg_relaxed_bound): its pricing ILP's time
   limit, and the margin added to the LP value when that ILP does not
   finish. */
#define RELAXED_ILP_LIMIT 10.0
#define RELAXED_TOL       1e-9
/* ... asked once per level, after this many master solves have not closed
   it: the shared cases' levels mostly close sooner, and one LP and one ILP
   per level cost them up to ~15 % of CPU (pnyx_08, pnyx_10) when asked at
   the first solve; seed 2031's second level needs ~12 solves to reach the
   bound anyway. */
#define RELAXED_AFTER 8
/* Extra columns per master solve (damped re-pricing, §2.3). */
#define EXTRA_COLUMNS 4
/* A master that turned infeasible by rounding: lower every fixed
   probability by REDUCE_STEP, at most REDUCE_RETRIES times. */
#define REDUCE_STEP    1e-7
#define REDUCE_RETRIES 20
/* Panels with a smaller final weight are dropped (then renormalised). */
#define DROP_EPS 1e-9

struct cg {
    const struct sortition_problem *p;
    const struct sortition_options *o;
    const struct sortition_solver *s;
    struct pricing *pr;
    struct panel_set ps;
    struct sortition_model *lp;
    int n, k;
    int *row_of;  /* n: master row of respondent i, -1 uncovered */
    int zcol;     /* current z column */
    int sumrow;   /* Σ λ <= 1 */
    bool *fixed;  /* n */
    double *fixp; /* n */
    int nfixed;
    int ncovered;
    double *y;     /* n */
    double *duals; /* master rows */
    double *w;     /* n scratch */
    int *panel;    /* k scratch */
    int lp_solves;
    double t0;
    int levels_cap;
    struct sortition_result *r;
    struct swapper *sw;
    double *mw;     /* n: multiplicative weights at the end of the ILP rounds */
    int *mwq;       /* k: the last panel of those rounds */
    bool swaps_due; /* the exchange rounds have not run yet */
    bool partial;   /* the last master solve ended on the budget, not optimal */
    /* The last usable master point (an optimal or a feasible solve): each
       panel's weight and the level it achieves; with a budget the
       distribution is taken from it, no final LP. */
    int *pcol; /* panel j → master column (-1: not in the master), j < pcap */
    int pcap;
    double *lam; /* pcap */
    double zlast;
    /* The z columns of closed levels stay in the master, fixed at their
       values (increments over the level before): zbase is their sum, the
       value every unfixed row has already reached; fixz[i] is that sum
       on the rows of respondent i when i was fixed (its row's lower bound
       is fixp[i] − fixz[i]); zval is the current z column's value. */
    double zbase;
    double zval;
    double *fixz; /* n */
    bool have_lam;
};

static bool over_budget(const struct cg *g)
{
    return g->o->budget > 0 && sortition_now() - g->t0 > g->o->budget;
}

/* lp_solve until it is done (FEASIBLE, PENDING = a pivot limit: go on).
   With may_stop, it stops there once the budget is spent. */
static enum sortition_solve_status cg_lp(struct cg *g, struct sortition_model *m, bool may_stop)
{
    for (;;) {
        enum sortition_solve_status st = g->s->lp_solve(m);
        if ((st != SORTITION_SOLVE_FEASIBLE && st != SORTITION_SOLVE_PENDING) ||
            (may_stop && over_budget(g))) {
            return st;
        }
    }
}

static int cg_progress(struct cg *g, const char *phase, double lower, double upper)
{
    if (g->o->time_limit > 0 && sortition_now() - g->t0 > g->o->time_limit) {
        return SORTITION_ESOLVER;
    }
    if (g->o->progress == NULL) {
        return SORTITION_OK;
    }
    struct sortition_progress pr = {
        .phase = phase,
        .iterations = g->pr->calls,
        .npanels = g->ps.count,
        .nfixed = g->nfixed,
        .n = g->n,
        .lower = lower,
        .upper = upper,
        .seconds = sortition_now() - g->t0,
    };
    return g->o->progress(g->o->progress_ctx, &pr) != 0 ? SORTITION_CANCELLED : SORTITION_OK;
}

/* Price with w; add the panel to the store (and the master when it exists).
 *added says whether it was new. */
static int cg_price_add(struct cg *g, const double *w, double gap, double tlim, double *value,
                        double *bound, int *added, int *which)
{
    int rc = pricing_solve(g->pr, w, gap, tlim, g->panel, value, bound);
    if (rc != SORTITION_OK) {
        return rc;
    }
    int j = panel_set_add(&g->ps, g->panel, added);
    if (j < 0) {
        return SORTITION_ENOMEM;
    }
    if (which != NULL) {
        *which = j;
    }
    return SORTITION_OK;
}

static int cg_master_add(struct cg *g, int j)
{
    int *rows = malloc((size_t)(g->k + 1) * sizeof *rows);
    double *vals = malloc((size_t)(g->k + 1) * sizeof *vals);
    if (rows == NULL || vals == NULL) {
        free(rows);
        free(vals);
        return SORTITION_ENOMEM;
    }
    const int *pn = g->ps.idx + (size_t)j * (size_t)g->k;
    int nnz = 0;
    for (int t = 0; t < g->k; t++) {
        if (g->row_of[pn[t]] >= 0) {
            rows[nnz] = g->row_of[pn[t]];
            vals[nnz++] = 1.0;
        }
    }
    rows[nnz] = g->sumrow;
    vals[nnz++] = 1.0;
    int c = g->s->add_col(g->lp, 0.0, 0.0, HUGE_VAL, false, nnz, rows, vals);
    free(rows);
    free(vals);
    if (c < 0) {
        return SORTITION_ENOMEM;
    }
    if (j >= g->pcap) {
        int cap = g->pcap ? 2 * g->pcap : 1024;
        while (cap <= j) {
            cap *= 2;
        }
        int *np = realloc(g->pcol, (size_t)cap * sizeof *np);
        if (np != NULL) {
            g->pcol = np;
        }
        double *nl = realloc(g->lam, (size_t)cap * sizeof *nl);
        if (nl != NULL) {
            g->lam = nl;
        }
        if (np == NULL || nl == NULL) {
            return SORTITION_ENOMEM;
        }
        for (int t = g->pcap; t < cap; t++) {
            g->pcol[t] = -1;
            g->lam[t] = 0.0;
        }
        g->pcap = cap;
    }
    g->pcol[j] = c;
    return SORTITION_OK;
}

/* One multiplicative-weights update after pricing panel (added: new). */
static void mw_update(struct cg *g, double *w, const int *panel, int added)
{
    int n = g->n;
    if (added) {
        for (int t = 0; t < g->k; t++) {
            w[panel[t]] *= 0.8;
        }
    } else {
        for (int i = 0; i < n; i++) {
            w[i] = 0.9 * w[i] + 0.1;
        }
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
        sum += w[i];
    }
    for (int i = 0; i < n; i++) {
        w[i] *= n / sum;
    }
}

/* Multiplicative-weights start (§2.2), then cover every coverable respondent. */
static int cg_initial(struct cg *g)
{
    int n = g->n, rc, added;
    double v, vb;
    struct legacy_rng rng;
    legacy_rng_seed(&rng, g->o->seed);
    for (int i = 0; i < n; i++) {
        /* uniform in [0.99, 1]: all-equal weights make ILPs return the same
           panel again and again */
        g->w[i] = 0.99 + 0.01 * (double)(legacy_rng_next(&rng) >> 11) * 0x1.0p-53;
    }
    /* Rounds: enough panels to start the master near the optimum; the
       bound-based termination makes more rounds pointless (measured: 100
       rounds on example_large_200 vs 300 gain nothing). */
    int rounds = n < 100 ? n : 100;
    for (int r = 0; r < rounds; r++) {
        rc = cg_price_add(g, g->w, MW_GAP, MW_TIME_LIMIT, &v, &vb, &added, NULL);
        if (rc == SORTITION_ESOLVER) {
            /* The short limit ran out before any panel was found (a slow or
               busy machine): this round needs a panel, not speed, so it is
               priced again under the ordinary limit instead of failing the
               whole run. */
            rc = cg_price_add(g, g->w, MW_GAP, 0, &v, &vb, &added, NULL);
        }
        if (rc != SORTITION_OK) {
            return rc;
        }
        mw_update(g, g->w, g->panel, added);
        rc = cg_progress(g, "initial panels", 0, 1);
        if (rc != SORTITION_OK) {
            return rc;
        }
    }
    /* More rounds, the same weight updates, each panel from the previous
       one by exchanges (about a millisecond where an ILP takes tens). */
    /* The exchange rounds continue from here when the first master solve
       does not close the first level (cg_swap_rounds). */
    if (g->ps.count > 0) {
        memcpy(g->mw, g->w, (size_t)n * sizeof *g->mw);
        memcpy(g->mwq, g->ps.idx + (size_t)(g->ps.count - 1) * (size_t)g->k,
               (size_t)g->k * sizeof *g->mwq);
        g->swaps_due = true;
    }
    bool *cov = calloc((size_t)n, sizeof *cov);
    if (cov == NULL) {
        return SORTITION_ENOMEM;
    }
    for (int j = 0; j < g->ps.count; j++) {
        for (int t = 0; t < g->k; t++) {
            cov[g->ps.idx[(size_t)j * (size_t)g->k + (size_t)t]] = true;
        }
    }
    for (;;) {
        int left = 0;
        for (int i = 0; i < n; i++) {
            g->w[i] = cov[i] ? 0.0 : 1.0;
            left += !cov[i];
        }
        if (left == 0) {
            break;
        }
        rc = cg_price_add(g, g->w, 0.0, 0.0, &v, &vb, &added, NULL);
        if (rc != SORTITION_OK) {
            free(cov);
            return rc;
        }
        if (v < 0.5) {
            break; /* no uncovered respondent fits on any feasible panel */
        }
        for (int t = 0; t < g->k; t++) {
            cov[g->panel[t]] = true;
        }
    }
    g->ncovered = 0;
    for (int i = 0; i < n; i++) {
        g->row_of[i] = cov[i] ? g->ncovered++ : -1;
        if (!cov[i]) {
            g->fixed[i] = true; /* probability 0 */
            g->fixp[i] = 0.0;
        }
    }
    free(cov);
    return SORTITION_OK;
}

static int cg_master_build(struct cg *g)
{
    g->lp = g->s->model_new(false);
    if (g->lp == NULL) {
        return SORTITION_ENOMEM;
    }
    for (int i = 0; i < g->n; i++) {
        if (g->row_of[i] >= 0) {
            g->s->add_row(g->lp, 0.0, HUGE_VAL, 0, NULL, NULL);
        }
    }
    g->sumrow = g->s->add_row(g->lp, -HUGE_VAL, 1.0, 0, NULL, NULL);
    int *rows = malloc((size_t)g->ncovered * sizeof *rows);
    double *vals = malloc((size_t)g->ncovered * sizeof *vals);
    if (rows == NULL || vals == NULL) {
        free(rows);
        free(vals);
        return SORTITION_ENOMEM;
    }
    for (int t = 0; t < g->ncovered; t++) {
        rows[t] = t;
        vals[t] = -1.0;
    }
    g->zcol = g->s->add_col(g->lp, -1.0, -HUGE_VAL, HUGE_VAL, false, g->ncovered, rows, vals);
    free(rows);
    free(vals);
    if (g->zcol < 0) {
        return SORTITION_ENOMEM;
    }
    g->duals = malloc((size_t)(g->ncovered + 1) * sizeof *g->duals);
    if (g->duals == NULL) {
        return SORTITION_ENOMEM;
    }
    for (int j = 0; j < g->ps.count; j++) {
        int rc = cg_master_add(g, j);
        if (rc != SORTITION_OK) {
            return rc;
        }
    }
    return SORTITION_OK;
}

/* Start a new level: fixed rows get their probability as lower bound; a
   fresh z column covers the unfixed rows. */
static int cg_new_level(struct cg *g)
{
    int *rows = malloc((size_t)(g->ncovered + 1) * sizeof *rows);
    double *vals = malloc((size_t)(g->ncovered + 1) * sizeof *vals);
    if (rows == NULL || vals == NULL) {
        free(rows);
        free(vals);
        return SORTITION_ENOMEM;
    }
    int nnz = 0;
    for (int i = 0; i < g->n; i++) {
        if (g->row_of[i] < 0) {
            continue;
        }
        if (g->fixed[i]) {
            g->s->set_row_bounds(g->lp, g->row_of[i], g->fixp[i] - g->fixz[i], HUGE_VAL);
        } else {
            rows[nnz] = g->row_of[i];
            vals[nnz++] = -1.0;
        }
    }
    /* The old z column keeps its value: the master's point stays feasible
       (the newly fixed rows read Σ λ ≥ their value), so the next solve
       starts from it instead of a phase 1 (seed 2031's second level
       change: 19 s of pivots with the old column bounded to 0). */
    g->s->set_obj(g->lp, g->zcol, 0.0);
    g->s->set_col_bounds(g->lp, g->zcol, g->zval, g->zval);
    g->zbase += g->zval;
    g->zcol = g->s->add_col(g->lp, -1.0, -HUGE_VAL, HUGE_VAL, false, nnz, rows, vals);
    free(rows);
    free(vals);
    return g->zcol < 0 ? SORTITION_ENOMEM : SORTITION_OK;
}

/* Solve the master; on infeasibility lower the fixed probabilities. */
static int cg_solve_master(struct cg *g, double *z, double *yhat)
{
    for (int retry = 0;; retry++) {
        enum sortition_solve_status st = cg_lp(g, g->lp, g->have_lam);
        g->lp_solves++;
        g->partial = st == SORTITION_SOLVE_FEASIBLE || st == SORTITION_SOLVE_PENDING;
        if (st == SORTITION_SOLVE_PENDING) {
            /* out of budget before a feasible point: the last one stands */
            *z = g->zlast;
            *yhat = 0.0;
            return SORTITION_OK;
        }
        if (st == SORTITION_SOLVE_OPTIMAL || g->partial) {
            break;
        }
        if (st != SORTITION_SOLVE_INFEASIBLE || retry >= REDUCE_RETRIES) {
            if (g->o->budget > 0 && g->have_lam) {
                /* with a budget, a master the solver fails on (seen once:
                   GLPK called a warm master of seed 2032 infeasible 21
                   times) ends the run like the budget, at the last point */
                g->partial = true;
                *z = g->zlast;
                *yhat = 0.0;
                return SORTITION_OK;
            }
            return SORTITION_ESOLVER;
        }
        for (int i = 0; i < g->n; i++) {
            if (g->row_of[i] >= 0 && g->fixed[i]) {
                g->fixp[i] = fmax(0.0, g->fixp[i] - REDUCE_STEP);
                g->s->set_row_bounds(g->lp, g->row_of[i], g->fixp[i] - g->fixz[i], HUGE_VAL);
            }
        }
    }
    *z = g->zbase - g->s->obj_value(g->lp);
    if (g->partial && g->have_lam && *z <= g->zlast) {
        /* a pivot chunk cut by the budget at a point no better than the
           last one (GLPK's primal simplex is not monotone there: seed 2030
           came out at 0.054945 with all weights 1/182 after an optimum of
           0.054997): the last point stands */
        *z = g->zlast;
        *yhat = 0.0;
        return SORTITION_OK;
    }
    int nc = g->s->ncols(g->lp);
    double *x = malloc((size_t)(nc > 0 ? nc : 1) * sizeof *x);
    if (x == NULL) {
        return SORTITION_ENOMEM;
    }
    g->s->col_values(g->lp, x);
    for (int j = 0; j < g->pcap; j++) {
        g->lam[j] = g->pcol[j] >= 0 ? fmax(0.0, x[g->pcol[j]]) : 0.0;
    }
    g->zval = x[g->zcol];
    free(x);
    g->zlast = *z;
    g->have_lam = true;
    g->s->row_duals(g->lp, g->duals);
    for (int i = 0; i < g->n; i++) {
        g->y[i] = g->row_of[i] >= 0 ? fmax(0.0, g->duals[g->row_of[i]]) : 0.0;
    }
    *yhat = fabs(g->duals[g->sumrow]);
    return SORTITION_OK;
}

/* The level's bound from weights y and the pricing value v. */
static double level_bound(const struct cg *g, const double *y, double v)
{
    double su = 0.0, sf = 0.0;
    for (int i = 0; i < g->n; i++) {
        if (g->row_of[i] < 0) {
            continue;
        }
        if (g->fixed[i]) {
            sf += y[i] * g->fixp[i];
        } else {
            su += y[i];
        }
    }
    return su > 0 ? (v - sf) / su : HUGE_VAL;
}

static int cg_add_level(struct cg *g, double value, const double *y, double v)
{
    struct sortition_result *r = g->r;
    if (r->nlevels == g->levels_cap) {
        int cap = g->levels_cap ? 2 * g->levels_cap : 8;
        struct sortition_level *nl = realloc(r->levels, (size_t)cap * sizeof *nl);
        if (nl == NULL) {
            return SORTITION_ENOMEM;
        }
        r->levels = nl;
        g->levels_cap = cap;
    }
    struct sortition_level *l = &r->levels[r->nlevels];
    memset(l, 0, sizeof *l);
    l->y = malloc((size_t)g->n * sizeof *l->y);
    l->fixed_before = malloc((size_t)g->n * sizeof *l->fixed_before);
    if (l->y == NULL || l->fixed_before == NULL) {
        free(l->y);
        free(l->fixed_before);
        return SORTITION_ENOMEM;
    }
    r->nlevels++;
    /* Normalise to Σ_unfixed y = 1 (the contract's form). */
    double su = 0.0;
    for (int i = 0; i < g->n; i++) {
        if (g->row_of[i] >= 0 && !g->fixed[i]) {
            su += y[i];
        }
    }
    for (int i = 0; i < g->n; i++) {
        l->y[i] = su > 0 ? y[i] / su : 0.0;
        l->fixed_before[i] = g->fixed[i];
    }
    l->value = value;
    l->panel_bound = su > 0 ? v / su : v;
    return SORTITION_OK;
}

/* n/4 more multiplicative-weights rounds from the state the ILP rounds
   left, priced by exchanges from the previous panel; new panels go into
   the master. */
static int cg_swap_rounds(struct cg *g)
{
    g->swaps_due = false;
    int rounds = (int)(MW_SWAP_ROUNDS_PER_N * g->n), added;
    double v;
    for (int r = 0; r < rounds; r++) {
        int j = swapper_improve(g->sw, g->mw, g->mwq, &v) < 0
                    ? -1
                    : panel_set_add(&g->ps, g->mwq, &added);
        if (j < 0) {
            return SORTITION_ENOMEM;
        }
        mw_update(g, g->mw, g->mwq, added);
        if (added) {
            int rc = cg_master_add(g, j);
            if (rc != SORTITION_OK) {
                return rc;
            }
        }
    }
    return cg_progress(g, "initial panels", 0, 1);
}

/* The quota polytope's bound on the level (sortition_relaxed.c), proven by
   one exact pricing ILP with its duals (whose panel joins the master); if
   that ILP does not finish within RELAXED_ILP_LIMIT, the LP value itself
   is the bound (the polytope contains every distribution's marginals).
   Lowers *best (with its weights and pricing value) when it is smaller. */
static int cg_relaxed_bound(struct cg *g, double *best, double *ybest, double *vbest)
{
    double zr;
    int rc = relaxed_level(g->p, g->s, g->row_of, g->fixed, g->fixp, &zr, g->w);
    if (rc != SORTITION_OK) {
        /* only a bound: the column generation goes on without it */
        return rc == SORTITION_ENOMEM ? rc : SORTITION_OK;
    }
    if (!(zr < *best - fmax(GAP_EPS, GAP_REL * *best))) {
        /* no better than the bound held (a uniform LEXIMIN: k/|U| both);
           its ILP would only cost time (near-uniform weights: seconds) */
        return SORTITION_OK;
    }
    double su = 0.0, sf = 0.0;
    for (int i = 0; i < g->n; i++) {
        if (g->row_of[i] >= 0 && g->fixed[i]) {
            sf += g->w[i] * g->fixp[i];
        } else if (g->row_of[i] >= 0) {
            su += g->w[i];
        }
    }
    if (!(su > 0)) {
        return SORTITION_OK;
    }
    int added, j;
    double v, vb, ub;
    rc = cg_price_add(g, g->w, 0.0, RELAXED_ILP_LIMIT, &v, &vb, &added, &j);
    if (rc == SORTITION_OK) {
        ub = level_bound(g, g->w, vb);
        if (added) {
            rc = cg_master_add(g, j);
            if (rc != SORTITION_OK) {
                return rc;
            }
        }
    } else if (rc == SORTITION_ESOLVER) {
        ub = zr + RELAXED_TOL;
        vb = ub * su + sf;
    } else {
        return rc;
    }
    if (ub < *best) {
        *best = ub;
        memcpy(ybest, g->w, (size_t)g->n * sizeof *ybest);
        *vbest = vb;
    }
    return SORTITION_OK;
}

/* One level: column generation until the master meets the best bound,
   or the budget runs out (*gap = the bound − *z then, else 0).
   Returns the level value in *z and the weights of the best bound in ybest. */
static int cg_level(struct cg *g, double *z, double *ybest, double *vbest, double *gap,
                    const char *phase)
{
    *gap = 0.0;
    double sumfix = 0.0;
    int nunf = 0;
    for (int i = 0; i < g->n; i++) {
        if (g->row_of[i] >= 0 && g->fixed[i]) {
            sumfix += g->fixp[i];
        } else if (g->row_of[i] >= 0) {
            nunf++;
        }
    }
    double best = (g->k - sumfix) / nunf;
    /* The trivial bound's certificate: y = 1/|U| on every covered
       respondent (fixed ones too). Every panel then weighs exactly k/|U|,
       and (k/|U| − Σ_F p_i/|U|) / Σ_U y is the bound above. */
    for (int i = 0; i < g->n; i++) {
        ybest[i] = g->row_of[i] >= 0 ? 1.0 / nunf : 0.0;
    }
    *vbest = (double)g->k / nunf;
    bool relaxed_done = false;
    int solves = 0;
    for (;;) {
        double yhat, v;
        int rc = cg_solve_master(g, z, &yhat);
        if (rc != SORTITION_OK) {
            return rc;
        }
        if (best - *z <= fmax(GAP_EPS, GAP_REL * best)) {
            break;
        }
        if (!relaxed_done && ++solves >= RELAXED_AFTER) {
            /* once per level, when RELAXED_AFTER master solves leave it open */
            relaxed_done = true;
            rc = cg_relaxed_bound(g, &best, ybest, vbest);
            if (rc != SORTITION_OK) {
                return rc;
            }
            if (best - *z <= fmax(GAP_EPS, GAP_REL * best)) {
                break;
            }
        }
        if (g->partial || over_budget(g)) {
            /* z is achieved by the master's (feasible) point; no more time
               to close the level */
            *gap = fmax(best - *z, 1e-12);
            break;
        }
        if (g->swaps_due) {
            rc = cg_swap_rounds(g);
            if (rc != SORTITION_OK) {
                return rc;
            }
            continue;
        }
        int added, j;
        double vb;
        rc = cg_price_add(g, g->y, LEVEL_GAP, 0.0, &v, &vb, &added, &j);
        if (rc == SORTITION_ESOLVER && g->o->budget > 0) {
            /* with a budget, a pricing ILP the solver cannot finish (its
               own time limit, numerical failure) ends the level like the
               budget: at the value reached, with the gap said */
            *gap = fmax(best - *z, 1e-12);
            return SORTITION_OK;
        }
        if (rc != SORTITION_OK) {
            return rc;
        }
        if (v <= yhat * (1.0 + LEVEL_GAP) + GAP_EPS) {
            /* No panel that improves by more than the gap: the exact
               optimum decides (a gap-inflated bound can never certify the
               level, and barely improving panels let a degenerate master
               stall: seen on the synthetic n = 2,000 pool). */
            rc = cg_price_add(g, g->y, 0.0, 0.0, &v, &vb, &added, &j);
            if (rc == SORTITION_ESOLVER && g->o->budget > 0) {
                *gap = fmax(best - *z, 1e-12);
                return SORTITION_OK;
            }
            if (rc != SORTITION_OK) {
                return rc;
            }
        }
        double ub = level_bound(g, g->y, vb);
        if (ub < best) {
            best = ub;
            memcpy(ybest, g->y, (size_t)g->n * sizeof *ybest);
            *vbest = vb;
        }
        rc = cg_progress(g, phase, *z, best);
        if (rc != SORTITION_OK) {
            return rc;
        }
        if (best - *z <= fmax(GAP_EPS, GAP_REL * best)) {
            break;
        }
        int any = 0;
        if (added) {
            rc = cg_master_add(g, j);
            if (rc != SORTITION_OK) {
                return rc;
            }
            any = 1;
        }
        /* A few more columns from damped weights (no correctness impact). */
        memcpy(g->w, g->y, (size_t)g->n * sizeof *g->w);
        double vq = v;
        for (int e = 0; e < EXTRA_COLUMNS && vq > yhat + GAP_EPS; e++) {
            const int *q = g->ps.idx + (size_t)j * (size_t)g->k;
            for (int t = 0; t < g->k; t++) {
                g->w[q[t]] *= yhat / vq;
            }
            double vqb;
            rc = cg_price_add(g, g->w, LEVEL_GAP, 0.0, &vq, &vqb, &added, &j);
            if (rc != SORTITION_OK) {
                return rc;
            }
            double vy = 0.0;
            q = g->ps.idx + (size_t)j * (size_t)g->k;
            for (int t = 0; t < g->k; t++) {
                vy += g->y[q[t]];
            }
            if (vy <= yhat + GAP_EPS) {
                break;
            }
            if (added) {
                rc = cg_master_add(g, j);
                if (rc != SORTITION_OK) {
                    return rc;
                }
                any = 1;
            }
        }
        if (!any) {
            break; /* pricing returned known panels only: numerical stall */
        }
    }
    return SORTITION_OK;
}

/* min ε s.t. Σ_{K∋i} λ_K + ε ≥ target_i, Σ λ = 1: the final distribution. */
static int cg_final(struct cg *g, const double *target, double *lambda)
{
    struct sortition_model *m = g->s->model_new(false);
    if (m == NULL) {
        return SORTITION_ENOMEM;
    }
    int rc = SORTITION_OK;
    int *rows = malloc((size_t)(g->ncovered + 1) * sizeof *rows);
    double *vals = malloc((size_t)(g->ncovered + 1) * sizeof *vals);
    double *x = malloc((size_t)(g->ps.count + 1) * sizeof *x);
    if (rows == NULL || vals == NULL || x == NULL) {
        rc = SORTITION_ENOMEM;
        goto out;
    }
    for (int i = 0; i < g->n; i++) {
        if (g->row_of[i] >= 0) {
            g->s->add_row(m, target[i], HUGE_VAL, 0, NULL, NULL);
        }
    }
    int sumrow = g->s->add_row(m, 1.0, 1.0, 0, NULL, NULL);
    for (int t = 0; t < g->ncovered; t++) {
        rows[t] = t;
        vals[t] = 1.0;
    }
    int ecol = g->s->add_col(m, 1.0, -1.0, HUGE_VAL, false, g->ncovered, rows, vals);
    if (ecol < 0) {
        rc = SORTITION_ENOMEM;
        goto out;
    }
    for (int j = 0; j < g->ps.count; j++) {
        const int *pn = g->ps.idx + (size_t)j * (size_t)g->k;
        int nnz = 0;
        for (int t = 0; t < g->k; t++) {
            if (g->row_of[pn[t]] >= 0) {
                rows[nnz] = g->row_of[pn[t]];
                vals[nnz++] = 1.0;
            }
        }
        rows[nnz] = sumrow;
        vals[nnz++] = 1.0;
        if (g->s->add_col(m, 0.0, 0.0, HUGE_VAL, false, nnz, rows, vals) < 0) {
            rc = SORTITION_ENOMEM;
            goto out;
        }
    }
    g->s->set_maximize(m, false);
    g->lp_solves++;
    if (cg_lp(g, m, false) != SORTITION_SOLVE_OPTIMAL) {
        rc = SORTITION_ESOLVER;
        goto out;
    }
    g->s->col_values(m, x);
    for (int j = 0; j < g->ps.count; j++) {
        double l = x[j + 1];
        lambda[j] = l < DROP_EPS ? 0.0 : (l > 1.0 ? 1.0 : l);
    }
out:
    free(rows);
    free(vals);
    free(x);
    g->s->model_free(m);
    return rc;
}

/* Lexicographic order of panel indices: a merge sort (qsort would need a
   global for the panel base; the engine keeps none). */
static void sort_panels(int *order, int cnt, const int *base, int k, int *tmp)
{
    if (cnt < 2) {
        return;
    }
    int h = cnt / 2;
    sort_panels(order, h, base, k, tmp);
    sort_panels(order + h, cnt - h, base, k, tmp);
    int a = 0, b = h, t = 0;
    while (a < h || b < cnt) {
        int take_a;
        if (a >= h) {
            take_a = 0;
        } else if (b >= cnt) {
            take_a = 1;
        } else {
            const int *pa = base + (size_t)order[a] * (size_t)k;
            const int *pb = base + (size_t)order[b] * (size_t)k;
            int c = 0;
            for (int q = 0; q < k && c == 0; q++) {
                c = (pa[q] > pb[q]) - (pa[q] < pb[q]);
            }
            take_a = c <= 0;
        }
        tmp[t++] = take_a ? order[a++] : order[b++];
    }
    memcpy(order, tmp, (size_t)cnt * sizeof *order);
}

int sortition_result_fill(struct sortition_result *r, const struct sortition_problem *p,
                          const struct panel_set *ps, const double *lambda)
{
    int k = p->k, cnt = 0;
    double sum = 0.0;
    for (int j = 0; j < ps->count; j++) {
        if (lambda[j] > 0) {
            cnt++;
            sum += lambda[j];
        }
    }
    if (cnt == 0 || sum <= 0) {
        return SORTITION_ESOLVER;
    }
    int *order = malloc((size_t)cnt * sizeof *order);
    int *tmp = malloc((size_t)cnt * sizeof *tmp);
    r->panels = malloc((size_t)cnt * (size_t)k * sizeof *r->panels);
    r->weights = malloc((size_t)cnt * sizeof *r->weights);
    r->probabilities = calloc((size_t)p->n, sizeof *r->probabilities);
    if (order == NULL || tmp == NULL || r->panels == NULL || r->weights == NULL ||
        r->probabilities == NULL) {
        free(order);
        free(tmp);
        return SORTITION_ENOMEM;
    }
    cnt = 0;
    for (int j = 0; j < ps->count; j++) {
        if (lambda[j] > 0) {
            order[cnt++] = j;
        }
    }
    sort_panels(order, cnt, ps->idx, k, tmp);
    for (int t = 0; t < cnt; t++) {
        memcpy(r->panels + (size_t)t * (size_t)k, ps->idx + (size_t)order[t] * (size_t)k,
               (size_t)k * sizeof *r->panels);
        r->weights[t] = lambda[order[t]] / sum;
        for (int q = 0; q < k; q++) {
            r->probabilities[r->panels[(size_t)t * (size_t)k + (size_t)q]] += r->weights[t];
        }
    }
    r->npanels = cnt;
    r->n = p->n;
    r->k = k;
    r->min = HUGE_VAL;
    for (int i = 0; i < p->n; i++) {
        r->min = fmin(r->min, r->probabilities[i]);
    }
    r->gini = sortition_gini(r->probabilities, p->n);
    free(order);
    free(tmp);
    return SORTITION_OK;
}

int sortition_colgen_run(const struct sortition_problem *p, const struct sortition_options *o,
                         const struct sortition_solver *s, struct sortition_result *r,
                         struct sortition_error *err)
{
    struct cg g;
    memset(&g, 0, sizeof g);
    g.p = p;
    g.o = o;
    g.s = s;
    g.n = p->n;
    g.k = p->k;
    g.r = r;
    g.t0 = sortition_now();
    panel_set_init(&g.ps, p->k);
    int rc = SORTITION_ENOMEM;
    double *ybest = malloc((size_t)p->n * sizeof *ybest);
    double *target = malloc((size_t)p->n * sizeof *target);
    double *lambda = NULL;
    g.pr = pricing_new(p, s);
    g.row_of = malloc((size_t)p->n * sizeof *g.row_of);
    g.fixed = calloc((size_t)p->n, sizeof *g.fixed);
    g.fixp = calloc((size_t)p->n, sizeof *g.fixp);
    g.fixz = calloc((size_t)p->n, sizeof *g.fixz);
    g.y = calloc((size_t)p->n, sizeof *g.y);
    g.w = malloc((size_t)p->n * sizeof *g.w);
    g.panel = malloc((size_t)p->k * sizeof *g.panel);
    g.sw = swapper_new(p);
    g.mw = malloc((size_t)p->n * sizeof *g.mw);
    g.mwq = malloc((size_t)p->k * sizeof *g.mwq);
    if (g.sw == NULL || g.mw == NULL || g.mwq == NULL || ybest == NULL || target == NULL ||
        g.pr == NULL || g.row_of == NULL || g.fixed == NULL || g.fixp == NULL || g.fixz == NULL ||
        g.y == NULL || g.w == NULL || g.panel == NULL) {
        goto out;
    }
    rc = cg_initial(&g);
    if (rc != SORTITION_OK) {
        goto out;
    }
    rc = cg_master_build(&g);
    if (rc != SORTITION_OK) {
        goto out;
    }
    int nunfixed = g.ncovered;
    if (nunfixed == 0) {
        rc = SORTITION_ESOLVER;
        goto out;
    }
    const char *phase = o->method == SORTITION_MAXIMIN ? "maximin" : "leximin";
    double zmax = 0.0;
    while (nunfixed > 0) {
        double z, vbest, gap;
        rc = cg_level(&g, &z, ybest, &vbest, &gap, phase);
        if (rc != SORTITION_OK) {
            goto out;
        }
        z = fmin(1.0, fmax(0.0, z));
        rc = cg_add_level(&g, z, ybest, vbest);
        if (rc != SORTITION_OK) {
            goto out;
        }
        r->levels[r->nlevels - 1].gap = gap;
        r->gap = fmax(r->gap, gap);
        if (o->method == SORTITION_MAXIMIN) {
            zmax = z;
            break;
        }
        double ymax = 0.0;
        int arg = -1;
        for (int i = 0; i < g.n; i++) {
            if (g.row_of[i] >= 0 && !g.fixed[i] && (arg < 0 || ybest[i] > ymax)) {
                ymax = ybest[i];
                arg = i;
            }
        }
        for (int i = 0; i < g.n; i++) {
            /* out of budget: everyone still open gets the value reached */
            if (g.row_of[i] >= 0 && !g.fixed[i] &&
                (gap > 0 || i == arg || ybest[i] >= REL_FIX * ymax)) {
                g.fixed[i] = true;
                g.fixp[i] = z;
                g.fixz[i] = g.zbase + g.zval;
                g.nfixed++;
                nunfixed--;
            }
        }
        if (nunfixed > 0) {
            rc = cg_new_level(&g);
            if (rc != SORTITION_OK) {
                goto out;
            }
        }
    }
    for (int i = 0; i < g.n; i++) {
        target[i] = g.row_of[i] < 0 ? 0.0 : (o->method == SORTITION_MAXIMIN ? zmax : g.fixp[i]);
    }
    lambda = malloc((size_t)(g.ps.count + 1) * sizeof *lambda);
    if (lambda == NULL) {
        rc = SORTITION_ENOMEM;
        goto out;
    }
    rc = cg_progress(&g, "final", 0, 1);
    if (rc == SORTITION_OK && r->gap > 0) {
        /* cut by the budget: the last master point is the distribution
           (Σ λ ≤ 1 scaled up to 1 only raises coverage), no final LP,
           which could itself take long */
        for (int j = 0; j < g.ps.count; j++) {
            lambda[j] = j < g.pcap && g.lam[j] >= DROP_EPS ? g.lam[j] : 0.0;
        }
    } else if (rc == SORTITION_OK) {
        rc = cg_final(&g, target, lambda);
    }
    if (rc == SORTITION_OK) {
        rc = sortition_result_fill(r, p, &g.ps, lambda);
    }
    if (rc == SORTITION_OK) {
        int nu = g.n - g.ncovered;
        r->nuncovered = nu;
        if (nu > 0) {
            r->uncovered = malloc((size_t)nu * sizeof *r->uncovered);
            if (r->uncovered == NULL) {
                rc = SORTITION_ENOMEM;
                goto out;
            }
            nu = 0;
            for (int i = 0; i < g.n; i++) {
                if (g.row_of[i] < 0) {
                    r->uncovered[nu++] = i;
                }
            }
        }
        r->iterations = g.pr->calls;
        r->lp_solves = g.lp_solves;
    }
out:
    free(ybest);
    free(target);
    free(lambda);
    free(g.row_of);
    free(g.fixed);
    free(g.fixp);
    free(g.fixz);
    free(g.y);
    free(g.w);
    free(g.panel);
    swapper_free(g.sw);
    free(g.mw);
    free(g.mwq);
    free(g.duals);
    free(g.pcol);
    free(g.lam);
    if (g.lp != NULL) {
        s->model_free(g.lp);
    }
    pricing_free(g.pr);
    panel_set_fini(&g.ps);
    switch (rc) {
    case SORTITION_OK:
        break;
    case SORTITION_ENOMEM:
        sortition_fail(err, rc, "out of memory");
        break;
    case SORTITION_CANCELLED:
        sortition_fail(err, rc, "cancelled");
        break;
    case SORTITION_INFEASIBLE:
        sortition_fail(err, rc, "no panel meets the quotas");
        break;
    default:
        sortition_fail(err, rc, "the %s solver failed (a time limit or numerical trouble)",
                       s->name);
        break;
    }
    return rc;
}
