/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * C2SP tlog-cosignature (cosignature/v1) and the tlog-witness decision of
 * core/audit/witness.c: sign/verify, forged and foreign lines, vkeys, the
 * add-checkpoint body, every verdict (split view, size conflict, bad proof,
 * extension) and the state file line.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "core/audit/merkle.h"
#include "core/audit/note.h"
#include "core/audit/witness.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}

TestSuite(witness, .init = init);

static struct note_signer log_key, wit_key;

static void keys(void)
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++) {
        seed[i] = (uint8_t)i;
    }
    cr_assert_eq(note_signer_from_seed(&log_key, "pnyx.example/audit", seed), AUDIT_OK);
    seed[0] = 0xAA;
    cr_assert_eq(witness_signer_from_seed(&wit_key, "witness.example/w1", seed), AUDIT_OK);
}

/* A tree of n leaves "e0".."e{n-1}" in m. */
static void tree(struct merkle_mem *m, unsigned n)
{
    merkle_mem_init(m);
    for (unsigned i = 0; i < n; i++) {
        char e[16];
        int l = snprintf(e, sizeof e, "e%u", i);
        cr_assert_eq(merkle_mem_append_entry(m, e, (size_t)l), AUDIT_OK);
    }
}

static size_t signed_cp(const struct merkle_mem *m, char *out)
{
    uint8_t root[32];
    merkle_frontier_root(&m->frontier, root);
    size_t len;
    cr_assert_eq(note_checkpoint_sign(&log_key, "pnyx.example/assembly/1", merkle_mem_size(m), root,
                                      out, NOTE_SIGNED_CHECKPOINT_MAX, &len),
                 AUDIT_OK);
    return len;
}

Test(witness, cosign_verifies_and_forgery_fails)
{
    keys();
    struct merkle_mem m;
    tree(&m, 5);
    char note[NOTE_SIGNED_CHECKPOINT_MAX + WITNESS_COSIG_LINE_MAX];
    size_t nl = signed_cp(&m, note);
    size_t body = strstr(note, "\n\n") - note + 1;
    char line[WITNESS_COSIG_LINE_MAX];
    size_t ll;
    cr_assert_eq(witness_cosign(&wit_key, note, body, 1679315147, line, sizeof line, &ll),
                 AUDIT_OK);
    cr_assert(strncmp(line, "\xE2\x80\x94 witness.example/w1 ", 23) == 0);
    /* no line yet */
    cr_assert_eq(witness_cosig_open(&wit_key.v, note, nl, NULL), AUDIT_ENOKEY);
    memcpy(note + nl, line, ll + 1);
    uint64_t ts = 0;
    cr_assert_eq(witness_cosig_open(&wit_key.v, note, nl + ll, &ts), AUDIT_OK);
    cr_assert_eq(ts, 1679315147u);
    /* the log signature still opens with the log key */
    struct note_checkpoint cp;
    cr_assert_eq(note_checkpoint_open(&log_key.v, note, nl + ll, NULL, &cp), AUDIT_OK);
    /* a flipped signature character: EVERIFY */
    char forged[sizeof note];
    memcpy(forged, note, nl + ll + 1);
    char *c = forged + nl + ll - 3;
    *c = *c == 'A' ? 'B' : 'A';
    cr_assert_eq(witness_cosig_open(&wit_key.v, forged, nl + ll, NULL), AUDIT_EVERIFY);
    /* the same line on another checkpoint (size 6): EVERIFY */
    struct merkle_mem m6;
    tree(&m6, 6);
    char other[sizeof note];
    size_t ol = signed_cp(&m6, other);
    memcpy(other + ol, line, ll + 1);
    cr_assert_eq(witness_cosig_open(&wit_key.v, other, ol + ll, NULL), AUDIT_EVERIFY);
    /* a note key (alg 0x01) with the witness's name never matches the line */
    struct note_verifier wrong;
    cr_assert_eq(note_verifier_init(&wrong, "witness.example/w1", wit_key.v.public_key), AUDIT_OK);
    cr_assert_eq(witness_cosig_open(&wrong, note, nl + ll, NULL), AUDIT_ENOKEY);
    merkle_mem_fini(&m);
    merkle_mem_fini(&m6);
}

Test(witness, vkey_round_trip)
{
    keys();
    char vk[NOTE_VKEY_MAX];
    size_t len;
    cr_assert_eq(witness_vkey_format(&wit_key.v, vk, sizeof vk, &len), AUDIT_OK);
    struct note_verifier v;
    cr_assert_eq(witness_vkey_parse(&v, vk, len), AUDIT_OK);
    cr_assert_eq(memcmp(v.key_id, wit_key.v.key_id, 4), 0);
    /* a log vkey (0x01) is not a cosigner vkey */
    char lv[NOTE_VKEY_MAX];
    cr_assert_eq(note_vkey_format(&log_key.v, lv, sizeof lv, &len), AUDIT_OK);
    cr_assert_eq(witness_vkey_parse(&v, lv, len), AUDIT_ESYNTAX);
    /* wrong key id */
    char *plus = strchr(vk, '+');
    plus[1] = plus[1] == '0' ? '1' : '0';
    cr_assert_eq(witness_vkey_parse(&v, vk, strlen(vk)), AUDIT_EVERIFY);
}

Test(witness, request_round_trip_and_syntax)
{
    keys();
    struct merkle_mem m;
    tree(&m, 7);
    char note[NOTE_SIGNED_CHECKPOINT_MAX];
    size_t nl = signed_cp(&m, note);
    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t pl;
    struct merkle_store st = merkle_mem_store(&m);
    cr_assert_eq(merkle_consistency_proof(&st, 3, 7, proof, MERKLE_MAX_PROOF, &pl), AUDIT_OK);
    char body[4096];
    size_t bl;
    cr_assert_eq(witness_request_format(3, (const uint8_t(*)[32])proof, pl, note, nl, body,
                                        sizeof body, &bl),
                 AUDIT_OK);
    struct witness_request r;
    cr_assert_eq(witness_request_parse(body, bl, &r), AUDIT_OK);
    cr_assert_eq(r.old_size, 3);
    cr_assert_eq(r.proof_len, pl);
    cr_assert_eq(memcmp(r.proof, proof, pl * 32), 0);
    cr_assert_eq(r.note_len, nl);
    const char *bad[] = {"old 03\n\nx", "old 3\n", "old 3\nnot base64\n\nx", "olde 3\n\nx",
                         "old -1\n\nx"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_eq(witness_request_parse(bad[i], strlen(bad[i]), &r), AUDIT_ESYNTAX, "%s",
                     bad[i]);
    }
    merkle_mem_fini(&m);
}

Test(witness, decide_every_verdict)
{
    struct merkle_mem m;
    tree(&m, 9);
    struct merkle_store st = merkle_mem_store(&m);
    uint8_t r4[32], r9[32], other[32];
    cr_assert_eq(merkle_root(&st, 4, r4), AUDIT_OK);
    cr_assert_eq(merkle_root(&st, 9, r9), AUDIT_OK);
    memset(other, 0x5A, 32);
    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t pl;
    cr_assert_eq(merkle_consistency_proof(&st, 4, 9, proof, MERKLE_MAX_PROOF, &pl), AUDIT_OK);
    const uint8_t(*P)[32] = (const uint8_t(*)[32])proof;

    struct witness_log_state none = {0};
    cr_assert_eq(witness_decide(&none, 0, NULL, 0, 4, r4), WITNESS_COSIGN);
    cr_assert_eq(witness_decide(&none, 3, NULL, 0, 4, r4), WITNESS_SIZE_CONFLICT);
    cr_assert_eq(witness_decide(&none, 0, P, 1, 4, r4), WITNESS_BAD_PROOF);

    struct witness_log_state s4 = {.known = true, .size = 4};
    memcpy(s4.root, r4, 32);
    cr_assert_eq(witness_decide(&s4, 4, P, pl, 9, r9), WITNESS_COSIGN);
    cr_assert_eq(witness_decide(&s4, 0, NULL, 0, 9, r9), WITNESS_SIZE_CONFLICT);
    cr_assert_eq(witness_decide(&s4, 5, P, pl, 4, r4), WITNESS_BAD_REQUEST);
    /* split view: the same size, another root */
    cr_assert_eq(witness_decide(&s4, 4, NULL, 0, 4, other), WITNESS_SPLIT_VIEW);
    /* the same checkpoint again: cosigned again */
    cr_assert_eq(witness_decide(&s4, 4, NULL, 0, 4, r4), WITNESS_COSIGN);
    /* a larger tree that does not extend size 4 */
    cr_assert_eq(witness_decide(&s4, 4, P, pl, 9, other), WITNESS_BAD_PROOF);
    cr_assert_eq(witness_decide(&s4, 4, NULL, 0, 9, r9), WITNESS_BAD_PROOF);
    merkle_mem_fini(&m);
}

Test(witness, state_line_round_trip)
{
    struct witness_log_state s = {.known = true, .size = 42};
    memset(s.root, 7, 32);
    char line[512];
    size_t len;
    cr_assert_eq(witness_state_line("pnyx.example/assembly/3", 23, &s, line, sizeof line, &len),
                 AUDIT_OK);
    cr_assert_eq(line[len - 1], '\n');
    const char *o;
    size_t ol;
    struct witness_log_state back;
    cr_assert_eq(witness_state_parse_line(line, len - 1, &o, &ol, &back), AUDIT_OK);
    cr_assert_eq(ol, 23);
    cr_assert_eq(back.size, 42);
    cr_assert_eq(memcmp(back.root, s.root, 32), 0);
    cr_assert_eq(witness_state_line("a b", 3, &s, line, sizeof line, &len), AUDIT_EINVAL);
}

/* The reader refuses what the writer refuses: an origin with a control
 * character or longer than NOTE_ORIGIN_MAX (fuzz_audit's regression input
 * tests/audit/fuzz-seeds/crash-state-line-control). */
Test(witness, state_line_parse_refuses_what_format_refuses)
{
    const char *root = " 5 AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    char line[NOTE_ORIGIN_MAX + 128];
    const char *o;
    size_t ol;
    struct witness_log_state st;
    int n = snprintf(line, sizeof line, "pnyx.example/a/1%s", root);
    cr_assert_eq(witness_state_parse_line(line, (size_t)n, &o, &ol, &st), AUDIT_OK);
    n = snprintf(line, sizeof line,
                 "pnyx.ex\x19"
                 "ample/a/1%s",
                 root);
    cr_assert_eq(witness_state_parse_line(line, (size_t)n, &o, &ol, &st), AUDIT_ESYNTAX);
    n = snprintf(line, sizeof line, "pnyx\x7f/a/1%s", root);
    cr_assert_eq(witness_state_parse_line(line, (size_t)n, &o, &ol, &st), AUDIT_ESYNTAX);
    memset(line, 'o', NOTE_ORIGIN_MAX + 1);
    n = NOTE_ORIGIN_MAX + 1 + snprintf(line + NOTE_ORIGIN_MAX + 1, 64, "%s", root);
    cr_assert_eq(witness_state_parse_line(line, (size_t)n, &o, &ol, &st), AUDIT_ESYNTAX);
    n = snprintf(line, sizeof line, "%s", root); /* no origin */
    cr_assert_eq(witness_state_parse_line(line, (size_t)n, &o, &ol, &st), AUDIT_ESYNTAX);
}
