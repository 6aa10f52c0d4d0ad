/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_members.c — GET …/members (keyset-paged by account id) and
 * PATCH …/members/{account_id} {role?, status?}. The patch, its
 * last-convener check and its audit entry (member.updated, or member.left
 * when the status becomes left) commit in one transaction.
 */
#include <stddef.h>
#include <string.h>

#include "api/api_assemblies.h"
#include "api/api_records.h"
#include "api/audit_writer.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "db/db_assembly.h"
#include "db/db_invitation.h"
#include "db/db_member.h"

int api_members_list(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    if (api_param_id(rq, "aid", &aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct db_standing sd;
    if (api_assembly_gate(rq, out, aid, AUTHZ_LIST_MEMBERS, &sd) != 0) {
        return 0;
    }
    int64_t after;
    int limit;
    if (api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    struct db_member *items;
    int n;
    /* Non-members (anonymous readers of a public assembly, outsiders) see
     * active members only: who was suspended or left is the members'
     * business. */
    struct authz_subject who = api_subject(rq, sd.role, sd.status);
    enum db_status st =
        db_member_list(rq->db, rq->arena, aid, after, limit, !authz_is_member(&who), &items, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, api_member_json(&items[i]));
    }
    return api_page_reply(out, arr, n, limit, n > 0 ? items[n - 1].account_id : 0, NULL);
}

struct mpatch_txn {
    struct api_req *rq;
    int64_t aid;
    int64_t target;
    const char *role;   /* requested, NULL = unchanged */
    const char *status; /* requested, NULL = unchanged */
    struct api_refusal refusal;
    struct db_member out;
};

static void mpatch_reset(void *cls)
{
    struct mpatch_txn *t = cls;
    api_refusal_clear(&t->refusal);
    memset(&t->out, 0, sizeof(t->out));
}

static bool removes_convener(const struct db_member *m, const char *role, const char *status)
{
    if (strcmp(m->role, "convener") != 0 || strcmp(m->status, "active") != 0) {
        return false;
    }
    return (role != NULL && strcmp(role, "convener") != 0) ||
           (status != NULL && strcmp(status, "active") != 0);
}

/* Suspended, left, or demoted (conveners rank first, observers last). */
static bool loses_invite_power(const struct db_member *before, const struct db_member *after)
{
    if (strcmp(before->status, "active") == 0 && strcmp(after->status, "active") != 0) {
        return true;
    }
    return role_parse(after->role) > role_parse(before->role);
}

static enum db_status mpatch_cb(struct db_conn *c, void *cls)
{
    struct mpatch_txn *t = cls;
    struct arena *a = t->rq->arena;
    int64_t me = t->rq->auth.account_id;
    bool self = me == t->target;
    bool leaving = self && t->status != NULL && strcmp(t->status, "left") == 0;
    struct db_standing sd;
    enum db_status st = api_assembly_gate_txn(
        c, t->rq, t->aid, leaving ? AUTHZ_LEAVE : AUTHZ_PATCH_MEMBER, &sd, &t->refusal);
    if (st != DB_OK) {
        return st;
    }
    struct authz_subject who = api_subject(t->rq, sd.role, sd.status);
    struct db_member cur;
    st = db_member_get(c, a, t->aid, t->target, false, &cur);
    if (st == DB_NOT_FOUND) {
        return api_refuse(&t->refusal, API_E_NOT_FOUND, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    struct authz_subject target = api_subject(t->rq, cur.role, cur.status);
    enum authz_decision d = authz_member_patch(&who, &target, self, role_parse(t->role),
                                               member_status_parse(t->status));
    if (d != AUTHZ_ALLOW) {
        return api_refuse(&t->refusal, api_authz_error(d), NULL);
    }
    if (removes_convener(&cur, t->role, t->status)) {
        /* Lock every active convener row, then re-read the target under
         * that lock: the count and the target's state are now stable. */
        int64_t conveners = 0;
        st = db_member_lock_conveners(c, a, t->aid, &conveners);
        if (st == DB_OK) {
            st = db_member_get(c, a, t->aid, t->target, true, &cur);
        }
        if (st != DB_OK) {
            return st;
        }
        if (removes_convener(&cur, t->role, t->status) && conveners <= 1) {
            return api_refuse(&t->refusal, API_E_LAST_CONVENER,
                              "an assembly keeps at least one active convener");
        }
    }
    bool role_changes = t->role != NULL && strcmp(t->role, cur.role) != 0;
    bool status_changes = t->status != NULL && strcmp(t->status, cur.status) != 0;
    if (!role_changes && !status_changes) {
        t->out = cur; /* nothing to record */
        return DB_OK;
    }
    st = db_member_update(c, a, t->aid, t->target, t->role, t->status, &t->out);
    if (st == DB_OK && loses_invite_power(&cur, &t->out)) {
        /* Invitations the target made must not outlive their power to
         * make them: the same transaction expires them. */
        st = db_invitation_expire_by_creator(c, a, t->aid, t->target);
    }
    if (st != DB_OK) {
        return st;
    }
    const char *acct = arena_printf(a, "%lld", (long long)t->target);
    json_t *data;
    const char *kind;
    if (status_changes && strcmp(t->out.status, "left") == 0) {
        kind = "member.left";
        data = json_pack("{s:s, s:s}", "account", acct, "role", t->out.role);
    } else {
        kind = "member.updated";
        data = json_pack("{s:s, s:s, s:s}", "account", acct, "role", t->out.role, "status",
                         t->out.status);
    }
    st = api_audit_append(c, a, t->aid, me, kind, data);
    json_decref(data);
    return st;
}

/* {role?, status?}, at least one. */
static const char *const roles[] = {"convener", "facilitator", "member", "observer", NULL};
static const char *const statuses[] = {"active", "suspended", "left", NULL};
static const struct decode_field mpatch_fields[] = {
    {.name = "role",
     .type = DECODE_STRING,
     .one_of = roles,
     .offset = offsetof(struct mpatch_txn, role)},
    {.name = "status",
     .type = DECODE_STRING,
     .one_of = statuses,
     .offset = offsetof(struct mpatch_txn, status)},
};
static const struct decode_spec mpatch_spec = {
    .fields = mpatch_fields, .n = PNYX_ARRAY_LEN(mpatch_fields), .need_one = true};

static int mpatch_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    (void)rq;
    struct mpatch_txn *t = cls;
    if (st != DB_OK) {
        return api_txn_problem(out, st, &t->refusal);
    }
    return api_reply_json(out, 200, api_member_json(&t->out));
}

int api_members_patch(struct api_req *rq, struct api_reply *out)
{
    struct mpatch_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->rq = rq;
    if (api_param_id(rq, "aid", &t->aid) != 0 || api_param_id(rq, "account_id", &t->target) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (decode_or_fail(rq, out, &mpatch_spec, t) != 0) {
        return 0;
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->aid), "member_patch", mpatch_cb,
                           mpatch_reset, mpatch_reply, t);
}

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_members_bodies[] = {
    {"PATCH /api/v1/assemblies/{aid}/members/{account_id}", &mpatch_spec},
    {NULL, NULL},
};
