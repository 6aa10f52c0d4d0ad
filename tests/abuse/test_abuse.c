/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/abuse/test_abuse.c — the HTTP abuse battery (issue 13, "Hostile
 * input"). Hostile requests of every kind, sent over raw loopback sockets
 * to every route `pnyxd routes` prints (a route the battery cannot place
 * in its table fails the run), as the assembly's convener (a bearer token,
 * so authorisation never hides the layer under test):
 *
 *   bodies      nesting 100,000 deep (and 30,000, within the size cap),
 *               10 MB (Content-Length and chunked), invalid UTF-8,
 *               \u0000, 1e400, duplicate keys, truncated JSON, a non-JSON
 *               media type; and "wrong types everywhere" on each route
 *               whose spec operation has a request body: non-object
 *               bodies, every member of the spec's schema with a wrong
 *               type, integers as -0;
 *   queries     limit=999999999 (and -1, abc, 1e400, empty), negative,
 *               non-numeric and huge cursors (GET routes);
 *   paths       %00, traversal (../, %2e%2e, %2f) and ids that name
 *               nothing (-1, 0, abc, 1e400, 20 digits) on every route and
 *               on static paths;
 *   the wire    CR and LF inside headers, obs-fold, a NUL byte, 16 KiB
 *               values of the headers pnyxd reads, 64 KiB URLs and
 *               headers, 3 KiB URLs, unknown, lower-case and OPTIONS
 *               methods, other target forms, HTTP/1.0 and other
 *               versions, conflicting Content-Length, Transfer-Encoding
 *               variants, bad Content-Length values;
 *   pipelining  four requests in one write, hostile ones among them.
 *
 * Each test asserts, for every request: the documented 4xx (exact status
 * and problem slug where the HTTP layer decides before any handler runs;
 * otherwise a 4xx, and tests/spec/check then holds it to the operation's
 * documented statuses — every response is recorded for the contract check
 * when PNYX_CONTRACT_DIR is set), never a 5xx (but the 501 of an unknown
 * method and libmicrohttpd's 505 for other versions, where expected),
 * pnyxd alive and answering
 * afterwards; and once per test: nothing written (every table of the
 * database hashed before and after, so an UPDATE shows as well as an
 * INSERT — the audit log is the table audit_entries), every line of
 * pnyxd's log a JSON object, an access line for every request pnyxd
 * answered (found by the X-Request-Id each request carries), none at warn
 * or error under a battery request's id, and for libmicrohttpd's own
 * refusals (no request id) at least as many of its log lines. The cases
 * and their last results: tests/abuse/README.md.
 *
 * Requests that could succeed and write (a route without a body, sent
 * with a valid body) are never sent: each non-GET request here is refused
 * by the HTTP layer or the body decoder, which is what is under test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "assembly_util.h"
#include "harness.h"

/* --- small helpers ------------------------------------------------------- */

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A growable byte buffer. */
struct buf {
    char *p;
    size_t n, cap;
};

static void buf_add(struct buf *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        cr_assert_not_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_fmt(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    cr_assert_geq(n, 0);
    char *s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_add(b, s, (size_t)n);
    free(s);
}

static void buf_rep(struct buf *b, const char *s, size_t times)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < times; i++)
        buf_add(b, s, n);
}

/* --- the server under test and its world --------------------------------- */

struct world {
    struct h_server *s;
    struct it_user conv;
    int64_t aid, pid, qid, cid, sid, inv_id;
    char code[96];
    char log_path[300];
    /* the battery's tally, printed at the end of each test */
    unsigned sent, by_class[6], closed_no_answer, mhd_answered;
    unsigned statuses[600];
    /* request ids of the requests pnyxd itself answered */
    char **rids;
    size_t nrids;
    struct buf mhd_cases; /* "case→status;" answered by libmicrohttpd */
    const char *test;
};

/* Creates the fixture every route's parameters are filled from. Failures
 * here are failures of the fixture, not of the battery: they assert. */
static void world_new(struct world *w, const char *test)
{
    memset(w, 0, sizeof *w);
    w->test = test;
    /* debug: an access line for every request, also the 2xx ones;
     * no background jobs (translation retries with backoff, deadlines):
     * whatever the database shows changed, a request of the battery did */
    const char *env[] = {"PNYX_LOG_LEVEL=debug", "PNYX_WORKERS=0", NULL};
    w->s = h_server_start(env);
    cr_assert_not_null(w->s, "pnyxd did not start");
    snprintf(w->log_path, sizeof w->log_path, "%s", w->s->log_path);
    w->conv = it_user_new(w->s, "FR");
    w->aid = it_assembly_new(w->s, &w->conv, "public", "open");
    char path[200];

    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/proposals", (long long)w->aid);
    json_t *b = json_pack("{s:s, s:s, s:s}", "title", "Abuse fixture", "body", "A proposal body.",
                          "language", "en");
    struct h_resp *r = it_req(w->s, "POST", path, &w->conv, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "proposal: %ld %s", r->status, r->body);
    w->pid = it_int(r->json, "id");
    h_resp_free(r);

    snprintf(path, sizeof path, "/api/v1/proposals/%lld/comments", (long long)w->pid);
    b = json_pack("{s:s, s:s}", "body", "A comment.", "language", "en");
    r = it_req(w->s, "POST", path, &w->conv, b);
    json_decref(b);
    w->cid = r->status == 201 ? it_int(r->json, "id") : 999999;
    h_resp_free(r);

    time_t t = time(NULL) + 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    char closes[32];
    strftime(closes, sizeof closes, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/questions", (long long)w->aid);
    b = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s},{s:s}], s:s, s:s}", "title", "Which?",
                  "description", "Pick one.", "language", "en", "method", "irv", "options", "label",
                  "A", "label", "B", "closes_at", closes, "secrecy", "secret");
    r = it_req(w->s, "POST", path, &w->conv, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "question: %ld %s", r->status, r->body);
    w->qid = it_int(r->json, "id");
    h_resp_free(r);

    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/selections", (long long)w->aid);
    b = json_pack("{s:s, s:[s], s:b}", "title", "Panel", "categories", "gender", "household", 0);
    r = it_req(w->s, "POST", path, &w->conv, b);
    json_decref(b);
    w->sid = r->status == 201 ? it_int(r->json, "id") : 999999;
    h_resp_free(r);

    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/invitations", (long long)w->aid);
    b = json_pack("{s:s, s:i}", "role", "member", "max_uses", 1);
    r = it_req(w->s, "POST", path, &w->conv, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "invitation: %ld %s", r->status, r->body);
    w->inv_id = it_int(r->json, "id");
    snprintf(w->code, sizeof w->code, "%s", json_string_value(json_object_get(r->json, "code")));
    h_resp_free(r);
}

/* --- routes: `pnyxd routes`, and their bodies in the spec ---------------- */

struct field {
    char name[64];
    char type[16]; /* "string", "integer", … or "" (a $ref or no type) */
};

struct route {
    char method[8];
    char pattern[128];
    bool spec_body; /* the spec's operation has a requestBody */
    bool paged;     /* … a limit or after query parameter */
    struct field fields[32];
    size_t nfields;
};

static size_t indent_of(const char *line)
{
    return strspn(line, " ");
}

/* The spec as lines (the file's layout rule, checked by tests/spec: paths
 * two-space keys under `paths:`, operations four-space method keys). */
struct lines {
    char **l;
    size_t n;
    char *text;
};

static struct lines spec_lines(void)
{
    struct lines L = {0};
    FILE *f = fopen(PNYX_ABUSE_SPEC, "rb");
    cr_assert_not_null(f, "%s", PNYX_ABUSE_SPEC);
    struct buf b = {0};
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(&b, tmp, n);
    fclose(f);
    L.text = b.p;
    size_t cap = 0;
    for (char *save = NULL, *s = strtok_r(b.p, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
        if (L.n == cap) {
            cap = cap ? cap * 2 : 4096;
            L.l = realloc(L.l, cap * sizeof *L.l);
        }
        L.l[L.n++] = s;
    }
    return L;
}

/* Member names and types of the schema starting at line i (its key line,
 * indented ind): the keys under its first `properties:`, or under the
 * named component's when it is a $ref. */
static void schema_fields(const struct lines *L, size_t i, size_t ind, struct route *rt, int hops)
{
    const char *ref = strstr(L->l[i], "#/components/schemas/");
    if (ref && hops < 3) {
        char name[80];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(ref + 21, "'\"} "), ref + 21);
        char key[96];
        snprintf(key, sizeof key, "    %s:", name);
        for (size_t k = 0; k < L->n; k++) {
            if (strncmp(L->l[k], key, strlen(key)) == 0 && indent_of(L->l[k]) == 4) {
                schema_fields(L, k, 4, rt, hops + 1);
                return;
            }
        }
        return;
    }
    size_t pind = 0;
    for (size_t k = i + 1; k < L->n && indent_of(L->l[k]) > ind; k++) {
        const char *t = L->l[k] + indent_of(L->l[k]);
        if (!pind) {
            if (strncmp(t, "properties:", 11) == 0)
                pind = indent_of(L->l[k]) + 2;
            continue;
        }
        if (indent_of(L->l[k]) < pind)
            break;
        if (indent_of(L->l[k]) != pind || rt->nfields == 32)
            continue;
        struct field *f = &rt->fields[rt->nfields++];
        snprintf(f->name, sizeof f->name, "%.*s", (int)strcspn(t, ":"), t);
        /* the type on the key's line, else on the lines of its block */
        const char *ty = strstr(t, "type: ");
        for (size_t j = k + 1; !ty && j < L->n && indent_of(L->l[j]) > pind; j++)
            if (indent_of(L->l[j]) == pind + 2)
                ty = strstr(L->l[j], "type: ");
        if (ty) {
            ty += 6;
            ty += *ty == '[';
            snprintf(f->type, sizeof f->type, "%.*s", (int)strcspn(ty, ",}] "), ty);
        }
    }
}

/* Fills spec_body and fields of rt from the spec. */
static void spec_route(const struct lines *L, struct route *rt)
{
    char pkey[160], mkey[16];
    snprintf(pkey, sizeof pkey, "  %s:", rt->pattern);
    snprintf(mkey, sizeof mkey, "    %s:", rt->method);
    for (char *p = mkey + 4; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    size_t k = 0;
    for (; k < L->n; k++)
        if (strcmp(L->l[k], pkey) == 0)
            break;
    if (k == L->n)
        return;
    for (k++; k < L->n && indent_of(L->l[k]) >= 4; k++) {
        if (strcmp(L->l[k], mkey) != 0)
            continue;
        for (k++; k < L->n && indent_of(L->l[k]) >= 6; k++) {
            const char *t = L->l[k];
            if (strstr(t, "parameters/Limit'") || strstr(t, "parameters/After'") ||
                strstr(t, "- name: limit") || strstr(t, "- name: after"))
                rt->paged = true;
            if (rt->spec_body || strcmp(t, "      requestBody:") != 0)
                continue;
            rt->spec_body = true;
            size_t j = k + 1;
            for (; j < L->n && indent_of(L->l[j]) > 6; j++) {
                const char *u = L->l[j] + indent_of(L->l[j]);
                if (strncmp(u, "schema:", 7) == 0) {
                    schema_fields(L, j, indent_of(L->l[j]), rt, 0);
                    break;
                }
            }
        }
        return;
    }
}

/* Every route of `pnyxd routes`, with its spec body. */
static struct route *routes_load(size_t *n)
{
    static char out[65536];
    const char *args[] = {"routes", NULL};
    cr_assert_eq(h_pnyxd_run(args, NULL, out, sizeof out), 0, "pnyxd routes: %s", out);
    struct lines L = spec_lines();
    struct route *rts = calloc(256, sizeof *rts);
    *n = 0;
    for (char *save = NULL, *s = strtok_r(out, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
        cr_assert_lt(*n, 256);
        struct route *rt = &rts[*n];
        cr_assert_eq(sscanf(s, "%7s %127s", rt->method, rt->pattern), 2, "route line: %s", s);
        spec_route(&L, rt);
        if (getenv("PNYX_ABUSE_VERBOSE")) { /* what the battery read from the spec */
            printf("route %s %s%s%s:", rt->method, rt->pattern, rt->spec_body ? " body" : "",
                   rt->paged ? " paged" : "");
            for (size_t i = 0; i < rt->nfields; i++)
                printf(" %s(%s)", rt->fields[i].name, rt->fields[i].type);
            printf("\n");
        }
        (*n)++;
    }
    free(L.l);
    free(L.text);
    cr_assert_gt(*n, 50, "pnyxd routes printed %zu routes", *n);
    return rts;
}

/* The route's path with every parameter filled: from the fixture, or with
 * `over` in place of every parameter when over is not NULL. A parameter
 * the battery does not know fails the test: a new route must be given a
 * value here, so it cannot go untested. */
static void route_path(const struct world *w, const struct route *rt, const char *over, char *out,
                       size_t cap)
{
    size_t o = 0;
    for (const char *p = rt->pattern; *p;) {
        if (*p != '{') {
            cr_assert_lt(o + 1, cap);
            out[o++] = *p++;
            continue;
        }
        size_t len = strcspn(p, "}");
        char name[32], val[128];
        snprintf(name, sizeof name, "%.*s", (int)len - 1, p + 1);
        p += len + 1;
        if (over)
            snprintf(val, sizeof val, "%s", over);
        else if (!strcmp(name, "aid"))
            snprintf(val, sizeof val, "%lld", (long long)w->aid);
        else if (!strcmp(name, "pid"))
            snprintf(val, sizeof val, "%lld", (long long)w->pid);
        else if (!strcmp(name, "qid"))
            snprintf(val, sizeof val, "%lld", (long long)w->qid);
        else if (!strcmp(name, "cid"))
            snprintf(val, sizeof val, "%lld", (long long)w->cid);
        else if (!strcmp(name, "sid"))
            snprintf(val, sizeof val, "%lld", (long long)w->sid);
        else if (!strcmp(name, "id"))
            snprintf(val, sizeof val, "%lld", (long long)w->inv_id);
        else if (!strcmp(name, "account_id"))
            snprintf(val, sizeof val, "%lld", (long long)w->conv.id);
        else if (!strcmp(name, "code"))
            snprintf(val, sizeof val, "%s", w->code);
        else if (!strcmp(name, "lang"))
            snprintf(val, sizeof val, "fr");
        else if (!strcmp(name, "receipt"))
            snprintf(val, sizeof val, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        else if (!strcmp(name, "pseudonym"))
            snprintf(val, sizeof val, "p-abuse");
        else if (!strcmp(name, "rid"))
            snprintf(val, sizeof val, "1");
        else
            cr_assert_fail("route %s %s: parameter {%s} has no value in the abuse battery "
                           "(tests/abuse/test_abuse.c, route_path)",
                           rt->method, rt->pattern, name);
        size_t vn = strlen(val);
        cr_assert_lt(o + vn, cap);
        memcpy(out + o, val, vn);
        o += vn;
    }
    out[o] = '\0';
}

/* --- the wire ------------------------------------------------------------- */

struct answer {
    char *raw; /* everything received (malloc'd, NUL-terminated) */
    size_t len;
    bool closed; /* the server closed the connection */
};

/* Sends req on a fresh loopback connection while reading, until the
 * server closes or timeout_ms passes (sending stops quietly when the
 * server stops reading: a refused 10 MB body). */
static struct answer wire(const struct world *w, const char *req, size_t len, int timeout_ms)
{
    struct answer a = {.raw = calloc(1, 1)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(w->s->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0, "connect: %s", strerror(errno));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    size_t off = 0;
    bool sending = true;
    int64_t deadline = ms_now() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - ms_now());
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN | (sending && off < len ? POLLOUT : 0)};
        if (poll(&p, 1, left) <= 0)
            break;
        if (p.revents & POLLIN || p.revents & (POLLHUP | POLLERR)) {
            char tmp[65536];
            ssize_t n = recv(fd, tmp, sizeof tmp, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                a.closed = true;
                break;
            }
            if (n > 0) {
                a.raw = realloc(a.raw, a.len + (size_t)n + 1);
                memcpy(a.raw + a.len, tmp, (size_t)n);
                a.len += (size_t)n;
                a.raw[a.len] = '\0';
            }
        }
        if (sending && off < len && p.revents & POLLOUT) {
            ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
            if (n > 0)
                off += (size_t)n;
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                sending = false; /* the server closed its side: read what it said */
        }
    }
    close(fd);
    return a;
}

/* One parsed response out of an answer. */
struct resp {
    long status;
    const char *head; /* header lines after the status line */
    size_t head_len;
    const char *body;
    size_t body_len;
    char rid[80];
    char slug[64];
    bool problem; /* Content-Type application/problem+json */
    char *owned;  /* a de-chunked body (freed by check_resp) */
};

static const char *hdr(const char *head, size_t len, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    for (const char *p = head; p < head + len;) {
        const char *e = memchr(p, '\n', (size_t)(head + len - p));
        if (!e)
            e = head + len;
        if ((size_t)(e - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            *vlen = strcspn(v, "\r\n");
            return v;
        }
        p = e + 1;
    }
    return NULL;
}

/* Parses the response at *pos of a; false when none is there. HEAD
 * answers carry no body whatever their Content-Length says. */
static bool parse_resp(const struct answer *a, size_t *pos, bool head_req, struct resp *r)
{
    memset(r, 0, sizeof *r);
    const char *s = a->raw + *pos;
    if (a->len - *pos < 12 || strncmp(s, "HTTP/1.", 7) != 0)
        return false;
    r->status = strtol(s + 9, NULL, 10);
    const char *eol = strstr(s, "\r\n");
    const char *end = strstr(s, "\r\n\r\n");
    if (!eol || !end)
        return false;
    r->head = eol + 2;
    r->head_len = (size_t)(end + 2 - r->head);
    size_t vl = 0;
    const char *v = hdr(r->head, r->head_len, "Transfer-Encoding", &vl);
    if (v && !head_req && vl == 7 && strncasecmp(v, "chunked", 7) == 0) {
        /* a streamed answer (the record): de-chunked into r->owned */
        const char *c = end + 4, *lim = a->raw + a->len;
        struct buf body = {0};
        for (;;) {
            char *next = NULL;
            unsigned long sz = strtoul(c, &next, 16);
            const char *crlf = next ? strstr(next, "\r\n") : NULL;
            if (!crlf || crlf + 2 + sz + 2 > lim) {
                free(body.p);
                return false;
            }
            c = crlf + 2;
            if (sz == 0) {
                const char *fin = strstr(c, "\r\n"); /* no trailers from pnyxd */
                if (!fin) {
                    free(body.p);
                    return false;
                }
                c = fin + 2;
                break;
            }
            buf_add(&body, c, sz);
            c += sz + 2;
        }
        r->owned = body.p ? body.p : calloc(1, 1);
        r->body = r->owned;
        r->body_len = body.n;
        *pos = (size_t)(c - a->raw);
        goto meta;
    }
    v = hdr(r->head, r->head_len, "Content-Length", &vl);
    size_t clen = v ? strtoul(v, NULL, 10) : a->len - (size_t)(end + 4 - a->raw);
    if (head_req)
        clen = 0;
    r->body = end + 4;
    if (clen > a->len - (size_t)(r->body - a->raw))
        clen = a->len - (size_t)(r->body - a->raw);
    r->body_len = clen;
    *pos = (size_t)(r->body + clen - a->raw);
meta:
    v = hdr(r->head, r->head_len, "X-Request-Id", &vl);
    if (v)
        snprintf(r->rid, sizeof r->rid, "%.*s", (int)vl, v);
    v = hdr(r->head, r->head_len, "Content-Type", &vl);
    r->problem = v && vl >= 24 && strncmp(v, "application/problem+json", 24) == 0;
    if (r->problem) {
        json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
        const char *t = json_string_value(json_object_get(j, "type"));
        if (t && strrchr(t, '/'))
            snprintf(r->slug, sizeof r->slug, "%s", strrchr(t, '/') + 1);
        json_decref(j);
    }
    return true;
}

/* What a case expects. status 0 = any 4xx (the route's handler decides;
 * tests/spec/check holds it to the documented ones); alt = a second exact
 * status allowed; ok2xx = a 2xx is fine too (a GET the hostile part does
 * not concern); noanswer = the server may close without answering. */
struct expect {
    long status, alt;
    const char *slug;
    bool ok2xx, noanswer;
};

static unsigned next_rid;

static void note_rid(struct world *w, const char *rid)
{
    w->rids = realloc(w->rids, (w->nrids + 1) * sizeof *w->rids);
    w->rids[w->nrids++] = strdup(rid);
}

/* Checks one response against e, counts it and records it for the
 * contract check (the path as sent, query and all). */
static void check_resp(struct world *w, const char *what, const char *method, const char *path,
                       struct resp *r, const struct expect *e)
{
    w->sent++;
    long st = r->status;
    if (st >= 100 && st < 600) {
        w->statuses[st]++;
        w->by_class[st / 100]++;
    }
    /* No 5xx — except where the case expects exactly that one: 501 for an
     * unknown method (RFC 9110 §15.6.2; pnyxd logs it as the client's
     * fault), 505 for a protocol version other than HTTP/1.x (answered by
     * libmicrohttpd before pnyxd sees the request). */
    cr_assert(st < 500 || ((st == 501 || st == 505) && (st == e->status || st == e->alt)),
              "%s: %s %.200s answered %ld: %.*s", what, method, path, st, (int)r->body_len,
              r->body);
    if (e->status) {
        cr_assert(st == e->status || (e->alt && st == e->alt) || (e->ok2xx && st / 100 == 2),
                  "%s: %s %.200s answered %ld, want %ld%s: %.*s", what, method, path, st, e->status,
                  e->alt ? " (or the alternative)" : "", (int)r->body_len, r->body);
        if (e->slug && st == e->status)
            cr_assert_str_eq(r->slug, e->slug, "%s: %s %s: slug %s, want %s", what, method, path,
                             r->slug, e->slug);
    } else {
        cr_assert((st >= 400 && st < 500) || (e->ok2xx && st / 100 == 2),
                  "%s: %s %.200s answered %ld, want a 4xx: %.*s", what, method, path, st,
                  (int)r->body_len, r->body);
    }
    if (st >= 400)
        cr_assert(r->problem || !r->rid[0], "%s: %s %s: pnyxd's %ld is not problem+json", what,
                  method, path, st);
    if (r->rid[0])
        note_rid(w, r->rid);
    else {
        cr_assert(st == 400 || st == 413 || st == 414 || st == 431 || st == 505,
                  "%s: %s %.200s: libmicrohttpd answered %ld by itself", what, method, path, st);
        /* libmicrohttpd answered by itself (no request id): before the
         * request reached pnyxd's handler, so no access line — its own
         * log line (through pnyxd's logger, JSON) is counted instead */
        w->mhd_answered++;
        char key[96];
        snprintf(key, sizeof key, "%s→%ld;", what, st);
        if (!w->mhd_cases.p || !strstr(w->mhd_cases.p, key))
            buf_str(&w->mhd_cases, key);
    }
    /* The recorder takes "Name: value\r\n" lines. libmicrohttpd's own
     * refusals (HTML, no X-Request-Id) are not pnyxd's API answers: the
     * spec describes them in prose (info, "Refused by libmicrohttpd"),
     * and the assertion above holds them to their statuses. */
    if (r->rid[0]) {
        /* the path as routed: libmicrohttpd decodes %2F into a segment
         * separator before pnyxd matches it */
        char *routed = strdup(path);
        for (char *p = routed, *q = routed;; p++) {
            if (p[0] == '%' && p[1] == '2' && (p[2] == 'f' || p[2] == 'F')) {
                *q++ = '/';
                p += 2;
            } else if (!(*q++ = *p)) {
                break;
            }
        }
        char *head = strndup(r->head, r->head_len);
        h_record(method, routed, st, head, r->body, r->body_len);
        free(head);
        free(routed);
    }
    free(r->owned); /* checked and recorded: nothing else reads the body */
    r->owned = NULL;
}

/* Sends one request: "METHOD target PROTO\r\n" + extra header lines (each
 * ending in \r\n, or raw bytes when the case is about the bytes) + body.
 * Host, Authorization, X-Request-Id and Connection: close are added unless
 * bare (then the request is sent as given). */
static void send_case(struct world *w, const char *what, const char *method, const char *target,
                      const char *proto, const char *headers, const char *body, size_t body_len,
                      const struct expect *e)
{
    struct buf b = {0};
    char rid[48];
    snprintf(rid, sizeof rid, "abuse-%u", ++next_rid);
    buf_fmt(&b, "%s %s %s\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nX-Request-Id: %s\r\n",
            method, target, proto, w->conv.token, rid);
    buf_str(&b, "Connection: close\r\n");
    if (headers)
        buf_str(&b, headers);
    buf_str(&b, "\r\n");
    if (body)
        buf_add(&b, body, body_len);
    struct answer a = wire(w, b.p, b.n, 15000);
    free(b.p);
    size_t pos = 0;
    struct resp r;
    bool head_req = strcmp(method, "HEAD") == 0;
    if (!parse_resp(&a, &pos, head_req, &r)) {
        cr_assert(e->noanswer && a.closed, "%s: %s %s: no HTTP answer (%zu bytes, %s)", what,
                  method, target, a.len, a.closed ? "closed" : "timed out");
        w->sent++;
        w->closed_no_answer++;
        note_rid(w, rid); /* pnyxd saw it: its access line says aborted */
        free(a.raw);
        return;
    }
    check_resp(w, what, method, target, &r, e);
    cr_assert_null(strstr(a.raw, "root:x:0"), "%s: %s %s served /etc/passwd", what, method, target);
    if (r.rid[0])
        cr_assert_str_eq(r.rid, rid, "%s: answered with another request id", what);
    free(a.raw);
}

/* --- what must hold after each test -------------------------------------- */

/* Every table of the public schema: name, row count and an md5 of its
 * rows (text form, sorted), one line each. */
static char *db_state(void)
{
    PGconn *c = PQconnectdb(h_db_url());
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
    PGresult *t = PQexec(c, "SELECT quote_ident(table_name) FROM information_schema.tables "
                            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
                            "ORDER BY 1");
    cr_assert_eq(PQresultStatus(t), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    struct buf out = {0};
    for (int i = 0; i < PQntuples(t); i++) {
        const char *name = PQgetvalue(t, i, 0);
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT count(*), md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), "
                 "'')) FROM %s x",
                 name);
        PGresult *q = PQexec(c, sql);
        cr_assert_eq(PQresultStatus(q), PGRES_TUPLES_OK, "%s: %s", name, PQerrorMessage(c));
        buf_fmt(&out, "%s rows=%s md5=%s\n", name, PQgetvalue(q, 0, 0), PQgetvalue(q, 0, 1));
        PQclear(q);
    }
    PQclear(t);
    PQfinish(c);
    return out.p;
}

/* pnyxd still alive and answering. */
static void assert_alive(struct world *w, const char *after)
{
    struct h_resp *r = h_get(w->s, "/healthz");
    cr_assert(r && r->status == 200, "pnyxd not answering after %s: %s", after,
              h_server_log_tail(w->s));
    h_resp_free(r);
    r = h_request(w->s, "GET", "/api/v1/me", NULL, (const char *[]){"Authorization: Bearer", NULL});
    h_resp_free(r);
}

static void states_equal(const char *before, const char *after)
{
    if (strcmp(before, after) == 0)
        return;
    /* name the tables that changed */
    char *b = strdup(before), *a = strdup(after);
    struct buf diff = {0};
    char *sa = NULL, *sb = NULL;
    char *la = strtok_r(a, "\n", &sa), *lb = strtok_r(b, "\n", &sb);
    for (; la && lb; la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb))
        if (strcmp(la, lb) != 0)
            buf_fmt(&diff, "  before %s\n  after  %s\n", lb, la);
    cr_assert_fail("the hostile requests wrote to the database:\n%s", diff.p ? diff.p : "?");
}

/* Stops the server and checks its log: every line a JSON object, an
 * access line ("msg":"request") for every request id pnyxd answered. */
static void world_end(struct world *w, const char *before)
{
    assert_alive(w, "the battery");
    char *after = db_state();
    states_equal(before, after);
    free(after);
    cr_assert_eq(h_server_stop(w->s), 0, "pnyxd did not exit cleanly");
    FILE *f = fopen(w->log_path, "rb");
    cr_assert_not_null(f, "%s", w->log_path);
    struct buf log = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(&log, tmp, n);
    fclose(f);
    /* request id → seen in an access line; a simple open-addressing set */
    size_t cap = 1;
    while (cap < w->nrids * 2 + 2)
        cap *= 2;
    char **set = calloc(cap, sizeof *set);
    size_t lines = 0, access = 0, mhd_lines = 0, closed_lines = 0;
    struct buf mhd_msgs = {0}; /* libmicrohttpd's distinct messages */
    for (char *save = NULL, *line = strtok_r(log.p, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        cr_assert(json_is_object(j), "log line %zu is not a JSON object (%s): %.300s", lines + 1,
                  e.text, line);
        lines++;
        const char *msg = json_string_value(json_object_get(j, "msg"));
        const char *rid = json_string_value(json_object_get(j, "rid"));
        if (msg && strcmp(msg, "request") == 0 && rid) {
            access++;
            size_t h = 5381;
            for (const char *p = rid; *p; p++)
                h = h * 33 + (unsigned char)*p;
            while (set[h & (cap - 1)] && strcmp(set[h & (cap - 1)], rid) != 0)
                h++;
            if (!set[h & (cap - 1)])
                set[h & (cap - 1)] = strdup(rid);
        }
        if (msg && strstr(msg, "connection closed without an answer"))
            closed_lines++;
        if (msg && strncmp(msg, "libmicrohttpd:", 14) == 0) {
            mhd_lines++;
            char key[100];
            snprintf(key, sizeof key, "%.80s|", msg + 15);
            if (!mhd_msgs.p || !strstr(mhd_msgs.p, key))
                buf_str(&mhd_msgs, key);
        }
        /* hostile input is the client's fault: nothing at warn or error
         * under a battery request's id (a handler failing without a
         * reply, a database error, a 5xx) */
        const char *lvl = json_string_value(json_object_get(j, "level"));
        cr_assert(!lvl || !rid || strncmp(rid, "abuse-", 6) != 0 ||
                      (strcmp(lvl, "error") != 0 && strcmp(lvl, "warn") != 0),
                  "log line at %s: %.500s", lvl, line);
        json_decref(j);
    }
    for (size_t i = 0; i < w->nrids; i++) {
        size_t h = 5381;
        for (const char *p = w->rids[i]; *p; p++)
            h = h * 33 + (unsigned char)*p;
        while (set[h & (cap - 1)] && strcmp(set[h & (cap - 1)], w->rids[i]) != 0)
            h++;
        cr_assert_not_null(set[h & (cap - 1)], "no access log line for request %s", w->rids[i]);
    }
    cr_assert_eq(closed_lines, w->closed_no_answer,
                 "%u requests closed without an answer, %zu log lines saying so",
                 w->closed_no_answer, closed_lines);
    cr_assert_geq(mhd_lines, w->mhd_answered,
                  "%u requests answered by libmicrohttpd, only %zu of its log lines",
                  w->mhd_answered, mhd_lines);
    struct buf st = {0};
    for (int i = 100; i < 600; i++)
        if (w->statuses[i])
            buf_fmt(&st, " %d×%u", i, w->statuses[i]);
    printf("abuse %s: %u requests, statuses:%s; closed without an answer %u; answered by "
           "libmicrohttpd itself %u; log: %zu JSON lines, %zu access lines, %zu libmicrohttpd "
           "lines; 5xx: %u\n",
           w->test, w->sent, st.p ? st.p : " none", w->closed_no_answer, w->mhd_answered, lines,
           access, mhd_lines, w->by_class[5]);
    if (w->mhd_cases.p)
        printf("abuse %s: answered by libmicrohttpd: %s\n", w->test, w->mhd_cases.p);
    if (mhd_msgs.p)
        printf("abuse %s: libmicrohttpd logged: %s\n", w->test, mhd_msgs.p);
    free(mhd_msgs.p);
    fflush(stdout);
    free(w->mhd_cases.p);
    for (size_t i = 0; i < cap; i++)
        free(set[i]);
    free(set);
    for (size_t i = 0; i < w->nrids; i++)
        free(w->rids[i]);
    free(w->rids);
    free(st.p);
    free(log.p);
}

/* --- the cases ------------------------------------------------------------ */

static const char *json_hdr = "Content-Type: application/json\r\n";

static void send_body(struct world *w, const struct route *rt, const char *path, const char *what,
                      const char *body, size_t len, const char *ctype, const struct expect *e)
{
    char h[160];
    snprintf(h, sizeof h, "Content-Type: %s\r\nContent-Length: %zu\r\n", ctype, len);
    send_case(w, what, rt->method, path, "HTTP/1.1", h, body, len, e);
}

/* A JSON value of another type than the spec's type t. */
static const char *wrong_value(const char *t)
{
    if (!strcmp(t, "string"))
        return "123456789";
    if (!strcmp(t, "integer") || !strcmp(t, "number"))
        return "\"12\"";
    if (!strcmp(t, "boolean"))
        return "\"true\"";
    if (!strcmp(t, "array"))
        return "{\"0\":\"x\"}";
    if (!strcmp(t, "object"))
        return "[\"x\"]";
    return "[[true]]"; /* a $ref: no schema of ours is a nested array of booleans */
}

/* Bodies: every route, whatever its method (the body is read, capped and
 * parsed before routing decides anything else). */
static void body_cases(struct world *w, const struct route *rt, const char *path)
{
    const struct expect malformed = {.status = 400, .slug = "malformed-json"};
    const struct expect too_large = {.status = 413, .slug = "payload-too-large"};
    struct buf b = {0};

    /* 100,000 deep: over every cap but the pool upload's (4 MiB) → 413, or
     * read and refused by the depth check → 400. */
    buf_rep(&b, "[", 100000);
    struct expect deep = {.status = 413, .alt = 400};
    send_body(w, rt, path, "nesting 100000", b.p, b.n, "application/json", &deep);
    b.n = 0;
    /* 30,000 deep fits every cap: the depth check refuses it. */
    buf_rep(&b, "[", 30000);
    buf_rep(&b, "]", 30000);
    send_body(w, rt, path, "nesting 30000", b.p, b.n, "application/json", &malformed);
    b.n = 0;
    /* 10 MB, announced: refused from the headers. */
    static char *ten;
    if (!ten) {
        ten = malloc(10u << 20);
        memset(ten, ' ', 10u << 20);
        ten[0] = '[';
    }
    send_body(w, rt, path, "10 MB body", ten, 10u << 20, "application/json", &too_large);
    /* 10 MB, chunked: read up to the cap, discarded up to 1 MiB more, then
     * the connection is dropped (http_int.h HTTP_MAX_DISCARD). */
    buf_fmt(&b, "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n");
    char *h = strdup(b.p);
    b.n = 0;
    for (int i = 0; i < 160; i++) {
        buf_fmt(&b, "%x\r\n", 65536);
        buf_add(&b, ten, 65536);
        buf_str(&b, "\r\n");
    }
    buf_str(&b, "0\r\n\r\n");
    struct expect chunk_big = {.status = 413, .slug = "payload-too-large", .noanswer = true};
    send_case(w, "10 MB chunked body", rt->method, path, "HTTP/1.1", h, b.p, b.n, &chunk_big);
    free(h);
    b.n = 0;

    static const struct {
        const char *what, *body;
    } bad[] = {
        {"invalid UTF-8", "{\"x\":\"\xff\xfe\xc3\x28\xed\xa0\x80\"}"},
        {"overlong UTF-8", "{\"x\":\"\xc0\xaf\"}"},
        {"\\u0000", "{\"x\":\"a\\u0000b\"}"},
        {"\\u0000 in a key", "{\"a\\u0000\":1}"},
        {"lone surrogate", "{\"x\":\"\\ud800\"}"},
        {"1e400", "{\"x\":1e400}"},
        {"-1e400", "[-1e400]"},
        {"huge integer", "{\"x\":123456789012345678901234567890}"},
        {"duplicate keys", "{\"x\":1,\"x\":1}"},
        {"duplicate keys, deeper", "{\"x\":{\"y\":[],\"y\":[]}}"},
        {"truncated", "{\"x\":"},
        {"trailing garbage", "{}{}"},
        {"NaN", "{\"x\":NaN}"},
        {"raw control character", "{\"x\":\"a\tb\"}"},
        {"single quotes", "{'x':1}"},
        {"BOM", "\xef\xbb\xbf{}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        send_body(w, rt, path, bad[i].what, bad[i].body, strlen(bad[i].body), "application/json",
                  &malformed);
    const struct expect media = {.status = 415, .slug = "unsupported-media-type"};
    send_body(w, rt, path, "text/plain body", "{}", 2, "text/plain", &media);
    send_body(w, rt, path, "form body", "a=1", 3, "application/x-www-form-urlencoded", &media);
    send_body(w, rt, path, "json-ish media type", "{}", 2, "application/jsonx", &media);
    send_body(w, rt, path, "Latin-1 body, declared", "{\"x\":\"\xe9\"}", 8,
              "application/json; charset=iso-8859-1", &malformed);
    send_body(w, rt, path, "media type parameters", "{\"x\":", 5,
              "application/json;;;charset=\"\";a=b=c", &malformed);
    send_body(w, rt, path, "UTF-16 body", "{\0\"\0x\0\"\0:\0\x31\0}\0", 14,
              "application/json; charset=utf-16le", &malformed);
    free(b.p);
}

/* Wrong types everywhere, for the routes the spec gives a body: the body
 * decoder refuses them (400; or the handler refuses earlier with another
 * 4xx: not found, not allowed, wrong state). */
static void type_cases(struct world *w, const struct route *rt, const char *path)
{
    if (!rt->spec_body)
        return;
    const struct expect any4xx = {0};
    static const char *const tops[] = {"[]", "\"x\"", "-0", "0", "null", "true", "1.5", "[{}]"};
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++)
        send_body(w, rt, path, "body of a wrong type", tops[i], strlen(tops[i]), "application/json",
                  &any4xx);
    /* every member of the wrong type at once */
    struct buf b = {0};
    buf_str(&b, "{");
    for (size_t i = 0; i < rt->nfields; i++)
        buf_fmt(&b, "%s\"%s\":%s", i ? "," : "", rt->fields[i].name,
                wrong_value(rt->fields[i].type));
    buf_str(&b, "}");
    if (rt->nfields)
        send_body(w, rt, path, "every member of a wrong type", b.p, b.n, "application/json",
                  &any4xx);
    /* integers as -0 and 1e308, the other members wrong, and a member the
     * schema does not have: refused whatever -0 means */
    b.n = 0;
    buf_str(&b, "{\"abuse-unknown\":-0");
    for (size_t i = 0; i < rt->nfields; i++) {
        bool num = !strcmp(rt->fields[i].type, "integer") || !strcmp(rt->fields[i].type, "number");
        buf_fmt(&b, ",\"%s\":%s", rt->fields[i].name,
                num ? (i % 2 ? "-0" : "1e308") : wrong_value(rt->fields[i].type));
    }
    buf_str(&b, "}");
    send_body(w, rt, path, "-0 and 1e308 members", b.p, b.n, "application/json", &any4xx);
    /* the right JSON type with junk inside, for arrays and objects: the
     * nested checks written by hand behind the decoder (a question's
     * options, quotas, labels, a ballot's ranking, a pool's rows) */
    for (size_t i = 0; i < rt->nfields; i++) {
        const char *t = rt->fields[i].type;
        const char *junk = !strcmp(t, "array") ? "[1,null,{\"label\":[]},\"x\",[[]],{\"\":{}},-0]"
                           : !strcmp(t, "object")
                               ? "{\"a\":[1],\"\":null,\"x\":{\"y\":{}},\"-0\":-0}"
                               : NULL;
        if (!junk)
            continue;
        b.n = 0;
        buf_fmt(&b, "{\"%s\":%s}", rt->fields[i].name, junk);
        send_body(w, rt, path, "junk inside an array or object member", b.p, b.n,
                  "application/json", &any4xx);
    }
    /* one member per wrong type: each alone with the rest absent */
    static const char *const vals[] = {"null", "{}", "[]", "-0", "\"\"", "false"};
    for (size_t i = 0; i < rt->nfields && i < 4; i++) {
        b.n = 0;
        buf_fmt(&b, "{\"%s\":%s,\"abuse-unknown\":%s}", rt->fields[i].name,
                wrong_value(rt->fields[i].type), vals[i % 6]);
        send_body(w, rt, path, "one member of a wrong type", b.p, b.n, "application/json", &any4xx);
    }
    free(b.p);
}

/* Queries: GET routes (a query on another method changes nothing of what
 * its handler does, and its valid request would write). A paged list (the
 * spec gives it limit or after) must refuse a bad limit or cursor with 400
 * rather than answer a page; other routes ignore queries they do not take. */
static void query_cases(struct world *w, const struct route *rt, const char *path)
{
    if (strcmp(rt->method, "GET") != 0)
        return;
    static const char *const qs[] = {
        "limit=999999999",
        "limit=-0",
        "limit=+5",
        "limit=5.0",
        "after=-0",
        "limit=-1",
        "limit=0",
        "limit=abc",
        "limit=1e400",
        "limit=",
        "limit=2&limit=999999999",
        "after=-1",
        "after=abc",
        "after=99999999999999999999999",
        "after=0x10",
        "after=1e400",
        "after=%00",
        "after=%ff",
        "index=-1&size=abc",
        "from=-5&to=99999999999999999999",
    };
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        char target[600];
        snprintf(target, sizeof target, "%s?%s", path, qs[i]);
        bool nul = strstr(qs[i], "%00") || strstr(qs[i], "%ff");
        /* a paged list refuses every one of these but the repeated limit
         * (the first is used) and the proofs' parameters it does not have */
        bool paging_q = rt->paged && strncmp(qs[i], "limit=2&", 8) != 0 &&
                        (!strncmp(qs[i], "limit", 5) || !strncmp(qs[i], "after", 5));
        /* (a 4xx of its own first when the resource refuses it anyway,
         * e.g. the participation of a question not open yet: 409) */
        struct expect e = {
            .status = nul ? 400 : 0, .ok2xx = !nul && !paging_q, .slug = "bad-request"};
        struct buf b = {0};
        char rid[48];
        snprintf(rid, sizeof rid, "abuse-%u", ++next_rid);
        buf_fmt(&b,
                "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nX-Request-Id: %s\r\n"
                "Connection: close\r\n\r\n",
                target, w->conv.token, rid);
        struct answer a = wire(w, b.p, b.n, 15000);
        free(b.p);
        size_t pos = 0;
        struct resp r;
        cr_assert(parse_resp(&a, &pos, false, &r), "GET %s: no answer", target);
        check_resp(w, "query", "GET", target, &r, &e);
        free(a.raw);
    }
}

/* Paths: %00 and traversal on the route's own path, parameters that name
 * nothing. The HTTP layer refuses %00 and non-UTF-8 (400); the rest names
 * no route or no resource (404, or 405 when the shape matches another
 * route; 400 when a literal parameter's syntax is checked). */
static void path_cases(struct world *w, const struct route *rt, const char *path)
{
    struct buf b = {0};
    const struct expect bad = {.status = 400, .slug = "bad-request"};
    const char *body = strcmp(rt->method, "GET") && strcmp(rt->method, "DELETE") ? "{\"x\":" : NULL;
    const char *bh = body ? "Content-Type: application/json\r\nContent-Length: 5\r\n" : NULL;
    size_t blen = body ? 5 : 0;
    const char *nul_suffix[] = {"%00", "%00.json", "/%00", "%c0%80", "%ff"};
    for (size_t i = 0; i < sizeof nul_suffix / sizeof nul_suffix[0]; i++) {
        b.n = 0;
        buf_fmt(&b, "%s%s", path, nul_suffix[i]);
        send_case(w, "%00 or non-UTF-8 in the path", rt->method, b.p, "HTTP/1.1", bh, body, blen,
                  &bad);
    }
    /* hostile bodies keep a write from happening should a path still
     * reach a handler; without a body, a 4xx is what is asserted */
    const struct expect any4xx = {0};
    const char *trav[] = {"/../../../../etc/passwd",
                          "/..%2f..%2f..%2fetc%2fpasswd",
                          "/%2e%2e/%2e%2e/etc/passwd",
                          "/./././",
                          "//",
                          "/.."};
    /* outside /api/ (/healthz …) a GET of an unknown path is the static
     * handler's: the app shell (200) or 404, never a file outside static/ */
    const struct expect outside = {.status = 0, .ok2xx = true};
    bool api = strncmp(path, "/api/", 5) == 0;
    for (size_t i = 0; i < sizeof trav / sizeof trav[0]; i++) {
        b.n = 0;
        buf_fmt(&b, "%s%s", path, trav[i]);
        send_case(w, "traversal after the path", rt->method, b.p, "HTTP/1.1", bh, body, blen,
                  api ? &any4xx : &outside);
    }
    /* 300 more segments (within the URL cap): no route has them */
    b.n = 0;
    buf_str(&b, path);
    buf_rep(&b, "/a", 300);
    send_case(w, "300 segments more", rt->method, b.p, "HTTP/1.1", bh, body, blen,
              api ? &any4xx : &outside);
    if (!strchr(rt->pattern, '{')) {
        free(b.p);
        return;
    }
    const char *ids[] = {"-1",
                         "-0",
                         "+1",
                         "0",
                         "abc",
                         "1e400",
                         "99999999999999999999",
                         "%2e%2e",
                         "..%2f..%2fetc%2fpasswd",
                         "1.0",
                         "%20",
                         "0x1"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char p[512];
        route_path(w, rt, ids[i], p, sizeof p);
        send_case(w, "parameter naming nothing", rt->method, p, "HTTP/1.1", bh, body, blen,
                  &any4xx);
    }
    free(b.p);
}

/* The wire: methods, protocol versions, framing, header bytes, sizes. */
static void wire_cases(struct world *w, const struct route *rt, const char *path)
{
    bool get = strcmp(rt->method, "GET") == 0;
    /* A body the decoder refuses, for methods whose valid request writes. */
    const char *mal = "{\"x\":";
    const struct expect bad = {.status = 400, .slug = "bad-request"};
    const struct expect malformed = {.status = 400, .slug = "malformed-json"};
    const struct expect any4xx = {0};
    const struct expect r501 = {.status = 501, .slug = "not-implemented"};

    send_case(w, "unknown method", "FOO", path, "HTTP/1.1", NULL, NULL, 0, &r501);
    send_case(w, "lower-case method", "get", path, "HTTP/1.1", NULL, NULL, 0, &r501);
    send_case(w, "TRACE", "TRACE", path, "HTTP/1.1", NULL, NULL, 0, &r501);
    send_case(w, "CONNECT-like method", "PROPFIND", path, "HTTP/1.1", NULL, NULL, 0, &r501);
    /* OPTIONS is a method pnyxd knows and no route has: 405 with Allow */
    send_case(w, "OPTIONS", "OPTIONS", path, "HTTP/1.1", NULL, NULL, 0,
              &(struct expect){.status = 405, .slug = "method-not-allowed"});
    /* the absolute form of the target (RFC 9112 §3.2.2) and the asterisk
     * form on another method than OPTIONS: never a 5xx, never a write */
    {
        char target[600];
        snprintf(target, sizeof target, "http://127.0.0.1%s", path);
        struct buf x = {0};
        if (!get)
            buf_fmt(&x, "%sContent-Length: 5\r\n", json_hdr);
        send_case(w, "absolute-form target", rt->method, target, "HTTP/1.1", x.p, get ? NULL : mal,
                  get ? 0 : 5, &(struct expect){.status = 0, .ok2xx = get});
        send_case(w, "asterisk-form target", rt->method, "*", "HTTP/1.1", x.p, get ? NULL : mal,
                  get ? 0 : 5, &(struct expect){.status = 0, .ok2xx = get});
        free(x.p);
    }
    /* a known method the path does not have → 405 (the route's own is
     * not sent here: it would succeed) */
    const char *other = get ? "PUT" : "PATCH";
    if (strcmp(rt->method, other) == 0)
        other = "PUT";
    struct expect r405 = {.status = 405, .slug = "method-not-allowed"};
    char h[256];
    snprintf(h, sizeof h, "%sContent-Length: 5\r\n", json_hdr);
    /* PUT/PATCH may exist on the path for another route: then the body is
     * parsed and refused */
    r405.alt = 400;
    send_case(w, "another method", other, path, "HTTP/1.1", h, mal, 5, &r405);

    /* HTTP/1.0: a GET is answered; anything else carries a refused body */
    if (get) {
        struct expect ok = {.status = 200, .ok2xx = true};
        ok.status = 0; /* whatever the route answers the convener, not a 5xx */
        send_case(w, "HTTP/1.0", "GET", path, "HTTP/1.0", NULL, NULL, 0, &ok);
    } else {
        send_case(w, "HTTP/1.0", rt->method, path, "HTTP/1.0", h, mal, 5, &malformed);
    }
    const struct expect r505 = {.status = 505, .alt = 400};
    send_case(w, "HTTP/0.9-ish version", rt->method, path, "HTTP/0.9", NULL, NULL, 0, &r505);
    send_case(w, "HTTP/2.0 on the wire", rt->method, path, "HTTP/2.0", NULL, NULL, 0, &r505);
    send_case(w, "HTTP/1.1 version garbage", rt->method, path, "HTTP/1.x", NULL, NULL, 0, &r505);

    /* framing */
    send_case(w, "two Transfer-Encoding headers", rt->method, path, "HTTP/1.1",
              "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
              "Transfer-Encoding: chunked\r\n",
              "5\r\n{\"x\":\r\n0\r\n\r\n", 15, &bad);
    send_case(w, "conflicting Content-Length", rt->method, path, "HTTP/1.1",
              "Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 5\r\n",
              "{\"x\":", 5, &bad);
    send_case(w, "Content-Length and Transfer-Encoding", rt->method, path, "HTTP/1.1",
              "Content-Type: application/json\r\nContent-Length: 5\r\n"
              "Transfer-Encoding: chunked\r\n",
              "5\r\n{\"x\":\r\n0\r\n\r\n", 15, &bad);
    static const char *const bad_cl[] = {"-1", "abc", "5 5", "99999999999999999999999",
                                         "+5", "0x5"};
    for (size_t i = 0; i < sizeof bad_cl / sizeof bad_cl[0]; i++) {
        snprintf(h, sizeof h, "%sContent-Length: %s\r\n", json_hdr, bad_cl[i]);
        send_case(w, "bad Content-Length", rt->method, path, "HTTP/1.1", h, mal, 5, &any4xx);
    }
    static const char *const te[] = {"chunked, chunked", "gzip",     "gzip, chunked",
                                     "Chunked",          " chunked", "identity",
                                     "chunked;x=1",      "xchunked", "chunked\t"};
    for (size_t i = 0; i < sizeof te / sizeof te[0]; i++) {
        snprintf(h, sizeof h, "%sTransfer-Encoding: %s\r\n", json_hdr, te[i]);
        char what[80];
        snprintf(what, sizeof what, "Transfer-Encoding: %s", te[i]);
        /* case and the blank after the colon do not matter; anything
         * else than chunked is refused (libmicrohttpd keeps a trailing tab
         * in the value: refused too, which is fine) */
        bool plain = !strcmp(te[i], "Chunked") || !strcmp(te[i], " chunked");
        send_case(w, what, rt->method, path, "HTTP/1.1", h, "5\r\n{\"x\":\r\n0\r\n\r\n", 15,
                  plain ? &malformed : &bad);
    }
    snprintf(h, sizeof h, "%sTransfer-Encoding: chunked\r\n", json_hdr);
    send_case(w, "bad chunk size", rt->method, path, "HTTP/1.1", h, "zz\r\n{}\r\n0\r\n\r\n", 14,
              &any4xx);
    /* (A body cut short and half-closed is not here: libmicrohttpd
     * 0.9.75 sometimes keeps such a connection until PNYX_CONN_TIMEOUT —
     * bounded, and the slow-client cases of tests/reliability cover it.) */
    send_case(w, "chunked malformed JSON", rt->method, path, "HTTP/1.1", h,
              "5\r\n{\"x\":\r\n0\r\n\r\n", 15, &malformed);

    /* header bytes: CR or LF inside a value, obs-fold, NUL, no colon */
    static const struct {
        const char *what, *h;
    } hb[] = {
        {"CR inside a header value", "X-Abuse: a\rInjected: b\r\n"},
        {"LF inside a header value", "X-Abuse: a\nInjected: b\r\n"},
        {"obs-fold", "X-Abuse: a\r\n folded\r\n"},
        {"header without a colon", "X-Abuse\r\n"},
        {"space before the colon", "X-Abuse : a\r\n"},
        {"CR/LF in X-Request-Id", "X-Request-Id: a\r\r\n"},
        {"CR in a Cookie", "Cookie: pnyx_session=a\rb\r\n"},
    };
    for (size_t i = 0; i < sizeof hb / sizeof hb[0]; i++) {
        struct buf x = {0};
        buf_str(&x, hb[i].h);
        if (!get)
            buf_fmt(&x, "%sContent-Length: 5\r\n", json_hdr);
        struct expect e = {.status = 0, .ok2xx = get};
        send_case(w, hb[i].what, rt->method, path, "HTTP/1.1", x.p, get ? NULL : mal, get ? 0 : 5,
                  &e);
        free(x.p);
    }
    {
        /* a NUL byte in a header value */
        struct buf x = {0};
        buf_add(&x, "X-Abuse: a\0b\r\n", 14);
        if (!get)
            buf_fmt(&x, "%sContent-Length: 5\r\n", json_hdr);
        /* send_case takes a C string: build the whole request here */
        struct buf req = {0};
        char rid[48];
        snprintf(rid, sizeof rid, "abuse-%u", ++next_rid);
        buf_fmt(&req,
                "%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nX-Request-Id: %s\r\n"
                "Connection: close\r\n",
                rt->method, path, w->conv.token, rid);
        buf_add(&req, x.p, x.n);
        buf_str(&req, "\r\n");
        if (!get)
            buf_str(&req, mal);
        struct answer a = wire(w, req.p, req.n, 15000);
        size_t pos = 0;
        struct resp r;
        cr_assert(parse_resp(&a, &pos, false, &r), "NUL in a header: no answer");
        check_resp(w, "NUL in a header", rt->method, path, &r,
                   &(struct expect){.status = 0, .ok2xx = get});
        free(a.raw);
        free(req.p);
        free(x.p);
    }

    /* 16 KiB values (within the connection's memory, so pnyxd parses
     * them) for every header pnyxd reads: junk bytes, separators, and
     * long lists for the ones it splits */
    static const char *const parsed[] = {
        "Cookie",          "Origin",
        "Accept-Language", "If-None-Match",
        "X-Request-Id",    "Idempotency-Key",
        "X-CSRF-Token",    "Sec-Fetch-Site",
        "Content-Type",    "X-Forwarded-For",
        "Accept",          "Accept-Encoding",
        "Range",           "If-Modified-Since",
        "Referer",
    };
    for (size_t i = 0; i < sizeof parsed / sizeof parsed[0]; i++) {
        for (int v = 0; v < 2; v++) {
            struct buf x = {0};
            buf_fmt(&x, "%s: ", parsed[i]);
            if (v == 0)
                buf_rep(&x, "fr;q=0.5, \"*\"=;,=a%00\xc3\xa9\xff/..\\", 16 * 1024 / 32);
            else
                buf_rep(&x, "pnyx_session=x; W/\"e\", en-GB;q=0.9,", 16 * 1024 / 36);
            buf_str(&x, "\r\n");
            if (!get)
                buf_fmt(&x, "%sContent-Length: 5\r\n",
                        strcmp(parsed[i], "Content-Type") ? json_hdr : "");
            char what[80];
            snprintf(what, sizeof what, "16 KiB %s", parsed[i]);
            /* a GET may still be answered; a body with a junk media type
             * is 415; any other body is the refused one */
            struct expect e = {.status = 0, .ok2xx = get};
            send_case(w, what, rt->method, path, "HTTP/1.1", x.p, get ? NULL : mal, get ? 0 : 5,
                      &e);
            free(x.p);
        }
    }
    /* Expect: 100-continue with a body over the cap: refused from the
     * headers, the body never sent */
    snprintf(h, sizeof h, "%sContent-Length: 104857600\r\nExpect: 100-continue\r\n", json_hdr);
    send_case(w, "Expect: 100-continue, 100 MB", rt->method, path, "HTTP/1.1", h, NULL, 0,
              &(struct expect){.status = 413, .slug = "payload-too-large"});

    /* sizes: a 3 KiB URL (over pnyxd's 2 KiB cap → 414 problem), a 64 KiB
     * URL and a 64 KiB header (over the connection's 32 KiB memory:
     * libmicrohttpd answers 414 / 431 by itself), 1,000 headers */
    struct buf u = {0};
    buf_fmt(&u, "%s?q=", path);
    buf_rep(&u, "a", 3000);
    const struct expect r414 = {.status = 414, .slug = "uri-too-long"};
    send_case(w, "3 KiB URL", rt->method, u.p, "HTTP/1.1", NULL, NULL, 0, &r414);
    buf_rep(&u, "a", 62 * 1024);
    send_case(w, "64 KiB URL", rt->method, u.p, "HTTP/1.1", NULL, NULL, 0,
              &(struct expect){.status = 414});
    u.n = 0;
    buf_str(&u, "X-Big: ");
    buf_rep(&u, "b", 64 * 1024);
    buf_str(&u, "\r\n");
    send_case(w, "64 KiB header", rt->method, path, "HTTP/1.1", u.p, NULL, 0,
              &(struct expect){.status = 431});
    u.n = 0;
    for (int i = 0; i < 1000; i++)
        buf_fmt(&u, "X-H%d: v\r\n", i);
    send_case(w, "1,000 headers", rt->method, path, "HTTP/1.1", u.p, NULL, 0,
              &(struct expect){.status = 431});
    free(u.p);
}

/* Pipelining: several requests in one write on one connection, hostile
 * ones between valid GETs; each is answered in order with its own id. */
static void pipeline_case(struct world *w, const struct route *rt, const char *path)
{
    bool get = strcmp(rt->method, "GET") == 0;
    struct buf b = {0};
    unsigned first = next_rid + 1;
    const int n = 4;
    for (int i = 0; i < n; i++) {
        char rid[48];
        snprintf(rid, sizeof rid, "abuse-%u", ++next_rid);
        bool hostile = !get || i % 2;
        buf_fmt(&b, "%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nX-Request-Id: %s\r\n",
                rt->method, path, w->conv.token, rid);
        if (i == n - 1)
            buf_str(&b, "Connection: close\r\n");
        if (hostile)
            buf_str(&b, "Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"x\":1,");
        else
            buf_str(&b, "\r\n");
    }
    struct answer a = wire(w, b.p, b.n, 15000);
    free(b.p);
    size_t pos = 0;
    for (int i = 0; i < n; i++) {
        struct resp r;
        cr_assert(parse_resp(&a, &pos, false, &r), "pipelined request %d of %s %s: no answer (%s)",
                  i + 1, rt->method, path, a.raw);
        bool hostile = !get || i % 2;
        struct expect e = hostile ? (struct expect){.status = 400, .slug = "malformed-json"}
                                  : (struct expect){.status = 0, .ok2xx = true};
        check_resp(w, "pipelined", rt->method, path, &r, &e);
        char rid[48];
        snprintf(rid, sizeof rid, "abuse-%u", first + (unsigned)i);
        cr_assert_str_eq(r.rid, rid, "pipelined answers out of order");
    }
    free(a.raw);
}

/* Static paths: traversal and %00 never leave the static root. */
static void static_cases(struct world *w)
{
    static const char *const paths[] = {
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/.%2e/.%2e/etc/passwd",
        "/js/../../../../etc/passwd",
        "/js/..%2f..%2f..%2fetc%2fpasswd",
        "/%5c..%5c..%5cetc%5cpasswd",
        "//etc/passwd",
        "/index.html%00.png",
        "/app.css%00",
        "/js/%00",
        "/%c0%ae%c0%ae/etc/passwd",
        "/..%c0%af..%c0%afetc/passwd",
        "/js/i18n/en.js%00.html",
        "/.git/config",
        "/~root",
        "/index.html/../../etc/passwd",
        "/%2fetc%2fpasswd",
    };
    const struct expect e = {.status = 0, .ok2xx = true};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        for (int m = 0; m < 2; m++) {
            const char *method = m ? "HEAD" : "GET";
            struct buf b = {0};
            char rid[48];
            snprintf(rid, sizeof rid, "abuse-%u", ++next_rid);
            buf_fmt(&b,
                    "%s %s HTTP/1.1\r\nHost: x\r\nX-Request-Id: %s\r\nConnection: close\r\n\r\n",
                    method, paths[i], rid);
            struct answer a = wire(w, b.p, b.n, 15000);
            free(b.p);
            size_t pos = 0;
            struct resp r;
            cr_assert(parse_resp(&a, &pos, m == 1, &r), "%s: no answer", paths[i]);
            check_resp(w, "static traversal", method, paths[i], &r, &e);
            cr_assert_null(strstr(a.raw, "root:"), "%s served a file outside static/", paths[i]);
            cr_assert_null(strstr(a.raw, "[core]"), "%s served a file outside static/", paths[i]);
            if (strstr(paths[i], "%00") || strstr(paths[i], "%c0"))
                cr_assert_eq(r.status, 400, "%s: %ld", paths[i], r.status);
            free(a.raw);
        }
    }
}

/* --- the tests ------------------------------------------------------------ */

typedef void (*case_fn)(struct world *, const struct route *, const char *);

/* Runs fn over every route, checking liveness after each route and the
 * database, log and counts at the end. */
static void battery(const char *name, case_fn fn, bool statics)
{
    struct world w;
    world_new(&w, name);
    size_t n = 0;
    struct route *rts = routes_load(&n);
    /* Reads with side effects of their own (a checkpoint signed on the
     * first read of a grown log) and the fixture's background work
     * (translation jobs) happen before the snapshot: a valid GET of every
     * GET route, then wait until two snapshots agree. */
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rts[i].method, "GET") != 0)
            continue;
        char path[512];
        route_path(&w, &rts[i], NULL, path, sizeof path);
        h_resp_free(it_req(w.s, "GET", path, &w.conv, NULL));
    }
    char *before = db_state();
    for (int tries = 0; tries < 50; tries++) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        char *again = db_state();
        bool same = strcmp(before, again) == 0;
        free(before);
        before = again;
        if (same)
            break;
    }
    int64_t t0 = ms_now();
    unsigned spec_bodies = 0;
    for (size_t i = 0; i < n; i++) {
        char path[512];
        route_path(&w, &rts[i], NULL, path, sizeof path);
        fn(&w, &rts[i], path);
        spec_bodies += rts[i].spec_body;
        char after[300];
        snprintf(after, sizeof after, "%s on %s %s", name, rts[i].method, rts[i].pattern);
        assert_alive(&w, after);
    }
    if (statics)
        static_cases(&w);
    printf("abuse %s: %zu routes (%u with a body in the spec), %.1f s\n", name, n, spec_bodies,
           (double)(ms_now() - t0) / 1000.0);
    world_end(&w, before);
    free(before);
    free(rts);
}

Test(abuse, bodies)
{
    battery("bodies", body_cases, false);
}

Test(abuse, wrong_types)
{
    battery("wrong_types", type_cases, false);
}

Test(abuse, queries)
{
    battery("queries", query_cases, false);
}

Test(abuse, paths)
{
    battery("paths", path_cases, true);
}

Test(abuse, wire)
{
    battery("wire", wire_cases, false);
}

Test(abuse, pipelining)
{
    battery("pipelining", pipeline_case, false);
}
