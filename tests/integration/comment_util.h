/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/comment_util.h — helpers for the comment tests and the
 * comment rows of the authorisation matrix: a proposal in a given status
 * (written straight into the test database: the comment rules do not
 * depend on how a proposal was made, and a status such as "adopted" is
 * set by a tally, not by any route), SQL on the test database, and
 * comments and translations over HTTP. Header-only (static functions).
 */
#ifndef PNYX_TESTS_COMMENT_UTIL_H
#define PNYX_TESTS_COMMENT_UTIL_H

#include <libpq-fe.h>

#include "assembly_util.h"

/* Runs sql with text params on the database at url; returns the first
 * column of the first row (malloc'd, "" when no row). Asserts success. */
ASSEMBLY_UTIL_FN char *it_sql_on(const char *url, const char *sql, int n, const char *const *params)
{
    PGconn *pg = PQconnectdb(url);
    cr_assert(PQstatus(pg) == CONNECTION_OK, "connect: %s", PQerrorMessage(pg));
    PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    cr_assert(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(pg));
    char *v = strdup(st == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(pg);
    return v;
}

/* The same on the binary's test database. */
ASSEMBLY_UTIL_FN char *it_sql(const char *sql, int n, const char *const *params)
{
    return it_sql_on(h_db_url(), sql, n, params);
}

/* A proposal of aid by author in status, original language en, in the
 * database at url. */
ASSEMBLY_UTIL_FN int64_t it_proposal_new_on(const char *url, int64_t aid, int64_t author,
                                            const char *status)
{
    char a[24], b[24];
    snprintf(a, sizeof a, "%lld", (long long)aid);
    snprintf(b, sizeof b, "%lld", (long long)author);
    const char *p[3] = {a, b, status};
    char *id =
        it_sql_on(url,
                  "INSERT INTO proposals (assembly_id, author_id, status, original_language) "
                  "VALUES ($1, $2, $3, 'en') RETURNING id",
                  3, p);
    int64_t v = strtoll(id, NULL, 10);
    free(id);
    return v;
}

/* The same in the binary's test database. */
ASSEMBLY_UTIL_FN int64_t it_proposal_new(int64_t aid, int64_t author, const char *status)
{
    return it_proposal_new_on(h_db_url(), aid, author, status);
}

/* POST a comment; returns the response (caller frees). parent 0 = root. */
ASSEMBLY_UTIL_FN struct h_resp *it_comment_post(struct h_server *s, const struct it_user *u,
                                                int64_t pid, const char *body, const char *language,
                                                int64_t parent)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/proposals/%lld/comments", (long long)pid);
    json_t *b = json_pack("{s:s, s:s}", "body", body, "language", language);
    if (parent > 0) {
        json_object_set_new(b, "parent_id", json_integer((json_int_t)parent));
    }
    struct h_resp *r = it_req(s, "POST", path, u, b);
    json_decref(b);
    return r;
}

/* Same, asserting 201; returns the comment id. */
ASSEMBLY_UTIL_FN int64_t it_comment_new(struct h_server *s, const struct it_user *u, int64_t pid,
                                        const char *body, int64_t parent)
{
    struct h_resp *r = it_comment_post(s, u, pid, body, "en", parent);
    cr_assert_eq(r->status, 201, "comment: %ld %s", r->status, r->body);
    int64_t id = it_int(r->json, "id");
    h_resp_free(r);
    return id;
}

/* POST a translation of cid; returns the status. */
ASSEMBLY_UTIL_FN long it_comment_translate(struct h_server *s, const struct it_user *u, int64_t cid,
                                           const char *language, const char *body,
                                           const char *source)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/comments/%lld/translations", (long long)cid);
    json_t *b = json_pack("{s:s, s:s, s:s}", "language", language, "body", body, "source", source);
    long st = it_status(s, "POST", path, u, b);
    json_decref(b);
    return st;
}

#endif /* PNYX_TESTS_COMMENT_UTIL_H */
