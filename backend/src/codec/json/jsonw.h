/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/json/jsonw.h — writing JSON text straight into a buffer, for the
 * hot encoders that must not build a Jansson tree (a proposal page's 50
 * comments were ~1,000 Jansson values and as many mallocs per request).
 *
 * The output is byte for byte what json_dumps(tree, JSON_COMPACT) writes
 * for the same members in the same order (Jansson 2.14: no spaces; in
 * strings `"` and `\` escaped, \b \f \n \r \t, other code points below
 * 0x20 as \u00XX in upper-case hex, everything else — `/` and non-ASCII
 * included — verbatim), so an encoder may switch between the two without
 * a client seeing a difference; tests/codec_json checks it on random and
 * hostile records. Strings must be valid UTF-8 (the writer does not
 * check: its callers write text read from PostgreSQL, whose UTF8
 * databases hold nothing else, or literals).
 *
 * Errors (no memory) are sticky: every call after one is a no-op and
 * jsonw_finish returns NULL, so an encoder checks once at the end.
 */
#ifndef PNYX_CODEC_JSON_JSONW_H
#define PNYX_CODEC_JSON_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jsonw {
    char *buf; /* malloc'd; NUL-terminated after jsonw_finish */
    size_t len, cap;
    bool failed;
};

/* An empty writer with room for about hint bytes (0: a small default). */
void jsonw_init(struct jsonw *w, size_t hint);

/* Appends n bytes as they are (JSON text the caller vouches for). */
void jsonw_raw(struct jsonw *w, const char *s, size_t n);
/* Appends a string literal (JSON punctuation, `"key":`) as it is. */
#define jsonw_lit(w, lit) jsonw_raw((w), (lit), sizeof(lit) - 1)

/* A JSON string of s, escaped as Jansson does; NULL writes null. */
void jsonw_str(struct jsonw *w, const char *s);
/* A JSON integer. */
void jsonw_int(struct jsonw *w, int64_t v);
/* true / false. */
void jsonw_bool(struct jsonw *w, bool v);
/* null. */
#define jsonw_null(w) jsonw_lit((w), "null")
/* An integer id when > 0, else null (the API's "no such reference"). */
void jsonw_id_or_null(struct jsonw *w, int64_t id);

/* The text (malloc'd, NUL-terminated; free() it) and its length in *len;
 * NULL when any call failed (the buffer is then freed). The writer is
 * empty afterwards. */
char *jsonw_finish(struct jsonw *w, size_t *len);

/* Frees what the writer holds (after an error path). */
void jsonw_discard(struct jsonw *w);

#endif /* PNYX_CODEC_JSON_JSONW_H */
