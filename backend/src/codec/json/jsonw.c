/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* codec/json/jsonw.c — JSON text without a tree (see jsonw.h). */
#include "codec/json/jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(struct jsonw *w, size_t hint)
{
    w->len = 0;
    w->cap = hint > 64 ? hint : 64;
    w->buf = malloc(w->cap);
    w->failed = w->buf == NULL;
}

/* Room for n more bytes and a NUL: false (and failed) when none. */
static bool reserve(struct jsonw *w, size_t n)
{
    if (w->failed) {
        return false;
    }
    if (w->cap - w->len > n) {
        return true;
    }
    size_t cap = w->cap;
    while (cap - w->len <= n) {
        if (cap > SIZE_MAX / 2) {
            w->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *b = realloc(w->buf, cap);
    if (b == NULL) {
        w->failed = true;
        return false;
    }
    w->buf = b;
    w->cap = cap;
    return true;
}

void jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
    if (reserve(w, n)) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

/* Bytes that need an escape: `"`, `\` and the C0 controls. Every byte of a
 * multi-byte UTF-8 sequence is >= 0x80, so the scan is byte-wise. */
static inline bool needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

void jsonw_str(struct jsonw *w, const char *s)
{
    if (s == NULL) {
        jsonw_null(w);
        return;
    }
    size_t n = strlen(s);
    /* The common case (nothing to escape) in one copy: room for the
     * quotes plus the text; escapes reserve as they go. */
    if (!reserve(w, n + 2)) {
        return;
    }
    w->buf[w->len++] = '"';
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (!needs_escape(c)) {
            continue;
        }
        jsonw_raw(w, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            jsonw_lit(w, "\\\"");
            break;
        case '\\':
            jsonw_lit(w, "\\\\");
            break;
        case '\b':
            jsonw_lit(w, "\\b");
            break;
        case '\f':
            jsonw_lit(w, "\\f");
            break;
        case '\n':
            jsonw_lit(w, "\\n");
            break;
        case '\r':
            jsonw_lit(w, "\\r");
            break;
        case '\t':
            jsonw_lit(w, "\\t");
            break;
        default: {
            char seq[7];
            snprintf(seq, sizeof seq, "\\u%04X", (unsigned)c);
            jsonw_raw(w, seq, 6);
        }
        }
    }
    jsonw_raw(w, s + run, n - run);
    jsonw_lit(w, "\"");
}

void jsonw_int(struct jsonw *w, int64_t v)
{
    char tmp[24];
    char *e = tmp + sizeof tmp, *p = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        *--p = '-';
    }
    jsonw_raw(w, p, (size_t)(e - p));
}

void jsonw_bool(struct jsonw *w, bool v)
{
    if (v) {
        jsonw_lit(w, "true");
    } else {
        jsonw_lit(w, "false");
    }
}

void jsonw_id_or_null(struct jsonw *w, int64_t id)
{
    if (id > 0) {
        jsonw_int(w, id);
    } else {
        jsonw_null(w);
    }
}

char *jsonw_finish(struct jsonw *w, size_t *len)
{
    char *out = NULL;
    if (!w->failed && reserve(w, 0)) {
        w->buf[w->len] = '\0';
        out = w->buf;
        *len = w->len;
    } else {
        free(w->buf);
    }
    w->buf = NULL;
    w->len = w->cap = 0;
    w->failed = true;
    return out;
}

void jsonw_discard(struct jsonw *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
    w->failed = true;
}
