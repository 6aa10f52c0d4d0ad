/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http/acceptor.c — pnyxd's listening socket and the one thread that
 * accepts on it, handing each connection to libmicrohttpd
 * (MHD_add_connection; the daemon runs with MHD_USE_NO_LISTEN_SOCKET).
 *
 * Why not MHD's own listening socket: a graceful stop has to stop
 * accepting while in-flight requests finish. MHD_quiesce_daemon (0.9.75)
 * does that by deleting the socket from each worker's epoll set from the
 * caller's thread, while a worker woken at the same moment deletes it
 * too (it reads was_quiesced already set); the loser's epoll_ctl fails
 * with ENOENT and MHD aborts the process ("Failed to remove listen FD
 * from epoll set", daemon.c:5531) — seen in CI, on a SIGTERM in the
 * middle of a test. Here nothing but this thread touches the socket:
 * acceptor_stop ends the thread, joins it and closes the socket, so new
 * connects are refused at once (HAProxy retries those on another pnyxd).
 *
 * Back-pressure is kept as MHD kept it: at the connection limit nothing
 * is accepted and new clients wait in the kernel's backlog (MHD would
 * otherwise accept and close them), likewise while descriptors run out.
 */
#define _GNU_SOURCE /* accept4, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http_int.h"
#include "platform/log.h"
#include "platform/metrics.h"

struct acceptor {
    int lfd;
    int wake[2]; /* a byte on wake[1] ends the thread */
    struct MHD_Daemon *daemon;
    long max_open;
    uint16_t port;
    bool running;
    pthread_t thread;
};

struct acceptor *acceptor_listen(const struct sockaddr *sa, socklen_t salen, int backlog, char *err,
                                 size_t errlen)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return NULL;
    }
    int on = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (sa->sa_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    if (bind(fd, sa, salen) != 0 || listen(fd, backlog) != 0 ||
        getsockname(fd, (struct sockaddr *)&bound, &blen) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        close(fd);
        return NULL;
    }
    struct acceptor *a = pnyx_xcalloc(1, sizeof(*a));
    a->lfd = fd;
    a->wake[0] = a->wake[1] = -1;
    a->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                : ((struct sockaddr_in *)&bound)->sin_port);
    return a;
}

uint16_t acceptor_port(const struct acceptor *a)
{
    return a->port;
}

/* Waits up to ms on the wake pipe alone; true when told to end. */
static bool told_to_end(struct acceptor *a, int ms)
{
    struct pollfd pf = {a->wake[0], POLLIN, 0};
    return poll(&pf, 1, ms) > 0;
}

/* Errors TCP passes up from a connection that failed in the backlog
 * (accept(2), "Error handling"): that connection is gone, the next is
 * fine. */
static bool accept_error_transient(int e)
{
    switch (e) {
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
    case EPERM: /* a firewall rule refused it */
        return true;
    default:
        return false;
    }
}

static void *accept_loop(void *arg)
{
    struct acceptor *a = arg;
    int64_t next_log = 0;
    for (;;) {
        if (metrics_conn_active() >= a->max_open) {
            if (told_to_end(a, 20))
                return NULL;
            continue;
        }
        struct pollfd pf[2] = {{a->lfd, POLLIN, 0}, {a->wake[0], POLLIN, 0}};
        if (poll(pf, 2, -1) < 0 && errno != EINTR) {
            log_error("accept: poll: %s", strerror(errno));
            if (told_to_end(a, 100))
                return NULL;
            continue;
        }
        if (pf[1].revents)
            return NULL;
        if (!(pf[0].revents & POLLIN))
            continue;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(a->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            if (e == EAGAIN || e == EWOULDBLOCK || accept_error_transient(e))
                continue;
            /* EMFILE, ENFILE, ENOBUFS, ENOMEM: the client waits in the
             * backlog until a descriptor or memory is free again. */
            if (mono_us() >= next_log) {
                log_warn("accept: %s; new connections wait", strerror(e));
                next_log = mono_us() + 5 * 1000000;
            }
            if (told_to_end(a, 50))
                return NULL;
            continue;
        }
        /* MHD closes the socket itself when it refuses it (per-address
         * limit, out of memory). */
        (void)MHD_add_connection(a->daemon, fd, (struct sockaddr *)&ss, sl);
    }
}

bool acceptor_run(struct acceptor *a, struct MHD_Daemon *daemon, long max_open, char *err,
                  size_t errlen)
{
    a->daemon = daemon;
    a->max_open = max_open;
    if (pipe2(a->wake, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        a->wake[0] = a->wake[1] = -1;
        return false;
    }
    int rc = pthread_create(&a->thread, NULL, accept_loop, a);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the accept thread: %s", strerror(rc));
        return false;
    }
    a->running = true;
    return true;
}

void acceptor_stop(struct acceptor *a)
{
    if (!a)
        return;
    if (a->running) {
        char b = 1;
        while (write(a->wake[1], &b, 1) < 0 && errno == EINTR)
            ;
        pthread_join(a->thread, NULL);
    }
    for (int i = 0; i < 2; i++)
        if (a->wake[i] >= 0)
            close(a->wake[i]);
    close(a->lfd);
    free(a);
}
