/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * New-password rules: length in code points and the common-password list
 * (common_passwords.c, generated from Openwall's password.lst).
 */
#include <stdlib.h>
#include <string.h>

#include "validate.h"
#include "validate_int.h"

struct key {
    const char *s;
    size_t len;
};

/* Compares the ASCII-lower-cased key with a (lower-case) list entry the way
 * strcmp would order them, without copying the key. */
static int cmp_folded(const void *kp, const void *ep)
{
    const struct key *k = kp;
    const unsigned char *e = *(const unsigned char *const *)ep;
    for (size_t i = 0;; i++) {
        if (i == k->len) {
            return e[i] == '\0' ? 0 : -1;
        }
        unsigned char c = (unsigned char)k->s[i];
        if (c >= 'A' && c <= 'Z') {
            c = (unsigned char)(c + ('a' - 'A'));
        }
        if (e[i] == '\0' || c > e[i]) {
            return 1;
        }
        if (c < e[i]) {
            return -1;
        }
    }
}

bool validate_password_is_common(const char *s, size_t len)
{
    struct key k = {s, len};
    return bsearch(&k, validate_common_passwords, validate_common_password_count,
                   sizeof validate_common_passwords[0], cmp_folded) != NULL;
}

enum validate_password_result validate_password(const char *s, size_t len)
{
    /* Bound the work before decoding: 256 code points are at most 1024 bytes. */
    if (len > (size_t)VALIDATE_PASSWORD_MAX * 4) {
        return VALIDATE_PASSWORD_TOO_LONG;
    }
    size_t n = validate_text_length(s, len);
    if (n == (size_t)-1) {
        return VALIDATE_PASSWORD_BAD_TEXT;
    }
    if (n < VALIDATE_PASSWORD_MIN) {
        return VALIDATE_PASSWORD_TOO_SHORT;
    }
    if (n > VALIDATE_PASSWORD_MAX) {
        return VALIDATE_PASSWORD_TOO_LONG;
    }
    if (validate_password_is_common(s, len)) {
        return VALIDATE_PASSWORD_COMMON;
    }
    return VALIDATE_PASSWORD_OK;
}
