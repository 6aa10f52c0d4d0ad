/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_authz.h — the authorisation preamble of assembly-scoped
 * handlers, written once: load the caller's standing in the assembly (one
 * row), ask core/validate/authz's table, answer the decision's problem
 * (outside a transaction) or refuse (inside a body). Resources inside an
 * assembly (proposals, questions) add their own loader next to these and
 * reuse api_authz_decide with their author and state.
 */
#ifndef PNYX_API_API_AUTHZ_H
#define PNYX_API_API_AUTHZ_H

#include <stdint.h>

#include "api/api.h"
#include "core/validate/authz.h"
#include "db/db_assembly.h"

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
                                     struct api_refusal *r) PNYX_NONNULL(1, 2, 5, 6)
    PNYX_MUSTCHECK;

#endif /* PNYX_API_API_AUTHZ_H */
