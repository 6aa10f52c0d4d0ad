/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/worker.c — background worker threads (see worker.h).
 *
 * One mutex and one condition variable for all workers: wakes are rare
 * (one per queued change) and a wake of the wrong worker only costs it one
 * idle run_once. Each worker keeps a wake sequence number it last saw, so
 * a wake between two run_once calls is never lost.
 */
#include "api/worker.h"

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "platform/log.h"

/* Why 30 s: a database that is down is retried often enough to resume soon
 * after it returns, rarely enough to stay out of its logs. */
#define WORKER_ERROR_MAX_MS 30000
/* How often a worker in its error backoff looks whether the database
 * answers again (db_recoveries): a quarter second is prompt next to a
 * backoff of seconds and costs four wakes a second while it is down. */
#define WORKER_ERROR_SLICE_MS 250
/* Nice value for worker_cpu_idle where SCHED_IDLE is refused. */
#define WORKER_NICE 19

struct worker {
    struct worker_spec spec;
    pthread_t thread;
    uint64_t wakes; /* under g_mu: wakes asked for this worker */
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv; /* CLOCK_MONOTONIC, initialised in worker_start */
static bool g_cv_ready;
static bool g_stopping;
static struct worker g_workers[WORKER_MAX];
static unsigned g_n;

static void deadline_after(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Under g_mu: waits up to ms or until a wake newer than *seen or a stop.
 * Returns true when woken (not on timeout). */
static bool wait_locked(struct worker *w, uint64_t *seen, unsigned ms)
{
    struct timespec dl;
    deadline_after(&dl, ms);
    while (!g_stopping && w->wakes == *seen) {
        if (pthread_cond_timedwait(&g_cv, &g_mu, &dl) == ETIMEDOUT)
            break;
    }
    bool woken = w->wakes != *seen;
    *seen = w->wakes;
    return woken;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    uint64_t seen = 0;
    unsigned error_ms = 0;
    int64_t fast_until = 0; /* poll fast until then (after a wake) */
    log_info("worker %s started", w->spec.name);
    pthread_mutex_lock(&g_mu);
    seen = w->wakes;
    while (!g_stopping) {
        pthread_mutex_unlock(&g_mu);
        (void)db_checkout();            /* drops a connection the database lost */
        uint64_t rec = db_recoveries(); /* before: a recovery during run_once counts */
        int r = w->spec.run_once(w->spec.ctx);
        pthread_mutex_lock(&g_mu);
        if (g_stopping)
            break;
        if (r > 0) {
            error_ms = 0;
            continue;
        }
        unsigned ms;
        if (r < 0) {
            error_ms = error_ms ? error_ms * 2 : (w->spec.idle_ms ? w->spec.idle_ms : 100);
            if (error_ms > WORKER_ERROR_MAX_MS)
                error_ms = WORKER_ERROR_MAX_MS;
            /* The backoff, in slices: when the database answers again
             * (db_recoveries), retry at once. Without it a question whose
             * closing time passed during a long outage was closed up to
             * 30 s after the database came back (issue 13, fault_pgstop). */
            int64_t until = now_ms() + error_ms;
            bool woken = false;
            while (!g_stopping && !woken && db_recoveries() == rec && now_ms() < until) {
                int64_t left = until - now_ms();
                woken = wait_locked(w, &seen,
                                    left < WORKER_ERROR_SLICE_MS ? (unsigned)left
                                                                 : WORKER_ERROR_SLICE_MS);
            }
            if (db_recoveries() != rec)
                error_ms = 0;
            if (woken)
                fast_until = now_ms() + WORKER_WAKE_WINDOW_MS;
            continue;
        } else {
            error_ms = 0;
            ms = now_ms() < fast_until ? WORKER_WAKE_POLL_MS : w->spec.idle_ms;
            if (ms == 0)
                ms = 1000;
        }
        if (wait_locked(w, &seen, ms))
            fast_until = now_ms() + WORKER_WAKE_WINDOW_MS;
    }
    pthread_mutex_unlock(&g_mu);
    db_thread_close();
    log_info("worker %s stopped", w->spec.name);
    return NULL;
}

int worker_start(const struct worker_spec *spec)
{
    if (!spec->run_once || !spec->name)
        return -1;
    pthread_mutex_lock(&g_mu);
    if (!g_cv_ready) {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&g_cv, &ca);
        pthread_condattr_destroy(&ca);
        g_cv_ready = true;
    }
    if (g_stopping || g_n >= WORKER_MAX) {
        pthread_mutex_unlock(&g_mu);
        return -1;
    }
    struct worker *w = &g_workers[g_n];
    *w = (struct worker){.spec = *spec};
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_mutex_unlock(&g_mu);
        return -1;
    }
    g_n++;
    pthread_mutex_unlock(&g_mu);
    return 0;
}

void worker_wake(const char *name)
{
    pthread_mutex_lock(&g_mu);
    bool any = false;
    for (unsigned i = 0; i < g_n; i++) {
        if (strcmp(g_workers[i].spec.name, name) == 0) {
            g_workers[i].wakes++;
            any = true;
        }
    }
    if (any)
        pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

void worker_stop_all(void)
{
    pthread_mutex_lock(&g_mu);
    g_stopping = true;
    if (g_cv_ready)
        pthread_cond_broadcast(&g_cv);
    unsigned n = g_n;
    pthread_mutex_unlock(&g_mu);
    for (unsigned i = 0; i < n; i++)
        pthread_join(g_workers[i].thread, NULL);
    pthread_mutex_lock(&g_mu);
    g_n = 0;
    g_stopping = false; /* a later start (tests) works again */
    pthread_mutex_unlock(&g_mu);
}

struct idle_run {
    void (*fn)(void *);
    void *arg;
};

static void *idle_main(void *p)
{
    struct idle_run *r = p;
    struct sched_param sp = {.sched_priority = 0};
    if (sched_setscheduler(0, SCHED_IDLE, &sp) != 0)
        (void)setpriority(PRIO_PROCESS, (id_t)gettid(), WORKER_NICE);
    r->fn(r->arg);
    return NULL;
}

int worker_run_idle(void (*fn)(void *), void *arg)
{
    struct idle_run r = {.fn = fn, .arg = arg};
    pthread_t t;
    if (pthread_create(&t, NULL, idle_main, &r) != 0)
        return -1;
    pthread_join(t, NULL);
    return 0;
}

unsigned worker_count(void)
{
    pthread_mutex_lock(&g_mu);
    unsigned n = g_n;
    pthread_mutex_unlock(&g_mu);
    return n;
}
