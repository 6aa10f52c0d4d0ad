/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/prop_page.h — the proposal page (GET /api/v1/proposals/{pid}
 * ?comments=N) kept whole in memory: the reply's exact bytes and ETag,
 * per (proposal, version asked, reader's languages, N, viewer), under the
 * page key the proposal statement returns (db_proposal.h, P_PAGE_KEY). A
 * kept page is answered after one small statement that reads the key
 * again (db_proposal_page_key): equal keys, equal pages, whoever changed
 * the database (this pnyxd, another, plain SQL). See prop_page.c.
 */
#ifndef PNYX_API_PROP_PAGE_H
#define PNYX_API_PROP_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/arena.h"
#include "platform/compiler.h"

/* The part of a request a page depends on besides the database: which
 * page, in which languages, for whom. viewer 0: anonymous. prefs and langs
 * (borrowed): the reader's language preferences as the statements and the
 * comment page take them. */
struct prop_page_req {
    int64_t pid, version, viewer;
    uint64_t comments;
    const char *prefs, *langs;
};

/* The cache key of r into out (≥ PROP_PAGE_KEY_MAX bytes); false when it
 * does not fit (the page is then never kept). */
#define PROP_PAGE_KEY_MAX 256
bool prop_page_key(const struct prop_page_req *r, char out[PROP_PAGE_KEY_MAX]) PNYX_NONNULL(1, 2);

/* Whether a page is kept under key (of any revision): only then is the
 * revision worth a statement. */
bool prop_page_known(const char *key) PNYX_NONNULL(1);

/* The page kept under key at revision rev: a copy of its bytes in a new
 * arena buffer (*body, *len) and its ETag (arena), true; false when none
 * is kept at that revision (or it is too old). */
bool prop_page_get(struct arena *a, const char *key, const char *rev, char **body, size_t *len,
                   const char **etag) PNYX_NONNULL(1, 2, 3, 4, 5, 6);

/* Keeps a copy of body[0..len) with its ETag under (key, rev), replacing
 * what was kept under key; nothing when it does not fit the bounds. */
void prop_page_keep(const char *key, const char *rev, const char *body, size_t len,
                    const char *etag) PNYX_NONNULL(1, 2, 3, 5);

/* Drops every kept page (tests; a database restore under a running pnyxd). */
void prop_page_clear(void);

#endif /* PNYX_API_PROP_PAGE_H */
