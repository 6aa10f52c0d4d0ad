/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_questions_validation.c — create bodies that break a rule: 400 for a
 * wrong JSON type, 422 `validation` naming the field and code of each
 * broken rule (core/question's unit tests reach every edge of the rules;
 * these check that each reaches the API with its field and params).
 */
#include "question_util.h"

/* Sends base body with member name set to value (a JSON text; "-" removes
 * it); returns the response. */
static struct h_resp *try_body(struct qu_world *w, const char *name, const char *value)
{
    json_t *b = qu_body();
    if (strcmp(value, "-") == 0) {
        json_object_del(b, name);
    } else {
        json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
        cr_assert(v != NULL, "bad test JSON %s", value);
        json_object_set_new(b, name, v);
    }
    struct h_resp *r = qu_create_resp(w->s, &w->conv, w->aid, b);
    json_decref(b);
    return r;
}

/* Expects status and, for 400/422, a field error (field, code) among fields. */
static void expect(struct qu_world *w, const char *name, const char *value, long status,
                   const char *field, const char *code)
{
    struct h_resp *r = try_body(w, name, value);
    cr_expect_eq(r->status, status, "%s=%s: %ld %s", name, value, r->status, r->body);
    if (field != NULL) {
        bool found = false;
        size_t i;
        json_t *f;
        json_array_foreach(jget(r->json, "fields"), i, f)
        {
            found = found ||
                    (strcmp(jstr(f, "field"), field) == 0 && strcmp(jstr(f, "code"), code) == 0);
        }
        cr_expect(found, "%s=%s: wanted %s:%s in %s", name, value, field, code, r->body);
    }
    h_resp_free(r);
}

Test(questions_validation, create_rules_reach_the_api)
{
    struct qu_world w = qu_world_new(0, "DE");
    /* types: 400 */
    expect(&w, "title", "5", 400, "title", "type");
    expect(&w, "options", "{}", 400, "options", "type");
    expect(&w, "seats", "\"2\"", 400, "seats", "type");
    expect(&w, "max_rankings", "\"2\"", 400, "max_rankings", "type");
    expect(&w, "quorum", "[]", 400, "quorum", "type");
    /* required, unknown, enumerations */
    expect(&w, "title", "-", 422, "title", "required");
    expect(&w, "closes_at", "-", 422, "closes_at", "required");
    expect(&w, "secrecy", "\"public\"", 422, "secrecy", "one_of");
    expect(&w, "method", "\"borda\"", 422, "method", "one_of");
    expect(&w, "colour", "\"red\"", 422, "colour", "unknown");
    expect(&w, "closes_at", "\"tomorrow\"", 422, "closes_at", "format");
    /* options */
    expect(&w, "options", "[{\"label\":\"Only\"}]", 422, "options", "too_few");
    expect(&w, "options", "[{\"label\":\"A\"},{\"label\":\"B\",\"excluded\":true}]", 422, "options",
           "too_few");
    expect(&w, "options", "[{\"label\":\"A\"},{\"label\":\"\"}]", 422, "options/1/label",
           "too_short");
    expect(&w, "options", "[{\"label\":\"A\"},{\"label\":\" \"}]", 422, "options/1/label",
           "no_visible_character");
    expect(&w, "options", "[{\"label\":\"A\"},{\"name\":\"B\"}]", 422, "options/1/name", "unknown");
    expect(&w, "options", "[{\"label\":\"A\"},{\"label\":\"B\",\"proposal_id\":0}]", 422,
           "options/1/proposal_id", "out_of_range");
    expect(&w, "options", "[{\"label\":\"A\",\"proposal_id\":999999},{\"label\":\"B\"}]", 422,
           "options", "not_allowed");
    char many[4000] = "[";
    for (int i = 0; i < 101; i++) {
        strcat(many, i ? ",{\"label\":\"x\"}" : "{\"label\":\"x\"}");
    }
    strcat(many, "]");
    expect(&w, "options", many, 422, "options", "too_many");
    /* seats per method */
    expect(&w, "seats", "2", 422, "seats", "out_of_range");
    expect(&w, "seats", "0", 422, "seats", "out_of_range");
    expect(&w, "method", "\"stv\"", 422, "seats", "required");
    /* rankings, decimals, double majority */
    expect(&w, "max_rankings", "4", 422, "max_rankings", "out_of_range");
    expect(&w, "max_rankings", "0", 422, "max_rankings", "out_of_range");
    expect(&w, "max_rankings", "3", 201, NULL, NULL);
    expect(&w, "country_cap", "0.01", 422, "country_cap", "out_of_range");
    expect(&w, "country_cap", "\"0.12345\"", 422, "country_cap", "format");
    expect(&w, "country_cap", "\"1e-1\"", 422, "country_cap", "format");
    expect(&w, "country_cap", "0.05", 201, NULL, NULL);
    expect(&w, "country_cap", "null", 201, NULL, NULL);
    expect(&w, "quorum", "{\"min_turnout\": 1.5}", 422, "quorum/min_turnout", "out_of_range");
    expect(&w, "quorum", "{\"min_countries\": 301}", 422, "quorum/min_countries", "out_of_range");
    expect(&w, "quorum", "{\"min_votes\": 3}", 422, "quorum/min_votes", "unknown");
    expect(&w, "double_majority", "{}", 422, "double_majority/min_country_share", "required");
    expect(&w, "double_majority", "{\"min_country_share\": 0}", 422,
           "double_majority/min_country_share", "out_of_range");
    expect(&w, "adopts_proposals", "true", 422, "adopts_proposals", "not_allowed");
    /* dates */
    char t[64];
    snprintf(t, sizeof t, "\"%s\"", qu_time(-60));
    expect(&w, "closes_at", t, 422, "closes_at", "out_of_range");
    expect(&w, "opens_at", t, 422, "opens_at", "out_of_range");
    snprintf(t, sizeof t, "\"%s\"", qu_time(7200)); /* after closes_at (+1 h) */
    expect(&w, "opens_at", t, 422, "closes_at", "out_of_range");
    snprintf(t, sizeof t, "\"%s\"", qu_time(3L * 366 * 86400));
    expect(&w, "closes_at", t, 422, "closes_at", "out_of_range");
}

Test(questions_validation, stv_double_majority_and_linked_proposals)
{
    struct qu_world w = qu_world_new(1, "DE");
    json_t *b = qu_body();
    json_object_set_new(b, "method", json_string("stv"));
    json_object_set_new(b, "seats", json_integer(2));
    json_object_set_new(b, "double_majority", json_pack("{s:s}", "min_country_share", "0.5"));
    struct h_resp *r = qu_create_resp(w.s, &w.conv, w.aid, b);
    cr_expect_eq(r->status, 422, "%s", r->body);
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "fields"), 0), "field"), "double_majority");
    h_resp_free(r);
    json_object_del(b, "double_majority");
    r = qu_create_resp(w.s, &w.conv, w.aid, b);
    cr_expect_eq(r->status, 201, "%s", r->body);
    cr_expect_str_eq(jstr(r->json, "rules_id"), "pnyx-stv/1");
    h_resp_free(r);
    json_decref(b);
    /* an option links a proposal of this assembly; twice is refused, as is
     * one of another assembly */
    int64_t pid = pu_create(w.s, &w.m[0], w.aid, "Parks first", "Because.", "en");
    int64_t other = it_assembly_new(w.s, &w.conv, "public", "open");
    int64_t foreign = pu_create(w.s, &w.conv, other, "Elsewhere", "Other.", "en");
    b = qu_body();
    json_object_set_new(b, "options",
                        json_pack("[{s:s, s:I},{s:s}]", "label", "Parks", "proposal_id",
                                  (json_int_t)pid, "label", "No"));
    json_object_set_new(b, "adopts_proposals", json_true());
    r = qu_create_resp(w.s, &w.conv, w.aid, b);
    cr_expect_eq(r->status, 201, "%s", r->body);
    cr_expect_eq(jint(json_array_get(jget(r->json, "options"), 0), "proposal_id"), pid);
    cr_expect(json_is_null(jget(json_array_get(jget(r->json, "options"), 1), "proposal_id")));
    cr_expect(json_is_true(jget(r->json, "adopts_proposals")));
    h_resp_free(r);
    json_object_set_new(b, "options",
                        json_pack("[{s:s, s:I},{s:s, s:I}]", "label", "Parks", "proposal_id",
                                  (json_int_t)pid, "label", "Again", "proposal_id",
                                  (json_int_t)pid));
    r = qu_create_resp(w.s, &w.conv, w.aid, b);
    cr_expect_eq(r->status, 422, "%s", r->body);
    cr_expect_str_eq(jstr(json_array_get(jget(r->json, "fields"), 0), "code"), "duplicate");
    h_resp_free(r);
    json_object_set_new(b, "options",
                        json_pack("[{s:s, s:I},{s:s}]", "label", "Elsewhere", "proposal_id",
                                  (json_int_t)foreign, "label", "No"));
    r = qu_create_resp(w.s, &w.conv, w.aid, b);
    cr_expect_eq(r->status, 422, "%s", r->body);
    h_resp_free(r);
    json_decref(b);
    /* a body that is not an object; no assembly */
    r = h_request(w.s, "POST", pp("/api/v1/assemblies/%lld/questions", (long long)w.aid), "[]",
                  (const char *[]){pp("Authorization: Bearer %s", w.conv.token), NULL});
    cr_expect_eq(r->status, 400, "%s", r->body);
    h_resp_free(r);
    b = qu_body();
    r = qu_create_resp(w.s, &w.conv, 999999999, b);
    cr_expect_eq(r->status, 404, "%s", r->body);
    h_resp_free(r);
    json_decref(b);
}
