/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libFuzzer target for every parser and verifier of core/audit. The first
 * input byte picks the target; the rest is the input. Besides "no crash, no
 * sanitizer report" it checks properties and aborts when one breaks:
 *  0 jcs_canonicalize: success ⇒ the output is a fixed point
 *  1 note_open / note_checkpoint_open with a fixed key: never verifies
 *    (the fuzzer does not know the secret key) unless it equals the one
 *    genuine note
 *  2 audit_b64_decode: success ⇒ encoding the bytes gives the input back
 *  3 note_vkey_parse: success ⇒ formatting gives the input back (modulo hex case)
 *  4 merkle_verify_inclusion/consistency on fuzzer-chosen sizes and proofs
 *    against a real 37-leaf tree: accepted ⇒ the proof is the genuine one
 * Build: -DPNYX_FUZZ=ON with clang (tests/audit/CMakeLists.txt), then e.g.
 *   build/tests/fuzz_audit -max_total_time=120 fuzz-work
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct note_signer signer;
static char genuine[NOTE_SIGNED_CHECKPOINT_MAX];
static size_t genuine_len;
static struct merkle_mem tree;

static void setup(void)
{
    static int done;
    if (done) {
        return;
    }
    done = 1;
    if (sodium_init() < 0) {
        abort();
    }
    uint8_t seed[32] = {1};
    uint8_t root[32] = {2};
    if (note_signer_from_seed(&signer, "fuzz.example/log", seed) != AUDIT_OK ||
        note_checkpoint_sign(&signer, "fuzz.example/a/1", 5, root, genuine, sizeof genuine,
                             &genuine_len) != AUDIT_OK) {
        abort();
    }
    merkle_mem_init(&tree);
    for (unsigned i = 0; i < 37; i++) {
        if (merkle_mem_append_entry(&tree, &i, sizeof i) != AUDIT_OK) {
            abort();
        }
    }
}

static void fuzz_jcs(const uint8_t *d, size_t n)
{
    char *out = NULL;
    size_t len = 0;
    if (jcs_canonicalize((const char *)d, n, &out, &len, NULL) != AUDIT_OK) {
        return;
    }
    char *again = NULL;
    size_t alen = 0;
    if (jcs_canonicalize(out, len, &again, &alen, NULL) != AUDIT_OK || alen != len ||
        memcmp(again, out, len) != 0) {
        abort();
    }
    free(again);
    free(out);
}

static void fuzz_note(const uint8_t *d, size_t n)
{
    bool same = n == genuine_len && memcmp(d, genuine, n) == 0;
    size_t tl;
    if (note_open(&signer.v, (const char *)d, n, &tl) == AUDIT_OK && !same) {
        abort();
    }
    struct note_checkpoint cp;
    if (note_checkpoint_open(&signer.v, (const char *)d, n, NULL, &cp) == AUDIT_OK && !same) {
        abort();
    }
    (void)note_checkpoint_parse((const char *)d, n, &cp);
}

static void fuzz_b64(const uint8_t *d, size_t n)
{
    uint8_t out[512];
    size_t len;
    if (audit_b64_decode((const char *)d, n, out, sizeof out, &len) != AUDIT_OK) {
        return;
    }
    char enc[AUDIT_B64_LEN(sizeof out) + 1];
    size_t el = audit_b64_encode(out, len, enc);
    if (el != n || memcmp(enc, d, n) != 0) {
        abort();
    }
}

static void fuzz_vkey(const uint8_t *d, size_t n)
{
    struct note_verifier v;
    if (note_vkey_parse(&v, (const char *)d, n) != AUDIT_OK) {
        return;
    }
    char out[NOTE_VKEY_MAX];
    size_t len;
    if (note_vkey_format(&v, out, sizeof out, &len) != AUDIT_OK || len != n) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        char a = out[i];
        char b = (char)d[i];
        bool hex = i > v.name_len && i <= v.name_len + 8; /* key id: either case */
        if (hex && b >= 'A' && b <= 'F') {
            b = (char)(b - 'A' + 'a');
        }
        if (a != b) {
            abort();
        }
    }
}

static void fuzz_merkle(const uint8_t *d, size_t n)
{
    if (n < 3) {
        return;
    }
    uint64_t a = d[0] % 40, b = d[1] % 40;
    bool consistency = d[2] & 1;
    d += 3;
    n -= 3;
    size_t len = n / 32;
    if (len > MERKLE_MAX_PROOF) {
        len = MERKLE_MAX_PROOF;
    }
    uint8_t proof[MERKLE_MAX_PROOF][32];
    memcpy(proof, d, len * 32);
    struct merkle_store s = merkle_mem_store(&tree);
    uint8_t real[MERKLE_MAX_PROOF][32];
    size_t rl;
    if (!consistency) {
        if (b == 0 || b > 37 || a >= b) {
            return;
        }
        uint8_t leaf[32], root[32];
        if (merkle_range_hash(&s, a, a + 1, leaf) != AUDIT_OK ||
            merkle_root(&s, b, root) != AUDIT_OK ||
            merkle_inclusion_proof(&s, a, b, real, MERKLE_MAX_PROOF, &rl) != AUDIT_OK) {
            abort();
        }
        if (merkle_verify_inclusion(leaf, a, b, (const uint8_t(*)[32])proof, len, root) ==
                AUDIT_OK &&
            (len != rl || memcmp(proof, real, len * 32) != 0)) {
            abort();
        }
        return;
    }
    if (a > b || b > 37) {
        return;
    }
    uint8_t r1[32], r2[32];
    if (merkle_root(&s, a, r1) != AUDIT_OK || merkle_root(&s, b, r2) != AUDIT_OK ||
        merkle_consistency_proof(&s, a, b, real, MERKLE_MAX_PROOF, &rl) != AUDIT_OK) {
        abort();
    }
    if (merkle_verify_consistency(a, b, r1, r2, (const uint8_t(*)[32])proof, len) == AUDIT_OK &&
        (len != rl || memcmp(proof, real, len * 32) != 0)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size == 0) {
        return 0;
    }
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0:
        fuzz_jcs(d, n);
        break;
    case 1:
        fuzz_note(d, n);
        break;
    case 2:
        fuzz_b64(d, n);
        break;
    case 3:
        fuzz_vkey(d, n);
        break;
    default:
        fuzz_merkle(d, n);
        break;
    }
    return 0;
}
