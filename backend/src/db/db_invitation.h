/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_invitation.h — invitations to an assembly: create, lock by code, use
 * (queries in db_member.c).
 * Conventions as in db_assembly.h (one statement each, arena results).
 */
#ifndef PNYX_DB_DB_INVITATION_H
#define PNYX_DB_DB_INVITATION_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct db_invitation {
    int64_t id;
    int64_t assembly_id;
    const char *role;
    int64_t max_uses;
    int64_t uses;
    const char *expires_at;
    const char *created_at;
    bool expired; /* expires_at <= now() (database clock) */
};

/* Inserts an invitation with code_hash (32 bytes) and fills id/created_at/
 * expires_at (normalised). expires_at is RFC 3339 text already validated. */
enum db_status db_invitation_insert(struct db_conn *c, struct arena *a, int64_t aid,
                                    const uint8_t code_hash[32], int64_t created_by,
                                    struct db_invitation *inv)
    PNYX_NONNULL(1, 2, 4, 6) PNYX_MUSTCHECK;

/* Finds and locks (FOR UPDATE) the invitation with code_hash. DB_NOT_FOUND
 * if none. */
enum db_status db_invitation_lock(struct db_conn *c, struct arena *a, const uint8_t code_hash[32],
                                  struct db_invitation *out)
    PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/* uses = uses + 1 on invitation id (locked by the caller). */
enum db_status db_invitation_use(struct db_conn *c, struct arena *a, int64_t id)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_INVITATION_H */
