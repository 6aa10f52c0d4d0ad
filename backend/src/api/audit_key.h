/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/audit_key.h — the deployment's checkpoint signing key: loaded (or
 * created on a first start) from its file through platform/signing_key,
 * checked against the key the database records (several nodes, one key),
 * and made available to the read endpoints that sign checkpoints.
 */
#ifndef PNYX_API_AUDIT_KEY_H
#define PNYX_API_AUDIT_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/audit/note.h"
#include "db/db.h"
#include "platform/compiler.h"
#include "platform/config.h"

/* The loaded key, immutable once loaded. */
struct audit_signing {
    struct note_signer signer;
    char vkey[NOTE_VKEY_MAX];             /* "<name>+<key id>+<base64 key>" */
    char origin[NOTE_ORIGIN_MAX - 40];    /* host part of checkpoint origins */
    char key_id[2 * NOTE_KEY_ID_LEN + 1]; /* 8 hex digits */
};

/* The signing key's file: cfg->signing_key_file, else
 * <data dir>/audit-signing.key. Writes into out (cap bytes). */
void audit_key_path(const struct pnyx_config *cfg, char *out, size_t cap) PNYX_NONNULL(1, 2);

/*
 * Loads the key from its file, creating it (mode 0600, the data directory
 * 0700) when there is none. Once per process (later calls return the first
 * result; the handlers call it lazily too). Returns 0, or -1 after
 * logging why ("signing key …"): main exits 2.
 */
int audit_key_init(const struct pnyx_config *cfg) PNYX_NONNULL(1) PNYX_MUSTCHECK;

/* The loaded key, or NULL when audit_key_init failed (answer 503). */
const struct audit_signing *audit_key_get(const struct pnyx_config *cfg) PNYX_NONNULL(1);

/*
 * `pnyxd keygen`: creates a new key file at audit_key_path (its directory
 * 0700 if missing). Refuses an existing file unless force. On success
 * writes the new key's vkey into vkey (cap bytes). Returns 0, 1 when a
 * file exists (no force), -1 on failure; err gets one line of reason.
 */
int audit_key_generate(const struct pnyx_config *cfg, bool force, char *vkey, size_t cap, char *err,
                       size_t errlen) PNYX_NONNULL(1, 3, 5) PNYX_MUSTCHECK;

/*
 * `pnyxd serve`'s start: several nodes, one key. Loads the key file
 * (audit_key_init), creating it only when the database records no key yet
 * (a new deployment's first start), and records the loaded key as the
 * deployment's when none is recorded, else compares. Returns DB_OK when
 * this node's key is the deployment's; DB_REFUSED (err: one line) when it
 * is not, when the file is missing but the database records a key, or
 * when the file is unusable (the log says why); or a database failure.
 */
enum db_status audit_key_start(struct db_conn *c, const struct pnyx_config *cfg, char *err,
                               size_t errlen) PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/*
 * The key to sign a NEW checkpoint with (reads of signed checkpoints do
 * not come here): the loaded key, when the database still records it as
 * the deployment's — checked on every call (one query; a new signature is
 * rare: once per log size). NULL otherwise, with *st DB_REFUSED and *why
 * (static, client-safe) when the database records another key or none
 * (logged at error with both keys), or the database's status when it
 * cannot be asked. Also notices when the key file was replaced or made
 * unreadable since the start, and says so in the log once per change: the
 * key loaded at start stays in use (the file is read only at start).
 * Thread-safe.
 */
const struct audit_signing *audit_key_for_signing(struct db_conn *c, struct arena *a,
                                                  const struct pnyx_config *cfg, enum db_status *st,
                                                  const char **why) PNYX_NONNULL(1, 2, 3, 4, 5);

#endif /* PNYX_API_AUDIT_KEY_H */
