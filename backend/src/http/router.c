/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http/router.c — compiles the api route table once at startup into
 * segment lists and matches request paths against it. Read-only after
 * router_init, so the pool threads share it without locks. Linear scan:
 * with ~50 routes of ≤ 6 segments it costs well under a microsecond.
 */
#include <stdio.h>
#include <string.h>

#include "http/http_int.h"
#include "platform/metrics.h"

/* Why 12: the deepest v1 pattern has 7 segments. */
#define ROUTER_MAX_SEGS 12

struct seg {
    const char *text; /* literal text, or the parameter name */
    size_t len;
    bool param;
};

struct croute {
    size_t nseg;
    struct seg segs[ROUTER_MAX_SEGS];
};

static struct croute *compiled;

enum api_method router_method(const char *s)
{
    static const struct {
        const char *name;
        enum api_method m;
    } map[] = {{"GET", API_GET},        {"HEAD", API_HEAD},   {"POST", API_POST},
               {"PUT", API_PUT},        {"PATCH", API_PATCH}, {"DELETE", API_DELETE},
               {"OPTIONS", API_OPTIONS}};
    for (size_t i = 0; i < PNYX_ARRAY_LEN(map); i++) {
        if (strcmp(s, map[i].name) == 0)
            return map[i].m;
    }
    return (enum api_method)0;
}

static int compile(const struct api_route *rt, struct croute *c, char *err, size_t errlen)
{
    const char *p = rt->pattern;
    c->nseg = 0;
    if (!p || p[0] != '/') {
        snprintf(err, errlen, "route pattern %s must start with /", p ? p : "(null)");
        return -1;
    }
    if (!rt->handler) {
        snprintf(err, errlen, "route %s has no handler", p);
        return -1;
    }
    if (strcmp(p, "/") == 0)
        return 0;
    while (*p == '/') {
        p++;
        size_t len = strcspn(p, "/");
        if (len == 0 || c->nseg == ROUTER_MAX_SEGS) {
            snprintf(err, errlen, "route pattern %s: empty segment or too deep", rt->pattern);
            return -1;
        }
        struct seg *s = &c->segs[c->nseg++];
        if (p[0] == '{') {
            if (p[len - 1] != '}' || len < 3) {
                snprintf(err, errlen, "route pattern %s: bad placeholder", rt->pattern);
                return -1;
            }
            s->param = true;
            s->text = p + 1;
            s->len = len - 2;
        } else {
            s->param = false;
            s->text = p;
            s->len = len;
        }
        p += len;
    }
    size_t nparam = 0;
    for (size_t i = 0; i < c->nseg; i++)
        nparam += c->segs[i].param;
    if (nparam > API_MAX_PARAMS) {
        snprintf(err, errlen, "route pattern %s: too many parameters", rt->pattern);
        return -1;
    }
    return 0;
}

int router_init(char *err, size_t errlen)
{
    /* The table is static, so once compiled it stays: a server started
     * again in one process (tests/platform/test_http_stop.c) reuses it. */
    if (compiled)
        return 0;
    if (api_routes_count > METRICS_MAX_ROUTES) {
        snprintf(err, errlen, "route table has %zu entries; metrics support %d", api_routes_count,
                 METRICS_MAX_ROUTES);
        return -1;
    }
    struct croute *c = pnyx_xcalloc(api_routes_count ? api_routes_count : 1, sizeof(*c));
    for (size_t i = 0; i < api_routes_count; i++) {
        if (compile(&api_routes[i], &c[i], err, errlen) != 0) {
            free(c);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (api_routes[j].method == api_routes[i].method &&
                strcmp(api_routes[j].pattern, api_routes[i].pattern) == 0) {
                snprintf(err, errlen, "duplicate route %s %s",
                         api_method_name(api_routes[i].method), api_routes[i].pattern);
                free(c);
                return -1;
            }
        }
    }
    compiled = c;
    return 0;
}

/* Splits path into segments (pointers into a writable copy). Returns the
 * count, or -1 for an empty segment ("//", trailing "/") or too many. */
static int split(char *path, char **segs)
{
    int n = 0;
    if (strcmp(path, "/") == 0)
        return 0;
    char *p = path;
    while (*p == '/') {
        *p++ = '\0';
        size_t len = strcspn(p, "/");
        if (len == 0 || n == ROUTER_MAX_SEGS)
            return -1;
        segs[n++] = p;
        p += len;
    }
    return *p ? -1 : n;
}

static bool path_matches(const struct croute *c, char *const *segs, int nseg)
{
    if ((size_t)nseg != c->nseg)
        return false;
    for (size_t i = 0; i < c->nseg; i++) {
        const struct seg *s = &c->segs[i];
        if (s->param)
            continue;
        if (strlen(segs[i]) != s->len || memcmp(segs[i], s->text, s->len) != 0)
            return false;
    }
    return true;
}

int router_match(struct arena *a, enum api_method m, const char *path, size_t *idx,
                 struct api_req *rq, const char **allow)
{
    char *copy = arena_strdup(a, path);
    char *segs[ROUTER_MAX_SEGS];
    int nseg = split(copy, segs);
    *allow = NULL;
    if (nseg < 0)
        return -1;
    enum api_method want = m == API_HEAD ? API_GET : m;
    unsigned mask = 0;
    for (size_t i = 0; i < api_routes_count; i++) {
        if (!path_matches(&compiled[i], segs, nseg))
            continue;
        if (api_routes[i].method != want) {
            mask |= 1u << api_routes[i].method;
            continue;
        }
        *idx = i;
        rq->nparams = 0;
        for (size_t k = 0; k < compiled[i].nseg; k++) {
            const struct seg *s = &compiled[i].segs[k];
            if (!s->param)
                continue;
            rq->params[rq->nparams].name = arena_strndup(a, s->text, s->len);
            rq->params[rq->nparams].value = segs[k];
            rq->nparams++;
        }
        return 1;
    }
    if (!mask)
        return -1;
    if (mask & (1u << API_GET))
        mask |= 1u << API_HEAD;
    char buf[96] = "";
    for (enum api_method k = API_GET; k <= API_OPTIONS; k++) {
        if (!(mask & (1u << k)))
            continue;
        if (buf[0])
            strcat(buf, ", ");
        strcat(buf, api_method_name(k));
    }
    *allow = arena_strdup(a, buf);
    return 0;
}
