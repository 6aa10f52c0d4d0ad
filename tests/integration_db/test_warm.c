/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration_db/test_warm.c — the connection warm-up (db_set_warm,
 * db/db_warm.c): with it on, a new connection has run, and so prepared,
 * the hot statements before its first query; each of them must have found
 * nothing (question 0, account 0, a hash of zeros), since the warm-up stops
 * at the first statement that answers anything but "no row" — so all four
 * prepared means none of them matched, and every write in them is
 * conditioned on a match. With it off, a connection prepares nothing
 * before it is used.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "db/db.h"
#include "harness.h"

static struct arena *g_arena;

static void setup(void)
{
    db_global_init(h_db_url());
    g_arena = arena_new();
}

static void teardown(void)
{
    db_set_warm(false);
    db_thread_close();
    arena_free(g_arena);
}

TestSuite(warm, .init = setup, .fini = teardown, .timeout = 60);

/* The names of the statements prepared on this thread's connection, as
 * one comma-separated string (the query itself is unnamed). */
static const char *prepared(void)
{
    struct db_result r;
    enum db_status st = db_query(db_thread_conn(), g_arena,
                                 "SELECT coalesce(string_agg(name, ',' ORDER BY name), '') "
                                 "FROM pg_prepared_statements",
                                 0, NULL, &r);
    cr_assert_eq(st, DB_OK);
    cr_assert_eq(r.nrows, 1);
    return db_value(&r, 0, 0);
}

Test(warm, a_new_connection_runs_the_hot_statements_first)
{
    db_set_warm(true);
    cr_assert_eq(db_connect(db_thread_conn()), DB_OK);
    cr_assert_str_eq(prepared(), "ballot_cast,ballot_cast_many,ballot_question,session_lookup");
    /* a reconnect warms the new connection too */
    db_thread_close();
    cr_assert_str_eq(prepared(), "ballot_cast,ballot_cast_many,ballot_question,session_lookup");
}

Test(warm, off_a_connection_prepares_nothing_before_its_use)
{
    db_set_warm(false);
    cr_assert_eq(db_connect(db_thread_conn()), DB_OK);
    cr_assert_str_eq(prepared(), "");
}
