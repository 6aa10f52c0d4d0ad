/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_login_throttle.c — login throttling after OWASP (issue 9, 2.7 and
 * 3.2) over real HTTP: the gate is exact under 50 concurrent wrong
 * passwords; an account lock does not stop its owner holding a device
 * cookie (which is itself limited); one address with many successful
 * logins of different accounts is not throttled, one spraying wrong
 * passwords across many accounts is; registration is never throttled and
 * its device cookie lets the login that follows through; every 429 has
 * Retry-After, and it grows with further failures.
 * Requests come from random loopback addresses (account_util.h) so tests do not
 * share a client address.
 */
#include <pthread.h>

#include "account_util.h"

#define PW "a fine long passphrase"

struct cresp {
    long status;
    long retry_after; /* -1 when absent */
    char device[64];  /* pnyx_device value from Set-Cookie, "" if none */
    json_t *json;     /* owned */
};

/* POST path with body from client address ip, with an optional device
 * cookie (account_util.h's request, with Retry-After as a number). */
static struct cresp post_as(struct h_server *s, const char *ip, const char *path, json_t *body,
                            const char *device)
{
    struct from_resp f = post_from_device(s, ip, path, body, device);
    struct cresp r = {.status = f.status, .retry_after = -1, .json = f.json};
    if (f.retry_after[0] != '\0') {
        r.retry_after = strtol(f.retry_after, NULL, 10);
    }
    snprintf(r.device, sizeof r.device, "%s", f.device);
    return r;
}

static struct cresp login_as(struct h_server *s, const char *ip, const char *email, const char *pw,
                             const char *device)
{
    json_t *b = json_pack("{s:s, s:s}", "email", email, "password", pw);
    struct cresp r = post_as(s, ip, "/api/v1/sessions", b, device);
    json_decref(b);
    return r;
}

/* Status of one login; the response is freed. */
static long login_status(struct h_server *s, const char *ip, const char *email, const char *pw,
                         const char *device)
{
    struct cresp r = login_as(s, ip, email, pw, device);
    if (r.status == 429) {
        cr_assert(r.retry_after >= 1, "429 without Retry-After");
    }
    json_decref(r.json);
    return r.status;
}

static void random_ip(char ip[32])
{
    random_loopback(ip);
}

/* ---- 2.7: exact under concurrency ---- */

struct conc {
    struct h_server *s;
    const char *email;
    long status;
};

static void *conc_login(void *cls)
{
    struct conc *c = cls;
    char ip[32];
    random_ip(ip);
    json_t *b = json_pack("{s:s, s:s}", "email", c->email, "password", "not the passphrase");
    struct from_resp r = post_from(c->s, ip, "/api/v1/sessions", b);
    json_decref(b);
    json_decref(r.json);
    c->status = r.status;
    return NULL;
}

Test(login_throttle, fifty_concurrent_wrong_passwords_pass_exactly_the_limit)
{
    /* 16 server threads, so the 50 attempts really meet in PostgreSQL. */
    const char *env[] = {"PNYX_THREADS=16", NULL};
    struct h_server *s = h_server_start(env);
    cr_assert(s != NULL);
    char *email = register_account(s);
    enum { N = 50 };
    pthread_t th[N];
    struct conc cs[N];
    for (int i = 0; i < N; i++) {
        cs[i] = (struct conc){.s = s, .email = email};
        cr_assert_eq(pthread_create(&th[i], NULL, conc_login, &cs[i]), 0);
    }
    int n401 = 0, n429 = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        n401 += cs[i].status == 401;
        n429 += cs[i].status == 429;
    }
    cr_log_info("50 concurrent wrong passwords: %d reached the password check (401), %d refused "
                "before it (429)",
                n401, n429);
    cr_assert_eq(n401, 10, "exactly PNYX_LOGIN_MAX_FAILURES pass the gate: %d", n401);
    cr_assert_eq(n429, N - 10);
    free(email);
    h_server_stop(s);
}

/* ---- 3.2: the owner with a device cookie passes an account lock ---- */

Test(login_throttle, account_lock_does_not_stop_owner_with_device_cookie)
{
    struct h_server *s = h_shared();
    char *email = register_account(s);
    char home[32], ip[32];
    random_ip(home);
    struct cresp ok = login_as(s, home, email, PW, NULL);
    cr_assert_eq(ok.status, 201);
    cr_assert(strlen(ok.device) > 20, "a successful login sets pnyx_device");
    json_decref(ok.json);
    /* An attacker locks the account from many addresses. */
    for (int i = 0; i < 10; i++) {
        random_ip(ip);
        cr_assert_eq(login_status(s, ip, email, "not the passphrase", NULL), 401);
    }
    random_ip(ip);
    cr_assert_eq(login_status(s, ip, email, PW, NULL), 429, "locked without the cookie");
    cr_assert_eq(login_status(s, home, email, PW, NULL), 429,
                 "the owner's address alone is not enough");
    /* The owner's browser passes the lock. */
    struct cresp r = login_as(s, home, email, PW, ok.device);
    cr_assert_eq(r.status, 201, "owner with device cookie: %ld", r.status);
    cr_assert_str_eq(r.device, ok.device, "a known device keeps its cookie");
    json_decref(r.json);
    /* ...but the lock for everyone else stays. */
    random_ip(ip);
    cr_assert_eq(login_status(s, ip, email, PW, NULL), 429);
    /* A device cookie is itself limited: a stolen one cannot guess freely. */
    for (int i = 0; i < 10; i++) {
        cr_assert_eq(login_status(s, home, email, "not the passphrase", ok.device), 401);
    }
    cr_assert_eq(login_status(s, home, email, PW, ok.device), 429, "the device is locked too");
    /* Another account's cookie does not help. */
    char *other = register_account(s);
    random_ip(ip);
    struct cresp o = login_as(s, ip, other, PW, NULL);
    cr_assert_eq(o.status, 201);
    json_decref(o.json);
    random_ip(ip);
    cr_assert_eq(login_status(s, ip, email, PW, o.device), 429);
    /* One browser shared by two accounts keeps one cookie for both. */
    struct cresp both = login_as(s, home, other, PW, o.device);
    cr_assert_eq(both.status, 201);
    cr_assert_str_eq(both.device, o.device);
    json_decref(both.json);
    free(other);
    free(email);
}

/* ---- 3.2: per address only across many accounts ---- */

Test(login_throttle, shared_address_with_many_successful_logins_is_not_throttled)
{
    struct h_server *s = h_shared();
    char venue[32];
    random_ip(venue);
    /* 30 people at one venue (more than PNYX_LOGIN_ADDR_ACCOUNTS = 20), a
     * few of whom mistype first. */
    for (int i = 0; i < 30; i++) {
        char *email = register_account(s);
        if (i % 5 == 0) {
            cr_assert_eq(login_status(s, venue, email, "a fine long passfrase", NULL), 401);
        }
        cr_assert_eq(login_status(s, venue, email, PW, NULL), 201, "person %d", i);
        free(email);
    }
    /* And a handful who gave up after a mistake do not lock the others. */
    for (int i = 0; i < 5; i++) {
        char *email = register_account(s);
        cr_assert_eq(login_status(s, venue, email, "wrong", NULL), 401);
        free(email);
    }
    char *late = register_account(s);
    cr_assert_eq(login_status(s, venue, late, PW, NULL), 201);
    free(late);
}

Test(login_throttle, address_spraying_many_accounts_is_throttled)
{
    struct h_server *s = h_shared();
    char ip[32], other[32];
    random_ip(ip);
    for (int i = 0; i < 20; i++) { /* PNYX_LOGIN_ADDR_ACCOUNTS accounts */
        char email[200];
        snprintf(email, sizeof email, "%s@example.org", h_unique("spray"));
        cr_assert_eq(login_status(s, ip, email, "Summer2026!", NULL), 401, "account %d", i);
    }
    char email[200];
    snprintf(email, sizeof email, "%s@example.org", h_unique("spray"));
    struct cresp r = login_as(s, ip, email, "Summer2026!", NULL);
    cr_assert_eq(r.status, 429, "the 21st account from one address");
    cr_assert(r.retry_after >= 1 && r.retry_after <= 900, "Retry-After %ld", r.retry_after);
    json_decref(r.json);
    /* The address is refused whatever the account... */
    char *victim = register_account(s);
    cr_assert_eq(login_status(s, ip, victim, PW, NULL), 429);
    /* ...but the accounts themselves are not locked. */
    random_ip(other);
    cr_assert_eq(login_status(s, other, victim, PW, NULL), 201);
    free(victim);
}

/* ---- 3.2: registration is never throttled ---- */

Test(login_throttle, registration_unaffected_by_locks)
{
    struct h_server *s = h_shared();
    char ip[32];
    random_ip(ip);
    /* The address is throttled for spraying... */
    for (int i = 0; i < 21; i++) {
        char email[200];
        snprintf(email, sizeof email, "%s@example.org", h_unique("spray"));
        login_status(s, ip, email, "Summer2026!", NULL);
    }
    char *probe = unique_email();
    cr_assert_eq(login_status(s, ip, probe, "whatever", NULL), 429);
    free(probe);
    /* ...and the e-mail about to be registered was attacked beforehand. */
    char *email = unique_email();
    for (int i = 0; i < 10; i++) {
        char other[32];
        random_ip(other);
        login_status(s, other, email, "guess", NULL);
    }
    /* Registering from that address works (201, not "too many attempts"). */
    json_t *b = reg_body(email);
    struct cresp reg = post_as(s, ip, "/api/v1/accounts", b, NULL);
    json_decref(b);
    cr_assert_eq(reg.status, 201, "register during a lock: %ld", reg.status);
    cr_assert(strlen(reg.device) > 20, "registration sets pnyx_device");
    json_decref(reg.json);
    /* The browser that registered logs in at once with its device cookie. */
    struct cresp l = login_as(s, ip, email, PW, reg.device);
    cr_assert_eq(l.status, 201, "login after registration: %ld", l.status);
    json_decref(l.json);
    /* Without it, the locks still hold. */
    cr_assert_eq(login_status(s, ip, email, PW, NULL), 429);
    free(email);
}

/* ---- 429 always has Retry-After, and it grows ---- */

Test(login_throttle, retry_after_present_and_growing)
{
    /* A first lock of 2 s: long enough that a slow (sanitizer) build still
     * meets it after the failure that set it. */
    const char *env[] = {"PNYX_LOGIN_MAX_FAILURES=2", "PNYX_LOGIN_LOCK=2",
                         "PNYX_LOGIN_LOCK_MAX=3600", NULL};
    struct h_server *s = h_server_start(env);
    cr_assert(s != NULL);
    char *email = register_account(s);
    char ip[32];
    long retry[3];
    for (int i = 0; i < 2; i++) {
        random_ip(ip);
        cr_assert_eq(login_status(s, ip, email, "nope", NULL), 401);
    }
    for (int round = 0; round < 3; round++) {
        random_ip(ip);
        struct cresp r = login_as(s, ip, email, "nope", NULL);
        cr_assert_eq(r.status, 429, "round %d: %ld", round, r.status);
        cr_assert(r.retry_after >= 1, "round %d: Retry-After %ld", round, r.retry_after);
        retry[round] = r.retry_after;
        json_decref(r.json);
        if (round == 2) {
            break;
        }
        /* Wait the lock out; the next failure doubles it. */
        sleep_s((double)r.retry_after + 0.3);
        random_ip(ip);
        cr_assert_eq(login_status(s, ip, email, "nope", NULL), 401, "round %d", round);
    }
    cr_log_info("Retry-After: %ld, %ld, %ld s", retry[0], retry[1], retry[2]);
    cr_assert_lt(retry[0], retry[1]);
    cr_assert_lt(retry[1], retry[2]);
    free(email);
    h_server_stop(s);
}

/* Forgotten rows (idle and unlocked for longer than the window and the
 * longest lock) are deleted by the housekeeping each successful login
 * runs, so the throttle tables do not grow without bound. */
static char *prune_db;

/* sql_value against prune_db, the pruning test's own database. */
static char *prune_value(const char *sql, const char *param)
{
    PGconn *c = PQconnectdb(prune_db);
    cr_assert(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    const char *p[1] = {param};
    PGresult *res = PQexecParams(c, sql, 1, NULL, p, NULL, NULL, 0);
    cr_assert(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
    char *v = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(c);
    return v;
}

Test(login_throttle, forgotten_rows_are_pruned)
{
    /* Its own database: with a 1 s horizon its housekeeping would also
     * prune the counters of the tests running beside it (Criterion runs
     * two at once), e.g. retry_after_present_and_growing's lock. */
    const char *url = h_db_create();
    cr_assert(url != NULL);
    char url_env[600];
    snprintf(url_env, sizeof url_env, "PNYX_DATABASE_URL=%s", url);
    prune_db = strdup(url);
    const char *env[] = {url_env, "PNYX_LOGIN_WINDOW=1", "PNYX_LOGIN_LOCK=1",
                         "PNYX_LOGIN_LOCK_MAX=1", NULL};
    struct h_server *s = h_server_start(env);
    cr_assert(s != NULL);
    char ip[32], other[32];
    random_ip(ip);
    char *ghost = unique_email();
    cr_assert_eq(login_status(s, ip, ghost, "guess", NULL), 401);
    char *n = prune_value("SELECT count(*) FROM login_throttle WHERE key = $1", ghost);
    cr_assert_str_eq(n, "1", "the attempt was counted");
    free(n);
    sleep_s(2.2);
    char *email = register_account(s);
    random_ip(other);
    cr_assert_eq(login_status(s, other, email, PW, NULL), 201);
    n = prune_value("SELECT count(*) FROM login_throttle WHERE key = $1", ghost);
    cr_assert_str_eq(n, "0", "the forgotten counter is gone");
    free(n);
    n = prune_value("SELECT count(*) FROM login_address_failures WHERE addr = $1", ip);
    cr_assert_str_eq(n, "0");
    free(n);
    n = prune_value("SELECT count(*) FROM login_addresses WHERE addr = $1", ip);
    cr_assert_str_eq(n, "0");
    free(n);
    free(ghost);
    free(email);
    h_server_stop(s);
    free(prune_db);
}
