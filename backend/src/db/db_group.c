/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db_group.c — group commit for transactions that serialise on one row.
 *
 * Every change to an assembly appends to its audit log, and appends lock the
 * log head until COMMIT, so one assembly's changes commit one after another,
 * each waiting for its own WAL flush: ~1,000/s however many clients write.
 * Here the threads that want to change the same assembly at the same time
 * hand their transaction bodies to one leader, which runs them all in ONE
 * transaction (each under its own savepoint, so one body's failure undoes
 * that body only) and commits once. Each body still commits atomically with
 * its own audit entry; bodies run in arrival order, so the log order is the
 * order of effects. The leader's thread is blocked meanwhile anyway: it
 * would otherwise wait for the same lock.
 *
 * A caller that finds a batch running either blocks on a condition
 * variable (db_run_txn_grouped) or parks (db_group_submit with a park
 * function: the http layer suspends the connection and frees its thread)
 * and is woken when its item is done or when it is to lead the next batch.
 *
 * Every batch keeps its group's lead until it has committed: batches that
 * append audit entries must (their log appends, and the order of their
 * effects against the log's, are ordered by it), and a batch body that
 * appends nothing (ballots) gains nothing measurable from passing it
 * before its COMMIT. That was tried (pass_early, until 2026-12-04): two
 * batches of one question overlapped, each smaller (~24-28 instead of
 * ~31 casts a commit), and on two cores, where pnyxd, PostgreSQL and the
 * clients already share the CPU, casts were ~40 % slower than with the
 * lead kept (medians of 14 rounds each, bench/questions/README.md): items
 * queued during a COMMIT join the next, fuller batch.
 *
 * Who runs the next batch: a caller that finds its group idle leads at
 * once on its own thread (no hand-off at low load), unless its item has a
 * batch body (db_group_item_batch: ballots and comments), which parks it
 * and gives the idle group to a runner: an http
 * thread that leads holds all its connections unread through the
 * statement and the WAL flush, so with one http thread every cast led
 * alone (1,473-1,539 casts/s, wrk p99 63-89 ms; with the hand-off
 * 6,662-10,077/s, 16-24 ms, bench/questions/README.md). When that batch ends
 * with items queued, the group goes to a runner thread (db_group_start),
 * which keeps running batches while items arrive. Handing the lead to a
 * queued request instead would block that request's http thread, whose
 * other connections then could not even be read to join the batch: with
 * two threads and 16 writers, batches of ~10 when the connections happen
 * to be spread evenly and ~2 when not (measured 1,000-1,400 appends/s in
 * 1 run of 5, 2,500-3,200 in the others). Without runners (none started,
 * or stopping) the lead passes to the first queued item as before.
 *
 * Ownership: an item lives on its blocked caller's stack or in its parked
 * request's arena; the leader uses the item's body and closure (and through
 * it the submitter's arena) only while the item is RUNNING, and never after
 * moving it to DONE (and, for a parked item, calling its wake). The mutex
 * orders every hand-over, and every function that takes it releases it
 * itself (take_batch/take_lead only collect under the caller's lock;
 * finish_batch locks for the hand-over after running). README.md in this
 * folder draws the states, the leads and a batch's passes.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "db/db.h"
#include "db/db_int.h"
#include "platform/log.h"
#include "platform/metrics.h"

/* The batch size is DB_GROUP_MAX_BATCH (db.h, with its why). */
#define GROUP_MAX_BATCH DB_GROUP_MAX_BATCH
#define GROUP_BUCKETS   64

/*
 * An item's states (the transitions, all under g_mu, are checked by move()):
 *
 *   NEW     -> RUNNING  submitted to an idle group: its caller leads
 *   NEW     -> QUEUED   submitted while a batch runs: its caller parks (or
 *                       blocks on a condition variable)
 *   NEW     -> DONE     ran alone, outside the group (out of memory, or a
 *                       park refused: see db_group_submit)
 *   QUEUED  -> RUNNING  a leader took it into its batch
 *   QUEUED  -> LEAD     the leader before it finished: its caller leads next
 *   LEAD    -> RUNNING  its caller runs the next batch
 *   RUNNING -> DONE     the batch ended; st is final
 *   QUEUED, LEAD -> DONE  abandoned (db_group_abandon): its body never ran
 *
 * Leaving QUEUED or RUNNING for LEAD or DONE notifies the waiter once: a
 * blocked thread's condition variable, or a parked caller's wake function
 * (called after g_mu is released; the item is not touched afterwards).
 */
enum item_state { ITEM_NEW, ITEM_QUEUED, ITEM_RUNNING, ITEM_LEAD, ITEM_DONE, ITEM__COUNT };

static const bool item_moves[ITEM__COUNT][ITEM__COUNT] = {
    [ITEM_NEW] = {[ITEM_RUNNING] = true, [ITEM_QUEUED] = true, [ITEM_DONE] = true},
    [ITEM_QUEUED] = {[ITEM_RUNNING] = true, [ITEM_LEAD] = true, [ITEM_DONE] = true},
    [ITEM_LEAD] = {[ITEM_RUNNING] = true, [ITEM_DONE] = true},
    [ITEM_RUNNING] = {[ITEM_DONE] = true},
};

struct db_group_item {
    enum item_state state;
    struct db_group_key key;
    db_txn_fn cb;
    db_batch_fn batch; /* NULL: per-item bodies only */
    db_reset_fn reset;
    void *cls;
    const char *name;
    const char *rid; /* the submitter's request id, for the leader's log lines */
    enum db_status st;
    struct group *g;    /* set while not NEW nor DONE */
    pthread_cond_t *cv; /* a blocked submitter's, else NULL */
    bool (*park)(void *wake_cls);
    void (*wake)(void *wake_cls);
    void *wake_cls;
    struct db_group_item *next;
};

struct group {
    struct db_group_key key;
    bool busy;                         /* a leader is running (or about to run) a batch */
    struct db_group_item *head, *tail; /* QUEUED, in arrival order; non-empty only if busy */
    struct group *next;
    struct group *ready_next; /* on the runners' list (busy, no leader yet) */
};

/* A parked submitter to wake once g_mu is released. */
struct wake {
    void (*fn)(void *cls);
    void *cls;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct group *g_buckets[GROUP_BUCKETS];
static struct group *g_spare; /* freed groups, reused (no malloc when warm) */

/* Runner threads (db_group_start/stop), all state under g_mu. A group is on
 * the ready list when it is busy, has queued items and no leader: the first
 * free runner leads it. */
#define GROUP_MAX_RUNNERS 16
static pthread_t g_runner[GROUP_MAX_RUNNERS];
static unsigned g_nrunners;
static bool g_runners_on; /* runners take new work; false once stopping */
static pthread_cond_t g_ready_cv = PTHREAD_COND_INITIALIZER;
static struct group *g_ready_head, *g_ready_tail;

static bool key_eq(struct db_group_key a, struct db_group_key b)
{
    return a.kind == b.kind && a.id == b.id;
}

static struct group **bucket_of(struct db_group_key key)
{
    uint64_t h = ((uint64_t)key.id ^ ((uint64_t)key.kind << 56)) * 0x9e3779b97f4a7c15ull;
    return &g_buckets[h >> 58];
}

/* Under g_mu. NULL only when out of memory. */
static struct group *group_get(struct db_group_key key)
{
    struct group **b = bucket_of(key);
    for (struct group *g = *b; g; g = g->next) {
        if (key_eq(g->key, key))
            return g;
    }
    struct group *g = g_spare;
    if (g) {
        g_spare = g->next;
    } else if (!(g = malloc(sizeof *g))) {
        return NULL;
    }
    *g = (struct group){.key = key, .next = *b};
    *b = g;
    return g;
}

/* Under g_mu: forgets a group that is no longer busy (its queue is empty). */
static void group_forget(struct group *g)
{
    struct group **p = bucket_of(g->key);
    while (*p != g)
        p = &(*p)->next;
    *p = g->next;
    g->next = g_spare;
    g_spare = g;
}

/* Under g_mu. A move outside the table means a leader and a submitter
 * disagree about who owns the item: stop before memory is shared wrongly. */
static void move(struct db_group_item *it, enum item_state to)
{
    if (!item_moves[it->state][to]) {
        log_error("group: item %s moves from state %d to %d", it->name, (int)it->state, (int)to);
        abort();
    }
    it->state = to;
}

static void enqueue(struct group *g, struct db_group_item *it)
{
    move(it, ITEM_QUEUED);
    it->next = NULL;
    if (g->tail)
        g->tail->next = it;
    else
        g->head = it;
    g->tail = it;
}

static struct db_group_item *dequeue(struct group *g)
{
    struct db_group_item *it = g->head;
    g->head = it->next;
    if (!g->head)
        g->tail = NULL;
    it->next = NULL;
    return it;
}

/* Under g_mu, after a move to LEAD or DONE: tells the item's waiter. */
static void notify(struct db_group_item *it, struct wake *wakes, size_t *nw)
{
    if (it->cv) {
        pthread_cond_signal(it->cv);
    } else if (it->wake) {
        wakes[(*nw)++] = (struct wake){it->wake, it->wake_cls};
    }
}

/* Under g_mu: a runner leads g's next batch (g stays busy meanwhile). */
static void schedule(struct group *g)
{
    g->ready_next = NULL;
    if (g_ready_tail)
        g_ready_tail->ready_next = g;
    else
        g_ready_head = g;
    g_ready_tail = g;
    pthread_cond_signal(&g_ready_cv);
}

/* Under g_mu, when a leader is done: a runner or the first queued item
 * leads next, or the group goes idle. */
static void pass_lead(struct group *g, struct wake *wakes, size_t *nw)
{
    if (g->head && g_runners_on) {
        schedule(g);
    } else if (g->head) {
        struct db_group_item *next = dequeue(g);
        move(next, ITEM_LEAD);
        notify(next, wakes, nw);
    } else {
        g->busy = false;
        group_forget(g);
    }
}

static void run_wakes(const struct wake *wakes, size_t nw)
{
    for (size_t i = 0; i < nw; i++)
        wakes[i].fn(wakes[i].cls);
}

/* Runs it's body (reset first) in the open transaction; *wrote tells
 * whether it changed rows. */
static enum db_status run_one_body(struct db_conn *c, struct db_group_item *it, bool *wrote)
{
    const char *own = log_request_id();
    log_set_request_id(it->rid);
    enum db_status st = db_body_run(c, it->name, it->cb, it->reset, it->cls, wrote);
    log_set_request_id(own);
    return st;
}

static void run_alone(struct db_conn *c, struct db_group_item *it)
{
    const char *own = log_request_id();
    log_set_request_id(it->rid);
    it->st = db_run_txn(c, it->name, it->cb, it->reset, it->cls);
    log_set_request_id(own);
}

/*
 * Runs items[0..n) in one transaction, each body under its own savepoint:
 * a body that fails is rolled back to its savepoint and the others commit;
 * one that refused without writing needs not even that.
 * A soft failure (deadlock, serialisation) of a body or of the COMMIT is
 * retried alone afterwards with db_run_txn's own retries.
 */
static void run_batch_savepoints(struct db_conn *c, struct db_group_item **items, size_t n)
{
    bool retry[GROUP_MAX_BATCH] = {false};
    db_deferred_rewind(0);
    enum db_status st = db_control(c, "BEGIN ISOLATION LEVEL READ COMMITTED", "group");
    for (size_t i = 0; i < n; i++) {
        if (st != DB_OK) {
            items[i]->st = st;
            continue;
        }
        /* Savepoints are not released: RELEASE frees nothing the COMMIT
         * does not, and would cost a round trip per body. */
        size_t mark = db_deferred_mark();
        bool wrote = false;
        enum db_status s = db_control(c, "SAVEPOINT pnyx_group", "group");
        if (s == DB_OK)
            s = run_one_body(c, items[i], &wrote);
        items[i]->st = s;
        if (s == DB_OK)
            continue;
        if (s == DB_REFUSED && !wrote) {
            db_deferred_rewind(mark); /* nothing written: no rollback */
            continue;
        }
        if (s == DB_UNAVAILABLE) {
            st = s; /* the connection is gone and the transaction with it */
            continue;
        }
        db_deferred_rewind(mark);
        enum db_status rb = db_control(c, "ROLLBACK TO SAVEPOINT pnyx_group", "group");
        if (rb != DB_OK) {
            st = rb;
        } else if (s == DB_SOFT_ERROR) {
            retry[i] = true;
        }
    }
    if (st == DB_OK)
        st = db_deferred_flush(c);
    if (st == DB_OK)
        st = db_control(c, "COMMIT", "group");
    else if (db_in_txn(c) && db_control(c, "ROLLBACK", "group") != DB_OK)
        log_warn("group: rollback failed");
    db_deferred_rewind(0);
    if (st != DB_OK) {
        /* Nothing of the batch committed: a body that had succeeded gets
         * another chance alone when the failure was soft, else the error.
         * So does one that refused: it may have decided on an earlier
         * body's change, which is gone. */
        for (size_t i = 0; i < n; i++) {
            if (items[i]->st == DB_OK || items[i]->st == DB_REFUSED) {
                items[i]->st = st;
                retry[i] = st == DB_SOFT_ERROR;
            }
        }
    }
    metrics_db_group_batch(n);
    for (size_t i = 0; i < n; i++) {
        if (retry[i]) {
            run_alone(c, items[i]);
        }
    }
}

/* Resets every item, then runs their batch body once; st[] as db_batch_fn.
 * The body may defer as many items (audit entries) as its items could one
 * by one: a full batch then still fits the audit writer's list. */
static enum db_status batch_once(struct db_conn *c, struct db_group_item **items, size_t n,
                                 void **cls, enum db_status *st)
{
    for (size_t i = 0; i < n; i++) {
        if (items[i]->reset)
            items[i]->reset(items[i]->cls);
        st[i] = DB_HARD_ERROR;
    }
    size_t mark = db_deferred_mark();
    enum db_status s = items[0]->batch(c, cls, st, n);
    if (s == DB_OK && db_deferred_mark() - mark > n * DB_TXN_MAX_DEFERRED) {
        log_error("group: batch body %s deferred more than %zu items", items[0]->name,
                  n * DB_TXN_MAX_DEFERRED);
        return DB_HARD_ERROR;
    }
    for (size_t i = 0; s == DB_OK && i < n; i++) {
        if (st[i] != DB_OK && st[i] != DB_REFUSED) {
            log_error("group: batch body %s answered %s for an item", items[0]->name,
                      db_status_name(st[i]));
            s = DB_HARD_ERROR;
        }
    }
    return s;
}

/* The batch body in the open transaction, twice with a savepoint in
 * between in the test build (as db_body_run does for a body). */
static enum db_status batch_run(struct db_conn *c, struct db_group_item **items, size_t n,
                                enum db_status *st)
{
    void *cls[GROUP_MAX_BATCH];
    for (size_t i = 0; i < n; i++)
        cls[i] = items[i]->cls;
    const char *own = log_request_id();
    log_set_request_id(items[0]->rid);
    enum db_status s;
    if (!db_run_twice()) {
        s = batch_once(c, items, n, cls, st);
    } else {
        enum db_status first[GROUP_MAX_BATCH];
        size_t mark = db_deferred_mark();
        s = db_control(c, "SAVEPOINT pnyx_twice", items[0]->name);
        enum db_status f = s == DB_OK ? batch_once(c, items, n, cls, first) : s;
        db_deferred_rewind(mark); /* the first run's entries go with its rows */
        if (s == DB_OK && f != DB_UNAVAILABLE)
            s = db_control(c, "ROLLBACK TO SAVEPOINT pnyx_twice", items[0]->name);
        else
            s = f;
        if (s == DB_OK) {
            s = batch_once(c, items, n, cls, st);
            for (size_t i = 0; s == DB_OK && f == DB_OK && i < n; i++) {
                if (st[i] != first[i])
                    log_error("txn-twice: batch body %s answered %s, then %s for item %zu",
                              items[0]->name, db_status_name(first[i]), db_status_name(st[i]), i);
            }
        }
    }
    log_set_request_id(own);
    return s;
}

/*
 * Runs items[0..n) (n >= 2, all with the same batch body) through their
 * batch body in one transaction. true: done, each item's st set. false:
 * the batch body gave up (or the flush or COMMIT failed) and nothing
 * committed: the caller runs the items one by one.
 *
 * A batch body that deferred audit entries has them flushed before the
 * COMMIT, in the order it appended them. The lead is still this batch's
 * (see the top): otherwise the next batch could make its changes before
 * this one's entries are in the log, and a fallback of this batch after a
 * failed COMMIT would append behind the next batch's entries.
 */
static bool run_batch_combined(struct db_conn *c, struct db_group_item **items, size_t n)
{
    enum db_status st[GROUP_MAX_BATCH];
    db_deferred_rewind(0);
    enum db_status s = db_control(c, "BEGIN ISOLATION LEVEL READ COMMITTED", "group");
    if (s == DB_OK)
        s = batch_run(c, items, n, st);
    if (s == DB_OK && db_deferred_mark() > 0)
        s = db_deferred_flush(c);
    if (s == DB_OK)
        s = db_control(c, "COMMIT", "group");
    if (s == DB_OK) {
        for (size_t i = 0; i < n; i++)
            items[i]->st = st[i];
        metrics_db_group_batch(n);
        metrics_db_group_combined(true);
        return true;
    }
    db_deferred_rewind(0);
    /* Also when the connection is gone: the ROLLBACK then sends nothing but
     * ends the transaction (db_control). Left open, every later BEGIN on
     * this connection failed at once, and a runner whose statement was cut
     * by pg_terminate_backend answered 503 to every batch from then on
     * (tests/reliability/fault_terminate, ASan pass, 2026-12-04). */
    if (db_in_txn(c) && db_control(c, "ROLLBACK", "group") != DB_OK)
        s = DB_UNAVAILABLE;
    if (s == DB_UNAVAILABLE) {
        /* the connection is gone: so is any chance of the per-item path */
        for (size_t i = 0; i < n; i++)
            items[i]->st = s;
        return true;
    }
    metrics_db_group_combined(false);
    log_info("group: batch body %s of %zu items gave up (%s): running them one by one",
             items[0]->name, n, db_status_name(s));
    return false;
}

/*
 * Runs items[0..n) in one transaction and sets each item's st. First
 * optimistically without savepoints (a SAVEPOINT is one more round trip per
 * body, and bodies nearly always succeed); a body that refuses before
 * writing anything leaves the others undisturbed (its deferred entries are
 * dropped). If a body fails, or refuses after writing, or the COMMIT fails
 * softly, nothing has committed and every body runs again (after its reset
 * step) in the savepoint mode, in the same order, so each one's outcome is
 * decided as if the batch were serial.
 */
static void run_batch(struct db_conn *c, struct db_group_item **items, size_t n)
{
    if (n == 1) {
        run_alone(c, items[0]);
        return;
    }
    bool same = items[0]->batch != NULL;
    for (size_t i = 1; same && i < n; i++)
        same = items[i]->batch == items[0]->batch;
    if (same) {
        /* One batch body for all; if it gives up, the per-item path with
         * savepoints decides each item as if the batch were serial. */
        if (!run_batch_combined(c, items, n))
            run_batch_savepoints(c, items, n);
        return;
    }
    db_deferred_rewind(0);
    enum db_status st = db_control(c, "BEGIN ISOLATION LEVEL READ COMMITTED", "group");
    bool all_ok = st == DB_OK;
    for (size_t i = 0; all_ok && i < n; i++) {
        size_t mark = db_deferred_mark();
        bool wrote = false;
        items[i]->st = run_one_body(c, items[i], &wrote);
        if (items[i]->st == DB_REFUSED && !wrote) {
            db_deferred_rewind(mark);
            continue;
        }
        all_ok = items[i]->st == DB_OK;
        if (items[i]->st == DB_UNAVAILABLE)
            st = DB_UNAVAILABLE;
    }
    if (all_ok) {
        st = db_deferred_flush(c);
        all_ok = st == DB_OK;
    }
    if (all_ok) {
        st = db_control(c, "COMMIT", "group");
        if (st == DB_OK) {
            metrics_db_group_batch(n);
            return;
        }
    } else if (db_in_txn(c) && db_control(c, "ROLLBACK", "group") != DB_OK) {
        st = DB_UNAVAILABLE;
    }
    db_deferred_rewind(0);
    if (st != DB_OK && st != DB_SOFT_ERROR) {
        /* BEGIN, COMMIT or the connection failed: nothing committed. */
        for (size_t i = 0; i < n; i++)
            items[i]->st = st;
        return;
    }
    run_batch_savepoints(c, items, n);
}

/*
 * Under g_mu: adds queued items to batch[0..n) up to GROUP_MAX_BATCH,
 * moving them to RUNNING; returns the new count. The caller releases g_mu
 * and calls finish_batch.
 */
static size_t take_batch(struct group *g, struct db_group_item **batch, size_t n)
{
    while (g->head && n < GROUP_MAX_BATCH) {
        struct db_group_item *it = dequeue(g);
        move(it, ITEM_RUNNING);
        batch[n++] = it;
    }
    return n;
}

/* Under g_mu: self (its group g idle or handed to it) leads; returns the
 * batch's size, self first. */
static size_t take_lead(struct group *g, struct db_group_item *self, struct db_group_item **batch)
{
    move(self, ITEM_RUNNING);
    batch[0] = self;
    return take_batch(g, batch, 1);
}

/*
 * Without g_mu (taken and released here): runs batch[0..n) on c (a leader
 * whose queued items were all abandoned has n = 0), then moves the items
 * to DONE, notifies those from index notify_from on (the others' callers
 * are this thread) and passes g's lead on.
 */
static void finish_batch(struct db_conn *c, struct group *g, struct db_group_item **batch, size_t n,
                         size_t notify_from)
{
    if (n > 0)
        run_batch(c, batch, n);
    struct wake wakes[GROUP_MAX_BATCH + 1];
    size_t nw = 0;
    pthread_mutex_lock(&g_mu);
    for (size_t i = 0; i < n; i++) {
        move(batch[i], ITEM_DONE);
        batch[i]->g = NULL;
        if (i >= notify_from)
            notify(batch[i], wakes, &nw);
    }
    pass_lead(g, wakes, &nw);
    pthread_mutex_unlock(&g_mu);
    run_wakes(wakes, nw);
}

/* A runner: leads the batches of ready groups on its own connection until
 * stopped with nothing ready. */
static void *runner_main(void *arg)
{
    (void)arg;
    struct db_group_item *batch[GROUP_MAX_BATCH];
    /* connect (and warm, db_set_warm) before the first batch needs it: a
     * batch that opens its runner's connection holds every item in it and
     * queued behind it for that long */
    if (db_connect(db_checkout()) != DB_OK)
        log_debug("group runner: no database yet; its first batch connects");
    pthread_mutex_lock(&g_mu);
    for (;;) {
        struct group *g = g_ready_head;
        if (!g) {
            if (!g_runners_on)
                break;
            pthread_cond_wait(&g_ready_cv, &g_mu);
            continue;
        }
        g_ready_head = g->ready_next;
        if (!g_ready_head)
            g_ready_tail = NULL;
        g->ready_next = NULL;
        pthread_mutex_unlock(&g_mu);
        struct db_conn *c = db_checkout(); /* drops a connection the database lost */
        pthread_mutex_lock(&g_mu);
        size_t n = take_batch(g, batch, 0);
        pthread_mutex_unlock(&g_mu);
        finish_batch(c, g, batch, n, 0);
        pthread_mutex_lock(&g_mu);
    }
    pthread_mutex_unlock(&g_mu);
    db_thread_close();
    return NULL;
}

unsigned db_group_start(unsigned n)
{
    if (n > GROUP_MAX_RUNNERS)
        n = GROUP_MAX_RUNNERS;
    pthread_mutex_lock(&g_mu);
    g_runners_on = true;
    while (g_nrunners < n && pthread_create(&g_runner[g_nrunners], NULL, runner_main, NULL) == 0)
        g_nrunners++;
    if (g_nrunners == 0)
        g_runners_on = false;
    unsigned started = g_nrunners;
    pthread_mutex_unlock(&g_mu);
    return started;
}

void db_group_stop(void)
{
    pthread_mutex_lock(&g_mu);
    g_runners_on = false; /* finishing leaders now pass the lead to their queue */
    pthread_cond_broadcast(&g_ready_cv);
    unsigned n = g_nrunners;
    g_nrunners = 0;
    pthread_mutex_unlock(&g_mu);
    for (unsigned i = 0; i < n; i++)
        pthread_join(g_runner[i], NULL);
}

struct db_group_item *db_group_item_new(struct arena *a, struct db_group_key key, const char *name,
                                        db_txn_fn cb, db_reset_fn reset, void *cls)
{
    struct db_group_item *it = arena_calloc(a, 1, sizeof *it);
    *it = (struct db_group_item){
        .state = ITEM_NEW, .key = key, .cb = cb, .reset = reset, .cls = cls, .name = name};
    return it;
}

void db_group_item_batch(struct db_group_item *it, db_batch_fn fn)
{
    it->batch = fn;
}

void db_group_item_park(struct db_group_item *it, bool (*park)(void *wake_cls),
                        void (*wake)(void *wake_cls), void *wake_cls)
{
    it->park = park;
    it->wake = wake;
    it->wake_cls = wake_cls;
}

/* Runs the item in its own transaction, outside any batch. Correct at any
 * time: the rows its body locks order it against batches of its key. */
static enum db_status run_outside(struct db_conn *c, struct db_group_item *it)
{
    it->st = db_run_txn(c, it->name, it->cb, it->reset, it->cls);
    pthread_mutex_lock(&g_mu);
    move(it, ITEM_DONE);
    pthread_mutex_unlock(&g_mu);
    return it->st;
}

bool db_group_submit(struct db_conn *c, struct db_group_item *it, enum db_status *st)
{
    it->rid = log_request_id();
    pthread_mutex_lock(&g_mu);
    struct group *g = group_get(it->key);
    if (!g) {
        pthread_mutex_unlock(&g_mu);
        *st = run_outside(c, it);
        return true;
    }
    struct db_group_item *batch[GROUP_MAX_BATCH];
    if (!g->busy && it->batch && it->park && g_runners_on && it->park(it->wake_cls)) {
        /* a batch body (db.h): the idle group goes to a runner, as a
         * busy one would, and the caller parks (park under g_mu, as below:
         * no wake before it). A refused park falls through to leading. */
        g->busy = true;
        it->g = g;
        enqueue(g, it);
        schedule(g);
        pthread_mutex_unlock(&g_mu);
        return false;
    }
    if (!g->busy) {
        g->busy = true;
        it->g = g;
        size_t n = take_lead(g, it, batch);
        pthread_mutex_unlock(&g_mu);
        finish_batch(c, g, batch, n, 1);
        *st = it->st;
        return true;
    }
    if (it->park) {
        /* park runs under g_mu, before any leader can see the item: a wake
         * never precedes the park it answers. A refused park (the server
         * is stopping) must not block instead: this thread may own a
         * parked request that is handed the lead, which would then wait
         * for this thread forever. */
        if (!it->park(it->wake_cls)) {
            pthread_mutex_unlock(&g_mu);
            *st = run_outside(c, it);
            return true;
        }
        it->g = g;
        enqueue(g, it);
        pthread_mutex_unlock(&g_mu);
        return false;
    }
    pthread_cond_t cv;
    pthread_cond_init(&cv, NULL);
    it->cv = &cv;
    it->g = g;
    enqueue(g, it);
    while (it->state == ITEM_QUEUED || it->state == ITEM_RUNNING)
        pthread_cond_wait(&cv, &g_mu);
    it->cv = NULL;
    pthread_cond_destroy(&cv);
    if (it->state == ITEM_DONE) {
        *st = it->st;
        pthread_mutex_unlock(&g_mu);
        return true;
    }
    /* Handed the lead: g->busy stayed true for us. */
    size_t n = take_lead(g, it, batch);
    pthread_mutex_unlock(&g_mu);
    finish_batch(c, g, batch, n, 1);
    *st = it->st;
    return true;
}

bool db_group_continue(struct db_conn *c, struct db_group_item *it, enum db_status *st)
{
    pthread_mutex_lock(&g_mu);
    switch (it->state) {
    case ITEM_DONE:
        *st = it->st;
        pthread_mutex_unlock(&g_mu);
        return true;
    case ITEM_LEAD: {
        struct db_group_item *batch[GROUP_MAX_BATCH];
        struct group *g = it->g;
        size_t n = take_lead(g, it, batch);
        pthread_mutex_unlock(&g_mu);
        finish_batch(c, g, batch, n, 1);
        *st = it->st;
        return true;
    }
    case ITEM_NEW:
    case ITEM_QUEUED:
    case ITEM_RUNNING:
    case ITEM__COUNT:
        break;
    }
    pthread_mutex_unlock(&g_mu);
    return false;
}

void db_group_abandon(struct db_group_item *it)
{
    struct wake wakes[1];
    size_t nw = 0;
    pthread_mutex_lock(&g_mu);
    struct group *g = it->g;
    switch (it->state) {
    case ITEM_QUEUED: {
        struct db_group_item **p = &g->head, *prev = NULL;
        while (*p != it) {
            prev = *p;
            p = &(*p)->next;
        }
        *p = it->next;
        if (g->tail == it)
            g->tail = prev;
        it->g = NULL;
        move(it, ITEM_DONE);
        break;
    }
    case ITEM_LEAD:
        it->g = NULL;
        move(it, ITEM_DONE);
        pass_lead(g, wakes, &nw);
        break;
    case ITEM_RUNNING:
        /* A leader is using the item and its submitter's memory: freeing
         * them now would corrupt that batch. Callers make this impossible
         * (a parked request is never completed before its wake). */
        log_error("group: item %s abandoned while its batch runs", it->name);
        abort();
    case ITEM_NEW:
    case ITEM_DONE:
    case ITEM__COUNT:
        break;
    }
    pthread_mutex_unlock(&g_mu);
    run_wakes(wakes, nw);
}

enum db_status db_run_txn_grouped(struct db_conn *c, struct db_group_key key, const char *name,
                                  db_txn_fn cb, db_reset_fn reset, void *cls)
{
    struct db_group_item self = {
        .state = ITEM_NEW, .key = key, .cb = cb, .reset = reset, .cls = cls, .name = name};
    enum db_status st = DB_HARD_ERROR;
    if (!db_group_submit(c, &self, &st))
        st = DB_HARD_ERROR; /* never: without a park function it waits */
    return st;
}
