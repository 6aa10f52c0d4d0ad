/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_health.c — /healthz, /readyz, /metrics. /healthz never touches
 * the database (a liveness probe must not fail because PostgreSQL does);
 * /readyz does one round trip plus a migration check until the first
 * success, after which only the round trip (migrations are applied before
 * serve starts and cannot be undone while it runs).
 */
#include "api/api_health.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

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

static bool is_loopback(const char *addr)
{
    unsigned char b[16];
    if (inet_pton(AF_INET, addr, b) == 1)
        return b[0] == 127;
    if (inet_pton(AF_INET6, addr, b) != 1)
        return false;
    static const unsigned char one[16] = {[15] = 1};
    static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
    return memcmp(b, one, 16) == 0 || (memcmp(b, mapped, 12) == 0 && b[12] == 127);
}

bool api_health_metrics_allowed(const char *client_addr, const char *authorization,
                                const char *token)
{
    if (client_addr && is_loopback(client_addr))
        return true;
    if (!token || !token[0] || !authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return false;
    /* Compare digests, so neither the content nor the length of the
     * token leaks through timing. */
    unsigned char want[crypto_hash_sha256_BYTES], got[crypto_hash_sha256_BYTES];
    const char *given = authorization + 7;
    crypto_hash_sha256(want, (const unsigned char *)token, strlen(token));
    crypto_hash_sha256(got, (const unsigned char *)given, strlen(given));
    return sodium_memcmp(want, got, sizeof want) == 0;
}

int api_health_metrics(struct api_req *rq, struct api_reply *out)
{
    if (!api_health_metrics_allowed(rq->client_addr, api_header(rq, "Authorization"),
                                    rq->cfg->metrics_token))
        return api_problem(out, API_E_FORBIDDEN,
                           "metrics are served to loopback clients and to holders of "
                           "PNYX_METRICS_TOKEN");
    const char *names[METRICS_MAX_ROUTES];
    const char *methods[METRICS_MAX_ROUTES];
    size_t n = api_routes_count < METRICS_MAX_ROUTES ? api_routes_count : METRICS_MAX_ROUTES;
    for (size_t i = 0; i < n; i++) {
        names[i] = api_routes[i].pattern;
        methods[i] = api_method_name(api_routes[i].method);
    }
    char *text = metrics_render(names, methods, n, db_error_count());
    /* issue 15: reads sent to PNYX_DATABASE_READ_URL (api_dispatch) */
    char *copy = arena_printf(
        rq->arena,
        "%s# HELP pnyx_db_read_served_total Reads answered from the read connection.\n"
        "# TYPE pnyx_db_read_served_total counter\n"
        "pnyx_db_read_served_total %llu\n"
        "# HELP pnyx_db_read_fallbacks_total Reads the read connection could not answer, "
        "answered by the primary.\n"
        "# TYPE pnyx_db_read_fallbacks_total counter\n"
        "pnyx_db_read_fallbacks_total %llu\n",
        text, (unsigned long long)db_read_served(), (unsigned long long)db_read_fallbacks());
    size_t len = strlen(copy);
    free(text);
    return api_reply_text(out, 200, "text/plain; version=0.0.4; charset=utf-8", copy, len);
}
