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
 * Ownership: an item lives on its waiting thread's stack; the leader uses
 * the item's body and closure (and through it the waiter's arena) while the
 * waiter sleeps on the item's condition variable, and never after setting
 * item->done. The mutex orders every hand-over.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "db/db.h"
#include "db/db_int.h"
#include "platform/log.h"
#include "platform/metrics.h"

/* Why 32: PostgreSQL caches 64 subtransaction ids per backend before other
 * sessions' snapshots must look them up in pg_subtrans; 32 savepoints stay
 * well inside, and a batch of 32 already amortises one flush over 32
 * changes. */
#define GROUP_MAX_BATCH 32
#define GROUP_BUCKETS   64

struct group_item {
    db_txn_fn cb;
    void *cls;
    const char *name;
    const char *rid; /* the waiter's request id, for the leader's log lines */
    enum db_status st;
    bool done; /* st is final; the leader no longer touches the item */
    bool lead; /* the waiter becomes the next leader */
    pthread_cond_t cv;
    struct group_item *next;
};

struct group {
    int64_t key;
    bool busy; /* a leader is running a batch for this key */
    unsigned users;
    struct group_item *head, *tail; /* waiting, in arrival order */
    struct group *next;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct group *g_buckets[GROUP_BUCKETS];
static struct group *g_spare; /* freed groups, reused (no malloc when warm) */

static struct group **bucket_of(int64_t key)
{
    uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ull;
    return &g_buckets[h >> 58];
}

/* Under g_mu. NULL only when out of memory. */
static struct group *group_get(int64_t key)
{
    struct group **b = bucket_of(key);
    for (struct group *g = *b; g; g = g->next) {
        if (g->key == key)
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

/* Under g_mu: forgets an idle group. */
static void group_put(struct group *g)
{
    if (--g->users > 0 || g->busy)
        return;
    struct group **p = bucket_of(g->key);
    while (*p != g)
        p = &(*p)->next;
    *p = g->next;
    g->next = g_spare;
    g_spare = g;
}

static enum db_status run_one_body(struct db_conn *c, struct group_item *it)
{
    const char *own = log_request_id();
    log_set_request_id(it->rid);
    enum db_status st = it->cb(c, it->cls);
    log_set_request_id(own);
    return st;
}

static void run_alone(struct db_conn *c, struct group_item *it)
{
    const char *own = log_request_id();
    log_set_request_id(it->rid);
    it->st = db_run_txn(c, it->name, it->cb, it->cls);
    log_set_request_id(own);
}

/*
 * Runs items[0..n) in one transaction, each body under its own savepoint:
 * a body that fails is rolled back to its savepoint and the others commit.
 * A soft failure (deadlock, serialisation) of a body or of the COMMIT is
 * retried alone afterwards with db_run_txn's own retries.
 */
static void run_batch_savepoints(struct db_conn *c, struct group_item **items, size_t n)
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
        enum db_status s = db_control(c, "SAVEPOINT pnyx_group", "group");
        if (s == DB_OK)
            s = run_one_body(c, items[i]);
        items[i]->st = s;
        if (s == DB_OK)
            continue;
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
         * another chance alone when the failure was soft, else the error. */
        for (size_t i = 0; i < n; i++) {
            if (items[i]->st == DB_OK) {
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

/*
 * Runs items[0..n) in one transaction and sets each item's st. First
 * optimistically without savepoints (a SAVEPOINT is one more round trip per
 * body, and bodies nearly always succeed); if a body fails, or the COMMIT
 * does softly, nothing has committed and every body runs again (bodies are
 * re-runnable by db_run_txn's contract) in the savepoint mode, in the same
 * order, so each one's outcome is decided as if the batch were serial.
 */
static void run_batch(struct db_conn *c, struct group_item **items, size_t n)
{
    if (n == 1) {
        run_alone(c, items[0]);
        return;
    }
    db_deferred_rewind(0);
    enum db_status st = db_control(c, "BEGIN ISOLATION LEVEL READ COMMITTED", "group");
    bool all_ok = st == DB_OK;
    for (size_t i = 0; all_ok && i < n; i++) {
        items[i]->st = run_one_body(c, items[i]);
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

enum db_status db_run_txn_grouped(struct db_conn *c, int64_t key, const char *name, db_txn_fn cb,
                                  void *cls)
{
    struct group_item self = {.cb = cb, .cls = cls, .name = name, .rid = log_request_id()};
    pthread_mutex_lock(&g_mu);
    struct group *g = group_get(key);
    if (!g) {
        pthread_mutex_unlock(&g_mu);
        return db_run_txn(c, name, cb, cls);
    }
    g->users++;
    if (g->busy) {
        pthread_cond_init(&self.cv, NULL);
        if (g->tail)
            g->tail->next = &self;
        else
            g->head = &self;
        g->tail = &self;
        while (!self.done && !self.lead)
            pthread_cond_wait(&self.cv, &g_mu);
        pthread_cond_destroy(&self.cv);
        if (self.done) {
            group_put(g);
            pthread_mutex_unlock(&g_mu);
            return self.st;
        }
        /* Handed the lead: g->busy stayed true for us. */
    } else {
        g->busy = true;
    }

    struct group_item *batch[GROUP_MAX_BATCH];
    size_t n = 0;
    batch[n++] = &self;
    while (g->head && n < GROUP_MAX_BATCH) {
        struct group_item *it = g->head;
        g->head = it->next;
        if (!g->head)
            g->tail = NULL;
        it->next = NULL;
        batch[n++] = it;
    }
    pthread_mutex_unlock(&g_mu);

    run_batch(c, batch, n);

    pthread_mutex_lock(&g_mu);
    for (size_t i = 1; i < n; i++) {
        batch[i]->done = true;
        pthread_cond_signal(&batch[i]->cv);
    }
    if (g->head) {
        struct group_item *next = g->head;
        g->head = next->next;
        if (!g->head)
            g->tail = NULL;
        next->next = NULL;
        next->lead = true;
        pthread_cond_signal(&next->cv);
    } else {
        g->busy = false;
    }
    group_put(g);
    pthread_mutex_unlock(&g_mu);
    return self.st;
}
