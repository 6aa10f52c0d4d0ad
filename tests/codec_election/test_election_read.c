/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Unit tests of codec/election's reader: every class of invalid input with
 * its message (member, 1-based ballot number, why), member order (rules or
 * options after ballots), exact numbers, ignored members, and the writer's
 * string escaping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "election.h"

static struct tally_election e;
static struct tally_error err;

static void setup(void)
{
    tally_election_init(&e);
    memset(&err, 0, sizeof err);
}

static void teardown(void)
{
    tally_election_fini(&e);
}

TestSuite(election_read, .init = setup, .fini = teardown);

/* Reads doc into a fresh election (tests call it several times). */
static int rd(const char *doc)
{
    tally_election_fini(&e);
    tally_election_init(&e);
    memset(&err, 0, sizeof err);
    return election_read(doc, strlen(doc), &e, &err);
}

/* A complete election around a ballots array (and optional extra rules). */
static char docbuf[8192];
static const char *with_ballots(const char *rules, const char *ballots)
{
    (void)snprintf(docbuf, sizeof docbuf,
                   "{\"format\": \"pnyx-election/1\", \"name\": \"t\", \"method\": \"irv\", "
                   "\"seats\": 1, \"options\": [\"A\", \"B\", \"C\"], \"rules\": {%s}, "
                   "\"ballots\": [%s]}",
                   rules, ballots);
    return docbuf;
}

/* Asserts the document is refused with a reason containing `part`. */
#define REFUSED(doc, part)                                                                         \
    do {                                                                                           \
        int rc_ = rd(doc);                                                                         \
        cr_assert_neq(rc_, TALLY_OK, "accepted: %s", doc);                                         \
        cr_assert(strstr(err.reason, part) != NULL, "reason \"%s\" lacks \"%s\"", err.reason,      \
                  part);                                                                           \
    } while (0)

Test(election_read, minimal_election)
{
    cr_assert_eq(rd(with_ballots("", "{\"ranking\": [\"A\", \"B\"], \"count\": 3}, "
                                     "{\"ranking\": [[\"A\", \"C\"], null, \"B\"], "
                                     "\"weight\": \"0.8333\", \"country\": \"DE\"}")),
                 TALLY_OK, "%s", err.reason);
    cr_assert_eq(e.n_options, 3);
    cr_assert_eq(e.method, TALLY_IRV);
    cr_assert_eq(e.seats, 1);
    cr_assert_eq(e.n_added, 2);
    cr_assert(e.any_country);
    cr_assert(e.any_no_country);
}

Test(election_read, all_rules_parse)
{
    const char *doc =
        "{\"format\": \"pnyx-election/1\", \"method\": \"stv\", \"seats\": 2, "
        "\"options\": [\"A\", \"B\", \"C\", \"W\"], \"rules\": {\"overvote\": "
        "\"exhaust_if_multiple_continuing\", \"max_skipped_ranks\": 2, \"exhaust_on_duplicate\": "
        "true, \"max_rankings\": 3, \"excluded\": [\"C\"], \"undeclared_write_in\": \"W\", "
        "\"batch_elimination\": false, \"continue_until_two\": false, "
        "\"first_round_determines_threshold\": false, \"stop_after_round\": 5, \"tiebreak\": "
        "\"previous_rounds_then_random\", \"tiebreak_order\": [\"B\", \"A\"], \"random_seed\": "
        "-140737488355328, \"winner_mode\": \"one_per_round\", \"quota\": \"hare\", "
        "\"non_integer_threshold\": true, \"decimal_places\": 6, \"bottoms_up_percentage\": 12.5, "
        "\"cutoff_elimination\": true, \"country_cap\": \"0.35\", \"double_majority\": "
        "{\"min_country_share\": \"0.6\"}, \"rules_id\": \"pnyx-stv/1\", \"_note\": [1, 2], "
        "\"rctab_contest\": {\"x\": 1}}, \"ballots\": []}";
    cr_assert_eq(rd(doc), TALLY_OK, "%s", err.reason);
    struct tally_rules *r = &e.rules;
    cr_assert_eq(e.method, TALLY_STV);
    cr_assert_eq(r->overvote, TALLY_OV_EXHAUST_IF_MULTIPLE);
    cr_assert_eq(r->max_skipped_ranks, 2);
    cr_assert(r->exhaust_on_duplicate);
    cr_assert_eq(r->max_rankings, 3);
    cr_assert_eq(r->n_excluded, 1);
    cr_assert_eq(r->excluded[0], 2);
    cr_assert_eq(r->undeclared_write_in, 3);
    cr_assert_eq(r->stop_after_round, 5);
    cr_assert_eq(r->tiebreak, TALLY_TB_PREV_RANDOM);
    cr_assert(r->has_tiebreak_order);
    cr_assert_eq(r->n_tiebreak_order, 2);
    cr_assert_eq(r->tiebreak_order[0], 1);
    cr_assert_eq(r->random_seed, -140737488355328LL);
    cr_assert_eq(r->winner_mode, TALLY_WM_ONE_PER_ROUND);
    cr_assert_eq(r->quota, TALLY_QUOTA_HARE);
    cr_assert(r->non_integer_threshold);
    cr_assert_eq(r->decimal_places, 6);
    cr_assert(r->has_bottoms_up_percentage);
    struct tally_dec p;
    cr_assert_eq(tally_dec_parse("12.5", 4, &p), TALLY_OK);
    cr_assert_eq(tally_dec_cmp(&r->bottoms_up_percentage, &p), 0);
    cr_assert(r->cutoff_elimination);
    cr_assert(r->has_country_cap);
    cr_assert(r->has_double_majority);
    cr_assert_str_eq(r->rules_id, "pnyx-stv/1");
}

Test(election_read, rules_after_ballots)
{
    const char *doc = "{\"format\": \"pnyx-election/1\", \"seats\": 1, \"options\": [\"A\", "
                      "\"B\"], \"ballots\": [{\"ranking\": [\"A\"], \"weight\": \"0.50000\"}], "
                      "\"rules\": {\"decimal_places\": 2, \"excluded\": [\"B\"]}}";
    cr_assert_eq(rd(doc), TALLY_OK, "%s", err.reason);
    cr_assert_eq(e.rules.decimal_places, 2);
    cr_assert_eq(e.rules.n_excluded, 1);
    cr_assert_eq(e.n_added, 1);
    cr_assert_eq(e.n_weights, 2);
}

Test(election_read, options_after_ballots_and_rules)
{
    const char *doc = "{\"format\": \"pnyx-election/1\", \"rules\": {\"tiebreak_order\": "
                      "[\"B\"]}, \"ballots\": [{\"ranking\": [\"B\", \"A\"], \"count\": 2}, "
                      "{\"ranking\": [\"Z\"]}], \"seats\": 1, \"options\": [\"A\", \"B\"]}";
    /* the second ballot names an unknown option: found on the deferred pass */
    REFUSED(doc, "ballot 2: ranking[0]: unknown option id \"Z\"");
    cr_assert_eq(err.entry, 1);
    cr_assert_str_eq(err.field, "ranking");

    tally_election_fini(&e);
    tally_election_init(&e);
    const char *ok = "{\"ballots\": [{\"ranking\": [\"B\", \"A\"], \"count\": 2}], \"rules\": "
                     "{\"tiebreak_order\": [\"B\"]}, \"format\": \"pnyx-election/1\", "
                     "\"seats\": 1, \"options\": [\"A\", \"B\"]}";
    cr_assert_eq(rd(ok), TALLY_OK, "%s", err.reason);
    cr_assert_eq(e.n_added, 1);
    cr_assert_eq(e.rules.tiebreak_order[0], 1);
}

Test(election_read, ignored_members)
{
    const char *doc =
        "{\"expected\": {\"rounds\": [[[[{\"deep\": [1e400, \"\\u00e9\"]}]]]]}, \"source\": "
        "null, \"format\": \"pnyx-election/1\", \"description\": \"x\", \"seats\": 1, "
        "\"options\": [\"A\"], \"ballots\": [{\"ranking\": [\"A\"], \"note\": {\"a\": [1]}, "
        "\"id\": 7}], \"generator\": {\"argv\": []}}";
    cr_assert_eq(rd(doc), TALLY_OK, "%s", err.reason);
    cr_assert_eq(e.n_added, 1);
}

Test(election_read, json_syntax_errors)
{
    REFUSED("", "unexpected end of input");
    REFUSED("[]", "must be a JSON object");
    REFUSED("{\"format\": \"pnyx-election/1\",}", "invalid JSON at line 1");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"]},"), "invalid JSON");
    /* bad JSON inside an ignored member is still bad JSON */
    REFUSED("{\"expected\": [1, 2,], \"format\": \"pnyx-election/1\"}", "invalid JSON");
    /* trailing garbage after a valid election */
    char doc[9000];
    (void)snprintf(doc, sizeof doc, "%s x", with_ballots("", ""));
    REFUSED(doc, "end of input after the top-level value");
}

Test(election_read, top_level_members)
{
    REFUSED("{\"format\": \"pnyx-election/2\"}", "format must be \"pnyx-election/1\"");
    REFUSED("{\"format\": 1}", "format must be");
    REFUSED("{\"seats\": 1, \"options\": [], \"ballots\": []}", "missing format");
    REFUSED("{\"format\": \"pnyx-election/1\", \"seats\": 1, \"ballots\": []}", "missing options");
    REFUSED("{\"format\": \"pnyx-election/1\", \"options\": [], \"ballots\": []}", "missing seats");
    REFUSED("{\"format\": \"pnyx-election/1\", \"seats\": 1, \"options\": []}", "missing ballots");
    REFUSED("{\"format\": \"pnyx-election/1\", \"format\": \"pnyx-election/1\"}",
            "\"format\" is given twice");
    REFUSED("{\"format\": \"pnyx-election/1\", \"method\": \"borda\"}",
            "method: unknown value \"borda\"");
    REFUSED("{\"format\": \"pnyx-election/1\", \"method\": null}", "method must be one of");
    REFUSED("{\"format\": \"pnyx-election/1\", \"seats\": 1.0}", "seats must be a JSON integer");
    REFUSED("{\"format\": \"pnyx-election/1\", \"seats\": \"1\"}", "seats must be a JSON integer");
    REFUSED("{\"format\": \"pnyx-election/1\", \"seats\": -1}", "seats: -1 is out of range");
    REFUSED("{\"format\": \"pnyx-election/1\", \"seats\": 99999999999999999999}", "out of range");
    REFUSED("{\"format\": \"pnyx-election/1\", \"name\": 3}", "name must be a string");
    REFUSED("{\"format\": \"pnyx-election/1\", \"options\": \"A\"}", "options must be a list");
    REFUSED("{\"format\": \"pnyx-election/1\", \"options\": [\"A\", 1]}",
            "options[1] must be a string");
    REFUSED("{\"format\": \"pnyx-election/1\", \"options\": [\"A\", \"A\"]}", "A");
    cr_assert_str_eq(err.field, "options");
    REFUSED("{\"format\": \"pnyx-election/1\", \"seats\": 1, \"options\": [], \"ballots\": {}}",
            "ballots must be a list");
    REFUSED("{\"format\": \"pnyx-election/1\", \"seats\": 1, \"options\": [], \"rules\": []}",
            "rules must be an object");
    REFUSED("{\"format\": \"pnyx-election/1\", \"seats\": 1, \"options\": [], \"rules\": null}",
            "rules must be an object, not null");
}

Test(election_read, rules_errors)
{
    REFUSED(with_ballots("\"overvotes\": \"skip\"", ""), "rules: unknown rule \"overvotes\"");
    cr_assert_str_eq(err.field, "rules");
    REFUSED(with_ballots("\"overvote\": \"ignore\"", ""), "rules.overvote: unknown value");
    REFUSED(with_ballots("\"overvote\": \"skip\", \"overvote\": \"skip\"", ""), "given twice");
    REFUSED(with_ballots("\"exhaust_on_duplicate\": 1", ""),
            "rules.exhaust_on_duplicate must be true or false");
    REFUSED(with_ballots("\"batch_elimination\": \"true\"", ""), "must be true or false");
    REFUSED(with_ballots("\"max_skipped_ranks\": -1", ""), "out of range");
    REFUSED(with_ballots("\"max_rankings\": 0", ""), "rules.max_rankings: 0 is out of range");
    REFUSED(with_ballots("\"stop_after_round\": 0", ""), "out of range");
    REFUSED(with_ballots("\"decimal_places\": 21", ""), "rules.decimal_places: 21 is out of range");
    REFUSED(with_ballots("\"decimal_places\": 4.0", ""), "must be a JSON integer");
    REFUSED(with_ballots("\"random_seed\": 140737488355328", ""), "out of range");
    REFUSED(with_ballots("\"excluded\": [\"A\", \"A\"]", ""), "rules.excluded lists \"A\" twice");
    REFUSED(with_ballots("\"excluded\": [\"Q\"]", ""), "rules.excluded: unknown option id \"Q\"");
    REFUSED(with_ballots("\"excluded\": \"A\"", ""), "must be a list of option ids");
    REFUSED(with_ballots("\"excluded\": null", ""), "must be a list of option ids");
    REFUSED(with_ballots("\"tiebreak_order\": [\"A\", 2]", ""), "must be an option id");
    REFUSED(with_ballots("\"undeclared_write_in\": \"Q\"", ""), "unknown option id \"Q\"");
    REFUSED(with_ballots("\"tiebreak\": \"coin\"", ""), "rules.tiebreak: unknown value");
    REFUSED(with_ballots("\"winner_mode\": \"all\"", ""), "rules.winner_mode: unknown value");
    REFUSED(with_ballots("\"quota\": \"imperiali\"", ""), "rules.quota: unknown value");
    REFUSED(with_ballots("\"country_cap\": 0.5", ""), "not exact");
    REFUSED(with_ballots("\"country_cap\": \"0\"", ""), "rules.country_cap must lie in (0, 1]");
    REFUSED(with_ballots("\"country_cap\": \"1.5\"", ""), "must lie in (0, 1]");
    REFUSED(with_ballots("\"country_cap\": \"abc\"", ""), "is not a plain decimal");
    REFUSED(with_ballots("\"bottoms_up_percentage\": 0.5", ""), "must lie in [1, 100]");
    REFUSED(with_ballots("\"bottoms_up_percentage\": true", ""), "decimal string");
    REFUSED(with_ballots("\"double_majority\": \"0.5\"", ""), "rules.double_majority must be");
    REFUSED(with_ballots("\"double_majority\": {}", ""), "needs min_country_share");
    REFUSED(with_ballots("\"double_majority\": {\"min_country_share\": \"1.2\"}", ""),
            "must lie in (0, 1]");
    REFUSED(with_ballots("\"double_majority\": {\"share\": \"0.5\"}", ""), "unknown member");
    REFUSED(with_ballots("\"rules_id\": 7", ""), "rules.rules_id must be a string");
    REFUSED(with_ballots("\"rules_id\": \"a\\u0000b\"", ""), "U+0000");
}

Test(election_read, rules_accept_numbers_where_allowed)
{
    cr_assert_eq(rd(with_ballots("\"bottoms_up_percentage\": 1e1, \"country_cap\": 1, "
                                 "\"max_skipped_ranks\": null, \"excluded\": []",
                                 "")),
                 TALLY_OK, "%s", err.reason);
    struct tally_dec ten = tally_dec_int(10);
    cr_assert_eq(tally_dec_cmp(&e.rules.bottoms_up_percentage, &ten), 0);
    cr_assert_eq(e.rules.max_skipped_ranks, -1);
}

Test(election_read, ballot_errors)
{
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"]}, [\"A\"]"),
            "ballot 2: a ballot entry must be an object, not an array");
    cr_assert_eq(err.entry, 1);
    REFUSED(with_ballots("", "{\"count\": 2}"), "ballot 1: missing ranking");
    cr_assert_str_eq(err.field, "ranking");
    REFUSED(with_ballots("", "{\"ranking\": \"A\"}"), "ballot 1: ranking must be a list");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"ranking\": [\"B\"]}"),
            "ballot 1: ranking is given twice");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"]}, {\"ranking\": [\"B\", \"D\"]}"),
            "ballot 2: ranking[1]: unknown option id \"D\"");
    cr_assert_eq(err.entry, 1);
    REFUSED(with_ballots("", "{\"ranking\": [[\"A\", \"X\"]]}"),
            "ballot 1: ranking[0]: unknown option id \"X\"");
    REFUSED(with_ballots("", "{\"ranking\": [1]}"),
            "ballot 1: ranking[0] must be an option id, a list of option ids or null, not a "
            "number");
    REFUSED(with_ballots("", "{\"ranking\": [{}]}"), "not an object");
    REFUSED(with_ballots("", "{\"ranking\": [[\"A\", null]]}"),
            "ballot 1: ranking[0]: a list at one rank must hold option ids");
    REFUSED(with_ballots("", "{\"ranking\": [[[\"A\"]]]}"), "a list at one rank");
    REFUSED(with_ballots("", "{\"ranking\": [true]}"), "not a boolean");
    /* counts */
    REFUSED(with_ballots("", "{\"ranking\": [], \"count\": -1}"),
            "ballot 1: count must be a JSON integer >= 0");
    cr_assert_str_eq(err.field, "count");
    REFUSED(with_ballots("", "{\"ranking\": [], \"count\": 1.5}"), "count must be a JSON integer");
    REFUSED(with_ballots("", "{\"ranking\": [], \"count\": 1e0}"), "count must be a JSON integer");
    REFUSED(with_ballots("", "{\"ranking\": [], \"count\": \"3\"}"), "not a string");
    REFUSED(with_ballots("", "{\"ranking\": [], \"count\": 18446744073709551616}"),
            "larger than the engine's range");
    /* weights */
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"]}, {\"ranking\": [\"A\"], \"weight\": 0.5}"),
            "ballot 2: weight 0.5 is a JSON number with a fraction or exponent, which is not "
            "exact");
    cr_assert_str_eq(err.field, "weight");
    cr_assert_eq(err.entry, 1);
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"weight\": 1e0}"), "not exact");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"weight\": \"1e0\"}"),
            "ballot 1: weight \"1e0\" is not a plain decimal");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"weight\": \".5\"}"), "not a plain decimal");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"weight\": \"-1\"}"), "not a plain decimal");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"weight\": \" 1\"}"), "not a plain decimal");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"weight\": -2}"), "must not be negative");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"weight\": \"0.000\"}"),
            "ballot 1: weight must be greater than 0");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"weight\": 0}"), "greater than 0");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"weight\": true}"),
            "weight must be a decimal string or a JSON integer");
    /* countries */
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"country\": \"de\"}"),
            "ballot 1: country must be two uppercase ASCII letters");
    cr_assert_str_eq(err.field, "country");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"country\": \"DEU\"}"), "\"DEU\"");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"country\": \"\xC3\x84X\"}"),
            "two uppercase ASCII letters");
    REFUSED(with_ballots("", "{\"ranking\": [\"A\"], \"country\": 49}"), "not a number");
}

Test(election_read, valid_ballot_shapes)
{
    cr_assert_eq(
        rd(with_ballots("", "{\"ranking\": []}, {\"ranking\": [null, null]}, "
                            "{\"ranking\": [[], [\"A\"], [\"B\", \"B\"], null, \"C\", "
                            "null]}, {\"ranking\": [\"A\"], \"count\": 0}, "
                            "{\"ranking\": [\"A\"], \"weight\": 2, \"count\": 5}, "
                            "{\"ranking\": [\"A\"], \"weight\": null, \"country\": null}")),
        TALLY_OK, "%s", err.reason);
    cr_assert_eq(e.n_added, 6);
}

Test(election_read, weights_are_exact)
{
    /* an integer weight is fine; a decimal string keeps every digit */
    cr_assert_eq(rd(with_ballots("", "{\"ranking\": [\"A\"], \"weight\": 3}, "
                                     "{\"ranking\": [\"B\"], \"weight\": \"0.50000\"}, "
                                     "{\"ranking\": [\"B\"], \"weight\": "
                                     "\"0.12345678901234567890123\"}")),
                 TALLY_OK, "%s", err.reason);
    cr_assert_eq(e.n_weights, 4);
    struct tally_dec want;
    cr_assert_eq(tally_dec_parse("0.12345678901234567890123", 25, &want), TALLY_OK);
    bool found = false;
    for (size_t i = 0; i < e.n_weights; i++) {
        found = found || tally_dec_cmp(&e.weights[i], &want) == 0;
    }
    cr_assert(found);
}

Test(election_read, hostile_ids_are_quoted_safely)
{
    REFUSED(with_ballots("", "{\"ranking\": [\"a\\nb\\\"c\"]}"), "unknown option id \"a?b?c\"");
    char big[400];
    memset(big, 'x', 300);
    big[300] = '\0';
    char ballots[600];
    (void)snprintf(ballots, sizeof ballots, "{\"ranking\": [\"%s\"]}", big);
    REFUSED(with_ballots("", ballots), "...\"");
    cr_assert_lt(strlen(err.reason), sizeof err.reason - 1);
}

Test(election_read, unicode_ids)
{
    const char *doc = "{\"format\": \"pnyx-election/1\", \"seats\": 1, \"options\": "
                      "[\"\xC3\xA9lise\", \"\\u00e9lise2\", \"\\ud83d\\ude00\"], \"ballots\": "
                      "[{\"ranking\": [\"\\u00e9lise\", \"\xF0\x9F\x98\x80\"]}]}";
    cr_assert_eq(rd(doc), TALLY_OK, "%s", err.reason);
    cr_assert_eq(tally_election_find_option(&e, "\xF0\x9F\x98\x80", 4), 2);
}

Test(election_write, error_and_string_escaping)
{
    struct election_buf b = {0};
    cr_assert_eq(election_write_error("bad \"x\"\n\\ \x01 \xC3\xA9", &b), 0);
    cr_assert_str_eq(b.data, "{\"error\": \"bad \\\"x\\\"\\n\\\\ \\u0001 \xC3\xA9\"}\n");
    election_buf_fini(&b);
}

/* ---- with the engine: weights against decimal_places, the writers ---- */

static struct tally_result res;

static int count_doc(const char *doc)
{
    int rc = rd(doc);
    if (rc != TALLY_OK) {
        return rc;
    }
    tally_result_fini(&res);
    memset(&res, 0, sizeof res);
    return tally_run(&e, &res, &err);
}

Test(election_read, weight_places_checked_after_rules_are_known)
{
    /* "0.50000" is 0.5: fine at d = 4 */
    cr_assert_eq(count_doc(with_ballots("", "{\"ranking\": [\"A\"], \"weight\": \"0.50000\"}, "
                                            "{\"ranking\": [\"B\"], \"weight\": 1}")),
                 TALLY_OK, "%s", err.reason);
    /* "0.12345" has 5 decimals: refused at d = 4, naming the ballot */
    cr_assert_eq(count_doc(with_ballots("", "{\"ranking\": [\"A\"]}, "
                                            "{\"ranking\": [\"B\"], \"weight\": \"0.12345\"}")),
                 TALLY_EINVAL);
    cr_assert(strstr(err.reason, "ballot 2") != NULL, "%s", err.reason);
    cr_assert(strstr(err.reason, "0.12345") != NULL, "%s", err.reason);
    /* rules after the ballots: d = 5 arrives late and the weight is fine */
    const char *late = "{\"format\": \"pnyx-election/1\", \"seats\": 1, \"options\": [\"A\", "
                       "\"B\"], \"ballots\": [{\"ranking\": [\"B\"], \"weight\": \"0.12345\"}, "
                       "{\"ranking\": [\"A\"]}], \"rules\": {\"decimal_places\": 5}}";
    cr_assert_eq(count_doc(late), TALLY_OK, "%s", err.reason);
    tally_result_fini(&res);
    memset(&res, 0, sizeof res);
}

Test(election_write, format_example_10_1)
{
    const char *doc =
        "{\"format\": \"pnyx-election/1\", \"seats\": 1, \"options\": [\"A\", \"B\", \"C\"], "
        "\"rules\": {\"rules_id\": \"pnyx-irv/1\"}, \"ballots\": [{\"ranking\": [\"A\"], "
        "\"count\": 3, \"country\": \"DE\"}, {\"ranking\": [\"C\", \"B\"], \"country\": \"DE\"}, "
        "{\"ranking\": [\"B\"], \"count\": 2, \"country\": \"FR\"}, {\"ranking\": [\"C\", "
        "\"A\"], \"country\": \"FR\"}, {\"ranking\": [\"B\"], \"country\": \"ZZ\"}]}";
    cr_assert_eq(count_doc(doc), TALLY_OK, "%s", err.reason);
    struct election_buf b = {0};
    cr_assert_eq(election_write_json(&e, &res, &b), 0);
    const char *want =
        "{\"rules_id\": \"pnyx-irv/1\", \"winners\": [\"A\"],\n"
        " \"rounds\": [\n"
        "  {\"round\": 1, \"tally\": {\"A\": 3, \"B\": 3, \"C\": 2}, \"exhausted\": 0, "
        "\"elected\": [], \"eliminated\": [\"C\"], \"threshold\": 5, \"inactive\": "
        "{\"overvotes\": 0, \"skipped_rankings\": 0, \"exhausted_choices\": 0, "
        "\"repeated_rankings\": 0}, \"transfers\": {\"C\": {\"A\": 1, \"B\": 1}}},\n"
        "  {\"round\": 2, \"tally\": {\"A\": 4, \"B\": 4}, \"exhausted\": 0, \"elected\": "
        "[\"A\"], \"eliminated\": [], \"threshold\": 5, \"inactive\": {\"overvotes\": 0, "
        "\"skipped_rankings\": 0, \"exhausted_choices\": 0, \"repeated_rankings\": 0}, "
        "\"transfers\": {\"A\": {}}}],\n"
        " \"blank_ballots\": 0, \"by_country\": {\"DE\": {\"ballots\": 4, \"value\": 4, "
        "\"first_preferences\": {\"A\": 3, \"B\": 0, \"C\": 1}, \"final\": {\"A\": 3, \"B\": "
        "1}}, \"FR\": {\"ballots\": 3, \"value\": 3, \"first_preferences\": {\"A\": 0, \"B\": 2, "
        "\"C\": 1}, \"final\": {\"A\": 1, \"B\": 2}}, \"ZZ\": {\"ballots\": 1, \"value\": 1, "
        "\"first_preferences\": {\"A\": 0, \"B\": 1, \"C\": 0}, \"final\": {\"A\": 0, \"B\": "
        "1}}}}\n";
    cr_assert_str_eq(b.data, want);
    election_buf_fini(&b);

    cr_assert_eq(election_write_text(&e, &res, &b), 0);
    cr_assert(strstr(b.data, "Winners: A\n") != NULL, "%s", b.data);
    cr_assert(strstr(b.data, "round 1: C -> A 1, B 1") != NULL, "%s", b.data);
    election_buf_fini(&b);
    tally_result_fini(&res);
    memset(&res, 0, sizeof res);
}

Test(election_write, decimals_are_exact_and_canonical)
{
    /* STV with fractional transfers: every number written without exponent
     * or trailing zeros, the cap as strings */
    const char *doc =
        "{\"format\": \"pnyx-election/1\", \"method\": \"stv\", \"seats\": 2, \"options\": "
        "[\"A\", \"B\", \"C\"], \"rules\": {\"country_cap\": \"0.50\"}, \"ballots\": "
        "[{\"ranking\": [\"A\", \"B\"], \"count\": 7, \"country\": \"DE\", \"weight\": "
        "\"0.8333\"}, {\"ranking\": [\"B\"], \"count\": 2, \"country\": \"FR\"}, {\"ranking\": "
        "[\"C\"], \"count\": 3, \"country\": \"IT\"}]}";
    cr_assert_eq(count_doc(doc), TALLY_OK, "%s", err.reason);
    struct election_buf b = {0};
    cr_assert_eq(election_write_json(&e, &res, &b), 0);
    cr_assert(strstr(b.data, "\"country_cap\": {\"cap\": \"0.5\", \"factors\": {") != NULL, "%s",
              b.data);
    cr_assert_null(strstr(b.data, "e+"), "%s", b.data);
    cr_assert_null(strstr(b.data, "e-"), "%s", b.data);
    /* no number ends in a fractional zero */
    for (const char *p = b.data; (p = strchr(p, '.')) != NULL; p++) {
        const char *q = p + 1;
        while (*q >= '0' && *q <= '9') {
            q++;
        }
        if (q > p + 1 && p[-1] >= '0' && p[-1] <= '9') {
            cr_assert_neq(q[-1], '0', "trailing zero near: %.30s", p - 5);
        }
    }
    election_buf_fini(&b);
    tally_result_fini(&res);
    memset(&res, 0, sizeof res);
}

Test(election_read, deep_nesting_in_an_ignored_member)
{
    /* 1000 levels inside "expected" are fine (skipped), 1100 hit the cap */
    size_t cap = 8192;
    char *doc = malloc(cap);
    for (int pass = 0; pass < 2; pass++) {
        size_t depth = pass == 0 ? 1000 : 1100, o = 0;
        o += (size_t)snprintf(doc + o, cap - o, "{\"expected\": ");
        for (size_t i = 0; i < depth; i++) {
            doc[o++] = '[';
        }
        for (size_t i = 0; i < depth; i++) {
            doc[o++] = ']';
        }
        (void)snprintf(doc + o, cap - o,
                       ", \"format\": \"pnyx-election/1\", \"seats\": 1, \"options\": [\"A\"], "
                       "\"ballots\": [{\"ranking\": [\"A\"]}]}");
        int rc = rd(doc);
        if (pass == 0) {
            cr_assert_eq(rc, TALLY_OK, "%s", err.reason);
        } else {
            cr_assert_eq(rc, TALLY_EINVAL);
            cr_assert(strstr(err.reason, "nesting deeper than 1024 levels") != NULL, "%s",
                      err.reason);
        }
    }
    free(doc);
}
