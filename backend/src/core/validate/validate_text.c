/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * UTF-8 well-formedness (RFC 3629 / Unicode table 3-7) and control-character
 * screening. A strict decoder: every byte sequence is either exactly one
 * well-formed scalar value or an error; nothing is repaired.
 */
#include <stdint.h>

#include "validate.h"

/*
 * Decodes one scalar value at s[*i], advancing *i. Returns the code point or
 * -1 on an ill-formed sequence. Second-byte ranges follow Unicode table 3-7,
 * which is what rules out overlongs (E0 80..9F, F0 80..8F), surrogates
 * (ED A0..BF) and values above U+10FFFF (F4 90..BF, F5..FF).
 */
static int32_t decode_one(const unsigned char *s, size_t len, size_t *i)
{
    size_t p = *i;
    unsigned char b0 = s[p];
    if (b0 < 0x80) {
        *i = p + 1;
        return b0;
    }
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    int32_t cp;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
        cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        cp = b0 & 0x0F;
        if (b0 == 0xE0) {
            lo = 0xA0;
        } else if (b0 == 0xED) {
            hi = 0x9F;
        }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        cp = b0 & 0x07;
        if (b0 == 0xF0) {
            lo = 0x90;
        } else if (b0 == 0xF4) {
            hi = 0x8F;
        }
    } else {
        return -1; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (len - p - 1 < need) {
        return -1;
    }
    for (size_t k = 1; k <= need; k++) {
        unsigned char b = s[p + k];
        if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) {
            return -1;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    *i = p + 1 + need;
    return cp;
}

bool validate_utf8(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (decode_one(u, len, &i) < 0) {
            return false;
        }
    }
    return true;
}

size_t validate_text_length(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, n = 0;
    while (i < len) {
        int32_t cp = decode_one(u, len, &i);
        if (cp < 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            return (size_t)-1;
        }
        n++;
    }
    return n;
}

bool validate_display_name(const char *s, size_t len)
{
    size_t n = validate_text_length(s, len);
    return n != (size_t)-1 && n >= VALIDATE_DISPLAY_NAME_MIN && n <= VALIDATE_DISPLAY_NAME_MAX;
}
