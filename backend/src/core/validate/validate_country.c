/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * ISO 3166-1 alpha-2 membership: a binary search over the generated table
 * (iso3166_table.c), which lists only officially assigned codes.
 */
#include <stdlib.h>
#include <string.h>

#include "validate.h"
#include "validate_int.h"

static int cmp_code(const void *key, const void *elem)
{
    return memcmp(key, elem, 2);
}

bool validate_country(const char *code, size_t len, char upper[3])
{
    if (len != 2) {
        return false;
    }
    char up[3];
    for (size_t i = 0; i < 2; i++) {
        char c = code[i];
        if (c >= 'a' && c <= 'z') {
            c = (char)(c - ('a' - 'A'));
        }
        if (c < 'A' || c > 'Z') {
            return false;
        }
        up[i] = c;
    }
    up[2] = '\0';
    if (bsearch(up, validate_iso3166_codes, validate_iso3166_count,
                sizeof validate_iso3166_codes[0], cmp_code) == NULL) {
        return false;
    }
    if (upper != NULL) {
        memcpy(upper, up, 3);
    }
    return true;
}
