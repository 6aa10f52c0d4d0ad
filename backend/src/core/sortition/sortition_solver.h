/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/sortition_solver.h — the small LP/MIP interface the engine
 * runs on, so another solver can be plugged in (one struct of function
 * pointers). Built in: GLPK (solver_glpk.c) and COIN-OR CLP/CBC
 * (solver_coin.c); these two files are the only ones that include a solver
 * header (scripts/check-layers lets core/sortition see them, nothing else).
 *
 * A model is a set of rows (lo <= a·x <= hi, HUGE_VAL for no bound) and
 * columns (lo <= x <= hi, objective coefficient), minimised or maximised.
 * Rows and columns are indexed from 0 in the order added. Models grow:
 * the master LP of column generation gets one column per new panel and is
 * re-solved warm (no rebuild per iteration); the pricing MIP is built once
 * and re-solved with a new objective each call.
 */
#ifndef PNYX_CORE_SORTITION_SORTITION_SOLVER_H
#define PNYX_CORE_SORTITION_SORTITION_SOLVER_H

#include <stdbool.h>

enum sortition_solve_status {
    SORTITION_SOLVE_OPTIMAL = 0,
    SORTITION_SOLVE_INFEASIBLE = 1,
    SORTITION_SOLVE_UNBOUNDED = 2,
    SORTITION_SOLVE_ERROR = 3,    /* numerical failure, time limit without a solution, ... */
    SORTITION_SOLVE_FEASIBLE = 4, /* MIP: time limit with a solution, optimality unproven;
                                     LP: a pivot limit ended this call at a primal
                                     feasible point (call again to go on) */
    SORTITION_SOLVE_PENDING = 5,  /* LP: a pivot limit ended this call before a feasible
                                     point (call again to go on) */
};

struct sortition_model; /* opaque, one per solver */

struct sortition_solver {
    const char *name;
    /* A new empty model; mip = the model will have integer columns and be
       solved with mip_solve. NULL on allocation failure. */
    struct sortition_model *(*model_new)(bool mip);
    void (*model_free)(struct sortition_model *m);
    void (*set_maximize)(struct sortition_model *m, bool maximize);
    /* Add a row with nnz coefficients in the given (existing) columns;
       returns its index, -1 on failure. */
    int (*add_row)(struct sortition_model *m, double lo, double hi, int nnz, const int *cols,
                   const double *vals);
    /* Add a column with nnz coefficients in the given rows; returns its
       index, -1 on failure. integer only for MIP models. */
    int (*add_col)(struct sortition_model *m, double obj, double lo, double hi, bool integer,
                   int nnz, const int *rows, const double *vals);
    void (*set_obj)(struct sortition_model *m, int col, double value);
    void (*set_row_bounds)(struct sortition_model *m, int row, double lo, double hi);
    void (*set_col_bounds)(struct sortition_model *m, int col, double lo, double hi);
    /* LP: solve (warm from the last basis when there is one). May stop
       early with FEASIBLE (col_values then a feasible point, duals not
       optimal); calling again continues. */
    enum sortition_solve_status (*lp_solve)(struct sortition_model *m);
    /* MIP: solve to proven optimality within the relative gap rel_gap
       (|best − bound| <= rel_gap (|best| + 1e-12); 0 = exact) and
       time_limit seconds (0 = none): OPTIMAL. FEASIBLE when the time limit
       ends the search with a solution in hand. */
    enum sortition_solve_status (*mip_solve)(struct sortition_model *m, double time_limit,
                                             double rel_gap);
    double (*obj_value)(const struct sortition_model *m);
    /* Primal column values (ncols) and, for LPs, row duals (nrows). */
    void (*col_values)(const struct sortition_model *m, double *x);
    void (*row_duals)(const struct sortition_model *m, double *y);
    int (*ncols)(const struct sortition_model *m);
    int (*nrows)(const struct sortition_model *m);
};

/* The built-in solvers (NULL when not compiled in). */
const struct sortition_solver *sortition_solver_glpk(void);
const struct sortition_solver *sortition_solver_coin(void);

#endif
