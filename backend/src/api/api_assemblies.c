/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_assemblies.c — assemblies: list (public + mine, keyset-paged),
 * create (the creator becomes convener), read (with composition), update,
 * join (open assemblies). Each change and its audit entries commit in one
 * transaction; who may do what is decided by core/validate/authz only.
 */
#include "api/api_assemblies.h"

#include <stddef.h>
#include <string.h>

#include "api/api_common.h"
#include "api/api_proposals.h"
#include "api/api_records.h"
#include "api/audit_writer.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "api/witness_queue.h"
#include "core/validate/validate.h"
#include "db/db_assembly.h"
#include "db/db_member.h"
#include "db/db_proposal.h"
#include "db/db_witness.h"

/* Limits (code points). Why: a title must fit a list row and a page
 * heading; a description is a few paragraphs, not a document (proposals
 * carry long texts). The SQL CHECKs repeat them as a last line. */
#define TITLE_MAX       200
#define DESCRIPTION_MAX 10000

/* --- decoding -------------------------------------------------------------------- */

struct asm_fields {
    const char *title, *description, *visibility, *join_policy, *default_language;
    json_t *advancement; /* PATCH only: the proposals' advancement rule (api_proposals.h) */
    struct decode_int witness_quorum; /* PATCH only: k of n cosignatures before a tally */
};

static bool language_tag_ok(const char *s, size_t len)
{
    return validate_language_tag(s, len);
}

static const char *const visibilities[] = {"public", "members", NULL};
static const char *const join_policies[] = {"open", "invite", NULL};

/* {title, description, visibility, join_policy, default_language}; POST
 * requires the title, PATCH at least one member. */
#define ASM_FIELDS(title_required)                                                                 \
    {.name = "title",                                                                              \
     .type = DECODE_STRING,                                                                        \
     .required = (title_required),                                                                 \
     .text = DECODE_TEXT_TITLE,                                                                    \
     .min_chars = 1,                                                                               \
     .max_chars = TITLE_MAX,                                                                       \
     .offset = offsetof(struct asm_fields, title)},                                                \
        {.name = "description",                                                                    \
         .type = DECODE_STRING,                                                                    \
         .text = DECODE_TEXT_MULTILINE,                                                            \
         .max_chars = DESCRIPTION_MAX,                                                             \
         .offset = offsetof(struct asm_fields, description)},                                      \
        {.name = "visibility",                                                                     \
         .type = DECODE_STRING,                                                                    \
         .one_of = visibilities,                                                                   \
         .offset = offsetof(struct asm_fields, visibility)},                                       \
        {.name = "join_policy",                                                                    \
         .type = DECODE_STRING,                                                                    \
         .one_of = join_policies,                                                                  \
         .offset = offsetof(struct asm_fields, join_policy)},                                      \
    {                                                                                              \
        .name = "default_language", .type = DECODE_STRING, .format = "language_tag",               \
        .format_ok = language_tag_ok, .offset = offsetof(struct asm_fields, default_language)      \
    }

static const struct decode_field create_fields[] = {ASM_FIELDS(true)};
static const struct decode_field patch_fields[] = {
    ASM_FIELDS(false),
    {.name = "advancement",
     .type = DECODE_OBJECT_OR_NULL,
     .offset = offsetof(struct asm_fields, advancement)},
    {.name = "witness_quorum",
     .type = DECODE_INTEGER,
     .int_range = true,
     .min = 0,
     .max = 16,
     .offset = offsetof(struct asm_fields, witness_quorum)}};
static const struct decode_spec create_spec = DECODE_SPEC(create_fields);
static const struct decode_spec patch_spec = {
    .fields = patch_fields, .n = PNYX_ARRAY_LEN(patch_fields), .need_one = true};

/* --- list ------------------------------------------------------------------------ */

int api_assemblies_list(struct api_req *rq, struct api_reply *out)
{
    int64_t after;
    int limit;
    if (api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    int64_t viewer = rq->auth.authenticated ? rq->auth.account_id : 0;
    struct db_assembly *items;
    int n;
    enum db_status st = db_assembly_list(rq->db, rq->arena, viewer, after, limit, &items, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr,
                              api_assembly_json(&items[i], items[i].my_role, items[i].my_status));
    }
    return api_page_reply(out, arr, n, limit, n > 0 ? items[n - 1].id : 0, NULL);
}

/* --- create ---------------------------------------------------------------------- */

struct create_txn {
    struct api_req *rq;
    struct asm_fields f;
    struct db_assembly out;
};

static void create_reset(void *cls)
{
    struct create_txn *t = cls;
    memset(&t->out, 0, sizeof(t->out));
}

static enum db_status create_cb(struct db_conn *c, void *cls)
{
    struct create_txn *t = cls;
    struct arena *a = t->rq->arena;
    int64_t me = t->rq->auth.account_id;
    struct db_assembly *x = &t->out;
    x->title = t->f.title;
    x->description = t->f.description != NULL ? t->f.description : "";
    x->visibility = t->f.visibility != NULL ? t->f.visibility : "public";
    x->join_policy = t->f.join_policy != NULL ? t->f.join_policy : "open";
    x->default_language = t->f.default_language != NULL ? t->f.default_language : "en";
    x->created_by = me;
    enum db_status st = db_assembly_insert(c, a, x);
    if (st == DB_OK) {
        st = db_member_join(c, a, x->id, me, "convener", NULL);
    }
    if (st == DB_OK) {
        st = api_audit_create_log(c, a, x->id);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *d1 = json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", x->title, "description",
                           x->description, "visibility", x->visibility, "join_policy",
                           x->join_policy, "default_language", x->default_language);
    json_t *d2 = json_pack("{s:s, s:s, s:s}", "account", arena_printf(a, "%lld", (long long)me),
                           "role", "convener", "via", "creation");
    st = api_audit_append(c, a, x->id, me, "assembly.created", d1);
    if (st == DB_OK) {
        st = api_audit_append(c, a, x->id, me, "member.joined", d2);
    }
    json_decref(d1);
    json_decref(d2);
    return st;
}

int api_assemblies_create(struct api_req *rq, struct api_reply *out)
{
    struct create_txn t = {.rq = rq};
    if (decode_or_fail(rq, out, &create_spec, &t.f) != 0) {
        return 0;
    }
    enum db_status st = db_run_txn(rq->db, "assembly_create", create_cb, create_reset, &t);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *j = api_assembly_json(&t.out, "convener", "active");
    (void)api_reply_header(out, "Location",
                           arena_printf(rq->arena, "/api/v1/assemblies/%lld", (long long)t.out.id));
    return api_reply_json(out, 201, j);
}

/* --- read ------------------------------------------------------------------------ */

/* "witness_quorum": k (README "Auditing a vote"); left out if unreadable. */
static void witness_quorum_json(struct api_req *rq, json_t *j, int64_t aid)
{
    int k = 0;
    if (db_witness_quorum(rq->db, rq->arena, aid, &k) == DB_OK) {
        json_object_set_new(j, "witness_quorum", json_integer(k));
    }
}

int api_assemblies_get(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    if (api_param_id(rq, "aid", &aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct db_standing sd;
    if (api_assembly_gate(rq, out, aid, AUTHZ_READ_ASSEMBLY, &sd) != 0) {
        return 0;
    }
    struct db_assembly x;
    struct db_composition comp;
    enum db_status st = db_assembly_get(rq->db, rq->arena, aid, &x);
    if (st == DB_OK) {
        st = db_assembly_composition(rq->db, rq->arena, aid, &comp);
    }
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *j = api_assembly_json(&x, sd.role, sd.status);
    json_object_set_new(j, "composition", api_composition_json(rq->arena, &comp));
    json_object_set_new(j, "advancement", api_advancement_json(rq->db, rq->arena, aid));
    witness_quorum_json(rq, j, aid);
    return api_reply_json(out, 200, j);
}

/* --- update ---------------------------------------------------------------------- */

struct patch_txn {
    struct api_req *rq;
    int64_t aid;
    struct asm_fields f;
    struct api_advancement adv;
    struct api_refusal refusal;
    struct db_standing sd;
    struct db_assembly out;
};

static void patch_reset(void *cls)
{
    struct patch_txn *t = cls;
    api_refusal_clear(&t->refusal);
    memset(&t->sd, 0, sizeof(t->sd));
    memset(&t->out, 0, sizeof(t->out));
}

static enum db_status patch_cb(struct db_conn *c, void *cls)
{
    struct patch_txn *t = cls;
    struct arena *a = t->rq->arena;
    enum db_status st =
        api_assembly_gate_txn(c, t->rq, t->aid, AUTHZ_UPDATE_ASSEMBLY, &t->sd, &t->refusal);
    if (st != DB_OK) {
        return st;
    }
    t->out.id = t->aid;
    t->out.title = t->f.title;
    t->out.description = t->f.description;
    t->out.visibility = t->f.visibility;
    t->out.join_policy = t->f.join_policy;
    t->out.default_language = t->f.default_language;
    st = db_assembly_update(c, a, &t->out);
    if (st == DB_OK && t->adv.set) {
        st = db_advancement_set(c, a, t->aid, t->adv.on, t->adv.min_endorsements,
                                t->adv.min_countries);
    }
    if (st == DB_OK && t->f.witness_quorum.set) {
        st = db_witness_quorum_set(c, a, t->aid, (int)t->f.witness_quorum.v);
    }
    if (st != DB_OK) {
        return st;
    }
    /* The entry records the fields the request set (their new values). */
    json_t *data = json_object();
    const char *names[] = {"title", "description", "visibility", "join_policy", "default_language"};
    const char *vals[] = {t->f.title, t->f.description, t->f.visibility, t->f.join_policy,
                          t->f.default_language};
    for (size_t i = 0; i < PNYX_ARRAY_LEN(names); i++) {
        if (vals[i] != NULL) {
            json_object_set_new(data, names[i], json_string(vals[i]));
        }
    }
    if (t->adv.set) {
        json_object_set_new(data, "advancement",
                            t->adv.on ? json_pack("{s:I, s:I}", "min_endorsements",
                                                  (json_int_t)t->adv.min_endorsements,
                                                  "min_countries", (json_int_t)t->adv.min_countries)
                                      : json_null());
    }
    if (t->f.witness_quorum.set) {
        json_object_set_new(data, "witness_quorum", json_integer(t->f.witness_quorum.v));
    }
    st = api_audit_append(c, a, t->aid, t->rq->auth.account_id, "assembly.updated", data);
    json_decref(data);
    return st;
}

static int patch_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct patch_txn *t = cls;
    if (st != DB_OK) {
        return api_txn_problem(out, st, &t->refusal);
    }
    json_t *j = api_assembly_json(&t->out, t->sd.role, t->sd.status);
    json_object_set_new(j, "advancement", api_advancement_json(rq->db, rq->arena, t->aid));
    witness_quorum_json(rq, j, t->aid);
    return api_reply_json(out, 200, j);
}

int api_assemblies_patch(struct api_req *rq, struct api_reply *out)
{
    struct patch_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->rq = rq;
    if (api_param_id(rq, "aid", &t->aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct decode_errors e;
    if (decode_body(rq, &patch_spec, &t->f, &e) == 0 && t->f.advancement != NULL) {
        json_t *errs = json_array();
        if (api_advancement_decode(t->f.advancement, &t->adv, errs) != 0) {
            size_t i;
            json_t *fe;
            json_array_foreach(errs, i, fe)
            {
                decode_error(&e, json_string_value(json_object_get(fe, "field")),
                             json_string_value(json_object_get(fe, "code")),
                             json_incref(json_object_get(fe, "params")),
                             json_string_value(json_object_get(fe, "message")));
            }
        }
        json_decref(errs);
    }
    /* k of n: never more than the witnesses this deployment submits to, so
     * a tally can always be published (a convener lowers k when witnesses
     * are configured away; README "Auditing a vote"). */
    size_t nw = witness_count();
    if (t->f.witness_quorum.set && t->f.witness_quorum.v > (int64_t)nw) {
        decode_error(&e, "witness_quorum", "out_of_range",
                     json_pack("{s:i, s:i}", "min", 0, "max", (int)nw),
                     nw == 0 ? "no witnesses are configured (PNYX_WITNESSES): only 0 is possible"
                             : "must not exceed the number of configured witnesses");
    }
    if (decode_finish(&e, out) != 0) {
        return 0;
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->aid), "assembly_update", patch_cb,
                           patch_reset, patch_reply, t);
}

/* --- join -------------------------------------------------------------------------- */

struct join_txn {
    struct api_req *rq;
    int64_t aid;
    struct api_refusal refusal;
    const char *joined_at;
    const char *role; /* "member", or "observer" kept from before leaving */
};

static void join_reset(void *cls)
{
    struct join_txn *t = cls;
    api_refusal_clear(&t->refusal);
    t->joined_at = NULL;
    t->role = NULL;
}

static enum db_status join_cb(struct db_conn *c, void *cls)
{
    struct join_txn *t = cls;
    struct arena *a = t->rq->arena;
    int64_t me = t->rq->auth.account_id;
    struct db_standing sd;
    enum db_status st = api_assembly_gate_txn(c, t->rq, t->aid, AUTHZ_JOIN, &sd, &t->refusal);
    struct authz_subject who = api_subject(t->rq, sd.role, sd.status);
    if (st == DB_REFUSED && t->refusal.error == API_E_FORBIDDEN && !sd.open_to_join &&
        !authz_is_member(&who)) {
        /* A non-member of an assembly that admits by invitation only. */
        return api_refuse(&t->refusal, API_E_INVITATION_REQUIRED, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    /* Re-joining after leaving never raises a role: an observer stays an
     * observer, a former convener comes back as a member. */
    st = db_member_join_open(c, a, t->aid, me, "member", &t->role, &t->joined_at);
    if (st == DB_CONFLICT) {
        return api_refuse(&t->refusal, API_E_ALREADY_MEMBER, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:s, s:s}", "account", arena_printf(a, "%lld", (long long)me),
                             "role", t->role, "via", "open");
    st = api_audit_append(c, a, t->aid, me, "member.joined", data);
    json_decref(data);
    return st;
}

static int join_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct join_txn *t = cls;
    if (st != DB_OK) {
        return api_txn_problem(out, st, &t->refusal);
    }
    return api_reply_json(
        out, 201,
        api_membership_json(t->aid, rq->auth.account_id, t->role, "active", t->joined_at));
}

int api_assemblies_join(struct api_req *rq, struct api_reply *out)
{
    struct join_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->rq = rq;
    if (api_param_id(rq, "aid", &t->aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->aid), "assembly_join", join_cb, join_reset,
                           join_reply, t);
}

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_assemblies_bodies[] = {
    {"POST /api/v1/assemblies", &create_spec},
    {"PATCH /api/v1/assemblies/{aid}", &patch_spec},
    {NULL, NULL},
};
