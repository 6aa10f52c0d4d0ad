/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cli/sortition_verify.h — `pnyx-sortition --verify DRAW.json [--json]`:
 * re-checks a published draw (api-spec/draw.md) without trusting the
 * server. pnyx_sortition.c dispatches here when its first argument is
 * --verify.
 */
#ifndef PNYX_CLI_SORTITION_VERIFY_H
#define PNYX_CLI_SORTITION_VERIFY_H

#include <stdio.h>

/* Exit statuses, like pnyx-tally's and pnyx-verify's: 0 the draw verifies;
 * 1 a check failed (the record was tampered with or is wrong: which one is
 * printed); 2 the file cannot be read as pnyx-draw/1, or bad usage. */
enum { SORTITION_VERIFY_OK = 0, SORTITION_VERIFY_FAILED = 1, SORTITION_VERIFY_INVALID = 2 };

/* argv[1] is "--verify": runs the check, reports on out (text, or one
 * JSON object with --json: {"ok", "check", "detail", "item"}), returns
 * the exit status. */
int sortition_verify_main(int argc, char **argv, FILE *out);

#endif /* PNYX_CLI_SORTITION_VERIFY_H */
