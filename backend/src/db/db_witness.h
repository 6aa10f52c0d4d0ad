/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_witness.h — witness submissions and cosignatures (tables in
 * sql/012_witness_cosignatures.sql). SQL only: the worker that talks to
 * the witnesses is api/witness_queue.c. Strings are arena-owned.
 */
#ifndef PNYX_DB_DB_WITNESS_H
#define PNYX_DB_DB_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* One claimed submission: the witness last cosigned `size` of this log;
 * the caller submits the log's current checkpoint. */
struct db_witness_job {
    int64_t assembly_id;
    const char *witness;
    int64_t size;
    int attempts;
};

/* Creates the missing (log, witness) rows for every non-empty log, then
 * claims one due row whose log grew past the witness's size (SKIP LOCKED;
 * the claim sets run_after = now() + lease_s). DB_NOT_FOUND when idle.
 * witnesses_array: a text[] literal of witness names (see db_text_array). */
enum db_status db_witness_claim(struct db_conn *c, struct arena *a, const char *witnesses_array,
                                int lease_s, struct db_witness_job *out)
    PNYX_NONNULL(1, 2, 3, 5) PNYX_MUSTCHECK;

/* The witness cosigned `size`: store its line (first one wins) and mark
 * the row done (attempts 0, due at once so a grown log is submitted). */
enum db_status db_witness_cosigned(struct db_conn *c, struct arena *a, int64_t aid,
                                   const char *witness, int64_t size, const char *line)
    PNYX_NONNULL(1, 2, 4, 6) PNYX_MUSTCHECK;

/* The witness says its latest cosigned size is `size` (409): resubmit
 * from there at once. */
enum db_status db_witness_resync(struct db_conn *c, struct arena *a, int64_t aid,
                                 const char *witness, int64_t size)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* A failed attempt: attempts + 1, due again in delay_s, why kept. */
enum db_status db_witness_failed(struct db_conn *c, struct arena *a, int64_t aid,
                                 const char *witness, int delay_s, const char *why)
    PNYX_NONNULL(1, 2, 4, 6) PNYX_MUSTCHECK;

/* The cosignature lines of one checkpoint, concatenated in witness order
 * ("" when none). */
enum db_status db_witness_lines(struct db_conn *c, struct arena *a, int64_t aid, int64_t size,
                                const char **lines) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* The cached checkpoints of a log with after < size <= max_size, ascending,
 * at most limit, each with its cosignature lines appended (a complete note). */
struct db_witness_checkpoint {
    int64_t size;
    const char *note;
};
enum db_status db_witness_checkpoints(struct db_conn *c, struct arena *a, int64_t aid,
                                      int64_t after, int64_t max_size, int limit,
                                      struct db_witness_checkpoint **items, int *n)
    PNYX_NONNULL(1, 2, 7, 8) PNYX_MUSTCHECK;

/* ---- k of n before a tally (sql/013_witness_quorum.sql) ---- */

/* Each witness's newest cosignature of log aid: the size, its line and the
 * log's signed note of that size (NULL when the note is not cached), by
 * witness name; only witnesses named in witnesses_array (a text[] literal). */
struct db_witness_latest {
    const char *witness;
    int64_t size;
    const char *line;
    const char *note;
};
enum db_status db_witness_latest(struct db_conn *c, struct arena *a, int64_t aid,
                                 const char *witnesses_array, struct db_witness_latest **items,
                                 int *n) PNYX_NONNULL(1, 2, 4, 5, 6) PNYX_MUSTCHECK;

/* The assembly's witness_quorum (k). DB_NOT_FOUND when there is no such
 * assembly. */
enum db_status db_witness_quorum(struct db_conn *c, struct arena *a, int64_t aid, int *k)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* Sets the assembly's witness_quorum (the caller checked 0 <= k <= n). */
enum db_status db_witness_quorum_set(struct db_conn *c, struct arena *a, int64_t aid, int k)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* What the tally of closed question qid waits for: its assembly, the log
 * size right after question.closed (-1 when not recorded) and k.
 * DB_NOT_FOUND when the question is not closed. */
enum db_status db_witness_tally_gate(struct db_conn *c, struct arena *a, int64_t qid, int64_t *aid,
                                     int64_t *closed_size, int *k)
    PNYX_NONNULL(1, 2, 4, 5, 6) PNYX_MUSTCHECK;

/* Closed question qid waits for cosignatures: the scheduler tries it again
 * after delay_s (questions.tally_after). */
enum db_status db_witness_tally_later(struct db_conn *c, struct arena *a, int64_t qid, int delay_s)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_WITNESS_H */
