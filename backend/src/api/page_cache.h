/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/page_cache.h — reply pages kept in memory: the exact bytes of a
 * page and its ETag under a key (which page, for whom) and a revision
 * (what the database held when it was built). Two kinds share it, one
 * table, one budget and one lock:
 *
 *   PAGE_PROPOSAL  the whole proposal page (api_proposals.c: GET
 *                  /api/v1/proposals/{pid}?comments=N) under its page key
 *                  (db_proposal.h, P_PAGE_KEY);
 *   PAGE_COMMENTS  a first comment page (api_comments.c) under the
 *                  thread's comments_key (sql/011).
 *
 * A page is served only under an equal revision: the caller reads the
 * revision from the database with each request, so a kept page is never
 * stale, whoever changed the database. What the key must hold so that a
 * page is never another reader's, and which pages may not be kept at all
 * (one with a hidden comment), is the caller's: see api_comments.c and
 * api_proposals.c. Why the bounds and the one TTL: page_cache.c.
 */
#ifndef PNYX_API_PAGE_CACHE_H
#define PNYX_API_PAGE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/arena.h"
#include "platform/compiler.h"

enum page_kind { PAGE_PROPOSAL, PAGE_COMMENTS };

/* A key is shorter than PAGE_CACHE_KEY_MAX bytes, an ETag shorter than
 * PAGE_CACHE_ETAG_MAX; a page over its kind's bound is never kept. */
#define PAGE_CACHE_KEY_MAX      256
#define PAGE_CACHE_ETAG_MAX     80
#define PAGE_CACHE_MAX_PROPOSAL (512u * 1024u)
#define PAGE_CACHE_MAX_COMMENTS (256u * 1024u)
#define PAGE_CACHE_BUDGET       (64u * 1024u * 1024u)
#define PAGE_CACHE_TTL_S        300
#define PAGE_CACHE_SETS         4096
#define PAGE_CACHE_WAYS         4
#define PAGE_CACHE_ENTRY_EXTRA  (sizeof(void *)) /* charged per page besides its strings */

/* The reader's languages as a key's part: the subtags joined by ',' into
 * out (cap bytes); false when they do not fit (the page is then not kept). */
bool page_cache_langs(const char *const *langs, int n, char *out, size_t cap) PNYX_NONNULL(3);

/* Whether a page of kind k is kept under key (at any revision, not yet
 * too old): only then is reading the revision worth a statement. */
bool page_cache_known(enum page_kind k, const char *key) PNYX_NONNULL(2);

/* The page of kind k kept under key at revision rev: copied to *buf + off
 * of a new arena buffer of off + *len + extra bytes (the caller writes the
 * off bytes before it and the extra after it) with its ETag in etag, true;
 * false when none is kept at that revision (a page too old is dropped). */
bool page_cache_get(struct arena *a, enum page_kind k, const char *key, const char *rev, size_t off,
                    size_t extra, char **buf, size_t *len, char etag[PAGE_CACHE_ETAG_MAX])
    PNYX_NONNULL(1, 3, 4, 7, 8, 9);

/* Keeps a copy of body[0..len) with its ETag under (k, key, rev),
 * replacing what was kept under (k, key); nothing when it is over the
 * bounds. Makes room in the budget by dropping the least recently used
 * pages of either kind. */
void page_cache_keep(enum page_kind k, const char *key, const char *rev, const char *body,
                     size_t len, const char *etag) PNYX_NONNULL(2, 3, 4, 6);

/* Drops every kept page (tests; a database restore under a running pnyxd). */
void page_cache_clear(void);

/* Tests: pages kept and bytes charged to the budget (strings and
 * PAGE_CACHE_ENTRY_EXTRA included). */
void page_cache_stats(size_t *pages, size_t *bytes) PNYX_NONNULL(1, 2);
/* Tests: the set a key lives in (to find keys that share one). */
size_t page_cache_set_of(enum page_kind k, const char *key) PNYX_NONNULL(2);
/* Tests: the budget (0: PAGE_CACHE_BUDGET) and the clock in seconds
 * (NULL: CLOCK_MONOTONIC); drops every kept page. */
void page_cache_configure(size_t budget, int64_t (*now_s)(void));

#endif /* PNYX_API_PAGE_CACHE_H */
