/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_invitations.c — POST …/assemblies/{aid}/invitations creates a
 * random code (256 bits, base64url; only its SHA-256 is stored, and the
 * audit entry never carries it); POST /invitations/{code}/accept makes the
 * caller a member with the invitation's role. Unknown codes → 404
 * invitation-not-found, expired → 410 invitation-expired, used up → 410
 * invitation-used-up; revoked, or made by someone who may no longer
 * invite to that role (suspended, demoted, left) → 410 invitation-expired.
 * GET /invitations/{code} previews one (auth optional); managers list
 * (GET …/assemblies/{aid}/invitations) and revoke (DELETE …/{id}) them.
 * Codes never reach a log line: only their hash is looked up.
 */
#include <stddef.h>
#include <string.h>

#include "api/api_assemblies.h"
#include "api/api_records.h"
#include "api/audit_writer.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "core/base/base.h"
#include "db/db_assembly.h"
#include "db/db_invitation.h"
#include "db/db_member.h"
#include "platform/crypto.h"

/* Why these bounds: one code may admit a whole movement's mailing list
 * (10,000) but not be an unbounded open door; a year is the longest an
 * assembly plans ahead; a week is a sensible default for a link. */
#define INVITE_MAX_USES     10000
#define INVITE_MAX_SECONDS  (366LL * 24 * 3600)
#define INVITE_DEFAULT_SECS (7LL * 24 * 3600)

static const char *format_utc(struct arena *a, long long t)
{
    char buf[BASE_RFC3339_MAX];
    base_rfc3339_format((int64_t)t, -1, buf);
    return arena_strdup(a, buf);
}

struct icreate_txn {
    struct api_req *rq;
    int64_t aid;
    uint8_t hash[PNYX_SHA256_BYTES];
    char code[PNYX_TOKEN_CHARS + 1]; /* shown once, in the reply */
    struct api_refusal refusal;
    struct db_invitation inv; /* role, max_uses, expires_at in; the rest out */
};

static void icreate_reset(void *cls)
{
    struct icreate_txn *t = cls;
    api_refusal_clear(&t->refusal);
    t->inv.id = 0;
    t->inv.uses = 0;
    t->inv.created_at = NULL;
}

static enum db_status icreate_cb(struct db_conn *c, void *cls)
{
    struct icreate_txn *t = cls;
    struct arena *a = t->rq->arena;
    int64_t me = t->rq->auth.account_id;
    struct db_standing sd;
    enum db_status st =
        api_assembly_gate_txn(c, t->rq, t->aid, AUTHZ_CREATE_INVITATION, &sd, &t->refusal);
    if (st != DB_OK) {
        return st;
    }
    struct authz_subject who = api_subject(t->rq, sd.role, sd.status);
    enum authz_decision d = authz_invite_role(&who, role_parse(t->inv.role));
    if (d != AUTHZ_ALLOW) {
        return api_refuse(&t->refusal, api_authz_error(d), NULL);
    }
    st = db_invitation_insert(c, a, t->aid, t->hash, me, &t->inv);
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:I, s:s, s:s}", "expires_at", t->inv.expires_at, "max_uses",
                             (json_int_t)t->inv.max_uses, "role", t->inv.role, "invitation",
                             arena_printf(a, "%lld", (long long)t->inv.id));
    st = api_audit_append(c, a, t->aid, me, "invitation.created", data);
    json_decref(data);
    return st;
}

/* {role?, max_uses?, expires_at?}; no body at all means every default. */
struct icreate_body {
    const char *role;
    struct decode_int max_uses;
    const char *expires_at;
};

static bool date_time_ok(const char *s, size_t len)
{
    int64_t t;
    return base_rfc3339_parse(s, len, &t) == 0;
}

static const char *const invite_roles[] = {"convener", "facilitator", "member", "observer", NULL};
static const struct decode_field icreate_fields[] = {
    {.name = "role",
     .type = DECODE_STRING,
     .one_of = invite_roles,
     .offset = offsetof(struct icreate_body, role)},
    {.name = "max_uses",
     .type = DECODE_INTEGER,
     .int_range = true,
     .min = 1,
     .max = INVITE_MAX_USES,
     .offset = offsetof(struct icreate_body, max_uses)},
    {.name = "expires_at",
     .type = DECODE_STRING,
     .format = "date_time",
     .format_ok = date_time_ok,
     .offset = offsetof(struct icreate_body, expires_at)},
};
static const struct decode_spec icreate_spec = {
    .fields = icreate_fields, .n = PNYX_ARRAY_LEN(icreate_fields), .body_optional = true};

/* Decodes the body into t->inv (defaults: member, 1 use, a week). */
static int decode_invitation(struct api_req *rq, struct api_reply *out, struct icreate_txn *t)
{
    struct icreate_body b = {.role = "member", .max_uses = {.v = 1}};
    struct decode_errors e;
    long long now = (long long)(rq->now_us / 1000000);
    int64_t exp = now + INVITE_DEFAULT_SECS;
    if (decode_body(rq, &icreate_spec, &b, &e) == 0 && b.expires_at != NULL) {
        (void)base_rfc3339_parse(b.expires_at, strlen(b.expires_at), &exp);
        if (exp <= now || exp > now + INVITE_MAX_SECONDS) {
            char lo[BASE_RFC3339_MAX], hi[BASE_RFC3339_MAX];
            base_rfc3339_format(now, -1, lo);
            base_rfc3339_format(now + INVITE_MAX_SECONDS, -1, hi);
            decode_error(&e, "expires_at", "out_of_range",
                         json_pack("{s:s, s:s}", "min", lo, "max", hi),
                         "in the future, at most one year ahead");
        }
    }
    if (decode_finish(&e, out) != 0) {
        return -1;
    }
    t->inv.role = b.role;
    t->inv.max_uses = b.max_uses.v;
    t->inv.expires_at = format_utc(rq->arena, exp);
    return 0;
}

static int icreate_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct icreate_txn *t = cls;
    if (st != DB_OK) {
        return api_txn_problem(out, st, &t->refusal);
    }
    return api_reply_json(out, 201,
                          api_invitation_created_json(
                              &t->inv, t->aid, t->code,
                              arena_printf(rq->arena, "/api/v1/invitations/%s/accept", t->code)));
}

int api_invitations_create(struct api_req *rq, struct api_reply *out)
{
    struct icreate_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->rq = rq;
    if (api_param_id(rq, "aid", &t->aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (decode_invitation(rq, out, t) != 0) {
        return 0;
    }
    pnyx_crypto_token_new(t->code, t->hash);
    return api_txn_grouped(rq, out, db_group_assembly(t->aid), "invitation_create", icreate_cb,
                           icreate_reset, icreate_reply, t);
}

/* Whether the invitation's author may still issue its role: active, with
 * a role that may invite to it (authz_assembly + authz_invite_role, the
 * same rules as at creation), at the time of this statement. */
static enum db_status creator_may_issue(struct api_req *rq, struct db_conn *c,
                                        const struct db_invitation *inv, bool *ok)
{
    struct db_standing sd;
    *ok = false;
    enum db_status st = db_assembly_standing(c, rq->arena, inv->assembly_id, inv->created_by, &sd);
    if (st != DB_OK) {
        return st;
    }
    struct authz_subject who = {.logged_in = true,
                                .account_id = inv->created_by,
                                .role = role_parse(sd.role),
                                .status = member_status_parse(sd.status)};
    struct authz_resource res = {.is_public = sd.is_public, .open_to_join = sd.open_to_join};
    *ok = authz_assembly(&who, &res, AUTHZ_CREATE_INVITATION) == AUTHZ_ALLOW &&
          authz_invite_role(&who, role_parse(inv->role)) == AUTHZ_ALLOW;
    return DB_OK;
}

struct accept_txn {
    struct api_req *rq;
    uint8_t hash[PNYX_SHA256_BYTES];
    struct api_refusal refusal;
    struct db_invitation inv;
    const char *joined_at;
};

static void accept_reset(void *cls)
{
    struct accept_txn *t = cls;
    api_refusal_clear(&t->refusal);
    memset(&t->inv, 0, sizeof(t->inv));
    t->joined_at = NULL;
}

static enum db_status accept_cb(struct db_conn *c, void *cls)
{
    struct accept_txn *t = cls;
    struct arena *a = t->rq->arena;
    int64_t me = t->rq->auth.account_id;
    enum db_status st = db_invitation_lock(c, a, t->hash, &t->inv);
    if (st == DB_NOT_FOUND) {
        return api_refuse(&t->refusal, API_E_INVITATION_NOT_FOUND, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    if (t->inv.expired) {
        return api_refuse(&t->refusal, API_E_INVITATION_EXPIRED, NULL);
    }
    if (t->inv.uses >= t->inv.max_uses) {
        return api_refuse(&t->refusal, API_E_INVITATION_USED_UP, NULL);
    }
    bool creator_ok = false;
    st = creator_may_issue(t->rq, c, &t->inv, &creator_ok);
    if (st != DB_OK) {
        return st;
    }
    if (t->inv.revoked || !creator_ok) {
        return api_refuse(&t->refusal, API_E_INVITATION_EXPIRED,
                          t->inv.revoked
                              ? "the invitation was revoked"
                              : "the invitation's author may no longer invite to this role");
    }
    struct db_standing sd;
    st = api_assembly_gate_txn(c, t->rq, t->inv.assembly_id, AUTHZ_ACCEPT_INVITATION, &sd,
                               &t->refusal);
    if (st != DB_OK) {
        return st;
    }
    st = db_member_join(c, a, t->inv.assembly_id, me, t->inv.role, &t->joined_at);
    if (st == DB_CONFLICT) {
        return api_refuse(&t->refusal, API_E_ALREADY_MEMBER, NULL);
    }
    if (st == DB_OK) {
        st = db_invitation_use(c, a, t->inv.id);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack(
        "{s:s, s:s, s:s, s:s}", "account", arena_printf(a, "%lld", (long long)me), "invitation",
        arena_printf(a, "%lld", (long long)t->inv.id), "role", t->inv.role, "via", "invitation");
    st = api_audit_append(c, a, t->inv.assembly_id, me, "member.joined", data);
    json_decref(data);
    return st;
}

int api_invitations_accept(struct api_req *rq, struct api_reply *out)
{
    struct accept_txn t = {.rq = rq};
    const char *code = api_param(rq, "code");
    /* A malformed code cannot exist: same answer as an unknown one, and no
     * database round trip. */
    if (code == NULL || !pnyx_crypto_token_hash(code, strlen(code), t.hash)) {
        return api_problem(out, API_E_INVITATION_NOT_FOUND, NULL);
    }
    enum db_status st = db_run_txn(rq->db, "invitation_accept", accept_cb, accept_reset, &t);
    if (st != DB_OK) {
        return api_txn_problem(out, st, &t.refusal);
    }
    return api_reply_json(out, 201,
                          api_membership_json(t.inv.assembly_id, rq->auth.account_id, t.inv.role,
                                              "active", t.joined_at));
}

/* --- preview, list, revoke ------------------------------------------------------ */

/* "revoked" | "expired" | "used_up" | "valid", in that order of precedence;
 * creator_ok = the author may still issue the role (see creator_may_issue). */
static const char *invitation_status(const struct db_invitation *inv, bool creator_ok)
{
    if (inv->revoked || !creator_ok) {
        return "revoked";
    }
    if (inv->expired) {
        return "expired";
    }
    if (inv->uses >= inv->max_uses) {
        return "used_up";
    }
    return "valid";
}

struct preview_txn {
    struct api_req *rq;
    uint8_t hash[PNYX_SHA256_BYTES];
    struct db_invitation inv;
    bool creator_ok;
};

static void preview_reset(void *cls)
{
    struct preview_txn *t = cls;
    memset(&t->inv, 0, sizeof(t->inv));
    t->creator_ok = false;
}

static enum db_status preview_cb(struct db_conn *c, void *cls)
{
    struct preview_txn *t = cls;
    enum db_status st = db_invitation_preview(c, t->rq->arena, t->hash, &t->inv);
    if (st == DB_OK) {
        st = creator_may_issue(t->rq, c, &t->inv, &t->creator_ok);
    }
    return st;
}

/* GET /api/v1/invitations/{code}: what accepting would do, before and after
 * logging in. The code is the capability: whoever holds it may see the
 * assembly's title and who invited, also for a members-only assembly. */
int api_invitations_preview(struct api_req *rq, struct api_reply *out)
{
    struct preview_txn t = {.rq = rq};
    const char *code = api_param(rq, "code");
    if (code == NULL || !pnyx_crypto_token_hash(code, strlen(code), t.hash)) {
        return api_problem(out, API_E_INVITATION_NOT_FOUND, NULL);
    }
    enum db_status st = db_run_txn(rq->db, "invitation_preview", preview_cb, preview_reset, &t);
    if (st == DB_NOT_FOUND) {
        return api_problem(out, API_E_INVITATION_NOT_FOUND, NULL);
    }
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    const char *status = invitation_status(&t.inv, t.creator_ok);
    int64_t left = strcmp(status, "valid") == 0 ? t.inv.max_uses - t.inv.uses : 0;
    json_t *j = api_invitation_preview_json(&t.inv, status, left);
    api_reply_json(out, 200, j);
    api_reply_header(out, "Cache-Control", "no-store");
    return 0;
}

/* GET /api/v1/assemblies/{aid}/invitations (managers): every invitation,
 * keyset-paged by id. Codes are never shown again (only hashes exist). */
int api_invitations_list(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    if (api_param_id(rq, "aid", &aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    /* Managers only: the same gate as creating an invitation. */
    struct db_standing sd;
    if (api_assembly_gate(rq, out, aid, AUTHZ_CREATE_INVITATION, &sd) != 0) {
        return 0;
    }
    int64_t after;
    int limit;
    if (api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    struct db_invitation *items;
    int n;
    enum db_status st = db_invitation_list(rq->db, rq->arena, aid, after, limit, &items, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(
            arr, api_invitation_listed_json(&items[i], invitation_status(&items[i], true)));
    }
    return api_page_reply(out, arr, n, limit, n > 0 ? items[n - 1].id : 0, NULL);
}

struct revoke_txn {
    struct api_req *rq;
    int64_t aid, id;
    struct api_refusal refusal;
};

static void revoke_reset(void *cls)
{
    struct revoke_txn *t = cls;
    api_refusal_clear(&t->refusal);
}

static enum db_status revoke_cb(struct db_conn *c, void *cls)
{
    struct revoke_txn *t = cls;
    struct arena *a = t->rq->arena;
    /* Managers only: the same gate as creating an invitation. */
    struct db_standing sd;
    enum db_status st =
        api_assembly_gate_txn(c, t->rq, t->aid, AUTHZ_CREATE_INVITATION, &sd, &t->refusal);
    if (st != DB_OK) {
        return st;
    }
    struct db_invitation inv;
    st = db_invitation_get_lock(c, a, t->aid, t->id, &inv);
    if (st == DB_NOT_FOUND) {
        return api_refuse(&t->refusal, API_E_NOT_FOUND, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    /* A facilitator cannot revoke what they could not have issued. */
    struct authz_subject who = api_subject(t->rq, sd.role, sd.status);
    enum authz_decision d = authz_invite_role(&who, role_parse(inv.role));
    if (d != AUTHZ_ALLOW) {
        return api_refuse(&t->refusal, api_authz_error(d), NULL);
    }
    if (inv.revoked) {
        return DB_OK; /* idempotent: nothing changes, nothing to record */
    }
    st = db_invitation_revoke(c, a, inv.id);
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:s}", "invitation", arena_printf(a, "%lld", (long long)inv.id),
                             "role", inv.role);
    st = api_audit_append(c, a, t->aid, t->rq->auth.account_id, "invitation.revoked", data);
    json_decref(data);
    return st;
}

static int revoke_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    (void)rq;
    struct revoke_txn *t = cls;
    if (st != DB_OK) {
        return api_txn_problem(out, st, &t->refusal);
    }
    api_reply_empty(out, 204);
    return 0;
}

/* DELETE /api/v1/assemblies/{aid}/invitations/{id} (managers) → 204. */
int api_invitations_revoke(struct api_req *rq, struct api_reply *out)
{
    struct revoke_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->rq = rq;
    if (api_param_id(rq, "aid", &t->aid) != 0 || api_param_id(rq, "id", &t->id) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->aid), "invitation_revoke", revoke_cb,
                           revoke_reset, revoke_reply, t);
}

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_invitations_bodies[] = {
    {"POST /api/v1/assemblies/{aid}/invitations", &icreate_spec},
    {NULL, NULL},
};
