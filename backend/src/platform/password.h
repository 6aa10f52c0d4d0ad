/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/password.h — argon2id password hashing (libargon2) with PHC
 * strings ($argon2id$v=19$m=…,t=…,p=…$salt$hash, readable by any argon2
 * implementation), parameter upgrade detection, a process-wide cap on
 * concurrent hashes, and a dummy verification for unknown accounts.
 *
 * Why a cap: each hash holds m KiB (19 MiB by default) and a full core for
 * ~40 ms, so a login flood on N threads would otherwise need N × 19 MiB and
 * starve every other request. At most `max_concurrent` hashes run at once
 * (a counting semaphore); the rest wait. Argon2's working memory is mapped
 * and unmapped per hash (not malloc'ed) so it goes back to the OS and idle
 * RSS stays small.
 *
 * Thread-safe once password_init() has run.
 */
#ifndef PNYX_PLATFORM_PASSWORD_H
#define PNYX_PLATFORM_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/compiler.h"

struct password_params {
    uint32_t m_kib; /* memory in KiB (default 19456, OWASP's argon2id minimum) */
    uint32_t t;     /* passes (default 2) */
    uint32_t p;     /* lanes (default 1) */
};

#define PASSWORD_DEFAULT_M_KIB 19456u
#define PASSWORD_DEFAULT_T     2u
#define PASSWORD_DEFAULT_P     1u

/* Longest PHC string we produce or accept, with NUL: "$argon2id$v=19$"
 * (15) + "m=4294967295,t=4294967295,p=16777215" (36) + "$" + 22 (16-byte
 * salt) + "$" + 43 (32-byte hash) = 118; rounded up for parsing slack. */
#define PASSWORD_PHC_MAX 160

/*
 * Sets the parameters for new hashes and the concurrency cap (>= 1), then
 * computes the dummy hash used by password_verify_dummy. The first call
 * wins; later calls return 0 without changing anything, so handlers may
 * call it lazily with the configuration (thread-safe). Returns 0, or -1 on
 * invalid parameters (m < 8·p, t < 1, p < 1) or hashing failure.
 */
int password_init(const struct password_params *params, unsigned max_concurrent)
    PNYX_NONNULL(1) PNYX_MUSTCHECK;

/* True once password_init has succeeded. */
bool password_ready(void);

/*
 * Hashes pw[0..len) with a fresh 16-byte salt and the configured
 * parameters into out (cap >= PASSWORD_PHC_MAX) as a PHC string. Blocks
 * while max_concurrent hashes are running. Returns 0, or -1 on failure.
 */
int password_hash(const char *pw, size_t len, char *out, size_t cap)
    PNYX_NONNULL(1, 3) PNYX_MUSTCHECK;

enum password_verdict {
    PASSWORD_MATCH = 0,
    PASSWORD_MISMATCH,
    PASSWORD_ERROR, /* unparseable stored hash or out of memory */
};

/* Verifies pw against the stored PHC string (borrowed). Constant-time
 * compare; blocks on the cap like password_hash. */
enum password_verdict password_verify(const char *phc, const char *pw, size_t len)
    PNYX_NONNULL(1, 2);

/* Runs a verification against the dummy hash and discards the result, so a
 * login for an unknown e-mail costs what a real one costs. */
void password_verify_dummy(const char *pw, size_t len) PNYX_NONNULL(1);

/* True when phc was made with other parameters (or another salt/hash length
 * or an unparseable form) than new hashes would use: re-hash at login. */
bool password_needs_rehash(const char *phc) PNYX_NONNULL(1);

/* Parses the parameters of a PHC argon2id string. Returns 0 or -1. */
int password_parse_params(const char *phc, struct password_params *out)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* The largest number of hashes that ever ran at once in this process
 * (never above max_concurrent): for tests and metrics. */
unsigned password_peak_concurrency(void);

#endif /* PNYX_PLATFORM_PASSWORD_H */
