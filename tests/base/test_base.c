/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/base: strict UTF-8, hex, base64 (RFC 4648 test vectors, both
 * alphabets, padded or not, canonical spelling only) and RFC 3339, with
 * round-trip properties over many inputs.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "core/base/base.h"

static size_t count(const char *s)
{
    return base_utf8_count(s, strlen(s));
}

Test(utf8, counts_scalar_values)
{
    cr_expect_eq(count(""), 0);
    cr_expect_eq(count("abc"), 3);
    cr_expect_eq(count("\xC3\xA9t\xC3\xA9"), 3); /* été */
    cr_expect_eq(count("\xE2\x82\xAC"), 1);      /* € */
    cr_expect_eq(count("\xF0\x9F\x98\x80"), 1);  /* U+1F600 */
    cr_expect_eq(count("\xF4\x8F\xBF\xBF"), 1);  /* U+10FFFF */
    cr_expect_eq(base_utf8_count("a\0b", 3), 3); /* NUL is a scalar value */
}

Test(utf8, rejects_ill_formed)
{
    const char *bad[] = {
        "\xC0\xAF",         /* overlong '/' */
        "\xC1\xBF",         /* overlong */
        "\xE0\x80\xAF",     /* overlong 3-byte */
        "\xF0\x80\x80\xAF", /* overlong 4-byte */
        "\xED\xA0\x80",     /* U+D800 surrogate */
        "\xED\xBF\xBF",     /* U+DFFF surrogate */
        "\xF4\x90\x80\x80", /* U+110000 */
        "\xF5\x80\x80\x80", /* lead above F4 */
        "\x80",             /* stray continuation */
        "\xC3",             /* truncated */
        "\xE2\x82",         /* truncated */
        "\xF0\x9F\x98",     /* truncated */
        "\xE2\x28\xA1",     /* bad continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect(!base_utf8_valid(bad[i], strlen(bad[i])), "case %zu accepted", i);
        cr_expect_eq(count(bad[i]), (size_t)-1, "case %zu counted", i);
    }
    size_t i = 0;
    cr_expect_eq(base_utf8_next("\xC3", 1, &i), -1);
    cr_expect_eq(i, 0, "a failed decode does not advance");
}

Test(utf8, put_then_next_round_trips_every_scalar_value)
{
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        char buf[4];
        size_t n = base_utf8_put(cp, buf);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            cr_assert_eq(n, 0, "surrogate %x encoded", cp);
            continue;
        }
        size_t i = 0;
        cr_assert_eq(base_utf8_next(buf, n, &i), (int32_t)cp, "cp %x", cp);
        cr_assert_eq(i, n);
    }
    char buf[4];
    cr_expect_eq(base_utf8_put(0x110000, buf), 0);
}

Test(utf8, cut_never_splits_a_sequence)
{
    const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"; /* a é € 😀: 1+2+3+4 bytes */
    size_t want[] = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10};
    for (size_t len = 0; len <= 10; len++) {
        cr_expect_eq(base_utf8_cut(s, len), want[len], "len %zu", len);
    }
}

Test(hex, encodes_lower_decodes_either_case)
{
    const uint8_t in[] = {0x00, 0x01, 0xAB, 0xFF, 0x7F};
    char out[11];
    base_hex_encode(in, sizeof in, out);
    cr_expect_str_eq(out, "0001abff7f");
    uint8_t back[5];
    cr_expect_eq(base_hex_decode("0001ABff7F", 10, back, 5), 0);
    cr_expect_eq(memcmp(back, in, 5), 0);
    cr_expect_eq(base_hex_decode("0001abff7", 9, back, 5), -1, "odd length");
    cr_expect_eq(base_hex_decode("0001abfg7f", 10, back, 5), -1, "not a digit");
    cr_expect_eq(base_hex_decode(" 001abff7f", 10, back, 5), -1, "space");
    cr_expect_eq(base_hex_digit('x'), -1);
}

/* RFC 4648 §10 test vectors. */
Test(base64, rfc4648_vectors)
{
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *std[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    const char *nopad[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char out[16];
        size_t n = strlen(in[i]);
        cr_expect_eq(base64_encode((const uint8_t *)in[i], n, out, BASE64_STD), strlen(std[i]));
        cr_expect_str_eq(out, std[i]);
        cr_expect_eq(base64_encoded_len(n, BASE64_STD), strlen(std[i]));
        base64_encode((const uint8_t *)in[i], n, out, BASE64_URL_NOPAD);
        cr_expect_str_eq(out, nopad[i]);
        cr_expect_eq(base64_encoded_len(n, BASE64_URL_NOPAD), strlen(nopad[i]));
        uint8_t back[8];
        size_t got;
        cr_expect_eq(base64_decode(std[i], strlen(std[i]), back, sizeof back, &got, BASE64_STD), 0);
        cr_expect_eq(got, n);
        cr_expect_eq(memcmp(back, in[i], n), 0);
        cr_expect_eq(base64_decoded_len(nopad[i], strlen(nopad[i]), BASE64_STD_NOPAD), (int64_t)n);
    }
}

Test(base64, alphabets_differ)
{
    const uint8_t in[] = {0xFB, 0xFF, 0xBF};
    char out[8];
    base64_encode(in, 3, out, BASE64_STD);
    cr_expect_str_eq(out, "+/+/");
    base64_encode(in, 3, out, BASE64_URL);
    cr_expect_str_eq(out, "-_-_");
    uint8_t back[3];
    size_t got;
    cr_expect_eq(base64_decode("-_-_", 4, back, 3, &got, BASE64_STD), -1);
    cr_expect_eq(base64_decode("+/+/", 4, back, 3, &got, BASE64_URL), -1);
    cr_expect_eq(base64_decode("-_-_", 4, back, 3, &got, BASE64_URL), 0);
    cr_expect_eq(memcmp(back, in, 3), 0);
}

Test(base64, only_the_canonical_spelling)
{
    uint8_t out[8];
    size_t got;
    const char *bad_std[] = {
        "Zg=", "Zg", "Zh==", "Zm9=", "Z===", "Zg==Zg==", "Zm 9v", "Zm9v\n", "=Zm9"};
    for (size_t i = 0; i < sizeof bad_std / sizeof bad_std[0]; i++) {
        cr_expect_eq(
            base64_decode(bad_std[i], strlen(bad_std[i]), out, sizeof out, &got, BASE64_STD), -1,
            "%s accepted", bad_std[i]);
    }
    cr_expect_eq(base64_decode("Zg==", 4, out, sizeof out, &got, BASE64_STD_NOPAD), -1);
    cr_expect_eq(base64_decode("Zh", 2, out, sizeof out, &got, BASE64_URL_NOPAD), -1);
    cr_expect_eq(base64_decode("Zm9vY", 5, out, sizeof out, &got, BASE64_URL_NOPAD), -1);
    cr_expect_eq(base64_decode("Zm9vYmFy", 8, out, 5, &got, BASE64_STD), -2, "no room");
    cr_expect_eq(base64_decode("Zm9vYmF!", 8, out, 5, &got, BASE64_STD), -1,
                 "malformed before no room");
}

Test(base64, round_trips_every_length)
{
    uint8_t in[70], back[70];
    for (size_t i = 0; i < sizeof in; i++) {
        in[i] = (uint8_t)(i * 37 + 11);
    }
    enum base64_variant vs[] = {BASE64_STD, BASE64_STD_NOPAD, BASE64_URL, BASE64_URL_NOPAD};
    for (size_t v = 0; v < 4; v++) {
        for (size_t n = 0; n <= sizeof in; n++) {
            char enc[100];
            size_t len = base64_encode(in, n, enc, vs[v]);
            cr_assert_eq(len, base64_encoded_len(n, vs[v]));
            size_t got;
            cr_assert_eq(base64_decode(enc, len, back, sizeof back, &got, vs[v]), 0, "%s", enc);
            cr_assert_eq(got, n);
            cr_assert_eq(memcmp(back, in, n), 0);
        }
    }
}

Test(rfc3339, formats_utc)
{
    char out[BASE_RFC3339_MAX];
    cr_expect_eq(base_rfc3339_format(0, -1, out), 20);
    cr_expect_str_eq(out, "1970-01-01T00:00:00Z");
    base_rfc3339_format(951782400, -1, out); /* leap day of a year divisible by 400 */
    cr_expect_str_eq(out, "2000-02-29T00:00:00Z");
    base_rfc3339_format(1796083200 + 3661, 123456, out);
    cr_expect_str_eq(out, "2026-12-01T01:01:01.123456Z");
    base_rfc3339_format(-1, -1, out);
    cr_expect_str_eq(out, "1969-12-31T23:59:59Z");
    base_rfc3339_format(253402300799, -1, out);
    cr_expect_str_eq(out, "9999-12-31T23:59:59Z");
    cr_expect_eq(base_rfc3339_format(253402300800, -1, out), 0, "year 10000");
}

Test(rfc3339, parses_strictly)
{
    int64_t t;
    cr_expect_eq(base_rfc3339_parse("2026-12-01T00:00:00Z", 20, &t), 0);
    cr_expect_eq(t, 1796083200);
    const char *same[] = {"2026-12-01t00:00:00z", "2026-12-01T01:30:00+01:30",
                          "2026-11-30T22:00:00.999-02:00", "2026-12-01T00:00:00.5Z"};
    for (size_t i = 0; i < 4; i++) {
        cr_expect_eq(base_rfc3339_parse(same[i], strlen(same[i]), &t), 0, "%s", same[i]);
        cr_expect_eq(t, 1796083200, "%s", same[i]);
    }
    cr_expect_eq(base_rfc3339_parse("2016-12-31T23:59:60Z", 20, &t), 0, "leap second");
    cr_expect_eq(t, 1483228799);
    const char *bad[] = {
        "2026-12-01 00:00:00Z",     "2026-12-01T00:00:00",      "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z",     "1900-02-29T00:00:00Z",     "2026-04-31T00:00:00Z",
        "2026-12-01T24:00:00Z",     "2026-12-01T00:60:00Z",     "2026-12-01T00:00:61Z",
        "2026-12-01T00:00:00.Z",    "2026-12-01T00:00:00+1:00", "2026-12-01T00:00:00+24:00",
        "2026-12-01T00:00:00Zjunk", "26-12-01T00:00:00Z",       "2026-12-01T00:00:00+01:00x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(base_rfc3339_parse(bad[i], strlen(bad[i]), &t), -1, "%s accepted", bad[i]);
    }
    cr_expect_eq(base_rfc3339_parse("2000-02-29T00:00:00Z", 20, &t), 0, "2000 is a leap year");
}

Test(rfc3339, format_then_parse_round_trips)
{
    char out[BASE_RFC3339_MAX];
    for (int64_t t = -86400LL * 800; t < 253402300800LL; t += 86400LL * 97 + 3607) {
        size_t n = base_rfc3339_format(t, -1, out);
        cr_assert_gt(n, 0, "%lld", (long long)t);
        int64_t back;
        cr_assert_eq(base_rfc3339_parse(out, n, &back), 0, "%s", out);
        cr_assert_eq(back, t, "%s", out);
    }
}

Test(rfc3339, civil_days_agree_both_ways)
{
    for (int64_t d = -1000000; d <= 3000000; d += 7) {
        int64_t y;
        unsigned m, dd;
        base_civil_from_days(d, &y, &m, &dd);
        cr_assert_eq(base_days_from_civil(y, m, dd), d);
    }
}

/* UTF-16 code-unit order (RFC 8785 key order, tie-break order): it differs
 * from code point order only where U+E000..U+FFFF meets a supplementary
 * character. */
Test(utf8, utf16_order)
{
    cr_expect_lt(base_utf16_cmp_cp(0x10000, 0xFFFF), 0, "D800 DC00 sorts before FFFF");
    cr_expect_lt(base_utf16_cmp_cp(0x1F600, 0xE000), 0);
    cr_expect_gt(base_utf16_cmp_cp(0xE000, 0xD7FF), 0);
    cr_expect_lt(base_utf16_cmp_cp(0x10000, 0x10001), 0);
    cr_expect_eq(base_utf16_cmp_cp(0x41, 0x41), 0);
    /* "\u{FFFF}" vs "\u{10000}" and prefixes. */
    cr_expect_gt(base_utf16_cmp("\xEF\xBF\xBF", 3, "\xF0\x90\x80\x80", 4), 0);
    cr_expect_lt(base_utf16_cmp("ab", 2, "abc", 3), 0, "a prefix comes first");
    cr_expect_gt(base_utf16_cmp("abc", 3, "ab", 2), 0);
    cr_expect_eq(base_utf16_cmp("", 0, "", 0), 0);
    cr_expect_lt(base_utf16_cmp("a\xC3\xA9", 3, "a\xE2\x82\xAC", 4), 0, "U+00E9 < U+20AC");
    /* RFC 8785 §3.2.3's example keys, in their documented order. */
    const char *keys[] = {"\r",          "1", "\xC3\xB6", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                          "\xEF\xAC\xB3"};
    for (size_t i = 0; i + 1 < sizeof keys / sizeof keys[0]; i++) {
        cr_expect_lt(base_utf16_cmp(keys[i], strlen(keys[i]), keys[i + 1], strlen(keys[i + 1])), 0,
                     "key %zu", i);
    }
}

/* --- IP networks and X-Forwarded-For (netaddr.c) -------------------------- */

static const char *client(const char *trusted, const char *peer, const char *const *xff, size_t n)
{
    static char out[BASE_IP_TEXT_MAX];
    struct base_netlist l;
    cr_assert_eq(base_netlist_parse(trusted, &l), 0, "%s", trusted);
    base_forwarded_client(&l, peer, xff, n, out);
    return out;
}

Test(netaddr, parses_networks_and_refuses_malformed_ones)
{
    struct base_netlist l;
    cr_assert_eq(base_netlist_parse("", &l), 0);
    cr_assert_eq(l.n, 0);
    cr_assert_eq(base_netlist_parse(NULL, &l), 0);
    cr_assert_eq(base_netlist_parse("127.0.0.1, 10.0.0.0/8 ::1,fd00::/8", &l), 0);
    cr_assert_eq(l.n, 4);
    cr_assert_eq(l.net[0].bits, 128);
    cr_assert_eq(l.net[1].bits, 96 + 8);
    cr_assert_eq(l.net[3].bits, 8);
    const char *bad[] = {"10.0.0.0/33", "::/129",    "10.0.0.0/",  "10.0.0.0/x", "10.0.0.0/0008",
                         "300.1.1.1",   "localhost", "1.2.3.4,,x", "[::1]",      "1.2.3.4:80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(base_netlist_parse(bad[i], &l), -1, "%s", bad[i]);
    char many[33 * 12] = "";
    for (int i = 0; i < 33; i++)
        strcat(many, "10.0.0.1,");
    cr_assert_eq(base_netlist_parse(many, &l), -1, "33 items");
}

Test(netaddr, prefixes_match_bit_by_bit_in_both_families)
{
    struct base_netlist l;
    cr_assert_eq(base_netlist_parse("10.1.2.128/25, 2001:db8::/33, 0.0.0.0/0", &l), 0);
    uint8_t ip[16];
    struct base_netlist one = {.n = 1, .net = {l.net[0]}};
    cr_assert(base_ip_parse("10.1.2.200", 10, ip) && base_netlist_contains(&one, ip));
    cr_assert(base_ip_parse("10.1.2.127", 10, ip) && !base_netlist_contains(&one, ip));
    struct base_netlist six = {.n = 1, .net = {l.net[1]}};
    cr_assert(base_ip_parse("2001:db8:7fff::1", 16, ip) && base_netlist_contains(&six, ip));
    cr_assert(base_ip_parse("2001:db8:8000::1", 16, ip) && !base_netlist_contains(&six, ip));
    /* 0.0.0.0/0 is every IPv4 address, and no IPv6 one. */
    struct base_netlist all4 = {.n = 1, .net = {l.net[2]}};
    cr_assert(base_ip_parse("203.0.113.9", 11, ip) && base_netlist_contains(&all4, ip));
    cr_assert(base_ip_parse("::1", 3, ip) && !base_netlist_contains(&all4, ip));
}

Test(netaddr, the_client_is_the_rightmost_untrusted_hop)
{
    const char *one[] = {"203.0.113.7"};
    /* No trusted proxy: the header is ignored, whatever it says. */
    cr_assert_str_eq(client("", "127.0.0.1", one, 1), "127.0.0.1");
    /* From the trusted proxy: its word is taken. */
    cr_assert_str_eq(client("127.0.0.1", "127.0.0.1", one, 1), "203.0.113.7");
    /* From anyone else: ignored (a client forging the header directly). */
    cr_assert_str_eq(client("127.0.0.1", "198.51.100.2", one, 1), "198.51.100.2");
    /* A forged left part is never reached: the proxy appended the real one. */
    const char *forged[] = {"1.1.1.1, 203.0.113.7"};
    cr_assert_str_eq(client("127.0.0.1", "127.0.0.1", forged, 1), "203.0.113.7");
    /* HAProxy adds its own header line after the client's: lines are read
     * last first, so the forged line is not believed either. */
    const char *lines[] = {"1.1.1.1", "203.0.113.7"};
    cr_assert_str_eq(client("127.0.0.1", "127.0.0.1", lines, 2), "203.0.113.7");
    /* A chain of trusted proxies is walked through. */
    const char *chain[] = {"203.0.113.7, 10.0.0.5 ,10.0.0.6"};
    cr_assert_str_eq(client("127.0.0.1 10.0.0.0/8", "127.0.0.1", chain, 1), "203.0.113.7");
    /* Every hop trusted: the leftmost is as far as we can go. */
    const char *inner[] = {"10.0.0.5"};
    cr_assert_str_eq(client("127.0.0.1 10.0.0.0/8", "127.0.0.1", inner, 1), "10.0.0.5");
    /* Garbage from a trusted hop stops the walk at that hop. */
    const char *junk[] = {"203.0.113.7, unknown"};
    cr_assert_str_eq(client("127.0.0.1", "127.0.0.1", junk, 1), "127.0.0.1");
    /* Empty elements are skipped; IPv6 comes out canonical. */
    const char *v6[] = {"2001:DB8:0:0::7, ,"};
    cr_assert_str_eq(client("::1", "::1", v6, 1), "2001:db8::7");
    /* No header at all. */
    cr_assert_str_eq(client("127.0.0.1", "127.0.0.1", NULL, 0), "127.0.0.1");
}

Test(netaddr, a_long_header_is_walked_only_so_far)
{
    static char big[100 * 12 + 32];
    strcpy(big, "203.0.113.7");
    for (int i = 0; i < 100; i++)
        strcat(big, ", 10.0.0.1");
    const char *h[] = {big};
    /* 100 trusted hops: the walk gives up after 64 and stays on a trusted
     * proxy's address rather than reaching (and believing) the far end. */
    cr_assert_str_eq(client("127.0.0.1 10.0.0.0/8", "127.0.0.1", h, 1), "10.0.0.1");
}
