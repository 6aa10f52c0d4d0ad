/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Unit tests of codec/election/json_scan: RFC 8259 validity (grammar,
 * strings, escapes and surrogates, UTF-8, numbers, literals), the depth cap,
 * skipping, error positions.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "json_scan.h"

/* Scans the whole document; returns true if it is valid JSON. */
static bool valid(const char *doc, size_t len)
{
    struct jscan s;
    jscan_init(&s, doc, len);
    enum jscan_token t;
    do {
        t = jscan_next(&s);
    } while (t != JSCAN_END && t != JSCAN_ERROR);
    jscan_fini(&s);
    return t == JSCAN_END;
}

static bool valid_s(const char *doc)
{
    return valid(doc, strlen(doc));
}

/* The error message of an invalid document ("" if valid). */
static char errbuf[256];
static const char *error_of(const char *doc)
{
    struct jscan s;
    jscan_init(&s, doc, strlen(doc));
    enum jscan_token t;
    do {
        t = jscan_next(&s);
    } while (t != JSCAN_END && t != JSCAN_ERROR);
    strcpy(errbuf, t == JSCAN_ERROR ? s.error : "");
    jscan_fini(&s);
    return errbuf;
}

Test(json_scan, token_sequence)
{
    const char *doc = " {\"a\": [1, -2.5e3, \"x\", true, false, null, {}, []], \"b\": {}} ";
    enum jscan_token want[] = {
        JSCAN_OBJECT_BEGIN, JSCAN_KEY,          JSCAN_ARRAY_BEGIN, JSCAN_NUMBER,
        JSCAN_NUMBER,       JSCAN_STRING,       JSCAN_TRUE,        JSCAN_FALSE,
        JSCAN_NULL,         JSCAN_OBJECT_BEGIN, JSCAN_OBJECT_END,  JSCAN_ARRAY_BEGIN,
        JSCAN_ARRAY_END,    JSCAN_ARRAY_END,    JSCAN_KEY,         JSCAN_OBJECT_BEGIN,
        JSCAN_OBJECT_END,   JSCAN_OBJECT_END,   JSCAN_END,         JSCAN_END};
    struct jscan s;
    jscan_init(&s, doc, strlen(doc));
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        enum jscan_token t = jscan_next(&s);
        cr_assert_eq(t, want[i], "token %zu: got %d want %d (%s)", i, t, want[i], s.error);
        if (i == 3) {
            cr_assert(s.is_integer);
            cr_assert_eq(s.len, 1);
        }
        if (i == 4) {
            cr_assert_not(s.is_integer);
            cr_assert_eq(s.len, 6);
            cr_assert_eq(memcmp(s.text, "-2.5e3", 6), 0);
        }
    }
    jscan_fini(&s);
}

Test(json_scan, scalars_at_top_level)
{
    cr_assert(valid_s("0"));
    cr_assert(valid_s(" \"x\" "));
    cr_assert(valid_s("null"));
    cr_assert(valid_s("[]"));
    cr_assert_not(valid_s(""));
    cr_assert_not(valid_s("   "));
    cr_assert_not(valid_s("1 2"));
    cr_assert_not(valid_s("{} {}"));
}

Test(json_scan, grammar_errors)
{
    const char *bad[] = {"[1,]",     "[,1]",    "{\"a\":1,}", "{\"a\" 1}",  "{a:1}",
                         "{\"a\":}", "[1 2]",   "{'a':1}",    "[",          "{",
                         "]",        "}",       "[}",         "{]",         "{\"a\":1]",
                         "[tru]",    "[nul]",   "[True]",     "[NaN]",      "[Infinity]",
                         "[\"a\"x]", "{\"a\"}", "[1]]",       "{\"a\":1}}", "\"abc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_not(valid_s(bad[i]), "accepted %s", bad[i]);
    }
}

Test(json_scan, numbers)
{
    const char *good[] = {"0",   "-0",  "1",    "-1",   "10",     "1.5",
                          "0.5", "1e0", "1E+2", "1e-2", "-0.0e0", "123456789012345678901234567890"};
    const char *bad[] = {"01", "-01", "1.",   ".5",   "-",   "+1",
                         "1e", "1e+", "0x10", "1.e3", "- 1", "00"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cr_expect(valid_s(good[i]), "refused %s: %s", good[i], error_of(good[i]));
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_not(valid_s(bad[i]), "accepted %s", bad[i]);
    }
    /* the text is kept exactly as written */
    struct jscan s;
    const char *doc = "[123456789012345678901234567890.000]";
    jscan_init(&s, doc, strlen(doc));
    cr_assert_eq(jscan_next(&s), JSCAN_ARRAY_BEGIN);
    cr_assert_eq(jscan_next(&s), JSCAN_NUMBER);
    cr_assert_eq(s.len, 34);
    cr_assert_not(s.is_integer);
    jscan_fini(&s);
}

/* Decodes the single string in doc into out. */
static bool decode(const char *doc, size_t doclen, char *out, size_t *outlen)
{
    struct jscan s;
    jscan_init(&s, doc, doclen);
    bool ok = jscan_next(&s) == JSCAN_STRING;
    if (ok) {
        memcpy(out, s.text, s.len);
        *outlen = s.len;
        ok = jscan_next(&s) == JSCAN_END;
    }
    jscan_fini(&s);
    return ok;
}

Test(json_scan, escapes_and_surrogates)
{
    char out[64];
    size_t n;
    const char *doc = "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\"";
    cr_assert(decode(doc, strlen(doc), out, &n), "%s", error_of(doc));
    const char want[] = "a\"b\\c/d\b\f\n\r\t\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    cr_assert_eq(n, sizeof want - 1);
    cr_assert_eq(memcmp(out, want, n), 0);

    /* \u0000 decodes to a NUL byte and is flagged */
    struct jscan s;
    const char *z = "\"a\\u0000b\"";
    jscan_init(&s, z, strlen(z));
    cr_assert_eq(jscan_next(&s), JSCAN_STRING);
    cr_assert_eq(s.len, 3);
    cr_assert(s.has_nul);
    jscan_fini(&s);

    /* raw UTF-8 passes through untouched (zero copy) */
    const char *raw = "\"\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80\"";
    cr_assert(decode(raw, strlen(raw), out, &n));
    cr_assert_eq(n, strlen(raw) - 2);

    const char *bad[] = {
        "\"\\ud800\"",        /* lone high surrogate */
        "\"\\udc00\"",        /* lone low surrogate */
        "\"\\ud800\\u0041\"", /* high + non-low */
        "\"\\ud800x\"",       /* high + nothing */
        "\"\\u12\"",          /* short */
        "\"\\u12g4\"",        /* not hex */
        "\"\\x41\"",          /* unknown escape */
        "\"\\'\"",            /* not a JSON escape */
        "\"a\tb\"",           /* raw control character */
        "\"a\nb\"",           /* raw newline */
        "\"\\\"",             /* unterminated after escape */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_not(valid_s(bad[i]), "accepted %s", bad[i]);
    }
    cr_assert(strstr(error_of("\"\\ud800\""), "surrogate") != NULL);
    cr_assert(strstr(error_of("\"\\udc00\""), "surrogate") != NULL);
}

Test(json_scan, utf8_validation)
{
    const char *bad[] = {
        "\"\xC0\x80\"",         /* overlong NUL */
        "\"\xC1\xBF\"",         /* overlong */
        "\"\xE0\x80\xAF\"",     /* overlong 3-byte */
        "\"\xED\xA0\x80\"",     /* UTF-8 encoded surrogate */
        "\"\xF0\x80\x80\xAF\"", /* overlong 4-byte */
        "\"\xF4\x90\x80\x80\"", /* above U+10FFFF */
        "\"\xF5\x80\x80\x80\"", /* invalid lead */
        "\"\x80\"",             /* stray continuation */
        "\"\xC3\"",             /* truncated */
        "\"\xE2\x82\"",         /* truncated */
        "\"\xFF\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_not(valid_s(bad[i]), "accepted bad UTF-8 #%zu", i);
    }
    cr_assert(strstr(error_of("\"\xC0\x80\""), "UTF-8") != NULL);
    cr_assert(valid_s("\"\xEF\xBF\xBF\""));     /* U+FFFF */
    cr_assert(valid_s("\"\xF4\x8F\xBF\xBF\"")); /* U+10FFFF */
    cr_assert(valid_s("\"\xED\x9F\xBF\""));     /* U+D7FF */
    /* bytes >= 0x80 outside strings */
    cr_assert_not(valid_s("[1,\xC3\xA9]"));
}

Test(json_scan, byte_order_mark_and_nul)
{
    cr_assert(valid_s("\xEF\xBB\xBF{}"));
    cr_assert_not(valid("{}\0", 3));
    cr_assert_not(valid("\"a\0b\"", 5));
}

Test(json_scan, depth_cap)
{
    size_t n = JSCAN_MAX_DEPTH;
    char *doc = malloc(2 * n + 2);
    for (size_t i = 0; i < n; i++) {
        doc[i] = '[';
        doc[n + i] = ']';
    }
    cr_assert(valid(doc, 2 * n), "%zu levels refused", n);
    free(doc);

    n = JSCAN_MAX_DEPTH + 1;
    doc = malloc(2 * n + 2);
    for (size_t i = 0; i < n; i++) {
        doc[i] = '[';
        doc[n + i] = ']';
    }
    doc[2 * n] = '\0';
    cr_assert_not(valid(doc, 2 * n));
    cr_assert(strstr(error_of(doc), "nesting deeper") != NULL);
    free(doc);

    /* a megabyte of '[' fails fast and without recursion */
    n = 1 << 20;
    doc = malloc(n + 1);
    memset(doc, '[', n);
    doc[n] = '\0';
    cr_assert_not(valid(doc, n));
    free(doc);
}

Test(json_scan, skip_values)
{
    const char *doc = "{\"skip\": {\"a\": [1, {\"b\": \"\\u00e9\"}, [[]]], \"c\": null}, "
                      "\"keep\": 7, \"s\": \"x\"}";
    struct jscan s;
    jscan_init(&s, doc, strlen(doc));
    cr_assert_eq(jscan_next(&s), JSCAN_OBJECT_BEGIN);
    cr_assert_eq(jscan_next(&s), JSCAN_KEY);
    cr_assert(jscan_skip(&s, jscan_next(&s)));
    cr_assert_eq(jscan_depth(&s), 1);
    cr_assert_eq(jscan_next(&s), JSCAN_KEY);
    cr_assert_eq(s.len, 4);
    cr_assert_eq(jscan_next(&s), JSCAN_NUMBER);
    cr_assert_eq(s.text[0], '7');
    cr_assert_eq(jscan_next(&s), JSCAN_KEY);
    cr_assert(jscan_skip(&s, jscan_next(&s))); /* a scalar: nothing more to skip */
    cr_assert_eq(jscan_next(&s), JSCAN_OBJECT_END);
    cr_assert_eq(jscan_next(&s), JSCAN_END);
    jscan_fini(&s);

    /* skipping still validates */
    const char *bad = "{\"skip\": [1, \"\\q\"], \"keep\": 1}";
    jscan_init(&s, bad, strlen(bad));
    cr_assert_eq(jscan_next(&s), JSCAN_OBJECT_BEGIN);
    cr_assert_eq(jscan_next(&s), JSCAN_KEY);
    cr_assert_not(jscan_skip(&s, jscan_next(&s)));
    jscan_fini(&s);
}

Test(json_scan, init_at_revisits_a_value)
{
    const char *doc = "{\"b\": [1, [2]], \"a\": 0}";
    struct jscan s, sub;
    jscan_init(&s, doc, strlen(doc));
    cr_assert_eq(jscan_next(&s), JSCAN_OBJECT_BEGIN);
    cr_assert_eq(jscan_next(&s), JSCAN_KEY);
    enum jscan_token t = jscan_next(&s);
    size_t off = s.tok_off;
    cr_assert(jscan_skip(&s, t));
    jscan_init_at(&sub, doc, strlen(doc), off);
    cr_assert_eq(jscan_next(&sub), JSCAN_ARRAY_BEGIN);
    cr_assert_eq(jscan_next(&sub), JSCAN_NUMBER);
    cr_assert_eq(jscan_next(&sub), JSCAN_ARRAY_BEGIN);
    cr_assert_eq(jscan_next(&sub), JSCAN_NUMBER);
    cr_assert_eq(jscan_next(&sub), JSCAN_ARRAY_END);
    cr_assert_eq(jscan_next(&sub), JSCAN_ARRAY_END);
    cr_assert_eq(jscan_depth(&sub), 0);
    jscan_fini(&sub);
    jscan_fini(&s);
}

Test(json_scan, error_positions)
{
    const char *e = error_of("{\n  \"a\": 1,\n  \"b\": x\n}");
    cr_assert(strstr(e, "line 3, column 8") != NULL, "%s", e);
    cr_assert(strstr(e, "unexpected character 'x'") != NULL, "%s", e);
    e = error_of("[1, 2");
    cr_assert(strstr(e, "unexpected end of input") != NULL, "%s", e);
    e = error_of("[01]");
    cr_assert(strstr(e, "leading zero") != NULL, "%s", e);
}

Test(json_scan, duplicate_keys_are_reported_as_keys)
{
    /* the scanner does not judge duplicates; readers do */
    cr_assert(valid_s("{\"a\":1,\"a\":2}"));
}
