/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_translation.h — SQL of the machine-translation job queue
 * (sql/008_translation_jobs.sql, 014) and of storing machine translations
 * into proposal_translations / comment_translations / question_texts
 * (006, 007, 010, 014). The policy
 * (what to queue, retries, leases) is api/translation_queue.c's.
 */
#ifndef PNYX_DB_DB_TRANSLATION_H
#define PNYX_DB_DB_TRANSLATION_H

#include <stdint.h>

#include "db/db.h"

/* One job as the worker or the list sees it (strings in the arena). */
struct db_translation_job {
    int64_t id;
    int64_t assembly_id;
    const char *kind; /* "proposal" | "comment" | "question" */
    int64_t target_id;
    int version;
    const char *source_language;
    const char *target_language;
    const char *status; /* queued | running | done | failed */
    int attempts;
    const char *run_after;   /* RFC 3339 */
    const char *last_error;  /* NULL when none */
    const char *translator;  /* NULL until done */
    const char *pivot;       /* NULL when direct */
    const char *outcome;     /* done: "stored" or "skipped: …"; NULL otherwise */
    const char *created_at;  /* RFC 3339 */
    const char *updated_at;  /* RFC 3339 */
    const char *lease_token; /* the take's token (worker only) */
};

/*
 * Queues a job per language of assembly aid's active readers
 * (assembly_languages) in targets_json (a JSON array of primary subtags;
 * NULL = every language) other than source_primary. Existing jobs for the
 * same (kind, target, version, language) are kept. *queued (may be NULL):
 * how many rows were inserted.
 */
enum db_status db_translation_enqueue(struct db_conn *c, struct arena *a, int64_t aid,
                                      const char *kind, int64_t target_id, int version,
                                      const char *source_language, const char *source_primary,
                                      const char *targets_json, int64_t *queued)
    PNYX_NONNULL(1, 2, 4, 7, 8) PNYX_MUSTCHECK;

/*
 * Takes the oldest due job (queued with run_after ≤ now, or running with
 * an expired lease) in one autocommit statement: FOR UPDATE SKIP LOCKED
 * picks a row no other taker holds, the UPDATE marks it running with
 * attempts + 1, a lease of lease_s seconds and token. DB_NOT_FOUND when
 * none is due.
 */
enum db_status db_translation_take(struct db_conn *c, struct arena *a, int lease_s,
                                   const char *token, struct db_translation_job *out)
    PNYX_NONNULL(1, 2, 4, 5) PNYX_MUSTCHECK;

/* Moves the lease of the take named by token to now + lease_s (a job that
 * needs more translator runs than the take's lease covers). DB_NOT_FOUND
 * when the take no longer owns the job. */
enum db_status db_translation_extend_lease(struct db_conn *c, struct arena *a, int64_t job_id,
                                           const char *token, int lease_s)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* The source text of a job's target at its version. *title is NULL for
 * comments. *current_version: the target's version now. DB_NOT_FOUND when
 * the target or that version is gone; *deleted set for a deleted comment.
 *
 * Questions keep no old versions: title, body (the description) and labels
 * (a JSON object {option id: label}) are the question's texts now, and
 * current_version is the newest version a job for this language was queued
 * for (a later PATCH that changed the texts queued its own job; one that
 * left them alone did not, and this job still translates what is there),
 * or the question's version when its language changed. *frozen: the
 * question is no longer a draft (its texts froze at opening). */
struct db_translation_source {
    const char *title;
    const char *body;
    const char *labels; /* questions only */
    int current_version;
    bool deleted;
    bool frozen; /* questions only */
};
enum db_status db_translation_source(struct db_conn *c, struct arena *a,
                                     const struct db_translation_job *job,
                                     struct db_translation_source *out)
    PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/* In a transaction: locks the job row if the take named by token still
 * owns it (status running, same token). DB_NOT_FOUND when it does not (the
 * lease expired and another worker took it, or it was finished). */
enum db_status db_translation_lock_job(struct db_conn *c, struct arena *a, int64_t job_id,
                                       const char *token) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* In a transaction, for a question job: share-locks the question row if it
 * is still a draft, so that neither opening (which freezes and hashes the
 * texts) nor a PATCH commits until this transaction did. DB_NOT_FOUND when
 * it is not a draft any more. */
enum db_status db_translation_lock_question(struct db_conn *c, struct arena *a, int64_t question_id)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* In a transaction, after db_translation_lock_question: stores the machine
 * translation of question job->target_id into job->target_language
 * (title, description, labels JSON object) if the question's texts are
 * still exactly src (language job->source_language) and no human
 * translation holds that language. DB_NOT_FOUND when nothing was stored
 * (the texts changed meanwhile, or a human translation is there). */
enum db_status db_translation_store_question(struct db_conn *c, struct arena *a,
                                             const struct db_translation_job *job,
                                             const struct db_translation_source *src,
                                             const char *title, const char *description,
                                             const char *labels_json, const char *translator,
                                             const char *pivot)
    PNYX_NONNULL(1, 2, 3, 4, 5, 6, 7, 8) PNYX_MUSTCHECK;

/* In a transaction: true in *human when a current human translation of
 * (target, version, language) exists. */
enum db_status db_translation_has_human(struct db_conn *c, struct arena *a,
                                        const struct db_translation_job *job, bool *human)
    PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/* In a transaction: clears the current machine row of (target, version,
 * language) and inserts the new machine translation (title NULL for
 * comments) as current. *row_id: the new row's id. Proposals and comments
 * only (questions: db_translation_store_question). */
enum db_status db_translation_store(struct db_conn *c, struct arena *a,
                                    const struct db_translation_job *job, const char *title,
                                    const char *body, const char *translator, const char *pivot,
                                    int64_t *row_id) PNYX_NONNULL(1, 2, 3, 5, 6) PNYX_MUSTCHECK;

/* Marks the job done (outcome "stored" or "skipped: …", translator, pivot). */
enum db_status db_translation_done(struct db_conn *c, struct arena *a, int64_t job_id,
                                   const char *outcome, const char *translator, const char *pivot)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* A failed attempt of the take named by token: back to queued with
 * run_after = now + backoff_s, or failed when attempts ≥ max_attempts or
 * permanent. last_error is cut to 2000 bytes by the caller. *failed: the
 * job is now failed. DB_NOT_FOUND when the take no longer owns the job. */
enum db_status db_translation_fail(struct db_conn *c, struct arena *a, int64_t job_id,
                                   const char *token, const char *last_error, int max_attempts,
                                   int backoff_s, bool permanent, bool *failed)
    PNYX_NONNULL(1, 2, 4, 5, 9) PNYX_MUSTCHECK;

/* Assembly aid's jobs with status (NULL = all), id > after, ascending,
 * at most limit (+1 read to tell whether there is a next page). */
enum db_status db_translation_list(struct db_conn *c, struct arena *a, int64_t aid,
                                   const char *status, int64_t after, int limit,
                                   struct db_translation_job **items, int *n)
    PNYX_NONNULL(1, 2, 7, 8) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_TRANSLATION_H */
