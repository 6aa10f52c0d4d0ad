/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libFuzzer target for what `pnyx-sortition --verify` does with a DRAW.json
 * (pnyx-draw/1, /2 and /3, api-spec/draw.md): the JSON reader of
 * codec/json/draw.c and core/sortition/draw_verify, both compiled into
 * this target. A record comes from anywhere (an auditor downloads it), so
 * any input must end in a verdict with no crash, no sanitizer report, no
 * leak and no allocation sized by a claim the input does not back.
 * replay_corpus.c runs the same function over tests/fuzz/corpus-draw under
 * ctest in every build.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>
#include <sodium.h>

#include "codec/json/draw.h"
#include "core/sortition/draw.h"
#include "platform/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        if (sodium_init() < 0) {
            abort();
        }
        ready = true;
    }
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (doc == NULL) {
        return 0;
    }
    struct arena *a = arena_new();
    if (a == NULL) {
        abort();
    }
    struct draw_record d;
    struct codec_draw_claims claims;
    char err[256];
    if (codec_draw_read(doc, a, &d, &claims, err, sizeof err) == 0) {
        struct draw_failure why;
        enum draw_status st = draw_verify(&d, &why);
        if (st != DRAW_OK && why.detail[0] == '\0') {
            abort(); /* every failure says where */
        }
    }
    arena_free(a);
    json_decref(doc);
    return 0;
}
