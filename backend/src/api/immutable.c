/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* api/immutable.c — strong ETags, 304 and immutable caching (immutable.h). */
#include "api/immutable.h"

#include <string.h>

#include <sodium.h>

#include "platform/crypto.h"

const char *api_etag(struct arena *a, const uint8_t hash[32])
{
    char *s = arena_alloc(a, 2 * 32 + 3);
    s[0] = '"';
    pnyx_crypto_hex(hash, 32, s + 1);
    s[65] = '"';
    s[66] = '\0';
    return s;
}

const char *api_etag_of(struct arena *a, const char *domain, const void *part1, size_t n1,
                        const void *part2, size_t n2)
{
    crypto_hash_sha256_state st;
    uint8_t h[32];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
    /* each part after its length (8 bytes, big-endian), so ("ab", "c")
     * and ("a", "bc") differ */
    const void *parts[2] = {part1, part2};
    size_t lens[2] = {part1 ? n1 : 0, part2 ? n2 : 0};
    for (int i = 0; i < 2; i++) {
        uint8_t len[8];
        for (int k = 0; k < 8; k++)
            len[k] = (uint8_t)((uint64_t)lens[i] >> (56 - 8 * k));
        crypto_hash_sha256_update(&st, len, sizeof len);
        if (lens[i])
            crypto_hash_sha256_update(&st, parts[i], lens[i]);
    }
    crypto_hash_sha256_final(&st, h);
    return api_etag(a, h);
}

/* One member of an If-None-Match list ([W/]"tag" or *), from s; returns
 * where the next one starts. */
static const char *skip_ws_commas(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == ',')
        s++;
    return s;
}

bool api_etag_matches(const struct api_req *rq, const char *etag)
{
    const char *h = api_header(rq, "If-None-Match");
    if (!h)
        return false;
    size_t n = strlen(etag);
    for (const char *s = skip_ws_commas(h); *s; s = skip_ws_commas(s)) {
        if (*s == '*')
            return true;
        if (s[0] == 'W' && s[1] == '/')
            s += 2;
        if (*s != '"')
            return false; /* not a list of entity tags: no match */
        const char *end = strchr(s + 1, '"');
        if (!end)
            return false;
        if ((size_t)(end + 1 - s) == n && memcmp(s, etag, n) == 0)
            return true;
        s = end + 1;
    }
    return false;
}

int api_immutable_headers(struct api_reply *out, const char *etag, bool is_public)
{
    if (api_reply_header(out, "ETag", etag) != 0)
        return -1;
    return api_reply_header(out, "Cache-Control",
                            is_public ? API_IMMUTABLE_PUBLIC : API_IMMUTABLE_PRIVATE);
}

bool api_immutable_304(const struct api_req *rq, struct api_reply *out, const char *etag,
                       bool is_public)
{
    if (!api_etag_matches(rq, etag))
        return false;
    api_reply_empty(out, 304);
    (void)api_immutable_headers(out, etag, is_public);
    return true;
}
