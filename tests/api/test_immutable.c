/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/immutable: strong ETags, If-None-Match matching (lists, weak
 * prefixes, "*", junk), the 304 and the Cache-Control of public and
 * members-only replies.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "api/immutable.h"

static const char *g_inm;

static const char *header(const struct api_req *rq, const char *name)
{
    (void)rq;
    return strcmp(name, "If-None-Match") == 0 ? g_inm : NULL;
}

static struct api_req req(struct arena *a, const char *inm)
{
    g_inm = inm;
    struct api_req rq;
    memset(&rq, 0, sizeof rq);
    rq.arena = a;
    rq.header_fn = header;
    return rq;
}

static const char *hdr(const struct api_reply *out, const char *name)
{
    for (size_t i = 0; i < out->nheaders; i++) {
        if (strcmp(out->headers[i].name, name) == 0)
            return out->headers[i].value;
    }
    return NULL;
}

Test(immutable, etag_is_quoted_hex_and_depends_on_every_input)
{
    struct arena *a = arena_new();
    uint8_t h[32] = {0xab, 0x01};
    const char *e = api_etag(a, h);
    cr_assert_eq(strlen(e), 66);
    cr_assert(e[0] == '"' && e[65] == '"');
    cr_assert(strncmp(e + 1, "ab01", 4) == 0);
    const char *x = api_etag_of(a, "d", "ab", 2, "c", 1);
    cr_assert_str_neq(x, api_etag_of(a, "d", "a", 1, "bc", 2), "parts are not just concatenated");
    cr_assert_str_neq(x, api_etag_of(a, "e", "ab", 2, "c", 1), "domain");
    cr_assert_str_eq(x, api_etag_of(a, "d", "ab", 2, "c", 1));
    arena_free(a);
}

Test(immutable, if_none_match)
{
    struct arena *a = arena_new();
    uint8_t h[32] = {7};
    const char *e = api_etag(a, h);
    char list[300];
    struct api_req rq = req(a, NULL);
    cr_assert(!api_etag_matches(&rq, e), "no header");
    rq = req(a, e);
    cr_assert(api_etag_matches(&rq, e));
    snprintf(list, sizeof list, "\"x\", W/%s", e);
    rq = req(a, list);
    cr_assert(api_etag_matches(&rq, e), "weak comparison in a list");
    rq = req(a, "*");
    cr_assert(api_etag_matches(&rq, e));
    rq = req(a, "\"0700\"");
    cr_assert(!api_etag_matches(&rq, e), "a prefix is not the tag");
    snprintf(list, sizeof list, "%.*s", 60, e);
    rq = req(a, list);
    cr_assert(!api_etag_matches(&rq, e), "unterminated");
    rq = req(a, "junk");
    cr_assert(!api_etag_matches(&rq, e));
    arena_free(a);
}

Test(immutable, reply_304_and_cache_control)
{
    struct arena *a = arena_new();
    uint8_t h[32] = {9};
    const char *e = api_etag(a, h);
    struct api_reply out;
    memset(&out, 0, sizeof out);
    struct api_req rq = req(a, "\"other\"");
    cr_assert(!api_immutable_304(&rq, &out, e, true));
    cr_assert_eq(out.status, 0, "untouched");
    rq = req(a, e);
    cr_assert(api_immutable_304(&rq, &out, e, true));
    cr_assert_eq(out.status, 304);
    cr_assert_str_eq(hdr(&out, "ETag"), e);
    cr_assert_str_eq(hdr(&out, "Cache-Control"), "public, max-age=31536000, immutable");
    struct api_reply priv;
    memset(&priv, 0, sizeof priv);
    cr_assert_eq(api_immutable_headers(&priv, e, false), 0);
    cr_assert_str_eq(hdr(&priv, "Cache-Control"), "private, no-cache");
    arena_free(a);
}
