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

/*
 * Runs one body inside the open transaction of c: reset, then the body
 * (twice with a savepoint in between when db_run_twice(), see db.h).
 * Returns the body's status. DB_REFUSED from a body that wrote rows is
 * returned as is; *wrote (may be NULL) tells whether the (last) run
 * changed any row, so the caller knows whether a refusal needs a rollback.
 */
enum db_status db_body_run(struct db_conn *c, const char *name, db_txn_fn cb, db_reset_fn reset,
                           void *cls, bool *wrote) PNYX_NONNULL(1, 2, 3);

/* Rows this connection has changed (INSERT/UPDATE/DELETE with a nonzero
 * count) since it was opened: a body wrote when the counter moved. */
uint64_t db_writes(const struct db_conn *c) PNYX_NONNULL(1);
/* db_warm.c: runs the hot statements once on c, writing nothing (db_set_warm). */
void db_warm_hot(struct db_conn *c) PNYX_NONNULL(1);

/* bytea in PostgreSQL's text hex form, for parameters and results read as
 * text: "\\x" + 2n lowercase hex digits (in a, NUL-terminated). */
const char *db_bytea_param(struct arena *a, const uint8_t *p, size_t n) PNYX_NONNULL(1);
/* Parses "\\x<hex>" of exactly n bytes into out: 0, or -1 (NULL, other
 * length, not hex). */
int db_bytea_fixed(const char *v, uint8_t *out, size_t n);
/* Parses "\\x<hex>" of any even length into a buffer of a: 0, or -1. */
int db_bytea_any(struct arena *a, const char *v, const uint8_t **out, size_t *n)
    PNYX_NONNULL(1, 3, 4);

/* Shared by db_*.c: SQL expression formatting a timestamptz column as
 * RFC 3339 UTC with second precision. */
#define DB_RFC3339(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#endif /* PNYX_DB_DB_INT_H */
