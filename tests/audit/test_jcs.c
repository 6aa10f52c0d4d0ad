/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * RFC 8785 canonical JSON: the RFC's examples and test data (values,
 * structures, weird, arrays, french), the Appendix B number table, escapes,
 * UTF-16 key order, invalid inputs, and the builder.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "core/audit/jcs.h"

static void expect_canon(const char *in, const char *want)
{
    char *out = NULL;
    size_t len = 0, at = 0;
    int rc = jcs_canonicalize(in, strlen(in), &out, &len, &at);
    cr_assert(rc == AUDIT_OK, "rc=%s at %zu for %s", audit_status_str(rc), at, in);
    cr_assert(len == strlen(want) && memcmp(out, want, len) == 0, "got  %s\nwant %s", out, want);
    cr_assert(out[len] == '\0');
    /* idempotent */
    char *again = NULL;
    size_t alen = 0;
    cr_assert(jcs_canonicalize(out, len, &again, &alen, NULL) == AUDIT_OK);
    cr_assert(alen == len && memcmp(again, out, len) == 0);
    free(again);
    free(out);
}

static void expect_fail_n(const char *in, size_t n, int want)
{
    char *out = (char *)1;
    size_t len;
    int rc = jcs_canonicalize(in, n, &out, &len, NULL);
    cr_assert(rc == want, "input %.*s: got %s want %s", (int)n, in, audit_status_str(rc),
              audit_status_str(want));
    cr_assert(out == NULL);
}

static void expect_fail(const char *in, int want)
{
    expect_fail_n(in, strlen(in), want);
}

/* RFC 8785 §3.2.2 / testdata values.json */
Test(jcs, rfc_values_example)
{
    expect_canon(
        "{\n"
        "  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
        "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
        "  \"literals\": [null, true, false]\n"
        "}",
        "{\"literals\":[null,true,false],"
        "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
        "\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

/* RFC 8785 §3.2.3 sorting example */
Test(jcs, rfc_sorting_example)
{
    expect_canon("{\n"
                 "  \"\\u20ac\": \"Euro Sign\",\n"
                 "  \"\\r\": \"Carriage Return\",\n"
                 "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
                 "  \"1\": \"One\",\n"
                 "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
                 "  \"\\u0080\": \"Control\",\n"
                 "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
                 "}",
                 "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xC2\x80\":\"Control\","
                 "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\","
                 "\"\xE2\x82\xAC\":\"Euro Sign\",\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\","
                 "\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

/* testdata structures.json */
Test(jcs, rfc_testdata_structures)
{
    expect_canon("{\n"
                 "  \"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0},\n"
                 "  \"10\": { },\n"
                 "  \"\": \"empty\",\n"
                 "  \"a\": { },\n"
                 "  \"111\": [ {\"e\": \"yes\",\"E\": \"no\" } ],\n"
                 "  \"A\": { }\n"
                 "}",
                 "{\"\":\"empty\",\"1\":{\"\\n\":56,\"f\":{\"F\":5,\"f\":\"hi\"}},\"10\":{},"
                 "\"111\":[{\"E\":\"no\",\"e\":\"yes\"}],\"A\":{},\"a\":{}}");
}

/* testdata weird.json */
Test(jcs, rfc_testdata_weird)
{
    expect_canon("{\n"
                 "  \"\\u20ac\": \"Euro Sign\",\n"
                 "  \"\\r\": \"Carriage Return\",\n"
                 "  \"\\u000a\": \"Newline\",\n"
                 "  \"1\": \"One\",\n"
                 "  \"\\u0080\": \"Control\\u007f\",\n"
                 "  \"\\ud83d\\ude02\": \"Smiley\",\n"
                 "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\",\n"
                 "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
                 "  \"</script>\": \"Browser Challenge\"\n"
                 "}",
                 "{\"\\n\":\"Newline\",\"\\r\":\"Carriage Return\",\"1\":\"One\","
                 "\"</script>\":\"Browser Challenge\",\"\xC2\x80\":\"Control\x7F\","
                 "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\","
                 "\"\xE2\x82\xAC\":\"Euro Sign\",\"\xF0\x9F\x98\x82\":\"Smiley\","
                 "\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

/* testdata arrays.json and french.json */
Test(jcs, rfc_testdata_arrays_and_french)
{
    expect_canon("[\n  56,\n  {\n    \"d\": true,\n    \"10\": null,\n    \"1\": [ ]\n  }\n]",
                 "[56,{\"1\":[],\"10\":null,\"d\":true}]");
    expect_canon("{\n  \"peach\": \"This sorting order\",\n"
                 "  \"p\\u00e9ch\\u00e9\": \"is wrong according to French\",\n"
                 "  \"p\\u00eache\": \"but canonicalization MUST\",\n"
                 "  \"sin\":   \"ignore locale\"\n}",
                 "{\"peach\":\"This sorting order\","
                 "\"p\xC3\xA9\x63h\xC3\xA9\":\"is wrong according to French\","
                 "\"p\xC3\xAA\x63he\":\"but canonicalization MUST\",\"sin\":\"ignore locale\"}");
}

static double from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* RFC 8785 Appendix B */
Test(jcs, rfc_appendix_b_numbers)
{
    static const struct {
        uint64_t bits;
        const char *want;
    } v[] = {
        {0x0000000000000000, "0"},
        {0x8000000000000000, "0"},
        {0x0000000000000001, "5e-324"},
        {0x8000000000000001, "-5e-324"},
        {0x7fefffffffffffff, "1.7976931348623157e+308"},
        {0xffefffffffffffff, "-1.7976931348623157e+308"},
        {0x4340000000000000, "9007199254740992"},
        {0xc340000000000000, "-9007199254740992"},
        {0x4430000000000000, "295147905179352830000"},
        {0x44b52d02c7e14af5, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6, "1e+23"},
        {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4e, "999999999999999700000"},
        {0x444b1ae4d6e2ef4f, "999999999999999900000"},
        {0x444b1ae4d6e2ef50, "1e+21"},
        {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8d, "0.000001"},
        {0x41b3de4355555553, "333333333.3333332"},
        {0x41b3de4355555554, "333333333.33333325"},
        {0x41b3de4355555555, "333333333.3333333"},
        {0x41b3de4355555556, "333333333.3333334"},
        {0x41b3de4355555557, "333333333.33333343"},
        {0xbecbf647612f3696, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959, "1424953923781206.2"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[JCS_NUMBER_MAX];
        size_t n = jcs_format_double(from_bits(v[i].bits), out);
        cr_assert(n == strlen(v[i].want) && strcmp(out, v[i].want) == 0, "%016llx: %s want %s",
                  (unsigned long long)v[i].bits, out, v[i].want);
        /* and through the parser, from the expected text */
        expect_canon(v[i].want, v[i].want);
    }
    char out[JCS_NUMBER_MAX];
    cr_assert(jcs_format_double(from_bits(0x7fffffffffffffff), out) == 0); /* NaN */
    cr_assert(jcs_format_double(from_bits(0x7ff0000000000000), out) == 0); /* Infinity */
    cr_assert(jcs_format_double(-INFINITY, out) == 0);
}

Test(jcs, number_layout_rules)
{
    expect_canon("[1e21, 1e20, 123e18, 1e-6, 1e-7, 1.5e-7, 0.1, -0, -0.0, 0e5, 1E+2, 10.0, "
                 "9007199254740993, 4.35, 0.30000000000000004, 5e-324, 2.5e-5, 1e-5]",
                 "[1e+21,100000000000000000000,123000000000000000000,0.000001,1e-7,1.5e-7,0.1,0,0,"
                 "0,100,10,9007199254740992,4.35,0.30000000000000004,5e-324,0.000025,0.00001]");
    /* every integer up to 2^53 prints plainly */
    char out[JCS_NUMBER_MAX];
    for (int64_t v = 1; v <= (INT64_C(1) << 53); v = v * 3 + 1) {
        char want[32];
        snprintf(want, sizeof want, "%lld", (long long)v);
        jcs_format_double((double)v, out);
        cr_assert_str_eq(out, want);
        jcs_format_double(-(double)v, out);
        cr_assert(out[0] == '-' && strcmp(out + 1, want) == 0);
    }
    jcs_format_double(9007199254740992.0, out);
    cr_assert_str_eq(out, "9007199254740992");
}

Test(jcs, random_doubles_round_trip_shortest)
{
    srand(7);
    char out[JCS_NUMBER_MAX];
    for (int i = 0; i < 60000; i++) {
        uint64_t bits = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
        double d = from_bits(bits);
        if (!isfinite(d)) {
            continue;
        }
        size_t n = jcs_format_double(d, out);
        cr_assert(n > 0 && n < JCS_NUMBER_MAX);
        cr_assert(strtod(out, NULL) == d || (d == 0 && strtod(out, NULL) == 0), "%s", out);
        /* no representation with fewer significant digits round-trips */
        char e[40];
        int digits = 0;
        for (const char *p = out; *p && *p != 'e'; p++) {
            digits += (*p >= '0' && *p <= '9');
        }
        /* strip leading zeros of 0.000ddd and trailing zeros of dd000 */
        const char *p = out + (out[0] == '-');
        while (*p == '0' || *p == '.') {
            if (*p == '0') {
                digits--;
            }
            p++;
        }
        size_t L = strlen(out);
        for (size_t k = L;
             k > 0 && strchr(out, 'e') == NULL && strchr(out, '.') == NULL && out[k - 1] == '0';
             k--) {
            digits--;
        }
        if (digits > 1) {
            snprintf(e, sizeof e, "%.*e", digits - 2, d);
            cr_assert(strtod(e, NULL) != d, "%s is not shortest (%s)", out, e);
        }
    }
}

Test(jcs, string_escapes_and_controls)
{
    expect_canon("\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u000e\\u001f \\u007f\\u0080\"",
                 "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u000e\\u001f \x7F\xC2\x80\"");
    expect_canon("\"\\/\\\\\\\"'<>&\"", "\"/\\\\\\\"'<>&\"");
    expect_canon("\"\\u00E9\\u00e9\xC3\xA9\"", "\"\xC3\xA9\xC3\xA9\xC3\xA9\"");
    expect_canon("\"\\uD834\\uDD1E\"", "\"\xF0\x9D\x84\x9E\"");
    expect_canon("\"\xE2\x80\xA8\xE2\x80\xA9\xEF\xBB\xBF\"",
                 "\"\xE2\x80\xA8\xE2\x80\xA9\xEF\xBB\xBF\"");
    /* an embedded NUL survives */
    static const char nul[] = "[\"a\\u0000b\"]";
    expect_canon(nul, "[\"a\\u0000b\"]");
    expect_canon("\"\xF4\x8F\xBF\xBF\"", "\"\xF4\x8F\xBF\xBF\"");
}

Test(jcs, keys_sort_by_utf16_code_units)
{
    /* U+1F600 is D83D DE00 in UTF-16 and sorts before U+E000, although its
     * code point is larger. */
    expect_canon("{\"\\ue000\":1,\"\\ud83d\\ude00\":2}",
                 "{\"\xF0\x9F\x98\x80\":2,\"\xEE\x80\x80\":1}");
    expect_canon(
        "{\"\xEE\x80\x80\":1,\"\xF0\x9F\x98\x80\":2,\"\xEF\xBF\xBF\":3,\"\xED\x9F\xBF\":4}",
        "{\"\xED\x9F\xBF\":4,\"\xF0\x9F\x98\x80\":2,\"\xEE\x80\x80\":1,\"\xEF\xBF\xBF\":3}");
    /* prefixes first, byte order of ASCII, case-sensitive */
    expect_canon("{\"ab\":1,\"a\":2,\"B\":3,\"b\":4,\"\":5}",
                 "{\"\":5,\"B\":3,\"a\":2,\"ab\":1,\"b\":4}");
    /* deep and wide */
    expect_canon("{\"z\":{\"y\":[{\"b\":1,\"a\":[{\"d\":0,\"c\":0}]}]},\"a\":null}",
                 "{\"a\":null,\"z\":{\"y\":[{\"a\":[{\"c\":0,\"d\":0}],\"b\":1}]}}");
}

Test(jcs, whitespace_and_scalars)
{
    expect_canon(" \t\r\n[ 1 , true\t,false,null , \"x\" , { } , [ ] ] \n",
                 "[1,true,false,null,\"x\",{},[]]");
    expect_canon("0", "0");
    expect_canon("\"\"", "\"\"");
    expect_canon("-1.0e-0", "-1");
}

Test(jcs, invalid_inputs)
{
    expect_fail("{\"a\":1,\"a\":2}", AUDIT_EDUPKEY);
    expect_fail("{\"a\":1,\"\\u0061\":2}", AUDIT_EDUPKEY);
    expect_fail("{\"b\":{\"x\":1,\"x\":1}}", AUDIT_EDUPKEY);
    expect_fail("\"\xC0\x80\"", AUDIT_EUTF8);         /* overlong NUL */
    expect_fail("\"\xE0\x80\xAF\"", AUDIT_EUTF8);     /* overlong '/' */
    expect_fail("\"\xED\xA0\x80\"", AUDIT_EUTF8);     /* encoded surrogate */
    expect_fail("\"\xF4\x90\x80\x80\"", AUDIT_EUTF8); /* > U+10FFFF */
    expect_fail("\"\xF5\x80\x80\x80\"", AUDIT_EUTF8);
    expect_fail("\"\xC3\"", AUDIT_EUTF8); /* truncated */
    expect_fail("\"\xE2\x82\"", AUDIT_EUTF8);
    expect_fail("\"\x80\"", AUDIT_EUTF8);
    expect_fail("\"\xFF\"", AUDIT_EUTF8);
    expect_fail("\"\\ud800\"", AUDIT_EUTF8);
    expect_fail("\"\\udc00\"", AUDIT_EUTF8);
    expect_fail("\"\\ud800\\u0041\"", AUDIT_EUTF8);
    expect_fail("\"\\ud800\\ud800\"", AUDIT_EUTF8);
    expect_fail("\"\\ude00\\ud83d\"", AUDIT_EUTF8);
    expect_fail("{\"\\udfff\":1}", AUDIT_EUTF8);
    expect_fail("1e400", AUDIT_ENUMBER);
    expect_fail("-1e309", AUDIT_ENUMBER);
    static const char *syntax[] = {
        "",           " ",          "{",
        "}",          "[1,]",       "[,1]",
        "{\"a\":1,}", "{\"a\" 1}",  "{a:1}",
        "{'a':1}",    "01",         "-",
        "1.",         ".5",         "+1",
        "1e",         "1e+",        "0x10",
        "NaN",        "Infinity",   "-Infinity",
        "tru",        "nul",        "[1 2]",
        "{} x",       "{}{}",       "\"abc",
        "\"\\x\"",    "\"\\u12\"",  "\"\\u12g4\"",
        "\"a\tb\"",   "\"a\nb\"",   "\xEF\xBB\xBF{}",
        "[1]]",       "{\"a\":1}}", "\"\\\"",
        "-01",        "1.e5",       "[-]",
        "\x7F",       "[\"a\",]",
    };
    for (size_t i = 0; i < sizeof syntax / sizeof syntax[0]; i++) {
        expect_fail(syntax[i], AUDIT_ESYNTAX);
    }
    expect_fail_n("[1]\0", 4, AUDIT_ESYNTAX);
    expect_fail_n("\"a\0b\"", 5, AUDIT_ESYNTAX);
    char *out;
    size_t len;
    cr_assert(jcs_canonicalize(NULL, 0, &out, &len, NULL) == AUDIT_ESYNTAX);
}

Test(jcs, depth_cap)
{
    char buf[2 * (JCS_MAX_DEPTH + 2) + 1];
    for (int depth = JCS_MAX_DEPTH; depth <= JCS_MAX_DEPTH + 1; depth++) {
        size_t n = 0;
        for (int i = 0; i < depth; i++) {
            buf[n++] = i % 2 ? '[' : '[';
        }
        for (int i = 0; i < depth; i++) {
            buf[n++] = ']';
        }
        buf[n] = '\0';
        char *out = NULL;
        size_t len;
        int rc = jcs_canonicalize(buf, n, &out, &len, NULL);
        cr_assert(rc == (depth <= JCS_MAX_DEPTH ? AUDIT_OK : AUDIT_EDEPTH));
        free(out);
    }
    /* objects count too */
    char obj[8 * (JCS_MAX_DEPTH + 1) + 8];
    size_t n = 0;
    for (int i = 0; i <= JCS_MAX_DEPTH; i++) {
        memcpy(obj + n, "{\"a\":", 5);
        n += 5;
    }
    obj[n++] = '1';
    for (int i = 0; i <= JCS_MAX_DEPTH; i++) {
        obj[n++] = '}';
    }
    expect_fail_n(obj, n, AUDIT_EDEPTH);
    /* hostile: a million '[' fails fast without recursion blow-up */
    size_t big = 1000000;
    char *deep = malloc(big);
    memset(deep, '[', big);
    expect_fail_n(deep, big, AUDIT_EDEPTH);
    free(deep);
}

Test(jcs, error_offset_points_at_problem)
{
    char *out;
    size_t len, at = 0;
    cr_assert(jcs_canonicalize("[1, 2, x]", 9, &out, &len, &at) == AUDIT_ESYNTAX);
    cr_assert(at == 7, "at %zu", at);
}

/* ---- builder --------------------------------------------------------------- */

Test(jcs, builder_writes_audit_entry)
{
    struct jcs_buf b;
    jcs_buf_init(&b);
    jcs_obj_begin(&b);
    jcs_key(&b, "actor");
    jcs_str(&b, "7c1e\"\n");
    jcs_key(&b, "assembly");
    jcs_uint(&b, 42);
    jcs_key(&b, "at");
    jcs_str(&b, "2026-11-28T04:00:00Z");
    jcs_key(&b, "data");
    jcs_obj_begin(&b);
    jcs_key(&b, "country");
    jcs_str(&b, "DE");
    jcs_key(&b, "languages");
    jcs_arr_begin(&b);
    jcs_str(&b, "de");
    jcs_str(&b, "en");
    jcs_arr_end(&b);
    jcs_key(&b, "ok");
    jcs_bool(&b, true);
    jcs_key(&b, "ratio");
    jcs_double(&b, 0.5);
    jcs_key(&b, "x");
    jcs_null(&b);
    jcs_key(&b, "\xC3\xB6");
    jcs_int(&b, -3);
    jcs_obj_end(&b);
    jcs_key(&b, "kind");
    jcs_str(&b, "member.joined");
    jcs_key(&b, "seq");
    jcs_int(&b, 1);
    jcs_obj_end(&b);
    cr_assert(jcs_buf_finish(&b) == AUDIT_OK);
    const char *want = "{\"actor\":\"7c1e\\\"\\n\",\"assembly\":42,\"at\":\"2026-11-28T04:00:00Z\","
                       "\"data\":{\"country\":\"DE\",\"languages\":[\"de\",\"en\"],\"ok\":true,"
                       "\"ratio\":0.5,\"x\":null,\"\xC3\xB6\":-3},\"kind\":\"member.joined\","
                       "\"seq\":1}";
    cr_assert_str_eq(b.data, want);
    cr_assert(b.len == strlen(want));
    /* the builder's output is already canonical */
    expect_canon(b.data, want);
    size_t len;
    char *s = jcs_buf_steal(&b, &len);
    cr_assert(s != NULL && len == strlen(want));
    free(s);
    cr_assert(b.data == NULL);
    jcs_buf_fini(&b);
}

static int build_two_keys(const char *k1, const char *k2)
{
    struct jcs_buf b;
    jcs_buf_init(&b);
    jcs_obj_begin(&b);
    jcs_key(&b, k1);
    jcs_int(&b, 1);
    jcs_key(&b, k2);
    jcs_int(&b, 2);
    jcs_obj_end(&b);
    int rc = jcs_buf_finish(&b);
    jcs_buf_fini(&b);
    return rc;
}

Test(jcs, builder_checks_key_order)
{
    cr_assert(build_two_keys("a", "b") == AUDIT_OK);
    cr_assert(build_two_keys("b", "a") == AUDIT_EORDER);
    cr_assert(build_two_keys("a", "a") == AUDIT_EDUPKEY);
    cr_assert(build_two_keys("a", "ab") == AUDIT_OK);
    cr_assert(build_two_keys("ab", "a") == AUDIT_EORDER);
    cr_assert(build_two_keys("\n", "\r") == AUDIT_OK); /* escaped keys compare unescaped */
    cr_assert(build_two_keys("\r", "\n") == AUDIT_EORDER);
    cr_assert(build_two_keys("\"", "\\") == AUDIT_OK);
    cr_assert(build_two_keys("\x1f", " ") == AUDIT_OK);
    cr_assert(build_two_keys("\xF0\x9F\x98\x80", "\xEE\x80\x80") == AUDIT_OK);
    cr_assert(build_two_keys("\xEE\x80\x80", "\xF0\x9F\x98\x80") == AUDIT_EORDER);
    cr_assert(build_two_keys("a", "\xC3") == AUDIT_EUTF8);
    cr_assert(build_two_keys("seq", "at") == AUDIT_EORDER);
}

Test(jcs, builder_misuse_is_sticky)
{
    struct jcs_buf b;
    jcs_buf_init(&b);
    jcs_obj_begin(&b);
    jcs_int(&b, 1); /* value without key */
    cr_assert(jcs_buf_finish(&b) == AUDIT_ESYNTAX);
    jcs_buf_reset(&b);
    jcs_obj_begin(&b);
    cr_assert(jcs_buf_finish(&b) == AUDIT_ESYNTAX); /* unclosed */
    jcs_buf_reset(&b);
    jcs_arr_begin(&b);
    jcs_obj_end(&b); /* mismatched */
    cr_assert(jcs_buf_finish(&b) == AUDIT_ESYNTAX);
    jcs_buf_reset(&b);
    jcs_int(&b, 1);
    jcs_int(&b, 2); /* two top-level values */
    cr_assert(jcs_buf_finish(&b) == AUDIT_ESYNTAX);
    jcs_buf_reset(&b);
    jcs_arr_begin(&b);
    jcs_int(&b, JCS_MAX_SAFE_INT);
    jcs_int(&b, -JCS_MAX_SAFE_INT);
    jcs_arr_end(&b);
    cr_assert(jcs_buf_finish(&b) == AUDIT_OK);
    cr_assert_str_eq(b.data, "[9007199254740992,-9007199254740992]");
    jcs_buf_reset(&b);
    jcs_arr_begin(&b);
    jcs_int(&b, JCS_MAX_SAFE_INT + 1);
    jcs_str(&b, "ignored after the error");
    jcs_arr_end(&b);
    cr_assert(jcs_buf_finish(&b) == AUDIT_ENUMBER);
    jcs_buf_reset(&b);
    jcs_double(&b, NAN);
    cr_assert(jcs_buf_finish(&b) == AUDIT_ENUMBER);
    jcs_buf_reset(&b);
    jcs_uint(&b, UINT64_MAX);
    cr_assert(jcs_buf_finish(&b) == AUDIT_ENUMBER);
    jcs_buf_reset(&b);
    jcs_str(&b, "\xED\xA0\x80");
    cr_assert(jcs_buf_finish(&b) == AUDIT_EUTF8);
    cr_assert(jcs_buf_steal(&b, NULL) == NULL);
    jcs_buf_reset(&b);
    for (int i = 0; i < JCS_MAX_DEPTH; i++) {
        jcs_arr_begin(&b);
    }
    cr_assert(b.err == AUDIT_OK);
    jcs_arr_begin(&b);
    cr_assert(jcs_buf_finish(&b) == AUDIT_EDEPTH);
    jcs_buf_fini(&b);
}

/* Found by fuzz_jcs: a container refused at JCS_MAX_DEPTH after its comma
 * had grown the buffer left the builder pointing at the freed block, and
 * the next value wrote into it (heap-use-after-free under ASan). The fill
 * below brings the text to 255 bytes so that comma is what grows the
 * first 256-byte block. */
Test(jcs, depth_refusal_after_comma_growth_keeps_the_buffer)
{
    struct jcs_buf b;
    jcs_buf_init(&b);
    for (int i = 0; i < JCS_MAX_DEPTH; i++) {
        jcs_arr_begin(&b);
    }
    jcs_int(&b, 0);
    while (b.len < 240) {
        jcs_int(&b, 0); /* ",0" */
    }
    size_t pad = 255 - b.len - 3; /* ,"…" */
    char s[32];
    memset(s, 'a', pad);
    jcs_strn(&b, s, pad);
    cr_assert_eq(b.len, 255);
    cr_assert_eq(b.cap, 256);
    jcs_arr_begin(&b); /* the comma grows the buffer, then depth refuses */
    cr_assert_eq(b.err, AUDIT_EDEPTH);
    jcs_null(&b); /* ignored, and must not touch freed memory */
    cr_assert(jcs_buf_finish(&b) == AUDIT_EDEPTH);
    cr_assert_eq(b.data[b.len], '\0');
    jcs_buf_fini(&b);
}

Test(jcs, builder_embeds_json_canonically)
{
    struct jcs_buf b;
    jcs_buf_init(&b);
    jcs_obj_begin(&b);
    jcs_key(&b, "data");
    static const char data[] = "{ \"title\": \"Caf\\u00e9\", \"b\": [1.0, 2e0], \"a\": {} }";
    jcs_json(&b, data, strlen(data));
    jcs_key(&b, "kind");
    jcs_str(&b, "assembly.created");
    jcs_obj_end(&b);
    cr_assert(jcs_buf_finish(&b) == AUDIT_OK);
    cr_assert_str_eq(b.data, "{\"data\":{\"a\":{},\"b\":[1,2],\"title\":\"Caf\xC3\xA9\"},"
                             "\"kind\":\"assembly.created\"}");
    jcs_buf_reset(&b);
    jcs_arr_begin(&b);
    jcs_json(&b, "{\"a\":1,\"a\":2}", 13);
    cr_assert(jcs_buf_finish(&b) == AUDIT_EDUPKEY);
    /* integers a double would round are refused when embedding */
    static const struct {
        const char *json;
        int rc;
    } ints[] = {
        {"{\"id\":9007199254740992}", AUDIT_OK},      {"{\"id\":-9007199254740992}", AUDIT_OK},
        {"{\"id\":9007199254740993}", AUDIT_ENUMBER}, {"[-9007199254740993]", AUDIT_ENUMBER},
        {"[99999999999999999999999]", AUDIT_ENUMBER}, {"[1e300, 9007199254740993.0]", AUDIT_OK},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        jcs_buf_reset(&b);
        jcs_json(&b, ints[i].json, strlen(ints[i].json));
        cr_assert(jcs_buf_finish(&b) == ints[i].rc, "%s", ints[i].json);
    }
    /* while the RFC canonicaliser itself rounds, as RFC 8785 specifies */
    expect_canon("[9007199254740993]", "[9007199254740992]");
    jcs_buf_fini(&b);
}

/* ---- mutation robustness ------------------------------------------------------ */

Test(jcs, random_mutations_never_crash_and_stay_idempotent)
{
    static const char *const seeds[] = {
        ("{\"numbers\":[333333333.33333329,1E30,4.50,2e-3,1e-27],\"string\":\"\\u20ac$\\u000F\","
         "\"literals\":[null,true,false]}"),
        "{\"\\ud83d\\ude00\":{\"a\":[1,{\"b\":\"\xC3\xB6\"}],\"\\ue000\":-0.0},\"x\":\"\\/\"}",
        "[56,{\"d\":true,\"10\":null,\"1\":[]},\"\xF0\x9F\x98\x80\",-1.5e-7]",
    };
    static const char interesting[] = "{}[]\",:\\u0e-+.9 \x80\xC3\xED\xF0";
    srand(1234);
    char buf[512];
    unsigned ok = 0;
    for (unsigned iter = 0; iter < 30000; iter++) {
        const char *seed = seeds[iter % 3];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        unsigned edits = 1 + (unsigned)rand() % 3;
        for (unsigned e = 0; e < edits && n > 1; e++) {
            size_t at = (size_t)rand() % n;
            switch (rand() % 4) {
            case 0: /* replace with an interesting byte */
                buf[at] = interesting[(size_t)rand() % (sizeof interesting - 1)];
                break;
            case 1: /* random byte */
                buf[at] = (char)(rand() & 0xFF);
                break;
            case 2: /* delete */
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            default: /* duplicate a byte */
                if (n + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, n - at);
                    n++;
                }
                break;
            }
        }
        char *out = NULL;
        size_t len = 0;
        if (jcs_canonicalize(buf, n, &out, &len, NULL) != AUDIT_OK) {
            cr_assert(out == NULL);
            continue;
        }
        ok++;
        char *again = NULL;
        size_t alen = 0;
        cr_assert(jcs_canonicalize(out, len, &again, &alen, NULL) == AUDIT_OK, "%s", out);
        cr_assert(alen == len && memcmp(again, out, len) == 0);
        free(again);
        free(out);
    }
    cr_assert(ok > 100, "only %u mutants parsed", ok);
}
