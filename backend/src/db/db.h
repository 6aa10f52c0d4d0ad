/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db.h — the only interface to PostgreSQL (db/ is the only libpq user).
 *
 * One connection per worker thread (libpq forbids concurrent use of one
 * PGconn): db_thread_conn() returns this thread's struct db_conn, created on
 * first use and closed at thread exit. The connection is opened lazily by
 * the first query and checked at every checkout (db_checkout, called by the
 * http layer before each handler); after the database restarts the next
 * checkout reconnects transparently. A query on a lost connection returns
 * DB_UNAVAILABLE and the handler replies 503 (api_problem_db).
 *
 * Results are copied into the caller's arena (struct db_result): a PGresult
 * never leaves db/. All SQL is parameterised (text-format parameters); no
 * SQL is ever built from input. Statements used on hot paths should be
 * declared once as `static const struct db_stmt` and run with db_query_stmt,
 * which prepares them per connection on first use.
 */
#ifndef PNYX_DB_DB_H
#define PNYX_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/arena.h"
#include "platform/compiler.h"

struct db_conn;

enum db_status {
    DB_OK = 0,
    DB_NOT_FOUND,   /* db_query_one found no row (or a caller's "no such thing") */
    DB_CONFLICT,    /* SQLSTATE 23505 unique_violation; see db_constraint() */
    DB_SOFT_ERROR,  /* 40001 serialization_failure / 40P01 deadlock: retry */
    DB_HARD_ERROR,  /* anything else: a bug or a constraint the code should have checked */
    DB_UNAVAILABLE, /* connection lost / cannot connect / server shutting down: reply 503 */
    DB_REFUSED,     /* a transaction body refused the change (authorisation, a rule on the
                     * current state such as the last convener): not a database failure,
                     * never retried; the body keeps its reason in its closure (api/ maps
                     * it to 403/404/409). See "transactions" below. */
};

/* Returns a static name like "DB_CONFLICT". */
const char *db_status_name(enum db_status st);

/* Classifies a five-character SQLSTATE (NULL = no state: connection-level
 * failure → DB_UNAVAILABLE). 23505 → CONFLICT; 40001, 40P01 → SOFT; class
 * 08 (connection), 57P01..57P03 (shutdown, cannot connect now), 53300 (too
 * many connections), 53100 (disk full), 25006 (read-only server: a standby
 * or a demoted primary, issue 15) → UNAVAILABLE; else HARD. Pure function. */
enum db_status db_classify_sqlstate(const char *sqlstate);

/* A statement declared once by its caller (name must be unique process-wide,
 * prefix it with the module: "account_by_email"). */
struct db_stmt {
    const char *name;
    const char *sql;
    int nparams;
};

/* A result copied into an arena. values[row * ncols + col] is a
 * NUL-terminated text value, or NULL for SQL NULL. */
struct db_result {
    int nrows;
    int ncols;
    char **values;
    int64_t affected; /* rows affected by INSERT/UPDATE/DELETE (PQcmdTuples) */
};

/* --- process setup (main thread, before workers start) ------------------- */

/* Stores a copy of the connection string ("" = libpq defaults). Call once. */
void db_global_init(const char *conninfo);
/* Whether each new primary connection runs the hot statements once
 * (the session lookup and the cast's, inertly: db_warm.c) before its first
 * query, so the first requests do not pay the backend's catalog reads and
 * the statements' preparation (~30 ms a connection, measured). pnyxd
 * turns it on; off by default (tests, the CLI). */
void db_set_warm(bool on);
/* Counter of database errors (all statuses but OK/NOT_FOUND), for /metrics. */
uint64_t db_error_count(void);

/*
 * The wait bound (issue 13). A database that is alive but silent (SIGSTOP,
 * a stalled disk, a partition without RST) would otherwise hold every pool
 * thread, and every request behind it, for as long as it stays silent.
 * When one statement has waited `ms` for its answer, a watchdog thread
 * pings the server on a fresh connection (PQpingParams, connect_timeout
 * DB_PING_TIMEOUT_S). If the server answers, the statement is merely long
 * (a seal of 1,000,000 ballots) and gets another `ms`; if not, every
 * statement past its bound is cut (shutdown(2) of its socket: libpq's
 * blocked read returns at once) and fails with DB_UNAVAILABLE, i.e. 503 +
 * Retry-After. So a request waiting on a silent database is answered
 * within ms + DB_PING_TIMEOUT_S s (+ a 100 ms tick) of its statement's
 * start. With several hosts listed (issue 15) the ping goes to the server
 * the overdue statement waits on (after a failover the list finds another
 * one, which must not make a statement stuck on the old one "long"), and
 * is a real connection when target_session_attrs asks for a kind of
 * server (a standby answers a ping too). A COMMIT cut this way may have
 * committed: clients retry the 503 with the same Idempotency-Key. ms = 0
 * (the default until called) turns it off. Set once at start
 * (PNYX_DB_TIMEOUT); starts the watchdog.
 */
#define DB_PING_TIMEOUT_S 2
void db_set_wait_bound(unsigned ms);
/* Statements cut by the wait bound so far (tests, logs). */
uint64_t db_wait_cuts(void);
/* Times the watchdog saw the database answer again after finding it down
 * (silent or refusing): background workers in their error backoff retry at
 * once when it changes (api/worker.c), instead of sleeping up to 30 s. */
uint64_t db_recoveries(void);

/* --- per-thread connection ----------------------------------------------- */

/* Returns this thread's connection object (never NULL; not yet connected
 * maybe). Owned by the thread; freed at thread exit (or db_thread_close). */
struct db_conn *db_thread_conn(void);
/* Closes and frees this thread's connection now (e.g. CLI before exit). */
void db_thread_close(void);
/* Called before each request: if the connection is broken, drop it so the
 * next query reconnects. Cheap (no round trip). Returns the connection. */
struct db_conn *db_checkout(void);
/* Ensures a live connection (connecting if needed): DB_OK or DB_UNAVAILABLE. */
enum db_status db_connect(struct db_conn *c) PNYX_NONNULL(1) PNYX_MUSTCHECK;
/* SELECT 1 round trip: DB_OK or DB_UNAVAILABLE. */
enum db_status db_ping(struct db_conn *c) PNYX_NONNULL(1) PNYX_MUSTCHECK;

/*
 * Read connections (issue 15, PNYX_DATABASE_READ_URL): an optional second
 * connection per thread to a server that may lag the primary (a hot
 * standby), for reads that tolerate a bounded lag. Only the handlers the
 * route table marks use it (api/routes.c, api_dispatch), and they fall
 * back to the primary on any answer but success. A read connection never
 * sets or obeys the primary's "down" state; after it fails (connect,
 * statement cut by the wait bound without a ping), no thread tries it for
 * a second and reads go to the primary.
 */
/* Stores the read connection string (NULL or "" = none). Call once at
 * start, before workers start. */
void db_global_init_read(const char *conninfo);
bool db_read_configured(void);
/* This thread's read connection, prepared for a request like db_checkout,
 * or NULL (no read URL, or it failed less than a second ago): use the
 * primary's. One pointer comparison when no read URL is set. */
struct db_conn *db_read_checkout(void);
/* Counts a read served by the read connection (true) or sent back to the
 * primary (false); the totals are in /metrics. */
void db_read_note(bool served);
uint64_t db_read_served(void);
uint64_t db_read_fallbacks(void);

/* --- queries --------------------------------------------------------------- */

/* Runs sql with text parameters (params borrowed, NULL entries = SQL NULL).
 * On DB_OK, *out (may be NULL if no rows wanted) holds an arena copy. On
 * error *out is zeroed; the SQLSTATE and constraint are kept on c (below)
 * and the failure is logged (statement name, SQLSTATE, primary message). */
enum db_status db_query(struct db_conn *c, struct arena *a, const char *sql, int nparams,
                        const char *const *params, struct db_result *out)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;
/* Same for a declared statement, prepared on this connection on first use. */
enum db_status db_query_stmt(struct db_conn *c, struct arena *a, const struct db_stmt *stmt,
                             const char *const *params, struct db_result *out)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;
/* db_query_stmt expecting at most one row: 0 rows → DB_NOT_FOUND. */
enum db_status db_query_one(struct db_conn *c, struct arena *a, const struct db_stmt *stmt,
                            const char *const *params, struct db_result *out)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* SQLSTATE of the last failed query on c ("" if none / connection-level). */
const char *db_sqlstate(const struct db_conn *c) PNYX_NONNULL(1);
/* Constraint name of the last failed query (e.g. which unique index), or "". */
const char *db_constraint(const struct db_conn *c) PNYX_NONNULL(1);

/* --- result accessors (borrowed strings, live as long as the arena) ------ */
const char *db_value(const struct db_result *r, int row, int col) PNYX_NONNULL(1);
bool db_is_null(const struct db_result *r, int row, int col) PNYX_NONNULL(1);
/* Parses an int8/int4 column: 0, or -1 on NULL/garbage. */
int db_get_i64(const struct db_result *r, int row, int col, int64_t *out)
    PNYX_NONNULL(1, 4) PNYX_MUSTCHECK;
/* Parses a boolean column ("t"/"f"): 0, or -1. */
int db_get_bool(const struct db_result *r, int row, int col, bool *out)
    PNYX_NONNULL(1, 4) PNYX_MUSTCHECK;
/* Formats v as a parameter string in the arena. */
const char *db_param_i64(struct arena *a, int64_t v) PNYX_NONNULL(1);

/* --- transactions ----------------------------------------------------------- */

/*
 * Transaction body: run queries on c; return DB_OK to commit, DB_REFUSED
 * when the body decides the change must not happen (its reason kept in
 * cls), anything else to roll back. A body MUST NOT write the HTTP reply
 * nor keep side effects outside the database that a second run would
 * duplicate: bodies may run more than once (soft-failure retries, a group
 * batch rerun with savepoints, and twice every time in the test build, see
 * PNYX_TXN_RUN_TWICE below).
 *
 * Outcomes, and what they cost the transaction the body runs in:
 *   DB_OK       the body's writes (and deferred audit entries) commit;
 *   DB_REFUSED  this body's writes are undone and nothing else: in a
 *               group batch the other bodies still commit, and a body that
 *               refused before writing anything costs no rollback at all
 *               (db/README.md);
 *   DB_SOFT_ERROR  the body runs again (bounded, DB_TXN_MAX_ATTEMPTS);
 *   other       the body's work is rolled back and the status returned.
 */
typedef enum db_status (*db_txn_fn)(struct db_conn *c, void *cls);
/*
 * A body's reset step: called before EVERY run of the body (the first
 * included), so the body starts from the same closure state each time:
 * clear the outputs and refusal reason it sets in cls, never the inputs.
 * NULL only for a body that writes nothing into cls.
 */
typedef void (*db_reset_fn)(void *cls);

/* Test builds: when true (config txn_run_twice, env PNYX_TXN_RUN_TWICE=1),
 * every body runs twice inside its transaction: reset, run, roll back to a
 * savepoint (dropping the deferred audit entries of that run), reset, run
 * again; the second run's outcome counts. A body that is not re-runnable
 * then shows up as a wrong answer or a duplicated audit entry in the
 * integration tests, and a status that differs between the two runs is
 * logged as an error ("txn-twice"). Set once at start, before any
 * transaction. Costs nothing when false. */
void db_set_run_twice(bool on);
bool db_run_twice(void);

enum db_isolation {
    DB_READ_COMMITTED = 0,
    DB_REPEATABLE_READ,
    DB_SERIALIZABLE,
};

/* Number of attempts db_run_txn makes on DB_SOFT_ERROR. Why 5: a
 * serialization failure or deadlock means another transaction touched the
 * same rows; each retry sees its committed result and nearly always
 * succeeds, so two or three attempts cover real contention. Bounding it
 * keeps a request's latency bounded (and a pool thread from spinning) under
 * pathological contention: after the last attempt the caller gets
 * DB_SOFT_ERROR and answers 503 with Retry-After. */
#define DB_TXN_MAX_ATTEMPTS 5

/* BEGIN (READ COMMITTED) … cb … COMMIT, retrying on 40001/40P01 up to
 * DB_TXN_MAX_ATTEMPTS times (also when COMMIT itself fails softly). `name`
 * (static string) appears in logs. Returns cb's status or the failure. */
enum db_status db_run_txn(struct db_conn *c, const char *name, db_txn_fn cb, db_reset_fn reset,
                          void *cls) PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;
/* Most bodies one group-committed transaction runs. Why 32: PostgreSQL
 * caches 64 subtransaction ids per backend before other sessions'
 * snapshots must look them up in pg_subtrans; 32 savepoints stay well
 * inside, and a batch of 32 already amortises one flush over 32 changes. */
#define DB_GROUP_MAX_BATCH 32
/* Most deferred items (audit entries, db_commit_hook) one body may
 * register: a body that registers more fails with DB_HARD_ERROR. Why 4:
 * today's bodies append one entry each; a change that also records a
 * consequence (a member leaving ends their invitations) needs two, and
 * DB_GROUP_MAX_BATCH bodies at this limit must fit the hook's fixed
 * per-thread list (api/audit_writer.c checks that at compile time). */
#define DB_TXN_MAX_DEFERRED 4
/* The same for a body run alone (db_run_txn*, not grouped): a tally that
 * adopts and rejects the proposals of up to 100 options appends one entry
 * each (issue 11). Bounded by api/audit_writer.c's per-thread list. */
#define DB_TXN_MAX_DEFERRED_ALONE 128

/*
 * What a group of transactions serialises on: the row every body of the
 * group locks first (an assembly's audit log head; a question's ballot
 * box). Two keys are equal when kind and id are; ids of different kinds
 * never share a group.
 */
enum db_group_kind {
    DB_GROUP_ASSEMBLY = 1, /* id = assembly id: changes that append to its audit log */
    DB_GROUP_QUESTION,     /* id = question id: ballots cast on one question */
};
struct db_group_key {
    enum db_group_kind kind;
    int64_t id;
};
/* The key of assembly aid's changes. */
static inline struct db_group_key db_group_assembly(int64_t aid)
{
    return (struct db_group_key){.kind = DB_GROUP_ASSEMBLY, .id = aid};
}

/*
 * Like db_run_txn for bodies that serialise on one key (an assembly's audit
 * log head): bodies of concurrent callers with the same key run in one
 * transaction, each under its own savepoint, committed once (group commit,
 * db_group.c). cb may run on another caller's thread and connection while
 * this thread waits, so it must use only c and cls (never the thread's own
 * connection or thread-locals other than the log's request id); cls, and
 * what it points to, must stay valid until this returns. Returns cb's
 * status for this caller's body, or the failure. A thread that blocks here
 * MUST NOT also own parked items (below): one of them could be handed the
 * lead and wait for this thread, which waits for it.
 */
enum db_status db_run_txn_grouped(struct db_conn *c, struct db_group_key key, const char *name,
                                  db_txn_fn cb, db_reset_fn reset, void *cls)
    PNYX_NONNULL(1, 3, 4) PNYX_MUSTCHECK;
/*
 * The same, for a caller that must not block its thread while another
 * caller's batch runs (an http worker serving many connections):
 *
 *   it = db_group_item_new(arena, key, name, cb, reset, cls);
 *   db_group_item_park(it, park, wake, wake_cls);
 *   if (db_group_submit(c, it, &st)) → finished (st), possibly as leader
 *   else → parked: later wake(wake_cls), then db_group_continue(c, it, &st)
 *
 * The item (and cls) live in arena, which must outlive the item's use:
 * from a false submit until db_group_continue returns true, never free it
 * (db_group_abandon is the only other exit, see below).
 */
struct db_group_item;
/* Allocates an item in a (NEW; arguments as db_run_txn_grouped's). */
struct db_group_item *db_group_item_new(struct arena *a, struct db_group_key key, const char *name,
                                        db_txn_fn cb, db_reset_fn reset, void *cls)
    PNYX_NONNULL(1, 3, 4);
/*
 * A batch body: the bodies of n items (n >= 2, each with this same batch
 * function) of one batch at once, in the batch's open transaction, e.g. as
 * ONE multi-row statement instead of one statement per body. cls[i] is
 * item i's closure (in arrival order), already reset (db_reset_fn). DB_OK:
 * every st[i] is set, DB_OK (item i's change is made) or DB_REFUSED (item
 * i's refusal is in its closure and nothing of it was written), and the
 * batch commits as one. Any other status: the leader rolls the whole
 * transaction back and runs the items one by one (each body under its own
 * savepoint, as for items without a batch function), so a batch body may
 * give up whenever one item would need its own rollback or fails; it must
 * then not have changed anything outside the transaction. A batch body may
 * defer audit entries (api_audit_append; at most DB_TXN_MAX_DEFERRED per
 * item), appended in the order it defers them, e.g. item by item in
 * arrival order as the per-item bodies would. Like bodies, batch bodies
 * may run more than once (twice in the test build).
 * Once a batch body that deferred nothing returned DB_OK the group's next
 * batch may start before this one's COMMIT (db_group.c): its writes must
 * be ordered against a concurrent batch of the same key by the row locks
 * they take (and never wait for a lock the next batch could hold). A batch
 * that deferred entries keeps the lead until its COMMIT, as per-item
 * batches do.
 */
typedef enum db_status (*db_batch_fn)(struct db_conn *c, void *const *cls, enum db_status *st,
                                      size_t n);
/* Gives the item a batch body (before db_group_submit). A batch whose
 * items all share fn runs it once for all of them; a mixed batch, or one
 * item alone, runs the per-item bodies. */
void db_group_item_batch(struct db_group_item *it, db_batch_fn fn) PNYX_NONNULL(1, 2);
/* An item with a batch body also never leads a batch on its submitter's
 * thread while runners run (db_group_start): submitted to an idle group it
 * parks and a runner leads (one thread hop), as when the group is busy.
 * Why (ballots, comments): a submitter that leads on an http thread holds
 * that thread through the statement and the COMMIT's WAL flush, and none
 * of the thread's other connections is even read meanwhile, so whether
 * batches form depended on how the clients' connections fell on the http
 * threads (with one thread, none formed: bench/questions/README.md). Needs
 * a park function (without one, or when the park is refused, the item
 * leads as before). */
/* park(wake_cls) is called, under the group lock and on the submitting
 * thread, when the item would have to wait: it returns true when the caller
 * parks (db_group_submit then returns false at once), false to run the
 * body alone in its own transaction (still correct, just not batched). After a true park,
 * wake(wake_cls) is called exactly once, from any thread and without the lock, when the caller
 * should call db_group_continue. */
void db_group_item_park(struct db_group_item *it, bool (*park)(void *wake_cls),
                        void (*wake)(void *wake_cls), void *wake_cls) PNYX_NONNULL(1, 2, 3);
/* Runs or queues the item. true: finished, *st = the body's status (the
 * caller may have led a batch on c meanwhile). false: parked (see above). */
bool db_group_submit(struct db_conn *c, struct db_group_item *it, enum db_status *st)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;
/* After the wake: true with *st when finished — if the item was handed the
 * lead, this runs the next batch on c first (blocking, as a leader does).
 * false if the item is not ready (no wake happened yet). */
bool db_group_continue(struct db_conn *c, struct db_group_item *it, enum db_status *st)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;
/* The submitter is gone (its request ended) before db_group_continue: a
 * queued item leaves the queue, one handed the lead passes it on; its body
 * never runs. MUST NOT be called while the item's batch runs (that is,
 * between a false submit and the wake); no-op on a new or finished item. */
void db_group_abandon(struct db_group_item *it) PNYX_NONNULL(1);
/*
 * Starts up to n runner threads (at most 16), each with its own
 * connection, which lead the batches that queue up behind a running one,
 * so that no submitter's thread is ever handed a batch to run (see
 * db_group.c). Call once, with the stop signals blocked; returns how many
 * started (0: leads pass between submitters, still correct).
 */
unsigned db_group_start(unsigned n);
/* Runs what is queued, then joins the runners. After the last parked
 * submitter was answered (http_stop). */
void db_group_stop(void);
/*
 * Work a transaction defers to just before its COMMIT, still inside it: the
 * audit log collects a transaction's entries and appends them all there,
 * so a group-committed batch (above) locks each log head once and writes
 * its entries with one statement. The state is per thread (a batch's bodies
 * all run on its leader's thread). Registered once at start, before any
 * transaction; db_run_txn* call flush after the bodies succeed, mark/rewind
 * around a body rolled back to its savepoint, rewind(0) when a transaction
 * begins or fails.
 */
struct db_commit_hook {
    enum db_status (*flush)(struct db_conn *c);
    size_t (*mark)(void);
    void (*rewind)(size_t mark);
};
void db_set_commit_hook(const struct db_commit_hook *h);

/* True inside a transaction of c (also an aborted one). */
bool db_in_txn(const struct db_conn *c) PNYX_NONNULL(1);
/* Tells the transaction machinery that the body running on c changed rows
 * with a statement whose command tag does not say so (a SELECT over
 * data-modifying CTEs reports "SELECT n"): a refusal after it then rolls
 * the body back to its savepoint instead of keeping its writes. */
void db_note_write(struct db_conn *c) PNYX_NONNULL(1);

/* Same with an explicit isolation level. */
enum db_status db_run_txn_iso(struct db_conn *c, const char *name, enum db_isolation iso,
                              db_txn_fn cb, db_reset_fn reset, void *cls)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* --- migrations (db_migrate.c) ---------------------------------------------- */

/* Applies every sql_dir/NNN_name.sql not yet in schema_migrations, in
 * order, each in its own transaction (serialised across processes by an
 * advisory lock). Logs each file. Returns DB_OK, or the failure status
 * after logging the file and error; *applied (may be NULL) = count. */
enum db_status db_migrate_apply(struct db_conn *c, const char *sql_dir, int *applied)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;
/* Counts files in sql_dir not yet applied (without changing anything).
 * Returns DB_OK with *pending set, or a failure status. */
enum db_status db_migrate_pending(struct db_conn *c, const char *sql_dir, int *pending)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_H */
