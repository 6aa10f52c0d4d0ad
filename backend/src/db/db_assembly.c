/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_assembly.c — SQL for assemblies: insert, get, update, the caller's
 * standing, the list (public + mine, keyset by id) and the composition.
 * One prepared statement per function, parameterised; results copied into
 * the caller's arena. Callers compose these inside db_run_txn.
 */
#include "db/db_assembly.h"

#include <string.h>

#include "db/db_int.h"

#define ASM_COLS                                                                                   \
    "a.id, a.title, a.description, a.visibility, a.join_policy, a.default_language, "              \
    "a.created_by, " DB_RFC3339("a.created_at") ", " DB_RFC3339("a.updated_at")
#define ASM_NCOLS 9

static const char *opt_id(struct arena *a, int64_t id)
{
    return id > 0 ? db_param_i64(a, id) : NULL;
}

/* Copies row `row` of r (columns as ASM_COLS from col 0) into *out. */
static enum db_status read_assembly(const struct db_result *r, int row, struct db_assembly *out)
{
    memset(out, 0, sizeof(*out));
    if (db_get_i64(r, row, 0, &out->id) != 0 || db_get_i64(r, row, 6, &out->created_by) != 0) {
        return DB_HARD_ERROR;
    }
    out->title = db_value(r, row, 1);
    out->description = db_value(r, row, 2);
    out->visibility = db_value(r, row, 3);
    out->join_policy = db_value(r, row, 4);
    out->default_language = db_value(r, row, 5);
    out->created_at = db_value(r, row, 7);
    out->updated_at = db_value(r, row, 8);
    return DB_OK;
}

/* Caller: api_assemblies.c create. */
static const struct db_stmt stmt_insert = {
    .name = "asm_insert",
    .sql = "INSERT INTO assemblies AS a (title, description, visibility, join_policy, "
           "default_language, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING " ASM_COLS,
    .nparams = 6,
};

enum db_status db_assembly_insert(struct db_conn *c, struct arena *a, struct db_assembly *in)
{
    const char *p[6] = {in->title,       in->description,      in->visibility,
                        in->join_policy, in->default_language, db_param_i64(a, in->created_by)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_insert, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_assembly(&r, 0, in);
}

/* Caller: api_assemblies.c read. */
static const struct db_stmt stmt_get = {
    .name = "asm_get",
    .sql = "SELECT " ASM_COLS " FROM assemblies a WHERE a.id = $1",
    .nparams = 1,
};

enum db_status db_assembly_get(struct db_conn *c, struct arena *a, int64_t id,
                               struct db_assembly *out)
{
    const char *p[1] = {db_param_i64(a, id)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_get, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_assembly(&r, 0, out);
}

/* Caller: api_assemblies.c update. NULL parameters keep the column. */
static const struct db_stmt stmt_update = {
    .name = "asm_update",
    .sql = "UPDATE assemblies AS a SET title = COALESCE($2, a.title), "
           "description = COALESCE($3, a.description), "
           "visibility = COALESCE($4, a.visibility), "
           "join_policy = COALESCE($5, a.join_policy), "
           "default_language = COALESCE($6, a.default_language), updated_at = now() "
           "WHERE a.id = $1 RETURNING " ASM_COLS,
    .nparams = 6,
};

enum db_status db_assembly_update(struct db_conn *c, struct arena *a, struct db_assembly *upd)
{
    const char *p[6] = {db_param_i64(a, upd->id), upd->title,       upd->description,
                        upd->visibility,          upd->join_policy, upd->default_language};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_update, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return read_assembly(&r, 0, upd);
}

/* Caller: every assembly-scoped handler (authorisation input). */
static const struct db_stmt stmt_standing = {
    .name = "asm_standing",
    .sql = "SELECT a.visibility = 'public', a.join_policy = 'open', m.role, m.status "
           "FROM assemblies a LEFT JOIN memberships m "
           "ON m.assembly_id = a.id AND m.account_id = $2 WHERE a.id = $1",
    .nparams = 2,
};

enum db_status db_assembly_standing(struct db_conn *c, struct arena *a, int64_t aid,
                                    int64_t account_id, struct db_standing *out)
{
    const char *p[2] = {db_param_i64(a, aid), opt_id(a, account_id)};
    struct db_result r;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_query_one(c, a, &stmt_standing, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (db_get_bool(&r, 0, 0, &out->is_public) != 0 ||
        db_get_bool(&r, 0, 1, &out->open_to_join) != 0) {
        return DB_HARD_ERROR;
    }
    out->role = db_value(&r, 0, 2);
    out->status = db_value(&r, 0, 3);
    return DB_OK;
}

/* Caller: api_assemblies.c list. $1 NULL for the anonymous viewer. */
static const struct db_stmt stmt_list = {
    .name = "asm_list",
    .sql = "SELECT " ASM_COLS ", m.role, m.status FROM assemblies a "
           "LEFT JOIN memberships m ON m.assembly_id = a.id AND m.account_id = $1 "
           "WHERE a.id > $2 AND (a.visibility = 'public' OR m.status IN ('active', 'suspended')) "
           "ORDER BY a.id LIMIT $3",
    .nparams = 3,
};

enum db_status db_assembly_list(struct db_conn *c, struct arena *a, int64_t viewer, int64_t after,
                                int limit, struct db_assembly **items, int *n)
{
    const char *p[3] = {opt_id(a, viewer), db_param_i64(a, after), db_param_i64(a, limit)};
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_list, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_assembly *v = arena_calloc(a, (size_t)r.nrows + 1, sizeof(*v));
    for (int i = 0; i < r.nrows; i++) {
        if (read_assembly(&r, i, &v[i]) != DB_OK) {
            return DB_HARD_ERROR;
        }
        v[i].my_role = db_value(&r, i, ASM_NCOLS);
        v[i].my_status = db_value(&r, i, ASM_NCOLS + 1);
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}

/* Caller: api_assemblies.c read. Active memberships grouped two ways in one
 * round trip: kind 'c' = by the account's country, 'r' = by role. */
static const struct db_stmt stmt_composition = {
    .name = "asm_composition",
    .sql = "SELECT 'c', acc.country, count(*) FROM memberships m "
           "JOIN accounts acc ON acc.id = m.account_id "
           "WHERE m.assembly_id = $1 AND m.status = 'active' GROUP BY acc.country "
           "UNION ALL SELECT 'r', m.role, count(*) FROM memberships m "
           "WHERE m.assembly_id = $1 AND m.status = 'active' GROUP BY m.role ORDER BY 1, 2",
    .nparams = 1,
};

enum db_status db_assembly_composition(struct db_conn *c, struct arena *a, int64_t aid,
                                       struct db_composition *out)
{
    const char *p[1] = {db_param_i64(a, aid)};
    struct db_result r;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_query_stmt(c, a, &stmt_composition, p, &r);
    if (st != DB_OK) {
        return st;
    }
    out->by_country = arena_calloc(a, (size_t)r.nrows + 1, sizeof(struct db_count));
    out->by_role = arena_calloc(a, (size_t)r.nrows + 1, sizeof(struct db_count));
    for (int i = 0; i < r.nrows; i++) {
        const char *kind = db_value(&r, i, 0);
        struct db_count *dst = kind != NULL && kind[0] == 'c' ? &out->by_country[out->n_country++]
                                                              : &out->by_role[out->n_role++];
        dst->key = db_value(&r, i, 1);
        if (dst->key == NULL) {
            dst->key = "ZZ";
        }
        if (db_get_i64(&r, i, 2, &dst->count) != 0) {
            return DB_HARD_ERROR;
        }
        if (kind != NULL && kind[0] == 'r') {
            out->active_members += dst->count;
        }
    }
    return DB_OK;
}
