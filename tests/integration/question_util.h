/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/question_util.h — helpers for the question tests
 * (issue 11): a world with an assembly and members from several
 * countries, a valid question body, create / open / close, and direct SQL
 * on the test database. Header-only (static functions).
 */
#ifndef PNYX_TESTS_QUESTION_UTIL_H
#define PNYX_TESTS_QUESTION_UTIL_H

#include <time.h>

#include <libpq-fe.h>

#include "proposal_util.h"

#define QUESTION_UTIL_FN static __attribute__((unused))

/* An open public assembly: a convener (FR), a facilitator (DE), an
 * observer (IT), members m[0..n) with countries cycling through
 * countries (a string of 2-letter codes, e.g. "DEFRES"). */
struct qu_world {
    struct h_server *s;
    int64_t aid;
    struct it_user conv, fac, obs;
    struct it_user m[16];
    int n;
};

QUESTION_UTIL_FN struct qu_world qu_world_new(int n, const char *countries)
{
    struct qu_world w;
    memset(&w, 0, sizeof w);
    w.s = h_shared();
    w.conv = pu_user(w.s, "FR", "[\"fr\"]");
    w.aid = it_assembly_new(w.s, &w.conv, "public", "open");
    w.fac = it_member_new(w.s, &w.conv, w.aid, "facilitator", "active", "DE");
    w.obs = it_member_new(w.s, &w.conv, w.aid, "observer", "active", "IT");
    size_t nc = strlen(countries) / 2;
    for (int i = 0; i < n && i < 16; i++) {
        char c[3] = {countries[(i % nc) * 2], countries[(i % nc) * 2 + 1], 0};
        w.m[i] = pu_user(w.s, c, "[\"en\"]");
        pu_join(w.s, &w.m[i], w.aid);
    }
    w.n = n;
    return w;
}

/* RFC 3339 UTC of now + seconds (static buffer per call site use: copy). */
QUESTION_UTIL_FN const char *qu_time(long seconds)
{
    static _Thread_local char buf[4][32];
    static _Thread_local int k;
    time_t t = time(NULL) + seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    char *b = buf[k++ % 4];
    strftime(b, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return b;
}

/* A valid body: IRV, secret, three options, closing in an hour. */
QUESTION_UTIL_FN json_t *qu_body(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:[{s:s},{s:s},{s:s}], s:s, s:s}", "title",
                     "Which budget?", "description", "Pick one.", "language", "en", "method", "irv",
                     "options", "label", "Parks", "label", "Schools", "label", "Roads", "closes_at",
                     qu_time(3600), "secrecy", "secret");
}

QUESTION_UTIL_FN struct h_resp *qu_create_resp(struct h_server *s, const struct it_user *u,
                                               int64_t aid, const json_t *body)
{
    return it_req(s, "POST", pp("/api/v1/assemblies/%lld/questions", (long long)aid), u, body);
}

/* Creates body (stolen) as u; returns the id (asserts 201). */
QUESTION_UTIL_FN int64_t qu_create(struct h_server *s, const struct it_user *u, int64_t aid,
                                   json_t *body)
{
    struct h_resp *r = qu_create_resp(s, u, aid, body);
    json_decref(body);
    cr_assert_eq(r->status, 201, "create question: %ld %s", r->status, r->body);
    int64_t id = it_int(r->json, "id");
    h_resp_free(r);
    return id;
}

/* POST /questions/{qid}/<what> with body (borrowed, may be NULL). */
QUESTION_UTIL_FN struct h_resp *qu_post(struct h_server *s, const struct it_user *u, int64_t qid,
                                        const char *what, const json_t *body)
{
    return it_req(s, "POST", pp("/api/v1/questions/%lld/%s", (long long)qid, what), u, body);
}

QUESTION_UTIL_FN void qu_open(struct h_server *s, const struct it_user *u, int64_t qid)
{
    struct h_resp *r = qu_post(s, u, qid, "open", NULL);
    cr_assert_eq(r->status, 200, "open: %ld %s", r->status, r->body);
    h_resp_free(r);
}

QUESTION_UTIL_FN struct h_resp *qu_close_resp(struct h_server *s, const struct it_user *u,
                                              int64_t qid, const char *reason)
{
    json_t *b = json_pack("{s:s}", "reason", reason);
    struct h_resp *r = qu_post(s, u, qid, "close", b);
    json_decref(b);
    return r;
}

QUESTION_UTIL_FN json_t *qu_get(struct h_server *s, const struct it_user *u, int64_t qid)
{
    struct h_resp *r = it_req(s, "GET", pp("/api/v1/questions/%lld", (long long)qid), u, NULL);
    cr_assert_eq(r->status, 200, "get: %ld %s", r->status, r->body);
    json_t *j = json_incref(r->json);
    h_resp_free(r);
    return j;
}

/* Runs sql with params on the test database; returns the result (caller
 * PQclear) after asserting success. */
QUESTION_UTIL_FN PGresult *qu_sql(const char *sql, int n, const char *const *params)
{
    static _Thread_local PGconn *c;
    if (c == NULL) {
        c = PQconnectdb(h_db_url());
        cr_assert(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    }
    PGresult *res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    cr_assert(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
    return res;
}

/* One integer from sql with one parameter. */
QUESTION_UTIL_FN long long qu_sql_int(const char *sql, const char *p1)
{
    const char *p[1] = {p1};
    PGresult *res = qu_sql(sql, p1 != NULL ? 1 : 0, p);
    cr_assert(PQntuples(res) == 1, "%s: %d rows", sql, PQntuples(res));
    long long v = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

#endif /* PNYX_TESTS_QUESTION_UTIL_H */
