/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/audit/vectors.json: machine-readable test vectors for other
 * implementations (the browser verifier in static/, pnyx-verify, auditors'
 * own tools). This test recomputes every value with core/audit and requires
 * the committed file to match byte for byte; run with
 * PNYX_REGEN_AUDIT_VECTORS=1 to rewrite it after a deliberate change.
 *
 * Layout (canonical JSON, one line):
 *   key          {name, seed_hex, public_key_hex, key_id_hex, vkey}
 *   entries      [exact entry text, seq 1..7]
 *   leaf_hashes  [hex]                    leaf_hashes[i] = SHA-256(0x00 || entries[i])
 *   roots        [hex]                    roots[n] = MTH of the first n leaves, n = 0..7
 *   inclusion    [{index, size, proof:[base64]}]   every 0 <= index < size <= 7
 *   consistency  [{from, to, proof:[base64]}]      every 0 <= from <= to <= 7
 *   checkpoints  [{origin, size, note}]   signed notes for sizes 3 and 7
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"

#define N_ENTRIES 7

static const char *const entries[N_ENTRIES] = {
    "{\"actor\":\"1\",\"assembly\":\"1\",\"at\":\"2026-11-28T04:00:00Z\",\"data\":{\"title\":"
    "\"Climate assembly\",\"visibility\":\"public\"},\"kind\":\"assembly.created\",\"seq\":1}",
    "{\"actor\":\"2\",\"assembly\":\"1\",\"at\":\"2026-11-28T04:05:00Z\",\"data\":{\"country\":"
    "\"DE\",\"role\":\"member\"},\"kind\":\"member.joined\",\"seq\":2}",
    "{\"actor\":\"3\",\"assembly\":\"1\",\"at\":\"2026-11-28T04:06:00Z\",\"data\":{\"country\":"
    "\"KE\",\"role\":\"member\"},\"kind\":\"member.joined\",\"seq\":3}",
    "{\"actor\":\"1\",\"assembly\":\"1\",\"at\":\"2026-11-28T04:07:00Z\",\"data\":{\"max_uses\":5,"
    "\"role\":\"member\"},\"kind\":\"invitation.created\",\"seq\":4}",
    "{\"actor\":\"4\",\"assembly\":\"1\",\"at\":\"2026-11-28T04:08:00Z\",\"data\":{\"country\":"
    "\"BR\",\"note\":\"Ol\xC3\xA1 \xE2\x80\x94 \\\"quoted\\\"\\n\",\"role\":\"member\"},"
    "\"kind\":\"member.joined\",\"seq\":5}",
    "{\"actor\":\"1\",\"assembly\":\"1\",\"at\":\"2026-11-28T04:09:00Z\",\"data\":{\"account\":"
    "\"4\",\"role\":\"facilitator\"},\"kind\":\"member.updated\",\"seq\":6}",
    "{\"actor\":\"3\",\"assembly\":\"1\",\"at\":\"2026-11-28T04:10:00Z\",\"data\":{},\"kind\":"
    "\"member.left\",\"seq\":7}",
};

static void put_hex(struct jcs_buf *b, const uint8_t *h, size_t n)
{
    char s[2 * 64 + 1];
    sodium_bin2hex(s, sizeof s, h, n);
    jcs_str(b, s);
}

static void put_b64_array(struct jcs_buf *b, const uint8_t (*p)[32], size_t n)
{
    jcs_arr_begin(b);
    for (size_t i = 0; i < n; i++) {
        char s[45];
        audit_b64_encode(p[i], 32, s);
        jcs_str(b, s);
    }
    jcs_arr_end(b);
}

static char *build_vectors(size_t *len)
{
    struct merkle_mem m;
    merkle_mem_init(&m);
    uint8_t leaves[N_ENTRIES][32];
    for (unsigned i = 0; i < N_ENTRIES; i++) {
        char *c;
        size_t cl;
        cr_assert(jcs_canonicalize(entries[i], strlen(entries[i]), &c, &cl, NULL) == AUDIT_OK);
        cr_assert_str_eq(c, entries[i], "entry %u is not canonical", i);
        free(c);
        merkle_leaf_hash(entries[i], strlen(entries[i]), leaves[i]);
        cr_assert(merkle_mem_append(&m, leaves[i]) == AUDIT_OK);
    }
    struct merkle_store st = merkle_mem_store(&m);
    uint8_t seed[32];
    for (unsigned i = 0; i < 32; i++) {
        seed[i] = (uint8_t)i;
    }
    struct note_signer s;
    cr_assert(note_signer_from_seed(&s, "pnyx.example/audit", seed) == AUDIT_OK);

    struct jcs_buf b;
    jcs_buf_init(&b);
    jcs_obj_begin(&b);

    jcs_key(&b, "checkpoints");
    jcs_arr_begin(&b);
    static const uint64_t cp_sizes[] = {3, N_ENTRIES};
    for (unsigned k = 0; k < 2; k++) {
        uint8_t root[32];
        cr_assert(merkle_root(&st, cp_sizes[k], root) == AUDIT_OK);
        char note[NOTE_SIGNED_CHECKPOINT_MAX];
        size_t nl;
        cr_assert(note_checkpoint_sign(&s, "pnyx.example/assembly/1", cp_sizes[k], root, note,
                                       sizeof note, &nl) == AUDIT_OK);
        jcs_obj_begin(&b);
        jcs_key(&b, "note");
        jcs_strn(&b, note, nl);
        jcs_key(&b, "origin");
        jcs_str(&b, "pnyx.example/assembly/1");
        jcs_key(&b, "size");
        jcs_uint(&b, cp_sizes[k]);
        jcs_obj_end(&b);
    }
    jcs_arr_end(&b);

    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t plen;
    jcs_key(&b, "consistency");
    jcs_arr_begin(&b);
    for (uint64_t to = 0; to <= N_ENTRIES; to++) {
        for (uint64_t from = 0; from <= to; from++) {
            cr_assert(merkle_consistency_proof(&st, from, to, proof, MERKLE_MAX_PROOF, &plen) ==
                      AUDIT_OK);
            jcs_obj_begin(&b);
            jcs_key(&b, "from");
            jcs_uint(&b, from);
            jcs_key(&b, "proof");
            put_b64_array(&b, (const uint8_t(*)[32])proof, plen);
            jcs_key(&b, "to");
            jcs_uint(&b, to);
            jcs_obj_end(&b);
        }
    }
    jcs_arr_end(&b);

    jcs_key(&b, "entries");
    jcs_arr_begin(&b);
    for (unsigned i = 0; i < N_ENTRIES; i++) {
        jcs_str(&b, entries[i]);
    }
    jcs_arr_end(&b);

    jcs_key(&b, "inclusion");
    jcs_arr_begin(&b);
    for (uint64_t size = 1; size <= N_ENTRIES; size++) {
        for (uint64_t index = 0; index < size; index++) {
            cr_assert(merkle_inclusion_proof(&st, index, size, proof, MERKLE_MAX_PROOF, &plen) ==
                      AUDIT_OK);
            jcs_obj_begin(&b);
            jcs_key(&b, "index");
            jcs_uint(&b, index);
            jcs_key(&b, "proof");
            put_b64_array(&b, (const uint8_t(*)[32])proof, plen);
            jcs_key(&b, "size");
            jcs_uint(&b, size);
            jcs_obj_end(&b);
        }
    }
    jcs_arr_end(&b);

    jcs_key(&b, "key");
    jcs_obj_begin(&b);
    jcs_key(&b, "key_id_hex");
    put_hex(&b, s.v.key_id, 4);
    jcs_key(&b, "name");
    jcs_str(&b, s.v.name);
    jcs_key(&b, "public_key_hex");
    put_hex(&b, s.v.public_key, 32);
    jcs_key(&b, "seed_hex");
    put_hex(&b, seed, 32);
    jcs_key(&b, "vkey");
    char vk[NOTE_VKEY_MAX];
    size_t vl;
    cr_assert(note_vkey_format(&s.v, vk, sizeof vk, &vl) == AUDIT_OK);
    jcs_str(&b, vk);
    jcs_obj_end(&b);

    jcs_key(&b, "leaf_hashes");
    jcs_arr_begin(&b);
    for (unsigned i = 0; i < N_ENTRIES; i++) {
        put_hex(&b, leaves[i], 32);
    }
    jcs_arr_end(&b);

    jcs_key(&b, "roots");
    jcs_arr_begin(&b);
    for (uint64_t n = 0; n <= N_ENTRIES; n++) {
        uint8_t root[32];
        cr_assert(merkle_root(&st, n, root) == AUDIT_OK);
        put_hex(&b, root, 32);
    }
    jcs_arr_end(&b);

    jcs_obj_end(&b);
    cr_assert(jcs_buf_finish(&b) == AUDIT_OK, "%s", audit_status_str(b.err));
    char *out = jcs_buf_steal(&b, len);
    note_signer_fini(&s);
    merkle_mem_fini(&m);
    return out;
}

Test(vectors, committed_file_matches_core_audit)
{
    cr_assert(sodium_init() >= 0);
    size_t len;
    char *text = build_vectors(&len);
    cr_assert(text != NULL);
    /* the file ends with a newline for the benefit of editors and diff */
    if (getenv("PNYX_REGEN_AUDIT_VECTORS") != NULL) {
        FILE *f = fopen(AUDIT_VECTORS_FILE, "wb");
        cr_assert(f != NULL);
        cr_assert(fwrite(text, 1, len, f) == len && fputc('\n', f) == '\n');
        cr_assert(fclose(f) == 0);
    }
    FILE *f = fopen(AUDIT_VECTORS_FILE, "rb");
    cr_assert(f != NULL, "cannot open %s", AUDIT_VECTORS_FILE);
    char *file = malloc(len + 2);
    size_t got = fread(file, 1, len + 2, f);
    fclose(f);
    cr_assert(got == len + 1 && file[len] == '\n' && memcmp(file, text, len) == 0,
              "%s is stale: regenerate with PNYX_REGEN_AUDIT_VECTORS=1", AUDIT_VECTORS_FILE);
    /* and it is canonical JSON */
    char *canon;
    size_t cl;
    cr_assert(jcs_canonicalize(file, len + 1, &canon, &cl, NULL) == AUDIT_OK);
    cr_assert(cl == len && memcmp(canon, text, len) == 0);
    free(canon);
    free(file);
    free(text);
}
