/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_sessions.c — log in and log out.
 *
 * Login throttling follows OWASP's authentication cheat sheet, and is
 * decided BEFORE any hashing (a throttled attacker costs a few indexed
 * statements, not 40 ms of argon2), by gates that count the attempt itself
 * atomically in PostgreSQL (db/db_login.h), so concurrent attempts never
 * slip past a limit:
 *  - per account (the normalised address, whether or not an account has
 *    it): PNYX_LOGIN_MAX_FAILURES attempts, then a lock of PNYX_LOGIN_LOCK
 *    that doubles with each further failure up to PNYX_LOGIN_LOCK_MAX;
 *  - per client address only across accounts: an address that failed on
 *    more than PNYX_LOGIN_ADDR_ACCOUNTS other accounts within the window
 *    is refused (a venue's shared Wi-Fi where people log in, or a few
 *    mistype, is not);
 *  - a browser holding a pnyx_device cookie of this account (set at
 *    registration and at each successful login) skips both and is limited
 *    by its own counter instead, so an attacker who locks a known account
 *    does not lock out its owner.
 * 429 always carries Retry-After in seconds. An unknown address verifies
 * against a dummy hash made with the current parameters, so "no such
 * account" and "wrong password" cost the same and answer the same 401.
 */
#include "api/api_sessions.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api/api_records.h"
#include "api/auth.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "core/base/base.h"
#include "core/validate/validate.h"
#include "db/db_account.h"
#include "db/db_login.h"
#include "db/db_session.h"
#include "platform/crypto.h"
#include "platform/log.h"
#include "platform/password.h"

/* Why 1024: passwords are at most 256 code points, i.e. 1024 bytes of
 * UTF-8; anything longer cannot be right and must not reach argon2. */
#define LOGIN_PASSWORD_MAX_BYTES 1024

static const char *rfc3339(struct arena *a, int64_t t)
{
    char buf[BASE_RFC3339_MAX];
    base_rfc3339_format(t, -1, buf);
    return arena_strdup(a, buf);
}

/* {email, password}: any strings of sane sizes (the rules of a valid
 * address or password are registration's business: a login only compares). */
struct login_body {
    const char *email, *password;
};

static const struct decode_field login_fields[] = {
    {.name = "email",
     .type = DECODE_STRING,
     .required = true,
     .text = DECODE_TEXT_ANY,
     .min_chars = 1,
     .max_bytes = VALIDATE_EMAIL_MAX,
     .offset = offsetof(struct login_body, email)},
    {.name = "password",
     .type = DECODE_STRING,
     .required = true,
     .text = DECODE_TEXT_ANY,
     .min_chars = 1,
     .max_bytes = LOGIN_PASSWORD_MAX_BYTES,
     .offset = offsetof(struct login_body, password)},
};
static const struct decode_spec login_spec = DECODE_SPEC(login_fields);

static int decode(struct api_req *rq, struct api_reply *out, const char **email, size_t *elen,
                  const char **pw, size_t *pwlen)
{
    struct login_body b = {0};
    if (decode_or_fail(rq, out, &login_spec, &b) != 0) {
        return -1;
    }
    *email = b.email;
    *elen = strlen(b.email);
    *pw = b.password;
    *pwlen = strlen(b.password);
    return 0;
}

/* 429 rate-limited with Retry-After: whole seconds, rounded up, >= 1. */
static int too_many(struct api_req *rq, struct api_reply *out, int64_t retry_us)
{
    int64_t secs = (retry_us + 999999) / 1000000;
    api_problem(out, API_E_RATE_LIMITED, "too many failed logins; try again later");
    api_reply_header(out, "Retry-After",
                     arena_printf(rq->arena, "%lld", (long long)(secs < 1 ? 1 : secs)));
    return 0;
}

static struct db_login_limits login_limits(const struct pnyx_config *cfg)
{
    struct db_login_limits lim = {.max_failures = cfg->login_max_failures,
                                  .window_us = cfg->login_window * 1000000,
                                  .lock_us = cfg->login_lock * 1000000,
                                  .lock_max_us = cfg->login_lock_max * 1000000};
    return lim;
}

const char *api_sessions_device_cookie_name(const struct pnyx_config *cfg)
{
    return cfg->cookie_secure ? "__Host-pnyx_device" : "pnyx_device";
}

const char *api_sessions_device_cookie(struct api_req *rq, const char *token)
{
    const struct pnyx_config *cfg = rq->cfg;
    return arena_printf(rq->arena, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
                        api_sessions_device_cookie_name(cfg), token, (long long)cfg->device_max_age,
                        cfg->cookie_secure ? "; Secure" : "");
}

/* The hash of the request's device cookie, when it carries a well-formed
 * one. */
static bool device_cookie_hash(struct api_req *rq, uint8_t hash[PNYX_SHA256_BYTES])
{
    const char *tok = api_cookie(rq, api_sessions_device_cookie_name(rq->cfg));
    return tok != NULL && pnyx_crypto_token_hash(tok, strlen(tok), hash);
}

struct login_txn {
    struct arena *a;
    const struct db_account *acc;
    const char *new_hash; /* NULL unless the stored hash needs an upgrade */
    uint8_t token_hash[32], csrf_hash[32];
    int64_t now, expires_at, idle;
    const char *addr;             /* client address */
    const char *email_key;        /* the account gate's key */
    const char *device_key;       /* the device gate's key, NULL when not via a device */
    uint8_t device_hash[32];      /* the device to remember (kept or new) */
    int64_t now_us, device_stale; /* unix microseconds */
    int64_t session_id;           /* out */
};

/* One transaction: upgrade the hash, purge dead sessions, open the new
 * session, reset the gate that admitted it (the device's, or the
 * account's), forget this address's attempt on the account, remember the
 * device. */
static enum db_status login_txn_cb(struct db_conn *c, void *cls)
{
    struct login_txn *t = cls;
    enum db_status st = DB_OK;
    if (t->new_hash != NULL) {
        st = db_account_rehash(c, t->a, t->acc->id, t->acc->password_hash, t->new_hash);
    }
    if (st == DB_OK) {
        st = db_session_purge(c, t->a, t->acc->id, t->now, t->now - t->idle);
    }
    if (st == DB_OK) {
        st = db_session_insert(c, t->a, t->acc->id, t->token_hash, t->csrf_hash, t->now,
                               t->expires_at, &t->session_id);
    }
    if (st == DB_OK) {
        st = t->device_key != NULL ? db_login_reset(c, t->a, DB_LOGIN_SCOPE_DEVICE, t->device_key)
                                   : db_login_reset(c, t->a, DB_LOGIN_SCOPE_ACCOUNT, t->email_key);
    }
    if (st == DB_OK) {
        st = db_login_addr_success(c, t->a, t->addr, t->email_key);
    }
    if (st == DB_OK) {
        st = db_login_device_remember(c, t->a, t->acc->id, t->device_hash, t->now_us,
                                      t->device_stale);
    }
    return st;
}

static void login_txn_reset(void *cls)
{
    struct login_txn *t = cls;
    t->session_id = 0;
}

static const char *set_cookie(struct api_req *rq, const char *token, int64_t max_age)
{
    const struct pnyx_config *cfg = rq->cfg;
    return arena_printf(rq->arena, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
                        api_auth_cookie_name(cfg), token, (long long)max_age,
                        cfg->cookie_secure ? "; Secure" : "");
}

static int reply_session(struct api_req *rq, struct api_reply *out, struct login_txn *t,
                         const char *token, const char *csrf, const char *device)
{
    json_t *acc = api_account_json(t->acc);
    json_t *body = acc ? json_pack("{s:s, s:s, s:s, s:o}", "token", token, "csrf_token", csrf,
                                   "expires_at", rfc3339(rq->arena, t->expires_at), "account", acc)
                       : NULL;
    if (body == NULL) {
        return -1;
    }
    api_reply_json(out, 201, body);
    api_reply_header(out, "Set-Cookie", set_cookie(rq, token, rq->cfg->session_max_age));
    api_reply_header(out, "Set-Cookie", api_sessions_device_cookie(rq, device));
    api_reply_header(out, "Cache-Control", "no-store");
    return 0;
}

int api_sessions_create(struct api_req *rq, struct api_reply *out)
{
    const char *raw, *pw;
    size_t rawlen, pwlen;
    if (api_auth_check_origin(rq, out) != 0 || decode(rq, out, &raw, &rawlen, &pw, &pwlen) != 0) {
        return 0;
    }
    if (api_auth_crypto_ready(rq->cfg) != 0) {
        return -1;
    }
    /* The throttle key: the normalised address, or the raw one folded to
     * lower case when it is not a valid address (it then matches no one). */
    char email[VALIDATE_EMAIL_MAX + 1];
    bool valid = validate_email(raw, rawlen, email, sizeof email);
    if (!valid) {
        for (size_t i = 0; i < rawlen; i++) {
            email[i] = (char)(raw[i] >= 'A' && raw[i] <= 'Z' ? raw[i] + 32 : raw[i]);
        }
        email[rawlen] = '\0';
    }
    char addr[VALIDATE_THROTTLE_KEY_MAX];
    validate_throttle_key(rq->client_addr && *rq->client_addr ? rq->client_addr : "unknown", addr);
    struct db_login_limits lim = login_limits(rq->cfg);
    int64_t retry = 0;
    struct db_account acc;
    enum db_status st = valid ? db_account_by_email(rq->db, rq->arena, email, &acc) : DB_NOT_FOUND;
    if (st != DB_OK && st != DB_NOT_FOUND) {
        return api_problem_db(out, st);
    }
    bool found = st == DB_OK;
    /* A device cookie of this very account: its own gate instead of the
     * account's and the address's. */
    uint8_t dev_hash[PNYX_SHA256_BYTES];
    bool has_cookie = device_cookie_hash(rq, dev_hash);
    bool via_device = false;
    if (found && has_cookie) {
        st = db_login_device_known(rq->db, rq->arena, acc.id, dev_hash,
                                   rq->now_us - rq->cfg->device_max_age * 1000000, &via_device);
        if (st != DB_OK) {
            return api_problem_db(out, st);
        }
    }
    const char *device_key = via_device ? db_login_device_key(rq->arena, acc.id, dev_hash) : NULL;
    if (via_device) {
        st = db_login_gate(rq->db, rq->arena, DB_LOGIN_SCOPE_DEVICE, device_key, &lim, rq->now_us,
                           &retry);
    } else {
        st = db_login_addr_gate(rq->db, rq->arena, addr, email, rq->cfg->login_addr_max,
                                lim.window_us, rq->now_us, &retry);
        if (st == DB_OK && retry == 0) {
            st = db_login_gate(rq->db, rq->arena, DB_LOGIN_SCOPE_ACCOUNT, email, &lim, rq->now_us,
                               &retry);
        }
    }
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    if (retry > 0) {
        return too_many(rq, out, retry);
    }
    enum password_verdict v = PASSWORD_MISMATCH;
    if (found) {
        v = password_verify(acc.password_hash, pw, pwlen);
        if (v == PASSWORD_ERROR) {
            log_error("login: stored password hash unusable account=%lld", (long long)acc.id);
        }
    } else {
        password_verify_dummy(pw, pwlen);
    }
    if (v != PASSWORD_MATCH) {
        /* Already counted by the gate. */
        return api_problem(out, API_E_INVALID_CREDENTIALS, NULL);
    }
    /* The session starts at the next whole second, so whole-second storage
     * never makes it shorter than configured. */
    int64_t start = (rq->now_us + 999999) / 1000000;
    struct login_txn t = {.a = rq->arena,
                          .acc = &acc,
                          .now = start,
                          .expires_at = start + rq->cfg->session_max_age,
                          .idle = rq->cfg->session_idle,
                          .addr = addr,
                          .email_key = email,
                          .device_key = device_key,
                          .now_us = rq->now_us,
                          .device_stale = rq->now_us - rq->cfg->device_max_age * 1000000};
    char phc[PASSWORD_PHC_MAX];
    if (password_needs_rehash(acc.password_hash)) {
        if (password_hash(pw, pwlen, phc, sizeof phc) == 0) {
            t.new_hash = phc;
        }
    }
    char token[PNYX_TOKEN_CHARS + 1], csrf[PNYX_TOKEN_CHARS + 1], device[PNYX_TOKEN_CHARS + 1];
    pnyx_crypto_token_new(token, t.token_hash);
    pnyx_crypto_token_new(csrf, t.csrf_hash);
    /* The browser's device cookie becomes (or stays) a device of this
     * account too, so one browser shared by several accounts keeps one
     * cookie for all of them; a browser without one gets a fresh one. The
     * cookie is sent again either way, renewing its lifetime. */
    if (has_cookie) {
        memcpy(t.device_hash, dev_hash, sizeof t.device_hash);
        snprintf(device, sizeof device, "%s",
                 api_cookie(rq, api_sessions_device_cookie_name(rq->cfg)));
    } else {
        pnyx_crypto_token_new(device, t.device_hash);
    }
    st = db_run_txn(rq->db, "session_create", login_txn_cb, login_txn_reset, &t);
    if (st == DB_OK) {
        /* Housekeeping: up to 256 forgotten throttle rows per table (three
         * indexed statements; the argon2 hash before cost far more). */
        int64_t horizon = (lim.window_us > lim.lock_max_us ? lim.window_us : lim.lock_max_us);
        if (db_login_prune(rq->db, rq->arena, rq->now_us - horizon, rq->now_us) != DB_OK) {
            log_warn("login: throttle housekeeping failed");
        }
    }
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    if (t.new_hash != NULL) {
        log_info("login: password hash upgraded account=%lld", (long long)acc.id);
    }
    return reply_session(rq, out, &t, token, csrf, device);
}

int api_sessions_delete_current(struct api_req *rq, struct api_reply *out)
{
    const struct api_auth_session *ext = rq->auth.ext;
    if (!rq->auth.authenticated || ext == NULL) {
        return api_problem(out, API_E_UNAUTHENTICATED, NULL);
    }
    enum db_status st = db_session_delete(rq->db, rq->arena, rq->auth.session_id);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    api_auth_forget(ext->token_hash);
    api_reply_empty(out, 204);
    const struct pnyx_config *cfg = rq->cfg;
    api_reply_header(out, "Set-Cookie",
                     arena_printf(rq->arena, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
                                  api_auth_cookie_name(cfg), cfg->cookie_secure ? "; Secure" : ""));
    return 0;
}

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_sessions_bodies[] = {
    {"POST /api/v1/sessions", &login_spec},
    {NULL, NULL},
};
