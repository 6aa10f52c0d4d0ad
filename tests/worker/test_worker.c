/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/worker: a worker calls run_once again at once while it returns 1,
 * sleeps idle_ms (or until worker_wake) on 0, backs off on -1; stop joins
 * every worker; worker_run_idle runs its function at SCHED_IDLE on another
 * thread. The run_once functions here do not touch the database.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "api/worker.h"

static atomic_int g_calls, g_work_left;

static int busy_then_idle(void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&g_calls, 1);
    return atomic_fetch_sub(&g_work_left, 1) > 0 ? 1 : 0;
}

static void wait_calls(int n)
{
    for (int i = 0; i < 6000 && atomic_load(&g_calls) < n; i++) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

Test(worker, runs_again_while_there_is_work_then_waits_for_a_wake)
{
    atomic_store(&g_calls, 0);
    atomic_store(&g_work_left, 50);
    /* An idle poll of an hour: only wakes bring it back. */
    struct worker_spec spec = {.name = "t", .run_once = busy_then_idle, .idle_ms = 3600 * 1000};
    cr_assert_eq(worker_start(&spec), 0);
    cr_assert_eq(worker_count(), 1);
    wait_calls(51); /* 50 jobs at once, then one idle call */
    cr_assert_eq(atomic_load(&g_calls), 51);
    atomic_store(&g_work_left, 3);
    worker_wake("other"); /* another worker's name: nothing happens */
    worker_wake("t");
    wait_calls(55); /* 3 jobs + an idle call */
    cr_assert_geq(atomic_load(&g_calls), 55);
    worker_stop_all();
    cr_assert_eq(worker_count(), 0);
    int after = atomic_load(&g_calls);
    worker_wake("t"); /* no worker: a no-op */
    cr_assert_eq(atomic_load(&g_calls), after);
}

static atomic_int g_errors;
static int always_fails(void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&g_errors, 1);
    return -1;
}

Test(worker, stop_joins_a_worker_that_backs_off_after_errors)
{
    atomic_store(&g_errors, 0);
    struct worker_spec spec = {.name = "e", .run_once = always_fails, .idle_ms = 10};
    cr_assert_eq(worker_start(&spec), 0);
    for (int i = 0; i < 500 && atomic_load(&g_errors) < 3; i++)
        usleep(10000);
    cr_assert_geq(atomic_load(&g_errors), 3);
    worker_stop_all(); /* returns although the worker sleeps in its back-off */
    cr_assert_eq(worker_count(), 0);
}

static int g_policy = -1;
static void record_policy(void *arg)
{
    (void)arg;
    g_policy = sched_getscheduler(0);
}

Test(worker, run_idle_runs_on_an_idle_priority_thread)
{
    cr_assert_eq(worker_run_idle(record_policy, NULL), 0);
    cr_assert_eq(g_policy, SCHED_IDLE);
    cr_assert_eq(sched_getscheduler(0), SCHED_OTHER, "the caller's own priority is unchanged");
}
