/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http/conn_deadline.c — the request deadline (PNYX_REQUEST_TIMEOUT): a
 * connection must deliver a whole request (head and body) within that
 * many seconds of opening, or of its previous request's end; else it is
 * closed.
 *
 * Why: libmicrohttpd 0.9.75's only timeout (PNYX_CONN_TIMEOUT) restarts
 * on every byte received, so a client sending its headers a byte a second
 * keeps a connection forever (measured: 50 such connections all still
 * open after 8 s with a 3 s timeout), and a few thousand of them fill the
 * connection limit and lock every other client out ("slowloris").
 *
 * How: MHD offers no per-request deadline and no way to close a
 * connection from outside its thread, so a reaper thread looks at every
 * open connection once a second and shutdown()s the socket of one that is
 * waiting for a request past its deadline; MHD then reads end-of-file on
 * its own thread and closes the connection as if the client had left
 * (NOTIFY_COMPLETED and NOTIFY_CONNECTION run as usual).
 *
 * The fd is never reused under us: MHD calls NOTIFY_CONNECTION(CLOSED)
 * (conn_deadline_close, which takes the registry lock) before it closes
 * the socket, and the reaper calls shutdown() only under that lock for a
 * slot still registered. A request being answered (its handler running,
 * parked for a group commit, or its response streaming) is never cut.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "http/http_int.h"
#include "platform/log.h"

struct conn_slot {
    struct conn_slot *prev, *next;
    int fd;
    _Atomic int64_t since_us; /* when this connection began waiting for a request */
    atomic_bool busy;         /* a request is read whole and being answered */
    bool cut;                 /* the reaper shut it down (under the lock) */
};

struct conn_deadline {
    pthread_mutex_t lock; /* the list, and fd validity of its slots */
    pthread_cond_t wake;
    pthread_t thread;
    bool stop;
    int64_t timeout_us;
    struct conn_slot head; /* sentinel of a circular list */
    atomic_uint_fast64_t cut_total;
};

/* Why every second: the deadline is in whole seconds; a connection lives
 * at most one sweep past it. A sweep is a walk of the open connections
 * (thousands at most), under a lock the accept path takes once per
 * connection. */
#define SWEEP_NS 1000000000L

static void *reaper(void *arg)
{
    struct conn_deadline *d = arg;
    pthread_mutex_lock(&d->lock);
    while (!d->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += SWEEP_NS / 1000000000L;
        pthread_cond_timedwait(&d->wake, &d->lock, &ts);
        if (d->stop)
            break;
        int64_t limit = mono_us() - d->timeout_us;
        unsigned cut = 0;
        for (struct conn_slot *s = d->head.next; s != &d->head; s = s->next) {
            if (s->cut || atomic_load(&s->busy) || atomic_load(&s->since_us) > limit)
                continue;
            /* Both directions: MHD's next read sees end-of-file. */
            shutdown(s->fd, SHUT_RDWR);
            s->cut = true;
            cut++;
        }
        if (cut) {
            atomic_fetch_add(&d->cut_total, cut);
            log_info("closed %u connection(s) that sent no complete request within %lld s "
                     "(PNYX_REQUEST_TIMEOUT)",
                     cut, (long long)(d->timeout_us / 1000000));
        }
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

struct conn_deadline *conn_deadline_start(unsigned timeout_s)
{
    struct conn_deadline *d = pnyx_xcalloc(1, sizeof *d);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    d->timeout_us = (int64_t)timeout_s * 1000000;
    d->head.next = d->head.prev = &d->head;
    if (pthread_create(&d->thread, NULL, reaper, d) != 0) {
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return NULL;
    }
    return d;
}

void conn_deadline_stop(struct conn_deadline *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    d->stop = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    /* Called after MHD_stop_daemon, which closed (and so unlisted) every
     * connection: the list is empty; anything left is freed anyway. */
    for (struct conn_slot *s = d->head.next, *n; s != &d->head; s = n) {
        n = s->next;
        free(s);
    }
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

struct conn_slot *conn_deadline_open(struct conn_deadline *d, int fd)
{
    struct conn_slot *s = pnyx_xcalloc(1, sizeof *s);
    s->fd = fd;
    atomic_store(&s->since_us, mono_us());
    pthread_mutex_lock(&d->lock);
    s->next = &d->head;
    s->prev = d->head.prev;
    d->head.prev->next = s;
    d->head.prev = s;
    pthread_mutex_unlock(&d->lock);
    return s;
}

void conn_deadline_close(struct conn_deadline *d, struct conn_slot *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&d->lock);
    s->prev->next = s->next;
    s->next->prev = s->prev;
    pthread_mutex_unlock(&d->lock);
    free(s);
}

void conn_deadline_busy(struct conn_slot *s)
{
    if (s)
        atomic_store(&s->busy, true);
}

void conn_deadline_idle(struct conn_slot *s)
{
    if (!s)
        return;
    atomic_store(&s->since_us, mono_us());
    atomic_store(&s->busy, false);
}

uint64_t conn_deadline_cut_total(struct conn_deadline *d)
{
    return d ? atomic_load(&d->cut_total) : 0;
}
