/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libFuzzer target for the server-side text checks of core/validate and
 * the parsers of core/base the body specs use (Pnyx renders no Markdown on
 * the server: texts are stored as sent and checked by these). The first
 * input byte picks the check, the rest is the text. Besides "no crash, no
 * sanitizer report" each checks a property and aborts when it breaks:
 *  0 validate_text_length: a count ⇒ well-formed UTF-8 (validate_utf8 and
 *    base_utf8_valid agree) with as many code points as lead bytes
 *  1 validate_title: OK ⇒ well-formed UTF-8 with a code point that
 *    validate_is_invisible does not list
 *  2 validate_display_name: true ⇒ validate_title finds it well-formed
 *  3 validate_email: true ⇒ a NUL-terminated address of ≤ 254 bytes, no
 *    upper-case ASCII, that validates again to itself
 *  4 validate_country: true ⇒ two capital letters that validate again
 *  5 validate_language_tag: true ⇒ ≤ 64 bytes of ASCII letters, digits, '-'
 *  6 validate_password (+ is_common): OK ⇒ 10..256 code points
 *  7 validate_throttle_key: a NUL-terminated key within its buffer
 *  8 base_rfc3339_parse: success ⇒ formatting the seconds and parsing
 *    again gives the same seconds (years 0000..9999)
 * replay_corpus.c runs the same function over tests/fuzz/corpus-validate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base.h"
#include "core/validate/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t lead_bytes(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    }
    return c;
}

static void fuzz_text(const char *s, size_t n)
{
    size_t len = validate_text_length(s, n);
    bool utf8 = validate_utf8(s, n);
    if (utf8 != base_utf8_valid(s, n)) {
        abort();
    }
    if (len != (size_t)-1 && (!utf8 || len != lead_bytes(s, n))) {
        abort();
    }
    if (utf8 && base_utf8_count(s, n) != lead_bytes(s, n)) {
        abort();
    }
}

static void fuzz_title(const char *s, size_t n)
{
    if (validate_title(s, n) != VALIDATE_TITLE_OK) {
        return;
    }
    if (!validate_utf8(s, n)) {
        abort();
    }
    size_t i = 0;
    bool visible = false;
    while (i < n && !visible) {
        int32_t cp = base_utf8_next(s, n, &i);
        visible = cp >= 0 && !validate_is_invisible((unsigned long)cp);
    }
    if (!visible) {
        abort();
    }
}

static void fuzz_email(const char *s, size_t n)
{
    char out[VALIDATE_EMAIL_MAX + 2];
    char *big = malloc(n + 1);
    if (big == NULL) {
        abort();
    }
    if (validate_email(s, n, big, n + 1)) {
        size_t len = strnlen(big, n + 1);
        if (len > n || len > VALIDATE_EMAIL_MAX) {
            abort();
        }
        for (size_t i = 0; i < len; i++) {
            if (big[i] >= 'A' && big[i] <= 'Z') {
                abort();
            }
        }
        if (!validate_email(big, len, out, sizeof out) || strcmp(out, big) != 0) {
            abort();
        }
    }
    free(big);
}

static void fuzz_country(const char *s, size_t n)
{
    char up[3], again[3];
    if (!validate_country(s, n, up)) {
        return;
    }
    if (up[0] < 'A' || up[0] > 'Z' || up[1] < 'A' || up[1] > 'Z' || up[2] != '\0' ||
        !validate_country(up, 2, again) || strcmp(up, again) != 0) {
        abort();
    }
}

static void fuzz_language(const char *s, size_t n)
{
    if (!validate_language_tag(s, n)) {
        return;
    }
    if (n == 0 || n > VALIDATE_LANGUAGE_TAG_MAX) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-')) {
            abort();
        }
    }
}

static void fuzz_throttle(const char *s, size_t n)
{
    char *z = malloc(n + 1);
    if (z == NULL) {
        abort();
    }
    memcpy(z, s, n);
    z[n] = '\0';
    char key[VALIDATE_THROTTLE_KEY_MAX];
    memset(key, 'x', sizeof key);
    validate_throttle_key(z, key);
    if (memchr(key, '\0', sizeof key) == NULL) {
        abort();
    }
    free(z);
}

static void fuzz_rfc3339(const char *s, size_t n)
{
    int64_t t;
    if (base_rfc3339_parse(s, n, &t) != 0) {
        return;
    }
    char out[BASE_RFC3339_MAX];
    size_t len = base_rfc3339_format(t, -1, out);
    int64_t t2;
    if (len > 0 && (base_rfc3339_parse(out, len, &t2) != 0 || t2 != t)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 9) {
    case 0:
        fuzz_text(s, n);
        break;
    case 1:
        fuzz_title(s, n);
        break;
    case 2:
        if (validate_display_name(s, n) && validate_title(s, n) == VALIDATE_TITLE_BAD_TEXT) {
            abort();
        }
        break;
    case 3:
        fuzz_email(s, n);
        break;
    case 4:
        fuzz_country(s, n);
        break;
    case 5:
        fuzz_language(s, n);
        break;
    case 6:
        (void)validate_password_is_common(s, n);
        if (validate_password(s, n) == VALIDATE_PASSWORD_OK) {
            size_t cps = base_utf8_count(s, n);
            if (cps < VALIDATE_PASSWORD_MIN || cps > VALIDATE_PASSWORD_MAX) {
                abort();
            }
        }
        break;
    case 7:
        fuzz_throttle(s, n);
        break;
    default:
        fuzz_rfc3339(s, n);
        break;
    }
    return 0;
}
