/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_invitations.c — POST …/assemblies/{aid}/invitations creates a
 * random code (256 bits, base64url; only its SHA-256 is stored, and the
 * audit entry never carries it); POST /invitations/{code}/accept makes the
 * caller a member with the invitation's role. Unknown codes → 404
 * invitation-not-found, expired → 410 invitation-expired, used up → 410
 * invitation-used-up.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api_assemblies.h"
#include "api/api_authz.h"
#include "api/audit_writer.h"
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

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Strict RFC 3339 date-time ("2026-12-01T10:00:00Z", optional fraction,
 * Z or ±hh:mm) → unix seconds. Returns 0 or -1. */
static int parse_rfc3339(const char *s, long long *out)
{
    int Y, M, D, h, m, sec, oh = 0, om = 0;
    size_t len = strlen(s);
    if (len < 20 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
        digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' || digits(s + 17, 2, &sec)) {
        return -1;
    }
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') {
            return -1;
        }
        while (*p >= '0' && *p <= '9') {
            p++;
        }
    }
    int sign = 0;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        sign = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && !digits(p + 1, 2, &oh) &&
               p[3] == ':' && !digits(p + 4, 2, &om) && oh < 24 && om < 60) {
        sign = *p == '+' ? 1 : -1;
    } else {
        return -1;
    }
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 || sec > 60) {
        return -1;
    }
    bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M == 2 && D == 29 && !leap) {
        return -1;
    }
    struct tm tm = {.tm_year = Y - 1900,
                    .tm_mon = M - 1,
                    .tm_mday = D,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = sec > 59 ? 59 : sec};
    time_t t = timegm(&tm);
    *out = (long long)t - sign * (oh * 3600LL + om * 60LL);
    return 0;
}

static const char *format_utc(struct arena *a, long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    return arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
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

/* Decodes {role?, max_uses?, expires_at?} into t->inv. */
static int decode_invitation(struct api_req *rq, struct api_reply *out, struct icreate_txn *t)
{
    if (rq->body != NULL && !json_is_object(rq->body)) {
        return api_problem(out, API_E_BAD_REQUEST, "body must be a JSON object"), -1;
    }
    long long now = (long long)(rq->now_us / 1000000);
    long long exp = now + INVITE_DEFAULT_SECS;
    t->inv.role = "member";
    t->inv.max_uses = 1;
    json_t *fields = json_array();
    const char *key;
    json_t *val;
    json_object_foreach(rq->body, key, val)
    {
        if (strcmp(key, "role") == 0 && json_is_string(val)) {
            t->inv.role = json_string_value(val);
            if (role_parse(t->inv.role) == ROLE_NONE) {
                api_field_error(fields, "role", "invalid",
                                "convener, facilitator, member or observer");
            }
        } else if (strcmp(key, "max_uses") == 0 && json_is_integer(val)) {
            json_int_t n = json_integer_value(val);
            if (n < 1 || n > INVITE_MAX_USES) {
                api_field_error(fields, "max_uses", "out_of_range", "1 to 10000");
            }
            t->inv.max_uses = (int64_t)n;
        } else if (strcmp(key, "expires_at") == 0 && json_is_string(val)) {
            if (parse_rfc3339(json_string_value(val), &exp) != 0) {
                api_field_error(fields, "expires_at", "invalid", "an RFC 3339 date-time");
            } else if (exp <= now || exp > now + INVITE_MAX_SECONDS) {
                api_field_error(fields, "expires_at", "out_of_range",
                                "in the future, at most one year ahead");
            }
        } else if (strcmp(key, "role") == 0 || strcmp(key, "max_uses") == 0 ||
                   strcmp(key, "expires_at") == 0) {
            json_decref(fields);
            return api_problem(out, API_E_BAD_REQUEST,
                               arena_printf(rq->arena, "%s has the wrong type", key)),
                   -1;
        } else {
            api_field_error(fields, key, "unknown", "unknown field");
        }
    }
    if (json_array_size(fields) > 0) {
        return api_problem_fields(out, API_E_VALIDATION, fields), -1;
    }
    json_decref(fields);
    t->inv.expires_at = format_utc(rq->arena, exp);
    return 0;
}

static int icreate_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct icreate_txn *t = cls;
    if (st != DB_OK) {
        return api_txn_problem(out, st, &t->refusal);
    }
    return api_reply_json(
        out, 201,
        json_pack("{s:I, s:s, s:I, s:s, s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)t->inv.id,
                  "code", t->code, "assembly_id", (json_int_t)t->aid, "role", t->inv.role,
                  "max_uses", (json_int_t)t->inv.max_uses, "uses", (json_int_t)t->inv.uses,
                  "expires_at", t->inv.expires_at, "created_at", t->inv.created_at, "accept_path",
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
