/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/ballot: option ids by position (both directions, every valid
 * position, the refused spellings), receipts against a vector computed
 * independently (Python hashlib over the literal canonical JSON), board
 * entries byte for byte, the pad that ends a stored ranking, and the
 * inputs each function refuses.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "core/ballot/ballot.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}

TestSuite(ballot, .init = init);

Test(ballot, option_ids_known_positions)
{
    static const struct {
        unsigned pos;
        const char *id;
    } cases[] = {{0, "A"},   {1, "B"},   {25, "Z"},  {26, "AA"}, {27, "AB"},
                 {51, "AZ"}, {52, "BA"}, {77, "BZ"}, {78, "CA"}, {99, "CV"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char id[3];
        ballot_option_id(cases[i].pos, id);
        cr_assert_str_eq(id, cases[i].id, "position %u", cases[i].pos);
        cr_assert_eq(ballot_option_pos(cases[i].id, strlen(cases[i].id), 100), (int)cases[i].pos);
    }
}

Test(ballot, option_ids_round_trip_every_position)
{
    char seen[BALLOT_MAX_OPTIONS][3];
    for (unsigned pos = 0; pos < BALLOT_MAX_OPTIONS; pos++) {
        ballot_option_id(pos, seen[pos]);
        size_t n = strlen(seen[pos]);
        cr_assert(n == 1 || n == 2);
        cr_assert_eq(ballot_option_pos(seen[pos], n, BALLOT_MAX_OPTIONS), (int)pos);
        /* an id at or past the option count is unknown */
        cr_assert_eq(ballot_option_pos(seen[pos], n, pos), -1);
        cr_assert_eq(ballot_option_pos(seen[pos], n, pos + 1), (int)pos);
        for (unsigned j = 0; j < pos; j++)
            cr_assert_str_neq(seen[j], seen[pos]);
    }
}

Test(ballot, option_ids_refused)
{
    static const char *bad[] = {"", "a", "aa", "Aa", "@", "[", "A1", "AAA", "CW", "ZZ", " A", "-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(ballot_option_pos(bad[i], strlen(bad[i]), 100), -1, "\"%s\"", bad[i]);
    /* length is the caller's: "AB" read as one byte is "A" */
    cr_assert_eq(ballot_option_pos("AB", 1, 2), 0);
    cr_assert_eq(ballot_option_pos("B", 1, 1), -1);
}

static const char nonce[] = "00112233445566778899aabbccddeeff";

Test(ballot, receipt_vector)
{
    /* hashlib.sha256(b'{"nonce":"00112233445566778899aabbccddeeff","question":42,'
     *                b'"ranking":["B","A","AA","CV"]}').hexdigest() */
    const uint8_t ranking[] = {1, 0, 26, 99, BALLOT_PAD, BALLOT_PAD};
    struct jcs_buf b;
    jcs_buf_init(&b);
    char receipt[BALLOT_RECEIPT_HEX + 1];
    cr_assert_eq(ballot_receipt(&b, 42, ranking, sizeof ranking, nonce, receipt), 0);
    cr_assert_str_eq(b.data, "{\"nonce\":\"00112233445566778899aabbccddeeff\",\"question\":42,"
                             "\"ranking\":[\"B\",\"A\",\"AA\",\"CV\"]}");
    cr_assert_str_eq(receipt, "3da515d52e0fe87431a938cc18aefa142b79a4b216670e299bc0b8322038c684");
    /* the pad ends the ranking: the same four ranks without padding */
    char again[BALLOT_RECEIPT_HEX + 1];
    cr_assert_eq(ballot_receipt(&b, 42, ranking, 4, nonce, again), 0);
    cr_assert_str_eq(again, receipt);
    jcs_buf_fini(&b);
}

Test(ballot, receipt_depends_on_every_input)
{
    const uint8_t r1[] = {0, 1}, r2[] = {1, 0};
    struct jcs_buf b;
    jcs_buf_init(&b);
    char a[BALLOT_RECEIPT_HEX + 1], x[BALLOT_RECEIPT_HEX + 1];
    cr_assert_eq(ballot_receipt(&b, 7, r1, 2, nonce, a), 0);
    cr_assert_eq(ballot_receipt(&b, 8, r1, 2, nonce, x), 0);
    cr_assert_str_neq(a, x, "question");
    cr_assert_eq(ballot_receipt(&b, 7, r2, 2, nonce, x), 0);
    cr_assert_str_neq(a, x, "ranking order");
    cr_assert_eq(ballot_receipt(&b, 7, r1, 1, nonce, x), 0);
    cr_assert_str_neq(a, x, "truncation");
    cr_assert_eq(ballot_receipt(&b, 7, r1, 2, "00112233445566778899aabbccddeefe", x), 0);
    cr_assert_str_neq(a, x, "nonce");
    /* the empty ranking still hashes (the cast path refuses it before) */
    cr_assert_eq(ballot_receipt(&b, 7, r1, 0, nonce, x), 0);
    cr_assert_str_eq(b.data, "{\"nonce\":\"00112233445566778899aabbccddeeff\",\"question\":7,"
                             "\"ranking\":[]}");
    jcs_buf_fini(&b);
}

Test(ballot, receipt_refuses_bad_input)
{
    const uint8_t r[] = {0};
    struct jcs_buf b;
    jcs_buf_init(&b);
    char out[BALLOT_RECEIPT_HEX + 1];
    cr_assert_eq(ballot_receipt(&b, 0, r, 1, nonce, out), -1, "question 0");
    cr_assert_eq(ballot_receipt(&b, -3, r, 1, nonce, out), -1, "negative question");
    cr_assert_eq(ballot_receipt(&b, 1, r, 1, "00112233445566778899AABBCCDDEEFF", out), -1,
                 "upper-case nonce");
    const char short_nonce[BALLOT_NONCE_HEX + 1] = "0011223344556677";
    cr_assert_eq(ballot_receipt(&b, 1, r, 1, short_nonce, out), -1, "short nonce");
    cr_assert_eq(ballot_receipt(&b, 1, r, 1, "00112233445566778899aabbccddeeff00", out), -1,
                 "long nonce");
    cr_assert_eq(ballot_receipt(&b, 1, r, 1, "00112233445566778899aabbccddeexx", out), -1,
                 "not hex");
    cr_assert_eq(ballot_receipt(&b, JCS_MAX_SAFE_INT + 1, r, 1, nonce, out), -1,
                 "question past 2^53");
    jcs_buf_fini(&b);
}

Test(ballot, board_entry_bytes)
{
    const uint8_t ranking[] = {2, 0, BALLOT_PAD};
    const char receipt[] = "3da515d52e0fe87431a938cc18aefa142b79a4b216670e299bc0b8322038c684";
    struct jcs_buf b;
    jcs_buf_init(&b);
    cr_assert_eq(ballot_board_entry(&b, ranking, sizeof ranking, "ZZ", receipt), 0);
    cr_assert_str_eq(b.data,
                     "{\"country\":\"ZZ\",\"ranking\":[\"C\",\"A\"],\"receipt\":"
                     "\"3da515d52e0fe87431a938cc18aefa142b79a4b216670e299bc0b8322038c684\"}");
    cr_assert_eq(b.len, strlen(b.data));
    /* the country is two bytes, not a C string */
    cr_assert_eq(ballot_board_entry(&b, ranking, sizeof ranking, "DEU", receipt), 0);
    cr_assert(strstr(b.data, "\"country\":\"DE\"") != NULL);
    jcs_buf_fini(&b);
}

Test(ballot, board_entry_refuses_bad_input)
{
    const uint8_t ranking[] = {0};
    const char receipt[] = "3da515d52e0fe87431a938cc18aefa142b79a4b216670e299bc0b8322038c684";
    struct jcs_buf b;
    jcs_buf_init(&b);
    cr_assert_eq(ballot_board_entry(&b, ranking, 1, "de", receipt), -1);
    cr_assert_eq(ballot_board_entry(&b, ranking, 1, "D1", receipt), -1);
    cr_assert_eq(ballot_board_entry(&b, ranking, 1, "@Z", receipt), -1);
    const char short_receipt[BALLOT_RECEIPT_HEX + 1] = "3da5";
    cr_assert_eq(ballot_board_entry(&b, ranking, 1, "DE", short_receipt), -1);
    char upper[BALLOT_RECEIPT_HEX + 1];
    memcpy(upper, receipt, sizeof upper);
    upper[0] = 'D';
    cr_assert_eq(ballot_board_entry(&b, ranking, 1, "DE", upper), -1);
    jcs_buf_fini(&b);
}

Test(ballot, ranking_len_stops_at_pad)
{
    const uint8_t full[] = {3, 1, 2, 0};
    const uint8_t padded[] = {3, 1, BALLOT_PAD, BALLOT_PAD};
    const uint8_t empty[] = {BALLOT_PAD, BALLOT_PAD};
    cr_assert_eq(ballot_ranking_len(full, 4), 4);
    cr_assert_eq(ballot_ranking_len(full, 2), 2);
    cr_assert_eq(ballot_ranking_len(padded, 4), 2);
    cr_assert_eq(ballot_ranking_len(empty, 2), 0);
    cr_assert_eq(ballot_ranking_len(full, 0), 0);
}
