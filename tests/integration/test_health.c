/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_health.c — database outages: with PostgreSQL stopped, requests
 * that need it get 503 problem+json (and /healthz stays 200); after it
 * comes back, the same pnyxd recovers without a restart. Runs alone
 * (RUN_SERIAL, one job): it stops the shared test cluster.
 */
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "harness.h"

static long status_of(struct h_server *s, const char *path, char *type, size_t typelen)
{
    struct h_resp *r = h_get(s, path);
    long st = r ? r->status : 0;
    if (type && typelen) {
        const char *t = r && r->json ? json_string_value(json_object_get(r->json, "type")) : NULL;
        snprintf(type, typelen, "%s", t ? t : "");
    }
    h_resp_free(r);
    return st;
}

Test(outage, database_restart_gives_503_then_recovers)
{
    struct h_server *s = h_shared();
    cr_assert_eq(status_of(s, "/readyz", NULL, 0), 200);
    /* Warm every worker's connection so the outage hits live connections. */
    for (int i = 0; i < 20; i++)
        status_of(s, "/readyz", NULL, 0);

    cr_assert_eq(h_pg_stop(), 0, "could not stop the test cluster");
    char type[200];
    long st = status_of(s, "/readyz", type, sizeof type);
    cr_expect_eq(st, 503);
    cr_expect_str_eq(type, "https://pnyx.dev/problems/unavailable");
    /* A database-backed API route fails the same way, not with a crash. */
    const char *auth[] = {"Authorization: Bearer "
                          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                          NULL};
    struct h_resp *r = h_request(s, "GET", "/api/v1/me", NULL, auth);
    cr_expect(r && r->status == 503, "got %ld: %s", r ? r->status : 0, r ? r->body : "");
    h_resp_free(r);
    cr_expect_eq(status_of(s, "/healthz", NULL, 0), 200, "liveness must not need the db");

    cr_assert_eq(h_pg_start(), 0, "could not restart the test cluster");
    long last = 0;
    for (int i = 0; i < 100 && last != 200; i++) {
        last = status_of(s, "/readyz", NULL, 0);
        if (last != 200) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    cr_assert_eq(last, 200, "pnyxd did not recover after the database restart");
    /* Every worker recovers, not just one. A worker whose last reconnect
     * attempt failed while the cluster was starting waits out its backoff
     * (250 ms, db_conn.c) before trying again, so give them that long. */
    struct timespec backoff = {0, 500 * 1000 * 1000};
    nanosleep(&backoff, NULL);
    for (int i = 0; i < 20; i++) {
        char why[200];
        long again = status_of(s, "/readyz", why, sizeof why);
        cr_assert_eq(again, 200, "request %d after recovery: %ld %s\n%s", i, again, why,
                     h_server_log_tail(s));
    }
}
