/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_audit.h — the audit log's read endpoints (entries, checkpoint,
 * proofs, key). Handlers that change state append with
 * api/audit_writer.h; the signing key is api/audit_key.h's.
 */
#ifndef PNYX_API_API_AUDIT_H
#define PNYX_API_API_AUDIT_H

#include "api/api.h"

/* Handlers (routes.c). */
int api_audit_list(struct api_req *rq, struct api_reply *out);
int api_audit_checkpoint(struct api_req *rq, struct api_reply *out);
int api_audit_inclusion(struct api_req *rq, struct api_reply *out);
int api_audit_consistency(struct api_req *rq, struct api_reply *out);
int api_audit_key(struct api_req *rq, struct api_reply *out);

#endif /* PNYX_API_API_AUDIT_H */
