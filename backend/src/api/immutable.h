/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/immutable.h — replies that never change once they exist (a closed
 * question's board pages and proofs, a tallied question's result): a strong
 * ETag, 304 on a matching If-None-Match, and for public assemblies
 * `Cache-Control: public, max-age=31536000, immutable` so any HTTP cache
 * or CDN can absorb read storms (DESIGN.md, scale-out). Members-only
 * replies are `private, no-cache`: a browser keeps them but asks again, and
 * the ETag makes the answer a 304 without a body.
 */
#ifndef PNYX_API_IMMUTABLE_H
#define PNYX_API_IMMUTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"

#define API_IMMUTABLE_PUBLIC  "public, max-age=31536000, immutable"
#define API_IMMUTABLE_PRIVATE "private, no-cache"

/* A strong entity tag from a 32-byte hash: "\"<64 lower hex>\"" in a. */
const char *api_etag(struct arena *a, const uint8_t hash[32]) PNYX_NONNULL(1, 2);

/* The ETag of a reply determined by (domain, the bytes of two parts):
 * SHA-256 over the NUL-terminated domain string, then each part after its
 * length (8 bytes, big-endian), so two replies share a tag only when
 * built from the same inputs. A NULL part counts as empty. */
const char *api_etag_of(struct arena *a, const char *domain, const void *part1, size_t n1,
                        const void *part2, size_t n2) PNYX_NONNULL(1, 2);

/* True when the request's If-None-Match lists etag (weak comparison, as
 * RFC 9110 §13.1.2 asks for If-None-Match) or is "*". */
bool api_etag_matches(const struct api_req *rq, const char *etag) PNYX_NONNULL(1, 2);

/* Adds ETag and Cache-Control to out (0, or -1 when out has no room). */
int api_immutable_headers(struct api_reply *out, const char *etag, bool is_public)
    PNYX_NONNULL(1, 2);

/* When the client already has etag: writes the 304 (with the same headers)
 * and returns true; else false and out is untouched. */
bool api_immutable_304(const struct api_req *rq, struct api_reply *out, const char *etag,
                       bool is_public) PNYX_NONNULL(1, 2, 3);

#endif /* PNYX_API_IMMUTABLE_H */
