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
/* GET /assemblies/{aid}/audit/witnesses: each configured witness's newest
 * cosigned checkpoint of the log, and the assembly's k of n. */
int api_audit_witnesses(struct api_req *rq, struct api_reply *out);
/* GET /assemblies/{aid}/record: the auditor's record, pnyx-record/1
 * (api-spec/record.md). */
int api_audit_record(struct api_req *rq, struct api_reply *out);

struct db_audit_view;
/* The signed checkpoint of the view's head (v->size, v->root): v->note when
 * cached, else signed now and cached (first writer wins). NULL when the
 * key may not sign (audit_key_for_signing: *why, when why is not NULL, a
 * static client-safe reason: answer 503) or signing failed (*why NULL: a
 * bug). Used by the checkpoint endpoint, the record and the witness worker
 * (api/witness_queue.c). */
const char *api_audit_head_note(struct db_conn *c, struct arena *a, const struct pnyx_config *cfg,
                                int64_t aid, const struct db_audit_view *v, const char **why);

#endif /* PNYX_API_API_AUDIT_H */
