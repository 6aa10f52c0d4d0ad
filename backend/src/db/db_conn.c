/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_conn.c — per-thread PostgreSQL connections, parameterised queries
 * copied into arenas, SQLSTATE classification and the transaction runner.
 *
 * Invariants: a PGconn is only ever used by the thread that owns its
 * struct db_conn; every PGresult is cleared on every path before returning;
 * nothing here writes HTTP replies. A broken connection is detected at
 * checkout (the server's goodbye message makes the socket readable) or by a
 * failing query, then dropped and reopened by the next query.
 */
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libpq-fe.h>

#include "db/db.h"
#include "db/db_int.h"
#include "platform/crypto.h"
#include "platform/log.h"

/* After a failed connection attempt, queries fail fast with
 * DB_UNAVAILABLE for this long instead of reconnecting on every request:
 * a down database must not turn each request into a connect() storm,
 * while recovery after a restart still happens within a quarter second. */
#define DB_RECONNECT_BACKOFF_US 250000
/* Why 3 s: a TCP connect to a vanished host must not pin a pool thread
 * (and every connection it serves) for the kernel's minutes-long timeout. */
#define DB_CONNECT_TIMEOUT "3"

struct db_conn {
    PGconn *pg;
    bool is_read; /* a read connection (db_read_checkout): g_read_conninfo, never g_down */
    int64_t last_fail_us;
    bool needs_check;                /* set by db_checkout; cleared by the first query */
    const char *pending_begin;       /* BEGIN … not sent yet (static string), see exec_one */
    bool in_txn;                     /* between db_control BEGIN and COMMIT/ROLLBACK */
    const struct db_stmt **prepared; /* statements prepared on pg */
    size_t nprepared, capprepared;
    char sqlstate[6];
    char constraint[64];
    uint64_t writes; /* statements that changed rows (db_writes) */
    /* The wait bound (db_set_wait_bound): under g_wd_mu. wd_deadline_us is
     * set while the owner waits on the server (0 otherwise); the watchdog
     * only shuts wd_fd down while it is set, and the owner clears it before
     * it could close the socket (drop), so a reused descriptor is never hit. */
    int wd_fd;
    bool wd_armed; /* owner only, no lock: whether disarm has work */
    int64_t wd_deadline_us;
    bool wd_cut;
    /* The server this connection reached (PQhost/PQport at connect, under
     * g_wd_mu): with several hosts listed, the watchdog asks THAT server
     * whether it answers, not whichever the list finds first. */
    char wd_host[256];
    char wd_port[16];
    struct db_conn *wd_next, *wd_prev; /* every thread's connection */
};

static char *g_conninfo;
/* The watchdog's "does the server answer" opens a real connection instead
 * of PQping when the connection string asks for a kind of server
 * (target_session_attrs other than "any", e.g. a multi-host string that
 * must find the primary, issue 15): PQping reports "up" as soon as ANY
 * listed host answers the startup packet, a standby included, so with the
 * primary dead or frozen and its standby alive the watchdog would clear
 * g_down at once (every thread then pays a connect attempt per request)
 * and would give a statement stuck on a frozen primary bound after bound,
 * never cutting it. A real connection answers only when libpq finds a
 * server of the asked kind. Single-host strings keep PQping (a server at
 * max_connections still "answers" it, as before). */
static bool g_ping_connects;
static atomic_bool g_warm; /* db_set_warm */
static atomic_uint_fast64_t g_errors;
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static _Thread_local struct db_conn *tl_conn;

/* The read connections (issue 15, db_read_checkout): NULL = no read URL,
 * and then nothing below costs anything. */
static char *g_read_conninfo;
static pthread_key_t g_read_key;
static _Thread_local struct db_conn *tl_read;
/* Monotonic µs before which no thread tries the read server again after
 * it failed (a connect, a statement cut by the wait bound): reads go to
 * the primary meanwhile, and a dead standby costs one connect attempt per
 * DB_READ_RETRY_US, not one per request. */
static atomic_int_fast64_t g_read_down_until;
static atomic_uint_fast64_t g_read_served, g_read_fallbacks;
/* Why 1 s: a standby restart or a failover takes seconds; retrying it
 * more often only adds connect attempts, less often keeps reads on the
 * primary longer than the outage. */
#define DB_READ_RETRY_US 1000000

static pthread_mutex_t g_wd_mu = PTHREAD_MUTEX_INITIALIZER;
static struct db_conn *g_wd_list;
static atomic_uint g_wait_ms;
/* Set by the watchdog when the server does not answer a new connection
 * (and by a failed connect while the watchdog runs); cleared by the
 * watchdog's ping once it answers again. While set every query fails fast
 * with DB_UNAVAILABLE on every thread: one HTTP thread serves many
 * connections in turn, so a thread blocking 3 s in each connect attempt
 * would delay every request queued behind it by as much. */
static atomic_bool g_down;
static atomic_bool g_wd_running;
static atomic_uint_fast64_t g_wait_cuts;
static atomic_uint_fast64_t g_recoveries;
static pthread_once_t g_wd_once = PTHREAD_ONCE_INIT;
/* Why 100 ms: the bound is seconds; a tenth of a second of slack is noise
 * next to it, and ten wakes a second cost nothing. */
#define DB_WATCHDOG_TICK_NS 100000000L

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *db_status_name(enum db_status st)
{
    switch (st) {
    case DB_OK:
        return "DB_OK";
    case DB_NOT_FOUND:
        return "DB_NOT_FOUND";
    case DB_CONFLICT:
        return "DB_CONFLICT";
    case DB_SOFT_ERROR:
        return "DB_SOFT_ERROR";
    case DB_HARD_ERROR:
        return "DB_HARD_ERROR";
    case DB_UNAVAILABLE:
        return "DB_UNAVAILABLE";
    case DB_REFUSED:
        return "DB_REFUSED";
    }
    return "DB_?";
}

enum db_status db_classify_sqlstate(const char *s)
{
    if (!s || strlen(s) != 5)
        return DB_UNAVAILABLE;
    if (strcmp(s, "23505") == 0)
        return DB_CONFLICT;
    if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0)
        return DB_SOFT_ERROR;
    if (strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 || strcmp(s, "57P02") == 0 ||
        strcmp(s, "57P03") == 0 || strcmp(s, "53300") == 0)
        return DB_UNAVAILABLE;
    /* disk_full (issue 13, tests/reliability/env_disk_full): the database
     * cannot grow a table or index; the transaction is rolled back whole,
     * and the same request succeeds once space returns, so 503 +
     * Retry-After, not a 500 (fail() logs the sqlstate and PostgreSQL's
     * "could not extend file …: No space left on device"). */
    if (strcmp(s, "53100") == 0)
        return DB_UNAVAILABLE;
    /* read_only_sql_transaction (issue 15): the connection is on a server
     * that cannot write — a standby, or a primary demoted under it by a
     * failover. Nothing is written; 503 + Retry-After, and fail() drops the
     * connection so the next query connects again and libpq's
     * target_session_attrs=read-write finds the new primary. */
    if (strcmp(s, "25006") == 0)
        return DB_UNAVAILABLE;
    return DB_HARD_ERROR;
}

/* The hosts of a multi-host string, in the order given, and the order
 * pnyxd tries them in: the server that last accepted a connection first
 * (issue 15). libpq 15 tries the list in order on every new connection, so
 * after a failover to the second host every new connection would first
 * wait connect_timeout on a first host that black-holes packets (a dead
 * machine). Only for a "host" list without "hostaddr"; ports as given
 * (one for all, or one each). */
#define DB_MAX_HOSTS 16
static char *g_hosts[DB_MAX_HOSTS], *g_ports[DB_MAX_HOSTS];
static int g_nhosts;
static pthread_mutex_t g_pref_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_pref_hosts[2048], g_pref_ports[512]; /* "" = the string's order */
static int g_pref_first = -1;

/* Splits a comma-separated list into out (strdup'd); returns the count,
 * or -1 when there are more than max. */
static int split_list(const char *v, char **out, int max)
{
    int n = 0;
    const char *p = v;
    for (;;) {
        size_t len = strcspn(p, ",");
        if (n == max)
            return -1;
        out[n] = strndup(p, len);
        if (!out[n])
            abort();
        n++;
        if (p[len] == '\0')
            return n;
        p += len + 1;
    }
}

static void hosts_init(PQconninfoOption *opts)
{
    for (int i = 0; i < g_nhosts; i++) {
        free(g_hosts[i]);
        free(g_ports[i]);
        g_hosts[i] = g_ports[i] = NULL;
    }
    g_nhosts = 0;
    g_pref_hosts[0] = g_pref_ports[0] = '\0';
    g_pref_first = 0; /* "" lists: the string's order, its first host first */
    const char *host = NULL, *port = NULL, *hostaddr = NULL;
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "hostaddr") == 0)
            hostaddr = o->val;
    }
    if (!host || !strchr(host, ',') || (hostaddr && *hostaddr))
        return;
    int n = split_list(host, g_hosts, DB_MAX_HOSTS);
    char *ports[DB_MAX_HOSTS] = {0};
    int np = port && *port ? split_list(port, ports, DB_MAX_HOSTS) : 0;
    if (n < 2 || (np != 0 && np != 1 && np != n)) {
        for (int i = 0; i < DB_MAX_HOSTS; i++) {
            free(g_hosts[i]);
            free(ports[i]);
            g_hosts[i] = NULL;
        }
        return; /* libpq will say what is wrong with it */
    }
    for (int i = 0; i < n; i++) {
        g_ports[i] = strdup(np == 0 ? "" : ports[np == 1 ? 0 : i]);
        if (!g_ports[i])
            abort();
    }
    for (int i = 0; i < np; i++)
        free(ports[i]);
    g_nhosts = n;
}

/* Records that host:port accepted a connection of the asked kind: new
 * connections try it first. Cheap when it already is first. */
static void note_server(const char *host, const char *port)
{
    if (g_nhosts < 2 || !host)
        return;
    int k = -1;
    for (int i = 0; i < g_nhosts && k < 0; i++) {
        if (strcmp(g_hosts[i], host) == 0 &&
            (g_ports[i][0] == '\0' || (port && strcmp(g_ports[i], port) == 0)))
            k = i;
    }
    pthread_mutex_lock(&g_pref_mu);
    if (k < 0 || k == g_pref_first) {
        pthread_mutex_unlock(&g_pref_mu);
        return;
    }
    size_t hl = 0, pl = 0;
    bool fits = true;
    for (int j = -1; j < g_nhosts && fits; j++) {
        int i = j < 0 ? k : j;
        if (j == k)
            continue;
        const char *sep = j < 0 ? "" : ",";
        size_t hn = strlen(sep) + strlen(g_hosts[i]), pn = strlen(sep) + strlen(g_ports[i]);
        fits = hl + hn < sizeof g_pref_hosts && pl + pn < sizeof g_pref_ports;
        if (fits) {
            size_t sl = strlen(sep);
            memcpy(g_pref_hosts + hl, sep, sl);
            memcpy(g_pref_hosts + hl + sl, g_hosts[i], hn - sl + 1);
            memcpy(g_pref_ports + pl, sep, sl);
            memcpy(g_pref_ports + pl + sl, g_ports[i], pn - sl + 1);
            hl += hn;
            pl += pn;
        }
    }
    if (!fits) {
        g_pref_hosts[0] = g_pref_ports[0] = '\0'; /* too long: the string's order */
        g_pref_first = 0;
    } else {
        if (g_ports[0][0] == '\0')
            g_pref_ports[0] = '\0';
        g_pref_first = k;
    }
    pthread_mutex_unlock(&g_pref_mu);
    log_info("database: %s%s%s accepted; new connections try it first", host, port ? ":" : "",
             port ? port : "");
}

/* Copies the preferred host and port lists ("" when none). */
static void pref_lists(char *hosts, size_t hn, char *ports, size_t pn)
{
    pthread_mutex_lock(&g_pref_mu);
    snprintf(hosts, hn, "%s", g_pref_hosts);
    snprintf(ports, pn, "%s", g_pref_ports);
    pthread_mutex_unlock(&g_pref_mu);
}

void db_global_init(const char *conninfo)
{
    free(g_conninfo);
    g_conninfo = strdup(conninfo ? conninfo : "");
    if (!g_conninfo)
        abort();
    g_ping_connects = false;
    const char *tsa = getenv("PGTARGETSESSIONATTRS");
    char *err = NULL;
    PQconninfoOption *opts = *g_conninfo ? PQconninfoParse(g_conninfo, &err) : NULL;
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (strcmp(o->keyword, "target_session_attrs") == 0 && o->val)
            tsa = o->val;
    }
    g_ping_connects = tsa && *tsa && strcmp(tsa, "any") != 0;
    hosts_init(opts);
    PQconninfoFree(opts);
    PQfreemem(err);
}

uint64_t db_error_count(void)
{
    return atomic_load_explicit(&g_errors, memory_order_relaxed);
}

static void wd_disarm(struct db_conn *c);

static void drop(struct db_conn *c)
{
    wd_disarm(c); /* before PQfinish closes the descriptor the watchdog may hold */
    if (c->pg)
        PQfinish(c->pg);
    c->pg = NULL;
    c->nprepared = 0;
    c->pending_begin = NULL;
}

static void conn_destroy(void *p)
{
    struct db_conn *c = p;
    if (!c)
        return;
    drop(c);
    pthread_mutex_lock(&g_wd_mu);
    if (c->wd_prev)
        c->wd_prev->wd_next = c->wd_next;
    else if (g_wd_list == c)
        g_wd_list = c->wd_next;
    if (c->wd_next)
        c->wd_next->wd_prev = c->wd_prev;
    pthread_mutex_unlock(&g_wd_mu);
    free(c->prepared);
    free(c);
}

static void key_init(void)
{
    if (pthread_key_create(&g_key, conn_destroy) != 0 ||
        pthread_key_create(&g_read_key, conn_destroy) != 0)
        abort();
}

/* --- the wait bound (db.h) ------------------------------------------------------- */

/* Does the server answer a new connection within DB_PING_TIMEOUT_S? A
 * frozen postmaster accepts the socket (the kernel's backlog) but never
 * answers the startup packet: libpq gives up at connect_timeout. */
static bool server_answers(const char *host, const char *port)
{
    char tmo[8];
    snprintf(tmo, sizeof tmo, "%d", DB_PING_TIMEOUT_S);
    /* Later keywords override the expanded connection string's (libpq):
     * host and port name one server of a list. */
    const char *kw[] = {"connect_timeout", "application_name", "dbname", "host", "port", NULL};
    const char *val[] = {tmo, "pnyxd-watchdog", g_conninfo ? g_conninfo : "", host, port, NULL};
    char hosts[sizeof g_pref_hosts] = "", ports[sizeof g_pref_ports] = "";
    if ((!host || !*host) && g_nhosts > 1) {
        pref_lists(hosts, sizeof hosts, ports, sizeof ports);
        host = hosts;
        port = ports;
    }
    if (!host || !*host)
        kw[3] = NULL;
    if (!g_conninfo || !*g_conninfo) {
        kw[2] = "application_name"; /* no string to expand: repeat a harmless key */
        val[2] = "pnyxd-watchdog";
    }
    if (!g_ping_connects)
        return PQpingParams(kw, val, 1) == PQPING_OK;
    PGconn *pg = PQconnectdbParams(kw, val, 1);
    bool ok = pg && PQstatus(pg) == CONNECTION_OK;
    if (ok)
        note_server(PQhost(pg), PQport(pg));
    PQfinish(pg);
    return ok;
}

/* Whether a connection's statement is past its bound (under g_wd_mu). */
static bool overdue(const struct db_conn *c, int64_t t)
{
    return c->wd_deadline_us != 0 && t > c->wd_deadline_us && !c->wd_cut && c->wd_fd >= 0;
}

/* Cuts the armed statements (all, or only those past their bound) under
 * g_wd_mu; returns how many. */
static unsigned cut_armed(bool only_overdue, int64_t t, bool reads)
{
    unsigned cut = 0;
    pthread_mutex_lock(&g_wd_mu);
    for (struct db_conn *c = g_wd_list; c; c = c->wd_next) {
        if (c->wd_deadline_us == 0 || c->wd_cut || c->wd_fd < 0 || c->is_read != reads)
            continue;
        if (only_overdue && !overdue(c, t))
            continue;
        /* counted before the wake-up: the owner may return and read
         * db_wait_cuts() before this thread runs again */
        atomic_fetch_add(&g_wait_cuts, 1);
        c->wd_cut = true;
        cut++;
        /* wakes the owner's poll()/recv() in libpq with EOF: the
         * statement fails, the owner drops the connection */
        shutdown(c->wd_fd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&g_wd_mu);
    return cut;
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec tick = {0, DB_WATCHDOG_TICK_NS};
        nanosleep(&tick, NULL);
        if (atomic_load(&g_down)) {
            cut_armed(false, 0, false); /* none should be: db_connect fails fast */
            if (server_answers(NULL, NULL)) {
                atomic_store(&g_down, false);
                atomic_fetch_add(&g_recoveries, 1);
                log_info("database answers again");
            }
            continue;
        }
        /* A read connection past its bound is cut without asking: its
         * request falls back to the primary (db_read_checkout), which is
         * cheaper than telling a long read from a silent standby. */
        if (g_read_conninfo && cut_armed(true, now_us(), true) > 0) {
            atomic_store(&g_read_down_until, now_us() + DB_READ_RETRY_US);
            log_warn("read database silent for %u ms: statement(s) cut; reads go to the primary",
                     atomic_load(&g_wait_ms));
        }
        /* The server of the first overdue statement (issue 15: after a
         * failover, statements may wait on the old primary while the list
         * finds a new one; asking the list would call the old one "long"
         * and wait on it forever). Others on another server are asked
         * about at the next tick. */
        bool any = false;
        char host[sizeof g_wd_list->wd_host], port[sizeof g_wd_list->wd_port];
        pthread_mutex_lock(&g_wd_mu);
        for (struct db_conn *c = g_wd_list; c && !any; c = c->wd_next) {
            any = !c->is_read && overdue(c, now_us());
            if (any) {
                memcpy(host, c->wd_host, sizeof host);
                memcpy(port, c->wd_port, sizeof port);
            }
        }
        pthread_mutex_unlock(&g_wd_mu);
        if (!any)
            continue;
        if (server_answers(host, port)) { /* outside the lock: up to 2 s */
            /* long, not silent: each overdue statement on that server gets
             * another bound */
            int64_t t = now_us(), more = (int64_t)atomic_load(&g_wait_ms) * 1000;
            pthread_mutex_lock(&g_wd_mu);
            for (struct db_conn *c = g_wd_list; c; c = c->wd_next) {
                if (!c->is_read && overdue(c, t) && strcmp(c->wd_host, host) == 0 &&
                    strcmp(c->wd_port, port) == 0)
                    c->wd_deadline_us = t + more;
            }
            pthread_mutex_unlock(&g_wd_mu);
            continue;
        }
        atomic_store(&g_down, true);
        /* every statement in flight waits on the same silent server */
        unsigned cut = cut_armed(false, 0, false);
        log_warn("database silent for %u ms and not answering a new connection: %u "
                 "statement(s) cut; 503 until it answers",
                 atomic_load(&g_wait_ms), cut);
    }
    return NULL;
}

static void watchdog_start(void)
{
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &at, watchdog_main, NULL) != 0)
        log_error("database wait bound: no watchdog thread; statements wait unbounded");
    else
        atomic_store(&g_wd_running, true);
    pthread_attr_destroy(&at);
}

void db_set_wait_bound(unsigned ms)
{
    atomic_store(&g_wait_ms, ms);
    if (ms > 0)
        pthread_once(&g_wd_once, watchdog_start);
}

uint64_t db_wait_cuts(void)
{
    return atomic_load(&g_wait_cuts);
}

uint64_t db_recoveries(void)
{
    return atomic_load(&g_recoveries);
}

/* Arms the bound around one wait on the server (owner thread only). */
static void wd_arm(struct db_conn *c)
{
    unsigned ms = atomic_load_explicit(&g_wait_ms, memory_order_relaxed);
    if (ms == 0 || !c->pg)
        return;
    c->wd_armed = true;
    pthread_mutex_lock(&g_wd_mu);
    c->wd_fd = PQsocket(c->pg);
    c->wd_deadline_us = now_us() + (int64_t)ms * 1000;
    c->wd_cut = false;
    pthread_mutex_unlock(&g_wd_mu);
}

static void wd_disarm(struct db_conn *c)
{
    if (!c->wd_armed)
        return;
    c->wd_armed = false;
    pthread_mutex_lock(&g_wd_mu);
    bool cut = c->wd_cut;
    c->wd_deadline_us = 0;
    c->wd_fd = -1;
    c->wd_cut = false;
    pthread_mutex_unlock(&g_wd_mu);
    if (cut)
        log_info("a statement cut by the wait bound: dropping its connection");
}

static struct db_conn *conn_new(bool is_read)
{
    pthread_once(&g_key_once, key_init);
    struct db_conn *c = pnyx_xcalloc(1, sizeof(*c));
    c->wd_fd = -1;
    c->is_read = is_read;
    pthread_mutex_lock(&g_wd_mu);
    c->wd_next = g_wd_list;
    if (g_wd_list)
        g_wd_list->wd_prev = c;
    g_wd_list = c;
    pthread_mutex_unlock(&g_wd_mu);
    /* The key's destructor closes the connection when the thread exits. */
    if (pthread_setspecific(is_read ? g_read_key : g_key, c) != 0)
        abort();
    return c;
}

struct db_conn *db_thread_conn(void)
{
    if (PNYX_LIKELY(tl_conn != NULL))
        return tl_conn;
    tl_conn = conn_new(false);
    return tl_conn;
}

void db_global_init_read(const char *conninfo)
{
    free(g_read_conninfo);
    g_read_conninfo = NULL;
    if (conninfo && *conninfo) {
        g_read_conninfo = strdup(conninfo);
        if (!g_read_conninfo)
            abort();
    }
}

bool db_read_configured(void)
{
    return g_read_conninfo != NULL;
}

struct db_conn *db_read_checkout(void)
{
    if (PNYX_LIKELY(g_read_conninfo == NULL))
        return NULL;
    if (now_us() < atomic_load_explicit(&g_read_down_until, memory_order_relaxed))
        return NULL;
    if (tl_read == NULL)
        tl_read = conn_new(true);
    tl_read->needs_check = true;
    tl_read->sqlstate[0] = '\0';
    tl_read->constraint[0] = '\0';
    return tl_read;
}

void db_read_note(bool served)
{
    atomic_fetch_add_explicit(served ? &g_read_served : &g_read_fallbacks, 1, memory_order_relaxed);
}

uint64_t db_read_served(void)
{
    return atomic_load_explicit(&g_read_served, memory_order_relaxed);
}

uint64_t db_read_fallbacks(void)
{
    return atomic_load_explicit(&g_read_fallbacks, memory_order_relaxed);
}

void db_thread_close(void)
{
    if (tl_read) {
        pthread_setspecific(g_read_key, NULL);
        conn_destroy(tl_read);
        tl_read = NULL;
    }
    if (!tl_conn)
        return;
    pthread_setspecific(g_key, NULL);
    conn_destroy(tl_conn);
    tl_conn = NULL;
}

struct db_conn *db_checkout(void)
{
    struct db_conn *c = db_thread_conn();
    /* No syscall here: most requests never touch the database. The check
     * runs at the first query of the request (db_connect). */
    c->needs_check = true;
    c->sqlstate[0] = '\0';
    c->constraint[0] = '\0';
    return c;
}

/* Drops a connection the server has closed or said goodbye on. An idle
 * connection has nothing to read (Pnyx never LISTENs): a readable socket
 * means the server sent its termination notice (restart, admin shutdown)
 * or closed it. PQconsumeInput alone does not tell: it buffers the FATAL
 * message and reports success until a later read hits EOF, so the first
 * request after a restart would fail. Any unsolicited input therefore
 * drops the connection; the rare harmless message costs one reconnect. */
static void check_idle(struct db_conn *c)
{
    c->needs_check = false;
    if (!c->pg)
        return;
    if (PQstatus(c->pg) != CONNECTION_OK) {
        drop(c);
        return;
    }
    struct pollfd pfd = {.fd = PQsocket(c->pg), .events = POLLIN};
    if (pfd.fd < 0 || poll(&pfd, 1, 0) != 0) {
        log_info("database connection closed by the server; reconnecting");
        drop(c);
    }
}

static void notice_ignore(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs (e.g. "relation exists, skipping") are noise */
}

enum db_status db_connect(struct db_conn *c)
{
    if (c->needs_check)
        check_idle(c);
    if (!c->is_read && atomic_load_explicit(&g_down, memory_order_relaxed)) {
        /* the watchdog found the server silent or unreachable: fail fast
         * (a connection kept could be mid-transaction on a frozen server) */
        drop(c);
        return DB_UNAVAILABLE;
    }
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
        return DB_OK;
    drop(c);
    /* A connection lost inside a transaction is never replaced (issue 13,
     * tests/reliability/fault_terminate): the rest of the transaction would
     * run in autocommit on the new one, and its COMMIT, which PostgreSQL
     * answers outside a transaction with a mere warning, would "succeed"
     * for writes rolled back with the old connection — a 201 for a ballot
     * never stored (pg_terminate_backend right after a batch's statement).
     * The caller's COMMIT or ROLLBACK ends the transaction (db_control). */
    if (c->in_txn)
        return DB_UNAVAILABLE;
    int64_t t = now_us();
    if (c->last_fail_us && t - c->last_fail_us < DB_RECONNECT_BACKOFF_US)
        return DB_UNAVAILABLE;
    const char *info = c->is_read ? g_read_conninfo : g_conninfo;
    char hosts[sizeof g_pref_hosts] = "", ports[sizeof g_pref_ports] = "";
    if (!c->is_read && g_nhosts > 1)
        pref_lists(hosts, sizeof hosts, ports, sizeof ports);
    /* Later keywords override the expanded string's (libpq); empty ones
     * are ignored. */
    const char *kw[] = {"connect_timeout", "application_name", "dbname", "host", "port", NULL};
    const char *val[] = {DB_CONNECT_TIMEOUT,
                         c->is_read ? "pnyxd-read" : "pnyxd",
                         info ? info : "",
                         hosts,
                         ports,
                         NULL};
    if (!info || !*info)
        kw[2] = NULL;
    c->pg = PQconnectdbParams(kw, val, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        char msg[256] = "out of memory";
        if (c->pg) {
            snprintf(msg, sizeof msg, "%s", PQerrorMessage(c->pg));
            msg[strcspn(msg, "\n")] = '\0';
        }
        log_warn("%s connection failed: %s", c->is_read ? "read database" : "database", msg);
        atomic_fetch_add_explicit(&g_errors, 1, memory_order_relaxed);
        drop(c);
        c->last_fail_us = t;
        if (c->is_read) {
            atomic_store(&g_read_down_until, t + DB_READ_RETRY_US);
            return DB_UNAVAILABLE;
        }
        if (atomic_load(&g_wd_running))
            atomic_store(&g_down, true); /* every thread fails fast until the ping answers */
        return DB_UNAVAILABLE;
    }
    PQsetNoticeProcessor(c->pg, notice_ignore, NULL);
    c->last_fail_us = 0;
    const char *h = PQhost(c->pg), *pt = PQport(c->pg);
    if (!c->is_read)
        note_server(h, pt);
    pthread_mutex_lock(&g_wd_mu);
    snprintf(c->wd_host, sizeof c->wd_host, "%s", h ? h : "");
    snprintf(c->wd_port, sizeof c->wd_port, "%s", pt ? pt : "");
    pthread_mutex_unlock(&g_wd_mu);
    if (c->is_read || !atomic_load_explicit(&g_warm, memory_order_relaxed))
        return DB_OK;
    /* Its statements find this connection open (no nested connect, so no
     * nested warm-up); the first that fails dropped it and ends it. */
    db_warm_hot(c);
    return c->pg && PQstatus(c->pg) == CONNECTION_OK ? DB_OK : DB_UNAVAILABLE;
}

void db_set_warm(bool on)
{
    atomic_store(&g_warm, on);
}

/* Classifies a failed result, records SQLSTATE/constraint, logs. */
static enum db_status fail(struct db_conn *c, PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *cons = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    const char *prim = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    enum db_status st;
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK)
        st = DB_UNAVAILABLE;
    else
        st = db_classify_sqlstate(state);
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
    snprintf(c->constraint, sizeof c->constraint, "%s", cons ? cons : "");
    char msg[256];
    snprintf(msg, sizeof msg, "%s",
             prim ? prim : (c->pg ? PQerrorMessage(c->pg) : "no connection"));
    msg[strcspn(msg, "\n")] = '\0';
    if (st == DB_CONFLICT) {
        log_debug("db %s: conflict on %s", what, c->constraint);
    } else {
        atomic_fetch_add_explicit(&g_errors, 1, memory_order_relaxed);
        if (st == DB_HARD_ERROR)
            log_error("db %s failed: sqlstate=%s %s", what, c->sqlstate, msg);
        else
            log_warn("db %s failed (%s): sqlstate=%s %s", what, db_status_name(st), c->sqlstate,
                     msg);
    }
    if (st == DB_UNAVAILABLE)
        drop(c);
    return st;
}

/* Copies a successful result into the arena. */
static void copy_result(PGresult *res, struct arena *a, struct db_result *out)
{
    int nr = PQntuples(res), nc = PQnfields(res);
    out->nrows = nr;
    out->ncols = nc;
    out->values = NULL;
    if (nr > 0 && nc > 0) {
        out->values = arena_calloc(a, (size_t)nr * (size_t)nc, sizeof(char *));
        for (int r = 0; r < nr; r++) {
            for (int k = 0; k < nc; k++) {
                if (PQgetisnull(res, r, k))
                    continue;
                out->values[(size_t)r * (size_t)nc + (size_t)k] =
                    arena_strndup(a, PQgetvalue(res, r, k), (size_t)PQgetlength(res, r, k));
            }
        }
    }
    const char *aff = PQcmdTuples(res);
    out->affected = (aff && *aff) ? strtoll(aff, NULL, 10) : 0;
}

static enum db_status finish(struct db_conn *c, PGresult *res, const char *what, struct arena *a,
                             struct db_result *out)
{
    ExecStatusType t = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    enum db_status st;
    if (t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK) {
        if (out)
            copy_result(res, a, out);
        /* "INSERT 0 1", "UPDATE 2", "DELETE 1": a change (SELECT n is not;
         * nor is a count of 0). */
        const char *cmd = PQcmdStatus(res), *n = PQcmdTuples(res);
        if (n && *n && strcmp(n, "0") != 0 && strncmp(cmd, "SELECT", 6) != 0)
            c->writes++;
        st = DB_OK;
    } else {
        st = fail(c, res, what);
    }
    PQclear(res);
    return st;
}

/*
 * Runs one statement: the prepared statement `name`, or `sql` with
 * parameters. A transaction's BEGIN is not sent on its own (db_control
 * keeps it pending): it goes out with the transaction's first statement in
 * one libpq pipeline, saving a round trip per transaction, which on a
 * group-committed batch is time the audit-log head stays locked. Returns
 * the statement's result (NULL or an error result on failure; a failed
 * BEGIN is returned in its place).
 */
static PGresult *exec_one(struct db_conn *c, const char *name, const char *sql, int nparams,
                          const char *const *params)
{
    const char *begin = c->pending_begin;
    c->pending_begin = NULL;
    if (begin == NULL) {
        return sql ? PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0)
                   : PQexecPrepared(c->pg, name, nparams, params, NULL, NULL, 0);
    }
    if (PQenterPipelineMode(c->pg) != 1) {
        PGresult *b = PQexec(c->pg, begin);
        if (PQresultStatus(b) != PGRES_COMMAND_OK)
            return b;
        PQclear(b);
        return exec_one(c, name, sql, nparams, params);
    }
    int sent = PQsendQueryParams(c->pg, begin, 0, NULL, NULL, NULL, NULL, 0) &&
               (sql ? PQsendQueryParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0)
                    : PQsendQueryPrepared(c->pg, name, nparams, params, NULL, NULL, 0)) &&
               PQpipelineSync(c->pg);
    /* Results: BEGIN's, NULL, the statement's, NULL, then the sync. A
     * failed BEGIN makes the statement PGRES_PIPELINE_ABORTED. */
    PGresult *begin_res = NULL, *res = NULL;
    int seen = 0;
    if (sent) {
        for (;;) {
            PGresult *r = PQgetResult(c->pg);
            if (r == NULL) {
                if (PQstatus(c->pg) != CONNECTION_OK)
                    break;
                continue; /* the end of one query's results */
            }
            ExecStatusType t = PQresultStatus(r);
            if (t == PGRES_PIPELINE_SYNC) {
                PQclear(r);
                break;
            }
            if (seen == 0) {
                begin_res = r;
            } else if (seen == 1) {
                res = r;
            } else {
                PQclear(r);
            }
            seen++;
        }
    }
    if (PQexitPipelineMode(c->pg) != 1) {
        /* Only when results are left unread: the connection is unusable. */
        PQclear(begin_res);
        PQclear(res);
        drop(c);
        return NULL;
    }
    if (begin_res != NULL && PQresultStatus(begin_res) != PGRES_COMMAND_OK) {
        PQclear(res);
        return begin_res;
    }
    PQclear(begin_res);
    return res;
}

enum db_status db_query(struct db_conn *c, struct arena *a, const char *sql, int nparams,
                        const char *const *params, struct db_result *out)
{
    if (out)
        memset(out, 0, sizeof(*out));
    if (c->in_txn && !c->pg)
        return DB_UNAVAILABLE; /* lost inside a transaction (db_control) */
    enum db_status st = db_connect(c);
    if (st != DB_OK)
        return st;
    wd_arm(c);
    PGresult *res = exec_one(c, NULL, sql, nparams, params);
    wd_disarm(c);
    return finish(c, res, "query", a, out);
}

static bool is_prepared(struct db_conn *c, const struct db_stmt *s)
{
    for (size_t i = 0; i < c->nprepared; i++) {
        if (c->prepared[i] == s)
            return true;
    }
    return false;
}

enum db_status db_query_stmt(struct db_conn *c, struct arena *a, const struct db_stmt *stmt,
                             const char *const *params, struct db_result *out)
{
    if (out)
        memset(out, 0, sizeof(*out));
    if (c->in_txn && !c->pg)
        return DB_UNAVAILABLE; /* lost inside a transaction (db_control) */
    enum db_status st = db_connect(c);
    if (st != DB_OK)
        return st;
    if (!is_prepared(c, stmt)) {
        wd_arm(c);
        PGresult *pr = PQprepare(c->pg, stmt->name, stmt->sql, stmt->nparams, NULL);
        wd_disarm(c);
        st = finish(c, pr, stmt->name, a, NULL);
        if (st != DB_OK)
            return st;
        if (c->nprepared == c->capprepared) {
            c->capprepared = c->capprepared ? c->capprepared * 2 : 16;
            c->prepared = pnyx_xrealloc(c->prepared, c->capprepared * sizeof(*c->prepared));
        }
        c->prepared[c->nprepared++] = stmt;
    }
    wd_arm(c);
    PGresult *res = exec_one(c, stmt->name, NULL, stmt->nparams, params);
    wd_disarm(c);
    return finish(c, res, stmt->name, a, out);
}

enum db_status db_query_one(struct db_conn *c, struct arena *a, const struct db_stmt *stmt,
                            const char *const *params, struct db_result *out)
{
    struct db_result tmp;
    struct db_result *r = out ? out : &tmp;
    enum db_status st = db_query_stmt(c, a, stmt, params, r);
    if (st == DB_OK && r->nrows == 0)
        return DB_NOT_FOUND;
    return st;
}

enum db_status db_ping(struct db_conn *c)
{
    enum db_status st = db_connect(c);
    if (st != DB_OK)
        return st;
    wd_arm(c);
    PGresult *res = PQexec(c->pg, "SELECT 1");
    wd_disarm(c);
    st = finish(c, res, "ping", NULL, NULL);
    return st == DB_OK ? DB_OK : DB_UNAVAILABLE;
}

const char *db_sqlstate(const struct db_conn *c)
{
    return c->sqlstate;
}

const char *db_constraint(const struct db_conn *c)
{
    return c->constraint;
}

const char *db_value(const struct db_result *r, int row, int col)
{
    if (row < 0 || col < 0 || row >= r->nrows || col >= r->ncols)
        return NULL;
    return r->values[(size_t)row * (size_t)r->ncols + (size_t)col];
}

bool db_is_null(const struct db_result *r, int row, int col)
{
    return db_value(r, row, col) == NULL;
}

int db_get_i64(const struct db_result *r, int row, int col, int64_t *out)
{
    const char *v = db_value(r, row, col);
    if (!v || !*v)
        return -1;
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    if (*end)
        return -1;
    *out = (int64_t)x;
    return 0;
}

int db_get_bool(const struct db_result *r, int row, int col, bool *out)
{
    const char *v = db_value(r, row, col);
    if (!v || (v[0] != 't' && v[0] != 'f') || v[1])
        return -1;
    *out = v[0] == 't';
    return 0;
}

const char *db_param_i64(struct arena *a, int64_t v)
{
    return arena_printf(a, "%" PRId64, v);
}

/* --- work deferred to just before COMMIT ------------------------------------ */

static const struct db_commit_hook *_Atomic g_hook;

void db_set_commit_hook(const struct db_commit_hook *h)
{
    atomic_store(&g_hook, h);
}

enum db_status db_deferred_flush(struct db_conn *c)
{
    const struct db_commit_hook *h = atomic_load(&g_hook);
    return h ? h->flush(c) : DB_OK;
}

size_t db_deferred_mark(void)
{
    const struct db_commit_hook *h = atomic_load(&g_hook);
    return h ? h->mark() : 0;
}

void db_deferred_rewind(size_t mark)
{
    const struct db_commit_hook *h = atomic_load(&g_hook);
    if (h)
        h->rewind(mark);
}

bool db_in_txn(const struct db_conn *c)
{
    return c->in_txn;
}

enum db_status db_control(struct db_conn *c, const char *sql, const char *name)
{
    bool begin = strncmp(sql, "BEGIN", 5) == 0;
    bool end = strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0;
    if (c->in_txn && !c->pg) {
        /* The connection died inside the transaction: never let the rest
         * of it run in autocommit on a new one. A BEGIN is not the rest of
         * it: its caller left the dead transaction without ending it (a
         * bug, logged), and refusing would refuse every transaction on this
         * thread from then on. */
        if (!begin) {
            if (end)
                c->in_txn = false;
            return DB_UNAVAILABLE;
        }
        log_error("transaction %s: BEGIN after a transaction lost with its connection and "
                  "never ended; ending it",
                  name);
        c->in_txn = false;
    }
    if (begin && c->in_txn) {
        log_error("transaction %s: BEGIN inside an open transaction; rolling it back", name);
        if (db_control(c, "ROLLBACK", name) != DB_OK)
            log_warn("transaction %s: rollback of the stale transaction failed", name);
    }
    enum db_status st = db_connect(c);
    if (st != DB_OK) {
        if (end)
            c->in_txn = false; /* gone with its connection: ended all the same */
        return st;
    }
    if (begin) {
        c->pending_begin = sql; /* sent with the first statement (exec_one) */
        c->in_txn = true;
        return DB_OK;
    }
    if (end) {
        c->in_txn = false;
        if (c->pending_begin != NULL) {
            c->pending_begin = NULL; /* nothing ran: nothing to end */
            return DB_OK;
        }
    }
    wd_arm(c);
    PGresult *res = exec_one(c, NULL, sql, 0, NULL);
    wd_disarm(c);
    return finish(c, res, name, NULL, NULL);
}

void db_note_write(struct db_conn *c)
{
    c->writes++;
}

uint64_t db_writes(const struct db_conn *c)
{
    return c->writes;
}

/* Set once at start (db_set_run_twice), read by every body run. */
static atomic_bool g_run_twice;

void db_set_run_twice(bool on)
{
    atomic_store(&g_run_twice, on);
}

bool db_run_twice(void)
{
    return atomic_load_explicit(&g_run_twice, memory_order_relaxed);
}

/* Bodies of db_run_txn* (alone in their transaction) may defer up to
 * DB_TXN_MAX_DEFERRED_ALONE items; db_group.c's batches, DB_TXN_MAX_DEFERRED. */
static _Thread_local size_t tl_deferred_limit = DB_TXN_MAX_DEFERRED;

static enum db_status body_once(struct db_conn *c, const char *name, db_txn_fn cb,
                                db_reset_fn reset, void *cls)
{
    if (reset)
        reset(cls);
    size_t mark = db_deferred_mark();
    enum db_status st = cb(c, cls);
    if (db_deferred_mark() - mark > tl_deferred_limit) {
        log_error("transaction %s: body deferred more than %zu items", name, tl_deferred_limit);
        return DB_HARD_ERROR;
    }
    return st;
}

enum db_status db_body_run(struct db_conn *c, const char *name, db_txn_fn cb, db_reset_fn reset,
                           void *cls, bool *wrote)
{
    uint64_t w0 = c->writes;
    if (!db_run_twice()) {
        enum db_status st = body_once(c, name, cb, reset, cls);
        if (wrote)
            *wrote = c->writes != w0;
        return st;
    }
    /* The test build's proof of re-runnability: run, undo, reset, run. */
    enum db_status st = db_control(c, "SAVEPOINT pnyx_twice", name);
    if (st != DB_OK)
        return st;
    size_t mark = db_deferred_mark();
    enum db_status first = body_once(c, name, cb, reset, cls);
    if (first == DB_UNAVAILABLE)
        return first;
    db_deferred_rewind(mark);
    st = db_control(c, "ROLLBACK TO SAVEPOINT pnyx_twice", name);
    if (st != DB_OK)
        return st;
    uint64_t w1 = c->writes;
    st = body_once(c, name, cb, reset, cls);
    if (wrote)
        *wrote = c->writes != w1;
    if (st != first && st != DB_SOFT_ERROR && first != DB_SOFT_ERROR && st != DB_UNAVAILABLE)
        log_error("txn-twice: body %s answered %s, then %s when run again", name,
                  db_status_name(first), db_status_name(st));
    return st;
}

enum db_status db_run_txn_iso(struct db_conn *c, const char *name, enum db_isolation iso,
                              db_txn_fn cb, db_reset_fn reset, void *cls)
{
    static const char *const begin[] = {
        "BEGIN ISOLATION LEVEL READ COMMITTED",
        "BEGIN ISOLATION LEVEL REPEATABLE READ",
        "BEGIN ISOLATION LEVEL SERIALIZABLE",
    };
    enum db_status st = DB_HARD_ERROR;
    for (int attempt = 1; attempt <= DB_TXN_MAX_ATTEMPTS; attempt++) {
        db_deferred_rewind(0);
        st = db_control(c, begin[iso], name);
        if (st != DB_OK)
            return st;
        tl_deferred_limit = DB_TXN_MAX_DEFERRED_ALONE;
        st = db_body_run(c, name, cb, reset, cls, NULL);
        tl_deferred_limit = DB_TXN_MAX_DEFERRED;
        if (st == DB_OK)
            st = db_deferred_flush(c);
        if (st == DB_OK) {
            st = db_control(c, "COMMIT", name);
            if (st == DB_OK)
                return DB_OK;
        }
        /* Also a refusal: whatever the body wrote before refusing goes
         * (a ROLLBACK of a transaction that ran nothing sends nothing). */
        db_deferred_rewind(0);
        if (db_in_txn(c)) {
            enum db_status rb = db_control(c, "ROLLBACK", name);
            if (rb == DB_UNAVAILABLE)
                return DB_UNAVAILABLE;
        }
        if (st != DB_SOFT_ERROR)
            return st;
        log_info("transaction %s: serialization failure, attempt %d of %d", name, attempt,
                 DB_TXN_MAX_ATTEMPTS);
        /* Tiny growing pause so the competing transaction can finish. */
        struct timespec pause = {0, (long)attempt * 1000000L};
        nanosleep(&pause, NULL);
    }
    return st;
}

enum db_status db_run_txn(struct db_conn *c, const char *name, db_txn_fn cb, db_reset_fn reset,
                          void *cls)
{
    return db_run_txn_iso(c, name, DB_READ_COMMITTED, cb, reset, cls);
}

enum db_status db_exec_script(struct db_conn *c, const char *sql, const char *name)
{
    enum db_status st = db_connect(c);
    if (st != DB_OK)
        return st;
    PGresult *res = PQexec(c->pg, sql);
    return finish(c, res, name, NULL, NULL);
}

/* --- bytea text form (db_int.h) ----------------------------------------------- */

const char *db_bytea_param(struct arena *a, const uint8_t *p, size_t n)
{
    char *s = arena_alloc(a, 2 * n + 3);
    s[0] = '\\';
    s[1] = 'x';
    s[2] = '\0';
    if (n > 0) {
        pnyx_crypto_hex(p, n, s + 2);
    }
    return s;
}

int db_bytea_fixed(const char *v, uint8_t *out, size_t n)
{
    if (v == NULL || v[0] != '\\' || v[1] != 'x' || strlen(v + 2) != 2 * n) {
        return -1;
    }
    return pnyx_crypto_unhex(v + 2, 2 * n, out, n);
}

int db_bytea_any(struct arena *a, const char *v, const uint8_t **out, size_t *n)
{
    if (v == NULL || v[0] != '\\' || v[1] != 'x') {
        return -1;
    }
    size_t hl = strlen(v + 2);
    if (hl % 2 != 0) {
        return -1;
    }
    uint8_t *buf = arena_alloc(a, hl / 2 + 1);
    if (hl > 0 && pnyx_crypto_unhex(v + 2, hl, buf, hl / 2) != 0) {
        return -1;
    }
    *out = buf;
    *n = hl / 2;
    return 0;
}
