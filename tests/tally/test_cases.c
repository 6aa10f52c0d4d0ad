/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/test_cases.c — every shared case (../shared/tally-cases) through
 * the engine with the test-only Jansson loader, compared with "expected".
 * Outside CI a missing folder skips with a message; with CI=true it fails.
 * (tests/conformance runs the same cases through pnyx-tally and the
 * streaming codec.)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "case_run.h"

Test(cases, all_shared_cases)
{
    static char msg[1 << 15];
    DIR *d = opendir(case_dir());
    if (d == NULL) {
        const char *ci = getenv("CI");
        if (ci != NULL && strcmp(ci, "true") == 0) {
            cr_assert(false, "shared cases folder %s is missing (CI=true)", case_dir());
        }
        cr_skip_test("shared cases folder %s not found; set PNYX_SHARED_DIR", case_dir());
    }
    int n = 0, pass = 0, skip = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) {
            continue;
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", case_dir(), de->d_name);
        enum case_status st = case_run_file(path, msg, sizeof(msg));
        n++;
        if (st == CASE_PASS) {
            pass++;
        } else if (st == CASE_SKIP) {
            skip++;
            cr_log_warn("%s: %s", de->d_name, msg);
        } else {
            cr_log_error("%s:\n%s", de->d_name, msg);
        }
    }
    closedir(d);
    cr_log_info("%d cases: %d pass, %d skipped", n, pass, skip);
    cr_assert_gt(n, 0, "no case files in %s", case_dir());
    cr_assert_eq(pass + skip, n, "%d of %d cases fail", n - pass - skip, n);
}
