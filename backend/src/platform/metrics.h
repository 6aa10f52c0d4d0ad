/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/metrics.h — process-wide counters for /metrics, lock-free
 * (relaxed atomics; a scrape may see counters from slightly different
 * instants, which Prometheus tolerates). Routes are identified by their
 * index in the route table; the renderer gets the pattern strings.
 */
#ifndef PNYX_PLATFORM_METRICS_H
#define PNYX_PLATFORM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/compiler.h"

/* Route slots: the route table has fewer entries; extra requests (static
 * files, 404s) are counted under METRICS_ROUTE_OTHER. */
#define METRICS_MAX_ROUTES  128
#define METRICS_ROUTE_OTHER METRICS_MAX_ROUTES

/* Records one finished request: route index (or METRICS_ROUTE_OTHER),
 * HTTP status, duration in microseconds. */
void metrics_request(size_t route, unsigned status, uint64_t duration_us);
/* One group-committed transaction of `bodies` changes (db_group.c). */
void metrics_db_group_batch(size_t bodies);
/* A batch body (db_group_item_batch) committed its batch (ok), or gave up
 * and the batch ran per item. */
void metrics_db_group_combined(bool ok);
/* Active connection gauge. */
void metrics_conn_open(void);
void metrics_conn_close(void);
/* Connections open now (the gauge the two above keep). */
long metrics_conn_active(void);

/* Machine translation (issue 10): one job attempt finished by this
 * process's workers, by outcome. */
enum metrics_translation {
    METRICS_TRANSLATION_STORED = 0, /* translated and stored */
    METRICS_TRANSLATION_SKIPPED,    /* done without translating (human, superseded, deleted) */
    METRICS_TRANSLATION_RETRIED,    /* failed, queued again with backoff */
    METRICS_TRANSLATION_FAILED,     /* failed for good */
    METRICS_TRANSLATION__COUNT
};
void metrics_translation_job(enum metrics_translation outcome);

/* Renders the Prometheus text format into a new malloc'd string (caller
 * frees). route_names[i] is the label for route i (borrowed), nroutes ≤
 * METRICS_MAX_ROUTES; db_errors is sampled by the caller. */
char *metrics_render(const char *const *route_names, const char *const *route_methods,
                     size_t nroutes, uint64_t db_errors) PNYX_MUSTCHECK;

#endif /* PNYX_PLATFORM_METRICS_H */
