/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/ballot/ballot.h — the byte-exact shapes a voter and an auditor
 * recompute (issue 11), so they live in one pure place:
 *   receipt = SHA-256(RFC 8785 JSON {"nonce":hex32,"question":qid,"ranking":[ids]})
 *             as 64 lowercase hex digits; nonce = 128 random bits, 32 hex digits;
 *   board entry (a Merkle leaf, RFC 9162) =
 *             RFC 8785 JSON {"country":"DE","ranking":[ids],"receipt":hex64};
 *   option ids by position: "A".."Z", "AA".."AZ", "BA".. (spreadsheet columns);
 *   a stored ranking: one byte per rank, the option's position (0..99),
 *             padded with BALLOT_PAD to the question's option count.
 * No I/O, no allocation except jcs buffers the caller owns.
 */
#ifndef PNYX_CORE_BALLOT_BALLOT_H
#define PNYX_CORE_BALLOT_BALLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/jcs.h"

#define BALLOT_MAX_OPTIONS 100
#define BALLOT_PAD         0xFF
#define BALLOT_NONCE_HEX   32 /* characters, without NUL */
#define BALLOT_RECEIPT_HEX 64

/* The id of the option at position pos (0..99) into out (≥ 3 bytes). */
void ballot_option_id(unsigned pos, char out[3]);
/* The position of option id (n bytes), or -1 when it is no valid id < n_options. */
int ballot_option_pos(const char *id, size_t n, unsigned n_options);

/* Writes the canonical receipt input for (qid, ranking of n positions, nonce
 * hex) into b (reset first) and its SHA-256 as hex into receipt_hex
 * (NUL-terminated). Returns 0, or -1 (bad input, allocation). */
int ballot_receipt(struct jcs_buf *b, int64_t qid, const uint8_t *ranking, size_t n,
                   const char nonce_hex[BALLOT_NONCE_HEX + 1],
                   char receipt_hex[BALLOT_RECEIPT_HEX + 1]);

/* Writes the canonical board entry into b (reset first). ranking: positions,
 * n of them (stops at the first BALLOT_PAD); country: 2 letters. Returns 0
 * or -1. */
int ballot_board_entry(struct jcs_buf *b, const uint8_t *ranking, size_t n, const char country[2],
                       const char receipt_hex[BALLOT_RECEIPT_HEX + 1]);

/* Number of ranks in a stored ranking of cap bytes (up to the first pad). */
size_t ballot_ranking_len(const uint8_t *ranking, size_t cap);

#endif /* PNYX_CORE_BALLOT_BALLOT_H */
