/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/sortition_run.c — sortition_run: validation, the
 * feasibility ILP (and relaxation when infeasible), then the method; the
 * solver registry; releasing results.
 */
#include <stdlib.h>
#include <string.h>

#include "sortition_int.h"

const struct sortition_solver *sortition_solver_by_name(const char *name)
{
    if (name == NULL) {
        return sortition_solver_default();
    }
    if (strcmp(name, "glpk") == 0) {
        return sortition_solver_glpk();
    }
    if (strcmp(name, "cbc") == 0 || strcmp(name, "coin") == 0) {
        return sortition_solver_coin();
    }
    return NULL;
}

const struct sortition_solver *sortition_solver_default(void)
{
    /* Measured on the conformance cases (README.md, Performance). */
    return sortition_solver_glpk();
}

void sortition_result_fini(struct sortition_result *r)
{
    if (r == NULL) {
        return;
    }
    free(r->panels);
    free(r->weights);
    free(r->probabilities);
    free(r->uncovered);
    for (int l = 0; l < r->nlevels; l++) {
        free(r->levels[l].y);
        free(r->levels[l].fixed_before);
    }
    free(r->levels);
    memset(r, 0, sizeof *r);
}

int sortition_run(struct sortition_problem *p, const struct sortition_options *o,
                  struct sortition_result *r, struct sortition_error *err)
{
    struct sortition_options defaults;
    if (o == NULL) {
        sortition_options_init(&defaults);
        o = &defaults;
    }
    memset(r, 0, sizeof *r);
    const struct sortition_solver *s = o->solver ? o->solver : sortition_solver_default();
    double t0 = sortition_now();
    if (o->progress != NULL) {
        struct sortition_progress pr = {.phase = "feasibility", .n = p->n, .upper = 1.0};
        if (o->progress(o->progress_ctx, &pr) != 0) {
            return sortition_fail(err, SORTITION_CANCELLED, "cancelled");
        }
    }
    int rc = sortition_feasibility(p, s, err);
    if (rc != SORTITION_OK) {
        return rc;
    }
    switch (o->method) {
    case SORTITION_LEGACY:
        rc = sortition_legacy_run(p, o, r, err);
        break;
    case SORTITION_MAXIMIN:
    case SORTITION_LEXIMIN:
        rc = sortition_colgen_run(p, o, s, r, err);
        break;
    default:
        rc = sortition_fail(err, SORTITION_EINVAL, "unknown method %d", (int)o->method);
        break;
    }
    if (rc != SORTITION_OK) {
        sortition_result_fini(r);
        return rc;
    }
    r->method = o->method;
    r->solver = o->method == SORTITION_LEGACY ? "none" : s->name;
    r->seconds = sortition_now() - t0;
    return SORTITION_OK;
}
