/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/json/resources.h — the JSON shape of each API resource, as
 * api-spec/openapi.yaml names it (one encoder per schema). Every encoder
 * borrows its input and returns a new JSON object, or NULL on allocation
 * failure (api_reply_json turns NULL into a 500). No I/O, no replies.
 */
#ifndef PNYX_CODEC_JSON_RESOURCES_H
#define PNYX_CODEC_JSON_RESOURCES_H

#include <stdint.h>

#include <jansson.h>

#include "db/db_account.h"
#include "db/db_assembly.h"

/* Account {id, email, display_name, country, languages, created_at};
 * NULL also when languages_json is not a JSON array. Never the hash. */
json_t *codec_account_json(const struct db_account *acc);

/* Assembly {id, title, description, visibility, join_policy,
 * default_language, created_by, created_at, updated_at, my_role,
 * my_status} (my_* null when the viewer is not a member). */
json_t *codec_assembly_json(const struct db_assembly *x, const char *my_role,
                            const char *my_status);

/* Composition {active_members, countries, by_country, by_role}. */
json_t *codec_composition_json(const struct db_composition *comp);

/* Membership {assembly_id, account_id, role, status, joined_at?}. */
json_t *codec_membership_json(int64_t aid, int64_t account_id, const char *role,
                              const char *status, const char *joined_at);

/* Member {account_id, display_name?, country?, role, status, joined_at,
 * updated_at}. */
json_t *codec_member_json(const struct db_member *m);

/* Invitation as created {id, code, assembly_id, role, max_uses, uses,
 * expires_at, created_at, accept_path}; code is shown this once. */
json_t *codec_invitation_created_json(const struct db_invitation *inv, int64_t aid,
                                      const char *code, const char *accept_path);

#endif /* PNYX_CODEC_JSON_RESOURCES_H */
