/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http/http.h — the HTTP server (the only code that sees libmicrohttpd):
 * an epoll thread pool of cfg->threads workers, routing against the api
 * route table, body reading with per-route caps, problem+json errors,
 * static files, security headers, request ids, access logs and metrics.
 */
#ifndef PNYX_HTTP_HTTP_H
#define PNYX_HTTP_HTTP_H

#include <stdint.h>

#include "platform/compiler.h"
#include "platform/config.h"

struct http_server;

/* Validates the route table, binds cfg->listen and starts the worker pool.
 * cfg is borrowed and must outlive the server. Returns the server, or NULL
 * with a one-line reason in err. */
struct http_server *http_start(const struct pnyx_config *cfg, char *err, size_t errlen)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* The port actually bound (useful with port 0). */
uint16_t http_bound_port(const struct http_server *srv) PNYX_NONNULL(1);

/* Graceful stop: stop accepting, let in-flight requests finish (at most
 * grace_ms), then close every connection and join the workers. Frees srv. */
void http_stop(struct http_server *srv, unsigned grace_ms);

#endif /* PNYX_HTTP_HTTP_H */
