/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_accounts.c — registration. Decode and validate with the body's
 * rule table (api/decode.h: wrong types → 400, broken rules → 422 with
 * every broken field) → argon2id hash (outside any transaction) → one INSERT. The
 * one-account-per-address guarantee is the UNIQUE index on lower(email):
 * of N concurrent registrations exactly one INSERT commits, the others get
 * 23505 and answer 409.
 */
#include "api/api_accounts.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_records.h"
#include "api/api_sessions.h"
#include "api/auth.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "core/validate/validate.h"
#include "db/db_login.h"
#include "platform/crypto.h"
#include "platform/log.h"
#include "platform/password.h"

/* --- the body's rules ------------------------------------------------------ */

struct reg_body {
    const char *email, *password, *display_name, *country;
    json_t *languages; /* borrowed from the body */
};

static bool email_ok(const char *s, size_t len)
{
    char buf[VALIDATE_EMAIL_MAX + 1];
    return len <= VALIDATE_EMAIL_MAX && validate_email(s, len, buf, sizeof buf);
}

static bool country_ok(const char *s, size_t len)
{
    return validate_country(s, len, NULL);
}

static bool language_ok(const char *s, size_t len)
{
    return validate_language_tag(s, len);
}

static void password_check(const char *s, size_t len, struct decode_verdict *v)
{
    switch (validate_password(s, len)) {
    case VALIDATE_PASSWORD_OK:
        return;
    case VALIDATE_PASSWORD_BAD_TEXT:
        v->code = "control_characters";
        return;
    case VALIDATE_PASSWORD_TOO_SHORT:
        v->code = "too_short";
        v->params = json_pack("{s:i}", "min", VALIDATE_PASSWORD_MIN);
        return;
    case VALIDATE_PASSWORD_TOO_LONG:
        v->code = "too_long";
        v->params = json_pack("{s:i}", "max", VALIDATE_PASSWORD_MAX);
        return;
    case VALIDATE_PASSWORD_COMMON:
        v->code = "too_common";
        v->message = "this password is too common";
        return;
    }
}

static const struct decode_field reg_fields[] = {
    {.name = "email",
     .type = DECODE_STRING,
     .required = true,
     .text = DECODE_TEXT_ANY,
     .max_bytes = VALIDATE_EMAIL_MAX,
     .format = "email",
     .format_ok = email_ok,
     .offset = offsetof(struct reg_body, email)},
    {.name = "password",
     .type = DECODE_STRING,
     .required = true,
     .text = DECODE_TEXT_ANY,
     .check = password_check,
     .offset = offsetof(struct reg_body, password)},
    {.name = "display_name",
     .type = DECODE_STRING,
     .required = true,
     .text = DECODE_TEXT_TITLE,
     .min_chars = VALIDATE_DISPLAY_NAME_MIN,
     .max_chars = VALIDATE_DISPLAY_NAME_MAX,
     .offset = offsetof(struct reg_body, display_name)},
    {.name = "country",
     .type = DECODE_STRING,
     .required = true,
     .text = DECODE_TEXT_ANY,
     .format = "country",
     .format_ok = country_ok,
     .offset = offsetof(struct reg_body, country)},
    {.name = "languages",
     .type = DECODE_STRING_LIST,
     .required = true,
     .text = DECODE_TEXT_ANY,
     .min_items = VALIDATE_LANGUAGES_MIN,
     .max_items = VALIDATE_LANGUAGES_MAX,
     .unique_ci = true,
     .format = "language_tag",
     .format_ok = language_ok,
     .offset = offsetof(struct reg_body, languages)},
};
static const struct decode_spec reg_spec = DECODE_SPEC(reg_fields);

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
static void reg_txn_reset(void *cls)
{
    struct reg_txn *t = cls;
    t->acc->id = 0;
    t->acc->created_at = NULL;
}

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
    struct reg_body b = {0};
    if (api_auth_check_origin(rq, out) != 0 || decode_or_fail(rq, out, &reg_spec, &b) != 0) {
        return 0;
    }
    /* Normalised forms (the rules above already passed). */
    char email[VALIDATE_EMAIL_MAX + 1], country[3];
    if (!validate_email(b.email, strlen(b.email), email, sizeof email) ||
        !validate_country(b.country, strlen(b.country), country)) {
        return -1;
    }
    size_t password_len = strlen(b.password);
    char phc[PASSWORD_PHC_MAX];
    char *langs = json_dumps(b.languages, JSON_COMPACT);
    if (langs == NULL || api_auth_crypto_ready(rq->cfg) != 0 ||
        password_hash(b.password, password_len, phc, sizeof phc) != 0) {
        free(langs);
        log_error("registration: password hashing unavailable");
        return -1;
    }
    struct db_account acc = {.email = email,
                             .display_name = b.display_name,
                             .password_hash = phc,
                             .country = country,
                             .languages_json = arena_strdup(rq->arena, langs)};
    free(langs);
    struct reg_txn t = {.a = rq->arena,
                        .acc = &acc,
                        .now_us = rq->now_us,
                        .stale_us = rq->now_us - rq->cfg->device_max_age * 1000000};
    char device[PNYX_TOKEN_CHARS + 1];
    pnyx_crypto_token_new(device, t.device_hash);
    enum db_status st = db_run_txn(rq->db, "account_create", reg_txn_cb, reg_txn_reset, &t);
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
    api_reply_json(out, 201, api_account_json(&acc));
    api_reply_header(out, "Set-Cookie", api_sessions_device_cookie(rq, device));
    return 0;
}

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_accounts_bodies[] = {
    {"POST /api/v1/accounts", &reg_spec},
    {NULL, NULL},
};
