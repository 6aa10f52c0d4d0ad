/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/solver_glpk.c — struct sortition_solver on GLPK 5 (Debian's
 * libglpk-dev): glp_simplex for LPs, warm from the previous basis (columns
 * and rows added to a solved model keep its basis valid: new columns enter
 * non-basic, new rows basic), glp_intopt with presolve and a zero gap for
 * MIPs. Messages off. One of two files that may include a solver header.
 */
#include <glpk.h>
#include <math.h>
#include <stdlib.h>

#include "sortition.h"
#include "sortition_solver.h"

/* Primal simplex pivots per lp_solve call: a longer solve returns
   SORTITION_SOLVE_FEASIBLE at a primal feasible basis, and the engine
   either calls again (continuing from it) or, out of time budget, uses
   that point. (The shared cases' master solves take ~200 pivots; the
   master of a pool whose LEXIMIN is nearly uniform took 10,000–17,000
   per solve, and earlier once ran for > 500 s in one call.) */
#define LP_ITER_CHUNK 5000

struct sortition_model {
    glp_prob *lp;
    bool mip;
    bool solved;
    int *ind; /* scratch, 1-based index arrays for glp_set_mat_col */
    double *val;
    int scratch;
};

static struct sortition_model *g_new(bool mip)
{
    struct sortition_model *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return NULL;
    }
    m->lp = glp_create_prob();
    m->mip = mip;
    glp_set_obj_dir(m->lp, GLP_MIN);
    return m;
}

static void g_free(struct sortition_model *m)
{
    if (m == NULL) {
        return;
    }
    glp_delete_prob(m->lp);
    free(m->ind);
    free(m->val);
    free(m);
}

static void g_set_maximize(struct sortition_model *m, bool maximize)
{
    glp_set_obj_dir(m->lp, maximize ? GLP_MAX : GLP_MIN);
}

static void set_bounds(struct sortition_model *m, bool row, int j, double lo, double hi)
{
    int type;
    if (isinf(lo) && isinf(hi)) {
        type = GLP_FR;
    } else if (isinf(hi)) {
        type = GLP_LO;
    } else if (isinf(lo)) {
        type = GLP_UP;
    } else if (lo == hi) {
        type = GLP_FX;
    } else {
        type = GLP_DB;
    }
    if (row) {
        glp_set_row_bnds(m->lp, j + 1, type, isinf(lo) ? 0.0 : lo, isinf(hi) ? 0.0 : hi);
    } else {
        glp_set_col_bnds(m->lp, j + 1, type, isinf(lo) ? 0.0 : lo, isinf(hi) ? 0.0 : hi);
    }
}

static int grow_scratch(struct sortition_model *m, int nnz)
{
    if (nnz + 1 > m->scratch) {
        int cap = 2 * (nnz + 1);
        int *ni = realloc(m->ind, (size_t)cap * sizeof *ni);
        if (ni == NULL) {
            return -1;
        }
        m->ind = ni;
        double *nv = realloc(m->val, (size_t)cap * sizeof *nv);
        if (nv == NULL) {
            return -1;
        }
        m->val = nv;
        m->scratch = cap;
    }
    return 0;
}

static int g_add_row(struct sortition_model *m, double lo, double hi, int nnz, const int *cols,
                     const double *vals)
{
    if (grow_scratch(m, nnz) != 0) {
        return -1;
    }
    int r = glp_add_rows(m->lp, 1) - 1;
    set_bounds(m, true, r, lo, hi);
    if (nnz > 0) {
        for (int t = 0; t < nnz; t++) {
            m->ind[t + 1] = cols[t] + 1;
            m->val[t + 1] = vals[t];
        }
        glp_set_mat_row(m->lp, r + 1, nnz, m->ind, m->val);
    }
    return r;
}

static int g_add_col(struct sortition_model *m, double obj, double lo, double hi, bool integer,
                     int nnz, const int *rows, const double *vals)
{
    if (grow_scratch(m, nnz) != 0) {
        return -1;
    }
    int c = glp_add_cols(m->lp, 1) - 1;
    for (int t = 0; t < nnz; t++) {
        m->ind[t + 1] = rows[t] + 1;
        m->val[t + 1] = vals[t];
    }
    glp_set_mat_col(m->lp, c + 1, nnz, m->ind, m->val);
    glp_set_obj_coef(m->lp, c + 1, obj);
    set_bounds(m, false, c, lo, hi);
    if (integer && m->mip) {
        glp_set_col_kind(m->lp, c + 1, lo == 0.0 && hi == 1.0 ? GLP_BV : GLP_IV);
    }
    return c;
}

static void g_set_obj(struct sortition_model *m, int col, double v)
{
    glp_set_obj_coef(m->lp, col + 1, v);
}

static void g_set_row_bounds(struct sortition_model *m, int row, double lo, double hi)
{
    set_bounds(m, true, row, lo, hi);
}

static void g_set_col_bounds(struct sortition_model *m, int col, double lo, double hi)
{
    set_bounds(m, false, col, lo, hi);
}

static enum sortition_solve_status g_lp_solve(struct sortition_model *m)
{
    glp_smcp p;
    glp_init_smcp(&p);
    p.msg_lev = GLP_MSG_OFF;
    p.presolve = GLP_OFF; /* keep the basis: warm start */
    /* Primal simplex: the engine adds columns, which keeps the basis
       primal feasible. (Measured on pnyx_09: the dual form of the master,
       a row per panel re-solved by dual simplex, cost 23 s of CPU against
       18 s for this one.) */
    p.it_lim = LP_ITER_CHUNK;
    int rc = glp_simplex(m->lp, &p);
    if (rc == GLP_EITLIM) {
        if (glp_get_prim_stat(m->lp) == GLP_FEAS) {
            m->solved = true;
            return SORTITION_SOLVE_FEASIBLE;
        }
        /* not primal feasible yet (phase 1, or GLPK's perturbed bounds
           not yet removed): the caller decides whether to go on */
        return SORTITION_SOLVE_PENDING;
    }
    if (rc == GLP_EBADB || rc == GLP_ESING || rc == GLP_ECOND) {
        glp_adv_basis(m->lp, 0);
        rc = glp_simplex(m->lp, &p);
    }
    if (rc != 0) {
        /* One cold retry with presolve (numerical trouble). */
        glp_std_basis(m->lp);
        p.presolve = GLP_ON;
        rc = glp_simplex(m->lp, &p);
        if (rc == GLP_ENOPFS) {
            return SORTITION_SOLVE_INFEASIBLE;
        }
        if (rc == GLP_ENODFS) {
            return SORTITION_SOLVE_UNBOUNDED;
        }
        if (rc != 0) {
            return SORTITION_SOLVE_ERROR;
        }
    }
    m->solved = true;
    switch (glp_get_status(m->lp)) {
    case GLP_OPT:
        return SORTITION_SOLVE_OPTIMAL;
    case GLP_NOFEAS:
    case GLP_INFEAS:
        return SORTITION_SOLVE_INFEASIBLE;
    case GLP_UNBND:
        return SORTITION_SOLVE_UNBOUNDED;
    default:
        return SORTITION_SOLVE_ERROR;
    }
}

static enum sortition_solve_status g_mip_solve(struct sortition_model *m, double time_limit,
                                               double rel_gap)
{
    glp_iocp p;
    glp_init_iocp(&p);
    p.msg_lev = GLP_MSG_OFF;
    p.presolve = GLP_ON;
    p.mip_gap = rel_gap;
    if (time_limit > 0) {
        p.tm_lim = (int)(time_limit * 1000.0);
    }
    int rc = glp_intopt(m->lp, &p);
    if (rc == GLP_ENOPFS || rc == GLP_ENODFS) {
        return rc == GLP_ENOPFS ? SORTITION_SOLVE_INFEASIBLE : SORTITION_SOLVE_UNBOUNDED;
    }
    if (rc == GLP_EMIPGAP && glp_mip_status(m->lp) == GLP_FEAS) {
        return SORTITION_SOLVE_OPTIMAL; /* within rel_gap */
    }
    if (rc == GLP_ETMLIM && glp_mip_status(m->lp) == GLP_FEAS) {
        return SORTITION_SOLVE_FEASIBLE;
    }
    if (rc != 0) {
        return SORTITION_SOLVE_ERROR;
    }
    switch (glp_mip_status(m->lp)) {
    case GLP_OPT:
        return SORTITION_SOLVE_OPTIMAL;
    case GLP_NOFEAS:
        return SORTITION_SOLVE_INFEASIBLE;
    default:
        return SORTITION_SOLVE_ERROR;
    }
}

static double g_obj_value(const struct sortition_model *m)
{
    return m->mip ? glp_mip_obj_val(m->lp) : glp_get_obj_val(m->lp);
}

static void g_col_values(const struct sortition_model *m, double *x)
{
    int n = glp_get_num_cols(m->lp);
    for (int j = 0; j < n; j++) {
        x[j] = m->mip ? glp_mip_col_val(m->lp, j + 1) : glp_get_col_prim(m->lp, j + 1);
    }
}

static void g_row_duals(const struct sortition_model *m, double *y)
{
    int r = glp_get_num_rows(m->lp);
    for (int i = 0; i < r; i++) {
        y[i] = glp_get_row_dual(m->lp, i + 1);
    }
}

static int g_ncols(const struct sortition_model *m)
{
    return glp_get_num_cols(m->lp);
}

static int g_nrows(const struct sortition_model *m)
{
    return glp_get_num_rows(m->lp);
}

static const struct sortition_solver glpk_solver = {
    .name = "glpk",
    .model_new = g_new,
    .model_free = g_free,
    .set_maximize = g_set_maximize,
    .add_row = g_add_row,
    .add_col = g_add_col,
    .set_obj = g_set_obj,
    .set_row_bounds = g_set_row_bounds,
    .set_col_bounds = g_set_col_bounds,
    .lp_solve = g_lp_solve,
    .mip_solve = g_mip_solve,
    .obj_value = g_obj_value,
    .col_values = g_col_values,
    .row_duals = g_row_duals,
    .ncols = g_ncols,
    .nrows = g_nrows,
};

const struct sortition_solver *sortition_solver_glpk(void)
{
    return &glpk_solver;
}

/* sortition.h: GLPK's per-thread environment (no-op when this thread has
 * none). */
void sortition_thread_release(void)
{
    (void)glp_free_env();
}
