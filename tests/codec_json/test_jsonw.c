/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/json/jsonw and codec_comment_write: the text written without a
 * tree must be byte for byte what json_dumps(JSON_COMPACT) gives for the
 * Jansson encoder of the same record — on fixed hostile strings (every C0
 * control, quotes, backslashes, slashes, DEL, non-ASCII up to 4-byte
 * sequences, bidi controls) and on seeded random records covering every
 * null / present combination.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "codec/json/jsonw.h"
#include "codec/json/resources.h"

/* json_dumps of a string value alone (a one-element array, brackets cut). */
static char *jansson_str(const char *s)
{
    json_t *a = json_array();
    json_array_append_new(a, s != NULL ? json_string(s) : json_null());
    char *t = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    cr_assert_not_null(t, "Jansson refused %s", s);
    size_t n = strlen(t);
    memmove(t, t + 1, n - 2);
    t[n - 2] = '\0';
    return t;
}

static char *jsonw_str_text(const char *s)
{
    struct jsonw w;
    jsonw_init(&w, 0);
    jsonw_str(&w, s);
    size_t n;
    char *t = jsonw_finish(&w, &n);
    cr_assert_not_null(t);
    cr_assert_eq(n, strlen(t));
    return t;
}

static void same_str(const char *s)
{
    char *want = jansson_str(s);
    char *got = jsonw_str_text(s);
    cr_expect_str_eq(got, want);
    free(want);
    free(got);
}

Test(jsonw, strings_escape_as_jansson_does)
{
    char c0[64];
    size_t k = 0;
    for (int c = 1; c < 0x20; c++) {
        c0[k++] = (char)c;
        c0[k++] = 'x';
    }
    c0[k] = '\0';
    same_str(c0);
    static const char *const cases[] = {
        "",
        "plain",
        "\"quoted\" and \\back\\slashed\\",
        "</script><script>alert(1)</script> / // \\/",
        "javascript:alert(document.cookie)",
        "\x7f del",
        "Ελληνικά, русский, العربية, 日本語, emoji 🗳️ and 𝔘",
        "\xe2\x80\xae bidi override \xe2\x80\xac \xe2\x81\xa6isolate\xe2\x81\xa9",
        "\xe2\x80\xa8 line and paragraph separators \xe2\x80\xa9",
        "tab\there\nnewline\r\n\b\f",
        "ends with a backslash \\",
        "\x1f",
        NULL,
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        same_str(cases[i]);
    }
}

Test(jsonw, integers_booleans_and_growth)
{
    static const int64_t v[] = {0, 1, -1, 9, 10, 123456789, INT64_MAX, INT64_MIN, -42};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        json_t *a = json_pack("[I]", (json_int_t)v[i]);
        char *want = json_dumps(a, JSON_COMPACT);
        json_decref(a);
        struct jsonw w;
        jsonw_init(&w, 0);
        jsonw_lit(&w, "[");
        jsonw_int(&w, v[i]);
        jsonw_lit(&w, "]");
        size_t n;
        char *got = jsonw_finish(&w, &n);
        cr_expect_str_eq(got, want);
        free(got);
        free(want);
    }
    /* Far past the initial capacity, one byte at a time and in bulk. */
    struct jsonw w;
    jsonw_init(&w, 1);
    for (int i = 0; i < 100000; i++) {
        jsonw_bool(&w, i % 2 == 0);
    }
    size_t n;
    char *t = jsonw_finish(&w, &n);
    cr_assert_not_null(t);
    cr_expect_eq(n, 50000 * 4 + 50000 * 5);
    cr_expect_eq(strncmp(t, "truefalsetrue", 13), 0);
    free(t);
}

/* Seeded random text: ASCII with every escape, and UTF-8 of 2-4 bytes. */
static unsigned long long g_seed = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n)
{
    g_seed ^= g_seed << 13;
    g_seed ^= g_seed >> 7;
    g_seed ^= g_seed << 17;
    return (unsigned)(g_seed % n);
}

static char *rnd_text(char *buf, size_t cap)
{
    static const char *const pieces[] = {
        "a",    "Z", " ", "\"",   "\\",           "/", "\n", "\t", "\x01", "\x1f",
        "\x7f", "é", "€", "🗳", "\xe2\x80\xae", "<", "&"};
    size_t n = 0, want = rnd(40);
    for (size_t i = 0; i < want; i++) {
        const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
        size_t l = strlen(p);
        if (n + l + 1 >= cap) {
            break;
        }
        memcpy(buf + n, p, l);
        n += l;
    }
    buf[n] = '\0';
    return buf;
}

static const char *maybe(char *buf, size_t cap)
{
    return rnd(4) == 0 ? NULL : rnd_text(buf, cap);
}

Test(jsonw, comments_are_byte_identical_to_the_jansson_encoder)
{
    for (int round = 0; round < 2000; round++) {
        char b[12][256];
        struct comment_translation_record tr = {
            .id = rnd(1000) + 1,
            .language = maybe(b[0], sizeof b[0]),
            .body = maybe(b[1], sizeof b[1]),
            .source = rnd(2) ? "human" : "machine",
            .reviewed_by = rnd(3) == 0 ? 0 : (int64_t)rnd(100000),
            .reviewed_at = maybe(b[2], sizeof b[2]),
            .of_version = (int)rnd(5) + 1,
            .current_version = (int)rnd(5) + 1,
            .pivot = maybe(b[3], sizeof b[3]),
            .translator = maybe(b[4], sizeof b[4]),
            .translated_by = rnd(3) == 0 ? 0 : (int64_t)rnd(1000000) * 1000003,
            .created_at = "2026-12-03T10:00:00Z",
            .current = 1,
        };
        struct comment_record c = {
            .id = (int64_t)rnd(1u << 30) * 977,
            .proposal_id = (int64_t)rnd(100000) + 1,
            .parent_id = rnd(2) ? 0 : (int64_t)rnd(100000) + 1,
            .depth = (int)rnd(32),
            .author_id = (int64_t)rnd(100000) + 1,
            .author_name = maybe(b[5], sizeof b[5]),
            .author_country = maybe(b[6], sizeof b[6]),
            .status = rnd(3) == 0 ? "hidden" : "visible",
            .body = maybe(b[7], sizeof b[7]),
            .language = maybe(b[8], sizeof b[8]),
            .original_language = maybe(b[9], sizeof b[9]),
            .translation = rnd(2) ? &tr : NULL,
            .hidden_reason = maybe(b[10], sizeof b[10]),
            .hidden_at = maybe(b[11], sizeof b[11]),
            .version = (int)rnd(7) + 1,
            .created_at = "2026-12-03T10:00:00Z",
            .updated_at = rnd(2) ? NULL : "2026-12-03T10:05:00Z",
        };
        json_t *j = codec_comment_json(&c);
        cr_assert_not_null(j);
        char *want = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        struct jsonw w;
        jsonw_init(&w, 16);
        codec_comment_write(&w, &c);
        size_t n;
        char *got = jsonw_finish(&w, &n);
        cr_assert_not_null(got);
        cr_assert_str_eq(got, want, "round %d", round);
        cr_assert_eq(n, strlen(want));
        free(got);
        free(want);
    }
}

/* A required string member (json_pack "s:s" fails on NULL): random text,
 * never NULL. */
static const char *some(char *buf, size_t cap)
{
    return rnd_text(buf, cap);
}

Test(jsonw, proposals_are_byte_identical_to_the_jansson_encoder)
{
    static const char *const langs[] = {"[\"en\"]", "[\"en\", \"es\", \"fr\"]", "[]",
                                        " [ \"ar\" ,\"zh-hant\" ] ", "[\"en\",\"fr\"]"};
    static const char *const allowed[] = {"deliberation", "ballot", "withdrawn"};
    for (int round = 0; round < 2000; round++) {
        char b[14][256];
        struct translation_record tr = {
            .language = some(b[0], sizeof b[0]),
            .of_version = (int64_t)rnd(5) + 1,
            .title = some(b[1], sizeof b[1]),
            .body = maybe(b[2], sizeof b[2]),
            .source = rnd(2) ? "human" : "machine",
            .reviewed_by = rnd(3) == 0 ? 0 : (int64_t)rnd(100000),
            .reviewed_at = maybe(b[3], sizeof b[3]),
            .outdated = rnd(2),
            .pivot = maybe(b[4], sizeof b[4]),
            .translator = maybe(b[5], sizeof b[5]),
            .translated_by = rnd(3) == 0 ? 0 : (int64_t)rnd(1000000) * 1000003,
            .created_at = "2026-12-03T10:00:00Z",
            .current = rnd(2),
        };
        struct proposal_record p = {
            .id = (int64_t)rnd(1u << 30) * 977,
            .assembly_id = (int64_t)rnd(100000) + 1,
            .amends = rnd(2) ? 0 : (int64_t)rnd(100000) + 1,
            .status = rnd(2) ? "deliberation" : "draft",
            .author_id = (int64_t)rnd(100000) + 1,
            .author_name = some(b[6], sizeof b[6]),
            .author_country = some(b[7], sizeof b[7]),
            .version = (int64_t)rnd(9) + 1,
            .title = some(b[8], sizeof b[8]),
            .body = maybe(b[9], sizeof b[9]),
            .language = some(b[10], sizeof b[10]),
            .original_language = some(b[11], sizeof b[11]),
            .translation = rnd(2) ? &tr : NULL,
            .languages_json = rnd(4) == 0 ? NULL : langs[rnd(5)],
            .endorsements = {.count = rnd(1000),
                             .countries = rnd(50),
                             .eligible = rnd(2),
                             .missing_endorsements = rnd(100),
                             .missing_countries = rnd(10),
                             .mine = rnd(2),
                             .rule = rnd(2),
                             .min_endorsements = rnd(500),
                             .min_countries = rnd(20)},
            .versions = (int64_t)rnd(9) + 1,
            .comment_count = (int64_t)rnd(100000),
            .amendment_count = (int64_t)rnd(10),
            .allowed_transitions = allowed,
            .n_allowed = (int)rnd(4),
            .merged_into_version = rnd(3) == 0 ? (int64_t)rnd(5) + 1 : 0,
            .merged_by = rnd(2) ? 0 : (int64_t)rnd(1000) + 1,
            .merged_at = some(b[12], sizeof b[12]),
            .created_at = "2026-12-03T10:00:00Z",
            .updated_at = some(b[13], sizeof b[13]),
        };
        json_t *j = codec_proposal_json(&p);
        cr_assert_not_null(j, "round %d", round);
        char *want = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        struct jsonw w;
        jsonw_init(&w, 16);
        cr_assert(codec_proposal_write(&w, &p), "round %d", round);
        size_t n;
        char *got = jsonw_finish(&w, &n);
        cr_assert_not_null(got);
        cr_assert_str_eq(got, want, "round %d", round);
        cr_assert_eq(n, strlen(want));
        free(got);
        free(want);
    }
}

Test(jsonw, proposals_the_writer_does_not_cover_are_refused)
{
    struct proposal_record p = {.status = "draft",
                                .author_name = "A",
                                .author_country = "FR",
                                .title = "T",
                                .language = "en",
                                .original_language = "en",
                                .created_at = "2026-12-03T10:00:00Z",
                                .updated_at = "2026-12-03T10:00:00Z"};
    static const char *const bad[] = {"[\"e\\u006e\"]", "[1]",        "{}",
                                      "[\"en\",]",      "[\"en\"] x", "[\"en\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p.languages_json = bad[i];
        struct jsonw w;
        jsonw_init(&w, 16);
        cr_assert_not(codec_proposal_write(&w, &p), "%s", bad[i]);
        jsonw_discard(&w);
    }
    p.languages_json = NULL;
    p.rank_text = "0.5";
    struct jsonw w;
    jsonw_init(&w, 16);
    cr_assert_not(codec_proposal_write(&w, &p));
    jsonw_discard(&w);
}
