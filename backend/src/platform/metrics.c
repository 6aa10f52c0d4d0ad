/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/metrics.c — request counters by route and status, a latency
 * histogram per route, the active-connection gauge. Relaxed atomics only:
 * each counter is independent, no ordering between them is promised.
 */
#include "platform/metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/arena.h"

/* Status codes tracked individually; anything else lands in "other". */
static const unsigned tracked_status[] = {200, 201, 204, 304, 400, 401, 403, 404,
                                          405, 409, 413, 415, 422, 429, 500, 503};
#define NSTATUS (PNYX_ARRAY_LEN(tracked_status) + 1)
/* Latency bucket upper bounds in microseconds (Prometheus "le" labels):
 * 100 µs .. 5 s covers a cached reply up to an argon2 login under load. */
static const uint64_t bucket_us[] = {100,   250,   500,    1000,   2500,   5000,    10000,
                                     25000, 50000, 100000, 250000, 500000, 1000000, 5000000};
#define NBUCKET (PNYX_ARRAY_LEN(bucket_us) + 1) /* + "+Inf" */

struct route_stats {
    atomic_uint_fast64_t by_status[NSTATUS];
    atomic_uint_fast64_t bucket[NBUCKET]; /* non-cumulative; summed at render */
    atomic_uint_fast64_t sum_us;
};

static struct route_stats stats[METRICS_MAX_ROUTES + 1];
static atomic_long active_conns;
static atomic_uint_fast64_t group_commits, group_bodies, group_combined, group_fallbacks;
static atomic_uint_fast64_t translation_jobs[METRICS_TRANSLATION__COUNT];

static size_t status_slot(unsigned status)
{
    for (size_t i = 0; i < PNYX_ARRAY_LEN(tracked_status); i++) {
        if (tracked_status[i] == status)
            return i;
    }
    return NSTATUS - 1;
}

void metrics_request(size_t route, unsigned status, uint64_t duration_us)
{
    if (route > METRICS_ROUTE_OTHER)
        route = METRICS_ROUTE_OTHER;
    struct route_stats *s = &stats[route];
    atomic_fetch_add_explicit(&s->by_status[status_slot(status)], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < PNYX_ARRAY_LEN(bucket_us) && duration_us > bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, duration_us, memory_order_relaxed);
}

void metrics_db_group_batch(size_t bodies)
{
    atomic_fetch_add_explicit(&group_commits, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&group_bodies, bodies, memory_order_relaxed);
}

void metrics_db_group_combined(bool ok)
{
    atomic_fetch_add_explicit(ok ? &group_combined : &group_fallbacks, 1, memory_order_relaxed);
}

void metrics_translation_job(enum metrics_translation outcome)
{
    if ((unsigned)outcome < METRICS_TRANSLATION__COUNT)
        atomic_fetch_add_explicit(&translation_jobs[outcome], 1, memory_order_relaxed);
}

void metrics_conn_open(void)
{
    atomic_fetch_add_explicit(&active_conns, 1, memory_order_relaxed);
}

void metrics_conn_close(void)
{
    atomic_fetch_sub_explicit(&active_conns, 1, memory_order_relaxed);
}

long metrics_conn_active(void)
{
    return (long)atomic_load_explicit(&active_conns, memory_order_relaxed);
}

struct buf {
    char *p;
    size_t len, cap;
};

static void bprintf(struct buf *b, const char *fmt, ...) PNYX_PRINTF(2, 3);

static void bprintf(struct buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap * 2 + (size_t)n;
        b->p = pnyx_xrealloc(b->p, b->cap);
    }
}

static uint64_t load(atomic_uint_fast64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

char *metrics_render(const char *const *route_names, const char *const *route_methods,
                     size_t nroutes, uint64_t db_errors)
{
    struct buf b = {pnyx_xmalloc(8192), 0, 8192};
    if (nroutes > METRICS_MAX_ROUTES)
        nroutes = METRICS_MAX_ROUTES;
    bprintf(&b, "# HELP pnyx_http_requests_total HTTP requests by route pattern and status.\n"
                "# TYPE pnyx_http_requests_total counter\n");
    for (size_t r = 0; r <= nroutes; r++) {
        size_t idx = r < nroutes ? r : METRICS_ROUTE_OTHER;
        const char *name = r < nroutes ? route_names[r] : "other";
        const char *method = r < nroutes ? route_methods[r] : "";
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t v = load(&stats[idx].by_status[s]);
            if (!v)
                continue;
            if (s < NSTATUS - 1)
                bprintf(&b,
                        "pnyx_http_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} "
                        "%llu\n",
                        method, name, tracked_status[s], (unsigned long long)v);
            else
                bprintf(&b,
                        "pnyx_http_requests_total{method=\"%s\",route=\"%s\",status=\"other\"} "
                        "%llu\n",
                        method, name, (unsigned long long)v);
        }
    }
    bprintf(&b, "# HELP pnyx_http_request_duration_seconds Request latency by route pattern.\n"
                "# TYPE pnyx_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= nroutes; r++) {
        size_t idx = r < nroutes ? r : METRICS_ROUTE_OTHER;
        const char *name = r < nroutes ? route_names[r] : "other";
        const char *method = r < nroutes ? route_methods[r] : "";
        uint64_t cum = 0;
        for (size_t k = 0; k < NBUCKET; k++)
            cum += load(&stats[idx].bucket[k]);
        if (!cum)
            continue;
        cum = 0;
        for (size_t k = 0; k < NBUCKET; k++) {
            cum += load(&stats[idx].bucket[k]);
            if (k < NBUCKET - 1)
                bprintf(&b,
                        "pnyx_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                        "le=\"%llu.%06llu\"} %llu\n",
                        method, name, (unsigned long long)(bucket_us[k] / 1000000),
                        (unsigned long long)(bucket_us[k] % 1000000), (unsigned long long)cum);
            else
                bprintf(&b,
                        "pnyx_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                        "le=\"+Inf\"} %llu\n",
                        method, name, (unsigned long long)cum);
        }
        uint64_t sum = load(&stats[idx].sum_us);
        bprintf(&b,
                "pnyx_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} "
                "%llu.%06llu\n",
                method, name, (unsigned long long)(sum / 1000000),
                (unsigned long long)(sum % 1000000));
        bprintf(&b, "pnyx_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
                method, name, (unsigned long long)cum);
    }
    bprintf(&b,
            "# HELP pnyx_db_errors_total Database errors (conflicts, retries, failures).\n"
            "# TYPE pnyx_db_errors_total counter\n"
            "pnyx_db_errors_total %llu\n"
            "# HELP pnyx_http_active_connections Open HTTP connections.\n"
            "# TYPE pnyx_http_active_connections gauge\n"
            "pnyx_http_active_connections %ld\n"
            "# HELP pnyx_db_group_commits_total Transactions that committed several changes of "
            "one assembly together.\n"
            "# TYPE pnyx_db_group_commits_total counter\n"
            "pnyx_db_group_commits_total %llu\n"
            "# HELP pnyx_db_group_changes_total Changes committed in those transactions.\n"
            "# TYPE pnyx_db_group_changes_total counter\n"
            "pnyx_db_group_changes_total %llu\n"
            "# HELP pnyx_db_group_combined_total Group commits whose changes ran as one batch "
            "body (one statement for all, e.g. ballots).\n"
            "# TYPE pnyx_db_group_combined_total counter\n"
            "pnyx_db_group_combined_total %llu\n"
            "# HELP pnyx_db_group_fallbacks_total Batch bodies that gave up, their changes then "
            "run one by one.\n"
            "# TYPE pnyx_db_group_fallbacks_total counter\n"
            "pnyx_db_group_fallbacks_total %llu\n",
            (unsigned long long)db_errors, atomic_load(&active_conns),
            (unsigned long long)load(&group_commits), (unsigned long long)load(&group_bodies),
            (unsigned long long)load(&group_combined), (unsigned long long)load(&group_fallbacks));
    static const char *const outcome[METRICS_TRANSLATION__COUNT] = {"stored", "skipped", "retried",
                                                                    "failed"};
    bprintf(&b, "# HELP pnyx_translation_jobs_total Machine-translation job attempts finished "
                "by this process's workers, by outcome.\n"
                "# TYPE pnyx_translation_jobs_total counter\n");
    for (size_t i = 0; i < METRICS_TRANSLATION__COUNT; i++)
        bprintf(&b, "pnyx_translation_jobs_total{outcome=\"%s\"} %llu\n", outcome[i],
                (unsigned long long)load(&translation_jobs[i]));
    return b.p;
}
