/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Unit tests of core/sortition: the CSV reader and its errors, validation
 * and the relaxation of infeasible quotas, the solver interface (both
 * solvers), households, LEXIMIN/MAXIMIN invariants and certificates, the
 * LEGACY draw checked statistically, the lottery rounding bound, and
 * cancellation. The conformance cases run in run_cases.py.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "core/sortition/sortition.h"
#include "core/sortition/sortition_int.h"
#include "core/sortition/sortition_solver.h"

static struct sortition_problem *load(const char *cats, const char *resp, const char *hh, int k,
                                      int want_rc)
{
    struct sortition_problem *p = NULL;
    struct sortition_error err;
    sortition_error_init(&err);
    int rc = sortition_problem_from_csv(cats, strlen(cats), resp, strlen(resp), hh, k, &p, &err);
    cr_assert_eq(rc, want_rc, "rc %d (%s)", rc, err.message);
    sortition_error_fini(&err);
    return p;
}

/* Alternate(200, 20) of the Nature paper's SI (example_small_20's structure):
   1 female/conservative, 99 female/liberal, 100 male/conservative. */
static char *alternate_pool(void)
{
    size_t cap = 200 * 32 + 64;
    char *s = malloc(cap);
    size_t len = (size_t)snprintf(s, cap, "gender,leaning\n");
    for (int i = 0; i < 200; i++) {
        const char *row = i == 0    ? "female,conservative"
                          : i < 100 ? "female,liberal"
                                    : "male,conservative";
        len += (size_t)snprintf(s + len, cap - len, "%s\n", row);
    }
    return s;
}

static const char *ALT_CATS = "category,feature,min,max\n"
                              "gender,female,9,20\ngender,male,9,20\n"
                              "leaning,liberal,9,20\nleaning,conservative,9,20\n";

/* A small pool with three categories and households of two. */
static const char *HH_CATS = "category,feature,min,max\n"
                             "gender,f,3,5\ngender,m,3,5\n"
                             "age,young,2,4\nage,old,2,5\n"
                             "region,n,1,4\nregion,s,2,4\n";

static char *household_pool(int n)
{
    size_t cap = (size_t)n * 48 + 64;
    char *s = malloc(cap);
    size_t len = (size_t)snprintf(s, cap, "id,gender,age,region,address\n");
    for (int i = 0; i < n; i++) {
        len += (size_t)snprintf(s + len, cap - len, "%d,%s,%s,%s,\"street %d, flat\"\n", i,
                                (i * 7) % 3 == 0 ? "f" : "m", (i * 5) % 4 == 0 ? "young" : "old",
                                i % 3 == 0 ? "n" : "s", i / 2);
    }
    return s;
}

static void assert_valid_result(const struct sortition_problem *p, const struct sortition_result *r)
{
    double wsum = 0.0, psum = 0.0;
    double *pi = calloc((size_t)p->n, sizeof *pi);
    for (int j = 0; j < r->npanels; j++) {
        const int *pn = r->panels + (size_t)j * (size_t)p->k;
        cr_assert_gt(r->weights[j], 0.0);
        wsum += r->weights[j];
        int nf = 0;
        for (int c = 0; c < p->ncategories; c++) {
            nf = p->categories[c].nfeatures > nf ? p->categories[c].nfeatures : nf;
        }
        for (int c = 0; c < p->ncategories; c++) {
            int cnt[16] = {0};
            for (int t = 0; t < p->k; t++) {
                cnt[p->value[(size_t)pn[t] * (size_t)p->ncategories + (size_t)c]]++;
            }
            for (int f = 0; f < p->categories[c].nfeatures; f++) {
                cr_assert(cnt[f] >= p->categories[c].features[f].min &&
                              cnt[f] <= p->categories[c].features[f].max,
                          "panel %d breaks the quota of %s:%s", j, p->categories[c].name,
                          p->categories[c].features[f].name);
            }
        }
        for (int t = 0; t < p->k; t++) {
            if (t > 0) {
                cr_assert_lt(pn[t - 1], pn[t], "panel %d not sorted/distinct", j);
            }
            if (p->household != NULL) {
                for (int u = 0; u < t; u++) {
                    cr_assert(p->household[pn[t]] < 0 || p->household[pn[t]] != p->household[pn[u]],
                              "panel %d holds %d and %d of one household", j, pn[u], pn[t]);
                }
            }
            pi[pn[t]] += r->weights[j];
        }
    }
    cr_assert_float_eq(wsum, 1.0, 1e-9);
    for (int i = 0; i < p->n; i++) {
        cr_assert_float_eq(pi[i], r->probabilities[i], 1e-9);
        psum += r->probabilities[i];
    }
    cr_assert_float_eq(psum, p->k, 1e-6);
    free(pi);
}

/* ------------------------------------------------------------------------ */

Test(csv, bom_crlf_quotes_and_no_final_newline)
{
    const char *cats = "\xEF\xBB\xBF"
                       "category,feature,min,max\r\ngender,female,1,2\r\ngender,male,1,2";
    const char *resp = "id,gender,address\r\n1,female,\"a, b\"\r\n2, male ,\"c \"\"d\"\"\"\r\n"
                       "3,male,\"a, b\"";
    struct sortition_problem *p = load(cats, resp, "address", 2, SORTITION_OK);
    cr_assert_eq(p->n, 3);
    cr_assert_eq(p->ncategories, 1);
    cr_assert_eq(p->value[1], 1, "trimmed ' male ' is male");
    cr_assert_eq(p->household[0], p->household[2]);
    cr_assert_neq(p->household[0], p->household[1]);
    sortition_problem_free(p);
}

Test(csv, unknown_value_names_row_and_column)
{
    const char *cats = "category,feature,min,max\nage,young,0,2\nage,old,0,2\n";
    const char *resp = "age\nyoung\nold\nancient\n";
    struct sortition_problem *p = NULL;
    struct sortition_error err;
    sortition_error_init(&err);
    int rc = sortition_problem_from_csv(cats, strlen(cats), resp, strlen(resp), NULL, 2, &p, &err);
    cr_assert_eq(rc, SORTITION_EINVAL);
    cr_assert_null(p);
    cr_assert_eq(err.row, 4);
    cr_assert_str_eq(err.column, "age");
    cr_assert_str_eq(err.file, "respondents");
    cr_assert(strstr(err.message, "'ancient'") != NULL, "%s", err.message);
    sortition_error_fini(&err);
}

Test(csv, input_errors)
{
    const char *resp = "age\nyoung\nold\n";
    struct {
        const char *cats, *resp, *hh;
        int k;
        const char *fragment;
    } bad[] = {
        {"category,feature,min,max\nage,young,0,x\n", resp, NULL, 1, "not a non-negative"},
        {"category,feature,min,max\nage,young,3,2\nage,old,0,2\n", resp, NULL, 1,
         "above its maximum"},
        {"category,feature,min,max\nage,young,0,2\nage,young,0,2\n", resp, NULL, 1, "twice"},
        {"category,feature,min,max\nsex,f,0,2\n", resp, NULL, 1, "no column for the category"},
        {"cat,feat\n", resp, NULL, 1, "header"},
        {"category,feature,min,max\nage,young,0,2\nage,old,0,2\n", resp, "address", 1, "household"},
        {"category,feature,min,max\nage,young,0,2\nage,old,0,2\n", resp, NULL, 0, "outside 1..2"},
        {"category,feature,min,max\nage,young,0,2\nage,old,0,2\n", resp, NULL, 3, "outside 1..2"},
        {"category,feature,min,max\nage,young,0,2\nage,old,0,2\n", "age\n\"young\n", NULL, 1,
         "not closed"},
    };
    for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
        struct sortition_problem *p = NULL;
        struct sortition_error err;
        sortition_error_init(&err);
        int rc = sortition_problem_from_csv(bad[t].cats, strlen(bad[t].cats), bad[t].resp,
                                            strlen(bad[t].resp), bad[t].hh, bad[t].k, &p, &err);
        cr_assert_eq(rc, SORTITION_EINVAL, "case %zu: rc %d (%s)", t, rc, err.message);
        cr_assert(strstr(err.message, bad[t].fragment) != NULL, "case %zu: %s", t, err.message);
        sortition_error_fini(&err);
        sortition_problem_free(p);
    }
}

Test(validate, minimums_above_k_explained_with_relaxation)
{
    const char *cats = "category,feature,min,max\ngender,female,3,4\ngender,male,2,4\n";
    const char *resp = "gender\nfemale\nfemale\nfemale\nfemale\nmale\nmale\nmale\n";
    struct sortition_problem *p = load(cats, resp, NULL, 4, SORTITION_INFEASIBLE);
    struct sortition_error err;
    sortition_error_init(&err);
    int rc = sortition_feasibility(p, sortition_solver_glpk(), &err);
    cr_assert_eq(rc, SORTITION_INFEASIBLE);
    cr_assert(strstr(err.message, "minimums sum to 5 > k = 4") != NULL, "%s", err.message);
    cr_assert_eq(err.nrelaxation, 1);
    cr_assert_eq(err.relaxation[0].bound, SORTITION_BOUND_MIN);
    cr_assert_eq(err.relaxation[0].from, 3, "the costlier-to-lower small minimum (2) is kept");
    cr_assert_eq(err.relaxation[0].to, 2);
    cr_assert(strstr(err.message, "lower the minimum of gender:female from 3 to 2") != NULL, "%s",
              err.message);
    sortition_error_fini(&err);
    sortition_problem_free(p);
}

Test(validate, cross_category_infeasibility_by_ilp)
{
    /* Every old respondent is a woman: at most 1 woman but at least 2 old. */
    const char *cats = "category,feature,min,max\ngender,f,0,1\ngender,m,0,4\n"
                       "age,old,2,4\nage,young,0,4\n";
    const char *resp = "gender,age\nf,old\nf,old\nf,old\nm,young\nm,young\nm,young\n";
    struct sortition_problem *p = load(cats, resp, NULL, 3, SORTITION_OK);
    for (int s = 0; s < 2; s++) {
        const struct sortition_solver *sv = s ? sortition_solver_coin() : sortition_solver_glpk();
        struct sortition_error err;
        sortition_error_init(&err);
        cr_assert_eq(sortition_feasibility(p, sv, &err), SORTITION_INFEASIBLE, "%s", sv->name);
        cr_assert_eq(err.nrelaxation, 1, "%s: %s", sv->name, err.message);
        /* Raising max(f) 1->2 costs 1; lowering min(old) 2->1 costs 1 + 2/2. */
        cr_assert_eq(err.relaxation[0].bound, SORTITION_BOUND_MAX);
        cr_assert_eq(err.relaxation[0].from, 1);
        cr_assert_eq(err.relaxation[0].to, 2);
        cr_assert(strstr(err.message, "raise the maximum of gender:f from 1 to 2") != NULL, "%s",
                  err.message);
        struct sortition_result r;
        struct sortition_options o;
        sortition_options_init(&o);
        o.solver = sv;
        cr_assert_eq(sortition_run(p, &o, &r, &err), SORTITION_INFEASIBLE);
        cr_assert_eq(r.npanels, 0);
        sortition_error_fini(&err);
    }
    sortition_problem_free(p);
}

Test(validate, households_make_quotas_infeasible)
{
    /* Two "old" needed, but both old respondents share one address. */
    const char *cats = "category,feature,min,max\nage,old,2,2\nage,young,0,2\n";
    const char *resp = "age,address\nold,x\nold,x\nyoung,y\nyoung,z\n";
    struct sortition_problem *p = load(cats, resp, "address", 3, SORTITION_OK);
    struct sortition_error err;
    sortition_error_init(&err);
    cr_assert_eq(sortition_feasibility(p, NULL, &err), SORTITION_INFEASIBLE);
    cr_assert_eq(err.nrelaxation, 1, "%s", err.message);
    cr_assert_eq(err.relaxation[0].bound, SORTITION_BOUND_MIN);
    cr_assert_eq(err.relaxation[0].to, 1);
    sortition_error_fini(&err);
    sortition_problem_free(p);
}

/* ------------------------------------------------------------------------ */

Test(solver, lp_duals_and_mip_on_both_solvers)
{
    for (int s = 0; s < 2; s++) {
        const struct sortition_solver *sv = s ? sortition_solver_coin() : sortition_solver_glpk();
        /* min 3a + 2b s.t. a + b >= 2 (row 0), a >= 0, b in [0, 1]:
           a = 1, b = 1, value 5, dual of row 0 = 3 (the engine relies on
           duals of >= rows of a minimisation being >= 0). */
        struct sortition_model *m = sv->model_new(false);
        int r0 = sv->add_row(m, 2.0, HUGE_VAL, 0, NULL, NULL);
        double one = 1.0;
        sv->add_col(m, 3.0, 0.0, HUGE_VAL, false, 1, &r0, &one);
        sv->add_col(m, 2.0, 0.0, 1.0, false, 1, &r0, &one);
        cr_assert_eq(sv->lp_solve(m), SORTITION_SOLVE_OPTIMAL, "%s", sv->name);
        cr_assert_float_eq(sv->obj_value(m), 5.0, 1e-9, "%s", sv->name);
        double y, x[3];
        sv->row_duals(m, &y);
        cr_assert_float_eq(y, 3.0, 1e-9, "%s dual %g", sv->name, y);
        /* A new column enters warm: c cheaper than a. */
        sv->add_col(m, 1.0, 0.0, HUGE_VAL, false, 1, &r0, &one);
        cr_assert_eq(sv->lp_solve(m), SORTITION_SOLVE_OPTIMAL);
        cr_assert_float_eq(sv->obj_value(m), 2.0, 1e-9, "%s", sv->name);
        sv->col_values(m, x);
        cr_assert_float_eq(x[2], 2.0, 1e-9);
        sv->model_free(m);

        /* max 5x + 4y s.t. 6x + 4y <= 24, x + 2y <= 6, integers: (4, 0) = 20
           (the LP optimum is 21 at (3, 1.5)); then a new objective. */
        m = sv->model_new(true);
        int ra = sv->add_row(m, -HUGE_VAL, 24.0, 0, NULL, NULL);
        int rb = sv->add_row(m, -HUGE_VAL, 6.0, 0, NULL, NULL);
        int rows[2] = {ra, rb};
        double cx[2] = {6.0, 1.0}, cy[2] = {4.0, 2.0};
        sv->add_col(m, 5.0, 0.0, 10.0, true, 2, rows, cx);
        sv->add_col(m, 4.0, 0.0, 10.0, true, 2, rows, cy);
        sv->set_maximize(m, true);
        cr_assert_eq(sv->mip_solve(m, 10.0, 0.0), SORTITION_SOLVE_OPTIMAL);
        cr_assert_float_eq(sv->obj_value(m), 20.0, 1e-9, "%s", sv->name);
        sv->set_obj(m, 0, 0.0);
        sv->set_obj(m, 1, 1.0);
        cr_assert_eq(sv->mip_solve(m, 10.0, 0.0), SORTITION_SOLVE_OPTIMAL);
        cr_assert_float_eq(sv->obj_value(m), 3.0, 1e-9, "%s: the changed objective is used",
                           sv->name);
        sv->model_free(m);
    }
}

Test(pieces, gini_and_panel_set)
{
    double eq[4] = {0.25, 0.25, 0.25, 0.25}, one[4] = {0, 0, 0, 1};
    cr_assert_float_eq(sortition_gini(eq, 4), 0.0, 1e-12);
    cr_assert_float_eq(sortition_gini(one, 4), 0.75, 1e-12);
    struct panel_set ps;
    panel_set_init(&ps, 3);
    int added, a[3] = {1, 2, 3}, b[3] = {1, 2, 4};
    for (int t = 0; t < 5000; t++) {
        int q[3] = {t, t + 1, t + 2};
        cr_assert_eq(panel_set_add(&ps, q, &added), t);
        cr_assert_eq(added, 1);
    }
    cr_assert_eq(panel_set_add(&ps, a, &added), 1);
    cr_assert_eq(added, 0, "a known panel is found again");
    cr_assert_eq(panel_set_add(&ps, b, &added), 5000);
    cr_assert_eq(added, 1);
    panel_set_fini(&ps);
}

/* Quotas, households, sorted and distinct. */
static bool panel_ok(const struct sortition_problem *p, const int *pn)
{
    for (int c = 0; c < p->ncategories; c++) {
        int cnt[16] = {0};
        for (int t = 0; t < p->k; t++) {
            cnt[p->value[(size_t)pn[t] * (size_t)p->ncategories + (size_t)c]]++;
        }
        for (int f = 0; f < p->categories[c].nfeatures; f++) {
            if (cnt[f] < p->categories[c].features[f].min ||
                cnt[f] > p->categories[c].features[f].max) {
                return false;
            }
        }
    }
    for (int t = 0; t < p->k; t++) {
        if (t > 0 && pn[t - 1] >= pn[t]) {
            return false;
        }
        for (int u = 0; p->household != NULL && u < t; u++) {
            if (p->household[pn[t]] >= 0 && p->household[pn[t]] == p->household[pn[u]]) {
                return false;
            }
        }
    }
    return true;
}

static void sort_ints(int *a, int n)
{
    for (int x = 1; x < n; x++) {
        int v = a[x], y = x - 1;
        while (y >= 0 && a[y] > v) {
            a[y + 1] = a[y];
            y--;
        }
        a[y + 1] = v;
    }
}

/* The exchange heuristic of the multiplicative-weights start: from any
   feasible panel it returns a feasible panel at least as heavy on which no
   single exchange (checked by brute force) is feasible and heavier. */
Test(pieces, exchange_heuristic_feasible_and_locally_optimal)
{
    char *resp = household_pool(40);
    struct sortition_problem *p = load(HH_CATS, resp, "address", 8, SORTITION_OK);
    struct swapper *sw = swapper_new(p);
    cr_assert_not_null(sw);
    struct legacy_rng rng;
    legacy_rng_seed(&rng, 7);
    int pn[8], cand[8];
    while (legacy_draw(p, &rng, pn) != 0) {
    }
    cr_assert(panel_ok(p, pn));
    double w[40];
    int moved = 0;
    for (int trial = 0; trial < 300; trial++) {
        for (int i = 0; i < p->n; i++) {
            w[i] = (double)(legacy_rng_next(&rng) >> 11) * 0x1.0p-53;
        }
        double v0 = 0.0, v = -1.0;
        for (int t = 0; t < p->k; t++) {
            v0 += w[pn[t]];
        }
        int rc = swapper_improve(sw, w, pn, &v);
        cr_assert_geq(rc, 0);
        moved += rc;
        cr_assert(panel_ok(p, pn), "trial %d: infeasible panel", trial);
        double vs = 0.0;
        for (int t = 0; t < p->k; t++) {
            vs += w[pn[t]];
        }
        cr_assert_float_eq(v, vs, 1e-12);
        cr_assert_geq(v, v0 - 1e-12);
        for (int t = 0; t < p->k; t++) {
            for (int j = 0; j < p->n; j++) {
                bool in = false;
                for (int u = 0; u < p->k; u++) {
                    in = in || pn[u] == j;
                }
                if (in || w[j] <= w[pn[t]]) {
                    continue;
                }
                memcpy(cand, pn, sizeof cand);
                cand[t] = j;
                sort_ints(cand, p->k);
                cr_assert(!panel_ok(p, cand), "trial %d: exchanging %d for %d improves", trial,
                          pn[t], j);
            }
        }
    }
    cr_assert_gt(moved, 300, "the heuristic exchanged members (%d)", moved);
    swapper_free(sw);
    sortition_problem_free(p);
    free(resp);
}

/* ------------------------------------------------------------------------ */

static void run_ok(struct sortition_problem *p, enum sortition_method m,
                   const struct sortition_solver *sv, struct sortition_result *r)
{
    struct sortition_options o;
    struct sortition_error err;
    sortition_options_init(&o);
    sortition_error_init(&err);
    o.method = m;
    o.solver = sv;
    o.legacy_runs = 4000;
    int rc = sortition_run(p, &o, r, &err);
    cr_assert_eq(rc, SORTITION_OK, "%s", err.message);
    sortition_error_fini(&err);
}

Test(leximin, alternate_pool_is_uniform_on_both_solvers)
{
    char *resp = alternate_pool();
    struct sortition_problem *p = load(ALT_CATS, resp, NULL, 20, SORTITION_OK);
    for (int s = 0; s < 2; s++) {
        struct sortition_result r;
        run_ok(p, SORTITION_LEXIMIN, s ? sortition_solver_coin() : sortition_solver_glpk(), &r);
        assert_valid_result(p, &r);
        for (int i = 0; i < p->n; i++) {
            cr_assert_float_eq(r.probabilities[i], 0.1, 1e-6);
        }
        cr_assert_float_eq(r.min, 0.1, 1e-6);
        cr_assert_float_eq(r.gini, 0.0, 1e-6);
        sortition_result_fini(&r);
    }
    sortition_problem_free(p);
    free(resp);
}

Test(leximin, households_never_together_and_certificate_holds)
{
    char *resp = household_pool(40);
    struct sortition_problem *p = load(HH_CATS, resp, "address", 8, SORTITION_OK);
    cr_assert_eq(p->nhouseholds, 20);
    struct sortition_result lex, lex2, mm;
    run_ok(p, SORTITION_LEXIMIN, sortition_solver_glpk(), &lex);
    run_ok(p, SORTITION_LEXIMIN, sortition_solver_coin(), &lex2);
    run_ok(p, SORTITION_MAXIMIN, sortition_solver_glpk(), &mm);
    assert_valid_result(p, &lex);
    assert_valid_result(p, &lex2);
    assert_valid_result(p, &mm);
    for (int i = 0; i < p->n; i++) {
        cr_assert_float_eq(lex.probabilities[i], lex2.probabilities[i], 1e-5,
                           "LEXIMIN is unique: GLPK and CBC agree on %d", i);
    }
    cr_assert_float_eq(lex.min, mm.min, 1e-5, "MAXIMIN's minimum is LEXIMIN's");
    cr_assert_geq(lex.nlevels, 1);
    /* Each level's certificate, checked with one ILP. */
    for (int l = 0; l < lex.nlevels; l++) {
        const struct sortition_level *L = &lex.levels[l];
        double ysum = 0, fixed = 0, best;
        for (int i = 0; i < p->n; i++) {
            cr_assert_geq(L->y[i], 0.0);
            if (L->fixed_before[i]) {
                fixed += L->y[i] * lex.probabilities[i];
            } else {
                ysum += L->y[i];
            }
        }
        cr_assert_float_eq(ysum, 1.0, 1e-9);
        struct sortition_error err;
        sortition_error_init(&err);
        cr_assert_eq(sortition_certificate_check(p, NULL, L, lex.probabilities, &best, &err),
                     SORTITION_OK);
        cr_assert_leq(best - fixed, L->value + 1e-4, "level %d: bound %g > value %g", l,
                      best - fixed, L->value);
        sortition_error_fini(&err);
    }
    /* The first level's value is the minimum over covered respondents. */
    cr_assert_float_eq(lex.levels[0].value, lex.min, 1e-5);
    sortition_result_fini(&lex);
    sortition_result_fini(&lex2);
    sortition_result_fini(&mm);
    sortition_problem_free(p);
    free(resp);
}

Test(leximin, uncovered_respondents_get_zero)
{
    const char *cats = "category,feature,min,max\nage,child,0,0\nage,adult,2,3\n";
    const char *resp = "age\nchild\nadult\nadult\nadult\nadult\n";
    struct sortition_problem *p = load(cats, resp, NULL, 2, SORTITION_OK);
    struct sortition_result r;
    run_ok(p, SORTITION_LEXIMIN, NULL, &r);
    assert_valid_result(p, &r);
    cr_assert_eq(r.nuncovered, 1);
    cr_assert_eq(r.uncovered[0], 0);
    cr_assert_float_eq(r.probabilities[0], 0.0, 1e-12);
    for (int i = 1; i < 5; i++) {
        cr_assert_float_eq(r.probabilities[i], 0.5, 1e-6);
    }
    sortition_result_fini(&r);
    sortition_problem_free(p);
}

/* A run cut by the budget (after its first master solve) still returns a
   valid distribution: every panel within the quotas, households apart,
   weights summing to 1, nobody below the level reached, the gap said. */
Test(leximin, budget_cut_result_is_valid)
{
    char *resp = household_pool(40);
    struct sortition_problem *p = load(HH_CATS, resp, "address", 8, SORTITION_OK);
    struct sortition_options o;
    struct sortition_error err;
    struct sortition_result r;
    sortition_options_init(&o);
    sortition_error_init(&err);
    o.method = SORTITION_LEXIMIN;
    o.budget = 1e-9;
    cr_assert_eq(sortition_run(p, &o, &r, &err), SORTITION_OK, "%s", err.message);
    assert_valid_result(p, &r);
    cr_assert_geq(r.nlevels, 1);
    cr_assert_gt(r.gap, 0.0, "the budget cut the run");
    for (int i = 0; i < p->n; i++) {
        cr_assert_geq(r.probabilities[i], r.levels[0].value - 1e-6, "%d below the level", i);
    }
    sortition_result_fini(&r);
    sortition_error_fini(&err);
    sortition_problem_free(p);
    free(resp);
}

/* A budget-cut LEXIMIN run (issue 14: what pnyxd's worker returns at
   PNYX_SORTITION_BUDGET), on both solvers: a valid distribution with
   gap > 0; every level's certificate consistent (y >= 0 summing to 1 over
   the open respondents; one ILP confirms no panel beats value + gap; level
   gaps >= 0, the result's gap the largest); the unbudgeted LEXIMIN's
   minimum lies within the first level's [value, value + gap]. */
Test(leximin, budget_cut_certificates_hold)
{
    char *resp = household_pool(40);
    struct sortition_problem *p = load(HH_CATS, resp, "address", 8, SORTITION_OK);
    const struct sortition_solver *solvers[] = {sortition_solver_glpk(), sortition_solver_coin()};
    for (int s = 0; s < 2; s++) {
        struct sortition_result full, r;
        run_ok(p, SORTITION_LEXIMIN, solvers[s], &full);
        cr_assert_eq(full.gap, 0.0, "no budget: every level proven");
        struct sortition_options o;
        struct sortition_error err;
        sortition_options_init(&o);
        sortition_error_init(&err);
        o.method = SORTITION_LEXIMIN;
        o.solver = solvers[s];
        o.budget = 1e-9;
        cr_assert_eq(sortition_run(p, &o, &r, &err), SORTITION_OK, "%s", err.message);
        assert_valid_result(p, &r);
        cr_assert_gt(r.gap, 0.0, "solver %d: the budget cut the run", s);
        cr_assert_geq(r.nlevels, 1);
        double largest = 0.0;
        for (int l = 0; l < r.nlevels; l++) {
            const struct sortition_level *L = &r.levels[l];
            double ysum = 0, fixed = 0, best;
            cr_assert_geq(L->gap, 0.0);
            largest = fmax(largest, L->gap);
            for (int i = 0; i < p->n; i++) {
                cr_assert_geq(L->y[i], 0.0);
                if (L->fixed_before[i]) {
                    fixed += L->y[i] * r.probabilities[i];
                } else {
                    ysum += L->y[i];
                    cr_assert_geq(r.probabilities[i], L->value - 1e-6,
                                  "solver %d level %d: %d open below the level", s, l, i);
                }
            }
            cr_assert_float_eq(ysum, 1.0, 1e-9);
            cr_assert_eq(
                sortition_certificate_check(p, solvers[s], L, r.probabilities, &best, &err),
                SORTITION_OK);
            cr_assert_leq(best - fixed, L->value + L->gap + 1e-4,
                          "solver %d level %d: a panel weighs %g > value %g + gap %g", s, l,
                          best - fixed, L->value, L->gap);
        }
        cr_assert_eq(largest, r.gap, "the result's gap is the largest level gap");
        cr_assert_geq(full.min, r.levels[0].value - 1e-6);
        cr_assert_leq(full.min, r.levels[0].value + r.levels[0].gap + 1e-6,
                      "solver %d: LEXIMIN min %g outside [%g, %g + gap %g]", s, full.min,
                      r.levels[0].value, r.levels[0].value, r.levels[0].gap);
        sortition_result_fini(&r);
        sortition_result_fini(&full);
        sortition_error_fini(&err);
    }
    sortition_problem_free(p);
    free(resp);
}

/* The quota polytope's level bound (sortition_relaxed.c): never below the
   LEXIMIN level it bounds, its duals are a certificate one ILP checks, and
   with the first level's respondents fixed it bounds the second level. */
Test(leximin, quota_polytope_bounds_every_level)
{
    char *resp = household_pool(40);
    struct sortition_problem *p = load(HH_CATS, resp, "address", 8, SORTITION_OK);
    struct sortition_result lex;
    run_ok(p, SORTITION_LEXIMIN, sortition_solver_glpk(), &lex);
    int n = p->n, *row_of = malloc((size_t)n * sizeof *row_of);
    bool *fixed = calloc((size_t)n, sizeof *fixed);
    double *fixp = calloc((size_t)n, sizeof *fixp), *y = malloc((size_t)n * sizeof *y);
    for (int i = 0; i < n; i++) {
        row_of[i] = i;
    }
    struct pricing *pr = pricing_new(p, sortition_solver_glpk());
    int panel[8];
    for (int l = 0; l < lex.nlevels; l++) {
        const struct sortition_level *L = &lex.levels[l];
        for (int i = 0; i < n; i++) {
            fixed[i] = L->fixed_before[i];
            fixp[i] = fixed[i] ? lex.probabilities[i] : 0.0;
        }
        double z = -1.0, ysum = 0.0, sf = 0.0, v, vb;
        cr_assert_eq(relaxed_level(p, sortition_solver_glpk(), row_of, fixed, fixp, &z, y),
                     SORTITION_OK);
        cr_assert_geq(z, L->value - 1e-6, "level %d: relaxed %g below the LEXIMIN %g", l, z,
                      L->value);
        for (int i = 0; i < n; i++) {
            cr_assert_geq(y[i], 0.0);
            ysum += fixed[i] ? 0.0 : y[i];
            sf += fixed[i] ? y[i] * fixp[i] : 0.0;
        }
        cr_assert_float_eq(ysum, 1.0, 1e-9);
        cr_assert_eq(pricing_solve(pr, y, 0.0, 0.0, panel, &v, &vb), SORTITION_OK);
        cr_assert_leq(v - sf, z + 1e-9, "level %d: a panel beats the relaxed bound", l);
    }
    /* The alternate pool: the polytope's bound is the LEXIMIN itself (0.1). */
    char *alt = alternate_pool();
    struct sortition_problem *q = load(ALT_CATS, alt, NULL, 20, SORTITION_OK);
    int *row_q = malloc((size_t)q->n * sizeof *row_q);
    bool *fixed_q = calloc((size_t)q->n, sizeof *fixed_q);
    double *fixp_q = calloc((size_t)q->n, sizeof *fixp_q),
           *y_q = malloc((size_t)q->n * sizeof *y_q);
    for (int i = 0; i < q->n; i++) {
        row_q[i] = i;
    }
    double zq = 0.0;
    cr_assert_eq(relaxed_level(q, sortition_solver_coin(), row_q, fixed_q, fixp_q, &zq, y_q),
                 SORTITION_OK);
    cr_assert_float_eq(zq, 0.1, 1e-9);
    free(row_q);
    free(fixed_q);
    free(fixp_q);
    free(y_q);
    sortition_problem_free(q);
    free(alt);
    pricing_free(pr);
    free(row_of);
    free(fixed);
    free(fixp);
    free(y);
    sortition_result_fini(&lex);
    sortition_problem_free(p);
    free(resp);
}

/* ------------------------------------------------------------------------ */

Test(legacy, statistically_unfair_on_the_alternate_pool)
{
    /* Published (replication, 10,000 draws): the lone female conservative
       is picked with ~1.1 %, everybody else ~10 %. With 4000 draws the
       standard error of a 1.1 % share is 0.17 %: [0.2 %, 2.5 %] is > 5 sigma. */
    char *resp = alternate_pool();
    struct sortition_problem *p = load(ALT_CATS, resp, NULL, 20, SORTITION_OK);
    struct sortition_result r;
    run_ok(p, SORTITION_LEGACY, NULL, &r);
    assert_valid_result(p, &r);
    cr_assert_eq(r.iterations, 4000);
    cr_assert(r.probabilities[0] > 0.002 && r.probabilities[0] < 0.025, "lone one: %g",
              r.probabilities[0]);
    double male = 0;
    for (int i = 100; i < 200; i++) {
        male += r.probabilities[i];
    }
    cr_assert_float_eq(male / 100, 0.1, 0.01);
    /* Seeded: the same seed gives the same probabilities. */
    struct sortition_result r2;
    run_ok(p, SORTITION_LEGACY, NULL, &r2);
    cr_assert_eq(r2.npanels, r.npanels);
    for (int i = 0; i < p->n; i++) {
        cr_assert_eq(r.probabilities[i], r2.probabilities[i]);
    }
    sortition_result_fini(&r);
    sortition_result_fini(&r2);
    sortition_problem_free(p);
    free(resp);
}

Test(legacy, matches_the_exact_probabilities_of_a_symmetric_pool)
{
    /* One category, 10 + 10 respondents, exactly 2 + 2 on a panel of 4:
       every respondent's probability is exactly 0.2. With 4000 draws the
       standard error is 0.0063; 0.035 is > 5 sigma. Households: LEGACY
       removes housemates, so no panel holds two of one address. */
    char resp[2048];
    size_t len = (size_t)snprintf(resp, sizeof resp, "g,address\n");
    for (int i = 0; i < 20; i++) {
        len += (size_t)snprintf(resp + len, sizeof resp - len, "%s,h%d\n", i < 10 ? "a" : "b",
                                i < 10 ? i : 100 + (i - 10) / 2);
    }
    const char *cats = "category,feature,min,max\ng,a,2,2\ng,b,2,2\n";
    struct sortition_problem *p = load(cats, resp, "address", 4, SORTITION_OK);
    struct sortition_result r;
    run_ok(p, SORTITION_LEGACY, NULL, &r);
    assert_valid_result(p, &r);
    for (int i = 0; i < 20; i++) {
        cr_assert_float_eq(r.probabilities[i], 0.2, 0.035, "respondent %d: %g", i,
                           r.probabilities[i]);
    }
    sortition_result_fini(&r);
    sortition_problem_free(p);
}

/* ------------------------------------------------------------------------ */

static void assert_lottery_path(const struct sortition_result *r, int m, bool bf)
{
    struct sortition_lottery l, l2;
    struct sortition_error err;
    sortition_error_init(&err);
    cr_assert_eq(lottery_round(r, m, bf, &l, &err), SORTITION_OK, "%s", err.message);
    cr_assert_eq(lottery_round(r, m, bf, &l2, &err), SORTITION_OK);
    cr_assert_eq(l.m, m);
    double *pi = calloc((size_t)r->n, sizeof *pi);
    for (int t = 0; t < m; t++) {
        cr_assert(l.panel[t] >= 0 && l.panel[t] < r->npanels);
        cr_assert_eq(l.panel[t], l2.panel[t], "same inputs, same list");
        if (t > 0) {
            cr_assert_leq(l.panel[t - 1], l.panel[t]);
        }
        for (int q = 0; q < r->k; q++) {
            pi[r->panels[(size_t)l.panel[t] * (size_t)r->k + (size_t)q]] += 1.0 / m;
        }
    }
    for (int i = 0; i < r->n; i++) {
        cr_assert_float_eq(pi[i], l.probabilities[i], 1e-9);
        cr_assert_lt(fabs(l.probabilities[i] - r->probabilities[i]), (double)r->k / m,
                     "m = %d: respondent %d moved by %g", m, i,
                     fabs(l.probabilities[i] - r->probabilities[i]));
    }
    cr_assert_lt(l.max_deviation, (double)r->k / m);
    free(pi);
    sortition_lottery_fini(&l);
    sortition_lottery_fini(&l2);
    sortition_error_fini(&err);
}

/* Both rounding paths: the greedy walk (with its fallback) and Beck–Fiala
   alone, which carries the proof of the bound. */
static void assert_lottery(const struct sortition_result *r, int m)
{
    assert_lottery_path(r, m, false);
    assert_lottery_path(r, m, true);
}

Test(lottery, within_k_over_m_for_many_m)
{
    char *resp = household_pool(40);
    struct sortition_problem *p = load(HH_CATS, resp, "address", 8, SORTITION_OK);
    struct sortition_result r;
    run_ok(p, SORTITION_LEXIMIN, NULL, &r);
    int ms[] = {1, 2, 3, 7, 10, 33, 100, 1000, 4999};
    for (size_t t = 0; t < sizeof ms / sizeof ms[0]; t++) {
        assert_lottery(&r, ms[t]);
    }
    sortition_result_fini(&r);
    sortition_problem_free(p);
    free(resp);
}

Test(lottery, synthetic_weights_on_both_paths)
{
    /* 60 panels of k = 3 over n = 12 with equal weights 1/60: every
       respondent is on ~15 panels (> k), so Beck–Fiala keeps constraints
       for a while; for every m the bound must hold. */
    struct sortition_result r;
    memset(&r, 0, sizeof r);
    r.n = 12;
    r.k = 3;
    r.npanels = 60;
    r.panels = malloc(60 * 3 * sizeof *r.panels);
    r.weights = malloc(60 * sizeof *r.weights);
    r.probabilities = calloc(12, sizeof *r.probabilities);
    for (int j = 0; j < 60; j++) {
        int a = j % 12, b = (j * 5 + 1) % 12, c = (j * 7 + 3) % 12;
        while (b == a) {
            b = (b + 1) % 12;
        }
        while (c == a || c == b) {
            c = (c + 1) % 12;
        }
        int q[3] = {a, b, c};
        for (int x = 0; x < 3; x++) {
            for (int y = x + 1; y < 3; y++) {
                if (q[y] < q[x]) {
                    int tmp = q[x];
                    q[x] = q[y];
                    q[y] = tmp;
                }
            }
        }
        memcpy(r.panels + j * 3, q, sizeof q);
        r.weights[j] = 1.0 / 60;
        for (int x = 0; x < 3; x++) {
            r.probabilities[q[x]] += 1.0 / 60;
        }
    }
    for (int m = 1; m <= 120; m += 7) {
        assert_lottery(&r, m);
    }
    free(r.panels);
    free(r.weights);
    free(r.probabilities);
}

/* ------------------------------------------------------------------------ */

static int cancel_after(void *ctx, const struct sortition_progress *pr)
{
    int *calls = ctx;
    (*calls)++;
    cr_assert_geq(pr->n, 1);
    return *calls > 3;
}

Test(run, progress_reports_and_cancel_stops)
{
    char *resp = household_pool(40);
    struct sortition_problem *p = load(HH_CATS, resp, "address", 8, SORTITION_OK);
    struct sortition_options o;
    struct sortition_result r;
    struct sortition_error err;
    int calls = 0;
    sortition_options_init(&o);
    sortition_error_init(&err);
    o.progress = cancel_after;
    o.progress_ctx = &calls;
    cr_assert_eq(sortition_run(p, &o, &r, &err), SORTITION_CANCELLED);
    cr_assert_eq(calls, 4);
    cr_assert_eq(r.npanels, 0);
    cr_assert_null(r.panels);
    sortition_error_fini(&err);
    sortition_problem_free(p);
    free(resp);
}
