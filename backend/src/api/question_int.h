/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/question_int.h — what the question handlers share (issue 11):
 * api_questions.c (questions, their lifecycle and scheduler, the roll),
 * api_ballots.c (casting, the board, receipts) and api_results.c (the
 * tally, results, exports). Not a public header: only these include it.
 */
#ifndef PNYX_API_QUESTION_INT_H
#define PNYX_API_QUESTION_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/domain.h"
#include "db/db.h"
#include "platform/arena.h"
#include "platform/compiler.h"

/* Most options of one question (issue 11: 2..100). */
#define QUESTION_MAX_OPTIONS 100
/* Option ids: "A".."Z", then "AA".."DV" (spreadsheet columns), by position. */
#define QUESTION_OPTION_ID_MAX 3 /* with the NUL */
/* Countries with fewer ballots than this are "ZZ" on the board. */
#define QUESTION_COUNTRY_K 10

/* One question as the handlers need it (db_question_load, api_questions.c). */
struct question_row {
    int64_t id, assembly_id, author_id;
    bool assembly_public; /* the assembly's visibility = public */
    enum question_state state;
    char method[8]; /* "irv" | "stv" | "schulze" */
    int seats;
    bool secret;                 /* secrecy = secret (else roll_call) */
    int max_rankings;            /* -1 = null (up to the option count) */
    char quorum_min_turnout[48]; /* canonical decimal text, "0" = none */
    int quorum_min_countries;
    char country_cap[48];          /* "" = null */
    char dm_min_country_share[48]; /* "" = null (no double majority) */
    bool adopts_proposals;
    int64_t closes_at_us; /* µs since the epoch (UTC) */
    int n_options;
    char option_ids[QUESTION_MAX_OPTIONS][QUESTION_OPTION_ID_MAX];
    bool excluded[QUESTION_MAX_OPTIONS];
    int64_t proposal_ids[QUESTION_MAX_OPTIONS]; /* 0 = none */
    int roll_size;                              /* from opening; 0 before */
    int ballot_count;                           /* from closing; 0 before */
    uint8_t board_root[32];
    int64_t closed_log_size; /* audit-log size right after question.closed; 0 before */
};

/* Loads question qid (one statement: the row, its options, the assembly's
 * visibility); for_update locks the question row (FOR UPDATE) inside a
 * transaction. DB_NOT_FOUND when there is none. (api_questions.c) */
enum db_status question_load(struct db_conn *c, int64_t qid, bool for_update,
                             struct question_row *q) PNYX_NONNULL(1, 4) PNYX_MUSTCHECK;

/* Tallies closed question qid in its own transaction, exactly once: a
 * conditional UPDATE state closed → tallied guards it, so a second call
 * (another pnyxd, the scheduler after a crash) does nothing and returns
 * DB_OK. Computes the seed from the log root at closed_log_size, counts
 * the board, stores the result, appends tally.published and, with
 * adopts_proposals, adopts and rejects the linked proposals with their
 * entries. Must not be called inside a transaction. (api_results.c) */
enum db_status question_tally(struct db_conn *c, int64_t qid) PNYX_NONNULL(1) PNYX_MUSTCHECK;

#endif /* PNYX_API_QUESTION_INT_H */
