/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_questions.c — questions (issue 11): create, read, list, PATCH
 * and translations of drafts, the lifecycle draft → open → closed (→
 * tallied by api_results.c), participation, and the scheduler.
 *
 * Every change locks the question row first (question_load FOR UPDATE),
 * decides with the authz table (author and state as the resource), writes
 * and appends its audit entry in the same transaction.
 *
 * Opening is one transaction: the conditional UPDATE draft → open, the
 * roll snapshot (INSERT … SELECT), its Merkle root, the hash of the frozen
 * texts, the empty ballot slots (random keys, random order, fixed-width
 * filler: sql/010_questions.sql) and `question.opened`.
 *
 * Closing is one transaction: the conditional UPDATE open → closed, the
 * seal (db_question_seal: every slot deleted — waiting for a cast in
 * flight — and the filled ones re-inserted in receipt order, countries
 * folded below QUESTION_COUNTRY_K), the board root, `question.closed`, and
 * closed_log_size. The entry is numbered when the transaction commits
 * (audit_writer.c); closing runs with db_run_txn (never in a group batch),
 * so its entry is the only one of this transaction and, after it locked
 * the log head last, its seq is that head's size + 1: the log size right
 * after question.closed, stored in the same transaction. The tally
 * (question_tally) follows once the close committed.
 *
 * Byte formats (roll entry, texts hash, board entry, receipt):
 * api-spec/questions.md.
 */
#include "api/api_questions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "api/api_common.h"
#include "api/audit_writer.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "api/question_int.h"
#include "api/translation_queue.h"
#include "api/worker.h"
#include "codec/json/question.h"
#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/ballot/ballot.h"
#include "core/base/base.h"
#include "core/question/question.h"
#include "core/validate/validate.h"
#include "db/db_assembly.h"
#include "db/db_audit.h"
#include "db/db_question.h"
#include "platform/crypto.h"
#include "platform/log.h"

/* Limits (code points), as sql/010_questions.sql checks them. */
#define TITLE_MAX       200
#define DESCRIPTION_MAX 20000
#define LABEL_MAX       300
#define REASON_MAX      1000
/* The scheduler's poll when idle. Why 500 ms: a deadline is met within
 * half a second without a measurable load (three indexed scans). */
#define QUESTIONS_IDLE_MS 500
#define QUESTIONS_WORKER  "questions"

static const char *id_text(struct arena *a, int64_t id)
{
    return arena_printf(a, "%lld", (long long)id);
}

/* --- question_load (question_int.h) ---------------------------------------------------- */

enum db_status question_load(struct db_conn *c, int64_t qid, bool for_update,
                             struct question_row *q)
{
    struct arena *a = arena_new();
    if (a == NULL) {
        return DB_HARD_ERROR;
    }
    struct db_question_head h;
    enum db_status st = db_question_head(c, a, qid, for_update, &h);
    memset(q, 0, sizeof(*q));
    if (st == DB_OK) {
        q->id = h.id;
        q->assembly_id = h.assembly_id;
        q->author_id = h.author_id;
        q->assembly_public = h.assembly_public;
        q->state = question_state_parse(h.state);
        snprintf(q->method, sizeof q->method, "%s", h.method);
        q->seats = (int)h.seats;
        q->secret = strcmp(h.secrecy, "secret") == 0;
        q->max_rankings = (int)h.max_rankings;
        snprintf(q->quorum_min_turnout, sizeof q->quorum_min_turnout, "%s", h.min_turnout);
        q->quorum_min_countries = (int)h.min_countries;
        snprintf(q->country_cap, sizeof q->country_cap, "%s",
                 h.country_cap != NULL ? h.country_cap : "");
        snprintf(q->dm_min_country_share, sizeof q->dm_min_country_share, "%s",
                 h.dm_share != NULL ? h.dm_share : "");
        q->adopts_proposals = h.adopts_proposals;
        q->closes_at_us = h.closes_at_us;
        q->roll_size = (int)h.roll_size;
        q->ballot_count = (int)h.ballot_count;
        q->closed_log_size = h.closed_log_size;
        if (h.board_root != NULL &&
            base_hex_decode(h.board_root, strlen(h.board_root), q->board_root, 32) != 0) {
            st = DB_HARD_ERROR;
        }
        /* options: "A,B,C", "ftf", "0,12,0" */
        const char *ids = h.option_ids, *props = h.proposal_ids;
        int n = 0;
        while (st == DB_OK && *ids != '\0' && n < QUESTION_MAX_OPTIONS) {
            size_t len = strcspn(ids, ",");
            if (len == 0 || len >= QUESTION_OPTION_ID_MAX) {
                st = DB_HARD_ERROR;
                break;
            }
            memcpy(q->option_ids[n], ids, len);
            q->option_ids[n][len] = '\0';
            q->excluded[n] = h.excluded[n] == 't';
            q->proposal_ids[n] = strtoll(props, NULL, 10);
            ids += len + (ids[len] == ',');
            props += strcspn(props, ",");
            props += *props == ',';
            n++;
        }
        q->n_options = n;
    }
    arena_free(a);
    return st;
}

/* --- decisions -------------------------------------------------------------------------- */

static enum authz_decision decide(const struct api_req *rq, const struct db_standing *sd,
                                  enum authz_action action, int64_t author, enum question_state s)
{
    struct authz_subject who = api_subject(rq, sd->role, sd->status);
    struct authz_resource res = {
        .is_public = sd->is_public, .author_id = author, .state = (unsigned)s};
    return authz_decide(authz_rule_of(action), &who, &res);
}

/* What every question change's closure starts with. */
struct qtxn {
    struct api_req *rq; /* NULL: the scheduler */
    int64_t qid, aid;
    struct api_refusal refusal;
    uint32_t allowed; /* states a 409 names (0: none) */
    const char *bad_field, *bad_code;
    struct question_row q; /* the locked question */
};

static void qtxn_reset(struct qtxn *k)
{
    api_refusal_clear(&k->refusal);
    k->allowed = 0;
    k->bad_field = NULL;
    k->bad_code = NULL;
}

static enum db_status refuse_state(struct qtxn *k, uint32_t states)
{
    k->allowed = states;
    return api_refuse(&k->refusal, API_E_QUESTION_STATE, NULL);
}

static enum db_status refuse_field(struct qtxn *k, const char *field, const char *code,
                                   const char *detail)
{
    k->bad_field = field;
    k->bad_code = code;
    return api_refuse(&k->refusal, API_E_VALIDATION, detail);
}

/* Locks question k->qid into k->q and, for a request, decides action with
 * the question's author and state. */
static enum db_status lock_and_gate(struct db_conn *c, struct qtxn *k, enum authz_action action)
{
    enum db_status st = question_load(c, k->qid, true, &k->q);
    if (st == DB_NOT_FOUND) {
        return api_refuse(&k->refusal, API_E_NOT_FOUND, NULL);
    }
    if (st != DB_OK || k->rq == NULL) {
        return st;
    }
    k->aid = k->q.assembly_id;
    struct db_standing sd;
    int64_t viewer = k->rq->auth.authenticated ? k->rq->auth.account_id : 0;
    st = db_assembly_standing(c, k->rq->arena, k->q.assembly_id, viewer, &sd);
    if (st != DB_OK) {
        return st;
    }
    enum authz_decision d = decide(k->rq, &sd, action, k->q.author_id, k->q.state);
    if (d == AUTHZ_STATE_409) {
        return refuse_state(k, authz_rule_of(action)->states);
    }
    return d == AUTHZ_ALLOW ? DB_OK : api_refuse(&k->refusal, api_authz_error(d), NULL);
}

/* The problem of a change that did not commit, with its params. */
static int qtxn_problem(struct api_reply *out, enum db_status st, const struct qtxn *k)
{
    if (st == DB_REFUSED && k->bad_field != NULL) {
        json_t *f = json_array();
        api_field_error(f, k->bad_field, k->bad_code,
                        k->refusal.detail != NULL ? k->refusal.detail : "not allowed");
        return api_problem_fields(out, API_E_VALIDATION, f);
    }
    api_txn_problem(out, st, &k->refusal);
    if (st == DB_REFUSED && out->json != NULL && k->allowed != 0) {
        json_t *arr = json_array();
        for (int s = 0; s < QUESTION_STATE__COUNT; s++) {
            if (k->allowed & (1u << s)) {
                json_array_append_new(arr,
                                      json_string(question_state_name((enum question_state)s)));
            }
        }
        json_object_set_new(out->json, "params", json_pack("{s:o}", "allowed", arr));
    }
    return 0;
}

/* Replies status with question qid as the caller sees it (gated by
 * AUTHZ_READ_QUESTION when gate). */
static int reply_view(struct api_req *rq, struct api_reply *out, unsigned status, int64_t qid,
                      bool gate)
{
    struct question_record rec;
    struct db_standing sd;
    int64_t viewer = rq->auth.authenticated ? rq->auth.account_id : 0;
    enum db_status st = db_question_view(rq->db, rq->arena, qid, viewer, &rec, &sd);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    if (gate) {
        enum authz_decision d =
            decide(rq, &sd, AUTHZ_READ_QUESTION, rec.author_id, question_state_parse(rec.state));
        if (d != AUTHZ_ALLOW) {
            return api_authz_problem(out, d);
        }
    }
    api_reply_json(out, status, codec_question_json(&rec, true));
    if (status == 201) {
        (void)api_reply_header(out, "Location",
                               arena_printf(rq->arena, "/api/v1/questions/%lld", (long long)qid));
    }
    return 0;
}

/* The assembly of the question in path parameter qid. 0, or -1 after
 * writing the problem. */
static int path_question(struct api_req *rq, struct api_reply *out, int64_t *qid, int64_t *aid)
{
    if (api_param_id(rq, "qid", qid) != 0) {
        api_problem(out, API_E_NOT_FOUND, NULL);
        return -1;
    }
    struct db_question_head h;
    enum db_status st = db_question_head(rq->db, rq->arena, *qid, false, &h);
    if (st != DB_OK) {
        api_problem_db(out, st);
        return -1;
    }
    *aid = h.assembly_id;
    return 0;
}

/* --- the spec: decoding create and PATCH bodies ------------------------------------------ */

struct spec_fields {
    const char *title, *description, *language, *method, *secrecy, *closes_at;
    struct decode_int seats;
    struct decode_bool adopts;
    json_t *options, *opens_at, *quorum, *country_cap, *max_rankings, *double_majority;
};

static bool date_time_ok(const char *s, size_t len)
{
    int64_t t;
    return base_rfc3339_parse(s, len, &t) == 0;
}

static const char *const methods[] = {"irv", "stv", "schulze", NULL};
static const char *const secrecies[] = {"secret", "roll_call", NULL};

#define SPEC_FIELDS(req)                                                                           \
    {.name = "title",                                                                              \
     .type = DECODE_STRING,                                                                        \
     .required = (req),                                                                            \
     .text = DECODE_TEXT_TITLE,                                                                    \
     .min_chars = 1,                                                                               \
     .max_chars = TITLE_MAX,                                                                       \
     .offset = offsetof(struct spec_fields, title)},                                               \
        {.name = "description",                                                                    \
         .type = DECODE_STRING,                                                                    \
         .text = DECODE_TEXT_MULTILINE,                                                            \
         .max_chars = DESCRIPTION_MAX,                                                             \
         .offset = offsetof(struct spec_fields, description)},                                     \
        {.name = "language",                                                                       \
         .type = DECODE_STRING,                                                                    \
         .format = "language_tag",                                                                 \
         .format_ok = validate_language_tag,                                                       \
         .offset = offsetof(struct spec_fields, language)},                                        \
        {.name = "method",                                                                         \
         .type = DECODE_STRING,                                                                    \
         .required = (req),                                                                        \
         .one_of = methods,                                                                        \
         .offset = offsetof(struct spec_fields, method)},                                          \
        {.name = "seats",                                                                          \
         .type = DECODE_INTEGER,                                                                   \
         .int_range = true,                                                                        \
         .min = 1,                                                                                 \
         .max = QUESTION_MAX_SEATS,                                                                \
         .offset = offsetof(struct spec_fields, seats)},                                           \
        {.name = "options",                                                                        \
         .type = DECODE_JSON,                                                                      \
         .required = (req),                                                                        \
         .offset = offsetof(struct spec_fields, options)},                                         \
        {.name = "opens_at",                                                                       \
         .type = DECODE_JSON,                                                                      \
         .offset = offsetof(struct spec_fields, opens_at)},                                        \
        {.name = "closes_at",                                                                      \
         .type = DECODE_STRING,                                                                    \
         .required = (req),                                                                        \
         .format = "date_time",                                                                    \
         .format_ok = date_time_ok,                                                                \
         .offset = offsetof(struct spec_fields, closes_at)},                                       \
        {.name = "secrecy",                                                                        \
         .type = DECODE_STRING,                                                                    \
         .required = (req),                                                                        \
         .one_of = secrecies,                                                                      \
         .offset = offsetof(struct spec_fields, secrecy)},                                         \
        {.name = "quorum",                                                                         \
         .type = DECODE_OBJECT_OR_NULL,                                                            \
         .offset = offsetof(struct spec_fields, quorum)},                                          \
        {.name = "country_cap",                                                                    \
         .type = DECODE_JSON,                                                                      \
         .offset = offsetof(struct spec_fields, country_cap)},                                     \
        {.name = "max_rankings",                                                                   \
         .type = DECODE_JSON,                                                                      \
         .offset = offsetof(struct spec_fields, max_rankings)},                                    \
        {.name = "adopts_proposals",                                                               \
         .type = DECODE_BOOLEAN,                                                                   \
         .offset = offsetof(struct spec_fields, adopts)},                                          \
    {                                                                                              \
        .name = "double_majority", .type = DECODE_OBJECT_OR_NULL,                                  \
        .offset = offsetof(struct spec_fields, double_majority)                                    \
    }

static const struct decode_field create_fields[] = {SPEC_FIELDS(true)};
static const struct decode_spec create_spec = DECODE_SPEC(create_fields);
static const struct decode_field patch_fields[] = {SPEC_FIELDS(false)};
static const struct decode_spec patch_spec = {
    .fields = patch_fields, .n = PNYX_ARRAY_LEN(patch_fields), .need_one = true};

/* The validated spec, ready to write. */
struct spec {
    struct db_question_write w;
    int n_options;
    int n_linked;             /* options linked to a proposal */
    const char *proposal_ids; /* array literal of the linked ones */
};

static void problem_add(struct decode_errors *e, const struct question_problem *p)
{
    json_t *params = json_object();
    if (p->min[0] != '\0') {
        json_object_set_new(params, "min",
                            p->min_is_number ? json_integer(strtoll(p->min, NULL, 10))
                                             : json_string(p->min));
    }
    if (p->max[0] != '\0') {
        json_object_set_new(params, "max",
                            p->max_is_number ? json_integer(strtoll(p->max, NULL, 10))
                                             : json_string(p->max));
    }
    if (strcmp(p->code, "format") == 0) {
        json_object_set_new(params, "format", json_string("decimal"));
    }
    decode_error(e, p->field, p->code, params, p->message);
}

/* A decimal member: a JSON number or a decimal string. */
static const char *decimal(struct decode_errors *e, struct arena *a, json_t *v, const char *field,
                           enum question_dec_kind kind)
{
    char text[64];
    bool number = json_is_number(v);
    if (json_is_integer(v)) {
        snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        /* 15 significant digits give back the decimal that was sent
         * (DBL_DIG): "0.05", not 0.05000000000000000277. */
        snprintf(text, sizeof text, "%.15g", json_real_value(v));
    } else if (json_is_string(v) && json_string_length(v) < sizeof text) {
        snprintf(text, sizeof text, "%s", json_string_value(v));
    } else if (json_is_string(v)) {
        text[0] = 'x', text[1] = '\0';
    } else {
        decode_error(e, field, "type", json_pack("{s:s}", "expected", "number"), NULL);
        return NULL;
    }
    char out[QUESTION_DEC_MAX];
    struct question_problem p;
    if (question_decimal(text, strlen(text), number, kind, field, out, &p) != 0) {
        problem_add(e, &p);
        return NULL;
    }
    return arena_strdup(a, out);
}

/* Unknown members of a nested object → "unknown" on field/member. */
static void only_members(struct decode_errors *e, json_t *obj, const char *field,
                         const char *const *allowed)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        const char *const *k = allowed;
        while (*k != NULL && strcmp(*k, key) != 0) {
            k++;
        }
        if (*k == NULL) {
            char path[160];
            snprintf(path, sizeof path, "%s/%.100s", field, key);
            decode_error(e, path, "unknown", NULL, NULL);
        }
    }
}

/* options → s->w.options_json (ids by position) and the counts. */
static void decode_options(struct decode_errors *e, struct arena *a, json_t *opts, struct spec *s,
                           int *n_excluded)
{
    static const char *const members[] = {"label", "proposal_id", "excluded", NULL};
    if (!json_is_array(opts)) {
        decode_error(e, "options", "type", json_pack("{s:s}", "expected", "array"), NULL);
        return;
    }
    size_t n = json_array_size(opts);
    if (n < QUESTION_MIN_OPTIONS) {
        decode_error(e, "options", "too_few", json_pack("{s:i}", "min", QUESTION_MIN_OPTIONS),
                     NULL);
        return;
    }
    if (n > QUESTION_MAX_OPTIONS_N) {
        decode_error(e, "options", "too_many", json_pack("{s:i}", "max", QUESTION_MAX_OPTIONS_N),
                     NULL);
        return;
    }
    json_t *out = json_array();
    char *lit = arena_strdup(a, "{");
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(opts, i);
        char path[64];
        snprintf(path, sizeof path, "options/%zu", i);
        if (!json_is_object(o)) {
            decode_error(e, path, "type", json_pack("{s:s}", "expected", "object"), NULL);
            continue;
        }
        only_members(e, o, path, members);
        json_t *label = json_object_get(o, "label");
        json_t *pid = json_object_get(o, "proposal_id");
        json_t *ex = json_object_get(o, "excluded");
        char lpath[80], ppath[80], xpath[80];
        snprintf(lpath, sizeof lpath, "%s/label", path);
        snprintf(ppath, sizeof ppath, "%s/proposal_id", path);
        snprintf(xpath, sizeof xpath, "%s/excluded", path);
        if (label == NULL) {
            decode_error(e, lpath, "required", NULL, NULL);
        } else if (!json_is_string(label)) {
            decode_error(e, lpath, "type", json_pack("{s:s}", "expected", "string"), NULL);
        } else {
            const char *l = json_string_value(label);
            size_t len = json_string_length(label);
            size_t chars = validate_text_length(l, len);
            if (chars == (size_t)-1 || memchr(l, '\0', len) != NULL) {
                decode_error(e, lpath, "control_characters", NULL, NULL);
            } else if (chars < 1) {
                decode_error(e, lpath, "too_short", json_pack("{s:i}", "min", 1), NULL);
            } else if (chars > LABEL_MAX) {
                decode_error(e, lpath, "too_long", json_pack("{s:i}", "max", LABEL_MAX), NULL);
            } else {
                enum validate_title_result tr = validate_title(l, len);
                if (tr != VALIDATE_TITLE_OK) {
                    decode_error(e, lpath,
                                 tr == VALIDATE_TITLE_NO_VISIBLE ? "no_visible_character"
                                                                 : "unbalanced_bidi",
                                 NULL, NULL);
                }
            }
        }
        int64_t p = 0;
        if (pid != NULL && !json_is_null(pid)) {
            if (!json_is_integer(pid)) {
                decode_error(e, ppath, "type", json_pack("{s:s}", "expected", "integer"), NULL);
            } else if (json_integer_value(pid) < 1) {
                decode_error(e, ppath, "out_of_range", json_pack("{s:i}", "min", 1), NULL);
            } else {
                p = (int64_t)json_integer_value(pid);
                for (size_t k = 0; k < i; k++) {
                    json_t *q = json_object_get(json_array_get(opts, k), "proposal_id");
                    if (json_is_integer(q) && json_integer_value(q) == p) {
                        decode_error(e, ppath, "duplicate", NULL,
                                     "two options link the same proposal");
                        break;
                    }
                }
                lit = arena_printf(a, "%s%s%lld", lit, s->n_linked > 0 ? "," : "", (long long)p);
                s->n_linked++;
            }
        }
        bool excluded = false;
        if (ex != NULL && !json_is_boolean(ex)) {
            decode_error(e, xpath, "type", json_pack("{s:s}", "expected", "boolean"), NULL);
        } else {
            excluded = json_is_true(ex);
        }
        *n_excluded += excluded;
        char id[3];
        ballot_option_id((unsigned)i, id);
        json_array_append_new(out, json_pack("{s:s, s:s, s:I, s:b}", "id", id, "label",
                                             json_is_string(label) ? json_string_value(label) : "",
                                             "proposal_id", (json_int_t)p, "excluded", excluded));
    }
    s->n_options = (int)n;
    s->proposal_ids = arena_printf(a, "%s}", lit);
    char *text = json_dumps(out, JSON_COMPACT);
    s->w.options_json = text != NULL ? arena_strdup(a, text) : "[]";
    free(text);
    json_decref(out);
}

/*
 * Decodes a full spec from body (create, or a draft merged with a PATCH)
 * into *s. now: unix seconds; check_opens: whether opens_at was sent (a
 * PATCH keeps a past opens_at of a draft only if it does not set it).
 * Returns 0, or -1 after writing the 400/422.
 */
static int decode_spec(struct api_req *rq, struct api_reply *out, const struct decode_spec *ds,
                       json_t *body, bool check_opens, struct spec *s)
{
    struct arena *a = rq->arena;
    struct spec_fields f;
    memset(&f, 0, sizeof f);
    memset(s, 0, sizeof(*s));
    struct decode_errors e;
    struct api_req view = *rq;
    view.body = body;
    (void)decode_body(&view, ds, &f, &e);
    if (json_array_size(e.type_errors) > 0 || !json_is_object(body)) {
        return decode_finish(&e, out);
    }
    int n_excluded = 0;
    if (f.options != NULL) {
        decode_options(&e, a, f.options, s, &n_excluded);
    }
    s->w.title = f.title;
    s->w.description = f.description;
    s->w.language = f.language;
    s->w.method = f.method;
    s->w.secrecy = f.secrecy;
    s->w.closes_at = f.closes_at;
    s->w.adopts_proposals = f.adopts.set && f.adopts.v;
    s->w.min_turnout = "0";
    /* opens_at: null or a date */
    int64_t opens = 0, closes = 0;
    if (f.opens_at != NULL && !json_is_null(f.opens_at)) {
        const char *t = json_string_value(f.opens_at);
        if (!json_is_string(f.opens_at)) {
            decode_error(&e, "opens_at", "type", json_pack("{s:s}", "expected", "string"), NULL);
        } else if (base_rfc3339_parse(t, strlen(t), &opens) != 0) {
            decode_error(&e, "opens_at", "format", json_pack("{s:s}", "format", "date_time"), NULL);
        } else {
            s->w.opens_at = t;
        }
    }
    if (f.closes_at != NULL && base_rfc3339_parse(f.closes_at, strlen(f.closes_at), &closes) != 0) {
        closes = 0;
    }
    /* max_rankings: null or an integer */
    int64_t max_rankings = 0;
    if (f.max_rankings != NULL && !json_is_null(f.max_rankings)) {
        if (!json_is_integer(f.max_rankings)) {
            decode_error(&e, "max_rankings", "type", json_pack("{s:s}", "expected", "integer"),
                         NULL);
        } else {
            max_rankings = (int64_t)json_integer_value(f.max_rankings);
            if (max_rankings < 1) {
                decode_error(&e, "max_rankings", "out_of_range", json_pack("{s:i}", "min", 1),
                             NULL);
                max_rankings = 0;
            }
        }
    }
    s->w.max_rankings = max_rankings;
    /* quorum {min_turnout?, min_countries?} */
    if (json_is_object(f.quorum)) {
        static const char *const qm[] = {"min_turnout", "min_countries", NULL};
        only_members(&e, f.quorum, "quorum", qm);
        json_t *t = json_object_get(f.quorum, "min_turnout");
        if (t != NULL) {
            const char *d = decimal(&e, a, t, "quorum/min_turnout", QUESTION_DEC_TURNOUT);
            s->w.min_turnout = d != NULL ? d : "0";
        }
        json_t *mc = json_object_get(f.quorum, "min_countries");
        if (mc != NULL && !json_is_integer(mc)) {
            decode_error(&e, "quorum/min_countries", "type",
                         json_pack("{s:s}", "expected", "integer"), NULL);
        } else if (mc != NULL && (json_integer_value(mc) < 0 ||
                                  json_integer_value(mc) > QUESTION_MAX_COUNTRIES)) {
            decode_error(&e, "quorum/min_countries", "out_of_range",
                         json_pack("{s:i, s:i}", "min", 0, "max", QUESTION_MAX_COUNTRIES), NULL);
        } else if (mc != NULL) {
            s->w.min_countries = (int64_t)json_integer_value(mc);
        }
    }
    if (f.country_cap != NULL && !json_is_null(f.country_cap)) {
        s->w.country_cap = decimal(&e, a, f.country_cap, "country_cap", QUESTION_DEC_CAP);
    }
    if (json_is_object(f.double_majority)) {
        static const char *const dm[] = {"min_country_share", NULL};
        only_members(&e, f.double_majority, "double_majority", dm);
        json_t *sh = json_object_get(f.double_majority, "min_country_share");
        if (sh == NULL) {
            decode_error(&e, "double_majority/min_country_share", "required", NULL, NULL);
        } else {
            s->w.dm_share =
                decimal(&e, a, sh, "double_majority/min_country_share", QUESTION_DEC_SHARE);
        }
    }
    /* the cross-member rules (core/question) once the members are sound */
    if (e.count == 0) {
        struct question_spec qs = {
            .method = question_method_parse(f.method),
            .seats = f.seats.set ? f.seats.v : 0,
            .n_options = s->n_options,
            .n_excluded = n_excluded,
            .max_rankings = max_rankings,
            .double_majority = json_is_object(f.double_majority),
            .opens_at = opens,
            .closes_at = closes,
            .now = rq->now_us / 1000000,
            .check_opens_future = check_opens,
        };
        struct question_problem p[8];
        int np = question_spec_check(&qs, &s->w.seats, p, 8);
        for (int i = 0; i < np && i < 8; i++) {
            problem_add(&e, &p[i]);
        }
        if (s->w.adopts_proposals && s->n_linked == 0) {
            decode_error(&e, "adopts_proposals", "not_allowed", NULL,
                         "no option is linked to a proposal");
        }
    }
    /* copies: body may be a merged draft the caller frees before the
     * transaction runs */
    const char **strs[] = {&s->w.title,   &s->w.description, &s->w.language, &s->w.method,
                           &s->w.secrecy, &s->w.closes_at,   &s->w.opens_at};
    for (size_t i = 0; i < PNYX_ARRAY_LEN(strs); i++) {
        if (*strs[i] != NULL) {
            *strs[i] = arena_strdup(a, *strs[i]);
        }
    }
    return decode_finish(&e, out);
}

/* The linked proposals must be the assembly's. */
static enum db_status check_proposals(struct db_conn *c, struct qtxn *k, const struct spec *s)
{
    if (s->n_linked == 0) {
        return DB_OK;
    }
    int64_t n = 0;
    enum db_status st = db_question_proposals_in(c, k->rq->arena, k->aid, s->proposal_ids, &n);
    if (st == DB_OK && n != s->n_linked) {
        return refuse_field(k, "options", "not_allowed",
                            "an option links a proposal that is not in this assembly");
    }
    return st;
}

static json_t *created_data(struct arena *a, int64_t qid, int64_t version, const struct spec *s)
{
    return json_pack("{s:s, s:I, s:s, s:I, s:s, s:i, s:s, s:o}", "question", id_text(a, qid),
                     "version", (json_int_t)version, "method", s->w.method, "seats",
                     (json_int_t)s->w.seats, "secrecy", s->w.secrecy, "options", s->n_options,
                     "closes_at", s->w.closes_at, "opens_at",
                     s->w.opens_at != NULL ? json_string(s->w.opens_at) : json_null());
}

/* --- create ----------------------------------------------------------------------------- */

struct create_txn {
    struct qtxn k;
    struct spec s;
};

static void create_reset(void *cls)
{
    struct create_txn *t = cls;
    qtxn_reset(&t->k);
    t->k.qid = 0;
}

static enum db_status create_cb(struct db_conn *c, void *cls)
{
    struct create_txn *t = cls;
    struct arena *a = t->k.rq->arena;
    int64_t me = t->k.rq->auth.account_id;
    struct db_standing sd;
    enum db_status st =
        api_assembly_gate_txn(c, t->k.rq, t->k.aid, AUTHZ_CREATE_QUESTION, &sd, &t->k.refusal);
    if (st == DB_OK) {
        st = check_proposals(c, &t->k, &t->s);
    }
    if (st == DB_OK) {
        st = db_question_insert(c, a, t->k.aid, me, &t->s.w, &t->k.qid);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = created_data(a, t->k.qid, 1, &t->s);
    st = api_audit_append(c, a, t->k.aid, me, "question.created", data);
    json_decref(data);
    /* machine translations of the texts (translation_queue.h), in the
     * language the insert chose when the body named none */
    const char *lang = t->s.w.language;
    struct db_question_head h;
    if (st == DB_OK && lang == NULL &&
        (st = db_question_head(c, a, t->k.qid, false, &h)) == DB_OK) {
        lang = h.language;
    }
    if (st == DB_OK) {
        st = translation_enqueue(c, a, t->k.aid, "question", t->k.qid, 1, lang);
    }
    return st;
}

static int create_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct create_txn *t = cls;
    if (st != DB_OK) {
        return qtxn_problem(out, st, &t->k);
    }
    return reply_view(rq, out, 201, t->k.qid, false);
}

int api_questions_create(struct api_req *rq, struct api_reply *out)
{
    struct create_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->k.rq = rq;
    if (api_param_id(rq, "aid", &t->k.aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (decode_spec(rq, out, &create_spec, rq->body, true, &t->s) != 0) {
        return 0;
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->k.aid), "question_create", create_cb,
                           create_reset, create_reply, t);
}

/* --- read -------------------------------------------------------------------------------- */

int api_questions_get(struct api_req *rq, struct api_reply *out)
{
    int64_t qid;
    if (api_param_id(rq, "qid", &qid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    return reply_view(rq, out, 200, qid, true);
}

static const char *const states[] = {"draft", "open", "closed", "tallied", NULL};

int api_questions_list(struct api_req *rq, struct api_reply *out)
{
    int64_t aid, after;
    int limit;
    if (api_param_id(rq, "aid", &aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    const char *state = api_query(rq, "state");
    bool known = state == NULL;
    for (int i = 0; !known && states[i] != NULL; i++) {
        known = strcmp(state, states[i]) == 0;
    }
    if (!known) {
        return api_problem(out, API_E_BAD_REQUEST, "state must be a question state");
    }
    struct db_standing sd;
    if (api_assembly_gate(rq, out, aid, AUTHZ_READ_QUESTION, &sd) != 0 ||
        api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    struct question_record *items;
    int n;
    enum db_status st = db_question_list(rq->db, rq->arena, aid, state, after, limit, &items, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *j = codec_question_json(&items[i], false);
        if (j == NULL) {
            json_decref(arr);
            return api_problem(out, API_E_INTERNAL, NULL);
        }
        json_array_append_new(arr, j);
    }
    return api_page_reply(out, arr, n, limit, n > 0 ? items[n - 1].id : 0, NULL);
}

/* --- opening ------------------------------------------------------------------------------ */

/* What opening and closing share: the request (NULL for the scheduler) or
 * the due kind the scheduler takes. */
struct life_txn {
    struct qtxn k;
    bool scheduled; /* the scheduler: take a due question first */
    bool none;      /* the scheduler found nothing (left to another pnyxd) */
    const char *reason;
    struct arena *a;
    int64_t actor;
};

static void life_reset(void *cls)
{
    struct life_txn *t = cls;
    qtxn_reset(&t->k);
    t->none = false;
    if (t->scheduled) {
        t->k.qid = 0;
    }
}

/* Hex of the RFC 9162 root over leaves built by entry(i) (n of them). */
static int merkle_hex(size_t n, int (*entry)(void *ctx, size_t i, struct jcs_buf *b), void *ctx,
                      char hex[65])
{
    uint8_t root[MERKLE_HASH_LEN];
    struct merkle_frontier f;
    merkle_frontier_init(&f);
    struct jcs_buf b;
    jcs_buf_init(&b);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint8_t leaf[MERKLE_HASH_LEN];
        struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
        unsigned nn = 0;
        rc = entry(ctx, i, &b);
        if (rc == 0) {
            merkle_leaf_hash(b.data, b.len, leaf);
            rc = merkle_frontier_append(&f, leaf, nodes, &nn) == AUDIT_OK ? 0 : -1;
        }
    }
    jcs_buf_fini(&b);
    if (n == 0) {
        merkle_empty_root(root);
    } else {
        merkle_frontier_root(&f, root);
    }
    base_hex_encode(root, MERKLE_HASH_LEN, hex);
    return rc;
}

struct roll_ctx {
    int64_t *ids;
    const char **countries;
};

static int roll_entry(void *ctx, size_t i, struct jcs_buf *b)
{
    struct roll_ctx *r = ctx;
    return question_roll_entry(b, r->ids[i], r->countries[i]);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* roll_size distinct random slot keys as an array literal, in the order
 * they were drawn (the insertion order). */
static const char *slot_keys(struct arena *a, int64_t n)
{
    int64_t *keys = arena_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    int64_t *sorted = arena_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    for (;;) {
        randombytes_buf(keys, (size_t)n * sizeof(int64_t));
        memcpy(sorted, keys, (size_t)n * sizeof(int64_t));
        /* duplicates (2^-64 per pair) are drawn again */
        qsort(sorted, (size_t)n, sizeof(int64_t), cmp_i64);
        bool dup = false;
        for (int64_t i = 1; i < n && !dup; i++) {
            dup = sorted[i] == sorted[i - 1];
        }
        if (!dup) {
            break;
        }
    }
    size_t cap = (size_t)n * 22 + 3, len = 0;
    char *lit = arena_alloc(a, cap);
    lit[len++] = '{';
    for (int64_t i = 0; i < n; i++) {
        len +=
            (size_t)snprintf(lit + len, cap - len, "%s%lld", i > 0 ? "," : "", (long long)keys[i]);
    }
    lit[len++] = '}';
    lit[len] = '\0';
    return lit;
}

static enum db_status open_cb(struct db_conn *c, void *cls)
{
    struct life_txn *t = cls;
    struct arena *a = t->a;
    enum db_status st;
    if (t->scheduled) {
        st = db_question_take_due(c, a, DB_QUESTION_DUE_OPEN, &t->k.qid);
        if (st == DB_NOT_FOUND) {
            t->none = true;
            return DB_OK;
        }
        if (st != DB_OK) {
            return st;
        }
    }
    st = lock_and_gate(c, &t->k, AUTHZ_OPEN_QUESTION);
    if (st != DB_OK) {
        return st;
    }
    t->k.aid = t->k.q.assembly_id;
    if (t->k.q.state != QUESTION_DRAFT) {
        if (t->scheduled) {
            t->none = true;
            return DB_OK;
        }
        return refuse_state(&t->k, 1u << QUESTION_DRAFT);
    }
    int64_t now_us = t->k.rq != NULL ? t->k.rq->now_us : 0;
    if (t->k.rq != NULL && t->k.q.closes_at_us <= now_us) {
        return api_refuse(&t->k.refusal, API_E_QUESTION_DEADLINE,
                          "the closing time has passed: change closes_at first");
    }
    int64_t changed = 0, roll_size = 0;
    st = db_question_mark_open(c, a, t->k.qid, &changed);
    if (st == DB_OK && changed != 1) {
        return refuse_state(&t->k, 1u << QUESTION_DRAFT);
    }
    if (st == DB_OK) {
        st = db_question_roll_snapshot(c, a, t->k.qid, t->k.aid, &roll_size);
    }
    /* roll root over {"account","country"} in account order */
    struct roll_ctx rc = {0};
    int n = 0;
    if (st == DB_OK) {
        st = db_question_roll_all(c, a, t->k.qid, &rc.ids, &rc.countries, &n);
    }
    char roll_root[65], texts_hash[65];
    if (st == DB_OK && merkle_hex((size_t)n, roll_entry, &rc, roll_root) != 0) {
        st = DB_HARD_ERROR;
    }
    /* texts hash: SHA-256 of the canonical JSON of every frozen text */
    const char *texts = NULL;
    if (st == DB_OK) {
        st = db_question_texts(c, a, t->k.qid, &texts);
    }
    if (st == DB_OK) {
        char *canon = NULL;
        size_t clen = 0;
        if (jcs_canonicalize(texts, strlen(texts), &canon, &clen, NULL) != AUDIT_OK) {
            free(canon);
            return DB_HARD_ERROR;
        }
        uint8_t sha[PNYX_SHA256_BYTES];
        pnyx_crypto_sha256(canon, clen, sha);
        free(canon);
        base_hex_encode(sha, PNYX_SHA256_BYTES, texts_hash);
    }
    if (st == DB_OK && roll_size > 0) {
        st = db_question_slots(c, a, t->k.qid, slot_keys(a, roll_size), t->k.q.n_options);
    }
    if (st == DB_OK) {
        st = db_question_opened(c, a, t->k.qid, roll_size, roll_root, texts_hash);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data =
        json_pack("{s:s, s:I, s:s, s:s}", "question", id_text(a, t->k.qid), "roll_size",
                  (json_int_t)roll_size, "roll_root", roll_root, "texts_hash", texts_hash);
    st = api_audit_append(c, a, t->k.aid, t->actor, "question.opened", data);
    json_decref(data);
    return st;
}

int api_questions_open(struct api_req *rq, struct api_reply *out)
{
    struct life_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->k.rq = rq;
    t->a = rq->arena;
    t->actor = rq->auth.account_id;
    if (api_param_id(rq, "qid", &t->k.qid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    enum db_status st = db_run_txn(rq->db, "question_open", open_cb, life_reset, t);
    if (st != DB_OK) {
        return qtxn_problem(out, st, &t->k);
    }
    return reply_view(rq, out, 200, t->k.qid, false);
}

/* --- closing ------------------------------------------------------------------------------- */

/* The board root, read in pages of BOARD_PAGE entries (a board of a
 * million ballots never sits in memory): *n = entries. */
#define BOARD_PAGE 8192
static enum db_status board_root_hex(struct db_conn *c, int64_t qid, int n_options, int64_t *n,
                                     char hex[65])
{
    struct merkle_frontier f;
    merkle_frontier_init(&f);
    struct jcs_buf b;
    jcs_buf_init(&b);
    enum db_status st = DB_OK;
    *n = 0;
    for (int got = BOARD_PAGE; st == DB_OK && got == BOARD_PAGE;) {
        struct arena *a = arena_new();
        const char **receipts, **countries;
        uint8_t *rankings;
        got = 0;
        st = a == NULL ? DB_HARD_ERROR
                       : db_question_board_page(c, a, qid, *n, BOARD_PAGE, &receipts, &rankings,
                                                &countries, n_options, &got);
        for (int i = 0; st == DB_OK && i < got; i++) {
            uint8_t leaf[MERKLE_HASH_LEN];
            struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
            unsigned nn = 0;
            if (ballot_board_entry(&b, rankings + (size_t)i * (size_t)n_options, (size_t)n_options,
                                   countries[i], receipts[i]) != 0) {
                st = DB_HARD_ERROR;
                break;
            }
            merkle_leaf_hash(b.data, b.len, leaf);
            if (merkle_frontier_append(&f, leaf, nodes, &nn) != AUDIT_OK) {
                st = DB_HARD_ERROR;
            }
        }
        *n += got;
        arena_free(a);
    }
    jcs_buf_fini(&b);
    uint8_t root[MERKLE_HASH_LEN];
    if (*n == 0) {
        merkle_empty_root(root);
    } else {
        merkle_frontier_root(&f, root);
    }
    base_hex_encode(root, MERKLE_HASH_LEN, hex);
    return st;
}

static enum db_status close_cb(struct db_conn *c, void *cls)
{
    struct life_txn *t = cls;
    struct arena *a = t->a;
    enum db_status st;
    if (t->scheduled) {
        st = db_question_take_due(c, a, DB_QUESTION_DUE_CLOSE, &t->k.qid);
        if (st == DB_NOT_FOUND) {
            t->none = true;
            return DB_OK;
        }
        if (st != DB_OK) {
            return st;
        }
    }
    st = lock_and_gate(c, &t->k, AUTHZ_CLOSE_QUESTION);
    if (st != DB_OK) {
        return st;
    }
    t->k.aid = t->k.q.assembly_id;
    if (t->k.q.state != QUESTION_OPEN) {
        if (t->scheduled) {
            t->none = true;
            return DB_OK;
        }
        return refuse_state(&t->k, 1u << QUESTION_OPEN);
    }
    /* the seal, then the board root over the entries in board order */
    int64_t ballots = 0, voters = 0, changed = 0;
    st = db_question_seal(c, a, t->k.qid, QUESTION_COUNTRY_K, &ballots);
    int64_t n = 0;
    char board_root[65];
    if (st == DB_OK) {
        st = board_root_hex(c, t->k.qid, t->k.q.n_options, &n, board_root);
    }
    if (st == DB_OK && n != ballots) {
        st = DB_HARD_ERROR;
    }
    if (st == DB_OK) {
        st = db_question_voters(c, a, t->k.qid, &voters);
    }
    /* Last: the log head. This transaction appends one entry (it is never
     * batched), so that entry's seq is the head's size + 1. */
    struct db_audit_head head;
    if (st == DB_OK) {
        st = db_audit_head_lock(c, a, t->k.aid, &head);
    }
    if (st == DB_OK) {
        st = db_question_mark_closed(c, a, t->k.qid, t->reason, t->scheduled ? 0 : t->actor,
                                     ballots, board_root, head.size + 1, &changed);
    }
    if (st == DB_OK && changed != 1) {
        return refuse_state(&t->k, 1u << QUESTION_OPEN);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:I, s:I, s:s, s:I}", "question", id_text(a, t->k.qid),
                             "ballots", (json_int_t)ballots, "voters", (json_int_t)voters,
                             "board_root", board_root, "board_size", (json_int_t)n);
    if (t->reason != NULL) {
        json_object_set_new(data, "reason", json_string(t->reason));
    }
    st = api_audit_append(c, a, t->k.aid, t->scheduled ? 0 : t->actor, "question.closed", data);
    json_decref(data);
    return st;
}

struct close_body {
    const char *reason;
};
static const struct decode_field close_fields[] = {
    {.name = "reason",
     .type = DECODE_STRING,
     .required = true,
     .text = DECODE_TEXT_MULTILINE,
     .min_chars = 1,
     .max_chars = REASON_MAX,
     .offset = offsetof(struct close_body, reason)},
};
static const struct decode_spec close_spec = DECODE_SPEC(close_fields);

int api_questions_close(struct api_req *rq, struct api_reply *out)
{
    struct life_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    struct close_body b = {0};
    t->k.rq = rq;
    t->a = rq->arena;
    t->actor = rq->auth.account_id;
    if (api_param_id(rq, "qid", &t->k.qid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (decode_or_fail(rq, out, &close_spec, &b) != 0) {
        return 0;
    }
    t->reason = b.reason;
    enum db_status st = db_run_txn(rq->db, "question_close", close_cb, life_reset, t);
    if (st != DB_OK) {
        return qtxn_problem(out, st, &t->k);
    }
    /* The tally follows at once; if it fails the scheduler retries it. */
    st = question_tally(rq->db, t->k.qid);
    if (st != DB_OK) {
        log_error("question %lld: tally after close failed (%s); the scheduler retries",
                  (long long)t->k.qid, db_status_name(st));
    }
    return reply_view(rq, out, 200, t->k.qid, false);
}

/* --- the scheduler ----------------------------------------------------------------------- */

/* While no primary is reachable (a failover, a restart) every poll fails
 * the same way: say so once as a warning and once when it is back, rather
 * than three error lines a second (issue 15's failover runs). Only the one
 * questions worker thread touches it. */
static bool db_away;

static bool away(enum db_status st)
{
    if (st != DB_UNAVAILABLE) {
        return false;
    }
    if (!db_away) {
        log_warn("questions: the database is unavailable; scheduled openings, closings and "
                 "tallies wait for it");
        db_away = true;
    }
    return true;
}

/* One lifecycle step of kind open/close; 1 done, 0 nothing due, -1 error. */
static int scheduled_step(struct db_conn *c, bool open)
{
    struct arena *a = arena_new();
    if (a == NULL) {
        return -1;
    }
    struct life_txn *t = arena_calloc(a, 1, sizeof(*t));
    t->a = a;
    t->scheduled = true;
    t->reason = NULL;
    enum db_status st = db_run_txn(c, open ? "question_open_due" : "question_close_due",
                                   open ? open_cb : close_cb, life_reset, t);
    int rc = st != DB_OK ? -1 : t->none ? 0 : 1;
    if (st != DB_OK) {
        if (!away(st)) {
            log_error("questions: scheduled %s failed (%s)", open ? "opening" : "closing",
                      db_status_name(st));
        }
    } else if (rc == 1) {
        log_info("questions: question %lld %s at its time", (long long)t->k.qid,
                 open ? "opened" : "closed");
    }
    int64_t qid = t->k.qid;
    arena_free(a);
    if (rc == 1 && !open) {
        enum db_status ts = question_tally(c, qid);
        if (ts != DB_OK && !away(ts)) {
            log_error("questions: tally of question %lld failed; retried later", (long long)qid);
        }
    }
    return rc;
}

int questions_run_once(void *ctx)
{
    (void)ctx;
    struct db_conn *c = db_thread_conn();
    int o = scheduled_step(c, true);
    int cl = scheduled_step(c, false);
    /* closed but not tallied (a crash between the two, a failed tally) */
    int tl = 0;
    struct arena *a = arena_new();
    if (a == NULL) {
        return -1;
    }
    int64_t qid = 0;
    enum db_status st = db_question_take_due(c, a, DB_QUESTION_DUE_TALLY, &qid);
    if (st == DB_OK) {
        st = question_tally(c, qid);
    }
    /* Work done only when the question moved on: a tally that leaves it
     * closed (refused, or not possible yet) is retried at the idle pace,
     * never in a tight loop. */
    struct db_question_head h;
    if (st == DB_OK && db_question_head(c, a, qid, false, &h) == DB_OK) {
        tl = strcmp(h.state, "closed") != 0;
    } else if (st != DB_OK && st != DB_NOT_FOUND) {
        /* qid is 0 when the lookup itself failed (the database away) */
        bool gone = away(st);
        if (!gone && qid != 0) {
            log_error("questions: tally of question %lld failed (%s)", (long long)qid,
                      db_status_name(st));
        } else if (!gone) {
            log_error("questions: looking for questions to tally failed (%s)", db_status_name(st));
        }
        tl = -1;
    }
    arena_free(a);
    if (o < 0 || cl < 0 || tl < 0) {
        return -1;
    }
    if (db_away) {
        log_info("questions: the database is back");
        db_away = false;
    }
    return o + cl + tl > 0 ? 1 : 0;
}

unsigned questions_workers_start(unsigned n)
{
    unsigned started = 0;
    for (unsigned i = 0; i < n && i < 1; i++) {
        struct worker_spec spec = {.name = QUESTIONS_WORKER,
                                   .run_once = questions_run_once,
                                   .ctx = NULL,
                                   .idle_ms = QUESTIONS_IDLE_MS};
        if (worker_start(&spec) != 0) {
            break;
        }
        started++;
    }
    return started;
}

/* --- participation ------------------------------------------------------------------------ */

int api_questions_participation(struct api_req *rq, struct api_reply *out)
{
    int64_t qid, after;
    int limit;
    if (api_param_id(rq, "qid", &qid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct question_record rec;
    struct db_standing sd;
    enum db_status st = db_question_view(rq->db, rq->arena, qid, rq->auth.account_id, &rec, &sd);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    enum authz_decision d =
        decide(rq, &sd, AUTHZ_READ_PARTICIPATION, rec.author_id, question_state_parse(rec.state));
    if (d == AUTHZ_STATE_409) {
        struct qtxn k = {0};
        enum db_status st409 = refuse_state(&k, authz_rule_of(AUTHZ_READ_PARTICIPATION)->states);
        return qtxn_problem(out, st409, &k);
    }
    if (d != AUTHZ_ALLOW) {
        return api_authz_problem(out, d);
    }
    if (api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    struct db_roll_item *items;
    int n;
    int64_t roll_size, voted;
    st =
        db_question_roll_page(rq->db, rq->arena, qid, after, limit, &items, &n, &roll_size, &voted);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:b}", "account_id",
                                             (json_int_t)items[i].account_id, "display_name",
                                             items[i].display_name, "country", items[i].country,
                                             "voted", items[i].voted));
    }
    return api_page_reply(
        out, arr, n, limit, n > 0 ? items[n - 1].account_id : 0,
        json_pack("{s:I, s:I}", "roll_size", (json_int_t)roll_size, "voted", (json_int_t)voted));
}

/* --- PATCH ------------------------------------------------------------------------------- */

/* The stored draft as a create body (what a PATCH is merged into). */
static json_t *as_body(const json_t *q)
{
    json_t *b = json_object();
    static const char *const keep[] = {
        "title",        "description",      "language",        "method", "seats",
        "opens_at",     "closes_at",        "secrecy",         "quorum", "country_cap",
        "max_rankings", "adopts_proposals", "double_majority", NULL};
    for (int i = 0; keep[i] != NULL; i++) {
        json_t *v = json_object_get(q, keep[i]);
        if (v != NULL) {
            json_object_set(b, keep[i], v);
        }
    }
    json_t *opts = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(q, "options"), i, o)
    {
        json_t *x = json_pack("{s:O, s:b}", "label", json_object_get(o, "label"), "excluded",
                              json_is_true(json_object_get(o, "excluded")));
        json_t *p = json_object_get(o, "proposal_id");
        if (json_is_integer(p)) {
            json_object_set(x, "proposal_id", p);
        }
        json_array_append_new(opts, x);
    }
    json_object_set_new(b, "options", opts);
    return b;
}

/* Whether the texts a translation renders (title, description, labels) or
 * their language differ. */
static bool texts_differ(const json_t *old, const json_t *merged)
{
    if (!json_equal(json_object_get(old, "language"), json_object_get(merged, "language")) ||
        !json_equal(json_object_get(old, "title"), json_object_get(merged, "title")) ||
        !json_equal(json_object_get(old, "description"), json_object_get(merged, "description"))) {
        return true;
    }
    json_t *a = json_object_get(old, "options"), *b = json_object_get(merged, "options");
    if (json_array_size(a) != json_array_size(b)) {
        return true;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        if (!json_equal(json_object_get(json_array_get(a, i), "label"),
                        json_object_get(json_array_get(b, i), "label"))) {
            return true;
        }
    }
    return false;
}

struct patch_txn {
    struct qtxn k;
    struct spec s;
    int64_t expect_version; /* the version the PATCH was merged into */
    bool drop_texts;
    const char *changed; /* the members the body set, comma-separated */
    int64_t version;
};

static void patch_reset(void *cls)
{
    struct patch_txn *t = cls;
    qtxn_reset(&t->k);
    t->version = 0;
}

static enum db_status patch_cb(struct db_conn *c, void *cls)
{
    struct patch_txn *t = cls;
    struct arena *a = t->k.rq->arena;
    int64_t me = t->k.rq->auth.account_id;
    enum db_status st = lock_and_gate(c, &t->k, AUTHZ_EDIT_QUESTION);
    if (st != DB_OK) {
        return st;
    }
    struct db_question_head h;
    st = db_question_head(c, a, t->k.qid, false, &h);
    if (st == DB_OK && h.version != t->expect_version) {
        return api_refuse(&t->k.refusal, API_E_CONFLICT,
                          "the question changed meanwhile: reload it and try again");
    }
    if (st == DB_OK) {
        st = check_proposals(c, &t->k, &t->s);
    }
    if (st == DB_OK) {
        st = db_question_update(c, a, t->k.qid, &t->s.w, t->drop_texts, &t->version);
    }
    if (st == DB_NOT_FOUND) {
        return refuse_state(&t->k, 1u << QUESTION_DRAFT);
    }
    if (st == DB_OK) {
        st = db_question_options_put(c, a, t->k.qid, t->s.w.options_json);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = created_data(a, t->k.qid, t->version, &t->s);
    json_t *changed = json_array();
    for (const char *p = t->changed; *p != '\0';) {
        size_t len = strcspn(p, ",");
        json_array_append_new(changed, json_stringn(p, len));
        p += len + (p[len] == ',');
    }
    json_object_set_new(data, "changed", changed);
    json_object_set_new(data, "translations_dropped", json_boolean(t->drop_texts));
    st = api_audit_append(c, a, t->k.aid, me, "question.updated", data);
    json_decref(data);
    if (st == DB_OK && t->drop_texts) { /* new texts: translate them (translation_queue.h) */
        st = translation_enqueue(c, a, t->k.aid, "question", t->k.qid, (int)t->version,
                                 t->s.w.language != NULL ? t->s.w.language : h.language);
    }
    return st;
}

static int patch_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct patch_txn *t = cls;
    if (st != DB_OK) {
        return qtxn_problem(out, st, &t->k);
    }
    return reply_view(rq, out, 200, t->k.qid, false);
}

int api_questions_patch(struct api_req *rq, struct api_reply *out)
{
    struct patch_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->k.rq = rq;
    /* the body's own shape first (types, unknown members, nothing at all) */
    struct spec_fields f;
    memset(&f, 0, sizeof f);
    if (decode_or_fail(rq, out, &patch_spec, &f) != 0) {
        return 0;
    }
    if (path_question(rq, out, &t->k.qid, &t->k.aid) != 0) {
        return 0;
    }
    struct question_record rec;
    struct db_standing sd;
    enum db_status st =
        db_question_view(rq->db, rq->arena, t->k.qid, rq->auth.account_id, &rec, &sd);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    /* who and when before what: a member learns 403, a late edit 409 */
    enum authz_decision d =
        decide(rq, &sd, AUTHZ_EDIT_QUESTION, rec.author_id, question_state_parse(rec.state));
    if (d != AUTHZ_ALLOW) {
        struct qtxn k = {0};
        st = d == AUTHZ_STATE_409 ? refuse_state(&k, 1u << QUESTION_DRAFT)
                                  : api_refuse(&k.refusal, api_authz_error(d), NULL);
        return qtxn_problem(out, st, &k);
    }
    json_t *stored = codec_question_json(&rec, true);
    if (stored == NULL) {
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    json_t *merged = as_body(stored);
    json_object_update(merged, rq->body);
    t->expect_version = rec.version;
    t->changed = "";
    const char *key;
    json_t *val;
    json_object_foreach(rq->body, key, val)
    {
        t->changed = arena_printf(rq->arena, "%s%s%s", t->changed, *t->changed ? "," : "", key);
    }
    bool opens_set = json_is_string(json_object_get(rq->body, "opens_at"));
    int rc = decode_spec(rq, out, &create_spec, merged, opens_set, &t->s);
    if (rc == 0) {
        t->drop_texts = texts_differ(stored, merged);
    }
    json_decref(merged);
    json_decref(stored);
    if (rc != 0) {
        return 0;
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->k.aid), "question_patch", patch_cb,
                           patch_reset, patch_reply, t);
}

/* --- translations ------------------------------------------------------------------------ */

struct translate_body {
    const char *language, *title, *description, *source;
    json_t *labels;
};
static const char *const sources[] = {"human", "machine", NULL};
static const struct decode_field translate_fields[] = {
    {.name = "language",
     .type = DECODE_STRING,
     .required = true,
     .format = "language_tag",
     .format_ok = validate_language_tag,
     .offset = offsetof(struct translate_body, language)},
    {.name = "title",
     .type = DECODE_STRING,
     .required = true,
     .text = DECODE_TEXT_TITLE,
     .min_chars = 1,
     .max_chars = TITLE_MAX,
     .offset = offsetof(struct translate_body, title)},
    {.name = "description",
     .type = DECODE_STRING,
     .text = DECODE_TEXT_MULTILINE,
     .max_chars = DESCRIPTION_MAX,
     .offset = offsetof(struct translate_body, description)},
    {.name = "labels",
     .type = DECODE_OBJECT_OR_NULL,
     .offset = offsetof(struct translate_body, labels)},
    {.name = "source",
     .type = DECODE_STRING,
     .one_of = sources,
     .offset = offsetof(struct translate_body, source)},
};
static const struct decode_spec translate_spec = DECODE_SPEC(translate_fields);

struct translate_txn {
    struct qtxn k;
    struct translate_body b;
    const char *labels_json;
};

static void translate_reset(void *cls)
{
    struct translate_txn *t = cls;
    qtxn_reset(&t->k);
}

static enum db_status translate_cb(struct db_conn *c, void *cls)
{
    struct translate_txn *t = cls;
    struct arena *a = t->k.rq->arena;
    int64_t me = t->k.rq->auth.account_id;
    enum db_status st = lock_and_gate(c, &t->k, AUTHZ_TRANSLATE_QUESTION);
    if (st != DB_OK) {
        return st;
    }
    struct db_question_head h;
    st = db_question_head(c, a, t->k.qid, false, &h);
    if (st != DB_OK) {
        return st;
    }
    if (strcasecmp(h.language, t->b.language) == 0) {
        return refuse_field(&t->k, "language", "not_allowed",
                            "the question is written in this language");
    }
    /* every label names an option of the question */
    const char *key;
    json_t *val;
    json_object_foreach(t->b.labels, key, val)
    {
        bool known = false;
        for (int i = 0; i < t->k.q.n_options && !known; i++) {
            known = strcmp(t->k.q.option_ids[i], key) == 0;
        }
        if (!known) {
            return refuse_field(&t->k, arena_printf(a, "labels/%.8s", key), "unknown",
                                "no option has this id");
        }
    }
    const char *source = t->b.source != NULL ? t->b.source : "human";
    st = db_question_text_put(c, a, t->k.qid, t->b.language, t->b.title,
                              t->b.description != NULL ? t->b.description : "", t->labels_json,
                              source, me);
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:s, s:s, s:I, s:i}", "question", id_text(a, t->k.qid),
                             "language", t->b.language, "source", source, "version",
                             (json_int_t)h.version, "labels", (int)json_object_size(t->b.labels));
    st = api_audit_append(c, a, t->k.aid, me, "question.translated", data);
    json_decref(data);
    return st;
}

static int translate_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct translate_txn *t = cls;
    if (st != DB_OK) {
        return qtxn_problem(out, st, &t->k);
    }
    return reply_view(rq, out, 201, t->k.qid, false);
}

int api_questions_translate(struct api_req *rq, struct api_reply *out)
{
    struct translate_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->k.rq = rq;
    struct decode_errors e;
    if (decode_body(rq, &translate_spec, &t->b, &e) == 0 && t->b.labels != NULL) {
        const char *key;
        json_t *val;
        json_object_foreach(t->b.labels, key, val)
        {
            char path[80];
            snprintf(path, sizeof path, "labels/%.60s", key);
            size_t len = json_string_length(val);
            const char *l = json_string_value(val);
            size_t chars = l != NULL ? validate_text_length(l, len) : 0;
            if (!json_is_string(val)) {
                decode_error(&e, path, "type", json_pack("{s:s}", "expected", "string"), NULL);
            } else if (chars == (size_t)-1 || memchr(l, '\0', len) != NULL) {
                decode_error(&e, path, "control_characters", NULL, NULL);
            } else if (chars < 1 || validate_title(l, len) != VALIDATE_TITLE_OK) {
                decode_error(&e, path, "no_visible_character", NULL, NULL);
            } else if (chars > LABEL_MAX) {
                decode_error(&e, path, "too_long", json_pack("{s:i}", "max", LABEL_MAX), NULL);
            }
        }
    }
    if (decode_finish(&e, out) != 0 || path_question(rq, out, &t->k.qid, &t->k.aid) != 0) {
        return 0;
    }
    if (t->b.labels == NULL || json_is_null(t->b.labels)) {
        t->b.labels = NULL;
        t->labels_json = "{}";
    } else {
        char *text = json_dumps(t->b.labels, JSON_COMPACT);
        t->labels_json = text != NULL ? arena_strdup(rq->arena, text) : "{}";
        free(text);
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->k.aid), "question_translate", translate_cb,
                           translate_reset, translate_reply, t);
}

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_questions_bodies[] = {
    {"POST /api/v1/assemblies/{aid}/questions", &create_spec},
    {"PATCH /api/v1/questions/{qid}", &patch_spec},
    {"PATCH /api/v1/questions/{qid}", &create_spec},
    {"POST /api/v1/questions/{qid}/translations", &translate_spec},
    {"POST /api/v1/questions/{qid}/close", &close_spec},
    {NULL, NULL},
};
