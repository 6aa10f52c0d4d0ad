/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/selection_int.h — what api_selections.c (the protocol) and
 * api_selection_runs.c (optimiser runs and their worker) share. Not for
 * other resources.
 */
#ifndef PNYX_API_SELECTION_INT_H
#define PNYX_API_SELECTION_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_common.h"
#include "db/db_selection.h"

/* Rules version recorded at commit: the engine's methods, the lottery
 * rounding, the draw formats of api-spec/draw.md. */
#define SEL_RULES_VERSION "pnyx-sortition/1"
/* The randomness rule's name (api-spec/draw.md, "Seed"). */
#define SEL_SEED_RULE "pnyx-draw-seed/1"

/* A selection and one of its rounds, with their JSON columns parsed
 * (json values live as long as the arena). */
struct sel_view {
    struct db_selection sel;
    struct db_round rd;
    json_t *cats;     /* array of category names */
    json_t *quotas;   /* array of {category, feature, min, max} */
    json_t *eligible; /* array of pool indices, NULL = the whole pool */
};

/* Parses JSON text into a value released with the arena; NULL on NULL or
 * malformed text. */
json_t *sel_json(struct arena *a, const char *text) PNYX_NONNULL(1);

/* Loads selection sid (lock: FOR UPDATE) and its round (-1 = the
 * current one). DB_NOT_FOUND when either is missing. */
enum db_status sel_load(struct db_conn *c, struct arena *a, int64_t sid, enum db_sel_lock lock,
                        int round, struct sel_view *v) PNYX_NONNULL(1, 2, 6) PNYX_MUSTCHECK;

/* The pool indices taking part in v's round, in pool order (n of them),
 * from a pool of npool. */
int *sel_eligible(struct arena *a, const struct sel_view *v, int npool, int *n)
    PNYX_NONNULL(1, 2, 4);

/*
 * The inputs of an optimiser run for v's round (its eligible respondents'
 * values and households, quotas, k, m, method): a new JSON object and the
 * hex SHA-256 of its RFC 8785 form (what publishing compares with the
 * committed round). Returns NULL on allocation failure.
 */
json_t *sel_inputs(struct arena *a, const struct sel_view *v, const char *method,
                   const struct db_respondent *pool, int npool, char sha_hex[65])
    PNYX_NONNULL(1, 2, 3, 6);

/* The engine's problem (core/sortition/sortition.h; free with
 * sortition_problem_free) from a run's inputs as sel_inputs makes them.
 * NULL with *why when a value has no quota row or memory ran out. */
struct sortition_problem *sel_problem_of(json_t *inputs, const char **why) PNYX_NONNULL(2);

/* SHA-256 of the RFC 8785 form of j, as hex. 0, or -1. */
int sel_json_sha256_hex(json_t *j, char out[65]) PNYX_NONNULL(1, 2);

/* Gate of a selection route inside a body: loads the selection (locked
 * when lock) and its current round into *v, then the assembly gate for
 * action. DB_REFUSED with the reason in *r (404 for an unknown
 * selection). */
enum db_status sel_gate_txn(struct db_conn *c, struct api_req *rq, int64_t sid,
                            enum db_sel_lock lock, enum authz_action action, struct sel_view *v,
                            struct api_refusal *r) PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

/* The same for read routes on rq->db: 0, or -1 after writing the problem. */
int sel_gate(struct api_req *rq, struct api_reply *out, int64_t sid, int round,
             enum authz_action action, struct sel_view *v) PNYX_NONNULL(1, 2, 6) PNYX_MUSTCHECK;

/* --- small shared helpers (api_selections.c) ------------------------------ */

/* Lower-case hex of b[0..n) in the arena. */
const char *sel_hex(struct arena *a, const uint8_t *b, size_t n) PNYX_NONNULL(1, 2);
/* 64 hex digits → 32 bytes. */
bool sel_unhex32(const char *s, uint8_t out[32]) PNYX_NONNULL(2);
/* Unix seconds → RFC 3339 UTC text in the arena. */
const char *sel_utc(struct arena *a, int64_t t) PNYX_NONNULL(1);
/* An id as a decimal string (ids in audit entries are strings). */
const char *sel_id_str(struct arena *a, int64_t id) PNYX_NONNULL(1);
bool sel_status_is(const struct sel_view *v, const char *s) PNYX_NONNULL(1, 2);

/* A refusal, and for a step the round's state does not allow, the states
 * it is allowed in (params.allowed of the 409). */
struct sel_refusal {
    struct api_refusal r;
    const char *const *allowed;
};
void sel_refusal_clear(struct sel_refusal *r) PNYX_NONNULL(1);
enum db_status sel_refuse_state(struct sel_refusal *r, const char *const *allowed,
                                const char *detail) PNYX_NONNULL(1, 2);
/* api_txn_problem plus params.allowed. Returns 0. */
int sel_reply_problem(struct api_reply *out, enum db_status st, const struct sel_refusal *r)
    PNYX_NONNULL(1, 3);
extern const char *const sel_only_draft[];
extern const char *const sel_only_committed[];
extern const char *const sel_committed_published[];
extern const char *const sel_only_published[];
extern const char *const sel_only_drawn[];

/* The Selection JSON of v with its round (pool counts read on c); viewer
 * (0 = anonymous) sees their own randomness commitment. */
json_t *sel_selection_json(struct db_conn *c, struct arena *a, const struct sel_view *v,
                           int64_t viewer) PNYX_NONNULL(1, 2, 3);

#endif /* PNYX_API_SELECTION_INT_H */
