/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/sortition_draw/test_draw.c — core/sortition/draw: known vectors
 * (computed by draw_vectors.py with hashlib, an independent
 * implementation), the commitment encoding's unambiguity, the index's
 * uniformity, and a whole draw verified, then tampered with field by
 * field (seed, index, chosen panel, a panel, a probability, a commitment,
 * a reveal, a household), each detected with its own status.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "core/audit/merkle.h"
#include "core/base/base.h"
#include "core/sortition/draw.h"

static void hex_of(const uint8_t h[32], char out[65])
{
    base_hex_encode(h, 32, out);
}

static void init(void)
{
    cr_assert_geq(sodium_init(), 0);
}

TestSuite(draw, .init = init);

static const char *const cats[] = {"country", "gender"};

static void salt_seq(uint8_t salt[32])
{
    for (int i = 0; i < 32; i++) {
        salt[i] = (uint8_t)i;
    }
}

Test(draw, commitment_vectors)
{
    uint8_t salt[32], c[3][32];
    char hex[65];
    salt_seq(salt);
    const char *v1[] = {"FR", "female"}, *v2[] = {"DE", "male"}, *v3[] = {"ES", "non-binary"};
    struct draw_respondent r1 = {.pseudonym = "p-0001", .values = v1, .household = "h-7"};
    struct draw_respondent r2 = {.pseudonym = "p-0002", .values = v2, .household = NULL};
    struct draw_respondent r3 = {.pseudonym = "\xc3\xbc", .values = v3, .household = ""};
    cr_assert_eq(draw_commitment(salt, &r1, 2, cats, c[0]), DRAW_OK);
    cr_assert_eq(draw_commitment(salt, &r2, 2, cats, c[1]), DRAW_OK);
    uint8_t zero[32] = {0};
    cr_assert_eq(draw_commitment(zero, &r3, 2, cats, c[2]), DRAW_OK);
    hex_of(c[0], hex);
    cr_assert_str_eq(hex, "3d6895a92cfbe39e5be020506da41365d23eca7df28c610ef8b6d4267cda894e");
    hex_of(c[1], hex);
    cr_assert_str_eq(hex, "ce4410e5bde634311a363c34307f9997b1f76532f5b32ff5479e4ea8afc86875");
    hex_of(c[2], hex);
    cr_assert_str_eq(hex, "c4b68f0f3a48224eda4acf3109a3fb519381bea77d8313a1fdc8905bd7d044c4");

    uint8_t root[32];
    cr_assert_eq(draw_commitment_root((const uint8_t(*)[32])c, 3, root), DRAW_OK);
    hex_of(root, hex);
    cr_assert_str_eq(hex, "bbfc00848ba0020bf06e3973fd1a3870504b65e832332b9f17695aa596948cfb");
    cr_assert_eq(draw_commitment_root((const uint8_t(*)[32])c, 1, root), DRAW_OK);
    hex_of(root, hex);
    cr_assert_str_eq(hex, "7787dda3e4f9bd9fdc5f8fd4b0ce631b924df0f619458ebe474e548cf52e8590");
    /* The empty pool: SHA-256(""). */
    cr_assert_eq(draw_commitment_root(NULL, 0, root), DRAW_OK);
    hex_of(root, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* pnyx-draw/3's count commitment (draw.h format 6; the same vectors in
 * draw_vectors.py and api-spec/draw.md). */
Test(draw, count_commitment_vectors)
{
    uint8_t salt[32], h[32];
    char hex[65];
    salt_seq(salt);
    draw_counts_commitment(salt, (const uint32_t[]){2, 1, 0}, 3, h);
    hex_of(h, hex);
    cr_assert_str_eq(hex, "beaa402429808f7587c8146f219befd22d197390b044c681233fb5730fdd1509");
    uint8_t zero[32] = {0};
    draw_counts_commitment(zero, NULL, 0, h);
    hex_of(h, hex);
    cr_assert_str_eq(hex, "6db65fd59fd356f6729140571b5bcd6bb3b83492a16e1bf0a3884442fc3c8a0e");
    /* The row count is hashed: [2,1] and [2,1,0] differ. */
    uint8_t h2[32];
    draw_counts_commitment(salt, (const uint32_t[]){2, 1}, 2, h2);
    draw_counts_commitment(salt, (const uint32_t[]){2, 1, 0}, 3, h);
    cr_assert_neq(memcmp(h, h2, 32), 0);
}

Test(draw, commitment_fields_are_unambiguous)
{
    uint8_t salt[32] = {0}, a[32], b[32];
    const char *va[] = {"ab", "c"}, *vb[] = {"a", "bc"};
    struct draw_respondent ra = {.pseudonym = "x", .values = va};
    struct draw_respondent rb = {.pseudonym = "x", .values = vb};
    cr_assert_eq(draw_commitment(salt, &ra, 2, cats, a), DRAW_OK);
    cr_assert_eq(draw_commitment(salt, &rb, 2, cats, b), DRAW_OK);
    cr_assert_neq(memcmp(a, b, 32), 0);
    /* The pseudonym and the household cannot trade bytes either. */
    struct draw_respondent rc = {.pseudonym = "xy", .values = va, .household = NULL};
    struct draw_respondent rd = {.pseudonym = "x", .values = va, .household = "y"};
    cr_assert_eq(draw_commitment(salt, &rc, 2, cats, a), DRAW_OK);
    cr_assert_eq(draw_commitment(salt, &rd, 2, cats, b), DRAW_OK);
    cr_assert_neq(memcmp(a, b, 32), 0);
    /* Another salt, another commitment. */
    uint8_t salt2[32] = {1};
    cr_assert_eq(draw_commitment(salt2, &ra, 2, cats, b), DRAW_OK);
    cr_assert_eq(draw_commitment(salt, &ra, 2, cats, a), DRAW_OK);
    cr_assert_neq(memcmp(a, b, 32), 0);
    /* Empty pseudonym or value refused. */
    const char *ve[] = {"", "c"};
    struct draw_respondent re = {.pseudonym = "x", .values = ve};
    cr_assert_eq(draw_commitment(salt, &re, 2, cats, a), DRAW_EINVAL);
    struct draw_respondent rf = {.pseudonym = "", .values = va};
    cr_assert_eq(draw_commitment(salt, &rf, 2, cats, a), DRAW_EINVAL);
}

Test(draw, commitment_proof_verifies)
{
    uint8_t c[5][32];
    for (int i = 0; i < 5; i++) {
        memset(c[i], i + 1, 32);
    }
    uint8_t root[32];
    cr_assert_eq(draw_commitment_root((const uint8_t(*)[32])c, 5, root), DRAW_OK);
    for (size_t i = 0; i < 5; i++) {
        uint8_t proof[64][32], leaf[32];
        size_t len = 0;
        cr_assert_eq(draw_commitment_proof((const uint8_t(*)[32])c, 5, i, proof, 64, &len),
                     DRAW_OK);
        uint8_t block[33] = {0};
        memcpy(block + 1, c[i], 32);
        crypto_hash_sha256(leaf, block, 33);
        cr_assert_eq(merkle_verify_inclusion(leaf, i, 5, (const uint8_t(*)[32])proof, len, root), 0,
                     "inclusion of %zu", i);
    }
    size_t len;
    uint8_t proof[64][32];
    cr_assert_eq(draw_commitment_proof((const uint8_t(*)[32])c, 5, 5, proof, 64, &len),
                 DRAW_EINVAL);
}

Test(draw, seed_and_index_vectors)
{
    uint8_t beacon[32], seed[32];
    char hex[65];
    crypto_hash_sha256(beacon, (const unsigned char *)"beacon", 6);
    cr_assert_eq(draw_seed(beacon, NULL, 0, seed), DRAW_OK);
    hex_of(seed, hex);
    cr_assert_str_eq(hex, "24d26899af2490b3eef87f7bb44baada07720e0931e505f5b526dbc849072004");

    struct draw_reveal rv[2];
    memset(rv[0].value, 0x22, 32); /* given out of order: sorted below */
    memset(rv[1].value, 0x11, 32);
    draw_reveal_commit(rv[0].value, rv[0].commitment);
    draw_reveal_commit(rv[1].value, rv[1].commitment);
    if (memcmp(rv[0].commitment, rv[1].commitment, 32) < 0) {
        /* Seeds require ascending commitments: out of order is refused. */
        struct draw_reveal t = rv[0];
        rv[0] = rv[1];
        rv[1] = t;
    }
    cr_assert_eq(draw_seed(beacon, rv, 2, seed), DRAW_EREVEAL, "unsorted reveals accepted");
    draw_reveals_sort(rv, 2);
    cr_assert_eq(draw_seed(beacon, rv, 2, seed), DRAW_OK);
    hex_of(seed, hex);
    cr_assert_str_eq(hex, "54254b4e14376ca08dfb2d0e5a645d838914adf46bba158ea9a24505c2411854");

    static const struct {
        uint32_t m;
        const char *want;
    } idx[] = {{1, "0/1"}, {3, "1/1"}, {1000, "129/1"}, {1024, "129/1"}, {1025, "913/2"}};
    for (size_t i = 0; i < PNYX_ARRAY_LEN(idx); i++) {
        uint32_t index, tries;
        char got[32];
        cr_assert_eq(draw_index(seed, idx[i].m, &index, &tries), DRAW_OK);
        snprintf(got, sizeof got, "%u/%u", index, tries);
        cr_assert_str_eq(got, idx[i].want, "m = %u", idx[i].m);
    }
    uint32_t index;
    cr_assert_eq(draw_index(seed, 0, &index, NULL), DRAW_EINVAL);
    cr_assert_eq(draw_index(seed, DRAW_MAX_M + 1, &index, NULL), DRAW_EINVAL);

    /* A reveal that does not open its commitment is refused. */
    rv[1].value[0] ^= 1;
    cr_assert_not(draw_reveal_opens(&rv[1]));
    cr_assert_eq(draw_seed(beacon, rv, 2, seed), DRAW_EREVEAL);
}

/* 30,000 seeds into m = 3 (b = 2 bits: a quarter of the tries rejected):
 * each index near 10,000, and a modulo reduction of the same 2 bits would
 * have given index 0 twice as often (4 values onto 3). Deterministic. */
Test(draw, index_is_uniform)
{
    uint32_t hist[3] = {0}, tries_total = 0;
    for (uint32_t s = 0; s < 30000; s++) {
        uint8_t seed[32];
        crypto_hash_sha256(seed, (const unsigned char *)&s, sizeof s);
        uint32_t index, tries;
        cr_assert_eq(draw_index(seed, 3, &index, &tries), DRAW_OK);
        cr_assert_lt(index, 3);
        hist[index]++;
        tries_total += tries;
    }
    for (int i = 0; i < 3; i++) {
        /* ±5 standard deviations (sd ≈ 82). */
        cr_assert(hist[i] > 9590 && hist[i] < 10410, "index %d drawn %u times", i, hist[i]);
    }
    /* Expected tries 4/3 per draw. */
    cr_assert(tries_total > 38000 && tries_total < 42000, "tries %u", tries_total);
}

/* --- a whole draw ----------------------------------------------------------------- */

/* Pool of 6: country FR/DE, gender f/m; respondents 0 and 1 share a
 * household. k = 2, quotas: one of each country, one of each gender. */
#define N 6
#define K 2
#define M 4
static const char *const vals[N][2] = {{"FR", "f"}, {"FR", "m"}, {"DE", "f"},
                                       {"DE", "m"}, {"FR", "f"}, {"DE", "m"}};
static const char *const households[N] = {"h1", "h1", NULL, "", "h2", NULL};
static const struct draw_quota quotas[] = {
    {"country", "FR", 1, 1}, {"country", "DE", 1, 1}, {"gender", "f", 1, 1}, {"gender", "m", 1, 1}};

struct fixture {
    struct draw_respondent resp[N];
    uint8_t commit[N][32];
    double prob[N];
    uint32_t panels[M][K];
    struct draw_reveal rv[3];
    uint32_t chosen[K];
    struct draw_record d;
};

static void fixture_build(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < N; i++) {
        uint8_t salt[32];
        memset(salt, 0x40 + i, 32);
        f->resp[i].pseudonym = (const char *[]){"a", "b", "c", "d", "e", "f"}[i];
        f->resp[i].values = vals[i];
        f->resp[i].household = households[i];
        cr_assert_eq(draw_commitment(salt, &f->resp[i], 2, cats, f->commit[i]), DRAW_OK);
    }
    /* Valid panels: {0,3} FR f + DE m; {1,2} FR m + DE f; {2,1}→{1,2};
     * {3,4} DE m + FR f; {4,5}. */
    static const uint32_t p[M][K] = {{0, 3}, {1, 2}, {3, 4}, {4, 5}};
    memcpy(f->panels, p, sizeof p);
    uint32_t hits[N] = {0};
    for (int x = 0; x < M; x++) {
        for (int j = 0; j < K; j++) {
            hits[p[x][j]]++;
        }
    }
    for (int i = 0; i < N; i++) {
        f->prob[i] = (double)hits[i] / M;
    }
    for (int r = 0; r < 3; r++) {
        memset(f->rv[r].value, 0xa0 + r, 32);
        draw_reveal_commit(f->rv[r].value, f->rv[r].commitment);
    }
    draw_reveals_sort(f->rv, 3);
    struct draw_record *d = &f->d;
    d->ncat = 2;
    d->categories = cats;
    d->n = N;
    d->respondents = f->resp;
    d->commitments = (const uint8_t(*)[32])f->commit;
    d->probabilities = f->prob;
    d->nquota = PNYX_ARRAY_LEN(quotas);
    d->quotas = quotas;
    d->k = K;
    d->m = M;
    d->panels = &f->panels[0][0];
    cr_assert_eq(draw_commitment_root(d->commitments, N, d->commitment_root), DRAW_OK);
    crypto_hash_sha256(d->beacon, (const unsigned char *)"log root", 8);
    d->nreveal = 3;
    d->reveals = f->rv;
    cr_assert_eq(draw_seed(d->beacon, f->rv, 3, d->seed), DRAW_OK);
    cr_assert_eq(draw_index(d->seed, M, &d->index, NULL), DRAW_OK);
    memcpy(f->chosen, f->panels[d->index], sizeof f->chosen);
    d->chosen = f->chosen;
}

/* The fixture as a pnyx-draw/3 record: no values nor households, each
 * panel's true counts sealed (salt of panel x: 32 bytes of 0x70 + x), the
 * drawn one's revealed. */
struct fixture3 {
    struct fixture f;
    struct draw_respondent bare[N];
    uint8_t sealed[M][32];
    uint32_t counts[PNYX_ARRAY_LEN(quotas)];
};

static void fixture3_build(struct fixture3 *g)
{
    fixture_build(&g->f);
    struct draw_record *d = &g->f.d;
    for (uint32_t x = 0; x < M; x++) {
        uint32_t c[PNYX_ARRAY_LEN(quotas)];
        struct draw_failure why;
        cr_assert_eq(draw_panel_counts(d, g->f.panels[x], c, &why), DRAW_OK, "%s", why.detail);
        uint8_t salt[32];
        memset(salt, 0x70 + (int)x, 32);
        draw_counts_commitment(salt, c, PNYX_ARRAY_LEN(quotas), g->sealed[x]);
        if (x == d->index) {
            memcpy(g->counts, c, sizeof c);
            memcpy(d->chosen_salt, salt, 32);
        }
    }
    for (int i = 0; i < N; i++) {
        g->bare[i].pseudonym = g->f.resp[i].pseudonym;
    }
    d->respondents = g->bare;
    d->count_commitments = (const uint8_t(*)[32])g->sealed;
    d->chosen_counts = g->counts;
}

static enum draw_status verify(struct fixture *f, struct draw_failure *why)
{
    return draw_verify(&f->d, why);
}

Test(draw, a_whole_draw_verifies)
{
    struct fixture f;
    struct draw_failure why;
    fixture_build(&f);
    cr_assert_eq(verify(&f, &why), DRAW_OK, "%s", why.detail);
    cr_assert_eq(draw_panel_check(&f.d, f.panels[1], &why), DRAW_OK, "%s", why.detail);
}

Test(draw, tampered_seed_detected)
{
    struct fixture f;
    struct draw_failure why;
    fixture_build(&f);
    f.d.seed[5] ^= 0x01;
    cr_assert_eq(verify(&f, &why), DRAW_ESEED, "%s", why.detail);
    /* A different beacon (another log root) is the same failure. */
    fixture_build(&f);
    f.d.beacon[0] ^= 0x80;
    cr_assert_eq(verify(&f, &why), DRAW_ESEED);
    /* Dropping a reveal changes the seed. */
    fixture_build(&f);
    f.d.nreveal = 2;
    cr_assert_eq(verify(&f, &why), DRAW_ESEED);
}

Test(draw, tampered_index_and_chosen_panel_detected)
{
    struct fixture f;
    struct draw_failure why;
    fixture_build(&f);
    f.d.index = (f.d.index + 1) % M;
    cr_assert_eq(verify(&f, &why), DRAW_EINDEX, "%s", why.detail);
    fixture_build(&f);
    const uint32_t *other = f.panels[(f.d.index + 1) % M];
    memcpy(f.chosen, other, sizeof f.chosen);
    cr_assert_eq(verify(&f, &why), DRAW_ECHOSEN, "%s", why.detail);
    cr_assert_eq(why.item, (long long)f.d.index);
}

Test(draw, tampered_panel_detected)
{
    struct fixture f;
    struct draw_failure why;
    /* A panel that breaks the country quota (both FR), probabilities
     * recomputed so only the quota is wrong. The drawn panel is left
     * alone so the randomness checks pass. */
    fixture_build(&f);
    uint32_t x = (f.d.index + 1) % M;
    uint32_t old0 = f.panels[x][0], old1 = f.panels[x][1];
    f.panels[x][0] = 0;
    f.panels[x][1] = 4; /* FR f + FR f */
    f.prob[old0] -= 1.0 / M;
    f.prob[old1] -= 1.0 / M;
    f.prob[0] += 1.0 / M;
    f.prob[4] += 1.0 / M;
    cr_assert_eq(verify(&f, &why), DRAW_EQUOTA, "%s", why.detail);
    cr_assert_eq(why.item, (long long)x);
    cr_assert(strstr(why.detail, "country:FR") != NULL, "%s", why.detail);

    /* Respondent 3 moved into respondent 0's household: panel {0, 3}
     * meets every quota but holds the household twice. */
    fixture_build(&f);
    f.resp[3].household = "h1";
    cr_assert_eq(verify(&f, &why), DRAW_EHOUSEHOLD, "%s", why.detail);
    cr_assert_eq(why.item, 0);

    /* Not ascending / repeated / out of range. */
    fixture_build(&f);
    x = (f.d.index + 1) % M;
    uint32_t t = f.panels[x][0];
    f.panels[x][0] = f.panels[x][1];
    f.panels[x][1] = t;
    cr_assert_eq(verify(&f, &why), DRAW_EPANEL, "%s", why.detail);
    fixture_build(&f);
    f.panels[x][1] = N;
    cr_assert_eq(verify(&f, &why), DRAW_EPANEL, "%s", why.detail);
}

Test(draw, tampered_probability_detected)
{
    struct fixture f;
    struct draw_failure why;
    fixture_build(&f);
    f.prob[2] += 0.001;
    cr_assert_eq(verify(&f, &why), DRAW_EPROBABILITY, "%s", why.detail);
    cr_assert_eq(why.item, 2);
    /* Far below the tolerance passes (the JSON decimal of k/m). */
    fixture_build(&f);
    f.prob[2] += 1e-12;
    cr_assert_eq(verify(&f, &why), DRAW_OK, "%s", why.detail);
}

Test(draw, tampered_commitment_or_reveal_detected)
{
    struct fixture f;
    struct draw_failure why;
    fixture_build(&f);
    f.commit[3][31] ^= 1;
    cr_assert_eq(verify(&f, &why), DRAW_ECOMMITMENTS, "%s", why.detail);
    /* A respondent's values changed after the commit: their commitment
     * (recomputed with their salt) no longer matches the published one. */
    fixture_build(&f);
    uint8_t salt[32], c[32];
    memset(salt, 0x42, 32);
    static const char *const changed[] = {"FR", "f"};
    struct draw_respondent r = f.resp[2];
    r.values = changed;
    cr_assert_eq(draw_commitment(salt, &r, 2, cats, c), DRAW_OK);
    cr_assert_neq(memcmp(c, f.commit[2], 32), 0);
    cr_assert_eq(draw_commitment(salt, &f.resp[2], 2, cats, c), DRAW_OK);
    cr_assert_eq(memcmp(c, f.commit[2], 32), 0);

    fixture_build(&f);
    f.rv[1].value[7] ^= 1;
    cr_assert_eq(verify(&f, &why), DRAW_EREVEAL, "%s", why.detail);
    cr_assert_eq(why.item, 1);
}

Test(draw, value_without_quota_row_is_invalid)
{
    struct fixture f;
    struct draw_failure why;
    fixture_build(&f);
    static const char *const odd[] = {"IT", "f"};
    f.resp[5].values = odd;
    cr_assert_eq(verify(&f, &why), DRAW_EINVAL, "%s", why.detail);
    cr_assert(strstr(why.detail, "IT") != NULL);
}

Test(draw, v3_sealed_counts_verify)
{
    struct fixture3 g;
    struct draw_failure why;
    fixture3_build(&g);
    cr_assert_eq(draw_verify(&g.f.d, &why), DRAW_OK, "%s", why.detail);
    /* Without the values the server's panel counting is refused. */
    cr_assert_eq(draw_panel_check(&g.f.d, g.f.panels[0], &why), DRAW_EINVAL);
}

Test(draw, v3_revealed_counts_must_open_the_commitment)
{
    struct fixture3 g;
    struct draw_failure why;
    fixture3_build(&g);
    g.counts[0] ^= 1;
    cr_assert_eq(draw_verify(&g.f.d, &why), DRAW_ECOUNTS, "%s", why.detail);
    cr_assert_eq(why.item, g.f.d.index);
    fixture3_build(&g);
    g.f.d.chosen_salt[31] ^= 0x01;
    cr_assert_eq(draw_verify(&g.f.d, &why), DRAW_ECOUNTS);
    /* Another panel's (valid) counts and salt do not open the drawn one's. */
    fixture3_build(&g);
    uint32_t other = (g.f.d.index + 1) % M;
    cr_assert_eq(draw_panel_counts(&(struct draw_record){.ncat = 2,
                                                         .categories = cats,
                                                         .n = N,
                                                         .respondents = g.f.resp,
                                                         .nquota = PNYX_ARRAY_LEN(quotas),
                                                         .quotas = quotas,
                                                         .k = K,
                                                         .m = M},
                                   g.f.panels[other], g.counts, &why),
                 DRAW_OK, "%s", why.detail);
    memset(g.f.d.chosen_salt, 0x70 + (int)other, 32);
    bool same = memcmp(g.sealed[other], g.sealed[g.f.d.index], 32) == 0;
    cr_assert_not(same);
    cr_assert_eq(draw_verify(&g.f.d, &why), DRAW_ECOUNTS);
    /* Not revealed at all. */
    fixture3_build(&g);
    g.f.d.chosen_counts = NULL;
    cr_assert_eq(draw_verify(&g.f.d, &why), DRAW_ECOUNTS);
}

Test(draw, v3_committed_counts_breaking_a_quota_detected)
{
    /* Counts sealed before the seed that break the quotas: the reveal of
     * the drawn panel shows it (they still open their commitment). */
    struct fixture3 g;
    struct draw_failure why;
    fixture3_build(&g);
    g.counts[0] = 2; /* two FR */
    g.counts[1] = 0;
    draw_counts_commitment(g.f.d.chosen_salt, g.counts, PNYX_ARRAY_LEN(quotas),
                           g.sealed[g.f.d.index]);
    cr_assert_eq(draw_verify(&g.f.d, &why), DRAW_EQUOTA, "%s", why.detail);
    /* A malformed panel other than the drawn one is still caught. */
    fixture3_build(&g);
    uint32_t other = (g.f.d.index + 1) % M;
    g.f.panels[other][1] = g.f.panels[other][0];
    cr_assert_eq(draw_verify(&g.f.d, &why), DRAW_EPANEL, "%s", why.detail);
    cr_assert_eq(why.item, other);
}
