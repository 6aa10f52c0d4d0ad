/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_witness.c — SQL of witness submissions and cosignatures
 * (db_witness.h).
 */
#include "db/db_witness.h"

#include <string.h>

/* Caller: api/witness_queue.c, every idle poll. One statement: the missing
 * rows first (a new log, a newly configured witness), then the claim. */
static const struct db_stmt stmt_fill = {
    .name = "witness_fill",
    .sql = "INSERT INTO witness_submissions (assembly_id, witness) "
           "SELECT h.assembly_id, w FROM audit_heads h CROSS JOIN unnest($1::text[]) AS w "
           "WHERE h.size > 0 ON CONFLICT DO NOTHING",
    .nparams = 1,
};

static const struct db_stmt stmt_claim = {
    .name = "witness_claim",
    .sql = "UPDATE witness_submissions s SET run_after = now() + make_interval(secs => $2::int) "
           "FROM (SELECT s2.assembly_id, s2.witness FROM witness_submissions s2 "
           "      JOIN audit_heads h ON h.assembly_id = s2.assembly_id "
           "      WHERE s2.witness = ANY($1::text[]) AND h.size > s2.size "
           "        AND s2.run_after <= now() "
           "      ORDER BY s2.run_after LIMIT 1 FOR UPDATE OF s2 SKIP LOCKED) t "
           "WHERE s.assembly_id = t.assembly_id AND s.witness = t.witness "
           "RETURNING s.assembly_id, s.witness, s.size, s.attempts",
    .nparams = 2,
};

enum db_status db_witness_claim(struct db_conn *c, struct arena *a, const char *witnesses_array,
                                int lease_s, struct db_witness_job *out)
{
    const char *p[2] = {witnesses_array, db_param_i64(a, lease_s)};
    enum db_status st = db_query_stmt(c, a, &stmt_fill, p, NULL);
    if (st != DB_OK) {
        return st;
    }
    struct db_result r;
    st = db_query_one(c, a, &stmt_claim, p, &r);
    if (st != DB_OK) {
        return st;
    }
    int64_t attempts = 0;
    if (db_get_i64(&r, 0, 0, &out->assembly_id) != 0 || db_get_i64(&r, 0, 2, &out->size) != 0 ||
        db_get_i64(&r, 0, 3, &attempts) != 0) {
        return DB_HARD_ERROR;
    }
    out->witness = db_value(&r, 0, 1);
    out->attempts = (int)attempts;
    return DB_OK;
}

/* GREATEST (issue 15, several pnyxd): a claim is a 60 s lease (run_after)
 * and a submission times out in 10 s, so two processes never submit the
 * same (assembly, witness) at once; but a process stalled past its lease
 * (SIGSTOP, swap) would, on waking, store its older size over a newer
 * one another process recorded, and the next claim would resubmit
 * sizes the witness already cosigned. The size only grows. */
static const struct db_stmt stmt_cosigned = {
    .name = "witness_cosigned",
    .sql = "WITH ins AS (INSERT INTO witness_cosignatures (assembly_id, size, witness, line) "
           "VALUES ($1, $3, $2, $4) ON CONFLICT DO NOTHING) "
           "UPDATE witness_submissions SET size = GREATEST(size, $3), attempts = 0, "
           "run_after = now(), "
           "last_error = NULL WHERE assembly_id = $1 AND witness = $2",
    .nparams = 4,
};

enum db_status db_witness_cosigned(struct db_conn *c, struct arena *a, int64_t aid,
                                   const char *witness, int64_t size, const char *line)
{
    const char *p[4] = {db_param_i64(a, aid), witness, db_param_i64(a, size), line};
    return db_query_stmt(c, a, &stmt_cosigned, p, NULL);
}

static const struct db_stmt stmt_resync = {
    .name = "witness_resync",
    .sql = "UPDATE witness_submissions SET size = $3, run_after = now() "
           "WHERE assembly_id = $1 AND witness = $2",
    .nparams = 3,
};

enum db_status db_witness_resync(struct db_conn *c, struct arena *a, int64_t aid,
                                 const char *witness, int64_t size)
{
    const char *p[3] = {db_param_i64(a, aid), witness, db_param_i64(a, size)};
    return db_query_stmt(c, a, &stmt_resync, p, NULL);
}

static const struct db_stmt stmt_failed = {
    .name = "witness_failed",
    .sql = "UPDATE witness_submissions SET attempts = attempts + 1, "
           "run_after = now() + make_interval(secs => $3::int), last_error = $4 "
           "WHERE assembly_id = $1 AND witness = $2",
    .nparams = 4,
};

enum db_status db_witness_failed(struct db_conn *c, struct arena *a, int64_t aid,
                                 const char *witness, int delay_s, const char *why)
{
    const char *p[4] = {db_param_i64(a, aid), witness, db_param_i64(a, delay_s), why};
    return db_query_stmt(c, a, &stmt_failed, p, NULL);
}

static const struct db_stmt stmt_lines = {
    .name = "witness_lines",
    .sql = "SELECT coalesce(string_agg(line, '' ORDER BY witness), '') FROM witness_cosignatures "
           "WHERE assembly_id = $1 AND size = $2",
    .nparams = 2,
};

enum db_status db_witness_lines(struct db_conn *c, struct arena *a, int64_t aid, int64_t size,
                                const char **lines)
{
    const char *p[2] = {db_param_i64(a, aid), db_param_i64(a, size)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_lines, p, &r);
    if (st != DB_OK) {
        return st;
    }
    *lines = db_value(&r, 0, 0) ? db_value(&r, 0, 0) : "";
    return DB_OK;
}

static const struct db_stmt stmt_checkpoints = {
    .name = "witness_checkpoints",
    .sql = "SELECT k.size, k.note || coalesce((SELECT string_agg(w.line, '' ORDER BY w.witness) "
           "FROM witness_cosignatures w WHERE w.assembly_id = k.assembly_id AND w.size = k.size), "
           "'') FROM audit_checkpoints k WHERE k.assembly_id = $1 AND k.size > $2 "
           "AND k.size <= $3 ORDER BY k.size LIMIT $4",
    .nparams = 4,
};

enum db_status db_witness_checkpoints(struct db_conn *c, struct arena *a, int64_t aid,
                                      int64_t after, int64_t max_size, int limit,
                                      struct db_witness_checkpoint **items, int *n)
{
    const char *p[4] = {db_param_i64(a, aid), db_param_i64(a, after), db_param_i64(a, max_size),
                        db_param_i64(a, limit)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_checkpoints, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_witness_checkpoint *out = arena_calloc(a, (size_t)r.nrows + 1, sizeof *out);
    for (int i = 0; i < r.nrows; i++) {
        if (db_get_i64(&r, i, 0, &out[i].size) != 0) {
            return DB_HARD_ERROR;
        }
        out[i].note = db_value(&r, i, 1);
    }
    *items = out;
    *n = r.nrows;
    return DB_OK;
}

/* ---- k of n before a tally ---------------------------------------------------------- */

/* Caller: witness_queue.c (witness_cosigned_count, the witnesses route). */
static const struct db_stmt stmt_latest = {
    .name = "witness_latest",
    .sql = "SELECT DISTINCT ON (w.witness) w.witness, w.size, w.line, k.note "
           "FROM witness_cosignatures w LEFT JOIN audit_checkpoints k "
           "ON k.assembly_id = w.assembly_id AND k.size = w.size "
           "WHERE w.assembly_id = $1 AND w.witness = ANY ($2::text[]) "
           "ORDER BY w.witness, w.size DESC",
    .nparams = 2,
};

enum db_status db_witness_latest(struct db_conn *c, struct arena *a, int64_t aid,
                                 const char *witnesses_array, struct db_witness_latest **items,
                                 int *n)
{
    const char *p[2] = {db_param_i64(a, aid), witnesses_array};
    struct db_result r;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_latest, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_witness_latest *out = arena_calloc(a, (size_t)r.nrows + 1, sizeof *out);
    for (int i = 0; i < r.nrows; i++) {
        if (db_get_i64(&r, i, 1, &out[i].size) != 0) {
            return DB_HARD_ERROR;
        }
        out[i].witness = db_value(&r, i, 0);
        out[i].line = db_value(&r, i, 2);
        out[i].note = db_is_null(&r, i, 3) ? NULL : db_value(&r, i, 3);
    }
    *items = out;
    *n = r.nrows;
    return DB_OK;
}

/* Caller: api_results.c (the result route), the witnesses route. */
static const struct db_stmt stmt_quorum = {
    .name = "witness_quorum",
    .sql = "SELECT witness_quorum FROM assemblies WHERE id = $1",
    .nparams = 1,
};

enum db_status db_witness_quorum(struct db_conn *c, struct arena *a, int64_t aid, int *k)
{
    const char *p[1] = {db_param_i64(a, aid)};
    struct db_result r;
    int64_t v = 0;
    enum db_status st = db_query_one(c, a, &stmt_quorum, p, &r);
    if (st == DB_OK && db_get_i64(&r, 0, 0, &v) != 0) {
        st = DB_HARD_ERROR;
    }
    *k = (int)v;
    return st;
}

/* Caller: api_assemblies.c PATCH (inside its transaction). */
static const struct db_stmt stmt_quorum_set = {
    .name = "witness_quorum_set",
    .sql = "UPDATE assemblies SET witness_quorum = $2 WHERE id = $1",
    .nparams = 2,
};

enum db_status db_witness_quorum_set(struct db_conn *c, struct arena *a, int64_t aid, int k)
{
    const char *p[2] = {db_param_i64(a, aid), db_param_i64(a, k)};
    return db_query_stmt(c, a, &stmt_quorum_set, p, NULL);
}

/* Caller: api_results.c tally_body, before it claims the question. */
static const struct db_stmt stmt_tally_gate = {
    .name = "witness_tally_gate",
    .sql = "SELECT q.assembly_id, coalesce(q.closed_log_size, -1), a.witness_quorum "
           "FROM questions q JOIN assemblies a ON a.id = q.assembly_id "
           "WHERE q.id = $1 AND q.state = 'closed'",
    .nparams = 1,
};

enum db_status db_witness_tally_gate(struct db_conn *c, struct arena *a, int64_t qid, int64_t *aid,
                                     int64_t *closed_size, int *k)
{
    const char *p[1] = {db_param_i64(a, qid)};
    struct db_result r;
    int64_t v = 0;
    enum db_status st = db_query_one(c, a, &stmt_tally_gate, p, &r);
    if (st == DB_OK && (db_get_i64(&r, 0, 0, aid) != 0 || db_get_i64(&r, 0, 1, closed_size) != 0 ||
                        db_get_i64(&r, 0, 2, &v) != 0)) {
        st = DB_HARD_ERROR;
    }
    *k = (int)v;
    return st;
}

/* Caller: api_results.c tally_body (the quorum is not met yet). */
static const struct db_stmt stmt_tally_later = {
    .name = "witness_tally_later",
    .sql = "UPDATE questions SET tally_after = now() + make_interval(secs => $2) "
           "WHERE id = $1 AND state = 'closed'",
    .nparams = 2,
};

enum db_status db_witness_tally_later(struct db_conn *c, struct arena *a, int64_t qid, int delay_s)
{
    const char *p[2] = {db_param_i64(a, qid), db_param_i64(a, delay_s)};
    return db_query_stmt(c, a, &stmt_tally_later, p, NULL);
}
