/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * bench/audit/record_q_gen.c — writes a valid pnyx-record/1 holding one
 * tallied IRV question with N ballots (default 1,000,000), for timing
 * pnyx-verify on a big board (record_q_bench.sh).
 *
 *   record_q_gen OUT.json [N [POOL]]
 *
 * The log: assembly.created, question.created, question.opened,
 * question.closed (board root over the board entries), tally.published (the
 * result counted with codec/result, the seed from the log root at the
 * close); one checkpoint over the five entries signed by a fixed test key
 * (its base64 public key is printed for --key). Ballots are drawn from POOL
 * voter types (default 60,000, as bench/tally's realistic files) over 8
 * options and 12 countries; receipts are SHA-256 of the ballot number, so
 * the board is in receipt order after a sort. The generator uses the
 * project's code to build the record (it is a bench input, not a test:
 * the tamper suite and the independent auditor test correctness).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "codec/result/qresult.h"
#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"
#include "core/ballot/ballot.h"
#include "core/tally/tally.h"

#define K 8

struct ballot {
    char receipt[65];
    uint8_t ranking[K];
    uint8_t n;
    char country[3];
};

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int by_receipt(const void *a, const void *b)
{
    return strcmp(((const struct ballot *)a)->receipt, ((const struct ballot *)b)->receipt);
}

static void hex(const uint8_t *h, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", h[i]);
    }
}

/* Appends entry seq (kind, data: canonical JSON text) to the list. */
static char *entries[8];
static int n_entries;
static void entry(const char *kind, const char *data)
{
    struct jcs_buf b;
    jcs_buf_init(&b);
    jcs_obj_begin(&b);
    jcs_key(&b, "actor");
    jcs_null(&b);
    jcs_key(&b, "assembly");
    jcs_str(&b, "1");
    jcs_key(&b, "at");
    jcs_str(&b, "2026-12-03T12:00:00Z");
    jcs_key(&b, "data");
    jcs_json(&b, data, strlen(data));
    jcs_key(&b, "kind");
    jcs_str(&b, kind);
    jcs_key(&b, "seq");
    jcs_int(&b, n_entries + 1);
    jcs_obj_end(&b);
    if (jcs_buf_finish(&b) != AUDIT_OK) {
        fprintf(stderr, "bad entry %s\n", kind);
        exit(1);
    }
    size_t len;
    entries[n_entries++] = jcs_buf_steal(&b, &len);
    jcs_buf_fini(&b);
}

static void log_root(uint64_t size, uint8_t root[32])
{
    struct merkle_mem m;
    merkle_mem_init(&m);
    for (uint64_t i = 0; i < size; i++) {
        if (merkle_mem_append_entry(&m, entries[i], strlen(entries[i])) != AUDIT_OK) {
            exit(1);
        }
    }
    struct merkle_store st = merkle_mem_store(&m);
    if (merkle_root(&st, size, root) != AUDIT_OK) {
        exit(1);
    }
    merkle_mem_fini(&m);
}

int main(int argc, char **argv)
{
    if (argc < 2 || sodium_init() < 0) {
        fprintf(stderr, "usage: record_q_gen OUT.json [N [POOL]]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 1000000;
    int pool = argc > 3 ? atoi(argv[3]) : 60000;
    if (n < 1 || pool < 0) {
        fprintf(stderr, "record_q_gen: N must be >= 1 and POOL >= 0\n");
        return 2;
    }
    if (pool == 0 || pool > n) {
        pool = n; /* 0: (about) every ballot its own ranking */
    }
    static const char *const cc[] = {"DE", "FR", "ES", "IT", "PL", "NL",
                                     "SE", "PT", "GR", "AT", "BE", "IE"};
    struct ballot *types = calloc((size_t)pool, sizeof *types);
    struct ballot *b = calloc((size_t)n, sizeof *b);
    for (int t = 0; t < pool; t++) {
        uint8_t perm[K];
        for (int i = 0; i < K; i++) {
            perm[i] = (uint8_t)i;
        }
        for (int i = K - 1; i > 0; i--) {
            int j = (int)(next_rand() % (uint64_t)(i + 1));
            uint8_t x = perm[i];
            perm[i] = perm[j];
            perm[j] = x;
        }
        types[t].n = (uint8_t)(1 + next_rand() % K);
        memcpy(types[t].ranking, perm, K);
        snprintf(types[t].country, 3, "%s", cc[next_rand() % 12]);
    }
    for (int v = 0; v < n; v++) {
        b[v] = types[next_rand() % (uint64_t)pool];
        uint8_t h[32];
        crypto_hash_sha256(h, (const unsigned char *)&v, sizeof v);
        hex(h, 32, b[v].receipt);
    }
    qsort(b, (size_t)n, sizeof *b, by_receipt);

    /* texts */
    char texts[1024] = "{\"question\":1,\"texts\":{\"en\":{\"description\":\"Bench.\",\"labels\":{";
    char ids[K][3];
    for (int i = 0; i < K; i++) {
        ballot_option_id((unsigned)i, ids[i]);
        char l[96];
        snprintf(l, sizeof l, "%s\"%s\":\"Option %s\"", i ? "," : "", ids[i], ids[i]);
        strcat(texts, l);
    }
    strcat(texts, "},\"source\":\"original\",\"title\":\"Bench question\"}}}");
    uint8_t th[32], rr[32];
    crypto_hash_sha256(th, (const unsigned char *)texts, strlen(texts));
    crypto_hash_sha256(rr, (const unsigned char *)"roll", 4);
    char th_hex[65], rr_hex[65], br_hex[65], res_hex[65];
    hex(th, 32, th_hex);
    hex(rr, 32, rr_hex);

    /* the board root */
    struct merkle_frontier f;
    merkle_frontier_init(&f);
    struct jcs_buf jb;
    jcs_buf_init(&jb);
    for (int v = 0; v < n; v++) {
        uint8_t leaf[32];
        struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
        unsigned nn;
        if (ballot_board_entry(&jb, b[v].ranking, b[v].n, b[v].country, b[v].receipt) != 0) {
            return 1;
        }
        merkle_leaf_hash(jb.data, jb.len, leaf);
        if (merkle_frontier_append(&f, leaf, nodes, &nn) != AUDIT_OK) {
            return 1;
        }
    }
    uint8_t br[32];
    merkle_frontier_root(&f, br);
    hex(br, 32, br_hex);

    char d[1024];
    entry("assembly.created", "{\"name\":\"bench\"}");
    entry("question.created", "{\"question\":\"1\"}");
    snprintf(d, sizeof d,
             "{\"question\":\"1\",\"roll_root\":\"%s\",\"roll_size\":%d,\"texts_hash\":\"%s\"}",
             rr_hex, n, th_hex);
    entry("question.opened", d);
    snprintf(d, sizeof d,
             "{\"ballots\":%d,\"board_root\":\"%s\",\"board_size\":%d,\"question\":\"1\","
             "\"voters\":%d}",
             n, br_hex, n, n);
    entry("question.closed", d);
    uint8_t root[32];
    log_root(4, root);
    int64_t seed = tally_seed_from_root(root);

    /* the count */
    struct qr_spec s = {.qid = 1,
                        .method = TALLY_IRV,
                        .seats = 1,
                        .n_options = K,
                        .option_ids = (const char(*)[3])ids,
                        .excluded = (const bool[K]){0},
                        .max_rankings = -1,
                        .seed = seed};
    struct tally_election e;
    struct tally_result r = {0};
    struct tally_error err = {0};
    tally_election_init(&e);
    if (qr_election_setup(&s, &e, &err) != TALLY_OK) {
        fprintf(stderr, "%s\n", err.reason);
        return 1;
    }
    for (int v = 0; v < n; v++) {
        if (qr_election_add(&e, b[v].ranking, b[v].n, b[v].country, 1, &err) != TALLY_OK) {
            fprintf(stderr, "%s\n", err.reason);
            return 1;
        }
    }
    if (tally_run(&e, &r, &err) != TALLY_OK) {
        fprintf(stderr, "%s\n", err.reason);
        return 1;
    }
    char turnout[48];
    bool met = qr_quorum(n, n, 12, "0", 0, turnout);
    struct qr_meta m = {.qid = 1,
                        .status = qr_status_of(met, &r),
                        .method = "irv",
                        .seats = 1,
                        .ballots = n,
                        .roll_size = n,
                        .countries = 12,
                        .turnout = turnout,
                        .min_turnout = "0",
                        .min_countries = 0,
                        .quorum_met = met,
                        .board_root_hex = br_hex,
                        .seed = seed};
    struct election_buf res = {0};
    if (qr_result_write(&m, &e, &r, &res) != 0) {
        return 1;
    }
    uint8_t rh[32];
    crypto_hash_sha256(rh, (const unsigned char *)res.data, res.len);
    hex(rh, 32, res_hex);
    struct election_buf w = {0};
    qr_winners_json(&e, &r, &w);
    snprintf(d, sizeof d,
             "{\"question\":\"1\",\"result_hash\":\"%s\",\"rules_id\":\"pnyx-irv/1\","
             "\"seed\":%" PRId64 ",\"status\":\"%s\",\"winners\":%.*s}",
             res_hex, seed, qr_status_name(m.status), (int)w.len, w.data);
    entry("tally.published", d);

    /* the checkpoint */
    uint8_t kseed[32] = {7};
    struct note_signer sg;
    if (note_signer_from_seed(&sg, "bench.example", kseed) != AUDIT_OK) {
        return 1;
    }
    log_root((uint64_t)n_entries, root);
    static char note[NOTE_SIGNED_CHECKPOINT_MAX];
    size_t nl;
    if (note_checkpoint_sign(&sg, "bench.example/assembly/1", (uint64_t)n_entries, root, note,
                             sizeof note, &nl) != AUDIT_OK) {
        return 1;
    }
    char pk[64];
    audit_b64_encode(sg.v.public_key, 32, pk);

    FILE *out = fopen(argv[1], "w");
    if (out == NULL) {
        perror(argv[1]);
        return 1;
    }
    struct jcs_buf t;
    jcs_buf_init(&t);
    jcs_str(&t, note);
    fprintf(out, "{\"assembly\":\"1\",\"checkpoints\":[{\"note\":%.*s,\"size\":%d}],\"entries\":[",
            (int)t.len, t.data, n_entries);
    for (int i = 0; i < n_entries; i++) {
        uint8_t leaf[32];
        char lb[64];
        merkle_leaf_hash(entries[i], strlen(entries[i]), leaf);
        audit_b64_encode(leaf, 32, lb);
        jcs_buf_reset(&t);
        jcs_str(&t, entries[i]);
        fprintf(out, "%s{\"entry\":%.*s,\"leaf_hash\":\"%s\",\"seq\":%d}", i ? "," : "", (int)t.len,
                t.data, lb, i + 1);
    }
    fprintf(out,
            "],\"format\":\"pnyx-record/1\",\"key\":{\"name\":\"bench.example\",\"public_key\":"
            "\"%s\"},\"origin\":\"bench.example/assembly/1\",\"questions\":[{\"board\":[",
            pk);
    for (int v = 0; v < n; v++) {
        if (ballot_board_entry(&jb, b[v].ranking, b[v].n, b[v].country, b[v].receipt) != 0) {
            return 1;
        }
        fprintf(out, "%s%.*s", v ? "," : "", (int)jb.len, jb.data);
    }
    fprintf(out, "],\"id\":1,\"options\":[");
    for (int i = 0; i < K; i++) {
        fprintf(out,
                "%s{\"excluded\":false,\"id\":\"%s\",\"label\":\"Option %s\",\"proposal_id\":null}",
                i ? "," : "", ids[i], ids[i]);
    }
    jcs_buf_reset(&t);
    jcs_strn(&t, res.data, res.len);
    fprintf(
        out,
        "],\"result\":%.*s,\"roll\":{\"countries\":12,\"root\":\"%s\",\"size\":%d,\"voters\":%d},"
        "\"rules\":{\"country_cap\":null,\"double_majority\":null,\"max_rankings\":null,"
        "\"method\":\"irv\",\"quorum\":{\"min_countries\":0,\"min_turnout\":\"0\"},"
        "\"rules_id\":\"pnyx-irv/1\",\"seats\":1},\"state\":\"tallied\",\"texts\":%s}]}",
        (int)t.len, t.data, rr_hex, n, n, texts);
    fclose(out);
    printf("%s\n", pk);
    return 0;
}
