/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/crypto.h — small, hard-to-misuse wrappers over libsodium for
 * session tokens: random 256-bit tokens in base64url (no padding), SHA-256,
 * constant-time comparison and hex encoding. Names carry the pnyx_crypto_
 * prefix so they can never be mistaken for libsodium's crypto_* API.
 * Thread-safe after pnyx_crypto_init().
 */
#ifndef PNYX_PLATFORM_CRYPTO_H
#define PNYX_PLATFORM_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/compiler.h"

/* 32 random bytes (256 bits: DESIGN.md's session token strength). */
#define PNYX_TOKEN_BYTES 32
/* base64url without padding of 32 bytes: ceil(32 * 8 / 6) = 43 characters. */
#define PNYX_TOKEN_CHARS  43
#define PNYX_SHA256_BYTES 32

/* Initialises libsodium (idempotent, thread-safe). Returns 0, or -1 when the
 * OS CSPRNG is unusable (refuse to start). */
int pnyx_crypto_init(void) PNYX_MUSTCHECK;

/* Writes a fresh token (43 base64url characters) and a NUL into out.
 * Also writes the SHA-256 of its 32 raw bytes to hash when hash != NULL. */
void pnyx_crypto_token_new(char out[PNYX_TOKEN_CHARS + 1], uint8_t hash[PNYX_SHA256_BYTES])
    PNYX_NONNULL(1);

/* Decodes a token (exactly 43 base64url characters in canonical form, i.e.
 * the unused low bits of the last character are zero) and writes the
 * SHA-256 of its 32 bytes to hash. Returns false for anything else, without
 * touching a database: malformed tokens are rejected for free. Borrows tok. */
bool pnyx_crypto_token_hash(const char *tok, size_t len, uint8_t hash[PNYX_SHA256_BYTES])
    PNYX_NONNULL(3) PNYX_MUSTCHECK;

/* SHA-256 of data[0..len). */
void pnyx_crypto_sha256(const void *data, size_t len, uint8_t out[PNYX_SHA256_BYTES])
    PNYX_NONNULL(3);

/* Constant-time equality of two n-byte buffers (time depends on n only). */
bool pnyx_crypto_equal(const void *a, const void *b, size_t n) PNYX_NONNULL(1, 2);

/* Lower-case hex of in[0..n) into out (2n + 1 bytes, NUL-terminated). */
void pnyx_crypto_hex(const uint8_t *in, size_t n, char *out) PNYX_NONNULL(1, 3);

/* Parses 2n hex digits (either case) into out[0..n). Returns 0 or -1. */
int pnyx_crypto_unhex(const char *hex, size_t hexlen, uint8_t *out, size_t n)
    PNYX_NONNULL(1, 3) PNYX_MUSTCHECK;

#endif /* PNYX_PLATFORM_CRYPTO_H */
