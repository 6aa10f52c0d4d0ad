/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/lang_prefs.c — ?lang= and Accept-Language → primary subtags in
 * preference order (see the header).
 */
#include "api/lang_prefs.h"

#include <string.h>

#include "core/validate/validate.h"

const char *api_lang_primary(const char *tag, char buf[9])
{
    size_t n = 0;
    while (tag[n] != '\0' && tag[n] != '-' && tag[n] != '_' && n < 9) {
        char ch = tag[n];
        if (ch >= 'A' && ch <= 'Z') {
            ch = (char)(ch - 'A' + 'a');
        }
        if (ch < 'a' || ch > 'z') {
            break;
        }
        buf[n++] = ch;
    }
    bool ends = tag[n] == '\0' || tag[n] == '-' || tag[n] == '_';
    if (!ends || n < 2 || n > 8) {
        n = 0;
    }
    buf[n] = '\0';
    return buf;
}

/* A tag counts when it is well-formed BCP 47 with a primary language
 * subtag of 2..8 letters (not "*", "x-…" or a grandfathered "i-…"). */
static bool usable(const char *tag)
{
    char buf[9];
    return validate_language_tag(tag, strlen(tag)) && api_lang_primary(tag, buf)[0] != '\0';
}

/* Appends tag lower-cased to tags[0..n) unless already there or full;
 * returns the new n. */
static int add_tag(struct arena *a, const char *tag, const char *tags[], int n)
{
    if (n >= API_LANG_PREFS_MAX) {
        return n;
    }
    char *t = arena_strdup(a, tag);
    for (char *c = t; *c != '\0'; c++) {
        if (*c >= 'A' && *c <= 'Z') {
            *c = (char)(*c - 'A' + 'a');
        }
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(tags[i], t) == 0) {
            return n;
        }
    }
    tags[n] = t;
    return n + 1;
}

struct weighted {
    char tag[VALIDATE_LANGUAGE_TAG_MAX + 1];
    int q; /* thousandths */
};

/* "0.8" → 800; malformed → -1. */
static int parse_q(const char *s, size_t len)
{
    if (len == 0 || (s[0] != '0' && s[0] != '1')) {
        return -1;
    }
    int q = (s[0] - '0') * 1000;
    if (len == 1) {
        return q;
    }
    if (s[1] != '.' || len > 5) {
        return -1;
    }
    int scale = 100;
    for (size_t i = 2; i < len; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        q += (s[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/* Why 32 entries: a real Accept-Language names a handful; the rest of a
 * longer header is ignored rather than refused. */
#define ACCEPT_MAX 32

static int accept_language(struct arena *a, const char *h, const char *langs[])
{
    struct weighted w[ACCEPT_MAX];
    int nw = 0;
    const char *p = h;
    while (*p != '\0' && nw < ACCEPT_MAX) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *semi = memchr(p, ';', len);
        size_t tlen = semi != NULL ? (size_t)(semi - p) : len;
        while (tlen > 0 && (*p == ' ' || *p == '\t')) {
            p++, len--, tlen--;
        }
        while (tlen > 0 && (p[tlen - 1] == ' ' || p[tlen - 1] == '\t')) {
            tlen--;
        }
        int q = 1000;
        if (semi != NULL) {
            const char *qs = semi + 1;
            size_t qlen = len - (size_t)(qs - p);
            while (qlen > 0 && (*qs == ' ' || *qs == '\t')) {
                qs++, qlen--;
            }
            while (qlen > 0 && (qs[qlen - 1] == ' ' || qs[qlen - 1] == '\t')) {
                qlen--;
            }
            q = qlen > 2 && (qs[0] == 'q' || qs[0] == 'Q') && qs[1] == '='
                    ? parse_q(qs + 2, qlen - 2)
                    : -1;
        }
        if (q > 0 && tlen > 0 && tlen < sizeof w[0].tag) {
            memcpy(w[nw].tag, p, tlen);
            w[nw].tag[tlen] = '\0';
            w[nw].q = q;
            nw += usable(w[nw].tag);
        }
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
    /* Stable insertion sort by weight, highest first (equal weights keep
     * the header's order). */
    for (int i = 1; i < nw; i++) {
        struct weighted x = w[i];
        int j = i - 1;
        while (j >= 0 && w[j].q < x.q) {
            w[j + 1] = w[j];
            j--;
        }
        w[j + 1] = x;
    }
    int n = 0;
    for (int i = 0; i < nw; i++) {
        n = add_tag(a, w[i].tag, langs, n);
    }
    return n;
}

int api_lang_tags(const struct api_req *rq, struct api_reply *out,
                  const char *tags[API_LANG_PREFS_MAX])
{
    const char *q = api_query(rq, "lang");
    if (q != NULL) {
        if (!usable(q)) {
            api_problem(out, API_E_BAD_REQUEST, "lang must be a BCP 47 language tag");
            return -1;
        }
        return add_tag(rq->arena, q, tags, 0);
    }
    const char *h = api_header(rq, "Accept-Language");
    return h != NULL ? accept_language(rq->arena, h, tags) : 0;
}

int api_lang_prefs(const struct api_req *rq, struct api_reply *out,
                   const char *langs[API_LANG_PREFS_MAX])
{
    const char *tags[API_LANG_PREFS_MAX];
    int nt = api_lang_tags(rq, out, tags);
    int n = 0;
    for (int i = 0; i < nt; i++) {
        char buf[9];
        n = add_tag(rq->arena, api_lang_primary(tags[i], buf), langs, n);
    }
    return nt < 0 ? -1 : n;
}
