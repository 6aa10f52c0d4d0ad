/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration_audit/witness_util.h — live pnyx-witness processes for
 * the record and witness-quorum tests: run a command and read its output,
 * make a witness key, start `pnyx-witness serve` on a port (0 = any; the
 * process dies with the test) and stop it. Header-only (static functions).
 */
#ifndef PNYX_TESTS_WITNESS_UTIL_H
#define PNYX_TESTS_WITNESS_UTIL_H

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "core/audit/note.h"
#include "core/audit/witness.h"
#include "harness.h"

#define WITNESS_UTIL_FN static __attribute__((unused))

/* Runs cmd with popen: its whole stdout (malloc'd), *status its exit code. */
WITNESS_UTIL_FN char *wu_run(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    cr_assert(p != NULL, "%s", cmd);
    size_t cap = 65536, n = 0;
    char *out = malloc(cap);
    size_t r;
    while ((r = fread(out + n, 1, cap - n - 1, p)) > 0) {
        n += r;
        if (n + 1 == cap) {
            cap *= 2;
            out = realloc(out, cap);
        }
    }
    out[n] = '\0';
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

struct witness_proc {
    pid_t pid;
    unsigned port;
    char key[300], state[300], log[300], vkey[NOTE_VKEY_MAX];
    struct note_verifier v;
};

/* A new witness key named name, its state and log files under dir. */
WITNESS_UTIL_FN void witness_keygen(struct witness_proc *w, const char *dir, const char *name)
{
    snprintf(w->key, sizeof w->key, "%s/%s.key", dir, name);
    snprintf(w->state, sizeof w->state, "%s/%s.state", dir, name);
    snprintf(w->log, sizeof w->log, "%s/%s.log", dir, name);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "%s keygen --name %s --key %s", PNYX_TEST_WITNESS, name, w->key);
    int st;
    char *out = wu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", cmd);
    /* a key file is the witness's identity: owner-only (0600) */
    struct stat kst;
    cr_assert_eq(stat(w->key, &kst), 0, "%s", w->key);
    cr_assert_eq(kst.st_mode & 0777, 0600, "%s has mode %o", w->key,
                 (unsigned)(kst.st_mode & 0777));
    h_secret_key_file(w->key);
    snprintf(w->vkey, sizeof w->vkey, "%.*s", (int)strcspn(out, "\n"), out);
    free(out);
    cr_assert_eq(witness_vkey_parse(&w->v, w->vkey, strlen(w->vkey)), AUDIT_OK, "%s", w->vkey);
}

/* Starts `pnyx-witness serve` on 127.0.0.1:port (0 = any) and reads the
 * port it listens on from its first line. */
WITNESS_UTIL_FN void witness_start(struct witness_proc *w, const char *log_arg, unsigned port)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fds[1], 1);
        FILE *lf = fopen(w->log, "a");
        if (lf != NULL) {
            dup2(fileno(lf), 2);
        }
        close(fds[0]);
        execl(PNYX_TEST_WITNESS, PNYX_TEST_WITNESS, "serve", "--key", w->key, "--state", w->state,
              "--listen", listen, "--log", log_arg, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    char line[200] = "";
    size_t n = 0;
    while (n < sizeof line - 1 && strchr(line, '\n') == NULL) {
        cr_assert(poll(&pfd, 1, 10000) == 1, "pnyx-witness did not start (log %s)", w->log);
        ssize_t r = read(fds[0], line + n, sizeof line - 1 - n);
        cr_assert(r > 0, "pnyx-witness exited (log %s)", w->log);
        n += (size_t)r;
        line[n] = '\0';
    }
    close(fds[0]);
    const char *colon = strrchr(line, ':');
    cr_assert(colon != NULL, "%s", line);
    w->port = (unsigned)atoi(colon + 1);
    w->pid = pid;
}

WITNESS_UTIL_FN void witness_stop(struct witness_proc *w)
{
    if (w->pid > 0) {
        kill(w->pid, SIGTERM);
        int st;
        waitpid(w->pid, &st, 0);
    }
    w->pid = 0;
}

#endif
