/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* api/api_health.h — liveness, readiness and metrics handlers. */
#ifndef PNYX_API_API_HEALTH_H
#define PNYX_API_API_HEALTH_H

#include "api/api.h"

/* GET /healthz: 200 {"status":"ok"} while the process serves. */
int api_health_live(struct api_req *rq, struct api_reply *out);
/* GET /readyz: 200 when the database answers and every migration is
 * applied; otherwise 503 problem (type not-ready / unavailable). */
int api_health_ready(struct api_req *rq, struct api_reply *out);
/* GET /metrics: Prometheus text exposition format 0.0.4, for the clients
 * api_health_metrics_allowed admits; others get 403 problem forbidden. */
int api_health_metrics(struct api_req *rq, struct api_reply *out);
/* May this client read /metrics? Yes from a loopback address (127.0.0.0/8,
 * ::1, ::ffff:127.0.0.0/104), or when token is non-empty and authorization
 * is "Bearer <token>" (compared in constant time). client_addr and
 * authorization may be NULL. */
bool api_health_metrics_allowed(const char *client_addr, const char *authorization,
                                const char *token);

#endif /* PNYX_API_API_HEALTH_H */
