/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * bench_audit_core [leaves]: operations per second of the pure audit core on
 * one core — the ceiling under the HTTP/database numbers of api_bench.sh.
 * Prints one "name ops/s" line per operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *name, unsigned long ops, double secs)
{
    printf("%-34s %12.0f ops/s  (%lu in %.3f s)\n", name, (double)ops / secs, ops, secs);
}

static volatile unsigned sink;

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        return 1;
    }
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    if (n < 2) {
        n = 2;
    }
    static const char entry[] =
        "{\"actor\":\"2\",\"assembly\":\"1\",\"at\":\"2026-11-28T04:05:00Z\",\"data\":{\"country\":"
        "\"DE\",\"role\":\"member\"},\"kind\":\"member.joined\",\"seq\":2}";

    static const char data[] = "{\"role\":\"member\",\"country\":\"DE\"}";

    /* builder: one audit entry */
    double t = now();
    unsigned long ops = 200000;
    struct jcs_buf b;
    jcs_buf_init(&b);
    for (unsigned long i = 0; i < ops; i++) {
        jcs_buf_reset(&b);
        jcs_obj_begin(&b);
        jcs_key(&b, "actor");
        jcs_str(&b, "2");
        jcs_key(&b, "assembly");
        jcs_str(&b, "1");
        jcs_key(&b, "at");
        jcs_str(&b, "2026-11-28T04:05:00Z");
        jcs_key(&b, "data");
        jcs_json(&b, data, strlen(data));
        jcs_key(&b, "kind");
        jcs_str(&b, "member.joined");
        jcs_key(&b, "seq");
        jcs_int(&b, (int64_t)i + 1);
        jcs_obj_end(&b);
        if (jcs_buf_finish(&b) != AUDIT_OK) {
            return 2;
        }
    }
    report("jcs builder (audit entry)", ops, now() - t);
    jcs_buf_fini(&b);

    t = now();
    for (unsigned long i = 0; i < ops; i++) {
        char *out;
        size_t len;
        if (jcs_canonicalize(entry, sizeof entry - 1, &out, &len, NULL) != AUDIT_OK) {
            return 3;
        }
        sink += (unsigned)len;
        free(out);
    }
    report("jcs_canonicalize (audit entry)", ops, now() - t);

    /* append: leaf hash + frontier append */
    struct merkle_mem m;
    merkle_mem_init(&m);
    struct merkle_frontier f;
    merkle_frontier_init(&f);
    t = now();
    for (uint64_t i = 0; i < n; i++) {
        uint8_t leaf[32];
        merkle_leaf_hash(entry, sizeof entry - 1, leaf);
        leaf[0] ^= (uint8_t)i;
        struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
        unsigned k;
        if (merkle_frontier_append(&f, leaf, nodes, &k) != AUDIT_OK) {
            return 4;
        }
        if (merkle_mem_append(&m, leaf) != AUDIT_OK) {
            return 4;
        }
    }
    report("leaf hash + frontier append (+mem)", (unsigned long)n, now() - t);
    struct merkle_store s = merkle_mem_store(&m);
    uint8_t root[32];
    merkle_frontier_root(&f, root);

    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t len;
    ops = 200000;
    srand(1);
    t = now();
    for (unsigned long i = 0; i < ops; i++) {
        uint64_t idx = ((uint64_t)rand() << 16 ^ (uint64_t)rand()) % n;
        if (merkle_inclusion_proof(&s, idx, n, proof, MERKLE_MAX_PROOF, &len) != AUDIT_OK) {
            return 5;
        }
    }
    report("inclusion proof (mem store)", ops, now() - t);

    t = now();
    for (unsigned long i = 0; i < ops; i++) {
        uint64_t idx = ((uint64_t)rand() << 16 ^ (uint64_t)rand()) % n;
        struct merkle_plan p;
        if (merkle_inclusion_plan(idx, n, &p) != AUDIT_OK) {
            return 6;
        }
        for (unsigned k = 0; k < p.n; k++) {
            if (s.get_node(s.cls, p.level[k], p.index[k], p.hash[k]) != 0) {
                return 6;
            }
            p.have[k] = 1;
        }
        struct merkle_store ps = merkle_plan_store(&p);
        if (merkle_inclusion_proof(&ps, idx, n, proof, MERKLE_MAX_PROOF, &len) != AUDIT_OK) {
            return 6;
        }
    }
    report("inclusion plan+fill+proof", ops, now() - t);

    uint64_t vidx = n / 3;
    uint8_t leaf[32];
    if (s.get_node(s.cls, 0, vidx, leaf) != 0 ||
        merkle_inclusion_proof(&s, vidx, n, proof, MERKLE_MAX_PROOF, &len) != AUDIT_OK) {
        return 7;
    }
    t = now();
    for (unsigned long i = 0; i < ops; i++) {
        if (merkle_verify_inclusion(leaf, vidx, n, (const uint8_t(*)[32])proof, len, root) !=
            AUDIT_OK) {
            return 7;
        }
    }
    report("inclusion verify", ops, now() - t);

    uint64_t from = n / 2 + 12345 % (n / 2);
    uint8_t old[32];
    if (merkle_root(&s, from, old) != AUDIT_OK) {
        return 8;
    }
    t = now();
    for (unsigned long i = 0; i < ops; i++) {
        if (merkle_consistency_proof(&s, from, n, proof, MERKLE_MAX_PROOF, &len) != AUDIT_OK) {
            return 8;
        }
    }
    report("consistency proof (mem store)", ops, now() - t);
    t = now();
    for (unsigned long i = 0; i < ops; i++) {
        if (merkle_verify_consistency(from, n, old, root, (const uint8_t(*)[32])proof, len) !=
            AUDIT_OK) {
            return 9;
        }
    }
    report("consistency verify", ops, now() - t);

    /* checkpoints */
    uint8_t seed[32] = {0};
    struct note_signer sg;
    if (note_signer_from_seed(&sg, "pnyx.example/audit", seed) != AUDIT_OK) {
        return 10;
    }
    char note[NOTE_SIGNED_CHECKPOINT_MAX];
    size_t nl = 0;
    ops = 20000;
    t = now();
    for (unsigned long i = 0; i < ops; i++) {
        if (note_checkpoint_sign(&sg, "pnyx.example/assembly/1", n, root, note, sizeof note, &nl) !=
            AUDIT_OK) {
            return 11;
        }
    }
    report("checkpoint sign", ops, now() - t);
    t = now();
    for (unsigned long i = 0; i < ops; i++) {
        struct note_checkpoint cp;
        if (note_checkpoint_open(&sg.v, note, nl, "pnyx.example/assembly/1", &cp) != AUDIT_OK) {
            return 12;
        }
    }
    report("checkpoint open (verify)", ops, now() - t);
    note_signer_fini(&sg);
    merkle_mem_fini(&m);
    return 0;
}
