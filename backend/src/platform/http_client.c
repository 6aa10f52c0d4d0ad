/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/http_client.c — one blocking HTTP/1.1 POST (http_client.h).
 * Chunked responses are decoded; anything else is read to EOF
 * (Connection: close) or Content-Length.
 */
#include "platform/http_client.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *what, const char *detail)
{
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    }
    return -1;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Decodes a chunked body in place; returns the new length or -1. */
static long dechunk(char *b, size_t n)
{
    size_t in = 0, out = 0;
    for (;;) {
        char *end;
        if (in >= n) {
            return -1;
        }
        unsigned long sz = strtoul(b + in, &end, 16);
        char *crlf = memchr(b + in, '\n', n - in);
        if (end == b + in || crlf == NULL) {
            return -1;
        }
        in = (size_t)(crlf - b) + 1;
        if (sz == 0) {
            return (long)out;
        }
        if (sz > n - in) {
            return -1;
        }
        memmove(b + out, b + in, sz);
        out += sz;
        in += sz;
        if (in + 2 <= n && b[in] == '\r') {
            in += 2;
        } else if (in + 1 <= n && b[in] == '\n') {
            in += 1;
        }
    }
}

int http_client_post(const char *url, const char *ctype, const char *body, size_t len,
                     unsigned timeout_ms, size_t max_bytes, struct http_client_resp *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (strncmp(url, "http://", 7) != 0) {
        return fail(err, errlen, "only http:// witness URLs are supported", url);
    }
    const char *host = url + 7;
    const char *slash = strchr(host, '/');
    const char *path = slash ? slash : "/";
    size_t hl = slash ? (size_t)(slash - host) : strlen(host);
    char hostport[256], hostname[256], port[16] = "80";
    if (hl == 0 || hl >= sizeof hostport) {
        return fail(err, errlen, "bad URL", url);
    }
    memcpy(hostport, host, hl);
    hostport[hl] = '\0';
    snprintf(hostname, sizeof hostname, "%s", hostport);
    char *colon = strrchr(hostname, ':');
    if (colon != NULL && strchr(hostname, ']') == NULL) {
        snprintf(port, sizeof port, "%s", colon + 1);
        *colon = '\0';
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int gai = getaddrinfo(hostname, port, &hints, &ai);
    if (gai != 0) {
        return fail(err, errlen, "cannot resolve", gai_strerror(gai));
    }
    int fd = -1;
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    for (struct addrinfo *p = ai; p != NULL; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (fd < 0) {
            continue;
        }
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* also bounds connect */
        if (connect(fd, p->ai_addr, p->ai_addrlen) == 0) {
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        return fail(err, errlen, "cannot connect", strerror(errno));
    }
    char head[1024];
    int hn = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\nUser-Agent: pnyxd\r\n\r\n",
                      path, hostport, ctype, len);
    if (hn < 0 || (size_t)hn >= sizeof head || send_all(fd, head, (size_t)hn) != 0 ||
        send_all(fd, body, len) != 0) {
        close(fd);
        return fail(err, errlen, "cannot send the request", strerror(errno));
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (buf == NULL) {
            close(fd);
            return fail(err, errlen, "out of memory", NULL);
        }
        if (n == cap) {
            if (cap >= max_bytes + 8192) {
                free(buf);
                close(fd);
                return fail(err, errlen, "response too large", NULL);
            }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                continue;
            }
            buf = nb;
        }
        ssize_t r = recv(fd, buf + n, cap - n, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            free(buf);
            close(fd);
            return fail(err, errlen, "no response in time", strerror(errno));
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    char *eoh = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.", 7) != 0 || n < 12 || eoh == NULL) {
        free(buf);
        return fail(err, errlen, "malformed HTTP response", NULL);
    }
    out->status = atoi(buf + 9);
    *eoh = '\0';
    int chunked = 0;
    for (char *line = strstr(buf, "\r\n"); line != NULL && line < eoh;
         line = strstr(line + 2, "\r\n")) {
        char *h = line + 2;
        if (strncasecmp(h, "Content-Type:", 13) == 0) {
            char *v = h + 13;
            while (*v == ' ') {
                v++;
            }
            size_t vl = strcspn(v, "\r");
            snprintf(out->content_type, sizeof out->content_type, "%.*s", (int)vl, v);
        } else if (strncasecmp(h, "Transfer-Encoding:", 18) == 0 && strstr(h, "chunked") != NULL) {
            chunked = 1;
        }
    }
    char *b = eoh + 4;
    size_t bl = n - (size_t)(b - buf);
    if (chunked) {
        long dl = dechunk(b, bl);
        if (dl < 0) {
            free(buf);
            return fail(err, errlen, "malformed chunked response", NULL);
        }
        bl = (size_t)dl;
    }
    if (bl > max_bytes) {
        free(buf);
        return fail(err, errlen, "response too large", NULL);
    }
    out->body = malloc(bl + 1);
    if (out->body == NULL) {
        free(buf);
        return fail(err, errlen, "out of memory", NULL);
    }
    memcpy(out->body, b, bl);
    out->body[bl] = '\0';
    out->body_len = bl;
    free(buf);
    return 0;
}

void http_client_free(struct http_client_resp *r)
{
    free(r->body);
    r->body = NULL;
}
