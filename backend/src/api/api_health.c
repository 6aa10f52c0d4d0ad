/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_health.c — /healthz, /readyz, /metrics. /healthz never touches
 * the database (a liveness probe must not fail because PostgreSQL does);
 * /readyz does one round trip plus a migration check until the first
 * success, after which only the round trip (migrations are applied before
 * serve starts and cannot be undone while it runs).
 */
#include "api/api_health.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "platform/metrics.h"

static atomic_bool migrated_seen;

int api_health_live(struct api_req *rq, struct api_reply *out)
{
    (void)rq;
    static const char body[] = "{\"status\":\"ok\"}";
    return api_reply_text(out, 200, "application/json", body, sizeof body - 1);
}

int api_health_ready(struct api_req *rq, struct api_reply *out)
{
    enum db_status st = db_ping(rq->db);
    if (st != DB_OK)
        return api_problem(out, API_E_UNAVAILABLE, "database unreachable");
    if (!atomic_load(&migrated_seen)) {
        int pending = 0;
        st = db_migrate_pending(rq->db, rq->cfg->sql_dir, &pending);
        if (st != DB_OK)
            return api_problem(out, API_E_NOT_READY, "cannot read migration state");
        if (pending > 0)
            return api_problem(out, API_E_NOT_READY, "database has unapplied migrations");
        atomic_store(&migrated_seen, true);
    }
    static const char body[] = "{\"status\":\"ready\"}";
    return api_reply_text(out, 200, "application/json", body, sizeof body - 1);
}

int api_health_metrics(struct api_req *rq, struct api_reply *out)
{
    const char *names[METRICS_MAX_ROUTES];
    const char *methods[METRICS_MAX_ROUTES];
    size_t n = api_routes_count < METRICS_MAX_ROUTES ? api_routes_count : METRICS_MAX_ROUTES;
    for (size_t i = 0; i < n; i++) {
        names[i] = api_routes[i].pattern;
        methods[i] = api_method_name(api_routes[i].method);
    }
    char *text = metrics_render(names, methods, n, db_error_count());
    char *copy = arena_strdup(rq->arena, text);
    size_t len = strlen(copy);
    free(text);
    return api_reply_text(out, 200, "text/plain; version=0.0.4; charset=utf-8", copy, len);
}
