/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* core/base/base64.c — RFC 4648 base64, standard and URL alphabets. */
#include "core/base/base.h"

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static bool is_url(enum base64_variant v)
{
    return v == BASE64_URL || v == BASE64_URL_NOPAD;
}

static bool is_padded(enum base64_variant v)
{
    return v == BASE64_STD || v == BASE64_URL;
}

size_t base64_encoded_len(size_t n, enum base64_variant v)
{
    return is_padded(v) ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

size_t base64_encode(const uint8_t *in, size_t n, char *out, enum base64_variant v)
{
    const char *abc = is_url(v) ? url_alphabet : std_alphabet;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t x = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = abc[(x >> 18) & 63];
        out[o++] = abc[(x >> 12) & 63];
        out[o++] = abc[(x >> 6) & 63];
        out[o++] = abc[x & 63];
    }
    size_t rest = n - i;
    if (rest > 0) {
        uint32_t x = (uint32_t)in[i] << 16 | (rest == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = abc[(x >> 18) & 63];
        out[o++] = abc[(x >> 12) & 63];
        if (rest == 2) {
            out[o++] = abc[(x >> 6) & 63];
        }
        if (is_padded(v)) {
            out[o++] = '=';
            if (rest == 1) {
                out[o++] = '=';
            }
        }
    }
    out[o] = '\0';
    return o;
}

static int value_of(unsigned char c, bool url)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == (url ? '-' : '+')) {
        return 62;
    }
    if (c == (url ? '_' : '/')) {
        return 63;
    }
    return -1;
}

/* Length of the data part (without padding) when in[0..len) is canonical
 * base64 of variant v, else (size_t)-1. */
static size_t data_len(const char *in, size_t len, enum base64_variant v)
{
    bool url = is_url(v);
    size_t data = len;
    if (is_padded(v)) {
        if (len % 4 != 0) {
            return (size_t)-1;
        }
        if (len > 0 && in[len - 1] == '=') {
            data = len - ((len > 1 && in[len - 2] == '=') ? 2 : 1);
        }
    } else if (len % 4 == 1) {
        return (size_t)-1; /* 6 bits cannot end a byte */
    }
    int last = 0;
    for (size_t i = 0; i < data; i++) {
        last = value_of((unsigned char)in[i], url);
        if (last < 0) {
            return (size_t)-1; /* whitespace, '=' inside, the other alphabet */
        }
    }
    /* The bits below the last character's used part must be zero: else
     * the spelling is not the canonical one. */
    if ((data % 4 == 2 && (last & 0xF) != 0) || (data % 4 == 3 && (last & 0x3) != 0)) {
        return (size_t)-1;
    }
    return data;
}

int64_t base64_decoded_len(const char *in, size_t len, enum base64_variant v)
{
    size_t data = data_len(in, len, v);
    if (data == (size_t)-1) {
        return -1;
    }
    return (int64_t)(data / 4 * 3 + (data % 4 == 0 ? 0 : data % 4 - 1));
}

int base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                  enum base64_variant v)
{
    *out_len = 0;
    /* First the spelling, then the room: malformed input is malformed
     * whatever the buffer. */
    int64_t n = base64_decoded_len(in, len, v);
    if (n < 0) {
        return -1;
    }
    if ((uint64_t)n > cap) {
        return -2;
    }
    size_t data = data_len(in, len, v);
    bool url = is_url(v);
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < data; i++) {
        acc = (acc << 6 | (uint32_t)value_of((unsigned char)in[i], url)) & 0xFFFFu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    *out_len = o;
    return 0;
}
