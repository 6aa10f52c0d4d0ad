/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/platform/test_http_stop.c — http_stop while connections keep
 * arriving (loopback sockets, static files only, no database).
 *
 * With MHD_quiesce_daemon and libmicrohttpd's own listening socket, a stop
 * that met a worker thread waking for a new connection aborted the whole
 * process ("Failed to remove listen FD from epoll set"; http/acceptor.c).
 * Here eight clients open a new connection per request while the server
 * is started and stopped again, 600 times: every stop must return, every
 * request that got an answer got a whole 200, and once http_stop has
 * returned a connect is refused. Against the quiesce code this test
 * aborted within 0.8–8.5 s (4 runs of 4; about 40–400 rounds).
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "http/http.h"
#include "platform/config.h"
#include "platform/log.h"

#define CLIENTS 8
#define ROUNDS  600

static atomic_int port;
static atomic_bool clients_stop;
static atomic_long answered, cut;

static int connect_to(int p)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* One request on a fresh connection: 1 = a whole 200 ("pnyx-ok" body),
 * 0 = connection refused or closed before any answer (a stop),
 * -1 = anything else (a partial or wrong answer). */
static int one_request(int p)
{
    int fd = connect_to(p);
    if (fd < 0)
        return 0;
    static const char req[] = "GET /ok.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1)) {
        close(fd);
        return 0;
    }
    char buf[2048];
    size_t n = 0;
    for (ssize_t r; n < sizeof buf - 1 && (r = recv(fd, buf + n, sizeof buf - 1 - n, 0)) != 0;) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break; /* reset by the stop */
        }
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    if (n == 0)
        return 0;
    return strncmp(buf, "HTTP/1.1 200", 12) == 0 && strstr(buf, "\r\n\r\npnyx-ok") ? 1 : -1;
}

static void *client(void *arg)
{
    (void)arg;
    while (!atomic_load(&clients_stop)) {
        int p = atomic_load(&port);
        if (p == 0) {
            struct timespec ts = {0, 200 * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        int r = one_request(p);
        if (r > 0)
            atomic_fetch_add(&answered, 1);
        else if (r < 0)
            atomic_fetch_add(&cut, 1);
    }
    return NULL;
}

Test(http_stop, stops_cleanly_while_connections_arrive, .timeout = 0)
{
    char dir[] = "/tmp/pnyx-http-stop.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/ok.txt", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("pnyx-ok", f);
    fclose(f);
    setenv("PNYX_LISTEN", "127.0.0.1:0", 1);
    setenv("PNYX_STATIC_DIR", dir, 1);
    setenv("PNYX_THREADS", "2", 1);
    setenv("PNYX_LOG_LEVEL", "warn", 1);
    struct pnyx_config cfg;
    char err[256];
    cr_assert_eq(config_load(&cfg, 0, NULL, NULL, err, sizeof err), 0, "%s", err);
    log_set_level(cfg.log_level);

    pthread_t th[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&th[i], NULL, client, NULL);
    for (int round = 0; round < ROUNDS; round++) {
        struct http_server *srv = http_start(&cfg, err, sizeof err);
        cr_assert_not_null(srv, "%s", err);
        int p = http_bound_port(srv);
        atomic_store(&port, p);
        /* Vary where in the traffic the stop lands: 1..3 ms in. */
        struct timespec ts = {0, (long)(1 + round % 3) * 1000 * 1000};
        nanosleep(&ts, NULL);
        http_stop(srv, 2000);
        atomic_store(&port, 0);
        int fd = connect_to(p);
        int e = errno;
        if (fd >= 0)
            close(fd);
        cr_assert(fd < 0 && e == ECONNREFUSED, "round %d: a connect after the stop was %s", round,
                  fd >= 0 ? "accepted" : strerror(e));
    }
    atomic_store(&clients_stop, true);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(th[i], NULL);
    cr_log_info("%ld answered, %ld cut", atomic_load(&answered), atomic_load(&cut));
    cr_assert_gt(atomic_load(&answered), ROUNDS, "the clients were hardly served");
    cr_assert_eq(atomic_load(&cut), 0, "%ld answers were partial or wrong", atomic_load(&cut));
    config_fini(&cfg);
    unlink(path);
    rmdir(dir);
}
