/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_accounts.c — registration. Decode (shape and types → 400) →
 * validate every rule, collecting all broken ones (→ 422 with a field
 * list) → argon2id hash (outside any transaction) → one INSERT. The
 * one-account-per-address guarantee is the UNIQUE index on lower(email):
 * of N concurrent registrations exactly one INSERT commits, the others get
 * 23505 and answer 409.
 */
#include "api/api_accounts.h"

#include <string.h>
#include <strings.h>

#include "api/api_sessions.h"
#include "api/auth.h"
#include "core/validate/validate.h"
#include "db/db_login.h"
#include "platform/crypto.h"
#include "platform/log.h"
#include "platform/password.h"

json_t *api_account_to_json(const struct db_account *acc)
{
    json_t *langs = json_loads(acc->languages_json ? acc->languages_json : "", 0, NULL);
    if (langs == NULL || !json_is_array(langs)) {
        json_decref(langs);
        return NULL;
    }
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s}", "id", (json_int_t)acc->id, "email",
                     acc->email, "display_name", acc->display_name, "country", acc->country,
                     "languages", langs, "created_at", acc->created_at);
}

static const char *const members[] = {"email", "password", "display_name", "country", "languages"};

/* 400 unless the body is an object with only known members, each of the
 * right JSON type when present. */
static int check_shape(json_t *body, struct api_reply *out)
{
    if (!json_is_object(body)) {
        return api_problem(out, API_E_BAD_REQUEST, "the body must be a JSON object"), -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        size_t i = 0;
        while (i < PNYX_ARRAY_LEN(members) && strcmp(key, members[i]) != 0) {
            i++;
        }
        if (i == PNYX_ARRAY_LEN(members)) {
            return api_problem(out, API_E_BAD_REQUEST, "unknown member in the body"), -1;
        }
        if (i == 4 ? !json_is_array(v) : !json_is_string(v)) {
            return api_problem(out, API_E_BAD_REQUEST,
                               i == 4 ? "languages must be an array of strings"
                                      : "email, password, display_name and country are strings"),
                   -1;
        }
    }
    json_t *langs = json_object_get(body, "languages");
    size_t idx;
    json_array_foreach(langs, idx, v)
    {
        if (!json_is_string(v)) {
            return api_problem(out, API_E_BAD_REQUEST, "languages must be an array of strings"), -1;
        }
    }
    return 0;
}

static const char *str(const json_t *body, const char *key, size_t *len)
{
    json_t *v = json_object_get(body, key);
    *len = v ? json_string_length(v) : 0;
    return v ? json_string_value(v) : NULL;
}

struct reg {
    char email[VALIDATE_EMAIL_MAX + 1];
    char country[3];
    const char *password;
    size_t password_len;
    const char *display_name;
    json_t *langs; /* borrowed from the body */
};

static void check_languages(struct reg *r, json_t *fields)
{
    size_t n = json_array_size(r->langs);
    if (n < VALIDATE_LANGUAGES_MIN) {
        api_field_error(fields, "languages", "too_few", "give at least one language");
        return;
    }
    if (n > VALIDATE_LANGUAGES_MAX) {
        api_field_error(fields, "languages", "too_many", "give at most 10 languages");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(r->langs, i);
        char field[32];
        snprintf(field, sizeof field, "languages/%zu", i);
        if (!validate_language_tag(json_string_value(v), json_string_length(v))) {
            api_field_error(fields, field, "invalid", "not a well-formed BCP 47 language tag");
            continue;
        }
        for (size_t k = 0; k < i; k++) {
            if (strcasecmp(json_string_value(json_array_get(r->langs, k)), json_string_value(v)) ==
                0) {
                api_field_error(fields, field, "duplicate", "this language is already listed");
                break;
            }
        }
    }
}

static void check_rules(json_t *body, struct reg *r, json_t *fields)
{
    size_t len;
    const char *s = str(body, "email", &len);
    if (s == NULL) {
        api_field_error(fields, "email", "required", "an e-mail address is required");
    } else if (len > VALIDATE_EMAIL_MAX) {
        api_field_error(fields, "email", "too_long", "at most 254 bytes");
    } else if (!validate_email(s, len, r->email, sizeof r->email)) {
        api_field_error(fields, "email", "invalid", "not a valid e-mail address");
    }
    r->password = str(body, "password", &r->password_len);
    static const char *const pw_code[] = {
        [VALIDATE_PASSWORD_BAD_TEXT] = "invalid",
        [VALIDATE_PASSWORD_TOO_SHORT] = "too_short",
        [VALIDATE_PASSWORD_TOO_LONG] = "too_long",
        [VALIDATE_PASSWORD_COMMON] = "too_common",
    };
    static const char *const pw_msg[] = {
        [VALIDATE_PASSWORD_BAD_TEXT] = "must be UTF-8 text without control characters",
        [VALIDATE_PASSWORD_TOO_SHORT] = "at least 10 characters",
        [VALIDATE_PASSWORD_TOO_LONG] = "at most 256 characters",
        [VALIDATE_PASSWORD_COMMON] = "this password is too common",
    };
    enum validate_password_result pr;
    if (r->password == NULL) {
        api_field_error(fields, "password", "required", "a password is required");
    } else if ((pr = validate_password(r->password, r->password_len)) != VALIDATE_PASSWORD_OK) {
        api_field_error(fields, "password", pw_code[pr], pw_msg[pr]);
    }
    r->display_name = str(body, "display_name", &len);
    size_t n = r->display_name ? validate_text_length(r->display_name, len) : 0;
    if (r->display_name == NULL) {
        api_field_error(fields, "display_name", "required", "a display name is required");
    } else if (n == (size_t)-1) {
        api_field_error(fields, "display_name", "invalid",
                        "must be UTF-8 text without control characters");
    } else if (n < VALIDATE_DISPLAY_NAME_MIN) {
        api_field_error(fields, "display_name", "too_short", "at least 1 character");
    } else if (n > VALIDATE_DISPLAY_NAME_MAX) {
        api_field_error(fields, "display_name", "too_long", "at most 80 characters");
    }
    s = str(body, "country", &len);
    if (s == NULL) {
        api_field_error(fields, "country", "required", "a country is required");
    } else if (!validate_country(s, len, r->country)) {
        api_field_error(fields, "country", "invalid", "not an ISO 3166-1 alpha-2 country code");
    }
    r->langs = json_object_get(body, "languages");
    if (r->langs == NULL) {
        api_field_error(fields, "languages", "required", "give at least one language");
    } else {
        check_languages(r, fields);
    }
}

struct reg_txn {
    struct arena *a;
    struct db_account *acc;
    uint8_t device_hash[PNYX_SHA256_BYTES];
    int64_t now_us, stale_us;
};

/* The account and its first device (the registering browser: it knows the
 * password it just chose), in one transaction. Registration is never
 * subject to the login throttle; the device cookie also lets the login that
 * follows it through any lock of the address or of a previously attacked
 * e-mail address. */
static enum db_status reg_txn_cb(struct db_conn *c, void *cls)
{
    struct reg_txn *t = cls;
    enum db_status st = db_account_insert(c, t->a, t->acc);
    if (st == DB_OK) {
        st = db_login_device_remember(c, t->a, t->acc->id, t->device_hash, t->now_us, t->stale_us);
    }
    return st;
}

int api_accounts_create(struct api_req *rq, struct api_reply *out)
{
    if (api_auth_check_origin(rq, out) != 0 || check_shape(rq->body, out) != 0) {
        return 0;
    }
    struct reg r;
    memset(&r, 0, sizeof r);
    json_t *fields = json_array();
    if (fields == NULL) {
        return -1;
    }
    check_rules(rq->body, &r, fields);
    if (json_array_size(fields) > 0) {
        return api_problem_fields(out, API_E_VALIDATION, fields);
    }
    json_decref(fields);
    char phc[PASSWORD_PHC_MAX];
    char *langs = json_dumps(r.langs, JSON_COMPACT);
    if (langs == NULL || api_auth_crypto_ready(rq->cfg) != 0 ||
        password_hash(r.password, r.password_len, phc, sizeof phc) != 0) {
        free(langs);
        log_error("registration: password hashing unavailable");
        return -1;
    }
    struct db_account acc = {.email = r.email,
                             .display_name = r.display_name,
                             .password_hash = phc,
                             .country = r.country,
                             .languages_json = arena_strdup(rq->arena, langs)};
    free(langs);
    struct reg_txn t = {.a = rq->arena,
                        .acc = &acc,
                        .now_us = rq->now_us,
                        .stale_us = rq->now_us - rq->cfg->device_max_age * 1000000};
    char device[PNYX_TOKEN_CHARS + 1];
    pnyx_crypto_token_new(device, t.device_hash);
    enum db_status st = db_run_txn(rq->db, "account_create", reg_txn_cb, &t);
    if (st == DB_CONFLICT) {
        json_t *f = json_array();
        if (f != NULL) {
            api_field_error(f, "email", "taken", "this e-mail address is already registered");
        }
        return f ? api_problem_fields(out, API_E_EMAIL_TAKEN, f) : -1;
    }
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    api_reply_json(out, 201, api_account_to_json(&acc));
    api_reply_header(out, "Set-Cookie", api_sessions_device_cookie(rq, device));
    return 0;
}
