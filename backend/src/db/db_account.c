/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_account.c — SQL for accounts: insert, by e-mail, by id, rehash.
 * Parameterised prepared statements; results copied into the arena.
 * Languages travel as a JSON array text (to_json / json_array_elements_text)
 * so no SQL array literal is ever built by hand.
 */
#include "db/db_account.h"

#include <string.h>

#define ACC_RFC3339(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ACC_COLS                                                                                   \
    "id, email, display_name, country, to_json(languages)::text, " ACC_RFC3339("created_at")

/* POST /api/v1/accounts (api_accounts.c). */
static const struct db_stmt stmt_insert = {
    .name = "account_insert",
    .sql = "INSERT INTO accounts (email, display_name, password_hash, country, languages) "
           "VALUES ($1, $2, $3, $4, ARRAY(SELECT json_array_elements_text($5::json))) "
           "RETURNING id, " ACC_RFC3339("created_at"),
    .nparams = 5,
};

/* POST /api/v1/sessions (api_sessions.c). */
static const struct db_stmt stmt_by_email = {
    .name = "account_by_email",
    .sql = "SELECT " ACC_COLS ", password_hash FROM accounts WHERE lower(email) = lower($1)",
    .nparams = 1,
};

static const struct db_stmt stmt_get = {
    .name = "account_get",
    .sql = "SELECT " ACC_COLS " FROM accounts WHERE id = $1",
    .nparams = 1,
};

/* Login with a hash made under older argon2 parameters (api_sessions.c). */
static const struct db_stmt stmt_rehash = {
    .name = "account_rehash",
    .sql = "UPDATE accounts SET password_hash = $3, updated_at = now() "
           "WHERE id = $1 AND password_hash = $2",
    .nparams = 3,
};

static enum db_status read_account(const struct db_result *r, struct db_account *out)
{
    memset(out, 0, sizeof(*out));
    if (db_get_i64(r, 0, 0, &out->id) != 0) {
        return DB_HARD_ERROR;
    }
    out->email = db_value(r, 0, 1);
    out->display_name = db_value(r, 0, 2);
    out->country = db_value(r, 0, 3);
    out->languages_json = db_value(r, 0, 4);
    out->created_at = db_value(r, 0, 5);
    if (r->ncols > 6) {
        out->password_hash = db_value(r, 0, 6);
    }
    return DB_OK;
}

enum db_status db_account_insert(struct db_conn *c, struct arena *a, struct db_account *in)
{
    const char *p[5] = {in->email, in->display_name, in->password_hash, in->country,
                        in->languages_json};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_insert, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (db_get_i64(&r, 0, 0, &in->id) != 0) {
        return DB_HARD_ERROR;
    }
    in->created_at = db_value(&r, 0, 1);
    return DB_OK;
}

enum db_status db_account_by_email(struct db_conn *c, struct arena *a, const char *email,
                                   struct db_account *out)
{
    const char *p[1] = {email};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_by_email, p, &r);
    return st == DB_OK ? read_account(&r, out) : st;
}

enum db_status db_account_get(struct db_conn *c, struct arena *a, int64_t id,
                              struct db_account *out)
{
    const char *p[1] = {db_param_i64(a, id)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_get, p, &r);
    return st == DB_OK ? read_account(&r, out) : st;
}

enum db_status db_account_rehash(struct db_conn *c, struct arena *a, int64_t id,
                                 const char *old_hash, const char *new_hash)
{
    const char *p[3] = {db_param_i64(a, id), old_hash, new_hash};
    return db_query_stmt(c, a, &stmt_rehash, p, NULL);
}
