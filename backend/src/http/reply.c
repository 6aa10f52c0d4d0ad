/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http/reply.c — turns a struct api_reply into a libmicrohttpd response:
 * serialises JSON once (compact), adds the headers every response carries,
 * queues it and drops our reference (MHD keeps its own until sent).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_int.h"
#include "platform/log.h"

/* Strict policy: no inline script or style, nothing from other origins,
 * no framing. The web shell is built to live inside it. */
static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                          "base-uri 'none'; form-action 'self'";

void reply_common_headers(struct MHD_Response *resp, const struct req *r)
{
    MHD_add_response_header(resp, "Content-Security-Policy", csp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (r->srv->cfg->cookie_secure)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    MHD_add_response_header(resp, "X-Request-Id", r->rid);
}

static const char internal_error[] =
    "{\"type\":\"" API_PROBLEM_BASE "internal\",\"title\":\"Internal server error\","
    "\"status\":500}";

/* The last-resort 500 still names the request (its id is what an operator
 * greps the log for); only when even that copy fails does the fixed body go out. */
static struct MHD_Response *internal_error_response(const struct req *r)
{
    char buf[sizeof internal_error + 64];
    int n = snprintf(buf, sizeof buf, "%.*s,\"request_id\":\"%s\"}",
                     (int)(sizeof internal_error - 2), internal_error, r->rid);
    struct MHD_Response *resp = NULL;
    if (n > 0 && (size_t)n < sizeof buf)
        resp = MHD_create_response_from_buffer((size_t)n, buf, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        resp = MHD_create_response_from_buffer(
            sizeof internal_error - 1, (void *)(uintptr_t)internal_error, MHD_RESPMEM_PERSISTENT);
    return resp;
}

/* api_stream → MHD's content reader. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct api_stream *s = cls;
    long n = s->read(s->cls, buf, max);
    if (n < 0 || (size_t)n > max)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct api_stream *s = cls;
    if (s->free)
        s->free(s->cls);
    free(s);
}

/* Block size of a streamed body: what one read may fill. */
#define HTTP_STREAM_BLOCK (64u * 1024u)

enum MHD_Result reply_send(struct req *r, struct api_reply *rep)
{
    struct MHD_Response *resp = NULL;
    const char *ctype = NULL;
    unsigned status = rep->status ? rep->status : 500u;
    if (rep->json) {
        if (rep->problem)
            json_object_set_new(rep->json, "request_id", json_string(r->rid));
        char *text = json_dumps(rep->json, JSON_COMPACT);
        json_decref(rep->json);
        rep->json = NULL;
        if (text) {
            resp = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
            if (!resp)
                free(text);
            ctype = rep->problem ? "application/problem+json" : "application/json";
        }
    } else if (rep->stream.read) {
        struct api_stream *s = malloc(sizeof *s);
        if (s) {
            *s = rep->stream;
            rep->stream = (struct api_stream){0};
            resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, HTTP_STREAM_BLOCK,
                                                     stream_read, s, stream_free);
            if (!resp)
                stream_free(s);
        }
        ctype = rep->content_type;
    } else if (rep->body) {
        resp = MHD_create_response_from_buffer(rep->body_len, (void *)(uintptr_t)rep->body,
                                               MHD_RESPMEM_PERSISTENT);
        ctype = rep->content_type;
    } else if (rep->status) {
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    if (rep->stream.read) { /* not sent (out of memory): still owned here */
        if (rep->stream.free)
            rep->stream.free(rep->stream.cls);
        rep->stream = (struct api_stream){0};
    }
    if (!resp) {
        log_error("could not build the response (status %u); sending 500", status);
        status = 500;
        resp = internal_error_response(r);
        ctype = "application/problem+json";
        rep->nheaders = 0;
        if (!resp)
            return MHD_NO;
    }
    if (ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    reply_common_headers(resp, r);
    bool has_cache_control = false;
    for (size_t i = 0; i < rep->nheaders; i++) {
        if (strcasecmp(rep->headers[i].name, "Cache-Control") == 0)
            has_cache_control = true;
        if (MHD_add_response_header(resp, rep->headers[i].name, rep->headers[i].value) != MHD_YES)
            log_warn("response header %s refused", rep->headers[i].name);
    }
    /* API answers are per-user and change: never cache unless told. */
    if (!has_cache_control)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->phase = REQ_ANSWERED;
    r->status = status;
    return ret;
}
