/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_proposal.c — SQL for proposals, versions, translations,
 * endorsements and the advancement rule (see db_proposal.h and
 * sql/006_proposals.sql). One prepared statement per function; every
 * writing statement's top-level command is the INSERT/UPDATE/DELETE, so
 * its command tag counts the rows it changed (db_writes, db/README.md).
 */
#include "db/db_proposal.h"

#include <string.h>

#include "core/base/base.h"
#include "db/db_int.h"

/* Columns 0..24: the proposal, its author, the version read, the rule. */
#define P_HEAD(vbody)                                                                                  \
    "p.id, p.assembly_id, p.author_id, p.amends, p.status, p.original_language, "                      \
    "p.current_version, p.endorsement_count, p.endorsement_countries, p.comment_count, "               \
    "p.amendment_count, p.merged_into_version, p.merged_by, " DB_RFC3339(                              \
        "p.merged_at") ", " DB_RFC3339("p.created_at") ", " DB_RFC3339("p.updated_at") ", "            \
                                                                                       "au."           \
                                                                                       "display_"      \
                                                                                       "name, "        \
                                                                                       "au."           \
                                                                                       "country, "     \
                                                                                       "v."            \
                                                                                       "version, "     \
                                                                                       "v.title,"      \
                                                                                       " " vbody       \
                                                                                       ", "            \
                                                                                       "v."            \
                                                                                       "language,"     \
                                                                                       " " DB_RFC3339( \
                                                                                           "v."        \
                                                                                           "creat"     \
                                                                                           "ed_"       \
                                                                                           "at") ", a.advancement_min_endorsements, a.advancement_min_countries"
#define P_HEAD_N 25
/* Column 25: the viewer endorses it ($V = the viewer, NULL = anonymous). */
#define P_MINE(V)                                                                                  \
    "EXISTS (SELECT 1 FROM endorsements e WHERE e.proposal_id = p.id AND e.account_id = " V ")"
/* Columns 26..38: a translation row t. */
#define T_COLS(tbody)                                                                              \
    "t.id, t.version, t.language, t.title, " tbody ", t.source, t.pivot, t.translator, "           \
    "t.translated_by, " DB_RFC3339("t.created_at") ", t.reviewed_by, " DB_RFC3339(                 \
        "t.reviewed_at") ", t.current"
#define T_NCOLS 13
#define P_NCOLS (P_HEAD_N + 1 + T_NCOLS)

#define P_FROM                                                                                     \
    " FROM proposals p JOIN assemblies a ON a.id = p.assembly_id "                                 \
    "JOIN accounts au ON au.id = p.author_id "
/* The reader's preferences: $P (lower-case tags) then the account's
 * languages in their order. */
#define P_PREFS(P, V)                                                                              \
    " CROSS JOIN LATERAL (SELECT COALESCE(" P "::text[], '{}') || COALESCE((SELECT "               \
    "array_agg(lower(l.x) ORDER BY l.o) FROM accounts me, unnest(me.languages) WITH ORDINALITY "   \
    "l(x, o) WHERE me.id = " V " AND " P "::text[] IS NOT NULL), '{}') AS prefs) pf "
/* The best translation of the version read (v) for pf.prefs: a language
 * listed before the original's, earliest first, then the newest version. */
#define P_BEST_TR                                                                                  \
    " LEFT JOIN LATERAL (SELECT * FROM proposal_translations t WHERE t.proposal_id = p.id "        \
    "AND t.current AND t.version <= v.version AND array_position(pf.prefs, lower(t.language)) < "  \
    "COALESCE(array_position(pf.prefs, lower(p.original_language)), 2147483647) "                  \
    "ORDER BY array_position(pf.prefs, lower(t.language)), t.version DESC LIMIT 1) t ON true "

/*
 * The page key: what the proposal page (db_proposal_view + the comment
 * page) shows changes only when one of these changes, so a page kept under
 * an equal key is still what the statements would give (api/page_cache.c).
 * Every row the page reads is named by its xmin, the transaction that
 * wrote its current version: any UPDATE (through the API or plain SQL,
 * from any pnyxd) writes a new row version with a new xmin, an INSERT or
 * DELETE of a translation changes the list. The rows: the proposal (its
 * counters, status, version, comments_rev, so also the comment thread:
 * sql/011), the assembly (visibility, join policy, rule), the author
 * (name, country), the version read, every translation of the proposal
 * (the best one and the language list), the comment pages' epoch (comment
 * authors' names), and for a signed-in viewer V their membership (role,
 * status), account (languages) and endorsement. An xid is 32 bits, so
 * equal xmins could come back only after 2^32 transactions: a kept page
 * lives minutes (api/page_cache.c, PAGE_CACHE_TTL_S). Freezing keeps the
 * raw xmin (PostgreSQL >= 9.4), so VACUUM changes no key.
 */
#define P_PAGE_KEY(V)                                                                              \
    "p.xmin::text || '.' || a.xmin::text || '.' || au.xmin::text || '.' || v.xmin::text || '.' "   \
    "|| (SELECT e.n FROM comment_page_epoch e) || '.' || COALESCE((SELECT string_agg(tk.id || "    \
    "':' || tk.xmin::text, ',' ORDER BY tk.id) FROM proposal_translations tk WHERE "               \
    "tk.proposal_id = p.id), '') || '.' || COALESCE(m.xmin::text, '') || '.' || COALESCE((SELECT " \
    "mk.xmin::text FROM accounts mk WHERE mk.id = " V "), '') || '.' || COALESCE((SELECT "         \
    "ek.xmin::text FROM endorsements ek WHERE ek.proposal_id = p.id AND ek.account_id = " V        \
    "), '')"

static const char *opt_id(struct arena *a, int64_t id)
{
    return id > 0 ? db_param_i64(a, id) : NULL;
}

static int64_t opt_i64(const struct db_result *r, int row, int col)
{
    int64_t v = 0;
    if (db_is_null(r, row, col) || db_get_i64(r, row, col, &v) != 0) {
        return 0;
    }
    return v;
}

static enum db_status read_translation(const struct db_result *r, int row, int col,
                                       struct db_proposal_translation *t)
{
    memset(t, 0, sizeof(*t));
    if (db_is_null(r, row, col)) {
        return DB_OK;
    }
    if (db_get_i64(r, row, col, &t->id) != 0 || db_get_i64(r, row, col + 1, &t->version) != 0 ||
        db_get_bool(r, row, col + 12, &t->current) != 0) {
        return DB_HARD_ERROR;
    }
    t->language = db_value(r, row, col + 2);
    t->title = db_value(r, row, col + 3);
    t->body = db_value(r, row, col + 4);
    t->source = db_value(r, row, col + 5);
    t->pivot = db_value(r, row, col + 6);
    t->translator = db_value(r, row, col + 7);
    t->translated_by = opt_i64(r, row, col + 8);
    t->created_at = db_value(r, row, col + 9);
    t->reviewed_by = opt_i64(r, row, col + 10);
    t->reviewed_at = db_value(r, row, col + 11);
    return DB_OK;
}

/* Row `row` of r (P_HEAD, mine, T_COLS from column 0) into *p. */
static enum db_status read_proposal(const struct db_result *r, int row, struct db_proposal *p)
{
    memset(p, 0, sizeof(*p));
    if (db_get_i64(r, row, 0, &p->id) != 0 || db_get_i64(r, row, 1, &p->assembly_id) != 0 ||
        db_get_i64(r, row, 2, &p->author_id) != 0 ||
        db_get_i64(r, row, 6, &p->current_version) != 0 ||
        db_get_i64(r, row, 7, &p->endorsement_count) != 0 ||
        db_get_i64(r, row, 8, &p->endorsement_countries) != 0 ||
        db_get_i64(r, row, 9, &p->comment_count) != 0 ||
        db_get_i64(r, row, 10, &p->amendment_count) != 0 ||
        db_get_i64(r, row, 18, &p->version) != 0 || db_get_bool(r, row, 25, &p->mine) != 0) {
        return DB_HARD_ERROR;
    }
    p->amends = opt_i64(r, row, 3);
    p->status = db_value(r, row, 4);
    p->original_language = db_value(r, row, 5);
    p->merged_into_version = opt_i64(r, row, 11);
    p->merged_by = opt_i64(r, row, 12);
    p->merged_at = db_value(r, row, 13);
    p->created_at = db_value(r, row, 14);
    p->updated_at = db_value(r, row, 15);
    p->author_name = db_value(r, row, 16);
    p->author_country = db_value(r, row, 17);
    p->title = db_value(r, row, 19);
    p->body = db_value(r, row, 20);
    p->language = db_value(r, row, 21);
    p->version_created_at = db_value(r, row, 22);
    p->rule = !db_is_null(r, row, 23);
    p->min_endorsements = opt_i64(r, row, 23);
    p->min_countries = opt_i64(r, row, 24);
    return read_translation(r, row, P_HEAD_N + 1, &p->tr);
}

/* --- read ---------------------------------------------------------------------------- */

/* Caller: api_proposals.c read (GET /proposals/{pid}): the whole page's
 * data but the comments in one round trip. */
static const struct db_stmt stmt_view = {
    .name = "prop_view",
    .sql = "SELECT " P_HEAD("v.body") ", " P_MINE("$2") ", " T_COLS(
        "t.body") ", a.visibility = 'public', a.join_policy = 'open', m.role, m.status, "
                  "(SELECT json_agg(l ORDER BY l)::text FROM (SELECT t2.language AS l FROM "
                  "proposal_translations t2 WHERE t2.proposal_id = p.id AND t2.version = "
                  "p.current_version AND t2.current UNION SELECT p.original_language) ls), "
                  "p.comment_count || '.' || p.comments_rev || '.' || "
                  "(SELECT e.n FROM comment_page_epoch e), " P_PAGE_KEY("$2") P_FROM
    "JOIN proposal_versions v ON v.proposal_id = p.id "
    "AND v.version = COALESCE($3::int, p.current_version) "
    "LEFT JOIN memberships m ON m.assembly_id = p.assembly_id AND m.account_id = "
    "$2" P_PREFS("$4", "$2") P_BEST_TR "WHERE p.id = $1",
    .nparams = 4,
};

enum db_status db_proposal_view(struct db_conn *c, struct arena *a, int64_t pid, int64_t viewer,
                                int64_t version, const char *prefs, struct db_proposal_view *out)
{
    const char *p[4] = {db_param_i64(a, pid), opt_id(a, viewer), opt_id(a, version), prefs};
    struct db_result r;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_query_one(c, a, &stmt_view, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (read_proposal(&r, 0, &out->p) != DB_OK ||
        db_get_bool(&r, 0, P_NCOLS, &out->is_public) != 0 ||
        db_get_bool(&r, 0, P_NCOLS + 1, &out->open_to_join) != 0) {
        return DB_HARD_ERROR;
    }
    out->my_role = db_value(&r, 0, P_NCOLS + 2);
    out->my_status = db_value(&r, 0, P_NCOLS + 3);
    out->languages_json = db_value(&r, 0, P_NCOLS + 4);
    out->comments_key = db_value(&r, 0, P_NCOLS + 5);
    out->page_key = db_value(&r, 0, P_NCOLS + 6);
    return DB_OK;
}

/* Caller: api_proposals.c, the proposal page kept whole (page_cache.c): the
 * key alone, as prop_view computes it, for the same joins. */
static const struct db_stmt stmt_page_key = {
    .name = "prop_page_key",
    .sql = "SELECT " P_PAGE_KEY(
        "$2") " FROM proposals p JOIN assemblies a ON a.id = p.assembly_id "
              "JOIN accounts au ON au.id = p.author_id "
              "JOIN proposal_versions v ON v.proposal_id = p.id "
              "AND v.version = COALESCE($3::int, p.current_version) "
              "LEFT JOIN memberships m ON m.assembly_id = p.assembly_id AND m.account_id = $2 "
              "WHERE p.id = $1",
    .nparams = 3,
};

enum db_status db_proposal_page_key(struct db_conn *c, struct arena *a, int64_t pid, int64_t viewer,
                                    int64_t version, const char **key)
{
    const char *p[3] = {db_param_i64(a, pid), opt_id(a, viewer), opt_id(a, version)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_page_key, p, &r);
    if (st == DB_OK) {
        *key = db_value(&r, 0, 0);
        if (*key == NULL) {
            st = DB_HARD_ERROR;
        }
    }
    return st;
}

/* Caller: api_proposals.c, every route under /proposals/{pid} (the group
 * key and the gate need the assembly). */
static const struct db_stmt stmt_assembly = {
    .name = "prop_assembly",
    .sql = "SELECT assembly_id, current_version FROM proposals WHERE id = $1",
    .nparams = 1,
};

enum db_status db_proposal_assembly(struct db_conn *c, struct arena *a, int64_t pid, int64_t *aid,
                                    int64_t *version)
{
    const char *p[1] = {db_param_i64(a, pid)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_assembly, p, &r);
    if (st == DB_OK && (db_get_i64(&r, 0, 0, aid) != 0 ||
                        (version != NULL && db_get_i64(&r, 0, 1, version) != 0))) {
        st = DB_HARD_ERROR;
    }
    return st;
}

/* Caller: api_proposals.c, every change to a proposal (first statement). */
static const struct db_stmt stmt_lock = {
    .name = "prop_lock",
    .sql = "SELECT " P_HEAD("v.body") ", false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                                      "NULL, NULL, NULL, NULL, NULL" P_FROM
                                      "JOIN proposal_versions v ON v.proposal_id = p.id AND "
                                      "v.version = p.current_version "
                                      "WHERE p.id = $1 FOR UPDATE OF p",
    .nparams = 1,
};

enum db_status db_proposal_lock(struct db_conn *c, struct arena *a, int64_t pid,
                                struct db_proposal *out)
{
    const char *p[1] = {db_param_i64(a, pid)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_lock, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_proposal(&r, 0, out);
}

/* --- writes ---------------------------------------------------------------------------- */

static const char *sha_hex(struct arena *a, const uint8_t *sha)
{
    char *hex = arena_alloc(a, 65);
    base_hex_encode(sha, 32, hex);
    return hex;
}

/* Caller: api_proposals.c create. $3 NULL = not an amendment. */
static const struct db_stmt stmt_insert = {
    .name = "prop_insert",
    .sql = "WITH par AS (UPDATE proposals SET amendment_count = amendment_count + 1 "
           "WHERE id = $3 RETURNING id), "
           "np AS (INSERT INTO proposals (assembly_id, author_id, amends, original_language) "
           "SELECT $1, $2, $3, $6 FROM (SELECT count(*) FROM par) x RETURNING id) "
           "INSERT INTO proposal_versions (proposal_id, version, assembly_id, title, body, "
           "language, author_id, text_sha256) SELECT np.id, 1, $1, $4, $5, $6, $2, "
           "decode($7, 'hex') FROM np RETURNING proposal_id",
    .nparams = 7,
};

enum db_status db_proposal_insert(struct db_conn *c, struct arena *a, int64_t aid, int64_t author,
                                  int64_t amends, const struct db_text *t, int64_t *pid)
{
    const char *p[7] = {
        db_param_i64(a, aid), db_param_i64(a, author), opt_id(a, amends), t->title, t->body,
        t->language,          sha_hex(a, t->sha256)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_insert, p, &r);
    if (st == DB_OK && db_get_i64(&r, 0, 0, pid) != 0) {
        st = DB_HARD_ERROR;
    }
    return st;
}

/* Caller: api_proposals.c PATCH (text) and merge. $7 NULL = an edit. */
static const struct db_stmt stmt_new_version = {
    .name = "prop_new_version",
    .sql = "WITH np AS (UPDATE proposals SET current_version = current_version + 1, "
           "updated_at = now() WHERE id = $1 RETURNING id, assembly_id, current_version) "
           "INSERT INTO proposal_versions (proposal_id, version, assembly_id, title, body, "
           "language, author_id, text_sha256, merged_from) SELECT np.id, np.current_version, "
           "np.assembly_id, $3, $4, $5, $2, decode($6, 'hex'), $7 FROM np RETURNING version",
    .nparams = 7,
};

enum db_status db_proposal_new_version(struct db_conn *c, struct arena *a, int64_t pid,
                                       int64_t author, const struct db_text *t, int64_t merged_from,
                                       int64_t *version)
{
    const char *p[7] = {
        db_param_i64(a, pid),  db_param_i64(a, author), t->title, t->body, t->language,
        sha_hex(a, t->sha256), opt_id(a, merged_from)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_new_version, p, &r);
    if (st == DB_OK && db_get_i64(&r, 0, 0, version) != 0) {
        st = DB_HARD_ERROR;
    }
    return st;
}

/* Caller: api_proposals.c PATCH (status). */
static const struct db_stmt stmt_set_status = {
    .name = "prop_set_status",
    .sql = "UPDATE proposals SET status = $2, updated_at = now() WHERE id = $1",
    .nparams = 2,
};

enum db_status db_proposal_set_status(struct db_conn *c, struct arena *a, int64_t pid,
                                      const char *status)
{
    const char *p[2] = {db_param_i64(a, pid), status};
    return db_query_stmt(c, a, &stmt_set_status, p, NULL);
}

/* Caller: api_proposals.c merge. */
static const struct db_stmt stmt_mark_merged = {
    .name = "prop_mark_merged",
    .sql = "UPDATE proposals SET merged_into_version = $2, merged_by = $3, merged_at = now(), "
           "updated_at = now() WHERE id = $1",
    .nparams = 3,
};

enum db_status db_proposal_mark_merged(struct db_conn *c, struct arena *a, int64_t amendment,
                                       int64_t version, int64_t by)
{
    const char *p[3] = {db_param_i64(a, amendment), db_param_i64(a, version), db_param_i64(a, by)};
    return db_query_stmt(c, a, &stmt_mark_merged, p, NULL);
}

/* --- lists ------------------------------------------------------------------------------ */

/* Parameters of every list statement: $1 assembly (parent for the
 * amendments), $2 status or NULL, $3 limit, $4 viewer, $5 prefs, $6 the
 * cursor's id; the sorted ones $7 the cursor's key, the search $8 q. */
#define L_SELECT(extra) "SELECT " P_HEAD("NULL") ", " P_MINE("$4") ", " T_COLS("NULL") extra P_FROM
#define L_JOIN                                                                                     \
    "JOIN proposal_versions v ON v.proposal_id = p.id AND v.version = p.current_version " P_PREFS( \
        "$5", "$4") P_BEST_TR
#define L_STATUS " AND ($2::text IS NULL OR p.status = $2) "

/* Callers: api_proposals.c list (sort newest, endorsed, discussed, a
 * search) and the amendments list. */
static const struct db_stmt stmt_list_newest = {
    .name = "prop_list_newest",
    .sql = L_SELECT(", NULL") L_JOIN "WHERE p.assembly_id = $1 AND p.amends IS NULL" L_STATUS
                                     "AND p.id < $6 ORDER BY p.id DESC LIMIT $3",
    .nparams = 6,
};
static const struct db_stmt stmt_list_amendments = {
    .name = "prop_list_amendments",
    .sql = L_SELECT(", NULL") L_JOIN "WHERE p.amends = $1" L_STATUS
                                     "AND p.id < $6 ORDER BY p.id DESC LIMIT $3",
    .nparams = 6,
};
/* Sorted by a count column of proposals, keyset (count, id) descending. */
#define L_BY_COUNT(col)                                                                            \
    L_SELECT(", p." col "::text")                                                                  \
    L_JOIN "WHERE p.assembly_id = $1 AND p.amends IS NULL" L_STATUS "AND (p." col                  \
           ", p.id) < ($7::int, $6::bigint) "                                                      \
           "ORDER BY p." col " DESC, p.id DESC LIMIT $3"
static const struct db_stmt stmt_list_endorsed = {
    .name = "prop_list_endorsed",
    .sql = L_BY_COUNT("endorsement_count"),
    .nparams = 7,
};
static const struct db_stmt stmt_list_discussed = {
    .name = "prop_list_discussed",
    .sql = L_BY_COUNT("comment_count"),
    .nparams = 7,
};
/* The search: matches in the current version (proposal_search, 011) or in a
 * current translation of it; a proposal's rank is its best match's. The
 * page (rank, filters, keyset) is chosen before its rows are decorated,
 * so the joins of L_JOIN run for `limit` rows, not for every match. */
static const struct db_stmt stmt_list_search = {
    .name = "prop_list_search",
    .sql = "WITH q AS (SELECT pnyx_ts_query($8) AS tq), hits AS ("
           "SELECT p2.id, ts_rank(s.search, q.tq) AS r FROM q, proposal_search s "
           "JOIN proposals p2 ON p2.id = s.proposal_id "
           "WHERE s.search @@ q.tq AND s.assembly_id = $1 AND p2.amends IS NULL "
           "AND ($2::text IS NULL OR p2.status = $2) UNION ALL "
           "SELECT p2.id, ts_rank(t2.search, q.tq) FROM q, proposal_translations t2 "
           "JOIN proposals p2 ON p2.id = t2.proposal_id AND p2.current_version = t2.version "
           "WHERE t2.current AND t2.search @@ q.tq AND t2.assembly_id = $1 "
           "AND p2.amends IS NULL AND ($2::text IS NULL OR p2.status = $2)), "
           "page AS (SELECT h.id, max(h.r) AS rank FROM hits h GROUP BY h.id "
           "HAVING (max(h.r), h.id) < ($7::real, $6::bigint) "
           "ORDER BY max(h.r) DESC, h.id DESC LIMIT $3) " L_SELECT(
               ", page.rank::text") " JOIN page ON page.id = p.id " L_JOIN
                                    "ORDER BY page.rank DESC, p.id DESC",
    .nparams = 8,
};

enum db_status db_proposal_list(struct db_conn *c, struct arena *a,
                                const struct db_proposal_query *q, struct db_proposal **items,
                                int *n)
{
    const struct db_stmt *stmt = &stmt_list_newest;
    const char *first_key = NULL;
    if (q->parent > 0) {
        stmt = &stmt_list_amendments;
    } else if (q->q != NULL) {
        stmt = &stmt_list_search;
        first_key = "Infinity";
    } else if (q->sort == DB_PROPOSAL_ENDORSED) {
        stmt = &stmt_list_endorsed;
        first_key = "2147483647";
    } else if (q->sort == DB_PROPOSAL_DISCUSSED) {
        stmt = &stmt_list_discussed;
        first_key = "2147483647";
    }
    bool first = q->after_id <= 0;
    const char *p[8] = {
        db_param_i64(a, q->parent > 0 ? q->parent : q->aid),
        q->status,
        db_param_i64(a, q->limit),
        opt_id(a, q->viewer),
        q->prefs,
        first ? "9223372036854775807" : db_param_i64(a, q->after_id),
        first || q->after_key == NULL ? first_key : q->after_key,
        q->q,
    };
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, stmt, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_proposal *v = arena_calloc(a, (size_t)r.nrows + 1, sizeof(*v));
    for (int i = 0; i < r.nrows; i++) {
        if (read_proposal(&r, i, &v[i]) != DB_OK) {
            return DB_HARD_ERROR;
        }
        v[i].sort_key = db_value(&r, i, P_NCOLS);
        v[i].rank_text = q->q != NULL ? v[i].sort_key : NULL;
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}

/* Caller: api_proposals.c versions. */
static const struct db_stmt stmt_versions = {
    .name = "prop_versions",
    .sql = "SELECT v.version, v.title, v.body, v.language, v.author_id, au.display_name, "
           "au.country, v.merged_from, encode(v.text_sha256, 'hex'), " DB_RFC3339(
               "v.created_at") " FROM proposal_versions v JOIN accounts au ON au.id = v.author_id "
                               "WHERE v.proposal_id = $1 AND v.version > $2 ORDER BY v.version "
                               "LIMIT $3",
    .nparams = 3,
};

enum db_status db_proposal_versions(struct db_conn *c, struct arena *a, int64_t pid, int64_t after,
                                    int limit, struct db_version **items, int *n)
{
    const char *p[3] = {db_param_i64(a, pid), db_param_i64(a, after), db_param_i64(a, limit)};
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_versions, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_version *v = arena_calloc(a, (size_t)r.nrows + 1, sizeof(*v));
    for (int i = 0; i < r.nrows; i++) {
        if (db_get_i64(&r, i, 0, &v[i].version) != 0 ||
            db_get_i64(&r, i, 4, &v[i].author_id) != 0) {
            return DB_HARD_ERROR;
        }
        v[i].title = db_value(&r, i, 1);
        v[i].body = db_value(&r, i, 2);
        v[i].language = db_value(&r, i, 3);
        v[i].author_name = db_value(&r, i, 5);
        v[i].author_country = db_value(&r, i, 6);
        v[i].merged_from = opt_i64(&r, i, 7);
        v[i].text_sha256_hex = db_value(&r, i, 8);
        v[i].created_at = db_value(&r, i, 9);
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}

/* --- translations --------------------------------------------------------------------- */

/* Caller: api_proposals.c translations list. */
static const struct db_stmt stmt_tr_list = {
    .name = "prop_tr_list",
    .sql =
        "SELECT " T_COLS("t.body") " FROM proposal_translations t "
                                   "WHERE t.proposal_id = $1 AND t.id > $2 ORDER BY t.id LIMIT $3",
    .nparams = 3,
};

static enum db_status read_translations(const struct db_result *r, struct arena *a,
                                        struct db_proposal_translation **items, int *n)
{
    struct db_proposal_translation *v = arena_calloc(a, (size_t)r->nrows + 1, sizeof(*v));
    for (int i = 0; i < r->nrows; i++) {
        if (read_translation(r, i, 0, &v[i]) != DB_OK) {
            return DB_HARD_ERROR;
        }
    }
    *items = v;
    *n = r->nrows;
    return DB_OK;
}

enum db_status db_proposal_translation_list(struct db_conn *c, struct arena *a, int64_t pid,
                                            int64_t after, int limit,
                                            struct db_proposal_translation **items, int *n)
{
    const char *p[3] = {db_param_i64(a, pid), db_param_i64(a, after), db_param_i64(a, limit)};
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_tr_list, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_translations(&r, a, items, n);
}

/* Caller: api_proposals.c translation create. The old current row is
 * updated first (the CTE runs before the INSERT reads it), so the partial
 * unique index never sees two current rows. */
static const struct db_stmt stmt_tr_insert = {
    .name = "prop_tr_insert",
    .sql = "WITH old AS (UPDATE proposal_translations SET current = false WHERE proposal_id = $1 "
           "AND version = $2 AND lower(language) = lower($3) AND current RETURNING id) "
           "INSERT INTO proposal_translations AS t (proposal_id, version, language, title, body, "
           "source, translated_by) SELECT $1, $2, $3, $4, $5, $7, $6 FROM (SELECT count(*) "
           "FROM old) o RETURNING " T_COLS("t.body"),
    .nparams = 7,
};

enum db_status db_proposal_translation_insert(struct db_conn *c, struct arena *a, int64_t pid,
                                              int64_t version, const struct db_text *t,
                                              const char *source, int64_t by,
                                              struct db_proposal_translation *out)
{
    const char *p[7] = {db_param_i64(a, pid),
                        db_param_i64(a, version),
                        t->language,
                        t->title,
                        t->body,
                        db_param_i64(a, by),
                        source};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_tr_insert, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_translation(&r, 0, 0, out);
}

/* Caller: api_proposals.c review: the current translation into the
 * language of the newest version up to $2. */
static const struct db_stmt stmt_tr_lock = {
    .name = "prop_tr_lock",
    .sql = "SELECT " T_COLS("t.body") " FROM proposal_translations t WHERE t.proposal_id = $1 "
                                      "AND t.version <= $2 AND lower(t.language) = lower($3) "
                                      "AND t.current ORDER BY t.version DESC LIMIT 1 FOR UPDATE",
    .nparams = 3,
};

enum db_status db_proposal_translation_lock(struct db_conn *c, struct arena *a, int64_t pid,
                                            int64_t version, const char *language,
                                            struct db_proposal_translation *out)
{
    const char *p[3] = {db_param_i64(a, pid), db_param_i64(a, version), language};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_tr_lock, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_translation(&r, 0, 0, out);
}

/* Caller: api_proposals.c review. */
static const struct db_stmt stmt_tr_review = {
    .name = "prop_tr_review",
    .sql = "UPDATE proposal_translations AS t SET reviewed_by = $2, reviewed_at = now() "
           "WHERE t.id = $1 RETURNING " T_COLS("t.body"),
    .nparams = 2,
};

enum db_status db_proposal_translation_review(struct db_conn *c, struct arena *a, int64_t id,
                                              int64_t by, struct db_proposal_translation *out)
{
    const char *p[2] = {db_param_i64(a, id), db_param_i64(a, by)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_tr_review, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_translation(&r, 0, 0, out);
}

/* --- endorsements ------------------------------------------------------------------------ */

/* Caller: api_proposals.c endorse. One statement: the endorsement, its
 * country's count (a country is new when its count becomes 1) and the
 * proposal's counters; nothing at all when the member already endorses
 * (0 rows). The caller holds the proposal's row lock, so the counters of
 * one proposal change one transaction at a time. */
static const struct db_stmt stmt_endorse = {
    .name = "prop_endorse",
    .sql =
        "WITH e AS (INSERT INTO endorsements (proposal_id, account_id, assembly_id, country, "
        "version) SELECT p.id, acc.id, p.assembly_id, acc.country, $3 FROM proposals p, "
        "accounts acc WHERE p.id = $1 AND acc.id = $2 ON CONFLICT DO NOTHING RETURNING country), "
        "k AS (INSERT INTO endorsement_countries AS ec (proposal_id, country, n) "
        "SELECT $1, e.country, 1 FROM e ON CONFLICT (proposal_id, country) DO UPDATE "
        "SET n = ec.n + 1 RETURNING n) "
        "UPDATE proposals SET endorsement_count = endorsement_count + 1, "
        "endorsement_countries = endorsement_countries + (SELECT count(*) FROM k WHERE n = 1) "
        "WHERE id = $1 AND EXISTS (SELECT 1 FROM e) RETURNING (SELECT country FROM e)",
    .nparams = 3,
};

enum db_status db_endorsement_add(struct db_conn *c, struct arena *a, int64_t pid, int64_t account,
                                  int64_t version, const char **country)
{
    const char *p[3] = {db_param_i64(a, pid), db_param_i64(a, account), db_param_i64(a, version)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_endorse, p, &r);
    if (st == DB_NOT_FOUND) {
        return DB_CONFLICT;
    }
    if (st == DB_OK) {
        *country = db_value(&r, 0, 0);
    }
    return st;
}

/* Caller: api_proposals.c withdraw an endorsement (as above, reversed). */
static const struct db_stmt stmt_unendorse = {
    .name = "prop_unendorse",
    .sql = "WITH e AS (DELETE FROM endorsements WHERE proposal_id = $1 AND account_id = $2 "
           "RETURNING country), "
           "k AS (UPDATE endorsement_countries ec SET n = ec.n - 1 FROM e "
           "WHERE ec.proposal_id = $1 AND ec.country = e.country RETURNING ec.n) "
           "UPDATE proposals SET endorsement_count = endorsement_count - 1, "
           "endorsement_countries = endorsement_countries - (SELECT count(*) FROM k WHERE n = 0) "
           "WHERE id = $1 AND EXISTS (SELECT 1 FROM e) RETURNING (SELECT country FROM e)",
    .nparams = 2,
};

enum db_status db_endorsement_remove(struct db_conn *c, struct arena *a, int64_t pid,
                                     int64_t account, const char **country)
{
    const char *p[2] = {db_param_i64(a, pid), db_param_i64(a, account)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_unendorse, p, &r);
    if (st == DB_OK) {
        *country = db_value(&r, 0, 0);
    }
    return st;
}

/* --- the advancement rule ------------------------------------------------------------------ */

/* Caller: api_assemblies.c PATCH {advancement}. */
static const struct db_stmt stmt_adv_set = {
    .name = "prop_adv_set",
    .sql = "UPDATE assemblies SET advancement_min_endorsements = $2, "
           "advancement_min_countries = $3, updated_at = now() WHERE id = $1",
    .nparams = 3,
};

enum db_status db_advancement_set(struct db_conn *c, struct arena *a, int64_t aid, bool on,
                                  int64_t min_endorsements, int64_t min_countries)
{
    const char *p[3] = {db_param_i64(a, aid), on ? db_param_i64(a, min_endorsements) : NULL,
                        on ? db_param_i64(a, min_countries) : NULL};
    return db_query_stmt(c, a, &stmt_adv_set, p, NULL);
}

/* Caller: api_assemblies.c read and PATCH. */
static const struct db_stmt stmt_adv_get = {
    .name = "prop_adv_get",
    .sql = "SELECT advancement_min_endorsements, advancement_min_countries FROM assemblies "
           "WHERE id = $1",
    .nparams = 1,
};

enum db_status db_advancement_get(struct db_conn *c, struct arena *a, int64_t aid, bool *on,
                                  int64_t *min_endorsements, int64_t *min_countries)
{
    const char *p[1] = {db_param_i64(a, aid)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_adv_get, p, &r);
    if (st != DB_OK) {
        return st;
    }
    *on = !db_is_null(&r, 0, 0);
    *min_endorsements = opt_i64(&r, 0, 0);
    *min_countries = opt_i64(&r, 0, 1);
    return DB_OK;
}
