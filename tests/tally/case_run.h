/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/case_run.h — test-only: run one shared case file through the
 * engine and compare with its "expected" member.
 */
#ifndef PNYX_TESTS_TALLY_CASE_RUN_H
#define PNYX_TESTS_TALLY_CASE_RUN_H

#include <stddef.h>

enum case_status { CASE_PASS = 0, CASE_FAIL, CASE_SKIP };

/* Run the case at path; msg receives the differences or the skip reason. */
enum case_status case_run_file(const char *path, char *msg, size_t len);

/* The shared cases folder: $PNYX_SHARED_DIR/tally-cases or <repo>/../shared/tally-cases. */
const char *case_dir(void);

#endif
