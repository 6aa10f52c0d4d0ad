/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * UTF-8 well-formedness (RFC 3629 / Unicode table 3-7) and control-character
 * screening. A strict decoder: every byte sequence is either exactly one
 * well-formed scalar value or an error; nothing is repaired.
 */
#include <stdint.h>

#include "core/base/base.h"
#include "validate.h"

/* One scalar value at s[*i] (core/base), or -1. */
static int32_t decode_one(const unsigned char *s, size_t len, size_t *i)
{
    return base_utf8_next((const char *)s, len, i);
}

bool validate_utf8(const char *s, size_t len)
{
    return base_utf8_valid(s, len);
}

size_t validate_text_length(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, n = 0;
    while (i < len) {
        int32_t cp = decode_one(u, len, &i);
        if (cp < 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            return (size_t)-1;
        }
        n++;
    }
    return n;
}

bool validate_display_name(const char *s, size_t len)
{
    size_t n = validate_text_length(s, len);
    return n != (size_t)-1 && n >= VALIDATE_DISPLAY_NAME_MIN && n <= VALIDATE_DISPLAY_NAME_MAX;
}

bool validate_is_invisible(unsigned long cp)
{
    /* Unicode White_Space and the default-ignorable / format characters
     * that render as nothing, as sorted [first, last] ranges. */
    static const unsigned long ranges[][2] = {
        {0x0009, 0x000D}, {0x0020, 0x0020},   {0x0085, 0x0085},   {0x00A0, 0x00A0},
        {0x00AD, 0x00AD}, {0x034F, 0x034F},   {0x061C, 0x061C},   {0x115F, 0x1160},
        {0x1680, 0x1680}, {0x17B4, 0x17B5},   {0x180B, 0x180F},   {0x2000, 0x200F},
        {0x2028, 0x202F}, {0x205F, 0x206F},   {0x2800, 0x2800},   {0x3000, 0x3000},
        {0x3164, 0x3164}, {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},
        {0xFFF9, 0xFFFB}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
    };
    size_t lo = 0, hi = sizeof ranges / sizeof ranges[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < ranges[mid][0]) {
            hi = mid;
        } else if (cp > ranges[mid][1]) {
            lo = mid + 1;
        } else {
            return true;
        }
    }
    return false;
}

/* Why 125: the deepest embedding the Unicode Bidirectional Algorithm
 * honours (UAX #9, max_depth); deeper nesting is not a title. */
#define BIDI_MAX_DEPTH 125

enum validate_title_result validate_title(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    bool isolate[BIDI_MAX_DEPTH]; /* per open level: isolate (true) or embedding */
    size_t depth = 0, i = 0;
    bool visible = false;
    while (i < len) {
        int32_t cp = decode_one(u, len, &i);
        if (cp < 0) {
            return VALIDATE_TITLE_BAD_TEXT;
        }
        bool opens_embedding = (cp >= 0x202A && cp <= 0x202B) || (cp >= 0x202D && cp <= 0x202E);
        bool opens_isolate = cp >= 0x2066 && cp <= 0x2068;
        if (opens_embedding || opens_isolate) {
            if (depth == BIDI_MAX_DEPTH) {
                return VALIDATE_TITLE_UNBALANCED_BIDI;
            }
            isolate[depth++] = opens_isolate;
        } else if (cp == 0x202C || cp == 0x2069) {
            if (depth == 0 || isolate[depth - 1] != (cp == 0x2069)) {
                return VALIDATE_TITLE_UNBALANCED_BIDI;
            }
            depth--;
        } else if (!validate_is_invisible((unsigned long)cp)) {
            visible = true;
        }
    }
    if (depth != 0) {
        return VALIDATE_TITLE_UNBALANCED_BIDI;
    }
    return visible ? VALIDATE_TITLE_OK : VALIDATE_TITLE_NO_VISIBLE;
}
