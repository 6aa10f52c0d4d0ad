/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_ballot.h — SQL of ballots (issue 11, sql/010_questions.sql): the
 * cast (one statement: roll mark + one random free slot filled + the
 * idempotency row + the roll-call vote), the sealed idempotency replies,
 * and the sealed board read in board order (board_cache.c keeps it).
 *
 * Byte values (receipt, ranking, lookup, sealed) travel as raw bytes here;
 * the ranking is the stored format of core/ballot (one byte per rank,
 * padded with 0xFF to the question's option count).
 */
#ifndef PNYX_DB_DB_BALLOT_H
#define PNYX_DB_DB_BALLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/db_assembly.h"

#define DB_BALLOT_MAX_OPTIONS 100
#define DB_BALLOT_HASH        32

/* What casting and reading ballots need of a question; every field but
 * state and the standing is frozen once the question is open. */
struct db_ballot_question {
    int64_t id, assembly_id;
    char state[8]; /* "draft" | "open" | "closed" | "tallied" */
    bool secret;
    int max_rankings; /* -1 = no limit */
    int64_t closes_at_us;
    int n_options;
    bool excluded[DB_BALLOT_MAX_OPTIONS];
    int ballot_count; /* -1 before close */
    uint8_t board_root[DB_BALLOT_HASH];
    bool has_root;
    int64_t closed_log_size; /* 0 before close */
    struct db_standing sd;   /* the viewer's standing in the assembly (strings in a) */
};

/* Question qid with viewer's standing (viewer 0 = anonymous); one row.
 * DB_NOT_FOUND when there is no such question. */
enum db_status db_ballot_question(struct db_conn *c, struct arena *a, int64_t qid, int64_t viewer,
                                  struct db_ballot_question *q)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

struct db_cast_in {
    int64_t qid, account_id;
    const uint8_t *receipt; /* 32 bytes */
    const uint8_t *ranking; /* n_ranking bytes (the stored, padded format) */
    size_t n_ranking;
    int64_t slot_from;     /* random start of the free-slot search */
    int64_t new_slot;      /* random: the filled slot's new key (see db_ballot.c) */
    const uint8_t *lookup; /* 32 bytes, or NULL without an Idempotency-Key */
    const uint8_t *sealed; /* the sealed reply (with lookup) */
    size_t n_sealed;
    int64_t session_id; /* > 0: the caller's session, not yet checked (api/auth.h
                           unverified): the cast writes only if it still exists
                           for account_id; 0: already checked */
};

struct db_cast_out {
    char state[8];         /* the question's state (snapshot) */
    bool open_now;         /* open and before closes_at, locked FOR SHARE */
    bool on_roll;          /* the caller has a roll row */
    bool cast;             /* the roll row was marked and a slot filled */
    bool slot_missing;     /* marked but no free slot: the opening was incomplete */
    struct db_standing sd; /* the caller's standing */
    bool session_ok;       /* session_id was 0 or its row exists (else nothing written) */
};

/*
 * The cast, one statement inside the caller's transaction: locks the
 * question FOR SHARE only while open and before closes_at (the close's
 * UPDATE waits for it, and a late cast locks nothing), marks the caller's
 * roll row (… AND NOT voted), fills one free slot — the first free key ≥
 * slot_from, wrapping to the first — with SKIP LOCKED, inserts the
 * idempotency row and, for a roll-call question, the roll-call vote. Writes
 * nothing unless all of it happens. DB_NOT_FOUND: no such question.
 */
enum db_status db_ballot_cast(struct db_conn *c, struct arena *a, const struct db_cast_in *in,
                              struct db_cast_out *out) PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/*
 * The casts of a group-committed batch on ONE question (in[i]->qid all
 * equal), as ONE statement inside the caller's transaction: what
 * db_ballot_cast does for each, decided as if they ran one after another
 * in index order (a second cast by the same account in the batch is
 * "already voted"). The accepted casts fill free slots starting at
 * in[0]->slot_from (wrapping, SKIP LOCKED). out[i] as db_ballot_cast's.
 * Writes for item i only what db_ballot_cast would; out[i]->slot_missing
 * set means the caller must roll back (an item was marked without a
 * slot). DB_NOT_FOUND: no such question. n <= DB_GROUP_MAX_BATCH.
 */
enum db_status db_ballot_cast_many(struct db_conn *c, struct arena *a,
                                   const struct db_cast_in *const *in,
                                   struct db_cast_out *const *out, size_t n)
    PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/* The sealed reply stored under (qid, lookup): DB_OK with sealed and n set (in a),
 * or DB_NOT_FOUND. */
enum db_status db_ballot_idem_get(struct db_conn *c, struct arena *a, int64_t qid,
                                  const uint8_t lookup[DB_BALLOT_HASH], const uint8_t **sealed,
                                  size_t *n) PNYX_NONNULL(1, 2, 4, 5, 6) PNYX_MUSTCHECK;

/* One board entry (ranking in the stored format, n_ranking bytes). */
struct db_board_entry {
    int64_t index;
    uint8_t receipt[DB_BALLOT_HASH];
    const uint8_t *ranking;
    size_t n_ranking;
    char country[3];
};

/* Entries with board_index in [from, from + limit), in board order. */
enum db_status db_ballot_board_page(struct db_conn *c, struct arena *a, int64_t qid, int64_t from,
                                    int limit, struct db_board_entry **items, int *n)
    PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_BALLOT_H */
