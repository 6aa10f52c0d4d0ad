/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * bench/http/minimal.c — the baseline for bench/run-http: the smallest
 * libmicrohttpd server in pnyxd's threading mode (epoll internal thread
 * pool) answering a fixed small JSON body, with the same first-call rule
 * (return MHD_YES, answer on the second call) so keep-alive holds.
 * usage: pnyx-bench-minimal <port> <threads>
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

static const char body[] = "{\"status\":\"ok\"}";
static int first_call_marker;

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    if (*req_cls == NULL) {
        *req_cls = &first_call_marker;
        return MHD_YES;
    }
    *upload_size = 0;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s <port> <threads>\n", argv[0]);
        return 2;
    }
    unsigned port = (unsigned)atoi(argv[1]);
    unsigned threads = (unsigned)atoi(argv[2]);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC, (uint16_t)port, NULL, NULL, on_access, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, 1024u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "cannot listen on port %u\n", port);
        return 1;
    }
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    return 0;
}
