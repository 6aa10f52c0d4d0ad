/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Unit tests for the process-local session cache (api/auth_cache.c):
 * freshness window, forgetting, activity tracking, the size bound and
 * thread safety.
 */
#include <pthread.h>
#include <string.h>

#include <criterion/criterion.h>

#include "api/auth_int.h"
#include "platform/arena.h"
#include "platform/crypto.h"

static void key_of(unsigned i, uint8_t key[32])
{
    pnyx_crypto_sha256(&i, sizeof i, key);
}

static struct auth_cached entry(int64_t sid, const char *json)
{
    struct auth_cached e;
    memset(&e, 0, sizeof e);
    e.session_id = sid;
    e.account_id = sid * 10;
    e.expires_at = 1000000;
    e.last_seen = 100;
    e.last_seen_db = 100;
    memset(e.csrf_hash, 0xAB, sizeof e.csrf_hash);
    e.account_json = json;
    e.account_json_len = strlen(json);
    return e;
}

Test(auth_cache, fresh_then_stale_then_forgotten)
{
    struct arena *a = arena_new();
    uint8_t k[32];
    key_of(1, k);
    struct auth_cached out;
    cr_assert_eq(auth_cache_get(k, 200, 0, a, &out), AUTH_CACHE_MISS);
    struct auth_cached in = entry(7, "{\"id\":70}");
    auth_cache_put(k, &in, 1000);
    cr_assert_eq(auth_cache_size(), 1);
    cr_assert_eq(auth_cache_get(k, 200, 1000 + AUTH_CACHE_REVALIDATE_US - 1, a, &out),
                 AUTH_CACHE_FRESH);
    cr_assert_eq(out.session_id, 7);
    cr_assert_eq(out.account_id, 70);
    cr_assert_str_eq(out.account_json, "{\"id\":70}");
    cr_assert_eq(out.account_json_len, 9);
    cr_assert_eq(out.last_seen, 100); /* the value before this request */
    cr_assert_eq(auth_cache_get(k, 250, 2000, a, &out), AUTH_CACHE_FRESH);
    cr_assert_eq(out.last_seen, 200); /* the previous request's activity */
    cr_assert_eq(auth_cache_get(k, 300, 1000 + AUTH_CACHE_REVALIDATE_US, a, &out),
                 AUTH_CACHE_STALE);
    cr_assert_eq(out.last_seen, 250);
    /* A refresh keeps local activity newer than the database's. */
    auth_cache_put(k, &in, 1000 + AUTH_CACHE_REVALIDATE_US);
    cr_assert_eq(auth_cache_get(k, 300, 1000 + AUTH_CACHE_REVALIDATE_US + 1, a, &out),
                 AUTH_CACHE_FRESH);
    cr_assert_eq(out.last_seen, 250);
    auth_cache_forget(k);
    cr_assert_eq(auth_cache_get(k, 300, 0, a, &out), AUTH_CACHE_MISS);
    cr_assert_eq(auth_cache_size(), 0);
    arena_free(a);
}

Test(auth_cache, bounded_size)
{
    struct auth_cached in = entry(1, "{}");
    uint8_t k[32];
    const unsigned n = AUTH_CACHE_SHARDS * AUTH_CACHE_SLOTS * 3;
    for (unsigned i = 0; i < n; i++) {
        key_of(i, k);
        auth_cache_put(k, &in, (int64_t)i);
    }
    size_t size = auth_cache_size();
    cr_assert_leq(size, (size_t)AUTH_CACHE_SHARDS * AUTH_CACHE_SLOTS);
    /* the table fills up (keys spread evenly) */
    cr_assert_geq(size, (size_t)AUTH_CACHE_SHARDS * AUTH_CACHE_SLOTS * 9 / 10);
    /* the most recently validated entries survive eviction */
    struct arena *a = arena_new();
    struct auth_cached out;
    key_of(n - 1, k);
    cr_assert_eq(auth_cache_get(k, 1, (int64_t)n, a, &out), AUTH_CACHE_FRESH);
    arena_free(a);
}

static void *hammer(void *arg)
{
    unsigned base = *(unsigned *)arg;
    struct arena *a = arena_new();
    struct auth_cached in = entry(base, "{\"x\":1}"), out;
    uint8_t k[32];
    for (unsigned i = 0; i < 20000; i++) {
        key_of(base + i % 64, k);
        if (i % 3 == 0) {
            auth_cache_put(k, &in, (int64_t)i);
        } else if (i % 7 == 0) {
            auth_cache_forget(k);
        } else if (auth_cache_get(k, 1, (int64_t)i, a, &out) != AUTH_CACHE_MISS) {
            cr_assert_str_eq(out.account_json, "{\"x\":1}");
        }
    }
    arena_free(a);
    return NULL;
}

Test(auth_cache, concurrent_use)
{
    pthread_t t[4];
    unsigned base[4] = {0, 32, 64, 96}; /* overlapping key ranges */
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(pthread_create(&t[i], NULL, hammer, &base[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    cr_assert_leq(auth_cache_size(), 160);
}
