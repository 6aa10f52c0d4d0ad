/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pnyx-tally: count one pnyx-election/1 file (../shared/ELECTION-FORMAT.md).
 *
 *   pnyx-tally [FILE|-] [--format json|text] [--timings]
 *
 * Writes the §10 result on stdout. Exit 0: counted. Exit 2: the input is
 * invalid (or the command line is): {"error": reason} on stdout, the reason
 * on stderr. Exit 1: an internal error (no memory, engine bug, write
 * failure), reason on stderr. A file is mmap'd (no copy); stdin is read into
 * a growing buffer. --timings prints the read/parse/count/write split on
 * stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec/election/election.h"

enum { EXIT_OK = 0, EXIT_INTERNAL = 1, EXIT_INVALID = 2 };

struct input {
    const char *data;
    size_t len;
    void *map;  /* mmap'd region, or NULL */
    char *heap; /* malloc'd buffer (stdin), or NULL */
};

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    (void)clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Wall-clock milliseconds (monotonic). */
static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

/* CPU milliseconds of this process: robust when the machine is shared. */
static double cpu_ms(void)
{
    return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

/* Writes {"error": reason} on stdout and the reason on stderr; returns 2. */
static int invalid(const char *reason)
{
    struct election_buf b = {0};
    (void)fprintf(stderr, "pnyx-tally: %s\n", reason);
    if (election_write_error(reason, &b) == 0) {
        (void)fwrite(b.data, 1, b.len, stdout);
    }
    election_buf_fini(&b);
    return EXIT_INVALID;
}

static int internal(const char *what)
{
    (void)fprintf(stderr, "pnyx-tally: internal error: %s\n", what);
    return EXIT_INTERNAL;
}

/* Reads all of stdin. Returns 0, or an errno value. */
static int read_stdin(struct input *in)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        return ENOMEM;
    }
    for (;;) {
        if (len == cap) {
            char *n = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (n == NULL) {
                free(buf);
                return ENOMEM;
            }
            buf = n;
            cap *= 2;
        }
        ssize_t r = read(STDIN_FILENO, buf + len, cap - len);
        if (r == 0) {
            break;
        }
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            int saved = errno;
            free(buf);
            return saved;
        }
        len += (size_t)r;
    }
    in->heap = buf;
    in->data = buf;
    in->len = len;
    return 0;
}

/* Maps a regular file, or reads it like stdin when it cannot be mapped (a pipe). */
static int read_file(const char *path, struct input *in)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        (void)close(fd);
        return saved;
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (m != MAP_FAILED) {
            (void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
            (void)close(fd);
            in->map = m;
            in->data = m;
            in->len = (size_t)st.st_size;
            return 0;
        }
    }
    if (S_ISDIR(st.st_mode)) {
        (void)close(fd);
        return EISDIR;
    }
    /* empty file, FIFO, or mmap refused: read it */
    int saved_in = dup(STDIN_FILENO);
    int rc = dup2(fd, STDIN_FILENO) < 0 ? errno : read_stdin(in);
    if (saved_in >= 0) {
        (void)dup2(saved_in, STDIN_FILENO);
        (void)close(saved_in);
    }
    (void)close(fd);
    return rc;
}

static void input_free(struct input *in)
{
    if (in->map != NULL) {
        (void)munmap(in->map, in->len);
    }
    free(in->heap);
}

static int usage(const char *why)
{
    char reason[300];
    (void)snprintf(reason, sizeof reason,
                   "%s (usage: pnyx-tally [FILE|-] [--format json|text] [--timings])", why);
    return invalid(reason);
}

/* TALLY_* status -> exit status class. */
static int is_input_error(int code)
{
    return code == TALLY_EINVAL || code == TALLY_ERANGE || code == TALLY_ETIE;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int text = 0, timings = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--format") == 0 && i + 1 < argc) {
            a = argv[++i];
            if (strcmp(a, "json") == 0) {
                text = 0;
            } else if (strcmp(a, "text") == 0) {
                text = 1;
            } else {
                return usage("--format must be json or text");
            }
        } else if (strncmp(a, "--format=", 9) == 0) {
            if (strcmp(a + 9, "json") == 0) {
                text = 0;
            } else if (strcmp(a + 9, "text") == 0) {
                text = 1;
            } else {
                return usage("--format must be json or text");
            }
        } else if (strcmp(a, "--timings") == 0) {
            timings = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            (void)puts("usage: pnyx-tally [FILE|-] [--format json|text] [--timings]\n"
                       "Counts a pnyx-election/1 file and prints the result (JSON by default).\n"
                       "Exit 0 ok, 2 invalid input ({\"error\": ...} on stdout), 1 internal "
                       "error.");
            return EXIT_OK;
        } else if (a[0] == '-' && a[1] != '\0') {
            char why[200];
            (void)snprintf(why, sizeof why, "unknown option %.60s", a);
            return usage(why);
        } else if (path == NULL) {
            path = a;
        } else {
            return usage("only one input file");
        }
    }

    struct input in = {0};
    struct tally_election e;
    struct tally_result r;
    struct tally_error err = {0};
    struct election_buf out = {0};
    int status = EXIT_INTERNAL;
    memset(&r, 0, sizeof r);
    tally_election_init(&e);

    double t0 = now_ms();
    int rc = (path == NULL || strcmp(path, "-") == 0) ? read_stdin(&in) : read_file(path, &in);
    if (rc != 0) {
        char why[300];
        (void)snprintf(why, sizeof why, "cannot read %.200s: %s", path ? path : "standard input",
                       strerror(rc));
        status = rc == ENOMEM ? internal(why) : invalid(why);
        goto out;
    }
    double t1 = now_ms(), c1 = cpu_ms();
    rc = election_read(in.data, in.len, &e, &err);
    double t2 = now_ms(), c2 = cpu_ms();
    if (rc == TALLY_OK) {
        rc = tally_run(&e, &r, &err);
    }
    double t3 = now_ms(), c3 = cpu_ms();
    if (rc != TALLY_OK) {
        const char *why = err.reason[0] ? err.reason : tally_status_str(rc);
        status = is_input_error(rc) ? invalid(why) : internal(why);
        goto out;
    }
    rc = text ? election_write_text(&e, &r, &out) : election_write_json(&e, &r, &out);
    if (rc != 0) {
        status = internal("out of memory writing the result");
        goto out;
    }
    if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
        status = internal("cannot write the result to standard output");
        goto out;
    }
    double t4 = now_ms();
    status = EXIT_OK;
    if (timings) {
        double mb = (double)in.len / 1e6;
        (void)fprintf(stderr,
                      "pnyx-tally: timings: read %.1f ms, parse %.1f ms (%.1f MB, %.0f MB/s, "
                      "%" PRIu64 " entries -> %zu distinct), count %.1f ms, write %.1f ms, "
                      "total %.1f ms; cpu: parse %.1f ms, count %.1f ms, total %.1f ms\n",
                      t1 - t0, t2 - t1, mb, t2 > t1 ? mb / ((t2 - t1) / 1e3) : 0.0, e.n_added,
                      e.n_entries, t3 - t2, t4 - t3, t4 - t0, c2 - c1, c3 - c2, cpu_ms());
    }
out:
    election_buf_fini(&out);
    tally_result_fini(&r);
    tally_election_fini(&e);
    input_free(&in);
    return status;
}
