/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Unit tests for core/validate: every validator at its edges.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "validate.h"
#include "validate_int.h"

#define S(lit) lit, sizeof(lit) - 1

/* ---- UTF-8 ---- */

Test(utf8, accepts_well_formed)
{
    cr_assert(validate_utf8(S("")));
    cr_assert(validate_utf8(S("plain ascii")));
    cr_assert(validate_utf8(S("\xC2\x80")));         /* U+0080 lowest 2-byte */
    cr_assert(validate_utf8(S("\xDF\xBF")));         /* U+07FF */
    cr_assert(validate_utf8(S("\xE0\xA0\x80")));     /* U+0800 lowest 3-byte */
    cr_assert(validate_utf8(S("\xED\x9F\xBF")));     /* U+D7FF below surrogates */
    cr_assert(validate_utf8(S("\xEE\x80\x80")));     /* U+E000 above surrogates */
    cr_assert(validate_utf8(S("\xEF\xBF\xBF")));     /* U+FFFF */
    cr_assert(validate_utf8(S("\xF0\x90\x80\x80"))); /* U+10000 */
    cr_assert(validate_utf8(S("\xF4\x8F\xBF\xBF"))); /* U+10FFFF */
    cr_assert(validate_utf8(S("Ἀθῆναι نعم 日本")));
}

Test(utf8, rejects_overlongs)
{
    cr_assert_not(validate_utf8(S("\xC0\x80")));         /* NUL, 2 bytes */
    cr_assert_not(validate_utf8(S("\xC1\xBF")));         /* U+007F, 2 bytes */
    cr_assert_not(validate_utf8(S("\xE0\x9F\xBF")));     /* U+07FF, 3 bytes */
    cr_assert_not(validate_utf8(S("\xE0\x80\xAF")));     /* '/', 3 bytes */
    cr_assert_not(validate_utf8(S("\xF0\x8F\xBF\xBF"))); /* U+FFFF, 4 bytes */
}

Test(utf8, rejects_surrogates_and_out_of_range)
{
    cr_assert_not(validate_utf8(S("\xED\xA0\x80"))); /* U+D800 */
    cr_assert_not(validate_utf8(S("\xED\xBF\xBF"))); /* U+DFFF */
    cr_assert_not(validate_utf8(S("\xED\xA0\xBD\xED\xB8\x80")));
    cr_assert_not(validate_utf8(S("\xF4\x90\x80\x80"))); /* U+110000 */
    cr_assert_not(validate_utf8(S("\xF5\x80\x80\x80")));
    cr_assert_not(validate_utf8(S("\xF8\x88\x80\x80\x80")));
    cr_assert_not(validate_utf8(S("\xFF")));
    cr_assert_not(validate_utf8(S("\xFE")));
}

Test(utf8, rejects_truncated_and_stray)
{
    cr_assert_not(validate_utf8(S("\x80")));
    cr_assert_not(validate_utf8(S("a\xBF")));
    cr_assert_not(validate_utf8(S("\xC3")));
    cr_assert_not(validate_utf8(S("\xE2\x82")));
    cr_assert_not(validate_utf8(S("\xF0\x9F\x98")));
    cr_assert_not(validate_utf8(S("\xC3\x28")));
    cr_assert_not(validate_utf8(S("\xE2\x28\xA1")));
    /* A truncated sequence at the very end must not read past len. */
    const char buf[] = "\xE2\x82\xAC";
    cr_assert_not(validate_utf8(buf, 2));
}

Test(text, controls_rejected)
{
    cr_assert_eq(validate_text_length(S("abc")), 3);
    cr_assert_eq(validate_text_length(S("")), 0);
    cr_assert_eq(validate_text_length(S("\xC3\xA9t\xC3\xA9")), 3);
    cr_assert_eq(validate_text_length(S("a\x00"
                                        "b")),
                 (size_t)-1); /* NUL */
    cr_assert_eq(validate_text_length(S("a\tb")), (size_t)-1);
    cr_assert_eq(validate_text_length(S("a\nb")), (size_t)-1);
    cr_assert_eq(validate_text_length(S("\x1F")), (size_t)-1);
    cr_assert_eq(validate_text_length(S("\x7F")), (size_t)-1);     /* DEL */
    cr_assert_eq(validate_text_length(S("\xC2\x80")), (size_t)-1); /* C1 first */
    cr_assert_eq(validate_text_length(S("\xC2\x9F")), (size_t)-1); /* C1 last */
    cr_assert_eq(validate_text_length(S("\xC2\xA0")), 1);          /* NBSP is fine */
    cr_assert_eq(validate_text_length(S(" ~")), 2);
    cr_assert_eq(validate_text_length(S("\xC0\x80")), (size_t)-1); /* not UTF-8 */
}

Test(display_name, bounds)
{
    cr_assert_not(validate_display_name(S("")));
    cr_assert(validate_display_name(S("A")));
    char buf[81 * 3];
    memset(buf, 'a', 80);
    cr_assert(validate_display_name(buf, 80));
    memset(buf, 'a', 81);
    cr_assert_not(validate_display_name(buf, 81));
    /* 80 three-byte characters (240 bytes) are fine: the limit is code points. */
    for (int i = 0; i < 81; i++) {
        memcpy(buf + 3 * i, "\xE6\x97\xA5", 3);
    }
    cr_assert(validate_display_name(buf, 240));
    cr_assert_not(validate_display_name(buf, 243));
    cr_assert_not(validate_display_name(S("Ann\x1B[31m")));
    cr_assert_not(validate_display_name(S("Ann\xC2\x85")));
    cr_assert_not(validate_display_name(S("\xFF")));
    cr_assert(validate_display_name(S("Zoë Ó Súilleabháin")));
}

/* ---- e-mail ---- */

static bool email(const char *in, char *out)
{
    return validate_email(in, strlen(in), out, 300);
}

Test(email, accepts_and_lowercases)
{
    char out[300];
    cr_assert(email("Alice.Smith+tag@Example.ORG", out));
    cr_assert_str_eq(out, "alice.smith+tag@example.org");
    cr_assert(email("a@b.co", out));
    cr_assert(email("x@sub.domain-with-hyphen.example", out));
    cr_assert(email("o'brien@xn--bcher-kva.example", out));
    cr_assert(email("{weird}!#$%&*=?^_`|~@example.com", out));
    cr_assert(email("jos\xC3\xA9@example.com", out)); /* RFC 6531 local part */
    cr_assert_str_eq(out, "jos\xC3\xA9@example.com");
    cr_assert(email("1@2.example", out));
}

Test(email, rejects_bad_shapes)
{
    char out[300];
    const char *bad[] = {
        "",
        "plain",
        "@example.com",
        "user@",
        "two@@example.com",
        "a@b@example.com",
        ".lead@example.com",
        "trail.@example.com",
        "dou..ble@example.com",
        "sp ace@example.com",
        "\"quoted\"@example.com",
        "user@localhost",
        "user@-bad.com",
        "user@bad-.com",
        "user@.example.com",
        "user@example.com.",
        "user@exa..mple.com",
        "user@exa_mple.com",
        "user@[127.0.0.1]",
        "user@127.0.0.1",
        "us(er)@example.com",
        "user@ex\xC3\xA4mple.com",
        "jos\xC3@example.com",
        "ctl\xC2\x85@example.com",
        "tab\t@example.com",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_not(email(bad[i], out), "accepted %s", bad[i]);
    }
    cr_assert_not(validate_email(S("a\0b@example.com"), out, sizeof out));
}

Test(email, length_edges)
{
    char in[400], out[400];
    /* local part 64 ok, 65 not */
    memset(in, 'a', 64);
    strcpy(in + 64, "@example.com");
    cr_assert(validate_email(in, strlen(in), out, sizeof out));
    memset(in, 'a', 65);
    strcpy(in + 65, "@example.com");
    cr_assert_not(validate_email(in, strlen(in), out, sizeof out));
    /* label 63 ok, 64 not */
    strcpy(in, "u@");
    memset(in + 2, 'b', 63);
    strcpy(in + 65, ".com");
    cr_assert(validate_email(in, strlen(in), out, sizeof out));
    strcpy(in, "u@");
    memset(in + 2, 'b', 64);
    strcpy(in + 66, ".com");
    cr_assert_not(validate_email(in, strlen(in), out, sizeof out));
    /* total 254 ok, 255 not: 64 + '@' + 63 + '.' + 63 + '.' + 61 = 254 */
    memset(in, 'a', 64);
    in[64] = '@';
    memset(in + 65, 'c', 63);
    in[128] = '.';
    memset(in + 129, 'c', 63);
    in[192] = '.';
    memset(in + 193, 'c', 61);
    in[254] = '\0';
    cr_assert(validate_email(in, 254, out, sizeof out), "%s", in);
    in[254] = 'd';
    in[255] = '\0';
    cr_assert_not(validate_email(in, 255, out, sizeof out));
    /* out too small */
    cr_assert_not(validate_email(S("a@b.co"), out, 6));
    cr_assert(validate_email(S("a@b.co"), out, 7));
}

/* ---- ISO 3166-1 ---- */

Test(country, table_is_sorted_and_real)
{
    cr_assert_geq(validate_iso3166_count, 249);
    for (size_t i = 1; i < validate_iso3166_count; i++) {
        cr_assert_lt(strcmp(validate_iso3166_codes[i - 1], validate_iso3166_codes[i]), 0);
    }
}

Test(country, known_and_unknown)
{
    char up[3];
    const char *good[] = {"FR", "DE", "US", "GB", "CN", "IN", "BR", "ZA",
                          "AD", "ZW", "SS", "PS", "TW", "XK" /* absent from ISO; see below */};
    for (size_t i = 0; i + 1 < sizeof good / sizeof good[0]; i++) {
        cr_expect(validate_country(good[i], 2, up), "%s", good[i]);
    }
    cr_assert(validate_country("fr", 2, up));
    cr_assert_str_eq(up, "FR");
    cr_assert(validate_country("Fr", 2, NULL));
    const char *bad[] = {"XX",  "ZZ", "XK", "UK", "EU",       "AA", "QM",
                         "ZA1", "F",  "",   "F1", "\xC3\x89", "1A", "  "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_not(validate_country(bad[i], strlen(bad[i]), up), "accepted '%s'", bad[i]);
    }
}

/* ---- BCP 47 ---- */

static bool tag(const char *s)
{
    return validate_language_tag(s, strlen(s));
}

Test(bcp47, well_formed)
{
    const char *good[] = {
        "en",
        "fr",
        "ar",
        "zh-Hant",
        "zh-Hant-TW",
        "sr-Latn-RS",
        "es-419",
        "de-CH-1901",
        "sl-rozaj-biske",
        "de-DE-u-co-phonebk",
        "en-US-x-twain",
        "x-whatever",
        "X-a-b-c",
        "zh-yue-HK",
        "zh-cmn-Hans-CN",
        "ar-aao-abc-def",
        "hy-Latn-IT-arevela",
        "en-a-bbb-x-a-ccc",
        "qaa-Qaaa-QM-x-southern",
        "i-klingon",
        "I-KLINGON",
        "zh-min-nan",
        "en-GB-oed",
        "art-lojban",
        "sgn-BE-FR",
        "EN-us",
        "tlh",
        "abcde",
        "abcdefgh",
        "en-1994",
        "en-a-aa-b-bb",
        "en-x-1",
        "de-419-1996",
        "en-Latn-US-basiceng-a-xx",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cr_expect(tag(good[i]), "rejected %s", good[i]);
    }
}

Test(bcp47, malformed)
{
    const char *bad[] = {
        "",
        "e",
        "abcdefghi",
        "en-",
        "-en",
        "en--US",
        "en_US",
        "e1",
        "123",
        "en-US-",
        "de-419-DE",         /* two regions */
        "a-DE",              /* one-letter language */
        "ar-a-aaa-b-bbb-a-", /* trailing dash */
        "en-a",              /* singleton without body */
        "en-a-b",            /* extension subtag too short */
        "en-x",              /* private use without body */
        "x",
        "en-x-abcdefghi",     /* private subtag too long */
        "en-abc-def-ghi-jkl", /* four extlangs */
        "abcd-abc",           /* extlang after 4-letter language */
        "en-Latn-Latn",       /* script twice */
        "en-US-US",           /* region twice */
        "en-12a",             /* neither variant nor region */
        "i-notreal",
        "en US",
        "en-\xC3\xA9",
        "fr-FR-abcdefghi",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_not(tag(bad[i]), "accepted %s", bad[i]);
    }
    cr_assert(tag("en-123a")); /* DIGIT 3alphanum is a variant */
    cr_assert_not(validate_language_tag(S("en\0")));
}

Test(bcp47, length_cap)
{
    /* "en" + "-abcdefgh" * 6 = 56 bytes, variants: well-formed. */
    char t[128] = "en";
    for (int i = 0; i < 6; i++) {
        strcat(t, "-abcdefgh");
    }
    cr_assert(tag(t));
    strcat(t, "-abcdefgh"); /* 65 bytes */
    cr_assert_eq(strlen(t), 65);
    cr_assert_not(tag(t));
}

/* ---- passwords ---- */

Test(password, length_and_common)
{
    cr_assert_eq(validate_password(S("123456789")), VALIDATE_PASSWORD_TOO_SHORT);
    cr_assert_eq(validate_password(S("correct horse")), VALIDATE_PASSWORD_OK);
    cr_assert_eq(validate_password(S("abcdefghij")), VALIDATE_PASSWORD_OK);
    cr_assert_eq(validate_password(S("1234567890")), VALIDATE_PASSWORD_COMMON);
    cr_assert_eq(validate_password(S("PASSWORD12")), VALIDATE_PASSWORD_OK); /* not listed */
    cr_assert_eq(validate_password(S("\xE6\x97\xA5\xE6\x97\xA5\xE6\x97\xA5")),
                 VALIDATE_PASSWORD_TOO_SHORT); /* 9 bytes but 3 code points */
    char buf[2048];
    memset(buf, 'k', 257);
    cr_assert_eq(validate_password(buf, 256), VALIDATE_PASSWORD_OK);
    cr_assert_eq(validate_password(buf, 257), VALIDATE_PASSWORD_TOO_LONG);
    memset(buf, 'k', sizeof buf);
    cr_assert_eq(validate_password(buf, sizeof buf), VALIDATE_PASSWORD_TOO_LONG);
    /* 256 four-byte characters = 1024 bytes is still 256 code points */
    for (int i = 0; i < 256; i++) {
        memcpy(buf + 4 * i, "\xF0\x9F\x98\x80", 4);
    }
    cr_assert_eq(validate_password(buf, 1024), VALIDATE_PASSWORD_OK);
    cr_assert_eq(validate_password(S("ten chars\x01")), VALIDATE_PASSWORD_BAD_TEXT);
    cr_assert_eq(validate_password(S("ten chars\xC0\x80")), VALIDATE_PASSWORD_BAD_TEXT);
}

Test(password, common_list_case_insensitive)
{
    cr_assert_geq(validate_common_password_count, 2800);
    for (size_t i = 1; i < validate_common_password_count; i++) {
        cr_assert_lt(strcmp(validate_common_passwords[i - 1], validate_common_passwords[i]), 0);
    }
    cr_assert(validate_password_is_common(S("password")));
    cr_assert(validate_password_is_common(S("PassWord")));
    cr_assert(validate_password_is_common(S("123456")));
    cr_assert_not(validate_password_is_common(S("passwor")));
    cr_assert_not(validate_password_is_common(S("password0x")));
    cr_assert_not(validate_password_is_common(S("")));
    /* every listed entry is found, in upper case too */
    for (size_t i = 0; i < validate_common_password_count; i++) {
        const char *w = validate_common_passwords[i];
        char up[128];
        size_t n = strlen(w);
        cr_assert_lt(n, sizeof up);
        for (size_t k = 0; k <= n; k++) {
            up[k] = (char)(w[k] >= 'a' && w[k] <= 'z' ? w[k] - 32 : w[k]);
        }
        cr_assert(validate_password_is_common(up, n), "%s", w);
    }
    /* a listed entry of 10+ characters is refused as a new password */
    cr_assert_eq(validate_password(S("1234567890")), VALIDATE_PASSWORD_COMMON);
    cr_assert_eq(validate_password(S("Qwertyuiop")), VALIDATE_PASSWORD_COMMON);
}

/* --- titles: a visible character, balanced bidi controls ------------------ */

static enum validate_title_result title(const char *s)
{
    return validate_title(s, strlen(s));
}

Test(title, visible_text_passes)
{
    cr_expect_eq(title("Assembly"), VALIDATE_TITLE_OK);
    cr_expect_eq(title("  x  "), VALIDATE_TITLE_OK);
    cr_expect_eq(title("\xD8\xA7\xD9\x84\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85"), VALIDATE_TITLE_OK);
    cr_expect_eq(title("\xE2\x80\x8F"
                       "abc"),
                 VALIDATE_TITLE_OK, "an RLM needs no closer");
    cr_expect_eq(title("\xE2\x80\xAB"
                       "abc"
                       "\xE2\x80\xAC"),
                 VALIDATE_TITLE_OK, "RLE … PDF");
    cr_expect_eq(title("\xE2\x81\xA8"
                       "a"
                       "\xE2\x80\xAD"
                       "b"
                       "\xE2\x80\xAC"
                       "\xE2\x81\xA9"),
                 VALIDATE_TITLE_OK, "FSI LRO PDF PDI nests");
    cr_expect_eq(title("\xF0\x9F\x97\xB3"), VALIDATE_TITLE_OK, "a lone emoji is visible");
}

Test(title, only_invisible_characters_fail)
{
    const char *invisible[] = {
        "",
        " ",
        "\t",
        "\xC2\xA0",                  /* U+00A0 no-break space */
        "\xC2\xAD",                  /* U+00AD soft hyphen */
        "\xE2\x80\x8B",              /* U+200B zero width space */
        "\xE2\x80\x8C\xE2\x80\x8D",  /* ZWNJ ZWJ */
        "\xE2\x80\x8E\xE2\x80\x8F",  /* LRM RLM */
        "\xE2\x81\xA0",              /* U+2060 word joiner */
        "\xE2\x81\xA4",              /* U+2064 invisible plus */
        "\xEF\xBB\xBF",              /* U+FEFF */
        "\xE3\x80\x80",              /* U+3000 ideographic space */
        "\xE3\x85\xA4",              /* U+3164 hangul filler */
        "\xE2\xA0\x80",              /* U+2800 braille blank */
        "\xEF\xB8\x8F",              /* U+FE0F variation selector */
        "\xF3\xA0\x80\x81",          /* U+E0001 language tag */
        "\xE1\x85\x9F",              /* U+115F hangul choseong filler */
        "\xE2\x80\xAB\xE2\x80\xAC",  /* RLE PDF, balanced but empty */
        "\xE2\x81\xA6 \xE2\x81\xA9", /* LRI space PDI */
    };
    for (size_t i = 0; i < sizeof invisible / sizeof invisible[0]; i++) {
        cr_expect_eq(title(invisible[i]), VALIDATE_TITLE_NO_VISIBLE, "case %zu", i);
    }
    /* The range ends: the characters just outside are visible. */
    cr_expect(validate_is_invisible(0x200B));
    cr_expect(validate_is_invisible(0x200F));
    cr_expect(!validate_is_invisible(0x2010), "U+2010 hyphen");
    cr_expect(validate_is_invisible(0x2060));
    cr_expect(validate_is_invisible(0x2064));
    cr_expect(!validate_is_invisible(0x2070), "U+2070 superscript zero");
    cr_expect(!validate_is_invisible(0x205E));
    cr_expect(!validate_is_invisible(0xFEFE));
    cr_expect(!validate_is_invisible(0xFF00 + 0x21), "fullwidth A");
    cr_expect(!validate_is_invisible(0x1F600));
    cr_expect(!validate_is_invisible(0xE1000));
}

Test(title, unbalanced_bidi_fails)
{
    const char *bad[] = {
        "abc\xE2\x80\xAE", /* RLO never closed */
        "\xE2\x80\xAA"
        "abc",             /* LRE never closed */
        "abc\xE2\x80\xAC", /* PDF without opener */
        "abc\xE2\x81\xA9", /* PDI without opener */
        "\xE2\x81\xA7"
        "abc", /* RLI never closed */
        "\xE2\x81\xA7"
        "abc\xE2\x80\xAC", /* RLI closed by PDF */
        "\xE2\x80\xAB"
        "abc\xE2\x81\xA9", /* RLE closed by PDI */
        "\xE2\x81\xA6\xE2\x80\xAA"
        "a\xE2\x81\xA9\xE2\x80\xAC", /* crossed */
        "\xE2\x80\xAE",              /* only an RLO: bidi is reported first */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(title(bad[i]), VALIDATE_TITLE_UNBALANCED_BIDI, "case %zu", i);
    }
}

Test(title, nesting_is_capped_at_125)
{
    char buf[4 * 3 * 126 + 8];
    for (int depth = 125; depth <= 126; depth++) {
        size_t n = 0;
        for (int i = 0; i < depth; i++) {
            memcpy(buf + n, "\xE2\x81\xA6", 3); /* LRI */
            n += 3;
        }
        buf[n++] = 'x';
        for (int i = 0; i < depth; i++) {
            memcpy(buf + n, "\xE2\x81\xA9", 3); /* PDI */
            n += 3;
        }
        cr_expect_eq(validate_title(buf, n),
                     depth == 125 ? VALIDATE_TITLE_OK : VALIDATE_TITLE_UNBALANCED_BIDI, "depth %d",
                     depth);
    }
}

Test(title, ill_formed_utf8_is_bad_text)
{
    cr_expect_eq(validate_title("a\xC3", 2), VALIDATE_TITLE_BAD_TEXT);
}

/* --- the address throttles' key ----------------------------------------------- */

static void expect_key(const char *addr, const char *want)
{
    char out[VALIDATE_THROTTLE_KEY_MAX];
    validate_throttle_key(addr, out);
    cr_expect_str_eq(out, want, "%s", addr);
}

Test(throttle_key, ipv6_counts_by_its_64)
{
    expect_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64");
    expect_key("2001:db8:1:2::1", "2001:db8:1:2::/64");
    expect_key("2001:0db8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64");
    expect_key("2001:db8:1:3::1", "2001:db8:1:3::/64");
    expect_key("::1", "::/64");
    expect_key("fe80::1", "fe80::/64");
}

Test(throttle_key, ipv4_and_mapped_ipv4_count_alone)
{
    expect_key("192.0.2.7", "192.0.2.7");
    expect_key("::ffff:192.0.2.7", "192.0.2.7");
    expect_key("unknown", "unknown");
    expect_key("", "");
    char long_addr[200];
    memset(long_addr, 'x', sizeof long_addr - 1);
    long_addr[sizeof long_addr - 1] = '\0';
    char out[VALIDATE_THROTTLE_KEY_MAX];
    validate_throttle_key(long_addr, out);
    cr_expect_eq(strlen(out), VALIDATE_THROTTLE_KEY_MAX - 1);
}
