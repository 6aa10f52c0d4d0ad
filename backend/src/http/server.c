/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http/server.c — the libmicrohttpd daemon and its per-request state
 * machine. Mode: MHD_USE_EPOLL_INTERNAL_THREAD with a thread pool of
 * cfg->threads (measured fastest here, see DESIGN.md); connections come
 * from our own accept thread (acceptor.c: why).
 *
 * Request life cycle (one struct req in its own arena):
 *   1st call   create arena + req, request id, route match, early errors;
 *              return MHD_YES WITHOUT queueing: in 0.9.75 a response
 *              queued on the first call forces "Connection: close"
 *              (throughput fell ~5x in our measurement).
 *   body calls append to a buffer capped at the route's max_body; beyond
 *              it a 413 is queued at once (MHD then drops the rest).
 *   last call  parse JSON, resolve auth, run the handler, queue the reply
 *              — or, if the handler parked the request (a grouped change
 *              waiting for another request's group commit), suspend the
 *              connection; the leader resumes it and the next call
 *              queues the reply (phases in http_int.h).
 *   completed  NOTIFY_COMPLETED (also on abort/timeout): metrics, access
 *              log, arena_free. Nothing is freed anywhere else.
 *
 * Connections: at most PNYX_MAX_CONNECTIONS (the open-file limit raised to
 * match), PNYX_MAX_PER_IP per address, closed when idle PNYX_CONN_TIMEOUT
 * or when a whole request takes longer than PNYX_REQUEST_TIMEOUT to
 * arrive (conn_deadline.c: slow-header clients).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "api/auth.h"
#include "core/base/base.h"
#include "db/db.h"
#include "http/http_int.h"
#include "platform/log.h"
#include "platform/metrics.h"

static char rid_prefix[13];
static atomic_uint_fast64_t rid_counter;

static int64_t real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A client-supplied id is kept only if it is 1..64 of [A-Za-z0-9._:-]:
 * it goes into log lines and a response header, so nothing else passes. */
static bool rid_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= HTTP_MAX_REQUEST_ID ||
            !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return false;
    }
    return n > 0;
}

static void rid_make(struct req *r)
{
    const char *in = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Request-Id");
    if (in && rid_valid(in)) {
        snprintf(r->rid, sizeof r->rid, "%s", in);
        return;
    }
    uint64_t n = atomic_fetch_add_explicit(&rid_counter, 1, memory_order_relaxed);
    snprintf(r->rid, sizeof r->rid, "%s-%llx", rid_prefix, (unsigned long long)n);
}

/* --- getters for struct api_req ----------------------------------------- */

static const char *get_query(const struct api_req *rq, const char *key)
{
    const struct req *r = rq->http_ctx;
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

static const char *get_header(const struct api_req *rq, const char *name)
{
    const struct req *r = rq->http_ctx;
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static const char *get_cookie(const struct api_req *rq, const char *name)
{
    const struct req *r = rq->http_ctx;
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

/* --- parking (api_txn_grouped) ------------------------------------------- */

/* Under the group lock, on this request's own thread (inside the access
 * handler, where MHD allows suspending). Counted first, then the stop flag
 * checked: http_stop either sees the count or this sees the flag. */
static bool park(struct api_req *rq)
{
    struct req *r = rq->http_ctx;
    atomic_fetch_add(&r->srv->parked, 1);
    if (atomic_load(&r->srv->stopping)) {
        atomic_fetch_sub(&r->srv->parked, 1);
        return false;
    }
    MHD_suspend_connection(r->conn);
    r->phase = REQ_PARKED;
    return true;
}

/* Any thread, once per park; MHD_USE_ITC wakes the connection's thread. */
static void wake(struct api_req *rq)
{
    struct req *r = rq->http_ctx;
    MHD_resume_connection(r->conn);
}

static const char *client_addr(struct req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char buf[INET6_ADDRSTRLEN] = "unknown";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                      sizeof buf);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
                      sizeof buf);
    }
    return arena_strdup(r->arena, buf);
}

/* --- first call: classify the request ------------------------------------ */

static void early(struct req *r, enum api_error kind, const char *detail)
{
    r->kind = REQ_EARLY;
    api_problem(&r->early, kind, detail);
}

/* --- request line and headers: what must be refused before routing ------- */

/* MHD_OPTION_UNESCAPE_CALLBACK, for the path and each query key and value.
 * Decodes %HH like MHD's own unescaper (an incomplete escape stays as is),
 * except %00: MHD's decodes it to a NUL that silently ends the string
 * ("/app.css%00.png" served app.css, "?limit=1%00x" meant 1). Ours writes
 * the overlong pair C0 80 instead, which is never well-formed UTF-8, so
 * the request is refused with 400 by request_text_ok (as is any path or
 * query that is not UTF-8). Never lengthens s (3 bytes become ≤ 2). */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *o = s;
    for (const char *p = s; *p;) {
        int hi, lo;
        if (p[0] == '%' && (hi = base_hex_digit(p[1])) >= 0 && (lo = base_hex_digit(p[2])) >= 0) {
            unsigned char b = (unsigned char)(hi * 16 + lo);
            if (b == 0) {
                *o++ = (char)0xC0;
                *o++ = (char)0x80;
            } else {
                *o++ = (char)b;
            }
            p += 3;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return (size_t)(o - s);
}

static enum MHD_Result query_arg_ok(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    bool *ok = cls;
    if (!base_utf8_valid(key, strlen(key)) || (value && !base_utf8_valid(value, strlen(value)))) {
        *ok = false;
        return MHD_NO;
    }
    return MHD_YES;
}

/* The decoded path and every query key and value are well-formed UTF-8
 * (so none holds a %00, see unescape). */
static bool request_text_ok(struct MHD_Connection *conn, const char *url)
{
    bool ok = base_utf8_valid(url, strlen(url));
    if (ok)
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_arg_ok, &ok);
    return ok;
}

static enum MHD_Result add_arg_len(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    size_t *n = cls;
    *n += strlen(key) + (value ? strlen(value) + 1 : 0) + 1;
    return MHD_YES;
}

/* Length of the query string as decoded ("?k=v&k2=v2"; HTTP_MAX_URL
 * bounds path + query after percent-decoding): libmicrohttpd
 * hands the access handler the path alone, so the 414 check used to let a
 * query of any length through (the abuse battery's 3 KiB URL). */
static size_t query_len(struct MHD_Connection *conn)
{
    size_t n = 0;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg_len, &n);
    return n;
}

/* Framing facts gathered in one pass over the request headers. */
#define XFF_LINES 8

struct header_scan {
    const char *cl;   /* the first Content-Length */
    bool cl_conflict; /* another Content-Length with a different value */
    const char *te;   /* Transfer-Encoding */
    unsigned tes;     /* Transfer-Encoding headers */
    unsigned hosts;   /* Host headers */
    /* X-Forwarded-For lines in arrival order (only read when
     * PNYX_TRUSTED_PROXIES is set); past XFF_LINES the last ones are kept,
     * since the right end is the part our own proxies wrote. */
    const char *xff[XFF_LINES];
    unsigned nxff;
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    struct header_scan *h = cls;
    if (!value)
        value = "";
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (!h->cl)
            h->cl = value;
        else if (strcmp(h->cl, value) != 0)
            h->cl_conflict = true;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        h->te = value;
        h->tes++;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
        h->hosts++;
    } else if (strcasecmp(key, "X-Forwarded-For") == 0) {
        if (h->nxff == XFF_LINES) {
            memmove(h->xff, h->xff + 1, sizeof h->xff - sizeof h->xff[0]);
            h->nxff--;
        }
        h->xff[h->nxff++] = value;
    }
    return MHD_YES;
}

/* A framing the server must not guess at (RFC 9112 §6.3, §3.2): behind a
 * proxy that reads it differently it is request smuggling. NULL if fine. */
static const char *framing_problem(const struct header_scan *h, const char *version)
{
    if (h->cl_conflict)
        return "conflicting Content-Length headers";
    if (h->cl && h->te)
        return "both Content-Length and Transfer-Encoding";
    /* Only "chunked" alone frames a request body here (libmicrohttpd
     * decodes nothing else). Any other coding, a list, or two headers left
     * libmicrohttpd waiting for a body it could not delimit until the
     * connection timed out (the abuse battery's "gzip", "identity",
     * "chunked, chunked"): RFC 9112 §6.3 says 400 and close. */
    if (h->tes > 1 || (h->te && strcasecmp(h->te, "chunked") != 0))
        return "Transfer-Encoding other than a single chunked";
    if (h->hosts > 1)
        return "more than one Host header";
    /* HTTP/1.1 and later 1.x require Host; 1.0 does not. */
    if (h->hosts == 0 && strncmp(version, "HTTP/1.", 7) == 0 && strcmp(version, "HTTP/1.0") != 0)
        return "HTTP/1.1 request without a Host header";
    return NULL;
}

static struct req *req_new(struct http_server *srv, struct MHD_Connection *conn, const char *url,
                           const char *method, const char *version)
{
    struct arena *a = arena_new();
    struct req *r = arena_calloc(a, 1, sizeof(*r));
    r->arena = a;
    r->srv = srv;
    r->conn = conn;
    const union MHD_ConnectionInfo *sc =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    r->slot = sc ? sc->socket_context : NULL;
    r->start_mono_us = mono_us();
    r->route_idx = METRICS_ROUTE_OTHER;
    atomic_fetch_add_explicit(&srv->in_flight, 1, memory_order_relaxed);
    rid_make(r);

    struct api_req *rq = &r->rq;
    rq->arena = a;
    rq->request_id = r->rid;
    rq->method = router_method(method);
    rq->method_str = arena_strdup(a, method);
    rq->path = arena_strdup(a, url);
    rq->query_fn = get_query;
    rq->header_fn = get_header;
    rq->cookie_fn = get_cookie;
    rq->park_fn = park;
    rq->wake_fn = wake;
    rq->http_ctx = r;
    rq->cfg = srv->cfg;
    rq->now_us = real_us();
    r->max_body = API_DEFAULT_MAX_BODY;

    struct header_scan hs = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, scan_header, &hs);
    rq->client_addr = client_addr(r);
    if (srv->cfg->trusted_net.n > 0) {
        char fwd[BASE_IP_TEXT_MAX];
        base_forwarded_client(&srv->cfg->trusted_net, rq->client_addr, hs.xff, hs.nxff, fwd);
        rq->client_addr = arena_strdup(a, fwd);
    }
    const char *cl = hs.cl;
    r->has_body = (cl && strcmp(cl, "0") != 0) || hs.te;
    if (strlen(url) + query_len(conn) > HTTP_MAX_URL) {
        early(r, API_E_URI_TOO_LONG, NULL);
        return r;
    }
    const char *framing = framing_problem(&hs, version);
    if (framing) {
        early(r, API_E_BAD_REQUEST, framing);
        return r;
    }
    if (!request_text_ok(conn, url)) {
        early(r, API_E_BAD_REQUEST, "the path and query must be UTF-8 without %00");
        return r;
    }
    const char *allow = NULL;
    size_t idx = 0;
    /* An unknown method matches no route; router_match still reports the
     * methods the path has (or -1 for an unknown path). */
    int m = router_match(a, rq->method, url, &idx, rq, &allow);
    if (!rq->method) {
        early(r, API_E_NOT_IMPLEMENTED, "unknown HTTP method");
        if (m == 0)
            api_reply_header(&r->early, "Allow", allow);
        else if (strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0)
            api_reply_header(&r->early, "Allow", "GET, HEAD");
        return r;
    }
    if (m == 1) {
        r->kind = REQ_API;
        r->route_idx = idx;
        rq->route = &api_routes[idx];
        if (api_routes[idx].max_body)
            r->max_body = api_routes[idx].max_body;
    } else if (m == 0) {
        early(r, API_E_METHOD_NOT_ALLOWED, NULL);
        api_reply_header(&r->early, "Allow", allow);
    } else if (strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0) {
        early(r, API_E_NOT_FOUND, NULL);
    } else if (rq->method == API_GET || rq->method == API_HEAD) {
        r->kind = REQ_STATIC;
        r->max_body = 0;
    } else {
        early(r, API_E_METHOD_NOT_ALLOWED, NULL);
        api_reply_header(&r->early, "Allow", "GET, HEAD");
    }
    if (r->kind == REQ_EARLY)
        return r;

    /* Body checks that need only headers. */
    if (cl) {
        char *end = NULL;
        unsigned long long len = strtoull(cl, &end, 10);
        if (*end == '\0' && len > r->max_body) {
            early(r, API_E_PAYLOAD_TOO_LARGE, NULL);
            return r;
        }
    }
    if (r->has_body && r->kind == REQ_API &&
        !body_is_json_type(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type")))
        early(r, API_E_UNSUPPORTED_MEDIA_TYPE, "request bodies must be application/json");
    return r;
}

/* --- last call: run the handler --------------------------------------------- */

/* Sends the handler's reply (a 500 problem if it failed without one). */
static enum MHD_Result answer(struct req *r, int hr, struct api_reply *rep)
{
    if (hr != 0 || rep->status == 0) {
        const struct api_route *rt = r->rq.route;
        log_error("handler for %s %s failed without a reply", api_method_name(rt->method),
                  rt->pattern);
        api_problem(rep, API_E_INTERNAL, NULL);
    }
    return reply_send(r, rep);
}

static enum MHD_Result dispatch(struct req *r)
{
    struct api_req *rq = &r->rq;
    struct api_reply rep = {0};
    if (r->kind == REQ_STATIC)
        return static_serve(r);
    if (r->body_len) {
        char why[192];
        json_t *j = NULL;
        if (body_parse_json(r->body, r->body_len, &j, why, sizeof why) != 0) {
            api_problem(&rep, API_E_MALFORMED_JSON, why);
            return reply_send(r, &rep);
        }
        arena_defer(r->arena, (void (*)(void *))json_decref, j);
        rq->body = j;
        rq->raw_body = r->body;
        rq->raw_body_len = r->body_len;
    }
    rq->db = db_checkout();
    const struct api_route *rt = rq->route;
    if (rt->auth != API_AUTH_NONE && api_auth_resolve(rq, (int)rt->auth, &rep) != 0) {
        if (!rep.status)
            api_problem(&rep, API_E_UNAUTHENTICATED, NULL);
        return reply_send(r, &rep);
    }
    int hr = api_dispatch(rq, &rep);
    if (hr == API_SUSPENDED) {
        /* Parked (r->phase is REQ_PARKED, the connection suspended): a
         * leader may be using r's arena now; touch nothing of r. */
        return MHD_YES;
    }
    return answer(r, hr, &rep);
}

/* --- phases (http_int.h): what a call does in each -------------------------- */

typedef enum MHD_Result (*phase_fn)(struct req *r, const char *upload_data, size_t *upload_size);

static enum MHD_Result phase_body(struct req *r, const char *upload_data, size_t *upload_size)
{
    /* The last call (no more body): the request is read whole, so the
     * request deadline no longer applies to this connection until it ends. */
    if (*upload_size == 0)
        conn_deadline_busy(r->slot);
    if (r->kind == REQ_EARLY) {
        *upload_size = 0;
        return reply_send(r, &r->early);
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->too_large || n > r->max_body - r->body_len) {
            /* Chunked body over the cap: MHD cannot take a response
             * mid-body, so discard until the end (then 413), but drop the
             * connection if the client keeps sending far beyond the cap. */
            r->too_large = true;
            r->discarded += n;
            if (r->discarded <= HTTP_MAX_DISCARD)
                return MHD_YES;
            /* Said here: libmicrohttpd's own line for MHD_NO reads
             * "Application reported internal error". */
            log_info("request body over the route's limit of %zu bytes by more than 1 MiB: "
                     "connection closed without an answer",
                     r->max_body);
            return MHD_NO;
        }
        if (r->body_len + n + 1 > r->body_cap) {
            size_t cap = r->body_cap ? r->body_cap : 1024;
            while (cap < r->body_len + n + 1)
                cap *= 2;
            r->body = pnyx_xrealloc(r->body, cap);
            r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        r->body[r->body_len] = '\0';
        return MHD_YES;
    }
    if (r->too_large) {
        api_problem(&r->early, API_E_PAYLOAD_TOO_LARGE, NULL);
        return reply_send(r, &r->early);
    }
    return dispatch(r);
}

/* Called again after the wake (the body is complete: upload_size is 0). */
static enum MHD_Result phase_parked(struct req *r, const char *upload_data, size_t *upload_size)
{
    (void)upload_data;
    *upload_size = 0;
    struct api_reply rep = {0};
    r->rq.db = db_checkout(); /* a handed lead runs the next batch on it */
    int hr = api_txn_continue(&r->rq, &rep);
    if (hr == API_SUSPENDED)
        return MHD_YES; /* not woken yet (MHD does not call a suspended connection) */
    enum MHD_Result ret = answer(r, hr, &rep);
    atomic_fetch_sub(&r->srv->parked, 1);
    return ret;
}

static enum MHD_Result phase_answered(struct req *r, const char *upload_data, size_t *upload_size)
{
    (void)r;
    (void)upload_data;
    *upload_size = 0;
    return MHD_YES;
}

static const phase_fn phases[REQ__PHASES] = {
    [REQ_BODY] = phase_body,
    [REQ_PARKED] = phase_parked,
    [REQ_ANSWERED] = phase_answered,
};

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_size, void **req_cls)
{
    struct req *r = *req_cls;
    if (!r) {
        r = req_new(cls, conn, url, method, version);
        *req_cls = r;
        /* An error decided from the headers of a request that carries a
         * body is answered now: 0.9.75 accepts a response only before the
         * body is read or after all of it, and reading an unwanted (maybe
         * huge) body is pointless; the connection closes afterwards anyway. */
        if (r->kind == REQ_EARLY && r->has_body) {
            conn_deadline_busy(r->slot);
            log_set_request_id(r->rid);
            enum MHD_Result ret = reply_send(r, &r->early);
            log_set_request_id(NULL);
            return ret;
        }
        return MHD_YES; /* otherwise never queue on the first call (keep-alive trap) */
    }
    log_set_request_id(r->rid);
    enum MHD_Result ret = phases[r->phase](r, upload_data, upload_size);
    log_set_request_id(NULL);
    return ret;
}

/* Why 24: the path words and numeric ids worth logging are shorter; the
 * secrets a path can carry (invitation codes, tokens: 43 characters) are
 * longer, so they are elided even when they look like words. */
#define LOG_SEG_MAX 24

static bool log_seg_ok(const char *s, size_t len)
{
    if (len == 0 || len > LOG_SEG_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
            return false;
    }
    return true;
}

static bool is_id(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n > 0 && n <= 19 && s[n] == '\0';
}

/* The path as the access log shows it, never a secret from it (invitation
 * codes used to reach the log). A matched route: its pattern with numeric
 * parameters filled in ("/api/v1/assemblies/7/members",
 * "/api/v1/invitations/{code}/accept"). Anything else: each segment that is
 * a short lower-case word or number is kept, any other becomes "*", and a
 * path too long for buf ends in "/...". The result is ASCII. */
static void access_path(const struct req *r, char *buf, size_t cap)
{
    size_t o = 0;
    const struct api_route *rt = r->kind == REQ_API ? r->rq.route : NULL;
    if (rt) {
        size_t k = 0;
        for (const char *p = rt->pattern; *p && o + 1 < cap;) {
            if (*p != '{') {
                buf[o++] = *p++;
                continue;
            }
            size_t len = strcspn(p, "}") + (p[strcspn(p, "}")] == '}');
            const char *v = k < r->rq.nparams ? r->rq.params[k].value : NULL;
            k++;
            const char *src = v && is_id(v) ? v : p;
            size_t n = src == v ? strlen(v) : len;
            if (o + n + 1 > cap)
                break;
            memcpy(buf + o, src, n);
            o += n;
            p += len;
        }
        buf[o] = '\0';
        return;
    }
    const char *p = r->rq.path ? r->rq.path : "";
    while (*p) {
        size_t slash = *p == '/';
        size_t len = strcspn(p + slash, "/");
        bool keep = log_seg_ok(p + slash, len);
        size_t n = slash + (keep ? len : (len ? 1 : 0));
        if (o + n + 5 > cap) {
            memcpy(buf + o, "/...", 4);
            o += 4;
            break;
        }
        if (slash)
            buf[o++] = '/';
        if (keep)
            memcpy(buf + o, p + slash, len);
        else if (len)
            buf[o] = '*';
        o += n - slash;
        p += slash + len;
    }
    buf[o] = '\0';
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct http_server *srv = cls;
    struct req *r = *req_cls;
    if (!r)
        return;
    *req_cls = NULL;
    /* The connection now waits for its next request: its clock restarts. */
    conn_deadline_idle(r->slot);
    if (r->phase == REQ_PARKED) {
        /* Ended after its wake but before its reply (the client left): if
         * it was handed its group's lead, pass that on. */
        api_txn_abandon(&r->rq);
        atomic_fetch_sub(&srv->parked, 1);
    }
    uint64_t dur = (uint64_t)(mono_us() - r->start_mono_us);
    metrics_request(r->route_idx, r->status, dur);
    log_set_request_id(r->rid);
    /* Access lines: failures (≥ 400) and slow requests at info, server
     * errors at warn (not 501: a client's unknown method), the rest at
     * debug — a line per request costs more than the whole /healthz
     * answer, and at tens of thousands of requests/s it drowns the log. */
    enum log_level lvl = r->status >= 500 && r->status != 501 ? PNYX_LOG_WARN
                         : r->status >= 400                   ? PNYX_LOG_INFO
                         : dur >= HTTP_SLOW_US                ? PNYX_LOG_INFO
                                                              : PNYX_LOG_DEBUG;
    if (log_enabled(lvl)) {
        /* Never the raw path, query or a header: they may carry secrets. */
        char path[256], fields[768];
        access_path(r, path, sizeof path);
        const struct api_route *rt = r->kind == REQ_API ? r->rq.route : NULL;
        snprintf(fields, sizeof fields,
                 "\"method\":\"%s\",%s%s%s\"path\":\"%s\",\"status\":%u,\"dur_us\":%llu,"
                 "\"client\":\"%s\"%s",
                 r->rq.method ? api_method_name(r->rq.method) : "OTHER", rt ? "\"route\":\"" : "",
                 rt ? rt->pattern : "", rt ? "\"," : "", path, r->status, (unsigned long long)dur,
                 r->rq.client_addr ? r->rq.client_addr : "",
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
        log_fields(lvl, "request", fields);
    }
    log_set_request_id(NULL);
    free(r->body);
    r->body = NULL;
    arena_free(r->arena);
    atomic_fetch_sub_explicit(&srv->in_flight, 1, memory_order_relaxed);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        metrics_conn_open();
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (srv->deadline && ci)
            *socket_ctx = conn_deadline_open(srv->deadline, ci->connect_fd);
    } else {
        metrics_conn_close();
        /* Before MHD closes the socket (see conn_deadline.c). */
        if (srv->deadline)
            conn_deadline_close(srv->deadline, *socket_ctx);
        *socket_ctx = NULL;
    }
}

/* Why raise RLIMIT_NOFILE: each connection is a descriptor, and the soft
 * limit is often 1,024 — below PNYX_MAX_CONNECTIONS, so accept() would
 * fail with EMFILE (and every new client wait in the backlog) long before
 * MHD's own limit. Raises the soft limit toward the hard one; returns the
 * connection limit the descriptors allow (the configured one when they
 * suffice), keeping 64 descriptors for the database connections, the
 * listening socket, log and key files. */
#define FD_RESERVE 64
static unsigned connection_limit(unsigned want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return want;
    rlim_t need = (rlim_t)want + FD_RESERVE;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rlim_t cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        struct rlimit nl = {cur, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
            rl.rlim_cur = cur;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        unsigned can = rl.rlim_cur > FD_RESERVE * 2 ? (unsigned)(rl.rlim_cur - FD_RESERVE) : 64;
        log_warn("PNYX_MAX_CONNECTIONS %u exceeds what the open-file limit (%llu) allows; "
                 "serving at most %u connections (raise `ulimit -n`)",
                 want, (unsigned long long)rl.rlim_cur, can);
        return can;
    }
    return want;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(msg, sizeof msg, fmt, ap);
#pragma GCC diagnostic pop
    msg[strcspn(msg, "\n")] = '\0';
    log_info("libmicrohttpd: %s", msg);
}

struct http_server *http_start(const struct pnyx_config *cfg, char *err, size_t errlen)
{
    if (router_init(err, errlen) != 0)
        return NULL;
    unsigned char rnd[6];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(rid_prefix, sizeof rid_prefix, rnd, sizeof rnd);

    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", cfg->listen_port);
    int gai = getaddrinfo(cfg->listen_host, port, &hints, &ai);
    if (gai != 0 || !ai) {
        snprintf(err, errlen, "PNYX_LISTEN: cannot resolve %s: %s", cfg->listen_host,
                 gai_strerror(gai));
        return NULL;
    }
    struct sockaddr_storage addr;
    socklen_t addrlen = ai->ai_addrlen;
    memcpy(&addr, ai->ai_addr, addrlen);
    freeaddrinfo(ai);

    struct http_server *srv = pnyx_xcalloc(1, sizeof(*srv));
    srv->cfg = cfg;
    srv->static_root = realpath(cfg->static_dir, NULL);
    if (!srv->static_root)
        log_warn("static directory %s not found; only the API is served", cfg->static_dir);

    unsigned max_conn = connection_limit(cfg->max_connections);
    if (cfg->request_timeout > 0) {
        srv->deadline = conn_deadline_start(cfg->request_timeout);
        if (!srv->deadline) {
            snprintf(err, errlen, "cannot start the request deadline thread");
            free(srv->static_root);
            free(srv);
            return NULL;
        }
    }
    char lerr[160];
    srv->acceptor = acceptor_listen((struct sockaddr *)&addr, addrlen, 1024, lerr, sizeof lerr);
    if (!srv->acceptor) {
        snprintf(err, errlen, "cannot listen on %s: %s", cfg->listen, lerr);
        conn_deadline_stop(srv->deadline);
        free(srv->static_root);
        free(srv);
        return NULL;
    }
    srv->port = acceptor_port(srv->acceptor);
    /* The logger goes first so MHD routes even option errors through it. */
    srv->daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC |
            MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
        0, NULL, NULL, on_access, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
        max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->max_per_ip,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->conn_memory, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)cfg->conn_timeout, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_UNESCAPE_CALLBACK, unescape,
        NULL, MHD_OPTION_END);
    if (!srv->daemon || !acceptor_run(srv->acceptor, srv->daemon, max_conn, lerr, sizeof lerr)) {
        snprintf(err, errlen, "%s", srv->daemon ? lerr : "cannot start libmicrohttpd");
        acceptor_stop(srv->acceptor);
        if (srv->daemon)
            MHD_stop_daemon(srv->daemon);
        conn_deadline_stop(srv->deadline);
        free(srv->static_root);
        free(srv);
        return NULL;
    }
    return srv;
}

uint16_t http_bound_port(const struct http_server *srv)
{
    return srv->port;
}

void http_stop(struct http_server *srv, unsigned grace_ms)
{
    if (!srv)
        return;
    /* Stop accepting; the listening socket closes, in-flight requests and
     * open connections continue until they finish or the grace ends. */
    acceptor_stop(srv->acceptor);
    int64_t deadline = mono_us() + (int64_t)grace_ms * 1000;
    while (atomic_load(&srv->in_flight) > 0 && mono_us() < deadline) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    long left = atomic_load(&srv->in_flight);
    if (left > 0)
        log_warn("stopping with %ld requests still in flight", left);
    /* MHD must not stop with suspended connections. From here no request
     * parks; the parked ones are woken by their leaders (bounded by the
     * database work of the batches ahead of them) and answered. */
    atomic_store(&srv->stopping, true);
    for (int64_t next_log = mono_us(); atomic_load(&srv->parked) > 0;) {
        if (mono_us() >= next_log) {
            log_info("stopping: waiting for %ld parked requests", atomic_load(&srv->parked));
            next_log = mono_us() + 5 * 1000000;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(srv->daemon);
    conn_deadline_stop(srv->deadline); /* after: MHD_stop_daemon closes (unlists) every slot */
    free(srv->static_root);
    free(srv);
}
