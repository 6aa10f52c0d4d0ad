/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/case_load.h — test-only: build a struct tally_election from a
 * pnyx-election/1 case file with Jansson (a DOM, fine for test-sized files),
 * and compare a struct tally_result with the case's "expected" member.
 * The product reader is the streaming codec (codec/election); this one exists so the engine
 * can be checked against the shared cases on its own.
 */
#ifndef PNYX_TESTS_TALLY_CASE_LOAD_H
#define PNYX_TESTS_TALLY_CASE_LOAD_H

#include <jansson.h>

#include "tally.h"

/*
 * Load root (borrowed) into e (initialised here). Returns 0, or -1 with a
 * reason in why (the input is invalid before the engine sees it).
 */
int case_build(json_t *root, struct tally_election *e, char *why, size_t why_len);

/*
 * Compare r with expected (borrowed). Writes human-readable differences into
 * diff (truncated) and returns their number (0 = identical). Keys of
 * expected that the engine does not produce (tolerance, total_ballots) are
 * ignored; Schulze / cap / double-majority parts are compared when present.
 */
int case_compare(const struct tally_election *e, const struct tally_result *r, json_t *expected,
                 char *diff, size_t diff_len);

#endif
