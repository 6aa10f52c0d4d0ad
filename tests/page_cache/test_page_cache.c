/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Unit tests for the page cache (api/page_cache.c), the one store of the
 * whole proposal pages and the first comment pages: a page is served only
 * under the revision it was kept under, the two kinds never answer for
 * each other, the least recently used way of a full set is replaced, one
 * budget holds both kinds (a page that does not fit drops the least
 * recently used pages of either kind, one larger than the budget is
 * refused), a page over its kind's bound is not kept, a page older than
 * the TTL is dropped at its next read, and threads getting and keeping at
 * once only ever read back the exact bytes kept under that revision. The
 * seam (page_cache_configure) sets a small budget and a clock the tests
 * move, so nothing sleeps.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "api/page_cache.h"
#include "platform/arena.h"

static struct arena *g_a;
static int64_t g_t = 1000; /* the fake clock, seconds */

static int64_t fake_now(void)
{
    return __atomic_load_n(&g_t, __ATOMIC_RELAXED);
}

/* A hash of the page and revision: its bytes and ETag are made of it, so
 * a reply of another page cannot pass for it. */
static unsigned page_hash(enum page_kind k, const char *key, const char *rev)
{
    unsigned h = (unsigned)k * 29u + 1u;
    for (const char *p = key; *p; p++) {
        h = h * 131u + (unsigned char)*p;
    }
    for (const char *p = rev; *p; p++) {
        h = h * 71u + (unsigned char)*p;
    }
    return h;
}

/* The body kept under (k, key, rev) (malloc'd). */
static char *body_of(enum page_kind k, const char *key, const char *rev, size_t len)
{
    char *b = malloc(len > 0 ? len : 1);
    cr_assert_not_null(b);
    unsigned h = page_hash(k, key, rev);
    for (size_t i = 0; i < len; i++) {
        b[i] = (char)(h + i * 7u);
    }
    return b;
}

static void etag_of(enum page_kind k, const char *key, const char *rev, char etag[64])
{
    snprintf(etag, 64, "\"%d-%08x\"", (int)k, page_hash(k, key, rev));
}

/* What a page is charged in the budget. */
static size_t charged(const char *key, const char *rev, size_t len, enum page_kind k)
{
    char etag[64];
    etag_of(k, key, rev, etag);
    return PAGE_CACHE_ENTRY_EXTRA + strlen(key) + 1 + strlen(rev) + 1 + strlen(etag) + 1 + len;
}

static void keep(enum page_kind k, const char *key, const char *rev, size_t len)
{
    char etag[64];
    char *b = body_of(k, key, rev, len);
    etag_of(k, key, rev, etag);
    page_cache_keep(k, key, rev, b, len, etag);
    free(b);
}

/* Whether (k, key) is kept at rev with the bytes and ETag keep gave it:
 * false on a miss; a hit with other bytes fails the test. */
static bool hit(enum page_kind k, const char *key, const char *rev, size_t len)
{
    char *buf = NULL, etag[PAGE_CACHE_ETAG_MAX], want_etag[64];
    size_t got = 0;
    if (!page_cache_get(g_a, k, key, rev, 3, 2, &buf, &got, etag)) {
        return false;
    }
    char *want = body_of(k, key, rev, len);
    etag_of(k, key, rev, want_etag);
    cr_expect_eq(got, len, "%s@%s: %zu bytes, want %zu", key, rev, got, len);
    cr_expect(got == len && memcmp(buf + 3, want, len) == 0, "%s@%s: other bytes", key, rev);
    cr_expect_str_eq(etag, want_etag);
    free(want);
    return true;
}

static void expect_stats(size_t pages, size_t bytes)
{
    size_t p = 99, b = 99;
    page_cache_stats(&p, &b);
    cr_expect_eq(p, pages, "pages %zu, want %zu", p, pages);
    cr_expect_eq(b, bytes, "bytes %zu, want %zu", b, bytes);
}

/* n (kind, key) pairs in n different sets, kinds alternating. */
static void apart(const char *prefix, int n, enum page_kind *kinds, char keys[][32])
{
    size_t sets[64];
    cr_assert(n <= 64);
    int found = 0;
    for (int i = 0; found < n; i++) {
        enum page_kind k = found % 2 == 0 ? PAGE_COMMENTS : PAGE_PROPOSAL;
        char key[32];
        snprintf(key, sizeof key, "%s%d", prefix, i);
        size_t s = page_cache_set_of(k, key);
        bool dup = false;
        for (int j = 0; j < found; j++) {
            dup = dup || sets[j] == s;
        }
        if (!dup) {
            sets[found] = s;
            kinds[found] = k;
            memcpy(keys[found++], key, sizeof key);
        }
    }
}

static void setup(void)
{
    g_a = arena_new();
    cr_assert_not_null(g_a);
    __atomic_store_n(&g_t, 1000, __ATOMIC_RELAXED);
    page_cache_configure(0, fake_now);
}

static void teardown(void)
{
    page_cache_clear();
    expect_stats(0, 0);
    page_cache_configure(0, NULL);
    arena_free(g_a);
}

TestSuite(page_cache, .init = setup, .fini = teardown);

Test(page_cache, served_only_under_the_revision_it_was_kept_under)
{
    cr_expect_not(page_cache_known(PAGE_PROPOSAL, "p1"));
    cr_expect_not(hit(PAGE_PROPOSAL, "p1", "r1", 100));
    keep(PAGE_PROPOSAL, "p1", "r1", 100);
    cr_expect(page_cache_known(PAGE_PROPOSAL, "p1"));
    cr_expect(hit(PAGE_PROPOSAL, "p1", "r1", 100));
    /* The database moved on: a miss, and the page stays until replaced. */
    cr_expect_not(hit(PAGE_PROPOSAL, "p1", "r2", 100));
    cr_expect(page_cache_known(PAGE_PROPOSAL, "p1"));
    keep(PAGE_PROPOSAL, "p1", "r2", 120);
    cr_expect_not(hit(PAGE_PROPOSAL, "p1", "r1", 100));
    cr_expect(hit(PAGE_PROPOSAL, "p1", "r2", 120));
    expect_stats(1, charged("p1", "r2", 120, PAGE_PROPOSAL));
    /* A revision that is a prefix or an extension of the kept one is
     * another revision. */
    cr_expect_not(hit(PAGE_PROPOSAL, "p1", "r", 120));
    cr_expect_not(hit(PAGE_PROPOSAL, "p1", "r22", 120));
}

Test(page_cache, the_kinds_never_answer_for_each_other)
{
    /* A key both of whose kinds fall in one set: only the kind tells them
     * apart there. */
    char key[32];
    for (int i = 0;; i++) {
        snprintf(key, sizeof key, "7/50/fr/%d", i);
        if (page_cache_set_of(PAGE_PROPOSAL, key) == page_cache_set_of(PAGE_COMMENTS, key)) {
            break;
        }
    }
    keep(PAGE_PROPOSAL, key, "r1", 64);
    cr_expect_not(page_cache_known(PAGE_COMMENTS, key));
    cr_expect_not(hit(PAGE_COMMENTS, key, "r1", 64));
    keep(PAGE_COMMENTS, key, "r1", 32);
    cr_expect(hit(PAGE_COMMENTS, key, "r1", 32));
    cr_expect(hit(PAGE_PROPOSAL, key, "r1", 64));
    expect_stats(2, charged(key, "r1", 64, PAGE_PROPOSAL) + charged(key, "r1", 32, PAGE_COMMENTS));
}

Test(page_cache, an_empty_page_is_kept)
{
    keep(PAGE_COMMENTS, "e", "r", 0);
    cr_expect(hit(PAGE_COMMENTS, "e", "r", 0));
}

Test(page_cache, a_full_set_replaces_its_least_recently_used_way)
{
    /* Five pages of one set, of both kinds (they share the ways). */
    enum page_kind k[5];
    char key[5][32];
    int found = 0;
    size_t set = page_cache_set_of(PAGE_COMMENTS, "s0");
    for (int i = 0; found < 5; i++) {
        enum page_kind kind = i % 2 == 0 ? PAGE_COMMENTS : PAGE_PROPOSAL;
        char name[32];
        snprintf(name, sizeof name, "s%d", i);
        if (page_cache_set_of(kind, name) == set) {
            k[found] = kind;
            memcpy(key[found++], name, sizeof name);
        }
    }
    cr_assert_eq(found, 5);
    for (int i = 0; i < 4; i++) {
        keep(k[i], key[i], "r", 10);
    }
    cr_expect(hit(k[0], key[0], "r", 10)); /* 0 read again: 1 is now the oldest */
    keep(k[4], key[4], "r", 10);
    cr_expect_not(page_cache_known(k[1], key[1]));
    for (int i = 0; i < 5; i++) {
        if (i != 1) {
            cr_expect(hit(k[i], key[i], "r", 10), "way %d (%s) dropped", i, key[i]);
        }
    }
    /* A new revision takes the way of the old one: nothing else goes. */
    keep(k[2], key[2], "r2", 10);
    for (int i = 0; i < 5; i++) {
        if (i != 1) {
            cr_expect(page_cache_known(k[i], key[i]), "way %d (%s) dropped", i, key[i]);
        }
    }
    cr_expect(hit(k[2], key[2], "r2", 10));
    expect_stats(4, charged(key[0], "r", 10, k[0]) + charged(key[2], "r2", 10, k[2]) +
                        charged(key[3], "r", 10, k[3]) + charged(key[4], "r", 10, k[4]));
}

Test(page_cache, one_budget_for_both_kinds)
{
    /* Pages in sets of their own: only the budget drops them. */
    enum page_kind kinds[20];
    char keys[20][32];
    apart("b", 20, kinds, keys);
    char c[10][32], p[5][32];
    int nc = 0, np = 0;
    for (int i = 0; i < 20; i++) {
        if (kinds[i] == PAGE_COMMENTS && nc < 10) {
            memcpy(c[nc++], keys[i], 32);
        } else if (kinds[i] == PAGE_PROPOSAL && np < 5) {
            memcpy(p[np++], keys[i], 32);
        }
    }
    cr_assert(nc == 10 && np == 5);
    /* Ten comment pages fill it, with 100 bytes to spare. */
    size_t one_c[10], all_c = 0, one_p = charged(p[0], "r", 25000, PAGE_PROPOSAL);
    for (int i = 0; i < 10; i++) {
        one_c[i] = charged(c[i], "r", 10000, PAGE_COMMENTS);
        all_c += one_c[i];
    }
    size_t budget = all_c + 100;
    page_cache_configure(budget, fake_now);
    for (int i = 0; i < 10; i++) {
        keep(PAGE_COMMENTS, c[i], "r", 10000);
    }
    expect_stats(10, all_c);
    cr_expect(hit(PAGE_COMMENTS, c[0], "r", 10000)); /* c0 read again: c1 is the oldest */
    /* A proposal page of 2.5 comment pages: the three oldest go. */
    keep(PAGE_PROPOSAL, p[0], "r", 25000);
    size_t left = all_c - one_c[1] - one_c[2] - one_c[3] + one_p;
    expect_stats(8, left);
    for (int i = 1; i <= 3; i++) {
        cr_expect_not(page_cache_known(PAGE_COMMENTS, c[i]), "c%d kept", i);
    }
    cr_expect(hit(PAGE_COMMENTS, c[0], "r", 10000));
    for (int i = 4; i < 10; i++) {
        cr_expect(page_cache_known(PAGE_COMMENTS, c[i]), "c%d dropped", i);
    }
    cr_expect(hit(PAGE_PROPOSAL, p[0], "r", 25000));
    /* A page larger than the whole budget is refused and drops nothing. */
    keep(PAGE_PROPOSAL, p[1], "r", budget);
    cr_expect_not(page_cache_known(PAGE_PROPOSAL, p[1]));
    expect_stats(8, left);
    /* Proposal pages keep coming: the comment pages, read longest ago,
     * all go; four proposal pages fill it. */
    for (int i = 1; i < np; i++) {
        keep(PAGE_PROPOSAL, p[i], "r", 25000);
    }
    size_t pages = 0, bytes = 0;
    page_cache_stats(&pages, &bytes);
    cr_expect_leq(bytes, budget);
    cr_expect_eq(pages, 4);
    for (int i = 0; i < 10; i++) {
        cr_expect_not(page_cache_known(PAGE_COMMENTS, c[i]), "c%d kept", i);
    }
    cr_expect_not(page_cache_known(PAGE_PROPOSAL, p[0]));
}

Test(page_cache, a_page_over_its_bound_is_not_kept)
{
    keep(PAGE_PROPOSAL, "big", "r", PAGE_CACHE_MAX_PROPOSAL);
    cr_expect(hit(PAGE_PROPOSAL, "big", "r", PAGE_CACHE_MAX_PROPOSAL));
    keep(PAGE_PROPOSAL, "bigger", "r", PAGE_CACHE_MAX_PROPOSAL + 1);
    cr_expect_not(page_cache_known(PAGE_PROPOSAL, "bigger"));
    /* A comment page's bound is lower. */
    keep(PAGE_COMMENTS, "big", "r", PAGE_CACHE_MAX_COMMENTS);
    cr_expect(hit(PAGE_COMMENTS, "big", "r", PAGE_CACHE_MAX_COMMENTS));
    keep(PAGE_COMMENTS, "bigger", "r", PAGE_CACHE_MAX_COMMENTS + 1);
    cr_expect_not(page_cache_known(PAGE_COMMENTS, "bigger"));
    /* Too long a key or ETag: not kept either. */
    char key[PAGE_CACHE_KEY_MAX + 1];
    memset(key, 'k', sizeof key - 2);
    key[sizeof key - 2] = '\0'; /* PAGE_CACHE_KEY_MAX - 1 bytes: the longest */
    keep(PAGE_COMMENTS, key, "r", 10);
    cr_expect(page_cache_known(PAGE_COMMENTS, key));
    size_t longest = charged(key, "r", 10, PAGE_COMMENTS);
    key[sizeof key - 2] = 'k';
    key[sizeof key - 1] = '\0';
    keep(PAGE_COMMENTS, key, "r", 10);
    cr_expect_not(page_cache_known(PAGE_COMMENTS, key));
    char etag[PAGE_CACHE_ETAG_MAX + 1];
    memset(etag, 'e', PAGE_CACHE_ETAG_MAX);
    etag[PAGE_CACHE_ETAG_MAX] = '\0';
    page_cache_keep(PAGE_COMMENTS, "etag", "r", "{}", 2, etag);
    cr_expect_not(page_cache_known(PAGE_COMMENTS, "etag"));
    expect_stats(3, charged("big", "r", PAGE_CACHE_MAX_PROPOSAL, PAGE_PROPOSAL) +
                        charged("big", "r", PAGE_CACHE_MAX_COMMENTS, PAGE_COMMENTS) + longest);
}

Test(page_cache, a_page_older_than_the_ttl_is_dropped_at_its_next_read)
{
    keep(PAGE_PROPOSAL, "p", "r", 50);
    keep(PAGE_COMMENTS, "c", "r", 50);
    __atomic_store_n(&g_t, 1000 + PAGE_CACHE_TTL_S, __ATOMIC_RELAXED);
    cr_expect(hit(PAGE_PROPOSAL, "p", "r", 50)); /* exactly the TTL: still kept */
    cr_expect(page_cache_known(PAGE_COMMENTS, "c"));
    __atomic_store_n(&g_t, 1000 + PAGE_CACHE_TTL_S + 1, __ATOMIC_RELAXED);
    /* A read does not make a page younger; both kinds have the TTL. */
    cr_expect_not(page_cache_known(PAGE_PROPOSAL, "p"));
    cr_expect_not(hit(PAGE_PROPOSAL, "p", "r", 50));
    cr_expect_not(hit(PAGE_COMMENTS, "c", "r", 50));
    expect_stats(0, 0);
    /* Kept again: a new life. */
    keep(PAGE_PROPOSAL, "p", "r", 50);
    __atomic_store_n(&g_t, 1000 + 2 * PAGE_CACHE_TTL_S + 1, __ATOMIC_RELAXED);
    cr_expect(hit(PAGE_PROPOSAL, "p", "r", 50));
}

Test(page_cache, langs_join_or_refuse)
{
    const char *langs[] = {"fr", "en", "pt-br"};
    char out[16];
    cr_expect(page_cache_langs(langs, 3, out, sizeof out));
    cr_expect_str_eq(out, "fr,en,pt-br");
    cr_expect(page_cache_langs(langs, 0, out, sizeof out));
    cr_expect_str_eq(out, "");
    cr_expect(page_cache_langs(langs, 3, out, 12)); /* 11 bytes and the NUL */
    cr_expect_not(page_cache_langs(langs, 3, out, 11));
}

/* --- threads ------------------------------------------------------------------------- */

#define THREADS 4
#define ROUNDS  20000
#define KEYS    48

static int g_bad, g_hits;

static void *worker(void *arg)
{
    uint32_t x = 2463534242u + (uint32_t)(uintptr_t)arg * 7919u;
    struct arena *a = arena_new();
    for (int i = 0; i < ROUNDS; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        enum page_kind k = (x & 1) ? PAGE_PROPOSAL : PAGE_COMMENTS;
        unsigned ki = (x >> 1) % KEYS, ri = (x >> 8) % 3;
        char key[16], rev[8], etag[64], got_etag[PAGE_CACHE_ETAG_MAX];
        snprintf(key, sizeof key, "t%u", ki);
        snprintf(rev, sizeof rev, "r%u", ri);
        size_t len = 500 + (ki * 977u + ri * 331u + (unsigned)k * 113u) % 7500; /* per page */
        etag_of(k, key, rev, etag);
        if ((x >> 20) % 2 == 0) {
            char *b = body_of(k, key, rev, len);
            page_cache_keep(k, key, rev, b, len, etag);
            free(b);
        } else {
            char *buf = NULL;
            size_t got = 0;
            if (page_cache_get(a, k, key, rev, 0, 0, &buf, &got, got_etag)) {
                __atomic_add_fetch(&g_hits, 1, __ATOMIC_RELAXED);
                char *want = body_of(k, key, rev, len);
                if (got != len || memcmp(buf, want, len) != 0 || strcmp(got_etag, etag) != 0) {
                    __atomic_add_fetch(&g_bad, 1, __ATOMIC_RELAXED);
                }
                free(want);
            }
            (void)page_cache_known(k, key);
        }
        if ((x >> 24) % 1024 == 0) {
            page_cache_clear();
        }
        if (i % 256 == 0) {
            arena_free(a);
            a = arena_new();
        }
    }
    arena_free(a);
    return NULL;
}

Test(page_cache, threads_only_read_back_what_was_kept)
{
    /* A small budget: pages are dropped while others read. */
    size_t budget = 100u * 1024u;
    page_cache_configure(budget, NULL);
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++) {
        cr_assert_eq(pthread_create(&t[i], NULL, worker, (void *)i), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
    }
    cr_expect_eq(g_bad, 0, "%d reads got other bytes", g_bad);
    cr_expect_gt(g_hits, 0, "no read found a page: nothing was raced");
    size_t pages = 0, bytes = 0;
    page_cache_stats(&pages, &bytes);
    cr_expect_leq(bytes, budget);
    cr_expect_leq(pages, 2 * KEYS);
}
