/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency proofs.
 *   leaf hash  = SHA-256(0x00 || entry bytes)
 *   node hash  = SHA-256(0x01 || left || right)
 *   MTH({})    = SHA-256("")  (empty tree)
 *   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k = largest power of two < n
 * Trees are addressed by (level, index): the complete, aligned subtree
 * covering leaves [index·2^level, (index+1)·2^level); level 0 = leaf hashes.
 * Such a node never changes once its last leaf exists, so storage writes each
 * one once (amortised 2 per appended leaf, see merkle_frontier_append) and
 * proof generation reads O(log n) of them through struct merkle_store.
 * Proof arrays are ordered as in RFC 9162: the leaf's sibling (deepest) first.
 * Nothing here allocates except struct merkle_mem.
 */
#ifndef PNYX_CORE_AUDIT_MERKLE_H
#define PNYX_CORE_AUDIT_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/audit/audit.h"

#define MERKLE_HASH_LEN 32
/* Levels of a tree with up to 2^63 leaves, plus one. */
#define MERKLE_MAX_LEVELS 64
/* Capacity that always suffices for an inclusion or consistency proof of a
 * tree with < 2^63 leaves (inclusion ≤ 63 hashes, consistency ≤ 64). */
#define MERKLE_MAX_PROOF 66

/* ---- hashing ---------------------------------------------------------- */

void merkle_leaf_hash(const void *entry, size_t len, uint8_t out[MERKLE_HASH_LEN]);
/* out may alias left or right. */
void merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN], const uint8_t right[MERKLE_HASH_LEN],
                      uint8_t out[MERKLE_HASH_LEN]);
/* SHA-256 of the empty string: the root of the empty tree. */
void merkle_empty_root(uint8_t out[MERKLE_HASH_LEN]);

/* ---- storage interface --------------------------------------------------- */

/*
 * get_node: write the hash of the complete subtree (level, index) to out and
 * return 0, or return non-zero on failure (→ AUDIT_ESTORE). core/audit only
 * asks for nodes that are complete in the tree size the caller passed, i.e.
 * (index + 1) << level <= size. cls is borrowed, passed through untouched.
 */
struct merkle_store {
    int (*get_node)(void *cls, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN]);
    void *cls;
};

/*
 * MTH(D[begin:end]) from aligned subtrees: at most popcount(end-begin) reads.
 * Requires begin < end and begin to be a multiple of the largest power of two
 * <= end - begin (true of every range the RFC recursion produces), else
 * AUDIT_EINVAL. begin == end gives the empty-tree hash without reads.
 */
AUDIT_MUSTCHECK int merkle_range_hash(const struct merkle_store *s, uint64_t begin, uint64_t end,
                                      uint8_t out[MERKLE_HASH_LEN]);

/* Root of the tree of `size` leaves (popcount(size) reads; empty hash for 0). */
AUDIT_MUSTCHECK int merkle_root(const struct merkle_store *s, uint64_t size,
                                uint8_t out[MERKLE_HASH_LEN]);

/*
 * Inclusion proof PATH(index, D[0:size]) (RFC 9162 §2.1.3.1) into
 * proof[0..*proof_len). cap = rows available in proof (MERKLE_MAX_PROOF always
 * suffices). AUDIT_EINVAL if index >= size; AUDIT_ENOSPC if cap too small.
 * At most ~2·log2(size) reads.
 */
AUDIT_MUSTCHECK int merkle_inclusion_proof(const struct merkle_store *s, uint64_t index,
                                           uint64_t size, uint8_t (*proof)[MERKLE_HASH_LEN],
                                           size_t cap, size_t *proof_len);

/*
 * Consistency proof PROOF(from, D[0:to]) (RFC 9162 §2.1.4.1). from == 0 or
 * from == to give an empty proof; from > to → AUDIT_EINVAL.
 */
AUDIT_MUSTCHECK int merkle_consistency_proof(const struct merkle_store *s, uint64_t from,
                                             uint64_t to, uint8_t (*proof)[MERKLE_HASH_LEN],
                                             size_t cap, size_t *proof_len);

/* ---- batched reads: plan, fetch all at once, then generate -------------- */

/* Upper bound on the node reads of any one proof generation. */
#define MERKLE_MAX_PLAN 132

/*
 * The exact set of (level, index) nodes a proof will read, so the database can
 * fetch them in ONE query (e.g. WHERE (level, idx) IN (...)) instead of one
 * round trip per node. Fill hash[i] for every position i < n, set have[i],
 * then pass merkle_plan_store(&plan) to the proof function with the same
 * arguments. Positions may repeat; lookups are by (level, index).
 */
struct merkle_plan {
    unsigned n;
    unsigned level[MERKLE_MAX_PLAN];
    uint64_t index[MERKLE_MAX_PLAN];
    uint8_t hash[MERKLE_MAX_PLAN][MERKLE_HASH_LEN];
    unsigned char have[MERKLE_MAX_PLAN];
};

/* Plan for merkle_inclusion_proof(index, size) (same argument checks). */
AUDIT_MUSTCHECK int merkle_inclusion_plan(uint64_t index, uint64_t size, struct merkle_plan *p);
/* Plan for merkle_consistency_proof(from, to). */
AUDIT_MUSTCHECK int merkle_consistency_plan(uint64_t from, uint64_t to, struct merkle_plan *p);
/* Plan for merkle_root(size) / merkle_frontier_load(size). */
AUDIT_MUSTCHECK int merkle_root_plan(uint64_t size, struct merkle_plan *p);
/* Store view answering from p (borrowed); unknown or unfilled positions fail. */
struct merkle_store merkle_plan_store(struct merkle_plan *p);

/* ---- verification (RFC 9162 §2.1.3.2 and §2.1.4.2), no allocation ------- */

/*
 * AUDIT_OK iff `proof` (len hashes) proves that leaf_hash is leaf `index` of
 * the tree of `size` leaves whose root is `root`. AUDIT_EINVAL for
 * index >= size; AUDIT_EVERIFY otherwise (including a proof that is too long
 * or too short: the final "remaining size is zero" check is done).
 */
AUDIT_MUSTCHECK int merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN],
                                            uint64_t index, uint64_t size,
                                            const uint8_t (*proof)[MERKLE_HASH_LEN], size_t len,
                                            const uint8_t root[MERKLE_HASH_LEN]);

/*
 * Root implied by an inclusion proof, without comparing; same checks on the
 * shape of the proof (AUDIT_EVERIFY if its length does not fit index/size).
 */
AUDIT_MUSTCHECK int merkle_root_from_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN],
                                               uint64_t index, uint64_t size,
                                               const uint8_t (*proof)[MERKLE_HASH_LEN], size_t len,
                                               uint8_t out[MERKLE_HASH_LEN]);

/*
 * AUDIT_OK iff the tree of `from` leaves with root old_root is a prefix of the
 * tree of `to` leaves with root new_root, as shown by `proof`.
 *   from > to                  → AUDIT_EINVAL
 *   from == to                 → proof must be empty and roots equal
 *   from == 0                  → proof must be empty and old_root the empty hash
 *   0 < from < to, empty proof → AUDIT_EVERIFY
 */
AUDIT_MUSTCHECK int merkle_verify_consistency(uint64_t from, uint64_t to,
                                              const uint8_t old_root[MERKLE_HASH_LEN],
                                              const uint8_t new_root[MERKLE_HASH_LEN],
                                              const uint8_t (*proof)[MERKLE_HASH_LEN], size_t len);

/* ---- appending: frontier (compact range of the right edge) -------------- */

/*
 * The complete subtrees on the right edge of a tree of `size` leaves: for
 * every bit `l` set in size, hash[l] is node (l, (size >> l) - 1). That is
 * all an appender needs: the root of any size and the new nodes on append
 * follow without reading the log. ~2 KiB, caller-owned, plain data.
 */
struct merkle_frontier {
    uint64_t size;
    uint8_t hash[MERKLE_MAX_LEVELS][MERKLE_HASH_LEN];
};

/* A node position plus its hash, as produced by merkle_frontier_append. */
struct merkle_node {
    unsigned level;
    uint64_t index;
    uint8_t hash[MERKLE_HASH_LEN];
};

/* Empty frontier (size 0). */
void merkle_frontier_init(struct merkle_frontier *f);

/*
 * Append leaf number f->size with hash leaf_hash. Writes to out[0..*n_out)
 * every complete-subtree node that now exists for the first time: out[0] is
 * the leaf (0, n) itself, then (1, ...) up to (1 + ctz(n+1) levels). These
 * are exactly the rows to store so that get_node can answer any later proof.
 * out must have MERKLE_MAX_LEVELS + 1 rows. AUDIT_EINVAL if the tree is full.
 */
AUDIT_MUSTCHECK int merkle_frontier_append(struct merkle_frontier *f,
                                           const uint8_t leaf_hash[MERKLE_HASH_LEN],
                                           struct merkle_node *out, unsigned *n_out);

/* Root of the tree of f->size leaves (empty hash for size 0). No reads. */
void merkle_frontier_root(const struct merkle_frontier *f, uint8_t out[MERKLE_HASH_LEN]);

/* Rebuild the frontier of `size` from storage: popcount(size) reads. */
AUDIT_MUSTCHECK int merkle_frontier_load(const struct merkle_store *s, uint64_t size,
                                         struct merkle_frontier *f);

/*
 * Positions (no hashes) of the nodes that leaf `leaf_index` completes, same
 * order as merkle_frontier_append; returns the count (1 + ctz(leaf_index+1)).
 * levels/indexes need MERKLE_MAX_LEVELS + 1 entries.
 */
unsigned merkle_nodes_completed_by(uint64_t leaf_index, unsigned *levels, uint64_t *indexes);

/* ---- in-memory tree (tests, pnyx-verify) --------------------------------- */

/* All complete nodes of every level in growable arrays (~2 hashes per leaf). */
struct merkle_mem {
    uint8_t (*level[MERKLE_MAX_LEVELS])[MERKLE_HASH_LEN];
    uint64_t count[MERKLE_MAX_LEVELS]; /* complete nodes stored per level */
    uint64_t cap[MERKLE_MAX_LEVELS];
    struct merkle_frontier frontier;
};

void merkle_mem_init(struct merkle_mem *m);
void merkle_mem_fini(struct merkle_mem *m);
/* Append one leaf hash (AUDIT_ENOMEM on allocation failure). */
AUDIT_MUSTCHECK int merkle_mem_append(struct merkle_mem *m,
                                      const uint8_t leaf_hash[MERKLE_HASH_LEN]);
/* Convenience: merkle_leaf_hash(entry) then merkle_mem_append. */
AUDIT_MUSTCHECK int merkle_mem_append_entry(struct merkle_mem *m, const void *entry, size_t len);
/* Leaves appended so far. */
uint64_t merkle_mem_size(const struct merkle_mem *m);
/* A store view of m (borrowed: valid while m lives and is not appended to
 * concurrently). Requests for nodes not yet complete fail. */
struct merkle_store merkle_mem_store(struct merkle_mem *m);

#endif
