/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api.c — reply and problem+json helpers, the error registry lookups
 * and path-parameter accessors shared by every handler.
 */
#include "api/api.h"

#include <string.h>

#include "core/base/base.h"
#include "platform/log.h"

struct error_info {
    unsigned status;
    const char *slug;
    const char *title;
};

static const struct error_info errors[] = {
#define X(code, status, slug, title) [code] = {status, slug, title},
#include "api/errors.def"
#undef X
};

unsigned api_error_status(enum api_error kind)
{
    return (unsigned)kind < API_E__COUNT ? errors[kind].status : 500u;
}

const char *api_error_slug(enum api_error kind)
{
    return (unsigned)kind < API_E__COUNT ? errors[kind].slug : "internal";
}

const char *api_error_title(enum api_error kind)
{
    return (unsigned)kind < API_E__COUNT ? errors[kind].title : "Internal server error";
}

const char *api_method_name(enum api_method m)
{
    switch (m) {
    case API_GET:
        return "GET";
    case API_HEAD:
        return "HEAD";
    case API_POST:
        return "POST";
    case API_PUT:
        return "PUT";
    case API_PATCH:
        return "PATCH";
    case API_DELETE:
        return "DELETE";
    case API_OPTIONS:
        return "OPTIONS";
    }
    return "?";
}

const char *api_param(const struct api_req *rq, const char *name)
{
    for (size_t i = 0; i < rq->nparams; i++) {
        if (strcmp(rq->params[i].name, name) == 0)
            return rq->params[i].value;
    }
    return NULL;
}

int api_param_id(const struct api_req *rq, const char *name, int64_t *out)
{
    const char *v = api_param(rq, name);
    if (!v || !*v || *v == '0' || strlen(v) > 19)
        return -1;
    int64_t x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        int d = *p - '0';
        if (x > (INT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *out = x;
    return 0;
}

static void reply_reset(struct api_reply *out)
{
    if (out->json) {
        json_decref(out->json);
        out->json = NULL;
    }
    out->problem = false;
    out->body = NULL;
    out->body_len = 0;
    out->content_type = NULL;
    if (out->stream.read != NULL && out->stream.free != NULL) {
        out->stream.free(out->stream.cls);
    }
    out->stream = (struct api_stream){0};
}

int api_reply_stream(struct api_reply *out, unsigned status, const char *content_type,
                     struct api_stream s)
{
    reply_reset(out);
    out->status = status;
    out->content_type = content_type;
    out->stream = s;
    return 0;
}

int api_reply_json(struct api_reply *out, unsigned status, json_t *json)
{
    reply_reset(out);
    out->status = json ? status : 500u;
    out->json = json;
    return 0;
}

int api_reply_text(struct api_reply *out, unsigned status, const char *content_type,
                   const char *body, size_t len)
{
    reply_reset(out);
    out->status = status;
    out->content_type = content_type;
    out->body = body;
    out->body_len = body ? len : 0;
    return 0;
}

int api_reply_empty(struct api_reply *out, unsigned status)
{
    reply_reset(out);
    out->status = status;
    return 0;
}

int api_reply_header(struct api_reply *out, const char *name, const char *value)
{
    if (out->nheaders >= API_MAX_HEADERS)
        return -1;
    out->headers[out->nheaders].name = name;
    out->headers[out->nheaders].value = value;
    out->nheaders++;
    return 0;
}

int api_dispatch(struct api_req *rq, struct api_reply *out)
{
    const struct api_route *rt = rq->route;
    if (PNYX_LIKELY(rt->read == API_READ_PRIMARY) ||
        (rt->read == API_READ_STANDBY_ANON && rq->auth.authenticated))
        return rt->handler(rq, out);
    struct db_conn *rc = db_read_checkout();
    if (rc == NULL)
        return rt->handler(rq, out);
    struct db_conn *primary = rq->db;
    rq->db = rc;
    int hr = rt->handler(rq, out);
    rq->db = primary;
    if (hr == 0 && ((out->status >= 200 && out->status < 300) || out->status == 304)) {
        db_read_note(true);
        return 0;
    }
    /* Anything else may be the standby's lag or its failure: the primary
     * answers instead (the first answer, headers included, is dropped). */
    db_read_note(false);
    reply_reset(out);
    out->status = 0;
    out->nheaders = 0;
    return rt->handler(rq, out);
}

static json_t *problem_new(enum api_error kind, const char *detail)
{
    char type[128];
    snprintf(type, sizeof type, "%s%s", API_PROBLEM_BASE, api_error_slug(kind));
    json_t *j = json_object();
    if (!j)
        return NULL;
    json_object_set_new(j, "type", json_string(type));
    json_object_set_new(j, "title", json_string(api_error_title(kind)));
    json_object_set_new(j, "status", json_integer(api_error_status(kind)));
    if (detail)
        json_object_set_new(j, "detail", json_string(detail));
    return j;
}

int api_problem(struct api_reply *out, enum api_error kind, const char *detail)
{
    reply_reset(out);
    out->status = api_error_status(kind);
    out->json = problem_new(kind, detail);
    out->problem = out->json != NULL;
    return 0;
}

int api_problem_fields(struct api_reply *out, enum api_error kind, json_t *fields)
{
    api_problem(out, kind, NULL);
    if (out->json && fields) {
        bool cut = json_array_size(fields) > API_FIELDS_MAX;
        while (json_array_size(fields) > API_FIELDS_MAX) {
            json_array_remove(fields, json_array_size(fields) - 1);
        }
        json_object_set_new(out->json, "fields", fields);
        if (cut) {
            json_object_set_new(out->json, "fields_truncated", json_true());
        }
    } else if (fields) {
        json_decref(fields);
    }
    return 0;
}

void api_field_error_params(json_t *fields, const char *field, const char *code, json_t *params,
                            const char *message)
{
    json_t *e = json_object();
    if (params == NULL || !json_is_object(params)) {
        json_decref(params);
        params = json_object();
    }
    if (!e || !params) {
        json_decref(e);
        json_decref(params);
        return;
    }
    /* A path built from a member name cut at a byte budget ("labels/%.60s")
     * may end inside a UTF-8 sequence, which json_string refuses: keep the
     * whole characters, so the entry never loses its "field" (fuzz_decode
     * found 422s whose field error had none). */
    json_t *f = json_string(field);
    if (f == NULL) {
        f = json_stringn(field, base_utf8_cut(field, strlen(field)));
    }
    json_object_set_new(e, "field", f != NULL ? f : json_string(""));
    json_object_set_new(e, "code", json_string(code));
    json_object_set_new(e, "params", params);
    if (message)
        json_object_set_new(e, "message", json_string(message));
    json_array_append_new(fields, e);
}

void api_field_error(json_t *fields, const char *field, const char *code, const char *message)
{
    api_field_error_params(fields, field, code, NULL, message);
}

int api_problem_db(struct api_reply *out, enum db_status st)
{
    switch (st) {
    case DB_NOT_FOUND:
        return api_problem(out, API_E_NOT_FOUND, NULL);
    case DB_CONFLICT:
        return api_problem(out, API_E_CONFLICT, NULL);
    case DB_SOFT_ERROR:
        api_problem(out, API_E_UNAVAILABLE, "too much contention; retry shortly");
        api_reply_header(out, "Retry-After", "1");
        return 0;
    case DB_UNAVAILABLE:
        api_problem(out, API_E_UNAVAILABLE, "the database is unavailable; retry shortly");
        api_reply_header(out, "Retry-After", "1");
        return 0;
    case DB_REFUSED: /* the handler should have answered the refusal's reason */
        log_error("a refused transaction reached api_problem_db");
        break;
    case DB_OK:
    case DB_HARD_ERROR:
        break;
    }
    return api_problem(out, API_E_INTERNAL, NULL);
}
