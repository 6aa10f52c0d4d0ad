/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libFuzzer target for the canonical JSON encoder of core/audit (RFC 8785,
 * jcs.h): the jcs_buf builder that writes every audit entry and board
 * entry, and jcs_format_double. (jcs_canonicalize, the parser side, is
 * fuzz_audit's target 0.) The first input byte picks:
 *  0 jcs_format_double on the next 8 bytes as a double: finite ⇒ a
 *    non-empty number that strtod reads back as the same value (-0 → "0")
 *    and that jcs_canonicalize leaves unchanged; NaN/±Inf ⇒ "" and 0
 *  1 the builder driven by the input as a program (one op byte, then its
 *    operand): whenever jcs_buf_finish accepts what was written, the
 *    output is canonical — jcs_canonicalize gives the same bytes back.
 * Build: -DPNYX_FUZZ=ON with clang (tests/audit/CMakeLists.txt); ctest
 * replays tests/audit/fuzz-seeds-jcs in every build.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit/jcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_double(const uint8_t *d, size_t n)
{
    if (n < 8) {
        return;
    }
    double v;
    memcpy(&v, d, sizeof v);
    char out[JCS_NUMBER_MAX];
    size_t len = jcs_format_double(v, out);
    if (!isfinite(v)) {
        if (len != 0 || out[0] != '\0') {
            abort();
        }
        return;
    }
    if (len == 0 || len >= JCS_NUMBER_MAX || strlen(out) != len) {
        abort();
    }
    char *end;
    double back = strtod(out, &end);
    if (*end != '\0' || back != v || (v == 0 && strcmp(out, "0") != 0)) {
        abort();
    }
    char *canon = NULL;
    size_t clen = 0;
    if (jcs_canonicalize(out, len, &canon, &clen, NULL) != AUDIT_OK || clen != len ||
        memcmp(canon, out, len) != 0) {
        abort();
    }
    free(canon);
}

/* Takes up to 16 bytes of operand text (the length is the next byte). */
static size_t operand(const uint8_t **d, size_t *n, const char **s)
{
    if (*n == 0) {
        *s = "";
        return 0;
    }
    size_t k = (size_t)(**d % 17);
    (*d)++;
    (*n)--;
    if (k > *n) {
        k = *n;
    }
    *s = (const char *)*d;
    *d += k;
    *n -= k;
    return k;
}

static uint64_t operand64(const uint8_t **d, size_t *n)
{
    uint64_t v = 0;
    size_t k = *n < 8 ? *n : 8;
    memcpy(&v, *d, k);
    *d += k;
    *n -= k;
    return v;
}

static void fuzz_builder(const uint8_t *d, size_t n)
{
    struct jcs_buf b;
    jcs_buf_init(&b);
    unsigned ops = 0;
    while (n > 0 && ops++ < 256) {
        uint8_t op = *d++;
        n--;
        const char *s;
        size_t k;
        switch (op % 12) {
        case 0:
            jcs_obj_begin(&b);
            break;
        case 1:
            jcs_obj_end(&b);
            break;
        case 2:
            jcs_arr_begin(&b);
            break;
        case 3:
            jcs_arr_end(&b);
            break;
        case 4:
            k = operand(&d, &n, &s);
            jcs_keyn(&b, s, k);
            break;
        case 5:
            k = operand(&d, &n, &s);
            jcs_strn(&b, s, k);
            break;
        case 6:
            jcs_int(&b, (int64_t)operand64(&d, &n));
            break;
        case 7:
            jcs_uint(&b, operand64(&d, &n) >> (op >> 4));
            break;
        case 8: {
            uint64_t bits = operand64(&d, &n);
            double v;
            memcpy(&v, &bits, sizeof v);
            jcs_double(&b, v);
            break;
        }
        case 9:
            jcs_bool(&b, op & 0x80);
            break;
        case 10:
            jcs_null(&b);
            break;
        default:
            k = operand(&d, &n, &s);
            jcs_json(&b, s, k);
            break;
        }
    }
    if (jcs_buf_finish(&b) == AUDIT_OK) {
        char *canon = NULL;
        size_t clen = 0;
        if (jcs_canonicalize(b.data, b.len, &canon, &clen, NULL) != AUDIT_OK || clen != b.len ||
            memcmp(canon, b.data, clen) != 0) {
            abort();
        }
        free(canon);
    }
    jcs_buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    if (data[0] % 2 == 0) {
        fuzz_double(data + 1, size - 1);
    } else {
        fuzz_builder(data + 1, size - 1);
    }
    return 0;
}
