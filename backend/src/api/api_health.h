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
/* GET /metrics: Prometheus text exposition format 0.0.4. */
int api_health_metrics(struct api_req *rq, struct api_reply *out);

#endif /* PNYX_API_API_HEALTH_H */
