/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pnyx-sortition: select a citizens' assembly panel fairly (issue 14).
 *
 *   pnyx-sortition categories.csv respondents.csv --k N
 *                  [--method leximin|maximin|legacy] [--household COL]
 *                  [--lottery M] [--json] [--solver glpk|cbc] [--seed S]
 *                  [--legacy-runs R] [--progress] [--budget S]
 *   pnyx-sortition --verify DRAW.json        (cli/sortition_verify.c)
 *
 * --budget S (default 240, 0 = none): after S seconds of column
 * generation the run settles the level it is on at the value reached and
 * says how far that may be from the optimum (text; --json: the
 * certificate's "optimal" and "gap"), rather than running on: a valid
 * distribution whose smallest probability is proven within gap of the
 * LEXIMIN's.
 *
 * Text output: the probabilities (min, max, Gini, the sorted curve as text),
 * the lottery (tickets and each respondent's probability after rounding
 * beside the optimum) and the certificate (the dual weights of each level,
 * checkable with one ILP). --json prints one object with the keys of the
 * issue: method, n, k, probabilities, min, gini, panels, weights, lottery
 * (with --lottery), certificate (with optimal and gap), seconds.
 * Exit 0: done. Exit 2: bad input or infeasible quotas, the reason on stderr
 * (and {"error", "relaxation"} on stdout with --json). Exit 1: internal or
 * solver failure.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/sortition/sortition.h"

enum { EXIT_OK = 0, EXIT_INTERNAL = 1, EXIT_INVALID = 2 };

/* The --verify dispatch point: cli/sortition_verify.c (sortdraw). */
#include "cli/sortition_verify.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            break;
        }
        cap *= 2;
        char *nb = realloc(buf, cap);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    if (buf != NULL && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    (void)fclose(f);
    *len = n;
    return buf;
}

static void usage(void)
{
    (void)fprintf(stderr,
                  "usage: pnyx-sortition categories.csv respondents.csv --k N\n"
                  "                      [--method leximin|maximin|legacy] [--household COL]\n"
                  "                      [--lottery M] [--json] [--solver glpk|cbc] [--seed S]\n"
                  "                      [--legacy-runs R] [--progress] [--budget S]\n"
                  "       pnyx-sortition --verify DRAW.json\n");
}

static int print_json(json_t *o)
{
    int rc = json_dumpf(o, stdout, JSON_COMPACT) == 0 && fputc('\n', stdout) != EOF ? 0 : -1;
    json_decref(o);
    return rc;
}

static int fail_invalid(const struct sortition_problem *p, const struct sortition_error *err,
                        bool as_json)
{
    (void)fprintf(stderr, "pnyx-sortition: %s\n", err->message);
    if (!as_json) {
        return EXIT_INVALID;
    }
    json_t *o = json_object();
    json_object_set_new(
        o, "error",
        json_string(err->status == SORTITION_INFEASIBLE ? "infeasible" : "invalid input"));
    json_object_set_new(o, "message", json_string(err->message));
    json_t *rel = json_array();
    for (int t = 0; p != NULL && t < err->nrelaxation; t++) {
        const struct sortition_relaxation *r = &err->relaxation[t];
        json_t *e = json_object();
        json_object_set_new(e, "category", json_string(p->categories[r->category].name));
        json_object_set_new(e, "feature",
                            json_string(p->categories[r->category].features[r->feature].name));
        json_object_set_new(e, "bound",
                            json_string(r->bound == SORTITION_BOUND_MIN ? "min" : "max"));
        json_object_set_new(e, "from", json_integer(r->from));
        json_object_set_new(e, "to", json_integer(r->to));
        json_array_append_new(rel, e);
    }
    json_object_set_new(o, "relaxation", rel);
    if (err->file[0] != '\0') {
        json_object_set_new(o, "file", json_string(err->file));
        json_object_set_new(o, "line", json_integer(err->row));
        if (err->column[0] != '\0') {
            json_object_set_new(o, "column", json_string(err->column));
        }
    }
    (void)print_json(o);
    return EXIT_INVALID;
}

static json_t *panel_json(const int *pn, int k)
{
    json_t *a = json_array();
    for (int t = 0; t < k; t++) {
        json_array_append_new(a, json_integer(pn[t]));
    }
    return a;
}

static json_t *certificate_json(const struct sortition_result *r)
{
    json_t *c = json_object();
    json_object_set_new(c, "solver", json_string(r->solver));
    json_object_set_new(c, "iterations", json_integer(r->iterations));
    json_object_set_new(c, "lp_solves", json_integer(r->lp_solves));
    /* LEGACY optimises nothing, so it claims neither (as pnyxd's runs). */
    if (r->method != SORTITION_LEGACY) {
        json_object_set_new(c, "optimal", json_boolean(r->gap <= 0));
        json_object_set_new(c, "gap", json_real(r->gap > 0 ? r->gap : 0.0));
    }
    json_t *levels = json_array();
    for (int l = 0; l < r->nlevels; l++) {
        const struct sortition_level *lv = &r->levels[l];
        json_t *o = json_object();
        json_object_set_new(o, "value", json_real(lv->value));
        json_object_set_new(o, "panel_bound", json_real(lv->panel_bound));
        json_object_set_new(o, "gap", json_real(lv->gap));
        json_t *y = json_array(), *fixed = json_array();
        for (int i = 0; i < r->n; i++) {
            json_array_append_new(y, json_real(lv->y[i]));
            if (lv->fixed_before[i]) {
                json_array_append_new(fixed, json_integer(i));
            }
        }
        json_object_set_new(o, "y", y);
        json_object_set_new(o, "fixed_before", fixed);
        json_array_append_new(levels, o);
    }
    json_object_set_new(c, "levels", levels);
    json_t *unc = json_array();
    for (int t = 0; t < r->nuncovered; t++) {
        json_array_append_new(unc, json_integer(r->uncovered[t]));
    }
    json_object_set_new(c, "uncovered", unc);
    return c;
}

static int output_json(const struct sortition_result *r, const struct sortition_lottery *l)
{
    json_t *o = json_object();
    json_object_set_new(o, "method", json_string(sortition_method_name(r->method)));
    json_object_set_new(o, "n", json_integer(r->n));
    json_object_set_new(o, "k", json_integer(r->k));
    json_t *pr = json_array();
    for (int i = 0; i < r->n; i++) {
        json_array_append_new(pr, json_real(r->probabilities[i]));
    }
    json_object_set_new(o, "probabilities", pr);
    json_object_set_new(o, "min", json_real(r->min));
    json_object_set_new(o, "gini", json_real(r->gini));
    json_t *panels = json_array(), *weights = json_array();
    for (int j = 0; j < r->npanels; j++) {
        json_array_append_new(panels, panel_json(r->panels + (size_t)j * (size_t)r->k, r->k));
        json_array_append_new(weights, json_real(r->weights[j]));
    }
    json_object_set_new(o, "panels", panels);
    json_object_set_new(o, "weights", weights);
    if (l != NULL) {
        json_t *lot = json_array();
        for (int t = 0; t < l->m; t++) {
            json_array_append_new(lot,
                                  panel_json(r->panels + (size_t)l->panel[t] * (size_t)r->k, r->k));
        }
        json_object_set_new(o, "lottery", lot);
    }
    json_object_set_new(o, "certificate", certificate_json(r));
    json_object_set_new(o, "seconds", json_real(r->seconds));
    return print_json(o) == 0 ? EXIT_OK : EXIT_INTERNAL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void output_text(const struct sortition_problem *p, const struct sortition_result *r,
                        const struct sortition_lottery *l)
{
    int n = r->n;
    double *s = malloc((size_t)n * sizeof *s);
    if (s == NULL) {
        return;
    }
    memcpy(s, r->probabilities, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    printf("method %s, solver %s: n = %d, k = %d (k/n = %.4f)\n", sortition_method_name(r->method),
           r->solver, n, r->k, (double)r->k / n);
    printf("min %.6f  max %.6f  gini %.4f  panels %d  iterations %d  LP solves %d  %.3f s\n",
           r->min, s[n - 1], r->gini, r->npanels, r->iterations, r->lp_solves, r->seconds);
    if (r->gap > 0) {
        printf("NOT PROVEN OPTIMAL: the time budget ended the search; the smallest probabilities "
               "may be up to %.3g below the LEXIMIN's (gap)\n",
               r->gap);
    }
    if (r->nuncovered > 0) {
        printf("%d respondents are on no feasible panel (probability 0):", r->nuncovered);
        for (int t = 0; t < r->nuncovered && t < 20; t++) {
            printf(" %d", r->uncovered[t]);
        }
        printf("%s\n", r->nuncovered > 20 ? " ..." : "");
    }
    printf("\nsorted probabilities (share of the pool at or below):\n");
    double top = s[n - 1] > 0 ? s[n - 1] : 1.0;
    for (int q = 0; q <= 20; q++) {
        int idx = q == 20 ? n - 1 : (int)((long)q * n / 20);
        int bar = (int)lround(50.0 * s[idx] / top);
        printf("  %3d%%  %.6f  ", q * 5, s[idx]);
        for (int b = 0; b < bar; b++) {
            putchar('#');
        }
        putchar('\n');
    }
    free(s);
    printf("\nper respondent: index  probability%s\n", l ? "  after rounding" : "");
    for (int i = 0; i < n; i++) {
        if (l != NULL) {
            printf("  %d  %.6f  %.6f\n", i, r->probabilities[i], l->probabilities[i]);
        } else {
            printf("  %d  %.6f\n", i, r->probabilities[i]);
        }
    }
    if (l != NULL) {
        printf("\nlottery: %d tickets over %d panels; every probability within %.6f of the "
               "optimum (bound k/m = %.6f)\n",
               l->m, r->npanels, l->max_deviation, (double)r->k / l->m);
        for (int t = 0; t < l->m; t++) {
            printf("  ticket %d:", t);
            const int *pn = r->panels + (size_t)l->panel[t] * (size_t)r->k;
            for (int q = 0; q < r->k; q++) {
                printf(" %d", pn[q]);
            }
            putchar('\n');
        }
    }
    printf("\ncertificate (%d level%s): for each level, no feasible panel K has\n"
           "  sum of y over K > panel_bound; so no distribution gives every unfixed respondent\n"
           "  more than value (check with one ILP per level)\n",
           r->nlevels, r->nlevels == 1 ? "" : "s");
    for (int lv = 0; lv < r->nlevels; lv++) {
        const struct sortition_level *L = &r->levels[lv];
        int nz = 0;
        for (int i = 0; i < n; i++) {
            nz += L->y[i] > 0;
        }
        printf("  level %d: value %.6f  panel_bound %.6f  %d positive weights:", lv + 1, L->value,
               L->panel_bound, nz);
        int shown = 0;
        for (int i = 0; i < n && shown < 12; i++) {
            if (L->y[i] > 0) {
                printf(" y[%d]=%.6g", i, L->y[i]);
                shown++;
            }
        }
        printf("%s\n", nz > shown ? " ... (all in --json)" : "");
    }
    (void)p;
}

/* --progress: one line on stderr per pricing call at most every 0.5 s. */
static int progress_line(void *ctx, const struct sortition_progress *pr)
{
    double *last = ctx;
    if (pr->seconds - *last >= 0.5) {
        *last = pr->seconds;
        (void)fprintf(stderr,
                      "%8.2f s  %-15s ILPs %6d  panels %6d  fixed %5d/%d  level %.6f  bound "
                      "%.6f\n",
                      pr->seconds, pr->phase, pr->iterations, pr->npanels, pr->nfixed, pr->n,
                      pr->lower, pr->upper);
    }
    return 0;
}

int main(int argc, char **argv)
{
    double last_progress = 0.0;
    if (argc >= 2 && strcmp(argv[1], "--verify") == 0) {
        return sortition_verify_main(argc, argv, stdout);
    }
    const char *files[2] = {NULL, NULL};
    const char *household = NULL, *solver_name = NULL;
    int k = -1, lottery = 0, nfiles = 0, method = SORTITION_LEXIMIN;
    bool as_json = false;
    struct sortition_options o;
    sortition_options_init(&o);
    o.budget = 240.0;
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        const char *val = a + 1 < argc ? argv[a + 1] : NULL;
        char *end;
        if (strcmp(arg, "--json") == 0) {
            as_json = true;
        } else if (strcmp(arg, "--progress") == 0) {
            o.progress = progress_line;
            o.progress_ctx = &last_progress;
        } else if (strcmp(arg, "--k") == 0 && val) {
            errno = 0;
            long v = strtol(val, &end, 10);
            if (*end != '\0' || errno || v < -1000000000L || v > 1000000000L) {
                (void)fprintf(stderr, "pnyx-sortition: --k needs an integer\n");
                return EXIT_INVALID;
            }
            k = (int)v;
            a++;
        } else if (strcmp(arg, "--method") == 0 && val) {
            method = sortition_method_parse(val);
            if (method < 0) {
                (void)fprintf(stderr, "pnyx-sortition: unknown method '%s'\n", val);
                return EXIT_INVALID;
            }
            a++;
        } else if (strcmp(arg, "--household") == 0 && val) {
            household = val;
            a++;
        } else if (strcmp(arg, "--lottery") == 0 && val) {
            long v = strtol(val, &end, 10);
            if (*end != '\0' || v < 1 || v > 10000000) {
                (void)fprintf(stderr, "pnyx-sortition: --lottery needs 1..10000000\n");
                return EXIT_INVALID;
            }
            lottery = (int)v;
            a++;
        } else if (strcmp(arg, "--solver") == 0 && val) {
            solver_name = val;
            a++;
        } else if (strcmp(arg, "--seed") == 0 && val) {
            o.seed = strtoull(val, &end, 10);
            a++;
        } else if (strcmp(arg, "--budget") == 0 && val) {
            double v = strtod(val, &end);
            if (*end != '\0' || !(v >= 0 && v <= 1e7)) {
                (void)fprintf(stderr, "pnyx-sortition: --budget needs seconds >= 0\n");
                return EXIT_INVALID;
            }
            o.budget = v;
            a++;
        } else if (strcmp(arg, "--legacy-runs") == 0 && val) {
            long v = strtol(val, &end, 10);
            if (*end != '\0' || v < 1 || v > 100000000) {
                (void)fprintf(stderr, "pnyx-sortition: --legacy-runs needs 1..10^8\n");
                return EXIT_INVALID;
            }
            o.legacy_runs = (int)v;
            a++;
        } else if (arg[0] == '-' && arg[1] == '-') {
            usage();
            return EXIT_INVALID;
        } else if (nfiles < 2) {
            files[nfiles++] = arg;
        } else {
            usage();
            return EXIT_INVALID;
        }
    }
    if (nfiles != 2 || k == -1) {
        usage();
        return EXIT_INVALID;
    }
    o.method = (enum sortition_method)method;
    o.solver = sortition_solver_by_name(solver_name);
    if (o.solver == NULL) {
        (void)fprintf(stderr, "pnyx-sortition: unknown solver '%s' (glpk, cbc)\n", solver_name);
        return EXIT_INVALID;
    }
    size_t clen = 0, rlen = 0;
    char *cbuf = read_file(files[0], &clen);
    if (cbuf == NULL) {
        (void)fprintf(stderr, "pnyx-sortition: cannot read %s: %s\n", files[0], strerror(errno));
        return EXIT_INVALID;
    }
    char *rbuf = read_file(files[1], &rlen);
    if (rbuf == NULL) {
        (void)fprintf(stderr, "pnyx-sortition: cannot read %s: %s\n", files[1], strerror(errno));
        free(cbuf);
        return EXIT_INVALID;
    }
    struct sortition_error err;
    sortition_error_init(&err);
    struct sortition_problem *p = NULL;
    struct sortition_result r;
    struct sortition_lottery lot;
    memset(&r, 0, sizeof r);
    memset(&lot, 0, sizeof lot);
    int exit_code = EXIT_OK;
    int rc = sortition_problem_from_csv(cbuf, clen, rbuf, rlen, household, k, &p, &err);
    free(cbuf);
    free(rbuf);
    if (rc == SORTITION_OK || rc == SORTITION_INFEASIBLE) {
        sortition_error_fini(&err);
        rc = sortition_run(p, &o, &r, &err);
    }
    if (rc == SORTITION_EINVAL || rc == SORTITION_INFEASIBLE) {
        exit_code = fail_invalid(p, &err, as_json);
        goto out;
    }
    if (rc != SORTITION_OK) {
        (void)fprintf(stderr, "pnyx-sortition: %s\n", err.message);
        exit_code = EXIT_INTERNAL;
        goto out;
    }
    if (lottery > 0) {
        rc = sortition_lottery_round(&r, lottery, &lot, &err);
        if (rc != SORTITION_OK) {
            (void)fprintf(stderr, "pnyx-sortition: %s\n", err.message);
            exit_code = EXIT_INTERNAL;
            goto out;
        }
    }
    if (as_json) {
        exit_code = output_json(&r, lottery > 0 ? &lot : NULL);
    } else {
        output_text(p, &r, lottery > 0 ? &lot : NULL);
    }
    if (fflush(stdout) != 0) {
        exit_code = EXIT_INTERNAL;
    }
out:
    sortition_lottery_fini(&lot);
    sortition_result_fini(&r);
    sortition_problem_free(p);
    sortition_error_fini(&err);
    return exit_code;
}
