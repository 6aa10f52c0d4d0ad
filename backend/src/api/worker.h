/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/worker.h — background worker threads (translation jobs, sortition
 * runs, …): never in the request path.
 *
 * A worker is one thread that calls spec->run_once(ctx) in a loop: each call
 * takes at most one job from a PostgreSQL table (FOR UPDATE SKIP LOCKED, so
 * several threads and several pnyxd on one database never take the same
 * job) and does it. The thread has its own database connection
 * (db_thread_conn(), checked with db_checkout() before every call and closed
 * when the thread ends), so run_once simply uses db_thread_conn().
 *
 * The loop: run_once returns 1 (did work) → call again at once; 0 (idle) →
 * sleep idle_ms or until worker_wake(name); -1 (error: database gone, …) →
 * sleep, doubling from idle_ms up to 30 s, so a lost database is not
 * hammered, but cut short when the database answers again
 * (db_recoveries). After a wake the worker polls every WORKER_WAKE_POLL_MS for
 * WORKER_WAKE_WINDOW_MS: worker_wake is called inside the transaction that
 * queues the job, before its COMMIT, so the first look may not see it yet.
 *
 * Jobs other pnyxd queue are found by the idle poll (idle_ms).
 *
 * Priority: a worker thread runs at normal priority, because it takes
 * locks other requests wait for (a job row, an assembly's audit log head
 * when it stores a result in a group commit, whose batch it may lead): a
 * starved lock holder would stall them all (priority inversion). CPU-heavy
 * work must not run at that priority: a translator's processes run at nice
 * 10 in their own scheduler group (platform/translator.c), and in-thread computing (an
 * optimiser) runs through worker_run_idle, never inside a transaction.
 *
 * Threads start with the caller's signal mask: main blocks SIGINT/SIGTERM
 * before starting workers so only its sigwait receives them.
 */
#ifndef PNYX_API_WORKER_H
#define PNYX_API_WORKER_H

#include "platform/compiler.h"

/* Poll interval right after a wake, and how long the fast polling lasts. */
#define WORKER_WAKE_POLL_MS   20
#define WORKER_WAKE_WINDOW_MS 1000
/* Most workers one process runs (all names together). */
#define WORKER_MAX 32

struct worker_spec {
    const char *name; /* "translation", "sortition" (static string) */
    /* One unit of work: take at most one job (SKIP LOCKED) and do it.
       Returns 1 if it did work (call again at once), 0 if idle, -1 on error. */
    int (*run_once)(void *ctx);
    void *ctx;
    unsigned idle_ms; /* poll interval when idle */
};

/* Starts one thread running spec (copied; ctx borrowed until
 * worker_stop_all returns). Returns 0, or -1 (too many workers, thread
 * creation failed, stopping). Call from the main thread. */
int worker_start(const struct worker_spec *spec) PNYX_NONNULL(1) PNYX_MUSTCHECK;
/* Wakes every idle worker named name (a job was queued for it). Cheap; safe
 * from any thread, also when no worker runs (PNYX_WORKERS=0: no-op). */
void worker_wake(const char *name) PNYX_NONNULL(1);
/* At shutdown: asks every worker to stop after its current run_once and
 * joins them. A run_once in progress finishes (its job is either stored or
 * released by its lease). Call from the main thread. */
void worker_stop_all(void);
/* Runs fn(arg) on a new thread at SCHED_IDLE (it runs only on CPU time
 * nothing of normal priority wants; nice 19 where refused) and waits for
 * it: for CPU-bound work in a worker (an optimiser), outside any
 * transaction. A fresh thread, because an unprivileged thread cannot
 * return from SCHED_IDLE. Returns 0, or -1 when no thread could start
 * (fn did not run). */
int worker_run_idle(void (*fn)(void *), void *arg) PNYX_NONNULL(1) PNYX_MUSTCHECK;
/* Number of running workers (for logs and tests). */
unsigned worker_count(void);

#endif /* PNYX_API_WORKER_H */
