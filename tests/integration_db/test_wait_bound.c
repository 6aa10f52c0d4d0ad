/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration_db/test_wait_bound.c — the database wait bound
 * (db_set_wait_bound, db/db.h; issue 13), deterministically: db/ talks to
 * the test database through a unix-socket proxy run here, which can be
 * "frozen" like a SIGSTOPped PostgreSQL — it stops forwarding bytes and
 * stops accepting (the kernel's backlog still completes new connects, so
 * libpq waits for a startup reply that never comes).
 *
 *   frozen: a statement on an open connection fails with DB_UNAVAILABLE
 *           within the bound + the ping's 2 s (+ margin), the cut is
 *           counted, and the next statement fails fast (no 3 s connect
 *           per thread); thawed: statements succeed again by themselves;
 *   alive:  a statement longer than the bound on a server that answers
 *           is never cut;
 *   cut:    the proxy closes every connection inside a transaction; the
 *           transaction's COMMIT fails with DB_UNAVAILABLE (never a
 *           reconnect whose COMMIT "succeeds" outside any transaction),
 *           nothing of it is stored, and the next transaction works.
 * tests/reliability/fault_freeze.mjs does the same to a real PostgreSQL
 * under a cast load.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "db/db.h"
#include "db/db_int.h" /* db_control: a transaction by hand */
#include "harness.h"

/* frozen until this time (ms, CLOCK_MONOTONIC; 0 = not frozen): a freeze
 * ends by itself after 10 s, so a pnyxd without the bound fails the
 * timing assertion instead of hanging the test */
static _Atomic int64_t frozen_until;
/* Bumped to close every proxied connection (both sides). */
static atomic_int cut_gen;
static char proxy_dir[64];
static char upstream[100];
static int listen_fd = -1;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_frozen(void)
{
    return now_ms() < atomic_load(&frozen_until);
}

static void freeze(bool on)
{
    atomic_store(&frozen_until, on ? now_ms() + 10000 : 0);
}

static void msleep(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

struct pair {
    int a, b;
};

/* Copies bytes both ways until either side closes; while frozen, reads
 * nothing (the peer's bytes wait in the socket buffers). */
static void *pump(void *arg)
{
    struct pair p = *(struct pair *)arg;
    free(arg);
    char buf[8192];
    int gen = atomic_load(&cut_gen);
    for (;;) {
        if (atomic_load(&cut_gen) != gen)
            break;
        if (is_frozen()) {
            msleep(10);
            continue;
        }
        struct pollfd f[2] = {{.fd = p.a, .events = POLLIN}, {.fd = p.b, .events = POLLIN}};
        if (poll(f, 2, 50) < 0)
            break;
        bool done = false;
        for (int i = 0; i < 2 && !done; i++) {
            if (!(f[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(f[i].fd, buf, sizeof buf);
            if (n <= 0 || write(i == 0 ? p.b : p.a, buf, (size_t)n) != n)
                done = true;
        }
        if (done)
            break;
    }
    close(p.a);
    close(p.b);
    return NULL;
}

static void *acceptor(void *arg)
{
    (void)arg;
    for (;;) {
        if (is_frozen()) {
            msleep(10);
            continue;
        }
        struct pollfd f = {.fd = listen_fd, .events = POLLIN};
        if (poll(&f, 1, 50) <= 0)
            continue;
        int cfd = accept(listen_fd, NULL, NULL);
        if (cfd < 0)
            continue;
        int ufd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un ua = {.sun_family = AF_UNIX};
        memcpy(ua.sun_path, upstream, sizeof upstream);
        if (ufd < 0 || connect(ufd, (struct sockaddr *)&ua, sizeof ua) != 0) {
            close(cfd);
            if (ufd >= 0)
                close(ufd);
            continue;
        }
        struct pair *p = malloc(sizeof *p);
        cr_assert(p != NULL);
        p->a = cfd;
        p->b = ufd;
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, pump, p), 0);
        pthread_detach(t);
    }
    return NULL;
}

/* Starts the proxy and points db/ at it. */
static void setup(void)
{
    const char *host = getenv("PNYX_TEST_PGHOST");
    const char *port = getenv("PNYX_TEST_PGPORT");
    if (host == NULL || host[0] != '/')
        cr_skip_test("needs the test cluster on a unix socket (PNYX_TEST_PGHOST=/dir)");
    snprintf(upstream, sizeof upstream, "%s/.s.PGSQL.%s", host, port ? port : "5432");
    const char *url = h_db_url(); /* postgresql:///NAME?… */
    const char *s = strstr(url, ":///");
    cr_assert(s != NULL, "%s", url);
    s += 4;
    char dbname[128];
    snprintf(dbname, sizeof dbname, "%.*s", (int)strcspn(s, "?"), s);
    snprintf(proxy_dir, sizeof proxy_dir, "/tmp/pnyx-waitb.XXXXXX");
    cr_assert(mkdtemp(proxy_dir) != NULL);
    listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un la = {.sun_family = AF_UNIX};
    snprintf(la.sun_path, sizeof la.sun_path, "%s/.s.PGSQL.5432", proxy_dir);
    cr_assert_eq(bind(listen_fd, (struct sockaddr *)&la, sizeof la), 0, "%s", strerror(errno));
    cr_assert_eq(listen(listen_fd, 64), 0);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, acceptor, NULL), 0);
    pthread_detach(t);
    char conninfo[512];
    snprintf(conninfo, sizeof conninfo, "host=%s port=5432 dbname=%s user=%s", proxy_dir, dbname,
             getenv("PNYX_TEST_PGUSER") ? getenv("PNYX_TEST_PGUSER") : "postgres");
    db_global_init(conninfo);
}

static void teardown(void)
{
    db_thread_close();
    char p[128];
    snprintf(p, sizeof p, "%s/.s.PGSQL.5432", proxy_dir);
    unlink(p);
    rmdir(proxy_dir);
}

static enum db_status one(const char *sql)
{
    struct arena *a = arena_new();
    cr_assert(a != NULL);
    enum db_status st = db_query(db_checkout(), a, sql, 0, NULL, NULL);
    arena_free(a);
    return st;
}

Test(wait_bound, a_silent_server_is_cut_then_fails_fast_then_recovers, .init = setup,
     .fini = teardown, .timeout = 0)
{
    db_set_wait_bound(1000);
    cr_assert_eq(one("SELECT 1"), DB_OK, "through the proxy");
    uint64_t cuts = db_wait_cuts();
    freeze(true);
    int64_t t0 = now_ms();
    enum db_status st = one("SELECT 1");
    int64_t waited = now_ms() - t0;
    cr_assert_eq(st, DB_UNAVAILABLE, "%s", db_status_name(st));
    /* bound 1 s + the ping's 2 s + a tick; margin for a loaded machine */
    cr_assert(waited >= 900 && waited <= 3100 + 3000, "answered after %lld ms", (long long)waited);
    cr_assert_eq(db_wait_cuts(), cuts + 1);
    t0 = now_ms();
    cr_assert_eq(one("SELECT 1"), DB_UNAVAILABLE);
    waited = now_ms() - t0;
    cr_assert(waited < 1000, "the next statement failed fast, not after %lld ms",
              (long long)waited);
    freeze(false);
    t0 = now_ms();
    while (one("SELECT 1") != DB_OK) {
        cr_assert(now_ms() - t0 < 15000, "no recovery within 15 s of the thaw");
        msleep(50);
    }
}

Test(wait_bound, a_long_statement_on_a_live_server_is_not_cut, .init = setup, .fini = teardown,
     .timeout = 0)
{
    db_set_wait_bound(500);
    uint64_t cuts = db_wait_cuts();
    enum db_status st = one("SELECT pg_sleep(2)");
    cr_assert_eq(st, DB_OK, "%s", db_status_name(st));
    cr_assert_eq(db_wait_cuts(), cuts);
}

Test(wait_bound, a_connection_lost_inside_a_transaction_is_not_replaced, .init = setup,
     .fini = teardown, .timeout = 0)
{
    struct arena *a = arena_new();
    cr_assert(a != NULL);
    struct db_conn *c = db_checkout();
    cr_assert_eq(one("CREATE TABLE IF NOT EXISTS wb_lost (v text)"), DB_OK);
    cr_assert_eq(db_control(c, "BEGIN", "t"), DB_OK);
    cr_assert_eq(db_query(c, a, "INSERT INTO wb_lost VALUES ('lost')", 0, NULL, NULL), DB_OK);
    atomic_fetch_add(&cut_gen, 1); /* the server's side of the connection goes */
    msleep(300);
    /* a checkout now (the next request's, a runner's) finds the socket
     * closed: the connection is dropped and must not be replaced */
    c = db_checkout();
    enum db_status st = db_control(c, "COMMIT", "t");
    cr_assert_eq(st, DB_UNAVAILABLE, "COMMIT after the connection was lost: %s",
                 db_status_name(st));
    cr_assert(!db_in_txn(c), "the transaction is over");
    struct db_result r;
    c = db_checkout();
    cr_assert_eq(db_query(c, a, "SELECT count(*) FROM wb_lost WHERE v = 'lost'", 0, NULL, &r),
                 DB_OK);
    cr_assert_str_eq(db_value(&r, 0, 0), "0", "nothing of the lost transaction was stored");
    /* not wedged: the next transaction commits */
    cr_assert_eq(db_control(c, "BEGIN", "t"), DB_OK);
    cr_assert_eq(db_query(c, a, "INSERT INTO wb_lost VALUES ('kept')", 0, NULL, NULL), DB_OK);
    cr_assert_eq(db_control(c, "COMMIT", "t"), DB_OK);
    cr_assert_eq(db_query(c, a, "SELECT count(*) FROM wb_lost WHERE v = 'kept'", 0, NULL, &r),
                 DB_OK);
    cr_assert_str_eq(db_value(&r, 0, 0), "1");
    arena_free(a);
}
