/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The request deadline (PNYX_REQUEST_TIMEOUT, http/conn_deadline.c): a
 * connection that sends its headers a byte at a time, or nothing at all,
 * is closed once the deadline passes (libmicrohttpd's own idle timeout
 * restarts on every byte, so the slow one would live forever); a
 * keep-alive connection whose requests each arrive in time is not.
 * tests/reliability/load_slow_clients runs the same at scale.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

/* Why 2 s: short enough to wait for; the reaper sweeps once a second, so
 * a cut comes 2–3 s after the connection's clock started. */
#define DEADLINE_S "2"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct h_server *start(void)
{
    const char *env[] = {"PNYX_REQUEST_TIMEOUT=" DEADLINE_S, "PNYX_CONN_TIMEOUT=60", NULL};
    struct h_server *s = h_server_start(env);
    cr_assert_not_null(s, "pnyxd started");
    return s;
}

static int dial(const struct h_server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(s->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0, "connect: %s", strerror(errno));
    return fd;
}

/* Waits up to ms for data or the close. Returns 1 when the server closed
 * (end-of-file or reset), 0 on timeout, 2 when data arrived (in buf). */
static int wait_close(int fd, int ms, char *buf, size_t cap)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) <= 0)
        return 0;
    ssize_t n = recv(fd, buf, cap - 1, 0);
    if (n <= 0)
        return 1;
    buf[n] = '\0';
    return 2;
}

Test(request_deadline, slow_headers_are_cut_after_the_deadline)
{
    struct h_server *s = start();
    int fd = dial(s);
    int64_t t0 = now_ms();
    const char *head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    cr_assert_eq(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    int closed = 0;
    char buf[1024];
    /* A byte every 250 ms (MHD's own 60 s idle timeout never expires),
     * for at most 10 s. */
    while (!closed && now_ms() - t0 < 10000) {
        if (send(fd, "a", 1, MSG_NOSIGNAL) != 1) {
            closed = 1;
            break;
        }
        int w = wait_close(fd, 250, buf, sizeof buf);
        cr_assert_neq(w, 2, "no answer to an unfinished request: %s", buf);
        closed = w == 1;
    }
    int64_t el = now_ms() - t0;
    close(fd);
    cr_assert(closed, "the slow connection was closed (still open after %lld ms)", (long long)el);
    cr_assert(el >= 1500 && el <= 6000, "closed after %lld ms, deadline " DEADLINE_S " s",
              (long long)el);
    /* The server still answers, and says why it closed the connection. */
    struct h_resp *r = h_get(s, "/healthz");
    cr_assert(r && r->status == 200);
    h_resp_free(r);
    cr_assert(strstr(h_server_log_tail(s), "sent no complete request within 2 s"), "log: %s",
              h_server_log_tail(s));
    cr_assert_eq(h_server_stop(s), 0);
}

Test(request_deadline, a_silent_connection_is_cut_after_the_deadline)
{
    struct h_server *s = start();
    int fd = dial(s);
    int64_t t0 = now_ms();
    char buf[1024];
    int w = wait_close(fd, 10000, buf, sizeof buf);
    int64_t el = now_ms() - t0;
    close(fd);
    cr_assert_eq(w, 1, "closed without an answer (w=%d)", w);
    cr_assert(el >= 1500 && el <= 6000, "closed after %lld ms", (long long)el);
    cr_assert_eq(h_server_stop(s), 0);
}

Test(request_deadline, keep_alive_requests_in_time_are_not_cut)
{
    struct h_server *s = start();
    int fd = dial(s);
    const char *req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    char buf[4096];
    /* Six requests 1 s apart (5 s in all, past the 2 s deadline): each
     * arrives within 2 s of the previous one's end, so the clock restarts. */
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req), "send %d", i);
        int w = wait_close(fd, 5000, buf, sizeof buf);
        cr_assert_eq(w, 2, "request %d answered on the same connection (w=%d)", i, w);
        cr_assert(strncmp(buf, "HTTP/1.1 200", 12) == 0, "request %d: %.40s", i, buf);
        usleep(1000 * 1000);
    }
    close(fd);
    cr_assert_eq(h_server_stop(s), 0);
}
