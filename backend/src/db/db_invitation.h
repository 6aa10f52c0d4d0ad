/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_invitation.h — invitations to an assembly: create, lock by code, use,
 * preview, list, revoke, expire a creator's open ones (queries in
 * db_member.c).
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
    int64_t created_by;
    bool revoked;               /* revoked_at is set */
    const char *creator_name;   /* list and preview only */
    const char *assembly_title; /* list and preview only */
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

/* The invitation with code_hash, with its creator's name and its
 * assembly's title (no lock). DB_NOT_FOUND if none. */
enum db_status db_invitation_preview(struct db_conn *c, struct arena *a,
                                     const uint8_t code_hash[32], struct db_invitation *out)
    PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/* Invitations of aid with id > after, ascending, at most limit (with
 * creator names). */
enum db_status db_invitation_list(struct db_conn *c, struct arena *a, int64_t aid, int64_t after,
                                  int limit, struct db_invitation **items, int *n)
    PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

/* Finds and locks invitation id of assembly aid. DB_NOT_FOUND if none. */
enum db_status db_invitation_get_lock(struct db_conn *c, struct arena *a, int64_t aid, int64_t id,
                                      struct db_invitation *out)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Marks invitation id revoked (no-op when it already is). */
enum db_status db_invitation_revoke(struct db_conn *c, struct arena *a, int64_t id)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* Expires now every open invitation created_by made in aid (the creator
 * was suspended, demoted or left: call in that change's transaction). */
enum db_status db_invitation_expire_by_creator(struct db_conn *c, struct arena *a, int64_t aid,
                                               int64_t created_by)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* uses = uses + 1 on invitation id (locked by the caller). */
enum db_status db_invitation_use(struct db_conn *c, struct arena *a, int64_t id)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_INVITATION_H */
