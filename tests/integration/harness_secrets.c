/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/harness_secrets.c — the secrets of the test run
 * (harness.h h_secret; tests/secrets/README.md): what crosses h_request
 * and h_record_curl, the environment of the servers started, and key
 * files, appended to $PNYX_SECRETS_FILE for the log check at the end of
 * scripts/test. Kept apart from harness.c so that file stays about
 * servers and HTTP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "harness_int.h"

/* Why 8: shorter strings (test passwords such as "wrong", field codes)
 * would be found in logs by chance; every secret pnyxd issues is longer. */
#define H_SECRET_MIN 8

static void secret_n(const char *s, size_t len)
{
    const char *file = getenv("PNYX_SECRETS_FILE");
    if (!file || !*file || !s || len < H_SECRET_MIN || len > 4000 || memchr(s, '\n', len))
        return;
    char line[4002];
    memcpy(line, s, len);
    line[len] = '\n';
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, line, len + 1) != (ssize_t)(len + 1))
        fprintf(stderr, "harness: cannot append to %s: %s\n", file, strerror(errno));
    if (fd >= 0)
        close(fd);
}

void h_secret(const char *s)
{
    if (s)
        secret_n(s, strlen(s));
}

void h_secret_key_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "PRIVATE+KEY+", 12) == 0)
            h_secret(strrchr(line, '+') + 1);
        else if (strncmp(line, "seed ", 5) == 0)
            h_secret(line + 5);
        else if (strlen(line) >= 40 &&
                 strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                              "wxyz0123456789+/=") == strlen(line))
            h_secret(line); /* a bare base64 seed */
    }
    fclose(f);
}

/* Every string member named like a secret, at any depth. */
static void secrets_in_json(const json_t *j, bool response)
{
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_array(j)) {
        json_array_foreach(j, i, v) secrets_in_json(v, response);
        return;
    }
    if (!json_is_object(j))
        return;
    /* "code" is a secret only in an invitation (it has accept_path) or a
     * selection's reply (pseudonym): elsewhere it names a field error. */
    bool codes = json_object_get(j, "accept_path") || json_object_get(j, "pseudonym");
    json_object_foreach((json_t *)j, k, v)
    {
        if (json_is_string(v) &&
            (strstr(k, "password") ||
             (response && (strcmp(k, "token") == 0 || strcmp(k, "csrf_token") == 0 ||
                           strcmp(k, "nonce") == 0 || (codes && strcmp(k, "code") == 0)))))
            h_secret(json_string_value(v));
        else
            secrets_in_json(v, response);
    }
}

/* The value of each "<name>=" cookie pair in a Cookie / Set-Cookie value. */
static void secret_cookies(const char *v)
{
    while (v && *v) {
        v += strspn(v, " ;");
        const char *eq = strchr(v, '=');
        size_t end = strcspn(v, ";");
        if (!eq || (size_t)(eq - v) >= end)
            break;
        if (strncmp(v, "pnyx_", 5) == 0 || strncmp(v, "__Host-pnyx_", 12) == 0)
            secret_n(eq + 1, end - (size_t)(eq + 1 - v));
        v += end;
    }
}

void h_secrets_exchange(const char *path, const char *body, const char *const *headers, long status,
                        const json_t *json, const char *resp_headers)
{
    if (!getenv("PNYX_SECRETS_FILE"))
        return;
    static const char *const sent[] = {"Authorization: Bearer ",
                                       "X-CSRF-Token: ", "Idempotency-Key: "};
    for (const char *const *h = headers; h && *h; h++) {
        for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++)
            if (strncasecmp(*h, sent[i], strlen(sent[i])) == 0)
                h_secret(*h + strlen(sent[i]));
        if (strncasecmp(*h, "Cookie:", 7) == 0)
            secret_cookies(*h + 7);
    }
    const char *inv = "/api/v1/invitations/";
    if (strncmp(path, inv, strlen(inv)) == 0)
        secret_n(path + strlen(inv), strcspn(path + strlen(inv), "/?"));
    /* A password the server refused as invalid (400, 422: "password",
     * too short, too common) was never anyone's; such words would be found
     * in logs by chance. */
    if (body && status != 400 && status != 422) {
        json_t *j = json_loads(body, 0, NULL);
        secrets_in_json(j, false);
        json_decref(j);
    }
    if (status) {
        secrets_in_json(json, true);
        /* every Set-Cookie line of the final response */
        for (const char *p = resp_headers; p && *p; p += strcspn(p, "\n"), p += *p == '\n') {
            if (strncasecmp(p, "Set-Cookie:", 11) == 0) {
                char *v = strndup(p + 11, strcspn(p + 11, "\r\n"));
                secret_cookies(v);
                free(v);
            }
        }
    }
}

void h_secrets_env(const char *const *extra)
{
    for (const char *const *e = extra; e && *e; e++) {
        char key[64];
        size_t kl = strcspn(*e, "=");
        snprintf(key, sizeof key, "%.*s", (int)kl, *e);
        if ((*e)[kl] == '=' && (strstr(key, "TOKEN") || strstr(key, "SECRET")))
            h_secret(*e + kl + 1);
    }
}
