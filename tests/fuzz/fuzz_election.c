/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libFuzzer target over the whole offline path: the pnyx-election/1 reader
 * (scanner + builder), the engine (tally_run) and both result writers. Any
 * input must end in a result or a clean refusal: no crash, no sanitizer
 * report, no hang. Built only with -DPNYX_FUZZ=ON and clang; replay_corpus.c
 * runs the same function over the committed corpus under ctest.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec/election/election.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Elections larger than this are read but not counted: Schulze is O(n^3) in
 * options and a 4 KiB input can name ~1000 options, which is slow by design,
 * not a hang worth reporting.
 */
#define FUZZ_MAX_OPTIONS 40
/* Likewise the rounds of a count grow with seats; keep each input quick. */
#define FUZZ_MAX_SEATS 40

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tally_election e;
    struct tally_result r;
    struct tally_error err;
    struct election_buf b = {0};
    memset(&r, 0, sizeof r);
    tally_election_init(&e);
    int rc = election_read(data, size, &e, &err);
    if (rc == TALLY_OK) {
        /* the reason of a refusal is always one terminated line */
        if (e.n_options <= FUZZ_MAX_OPTIONS && e.seats <= FUZZ_MAX_SEATS) {
            rc = tally_run(&e, &r, &err);
            if (rc == TALLY_OK) {
                (void)election_write_json(&e, &r, &b);
                (void)election_write_text(&e, &r, &b);
            }
        }
    }
    if (rc != TALLY_OK) {
        if (memchr(err.reason, '\0', sizeof err.reason) == NULL) {
            __builtin_trap();
        }
        (void)election_write_error(err.reason, &b);
    }
    election_buf_fini(&b);
    tally_result_fini(&r);
    tally_election_fini(&e);
    return 0;
}
