/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/translation_queue.h — machine-translation jobs for proposals,
 * comments (issue 10) and questions (issue 11).
 *
 * Writers (api_proposals.c, api_comments.c, api_questions.c) call
 * translation_enqueue in the transaction body that creates a proposal
 * version, a comment, or a draft question or new texts of one: it queues
 * one job per language the assembly's active members read (their accounts'
 * languages, by primary subtag) that the process's translator can reach
 * from source_language (directly or through one pivot), except the source
 * language itself — one INSERT … SELECT, no round trip per language. A job
 * that exists already for (kind, target, version, language) is kept (the
 * body may run twice). With PNYX_TRANSLATOR=none nothing is queued.
 *
 * The translation worker (translation_workers_start, from main after the
 * server started) takes jobs with FOR UPDATE SKIP LOCKED and a lease,
 * translates outside any transaction, and stores the result as an
 * unreviewed machine translation (source 'machine', translator, pivot) in
 * proposal_translations / comment_translations / question_texts, with the
 * audit entry `proposal.translated` / `question.translated` (actor null). It never replaces a
 * human translation. See translation_queue.c for retries and leases.
 */
#ifndef PNYX_API_TRANSLATION_QUEUE_H
#define PNYX_API_TRANSLATION_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "platform/arena.h"
#include "platform/compiler.h"

struct pnyx_config;

/* In the creating transaction (a db_run_txn* body). kind: "proposal",
 * "comment" or "question"; target_id: its id; version: the version
 * written (comments: their version, 1 when created; questions: the
 * question's version whose texts are new);
 * source_language: its BCP 47 language. Returns DB_OK (also when nothing
 * was queued) or the database failure (the body should return it). */
enum db_status translation_enqueue(struct db_conn *c, struct arena *a, int64_t aid,
                                   const char *kind /* "proposal" | "comment" | "question" */,
                                   int64_t target_id, int version, const char *source_language)
    PNYX_NONNULL(1, 2, 4, 7) PNYX_MUSTCHECK;

/*
 * For writers that queue the jobs inside their own statement (one round
 * trip instead of two: db_comment_insert_guarded): what translation_enqueue
 * would queue for a text in source_language. false when nothing would be
 * (no translator, or no pair from that language); else true with *src its
 * primary subtag and *targets the JSON array of languages reachable from
 * it (NULL: any, for command translators) — the $6 and $7 of
 * db_translation_enqueue. After the statement queued n > 0 jobs, call
 * translation_queued(n) (wakes the workers, as translation_enqueue does).
 */
bool translation_targets(struct arena *a, const char *source_language, const char **src,
                         const char **targets) PNYX_NONNULL(1, 2, 3, 4);
void translation_queued(int64_t n);

/* Sets the process's translator from cfg (PNYX_TRANSLATOR, …). Main thread,
 * before the server starts. Returns 0, or -1 with a one-line reason. */
int translation_init(const struct pnyx_config *cfg, char *err, size_t errlen)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* Starts cfg->workers translation worker threads (api/worker.h); none when
 * PNYX_WORKERS=0 or the translator is "none". Returns how many started. */
unsigned translation_workers_start(const struct pnyx_config *cfg) PNYX_NONNULL(1);

/* One worker step (exposed for tests): takes at most one due job and does
 * it. 1 = did a job, 0 = none due, -1 = database error. */
int translation_run_once(void *ctx);

#endif /* PNYX_API_TRANSLATION_QUEUE_H */
