/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_common.c — query parsing, keyset paging and the authorisation
 * subject and problems shared by every resource handler (see the header).
 */
#include "api/api_common.h"

#include <string.h>

#include "db/db_assembly.h"

int api_query_u64(const struct api_req *rq, const char *name, uint64_t *v)
{
    const char *s = api_query(rq, name);
    if (s == NULL) {
        return 0;
    }
    size_t len = strlen(s);
    if (len == 0 || len > 19 || (s[0] == '0' && len > 1)) {
        return -1;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    if (x > (uint64_t)INT64_MAX) {
        return -1;
    }
    *v = x;
    return 1;
}

int api_page_params(const struct api_req *rq, struct api_reply *out, int64_t *after, int *limit)
{
    uint64_t a = 0, l = API_PAGE_DEFAULT;
    if (api_query_u64(rq, "after", &a) < 0) {
        api_problem(out, API_E_BAD_REQUEST, "after must be a cursor returned as next");
        return -1;
    }
    int hl = api_query_u64(rq, "limit", &l);
    if (hl < 0 || l < 1 || l > API_PAGE_MAX) {
        api_problem(out, API_E_BAD_REQUEST, "limit must be an integer from 1 to 200");
        return -1;
    }
    *after = (int64_t)a;
    *limit = (int)l;
    return 0;
}

json_t *api_page_next(int n, int limit, int64_t last)
{
    if (n <= 0 || n != limit) {
        return json_null();
    }
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)last);
    return json_string(buf);
}

int api_page_reply(struct api_reply *out, json_t *items, int n, int limit, int64_t last,
                   json_t *extra)
{
    json_t *j = json_pack("{s:o, s:o}", "items", items, "next", api_page_next(n, limit, last));
    if (j != NULL && extra != NULL) {
        json_object_update(j, extra);
    }
    json_decref(extra);
    return api_reply_json(out, 200, j);
}

/* --- authorisation --------------------------------------------------------------- */

struct authz_subject api_subject(const struct api_req *rq, const char *role, const char *status)
{
    struct authz_subject s = {
        .logged_in = rq->auth.authenticated,
        .account_id = rq->auth.authenticated ? rq->auth.account_id : 0,
        .role = role_parse(role),
        .status = member_status_parse(status),
    };
    return s;
}

enum authz_decision api_authz_decide(const struct api_req *rq, const struct db_standing *sd,
                                     enum authz_action action)
{
    struct authz_subject who = api_subject(rq, sd->role, sd->status);
    struct authz_resource res = {.is_public = sd->is_public, .open_to_join = sd->open_to_join};
    return authz_assembly(&who, &res, action);
}

enum api_error api_authz_error(enum authz_decision d)
{
    switch (d) {
    case AUTHZ_NEED_LOGIN_401:
        return API_E_UNAUTHENTICATED;
    case AUTHZ_HIDE_404:
        return API_E_NOT_FOUND;
    case AUTHZ_STATE_409:
        return API_E_CONFLICT;
    case AUTHZ_DENY_403:
    case AUTHZ_ALLOW:
        break;
    }
    return API_E_FORBIDDEN;
}

int api_authz_problem(struct api_reply *out, enum authz_decision d)
{
    return api_problem(out, api_authz_error(d), NULL);
}

static int64_t viewer_of(const struct api_req *rq)
{
    return rq->auth.authenticated ? rq->auth.account_id : 0;
}

int api_assembly_gate(struct api_req *rq, struct api_reply *out, int64_t aid,
                      enum authz_action action, struct db_standing *sd)
{
    enum db_status st = db_assembly_standing(rq->db, rq->arena, aid, viewer_of(rq), sd);
    if (st != DB_OK) {
        api_problem_db(out, st);
        return -1;
    }
    enum authz_decision d = api_authz_decide(rq, sd, action);
    if (d != AUTHZ_ALLOW) {
        api_authz_problem(out, d);
        return -1;
    }
    return 0;
}

enum db_status api_assembly_gate_txn(struct db_conn *c, struct api_req *rq, int64_t aid,
                                     enum authz_action action, struct db_standing *sd,
                                     struct api_refusal *r)
{
    enum db_status st = db_assembly_standing(c, rq->arena, aid, viewer_of(rq), sd);
    if (st == DB_NOT_FOUND) {
        return api_refuse(r, API_E_NOT_FOUND, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    enum authz_decision d = api_authz_decide(rq, sd, action);
    return d == AUTHZ_ALLOW ? DB_OK : api_refuse(r, api_authz_error(d), NULL);
}
