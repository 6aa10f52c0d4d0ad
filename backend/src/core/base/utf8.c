/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* core/base/utf8.c — strict UTF-8 (RFC 3629, Unicode table 3-7). */
#include "core/base/base.h"

int32_t base_utf8_next(const char *s, size_t len, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t p = *i;
    unsigned char b0 = u[p];
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
            lo = 0xA0; /* no overlong 3-byte forms */
        } else if (b0 == 0xED) {
            hi = 0x9F; /* no surrogates */
        }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        cp = b0 & 0x07;
        if (b0 == 0xF0) {
            lo = 0x90; /* no overlong 4-byte forms */
        } else if (b0 == 0xF4) {
            hi = 0x8F; /* nothing above U+10FFFF */
        }
    } else {
        return -1; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (len - p - 1 < need) {
        return -1;
    }
    for (size_t k = 1; k <= need; k++) {
        unsigned char b = u[p + k];
        if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) {
            return -1;
        }
        cp = (int32_t)((uint32_t)cp << 6 | (b & 0x3Fu));
    }
    *i = p + 1 + need;
    return cp;
}

bool base_utf8_valid(const char *s, size_t len)
{
    return base_utf8_count(s, len) != (size_t)-1;
}

size_t base_utf8_count(const char *s, size_t len)
{
    size_t i = 0, n = 0;
    while (i < len) {
        if (base_utf8_next(s, len, &i) < 0) {
            return (size_t)-1;
        }
        n++;
    }
    return n;
}

size_t base_utf8_put(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        return 0;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

size_t base_utf8_cut(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = len, cont = 0;
    while (k > 0 && (u[k - 1] & 0xC0) == 0x80 && cont < 3) {
        k--;
        cont++;
    }
    if (k == 0 || u[k - 1] < 0xC0) {
        return len; /* ends on ASCII (or not at a lead byte): nothing cut */
    }
    unsigned char lead = u[k - 1];
    size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
    return cont >= need ? len : k - 1;
}

int base_utf16_cmp_cp(uint32_t a, uint32_t b)
{
    /* Differs from code point order only between U+E000..U+FFFF and
     * supplementary characters, whose high surrogates (D800..DBFF) sort
     * first; equal high surrogates leave the order to the low ones, which
     * follow code point order. */
    if ((a < 0x10000) != (b < 0x10000)) {
        uint32_t ua = a < 0x10000 ? a : 0xD800 + ((a - 0x10000) >> 10);
        uint32_t ub = b < 0x10000 ? b : 0xD800 + ((b - 0x10000) >> 10);
        return ua < ub ? -1 : 1;
    }
    return a < b ? -1 : (a > b ? 1 : 0);
}

/* The next code point, or the lone byte's value for an ill-formed one. */
static uint32_t next_lenient(const char *s, size_t len, size_t *i)
{
    int32_t cp = base_utf8_next(s, len, i);
    if (cp < 0) {
        return (unsigned char)s[(*i)++];
    }
    return (uint32_t)cp;
}

int base_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0, j = 0;
    while (i < alen && j < blen) {
        int c = base_utf16_cmp_cp(next_lenient(a, alen, &i), next_lenient(b, blen, &j));
        if (c != 0) {
            return c;
        }
    }
    if (i < alen) {
        return 1;
    }
    return j < blen ? -1 : 0;
}
