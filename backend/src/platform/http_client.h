/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/http_client.h — the smallest HTTP/1.1 client pnyxd needs: one
 * POST to a plain http:// URL (a witness on the same network or behind a
 * TLS-terminating proxy), Connection: close, bounded time and size. Not for
 * the request path: it blocks (the witness worker calls it).
 */
#ifndef PNYX_PLATFORM_HTTP_CLIENT_H
#define PNYX_PLATFORM_HTTP_CLIENT_H

#include <stddef.h>

#include "platform/compiler.h"

struct http_client_resp {
    int status;             /* e.g. 200 */
    char content_type[128]; /* "" when absent */
    char *body;             /* malloc'd, NUL-terminated; free with http_client_free */
    size_t body_len;
};

/*
 * POST body (len bytes, content type ctype) to url ("http://host[:port]/path";
 * https is refused). Each of connect, send and every read waits at most
 * timeout_ms; a response larger than max_bytes fails. Returns 0 with *out
 * filled (any status), or -1 with err (one line) set.
 */
int http_client_post(const char *url, const char *ctype, const char *body, size_t len,
                     unsigned timeout_ms, size_t max_bytes, struct http_client_resp *out, char *err,
                     size_t errlen) PNYX_NONNULL(1, 2, 3, 7, 8) PNYX_MUSTCHECK;

void http_client_free(struct http_client_resp *r) PNYX_NONNULL(1);

#endif /* PNYX_PLATFORM_HTTP_CLIENT_H */
