/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * RFC 9162 Merkle tree: known roots, a straight-from-the-RFC recursive
 * reference for PATH/PROOF, exhaustive small trees, random trees up to
 * 10,000 leaves, byte flips, and the classic verifier mistakes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "core/audit/merkle.h"

typedef uint8_t hash_t[MERKLE_HASH_LEN];

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}

TestSuite(merkle, .init = init);

static void from_hex(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        cr_assert(sscanf(hex + 2 * i, "%2x", &v) == 1);
        out[i] = (uint8_t)v;
    }
}

/* ---- reference: RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 as literal recursion ---- */

static uint64_t ref_k(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n) {
        k *= 2;
    }
    return k;
}

static void ref_mth(const hash_t *leaves, uint64_t n, uint8_t *out)
{
    if (n == 0) {
        merkle_empty_root(out);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves[0], 32);
        return;
    }
    uint64_t k = ref_k(n);
    hash_t l, r;
    ref_mth(leaves, k, l);
    ref_mth(leaves + k, n - k, r);
    merkle_node_hash(l, r, out);
}

static size_t ref_path(uint64_t m, const hash_t *leaves, uint64_t n, hash_t *out)
{
    if (n == 1) {
        return 0;
    }
    uint64_t k = ref_k(n);
    size_t len;
    if (m < k) {
        len = ref_path(m, leaves, k, out);
        ref_mth(leaves + k, n - k, out[len]);
    } else {
        len = ref_path(m - k, leaves + k, n - k, out);
        ref_mth(leaves, k, out[len]);
    }
    return len + 1;
}

static size_t ref_subproof(uint64_t m, const hash_t *leaves, uint64_t n, bool b, hash_t *out)
{
    if (m == n) {
        if (b) {
            return 0;
        }
        ref_mth(leaves, n, out[0]);
        return 1;
    }
    uint64_t k = ref_k(n);
    size_t len;
    if (m <= k) {
        len = ref_subproof(m, leaves, k, b, out);
        ref_mth(leaves + k, n - k, out[len]);
    } else {
        len = ref_subproof(m - k, leaves + k, n - k, false, out);
        ref_mth(leaves, k, out[len]);
    }
    return len + 1;
}

/* ---- fixtures ------------------------------------------------------------------ */

struct tree {
    struct merkle_mem mem;
    hash_t *leaves;
    uint64_t n;
};

static void tree_build(struct tree *t, uint64_t n, unsigned seed)
{
    merkle_mem_init(&t->mem);
    t->leaves = malloc((n ? n : 1) * sizeof(hash_t));
    cr_assert(t->leaves != NULL);
    t->n = n;
    for (uint64_t i = 0; i < n; i++) {
        char entry[64];
        int len = snprintf(entry, sizeof entry, "{\"seq\":%llu,\"seed\":%u}",
                           (unsigned long long)i + 1, seed);
        merkle_leaf_hash(entry, (size_t)len, t->leaves[i]);
        cr_assert(merkle_mem_append(&t->mem, t->leaves[i]) == AUDIT_OK);
    }
}

static void tree_free(struct tree *t)
{
    merkle_mem_fini(&t->mem);
    free(t->leaves);
}

/* The CT/Trillian test vector: 8 leaves and the roots of every prefix. */
static const struct {
    const char *hex;
} ct_leaves[8] = {
    {""},
    {"00"},
    {"10"},
    {"2021"},
    {"3031"},
    {"40414243"},
    {"5051525354555657"},
    {"606162636465666768696a6b6c6d6e6f"},
};
static const char *ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void ct_tree(struct merkle_mem *m, hash_t leaves[8])
{
    merkle_mem_init(m);
    for (unsigned i = 0; i < 8; i++) {
        uint8_t buf[16];
        size_t n = strlen(ct_leaves[i].hex) / 2;
        from_hex(ct_leaves[i].hex, buf, n);
        merkle_leaf_hash(buf, n, leaves[i]);
        cr_assert(merkle_mem_append(m, leaves[i]) == AUDIT_OK);
    }
}

Test(merkle, empty_tree_is_sha256_of_nothing)
{
    hash_t h, want;
    merkle_empty_root(h);
    crypto_hash_sha256(want, (const unsigned char *)"", 0);
    cr_assert(memcmp(h, want, 32) == 0);
    struct merkle_frontier f;
    merkle_frontier_init(&f);
    merkle_frontier_root(&f, h);
    cr_assert(memcmp(h, want, 32) == 0);
}

Test(merkle, hand_computed_small_trees)
{
    /* leaf = SHA-256(0x00 || e), node = SHA-256(0x01 || l || r), by hand */
    hash_t l[3], n01, root3, got;
    for (unsigned i = 0; i < 3; i++) {
        uint8_t buf[2] = {0x00, (uint8_t)('a' + i)};
        crypto_hash_sha256(l[i], buf, 2);
        merkle_leaf_hash(buf + 1, 1, got);
        cr_assert(memcmp(got, l[i], 32) == 0);
    }
    uint8_t blk[65];
    blk[0] = 0x01;
    memcpy(blk + 1, l[0], 32);
    memcpy(blk + 33, l[1], 32);
    crypto_hash_sha256(n01, blk, 65);
    memcpy(blk + 1, n01, 32);
    memcpy(blk + 33, l[2], 32);
    crypto_hash_sha256(root3, blk, 65);

    struct merkle_mem m;
    merkle_mem_init(&m);
    struct merkle_store s = merkle_mem_store(&m);
    for (unsigned i = 0; i < 3; i++) {
        cr_assert(merkle_mem_append_entry(&m, (const char[]){(char)('a' + i)}, 1) == AUDIT_OK);
    }
    cr_assert(merkle_root(&s, 1, got) == AUDIT_OK);
    cr_assert(memcmp(got, l[0], 32) == 0);
    cr_assert(merkle_root(&s, 2, got) == AUDIT_OK);
    cr_assert(memcmp(got, n01, 32) == 0);
    cr_assert(merkle_root(&s, 3, got) == AUDIT_OK);
    cr_assert(memcmp(got, root3, 32) == 0);
    /* inclusion of leaf 2 in size 3 is [n01]; of leaf 0 is [l1, l2] */
    hash_t proof[MERKLE_MAX_PROOF];
    size_t len;
    cr_assert(merkle_inclusion_proof(&s, 2, 3, proof, MERKLE_MAX_PROOF, &len) == AUDIT_OK);
    cr_assert(len == 1 && memcmp(proof[0], n01, 32) == 0);
    cr_assert(merkle_inclusion_proof(&s, 0, 3, proof, MERKLE_MAX_PROOF, &len) == AUDIT_OK);
    cr_assert(len == 2 && memcmp(proof[0], l[1], 32) == 0 && memcmp(proof[1], l[2], 32) == 0);
    /* consistency 2 → 3 is [l2] (old root n01 is a power-of-two subtree) */
    cr_assert(merkle_consistency_proof(&s, 2, 3, proof, MERKLE_MAX_PROOF, &len) == AUDIT_OK);
    cr_assert(len == 1 && memcmp(proof[0], l[2], 32) == 0);
    cr_assert(merkle_verify_consistency(2, 3, n01, root3, proof, len) == AUDIT_OK);
    merkle_mem_fini(&m);
}

Test(merkle, ct_test_vector_roots_sizes_0_to_8)
{
    struct merkle_mem m;
    hash_t leaves[8];
    ct_tree(&m, leaves);
    struct merkle_store s = merkle_mem_store(&m);
    for (unsigned n = 0; n <= 8; n++) {
        hash_t want, got, ref;
        from_hex(ct_roots[n], want, 32);
        cr_assert(merkle_root(&s, n, got) == AUDIT_OK);
        cr_assert(memcmp(got, want, 32) == 0, "root of size %u", n);
        ref_mth(leaves, n, ref);
        cr_assert(memcmp(ref, want, 32) == 0);
    }
    merkle_mem_fini(&m);
}

Test(merkle, exhaustive_small_trees_match_reference)
{
    struct tree t;
    tree_build(&t, 70, 1);
    struct merkle_store s = merkle_mem_store(&t.mem);
    hash_t proof[MERKLE_MAX_PROOF], ref[MERKLE_MAX_PROOF];
    for (uint64_t n = 1; n <= 70; n++) {
        hash_t root;
        cr_assert(merkle_root(&s, n, root) == AUDIT_OK);
        hash_t want;
        ref_mth(t.leaves, n, want);
        cr_assert(memcmp(root, want, 32) == 0);
        for (uint64_t i = 0; i < n; i++) {
            size_t len;
            cr_assert(merkle_inclusion_proof(&s, i, n, proof, MERKLE_MAX_PROOF, &len) == AUDIT_OK);
            size_t rlen = ref_path(i, t.leaves, n, ref);
            cr_assert(len == rlen && memcmp(proof, ref, len * 32) == 0, "path %llu/%llu",
                      (unsigned long long)i, (unsigned long long)n);
            cr_assert(merkle_verify_inclusion(t.leaves[i], i, n, (const hash_t *)proof, len,
                                              root) == AUDIT_OK);
        }
        for (uint64_t m = 0; m <= n; m++) {
            size_t len;
            cr_assert(merkle_consistency_proof(&s, m, n, proof, MERKLE_MAX_PROOF, &len) ==
                      AUDIT_OK);
            size_t rlen = (m == 0 || m == n) ? 0 : ref_subproof(m, t.leaves, n, true, ref);
            cr_assert(len == rlen && memcmp(proof, ref, len * 32) == 0, "proof %llu→%llu",
                      (unsigned long long)m, (unsigned long long)n);
            hash_t old;
            ref_mth(t.leaves, m, old);
            cr_assert(merkle_verify_consistency(m, n, old, root, (const hash_t *)proof, len) ==
                          AUDIT_OK,
                      "verify %llu→%llu", (unsigned long long)m, (unsigned long long)n);
        }
    }
    tree_free(&t);
}

static void flip_checks_inclusion(const hash_t leaf, uint64_t i, uint64_t n, hash_t *proof,
                                  size_t len, hash_t root)
{
    for (size_t e = 0; e < len; e++) {
        for (unsigned b = 0; b < 32; b++) {
            proof[e][b] ^= 0x01;
            cr_assert(merkle_verify_inclusion(leaf, i, n, (const hash_t *)proof, len, root) ==
                      AUDIT_EVERIFY);
            proof[e][b] ^= 0x01;
        }
    }
    hash_t l2;
    memcpy(l2, leaf, 32);
    for (unsigned b = 0; b < 32; b++) {
        l2[b] ^= 0x80;
        cr_assert(merkle_verify_inclusion(l2, i, n, (const hash_t *)proof, len, root) ==
                  AUDIT_EVERIFY);
        l2[b] ^= 0x80;
        root[b] ^= 0x80;
        cr_assert(merkle_verify_inclusion(leaf, i, n, (const hash_t *)proof, len, root) ==
                  AUDIT_EVERIFY);
        root[b] ^= 0x80;
    }
    /* wrong index or size with the same proof */
    if (n > 1) {
        uint64_t other = (i + 1) % n;
        cr_assert(merkle_verify_inclusion(leaf, other, n, (const hash_t *)proof, len, root) !=
                  AUDIT_OK);
    }
}

Test(merkle, random_trees_every_inclusion_proof_verifies)
{
    static const uint64_t sizes[] = {1,    2,    3,    5,    127,  128,  129,
                                     1000, 1023, 1024, 1025, 4097, 9999, 10000};
    struct tree t;
    tree_build(&t, 10000, 7);
    struct merkle_store s = merkle_mem_store(&t.mem);
    hash_t proof[MERKLE_MAX_PROOF];
    unsigned long verified = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint64_t n = sizes[k];
        hash_t root, ref;
        cr_assert(merkle_root(&s, n, root) == AUDIT_OK);
        ref_mth(t.leaves, n, ref);
        cr_assert(memcmp(root, ref, 32) == 0);
        for (uint64_t i = 0; i < n; i++) {
            size_t len;
            cr_assert(merkle_inclusion_proof(&s, i, n, proof, MERKLE_MAX_PROOF, &len) == AUDIT_OK);
            cr_assert(merkle_verify_inclusion(t.leaves[i], i, n, (const hash_t *)proof, len,
                                              root) == AUDIT_OK);
            verified++;
            if (i % 997 == 0 || i == n - 1) {
                flip_checks_inclusion(t.leaves[i], i, n, proof, len, root);
            }
        }
    }
    cr_assert(verified == 28563, "verified %lu", verified);
    tree_free(&t);
}

Test(merkle, random_trees_consistency_sample_verifies_and_flips_fail)
{
    struct tree t;
    tree_build(&t, 10000, 11);
    struct merkle_store s = merkle_mem_store(&t.mem);
    hash_t proof[MERKLE_MAX_PROOF];
    srand(42);
    /* a fixed sample of ~2,500 pairs including edges around powers of two */
    for (unsigned trial = 0; trial < 2500; trial++) {
        uint64_t a = (uint64_t)rand() % 10001, b = (uint64_t)rand() % 10001;
        if (trial < 40) {
            a = (UINT64_C(1) << (trial % 14)) + (trial / 14) - 1;
            b = 10000 - trial;
        }
        uint64_t m = a < b ? a : b, n = a < b ? b : a;
        hash_t old, new;
        cr_assert(merkle_root(&s, m, old) == AUDIT_OK);
        cr_assert(merkle_root(&s, n, new) == AUDIT_OK);
        size_t len;
        cr_assert(merkle_consistency_proof(&s, m, n, proof, MERKLE_MAX_PROOF, &len) == AUDIT_OK);
        cr_assert(merkle_verify_consistency(m, n, old, new, (const hash_t *)proof, len) ==
                  AUDIT_OK);
        if (m == 0 || m == n) {
            continue;
        }
        if (trial % 50 == 0) {
            for (size_t e = 0; e < len; e++) {
                for (unsigned byte = 0; byte < 32; byte++) {
                    proof[e][byte] ^= 0x04;
                    cr_assert(merkle_verify_consistency(m, n, old, new, (const hash_t *)proof,
                                                        len) == AUDIT_EVERIFY);
                    proof[e][byte] ^= 0x04;
                }
            }
            for (unsigned byte = 0; byte < 32; byte++) {
                old[byte] ^= 1;
                cr_assert(merkle_verify_consistency(m, n, old, new, (const hash_t *)proof, len) ==
                          AUDIT_EVERIFY);
                old[byte] ^= 1;
                new[byte] ^= 1;
                cr_assert(merkle_verify_consistency(m, n, old, new, (const hash_t *)proof, len) ==
                          AUDIT_EVERIFY);
                new[byte] ^= 1;
            }
        }
        /* swapped roots. (A shifted size can legitimately still verify:
         * RFC 9162 roots do not commit to the size, e.g. 1 → 9999 and
         * 1 → 10000 have the same proof shape; checkpoints bind the size.) */
        if (memcmp(old, new, 32) != 0) {
            cr_assert(merkle_verify_consistency(m, n, new, old, (const hash_t *)proof, len) !=
                      AUDIT_OK);
        }
    }
    tree_free(&t);
}

/* ---- classic mistakes ---------------------------------------------------------- */

Test(merkle, size_zero_and_index_out_of_range)
{
    struct tree t;
    tree_build(&t, 8, 3);
    struct merkle_store s = merkle_mem_store(&t.mem);
    hash_t proof[MERKLE_MAX_PROOF], root;
    size_t len;
    cr_assert(merkle_inclusion_proof(&s, 0, 0, proof, MERKLE_MAX_PROOF, &len) == AUDIT_EINVAL);
    cr_assert(merkle_inclusion_proof(&s, 8, 8, proof, MERKLE_MAX_PROOF, &len) == AUDIT_EINVAL);
    cr_assert(merkle_inclusion_proof(&s, 9, 8, proof, MERKLE_MAX_PROOF, &len) == AUDIT_EINVAL);
    merkle_empty_root(root);
    cr_assert(merkle_verify_inclusion(t.leaves[0], 0, 0, NULL, 0, root) == AUDIT_EINVAL);
    cr_assert(merkle_root(&s, 8, root) == AUDIT_OK);
    cr_assert(merkle_inclusion_proof(&s, 7, 8, proof, MERKLE_MAX_PROOF, &len) == AUDIT_OK);
    cr_assert(merkle_verify_inclusion(t.leaves[7], 8, 8, (const hash_t *)proof, len, root) ==
              AUDIT_EINVAL);
    cr_assert(merkle_verify_inclusion(t.leaves[7], UINT64_MAX, 8, (const hash_t *)proof, len,
                                      root) == AUDIT_EINVAL);
    /* a tree of one leaf: empty proof, root = leaf */
    cr_assert(merkle_verify_inclusion(t.leaves[0], 0, 1, NULL, 0, t.leaves[0]) == AUDIT_OK);
    cr_assert(merkle_verify_inclusion(t.leaves[0], 0, 1, (const hash_t *)proof, 1, t.leaves[0]) ==
              AUDIT_EVERIFY);
    /* sizes beyond the store */
    cr_assert(merkle_inclusion_proof(&s, 0, 9, proof, MERKLE_MAX_PROOF, &len) == AUDIT_ESTORE);
    tree_free(&t);
}

Test(merkle, proofs_one_hash_too_long_or_short)
{
    struct tree t;
    tree_build(&t, 100, 5);
    struct merkle_store s = merkle_mem_store(&t.mem);
    hash_t proof[MERKLE_MAX_PROOF + 1], root;
    for (uint64_t n = 2; n <= 100; n += 7) {
        cr_assert(merkle_root(&s, n, root) == AUDIT_OK);
        for (uint64_t i = 0; i < n; i += 3) {
            size_t len;
            cr_assert(merkle_inclusion_proof(&s, i, n, proof, MERKLE_MAX_PROOF, &len) == AUDIT_OK);
            cr_assert(len > 0);
            memcpy(proof[len], root, 32);
            cr_assert(merkle_verify_inclusion(t.leaves[i], i, n, (const hash_t *)proof, len + 1,
                                              root) == AUDIT_EVERIFY);
            cr_assert(merkle_verify_inclusion(t.leaves[i], i, n, (const hash_t *)proof, len - 1,
                                              root) == AUDIT_EVERIFY);
        }
        for (uint64_t m = 1; m < n; m += 5) {
            hash_t old;
            size_t len;
            cr_assert(merkle_root(&s, m, old) == AUDIT_OK);
            cr_assert(merkle_consistency_proof(&s, m, n, proof, MERKLE_MAX_PROOF, &len) ==
                      AUDIT_OK);
            cr_assert(len > 0);
            memcpy(proof[len], root, 32);
            cr_assert(merkle_verify_consistency(m, n, old, root, (const hash_t *)proof, len + 1) ==
                      AUDIT_EVERIFY);
            cr_assert(merkle_verify_consistency(m, n, old, root, (const hash_t *)proof, len - 1) ==
                      AUDIT_EVERIFY);
        }
    }
    tree_free(&t);
}

Test(merkle, consistency_argument_edges)
{
    struct tree t;
    tree_build(&t, 16, 9);
    struct merkle_store s = merkle_mem_store(&t.mem);
    hash_t proof[MERKLE_MAX_PROOF], r5, r9, empty;
    size_t len;
    cr_assert(merkle_root(&s, 5, r5) == AUDIT_OK);
    cr_assert(merkle_root(&s, 9, r9) == AUDIT_OK);
    merkle_empty_root(empty);
    /* from > to */
    cr_assert(merkle_consistency_proof(&s, 9, 5, proof, MERKLE_MAX_PROOF, &len) == AUDIT_EINVAL);
    cr_assert(merkle_verify_consistency(9, 5, r9, r5, NULL, 0) == AUDIT_EINVAL);
    /* from == to: empty proof and equal roots only */
    cr_assert(merkle_consistency_proof(&s, 5, 5, proof, MERKLE_MAX_PROOF, &len) == AUDIT_OK);
    cr_assert(len == 0);
    cr_assert(merkle_verify_consistency(5, 5, r5, r5, NULL, 0) == AUDIT_OK);
    cr_assert(merkle_verify_consistency(5, 5, r5, r9, NULL, 0) == AUDIT_EVERIFY);
    memcpy(proof[0], r5, 32);
    cr_assert(merkle_verify_consistency(5, 5, r5, r5, (const hash_t *)proof, 1) == AUDIT_EVERIFY);
    /* from == 0 */
    cr_assert(merkle_verify_consistency(0, 9, empty, r9, NULL, 0) == AUDIT_OK);
    cr_assert(merkle_verify_consistency(0, 9, r5, r9, NULL, 0) == AUDIT_EVERIFY);
    cr_assert(merkle_verify_consistency(0, 9, empty, r9, (const hash_t *)proof, 1) ==
              AUDIT_EVERIFY);
    cr_assert(merkle_verify_consistency(0, 0, empty, empty, NULL, 0) == AUDIT_OK);
    /* 0 < from < to with an empty proof: never valid, even with old == new */
    cr_assert(merkle_verify_consistency(5, 9, r5, r9, NULL, 0) == AUDIT_EVERIFY);
    cr_assert(merkle_verify_consistency(4, 8, r5, r5, NULL, 0) == AUDIT_EVERIFY);
    /* output buffer too small */
    cr_assert(merkle_consistency_proof(&s, 5, 9, proof, 1, &len) == AUDIT_ENOSPC);
    cr_assert(merkle_inclusion_proof(&s, 0, 9, proof, 2, &len) == AUDIT_ENOSPC);
    tree_free(&t);
}

/* What a verifier that forgets "sn must be 0 at the end" would do. */
static bool naive_inclusion(const uint8_t *leaf, uint64_t index, uint64_t size, const hash_t *proof,
                            size_t len, const uint8_t *root)
{
    uint64_t fn = index, sn = size - 1;
    hash_t r;
    memcpy(r, leaf, 32);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0) {
            return false;
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
    return memcmp(r, root, 32) == 0; /* BUG: no sn == 0 check */
}

Test(merkle, verifier_must_check_remaining_size_is_zero)
{
    /* Claim: leaf 0 is in a tree of 4 leaves whose root is H(l0, l1) — an
     * inner node, not the root. The short proof [l1] hashes to that claim;
     * only the final sn == 0 check notices that two levels were expected. */
    struct tree t;
    tree_build(&t, 4, 13);
    hash_t fake_root, proof[1];
    merkle_node_hash(t.leaves[0], t.leaves[1], fake_root);
    memcpy(proof[0], t.leaves[1], 32);
    cr_assert(naive_inclusion(t.leaves[0], 0, 4, (const hash_t *)proof, 1, fake_root));
    cr_assert(merkle_verify_inclusion(t.leaves[0], 0, 4, (const hash_t *)proof, 1, fake_root) ==
              AUDIT_EVERIFY);
    /* Same trick for consistency: 2 → 4 "proved" with an empty tail. */
    hash_t r2;
    merkle_node_hash(t.leaves[0], t.leaves[1], r2);
    memcpy(proof[0], r2, 32);
    cr_assert(merkle_verify_consistency(2, 4, r2, r2, (const hash_t *)proof, 1) == AUDIT_EVERIFY);
    tree_free(&t);
}

/* ---- frontier, append plan, batched reads ------------------------------------ */

Test(merkle, frontier_append_emits_each_node_once)
{
    struct merkle_frontier f;
    merkle_frontier_init(&f);
    struct tree t;
    tree_build(&t, 3000, 17);
    struct merkle_store s = merkle_mem_store(&t.mem);
    unsigned long rows = 0;
    for (uint64_t i = 0; i < 3000; i++) {
        struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
        unsigned n;
        cr_assert(merkle_frontier_append(&f, t.leaves[i], nodes, &n) == AUDIT_OK);
        unsigned levels[MERKLE_MAX_LEVELS + 1];
        uint64_t idx[MERKLE_MAX_LEVELS + 1];
        cr_assert(merkle_nodes_completed_by(i, levels, idx) == n);
        for (unsigned j = 0; j < n; j++) {
            cr_assert(nodes[j].level == levels[j] && nodes[j].index == idx[j]);
            cr_assert(((nodes[j].index + 1) << nodes[j].level) == i + 1);
            hash_t want;
            cr_assert(merkle_range_hash(&s, nodes[j].index << nodes[j].level,
                                        (nodes[j].index + 1) << nodes[j].level, want) == AUDIT_OK);
            cr_assert(memcmp(want, nodes[j].hash, 32) == 0);
        }
        rows += n;
        hash_t a, b;
        merkle_frontier_root(&f, a);
        cr_assert(merkle_root(&s, i + 1, b) == AUDIT_OK);
        cr_assert(memcmp(a, b, 32) == 0);
        struct merkle_frontier g;
        cr_assert(merkle_frontier_load(&s, i + 1, &g) == AUDIT_OK);
        merkle_frontier_root(&g, b);
        cr_assert(memcmp(a, b, 32) == 0);
    }
    cr_assert(rows < 2 * 3000, "amortised < 2 rows per leaf, got %lu", rows);
    cr_assert(f.size == 3000);
    tree_free(&t);
}

struct counting {
    struct merkle_store inner;
    unsigned reads;
};

static int counting_get(void *cls, unsigned level, uint64_t index, uint8_t out[32])
{
    struct counting *c = cls;
    c->reads++;
    return c->inner.get_node(c->inner.cls, level, index, out);
}

Test(merkle, plans_batch_reads_and_reproduce_proofs)
{
    struct tree t;
    tree_build(&t, 5000, 19);
    struct merkle_store s = merkle_mem_store(&t.mem);
    struct counting c = {.inner = s};
    struct merkle_store cs = {.get_node = counting_get, .cls = &c};
    unsigned max_reads = 0;
    for (uint64_t n = 1; n <= 5000; n += 37) {
        for (uint64_t i = 0; i < n; i += 1 + n / 7) {
            struct merkle_plan p;
            cr_assert(merkle_inclusion_plan(i, n, &p) == AUDIT_OK);
            for (unsigned k = 0; k < p.n; k++) {
                cr_assert(s.get_node(s.cls, p.level[k], p.index[k], p.hash[k]) == 0);
                p.have[k] = 1;
            }
            struct merkle_store ps = merkle_plan_store(&p);
            hash_t a[MERKLE_MAX_PROOF], b[MERKLE_MAX_PROOF];
            size_t la, lb;
            c.reads = 0;
            cr_assert(merkle_inclusion_proof(&cs, i, n, a, MERKLE_MAX_PROOF, &la) == AUDIT_OK);
            cr_assert(c.reads <= 2 * 13 + 1, "reads %u for %llu/%llu", c.reads,
                      (unsigned long long)i, (unsigned long long)n);
            if (c.reads > max_reads) {
                max_reads = c.reads;
            }
            cr_assert(p.n <= c.reads);
            cr_assert(merkle_inclusion_proof(&ps, i, n, b, MERKLE_MAX_PROOF, &lb) == AUDIT_OK);
            cr_assert(la == lb && memcmp(a, b, la * 32) == 0);
            uint64_t m = i; /* reuse i as an older size */
            cr_assert(merkle_consistency_plan(m, n, &p) == AUDIT_OK);
            for (unsigned k = 0; k < p.n; k++) {
                cr_assert(s.get_node(s.cls, p.level[k], p.index[k], p.hash[k]) == 0);
                p.have[k] = 1;
            }
            ps = merkle_plan_store(&p);
            cr_assert(merkle_consistency_proof(&s, m, n, a, MERKLE_MAX_PROOF, &la) == AUDIT_OK);
            cr_assert(merkle_consistency_proof(&ps, m, n, b, MERKLE_MAX_PROOF, &lb) == AUDIT_OK);
            cr_assert(la == lb && memcmp(a, b, la * 32) == 0);
        }
        struct merkle_plan p;
        cr_assert(merkle_root_plan(n, &p) == AUDIT_OK);
        cr_assert(p.n == (unsigned)__builtin_popcountll(n));
    }
    /* an unfilled plan fails cleanly */
    struct merkle_plan p;
    cr_assert(merkle_inclusion_plan(3, 10, &p) == AUDIT_OK);
    struct merkle_store ps = merkle_plan_store(&p);
    hash_t a[MERKLE_MAX_PROOF];
    size_t la;
    cr_assert(merkle_inclusion_proof(&ps, 3, 10, a, MERKLE_MAX_PROOF, &la) == AUDIT_ESTORE);
    cr_assert(merkle_inclusion_plan(10, 10, &p) == AUDIT_EINVAL);
    tree_free(&t);
}

Test(merkle, range_hash_alignment_and_huge_sizes)
{
    struct tree t;
    tree_build(&t, 16, 23);
    struct merkle_store s = merkle_mem_store(&t.mem);
    hash_t h, want;
    cr_assert(merkle_range_hash(&s, 1, 3, h) == AUDIT_EINVAL); /* not aligned */
    cr_assert(merkle_range_hash(&s, 4, 7, h) == AUDIT_OK);
    ref_mth(t.leaves + 4, 3, want);
    cr_assert(memcmp(h, want, 32) == 0);
    cr_assert(merkle_range_hash(&s, 3, 2, h) == AUDIT_EINVAL);
    cr_assert(merkle_range_hash(&s, 5, 5, h) == AUDIT_OK);
    /* plans work for the largest trees without touching storage */
    struct merkle_plan p;
    uint64_t big = (UINT64_C(1) << 63) - 1;
    cr_assert(merkle_inclusion_plan(big - 1, big, &p) == AUDIT_OK);
    cr_assert(merkle_consistency_plan(big / 3, big, &p) == AUDIT_OK);
    cr_assert(merkle_inclusion_plan(0, UINT64_MAX, &p) == AUDIT_EINVAL);
    struct merkle_frontier f;
    merkle_frontier_init(&f);
    f.size = UINT64_C(1) << 63;
    struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
    unsigned n;
    cr_assert(merkle_frontier_append(&f, want, nodes, &n) == AUDIT_EINVAL);
    tree_free(&t);
}
