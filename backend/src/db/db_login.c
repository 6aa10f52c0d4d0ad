/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_login.c — SQL for the login throttle (see db_login.h). The account
 * and device gates are one UPDATE each whose WHERE clause is re-checked on
 * the newest row version under concurrency (READ COMMITTED), so N
 * concurrent attempts on one key are admitted exactly up to the limit.
 */
#include "db/db_login.h"

#include <string.h>

#include "db/db_int.h"
#include "platform/crypto.h"

/* A counter that has been idle (and unlocked) for a whole window starts
 * again from 0; otherwise it continues. Shared by the UPDATE's SET list. */
#define LOGIN_BASE                                                                                 \
    "(CASE WHEN greatest(t.last_us, t.locked_until_us) <= $4::bigint - $5::bigint "                \
    "THEN 0 ELSE t.attempts END)"
/* lock_us · 2^(n − max), capped (the shift is bounded so it cannot overflow). */
#define LOGIN_LOCK(n)                                                                              \
    "least($7::bigint, $6::bigint * (1::bigint << least(greatest(" n " - $3::int, 0), 30)))"

/* New key: the first attempt is admitted (locking at once when max is 1). */
static const struct db_stmt stmt_gate_insert = {
    .name = "login_gate_insert",
    .sql = "INSERT INTO login_throttle AS t (scope, key, attempts, locked_until_us, last_us) "
           "VALUES ($1, $2, 1, CASE WHEN 1 >= $3::int THEN $4::bigint + least($6::bigint, "
           "$5::bigint) ELSE 0 END, $4::bigint) ON CONFLICT (scope, key) DO NOTHING "
           "RETURNING locked_until_us",
    .nparams = 6,
};

/* Known key, not locked: count the attempt, lock when it reaches max. */
static const struct db_stmt stmt_gate_update = {
    .name = "login_gate_update",
    .sql =
        "UPDATE login_throttle AS t SET attempts = " LOGIN_BASE " + 1, "
        "locked_until_us = CASE WHEN " LOGIN_BASE " + 1 >= $3::int THEN $4::bigint + " LOGIN_LOCK(
            LOGIN_BASE
            " + 1") " ELSE 0 END, last_us = $4::bigint "
                    "WHERE t.scope = $1 AND t.key = $2 AND t.locked_until_us <= $4::bigint "
                    "RETURNING t.attempts",
    .nparams = 7,
};

static const struct db_stmt stmt_gate_locked = {
    .name = "login_gate_locked",
    .sql = "SELECT locked_until_us FROM login_throttle WHERE scope = $1 AND key = $2",
    .nparams = 2,
};

static const struct db_stmt stmt_reset = {
    .name = "login_reset",
    .sql = "DELETE FROM login_throttle WHERE scope = $1 AND key = $2",
    .nparams = 2,
};

/* Takes the per-address row lock that serialises the address gate. */
static const struct db_stmt stmt_addr_lock = {
    .name = "login_addr_lock",
    .sql = "INSERT INTO login_addresses (addr, last_us) VALUES ($1, $2::bigint) "
           "ON CONFLICT (addr) DO UPDATE SET last_us = EXCLUDED.last_us",
    .nparams = 2,
};

/* The max-th most recent other account attempted without success from addr
 * inside the window, if there are that many. */
static const struct db_stmt stmt_addr_count = {
    .name = "login_addr_count",
    .sql = "SELECT last_us FROM login_address_failures WHERE addr = $1 AND key <> $2 "
           "AND last_us > $3::bigint ORDER BY last_us DESC OFFSET $4::int LIMIT 1",
    .nparams = 4,
};

static const struct db_stmt stmt_addr_record = {
    .name = "login_addr_record",
    .sql = "INSERT INTO login_address_failures (addr, key, last_us) VALUES ($1, $2, $3::bigint) "
           "ON CONFLICT (addr, key) DO UPDATE SET last_us = EXCLUDED.last_us",
    .nparams = 3,
};

static const struct db_stmt stmt_addr_prune = {
    .name = "login_addr_prune",
    .sql = "DELETE FROM login_address_failures WHERE addr = $1 AND last_us <= $2::bigint",
    .nparams = 2,
};

static const struct db_stmt stmt_addr_success = {
    .name = "login_addr_success",
    .sql = "DELETE FROM login_address_failures WHERE addr = $1 AND key = $2",
    .nparams = 2,
};

static const struct db_stmt stmt_device_known = {
    .name = "login_device_known",
    .sql = "SELECT 1 FROM login_devices WHERE account_id = $1 AND token_hash = $2::bytea "
           "AND last_used_us > $3::bigint",
    .nparams = 3,
};

static const struct db_stmt stmt_device_upsert = {
    .name = "login_device_upsert",
    .sql = "INSERT INTO login_devices (account_id, token_hash, last_used_us) "
           "VALUES ($1, $2::bytea, $3::bigint) ON CONFLICT (account_id, token_hash) "
           "DO UPDATE SET last_used_us = EXCLUDED.last_used_us",
    .nparams = 3,
};

/* Why 32: one person's browsers and phones over a year; more is a script. */
static const struct db_stmt stmt_device_trim = {
    .name = "login_device_trim",
    .sql = "DELETE FROM login_devices WHERE account_id = $1 AND (last_used_us <= $2::bigint OR "
           "token_hash NOT IN (SELECT token_hash FROM login_devices WHERE account_id = $1 "
           "ORDER BY last_used_us DESC LIMIT 32))",
    .nparams = 2,
};

static const struct db_stmt stmt_prune_throttle = {
    .name = "login_prune_throttle",
    .sql = "DELETE FROM login_throttle WHERE (scope, key) IN (SELECT scope, key FROM "
           "login_throttle WHERE last_us <= $1::bigint AND locked_until_us <= $2::bigint "
           "LIMIT 256)",
    .nparams = 2,
};

static const struct db_stmt stmt_prune_addr = {
    .name = "login_prune_addr",
    .sql = "DELETE FROM login_address_failures WHERE (addr, key) IN (SELECT addr, key FROM "
           "login_address_failures WHERE last_us <= $1::bigint LIMIT 256)",
    .nparams = 1,
};

static const struct db_stmt stmt_prune_lock_rows = {
    .name = "login_prune_lock_rows",
    .sql = "DELETE FROM login_addresses WHERE addr IN (SELECT addr FROM login_addresses "
           "WHERE last_us <= $1::bigint LIMIT 256)",
    .nparams = 1,
};

const char *db_login_device_key(struct arena *a, int64_t account_id, const uint8_t token_hash[32])
{
    char hex[65];
    pnyx_crypto_hex(token_hash, 32, hex);
    return arena_printf(a, "%s:%lld", hex, (long long)account_id);
}

enum db_status db_login_gate(struct db_conn *c, struct arena *a, const char *scope, const char *key,
                             const struct db_login_limits *lim, int64_t now_us, int64_t *retry_us)
{
    *retry_us = 0;
    const char *p[7] = {scope,
                        key,
                        db_param_i64(a, lim->max_failures),
                        db_param_i64(a, now_us),
                        db_param_i64(a, lim->window_us),
                        db_param_i64(a, lim->lock_us),
                        db_param_i64(a, lim->lock_max_us)};
    struct db_result r;
    /* Two rounds: a row deleted by a concurrent success between the
     * statements is simply inserted again. */
    for (int round = 0; round < 2; round++) {
        enum db_status st = db_query_stmt(c, a, &stmt_gate_update, p, &r);
        if (st != DB_OK) {
            return st;
        }
        if (r.nrows == 1) {
            return DB_OK; /* admitted and counted */
        }
        st = db_query_stmt(c, a, &stmt_gate_locked, p, &r);
        if (st != DB_OK) {
            return st;
        }
        if (r.nrows == 1) {
            int64_t until;
            if (db_get_i64(&r, 0, 0, &until) != 0) {
                return DB_HARD_ERROR;
            }
            if (until > now_us) {
                *retry_us = until - now_us;
                return DB_OK;
            }
            continue; /* unlocked meanwhile: count it on the next round */
        }
        const char *pi[6] = {p[0], p[1], p[2], p[3], p[5], p[6]};
        st = db_query_stmt(c, a, &stmt_gate_insert, pi, &r);
        if (st != DB_OK) {
            return st;
        }
        if (r.nrows == 1) {
            return DB_OK; /* first attempt on this key */
        }
        /* A concurrent first attempt inserted the row: count on it. */
    }
    /* Two rounds of races against unlocks and resets within one request:
     * refuse for the shortest time rather than admit uncounted. */
    *retry_us = 1000000;
    return DB_OK;
}

enum db_status db_login_reset(struct db_conn *c, struct arena *a, const char *scope,
                              const char *key)
{
    const char *p[2] = {scope, key};
    return db_query_stmt(c, a, &stmt_reset, p, NULL);
}

struct addr_txn {
    struct arena *a;
    const char *addr, *key;
    unsigned max;
    int64_t window_us, now_us;
    int64_t retry_us; /* out */
};

static void addr_txn_reset(void *cls)
{
    struct addr_txn *t = cls;
    t->retry_us = 0;
}

static enum db_status addr_txn_cb(struct db_conn *c, void *cls)
{
    struct addr_txn *t = cls;
    struct arena *a = t->a;
    const char *now = db_param_i64(a, t->now_us);
    const char *cutoff = db_param_i64(a, t->now_us - t->window_us);
    const char *p_lock[2] = {t->addr, now};
    enum db_status st = db_query_stmt(c, a, &stmt_addr_lock, p_lock, NULL);
    if (st != DB_OK) {
        return st;
    }
    const char *p_prune[2] = {t->addr, cutoff};
    st = db_query_stmt(c, a, &stmt_addr_prune, p_prune, NULL);
    if (st != DB_OK) {
        return st;
    }
    const char *p_count[4] = {t->addr, t->key, cutoff, db_param_i64(a, (int64_t)t->max - 1)};
    struct db_result r;
    st = db_query_stmt(c, a, &stmt_addr_count, p_count, &r);
    if (st != DB_OK) {
        return st;
    }
    if (r.nrows == 1) {
        int64_t last;
        if (db_get_i64(&r, 0, 0, &last) != 0) {
            return DB_HARD_ERROR;
        }
        t->retry_us = last + t->window_us - t->now_us;
        if (t->retry_us < 1) {
            t->retry_us = 1;
        }
        return DB_OK; /* commit the lock row's touch only */
    }
    const char *p_rec[3] = {t->addr, t->key, now};
    return db_query_stmt(c, a, &stmt_addr_record, p_rec, NULL);
}

enum db_status db_login_addr_gate(struct db_conn *c, struct arena *a, const char *addr,
                                  const char *key, unsigned max_accounts, int64_t window_us,
                                  int64_t now_us, int64_t *retry_us)
{
    *retry_us = 0;
    if (max_accounts == 0) {
        return DB_OK;
    }
    struct addr_txn t = {.a = a,
                         .addr = addr,
                         .key = key,
                         .max = max_accounts,
                         .window_us = window_us,
                         .now_us = now_us};
    enum db_status st = db_run_txn(c, "login_addr_gate", addr_txn_cb, addr_txn_reset, &t);
    *retry_us = t.retry_us;
    return st;
}

enum db_status db_login_addr_success(struct db_conn *c, struct arena *a, const char *addr,
                                     const char *key)
{
    const char *p[2] = {addr, key};
    return db_query_stmt(c, a, &stmt_addr_success, p, NULL);
}

enum db_status db_login_device_known(struct db_conn *c, struct arena *a, int64_t account_id,
                                     const uint8_t token_hash[32], int64_t since_us, bool *known)
{
    const char *p[3] = {db_param_i64(a, account_id), db_bytea_param(a, token_hash, 32),
                        db_param_i64(a, since_us)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_device_known, p, &r);
    *known = st == DB_OK && r.nrows == 1;
    return st;
}

enum db_status db_login_device_remember(struct db_conn *c, struct arena *a, int64_t account_id,
                                        const uint8_t token_hash[32], int64_t now_us,
                                        int64_t stale_us)
{
    const char *id = db_param_i64(a, account_id);
    const char *p[3] = {id, db_bytea_param(a, token_hash, 32), db_param_i64(a, now_us)};
    enum db_status st = db_query_stmt(c, a, &stmt_device_upsert, p, NULL);
    if (st != DB_OK) {
        return st;
    }
    const char *q[2] = {id, db_param_i64(a, stale_us)};
    return db_query_stmt(c, a, &stmt_device_trim, q, NULL);
}

enum db_status db_login_prune(struct db_conn *c, struct arena *a, int64_t cutoff_us, int64_t now_us)
{
    const char *p[2] = {db_param_i64(a, cutoff_us), db_param_i64(a, now_us)};
    enum db_status st = db_query_stmt(c, a, &stmt_prune_throttle, p, NULL);
    if (st == DB_OK) {
        st = db_query_stmt(c, a, &stmt_prune_addr, p, NULL);
    }
    if (st == DB_OK) {
        st = db_query_stmt(c, a, &stmt_prune_lock_rows, p, NULL);
    }
    return st;
}
