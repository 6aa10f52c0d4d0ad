/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_audit.h — the per-assembly audit log as seen from handlers:
 * api_audit_append (every state change of an assembly, and later of its
 * proposals/questions/tallies, calls it inside its own transaction), the
 * signing key, and the read endpoints (entries, checkpoint, proofs, key).
 */
#ifndef PNYX_API_API_AUDIT_H
#define PNYX_API_API_AUDIT_H

#include <stdint.h>

#include <jansson.h>

#include "api/api.h"
#include "db/db.h"

/*
 * Appends {seq, at, kind, actor, assembly, data} (RFC 8785 canonical JSON)
 * to assembly aid's log, in the caller's transaction: MUST run inside a
 * db_run_txn* body. The entry is numbered, hashed and written when that
 * transaction commits (just before its COMMIT, in it), so it exists exactly
 * when the change it records does; a body rolled back takes its entries
 * with it. actor = account id, or 0 for an entry without actor (JSON null:
 * secret-ballot events). data (borrowed) must be a JSON object; it is
 * canonicalised, so key order does not matter. Returns DB_OK, or
 * DB_HARD_ERROR (outside a transaction, data not loggable) — never writes
 * a reply.
 */
enum db_status api_audit_append(struct db_conn *c, struct arena *a, int64_t aid, int64_t actor,
                                const char *kind, json_t *data)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Creates the empty log of a new assembly, in the creating transaction. */
enum db_status api_audit_create_log(struct db_conn *c, struct arena *a, int64_t aid)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/*
 * Loads the Ed25519 checkpoint signing key from cfg->signing_key_file (or
 * $PNYX_DATA_DIR/audit-signing.key when unset), generating it on first
 * start (mode 0600). Call once from main before serving; the handlers also
 * call it lazily (pthread_once) so a missing hook only delays the work.
 * Returns 0, or -1 after logging why (main should exit 2).
 */
int api_audit_init(const struct pnyx_config *cfg) PNYX_NONNULL(1) PNYX_MUSTCHECK;

/* Handlers (routes.c). */
int api_audit_list(struct api_req *rq, struct api_reply *out);
int api_audit_checkpoint(struct api_req *rq, struct api_reply *out);
int api_audit_inclusion(struct api_req *rq, struct api_reply *out);
int api_audit_consistency(struct api_req *rq, struct api_reply *out);
int api_audit_key(struct api_req *rq, struct api_reply *out);

#endif /* PNYX_API_API_AUDIT_H */
