/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api.h — the handler contract. Handlers are HTTP-agnostic: they read a
 * struct api_req, fill a struct api_reply and never see libmicrohttpd
 * (http/ does) nor libpq (db/ does). Shape of a handler (≤ 60 lines):
 * decode (codec) → validate (core) → db_run_txn → encode → api_reply_json.
 *
 * Lifetimes: everything in api_req is borrowed and valid until the request
 * completes; allocate from rq->arena for anything the reply points to.
 * Handlers run on a pool thread; they must not block long (a pool thread
 * serves many connections).
 */
#ifndef PNYX_API_API_H
#define PNYX_API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "platform/arena.h"
#include "platform/compiler.h"
#include "platform/config.h"

/* Problem type URIs are API_PROBLEM_BASE + slug (see errors.def). */
#define API_PROBLEM_BASE "https://pnyx.dev/problems/"

/* A handler's return: the request is parked (see api_txn_grouped). */
#define API_SUSPENDED 1

/* Default body cap when a route sets max_body = 0. Why 64 KiB: every v1
 * request body (registration, a proposal text, a ranking of ≤ 1000 options)
 * fits with room to spare; larger caps are opt-in per route. */
#define API_DEFAULT_MAX_BODY (64u * 1024u)
/* Most path parameters in one pattern (the deepest v1 route has 2). */
#define API_MAX_PARAMS 8
/* Most extra response headers a handler may add. */
#define API_MAX_HEADERS 8

enum api_error {
#define X(code, status, slug, title) code,
#include "api/errors.def"
#undef X
    API_E__COUNT
};

enum api_method {
    API_GET = 1,
    API_HEAD, /* routed to the GET handler; the body is dropped */
    API_POST,
    API_PUT,
    API_PATCH,
    API_DELETE,
    API_OPTIONS,
};

enum api_auth {
    API_AUTH_NONE = 0, /* auth not even looked at */
    API_AUTH_OPTIONAL, /* resolved if present; anonymous allowed */
    API_AUTH_REQUIRED, /* 401 problem unless authenticated */
};

struct api_param {
    const char *name;  /* from the pattern, e.g. "aid" */
    const char *value; /* percent-decoded segment */
};

struct api_auth_info {
    bool authenticated;
    int64_t account_id;
    int64_t session_id;
    bool via_cookie;    /* cookie session: state changes need X-CSRF-Token */
    int64_t expires_at; /* unix seconds, if authenticated */
    void *ext;          /* auth.c's private extra data (arena-allocated) */
};

struct api_req {
    struct arena *arena;
    const char *request_id; /* validated X-Request-Id or generated */
    enum api_method method;
    const char *method_str; /* "GET", … */
    const char *path;       /* URL path, no query string */
    const struct api_route *route;
    size_t nparams; /* path params, in pattern order */
    struct api_param params[API_MAX_PARAMS];
    /* Getters filled by the http layer; use the inline wrappers below. */
    const char *(*query_fn)(const struct api_req *rq, const char *key);
    const char *(*header_fn)(const struct api_req *rq, const char *name);
    const char *(*cookie_fn)(const struct api_req *rq, const char *name);
    void *http_ctx;       /* opaque, for the getters */
    json_t *body;         /* borrowed: parsed, limit-checked JSON; NULL if no body */
    const char *raw_body; /* borrowed raw bytes (NUL-terminated), NULL if none */
    size_t raw_body_len;
    const char *client_addr; /* "203.0.113.7" / "2001:db8::1" */
    struct api_auth_info auth;
    struct db_conn *db; /* this thread's connection (see db/db.h) */
    const struct pnyx_config *cfg;
    int64_t now_us; /* request start, unix microseconds */
    /* Parking (api_txn_grouped), filled by the http layer; NULL when the
     * request cannot park (it then blocks its thread while it waits). */
    bool (*park_fn)(struct api_req *rq); /* under the group lock: suspend; false = block */
    void (*wake_fn)(struct api_req *rq); /* any thread, once after a true park */
    struct api_parked *parked;           /* api_txn.c's state of a parked request */
};

struct api_header {
    const char *name;  /* borrowed: static or arena */
    const char *value; /* borrowed: static or arena */
};

/*
 * A streamed body (api_reply_stream), for responses too large to build in
 * memory (issue 11's exports). read(cls, buf, max) fills buf with 1..max
 * bytes and returns how many, 0 at the end, -1 on a failure (the
 * connection is then cut: the client sees a truncated body). It runs on
 * the connection's http thread after the handler returned, between other
 * requests' handlers: it may use that thread's database connection
 * (db_thread_conn(), idle then, never inside a transaction) but nothing of
 * the request (its arena may be gone). free(cls) runs once, when the
 * response is done or abandoned (possibly before any read).
 */
struct api_stream {
    long (*read)(void *cls, char *buf, size_t max);
    void (*free)(void *cls);
    void *cls;
};

struct api_reply {
    unsigned status;          /* 0 = not set (http layer sends 500) */
    json_t *json;             /* stolen: the http layer serialises and frees it */
    bool problem;             /* json is problem+json */
    const char *content_type; /* for text bodies (json: set by the http layer) */
    const char *body;         /* borrowed text body (static or arena), if json == NULL */
    size_t body_len;
    struct api_stream stream; /* owned: a streamed body when stream.read != NULL */
    size_t nheaders;
    struct api_header headers[API_MAX_HEADERS];
};

/* Returns 0 when *out holds the reply (any status, including problems).
 * Returns -1 only on an internal error without a reply → 500 problem.
 * Returns API_SUSPENDED (only through api_txn_grouped) when the request is
 * parked: *out is untouched; the http layer calls api_txn_continue later. */
typedef int (*api_handler)(struct api_req *rq, struct api_reply *out);

/*
 * Where a route's handler reads (issue 15, PNYX_DATABASE_READ_URL). With a
 * read URL set, a marked handler runs first with rq->db = the thread's
 * read connection (a standby that may lag); any answer but 2xx or 304
 * (an error, a 404/409/422 because the standby has not replayed the row
 * yet, a 503 because it is down) is thrown away and the handler runs
 * again on the primary, so lag can make an answer older, never wrong.
 * Only for handlers that write nothing and whose 2xx answer is correct
 * when older: the table and the reasons are in README (issue 15).
 */
enum api_read_from {
    API_READ_PRIMARY = 0,  /* always the primary (the default) */
    API_READ_STANDBY,      /* the read connection first, for every caller */
    API_READ_STANDBY_ANON, /* the read connection first for anonymous callers only: an
                            * authenticated caller may expect to see their own write */
};

struct api_route {
    enum api_method method;
    const char *pattern; /* "/api/v1/assemblies/{aid}/members/{account_id}" */
    api_handler handler;
    size_t max_body; /* 0 = API_DEFAULT_MAX_BODY */
    enum api_auth auth;
    enum api_read_from read;
    /* The handler checks the session itself, inside its own statement, when
     * the cache entry is due for revalidation (api/auth.c may_defer; the
     * handler must call api_auth_verify before any other answer). Issue
     * 11's cast only. */
    bool session_in_statement;
};

/* Runs rq->route's handler, on the read connection first when the route
 * is marked and a read URL is set (api_read_from). Returns as a handler. */
int api_dispatch(struct api_req *rq, struct api_reply *out) PNYX_NONNULL(1, 2);

/* The route table (api/routes.c), in match order. */
extern const struct api_route api_routes[];
extern const size_t api_routes_count;

/* --- request accessors -------------------------------------------------- */

/* Query parameter (percent-decoded) or NULL. */
static inline const char *api_query(const struct api_req *rq, const char *key)
{
    return rq->query_fn(rq, key);
}
/* Request header (case-insensitive name) or NULL. */
static inline const char *api_header(const struct api_req *rq, const char *name)
{
    return rq->header_fn(rq, name);
}
/* Cookie value or NULL. */
static inline const char *api_cookie(const struct api_req *rq, const char *name)
{
    return rq->cookie_fn(rq, name);
}
/* Path parameter by name, or NULL. */
const char *api_param(const struct api_req *rq, const char *name) PNYX_NONNULL(1, 2);
/* Path parameter as a positive int64 (1..INT64_MAX, decimal, no sign or
 * leading zeros): 0, or -1 (caller answers 404). */
int api_param_id(const struct api_req *rq, const char *name, int64_t *out)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* --- replies --------------------------------------------------------------- */

/* Sets status and JSON body (stolen, also on failure). Returns 0. */
int api_reply_json(struct api_reply *out, unsigned status, json_t *json) PNYX_NONNULL(1);
/* Sets a text body (borrowed: static or arena). Returns 0. */
int api_reply_text(struct api_reply *out, unsigned status, const char *content_type,
                   const char *body, size_t len) PNYX_NONNULL(1, 3);
/* A streamed body of unknown length (chunked) with content_type (static);
 * the reply owns s (s.free runs once in every case, also when a later
 * reply replaces this one). Returns 0. */
int api_reply_stream(struct api_reply *out, unsigned status, const char *content_type,
                     struct api_stream s) PNYX_NONNULL(1, 3);
/* Empty body (e.g. 204). Returns 0. */
int api_reply_empty(struct api_reply *out, unsigned status) PNYX_NONNULL(1);
/* Adds a response header (both strings borrowed: static or arena).
 * Returns 0, or -1 when API_MAX_HEADERS are already set. */
int api_reply_header(struct api_reply *out, const char *name, const char *value)
    PNYX_NONNULL(1, 2, 3);

/* Writes a problem+json reply {type, title, status, detail?} for kind.
 * detail (borrowed, copied) may be NULL; it is shown to clients: never put
 * SQL text, paths or secrets in it. Returns 0 (so `return api_problem(…)`). */
int api_problem(struct api_reply *out, enum api_error kind, const char *detail) PNYX_NONNULL(1);
/* Most field errors in one problem. Why 16: more than any body has rules
 * worth reading at once, and it bounds the reply whatever the body holds
 * (a 64 KiB body of unknown members once produced a 395 KB 422). */
#define API_FIELDS_MAX 16

/* Same with a "fields" member (stolen): an array built with
 * api_field_error. Past API_FIELDS_MAX entries the array is cut and
 * "fields_truncated": true is added. */
int api_problem_fields(struct api_reply *out, enum api_error kind, json_t *fields) PNYX_NONNULL(1);
/* Appends {"field","code","params":{},"message"} to the array `fields`
 * (borrowed). field: JSON member name or pointer ("languages/2", "" for
 * the whole body); code: one of the closed set documented as FieldError in
 * api-spec/openapi.yaml ("required", "too_long", "format", "taken"…). */
void api_field_error(json_t *fields, const char *field, const char *code, const char *message)
    PNYX_NONNULL(1, 2, 3);
/* Same with params (stolen; NULL = {}), e.g. {"max": 200}. */
void api_field_error_params(json_t *fields, const char *field, const char *code, json_t *params,
                            const char *message) PNYX_NONNULL(1, 2, 3);
/* Maps a failed db status to a problem: NOT_FOUND → 404, CONFLICT → 409,
 * SOFT (retries exhausted) → 503 + Retry-After: 1, UNAVAILABLE → 503,
 * HARD → 500. Returns 0. */
int api_problem_db(struct api_reply *out, enum db_status st) PNYX_NONNULL(1);

/* --- grouped transactions (api_txn.c) ------------------------------------------ */

/* Builds the reply of a grouped transaction from its status; runs on the
 * request's thread, after the body ran (on whichever thread led). */
typedef int (*api_txn_reply_fn)(struct api_req *rq, enum db_status st, void *cls,
                                struct api_reply *out);
/*
 * Runs cb in the group commit of key (db_run_txn_grouped), then returns
 * reply(rq, st, cls, out). When another request's batch is running and the
 * http layer can park this one, returns API_SUSPENDED at once instead (the
 * handler returns it as is); reply then runs later, from
 * api_txn_continue. cls MUST be arena-allocated (it outlives the handler's
 * stack frame); cb and reset follow db_run_txn_grouped's rules (reset runs
 * before every run of cb); a refusal is answered with api_txn_problem.
 */
int api_txn_grouped(struct api_req *rq, struct api_reply *out, struct db_group_key key,
                    const char *name, db_txn_fn cb, db_reset_fn reset, api_txn_reply_fn reply,
                    void *cls) PNYX_NONNULL(1, 2, 4, 5, 7);
/* The same, with a batch body (db_group_item_batch; NULL: none): a batch
 * whose items all carry it runs it once for all of them, falling back to
 * cb per item when it gives up. */
int api_txn_grouped_batch(struct api_req *rq, struct api_reply *out, struct db_group_key key,
                          const char *name, db_txn_fn cb, db_batch_fn batch, db_reset_fn reset,
                          api_txn_reply_fn reply, void *cls) PNYX_NONNULL(1, 2, 4, 5, 8);
/* http layer, after rq->wake_fn: finishes a parked request (it may lead the
 * next batch first, blocking). Returns the reply function's result, or
 * API_SUSPENDED if the request was not woken yet. */
int api_txn_continue(struct api_req *rq, struct api_reply *out) PNYX_NONNULL(1, 2);
/* http layer, when a request ends: lets go of a parked request's place in
 * its group (see db_group_abandon). No-op for a request that never parked. */
void api_txn_abandon(struct api_req *rq) PNYX_NONNULL(1);

/*
 * Why a transaction body refused its change (it returned DB_REFUSED): the
 * problem the handler answers. Kept in the body's closure and cleared by
 * its reset step (api_refusal_clear), so a body run twice decides afresh.
 */
struct api_refusal {
    enum api_error error; /* API_E__COUNT: the body did not refuse */
    const char *detail;   /* static English text for API users, or NULL */
};
void api_refusal_clear(struct api_refusal *r) PNYX_NONNULL(1);
/* Records the refusal and returns DB_REFUSED (the body returns that). */
enum db_status api_refuse(struct api_refusal *r, enum api_error error, const char *detail)
    PNYX_NONNULL(1);
/* Replies the problem of a transaction that did not commit (st != DB_OK):
 * the refusal's problem when st is DB_REFUSED (a refusal without a reason
 * is a bug: 500), api_problem_db's for any other status. Returns 0. */
int api_txn_problem(struct api_reply *out, enum db_status st, const struct api_refusal *r)
    PNYX_NONNULL(1, 3);

/* Registry lookups. */
unsigned api_error_status(enum api_error kind);
const char *api_error_slug(enum api_error kind);
const char *api_error_title(enum api_error kind);
/* "GET" for API_GET, … */
const char *api_method_name(enum api_method m);

#endif /* PNYX_API_API_H */
