/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_selection.c — SQL for selections, their pool, rounds, randomness
 * and optimiser jobs (see db_selection.h). One prepared statement per
 * function; callers compose them inside db_run_txn bodies (api/
 * api_selections.c), except the worker's job statements, which run alone.
 */
#include "db/db_selection.h"

#include <string.h>

#include "db/db_int.h"

static const char *opt_str_i(struct arena *a, int v, int none)
{
    return v == none ? NULL : arena_printf(a, "%d", v);
}

static int get_int(const struct db_result *r, int row, int col, int dflt)
{
    int64_t v;
    if (db_is_null(r, row, col) || db_get_i64(r, row, col, &v) != 0) {
        return dflt;
    }
    return (int)v;
}

static int64_t get_i64(const struct db_result *r, int row, int col)
{
    int64_t v;
    if (db_is_null(r, row, col) || db_get_i64(r, row, col, &v) != 0) {
        return 0;
    }
    return v;
}

static bool get_bool(const struct db_result *r, int row, int col)
{
    bool v = false;
    return db_get_bool(r, row, col, &v) == 0 && v;
}

/* --- selections ------------------------------------------------------------------ */

#define SEL_COLS                                                                                   \
    "s.id, s.assembly_id, s.title, s.categories::text, s.household, s.call_open, "                 \
    "s.created_by, " DB_RFC3339("s.created_at") ", " DB_RFC3339(                                   \
        "s.updated_at") ", (SELECT count(*) FROM selection_respondents p WHERE p.selection_id = "  \
                        "s.id), "                                                                  \
                        "(SELECT max(round) FROM selection_rounds q WHERE q.selection_id = s.id)"

static void read_selection(const struct db_result *r, int row, struct db_selection *o)
{
    memset(o, 0, sizeof *o);
    o->id = get_i64(r, row, 0);
    o->assembly_id = get_i64(r, row, 1);
    o->title = db_value(r, row, 2);
    o->categories = db_value(r, row, 3);
    o->household = get_bool(r, row, 4);
    o->call_open = get_bool(r, row, 5);
    o->created_by = get_i64(r, row, 6);
    o->created_at = db_value(r, row, 7);
    o->updated_at = db_value(r, row, 8);
    o->pool_size = get_i64(r, row, 9);
    o->current_round = get_int(r, row, 10, 0);
}

/* Caller: POST …/selections. The round 0 row comes with it. */
static const struct db_stmt stmt_sel_insert = {
    .name = "sel_insert",
    .sql =
        "WITH s AS (INSERT INTO selections (assembly_id, title, categories, household, "
        "created_by) VALUES ($1, $2, $3::jsonb, $4, $5) RETURNING *), "
        "q AS (INSERT INTO selection_rounds (selection_id, round) SELECT id, 0 FROM s) "
        "SELECT s.id, s.assembly_id, s.title, s.categories::text, s.household, s.call_open, "
        "s.created_by, " DB_RFC3339("s.created_at") ", " DB_RFC3339("s.updated_at") ", 0, 0 FROM s",
    .nparams = 5,
};

enum db_status db_selection_insert(struct db_conn *c, struct arena *a, int64_t aid,
                                   const char *title, const char *categories_json, bool household,
                                   int64_t created_by, struct db_selection *out)
{
    const char *p[5] = {db_param_i64(a, aid), title, categories_json, household ? "t" : "f",
                        db_param_i64(a, created_by)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_sel_insert, p, &r);
    if (st == DB_OK) {
        read_selection(&r, 0, out);
    }
    return st;
}

/* Caller: every selection route (lock: the changing ones). */
static const struct db_stmt stmt_sel_get = {
    .name = "sel_get",
    .sql = "SELECT " SEL_COLS " FROM selections s WHERE s.id = $1",
    .nparams = 1,
};
static const struct db_stmt stmt_sel_get_lock = {
    .name = "sel_get_lock",
    .sql = "SELECT " SEL_COLS " FROM selections s WHERE s.id = $1 FOR UPDATE OF s",
    .nparams = 1,
};
static const struct db_stmt stmt_sel_get_share = {
    .name = "sel_get_share",
    .sql = "SELECT " SEL_COLS " FROM selections s WHERE s.id = $1 FOR SHARE OF s",
    .nparams = 1,
};

enum db_status db_selection_get(struct db_conn *c, struct arena *a, int64_t sid,
                                enum db_sel_lock lock, struct db_selection *out)
{
    const char *p[1] = {db_param_i64(a, sid)};
    struct db_result r;
    const struct db_stmt *stmt = lock == DB_SEL_UPDATE  ? &stmt_sel_get_lock
                                 : lock == DB_SEL_SHARE ? &stmt_sel_get_share
                                                        : &stmt_sel_get;
    enum db_status st = db_query_one(c, a, stmt, p, &r);
    if (st == DB_OK) {
        read_selection(&r, 0, out);
    }
    return st;
}

/* Caller: GET …/selections (keyset by id). */
static const struct db_stmt stmt_sel_list = {
    .name = "sel_list",
    .sql = "SELECT " SEL_COLS " FROM selections s WHERE s.assembly_id = $1 AND s.id > $2 "
           "ORDER BY s.id LIMIT $3",
    .nparams = 3,
};

enum db_status db_selection_list(struct db_conn *c, struct arena *a, int64_t aid, int64_t after,
                                 int limit, struct db_selection **items, int *n)
{
    const char *p[3] = {db_param_i64(a, aid), db_param_i64(a, after), db_param_i64(a, limit)};
    struct db_result r;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_sel_list, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_selection *v = arena_calloc(a, (size_t)r.nrows + 1, sizeof *v);
    for (int i = 0; i < r.nrows; i++) {
        read_selection(&r, i, &v[i]);
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}

/* Caller: PATCH /selections/{sid}. */
static const struct db_stmt stmt_sel_update = {
    .name = "sel_update",
    .sql = "UPDATE selections SET title = coalesce($2, title), call_open = coalesce($3::boolean, "
           "call_open), updated_at = now() WHERE id = $1",
    .nparams = 3,
};

enum db_status db_selection_update(struct db_conn *c, struct arena *a, int64_t sid,
                                   const char *title, int call_open)
{
    const char *p[3] = {db_param_i64(a, sid), title,
                        call_open < 0 ? NULL : (call_open ? "t" : "f")};
    return db_query_stmt(c, a, &stmt_sel_update, p, NULL);
}

/* --- rounds ------------------------------------------------------------------------ */

#define ROUND_COLS                                                                                                                                                                     \
    "q.selection_id, q.round, q.status, q.k, q.method, q.m, q.quotas::text, q.eligible::text, "                                                                                        \
    "q.rules_version, encode(q.commitment_root, 'hex'), " DB_RFC3339(                                                                                                                  \
        "q.commit_until") ", " DB_RFC3339("q.reveal_until") ", " DB_RFC3339("q.committed_at") ", "                                                                                     \
                                                                                              "q."                                                                                     \
                                                                                              "lo"                                                                                     \
                                                                                              "tt"                                                                                     \
                                                                                              "er"                                                                                     \
                                                                                              "y:"                                                                                     \
                                                                                              ":t"                                                                                     \
                                                                                              "ex"                                                                                     \
                                                                                              "t,"                                                                                     \
                                                                                              " q"                                                                                     \
                                                                                              ".p"                                                                                     \
                                                                                              "ro"                                                                                     \
                                                                                              "ba"                                                                                     \
                                                                                              "bi"                                                                                     \
                                                                                              "li"                                                                                     \
                                                                                              "ti"                                                                                     \
                                                                                              "es"                                                                                     \
                                                                                              "::"                                                                                     \
                                                                                              "te"                                                                                     \
                                                                                              "xt"                                                                                     \
                                                                                              ", "                                                                                     \
                                                                                              "q."                                                                                     \
                                                                                              "op"                                                                                     \
                                                                                              "ti"                                                                                     \
                                                                                              "mu"                                                                                     \
                                                                                              "m:"                                                                                     \
                                                                                              ":t"                                                                                     \
                                                                                              "ex"                                                                                     \
                                                                                              "t,"                                                                                     \
                                                                                              " e"                                                                                     \
                                                                                              "nc"                                                                                     \
                                                                                              "od"                                                                                     \
                                                                                              "e("                                                                                     \
                                                                                              "q."                                                                                     \
                                                                                              "lo"                                                                                     \
                                                                                              "tt"                                                                                     \
                                                                                              "er"                                                                                     \
                                                                                              "y_"                                                                                     \
                                                                                              "sh"                                                                                     \
                                                                                              "a2"                                                                                     \
                                                                                              "56"                                                                                     \
                                                                                              ", "                                                                                     \
                                                                                              "'h"                                                                                     \
                                                                                              "ex"                                                                                     \
                                                                                              "')"                                                                                     \
                                                                                              ","                                                                                      \
                                                                                              " " DB_RFC3339(                                                                          \
                                                                                                  "q.published_at") ", q.beacon_size, encode(q.beacon_root, 'hex'), "                  \
                                                                                                                    "encode(q.seed, 'hex'), q.draw_index, q.panel::text, " DB_RFC3339( \
                                                                                                                        "q.drawn_at") ", coalesce(now() >= q.commit_until, false), coalesce(now() >= q.reveal_until, false)"

static void read_round(const struct db_result *r, int row, struct db_round *o)
{
    memset(o, 0, sizeof *o);
    o->selection_id = get_i64(r, row, 0);
    o->round = get_int(r, row, 1, 0);
    o->status = db_value(r, row, 2);
    o->k = get_int(r, row, 3, 0);
    o->method = db_value(r, row, 4);
    o->m = get_int(r, row, 5, 0);
    o->quotas = db_value(r, row, 6);
    o->eligible = db_value(r, row, 7);
    o->rules_version = db_value(r, row, 8);
    o->commitment_root = db_value(r, row, 9);
    o->commit_until = db_value(r, row, 10);
    o->reveal_until = db_value(r, row, 11);
    o->committed_at = db_value(r, row, 12);
    o->lottery = db_value(r, row, 13);
    o->probabilities = db_value(r, row, 14);
    o->optimum = db_value(r, row, 15);
    o->lottery_sha256 = db_value(r, row, 16);
    o->published_at = db_value(r, row, 17);
    o->beacon_size = get_i64(r, row, 18);
    o->beacon_root = db_value(r, row, 19);
    o->seed = db_value(r, row, 20);
    o->draw_index = get_int(r, row, 21, -1);
    o->panel = db_value(r, row, 22);
    o->drawn_at = db_value(r, row, 23);
    o->commit_closed = get_bool(r, row, 24);
    o->reveal_closed = get_bool(r, row, 25);
}

/* Caller: every selection route that reads or changes a round. */
static const struct db_stmt stmt_round_get = {
    .name = "sel_round_get",
    .sql = "SELECT " ROUND_COLS " FROM selection_rounds q WHERE q.selection_id = $1 AND q.round = "
           "$2",
    .nparams = 2,
};

enum db_status db_round_get(struct db_conn *c, struct arena *a, int64_t sid, int round,
                            struct db_round *out)
{
    const char *p[2] = {db_param_i64(a, sid), arena_printf(a, "%d", round)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_round_get, p, &r);
    if (st == DB_OK) {
        read_round(&r, 0, out);
    }
    return st;
}

/* Caller: PATCH /selections/{sid} (draft rounds only: the caller checks). */
static const struct db_stmt stmt_round_settings = {
    .name = "sel_round_settings",
    .sql = "UPDATE selection_rounds SET k = coalesce($3::integer, k), method = coalesce($4, "
           "method), m = coalesce($5::integer, m), quotas = coalesce($6::jsonb, quotas) "
           "WHERE selection_id = $1 AND round = $2",
    .nparams = 6,
};

enum db_status db_round_settings(struct db_conn *c, struct arena *a, int64_t sid, int round, int k,
                                 const char *method, int m, const char *quotas_json)
{
    const char *p[6] = {db_param_i64(a, sid), arena_printf(a, "%d", round),
                        opt_str_i(a, k, 0),   method,
                        opt_str_i(a, m, 0),   quotas_json};
    return db_query_stmt(c, a, &stmt_round_settings, p, NULL);
}

/* Caller: POST /selections/{sid}/replacements. */
static const struct db_stmt stmt_round_insert = {
    .name = "sel_round_insert",
    .sql = "INSERT INTO selection_rounds (selection_id, round, k, method, m, quotas, eligible) "
           "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)",
    .nparams = 7,
};

enum db_status db_round_insert(struct db_conn *c, struct arena *a, int64_t sid, int round, int k,
                               const char *method, int m, const char *quotas_json,
                               const char *eligible_json)
{
    const char *p[7] = {db_param_i64(a, sid),
                        arena_printf(a, "%d", round),
                        arena_printf(a, "%d", k),
                        method,
                        arena_printf(a, "%d", m),
                        quotas_json,
                        eligible_json};
    return db_query_stmt(c, a, &stmt_round_insert, p, NULL);
}

/* Caller: POST /selections/{sid}/commit. */
static const struct db_stmt stmt_round_commit = {
    .name = "sel_round_commit",
    .sql = "UPDATE selection_rounds SET status = 'committed', commitment_root = decode($3, 'hex'), "
           "commit_until = $4::timestamptz, reveal_until = $5::timestamptz, committed_at = now() "
           "WHERE selection_id = $1 AND round = $2 AND status = 'draft'",
    .nparams = 5,
};

enum db_status db_round_commit(struct db_conn *c, struct arena *a, int64_t sid, int round,
                               const char *root_hex, const char *commit_until,
                               const char *reveal_until)
{
    const char *p[5] = {db_param_i64(a, sid), arena_printf(a, "%d", round), root_hex, commit_until,
                        reveal_until};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_round_commit, p, &r);
    return st == DB_OK && r.affected != 1 ? DB_NOT_FOUND : st;
}

/* Caller: POST /selections/{sid}/publish. */
static const struct db_stmt stmt_round_publish = {
    .name = "sel_round_publish",
    .sql = "UPDATE selection_rounds SET status = 'published', lottery = $3::jsonb, probabilities = "
           "$4::jsonb, optimum = $5::jsonb, lottery_sha256 = decode($6, 'hex'), published_at = "
           "now() WHERE selection_id = $1 AND round = $2 AND status = 'committed'",
    .nparams = 6,
};

enum db_status db_round_publish(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                const char *lottery_json, const char *probabilities_json,
                                const char *optimum_json, const char *sha_hex)
{
    const char *p[6] = {db_param_i64(a, sid), arena_printf(a, "%d", round),
                        lottery_json,         probabilities_json,
                        optimum_json,         sha_hex};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_round_publish, p, &r);
    return st == DB_OK && r.affected != 1 ? DB_NOT_FOUND : st;
}

/* Caller: POST /selections/{sid}/draw. */
static const struct db_stmt stmt_round_draw = {
    .name = "sel_round_draw",
    .sql = "UPDATE selection_rounds SET status = 'drawn', beacon_size = $3, beacon_root = "
           "decode($4, 'hex'), seed = decode($5, 'hex'), draw_index = $6, panel = $7::jsonb, "
           "drawn_at = now() WHERE selection_id = $1 AND round = $2 AND status = 'published'",
    .nparams = 7,
};

enum db_status db_round_draw(struct db_conn *c, struct arena *a, int64_t sid, int round,
                             int64_t beacon_size, const char *beacon_root_hex, const char *seed_hex,
                             int index, const char *panel_json)
{
    const char *p[7] = {db_param_i64(a, sid),
                        arena_printf(a, "%d", round),
                        db_param_i64(a, beacon_size),
                        beacon_root_hex,
                        seed_hex,
                        arena_printf(a, "%d", index),
                        panel_json};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_round_draw, p, &r);
    return st == DB_OK && r.affected != 1 ? DB_NOT_FOUND : st;
}

/* --- the pool ------------------------------------------------------------------------ */

/* Caller: PUT /selections/{sid}/pool (which refuses while volunteers are
 * in the pool). Two statements: a DELETE and an INSERT of the same keys in
 * one statement's CTEs would see each other's rows as conflicting. */
static const struct db_stmt stmt_pool_clear = {
    .name = "sel_pool_clear",
    .sql = "DELETE FROM selection_respondents WHERE selection_id = $1",
    .nparams = 1,
};
static const struct db_stmt stmt_pool_insert = {
    .name = "sel_pool_insert",
    .sql = "INSERT INTO selection_respondents (selection_id, idx, pseudonym, salt, vals, "
           "household, commitment, name, email) SELECT $1, x.idx, x.pseudonym, decode(x.salt, "
           "'hex'), x.vals, x.household, decode(x.commitment, 'hex'), x.name, x.email FROM "
           "jsonb_to_recordset($2::jsonb) AS x(idx integer, pseudonym text, salt text, vals "
           "jsonb, household text, commitment text, name text, email text)",
    .nparams = 2,
};

enum db_status db_pool_replace(struct db_conn *c, struct arena *a, int64_t sid,
                               const char *rows_json)
{
    const char *p[2] = {db_param_i64(a, sid), rows_json};
    enum db_status st = db_query_stmt(c, a, &stmt_pool_clear, p, NULL);
    return st == DB_OK ? db_query_stmt(c, a, &stmt_pool_insert, p, NULL) : st;
}

/* Caller: POST /selections/{sid}/volunteers. */
static const struct db_stmt stmt_pool_add = {
    .name = "sel_pool_add",
    .sql = "INSERT INTO selection_respondents (selection_id, idx, pseudonym, salt, vals, "
           "household, commitment, account_id, name, email) VALUES ($1, $2, $3, decode($4, "
           "'hex'), $5::jsonb, $6, decode($7, 'hex'), $8, $9, $10)",
    .nparams = 10,
};

enum db_status db_pool_add(struct db_conn *c, struct arena *a, int64_t sid,
                           const struct db_respondent *r)
{
    const char *p[10] = {db_param_i64(a, sid),
                         arena_printf(a, "%d", r->idx),
                         r->pseudonym,
                         r->salt,
                         r->vals,
                         r->household,
                         r->commitment,
                         r->account_id > 0 ? db_param_i64(a, r->account_id) : NULL,
                         r->name,
                         r->email};
    return db_query_stmt(c, a, &stmt_pool_add, p, NULL);
}

#define RESP_COLS                                                                                  \
    "p.idx, p.pseudonym, encode(p.salt, 'hex'), p.vals::text, p.household, encode(p.commitment, "  \
    "'hex'), p.account_id, p.name, p.email, p.status, p.selected_round, p.invitation_id"

static void read_respondent(const struct db_result *r, int row, struct db_respondent *o)
{
    memset(o, 0, sizeof *o);
    o->idx = get_int(r, row, 0, 0);
    o->pseudonym = db_value(r, row, 1);
    o->salt = db_value(r, row, 2);
    o->vals = db_value(r, row, 3);
    o->household = db_value(r, row, 4);
    o->commitment = db_value(r, row, 5);
    o->account_id = get_i64(r, row, 6);
    o->name = db_value(r, row, 7);
    o->email = db_value(r, row, 8);
    o->status = db_value(r, row, 9);
    o->selected_round = get_int(r, row, 10, -1);
    o->invitation_id = get_i64(r, row, 11);
}

/* Caller: commit (the root), draw, DRAW.json, runs (the inputs). */
static const struct db_stmt stmt_pool_load = {
    .name = "sel_pool_load",
    .sql = "SELECT " RESP_COLS " FROM selection_respondents p WHERE p.selection_id = $1 "
           "ORDER BY p.idx",
    .nparams = 1,
};

enum db_status db_pool_load(struct db_conn *c, struct arena *a, int64_t sid,
                            struct db_respondent **items, int *n)
{
    const char *p[1] = {db_param_i64(a, sid)};
    struct db_result r;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_pool_load, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_respondent *v = arena_calloc(a, (size_t)r.nrows + 1, sizeof *v);
    for (int i = 0; i < r.nrows; i++) {
        read_respondent(&r, i, &v[i]);
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}

/* Caller: GET /selections/{sid}/commitment, decline. */
static const struct db_stmt stmt_pool_by_pseudonym = {
    .name = "sel_pool_by_pseudonym",
    .sql = "SELECT " RESP_COLS " FROM selection_respondents p WHERE p.selection_id = $1 AND "
           "p.pseudonym = $2",
    .nparams = 2,
};

enum db_status db_pool_by_pseudonym(struct db_conn *c, struct arena *a, int64_t sid,
                                    const char *pseudonym, struct db_respondent *out)
{
    const char *p[2] = {db_param_i64(a, sid), pseudonym};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_pool_by_pseudonym, p, &r);
    if (st == DB_OK) {
        read_respondent(&r, 0, out);
    }
    return st;
}

/* Caller: draw. */
static const struct db_stmt stmt_pool_select = {
    .name = "sel_pool_select",
    .sql = "UPDATE selection_respondents SET status = 'selected', selected_round = $3, "
           "invitation_id = $4 WHERE selection_id = $1 AND idx = $2 AND status = 'pool'",
    .nparams = 4,
};

enum db_status db_pool_select(struct db_conn *c, struct arena *a, int64_t sid, int idx, int round,
                              int64_t invitation_id)
{
    const char *p[4] = {db_param_i64(a, sid), arena_printf(a, "%d", idx),
                        arena_printf(a, "%d", round),
                        invitation_id > 0 ? db_param_i64(a, invitation_id) : NULL};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_pool_select, p, &r);
    return st == DB_OK && r.affected != 1 ? DB_NOT_FOUND : st;
}

/* Caller: POST …/respondents/{pseudonym}/decline. */
static const struct db_stmt stmt_pool_decline = {
    .name = "sel_pool_decline",
    .sql = "UPDATE selection_respondents SET status = 'declined' WHERE selection_id = $1 AND idx "
           "= $2 AND status = 'selected'",
    .nparams = 2,
};

enum db_status db_pool_decline(struct db_conn *c, struct arena *a, int64_t sid, int idx)
{
    const char *p[2] = {db_param_i64(a, sid), arena_printf(a, "%d", idx)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_pool_decline, p, &r);
    return st == DB_OK && r.affected != 1 ? DB_NOT_FOUND : st;
}

/* --- randomness ------------------------------------------------------------------------ */

/* Caller: POST /selections/{sid}/randomness. */
static const struct db_stmt stmt_rand_commit = {
    .name = "sel_rand_commit",
    .sql = "INSERT INTO selection_randomness (selection_id, round, account_id, commitment) "
           "VALUES ($1, $2, $3, decode($4, 'hex'))",
    .nparams = 4,
};

enum db_status db_randomness_commit(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                    int64_t account_id, const char *commitment_hex)
{
    const char *p[4] = {db_param_i64(a, sid), arena_printf(a, "%d", round),
                        db_param_i64(a, account_id), commitment_hex};
    return db_query_stmt(c, a, &stmt_rand_commit, p, NULL);
}

#define RAND_COLS                                                                                  \
    "x.account_id, encode(x.commitment, 'hex'), encode(x.value, 'hex'), " DB_RFC3339(              \
        "x.committed_at") ", " DB_RFC3339("x.revealed_at")

static void read_rand(const struct db_result *r, int row, struct db_sel_randomness *o)
{
    memset(o, 0, sizeof *o);
    o->account_id = get_i64(r, row, 0);
    o->commitment = db_value(r, row, 1);
    o->value = db_value(r, row, 2);
    o->committed_at = db_value(r, row, 3);
    o->revealed_at = db_value(r, row, 4);
}

/* Caller: POST /selections/{sid}/randomness/reveal. */
static const struct db_stmt stmt_rand_get = {
    .name = "sel_rand_get",
    .sql = "SELECT " RAND_COLS " FROM selection_randomness x WHERE x.selection_id = $1 AND "
           "x.round = $2 AND x.account_id = $3 FOR UPDATE",
    .nparams = 3,
};

enum db_status db_randomness_get(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                 int64_t account_id, struct db_sel_randomness *out)
{
    const char *p[3] = {db_param_i64(a, sid), arena_printf(a, "%d", round),
                        db_param_i64(a, account_id)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_rand_get, p, &r);
    if (st == DB_OK) {
        read_rand(&r, 0, out);
    }
    return st;
}

static const struct db_stmt stmt_rand_reveal = {
    .name = "sel_rand_reveal",
    .sql = "UPDATE selection_randomness SET value = decode($4, 'hex'), revealed_at = now() WHERE "
           "selection_id = $1 AND round = $2 AND account_id = $3 AND value IS NULL",
    .nparams = 4,
};

enum db_status db_randomness_reveal(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                    int64_t account_id, const char *value_hex)
{
    const char *p[4] = {db_param_i64(a, sid), arena_printf(a, "%d", round),
                        db_param_i64(a, account_id), value_hex};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_rand_reveal, p, &r);
    return st == DB_OK && r.affected != 1 ? DB_NOT_FOUND : st;
}

/* Caller: draw, GET /selections/{sid}. */
static const struct db_stmt stmt_rand_list = {
    .name = "sel_rand_list",
    .sql = "SELECT " RAND_COLS " FROM selection_randomness x WHERE x.selection_id = $1 AND "
           "x.round = $2 ORDER BY x.commitment",
    .nparams = 2,
};

enum db_status db_randomness_list(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                  struct db_sel_randomness **items, int *n)
{
    const char *p[2] = {db_param_i64(a, sid), arena_printf(a, "%d", round)};
    struct db_result r;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_rand_list, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_sel_randomness *v = arena_calloc(a, (size_t)r.nrows + 1, sizeof *v);
    for (int i = 0; i < r.nrows; i++) {
        read_rand(&r, i, &v[i]);
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}

/* --- beacon ---------------------------------------------------------------------------- */

/* Caller: draw (the beacon's log size). The entry text is canonical JSON
 * written by the audit writer, so its data members can be read back. */
static const struct db_stmt stmt_entry_seq = {
    .name = "sel_entry_seq",
    .sql = "SELECT e.seq FROM audit_entries e WHERE e.assembly_id = $1 AND e.kind = $2 AND "
           "(e.entry::jsonb -> 'data' ->> 'selection') = $3 AND (e.entry::jsonb -> 'data' -> "
           "'round') = to_jsonb($4::integer) ORDER BY e.seq LIMIT 1",
    .nparams = 4,
};

enum db_status db_selection_entry_seq(struct db_conn *c, struct arena *a, int64_t aid,
                                      const char *kind, int64_t sid, int round, int64_t *seq)
{
    const char *p[4] = {db_param_i64(a, aid), kind, db_param_i64(a, sid),
                        arena_printf(a, "%d", round)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_entry_seq, p, &r);
    if (st == DB_OK && db_get_i64(&r, 0, 0, seq) != 0) {
        return DB_HARD_ERROR;
    }
    return st;
}

/* --- optimiser jobs ------------------------------------------------------------------------ */

#define JOB_COLS                                                                                   \
    "j.id, j.selection_id, s.assembly_id, j.round, j.status, j.method, encode(j.inputs_sha256, "   \
    "'hex'), NULL, j.cancel, j.progress::text, j.result::text, j.error::text, " DB_RFC3339(        \
        "j.created_at") ", " DB_RFC3339("j.started_at") ", " DB_RFC3339("j.finished_at")

static void read_job(const struct db_result *r, int row, struct db_sel_job *o)
{
    memset(o, 0, sizeof *o);
    o->id = get_i64(r, row, 0);
    o->selection_id = get_i64(r, row, 1);
    o->assembly_id = get_i64(r, row, 2);
    o->round = get_int(r, row, 3, 0);
    o->status = db_value(r, row, 4);
    o->method = db_value(r, row, 5);
    o->inputs_sha256 = db_value(r, row, 6);
    o->inputs = db_value(r, row, 7);
    o->cancel = get_bool(r, row, 8);
    o->progress = db_value(r, row, 9);
    o->result = db_value(r, row, 10);
    o->error = db_value(r, row, 11);
    o->created_at = db_value(r, row, 12);
    o->started_at = db_value(r, row, 13);
    o->finished_at = db_value(r, row, 14);
}

/* Caller: POST /selections/{sid}/runs. */
static const struct db_stmt stmt_job_insert = {
    .name = "sel_job_insert",
    .sql = "INSERT INTO selection_jobs (selection_id, round, method, inputs_sha256, inputs, "
           "created_by) VALUES ($1, $2, $3, decode($4, 'hex'), $5::jsonb, $6) RETURNING id",
    .nparams = 6,
};

enum db_status db_sel_job_insert(struct db_conn *c, struct arena *a, int64_t sid, int round,
                                 const char *method, const char *inputs_sha_hex,
                                 const char *inputs_json, int64_t created_by, int64_t *id)
{
    const char *p[6] = {db_param_i64(a, sid), arena_printf(a, "%d", round), method, inputs_sha_hex,
                        inputs_json,          db_param_i64(a, created_by)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_job_insert, p, &r);
    if (st == DB_OK && db_get_i64(&r, 0, 0, id) != 0) {
        return DB_HARD_ERROR;
    }
    return st;
}

/* Caller: GET /selections/{sid}/runs/{rid}, publish. */
static const struct db_stmt stmt_job_get = {
    .name = "sel_job_get",
    .sql = "SELECT " JOB_COLS " FROM selection_jobs j JOIN selections s ON s.id = j.selection_id "
           "WHERE j.selection_id = $1 AND j.id = $2",
    .nparams = 2,
};

enum db_status db_sel_job_get(struct db_conn *c, struct arena *a, int64_t sid, int64_t id,
                              struct db_sel_job *out)
{
    const char *p[2] = {db_param_i64(a, sid), db_param_i64(a, id)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_job_get, p, &r);
    if (st == DB_OK) {
        read_job(&r, 0, out);
    }
    return st;
}

/* Caller: GET /selections/{sid}/runs. */
static const struct db_stmt stmt_job_list = {
    .name = "sel_job_list",
    .sql = "SELECT " JOB_COLS " FROM selection_jobs j JOIN selections s ON s.id = j.selection_id "
           "WHERE j.selection_id = $1 ORDER BY j.id DESC LIMIT $2",
    .nparams = 2,
};

enum db_status db_sel_job_list(struct db_conn *c, struct arena *a, int64_t sid, int limit,
                               struct db_sel_job **items, int *n)
{
    const char *p[2] = {db_param_i64(a, sid), db_param_i64(a, limit)};
    struct db_result r;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_job_list, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_sel_job *v = arena_calloc(a, (size_t)r.nrows + 1, sizeof *v);
    for (int i = 0; i < r.nrows; i++) {
        read_job(&r, i, &v[i]);
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}

/* Caller: DELETE /selections/{sid}/runs/{rid}. */
static const struct db_stmt stmt_job_cancel = {
    .name = "sel_job_cancel",
    .sql =
        "WITH u AS (UPDATE selection_jobs SET cancel = true, status = CASE WHEN status = "
        "'queued' THEN 'cancelled' ELSE status END, finished_at = CASE WHEN status = 'queued' "
        "THEN now() ELSE finished_at END WHERE selection_id = $1 AND id = $2 AND status IN "
        "('queued', 'running') RETURNING *) SELECT j.id, j.selection_id, s.assembly_id, "
        "j.round, j.status, j.method, encode(j.inputs_sha256, 'hex'), NULL, j.cancel, "
        "j.progress::text, j.result::text, j.error::text, " DB_RFC3339(
            "j.created_at") ", " DB_RFC3339("j.started_at") ", " DB_RFC3339("j.finished_at") " FROM"
                                                                                             " u j "
                                                                                             "JOIN "
                                                                                             "selec"
                                                                                             "tions"
                                                                                             " s "
                                                                                             "ON "
                                                                                             "s.id "
                                                                                             "= "
                                                                                             "j."
                                                                                             "selec"
                                                                                             "tion_"
                                                                                             "id",
    .nparams = 2,
};

enum db_status db_sel_job_cancel(struct db_conn *c, struct arena *a, int64_t sid, int64_t id,
                                 struct db_sel_job *out)
{
    const char *p[2] = {db_param_i64(a, sid), db_param_i64(a, id)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_job_cancel, p, &r);
    if (st == DB_OK) {
        read_job(&r, 0, out);
    }
    return st;
}

/* Caller: the sortition worker. */
static const struct db_stmt stmt_job_take = {
    .name = "sel_job_take",
    .sql = "WITH t AS (SELECT id FROM selection_jobs WHERE (status = 'queued' OR (status = "
           "'running' AND lease_until < now())) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED), "
           "u AS (UPDATE selection_jobs j SET status = 'running', started_at = now(), "
           "lease_until = now() + make_interval(secs => $1) FROM t WHERE j.id = t.id RETURNING "
           "j.*) SELECT j.id, j.selection_id, s.assembly_id, j.round, j.status, j.method, "
           "encode(j.inputs_sha256, 'hex'), j.inputs::text, j.cancel, j.progress::text, "
           "j.result::text, j.error::text, " DB_RFC3339("j.created_at") ", " DB_RFC3339(
               "j.started_at") ", " DB_RFC3339("j.finished_at") " FROM u j JOIN selections s ON "
                                                                "s.id = j.selection_id",
    .nparams = 1,
};

enum db_status db_sel_job_take(struct db_conn *c, struct arena *a, struct db_sel_job *out)
{
    const char *p[1] = {arena_printf(a, "%d", SEL_JOB_LEASE_S)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_job_take, p, &r);
    if (st == DB_OK) {
        read_job(&r, 0, out);
    }
    return st;
}

static const struct db_stmt stmt_job_progress = {
    .name = "sel_job_progress",
    .sql = "UPDATE selection_jobs SET progress = $2::jsonb, lease_until = now() + "
           "make_interval(secs => $3) WHERE id = $1 AND status = 'running' RETURNING cancel",
    .nparams = 3,
};

enum db_status db_sel_job_progress(struct db_conn *c, struct arena *a, int64_t id,
                                   const char *progress_json, bool *cancel)
{
    const char *p[3] = {db_param_i64(a, id), progress_json, arena_printf(a, "%d", SEL_JOB_LEASE_S)};
    struct db_result r;
    *cancel = false;
    enum db_status st = db_query_stmt(c, a, &stmt_job_progress, p, &r);
    if (st != DB_OK) {
        return st;
    }
    /* No row: the job is no longer running (cancelled while queued and
     * taken again is impossible; a lost lease is): stop. */
    *cancel = r.nrows == 0 || get_bool(&r, 0, 0);
    return DB_OK;
}

static const struct db_stmt stmt_job_finish = {
    .name = "sel_job_finish",
    .sql = "UPDATE selection_jobs SET status = $2, result = $3::jsonb, error = $4::jsonb, "
           "finished_at = now(), lease_until = NULL WHERE id = $1 AND status = 'running'",
    .nparams = 4,
};

enum db_status db_sel_job_finish(struct db_conn *c, struct arena *a, int64_t id, const char *status,
                                 const char *result_json, const char *error_json)
{
    const char *p[4] = {db_param_i64(a, id), status, result_json, error_json};
    return db_query_stmt(c, a, &stmt_job_finish, p, NULL);
}
