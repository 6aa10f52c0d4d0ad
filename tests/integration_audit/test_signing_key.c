/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration_audit/test_signing_key.c — several nodes, one key:
 * `pnyxd keygen` creates the key file (never overwriting one without
 * --force), the database records the deployment's key on the first
 * start, a node with another key refuses to start (exit 2, one line), a
 * node without a key file does not create one the deployment would refuse,
 * and nodes with copies of the same key file all serve.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

static char *key_of(const struct h_server *s)
{
    struct h_resp *r = h_get(s, "/api/v1/audit/key");
    cr_assert_eq(r->status, 200, "%s", r->body);
    char *vkey = strdup(json_string_value(json_object_get(r->json, "vkey")));
    h_resp_free(r);
    return vkey;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert(f != NULL, "cannot open %s", path);
    char *buf = calloc(1, 4096);
    size_t n = fread(buf, 1, 4095, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void copy_file(const char *from, const char *to)
{
    char *text = slurp(from);
    FILE *f = fopen(to, "w");
    cr_assert(f != NULL);
    fputs(text, f);
    fclose(f);
    chmod(to, 0600);
    free(text);
}

Test(signing_key, keygen_creates_and_refuses_to_overwrite)
{
    char dir[] = "/tmp/pnyx-keygen-XXXXXX";
    cr_assert(mkdtemp(dir) != NULL);
    char path[300], env[340], out[4096];
    snprintf(path, sizeof path, "%s/node.key", dir);
    snprintf(env, sizeof env, "PNYX_SIGNING_KEY_FILE=%s", path);
    const char *extra[] = {env, NULL};
    const char *keygen[] = {"keygen", NULL};
    const char *force[] = {"keygen", "--force", NULL};

    cr_assert_eq(h_pnyxd_run(keygen, extra, out, sizeof out), 0, "%s", out);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600, "mode %o", (unsigned)(st.st_mode & 0777));
    char *first = slurp(path);
    cr_expect(strncmp(first, "PRIVATE+KEY+", 12) == 0, "%s", first);

    cr_expect_eq(h_pnyxd_run(keygen, extra, out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "--force") != NULL, "%s", out);
    char *same = slurp(path);
    cr_expect_str_eq(first, same, "keygen without --force changed the key");

    cr_expect_eq(h_pnyxd_run(force, extra, out, sizeof out), 0, "%s", out);
    char *replaced = slurp(path);
    cr_expect_str_neq(first, replaced, "keygen --force kept the old key");
    free(first);
    free(same);
    free(replaced);
    unlink(path);

    /* A data directory that does not exist yet is created (0700). */
    char fresh[200], e_dir[240], e_key[260];
    snprintf(fresh, sizeof fresh, "%s/fresh", dir);
    snprintf(e_dir, sizeof e_dir, "PNYX_DATA_DIR=%s", fresh);
    snprintf(e_key, sizeof e_key, "PNYX_SIGNING_KEY_FILE=%s/audit-signing.key", fresh);
    const char *fresh_env[] = {e_dir, e_key, NULL};
    cr_expect_eq(h_pnyxd_run(keygen, fresh_env, out, sizeof out), 0, "%s", out);
    cr_expect_eq(stat(fresh, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0700, "mode %o", (unsigned)(st.st_mode & 0777));
    snprintf(path, sizeof path, "%s/audit-signing.key", fresh);
    cr_expect_eq(stat(path, &st), 0, "%s", out);
    unlink(path);
    rmdir(fresh);
    rmdir(dir);
}

Test(signing_key, one_deployment_one_key)
{
    const char *url = h_db_create();
    cr_assert(url != NULL);
    char url_env[600];
    snprintf(url_env, sizeof url_env, "PNYX_DATABASE_URL=%s", url);
    char d1[] = "/tmp/pnyx-node1-XXXXXX", d2[] = "/tmp/pnyx-node2-XXXXXX",
         d3[] = "/tmp/pnyx-node3-XXXXXX";
    cr_assert(mkdtemp(d1) && mkdtemp(d2) && mkdtemp(d3));
    char k1[300], k2[300], k3[300], e1[340], e2[340], e3[340];
    snprintf(k1, sizeof k1, "%s/audit-signing.key", d1);
    snprintf(k2, sizeof k2, "%s/audit-signing.key", d2);
    snprintf(k3, sizeof k3, "%s/audit-signing.key", d3);
    snprintf(e1, sizeof e1, "PNYX_SIGNING_KEY_FILE=%s", k1);
    snprintf(e2, sizeof e2, "PNYX_SIGNING_KEY_FILE=%s", k2);
    snprintf(e3, sizeof e3, "PNYX_SIGNING_KEY_FILE=%s", k3);

    /* Node 1: no key anywhere yet: creates its own, the database records it. */
    const char *env1[] = {e1, url_env, NULL};
    struct h_server *n1 = h_server_start(env1);
    cr_assert(n1 != NULL);
    char *vkey1 = key_of(n1);

    /* Node 2 with a key of its own (pnyxd keygen): refused. */
    char log[4096];
    const char *env2[] = {e2, url_env, NULL};
    const char *keygen[] = {"keygen", NULL};
    cr_assert_eq(h_pnyxd_run(keygen, env2, log, sizeof log), 0, "%s", log);
    cr_expect_eq(h_server_refuses(env2, log, sizeof log), 2, "%s", log);
    cr_expect(strstr(log, "not this deployment's key") != NULL, "%s", log);
    cr_expect(strstr(log, vkey1) != NULL, "the refusal names the recorded key: %s", log);

    /* A node with no key file at all does not make one it would be refused
     * with: it says where the deployment's key must go. */
    char d4[] = "/tmp/pnyx-node4-XXXXXX", k4[300], e4[340];
    cr_assert(mkdtemp(d4));
    snprintf(k4, sizeof k4, "%s/audit-signing.key", d4);
    snprintf(e4, sizeof e4, "PNYX_SIGNING_KEY_FILE=%s", k4);
    const char *env4[] = {e4, url_env, NULL};
    cr_expect_eq(h_server_refuses(env4, log, sizeof log), 2, "%s", log);
    cr_expect(strstr(log, "no signing key at") != NULL, "%s", log);
    cr_expect(access(k4, F_OK) != 0, "a key file was created at %s", k4);
    rmdir(d4);

    /* Node 3 with a copy of node 1's key file: both serve, with one key. */
    copy_file(k1, k3);
    const char *env3[] = {e3, url_env, NULL};
    struct h_server *n3 = h_server_start(env3);
    cr_assert(n3 != NULL);
    char *vkey3 = key_of(n3);
    cr_expect_str_eq(vkey1, vkey3);
    char *again = key_of(n1);
    cr_expect_str_eq(vkey1, again, "node 1 still serves with its key");
    free(vkey1);
    free(vkey3);
    free(again);
    cr_expect_eq(h_server_stop(n3), 0);
    cr_expect_eq(h_server_stop(n1), 0);

    /* A restart of node 2 with the deployment's key copied in serves too. */
    copy_file(k1, k2);
    n1 = h_server_start(env2);
    cr_assert(n1 != NULL);
    cr_expect_eq(h_server_stop(n1), 0);
}
