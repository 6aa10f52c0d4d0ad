/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * RFC 9162 §2.1 Merkle tree: hashing, proof generation over aligned complete
 * subtrees (struct merkle_store), proof verification, the right-edge frontier
 * used on append, and an in-memory tree. Generation and verification never
 * allocate; only struct merkle_mem does. Loops, not recursion: every RFC
 * recursion here descends one branch only, so it unrolls into a walk from
 * the root plus a reversal of the collected hashes.
 */
#include "core/audit/merkle.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Trees are capped at 2^63 leaves so that sizes, (index+1)<<level and
 * size+1 never overflow uint64_t. */
#define TREE_MAX_SIZE (UINT64_C(1) << 63)

static const uint8_t empty_sha256[MERKLE_HASH_LEN] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};

void merkle_leaf_hash(const void *entry, size_t len, uint8_t out[MERKLE_HASH_LEN])
{
    static const unsigned char prefix = 0x00;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    if (len > 0) {
        crypto_hash_sha256_update(&st, entry, len);
    }
    crypto_hash_sha256_final(&st, out);
}

void merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN], const uint8_t right[MERKLE_HASH_LEN],
                      uint8_t out[MERKLE_HASH_LEN])
{
    /* One contiguous block: a single update call is measurably faster than
     * three, and copying first makes out aliasing left/right harmless. */
    unsigned char block[1 + 2 * MERKLE_HASH_LEN];
    block[0] = 0x01;
    memcpy(block + 1, left, MERKLE_HASH_LEN);
    memcpy(block + 1 + MERKLE_HASH_LEN, right, MERKLE_HASH_LEN);
    crypto_hash_sha256(out, block, sizeof block);
}

void merkle_empty_root(uint8_t out[MERKLE_HASH_LEN])
{
    memcpy(out, empty_sha256, MERKLE_HASH_LEN);
}

/* floor(log2(n)) for n > 0 */
static unsigned ilog2(uint64_t n)
{
    return 63u - (unsigned)__builtin_clzll(n);
}

/* Largest power of two strictly less than n, for n >= 2 (the RFC's k). */
static uint64_t split_point(uint64_t n)
{
    return UINT64_C(1) << ilog2(n - 1);
}

static int get(const struct merkle_store *s, unsigned level, uint64_t index,
               uint8_t out[MERKLE_HASH_LEN])
{
    return s->get_node(s->cls, level, index, out) == 0 ? AUDIT_OK : AUDIT_ESTORE;
}

int merkle_range_hash(const struct merkle_store *s, uint64_t begin, uint64_t end,
                      uint8_t out[MERKLE_HASH_LEN])
{
    if (end < begin || end > TREE_MAX_SIZE) {
        return AUDIT_EINVAL;
    }
    if (begin == end) {
        merkle_empty_root(out);
        return AUDIT_OK;
    }
    uint64_t n = end - begin;
    unsigned top = ilog2(n);
    if ((begin & ((UINT64_C(1) << top) - 1)) != 0) {
        return AUDIT_EINVAL;
    }
    /* The range is a run of aligned chunks, one per set bit of n, largest
     * first; MTH folds them from the right. */
    uint8_t acc[MERKLE_HASH_LEN];
    uint8_t h[MERKLE_HASH_LEN];
    bool have = false;
    for (unsigned l = 0; l <= top; l++) {
        if (((n >> l) & 1) == 0) {
            continue;
        }
        uint64_t above = n & ~((UINT64_C(2) << l) - 1); /* leaves in larger chunks */
        uint64_t start = begin + above;
        int rc = get(s, l, start >> l, have ? h : acc);
        if (rc != AUDIT_OK) {
            return rc;
        }
        if (have) {
            merkle_node_hash(h, acc, acc);
        }
        have = true;
    }
    memcpy(out, acc, MERKLE_HASH_LEN);
    return AUDIT_OK;
}

int merkle_root(const struct merkle_store *s, uint64_t size, uint8_t out[MERKLE_HASH_LEN])
{
    return merkle_range_hash(s, 0, size, out);
}

static void reverse(uint8_t (*proof)[MERKLE_HASH_LEN], size_t n)
{
    uint8_t tmp[MERKLE_HASH_LEN];
    for (size_t i = 0; i < n / 2; i++) {
        memcpy(tmp, proof[i], MERKLE_HASH_LEN);
        memcpy(proof[i], proof[n - 1 - i], MERKLE_HASH_LEN);
        memcpy(proof[n - 1 - i], tmp, MERKLE_HASH_LEN);
    }
}

int merkle_inclusion_proof(const struct merkle_store *s, uint64_t index, uint64_t size,
                           uint8_t (*proof)[MERKLE_HASH_LEN], size_t cap, size_t *proof_len)
{
    *proof_len = 0;
    if (index >= size || size > TREE_MAX_SIZE) {
        return AUDIT_EINVAL;
    }
    /* PATH(m, D[lo:hi]): descend towards leaf m, collecting the sibling of
     * each subtree on the way (root first), then reverse (leaf first). */
    uint64_t lo = 0;
    uint64_t hi = size;
    size_t n = 0;
    while (hi - lo > 1) {
        uint64_t k = split_point(hi - lo);
        if (n == cap) {
            return AUDIT_ENOSPC;
        }
        int rc;
        if (index < lo + k) {
            rc = merkle_range_hash(s, lo + k, hi, proof[n]);
            hi = lo + k;
        } else {
            rc = merkle_range_hash(s, lo, lo + k, proof[n]);
            lo = lo + k;
        }
        if (rc != AUDIT_OK) {
            return rc;
        }
        n++;
    }
    reverse(proof, n);
    *proof_len = n;
    return AUDIT_OK;
}

int merkle_consistency_proof(const struct merkle_store *s, uint64_t from, uint64_t to,
                             uint8_t (*proof)[MERKLE_HASH_LEN], size_t cap, size_t *proof_len)
{
    *proof_len = 0;
    if (from > to || to > TREE_MAX_SIZE) {
        return AUDIT_EINVAL;
    }
    if (from == 0 || from == to) {
        return AUDIT_OK;
    }
    /* SUBPROOF(m, D[lo:hi], b) with m = from - lo, unrolled. */
    uint64_t lo = 0;
    uint64_t hi = to;
    bool whole = true; /* the RFC's b: still on the path of the original tree */
    size_t n = 0;
    for (;;) {
        int rc;
        if (from == hi) {
            if (whole) {
                break;
            }
            if (n == cap) {
                return AUDIT_ENOSPC;
            }
            rc = merkle_range_hash(s, lo, hi, proof[n]);
            if (rc != AUDIT_OK) {
                return rc;
            }
            n++;
            break;
        }
        uint64_t k = split_point(hi - lo);
        if (n == cap) {
            return AUDIT_ENOSPC;
        }
        if (from - lo <= k) {
            rc = merkle_range_hash(s, lo + k, hi, proof[n]);
            hi = lo + k;
        } else {
            rc = merkle_range_hash(s, lo, lo + k, proof[n]);
            lo = lo + k;
            whole = false;
        }
        if (rc != AUDIT_OK) {
            return rc;
        }
        n++;
    }
    reverse(proof, n);
    *proof_len = n;
    return AUDIT_OK;
}

/* ---- plans ------------------------------------------------------------- */

static int plan_record(void *cls, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    struct merkle_plan *p = cls;
    memset(out, 0, MERKLE_HASH_LEN);
    for (unsigned i = 0; i < p->n; i++) {
        if (p->level[i] == level && p->index[i] == index) {
            return 0;
        }
    }
    if (p->n == MERKLE_MAX_PLAN) {
        return -1;
    }
    p->level[p->n] = level;
    p->index[p->n] = index;
    p->have[p->n] = 0;
    p->n++;
    return 0;
}

static int plan_lookup(void *cls, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    const struct merkle_plan *p = cls;
    for (unsigned i = 0; i < p->n; i++) {
        if (p->level[i] == level && p->index[i] == index) {
            if (!p->have[i]) {
                return -1;
            }
            memcpy(out, p->hash[i], MERKLE_HASH_LEN);
            return 0;
        }
    }
    return -1;
}

struct merkle_store merkle_plan_store(struct merkle_plan *p)
{
    struct merkle_store s = {.get_node = plan_lookup, .cls = p};
    return s;
}

int merkle_inclusion_plan(uint64_t index, uint64_t size, struct merkle_plan *p)
{
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t len;
    struct merkle_store s = {.get_node = plan_record, .cls = p};
    p->n = 0;
    int rc = merkle_inclusion_proof(&s, index, size, proof, MERKLE_MAX_PROOF, &len);
    return rc == AUDIT_ESTORE ? AUDIT_ENOSPC : rc;
}

int merkle_consistency_plan(uint64_t from, uint64_t to, struct merkle_plan *p)
{
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t len;
    struct merkle_store s = {.get_node = plan_record, .cls = p};
    p->n = 0;
    int rc = merkle_consistency_proof(&s, from, to, proof, MERKLE_MAX_PROOF, &len);
    return rc == AUDIT_ESTORE ? AUDIT_ENOSPC : rc;
}

int merkle_root_plan(uint64_t size, struct merkle_plan *p)
{
    uint8_t root[MERKLE_HASH_LEN];
    struct merkle_store s = {.get_node = plan_record, .cls = p};
    p->n = 0;
    int rc = merkle_root(&s, size, root);
    return rc == AUDIT_ESTORE ? AUDIT_ENOSPC : rc;
}

/* ---- verification ------------------------------------------------------ */

int merkle_root_from_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN], uint64_t index,
                               uint64_t size, const uint8_t (*proof)[MERKLE_HASH_LEN], size_t len,
                               uint8_t out[MERKLE_HASH_LEN])
{
    if (index >= size) {
        return AUDIT_EINVAL;
    }
    /* RFC 9162 §2.1.3.2 */
    uint64_t fn = index;
    uint64_t sn = size - 1;
    uint8_t r[MERKLE_HASH_LEN];
    memcpy(r, leaf_hash, MERKLE_HASH_LEN);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0) {
            return AUDIT_EVERIFY; /* proof too long */
        }
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(proof[i], r, r);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) {
        return AUDIT_EVERIFY; /* proof too short */
    }
    memcpy(out, r, MERKLE_HASH_LEN);
    return AUDIT_OK;
}

int merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN], uint64_t index, uint64_t size,
                            const uint8_t (*proof)[MERKLE_HASH_LEN], size_t len,
                            const uint8_t root[MERKLE_HASH_LEN])
{
    uint8_t r[MERKLE_HASH_LEN];
    int rc = merkle_root_from_inclusion(leaf_hash, index, size, proof, len, r);
    if (rc != AUDIT_OK) {
        return rc;
    }
    return sodium_memcmp(r, root, MERKLE_HASH_LEN) == 0 ? AUDIT_OK : AUDIT_EVERIFY;
}

/* RFC 9162 §2.1.4.2 steps 1-5 for 0 < from < to and a non-empty proof:
 * recompute the old root (fr) and the new root (sr). AUDIT_EVERIFY if the
 * proof's length does not fit the sizes. */
static int consistency_walk(uint64_t from, uint64_t to, const uint8_t old_root[MERKLE_HASH_LEN],
                            const uint8_t (*proof)[MERKLE_HASH_LEN], size_t len,
                            uint8_t fr[MERKLE_HASH_LEN], uint8_t sr[MERKLE_HASH_LEN])
{
    /* Step 1: when from is a power of two the old root itself is the first
     * path element; read it from old_root instead of copying the array. */
    bool prepend = (from & (from - 1)) == 0;
    size_t total = len + (prepend ? 1 : 0);
    uint64_t fn = from - 1;
    uint64_t sn = to - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    memcpy(fr, prepend ? old_root : proof[0], MERKLE_HASH_LEN);
    memcpy(sr, fr, MERKLE_HASH_LEN);
    for (size_t i = 1; i < total; i++) {
        const uint8_t *c = prepend ? proof[i - 1] : proof[i];
        if (sn == 0) {
            return AUDIT_EVERIFY; /* proof too long */
        }
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(c, fr, fr);
            merkle_node_hash(c, sr, sr);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(sr, c, sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 ? AUDIT_OK : AUDIT_EVERIFY; /* else: proof too short */
}

int merkle_verify_consistency(uint64_t from, uint64_t to, const uint8_t old_root[MERKLE_HASH_LEN],
                              const uint8_t new_root[MERKLE_HASH_LEN],
                              const uint8_t (*proof)[MERKLE_HASH_LEN], size_t len)
{
    if (from > to) {
        return AUDIT_EINVAL;
    }
    if (from == to) {
        if (len != 0) {
            return AUDIT_EVERIFY;
        }
        return memcmp(old_root, new_root, MERKLE_HASH_LEN) == 0 ? AUDIT_OK : AUDIT_EVERIFY;
    }
    if (from == 0) {
        /* Every tree extends the empty one; only the empty root is valid. */
        if (len != 0) {
            return AUDIT_EVERIFY;
        }
        return memcmp(old_root, empty_sha256, MERKLE_HASH_LEN) == 0 ? AUDIT_OK : AUDIT_EVERIFY;
    }
    if (len == 0) {
        return AUDIT_EVERIFY; /* RFC 9162: an empty path never proves 0 < from < to */
    }
    uint8_t fr[MERKLE_HASH_LEN];
    uint8_t sr[MERKLE_HASH_LEN];
    int rc = consistency_walk(from, to, old_root, proof, len, fr, sr);
    if (rc != AUDIT_OK) {
        return rc;
    }
    if (sodium_memcmp(fr, old_root, MERKLE_HASH_LEN) != 0 ||
        sodium_memcmp(sr, new_root, MERKLE_HASH_LEN) != 0) {
        return AUDIT_EVERIFY;
    }
    return AUDIT_OK;
}

/* ---- frontier ---------------------------------------------------------- */

void merkle_frontier_init(struct merkle_frontier *f)
{
    memset(f, 0, sizeof *f);
}

unsigned merkle_nodes_completed_by(uint64_t leaf_index, unsigned *levels, uint64_t *indexes)
{
    if (leaf_index >= TREE_MAX_SIZE) {
        return 0;
    }
    uint64_t size = leaf_index + 1;
    unsigned n = 0;
    levels[n] = 0;
    indexes[n] = leaf_index;
    n++;
    for (unsigned l = 1; l < MERKLE_MAX_LEVELS && (size & ((UINT64_C(1) << l) - 1)) == 0; l++) {
        levels[n] = l;
        indexes[n] = (size >> l) - 1;
        n++;
    }
    return n;
}

int merkle_frontier_append(struct merkle_frontier *f, const uint8_t leaf_hash[MERKLE_HASH_LEN],
                           struct merkle_node *out, unsigned *n_out)
{
    *n_out = 0;
    uint64_t n = f->size;
    if (n >= TREE_MAX_SIZE) {
        return AUDIT_EINVAL;
    }
    unsigned cnt = 0;
    out[cnt].level = 0;
    out[cnt].index = n;
    memcpy(out[cnt].hash, leaf_hash, MERKLE_HASH_LEN);
    cnt++;
    uint8_t acc[MERKLE_HASH_LEN];
    memcpy(acc, leaf_hash, MERKLE_HASH_LEN);
    unsigned l = 0;
    /* Each set low bit of n is a complete left sibling that the new leaf
     * now pairs with, exactly like a binary carry. */
    while ((n >> l) & 1) {
        merkle_node_hash(f->hash[l], acc, acc);
        l++;
        out[cnt].level = l;
        out[cnt].index = ((n + 1) >> l) - 1;
        memcpy(out[cnt].hash, acc, MERKLE_HASH_LEN);
        cnt++;
    }
    memcpy(f->hash[l], acc, MERKLE_HASH_LEN);
    f->size = n + 1;
    *n_out = cnt;
    return AUDIT_OK;
}

void merkle_frontier_root(const struct merkle_frontier *f, uint8_t out[MERKLE_HASH_LEN])
{
    if (f->size == 0) {
        merkle_empty_root(out);
        return;
    }
    uint8_t acc[MERKLE_HASH_LEN];
    bool have = false;
    for (unsigned l = 0; l < MERKLE_MAX_LEVELS; l++) {
        if (((f->size >> l) & 1) == 0) {
            continue;
        }
        if (have) {
            merkle_node_hash(f->hash[l], acc, acc);
        } else {
            memcpy(acc, f->hash[l], MERKLE_HASH_LEN);
            have = true;
        }
    }
    memcpy(out, acc, MERKLE_HASH_LEN);
}

int merkle_frontier_load(const struct merkle_store *s, uint64_t size, struct merkle_frontier *f)
{
    if (size > TREE_MAX_SIZE) {
        return AUDIT_EINVAL;
    }
    merkle_frontier_init(f);
    for (unsigned l = 0; l < MERKLE_MAX_LEVELS; l++) {
        if (((size >> l) & 1) == 0) {
            continue;
        }
        int rc = get(s, l, (size >> l) - 1, f->hash[l]);
        if (rc != AUDIT_OK) {
            return rc;
        }
    }
    f->size = size;
    return AUDIT_OK;
}

/* ---- in-memory tree ---------------------------------------------------- */

void merkle_mem_init(struct merkle_mem *m)
{
    memset(m, 0, sizeof *m);
}

void merkle_mem_fini(struct merkle_mem *m)
{
    for (unsigned l = 0; l < MERKLE_MAX_LEVELS; l++) {
        free(m->level[l]);
    }
    memset(m, 0, sizeof *m);
}

uint64_t merkle_mem_size(const struct merkle_mem *m)
{
    return m->frontier.size;
}

static int mem_push(struct merkle_mem *m, unsigned level, const uint8_t h[MERKLE_HASH_LEN])
{
    if (m->count[level] == m->cap[level]) {
        uint64_t ncap = m->cap[level] ? m->cap[level] * 2 : 64;
        if (ncap > SIZE_MAX / MERKLE_HASH_LEN) {
            return AUDIT_ENOMEM;
        }
        void *p = realloc(m->level[level], (size_t)ncap * MERKLE_HASH_LEN);
        if (p == NULL) {
            return AUDIT_ENOMEM;
        }
        m->level[level] = p;
        m->cap[level] = ncap;
    }
    memcpy(m->level[level][m->count[level]], h, MERKLE_HASH_LEN);
    m->count[level]++;
    return AUDIT_OK;
}

int merkle_mem_append(struct merkle_mem *m, const uint8_t leaf_hash[MERKLE_HASH_LEN])
{
    struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
    unsigned n;
    struct merkle_frontier next = m->frontier;
    int rc = merkle_frontier_append(&next, leaf_hash, nodes, &n);
    if (rc != AUDIT_OK) {
        return rc;
    }
    /* Reserve first so a failed allocation leaves m unchanged. */
    for (unsigned i = 0; i < n; i++) {
        rc = mem_push(m, nodes[i].level, nodes[i].hash);
        if (rc != AUDIT_OK) {
            for (unsigned j = 0; j < i; j++) {
                m->count[nodes[j].level]--;
            }
            return rc;
        }
    }
    m->frontier = next;
    return AUDIT_OK;
}

int merkle_mem_append_entry(struct merkle_mem *m, const void *entry, size_t len)
{
    uint8_t h[MERKLE_HASH_LEN];
    merkle_leaf_hash(entry, len, h);
    return merkle_mem_append(m, h);
}

static int mem_get(void *cls, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    const struct merkle_mem *m = cls;
    if (level >= MERKLE_MAX_LEVELS || index >= m->count[level]) {
        return -1;
    }
    memcpy(out, m->level[level][index], MERKLE_HASH_LEN);
    return 0;
}

struct merkle_store merkle_mem_store(struct merkle_mem *m)
{
    struct merkle_store s = {.get_node = mem_get, .cls = m};
    return s;
}
