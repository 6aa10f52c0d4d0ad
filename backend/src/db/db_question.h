/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_question.h — questions, options, texts, the roll, the ballot
 * slots at opening and the seal at closing (issue 11; sql/010_questions.sql).
 * Conventions as in db_proposal.h: one statement per function, composed
 * by api/api_questions.c inside db_run_txn* bodies (which own the
 * authorisation decision); results copied into the arena; times RFC 3339
 * UTC text; hashes as lowercase hex text in and out; ids int64 > 0.
 */
#ifndef PNYX_DB_DB_QUESTION_H
#define PNYX_DB_DB_QUESTION_H

#include <stdbool.h>
#include <stdint.h>

#include "core/question/question.h"
#include "db/db.h"
#include "db/db_assembly.h"

/* The columns the handlers decide with (question_load, api_questions.c). */
struct db_question_head {
    int64_t id, assembly_id, author_id;
    bool assembly_public;
    const char *state, *method, *secrecy, *language, *title, *description;
    int64_t seats, max_rankings /* -1 = null */, min_countries, version;
    const char *min_turnout, *country_cap /* NULL */, *dm_share /* NULL */;
    bool adopts_proposals;
    int64_t opens_at_s /* 0 = null */, closes_at_us;
    int64_t roll_size, ballot_count, closed_log_size; /* 0 when null */
    const char *board_root;                           /* hex, NULL before close */
    const char *option_ids;                           /* "A,B,C" in position order */
    const char *excluded;                             /* "ftf" */
    const char *proposal_ids;                         /* "0,12,0" */
    const char *labels_json;                          /* ["label A","label B"] text */
};

/* Loads question qid (FOR UPDATE OF the question row when for_update).
 * DB_NOT_FOUND when there is none. */
enum db_status db_question_head(struct db_conn *c, struct arena *a, int64_t qid, bool for_update,
                                struct db_question_head *out) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Everything GET /questions/{qid} shows, plus the viewer's standing in the
 * assembly (viewer 0 = anonymous), in one statement. */
enum db_status db_question_view(struct db_conn *c, struct arena *a, int64_t qid, int64_t viewer,
                                struct question_record *rec, struct db_standing *sd)
    PNYX_NONNULL(1, 2, 5, 6) PNYX_MUSTCHECK;

/* Questions of assembly aid with id > after (ascending), state filter
 * (NULL = all), at most limit; summaries (no description, translations). */
enum db_status db_question_list(struct db_conn *c, struct arena *a, int64_t aid, const char *state,
                                int64_t after, int limit, struct question_record **items, int *n)
    PNYX_NONNULL(1, 2, 7, 8) PNYX_MUSTCHECK;

/* What create and PATCH write (canonical decimals; options as a JSON
 * array text [{id, label, proposal_id (0 = none), excluded}] in position
 * order, built by api/ from validated values). */
struct db_question_write {
    const char *title, *description, *language, *method, *secrecy;
    int64_t seats, max_rankings /* 0 = null */, min_countries;
    const char *min_turnout, *country_cap /* NULL */, *dm_share /* NULL */;
    bool adopts_proposals;
    const char *opens_at /* NULL */, *closes_at;
    const char *options_json;
};

/* Inserts a draft question with its options; *qid = its id. */
enum db_status db_question_insert(struct db_conn *c, struct arena *a, int64_t aid, int64_t author,
                                  const struct db_question_write *w, int64_t *qid)
    PNYX_NONNULL(1, 2, 5, 6) PNYX_MUSTCHECK;
/* Rewrites draft qid, version + 1, and deletes its options (re-inserted by
 * db_question_options_put); with drop_texts its translations go too (they
 * translated another text). *version = the new version. DB_NOT_FOUND
 * when it is no longer a draft. */
enum db_status db_question_update(struct db_conn *c, struct arena *a, int64_t qid,
                                  const struct db_question_write *w, bool drop_texts,
                                  int64_t *version) PNYX_NONNULL(1, 2, 4, 6) PNYX_MUSTCHECK;
/* Inserts the options of w for qid (after db_question_update). */
enum db_status db_question_options_put(struct db_conn *c, struct arena *a, int64_t qid,
                                       const char *options_json)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;
/* How many of the proposals in array literal ids belong to assembly aid. */
enum db_status db_question_proposals_in(struct db_conn *c, struct arena *a, int64_t aid,
                                        const char *ids, int64_t *n)
    PNYX_NONNULL(1, 2, 4, 5) PNYX_MUSTCHECK;
/* Inserts or replaces the translation of draft qid into language. */
enum db_status db_question_text_put(struct db_conn *c, struct arena *a, int64_t qid,
                                    const char *language, const char *title,
                                    const char *description, const char *labels_json,
                                    const char *source, int64_t translator)
    PNYX_NONNULL(1, 2, 4, 5, 6, 7, 8) PNYX_MUSTCHECK;

/* --- opening ------------------------------------------------------------------------- */

/* draft → open (conditional); *changed = 1 when it moved, 0 when not a draft. */
enum db_status db_question_mark_open(struct db_conn *c, struct arena *a, int64_t qid,
                                     int64_t *changed) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;
/* The roll snapshot: active members of aid who are not observers, with
 * their account's country. *n = roll size. */
enum db_status db_question_roll_snapshot(struct db_conn *c, struct arena *a, int64_t qid,
                                         int64_t aid, int64_t *n)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;
/* The roll in account order: ids[i], countries[i] (2 letters). */
enum db_status db_question_roll_all(struct db_conn *c, struct arena *a, int64_t qid, int64_t **ids,
                                    const char ***countries, int *n)
    PNYX_NONNULL(1, 2, 4, 5, 6) PNYX_MUSTCHECK;
/* The frozen texts as one JSON object text (api-spec/questions.md). */
enum db_status db_question_texts(struct db_conn *c, struct arena *a, int64_t qid, const char **json)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;
/* Inserts the empty slots: keys (array literal, in insertion order),
 * fixed-width filler of n_options ranking bytes. */
enum db_status db_question_slots(struct db_conn *c, struct arena *a, int64_t qid, const char *keys,
                                 int n_options) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;
enum db_status db_question_opened(struct db_conn *c, struct arena *a, int64_t qid,
                                  int64_t roll_size, const char *roll_root_hex,
                                  const char *texts_hash_hex)
    PNYX_NONNULL(1, 2, 5, 6) PNYX_MUSTCHECK;

/* --- closing ------------------------------------------------------------------------- */

/* The seal: deletes every slot of qid (waiting for casts in flight and
 * reading their committed rows), re-inserts the filled ones in receipt
 * order with board_index = slot = their place and the country folded to
 * "ZZ" below k ballots. *n = ballots. */
enum db_status db_question_seal(struct db_conn *c, struct arena *a, int64_t qid, int k, int64_t *n)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;
/* Board entries from board_index `from` on, at most limit, in board
 * order: receipts (hex), rankings (raw bytes, each n_options long),
 * countries; *n = how many. */
enum db_status db_question_board_page(struct db_conn *c, struct arena *a, int64_t qid, int64_t from,
                                      int limit, const char ***receipts, uint8_t **rankings,
                                      const char ***countries, int n_options, int *n)
    PNYX_NONNULL(1, 2, 6, 7, 8, 10) PNYX_MUSTCHECK;
/* Members of the roll marked voted. */
enum db_status db_question_voters(struct db_conn *c, struct arena *a, int64_t qid, int64_t *n)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;
/* open → closed (conditional) with the seal's figures; *changed as above.
 * Deletes the question's idempotency rows. */
enum db_status db_question_mark_closed(struct db_conn *c, struct arena *a, int64_t qid,
                                       const char *reason, int64_t closed_by, int64_t ballots,
                                       const char *board_root_hex, int64_t closed_log_size,
                                       int64_t *changed) PNYX_NONNULL(1, 2, 7, 9) PNYX_MUSTCHECK;

/* --- the scheduler -------------------------------------------------------------------- */

enum db_question_due {
    DB_QUESTION_DUE_OPEN = 0, /* drafts with opens_at ≤ now < closes_at */
    DB_QUESTION_DUE_CLOSE,    /* open ones with closes_at ≤ now */
    DB_QUESTION_DUE_TALLY,    /* closed ones (closed more than a few seconds ago) */
};
/* Inside a transaction: locks one due question (FOR UPDATE SKIP LOCKED)
 * and returns its id; DB_NOT_FOUND when none. */
enum db_status db_question_take_due(struct db_conn *c, struct arena *a, enum db_question_due kind,
                                    int64_t *qid) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* --- participation -------------------------------------------------------------------- */

struct db_roll_item {
    int64_t account_id;
    const char *display_name, *country;
    bool voted;
};
enum db_status db_question_roll_page(struct db_conn *c, struct arena *a, int64_t qid, int64_t after,
                                     int limit, struct db_roll_item **items, int *n,
                                     int64_t *roll_size, int64_t *voted)
    PNYX_NONNULL(1, 2, 6, 7, 8, 9) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_QUESTION_H */
