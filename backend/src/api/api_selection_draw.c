/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_selection_draw.c — the verifiable draw of a selection round
 * (api-spec/draw.md): commit, publish, members' commit–reveal randomness,
 * the draw with invitations for the selected, DRAW.json, a respondent's
 * own check, declines and replacement rounds. Each step is one
 * transaction with its audit entry; a step the round's state does not
 * allow is 409 selection-state with params.allowed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/api_common.h"
#include "api/api_selections.h"
#include "api/audit_writer.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "api/selection_int.h"
#include "codec/json/draw.h"
#include "core/audit/merkle.h"
#include "core/base/base.h"
#include "core/sortition/draw.h"
#include "core/sortition/sortition.h"
#include "db/db_audit.h"
#include "db/db_invitation.h"
#include "platform/crypto.h"

/* Longest commit–reveal phase: a month. */
#define SEL_MAX_DEADLINE (30LL * 24 * 3600)
/* Selected people's invitations stay valid this long. */
#define SEL_INVITE_SECS (30LL * 24 * 3600)

/* --- the round's pool as core/sortition/draw sees it ------------------------------------ */

struct round_pool {
    struct db_respondent *pool; /* the whole pool */
    int npool;
    int *el; /* pool index of each eligible position */
    int n;
    const char **cats;
    size_t ncat;
    struct draw_respondent *resp; /* n */
    uint8_t (*commit)[32];        /* n */
    struct draw_quota *quotas;
    size_t nquota;
};

static enum db_status round_pool_load(struct db_conn *c, struct arena *a, const struct sel_view *v,
                                      struct round_pool *p)
{
    memset(p, 0, sizeof *p);
    enum db_status st = db_pool_load(c, a, v->sel.id, &p->pool, &p->npool);
    if (st != DB_OK) {
        return st;
    }
    p->el = sel_eligible(a, v, p->npool, &p->n);
    p->ncat = json_array_size(v->cats);
    p->cats = arena_calloc(a, p->ncat + 1, sizeof *p->cats);
    for (size_t i = 0; i < p->ncat; i++) {
        p->cats[i] = json_string_value(json_array_get(v->cats, i));
    }
    p->resp = arena_calloc(a, (size_t)p->n + 1, sizeof *p->resp);
    p->commit = arena_calloc(a, (size_t)p->n + 1, 32);
    for (int x = 0; x < p->n; x++) {
        const struct db_respondent *r = &p->pool[p->el[x]];
        json_t *vals = sel_json(a, r->vals);
        const char **values = arena_calloc(a, p->ncat + 1, sizeof *values);
        for (size_t i = 0; i < p->ncat; i++) {
            values[i] = json_string_value(json_array_get(vals, i));
        }
        p->resp[x] = (struct draw_respondent){
            .pseudonym = r->pseudonym, .values = values, .household = r->household};
        if (!sel_unhex32(r->commitment, p->commit[x])) {
            return DB_HARD_ERROR;
        }
    }
    p->nquota = json_array_size(v->quotas);
    p->quotas = arena_calloc(a, p->nquota + 1, sizeof *p->quotas);
    for (size_t q = 0; q < p->nquota; q++) {
        json_t *row = json_array_get(v->quotas, q);
        p->quotas[q] =
            (struct draw_quota){.category = json_string_value(json_object_get(row, "category")),
                                .feature = json_string_value(json_object_get(row, "feature")),
                                .min = (uint32_t)json_integer_value(json_object_get(row, "min")),
                                .max = (uint32_t)json_integer_value(json_object_get(row, "max"))};
    }
    return DB_OK;
}

/* A draw_record over the round's pool (no lottery or randomness yet). */
static struct draw_record round_record(const struct sel_view *v, const struct round_pool *p)
{
    struct draw_record d = {.ncat = p->ncat,
                            .categories = p->cats,
                            .n = (size_t)p->n,
                            .respondents = p->resp,
                            .commitments = (const uint8_t(*)[32])p->commit,
                            .nquota = p->nquota,
                            .quotas = p->quotas,
                            .k = (uint32_t)v->rd.k,
                            .m = (uint32_t)v->rd.m};
    return d;
}

/* The first respondent value without a quota row, as English text, or NULL. */
static const char *value_without_quota(struct arena *a, const struct round_pool *p)
{
    for (int x = 0; x < p->n; x++) {
        for (size_t c = 0; c < p->ncat; c++) {
            const char *val = p->resp[x].values[c];
            size_t q = 0;
            while (q < p->nquota && (strcmp(p->quotas[q].category, p->cats[c]) != 0 ||
                                     strcmp(p->quotas[q].feature, val ? val : "") != 0)) {
                q++;
            }
            if (q == p->nquota) {
                return arena_printf(a, "respondent %s: %s = \"%s\" has no quota row",
                                    p->resp[x].pseudonym, p->cats[c], val ? val : "");
            }
        }
    }
    return NULL;
}

/* --- commit -------------------------------------------------------------------------------- */

struct commit_txn {
    struct api_req *rq;
    int64_t sid;
    const char *commit_until, *reveal_until;
    struct sel_refusal refusal;
    struct sel_view v;
    json_t *reply;
};

static void commit_reset(void *cls)
{
    struct commit_txn *t = cls;
    sel_refusal_clear(&t->refusal);
    json_decref(t->reply);
    t->reply = NULL;
}

static enum db_status commit_cb(struct db_conn *c, void *cls)
{
    struct commit_txn *t = cls;
    struct arena *a = t->rq->arena;
    enum db_status st =
        sel_gate_txn(c, t->rq, t->sid, DB_SEL_UPDATE, AUTHZ_MANAGE_SELECTION, &t->v, &t->refusal.r);
    if (st != DB_OK) {
        return st;
    }
    if (!sel_status_is(&t->v, "draft")) {
        return sel_refuse_state(&t->refusal, sel_only_draft, "this round is already committed");
    }
    struct round_pool p;
    st = round_pool_load(c, a, &t->v, &p);
    if (st != DB_OK) {
        return st;
    }
    if (t->v.rd.k <= 0 || p.nquota == 0 || p.n < t->v.rd.k) {
        return api_refuse(&t->refusal.r, API_E_VALIDATION,
                          "set k and the quotas, with at least k respondents in the pool");
    }
    const char *why = value_without_quota(a, &p);
    if (why != NULL) {
        return api_refuse(&t->refusal.r, API_E_VALIDATION, why);
    }
    uint8_t root[32];
    if (draw_commitment_root((const uint8_t(*)[32])p.commit, (size_t)p.n, root) != DRAW_OK) {
        return DB_HARD_ERROR;
    }
    char inputs_sha[65];
    json_t *inputs = sel_inputs(a, &t->v, t->v.rd.method, p.pool, p.npool, inputs_sha);
    if (inputs == NULL) {
        return DB_HARD_ERROR;
    }
    /* The engine's own checks (k within every category's Σ min..Σ max, a
     * minimum above the pool's count, …): what the log fixes must be
     * runnable. Infeasibility itself needs a run (its relaxation). */
    const char *bad = NULL;
    struct sortition_problem *prob = sel_problem_of(inputs, &bad);
    json_decref(inputs);
    if (prob == NULL) {
        return api_refuse(&t->refusal.r, API_E_VALIDATION, bad);
    }
    struct sortition_error err;
    sortition_error_init(&err);
    int vrc = sortition_problem_validate(prob, &err);
    const char *why_invalid = vrc != SORTITION_OK ? arena_strdup(a, err.message) : NULL;
    sortition_error_fini(&err);
    sortition_problem_free(prob);
    if (why_invalid != NULL) {
        return api_refuse(&t->refusal.r, API_E_VALIDATION, why_invalid);
    }
    const char *root_hex = sel_hex(a, root, 32);
    st = db_round_commit(c, a, t->sid, t->v.rd.round, root_hex, t->commit_until, t->reveal_until);
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack(
        "{s:s, s:i, s:s, s:i, s:O, s:O, s:i, s:s, s:s, s:i, s:s, s:{s:s, s:s, s:s, s:s, s:s}}",
        "selection", sel_id_str(a, t->sid), "round", t->v.rd.round, "commitment_root", root_hex,
        "respondents", p.n, "categories", t->v.cats, "quotas", t->v.quotas, "k", t->v.rd.k,
        "method", t->v.rd.method, "rules_version", t->v.rd.rules_version, "m", t->v.rd.m,
        "inputs_sha256", inputs_sha, "randomness", "rule", SEL_SEED_RULE, "beacon",
        "the root of this log at the size that ends with this round's selection.published entry",
        "commit_until", t->commit_until, "reveal_until", t->reveal_until, "unrevealed",
        "commitments not revealed by reveal_until are dropped");
    st = api_audit_append(c, a, t->v.sel.assembly_id, t->rq->auth.account_id, "selection.committed",
                          data);
    json_decref(data);
    if (st == DB_OK) {
        st = sel_load(c, a, t->sid, DB_SEL_NOLOCK, -1, &t->v);
    }
    if (st == DB_OK) {
        t->reply = sel_selection_json(c, a, &t->v, t->rq->auth.account_id);
        st = t->reply != NULL ? DB_OK : DB_HARD_ERROR;
    }
    return st;
}

struct commit_body {
    const char *commit_until;
    const char *reveal_until;
};

static bool date_time_ok(const char *s, size_t len)
{
    int64_t t;
    return base_rfc3339_parse(s, len, &t) == 0;
}

static const struct decode_field commit_fields[] = {
    {.name = "commit_until",
     .type = DECODE_STRING,
     .required = true,
     .format = "date_time",
     .format_ok = date_time_ok,
     .offset = offsetof(struct commit_body, commit_until)},
    {.name = "reveal_until",
     .type = DECODE_STRING,
     .required = true,
     .format = "date_time",
     .format_ok = date_time_ok,
     .offset = offsetof(struct commit_body, reveal_until)},
};

static const struct decode_spec commit_spec = DECODE_SPEC(commit_fields);

/* POST /api/v1/selections/{sid}/commit {commit_until, reveal_until}:
 * fixes the pool (its commitment root), quotas, k, method, m and the
 * randomness rule in the log. now < commit_until < reveal_until ≤ now +
 * 30 days. */
int api_selections_commit(struct api_req *rq, struct api_reply *out)
{
    struct commit_txn t = {.rq = rq};
    if (api_param_id(rq, "sid", &t.sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct commit_body b = {0};
    struct decode_errors e;
    if (decode_body(rq, &commit_spec, &b, &e) == 0) {
        int64_t now = rq->now_us / 1000000, cu = 0, ru = 0;
        (void)base_rfc3339_parse(b.commit_until, strlen(b.commit_until), &cu);
        (void)base_rfc3339_parse(b.reveal_until, strlen(b.reveal_until), &ru);
        if (cu <= now || cu > now + SEL_MAX_DEADLINE) {
            decode_error(&e, "commit_until", "out_of_range",
                         json_pack("{s:s, s:s}", "min", sel_utc(rq->arena, now + 1), "max",
                                   sel_utc(rq->arena, now + SEL_MAX_DEADLINE)),
                         "in the future, within 30 days");
        } else if (ru <= cu || ru > now + SEL_MAX_DEADLINE) {
            decode_error(&e, "reveal_until", "out_of_range",
                         json_pack("{s:s, s:s}", "min", sel_utc(rq->arena, cu + 1), "max",
                                   sel_utc(rq->arena, now + SEL_MAX_DEADLINE)),
                         "after commit_until, within 30 days");
        }
        t.commit_until = sel_utc(rq->arena, cu);
        t.reveal_until = sel_utc(rq->arena, ru);
    }
    if (decode_finish(&e, out) != 0) {
        return 0;
    }
    enum db_status st = db_run_txn(rq->db, "selection_commit", commit_cb, commit_reset, &t);
    if (st != DB_OK) {
        json_decref(t.reply);
        return sel_reply_problem(out, st, &t.refusal);
    }
    return api_reply_json(out, 200, t.reply);
}

/* --- publish -------------------------------------------------------------------------------- */

struct publish_txn {
    struct api_req *rq;
    int64_t sid, run;
    struct sel_refusal refusal;
    struct sel_view v;
    json_t *reply;
};

static void publish_reset(void *cls)
{
    struct publish_txn *t = cls;
    sel_refusal_clear(&t->refusal);
    json_decref(t->reply);
    t->reply = NULL;
}

static char *dump(struct arena *a, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
    char *r = s != NULL ? arena_strdup(a, s) : NULL;
    free(s);
    return r;
}

/* Checks the run's lottery against the round (m panels of k, each valid
 * for the quotas and households) and its probabilities (one per eligible
 * respondent). Appends to *counts each panel's count per quota row, to
 * *salts a fresh random salt per panel and to *commitments the panel's
 * count commitment (pnyx-draw/3: only the commitments are published, the
 * drawn panel's counts and salt after the draw). NULL when fine, else why. */
static const char *lottery_fits(struct arena *a, const struct sel_view *v,
                                const struct round_pool *p, json_t *panels, json_t *probs,
                                json_t *optimum, json_t *counts, json_t *salts, json_t *commitments)
{
    if (json_array_size(panels) != (size_t)v->rd.m || json_array_size(probs) != (size_t)p->n ||
        json_array_size(optimum) != (size_t)p->n) {
        return "the run's lottery does not have m panels and n probabilities";
    }
    struct draw_record d = round_record(v, p);
    uint32_t *panel = arena_calloc(a, (size_t)v->rd.k + 1, sizeof *panel);
    uint32_t *cnt = arena_calloc(a, d.nquota + 1, sizeof *cnt);
    for (size_t x = 0; x < json_array_size(panels); x++) {
        json_t *row = json_array_get(panels, x);
        if (json_array_size(row) != (size_t)v->rd.k) {
            return "a panel of the run is not of size k";
        }
        for (size_t j = 0; j < json_array_size(row); j++) {
            panel[j] = (uint32_t)json_integer_value(json_array_get(row, j));
        }
        struct draw_failure why;
        if (draw_panel_counts(&d, panel, cnt, &why) != DRAW_OK) {
            return arena_printf(a, "a panel of the run is not valid: %s", why.detail);
        }
        json_t *crow = json_array();
        for (size_t q = 0; q < d.nquota; q++) {
            json_array_append_new(crow, json_integer(cnt[q]));
        }
        json_array_append_new(counts, crow);
        uint8_t salt[DRAW_SALT_LEN], h[DRAW_HASH_LEN];
        randombytes_buf(salt, sizeof salt);
        draw_counts_commitment(salt, cnt, d.nquota, h);
        json_array_append_new(salts, json_string(sel_hex(a, salt, sizeof salt)));
        json_array_append_new(commitments, json_string(sel_hex(a, h, sizeof h)));
    }
    return NULL;
}

static enum db_status publish_cb(struct db_conn *c, void *cls)
{
    struct publish_txn *t = cls;
    struct arena *a = t->rq->arena;
    enum db_status st =
        sel_gate_txn(c, t->rq, t->sid, DB_SEL_UPDATE, AUTHZ_MANAGE_SELECTION, &t->v, &t->refusal.r);
    if (st != DB_OK) {
        return st;
    }
    if (!sel_status_is(&t->v, "committed")) {
        return sel_refuse_state(&t->refusal, sel_only_committed, "publish once, after the commit");
    }
    /* After the commitment phase the lottery could be chosen knowing the
     * randomness committed to: never. */
    if (t->v.rd.commit_closed) {
        return api_refuse(&t->refusal.r, API_E_SELECTION_DEADLINE,
                          "the lottery must be published before commit_until");
    }
    struct db_sel_job job;
    st = db_sel_job_get(c, a, t->sid, t->run, &job);
    if (st == DB_NOT_FOUND) {
        return api_refuse(&t->refusal.r, API_E_NOT_FOUND, "no such run");
    }
    if (st != DB_OK) {
        return st;
    }
    struct round_pool p;
    st = round_pool_load(c, a, &t->v, &p);
    if (st != DB_OK) {
        return st;
    }
    char sha[65];
    json_t *inputs = sel_inputs(a, &t->v, t->v.rd.method, p.pool, p.npool, sha);
    json_decref(inputs);
    json_t *result = sel_json(a, job.result);
    if (inputs == NULL) {
        return DB_HARD_ERROR;
    }
    if (strcmp(job.status, "done") != 0 || job.round != t->v.rd.round ||
        strcmp(job.inputs_sha256, sha) != 0) {
        return api_refuse(&t->refusal.r, API_E_SELECTION_RUN,
                          "publish a finished run of the committed inputs and method");
    }
    if (!json_is_true(json_object_get(result, "feasible"))) {
        return api_refuse(&t->refusal.r, API_E_SELECTION_INFEASIBLE, NULL);
    }
    json_t *lottery = json_object_get(result, "lottery");
    json_t *panels = json_object_get(lottery, "panels");
    json_t *cert = json_object_get(lottery, "certificate");
    json_t *probs = json_object_get(result, "lottery_probabilities");
    json_t *optimum = json_object_get(result, "probabilities");
    /* The counts and salts stay in the stored lottery (never served but
     * for the drawn panel's): the server's secret until the draw. */
    json_t *lot =
        json_pack("{s:O, s:O, s:[], s:[], s:[]}", "panels", panels, "certificate",
                  cert != NULL ? cert : json_null(), "counts", "count_salts", "count_commitments");
    if (lot == NULL) {
        return DB_HARD_ERROR;
    }
    arena_defer(a, (void (*)(void *))json_decref, lot);
    json_t *commitments = json_object_get(lot, "count_commitments");
    const char *why =
        lottery_fits(a, &t->v, &p, panels, probs, optimum, json_object_get(lot, "counts"),
                     json_object_get(lot, "count_salts"), commitments);
    if (why != NULL) {
        return api_refuse(&t->refusal.r, API_E_SELECTION_RUN, why);
    }
    uint8_t h[32];
    if (codec_draw_lottery_sha256(3, cert, commitments, panels, probs, h) != 0) {
        return DB_HARD_ERROR;
    }
    const char *lsha = sel_hex(a, h, 32);
    const char *lot_text = dump(a, lot);
    st = db_round_publish(c, a, t->sid, t->v.rd.round, lot_text, dump(a, probs), dump(a, optimum),
                          lsha);
    if (st != DB_OK) {
        return st;
    }
    json_t *data =
        json_pack("{s:s, s:i, s:s, s:s, s:i, s:i, s:s}", "selection", sel_id_str(a, t->sid),
                  "round", t->v.rd.round, "run", sel_id_str(a, t->run), "lottery_sha256", lsha, "m",
                  t->v.rd.m, "k", t->v.rd.k, "method", t->v.rd.method);
    st = api_audit_append(c, a, t->v.sel.assembly_id, t->rq->auth.account_id, "selection.published",
                          data);
    json_decref(data);
    if (st == DB_OK) {
        st = sel_load(c, a, t->sid, DB_SEL_NOLOCK, -1, &t->v);
    }
    if (st == DB_OK) {
        t->reply = sel_selection_json(c, a, &t->v, t->rq->auth.account_id);
        st = t->reply != NULL ? DB_OK : DB_HARD_ERROR;
    }
    return st;
}

struct publish_body {
    const char *run;
};

static bool id_ok(const char *s, size_t len)
{
    if (len == 0 || len > 18 || s[0] == '0') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

static const struct decode_field publish_fields[] = {
    {.name = "run",
     .type = DECODE_STRING,
     .required = true,
     .format = "id",
     .format_ok = id_ok,
     .offset = offsetof(struct publish_body, run)},
};

static const struct decode_spec publish_spec = DECODE_SPEC(publish_fields);

/* POST /api/v1/selections/{sid}/publish {run}: the run's m panels, every
 * respondent's probability and the certificate become the round's
 * lottery; the log gets their hash. */
int api_selections_publish(struct api_req *rq, struct api_reply *out)
{
    struct publish_txn t = {.rq = rq};
    struct publish_body b = {0};
    if (api_param_id(rq, "sid", &t.sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (decode_or_fail(rq, out, &publish_spec, &b) != 0) {
        return 0;
    }
    t.run = strtoll(b.run, NULL, 10);
    enum db_status st = db_run_txn(rq->db, "selection_publish", publish_cb, publish_reset, &t);
    if (st != DB_OK) {
        json_decref(t.reply);
        return sel_reply_problem(out, st, &t.refusal);
    }
    return api_reply_json(out, 200, t.reply);
}

/* --- randomness: commit and reveal ------------------------------------------------------ */

struct rand_txn {
    struct api_req *rq;
    int64_t sid;
    bool reveal;
    uint8_t bytes[32]; /* commitment (commit) or value (reveal) */
    struct sel_refusal refusal;
    int round;
    const char *commitment;
};

static void rand_reset(void *cls)
{
    struct rand_txn *t = cls;
    sel_refusal_clear(&t->refusal);
    t->commitment = NULL;
}

static enum db_status rand_commit(struct db_conn *c, struct rand_txn *t, struct sel_view *v)
{
    struct arena *a = t->rq->arena;
    if (!sel_status_is(v, "committed") && !sel_status_is(v, "published")) {
        return sel_refuse_state(&t->refusal, sel_committed_published,
                                "randomness is committed between the commit and the draw");
    }
    if (v->rd.commit_closed) {
        return api_refuse(&t->refusal.r, API_E_SELECTION_DEADLINE,
                          "the commitment phase ended at commit_until");
    }
    t->commitment = sel_hex(a, t->bytes, 32);
    enum db_status st =
        db_randomness_commit(c, a, t->sid, v->rd.round, t->rq->auth.account_id, t->commitment);
    if (st == DB_CONFLICT) {
        return api_refuse(&t->refusal.r, API_E_RANDOMNESS_TAKEN, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:i, s:s}", "selection", sel_id_str(a, t->sid), "round",
                             v->rd.round, "commitment", t->commitment);
    st = api_audit_append(c, a, v->sel.assembly_id, t->rq->auth.account_id,
                          "selection.randomness_committed", data);
    json_decref(data);
    return st;
}

static enum db_status rand_reveal(struct db_conn *c, struct rand_txn *t, struct sel_view *v)
{
    struct arena *a = t->rq->arena;
    if (!sel_status_is(v, "published")) {
        return sel_refuse_state(&t->refusal, sel_only_published,
                                "reveal after the lottery is published, before the draw");
    }
    if (!v->rd.commit_closed || v->rd.reveal_closed) {
        return api_refuse(&t->refusal.r, API_E_SELECTION_DEADLINE,
                          "reveal between commit_until and reveal_until");
    }
    struct db_sel_randomness mine;
    enum db_status st = db_randomness_get(c, a, t->sid, v->rd.round, t->rq->auth.account_id, &mine);
    if (st == DB_NOT_FOUND) {
        return api_refuse(&t->refusal.r, API_E_NOT_FOUND, "you committed no randomness here");
    }
    if (st != DB_OK) {
        return st;
    }
    if (mine.value != NULL) {
        return api_refuse(&t->refusal.r, API_E_RANDOMNESS_TAKEN, "already revealed");
    }
    struct draw_reveal rv;
    memcpy(rv.value, t->bytes, 32);
    if (!sel_unhex32(mine.commitment, rv.commitment)) {
        return DB_HARD_ERROR;
    }
    if (!draw_reveal_opens(&rv)) {
        return api_refuse(&t->refusal.r, API_E_VALIDATION,
                          "value: SHA-256 of the value is not your commitment");
    }
    const char *value_hex = sel_hex(a, t->bytes, 32);
    st = db_randomness_reveal(c, a, t->sid, v->rd.round, t->rq->auth.account_id, value_hex);
    if (st != DB_OK) {
        return st;
    }
    t->commitment = mine.commitment;
    json_t *data = json_pack("{s:s, s:i, s:s, s:s}", "selection", sel_id_str(a, t->sid), "round",
                             v->rd.round, "commitment", mine.commitment, "value", value_hex);
    st = api_audit_append(c, a, v->sel.assembly_id, t->rq->auth.account_id,
                          "selection.randomness_revealed", data);
    json_decref(data);
    return st;
}

static enum db_status rand_cb(struct db_conn *c, void *cls)
{
    struct rand_txn *t = cls;
    struct sel_view v;
    /* A share lock: members' commits and reveals run side by side (each
     * touches its own row), but a step of the selection (the draw) waits
     * for one that began before it and then sees it, so the seed never
     * misses a reveal the record lists. */
    enum db_status st =
        sel_gate_txn(c, t->rq, t->sid, DB_SEL_SHARE, AUTHZ_SELECTION_RANDOMNESS, &v, &t->refusal.r);
    if (st != DB_OK) {
        return st;
    }
    t->round = v.rd.round;
    return t->reveal ? rand_reveal(c, t, &v) : rand_commit(c, t, &v);
}

static bool hex64_ok(const char *s, size_t len)
{
    uint8_t b[32];
    return len == 64 && base_hex_decode(s, 64, b, 32) == 0;
}

struct rand_body {
    const char *hex;
};

/* The commitment (POST …/randomness) and the reveal (…/randomness/reveal). */
#define RAND_FIELD(n)                                                                              \
    {                                                                                              \
        .name = (n), .type = DECODE_STRING, .required = true, .format = "hex256",                  \
        .format_ok = hex64_ok, .offset = offsetof(struct rand_body, hex)                           \
    }
static const struct decode_field rand_commit_fields[] = {RAND_FIELD("commitment")};
static const struct decode_field rand_reveal_fields[] = {RAND_FIELD("value")};
static const struct decode_spec rand_specs[2] = {DECODE_SPEC(rand_commit_fields),
                                                 DECODE_SPEC(rand_reveal_fields)};

static int rand_run(struct api_req *rq, struct api_reply *out, bool reveal)
{
    struct rand_txn *t = arena_calloc(rq->arena, 1, sizeof *t);
    t->rq = rq;
    t->reveal = reveal;
    if (api_param_id(rq, "sid", &t->sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct rand_body b = {0};
    if (decode_or_fail(rq, out, &rand_specs[reveal ? 1 : 0], &b) != 0) {
        return 0;
    }
    (void)sel_unhex32(b.hex, t->bytes);
    enum db_status st = db_run_txn(rq->db, reveal ? "selection_reveal" : "selection_randomness",
                                   rand_cb, rand_reset, t);
    if (st != DB_OK) {
        return sel_reply_problem(out, st, &t->refusal);
    }
    json_t *j = json_pack("{s:i, s:s, s:b}", "round", t->round, "commitment", t->commitment,
                          "revealed", reveal);
    return api_reply_json(out, reveal ? 200 : 201, j);
}

/* POST /api/v1/selections/{sid}/randomness {commitment}: SHA-256 of the
 * caller's secret 32 bytes, before commit_until. */
int api_selections_randomness(struct api_req *rq, struct api_reply *out)
{
    return rand_run(rq, out, false);
}

/* POST /api/v1/selections/{sid}/randomness/reveal {value}: the secret,
 * between commit_until and reveal_until, once the lottery is published. */
int api_selections_reveal(struct api_req *rq, struct api_reply *out)
{
    return rand_run(rq, out, true);
}

/* --- draw ----------------------------------------------------------------------------------- */

/* The root of assembly aid's log at `size` leaves, from stored subtrees. */
static enum db_status log_root_at(struct db_conn *c, struct arena *a, int64_t aid, int64_t size,
                                  uint8_t root[32])
{
    struct merkle_plan *plan = arena_calloc(a, 1, sizeof *plan);
    if (merkle_root_plan((uint64_t)size, plan) != AUDIT_OK) {
        return DB_HARD_ERROR;
    }
    uint8_t *hashes = arena_calloc(a, (size_t)plan->n + 1, 32);
    enum db_status st = DB_OK;
    if (plan->n > 0) {
        st = db_audit_nodes(c, a, aid, plan->n, plan->level, plan->index, hashes);
    }
    if (st != DB_OK) {
        return st;
    }
    for (unsigned i = 0; i < plan->n; i++) {
        memcpy(plan->hash[i], hashes + (size_t)i * 32, 32);
        plan->have[i] = 1;
    }
    struct merkle_store s = merkle_plan_store(plan);
    return merkle_root(&s, (uint64_t)size, root) == AUDIT_OK ? DB_OK : DB_HARD_ERROR;
}

struct draw_txn {
    struct api_req *rq;
    int64_t sid;
    struct sel_refusal refusal;
    json_t *reply;
};

static void draw_reset(void *cls)
{
    struct draw_txn *t = cls;
    sel_refusal_clear(&t->refusal);
    json_decref(t->reply);
    t->reply = NULL;
}

static enum db_status draw_cb(struct db_conn *c, void *cls)
{
    struct draw_txn *t = cls;
    struct arena *a = t->rq->arena;
    struct sel_view v;
    enum db_status st =
        sel_gate_txn(c, t->rq, t->sid, DB_SEL_UPDATE, AUTHZ_MANAGE_SELECTION, &v, &t->refusal.r);
    if (st != DB_OK) {
        return st;
    }
    if (!sel_status_is(&v, "published")) {
        return sel_refuse_state(&t->refusal, sel_only_published,
                                "draw once the lottery is published");
    }
    struct db_sel_randomness *rnd;
    int nrnd;
    st = db_randomness_list(c, a, t->sid, v.rd.round, &rnd, &nrnd);
    if (st != DB_OK) {
        return st;
    }
    int revealed = 0;
    for (int i = 0; i < nrnd; i++) {
        revealed += rnd[i].value != NULL;
    }
    if (!v.rd.reveal_closed && !(v.rd.commit_closed && revealed == nrnd)) {
        return api_refuse(&t->refusal.r, API_E_SELECTION_DEADLINE,
                          "draw after reveal_until, or once every commitment is revealed");
    }
    /* Beacon: the log's root at the size ending with the publish entry. */
    int64_t bsize;
    st = db_selection_entry_seq(c, a, v.sel.assembly_id, "selection.published", t->sid, v.rd.round,
                                &bsize);
    if (st != DB_OK) {
        return st == DB_NOT_FOUND ? DB_HARD_ERROR : st;
    }
    uint8_t beacon[32], seed[32];
    st = log_root_at(c, a, v.sel.assembly_id, bsize, beacon);
    if (st != DB_OK) {
        return st;
    }
    struct draw_reveal *rv = arena_calloc(a, (size_t)revealed + 1, sizeof *rv);
    json_t *dropped = json_array();
    arena_defer(a, (void (*)(void *))json_decref, dropped);
    int nrv = 0;
    for (int i = 0; i < nrnd; i++) {
        if (rnd[i].value == NULL) {
            json_array_append_new(dropped, json_string(rnd[i].commitment));
            continue;
        }
        if (!sel_unhex32(rnd[i].commitment, rv[nrv].commitment) ||
            !sel_unhex32(rnd[i].value, rv[nrv].value)) {
            return DB_HARD_ERROR;
        }
        nrv++;
    }
    draw_reveals_sort(rv, (size_t)nrv);
    uint32_t index;
    if (draw_seed(beacon, rv, (size_t)nrv, seed) != DRAW_OK ||
        draw_index(seed, (uint32_t)v.rd.m, &index, NULL) != DRAW_OK) {
        return DB_HARD_ERROR;
    }
    json_t *lot = sel_json(a, v.rd.lottery);
    json_t *chosen = json_array_get(json_object_get(lot, "panels"), index);
    struct round_pool p;
    st = round_pool_load(c, a, &v, &p);
    if (st != DB_OK) {
        return st;
    }
    json_t *names = json_array(), *invites = json_array();
    arena_defer(a, (void (*)(void *))json_decref, names);
    arena_defer(a, (void (*)(void *))json_decref, invites);
    int64_t exp = t->rq->now_us / 1000000 + SEL_INVITE_SECS;
    for (size_t j = 0; j < json_array_size(chosen); j++) {
        json_int_t x = json_integer_value(json_array_get(chosen, j));
        if (x < 0 || x >= p.n) {
            return DB_HARD_ERROR;
        }
        const struct db_respondent *r = &p.pool[p.el[x]];
        json_array_append_new(names, json_string(r->pseudonym));
        int64_t inv_id = 0;
        if (r->account_id > 0 || r->email != NULL) {
            /* A retried body makes new codes: only the committed ones are
             * in the reply. */
            char code[PNYX_TOKEN_CHARS + 1];
            uint8_t hash[PNYX_SHA256_BYTES];
            pnyx_crypto_token_new(code, hash);
            struct db_invitation inv = {
                .role = "member", .max_uses = 1, .expires_at = sel_utc(a, exp)};
            st = db_invitation_insert(c, a, v.sel.assembly_id, hash, t->rq->auth.account_id, &inv);
            if (st != DB_OK) {
                return st;
            }
            inv_id = inv.id;
            json_array_append_new(
                invites,
                json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "pseudonym", r->pseudonym, "code", code,
                          "accept_path", arena_printf(a, "/api/v1/invitations/%s/accept", code),
                          "name", r->name ? json_string(r->name) : json_null(), "email",
                          r->email ? json_string(r->email) : json_null(), "account_id",
                          r->account_id > 0 ? json_string(sel_id_str(a, r->account_id))
                                            : json_null()));
        }
        st = db_pool_select(c, a, t->sid, r->idx, v.rd.round, inv_id);
        if (st != DB_OK) {
            return st == DB_NOT_FOUND ? DB_HARD_ERROR : st;
        }
    }
    const char *seed_hex = sel_hex(a, seed, 32), *beacon_hex = sel_hex(a, beacon, 32);
    st = db_round_draw(c, a, t->sid, v.rd.round, bsize, beacon_hex, seed_hex, (int)index,
                       dump(a, chosen));
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:i, s:{s:I, s:s}, s:i, s:O, s:s, s:i, s:O, s:i}", "selection",
                             sel_id_str(a, t->sid), "round", v.rd.round, "beacon", "log_size",
                             (json_int_t)bsize, "root", beacon_hex, "reveals", nrv, "dropped",
                             dropped, "seed", seed_hex, "index", (int)index, "panel", names,
                             "invitations", (int)json_array_size(invites));
    st = api_audit_append(c, a, v.sel.assembly_id, t->rq->auth.account_id, "selection.drawn", data);
    json_decref(data);
    if (st == DB_OK) {
        t->reply = json_pack("{s:i, s:s, s:i, s:O, s:O, s:{s:I, s:s}}", "round", v.rd.round, "seed",
                             seed_hex, "index", (int)index, "panel", names, "invitations", invites,
                             "beacon", "log_size", (json_int_t)bsize, "root", beacon_hex);
        st = t->reply != NULL ? DB_OK : DB_HARD_ERROR;
    }
    return st;
}

/* POST /api/v1/selections/{sid}/draw: seed from the beacon and the
 * revealed values, index, panel; invitations (member, single use, 30
 * days) for the selected who have an account or an e-mail: their codes
 * are in this reply only, for the convener to send. */
int api_selections_draw(struct api_req *rq, struct api_reply *out)
{
    struct draw_txn *t = arena_calloc(rq->arena, 1, sizeof *t);
    t->rq = rq;
    if (api_param_id(rq, "sid", &t->sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    enum db_status st = db_run_txn(rq->db, "selection_draw", draw_cb, draw_reset, t);
    if (st != DB_OK) {
        json_decref(t->reply);
        return sel_reply_problem(out, st, &t->refusal);
    }
    api_reply_json(out, 200, t->reply);
    api_reply_header(out, "Cache-Control", "no-store");
    return 0;
}

/* --- DRAW.json -------------------------------------------------------------------------------- */

/* The public record of v's round (published or drawn), read on c:
 * pnyx-draw/3 — no respondent's values nor household; each panel's quota
 * counts sealed by a commitment, the drawn panel's counts and salt once
 * drawn (api-spec/draw.md "What is public"). A round published before is
 * served as it was hashed: pnyx-draw/2 (every panel's counts) or /1 (every
 * respondent's values). */
static json_t *draw_document(struct db_conn *c, struct arena *a, const struct sel_view *v,
                             enum db_status *st)
{
    struct round_pool p;
    struct db_sel_randomness *rnd = NULL;
    int nrnd = 0;
    *st = round_pool_load(c, a, v, &p);
    if (*st == DB_OK) {
        *st = db_randomness_list(c, a, v->sel.id, v->rd.round, &rnd, &nrnd);
    }
    if (*st != DB_OK) {
        return NULL;
    }
    json_t *probs = sel_json(a, v->rd.probabilities);
    json_t *optimum = sel_json(a, v->rd.optimum);
    json_t *lot = sel_json(a, v->rd.lottery);
    json_t *counts = json_object_get(lot, "counts");
    json_t *sealed = json_object_get(lot, "count_commitments");
    int version = json_is_array(sealed) ? 3 : json_is_array(counts) ? 2 : 1;
    bool v2 = version >= 2, broken = false;
    json_t *resp = json_array();
    for (int x = 0; x < p.n; x++) {
        const struct db_respondent *r = &p.pool[p.el[x]];
        json_t *row = json_pack("{s:s, s:s, s:O, s:O}", "pseudonym", r->pseudonym, "commitment",
                                r->commitment, "probability", json_array_get(probs, (size_t)x),
                                "optimum", json_array_get(optimum, (size_t)x));
        if (!v2 && row != NULL) {
            json_t *vals = json_loads(r->vals, 0, NULL);
            json_object_set_new(row, "values", vals ? vals : json_array());
            json_object_set_new(row, "household",
                                r->household ? json_string(r->household) : json_null());
        }
        json_array_append_new(resp, row);
    }
    json_t *quotas = json_array();
    for (size_t q = 0; q < json_array_size(v->quotas); q++) {
        json_array_append(quotas, json_array_get(v->quotas, q));
    }
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:i, s:i, s:O, s:o, s:o, s:s, "
        "s:{s:s, s:s, s:s, s:o}, s:{s:O, s:O, s:s}}",
        "format",
        version == 3   ? CODEC_DRAW_FORMAT
        : version == 2 ? CODEC_DRAW_FORMAT_V2
                       : CODEC_DRAW_FORMAT_V1,
        "assembly", sel_id_str(a, v->sel.assembly_id), "selection", sel_id_str(a, v->sel.id),
        "round", v->rd.round, "title", v->sel.title, "rules_version", v->rd.rules_version, "method",
        v->rd.method, "k", v->rd.k, "m", v->rd.m, "categories", v->cats, "quotas", quotas,
        "respondents", resp, "commitment_root", v->rd.commitment_root, "randomness", "rule",
        SEL_SEED_RULE, "commit_until", v->rd.commit_until, "reveal_until", v->rd.reveal_until,
        "beacon",
        v->rd.beacon_size > 0 ? json_pack("{s:I, s:s}", "log_size", (json_int_t)v->rd.beacon_size,
                                          "root", v->rd.beacon_root)
                              : json_null(),
        "lottery", "panels", json_object_get(lot, "panels"), "certificate",
        json_object_get(lot, "certificate") ? json_object_get(lot, "certificate") : json_null(),
        "sha256", v->rd.lottery_sha256);
    if (doc == NULL) {
        *st = DB_HARD_ERROR;
        return NULL;
    }
    json_t *reveals = json_array(), *dropped = json_array();
    for (int i = 0; i < nrnd; i++) {
        if (rnd[i].value != NULL) {
            json_array_append_new(reveals, json_pack("{s:s, s:s}", "commitment", rnd[i].commitment,
                                                     "value", rnd[i].value));
        } else {
            json_array_append_new(dropped, json_string(rnd[i].commitment));
        }
    }
    bool drawn = strcmp(v->rd.status, "drawn") == 0;
    json_t *panel = sel_json(a, v->rd.panel);
    json_t *names = json_array();
    for (size_t j = 0; drawn && j < json_array_size(panel); j++) {
        json_int_t x = json_integer_value(json_array_get(panel, j));
        json_array_append_new(names, json_string(x >= 0 && x < p.n ? p.resp[x].pseudonym : ""));
    }
    if (version == 2) {
        json_object_set(json_object_get(doc, "lottery"), "counts", counts);
    } else if (version == 3) {
        json_object_set(json_object_get(doc, "lottery"), "count_commitments", sealed);
        /* Only the drawn panel's counts and salt, and only once drawn. */
        json_t *pc = json_null();
        if (drawn) {
            size_t x = (size_t)v->rd.draw_index;
            json_t *salt = json_array_get(json_object_get(lot, "count_salts"), x);
            json_t *cnt = json_array_get(counts, x);
            pc = json_pack("{s:O, s:O}", "counts", cnt, "salt", salt);
            broken = pc == NULL; /* a stored lottery without them */
        }
        json_object_set_new(doc, "panel_counts", pc != NULL ? pc : json_null());
    }
    json_object_set_new(doc, "reveals", reveals);
    json_object_set_new(doc, "dropped", dropped);
    json_object_set_new(doc, "seed", drawn ? json_string(v->rd.seed) : json_null());
    json_object_set_new(doc, "index", drawn ? json_integer(v->rd.draw_index) : json_null());
    json_object_set(doc, "panel", drawn ? panel : json_null());
    json_object_set_new(doc, "panel_pseudonyms", drawn ? names : json_null());
    if (!drawn) {
        json_decref(names);
    }
    if (broken) {
        json_decref(doc);
        *st = DB_HARD_ERROR;
        return NULL;
    }
    return doc;
}

/* GET /api/v1/selections/{sid}/draw.json[?round=N]: the round's public
 * record (pnyx-draw/3), once published; seed, index, panel and its counts
 * once drawn.
 * What `pnyx-sortition --verify` checks. */
int api_selections_draw_json(struct api_req *rq, struct api_reply *out)
{
    int64_t sid;
    uint64_t r = 0;
    struct sel_view v;
    if (api_param_id(rq, "sid", &sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    int rc = api_query_u64(rq, "round", &r);
    if (rc < 0 || r > 10000) {
        return api_problem(out, API_E_BAD_REQUEST, "round: a round number");
    }
    if (sel_gate(rq, out, sid, rc == 1 ? (int)r : -1, AUTHZ_READ_SELECTION, &v) != 0) {
        return 0;
    }
    if (!sel_status_is(&v, "published") && !sel_status_is(&v, "drawn")) {
        static const char *const pub_drawn[] = {"published", "drawn", NULL};
        struct sel_refusal ref = {.allowed = NULL};
        return sel_reply_problem(
            out, sel_refuse_state(&ref, pub_drawn, "nothing is published in this round yet"), &ref);
    }
    enum db_status st;
    json_t *doc = draw_document(rq->db, rq->arena, &v, &st);
    if (doc == NULL) {
        return api_problem_db(out, st);
    }
    return api_reply_json(out, 200, doc);
}

/* --- a respondent's own check ------------------------------------------------------------ */

/* GET /api/v1/selections/{sid}/commitment?pseudonym=&salt=: with their
 * salt, a respondent sees their own row as committed (values, commitment),
 * its inclusion proof in each round's commitment root, and their
 * probability — nothing about anyone else. A wrong salt is the same 404 as
 * an unknown pseudonym. */
int api_selections_check(struct api_req *rq, struct api_reply *out)
{
    int64_t sid;
    struct sel_view v;
    if (api_param_id(rq, "sid", &sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    const char *pid = api_query(rq, "pseudonym"), *salt_hex = api_query(rq, "salt");
    uint8_t salt[32];
    if (pid == NULL || salt_hex == NULL || strlen(pid) > 64 || !sel_unhex32(salt_hex, salt)) {
        return api_problem(out, API_E_BAD_REQUEST, "pseudonym and salt (64 hex digits) needed");
    }
    if (sel_gate(rq, out, sid, -1, AUTHZ_READ_SELECTION, &v) != 0) {
        return 0;
    }
    struct arena *a = rq->arena;
    struct db_respondent me;
    enum db_status st = db_pool_by_pseudonym(rq->db, a, sid, pid, &me);
    if (st == DB_NOT_FOUND) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *vals = sel_json(a, me.vals);
    size_t ncat = json_array_size(v.cats);
    const char **names = arena_calloc(a, ncat + 1, sizeof *names);
    const char **values = arena_calloc(a, ncat + 1, sizeof *values);
    json_t *vobj = json_object();
    for (size_t i = 0; i < ncat; i++) {
        names[i] = json_string_value(json_array_get(v.cats, i));
        values[i] = json_string_value(json_array_get(vals, i));
        json_object_set_new(vobj, names[i], json_string(values[i] ? values[i] : ""));
    }
    struct draw_respondent dr = {
        .pseudonym = me.pseudonym, .values = values, .household = me.household};
    uint8_t got[32], stored[32];
    if (draw_commitment(salt, &dr, ncat, names, got) != DRAW_OK ||
        !sel_unhex32(me.commitment, stored) || !pnyx_crypto_equal(got, stored, 32)) {
        json_decref(vobj);
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    json_t *rounds = json_array();
    for (int r = 0; r <= v.sel.current_round; r++) {
        struct sel_view rv;
        st = sel_load(rq->db, a, sid, DB_SEL_NOLOCK, r, &rv);
        if (st != DB_OK || rv.rd.commitment_root == NULL) {
            continue;
        }
        struct round_pool p;
        if (round_pool_load(rq->db, a, &rv, &p) != DB_OK) {
            continue;
        }
        int pos = -1;
        for (int x = 0; x < p.n && pos < 0; x++) {
            pos = p.pool[p.el[x]].idx == me.idx ? x : -1;
        }
        if (pos < 0) {
            continue;
        }
        uint8_t proof[64][32];
        size_t plen = 0;
        if (draw_commitment_proof((const uint8_t(*)[32])p.commit, (size_t)p.n, (size_t)pos, proof,
                                  64, &plen) != DRAW_OK) {
            continue;
        }
        json_t *pj = json_array();
        for (size_t i = 0; i < plen; i++) {
            json_array_append_new(pj, json_string(sel_hex(a, proof[i], 32)));
        }
        json_t *probs = sel_json(a, rv.rd.probabilities), *opt = sel_json(a, rv.rd.optimum);
        json_t *pr = json_array_get(probs, (size_t)pos), *op = json_array_get(opt, (size_t)pos);
        json_array_append_new(rounds,
                              json_pack("{s:i, s:s, s:i, s:i, s:s, s:o, s:O, s:O, s:b}", "round", r,
                                        "status", rv.rd.status, "position", pos, "size", p.n,
                                        "commitment_root", rv.rd.commitment_root, "proof", pj,
                                        "probability", pr ? pr : json_null(), "optimum",
                                        op ? op : json_null(), "selected", me.selected_round == r));
    }
    json_t *j = json_pack("{s:s, s:o, s:b, s:s, s:s, s:o}", "pseudonym", me.pseudonym, "values",
                          vobj, "household", me.household != NULL, "commitment", me.commitment,
                          "status", me.status, "rounds", rounds);
    api_reply_json(out, 200, j);
    api_reply_header(out, "Cache-Control", "no-store");
    return 0;
}

/* --- declines and replacements ------------------------------------------------------------ */

struct decline_txn {
    struct api_req *rq;
    int64_t sid;
    const char *pseudonym;
    struct sel_refusal refusal;
};

static void decline_reset(void *cls)
{
    struct decline_txn *t = cls;
    sel_refusal_clear(&t->refusal);
}

static enum db_status decline_cb(struct db_conn *c, void *cls)
{
    struct decline_txn *t = cls;
    struct arena *a = t->rq->arena;
    struct sel_view v;
    enum db_status st =
        sel_gate_txn(c, t->rq, t->sid, DB_SEL_UPDATE, AUTHZ_MANAGE_SELECTION, &v, &t->refusal.r);
    if (st != DB_OK) {
        return st;
    }
    struct db_respondent r;
    st = db_pool_by_pseudonym(c, a, t->sid, t->pseudonym, &r);
    if (st == DB_NOT_FOUND) {
        return api_refuse(&t->refusal.r, API_E_NOT_FOUND, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    if (strcmp(r.status, "selected") != 0) {
        static const char *const selected[] = {"selected", NULL};
        return sel_refuse_state(&t->refusal, selected, "only a selected person can decline");
    }
    st = db_pool_decline(c, a, t->sid, r.idx);
    if (st == DB_OK && r.invitation_id > 0) {
        st = db_invitation_revoke(c, a, r.invitation_id);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:i, s:s}", "selection", sel_id_str(a, t->sid), "round",
                             r.selected_round, "pseudonym", r.pseudonym);
    st = api_audit_append(c, a, v.sel.assembly_id, t->rq->auth.account_id, "selection.declined",
                          data);
    json_decref(data);
    return st;
}

/* POST /api/v1/selections/{sid}/respondents/{pseudonym}/decline: a
 * selected person declined (their invitation is revoked). */
int api_selections_decline(struct api_req *rq, struct api_reply *out)
{
    struct decline_txn t = {.rq = rq, .pseudonym = api_param(rq, "pseudonym")};
    if (api_param_id(rq, "sid", &t.sid) != 0 || t.pseudonym == NULL) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    enum db_status st = db_run_txn(rq->db, "selection_decline", decline_cb, decline_reset, &t);
    if (st != DB_OK) {
        return sel_reply_problem(out, st, &t.refusal);
    }
    return api_reply_json(out, 200,
                          json_pack("{s:s, s:s}", "pseudonym", t.pseudonym, "status", "declined"));
}

struct repl_txn {
    struct api_req *rq;
    int64_t sid;
    struct sel_refusal refusal;
    json_t *reply;
};

static void repl_reset(void *cls)
{
    struct repl_txn *t = cls;
    sel_refusal_clear(&t->refusal);
    json_decref(t->reply);
    t->reply = NULL;
}

static enum db_status repl_cb(struct db_conn *c, void *cls)
{
    struct repl_txn *t = cls;
    struct arena *a = t->rq->arena;
    struct sel_view v, first;
    enum db_status st =
        sel_gate_txn(c, t->rq, t->sid, DB_SEL_UPDATE, AUTHZ_MANAGE_SELECTION, &v, &t->refusal.r);
    if (st != DB_OK) {
        return st;
    }
    if (!sel_status_is(&v, "drawn")) {
        return sel_refuse_state(&t->refusal, sel_only_drawn, "replacements follow a drawn round");
    }
    st = sel_load(c, a, t->sid, DB_SEL_NOLOCK, 0, &first);
    struct db_respondent *pool = NULL;
    int npool = 0;
    if (st == DB_OK) {
        st = db_pool_load(c, a, t->sid, &pool, &npool);
    }
    if (st != DB_OK) {
        return st;
    }
    /* Who stays selected, their households and their count per feature. */
    size_t ncat = json_array_size(first.cats);
    json_t *quotas = json_deep_copy(first.quotas);
    arena_defer(a, (void (*)(void *))json_decref, quotas);
    int selected = 0;
    for (int i = 0; i < npool; i++) {
        if (strcmp(pool[i].status, "selected") != 0) {
            continue;
        }
        selected++;
        json_t *vals = sel_json(a, pool[i].vals);
        for (size_t q = 0; q < json_array_size(quotas); q++) {
            json_t *row = json_array_get(quotas, q);
            const char *cat = json_string_value(json_object_get(row, "category"));
            for (size_t ci = 0; ci < ncat; ci++) {
                if (strcmp(json_string_value(json_array_get(first.cats, ci)), cat) == 0 &&
                    strcmp(json_string_value(json_array_get(vals, ci)),
                           json_string_value(json_object_get(row, "feature"))) == 0) {
                    json_int_t mn = json_integer_value(json_object_get(row, "min"));
                    json_int_t mx = json_integer_value(json_object_get(row, "max"));
                    json_object_set_new(row, "min", json_integer(mn > 0 ? mn - 1 : 0));
                    json_object_set_new(row, "max", json_integer(mx > 0 ? mx - 1 : 0));
                }
            }
        }
    }
    int k = first.rd.k - selected;
    if (k <= 0) {
        return api_refuse(&t->refusal.r, API_E_SELECTION_STATE,
                          "the panel is complete: nobody to replace");
    }
    json_t *eligible = json_array();
    arena_defer(a, (void (*)(void *))json_decref, eligible);
    for (int i = 0; i < npool; i++) {
        bool housemate = false;
        for (int j = 0; j < npool && pool[i].household != NULL && !housemate; j++) {
            housemate = strcmp(pool[j].status, "selected") == 0 && pool[j].household != NULL &&
                        strcmp(pool[j].household, pool[i].household) == 0;
        }
        if (strcmp(pool[i].status, "pool") == 0 && !housemate) {
            json_array_append_new(eligible, json_integer(pool[i].idx));
        }
    }
    int round = v.rd.round + 1;
    st = db_round_insert(c, a, t->sid, round, k, first.rd.method, first.rd.m, dump(a, quotas),
                         dump(a, eligible));
    if (st != DB_OK) {
        return st;
    }
    json_t *data =
        json_pack("{s:s, s:i, s:i, s:I, s:O}", "selection", sel_id_str(a, t->sid), "round", round,
                  "k", k, "eligible", (json_int_t)json_array_size(eligible), "quotas", quotas);
    st = api_audit_append(c, a, v.sel.assembly_id, t->rq->auth.account_id,
                          "selection.replacements_opened", data);
    json_decref(data);
    if (st == DB_OK) {
        st = sel_load(c, a, t->sid, DB_SEL_NOLOCK, round, &v);
    }
    if (st == DB_OK) {
        t->reply = sel_selection_json(c, a, &v, t->rq->auth.account_id);
        st = t->reply != NULL ? DB_OK : DB_HARD_ERROR;
    }
    return st;
}

/* POST /api/v1/selections/{sid}/replacements: a new draft round for the
 * places of those who declined: k = the panel's size minus who stays
 * selected, quotas = the remaining gaps, pool = the rest of the pool
 * without the selected people's households. It is then run, committed,
 * published and drawn like round 0. */
int api_selections_replacements(struct api_req *rq, struct api_reply *out)
{
    struct repl_txn t = {.rq = rq};
    if (api_param_id(rq, "sid", &t.sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    enum db_status st = db_run_txn(rq->db, "selection_replacements", repl_cb, repl_reset, &t);
    if (st != DB_OK) {
        json_decref(t.reply);
        return sel_reply_problem(out, st, &t.refusal);
    }
    return api_reply_json(out, 201, t.reply);
}

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_selection_draw_bodies[] = {
    {"POST /api/v1/selections/{sid}/commit", &commit_spec},
    {"POST /api/v1/selections/{sid}/publish", &publish_spec},
    {"POST /api/v1/selections/{sid}/randomness", &rand_specs[0]},
    {"POST /api/v1/selections/{sid}/randomness/reveal", &rand_specs[1]},
    {NULL, NULL},
};
