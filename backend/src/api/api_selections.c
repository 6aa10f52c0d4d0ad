/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_selections.c — selections by lot in an assembly (issue 14), the
 * verifiable draw of api-spec/draw.md:
 *
 *   draft ──commit──▶ committed ──publish──▶ published ──draw──▶ drawn
 *   (pool, quotas,     (entry: commitment     (entry: lottery     (entry: seed,
 *    k, runs)           root, quotas, k, …,    hash)               index, panel)
 *                       randomness rule)
 *                  members commit randomness until commit_until,
 *                  reveal it until reveal_until (after publishing)
 *
 * A round is one such draw: round 0 the panel, then one round per batch
 * of replacements (the rest of the pool, households of the selected left
 * out, quotas = the remaining gaps). Names and contact details stay in
 * selection_respondents: the log and DRAW.json carry pseudonyms only.
 * Bodies are re-runnable (random pseudonyms, salts and invitation codes are
 * made before the transaction).
 */
#include "api/api_selections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/api_common.h"
#include "api/audit_writer.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "api/selection_int.h"
#include "codec/json/draw.h"
#include "codec/json/resources.h"
#include "core/audit/merkle.h"
#include "core/base/base.h"
#include "core/sortition/draw.h"
#include "core/validate/validate.h"
#include "db/db_account.h"
#include "db/db_assembly.h"
#include "db/db_audit.h"
#include "db/db_invitation.h"
#include "platform/crypto.h"

/* Why these bounds: the largest real pools are a few thousand people (the
 * Sortition Foundation's biggest instance has 1,727); 10,000 leaves room
 * and keeps a run's inputs and DRAW.json within a few MB. 16 categories
 * and 64-byte values are far beyond any quota table in use. */
#define SEL_MAX_POOL  10000
#define SEL_MAX_CATS  16
#define SEL_MAX_VALUE 64
#define SEL_MAX_K     1000
/* Selected people's invitations stay valid this long. */
#define SEL_INVITE_SECS (30LL * 24 * 3600)

/* --- shared helpers (selection_int.h) ------------------------------------------------ */

json_t *sel_json(struct arena *a, const char *text)
{
    if (text == NULL) {
        return NULL;
    }
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    if (j != NULL) {
        arena_defer(a, (void (*)(void *))json_decref, j);
    }
    return j;
}

enum db_status sel_load(struct db_conn *c, struct arena *a, int64_t sid, enum db_sel_lock lock,
                        int round, struct sel_view *v)
{
    memset(v, 0, sizeof *v);
    enum db_status st = db_selection_get(c, a, sid, lock, &v->sel);
    if (st != DB_OK) {
        return st;
    }
    st = db_round_get(c, a, sid, round < 0 ? v->sel.current_round : round, &v->rd);
    if (st != DB_OK) {
        return st;
    }
    v->cats = sel_json(a, v->sel.categories);
    v->quotas = sel_json(a, v->rd.quotas);
    v->eligible = sel_json(a, v->rd.eligible);
    return json_is_array(v->cats) && json_is_array(v->quotas) ? DB_OK : DB_HARD_ERROR;
}

int *sel_eligible(struct arena *a, const struct sel_view *v, int npool, int *n)
{
    int *out = arena_calloc(a, (size_t)npool + 1, sizeof *out);
    *n = 0;
    if (v->eligible == NULL) {
        for (int i = 0; i < npool; i++) {
            out[(*n)++] = i;
        }
        return out;
    }
    for (size_t i = 0; i < json_array_size(v->eligible); i++) {
        json_int_t x = json_integer_value(json_array_get(v->eligible, i));
        if (x >= 0 && x < npool) {
            out[(*n)++] = (int)x;
        }
    }
    return out;
}

int sel_json_sha256_hex(json_t *j, char out[65])
{
    uint8_t h[DRAW_HASH_LEN];
    if (codec_json_jcs_sha256(j, h) != 0) {
        return -1;
    }
    base_hex_encode(h, sizeof h, out);
    return 0;
}

json_t *sel_inputs(struct arena *a, const struct sel_view *v, const char *method,
                   const struct db_respondent *pool, int npool, char sha_hex[65])
{
    int n = 0;
    int *el = sel_eligible(a, v, npool, &n);
    json_t *resp = json_array();
    json_t *idx = json_array();
    for (int x = 0; x < n; x++) {
        const struct db_respondent *r = &pool[el[x]];
        json_t *vals = json_loads(r->vals, 0, NULL);
        json_array_append_new(
            resp, json_pack("{s:o, s:o}", "values", vals ? vals : json_array(), "household",
                            r->household ? json_string(r->household) : json_null()));
        json_array_append_new(idx, json_integer(r->idx));
    }
    json_t *in = json_pack("{s:O, s:O, s:i, s:i, s:s, s:o, s:o}", "categories", v->cats, "quotas",
                           v->quotas, "k", v->rd.k, "m", v->rd.m, "method", method, "respondents",
                           resp, "pool_index", idx);
    if (in == NULL || sel_json_sha256_hex(in, sha_hex) != 0) {
        json_decref(in);
        return NULL;
    }
    return in;
}

enum db_status sel_gate_txn(struct db_conn *c, struct api_req *rq, int64_t sid,
                            enum db_sel_lock lock, enum authz_action action, struct sel_view *v,
                            struct api_refusal *r)
{
    enum db_status st = sel_load(c, rq->arena, sid, lock, -1, v);
    if (st == DB_NOT_FOUND) {
        return api_refuse(r, API_E_NOT_FOUND, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    struct db_standing sd;
    return api_assembly_gate_txn(c, rq, v->sel.assembly_id, action, &sd, r);
}

int sel_gate(struct api_req *rq, struct api_reply *out, int64_t sid, int round,
             enum authz_action action, struct sel_view *v)
{
    enum db_status st = sel_load(rq->db, rq->arena, sid, DB_SEL_NOLOCK, round, v);
    if (st != DB_OK) {
        api_problem_db(out, st);
        return -1;
    }
    struct db_standing sd;
    return api_assembly_gate(rq, out, v->sel.assembly_id, action, &sd);
}

/* --- small helpers --------------------------------------------------------------------- */

const char *sel_hex(struct arena *a, const uint8_t *b, size_t n)
{
    char *s = arena_alloc(a, 2 * n + 1);
    base_hex_encode(b, n, s);
    return s;
}

bool sel_unhex32(const char *s, uint8_t out[32])
{
    return s != NULL && strlen(s) == 64 && base_hex_decode(s, 64, out, 32) == 0;
}

const char *sel_utc(struct arena *a, int64_t t)
{
    char buf[BASE_RFC3339_MAX];
    base_rfc3339_format(t, -1, buf);
    return arena_strdup(a, buf);
}

const char *sel_id_str(struct arena *a, int64_t id)
{
    return arena_printf(a, "%lld", (long long)id);
}

void sel_refusal_clear(struct sel_refusal *r)
{
    api_refusal_clear(&r->r);
    r->allowed = NULL;
}

enum db_status sel_refuse_state(struct sel_refusal *r, const char *const *allowed,
                                const char *detail)
{
    r->allowed = allowed;
    return api_refuse(&r->r, API_E_SELECTION_STATE, detail);
}

int sel_reply_problem(struct api_reply *out, enum db_status st, const struct sel_refusal *r)
{
    api_txn_problem(out, st, &r->r);
    if (st == DB_REFUSED && r->allowed != NULL && out->json != NULL) {
        json_t *allowed = json_array();
        for (size_t i = 0; r->allowed[i] != NULL; i++) {
            json_array_append_new(allowed, json_string(r->allowed[i]));
        }
        json_object_set_new(out->json, "params", json_pack("{s:o}", "allowed", allowed));
    }
    return 0;
}

const char *const sel_only_draft[] = {"draft", NULL};
const char *const sel_only_committed[] = {"committed", NULL};
const char *const sel_committed_published[] = {"committed", "published", NULL};
const char *const sel_only_published[] = {"published", NULL};
const char *const sel_only_drawn[] = {"drawn", NULL};

bool sel_status_is(const struct sel_view *v, const char *s)
{
    return strcmp(v->rd.status, s) == 0;
}

/* The next steps of a round in its state (for the client's buttons). */
static const char *const *next_steps(const struct db_round *rd)
{
    static const char *const draft[] = {"settings", "pool", "run", "commit", NULL};
    static const char *const committed[] = {"run", "publish", "randomness", NULL};
    static const char *const published[] = {"randomness", "reveal", "draw", NULL};
    static const char *const drawn[] = {"decline", "replacements", NULL};
    if (strcmp(rd->status, "draft") == 0) {
        return draft;
    }
    if (strcmp(rd->status, "committed") == 0) {
        return committed;
    }
    if (strcmp(rd->status, "published") == 0) {
        return published;
    }
    return drawn;
}

/* Quotas with the pool count of each feature among the round's eligible
 * respondents, as JSON text. */
static const char *quotas_with_pool(struct arena *a, const struct sel_view *v,
                                    const struct db_respondent *pool, int npool)
{
    int n = 0;
    int *el = sel_eligible(a, v, npool, &n);
    /* Each respondent's values parsed once (not once per quota row). */
    json_t *all = json_array();
    for (int x = 0; x < n; x++) {
        json_t *vals = json_loads(pool[el[x]].vals, 0, NULL);
        json_array_append_new(all, vals != NULL ? vals : json_array());
    }
    json_t *out = json_array();
    for (size_t q = 0; q < json_array_size(v->quotas); q++) {
        json_t *row = json_deep_copy(json_array_get(v->quotas, q));
        const char *cat = json_string_value(json_object_get(row, "category"));
        const char *feat = json_string_value(json_object_get(row, "feature"));
        size_t ci = 0;
        while (ci < json_array_size(v->cats) &&
               strcmp(json_string_value(json_array_get(v->cats, ci)), cat ? cat : "") != 0) {
            ci++;
        }
        json_int_t cnt = 0;
        for (size_t x = 0; x < json_array_size(all) && feat != NULL; x++) {
            const char *val = json_string_value(json_array_get(json_array_get(all, x), ci));
            cnt += val != NULL && strcmp(val, feat) == 0;
        }
        json_object_set_new(row, "pool", json_integer(cnt));
        json_array_append_new(out, row);
    }
    json_decref(all);
    char *s = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    char *r = s != NULL ? arena_strdup(a, s) : NULL;
    free(s);
    return r;
}

/* The selection's JSON with its current round (pool counts from c). */
json_t *sel_selection_json(struct db_conn *c, struct arena *a, const struct sel_view *v,
                           int64_t viewer)
{
    struct db_respondent *pool = NULL;
    int npool = 0;
    struct db_sel_randomness *rnd = NULL;
    int nrnd = 0;
    if (db_pool_load(c, a, v->sel.id, &pool, &npool) != DB_OK ||
        db_randomness_list(c, a, v->sel.id, v->rd.round, &rnd, &nrnd) != DB_OK) {
        return NULL;
    }
    int64_t revealed = 0;
    const struct db_sel_randomness *mine = NULL;
    for (int i = 0; i < nrnd; i++) {
        revealed += rnd[i].value != NULL;
        if (viewer > 0 && rnd[i].account_id == viewer) {
            mine = &rnd[i];
        }
    }
    int nel = 0;
    (void)sel_eligible(a, v, npool, &nel);
    /* The panel as pseudonyms (positions in the eligible list stored). */
    const char *panel_json = NULL;
    json_t *panel = sel_json(a, v->rd.panel);
    if (json_is_array(panel)) {
        int ne = 0;
        int *el = sel_eligible(a, v, npool, &ne);
        json_t *names = json_array();
        for (size_t j = 0; j < json_array_size(panel); j++) {
            json_int_t x = json_integer_value(json_array_get(panel, j));
            if (x >= 0 && x < ne) {
                json_array_append_new(names, json_string(pool[el[x]].pseudonym));
            }
        }
        char *s = json_dumps(names, JSON_COMPACT);
        json_decref(names);
        panel_json = s ? arena_strdup(a, s) : NULL;
        free(s);
    }
    struct selection_round_record rr = {
        .round = v->rd.round,
        .status = v->rd.status,
        .k = v->rd.k,
        .method = v->rd.method,
        .m = v->rd.m,
        .quotas_json = quotas_with_pool(a, v, pool, npool),
        .eligible = nel,
        .rules_version = v->rd.rules_version,
        .commitment_root = v->rd.commitment_root,
        .commit_until = v->rd.commit_until,
        .reveal_until = v->rd.reveal_until,
        .committed_at = v->rd.committed_at,
        .lottery_sha256 = v->rd.lottery_sha256,
        .published_at = v->rd.published_at,
        .randomness_committed = nrnd,
        .randomness_revealed = revealed,
        .my_commitment = mine != NULL ? mine->commitment : NULL,
        .my_revealed = mine != NULL && mine->value != NULL,
        .beacon_size = v->rd.beacon_size,
        .beacon_root = v->rd.beacon_root,
        .seed = v->rd.seed,
        .index = v->rd.draw_index,
        .panel_json = panel_json,
        .drawn_at = v->rd.drawn_at,
        .allowed = next_steps(&v->rd),
    };
    struct selection_record sr = {
        .id = v->sel.id,
        .assembly_id = v->sel.assembly_id,
        .title = v->sel.title,
        .categories_json = v->sel.categories,
        .household = v->sel.household,
        .call_open = v->sel.call_open,
        .created_by = v->sel.created_by,
        .created_at = v->sel.created_at,
        .updated_at = v->sel.updated_at,
        .pool_size = npool,
        .round = &rr,
    };
    return codec_selection_json(&sr);
}

/* --- create, list, get ------------------------------------------------------------------- */

struct create_body {
    const char *title;
    json_t *categories;
    struct decode_bool household;
};

static const struct decode_field create_fields[] = {
    {.name = "title",
     .type = DECODE_STRING,
     .required = true,
     .text = DECODE_TEXT_TITLE,
     .min_chars = 1,
     .max_chars = 200,
     .offset = offsetof(struct create_body, title)},
    {.name = "categories",
     .type = DECODE_STRING_LIST,
     .required = true,
     .text = DECODE_TEXT_TITLE,
     .min_chars = 1,
     .max_chars = SEL_MAX_VALUE,
     .min_items = 1,
     .max_items = SEL_MAX_CATS,
     .unique_ci = true,
     .offset = offsetof(struct create_body, categories)},
    {.name = "household",
     .type = DECODE_BOOLEAN,
     .offset = offsetof(struct create_body, household)},
};
static const struct decode_spec create_spec = DECODE_SPEC(create_fields);

struct create_txn {
    struct api_req *rq;
    int64_t aid;
    const char *title;
    const char *categories; /* JSON text, "country" first */
    bool household;
    struct sel_refusal refusal;
    struct sel_view v;
    json_t *reply;
};

static void create_reset(void *cls)
{
    struct create_txn *t = cls;
    sel_refusal_clear(&t->refusal);
    json_decref(t->reply);
    t->reply = NULL;
}

static enum db_status create_cb(struct db_conn *c, void *cls)
{
    struct create_txn *t = cls;
    struct arena *a = t->rq->arena;
    struct db_standing sd;
    enum db_status st =
        api_assembly_gate_txn(c, t->rq, t->aid, AUTHZ_MANAGE_SELECTION, &sd, &t->refusal.r);
    if (st != DB_OK) {
        return st;
    }
    struct db_selection sel;
    st = db_selection_insert(c, a, t->aid, t->title, t->categories, t->household,
                             t->rq->auth.account_id, &sel);
    if (st == DB_OK) {
        st = sel_load(c, a, sel.id, DB_SEL_NOLOCK, 0, &t->v);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:s, s:O, s:b}", "selection", sel_id_str(a, sel.id), "title",
                             t->title, "categories", t->v.cats, "household", t->household);
    st = api_audit_append(c, a, t->aid, t->rq->auth.account_id, "selection.created", data);
    json_decref(data);
    if (st == DB_OK) {
        t->reply = sel_selection_json(c, a, &t->v, t->rq->auth.account_id);
        st = t->reply != NULL ? DB_OK : DB_HARD_ERROR;
    }
    return st;
}

/* POST /api/v1/assemblies/{aid}/selections {title, categories, household?}:
 * country is always a category (added first when missing). */
int api_selections_create(struct api_req *rq, struct api_reply *out)
{
    struct create_txn t = {.rq = rq};
    if (api_param_id(rq, "aid", &t.aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct create_body b = {0};
    if (decode_or_fail(rq, out, &create_spec, &b) != 0) {
        return 0;
    }
    json_t *cats = json_array();
    arena_defer(rq->arena, (void (*)(void *))json_decref, cats);
    json_array_append_new(cats, json_string("country"));
    for (size_t i = 0; i < json_array_size(b.categories); i++) {
        const char *name = json_string_value(json_array_get(b.categories, i));
        if (strcmp(name, "country") != 0) {
            json_array_append_new(cats, json_string(name));
        }
    }
    char *text = json_dumps(cats, JSON_COMPACT);
    t.categories = text != NULL ? arena_strdup(rq->arena, text) : NULL;
    free(text);
    t.title = b.title;
    t.household = b.household.set && b.household.v;
    enum db_status st = db_run_txn(rq->db, "selection_create", create_cb, create_reset, &t);
    if (st != DB_OK) {
        json_decref(t.reply);
        return sel_reply_problem(out, st, &t.refusal);
    }
    return api_reply_json(out, 201, t.reply);
}

/* GET /api/v1/assemblies/{aid}/selections: keyset-paged by id. */
int api_selections_list(struct api_req *rq, struct api_reply *out)
{
    int64_t aid, after;
    int limit;
    if (api_param_id(rq, "aid", &aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct db_standing sd;
    if (api_assembly_gate(rq, out, aid, AUTHZ_READ_SELECTION, &sd) != 0 ||
        api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    struct db_selection *items;
    int n;
    enum db_status st = db_selection_list(rq->db, rq->arena, aid, after, limit, &items, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        struct sel_view v;
        st = sel_load(rq->db, rq->arena, items[i].id, DB_SEL_NOLOCK, -1, &v);
        json_t *j =
            st == DB_OK ? sel_selection_json(rq->db, rq->arena, &v, rq->auth.account_id) : NULL;
        if (j == NULL) {
            json_decref(arr);
            return api_problem_db(out, st == DB_OK ? DB_HARD_ERROR : st);
        }
        json_array_append_new(arr, j);
    }
    return api_page_reply(out, arr, n, limit, n > 0 ? items[n - 1].id : 0, NULL);
}

/* ?round=N (default: the current round). 0, or -1 after a 404. */
static int round_param(struct api_req *rq, struct api_reply *out, int *round)
{
    uint64_t r = 0;
    int rc = api_query_u64(rq, "round", &r);
    if (rc < 0 || r > 10000) {
        api_problem(out, API_E_BAD_REQUEST, "round: a round number");
        return -1;
    }
    *round = rc == 1 ? (int)r : -1;
    return 0;
}

/* GET /api/v1/selections/{sid}[?round=N] */
int api_selections_get(struct api_req *rq, struct api_reply *out)
{
    int64_t sid;
    int round;
    struct sel_view v;
    if (api_param_id(rq, "sid", &sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (round_param(rq, out, &round) != 0 ||
        sel_gate(rq, out, sid, round, AUTHZ_READ_SELECTION, &v) != 0) {
        return 0;
    }
    json_t *j = sel_selection_json(rq->db, rq->arena, &v, rq->auth.account_id);
    return j != NULL ? api_reply_json(out, 200, j) : api_problem_db(out, DB_HARD_ERROR);
}

/* --- settings ----------------------------------------------------------------------------- */

struct patch_body {
    const char *title;
    struct decode_int k;
    const char *method;
    struct decode_int m;
    struct decode_bool call_open;
};

static const char *const methods[] = {"leximin", "maximin", "legacy", NULL};
static const struct decode_field patch_fields[] = {
    {.name = "title",
     .type = DECODE_STRING,
     .text = DECODE_TEXT_TITLE,
     .min_chars = 1,
     .max_chars = 200,
     .offset = offsetof(struct patch_body, title)},
    {.name = "k",
     .type = DECODE_INTEGER,
     .int_range = true,
     .min = 1,
     .max = SEL_MAX_K,
     .offset = offsetof(struct patch_body, k)},
    {.name = "method",
     .type = DECODE_STRING,
     .one_of = methods,
     .offset = offsetof(struct patch_body, method)},
    {.name = "m",
     .type = DECODE_INTEGER,
     .int_range = true,
     .min = 1,
     .max = 100000,
     .offset = offsetof(struct patch_body, m)},
    {.name = "call_open", .type = DECODE_BOOLEAN, .offset = offsetof(struct patch_body, call_open)},
};

static const struct decode_spec patch_spec = {
    .fields = patch_fields, .n = PNYX_ARRAY_LEN(patch_fields), .need_one = false};

struct patch_txn {
    struct api_req *rq;
    int64_t sid;
    struct patch_body b;
    const char *quotas; /* JSON text or NULL */
    struct sel_refusal refusal;
    struct sel_view v;
    json_t *reply;
};

static void patch_reset(void *cls)
{
    struct patch_txn *t = cls;
    sel_refusal_clear(&t->refusal);
    json_decref(t->reply);
    t->reply = NULL;
}

/* Every quota's category is one of the selection's. */
static bool quotas_fit(const struct sel_view *v, const char *quotas_json, struct arena *a)
{
    json_t *q = sel_json(a, quotas_json);
    for (size_t i = 0; i < json_array_size(q); i++) {
        const char *cat = json_string_value(json_object_get(json_array_get(q, i), "category"));
        bool found = false;
        for (size_t c = 0; c < json_array_size(v->cats) && !found; c++) {
            found = cat != NULL && strcmp(json_string_value(json_array_get(v->cats, c)), cat) == 0;
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

static enum db_status patch_cb(struct db_conn *c, void *cls)
{
    struct patch_txn *t = cls;
    struct arena *a = t->rq->arena;
    enum db_status st =
        sel_gate_txn(c, t->rq, t->sid, DB_SEL_UPDATE, AUTHZ_MANAGE_SELECTION, &t->v, &t->refusal.r);
    if (st != DB_OK) {
        return st;
    }
    bool round_change = t->b.k.set || t->b.method || t->b.m.set || t->quotas;
    if (round_change && !sel_status_is(&t->v, "draft")) {
        return sel_refuse_state(&t->refusal, sel_only_draft,
                                "quotas, k, method and m are fixed at commit");
    }
    if (t->quotas != NULL && !quotas_fit(&t->v, t->quotas, a)) {
        return api_refuse(&t->refusal.r, API_E_VALIDATION,
                          "quotas: every category must be one of the selection's");
    }
    if (t->b.title || t->b.call_open.set) {
        st = db_selection_update(c, a, t->sid, t->b.title,
                                 t->b.call_open.set ? (int)t->b.call_open.v : -1);
    }
    if (st == DB_OK && round_change) {
        st = db_round_settings(c, a, t->sid, t->v.rd.round, t->b.k.set ? (int)t->b.k.v : 0,
                               t->b.method, t->b.m.set ? (int)t->b.m.v : 0, t->quotas);
    }
    if (st == DB_OK) {
        st = sel_load(c, a, t->sid, DB_SEL_NOLOCK, -1, &t->v);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:i, s:O, s:o, s:s, s:i, s:b}", "selection",
                             sel_id_str(a, t->sid), "round", t->v.rd.round, "quotas", t->v.quotas,
                             "k", t->v.rd.k > 0 ? json_integer(t->v.rd.k) : json_null(), "method",
                             t->v.rd.method, "m", t->v.rd.m, "call_open", t->v.sel.call_open);
    st = api_audit_append(c, a, t->v.sel.assembly_id, t->rq->auth.account_id, "selection.updated",
                          data);
    json_decref(data);
    if (st == DB_OK) {
        t->reply = sel_selection_json(c, a, &t->v, t->rq->auth.account_id);
        st = t->reply != NULL ? DB_OK : DB_HARD_ERROR;
    }
    return st;
}

/* Validates body.quotas into canonical JSON text ([{category, feature,
 * min, max}], min ≤ max, no repeated (category, feature)); field errors
 * into e. */
static const char *decode_quotas(struct arena *a, json_t *q, struct decode_errors *e)
{
    if (!json_is_array(q)) {
        decode_error(e, "quotas", "type", json_pack("{s:s}", "expected", "array"), NULL);
        return NULL;
    }
    if (json_array_size(q) > 1000) {
        decode_error(e, "quotas", "too_many", json_pack("{s:i}", "max", 1000), NULL);
        return NULL;
    }
    json_t *outq = json_array();
    arena_defer(a, (void (*)(void *))json_decref, outq);
    size_t before = e->count;
    for (size_t i = 0; i < json_array_size(q); i++) {
        json_t *row = json_array_get(q, i);
        const char *cat = json_string_value(json_object_get(row, "category"));
        const char *feat = json_string_value(json_object_get(row, "feature"));
        json_t *mn = json_object_get(row, "min"), *mx = json_object_get(row, "max");
        const char *field = arena_printf(a, "quotas/%zu", i);
        if (!json_is_object(row) || json_object_size(row) != 4 || cat == NULL || feat == NULL ||
            !json_is_integer(mn) || !json_is_integer(mx)) {
            decode_error(e, field, "format", json_pack("{s:s}", "format", "quota"),
                         "expected {category, feature, min, max}");
            continue;
        }
        if (feat[0] == '\0' || strlen(feat) > SEL_MAX_VALUE) {
            decode_error(e, arena_printf(a, "%s/feature", field), "too_long",
                         json_pack("{s:i}", "max", SEL_MAX_VALUE), NULL);
            continue;
        }
        json_int_t lo = json_integer_value(mn), hi = json_integer_value(mx);
        if (lo < 0 || hi < lo || hi > SEL_MAX_K) {
            decode_error(
                e, arena_printf(a, "%s/max", field), "out_of_range",
                json_pack("{s:I, s:i}", "min", lo < 0 ? (json_int_t)0 : lo, "max", SEL_MAX_K),
                "0 ≤ min ≤ max ≤ 1000");
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            json_t *o = json_array_get(outq, j);
            if (o != NULL && strcmp(json_string_value(json_object_get(o, "category")), cat) == 0 &&
                strcmp(json_string_value(json_object_get(o, "feature")), feat) == 0) {
                decode_error(e, arena_printf(a, "%s/feature", field), "duplicate", NULL, NULL);
            }
        }
        json_array_append_new(outq, json_pack("{s:s, s:s, s:I, s:I}", "category", cat, "feature",
                                              feat, "min", lo, "max", hi));
    }
    if (e->count != before) {
        return NULL;
    }
    char *s = json_dumps(outq, JSON_COMPACT);
    const char *r = s ? arena_strdup(a, s) : NULL;
    free(s);
    return r;
}

/* PATCH /api/v1/selections/{sid} {title?, k?, method?, m?, call_open?,
 * quotas?}: the draft round's settings; title and call_open at any time. */
int api_selections_patch(struct api_req *rq, struct api_reply *out)
{
    struct patch_txn *t = arena_calloc(rq->arena, 1, sizeof *t);
    t->rq = rq;
    if (api_param_id(rq, "sid", &t->sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    /* quotas is a structured member the field table does not describe:
     * decode it separately, the rest with the table. */
    json_t *quotas = json_is_object(rq->body) ? json_object_get(rq->body, "quotas") : NULL;
    if (quotas != NULL) {
        json_incref(quotas);
        json_object_del(rq->body, "quotas");
    }
    struct decode_errors e;
    (void)decode_body(rq, &patch_spec, &t->b, &e);
    if (quotas != NULL) {
        t->quotas = decode_quotas(rq->arena, quotas, &e);
        json_decref(quotas);
    } else if (json_object_size(rq->body) == 0) {
        decode_error(&e, "", "empty", NULL, "nothing to change");
    }
    if (decode_finish(&e, out) != 0) {
        return 0;
    }
    enum db_status st = db_run_txn(rq->db, "selection_patch", patch_cb, patch_reset, t);
    if (st != DB_OK) {
        json_decref(t->reply);
        return sel_reply_problem(out, st, &t->refusal);
    }
    return api_reply_json(out, 200, t->reply);
}

/* --- the pool ------------------------------------------------------------------------------ */

/* One pool row being uploaded or volunteered. */
struct new_row {
    json_t *vals_json; /* decoded values, one per category (owned until sealed) */
    const char *vals;  /* JSON array text */
    const char *household;
    const char *name;
    const char *email;
    const char *pseudonym;
    const char *salt;       /* hex */
    const char *commitment; /* hex */
};

/* Fills pseudonym, salt and commitment (random, before any transaction). */
static int row_seal(struct arena *a, json_t *cats, json_t *vals, struct new_row *r)
{
    uint8_t salt[32], pid[8], c[32];
    randombytes_buf(salt, sizeof salt);
    randombytes_buf(pid, sizeof pid);
    r->pseudonym = arena_printf(a, "r-%s", sel_hex(a, pid, sizeof pid));
    r->salt = sel_hex(a, salt, sizeof salt);
    size_t ncat = json_array_size(cats);
    const char **names = arena_calloc(a, ncat + 1, sizeof *names);
    const char **values = arena_calloc(a, ncat + 1, sizeof *values);
    for (size_t i = 0; i < ncat; i++) {
        names[i] = json_string_value(json_array_get(cats, i));
        values[i] = json_string_value(json_array_get(vals, i));
    }
    struct draw_respondent dr = {
        .pseudonym = r->pseudonym, .values = values, .household = r->household};
    if (draw_commitment(salt, &dr, ncat, names, c) != DRAW_OK) {
        return -1;
    }
    r->commitment = sel_hex(a, c, sizeof c);
    char *s = json_dumps(vals, JSON_COMPACT);
    r->vals = s ? arena_strdup(a, s) : NULL;
    free(s);
    return r->vals != NULL ? 0 : -1;
}

/* Checks one value of category cat at field; country values must be ISO
 * 3166-1 alpha-2 (upper-cased into *norm). */
static bool check_value(struct arena *a, struct decode_errors *e, const char *field,
                        const char *cat, const char *val, const char **norm)
{
    size_t len = val != NULL ? strlen(val) : 0;
    if (val == NULL || len == 0) {
        decode_error(e, field, "required", NULL, NULL);
        return false;
    }
    if (len > SEL_MAX_VALUE || !base_utf8_valid(val, len)) {
        decode_error(e, field, "too_long", json_pack("{s:i}", "max", SEL_MAX_VALUE), NULL);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f) {
            decode_error(e, field, "control_characters", NULL, NULL);
            return false;
        }
    }
    if (strcmp(cat, "country") == 0) {
        char up[3];
        if (!validate_country(val, len, up)) {
            decode_error(e, field, "format", json_pack("{s:s}", "format", "country"),
                         "an ISO 3166-1 alpha-2 code");
            return false;
        }
        *norm = arena_strdup(a, up);
        return true;
    }
    *norm = val;
    return true;
}

/* One uploaded respondent {values: {category: value}, household?, name?,
 * email?} at respondents/i. */
static void decode_json_row(struct arena *a, const struct sel_view *v, json_t *row, size_t i,
                            struct decode_errors *e, struct new_row *out)
{
    const char *base = arena_printf(a, "respondents/%zu", i);
    json_t *values = json_object_get(row, "values");
    if (!json_is_object(row) || !json_is_object(values)) {
        decode_error(e, arena_printf(a, "%s/values", base), "required", NULL,
                     "an object of category: value");
        return;
    }
    const char *key;
    json_t *val;
    json_object_foreach(row, key, val)
    {
        if (strcmp(key, "values") != 0 && strcmp(key, "household") != 0 &&
            strcmp(key, "name") != 0 && strcmp(key, "email") != 0) {
            decode_error(e, arena_printf(a, "%s/%s", base, key), "unknown", NULL, NULL);
        } else if (strcmp(key, "values") != 0 && !json_is_string(val) && !json_is_null(val)) {
            decode_error(e, arena_printf(a, "%s/%s", base, key), "type",
                         json_pack("{s:s}", "expected", "string"), NULL);
        }
    }
    json_object_foreach(values, key, val)
    {
        bool known = false;
        for (size_t c = 0; c < json_array_size(v->cats) && !known; c++) {
            known = strcmp(json_string_value(json_array_get(v->cats, c)), key) == 0;
        }
        if (!known) {
            decode_error(e, arena_printf(a, "%s/values/%s", base, key), "unknown", NULL,
                         "not a category of this selection");
        }
    }
    json_t *vals = json_array();
    arena_defer(a, (void (*)(void *))json_decref, vals);
    for (size_t c = 0; c < json_array_size(v->cats); c++) {
        const char *cat = json_string_value(json_array_get(v->cats, c));
        const char *norm = NULL;
        if (check_value(a, e, arena_printf(a, "%s/values/%s", base, cat), cat,
                        json_string_value(json_object_get(values, cat)), &norm)) {
            json_array_append_new(vals, json_string(norm));
        }
    }
    const char *hh = json_string_value(json_object_get(row, "household"));
    if (hh != NULL && (hh[0] == '\0' || strlen(hh) > 64)) {
        decode_error(e, arena_printf(a, "%s/household", base), "too_long",
                     json_pack("{s:i}", "max", 64), NULL);
    }
    out->household = hh != NULL && hh[0] != '\0' ? hh : NULL;
    out->name = json_string_value(json_object_get(row, "name"));
    out->email = json_string_value(json_object_get(row, "email"));
    if (json_array_size(vals) == json_array_size(v->cats)) {
        out->vals_json = vals; /* released with the arena */
    }
}

/* A small RFC 4180 reader: fields separated by commas, quoted with "…"
 * ("" inside), lines by LF or CRLF; a UTF-8 BOM is skipped. Returns the
 * rows (each a JSON array of strings) or NULL with *why set. */
static json_t *csv_rows(const char *s, size_t len, const char **why)
{
    json_t *rows = json_array();
    json_t *row = json_array();
    size_t i = 0;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    char *field = malloc(len + 1);
    size_t flen = 0;
    bool quoted = false, was_quoted = false;
    while (field != NULL && i <= len) {
        char ch = i < len ? s[i] : '\n';
        if (quoted) {
            if (i == len) {
                *why = "a quoted field is not closed";
                json_decref(row);
                json_decref(rows);
                free(field);
                return NULL;
            }
            if (ch == '"' && i + 1 < len && s[i + 1] == '"') {
                field[flen++] = '"';
                i += 2;
                continue;
            }
            if (ch == '"') {
                quoted = false;
            } else {
                field[flen++] = ch;
            }
            i++;
            continue;
        }
        if (ch == '"' && flen == 0 && !was_quoted) {
            quoted = was_quoted = true;
            i++;
            continue;
        }
        if (ch == ',' || ch == '\n' || ch == '\r') {
            /* trim blanks around unquoted cells */
            size_t b = 0, e2 = flen;
            while (!was_quoted && b < e2 && (field[b] == ' ' || field[b] == '\t')) {
                b++;
            }
            while (!was_quoted && e2 > b && (field[e2 - 1] == ' ' || field[e2 - 1] == '\t')) {
                e2--;
            }
            json_array_append_new(row, json_stringn(field + b, e2 - b));
            flen = 0;
            was_quoted = false;
            if (ch != ',') {
                if (ch == '\r' && i + 1 < len && s[i + 1] == '\n') {
                    i++;
                }
                bool blank =
                    json_array_size(row) == 1 && json_string_length(json_array_get(row, 0)) == 0;
                if (!blank) {
                    json_array_append_new(rows, row);
                } else {
                    json_decref(row);
                }
                row = json_array();
            }
            i++;
            continue;
        }
        field[flen++] = ch;
        i++;
    }
    free(field);
    json_decref(row);
    return rows;
}

/* The CSV upload: header = categories (any order) plus optional
 * household, name, email columns; errors as "csv/<line>/<column>". */
static json_t *csv_to_respondents(struct arena *a, const struct sel_view *v, const char *csv,
                                  struct decode_errors *e)
{
    const char *why = NULL;
    json_t *rows = csv_rows(csv, strlen(csv), &why);
    if (rows == NULL) {
        decode_error(e, "csv", "format", json_pack("{s:s}", "format", "csv"), why);
        return NULL;
    }
    arena_defer(a, (void (*)(void *))json_decref, rows);
    json_t *hdr = json_array_get(rows, 0);
    if (hdr == NULL) {
        decode_error(e, "csv", "empty", NULL, NULL);
        return NULL;
    }
    for (size_t h = 0; h < json_array_size(hdr); h++) {
        const char *col = json_string_value(json_array_get(hdr, h));
        bool known =
            strcmp(col, "household") == 0 || strcmp(col, "name") == 0 || strcmp(col, "email") == 0;
        for (size_t c = 0; c < json_array_size(v->cats) && !known; c++) {
            known = strcmp(json_string_value(json_array_get(v->cats, c)), col) == 0;
        }
        if (!known) {
            decode_error(e, arena_printf(a, "csv/1/%s", col), "unknown", NULL,
                         "not a category of this selection (nor household, name, email)");
        }
    }
    for (size_t c = 0; c < json_array_size(v->cats); c++) {
        const char *cat = json_string_value(json_array_get(v->cats, c));
        bool have = false;
        for (size_t h = 0; h < json_array_size(hdr) && !have; h++) {
            have = strcmp(json_string_value(json_array_get(hdr, h)), cat) == 0;
        }
        if (!have) {
            decode_error(e, arena_printf(a, "csv/1/%s", cat), "required", NULL,
                         "a column per category");
        }
    }
    json_t *resp = json_array();
    arena_defer(a, (void (*)(void *))json_decref, resp);
    for (size_t r = 1; r < json_array_size(rows); r++) {
        json_t *row = json_array_get(rows, r);
        if (json_array_size(row) != json_array_size(hdr)) {
            decode_error(e, arena_printf(a, "csv/%zu", r + 1), "format",
                         json_pack("{s:s}", "format", "csv"),
                         "a row with as many cells as the header");
            continue;
        }
        json_t *obj = json_pack("{s:{}}", "values");
        for (size_t h = 0; h < json_array_size(hdr); h++) {
            const char *col = json_string_value(json_array_get(hdr, h));
            json_t *cell = json_array_get(row, h);
            if (strcmp(col, "household") == 0 || strcmp(col, "name") == 0 ||
                strcmp(col, "email") == 0) {
                if (json_string_length(cell) > 0) {
                    json_object_set(obj, col, cell);
                }
            } else {
                json_object_set(json_object_get(obj, "values"), col, cell);
            }
        }
        json_array_append_new(resp, obj);
    }
    return resp;
}

struct pool_txn {
    struct api_req *rq;
    int64_t sid;
    struct new_row *rows;
    size_t n;
    const char *rows_json;
    struct sel_refusal refusal;
};

static void pool_reset(void *cls)
{
    struct pool_txn *t = cls;
    sel_refusal_clear(&t->refusal);
}

static enum db_status pool_cb(struct db_conn *c, void *cls)
{
    struct pool_txn *t = cls;
    struct arena *a = t->rq->arena;
    struct sel_view v;
    enum db_status st =
        sel_gate_txn(c, t->rq, t->sid, DB_SEL_UPDATE, AUTHZ_MANAGE_SELECTION, &v, &t->refusal.r);
    if (st != DB_OK) {
        return st;
    }
    if (v.rd.round != 0 || !sel_status_is(&v, "draft")) {
        return sel_refuse_state(&t->refusal, sel_only_draft, "the pool is fixed at commit");
    }
    struct db_respondent *pool;
    int npool;
    st = db_pool_load(c, a, t->sid, &pool, &npool);
    if (st != DB_OK) {
        return st;
    }
    for (int i = 0; i < npool; i++) {
        if (pool[i].account_id > 0) {
            return api_refuse(&t->refusal.r, API_E_CONFLICT,
                              "volunteers are in the pool: an upload would replace them");
        }
    }
    st = db_pool_replace(c, a, t->sid, t->rows_json);
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:I}", "selection", sel_id_str(a, t->sid), "respondents",
                             (json_int_t)t->n);
    st = api_audit_append(c, a, v.sel.assembly_id, t->rq->auth.account_id,
                          "selection.pool_uploaded", data);
    json_decref(data);
    return st;
}

/* A household as uploaded and its row, sorted by text to give each
 * distinct one its tag. */
struct given_household {
    const char *text;
    size_t row;
};

static int given_household_cmp(const void *x, const void *y)
{
    const struct given_household *a = x, *b = y;
    return strcmp(a->text, b->text);
}

/* The members a pool or a volunteer body may hold besides the ones their
 * handler reads by hand: none (each is reported "unknown"). */
static const struct decode_spec no_members_spec = {.fields = NULL, .n = 0};
static const struct decode_spec no_members_optional_spec = {
    .fields = NULL, .n = 0, .body_optional = true};

/* PUT /api/v1/selections/{sid}/pool {respondents: [{values, household?,
 * name?, email?}]} or {csv: "…"}: replaces the draft pool. Each row gets a
 * random pseudonym and salt; the reply lists them once (row order), for
 * the convener to hand each respondent theirs (their check needs it). */
int api_selections_pool_put(struct api_req *rq, struct api_reply *out)
{
    struct pool_txn *t = arena_calloc(rq->arena, 1, sizeof *t);
    t->rq = rq;
    if (api_param_id(rq, "sid", &t->sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct sel_view v;
    if (sel_gate(rq, out, t->sid, 0, AUTHZ_MANAGE_SELECTION, &v) != 0) {
        return 0;
    }
    struct decode_errors e;
    json_t *body = rq->body;
    json_t *resp = json_object_get(body, "respondents");
    json_t *csv = json_object_get(body, "csv");
    /* The table has no members: every member is reported unknown but
     * these two, checked by hand below. */
    json_t *rest = json_is_object(body) ? json_copy(body) : NULL;
    if (rest != NULL) {
        json_object_del(rest, "respondents");
        json_object_del(rest, "csv");
        arena_defer(rq->arena, (void (*)(void *))json_decref, rest);
    }
    struct api_req sub = *rq;
    sub.body = rest;
    (void)decode_body(&sub, &no_members_spec, &t, &e);
    if (rest != NULL && (resp == NULL) == (csv == NULL)) {
        decode_error(&e, "respondents", "required", NULL, "either respondents or csv");
    } else if (csv != NULL && !json_is_string(csv)) {
        decode_error(&e, "csv", "type", json_pack("{s:s}", "expected", "string"), NULL);
    } else if (csv != NULL) {
        resp = csv_to_respondents(rq->arena, &v, json_string_value(csv), &e);
    } else if (resp != NULL && !json_is_array(resp)) {
        decode_error(&e, "respondents", "type", json_pack("{s:s}", "expected", "array"), NULL);
        resp = NULL;
    }
    size_t n = json_array_size(resp);
    if (resp != NULL && n > SEL_MAX_POOL) {
        decode_error(&e, "respondents", "too_many", json_pack("{s:i}", "max", SEL_MAX_POOL), NULL);
        n = 0;
    }
    t->rows = arena_calloc(rq->arena, n + 1, sizeof *t->rows);
    t->n = n;
    for (size_t i = 0; i < n; i++) {
        decode_json_row(rq->arena, &v, json_array_get(resp, i), i, &e, &t->rows[i]);
    }
    if (decode_finish(&e, out) != 0) {
        return 0;
    }
    /* Households as given may be addresses: each distinct one becomes a
     * random tag, which is all the draw needs (and all it publishes).
     * Sorted, so a full pool is n log n comparisons rather than n². */
    struct given_household *given = arena_calloc(rq->arena, n + 1, sizeof *given);
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        if (t->rows[i].household != NULL) {
            given[ng++] = (struct given_household){.text = t->rows[i].household, .row = i};
        }
    }
    qsort(given, ng, sizeof *given, given_household_cmp);
    const char *tag_hex = NULL;
    for (size_t g = 0; g < ng; g++) {
        if (g == 0 || strcmp(given[g].text, given[g - 1].text) != 0) {
            uint8_t tag[8];
            randombytes_buf(tag, sizeof tag);
            tag_hex = arena_printf(rq->arena, "h-%s", sel_hex(rq->arena, tag, 8));
        }
        t->rows[given[g].row].household = tag_hex;
    }
    json_t *rows = json_array();
    json_t *reply = json_array();
    arena_defer(rq->arena, (void (*)(void *))json_decref, rows);
    for (size_t i = 0; i < n; i++) {
        struct new_row *r = &t->rows[i];
        if (row_seal(rq->arena, v.cats, r->vals_json, r) != 0) {
            json_decref(reply);
            return api_problem(out, API_E_INTERNAL, NULL);
        }
        json_array_append_new(
            rows, json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "idx", (json_int_t)i,
                            "pseudonym", r->pseudonym, "salt", r->salt, "vals",
                            json_loads(r->vals, 0, NULL), "household",
                            r->household ? json_string(r->household) : json_null(), "commitment",
                            r->commitment, "name", r->name ? json_string(r->name) : json_null(),
                            "email", r->email ? json_string(r->email) : json_null()));
        json_array_append_new(reply, json_pack("{s:I, s:s, s:s}", "row", (json_int_t)i, "pseudonym",
                                               r->pseudonym, "salt", r->salt));
    }
    char *text = json_dumps(rows, JSON_COMPACT);
    t->rows_json = text ? arena_strdup(rq->arena, text) : NULL;
    free(text);
    enum db_status st = db_run_txn(rq->db, "selection_pool", pool_cb, pool_reset, t);
    if (st != DB_OK) {
        json_decref(reply);
        return sel_reply_problem(out, st, &t->refusal);
    }
    return api_reply_json(out, 200,
                          json_pack("{s:I, s:o}", "respondents", (json_int_t)n, "pool", reply));
}

/* GET /api/v1/selections/{sid}/pool (conveners): every respondent with
 * name, e-mail, account, status and selection round — never in the log. */
int api_selections_pool_get(struct api_req *rq, struct api_reply *out)
{
    int64_t sid;
    struct sel_view v;
    if (api_param_id(rq, "sid", &sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (sel_gate(rq, out, sid, -1, AUTHZ_MANAGE_SELECTION, &v) != 0) {
        return 0;
    }
    struct db_respondent *pool;
    int n;
    enum db_status st = db_pool_load(rq->db, rq->arena, sid, &pool, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        struct db_respondent *r = &pool[i];
        json_array_append_new(
            items,
            json_pack("{s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:o}", "index", r->idx, "pseudonym",
                      r->pseudonym, "values", json_loads(r->vals, 0, NULL), "household",
                      r->household ? json_string(r->household) : json_null(), "name",
                      r->name ? json_string(r->name) : json_null(), "email",
                      r->email ? json_string(r->email) : json_null(), "account_id",
                      r->account_id > 0 ? json_string(sel_id_str(rq->arena, r->account_id))
                                        : json_null(),
                      "status", r->status, "selected_round",
                      r->selected_round >= 0 ? json_integer(r->selected_round) : json_null()));
    }
    return api_reply_json(out, 200, json_pack("{s:o, s:o}", "items", items, "next", json_null()));
}

/* --- volunteers ----------------------------------------------------------------------------- */

struct vol_txn {
    struct api_req *rq;
    int64_t sid;
    json_t *values; /* borrowed from the body: {category: value}, country excluded */
    uint8_t salt[32];
    char pseudonym[24];
    struct sel_refusal refusal;
    struct decode_errors *e;
    int idx;
    const char *salt_hex;
};

static void vol_reset(void *cls)
{
    struct vol_txn *t = cls;
    sel_refusal_clear(&t->refusal);
    t->idx = -1;
}

static enum db_status vol_cb(struct db_conn *c, void *cls)
{
    struct vol_txn *t = cls;
    struct arena *a = t->rq->arena;
    struct sel_view v;
    enum db_status st =
        sel_gate_txn(c, t->rq, t->sid, DB_SEL_UPDATE, AUTHZ_VOLUNTEER, &v, &t->refusal.r);
    if (st != DB_OK) {
        return st;
    }
    if (!v.sel.call_open) {
        return api_refuse(&t->refusal.r, API_E_CALL_CLOSED, NULL);
    }
    if (v.rd.round != 0 || !sel_status_is(&v, "draft")) {
        return sel_refuse_state(&t->refusal, sel_only_draft, "the pool is fixed at commit");
    }
    struct db_account acc;
    st = db_account_get(c, a, t->rq->auth.account_id, &acc);
    if (st != DB_OK) {
        return st;
    }
    /* Values: the account's country, the body's other categories. */
    json_t *vals = json_array();
    arena_defer(a, (void (*)(void *))json_decref, vals);
    for (size_t i = 0; i < json_array_size(v.cats); i++) {
        const char *cat = json_string_value(json_array_get(v.cats, i));
        const char *val = strcmp(cat, "country") == 0
                              ? acc.country
                              : json_string_value(json_object_get(t->values, cat));
        if (val == NULL || val[0] == '\0' || strlen(val) > SEL_MAX_VALUE) {
            return api_refuse(&t->refusal.r, API_E_VALIDATION,
                              "values: one value per category of the selection (country is "
                              "your account's)");
        }
        json_array_append_new(vals, json_string(val));
    }
    struct db_respondent *pool;
    int npool;
    st = db_pool_load(c, a, t->sid, &pool, &npool);
    if (st != DB_OK) {
        return st;
    }
    size_t ncat = json_array_size(v.cats);
    const char **names = arena_calloc(a, ncat + 1, sizeof *names);
    const char **values = arena_calloc(a, ncat + 1, sizeof *values);
    for (size_t i = 0; i < ncat; i++) {
        names[i] = json_string_value(json_array_get(v.cats, i));
        values[i] = json_string_value(json_array_get(vals, i));
    }
    struct draw_respondent dr = {.pseudonym = t->pseudonym, .values = values};
    uint8_t commit[32];
    if (draw_commitment(t->salt, &dr, ncat, names, commit) != DRAW_OK) {
        return DB_HARD_ERROR;
    }
    char *vtext = json_dumps(vals, JSON_COMPACT);
    struct db_respondent r = {.idx = npool,
                              .pseudonym = t->pseudonym,
                              .salt = t->salt_hex,
                              .vals = vtext ? arena_strdup(a, vtext) : "[]",
                              .commitment = sel_hex(a, commit, 32),
                              .account_id = t->rq->auth.account_id};
    free(vtext);
    st = db_pool_add(c, a, t->sid, &r);
    if (st == DB_CONFLICT) {
        return api_refuse(&t->refusal.r, API_E_ALREADY_VOLUNTEERED, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    t->idx = npool;
    /* No actor and no pseudonym: the log must not link an account to a
     * pool row. */
    json_t *data = json_pack("{s:s, s:I}", "selection", sel_id_str(a, t->sid), "respondents",
                             (json_int_t)npool + 1);
    st = api_audit_append(c, a, v.sel.assembly_id, 0, "selection.volunteered", data);
    json_decref(data);
    return st;
}

/* POST /api/v1/selections/{sid}/volunteers {values: {category: value}}:
 * the caller joins an open call; country is their account's. */
int api_selections_volunteer(struct api_req *rq, struct api_reply *out)
{
    struct vol_txn t = {.rq = rq};
    if (api_param_id(rq, "sid", &t.sid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    t.values = json_object_get(rq->body, "values");
    if (!json_is_object(rq->body) || !json_is_object(t.values) || json_object_size(rq->body) != 1) {
        struct decode_errors e;
        json_t *rest = json_is_object(rq->body) ? json_copy(rq->body) : NULL;
        if (rest != NULL) {
            json_object_del(rest, "values");
            arena_defer(rq->arena, (void (*)(void *))json_decref, rest);
        }
        struct api_req sub = *rq;
        sub.body = rest;
        (void)decode_body(&sub, &no_members_optional_spec, &t, &e);
        if (!json_is_object(t.values)) {
            decode_error(&e, "values", "required", NULL, "an object of category: value");
        }
        if (decode_finish(&e, out) != 0) {
            return 0;
        }
    }
    uint8_t pid[8];
    randombytes_buf(t.salt, sizeof t.salt);
    randombytes_buf(pid, sizeof pid);
    snprintf(t.pseudonym, sizeof t.pseudonym, "r-%s", sel_hex(rq->arena, pid, sizeof pid));
    t.salt_hex = sel_hex(rq->arena, t.salt, sizeof t.salt);
    enum db_status st = db_run_txn(rq->db, "selection_volunteer", vol_cb, vol_reset, &t);
    if (st != DB_OK) {
        return sel_reply_problem(out, st, &t.refusal);
    }
    return api_reply_json(
        out, 201,
        json_pack("{s:i, s:s, s:s}", "index", t.idx, "pseudonym", t.pseudonym, "salt", t.salt_hex));
}

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_selections_bodies[] = {
    {"POST /api/v1/assemblies/{aid}/selections", &create_spec},
    {"PATCH /api/v1/selections/{sid}", &patch_spec},
    {"PUT /api/v1/selections/{sid}/pool", &no_members_spec},
    {"POST /api/v1/selections/{sid}/volunteers", &no_members_optional_spec},
    {NULL, NULL},
};
