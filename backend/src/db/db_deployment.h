/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_deployment.h — facts about the whole deployment that every node
 * must agree on (sql/004_signing_key.sql): today the checkpoint signing
 * key's verifier key.
 */
#ifndef PNYX_DB_DB_DEPLOYMENT_H
#define PNYX_DB_DB_DEPLOYMENT_H

#include "db/db.h"

/*
 * Records (key_id, vkey) as the deployment's signing key when none is
 * recorded, in one statement, and sets *recorded to the vkey the database
 * holds afterwards (this one on a first start, else the earlier node's;
 * arena string). Concurrent first starts agree: the row is unique.
 */
enum db_status db_signing_key_claim(struct db_conn *c, struct arena *a, const char *key_id,
                                    const char *vkey, const char **recorded)
    PNYX_NONNULL(1, 2, 3, 4, 5) PNYX_MUSTCHECK;

/* The recorded deployment key's vkey into *recorded (arena string), or
 * DB_NOT_FOUND when none is recorded yet. */
enum db_status db_signing_key_recorded(struct db_conn *c, struct arena *a, const char **recorded)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_DEPLOYMENT_H */
