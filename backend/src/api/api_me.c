/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_me.c — GET /api/v1/me. The account's public JSON was serialised
 * once when the session entered the cache (api/auth.c); this handler only
 * hands that text back, so a cached request touches neither PostgreSQL
 * nor Jansson.
 */
#include "api/api_me.h"

#include "api/auth.h"

int api_me_get(struct api_req *rq, struct api_reply *out)
{
    const struct api_auth_session *ext = rq->auth.ext;
    if (!rq->auth.authenticated || ext == NULL) {
        return api_problem(out, API_E_UNAUTHENTICATED, NULL);
    }
    api_reply_text(out, 200, "application/json", ext->account_json, ext->account_json_len);
    api_reply_header(out, "Cache-Control", "private, no-store");
    return 0;
}
