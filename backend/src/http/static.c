/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http/static.c — serves the web frontend from PNYX_STATIC_DIR: content
 * types by extension, strong ETags (SHA-256 of the content, recomputed only
 * when size/mtime/inode change), 304 on If-None-Match, "Cache-Control:
 * no-cache" (files are not fingerprinted, so browsers revalidate), and
 * index.html for client-side routes (extension-less paths outside /api/).
 *
 * Traversal: segments starting with '.' (so "..", ".git") are refused
 * before touching the file system, and the resolved real path must stay
 * under the real static root (symlinks out of it are refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "http/http_int.h"
#include "platform/log.h"

/* Why 1024 slots: the frontend has tens of files; a direct-mapped cache
 * (collisions simply recompute) keeps this lock-cheap and bounded. */
#define ETAG_CACHE_SLOTS 1024
/* Why 64 MiB: hashing is for frontend assets; bigger files are refused. */
#define STATIC_MAX_FILE (64u * 1024u * 1024u)

struct etag_slot {
    char path[PATH_MAX];
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    char etag[40];
};

static struct etag_slot *cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
    {".yaml", "application/yaml"},
};

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash)) {
        for (size_t i = 0; i < PNYX_ARRAY_LEN(types); i++) {
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
        }
    }
    return "application/octet-stream";
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Computes "\"<32 hex of SHA-256>\"" of fd's content. 0 or -1. */
static int hash_fd(int fd, off_t size, char *etag, size_t cap)
{
    crypto_hash_sha256_state st;
    unsigned char buf[16384], dig[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    off_t off = 0;
    while (off < size) {
        ssize_t n = pread(fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
        off += n;
    }
    crypto_hash_sha256_final(&st, dig);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, dig, 16);
    snprintf(etag, cap, "\"%s\"", hex);
    return 0;
}

static int etag_for(const char *path, int fd, const struct stat *sb, char *etag, size_t cap)
{
    pthread_mutex_lock(&cache_lock);
    if (!cache)
        cache = pnyx_xcalloc(ETAG_CACHE_SLOTS, sizeof(*cache));
    struct etag_slot *s = &cache[hash_str(path) % ETAG_CACHE_SLOTS];
    if (strcmp(s->path, path) == 0 && s->dev == sb->st_dev && s->ino == sb->st_ino &&
        s->size == sb->st_size && s->mtime.tv_sec == sb->st_mtim.tv_sec &&
        s->mtime.tv_nsec == sb->st_mtim.tv_nsec) {
        snprintf(etag, cap, "%s", s->etag);
        pthread_mutex_unlock(&cache_lock);
        return 0;
    }
    pthread_mutex_unlock(&cache_lock);
    if (hash_fd(fd, sb->st_size, etag, cap) != 0)
        return -1;
    pthread_mutex_lock(&cache_lock);
    snprintf(s->path, sizeof s->path, "%s", path);
    s->dev = sb->st_dev;
    s->ino = sb->st_ino;
    s->size = sb->st_size;
    s->mtime = sb->st_mtim;
    snprintf(s->etag, sizeof s->etag, "%s", etag);
    pthread_mutex_unlock(&cache_lock);
    return 0;
}

/* Does an If-None-Match list contain etag (or "*")? Weak validators
 * (W/"…") compare by their opaque part, as RFC 9110 requires for INM. */
static bool inm_matches(const char *inm, const char *etag)
{
    size_t el = strlen(etag);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        size_t len = strcspn(p, ",");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len == el && memcmp(p, etag, el) == 0)
            return true;
        p += strcspn(p, ",");
    }
    return false;
}

static enum MHD_Result not_found(struct req *r)
{
    struct api_reply rep = {0};
    api_problem(&rep, API_E_NOT_FOUND, NULL);
    return reply_send(r, &rep);
}

/* Safe relative path? No '.'-leading segment, no backslash, no empty. */
static bool path_ok(const char *path)
{
    if (path[0] != '/' || strchr(path, '\\'))
        return false;
    for (const char *p = path; *p; p++) {
        if (p[0] == '/' && p[1] == '.')
            return false;
    }
    return true;
}

/* Opens root + rel if it resolves inside root and is a regular file.
 * Returns fd or -1 (errno ENOENT for "not there", EISDIR for a dir). */
static int open_under(const char *root, const char *rel, char *resolved, struct stat *sb)
{
    char full[PATH_MAX];
    if ((size_t)snprintf(full, sizeof full, "%s%s", root, rel) >= sizeof full) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (!realpath(full, resolved))
        return -1;
    size_t rl = strlen(root);
    if (strncmp(resolved, root, rl) != 0 || (resolved[rl] != '/' && resolved[rl] != '\0')) {
        errno = EACCES;
        return -1;
    }
    int fd = open(resolved, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, sb) != 0) {
        close(fd);
        return -1;
    }
    if (S_ISDIR(sb->st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    if (!S_ISREG(sb->st_mode) || sb->st_size > (off_t)STATIC_MAX_FILE) {
        close(fd);
        errno = EACCES;
        return -1;
    }
    return fd;
}

enum MHD_Result static_serve(struct req *r)
{
    const char *root = r->srv->static_root;
    const char *path = r->rq.path;
    if (!root || !path_ok(path))
        return not_found(r);
    char resolved[PATH_MAX];
    struct stat sb;
    int fd = -1;
    if (strcmp(path, "/") != 0)
        fd = open_under(root, path, resolved, &sb);
    if (fd < 0 && strcmp(path, "/") != 0 && errno == EISDIR) {
        char *idx = arena_printf(r->arena, "%s/index.html", path);
        fd = open_under(root, idx, resolved, &sb);
    }
    if (fd < 0) {
        /* Client-side route: an extension-less last segment gets the app
         * shell; a missing asset (has a '.') is a plain 404. */
        const char *last = strrchr(path, '/');
        if (strcmp(path, "/") != 0 && (errno != ENOENT && errno != ENOTDIR && errno != EISDIR))
            return not_found(r);
        if (last && strchr(last, '.'))
            return not_found(r);
        fd = open_under(root, "/index.html", resolved, &sb);
        if (fd < 0)
            return not_found(r);
    }
    char etag[40];
    if (etag_for(resolved, fd, &sb, etag, sizeof etag) != 0) {
        close(fd);
        log_warn("cannot read static file %s", resolved);
        return not_found(r);
    }
    const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
    struct MHD_Response *resp;
    unsigned status;
    if (inm && inm_matches(inm, etag)) {
        close(fd);
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
    } else {
        /* MHD owns fd from here and closes it when the response is freed. */
        resp = MHD_create_response_from_fd64((uint64_t)sb.st_size, fd);
        if (!resp) {
            close(fd);
            return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(resolved));
        status = MHD_HTTP_OK;
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    reply_common_headers(resp, r);
    enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->phase = REQ_ANSWERED;
    r->status = status;
    return ret;
}
