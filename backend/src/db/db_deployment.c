/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_deployment.c — SQL for deployment-wide facts (db_deployment.h).
 */
#include "db/db_deployment.h"

/* pnyxd serve, at start (api/audit_key.c). The CTE's insert is invisible
 * to the outer SELECT of the table in the same statement, hence the
 * UNION: the inserted row, or the one already there. */
static const struct db_stmt stmt_claim = {
    .name = "deployment_key_claim",
    .sql = "WITH ins AS (INSERT INTO deployment_signing_key (key_id, vkey) VALUES ($1, $2) "
           "ON CONFLICT (singleton) DO NOTHING RETURNING vkey) "
           "SELECT vkey FROM ins UNION ALL SELECT vkey FROM deployment_signing_key LIMIT 1",
    .nparams = 2,
};

/* When a concurrent first start committed after the claim's snapshot, and
 * before a node without a key file would create one (api/audit_key.c). */
static const struct db_stmt stmt_get = {
    .name = "deployment_key_get",
    .sql = "SELECT vkey FROM deployment_signing_key",
    .nparams = 0,
};

enum db_status db_signing_key_claim(struct db_conn *c, struct arena *a, const char *key_id,
                                    const char *vkey, const char **recorded)
{
    const char *p[2] = {key_id, vkey};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_claim, p, &r);
    if (st == DB_NOT_FOUND)
        st = db_query_one(c, a, &stmt_get, p, &r);
    if (st != DB_OK)
        return st;
    *recorded = db_value(&r, 0, 0);
    return *recorded ? DB_OK : DB_HARD_ERROR;
}

enum db_status db_signing_key_recorded(struct db_conn *c, struct arena *a, const char **recorded)
{
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_get, NULL, &r);
    if (st != DB_OK)
        return st;
    *recorded = db_value(&r, 0, 0);
    return *recorded ? DB_OK : DB_HARD_ERROR;
}
