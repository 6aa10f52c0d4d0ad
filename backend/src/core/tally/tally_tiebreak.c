/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally_tiebreak.c — the pieces of RCTab's tie-breaking that come
 * from Java: java.util.Random (§6.3), String.compareTo (UTF-16 code unit
 * order), String.hashCode and java.util.HashSet iteration order (§6.4).
 * The only floating point in the engine is here: the random index is the
 * binary64 product floor(nextDouble() × n), exactly as Java computes it.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base.h"
#include "tally_int.h"

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "the random tie-break needs binary64 arithmetic without excess precision"
#endif

#define JAVA_MULT   0x5DEECE66DULL
#define JAVA_ADD    0xBULL
#define JAVA_MASK48 ((1ULL << 48) - 1)

void tally_rng_seed(struct tally_rng *r, int64_t seed)
{
    r->state = ((uint64_t)seed ^ JAVA_MULT) & JAVA_MASK48;
}

uint32_t tally_rng_next(struct tally_rng *r, int bits)
{
    r->state = (r->state * JAVA_MULT + JAVA_ADD) & JAVA_MASK48;
    return (uint32_t)(r->state >> (48 - bits));
}

double tally_rng_next_double(struct tally_rng *r)
{
    uint64_t hi = tally_rng_next(r, 26);
    uint64_t lo = tally_rng_next(r, 27);
    /* exact: a 53-bit integer scaled by a power of two */
    return (double)((hi << 27) + lo) * 0x1.0p-53;
}

uint32_t tally_rng_pick(struct tally_rng *r, uint32_t n)
{
    double u = tally_rng_next_double(r);
    volatile double p = u * (double)n; /* one rounding to nearest-even, as Java */
    uint32_t k = (uint32_t)p;
    return k < n ? k : n - 1;
}

int tally_utf16_cmp(const struct tally_election *e, uint32_t a, uint32_t b)
{
    return base_utf16_cmp(e->opt_chars + e->opt_off[a], e->opt_len[a], e->opt_chars + e->opt_off[b],
                          e->opt_len[b]);
}

void tally_sort_utf16(const struct tally_election *e, uint32_t *ids, size_t n)
{
    /* insertion sort: tied sets are small, and it is stable */
    for (size_t i = 1; i < n; i++) {
        uint32_t v = ids[i];
        size_t j = i;
        while (j > 0 && tally_utf16_cmp(e, ids[j - 1], v) > 0) {
            ids[j] = ids[j - 1];
            j--;
        }
        ids[j] = v;
    }
}

uint32_t tally_java_hash(const struct tally_election *e, uint32_t a)
{
    /* Java's String.hashCode over UTF-16 code units (names are valid UTF-8:
     * the reader checked them). */
    const char *s = e->opt_chars + e->opt_off[a];
    size_t len = e->opt_len[a], i = 0;
    uint32_t h = 0;
    while (i < len) {
        int32_t cp = base_utf8_next(s, len, &i);
        uint32_t u = cp < 0 ? (unsigned char)s[i++] : (uint32_t)cp;
        if (u >= 0x10000) {
            h = 31 * h + (0xD800 + ((u - 0x10000) >> 10));
            u = 0xDC00 + ((u - 0x10000) & 0x3FF);
        }
        h = 31 * h + u;
    }
    return h;
}

int tally_hashset_order(const struct tally_election *e, uint32_t *ids, size_t n)
{
    if (n < 2) {
        return TALLY_OK;
    }
    /* Java: HashMap(max((int)(n/.75f) + 1, 16)) rounded up to a power of two */
    size_t want = (4 * n) / 3 + 1;
    size_t cap = 16;
    while (cap < want) {
        cap *= 2;
    }
    uint32_t *tmp = malloc(n * sizeof(*tmp));
    uint32_t *bucket = malloc(n * sizeof(*bucket));
    if (tmp == NULL || bucket == NULL) {
        free(tmp);
        free(bucket);
        return TALLY_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t h = tally_java_hash(e, ids[i]);
        bucket[i] = (h ^ (h >> 16)) & (uint32_t)(cap - 1);
    }
    /* stable counting by bucket: within a bucket, list order */
    size_t k = 0;
    for (size_t bkt = 0; bkt < cap && k < n; bkt++) {
        for (size_t i = 0; i < n; i++) {
            if (bucket[i] == bkt) {
                tmp[k++] = ids[i];
            }
        }
    }
    memcpy(ids, tmp, n * sizeof(*ids));
    free(tmp);
    free(bucket);
    return TALLY_OK;
}

int64_t tally_seed_from_root(const uint8_t *root)
{
    uint64_t u = 0;
    for (int i = 0; i < 6; i++) {
        u = (u << 8) | root[i];
    }
    /* 48-bit two's complement: the top bit of byte 0 is the sign */
    return u >= (1ULL << 47) ? (int64_t)u - ((int64_t)1 << 48) : (int64_t)u;
}
