/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_selection_runs.c — optimiser runs of a selection round as
 * background jobs: a convener queues a run (feasibility, the probability
 * curve, the lottery), watches its progress and may cancel it; the
 * "sortition" worker (api/worker.h) takes queued runs with FOR UPDATE SKIP
 * LOCKED and runs core/sortition outside any transaction and outside the
 * request path, storing progress about twice a second (which renews its
 * lease and reads the cancel flag). A finished run whose inputs are the
 * committed round's is what POST …/publish makes the round's lottery.
 * Runs are computations, not changes of the assembly: they write no audit
 * entry (publishing one does).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_common.h"
#include "api/api_selections.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "api/selection_int.h"
#include "api/worker.h"
#include "codec/json/resources.h"
#include "core/sortition/sortition.h"
#include "platform/log.h"

#define SEL_WORKER "sortition"
/* Idle poll: a run is queued by a person clicking, so a second is fine
 * (worker_wake makes a queued run start at once on this pnyxd). */
#define SEL_IDLE_MS 1000
/* How often a running job stores its progress (and sees a cancel). */
#define SEL_PROGRESS_MS 500
/* The lottery's size when the round does not say: 1000 (a dice draw). */

/* The optimiser's time budget in seconds (PNYX_SORTITION_BUDGET, set by
 * selection_workers_start before any worker runs; 0 = none). */
static double sel_budget_s;

static json_t *run_json(const struct db_sel_job *j)
{
    struct selection_run_record r = {
        .id = j->id,
        .selection_id = j->selection_id,
        .round = j->round,
        .status = j->status,
        .method = j->method,
        .inputs_sha256 = j->inputs_sha256,
        .cancel_requested = j->cancel,
        .progress_json = j->progress,
        .result_json = j->result,
        .error_json = j->error,
        .created_at = j->created_at,
        .started_at = j->started_at,
        .finished_at = j->finished_at,
    };
    return codec_selection_run_json(&r);
}

/* --- queue a run ------------------------------------------------------------------------- */

struct run_txn {
    struct api_req *rq;
    int64_t sid;
    const char *method; /* NULL: the round's */
    struct sel_refusal refusal;
    int64_t id;
    struct db_sel_job job;
};

static void run_reset(void *cls)
{
    struct run_txn *t = cls;
    sel_refusal_clear(&t->refusal);
    t->id = 0;
}

static enum db_status run_cb(struct db_conn *c, void *cls)
{
    struct run_txn *t = cls;
    struct arena *a = t->rq->arena;
    struct sel_view v;
    enum db_status st =
        sel_gate_txn(c, t->rq, t->sid, DB_SEL_UPDATE, AUTHZ_MANAGE_SELECTION, &v, &t->refusal.r);
    if (st != DB_OK) {
        return st;
    }
    if (!sel_status_is(&v, "draft") && !sel_status_is(&v, "committed")) {
        static const char *const allowed[] = {"draft", "committed", NULL};
        return sel_refuse_state(&t->refusal, allowed, "the lottery is already published");
    }
    struct db_respondent *pool;
    int npool, n;
    st = db_pool_load(c, a, t->sid, &pool, &npool);
    if (st != DB_OK) {
        return st;
    }
    (void)sel_eligible(a, &v, npool, &n);
    if (v.rd.k <= 0 || json_array_size(v.quotas) == 0 || n < v.rd.k) {
        return api_refuse(&t->refusal.r, API_E_VALIDATION,
                          "set k and the quotas, with at least k respondents in the pool");
    }
    char sha[65];
    json_t *inputs = sel_inputs(a, &v, t->method ? t->method : v.rd.method, pool, npool, sha);
    if (inputs == NULL) {
        return DB_HARD_ERROR;
    }
    char *text = json_dumps(inputs, JSON_COMPACT);
    json_decref(inputs);
    if (text == NULL) {
        return DB_HARD_ERROR;
    }
    st = db_sel_job_insert(c, a, t->sid, v.rd.round, t->method ? t->method : v.rd.method, sha, text,
                           t->rq->auth.account_id, &t->id);
    free(text);
    if (st == DB_OK) {
        st = db_sel_job_get(c, a, t->sid, t->id, &t->job);
    }
    return st;
}

static const char *const run_methods[] = {"leximin", "maximin", "legacy", NULL};
static const struct decode_field run_fields[] = {
    {.name = "method",
     .type = DECODE_STRING,
     .one_of = run_methods,
     .offset = offsetof(struct run_txn, method)},
};

static const struct decode_spec run_spec = {
    .fields = run_fields, .n = PNYX_ARRAY_LEN(run_fields), .body_optional = true};

/* POST /api/v1/selections/{sid}/runs {method?}: queues an optimiser run
 * of the current round (202; progress at GET …/runs/{id}). */
int api_selection_runs_create(struct api_req *rq, struct api_reply *out)
{
    struct run_txn t = {.rq = rq};
    if (api_param_id(rq, "sid", &t.sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (decode_or_fail(rq, out, &run_spec, &t) != 0) {
        return 0;
    }
    enum db_status st = db_run_txn(rq->db, "selection_run", run_cb, run_reset, &t);
    if (st != DB_OK) {
        return sel_reply_problem(out, st, &t.refusal);
    }
    worker_wake(SEL_WORKER);
    return api_reply_json(out, 202, run_json(&t.job));
}

/* GET /api/v1/selections/{sid}/runs: the 50 newest runs. */
int api_selection_runs_list(struct api_req *rq, struct api_reply *out)
{
    int64_t sid;
    struct sel_view v;
    if (api_param_id(rq, "sid", &sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (sel_gate(rq, out, sid, -1, AUTHZ_MANAGE_SELECTION, &v) != 0) {
        return 0;
    }
    struct db_sel_job *jobs;
    int n;
    enum db_status st = db_sel_job_list(rq->db, rq->arena, sid, 50, &jobs, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(items, run_json(&jobs[i]));
    }
    return api_reply_json(out, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

static int run_ids(struct api_req *rq, struct api_reply *out, int64_t *sid, int64_t *rid)
{
    if (api_param_id(rq, "sid", sid) != 0 || api_param_id(rq, "rid", rid) != 0) {
        api_problem(out, API_E_NOT_FOUND, NULL);
        return -1;
    }
    struct sel_view v;
    return sel_gate(rq, out, *sid, -1, AUTHZ_MANAGE_SELECTION, &v);
}

/* GET /api/v1/selections/{sid}/runs/{rid}: status, progress, result
 * (feasibility or the relaxation, the probabilities, min, Gini). */
int api_selection_runs_get(struct api_req *rq, struct api_reply *out)
{
    int64_t sid, rid;
    if (run_ids(rq, out, &sid, &rid) != 0) {
        return 0;
    }
    struct db_sel_job j;
    enum db_status st = db_sel_job_get(rq->db, rq->arena, sid, rid, &j);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    api_reply_json(out, 200, run_json(&j));
    api_reply_header(out, "Cache-Control", "no-store");
    return 0;
}

/* DELETE /api/v1/selections/{sid}/runs/{rid}: cancels a queued run at
 * once, a running one at its next progress report (≤ ½ s of solver
 * time, or one pricing ILP). 409 when it has finished. */
int api_selection_runs_cancel(struct api_req *rq, struct api_reply *out)
{
    int64_t sid, rid;
    if (run_ids(rq, out, &sid, &rid) != 0) {
        return 0;
    }
    struct db_sel_job j;
    enum db_status st = db_sel_job_cancel(rq->db, rq->arena, sid, rid, &j);
    if (st == DB_NOT_FOUND) {
        st = db_sel_job_get(rq->db, rq->arena, sid, rid, &j);
        if (st == DB_OK) {
            return api_problem(out, API_E_CONFLICT, "the run has finished");
        }
        return api_problem_db(out, st);
    }
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    return api_reply_json(out, 200, run_json(&j));
}

/* --- the worker ------------------------------------------------------------------------------ */

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct progress_ctx {
    struct db_conn *c;
    struct arena *a;
    int64_t job;
    double last;
    bool cancel;
};

static int on_progress(void *ctx, const struct sortition_progress *pr)
{
    struct progress_ctx *p = ctx;
    double now = mono_s();
    if (now - p->last < SEL_PROGRESS_MS / 1000.0 && !p->cancel) {
        return 0;
    }
    p->last = now;
    json_t *j =
        json_pack("{s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:f}", "phase", pr->phase ? pr->phase : "",
                  "iterations", pr->iterations, "panels", pr->npanels, "fixed", pr->nfixed, "n",
                  pr->n, "lower", isfinite(pr->lower) ? pr->lower : 0.0, "upper",
                  isfinite(pr->upper) ? pr->upper : 1.0, "seconds", pr->seconds);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    bool cancel = false;
    if (text != NULL && db_sel_job_progress(p->c, p->a, p->job, text, &cancel) == DB_OK) {
        p->cancel = cancel;
    }
    free(text);
    return p->cancel ? 1 : 0;
}

static char *xstrdup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/* The engine's problem from a run's inputs (sel_inputs' shape). NULL with
 * why when a value has no quota row. */
struct sortition_problem *sel_problem_of(json_t *in, const char **why)
{
    json_t *cats = json_object_get(in, "categories"), *quotas = json_object_get(in, "quotas");
    json_t *resp = json_object_get(in, "respondents");
    int ncat = (int)json_array_size(cats), n = (int)json_array_size(resp);
    struct sortition_problem *p = calloc(1, sizeof *p);
    if (p == NULL) {
        *why = "out of memory";
        return NULL;
    }
    p->n = n;
    p->k = (int)json_integer_value(json_object_get(in, "k"));
    p->ncategories = ncat;
    p->categories = calloc((size_t)ncat + 1, sizeof *p->categories);
    p->value = calloc((size_t)n * (size_t)ncat + 1, sizeof *p->value);
    p->household = calloc((size_t)n + 1, sizeof *p->household);
    if (p->categories == NULL || p->value == NULL || p->household == NULL) {
        sortition_problem_free(p);
        *why = "out of memory";
        return NULL;
    }
    for (int c = 0; c < ncat; c++) {
        const char *name = json_string_value(json_array_get(cats, (size_t)c));
        struct sortition_category *cat = &p->categories[c];
        cat->name = xstrdup_or_null(name);
        cat->features = calloc(json_array_size(quotas) + 1, sizeof *cat->features);
        for (size_t q = 0; cat->features != NULL && q < json_array_size(quotas); q++) {
            json_t *row = json_array_get(quotas, q);
            if (strcmp(json_string_value(json_object_get(row, "category")), name) != 0) {
                continue;
            }
            struct sortition_feature *f = &cat->features[cat->nfeatures++];
            f->name = xstrdup_or_null(json_string_value(json_object_get(row, "feature")));
            f->min = (int)json_integer_value(json_object_get(row, "min"));
            f->max = (int)json_integer_value(json_object_get(row, "max"));
        }
    }
    /* Households: equal tags, one dense id. */
    char **tags = calloc((size_t)n + 1, sizeof *tags);
    for (int i = 0; i < n; i++) {
        json_t *r = json_array_get(resp, (size_t)i);
        json_t *vals = json_object_get(r, "values");
        for (int c = 0; c < ncat; c++) {
            const char *v = json_string_value(json_array_get(vals, (size_t)c));
            int f = 0;
            while (f < p->categories[c].nfeatures &&
                   strcmp(p->categories[c].features[f].name, v ? v : "") != 0) {
                f++;
            }
            if (f == p->categories[c].nfeatures) {
                free(tags);
                sortition_problem_free(p);
                *why = "a respondent's value has no quota row";
                return NULL;
            }
            p->value[i * ncat + c] = f;
        }
        const char *h = json_string_value(json_object_get(r, "household"));
        p->household[i] = -1;
        for (int j = 0; h != NULL && tags != NULL && j < i; j++) {
            if (tags[j] != NULL && strcmp(tags[j], h) == 0) {
                p->household[i] = p->household[j];
                break;
            }
        }
        if (h != NULL && tags != NULL && p->household[i] < 0) {
            p->household[i] = p->nhouseholds++;
        }
        if (tags != NULL) {
            tags[i] = (char *)h;
        }
    }
    free(tags);
    return p;
}

static json_t *doubles(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(a, json_real(v[i]));
    }
    return a;
}

/* The result of a finished run: probabilities at the optimum, the
 * lottery (panels as eligible positions, ascending) with each one's
 * probability after rounding (tickets / m, recounted here), the
 * certificate. */
static json_t *result_of(const struct sortition_problem *p, const struct sortition_result *r,
                         const struct sortition_lottery *l, int m)
{
    json_t *panels = json_array();
    int *hits = calloc((size_t)p->n + 1, sizeof *hits);
    for (int t = 0; t < l->m; t++) {
        const int *row = r->panels + (size_t)l->panel[t] * (size_t)r->k;
        json_t *pj = json_array();
        for (int j = 0; j < r->k; j++) {
            json_array_append_new(pj, json_integer(row[j]));
            if (hits != NULL) {
                hits[row[j]]++;
            }
        }
        json_array_append_new(panels, pj);
    }
    json_t *lprobs = json_array();
    double lmin = 1.0;
    for (int i = 0; i < p->n; i++) {
        double v = hits != NULL ? (double)hits[i] / (double)m : 0.0;
        lmin = v < lmin ? v : lmin;
        json_array_append_new(lprobs, json_real(v));
    }
    free(hits);
    json_t *levels = json_array();
    for (int lv = 0; lv < r->nlevels; lv++) {
        const struct sortition_level *L = &r->levels[lv];
        json_t *fixed = json_array();
        for (int i = 0; L->fixed_before != NULL && i < p->n; i++) {
            if (L->fixed_before[i]) {
                json_array_append_new(fixed, json_integer(i));
            }
        }
        /* y is sparse (most respondents' weights are 0 at a level):
         * [[respondent, weight], …] for the positive ones. */
        json_t *y = json_array();
        for (int i = 0; L->y != NULL && i < p->n; i++) {
            if (L->y[i] > 0) {
                json_array_append_new(y, json_pack("[i, f]", i, L->y[i]));
            }
        }
        json_array_append_new(levels, json_pack("{s:f, s:f, s:f, s:o, s:o}", "value", L->value,
                                                "panel_bound", L->panel_bound, "gap", L->gap, "y",
                                                y, "fixed_before", fixed));
    }
    json_t *uncovered = json_array();
    for (int i = 0; i < r->nuncovered; i++) {
        json_array_append_new(uncovered, json_integer(r->uncovered[i]));
    }
    json_t *res =
        json_pack("{s:b, s:s, s:s, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:o, s:o, s:o, "
                  "s:{s:o, s:{s:s, s:o}}, s:i, s:i, s:f}",
                  "feasible", 1, "method", sortition_method_name(r->method), "solver",
                  r->solver ? r->solver : "", "n", p->n, "k", r->k, "m", m, "min", r->min, "gini",
                  r->gini, "lottery_min", lmin, "max_deviation", l->max_deviation, "probabilities",
                  doubles(r->probabilities, p->n), "lottery_probabilities", lprobs, "uncovered",
                  uncovered, "lottery", "panels", panels, "certificate", "kind",
                  sortition_method_name(r->method), "levels", levels, "iterations", r->iterations,
                  "lp_solves", r->lp_solves, "seconds", r->seconds);
    /* MAXIMIN/LEXIMIN: optimal and gap, as the CLI's certificate says
     * them — gap > 0 only when the budget (PNYX_SORTITION_BUDGET) ended a
     * level before its bound was proven; the smallest probabilities are
     * then within gap of the optimum's. In the certificate too, so the
     * published lottery (and its hash) carries them. LEGACY optimises
     * nothing: neither. */
    if (res != NULL && r->method != SORTITION_LEGACY) {
        double gap = r->gap > 0 ? r->gap : 0.0;
        json_t *cert = json_object_get(json_object_get(res, "lottery"), "certificate");
        json_object_set_new(res, "optimal", json_boolean(gap == 0));
        json_object_set_new(res, "gap", json_real(gap));
        json_object_set_new(cert, "optimal", json_boolean(gap == 0));
        json_object_set_new(cert, "gap", json_real(gap));
    }
    return res;
}

static json_t *infeasible_of(const struct sortition_problem *p, const struct sortition_error *e)
{
    json_t *rel = json_array();
    for (int i = 0; i < e->nrelaxation; i++) {
        const struct sortition_relaxation *x = &e->relaxation[i];
        const struct sortition_category *c = &p->categories[x->category];
        json_array_append_new(rel, json_pack("{s:s, s:s, s:s, s:i, s:i}", "category", c->name,
                                             "feature", c->features[x->feature].name, "bound",
                                             x->bound == SORTITION_BOUND_MIN ? "min" : "max",
                                             "from", x->from, "to", x->to));
    }
    return json_pack("{s:b, s:s, s:o}", "feasible", 0, "message", e->message, "relaxation", rel);
}

static char *dumps(json_t *j)
{
    char *s = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(j);
    return s;
}

/* Runs job j (taken) to its end and stores the outcome. */
static void run_job(struct db_conn *c, struct arena *a, const struct db_sel_job *j)
{
    json_t *in = json_loads(j->inputs != NULL ? j->inputs : "", 0, NULL);
    const char *why = "the run's inputs are unreadable";
    struct sortition_problem *p = in != NULL ? sel_problem_of(in, &why) : NULL;
    int m = (int)json_integer_value(json_object_get(in, "m"));
    json_decref(in);
    char *result = NULL, *error = NULL;
    const char *status = "failed";
    if (p == NULL) {
        error = dumps(json_pack("{s:s}", "message", why));
    } else {
        struct sortition_error err;
        struct sortition_options o;
        struct sortition_result r;
        struct progress_ctx pc = {.c = c, .a = a, .job = j->id, .last = 0};
        sortition_error_init(&err);
        sortition_options_init(&o);
        o.method = (enum sortition_method)sortition_method_parse(j->method);
        o.progress = on_progress;
        o.progress_ctx = &pc;
        /* PNYX_SORTITION_BUDGET: column generation stops there with a
         * valid distribution and its gap (core/sortition/README.md, Time
         * budget); with none, a pool that never closes a level would hold
         * the worker indefinitely. */
        o.budget = sel_budget_s;
        int rc = sortition_run(p, &o, &r, &err);
        if (rc == SORTITION_OK) {
            struct sortition_lottery l;
            if (sortition_lottery_round(&r, m > 0 ? m : 1000, &l, &err) == SORTITION_OK) {
                result = dumps(result_of(p, &r, &l, m > 0 ? m : 1000));
                status = result != NULL ? "done" : "failed";
                sortition_lottery_fini(&l);
            } else {
                error = dumps(json_pack("{s:s}", "message", err.message));
            }
            sortition_result_fini(&r);
        } else if (rc == SORTITION_INFEASIBLE || rc == SORTITION_EINVAL) {
            result = dumps(infeasible_of(p, &err));
            status = "done";
        } else if (rc == SORTITION_CANCELLED) {
            status = "cancelled";
        } else {
            error = dumps(json_pack("{s:s}", "message", err.message));
        }
        sortition_error_fini(&err);
        sortition_problem_free(p);
        /* The solver's per-thread state would otherwise outlive the run
         * (and the thread: GLPK never frees it). */
        sortition_thread_release();
    }
    if (db_sel_job_finish(c, a, j->id, status, result, error) != DB_OK) {
        log_error("selection run %lld: its outcome could not be stored", (long long)j->id);
    }
    free(result);
    free(error);
}

static int run_once(void *ctx)
{
    (void)ctx;
    struct db_conn *c = db_thread_conn();
    struct arena *a = arena_new();
    if (a == NULL) {
        return -1;
    }
    struct db_sel_job j;
    enum db_status st = db_sel_job_take(c, a, &j);
    int rc = st == DB_OK ? 1 : st == DB_NOT_FOUND ? 0 : -1;
    if (st == DB_OK) {
        run_job(c, a, &j);
    }
    arena_free(a);
    return rc;
}

unsigned selection_workers_start(unsigned n, unsigned budget_s)
{
    sel_budget_s = (double)budget_s;
    unsigned started = 0;
    for (unsigned i = 0; i < n; i++) {
        struct worker_spec spec = {
            .name = SEL_WORKER, .run_once = run_once, .ctx = NULL, .idle_ms = SEL_IDLE_MS};
        if (worker_start(&spec) != 0) {
            break;
        }
        started++;
    }
    return started;
}

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_selection_runs_bodies[] = {
    {"POST /api/v1/selections/{sid}/runs", &run_spec},
    {NULL, NULL},
};
