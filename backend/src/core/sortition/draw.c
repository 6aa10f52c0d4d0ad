/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/draw.c — commitments, commitment root, seed, index and
 * the verification of a published draw (formats in draw.h).
 */
#include "core/sortition/draw.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/audit/merkle.h"

const char *draw_status_str(enum draw_status st)
{
    switch (st) {
    case DRAW_OK:
        return "ok";
    case DRAW_EINVAL:
        return "invalid input";
    case DRAW_ENOMEM:
        return "out of memory";
    case DRAW_ECOMMITMENTS:
        return "commitment root mismatch";
    case DRAW_EREVEAL:
        return "reveal does not open its commitment";
    case DRAW_ESEED:
        return "seed mismatch";
    case DRAW_EINDEX:
        return "index mismatch";
    case DRAW_ECHOSEN:
        return "chosen panel is not lottery[index]";
    case DRAW_EPANEL:
        return "malformed panel";
    case DRAW_EQUOTA:
        return "panel breaks a quota";
    case DRAW_EHOUSEHOLD:
        return "panel holds a household twice";
    case DRAW_EPROBABILITY:
        return "probability is not the panel frequency";
    case DRAW_ECOUNTS:
        return "revealed counts do not open their commitment";
    }
    return "unknown";
}

static enum draw_status fail(struct draw_failure *why, enum draw_status st, long long item,
                             const char *fmt, ...) PNYX_PRINTF(4, 5);

static enum draw_status fail(struct draw_failure *why, enum draw_status st, long long item,
                             const char *fmt, ...)
{
    if (why != NULL) {
        why->status = st;
        why->item = item;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why->detail, sizeof why->detail, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* --- commitments ---------------------------------------------------------------- */

static void put_u32(crypto_hash_sha256_state *st, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    crypto_hash_sha256_update(st, b, sizeof b);
}

/* str(x) of draw.h; false when x is longer than DRAW_MAX_FIELD. */
static bool put_str(crypto_hash_sha256_state *st, const char *s)
{
    size_t len = s != NULL ? strlen(s) : 0;
    if (len > DRAW_MAX_FIELD) {
        return false;
    }
    put_u32(st, (uint32_t)len);
    if (len > 0) {
        crypto_hash_sha256_update(st, (const unsigned char *)s, len);
    }
    return true;
}

enum draw_status draw_commitment(const uint8_t salt[DRAW_SALT_LEN], const struct draw_respondent *r,
                                 size_t ncat, const char *const *categories,
                                 uint8_t out[DRAW_HASH_LEN])
{
    if (r->pseudonym == NULL || r->pseudonym[0] == '\0' || ncat > UINT32_MAX ||
        (ncat > 0 && (categories == NULL || r->values == NULL))) {
        return DRAW_EINVAL;
    }
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, salt, DRAW_SALT_LEN);
    bool ok = put_str(&st, r->pseudonym);
    put_u32(&st, (uint32_t)ncat);
    for (size_t i = 0; ok && i < ncat; i++) {
        ok = categories[i] != NULL && r->values[i] != NULL && r->values[i][0] != '\0' &&
             put_str(&st, categories[i]) && put_str(&st, r->values[i]);
    }
    ok = ok && put_str(&st, r->household);
    if (!ok) {
        return DRAW_EINVAL;
    }
    crypto_hash_sha256_final(&st, out);
    return DRAW_OK;
}

void draw_counts_commitment(const uint8_t salt[DRAW_SALT_LEN], const uint32_t *counts,
                            size_t nquota, uint8_t out[DRAW_HASH_LEN])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, salt, DRAW_SALT_LEN);
    put_u32(&st, (uint32_t)nquota);
    for (size_t q = 0; q < nquota; q++) {
        put_u32(&st, counts[q]);
    }
    crypto_hash_sha256_final(&st, out);
}

/* The commitments as an in-memory Merkle tree (caller finis it). */
static enum draw_status build_tree(const uint8_t (*c)[DRAW_HASH_LEN], size_t n,
                                   struct merkle_mem *m)
{
    merkle_mem_init(m);
    for (size_t i = 0; i < n; i++) {
        if (merkle_mem_append_entry(m, c[i], DRAW_HASH_LEN) != AUDIT_OK) {
            merkle_mem_fini(m);
            return DRAW_ENOMEM;
        }
    }
    return DRAW_OK;
}

enum draw_status draw_commitment_root(const uint8_t (*commitments)[DRAW_HASH_LEN], size_t n,
                                      uint8_t out[DRAW_HASH_LEN])
{
    if (n > 0 && commitments == NULL) {
        return DRAW_EINVAL;
    }
    struct merkle_mem m;
    enum draw_status st = build_tree(commitments, n, &m);
    if (st != DRAW_OK) {
        return st;
    }
    merkle_frontier_root(&m.frontier, out);
    merkle_mem_fini(&m);
    return DRAW_OK;
}

enum draw_status draw_commitment_proof(const uint8_t (*commitments)[DRAW_HASH_LEN], size_t n,
                                       size_t index, uint8_t (*proof)[DRAW_HASH_LEN], size_t cap,
                                       size_t *len)
{
    *len = 0;
    if (index >= n) {
        return DRAW_EINVAL;
    }
    struct merkle_mem m;
    enum draw_status st = build_tree(commitments, n, &m);
    if (st != DRAW_OK) {
        return st;
    }
    struct merkle_store s = merkle_mem_store(&m);
    int rc = merkle_inclusion_proof(&s, index, n, proof, cap, len);
    merkle_mem_fini(&m);
    return rc == AUDIT_OK ? DRAW_OK : DRAW_EINVAL;
}

/* --- randomness ----------------------------------------------------------------- */

void draw_reveal_commit(const uint8_t value[DRAW_REVEAL_LEN], uint8_t out[DRAW_HASH_LEN])
{
    crypto_hash_sha256(out, value, DRAW_REVEAL_LEN);
}

bool draw_reveal_opens(const struct draw_reveal *r)
{
    uint8_t c[DRAW_HASH_LEN];
    draw_reveal_commit(r->value, c);
    return memcmp(c, r->commitment, DRAW_HASH_LEN) == 0;
}

static int reveal_cmp(const void *a, const void *b)
{
    const struct draw_reveal *x = a, *y = b;
    return memcmp(x->commitment, y->commitment, DRAW_HASH_LEN);
}

void draw_reveals_sort(struct draw_reveal *reveals, size_t n)
{
    if (n > 1) {
        qsort(reveals, n, sizeof *reveals, reveal_cmp);
    }
}

/* Index of the first reveal that does not open its commitment or breaks
 * the strict order, or n when all are fine. */
static size_t first_bad_reveal(const struct draw_reveal *reveals, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!draw_reveal_opens(&reveals[i]) ||
            (i > 0 && reveal_cmp(&reveals[i - 1], &reveals[i]) >= 0)) {
            return i;
        }
    }
    return n;
}

enum draw_status draw_seed(const uint8_t beacon[DRAW_HASH_LEN], const struct draw_reveal *reveals,
                           size_t n, uint8_t seed[DRAW_HASH_LEN])
{
    if ((n > 0 && reveals == NULL) || first_bad_reveal(reveals, n) != n) {
        return DRAW_EREVEAL;
    }
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, beacon, DRAW_HASH_LEN);
    for (size_t i = 0; i < n; i++) {
        crypto_hash_sha256_update(&st, reveals[i].value, DRAW_REVEAL_LEN);
    }
    crypto_hash_sha256_final(&st, seed);
    return DRAW_OK;
}

enum draw_status draw_index(const uint8_t seed[DRAW_HASH_LEN], uint32_t m, uint32_t *index,
                            uint32_t *tries)
{
    if (m == 0 || m > DRAW_MAX_M) {
        return DRAW_EINVAL;
    }
    unsigned bits = 0;
    while (bits < 32 && ((uint64_t)1 << bits) < m) {
        bits++;
    }
    uint64_t mask = ((uint64_t)1 << bits) - 1;
    /* Each try accepts with probability > 1/2: 2^32 tries never run out
     * in practice, and the loop is bounded all the same. */
    for (uint32_t j = 0;; j++) {
        uint8_t block[DRAW_HASH_LEN + 4];
        memcpy(block, seed, DRAW_HASH_LEN);
        block[DRAW_HASH_LEN] = (uint8_t)(j >> 24);
        block[DRAW_HASH_LEN + 1] = (uint8_t)(j >> 16);
        block[DRAW_HASH_LEN + 2] = (uint8_t)(j >> 8);
        block[DRAW_HASH_LEN + 3] = (uint8_t)j;
        uint8_t h[DRAW_HASH_LEN];
        crypto_hash_sha256(h, block, sizeof block);
        uint64_t x = 0;
        for (int b = 0; b < 8; b++) {
            x = (x << 8) | h[b];
        }
        x &= mask;
        if (x < m) {
            *index = (uint32_t)x;
            if (tries != NULL) {
                *tries = j + 1;
            }
            return DRAW_OK;
        }
        if (j == UINT32_MAX) {
            return DRAW_EINVAL;
        }
    }
}

/* --- panels ----------------------------------------------------------------------- */

/* The pool prepared for panel checks: for respondent i and category c,
 * quota row qrow[i·ncat + c]; household number hh[i] (-1 = none); and
 * per-panel scratch. */
struct pool {
    size_t *qrow;
    long long *hh;
    uint32_t *count;     /* nquota counters */
    size_t *hh_seen;     /* per household: 1 + the panel it was last seen in */
    size_t panel_serial; /* 1 + number of panels checked */
};

static void pool_free(struct pool *p)
{
    free(p->qrow);
    free(p->hh);
    free(p->count);
    free(p->hh_seen);
    memset(p, 0, sizeof *p);
}

static int hh_cmp_idx(const void *a, const void *b, const struct draw_record *d)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return strcmp(d->respondents[x].household, d->respondents[y].household);
}

/* Sorts idx[0..n) by household text (a merge sort: qsort has no
 * context argument in C11, and no global state is wanted). */
static void sort_by_household(size_t *idx, size_t *tmp, size_t n, const struct draw_record *d)
{
    if (n < 2) {
        return;
    }
    size_t half = n / 2;
    sort_by_household(idx, tmp, half, d);
    sort_by_household(idx + half, tmp, n - half, d);
    size_t i = 0, j = half, o = 0;
    while (i < half && j < n) {
        tmp[o++] = hh_cmp_idx(&idx[i], &idx[j], d) <= 0 ? idx[i++] : idx[j++];
    }
    while (i < half) {
        tmp[o++] = idx[i++];
    }
    while (j < n) {
        tmp[o++] = idx[j++];
    }
    memcpy(idx, tmp, n * sizeof *idx);
}

static bool has_household(const struct draw_respondent *r)
{
    return r->household != NULL && r->household[0] != '\0';
}

static enum draw_status pool_prepare(const struct draw_record *d, struct pool *p,
                                     struct draw_failure *why)
{
    memset(p, 0, sizeof *p);
    size_t n = d->n, ncat = d->ncat;
    if (ncat > 0 && n > SIZE_MAX / ncat / sizeof(size_t)) {
        return fail(why, DRAW_EINVAL, -1, "pool too large");
    }
    p->qrow = malloc((n * ncat > 0 ? n * ncat : 1) * sizeof *p->qrow);
    p->hh = malloc((n > 0 ? n : 1) * sizeof *p->hh);
    p->count = calloc(d->nquota > 0 ? d->nquota : 1, sizeof *p->count);
    p->hh_seen = calloc(n > 0 ? n : 1, sizeof *p->hh_seen);
    size_t *idx = malloc((n > 0 ? n : 1) * sizeof *idx);
    size_t *tmp = malloc((n > 0 ? n : 1) * sizeof *tmp);
    if (p->qrow == NULL || p->hh == NULL || p->count == NULL || p->hh_seen == NULL || idx == NULL ||
        tmp == NULL) {
        free(idx);
        free(tmp);
        pool_free(p);
        return fail(why, DRAW_ENOMEM, -1, "out of memory");
    }
    /* Quota rows of every respondent value. */
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < ncat; c++) {
            const char *v = d->respondents[i].values[c];
            size_t q = 0;
            while (q < d->nquota && (strcmp(d->quotas[q].category, d->categories[c]) != 0 ||
                                     strcmp(d->quotas[q].feature, v) != 0)) {
                q++;
            }
            if (q == d->nquota) {
                free(idx);
                free(tmp);
                pool_free(p);
                return fail(why, DRAW_EINVAL, (long long)i,
                            "respondent %zu: %s = \"%.60s\" has no quota row", i, d->categories[c],
                            v);
            }
            p->qrow[i * ncat + c] = q;
        }
    }
    /* Household numbers: equal tags, equal numbers. */
    size_t nh = 0;
    for (size_t i = 0; i < n; i++) {
        p->hh[i] = -1;
        if (has_household(&d->respondents[i])) {
            idx[nh++] = i;
        }
    }
    sort_by_household(idx, tmp, nh, d);
    long long next = -1;
    for (size_t j = 0; j < nh; j++) {
        if (j == 0 || hh_cmp_idx(&idx[j - 1], &idx[j], d) != 0) {
            next++;
        }
        p->hh[idx[j]] = next;
    }
    free(idx);
    free(tmp);
    return DRAW_OK;
}

static enum draw_status panel_check(const struct draw_record *d, struct pool *p,
                                    const uint32_t *panel, long long which,
                                    struct draw_failure *why)
{
    size_t serial = ++p->panel_serial;
    memset(p->count, 0, (d->nquota > 0 ? d->nquota : 1) * sizeof *p->count);
    for (uint32_t j = 0; j < d->k; j++) {
        uint32_t i = panel[j];
        if (i >= d->n || (j > 0 && panel[j - 1] >= i)) {
            return fail(why, DRAW_EPANEL, which,
                        "panel %lld: member %u (respondent %u) out of range or not ascending",
                        which, j, i);
        }
        for (size_t c = 0; c < d->ncat; c++) {
            p->count[p->qrow[(size_t)i * d->ncat + c]]++;
        }
        long long h = p->hh[i];
        if (h >= 0) {
            if (p->hh_seen[h] == serial) {
                return fail(why, DRAW_EHOUSEHOLD, which,
                            "panel %lld: respondent %u shares household \"%.60s\" with another "
                            "member",
                            which, i, d->respondents[i].household);
            }
            p->hh_seen[h] = serial;
        }
    }
    for (size_t q = 0; q < d->nquota; q++) {
        if (p->count[q] < d->quotas[q].min || p->count[q] > d->quotas[q].max) {
            return fail(why, DRAW_EQUOTA, which, "panel %lld: %.60s:%.60s has %u, quota %u..%u",
                        which, d->quotas[q].category, d->quotas[q].feature, p->count[q],
                        d->quotas[q].min, d->quotas[q].max);
        }
    }
    return DRAW_OK;
}

static enum draw_status record_shape(const struct draw_record *d, struct draw_failure *why)
{
    if (d->k == 0 || d->k > DRAW_MAX_K || d->k > d->n || d->m == 0 || d->m > DRAW_MAX_M) {
        return fail(why, DRAW_EINVAL, -1, "k = %u, m = %u, n = %zu out of bounds", d->k, d->m,
                    d->n);
    }
    if ((d->ncat > 0 && d->categories == NULL) || d->respondents == NULL ||
        (d->nquota > 0 && d->quotas == NULL)) {
        return fail(why, DRAW_EINVAL, -1, "missing pool data");
    }
    for (size_t i = 0; i < d->n && d->counts == NULL && d->count_commitments == NULL; i++) {
        if (d->ncat > 0 && d->respondents[i].values == NULL) {
            return fail(why, DRAW_EINVAL, (long long)i, "respondent %zu has no values", i);
        }
        for (size_t c = 0; c < d->ncat; c++) {
            if (d->respondents[i].values[c] == NULL) {
                return fail(why, DRAW_EINVAL, (long long)i, "respondent %zu lacks %s", i,
                            d->categories[c]);
            }
        }
    }
    return DRAW_OK;
}

static enum draw_status panel_counts_check(const struct draw_record *d, const uint32_t *panel,
                                           uint32_t *counts, struct draw_failure *why)
{
    if (d->counts != NULL || d->count_commitments != NULL) {
        return fail(why, DRAW_EINVAL, -1, "the values are needed to count a panel");
    }
    enum draw_status st = record_shape(d, why);
    if (st != DRAW_OK) {
        return st;
    }
    struct pool p;
    st = pool_prepare(d, &p, why);
    if (st != DRAW_OK) {
        return st;
    }
    st = panel_check(d, &p, panel, 0, why);
    if (counts != NULL) {
        memcpy(counts, p.count, d->nquota * sizeof *counts);
    }
    pool_free(&p);
    return st;
}

enum draw_status draw_panel_check(const struct draw_record *d, const uint32_t *panel,
                                  struct draw_failure *why)
{
    return panel_counts_check(d, panel, NULL, why);
}

enum draw_status draw_panel_counts(const struct draw_record *d, const uint32_t *panel,
                                   uint32_t *counts, struct draw_failure *why)
{
    return panel_counts_check(d, panel, counts, why);
}

/* pnyx-draw/2 and /3: panel x holds k distinct ascending respondents < n. */
static enum draw_status panel_shape(const struct draw_record *d, uint32_t x,
                                    struct draw_failure *why)
{
    const uint32_t *panel = d->panels + (size_t)x * d->k;
    for (uint32_t j = 0; j < d->k; j++) {
        if (panel[j] >= d->n || (j > 0 && panel[j - 1] >= panel[j])) {
            return fail(why, DRAW_EPANEL, x,
                        "panel %u: member %u (respondent %u) out of range or not ascending", x, j,
                        panel[j]);
        }
    }
    return DRAW_OK;
}

/* Counts cnt[0..nquota) declared for panel x (/2: each panel's; /3: the
 * drawn one's, revealed) meet the quotas, each category's summing to k. */
static enum draw_status declared_check(const struct draw_record *d, uint32_t x, const uint32_t *cnt,
                                       struct draw_failure *why)
{
    for (size_t q = 0; q < d->nquota; q++) {
        if (cnt[q] < d->quotas[q].min || cnt[q] > d->quotas[q].max) {
            return fail(why, DRAW_EQUOTA, x,
                        "panel %u: declared %.60s:%.60s count %u, quota %u..%u", x,
                        d->quotas[q].category, d->quotas[q].feature, cnt[q], d->quotas[q].min,
                        d->quotas[q].max);
        }
    }
    for (size_t c = 0; c < d->ncat; c++) {
        uint64_t sum = 0;
        for (size_t q = 0; q < d->nquota; q++) {
            sum += strcmp(d->quotas[q].category, d->categories[c]) == 0 ? cnt[q] : 0;
        }
        if (sum != d->k) {
            return fail(why, DRAW_EQUOTA, x,
                        "panel %u: declared counts of %.60s sum to %llu, not k = %u", x,
                        d->categories[c], (unsigned long long)sum, d->k);
        }
    }
    return DRAW_OK;
}

/* pnyx-draw/3: the drawn panel's revealed counts open its commitment and
 * meet the quotas (the other panels' counts stay sealed). */
static enum draw_status revealed_check(const struct draw_record *d, struct draw_failure *why)
{
    if (d->chosen_counts == NULL && d->nquota > 0) {
        return fail(why, DRAW_ECOUNTS, d->index, "the drawn panel's counts are not revealed");
    }
    uint8_t h[DRAW_HASH_LEN];
    draw_counts_commitment(d->chosen_salt, d->chosen_counts, d->nquota, h);
    if (sodium_memcmp(h, d->count_commitments[d->index], DRAW_HASH_LEN) != 0) {
        return fail(why, DRAW_ECOUNTS, d->index,
                    "panel %u: the revealed counts and salt do not hash to its count commitment",
                    d->index);
    }
    return declared_check(d, d->index, d->chosen_counts, why);
}

/* --- the whole draw --------------------------------------------------------------- */

static enum draw_status verify_randomness(const struct draw_record *d, struct draw_failure *why)
{
    size_t bad = first_bad_reveal(d->reveals, d->nreveal);
    if (bad != d->nreveal) {
        return fail(why, DRAW_EREVEAL, (long long)bad,
                    "reveal %zu does not open its commitment or is out of order", bad);
    }
    uint8_t seed[DRAW_HASH_LEN];
    if (draw_seed(d->beacon, d->reveals, d->nreveal, seed) != DRAW_OK) {
        return fail(why, DRAW_EREVEAL, -1, "reveals invalid");
    }
    if (sodium_memcmp(seed, d->seed, DRAW_HASH_LEN) != 0) {
        return fail(why, DRAW_ESEED, -1,
                    "the seed is not SHA-256(beacon || %zu reveals in commitment order)",
                    d->nreveal);
    }
    uint32_t index = 0;
    if (draw_index(d->seed, d->m, &index, NULL) != DRAW_OK) {
        return fail(why, DRAW_EINVAL, -1, "m out of range");
    }
    if (index != d->index) {
        return fail(why, DRAW_EINDEX, -1, "the seed gives index %u, the record says %u", index,
                    d->index);
    }
    const uint32_t *row = d->panels + (size_t)index * d->k;
    if (d->chosen == NULL || memcmp(row, d->chosen, (size_t)d->k * sizeof *row) != 0) {
        return fail(why, DRAW_ECHOSEN, (long long)index,
                    "the chosen panel differs from lottery[%u]", index);
    }
    return DRAW_OK;
}

static enum draw_status verify_probabilities(const struct draw_record *d, struct draw_failure *why)
{
    uint32_t *hits = calloc(d->n > 0 ? d->n : 1, sizeof *hits);
    if (hits == NULL) {
        return fail(why, DRAW_ENOMEM, -1, "out of memory");
    }
    for (size_t x = 0; x < (size_t)d->m * d->k; x++) {
        hits[d->panels[x]]++; /* indices checked < n by the panel pass */
    }
    enum draw_status st = DRAW_OK;
    for (size_t i = 0; i < d->n && st == DRAW_OK; i++) {
        double want = (double)hits[i] / (double)d->m;
        double got = d->probabilities[i];
        if (!(fabs(got - want) <= DRAW_PROB_EPS)) {
            st = fail(why, DRAW_EPROBABILITY, (long long)i,
                      "respondent %zu: published probability %.12g, panel frequency %u/%u", i, got,
                      hits[i], d->m);
        }
    }
    free(hits);
    return st;
}

enum draw_status draw_verify(const struct draw_record *d, struct draw_failure *why)
{
    if (why != NULL) {
        memset(why, 0, sizeof *why);
        why->item = -1;
    }
    enum draw_status st = record_shape(d, why);
    if (st != DRAW_OK) {
        return st;
    }
    if (d->commitments == NULL || d->probabilities == NULL || d->panels == NULL ||
        (d->nreveal > 0 && d->reveals == NULL)) {
        return fail(why, DRAW_EINVAL, -1, "missing draw data");
    }
    uint8_t root[DRAW_HASH_LEN];
    st = draw_commitment_root(d->commitments, d->n, root);
    if (st != DRAW_OK) {
        return fail(why, st, -1, "cannot hash the commitments");
    }
    if (sodium_memcmp(root, d->commitment_root, DRAW_HASH_LEN) != 0) {
        return fail(why, DRAW_ECOMMITMENTS, -1,
                    "the %zu commitments do not hash to the committed root", d->n);
    }
    st = verify_randomness(d, why);
    if (st != DRAW_OK) {
        return st;
    }
    if (d->counts != NULL || d->count_commitments != NULL) {
        for (uint32_t x = 0; x < d->m && st == DRAW_OK; x++) {
            st = panel_shape(d, x, why);
            if (st == DRAW_OK && d->counts != NULL) {
                st = declared_check(d, x, d->counts + (size_t)x * d->nquota, why);
            }
        }
        if (st == DRAW_OK && d->counts == NULL) {
            st = revealed_check(d, why);
        }
    } else {
        struct pool p;
        st = pool_prepare(d, &p, why);
        if (st != DRAW_OK) {
            return st;
        }
        for (uint32_t x = 0; x < d->m && st == DRAW_OK; x++) {
            st = panel_check(d, &p, d->panels + (size_t)x * d->k, x, why);
        }
        pool_free(&p);
    }
    if (st != DRAW_OK) {
        return st;
    }
    st = verify_probabilities(d, why);
    if (st == DRAW_OK && why != NULL) {
        why->status = DRAW_OK;
        why->item = -1;
        why->detail[0] = '\0';
    }
    return st;
}
