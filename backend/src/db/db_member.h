/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_member.h — memberships of accounts in assemblies: join, read, change role
 * or status, the last-convener lock, the member list (db_member.c).
 * Conventions as in db_assembly.h (one statement each, arena results).
 */
#ifndef PNYX_DB_DB_MEMBER_H
#define PNYX_DB_DB_MEMBER_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct db_member {
    int64_t account_id;
    const char *display_name;
    const char *country;
    const char *role;
    const char *status;
    const char *joined_at;
    const char *updated_at;
};

/* Makes account a member of aid with role, status active: inserts the row,
 * or re-activates a row whose status is "left". DB_CONFLICT when the
 * account is already active or suspended. Fills joined_at (may be NULL). */
enum db_status db_member_join(struct db_conn *c, struct arena *a, int64_t aid, int64_t account,
                              const char *role, const char **joined_at)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Loads (and with lock_row locks) one membership row. DB_NOT_FOUND if none. */
enum db_status db_member_get(struct db_conn *c, struct arena *a, int64_t aid, int64_t account,
                             bool lock_row, struct db_member *out)
    PNYX_NONNULL(1, 2, 6) PNYX_MUSTCHECK;

/* Sets role and/or status (NULL = unchanged) and reloads *out. */
enum db_status db_member_update(struct db_conn *c, struct arena *a, int64_t aid, int64_t account,
                                const char *role, const char *status, struct db_member *out)
    PNYX_NONNULL(1, 2, 7) PNYX_MUSTCHECK;

/* Locks the active convener rows of aid (in account order, so concurrent
 * callers queue instead of deadlocking) and returns how many there are:
 * the last-convener rule is decided on this count in the same transaction. */
enum db_status db_member_lock_conveners(struct db_conn *c, struct arena *a, int64_t aid,
                                        int64_t *count) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* Members of aid with account_id > after, ascending, at most limit. */
enum db_status db_member_list(struct db_conn *c, struct arena *a, int64_t aid, int64_t after,
                              int limit, struct db_member **items, int *n)
    PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_MEMBER_H */
