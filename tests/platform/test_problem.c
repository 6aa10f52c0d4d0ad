/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Unit tests for api/api.c: problem+json building from the error
 * registry, field lists, db status mapping, path parameter parsing. */
#include <string.h>

#include <criterion/criterion.h>

#include "api/api.h"

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

Test(problem, shape_and_stable_type_uri)
{
    struct api_reply out = {0};
    cr_assert_eq(api_problem(&out, API_E_NOT_FOUND, "no such assembly"), 0);
    cr_assert_eq(out.status, 404);
    cr_assert(out.problem);
    cr_assert_str_eq(str(out.json, "type"), "https://pnyx.dev/problems/not-found");
    cr_assert_str_eq(str(out.json, "title"), "Not found");
    cr_assert_eq(json_integer_value(json_object_get(out.json, "status")), 404);
    cr_assert_str_eq(str(out.json, "detail"), "no such assembly");
    json_decref(out.json);
}

Test(problem, every_registered_kind_is_well_formed)
{
    for (int k = 0; k < API_E__COUNT; k++) {
        unsigned st = api_error_status((enum api_error)k);
        cr_assert(st >= 400 && st <= 599, "kind %d status %u", k, st);
        const char *slug = api_error_slug((enum api_error)k);
        cr_assert(slug && *slug);
        for (const char *p = slug; *p; p++)
            cr_assert((*p >= 'a' && *p <= 'z') || *p == '-', "slug %s", slug);
        for (int j = 0; j < k; j++)
            cr_assert_str_neq(slug, api_error_slug((enum api_error)j), "duplicate slug %s", slug);
        cr_assert(api_error_title((enum api_error)k)[0]);
    }
}

Test(problem, fields_list)
{
    struct api_reply out = {0};
    json_t *fields = json_array();
    api_field_error(fields, "email", "invalid", "not an e-mail address");
    api_field_error(fields, "country", "unknown", NULL);
    api_problem_fields(&out, API_E_VALIDATION, fields);
    cr_assert_eq(out.status, 422);
    cr_assert_str_eq(str(out.json, "type"), "https://pnyx.dev/problems/validation");
    json_t *f = json_object_get(out.json, "fields");
    cr_assert_eq(json_array_size(f), 2);
    cr_assert_str_eq(str(json_array_get(f, 0), "field"), "email");
    cr_assert_str_eq(str(json_array_get(f, 0), "code"), "invalid");
    cr_assert_str_eq(str(json_array_get(f, 1), "code"), "unknown");
    cr_assert_null(json_object_get(json_array_get(f, 1), "message"));
    json_decref(out.json);
}

Test(problem, db_status_mapping)
{
    struct {
        enum db_status st;
        unsigned http;
        bool retry_after;
    } cases[] = {{DB_NOT_FOUND, 404, false},
                 {DB_CONFLICT, 409, false},
                 {DB_SOFT_ERROR, 503, true},
                 {DB_UNAVAILABLE, 503, true},
                 {DB_HARD_ERROR, 500, false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct api_reply out = {0};
        api_problem_db(&out, cases[i].st);
        cr_assert_eq(out.status, cases[i].http);
        cr_assert_eq(out.nheaders > 0, cases[i].retry_after);
        json_decref(out.json);
    }
}

Test(problem, replacing_a_reply_frees_the_previous_json)
{
    struct api_reply out = {0};
    api_reply_json(&out, 200, json_object());
    api_problem(&out, API_E_INTERNAL, NULL); /* must decref the object (ASan/LSan check) */
    cr_assert_eq(out.status, 500);
    json_decref(out.json);
}

Test(problem, sqlstate_classes)
{
    cr_assert_eq(db_classify_sqlstate("23505"), DB_CONFLICT);
    cr_assert_eq(db_classify_sqlstate("40001"), DB_SOFT_ERROR);
    cr_assert_eq(db_classify_sqlstate("40P01"), DB_SOFT_ERROR);
    cr_assert_eq(db_classify_sqlstate("08006"), DB_UNAVAILABLE);
    cr_assert_eq(db_classify_sqlstate("57P01"), DB_UNAVAILABLE);
    cr_assert_eq(db_classify_sqlstate("53100"), DB_UNAVAILABLE); /* disk full: 503, retry */
    cr_assert_eq(db_classify_sqlstate("25006"), DB_UNAVAILABLE); /* read-only server: 503, drop */
    cr_assert_eq(db_classify_sqlstate("57P03"), DB_UNAVAILABLE); /* cannot connect now */
    cr_assert_eq(db_classify_sqlstate(NULL), DB_UNAVAILABLE);
    cr_assert_eq(db_classify_sqlstate("42601"), DB_HARD_ERROR);
    cr_assert_eq(db_classify_sqlstate("23503"), DB_HARD_ERROR);
}

static const char *null_getter(const struct api_req *rq, const char *k)
{
    (void)rq;
    (void)k;
    return NULL;
}

Test(params, positive_ids_only)
{
    struct api_req rq = {.query_fn = null_getter, .header_fn = null_getter};
    rq.nparams = 1;
    rq.params[0].name = "aid";
    const char *good[] = {"1", "42", "9223372036854775807"};
    const char *bad[] = {"0", "-1", "01", "1a", "", "9223372036854775808", "+5", " 5"};
    int64_t v;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        rq.params[0].value = good[i];
        cr_assert_eq(api_param_id(&rq, "aid", &v), 0, "%s", good[i]);
    }
    cr_assert_eq(v, INT64_MAX);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq.params[0].value = bad[i];
        cr_assert_eq(api_param_id(&rq, "aid", &v), -1, "%s accepted", bad[i]);
    }
    cr_assert_eq(api_param_id(&rq, "other", &v), -1);
    cr_assert_null(api_query(&rq, "x"));
}
