/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/password.c — argon2id through libargon2's low-level argon2_ctx
 * (so we choose the allocator), PHC encoding/decoding done here with
 * libsodium's base64 (standard alphabet, no padding, as the PHC format
 * says). State: the parameters, the semaphore and the dummy hash, set once
 * by password_init under a mutex and read-only afterwards.
 */
#include "platform/password.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <argon2.h>
#include <sodium.h>

/* 16-byte salts and 32-byte outputs: RFC 9106 section 4 recommendations. */
#define SALT_BYTES 16
#define HASH_BYTES 32
/* Stored hashes we accept for verification: the argon2 minimums up to a
 * sane maximum, so a corrupted row cannot make us map terabytes. */
#define PARSE_MAX_BYTES  64
#define VERIFY_MAX_M_KIB (4u * 1024u * 1024u) /* 4 GiB */

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool ready;
static struct password_params cur;
static sem_t slots;
static char dummy_phc[PASSWORD_PHC_MAX];
/* Hashes inside argon2 right now, and the most ever seen (tests, metrics). */
static atomic_uint in_flight, peak;

/*
 * argon2's work area (m KiB per hash). A fresh mapping costs a page fault
 * per 4 KiB page on first touch: ~58 ms for 19 MiB on this virtual machine,
 * more than the hash itself (~25 ms). So mappings are kept and reused, at
 * most one per hashing slot (PNYX_THREADS, the cap on concurrent hashes),
 * once password_init is done: idle RSS stays small until the first login,
 * and under load the process holds slots × m KiB, the memory it would use
 * anyway at full concurrency. Other sizes (verifying an old hash with other
 * parameters) get a mapping of their own, returned at once. New mappings
 * ask for transparent huge pages, which cut the first touch to ~11 ms.
 */
#define POOL_MAX 256

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *pool[POOL_MAX];
static size_t pool_n, pool_cap, pool_bytes;

static int map_alloc(uint8_t **memory, size_t n)
{
    pthread_mutex_lock(&pool_lock);
    uint8_t *reused = n == pool_bytes && pool_n > 0 ? pool[--pool_n] : NULL;
    pthread_mutex_unlock(&pool_lock);
    if (reused != NULL) {
        *memory = reused;
        return ARGON2_OK;
    }
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        *memory = NULL;
        return ARGON2_MEMORY_ALLOCATION_ERROR;
    }
    (void)madvise(p, n, MADV_HUGEPAGE); /* advice only: may be unsupported */
    *memory = p;
    return ARGON2_OK;
}

static void map_free(uint8_t *memory, size_t n)
{
    if (memory == NULL) {
        return;
    }
    pthread_mutex_lock(&pool_lock);
    bool kept = n == pool_bytes && pool_n < pool_cap;
    if (kept) {
        pool[pool_n++] = memory;
    }
    pthread_mutex_unlock(&pool_lock);
    if (!kept) {
        munmap(memory, n);
    }
}

static void slot_take(void)
{
    while (sem_wait(&slots) != 0) {
        /* EINTR: retry */
    }
}

static void slot_give(void)
{
    sem_post(&slots);
}

/* Raw argon2id(pw, salt) under the concurrency cap. */
static int raw_hash(const struct password_params *pp, const char *pw, size_t len,
                    const uint8_t *salt, size_t saltlen, uint8_t *out, size_t outlen)
{
    argon2_context ctx = {
        .out = out,
        .outlen = (uint32_t)outlen,
        .pwd = (uint8_t *)(uintptr_t)pw, /* argon2 only writes it with CLEAR_PASSWORD */
        .pwdlen = (uint32_t)len,
        .salt = (uint8_t *)(uintptr_t)salt,
        .saltlen = (uint32_t)saltlen,
        .t_cost = pp->t,
        .m_cost = pp->m_kib,
        .lanes = pp->p,
        /* One thread per hash: the cap bounds CPU as well as memory. */
        .threads = 1,
        .version = ARGON2_VERSION_13,
        .allocate_cbk = map_alloc,
        .free_cbk = map_free,
        .flags = ARGON2_DEFAULT_FLAGS,
    };
    slot_take();
    unsigned now = atomic_fetch_add(&in_flight, 1) + 1;
    unsigned seen = atomic_load(&peak);
    while (now > seen && !atomic_compare_exchange_weak(&peak, &seen, now)) {
    }
    int rc = argon2_ctx(&ctx, Argon2_id);
    atomic_fetch_sub(&in_flight, 1);
    slot_give();
    return rc == ARGON2_OK ? 0 : -1;
}

static int b64(char *out, size_t cap, const uint8_t *in, size_t n)
{
    if (sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) > cap) {
        return -1;
    }
    sodium_bin2base64(out, cap, in, n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    return 0;
}

static int hash_with(const struct password_params *pp, const char *pw, size_t len, char *out,
                     size_t cap)
{
    uint8_t salt[SALT_BYTES], h[HASH_BYTES];
    char salt64[SALT_BYTES * 2], h64[HASH_BYTES * 2];
    randombytes_buf(salt, sizeof salt);
    if (raw_hash(pp, pw, len, salt, sizeof salt, h, sizeof h) != 0 ||
        b64(salt64, sizeof salt64, salt, sizeof salt) != 0 ||
        b64(h64, sizeof h64, h, sizeof h) != 0) {
        return -1;
    }
    int n = snprintf(out, cap, "$argon2id$v=%d$m=%u,t=%u,p=%u$%s$%s", ARGON2_VERSION_13,
                     (unsigned)pp->m_kib, (unsigned)pp->t, (unsigned)pp->p, salt64, h64);
    sodium_memzero(h, sizeof h);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

int password_init(const struct password_params *params, unsigned max_concurrent)
{
    if (atomic_load(&ready)) {
        return 0;
    }
    if (params->p < 1 || params->t < 1 || params->m_kib < 8 * params->p || max_concurrent < 1 ||
        params->p > ARGON2_MAX_LANES) {
        return -1;
    }
    int rc = -1;
    pthread_mutex_lock(&init_lock);
    if (atomic_load(&ready)) {
        rc = 0;
        goto out;
    }
    if (sodium_init() < 0 || sem_init(&slots, 0, max_concurrent) != 0) {
        goto out;
    }
    cur = *params;
    /* The dummy's password is random and forgotten: nothing can match it. */
    char junk[16];
    randombytes_buf(junk, sizeof junk);
    if (hash_with(&cur, junk, sizeof junk, dummy_phc, sizeof dummy_phc) != 0) {
        sem_destroy(&slots);
        goto out;
    }
    /* Reuse starts after the dummy hash, so an idle process keeps none. */
    pthread_mutex_lock(&pool_lock);
    pool_bytes = (size_t)cur.m_kib * 1024u;
    pool_cap = max_concurrent < POOL_MAX ? max_concurrent : POOL_MAX;
    pthread_mutex_unlock(&pool_lock);
    atomic_store(&ready, true);
    rc = 0;
out:
    pthread_mutex_unlock(&init_lock);
    return rc;
}

bool password_ready(void)
{
    return atomic_load(&ready);
}

int password_hash(const char *pw, size_t len, char *out, size_t cap)
{
    if (!atomic_load(&ready) || cap < PASSWORD_PHC_MAX || len > UINT32_MAX) {
        return -1;
    }
    return hash_with(&cur, pw, len, out, cap);
}

/* Reads a decimal uint32 at *s, advancing it. */
static int read_u32(const char **s, uint32_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9')) {
        return -1;
    }
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX) {
            return -1;
        }
        p++;
    }
    *out = (uint32_t)v;
    *s = p;
    return 0;
}

static int expect(const char **s, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*s, lit, n) != 0) {
        return -1;
    }
    *s += n;
    return 0;
}

struct phc {
    struct password_params pp;
    uint8_t salt[PARSE_MAX_BYTES];
    size_t saltlen;
    uint8_t hash[PARSE_MAX_BYTES];
    size_t hashlen;
};

/* Decodes one '$'-terminated (or final) base64 field. */
static int read_b64(const char **s, uint8_t *out, size_t cap, size_t *n, char stop)
{
    const char *p = *s;
    const char *e = stop ? strchr(p, stop) : p + strlen(p);
    const char *end = NULL;
    if (e == NULL || e == p ||
        sodium_base642bin(out, cap, p, (size_t)(e - p), NULL, n, &end,
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
        end != e) {
        return -1;
    }
    *s = e;
    return 0;
}

static int parse(const char *phc, struct phc *o)
{
    const char *s = phc;
    uint32_t v;
    if (strlen(phc) >= PASSWORD_PHC_MAX || expect(&s, "$argon2id$v=") != 0 ||
        read_u32(&s, &v) != 0 || v != ARGON2_VERSION_13 || expect(&s, "$m=") != 0 ||
        read_u32(&s, &o->pp.m_kib) != 0 || expect(&s, ",t=") != 0 || read_u32(&s, &o->pp.t) != 0 ||
        expect(&s, ",p=") != 0 || read_u32(&s, &o->pp.p) != 0 || expect(&s, "$") != 0 ||
        read_b64(&s, o->salt, sizeof o->salt, &o->saltlen, '$') != 0 || expect(&s, "$") != 0 ||
        read_b64(&s, o->hash, sizeof o->hash, &o->hashlen, 0) != 0) {
        return -1;
    }
    if (o->pp.p < 1 || o->pp.p > ARGON2_MAX_LANES || o->pp.t < 1 || o->pp.m_kib < 8 * o->pp.p ||
        o->pp.m_kib > VERIFY_MAX_M_KIB || o->saltlen < ARGON2_MIN_SALT_LENGTH ||
        o->hashlen < ARGON2_MIN_OUTLEN) {
        return -1;
    }
    return 0;
}

int password_parse_params(const char *phc, struct password_params *out)
{
    struct phc p;
    if (parse(phc, &p) != 0) {
        return -1;
    }
    *out = p.pp;
    return 0;
}

enum password_verdict password_verify(const char *phc, const char *pw, size_t len)
{
    struct phc p;
    uint8_t h[PARSE_MAX_BYTES];
    if (!atomic_load(&ready) || len > UINT32_MAX || parse(phc, &p) != 0) {
        return PASSWORD_ERROR;
    }
    if (raw_hash(&p.pp, pw, len, p.salt, p.saltlen, h, p.hashlen) != 0) {
        return PASSWORD_ERROR;
    }
    bool same = sodium_memcmp(h, p.hash, p.hashlen) == 0;
    sodium_memzero(h, sizeof h);
    return same ? PASSWORD_MATCH : PASSWORD_MISMATCH;
}

void password_verify_dummy(const char *pw, size_t len)
{
    if (atomic_load(&ready)) {
        (void)password_verify(dummy_phc, pw, len);
    }
}

bool password_needs_rehash(const char *phc)
{
    struct phc p;
    if (parse(phc, &p) != 0) {
        return true;
    }
    return p.pp.m_kib != cur.m_kib || p.pp.t != cur.t || p.pp.p != cur.p ||
           p.saltlen != SALT_BYTES || p.hashlen != HASH_BYTES;
}

unsigned password_peak_concurrency(void)
{
    return atomic_load(&peak);
}
