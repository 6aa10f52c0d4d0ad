/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * bench/draw/bench_draw.c — what the verifiable draw costs at the size of
 * the largest real instance: n = 2,000 respondents, 7 categories, 20 % in
 * households of two, k = 110, a lottery of m = 1,000 panels. Times (best
 * of 5, CPU) for the n commitments, their root, one inclusion proof, the
 * seed from 50 reveals and the index, draw_verify of the whole record, and
 * pnyx-sortition --verify on its DRAW.json (reading, hashing, checking).
 *
 *   build/bench/bench_draw [n k m]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli/sortition_verify.h"
#include "codec/json/draw.h"
#include "core/base/base.h"
#include "core/sortition/draw.h"

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define NCAT 7
static const char *const cats[NCAT] = {"country", "gender",   "age",   "education",
                                       "area",    "attitude", "income"};
static const int nfeat[NCAT] = {5, 2, 5, 3, 3, 3, 4};

static json_t *hexj(const uint8_t *h)
{
    char s[65];
    base_hex_encode(h, 32, s);
    return json_string(s);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 2000;
    uint32_t k = argc > 2 ? (uint32_t)atol(argv[2]) : 110;
    uint32_t m = argc > 3 ? (uint32_t)atol(argv[3]) : 1000;
    if (sodium_init() < 0 || k == 0 || k > n || m == 0) {
        return 2;
    }
    srand(7);
    char *names = calloc(n * NCAT, 16);
    const char **vals = calloc(n * NCAT, sizeof *vals);
    struct draw_respondent *resp = calloc(n, sizeof *resp);
    char(*pid)[24] = calloc(n, 24), (*hh)[24] = calloc(n, 24);
    uint8_t(*salt)[32] = calloc(n, 32), (*commit)[32] = calloc(n, 32);
    for (size_t i = 0; i < n; i++) {
        snprintf(pid[i], 24, "r-%06zu", i);
        for (int c = 0; c < NCAT; c++) {
            char *v = names + (i * NCAT + (size_t)c) * 16;
            snprintf(v, 16, "%s%d", c == 0 ? "C" : "v", rand() % nfeat[c]);
            vals[i * NCAT + (size_t)c] = v;
        }
        if (i % 10 < 2) {
            snprintf(hh[i], 24, "h-%zu", i / 2);
        }
        resp[i] = (struct draw_respondent){
            .pseudonym = pid[i], .values = vals + i * NCAT, .household = hh[i]};
        randombytes_buf(salt[i], 32);
    }
    double best[6] = {1e18, 1e18, 1e18, 1e18, 1e18, 1e18};
    uint8_t root[32], seed[32], beacon[32] = {1};
    struct draw_reveal rv[50];
    for (int r = 0; r < 50; r++) {
        randombytes_buf(rv[r].value, 32);
        draw_reveal_commit(rv[r].value, rv[r].commitment);
    }
    draw_reveals_sort(rv, 50);
    uint32_t index = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = cpu_ms();
        for (size_t i = 0; i < n; i++) {
            if (draw_commitment(salt[i], &resp[i], NCAT, cats, commit[i]) != DRAW_OK) {
                return 1;
            }
        }
        double t1 = cpu_ms();
        if (draw_commitment_root((const uint8_t(*)[32])commit, n, root) != DRAW_OK) {
            return 1;
        }
        double t2 = cpu_ms();
        uint8_t proof[64][32];
        size_t plen;
        if (draw_commitment_proof((const uint8_t(*)[32])commit, n, n / 3, proof, 64, &plen) !=
            DRAW_OK) {
            return 1;
        }
        double t3 = cpu_ms();
        if (draw_seed(beacon, rv, 50, seed) != DRAW_OK || draw_index(seed, m, &index, NULL)) {
            return 1;
        }
        double t4 = cpu_ms();
        best[0] = t1 - t0 < best[0] ? t1 - t0 : best[0];
        best[1] = t2 - t1 < best[1] ? t2 - t1 : best[1];
        best[2] = t3 - t2 < best[2] ? t3 - t2 : best[2];
        best[3] = t4 - t3 < best[3] ? t4 - t3 : best[3];
    }
    /* Quotas 0..k for every feature (so any household-free panel is valid:
     * the checks still run in full); panels: k distinct ascending
     * respondents, one per household at most. */
    struct draw_quota *quotas = calloc(64, sizeof *quotas);
    char(*fname)[16] = calloc(64, 16);
    size_t nq = 0;
    for (int c = 0; c < NCAT; c++) {
        for (int f = 0; f < nfeat[c]; f++) {
            snprintf(fname[nq], 16, "%s%d", c == 0 ? "C" : "v", f);
            quotas[nq] = (struct draw_quota){cats[c], fname[nq], 0, k};
            nq++;
        }
    }
    uint32_t *panels = calloc((size_t)m * k, sizeof *panels);
    uint32_t *hits = calloc(n, sizeof *hits);
    for (uint32_t x = 0; x < m; x++) {
        uint32_t start = (uint32_t)(((size_t)x * 7919) % n), step = (uint32_t)(n / k);
        uint32_t *row = panels + (size_t)x * k;
        for (uint32_t j = 0; j < k; j++) {
            uint32_t i = (start + j * step) % (uint32_t)n;
            if (hh[i][0] != '\0' && i % 2 == 1) {
                i = (i + 1) % (uint32_t)n; /* never both of a pair */
            }
            row[j] = i;
        }
        for (uint32_t a = 1; a < k; a++) { /* sort */
            uint32_t v = row[a], b = a;
            while (b > 0 && row[b - 1] > v) {
                row[b] = row[b - 1];
                b--;
            }
            row[b] = v;
        }
        for (uint32_t j = 0; j < k; j++) {
            hits[row[j]]++;
        }
    }
    double *prob = calloc(n, sizeof *prob);
    for (size_t i = 0; i < n; i++) {
        prob[i] = (double)hits[i] / m;
    }
    struct draw_record d = {.ncat = NCAT,
                            .categories = cats,
                            .n = n,
                            .respondents = resp,
                            .commitments = (const uint8_t(*)[32])commit,
                            .probabilities = prob,
                            .nquota = nq,
                            .quotas = quotas,
                            .k = k,
                            .m = m,
                            .panels = panels,
                            .nreveal = 50,
                            .reveals = rv,
                            .index = index,
                            .chosen = panels + (size_t)index * k};
    memcpy(d.commitment_root, root, 32);
    memcpy(d.beacon, beacon, 32);
    memcpy(d.seed, seed, 32);
    struct draw_failure why;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = cpu_ms();
        enum draw_status st = draw_verify(&d, &why);
        double t1 = cpu_ms();
        if (st != DRAW_OK) {
            fprintf(stderr, "draw_verify: %s: %s\n", draw_status_str(st), why.detail);
            return 1;
        }
        best[4] = t1 - t0 < best[4] ? t1 - t0 : best[4];
    }
    /* The same record as DRAW.json, then --verify on it. */
    json_t *doc = json_pack("{s:s, s:i, s:i}", "format", CODEC_DRAW_FORMAT_V1, "k", k, "m", m);
    json_t *cj = json_array(), *qj = json_array(), *rj = json_array(), *pj = json_array();
    for (int c = 0; c < NCAT; c++) {
        json_array_append_new(cj, json_string(cats[c]));
    }
    for (size_t q = 0; q < nq; q++) {
        json_array_append_new(qj, json_pack("{s:s, s:s, s:i, s:i}", "category", quotas[q].category,
                                            "feature", quotas[q].feature, "min", 0, "max", k));
    }
    json_t *probs = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array();
        for (int c = 0; c < NCAT; c++) {
            json_array_append_new(v, json_string(vals[i * NCAT + (size_t)c]));
        }
        json_array_append_new(rj,
                              json_pack("{s:s, s:o, s:o, s:o, s:f}", "pseudonym", pid[i], "values",
                                        v, "household", hh[i][0] ? json_string(hh[i]) : json_null(),
                                        "commitment", hexj(commit[i]), "probability", prob[i]));
        json_array_append_new(probs, json_real(prob[i]));
    }
    for (uint32_t x = 0; x < m; x++) {
        json_t *row = json_array();
        for (uint32_t j = 0; j < k; j++) {
            json_array_append_new(row, json_integer(panels[(size_t)x * k + j]));
        }
        json_array_append_new(pj, row);
    }
    uint8_t lsha[32];
    if (codec_draw_lottery_sha256(1, NULL, NULL, pj, probs, lsha) != 0) {
        return 1;
    }
    json_t *rvj = json_array(), *chosen = json_array();
    for (int r = 0; r < 50; r++) {
        json_array_append_new(rvj, json_pack("{s:o, s:o}", "commitment", hexj(rv[r].commitment),
                                             "value", hexj(rv[r].value)));
    }
    for (uint32_t j = 0; j < k; j++) {
        json_array_append_new(chosen, json_integer(d.chosen[j]));
    }
    json_object_set_new(doc, "categories", cj);
    json_object_set_new(doc, "quotas", qj);
    json_object_set_new(doc, "respondents", rj);
    json_object_set_new(doc, "commitment_root", hexj(root));
    json_object_set_new(doc, "randomness",
                        json_pack("{s:{s:i, s:o}}", "beacon", "log_size", 1, "root", hexj(beacon)));
    json_object_set_new(
        doc, "lottery",
        json_pack("{s:o, s:n, s:o}", "panels", pj, "certificate", "sha256", hexj(lsha)));
    json_object_set_new(doc, "reveals", rvj);
    json_object_set_new(doc, "seed", hexj(seed));
    json_object_set_new(doc, "index", json_integer(index));
    json_object_set_new(doc, "panel", chosen);
    json_decref(probs);
    char path[] = "/tmp/pnyx-bench-draw-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    if (json_dump_file(doc, path, JSON_COMPACT | JSON_REAL_PRECISION(17)) != 0) {
        return 1;
    }
    json_decref(doc);
    FILE *fsz = fopen(path, "r");
    fseek(fsz, 0, SEEK_END);
    long size = ftell(fsz);
    fclose(fsz);
    char out[512];
    for (int rep = 0; rep < 3; rep++) {
        char *av[] = {"pnyx-sortition", "--verify", path, NULL};
        FILE *o = fmemopen(out, sizeof out, "w");
        double t0 = cpu_ms();
        int rc = sortition_verify_main(3, av, o);
        double t1 = cpu_ms();
        fclose(o);
        if (rc != 0) {
            fprintf(stderr, "--verify: %s", out);
            return 1;
        }
        best[5] = t1 - t0 < best[5] ? t1 - t0 : best[5];
    }
    unlink(path);
    printf("draw protocol, n = %zu, %d categories, k = %u, m = %u (CPU ms, best of 5)\n", n, NCAT,
           k, m);
    printf("  %zu commitments            %8.2f ms\n", n, best[0]);
    printf("  commitment root            %8.2f ms\n", best[1]);
    printf("  one inclusion proof        %8.2f ms\n", best[2]);
    printf("  seed (50 reveals) + index  %8.3f ms\n", best[3]);
    printf("  draw_verify (whole record) %8.2f ms\n", best[4]);
    printf("  --verify DRAW.json (%.1f MB) %6.2f ms\n", (double)size / 1e6, best[5]);
    return 0;
}
