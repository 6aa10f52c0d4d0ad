/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* api/board_cache.c — cached Merkle trees of sealed boards (board_cache.h). */
#include "api/board_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/ballot/ballot.h"
#include "db/db_ballot.h"
#include "platform/crypto.h"
#include "platform/log.h"

/* Entries read per statement while building. Why 10,000: about 1 MB of
 * text per round trip, so a board of a million costs 100 round trips and
 * bounded memory. */
#define BUILD_CHUNK 10000

struct board_tree {
    int64_t qid;
    uint64_t size;
    uint8_t root[32];
    struct merkle_mem mem;
    /* the entries in board order: receipts[i], countries[i] (2 letters),
     * rankings[i * width .. +width) in the stored format */
    uint8_t (*receipts)[32];
    char (*countries)[2];
    uint8_t *rankings;
    size_t width;
    unsigned refs; /* requests holding it, + 1 while cached */
    uint64_t used; /* last use, a counter */
    bool cached;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct board_tree *g_trees[BOARD_CACHE_MAX_TREES];
static uint64_t g_clock;
static uint64_t g_leaves;
/* The bound and the page source (board_cache_configure: tests only). */
static uint64_t g_max_leaves = BOARD_CACHE_MAX_LEAVES;
static board_page_fn g_page = db_ballot_board_page;

static void tree_free(struct board_tree *t)
{
    merkle_mem_fini(&t->mem);
    free(t->receipts);
    free(t->countries);
    free(t->rankings);
    free(t);
}

/* Under g_mu: one reference less; frees an uncached tree at zero. */
static void unref(struct board_tree *t)
{
    if (--t->refs == 0) {
        tree_free(t);
    }
}

static struct board_tree *lookup(int64_t qid, const uint8_t root[32])
{
    for (unsigned i = 0; i < BOARD_CACHE_MAX_TREES; i++) {
        struct board_tree *t = g_trees[i];
        if (t && t->qid == qid && memcmp(t->root, root, 32) == 0) {
            t->refs++;
            t->used = ++g_clock;
            return t;
        }
    }
    return NULL;
}

/* Under g_mu: evicts unused trees, oldest first, until need more leaves
 * and one more tree fit; returns a free slot or -1. */
static int make_room(uint64_t need)
{
    for (;;) {
        int free_slot = -1, oldest = -1;
        for (unsigned i = 0; i < BOARD_CACHE_MAX_TREES; i++) {
            struct board_tree *t = g_trees[i];
            if (!t) {
                free_slot = free_slot < 0 ? (int)i : free_slot;
            } else if (t->refs == 1 && (oldest < 0 || t->used < g_trees[oldest]->used)) {
                oldest = (int)i;
            }
        }
        if (free_slot >= 0 && g_leaves + need <= g_max_leaves)
            return free_slot;
        if (oldest < 0)
            return -1;
        struct board_tree *t = g_trees[oldest];
        g_trees[oldest] = NULL;
        g_leaves -= t->size;
        t->cached = false;
        unref(t);
    }
}

/* Keeps entry k (< size) in t's arrays, allocated at the first entry. */
static bool store_entry(struct board_tree *t, uint64_t k, const struct db_board_entry *e)
{
    if (!t->receipts) {
        t->receipts = malloc(t->size * sizeof *t->receipts);
        t->countries = malloc(t->size * sizeof *t->countries);
        t->rankings = malloc(t->size * t->width);
        if (!t->receipts || !t->countries || !t->rankings)
            return false;
    }
    memcpy(t->receipts[k], e->receipt, 32);
    memcpy(t->countries[k], e->country, 2);
    memcpy(t->rankings + k * t->width, e->ranking, t->width);
    return true;
}

/* Reads the board in board order and hashes its leaves into t. */
static enum db_status build(struct db_conn *c, struct board_tree *t)
{
    struct jcs_buf b;
    jcs_buf_init(&b);
    enum db_status st = DB_OK;
    uint64_t from = 0;
    while (st == DB_OK && from < t->size) {
        struct arena *a = arena_new();
        if (!a) {
            st = DB_HARD_ERROR;
            break;
        }
        struct db_board_entry *items;
        int n;
        st = g_page(c, a, t->qid, (int64_t)from, BUILD_CHUNK, &items, &n);
        for (int i = 0; st == DB_OK && i < n; i++) {
            uint64_t k = from + (uint64_t)i;
            if (k >= t->size || (t->width == 0 && (t->width = items[i].n_ranking) == 0) ||
                items[i].n_ranking != t->width || !store_entry(t, k, &items[i])) {
                log_error("board: question %lld entry %llu does not fit the board",
                          (long long)t->qid, (unsigned long long)k);
                st = DB_HARD_ERROR;
                break;
            }
            char receipt[BALLOT_RECEIPT_HEX + 1];
            pnyx_crypto_hex(items[i].receipt, 32, receipt);
            if ((uint64_t)items[i].index != from + (uint64_t)i ||
                ballot_board_entry(&b, items[i].ranking, items[i].n_ranking, items[i].country,
                                   receipt) != 0 ||
                merkle_mem_append_entry(&t->mem, b.data, b.len) != AUDIT_OK) {
                log_error("board: question %lld entry %llu is not a valid board entry",
                          (long long)t->qid, (unsigned long long)(from + (uint64_t)i));
                st = DB_HARD_ERROR;
            }
        }
        arena_free(a);
        if (st == DB_OK && n == 0)
            break;
        from += (uint64_t)n;
    }
    jcs_buf_fini(&b);
    if (st != DB_OK)
        return st;
    uint8_t root[32];
    merkle_frontier_root(&t->mem.frontier, root);
    if (merkle_mem_size(&t->mem) != t->size || memcmp(root, t->root, 32) != 0) {
        log_error("board: question %lld has %llu entries whose root differs from the one "
                  "recorded at close (%llu entries)",
                  (long long)t->qid, (unsigned long long)merkle_mem_size(&t->mem),
                  (unsigned long long)t->size);
        return DB_HARD_ERROR;
    }
    return DB_OK;
}

enum db_status board_tree_get(struct db_conn *c, int64_t qid, int64_t size, const uint8_t root[32],
                              struct board_tree **out)
{
    *out = NULL;
    if (size < 0)
        return DB_HARD_ERROR;
    pthread_mutex_lock(&g_mu);
    struct board_tree *t = lookup(qid, root);
    pthread_mutex_unlock(&g_mu);
    if (t) {
        *out = t;
        return DB_OK;
    }
    /* Built outside the lock: two requests may build the same tree at
     * once; the second one to finish uses the cached one and drops its
     * own. */
    t = calloc(1, sizeof *t);
    if (!t)
        return DB_HARD_ERROR;
    t->qid = qid;
    t->size = (uint64_t)size;
    memcpy(t->root, root, 32);
    merkle_mem_init(&t->mem);
    t->refs = 1;
    enum db_status st = build(c, t);
    if (st != DB_OK) {
        tree_free(t);
        return st;
    }
    pthread_mutex_lock(&g_mu);
    struct board_tree *other = lookup(qid, root);
    if (other) {
        unref(t);
        t = other;
    } else if (t->size <= g_max_leaves) {
        int slot = make_room(t->size);
        if (slot >= 0) {
            g_trees[slot] = t;
            g_leaves += t->size;
            t->cached = true;
            t->refs++;
            t->used = ++g_clock;
        }
    }
    pthread_mutex_unlock(&g_mu);
    *out = t;
    return DB_OK;
}

void board_tree_release(struct board_tree *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&g_mu);
    unref(t);
    pthread_mutex_unlock(&g_mu);
}

uint64_t board_tree_size(const struct board_tree *t)
{
    return t->size;
}

size_t board_tree_width(const struct board_tree *t)
{
    return t->width;
}

void board_tree_entry(const struct board_tree *t, uint64_t index, const uint8_t **receipt,
                      const uint8_t **ranking, const char **country)
{
    *receipt = t->receipts[index];
    *ranking = t->rankings + index * t->width;
    *country = t->countries[index];
}

int64_t board_tree_find(const struct board_tree *t, const uint8_t receipt[32])
{
    uint64_t lo = 0, hi = t->size;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        int c = memcmp(t->receipts[mid], receipt, 32);
        if (c == 0)
            return (int64_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int board_tree_proof(const struct board_tree *t, uint64_t index, uint8_t (*proof)[32], size_t cap,
                     size_t *len)
{
    /* merkle_mem_store wants a mutable pointer but only reads */
    struct merkle_store s = merkle_mem_store((struct merkle_mem *)(uintptr_t)&t->mem);
    return merkle_inclusion_proof(&s, index, t->size, proof, cap, len) == AUDIT_OK ? 0 : -1;
}

void board_cache_clear(void)
{
    pthread_mutex_lock(&g_mu);
    for (unsigned i = 0; i < BOARD_CACHE_MAX_TREES; i++) {
        struct board_tree *t = g_trees[i];
        if (t && t->refs == 1) {
            g_trees[i] = NULL;
            g_leaves -= t->size;
            unref(t);
        }
    }
    pthread_mutex_unlock(&g_mu);
}

void board_cache_configure(uint64_t max_leaves, board_page_fn page)
{
    pthread_mutex_lock(&g_mu);
    g_max_leaves = max_leaves ? max_leaves : BOARD_CACHE_MAX_LEAVES;
    g_page = page ? page : db_ballot_board_page;
    pthread_mutex_unlock(&g_mu);
}

void board_cache_stats(unsigned *trees, uint64_t *leaves)
{
    pthread_mutex_lock(&g_mu);
    unsigned n = 0;
    for (unsigned i = 0; i < BOARD_CACHE_MAX_TREES; i++)
        n += g_trees[i] != NULL;
    *trees = n;
    *leaves = g_leaves;
    pthread_mutex_unlock(&g_mu);
}
