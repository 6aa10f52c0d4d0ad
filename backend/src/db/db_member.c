/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_member.c — SQL for memberships and invitations: join (or re-join
 * after leaving), read/lock/update one row, the convener lock behind the
 * last-convener rule, the paged list, and invitation insert/lock/use.
 * Invitation codes never reach this file: only their SHA-256.
 */
#include "db/db_member.h"

#include <string.h>

#include "db/db_int.h"
#include "db/db_invitation.h"
#include "platform/crypto.h"

#define MEMBER_COLS                                                                                \
    "m.account_id, acc.display_name, acc.country, m.role, m.status, " DB_RFC3339(                  \
        "m.joined_at") ", " DB_RFC3339("m.updated_at")

static enum db_status read_member(const struct db_result *r, int row, struct db_member *out)
{
    memset(out, 0, sizeof(*out));
    if (db_get_i64(r, row, 0, &out->account_id) != 0) {
        return DB_HARD_ERROR;
    }
    out->display_name = db_value(r, row, 1);
    out->country = db_value(r, row, 2);
    out->role = db_value(r, row, 3);
    out->status = db_value(r, row, 4);
    out->joined_at = db_value(r, row, 5);
    out->updated_at = db_value(r, row, 6);
    return DB_OK;
}

/* Caller: join, invitation accept, assembly create. Re-activates a row that
 * left (keeping one row per person and assembly); an active or suspended
 * row is left alone, so 0 rows returned means "already a member". */
static const struct db_stmt stmt_join = {
    .name = "member_join",
    .sql = "INSERT INTO memberships AS m (assembly_id, account_id, role, status) "
           "VALUES ($1, $2, $3, 'active') ON CONFLICT (assembly_id, account_id) DO UPDATE "
           "SET role = EXCLUDED.role, status = 'active', joined_at = now(), updated_at = now() "
           "WHERE m.status = 'left' RETURNING " DB_RFC3339("m.joined_at"),
    .nparams = 3,
};

enum db_status db_member_join(struct db_conn *c, struct arena *a, int64_t aid, int64_t account,
                              const char *role, const char **joined_at)
{
    const char *p[3] = {db_param_i64(a, aid), db_param_i64(a, account), role};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_join, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (r.nrows != 1) {
        return DB_CONFLICT;
    }
    if (joined_at != NULL) {
        *joined_at = db_value(&r, 0, 0);
    }
    return DB_OK;
}

/* Caller: open join. Like member_join, but a row that left gets the less
 * powerful of its previous role and the joining role: leaving and
 * re-joining never raises a role (an observer stays an observer; only a
 * manager's PATCH raises one), nor restores a manager's office. */
#define MEMBER_ROLES "ARRAY['convener', 'facilitator', 'member', 'observer']"
static const struct db_stmt stmt_join_open = {
    .name = "member_join_open",
    .sql = "INSERT INTO memberships AS m (assembly_id, account_id, role, status) "
           "VALUES ($1, $2, $3, 'active') ON CONFLICT (assembly_id, account_id) DO UPDATE "
           "SET role = (" MEMBER_ROLES ")[greatest(array_position(" MEMBER_ROLES ", m.role), "
           "array_position(" MEMBER_ROLES ", EXCLUDED.role))], "
           "status = 'active', joined_at = now(), updated_at = now() "
           "WHERE m.status = 'left' RETURNING " DB_RFC3339("m.joined_at") ", m.role",
    .nparams = 3,
};

enum db_status db_member_join_open(struct db_conn *c, struct arena *a, int64_t aid, int64_t account,
                                   const char *role, const char **role_out, const char **joined_at)
{
    const char *p[3] = {db_param_i64(a, aid), db_param_i64(a, account), role};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_join_open, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (r.nrows != 1) {
        return DB_CONFLICT;
    }
    *joined_at = db_value(&r, 0, 0);
    *role_out = db_value(&r, 0, 1);
    return DB_OK;
}

/* Caller: PATCH member (target row, locked) and reads. */
static const struct db_stmt stmt_get = {
    .name = "member_get",
    .sql = "SELECT " MEMBER_COLS " FROM memberships m JOIN accounts acc ON acc.id = m.account_id "
           "WHERE m.assembly_id = $1 AND m.account_id = $2",
    .nparams = 2,
};
static const struct db_stmt stmt_get_lock = {
    .name = "member_get_lock",
    .sql = "SELECT " MEMBER_COLS " FROM memberships m JOIN accounts acc ON acc.id = m.account_id "
           "WHERE m.assembly_id = $1 AND m.account_id = $2 FOR UPDATE OF m",
    .nparams = 2,
};

enum db_status db_member_get(struct db_conn *c, struct arena *a, int64_t aid, int64_t account,
                             bool lock_row, struct db_member *out)
{
    const char *p[2] = {db_param_i64(a, aid), db_param_i64(a, account)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, lock_row ? &stmt_get_lock : &stmt_get, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_member(&r, 0, out);
}

/* Caller: PATCH member. NULL parameters keep the column. */
static const struct db_stmt stmt_update = {
    .name = "member_update",
    .sql = "UPDATE memberships AS m SET role = COALESCE($3, m.role), "
           "status = COALESCE($4, m.status), updated_at = now() FROM accounts acc "
           "WHERE m.assembly_id = $1 AND m.account_id = $2 AND acc.id = m.account_id "
           "RETURNING " MEMBER_COLS,
    .nparams = 4,
};

enum db_status db_member_update(struct db_conn *c, struct arena *a, int64_t aid, int64_t account,
                                const char *role, const char *status, struct db_member *out)
{
    const char *p[4] = {db_param_i64(a, aid), db_param_i64(a, account), role, status};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_update, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_member(&r, 0, out);
}

/* Caller: PATCH member when a convener steps down, is demoted, suspended or
 * leaves. Locking every active convener row (ordered) serialises such
 * changes per assembly; a concurrent demotion that committed first has
 * already removed its row from this set when the lock is granted (READ
 * COMMITTED re-checks the WHERE clause on the newest row version). */
static const struct db_stmt stmt_conveners = {
    .name = "member_lock_conveners",
    .sql = "SELECT count(*) FROM (SELECT 1 FROM memberships WHERE assembly_id = $1 "
           "AND role = 'convener' AND status = 'active' ORDER BY account_id FOR UPDATE) s",
    .nparams = 1,
};

enum db_status db_member_lock_conveners(struct db_conn *c, struct arena *a, int64_t aid,
                                        int64_t *count)
{
    const char *p[1] = {db_param_i64(a, aid)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_conveners, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return db_get_i64(&r, 0, 0, count) == 0 ? DB_OK : DB_HARD_ERROR;
}

/* Caller: GET members (keyset by account id). */
static const struct db_stmt stmt_list = {
    .name = "member_list",
    .sql = "SELECT " MEMBER_COLS " FROM memberships m JOIN accounts acc ON acc.id = m.account_id "
           "WHERE m.assembly_id = $1 AND m.account_id > $2 AND (NOT $4::bool OR m.status = "
           "'active') ORDER BY m.account_id LIMIT $3",
    .nparams = 4,
};

enum db_status db_member_list(struct db_conn *c, struct arena *a, int64_t aid, int64_t after,
                              int limit, bool active_only, struct db_member **items, int *n)
{
    const char *p[4] = {db_param_i64(a, aid), db_param_i64(a, after), db_param_i64(a, limit),
                        active_only ? "true" : "false"};
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_list, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_member *v = arena_calloc(a, (size_t)r.nrows + 1, sizeof(*v));
    for (int i = 0; i < r.nrows; i++) {
        if (read_member(&r, i, &v[i]) != DB_OK) {
            return DB_HARD_ERROR;
        }
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}

#define INV_COLS                                                                                   \
    "i.id, i.assembly_id, i.role, i.max_uses, i.uses, " DB_RFC3339(                                \
        "i.expires_at") ", " DB_RFC3339("i.created_at") ", i.expires_at <= now(), i.created_by, "  \
                                                        "i.revoked_at IS NOT NULL"

static enum db_status read_invitation_row(const struct db_result *r, int row,
                                          struct db_invitation *out)
{
    memset(out, 0, sizeof(*out));
    if (db_get_i64(r, row, 0, &out->id) != 0 || db_get_i64(r, row, 1, &out->assembly_id) != 0 ||
        db_get_i64(r, row, 3, &out->max_uses) != 0 || db_get_i64(r, row, 4, &out->uses) != 0 ||
        db_get_bool(r, row, 7, &out->expired) != 0 ||
        db_get_i64(r, row, 8, &out->created_by) != 0 ||
        db_get_bool(r, row, 9, &out->revoked) != 0) {
        return DB_HARD_ERROR;
    }
    out->role = db_value(r, row, 2);
    out->expires_at = db_value(r, row, 5);
    out->created_at = db_value(r, row, 6);
    if (r->ncols > 10) { /* INV_COLS_EXTRA */
        out->creator_name = db_value(r, row, 10);
        out->assembly_title = db_value(r, row, 11);
    }
    return DB_OK;
}

static enum db_status read_invitation(const struct db_result *r, struct db_invitation *out)
{
    return read_invitation_row(r, 0, out);
}

/* Appended to INV_COLS where the creator's name and the assembly's title
 * are shown (list, preview). */
#define INV_COLS_EXTRA                                                                             \
    ", acc.display_name, asm.title FROM invitations i JOIN accounts acc ON acc.id = i.created_by " \
    "JOIN assemblies asm ON asm.id = i.assembly_id"

/* Caller: POST invitations. */
static const struct db_stmt stmt_inv_insert = {
    .name = "invitation_insert",
    .sql = "INSERT INTO invitations AS i (assembly_id, code_hash, role, max_uses, expires_at, "
           "created_by) VALUES ($1, $2::bytea, $3, $4, $5::timestamptz, $6) RETURNING " INV_COLS,
    .nparams = 6,
};

enum db_status db_invitation_insert(struct db_conn *c, struct arena *a, int64_t aid,
                                    const uint8_t code_hash[32], int64_t created_by,
                                    struct db_invitation *inv)
{
    const char *p[6] = {db_param_i64(a, aid),
                        db_bytea_param(a, code_hash, 32),
                        inv->role,
                        db_param_i64(a, inv->max_uses),
                        inv->expires_at,
                        db_param_i64(a, created_by)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_inv_insert, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_invitation(&r, inv);
}

/* Caller: POST invitations/{code}/accept. The row lock makes concurrent
 * accepts of one code count their uses exactly. */
static const struct db_stmt stmt_inv_lock = {
    .name = "invitation_lock",
    .sql = "SELECT " INV_COLS " FROM invitations i WHERE i.code_hash = $1::bytea FOR UPDATE",
    .nparams = 1,
};

enum db_status db_invitation_lock(struct db_conn *c, struct arena *a, const uint8_t code_hash[32],
                                  struct db_invitation *out)
{
    const char *p[1] = {db_bytea_param(a, code_hash, 32)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_inv_lock, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_invitation(&r, out);
}

static const struct db_stmt stmt_inv_use = {
    .name = "invitation_use",
    .sql = "UPDATE invitations SET uses = uses + 1 WHERE id = $1",
    .nparams = 1,
};

enum db_status db_invitation_use(struct db_conn *c, struct arena *a, int64_t id)
{
    const char *p[1] = {db_param_i64(a, id)};
    return db_query_stmt(c, a, &stmt_inv_use, p, NULL);
}

/* Caller: GET /invitations/{code} (preview, no lock). */
static const struct db_stmt stmt_inv_preview = {
    .name = "invitation_preview",
    .sql = "SELECT " INV_COLS INV_COLS_EXTRA " WHERE i.code_hash = $1::bytea",
    .nparams = 1,
};

enum db_status db_invitation_preview(struct db_conn *c, struct arena *a,
                                     const uint8_t code_hash[32], struct db_invitation *out)
{
    const char *p[1] = {db_bytea_param(a, code_hash, 32)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_inv_preview, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_invitation(&r, out);
}

/* Caller: GET …/invitations (keyset by id). */
static const struct db_stmt stmt_inv_list = {
    .name = "invitation_list",
    .sql = "SELECT " INV_COLS INV_COLS_EXTRA " WHERE i.assembly_id = $1 AND i.id > $2 "
           "ORDER BY i.id LIMIT $3",
    .nparams = 3,
};

enum db_status db_invitation_list(struct db_conn *c, struct arena *a, int64_t aid, int64_t after,
                                  int limit, struct db_invitation **items, int *n)
{
    const char *p[3] = {db_param_i64(a, aid), db_param_i64(a, after), db_param_i64(a, limit)};
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_inv_list, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_invitation *v = arena_calloc(a, (size_t)r.nrows + 1, sizeof(*v));
    for (int i = 0; i < r.nrows; i++) {
        if (read_invitation_row(&r, i, &v[i]) != DB_OK) {
            return DB_HARD_ERROR;
        }
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}

/* Caller: DELETE …/invitations/{id} (locks the row). */
static const struct db_stmt stmt_inv_get_lock = {
    .name = "invitation_get_lock",
    .sql = "SELECT " INV_COLS " FROM invitations i WHERE i.assembly_id = $1 AND i.id = $2 "
           "FOR UPDATE",
    .nparams = 2,
};

enum db_status db_invitation_get_lock(struct db_conn *c, struct arena *a, int64_t aid, int64_t id,
                                      struct db_invitation *out)
{
    const char *p[2] = {db_param_i64(a, aid), db_param_i64(a, id)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_inv_get_lock, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_invitation(&r, out);
}

static const struct db_stmt stmt_inv_revoke = {
    .name = "invitation_revoke",
    .sql = "UPDATE invitations SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    .nparams = 1,
};

enum db_status db_invitation_revoke(struct db_conn *c, struct arena *a, int64_t id)
{
    const char *p[1] = {db_param_i64(a, id)};
    return db_query_stmt(c, a, &stmt_inv_revoke, p, NULL);
}

/* Caller: PATCH member (suspension, demotion, leaving), in its transaction. */
static const struct db_stmt stmt_inv_expire_creator = {
    .name = "invitation_expire_creator",
    .sql = "UPDATE invitations SET expires_at = now() WHERE assembly_id = $1 AND created_by = $2 "
           "AND expires_at > now() AND revoked_at IS NULL AND uses < max_uses",
    .nparams = 2,
};

enum db_status db_invitation_expire_by_creator(struct db_conn *c, struct arena *a, int64_t aid,
                                               int64_t created_by)
{
    const char *p[2] = {db_param_i64(a, aid), db_param_i64(a, created_by)};
    return db_query_stmt(c, a, &stmt_inv_expire_creator, p, NULL);
}
