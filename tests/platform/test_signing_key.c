/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/platform/test_signing_key.c — the signing key file
 * (platform/signing_key.c): created 0600 and never overwritten without
 * force, read back identically, a bare base64 seed accepted, anything else
 * refused as unusable, a missing file told apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "platform/signing_key.h"

static const uint8_t kid[SIGNING_KEY_ID_LEN] = {0xde, 0xad, 0xbe, 0xef};

static void tmp_path(char *out, size_t cap)
{
    char dir[] = "/tmp/pnyx-sk-XXXXXX";
    cr_assert(mkdtemp(dir) != NULL);
    snprintf(out, cap, "%s/key", dir);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs(text, f);
    fclose(f);
}

Test(signing_key, created_0600_read_back_never_overwritten)
{
    cr_assert(sodium_init() >= 0);
    char path[64];
    tmp_path(path, sizeof path);
    struct signing_key k, r, other;
    signing_key_generate(&k, "example.org");
    const char *why = NULL;
    cr_assert_eq(signing_key_write(path, &k, kid, false, &why), SIGNING_KEY_OK, "%s", why);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600);
    cr_assert_eq(signing_key_read(path, "default", &r, &why), SIGNING_KEY_OK);
    cr_expect_str_eq(r.name, "example.org");
    cr_expect_eq(memcmp(r.seed, k.seed, sizeof k.seed), 0);

    signing_key_generate(&other, "example.org");
    cr_expect_eq(signing_key_write(path, &other, kid, false, &why), SIGNING_KEY_EXISTS);
    cr_assert_eq(signing_key_read(path, "default", &r, &why), SIGNING_KEY_OK);
    cr_expect_eq(memcmp(r.seed, k.seed, sizeof k.seed), 0, "overwritten without force");

    cr_expect_eq(signing_key_write(path, &other, kid, true, &why), SIGNING_KEY_OK);
    cr_assert_eq(signing_key_read(path, "default", &r, &why), SIGNING_KEY_OK);
    cr_expect_eq(memcmp(r.seed, other.seed, sizeof k.seed), 0, "force did not replace");
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600);
}

Test(signing_key, formats_and_refusals)
{
    char path[64];
    tmp_path(path, sizeof path);
    struct signing_key r;
    const char *why = NULL;
    cr_expect_eq(signing_key_read(path, "d", &r, &why), SIGNING_KEY_MISSING);
    /* A bare base64 seed (32 bytes of 0x01) takes the default name. */
    write_text(path, "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n");
    cr_assert_eq(signing_key_read(path, "fallback", &r, &why), SIGNING_KEY_OK, "%s", why);
    cr_expect_str_eq(r.name, "fallback");
    cr_expect_eq(r.seed[0], 1);
    cr_expect_eq(r.seed[31], 1);
    const char *bad[] = {"not a key\n", "", "PRIVATE+KEY+name\n", "PRIVATE+KEY+n+deadbeef+AAAA\n",
                         "AQEBAQ==\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_text(path, bad[i]);
        why = NULL;
        cr_expect_eq(signing_key_read(path, "d", &r, &why), SIGNING_KEY_UNUSABLE, "case %zu", i);
        cr_expect(why != NULL, "case %zu has no reason", i);
    }
    char missing_dir[96];
    snprintf(missing_dir, sizeof missing_dir, "%s.d/nope/key", path);
    struct signing_key k;
    signing_key_generate(&k, "x");
    cr_expect_eq(signing_key_write(missing_dir, &k, kid, false, &why), SIGNING_KEY_UNUSABLE);
}
