/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/signing_key.c — the signing key file (see signing_key.h). Only
 * file I/O and encoding; no key derivation beyond the seed.
 */
#include "platform/signing_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/base/base.h"
#include "platform/log.h"

/* Room for the longest line: prefix, name, id, base64 of 33 bytes. */
#define KEY_LINE_MAX (12 + SIGNING_KEY_NAME_MAX + 1 + 8 + 1 + 48 + 2)

static void set_why(const char **why, const char *s)
{
    if (why)
        *why = s;
}

/* Decodes standard base64 (with padding) of exactly want bytes. */
static bool b64_exact(const char *b64, uint8_t *out, size_t cap, size_t want)
{
    size_t n = 0;
    return base64_decode(b64, strlen(b64), out, cap, &n, BASE64_STD) == 0 && n == want;
}

enum signing_key_result signing_key_read(const char *path, const char *default_name,
                                         struct signing_key *k, const char **why)
{
    char buf[1024];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return SIGNING_KEY_MISSING;
        set_why(why, "cannot open the file");
        return SIGNING_KEY_UNUSABLE;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (sb.st_mode & 077) != 0) {
        log_warn("signing key file %s is readable by others (mode %o); chmod 600 it", path,
                 (unsigned)(sb.st_mode & 0777));
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    (void)close(fd);
    if (n <= 0) {
        set_why(why, "cannot read the file, or it is empty");
        return SIGNING_KEY_UNUSABLE;
    }
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    const char *b64 = buf;
    snprintf(k->name, sizeof k->name, "%s", default_name);
    enum signing_key_result rc = SIGNING_KEY_UNUSABLE;
    set_why(why, "not a PRIVATE+KEY+<name>+<id>+<base64> line nor a base64 seed");
    if (strncmp(buf, "PRIVATE+KEY+", 12) == 0) {
        const char *nm = buf + 12;
        const char *p1 = strchr(nm, '+');
        const char *p2 = p1 != NULL ? strchr(p1 + 1, '+') : NULL;
        if (p2 == NULL || p1 == nm || (size_t)(p1 - nm) > SIGNING_KEY_NAME_MAX)
            goto out;
        memcpy(k->name, nm, (size_t)(p1 - nm));
        k->name[p1 - nm] = '\0';
        b64 = p2 + 1;
    }
    uint8_t raw[64];
    if (b64_exact(b64, raw, sizeof raw, 1 + SIGNING_KEY_SEED_LEN) && raw[0] == 0x01) {
        memcpy(k->seed, raw + 1, SIGNING_KEY_SEED_LEN);
        rc = SIGNING_KEY_OK;
    } else if (b64_exact(b64, raw, sizeof raw, SIGNING_KEY_SEED_LEN)) {
        memcpy(k->seed, raw, SIGNING_KEY_SEED_LEN);
        rc = SIGNING_KEY_OK;
    }
    sodium_memzero(raw, sizeof(raw));
out:
    sodium_memzero(buf, sizeof(buf));
    if (rc == SIGNING_KEY_OK)
        set_why(why, NULL);
    return rc;
}

/* Writes all of line to a new file at path (O_EXCL), fsynced. */
static enum signing_key_result write_new(const char *path, const char *line, size_t len,
                                         const char **why)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return SIGNING_KEY_EXISTS;
        set_why(why, "cannot create the file (does its directory exist and is it writable?)");
        return SIGNING_KEY_UNUSABLE;
    }
    ssize_t wr = write(fd, line, len);
    bool ok = wr == (ssize_t)len && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = false;
    if (!ok) {
        (void)unlink(path);
        set_why(why, "cannot write the file");
        return SIGNING_KEY_UNUSABLE;
    }
    return SIGNING_KEY_OK;
}

enum signing_key_result signing_key_write(const char *path, const struct signing_key *k,
                                          const uint8_t key_id[SIGNING_KEY_ID_LEN], bool force,
                                          const char **why)
{
    uint8_t raw[1 + SIGNING_KEY_SEED_LEN];
    char b64[4 * ((sizeof raw + 2) / 3) + 1];
    char line[KEY_LINE_MAX];
    raw[0] = 0x01;
    memcpy(raw + 1, k->seed, SIGNING_KEY_SEED_LEN);
    base64_encode(raw, sizeof raw, b64, BASE64_STD);
    sodium_memzero(raw, sizeof(raw));
    int len = snprintf(line, sizeof(line), "PRIVATE+KEY+%s+%02x%02x%02x%02x+%s\n", k->name,
                       key_id[0], key_id[1], key_id[2], key_id[3], b64);
    sodium_memzero(b64, sizeof(b64));
    enum signing_key_result rc;
    if (len < 0 || (size_t)len >= sizeof line) {
        set_why(why, "key name too long");
        rc = SIGNING_KEY_UNUSABLE;
    } else if (!force) {
        rc = write_new(path, line, (size_t)len, why);
    } else {
        /* Replace atomically: readers see the old key or the new one. */
        char tmp[4096 + 16];
        snprintf(tmp, sizeof tmp, "%s.new", path);
        (void)unlink(tmp);
        rc = write_new(tmp, line, (size_t)len, why);
        if (rc == SIGNING_KEY_OK && rename(tmp, path) != 0) {
            (void)unlink(tmp);
            set_why(why, "cannot replace the file");
            rc = SIGNING_KEY_UNUSABLE;
        }
    }
    sodium_memzero(line, sizeof(line));
    return rc;
}

int signing_key_mkdir(const char *dir)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

void signing_key_generate(struct signing_key *k, const char *name)
{
    snprintf(k->name, sizeof k->name, "%s", name);
    randombytes_buf(k->seed, sizeof k->seed);
}

void signing_key_wipe(struct signing_key *k)
{
    sodium_memzero(k->seed, sizeof k->seed);
}
