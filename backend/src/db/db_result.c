/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_result.c — SQL of a question's count, result and exports (see
 * db_result.h and sql/010_questions.sql). Rankings and hashes travel as
 * hex text (encode(…, 'hex')) and are decoded here.
 */
#include "db/db_result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base.h"
#include "db/db_int.h"

static int get_int(const struct db_result *r, int row, int col, int64_t *v)
{
    return db_get_i64(r, row, col, v);
}

/* Decodes a hex column into arena bytes; *len = bytes. -1 on NULL/garbage. */
static int get_hex(struct arena *a, const struct db_result *r, int row, int col,
                   const uint8_t **out, size_t *len)
{
    const char *h = db_value(r, row, col);
    if (h == NULL) {
        return -1;
    }
    size_t n = strlen(h);
    if (n % 2 != 0) {
        return -1;
    }
    uint8_t *b = arena_alloc(a, n / 2 + 1);
    if (base_hex_decode(h, n, b, n / 2) != 0) {
        return -1;
    }
    *out = b;
    *len = n / 2;
    return 0;
}

static const char *text_or_empty(const struct db_result *r, int row, int col)
{
    const char *s = db_value(r, row, col);
    return s != NULL ? s : "";
}

/* ---- the question ------------------------------------------------------------------------- */

#define RQ_COLS                                                                                    \
    "q.id, q.assembly_id, a.visibility = 'public', q.state, q.title, q.method, q.seats, "          \
    "q.max_rankings, q.quorum_min_turnout, q.quorum_min_countries, q.country_cap, "                \
    "q.dm_min_country_share, q.adopts_proposals, q.roll_size, q.ballot_count, "                    \
    "encode(q.board_root, 'hex'), q.closed_log_size, q.seed "                                      \
    "FROM questions q JOIN assemblies a ON a.id = q.assembly_id WHERE q.id = $1"

static const struct db_stmt stmt_load = {"rq_load", "SELECT " RQ_COLS, 1};
static const struct db_stmt stmt_load_lock = {"rq_load_lock", "SELECT " RQ_COLS " FOR UPDATE OF q",
                                              1};
static const struct db_stmt stmt_options = {
    "rq_options",
    "SELECT option_id, label, excluded, proposal_id FROM question_options "
    "WHERE question_id = $1 ORDER BY position",
    1};

enum db_status db_rq_load(struct db_conn *c, struct arena *a, int64_t qid, bool for_update,
                          struct db_rq_question *q)
{
    const char *p[1] = {db_param_i64(a, qid)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, for_update ? &stmt_load_lock : &stmt_load, p, &r);
    if (st != DB_OK) {
        return st;
    }
    memset(q, 0, sizeof *q);
    int64_t v;
    bool b;
    if (get_int(&r, 0, 0, &q->id) != 0 || get_int(&r, 0, 1, &q->assembly_id) != 0 ||
        db_get_bool(&r, 0, 2, &q->assembly_public) != 0 || get_int(&r, 0, 6, &v) != 0) {
        return DB_HARD_ERROR;
    }
    q->seats = (int)v;
    q->state = db_value(&r, 0, 3);
    q->title = db_value(&r, 0, 4);
    q->method = db_value(&r, 0, 5);
    q->max_rankings = get_int(&r, 0, 7, &v) == 0 ? (int)v : -1;
    q->min_turnout = text_or_empty(&r, 0, 8);
    q->min_countries = get_int(&r, 0, 9, &v) == 0 ? (int)v : 0;
    q->country_cap = text_or_empty(&r, 0, 10);
    q->dm_share = text_or_empty(&r, 0, 11);
    q->adopts_proposals = db_get_bool(&r, 0, 12, &b) == 0 && b;
    q->roll_size = get_int(&r, 0, 13, &v) == 0 ? v : 0;
    q->ballot_count = get_int(&r, 0, 14, &v) == 0 ? v : 0;
    const char *root = db_value(&r, 0, 15);
    q->has_board_root = root != NULL && base_hex_decode(root, strlen(root), q->board_root, 32) == 0;
    q->closed_log_size = get_int(&r, 0, 16, &v) == 0 ? v : -1;
    q->seed = get_int(&r, 0, 17, &v) == 0 ? v : 0;

    st = db_query_stmt(c, a, &stmt_options, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (r.nrows > DB_RQ_MAX_OPTIONS) {
        return DB_HARD_ERROR;
    }
    q->n_options = r.nrows;
    for (int i = 0; i < r.nrows; i++) {
        snprintf(q->ids[i], sizeof q->ids[i], "%s", text_or_empty(&r, i, 0));
        q->labels[i] = text_or_empty(&r, i, 1);
        q->excluded[i] = db_get_bool(&r, i, 2, &b) == 0 && b;
        q->proposal_ids[i] = get_int(&r, i, 3, &v) == 0 ? v : 0;
    }
    return DB_OK;
}

/* ---- the tally -------------------------------------------------------------------------- */

static const struct db_stmt stmt_claim = {
    "rq_claim",
    "UPDATE questions SET state = 'tallied', tallied_at = now(), updated_at = now() "
    "WHERE id = $1 AND state = 'closed'",
    1};

enum db_status db_rq_claim(struct db_conn *c, struct arena *a, int64_t qid, bool *claimed)
{
    const char *p[1] = {db_param_i64(a, qid)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_claim, p, &r);
    *claimed = st == DB_OK && r.affected == 1;
    return st;
}

static int groups_of(struct arena *a, const struct db_result *r, struct db_rq_group **out, int *n)
{
    struct db_rq_group *g = arena_calloc(a, r->nrows > 0 ? (size_t)r->nrows : 1, sizeof *g);
    for (int i = 0; i < r->nrows; i++) {
        int64_t cnt;
        if (get_hex(a, r, i, 0, &g[i].ranking, &g[i].len) != 0 || get_int(r, i, 2, &cnt) != 0 ||
            cnt < 0) {
            return -1;
        }
        snprintf(g[i].country, sizeof g[i].country, "%s", text_or_empty(r, i, 1));
        g[i].count = (uint64_t)cnt;
    }
    *out = g;
    *n = r->nrows;
    return 0;
}

static const struct db_stmt stmt_groups = {
    "rq_groups",
    "SELECT encode(ranking, 'hex'), country, count(*) FROM ballots "
    "WHERE question_id = $1 AND board_index IS NOT NULL GROUP BY ranking, country",
    1};

enum db_status db_rq_groups(struct db_conn *c, struct arena *a, int64_t qid,
                            struct db_rq_group **out, int *n)
{
    const char *p[1] = {db_param_i64(a, qid)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_groups, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return groups_of(a, &r, out, n) == 0 ? DB_OK : DB_HARD_ERROR;
}

static const struct db_stmt stmt_roll = {
    "rq_roll",
    "SELECT count(*) FILTER (WHERE voted), count(DISTINCT country) FILTER (WHERE voted) "
    "FROM question_roll WHERE question_id = $1",
    1};

enum db_status db_rq_roll_stats(struct db_conn *c, struct arena *a, int64_t qid, int64_t *voters,
                                int64_t *countries)
{
    const char *p[1] = {db_param_i64(a, qid)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_roll, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return get_int(&r, 0, 0, voters) == 0 && get_int(&r, 0, 1, countries) == 0 ? DB_OK
                                                                               : DB_HARD_ERROR;
}

static const struct db_stmt stmt_closed_seq = {
    "rq_closed_seq",
    "SELECT seq FROM audit_entries WHERE assembly_id = $1 AND kind = 'question.closed' "
    "AND (entry::jsonb -> 'data' ->> 'question') = $2 ORDER BY seq LIMIT 1",
    2};

enum db_status db_rq_closed_seq(struct db_conn *c, struct arena *a, int64_t aid, int64_t qid,
                                int64_t *seq)
{
    const char *p[2] = {db_param_i64(a, aid), db_param_i64(a, qid)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_closed_seq, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return get_int(&r, 0, 0, seq) == 0 ? DB_OK : DB_HARD_ERROR;
}

static const struct db_stmt stmt_store = {
    "rq_store",
    "UPDATE questions SET seed = $2, result_status = $3, result = $4, "
    "result_hash = decode($5, 'hex') WHERE id = $1",
    5};

enum db_status db_rq_store(struct db_conn *c, struct arena *a, int64_t qid, int64_t seed,
                           const char *status, const char *result, size_t len,
                           const uint8_t hash[32])
{
    char hex[65];
    base_hex_encode(hash, 32, hex);
    hex[64] = '\0';
    char *res = arena_alloc(a, len + 1);
    memcpy(res, result, len);
    res[len] = '\0';
    const char *p[5] = {db_param_i64(a, qid), db_param_i64(a, seed), status, res,
                        arena_strdup(a, hex)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_store, p, &r);
    if (st == DB_OK && r.affected != 1) {
        return DB_NOT_FOUND;
    }
    return st;
}

static const struct db_stmt stmt_decide = {
    "rq_decide",
    "UPDATE proposals SET status = CASE WHEN id = ANY($1::bigint[]) THEN 'adopted' "
    "ELSE 'rejected' END, updated_at = now() "
    "WHERE (id = ANY($1::bigint[]) OR id = ANY($2::bigint[])) "
    "AND status IN ('deliberation', 'ballot') RETURNING id, status = 'adopted'",
    2};

static const char *id_array(struct arena *a, const int64_t *ids, int n)
{
    size_t cap = 3 + (size_t)n * 21;
    char *s = arena_alloc(a, cap);
    size_t len = 0;
    s[len++] = '{';
    for (int i = 0; i < n; i++) {
        len += (size_t)snprintf(s + len, cap - len, "%s%lld", i ? "," : "", (long long)ids[i]);
    }
    s[len++] = '}';
    s[len] = '\0';
    return s;
}

enum db_status db_rq_decide(struct db_conn *c, struct arena *a, const int64_t *adopt, int na,
                            const int64_t *reject, int nr, struct db_rq_decided **changed, int *n)
{
    const char *p[2] = {id_array(a, adopt, na), id_array(a, reject, nr)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_decide, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_rq_decided *d = arena_calloc(a, r.nrows > 0 ? (size_t)r.nrows : 1, sizeof *d);
    for (int i = 0; i < r.nrows; i++) {
        if (get_int(&r, i, 0, &d[i].id) != 0 || db_get_bool(&r, i, 1, &d[i].adopted) != 0) {
            return DB_HARD_ERROR;
        }
    }
    *changed = d;
    *n = r.nrows;
    return DB_OK;
}

/* ---- reads -------------------------------------------------------------------------------- */

static const struct db_stmt stmt_view = {
    "rq_view",
    "SELECT q.assembly_id, a.visibility = 'public', m.role, m.status, q.state, q.result, "
    "encode(q.result_hash, 'hex') FROM questions q JOIN assemblies a ON a.id = q.assembly_id "
    "LEFT JOIN memberships m ON m.assembly_id = q.assembly_id AND m.account_id = $2 "
    "WHERE q.id = $1",
    2};

enum db_status db_rq_view(struct db_conn *c, struct arena *a, int64_t qid, int64_t viewer,
                          struct db_rq_view *out)
{
    const char *p[2] = {db_param_i64(a, qid), db_param_i64(a, viewer)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_view, p, &r);
    if (st != DB_OK) {
        return st;
    }
    memset(out, 0, sizeof *out);
    if (get_int(&r, 0, 0, &out->assembly_id) != 0 || db_get_bool(&r, 0, 1, &out->is_public) != 0) {
        return DB_HARD_ERROR;
    }
    out->role = db_value(&r, 0, 2);
    out->status = db_value(&r, 0, 3);
    out->state = db_value(&r, 0, 4);
    out->result = db_value(&r, 0, 5);
    out->result_len = out->result != NULL ? strlen(out->result) : 0;
    const char *h = db_value(&r, 0, 6);
    if (out->result != NULL && (h == NULL || base_hex_decode(h, strlen(h), out->hash, 32) != 0)) {
        return DB_HARD_ERROR;
    }
    return DB_OK;
}

static const struct db_stmt stmt_page = {
    "rq_board_page",
    "SELECT board_index, encode(receipt, 'hex'), encode(ranking, 'hex'), country FROM ballots "
    "WHERE question_id = $1 AND slot > $2 AND slot <= $2 + $3 AND board_index IS NOT NULL "
    "ORDER BY slot",
    3};

enum db_status db_rq_board_page(struct db_conn *c, struct arena *a, int64_t qid, int64_t after,
                                int limit, struct db_rq_row **out, int *n)
{
    const char *p[3] = {db_param_i64(a, qid), db_param_i64(a, after), db_param_i64(a, limit)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_page, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_rq_row *rows = arena_calloc(a, r.nrows > 0 ? (size_t)r.nrows : 1, sizeof *rows);
    for (int i = 0; i < r.nrows; i++) {
        const char *rc = db_value(&r, i, 1);
        if (get_int(&r, i, 0, &rows[i].index) != 0 || rc == NULL || strlen(rc) != 64 ||
            get_hex(a, &r, i, 2, &rows[i].ranking, &rows[i].len) != 0) {
            return DB_HARD_ERROR;
        }
        memcpy(rows[i].receipt, rc, 65);
        snprintf(rows[i].country, sizeof rows[i].country, "%s", text_or_empty(&r, i, 3));
    }
    *out = rows;
    *n = r.nrows;
    return DB_OK;
}

static const struct db_stmt stmt_countries = {
    "rq_countries",
    "SELECT DISTINCT country FROM ballots WHERE question_id = $1 AND board_index IS NOT NULL "
    "ORDER BY country",
    1};

enum db_status db_rq_countries(struct db_conn *c, struct arena *a, int64_t qid, char (**out)[3],
                               int *n)
{
    const char *p[1] = {db_param_i64(a, qid)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_countries, p, &r);
    if (st != DB_OK) {
        return st;
    }
    char(*cs)[3] = arena_calloc(a, r.nrows > 0 ? (size_t)r.nrows : 1, sizeof *cs);
    for (int i = 0; i < r.nrows; i++) {
        snprintf(cs[i], sizeof cs[i], "%s", text_or_empty(&r, i, 0));
    }
    *out = cs;
    *n = r.nrows;
    return DB_OK;
}

/* ---- the grouped export's cursor ------------------------------------------------------- */

/* Cursor names are made by the caller from a counter, never from input;
 * checked anyway, since they are spliced into the statement text. */
static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 40) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
            return false;
        }
    }
    return true;
}

enum db_status db_rq_cursor_open(struct db_conn *c, struct arena *a, const char *name, int64_t qid,
                                 bool by_country)
{
    if (!name_ok(name)) {
        return DB_HARD_ERROR;
    }
    const char *sql =
        by_country ? arena_printf(a,
                                  "DECLARE %s NO SCROLL CURSOR WITH HOLD FOR "
                                  "SELECT encode(ranking, 'hex'), country, count(*) FROM ballots "
                                  "WHERE question_id = $1 AND board_index IS NOT NULL "
                                  "GROUP BY ranking, country ORDER BY ranking, country",
                                  name)
                   : arena_printf(a,
                                  "DECLARE %s NO SCROLL CURSOR WITH HOLD FOR "
                                  "SELECT encode(ranking, 'hex'), 'ZZ', count(*) FROM ballots "
                                  "WHERE question_id = $1 AND board_index IS NOT NULL "
                                  "GROUP BY ranking ORDER BY ranking",
                                  name);
    const char *p[1] = {db_param_i64(a, qid)};
    return db_query(c, a, sql, 1, p, NULL);
}

enum db_status db_rq_cursor_fetch(struct db_conn *c, struct arena *a, const char *name, int limit,
                                  struct db_rq_group **out, int *n)
{
    if (!name_ok(name) || limit < 1) {
        return DB_HARD_ERROR;
    }
    struct db_result r;
    enum db_status st =
        db_query(c, a, arena_printf(a, "FETCH %d FROM %s", limit, name), 0, NULL, &r);
    if (st != DB_OK) {
        return st;
    }
    return groups_of(a, &r, out, n) == 0 ? DB_OK : DB_HARD_ERROR;
}

enum db_status db_rq_cursor_close(struct db_conn *c, struct arena *a, const char *name)
{
    if (!name_ok(name)) {
        return DB_HARD_ERROR;
    }
    return db_query(c, a, arena_printf(a, "CLOSE %s", name), 0, NULL, NULL);
}

/* ---- the auditor's record ------------------------------------------------------------------ */

/* The entries' data.question is the id as a decimal string. */
static const struct db_stmt stmt_rec_questions = {
    "rec_questions",
    "SELECT q.id, c.seq, COALESCE((SELECT t.seq FROM audit_entries t WHERE t.assembly_id = $1 "
    "AND t.kind = 'tally.published' AND t.seq <= $2 AND (t.entry::jsonb -> 'data' ->> "
    "'question') = q.id::text ORDER BY t.seq LIMIT 1), 0) FROM questions q CROSS JOIN LATERAL "
    "(SELECT e.seq FROM audit_entries e WHERE e.assembly_id = $1 AND e.kind = 'question.closed' "
    "AND e.seq <= $2 AND (e.entry::jsonb -> 'data' ->> 'question') = q.id::text ORDER BY e.seq "
    "LIMIT 1) c WHERE q.assembly_id = $1 AND q.state IN ('closed', 'tallied') ORDER BY q.id",
    2};

enum db_status db_rec_questions(struct db_conn *c, struct arena *a, int64_t aid, int64_t size,
                                struct db_rec_question **out, int *n)
{
    const char *p[2] = {db_param_i64(a, aid), db_param_i64(a, size)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_rec_questions, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_rec_question *q = arena_calloc(a, r.nrows > 0 ? (size_t)r.nrows : 1, sizeof *q);
    for (int i = 0; i < r.nrows; i++) {
        if (get_int(&r, i, 0, &q[i].id) != 0 || get_int(&r, i, 1, &q[i].closed_seq) != 0 ||
            get_int(&r, i, 2, &q[i].tally_seq) != 0) {
            return DB_HARD_ERROR;
        }
    }
    *out = q;
    *n = r.nrows;
    return DB_OK;
}

static const struct db_stmt stmt_rec_extra = {
    "rec_extra",
    "SELECT encode(roll_root, 'hex'), CASE WHEN $2 THEN result END FROM questions WHERE id = $1",
    2};

enum db_status db_rec_question_extra(struct db_conn *c, struct arena *a, int64_t qid,
                                     bool with_result, const char **roll_root_hex,
                                     const char **result, size_t *result_len)
{
    const char *p[2] = {db_param_i64(a, qid), with_result ? "true" : "false"};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_rec_extra, p, &r);
    if (st != DB_OK) {
        return st;
    }
    *roll_root_hex = text_or_empty(&r, 0, 0);
    *result = db_is_null(&r, 0, 1) ? NULL : db_value(&r, 0, 1);
    *result_len = *result != NULL ? strlen(*result) : 0;
    return DB_OK;
}
