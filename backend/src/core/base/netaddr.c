/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/base/netaddr.c — IP networks and the client address behind trusted
 * reverse proxies (X-Forwarded-For).
 *
 * Why: behind HAProxy (deploy/cluster, README "Running at scale") every
 * connection comes from the proxy, so the per-address login throttle would
 * throttle everyone together and the loopback-only /metrics would be open
 * to the world. pnyxd therefore believes X-Forwarded-For, but only the part
 * its own proxies wrote: walking the list from the right, each hop is
 * believed only while the address that told us about it is trusted, and
 * the first untrusted address is the client (the left part is whatever the
 * client chose to send and is never believed).
 *
 * IPv4 is kept as IPv4-mapped IPv6 (::ffff:a.b.c.d, prefix + 96) so one
 * comparison serves both families; output is inet_ntop's canonical text,
 * dotted quads for IPv4.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base.h"

static const uint8_t V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool base_ip_parse(const char *s, size_t len, uint8_t out[16])
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    struct in_addr v4;
    if (inet_pton(AF_INET, buf, &v4) == 1) {
        memcpy(out, V4_MAPPED, 12);
        memcpy(out + 12, &v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, buf, out) == 1;
}

void base_ip_format(const uint8_t ip[16], char out[BASE_IP_TEXT_MAX])
{
    if (memcmp(ip, V4_MAPPED, 12) == 0)
        inet_ntop(AF_INET, ip + 12, out, BASE_IP_TEXT_MAX);
    else
        inet_ntop(AF_INET6, ip, out, BASE_IP_TEXT_MAX);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* One "addr" or "addr/bits" of a list; false when malformed. */
static bool net_parse(const char *s, size_t len, struct base_net *n)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    if (!base_ip_parse(s, alen, n->addr))
        return false;
    bool v4 = memcmp(n->addr, V4_MAPPED, 12) == 0;
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash) {
        const char *p = slash + 1, *end = s + len;
        if (p == end || end - p > 3)
            return false;
        bits = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return false;
            bits = bits * 10 + (unsigned)(*p - '0');
        }
        if (bits > max)
            return false;
    }
    n->bits = (uint8_t)(v4 ? bits + 96 : bits);
    return true;
}

int base_netlist_parse(const char *csv, struct base_netlist *out)
{
    out->n = 0;
    const char *p = csv ? csv : "";
    for (;;) {
        while (is_space(*p))
            p++;
        if (!*p)
            return 0;
        const char *e = p;
        while (*e && *e != ',' && !is_space(*e))
            e++;
        if (out->n == BASE_NETLIST_MAX || !net_parse(p, (size_t)(e - p), &out->net[out->n]))
            return -1;
        out->n++;
        while (is_space(*e))
            e++;
        if (*e == ',')
            e++;
        p = e;
    }
}

bool base_netlist_contains(const struct base_netlist *l, const uint8_t ip[16])
{
    for (size_t i = 0; i < l->n; i++) {
        const struct base_net *n = &l->net[i];
        unsigned full = n->bits / 8u, rest = n->bits % 8u;
        if (memcmp(ip, n->addr, full) != 0)
            continue;
        if (rest == 0)
            return true;
        uint8_t mask = (uint8_t)(0xffu << (8u - rest));
        if ((ip[full] & mask) == (n->addr[full] & mask))
            return true;
    }
    return false;
}

/* The last element of s[0..*len) (comma-separated, blanks trimmed); *len
 * becomes the length before its comma (0 when it was the first). */
static const char *last_element(const char *s, size_t *len, size_t *elen)
{
    size_t end = *len;
    size_t start = end;
    while (start > 0 && s[start - 1] != ',')
        start--;
    *len = start > 0 ? start - 1 : 0;
    size_t a = start, b = end;
    while (a < b && is_space(s[a]))
        a++;
    while (b > a && is_space(s[b - 1]))
        b--;
    *elen = b - a;
    return s + a;
}

void base_forwarded_client(const struct base_netlist *trusted, const char *peer,
                           const char *const *xff, size_t nxff, char out[BASE_IP_TEXT_MAX])
{
    uint8_t cur[16];
    if (!peer || !base_ip_parse(peer, strlen(peer), cur)) {
        snprintf(out, BASE_IP_TEXT_MAX, "%s",
                 peer && strlen(peer) < BASE_IP_TEXT_MAX ? peer : "unknown");
        return;
    }
    /* Bounded walk: a header list longer than this is not a chain of our
     * own proxies, and the address reached so far is as far as we believe. */
    unsigned budget = 64;
    for (size_t h = nxff; h-- > 0 && budget > 0;) {
        size_t len = xff[h] ? strlen(xff[h]) : 0;
        while (len > 0 && budget-- > 0) {
            if (!base_netlist_contains(trusted, cur))
                goto done;
            size_t elen;
            const char *e = last_element(xff[h], &len, &elen);
            uint8_t ip[16];
            if (elen == 0)
                continue;
            if (!base_ip_parse(e, elen, ip))
                goto done; /* garbage from a trusted hop: stop at that hop */
            memcpy(cur, ip, 16);
        }
    }
done:
    base_ip_format(cur, out);
}
