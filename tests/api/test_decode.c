/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/decode: the one body decoder's shared rules, driven without HTTP:
 * 400 for wrong types (code "type" with params.expected), 422 for unknown
 * members and broken rules, every field error with a params object, the
 * 16-entry cap, lists (type per item, item counts, duplicates), integer
 * ranges, the empty-PATCH rule and an optional body.
 */
#include <stddef.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "api/decode.h"

struct body {
    const char *name, *kind, *note;
    struct decode_int count;
    struct decode_bool flag;
    json_t *tags;
};

static bool upper_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 'A' || s[i] > 'Z') {
            return false;
        }
    }
    return true;
}

static const char *const kinds[] = {"a", "b", NULL};
static const struct decode_field fields[] = {
    {.name = "name",
     .type = DECODE_STRING,
     .required = true,
     .text = DECODE_TEXT_TITLE,
     .min_chars = 1,
     .max_chars = 5,
     .offset = offsetof(struct body, name)},
    {.name = "kind", .type = DECODE_STRING, .one_of = kinds, .offset = offsetof(struct body, kind)},
    {.name = "note",
     .type = DECODE_STRING,
     .text = DECODE_TEXT_MULTILINE,
     .offset = offsetof(struct body, note)},
    {.name = "count",
     .type = DECODE_INTEGER,
     .int_range = true,
     .min = 1,
     .max = 9,
     .offset = offsetof(struct body, count)},
    {.name = "flag", .type = DECODE_BOOLEAN, .offset = offsetof(struct body, flag)},
    {.name = "tags",
     .type = DECODE_STRING_LIST,
     .min_items = 1,
     .max_items = 3,
     .unique_ci = true,
     .format = "upper",
     .format_ok = upper_ok,
     .offset = offsetof(struct body, tags)},
};
static const struct decode_spec spec = DECODE_SPEC(fields);

/* The body of the last run: destinations borrow from it until the next. */
static json_t *held;

static void release(void)
{
    json_decref(held);
    held = NULL;
}

TestSuite(decode, .fini = release);

/* Decodes text with spec; returns the reply (status 0 when valid). */
static struct api_reply run(const struct decode_spec *sp, const char *text, struct body *b)
{
    json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    cr_assert(text == NULL || j != NULL, "bad test JSON %s", text);
    struct api_req rq = {.body = j};
    struct api_reply out = {0};
    memset(b, 0, sizeof *b);
    int rc = decode_or_fail(&rq, &out, sp, b);
    cr_assert_eq(rc != 0, out.status != 0);
    release();
    held = j;
    return out;
}

static json_t *field(const struct api_reply *r, size_t i)
{
    return json_array_get(json_object_get(r->json, "fields"), i);
}

static void expect_field(const struct api_reply *r, size_t i, const char *name, const char *code)
{
    json_t *f = field(r, i);
    cr_expect_str_eq(json_string_value(json_object_get(f, "field")), name);
    cr_expect_str_eq(json_string_value(json_object_get(f, "code")), code);
    cr_expect(json_is_object(json_object_get(f, "params")), "params must be an object");
    cr_expect(json_is_string(json_object_get(f, "message")));
}

Test(decode, valid_body_fills_the_struct)
{
    struct body b;
    struct api_reply r = run(&spec,
                             "{\"name\":\"Ada\",\"kind\":\"b\",\"note\":\"x\\ny\",\"count\":9,"
                             "\"flag\":false,\"tags\":[\"AB\",\"CD\"]}",
                             &b);
    cr_assert_eq(r.status, 0);
    cr_expect_str_eq(b.name, "Ada");
    cr_expect_str_eq(b.kind, "b");
    cr_expect_str_eq(b.note, "x\ny");
    cr_expect(b.count.set && b.count.v == 9);
    cr_expect(b.flag.set && !b.flag.v);
    cr_expect_eq(json_array_size(b.tags), 2);
}

Test(decode, not_an_object_is_400_type)
{
    const char *bodies[] = {"[]", "\"x\"", "3", "null"};
    for (size_t i = 0; i < 4; i++) {
        struct body b;
        struct api_reply r = run(&spec, bodies[i], &b);
        cr_expect_eq(r.status, 400, "%s", bodies[i]);
        expect_field(&r, 0, "", "type");
        cr_expect_str_eq(
            json_string_value(json_object_get(json_object_get(field(&r, 0), "params"), "expected")),
            "object");
        json_decref(r.json);
    }
    struct body b;
    struct api_reply r = run(&spec, NULL, &b);
    cr_expect_eq(r.status, 400, "no body where one is required");
    json_decref(r.json);
}

Test(decode, wrong_member_type_is_400_even_beside_rule_breaks)
{
    struct body b;
    struct api_reply r = run(&spec, "{\"name\":\"\",\"count\":1.5,\"zzz\":1}", &b);
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                     "https://pnyx.dev/problems/bad-request");
    cr_expect_eq(json_array_size(json_object_get(r.json, "fields")), 1, "only the type errors");
    expect_field(&r, 0, "count", "type");
    json_decref(r.json);
    r = run(&spec, "{\"name\":\"A\",\"tags\":[\"A\",2]}", &b);
    cr_expect_eq(r.status, 400);
    expect_field(&r, 0, "tags/1", "type");
    json_decref(r.json);
}

Test(decode, rules_are_422_with_params)
{
    struct {
        const char *body, *field, *code, *param;
        long long value;
    } cases[] = {
        {"{}", "name", "required", NULL, 0},
        {"{\"name\":\"A\",\"x\":1}", "x", "unknown", NULL, 0},
        {"{\"name\":\"\"}", "name", "too_short", "min", 1},
        {"{\"name\":\"abcdef\"}", "name", "too_long", "max", 5},
        {"{\"name\":\"a\\u0007\"}", "name", "control_characters", NULL, 0},
        {"{\"name\":\"a\",\"note\":\"\\u0085\"}", "note", "control_characters", NULL, 0},
        {"{\"name\":\"\\u200b\"}", "name", "no_visible_character", NULL, 0},
        {"{\"name\":\"a\\u202d\"}", "name", "unbalanced_bidi", NULL, 0},
        {"{\"name\":\"A\",\"count\":0}", "count", "out_of_range", "min", 1},
        {"{\"name\":\"A\",\"count\":10}", "count", "out_of_range", "max", 9},
        {"{\"name\":\"A\",\"tags\":[]}", "tags", "too_few", "min", 1},
        {"{\"name\":\"A\",\"tags\":[\"A\",\"B\",\"C\",\"D\"]}", "tags", "too_many", "max", 3},
        {"{\"name\":\"A\",\"tags\":[\"A\",\"b\"]}", "tags/1", "format", NULL, 0},
        {"{\"name\":\"A\",\"tags\":[\"AB\",\"AB\"]}", "tags/1", "duplicate", NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct body b;
        struct api_reply r = run(&spec, cases[i].body, &b);
        cr_expect_eq(r.status, 422, "%s", cases[i].body);
        expect_field(&r, 0, cases[i].field, cases[i].code);
        if (cases[i].param != NULL) {
            json_t *p = json_object_get(json_object_get(field(&r, 0), "params"), cases[i].param);
            cr_expect_eq(json_integer_value(p), cases[i].value, "%s", cases[i].body);
        }
        json_decref(r.json);
    }
    struct body b;
    struct api_reply r = run(&spec, "{\"name\":\"A\",\"kind\":\"c\"}", &b);
    json_t *allowed = json_object_get(json_object_get(field(&r, 0), "params"), "allowed");
    cr_expect_eq(json_array_size(allowed), 2);
    cr_expect_str_eq(json_string_value(json_array_get(allowed, 1)), "b");
    json_decref(r.json);
}

Test(decode, field_list_is_capped_at_16)
{
    json_t *o = json_object();
    for (int i = 0; i < 5000; i++) {
        char k[16];
        snprintf(k, sizeof k, "u%d", i);
        json_object_set_new(o, k, json_true());
    }
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    struct body b;
    struct api_reply r = run(&spec, text, &b);
    free(text);
    cr_expect_eq(r.status, 422);
    cr_expect_eq(json_array_size(json_object_get(r.json, "fields")), API_FIELDS_MAX);
    cr_expect(json_is_true(json_object_get(r.json, "fields_truncated")));
    json_decref(r.json);
    /* Exactly 16 errors: no truncation flag. */
    o = json_object();
    json_object_set_new(o, "name", json_string("A"));
    for (int i = 0; i < 16; i++) {
        char k[16];
        snprintf(k, sizeof k, "u%d", i);
        json_object_set_new(o, k, json_true());
    }
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    r = run(&spec, text, &b);
    free(text);
    cr_expect_eq(json_array_size(json_object_get(r.json, "fields")), 16);
    cr_expect_null(json_object_get(r.json, "fields_truncated"));
    json_decref(r.json);
}

Test(decode, empty_patch_and_optional_body)
{
    static const struct decode_field opt[] = {
        {.name = "kind", .type = DECODE_STRING, .offset = offsetof(struct body, kind)},
    };
    struct decode_spec patch = {.fields = opt, .n = 1, .need_one = true};
    struct body b;
    struct api_reply r = run(&patch, "{}", &b);
    cr_expect_eq(r.status, 422);
    expect_field(&r, 0, "", "empty");
    json_decref(r.json);
    r = run(&patch, "{\"zz\":1}", &b);
    expect_field(&r, 0, "zz", "unknown");
    cr_expect_eq(json_array_size(json_object_get(r.json, "fields")), 1, "unknown, not also empty");
    json_decref(r.json);
    struct decode_spec optional = {.fields = opt, .n = 1, .body_optional = true};
    r = run(&optional, NULL, &b);
    cr_expect_eq(r.status, 0, "no body is {}");
    cr_expect_null(b.kind);
}
