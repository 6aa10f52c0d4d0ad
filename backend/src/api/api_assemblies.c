/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_assemblies.c — assemblies: list (public + mine, keyset-paged),
 * create (the creator becomes convener), read (with composition), update,
 * join (open assemblies). Each change and its audit entries commit in one
 * transaction; who may do what is decided by core/validate/authz only.
 * Also the helpers shared by api_members.c, api_invitations.c and
 * api_audit.c (paging, authz subject and problems).
 */
#include "api/api_assemblies.h"

#include <string.h>

#include "api/api_authz.h"
#include "api/audit_writer.h"
#include "core/validate/validate.h"
#include "db/db_assembly.h"
#include "db/db_member.h"

/* Limits (code points). Why: a title must fit a list row and a page
 * heading; a description is a few paragraphs, not a document (proposals
 * carry long texts). The SQL CHECKs repeat them as a last line. */
#define TITLE_MAX       200
#define DESCRIPTION_MAX 10000

/* --- shared helpers ---------------------------------------------------------- */

int api_query_u64(const struct api_req *rq, const char *name, uint64_t *v)
{
    const char *s = api_query(rq, name);
    if (s == NULL) {
        return 0;
    }
    size_t len = strlen(s);
    if (len == 0 || len > 19 || (s[0] == '0' && len > 1)) {
        return -1;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    if (x > (uint64_t)INT64_MAX) {
        return -1;
    }
    *v = x;
    return 1;
}

int api_page_params(const struct api_req *rq, struct api_reply *out, int64_t *after, int *limit)
{
    uint64_t a = 0, l = API_PAGE_DEFAULT;
    if (api_query_u64(rq, "after", &a) < 0) {
        api_problem(out, API_E_BAD_REQUEST, "after must be a cursor returned as next");
        return -1;
    }
    int hl = api_query_u64(rq, "limit", &l);
    if (hl < 0 || l < 1 || l > API_PAGE_MAX) {
        api_problem(out, API_E_BAD_REQUEST, "limit must be an integer from 1 to 200");
        return -1;
    }
    *after = (int64_t)a;
    *limit = (int)l;
    return 0;
}

json_t *api_membership_json(int64_t aid, int64_t account_id, const char *role, const char *status,
                            const char *joined_at)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s?}", "assembly_id", (json_int_t)aid, "account_id",
                     (json_int_t)account_id, "role", role, "status", status, "joined_at",
                     joined_at);
}

/* --- decoding -------------------------------------------------------------------- */

/* Number of code points when s is UTF-8 without control characters (tab,
 * CR and LF allowed when multiline); (size_t)-1 otherwise. */
static size_t text_len(const char *s, bool multiline)
{
    size_t len = strlen(s);
    if (!validate_utf8(s, len)) {
        return (size_t)-1;
    }
    size_t cps = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool allowed_ctl = multiline && (ch == '\n' || ch == '\r' || ch == '\t');
        if ((ch < 0x20 && !allowed_ctl) || ch == 0x7f) {
            return (size_t)-1;
        }
        if (ch == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] < 0xa0) {
            return (size_t)-1; /* C1 control U+0080..U+009F */
        }
        if ((ch & 0xc0) != 0x80) {
            cps++;
        }
    }
    return cps;
}

struct asm_fields {
    const char *title, *description, *visibility, *join_policy, *default_language;
};

/* Decodes {title, description, visibility, join_policy, default_language}
 * (all optional here; create checks title). Returns 0, or -1 after
 * writing a 400/422 problem. Unknown members are refused (422). */
static int decode_fields(const struct api_req *rq, struct api_reply *out, struct asm_fields *f)
{
    memset(f, 0, sizeof(*f));
    if (!json_is_object(rq->body)) {
        api_problem(out, API_E_BAD_REQUEST, "body must be a JSON object");
        return -1;
    }
    json_t *fields = json_array();
    const char *key;
    json_t *val;
    json_object_foreach(rq->body, key, val)
    {
        const char **dst = NULL;
        if (strcmp(key, "title") == 0) {
            dst = &f->title;
        } else if (strcmp(key, "description") == 0) {
            dst = &f->description;
        } else if (strcmp(key, "visibility") == 0) {
            dst = &f->visibility;
        } else if (strcmp(key, "join_policy") == 0) {
            dst = &f->join_policy;
        } else if (strcmp(key, "default_language") == 0) {
            dst = &f->default_language;
        } else {
            api_field_error(fields, key, "unknown", "unknown field");
            continue;
        }
        if (!json_is_string(val)) {
            json_decref(fields);
            api_problem(out, API_E_BAD_REQUEST,
                        arena_printf(rq->arena, "%s must be a string", key));
            return -1;
        }
        *dst = json_string_value(val);
    }
    size_t n;
    if (f->title != NULL &&
        ((n = text_len(f->title, false)) == (size_t)-1 || n == 0 || n > TITLE_MAX)) {
        api_field_error(fields, "title", "invalid", "1 to 200 characters, no control characters");
    }
    if (f->description != NULL &&
        ((n = text_len(f->description, true)) == (size_t)-1 || n > DESCRIPTION_MAX)) {
        api_field_error(fields, "description", "invalid",
                        "at most 10000 characters; tab and line breaks are the only control "
                        "characters allowed");
    }
    if (f->visibility != NULL && strcmp(f->visibility, "public") != 0 &&
        strcmp(f->visibility, "members") != 0) {
        api_field_error(fields, "visibility", "invalid", "public or members");
    }
    if (f->join_policy != NULL && strcmp(f->join_policy, "open") != 0 &&
        strcmp(f->join_policy, "invite") != 0) {
        api_field_error(fields, "join_policy", "invalid", "open or invite");
    }
    if (f->default_language != NULL &&
        !validate_language_tag(f->default_language, strlen(f->default_language))) {
        api_field_error(fields, "default_language", "invalid", "a BCP 47 language tag");
    }
    if (json_array_size(fields) > 0) {
        api_problem_fields(out, API_E_VALIDATION, fields);
        return -1;
    }
    json_decref(fields);
    return 0;
}

static json_t *assembly_json(const struct db_assembly *x)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "id", (json_int_t)x->id,
                     "title", x->title, "description", x->description, "visibility", x->visibility,
                     "join_policy", x->join_policy, "default_language", x->default_language,
                     "created_by", (json_int_t)x->created_by, "created_at", x->created_at,
                     "updated_at", x->updated_at);
}

/* Adds my_role/my_status (null when not a member). */
static void add_standing(json_t *j, const char *role, const char *status)
{
    json_object_set_new(j, "my_role", role != NULL ? json_string(role) : json_null());
    json_object_set_new(j, "my_status", status != NULL ? json_string(status) : json_null());
}

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
        json_t *j = assembly_json(&items[i]);
        add_standing(j, items[i].my_role, items[i].my_status);
        json_array_append_new(arr, j);
    }
    json_t *next = n == limit && n > 0
                       ? json_string(arena_printf(rq->arena, "%lld", (long long)items[n - 1].id))
                       : json_null();
    return api_reply_json(out, 200, json_pack("{s:o, s:o}", "items", arr, "next", next));
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
    if (decode_fields(rq, out, &t.f) != 0) {
        return 0;
    }
    if (t.f.title == NULL) {
        json_t *fields = json_array();
        api_field_error(fields, "title", "required", "title is required");
        return api_problem_fields(out, API_E_VALIDATION, fields);
    }
    enum db_status st = db_run_txn(rq->db, "assembly_create", create_cb, create_reset, &t);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *j = assembly_json(&t.out);
    add_standing(j, "convener", "active");
    (void)api_reply_header(out, "Location",
                           arena_printf(rq->arena, "/api/v1/assemblies/%lld", (long long)t.out.id));
    return api_reply_json(out, 201, j);
}

/* --- read ------------------------------------------------------------------------ */

static json_t *composition_json(const struct db_composition *comp)
{
    json_t *by_country = json_object();
    json_t *by_role = json_object();
    for (int i = 0; i < comp->n_country; i++) {
        json_object_set_new(by_country, comp->by_country[i].key,
                            json_integer((json_int_t)comp->by_country[i].count));
    }
    for (int i = 0; i < comp->n_role; i++) {
        json_object_set_new(by_role, comp->by_role[i].key,
                            json_integer((json_int_t)comp->by_role[i].count));
    }
    return json_pack("{s:I, s:i, s:o, s:o}", "active_members", (json_int_t)comp->active_members,
                     "countries", comp->n_country, "by_country", by_country, "by_role", by_role);
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
    json_t *j = assembly_json(&x);
    add_standing(j, sd.role, sd.status);
    json_object_set_new(j, "composition", composition_json(&comp));
    return api_reply_json(out, 200, j);
}

/* --- update ---------------------------------------------------------------------- */

struct patch_txn {
    struct api_req *rq;
    int64_t aid;
    struct asm_fields f;
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
    st = api_audit_append(c, a, t->aid, t->rq->auth.account_id, "assembly.updated", data);
    json_decref(data);
    return st;
}

static int patch_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    (void)rq;
    struct patch_txn *t = cls;
    if (st != DB_OK) {
        return api_txn_problem(out, st, &t->refusal);
    }
    json_t *j = assembly_json(&t->out);
    add_standing(j, t->sd.role, t->sd.status);
    return api_reply_json(out, 200, j);
}

int api_assemblies_patch(struct api_req *rq, struct api_reply *out)
{
    struct patch_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->rq = rq;
    if (api_param_id(rq, "aid", &t->aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (decode_fields(rq, out, &t->f) != 0) {
        return 0;
    }
    if (t->f.title == NULL && t->f.description == NULL && t->f.visibility == NULL &&
        t->f.join_policy == NULL && t->f.default_language == NULL) {
        json_t *fields = json_array();
        api_field_error(fields, "", "empty", "nothing to change");
        return api_problem_fields(out, API_E_VALIDATION, fields);
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
};

static void join_reset(void *cls)
{
    struct join_txn *t = cls;
    api_refusal_clear(&t->refusal);
    t->joined_at = NULL;
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
    st = db_member_join(c, a, t->aid, me, "member", &t->joined_at);
    if (st == DB_CONFLICT) {
        return api_refuse(&t->refusal, API_E_ALREADY_MEMBER, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:s, s:s}", "account", arena_printf(a, "%lld", (long long)me),
                             "role", "member", "via", "open");
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
        api_membership_json(t->aid, rq->auth.account_id, "member", "active", t->joined_at));
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
