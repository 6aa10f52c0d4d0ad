/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/lang_prefs.h — the languages a reader asked for: `?lang=` (one BCP 47
 * tag) first, else `Accept-Language` (RFC 9110 §12.5.4: weights honoured,
 * q=0 and `*` dropped), lower-cased, in preference order, without repeats.
 * Comments reduce them to primary subtags ("en-GB" → "en": a reader of
 * en-GB reads a text in en or en-US, and translators work per language);
 * proposals, translated per region too, keep each tag before its primary.
 * Pure parsing over the request (no I/O); results in the request arena.
 */
#ifndef PNYX_API_LANG_PREFS_H
#define PNYX_API_LANG_PREFS_H

#include "api/api.h"

/* Most languages kept. Why 8: more than any reader ranks meaningfully, and
 * it bounds the array each list query carries. */
#define API_LANG_PREFS_MAX 8

/* Fills tags[0..n) with the reader's whole tags, lower-cased ("en-gb"), in
 * preference order without repeats: ?lang= alone, else Accept-Language by
 * weight (ties in header order). Entries that are not well-formed BCP 47
 * with a 2..8-letter primary subtag are skipped. Returns n ≥ 0, or -1
 * after writing a 400 problem when ?lang= is present but not such a tag.
 * For texts translated per region (proposals); api_lang_prefs reduces. */
int api_lang_tags(const struct api_req *rq, struct api_reply *out,
                  const char *tags[API_LANG_PREFS_MAX]) PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* Fills out[0..n) with the reader's primary subtags ([a-z]{2,8}, borrowed
 * from the arena) and returns n ≥ 0; returns -1 after writing a 400
 * problem when ?lang= is present but not a well-formed language tag. */
int api_lang_prefs(const struct api_req *rq, struct api_reply *out,
                   const char *langs[API_LANG_PREFS_MAX]) PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* The lower-case primary subtag of tag into buf (≥ 9 bytes): "" when the
 * subtag is not 2..8 ASCII letters. Returns buf. */
const char *api_lang_primary(const char *tag, char buf[9]) PNYX_NONNULL(1, 2);

#endif /* PNYX_API_LANG_PREFS_H */
