/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http/http_int.h — internals shared by the files of http/ (and its tests).
 */
#ifndef PNYX_HTTP_HTTP_INT_H
#define PNYX_HTTP_HTTP_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "api/api.h"
#include "http/http.h"
#include "platform/arena.h"

/* Monotonic microseconds: request durations (server.c) and request
 * deadlines (conn_deadline.c). */
static inline int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Why 32: no v1 document nests deeper than ~5; a depth cap keeps hostile
 * input ("[[[[…") from costing stack or CPU in any recursive consumer. */
#define HTTP_JSON_MAX_DEPTH 32
/* Why 2048: the longest v1 path is < 100 bytes and query strings carry a
 * cursor and a limit; longer URLs are hostile or broken (→ 414). */
#define HTTP_MAX_URL 2048
/* Why 64: enough for a UUID or a W3C trace id; longer ids are replaced. */
#define HTTP_MAX_REQUEST_ID 64

/* Why 1 MiB: a chunked body over the cap is read and dropped so the
 * client gets its 413; past this much extra we just close the connection. */
#define HTTP_MAX_DISCARD (1024u * 1024u)

/* Why 500 ms: well above a normal request (≤ a few ms; a login's argon2
 * hash ≈ 50 ms), so an info-level line marks something worth a look. */
#define HTTP_SLOW_US 500000

/* conn_deadline.c ------------------------------------------------------------ */
/* The request deadline (PNYX_REQUEST_TIMEOUT; why and how: conn_deadline.c).
 * start: NULL if the reaper thread cannot start. stop: after
 * MHD_stop_daemon. open/close: from NOTIFY_CONNECTION STARTED/CLOSED (fd =
 * the connection's socket). busy: the current request is read whole
 * (never cut from then on). idle: the request ended; the connection's
 * clock restarts. cut_total: connections closed by the deadline so far. */
struct conn_deadline;
struct conn_slot;
struct conn_deadline *conn_deadline_start(unsigned timeout_s);
void conn_deadline_stop(struct conn_deadline *d);
struct conn_slot *conn_deadline_open(struct conn_deadline *d, int fd);
void conn_deadline_close(struct conn_deadline *d, struct conn_slot *s);
void conn_deadline_busy(struct conn_slot *s);
void conn_deadline_idle(struct conn_slot *s);
uint64_t conn_deadline_cut_total(struct conn_deadline *d);

/* acceptor.c ----------------------------------------------------------------- */
/* The listening socket and its accept thread (why not MHD's: acceptor.c).
 * listen: socket, bind, listen — NULL and err on failure. run: accept into
 * daemon while fewer than max_open connections are open (the metrics
 * gauge NOTIFY_CONNECTION keeps). stop: refuse new connects from here on
 * (ends the thread, closes the socket); NULL-safe. */
struct acceptor;
struct acceptor *acceptor_listen(const struct sockaddr *sa, socklen_t salen, int backlog, char *err,
                                 size_t errlen);
uint16_t acceptor_port(const struct acceptor *a);
bool acceptor_run(struct acceptor *a, struct MHD_Daemon *daemon, long max_open, char *err,
                  size_t errlen);
void acceptor_stop(struct acceptor *a);

struct http_server {
    struct MHD_Daemon *daemon;
    struct acceptor *acceptor;
    struct conn_deadline *deadline; /* NULL: PNYX_REQUEST_TIMEOUT = 0 (off) */
    const struct pnyx_config *cfg;
    char *static_root; /* realpath of cfg->static_dir, or NULL if missing */
    uint16_t port;
    atomic_long in_flight;
    atomic_long parked;   /* requests parked and not yet answered (REQ_PARKED) */
    atomic_bool stopping; /* http_stop: no new parking; parked requests drain */
};

enum req_kind {
    REQ_API,    /* matched a route */
    REQ_STATIC, /* GET/HEAD outside /api/: static file or index.html fallback */
    REQ_EARLY,  /* error decided from the request line/headers (404, 405, 413, 415, 414) */
};

/*
 * Where a request is between access-handler calls (server.c's phase table):
 *
 *   REQ_BODY      -> REQ_ANSWERED  last call: handler replied (or an early error)
 *   REQ_BODY      -> REQ_PARKED    handler parked it (api_txn_grouped): the
 *                                  connection is suspended until the wake
 *   REQ_PARKED    -> REQ_ANSWERED  called again after the wake: reply built
 *
 * MHD never calls the handler of a suspended connection, nor completes it
 * (http_stop drains parked requests before stopping the daemon).
 */
enum req_phase {
    REQ_BODY,     /* headers seen; reading the body, the last call runs the handler */
    REQ_PARKED,   /* waiting for a group commit's leader; connection suspended */
    REQ_ANSWERED, /* a response is queued; later calls only drain */
    REQ__PHASES
};

struct req {
    struct arena *arena;
    struct http_server *srv;
    struct MHD_Connection *conn;
    struct conn_slot *slot; /* the connection's deadline slot, or NULL */
    enum req_kind kind;
    size_t route_idx; /* index into api_routes, or METRICS_ROUTE_OTHER */
    size_t max_body;
    enum req_phase phase;
    bool has_body;  /* Content-Length > 0 or Transfer-Encoding present */
    bool too_large; /* body exceeded max_body; the rest is discarded */
    size_t discarded;
    unsigned status; /* sent status, for the access log */
    int64_t start_mono_us;
    char rid[HTTP_MAX_REQUEST_ID + 1];
    char *body; /* malloc'd, freed by the arena */
    size_t body_len, body_cap;
    struct api_reply early;
    struct api_req rq;
};

/* router.c ------------------------------------------------------------------ */
/* Compiles api_routes; returns 0 or -1 with a reason in err. */
int router_init(char *err, size_t errlen);
/* Matches (method, path). Returns 1 on a match (idx and params filled,
 * values arena-copied), 0 when the path exists for other methods (*allow
 * set to e.g. "GET, HEAD, POST"), -1 when no route has this path. */
int router_match(struct arena *a, enum api_method m, const char *path, size_t *idx,
                 struct api_req *rq, const char **allow);
/* Parses an HTTP method; 0 if unknown. */
enum api_method router_method(const char *s);

/* body.c --------------------------------------------------------------------- */
/* 0 if the nesting depth of the JSON text stays ≤ max_depth, else -1.
 * Strings (with escapes) are skipped correctly; the text need not be valid. */
int body_check_depth(const char *buf, size_t len, int max_depth);
/* Parses a request body: duplicate keys, \u0000 and depth > 32 rejected.
 * Returns 0 with *out (new reference), or -1 with a client-safe reason. */
int body_parse_json(const char *buf, size_t len, json_t **out, char *why, size_t whylen);
/* Is this Content-Type JSON (application/json or application/…+json)? */
bool body_is_json_type(const char *ctype);

/* reply.c -------------------------------------------------------------------- */
/* Adds the headers every response carries (security headers, request id). */
void reply_common_headers(struct MHD_Response *resp, const struct req *r);
/* Queues rep (consumed: its json is freed) on r's connection. */
enum MHD_Result reply_send(struct req *r, struct api_reply *rep);

/* static.c ------------------------------------------------------------------- */
/* Serves r->rq.path from the static root (GET/HEAD). */
enum MHD_Result static_serve(struct req *r);

#endif /* PNYX_HTTP_HTTP_INT_H */
