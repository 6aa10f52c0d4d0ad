/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* codec/json/draw.c — DRAW.json in and the lottery hash (see draw.h). */
#include "codec/json/draw.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/audit/jcs.h"
#include "core/base/base.h"

int codec_json_jcs_sha256(json_t *j, uint8_t out[DRAW_HASH_LEN])
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (text == NULL) {
        return -1;
    }
    char *canon = NULL;
    size_t clen = 0;
    int rc = jcs_canonicalize(text, strlen(text), &canon, &clen, NULL);
    free(text);
    if (rc != AUDIT_OK) {
        return -1;
    }
    crypto_hash_sha256(out, (const unsigned char *)canon, clen);
    free(canon);
    return 0;
}

int codec_draw_lottery_sha256(int version, json_t *certificate, json_t *counts, json_t *panels,
                              json_t *probabilities, uint8_t out[DRAW_HASH_LEN])
{
    if (version != 1 && counts == NULL) {
        return -1;
    }
    json_t *o = json_object();
    if (o == NULL) {
        return -1;
    }
    json_object_set(o, "certificate", certificate != NULL ? certificate : json_null());
    if (version != 1) {
        json_object_set(o, version == 3 ? "count_commitments" : "counts", counts);
    }
    json_object_set(o, "panels", panels);
    json_object_set(o, "probabilities", probabilities);
    int rc = codec_json_jcs_sha256(o, out);
    json_decref(o);
    return rc;
}

/* --- reading ---------------------------------------------------------------------- */

struct rd {
    struct arena *a;
    char *err;
    size_t errlen;
};

static int bad(struct rd *r, const char *fmt, ...) PNYX_PRINTF(2, 3);
static int bad(struct rd *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int hex32(struct rd *r, json_t *v, const char *name, uint8_t out[DRAW_HASH_LEN])
{
    const char *s = json_string_value(v);
    if (s == NULL || strlen(s) != 2 * DRAW_HASH_LEN ||
        base_hex_decode(s, 2 * DRAW_HASH_LEN, out, DRAW_HASH_LEN) != 0) {
        return bad(r, "%s: expected 64 hex digits", name);
    }
    return 0;
}

static int u32_of(struct rd *r, json_t *v, const char *name, uint32_t max, uint32_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
        return bad(r, "%s: expected an integer in 0..%u", name, max);
    }
    *out = (uint32_t)json_integer_value(v);
    return 0;
}

static const char *str_of(json_t *v)
{
    const char *s = json_string_value(v);
    return s != NULL && s[0] != '\0' ? s : NULL;
}

static int read_categories(struct rd *r, json_t *doc, struct draw_record *d)
{
    json_t *cats = json_object_get(doc, "categories");
    if (!json_is_array(cats) || json_array_size(cats) > 64) {
        return bad(r, "categories: expected an array of at most 64 names");
    }
    d->ncat = json_array_size(cats);
    const char **names = arena_calloc(r->a, d->ncat + 1, sizeof *names);
    for (size_t c = 0; c < d->ncat; c++) {
        if ((names[c] = str_of(json_array_get(cats, c))) == NULL) {
            return bad(r, "categories/%zu: expected a non-empty string", c);
        }
    }
    d->categories = names;
    json_t *qs = json_object_get(doc, "quotas");
    if (!json_is_array(qs) || json_array_size(qs) > 100000) {
        return bad(r, "quotas: expected an array");
    }
    d->nquota = json_array_size(qs);
    struct draw_quota *q = arena_calloc(r->a, d->nquota + 1, sizeof *q);
    for (size_t i = 0; i < d->nquota; i++) {
        json_t *row = json_array_get(qs, i);
        q[i].category = str_of(json_object_get(row, "category"));
        q[i].feature = str_of(json_object_get(row, "feature"));
        if (q[i].category == NULL || q[i].feature == NULL ||
            u32_of(r, json_object_get(row, "min"), "quotas/min", DRAW_MAX_K, &q[i].min) != 0 ||
            u32_of(r, json_object_get(row, "max"), "quotas/max", DRAW_MAX_K, &q[i].max) != 0) {
            return bad(r, "quotas/%zu: expected {category, feature, min, max}", i);
        }
    }
    d->quotas = q;
    return 0;
}

static int read_respondents(struct rd *r, json_t *doc, struct draw_record *d, json_t **probs,
                            int version)
{
    json_t *rs = json_object_get(doc, "respondents");
    if (!json_is_array(rs) || json_array_size(rs) > 10000000) {
        return bad(r, "respondents: expected an array");
    }
    d->n = json_array_size(rs);
    struct draw_respondent *resp = arena_calloc(r->a, d->n + 1, sizeof *resp);
    uint8_t(*commit)[DRAW_HASH_LEN] = arena_calloc(r->a, d->n + 1, DRAW_HASH_LEN);
    double *prob = arena_calloc(r->a, d->n + 1, sizeof *prob);
    *probs = json_array();
    for (size_t i = 0; i < d->n; i++) {
        json_t *row = json_array_get(rs, i);
        json_t *vals = json_object_get(row, "values");
        json_t *p = json_object_get(row, "probability");
        resp[i].pseudonym = str_of(json_object_get(row, "pseudonym"));
        json_t *hh = json_object_get(row, "household");
        resp[i].household = json_is_string(hh) ? json_string_value(hh) : NULL;
        if (version >= 2) {
            /* no values, no household: only the commitment holds them */
            if (resp[i].pseudonym == NULL || !json_is_number(p) || vals != NULL || hh != NULL) {
                return bad(r,
                           "respondents/%zu: expected {pseudonym, commitment, probability, "
                           "optimum} (pnyx-draw/%d publishes no values)",
                           i, version);
            }
            resp[i].household = NULL;
        } else if (resp[i].pseudonym == NULL || !json_is_array(vals) ||
                   json_array_size(vals) != d->ncat || !json_is_number(p) ||
                   (hh != NULL && !json_is_null(hh) && !json_is_string(hh))) {
            return bad(r,
                       "respondents/%zu: expected {pseudonym, values (one per category), "
                       "household, commitment, probability}",
                       i);
        }
        if (version == 1) {
            const char **v = arena_calloc(r->a, d->ncat + 1, sizeof *v);
            for (size_t c = 0; c < d->ncat; c++) {
                if ((v[c] = str_of(json_array_get(vals, c))) == NULL) {
                    return bad(r, "respondents/%zu/values/%zu: expected a non-empty string", i, c);
                }
            }
            resp[i].values = v;
        }
        if (hex32(r, json_object_get(row, "commitment"), "respondents/commitment", commit[i]) !=
            0) {
            return -1;
        }
        prob[i] = json_number_value(p);
        json_array_append(*probs, p);
    }
    d->respondents = resp;
    d->commitments = (const uint8_t(*)[DRAW_HASH_LEN])commit;
    d->probabilities = prob;
    return 0;
}

/* An array of k ascending-or-not indices (checked by draw_verify). */
static int read_panel(struct rd *r, json_t *arr, uint32_t k, const char *name, uint32_t *out)
{
    if (!json_is_array(arr) || json_array_size(arr) != k) {
        return bad(r, "%s: expected an array of k = %u respondent indices", name, k);
    }
    for (uint32_t j = 0; j < k; j++) {
        if (u32_of(r, json_array_get(arr, j), name, UINT32_MAX - 1, &out[j]) != 0) {
            return -1;
        }
    }
    return 0;
}

static int read_lottery(struct rd *r, json_t *doc, struct draw_record *d, json_t *probs,
                        struct codec_draw_claims *cl)
{
    json_t *lot = json_object_get(doc, "lottery");
    json_t *panels = json_object_get(lot, "panels");
    if (!json_is_array(panels) || json_array_size(panels) != d->m) {
        return bad(r, "lottery/panels: expected m = %u panels", d->m);
    }
    /* Every row's size first: m × k (or m × nquota) claimed by a hostile
     * file must not size an allocation before the input has that many
     * numbers (pnyx-sortition --verify reads records from anywhere). */
    for (uint32_t x = 0; x < d->m; x++) {
        if (json_array_size(json_array_get(panels, x)) != d->k) {
            return bad(r, "lottery/panels/%u: expected an array of k = %u respondent indices", x,
                       d->k);
        }
    }
    uint32_t *p = arena_calloc(r->a, (size_t)d->m * d->k + 1, sizeof *p);
    for (uint32_t x = 0; x < d->m; x++) {
        if (read_panel(r, json_array_get(panels, x), d->k, "lottery/panels/*",
                       p + (size_t)x * d->k) != 0) {
            return -1;
        }
    }
    d->panels = p;
    json_t *counts = NULL;
    if (cl->version == 2) {
        counts = json_object_get(lot, "counts");
        if (!json_is_array(counts) || json_array_size(counts) != d->m) {
            return bad(r, "lottery/counts: expected m = %u arrays of quota counts", d->m);
        }
        for (uint32_t x = 0; x < d->m; x++) {
            json_t *row = json_array_get(counts, x);
            if (!json_is_array(row) || json_array_size(row) != d->nquota) {
                return bad(r, "lottery/counts/%u: expected one count per quota row (%zu)", x,
                           d->nquota);
            }
        }
        uint32_t *c = arena_calloc(r->a, (size_t)d->m * d->nquota + 1, sizeof *c);
        for (uint32_t x = 0; x < d->m; x++) {
            json_t *row = json_array_get(counts, x);
            for (size_t q = 0; q < d->nquota; q++) {
                if (u32_of(r, json_array_get(row, q), "lottery/counts/*", d->k,
                           &c[(size_t)x * d->nquota + q]) != 0) {
                    return -1;
                }
            }
        }
        d->counts = c;
    } else if (cl->version == 3) {
        /* the counts of every panel are what /3 withholds (with the panels'
         * member lists they give away respondents' answers, api-spec/draw.md
         * §5): a record carrying them is not a /3 record */
        if (json_object_get(lot, "counts") != NULL) {
            return bad(r, "lottery/counts: pnyx-draw/3 publishes no panel's counts, only "
                          "count_commitments and the drawn panel's panel_counts");
        }
        counts = json_object_get(lot, "count_commitments");
        if (!json_is_array(counts) || json_array_size(counts) != d->m) {
            return bad(r, "lottery/count_commitments: expected m = %u hashes", d->m);
        }
        uint8_t(*cc)[DRAW_HASH_LEN] = arena_calloc(r->a, (size_t)d->m + 1, DRAW_HASH_LEN);
        for (uint32_t x = 0; x < d->m; x++) {
            if (hex32(r, json_array_get(counts, x), "lottery/count_commitments/*", cc[x]) != 0) {
                return -1;
            }
        }
        d->count_commitments = (const uint8_t(*)[DRAW_HASH_LEN])cc;
    }
    if (hex32(r, json_object_get(lot, "sha256"), "lottery/sha256", cl->lottery_sha256) != 0) {
        return -1;
    }
    if (codec_draw_lottery_sha256(cl->version, json_object_get(lot, "certificate"), counts, panels,
                                  probs, cl->lottery_computed) != 0) {
        return bad(r, "lottery: cannot be canonicalised (RFC 8785)");
    }
    return 0;
}

static int read_randomness(struct rd *r, json_t *doc, struct draw_record *d)
{
    json_t *rnd = json_object_get(doc, "randomness");
    if (hex32(r, json_object_get(json_object_get(rnd, "beacon"), "root"), "randomness/beacon/root",
              d->beacon) != 0) {
        return -1;
    }
    json_t *rv = json_object_get(doc, "reveals");
    if (!json_is_array(rv) || json_array_size(rv) > 100000) {
        return bad(r, "reveals: expected an array");
    }
    d->nreveal = json_array_size(rv);
    struct draw_reveal *out = arena_calloc(r->a, d->nreveal + 1, sizeof *out);
    for (size_t i = 0; i < d->nreveal; i++) {
        json_t *e = json_array_get(rv, i);
        if (hex32(r, json_object_get(e, "commitment"), "reveals/commitment", out[i].commitment) !=
                0 ||
            hex32(r, json_object_get(e, "value"), "reveals/value", out[i].value) != 0) {
            return -1;
        }
    }
    d->reveals = out;
    if (hex32(r, json_object_get(doc, "seed"), "seed", d->seed) != 0 ||
        u32_of(r, json_object_get(doc, "index"), "index", DRAW_MAX_M, &d->index) != 0) {
        return -1;
    }
    uint32_t *chosen = arena_calloc(r->a, d->k + 1, sizeof *chosen);
    if (read_panel(r, json_object_get(doc, "panel"), d->k, "panel", chosen) != 0) {
        return -1;
    }
    d->chosen = chosen;
    return 0;
}

/* pnyx-draw/3: the drawn panel's counts and salt, {counts, salt}. */
static int read_panel_counts(struct rd *r, json_t *doc, struct draw_record *d)
{
    json_t *pc = json_object_get(doc, "panel_counts");
    json_t *cnt = json_object_get(pc, "counts");
    if (!json_is_array(cnt) || json_array_size(cnt) != d->nquota) {
        return bad(r, "panel_counts: expected {counts: one per quota row (%zu), salt}", d->nquota);
    }
    uint32_t *c = arena_calloc(r->a, d->nquota + 1, sizeof *c);
    for (size_t q = 0; q < d->nquota; q++) {
        if (u32_of(r, json_array_get(cnt, q), "panel_counts/counts/*", d->k, &c[q]) != 0) {
            return -1;
        }
    }
    d->chosen_counts = c;
    return hex32(r, json_object_get(pc, "salt"), "panel_counts/salt", d->chosen_salt);
}

int codec_draw_read(json_t *doc, struct arena *a, struct draw_record *d,
                    struct codec_draw_claims *claims, char *err, size_t errlen)
{
    struct rd r = {.a = a, .err = err, .errlen = errlen};
    memset(d, 0, sizeof *d);
    memset(claims, 0, sizeof *claims);
    err[0] = '\0';
    if (!json_is_object(doc)) {
        return bad(&r, "expected a JSON object");
    }
    const char *fmt = json_string_value(json_object_get(doc, "format"));
    if (fmt != NULL && strcmp(fmt, CODEC_DRAW_FORMAT) == 0) {
        claims->version = 3;
    } else if (fmt != NULL && strcmp(fmt, CODEC_DRAW_FORMAT_V2) == 0) {
        claims->version = 2;
    } else if (fmt != NULL && strcmp(fmt, CODEC_DRAW_FORMAT_V1) == 0) {
        claims->version = 1;
    } else {
        return bad(&r, "format: expected \"%s\" (or \"%s\", \"%s\")", CODEC_DRAW_FORMAT,
                   CODEC_DRAW_FORMAT_V2, CODEC_DRAW_FORMAT_V1);
    }
    claims->method = json_string_value(json_object_get(doc, "method"));
    claims->rules_version = json_string_value(json_object_get(doc, "rules_version"));
    if (u32_of(&r, json_object_get(doc, "k"), "k", DRAW_MAX_K, &d->k) != 0 ||
        u32_of(&r, json_object_get(doc, "m"), "m", DRAW_MAX_M, &d->m) != 0) {
        return -1;
    }
    if (d->k == 0 || d->m == 0) {
        return bad(&r, "k and m must be at least 1");
    }
    json_t *probs = NULL;
    int rc = read_categories(&r, doc, d);
    if (rc == 0) {
        rc = read_respondents(&r, doc, d, &probs, claims->version);
    }
    if (rc == 0) {
        rc = hex32(&r, json_object_get(doc, "commitment_root"), "commitment_root",
                   d->commitment_root);
    }
    if (rc == 0) {
        rc = read_lottery(&r, doc, d, probs, claims);
    }
    if (rc == 0) {
        rc = read_randomness(&r, doc, d);
    }
    if (rc == 0 && claims->version == 3) {
        rc = read_panel_counts(&r, doc, d);
    }
    json_decref(probs);
    return rc;
}
