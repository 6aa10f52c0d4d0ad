/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/sortition_draw/test_verify_cli.c — `pnyx-sortition --verify
 * DRAW.json` (cli/sortition_verify.c) on a DRAW.json built here: the
 * honest record verifies (exit 0); a tampered seed, index, chosen panel,
 * lottery panel or probability fails (exit 1), both when the lottery hash
 * is left stale and when the forger recomputes it; a malformed file is
 * exit 2. The record is pnyx-draw/3 (no respondent values; each panel's
 * quota counts sealed by a salted commitment hashed with the lottery, the
 * drawn panel's counts and salt revealed) unless a test says /2 or /1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <sodium.h>

#include "cli/sortition_verify.h"
#include "codec/json/draw.h"
#include "core/base/base.h"
#include "core/sortition/draw.h"

static void init(void)
{
    cr_assert_geq(sodium_init(), 0);
}

TestSuite(verify_cli, .init = init);

static json_t *hexj(const uint8_t h[32])
{
    char s[65];
    base_hex_encode(h, 32, s);
    return json_string(s);
}

/* Pool of 8 over country FR/DE × age young/old, k = 2 (one per country,
 * one per age), households {0, 1}; lottery of m = 8 panels. */
#define N 8
#define K 2
#define M 8
static const char *const cats[] = {"country", "age"};
static const char *const vals[N][2] = {{"FR", "young"}, {"FR", "old"},   {"DE", "young"},
                                       {"DE", "old"},   {"FR", "young"}, {"FR", "old"},
                                       {"DE", "young"}, {"DE", "old"}};
static const uint32_t panels[M][K] = {{0, 3}, {1, 2}, {4, 7}, {5, 6},
                                      {0, 7}, {1, 6}, {3, 4}, {2, 5}};

static int version_of(json_t *doc)
{
    const char *f = json_string_value(json_object_get(doc, "format"));
    return strcmp(f, CODEC_DRAW_FORMAT) == 0 ? 3 : strcmp(f, CODEC_DRAW_FORMAT_V2) == 0 ? 2 : 1;
}

static json_t *lottery_hash_of(json_t *doc)
{
    int version = version_of(doc);
    json_t *probs = json_array();
    json_t *rs = json_object_get(doc, "respondents");
    for (size_t i = 0; i < json_array_size(rs); i++) {
        json_array_append(probs, json_object_get(json_array_get(rs, i), "probability"));
    }
    json_t *lot = json_object_get(doc, "lottery");
    uint8_t h[32];
    cr_assert_eq(codec_draw_lottery_sha256(
                     version, json_object_get(lot, "certificate"),
                     json_object_get(lot, version == 3 ? "count_commitments" : "counts"),
                     json_object_get(lot, "panels"), probs, h),
                 0);
    json_decref(probs);
    return hexj(h);
}

static void rehash(json_t *doc)
{
    json_object_set_new(json_object_get(doc, "lottery"), "sha256", lottery_hash_of(doc));
}

static json_t *honest_draw_v(int version)
{
    json_t *doc = json_pack("{s:s, s:s, s:s, s:i, s:i, s:[s,s]}", "format",
                            version == 3   ? CODEC_DRAW_FORMAT
                            : version == 2 ? CODEC_DRAW_FORMAT_V2
                                           : CODEC_DRAW_FORMAT_V1,
                            "method", "leximin", "rules_version", "pnyx-sortition/1", "k", K, "m",
                            M, "categories", cats[0], cats[1]);
    json_t *quotas = json_array();
    static const char *const feats[4][2] = {
        {"country", "FR"}, {"country", "DE"}, {"age", "young"}, {"age", "old"}};
    for (int q = 0; q < 4; q++) {
        json_array_append_new(quotas, json_pack("{s:s, s:s, s:i, s:i}", "category", feats[q][0],
                                                "feature", feats[q][1], "min", 1, "max", 1));
    }
    json_object_set_new(doc, "quotas", quotas);
    uint32_t hits[N] = {0};
    for (int x = 0; x < M; x++) {
        for (int j = 0; j < K; j++) {
            hits[panels[x][j]]++;
        }
    }
    uint8_t commit[N][32];
    json_t *rs = json_array();
    for (int i = 0; i < N; i++) {
        char pid[16];
        snprintf(pid, sizeof pid, "r%02d", i);
        uint8_t salt[32];
        memset(salt, i, 32);
        const char *hh = i < 2 ? "hh-a" : NULL;
        struct draw_respondent r = {.pseudonym = pid, .values = vals[i], .household = hh};
        cr_assert_eq(draw_commitment(salt, &r, 2, cats, commit[i]), DRAW_OK);
        if (version >= 2) {
            json_array_append_new(rs,
                                  json_pack("{s:s, s:o, s:f}", "pseudonym", pid, "commitment",
                                            hexj(commit[i]), "probability", (double)hits[i] / M));
        } else {
            json_array_append_new(rs,
                                  json_pack("{s:s, s:[s,s], s:o, s:o, s:f}", "pseudonym", pid,
                                            "values", vals[i][0], vals[i][1], "household",
                                            hh ? json_string(hh) : json_null(), "commitment",
                                            hexj(commit[i]), "probability", (double)hits[i] / M));
        }
    }
    json_object_set_new(doc, "respondents", rs);
    uint8_t root[32];
    cr_assert_eq(draw_commitment_root((const uint8_t(*)[32])commit, N, root), DRAW_OK);
    json_object_set_new(doc, "commitment_root", hexj(root));
    json_t *pj = json_array();
    for (int x = 0; x < M; x++) {
        json_array_append_new(pj, json_pack("[i,i]", panels[x][0], panels[x][1]));
    }
    json_object_set_new(
        doc, "lottery",
        json_pack("{s:o, s:{s:[f,f]}}", "panels", pj, "certificate", "duals", 0.5, 0.5));
    if (version == 2) {
        /* each panel: one FR, one DE, one young, one old */
        json_t *cj = json_array();
        for (int x = 0; x < M; x++) {
            json_array_append_new(cj, json_pack("[i,i,i,i]", 1, 1, 1, 1));
        }
        json_object_set_new(json_object_get(doc, "lottery"), "counts", cj);
    } else if (version == 3) {
        /* the same counts, sealed: salt of panel x = 32 bytes of 0x80 + x */
        json_t *cj = json_array();
        for (int x = 0; x < M; x++) {
            uint8_t salt[32], h[32];
            memset(salt, 0x80 + x, 32);
            draw_counts_commitment(salt, (const uint32_t[]){1, 1, 1, 1}, 4, h);
            json_array_append_new(cj, hexj(h));
        }
        json_object_set_new(json_object_get(doc, "lottery"), "count_commitments", cj);
    }
    rehash(doc);
    uint8_t beacon[32], seed[32];
    crypto_hash_sha256(beacon, (const unsigned char *)"root at size 9", 14);
    struct draw_reveal rv[2];
    memset(rv[0].value, 0x5a, 32);
    memset(rv[1].value, 0xa5, 32);
    draw_reveal_commit(rv[0].value, rv[0].commitment);
    draw_reveal_commit(rv[1].value, rv[1].commitment);
    draw_reveals_sort(rv, 2);
    cr_assert_eq(draw_seed(beacon, rv, 2, seed), DRAW_OK);
    uint32_t index;
    cr_assert_eq(draw_index(seed, M, &index, NULL), DRAW_OK);
    json_object_set_new(doc, "randomness",
                        json_pack("{s:s, s:{s:i, s:o}}", "rule", "pnyx-draw-seed/1", "beacon",
                                  "log_size", 9, "root", hexj(beacon)));
    json_t *rj = json_array();
    for (int i = 0; i < 2; i++) {
        json_array_append_new(rj, json_pack("{s:o, s:o}", "commitment", hexj(rv[i].commitment),
                                            "value", hexj(rv[i].value)));
    }
    json_object_set_new(doc, "reveals", rj);
    json_object_set_new(doc, "seed", hexj(seed));
    json_object_set_new(doc, "index", json_integer(index));
    json_object_set_new(doc, "panel", json_pack("[i,i]", panels[index][0], panels[index][1]));
    if (version == 3) {
        uint8_t salt[32];
        memset(salt, 0x80 + (int)index, 32);
        json_object_set_new(
            doc, "panel_counts",
            json_pack("{s:[i,i,i,i], s:o}", "counts", 1, 1, 1, 1, "salt", hexj(salt)));
    }
    return doc;
}

static json_t *honest_draw(void)
{
    return honest_draw_v(3);
}

/* Writes doc to a temporary file and runs --verify [--json] on it; the
 * report lands in out. */
static int run_verify(json_t *doc, bool as_json, char *out, size_t outlen)
{
    char path[] = "/tmp/pnyx-draw-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(json_dump_file(doc, path, JSON_COMPACT | JSON_REAL_PRECISION(17)), 0);
    char *argv[] = {"pnyx-sortition", "--verify", path, as_json ? "--json" : NULL, NULL};
    FILE *f = fmemopen(out, outlen, "w");
    int rc = sortition_verify_main(as_json ? 4 : 3, argv, f);
    fclose(f);
    unlink(path);
    return rc;
}

Test(verify_cli, honest_draw_verifies)
{
    json_t *doc = honest_draw();
    char out[1024] = {0};
    cr_assert_eq(run_verify(doc, false, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "ok: 8 respondents, 8 panels of 2, 2 reveals") == out, "%s", out);
    cr_assert_eq(run_verify(doc, true, out, sizeof out), 0, "%s", out);
    json_t *j = json_loads(out, 0, NULL);
    cr_assert(json_is_true(json_object_get(j, "ok")), "%s", out);
    json_decref(j);
    json_decref(doc);
}

static void expect_failure(json_t *doc, const char *check)
{
    char out[1024] = {0};
    cr_assert_eq(run_verify(doc, true, out, sizeof out), SORTITION_VERIFY_FAILED, "%s", out);
    json_t *j = json_loads(out, 0, NULL);
    cr_assert_not_null(j, "%s", out);
    cr_assert(json_is_false(json_object_get(j, "ok")));
    cr_assert_str_eq(json_string_value(json_object_get(j, "check")), check, "%s", out);
    json_decref(j);
}

static void set_hex_flipped(json_t *obj, const char *key)
{
    char s[65];
    snprintf(s, sizeof s, "%s", json_string_value(json_object_get(obj, key)));
    s[10] = s[10] == '0' ? '1' : '0';
    json_object_set_new(obj, key, json_string(s));
}

Test(verify_cli, tampered_seed_detected)
{
    json_t *doc = honest_draw();
    set_hex_flipped(doc, "seed");
    expect_failure(doc, "seed mismatch");
    json_decref(doc);
    /* A reveal dropped from the record (the seed no longer follows). */
    doc = honest_draw();
    json_array_remove(json_object_get(doc, "reveals"), 0);
    expect_failure(doc, "seed mismatch");
    json_decref(doc);
}

Test(verify_cli, tampered_index_or_chosen_panel_detected)
{
    json_t *doc = honest_draw();
    json_int_t idx = json_integer_value(json_object_get(doc, "index"));
    json_object_set_new(doc, "index", json_integer((idx + 1) % M));
    expect_failure(doc, "index mismatch");
    json_decref(doc);
    doc = honest_draw();
    const uint32_t *other = panels[(idx + 1) % M];
    json_object_set_new(doc, "panel", json_pack("[i,i]", other[0], other[1]));
    expect_failure(doc, "chosen panel is not lottery[index]");
    json_decref(doc);
}

Test(verify_cli, tampered_lottery_panel_detected)
{
    /* Stale hash: the published lottery differs from what was logged. */
    json_t *doc = honest_draw();
    json_int_t idx = json_integer_value(json_object_get(doc, "index"));
    size_t x = (size_t)((idx + 1) % M);
    json_t *p = json_array_get(json_object_get(json_object_get(doc, "lottery"), "panels"), x);
    json_array_set_new(p, 1, json_integer(json_integer_value(json_array_get(p, 0)) == 0 ? 4 : 0));
    expect_failure(doc, "lottery hash");
    /* The forger recomputes the hash: the panel now breaks a quota or the
     * probabilities no longer match. */
    rehash(doc);
    char out[1024] = {0};
    cr_assert_eq(run_verify(doc, false, out, sizeof out), SORTITION_VERIFY_FAILED, "%s", out);
    cr_assert(strstr(out, "quota") != NULL || strstr(out, "probability") != NULL ||
                  strstr(out, "ascending") != NULL,
              "%s", out);
    json_decref(doc);
}

Test(verify_cli, tampered_probability_detected)
{
    json_t *doc = honest_draw();
    json_t *r3 = json_array_get(json_object_get(doc, "respondents"), 3);
    json_object_set_new(r3, "probability", json_real(0.3));
    expect_failure(doc, "lottery hash");
    rehash(doc);
    expect_failure(doc, "probability is not the panel frequency");
    json_decref(doc);
}

Test(verify_cli, v2_publishes_no_values_and_v1_still_verifies)
{
    json_t *doc = honest_draw_v(2);
    char *text = json_dumps(doc, 0);
    cr_assert_null(strstr(text, "\"values\""));
    cr_assert_null(strstr(text, "hh-a"));
    free(text);
    char out[1024] = {0};
    cr_assert_eq(run_verify(doc, false, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "declared counts") != NULL, "%s", out);
    /* values smuggled into a /2 record: not the format */
    json_object_set_new(json_array_get(json_object_get(doc, "respondents"), 0), "values",
                        json_pack("[s,s]", "FR", "young"));
    cr_assert_eq(run_verify(doc, false, out, sizeof out), SORTITION_VERIFY_INVALID, "%s", out);
    json_decref(doc);
    doc = honest_draw_v(1);
    cr_assert_eq(run_verify(doc, false, out, sizeof out), 0, "%s", out);
    cr_assert_null(strstr(out, "declared"), "%s", out);
    json_decref(doc);
}

Test(verify_cli, tampered_counts_detected)
{
    /* A declared count changed after publication: the lottery hash. */
    json_t *doc = honest_draw_v(2);
    json_t *row = json_array_get(json_object_get(json_object_get(doc, "lottery"), "counts"), 2);
    json_array_set_new(row, 0, json_integer(2));
    json_array_set_new(row, 1, json_integer(0));
    expect_failure(doc, "lottery hash");
    /* Published so (rehashed): the counts break the quotas. */
    rehash(doc);
    expect_failure(doc, "panel breaks a quota");
    json_decref(doc);
    /* Counts that meet each quota but not k per category. */
    doc = honest_draw_v(2);
    row = json_array_get(json_object_get(json_object_get(doc, "lottery"), "counts"), 0);
    json_object_set_new(json_array_get(json_object_get(doc, "quotas"), 3), "min", json_integer(0));
    json_array_set_new(row, 3, json_integer(0));
    rehash(doc);
    expect_failure(doc, "panel breaks a quota");
    char out[1024] = {0};
    run_verify(doc, false, out, sizeof out);
    cr_assert(strstr(out, "sum to 1, not k = 2") != NULL, "%s", out);
    json_decref(doc);
}

Test(verify_cli, v3_publishes_only_the_drawn_panels_counts)
{
    json_t *doc = honest_draw();
    char *text = json_dumps(doc, 0);
    cr_assert_null(strstr(text, "\"values\""));
    cr_assert_null(strstr(text, "hh-a"));
    cr_assert_null(strstr(text, "\"counts\":[["), "no panel's counts but the drawn one's");
    free(text);
    char out[1024] = {0};
    cr_assert_eq(run_verify(doc, false, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "pnyx-draw/3") != NULL, "%s", out);
    json_decref(doc);
    /* every panel's counts in clear in a /3 record: not the format's
     * hash (the lottery hash covers count_commitments, not counts) */
    doc = honest_draw();
    json_object_del(json_object_get(doc, "lottery"), "count_commitments");
    cr_assert_eq(run_verify(doc, false, out, sizeof out), SORTITION_VERIFY_INVALID, "%s", out);
    cr_assert(strstr(out, "count_commitments") != NULL, "%s", out);
    json_decref(doc);
    /* every panel's counts published beside the commitments: what /3
     * withholds, so not a /3 record (the browser's check fails it too) */
    doc = honest_draw();
    json_object_set_new(json_object_get(doc, "lottery"), "counts", json_pack("[[i]]", 1));
    cr_assert_eq(run_verify(doc, false, out, sizeof out), SORTITION_VERIFY_INVALID, "%s", out);
    cr_assert(strstr(out, "publishes no panel's counts") != NULL, "%s", out);
    json_decref(doc);
    /* a respondent's answers in a /3 record: likewise */
    doc = honest_draw();
    json_object_set_new(json_array_get(json_object_get(doc, "respondents"), 0), "values",
                        json_pack("[s,s]", "FR", "young"));
    cr_assert_eq(run_verify(doc, false, out, sizeof out), SORTITION_VERIFY_INVALID, "%s", out);
    cr_assert(strstr(out, "publishes no values") != NULL, "%s", out);
    json_decref(doc);
    /* drawn, but its counts withheld */
    doc = honest_draw();
    json_object_del(doc, "panel_counts");
    cr_assert_eq(run_verify(doc, false, out, sizeof out), SORTITION_VERIFY_INVALID, "%s", out);
    cr_assert(strstr(out, "panel_counts") != NULL, "%s", out);
    json_decref(doc);
}

Test(verify_cli, v3_tampered_revealed_counts_detected)
{
    /* A revealed count changed (the commitment no longer opens). */
    json_t *doc = honest_draw();
    json_t *pc = json_object_get(doc, "panel_counts");
    json_array_set_new(json_object_get(pc, "counts"), 0, json_integer(2));
    expect_failure(doc, "revealed counts do not open their commitment");
    json_decref(doc);
    /* Another salt. */
    doc = honest_draw();
    set_hex_flipped(json_object_get(doc, "panel_counts"), "salt");
    expect_failure(doc, "revealed counts do not open their commitment");
    json_decref(doc);
    /* A count commitment changed after publication: the lottery hash. */
    doc = honest_draw();
    json_t *cc = json_object_get(json_object_get(doc, "lottery"), "count_commitments");
    json_array_set_new(cc, 3,
                       json_string("00000000000000000000000000000000"
                                   "00000000000000000000000000000000"));
    expect_failure(doc, "lottery hash");
    json_decref(doc);
}

Test(verify_cli, v3_committed_counts_breaking_a_quota_detected)
{
    /* The organiser committed (before the seed) counts that break the
     * quotas for the panel that was then drawn: the reveal shows it. */
    json_t *doc = honest_draw();
    json_int_t idx = json_integer_value(json_object_get(doc, "index"));
    uint8_t salt[32], h[32];
    memset(salt, 0x80 + (int)idx, 32);
    draw_counts_commitment(salt, (const uint32_t[]){2, 0, 1, 1}, 4, h);
    json_array_set_new(json_object_get(json_object_get(doc, "lottery"), "count_commitments"),
                       (size_t)idx, hexj(h));
    json_array_set_new(json_object_get(json_object_get(doc, "panel_counts"), "counts"), 0,
                       json_integer(2));
    json_array_set_new(json_object_get(json_object_get(doc, "panel_counts"), "counts"), 1,
                       json_integer(0));
    rehash(doc);
    expect_failure(doc, "panel breaks a quota");
    json_decref(doc);
}

Test(verify_cli, tampered_commitment_detected)
{
    json_t *doc = honest_draw();
    set_hex_flipped(json_array_get(json_object_get(doc, "respondents"), 5), "commitment");
    expect_failure(doc, "commitment root mismatch");
    json_decref(doc);
}

Test(verify_cli, malformed_file_is_exit_2)
{
    json_t *doc = honest_draw();
    json_object_del(doc, "seed");
    char out[1024] = {0};
    cr_assert_eq(run_verify(doc, false, out, sizeof out), SORTITION_VERIFY_INVALID, "%s", out);
    cr_assert(strstr(out, "seed") != NULL, "%s", out);
    json_decref(doc);
    doc = json_pack("{s:s}", "format", "something-else");
    cr_assert_eq(run_verify(doc, false, out, sizeof out), SORTITION_VERIFY_INVALID, "%s", out);
    json_decref(doc);
    char *argv[] = {"pnyx-sortition", "--verify", NULL};
    FILE *f = fmemopen(out, sizeof out, "w");
    cr_assert_eq(sortition_verify_main(2, argv, f), SORTITION_VERIFY_INVALID);
    fclose(f);
}

/* A hostile record claiming m × k far beyond its contents (100,000 empty
 * panels of k = 100,000: 40 GB of indices) is refused by the row sizes
 * before anything is allocated for them (before, the reader sized its
 * panel array from the claim and aborted out of memory). */
Test(verify_cli, claimed_sizes_do_not_size_allocations)
{
    json_t *doc = honest_draw();
    json_t *big = json_array();
    for (int x = 0; x < 100000; x++) {
        json_array_append_new(big, json_array());
    }
    json_object_set_new(doc, "m", json_integer(100000));
    json_object_set_new(doc, "k", json_integer(100000));
    json_object_set_new(json_object_get(doc, "lottery"), "panels", big);
    char out[1024] = {0};
    cr_assert_eq(run_verify(doc, false, out, sizeof out), SORTITION_VERIFY_INVALID, "%s", out);
    cr_assert(strstr(out, "lottery/panels/0") != NULL, "%s", out);
    json_decref(doc);
}

/* The certificate's optimal and gap (issue 14): a budget-cut certificate
 * verifies; one whose optimal, gap and level gaps disagree fails check
 * "certificate" even with the lottery hash recomputed. */
static json_t *with_certificate(bool optimal, double gap, double level_gap)
{
    json_t *doc = honest_draw();
    json_t *cert = json_pack("{s:s, s:b, s:f, s:[{s:f, s:f, s:f, s:[], s:[]}]}", "kind", "leximin",
                             "optimal", optimal, "gap", gap, "levels", "value", 0.25, "panel_bound",
                             0.5, "gap", level_gap, "y", "fixed_before");
    json_object_set_new(json_object_get(doc, "lottery"), "certificate", cert);
    rehash(doc);
    return doc;
}

Test(verify_cli, certificate_optimal_and_gap_agree)
{
    char out[1024] = {0};
    json_t *doc = with_certificate(false, 2.5e-5, 2.5e-5);
    cr_assert_eq(run_verify(doc, false, out, sizeof out), 0, "%s", out);
    json_decref(doc);
    doc = with_certificate(true, 0, 0);
    cr_assert_eq(run_verify(doc, false, out, sizeof out), 0, "%s", out);
    json_decref(doc);
    doc = with_certificate(true, 2.5e-5, 2.5e-5); /* optimal claimed with a gap */
    expect_failure(doc, "certificate");
    json_decref(doc);
    doc = with_certificate(false, 0, 0); /* not optimal without a gap */
    expect_failure(doc, "certificate");
    json_decref(doc);
    doc = with_certificate(false, 1e-5, 2.5e-5); /* a level's gap above the certificate's */
    expect_failure(doc, "certificate");
    json_decref(doc);
    doc = with_certificate(false, 2.5e-5, 1e-5); /* the gap is no level's */
    expect_failure(doc, "certificate");
    json_decref(doc);
    doc = with_certificate(false, -1e-5, 0);
    expect_failure(doc, "certificate");
    json_decref(doc);
    /* optimal without gap */
    doc = with_certificate(true, 0, 0);
    json_object_del(json_object_get(json_object_get(doc, "lottery"), "certificate"), "gap");
    rehash(doc);
    expect_failure(doc, "certificate");
    json_decref(doc);
}
