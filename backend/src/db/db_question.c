/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_question.c — SQL for questions, their options and texts, the roll,
 * the slots and the seal (see db_question.h and sql/010_questions.sql).
 * One prepared statement per function; every writing statement's
 * top-level command is the INSERT/UPDATE/DELETE, so its command tag counts
 * the rows it changed (db_writes, db/README.md).
 */
#include "db/db_question.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/base.h"
#include "db/db_int.h"

static const char *opt_id(struct arena *a, int64_t id)
{
    return id > 0 ? db_param_i64(a, id) : NULL;
}

static int64_t opt_i64(const struct db_result *r, int row, int col, int64_t dflt)
{
    int64_t v = dflt;
    if (db_is_null(r, row, col) || db_get_i64(r, row, col, &v) != 0) {
        return dflt;
    }
    return v;
}

/* --- the head ------------------------------------------------------------------------ */

#define HEAD_SQL(lock)                                                                             \
    "SELECT q.id, q.assembly_id, q.author_id, a.visibility = 'public', q.state, q.method, "        \
    "q.secrecy, q.language, q.title, q.description, q.seats, COALESCE(q.max_rankings, -1), "       \
    "q.quorum_min_countries, q.version, q.quorum_min_turnout, q.country_cap, "                     \
    "q.dm_min_country_share, q.adopts_proposals, "                                                 \
    "COALESCE(floor(extract(epoch FROM q.opens_at))::bigint, 0), "                                 \
    "floor(extract(epoch FROM q.closes_at) * 1000000)::bigint, COALESCE(q.roll_size, 0), "         \
    "COALESCE(q.ballot_count, 0), COALESCE(q.closed_log_size, 0), encode(q.board_root, 'hex'), "   \
    "o.ids, o.ex, o.props, o.labels "                                                              \
    "FROM questions q JOIN assemblies a ON a.id = q.assembly_id "                                  \
    "CROSS JOIN LATERAL (SELECT string_agg(option_id, ',' ORDER BY position) ids, "                \
    "string_agg(CASE WHEN excluded THEN 't' ELSE 'f' END, '' ORDER BY position) ex, "              \
    "string_agg(COALESCE(proposal_id, 0)::text, ',' ORDER BY position) props, "                    \
    "COALESCE(json_agg(label ORDER BY position), '[]')::text labels "                              \
    "FROM question_options WHERE question_id = q.id) o WHERE q.id = $1" lock

static const struct db_stmt stmt_head = {"q_head", HEAD_SQL(""), 1};
static const struct db_stmt stmt_head_lock = {"q_head_lock", HEAD_SQL(" FOR UPDATE OF q"), 1};

enum db_status db_question_head(struct db_conn *c, struct arena *a, int64_t qid, bool for_update,
                                struct db_question_head *out)
{
    const char *p[1] = {db_param_i64(a, qid)};
    struct db_result r;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_query_one(c, a, for_update ? &stmt_head_lock : &stmt_head, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (db_get_i64(&r, 0, 0, &out->id) != 0 || db_get_i64(&r, 0, 1, &out->assembly_id) != 0 ||
        db_get_i64(&r, 0, 2, &out->author_id) != 0 ||
        db_get_bool(&r, 0, 3, &out->assembly_public) != 0 ||
        db_get_i64(&r, 0, 10, &out->seats) != 0 || db_get_i64(&r, 0, 11, &out->max_rankings) != 0 ||
        db_get_i64(&r, 0, 12, &out->min_countries) != 0 ||
        db_get_i64(&r, 0, 13, &out->version) != 0 ||
        db_get_bool(&r, 0, 17, &out->adopts_proposals) != 0 ||
        db_get_i64(&r, 0, 18, &out->opens_at_s) != 0 ||
        db_get_i64(&r, 0, 19, &out->closes_at_us) != 0 ||
        db_get_i64(&r, 0, 20, &out->roll_size) != 0 ||
        db_get_i64(&r, 0, 21, &out->ballot_count) != 0 ||
        db_get_i64(&r, 0, 22, &out->closed_log_size) != 0) {
        return DB_HARD_ERROR;
    }
    out->state = db_value(&r, 0, 4);
    out->method = db_value(&r, 0, 5);
    out->secrecy = db_value(&r, 0, 6);
    out->language = db_value(&r, 0, 7);
    out->title = db_value(&r, 0, 8);
    out->description = db_value(&r, 0, 9);
    out->min_turnout = db_value(&r, 0, 14);
    out->country_cap = db_value(&r, 0, 15);
    out->dm_share = db_value(&r, 0, 16);
    out->board_root = db_value(&r, 0, 23);
    out->option_ids = db_is_null(&r, 0, 24) ? "" : db_value(&r, 0, 24);
    out->excluded = db_is_null(&r, 0, 25) ? "" : db_value(&r, 0, 25);
    out->proposal_ids = db_is_null(&r, 0, 26) ? "" : db_value(&r, 0, 26);
    out->labels_json = db_value(&r, 0, 27);
    return DB_OK;
}

/* --- the record ------------------------------------------------------------------------ */

/* Columns 0..30 of a record; TRS / DESC: the translations and description
 * expressions (NULL in summaries). $V = the viewer (may be NULL). */
#define REC_COLS(DESC, TRS)                                                                                          \
    "q.id, q.assembly_id, q.author_id, q.state, q.title, " DESC ", q.language, q.version, " TRS                      \
    ", q.method, q.seats, q.secrecy, (SELECT COALESCE(json_agg(json_build_object('id', "                             \
    "o.option_id, 'label', o.label, 'proposal_id', o.proposal_id, 'excluded', o.excluded) ORDER "                    \
    "BY o.position), '[]')::text FROM question_options o WHERE o.question_id = q.id), "                              \
    "q.max_rankings, q.quorum_min_turnout, q.quorum_min_countries, q.country_cap, "                                  \
    "q.dm_min_country_share, q.adopts_proposals, " DB_RFC3339("q.opens_at") ", " DB_RFC3339(                         \
        "q."                                                                                                         \
        "clos"                                                                                                       \
        "es_"                                                                                                        \
        "at") ", " DB_RFC3339("q.created_at") ", " DB_RFC3339("q.updated_at") ", " DB_RFC3339("q."                   \
                                                                                              "op"                   \
                                                                                              "en"                   \
                                                                                              "ed"                   \
                                                                                              "_"                    \
                                                                                              "a"                    \
                                                                                              "t") ", "              \
                                                                                                   "q.roll_size, "   \
                                                                                                   "encode(q.roll_"  \
                                                                                                   "root, 'hex'), "  \
                                                                                                   "encode(q.texts_" \
                                                                                                   "hash, "          \
                                                                                                   "'hex'),"         \
                                                                                                   " " DB_RFC3339(   \
                                                                                                       "q.closed_at") ", q.close_reason, q.ballot_count, encode(q.board_root, 'hex')"
#define REC_NCOLS 31
#define TRS_SQL                                                                                    \
    "(SELECT jsonb_object_agg(t.language, jsonb_build_object('title', t.title, 'description', "    \
    "t.description, 'labels', t.labels, 'source', t.source, 'translator', t.translator, 'pivot', " \
    "t.pivot))::text FROM question_texts t WHERE t.question_id = q.id)"

static enum db_status read_record(const struct db_result *r, int row, struct question_record *q)
{
    memset(q, 0, sizeof(*q));
    if (db_get_i64(r, row, 0, &q->id) != 0 || db_get_i64(r, row, 1, &q->assembly_id) != 0 ||
        db_get_i64(r, row, 2, &q->author_id) != 0 || db_get_i64(r, row, 7, &q->version) != 0 ||
        db_get_i64(r, row, 10, &q->seats) != 0 || db_get_i64(r, row, 15, &q->min_countries) != 0 ||
        db_get_bool(r, row, 18, &q->adopts_proposals) != 0) {
        return DB_HARD_ERROR;
    }
    q->state = db_value(r, row, 3);
    q->title = db_value(r, row, 4);
    q->description = db_value(r, row, 5);
    q->language = db_value(r, row, 6);
    q->translations_json = db_value(r, row, 8);
    q->method = db_value(r, row, 9);
    q->secrecy = db_value(r, row, 11);
    q->options_json = db_value(r, row, 12);
    q->max_rankings = opt_i64(r, row, 13, 0);
    q->min_turnout = db_value(r, row, 14);
    q->country_cap = db_value(r, row, 16);
    q->dm_min_country_share = db_value(r, row, 17);
    q->opens_at = db_value(r, row, 19);
    q->closes_at = db_value(r, row, 20);
    q->created_at = db_value(r, row, 21);
    q->updated_at = db_value(r, row, 22);
    q->opened_at = db_value(r, row, 23);
    q->roll_size = opt_i64(r, row, 24, -1);
    q->roll_root = db_value(r, row, 25);
    q->texts_hash = db_value(r, row, 26);
    q->closed_at = db_value(r, row, 27);
    q->close_reason = db_value(r, row, 28);
    q->ballots = opt_i64(r, row, 29, -1);
    q->board_root = db_value(r, row, 30);
    return DB_OK;
}

static const struct db_stmt stmt_view = {
    .name = "q_view",
    .sql = "SELECT " REC_COLS(
        "q.description",
        TRS_SQL) ", a.visibility = 'public', "
                 "a.join_policy = 'open', m.role, m.status, rl.voted "
                 "FROM questions q JOIN assemblies a ON a.id = q.assembly_id "
                 "LEFT JOIN memberships m ON m.assembly_id = q.assembly_id AND m.account_id = $2 "
                 "LEFT JOIN question_roll rl ON rl.question_id = q.id AND rl.account_id = $2 "
                 "WHERE q.id = $1",
    .nparams = 2,
};

enum db_status db_question_view(struct db_conn *c, struct arena *a, int64_t qid, int64_t viewer,
                                struct question_record *rec, struct db_standing *sd)
{
    const char *p[2] = {db_param_i64(a, qid), opt_id(a, viewer)};
    struct db_result r;
    memset(sd, 0, sizeof(*sd));
    enum db_status st = db_query_one(c, a, &stmt_view, p, &r);
    if (st == DB_OK) {
        st = read_record(&r, 0, rec);
    }
    if (st != DB_OK) {
        return st;
    }
    if (db_get_bool(&r, 0, REC_NCOLS, &sd->is_public) != 0 ||
        db_get_bool(&r, 0, REC_NCOLS + 1, &sd->open_to_join) != 0) {
        return DB_HARD_ERROR;
    }
    sd->role = db_value(&r, 0, REC_NCOLS + 2);
    sd->status = db_value(&r, 0, REC_NCOLS + 3);
    rec->on_roll = !db_is_null(&r, 0, REC_NCOLS + 4);
    rec->voted = rec->on_roll && db_get_bool(&r, 0, REC_NCOLS + 4, &rec->voted) == 0 && rec->voted;
    rec->show_me = sd->role != NULL && strcmp(rec->state, "draft") != 0;
    return DB_OK;
}

static const struct db_stmt stmt_list = {
    .name = "q_list",
    .sql = "SELECT " REC_COLS("NULL::text", "NULL::text") " FROM questions q "
                                                          "WHERE q.assembly_id = $1 AND q.id > $2 "
                                                          "AND ($3::text IS NULL OR q.state = $3) "
                                                          "ORDER BY q.id LIMIT $4",
    .nparams = 4,
};

enum db_status db_question_list(struct db_conn *c, struct arena *a, int64_t aid, const char *state,
                                int64_t after, int limit, struct question_record **items, int *n)
{
    const char *p[4] = {db_param_i64(a, aid), db_param_i64(a, after), state,
                        db_param_i64(a, limit)};
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_list, p, &r);
    if (st != DB_OK) {
        return st;
    }
    *items = arena_calloc(a, (size_t)(r.nrows > 0 ? r.nrows : 1), sizeof(**items));
    for (int i = 0; i < r.nrows; i++) {
        if ((st = read_record(&r, i, &(*items)[i])) != DB_OK) {
            return st;
        }
    }
    *n = r.nrows;
    return DB_OK;
}

/* --- create, PATCH, translations ----------------------------------------------------- */

#define OPTIONS_INSERT(QID)                                                                        \
    "INSERT INTO question_options (question_id, position, option_id, label, proposal_id, "         \
    "excluded) SELECT " QID ", (e.o - 1)::smallint, e.v->>'id', e.v->>'label', "                   \
    "NULLIF((e.v->>'proposal_id')::bigint, 0), (e.v->>'excluded')::boolean "

static const struct db_stmt stmt_insert = {
    .name = "q_insert",
    .sql = "WITH q AS (INSERT INTO questions (assembly_id, author_id, language, title, "
           "description, method, seats, secrecy, quorum_min_turnout, quorum_min_countries, "
           "country_cap, max_rankings, adopts_proposals, dm_min_country_share, opens_at, "
           "closes_at) VALUES ($1, $2, COALESCE($3, (SELECT languages[1] FROM accounts WHERE id "
           "= $2), 'en'), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING "
           "id), o AS (" OPTIONS_INSERT("q.id") "FROM q, json_array_elements($17::json) WITH "
                                                "ORDINALITY e(v, o)) SELECT id FROM q",
    .nparams = 17,
};

static void write_params(struct arena *a, const struct db_question_write *w, const char **p)
{
    p[0] = w->title;
    p[1] = w->description != NULL ? w->description : "";
    p[2] = w->method;
    p[3] = db_param_i64(a, w->seats);
    p[4] = w->secrecy;
    p[5] = w->min_turnout;
    p[6] = db_param_i64(a, w->min_countries);
    p[7] = w->country_cap;
    p[8] = w->max_rankings > 0 ? db_param_i64(a, w->max_rankings) : NULL;
    p[9] = w->adopts_proposals ? "true" : "false";
    p[10] = w->dm_share;
    p[11] = w->opens_at;
    p[12] = w->closes_at;
}

enum db_status db_question_insert(struct db_conn *c, struct arena *a, int64_t aid, int64_t author,
                                  const struct db_question_write *w, int64_t *qid)
{
    const char *p[17] = {db_param_i64(a, aid), db_param_i64(a, author), w->language};
    write_params(a, w, p + 3);
    p[16] = w->options_json;
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_insert, p, &r);
    if (st == DB_OK && db_get_i64(&r, 0, 0, qid) != 0) {
        st = DB_HARD_ERROR;
    }
    return st;
}

static const struct db_stmt stmt_update = {
    .name = "q_update",
    .sql = "WITH d AS (DELETE FROM question_options WHERE question_id = $1), "
           "t AS (DELETE FROM question_texts WHERE question_id = $16 AND $15::boolean) "
           "UPDATE questions SET language = COALESCE($2, language), title = $3, description = $4, "
           "method = $5, seats = $6, secrecy = $7, quorum_min_turnout = $8, "
           "quorum_min_countries = $9, country_cap = $10, max_rankings = $11, "
           "adopts_proposals = $12, dm_min_country_share = $13, opens_at = $14, "
           "closes_at = $17, version = version + 1, updated_at = now() "
           "WHERE id = $1 AND state = 'draft' RETURNING version",
    .nparams = 17,
};

enum db_status db_question_update(struct db_conn *c, struct arena *a, int64_t qid,
                                  const struct db_question_write *w, bool drop_texts,
                                  int64_t *version)
{
    const char *p[17];
    const char *wp[13];
    write_params(a, w, wp);
    p[0] = db_param_i64(a, qid);
    p[1] = w->language;
    memcpy(p + 2, wp, 12 * sizeof(char *)); /* title .. opens_at */
    p[14] = drop_texts ? "true" : "false";
    p[15] = p[0];
    p[16] = wp[12];
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_update, p, &r);
    if (st == DB_OK && db_get_i64(&r, 0, 0, version) != 0) {
        st = DB_HARD_ERROR;
    }
    return st;
}

static const struct db_stmt stmt_options_put = {
    .name = "q_options_put",
    .sql =
        OPTIONS_INSERT("$1::bigint") "FROM json_array_elements($2::json) WITH ORDINALITY e(v, o)",
    .nparams = 2,
};

enum db_status db_question_options_put(struct db_conn *c, struct arena *a, int64_t qid,
                                       const char *options_json)
{
    const char *p[2] = {db_param_i64(a, qid), options_json};
    return db_query_stmt(c, a, &stmt_options_put, p, NULL);
}

static const struct db_stmt stmt_proposals_in = {
    .name = "q_proposals_in",
    .sql = "SELECT count(*) FROM proposals WHERE assembly_id = $1 AND id = ANY ($2::bigint[])",
    .nparams = 2,
};

enum db_status db_question_proposals_in(struct db_conn *c, struct arena *a, int64_t aid,
                                        const char *ids, int64_t *n)
{
    const char *p[2] = {db_param_i64(a, aid), ids};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_proposals_in, p, &r);
    if (st == DB_OK && db_get_i64(&r, 0, 0, n) != 0) {
        st = DB_HARD_ERROR;
    }
    return st;
}

static const struct db_stmt stmt_text_put = {
    .name = "q_text_put",
    .sql =
        "INSERT INTO question_texts (question_id, language, title, description, labels, "
        "source, translator_id) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) "
        "ON CONFLICT (question_id, language) DO UPDATE SET title = EXCLUDED.title, "
        "description = EXCLUDED.description, labels = EXCLUDED.labels, source = "
        "EXCLUDED.source, translator_id = EXCLUDED.translator_id, translator = NULL, pivot = NULL, "
        "created_at = now()",
    .nparams = 7,
};

enum db_status db_question_text_put(struct db_conn *c, struct arena *a, int64_t qid,
                                    const char *language, const char *title,
                                    const char *description, const char *labels_json,
                                    const char *source, int64_t translator)
{
    const char *p[7] = {db_param_i64(a, qid), language, title, description, labels_json, source,
                        opt_id(a, translator)};
    return db_query_stmt(c, a, &stmt_text_put, p, NULL);
}

/* --- opening ---------------------------------------------------------------------------- */

static enum db_status affected(struct db_conn *c, struct arena *a, const struct db_stmt *s,
                               const char *const *p, int64_t *n)
{
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, s, p, &r);
    *n = st == DB_OK ? r.affected : 0;
    return st;
}

static const struct db_stmt stmt_mark_open = {
    .name = "q_mark_open",
    .sql = "UPDATE questions SET state = 'open', opened_at = now() "
           "WHERE id = $1 AND state = 'draft'",
    .nparams = 1,
};

enum db_status db_question_mark_open(struct db_conn *c, struct arena *a, int64_t qid,
                                     int64_t *changed)
{
    const char *p[1] = {db_param_i64(a, qid)};
    return affected(c, a, &stmt_mark_open, p, changed);
}

static const struct db_stmt stmt_roll_snapshot = {
    .name = "q_roll_snapshot",
    .sql = "INSERT INTO question_roll (question_id, account_id, country) "
           "SELECT $1, m.account_id, ac.country FROM memberships m "
           "JOIN accounts ac ON ac.id = m.account_id WHERE m.assembly_id = $2 "
           "AND m.status = 'active' AND m.role <> 'observer' ORDER BY m.account_id",
    .nparams = 2,
};

enum db_status db_question_roll_snapshot(struct db_conn *c, struct arena *a, int64_t qid,
                                         int64_t aid, int64_t *n)
{
    const char *p[2] = {db_param_i64(a, qid), db_param_i64(a, aid)};
    return affected(c, a, &stmt_roll_snapshot, p, n);
}

static const struct db_stmt stmt_roll_all = {
    .name = "q_roll_all",
    .sql = "SELECT account_id, country FROM question_roll WHERE question_id = $1 "
           "ORDER BY account_id",
    .nparams = 1,
};

enum db_status db_question_roll_all(struct db_conn *c, struct arena *a, int64_t qid, int64_t **ids,
                                    const char ***countries, int *n)
{
    const char *p[1] = {db_param_i64(a, qid)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_roll_all, p, &r);
    if (st != DB_OK) {
        return st;
    }
    size_t cap = (size_t)(r.nrows > 0 ? r.nrows : 1);
    *ids = arena_calloc(a, cap, sizeof(**ids));
    *countries = arena_calloc(a, cap, sizeof(**countries));
    for (int i = 0; i < r.nrows; i++) {
        if (db_get_i64(&r, i, 0, &(*ids)[i]) != 0 || strlen(db_value(&r, i, 1)) != 2) {
            return DB_HARD_ERROR;
        }
        (*countries)[i] = db_value(&r, i, 1);
    }
    *n = r.nrows;
    return DB_OK;
}

static const struct db_stmt stmt_texts = {
    .name = "q_texts",
    .sql = "SELECT jsonb_build_object('question', q.id, 'texts', jsonb_build_object(q.language, "
           "jsonb_build_object('title', q.title, 'description', q.description, 'labels', (SELECT "
           "COALESCE(jsonb_object_agg(o.option_id, o.label), '{}') FROM question_options o WHERE "
           "o.question_id = q.id), 'source', 'original')) || COALESCE((SELECT "
           "jsonb_object_agg(t.language, jsonb_build_object('title', t.title, 'description', "
           "t.description, 'labels', t.labels, 'source', t.source)) FROM question_texts t WHERE "
           "t.question_id = q.id), '{}'))::text FROM questions q WHERE q.id = $1",
    .nparams = 1,
};

enum db_status db_question_texts(struct db_conn *c, struct arena *a, int64_t qid, const char **json)
{
    const char *p[1] = {db_param_i64(a, qid)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_texts, p, &r);
    *json = st == DB_OK ? db_value(&r, 0, 0) : NULL;
    return st;
}

static const struct db_stmt stmt_slots = {
    .name = "q_slots",
    .sql = "INSERT INTO ballots (question_id, slot, filled, receipt, ranking, country) "
           "SELECT $1, u.k, false, decode(repeat('00', 32), 'hex'), decode(repeat('ff', $3), "
           "'hex'), 'ZZ' FROM unnest($2::bigint[]) WITH ORDINALITY u(k, o) ORDER BY u.o",
    .nparams = 3,
};

enum db_status db_question_slots(struct db_conn *c, struct arena *a, int64_t qid, const char *keys,
                                 int n_options)
{
    const char *p[3] = {db_param_i64(a, qid), keys, db_param_i64(a, n_options)};
    return db_query_stmt(c, a, &stmt_slots, p, NULL);
}

static const struct db_stmt stmt_opened = {
    .name = "q_opened",
    .sql = "UPDATE questions SET roll_size = $2, roll_root = decode($3, 'hex'), "
           "texts_hash = decode($4, 'hex') WHERE id = $1",
    .nparams = 4,
};

enum db_status db_question_opened(struct db_conn *c, struct arena *a, int64_t qid,
                                  int64_t roll_size, const char *roll_root_hex,
                                  const char *texts_hash_hex)
{
    const char *p[4] = {db_param_i64(a, qid), db_param_i64(a, roll_size), roll_root_hex,
                        texts_hash_hex};
    return db_query_stmt(c, a, &stmt_opened, p, NULL);
}

/* --- closing ---------------------------------------------------------------------------- */

/* The DELETE locks every slot (waiting for a cast in flight, then reading
 * its committed row); the country counts and the window need every row
 * before the first INSERT, so all deletes come first, and a key deleted by
 * this transaction does not conflict with its re-insertion. The sealed
 * rows get slot = board_index (sql/017_seal_fast.sql): the primary key is
 * the board's order. The counts are a hash aggregate and the one sort is
 * by receipt, kept in memory by a work_mem raised for this transaction
 * only (a board of 1,000,000 sorts in about 100 MB). */
static const struct db_stmt stmt_seal_mem = {
    .name = "q_seal_mem",
    .sql = "SELECT set_config('work_mem', '256MB', true)",
    .nparams = 0,
};

static const struct db_stmt stmt_seal = {
    .name = "q_seal",
    .sql = "WITH d AS (DELETE FROM ballots WHERE question_id = $1 "
           "RETURNING receipt, ranking, country, filled), "
           "c AS (SELECT country, count(*) AS cn FROM d WHERE filled GROUP BY country), "
           "f AS (SELECT d.receipt, d.ranking, CASE WHEN c.cn < $2 THEN 'ZZ' ELSE d.country END "
           "AS country, row_number() OVER (ORDER BY d.receipt) - 1 AS ix "
           "FROM d JOIN c USING (country) WHERE d.filled) "
           "INSERT INTO ballots (question_id, slot, filled, receipt, ranking, country, "
           "board_index) SELECT $1, ix, true, receipt, ranking, country, ix FROM f ORDER BY ix",
    .nparams = 2,
};

enum db_status db_question_seal(struct db_conn *c, struct arena *a, int64_t qid, int k, int64_t *n)
{
    enum db_status st = db_query_stmt(c, a, &stmt_seal_mem, NULL, NULL);
    if (st != DB_OK) {
        return st;
    }
    const char *p[2] = {db_param_i64(a, qid), db_param_i64(a, k)};
    return affected(c, a, &stmt_seal, p, n);
}

static const struct db_stmt stmt_board_page = {
    .name = "q_board_page",
    .sql = "SELECT encode(receipt, 'hex'), encode(ranking, 'hex'), country FROM ballots "
           "WHERE question_id = $1 AND slot >= $2 AND slot < $2 + $3 AND board_index IS NOT NULL "
           "ORDER BY slot",
    .nparams = 3,
};

enum db_status db_question_board_page(struct db_conn *c, struct arena *a, int64_t qid, int64_t from,
                                      int limit, const char ***receipts, uint8_t **rankings,
                                      const char ***countries, int n_options, int *n)
{
    const char *p[3] = {db_param_i64(a, qid), db_param_i64(a, from), db_param_i64(a, limit)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_board_page, p, &r);
    if (st != DB_OK) {
        return st;
    }
    size_t cap = (size_t)(r.nrows > 0 ? r.nrows : 1);
    *receipts = arena_calloc(a, cap, sizeof(**receipts));
    *countries = arena_calloc(a, cap, sizeof(**countries));
    *rankings = arena_calloc(a, cap, (size_t)n_options);
    for (int i = 0; i < r.nrows; i++) {
        const char *hex = db_value(&r, i, 1);
        if (strlen(db_value(&r, i, 0)) != 64 || strlen(hex) != 2 * (size_t)n_options ||
            base_hex_decode(hex, strlen(hex), *rankings + (size_t)i * (size_t)n_options,
                            (size_t)n_options) != 0) {
            return DB_HARD_ERROR;
        }
        (*receipts)[i] = db_value(&r, i, 0);
        (*countries)[i] = db_value(&r, i, 2);
    }
    *n = r.nrows;
    return DB_OK;
}

static const struct db_stmt stmt_voters = {
    .name = "q_voters",
    .sql = "SELECT count(*) FROM question_roll WHERE question_id = $1 AND voted",
    .nparams = 1,
};

enum db_status db_question_voters(struct db_conn *c, struct arena *a, int64_t qid, int64_t *n)
{
    const char *p[1] = {db_param_i64(a, qid)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_voters, p, &r);
    if (st == DB_OK && db_get_i64(&r, 0, 0, n) != 0) {
        st = DB_HARD_ERROR;
    }
    return st;
}

static const struct db_stmt stmt_mark_closed = {
    .name = "q_mark_closed",
    .sql = "WITH d AS (DELETE FROM ballot_idempotency WHERE question_id = $1) "
           "UPDATE questions SET state = 'closed', closed_at = now(), close_reason = $2, "
           "closed_by = $3, ballot_count = $4, board_root = decode($5, 'hex'), "
           "closed_log_size = $6 WHERE id = $1 AND state = 'open'",
    .nparams = 6,
};

enum db_status db_question_mark_closed(struct db_conn *c, struct arena *a, int64_t qid,
                                       const char *reason, int64_t closed_by, int64_t ballots,
                                       const char *board_root_hex, int64_t closed_log_size,
                                       int64_t *changed)
{
    const char *p[6] = {db_param_i64(a, qid),     reason,         opt_id(a, closed_by),
                        db_param_i64(a, ballots), board_root_hex, db_param_i64(a, closed_log_size)};
    return affected(c, a, &stmt_mark_closed, p, changed);
}

/* --- the scheduler ---------------------------------------------------------------------- */

static const struct db_stmt stmt_due[] = {
    {"q_due_open",
     "SELECT id FROM questions WHERE state = 'draft' AND opens_at <= now() AND closes_at > now() "
     "ORDER BY opens_at LIMIT 1 FOR UPDATE SKIP LOCKED",
     0},
    {"q_due_close",
     "SELECT id FROM questions WHERE state = 'open' AND closes_at <= now() "
     "ORDER BY closes_at LIMIT 1 FOR UPDATE SKIP LOCKED",
     0},
    /* Left closed by a crash (or a failed tally): the close's own tally
     * runs at once, so only those closed a while ago. One waiting for
     * witness cosignatures (tally_after, sql/013) is tried again at its
     * time, least recently tried first, so it never starves the others. */
    {"q_due_tally",
     "SELECT id FROM questions WHERE state = 'closed' AND CASE WHEN tally_after IS NULL THEN "
     "closed_at < now() - interval '5 seconds' ELSE tally_after <= now() END "
     "ORDER BY coalesce(tally_after, closed_at) LIMIT 1",
     0},
};

enum db_status db_question_take_due(struct db_conn *c, struct arena *a, enum db_question_due kind,
                                    int64_t *qid)
{
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_due[kind], NULL, &r);
    if (st == DB_OK && db_get_i64(&r, 0, 0, qid) != 0) {
        st = DB_HARD_ERROR;
    }
    return st;
}

/* --- participation --------------------------------------------------------------------- */

static const struct db_stmt stmt_roll_page = {
    .name = "q_roll_page",
    .sql = "SELECT t.n, t.v, p.account_id, p.display_name, p.country, p.voted FROM "
           "(SELECT count(*) n, count(*) FILTER (WHERE voted) v FROM question_roll "
           "WHERE question_id = $1) t LEFT JOIN LATERAL (SELECT r.account_id, ac.display_name, "
           "r.country, r.voted FROM question_roll r JOIN accounts ac ON ac.id = r.account_id "
           "WHERE r.question_id = $1 AND r.account_id > $2 ORDER BY r.account_id LIMIT $3) p "
           "ON true",
    .nparams = 3,
};

enum db_status db_question_roll_page(struct db_conn *c, struct arena *a, int64_t qid, int64_t after,
                                     int limit, struct db_roll_item **items, int *n,
                                     int64_t *roll_size, int64_t *voted)
{
    const char *p[3] = {db_param_i64(a, qid), db_param_i64(a, after), db_param_i64(a, limit)};
    struct db_result r;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_roll_page, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (r.nrows < 1 || db_get_i64(&r, 0, 0, roll_size) != 0 || db_get_i64(&r, 0, 1, voted) != 0) {
        return DB_HARD_ERROR;
    }
    *items = arena_calloc(a, (size_t)r.nrows, sizeof(**items));
    for (int i = 0; i < r.nrows; i++) {
        if (db_is_null(&r, i, 2)) {
            continue; /* an empty page: the totals' row only */
        }
        struct db_roll_item *it = &(*items)[*n];
        if (db_get_i64(&r, i, 2, &it->account_id) != 0 || db_get_bool(&r, i, 5, &it->voted) != 0) {
            return DB_HARD_ERROR;
        }
        it->display_name = db_value(&r, i, 3);
        it->country = db_value(&r, i, 4);
        (*n)++;
    }
    return DB_OK;
}
