/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_audit.c — SQL of the audit log (see db_audit.h). bytea travels as
 * PostgreSQL's text hex form ("\x…") in both directions, since db.h uses
 * text parameters and results; arrays as '{…}' literals of integers.
 */
#include "db/db_audit.h"

#include <stdio.h>
#include <string.h>

#include "db/db_int.h"
#include "platform/crypto.h"

static const char *int_array_param(struct arena *a, size_t n, const unsigned *u, const uint64_t *w)
{
    /* 21 bytes per decimal uint64 + comma, braces and NUL. */
    char *s = arena_alloc(a, n * 22 + 3);
    size_t off = 0;
    s[off++] = '{';
    for (size_t i = 0; i < n; i++) {
        char num[24];
        int len = u != NULL ? snprintf(num, sizeof(num), "%u", u[i])
                            : snprintf(num, sizeof(num), "%llu", (unsigned long long)w[i]);
        if (i > 0) {
            s[off++] = ',';
        }
        memcpy(s + off, num, (size_t)len);
        off += (size_t)len;
    }
    s[off++] = '}';
    s[off] = '\0';
    return s;
}

/* Caller: api_assemblies.c create (through api_audit_create_log). */
static const struct db_stmt stmt_head_create = {
    .name = "audit_head_create",
    .sql = "INSERT INTO audit_heads (assembly_id, size, root, frontier) "
           "VALUES ($1, 0, $2::bytea, ''::bytea)",
    .nparams = 2,
};

enum db_status db_audit_head_create(struct db_conn *c, struct arena *a, int64_t aid,
                                    const uint8_t empty_root[DB_AUDIT_HASH])
{
    const char *p[2] = {db_param_i64(a, aid), db_bytea_param(a, empty_root, DB_AUDIT_HASH)};
    return db_query_stmt(c, a, &stmt_head_create, p, NULL);
}

/* Caller: api_audit_append. The lock is held until the change commits. */
static const struct db_stmt stmt_head_lock = {
    .name = "audit_head_lock",
    .sql = "SELECT size, root, frontier FROM audit_heads WHERE assembly_id = $1 FOR UPDATE",
    .nparams = 1,
};

enum db_status db_audit_head_lock(struct db_conn *c, struct arena *a, int64_t aid,
                                  struct db_audit_head *out)
{
    const char *p[1] = {db_param_i64(a, aid)};
    struct db_result r;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_query_one(c, a, &stmt_head_lock, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (db_get_i64(&r, 0, 0, &out->size) != 0 ||
        db_bytea_fixed(db_value(&r, 0, 1), out->root, DB_AUDIT_HASH) != 0 ||
        db_bytea_any(a, db_value(&r, 0, 2), &out->frontier, &out->frontier_len) != 0) {
        return DB_HARD_ERROR;
    }
    return DB_OK;
}

/* A text[] literal: every element double-quoted, with '"' and '\\'
 * backslash-escaped (canonical JSON has no NUL to worry about). */
static const char *text_array_param(struct arena *a, size_t n, const char *const *v)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++) {
        cap += 2 * strlen(v[i]) + 3;
    }
    char *s = arena_alloc(a, cap);
    size_t off = 0;
    s[off++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            s[off++] = ',';
        }
        s[off++] = '"';
        for (const char *p = v[i]; *p; p++) {
            if (*p == '"' || *p == '\\') {
                s[off++] = '\\';
            }
            s[off++] = *p;
        }
        s[off++] = '"';
    }
    s[off++] = '}';
    s[off] = '\0';
    return s;
}

/* Caller: api_audit's flush at the end of a transaction. One statement,
 * one round trip, while the head row is locked: the entries (seq numbered
 * from $2 by ordinality), the subtree nodes they complete (hashes packed in
 * one bytea, cut by ordinality) and the new head. */
static const struct db_stmt stmt_store = {
    .name = "audit_store",
    .sql = "WITH e AS (INSERT INTO audit_entries (assembly_id, seq, at, kind, entry, leaf_hash) "
           "SELECT $1, $2::bigint + t.k - 1, $3::timestamptz, t.kind, t.entry, "
           "substring($6::bytea FROM ((t.k - 1) * 32 + 1)::int FOR 32) "
           "FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS t(kind, entry, k)), "
           "n AS (INSERT INTO audit_nodes (assembly_id, level, idx, hash) "
           "SELECT $1, t.l, t.i, substring($9::bytea FROM ((t.k - 1) * 32 + 1)::int FOR 32) "
           "FROM unnest($7::smallint[], $8::bigint[]) WITH ORDINALITY AS t(l, i, k)) "
           "UPDATE audit_heads SET size = $10, root = $11::bytea, frontier = $12::bytea "
           "WHERE assembly_id = $1",
    .nparams = 12,
};

enum db_status db_audit_store(struct db_conn *c, struct arena *a, const struct db_audit_write *w)
{
    int64_t size = w->first_seq + (int64_t)w->n_entries - 1;
    const char *p[12] = {
        db_param_i64(a, w->assembly_id),
        db_param_i64(a, w->first_seq),
        w->at,
        text_array_param(a, w->n_entries, w->kinds),
        text_array_param(a, w->n_entries, w->entries),
        db_bytea_param(a, w->leaf_hashes, w->n_entries * DB_AUDIT_HASH),
        int_array_param(a, w->n_nodes, w->levels, NULL),
        int_array_param(a, w->n_nodes, NULL, w->indexes),
        db_bytea_param(a, w->hashes, (size_t)w->n_nodes * DB_AUDIT_HASH),
        db_param_i64(a, size),
        db_bytea_param(a, w->root, DB_AUDIT_HASH),
        db_bytea_param(a, w->frontier, w->frontier_len),
    };
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_store, p, &r);
    if (st != DB_OK) {
        return st;
    }
    /* The head row is locked by us: anything but one row updated is a bug. */
    return r.affected == 1 ? DB_OK : DB_HARD_ERROR;
}

/* Caller: every read of the log (entries, proofs, checkpoint). */
static const struct db_stmt stmt_view = {
    .name = "audit_view",
    .sql = "SELECT a.visibility = 'public', m.role, m.status, h.size, h.root, c.note "
           "FROM assemblies a JOIN audit_heads h ON h.assembly_id = a.id "
           "LEFT JOIN memberships m ON m.assembly_id = a.id AND m.account_id = $2 "
           "LEFT JOIN audit_checkpoints c ON c.assembly_id = a.id AND c.size = h.size "
           "WHERE a.id = $1",
    .nparams = 2,
};

enum db_status db_audit_view(struct db_conn *c, struct arena *a, int64_t aid, int64_t viewer,
                             struct db_audit_view *out)
{
    const char *p[2] = {db_param_i64(a, aid), viewer > 0 ? db_param_i64(a, viewer) : NULL};
    struct db_result r;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_query_one(c, a, &stmt_view, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (db_get_bool(&r, 0, 0, &out->is_public) != 0 || db_get_i64(&r, 0, 3, &out->size) != 0 ||
        db_bytea_fixed(db_value(&r, 0, 4), out->root, DB_AUDIT_HASH) != 0) {
        return DB_HARD_ERROR;
    }
    out->role = db_value(&r, 0, 1);
    out->status = db_value(&r, 0, 2);
    out->note = db_value(&r, 0, 5);
    return DB_OK;
}

/* Caller: proofs with an explicit size. The nodes come back as one text
 * of comma-separated hex hashes in plan order ('-' for a missing node). */
static const struct db_stmt stmt_view_nodes = {
    .name = "audit_view_nodes",
    .sql = "SELECT a.visibility = 'public', m.role, m.status, h.size, h.root, "
           "(SELECT string_agg(COALESCE((SELECT encode(n.hash, 'hex') FROM audit_nodes n "
           "WHERE n.assembly_id = $1 AND n.level = t.l AND n.idx = t.i), '-'), ',' ORDER BY t.k) "
           "FROM unnest($3::smallint[], $4::bigint[]) WITH ORDINALITY AS t(l, i, k)) "
           "FROM assemblies a JOIN audit_heads h ON h.assembly_id = a.id "
           "LEFT JOIN memberships m ON m.assembly_id = a.id AND m.account_id = $2 "
           "WHERE a.id = $1",
    .nparams = 4,
};

enum db_status db_audit_view_nodes(struct db_conn *c, struct arena *a, int64_t aid, int64_t viewer,
                                   size_t n, const unsigned *levels, const uint64_t *indexes,
                                   struct db_audit_view *out, uint8_t *hashes, bool *complete)
{
    const char *p[4] = {db_param_i64(a, aid), viewer > 0 ? db_param_i64(a, viewer) : NULL,
                        int_array_param(a, n, levels, NULL), int_array_param(a, n, NULL, indexes)};
    struct db_result r;
    memset(out, 0, sizeof(*out));
    *complete = false;
    enum db_status st = db_query_one(c, a, &stmt_view_nodes, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (db_get_bool(&r, 0, 0, &out->is_public) != 0 || db_get_i64(&r, 0, 3, &out->size) != 0 ||
        db_bytea_fixed(db_value(&r, 0, 4), out->root, DB_AUDIT_HASH) != 0) {
        return DB_HARD_ERROR;
    }
    out->role = db_value(&r, 0, 1);
    out->status = db_value(&r, 0, 2);
    const char *list = db_value(&r, 0, 5);
    if (n == 0) {
        *complete = true;
        return DB_OK;
    }
    if (list == NULL) {
        return DB_OK;
    }
    /* Exactly n items of 64 hex digits separated by commas. */
    if (strlen(list) != n * 65 - 1) {
        return DB_OK; /* some '-': incomplete */
    }
    for (size_t i = 0; i < n; i++) {
        const char *item = list + i * 65;
        if ((i + 1 < n && item[64] != ',') ||
            pnyx_crypto_unhex(item, 64, hashes + i * DB_AUDIT_HASH, DB_AUDIT_HASH) != 0) {
            return DB_OK;
        }
    }
    *complete = true;
    return DB_OK;
}

/* Caller: GET …/audit (keyset by seq). */
static const struct db_stmt stmt_entries = {
    .name = "audit_entries",
    .sql = "SELECT seq, entry, leaf_hash FROM audit_entries WHERE assembly_id = $1 AND seq > $2 "
           "ORDER BY seq LIMIT $3",
    .nparams = 3,
};

enum db_status db_audit_entries(struct db_conn *c, struct arena *a, int64_t aid, int64_t after,
                                int limit, struct db_audit_entry **items, int *n)
{
    const char *p[3] = {db_param_i64(a, aid), db_param_i64(a, after), db_param_i64(a, limit)};
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_entries, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_audit_entry *v = arena_calloc(a, (size_t)r.nrows + 1, sizeof(*v));
    for (int i = 0; i < r.nrows; i++) {
        if (db_get_i64(&r, i, 0, &v[i].seq) != 0 ||
            db_bytea_fixed(db_value(&r, i, 2), v[i].leaf_hash, DB_AUDIT_HASH) != 0) {
            return DB_HARD_ERROR;
        }
        v[i].entry = db_value(&r, i, 1);
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}

/* Caller: proofs (all the O(log n) nodes of one proof in one round trip). */
/* A scalar subquery per position forces one primary-key probe each
 * (O(log n) probes of O(log n) cost), whatever the planner's statistics;
 * a join let it scan every node of the assembly. */
static const struct db_stmt stmt_nodes = {
    .name = "audit_nodes",
    .sql = "SELECT t.k, (SELECT n.hash FROM audit_nodes n WHERE n.assembly_id = $1 "
           "AND n.level = t.l AND n.idx = t.i) "
           "FROM unnest($2::smallint[], $3::bigint[]) WITH ORDINALITY AS t(l, i, k)",
    .nparams = 3,
};

enum db_status db_audit_nodes(struct db_conn *c, struct arena *a, int64_t aid, size_t n,
                              const unsigned *levels, const uint64_t *indexes, uint8_t *hashes)
{
    if (n == 0) {
        return DB_OK;
    }
    const char *p[3] = {db_param_i64(a, aid), int_array_param(a, n, levels, NULL),
                        int_array_param(a, n, NULL, indexes)};
    struct db_result r;
    enum db_status st = db_query_stmt(c, a, &stmt_nodes, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if ((size_t)r.nrows != n) {
        return DB_NOT_FOUND;
    }
    for (int i = 0; i < r.nrows; i++) {
        int64_t k;
        if (db_is_null(&r, i, 1)) {
            return DB_NOT_FOUND;
        }
        if (db_get_i64(&r, i, 0, &k) != 0 || k < 1 || (size_t)k > n ||
            db_bytea_fixed(db_value(&r, i, 1), hashes + (size_t)(k - 1) * DB_AUDIT_HASH,
                           DB_AUDIT_HASH) != 0) {
            return DB_HARD_ERROR;
        }
    }
    return DB_OK;
}

/* Caller: GET …/audit/checkpoint on a cache miss. Ed25519 is deterministic,
 * so racing signers of one size produce the same note; the first insert
 * wins and later ones read it back. */
static const struct db_stmt stmt_cp_store = {
    .name = "audit_checkpoint_store",
    .sql = "WITH ins AS (INSERT INTO audit_checkpoints (assembly_id, size, note) "
           "VALUES ($1, $2, $3) ON CONFLICT (assembly_id, size) DO NOTHING RETURNING note) "
           "SELECT note FROM ins UNION ALL SELECT note FROM audit_checkpoints "
           "WHERE assembly_id = $1 AND size = $2 LIMIT 1",
    .nparams = 3,
};

enum db_status db_audit_checkpoint_store(struct db_conn *c, struct arena *a, int64_t aid,
                                         int64_t size, const char *note, const char **stored)
{
    const char *p[3] = {db_param_i64(a, aid), db_param_i64(a, size), note};
    struct db_result r;
    *stored = note;
    enum db_status st = db_query_stmt(c, a, &stmt_cp_store, p, &r);
    if (st != DB_OK) {
        return st;
    }
    if (r.nrows >= 1 && db_value(&r, 0, 0) != NULL) {
        *stored = db_value(&r, 0, 0);
    }
    return DB_OK;
}
