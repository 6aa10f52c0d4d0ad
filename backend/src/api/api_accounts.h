/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_accounts.h — POST /api/v1/accounts (registration). The
 * account's JSON shape is codec_account_json (codec/json/resources.h).
 */
#ifndef PNYX_API_API_ACCOUNTS_H
#define PNYX_API_API_ACCOUNTS_H

#include "api/api.h"

/* POST /api/v1/accounts {email, password, display_name, country, languages}
 * → 201 {id, email, display_name, country, languages, created_at};
 * 400 wrong shape/types, 422 broken rules (field list), 409 e-mail taken. */
int api_accounts_create(struct api_req *rq, struct api_reply *out) PNYX_NONNULL(1, 2);

#endif /* PNYX_API_API_ACCOUNTS_H */
