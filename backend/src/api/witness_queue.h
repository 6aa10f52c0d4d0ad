/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/witness_queue.h — submits each new checkpoint of every audit log to
 * the C2SP tlog-witnesses of PNYX_WITNESSES (issue 12) from a background
 * worker (api/worker.h, name "witness"), never in the request path, and
 * stores the verified cosignatures (db/db_witness.h) that
 * GET …/audit/checkpoint and the record then serve.
 *
 * PNYX_WITNESSES: comma-separated "VKEY@URL", VKEY the witness's
 * cosignature/v1 vkey (name+id+base64(0x04||key)), URL its http:// submission
 * prefix (the worker POSTs to URL/add-checkpoint).
 *
 * Per (log, witness) the worker sends "old <size last cosigned>", the
 * RFC 6962 consistency proof from there and the signed head checkpoint.
 * 200: the line is verified with the configured key and stored. 409 with
 * text/x.tlog.size N < head: the witness knows another size (a new witness,
 * a restored database): resubmit from N at once. Anything else (witness
 * down, 409 split view, 422, a cosignature that does not verify): logged,
 * retried after 2^attempts seconds (capped at 10 minutes).
 */
#ifndef PNYX_API_WITNESS_QUEUE_H
#define PNYX_API_WITNESS_QUEUE_H

#include <stddef.h>

#include "core/audit/note.h"
#include "db/db.h"
#include "platform/arena.h"
#include "platform/config.h"

/* Parses cfg->witnesses (PNYX_WITNESSES) once, before serving: 0, or -1
 * with err set (pnyxd refuses to start, exit 2). */
int witness_config(const struct pnyx_config *cfg, char *err, size_t errlen)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* The configured witnesses (after witness_config): their key names and
 * vkeys (static strings), at most cap; returns how many. */
size_t witness_list(const char **names, const char **vkeys, size_t cap);

/* How many witnesses are configured (after witness_config). */
size_t witness_count(void);

/* The configured witnesses' key names as a text[] literal (static). */
const char *witness_names_array(void);

/* The configured witness of this key name, or NULL. */
const struct note_verifier *witness_key(const char *name) PNYX_NONNULL(1);

/* How many configured witnesses validly cosigned a checkpoint of log aid
 * whose size is at least min_size: each stored line is verified again
 * here, over the log's signed note of that size, with the key configured
 * now (a witness re-keyed or configured away no longer counts). */
enum db_status witness_cosigned_count(struct db_conn *c, struct arena *a, int64_t aid,
                                      int64_t min_size, int *have)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Starts the submission worker when witnesses are configured and workers
 * enabled (PNYX_WORKERS > 0). Returns the number of workers started. */
unsigned witness_workers_start(const struct pnyx_config *cfg) PNYX_NONNULL(1);

#endif /* PNYX_API_WITNESS_QUEUE_H */
