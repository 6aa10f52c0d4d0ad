/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally_build.c — building a struct tally_election in memory.
 * Options are interned in a hash table; ballot entries are appended into
 * shared pools (ranks, option ids) and grouped on the fly: an entry with the
 * same ranking, weight and country as an earlier one only adds its count, so
 * a million one-ballot entries cost one pool slot per distinct ballot and no
 * per-ballot malloc. Pools grow geometrically.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tally_int.h"

struct slot {
    uint32_t tag;  /* hash >> 32 */
    uint32_t blob; /* offset + 1 into blob[], 0 = empty */
    uint64_t count;
};

/* A key blob (uint32 words): [entry index][hash low][hash high][weight]
 * [country][n_ranks] then per rank: n (TALLY_RANK_SKIPPED for a skip) and its
 * n ids. Self-delimiting, so a word-by-word compare stops inside both blobs. */
#define BLOB_HDR 3

struct tally_builder {
    size_t opt_off_cap, opt_len_cap, chars_len, chars_cap;
    uint32_t *opt_slots; /* option index + 1, 0 = empty */
    size_t opt_slots_cap;
    size_t entries_cap, ranks_cap, ids_cap, weights_cap;
    /* Grouping table. A slot holds the hash tag, the offset (+1, 0 = empty) of the
     * entry's key blob and the group's running count, so a repeated ballot costs
     * two cache misses (slot, blob) and one store into entries[] instead of
     * chasing entry → ranks → ids. */
    struct slot *slots;
    size_t slots_cap;
    size_t pend_rank_beg, pend_id_beg;
    bool mark_open;
    size_t excluded_cap, tbo_cap;
    uint32_t *key; /* the pending ballot's key (from word BLOB_HDR on) */
    size_t key_cap;
    uint32_t *blob;
    size_t blob_n, blob_cap;
};

/*
 * Large pools live in 2 MiB-aligned blocks advised for transparent huge pages
 * (THP runs in "madvise" mode on our hosts). A fresh 4 KiB page costs a minor
 * fault (~12 µs on the VM we measure on), a huge page covers 512 of them: on a
 * million ballots the builder's faults were about half the parse time. This is
 * memory advice only (no I/O), and it stays in this one helper; without
 * MADV_HUGEPAGE the blocks are plain aligned malloc memory.
 */
#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_MIN  ((size_t)512 << 10) /* blocks from 512 KiB on are rounded to 2 MiB */

static void advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t end = ((uintptr_t)p + bytes) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (end > a) {
        (void)madvise((void *)a, end - a, MADV_HUGEPAGE); /* advice: failure is harmless */
    }
#else
    (void)p;
    (void)bytes;
#endif
}

/* A fresh block of bytes (a multiple of HUGE_PAGE), 2 MiB-aligned and advised. */
static void *huge_alloc(size_t bytes)
{
    void *q = NULL;
    if (posix_memalign(&q, HUGE_PAGE, bytes) != 0) {
        return NULL;
    }
    advise_huge(q, bytes);
    return q;
}

void *tally_alloc_large(size_t bytes)
{
    if (bytes < HUGE_MIN) {
        return malloc(bytes ? bytes : 1);
    }
    if (bytes > SIZE_MAX - HUGE_PAGE) {
        return NULL;
    }
    return huge_alloc((bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
}

/*
 * Resize the block *p of old_bytes (0 = none) to new_bytes; large blocks are
 * rounded up to whole huge pages (*new_bytes is updated) and moved to a fresh
 * aligned block (glibc cannot mremap an aligned chunk: its realloc would copy
 * into unadvised memory anyway). Contents up to min(old, new) are kept.
 */
static void *pool_resize(void *p, size_t old_bytes, size_t *new_bytes)
{
    size_t n = *new_bytes;
    if (n < HUGE_MIN) {
        return realloc(p, n);
    }
    if (n > SIZE_MAX - HUGE_PAGE) {
        return NULL;
    }
    n = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    void *q = huge_alloc(n);
    if (q == NULL) {
        return NULL;
    }
    if (old_bytes > 0) {
        memcpy(q, p, old_bytes < n ? old_bytes : n);
    }
    free(p);
    *new_bytes = n;
    return q;
}

/* Grow *p (element size sz) to hold at least need elements. */
static int grow(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap) {
        return TALLY_OK;
    }
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2 / sz) {
            return TALLY_ENOMEM;
        }
        c *= 2;
    }
    size_t bytes = c * sz;
    void *q = pool_resize(*p, *cap * sz, &bytes);
    if (q == NULL) {
        return TALLY_ENOMEM;
    }
    *p = q;
    *cap = bytes / sz;
    return TALLY_OK;
}

static uint64_t hash_bytes(const void *data, size_t n, uint64_t h)
{
    const unsigned char *s = data;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * 0x100000001b3ULL;
    }
    return h;
}

static uint64_t mix64(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 32);
}

void tally_election_init(struct tally_election *e)
{
    memset(e, 0, sizeof(*e));
    e->method = TALLY_IRV;
    e->seats = 1;
    e->rules.overvote = TALLY_OV_EXHAUST;
    e->rules.max_skipped_ranks = -1;
    e->rules.max_rankings = -1;
    e->rules.undeclared_write_in = TALLY_NONE;
    e->rules.stop_after_round = -1;
    e->rules.tiebreak = TALLY_TB_ORDER;
    e->rules.winner_mode = TALLY_WM_STANDARD;
    e->rules.quota = TALLY_QUOTA_DROOP;
    e->rules.decimal_places = 4;
}

void tally_election_fini(struct tally_election *e)
{
    free(e->rules.excluded);
    free(e->rules.tiebreak_order);
    free(e->rules.rules_id);
    free(e->opt_chars);
    free(e->opt_off);
    free(e->opt_len);
    free(e->entries);
    free(e->ranks_pool);
    free(e->ids_pool);
    free(e->weights);
    if (e->priv != NULL) {
        free(e->priv->opt_slots);
        free(e->priv->slots);
        free(e->priv->key);
        free(e->priv->blob);
        free(e->priv);
    }
    memset(e, 0, sizeof(*e));
}

static int slots_rehash(struct tally_election *e, size_t cap);

static struct tally_builder *builder(struct tally_election *e)
{
    if (e->priv == NULL) {
        e->priv = calloc(1, sizeof(*e->priv));
    }
    return e->priv;
}

static uint64_t opt_hash(const char *id, size_t len)
{
    return hash_bytes(id, len, 0xcbf29ce484222325ULL);
}

uint32_t tally_election_find_option(const struct tally_election *e, const char *id, size_t len)
{
    const struct tally_builder *b = e->priv;
    if (b == NULL || b->opt_slots_cap == 0) {
        return TALLY_NONE;
    }
    size_t mask = b->opt_slots_cap - 1;
    for (size_t i = (size_t)opt_hash(id, len) & mask;; i = (i + 1) & mask) {
        uint32_t s = b->opt_slots[i];
        if (s == 0) {
            return TALLY_NONE;
        }
        uint32_t o = s - 1;
        if (e->opt_len[o] == len && memcmp(e->opt_chars + e->opt_off[o], id, len) == 0) {
            return o;
        }
    }
}

static int opt_rehash(struct tally_election *e, size_t cap)
{
    struct tally_builder *b = e->priv;
    uint32_t *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL) {
        return TALLY_ENOMEM;
    }
    for (size_t o = 0; o < e->n_options; o++) {
        size_t i = (size_t)opt_hash(e->opt_chars + e->opt_off[o], e->opt_len[o]) & (cap - 1);
        while (slots[i] != 0) {
            i = (i + 1) & (cap - 1);
        }
        slots[i] = (uint32_t)o + 1;
    }
    free(b->opt_slots);
    b->opt_slots = slots;
    b->opt_slots_cap = cap;
    return TALLY_OK;
}

int tally_election_reserve(struct tally_election *e, size_t entries, size_t ranks)
{
    struct tally_builder *b = builder(e);
    if (b == NULL) {
        return TALLY_ENOMEM;
    }
    entries = entries < UINT32_MAX ? entries : UINT32_MAX;
    ranks = ranks < UINT32_MAX ? ranks : UINT32_MAX;
    if (entries == 0 && ranks == 0) {
        return TALLY_OK;
    }
    /* the grouping table is touched all over: at most one huge page ahead */
    size_t slots = 1024;
    while (slots < 2 * entries && slots * sizeof(struct slot) < HUGE_PAGE) {
        slots *= 2;
    }
    if (grow((void **)&e->entries, &b->entries_cap, entries, sizeof(struct tally_entry)) !=
            TALLY_OK ||
        grow((void **)&e->ranks_pool, &b->ranks_cap, ranks, sizeof(struct tally_rank)) !=
            TALLY_OK ||
        grow((void **)&e->ids_pool, &b->ids_cap, ranks, sizeof(uint32_t)) != TALLY_OK ||
        grow((void **)&b->blob, &b->blob_cap, entries * (BLOB_HDR + 3) + 2 * ranks,
             sizeof(uint32_t)) != TALLY_OK ||
        (slots > b->slots_cap && slots_rehash(e, slots) != TALLY_OK)) {
        return TALLY_ENOMEM;
    }
    return TALLY_OK;
}

int tally_election_add_option(struct tally_election *e, const char *id, size_t len,
                              struct tally_error *err)
{
    struct tally_builder *b = builder(e);
    if (b == NULL) {
        return tally_fail(err, TALLY_ENOMEM, -1, "options", "out of memory");
    }
    if (tally_election_find_option(e, id, len) != TALLY_NONE) {
        return tally_fail(err, TALLY_EINVAL, -1, "options", "duplicate option id \"%.*s\"",
                          (int)(len > 80 ? 80 : len), id);
    }
    if (e->n_options >= UINT32_MAX - 4 || b->chars_len + len >= UINT32_MAX) {
        return tally_fail(err, TALLY_ERANGE, -1, "options", "too many options");
    }
    if (grow((void **)&e->opt_off, &b->opt_off_cap, e->n_options + 1, sizeof(uint32_t)) !=
            TALLY_OK ||
        grow((void **)&e->opt_len, &b->opt_len_cap, e->n_options + 1, sizeof(uint32_t)) !=
            TALLY_OK ||
        grow((void **)&e->opt_chars, &b->chars_cap, b->chars_len + len + 1, 1) != TALLY_OK) {
        return tally_fail(err, TALLY_ENOMEM, -1, "options", "out of memory");
    }
    memcpy(e->opt_chars + b->chars_len, id, len);
    e->opt_chars[b->chars_len + len] = '\0';
    e->opt_off[e->n_options] = (uint32_t)b->chars_len;
    e->opt_len[e->n_options] = (uint32_t)len;
    b->chars_len += len + 1;
    e->n_options++;
    if (e->n_options * 2 > b->opt_slots_cap) {
        size_t cap = b->opt_slots_cap ? b->opt_slots_cap * 2 : 64;
        while (e->n_options * 2 > cap) {
            cap *= 2;
        }
        if (opt_rehash(e, cap) != TALLY_OK) {
            e->n_options--;
            return tally_fail(err, TALLY_ENOMEM, -1, "options", "out of memory");
        }
    } else {
        size_t mask = b->opt_slots_cap - 1;
        size_t i = (size_t)opt_hash(id, len) & mask;
        while (b->opt_slots[i] != 0) {
            i = (i + 1) & mask;
        }
        b->opt_slots[i] = (uint32_t)e->n_options;
    }
    return TALLY_OK;
}

int tally_rules_add_excluded(struct tally_election *e, uint32_t opt)
{
    struct tally_builder *b = builder(e);
    if (b == NULL) {
        return TALLY_ENOMEM;
    }
    if (opt >= e->n_options) {
        return TALLY_EINVAL;
    }
    if (grow((void **)&e->rules.excluded, &b->excluded_cap, e->rules.n_excluded + 1,
             sizeof(uint32_t)) != TALLY_OK) {
        return TALLY_ENOMEM;
    }
    e->rules.excluded[e->rules.n_excluded++] = opt;
    return TALLY_OK;
}

int tally_rules_add_tiebreak_order(struct tally_election *e, uint32_t opt)
{
    struct tally_builder *b = builder(e);
    if (b == NULL) {
        return TALLY_ENOMEM;
    }
    e->rules.has_tiebreak_order = true;
    if (opt >= e->n_options) {
        return TALLY_EINVAL;
    }
    if (grow((void **)&e->rules.tiebreak_order, &b->tbo_cap, e->rules.n_tiebreak_order + 1,
             sizeof(uint32_t)) != TALLY_OK) {
        return TALLY_ENOMEM;
    }
    e->rules.tiebreak_order[e->rules.n_tiebreak_order++] = opt;
    return TALLY_OK;
}

int tally_rules_set_rules_id(struct tally_election *e, const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (c == NULL) {
        return TALLY_ENOMEM;
    }
    memcpy(c, s, len);
    c[len] = '\0';
    free(e->rules.rules_id);
    e->rules.rules_id = c;
    e->rules.rules_id_len = len;
    return TALLY_OK;
}

int tally_election_skip(struct tally_election *e)
{
    struct tally_builder *b = builder(e);
    if (b == NULL || grow((void **)&e->ranks_pool, &b->ranks_cap, e->n_ranks_pool + 1,
                          sizeof(struct tally_rank)) != TALLY_OK) {
        return TALLY_ENOMEM;
    }
    if (e->n_ranks_pool >= UINT32_MAX - 1) {
        return TALLY_ERANGE;
    }
    b->mark_open = false;
    e->ranks_pool[e->n_ranks_pool].off = 0;
    e->ranks_pool[e->n_ranks_pool].n = TALLY_RANK_SKIPPED;
    e->n_ranks_pool++;
    return TALLY_OK;
}

int tally_election_mark_open(struct tally_election *e)
{
    struct tally_builder *b = builder(e);
    if (b == NULL || grow((void **)&e->ranks_pool, &b->ranks_cap, e->n_ranks_pool + 1,
                          sizeof(struct tally_rank)) != TALLY_OK) {
        return TALLY_ENOMEM;
    }
    if (e->n_ranks_pool >= UINT32_MAX - 1 || e->n_ids_pool >= UINT32_MAX - 1) {
        return TALLY_ERANGE;
    }
    e->ranks_pool[e->n_ranks_pool].off = (uint32_t)e->n_ids_pool;
    e->ranks_pool[e->n_ranks_pool].n = 0;
    e->n_ranks_pool++;
    b->mark_open = true;
    return TALLY_OK;
}

int tally_election_mark_add(struct tally_election *e, uint32_t opt)
{
    struct tally_builder *b = e->priv;
    if (b == NULL || !b->mark_open || opt >= e->n_options) {
        return TALLY_EINVAL;
    }
    if (e->n_ids_pool >= UINT32_MAX - 1) {
        return TALLY_ERANGE;
    }
    if (grow((void **)&e->ids_pool, &b->ids_cap, e->n_ids_pool + 1, sizeof(uint32_t)) != TALLY_OK) {
        return TALLY_ENOMEM;
    }
    e->ids_pool[e->n_ids_pool++] = opt;
    e->ranks_pool[e->n_ranks_pool - 1].n++;
    return TALLY_OK;
}

int tally_election_mark_close(struct tally_election *e)
{
    struct tally_builder *b = e->priv;
    if (b == NULL || !b->mark_open) {
        return TALLY_EINVAL;
    }
    b->mark_open = false;
    return TALLY_OK;
}

void tally_election_discard_entry(struct tally_election *e)
{
    struct tally_builder *b = e->priv;
    if (b == NULL) {
        return;
    }
    e->n_ranks_pool = b->pend_rank_beg;
    e->n_ids_pool = b->pend_id_beg;
    b->mark_open = false;
}

/* Index of weight w in the table (added if new). Small table: linear scan
 * over the few distinct weights real elections use, with a one-slot cache. */
static int intern_weight(struct tally_election *e, const struct tally_dec *w, uint32_t *out)
{
    struct tally_builder *b = e->priv;
    if (e->n_weights == 0) {
        if (grow((void **)&e->weights, &b->weights_cap, 1, sizeof(struct tally_dec)) != TALLY_OK) {
            return TALLY_ENOMEM;
        }
        e->weights[0] = tally_dec_int(1);
        e->n_weights = 1;
    }
    if (w == NULL) {
        *out = 0;
        return TALLY_OK;
    }
    struct tally_dec c = tally_dec_canon(*w);
    for (size_t i = 0; i < e->n_weights; i++) {
        if (e->weights[i].units == c.units && e->weights[i].scale == c.scale) {
            *out = (uint32_t)i;
            return TALLY_OK;
        }
    }
    if (e->n_weights >= UINT32_MAX - 1) {
        return TALLY_ERANGE;
    }
    if (grow((void **)&e->weights, &b->weights_cap, e->n_weights + 1, sizeof(struct tally_dec)) !=
        TALLY_OK) {
        return TALLY_ENOMEM;
    }
    e->weights[e->n_weights] = c;
    *out = (uint32_t)e->n_weights++;
    return TALLY_OK;
}

/* Write the pending ballot's key into b->key; returns its length in words. */
static int make_key(struct tally_election *e, size_t r0, size_t nr, uint32_t w, uint16_t country,
                    size_t *len)
{
    struct tally_builder *b = e->priv;
    size_t need = 3 + nr;
    for (size_t r = r0; r < r0 + nr; r++) {
        uint32_t n = e->ranks_pool[r].n;
        need += n == TALLY_RANK_SKIPPED ? 0 : n;
    }
    if (need > UINT32_MAX / 2 ||
        grow((void **)&b->key, &b->key_cap, need, sizeof(uint32_t)) != TALLY_OK) {
        return TALLY_ENOMEM;
    }
    uint32_t *k = b->key;
    size_t at = 0;
    k[at++] = w;
    k[at++] = country;
    k[at++] = (uint32_t)nr;
    for (size_t r = r0; r < r0 + nr; r++) {
        uint32_t n = e->ranks_pool[r].n;
        k[at++] = n;
        if (n != TALLY_RANK_SKIPPED && n != 0) {
            const uint32_t *ids = e->ids_pool + e->ranks_pool[r].off;
            for (uint32_t j = 0; j < n; j++) { /* usually 1: no memcpy call */
                k[at++] = ids[j];
            }
        }
    }
    *len = at;
    return TALLY_OK;
}

static uint64_t key_hash(const uint32_t *k, size_t len)
{
    /* word-wise multiply-xorshift: ids are small integers, bytes would cost 4x */
    uint64_t h = 0x243f6a8885a308d3ULL ^ len;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ k[i]) * 0xff51afd7ed558ccdULL;
        h ^= h >> 29;
    }
    return mix64(h, 0);
}

/* Is the stored blob's key equal to k[0..len)? Stops at the first difference,
 * which (both being self-delimiting) comes no later than the blob's end. */
static bool blob_matches(const uint32_t *blob, const uint32_t *k, size_t len)
{
    const uint32_t *x = blob + BLOB_HDR;
    for (size_t i = 0; i < len; i++) {
        if (x[i] != k[i]) {
            return false;
        }
    }
    return true;
}

static int slots_rehash(struct tally_election *e, size_t cap)
{
    struct tally_builder *b = e->priv;
    size_t bytes = cap * sizeof(struct slot);
    if (bytes >= HUGE_MIN && bytes < HUGE_PAGE) {
        cap = HUGE_PAGE / sizeof(struct slot); /* the same one huge page, half the load */
        bytes = HUGE_PAGE;
    }
    struct slot *slots = bytes < HUGE_MIN ? calloc(cap, sizeof(*slots)) : huge_alloc(bytes);
    if (slots == NULL) {
        return TALLY_ENOMEM;
    }
    if (bytes >= HUGE_MIN) {
        memset(slots, 0, bytes);
    }
    for (size_t j = 0; j < b->slots_cap; j++) {
        if (b->slots[j].blob == 0) {
            continue;
        }
        const uint32_t *bl = b->blob + b->slots[j].blob - 1;
        uint64_t h = (uint64_t)bl[1] | ((uint64_t)bl[2] << 32);
        size_t i = (size_t)h & (cap - 1);
        while (slots[i].blob != 0) {
            i = (i + 1) & (cap - 1);
        }
        slots[i] = b->slots[j];
    }
    free(b->slots);
    b->slots = slots;
    b->slots_cap = cap;
    return TALLY_OK;
}

int tally_election_add_entry(struct tally_election *e, uint64_t count,
                             const struct tally_dec *weight, uint16_t country,
                             struct tally_error *err)
{
    struct tally_builder *b = builder(e);
    long idx = (long)e->n_added;
    if (b == NULL) {
        return tally_fail(err, TALLY_ENOMEM, idx, "ballots", "out of memory");
    }
    if (b->mark_open) {
        b->mark_open = false;
    }
    int rc = TALLY_OK;
    if (weight != NULL && weight->units <= 0) {
        rc =
            tally_fail(err, TALLY_EINVAL, idx, "weight", "ballot %ld: weight must be > 0", idx + 1);
        goto fail;
    }
    if (country != TALLY_COUNTRY_NONE) {
        unsigned c0 = country >> 8, c1 = country & 0xff;
        if (c0 < 'A' || c0 > 'Z' || c1 < 'A' || c1 > 'Z') {
            rc = tally_fail(err, TALLY_EINVAL, idx, "country",
                            "ballot %ld: country must be two uppercase ASCII letters", idx + 1);
            goto fail;
        }
    }
    /* trailing skipped ranks change nothing */
    while (e->n_ranks_pool > b->pend_rank_beg &&
           e->ranks_pool[e->n_ranks_pool - 1].n == TALLY_RANK_SKIPPED) {
        e->n_ranks_pool--;
    }
    uint32_t w;
    rc = intern_weight(e, weight, &w);
    if (rc != TALLY_OK) {
        rc = tally_fail(err, rc, idx, "weight", "out of memory");
        goto fail;
    }
    if (country != TALLY_COUNTRY_NONE) {
        if (!e->any_country) {
            e->first_country = e->n_added;
        }
        e->any_country = true;
    } else {
        if (!e->any_no_country) {
            e->first_no_country = e->n_added;
        }
        e->any_no_country = true;
    }
    size_t r0 = b->pend_rank_beg, nr = e->n_ranks_pool - r0, klen;
    if (make_key(e, r0, nr, w, country, &klen) != TALLY_OK) {
        rc = tally_fail(err, TALLY_ENOMEM, idx, "ballots", "out of memory");
        goto fail;
    }
    uint64_t h = key_hash(b->key, klen);
    uint32_t tag = (uint32_t)(h >> 32);
    if (b->slots_cap != 0) {
        size_t mask = b->slots_cap - 1;
        for (size_t i = (size_t)h & mask; b->slots[i].blob != 0; i = (i + 1) & mask) {
            struct slot *sl = &b->slots[i];
            if (sl->tag != tag) {
                continue;
            }
            const uint32_t *bl = b->blob + sl->blob - 1;
            if (!blob_matches(bl, b->key, klen)) {
                continue;
            }
            if (sl->count > UINT64_MAX - count) {
                rc = tally_fail(err, TALLY_ERANGE, idx, "count",
                                "ballot %ld: total count exceeds 2^64-1", idx + 1);
                goto fail;
            }
            sl->count += count;
            e->entries[bl[0]].count = sl->count; /* a store: no wait for the line */
            e->n_added++;
            tally_election_discard_entry(e); /* the pending pools go back */
            return TALLY_OK;
        }
    }
    if (e->n_entries >= UINT32_MAX - 2 || b->blob_n + BLOB_HDR + klen >= UINT32_MAX - 1) {
        rc = tally_fail(err, TALLY_ERANGE, idx, "ballots", "too many distinct ballot entries");
        goto fail;
    }
    if (grow((void **)&e->entries, &b->entries_cap, e->n_entries + 1, sizeof(struct tally_entry)) !=
            TALLY_OK ||
        grow((void **)&b->blob, &b->blob_cap, b->blob_n + BLOB_HDR + klen, sizeof(uint32_t)) !=
            TALLY_OK) {
        rc = tally_fail(err, TALLY_ENOMEM, idx, "ballots", "out of memory");
        goto fail;
    }
    if (e->n_entries + 1 > b->slots_cap / 2 &&
        slots_rehash(e, b->slots_cap ? b->slots_cap * 2 : 1024) != TALLY_OK) {
        rc = tally_fail(err, TALLY_ENOMEM, idx, "ballots", "out of memory");
        goto fail;
    }
    struct tally_entry *x = &e->entries[e->n_entries];
    x->count = count;
    x->first_index = e->n_added;
    x->rank_off = (uint32_t)r0;
    x->n_ranks = (uint32_t)nr;
    x->weight = w;
    x->country = country;
    uint32_t *bl = b->blob + b->blob_n;
    bl[0] = (uint32_t)e->n_entries;
    bl[1] = (uint32_t)h;
    bl[2] = tag;
    memcpy(bl + BLOB_HDR, b->key, klen * sizeof(uint32_t));
    size_t mask = b->slots_cap - 1;
    size_t i = (size_t)h & mask;
    while (b->slots[i].blob != 0) {
        i = (i + 1) & mask;
    }
    b->slots[i].tag = tag;
    b->slots[i].blob = (uint32_t)b->blob_n + 1;
    b->slots[i].count = count;
    b->blob_n += BLOB_HDR + klen;
    e->n_entries++;
    e->n_added++;
    b->pend_rank_beg = e->n_ranks_pool;
    b->pend_id_beg = e->n_ids_pool;
    return TALLY_OK;
fail:
    tally_election_discard_entry(e);
    return rc;
}
