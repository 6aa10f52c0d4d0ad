/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_sessions.c — log in and log out.
 *
 * Login order matters: the throttle is checked BEFORE any hashing (a
 * throttled attacker costs one indexed query, not 40 ms of argon2), and an
 * unknown address verifies against a dummy hash made with the current
 * parameters, so "no such account" and "wrong password" cost the same and
 * answer the same 401. Failures are recorded under the normalised address
 * (whether or not an account has it) and the client address.
 */
#include "api/api_sessions.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api/auth.h"
#include "api/decode.h"
#include "api/api_records.h"
#include "core/base/base.h"
#include "core/validate/validate.h"
#include "db/db_account.h"
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

/* 429 with Retry-After when either key is locked; 0 to go on, -1 replied. */
static int throttled(struct api_req *rq, struct api_reply *out, const char *email, const char *addr,
                     int64_t now)
{
    const struct pnyx_config *cfg = rq->cfg;
    int64_t u1 = 0, u2 = 0;
    enum db_status st = db_login_locked_until(rq->db, rq->arena, DB_LOGIN_SCOPE_EMAIL, email,
                                              cfg->login_max_failures, now, cfg->login_window, &u1);
    if (st == DB_OK) {
        st = db_login_locked_until(rq->db, rq->arena, DB_LOGIN_SCOPE_ADDR, addr,
                                   cfg->login_max_failures, now, cfg->login_window, &u2);
    }
    if (st != DB_OK) {
        api_problem_db(out, st);
        return -1;
    }
    int64_t until = u1 > u2 ? u1 : u2;
    if (until <= now) {
        return 0;
    }
    api_problem(out, API_E_RATE_LIMITED, "too many failed logins; try again later");
    api_reply_header(out, "Retry-After", arena_printf(rq->arena, "%lld", (long long)(until - now)));
    return -1;
}

struct login_txn {
    struct arena *a;
    const struct db_account *acc;
    const char *new_hash; /* NULL unless the stored hash needs an upgrade */
    uint8_t token_hash[32], csrf_hash[32];
    int64_t now, expires_at, idle;
    int64_t session_id; /* out */
};

/* One transaction: upgrade the hash, purge dead sessions, open the new
 * session, forget this address's failures. */
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
        st = db_login_failure_clear(c, t->a, t->acc->email);
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
                         const char *token, const char *csrf)
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
    const char *addr = rq->client_addr && *rq->client_addr ? rq->client_addr : "unknown";
    int64_t now = rq->now_us / 1000000;
    if (throttled(rq, out, email, addr, now) != 0) {
        return 0;
    }
    struct db_account acc;
    enum db_status st = valid ? db_account_by_email(rq->db, rq->arena, email, &acc) : DB_NOT_FOUND;
    if (st != DB_OK && st != DB_NOT_FOUND) {
        return api_problem_db(out, st);
    }
    enum password_verdict v = PASSWORD_MISMATCH;
    if (st == DB_OK) {
        v = password_verify(acc.password_hash, pw, pwlen);
        if (v == PASSWORD_ERROR) {
            log_error("login: stored password hash unusable account=%lld", (long long)acc.id);
        }
    } else {
        password_verify_dummy(pw, pwlen);
    }
    if (v != PASSWORD_MATCH) {
        st = db_login_failure_record(rq->db, rq->arena, email, addr, now, rq->cfg->login_window);
        if (st != DB_OK) {
            return api_problem_db(out, st);
        }
        return api_problem(out, API_E_INVALID_CREDENTIALS, NULL);
    }
    /* The session starts at the next whole second, so whole-second storage
     * never makes it shorter than configured. */
    int64_t start = (rq->now_us + 999999) / 1000000;
    struct login_txn t = {.a = rq->arena,
                          .acc = &acc,
                          .now = start,
                          .expires_at = start + rq->cfg->session_max_age,
                          .idle = rq->cfg->session_idle};
    char phc[PASSWORD_PHC_MAX];
    if (password_needs_rehash(acc.password_hash)) {
        if (password_hash(pw, pwlen, phc, sizeof phc) == 0) {
            t.new_hash = phc;
        }
    }
    char token[PNYX_TOKEN_CHARS + 1], csrf[PNYX_TOKEN_CHARS + 1];
    pnyx_crypto_token_new(token, t.token_hash);
    pnyx_crypto_token_new(csrf, t.csrf_hash);
    st = db_run_txn(rq->db, "session_create", login_txn_cb, login_txn_reset, &t);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    if (t.new_hash != NULL) {
        log_info("login: password hash upgraded account=%lld", (long long)acc.id);
    }
    return reply_session(rq, out, &t, token, csrf);
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
