/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_assemblies.h — handlers for assemblies (api_assemblies.c),
 * members (api_members.c) and invitations (api_invitations.c), plus the
 * small helpers they share. Authorisation decisions come from
 * core/validate/authz.h only.
 */
#ifndef PNYX_API_API_ASSEMBLIES_H
#define PNYX_API_API_ASSEMBLIES_H

#include <stdint.h>

#include "api/api.h"
#include "core/validate/authz.h"

/* api_assemblies.c */
int api_assemblies_list(struct api_req *rq, struct api_reply *out);
int api_assemblies_create(struct api_req *rq, struct api_reply *out);
int api_assemblies_get(struct api_req *rq, struct api_reply *out);
int api_assemblies_patch(struct api_req *rq, struct api_reply *out);
int api_assemblies_join(struct api_req *rq, struct api_reply *out);

/* api_members.c */
int api_members_list(struct api_req *rq, struct api_reply *out);
int api_members_patch(struct api_req *rq, struct api_reply *out);

/* api_invitations.c */
int api_invitations_create(struct api_req *rq, struct api_reply *out);
int api_invitations_accept(struct api_req *rq, struct api_reply *out);

/* --- shared helpers (api_assemblies.c) ------------------------------------ */

/* Largest page (DESIGN.md: limit ≤ 200) and the default. */
#define API_PAGE_MAX     200
#define API_PAGE_DEFAULT 50

/* Parses ?after= (decimal ≥ 0, default 0) and ?limit= (1..200, default
 * 50). Returns 0, or -1 after writing a 400 problem. */
int api_page_params(const struct api_req *rq, struct api_reply *out, int64_t *after, int *limit)
    PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/* Parses ?name= as a decimal uint64 (no sign, no leading zeros). Returns 1
 * when present and valid, 0 when absent, -1 when malformed. */
int api_query_u64(const struct api_req *rq, const char *name, uint64_t *v) PNYX_NONNULL(1, 2, 3);

/* Sets out->{status,json} to a 201/200 JSON reply of a membership. */
json_t *api_membership_json(int64_t aid, int64_t account_id, const char *role, const char *status,
                            const char *joined_at);

#endif /* PNYX_API_API_ASSEMBLIES_H */
