/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_login.h — login throttling (OWASP "authentication cheat sheet"):
 * per account with growing locks, per client address only across many
 * accounts, and device cookies that let a browser which logged in before
 * through an account lock (limited by their own counter). Every gate is
 * decided atomically in PostgreSQL BEFORE any password hashing, by counting
 * the attempt itself, so concurrent attempts cannot slip past a limit.
 * Times are unix microseconds from pnyxd's clock.
 */
#ifndef PNYX_DB_DB_LOGIN_H
#define PNYX_DB_DB_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* Scopes of login_throttle rows. */
#define DB_LOGIN_SCOPE_ACCOUNT "account"
#define DB_LOGIN_SCOPE_DEVICE  "device"

struct db_login_limits {
    unsigned max_failures; /* attempts before the lock (>= 1) */
    int64_t window_us;     /* counters idle this long (and unlocked) are forgotten */
    int64_t lock_us;       /* first lock; doubles with each further failure */
    int64_t lock_max_us;   /* cap on one lock */
};

/*
 * Counts one attempt on key in scope, atomically: when the key is locked
 * at now_us, *retry_us = how long it stays locked (> 0) and nothing
 * changes; otherwise the attempt is admitted (*retry_us = 0) and counted,
 * and the attempt that reaches max_failures (and each later admitted one)
 * locks the key for lock_us · 2^(attempts − max_failures), capped. A
 * success calls db_login_reset. One statement (or two for a new key); runs
 * outside any transaction.
 */
enum db_status db_login_gate(struct db_conn *c, struct arena *a, const char *scope, const char *key,
                             const struct db_login_limits *lim, int64_t now_us, int64_t *retry_us)
    PNYX_NONNULL(1, 2, 3, 4, 5, 7) PNYX_MUSTCHECK;

/* Forgets key's attempts and lock (after a successful login). */
enum db_status db_login_reset(struct db_conn *c, struct arena *a, const char *scope,
                              const char *key) PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/*
 * The per-address gate, across accounts: when other accounts than `key`
 * were attempted without success from addr inside the window at least
 * max_accounts times, *retry_us = until the oldest of those that matter
 * leaves the window; otherwise records (addr, key) as attempted and sets
 * *retry_us = 0. Serialised per address (its own transaction), so it is
 * exact under concurrency.
 */
enum db_status db_login_addr_gate(struct db_conn *c, struct arena *a, const char *addr,
                                  const char *key, unsigned max_accounts, int64_t window_us,
                                  int64_t now_us, int64_t *retry_us)
    PNYX_NONNULL(1, 2, 3, 4, 8) PNYX_MUSTCHECK;

/* A success from addr on key: that account no longer counts against addr. */
enum db_status db_login_addr_success(struct db_conn *c, struct arena *a, const char *addr,
                                     const char *key) PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/* True in *known when account_id has a device with this token hash used
 * after since_us. */
enum db_status db_login_device_known(struct db_conn *c, struct arena *a, int64_t account_id,
                                     const uint8_t token_hash[32], int64_t since_us, bool *known)
    PNYX_NONNULL(1, 2, 4, 6) PNYX_MUSTCHECK;

/* Records (or refreshes) a device of account_id and drops the account's
 * devices unused since before stale_us and all but its 32 most recent.
 * Two statements: call inside a transaction. */
enum db_status db_login_device_remember(struct db_conn *c, struct arena *a, int64_t account_id,
                                        const uint8_t token_hash[32], int64_t now_us,
                                        int64_t stale_us) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* Deletes up to 256 forgotten rows of the throttle tables (idle and
 * unlocked before cutoff_us): bounded housekeeping at each login. */
enum db_status db_login_prune(struct db_conn *c, struct arena *a, int64_t cutoff_us, int64_t now_us)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* The login_throttle key of a device of an account: hex hash ':' id. */
const char *db_login_device_key(struct arena *a, int64_t account_id, const uint8_t token_hash[32])
    PNYX_NONNULL(1, 3);

#endif /* PNYX_DB_DB_LOGIN_H */
