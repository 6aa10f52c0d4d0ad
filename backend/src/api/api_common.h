/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_common.h — what every resource handler shares and no resource
 * owns: query parsing, keyset paging and its cursors, and the
 * authorisation preamble (standing → table decision → problem or refusal).
 * Handlers include this (never another resource's header) for these
 * helpers, so no api_<resource>.c needs another.
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

/* --- authorisation ------------------------------------------------------------- */
/*
 * The authorisation preamble of assembly-scoped handlers, written once:
 * load the caller's standing in the assembly (one row), ask core/validate/
 * authz's table, answer the decision's problem (outside a transaction) or
 * refuse (inside a body). Resources inside an assembly (proposals,
 * questions) add their own loader next to these and decide with their
 * author and state (authz_decide).
 */

struct db_standing; /* db/db_assembly.h */

/* The request's caller as a subject, with a membership row's text role /
 * status (NULL = none). */
struct authz_subject api_subject(const struct api_req *rq, const char *role, const char *status)
    PNYX_NONNULL(1);

/* The caller's standing (a db row) → the table's decision for action. */
enum authz_decision api_authz_decide(const struct api_req *rq, const struct db_standing *sd,
                                     enum authz_action action) PNYX_NONNULL(1, 2);

/* The problem a decision answers: 401, 404, 403, or 409 (wrong state). */
enum api_error api_authz_error(enum authz_decision d);
/* Writes that problem for a non-ALLOW decision. Returns 0. */
int api_authz_problem(struct api_reply *out, enum authz_decision d) PNYX_NONNULL(1);

/*
 * Read handlers (no transaction): loads the caller's standing in assembly
 * aid on rq->db into *sd and applies action. Returns 0 when allowed, -1
 * after writing the problem (refused, no such assembly, database down).
 */
int api_assembly_gate(struct api_req *rq, struct api_reply *out, int64_t aid,
                      enum authz_action action, struct db_standing *sd)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/*
 * Transaction bodies: the same on the body's connection c. Returns DB_OK
 * when allowed, DB_REFUSED with the reason in *r when not (404 also when
 * the assembly does not exist), or the database failure.
 */
enum db_status api_assembly_gate_txn(struct db_conn *c, struct api_req *rq, int64_t aid,
                                     enum authz_action action, struct db_standing *sd,
                                     struct api_refusal *r) PNYX_NONNULL(1, 2, 5, 6) PNYX_MUSTCHECK;

#endif /* PNYX_API_API_COMMON_H */
