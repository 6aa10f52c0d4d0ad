/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * C2SP signed note + tlog-checkpoint: Go sumdb/note interop vector, a fixed
 * seed vector (also the README's worked example, cross-checked with Python
 * hashlib + cryptography), strict base64, and every rejection rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}

TestSuite(note, .init = init);

/* ---- Go golang.org/x/mod/sumdb/note example -------------------------------- */

static const char peter_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char peter_skey_b64[] = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char peter_text[] = "If you think cryptography is the answer to your problem,\n"
                                 "then you don't know what your problem is.\n";
static const char peter_note[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

Test(note, go_sumdb_note_vector_verifies_and_signs_identically)
{
    struct note_verifier v;
    cr_assert(note_vkey_parse(&v, peter_vkey, strlen(peter_vkey)) == AUDIT_OK);
    cr_assert_str_eq(v.name, "PeterNeumann");
    size_t tlen = 0;
    cr_assert(note_open(&v, peter_note, strlen(peter_note), &tlen) == AUDIT_OK);
    cr_assert(tlen == strlen(peter_text) && memcmp(peter_note, peter_text, tlen) == 0);
    char back[NOTE_VKEY_MAX];
    size_t blen;
    cr_assert(note_vkey_format(&v, back, sizeof back, &blen) == AUDIT_OK);
    cr_assert_str_eq(back, peter_vkey);

    uint8_t raw[33];
    size_t rlen;
    cr_assert(audit_b64_decode(peter_skey_b64, strlen(peter_skey_b64), raw, sizeof raw, &rlen) ==
              AUDIT_OK);
    cr_assert(rlen == 33 && raw[0] == 0x01);
    struct note_signer s;
    cr_assert(note_signer_from_seed(&s, "PeterNeumann", raw + 1) == AUDIT_OK);
    cr_assert(memcmp(s.v.key_id, v.key_id, 4) == 0);
    char out[1024];
    size_t olen;
    cr_assert(note_sign(&s, peter_text, strlen(peter_text), out, sizeof out, &olen) == AUDIT_OK);
    cr_assert(olen == strlen(peter_note));
    cr_assert_str_eq(out, peter_note);
    note_signer_fini(&s);
    for (size_t i = 0; i < sizeof s; i++) {
        cr_assert(((const unsigned char *)&s)[i] == 0);
    }
}

/* ---- the fixed-seed vector of README.md ----------------------------------- */

static const char *const entries[3] = {
    "{\"actor\":\"1\",\"assembly\":\"1\",\"at\":\"2026-11-28T04:00:00Z\",\"data\":{\"title\":"
    "\"Climate assembly\",\"visibility\":\"public\"},\"kind\":\"assembly.created\",\"seq\":1}",
    "{\"actor\":\"2\",\"assembly\":\"1\",\"at\":\"2026-11-28T04:05:00Z\",\"data\":{\"country\":"
    "\"DE\",\"role\":\"member\"},\"kind\":\"member.joined\",\"seq\":2}",
    "{\"actor\":\"3\",\"assembly\":\"1\",\"at\":\"2026-11-28T04:06:00Z\",\"data\":{\"country\":"
    "\"KE\",\"role\":\"member\"},\"kind\":\"member.joined\",\"seq\":3}",
};
static const char *const leaf_hex[3] = {
    "bde36df1b616f46e50b66fb1e429e489b202ade3016eec9e764935d3c25a909b",
    "940fdbec93fb5109daffccd26c974569a66e662e1f9e5771e4c79e298c7caa14",
    "f279ef521977bd285b1ffbba9f736303df1a87728809e95b4f6512f00ce6dc3c",
};
static const char root2_hex[] = "e46042de8bda05a98c3129a676358904e84afe56ac75dbb69299ee6f152e4fb8";
static const char root3_hex[] = "3f4c5baf17e6ce50ef54b1ce13cffaa9af40450ed56e81c448395e019a01c5b7";
static const char example_vkey[] =
    "pnyx.example/audit+6f0d5d4e+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
static const char example_note[] = "pnyx.example/assembly/1\n"
                                   "3\n"
                                   "P0xbrxfmzlDvVLHOE8/6qa9ARQ7VboHESDleAZoBxbc=\n"
                                   "\n"
                                   "\xE2\x80\x94 pnyx.example/audit "
                                   "bw1dTqwzRqgvV0ZTYm+oWUcTgntVtdTXQ4DvQHilv0EIPxvB6nYHQcsXSvSa1L+"
                                   "l2BbLi+rFP0wKNfKt/+hgzUHxCQ8=\n";

static void hex32(const char *hex, uint8_t out[32])
{
    for (unsigned i = 0; i < 32; i++) {
        unsigned v;
        cr_assert(sscanf(hex + 2 * i, "%2x", &v) == 1);
        out[i] = (uint8_t)v;
    }
}

static void example_signer(struct note_signer *s)
{
    uint8_t seed[32];
    for (unsigned i = 0; i < 32; i++) {
        seed[i] = (uint8_t)i; /* 000102...1f */
    }
    cr_assert(note_signer_from_seed(s, "pnyx.example/audit", seed) == AUDIT_OK);
}

Test(note, readme_worked_example)
{
    struct merkle_mem m;
    merkle_mem_init(&m);
    for (unsigned i = 0; i < 3; i++) {
        /* entries are canonical already */
        char *c;
        size_t cl;
        cr_assert(jcs_canonicalize(entries[i], strlen(entries[i]), &c, &cl, NULL) == AUDIT_OK);
        cr_assert_str_eq(c, entries[i]);
        free(c);
        uint8_t leaf[32], want[32];
        merkle_leaf_hash(entries[i], strlen(entries[i]), leaf);
        hex32(leaf_hex[i], want);
        cr_assert(memcmp(leaf, want, 32) == 0);
        cr_assert(merkle_mem_append(&m, leaf) == AUDIT_OK);
    }
    struct merkle_store st = merkle_mem_store(&m);
    uint8_t r2[32], r3[32], want[32];
    cr_assert(merkle_root(&st, 2, r2) == AUDIT_OK);
    hex32(root2_hex, want);
    cr_assert(memcmp(r2, want, 32) == 0);
    cr_assert(merkle_root(&st, 3, r3) == AUDIT_OK);
    hex32(root3_hex, want);
    cr_assert(memcmp(r3, want, 32) == 0);

    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t plen;
    char b64[45];
    cr_assert(merkle_inclusion_proof(&st, 1, 3, proof, MERKLE_MAX_PROOF, &plen) == AUDIT_OK);
    cr_assert(plen == 2);
    audit_b64_encode(proof[0], 32, b64);
    cr_assert_str_eq(b64, "veNt8bYW9G5Qtm+x5CnkibICreMBbuyedkk108JakJs=");
    audit_b64_encode(proof[1], 32, b64);
    cr_assert_str_eq(b64, "8nnvUhl3vShbH/u6n3NjA98ah3KICelbT2US8Azm3Dw=");
    cr_assert(merkle_consistency_proof(&st, 2, 3, proof, MERKLE_MAX_PROOF, &plen) == AUDIT_OK);
    cr_assert(plen == 1);
    audit_b64_encode(proof[0], 32, b64);
    cr_assert_str_eq(b64, "8nnvUhl3vShbH/u6n3NjA98ah3KICelbT2US8Azm3Dw=");
    cr_assert(merkle_verify_consistency(2, 3, r2, r3, (const uint8_t(*)[32])proof, plen) ==
              AUDIT_OK);

    struct note_signer s;
    example_signer(&s);
    char vk[NOTE_VKEY_MAX];
    size_t vl;
    cr_assert(note_vkey_format(&s.v, vk, sizeof vk, &vl) == AUDIT_OK);
    cr_assert_str_eq(vk, example_vkey);
    char note[NOTE_SIGNED_CHECKPOINT_MAX];
    size_t nl;
    cr_assert(note_checkpoint_sign(&s, "pnyx.example/assembly/1", 3, r3, note, sizeof note, &nl) ==
              AUDIT_OK);
    cr_assert_str_eq(note, example_note);
    cr_assert(nl == strlen(example_note));

    struct note_verifier v;
    cr_assert(note_vkey_parse(&v, example_vkey, strlen(example_vkey)) == AUDIT_OK);
    struct note_checkpoint cp;
    cr_assert(note_checkpoint_open(&v, note, nl, "pnyx.example/assembly/1", &cp) == AUDIT_OK);
    cr_assert(cp.size == 3 && memcmp(cp.root, r3, 32) == 0 && cp.extensions_len == 0);
    cr_assert(note_checkpoint_open(&v, note, nl, "pnyx.example/assembly/2", &cp) == AUDIT_EVERIFY);
    note_signer_fini(&s);
    merkle_mem_fini(&m);
}

/* ---- rejections --------------------------------------------------------------- */

static int open_str(const char *note)
{
    struct note_verifier v;
    cr_assert(note_vkey_parse(&v, example_vkey, strlen(example_vkey)) == AUDIT_OK);
    return note_open(&v, note, strlen(note), NULL);
}

/* example_note with the substring `from` replaced by `to` (first occurrence). */
static char *mutate(const char *from, const char *to)
{
    const char *at = strstr(example_note, from);
    cr_assert(at != NULL, "%s", from);
    size_t n = strlen(example_note) - strlen(from) + strlen(to);
    char *s = malloc(n + 1);
    size_t pre = (size_t)(at - example_note);
    memcpy(s, example_note, pre);
    memcpy(s + pre, to, strlen(to));
    strcpy(s + pre + strlen(to), at + strlen(from));
    return s;
}

static void expect_mutant(const char *from, const char *to, int want)
{
    char *s = mutate(from, to);
    int rc = open_str(s);
    cr_assert(rc == want, "%s -> %s: got %s want %s", from, to, audit_status_str(rc),
              audit_status_str(want));
    free(s);
}

Test(note, open_accepts_the_original)
{
    cr_assert(open_str(example_note) == AUDIT_OK);
}

Test(note, rejects_hyphen_or_other_dashes_for_em_dash)
{
    expect_mutant("\xE2\x80\x94 ", "- ", AUDIT_ESYNTAX);
    expect_mutant("\xE2\x80\x94 ", "-- ", AUDIT_ESYNTAX);
    expect_mutant("\xE2\x80\x94 ", "\xE2\x80\x93 ", AUDIT_ESYNTAX);  /* en dash */
    expect_mutant("\xE2\x80\x94 ", "\xE2\x80\x94", AUDIT_ESYNTAX);   /* no space */
    expect_mutant("\xE2\x80\x94 ", "\xE2\x80\x94  ", AUDIT_ESYNTAX); /* two spaces */
}

Test(note, wrong_key_id_or_name_is_not_our_signature)
{
    /* key id 6f0d5d4e is "bw1dTg" in base64; change it to another id */
    expect_mutant("bw1dTqwz", "bw1dTawz", AUDIT_ENOKEY);
    expect_mutant(" pnyx.example/audit ", " pnyx.example/other ", AUDIT_ENOKEY);
    /* a vkey whose key id does not match its key is refused outright */
    struct note_verifier v;
    cr_assert(note_vkey_parse(
                  &v, "pnyx.example/audit+6f0d5d4f+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
                  72) == AUDIT_EVERIFY);
    cr_assert(note_vkey_parse(
                  &v, "pnyx.example/audit+6F0D5D4E+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
                  72) == AUDIT_OK);
    cr_assert(note_vkey_parse(
                  &v, "pnyx.example/audit+6f0d5d4e+AgOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
                  72) == AUDIT_ESYNTAX); /* algorithm 0x02 */
    cr_assert(note_vkey_parse(&v, "pnyx.example/audit+6f0d5d4e", 27) == AUDIT_ESYNTAX);
    cr_assert(note_vkey_parse(
                  &v, "pnyx.example/audit+6f0d5d4g+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
                  72) == AUDIT_ESYNTAX);
    cr_assert(note_vkey_parse(
                  &v, "pnyx.example/audit+6f0d5d4e+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4=",
                  73) == AUDIT_ESYNTAX);
    cr_assert(note_vkey_parse(&v, "+6f0d5d4e+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4", 54) ==
              AUDIT_ESYNTAX);
}

Test(note, bad_signature_fails)
{
    expect_mutant("lv0EIPxv", "lv0EIPxw", AUDIT_EVERIFY);
    /* a signed byte of the text changed */
    expect_mutant("\n3\n", "\n4\n", AUDIT_EVERIFY);
    expect_mutant("assembly/1", "assembly/7", AUDIT_EVERIFY);
}

Test(note, rejects_non_canonical_base64)
{
    /* signature: 68 bytes → one '=' of padding; "Q8=" ends with pad bits 00 */
    expect_mutant("CQ8=\n", "CQ9=\n", AUDIT_ESYNTAX); /* padding bits set */
    expect_mutant("CQ8=\n", "CQ8\n", AUDIT_ESYNTAX);  /* missing padding */
    expect_mutant("CQ8=\n", "CQ8==\n", AUDIT_ESYNTAX);
    expect_mutant("bw1dTqwz", "bw1d Tqwz", AUDIT_ESYNTAX); /* whitespace */
    expect_mutant("RqgvV0ZT", "Rqgv_0ZT", AUDIT_ESYNTAX);  /* URL alphabet */
    /* the same rules in checkpoint roots, via the parser */
    struct note_checkpoint cp;
    const char *bad_roots[] = {
        "o\n1\nP0xbrxfmzlDvVLHOE8/6qa9ARQ7VboHESDleAZoBxbd=\n",  /* pad bits */
        "o\n1\nP0xbrxfmzlDvVLHOE8/6qa9ARQ7VboHESDleAZoBxbc\n",   /* no padding */
        "o\n1\nP0xbrxfmzlDvVLHOE8/6qa9ARQ7VboHESDleAZoBxbc= \n", /* space */
        "o\n1\n P0xbrxfmzlDvVLHOE8/6qa9ARQ7VboHESDleAZoBxbc=\n",
        "o\n1\nP0xbrxfmzlDvVLHOE8/6qa9ARQ7VboHESDleAZoB\n", /* 31 bytes */
        "o\n1\nP0xbrxfmzlDvVLHOE8/6qa9ARQ7VboHESDleAZoBxbcA\n",
        "o\n1\nP0xbrxfmzlDvVLHOE8-6qa9ARQ7VboHESDleAZoBxbc=\n",
    };
    for (size_t i = 0; i < sizeof bad_roots / sizeof bad_roots[0]; i++) {
        cr_assert(note_checkpoint_parse(bad_roots[i], strlen(bad_roots[i]), &cp) == AUDIT_ESYNTAX,
                  "%s", bad_roots[i]);
    }
    uint8_t out[8];
    size_t n;
    cr_assert(audit_b64_decode("", 0, out, sizeof out, &n) == AUDIT_OK && n == 0);
    cr_assert(audit_b64_decode("Zg==", 4, out, sizeof out, &n) == AUDIT_OK && n == 1 &&
              out[0] == 'f');
    cr_assert(audit_b64_decode("Zh==", 4, out, sizeof out, &n) == AUDIT_ESYNTAX);
    cr_assert(audit_b64_decode("Zm8=", 4, out, sizeof out, &n) == AUDIT_OK && n == 2);
    cr_assert(audit_b64_decode("Zm9=", 4, out, sizeof out, &n) == AUDIT_ESYNTAX);
    cr_assert(audit_b64_decode("Zm9v", 4, out, sizeof out, &n) == AUDIT_OK && n == 3);
    cr_assert(audit_b64_decode("Z===", 4, out, sizeof out, &n) == AUDIT_ESYNTAX);
    cr_assert(audit_b64_decode("Zm=v", 4, out, sizeof out, &n) == AUDIT_ESYNTAX);
    cr_assert(audit_b64_decode("Zm9vYmFy", 8, out, 5, &n) == AUDIT_ENOSPC);
    char enc[16];
    cr_assert(audit_b64_encode((const uint8_t *)"foob", 4, enc) == 8);
    cr_assert_str_eq(enc, "Zm9vYg==");
}

Test(note, checkpoint_size_must_be_canonical_decimal)
{
    struct note_checkpoint cp;
    static const char root[] = "P0xbrxfmzlDvVLHOE8/6qa9ARQ7VboHESDleAZoBxbc=\n";
    const struct {
        const char *size;
        int ok;
    } cases[] = {
        {"0", 1},
        {"3", 1},
        {"9223372036854775807", 1},
        {"03", 0},
        {"00", 0},
        {"", 0},
        {"+3", 0},
        {"-1", 0},
        {"3 ", 0},
        {" 3", 0},
        {"9223372036854775808", 0},
        {"18446744073709551616", 0},
        {"0x10", 0},
        {"1e3", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[200];
        snprintf(text, sizeof text, "o.example/log\n%s\n%s", cases[i].size, root);
        int rc = note_checkpoint_parse(text, strlen(text), &cp);
        cr_assert((rc == AUDIT_OK) == cases[i].ok, "size '%s': %s", cases[i].size,
                  audit_status_str(rc));
    }
    /* leading zero in a signed note → syntax error even with a good signature */
    struct note_signer s;
    example_signer(&s);
    struct note_verifier v = s.v;
    char note[512];
    size_t nl;
    const char *text =
        "pnyx.example/assembly/1\n03\nP0xbrxfmzlDvVLHOE8/6qa9ARQ7VboHESDleAZoBxbc=\n";
    cr_assert(note_sign(&s, text, strlen(text), note, sizeof note, &nl) == AUDIT_OK);
    cr_assert(note_open(&v, note, nl, NULL) == AUDIT_OK); /* a valid note ... */
    cr_assert(note_checkpoint_open(&v, note, nl, NULL, &cp) == AUDIT_ESYNTAX); /* bad checkpoint */
    note_signer_fini(&s);
}

static int open_cp_str(const char *note)
{
    struct note_verifier v;
    struct note_checkpoint cp;
    cr_assert(note_vkey_parse(&v, example_vkey, strlen(example_vkey)) == AUDIT_OK);
    return note_checkpoint_open(&v, note, strlen(note), NULL, &cp);
}

/* Both the generic note and the checkpoint parser must refuse. */
static void expect_both(const char *from, const char *to, int note_rc)
{
    char *s = mutate(from, to);
    cr_assert(open_str(s) == note_rc, "note %s -> %s: %s", from, to, audit_status_str(open_str(s)));
    cr_assert(open_cp_str(s) == AUDIT_ESYNTAX, "checkpoint %s -> %s: %s", from, to,
              audit_status_str(open_cp_str(s)));
    free(s);
}

Test(note, missing_final_newline_and_blank_lines)
{
    size_t n = strlen(example_note);
    struct note_verifier v;
    struct note_checkpoint cp;
    cr_assert(note_vkey_parse(&v, example_vkey, strlen(example_vkey)) == AUDIT_OK);
    cr_assert(note_open(&v, example_note, n - 1, NULL) == AUDIT_ESYNTAX);
    cr_assert(note_checkpoint_open(&v, example_note, n - 1, NULL, &cp) == AUDIT_ESYNTAX);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s\n", example_note); /* trailing blank line: no signatures */
    cr_assert(open_str(buf) == AUDIT_ESYNTAX);
    cr_assert(open_cp_str(buf) == AUDIT_ESYNTAX);
    /* A generic note's text may hold empty lines (C2SP: the LAST empty line
     * separates), so these only fail its signature; a checkpoint body never
     * has one, so the checkpoint parser refuses them before any crypto. */
    expect_both("\n\n\xE2\x80\x94", "\n\n\n\xE2\x80\x94", AUDIT_EVERIFY); /* two blank lines */
    expect_both("\n3\n", "\n\n3\n", AUDIT_EVERIFY);                       /* blank inside */
    expect_both("pnyx.example/assembly/1\n", "\npnyx.example/assembly/1\n", AUDIT_EVERIFY);
    expect_both("\n\n\xE2\x80\x94", "\n\xE2\x80\x94", AUDIT_ESYNTAX); /* no separator */
    expect_both("\n3\n", "\n3\r\n", AUDIT_ESYNTAX); /* CR is a control character */
    expect_both("\n3\n", "\n3\t\n", AUDIT_ESYNTAX);
    expect_both("\n3\n", "\n3\xC3\n", AUDIT_ESYNTAX); /* invalid UTF-8 */
    /* a blank line between two signature lines: ours becomes "text" */
    snprintf(buf, sizeof buf, "%s\n\xE2\x80\x94 other.example/x AAAAAAAA\n", example_note);
    cr_assert(open_str(buf) == AUDIT_ENOKEY);
    cr_assert(open_cp_str(buf) == AUDIT_ESYNTAX);
    cr_assert(open_str("") == AUDIT_ESYNTAX);
    cr_assert(open_str("\n") == AUDIT_ESYNTAX);
    cr_assert(open_str("\n\n") == AUDIT_ESYNTAX);
    cr_assert(open_cp_str("\n\n") == AUDIT_ESYNTAX);
    /* signing: text rules */
    struct note_signer s;
    example_signer(&s);
    size_t ol;
    size_t tl = 0;
    cr_assert(note_sign(&s, "a\n\nb\n", 5, buf, sizeof buf, &ol) == AUDIT_OK);
    cr_assert(note_open(&s.v, buf, ol, &tl) == AUDIT_OK && tl == 5);
    cr_assert(note_checkpoint_open(&s.v, buf, ol, NULL, &cp) == AUDIT_ESYNTAX);
    cr_assert(note_sign(&s, "a", 1, buf, sizeof buf, &ol) == AUDIT_EINVAL);
    cr_assert(note_sign(&s, "", 0, buf, sizeof buf, &ol) == AUDIT_EINVAL);
    cr_assert(note_sign(&s, "a\x01\n", 3, buf, sizeof buf, &ol) == AUDIT_EINVAL);
    cr_assert(note_sign(&s, "a\x7f\n", 3, buf, sizeof buf, &ol) == AUDIT_OK); /* DEL is not C0 */
    cr_assert(note_sign(&s, "a\n", 2, buf, 10, &ol) == AUDIT_ENOSPC);
    note_signer_fini(&s);
}

Test(note, origin_rules)
{
    char out[NOTE_CHECKPOINT_BODY_MAX];
    size_t n;
    uint8_t root[32] = {0};
    cr_assert(note_checkpoint_body("a\nb", 1, root, out, sizeof out, &n) == AUDIT_EINVAL);
    cr_assert(note_checkpoint_body("", 1, root, out, sizeof out, &n) == AUDIT_EINVAL);
    cr_assert(note_checkpoint_body("a\tb", 1, root, out, sizeof out, &n) == AUDIT_EINVAL);
    char longo[NOTE_ORIGIN_MAX + 2];
    memset(longo, 'o', sizeof longo - 1);
    longo[sizeof longo - 1] = '\0';
    cr_assert(note_checkpoint_body(longo, 1, root, out, sizeof out, &n) == AUDIT_EINVAL);
    longo[NOTE_ORIGIN_MAX] = '\0';
    cr_assert(note_checkpoint_body(longo, UINT64_C(9223372036854775807), root, out, sizeof out,
                                   &n) == AUDIT_OK);
    cr_assert(note_checkpoint_body("x", 1, root, out, 20, &n) == AUDIT_ENOSPC);
    cr_assert(note_checkpoint_body("pnyx.example/assembly/9", 0, root, out, sizeof out, &n) ==
              AUDIT_OK);
    cr_assert_str_eq(out,
                     "pnyx.example/assembly/9\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    /* parse: empty origin line, extension lines kept, empty extension line refused */
    struct note_checkpoint cp;
    const char *ext = "o.example\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextra line\n";
    cr_assert(note_checkpoint_parse(ext, strlen(ext), &cp) == AUDIT_OK);
    cr_assert(cp.extensions_len == strlen("extra line\n"));
    cr_assert(cp.origin_len == 9 && memcmp(cp.origin, "o.example", 9) == 0 && cp.size == 5);
    const char *noorigin = "\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
    cr_assert(note_checkpoint_parse(noorigin, strlen(noorigin), &cp) == AUDIT_ESYNTAX);
    const char *nonl = "o\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    cr_assert(note_checkpoint_parse(nonl, strlen(nonl), &cp) == AUDIT_ESYNTAX);
    const char *blank = "o\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n";
    cr_assert(note_checkpoint_parse(blank, strlen(blank), &cp) == AUDIT_ESYNTAX);
    cr_assert(note_checkpoint_parse("o\n5\n", 4, &cp) == AUDIT_ESYNTAX);
}

Test(note, key_names)
{
    cr_assert(note_name_valid("pnyx.example/audit", 18));
    cr_assert(note_name_valid("\xC3\xA9t\xC3\xA9", 5));
    cr_assert(!note_name_valid("", 0));
    cr_assert(!note_name_valid("a+b", 3));
    cr_assert(!note_name_valid("a b", 3));
    cr_assert(!note_name_valid("a\xC2\xA0"
                               "b",
                               4)); /* NBSP */
    cr_assert(!note_name_valid("a\xE3\x80\x80"
                               "b",
                               5)); /* ideographic space */
    cr_assert(!note_name_valid("a\nb", 3));
    cr_assert(!note_name_valid("\xC3", 1));
    uint8_t pk[32] = {0}, id[4];
    cr_assert(note_key_id("a b", 3, pk, id) == AUDIT_EINVAL);
    struct note_verifier v;
    cr_assert(note_verifier_init(&v, "bad+name", pk) == AUDIT_EINVAL);
}

Test(note, several_signatures_first_known_line_decides)
{
    struct note_signer a, b;
    example_signer(&a);
    uint8_t seed[32];
    memset(seed, 0x42, sizeof seed);
    cr_assert(note_signer_from_seed(&b, "witness.example/w1", seed) == AUDIT_OK);
    const char *text = "pnyx.example/assembly/1\n3\nP0xbrxfmzlDvVLHOE8/6qa9ARQ7VboHESDleAZoBxbc=\n";
    char n1[512], n2[512];
    size_t l1, l2;
    cr_assert(note_sign(&b, text, strlen(text), n1, sizeof n1, &l1) == AUDIT_OK);
    cr_assert(note_sign(&a, text, strlen(text), n2, sizeof n2, &l2) == AUDIT_OK);
    /* witness line first, then ours; also an unknown algorithm's long line */
    char both[2048];
    snprintf(both, sizeof both, "%s%s\xE2\x80\x94 pq.example/k %s\n", n1, n2 + strlen(text) + 1,
             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    size_t tl = 0;
    cr_assert(note_open(&a.v, both, strlen(both), &tl) == AUDIT_OK);
    cr_assert(tl == strlen(text));
    cr_assert(note_open(&b.v, both, strlen(both), &tl) == AUDIT_OK);
    /* an invalid line of our key before a valid one: rejected (Go semantics) */
    char bad[2048];
    char *sig = strstr(n2 + strlen(text) + 1, " bw1d");
    cr_assert(sig != NULL);
    snprintf(bad, sizeof bad, "%s\n\xE2\x80\x94 pnyx.example/audit %.*sAAA=\n%s", text, 88, sig + 1,
             n2 + strlen(text) + 1);
    cr_assert(note_open(&a.v, bad, strlen(bad), NULL) == AUDIT_EVERIFY);
    /* too many signature lines */
    size_t n = (size_t)snprintf(bad, sizeof bad, "%s\n", text);
    char *big = malloc(200 * 64 + 1024);
    memcpy(big, bad, n);
    for (int i = 0; i < NOTE_MAX_SIGS + 1; i++) {
        n += (size_t)sprintf(big + n, "\xE2\x80\x94 w%d.example AAAAAAAA\n", i);
    }
    cr_assert(note_open(&a.v, big, n, NULL) == AUDIT_ESYNTAX);
    free(big);
    note_signer_fini(&a);
    note_signer_fini(&b);
}

Test(note, sign_open_round_trip_many)
{
    struct note_signer s;
    example_signer(&s);
    struct note_verifier v = s.v;
    char note[NOTE_SIGNED_CHECKPOINT_MAX];
    for (uint64_t size = 0; size < 300; size++) {
        uint8_t root[32];
        crypto_hash_sha256(root, (const uint8_t *)&size, sizeof size);
        size_t nl;
        cr_assert(note_checkpoint_sign(&s, "pnyx.example/assembly/77", size, root, note,
                                       sizeof note, &nl) == AUDIT_OK);
        struct note_checkpoint cp;
        cr_assert(note_checkpoint_open(&v, note, nl, "pnyx.example/assembly/77", &cp) == AUDIT_OK);
        cr_assert(cp.size == size && memcmp(cp.root, root, 32) == 0);
        /* flip any byte of the note: never AUDIT_OK */
        for (size_t i = 0; i < nl; i += 7) {
            note[i] ^= 0x01;
            cr_assert(note_open(&v, note, nl, NULL) != AUDIT_OK, "byte %zu", i);
            note[i] ^= 0x01;
        }
    }
    note_signer_fini(&s);
}

Test(note, random_mutations_never_verify)
{
    struct note_verifier v;
    cr_assert(note_vkey_parse(&v, example_vkey, strlen(example_vkey)) == AUDIT_OK);
    size_t n0 = strlen(example_note);
    char buf[512];
    srand(99);
    for (unsigned iter = 0; iter < 20000; iter++) {
        size_t n = n0;
        memcpy(buf, example_note, n);
        size_t at = (size_t)rand() % n;
        switch (rand() % 3) {
        case 0:
            buf[at] = (char)(buf[at] ^ (1 << (rand() % 8)));
            break;
        case 1:
            memmove(buf + at, buf + at + 1, n - at - 1);
            n--;
            break;
        default:
            memmove(buf + at + 1, buf + at, n - at);
            buf[at] = "\n =+/A-\xE2"[rand() % 8];
            n++;
            break;
        }
        if (n == n0 && memcmp(buf, example_note, n) == 0) {
            continue;
        }
        cr_assert(note_open(&v, buf, n, NULL) != AUDIT_OK, "mutant verified: %.*s", (int)n, buf);
        struct note_checkpoint cp;
        int prc = note_checkpoint_parse(buf, n, &cp);
        cr_assert(prc == AUDIT_OK || prc == AUDIT_ESYNTAX);
    }
}
