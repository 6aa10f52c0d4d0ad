/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_accounts.c — POST /api/v1/accounts over real HTTP: the success
 * shape, every 422 rule with its field list, 400 for wrong shapes, 409 on
 * a duplicate (any case), exactly one 201 among 50 concurrent attempts,
 * and the Origin check.
 */
#include <pthread.h>

#include "account_util.h"

#define TYPE_VALIDATION "https://pnyx.dev/problems/validation"

/* POSTs body (stolen) and returns the response. */
static struct h_resp *post_reg(json_t *body)
{
    struct h_resp *r = h_post_json(h_shared(), "/api/v1/accounts", body, NULL);
    json_decref(body);
    cr_assert(r != NULL);
    return r;
}

/* True when the problem's field list has {field, code}. */
static bool has_field(const struct h_resp *r, const char *field, const char *code)
{
    json_t *fields = r->json ? json_object_get(r->json, "fields") : NULL;
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f)
    {
        const char *fn = json_string_value(json_object_get(f, "field"));
        const char *fc = json_string_value(json_object_get(f, "code"));
        if (fn && fc && strcmp(fn, field) == 0 && strcmp(fc, code) == 0)
            return true;
    }
    return false;
}

/* A valid body with one member replaced (value stolen; NULL removes it). */
static void expect_422(const char *member, json_t *value, const char *field, const char *code)
{
    char *email = unique_email();
    json_t *b = reg_body(email);
    free(email);
    if (value)
        json_object_set_new(b, member, value);
    else
        json_object_del(b, member);
    struct h_resp *r = post_reg(b);
    cr_expect_eq(r->status, 422, "%s/%s: %ld %s", field, code, r->status, r->body);
    cr_expect_str_eq(problem_type(r->json), TYPE_VALIDATION);
    cr_expect(has_field(r, field, code), "%s/%s missing in %s", field, code, r->body);
    h_resp_free(r);
}

Test(accounts, register_success_shape)
{
    char *email = unique_email();
    char upper[256];
    snprintf(upper, sizeof upper, "%s", email);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
    json_t *b = reg_body(upper);
    json_object_set_new(b, "country", json_string("fr"));
    struct h_resp *r = post_reg(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert(json_integer_value(json_object_get(r->json, "id")) > 0);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "email")), email);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "display_name")), "Ada Lovelace");
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "country")), "FR");
    json_t *langs = json_object_get(r->json, "languages");
    cr_assert_eq(json_array_size(langs), 2);
    cr_assert_str_eq(json_string_value(json_array_get(langs, 0)), "en-GB");
    const char *created = json_string_value(json_object_get(r->json, "created_at"));
    cr_assert(created && strlen(created) == 20 && created[10] == 'T' && created[19] == 'Z',
              "created_at %s", created ? created : "(null)");
    cr_assert_null(json_object_get(r->json, "password"));
    cr_assert_null(json_object_get(r->json, "password_hash"));
    cr_assert_eq(json_object_size(r->json), 6, "%s", r->body);
    h_resp_free(r);
    /* The database has an argon2id hash, never the password. */
    char *hash = sql_value("SELECT password_hash FROM accounts WHERE email = $1", email);
    cr_assert(hash && strncmp(hash, "$argon2id$v=19$", 15) == 0);
    cr_assert_null(strstr(hash, "a fine long passphrase"));
    free(hash);
    free(email);
}

Test(accounts, unicode_display_name_and_email_limits)
{
    /* 80 code points of 3 bytes each are fine. */
    char name[80 * 3 + 2] = "";
    for (int i = 0; i < 80; i++)
        strcat(name, "\xE6\x97\xA5");
    char *email = unique_email();
    json_t *b = reg_body(email);
    json_object_set_new(b, "display_name", json_string(name));
    struct h_resp *r = post_reg(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    h_resp_free(r);
    free(email);
    strcat(name, "x");
    expect_422("display_name", json_string(name), "display_name", "too_long");
}

Test(accounts, each_rule_gives_422_with_its_field)
{
    expect_422("email", NULL, "email", "required");
    expect_422("email", json_string("no-at-sign.example.org"), "email", "format");
    expect_422("email", json_string("two@@example.org"), "email", "format");
    expect_422("email", json_string("a@localhost"), "email", "format");
    char longmail[300];
    memset(longmail, 'a', 250);
    strcpy(longmail + 250, "@example.org");
    expect_422("email", json_string(longmail), "email", "too_long");
    expect_422("password", NULL, "password", "required");
    expect_422("password", json_string("short pw!"), "password", "too_short");
    char longpw[300];
    memset(longpw, 'x', 257);
    longpw[257] = '\0';
    expect_422("password", json_string(longpw), "password", "too_long");
    expect_422("password", json_string("1234567890"), "password", "too_common");
    expect_422("password", json_string("QWERTYUIOP"), "password", "too_common");
    expect_422("password", json_string("ten chars \a"), "password", "control_characters");
    expect_422("display_name", NULL, "display_name", "required");
    expect_422("display_name", json_string(""), "display_name", "too_short");
    expect_422("display_name", json_string("Ada\nLovelace"), "display_name", "control_characters");
    expect_422("display_name", json_string("Ada\xC2\x85"), "display_name", "control_characters");
    expect_422("display_name", json_string("Ada\x7F"), "display_name", "control_characters");
    expect_422("country", NULL, "country", "required");
    expect_422("country", json_string("XX"), "country", "format");
    expect_422("country", json_string("ZZ"), "country", "format");
    expect_422("country", json_string("UK"), "country", "format");
    expect_422("country", json_string("FRA"), "country", "format");
    expect_422("languages", NULL, "languages", "required");
    expect_422("languages", json_array(), "languages", "too_few");
    json_t *many = json_array();
    const char *tags[] = {"en", "fr", "de", "es", "it", "pt", "nl", "sv", "fi", "da", "pl"};
    for (int i = 0; i < 11; i++)
        json_array_append_new(many, json_string(tags[i]));
    expect_422("languages", many, "languages", "too_many");
    expect_422("languages", json_pack("[s,s]", "en", "en-"), "languages/1", "format");
    expect_422("languages", json_pack("[s]", "english_GB"), "languages/0", "format");
    expect_422("languages", json_pack("[s,s]", "fr-CA", "FR-ca"), "languages/1", "duplicate");
}

Test(accounts, all_broken_rules_reported_together)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:[]}", "email", "bad", "password", "short",
                          "display_name", "", "country", "XX", "languages");
    struct h_resp *r = post_reg(b);
    cr_assert_eq(r->status, 422);
    cr_expect(has_field(r, "email", "format"));
    cr_expect(has_field(r, "password", "too_short"));
    cr_expect(has_field(r, "display_name", "too_short"));
    cr_expect(has_field(r, "country", "format"));
    cr_expect(has_field(r, "languages", "too_few"));
    h_resp_free(r);
}

Test(accounts, wrong_shapes_give_400)
{
    const char *bodies[] = {
        "[]",
        "\"text\"",
        "{\"email\": 5, \"password\": \"a fine long passphrase\", \"display_name\": \"A\", "
        "\"country\": \"FR\", \"languages\": [\"fr\"]}",
        "{\"email\": \"x@example.org\", \"password\": \"a fine long passphrase\", "
        "\"display_name\": \"A\", \"country\": \"FR\", \"languages\": \"fr\"}",
        "{\"email\": \"x@example.org\", \"password\": \"a fine long passphrase\", "
        "\"display_name\": \"A\", \"country\": \"FR\", \"languages\": [1]}",
        "{\"email\": \"x@example.org\"",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct h_resp *r = h_request(h_shared(), "POST", "/api/v1/accounts", bodies[i], NULL);
        cr_assert(r != NULL);
        cr_expect_eq(r->status, 400, "body %zu: %ld %s", i, r->status, r->body);
        h_resp_free(r);
    }
}

Test(accounts, duplicate_email_any_case_is_409)
{
    char *email = register_account(h_shared());
    char upper[256];
    snprintf(upper, sizeof upper, "%s", email);
    upper[0] = (char)(upper[0] - 32); /* "Acct-…" */
    struct h_resp *r = post_reg(reg_body(upper));
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(problem_type(r->json), "https://pnyx.dev/problems/email-taken");
    cr_assert(has_field(r, "email", "taken"));
    h_resp_free(r);
    free(email);
}

struct race {
    const char *email;
    int index;
    long status;
};

static void *race_one(void *arg)
{
    struct race *rc = arg;
    char email[256];
    snprintf(email, sizeof email, "%s", rc->email);
    if (rc->index % 2) /* half of them shout: same address, other case */
        for (char *p = email; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 32);
    json_t *b = reg_body(email);
    struct h_resp *r = h_post_json(h_shared(), "/api/v1/accounts", b, NULL);
    json_decref(b);
    rc->status = r ? r->status : 0;
    h_resp_free(r);
    return NULL;
}

Test(accounts, fifty_concurrent_registrations_one_wins)
{
    char *email = unique_email();
    pthread_t t[50];
    struct race rc[50];
    for (int i = 0; i < 50; i++) {
        rc[i] = (struct race){.email = email, .index = i};
        cr_assert_eq(pthread_create(&t[i], NULL, race_one, &rc[i]), 0);
    }
    int created = 0, conflict = 0;
    for (int i = 0; i < 50; i++) {
        pthread_join(t[i], NULL);
        created += rc[i].status == 201;
        conflict += rc[i].status == 409;
    }
    cr_assert_eq(created, 1, "201s: %d, 409s: %d", created, conflict);
    cr_assert_eq(conflict, 49, "201s: %d, 409s: %d", created, conflict);
    char *n = sql_value("SELECT count(*) FROM accounts WHERE lower(email) = $1", email);
    cr_assert_str_eq(n, "1");
    free(n);
    free(email);
}

Test(accounts, foreign_origin_is_refused)
{
    char *email = unique_email();
    json_t *b = reg_body(email);
    const char *h1[] = {"Origin: https://evil.example", NULL};
    struct h_resp *r = h_post_json(h_shared(), "/api/v1/accounts", b, h1);
    cr_assert_eq(r->status, 403, "%s", r->body);
    h_resp_free(r);
    const char *h2[] = {"Sec-Fetch-Site: cross-site", NULL};
    r = h_post_json(h_shared(), "/api/v1/accounts", b, h2);
    cr_assert_eq(r->status, 403, "%s", r->body);
    h_resp_free(r);
    char origin[128];
    snprintf(origin, sizeof origin, "Origin: %s", h_shared()->base);
    const char *h3[] = {origin, "Sec-Fetch-Site: same-origin", NULL};
    r = h_post_json(h_shared(), "/api/v1/accounts", b, h3);
    cr_assert_eq(r->status, 201, "%s", r->body);
    h_resp_free(r);
    json_decref(b);
    free(email);
}

/* Unknown members are a rule (422 "unknown"), the same on every route. */
Test(accounts, unknown_member_is_422)
{
    char *email = unique_email();
    json_t *b = reg_body(email);
    free(email);
    json_object_set_new(b, "admin", json_true());
    struct h_resp *r = post_reg(b);
    cr_expect_eq(r->status, 422, "%s", r->body);
    cr_expect(has_field(r, "admin", "unknown"), "%s", r->body);
    h_resp_free(r);
}

/* A wrong JSON type is 400 bad-request naming the member and the type
 * expected; every field error carries a params object. */
Test(accounts, wrong_type_names_field_and_expected_type)
{
    char *email = unique_email();
    json_t *b = reg_body(email);
    free(email);
    json_object_set_new(b, "languages", json_string("fr"));
    struct h_resp *r = post_reg(b);
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_expect_str_eq(problem_type(r->json), "https://pnyx.dev/problems/bad-request");
    cr_assert(has_field(r, "languages", "type"), "%s", r->body);
    json_t *f = json_array_get(json_object_get(r->json, "fields"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(f, "params"), "expected")),
                     "array");
    h_resp_free(r);
}

/* Display names must show a character and keep bidi controls balanced. */
Test(accounts, display_name_needs_a_visible_character)
{
    expect_422("display_name", json_string("\xE2\x80\x8B\xE2\x80\x8B"), "display_name",
               "no_visible_character"); /* U+200B U+200B */
    expect_422("display_name", json_string(" \xEF\xBB\xBF "), "display_name",
               "no_visible_character"); /* space, U+FEFF, space */
    expect_422("display_name", json_string("Ada\xE2\x80\xAE"), "display_name",
               "unbalanced_bidi"); /* an RLO never closed */
    expect_422("display_name",
               json_string("\xE2\x81\xA6"
                           "Ada"),
               "display_name", "unbalanced_bidi"); /* an LRI never closed */
}

/* A body of many unknown members answers at most 16 field errors and says
 * the list was cut (issue 9, 2.7: 64 KiB of unknown keys gave 395 KB). */
Test(accounts, field_list_is_capped)
{
    json_t *b = json_object();
    for (int i = 0; i < 2000; i++) {
        char key[32];
        snprintf(key, sizeof key, "k%04d", i);
        json_object_set_new(b, key, json_integer(i));
    }
    struct h_resp *r = post_reg(b);
    cr_assert_eq(r->status, 422, "%ld", r->status);
    cr_expect_eq(json_array_size(json_object_get(r->json, "fields")), 16);
    cr_expect(json_is_true(json_object_get(r->json, "fields_truncated")));
    cr_expect_lt(strlen(r->body), 4096, "reply of %zu bytes", strlen(r->body));
    h_resp_free(r);
}
