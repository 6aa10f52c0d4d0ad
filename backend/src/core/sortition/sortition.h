/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/sortition.h — the panel-selection engine's contract
 * (issue 14; mathematics in ../shared/SORTITION-NOTES.md and README.md here).
 *
 * A pool of n respondents, each with one value ("feature") per category, an
 * optional household per respondent, quotas min..max per (category, feature)
 * and a panel size k. The engine finds a distribution over feasible panels
 * (exactly k distinct respondents, every quota met, never two of one
 * household) that is LEXIMIN- or MAXIMIN-fair, or runs the LEGACY greedy
 * draw for comparison; rounds a distribution to a uniform lottery over m
 * panels; and explains infeasible quotas by the smallest relaxation.
 *
 * Pure: no I/O, no clock other than the seconds it reports, no globals; the
 * LP/MIP solver sits behind struct sortition_solver (sortition_solver.h), the
 * only place a third-party library is seen. Thread-safe as long as each call
 * has its own problem/result objects (GLPK and CBC keep no shared state we
 * rely on).
 *
 * Stability: used by pnyx-sortition, sortdraw (core/sortition/draw, the
 * selection worker) and sortweb through the API. Changes are additive only
 * and listed here.
 *   v1 (2026-12-03) first version.
 *
 * Typical use:
 *   struct sortition_problem *p; struct sortition_error err;
 *   sortition_problem_from_csv(cat_csv, cat_len, resp_csv, resp_len, "address", k, &p, &err);
 *   struct sortition_options o; sortition_options_init(&o); o.method = SORTITION_LEXIMIN;
 *   struct sortition_result r;
 *   if (sortition_run(p, &o, &r, &err) == SORTITION_OK) {
 *       struct sortition_lottery l;
 *       sortition_lottery_round(p, &r, 1000, &l, &err); ... sortition_lottery_fini(&l);
 *       sortition_result_fini(&r);
 *   }
 *   sortition_error_fini(&err); sortition_problem_free(p);
 */
#ifndef PNYX_CORE_SORTITION_SORTITION_H
#define PNYX_CORE_SORTITION_SORTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------ */
/* Status codes (return values; 0 = ok).                                     */

enum sortition_status {
    SORTITION_OK = 0,
    SORTITION_EINVAL = -1,     /* bad input: err.message says where and why */
    SORTITION_INFEASIBLE = -2, /* no panel meets the quotas: err.relaxation says what to change */
    SORTITION_CANCELLED = -3,  /* the progress callback asked to stop */
    SORTITION_ENOMEM = -4,     /* allocation failed */
    SORTITION_ESOLVER = -5,    /* the LP/MIP solver failed (time limit, numerical trouble) */
};

/* Which side of a quota a relaxation changes. */
enum sortition_bound {
    SORTITION_BOUND_MIN = 0,
    SORTITION_BOUND_MAX = 1,
};

/* One quota change of the smallest relaxation: "lower the minimum of
   category:feature from `from` to `to`" (bound MIN, to < from) or "raise the
   maximum ... from `from` to `to`" (bound MAX, to > from). category and
   feature index the problem's tables. */
struct sortition_relaxation {
    int category;
    int feature;
    enum sortition_bound bound;
    int from;
    int to;
};

/*
 * Error detail, filled by every function that takes one (initialise with
 * sortition_error_init, release with sortition_error_fini; reusable).
 * row/column locate CSV errors: row is the 1-based line of the file (the
 * header is line 1), column the header name; -1/"" when not about a cell.
 * file is "categories" or "respondents" for CSV errors, "" otherwise.
 * For SORTITION_INFEASIBLE, relaxation lists the changes of the cheapest
 * relaxation (cost 1 + 2/min per unit a minimum is lowered, 1 per unit a
 * maximum is raised), nrelaxation > 0; message says them in words,
 * "lower the minimum of age:16-29 from 9 to 8; raise the maximum of ...".
 */
struct sortition_error {
    enum sortition_status status;
    char message[1024];
    char file[16];
    long row;
    char column[64];
    struct sortition_relaxation *relaxation; /* malloc'd, owned */
    int nrelaxation;
};

void sortition_error_init(struct sortition_error *err);
void sortition_error_fini(struct sortition_error *err);

/* ------------------------------------------------------------------------ */
/* The problem.                                                              */

struct sortition_feature {
    char *name;
    int min; /* quota on the panel, head-count, 0 <= min <= max */
    int max;
    int pool; /* respondents in the pool with this feature (computed) */
};

struct sortition_category {
    char *name;
    int nfeatures;
    struct sortition_feature *features;
};

/*
 * value[i * ncategories + c] is the feature index (in categories[c]) of
 * respondent i. household[i] is a dense household id 0..nhouseholds-1, or -1
 * (alone); NULL when no household column was given. Owned by the problem
 * (sortition_problem_free releases everything).
 */
struct sortition_problem {
    int n;
    int k;
    int ncategories;
    struct sortition_category *categories;
    int *value;
    int *household;
    int nhouseholds;
};

/*
 * Parse the Sortition Foundation's files (RFC 4180 CSV, UTF-8, optional BOM,
 * CRLF or LF, final newline optional, cells trimmed of surrounding blanks):
 * categories.csv with header `category,feature,min,max` and respondents.csv
 * with one column per category (extra columns such as id/email/address are
 * ignored unless named by household_column; row number = respondent index,
 * 0-based after the header). household_column NULL = no households; equal
 * non-empty values of that column form one household. Then validates with
 * sortition_problem_validate. On error returns EINVAL (*out NULL) with
 * err.file/row/column set: unknown value "respondents.csv line 7, column age:
 * value '90+' is not a feature of category age", missing category column,
 * duplicate feature, min > max, non-integer quota, ...
 */
int sortition_problem_from_csv(const char *categories_csv, size_t categories_len,
                               const char *respondents_csv, size_t respondents_len,
                               const char *household_column, int k, struct sortition_problem **out,
                               struct sortition_error *err);

/*
 * Cheap checks, no solver: 1 <= k <= n; per category Σ min <= k <= Σ max
 * (the message names the category and both sums); a feature whose minimum
 * exceeds the respondents having it; quotas with min > max. Fills
 * categories[].features[].pool. EINVAL with a message on the first failure.
 * The exact check (one ILP) is sortition_feasibility.
 */
int sortition_problem_validate(struct sortition_problem *p, struct sortition_error *err);

void sortition_problem_free(struct sortition_problem *p);

/* ------------------------------------------------------------------------ */
/* Solver choice (struct sortition_solver is in sortition_solver.h).         */

struct sortition_solver;

/* The built-in solvers, by name: "glpk", "cbc" (CLP for LPs, CBC for MIPs).
   NULL when unknown or not compiled in. sortition_solver_default() is the
   measured default (README.md, Performance). */
const struct sortition_solver *sortition_solver_by_name(const char *name);
const struct sortition_solver *sortition_solver_default(void);

/* ------------------------------------------------------------------------ */
/* Running.                                                                  */

enum sortition_method {
    SORTITION_LEGACY = 0,  /* greedy draw (seeded), probabilities by Monte-Carlo */
    SORTITION_MAXIMIN = 1, /* maximise the smallest probability (column generation) */
    SORTITION_LEXIMIN = 2, /* then the next smallest, ... (Flanigan et al. 2021) */
};

/* "legacy" | "maximin" | "leximin"; parse returns -1 for unknown names. */
const char *sortition_method_name(enum sortition_method m);
int sortition_method_parse(const char *name);

/* Progress report, passed to options.progress about once per pricing call. */
struct sortition_progress {
    const char
        *phase;     /* "feasibility", "initial panels", "maximin", "leximin", "legacy", "final" */
    int iterations; /* pricing ILPs solved so far */
    int npanels;    /* distinct panels generated so far */
    int nfixed;     /* LEXIMIN: respondents whose probability is settled */
    int n;
    double lower;   /* current level achievable with the panels found (LP value) */
    double upper;   /* best proven upper bound on the current level */
    double seconds; /* since sortition_run started */
};

struct sortition_options {
    enum sortition_method method;
    const struct sortition_solver *solver; /* NULL = sortition_solver_default() */
    uint64_t seed;                         /* LEGACY draws; default 1 */
    int legacy_runs;                       /* LEGACY: panels drawn; default 10000 */
    /* Called with the current state; return non-zero to cancel the run
       (sortition_run then returns SORTITION_CANCELLED). May be NULL. */
    int (*progress)(void *ctx, const struct sortition_progress *pr);
    void *progress_ctx;
    double time_limit; /* seconds for the whole run, 0 = none (ESOLVER when hit) */
    /* MAXIMIN/LEXIMIN: seconds after which column generation stops at the
       level it is on, settles every respondent still open at the value
       that level has reached (a distribution that achieves it exists: the
       result is valid) and reports the distance to the best proven upper
       bound as the level's and the result's gap, instead of running on.
       0 = none. */
    double budget;
};

void sortition_options_init(struct sortition_options *o);

/*
 * One LEXIMIN level (or the single MAXIMIN level) of the certificate. y has n
 * entries, y >= 0, summing to 1 over the respondents not fixed before this
 * level; fixed_before lists which were (with their probabilities in the
 * result). Anyone can check the level with one ILP: for every feasible panel
 * K, Σ_{i∈K} y_i <= bound + Σ_{i fixed before} p_i y_i + 1e-6, where bound is
 * `value` here up to the run's tolerance — so no distribution can give all
 * unfixed respondents more than `value` (sortition_certificate_check).
 */
struct sortition_level {
    double value;       /* the probability settled at this level */
    double *y;          /* n dual weights */
    double panel_bound; /* max_K Σ_{i∈K} y_i as found by the last pricing ILP */
    bool *fixed_before; /* n flags */
    double gap;         /* proven upper bound − value: > 0 only when the budget ended the level */
};

struct sortition_result {
    enum sortition_method method;
    int n;
    int k;
    int npanels;
    int *panels;           /* npanels × k respondent indices, each panel sorted
                              ascending, panels in lexicographic order */
    double *weights;       /* npanels, > 0, summing to 1 */
    double *probabilities; /* n: Σ weights of the panels containing i */
    double min;            /* smallest probability over all n (0 if some are uncovered) */
    double gini;           /* Σ_i Σ_j |π_i − π_j| / (2 n Σ π) */
    int nuncovered;
    int *uncovered; /* respondents on no feasible panel (probability 0) */
    int nlevels;
    struct sortition_level *levels; /* certificate; 0 levels for LEGACY */
    int iterations;                 /* pricing ILPs solved (LEGACY: draws) */
    int lp_solves;                  /* master LP solves */
    double seconds;
    const char *solver; /* name of the solver used (static string) */
    /* Largest level gap: 0 when every level was closed (to the engine's
       tolerance, 1e-5 relative), > 0 when options.budget cut the run short
       (then the LEXIMIN is only approximated from below by that much). */
    double gap;
};

/*
 * Validate, check feasibility (one ILP; INFEASIBLE with the relaxation in
 * err), then run options->method. On SORTITION_OK *r is filled (release with
 * sortition_result_fini); otherwise *r is zeroed and err says why.
 * Deterministic for a given problem, options and solver.
 */
int sortition_run(struct sortition_problem *p, const struct sortition_options *o,
                  struct sortition_result *r, struct sortition_error *err);

void sortition_result_fini(struct sortition_result *r);

/*
 * Feasibility only: OK when some panel meets the quotas, else INFEASIBLE
 * with the cheapest relaxation in err (and EINVAL for the cheap checks).
 * solver NULL = default.
 */
int sortition_feasibility(struct sortition_problem *p, const struct sortition_solver *solver,
                          struct sortition_error *err);

/*
 * Re-check a certificate level with one ILP: *max_panel = max_K Σ_{i∈K} y_i
 * over all feasible panels. The level holds when
 *   max_panel - Σ_{i fixed before} p_i y_i <= level.value + tolerance.
 */
int sortition_certificate_check(const struct sortition_problem *p,
                                const struct sortition_solver *solver,
                                const struct sortition_level *level, const double *probabilities,
                                double *max_panel, struct sortition_error *err);

/* ------------------------------------------------------------------------ */
/* Transparency: a uniform lottery over m panels.                            */

/*
 * Deterministic rounding (Beck–Fiala style iterative rounding, Flanigan,
 * Kehne, Procaccia 2021) of r's distribution to integer counts summing to m:
 * panel[j] (j = 0..m-1) is an index into r->panels, in ascending order, so
 * lottery ticket j is the panel r->panels[panel[j] * k ...]. probabilities[i]
 * = (tickets containing i) / m, and |probabilities[i] − r->probabilities[i]|
 * < k/m for every i (max_deviation says by how much). Same inputs → same list.
 */
struct sortition_lottery {
    int m;
    int k;
    int *panel;            /* m indices into the result's panels */
    double *probabilities; /* n */
    double max_deviation;
};

int sortition_lottery_round(const struct sortition_result *r, int m, struct sortition_lottery *l,
                            struct sortition_error *err);
void sortition_lottery_fini(struct sortition_lottery *l);

/* Gini coefficient of n values (as in the result). */
double sortition_gini(const double *v, int n);

/* Releases what the solvers keep per thread (GLPK's environment, which
 * GLPK never frees at thread exit). A long-lived thread that ran the
 * engine (pnyxd's selection worker) calls it after each run; nothing of the
 * engine may be in use on the thread then. (sortdraw) */
void sortition_thread_release(void);

#endif
