/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_assembly.h — assemblies (db_assembly.c). Memberships are
 * db_member.h's, invitations db_invitation.h's.
 *
 * Conventions of every aggregate header in db/: primitives that run ONE
 * statement each on the caller's connection, meant to be composed inside
 * a db_run_txn body (api/ owns the bodies and the authorisation decision,
 * db/ owns the SQL). Every function copies its results into the arena `a`;
 * strings returned are arena-owned. Times are RFC 3339 UTC text
 * ("2026-11-28T04:00:00Z"). Ids are int64 > 0.
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

#endif /* PNYX_DB_DB_ASSEMBLY_H */
