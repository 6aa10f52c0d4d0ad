/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * BCP 47 well-formedness, RFC 5646 section 2.1:
 *
 *   Language-Tag = langtag / privateuse / grandfathered
 *   langtag      = language ["-" script] ["-" region] *("-" variant)
 *                  *("-" extension) ["-" privateuse]
 *   language     = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
 *   extlang      = 3ALPHA *2("-" 3ALPHA)
 *   script       = 4ALPHA
 *   region       = 2ALPHA / 3DIGIT
 *   variant      = 5*8alphanum / (DIGIT 3alphanum)
 *   extension    = singleton 1*("-" (2*8alphanum))   ; singleton: alphanum but x
 *   privateuse   = "x" 1*("-" (1*8alphanum))
 *
 * Implemented as a walk over subtags with a position that only moves
 * forward through the production, so each subtag is classified once.
 */
#include <string.h>
#include <strings.h>

#include "validate.h"

/* RFC 5646 section 2.2.8: irregular and regular grandfathered tags. */
static const char *const grandfathered[] = {
    "en-GB-oed", "i-ami",     "i-bnn",     "i-default",  "i-enochian",  "i-hak",  "i-klingon",
    "i-lux",     "i-mingo",   "i-navajo",  "i-pwn",      "i-tao",       "i-tay",  "i-tsu",
    "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE", "art-lojban", "cel-gaulish", "no-bok", "no-nyn",
    "zh-guoyu",  "zh-hakka",  "zh-min",    "zh-min-nan", "zh-xiang",
};

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool all_alpha(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_alpha(s[i])) {
            return false;
        }
    }
    return true;
}

static bool all_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i])) {
            return false;
        }
    }
    return true;
}

static bool all_alnum(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_alpha(s[i]) && !is_digit(s[i])) {
            return false;
        }
    }
    return true;
}

/* Where in the langtag production the next subtag may go. */
enum pos {
    P_EXTLANG,   /* after a 2-3 letter language: extlang, script, region, ... */
    P_SCRIPT,    /* script, region, variant, extension, privateuse */
    P_REGION,    /* region, variant, extension, privateuse */
    P_VARIANT,   /* variant, extension, privateuse */
    P_EXTENSION, /* extension, privateuse */
    P_EXT_BODY,  /* just saw a singleton: need one 2-8 alphanum subtag */
    P_EXT_MORE,  /* inside an extension: more 2-8 subtags or a new singleton */
    P_PRIVATE,   /* just saw "x": need one 1-8 alphanum subtag */
    P_PRIVATE_MORE,
};

static bool is_x(const char *s, size_t n)
{
    return n == 1 && (s[0] == 'x' || s[0] == 'X');
}

/* One step of the walk; returns false when the subtag cannot go here. */
static bool step(enum pos *p, const char *s, size_t n, unsigned *extlangs)
{
    if (n == 0 || n > 8 || !all_alnum(s, n)) {
        return false;
    }
    switch (*p) {
    case P_PRIVATE:
    case P_PRIVATE_MORE:
        *p = P_PRIVATE_MORE;
        return true;
    case P_EXT_BODY:
        if (n < 2) {
            return false;
        }
        *p = P_EXT_MORE;
        return true;
    case P_EXT_MORE:
        if (n >= 2) {
            return true;
        }
        break; /* a singleton: new extension or privateuse, below */
    case P_EXTLANG:
        if (n == 3 && all_alpha(s, n) && *extlangs < 3) {
            (*extlangs)++;
            return true;
        }
        /* fall through */
    case P_SCRIPT:
        if (n == 4 && all_alpha(s, n)) {
            *p = P_REGION;
            return true;
        }
        /* fall through */
    case P_REGION:
        if ((n == 2 && all_alpha(s, n)) || (n == 3 && all_digit(s, n))) {
            *p = P_VARIANT;
            return true;
        }
        /* fall through */
    case P_VARIANT:
        if (n >= 5 || (n == 4 && is_digit(s[0]))) {
            *p = P_VARIANT;
            return true;
        }
        /* fall through */
    case P_EXTENSION:
        break;
    }
    if (n != 1) {
        return false;
    }
    *p = is_x(s, n) ? P_PRIVATE : P_EXT_BODY;
    return true;
}

bool validate_language_tag(const char *s, size_t len)
{
    if (len == 0 || len > VALIDATE_LANGUAGE_TAG_MAX) {
        return false;
    }
    for (size_t i = 0; i < sizeof grandfathered / sizeof grandfathered[0]; i++) {
        if (strlen(grandfathered[i]) == len && strncasecmp(grandfathered[i], s, len) == 0) {
            return true;
        }
    }
    const char *end = s + len;
    const char *dash = memchr(s, '-', len);
    size_t n = (size_t)((dash ? dash : end) - s);
    enum pos p;
    if (is_x(s, n)) {
        p = P_PRIVATE;
    } else if (n >= 2 && n <= 8 && all_alpha(s, n)) {
        p = n <= 3 ? P_EXTLANG : P_SCRIPT;
    } else {
        return false;
    }
    unsigned extlangs = 0;
    while (dash != NULL) {
        const char *sub = dash + 1;
        dash = memchr(sub, '-', (size_t)(end - sub));
        n = (size_t)((dash ? dash : end) - sub);
        if (!step(&p, sub, n, &extlangs)) {
            return false;
        }
    }
    /* A singleton must be followed by at least one subtag. */
    return p != P_EXT_BODY && p != P_PRIVATE;
}
