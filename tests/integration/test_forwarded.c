/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_forwarded.c — the client address behind a reverse proxy (issue 15,
 * PNYX_TRUSTED_PROXIES): over real HTTP from chosen loopback addresses,
 * a pnyxd that trusts 127.0.0.1 as its proxy tells the proxy's clients
 * apart by X-Forwarded-For (the per-address login throttle, the
 * loopback-only /metrics), while the same header from any other address is
 * ignored, so a client cannot pick its own address. The rules themselves
 * (rightmost untrusted hop, header lines, limits) are unit-tested in
 * tests/base (netaddr).
 */
#include "account_util.h"

#define PROXY "127.0.0.1"

static const char *const ENV[] = {"PNYX_TRUSTED_PROXIES=" PROXY, "PNYX_LOGIN_ADDR_ACCOUNTS=3",
                                  NULL};

/* Status of a failed login of a fresh unknown e-mail from ip, as client
 * `xff` (NULL: no header). */
static long spray(struct h_server *s, const char *ip, const char *xff)
{
    char email[200], hdr[128];
    snprintf(email, sizeof email, "%s@example.org", h_unique("fwd"));
    snprintf(hdr, sizeof hdr, "X-Forwarded-For: %s", xff ? xff : "");
    const char *extra[] = {hdr, NULL};
    json_t *b = json_pack("{s:s, s:s}", "email", email, "password", "Summer2026!");
    struct from_resp r =
        request_from(s, ip, "POST", "/api/v1/sessions", b, NULL, xff ? extra : NULL);
    json_decref(b);
    json_decref(r.json);
    return r.status;
}

static long metrics(struct h_server *s, const char *ip, const char *const *extra)
{
    struct from_resp r = request_from(s, ip, "GET", "/metrics", NULL, NULL, extra);
    json_decref(r.json);
    return r.status;
}

Test(forwarded, clients_behind_the_trusted_proxy_are_throttled_one_by_one)
{
    struct h_server *s = h_server_start(ENV);
    cr_assert(s, "pnyxd with PNYX_TRUSTED_PROXIES did not start");
    for (int i = 0; i < 3; i++)
        cr_assert_eq(spray(s, PROXY, "198.51.100.7"), 401, "attempt %d", i);
    cr_assert_eq(spray(s, PROXY, "198.51.100.7"), 429, "the 4th account from 198.51.100.7");
    /* Another client of the same proxy is not throttled with it... */
    cr_assert_eq(spray(s, PROXY, "198.51.100.8"), 401, "198.51.100.8 through the same proxy");
    /* ...even when its own header line names the throttled address first:
     * only the right end, which the proxy wrote, is believed. */
    cr_assert_eq(spray(s, PROXY, "198.51.100.7, 198.51.100.9"), 401);
    h_server_stop(s);
}

Test(forwarded, the_header_from_anyone_else_is_ignored)
{
    struct h_server *s = h_server_start(ENV);
    cr_assert(s, "pnyxd with PNYX_TRUSTED_PROXIES did not start");
    char ip[32];
    do
        random_loopback(ip);
    while (strcmp(ip, PROXY) == 0);
    /* A client that is not the proxy names a new address each time: the
     * throttle still sees its own. */
    const char *fake[] = {"203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(spray(s, ip, fake[i]), 401, "attempt %d", i);
    cr_assert_eq(spray(s, ip, fake[3]), 429, "a forged X-Forwarded-For escaped the throttle");
    h_server_stop(s);
}

Test(forwarded, metrics_stay_loopback_only_behind_the_proxy)
{
    struct h_server *s = h_server_start(ENV);
    cr_assert(s, "pnyxd with PNYX_TRUSTED_PROXIES did not start");
    const char *outside[] = {"X-Forwarded-For: 203.0.113.7", NULL};
    const char *inside[] = {"X-Forwarded-For: 127.0.0.1", NULL};
    /* Through the proxy from outside: refused (before, the proxy's own
     * loopback address let the whole world read /metrics). */
    cr_assert_eq(metrics(s, PROXY, outside), 403);
    /* A forged header line before the proxy's own is not believed. */
    const char *two[] = {"X-Forwarded-For: 127.0.0.1", "X-Forwarded-For: 203.0.113.7", NULL};
    cr_assert_eq(metrics(s, PROXY, two), 403);
    cr_assert_eq(metrics(s, PROXY, inside), 200);
    cr_assert_eq(metrics(s, PROXY, NULL), 200);
    /* Not the proxy: its header is ignored, its own loopback address counts. */
    cr_assert_eq(metrics(s, "127.0.0.2", outside), 200);
    h_server_stop(s);
}

Test(forwarded, without_trusted_proxies_the_header_means_nothing)
{
    struct h_server *s = h_shared();
    const char *outside[] = {"X-Forwarded-For: 203.0.113.7", NULL};
    cr_assert_eq(metrics(s, PROXY, outside), 200);
}

Test(forwarded, a_malformed_list_is_refused_at_start)
{
    const char *env[] = {"PNYX_TRUSTED_PROXIES=127.0.0.1, haproxy.local", NULL};
    char out[4096];
    int rc = h_server_refuses(env, out, sizeof out);
    cr_assert_neq(rc, 0, "pnyxd started with a host name in PNYX_TRUSTED_PROXIES");
    cr_assert(strstr(out, "PNYX_TRUSTED_PROXIES"), "no reason given: %s", out);
}
