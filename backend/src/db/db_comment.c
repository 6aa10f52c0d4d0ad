/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_comment.c — SQL for comments and their translations (see
 * db_comment.h and sql/007_comments.sql for the thread-order key). One
 * prepared statement per function; every statement names its caller.
 */
#include "db/db_comment.h"

#include <string.h>

#include "db/db_int.h"

/* Columns of a comment row c joined with its author acc (read_comment). */
#define COMMENT_COLS                                                                               \
    "c.id, c.assembly_id, c.proposal_id, coalesce(c.parent_id, 0), length(c.path) / 8 - 1, "       \
    "c.author_id, acc.display_name, acc.country, c.language, c.body, c.status, "                   \
    "c.hidden_reason, c.version, " DB_RFC3339("c.created_at") ", " DB_RFC3339(                     \
        "c.updated_at") ", " DB_RFC3339("c.hidden_at")
#define COMMENT_NCOLS 16

/* Columns of a translation row t (read_translation). */
#define TR_COLS                                                                                    \
    "t.id, t.comment_id, t.version, t.language, t.body, t.source, t.pivot, t.translator, "         \
    "coalesce(t.translated_by, 0), " DB_RFC3339("t.created_at") ", coalesce(t.reviewed_by, 0), "   \
                                                                "" DB_RFC3339(                     \
                                                                    "t.reviewed_at") ", t.current"
#define TR_NCOLS 13

static int get_int(const struct db_result *r, int row, int col, int *out)
{
    int64_t v;
    if (db_get_i64(r, row, col, &v) != 0 || v < INT32_MIN || v > INT32_MAX) {
        return -1;
    }
    *out = (int)v;
    return 0;
}

static enum db_status read_comment(const struct db_result *r, int row, struct db_comment *out)
{
    memset(out, 0, sizeof(*out));
    if (db_get_i64(r, row, 0, &out->id) != 0 || db_get_i64(r, row, 1, &out->assembly_id) != 0 ||
        db_get_i64(r, row, 2, &out->proposal_id) != 0 ||
        db_get_i64(r, row, 3, &out->parent_id) != 0 || get_int(r, row, 4, &out->depth) != 0 ||
        db_get_i64(r, row, 5, &out->author_id) != 0 || get_int(r, row, 12, &out->version) != 0) {
        return DB_HARD_ERROR;
    }
    out->author_name = db_value(r, row, 6);
    out->author_country = db_value(r, row, 7);
    out->language = db_value(r, row, 8);
    out->body = db_value(r, row, 9);
    out->status = db_value(r, row, 10);
    out->hidden_reason = db_value(r, row, 11);
    out->created_at = db_value(r, row, 13);
    out->updated_at = db_value(r, row, 14);
    out->hidden_at = db_value(r, row, 15);
    return DB_OK;
}

/* One statement whose single row is a comment (COMMENT_COLS) into out. */
static enum db_status query_comment(struct db_conn *c, struct arena *a, const struct db_stmt *stmt,
                                    const char *const *p, struct db_comment *out)
{
    struct db_result r;
    enum db_status st = db_query_one(c, a, stmt, p, &r);
    return st == DB_OK ? read_comment(&r, 0, out) : st;
}

/* Reads TR_COLS starting at column `col`. */
static enum db_status read_translation(const struct db_result *r, int row, int col,
                                       struct db_comment_translation *out)
{
    memset(out, 0, sizeof(*out));
    if (db_get_i64(r, row, col, &out->id) != 0 ||
        db_get_i64(r, row, col + 1, &out->comment_id) != 0 ||
        get_int(r, row, col + 2, &out->version) != 0 ||
        db_get_i64(r, row, col + 8, &out->translated_by) != 0 ||
        db_get_i64(r, row, col + 10, &out->reviewed_by) != 0 ||
        db_get_bool(r, row, col + 12, &out->current) != 0) {
        return DB_HARD_ERROR;
    }
    out->language = db_value(r, row, col + 3);
    out->body = db_value(r, row, col + 4);
    out->source = db_value(r, row, col + 5);
    out->pivot = db_value(r, row, col + 6);
    out->translator = db_value(r, row, col + 7);
    out->created_at = db_value(r, row, col + 9);
    out->reviewed_at = db_value(r, row, col + 11);
    return DB_OK;
}

static const char *opt_id(struct arena *a, int64_t id)
{
    return id > 0 ? db_param_i64(a, id) : NULL;
}

/* Caller: api_comments.c, every comment route on a proposal (list, post;
 * the locking variant inside the post transaction). */
#define SCOPE_SQL                                                                                  \
    "SELECT p.id, p.assembly_id, p.status, a.visibility = 'public', a.join_policy = 'open', "      \
    "m.role, m.status, p.comment_count || '.' || p.comments_rev || '.' || "                        \
    "(SELECT e.n FROM comment_page_epoch e) FROM proposals p "                                     \
    "JOIN assemblies a ON a.id = p.assembly_id "                                                   \
    "LEFT JOIN memberships m ON m.assembly_id = a.id AND m.account_id = $2 WHERE p.id = $1"
static const struct db_stmt stmt_scope = {.name = "comment_scope", .sql = SCOPE_SQL, .nparams = 2};
static const struct db_stmt stmt_scope_lock = {
    .name = "comment_scope_lock", .sql = SCOPE_SQL " FOR NO KEY UPDATE OF p", .nparams = 2};

enum db_status db_comment_scope(struct db_conn *c, struct arena *a, int64_t pid, int64_t viewer,
                                bool lock, struct db_comment_scope *out)
{
    const char *p[2] = {db_param_i64(a, pid), opt_id(a, viewer)};
    struct db_result r;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_query_one(c, a, lock ? &stmt_scope_lock : &stmt_scope, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (db_get_i64(&r, 0, 0, &out->proposal_id) != 0 ||
        db_get_i64(&r, 0, 1, &out->assembly_id) != 0 ||
        db_get_bool(&r, 0, 3, &out->sd.is_public) != 0 ||
        db_get_bool(&r, 0, 4, &out->sd.open_to_join) != 0) {
        return DB_HARD_ERROR;
    }
    out->proposal_status = db_value(&r, 0, 2);
    out->sd.role = db_value(&r, 0, 5);
    out->sd.status = db_value(&r, 0, 6);
    out->comments_key = db_value(&r, 0, 7);
    return DB_OK;
}

/* Caller: api_comments.c, the group key of a change to comment $1. */
static const struct db_stmt stmt_assembly = {
    .name = "comment_assembly",
    .sql = "SELECT assembly_id FROM comments WHERE id = $1",
    .nparams = 1,
};

enum db_status db_comment_assembly(struct db_conn *c, struct arena *a, int64_t cid, int64_t *aid)
{
    const char *p[1] = {db_param_i64(a, cid)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_assembly, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return db_get_i64(&r, 0, 0, aid) == 0 ? DB_OK : DB_HARD_ERROR;
}

/* Caller: api_comments.c post (a reply's parent). */
static const struct db_stmt stmt_parent = {
    .name = "comment_parent",
    .sql = "SELECT length(path) / 8 - 1 FROM comments WHERE id = $2 AND proposal_id = $1",
    .nparams = 2,
};

enum db_status db_comment_parent_depth(struct db_conn *c, struct arena *a, int64_t pid, int64_t cid,
                                       int *depth)
{
    const char *p[2] = {db_param_i64(a, pid), db_param_i64(a, cid)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_parent, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return get_int(&r, 0, 0, depth) == 0 ? DB_OK : DB_HARD_ERROR;
}

/* Caller: api_comments.c post. The id is drawn first so that the path
 * (parent's path ‖ own id) is written with the row; the proposal's
 * comment_count (006: +1 per comment created, never decremented) moves in
 * the same statement, under the row lock db_comment_scope took. */
static const struct db_stmt stmt_insert = {
    .name = "comment_insert",
    .sql = "WITH nid AS (SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS id), "
           "ins AS (INSERT INTO comments (id, assembly_id, proposal_id, parent_id, path, "
           "author_id, language, body) SELECT nid.id, $1, $2, $3, coalesce((SELECT path FROM "
           "comments WHERE id = $3), ''::bytea) || int8send(nid.id), $4, $5, $6 FROM nid "
           "RETURNING *), "
           "cnt AS (UPDATE proposals SET comment_count = comment_count + 1 WHERE id = $2) "
           "SELECT " COMMENT_COLS " FROM ins c JOIN accounts acc ON acc.id = c.author_id",
    .nparams = 6,
};

enum db_status db_comment_insert(struct db_conn *c, struct arena *a, int64_t aid, int64_t pid,
                                 int64_t parent, int64_t author, const char *language,
                                 const char *body, struct db_comment *out)
{
    const char *p[6] = {db_param_i64(a, aid),
                        db_param_i64(a, pid),
                        opt_id(a, parent),
                        db_param_i64(a, author),
                        language,
                        body};
    return query_comment(c, a, &stmt_insert, p, out);
}

/* Caller: api_comments.c post, the fast path. The same insert, done only
 * if the proposal and the caller's standing are still exactly what the
 * caller decided on ($7 status, $8 public, $9 role, $10 membership status;
 * the proposal row locked as db_comment_scope's lock does) and the parent,
 * if any, is the proposal's and not too deep: one round trip instead of
 * two; no row when anything differs (the caller then takes the slow path). */
/* clang-format off */
static const struct db_stmt stmt_insert_guarded = {
    .name = "comment_insert_guarded",
    .sql = "WITH g AS (SELECT p.id FROM proposals p JOIN assemblies a ON a.id = p.assembly_id "
             "LEFT JOIN memberships m ON m.assembly_id = a.id AND m.account_id = $4 "
             "WHERE p.id = $2 AND p.assembly_id = $1 AND p.status = $7 "
               "AND (a.visibility = 'public') = $8::boolean "
               "AND m.role IS NOT DISTINCT FROM $9 AND m.status IS NOT DISTINCT FROM $10 "
             "FOR NO KEY UPDATE OF p), "
           "par AS (SELECT path FROM comments WHERE id = $3 AND proposal_id = $2 "
             "AND length(path) <= $11::int * 8), "
           "nid AS (SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS id FROM g "
             "WHERE $3::bigint IS NULL OR EXISTS (SELECT 1 FROM par)), "
           "ins AS (INSERT INTO comments (id, assembly_id, proposal_id, parent_id, path, "
             "author_id, language, body) SELECT nid.id, $1, $2, $3, "
             "coalesce((SELECT path FROM par), ''::bytea) || int8send(nid.id), $4, $5, $6 "
             "FROM nid RETURNING *), "
           "cnt AS (UPDATE proposals SET comment_count = comment_count + 1 "
             "WHERE id = (SELECT proposal_id FROM ins)), "
           /* The machine-translation jobs, as db_translation_enqueue
            * queues them (keep the two alike): $12 whether to, $13 the
            * source's primary subtag, $14 the reachable languages (JSON,
            * NULL: any). */
           "jobs AS (INSERT INTO translation_jobs (assembly_id, kind, target_id, version, "
             "source_language, target_language) "
             "SELECT ins.assembly_id, 'comment', ins.id, ins.version, ins.language, l.language "
             "FROM ins JOIN assembly_languages l ON l.assembly_id = ins.assembly_id "
             "WHERE $12::boolean AND l.readers > 0 AND l.language <> $13 "
             "AND ($14::json IS NULL OR l.language IN "
               "(SELECT json_array_elements_text($14::json))) "
             "ON CONFLICT ON CONSTRAINT translation_jobs_target_key DO NOTHING RETURNING 1) "
           "SELECT " COMMENT_COLS ", (SELECT count(*) FROM jobs) "
           "FROM ins c JOIN accounts acc ON acc.id = c.author_id",
    .nparams = 14,
};
/* clang-format on */

enum db_status db_comment_insert_guarded(struct db_conn *c, struct arena *a,
                                         const struct db_comment_scope *seen, int64_t parent,
                                         int64_t author, const char *language, const char *body,
                                         const struct db_comment_jobs *jobs, struct db_comment *out,
                                         bool *inserted, int64_t *queued)
{
    const char *p[14] = {db_param_i64(a, seen->assembly_id),
                         db_param_i64(a, seen->proposal_id),
                         opt_id(a, parent),
                         db_param_i64(a, author),
                         language,
                         body,
                         seen->proposal_status,
                         seen->sd.is_public ? "true" : "false",
                         seen->sd.role,
                         seen->sd.status,
                         db_param_i64(a, DB_COMMENT_MAX_DEPTH),
                         jobs->enqueue ? "true" : "false",
                         jobs->enqueue ? jobs->src : "",
                         jobs->enqueue ? jobs->targets : NULL};
    struct db_result r;
    *inserted = false;
    *queued = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_insert_guarded, p, &r);
    if (st != DB_OK || r.nrows == 0) {
        return st;
    }
    *inserted = true;
    st = read_comment(&r, 0, out);
    if (st == DB_OK && db_get_i64(&r, 0, COMMENT_NCOLS, queued) != 0) {
        st = DB_HARD_ERROR;
    }
    return st;
}

/* Caller: api_comments.c, the batch body of posts (one assembly, $1).
 * x: the posts in arrival order (arrays $2..$14, one element a post; $11
 * the deepest parent allowed, $15 how many posts). g locks their proposals
 * in id order (two batches, or a batch and a single post, never lock two
 * proposals in opposite orders). ok: the posts whose guard holds, as
 * stmt_insert_guarded checks it; only if that is all of them does nid
 * draw ids, in arrival order (the sorted subquery is not flattened, so
 * nextval runs on its rows in order), and ins, cnt (once per proposal:
 * one row cannot be updated twice in a statement) and jobs (as
 * stmt_insert_guarded's, per post) write. One row per post, in order. */
/* clang-format off */
static const struct db_stmt stmt_insert_many = {
    .name = "comment_insert_many",
    .sql = "WITH x AS MATERIALIZED (SELECT * FROM unnest($2::bigint[], $3::bigint[], "
             "$4::bigint[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::text[], "
             "$10::text[], $12::boolean[], $13::text[], $14::text[]) WITH ORDINALITY "
             "AS x(pid, parent, author, language, body, status, pub, role, mstatus, jq, src, "
             "targets, ord)), "
           "g AS MATERIALIZED (SELECT p.id, p.status, a.visibility = 'public' AS pub "
             "FROM proposals p JOIN assemblies a ON a.id = p.assembly_id "
             "WHERE p.id = ANY ($2::bigint[]) AND p.assembly_id = $1 ORDER BY p.id "
             "FOR NO KEY UPDATE OF p), "
           "ok AS (SELECT x.ord FROM x JOIN g ON g.id = x.pid AND g.status = x.status "
             "AND g.pub = x.pub "
             "LEFT JOIN LATERAL (SELECT m.role, m.status FROM memberships m "
               "WHERE m.assembly_id = $1 AND m.account_id = x.author LIMIT 1) m ON true "
             "WHERE m.role IS NOT DISTINCT FROM x.role AND m.status IS NOT DISTINCT FROM x.mstatus "
               "AND (x.parent IS NULL OR EXISTS (SELECT 1 FROM comments pc WHERE pc.id = x.parent "
               "AND pc.proposal_id = x.pid AND length(pc.path) <= $11::int * 8))), "
           "nid AS MATERIALIZED (SELECT s.*, nextval(pg_get_serial_sequence('comments', 'id')) "
             "AS id FROM (SELECT x.* FROM x WHERE (SELECT count(*) FROM ok) = $15::int "
             "ORDER BY x.ord OFFSET 0) s), "
           "ins AS (INSERT INTO comments (id, assembly_id, proposal_id, parent_id, path, "
             "author_id, language, body) SELECT nid.id, $1, nid.pid, nid.parent, "
             "coalesce((SELECT pc.path FROM comments pc WHERE pc.id = nid.parent), ''::bytea) "
             "|| int8send(nid.id), nid.author, nid.language, nid.body FROM nid RETURNING *), "
           "cnt AS (UPDATE proposals p SET comment_count = p.comment_count + k.n "
             "FROM (SELECT proposal_id, count(*) AS n FROM ins GROUP BY proposal_id) k "
             "WHERE p.id = k.proposal_id), "
           "jobs AS (INSERT INTO translation_jobs (assembly_id, kind, target_id, version, "
             "source_language, target_language) "
             "SELECT ins.assembly_id, 'comment', ins.id, ins.version, ins.language, l.language "
             "FROM ins JOIN nid ON nid.id = ins.id "
             "JOIN assembly_languages l ON l.assembly_id = ins.assembly_id "
             "WHERE nid.jq AND l.readers > 0 AND l.language <> nid.src "
             "AND (nid.targets IS NULL OR l.language IN "
               "(SELECT json_array_elements_text(nid.targets::json))) "
             "ON CONFLICT ON CONSTRAINT translation_jobs_target_key DO NOTHING "
             "RETURNING target_id) "
           "SELECT " COMMENT_COLS ", (SELECT count(*) FROM jobs j WHERE j.target_id = c.id), "
           "nid.ord FROM ins c JOIN nid ON nid.id = c.id JOIN accounts acc ON acc.id = c.author_id "
           "ORDER BY nid.ord",
    .nparams = 15,
};
/* clang-format on */

/* v[0..n) as an array literal ("{…}", in a): each element NULL, or
 * double-quoted with a backslash before '"' and '\' (every other byte,
 * commas and braces included, stands for itself inside the quotes). */
static const char *array_literal(struct arena *a, const char *const *v, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += v[i] != NULL ? 2 * strlen(v[i]) + 3 : 5;
    char *out = arena_alloc(a, len), *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            *p++ = ',';
        if (v[i] == NULL) {
            memcpy(p, "NULL", 4);
            p += 4;
            continue;
        }
        *p++ = '"';
        for (const char *q = v[i]; *q; q++) {
            if (*q == '"' || *q == '\\')
                *p++ = '\\';
            *p++ = *q;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

/* The columns of stmt_insert_many's arrays, in its parameters' order. */
enum {
    M_PID,
    M_PARENT,
    M_AUTHOR,
    M_LANG,
    M_BODY,
    M_STATUS,
    M_PUB,
    M_ROLE,
    M_MSTATUS,
    M_JQ,
    M_SRC,
    M_TARGETS,
    M__COUNT
};

enum db_status db_comment_insert_many(struct db_conn *c, struct arena *a, int64_t aid,
                                      const struct db_comment_new *const *in, size_t n,
                                      struct db_comment *const *out, int64_t *queued,
                                      bool *inserted)
{
    *inserted = false;
    if (n == 0 || n > DB_GROUP_MAX_BATCH)
        return DB_HARD_ERROR;
    const char *col[M__COUNT][DB_GROUP_MAX_BATCH];
    for (size_t i = 0; i < n; i++) {
        const struct db_comment_new *p = in[i];
        if (p->seen->assembly_id != aid)
            return DB_HARD_ERROR; /* one batch = one assembly: never */
        col[M_PID][i] = db_param_i64(a, p->seen->proposal_id);
        col[M_PARENT][i] = opt_id(a, p->parent);
        col[M_AUTHOR][i] = db_param_i64(a, p->author);
        col[M_LANG][i] = p->language;
        col[M_BODY][i] = p->body;
        col[M_STATUS][i] = p->seen->proposal_status;
        col[M_PUB][i] = p->seen->sd.is_public ? "t" : "f";
        col[M_ROLE][i] = p->seen->sd.role;
        col[M_MSTATUS][i] = p->seen->sd.status;
        col[M_JQ][i] = p->jobs.enqueue ? "t" : "f";
        col[M_SRC][i] = p->jobs.enqueue ? p->jobs.src : NULL;
        col[M_TARGETS][i] = p->jobs.enqueue ? p->jobs.targets : NULL;
    }
    const char *par[15];
    par[0] = db_param_i64(a, aid);
    for (int k = 0; k < M__COUNT; k++) {
        /* $2..$10 the first nine columns, $11 the depth, $12..$14 the jobs */
        par[k < M_JQ ? 1 + k : 2 + k] = array_literal(a, col[k], n);
    }
    par[10] = db_param_i64(a, DB_COMMENT_MAX_DEPTH);
    par[14] = db_param_i64(a, (int64_t)n);
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_insert_many, par, &r);
    if (st != DB_OK || r.nrows == 0)
        return st;
    if ((size_t)r.nrows != n)
        return DB_HARD_ERROR;
    for (size_t i = 0; i < n; i++) {
        int64_t ord = 0;
        st = read_comment(&r, (int)i, out[i]);
        if (st == DB_OK &&
            (db_get_i64(&r, (int)i, COMMENT_NCOLS, &queued[i]) != 0 ||
             db_get_i64(&r, (int)i, COMMENT_NCOLS + 1, &ord) != 0 || ord != (int64_t)i + 1))
            st = DB_HARD_ERROR;
        if (st != DB_OK)
            return st;
    }
    *inserted = true;
    return DB_OK;
}

/* Caller: api_comments.c edit, delete, hide, translate, review. */
static const struct db_stmt stmt_lock = {
    .name = "comment_lock",
    .sql = "SELECT " COMMENT_COLS ", c.created_at > now() - make_interval(secs => $2) "
           "FROM comments c JOIN accounts acc ON acc.id = c.author_id WHERE c.id = $1 "
           "FOR UPDATE OF c",
    .nparams = 2,
};

/* Caller: api_comments.c versions (a read: no lock). */
static const struct db_stmt stmt_get = {
    .name = "comment_get",
    .sql = "SELECT " COMMENT_COLS ", c.created_at > now() - make_interval(secs => $2) "
           "FROM comments c JOIN accounts acc ON acc.id = c.author_id WHERE c.id = $1",
    .nparams = 2,
};

static enum db_status load(struct db_conn *c, struct arena *a, const struct db_stmt *stmt,
                           int64_t cid, int window_s, struct db_comment *out)
{
    const char *p[2] = {db_param_i64(a, cid), db_param_i64(a, window_s)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, stmt, p, &r);
    if (st == DB_OK) {
        st = read_comment(&r, 0, out);
    }
    if (st == DB_OK && db_get_bool(&r, 0, COMMENT_NCOLS, &out->in_edit_window) != 0) {
        st = DB_HARD_ERROR;
    }
    return st;
}

enum db_status db_comment_lock(struct db_conn *c, struct arena *a, int64_t cid, int window_s,
                               struct db_comment *out)
{
    return load(c, a, &stmt_lock, cid, window_s, out);
}

enum db_status db_comment_get(struct db_conn *c, struct arena *a, int64_t cid, int window_s,
                              struct db_comment *out)
{
    return load(c, a, &stmt_get, cid, window_s, out);
}

/* Caller: api_comments.c versions: the superseded texts, then the current
 * one (none once deleted), by version. */
static const struct db_stmt stmt_versions = {
    .name = "comment_versions",
    .sql = "SELECT version, body, " DB_RFC3339(
        "created_at") " FROM ("
                      "SELECT version, body, created_at FROM comment_versions WHERE comment_id = "
                      "$1 "
                      "UNION ALL SELECT version, body, updated_at FROM comments WHERE id = $1 "
                      "AND body IS NOT NULL) v WHERE version > $2 ORDER BY version LIMIT $3",
    .nparams = 3,
};

enum db_status db_comment_versions(struct db_conn *c, struct arena *a, int64_t cid, int after,
                                   int limit, struct db_comment_version **items, int *n)
{
    const char *p[3] = {db_param_i64(a, cid), db_param_i64(a, after), db_param_i64(a, limit)};
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_versions, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_comment_version *out =
        arena_calloc(a, r.nrows > 0 ? (size_t)r.nrows : 1, sizeof(*out));
    for (int i = 0; i < r.nrows; i++) {
        if (get_int(&r, i, 0, &out[i].version) != 0) {
            return DB_HARD_ERROR;
        }
        out[i].body = db_value(&r, i, 1);
        out[i].created_at = db_value(&r, i, 2);
    }
    *items = out;
    *n = r.nrows;
    return DB_OK;
}

/* Caller: api_comments.c edit. The old text goes to the history in the
 * same statement (the CTE reads the row as it was). */
static const struct db_stmt stmt_edit = {
    .name = "comment_edit",
    .sql = "WITH old AS (INSERT INTO comment_versions (comment_id, version, body, created_at) "
           "SELECT id, version, body, updated_at FROM comments WHERE id = $1), "
           "upd AS (UPDATE comments SET body = $2, version = version + 1, updated_at = now() "
           "WHERE id = $1 RETURNING *) "
           "SELECT " COMMENT_COLS " FROM upd c JOIN accounts acc ON acc.id = c.author_id",
    .nparams = 2,
};

enum db_status db_comment_edit(struct db_conn *c, struct arena *a, int64_t cid, const char *body,
                               struct db_comment *out)
{
    const char *p[2] = {db_param_i64(a, cid), body};
    return query_comment(c, a, &stmt_edit, p, out);
}

/* Caller: api_comments.c delete. */
static const struct db_stmt stmt_delete = {
    .name = "comment_delete",
    .sql = "WITH h AS (DELETE FROM comment_versions WHERE comment_id = $1), "
           "t AS (DELETE FROM comment_translations WHERE comment_id = $1), "
           "upd AS (UPDATE comments SET status = 'deleted', body = NULL, updated_at = now() "
           "WHERE id = $1 RETURNING *) "
           "SELECT " COMMENT_COLS " FROM upd c JOIN accounts acc ON acc.id = c.author_id",
    .nparams = 1,
};

enum db_status db_comment_delete(struct db_conn *c, struct arena *a, int64_t cid,
                                 struct db_comment *out)
{
    const char *p[1] = {db_param_i64(a, cid)};
    return query_comment(c, a, &stmt_delete, p, out);
}

/* Caller: api_comments.c hide. */
static const struct db_stmt stmt_hide = {
    .name = "comment_hide",
    .sql = "WITH upd AS (UPDATE comments SET status = 'hidden', hidden_reason = $3, "
           "hidden_by = $2, hidden_at = now(), updated_at = now() WHERE id = $1 RETURNING *) "
           "SELECT " COMMENT_COLS " FROM upd c JOIN accounts acc ON acc.id = c.author_id",
    .nparams = 3,
};

enum db_status db_comment_hide(struct db_conn *c, struct arena *a, int64_t cid, int64_t by,
                               const char *reason, struct db_comment *out)
{
    const char *p[3] = {db_param_i64(a, cid), db_param_i64(a, by), reason};
    return query_comment(c, a, &stmt_hide, p, out);
}

/* Caller: api_comments.c list (GET …/comments and the proposal page). The
 * page is one range scan of comments_thread, (proposal_id, path) from the
 * cursor's path on, stopping after the page (the ORDER BY names the index's
 * columns and the bound is an index condition, so no page reads or sorts
 * the comments before it; an unknown cursor gives NULL: no rows); each row
 * probes its translations (comment_translations_comment) for the best one
 * in the reader's languages ($4, primary subtags in preference order) that
 * ranks before the comment's own language. */
#define PRIMARY(col) "lower(split_part(" col ", '-', 1))"
/* clang-format off */
static const struct db_stmt stmt_list = {
    .name = "comment_list",
    .sql = "SELECT " COMMENT_COLS ", " TR_COLS " FROM comments c "
           "JOIN accounts acc ON acc.id = c.author_id "
           "LEFT JOIN LATERAL (SELECT * FROM comment_translations t WHERE t.comment_id = c.id "
             "AND t.current AND t.version <= c.version AND c.body IS NOT NULL "
             "AND array_position($4::text[], " PRIMARY("t.language") ") < "
                 "coalesce(array_position($4::text[], " PRIMARY("c.language") "), 2147483647) "
             "ORDER BY array_position($4::text[], " PRIMARY("t.language") "), t.version DESC "
             "LIMIT 1) t ON true "
           "WHERE c.proposal_id = $1 AND c.path > CASE WHEN $2::bigint = 0 THEN ''::bytea "
             "ELSE (SELECT path FROM comments WHERE id = $2 AND proposal_id = $1) END "
           "ORDER BY c.proposal_id, c.path LIMIT $3",
    .nparams = 4,
};
/* clang-format on */

/* '{en,fr}' from [a-z] subtags (the caller guarantees the alphabet). */
static const char *text_array(struct arena *a, const char *const *v, int n)
{
    size_t len = 3;
    for (int i = 0; i < n; i++) {
        len += strlen(v[i]) + 1;
    }
    char *s = arena_alloc(a, len);
    char *p = s;
    *p++ = '{';
    for (int i = 0; i < n; i++) {
        size_t l = strlen(v[i]);
        if (i > 0) {
            *p++ = ',';
        }
        memcpy(p, v[i], l);
        p += l;
    }
    *p++ = '}';
    *p = '\0';
    return s;
}

enum db_status db_comment_list(struct db_conn *c, struct arena *a, int64_t pid, int64_t after,
                               int limit, const char *const *langs, int n_langs,
                               struct db_comment **items, int *n)
{
    const char *p[4] = {db_param_i64(a, pid), db_param_i64(a, after), db_param_i64(a, limit),
                        text_array(a, langs, n_langs)};
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_list, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_comment *out = arena_calloc(a, r.nrows > 0 ? (size_t)r.nrows : 1, sizeof(*out));
    for (int i = 0; i < r.nrows; i++) {
        st = read_comment(&r, i, &out[i]);
        if (st != DB_OK) {
            return st;
        }
        if (!db_is_null(&r, i, COMMENT_NCOLS)) {
            out[i].tr = arena_calloc(a, 1, sizeof(*out[i].tr));
            st = read_translation(&r, i, COMMENT_NCOLS, out[i].tr);
            if (st != DB_OK) {
                return st;
            }
        }
    }
    *items = out;
    *n = r.nrows;
    return DB_OK;
}

/* Caller: api_comments.c translate (the one it replaces), review. */
static const struct db_stmt stmt_tr_lock = {
    .name = "comment_tr_lock",
    .sql = "SELECT " TR_COLS " FROM comment_translations t WHERE t.comment_id = $1 "
           "AND t.version = $2 AND t.language = $3 AND t.current FOR UPDATE",
    .nparams = 3,
};

enum db_status db_comment_translation_lock(struct db_conn *c, struct arena *a, int64_t cid,
                                           int version, const char *language,
                                           struct db_comment_translation *out)
{
    const char *p[3] = {db_param_i64(a, cid), db_param_i64(a, version), language};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_tr_lock, p, &r);
    return st == DB_OK ? read_translation(&r, 0, 0, out) : st;
}

/* Caller: api_comments.c translate. The previous current row becomes
 * history in the same statement; the partial unique index allows one
 * current row per (comment, language, version). */
static const struct db_stmt stmt_tr_put = {
    .name = "comment_tr_put",
    .sql = "WITH old AS (UPDATE comment_translations SET current = false WHERE comment_id = $1 "
           "AND version = $2 AND language = $3 AND current RETURNING id), "
           "ins AS (INSERT INTO comment_translations (comment_id, version, language, body, "
           "source, pivot, translator, translated_by) SELECT $1, $2, $3, $4, $5, $6, $7, $8 "
           "FROM (SELECT count(*) FROM old) o RETURNING *) "
           "SELECT " TR_COLS " FROM ins t",
    .nparams = 8,
};

enum db_status db_comment_translation_put(struct db_conn *c, struct arena *a,
                                          struct db_comment_translation *in)
{
    const char *p[8] = {db_param_i64(a, in->comment_id),
                        db_param_i64(a, in->version),
                        in->language,
                        in->body,
                        in->source,
                        in->pivot,
                        in->translator,
                        opt_id(a, in->translated_by)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_tr_put, p, &r);
    return st == DB_OK ? read_translation(&r, 0, 0, in) : st;
}

/* Caller: api_comments.c review. */
static const struct db_stmt stmt_tr_review = {
    .name = "comment_tr_review",
    .sql = "UPDATE comment_translations t SET reviewed_by = $2, reviewed_at = now() "
           "WHERE t.id = $1 RETURNING " TR_COLS,
    .nparams = 2,
};

enum db_status db_comment_translation_review(struct db_conn *c, struct arena *a, int64_t id,
                                             int64_t reviewer, struct db_comment_translation *out)
{
    const char *p[2] = {db_param_i64(a, id), db_param_i64(a, reviewer)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_tr_review, p, &r);
    return st == DB_OK ? read_translation(&r, 0, 0, out) : st;
}
