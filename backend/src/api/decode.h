/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/decode.h — the one request-body decoder. Each body is described by a
 * table of struct decode_field (member name, JSON type, required, limits,
 * enumeration, format and check callbacks, destination offset); decode
 * walks the body once against its table, stores each member into the
 * caller's struct and collects field errors {field, code, params,
 * message} with the closed set of codes of api-spec/openapi.yaml
 * (FieldError). The rules every route shares:
 *
 *   - body not an object, or a member of the wrong JSON type → 400
 *     bad-request with fields (code "type", params {expected});
 *   - a member not in the table → 422 validation, code "unknown";
 *   - any other broken rule → 422 validation;
 *   - at most API_FIELDS_MAX entries, then fields_truncated: true.
 *
 * Per member, the first broken rule is reported (in the order: type,
 * control characters, length, visible character, bidi balance, one_of,
 * format, check). Destinations borrow from the body (valid for the
 * request).
 */
#ifndef PNYX_API_DECODE_H
#define PNYX_API_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"

enum decode_type {
    DECODE_STRING = 1,     /* dst: const char * (NULL when absent) */
    DECODE_INTEGER,        /* dst: struct decode_int */
    DECODE_BOOLEAN,        /* dst: struct decode_bool */
    DECODE_STRING_LIST,    /* dst: json_t * (borrowed array of strings, NULL when absent) */
    DECODE_OBJECT_OR_NULL, /* dst: json_t * (borrowed object or JSON null, NULL when
                            * absent); its members are the caller's to check */
    DECODE_JSON,           /* dst: json_t * (borrowed value of any type, NULL when absent):
                            * the caller checks it and adds its errors with decode_error
                            * (nested bodies such as a question's options) */
};

/* Text rules for strings (and the items of a string list). */
enum decode_text {
    DECODE_TEXT_LINE = 0,  /* UTF-8 without any control character (default) */
    DECODE_TEXT_MULTILINE, /* tab, CR and LF allowed */
    DECODE_TEXT_TITLE,     /* a line that must show a visible character and
                            * keep bidi controls balanced (validate_title) */
    DECODE_TEXT_ANY,       /* no control-character screening (secrets that
                            * are only compared, e.g. a login password) */
};

struct decode_int {
    bool set;
    int64_t v;
};

struct decode_bool {
    bool set;
    bool v;
};

/* A check's verdict: code NULL = fine; otherwise one of the closed codes,
 * params (new reference, may be NULL = {}) and an English message. */
struct decode_verdict {
    const char *code;
    json_t *params;
    const char *message;
};

struct decode_field {
    const char *name;
    enum decode_type type;
    bool required;
    enum decode_text text;
    /* Strings: code points (0 = no bound); max_bytes bounds UTF-8 bytes
     * instead (code too_long {max: max_bytes}). List items use the same. */
    size_t min_chars, max_chars, max_bytes;
    /* Lists: item count (0 = no bound) and no repeated item (ASCII case
     * folded) → "duplicate" on "name/i". */
    size_t min_items, max_items;
    bool unique_ci;
    /* Integers: inclusive range, checked when int_range is set. */
    bool int_range;
    int64_t min, max;
    /* Strings: allowed values (NULL-terminated), code one_of {allowed}. */
    const char *const *one_of;
    /* Strings and list items: format name (email, language_tag, country,
     * date_time) and its test; code format {format}. */
    const char *format;
    bool (*format_ok)(const char *s, size_t len);
    /* Strings: any further rule (e.g. the password rules). */
    void (*check)(const char *s, size_t len, struct decode_verdict *v);
    size_t offset; /* of the destination in the caller's struct */
};

struct decode_spec {
    const struct decode_field *fields;
    size_t n;
    bool body_optional; /* no body at all decodes as {} */
    bool need_one;      /* at least one member: else "empty" on field "" */
};

/* Collected field errors of one request. */
struct decode_errors {
    json_t *type_errors; /* → 400 when non-empty */
    json_t *rule_errors; /* → 422 */
    size_t count;        /* all errors seen, also past the cap */
};

/* Decodes rq->body against spec into dst: each valid member present is
 * stored at its offset; absent ones leave their destination untouched (so
 * the caller zeroes dst or presets defaults). Returns 0 when the
 * body is valid; -1 with errors collected into *e (initialised here; the
 * caller may add more with decode_error and MUST end with decode_finish). */
int decode_body(const struct api_req *rq, const struct decode_spec *spec, void *dst,
                struct decode_errors *e) PNYX_NONNULL(1, 2, 3, 4);

/* Adds one error (params stolen, NULL = {}). code "type" goes to the 400
 * list. The message is English for API users (NULL: one is derived from
 * the code and params). */
void decode_error(struct decode_errors *e, const char *field, const char *code, json_t *params,
                  const char *message) PNYX_NONNULL(1, 2, 3);

/* Ends a decode: returns 0 when no error was collected, else writes the
 * 400 bad-request (type errors) or 422 validation problem and returns -1.
 * Releases *e either way. */
int decode_finish(struct decode_errors *e, struct api_reply *out) PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* decode_body + decode_finish: 0, or -1 after writing the problem. */
int decode_or_fail(const struct api_req *rq, struct api_reply *out, const struct decode_spec *spec,
                   void *dst) PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

#define DECODE_SPEC(arr)                                                                           \
    {                                                                                              \
        .fields = (arr), .n = sizeof(arr) / sizeof((arr)[0])                                       \
    }

#endif /* PNYX_API_DECODE_H */
