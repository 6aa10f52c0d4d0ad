/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_authz.c — the authorisation preamble (api_authz.h): the only
 * place handlers turn a standing row into a decision and a decision into
 * a problem.
 */
#include "api/api_authz.h"

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
