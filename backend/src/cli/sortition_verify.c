/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cli/sortition_verify.c — pnyx-sortition --verify DRAW.json: reads a
 * pnyx-draw/3 (or /2, /1) record (codec/json/draw), checks that the
 * lottery hash is what the record publishes, that the certificate's
 * optimal and gap agree (when it has them), then core/sortition/draw_verify:
 * commitment root, reveals, seed, index, chosen panel = lottery[index],
 * every panel k distinct respondents; the quotas — /3: the drawn panel's
 * revealed counts open the commitment the lottery hash fixed and meet
 * them; /2: every panel's declared counts; /1: counted from the published
 * values, households too; every probability = its panel frequency. Exit statuses in
 * sortition_verify.h.
 */
#include "cli/sortition_verify.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "codec/json/draw.h"
#include "platform/arena.h"

static int usage(FILE *out)
{
    (void)fputs("usage: pnyx-sortition --verify DRAW.json [--json]\n", out);
    return SORTITION_VERIFY_INVALID;
}

static int report(FILE *out, bool as_json, int status, const char *check, const char *detail,
                  long long item)
{
    if (as_json) {
        json_t *j = json_pack("{s:b, s:s, s:s}", "ok", status == SORTITION_VERIFY_OK, "check",
                              check, "detail", detail);
        if (j != NULL && item >= 0) {
            json_object_set_new(j, "item", json_integer(item));
        }
        char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
        (void)fprintf(out, "%s\n", s != NULL ? s : "{\"ok\":false}");
        free(s);
        json_decref(j);
    } else if (status == SORTITION_VERIFY_OK) {
        (void)fprintf(out, "ok: %s\n", detail);
    } else {
        (void)fprintf(out, "%s: %s: %s\n", status == SORTITION_VERIFY_FAILED ? "FAILED" : "invalid",
                      check, detail);
    }
    return status;
}

/* The certificate's "optimal" and "gap" (issue 14; absent in records
 * published before them) must agree with each other and with the levels:
 * gap a finite number >= 0, optimal exactly when gap is 0, every level's
 * gap in [0, gap] and the largest equal to it (the engine's result gap is
 * the largest level gap). Whether the levels' bounds hold needs the ILP
 * (sortition_certificate_check), which --verify does not solve. NULL when
 * consistent, else why (level index in *item). */
static const char *certificate_consistent(json_t *cert, long long *item)
{
    json_t *opt = json_object_get(cert, "optimal"), *gap = json_object_get(cert, "gap");
    *item = -1;
    if (opt == NULL && gap == NULL) {
        return NULL;
    }
    if (!json_is_boolean(opt) || !json_is_number(gap) || !(json_number_value(gap) >= 0) ||
        !isfinite(json_number_value(gap))) {
        return "certificate: \"optimal\" must be true or false and \"gap\" a number >= 0";
    }
    double g = json_number_value(gap);
    if (json_is_true(opt) != (g == 0)) {
        return "certificate: \"optimal\" disagrees with \"gap\" (optimal exactly when gap is 0)";
    }
    json_t *levels = json_object_get(cert, "levels");
    double largest = 0;
    bool any = false;
    for (size_t l = 0; l < json_array_size(levels); l++) {
        json_t *lg = json_object_get(json_array_get(levels, l), "gap");
        if (lg == NULL) {
            continue;
        }
        double v = json_number_value(lg);
        if (!json_is_number(lg) || !(v >= 0) || v > g) {
            *item = (long long)l;
            return "certificate: a level's \"gap\" is negative or above the certificate's";
        }
        largest = v > largest ? v : largest;
        any = true;
    }
    if (any && largest != g) {
        return "certificate: \"gap\" is not the largest level gap";
    }
    return NULL;
}

int sortition_verify_main(int argc, char **argv, FILE *out)
{
    const char *path = NULL;
    bool as_json = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            as_json = true;
        } else if (path == NULL && argv[i][0] != '-') {
            path = argv[i];
        } else {
            return usage(out);
        }
    }
    if (argc < 2 || strcmp(argv[1], "--verify") != 0 || path == NULL) {
        return usage(out);
    }
    if (sodium_init() < 0) {
        return report(out, as_json, SORTITION_VERIFY_INVALID, "internal", "libsodium unusable", -1);
    }
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        char msg[300];
        (void)snprintf(msg, sizeof msg, "%s (line %d)", jerr.text, jerr.line);
        return report(out, as_json, SORTITION_VERIFY_INVALID, "json", msg, -1);
    }
    struct arena *a = arena_new();
    if (a == NULL) {
        json_decref(doc);
        return report(out, as_json, SORTITION_VERIFY_INVALID, "internal", "out of memory", -1);
    }
    struct draw_record d;
    struct codec_draw_claims claims;
    char err[256];
    int rc;
    const char *cwhy;
    long long citem;
    if (codec_draw_read(doc, a, &d, &claims, err, sizeof err) != 0) {
        rc = report(out, as_json, SORTITION_VERIFY_INVALID, "format", err, -1);
    } else if (memcmp(claims.lottery_sha256, claims.lottery_computed, DRAW_HASH_LEN) != 0) {
        rc = report(out, as_json, SORTITION_VERIFY_FAILED, "lottery hash",
                    "lottery.sha256 is not the SHA-256 of the canonical {certificate, "
                    "count_commitments, panels, probabilities}: the published lottery was changed",
                    -1);
    } else if ((cwhy = certificate_consistent(
                    json_object_get(json_object_get(doc, "lottery"), "certificate"), &citem)) !=
               NULL) {
        rc = report(out, as_json, SORTITION_VERIFY_FAILED, "certificate", cwhy, citem);
    } else {
        struct draw_failure why;
        enum draw_status st = draw_verify(&d, &why);
        if (st == DRAW_OK) {
            char msg[320];
            (void)snprintf(
                msg, sizeof msg, "%zu respondents, %u panels of %u, %zu reveals, index %u%s", d.n,
                d.m, d.k, d.nreveal, d.index,
                claims.version == 3
                    ? " (pnyx-draw/3: quotas checked on the drawn panel's revealed counts; "
                      "households and counts against the pool only by the holders of the pool)"
                : claims.version == 2 ? " (pnyx-draw/2: quotas checked on the declared counts; "
                                        "households and counts against the pool only by the "
                                        "holders of the pool)"
                                      : "");
            rc = report(out, as_json, SORTITION_VERIFY_OK, "all", msg, -1);
        } else {
            rc = report(out, as_json,
                        st == DRAW_EINVAL || st == DRAW_ENOMEM ? SORTITION_VERIFY_INVALID
                                                               : SORTITION_VERIFY_FAILED,
                        draw_status_str(st), why.detail, why.item);
        }
    }
    arena_free(a);
    json_decref(doc);
    return rc;
}
