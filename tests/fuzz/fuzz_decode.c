/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libFuzzer target for the request-body path every route shares: the
 * depth pre-scan and Jansson parse of http/body.c, then the declarative
 * decoder of api/decode.c with one route's spec, then the 400/422 problem
 * it writes. The first input byte picks the spec among every entry of
 * api_body_spec_lists (api/body_specs.h: each POST, PUT and PATCH route's
 * spec), the rest is the body (empty = no body).
 *
 * Besides "no crash, no sanitizer report, no leak" it checks what the
 * decoder promises (decode.h) and aborts when a promise breaks:
 *  - decode_body returns 0 exactly when decode_finish writes no problem;
 *    a problem is 400 or 422 with at most API_FIELDS_MAX field errors;
 *  - a member not in the table, or a required member absent, is an error;
 *  - on success every member stored obeys its field's rules: the type;
 *    strings are the body's own bytes, within min/max code points and
 *    max_bytes, without the control characters their text kind forbids,
 *    one of the allowed values, of the format; integers in range; lists
 *    within their item counts.
 * A decoded `advancement` member (PATCH/POST assemblies) also goes through
 * the nested decoder api_advancement_decode: valid ⇒ a rule with
 * positive bounds, or none; invalid ⇒ field errors under "advancement".
 * (The other nested decoders — a question's options, a selection's quotas
 * and pool rows — are static in their handler files and not reached.)
 * The seeds are named NN_what: NN is the first byte, the spec's index in
 * list order (body_specs.c, then each file's order); a new entry shifts
 * the later ones, which only changes the spec a seed is tried with.
 * replay_corpus.c runs the same function over tests/fuzz/corpus-decode
 * under ctest in every build.
 */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api_proposals.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "core/validate/validate.h"
#include "http/http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The specs in list order (several entries may share one). Why 64: there
 * are ~30 today; the init aborts when a new one does not fit. */
#define MAX_SPECS 64
static const struct decode_spec *specs[MAX_SPECS];
static size_t n_specs;

/* Each spec's destination struct; its size is checked against the
 * largest offset of any field at init. */
static alignas(max_align_t) unsigned char dst[16384];

static void init(void)
{
    if (n_specs > 0) {
        return;
    }
    for (const struct api_body_spec *const *l = api_body_spec_lists; *l != NULL; l++) {
        for (const struct api_body_spec *b = *l; b->route != NULL; b++) {
            if (b->spec == NULL) {
                continue;
            }
            if (n_specs == MAX_SPECS) {
                abort();
            }
            for (size_t i = 0; i < b->spec->n; i++) {
                if (b->spec->fields[i].offset + sizeof(struct decode_int) > sizeof dst) {
                    abort();
                }
            }
            specs[n_specs++] = b->spec;
        }
    }
    if (n_specs == 0) {
        abort();
    }
}

static void check_string(const struct decode_field *f, const char *s, size_t len)
{
    if (!validate_utf8(s, len)) {
        abort();
    }
    if (f->text != DECODE_TEXT_ANY) {
        bool ml = f->text == DECODE_TEXT_MULTILINE;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            bool brk = c == '\t' || c == '\n' || c == '\r';
            if ((c < 0x20 || c == 0x7F) && !(ml && brk)) {
                abort();
            }
            /* C1 controls: U+0080..U+009F are C2 80..C2 9F in UTF-8 */
            if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9F) {
                abort();
            }
        }
    }
    size_t cps = 0;
    for (size_t i = 0; i < len; i++) {
        cps += ((unsigned char)s[i] & 0xC0) != 0x80;
    }
    if (cps < f->min_chars || (f->max_chars > 0 && cps > f->max_chars) ||
        (f->max_bytes > 0 && len > f->max_bytes)) {
        abort();
    }
    if (f->text == DECODE_TEXT_TITLE && validate_title(s, len) != VALIDATE_TITLE_OK) {
        abort();
    }
    if (f->one_of != NULL) {
        const char *const *v = f->one_of;
        while (*v != NULL && strcmp(*v, s) != 0) {
            v++;
        }
        if (*v == NULL) {
            abort();
        }
    }
    if (f->format_ok != NULL && !f->format_ok(s, len)) {
        abort();
    }
}

/* The decode succeeded: every member present obeys its field. */
static void check_stored(const struct decode_spec *spec, json_t *body)
{
    for (size_t i = 0; i < spec->n; i++) {
        const struct decode_field *f = &spec->fields[i];
        json_t *v = json_object_get(body, f->name);
        if (v == NULL) {
            if (f->required) {
                abort();
            }
            continue;
        }
        const unsigned char *p = dst + f->offset;
        switch (f->type) {
        case DECODE_STRING: {
            const char *s;
            memcpy(&s, p, sizeof s);
            if (s != json_string_value(v)) {
                abort();
            }
            check_string(f, s, json_string_length(v));
            break;
        }
        case DECODE_INTEGER: {
            struct decode_int d;
            memcpy(&d, p, sizeof d);
            if (!d.set || d.v != json_integer_value(v) ||
                (f->int_range && (d.v < f->min || d.v > f->max))) {
                abort();
            }
            break;
        }
        case DECODE_BOOLEAN: {
            struct decode_bool d;
            memcpy(&d, p, sizeof d);
            if (!d.set || d.v != json_is_true(v)) {
                abort();
            }
            break;
        }
        case DECODE_STRING_LIST: {
            json_t *l;
            memcpy(&l, p, sizeof l);
            size_t n = json_array_size(v);
            if (l != v || n < f->min_items || (f->max_items > 0 && n > f->max_items)) {
                abort();
            }
            for (size_t k = 0; k < n; k++) {
                json_t *item = json_array_get(v, k);
                check_string(f, json_string_value(item), json_string_length(item));
            }
            break;
        }
        case DECODE_OBJECT_OR_NULL:
        case DECODE_JSON: {
            json_t *j;
            memcpy(&j, p, sizeof j);
            if (j != v) {
                abort();
            }
            break;
        }
        }
    }
    /* no member outside the table */
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val)
    {
        size_t i = 0;
        while (i < spec->n && strcmp(spec->fields[i].name, key) != 0) {
            i++;
        }
        if (i == spec->n) {
            abort();
        }
    }
}

static void check_advancement(json_t *body)
{
    json_t *v = json_object_get(body, "advancement");
    if (v == NULL) {
        return;
    }
    struct api_advancement adv;
    memset(&adv, 0, sizeof adv);
    json_t *errs = json_array();
    if (errs == NULL) {
        abort();
    }
    int rc = api_advancement_decode(v, &adv, errs);
    if ((rc == 0) != (json_array_size(errs) == 0)) {
        abort();
    }
    for (size_t i = 0; i < json_array_size(errs); i++) {
        const char *field = json_string_value(json_object_get(json_array_get(errs, i), "field"));
        if (field == NULL || strncmp(field, "advancement", 11) != 0) {
            abort();
        }
    }
    if (rc == 0 && adv.on && (adv.min_endorsements < 0 || adv.min_countries < 0)) {
        abort();
    }
    json_decref(errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    if (size == 0) {
        return 0;
    }
    const struct decode_spec *spec = specs[data[0] % n_specs];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    json_t *body = NULL;
    if (len > 0) {
        char why[256];
        if (body_parse_json(text, len, &body, why, sizeof why) != 0) {
            if (body != NULL || memchr(why, '\0', sizeof why) == NULL) {
                abort();
            }
            return 0;
        }
    }
    struct api_req rq;
    memset(&rq, 0, sizeof rq);
    rq.body = body;
    memset(dst, 0, sizeof dst);
    struct decode_errors e;
    int rc = decode_body(&rq, spec, dst, &e);
    if (rc == 0) {
        if (body != NULL) {
            check_stored(spec, body);
            check_advancement(body);
        } else if (!spec->body_optional) {
            abort();
        }
    }
    struct api_reply out;
    memset(&out, 0, sizeof out);
    int frc = decode_finish(&e, &out);
    if ((rc == 0) != (frc == 0)) {
        abort();
    }
    if (frc != 0) {
        json_t *fields = json_object_get(out.json, "fields");
        if ((out.status != 400 && out.status != 422) || !json_is_array(fields) ||
            json_array_size(fields) == 0 || json_array_size(fields) > API_FIELDS_MAX) {
            abort();
        }
        char *s = json_dumps(out.json, JSON_COMPACT);
        if (s == NULL) {
            abort();
        }
        free(s);
    }
    json_decref(out.json);
    json_decref(body);
    return 0;
}
