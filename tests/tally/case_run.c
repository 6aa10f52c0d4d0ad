/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/case_run.c — run a shared case: build, count, compare. A case
 * whose expected result is an error passes when the loader or the engine
 * refuses it. Features another engineer has not landed yet ("not implemented
 * in this build") are reported as skipped.
 */
#include "case_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_load.h"

const char *case_dir(void)
{
    static char buf[4096];
    const char *s = getenv("PNYX_SHARED_DIR");
    snprintf(buf, sizeof(buf), "%s/tally-cases", s != NULL ? s : PNYX_SOURCE_DIR "/../shared");
    return buf;
}

enum case_status case_run_file(const char *path, char *msg, size_t len)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    enum case_status st = CASE_FAIL;
    struct tally_election e;
    struct tally_result r;
    struct tally_error err;
    char why[256];
    memset(&r, 0, sizeof(r));
    tally_election_init(&e);
    if (root == NULL) {
        snprintf(msg, len, "cannot read %s: %s", path, jerr.text);
        return CASE_FAIL;
    }
    json_t *exp = json_object_get(root, "expected");
    bool want_error = json_is_true(json_object_get(exp, "error"));
    if (case_build(root, &e, why, sizeof(why)) != 0) {
        snprintf(msg, len, "loader refused: %s", why);
        st = want_error ? CASE_PASS : CASE_FAIL;
        goto out;
    }
    int rc = tally_run(&e, &r, &err);
    if (rc != TALLY_OK) {
        if (strstr(err.reason, "not implemented") != NULL) {
            snprintf(msg, len, "skipped: %s", err.reason);
            st = CASE_SKIP;
        } else {
            snprintf(msg, len, "engine refused (%d, entry %ld, %s): %s", rc, err.entry, err.field,
                     err.reason);
            st = want_error ? CASE_PASS : CASE_FAIL;
        }
        goto out;
    }
    if (want_error) {
        snprintf(msg, len, "accepted, expected error: %s",
                 json_string_value(json_object_get(exp, "reason")));
        goto out;
    }
    st = case_compare(&e, &r, exp, msg, len) == 0 ? CASE_PASS : CASE_FAIL;
out:
    tally_result_fini(&r);
    tally_election_fini(&e);
    json_decref(root);
    return st;
}
