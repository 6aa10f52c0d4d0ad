/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * E-mail address syntax and normalisation. Deliberately narrower than
 * RFC 5322 (no quoted strings, comments or address literals): addresses
 * that mail providers actually hand out, in a form safe to show and store.
 * Case folding is ASCII only; the local part may carry UTF-8 (RFC 6531),
 * which is kept as sent.
 */
#include <string.h>

#include "validate.h"

/* RFC 5322 atext minus ALPHA/DIGIT. */
static bool is_atext(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

static bool local_ok(const unsigned char *s, size_t n)
{
    if (n == 0 || n > VALIDATE_EMAIL_LOCAL_MAX || s[0] == '.' || s[n - 1] == '.') {
        return false;
    }
    bool has_utf8 = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') { /* i + 1 < n: the last byte is not a dot */
                return false;
            }
        } else if (s[i] >= 0x80) {
            has_utf8 = true;
        } else if (!is_atext(s[i])) {
            return false;
        }
    }
    /* Non-ASCII bytes must form well-formed, control-free UTF-8. */
    return !has_utf8 || validate_text_length((const char *)s, n) != (size_t)-1;
}

static bool domain_ok(const unsigned char *s, size_t n)
{
    size_t labels = 0, start = 0;
    bool last_all_digits = false;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            if (!is_ldh(s[i])) {
                return false;
            }
            continue;
        }
        size_t len = i - start;
        if (len == 0 || len > VALIDATE_DNS_LABEL_MAX || s[start] == '-' || s[i - 1] == '-') {
            return false;
        }
        last_all_digits = true;
        for (size_t k = start; k < i; k++) {
            if (s[k] < '0' || s[k] > '9') {
                last_all_digits = false;
            }
        }
        labels++;
        start = i + 1;
    }
    /* A bare host ("user@localhost") is not an Internet address, and an
     * all-numeric top label is an IPv4 address in disguise. */
    return labels >= 2 && !last_all_digits;
}

bool validate_email(const char *in, size_t len, char *out, size_t out_size)
{
    const unsigned char *s = (const unsigned char *)in;
    if (len == 0 || len > VALIDATE_EMAIL_MAX || out_size < len + 1) {
        return false;
    }
    const unsigned char *at = memchr(s, '@', len);
    if (at == NULL || memchr(at + 1, '@', len - (size_t)(at - s) - 1) != NULL) {
        return false;
    }
    size_t local_len = (size_t)(at - s);
    if (!local_ok(s, local_len) || !domain_ok(at + 1, len - local_len - 1)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    out[len] = '\0';
    return true;
}
