/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/audit_writer.h — appending to an assembly's audit log: every state
 * change of an assembly (and later of its proposals, questions, tallies)
 * calls api_audit_append inside its own transaction body.
 */
#ifndef PNYX_API_AUDIT_WRITER_H
#define PNYX_API_AUDIT_WRITER_H

#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "platform/arena.h"
#include "platform/compiler.h"

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

/* Registers the commit hook that writes the entries (db_set_commit_hook).
 * Call once from main before serving; api_audit_append also does. */
void api_audit_writer_init(void);

#endif /* PNYX_API_AUDIT_WRITER_H */
