/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* db/db_int.h — internals shared inside db/ only (never included outside). */
#ifndef PNYX_DB_DB_INT_H
#define PNYX_DB_DB_INT_H

#include "db/db.h"

/* Runs a multi-statement SQL script with the simple query protocol (no
 * parameters; for trusted files from sql/ only). */
enum db_status db_exec_script(struct db_conn *c, const char *sql, const char *name)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_INT_H */
