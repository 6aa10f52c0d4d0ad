/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_selection.h — selections by lot (sql/009_selections.sql): the
 * selection, its pool, its rounds (round 0 the panel, then replacements),
 * members' commit–reveal randomness and the optimiser's jobs.
 * Conventions as in db_assembly.h: one statement per function, results in
 * the arena, times RFC 3339 UTC text. JSON columns come back as their JSON
 * text (api/ parses them); bytea columns as lower-case hex text.
 */
#ifndef PNYX_DB_DB_SELECTION_H
#define PNYX_DB_DB_SELECTION_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct db_selection {
    int64_t id;
    int64_t assembly_id;
    const char *title;
    const char *categories; /* JSON array of names */
    bool household;
    bool call_open;
    int64_t created_by;
    const char *created_at;
    const char *updated_at;
    int64_t pool_size;
    int current_round; /* highest round */
};

struct db_round {
    int64_t selection_id;
    int round;
    const char *status; /* draft | committed | published | drawn */
    int k;              /* 0 = not set */
    const char *method;
    int m;
    const char *quotas;   /* JSON array of {category, feature, min, max} */
    const char *eligible; /* JSON array of pool indices, NULL = whole pool */
    const char *rules_version;
    const char *commitment_root; /* hex or NULL */
    const char *commit_until;
    const char *reveal_until;
    const char *committed_at;
    const char *lottery;       /* JSON {panels, certificate} or NULL */
    const char *probabilities; /* JSON array or NULL */
    const char *optimum;       /* JSON array or NULL */
    const char *lottery_sha256;
    const char *published_at;
    int64_t beacon_size; /* 0 = not drawn */
    const char *beacon_root;
    const char *seed;
    int draw_index;    /* -1 = not drawn */
    const char *panel; /* JSON array of eligible-list positions */
    const char *drawn_at;
    bool commit_closed; /* now() >= commit_until (database clock) */
    bool reveal_closed; /* now() >= reveal_until */
};

struct db_respondent {
    int idx;
    const char *pseudonym;
    const char *salt; /* hex */
    const char *vals; /* JSON array, one per category */
    const char *household;
    const char *commitment; /* hex */
    int64_t account_id;     /* 0 = none */
    const char *name;
    const char *email;
    const char *status; /* pool | selected | declined | withdrawn */
    int selected_round; /* -1 = none */
    int64_t invitation_id;
};

struct db_sel_randomness {
    int64_t account_id;
    const char *commitment; /* hex */
    const char *value;      /* hex or NULL */
    const char *committed_at;
    const char *revealed_at;
};

struct db_sel_job {
    int64_t id;
    int64_t selection_id;
    int64_t assembly_id;
    int round;
    const char *status; /* queued | running | done | failed | cancelled */
    const char *method;
    const char *inputs_sha256;
    const char *inputs; /* JSON (only from db_sel_job_take) */
    bool cancel;
    const char *progress; /* JSON object */
    const char *result;   /* JSON or NULL */
    const char *error;    /* JSON or NULL */
    const char *created_at;
    const char *started_at;
    const char *finished_at;
};

/* --- selections ------------------------------------------------------------ */

/* Inserts a selection and its round 0 (k, method, m as given; k 0 = unset);
 * fills out. */
enum db_status db_selection_insert(struct db_conn *c, struct arena *a, int64_t aid,
                                   const char *title, const char *categories_json, bool household,
                                   int64_t created_by, struct db_selection *out)
    PNYX_NONNULL(1, 2, 4, 5, 8) PNYX_MUSTCHECK;

/* How db_selection_get locks the selection row. */
enum db_sel_lock {
    DB_SEL_NOLOCK = 0,
    DB_SEL_UPDATE, /* FOR UPDATE: a step of the selection (serialises them) */
    DB_SEL_SHARE,  /* FOR SHARE: members' randomness, concurrent with each other
                    * but never with a step (the draw waits for a reveal that
                    * began before it, and sees it) */
};

/* Loads selection sid (with pool size and current round), locked as
 * asked. DB_NOT_FOUND if none. */
enum db_status db_selection_get(struct db_conn *c, struct arena *a, int64_t sid,
                                enum db_sel_lock lock, struct db_selection *out)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Selections of aid with id > after, ascending, at most limit. */
enum db_status db_selection_list(struct db_conn *c, struct arena *a, int64_t aid, int64_t after,
                                 int limit, struct db_selection **items, int *n)
    PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

/* Sets title (NULL = keep) and call_open (-1 = keep). */
enum db_status db_selection_update(struct db_conn *c, struct arena *a, int64_t sid,
                                   const char *title, int call_open)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* --- rounds ------------------------------------------------------------------ */

enum db_status db_round_get(struct db_conn *c, struct arena *a, int64_t sid, int round,
                            struct db_round *out) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Draft settings: k (0 = keep), method, quotas (NULL = keep), m (0 = keep). */
enum db_status db_round_settings(struct db_conn *c, struct arena *a, int64_t sid, int round, int k,
                                 const char *method, int m, const char *quotas_json)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* A new draft round (replacements) with its eligible pool and quotas. */
enum db_status db_round_insert(struct db_conn *c, struct arena *a, int64_t sid, int round, int k,
                               const char *method, int m, const char *quotas_json,
                               const char *eligible_json)
    PNYX_NONNULL(1, 2, 6, 8, 9) PNYX_MUSTCHECK;

/* draft → committed: root (hex), the phase deadlines (RFC 3339). */
enum db_status db_round_commit(struct db_conn *c, struct arena *a, int64_t sid, int round,
                               const char *root_hex, const char *commit_until,
                               const char *reveal_until) PNYX_NONNULL(1, 2, 5, 6, 7) PNYX_MUSTCHECK;

/* committed → published: the lottery and probabilities (JSON), its hash. */
enum db_status db_round_publish(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                const char *lottery_json, const char *probabilities_json,
                                const char *optimum_json, const char *sha_hex)
    PNYX_NONNULL(1, 2, 5, 6, 7, 8) PNYX_MUSTCHECK;

/* published → drawn. */
enum db_status db_round_draw(struct db_conn *c, struct arena *a, int64_t sid, int round,
                             int64_t beacon_size, const char *beacon_root_hex, const char *seed_hex,
                             int index, const char *panel_json)
    PNYX_NONNULL(1, 2, 6, 7, 9) PNYX_MUSTCHECK;

/* --- the pool ------------------------------------------------------------------- */

/* Replaces the whole pool of sid with rows (a JSON array of {idx, pseudonym,
 * salt (hex), vals, household, commitment (hex), name, email}): one
 * statement. */
enum db_status db_pool_replace(struct db_conn *c, struct arena *a, int64_t sid,
                               const char *rows_json) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* Appends one volunteer at index idx (the next one). DB_CONFLICT when the
 * account already volunteered. */
enum db_status db_pool_add(struct db_conn *c, struct arena *a, int64_t sid,
                           const struct db_respondent *r) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* The whole pool in index order. */
enum db_status db_pool_load(struct db_conn *c, struct arena *a, int64_t sid,
                            struct db_respondent **items, int *n)
    PNYX_NONNULL(1, 2, 4, 5) PNYX_MUSTCHECK;

/* One respondent by pseudonym. DB_NOT_FOUND if none. */
enum db_status db_pool_by_pseudonym(struct db_conn *c, struct arena *a, int64_t sid,
                                    const char *pseudonym, struct db_respondent *out)
    PNYX_NONNULL(1, 2, 4, 5) PNYX_MUSTCHECK;

/* Marks respondent idx selected in round, with its invitation (0 = none). */
enum db_status db_pool_select(struct db_conn *c, struct arena *a, int64_t sid, int idx, int round,
                              int64_t invitation_id) PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* selected → declined. DB_NOT_FOUND unless respondent idx is selected. */
enum db_status db_pool_decline(struct db_conn *c, struct arena *a, int64_t sid, int idx)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* --- randomness ------------------------------------------------------------------ */

/* A member's commitment (hex). DB_CONFLICT when they (or the same
 * commitment) already did. */
enum db_status db_randomness_commit(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                    int64_t account_id, const char *commitment_hex)
    PNYX_NONNULL(1, 2, 6) PNYX_MUSTCHECK;

/* The caller's row, locked. DB_NOT_FOUND if none. */
enum db_status db_randomness_get(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                 int64_t account_id, struct db_sel_randomness *out)
    PNYX_NONNULL(1, 2, 6) PNYX_MUSTCHECK;

/* Stores the revealed value (hex) of account_id's commitment. */
enum db_status db_randomness_reveal(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                    int64_t account_id, const char *value_hex)
    PNYX_NONNULL(1, 2, 6) PNYX_MUSTCHECK;

/* Every commitment of the round, by commitment ascending. */
enum db_status db_randomness_list(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                  struct db_sel_randomness **items, int *n)
    PNYX_NONNULL(1, 2, 5, 6) PNYX_MUSTCHECK;

/* --- beacon ------------------------------------------------------------------------- */

/* The seq of assembly aid's audit entry of kind for (selection sid,
 * round): DB_NOT_FOUND when there is none. */
enum db_status db_selection_entry_seq(struct db_conn *c, struct arena *a, int64_t aid,
                                      const char *kind, int64_t sid, int round, int64_t *seq)
    PNYX_NONNULL(1, 2, 4, 7) PNYX_MUSTCHECK;

/* --- optimiser jobs ------------------------------------------------------------------- */

/* Queues a run; fills id. */
enum db_status db_sel_job_insert(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                 const char *method, const char *inputs_sha_hex,
                                 const char *inputs_json, int64_t created_by, int64_t *id)
    PNYX_NONNULL(1, 2, 5, 6, 7, 9) PNYX_MUSTCHECK;

/* Job id of selection sid (without inputs). DB_NOT_FOUND if none. */
enum db_status db_sel_job_get(struct db_conn *c, struct arena *a, int64_t sid, int64_t id,
                              struct db_sel_job *out) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Jobs of selection sid, newest first, at most limit (without inputs). */
enum db_status db_sel_job_list(struct db_conn *c, struct arena *a, int64_t sid, int limit,
                               struct db_sel_job **items, int *n)
    PNYX_NONNULL(1, 2, 5, 6) PNYX_MUSTCHECK;

/* Asks a queued or running job to stop: a queued one is cancelled at
 * once, a running one when the worker next reports progress. DB_NOT_FOUND
 * when the job is finished or unknown. Fills out. */
enum db_status db_sel_job_cancel(struct db_conn *c, struct arena *a, int64_t sid, int64_t id,
                                 struct db_sel_job *out) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Worker: takes the oldest queued job — or a running one whose lease
 * expired (its pnyxd stopped) — with FOR UPDATE SKIP LOCKED, marks it
 * running with a lease of SEL_JOB_LEASE_S seconds, in one statement,
 * outside any transaction. DB_NOT_FOUND when there is none. */
#define SEL_JOB_LEASE_S 60
enum db_status db_sel_job_take(struct db_conn *c, struct arena *a, struct db_sel_job *out)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* Worker: stores progress (JSON), renews the lease and reads whether a
 * cancel was asked. */
enum db_status db_sel_job_progress(struct db_conn *c, struct arena *a, int64_t id,
                                   const char *progress_json, bool *cancel)
    PNYX_NONNULL(1, 2, 4, 5) PNYX_MUSTCHECK;

/* Worker: running → done | failed | cancelled with result or error. */
enum db_status db_sel_job_finish(struct db_conn *c, struct arena *a, int64_t id, const char *status,
                                 const char *result_json, const char *error_json)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_SELECTION_H */
