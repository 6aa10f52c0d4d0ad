/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libFuzzer target for every parser and verifier of core/audit. The first
 * input byte picks the target; the rest is the input. Besides "no crash, no
 * sanitizer report" it checks properties and aborts when one breaks:
 *  0 jcs_canonicalize: success ⇒ the output is a fixed point
 *  1 note_open / note_checkpoint_open with a fixed key: never verifies
 *    (the fuzzer does not know the secret key) unless it equals the one
 *    genuine note; note_checkpoint_parse: success ⇒ formatting origin,
 *    size and root gives the body back up to its extension lines
 *  2 audit_b64_decode: success ⇒ encoding the bytes gives the input back
 *  3 note_vkey_parse: success ⇒ formatting gives the input back (modulo hex case)
 *  4 merkle_verify_inclusion/consistency on fuzzer-chosen sizes and proofs
 *    against a real 37-leaf tree: accepted ⇒ the proof is the genuine one
 *  5 witness_cosig_open with a fixed witness key: never verifies unless
 *    the input holds the genuine body and cosignature line; witness_vkey_parse: success ⇒
 *    formatting gives the input back (modulo hex case)
 *  6 witness_request_parse (tlog-witness add-checkpoint body): success ⇒
 *    formatting the parsed request gives the input back
 *  7 witness_state_parse_line: success ⇒ witness_state_line gives the
 *    line back
 * ctest replays tests/audit/fuzz-seeds in every build (fuzz_audit_replay).
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
#include "core/audit/witness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct note_signer signer;
static char genuine[NOTE_SIGNED_CHECKPOINT_MAX];
static size_t genuine_len;
static struct merkle_mem tree;
static struct note_signer wsigner;
static char cosigned[NOTE_SIGNED_CHECKPOINT_MAX + WITNESS_COSIG_LINE_MAX];
static size_t cosigned_len;

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
    /* the genuine note cosigned by a fixed witness */
    uint8_t wseed[32] = {3};
    size_t body_len = (size_t)(strstr(genuine, "\n\n") - genuine) + 1;
    size_t line_len;
    memcpy(cosigned, genuine, genuine_len);
    if (witness_signer_from_seed(&wsigner, "witness.example", wseed) != AUDIT_OK ||
        witness_cosign(&wsigner, genuine, body_len, 1700000000, cosigned + genuine_len,
                       sizeof cosigned - genuine_len, &line_len) != AUDIT_OK) {
        abort();
    }
    cosigned_len = genuine_len + line_len;
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
    /* parse: success ⇒ formatting origin, size and root gives the body
     * back up to its extension lines */
    if (note_checkpoint_parse((const char *)d, n, &cp) != AUDIT_OK) {
        return;
    }
    char origin[NOTE_ORIGIN_MAX + 1];
    char body[NOTE_CHECKPOINT_BODY_MAX + 1];
    size_t blen;
    if (cp.origin_len == 0 || cp.origin_len > NOTE_ORIGIN_MAX || cp.origin != (const char *)d) {
        abort();
    }
    memcpy(origin, cp.origin, cp.origin_len);
    origin[cp.origin_len] = '\0';
    if (note_checkpoint_body(origin, cp.size, cp.root, body, sizeof body, &blen) != AUDIT_OK ||
        blen + cp.extensions_len != n || memcmp(body, d, blen) != 0) {
        abort();
    }
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

/* Hex digits of a vkey's key id may come in either case. */
static bool same_vkey(const char *out, size_t len, const uint8_t *d, size_t n, size_t name_len)
{
    if (len != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char a = out[i];
        char b = (char)d[i];
        bool hex = i > name_len && i <= name_len + 8;
        if (hex && b >= 'A' && b <= 'F') {
            b = (char)(b - 'A' + 'a');
        }
        if (a != b) {
            return false;
        }
    }
    return true;
}

static bool holds(const uint8_t *d, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i + len <= n; i++) {
        if (memcmp(d + i, s, len) == 0) {
            return true;
        }
    }
    return false;
}

static void fuzz_witness(const uint8_t *d, size_t n)
{
    /* A cosignature covers the checkpoint body and its timestamp, not the
     * log's own signature lines: accepted ⇒ the same body and the genuine
     * cosignature line. */
    size_t body_len = (size_t)(strstr(cosigned, "\n\n") - cosigned) + 1;
    const char *line = cosigned + genuine_len;
    size_t line_len = cosigned_len - genuine_len;
    bool same = n > body_len && memcmp(d, cosigned, body_len) == 0 && d[body_len] == '\n' &&
                holds(d, n, line, line_len);
    uint64_t ts;
    if (witness_cosig_open(&wsigner.v, (const char *)d, n, &ts) == AUDIT_OK &&
        (!same || ts != 1700000000)) {
        abort();
    }
    struct note_verifier v;
    if (witness_vkey_parse(&v, (const char *)d, n) == AUDIT_OK) {
        char out[NOTE_VKEY_MAX];
        size_t len;
        if (witness_vkey_format(&v, out, sizeof out, &len) != AUDIT_OK ||
            !same_vkey(out, len, d, n, v.name_len)) {
            abort();
        }
    }
}

static void fuzz_request(const uint8_t *d, size_t n)
{
    static struct witness_request r;
    if (witness_request_parse((const char *)d, n, &r) != AUDIT_OK) {
        return;
    }
    if (r.proof_len > WITNESS_MAX_PROOF || r.note < (const char *)d ||
        r.note + r.note_len > (const char *)d + n) {
        abort();
    }
    size_t cap = n + 64, len;
    char *out = malloc(cap);
    if (out == NULL ||
        witness_request_format(r.old_size, (const uint8_t(*)[32])r.proof, r.proof_len, r.note,
                               r.note_len, out, cap, &len) != AUDIT_OK ||
        len != n || memcmp(out, d, n) != 0) {
        abort();
    }
    free(out);
}

static void fuzz_state_line(const uint8_t *d, size_t n)
{
    const char *origin;
    size_t olen;
    struct witness_log_state st;
    if (witness_state_parse_line((const char *)d, n, &origin, &olen, &st) != AUDIT_OK) {
        return;
    }
    char out[NOTE_ORIGIN_MAX + 128];
    size_t len;
    if (witness_state_line(origin, olen, &st, out, sizeof out, &len) != AUDIT_OK || len != n + 1 ||
        memcmp(out, d, n) != 0 || out[n] != '\n') {
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
    switch (data[0] % 8) {
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
    case 4:
        fuzz_merkle(d, n);
        break;
    case 5:
        fuzz_witness(d, n);
        break;
    case 6:
        fuzz_request(d, n);
        break;
    default:
        fuzz_state_line(d, n);
        break;
    }
    return 0;
}
