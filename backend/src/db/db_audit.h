/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_audit.h — storage of the per-assembly Merkle audit log (tables in
 * sql/003_audit_log.sql). SQL only: the canonical entries, leaf hashes and
 * new subtree nodes are computed by the caller (api/api_audit.c with
 * core/audit) between db_audit_head_lock and db_audit_store, at the end of
 * the ONE transaction that also holds the changes being recorded. The lock
 * serialises appends of one assembly and nothing else.
 * Hashes are raw 32-byte arrays; strings are arena-owned.
 */
#ifndef PNYX_DB_DB_AUDIT_H
#define PNYX_DB_DB_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_AUDIT_HASH 32

struct db_audit_head {
    int64_t size;
    uint8_t root[DB_AUDIT_HASH];
    /* The right-edge subtree roots: one hash per bit set in size, lowest
     * level first (arena-owned, frontier_len = 32 * popcount(size)). */
    const uint8_t *frontier;
    size_t frontier_len;
};

/* Creates the empty log of a new assembly (size 0, root = empty_root), in
 * the creating transaction. */
enum db_status db_audit_head_create(struct db_conn *c, struct arena *a, int64_t aid,
                                    const uint8_t empty_root[DB_AUDIT_HASH])
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* SELECT … FOR UPDATE of the head row: waits for a concurrent append to
 * this assembly to commit. DB_NOT_FOUND if the assembly has no log. */
enum db_status db_audit_head_lock(struct db_conn *c, struct arena *a, int64_t aid,
                                  struct db_audit_head *out) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* Appends of one transaction to one log, written by a single statement
 * (entry rows, new nodes, head) while the head row is locked. */
struct db_audit_write {
    int64_t assembly_id;
    int64_t first_seq;          /* = old size + 1 */
    size_t n_entries;           /* ≥ 1; seqs first_seq … first_seq + n - 1 */
    const char *at;             /* RFC 3339 UTC, the `at` inside every entry */
    const char *const *kinds;   /* "member.joined" … */
    const char *const *entries; /* canonical JSON texts */
    const uint8_t *leaf_hashes; /* n_entries * 32 bytes */
    unsigned n_nodes;           /* complete subtrees the leaves create (incl. the leaves) */
    const unsigned *levels;
    const uint64_t *indexes;
    const uint8_t *hashes;   /* n_nodes * 32 bytes */
    const uint8_t *root;     /* new root */
    const uint8_t *frontier; /* new frontier (layout as struct db_audit_head) */
    size_t frontier_len;
};
enum db_status db_audit_store(struct db_conn *c, struct arena *a, const struct db_audit_write *w)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* What a reader of the log needs in one round trip: authorisation inputs
 * (visibility, viewer's membership), the head (size, root) and the cached
 * signed checkpoint of that size if any. DB_NOT_FOUND if no assembly. */
struct db_audit_view {
    bool is_public;
    const char *role;   /* NULL: viewer has no membership row */
    const char *status; /* NULL: idem */
    int64_t size;
    uint8_t root[DB_AUDIT_HASH];
    const char *note; /* NULL when no checkpoint of this size is cached */
};
enum db_status db_audit_view(struct db_conn *c, struct arena *a, int64_t aid, int64_t viewer,
                             struct db_audit_view *out) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/*
 * db_audit_view plus the n nodes (levels[i], indexes[i]) in ONE round trip,
 * for proofs whose node positions are known before the head is (the client
 * gave the tree size). Nodes are read whether or not the caller may see
 * them; the caller checks authorisation before using them. *complete is
 * false when some node does not exist (e.g. a size beyond the log); then
 * hashes is unspecified.
 */
enum db_status db_audit_view_nodes(struct db_conn *c, struct arena *a, int64_t aid, int64_t viewer,
                                   size_t n, const unsigned *levels, const uint64_t *indexes,
                                   struct db_audit_view *out, uint8_t *hashes, bool *complete)
    PNYX_NONNULL(1, 2, 6, 7, 8, 9, 10) PNYX_MUSTCHECK;

struct db_audit_entry {
    int64_t seq;
    const char *entry;
    uint8_t leaf_hash[DB_AUDIT_HASH];
};
/* Entries with seq > after, ascending, at most limit. */
enum db_status db_audit_entries(struct db_conn *c, struct arena *a, int64_t aid, int64_t after,
                                int limit, struct db_audit_entry **items, int *n)
    PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

/* Fetches the n stored nodes (levels[i], indexes[i]) in one query into
 * hashes[i * 32]. DB_NOT_FOUND if any is missing. */
enum db_status db_audit_nodes(struct db_conn *c, struct arena *a, int64_t aid, size_t n,
                              const unsigned *levels, const uint64_t *indexes, uint8_t *hashes)
    PNYX_NONNULL(1, 2, 5, 6, 7) PNYX_MUSTCHECK;

/* Caches the signed checkpoint of `size` (first writer wins, no
 * transaction needed) and points *stored at the note now in the table. */
enum db_status db_audit_checkpoint_store(struct db_conn *c, struct arena *a, int64_t aid,
                                         int64_t size, const char *note, const char **stored)
    PNYX_NONNULL(1, 2, 5, 6) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_AUDIT_H */
