/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/crypto.c — session-token helpers on libsodium. Owns no state
 * beyond libsodium's own initialisation.
 */
#include "platform/crypto.h"

#include <string.h>

#include <sodium.h>

#include "core/base/base.h"

int pnyx_crypto_init(void)
{
    /* sodium_init: 0 = done now, 1 = already done, -1 = failure. */
    return sodium_init() < 0 ? -1 : 0;
}

void pnyx_crypto_token_new(char out[PNYX_TOKEN_CHARS + 1], uint8_t hash[PNYX_SHA256_BYTES])
{
    uint8_t raw[PNYX_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    base64_encode(raw, sizeof raw, out, BASE64_URL_NOPAD);
    if (hash != NULL) {
        crypto_hash_sha256(hash, raw, sizeof raw);
    }
    sodium_memzero(raw, sizeof raw);
}

bool pnyx_crypto_token_hash(const char *tok, size_t len, uint8_t hash[PNYX_SHA256_BYTES])
{
    if (tok == NULL || len != PNYX_TOKEN_CHARS) {
        return false;
    }
    /* 43 characters carry 258 bits; core/base accepts only the spelling
     * whose last 2 bits are zero, so one token has one name. */
    uint8_t raw[PNYX_TOKEN_BYTES];
    size_t n = 0;
    if (base64_decode(tok, len, raw, sizeof raw, &n, BASE64_URL_NOPAD) != 0 || n != sizeof raw) {
        return false;
    }
    crypto_hash_sha256(hash, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    return true;
}

void pnyx_crypto_sha256(const void *data, size_t len, uint8_t out[PNYX_SHA256_BYTES])
{
    crypto_hash_sha256(out, data, len);
}

bool pnyx_crypto_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

void pnyx_crypto_hex(const uint8_t *in, size_t n, char *out)
{
    base_hex_encode(in, n, out);
}

int pnyx_crypto_unhex(const char *hex, size_t hexlen, uint8_t *out, size_t n)
{
    return base_hex_decode(hex, hexlen, out, n);
}
