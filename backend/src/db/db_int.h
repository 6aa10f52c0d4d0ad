/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* db/db_int.h — internals shared inside db/ only (never included outside). */
#ifndef PNYX_DB_DB_INT_H
#define PNYX_DB_DB_INT_H

#include "db/db.h"

/* Runs a multi-statement SQL script with the simple query protocol (no
 * parameters; for trusted files from sql/ only). */
enum db_status db_exec_script(struct db_conn *c, const char *sql, const char *name)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* Runs a transaction-control statement (BEGIN, SAVEPOINT, COMMIT, …),
 * connecting first if needed. */
enum db_status db_control(struct db_conn *c, const char *sql, const char *name)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* The registered db_commit_hook's operations (no-ops without one). */
enum db_status db_deferred_flush(struct db_conn *c) PNYX_NONNULL(1) PNYX_MUSTCHECK;
size_t db_deferred_mark(void);
void db_deferred_rewind(size_t mark);

#endif /* PNYX_DB_DB_INT_H */
