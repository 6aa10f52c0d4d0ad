/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/translation_util.h — helpers for the machine-translation
 * tests: a database and a pnyxd of the test's own (so no other server's
 * worker takes its jobs), SQL on that database, proposal fixtures, and
 * bounded polling. Header-only (static functions).
 */
#ifndef PNYX_TESTS_TRANSLATION_UTIL_H
#define PNYX_TESTS_TRANSLATION_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "assembly_util.h"
#include "harness.h"

#define TRANSLATION_UTIL_FN static __attribute__((unused))

/* How long a test waits for the worker before it fails (the polling is
 * bounded; the tests assert what happened, never how fast). */
#define TU_WAIT_S 120

struct tu_env {
    char url[512];
    PGconn *db;
    struct h_server *srv;
    struct it_user convener;
    int64_t aid;
};

TRANSLATION_UTIL_FN PGconn *tu_connect(const char *url)
{
    PGconn *c = PQconnectdb(url);
    cr_assert(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    return c;
}

/* Runs sql with text params; returns the result (caller PQclears). */
TRANSLATION_UTIL_FN PGresult *tu_sql(PGconn *c, const char *sql, int n, const char *const *p)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    cr_assert(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK, "%s: %s", sql,
              PQresultErrorMessage(r));
    return r;
}

/* First column of the first row as text (static buffer; "" for none/NULL). */
TRANSLATION_UTIL_FN const char *tu_value(PGconn *c, const char *sql, int n, const char *const *p)
{
    static char buf[8192];
    PGresult *r = tu_sql(c, sql, n, p);
    snprintf(buf, sizeof buf, "%s",
             PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return buf;
}

TRANSLATION_UTIL_FN long long tu_count(PGconn *c, const char *sql, int n, const char *const *p)
{
    return atoll(tu_value(c, sql, n, p));
}

TRANSLATION_UTIL_FN const char *tu_id(long long v)
{
    static char buf[8][24];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, 24, "%lld", v);
    return b;
}

/* A fresh migrated database (no other server polls it). */
TRANSLATION_UTIL_FN void tu_db(struct tu_env *e)
{
    memset(e, 0, sizeof *e);
    const char *url = h_db_create();
    cr_assert_not_null(url, "h_db_create failed");
    snprintf(e->url, sizeof e->url, "%s", url);
    e->db = tu_connect(e->url);
}

/* Starts a pnyxd on e's database with extra environment (NULL-terminated). */
TRANSLATION_UTIL_FN struct h_server *tu_server(struct tu_env *e, const char *const *extra)
{
    const char *env[32];
    char dburl[600];
    snprintf(dburl, sizeof dburl, "PNYX_DATABASE_URL=%s", e->url);
    int n = 0;
    env[n++] = dburl;
    for (int i = 0; extra && extra[i] && n < 31; i++)
        env[n++] = extra[i];
    env[n] = NULL;
    struct h_server *s = h_server_start(env);
    cr_assert_not_null(s, "pnyxd did not start");
    return s;
}

/* Starts a pnyxd on e's database whose translator is the command cmd,
 * with extra environment (NULL-terminated, may be NULL). */
TRANSLATION_UTIL_FN struct h_server *tu_command_server(struct tu_env *e, const char *cmd,
                                                       const char *const *extra)
{
    char spec[300];
    snprintf(spec, sizeof spec, "PNYX_TRANSLATOR=command:%s", cmd);
    const char *env[16];
    int n = 0;
    env[n++] = spec;
    for (int i = 0; extra && extra[i] && n < 15; i++)
        env[n++] = extra[i];
    env[n] = NULL;
    return tu_server(e, env);
}

/* An assembly with a convener on e->srv. */
TRANSLATION_UTIL_FN void tu_assembly(struct tu_env *e)
{
    e->convener = it_user_new(e->srv, "ES");
    e->aid = it_assembly_new(e->srv, &e->convener, "public", "open");
}

/* Sets an account's languages, e.g. "{es,fr}" (the assembly's language
 * summary follows by trigger). */
TRANSLATION_UTIL_FN void tu_languages(struct tu_env *e, int64_t account, const char *langs)
{
    const char *p[2] = {langs, tu_id(account)};
    PQclear(tu_sql(e->db, "UPDATE accounts SET languages = $1::text[] WHERE id = $2", 2, p));
}

/*
 * A proposal with version 1 in language lang, written the way the
 * proposals handler writes it (stand-in until that handler queues its
 * jobs itself). Returns its id.
 */
TRANSLATION_UTIL_FN int64_t tu_proposal(struct tu_env *e, const char *lang, const char *title,
                                        const char *body)
{
    const char *p[5] = {tu_id(e->aid), tu_id(e->convener.id), lang, title, body};
    const char *id = tu_value(
        e->db,
        "WITH p AS (INSERT INTO proposals (assembly_id, author_id, original_language, status) "
        "  VALUES ($1, $2, $3, 'deliberation') RETURNING id) "
        "INSERT INTO proposal_versions (proposal_id, version, assembly_id, title, body, "
        "  language, author_id, text_sha256) "
        "SELECT p.id, 1, $1, $4, $5, $3, $2, sha256(convert_to($4 || $5, 'UTF8')) FROM p "
        "RETURNING proposal_id",
        5, p);
    return atoll(id);
}

/* Queues a job as translation_enqueue would (one row). Returns its id. */
TRANSLATION_UTIL_FN int64_t tu_job(struct tu_env *e, const char *kind, int64_t target, int version,
                                   const char *from, const char *to)
{
    const char *p[6] = {tu_id(e->aid), kind, tu_id(target), tu_id(version), from, to};
    return atoll(tu_value(e->db,
                          "INSERT INTO translation_jobs (assembly_id, kind, target_id, version, "
                          "source_language, target_language) VALUES ($1, $2, $3, $4, $5, $6) "
                          "RETURNING id",
                          6, p));
}

/* Waits (bounded) until sql's first value equals want. */
TRANSLATION_UTIL_FN void tu_wait_value(PGconn *c, const char *sql, int n, const char *const *p,
                                       const char *want, const char *what)
{
    char last[8192] = "";
    for (int i = 0; i < TU_WAIT_S * 10; i++) {
        snprintf(last, sizeof last, "%s", tu_value(c, sql, n, p));
        if (strcmp(last, want) == 0)
            return;
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    cr_assert_fail("%s: still \"%s\" after %d s (want \"%s\")", what, last, TU_WAIT_S, want);
}

TRANSLATION_UTIL_FN const char *tu_job_status(struct tu_env *e, int64_t job)
{
    const char *p[1] = {tu_id(job)};
    return tu_value(e->db, "SELECT status FROM translation_jobs WHERE id = $1", 1, p);
}

/* Waits until job reaches status. */
TRANSLATION_UTIL_FN void tu_wait_job(struct tu_env *e, int64_t job, const char *status)
{
    const char *p[1] = {tu_id(job)};
    char what[64];
    snprintf(what, sizeof what, "job %lld", (long long)job);
    tu_wait_value(e->db, "SELECT status FROM translation_jobs WHERE id = $1", 1, p, status, what);
}

/* Writes an executable script into a fresh directory; returns its path
 * (malloc'd). */
TRANSLATION_UTIL_FN char *tu_script(const char *body)
{
    char dir[] = "/tmp/pnyx-mt-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    chmod(dir, 0755);
    char *path = malloc(strlen(dir) + 16);
    sprintf(path, "%s/translate", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    cr_assert_eq(chmod(path, 0755), 0);
    return path;
}

/* Removes a tu_script script and its directory, and frees the path. */
TRANSLATION_UTIL_FN void tu_script_free(char *path)
{
    unlink(path);
    char *slash = strrchr(path, '/');
    if (slash) {
        *slash = '\0';
        rmdir(path);
    }
    free(path);
}

#endif /* PNYX_TESTS_TRANSLATION_UTIL_H */
