/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/auth.c — placeholder session resolution: nobody is authenticated yet.
 * F2 replaces this with bearer/cookie sessions, CSRF and Origin checks.
 */
#include "api/auth.h"

int api_auth_resolve(struct api_req *rq, int requirement, struct api_reply *out)
{
    rq->auth.authenticated = false;
    if (requirement == API_AUTH_REQUIRED) {
        api_problem(out, API_E_UNAUTHENTICATED, "a valid session is required");
        return -1;
    }
    return 0;
}
