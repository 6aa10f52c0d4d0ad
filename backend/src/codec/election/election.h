/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/election: the pnyx-election/1 file (../shared/ELECTION-FORMAT.md)
 * read into core/tally's builder, and its result written as JSON (§10) or as
 * a text table. No Jansson: a streaming reader (json_scan.h) feeds ballots to
 * the builder one entry at a time, so a million ballots never become a DOM.
 */
#ifndef PNYX_CODEC_ELECTION_ELECTION_H
#define PNYX_CODEC_ELECTION_ELECTION_H

#include <stddef.h>

#include "core/tally/tally.h"

/*
 * Reads the election in buf[0..len) into e, which the caller has
 * tally_election_init()ed (and fini's afterwards in every case). Borrows buf.
 * Checks what the file says and its types (§2, §3: JSON validity, format,
 * member types, unknown rule keys, option ids that do not exist, ranking
 * shapes, counts, weight syntax, country syntax); tally_run checks the
 * cross-rule constraints. Other top-level members are skipped (validated but
 * not decoded).
 * Returns TALLY_OK, TALLY_EINVAL (err->reason is one line: "ballot 3:
 * ranking[2]: unknown option id \"Z\"", err->entry the 0-based entry index or
 * -1, err->field the member path) or TALLY_ENOMEM / TALLY_ERANGE.
 */
int election_read(const void *buf, size_t len, struct tally_election *e, struct tally_error *err);

/* A growing output buffer; oom is sticky and checked once at the end. */
struct election_buf {
    char *data;
    size_t len, cap;
    int oom;
};
void election_buf_fini(struct election_buf *b);

/*
 * Appends the §10 result (one JSON object, compact, with a trailing newline)
 * for election e and its result r to b. Borrows e and r. Returns 0, or -1 on
 * allocation failure.
 */
int election_write_json(const struct tally_election *e, const struct tally_result *r,
                        struct election_buf *b);

/*
 * Appends a round-by-round table for a person: options as rows, rounds as
 * columns, then the transfers of every round (Schulze: ranking, pairwise and
 * strongest-path matrices). Borrows e and r. Returns 0 or -1 (no memory).
 */
int election_write_text(const struct tally_election *e, const struct tally_result *r,
                        struct election_buf *b);

/* Appends {"error": reason} and a newline, reason escaped. Returns 0 or -1. */
int election_write_error(const char *reason, struct election_buf *b);

/* Appends s[0..len) as a JSON string literal (quotes and escapes). */
void election_buf_json_string(struct election_buf *b, const char *s, size_t len);

#endif
