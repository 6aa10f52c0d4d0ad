/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_result.h — SQL of a question's count, result and exports (issue
 * 11; tables in sql/010_questions.sql). api/api_results.c drives it.
 * The board is read as published: sealed rows (board_index set), countries
 * folded. Hashes are raw 32-byte arrays, strings arena-owned.
 */
#ifndef PNYX_DB_DB_RESULT_H
#define PNYX_DB_DB_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_RQ_MAX_OPTIONS 100

/* A question as its count and its exports need it. */
struct db_rq_question {
    int64_t id, assembly_id;
    bool assembly_public;
    const char *state; /* "draft" … "tallied" */
    const char *title;
    const char *method; /* "irv" | "stv" | "schulze" */
    int seats;
    int max_rankings;        /* -1 = null */
    const char *min_turnout; /* canonical decimal text */
    int min_countries;
    const char *country_cap; /* "" = null */
    const char *dm_share;    /* "" = null */
    bool adopts_proposals;
    int64_t roll_size;    /* 0 before opening */
    int64_t ballot_count; /* 0 before closing */
    bool has_board_root;
    uint8_t board_root[32];
    int64_t closed_log_size; /* -1 = null */
    int64_t seed;            /* once tallied (0 before) */
    int n_options;
    char ids[DB_RQ_MAX_OPTIONS][3];
    const char *labels[DB_RQ_MAX_OPTIONS];
    bool excluded[DB_RQ_MAX_OPTIONS];
    int64_t proposal_ids[DB_RQ_MAX_OPTIONS]; /* 0 = none */
};

/* Loads question qid with its options (two statements); for_update locks
 * the question row (inside a transaction). DB_NOT_FOUND if none. */
enum db_status db_rq_load(struct db_conn *c, struct arena *a, int64_t qid, bool for_update,
                          struct db_rq_question *q) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* The tally's claim: UPDATE state closed → tallied (tallied_at = now()).
 * *claimed = false when the question was not closed (already tallied by
 * someone else, or not closed yet): nothing to do. */
enum db_status db_rq_claim(struct db_conn *c, struct arena *a, int64_t qid, bool *claimed)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* One group of the board: n ballots with this ranking (stored bytes) and
 * folded country. */
struct db_rq_group {
    const uint8_t *ranking;
    size_t len;
    char country[3];
    uint64_t count;
};
/* The board grouped by (ranking, country), in that order (GROUP BY in SQL). */
enum db_status db_rq_groups(struct db_conn *c, struct arena *a, int64_t qid,
                            struct db_rq_group **out, int *n)
    PNYX_NONNULL(1, 2, 4, 5) PNYX_MUSTCHECK;

/* The roll: voters (voted) and distinct countries among them. */
enum db_status db_rq_roll_stats(struct db_conn *c, struct arena *a, int64_t qid, int64_t *voters,
                                int64_t *countries) PNYX_NONNULL(1, 2, 4, 5) PNYX_MUSTCHECK;

/* The log size right after question qid's question.closed entry (its seq),
 * for a question whose closed_log_size was not recorded. DB_NOT_FOUND if
 * no such entry. */
enum db_status db_rq_closed_seq(struct db_conn *c, struct arena *a, int64_t aid, int64_t qid,
                                int64_t *seq) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Stores the result (status, exact bytes, their SHA-256) and the seed. */
enum db_status db_rq_store(struct db_conn *c, struct arena *a, int64_t qid, int64_t seed,
                           const char *status, const char *result, size_t len,
                           const uint8_t hash[32]) PNYX_NONNULL(1, 2, 5, 6, 8) PNYX_MUSTCHECK;

/* adopts_proposals: proposals adopt[0..na) become adopted and reject[0..nr)
 * rejected, each only from deliberation or ballot. *changed (arena) lists
 * the proposals that changed with their new status, for their entries. */
struct db_rq_decided {
    int64_t id;
    bool adopted;
};
enum db_status db_rq_decide(struct db_conn *c, struct arena *a, const int64_t *adopt, int na,
                            const int64_t *reject, int nr, struct db_rq_decided **changed, int *n)
    PNYX_NONNULL(1, 2, 7, 8) PNYX_MUSTCHECK;

/* What GET …/result needs in one round trip: the question's state and
 * assembly, the assembly's visibility, the viewer's membership (viewer 0 =
 * anonymous), the stored result and its hash. DB_NOT_FOUND if no question. */
struct db_rq_view {
    int64_t assembly_id;
    bool is_public;
    const char *role, *status; /* NULL: no membership row */
    const char *state;
    const char *result; /* NULL until tallied */
    size_t result_len;
    uint8_t hash[32];
};
enum db_status db_rq_view(struct db_conn *c, struct arena *a, int64_t qid, int64_t viewer,
                          struct db_rq_view *out) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* The board in board order: rows with board_index > after, at most limit. */
struct db_rq_row {
    int64_t index;
    char receipt[65]; /* hex */
    const uint8_t *ranking;
    size_t len;
    char country[3];
};
enum db_status db_rq_board_page(struct db_conn *c, struct arena *a, int64_t qid, int64_t after,
                                int limit, struct db_rq_row **out, int *n)
    PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

/* The board's distinct (folded) countries, sorted. */
enum db_status db_rq_countries(struct db_conn *c, struct arena *a, int64_t qid, char (**out)[3],
                               int *n) PNYX_NONNULL(1, 2, 4, 5) PNYX_MUSTCHECK;

/*
 * Grouped export through a cursor that outlives its transaction (WITH HOLD:
 * PostgreSQL materialises the GROUP BY once, spilling to disk past
 * work_mem) on this connection: open, then fetch pages of groups in
 * (ranking, country) order, then close. name: unique on the connection
 * (the caller's). by_country = false groups by ranking only (BLT).
 */
enum db_status db_rq_cursor_open(struct db_conn *c, struct arena *a, const char *name, int64_t qid,
                                 bool by_country) PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;
enum db_status db_rq_cursor_fetch(struct db_conn *c, struct arena *a, const char *name, int limit,
                                  struct db_rq_group **out, int *n)
    PNYX_NONNULL(1, 2, 3, 5, 6) PNYX_MUSTCHECK;
/* Best effort (a failure leaves the cursor to its connection's end). */
enum db_status db_rq_cursor_close(struct db_conn *c, struct arena *a, const char *name)
    PNYX_NONNULL(1, 2, 3);

#endif /* PNYX_DB_DB_RESULT_H */
