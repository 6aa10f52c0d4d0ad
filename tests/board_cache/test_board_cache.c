/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Unit tests for the board cache's bound (api/board_cache.c): at most N
 * entries in all, the least recently used unused tree evicted first, a hit
 * refreshing recency, a tree larger than the bound served but not cached,
 * trees held by a reader never freed under it, and the accounting back at
 * zero after a clear. The cache's seam (board_cache_configure) sets a small
 * bound and a page source that makes boards in memory, so no database is
 * needed; a page call counts as a build (a cache miss).
 */
#include <string.h>

#include <criterion/criterion.h>

#include "api/board_cache.h"
#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/ballot/ballot.h"
#include "platform/arena.h"
#include "platform/crypto.h"

#define BOUND 10u
#define QMAX  16

static const uint8_t k_ranking[2] = {1, 0};
static int64_t g_size[QMAX]; /* board size of question q */
static int g_builds[QMAX];   /* page reads starting at 0: builds */
static int g_dummy;
#define CONN ((struct db_conn *)&g_dummy)

static void receipt_of(int64_t qid, int64_t i, uint8_t out[32])
{
    int64_t v[2] = {qid, i};
    pnyx_crypto_sha256(v, sizeof v, out);
}

static enum db_status fake_page(struct db_conn *c, struct arena *a, int64_t qid, int64_t from,
                                int limit, struct db_board_entry **items, int *n)
{
    (void)c;
    cr_assert(qid > 0 && qid < QMAX);
    if (from == 0)
        g_builds[qid]++;
    int64_t left = g_size[qid] - from;
    int k = left < limit ? (int)left : limit;
    struct db_board_entry *v = arena_calloc(a, (size_t)(k > 0 ? k : 1), sizeof *v);
    for (int i = 0; i < k; i++) {
        v[i].index = from + i;
        receipt_of(qid, from + i, v[i].receipt);
        v[i].ranking = k_ranking;
        v[i].n_ranking = sizeof k_ranking;
        memcpy(v[i].country, "FR", 3);
    }
    *items = v;
    *n = k;
    return DB_OK;
}

/* The root the cache must find for question qid's fake board. */
static void root_of(int64_t qid, uint8_t root[32])
{
    struct merkle_mem m;
    merkle_mem_init(&m);
    struct jcs_buf b;
    jcs_buf_init(&b);
    for (int64_t i = 0; i < g_size[qid]; i++) {
        uint8_t r[32];
        char hex[BALLOT_RECEIPT_HEX + 1];
        receipt_of(qid, i, r);
        pnyx_crypto_hex(r, 32, hex);
        cr_assert_eq(ballot_board_entry(&b, k_ranking, sizeof k_ranking, "FR", hex), 0);
        cr_assert_eq(merkle_mem_append_entry(&m, b.data, b.len), AUDIT_OK);
    }
    merkle_frontier_root(&m.frontier, root);
    jcs_buf_fini(&b);
    merkle_mem_fini(&m);
}

/* Gets question qid's tree (held: release it). */
static struct board_tree *get(int64_t qid)
{
    uint8_t root[32];
    root_of(qid, root);
    struct board_tree *t = NULL;
    cr_assert_eq(board_tree_get(CONN, qid, g_size[qid], root, &t), DB_OK);
    cr_assert_not_null(t);
    cr_assert_eq(board_tree_size(t), (uint64_t)g_size[qid]);
    return t;
}

/* Gets and releases: one use. */
static void use(int64_t qid)
{
    board_tree_release(get(qid));
}

static void expect_stats(unsigned trees, uint64_t leaves)
{
    unsigned t = 99;
    uint64_t l = 99;
    board_cache_stats(&t, &l);
    cr_expect_eq(t, trees, "trees %u, want %u", t, trees);
    cr_expect_eq(l, leaves, "leaves %llu, want %llu", (unsigned long long)l,
                 (unsigned long long)leaves);
}

static void setup(void)
{
    memset(g_builds, 0, sizeof g_builds);
    for (int q = 0; q < QMAX; q++)
        g_size[q] = 4;
    board_cache_configure(BOUND, fake_page);
    board_cache_clear();
}

static void teardown(void)
{
    board_cache_clear();
    expect_stats(0, 0);
    board_cache_configure(0, NULL);
}

TestSuite(board_cache, .init = setup, .fini = teardown);

Test(board_cache, a_second_read_is_a_hit)
{
    use(1);
    use(1);
    cr_expect_eq(g_builds[1], 1);
    expect_stats(1, 4);
}

Test(board_cache, filling_beyond_the_bound_evicts_the_least_recently_used)
{
    use(1);
    use(2);
    expect_stats(2, 8);
    use(3); /* 12 > 10: question 1, the oldest, goes */
    expect_stats(2, 8);
    use(2);
    use(3);
    cr_expect_eq(g_builds[2], 1, "question 2 stayed");
    cr_expect_eq(g_builds[3], 1, "question 3 stayed");
    use(1);
    cr_expect_eq(g_builds[1], 2, "question 1 was evicted and built again");
    expect_stats(2, 8); /* and question 2, now the oldest, made room for it */
    use(3);
    cr_expect_eq(g_builds[3], 1);
    use(2);
    cr_expect_eq(g_builds[2], 2);
}

Test(board_cache, a_hit_refreshes_recency)
{
    use(1);
    use(2);
    use(1); /* 1 is now more recent than 2 */
    use(3); /* so 2 goes */
    use(1);
    cr_expect_eq(g_builds[1], 1, "the refreshed tree stayed");
    use(2);
    cr_expect_eq(g_builds[2], 2, "the least recently used one was evicted");
}

Test(board_cache, several_small_trees_fill_the_bound_exactly)
{
    g_size[1] = g_size[2] = g_size[3] = g_size[4] = g_size[5] = 2;
    for (int q = 1; q <= 5; q++)
        use(q);
    expect_stats(5, 10);
    g_size[6] = 3; /* needs two of the oldest to go */
    use(6);
    expect_stats(4, 9);
    use(3);
    use(4);
    use(5);
    cr_expect_eq(g_builds[3] + g_builds[4] + g_builds[5], 3, "the three newest stayed");
    use(1);
    cr_expect_eq(g_builds[1], 2);
}

Test(board_cache, a_tree_larger_than_the_bound_is_served_but_not_cached)
{
    use(1);
    g_size[9] = BOUND + 1;
    struct board_tree *t = get(9);
    const uint8_t *receipt, *ranking;
    const char *country;
    board_tree_entry(t, BOUND, &receipt, &ranking, &country);
    uint8_t want[32];
    receipt_of(9, BOUND, want);
    cr_expect_eq(memcmp(receipt, want, 32), 0, "its entries are readable");
    board_tree_release(t);
    expect_stats(1, 4); /* question 1 was not evicted for it */
    use(9);
    cr_expect_eq(g_builds[9], 2, "built again: never cached");
    use(1);
    cr_expect_eq(g_builds[1], 1);
    g_size[10] = BOUND; /* exactly the bound fits, evicting the rest */
    use(10);
    expect_stats(1, BOUND);
    use(10);
    cr_expect_eq(g_builds[10], 1);
}

Test(board_cache, a_held_tree_is_never_evicted_and_clear_returns_the_accounting_to_zero)
{
    struct board_tree *held = get(1);
    use(2);
    use(3); /* room comes from 2: 1 is held by a reader */
    use(1);
    cr_expect_eq(g_builds[1], 1, "the held tree stayed cached");
    use(2);
    cr_expect_eq(g_builds[2], 2);
    board_cache_clear(); /* drops every tree but the held one */
    expect_stats(1, 4);
    board_tree_release(held);
    board_cache_clear();
    expect_stats(0, 0);
    use(1);
    cr_expect_eq(g_builds[1], 2, "cleared: built again");
}
