/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_me.h — GET /api/v1/me: the caller's account.
 */
#ifndef PNYX_API_API_ME_H
#define PNYX_API_API_ME_H

#include "api/api.h"

/* GET /api/v1/me → 200 {id, email, display_name, country, languages,
 * created_at}, served from the session cache (no database round trip on a
 * cache hit); 401 without a valid session (enforced by the route's auth). */
int api_me_get(struct api_req *rq, struct api_reply *out) PNYX_NONNULL(1, 2);

#endif /* PNYX_API_API_ME_H */
