/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/auth_cache.c — process-local cache of sessions, keyed by the SHA-256
 * of the token.
 *
 * Why: an authenticated request must not cost a PostgreSQL round trip (the
 * /api/v1/me target is 35,000 req/s on 2 cores; one query costs more than
 * the whole request budget). PostgreSQL stays the source of truth; the
 * cache only remembers, for a few seconds, what it said.
 *
 * Design:
 * - 64 shards, each a mutex and 512 slots in 16-way buckets (auth_int.h
 *   says why that size); a key's shard and bucket come from its
 *   (uniformly random) hash bytes. Memory is bounded: 32,768 entries of
 *   ~140 bytes plus each account's public JSON (at most a few hundred
 *   bytes), allocated on insert.
 * - An entry is FRESH for AUTH_CACHE_REVALIDATE_US (5 s) after it was read
 *   from the database; after that the next request re-reads the session
 *   (and its account) and refreshes the entry. That interval is the bound
 *   on cross-process staleness: a logout, deletion or account change made
 *   through another pnyxd process takes effect here within 5 s. A logout
 *   through this process removes the entry at once (auth_cache_forget).
 * - Expiry (absolute and idle) is checked on every request against the
 *   cached times, so it is exact, not 5 s late.
 * - Activity is recorded in the entry (last_seen); api/auth.c writes it to
 *   sessions.last_seen_at only during a revalidation and only when the
 *   stored value is older than the touch interval, so a busy session costs
 *   at most one UPDATE a minute per process, never one per request.
 * - Critical sections copy a few hundred bytes; no I/O under a lock.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth_int.h"
#include "platform/crypto.h"

struct slot {
    bool used;
    uint8_t key[32];
    int64_t validated_us; /* monotonic time of the last database read */
    struct auth_cached v; /* v.account_json is malloc'd, owned by the slot */
};

struct shard {
    pthread_mutex_t lock;
    size_t count;
    struct slot slots[AUTH_CACHE_SLOTS];
};

static struct shard shards[AUTH_CACHE_SHARDS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_shards(void)
{
    for (size_t i = 0; i < AUTH_CACHE_SHARDS; i++) {
        pthread_mutex_init(&shards[i].lock, NULL);
    }
}

/* Shard from byte 0, bucket from bytes 1..2: the key is a SHA-256 output,
 * so its bytes are already uniformly distributed. */
static struct shard *shard_of(const uint8_t key[32], struct slot **bucket)
{
    pthread_once(&once, init_shards);
    struct shard *s = &shards[key[0] % AUTH_CACHE_SHARDS];
    size_t nb = AUTH_CACHE_SLOTS / AUTH_CACHE_WAYS;
    size_t b = ((size_t)key[1] << 8 | key[2]) % nb;
    *bucket = &s->slots[b * AUTH_CACHE_WAYS];
    return s;
}

/* The key is SHA-256(token), so a timing difference here would tell at most
 * how many leading bytes of the hash of a guessed token match a cached one,
 * which says nothing of the token; the comparison is constant-time all the
 * same (sodium_memcmp), so no reader needs that argument (issue 13). */
static struct slot *find(struct slot *bucket, const uint8_t key[32])
{
    for (size_t i = 0; i < AUTH_CACHE_WAYS; i++) {
        if (bucket[i].used && pnyx_crypto_equal(bucket[i].key, key, 32)) {
            return &bucket[i];
        }
    }
    return NULL;
}

static void clear_slot(struct shard *s, struct slot *e)
{
    free((void *)(uintptr_t)e->v.account_json);
    memset(e, 0, sizeof(*e));
    s->count--;
}

enum auth_cache_hit auth_cache_get(const uint8_t key[32], int64_t now, int64_t mono_us,
                                   struct arena *a, struct auth_cached *out)
{
    struct slot *bucket;
    struct shard *s = shard_of(key, &bucket);
    enum auth_cache_hit hit = AUTH_CACHE_MISS;
    pthread_mutex_lock(&s->lock);
    struct slot *e = find(bucket, key);
    if (e != NULL) {
        *out = e->v;
        char *json = arena_alloc(a, e->v.account_json_len + 1);
        memcpy(json, e->v.account_json, e->v.account_json_len + 1);
        out->account_json = json;
        if (mono_us - e->validated_us < AUTH_CACHE_REVALIDATE_US && mono_us >= e->validated_us) {
            hit = AUTH_CACHE_FRESH;
            if (now > e->v.last_seen) {
                e->v.last_seen = now;
            }
        } else {
            hit = AUTH_CACHE_STALE;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return hit;
}

void auth_cache_put(const uint8_t key[32], const struct auth_cached *in, int64_t mono_us)
{
    char *json = malloc(in->account_json_len + 1);
    if (json == NULL) {
        return; /* not caching is always correct */
    }
    memcpy(json, in->account_json, in->account_json_len);
    json[in->account_json_len] = '\0';

    struct slot *bucket;
    struct shard *s = shard_of(key, &bucket);
    pthread_mutex_lock(&s->lock);
    struct slot *e = find(bucket, key);
    if (e == NULL) {
        /* A free slot, else the least recently validated one. */
        for (size_t i = 0; i < AUTH_CACHE_WAYS; i++) {
            if (!bucket[i].used) {
                e = &bucket[i];
                break;
            }
            if (e == NULL || bucket[i].validated_us < e->validated_us) {
                e = &bucket[i];
            }
        }
        if (e->used) {
            clear_slot(s, e);
        }
        e->used = true;
        memcpy(e->key, key, 32);
        s->count++;
    } else {
        free((void *)(uintptr_t)e->v.account_json);
    }
    int64_t seen = e->v.last_seen;
    e->v = *in;
    /* Keep activity seen here since the database read began. */
    if (seen > e->v.last_seen) {
        e->v.last_seen = seen;
    }
    e->v.account_json = json;
    e->validated_us = mono_us;
    pthread_mutex_unlock(&s->lock);
}

void auth_cache_seen(const uint8_t key[32], int64_t now)
{
    struct slot *bucket;
    struct shard *s = shard_of(key, &bucket);
    pthread_mutex_lock(&s->lock);
    struct slot *e = find(bucket, key);
    if (e != NULL && now > e->v.last_seen) {
        e->v.last_seen = now;
    }
    pthread_mutex_unlock(&s->lock);
}

void auth_cache_forget(const uint8_t key[32])
{
    struct slot *bucket;
    struct shard *s = shard_of(key, &bucket);
    pthread_mutex_lock(&s->lock);
    struct slot *e = find(bucket, key);
    if (e != NULL) {
        clear_slot(s, e);
    }
    pthread_mutex_unlock(&s->lock);
}

size_t auth_cache_size(void)
{
    size_t n = 0;
    pthread_once(&once, init_shards);
    for (size_t i = 0; i < AUTH_CACHE_SHARDS; i++) {
        pthread_mutex_lock(&shards[i].lock);
        n += shards[i].count;
        pthread_mutex_unlock(&shards[i].lock);
    }
    return n;
}
