/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_assemblies.h — handlers for assemblies (api_assemblies.c),
 * members (api_members.c) and invitations (api_invitations.c). What they
 * share with other resources is in api_common.h. Authorisation decisions
 * come from core/validate/authz.h only.
 */
#ifndef PNYX_API_API_ASSEMBLIES_H
#define PNYX_API_API_ASSEMBLIES_H

#include <stdint.h>

#include "api/api_common.h"
#include "api/api_records.h"

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

#endif /* PNYX_API_API_ASSEMBLIES_H */
