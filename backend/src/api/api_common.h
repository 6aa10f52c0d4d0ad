/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_common.h — what every resource handler shares and no resource
 * owns: query parsing, keyset paging and its cursors, and the
 * authorisation subject and problems. Handlers include this (never another
 * resource's header) for these helpers, so no api_<resource>.c needs
 * another. Depends on api.h and core/validate/authz.h only.
 */
#ifndef PNYX_API_API_COMMON_H
#define PNYX_API_API_COMMON_H

#include <stdint.h>

#include "api/api.h"
#include "core/validate/authz.h"

/* Largest page (DESIGN.md: limit ≤ 200) and the default. */
#define API_PAGE_MAX     200
#define API_PAGE_DEFAULT 50

/* --- query parameters --------------------------------------------------------- */

/* Parses ?name= as a decimal uint64 ≤ INT64_MAX (no sign, no leading
 * zeros). Returns 1 when present and valid (*v set), 0 when absent (*v
 * untouched), -1 when malformed. */
int api_query_u64(const struct api_req *rq, const char *name, uint64_t *v) PNYX_NONNULL(1, 2, 3);

/* --- paging ----------------------------------------------------------------------- */

/* Parses ?after= (a cursor: decimal ≥ 0, default 0) and ?limit= (1..200,
 * default 50). Returns 0, or -1 after writing a 400 problem. */
int api_page_params(const struct api_req *rq, struct api_reply *out, int64_t *after, int *limit)
    PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/* The "next" cursor of a page of n items out of limit whose last key is
 * last: a new JSON string when the page is full (there may be more), JSON
 * null otherwise. */
json_t *api_page_next(int n, int limit, int64_t last);

/* Replies 200 {items, next, ...extra}: items (stolen) is the page,
 * next = api_page_next(n, limit, last); extra (stolen, may be NULL) is an
 * object whose members are added. Returns 0. */
int api_page_reply(struct api_reply *out, json_t *items, int n, int limit, int64_t last,
                   json_t *extra) PNYX_NONNULL(1);

/* --- authorisation --------------------------------------------------------------- */

/* Builds the authz subject from the request's session and the text role /
 * status of a membership row (NULL = none). */
struct authz_subject api_subject(const struct api_req *rq, const char *role, const char *status)
    PNYX_NONNULL(1);

/* Writes the problem for a non-ALLOW decision (401/403/404). Returns 0. */
int api_authz_problem(struct api_reply *out, enum authz_decision d) PNYX_NONNULL(1);

#endif /* PNYX_API_API_COMMON_H */
