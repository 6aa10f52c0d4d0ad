/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/board_cache.h — the Merkle trees of closed questions' ballot boards,
 kept in memory with the entries themselves: a board never changes after
 * the seal, so it is read once (one pass in board order) and afterwards a
 * page is a slice of memory and a receipt lookup a binary search (the
 * board is sorted by receipt) plus O(log n) hashes, with no statement.
 * Bounded: at most BOARD_CACHE_MAX_LEAVES entries in all (about 100 bytes
 * each: a leaf hash, its share of the inner nodes, receipt, country and a
 * ranking of a byte per option) and
 * BOARD_CACHE_MAX_TREES trees; the least recently used unused tree goes
 * first. Thread-safe; trees are reference counted, so eviction never frees
 * a tree a request is reading.
 */
#ifndef PNYX_API_BOARD_CACHE_H
#define PNYX_API_BOARD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/db_ballot.h"

/* Why 2,000,000: ~200 MiB with 5-option rankings (~400 MiB at 100
 * options) — two boards of a million ballots, or many small ones — on a
 * machine of 24 GiB shared with PostgreSQL. */
#define BOARD_CACHE_MAX_LEAVES 2000000u
/* Why 64: the trees of every question closed recently in a busy
 * deployment; each slot costs a few KiB when empty. */
#define BOARD_CACHE_MAX_TREES 64u

struct board_tree;

/*
 * The tree of closed question qid, whose board holds size entries under
 * root (both from the question row, as recorded at close). Builds it from
 * the board on c when not cached (blocking: one pass over the board) and
 * checks that it has exactly size leaves and that root; a board that does
 * not match is DB_HARD_ERROR (logged). On DB_OK *out is held: release it.
 */
enum db_status board_tree_get(struct db_conn *c, int64_t qid, int64_t size, const uint8_t root[32],
                              struct board_tree **out) PNYX_NONNULL(1, 4, 5) PNYX_MUSTCHECK;
void board_tree_release(struct board_tree *t);

/* Entries (size) and the stored ranking's width in bytes. */
uint64_t board_tree_size(const struct board_tree *t) PNYX_NONNULL(1);
size_t board_tree_width(const struct board_tree *t) PNYX_NONNULL(1);
/* Entry index (< size), borrowed from t: 32-byte receipt, width-byte
 * ranking, 2-letter country (not NUL-terminated). */
void board_tree_entry(const struct board_tree *t, uint64_t index, const uint8_t **receipt,
                      const uint8_t **ranking, const char **country) PNYX_NONNULL(1, 3, 4, 5);
/* The index of receipt on the board, or -1. */
int64_t board_tree_find(const struct board_tree *t, const uint8_t receipt[32]) PNYX_NONNULL(1, 2);

/* RFC 9162 inclusion proof of leaf index (< size) into proof (cap rows). */
int board_tree_proof(const struct board_tree *t, uint64_t index, uint8_t (*proof)[32], size_t cap,
                     size_t *len) PNYX_NONNULL(1, 3, 5) PNYX_MUSTCHECK;

/* Drops every unused tree (tests). */
void board_cache_clear(void);

/* --- test seam (tests/board_cache) --------------------------------------------------- */

/* Where a tree's entries come from: db_ballot_board_page's signature. */
typedef enum db_status (*board_page_fn)(struct db_conn *c, struct arena *a, int64_t qid,
                                        int64_t from, int limit, struct db_board_entry **items,
                                        int *n);
/* Sets the bound on cached entries (0 = BOARD_CACHE_MAX_LEAVES) and the
 * page source (NULL = db_ballot_board_page). pnyxd never calls it; a unit
 * test calls it before any board_tree_get, with the cache empty. */
void board_cache_configure(uint64_t max_leaves, board_page_fn page);
/* What is cached now: trees and their entries (the memory accounting). */
void board_cache_stats(unsigned *trees, uint64_t *leaves) PNYX_NONNULL(1, 2);

#endif /* PNYX_API_BOARD_CACHE_H */
