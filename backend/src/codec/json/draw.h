/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/json/draw.h — DRAW.json (pnyx-draw/3, api-spec/draw.md): the
 * published record of one selection draw, read into core/sortition/draw's
 * struct draw_record for draw_verify, and the lottery hash the
 * `selection.published` audit entry carries. Used by pnyx-sortition
 * --verify and by pnyxd (which hashes what it publishes the same way).
 */
#ifndef PNYX_CODEC_JSON_DRAW_H
#define PNYX_CODEC_JSON_DRAW_H

#include <stdint.h>

#include <jansson.h>

#include "core/sortition/draw.h"
#include "platform/arena.h"

/* What pnyxd publishes: pnyx-draw/3 (no respondent values; each panel's
 * quota counts sealed by a salted commitment, only the drawn panel's
 * revealed). pnyx-draw/2 (every panel's counts in clear) and /1 (every
 * respondent's values and household beside the pseudonym) are still read,
 * for records published before. */
#define CODEC_DRAW_FORMAT    "pnyx-draw/3"
#define CODEC_DRAW_FORMAT_V2 "pnyx-draw/2"
#define CODEC_DRAW_FORMAT_V1 "pnyx-draw/1"

/* What DRAW.json claims beside the draw_record. */
struct codec_draw_claims {
    uint8_t lottery_sha256[DRAW_HASH_LEN];   /* lottery.sha256 as published */
    uint8_t lottery_computed[DRAW_HASH_LEN]; /* recomputed from the file */
    const char *method;
    const char *rules_version;
    int version; /* 1, 2 or 3 */
};

/* SHA-256 of the RFC 8785 canonical JSON of j (borrowed). 0, or -1 when
 * it cannot be canonicalised (a number beyond I-JSON, no memory). The
 * lottery hash below and a run's inputs hash (pnyxd) are both this. */
int codec_json_jcs_sha256(json_t *j, uint8_t out[DRAW_HASH_LEN]) PNYX_NONNULL(1, 2);

/*
 * The lottery hash of format version (1, 2 or 3): SHA-256 of the RFC 8785
 * canonical JSON of {"certificate": certificate, "count_commitments"
 * (3) or "counts" (2): counts, "panels": panels, "probabilities":
 * probabilities} (all borrowed; certificate may be JSON null; version 1
 * has no counts member and counts is ignored). 0, or -1 when they cannot
 * be canonicalised (a number beyond I-JSON, no memory).
 */
int codec_draw_lottery_sha256(int version, json_t *certificate, json_t *counts, json_t *panels,
                              json_t *probabilities, uint8_t out[DRAW_HASH_LEN])
    PNYX_NONNULL(4, 5, 6);

/*
 * Reads a pnyx-draw/3 (or /2, /1) document (borrowed; strings in *d point into it, so
 * it must outlive *d) into *d, arrays allocated in a. Returns 0, or -1 with
 * a one-line English reason naming the member in err (errlen bytes).
 */
int codec_draw_read(json_t *doc, struct arena *a, struct draw_record *d,
                    struct codec_draw_claims *claims, char *err, size_t errlen)
    PNYX_NONNULL(2, 3, 4, 5);

#endif /* PNYX_CODEC_JSON_DRAW_H */
