/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration_audit/test_key_files.c — key files are owner-only
 * (issue 13): the signing key pnyxd creates on its first start and the key
 * `pnyx-witness keygen` writes are 0600; a key file whose mode lets others
 * read it is named in a warning (pnyxd's log, pnyx-witness's stderr) with
 * its mode, and still used — a restored backup with a loose mode keeps the
 * deployment signing while its operator is told. With a 0600 file there is
 * no warning. (`pnyxd keygen`'s 0600: test_signing_key.c.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "witness_util.h"

static unsigned mode_of(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return (unsigned)(st.st_mode & 0777);
}

static char *log_of(const struct h_server *s)
{
    FILE *f = fopen(s->log_path, "r");
    cr_assert_not_null(f, "%s", s->log_path);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static char *vkey_of(const struct h_server *s)
{
    struct h_resp *r = h_get(s, "/api/v1/audit/key");
    cr_assert(r && r->status == 200, "GET /audit/key: %ld", r ? r->status : 0);
    char *v = strdup(json_string_value(json_object_get(r->json, "vkey")));
    h_resp_free(r);
    return v;
}

Test(key_files, pnyxd_signing_key_0600_loose_mode_warned)
{
    const char *url = h_db_create(); /* a deployment with no key recorded yet */
    cr_assert_not_null(url);
    char dir[] = "/tmp/pnyx-keyfiles-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char key[300], e_key[340], e_url[600];
    snprintf(key, sizeof key, "%s/audit-signing.key", dir);
    snprintf(e_key, sizeof e_key, "PNYX_SIGNING_KEY_FILE=%s", key);
    snprintf(e_url, sizeof e_url, "PNYX_DATABASE_URL=%s", url);
    const char *env[] = {e_key, e_url, NULL};

    struct h_server *s = h_server_start(env);
    cr_assert_not_null(s, "pnyxd did not start");
    cr_expect_eq(mode_of(key), 0600, "the signing key pnyxd created has mode %o", mode_of(key));
    char *vkey = vkey_of(s);
    char *log = log_of(s);
    cr_expect_null(strstr(log, "readable by others"), "a warning for a 0600 key: %s", log);
    free(log);
    cr_expect_eq(h_server_stop(s), 0);

    cr_assert_eq(chmod(key, 0640), 0);
    s = h_server_start(env);
    cr_assert_not_null(s, "pnyxd refused a 0640 key file");
    log = log_of(s);
    cr_expect_not_null(strstr(log, "readable by others (mode 640)"), "no warning: %s", log);
    cr_expect_not_null(strstr(log, key), "the warning does not name the file: %s", log);
    char *again = vkey_of(s);
    cr_expect_str_eq(again, vkey, "a loose mode changed the key");
    free(log);
    free(again);
    free(vkey);
    cr_expect_eq(h_server_stop(s), 0);
    unlink(key);
    rmdir(dir);
}

Test(key_files, witness_key_0600_loose_mode_warned)
{
    char dir[] = "/tmp/pnyx-keyfiles-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    struct witness_proc w;
    memset(&w, 0, sizeof w);
    witness_keygen(&w, dir, "keyfiles.witness.test"); /* asserts 0600 */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "%s vkey --key %s 2>&1", PNYX_TEST_WITNESS, w.key);
    int st;
    char *out = wu_run(cmd, &st);
    cr_expect_eq(st, 0, "%s", out);
    cr_expect_null(strstr(out, "readable by others"), "a warning for a 0600 key: %s", out);
    cr_expect_not_null(strstr(out, w.vkey), "%s", out);
    free(out);

    cr_assert_eq(chmod(w.key, 0644), 0);
    out = wu_run(cmd, &st);
    cr_expect_eq(st, 0, "pnyx-witness refused a 0644 key: %s", out);
    cr_expect_not_null(strstr(out, "readable by others (mode 644)"), "no warning: %s", out);
    cr_expect_not_null(strstr(out, w.vkey), "a loose mode changed the key: %s", out);
    free(out);
    unlink(w.key);
    rmdir(dir);
}
