/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/solver_coin.c — struct sortition_solver on COIN-OR (Debian's
 * coinor-libcbc-dev 2.10): CLP through Clp_C_Interface.h for LPs (primal
 * simplex, warm from the previous solve after columns are added), CBC
 * through Cbc_C_Interface.h for MIPs (zero gap). Logs off. One of two files
 * that may include a solver header.
 */
#include <coin/Cbc_C_Interface.h>
#include <coin/Clp_C_Interface.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sortition_solver.h"

struct sortition_model {
    bool mip;
    bool solved;
    Clp_Simplex *clp;
    Cbc_Model *cbc; /* the model as built; never solved itself */
    double cbc_obj;
    double *cbc_x; /* the last solution (ncols) */
    int status;
};

static double fin(double v)
{
    /* COIN's infinity is DBL_MAX; HUGE_VAL passes through as inf, which both
       accept, but keep it explicit. */
    return isinf(v) ? (v > 0 ? 1e30 : -1e30) : v;
}

static struct sortition_model *c_new(bool mip)
{
    struct sortition_model *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return NULL;
    }
    m->mip = mip;
    if (mip) {
        m->cbc = Cbc_newModel();
        Cbc_setLogLevel(m->cbc, 0);
        Cbc_setObjSense(m->cbc, 1.0);
    } else {
        m->clp = Clp_newModel();
        Clp_setLogLevel(m->clp, 0);
        Clp_setObjSense(m->clp, 1.0);
    }
    return m;
}

static void c_free(struct sortition_model *m)
{
    if (m == NULL) {
        return;
    }
    if (m->cbc != NULL) {
        Cbc_deleteModel(m->cbc);
    }
    if (m->clp != NULL) {
        Clp_deleteModel(m->clp);
    }
    free(m->cbc_x);
    free(m);
}

static void c_set_maximize(struct sortition_model *m, bool maximize)
{
    if (m->mip) {
        Cbc_setObjSense(m->cbc, maximize ? -1.0 : 1.0);
    } else {
        Clp_setObjSense(m->clp, maximize ? -1.0 : 1.0);
    }
}

static void c_set_row_bounds(struct sortition_model *m, int row, double lo, double hi)
{
    if (m->mip) {
        Cbc_setRowLower(m->cbc, row, fin(lo));
        Cbc_setRowUpper(m->cbc, row, fin(hi));
    } else {
        Clp_rowLower(m->clp)[row] = fin(lo);
        Clp_rowUpper(m->clp)[row] = fin(hi);
    }
}

static int c_add_row(struct sortition_model *m, double lo, double hi, int nnz, const int *cols,
                     const double *vals)
{
    if (m->mip) {
        int r = Cbc_getNumRows(m->cbc);
        Cbc_addRow(m->cbc, "", nnz, cols, vals, 'G', isinf(lo) ? -1e30 : lo);
        c_set_row_bounds(m, r, lo, hi);
        return r;
    }
    int r = Clp_numberRows(m->clp);
    CoinBigIndex starts[2] = {0, (CoinBigIndex)nnz};
    double l = fin(lo), h = fin(hi);
    Clp_addRows(m->clp, 1, &l, &h, starts, cols, vals);
    return r;
}

static int c_add_col(struct sortition_model *m, double obj, double lo, double hi, bool integer,
                     int nnz, const int *rows, const double *vals)
{
    if (m->mip) {
        int c = Cbc_getNumCols(m->cbc);
        /* Cbc_addCol takes non-const arrays but does not write them. */
        int *r = malloc((size_t)(nnz + 1) * sizeof *r);
        double *v = malloc((size_t)(nnz + 1) * sizeof *v);
        if (r == NULL || v == NULL) {
            free(r);
            free(v);
            return -1;
        }
        if (nnz) {
            memcpy(r, rows, (size_t)nnz * sizeof *r);
            memcpy(v, vals, (size_t)nnz * sizeof *v);
        }
        Cbc_addCol(m->cbc, "", fin(lo), fin(hi), obj, integer ? 1 : 0, nnz, r, v);
        free(r);
        free(v);
        return c;
    }
    int c = Clp_numberColumns(m->clp);
    CoinBigIndex starts[2] = {0, (CoinBigIndex)nnz};
    double l = fin(lo), h = fin(hi);
    Clp_addColumns(m->clp, 1, &l, &h, &obj, starts, rows, vals);
    return c;
}

static void c_set_obj(struct sortition_model *m, int col, double v)
{
    if (m->mip) {
        Cbc_setObjCoeff(m->cbc, col, v);
    } else {
        Clp_objective(m->clp)[col] = v;
    }
}

static void c_set_col_bounds(struct sortition_model *m, int col, double lo, double hi)
{
    if (m->mip) {
        Cbc_setColLower(m->cbc, col, fin(lo));
        Cbc_setColUpper(m->cbc, col, fin(hi));
    } else {
        Clp_columnLower(m->clp)[col] = fin(lo);
        Clp_columnUpper(m->clp)[col] = fin(hi);
    }
}

static enum sortition_solve_status c_lp_solve(struct sortition_model *m)
{
    int st;
    if (!m->solved) {
        st = Clp_initialSolve(m->clp);
    } else {
        st = Clp_primal(m->clp, 0);
        if (Clp_status(m->clp) != 0) {
            st = Clp_dual(m->clp, 0);
        }
    }
    (void)st;
    m->solved = true;
    switch (Clp_status(m->clp)) {
    case 0:
        return SORTITION_SOLVE_OPTIMAL;
    case 1:
        return SORTITION_SOLVE_INFEASIBLE;
    case 2:
        return SORTITION_SOLVE_UNBOUNDED;
    default:
        return SORTITION_SOLVE_ERROR;
    }
}

/* CBC 2.10's C interface solves a model once: after Cbc_solve the model
   keeps its solved state and a changed objective is not seen by the next
   Cbc_solve (measured: every pricing call returned the first panel). So
   each solve runs on a clone of the built model. */
static enum sortition_solve_status c_mip_solve(struct sortition_model *m, double time_limit,
                                               double rel_gap)
{
    Cbc_Model *c = Cbc_clone(m->cbc);
    if (c == NULL) {
        return SORTITION_SOLVE_ERROR;
    }
    Cbc_setAllowableGap(c, 0.0);
    Cbc_setAllowableFractionGap(c, rel_gap);
    Cbc_setLogLevel(c, 0);
    if (time_limit > 0) {
        Cbc_setMaximumSeconds(c, time_limit);
    }
    Cbc_solve(c);
    enum sortition_solve_status st = SORTITION_SOLVE_ERROR;
    bool timed_out = Cbc_isSecondsLimitReached(c) && Cbc_bestSolution(c) != NULL;
    if (Cbc_isProvenOptimal(c) || timed_out) {
        int n = Cbc_getNumCols(c);
        double *x = realloc(m->cbc_x, (size_t)(n + 1) * sizeof *x);
        if (x != NULL) {
            m->cbc_x = x;
            memcpy(x, Cbc_getColSolution(c), (size_t)n * sizeof *x);
            m->cbc_obj = Cbc_getObjValue(c);
            st = timed_out ? SORTITION_SOLVE_FEASIBLE : SORTITION_SOLVE_OPTIMAL;
        }
    } else if (Cbc_isProvenInfeasible(c)) {
        st = SORTITION_SOLVE_INFEASIBLE;
    }
    Cbc_deleteModel(c);
    return st;
}

static double c_obj_value(const struct sortition_model *m)
{
    return m->mip ? m->cbc_obj : Clp_objectiveValue(m->clp);
}

static void c_col_values(const struct sortition_model *m, double *x)
{
    if (m->mip) {
        int n = Cbc_getNumCols(m->cbc);
        if (m->cbc_x != NULL) {
            memcpy(x, m->cbc_x, (size_t)n * sizeof *x);
        }
    } else {
        int n = Clp_numberColumns(m->clp);
        memcpy(x, Clp_primalColumnSolution(m->clp), (size_t)n * sizeof *x);
    }
}

static void c_row_duals(const struct sortition_model *m, double *y)
{
    int r = Clp_numberRows(m->clp);
    memcpy(y, Clp_dualRowSolution(m->clp), (size_t)r * sizeof *y);
}

static int c_ncols(const struct sortition_model *m)
{
    return m->mip ? Cbc_getNumCols(m->cbc) : Clp_numberColumns(m->clp);
}

static int c_nrows(const struct sortition_model *m)
{
    return m->mip ? Cbc_getNumRows(m->cbc) : Clp_numberRows(m->clp);
}

static const struct sortition_solver coin_solver = {
    .name = "cbc",
    .model_new = c_new,
    .model_free = c_free,
    .set_maximize = c_set_maximize,
    .add_row = c_add_row,
    .add_col = c_add_col,
    .set_obj = c_set_obj,
    .set_row_bounds = c_set_row_bounds,
    .set_col_bounds = c_set_col_bounds,
    .lp_solve = c_lp_solve,
    .mip_solve = c_mip_solve,
    .obj_value = c_obj_value,
    .col_values = c_col_values,
    .row_duals = c_row_duals,
    .ncols = c_ncols,
    .nrows = c_nrows,
};

const struct sortition_solver *sortition_solver_coin(void)
{
    return &coin_solver;
}
