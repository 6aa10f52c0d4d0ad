/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * RFC 8785 JSON Canonicalization Scheme: a strict single-pass JSON parser
 * that writes canonical text as it goes, and a builder for emitting
 * canonical JSON from C. Objects are canonicalised by writing each member
 * ("key":value, already canonical) as a segment, then sorting the segments by
 * the UTF-16 code units of their decoded keys and rewriting them with commas.
 * Recursion is bounded by JCS_MAX_DEPTH (hostile input cannot blow the stack).
 * Numbers: strtod in the "C" locale (pnyxd never calls setlocale), then
 * ECMAScript Number::toString via jcs_format_double.
 */
#include "core/audit/jcs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base.h"

/* ---- growable byte buffer ------------------------------------------------ */

struct out {
    char *data;
    size_t len;
    size_t cap;
};

static int out_reserve(struct out *o, size_t extra)
{
    if (extra > SIZE_MAX - o->len - 1) {
        return AUDIT_ENOMEM;
    }
    size_t need = o->len + extra + 1; /* +1: keep room for a NUL */
    if (need <= o->cap) {
        return AUDIT_OK;
    }
    size_t ncap = o->cap ? o->cap : 256;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) {
            ncap = need;
            break;
        }
        ncap *= 2;
    }
    char *p = realloc(o->data, ncap);
    if (p == NULL) {
        return AUDIT_ENOMEM;
    }
    o->data = p;
    o->cap = ncap;
    return AUDIT_OK;
}

static int out_put(struct out *o, const void *p, size_t n)
{
    int rc = out_reserve(o, n);
    if (rc != AUDIT_OK) {
        return rc;
    }
    if (n > 0) {
        memcpy(o->data + o->len, p, n);
    }
    o->len += n;
    return AUDIT_OK;
}

static int out_putc(struct out *o, char c)
{
    return out_put(o, &c, 1);
}

/* ---- UTF-8 and UTF-16 ordering -------------------------------------------- */

/* Decode one strictly valid UTF-8 sequence at s[*i] (RFC 3629: no overlongs,
 * no surrogates, max U+10FFFF). Returns 0 and advances *i, or -1. */
static int utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
    int32_t v = base_utf8_next((const char *)s, len, i);
    if (v < 0) {
        return -1;
    }
    *cp = (uint32_t)v;
    return 0;
}

/* Next code point of a canonical escaped string body (as the builder wrote it). */
static uint32_t esc_next(const unsigned char *s, size_t len, size_t *i)
{
    if (s[*i] != '\\') {
        uint32_t cp = 0;
        if (utf8_next(s, len, i, &cp) != 0) {
            (*i)++; /* cannot happen: the builder validated it */
        }
        return cp;
    }
    unsigned c = s[*i + 1];
    *i += 2;
    switch (c) {
    case 'b':
        return 0x08;
    case 't':
        return 0x09;
    case 'n':
        return 0x0A;
    case 'f':
        return 0x0C;
    case 'r':
        return 0x0D;
    case 'u': {
        uint32_t v = 0;
        for (unsigned j = 0; j < 4; j++) {
            unsigned h = s[*i + j];
            v = (v << 4) | (uint32_t)(h <= '9' ? h - '0' : h - 'a' + 10);
        }
        *i += 4;
        return v;
    }
    default:
        return c; /* '"' or '\\' */
    }
}

/* Compare raw UTF-8 a (validated) with canonical escaped b. */
static int cmp_raw_escaped(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    size_t i = 0;
    size_t j = 0;
    while (i < alen && j < blen) {
        uint32_t ca = 0;
        if (utf8_next(a, alen, &i, &ca) != 0) {
            return 0;
        }
        uint32_t cb = esc_next(b, blen, &j);
        int c = base_utf16_cmp_cp(ca, cb);
        if (c != 0) {
            return c;
        }
    }
    if (i < alen) {
        return 1;
    }
    return j < blen ? -1 : 0;
}

/* Write "..." with RFC 8785 escaping of valid UTF-8 s[0..n). */
static int put_string(struct out *o, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    int rc = out_putc(o, '"');
    size_t run = 0; /* start of the current run of bytes copied verbatim */
    for (size_t i = 0; i < n && rc == AUDIT_OK; i++) {
        unsigned c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        rc = out_put(o, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case 0x08:
            esc[1] = 'b';
            break;
        case 0x09:
            esc[1] = 't';
            break;
        case 0x0A:
            esc[1] = 'n';
            break;
        case 0x0C:
            esc[1] = 'f';
            break;
        case 0x0D:
            esc[1] = 'r';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xF];
            elen = 6;
            break;
        }
        if (rc == AUDIT_OK) {
            rc = out_put(o, esc, elen);
        }
    }
    if (rc == AUDIT_OK) {
        rc = out_put(o, s + run, n - run);
    }
    if (rc == AUDIT_OK) {
        rc = out_putc(o, '"');
    }
    return rc;
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
    return base_utf8_valid((const char *)s, n);
}

/* ---- numbers ----------------------------------------------------------------- */

/* Parse "d.ddde[+-]xx" from %e into digits (no dot) and the decimal exponent. */
static void split_e(const char *t, char *digits, int *nd, int *e10)
{
    int n = 0;
    const char *p = t;
    for (; *p && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9') {
            digits[n++] = *p;
        }
    }
    *nd = n;
    *e10 = *p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0; /* %e exponent: always in range */
}

static bool roundtrips(const char *digits, int nd, int e10, double a)
{
    char t[48];
    int w = snprintf(t, sizeof t, "%c.%.*se%d", digits[0], nd - 1, digits + 1, e10);
    if (w < 0 || (size_t)w >= sizeof t) {
        return false;
    }
    return strtod(t, NULL) == a;
}

/* Shortest digit string s (no trailing zeros) and exponent E with
 * a == s[0].s[1..] × 10^E after round-to-nearest; ties between equally short
 * candidates go to the one closest to a (ECMAScript Number::toString). */
static void shortest_digits(double a, char *digits, int *nd, int *e10)
{
    char t[48];
    for (int p = 1; p <= 17; p++) {
        (void)snprintf(t, sizeof t, "%.*e", p - 1, a);
        split_e(t, digits, nd, e10);
        if (strtod(t, NULL) == a) {
            break;
        }
        /* %e gives the nearest p-digit decimal. At a power of two the
         * rounding interval is lopsided, so the neighbour on the other side
         * can round-trip when the nearest does not: try both neighbours. */
        char alt[20];
        int an = *nd;
        int ae = *e10;
        memcpy(alt, digits, (size_t)an);
        int i = an - 1;
        while (i >= 0 && alt[i] == '9') {
            alt[i--] = '0';
        }
        if (i < 0) {
            alt[0] = '1';
            ae++;
        } else {
            alt[i]++;
        }
        if (roundtrips(alt, an, ae, a)) {
            memcpy(digits, alt, (size_t)an);
            *e10 = ae;
            break;
        }
        memcpy(alt, digits, (size_t)an);
        ae = *e10;
        i = an - 1;
        while (i >= 0 && alt[i] == '0') {
            alt[i--] = '9';
        }
        if (i == 0 && alt[0] == '1') {
            /* 1000 - 1 → 0999: one digit shorter grid, all nines */
            memset(alt, '9', (size_t)an);
            ae--;
        } else if (i >= 0) {
            alt[i]--;
        }
        if (i >= 0 && alt[0] != '0' && roundtrips(alt, an, ae, a)) {
            memcpy(digits, alt, (size_t)an);
            *e10 = ae;
            break;
        }
    }
    while (*nd > 1 && digits[*nd - 1] == '0') {
        (*nd)--;
    }
}

size_t jcs_format_double(double v, char out[JCS_NUMBER_MAX])
{
    if (!isfinite(v)) {
        out[0] = '\0';
        return 0;
    }
    if (v == 0) { /* also -0: RFC 8785 §3.2.2.3 */
        out[0] = '0';
        out[1] = '\0';
        return 1;
    }
    if (v <= 9007199254740992.0 && v >= -9007199254740992.0 && v == (double)(int64_t)v) {
        /* Fast path: exact integers print plainly in ES form (no exponent
         * below 1e21), and %lld is far cheaper than the digit search. */
        return (size_t)snprintf(out, JCS_NUMBER_MAX, "%lld", (long long)v);
    }
    char digits[24];
    int k = 0;
    int e10 = 0;
    size_t o = 0;
    if (v < 0) {
        out[o++] = '-';
        v = -v;
    }
    shortest_digits(v, digits, &k, &e10);
    int n = e10 + 1; /* value = digits × 10^(n-k) */
    if (k <= n && n <= 21) {
        memcpy(out + o, digits, (size_t)k);
        o += (size_t)k;
        for (int i = 0; i < n - k; i++) {
            out[o++] = '0';
        }
    } else if (0 < n && n <= 21) {
        memcpy(out + o, digits, (size_t)n);
        o += (size_t)n;
        out[o++] = '.';
        memcpy(out + o, digits + n, (size_t)(k - n));
        o += (size_t)(k - n);
    } else if (-6 < n && n <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -n; i++) {
            out[o++] = '0';
        }
        memcpy(out + o, digits, (size_t)k);
        o += (size_t)k;
    } else {
        out[o++] = digits[0];
        if (k > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, (size_t)(k - 1));
            o += (size_t)(k - 1);
        }
        int e = n - 1;
        int w = snprintf(out + o, JCS_NUMBER_MAX - o, "e%c%d", e < 0 ? '-' : '+', e < 0 ? -e : e);
        o += (size_t)w;
    }
    out[o] = '\0';
    return o;
}

/* ---- parser -------------------------------------------------------------------- */

struct member {
    size_t key_off, key_len; /* decoded key in p->pool */
    size_t seg_off, seg_len; /* "key":value in p->out */
    const unsigned char *key;
};

struct parser {
    const unsigned char *s;
    size_t len;
    size_t pos;
    unsigned depth;
    struct out out;  /* canonical output */
    struct out pool; /* decoded strings (object keys stay until their object ends) */
    struct out tmp;  /* scratch for reordering members */
    struct member *mem;
    size_t nmem, capmem;
    /* jcs_json: refuse integer literals beyond ±2^53, which a double (and so
     * RFC 8785) would silently round: an audit entry must not alter data. */
    bool strict_ints;
};

static void skip_ws(struct parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            break;
        }
        p->pos++;
    }
}

static int hex4(struct parser *p, uint32_t *v)
{
    if (p->len - p->pos < 4) {
        return AUDIT_ESYNTAX;
    }
    uint32_t r = 0;
    for (unsigned i = 0; i < 4; i++) {
        int d = base_hex_digit(p->s[p->pos + i]);
        if (d < 0) {
            return AUDIT_ESYNTAX;
        }
        r = (r << 4) | (uint32_t)d;
    }
    p->pos += 4;
    *v = r;
    return AUDIT_OK;
}

/* Decode the escape sequence at p->pos (the backslash) into the pool,
 * joining a \uD8xx\uDCxx surrogate pair; lone surrogates → AUDIT_EUTF8. */
static int parse_escape(struct parser *p)
{
    if (p->pos + 1 >= p->len) {
        return AUDIT_ESYNTAX;
    }
    unsigned char e = p->s[p->pos + 1];
    p->pos += 2;
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const char *hit = e != 'u' && e != 0 ? strchr(from, e) : NULL;
    if (hit != NULL) {
        return out_putc(&p->pool, to[hit - from]);
    }
    if (e != 'u') {
        return AUDIT_ESYNTAX;
    }
    uint32_t u;
    int rc = hex4(p, &u);
    if (rc != AUDIT_OK) {
        return rc;
    }
    if (u >= 0xDC00 && u <= 0xDFFF) {
        return AUDIT_EUTF8; /* lone low surrogate */
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
        uint32_t lo;
        if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
            return AUDIT_EUTF8; /* lone high surrogate */
        }
        p->pos += 2;
        rc = hex4(p, &lo);
        if (rc != AUDIT_OK) {
            return rc;
        }
        if (lo < 0xDC00 || lo > 0xDFFF) {
            return AUDIT_EUTF8;
        }
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
    }
    char buf[4];
    return out_put(&p->pool, buf, base_utf8_put(u, buf));
}

/* Validate the multi-byte UTF-8 character at p->pos and copy it to the pool. */
static int copy_utf8(struct parser *p)
{
    size_t i = p->pos;
    uint32_t cp;
    if (utf8_next(p->s, p->len, &i, &cp) != 0) {
        return AUDIT_EUTF8;
    }
    int rc = out_put(&p->pool, p->s + p->pos, i - p->pos);
    p->pos = i;
    return rc;
}

/* Decode the string at p->pos (the opening quote) and append its UTF-8 to pool. */
static int parse_string(struct parser *p)
{
    p->pos++; /* opening quote */
    for (;;) {
        if (p->pos >= p->len) {
            return AUDIT_ESYNTAX;
        }
        size_t start = p->pos;
        /* fast path: a run of plain ASCII */
        while (p->pos < p->len) {
            unsigned char c = p->s[p->pos];
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) {
                break;
            }
            p->pos++;
        }
        int rc = out_put(&p->pool, p->s + start, p->pos - start);
        if (rc != AUDIT_OK) {
            return rc;
        }
        if (p->pos >= p->len) {
            return AUDIT_ESYNTAX;
        }
        unsigned char c = p->s[p->pos];
        if (c == '"') {
            p->pos++;
            return AUDIT_OK;
        }
        if (c < 0x20) {
            return AUDIT_ESYNTAX; /* raw control characters must be escaped */
        }
        rc = c >= 0x80 ? copy_utf8(p) : parse_escape(p);
        if (rc != AUDIT_OK) {
            return rc;
        }
    }
}

/* End of the JSON number grammar -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? starting
 * at s[i], or 0 if the text there is not a number. */
static size_t scan_digits(const unsigned char *s, size_t len, size_t i)
{
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    return i;
}

static size_t scan_number(const unsigned char *s, size_t len, size_t i)
{
    if (i < len && s[i] == '-') {
        i++;
    }
    if (i < len && s[i] == '0') {
        i++;
    } else if (i < len && s[i] >= '1' && s[i] <= '9') {
        i = scan_digits(s, len, i);
    } else {
        return 0;
    }
    if (i < len && s[i] == '.') {
        size_t d = scan_digits(s, len, i + 1);
        if (d == i + 1) {
            return 0;
        }
        i = d;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        size_t d = scan_digits(s, len, i);
        if (d == i) {
            return 0;
        }
        i = d;
    }
    return i;
}

static int parse_number(struct parser *p)
{
    size_t start = p->pos;
    const unsigned char *s = p->s;
    size_t i = scan_number(s, p->len, start);
    if (i == 0) {
        return AUDIT_ESYNTAX;
    }
    /* strtod needs a NUL-terminated copy; borrow the end of the pool. */
    size_t mark = p->pool.len;
    int rc = out_put(&p->pool, s + start, i - start);
    if (rc != AUDIT_OK) {
        return rc;
    }
    p->pool.data[p->pool.len] = '\0';
    if (p->strict_ints && memchr(s + start, '.', i - start) == NULL &&
        memchr(s + start, 'e', i - start) == NULL && memchr(s + start, 'E', i - start) == NULL) {
        errno = 0;
        long long ll = strtoll(p->pool.data + mark, NULL, 10);
        if (errno == ERANGE || ll > JCS_MAX_SAFE_INT || ll < -JCS_MAX_SAFE_INT) {
            p->pool.len = mark;
            return AUDIT_ENUMBER;
        }
    }
    double v = strtod(p->pool.data + mark, NULL);
    p->pool.len = mark;
    if (!isfinite(v)) {
        return AUDIT_ENUMBER; /* e.g. 1e400: no IEEE double, not I-JSON */
    }
    p->pos = i;
    char buf[JCS_NUMBER_MAX];
    size_t n = jcs_format_double(v, buf);
    return out_put(&p->out, buf, n);
}

static int literal(struct parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) {
        return AUDIT_ESYNTAX;
    }
    p->pos += n;
    return out_put(&p->out, word, n);
}

static int parse_value(struct parser *p);

static int cmp_member(const void *a, const void *b)
{
    const struct member *x = a;
    const struct member *y = b;
    return base_utf16_cmp((const char *)x->key, x->key_len, (const char *)y->key, y->key_len);
}

static int push_member(struct parser *p, const struct member *m)
{
    if (p->nmem == p->capmem) {
        size_t ncap = p->capmem ? p->capmem * 2 : 32;
        if (ncap > SIZE_MAX / sizeof *p->mem) {
            return AUDIT_ENOMEM;
        }
        struct member *nm = realloc(p->mem, ncap * sizeof *nm);
        if (nm == NULL) {
            return AUDIT_ENOMEM;
        }
        p->mem = nm;
        p->capmem = ncap;
    }
    p->mem[p->nmem++] = *m;
    return AUDIT_OK;
}

/* Sort members [base, p->nmem) of the object whose body starts at out offset
 * obj_start, reject duplicates, rewrite them in order with commas. */
static int finish_object(struct parser *p, size_t base, size_t obj_start)
{
    size_t n = p->nmem - base;
    struct member *m = p->mem + base;
    for (size_t i = 0; i < n; i++) {
        m[i].key = (const unsigned char *)p->pool.data + m[i].key_off;
    }
    qsort(m, n, sizeof *m, cmp_member);
    for (size_t i = 1; i < n; i++) {
        if (cmp_member(&m[i - 1], &m[i]) == 0) {
            return AUDIT_EDUPKEY;
        }
    }
    p->tmp.len = 0;
    int rc = out_put(&p->tmp, p->out.data + obj_start, p->out.len - obj_start);
    if (rc != AUDIT_OK) {
        return rc;
    }
    p->out.len = obj_start;
    for (size_t i = 0; i < n && rc == AUDIT_OK; i++) {
        if (i > 0) {
            rc = out_putc(&p->out, ',');
        }
        if (rc == AUDIT_OK) {
            rc = out_put(&p->out, p->tmp.data + (m[i].seg_off - obj_start), m[i].seg_len);
        }
    }
    return rc;
}

/* One member "key": value at p->pos (after whitespace), written to p->out as
 * a segment and recorded on the member stack. */
static int parse_member(struct parser *p) /* NOLINT(misc-no-recursion): depth-capped */
{
    if (p->pos >= p->len || p->s[p->pos] != '"') {
        return AUDIT_ESYNTAX;
    }
    struct member m = {.key_off = p->pool.len, .seg_off = p->out.len};
    int rc = parse_string(p);
    if (rc != AUDIT_OK) {
        return rc;
    }
    m.key_len = p->pool.len - m.key_off;
    rc = put_string(&p->out, (const unsigned char *)p->pool.data + m.key_off, m.key_len);
    if (rc == AUDIT_OK) {
        rc = out_putc(&p->out, ':');
    }
    if (rc != AUDIT_OK) {
        return rc;
    }
    skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != ':') {
        return AUDIT_ESYNTAX;
    }
    p->pos++;
    rc = parse_value(p);
    if (rc != AUDIT_OK) {
        return rc;
    }
    m.seg_len = p->out.len - m.seg_off;
    return push_member(p, &m);
}

static int parse_object(struct parser *p) /* NOLINT(misc-no-recursion): depth-capped */
{
    int rc = out_putc(&p->out, '{');
    if (rc != AUDIT_OK) {
        return rc;
    }
    p->pos++;
    size_t obj_start = p->out.len;
    size_t pool_mark = p->pool.len;
    size_t base = p->nmem;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return out_putc(&p->out, '}');
    }
    for (;;) {
        skip_ws(p);
        rc = parse_member(p);
        if (rc != AUDIT_OK) {
            return rc;
        }
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == '}') {
            break;
        }
        return AUDIT_ESYNTAX;
    }
    rc = finish_object(p, base, obj_start); /* on error p->pos stays at the '}' */
    if (rc != AUDIT_OK) {
        return rc;
    }
    p->pos++;
    p->nmem = base;
    p->pool.len = pool_mark;
    return out_putc(&p->out, '}');
}

static int parse_array(struct parser *p) /* NOLINT(misc-no-recursion): depth-capped */
{
    int rc = out_putc(&p->out, '[');
    if (rc != AUDIT_OK) {
        return rc;
    }
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return out_putc(&p->out, ']');
    }
    for (;;) {
        rc = parse_value(p);
        if (rc != AUDIT_OK) {
            return rc;
        }
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            rc = out_putc(&p->out, ',');
            if (rc != AUDIT_OK) {
                return rc;
            }
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == ']') {
            p->pos++;
            return out_putc(&p->out, ']');
        }
        return AUDIT_ESYNTAX;
    }
}

/* Recursion is bounded: parse_value refuses to open more than JCS_MAX_DEPTH
 * containers, so hostile input cannot exhaust the stack. */
static int parse_value(struct parser *p) /* NOLINT(misc-no-recursion): depth-capped */
{
    skip_ws(p);
    if (p->pos >= p->len) {
        return AUDIT_ESYNTAX;
    }
    unsigned char c = p->s[p->pos];
    int rc;
    switch (c) {
    case '{':
    case '[':
        if (p->depth >= JCS_MAX_DEPTH) {
            return AUDIT_EDEPTH;
        }
        p->depth++;
        rc = c == '{' ? parse_object(p) : parse_array(p);
        p->depth--;
        return rc;
    case '"': {
        size_t mark = p->pool.len;
        rc = parse_string(p);
        if (rc == AUDIT_OK) {
            rc =
                put_string(&p->out, (const unsigned char *)p->pool.data + mark, p->pool.len - mark);
        }
        p->pool.len = mark;
        return rc;
    }
    case 't':
        return literal(p, "true");
    case 'f':
        return literal(p, "false");
    case 'n':
        return literal(p, "null");
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            return parse_number(p);
        }
        return AUDIT_ESYNTAX;
    }
}

/* Parse s[0..len) appending canonical text to *o. */
static int canonicalize_into(const char *s, size_t len, struct out *o, size_t *err_offset,
                             bool strict_ints)
{
    struct parser p = {
        .s = (const unsigned char *)s, .len = len, .out = *o, .strict_ints = strict_ints};
    int rc = s == NULL ? AUDIT_ESYNTAX : parse_value(&p);
    if (rc == AUDIT_OK) {
        skip_ws(&p);
        if (p.pos != p.len) {
            rc = AUDIT_ESYNTAX; /* trailing content */
        }
    }
    if (rc == AUDIT_OK) {
        rc = out_reserve(&p.out, 0);
    }
    if (rc == AUDIT_OK) {
        p.out.data[p.out.len] = '\0';
    } else if (err_offset != NULL) {
        *err_offset = p.pos;
    }
    *o = p.out;
    free(p.pool.data);
    free(p.tmp.data);
    free(p.mem);
    return rc;
}

int jcs_canonicalize(const char *in, size_t len, char **out, size_t *out_len, size_t *err_offset)
{
    struct out o = {0};
    *out = NULL;
    if (out_len != NULL) {
        *out_len = 0;
    }
    int rc = canonicalize_into(in, len, &o, err_offset, false);
    if (rc != AUDIT_OK) {
        free(o.data);
        return rc;
    }
    *out = o.data;
    if (out_len != NULL) {
        *out_len = o.len;
    }
    return AUDIT_OK;
}

/* ---- builder ------------------------------------------------------------------- */

static struct out view(const struct jcs_buf *b)
{
    struct out o = {.data = b->data, .len = b->len, .cap = b->cap};
    return o;
}

static void commit(struct jcs_buf *b, const struct out *o, int rc)
{
    b->data = o->data;
    b->cap = o->cap;
    b->len = o->len;
    if (rc != AUDIT_OK) {
        b->err = rc;
    } else if (b->data != NULL) {
        b->data[b->len] = '\0';
    }
}

void jcs_buf_init(struct jcs_buf *b)
{
    memset(b, 0, sizeof *b);
}

void jcs_buf_fini(struct jcs_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void jcs_buf_reset(struct jcs_buf *b)
{
    char *d = b->data;
    size_t cap = b->cap;
    memset(b, 0, sizeof *b);
    b->data = d;
    b->cap = cap;
    if (d != NULL) {
        d[0] = '\0';
    }
}

int jcs_buf_finish(const struct jcs_buf *b)
{
    if (b->err != AUDIT_OK) {
        return b->err;
    }
    return b->done && b->depth == 0 ? AUDIT_OK : AUDIT_ESYNTAX;
}

char *jcs_buf_steal(struct jcs_buf *b, size_t *len)
{
    if (jcs_buf_finish(b) != AUDIT_OK) {
        return NULL;
    }
    char *d = b->data;
    if (len != NULL) {
        *len = b->len;
    }
    memset(b, 0, sizeof *b);
    return d;
}

/* Separator/state bookkeeping before any value. Returns false on error. */
static bool pre_value(struct jcs_buf *b, struct out *o, int *rc)
{
    *rc = AUDIT_OK;
    if (b->err != AUDIT_OK) {
        return false;
    }
    if (b->depth == 0) {
        if (b->done) {
            b->err = AUDIT_ESYNTAX; /* second top-level value */
            return false;
        }
        return true;
    }
    unsigned d = b->depth - 1;
    if (b->kind[d] == 'o') {
        if (!b->want_value) {
            b->err = AUDIT_ESYNTAX; /* value without a key */
            return false;
        }
        b->want_value = false;
        return true;
    }
    if (b->count[d]++ > 0) {
        *rc = out_putc(o, ',');
    }
    return *rc == AUDIT_OK;
}

static void post_value(struct jcs_buf *b)
{
    if (b->depth == 0 && b->err == AUDIT_OK) {
        b->done = true;
    }
}

static void put_scalar(struct jcs_buf *b, const char *text, size_t n)
{
    struct out o = view(b);
    int rc;
    if (!pre_value(b, &o, &rc)) {
        commit(b, &o, rc);
        return;
    }
    rc = out_put(&o, text, n);
    commit(b, &o, rc);
    post_value(b);
}

static void open_container(struct jcs_buf *b, char kind)
{
    struct out o = view(b);
    int rc;
    if (!pre_value(b, &o, &rc)) {
        commit(b, &o, rc);
        return;
    }
    if (b->depth >= JCS_MAX_DEPTH) {
        /* pre_value may have grown the buffer for a comma: keep o, or b
         * would go on pointing at the block realloc freed */
        commit(b, &o, AUDIT_EDEPTH);
        return;
    }
    rc = out_putc(&o, kind == 'o' ? '{' : '[');
    commit(b, &o, rc);
    if (rc == AUDIT_OK) {
        b->kind[b->depth] = kind;
        b->count[b->depth] = 0;
        b->depth++;
    }
}

static void close_container(struct jcs_buf *b, char kind)
{
    if (b->err != AUDIT_OK) {
        return;
    }
    if (b->depth == 0 || b->kind[b->depth - 1] != kind || b->want_value) {
        b->err = AUDIT_ESYNTAX;
        return;
    }
    struct out o = view(b);
    int rc = out_putc(&o, kind == 'o' ? '}' : ']');
    commit(b, &o, rc);
    b->depth--;
    post_value(b);
}

void jcs_obj_begin(struct jcs_buf *b)
{
    open_container(b, 'o');
}

void jcs_obj_end(struct jcs_buf *b)
{
    close_container(b, 'o');
}

void jcs_arr_begin(struct jcs_buf *b)
{
    open_container(b, 'a');
}

void jcs_arr_end(struct jcs_buf *b)
{
    close_container(b, 'a');
}

void jcs_keyn(struct jcs_buf *b, const char *key, size_t n)
{
    if (b->err != AUDIT_OK) {
        return;
    }
    if (b->depth == 0 || b->kind[b->depth - 1] != 'o' || b->want_value) {
        b->err = AUDIT_ESYNTAX;
        return;
    }
    const unsigned char *k = (const unsigned char *)key;
    if (!utf8_valid(k, n)) {
        b->err = AUDIT_EUTF8;
        return;
    }
    unsigned d = b->depth - 1;
    struct out o = view(b);
    int rc = AUDIT_OK;
    if (b->count[d] > 0) {
        int c = cmp_raw_escaped(k, n, (const unsigned char *)b->data + b->last_key[d],
                                b->last_key_len[d]);
        if (c <= 0) {
            b->err = c == 0 ? AUDIT_EDUPKEY : AUDIT_EORDER;
            return;
        }
        rc = out_putc(&o, ',');
    }
    size_t at = o.len + 1; /* after the opening quote */
    if (rc == AUDIT_OK) {
        rc = put_string(&o, k, n);
    }
    size_t klen = o.len - at - 1; /* without the closing quote */
    if (rc == AUDIT_OK) {
        rc = out_putc(&o, ':');
    }
    commit(b, &o, rc);
    if (rc == AUDIT_OK) {
        b->last_key[d] = at;
        b->last_key_len[d] = klen;
        b->count[d]++;
        b->want_value = true;
    }
}

void jcs_key(struct jcs_buf *b, const char *key)
{
    jcs_keyn(b, key, strlen(key));
}

void jcs_strn(struct jcs_buf *b, const char *s, size_t n)
{
    if (b->err != AUDIT_OK) {
        return;
    }
    if (!utf8_valid((const unsigned char *)s, n)) {
        b->err = AUDIT_EUTF8;
        return;
    }
    struct out o = view(b);
    int rc;
    if (!pre_value(b, &o, &rc)) {
        commit(b, &o, rc);
        return;
    }
    rc = put_string(&o, (const unsigned char *)s, n);
    commit(b, &o, rc);
    post_value(b);
}

void jcs_str(struct jcs_buf *b, const char *s)
{
    jcs_strn(b, s, strlen(s));
}

void jcs_int(struct jcs_buf *b, int64_t v)
{
    if (b->err != AUDIT_OK) {
        return;
    }
    if (v > JCS_MAX_SAFE_INT || v < -JCS_MAX_SAFE_INT) {
        b->err = AUDIT_ENUMBER;
        return;
    }
    char t[24];
    int n = snprintf(t, sizeof t, "%lld", (long long)v);
    put_scalar(b, t, (size_t)n);
}

void jcs_uint(struct jcs_buf *b, uint64_t v)
{
    if (b->err != AUDIT_OK) {
        return;
    }
    if (v > (uint64_t)JCS_MAX_SAFE_INT) {
        b->err = AUDIT_ENUMBER;
        return;
    }
    jcs_int(b, (int64_t)v);
}

void jcs_double(struct jcs_buf *b, double v)
{
    if (b->err != AUDIT_OK) {
        return;
    }
    char t[JCS_NUMBER_MAX];
    size_t n = jcs_format_double(v, t);
    if (n == 0) {
        b->err = AUDIT_ENUMBER;
        return;
    }
    put_scalar(b, t, n);
}

void jcs_bool(struct jcs_buf *b, bool v)
{
    put_scalar(b, v ? "true" : "false", v ? 4 : 5);
}

void jcs_null(struct jcs_buf *b)
{
    put_scalar(b, "null", 4);
}

void jcs_json(struct jcs_buf *b, const char *json, size_t len)
{
    struct out o = view(b);
    int rc;
    if (!pre_value(b, &o, &rc)) {
        commit(b, &o, rc);
        return;
    }
    size_t mark = o.len;
    rc = canonicalize_into(json, len, &o, NULL, true);
    if (rc != AUDIT_OK) {
        o.len = mark;
    }
    commit(b, &o, rc);
    post_value(b);
}
