/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* core/ballot/ballot.c — receipts, board entries, option ids (ballot.h). */
#include "core/ballot/ballot.h"

#include <string.h>

#include <sodium.h>

#include "core/audit/audit.h"

void ballot_option_id(unsigned pos, char out[3])
{
    if (pos < 26) {
        out[0] = (char)('A' + pos);
        out[1] = '\0';
    } else {
        out[0] = (char)('A' + pos / 26 - 1);
        out[1] = (char)('A' + pos % 26);
        out[2] = '\0';
    }
}

int ballot_option_pos(const char *id, size_t n, unsigned n_options)
{
    unsigned pos;
    if (n == 1 && id[0] >= 'A' && id[0] <= 'Z') {
        pos = (unsigned)(id[0] - 'A');
    } else if (n == 2 && id[0] >= 'A' && id[0] <= 'Z' && id[1] >= 'A' && id[1] <= 'Z') {
        pos = (unsigned)(id[0] - 'A' + 1) * 26 + (unsigned)(id[1] - 'A');
    } else {
        return -1;
    }
    return pos < n_options && pos < BALLOT_MAX_OPTIONS ? (int)pos : -1;
}

size_t ballot_ranking_len(const uint8_t *ranking, size_t cap)
{
    size_t n = 0;
    while (n < cap && ranking[n] != BALLOT_PAD)
        n++;
    return n;
}

static void ranking_array(struct jcs_buf *b, const uint8_t *ranking, size_t n)
{
    jcs_arr_begin(b);
    for (size_t i = 0; i < n && ranking[i] != BALLOT_PAD; i++) {
        char id[3];
        ballot_option_id(ranking[i], id);
        jcs_str(b, id);
    }
    jcs_arr_end(b);
}

static bool is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return s[n] == '\0';
}

int ballot_receipt(struct jcs_buf *b, int64_t qid, const uint8_t *ranking, size_t n,
                   const char nonce_hex[BALLOT_NONCE_HEX + 1],
                   char receipt_hex[BALLOT_RECEIPT_HEX + 1])
{
    if (!is_lower_hex(nonce_hex, BALLOT_NONCE_HEX) || qid <= 0)
        return -1;
    jcs_buf_reset(b);
    jcs_obj_begin(b);
    jcs_key(b, "nonce");
    jcs_str(b, nonce_hex);
    jcs_key(b, "question");
    jcs_int(b, qid);
    jcs_key(b, "ranking");
    ranking_array(b, ranking, n);
    jcs_obj_end(b);
    if (jcs_buf_finish(b) != AUDIT_OK)
        return -1;
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)b->data, b->len);
    sodium_bin2hex(receipt_hex, BALLOT_RECEIPT_HEX + 1, h, sizeof h);
    return 0;
}

int ballot_board_entry(struct jcs_buf *b, const uint8_t *ranking, size_t n, const char country[2],
                       const char receipt_hex[BALLOT_RECEIPT_HEX + 1])
{
    if (!is_lower_hex(receipt_hex, BALLOT_RECEIPT_HEX) || country[0] < 'A' || country[0] > 'Z' ||
        country[1] < 'A' || country[1] > 'Z')
        return -1;
    jcs_buf_reset(b);
    jcs_obj_begin(b);
    jcs_key(b, "country");
    jcs_strn(b, country, 2);
    jcs_key(b, "ranking");
    ranking_array(b, ranking, n);
    jcs_key(b, "receipt");
    jcs_str(b, receipt_hex);
    jcs_obj_end(b);
    return jcs_buf_finish(b) == AUDIT_OK ? 0 : -1;
}
