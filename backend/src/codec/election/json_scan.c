/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * json_scan.c: the RFC 8259 pull tokenizer (see json_scan.h).
 *
 * Invariants: s->p never passes s->end; every byte is read after a bounds
 * check; the container stack is a fixed array (no recursion, no allocation
 * beyond the scratch buffer for strings that contain escapes). Strings are
 * scanned once to validate them and find their end; only a string holding
 * escapes is decoded, in a second pass, into the scratch buffer.
 */
#include "json_scan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base.h"

enum {
    ST_VALUE,        /* a value must come (start, after ':' or ',' in an array) */
    ST_ARRAY_FIRST,  /* just after '[': a value or ']' */
    ST_OBJECT_FIRST, /* just after '{': a key or '}' */
    ST_KEY,          /* after ',' in an object: a key */
    ST_AFTER,        /* after a value inside a container: ',' or the closer */
    ST_DONE,         /* the top-level value is complete: only whitespace left */
    ST_END,          /* JSCAN_END returned */
    ST_ERROR,        /* JSCAN_ERROR returned */
};

/*
 * Bytes a string can hold as-is: printable ASCII except '"' and '\\'.
 * Built at compile time so the hot loop is one table lookup per byte.
 */
/* clang-format off */
#define R8(x) x, x, x, x, x, x, x, x
#define R16(x) R8(x), R8(x)
static const unsigned char plain_byte[256] = {
    R16(0), R16(0),                                      /* 0x00-0x1f control */
    1,      1,      0,    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20-0x2f, '"' */
    R16(1),                                              /* 0x30-0x3f */
    R16(1),                                              /* 0x40-0x4f */
    1,      1,      1,    1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50-0x5f, '\\' */
    R16(1), R16(1),                                      /* 0x60-0x7f */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), /* 0x80-0xff */
};
/* clang-format on */

static inline bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

void jscan_position(const struct jscan *s, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, c = 1;
    size_t n = (size_t)(s->end - s->start);
    if (off > n) {
        off = n;
    }
    for (size_t i = 0; i < off; i++) {
        if (s->start[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* Error paths are cold and never inlined: the hot loops stay small. */
#define COLD __attribute__((cold, noinline))

COLD enum jscan_token jscan_fail_at(struct jscan *s, size_t off, const char *msg)
{
    size_t line, col;
    jscan_position(s, off, &line, &col);
    s->error_off = off;
    (void)snprintf(s->error, sizeof s->error, "invalid JSON at line %zu, column %zu: %s", line, col,
                   msg);
    s->state = ST_ERROR;
    return JSCAN_ERROR;
}

static COLD enum jscan_token fail_here(struct jscan *s, const char *msg)
{
    return jscan_fail_at(s, (size_t)(s->p - s->start), msg);
}

/* "unexpected character 'x'" or "unexpected end of input" at s->p. */
static COLD enum jscan_token fail_unexpected(struct jscan *s, const char *expected)
{
    char msg[120];
    if (s->p >= s->end) {
        (void)snprintf(msg, sizeof msg, "unexpected end of input, expected %s", expected);
    } else if (*s->p >= 0x21 && *s->p < 0x7f) {
        (void)snprintf(msg, sizeof msg, "unexpected character '%c', expected %s", *s->p, expected);
    } else {
        (void)snprintf(msg, sizeof msg, "unexpected byte 0x%02x, expected %s", *s->p, expected);
    }
    return fail_here(s, msg);
}

static void reset(struct jscan *s, const void *buf, size_t len)
{
    s->text = NULL;
    s->len = 0;
    s->has_nul = false;
    s->is_integer = false;
    s->tok_off = 0;
    s->start = buf;
    s->p = s->start;
    s->end = s->start + len;
    s->depth = 0;
    s->skipping = false;
    s->nomem = false;
    s->error_off = 0;
    s->error[0] = '\0';
}

void jscan_init(struct jscan *s, const void *buf, size_t len)
{
    s->scratch = NULL;
    s->scratch_cap = 0;
    reset(s, buf, len);
    s->state = ST_VALUE;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        s->p += 3;
    }
}

void jscan_init_at(struct jscan *s, const void *buf, size_t len, size_t off)
{
    s->scratch = NULL;
    s->scratch_cap = 0;
    reset(s, buf, len);
    s->p = s->start + (off <= len ? off : len);
    s->state = ST_VALUE;
}

void jscan_fini(struct jscan *s)
{
    free(s->scratch);
    s->scratch = NULL;
    s->scratch_cap = 0;
}

/* Reads 4 hex digits at q (bounds already checked); -1 if not hex. */
static long hex4(const unsigned char *q)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = base_hex_digit(q[i]);
        if (h < 0) {
            return -1;
        }
        v = v * 16 + h;
    }
    return v;
}

/* Length of the well-formed UTF-8 sequence at q (a byte >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *q, const unsigned char *end)
{
    size_t i = 0;
    return base_utf8_next((const char *)q, (size_t)(end - q), &i) < 0 ? 0 : i;
}

/*
 * First pass over a string body (s->p just after the opening quote):
 * validates it and finds the closing quote. On success *close points at the
 * quote and *escaped tells whether a decode pass is needed.
 */
static bool string_scan(struct jscan *s, const unsigned char **close, bool *escaped)
{
    const unsigned char *q = s->p, *end = s->end;
    bool esc = false;
    for (;;) {
        while (q < end && plain_byte[*q]) {
            q++;
        }
        if (q >= end) {
            s->p = q;
            fail_here(s, "unterminated string");
            return false;
        }
        unsigned char c = *q;
        if (c == '"') {
            *close = q;
            *escaped = esc;
            return true;
        }
        if (c == '\\') {
            esc = true;
            if (end - q < 2) {
                s->p = q;
                fail_here(s, "unterminated string");
                return false;
            }
            switch (q[1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                q += 2;
                continue;
            case 'u':
                break;
            default:
                s->p = q;
                fail_here(s, "invalid escape in string");
                return false;
            }
            long u = end - q >= 6 ? hex4(q + 2) : -1;
            if (u < 0) {
                s->p = q;
                fail_here(s, "\\u must be followed by four hex digits");
                return false;
            }
            if (u >= 0xDC00 && u <= 0xDFFF) {
                s->p = q;
                fail_here(s, "lone low surrogate in \\u escape");
                return false;
            }
            if (u >= 0xD800 && u <= 0xDBFF) {
                long v = (end - q >= 12 && q[6] == '\\' && q[7] == 'u') ? hex4(q + 8) : -1;
                if (v < 0xDC00 || v > 0xDFFF) {
                    s->p = q;
                    fail_here(s, "high surrogate not followed by a low surrogate escape");
                    return false;
                }
                q += 12;
            } else {
                q += 6;
            }
            continue;
        }
        if (c < 0x20) {
            s->p = q;
            fail_here(s, "control character in string (must be escaped)");
            return false;
        }
        size_t n = utf8_seq(q, end);
        if (n == 0) {
            s->p = q;
            fail_here(s, "invalid UTF-8 in string");
            return false;
        }
        q += n;
    }
}

/*
 * Second pass: decodes the already validated body [from, close) into the
 * scratch buffer. Decoded text is never longer than its source.
 */
static bool string_decode(struct jscan *s, const unsigned char *from, const unsigned char *close)
{
    size_t need = (size_t)(close - from) + 1;
    if (need > s->scratch_cap) {
        size_t cap = s->scratch_cap ? s->scratch_cap : 256;
        while (cap < need) {
            cap *= 2;
        }
        char *n = realloc(s->scratch, cap);
        if (n == NULL) {
            s->nomem = true;
            fail_here(s, "out of memory decoding a string");
            return false;
        }
        s->scratch = n;
        s->scratch_cap = cap;
    }
    char *out = s->scratch;
    bool nul = false;
    const unsigned char *q = from;
    while (q < close) {
        if (*q != '\\') {
            *out++ = (char)*q++;
            continue;
        }
        unsigned char e = q[1];
        q += 2;
        switch (e) {
        case 'b':
            *out++ = '\b';
            break;
        case 'f':
            *out++ = '\f';
            break;
        case 'n':
            *out++ = '\n';
            break;
        case 'r':
            *out++ = '\r';
            break;
        case 't':
            *out++ = '\t';
            break;
        case 'u': {
            unsigned long cp = (unsigned long)hex4(q);
            q += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned long lo = (unsigned long)hex4(q + 2);
                q += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp == 0) {
                nul = true;
            }
            out += base_utf8_put((uint32_t)cp, out); /* scalar: surrogates were paired above */
            break;
        }
        default: /* '"', '\\', '/' */
            *out++ = (char)e;
            break;
        }
    }
    *out = '\0';
    s->text = s->scratch;
    s->len = (size_t)(out - s->scratch);
    s->has_nul = nul;
    return true;
}

/*
 * The general case of read_string: escapes, bytes >= 0x80, errors. s->p at
 * the opening quote.
 */
static __attribute__((noinline)) bool read_string_slow(struct jscan *s)
{
    const unsigned char *close;
    bool escaped;
    s->p++;
    const unsigned char *from = s->p;
    if (!string_scan(s, &close, &escaped)) {
        return false;
    }
    if (!escaped || s->skipping) {
        s->text = (const char *)from;
        s->len = (size_t)(close - from);
        s->has_nul = false;
    } else if (!string_decode(s, from, close)) {
        return false;
    }
    s->p = close + 1;
    return true;
}

/*
 * s->p at the opening quote. Sets text/len; leaves s->p after the closing
 * quote. Fast path: a run of printable ASCII up to the quote (every option
 * id and member name of a typical file) is returned in place.
 */
static inline bool read_string(struct jscan *s)
{
    const unsigned char *from = s->p + 1, *q = from, *end = s->end;
    while (q < end && plain_byte[*q]) {
        q++;
    }
    if (q < end && *q == '"') {
        s->text = (const char *)from;
        s->len = (size_t)(q - from);
        s->has_nul = false;
        s->p = q + 1;
        return true;
    }
    return read_string_slow(s);
}

/* s->p at '-' or a digit. RFC 8259 §6 grammar; the text is kept as written. */
static bool read_number(struct jscan *s)
{
    const unsigned char *q = s->p, *end = s->end, *b = s->p;
    bool integer = true;
    if (q < end && *q == '-') {
        q++;
    }
    if (q >= end || *q < '0' || *q > '9') {
        s->p = q;
        fail_unexpected(s, "a digit");
        return false;
    }
    if (*q == '0') {
        q++;
        if (q < end && *q >= '0' && *q <= '9') {
            s->p = q;
            fail_here(s, "leading zero in number");
            return false;
        }
    } else {
        while (q < end && *q >= '0' && *q <= '9') {
            q++;
        }
    }
    if (q < end && *q == '.') {
        integer = false;
        q++;
        if (q >= end || *q < '0' || *q > '9') {
            s->p = q;
            fail_unexpected(s, "a digit after the decimal point");
            return false;
        }
        while (q < end && *q >= '0' && *q <= '9') {
            q++;
        }
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        integer = false;
        q++;
        if (q < end && (*q == '+' || *q == '-')) {
            q++;
        }
        if (q >= end || *q < '0' || *q > '9') {
            s->p = q;
            fail_unexpected(s, "a digit in the exponent");
            return false;
        }
        while (q < end && *q >= '0' && *q <= '9') {
            q++;
        }
    }
    s->text = (const char *)b;
    s->len = (size_t)(q - b);
    s->is_integer = integer;
    s->p = q;
    return true;
}

static bool literal(struct jscan *s, const char *word, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) {
        fail_here(s, "invalid literal (expected true, false or null)");
        return false;
    }
    s->p += n;
    return true;
}

/* The state after a complete value at the current depth. */
static void after_value(struct jscan *s)
{
    s->state = s->depth == 0 ? ST_DONE : ST_AFTER;
}

static inline void skip_ws(struct jscan *s)
{
    /* most tokens follow no blank or one: test the common case first */
    while (s->p < s->end && *s->p <= ' ' && is_ws(*s->p)) {
        s->p++;
    }
}

/* Parses one value starting at s->p (whitespace already skipped). */
static enum jscan_token value(struct jscan *s)
{
    if (s->p >= s->end) {
        return fail_unexpected(s, "a value");
    }
    s->tok_off = (size_t)(s->p - s->start);
    switch (*s->p) {
    case '{':
    case '[':
        if (s->depth >= JSCAN_MAX_DEPTH) {
            return fail_here(s, "nesting deeper than 1024 levels");
        }
        s->stack[s->depth++] = *s->p == '{';
        s->p++;
        if (s->stack[s->depth - 1]) {
            s->state = ST_OBJECT_FIRST;
            return JSCAN_OBJECT_BEGIN;
        }
        s->state = ST_ARRAY_FIRST;
        return JSCAN_ARRAY_BEGIN;
    case '"':
        if (!read_string(s)) {
            return JSCAN_ERROR;
        }
        after_value(s);
        return JSCAN_STRING;
    case 't':
        if (!literal(s, "true", 4)) {
            return JSCAN_ERROR;
        }
        after_value(s);
        return JSCAN_TRUE;
    case 'f':
        if (!literal(s, "false", 5)) {
            return JSCAN_ERROR;
        }
        after_value(s);
        return JSCAN_FALSE;
    case 'n':
        if (!literal(s, "null", 4)) {
            return JSCAN_ERROR;
        }
        after_value(s);
        return JSCAN_NULL;
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) {
            if (!read_number(s)) {
                return JSCAN_ERROR;
            }
            after_value(s);
            return JSCAN_NUMBER;
        }
        return fail_unexpected(s, "a value");
    }
}

/* A member name and its ':' (whitespace before the name already skipped). */
static enum jscan_token key(struct jscan *s)
{
    if (s->p >= s->end || *s->p != '"') {
        return fail_unexpected(s, "a member name in double quotes");
    }
    s->tok_off = (size_t)(s->p - s->start);
    if (!read_string(s)) {
        return JSCAN_ERROR;
    }
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':') {
        return fail_unexpected(s, "':' after the member name");
    }
    s->p++;
    s->state = ST_VALUE;
    return JSCAN_KEY;
}

/* The closer for the innermost container at s->p. */
static enum jscan_token close_container(struct jscan *s)
{
    s->tok_off = (size_t)(s->p - s->start);
    s->p++;
    bool obj = s->stack[--s->depth];
    after_value(s);
    return obj ? JSCAN_OBJECT_END : JSCAN_ARRAY_END;
}

enum jscan_token jscan_next(struct jscan *s)
{
    skip_ws(s);
    switch (s->state) {
    case ST_VALUE:
        return value(s);
    case ST_ARRAY_FIRST:
        if (s->p < s->end && *s->p == ']') {
            return close_container(s);
        }
        return value(s);
    case ST_OBJECT_FIRST:
        if (s->p < s->end && *s->p == '}') {
            return close_container(s);
        }
        return key(s);
    case ST_KEY:
        return key(s);
    case ST_AFTER: {
        bool obj = s->stack[s->depth - 1];
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            skip_ws(s);
            if (obj) {
                return key(s);
            }
            return value(s);
        }
        if (s->p < s->end && *s->p == (obj ? '}' : ']')) {
            return close_container(s);
        }
        return fail_unexpected(s, obj ? "',' or '}'" : "',' or ']'");
    }
    case ST_DONE:
        if (s->p < s->end) {
            return fail_unexpected(s, "end of input after the top-level value");
        }
        s->state = ST_END;
        return JSCAN_END;
    case ST_END:
        return JSCAN_END;
    default:
        return JSCAN_ERROR;
    }
}

bool jscan_skip(struct jscan *s, enum jscan_token first)
{
    if (first == JSCAN_ERROR) {
        return false;
    }
    if (first != JSCAN_OBJECT_BEGIN && first != JSCAN_ARRAY_BEGIN) {
        return true;
    }
    unsigned target = s->depth - 1;
    bool was = s->skipping;
    s->skipping = true;
    bool ok = true;
    while (s->depth > target) {
        enum jscan_token t = jscan_next(s);
        if (t == JSCAN_ERROR || t == JSCAN_END) {
            ok = t != JSCAN_ERROR;
            break;
        }
    }
    s->skipping = was;
    return ok;
}
