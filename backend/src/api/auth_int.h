/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/auth_int.h — the process-local session cache behind api_auth_resolve
 * (auth_cache.c). Internal to api/auth*.c and their tests.
 */
#ifndef PNYX_API_AUTH_INT_H
#define PNYX_API_AUTH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/arena.h"
#include "platform/compiler.h"

/* How long a cached session is trusted without asking PostgreSQL again:
 * the bound on cross-process staleness (a logout or account change made
 * through another pnyxd is seen here at most this late). Why 5 s: one
 * revalidation per active session per 5 s is negligible load, while a
 * longer window would keep a revoked token usable elsewhere for longer. */
#define AUTH_CACHE_REVALIDATE_US (5 * 1000000LL)

/* Bounded size: 64 shards (independent mutexes, so two pool threads rarely
 * meet) × 512 slots = 32,768 sessions, evicting the least recently
 * validated entry of a 16-slot bucket when a bucket is full. An evicted
 * session costs one database round trip on its next request, and that
 * revalidation evicts the next least recently validated entry of its
 * bucket: when a burst of voters casts in about the order in which they
 * opened the page (a vote called in a meeting), that is the next voter
 * of the bucket, so one overflow turns into a miss for every later voter
 * of its bucket. With 16,384 slots in 8-way buckets, 10,000 such voters
 * missed 8.8–10.4 % (measured, bench/questions/README.md; a simulation of
 * this file gives 10.8 %), here 0 % (4.8 % at 20,000). Memory: ~4.5 MB
 * of slots plus each cached account's JSON. */
#define AUTH_CACHE_SHARDS 64
#define AUTH_CACHE_SLOTS  512
#define AUTH_CACHE_WAYS   16

/* A copy of one session as the cache holds it. */
struct auth_cached {
    int64_t session_id;
    int64_t account_id;
    int64_t expires_at;   /* absolute, unix seconds */
    int64_t last_seen;    /* latest known activity, unix seconds */
    int64_t last_seen_db; /* last_seen_at as PostgreSQL has it */
    uint8_t csrf_hash[32];
    const char *account_json; /* get: arena copy; put: borrowed */
    size_t account_json_len;
};

enum auth_cache_hit {
    AUTH_CACHE_MISS = 0, /* not cached: ask the database */
    AUTH_CACHE_STALE,    /* cached but due for revalidation: ask the database */
    AUTH_CACHE_FRESH,    /* cached and recently validated: *out filled */
};

/* Looks up token_hash. On FRESH copies the entry into *out (account_json
 * into arena a), and records `now` as the session's latest activity (the
 * returned last_seen is the value from before). Thread-safe. */
enum auth_cache_hit auth_cache_get(const uint8_t key[32], int64_t now, int64_t mono_us,
                                   struct arena *a, struct auth_cached *out) PNYX_NONNULL(1, 4, 5);

/* Inserts or refreshes token_hash with *in (account_json copied), validated
 * at mono_us. Thread-safe; may evict another entry. */
void auth_cache_put(const uint8_t key[32], const struct auth_cached *in, int64_t mono_us)
    PNYX_NONNULL(1, 2);

/* Records `now` as the latest activity of token_hash if cached (a STALE
 * entry used without revalidation: api/auth.c's cast path). Thread-safe. */
void auth_cache_seen(const uint8_t key[32], int64_t now) PNYX_NONNULL(1);
/* Removes token_hash if cached. Thread-safe. */
void auth_cache_forget(const uint8_t key[32]) PNYX_NONNULL(1);

/* Number of cached sessions (for tests and metrics). */
size_t auth_cache_size(void);

#endif /* PNYX_API_AUTH_INT_H */
