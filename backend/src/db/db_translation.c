/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_translation.c — SQL of the translation job queue (db_translation.h).
 */
#include "db/db_translation.h"

#include <string.h>

#include "db/db_int.h"

#define JOB_COLS                                                                                   \
    "j.id, j.assembly_id, j.kind, j.target_id, j.version, j.source_language, "                     \
    "j.target_language, j.status, j.attempts, " DB_RFC3339(                                        \
        "j.run_after") ", j.last_error, "                                                          \
                       "j.translator, j.pivot, j.outcome, " DB_RFC3339(                            \
                           "j.created_at") ", " DB_RFC3339("j.updated_at") ", j.lease_token"

static enum db_status read_job(const struct db_result *r, int row, struct db_translation_job *o)
{
    memset(o, 0, sizeof *o);
    int64_t v, att;
    if (db_get_i64(r, row, 0, &o->id) != 0 || db_get_i64(r, row, 1, &o->assembly_id) != 0 ||
        db_get_i64(r, row, 3, &o->target_id) != 0 || db_get_i64(r, row, 4, &v) != 0 ||
        db_get_i64(r, row, 8, &att) != 0)
        return DB_HARD_ERROR;
    o->version = (int)v;
    o->attempts = (int)att;
    o->kind = db_value(r, row, 2);
    o->source_language = db_value(r, row, 5);
    o->target_language = db_value(r, row, 6);
    o->status = db_value(r, row, 7);
    o->run_after = db_value(r, row, 9);
    o->last_error = db_value(r, row, 10);
    o->translator = db_value(r, row, 11);
    o->pivot = db_value(r, row, 12);
    o->outcome = db_value(r, row, 13);
    o->created_at = db_value(r, row, 14);
    o->updated_at = db_value(r, row, 15);
    o->lease_token = db_value(r, row, 16);
    return DB_OK;
}

static const struct db_stmt stmt_enqueue = {
    .name = "translation_enqueue",
    .sql = "INSERT INTO translation_jobs (assembly_id, kind, target_id, version, "
           "source_language, target_language) "
           "SELECT $1, $2, $3, $4, $5, l.language FROM assembly_languages l "
           "WHERE l.assembly_id = $1 AND l.readers > 0 AND l.language <> $6 "
           "AND ($7::json IS NULL OR l.language IN (SELECT json_array_elements_text($7::json))) "
           "ON CONFLICT ON CONSTRAINT translation_jobs_target_key DO NOTHING",
    .nparams = 7,
};

enum db_status db_translation_enqueue(struct db_conn *c, struct arena *a, int64_t aid,
                                      const char *kind, int64_t target_id, int version,
                                      const char *source_language, const char *source_primary,
                                      const char *targets_json, int64_t *queued)
{
    const char *p[7] = {db_param_i64(a, aid),
                        kind,
                        db_param_i64(a, target_id),
                        db_param_i64(a, version),
                        source_language,
                        source_primary,
                        targets_json};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_enqueue, p, &r);
    if (st == DB_OK && queued)
        *queued = r.affected;
    return st;
}

/* Two candidates, each from its own partial index, the older first; the
 * row lock of SKIP LOCKED makes concurrent takers pick different rows, and
 * the UPDATE re-checks the state (a row another taker just finished is not
 * due any more when this statement's snapshot is rechecked). */
static const struct db_stmt stmt_take = {
    .name = "translation_take",
    .sql = "UPDATE translation_jobs j SET status = 'running', attempts = j.attempts + 1, "
           "lease_until = now() + make_interval(secs => $1::int), lease_token = $2, "
           "updated_at = now() "
           "WHERE j.id = (SELECT id FROM translation_jobs "
           "  WHERE (status = 'queued' AND run_after <= now()) "
           "     OR (status = 'running' AND lease_until < now()) "
           "  ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
           "AND (j.status = 'queued' OR j.lease_until < now()) "
           "RETURNING " JOB_COLS,
    .nparams = 2,
};

enum db_status db_translation_take(struct db_conn *c, struct arena *a, int lease_s,
                                   const char *token, struct db_translation_job *out)
{
    const char *p[2] = {db_param_i64(a, lease_s), token};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_take, p, &r);
    if (st != DB_OK)
        return st;
    return read_job(&r, 0, out);
}

static const struct db_stmt stmt_extend_lease = {
    .name = "translation_extend_lease",
    .sql = "UPDATE translation_jobs SET lease_until = now() + make_interval(secs => $3::int), "
           "updated_at = now() WHERE id = $1 AND status = 'running' AND lease_token = $2",
    .nparams = 3,
};

enum db_status db_translation_extend_lease(struct db_conn *c, struct arena *a, int64_t job_id,
                                           const char *token, int lease_s)
{
    const char *p[3] = {db_param_i64(a, job_id), token, db_param_i64(a, lease_s)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_extend_lease, p, &r);
    if (st == DB_OK && r.affected != 1)
        return DB_NOT_FOUND;
    return st;
}

static const struct db_stmt stmt_source_proposal = {
    .name = "translation_source_proposal",
    .sql = "SELECT v.title, v.body, p.current_version FROM proposal_versions v "
           "JOIN proposals p ON p.id = v.proposal_id "
           "WHERE v.proposal_id = $1 AND v.version = $2",
    .nparams = 2,
};
static const struct db_stmt stmt_source_comment = {
    .name = "translation_source_comment",
    .sql = "SELECT NULL, CASE WHEN c.version = $2 THEN c.body ELSE "
           "(SELECT v.body FROM comment_versions v WHERE v.comment_id = c.id AND v.version = $2) "
           "END, c.version, c.status = 'deleted' FROM comments c WHERE c.id = $1",
    .nparams = 2,
};

/* $1 question, $2 the job's version, $3 its target language, $4 its
 * source language. Labels in position order (jsonb would sort the keys;
 * the worker translates them in this order). */
static const struct db_stmt stmt_source_question = {
    .name = "translation_source_question",
    .sql = "SELECT q.title, q.description, CASE WHEN q.language <> $4 THEN q.version ELSE "
           "GREATEST($2::int, (SELECT max(j.version) FROM translation_jobs j WHERE j.kind = "
           "'question' AND j.target_id = q.id AND j.target_language = $3)) END, "
           "q.state <> 'draft', (SELECT COALESCE(json_object_agg(o.option_id, o.label ORDER BY "
           "o.position), '{}')::text FROM question_options o WHERE o.question_id = q.id) "
           "FROM questions q WHERE q.id = $1",
    .nparams = 4,
};

static enum db_status source_question(struct db_conn *c, struct arena *a,
                                      const struct db_translation_job *job,
                                      struct db_translation_source *out)
{
    const char *p[4] = {db_param_i64(a, job->target_id), db_param_i64(a, job->version),
                        job->target_language, job->source_language};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_source_question, p, &r);
    if (st != DB_OK)
        return st;
    int64_t cv;
    bool frozen = false;
    if (db_get_i64(&r, 0, 2, &cv) != 0 || db_get_bool(&r, 0, 3, &frozen) != 0)
        return DB_HARD_ERROR;
    out->title = db_value(&r, 0, 0);
    out->body = db_value(&r, 0, 1);
    out->current_version = (int)cv;
    out->frozen = frozen;
    out->labels = db_value(&r, 0, 4);
    return DB_OK;
}

enum db_status db_translation_source(struct db_conn *c, struct arena *a,
                                     const struct db_translation_job *job,
                                     struct db_translation_source *out)
{
    memset(out, 0, sizeof *out);
    if (strcmp(job->kind, "question") == 0)
        return source_question(c, a, job, out);
    bool comment = strcmp(job->kind, "comment") == 0;
    const char *p[2] = {db_param_i64(a, job->target_id), db_param_i64(a, job->version)};
    struct db_result r;
    enum db_status st =
        db_query_one(c, a, comment ? &stmt_source_comment : &stmt_source_proposal, p, &r);
    if (st != DB_OK)
        return st;
    int64_t cv;
    if (db_get_i64(&r, 0, 2, &cv) != 0)
        return DB_HARD_ERROR;
    out->current_version = (int)cv;
    out->title = db_value(&r, 0, 0);
    out->body = db_value(&r, 0, 1);
    if (comment) {
        bool del = false;
        if (db_get_bool(&r, 0, 3, &del) != 0)
            return DB_HARD_ERROR;
        out->deleted = del;
        if (!del && !out->body)
            return DB_NOT_FOUND; /* that version's text is not kept */
    }
    return DB_OK;
}

static const struct db_stmt stmt_lock_job = {
    .name = "translation_lock_job",
    .sql = "SELECT 1 FROM translation_jobs WHERE id = $1 AND status = 'running' "
           "AND lease_token = $2 FOR UPDATE",
    .nparams = 2,
};

enum db_status db_translation_lock_job(struct db_conn *c, struct arena *a, int64_t job_id,
                                       const char *token)
{
    const char *p[2] = {db_param_i64(a, job_id), token};
    struct db_result r;
    return db_query_one(c, a, &stmt_lock_job, p, &r);
}

static const struct db_stmt stmt_human_proposal = {
    .name = "translation_human_proposal",
    .sql = "SELECT EXISTS (SELECT 1 FROM proposal_translations WHERE proposal_id = $1 "
           "AND version = $2 AND language = $3 AND current AND source = 'human')",
    .nparams = 3,
};
static const struct db_stmt stmt_human_comment = {
    .name = "translation_human_comment",
    .sql = "SELECT EXISTS (SELECT 1 FROM comment_translations WHERE comment_id = $1 "
           "AND version = $2 AND language = $3 AND current AND source = 'human')",
    .nparams = 3,
};

/* One text per language, no versions: the version ($2) plays no part. */
static const struct db_stmt stmt_human_question = {
    .name = "translation_human_question",
    .sql = "SELECT EXISTS (SELECT 1 FROM question_texts WHERE question_id = $1 AND $2::int > 0 "
           "AND language = $3 AND source = 'human')",
    .nparams = 3,
};

enum db_status db_translation_has_human(struct db_conn *c, struct arena *a,
                                        const struct db_translation_job *job, bool *human)
{
    bool comment = strcmp(job->kind, "comment") == 0;
    bool question = strcmp(job->kind, "question") == 0;
    const char *p[3] = {db_param_i64(a, job->target_id), db_param_i64(a, job->version),
                        job->target_language};
    struct db_result r;
    enum db_status st = db_query_one(c, a,
                                     question  ? &stmt_human_question
                                     : comment ? &stmt_human_comment
                                               : &stmt_human_proposal,
                                     p, &r);
    if (st != DB_OK)
        return st;
    return db_get_bool(&r, 0, 0, human) == 0 ? DB_OK : DB_HARD_ERROR;
}

/* One statement each: the old current machine row loses `current`, the
 * new row is inserted (a data-modifying CTE runs before the INSERT's
 * unique check sees the table, since both act on the same snapshot and
 * the UPDATE's row versions are visible to the index check). */
static const struct db_stmt stmt_store_proposal = {
    .name = "translation_store_proposal",
    .sql = "WITH old AS (UPDATE proposal_translations SET current = false "
           "  WHERE proposal_id = $1 AND version = $2 AND language = $3 AND current "
           "  AND source = 'machine' RETURNING id) "
           "INSERT INTO proposal_translations (proposal_id, version, language, title, body, "
           "source, pivot, translator) "
           "SELECT $1, $2, $3, $4, $5, 'machine', $6, $7 FROM (SELECT count(*) FROM old) o "
           "RETURNING id",
    .nparams = 7,
};
/* The comment row is share-locked and must not be deleted: a delete that
 * committed while the translator ran leaves no row here (nothing stored,
 * DB_NOT_FOUND), and one that comes later waits for this transaction and
 * then erases the new translation with the rest. */
static const struct db_stmt stmt_store_comment = {
    .name = "translation_store_comment",
    .sql = "WITH live AS (SELECT id FROM comments WHERE id = $1 AND status <> 'deleted' "
           "  FOR SHARE), "
           "old AS (UPDATE comment_translations SET current = false "
           "  WHERE comment_id = $1 AND version = $2 AND language = $3 AND current "
           "  AND source = 'machine' RETURNING id) "
           "INSERT INTO comment_translations (comment_id, version, language, body, "
           "source, pivot, translator) "
           "SELECT $1, $2, $3, $5, 'machine', $6, $7 FROM (SELECT count(*) FROM old) o, live "
           "WHERE $4::text IS NULL RETURNING id",
    .nparams = 7,
};

enum db_status db_translation_store(struct db_conn *c, struct arena *a,
                                    const struct db_translation_job *job, const char *title,
                                    const char *body, const char *translator, const char *pivot,
                                    int64_t *row_id)
{
    bool comment = strcmp(job->kind, "comment") == 0;
    const char *p[7] = {db_param_i64(a, job->target_id),
                        db_param_i64(a, job->version),
                        job->target_language,
                        comment ? NULL : title,
                        body,
                        pivot,
                        translator};
    struct db_result r;
    enum db_status st =
        db_query_one(c, a, comment ? &stmt_store_comment : &stmt_store_proposal, p, &r);
    if (st != DB_OK)
        return st;
    return db_get_i64(&r, 0, 0, row_id) == 0 ? DB_OK : DB_HARD_ERROR;
}

static const struct db_stmt stmt_lock_question = {
    .name = "translation_lock_question",
    .sql = "SELECT 1 FROM questions WHERE id = $1 AND state = 'draft' FOR SHARE",
    .nparams = 1,
};

enum db_status db_translation_lock_question(struct db_conn *c, struct arena *a, int64_t question_id)
{
    const char *p[1] = {db_param_i64(a, question_id)};
    struct db_result r;
    return db_query_one(c, a, &stmt_lock_question, p, &r);
}

/* Runs after db_translation_lock_question in the same transaction, so its
 * snapshot sees any PATCH that committed before the lock was granted, and
 * none can commit until this transaction does: the texts compared are the
 * ones the question has when the translation is stored. A human row of
 * the language is kept (ON CONFLICT … WHERE: no row returned). */
static const struct db_stmt stmt_store_question = {
    .name = "translation_store_question",
    .sql = "INSERT INTO question_texts (question_id, language, title, description, labels, "
           "source, translator, pivot, translator_id) "
           "SELECT q.id, $2, $3, $4, $5::jsonb, 'machine', $6, $7, NULL FROM questions q "
           "WHERE q.id = $1 AND q.state = 'draft' AND q.language = $8 AND q.title = $9 "
           "AND q.description = $10 AND (SELECT COALESCE(jsonb_object_agg(o.option_id, o.label), "
           "'{}'::jsonb) FROM question_options o WHERE o.question_id = q.id) = $11::jsonb "
           "ON CONFLICT (question_id, language) DO UPDATE SET title = EXCLUDED.title, "
           "description = EXCLUDED.description, labels = EXCLUDED.labels, source = 'machine', "
           "translator = EXCLUDED.translator, pivot = EXCLUDED.pivot, translator_id = NULL, "
           "created_at = now() WHERE question_texts.source = 'machine' RETURNING 1",
    .nparams = 11,
};

enum db_status db_translation_store_question(struct db_conn *c, struct arena *a,
                                             const struct db_translation_job *job,
                                             const struct db_translation_source *src,
                                             const char *title, const char *description,
                                             const char *labels_json, const char *translator,
                                             const char *pivot)
{
    const char *p[11] = {db_param_i64(a, job->target_id),
                         job->target_language,
                         title,
                         description,
                         labels_json,
                         translator,
                         pivot,
                         job->source_language,
                         src->title ? src->title : "",
                         src->body ? src->body : "",
                         src->labels ? src->labels : "{}"};
    struct db_result r;
    return db_query_one(c, a, &stmt_store_question, p, &r);
}

static const struct db_stmt stmt_done = {
    .name = "translation_done",
    .sql = "UPDATE translation_jobs SET status = 'done', outcome = $2, translator = $3, "
           "pivot = $4, lease_until = NULL, lease_token = NULL, last_error = NULL, "
           "updated_at = now(), finished_at = now() WHERE id = $1",
    .nparams = 4,
};

enum db_status db_translation_done(struct db_conn *c, struct arena *a, int64_t job_id,
                                   const char *outcome, const char *translator, const char *pivot)
{
    const char *p[4] = {db_param_i64(a, job_id), outcome, translator, pivot};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_done, p, &r);
    if (st == DB_OK && r.affected != 1)
        return DB_NOT_FOUND;
    return st;
}

static const struct db_stmt stmt_fail = {
    .name = "translation_fail",
    .sql = "UPDATE translation_jobs SET "
           "status = CASE WHEN $5::bool OR attempts >= $4::int THEN 'failed' ELSE 'queued' END, "
           "run_after = now() + make_interval(secs => $6::int), last_error = $3, "
           "lease_until = NULL, lease_token = NULL, updated_at = now(), "
           "finished_at = CASE WHEN $5::bool OR attempts >= $4::int THEN now() END "
           "WHERE id = $1 AND status = 'running' AND lease_token = $2 "
           "RETURNING status = 'failed'",
    .nparams = 6,
};

enum db_status db_translation_fail(struct db_conn *c, struct arena *a, int64_t job_id,
                                   const char *token, const char *last_error, int max_attempts,
                                   int backoff_s, bool permanent, bool *failed)
{
    const char *p[6] = {db_param_i64(a, job_id),
                        token,
                        last_error,
                        db_param_i64(a, max_attempts),
                        permanent ? "true" : "false",
                        db_param_i64(a, backoff_s)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_fail, p, &r);
    if (st != DB_OK)
        return st;
    return db_get_bool(&r, 0, 0, failed) == 0 ? DB_OK : DB_HARD_ERROR;
}

static const struct db_stmt stmt_list = {
    .name = "translation_list",
    .sql = "SELECT " JOB_COLS " FROM translation_jobs j WHERE j.assembly_id = $1 "
           "AND ($2::text IS NULL OR j.status = $2) AND j.id > $3 ORDER BY j.id LIMIT $4",
    .nparams = 4,
};

enum db_status db_translation_list(struct db_conn *c, struct arena *a, int64_t aid,
                                   const char *status, int64_t after, int limit,
                                   struct db_translation_job **items, int *n)
{
    const char *p[4] = {db_param_i64(a, aid), status, db_param_i64(a, after),
                        db_param_i64(a, limit)};
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_list, p, &r);
    if (st != DB_OK)
        return st;
    struct db_translation_job *v = arena_calloc(a, (size_t)(r.nrows ? r.nrows : 1), sizeof *v);
    for (int i = 0; i < r.nrows; i++) {
        if (read_job(&r, i, &v[i]) != DB_OK)
            return DB_HARD_ERROR;
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}
