/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_session.c — SQL for sessions and login_failures. Hashes travel as
 * bytea in text form ("\x" + hex); times as unix seconds (to_timestamp /
 * extract(epoch)), so the cache in api/auth.c compares like with like.
 */
#include "db/db_session.h"

#include <string.h>

#include "platform/crypto.h"

#define SES_EPOCH(col)   "floor(extract(epoch FROM " col "))::bigint"
#define SES_RFC3339(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* POST /api/v1/sessions. */
static const struct db_stmt stmt_insert = {
    .name = "session_insert",
    .sql = "INSERT INTO sessions (account_id, token_hash, csrf_hash, created_at, last_seen_at, "
           "expires_at) VALUES ($1, $2::bytea, $3::bytea, to_timestamp($4::bigint), "
           "to_timestamp($4::bigint), to_timestamp($5::bigint)) RETURNING id",
    .nparams = 5,
};

/* Every authenticated request whose token is not in the process cache, and
 * each cache revalidation (api/auth.c). Unique index on token_hash. */
/* clang-format off */
#define SES_LOOKUP_COLS                                                                       \
    "s.id, s.account_id, " SES_EPOCH("s.created_at") ", " SES_EPOCH("s.last_seen_at") ", "   \
    SES_EPOCH("s.expires_at") ", encode(s.csrf_hash, 'hex'), a.email, a.display_name, "      \
    "a.country, to_json(a.languages)::text, " SES_RFC3339("a.created_at")
/* clang-format on */
static const struct db_stmt stmt_lookup = {
    .name = "session_lookup",
    .sql = "SELECT " SES_LOOKUP_COLS " FROM sessions s JOIN accounts a ON a.id = s.account_id "
           "WHERE s.token_hash = $1::bytea",
    .nparams = 1,
};

/* Batched last-seen update (api/auth.c, at most once a minute a session). */
static const struct db_stmt stmt_touch = {
    .name = "session_touch",
    .sql = "UPDATE sessions SET last_seen_at = to_timestamp($2::bigint) "
           "WHERE id = $1 AND last_seen_at < to_timestamp($2::bigint)",
    .nparams = 2,
};

/* DELETE /api/v1/sessions/current. */
static const struct db_stmt stmt_delete = {
    .name = "session_delete",
    .sql = "DELETE FROM sessions WHERE id = $1",
    .nparams = 1,
};

/* Housekeeping at login (api_sessions.c). */
static const struct db_stmt stmt_purge = {
    .name = "session_purge",
    .sql = "DELETE FROM sessions WHERE account_id = $1 AND (expires_at <= to_timestamp($2::bigint) "
           "OR last_seen_at < to_timestamp($3::bigint))",
    .nparams = 3,
};

/* Login throttle check, before any hashing (api_sessions.c): the max-th
 * most recent failure inside the window, if there are that many. */
static const struct db_stmt stmt_locked = {
    .name = "login_locked_until",
    .sql = "SELECT " SES_EPOCH(
        "failed_at") " FROM login_failures "
                     "WHERE scope = $1 AND key = $2 AND failed_at > to_timestamp($3::bigint) "
                     "ORDER BY failed_at DESC OFFSET $4::int LIMIT 1",
    .nparams = 4,
};

static const struct db_stmt stmt_fail_insert = {
    .name = "login_failure_insert",
    .sql = "INSERT INTO login_failures (scope, key, failed_at) "
           "VALUES ('email', $1, to_timestamp($3::bigint)), ('addr', $2, to_timestamp($3::bigint))",
    .nparams = 3,
};

static const struct db_stmt stmt_fail_prune = {
    .name = "login_failure_prune",
    .sql = "DELETE FROM login_failures WHERE failed_at <= to_timestamp($3::bigint) "
           "AND ((scope = 'email' AND key = $1) OR (scope = 'addr' AND key = $2))",
    .nparams = 3,
};

static const struct db_stmt stmt_fail_clear = {
    .name = "login_failure_clear",
    .sql = "DELETE FROM login_failures WHERE scope = 'email' AND key = $1",
    .nparams = 1,
};

static const char *bytea_param(struct arena *a, const uint8_t h[DB_HASH_BYTES])
{
    char *s = arena_alloc(a, 2 + 2 * DB_HASH_BYTES + 1);
    s[0] = '\\';
    s[1] = 'x';
    pnyx_crypto_hex(h, DB_HASH_BYTES, s + 2);
    return s;
}

enum db_status db_session_insert(struct db_conn *c, struct arena *a, int64_t account_id,
                                 const uint8_t token_hash[DB_HASH_BYTES],
                                 const uint8_t csrf_hash[DB_HASH_BYTES], int64_t now,
                                 int64_t expires_at, int64_t *id)
{
    const char *p[5] = {db_param_i64(a, account_id), bytea_param(a, token_hash),
                        bytea_param(a, csrf_hash), db_param_i64(a, now),
                        db_param_i64(a, expires_at)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_insert, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return db_get_i64(&r, 0, 0, id) == 0 ? DB_OK : DB_HARD_ERROR;
}

enum db_status db_session_lookup(struct db_conn *c, struct arena *a,
                                 const uint8_t token_hash[DB_HASH_BYTES], struct db_session *out)
{
    const char *p[1] = {bytea_param(a, token_hash)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_lookup, p, &r);
    if (st != DB_OK) {
        return st;
    }
    memset(out, 0, sizeof(*out));
    const char *csrf = db_value(&r, 0, 5);
    if (db_get_i64(&r, 0, 0, &out->id) != 0 || db_get_i64(&r, 0, 1, &out->account_id) != 0 ||
        db_get_i64(&r, 0, 2, &out->created_at) != 0 ||
        db_get_i64(&r, 0, 3, &out->last_seen_at) != 0 ||
        db_get_i64(&r, 0, 4, &out->expires_at) != 0 || csrf == NULL ||
        pnyx_crypto_unhex(csrf, strlen(csrf), out->csrf_hash, DB_HASH_BYTES) != 0) {
        return DB_HARD_ERROR;
    }
    out->account.id = out->account_id;
    out->account.email = db_value(&r, 0, 6);
    out->account.display_name = db_value(&r, 0, 7);
    out->account.country = db_value(&r, 0, 8);
    out->account.languages_json = db_value(&r, 0, 9);
    out->account.created_at = db_value(&r, 0, 10);
    return DB_OK;
}

enum db_status db_session_touch(struct db_conn *c, struct arena *a, int64_t id, int64_t seen)
{
    const char *p[2] = {db_param_i64(a, id), db_param_i64(a, seen)};
    return db_query_stmt(c, a, &stmt_touch, p, NULL);
}

enum db_status db_session_delete(struct db_conn *c, struct arena *a, int64_t id)
{
    const char *p[1] = {db_param_i64(a, id)};
    return db_query_stmt(c, a, &stmt_delete, p, NULL);
}

enum db_status db_session_purge(struct db_conn *c, struct arena *a, int64_t account_id, int64_t now,
                                int64_t idle_cutoff)
{
    const char *p[3] = {db_param_i64(a, account_id), db_param_i64(a, now),
                        db_param_i64(a, idle_cutoff)};
    return db_query_stmt(c, a, &stmt_purge, p, NULL);
}

enum db_status db_login_locked_until(struct db_conn *c, struct arena *a, const char *scope,
                                     const char *key, unsigned max, int64_t now, int64_t window,
                                     int64_t *until)
{
    *until = 0;
    if (max == 0) {
        return DB_OK;
    }
    const char *p[4] = {scope, key, db_param_i64(a, now - window), db_param_i64(a, max - 1)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_locked, p, &r);
    if (st == DB_NOT_FOUND) {
        return DB_OK;
    }
    if (st != DB_OK) {
        return st;
    }
    int64_t t;
    if (db_get_i64(&r, 0, 0, &t) != 0) {
        return DB_HARD_ERROR;
    }
    *until = t + window;
    return DB_OK;
}

struct fail_txn {
    struct arena *a;
    const char *const *p;
};

static enum db_status fail_txn_cb(struct db_conn *c, void *cls)
{
    struct fail_txn *f = cls;
    enum db_status st = db_query_stmt(c, f->a, &stmt_fail_prune, f->p + 3, NULL);
    if (st != DB_OK) {
        return st;
    }
    return db_query_stmt(c, f->a, &stmt_fail_insert, f->p, NULL);
}

enum db_status db_login_failure_record(struct db_conn *c, struct arena *a, const char *email,
                                       const char *addr, int64_t now, int64_t window)
{
    /* p[0..2] for the insert, p[3..5] for the prune. */
    const char *p[6] = {email, addr, db_param_i64(a, now),
                        email, addr, db_param_i64(a, now - window)};
    struct fail_txn f = {.a = a, .p = p};
    return db_run_txn(c, "login_failure_record", fail_txn_cb, NULL, &f);
}

enum db_status db_login_failure_clear(struct db_conn *c, struct arena *a, const char *email)
{
    const char *p[1] = {email};
    return db_query_stmt(c, a, &stmt_fail_clear, p, NULL);
}
