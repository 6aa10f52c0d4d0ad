/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/decode.c — the declarative body decoder (see decode.h for the rules
 * it applies to every route).
 */
#include "api/decode.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/base/base.h"
#include "core/validate/validate.h"

static const char *type_name(enum decode_type t)
{
    switch (t) {
    case DECODE_STRING:
        return "string";
    case DECODE_INTEGER:
        return "integer";
    case DECODE_BOOLEAN:
        return "boolean";
    case DECODE_STRING_LIST:
        return "array";
    case DECODE_OBJECT_OR_NULL:
    case DECODE_JSON:
        break;
    }
    return "object";
}

/* An English message from a code and its params, for API users. */
static const char *default_message(const char *code)
{
    static const struct {
        const char *code, *msg;
    } msgs[] = {
        {"required", "this member is required"},
        {"unknown", "this member is not part of the body"},
        {"type", "wrong JSON type (see params.expected)"},
        {"too_short", "too short (see params.min)"},
        {"too_long", "too long (see params.max)"},
        {"too_few", "too few items (see params.min)"},
        {"too_many", "too many items (see params.max)"},
        {"out_of_range", "out of range (see params.min and params.max)"},
        {"one_of", "not one of params.allowed"},
        {"format", "not in the syntax params.format names"},
        {"control_characters", "contains control characters"},
        {"no_visible_character", "contains no visible character"},
        {"unbalanced_bidi", "unbalanced bidirectional controls"},
        {"duplicate", "repeats an earlier item"},
        {"empty", "nothing to change"},
    };
    for (size_t i = 0; i < PNYX_ARRAY_LEN(msgs); i++) {
        if (strcmp(msgs[i].code, code) == 0) {
            return msgs[i].msg;
        }
    }
    return NULL;
}

void decode_error(struct decode_errors *e, const char *field, const char *code, json_t *params,
                  const char *message)
{
    bool is_type = strcmp(code, "type") == 0;
    json_t **list = is_type ? &e->type_errors : &e->rule_errors;
    e->count++;
    /* One past the cap is kept so api_problem_fields knows to say
     * fields_truncated; nothing more is built, whatever the body holds. */
    if (*list == NULL) {
        *list = json_array();
    }
    if (*list == NULL || json_array_size(*list) > API_FIELDS_MAX) {
        json_decref(params);
        return;
    }
    api_field_error_params(*list, field, code, params,
                           message != NULL ? message : default_message(code));
}

static json_t *param_size(const char *key, size_t v)
{
    return json_pack("{s:I}", key, (json_int_t)v);
}

/* Checks one string against the field's text rules; returns false after
 * recording the first broken one under path. */
static bool check_string(struct decode_errors *e, const struct decode_field *f, const char *path,
                         const char *s, size_t len)
{
    /* Code points, and whether a control character the text kind does
     * not allow (C0, DEL, C1) is present. */
    size_t n = 0, i = 0;
    while (i < len) {
        int32_t cp = base_utf8_next(s, len, &i);
        bool line_break = cp == '\t' || cp == '\n' || cp == '\r';
        if (cp < 0 || (f->text != DECODE_TEXT_ANY && (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) &&
                       !(f->text == DECODE_TEXT_MULTILINE && line_break))) {
            n = (size_t)-1;
            break;
        }
        n++;
    }
    if (n == (size_t)-1) {
        decode_error(e, path, "control_characters", NULL, NULL);
        return false;
    }
    if (f->max_bytes > 0 && len > f->max_bytes) {
        decode_error(e, path, "too_long", param_size("max", f->max_bytes), NULL);
        return false;
    }
    if (n < f->min_chars) {
        decode_error(e, path, "too_short", param_size("min", f->min_chars), NULL);
        return false;
    }
    if (f->max_chars > 0 && n > f->max_chars) {
        decode_error(e, path, "too_long", param_size("max", f->max_chars), NULL);
        return false;
    }
    if (f->text == DECODE_TEXT_TITLE) {
        enum validate_title_result r = validate_title(s, len);
        if (r == VALIDATE_TITLE_NO_VISIBLE) {
            decode_error(e, path, "no_visible_character", NULL, NULL);
            return false;
        }
        if (r != VALIDATE_TITLE_OK) {
            decode_error(e, path, "unbalanced_bidi", NULL, NULL);
            return false;
        }
    }
    if (f->one_of != NULL) {
        bool found = false;
        json_t *allowed = json_array();
        for (const char *const *v = f->one_of; *v != NULL; v++) {
            found = found || strcmp(*v, s) == 0;
            json_array_append_new(allowed, json_string(*v));
        }
        if (!found) {
            decode_error(e, path, "one_of", json_pack("{s:o}", "allowed", allowed), NULL);
            return false;
        }
        json_decref(allowed);
    }
    if (f->format_ok != NULL && !f->format_ok(s, len)) {
        decode_error(e, path, "format", json_pack("{s:s}", "format", f->format), NULL);
        return false;
    }
    if (f->check != NULL) {
        struct decode_verdict v = {0};
        f->check(s, len, &v);
        if (v.code != NULL) {
            decode_error(e, path, v.code, v.params, v.message);
            return false;
        }
    }
    return true;
}

static void decode_list(struct decode_errors *e, const struct decode_field *f, json_t *val,
                        char *dst)
{
    size_t n = json_array_size(val);
    bool types_ok = true;
    for (size_t i = 0; i < n; i++) {
        if (!json_is_string(json_array_get(val, i))) {
            char path[96];
            snprintf(path, sizeof path, "%s/%zu", f->name, i);
            decode_error(e, path, "type", json_pack("{s:s}", "expected", "string"), NULL);
            types_ok = false;
        }
    }
    if (!types_ok) {
        return;
    }
    if (n < f->min_items) {
        decode_error(e, f->name, "too_few", param_size("min", f->min_items), NULL);
        return;
    }
    if (f->max_items > 0 && n > f->max_items) {
        decode_error(e, f->name, "too_many", param_size("max", f->max_items), NULL);
        return;
    }
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(val, i);
        char path[96];
        snprintf(path, sizeof path, "%s/%zu", f->name, i);
        if (!check_string(e, f, path, json_string_value(v), json_string_length(v))) {
            ok = false;
            continue;
        }
        for (size_t k = 0; f->unique_ci && k < i; k++) {
            if (strcasecmp(json_string_value(json_array_get(val, k)), json_string_value(v)) == 0) {
                decode_error(e, path, "duplicate", NULL, NULL);
                ok = false;
                break;
            }
        }
    }
    if (ok) {
        memcpy(dst + f->offset, &val, sizeof val);
    }
}

/* Decodes one present member. */
static void decode_member(struct decode_errors *e, const struct decode_field *f, json_t *val,
                          char *dst)
{
    bool right = (f->type == DECODE_STRING && json_is_string(val)) ||
                 (f->type == DECODE_INTEGER && json_is_integer(val)) ||
                 (f->type == DECODE_BOOLEAN && json_is_boolean(val)) ||
                 (f->type == DECODE_STRING_LIST && json_is_array(val)) ||
                 (f->type == DECODE_OBJECT_OR_NULL && (json_is_object(val) || json_is_null(val))) ||
                 f->type == DECODE_JSON;
    if (!right) {
        decode_error(e, f->name, "type", json_pack("{s:s}", "expected", type_name(f->type)), NULL);
        return;
    }
    switch (f->type) {
    case DECODE_STRING: {
        const char *s = json_string_value(val);
        if (check_string(e, f, f->name, s, json_string_length(val))) {
            memcpy(dst + f->offset, &s, sizeof s);
        }
        return;
    }
    case DECODE_INTEGER: {
        json_int_t v = json_integer_value(val);
        if (f->int_range && (v < f->min || v > f->max)) {
            decode_error(
                e, f->name, "out_of_range",
                json_pack("{s:I, s:I}", "min", (json_int_t)f->min, "max", (json_int_t)f->max),
                NULL);
            return;
        }
        struct decode_int d = {.set = true, .v = (int64_t)v};
        memcpy(dst + f->offset, &d, sizeof d);
        return;
    }
    case DECODE_BOOLEAN: {
        struct decode_bool d = {.set = true, .v = json_is_true(val)};
        memcpy(dst + f->offset, &d, sizeof d);
        return;
    }
    case DECODE_STRING_LIST:
        decode_list(e, f, val, dst);
        return;
    case DECODE_OBJECT_OR_NULL:
    case DECODE_JSON:
        memcpy(dst + f->offset, &val, sizeof val);
        return;
    }
}

int decode_body(const struct api_req *rq, const struct decode_spec *spec, void *dst,
                struct decode_errors *e)
{
    memset(e, 0, sizeof(*e));
    json_t *body = rq->body;
    if (body == NULL && spec->body_optional) {
        if (spec->need_one) {
            decode_error(e, "", "empty", NULL, NULL);
        }
        return e->count > 0 ? -1 : 0;
    }
    if (!json_is_object(body)) {
        decode_error(e, "", "type", json_pack("{s:s}", "expected", "object"),
                     "the body must be a JSON object");
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val)
    {
        size_t i = 0;
        while (i < spec->n && strcmp(spec->fields[i].name, key) != 0) {
            i++;
        }
        if (i == spec->n) {
            decode_error(e, key, "unknown", NULL, NULL);
        } else {
            decode_member(e, &spec->fields[i], val, dst);
        }
    }
    for (size_t i = 0; i < spec->n; i++) {
        if (spec->fields[i].required && json_object_get(body, spec->fields[i].name) == NULL) {
            decode_error(e, spec->fields[i].name, "required", NULL, NULL);
        }
    }
    if (spec->need_one && json_object_size(body) == 0) {
        decode_error(e, "", "empty", NULL, NULL);
    }
    return e->count > 0 ? -1 : 0;
}

int decode_finish(struct decode_errors *e, struct api_reply *out)
{
    int rc = 0;
    if (json_array_size(e->type_errors) > 0) {
        api_problem_fields(out, API_E_BAD_REQUEST, e->type_errors);
        e->type_errors = NULL;
        rc = -1;
    } else if (json_array_size(e->rule_errors) > 0) {
        api_problem_fields(out, API_E_VALIDATION, e->rule_errors);
        e->rule_errors = NULL;
        rc = -1;
    }
    json_decref(e->type_errors);
    json_decref(e->rule_errors);
    memset(e, 0, sizeof(*e));
    return rc;
}

int decode_or_fail(const struct api_req *rq, struct api_reply *out, const struct decode_spec *spec,
                   void *dst)
{
    struct decode_errors e;
    (void)decode_body(rq, spec, dst, &e);
    return decode_finish(&e, out);
}
