/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * RFC 8785 JSON Canonicalization Scheme (JCS). Two ways in:
 *  - jcs_canonicalize(): any JSON text (RFC 8259, I-JSON restrictions) →
 *    its canonical bytes. Rejects duplicate member names, invalid UTF-8,
 *    lone surrogates (raw or \u-escaped), numbers that overflow to ±Inf,
 *    nesting deeper than JCS_MAX_DEPTH, trailing garbage, a BOM.
 *  - struct jcs_buf: a builder that writes canonical JSON directly. The
 *    caller emits object members in canonical order (sorted by UTF-16 code
 *    units of the unescaped names); the builder checks that order and fails
 *    with AUDIT_EORDER otherwise, so a mis-ordered audit entry can never be
 *    hashed. Commas and colons are inserted by the builder.
 * Canonical form recap: no whitespace; members sorted by UTF-16 code units;
 * strings escape only \b \t \n \f \r \" \\ and other C0 controls as \u00xx
 * (lower-case hex), everything else raw UTF-8; numbers in ECMAScript
 * Number.prototype.toString form (shortest round-trip, -0 → 0).
 */
#ifndef PNYX_CORE_AUDIT_JCS_H
#define PNYX_CORE_AUDIT_JCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/audit.h"

/* Maximum nesting of arrays/objects, for the parser and the builder. Audit
 * entries nest 3-4 levels; 64 bounds stack/heap use per call on hostile input. */
#define JCS_MAX_DEPTH 64

/* Largest magnitude an integer may have to be exact as an IEEE double (2^53);
 * jcs_int/jcs_uint refuse larger values (AUDIT_ENUMBER) because a JavaScript or
 * RFC 8785 verifier would round them. Put big ids in strings. */
#define JCS_MAX_SAFE_INT 9007199254740992LL

/* Longest output of jcs_format_double (e.g. "-1.2345678901234567e-308"), +NUL. */
#define JCS_NUMBER_MAX 32

/*
 * Canonicalise JSON text `in` (`len` bytes, borrowed, need not be
 * NUL-terminated). On AUDIT_OK *out is a new malloc'd NUL-terminated buffer
 * (caller frees with free()) of *out_len bytes (excluding the NUL). On error
 * *out is NULL and, if err_offset is non-NULL, *err_offset is the byte offset
 * in `in` where the problem was detected. Thread-safe.
 */
AUDIT_MUSTCHECK int jcs_canonicalize(const char *in, size_t len, char **out, size_t *out_len,
                                     size_t *err_offset);

/*
 * Format a double as RFC 8785 / ECMAScript Number::toString: shortest digits
 * that round-trip, "1e+21" style exponents outside [1e-6, 1e21), -0 → "0".
 * `out` must hold JCS_NUMBER_MAX bytes; returns the length written (NUL
 * terminated), or 0 with out = "" for NaN/±Inf (not expressible in JSON).
 */
size_t jcs_format_double(double v, char out[JCS_NUMBER_MAX]);

/*
 * Builder. Caller-owned storage: jcs_buf_init / jcs_buf_fini. Errors are
 * sticky: after the first failure every writer is a no-op and
 * jcs_buf_finish() returns that error, so a sequence of writes needs one
 * check at the end. Not thread-safe per buffer (one buffer per thread).
 *
 *   struct jcs_buf b;
 *   jcs_buf_init(&b);
 *   jcs_obj_begin(&b);
 *   jcs_key(&b, "actor");    jcs_str(&b, actor_id);
 *   jcs_key(&b, "assembly"); jcs_str(&b, assembly_id);
 *   jcs_key(&b, "at");       jcs_str(&b, "2026-11-28T04:00:00Z");
 *   jcs_key(&b, "data");     jcs_obj_begin(&b); ... jcs_obj_end(&b);
 *   jcs_key(&b, "kind");     jcs_str(&b, "member.joined");
 *   jcs_key(&b, "seq");      jcs_int(&b, seq);
 *   jcs_obj_end(&b);
 *   if (jcs_buf_finish(&b) != AUDIT_OK) ... ; use b.data / b.len
 *   jcs_buf_fini(&b);
 */
struct jcs_buf {
    char *data; /* NUL-terminated output (owned by the buffer), NULL until first write */
    size_t len; /* bytes in data, excluding the NUL */
    size_t cap;
    int err;        /* sticky enum audit_status */
    unsigned depth; /* open containers */
    /* per open container: 'o' object / 'a' array; element count; offset of
     * the previous key's escaped text in data (objects), for order checks */
    char kind[JCS_MAX_DEPTH];
    uint32_t count[JCS_MAX_DEPTH];
    size_t last_key[JCS_MAX_DEPTH];
    size_t last_key_len[JCS_MAX_DEPTH];
    bool want_value; /* a key was written, its value is pending */
    bool done;       /* a complete top-level value was written */
};

void jcs_buf_init(struct jcs_buf *b);
/* Frees b->data; b may be re-initialised. */
void jcs_buf_fini(struct jcs_buf *b);
/* Empties b for reuse, keeping its allocation. */
void jcs_buf_reset(struct jcs_buf *b);
/* AUDIT_OK iff no writer failed and exactly one complete value was written. */
AUDIT_MUSTCHECK int jcs_buf_finish(const struct jcs_buf *b);
/* Returns b->data (new, caller frees with free()) and leaves b empty; NULL on
 * error (check jcs_buf_finish first). *len receives the length if non-NULL. */
char *jcs_buf_steal(struct jcs_buf *b, size_t *len);

void jcs_obj_begin(struct jcs_buf *b);
void jcs_obj_end(struct jcs_buf *b);
void jcs_arr_begin(struct jcs_buf *b);
void jcs_arr_end(struct jcs_buf *b);
/* Member name (NUL-terminated / n bytes of UTF-8, borrowed). Must compare
 * strictly greater (UTF-16 code units) than the previous key of this object:
 * else AUDIT_EORDER (equal → AUDIT_EDUPKEY). Invalid UTF-8 → AUDIT_EUTF8. */
void jcs_key(struct jcs_buf *b, const char *key);
void jcs_keyn(struct jcs_buf *b, const char *key, size_t n);
/* String value (UTF-8, borrowed; jcs_strn allows embedded NULs). */
void jcs_str(struct jcs_buf *b, const char *s);
void jcs_strn(struct jcs_buf *b, const char *s, size_t n);
/* Integers with |v| <= 2^53 (else AUDIT_ENUMBER). */
void jcs_int(struct jcs_buf *b, int64_t v);
void jcs_uint(struct jcs_buf *b, uint64_t v);
/* Any finite double (NaN/Inf → AUDIT_ENUMBER). */
void jcs_double(struct jcs_buf *b, double v);
void jcs_bool(struct jcs_buf *b, bool v);
void jcs_null(struct jcs_buf *b);
/* Embed an arbitrary JSON value given as text (borrowed): it is parsed and
 * canonicalised, so the result stays canonical (e.g. a `data` object that
 * arrived from Jansson's json_dumps). Errors as jcs_canonicalize, plus
 * AUDIT_ENUMBER for an integer literal beyond ±2^53 (jcs_canonicalize would
 * round it to a double as RFC 8785 says; in an audit entry that would alter
 * the recorded data, so it is refused: send such ids as strings). */
void jcs_json(struct jcs_buf *b, const char *json, size_t len);

#endif
