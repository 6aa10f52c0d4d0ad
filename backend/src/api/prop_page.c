/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/prop_page.c — whole proposal pages kept in memory (prop_page.h).
 *
 * Why: a kept comment page (api_comments.c) still left every page request
 * one wide statement (the proposal in the reader's language, its
 * translation, progress and standing: ~0.2 ms of PostgreSQL's CPU, two
 * thirds of a page's) and the proposal's encoding and hashing in pnyxd.
 * The page key names every row the page is built from by the transaction
 * that last wrote it (db_proposal.c, P_PAGE_KEY), so reading the key is a
 * few index probes, and a page kept under an equal key is byte for byte
 * what the statements would give now.
 *
 * Never stale: the key is read in the same statement (snapshot) as the
 * proposal part; the comment part is read no earlier (its own statement or
 * its own cache under comments_key, which the key covers through the
 * proposal row), so a kept page is never older than its key, and an equal
 * key later means nothing the page shows has changed since. Never another
 * reader's: the viewer is part of the cache key (and their standing,
 * languages and endorsement part of the page key), and a page with a
 * hidden comment (its text depends on the reader) is not kept.
 *
 * Why these bounds: 1,024 sets of 4 ways, least recently used way
 * replaced (4,096 pages; the bench reads 1,000 proposals); a page over
 * 512 KiB is not kept; at most 64 MiB of pages in all; a page kept longer
 * than PROP_PAGE_TTL_S is dropped at its next read (an xid is 32 bits:
 * this bounds how long a key can wait to be matched by a reused one to
 * minutes, where 2^32 transactions take days).
 */
#include "api/prop_page.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROP_PAGE_SETS      1024
#define PROP_PAGE_WAYS      4
#define PROP_PAGE_MAX_BYTES (512u * 1024u)
#define PROP_PAGE_BUDGET    (64u * 1024u * 1024u)
#define PROP_PAGE_TTL_S     300
#define PROP_PAGE_ETAG_MAX  80

struct prop_slot {
    char *key;  /* malloc'd; NULL: empty way */
    char *rev;  /* malloc'd page key */
    char *body; /* malloc'd */
    size_t len;
    char etag[PROP_PAGE_ETAG_MAX];
    uint64_t used; /* g_clock at the last hit or fill */
    time_t born;   /* CLOCK_MONOTONIC seconds at the fill */
};
static struct prop_slot g_slots[PROP_PAGE_SETS * PROP_PAGE_WAYS];
static uint64_t g_clock;
static size_t g_bytes;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static time_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

bool prop_page_key(const struct prop_page_req *r, char out[PROP_PAGE_KEY_MAX])
{
    int n = snprintf(out, PROP_PAGE_KEY_MAX, "%lld/%lld/%lld/%llu/%s/%s", (long long)r->pid,
                     (long long)r->version, (long long)r->viewer, (unsigned long long)r->comments,
                     r->prefs != NULL ? r->prefs : "", r->langs != NULL ? r->langs : "");
    return n > 0 && n < PROP_PAGE_KEY_MAX;
}

/* FNV-1a: the set of a key. */
static struct prop_slot *set_of(const char *key)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h = (h ^ *p) * 0x100000001b3u;
    }
    return &g_slots[(size_t)(h >> 32) % PROP_PAGE_SETS * PROP_PAGE_WAYS];
}

/* The way of set holding key, or NULL. Under g_mu. */
static struct prop_slot *find(struct prop_slot *set, const char *key)
{
    for (size_t i = 0; i < PROP_PAGE_WAYS; i++) {
        if (set[i].key != NULL && strcmp(set[i].key, key) == 0) {
            return &set[i];
        }
    }
    return NULL;
}

/* Empties a way; returns what to free after unlocking (three pointers). Under g_mu. */
static void empty(struct prop_slot *sl, char *gone[3])
{
    gone[0] = sl->key;
    gone[1] = sl->rev;
    gone[2] = sl->body;
    if (sl->key != NULL) {
        g_bytes -= sl->len;
    }
    sl->key = sl->rev = sl->body = NULL;
    sl->len = 0;
}

static void free3(char *gone[3])
{
    for (int i = 0; i < 3; i++) {
        free(gone[i]);
    }
}

bool prop_page_known(const char *key)
{
    pthread_mutex_lock(&g_mu);
    bool known = find(set_of(key), key) != NULL;
    pthread_mutex_unlock(&g_mu);
    return known;
}

bool prop_page_get(struct arena *a, const char *key, const char *rev, char **body, size_t *len,
                   const char **etag)
{
    struct prop_slot *set = set_of(key);
    char *gone[3] = {NULL, NULL, NULL};
    bool hit = false;
    time_t now = now_s();
    pthread_mutex_lock(&g_mu);
    struct prop_slot *sl = find(set, key);
    if (sl != NULL && now - sl->born > PROP_PAGE_TTL_S) {
        empty(sl, gone);
    } else if (sl != NULL && strcmp(sl->rev, rev) == 0) {
        sl->used = ++g_clock;
        *body = arena_alloc(a, sl->len + 1);
        memcpy(*body, sl->body, sl->len);
        (*body)[sl->len] = '\0';
        *len = sl->len;
        *etag = arena_strdup(a, sl->etag);
        hit = true;
    }
    pthread_mutex_unlock(&g_mu);
    free3(gone);
    return hit;
}

void prop_page_keep(const char *key, const char *rev, const char *body, size_t len,
                    const char *etag)
{
    if (len > PROP_PAGE_MAX_BYTES || strlen(etag) >= PROP_PAGE_ETAG_MAX) {
        return;
    }
    char *k = strdup(key), *r = strdup(rev), *b = malloc(len > 0 ? len : 1);
    char *gone[3] = {NULL, NULL, NULL};
    if (k == NULL || r == NULL || b == NULL) {
        free(k);
        free(r);
        free(b);
        return;
    }
    memcpy(b, body, len);
    struct prop_slot *set = set_of(key);
    pthread_mutex_lock(&g_mu);
    struct prop_slot *sl = find(set, key);
    for (size_t i = 0; sl == NULL && i < PROP_PAGE_WAYS; i++) {
        if (set[i].key == NULL) {
            sl = &set[i];
        }
    }
    if (sl == NULL) {
        sl = &set[0];
        for (size_t i = 1; i < PROP_PAGE_WAYS; i++) {
            if (set[i].used < sl->used) {
                sl = &set[i];
            }
        }
    }
    empty(sl, gone);
    if (g_bytes + len <= PROP_PAGE_BUDGET) {
        sl->key = k;
        sl->rev = r;
        sl->body = b;
        sl->len = len;
        memcpy(sl->etag, etag, strlen(etag) + 1);
        sl->used = ++g_clock;
        sl->born = now_s();
        g_bytes += len;
        k = r = b = NULL;
    }
    pthread_mutex_unlock(&g_mu);
    free3(gone);
    free(k);
    free(r);
    free(b);
}

void prop_page_clear(void)
{
    pthread_mutex_lock(&g_mu);
    for (size_t i = 0; i < PROP_PAGE_SETS * PROP_PAGE_WAYS; i++) {
        char *gone[3];
        empty(&g_slots[i], gone);
        free3(gone);
    }
    pthread_mutex_unlock(&g_mu);
}
