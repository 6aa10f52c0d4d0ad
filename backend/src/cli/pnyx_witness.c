/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pnyx-witness: a C2SP tlog-witness (add-checkpoint) for Pnyx audit logs.
 *
 *   pnyx-witness keygen --name NAME --key FILE     new key file (0600), prints the vkey
 *   pnyx-witness vkey --key FILE                   prints the cosigner vkey
 *   pnyx-witness serve --key FILE --state FILE --listen HOST:PORT
 *                      --log ORIGIN_PREFIX=LOG_VKEY [--log …]
 *
 * serve answers POST /add-checkpoint (tlog-witness): the checkpoint's origin
 * must start with a configured prefix (else 404), carry a valid signature by
 * that prefix's log key (else 403); then core/audit/witness.c decides (400,
 * 409 with text/x.tlog.size, 409 split view, 422 bad proof, 200 with one
 * cosignature/v1 line). A cosigned checkpoint is written to the state file
 * (temporary file, fsync, rename, fsync of the directory) BEFORE the 200
 * leaves; a failed write answers 500 and changes nothing. One thread serves
 * every request (MHD internal polling thread), so check and persist are
 * atomic with respect to each other. Refusals of a known, correctly signed
 * log are logged to stderr with the checkpoint (evidence of misbehaviour).
 * Port 0 picks a free port; the bound address is printed on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "core/audit/note.h"
#include "core/audit/witness.h"

#define MAX_LOGS    16
#define MAX_BODY    (NOTE_MAX_LEN + 4096)
#define KEY_MAGIC   "pnyx-witness-key/1\n"
#define MAX_ORIGINS 100000

struct log_cfg {
    char prefix[NOTE_ORIGIN_MAX + 1];
    struct note_verifier key;
};

struct origin_state {
    char *origin;
    struct witness_log_state st;
};

static struct {
    struct note_signer signer;
    struct log_cfg logs[MAX_LOGS];
    int n_logs;
    const char *state_path;
    struct origin_state *origins;
    size_t n_origins, cap_origins;
} W;

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pnyx-witness: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* --- key file ----------------------------------------------------------------- */

static void key_write(const char *path, const char *name)
{
    uint8_t seed[NOTE_SEED_LEN];
    randombytes_buf(seed, sizeof seed);
    if (witness_signer_from_seed(&W.signer, name, seed) != AUDIT_OK) {
        die("invalid key name '%s'", name);
    }
    char b64[AUDIT_B64_LEN(NOTE_SEED_LEN) + 1];
    audit_b64_encode(seed, sizeof seed, b64);
    sodium_memzero(seed, sizeof seed);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        die("cannot create the key file %s (it must not exist yet)", path);
    }
    FILE *f = fdopen(fd, "w");
    fprintf(f, "%sname %s\nseed %s\n", KEY_MAGIC, name, b64);
    sodium_memzero(b64, sizeof b64);
    if (fflush(f) != 0 || fsync(fd) != 0 || fclose(f) != 0) {
        die("cannot write %s", path);
    }
}

static void key_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        die("cannot read the key file %s", path);
    }
    /* As pnyxd does for its signing key (platform/signing_key.c): warn, do
     * not refuse, so a witness restored from a backup with a loose mode
     * keeps cosigning while its operator is told (issue 13). */
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077) != 0) {
        fprintf(stderr, "pnyx-witness: key file %s is readable by others (mode %o); chmod 600 it\n",
                path, (unsigned)(sb.st_mode & 0777));
    }
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *name = NULL, *seed_b64 = NULL;
    if (strncmp(buf, KEY_MAGIC, strlen(KEY_MAGIC)) != 0) {
        die("%s is not a pnyx-witness key file", path);
    }
    for (char *line = strtok(buf + strlen(KEY_MAGIC), "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "name ", 5) == 0) {
            name = line + 5;
        } else if (strncmp(line, "seed ", 5) == 0) {
            seed_b64 = line + 5;
        }
    }
    uint8_t seed[NOTE_SEED_LEN];
    size_t got = 0;
    if (name == NULL || seed_b64 == NULL ||
        audit_b64_decode(seed_b64, strlen(seed_b64), seed, sizeof seed, &got) != AUDIT_OK ||
        got != NOTE_SEED_LEN || witness_signer_from_seed(&W.signer, name, seed) != AUDIT_OK) {
        die("malformed key file %s", path);
    }
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(buf, sizeof buf);
}

static void print_vkey(void)
{
    char vkey[NOTE_VKEY_MAX];
    size_t len;
    if (witness_vkey_format(&W.signer.v, vkey, sizeof vkey, &len) != AUDIT_OK) {
        die("%s", "cannot format the vkey");
    }
    printf("%s\n", vkey);
}

/* --- state ---------------------------------------------------------------------- */

static struct origin_state *origin_find(const char *origin, size_t len, bool create)
{
    for (size_t i = 0; i < W.n_origins; i++) {
        if (strlen(W.origins[i].origin) == len && memcmp(W.origins[i].origin, origin, len) == 0) {
            return &W.origins[i];
        }
    }
    if (!create || W.n_origins >= MAX_ORIGINS) {
        return NULL;
    }
    if (W.n_origins == W.cap_origins) {
        size_t cap = W.cap_origins ? 2 * W.cap_origins : 16;
        struct origin_state *o = realloc(W.origins, cap * sizeof *o);
        if (o == NULL) {
            return NULL;
        }
        W.origins = o;
        W.cap_origins = cap;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        return NULL;
    }
    memcpy(copy, origin, len);
    copy[len] = '\0';
    struct origin_state *o = &W.origins[W.n_origins++];
    o->origin = copy;
    memset(&o->st, 0, sizeof o->st);
    return o;
}

static void state_load(void)
{
    FILE *f = fopen(W.state_path, "r");
    if (f == NULL) {
        if (errno == ENOENT) {
            return; /* a new witness */
        }
        die("cannot read the state file %s", W.state_path);
    }
    char line[NOTE_ORIGIN_MAX + 128];
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n') {
            die("state file %s: a line is truncated or too long", W.state_path);
        }
        if (lineno == 1) {
            if (strcmp(line, "pnyx-witness-state/1\n") != 0) {
                die("%s is not a pnyx-witness state file", W.state_path);
            }
            continue;
        }
        const char *origin;
        size_t olen;
        struct witness_log_state st;
        if (witness_state_parse_line(line, len - 1, &origin, &olen, &st) != AUDIT_OK) {
            die("state file %s: malformed line", W.state_path);
        }
        struct origin_state *o = origin_find(origin, olen, true);
        if (o == NULL) {
            die("%s", "out of memory");
        }
        o->st = st;
    }
    fclose(f);
}

/* Temporary file, fsync, rename over the old one, fsync the directory. */
static int state_save(void)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", W.state_path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        return -1;
    }
    FILE *f = fdopen(fd, "w");
    int bad = fputs("pnyx-witness-state/1\n", f) < 0;
    for (size_t i = 0; i < W.n_origins && !bad; i++) {
        if (!W.origins[i].st.known) {
            continue;
        }
        char line[NOTE_ORIGIN_MAX + 128];
        size_t len;
        const char *o = W.origins[i].origin;
        bad = witness_state_line(o, strlen(o), &W.origins[i].st, line, sizeof line, &len) !=
                  AUDIT_OK ||
              fwrite(line, 1, len, f) != len;
    }
    if (fflush(f) != 0 || fsync(fd) != 0) {
        bad = 1;
    }
    if (fclose(f) != 0 || bad) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, W.state_path) != 0) {
        unlink(tmp);
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", W.state_path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* --- HTTP ------------------------------------------------------------------------- */

struct upload {
    char *buf;
    size_t len;
    bool too_big;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *ctype,
                             const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
                                                             MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", ctype);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static void evidence(const char *why, const struct witness_request *rq)
{
    fprintf(stderr, "pnyx-witness: REFUSED (%s) old=%" PRIu64 ", checkpoint:\n%.*s---\n", why,
            rq->old_size, (int)rq->note_len, rq->note);
    fflush(stderr);
}

static enum MHD_Result add_checkpoint(struct MHD_Connection *c, const char *body, size_t len)
{
    struct witness_request *rq = malloc(sizeof *rq);
    if (rq == NULL) {
        return reply(c, 500, "text/plain", "out of memory\n");
    }
    enum MHD_Result ret;
    struct note_checkpoint cp;
    if (witness_request_parse(body, len, rq) != AUDIT_OK) {
        ret = reply(c, 400, "text/plain", "malformed add-checkpoint request\n");
        goto out;
    }
    /* Which log: by origin prefix (parse the body's first line unsigned first). */
    const char *nl = memchr(rq->note, '\n', rq->note_len);
    size_t olen = nl ? (size_t)(nl - rq->note) : 0;
    const struct log_cfg *log = NULL;
    for (int i = 0; i < W.n_logs; i++) {
        size_t pl = strlen(W.logs[i].prefix);
        if (olen >= pl && memcmp(rq->note, W.logs[i].prefix, pl) == 0) {
            log = &W.logs[i];
            break;
        }
    }
    if (log == NULL) {
        ret = reply(c, 404, "text/plain", "unknown log origin\n");
        goto out;
    }
    int rc = note_checkpoint_open(&log->key, rq->note, rq->note_len, NULL, &cp);
    if (rc == AUDIT_ESYNTAX) {
        ret = reply(c, 400, "text/plain", "malformed checkpoint\n");
        goto out;
    }
    if (rc != AUDIT_OK) {
        ret = reply(c, 403, "text/plain", "no valid signature by the log's key\n");
        goto out;
    }
    struct origin_state *o = origin_find(cp.origin, cp.origin_len, true);
    if (o == NULL) {
        ret = reply(c, 503, "text/plain", "too many logs\n");
        goto out;
    }
    enum witness_verdict v =
        witness_decide(&o->st, rq->old_size, (const uint8_t(*)[MERKLE_HASH_LEN])rq->proof,
                       rq->proof_len, cp.size, cp.root);
    char msg[64];
    switch (v) {
    case WITNESS_BAD_REQUEST:
        ret = reply(c, 400, "text/plain", "old size above the checkpoint size\n");
        goto out;
    case WITNESS_SIZE_CONFLICT:
        snprintf(msg, sizeof msg, "%" PRIu64 "\n", o->st.known ? o->st.size : 0);
        ret = reply(c, 409, "text/x.tlog.size", msg);
        goto out;
    case WITNESS_SPLIT_VIEW:
        evidence("split view: same size, another root", rq);
        ret = reply(c, 409, "text/plain",
                    "split view: this size was cosigned with another root hash\n");
        goto out;
    case WITNESS_BAD_PROOF:
        evidence("consistency proof does not verify", rq);
        ret = reply(c, 422, "text/plain", "consistency proof does not verify\n");
        goto out;
    case WITNESS_COSIGN:
        break;
    }
    struct witness_log_state old = o->st;
    o->st.known = true;
    o->st.size = cp.size;
    memcpy(o->st.root, cp.root, MERKLE_HASH_LEN);
    if (state_save() != 0) {
        o->st = old;
        fprintf(stderr, "pnyx-witness: cannot write the state file %s\n", W.state_path);
        ret = reply(c, 500, "text/plain", "cannot persist the state\n");
        goto out;
    }
    /* The signed text: up to the newline before the note's last blank line. */
    size_t body_len = 0;
    for (size_t i = rq->note_len - 1; i > 0 && body_len == 0; i--) {
        if (rq->note[i] == '\n' && rq->note[i - 1] == '\n') {
            body_len = i;
        }
    }
    char line[WITNESS_COSIG_LINE_MAX];
    size_t ll;
    if (witness_cosign(&W.signer, rq->note, body_len, (uint64_t)time(NULL), line, sizeof line,
                       &ll) != AUDIT_OK) {
        ret = reply(c, 500, "text/plain", "cannot cosign\n");
        goto out;
    }
    ret = reply(c, 200, "text/plain; charset=utf-8", line);
out:
    free(rq);
    return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *data,
                                 size_t *data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct upload *u = *con_cls;
    if (u == NULL) {
        u = calloc(1, sizeof *u);
        if (u == NULL) {
            return MHD_NO;
        }
        *con_cls = u;
        return MHD_YES;
    }
    if (*data_size > 0) {
        if (u->len + *data_size > MAX_BODY) {
            u->too_big = true;
        } else {
            char *nb = realloc(u->buf, u->len + *data_size + 1);
            if (nb == NULL) {
                u->too_big = true;
            } else {
                u->buf = nb;
                memcpy(u->buf + u->len, data, *data_size);
                u->len += *data_size;
            }
        }
        *data_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/add-checkpoint") != 0) {
        if (strcmp(method, "GET") == 0 && strcmp(url, "/") == 0) {
            char vkey[NOTE_VKEY_MAX + 1];
            size_t len;
            if (witness_vkey_format(&W.signer.v, vkey, sizeof vkey - 1, &len) != AUDIT_OK) {
                return MHD_NO;
            }
            vkey[len] = '\n';
            vkey[len + 1] = '\0';
            return reply(c, 200, "text/plain", vkey);
        }
        return reply(c, 404, "text/plain", "not found\n");
    }
    if (strcmp(method, "POST") != 0) {
        return reply(c, 405, "text/plain", "POST only\n");
    }
    if (u->too_big) {
        return reply(c, 413, "text/plain", "request too large\n");
    }
    return add_checkpoint(c, u->buf ? u->buf : "", u->len);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct upload *u = *con_cls;
    if (u != NULL) {
        free(u->buf);
        free(u);
        *con_cls = NULL;
    }
}

static void usage(void)
{
    fputs("usage: pnyx-witness keygen --name NAME --key FILE\n"
          "       pnyx-witness vkey --key FILE\n"
          "       pnyx-witness serve --key FILE --state FILE --listen HOST:PORT\n"
          "                          --log ORIGIN_PREFIX=LOG_VKEY [--log ...]\n",
          stderr);
    exit(2);
}

static int serve(const char *listen)
{
    const char *colon = strrchr(listen, ':');
    if (colon == NULL) {
        die("--listen %s: expected HOST:PORT", listen);
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    long port = strtol(colon + 1, NULL, 10);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (port < 0 || port > 65535 || inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        die("--listen %s: expected an IPv4 HOST:PORT", listen);
    }
    state_load();
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, on_access,
        NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_done,
        NULL, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (d == NULL) {
        die("cannot listen on %s", listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("pnyx-witness: listening on %s:%u\n", host, info ? info->port : (unsigned)port);
    fflush(stdout);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    note_signer_fini(&W.signer);
    return 0;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0 || argc < 2) {
        usage();
    }
    /* Blocked before MHD starts its thread: only sigwait receives them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    const char *cmd = argv[1], *name = NULL, *key = NULL, *listen = NULL;
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc) {
            usage();
        }
        const char *opt = argv[i], *val = argv[++i];
        if (strcmp(opt, "--name") == 0) {
            name = val;
        } else if (strcmp(opt, "--key") == 0) {
            key = val;
        } else if (strcmp(opt, "--state") == 0) {
            W.state_path = val;
        } else if (strcmp(opt, "--listen") == 0) {
            listen = val;
        } else if (strcmp(opt, "--log") == 0) {
            const char *eq = strchr(val, '=');
            if (eq == NULL || W.n_logs == MAX_LOGS || (size_t)(eq - val) > NOTE_ORIGIN_MAX) {
                die("--log %s: expected ORIGIN_PREFIX=LOG_VKEY", val);
            }
            struct log_cfg *l = &W.logs[W.n_logs++];
            snprintf(l->prefix, sizeof l->prefix, "%.*s", (int)(eq - val), val);
            if (note_vkey_parse(&l->key, eq + 1, strlen(eq + 1)) != AUDIT_OK) {
                die("--log %s: the log vkey does not parse", val);
            }
        } else {
            usage();
        }
    }
    if (strcmp(cmd, "keygen") == 0 && name && key) {
        key_write(key, name);
        print_vkey();
        return 0;
    }
    if (strcmp(cmd, "vkey") == 0 && key) {
        key_read(key);
        print_vkey();
        return 0;
    }
    if (strcmp(cmd, "serve") == 0 && key && W.state_path && listen && W.n_logs > 0) {
        key_read(key);
        return serve(listen);
    }
    usage();
}
