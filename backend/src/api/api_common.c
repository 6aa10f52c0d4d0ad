/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_common.c — query parsing, keyset paging and the authorisation
 * subject and problems shared by every resource handler (see the header).
 */
#include "api/api_common.h"

#include <string.h>

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

struct authz_subject api_subject(const struct api_req *rq, const char *role, const char *status)
{
    struct authz_subject s = {
        .logged_in = rq->auth.authenticated,
        .role = authz_role_parse(role),
        .status = authz_status_parse(status),
    };
    return s;
}

int api_authz_problem(struct api_reply *out, enum authz_decision d)
{
    switch (d) {
    case AUTHZ_NEED_LOGIN_401:
        return api_problem(out, API_E_UNAUTHENTICATED, NULL);
    case AUTHZ_HIDE_404:
        return api_problem(out, API_E_NOT_FOUND, NULL);
    case AUTHZ_DENY_403:
    case AUTHZ_ALLOW:
        break;
    }
    return api_problem(out, API_E_FORBIDDEN, NULL);
}
