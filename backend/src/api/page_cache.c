/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/page_cache.c — reply pages kept in memory (page_cache.h): the whole
 * proposal page and first comment pages, in one table.
 *
 * Never stale: a page is served only when the revision the caller read
 * from the database with this request equals the one it was kept under
 * (each caller's comment says why its revision changes with everything
 * its page shows). Never another reader's: the caller's key holds what
 * the page depends on besides the database (viewer, languages, page
 * size), the kind is part of the key (a proposal page is never served as
 * a comment page), and the callers keep no page whose text depends on the
 * reader beyond that (one with a hidden comment).
 *
 * Why one TTL (PAGE_CACHE_TTL_S, 5 minutes) for both kinds, dropped at a
 * page's next read: a revision may come back equal without the page being
 * equal. The proposal's page key is made of transaction ids, 32 bits: the
 * TTL bounds how long a key can wait to be matched by a reused one to
 * minutes, where 2^32 transactions take days. The thread's comments_key
 * only grows, except when the database is restored to an earlier state
 * under a running pnyxd: the TTL bounds that case too (to 5 minutes
 * instead of until the restart). It costs a kept page one rebuild (one
 * statement) per 5 minutes: nothing at the rates the pages are read.
 *
 * Why these bounds: 4,096 sets of 4 ways by (kind, key), least recently
 * used way replaced (16,384 pages; the two caches this replaced had 4,096
 * and 8,192 ways, and the bench's 1,000 proposals make about 1,000 whole
 * pages and 1,000 comment pages; with direct mapping they collided often
 * enough to miss ~1 in 10 reads for good). A proposal page over 512 KiB,
 * a comment page over 256 KiB (long texts in a big page) is not kept. At
 * most 64 MiB (PAGE_CACHE_BUDGET) in all, both kinds together, charged
 * with their keys, revisions and ETags: a page that does not fit drops
 * the least recently used pages of either kind (a list through the table)
 * until it does, so a burst of one kind cannot leave the other refused
 * for good, and what goes first is what was read longest ago.
 *
 * One lock: every look-up, copy out, fill and drop runs under g_mu; no
 * allocation and no free does (pages dropped are chained and freed after
 * unlocking), so the lock is held for a hash probe and a memcpy.
 */
#include "api/page_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A revision longer than this is not kept (a proposal with thousands of
 * translations: its page key lists them all). */
#define REV_MAX (64u * 1024u)
#define NIL     UINT32_MAX
#define NSLOTS  (PAGE_CACHE_SETS * PAGE_CACHE_WAYS)

/* One malloc per page: key, revision and ETag (NUL-terminated) then the
 * body. next chains dropped pages to free after unlocking. */
struct pc_block {
    struct pc_block *next;
    char s[];
};

struct pc_slot {
    struct pc_block *b; /* NULL: empty way */
    size_t len;         /* body bytes */
    size_t size;        /* bytes charged to the budget */
    uint32_t rev_off, etag_off, body_off;
    uint32_t newer, older; /* the LRU list of every kept page (slot indices) */
    uint64_t used;         /* g_tick at the last hit or fill: the set's LRU order */
    int64_t born;          /* g_now() at the fill */
    enum page_kind kind;
};

static struct pc_slot g_slots[NSLOTS];
static uint32_t g_newest = NIL, g_oldest = NIL;
static uint64_t g_tick;
static size_t g_bytes, g_pages, g_budget = PAGE_CACHE_BUDGET;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}
static int64_t (*g_now)(void) = monotonic_s;

bool page_cache_langs(const char *const *langs, int n, char *out, size_t cap)
{
    size_t len = 0;
    if (cap == 0) {
        return false;
    }
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t l = strlen(langs[i]), sep = i > 0 ? 1 : 0;
        if (len + sep + l + 1 > cap) {
            return false;
        }
        if (sep) {
            out[len++] = ',';
        }
        memcpy(out + len, langs[i], l + 1);
        len += l;
    }
    return true;
}

/* FNV-1a of the kind and the key: the first slot of its set. */
size_t page_cache_set_of(enum page_kind k, const char *key)
{
    uint64_t h = (0xcbf29ce484222325u ^ (uint64_t)k) * 0x100000001b3u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h = (h ^ *p) * 0x100000001b3u;
    }
    return (size_t)(h >> 32) % PAGE_CACHE_SETS * PAGE_CACHE_WAYS;
}

/* The slot of set holding (k, key), or NULL. Under g_mu. */
static struct pc_slot *find(size_t set, enum page_kind k, const char *key)
{
    for (size_t i = set; i < set + PAGE_CACHE_WAYS; i++) {
        if (g_slots[i].b != NULL && g_slots[i].kind == k && strcmp(g_slots[i].b->s, key) == 0) {
            return &g_slots[i];
        }
    }
    return NULL;
}

static uint32_t index_of(const struct pc_slot *sl)
{
    return (uint32_t)(sl - g_slots);
}

/* Takes sl out of the LRU list. Under g_mu. */
static void unlink_slot(struct pc_slot *sl)
{
    if (sl->newer != NIL) {
        g_slots[sl->newer].older = sl->older;
    } else {
        g_newest = sl->older;
    }
    if (sl->older != NIL) {
        g_slots[sl->older].newer = sl->newer;
    } else {
        g_oldest = sl->newer;
    }
    sl->newer = sl->older = NIL;
}

/* Marks sl the most recently used. Under g_mu, sl not in the list. */
static void push_newest(struct pc_slot *sl)
{
    sl->used = ++g_tick;
    sl->newer = NIL;
    sl->older = g_newest;
    if (g_newest != NIL) {
        g_slots[g_newest].newer = index_of(sl);
    } else {
        g_oldest = index_of(sl);
    }
    g_newest = index_of(sl);
}

/* Empties a kept slot, chaining its block on *gone to free after
 * unlocking. Under g_mu. */
static void drop(struct pc_slot *sl, struct pc_block **gone)
{
    unlink_slot(sl);
    g_bytes -= sl->size;
    g_pages--;
    sl->b->next = *gone;
    *gone = sl->b;
    sl->b = NULL;
    sl->len = sl->size = 0;
}

static void free_chain(struct pc_block *gone)
{
    while (gone != NULL) {
        struct pc_block *next = gone->next;
        free(gone);
        gone = next;
    }
}

/* Under g_mu. */
static bool too_old(const struct pc_slot *sl, int64_t now)
{
    return now - sl->born > PAGE_CACHE_TTL_S;
}

bool page_cache_known(enum page_kind k, const char *key)
{
    size_t set = page_cache_set_of(k, key);
    pthread_mutex_lock(&g_mu);
    const struct pc_slot *sl = find(set, k, key);
    bool known = sl != NULL && !too_old(sl, g_now());
    pthread_mutex_unlock(&g_mu);
    return known;
}

bool page_cache_get(struct arena *a, enum page_kind k, const char *key, const char *rev, size_t off,
                    size_t extra, char **buf, size_t *len, char etag[PAGE_CACHE_ETAG_MAX])
{
    size_t set = page_cache_set_of(k, key);
    struct pc_block *gone = NULL;
    bool hit = false;
    pthread_mutex_lock(&g_mu);
    struct pc_slot *sl = find(set, k, key);
    if (sl != NULL && too_old(sl, g_now())) {
        drop(sl, &gone);
    } else if (sl != NULL && strcmp(sl->b->s + sl->rev_off, rev) == 0) {
        unlink_slot(sl);
        push_newest(sl);
        *buf = arena_alloc(a, off + sl->len + extra);
        memcpy(*buf + off, sl->b->s + sl->body_off, sl->len);
        *len = sl->len;
        memcpy(etag, sl->b->s + sl->etag_off, sl->body_off - sl->etag_off);
        hit = true;
    }
    pthread_mutex_unlock(&g_mu);
    free_chain(gone);
    return hit;
}

void page_cache_keep(enum page_kind k, const char *key, const char *rev, const char *body,
                     size_t len, const char *etag)
{
    size_t kl = strlen(key), rl = strlen(rev), el = strlen(etag);
    size_t max = k == PAGE_PROPOSAL ? PAGE_CACHE_MAX_PROPOSAL : PAGE_CACHE_MAX_COMMENTS;
    if (len > max || kl >= PAGE_CACHE_KEY_MAX || rl >= REV_MAX || el >= PAGE_CACHE_ETAG_MAX) {
        return;
    }
    size_t strings = kl + 1 + rl + 1 + el + 1;
    size_t size = sizeof(struct pc_block) + strings + len;
    struct pc_block *b = malloc(size);
    if (b == NULL) {
        return;
    }
    memcpy(b->s, key, kl + 1);
    memcpy(b->s + kl + 1, rev, rl + 1);
    memcpy(b->s + kl + 1 + rl + 1, etag, el + 1);
    memcpy(b->s + strings, body, len);
    size_t set = page_cache_set_of(k, key);
    struct pc_block *gone = NULL;
    pthread_mutex_lock(&g_mu);
    if (size <= g_budget) {
        /* The way that held an older revision of this page, else an empty
         * way, else the set's least recently used one. */
        struct pc_slot *sl = find(set, k, key);
        for (size_t i = set; sl == NULL && i < set + PAGE_CACHE_WAYS; i++) {
            if (g_slots[i].b == NULL) {
                sl = &g_slots[i];
            }
        }
        if (sl == NULL) {
            sl = &g_slots[set];
            for (size_t i = set + 1; i < set + PAGE_CACHE_WAYS; i++) {
                if (g_slots[i].used < sl->used) {
                    sl = &g_slots[i];
                }
            }
        }
        if (sl->b != NULL) {
            drop(sl, &gone);
        }
        while (g_bytes + size > g_budget) {
            drop(&g_slots[g_oldest], &gone);
        }
        sl->b = b;
        sl->kind = k;
        sl->len = len;
        sl->size = size;
        sl->rev_off = (uint32_t)(kl + 1);
        sl->etag_off = (uint32_t)(kl + 1 + rl + 1);
        sl->body_off = (uint32_t)strings;
        sl->born = g_now();
        push_newest(sl);
        g_bytes += size;
        g_pages++;
        b = NULL;
    }
    pthread_mutex_unlock(&g_mu);
    free_chain(gone);
    free(b);
}

/* Empties every slot. Under g_mu; the blocks on *gone. */
static void drop_all(struct pc_block **gone)
{
    while (g_oldest != NIL) {
        drop(&g_slots[g_oldest], gone);
    }
}

void page_cache_clear(void)
{
    struct pc_block *gone = NULL;
    pthread_mutex_lock(&g_mu);
    drop_all(&gone);
    pthread_mutex_unlock(&g_mu);
    free_chain(gone);
}

void page_cache_stats(size_t *pages, size_t *bytes)
{
    pthread_mutex_lock(&g_mu);
    *pages = g_pages;
    *bytes = g_bytes;
    pthread_mutex_unlock(&g_mu);
}

void page_cache_configure(size_t budget, int64_t (*now_s)(void))
{
    struct pc_block *gone = NULL;
    pthread_mutex_lock(&g_mu);
    drop_all(&gone);
    g_budget = budget != 0 ? budget : PAGE_CACHE_BUDGET;
    g_now = now_s != NULL ? now_s : monotonic_s;
    pthread_mutex_unlock(&g_mu);
    free_chain(gone);
}
