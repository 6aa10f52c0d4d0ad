/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * json_scan: a pull tokenizer for RFC 8259 JSON over one memory buffer.
 *
 * It owns no DOM: each jscan_next() returns the next token, so a reader can
 * stream a million-entry array without holding more than one entry. It checks
 * full validity (grammar, UTF-8, escapes, surrogate pairs, a depth cap) and
 * keeps numbers as their source text so integers and decimals stay exact.
 * It never allocates per token: strings without escapes point into the
 * buffer; decoded strings live in one growing scratch buffer.
 */
#ifndef PNYX_CODEC_ELECTION_JSON_SCAN_H
#define PNYX_CODEC_ELECTION_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Deepest nesting accepted. The election format needs 5 levels; unknown
 * members may hold anything, and this cap keeps hostile input (a megabyte of
 * '[') from costing more than a fixed 1 KiB stack inside struct jscan.
 */
#define JSCAN_MAX_DEPTH 1024

enum jscan_token {
    JSCAN_ERROR = 0,    /* see jscan.error / jscan.nomem */
    JSCAN_END,          /* the single top-level value is complete */
    JSCAN_OBJECT_BEGIN, /* '{' */
    JSCAN_OBJECT_END,   /* '}' */
    JSCAN_ARRAY_BEGIN,  /* '[' */
    JSCAN_ARRAY_END,    /* ']' */
    JSCAN_KEY,          /* an object member name: text/len (decoded) */
    JSCAN_STRING,       /* a string value: text/len (decoded UTF-8) */
    JSCAN_NUMBER,       /* text/len: the number exactly as written */
    JSCAN_TRUE,
    JSCAN_FALSE,
    JSCAN_NULL,
};

struct jscan {
    /* current token (valid until the next call) */
    const char *text; /* KEY/STRING: decoded bytes (may hold NUL); NUMBER: source */
    size_t len;
    bool has_nul;    /* KEY/STRING: the decoded text contains U+0000 */
    bool is_integer; /* NUMBER: no fraction and no exponent */
    size_t tok_off;  /* byte offset where the current token starts */

    /* input */
    const unsigned char *start, *p, *end;

    /* grammar state */
    unsigned state;
    unsigned depth;
    bool skipping;                        /* validate strings without decoding them */
    unsigned char stack[JSCAN_MAX_DEPTH]; /* 1 = object, 0 = array */

    /* decoded strings that needed unescaping */
    char *scratch;
    size_t scratch_cap;

    /* after JSCAN_ERROR: a one-line reason with line and column */
    bool nomem; /* the error is an allocation failure, not bad input */
    size_t error_off;
    char error[192];
};

/*
 * Starts scanning buf[0..len). Borrows buf: it must outlive the scanner and
 * not change. A leading UTF-8 byte order mark is skipped (RFC 8259 §8.1
 * allows ignoring it). Never fails.
 */
void jscan_init(struct jscan *s, const void *buf, size_t len);

/*
 * Starts scanning one value at byte `off` of buf (an offset taken from
 * tok_off earlier), at depth 0. Used to revisit a member that was skipped
 * (validated) earlier; the caller stops once that value is complete (the next
 * token would see the rest of the document). Borrows buf.
 */
void jscan_init_at(struct jscan *s, const void *buf, size_t len, size_t off);

/* Releases the scratch buffer. The scanner may be re-initialised after. */
void jscan_fini(struct jscan *s);

/*
 * Returns the next token. After JSCAN_END or JSCAN_ERROR every further call
 * returns the same. Not thread-safe per scanner; scanners are independent.
 */
enum jscan_token jscan_next(struct jscan *s);

/*
 * Skips the rest of a value whose first token `first` was just returned
 * (for OBJECT_BEGIN/ARRAY_BEGIN: everything up to the matching end; for a
 * scalar: nothing). Validates what it skips without decoding strings.
 * Returns false on error (s->error set).
 */
bool jscan_skip(struct jscan *s, enum jscan_token first);

/*
 * Sets an error at the current token (for readers that reject valid JSON):
 * formats "line L, column C: <msg>". Returns JSCAN_ERROR for convenience.
 */
enum jscan_token jscan_fail_at(struct jscan *s, size_t off, const char *msg);

/* 1-based line and column (in bytes) of byte offset `off`. */
void jscan_position(const struct jscan *s, size_t off, size_t *line, size_t *col);

/* Current nesting depth (0 at top level, 1 inside the outer value…). */
static inline unsigned jscan_depth(const struct jscan *s)
{
    return s->depth;
}

#endif
