/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_assembly.h — assemblies, memberships and invitations (issue 4).
 * Primitives that run ONE statement each on the caller's connection, meant
 * to be composed inside a db_run_txn callback (api/ owns the callbacks and
 * the authorisation decision, db/ owns the SQL). Every function copies its
 * results into the arena `a`; strings returned are arena-owned. Times are
 * RFC 3339 UTC text ("2026-11-28T04:00:00Z"). Ids are int64 > 0.
 * db_assembly.c implements assemblies; db_member.c memberships and
 * invitations.
 */
#ifndef PNYX_DB_DB_ASSEMBLY_H
#define PNYX_DB_DB_ASSEMBLY_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct db_assembly {
    int64_t id;
    const char *title;
    const char *description;
    const char *visibility;  /* "public" | "members" */
    const char *join_policy; /* "open" | "invite" */
    const char *default_language;
    int64_t created_by;
    const char *created_at;
    const char *updated_at;
    /* Set by db_assembly_list only: the viewer's role / status or NULL. */
    const char *my_role;
    const char *my_status;
};

/* The caller's standing in one assembly (one row, no locks). */
struct db_standing {
    bool is_public;
    bool open_to_join;
    const char *role;   /* NULL when no membership row */
    const char *status; /* NULL when no membership row */
};

/* Inserts an assembly (fields borrowed) and fills in->id / created_at /
 * updated_at. DB_OK or a failure status. */
enum db_status db_assembly_insert(struct db_conn *c, struct arena *a, struct db_assembly *in)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* Loads assembly id into *out. DB_NOT_FOUND if none. */
enum db_status db_assembly_get(struct db_conn *c, struct arena *a, int64_t id,
                               struct db_assembly *out) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* Sets the non-NULL fields of `upd` (title, description, visibility,
 * join_policy, default_language) on assembly upd->id, bumps updated_at and
 * reloads *upd completely. DB_NOT_FOUND if none. */
enum db_status db_assembly_update(struct db_conn *c, struct arena *a, struct db_assembly *upd)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* Visibility, join policy and the membership row of account_id (0 =
 * anonymous) in assembly aid. DB_NOT_FOUND if the assembly does not exist.
 * No lock: inside a transaction the decision is made on the snapshot of
 * this statement, which is equivalent to the action having happened just
 * before a concurrent change of standing (the last-convener rule, which is
 * not, locks with db_member_lock_conveners). */
enum db_status db_assembly_standing(struct db_conn *c, struct arena *a, int64_t aid,
                                    int64_t account_id, struct db_standing *out)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Public assemblies plus those where viewer (0 = anonymous) is active or
 * suspended, id > after, ascending, at most limit rows. *items is an arena
 * array of *n entries. */
enum db_status db_assembly_list(struct db_conn *c, struct arena *a, int64_t viewer, int64_t after,
                                int limit, struct db_assembly **items, int *n)
    PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

/* Composition of the active members: counts by country and by role. */
struct db_count {
    const char *key;
    int64_t count;
};
struct db_composition {
    struct db_count *by_country; /* ordered by country code */
    int n_country;
    struct db_count *by_role; /* ordered by role name */
    int n_role;
    int64_t active_members;
};
enum db_status db_assembly_composition(struct db_conn *c, struct arena *a, int64_t aid,
                                       struct db_composition *out)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* --- memberships (db_member.c) ------------------------------------------- */

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

/* Open join: like db_member_join, but a row that left gets the less
 * powerful of its previous role and `role` (re-joining never raises a
 * role); *role_out is the role it has now. */
enum db_status db_member_join_open(struct db_conn *c, struct arena *a, int64_t aid, int64_t account,
                                   const char *role, const char **role_out, const char **joined_at)
    PNYX_NONNULL(1, 2, 5, 6, 7) PNYX_MUSTCHECK;

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

/* Members of aid with account_id > after, ascending, at most limit; with
 * active_only, only active ones (what non-members may see). */
enum db_status db_member_list(struct db_conn *c, struct arena *a, int64_t aid, int64_t after,
                              int limit, bool active_only, struct db_member **items, int *n)
    PNYX_NONNULL(1, 2, 7, 8) PNYX_MUSTCHECK;

/* --- invitations (db_member.c) ------------------------------------------- */

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

/* Shared by db_*.c: SQL expression formatting a timestamptz column as
 * RFC 3339 UTC with second precision. */
#define DB_RFC3339(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#endif /* PNYX_DB_DB_ASSEMBLY_H */
