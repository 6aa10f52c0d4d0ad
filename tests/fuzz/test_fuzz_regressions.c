/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Unit tests for what the fuzz targets found (each also has its input in
 * the target's corpus, replayed by ctest).
 *
 * fuzz_decode, tests/fuzz/corpus-decode/02_crash_advancement_key_cut_utf8:
 * a field path made from a member name cut at a byte budget
 * ("advancement/%.100s", "labels/%.60s") ended inside a UTF-8 sequence;
 * json_string refused it and the field error went out without "field".
 */
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "api/api.h"
#include "api/api_proposals.h"

Test(fuzz_regressions, field_error_keeps_whole_characters)
{
    json_t *errs = json_array();
    api_field_error_params(errs, "labels/ab\xc3", "unknown", NULL, "m");
    api_field_error_params(errs, "labels/\xe2\x82", "unknown", NULL, "m");
    api_field_error_params(errs, "labels/\xc3\xa9", "unknown", NULL, "m");
    cr_assert_eq(json_array_size(errs), 3);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(errs, 0), "field")),
                     "labels/ab");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(errs, 1), "field")),
                     "labels/");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(errs, 2), "field")),
                     "labels/\xc3\xa9");
    json_decref(errs);
}

Test(fuzz_regressions, advancement_long_unknown_member_has_a_field)
{
    char key[128];
    memset(key, 'a', 99);
    memcpy(key + 99, "\xc3\xa9", 3); /* é straddles byte 100, NUL included */
    json_t *adv = json_pack("{s:i}", key, 1);
    cr_assert_not_null(adv);
    json_t *errs = json_array();
    struct api_advancement a;
    memset(&a, 0, sizeof a);
    cr_assert_eq(api_advancement_decode(adv, &a, errs), -1);
    const char *field = NULL;
    for (size_t i = 0; i < json_array_size(errs); i++) {
        json_t *e = json_array_get(errs, i);
        if (strcmp(json_string_value(json_object_get(e, "code")), "unknown") == 0) {
            field = json_string_value(json_object_get(e, "field"));
        }
    }
    cr_assert_not_null(field, "the unknown member's error has no field");
    cr_expect_eq(strncmp(field, "advancement/aaaa", 16), 0, "%s", field);
    cr_expect_eq(strlen(field), strlen("advancement/") + 99, "%s", field);
    json_decref(errs);
    json_decref(adv);
}
