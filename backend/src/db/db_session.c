/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_session.c — SQL for sessions (login throttling: db_login.c). Hashes travel as
 * bytea in text form ("\x" + hex); times as unix seconds (to_timestamp /
 * extract(epoch)), so the cache in api/auth.c compares like with like.
 */
#include "db/db_session.h"

#include <string.h>

#include "db/db_int.h"
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

enum db_status db_session_insert(struct db_conn *c, struct arena *a, int64_t account_id,
                                 const uint8_t token_hash[DB_HASH_BYTES],
                                 const uint8_t csrf_hash[DB_HASH_BYTES], int64_t now,
                                 int64_t expires_at, int64_t *id)
{
    const char *p[5] = {db_param_i64(a, account_id), db_bytea_param(a, token_hash, DB_HASH_BYTES),
                        db_bytea_param(a, csrf_hash, DB_HASH_BYTES), db_param_i64(a, now),
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
    const char *p[1] = {db_bytea_param(a, token_hash, DB_HASH_BYTES)};
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
