/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally_dec.c — exact decimals and checked 128-bit arithmetic.
 * Every quantity of the count is an integer number of 10^-scale units; the
 * only rounding anywhere is the truncation the rules ask for (floor of
 * non-negative quotients). Overflow is reported (TALLY_ERANGE), never wrapped.
 */
#include <stdio.h>
#include <string.h>

#include "tally_int.h"

tally_u128 tally_pow10(uint32_t k)
{
    tally_u128 p = 1;
    for (uint32_t i = 0; i < k && i < 38; i++) {
        p *= 10;
    }
    return p;
}

struct tally_dec tally_dec_int(int64_t v)
{
    return tally_dec_make((tally_i128)v, 0);
}

struct tally_dec tally_dec_canon(struct tally_dec d)
{
    while (d.scale > 0 && d.units % 10 == 0) {
        d.units /= 10;
        d.scale--;
    }
    return d;
}

int tally_add_checked(tally_i128 a, tally_i128 b, tally_i128 *out)
{
    if (__builtin_add_overflow(a, b, out)) {
        return TALLY_ERANGE;
    }
    return TALLY_OK;
}

int tally_mul_checked(tally_i128 a, tally_i128 b, tally_i128 *out)
{
    if (__builtin_mul_overflow(a, b, out)) {
        return TALLY_ERANGE;
    }
    return TALLY_OK;
}

/* 64×64→128 limb product helpers for the 256-bit muldiv. */
static void mul_128x128(tally_u128 a, tally_u128 b, tally_u128 *hi, tally_u128 *lo)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
    uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
    tally_u128 p00 = (tally_u128)a0 * b0;
    tally_u128 p01 = (tally_u128)a0 * b1;
    tally_u128 p10 = (tally_u128)a1 * b0;
    tally_u128 p11 = (tally_u128)a1 * b1;
    tally_u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    *lo = (p00 & UINT64_MAX) | (mid << 64);
    *hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
}

/*
 * floor((hi:lo) / c) for a 256-bit numerator, restoring division bit by bit.
 * Only reached when the product does not fit 128 bits (rare: d = 20 with
 * large weights), so its 256 iterations do not matter for speed.
 */
static int div_256(tally_u128 hi, tally_u128 lo, tally_u128 c, tally_i128 *out)
{
    if (hi >= c) {
        return TALLY_ERANGE; /* quotient ≥ 2^128 */
    }
    tally_u128 rem = hi, q = 0;
    for (int i = 127; i >= 0; i--) {
        bool carry = (rem >> 127) != 0;
        rem = (rem << 1) | ((lo >> i) & 1);
        q <<= 1;
        if (carry || rem >= c) {
            rem -= c;
            q |= 1;
        }
    }
    if (q > (tally_u128)TALLY_I128_MAX) {
        return TALLY_ERANGE;
    }
    *out = (tally_i128)q;
    return TALLY_OK;
}

int tally_muldiv(tally_u128 a, tally_u128 b, tally_u128 c, tally_i128 *out)
{
    if (c == 0) {
        return TALLY_EINTERNAL;
    }
    tally_u128 p;
    if (!__builtin_mul_overflow(a, b, &p)) {
        tally_u128 q = p / c;
        if (q > (tally_u128)TALLY_I128_MAX) {
            return TALLY_ERANGE;
        }
        *out = (tally_i128)q;
        return TALLY_OK;
    }
    tally_u128 hi, lo;
    mul_128x128(a, b, &hi, &lo);
    return div_256(hi, lo, c, out);
}

/* Digits [s, s+n) appended to an accumulator; ERANGE past 38 significant digits. */
static int acc_digits(const char *s, size_t n, tally_u128 *acc)
{
    /* 10^38 < 2^127: anything below it times 10 plus 9 still fits u128 */
    const tally_u128 lim = tally_pow10(38);
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return TALLY_EINVAL;
        }
        *acc = *acc * 10 + (tally_u128)(s[i] - '0');
        if (*acc >= lim) {
            return TALLY_ERANGE;
        }
    }
    return TALLY_OK;
}

int tally_dec_parse(const char *s, size_t len, struct tally_dec *out)
{
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    size_t int_end = i;
    if (int_end == 0) {
        return TALLY_EINVAL;
    }
    size_t frac_beg = len, frac_end = len;
    if (i < len) {
        if (s[i] != '.') {
            return TALLY_EINVAL;
        }
        frac_beg = i + 1;
        frac_end = len;
        if (frac_end == frac_beg) {
            return TALLY_EINVAL;
        }
        for (size_t k = frac_beg; k < frac_end; k++) {
            if (s[k] < '0' || s[k] > '9') {
                return TALLY_EINVAL;
            }
        }
        while (frac_end > frac_beg && s[frac_end - 1] == '0') {
            frac_end--;
        }
    }
    /* leading zeros of the integer part carry nothing */
    size_t int_beg = 0;
    while (int_beg + 1 < int_end && s[int_beg] == '0') {
        int_beg++;
    }
    /* "0.000…1" holds one significant digit yet a scale past what every
     * other operation (and tally_dec_format's buffer) assumes */
    if (frac_end - frac_beg > TALLY_DEC_MAX_SCALE) {
        return TALLY_ERANGE;
    }
    tally_u128 acc = 0;
    int rc = acc_digits(s + int_beg, int_end - int_beg, &acc);
    if (rc == TALLY_OK) {
        rc = acc_digits(s + frac_beg, frac_end - frac_beg, &acc);
    }
    if (rc != TALLY_OK) {
        return rc;
    }
    out->units = (tally_i128)acc;
    out->scale = (uint32_t)(frac_end - frac_beg);
    *out = tally_dec_canon(*out);
    return TALLY_OK;
}

int tally_dec_parse_number(const char *s, size_t len, struct tally_dec *out)
{
    size_t mant_end = 0;
    while (mant_end < len && s[mant_end] != 'e' && s[mant_end] != 'E') {
        mant_end++;
    }
    struct tally_dec m;
    int rc = tally_dec_parse(s, mant_end, &m);
    if (rc != TALLY_OK) {
        return rc;
    }
    if (mant_end == len) {
        *out = m;
        return TALLY_OK;
    }
    size_t i = mant_end + 1;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (i == len) {
        return TALLY_EINVAL;
    }
    long ex = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return TALLY_EINVAL;
        }
        ex = ex * 10 + (s[i] - '0');
        if (ex > 1000) {
            return TALLY_ERANGE;
        }
    }
    if (m.units == 0) {
        *out = tally_dec_make(0, 0);
        return TALLY_OK;
    }
    long scale = (long)m.scale + (neg ? ex : -ex);
    while (scale < 0) {
        tally_i128 u;
        if (tally_mul_checked(m.units, 10, &u) != TALLY_OK || u >= (tally_i128)tally_pow10(38)) {
            return TALLY_ERANGE;
        }
        m.units = u;
        scale++;
    }
    if (scale > TALLY_DEC_MAX_SCALE) {
        return TALLY_ERANGE;
    }
    m.scale = (uint32_t)scale;
    *out = tally_dec_canon(m);
    return TALLY_OK;
}

int tally_dec_format(const struct tally_dec *d, char *buf, size_t cap)
{
    char digits[48];
    int nd = 0;
    struct tally_dec c = tally_dec_canon(*d);
    if (c.scale > TALLY_DEC_MAX_SCALE) {
        if (cap > 0) {
            buf[0] = '\0';
        }
        return -1; /* no dec the engine makes gets here: parse refuses them */
    }
    bool neg = c.units < 0;
    tally_u128 u = neg ? (tally_u128)(-(c.units + 1)) + 1 : (tally_u128)c.units;
    do {
        digits[nd++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u != 0);
    while ((uint32_t)nd <= c.scale) {
        digits[nd++] = '0'; /* at least one integer digit */
    }
    char tmp[64];
    size_t n = 0;
    if (neg) {
        tmp[n++] = '-';
    }
    for (int i = nd - 1; i >= 0; i--) {
        tmp[n++] = digits[i];
        if (c.scale > 0 && (uint32_t)i == c.scale) {
            tmp[n++] = '.';
        }
    }
    if (n + 1 > cap) {
        return -1;
    }
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return (int)n;
}

/* a and b brought to a common scale; ERANGE-safe by comparing quotients. */
int tally_dec_cmp(const struct tally_dec *a, const struct tally_dec *b)
{
    struct tally_dec x = tally_dec_canon(*a), y = tally_dec_canon(*b);
    if ((x.units < 0) != (y.units < 0)) {
        return x.units < 0 ? -1 : 1;
    }
    /* same sign: rescale the smaller-scale one if it fits, else compare by
     * integer parts then remainders */
    struct tally_dec *lo = x.scale < y.scale ? &x : &y;
    uint32_t s = x.scale > y.scale ? x.scale : y.scale;
    tally_i128 v;
    if (tally_mul_checked(lo->units, (tally_i128)tally_pow10(s - lo->scale), &v) == TALLY_OK) {
        lo->units = v;
        lo->scale = s;
        return x.units < y.units ? -1 : (x.units > y.units ? 1 : 0);
    }
    /* |lo| is huge at its own scale: its magnitude wins */
    int sign = x.units < 0 ? -1 : 1;
    return lo == &x ? sign : -sign;
}

int tally_dec_rescale(struct tally_dec d, uint32_t s, struct tally_dec *out)
{
    if (s > TALLY_DEC_MAX_SCALE) {
        return TALLY_ERANGE;
    }
    d = tally_dec_canon(d);
    if (d.scale > s) {
        return TALLY_EINVAL;
    }
    tally_i128 v;
    if (tally_mul_checked(d.units, (tally_i128)tally_pow10(s - d.scale), &v) != TALLY_OK) {
        return TALLY_ERANGE;
    }
    *out = tally_dec_make(v, s);
    return TALLY_OK;
}

int tally_fail(struct tally_error *err, int code, long entry, const char *field, const char *fmt,
               ...)
{
    if (err != NULL) {
        err->code = code;
        err->entry = entry;
        snprintf(err->field, sizeof(err->field), "%s", field != NULL ? field : "");
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *tally_status_str(int code)
{
    switch (code) {
    case TALLY_OK:
        return "ok";
    case TALLY_EINVAL:
        return "invalid input";
    case TALLY_ERANGE:
        return "exact arithmetic exceeds the engine's range";
    case TALLY_ETIE:
        return "tie needs an operator decision";
    case TALLY_ENOMEM:
        return "out of memory";
    default:
        return "internal error";
    }
}
