/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration_db/test_group.c — group commit (db/db_group.c) and
 * transaction outcomes against the real database, deterministically:
 *
 *   a leader thread runs a body that holds its group busy until the main
 *   thread has parked three more items (db_group_submit with a park
 *   function); no runner threads are started, so when the leader is done
 *   the first parked item is handed the lead and runs the other two with
 *   itself as ONE batch on the main thread (db_group_continue).
 *
 * Each body inserts a row tagged with its name and the transaction id, so
 * the test sees which bodies committed, in how many transactions, and how
 * often each ran (and was reset).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "db/db.h"
#include "harness.h"

struct body {
    char tag[48];
    bool insert;      /* insert a row tagged tag */
    bool refuse;      /* then return DB_REFUSED */
    bool hold;        /* the leader: wait until `want` items parked */
    bool defer;       /* defer an entry tagged tag (the test commit hook) */
    int runs, resets; /* counted across runs */
    char tx[32];      /* txid of the (last) run's insert */
    struct arena *arena;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool leading;
static int parked, want, woken;

static void reset_body(void *cls)
{
    struct body *b = cls;
    b->resets++;
    b->tx[0] = '\0';
}

/* A commit hook standing in for the audit writer: deferred tags, written
 * by its flush into grp_log in the order they were deferred, in the
 * flushing transaction (per thread, as the audit writer's list is). */
static _Thread_local const char *pend[64];
static _Thread_local size_t npend;
static int flushes;

static enum db_status hook_flush(struct db_conn *c);

static size_t hook_mark(void)
{
    return npend;
}

static void hook_rewind(size_t mark)
{
    if (mark < npend)
        npend = mark;
}

static const struct db_commit_hook test_hook = {hook_flush, hook_mark, hook_rewind};

static void defer_tag(const char *tag)
{
    if (npend < 64)
        pend[npend++] = tag;
}

static enum db_status run_body(struct db_conn *c, void *cls)
{
    struct body *b = cls;
    b->runs++;
    if (b->hold) {
        pthread_mutex_lock(&mu);
        leading = true;
        pthread_cond_broadcast(&cv);
        while (parked < want)
            pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
    }
    if (b->insert) {
        const char *p[1] = {b->tag};
        struct db_result r;
        enum db_status st = db_query(c, b->arena,
                                     "INSERT INTO grp_t (tag, tx) VALUES ($1, txid_current()) "
                                     "RETURNING tx::text",
                                     1, p, &r);
        if (st != DB_OK)
            return st;
        snprintf(b->tx, sizeof b->tx, "%s", db_value(&r, 0, 0));
    }
    if (b->defer)
        defer_tag(b->tag);
    return b->refuse ? DB_REFUSED : DB_OK;
}

static bool park_cb(void *cls)
{
    (void)cls;
    pthread_mutex_lock(&mu);
    parked++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return true;
}

static void wake_cb(void *cls)
{
    (void)cls;
    pthread_mutex_lock(&mu);
    woken++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

struct leader {
    struct db_group_key key;
    struct body *b;
    enum db_status st;
};

static void *leader_main(void *arg)
{
    struct leader *l = arg;
    l->st = db_run_txn_grouped(db_thread_conn(), l->key, "lead", run_body, reset_body, l->b);
    db_thread_close();
    return NULL;
}

static struct arena *g_arena;

static void setup(void)
{
    db_global_init(h_db_url());
    g_arena = arena_new();
    cr_assert(g_arena);
    enum db_status st = db_query(db_thread_conn(), g_arena,
                                 "CREATE TABLE IF NOT EXISTS grp_t (tag text PRIMARY KEY, tx "
                                 "bigint NOT NULL)",
                                 0, NULL, NULL);
    cr_assert_eq(st, DB_OK);
    st = db_query(db_thread_conn(), g_arena,
                  "CREATE TABLE IF NOT EXISTS grp_log (pos bigserial PRIMARY KEY, tag text NOT "
                  "NULL, tx bigint NOT NULL)",
                  0, NULL, NULL);
    cr_assert_eq(st, DB_OK);
    leading = false;
    parked = want = woken = 0;
}

static enum db_status hook_flush(struct db_conn *c)
{
    flushes++;
    for (size_t i = 0; i < npend; i++) {
        const char *p[1] = {pend[i]};
        enum db_status st = db_query(
            c, g_arena, "INSERT INTO grp_log (tag, tx) VALUES ($1, txid_current())", 1, p, NULL);
        if (st != DB_OK)
            return st;
    }
    npend = 0;
    return DB_OK;
}

static void teardown(void)
{
    db_set_commit_hook(NULL);
    db_thread_close();
    arena_free(g_arena);
}

static void body_init(struct body *b, const char *name, bool insert, bool refuse)
{
    memset(b, 0, sizeof *b);
    snprintf(b->tag, sizeof b->tag, "%s-%d-%ld", name, (int)getpid(), (long)random());
    b->insert = insert;
    b->refuse = refuse;
    b->arena = g_arena;
}

/* The committed txid of tag, or "" when its row does not exist. */
static const char *committed_tx(const char *tag)
{
    const char *p[1] = {tag};
    struct db_result r;
    enum db_status st =
        db_query(db_thread_conn(), g_arena, "SELECT tx::text FROM grp_t WHERE tag = $1", 1, p, &r);
    cr_assert_eq(st, DB_OK);
    return r.nrows == 1 ? db_value(&r, 0, 0) : "";
}

/* Runs the scenario of the banner: leader L, then B, R, C parked and run as
 * one batch led by B on this thread. st[] gets B's, R's and C's outcomes. */
static void batch_of_three_fn(struct body *l, struct body *b, struct body *r, struct body *c,
                              enum db_status st[3], const db_batch_fn fns[3]);

static void batch_of_three(struct body *l, struct body *b, struct body *r, struct body *c,
                           enum db_status st[3])
{
    static const db_batch_fn none[3] = {NULL, NULL, NULL};
    batch_of_three_fn(l, b, r, c, st, none);
}

/* The same, item i with batch body fns[i] when not NULL. */
static void batch_of_three_fn(struct body *l, struct body *b, struct body *r, struct body *c,
                              enum db_status st[3], const db_batch_fn fns[3])
{
    struct db_group_key key = db_group_assembly(1000000 + (int64_t)getpid());
    struct leader lead = {.key = key, .b = l};
    want = 3;
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, leader_main, &lead), 0);
    pthread_mutex_lock(&mu);
    while (!leading)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);

    struct body *bodies[3] = {b, r, c};
    struct db_group_item *items[3];
    struct db_conn *conn = db_thread_conn();
    for (int i = 0; i < 3; i++) {
        items[i] = db_group_item_new(g_arena, key, bodies[i]->tag, run_body, reset_body, bodies[i]);
        if (fns[i])
            db_group_item_batch(items[i], fns[i]);
        db_group_item_park(items[i], park_cb, wake_cb, NULL);
        cr_assert_not(db_group_submit(conn, items[i], &st[i]), "item %d should have parked", i);
    }
    /* The leader finishes and hands the lead to B (the first parked). */
    pthread_mutex_lock(&mu);
    while (woken < 1)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    cr_assert(db_group_continue(conn, items[0], &st[0]));
    cr_assert_eq(woken, 3, "R and C are woken when B's batch ends");
    cr_assert(db_group_continue(conn, items[1], &st[1]));
    cr_assert(db_group_continue(conn, items[2], &st[2]));
    pthread_join(th, NULL);
    cr_assert_eq(lead.st, DB_OK);
}

Test(group, refusal_without_writes_keeps_the_batch, .init = setup, .fini = teardown)
{
    struct body l, b, r, c;
    body_init(&l, "lead", true, false);
    l.hold = true;
    body_init(&b, "b", true, false);
    body_init(&r, "r", false, true);
    body_init(&c, "c", true, false);
    enum db_status st[3];
    batch_of_three(&l, &b, &r, &c, st);
    cr_expect_eq(st[0], DB_OK);
    cr_expect_eq(st[1], DB_REFUSED);
    cr_expect_eq(st[2], DB_OK);
    /* One optimistic pass: nobody ran again, everyone reset before running. */
    cr_expect_eq(b.runs, 1);
    cr_expect_eq(r.runs, 1);
    cr_expect_eq(c.runs, 1);
    cr_expect_eq(b.resets, b.runs);
    cr_expect_eq(c.resets, c.runs);
    const char *tb = committed_tx(b.tag), *tc = committed_tx(c.tag);
    cr_expect_str_neq(tb, "");
    cr_expect_str_eq(tb, tc, "B and C commit in one transaction");
    cr_expect_str_neq(committed_tx(l.tag), "");
}

Test(group, refusal_after_writes_undoes_only_that_body, .init = setup, .fini = teardown)
{
    struct body l, b, r, c;
    body_init(&l, "lead", true, false);
    l.hold = true;
    body_init(&b, "b", true, false);
    body_init(&r, "r", true, true);
    body_init(&c, "c", true, false);
    enum db_status st[3];
    batch_of_three(&l, &b, &r, &c, st);
    cr_expect_eq(st[0], DB_OK);
    cr_expect_eq(st[1], DB_REFUSED);
    cr_expect_eq(st[2], DB_OK);
    cr_expect_str_eq(committed_tx(r.tag), "", "the refused body's row is rolled back");
    const char *tb = committed_tx(b.tag), *tc = committed_tx(c.tag);
    cr_expect_str_neq(tb, "");
    cr_expect_str_eq(tb, tc, "B and C still commit together");
    /* R wrote: the batch reran with savepoints, each body reset first. */
    cr_expect_eq(b.runs, 2);
    cr_expect_eq(b.resets, 2);
    cr_expect_eq(r.resets, r.runs);
}

Test(group, run_twice_runs_each_body_twice_and_keeps_one_effect, .init = setup, .fini = teardown)
{
    db_set_run_twice(true);
    struct body one;
    body_init(&one, "alone", true, false);
    cr_expect_eq(db_run_txn(db_thread_conn(), "alone", run_body, reset_body, &one), DB_OK);
    cr_expect_eq(one.runs, 2);
    cr_expect_eq(one.resets, 2);
    cr_expect_str_eq(committed_tx(one.tag), one.tx, "the second run's row is the one kept");

    /* Grouped: a body alone in its group, and a refusal. */
    struct body b, r;
    body_init(&b, "b", true, false);
    body_init(&r, "r", false, true);
    struct db_conn *conn = db_thread_conn();
    cr_expect_eq(db_run_txn_grouped(conn, db_group_assembly(7), "b", run_body, reset_body, &b),
                 DB_OK);
    cr_expect_eq(b.runs, 2);
    cr_expect_eq(db_run_txn_grouped(conn, db_group_assembly(7), "r", run_body, reset_body, &r),
                 DB_REFUSED);
    cr_expect_eq(r.runs, 2);
    cr_expect_eq(r.resets, 2);
    cr_expect_str_neq(committed_tx(b.tag), "");
    db_set_run_twice(false);
}

Test(group, keys_of_different_kinds_never_share_a_group, .init = setup, .fini = teardown)
{
    struct body l, q;
    body_init(&l, "lead", true, false);
    l.hold = true;
    body_init(&q, "question", true, false);
    int64_t id = 2000000 + (int64_t)getpid();
    struct leader lead = {.key = db_group_assembly(id), .b = &l};
    want = 1; /* released by hand below */
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, leader_main, &lead), 0);
    pthread_mutex_lock(&mu);
    while (!leading)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    /* Same id, other kind: its group is idle, so it runs at once instead
     * of parking behind the busy assembly group. */
    struct db_group_item *it =
        db_group_item_new(g_arena, (struct db_group_key){.kind = DB_GROUP_QUESTION, .id = id},
                          "question", run_body, reset_body, &q);
    db_group_item_park(it, park_cb, wake_cb, NULL);
    enum db_status st = DB_HARD_ERROR;
    cr_expect(db_group_submit(db_thread_conn(), it, &st), "must not park");
    cr_expect_eq(st, DB_OK);
    pthread_mutex_lock(&mu);
    cr_expect_eq(parked, 0);
    parked = want; /* lets the leader go */
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(th, NULL);
    cr_expect_eq(lead.st, DB_OK);
}

/* --- batch bodies (db_group_item_batch) ------------------------------------------------ */

static int batch_calls;

/* All bodies' rows in ONE statement; gives up (as a batch body may) when
 * a body is to refuse after writing, which needs its own rollback. */
static enum db_status batch_bodies(struct db_conn *c, void *const *cls, enum db_status *st,
                                   size_t n)
{
    batch_calls++;
    char tags[1024];
    size_t o = 0;
    tags[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        struct body *b = cls[i];
        if (b->refuse && b->insert)
            return DB_REFUSED;
        if (b->insert)
            o += (size_t)snprintf(tags + o, sizeof tags - o, "%s%s", o > 1 ? "," : "", b->tag);
    }
    snprintf(tags + o, sizeof tags - o, "}");
    const char *p[1] = {tags};
    struct db_result r;
    enum db_status s = db_query(c, g_arena,
                                "INSERT INTO grp_t (tag, tx) SELECT t, txid_current() "
                                "FROM unnest($1::text[]) AS t RETURNING tag, tx::text",
                                1, p, &r);
    if (s != DB_OK)
        return s;
    for (size_t i = 0; i < n; i++) {
        struct body *b = cls[i];
        for (int k = 0; k < r.nrows; k++) {
            if (strcmp(db_value(&r, k, 0), b->tag) == 0)
                snprintf(b->tx, sizeof b->tx, "%s", db_value(&r, k, 1));
        }
        st[i] = b->refuse ? DB_REFUSED : DB_OK;
    }
    return DB_OK;
}

static const db_batch_fn all_batch[3] = {batch_bodies, batch_bodies, batch_bodies};

Test(group, batch_body_runs_once_for_the_whole_batch, .init = setup, .fini = teardown)
{
    struct body l, b, r, c;
    body_init(&l, "lead", true, false);
    l.hold = true;
    body_init(&b, "b", true, false);
    body_init(&r, "r", false, true);
    body_init(&c, "c", true, false);
    batch_calls = 0;
    enum db_status st[3];
    batch_of_three_fn(&l, &b, &r, &c, st, all_batch);
    cr_expect_eq(st[0], DB_OK);
    cr_expect_eq(st[1], DB_REFUSED);
    cr_expect_eq(st[2], DB_OK);
    cr_expect_eq(batch_calls, 1, "one call for the three items");
    cr_expect_eq(b.runs + r.runs + c.runs, 0, "no per-item body ran");
    cr_expect_eq(b.resets, 1);
    cr_expect_eq(r.resets, 1);
    cr_expect_eq(c.resets, 1);
    const char *tb = committed_tx(b.tag), *tc = committed_tx(c.tag);
    cr_expect_str_neq(tb, "");
    cr_expect_str_eq(tb, tc, "B and C commit in one transaction");
    cr_expect_str_eq(tb, b.tx);
}

Test(group, batch_body_that_gives_up_falls_back_per_item, .init = setup, .fini = teardown)
{
    struct body l, b, r, c;
    body_init(&l, "lead", true, false);
    l.hold = true;
    body_init(&b, "b", true, false);
    body_init(&r, "r", true, true); /* refuses after writing */
    body_init(&c, "c", true, false);
    batch_calls = 0;
    enum db_status st[3];
    batch_of_three_fn(&l, &b, &r, &c, st, all_batch);
    cr_expect_eq(st[0], DB_OK);
    cr_expect_eq(st[1], DB_REFUSED);
    cr_expect_eq(st[2], DB_OK);
    cr_expect_eq(batch_calls, 1);
    /* then each body once, under its savepoint, reset before */
    cr_expect_eq(b.runs, 1);
    cr_expect_eq(r.runs, 1);
    cr_expect_eq(c.runs, 1);
    cr_expect_eq(b.resets, 2);
    cr_expect_str_eq(committed_tx(r.tag), "", "the refused body's row is rolled back");
    const char *tb = committed_tx(b.tag), *tc = committed_tx(c.tag);
    cr_expect_str_neq(tb, "");
    cr_expect_str_eq(tb, tc, "B and C still commit together");
}

Test(group, mixed_batch_runs_the_per_item_bodies, .init = setup, .fini = teardown)
{
    struct body l, b, r, c;
    body_init(&l, "lead", true, false);
    l.hold = true;
    body_init(&b, "b", true, false);
    body_init(&r, "r", true, false);
    body_init(&c, "c", true, false);
    batch_calls = 0;
    static const db_batch_fn mixed[3] = {batch_bodies, NULL, batch_bodies};
    enum db_status st[3];
    batch_of_three_fn(&l, &b, &r, &c, st, mixed);
    cr_expect_eq(st[0], DB_OK);
    cr_expect_eq(st[1], DB_OK);
    cr_expect_eq(st[2], DB_OK);
    cr_expect_eq(batch_calls, 0);
    cr_expect_eq(b.runs + r.runs + c.runs, 3);
    cr_expect_str_eq(committed_tx(b.tag), committed_tx(r.tag));
}

Test(group, batch_body_runs_twice_in_the_test_build, .init = setup, .fini = teardown)
{
    db_set_run_twice(true);
    struct body l, b, r, c;
    body_init(&l, "lead", true, false);
    l.hold = true;
    body_init(&b, "b", true, false);
    body_init(&r, "r", false, true);
    body_init(&c, "c", true, false);
    batch_calls = 0;
    enum db_status st[3];
    batch_of_three_fn(&l, &b, &r, &c, st, all_batch);
    db_set_run_twice(false);
    cr_expect_eq(st[0], DB_OK);
    cr_expect_eq(st[1], DB_REFUSED);
    cr_expect_eq(st[2], DB_OK);
    cr_expect_eq(batch_calls, 2);
    cr_expect_eq(b.resets, 2);
    cr_expect_str_eq(committed_tx(b.tag), b.tx, "the second run's rows are the ones kept");
    cr_expect_str_eq(committed_tx(c.tag), c.tx);
}

/* --- batch bodies that defer entries (audited batches) ------------------------------- */

/* batch_bodies, then one deferred entry per item that writes, in item
 * order, as comments' batch body appends its comment.created entries. */
static enum db_status batch_deferring(struct db_conn *c, void *const *cls, enum db_status *st,
                                      size_t n)
{
    enum db_status s = batch_bodies(c, cls, st, n);
    for (size_t i = 0; s == DB_OK && i < n; i++) {
        struct body *b = cls[i];
        if (b->defer && st[i] == DB_OK)
            defer_tag(b->tag);
    }
    return s;
}

static const db_batch_fn all_deferring[3] = {batch_deferring, batch_deferring, batch_deferring};

/* The deferred tags of b, r, c written to grp_log, in log order, joined
 * with ',' (the first letter of each tag), and the transaction of each. */
static void logged(struct body *b, struct body *r, struct body *c, char *order, size_t len,
                   char tx[3][32])
{
    const char *p[3] = {b->tag, r->tag, c->tag};
    struct db_result res;
    enum db_status st = db_query(
        db_thread_conn(), g_arena,
        "SELECT tag, tx::text FROM grp_log WHERE tag IN ($1, $2, $3) ORDER BY pos", 3, p, &res);
    cr_assert_eq(st, DB_OK);
    size_t o = 0;
    order[0] = '\0';
    for (int k = 0; k < res.nrows && k < 3; k++) {
        o += (size_t)snprintf(order + o, len - o, "%s%c", k ? "," : "", db_value(&res, k, 0)[0]);
        snprintf(tx[k], 32, "%s", db_value(&res, k, 1));
    }
}

Test(group, batch_body_may_defer_entries_flushed_once_in_order, .init = setup, .fini = teardown)
{
    db_set_commit_hook(&test_hook);
    db_set_run_twice(true); /* the first run's entries go with its savepoint */
    struct body l, b, r, c;
    body_init(&l, "lead", true, false);
    l.hold = true;
    body_init(&b, "b", true, false);
    body_init(&r, "r", false, true);
    body_init(&c, "c", true, false);
    b.defer = r.defer = c.defer = true;
    batch_calls = 0;
    flushes = 0;
    enum db_status st[3];
    batch_of_three_fn(&l, &b, &r, &c, st, all_deferring);
    db_set_run_twice(false);
    cr_expect_eq(st[0], DB_OK);
    cr_expect_eq(st[1], DB_REFUSED);
    cr_expect_eq(st[2], DB_OK);
    cr_expect_eq(batch_calls, 2, "the batch body, twice (test build)");
    cr_expect_eq(b.runs + r.runs + c.runs, 0, "no per-item body ran");
    char order[32], tx[3][32];
    logged(&b, &r, &c, order, sizeof order, tx);
    cr_expect_str_eq(order, "b,c", "one entry per item that changed, in item order");
    cr_expect_str_eq(tx[0], committed_tx(b.tag), "entries commit with the rows");
    cr_expect_str_eq(tx[1], committed_tx(c.tag));
}

Test(group, deferring_batch_body_that_gives_up_leaves_only_the_per_item_entries, .init = setup,
     .fini = teardown)
{
    db_set_commit_hook(&test_hook);
    struct body l, b, r, c;
    body_init(&l, "lead", true, false);
    l.hold = true;
    body_init(&b, "b", true, false);
    body_init(&r, "r", true, true); /* refuses after writing: the batch body gives up */
    body_init(&c, "c", true, false);
    b.defer = r.defer = c.defer = true;
    batch_calls = 0;
    enum db_status st[3];
    batch_of_three_fn(&l, &b, &r, &c, st, all_deferring);
    cr_expect_eq(st[0], DB_OK);
    cr_expect_eq(st[1], DB_REFUSED);
    cr_expect_eq(st[2], DB_OK);
    cr_expect_eq(batch_calls, 1);
    cr_expect_eq(b.runs + r.runs + c.runs, 3, "then each body under its savepoint");
    char order[32], tx[3][32];
    logged(&b, &r, &c, order, sizeof order, tx);
    cr_expect_str_eq(order, "b,c", "the refused body's entry is rolled back with it");
    cr_expect_str_eq(tx[0], committed_tx(b.tag));
    cr_expect_str_eq(tx[1], committed_tx(c.tag));
}

/* --- hand-off: an item with a batch body (db_group_item_batch) ------------------------ */

/* A parked item with a batch body (which one item alone never runs) on
 * its own idle group (an assembly id past every other test's). */
static struct db_group_item *batch_item(struct body *b, const char *name, int64_t group)
{
    body_init(b, name, true, false);
    struct db_group_item *it = db_group_item_new(
        g_arena, db_group_assembly(group + (int64_t)getpid()), b->tag, run_body, reset_body, b);
    db_group_item_park(it, park_cb, wake_cb, NULL);
    db_group_item_batch(it, batch_bodies);
    return it;
}

Test(group, hand_off_item_parks_on_an_idle_group_and_a_runner_runs_it, .init = setup,
     .fini = teardown)
{
    cr_assert_eq(db_group_start(1), 1u);
    struct body b;
    struct db_group_item *it = batch_item(&b, "handed", 2000000);
    enum db_status st = DB_HARD_ERROR;
    struct db_conn *conn = db_thread_conn();
    cr_assert_not(db_group_submit(conn, it, &st), "an idle group still parks a hand-off item");
    pthread_mutex_lock(&mu);
    cr_expect_eq(parked, 1);
    while (woken < 1)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    cr_assert(db_group_continue(conn, it, &st));
    cr_expect_eq(st, DB_OK);
    cr_expect_eq(b.runs, 1);
    cr_expect_str_eq(committed_tx(b.tag), b.tx, "the runner committed it");
    db_group_stop();
}

Test(group, hand_off_item_leads_itself_without_runners, .init = setup, .fini = teardown)
{
    struct body b;
    struct db_group_item *it = batch_item(&b, "alone", 3000000);
    enum db_status st = DB_HARD_ERROR;
    cr_assert(db_group_submit(db_thread_conn(), it, &st), "no runner: it leads at once");
    cr_expect_eq(st, DB_OK);
    cr_expect_eq(parked, 0);
    cr_expect_str_eq(committed_tx(b.tag), b.tx);
}

/* --- a batch whose connection dies ------------------------------------------------------ */

/* A batch body whose statement loses its connection (the backend is
 * terminated under it, as tests/reliability/fault_terminate does). */
static enum db_status batch_terminated(struct db_conn *c, void *const *cls, enum db_status *st,
                                       size_t n)
{
    (void)cls;
    (void)st;
    (void)n;
    return db_query(c, g_arena, "SELECT pg_terminate_backend(pg_backend_pid())", 0, NULL, NULL);
}

static const db_batch_fn all_terminated[3] = {batch_terminated, batch_terminated, batch_terminated};

Test(group, a_batch_that_loses_its_connection_leaves_no_transaction_open, .init = setup,
     .fini = teardown)
{
    struct body l, b, r, c;
    body_init(&l, "lead", true, false);
    l.hold = true;
    body_init(&b, "b", true, false);
    body_init(&r, "r", true, false);
    body_init(&c, "c", true, false);
    enum db_status st[3];
    batch_of_three_fn(&l, &b, &r, &c, st, all_terminated);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(st[i], DB_UNAVAILABLE, "item %d", i);
    /* the batch's transaction ended with its connection: the next one on
     * this thread reconnects (it used to find the dead one still "open",
     * and every BEGIN failed from then on) */
    cr_expect_not(db_in_txn(db_thread_conn()));
    struct body after;
    body_init(&after, "after", true, false);
    cr_expect_eq(db_run_txn(db_thread_conn(), "after", run_body, reset_body, &after), DB_OK);
    cr_expect_str_eq(committed_tx(after.tag), after.tx);
}
