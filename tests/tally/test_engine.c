/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/test_engine.c — unit tests of the engine's core: exact decimals,
 * the Java generator and orders (§6.3, §6.4), every worked example of
 * ELECTION-FORMAT.md (§5.3, §5.4, §5.6, §5.7, §10.1), rule edges and
 * validation errors (entry index, field, reason).
 */
#include <criterion/criterion.h>

#include "ballot_spec.h"
#include "tally_int.h"

static struct tally_election E;
static struct tally_result R;
static struct tally_error ERR;
static char B1[128], B2[128];

static void setup(void)
{
    tally_election_init(&E);
    memset(&R, 0, sizeof(R));
    memset(&ERR, 0, sizeof(ERR));
}

static void teardown(void)
{
    tally_result_fini(&R);
    tally_election_fini(&E);
}

#define TAL(r, id)  spec_tally(&E, &R, r, id, B1)
#define TR(r, f, t) spec_transfer(&E, &R, r, f, t, B1)
#define DEC(d)      spec_fmt(&(d), B2)
#define RUN_OK()    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_OK, "%s", ERR.reason)
#define WINNERS()   spec_ids(&E, R.winners, R.n_winners, B2, sizeof(B2))
#define ELIM(r)                                                                                    \
    spec_ids(&E, R.rounds[(r)-1].eliminated, R.rounds[(r)-1].n_eliminated, B2, sizeof(B2))
#define ELECTED(r) spec_ids(&E, R.rounds[(r)-1].elected, R.rounds[(r)-1].n_elected, B2, sizeof(B2))

/* ------------------------------------------------------------- decimals */

static const char *canon(const char *s)
{
    static char buf[64];
    struct tally_dec d;
    if (tally_dec_parse(s, strlen(s), &d) != TALLY_OK) {
        return "ERR";
    }
    tally_dec_format(&d, buf, sizeof(buf));
    return buf;
}

Test(dec, parse_format)
{
    cr_assert_str_eq(canon("0.50000"), "0.5");
    cr_assert_str_eq(canon("2.000"), "2");
    cr_assert_str_eq(canon("007.25"), "7.25");
    cr_assert_str_eq(canon("0"), "0");
    cr_assert_str_eq(canon("0.0003"), "0.0003");
    cr_assert_str_eq(canon("12345678901234567890.12345678901234567"),
                     "12345678901234567890.12345678901234567");
    cr_assert_str_eq(canon(".5"), "ERR");
    cr_assert_str_eq(canon("5."), "ERR");
    cr_assert_str_eq(canon("-1"), "ERR");
    cr_assert_str_eq(canon("1e0"), "ERR");
    cr_assert_str_eq(canon(" 1"), "ERR");
    cr_assert_str_eq(canon(""), "ERR");
    struct tally_dec d;
    cr_assert_eq(tally_dec_parse("123456789012345678901234567890123456789", 39, &d), TALLY_ERANGE);
    /* found by fuzz_election: one significant digit 51 places down parsed to
     * scale 51, and formatting it (the weight's error message) ran past
     * tally_dec_format's digit buffer; scale is capped at parse now */
    const char *deep = "0.000000000000000000000000000000000000000000000000001";
    cr_assert_eq(tally_dec_parse(deep, strlen(deep), &d), TALLY_ERANGE);
    const char *at38 = "0.00000000000000000000000000000000000001000";
    cr_assert_eq(tally_dec_parse(at38, strlen(at38), &d), TALLY_OK);
    cr_assert_eq(d.scale, 38);
    cr_assert_str_eq(DEC(d), "0.00000000000000000000000000000000000001");
    char out[64] = "x";
    struct tally_dec past = tally_dec_make(1, TALLY_DEC_MAX_SCALE + 9);
    cr_assert_eq(tally_dec_format(&past, out, sizeof out), -1);
    cr_assert_str_eq(out, "");
    cr_assert_eq(tally_dec_parse_number("1.25E+1", 7, &d), TALLY_OK);
    cr_assert_str_eq(DEC(d), "12.5");
    cr_assert_eq(tally_dec_parse_number("125e-3", 6, &d), TALLY_OK);
    cr_assert_str_eq(DEC(d), "0.125");
    cr_assert_eq(tally_dec_parse_number("-5", 2, &d), TALLY_EINVAL);
    struct tally_dec neg = tally_dec_make(-12345, 4);
    cr_assert_str_eq(DEC(neg), "-1.2345");
    struct tally_dec small = tally_dec_make(3, 4);
    cr_assert_str_eq(DEC(small), "0.0003");
}

Test(dec, cmp_and_rescale)
{
    struct tally_dec a = tally_dec_make(5, 1), b = tally_dec_make(50, 2), c = tally_dec_make(51, 2);
    cr_assert_eq(tally_dec_cmp(&a, &b), 0);
    cr_assert_lt(tally_dec_cmp(&a, &c), 0);
    cr_assert_gt(tally_dec_cmp(&c, &a), 0);
    struct tally_dec r;
    cr_assert_eq(tally_dec_rescale(a, 4, &r), TALLY_OK);
    cr_assert(r.units == 5000 && r.scale == 4);
    struct tally_dec x = tally_dec_make(12345, 5);
    cr_assert_eq(tally_dec_rescale(x, 4, &r), TALLY_EINVAL);
}

Test(dec, muldiv_256)
{
    tally_i128 q;
    tally_u128 a = (tally_u128)1 << 100, b = (tally_u128)1 << 100, c = (tally_u128)1 << 90;
    cr_assert_eq(tally_muldiv(a, b, c, &q), TALLY_OK);
    cr_assert(q == (tally_i128)((tally_u128)1 << 110));
    /* floor: (10^30 + 7) × 10^20 / 3 */
    tally_u128 p20 = tally_pow10(20);
    tally_u128 big = tally_pow10(30) + 7;
    cr_assert_eq(tally_muldiv(big, p20, 3, &q), TALLY_ERANGE); /* 3.3e49 > 2^127 */
    cr_assert_eq(tally_muldiv(big, p20, p20 * 1000, &q), TALLY_OK);
    cr_assert(q == (tally_i128)(tally_pow10(27)));
    cr_assert_eq(tally_muldiv(7, 3, 2, &q), TALLY_OK);
    cr_assert(q == 10);
}

/* ---------------------------------------------------- java generator §6.3 */

Test(random, seed_zero_sequence)
{
    struct tally_rng r;
    tally_rng_seed(&r, 0);
    cr_assert_eq(r.state, 0x5DEECE66DULL);
    cr_assert_eq(tally_rng_next(&r, 26), 49054417u);
    cr_assert_eq(r.state, 0xBB20B4600A74ULL);
    cr_assert_eq(tally_rng_next(&r, 27), 111594121u);
    cr_assert_eq(r.state, 0xD4D95138AB6FULL);
    tally_rng_seed(&r, 0);
    cr_assert_eq(tally_rng_next_double(&r), 0.730967787376657);
    cr_assert_eq(tally_rng_next_double(&r), 0.24053641567148587);
    cr_assert_eq(tally_rng_next_double(&r), 0.6374174253501083);
    tally_rng_seed(&r, 0);
    cr_assert_eq(tally_rng_pick(&r, 2), 1u);
}

Test(random, seed_12345_and_negative)
{
    struct tally_rng r;
    tally_rng_seed(&r, 12345);
    cr_assert_eq(tally_rng_next_double(&r), 0.3618031071604718);
    cr_assert_eq(tally_rng_next_double(&r), 0.932993485288541);
    cr_assert_eq(tally_rng_next_double(&r), 0.8330913489710237);
    /* only the low 48 bits of the two's-complement seed matter */
    struct tally_rng a, b;
    tally_rng_seed(&a, -1);
    tally_rng_seed(&b, (int64_t)((1ULL << 48) - 1));
    cr_assert_eq(a.state, b.state);
}

Test(random, binary64_product_rounds)
{
    /* §6.3: k = (2^54-1)/3, n = 3 — exact arithmetic says 1.99…, binary64 says 2 */
    uint64_t k = ((1ULL << 54) - 1) / 3;
    volatile double u = (double)k * 0x1.0p-53;
    volatile double p = u * 3.0;
    cr_assert_eq((int)p, 2);
}

/* ------------------------------------------------------ orders §6.4 ------ */

Test(order, java_hash_and_hashset)
{
    cr_assert_eq(spec_options(&E, "Alice Bob Carol Dave Eve Mallory"), 0);
    cr_assert_eq(tally_java_hash(&E, 1), 0x10595u);   /* Bob */
    cr_assert_eq(tally_java_hash(&E, 4), 0x111B4u);   /* Eve */
    cr_assert_eq(tally_java_hash(&E, 0), 0x3C6A660u); /* Alice */
    cr_assert_eq(tally_java_hash(&E, 5), 0x94EA9842u);
    uint32_t ids[6] = {0, 1, 2, 3, 4, 5}; /* UTF-16 order already */
    tally_sort_utf16(&E, ids, 6);
    cr_assert_eq(tally_hashset_order(&E, ids, 6), TALLY_OK);
    cr_assert_str_eq(spec_ids(&E, ids, 6, B1, sizeof(B1)), "Bob,Eve,Alice,Mallory,Carol,Dave");
    tally_election_fini(&E);
}

Test(order, utf16_not_code_points)
{
    /* é U+00E9 < 😀 U+1F600 (D83D DE00) < ｚ U+FF5A in UTF-16; code points would put ｚ
     * before 😀. A proper prefix comes first. */
    cr_assert_eq(spec_options(&E, "\xef\xbd\x9a \xf0\x9f\x98\x80 \xc3\xa9 Abc Ab"), 0);
    uint32_t ids[5] = {0, 1, 2, 3, 4};
    tally_sort_utf16(&E, ids, 5);
    cr_assert_str_eq(spec_ids(&E, ids, 5, B1, sizeof(B1)),
                     "Ab,Abc,\xc3\xa9,\xf0\x9f\x98\x80,\xef\xbd\x9a");
    tally_election_fini(&E);
}

Test(order, hashset_capacity_32)
{
    /* 12 ids → capacity 32: bucket = spread hash & 31 */
    cr_assert_eq(spec_options(&E, "a b c d e f g h i j k l"), 0);
    uint32_t ids[12];
    for (uint32_t i = 0; i < 12; i++) {
        ids[i] = i;
    }
    cr_assert_eq(tally_hashset_order(&E, ids, 12), TALLY_OK);
    /* "a".."l" hash to 97..108, buckets 97&31=1 … 108&31=12: already ascending */
    for (uint32_t i = 0; i < 12; i++) {
        cr_assert_eq(ids[i], i);
    }
    tally_election_fini(&E);
}

/* ----------------------------------------------------- examples -------- */

TestSuite(example, .init = setup, .fini = teardown);

Test(example, section_10_1)
{
    spec_options(&E, "A B C");
    tally_rules_set_rules_id(&E, "pnyx-irv/1", 10);
    spec_ballot_wc(&E, "A", 3, NULL, "DE");
    spec_ballot_wc(&E, "C B", 1, NULL, "DE");
    spec_ballot_wc(&E, "B", 2, NULL, "FR");
    spec_ballot_wc(&E, "C A", 1, NULL, "FR");
    spec_ballot_wc(&E, "B", 1, NULL, "ZZ");
    RUN_OK();
    cr_assert_str_eq(WINNERS(), "A");
    cr_assert_str_eq(R.rules_id, "pnyx-irv/1");
    cr_assert_eq(R.n_rounds, 2);
    cr_assert_str_eq(TAL(1, "A"), "3");
    cr_assert_str_eq(TAL(1, "C"), "2");
    cr_assert_str_eq(DEC(R.rounds[0].threshold), "5");
    cr_assert_str_eq(ELIM(1), "C");
    cr_assert_str_eq(TR(1, "C", "B"), "1");
    cr_assert_str_eq(TR(1, "C", "A"), "1");
    cr_assert_str_eq(TAL(2, "A"), "4");
    cr_assert_str_eq(TAL(2, "B"), "4");
    cr_assert_str_eq(TAL(2, "C"), "-");
    cr_assert_str_eq(ELECTED(2), "A");
    cr_assert_eq(R.rounds[1].n_transfers, 0);
    cr_assert_eq(R.n_by_country, 3);
    struct tally_country_stat *de = &R.by_country[0], *fr = &R.by_country[1];
    cr_assert_eq(de->country, TALLY_COUNTRY('D', 'E'));
    cr_assert_eq(de->ballots, 4);
    cr_assert_str_eq(DEC(de->value), "4");
    cr_assert_str_eq(DEC(de->first[2]), "1");
    cr_assert_str_eq(DEC(de->final[1]), "1");
    cr_assert(!de->final_present[2]);
    cr_assert_str_eq(DEC(fr->final[0]), "1");
    cr_assert_str_eq(DEC(R.by_country[2].final[1]), "1");
}

Test(example, batch_5_6)
{
    spec_options(&E, "A B C D");
    E.rules.batch_elimination = true;
    spec_ballot(&E, "A", 8);
    spec_ballot(&E, "B", 7);
    spec_ballot(&E, "C", 2);
    spec_ballot(&E, "D", 1);
    RUN_OK();
    cr_assert_str_eq(ELIM(1), "C,D");
}

Test(example, stv_5_7)
{
    spec_options(&E, "A B C D");
    E.method = TALLY_STV;
    E.seats = 3;
    spec_ballot(&E, "A B", 6);
    spec_ballot(&E, "A C", 3);
    spec_ballot(&E, "B", 4);
    spec_ballot(&E, "C", 4);
    spec_ballot(&E, "D", 3);
    RUN_OK();
    cr_assert_str_eq(DEC(R.rounds[0].threshold), "6");
    cr_assert_str_eq(ELECTED(1), "A");
    cr_assert_str_eq(TAL(2, "A"), "6");
    cr_assert_str_eq(TAL(2, "B"), "5.9998");
    cr_assert_str_eq(TAL(2, "C"), "4.9999");
    cr_assert_str_eq(TAL(2, "D"), "3");
    cr_assert_str_eq(DEC(R.rounds[1].residual_surplus), "0.0003");
    cr_assert_str_eq(TR(1, "A", "B"), "1.9998");
    cr_assert_str_eq(TR(1, "A", "C"), "0.9999");
    cr_assert_str_eq(TR(1, "A", "residual_surplus"), "0.0003");
    cr_assert_str_eq(ELIM(2), "D");
    cr_assert_str_eq(TR(2, "D", "exhausted"), "3");
    cr_assert(R.rounds[1].stv_multi);
}

Test(example, skipped_rescan_5_3)
{
    spec_options(&E, "A B C");
    E.rules.max_skipped_ranks = 0;
    spec_ballot(&E, "C _ B", 1);
    spec_ballot(&E, "A", 3);
    spec_ballot(&E, "B", 2);
    RUN_OK();
    cr_assert_str_eq(TAL(1, "C"), "1");
    cr_assert_str_eq(ELIM(1), "C");
    cr_assert_str_eq(DEC(R.rounds[1].inactive[TALLY_IN_SKIPPED]), "1");
    cr_assert_str_eq(TR(1, "C", "exhausted"), "1");
}

Test(example, weighted_threshold_5_4)
{
    spec_options(&E, "A B C");
    spec_ballot_wc(&E, "A", 3, "1.5", NULL); /* 4.5 */
    spec_ballot_wc(&E, "B", 4, "1.2", NULL); /* 4.8: V = 9.3 */
    RUN_OK();
    cr_assert_str_eq(DEC(R.rounds[0].threshold), "4.6501");
    cr_assert_str_eq(WINNERS(), "B");
}

/* ------------------------------------------------------- rules -------- */

TestSuite(rules, .init = setup, .fini = teardown);

Test(rules, overvote_modes)
{
    spec_options(&E, "A B C");
    spec_ballot(&E, "[A B] C", 1);
    spec_ballot(&E, "A", 2);
    spec_ballot(&E, "B", 2);
    spec_ballot(&E, "C", 1);
    RUN_OK();
    cr_assert_str_eq(DEC(R.rounds[0].inactive[TALLY_IN_OVERVOTES]), "1");
    tally_result_fini(&R);
    E.rules.overvote = TALLY_OV_SKIP;
    RUN_OK();
    cr_assert_str_eq(TAL(1, "C"), "2");
    tally_result_fini(&R);
    E.rules.overvote = TALLY_OV_EXHAUST_IF_MULTIPLE;
    RUN_OK();
    cr_assert_str_eq(DEC(R.rounds[0].inactive[TALLY_IN_OVERVOTES]), "1");
}

Test(rules, eimc_one_continuing)
{
    spec_options(&E, "A B C D");
    E.rules.overvote = TALLY_OV_EXHAUST_IF_MULTIPLE;
    E.rules.n_excluded = 0;
    tally_rules_add_excluded(&E, 1); /* B excluded: [A B] has one continuing id */
    spec_ballot(&E, "[A B] C", 1);
    spec_ballot(&E, "C", 3);
    spec_ballot(&E, "D", 2);
    RUN_OK();
    cr_assert_str_eq(TAL(1, "A"), "1");
    cr_assert_str_eq(TAL(1, "B"), "-");
}

Test(rules, skip_overvote_last_rank_exhausts)
{
    spec_options(&E, "A B C");
    E.rules.overvote = TALLY_OV_SKIP;
    spec_ballot(&E, "[A B]", 1);
    spec_ballot(&E, "A", 1);
    RUN_OK();
    cr_assert_str_eq(DEC(R.rounds[0].inactive[TALLY_IN_EXHAUSTED_CHOICES]), "1");
}

Test(rules, duplicates_and_blank)
{
    spec_options(&E, "A B C");
    E.rules.exhaust_on_duplicate = true;
    spec_ballot(&E, "C C A", 1);
    spec_ballot(&E, "[] []", 1);
    spec_ballot(&E, "_ _", 2); /* blank */
    spec_ballot(&E, "A", 3);
    spec_ballot(&E, "B", 2);
    RUN_OK();
    cr_assert_str_eq(DEC(R.blank_ballots), "2");
    /* round 1: C C A counts for C; [] [] is an overvote (exhaust) first */
    cr_assert_str_eq(TAL(1, "C"), "1");
    cr_assert_str_eq(DEC(R.rounds[0].inactive[TALLY_IN_OVERVOTES]), "1");
    /* C eliminated: the rescan meets C twice → repeated */
    cr_assert_str_eq(DEC(R.rounds[1].inactive[TALLY_IN_REPEATED]), "1");
    cr_assert_str_eq(DEC(R.rounds[1].exhausted), "2");
}

Test(rules, uwi_eliminated_first_and_never_elected)
{
    spec_options(&E, "A B W");
    E.rules.undeclared_write_in = 2;
    spec_ballot(&E, "W A", 1);
    spec_ballot(&E, "A", 5);
    spec_ballot(&E, "B", 3);
    RUN_OK();
    cr_assert_str_eq(ELIM(1), "W");
    cr_assert_eq(R.rounds[0].n_elected, 0);
    cr_assert_str_eq(WINNERS(), "A");
}

Test(rules, tie_order_and_errors)
{
    spec_options(&E, "A B C");
    spec_ballot(&E, "A", 2); /* 2 of 4: no majority */
    spec_ballot(&E, "B", 1);
    spec_ballot(&E, "C", 1);
    RUN_OK();
    cr_assert_str_eq(ELIM(1), "C"); /* loser = listed latest */
    tally_result_fini(&R);
    tally_rules_add_tiebreak_order(&E, 2);
    tally_rules_add_tiebreak_order(&E, 1);
    tally_rules_add_tiebreak_order(&E, 0);
    RUN_OK();
    cr_assert_str_eq(ELIM(1), "B");
    tally_result_fini(&R);
    E.rules.n_tiebreak_order = 1; /* only C listed: C is picked */
    RUN_OK();
    cr_assert_str_eq(ELIM(1), "C");
    tally_result_fini(&R);
    E.rules.tiebreak_order[0] = 0; /* only A listed: error */
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_ETIE);
    cr_assert(strstr(ERR.reason, "tiebreak_order") != NULL, "%s", ERR.reason);
    E.rules.tiebreak = TALLY_TB_ASK;
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_ETIE);
    cr_assert(strstr(ERR.reason, "B, C") != NULL, "%s", ERR.reason);
}

Test(rules, tie_random_round_one_utf16)
{
    spec_options(&E, "C B A");
    E.rules.tiebreak = TALLY_TB_PREV_RANDOM;
    E.rules.random_seed = 0;
    spec_ballot(&E, "A", 3);
    spec_ballot(&E, "B", 3);
    spec_ballot(&E, "C", 5);
    /* round 1: A, B tied lowest, no earlier round: UTF-16 order [A, B], seed 0 → 0.7309… ×2 → B */
    RUN_OK();
    cr_assert_str_eq(ELIM(1), "B");
}

Test(rules, tie_previous_rounds)
{
    spec_options(&E, "A B C D");
    E.rules.tiebreak = TALLY_TB_PREV_ASK;
    spec_ballot(&E, "A", 5);
    spec_ballot(&E, "B", 4);
    spec_ballot(&E, "C", 3);
    spec_ballot(&E, "D B", 1);
    spec_ballot(&E, "D", 2);
    /* round 1: D 3 ties C 3 → no earlier round → ask: error */
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_ETIE);
}

Test(rules, tie_previous_rounds_resolves)
{
    spec_options(&E, "A B C D");
    E.rules.tiebreak = TALLY_TB_PREV_ASK;
    spec_ballot(&E, "A", 9);
    spec_ballot(&E, "B", 5);
    spec_ballot(&E, "C", 4);
    spec_ballot(&E, "D C", 1);
    /* r1: D 1 out. r2: B 5, C 5 tied lowest; r1 had B 5, C 4 → C out */
    RUN_OK();
    cr_assert_str_eq(ELIM(2), "C");
}

Test(rules, stop_after_round_and_continue_until_two)
{
    spec_options(&E, "A B C D");
    spec_ballot(&E, "A", 9);
    spec_ballot(&E, "B", 3);
    spec_ballot(&E, "C", 2);
    spec_ballot(&E, "D", 1);
    RUN_OK();
    cr_assert_eq(R.n_rounds, 1); /* A has a majority */
    tally_result_fini(&R);
    E.rules.continue_until_two = true;
    RUN_OK();
    /* A wins in round 1 and keeps counting; D, then C go; one more round shows the two */
    cr_assert_eq(R.n_rounds, 4);
    cr_assert_str_eq(ELIM(2), "D");
    cr_assert_str_eq(ELIM(3), "C");
    cr_assert_str_eq(TAL(4, "A"), "9");
    cr_assert_str_eq(TAL(4, "B"), "3");
    cr_assert_str_eq(TAL(4, "C"), "-");
    cr_assert_str_eq(WINNERS(), "A");
    tally_result_fini(&R);
    E.rules.continue_until_two = false;
    E.rules.stop_after_round = 1;
    spec_ballot(&E, "B", 5); /* A 9, B 8 of 20: no majority in round 1 */
    RUN_OK();
    cr_assert_eq(R.n_rounds, 1);
    cr_assert_eq(R.n_winners, 0);
}

Test(rules, hare_and_non_integer)
{
    spec_options(&E, "A B C");
    E.method = TALLY_STV;
    E.seats = 2;
    E.rules.quota = TALLY_QUOTA_HARE;
    spec_ballot(&E, "A", 5);
    spec_ballot(&E, "B", 4);
    spec_ballot(&E, "C", 2);
    RUN_OK();
    cr_assert_str_eq(DEC(R.rounds[0].threshold), "6"); /* ceil(11/2) */
    tally_result_fini(&R);
    E.rules.quota = TALLY_QUOTA_DROOP;
    E.rules.non_integer_threshold = true;
    RUN_OK();
    cr_assert_str_eq(DEC(R.rounds[0].threshold), "3.6667"); /* trunc(11/3) + 0.0001 */
}

Test(rules, more_seats_than_candidates)
{
    spec_options(&E, "A B");
    E.method = TALLY_STV;
    E.seats = 3;
    spec_ballot(&E, "A", 2);
    spec_ballot(&E, "B", 1);
    RUN_OK();
    cr_assert_eq(R.n_winners, 2);
    cr_assert_eq(R.n_rounds, 1);
}

Test(rules, decimal_places_20_surplus)
{
    spec_options(&E, "A B C D");
    E.method = TALLY_STV;
    E.seats = 2;
    E.rules.decimal_places = 20;
    spec_ballot_wc(&E, "A B", 7, "1.33333333333333333333", NULL);
    spec_ballot_wc(&E, "B C", 2, "2.5", NULL);
    spec_ballot(&E, "C", 3);
    spec_ballot(&E, "D", 2);
    RUN_OK();
    cr_assert_str_eq(WINNERS(), "A,B");
    /* sum invariant holds exactly at 20 places in every round */
    for (size_t r = 0; r < R.n_rounds; r++) {
        tally_i128 s = R.rounds[r].residual_surplus.units;
        for (size_t o = 0; o < 4; o++) {
            if (R.rounds[r].present[o]) {
                s += R.rounds[r].tally[o].units;
            }
        }
        for (int k = 0; k < TALLY_IN_N; k++) {
            s += R.rounds[r].inactive[k].units;
        }
        struct tally_dec tot = tally_dec_make(s, 20);
        cr_assert_str_eq(DEC(tot), "19.33333333333333333331", "round %zu", r + 1);
    }
}

Test(rules, overflow_is_refused)
{
    spec_options(&E, "A B");
    E.rules.decimal_places = 20;
    spec_ballot(&E, "A", UINT64_MAX);
    spec_ballot(&E, "B", 1);
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_ERANGE, "%s", ERR.reason);
    E.rules.decimal_places = 4;
    RUN_OK();
    cr_assert_str_eq(TAL(1, "A"), "18446744073709551615");
}

Test(rules, grouping_sums_counts)
{
    spec_options(&E, "A B");
    spec_ballot(&E, "A _ _", 1);
    spec_ballot(&E, "A", 2);
    spec_ballot(&E, "B", 1);
    spec_ballot(&E, "A", 0);
    cr_assert_eq(E.n_entries, 2);
    cr_assert_eq(E.n_added, 4);
    cr_assert_eq(E.entries[0].count, 3);
}

/* --------------------------------------------------- validation -------- */

TestSuite(invalid, .init = setup, .fini = teardown);

Test(invalid, weight_places_names_the_ballot)
{
    spec_options(&E, "A B");
    spec_ballot(&E, "A", 3);
    spec_ballot_wc(&E, "B", 2, "0.00005", NULL);
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    cr_assert_eq(ERR.entry, 1);
    cr_assert_str_eq(ERR.field, "weight");
    cr_assert_str_eq(ERR.reason,
                     "ballot 2: weight 0.00005 has more than decimal_places=4 decimals");
    E.rules.decimal_places = 5;
    RUN_OK();
}

Test(invalid, max_rankings_first_offender)
{
    spec_options(&E, "A B C");
    E.rules.max_rankings = 2;
    spec_ballot(&E, "A B", 1);
    spec_ballot(&E, "A B C", 1);
    spec_ballot(&E, "A _ _", 1); /* trailing skips are nothing */
    spec_ballot(&E, "A B C", 1);
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    cr_assert_eq(ERR.entry, 1);
    cr_assert_str_eq(ERR.field, "ranking");
}

Test(invalid, empty_overvote_under_eimc)
{
    spec_options(&E, "A B");
    E.rules.overvote = TALLY_OV_EXHAUST_IF_MULTIPLE;
    spec_ballot(&E, "A", 1);
    spec_ballot(&E, "B []", 1);
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    cr_assert_eq(ERR.entry, 1);
}

Test(invalid, countries_mixed)
{
    spec_options(&E, "A B");
    spec_ballot_wc(&E, "A", 3, NULL, "DE");
    spec_ballot(&E, "B", 2);
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    cr_assert_eq(ERR.entry, 1);
    cr_assert_str_eq(ERR.reason, "some ballots have a country and others not: when one has, "
                                 "every ballot needs one");
}

Test(invalid, rule_combinations)
{
    spec_options(&E, "A B C");
    spec_ballot(&E, "A", 1);
    E.seats = 2; /* irv with 2 seats and standard mode */
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    cr_assert_str_eq(ERR.field, "seats");
    E.rules.winner_mode = TALLY_WM_BOTTOMS_UP;
    RUN_OK();
    tally_result_fini(&R);
    E.rules.batch_elimination = true; /* batch with seats > 1 */
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    E.rules.batch_elimination = false;
    E.method = TALLY_STV; /* stv cannot use bottoms_up */
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    E.rules.winner_mode = TALLY_WM_STANDARD;
    E.rules.quota = TALLY_QUOTA_HARE;
    E.rules.non_integer_threshold = true;
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    E.rules.non_integer_threshold = false;
    RUN_OK();
    tally_result_fini(&R);
    E.method = TALLY_IRV;
    E.seats = 1; /* hare without multi-seat stv */
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    E.rules.quota = TALLY_QUOTA_DROOP;
    E.rules.decimal_places = 21;
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    cr_assert_str_eq(ERR.field, "rules.decimal_places");
    E.rules.decimal_places = 4;
    E.rules.random_seed = (int64_t)1 << 47;
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    E.rules.random_seed = -((int64_t)1 << 47);
    RUN_OK();
    tally_result_fini(&R);
    E.rules.winner_mode = TALLY_WM_BOTTOMS_UP_PERCENTAGE; /* needs seats 0 + percentage */
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    E.seats = 0;
    E.rules.has_bottoms_up_percentage = true;
    E.rules.bottoms_up_percentage = tally_dec_int(101);
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    E.rules.bottoms_up_percentage = tally_dec_int(25);
    RUN_OK();
    tally_result_fini(&R);
    tally_rules_add_excluded(&E, 1);
    tally_rules_add_excluded(&E, 1);
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    cr_assert_str_eq(ERR.field, "rules.excluded");
}

Test(invalid, nothing_to_eliminate)
{
    spec_options(&E, "A B");
    tally_rules_add_excluded(&E, 0);
    tally_rules_add_excluded(&E, 1);
    spec_ballot(&E, "A", 1);
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    cr_assert(strstr(ERR.reason, "nothing left to eliminate") != NULL);
}

Test(invalid, builder_refusals)
{
    cr_assert_eq(spec_options(&E, "A B"), 0);
    cr_assert_eq(tally_election_add_option(&E, "A", 1, &ERR), TALLY_EINVAL);
    cr_assert_str_eq(ERR.field, "options");
    struct tally_dec zero = tally_dec_int(0);
    cr_assert_eq(tally_election_add_entry(&E, 1, &zero, TALLY_COUNTRY_NONE, &ERR), TALLY_EINVAL);
    cr_assert_eq(ERR.entry, 0);
    cr_assert_eq(tally_election_add_entry(&E, 1, NULL, TALLY_COUNTRY('d', 'E'), &ERR),
                 TALLY_EINVAL);
    cr_assert_str_eq(ERR.field, "country");
    cr_assert_eq(tally_election_mark_add(&E, 0), TALLY_EINVAL); /* no open mark */
}

Test(random, seed_from_root)
{
    const uint8_t a[32] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0xff};
    const uint8_t b[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const uint8_t c[32] = {0x80, 0x00, 0x00, 0x00, 0x00, 0x00};
    const uint8_t d[32] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff};
    cr_assert_eq(tally_seed_from_root(a), 0x000102030405LL);
    cr_assert_eq(tally_seed_from_root(b), -1);
    cr_assert_eq(tally_seed_from_root(c), -((int64_t)1 << 47));
    cr_assert_eq(tally_seed_from_root(d), ((int64_t)1 << 47) - 1);
}

Test(rules, grouping_keys_and_rehash)
{
    spec_options(&E, "A B C D E");
    spec_ballot_wc(&E, "A B", 1, "0.5", "DE");
    spec_ballot_wc(&E, "A B", 1, "0.5", "FR");
    spec_ballot_wc(&E, "A B", 1, "0.50", "DE"); /* same weight in value */
    spec_ballot_wc(&E, "A B", 1, "2", "DE");
    spec_ballot_wc(&E, "A _ B", 1, "0.5", "DE");
    spec_ballot_wc(&E, "[A B]", 1, "0.5", "DE");
    spec_ballot_wc(&E, "A [B]", 1, "0.5", "DE");
    cr_assert_eq(E.n_entries, 5);
    cr_assert_eq(E.entries[0].count, 3); /* "A [B]" is "A B" */
    tally_election_fini(&E);
    /* many distinct keys (rehashing several times), each counted exactly */
    tally_election_init(&E);
    spec_options(&E, "A B C D E");
    enum { POOL = 3000, N = 40000 };
    static char pool[POOL][32];
    static uint64_t want[POOL];
    uint64_t s = 42;
    memset(want, 0, sizeof(want));
    for (int i = 0; i < POOL; i++) {
        /* distinct by construction: the index in base 6 as marks, 6 = skip */
        int v = i, at = 0;
        do {
            int d = v % 6;
            v /= 6;
            if (d == 5) {
                pool[i][at++] = '_';
            } else {
                pool[i][at++] = (char)('A' + d);
            }
            pool[i][at++] = ' ';
        } while (v > 0);
        pool[i][at++] = 'A'; /* never ends with a skip */
        pool[i][at] = '\0';
    }
    for (int j = 0; j < N; j++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        int i = (int)((s >> 33) % POOL);
        want[i]++;
        cr_assert_eq(spec_ballot(&E, pool[i], 1), TALLY_OK);
    }
    size_t distinct = 0;
    for (int i = 0; i < POOL; i++) {
        distinct += want[i] != 0;
    }
    cr_assert_eq(E.n_entries, distinct);
    cr_assert_eq(E.n_added, N);
    /* every entry's count equals the number of times its ranking was added:
     * rebuild each entry's spec text and look it up */
    for (size_t k = 0; k < E.n_entries; k++) {
        char spec[64];
        size_t at = 0;
        const struct tally_entry *x = &E.entries[k];
        for (uint32_t r = 0; r < x->n_ranks; r++) {
            const struct tally_rank *rk = &E.ranks_pool[x->rank_off + r];
            spec[at++] = rk->n == TALLY_RANK_SKIPPED ? '_' : (char)('A' + E.ids_pool[rk->off]);
            spec[at++] = r + 1 < x->n_ranks ? ' ' : '\0';
        }
        int found = -1;
        for (int i = 0; i < POOL && found < 0; i++) {
            if (strcmp(pool[i], spec) == 0) {
                found = i;
            }
        }
        cr_assert_geq(found, 0, "entry %zu: %s", k, spec);
        cr_assert_eq(x->count, want[found], "entry %zu", k);
    }
}

Test(rules, multi_pass_must_elect_one)
{
    spec_options(&E, "A B C");
    E.seats = 2;
    E.rules.winner_mode = TALLY_WM_MULTI_PASS;
    spec_ballot(&E, "A B", 3);
    spec_ballot(&E, "B", 2);
    spec_ballot(&E, "C", 1);
    RUN_OK();
    cr_assert_str_eq(WINNERS(), "A,B");
    cr_assert_eq(R.rounds[0].pass, 1);
    cr_assert_eq(R.rounds[R.n_rounds - 1].pass, 2);
    cr_assert_eq(R.rounds[R.n_rounds - 1].round, 1); /* pass 2: B has 5 of 6 at once */
    tally_result_fini(&R);
    E.rules.stop_after_round = 1; /* pass 1 cannot finish */
    spec_ballot(&E, "C", 2);
    cr_assert_eq(tally_run(&E, &R, &ERR), TALLY_EINVAL);
    cr_assert(strstr(ERR.reason, "multi_pass") != NULL, "%s", ERR.reason);
}

Test(rules, bottoms_up)
{
    spec_options(&E, "A B C D");
    E.seats = 2;
    E.rules.winner_mode = TALLY_WM_BOTTOMS_UP;
    spec_ballot(&E, "A", 5);
    spec_ballot(&E, "B", 4);
    spec_ballot(&E, "C", 3);
    spec_ballot(&E, "D", 1);
    RUN_OK();
    cr_assert_str_eq(DEC(R.rounds[0].threshold), "5"); /* floor(13/3)+1, round 1 only */
    cr_assert_eq(R.rounds[0].n_elected, 0);            /* no threshold elections */
    cr_assert_str_eq(ELIM(1), "D");
    cr_assert_str_eq(ELIM(2), "C");
    cr_assert_str_eq(WINNERS(), "A,B");
    cr_assert_eq(R.n_rounds, 3);
}

Test(rules, one_per_round)
{
    spec_options(&E, "A B C");
    E.method = TALLY_STV;
    E.seats = 2;
    E.rules.winner_mode = TALLY_WM_ONE_PER_ROUND;
    spec_ballot(&E, "A", 6);
    spec_ballot(&E, "B", 5);
    spec_ballot(&E, "C", 1);
    RUN_OK();
    cr_assert_str_eq(ELECTED(1), "A"); /* B also reaches 5, waits a round */
    cr_assert_str_eq(ELECTED(2), "B");
    cr_assert_str_eq(TR(1, "A", "exhausted"), "0.9996"); /* 6 × trunc(1/6) */
    cr_assert_str_eq(TAL(2, "A"), "5");                  /* kept 5.0004: residual 0.0004 */
    cr_assert_str_eq(DEC(R.rounds[1].residual_surplus), "0.0004");
    cr_assert_eq(R.n_rounds, 3); /* the final-surplus round */
    cr_assert_str_eq(DEC(R.rounds[2].inactive[TALLY_IN_FINAL_ROUND_SURPLUS]), "0");
}

Test(rules, previous_rounds_then_random_uses_hashset_order)
{
    spec_options(&E, "Alice Bob Carol Dave");
    E.rules.tiebreak = TALLY_TB_PREV_RANDOM;
    E.rules.random_seed = 0;
    spec_ballot(&E, "Carol", 6);
    spec_ballot(&E, "Dave", 1);
    spec_ballot(&E, "Alice", 3);
    spec_ballot(&E, "Bob", 3);
    /* r2: Alice 3, Bob 3, also equal in r1: pick from HashSet order [Bob, Alice]
     * with 0.7309… × 2 → index 1 → Alice (UTF-16 order would give Bob) */
    RUN_OK();
    cr_assert_str_eq(ELIM(1), "Dave");
    cr_assert_str_eq(ELIM(2), "Alice");
}

/* ------------------------------------------------ builder pools (large) */

/* 120,000 4-rank ballots (each added twice) over 60 options: the
 * pools cross the 512 KiB threshold where they move to huge-page blocks, with
 * no reserve, a too small one and a generous one; all three must agree. */
static void build_large(struct tally_election *e, size_t res_entries, size_t res_ranks)
{
    struct tally_error err;
    char id[8];
    tally_election_init(e);
    for (int i = 0; i < 60; i++) {
        snprintf(id, sizeof(id), "O%d", i);
        cr_assert_eq(tally_election_add_option(e, id, strlen(id), &err), TALLY_OK);
    }
    if (res_entries || res_ranks) {
        cr_assert_eq(tally_election_reserve(e, res_entries, res_ranks), TALLY_OK);
    }
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t k = 0; k < 120000; k++) {
            uint32_t a = k % 60, b = (k / 60) % 60, c = (k / 3600) % 60;
            uint32_t ids[4] = {a, (a + 1 + b) % 60, (a + 31 + c) % 60, (k * 7) % 60};
            for (int r = 0; r < 4; r++) {
                if (r == 2 && k % 5 == 0) {
                    cr_assert_eq(tally_election_skip(e), TALLY_OK);
                    continue;
                }
                cr_assert_eq(tally_election_mark_open(e), TALLY_OK);
                cr_assert_eq(tally_election_mark_add(e, ids[r]), TALLY_OK);
                if (r == 3 && k % 7 == 0) {
                    cr_assert_eq(tally_election_mark_add(e, (ids[r] + 1) % 60), TALLY_OK);
                }
                cr_assert_eq(tally_election_mark_close(e), TALLY_OK);
            }
            cr_assert_eq(tally_election_add_entry(e, 1 + k % 3, NULL, TALLY_COUNTRY_NONE, &err),
                         TALLY_OK, "%s", err.reason);
        }
    }
}

static void same_election(const struct tally_election *x, const struct tally_election *y)
{
    cr_assert_eq(x->n_entries, y->n_entries);
    cr_assert_eq(x->n_added, y->n_added);
    for (size_t i = 0; i < x->n_entries; i++) {
        const struct tally_entry *p = &x->entries[i], *q = &y->entries[i];
        cr_assert_eq(p->count, q->count);
        cr_assert_eq(p->first_index, q->first_index);
        cr_assert_eq(p->n_ranks, q->n_ranks);
        for (uint32_t r = 0; r < p->n_ranks; r++) {
            const struct tally_rank *s = &x->ranks_pool[p->rank_off + r];
            const struct tally_rank *t = &y->ranks_pool[q->rank_off + r];
            cr_assert_eq(s->n, t->n);
            for (uint32_t j = 0; s->n != TALLY_RANK_SKIPPED && j < s->n; j++) {
                cr_assert_eq(x->ids_pool[s->off + j], y->ids_pool[t->off + j]);
            }
        }
    }
}

Test(builder, large_pools_reserve_and_growth)
{
    struct tally_election a, b, c;
    build_large(&a, 0, 0);
    build_large(&b, 1000, 4000);
    build_large(&c, 500000, 3000000);
    cr_assert_eq(a.n_entries, 97440); /* distinct rankings, counted independently */
    cr_assert_eq(a.n_added, 240000);
    cr_assert_eq(a.entries[1].count, 2 * (1 + 1 % 3));
    same_election(&a, &b);
    same_election(&a, &c);
    struct tally_result ra, rc;
    struct tally_error err;
    memset(&ra, 0, sizeof(ra));
    memset(&rc, 0, sizeof(rc));
    cr_assert_eq(tally_run(&a, &ra, &err), TALLY_OK, "%s", err.reason);
    cr_assert_eq(tally_run(&c, &rc, &err), TALLY_OK, "%s", err.reason);
    cr_assert_eq(ra.n_winners, 1);
    cr_assert_eq(ra.winners[0], rc.winners[0]);
    cr_assert_eq(ra.n_rounds, rc.n_rounds);
    tally_result_fini(&ra);
    tally_result_fini(&rc);
    tally_election_fini(&a);
    tally_election_fini(&b);
    tally_election_fini(&c);
}
