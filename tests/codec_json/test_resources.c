/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/json: each resource encoder gives the members api-spec/openapi.yaml
 * names, with nulls and omissions where the spec says, and never more.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "codec/json/resources.h"

static void expect_keys(json_t *j, const char *const *keys, size_t n)
{
    cr_assert(json_is_object(j));
    cr_expect_eq(json_object_size(j), n, "%zu members", json_object_size(j));
    for (size_t i = 0; i < n; i++) {
        cr_expect(json_object_get(j, keys[i]) != NULL, "missing %s", keys[i]);
    }
}

Test(codec_json, account_never_has_a_hash_and_parses_languages)
{
    struct account_record a = {.id = 7,
                               .email = "ada@example.org",
                               .display_name = "Ada",
                               .country = "GB",
                               .languages_json = "[\"en\",\"fr-CA\"]",
                               .created_at = "2026-12-01T00:00:00Z"};
    json_t *j = codec_account_json(&a);
    static const char *const keys[] = {"id",      "email",     "display_name",
                                       "country", "languages", "created_at"};
    expect_keys(j, keys, 6);
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(j, "languages"), 1)),
                     "fr-CA");
    json_decref(j);
    a.languages_json = "{\"en\":1}";
    cr_expect_null(codec_account_json(&a), "languages must be an array");
    a.languages_json = NULL;
    cr_expect_null(codec_account_json(&a));
}

Test(codec_json, assembly_standing_is_null_for_non_members)
{
    struct assembly_record x = {.id = 1,
                                .title = "T",
                                .description = "",
                                .visibility = "public",
                                .join_policy = "open",
                                .default_language = "en",
                                .created_by = 2,
                                .created_at = "2026-12-01T00:00:00Z",
                                .updated_at = "2026-12-01T00:00:00Z"};
    json_t *j = codec_assembly_json(&x);
    static const char *const keys[] = {
        "id",         "title",      "description", "visibility", "join_policy", "default_language",
        "created_by", "created_at", "updated_at",  "my_role",    "my_status"};
    expect_keys(j, keys, 11);
    cr_expect(json_is_null(json_object_get(j, "my_role")));
    json_decref(j);
    x.my_role = "convener";
    x.my_status = "active";
    j = codec_assembly_json(&x);
    cr_expect_str_eq(json_string_value(json_object_get(j, "my_role")), "convener");
    json_decref(j);
}

Test(codec_json, composition_counts_by_key)
{
    struct count_record c[] = {{"DE", 3}, {"FR", 2}};
    struct count_record r[] = {{"member", 5}};
    struct composition_record comp = {
        .by_country = c, .n_country = 2, .by_role = r, .n_role = 1, .active_members = 5};
    json_t *j = codec_composition_json(&comp);
    cr_expect_eq(json_integer_value(json_object_get(j, "countries")), 2);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "by_country"), "FR")), 2);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "by_role"), "member")), 5);
    json_decref(j);
}

Test(codec_json, membership_and_member_say_null_for_what_is_unknown)
{
    struct membership_record m = {
        .assembly_id = 1, .account_id = 2, .role = "member", .status = "active"};
    json_t *j = codec_membership_json(&m);
    cr_expect(json_is_null(json_object_get(j, "joined_at")), "joined_at null when unknown");
    json_decref(j);
    m.joined_at = "2026-12-01T00:00:00Z";
    j = codec_membership_json(&m);
    cr_expect_eq(json_object_size(j), 5);
    json_decref(j);
    struct member_record mm = {.account_id = 2,
                               .role = "member",
                               .status = "left",
                               .joined_at = "2026-12-01T00:00:00Z",
                               .updated_at = "2026-12-02T00:00:00Z"};
    j = codec_member_json(&mm);
    cr_expect_eq(json_object_size(j), 7);
    cr_expect(json_is_null(json_object_get(j, "display_name")), "null when not known");
    cr_expect(json_is_null(json_object_get(j, "country")));
    json_decref(j);
}

Test(codec_json, created_invitation_shows_its_code)
{
    struct invitation_record inv = {.id = 9,
                                    .assembly_id = 1,
                                    .code = "abc",
                                    .role = "member",
                                    .max_uses = 1,
                                    .expires_at = "2026-12-08T00:00:00Z",
                                    .created_at = "2026-12-01T00:00:00Z",
                                    .accept_path = "/api/v1/invitations/abc/accept"};
    json_t *j = codec_invitation_created_json(&inv);
    static const char *const keys[] = {"id",         "code",       "assembly_id",
                                       "role",       "max_uses",   "uses",
                                       "expires_at", "created_at", "accept_path"};
    expect_keys(j, keys, 9);
    json_decref(j);
}

Test(codec_json, listed_invitation_names_its_author_and_never_its_code)
{
    struct invitation_record inv = {.id = 9,
                                    .assembly_id = 1,
                                    .code = "abc",
                                    .role = "observer",
                                    .max_uses = 3,
                                    .uses = 1,
                                    .expires_at = "2026-12-08T00:00:00Z",
                                    .created_at = "2026-12-01T00:00:00Z",
                                    .created_by = 7,
                                    .creator_name = "Ada",
                                    .status = "revoked"};
    json_t *j = codec_invitation_listed_json(&inv);
    static const char *const keys[] = {"id",         "role",       "max_uses",   "uses",
                                       "expires_at", "created_at", "created_by", "status"};
    expect_keys(j, keys, 8);
    json_t *by = json_object_get(j, "created_by");
    cr_expect_eq(json_integer_value(json_object_get(by, "account_id")), 7);
    cr_expect_str_eq(json_string_value(json_object_get(by, "display_name")), "Ada");
    cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "revoked");
    json_decref(j);
}

Test(codec_json, invitation_preview_says_where_who_and_what)
{
    struct invitation_record inv = {.id = 9,
                                    .assembly_id = 4,
                                    .role = "member",
                                    .max_uses = 3,
                                    .uses = 1,
                                    .expires_at = "2026-12-08T00:00:00Z",
                                    .created_at = "2026-12-01T00:00:00Z",
                                    .created_by = 7,
                                    .creator_name = "Ada",
                                    .assembly_title = "North Sea Forum",
                                    .status = "valid",
                                    .uses_left = 2};
    json_t *j = codec_invitation_preview_json(&inv);
    static const char *const keys[] = {"assembly",   "invited_by", "role",
                                       "expires_at", "uses_left",  "status"};
    expect_keys(j, keys, 6);
    json_t *a = json_object_get(j, "assembly");
    cr_expect_eq(json_integer_value(json_object_get(a, "id")), 4);
    cr_expect_str_eq(json_string_value(json_object_get(a, "title")), "North Sea Forum");
    cr_expect_eq(json_object_size(json_object_get(j, "invited_by")), 1, "only the display name");
    cr_expect_eq(json_integer_value(json_object_get(j, "uses_left")), 2);
    json_decref(j);
}

/* --- comments (issue 10) --------------------------------------------------------- */

Test(codec_json, comment_says_null_for_a_root_without_text_or_translation)
{
    struct comment_record c = {.id = 9,
                               .proposal_id = 3,
                               .depth = 0,
                               .author_id = 7,
                               .author_name = "Ada",
                               .author_country = "GB",
                               .status = "deleted",
                               .language = "en",
                               .original_language = "en",
                               .version = 1,
                               .created_at = "2026-12-01T00:00:00Z",
                               .updated_at = "2026-12-01T00:00:00Z"};
    json_t *j = codec_comment_json(&c);
    static const char *const keys[] = {
        "id",     "proposal_id", "parent_id",         "depth",       "author",        "status",
        "body",   "language",    "original_language", "translation", "hidden_reason", "hidden_at",
        "edited", "version",     "created_at",        "updated_at"};
    expect_keys(j, keys, 16);
    cr_expect(json_is_null(json_object_get(j, "parent_id")));
    cr_expect(json_is_null(json_object_get(j, "body")));
    cr_expect(json_is_null(json_object_get(j, "translation")));
    cr_expect(json_is_false(json_object_get(j, "edited")));
    cr_expect_eq(json_object_size(json_object_get(j, "author")), 3);
    json_decref(j);
}

Test(codec_json, comment_translation_label_says_source_review_and_age)
{
    struct comment_translation_record t = {.id = 5,
                                           .language = "fr",
                                           .body = "Bonjour",
                                           .source = "machine",
                                           .of_version = 1,
                                           .current_version = 2,
                                           .translator = "apertium",
                                           .pivot = "es",
                                           .created_at = "2026-12-01T00:00:00Z",
                                           .current = 1};
    struct comment_record c = {.id = 9,
                               .proposal_id = 3,
                               .parent_id = 8,
                               .depth = 1,
                               .author_id = 7,
                               .author_name = "Ada",
                               .author_country = "GB",
                               .status = "visible",
                               .body = "Bonjour",
                               .language = "fr",
                               .original_language = "en",
                               .translation = &t,
                               .version = 2,
                               .created_at = "2026-12-01T00:00:00Z",
                               .updated_at = "2026-12-01T00:05:00Z"};
    json_t *j = codec_comment_json(&c);
    cr_assert_not_null(j);
    cr_expect_eq(json_integer_value(json_object_get(j, "parent_id")), 8);
    cr_expect(json_is_true(json_object_get(j, "edited")));
    json_t *l = json_object_get(j, "translation");
    static const char *const keys[] = {"source",      "reviewed",   "reviewed_by",
                                       "reviewed_at", "outdated",   "of_version",
                                       "pivot",       "translator", "translated_by"};
    expect_keys(l, keys, 9);
    cr_expect_str_eq(json_string_value(json_object_get(l, "source")), "machine");
    cr_expect(json_is_false(json_object_get(l, "reviewed")));
    cr_expect(json_is_true(json_object_get(l, "outdated")), "of version 1, the comment is at 2");
    cr_expect_str_eq(json_string_value(json_object_get(l, "pivot")), "es");
    cr_expect(json_is_null(json_object_get(l, "translated_by")));
    json_decref(j);
    json_t *full = codec_comment_translation_json(&t);
    cr_expect_eq(json_object_size(full), 14);
    cr_expect(json_is_true(json_object_get(full, "current")));
    json_decref(full);
}
