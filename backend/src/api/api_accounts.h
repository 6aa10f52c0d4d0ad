/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_accounts.h — POST /api/v1/accounts (registration) and the
 * account's public JSON shape, shared with sessions and /me.
 */
#ifndef PNYX_API_API_ACCOUNTS_H
#define PNYX_API_API_ACCOUNTS_H

#include "api/api.h"
#include "db/db_account.h"

/* POST /api/v1/accounts {email, password, display_name, country, languages}
 * → 201 {id, email, display_name, country, languages, created_at};
 * 400 wrong shape/types, 422 broken rules (field list), 409 e-mail taken. */
int api_accounts_create(struct api_req *rq, struct api_reply *out) PNYX_NONNULL(1, 2);

/* Returns a new JSON object {id, email, display_name, country, languages,
 * created_at} for acc (borrowed), or NULL on allocation failure or a
 * malformed languages_json. Never includes the password hash. */
json_t *api_account_to_json(const struct db_account *acc) PNYX_NONNULL(1);

#endif /* PNYX_API_API_ACCOUNTS_H */
