/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libFuzzer target for pnyx-verify's record reader and its six checks
 * (backend/src/cli/pnyx_verify.c, compiled into this target with
 * -DPNYX_VERIFY_NO_MAIN): the streaming scanner of codec/election over a
 * pnyx-record/1, the entries' JCS and story checks, the Merkle tree, the
 * signed checkpoints, the boards and the recount of each result with
 * codec/result. The input is the record. Any input must end in a verdict
 * (0 pass, 1 a check failed, 2 unreadable) with no crash, no sanitizer
 * report, no leak (pnyx_verify_reset releases what an unreadable input
 * left held) and no hang. replay_corpus.c runs the same function over
 * tests/fuzz/corpus-verify under ctest in every build.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <sodium.h>

#include "core/audit/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int pnyx_verify_record(const char *buf, size_t len, const char *pinned, const char *const *saved,
                       size_t n_saved, const struct note_verifier *witnesses, size_t nw);
void pnyx_verify_reset(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        if (sodium_init() < 0) {
            abort();
        }
        ready = true;
    }
    int rc = pnyx_verify_record((const char *)data, size, NULL, NULL, 0, NULL, 0);
    if (rc < 0 || rc > 2) {
        abort();
    }
    pnyx_verify_reset();
    return 0;
}
