/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_session.h — sessions (login throttling: db/db_login.h). Sessions are
 * found by the SHA-256 of their token (the token is never stored); times are
 * unix seconds from pnyxd's clock. One statement per function unless the
 * contract says it runs its own transaction.
 */
#ifndef PNYX_DB_DB_SESSION_H
#define PNYX_DB_DB_SESSION_H

#include <stdint.h>

#include "db/db.h"
#include "db/db_account.h"

#define DB_HASH_BYTES 32

struct db_session {
    int64_t id;
    int64_t account_id;
    int64_t created_at;   /* unix seconds */
    int64_t last_seen_at; /* unix seconds */
    int64_t expires_at;   /* unix seconds, absolute end of life */
    uint8_t csrf_hash[DB_HASH_BYTES];
    struct db_account account; /* public fields (no password hash) */
};

/* Inserts a session and sets *id. Hashes borrowed (32 bytes each). */
enum db_status db_session_insert(struct db_conn *c, struct arena *a, int64_t account_id,
                                 const uint8_t token_hash[DB_HASH_BYTES],
                                 const uint8_t csrf_hash[DB_HASH_BYTES], int64_t now,
                                 int64_t expires_at, int64_t *id)
    PNYX_NONNULL(1, 2, 4, 5, 8) PNYX_MUSTCHECK;

/* Loads the session with this token hash and its account. Expiry is NOT
 * checked here (the caller compares with its clock and config). DB_NOT_FOUND
 * if none. */
enum db_status db_session_lookup(struct db_conn *c, struct arena *a,
                                 const uint8_t token_hash[DB_HASH_BYTES], struct db_session *out)
    PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/* Sets last_seen_at = seen on session id when it is older. */
enum db_status db_session_touch(struct db_conn *c, struct arena *a, int64_t id, int64_t seen)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* Deletes session id (logout). DB_OK also when it was already gone. */
enum db_status db_session_delete(struct db_conn *c, struct arena *a, int64_t id)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* Deletes the sessions of account_id that are past expires_at or idle
 * since before idle_cutoff (housekeeping at login). */
enum db_status db_session_purge(struct db_conn *c, struct arena *a, int64_t account_id, int64_t now,
                                int64_t idle_cutoff) PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_SESSION_H */
