/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/translator.c — the pluggable machine translator (translator.h).
 *
 * Child processes: posix_spawn with an explicit argv and the parent's
 * environment (Apertium's `apertium` is itself a script that runs its
 * pipeline of lt-proc, apertium-transfer, …; what we hand it is argv
 * entries and stdin bytes, never a command line). The child leads its own
 * session and process group, so a timeout kills the whole pipeline (kill(-pid)), not
 * just its first process; its signal mask is emptied and SIGPIPE restored
 * to default (pnyxd blocks SIGINT/SIGTERM and ignores SIGPIPE, and both
 * would otherwise be inherited across exec). It runs at nice 10 in a
 * scheduler group of its own at nice 10 (see TRANSLATOR_NICE_STR), so it
 * yields the CPU to requests; its whole pipeline inherits that.
 *
 * Apertium flags: `-u` drops the '*' marks of unknown words. Decision: we
 * pass it. The translation is labelled "machine" wherever it appears, and
 * unknown words are mostly names (Lagos, Kyiv) that a reader should see
 * unchanged, not starred; the original is always one click away.
 *
 * `-f html-noent`: text must survive that is not prose — link targets of
 * the Markdown subset (`[text](URL)`), bare URLs and `inline code` — or a
 * translated link would point elsewhere. Apertium passes markup through
 * untouched (as "superblanks", kept beside the words around them), so
 * each such span is replaced by a tag `<i k="N"/>` and put back after;
 * `&`, `<`, `>` of the text are escaped as entities (html-noent leaves
 * other characters alone), and newlines and spaces survive, so paragraph
 * breaks and list markers do too. A pivot runs the second mode on the
 * first one's output as it is (still escaped).
 */
#define _GNU_SOURCE
#include "platform/translator.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* --- language codes -------------------------------------------------------- */

/* ISO 639-3 (as Debian's newer Apertium pairs name their modes) → 639-1. */
static const char *const iso3[][2] = {
    {"afr", "af"}, {"ara", "ar"}, {"arg", "an"}, {"bel", "be"}, {"bos", "bs"}, {"bre", "br"},
    {"bul", "bg"}, {"cat", "ca"}, {"ces", "cs"}, {"cym", "cy"}, {"dan", "da"}, {"deu", "de"},
    {"ell", "el"}, {"eng", "en"}, {"epo", "eo"}, {"est", "et"}, {"eus", "eu"}, {"fao", "fo"},
    {"fin", "fi"}, {"fra", "fr"}, {"gle", "ga"}, {"glg", "gl"}, {"heb", "he"}, {"hin", "hi"},
    {"hrv", "hr"}, {"hye", "hy"}, {"isl", "is"}, {"ita", "it"}, {"kaz", "kk"}, {"kir", "ky"},
    {"kur", "ku"}, {"lat", "la"}, {"lav", "lv"}, {"lit", "lt"}, {"mkd", "mk"}, {"mlt", "mt"},
    {"nld", "nl"}, {"nno", "nn"}, {"nob", "nb"}, {"oci", "oc"}, {"pol", "pl"}, {"por", "pt"},
    {"ron", "ro"}, {"rus", "ru"}, {"slk", "sk"}, {"slv", "sl"}, {"sme", "se"}, {"spa", "es"},
    {"sqi", "sq"}, {"srp", "sr"}, {"swe", "sv"}, {"tat", "tt"}, {"tur", "tr"}, {"ukr", "uk"},
    {"urd", "ur"}, {"uzb", "uz"}, {"zho", "zh"},
};

bool translator_code_to_lang(const char *code, char *out, size_t cap)
{
    size_t n = strlen(code);
    if (n < 2 || n > 3 || cap < 4)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (code[i] < 'a' || code[i] > 'z')
            return false;
    }
    if (n == 2) {
        memcpy(out, code, 3);
        return true;
    }
    for (size_t i = 0; i < sizeof iso3 / sizeof iso3[0]; i++) {
        if (strcmp(iso3[i][0], code) == 0) {
            snprintf(out, cap, "%s", iso3[i][1]);
            return true;
        }
    }
    /* A 639-3 code without a 639-1 one (ast, srd, …) is its own tag. */
    memcpy(out, code, 4);
    return true;
}

void translator_primary(const char *tag, char out[TRANSLATOR_LANG_MAX])
{
    size_t i = 0;
    for (; tag[i] && tag[i] != '-' && tag[i] != '_' && i < TRANSLATOR_LANG_MAX - 1; i++) {
        char ch = tag[i];
        out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    out[i] = '\0';
}

/* --- pairs ------------------------------------------------------------------ */

static bool parse_mode(const char *mode, char from[TRANSLATOR_LANG_MAX],
                       char to[TRANSLATOR_LANG_MAX])
{
    const char *dash = strchr(mode, '-');
    if (!dash || strchr(dash + 1, '-'))
        return false; /* "en-es-anmor", "en-es-postchunk": debugging modes */
    char a[8], b[8];
    size_t la = (size_t)(dash - mode), lb = strlen(dash + 1);
    if (la == 0 || la >= sizeof a || lb == 0 || lb >= sizeof b)
        return false;
    memcpy(a, mode, la);
    a[la] = '\0';
    memcpy(b, dash + 1, lb + 1);
    return translator_code_to_lang(a, from, TRANSLATOR_LANG_MAX) &&
           translator_code_to_lang(b, to, TRANSLATOR_LANG_MAX) && strcmp(from, to) != 0;
}

static int pair_cmp(const void *x, const void *y)
{
    const struct translator_pair *p = x, *q = y;
    int c = strcmp(p->from, q->from);
    return c ? c : strcmp(p->to, q->to);
}

static const struct translator_pair *find_direct(const struct translator *t, size_t n,
                                                 const char *from, const char *to)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t->pairs[i].from, from) == 0 && strcmp(t->pairs[i].to, to) == 0)
            return &t->pairs[i];
    }
    return NULL;
}

void translator_set_modes(struct translator *t, const char *const *modes, size_t n)
{
    t->npairs = 0;
    for (size_t i = 0; i < n && t->npairs < TRANSLATOR_PAIRS_MAX; i++) {
        struct translator_pair p = {0};
        if (!parse_mode(modes[i], p.from, p.to) || strlen(modes[i]) >= TRANSLATOR_MODE_MAX)
            continue;
        if (find_direct(t, t->npairs, p.from, p.to))
            continue; /* "en-es" and "eng-spa" both installed: keep the first */
        snprintf(p.mode1, sizeof p.mode1, "%s", modes[i]);
        t->pairs[t->npairs++] = p;
    }
    size_t ndirect = t->npairs;
    qsort(t->pairs, ndirect, sizeof t->pairs[0], pair_cmp);
    /* One pivot: from→via→to where no direct from→to exists. The directs
     * are sorted, so the pivot chosen is the alphabetically first shared
     * language: deterministic across restarts. */
    for (size_t i = 0; i < ndirect; i++) {
        for (size_t j = 0; j < ndirect && t->npairs < TRANSLATOR_PAIRS_MAX; j++) {
            const struct translator_pair *a = &t->pairs[i], *b = &t->pairs[j];
            if (strcmp(a->to, b->from) != 0 || strcmp(a->from, b->to) == 0)
                continue;
            if (find_direct(t, t->npairs, a->from, b->to))
                continue;
            struct translator_pair p = {0};
            memcpy(p.from, a->from, sizeof p.from);
            memcpy(p.to, b->to, sizeof p.to);
            memcpy(p.via, a->to, sizeof p.via);
            memcpy(p.mode1, a->mode1, sizeof p.mode1);
            memcpy(p.mode2, b->mode1, sizeof p.mode2);
            t->pairs[t->npairs++] = p;
        }
    }
    if (t->npairs > ndirect)
        qsort(t->pairs + ndirect, t->npairs - ndirect, sizeof t->pairs[0], pair_cmp);
}

const struct translator_pair *translator_find(const struct translator *t, const char *from,
                                              const char *to)
{
    if (t->kind != TRANSLATOR_APERTIUM)
        return NULL;
    return find_direct(t, t->npairs, from, to);
}

bool translator_any_pair(const struct translator *t)
{
    return t->kind == TRANSLATOR_COMMAND;
}

bool translator_reaches(const struct translator *t, const char *from, const char *to)
{
    char f[TRANSLATOR_LANG_MAX], g[TRANSLATOR_LANG_MAX];
    translator_primary(from, f);
    translator_primary(to, g);
    if (!*f || !*g || strcmp(f, g) == 0)
        return false;
    if (t->kind == TRANSLATOR_COMMAND)
        return true;
    return translator_find(t, f, g) != NULL;
}

/* --- running a child -------------------------------------------------------- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/*
 * How much CPU translation may take from requests. Why nice 10: a task (and
 * a scheduler group) at nice 10 weighs 110 against a nice-0 one's 1024, so
 * under full load translation gets about a tenth of a normal share — it
 * slows requests by at most that much, and still makes progress. SCHED_IDLE
 * (weight 3) was measured too: requests were unaffected, but on a machine
 * saturated by other work no job finished in 20 s and jobs timed out.
 *
 * With autogroup scheduling (Linux, sched_autogroup_enabled: the default on
 * most distributions) CPU time is first shared between sessions, and nice
 * only ranks tasks within their own session's group: a niced translator in
 * pnyxd's session still takes that session's full share from PostgreSQL's
 * (measured: reads fell to a third beside an Apertium loop at SCHED_IDLE in
 * the same session, not at all with the loop in its own session at
 * autogroup nice 19). So the child gets its own session (POSIX_SPAWN_SETSID)
 * and that session's group the same nice value. Without autogroups the
 * file does not exist and the process nice alone applies.
 */
#define TRANSLATOR_NICE_STR "10"
static void lower_autogroup(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/autogroup", (int)pid);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t w = write(fd, TRANSLATOR_NICE_STR, strlen(TRANSLATOR_NICE_STR));
    (void)w;
    close(fd);
}

/* The argv prefix that runs a program at nice TRANSLATOR_NICE (coreutils'
 * nice(1): sets the value and execs the program with the rest of the
 * argv), or NULL where it is missing (found once). */
static const char *g_low_argv[4];
static pthread_once_t g_low_once = PTHREAD_ONCE_INIT;
static void find_low_prefix(void)
{
    static const char *const nice_[] = {"/usr/bin/nice", "/bin/nice"};
    for (size_t i = 0; i < 2; i++) {
        if (access(nice_[i], X_OK) == 0) {
            g_low_argv[0] = nice_[i];
            g_low_argv[1] = "-n";
            g_low_argv[2] = TRANSLATOR_NICE_STR;
            return;
        }
    }
}
static const char *const *low_prefix(void)
{
    pthread_once(&g_low_once, find_low_prefix);
    return g_low_argv[0] ? g_low_argv : NULL;
}

static atomic_bool g_cancelled;

void translator_cancel_all(bool cancelled)
{
    atomic_store(&g_cancelled, cancelled);
}

bool translator_cancelled(void)
{
    return atomic_load(&g_cancelled);
}

int translator_spawn(char *const argv[], const char *input, size_t inlen, unsigned timeout_ms,
                     size_t max_output, char **out, size_t *outlen, char *err, size_t errlen)
{
    int in[2] = {-1, -1}, po[2] = {-1, -1}, pe[2] = {-1, -1};
    char *buf = NULL;
    size_t len = 0, cap = 0;
    char ebuf[TRANSLATOR_ERR_MAX];
    size_t elen = 0;
    int rc = -1;
    pid_t pid = -1;
    const char *why = NULL;
    bool spawn_attr = false, spawn_fa = false;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;

    *out = NULL;
    *outlen = 0;
    err[0] = '\0';
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto out;
    }
    if (posix_spawnattr_init(&attr) != 0)
        goto out;
    spawn_attr = true;
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGTERM);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &def);
    /* Its own session (so also its own process group, for the kill, and
     * its own scheduler autogroup, below). */
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
    if (posix_spawn_file_actions_init(&fa) != 0)
        goto out;
    spawn_fa = true;
    /* dup2 clears FD_CLOEXEC on the target; every other pipe end is
     * O_CLOEXEC and so closed by exec. */
    posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, po[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pe[1], STDERR_FILENO);
    /* Translation is background work: the child (and the pipeline it
     * starts) runs at nice TRANSLATOR_NICE, through coreutils' `nice -n 10
     * PROGRAM ARGS…` (still an argv, no shell; posix_spawn has no nice
     * attribute, and this thread could not raise its priority back). */
    char *const *run = argv;
    char **wrapped = NULL;
    const char *const *pre = low_prefix();
    if (pre) {
        size_t np = 0, na = 0;
        while (pre[np])
            np++;
        while (argv[na])
            na++;
        wrapped = calloc(np + na + 1, sizeof *wrapped);
        if (wrapped) {
            for (size_t i = 0; i < np; i++)
                wrapped[i] = (char *)pre[i];
            for (size_t i = 0; i < na; i++)
                wrapped[np + i] = argv[i];
            run = wrapped;
        }
    }
    int se = posix_spawn(&pid, run[0], &fa, &attr, run, environ);
    free(wrapped);
    if (se == 0)
        lower_autogroup(pid);
    if (se != 0) {
        pid = -1;
        snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(se));
        goto out;
    }
    close_fd(&in[0]);
    close_fd(&po[1]);
    close_fd(&pe[1]);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(po[0], F_SETFL, O_NONBLOCK);
    fcntl(pe[0], F_SETFL, O_NONBLOCK);

    size_t sent = 0;
    if (inlen == 0)
        close_fd(&in[1]);
    int64_t deadline = mono_ms() + timeout_ms;
    while (po[0] >= 0 || pe[0] >= 0) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            why = "timeout";
            break;
        }
        if (atomic_load(&g_cancelled)) {
            why = "cancelled: pnyxd is stopping";
            break;
        }
        if (left > 100) {
            left = 100; /* wakes to see a cancel */
        }
        struct pollfd pf[3];
        int np = 0, iw = -1, io = -1, ie = -1;
        if (in[1] >= 0) {
            iw = np;
            pf[np++] = (struct pollfd){.fd = in[1], .events = POLLOUT};
        }
        if (po[0] >= 0) {
            io = np;
            pf[np++] = (struct pollfd){.fd = po[0], .events = POLLIN};
        }
        if (pe[0] >= 0) {
            ie = np;
            pf[np++] = (struct pollfd){.fd = pe[0], .events = POLLIN};
        }
        int pr = poll(pf, (nfds_t)np, (int)left);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            why = "poll failed";
            break;
        }
        if (iw >= 0 && pf[iw].revents) {
            if (pf[iw].revents & (POLLERR | POLLHUP)) {
                close_fd(&in[1]); /* the child stopped reading: its exit status tells */
            } else {
                ssize_t w = write(in[1], input + sent, inlen - sent);
                if (w > 0)
                    sent += (size_t)w;
                else if (w < 0 && errno != EAGAIN && errno != EINTR)
                    close_fd(&in[1]);
                if (sent == inlen)
                    close_fd(&in[1]);
            }
        }
        if (io >= 0 && pf[io].revents) {
            if (cap - len < 4096 + 1) {
                size_t ncap = cap ? cap * 2 : 8192;
                if (ncap > max_output + 4096 + 1)
                    ncap = max_output + 4096 + 1;
                char *nb = realloc(buf, ncap);
                if (!nb) {
                    why = "out of memory";
                    break;
                }
                buf = nb;
                cap = ncap;
            }
            ssize_t r = read(po[0], buf + len, cap - len - 1);
            if (r > 0) {
                len += (size_t)r;
                if (len > max_output) {
                    why = "output limit exceeded";
                    break;
                }
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                close_fd(&po[0]);
            }
        }
        if (ie >= 0 && pf[ie].revents) {
            char tmp[1024];
            ssize_t r = read(pe[0], tmp, sizeof tmp);
            if (r > 0) {
                size_t k = (size_t)r;
                if (k > sizeof ebuf - 1 - elen)
                    k = sizeof ebuf - 1 - elen;
                memcpy(ebuf + elen, tmp, k);
                elen += k;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                close_fd(&pe[0]);
            }
        }
    }
    if (why)
        kill(-pid, SIGKILL); /* the whole group: a pipeline's every process */
    int status = 0;
    /* After a kill, or once both pipes are closed, the child is exiting;
     * still bound the wait by the deadline (a child that closed its
     * outputs but keeps running). */
    for (;;) {
        pid_t w = waitpid(pid, &status, why ? 0 : WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            why = why ? why : "waitpid failed";
            break;
        }
        if (w == 0) {
            if (mono_ms() >= deadline) {
                why = "timeout";
                kill(-pid, SIGKILL);
                continue;
            }
            struct timespec ts = {0, 5 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (!why) {
        /* Grandchildren still holding the pipes are gone with the group. */
        kill(-pid, SIGKILL);
    }
    pid = -1;
    while (elen > 0 && (ebuf[elen - 1] == '\n' || ebuf[elen - 1] == '\r'))
        elen--;
    ebuf[elen] = '\0';
    if (why) {
        snprintf(err, errlen, "%s%s%s", why, elen ? ": " : "", ebuf);
    } else if (WIFSIGNALED(status)) {
        snprintf(err, errlen, "killed by signal %d%s%s", WTERMSIG(status), elen ? ": " : "", ebuf);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "exit status %d%s%s", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                 elen ? ": " : "", ebuf);
    } else {
        if (!buf) {
            buf = malloc(1);
            if (!buf) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
        }
        buf[len] = '\0';
        *out = buf;
        *outlen = len;
        buf = NULL;
        rc = 0;
    }
out:
    if (pid > 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    if (spawn_fa)
        posix_spawn_file_actions_destroy(&fa);
    if (spawn_attr)
        posix_spawnattr_destroy(&attr);
    close_fd(&in[0]);
    close_fd(&in[1]);
    close_fd(&po[0]);
    close_fd(&po[1]);
    close_fd(&pe[0]);
    close_fd(&pe[1]);
    free(buf);
    if (rc != 0 && !err[0])
        snprintf(err, errlen, "cannot run %s", argv[0]);
    return rc;
}

/* --- translating ------------------------------------------------------------ */

void translator_result_free(struct translator_result *r)
{
    free(r->text);
    r->text = NULL;
    r->len = 0;
}

/* --- Apertium: protecting what is not prose --------------------------------- */

/* Most protected spans in one run; beyond it the rest stays prose. */
#define PROTECT_MAX 1024
/* Between two texts translated in one run (a title and a body): an opening
 * block tag, which Apertium treats as a sentence boundary (no word moves
 * across it) and passes through unchanged, so the output splits there. The
 * texts' own '<' are escaped, so it cannot come from them. */
#define PART_SEP "<div class=\"pnyx-part\">\n"
/* Before a line break that ends a block (a blank line follows or precedes,
 * or the next line is a list item, a quote or a heading): without it,
 * Apertium reads "- casa\n- blanca" as one phrase and reorders words
 * across the lines ("- white\n- house"). Removed from the output. Soft
 * line breaks inside a paragraph stay plain (the sentence continues). */
#define BLOCK_END "<p>"

struct protect {
    size_t n;
    const char *ptr[PROTECT_MAX];
    size_t len[PROTECT_MAX];
};

static bool starts_with(const char *s, size_t left, const char *pfx)
{
    size_t n = strlen(pfx);
    return left >= n && memcmp(s, pfx, n) == 0;
}

/* Length of the protected span starting at text[i] (0 if none); in_dest is
 * true right after "](". */
static size_t protected_span(const char *text, size_t len, size_t i, bool in_dest)
{
    const char *s = text + i;
    size_t left = len - i;
    if (in_dest) { /* a link destination: up to the closing ')' on this line */
        size_t k = 0;
        while (k < left && s[k] != ')' && s[k] != '\n')
            k++;
        return k < left && s[k] == ')' ? k : 0;
    }
    if (s[0] == '`') { /* inline code: up to the next backtick on this line */
        size_t k = 1;
        while (k < left && s[k] != '`' && s[k] != '\n')
            k++;
        return k < left && s[k] == '`' ? k + 1 : 0;
    }
    if (starts_with(s, left, "http://") || starts_with(s, left, "https://") ||
        starts_with(s, left, "mailto:")) {
        size_t k = 0;
        while (k < left && (unsigned char)s[k] > ' ' && s[k] != '<' && s[k] != '>' && s[k] != '"' &&
               s[k] != ')')
            k++;
        while (k > 0 && strchr(".,;:!?'", s[k - 1]))
            k--; /* sentence punctuation after a URL is prose */
        return k;
    }
    return 0;
}

/* True when the line starting at s (left bytes) opens a block of its own:
 * empty, a list item ("- ", "* ", "+ ", "1. ", "1) "), a quote or a heading. */
static bool line_opens_block(const char *s, size_t left)
{
    size_t k = 0;
    while (k < left && (s[k] == ' ' || s[k] == '\t'))
        k++;
    if (k == left || s[k] == '\n' || s[k] == '>' || s[k] == '#')
        return true;
    if ((s[k] == '-' || s[k] == '*' || s[k] == '+') && k + 1 < left && s[k + 1] == ' ')
        return true;
    size_t d = k;
    while (d < left && s[d] >= '0' && s[d] <= '9')
        d++;
    return d > k && d + 1 < left && (s[d] == '.' || s[d] == ')') && s[d + 1] == ' ';
}

/* Appends p[0..n) to the growing buffer *o (size *cap, used *len). */
static bool buf_put(char **o, size_t *cap, size_t *len, const char *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = (*cap ? *cap : 64) * 2 + n;
        char *no = realloc(*o, ncap);
        if (!no)
            return false;
        *o = no;
        *cap = ncap;
    }
    memcpy(*o + *len, p, n);
    *len += n;
    (*o)[*len] = '\0';
    return true;
}

/* Appends text as Apertium's html-noent input to *o, recording the
 * protected spans in pr. */
static bool apertium_prepare(const char *text, size_t len, struct protect *pr, char **o,
                             size_t *cap, size_t *n)
{
    for (size_t i = 0; i < len;) {
        bool in_dest = i >= 2 && text[i - 1] == '(' && text[i - 2] == ']';
        size_t k = pr->n < PROTECT_MAX ? protected_span(text, len, i, in_dest) : 0;
        bool ok;
        if (k > 0) {
            char tag[32];
            int tl = snprintf(tag, sizeof tag, "<i k=\"%zu\"/>", pr->n);
            pr->ptr[pr->n] = text + i;
            pr->len[pr->n] = k;
            pr->n++;
            i += k;
            ok = buf_put(o, cap, n, tag, (size_t)tl);
            continue;
        }
        char ch = text[i];
        if (ch == '\n') {
            bool block =
                i == 0 || text[i - 1] == '\n' || line_opens_block(text + i + 1, len - i - 1);
            ok = (!block || buf_put(o, cap, n, BLOCK_END, strlen(BLOCK_END))) &&
                 buf_put(o, cap, n, "\n", 1);
        } else {
            const char *rep = ch == '&' ? "&amp;" : ch == '<' ? "&lt;" : ch == '>' ? "&gt;" : NULL;
            ok = rep ? buf_put(o, cap, n, rep, strlen(rep)) : buf_put(o, cap, n, text + i, 1);
        }
        i++;
        if (!ok)
            return false;
    }
    return true;
}

/* One part of Apertium's output back to text: span tags → their spans,
 * block marks dropped, entities → characters; used[] marks the spans put
 * back. Appends to *r. */
static bool apertium_restore(const char *out, size_t outlen, const struct protect *pr, bool *used,
                             char **r, size_t *cap, size_t *n)
{
    static const char *const ent[][2] = {
        {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}};
    bool ok = buf_put(r, cap, n, "", 0);
    for (size_t i = 0; ok && i < outlen;) {
        const char *s = out + i;
        size_t left = outlen - i;
        if (starts_with(s, left, "<i k=\"")) {
            size_t j = 6;
            unsigned long k = 0;
            while (j < left && s[j] >= '0' && s[j] <= '9' && k < PROTECT_MAX)
                k = k * 10 + (unsigned long)(s[j++] - '0');
            if (j > 6 && starts_with(s + j, left - j, "\"/>") && k < pr->n && !used[k]) {
                ok = buf_put(r, cap, n, pr->ptr[k], pr->len[k]);
                used[k] = true;
                i += j + 3;
                continue;
            }
        }
        if (starts_with(s, left, BLOCK_END)) {
            i += strlen(BLOCK_END);
            continue;
        }
        size_t e = 0;
        while (e < sizeof ent / sizeof ent[0] && !starts_with(s, left, ent[e][0]))
            e++;
        if (e < sizeof ent / sizeof ent[0]) {
            ok = buf_put(r, cap, n, ent[e][1], 1);
            i += strlen(ent[e][0]);
        } else {
            ok = buf_put(r, cap, n, s, 1);
            i++;
        }
    }
    return ok;
}

static int run_apertium(const struct translator *t, const char *mode, const char *text, size_t len,
                        char **out, size_t *outlen, char *err, size_t errlen)
{
    char *argv[] = {(char *)t->program, "-u", "-f", "html-noent", (char *)mode, NULL};
    return translator_spawn(argv, text, len, t->timeout_ms, t->max_output, out, outlen, err,
                            errlen);
}

/* All parts through Apertium in one run (per mode): see PART_SEP. */
static int apertium_parts(const struct translator *t, const struct translator_pair *p,
                          const char *const *texts, size_t nparts, struct translator_result *r)
{
    struct protect *pr = calloc(1, sizeof *pr);
    bool *used = calloc(PROTECT_MAX, sizeof(bool));
    char *in = NULL, *mid = NULL, *fin = NULL;
    size_t incap = 0, inlen = 0, midlen = 0, finlen = 0;
    int rc = -1;
    char *err = r[0].error;
    size_t errlen = sizeof r[0].error;
    bool ok = pr && used && buf_put(&in, &incap, &inlen, "", 0);
    for (size_t i = 0; ok && i < nparts; i++) {
        ok = (i == 0 || buf_put(&in, &incap, &inlen, PART_SEP, strlen(PART_SEP))) &&
             apertium_prepare(texts[i], strlen(texts[i]), pr, &in, &incap, &inlen);
    }
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (run_apertium(t, p->mode1, in, inlen, &mid, &midlen, err, errlen) != 0)
        goto out;
    if (p->mode2[0]) {
        if (run_apertium(t, p->mode2, mid, midlen, &fin, &finlen, err, errlen) != 0)
            goto out;
    } else {
        fin = mid;
        finlen = midlen;
        mid = NULL;
    }
    /* Split at the separators: exactly nparts - 1 of them, or the run is
     * not trusted (retried like any failure). */
    const char *cut[TRANSLATOR_PARTS_MAX + 1];
    size_t ncut = 0;
    cut[ncut++] = fin;
    for (const char *s = fin; (s = strstr(s, PART_SEP)) != NULL; s += strlen(PART_SEP)) {
        if (ncut > nparts)
            break;
        cut[ncut++] = s;
    }
    if (ncut != nparts) {
        snprintf(err, errlen, "apertium output lost the boundary between title and body");
        goto out;
    }
    for (size_t i = 0; i < nparts; i++) {
        const char *b = i == 0 ? fin : cut[i] + strlen(PART_SEP);
        const char *e = i + 1 < nparts ? cut[i + 1] : fin + finlen;
        size_t cap = 0;
        if (!apertium_restore(b, (size_t)(e - b), pr, used, &r[i].text, &cap, &r[i].len)) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        /* A span whose tag went missing is appended to the last part
         * (never lost). */
        for (size_t j = 0; i + 1 == nparts && j < pr->n; j++) {
            if (!used[j] && (!buf_put(&r[i].text, &cap, &r[i].len, " ", 1) ||
                             !buf_put(&r[i].text, &cap, &r[i].len, pr->ptr[j], pr->len[j]))) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
        }
        if (p->mode2[0])
            memcpy(r[i].via, p->via, sizeof r[i].via);
    }
    rc = 0;
out:
    if (rc != 0) {
        for (size_t i = 0; i < nparts; i++)
            translator_result_free(&r[i]);
    }
    free(in);
    free(mid);
    free(fin);
    free(used);
    free(pr);
    return rc;
}

int translator_translate_parts(const struct translator *t, const char *from, const char *to,
                               const char *const *texts, size_t nparts, struct translator_result *r)
{
    for (size_t i = 0; i < nparts; i++)
        memset(&r[i], 0, sizeof r[i]);
    if (nparts == 0 || nparts > TRANSLATOR_PARTS_MAX) {
        if (nparts)
            snprintf(r[0].error, sizeof r[0].error, "too many texts in one run");
        return -1;
    }
    char f[TRANSLATOR_LANG_MAX], g[TRANSLATOR_LANG_MAX];
    translator_primary(from, f);
    translator_primary(to, g);
    if (t->kind == TRANSLATOR_COMMAND) {
        /* One run per text: a command knows nothing of separators. */
        for (size_t i = 0; i < nparts; i++) {
            char *argv[] = {(char *)t->program, f, g, NULL};
            if (translator_spawn(argv, texts[i], strlen(texts[i]), t->timeout_ms, t->max_output,
                                 &r[i].text, &r[i].len, r[0].error, sizeof r[0].error) != 0) {
                for (size_t j = 0; j < i; j++)
                    translator_result_free(&r[j]);
                return -1;
            }
        }
        return 0;
    }
    const struct translator_pair *p = translator_find(t, f, g);
    if (!p) {
        snprintf(r[0].error, sizeof r[0].error, "no %s translation from %s to %s", t->name, f, g);
        return -1;
    }
    return apertium_parts(t, p, texts, nparts, r);
}

int translator_translate(const struct translator *t, const char *from, const char *to,
                         const char *text, size_t len, struct translator_result *r)
{
    if (t->kind == TRANSLATOR_COMMAND) {
        /* the exact len bytes (text need not be NUL-terminated) */
        memset(r, 0, sizeof *r);
        char f[TRANSLATOR_LANG_MAX], g[TRANSLATOR_LANG_MAX];
        translator_primary(from, f);
        translator_primary(to, g);
        char *argv[] = {(char *)t->program, f, g, NULL};
        return translator_spawn(argv, text, len, t->timeout_ms, t->max_output, &r->text, &r->len,
                                r->error, sizeof r->error);
    }
    char *copy = malloc(len + 1); /* parts are NUL-terminated */
    if (!copy) {
        memset(r, 0, sizeof *r);
        snprintf(r->error, sizeof r->error, "out of memory");
        return -1;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    const char *texts[1] = {copy};
    int rc = translator_translate_parts(t, from, to, texts, 1, r);
    free(copy);
    return rc;
}

/* --- set-up ----------------------------------------------------------------- */

static bool is_exec_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && access(p, X_OK) == 0;
}

/* Finds prog on PATH (once, at start; runs never search PATH). */
static bool find_program(const char *prog, char *out, size_t cap)
{
    if (strchr(prog, '/')) {
        snprintf(out, cap, "%s", prog);
        return is_exec_file(out);
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);
        if (n > 0 && (size_t)snprintf(out, cap, "%.*s/%s", (int)n, path, prog) < cap &&
            is_exec_file(out))
            return true;
        path += n + (colon ? 1 : 0);
    }
    return false;
}

/* Lists the installed modes with `apertium -l` (one per line). */
static int apertium_discover(struct translator *t, char *err, size_t errlen)
{
    char *argv[] = {t->program, "-l", NULL};
    char *out = NULL;
    size_t outlen = 0;
    if (translator_spawn(argv, "", 0, t->timeout_ms, 1 << 20, &out, &outlen, err, errlen) != 0)
        return -1;
    const char *modes[TRANSLATOR_PAIRS_MAX];
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line && n < TRANSLATOR_PAIRS_MAX;
         line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t')
            line++;
        size_t k = strlen(line);
        while (k > 0 && (line[k - 1] == ' ' || line[k - 1] == '\r'))
            line[--k] = '\0';
        if (k > 0)
            modes[n++] = line;
    }
    translator_set_modes(t, modes, n);
    free(out);
    return 0;
}

int translator_init(struct translator *t, const char *spec, const char *apertium_bin,
                    unsigned timeout_ms, size_t max_output, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->timeout_ms = timeout_ms ? timeout_ms : 30000;
    t->max_output = max_output ? max_output : (1u << 20);
    err[0] = '\0';
    if (strcmp(spec, "none") == 0) {
        snprintf(t->name, sizeof t->name, "none");
        return 0;
    }
    if (strncmp(spec, "command:", 8) == 0) {
        const char *path = spec + 8;
        if (path[0] != '/' || !is_exec_file(path)) {
            snprintf(err, errlen,
                     "PNYX_TRANSLATOR: command:%s is not an executable file (an absolute path)",
                     path);
            return -1;
        }
        t->kind = TRANSLATOR_COMMAND;
        snprintf(t->name, sizeof t->name, "command");
        snprintf(t->program, sizeof t->program, "%s", path);
        return 0;
    }
    bool explicit_apertium = strcmp(spec, "apertium") == 0;
    if (!explicit_apertium && spec[0]) {
        snprintf(err, errlen, "PNYX_TRANSLATOR: %s is not apertium, none or command:<path>", spec);
        return -1;
    }
    const char *bin = apertium_bin && *apertium_bin ? apertium_bin : "apertium";
    char e2[256] = "";
    if (!find_program(bin, t->program, sizeof t->program)) {
        if (explicit_apertium) {
            snprintf(err, errlen, "PNYX_TRANSLATOR=apertium: %s is not installed", bin);
            return -1;
        }
        memset(t, 0, sizeof *t);
        snprintf(t->name, sizeof t->name, "none");
        return 0;
    }
    t->kind = TRANSLATOR_APERTIUM;
    snprintf(t->name, sizeof t->name, "apertium");
    if (apertium_discover(t, e2, sizeof e2) != 0 || t->npairs == 0) {
        if (explicit_apertium) {
            snprintf(err, errlen, "PNYX_TRANSLATOR=apertium: no language pair found (%s)",
                     e2[0] ? e2 : "apertium -l lists none");
            return -1;
        }
        unsigned to = t->timeout_ms;
        size_t mo = t->max_output;
        memset(t, 0, sizeof *t);
        t->timeout_ms = to;
        t->max_output = mo;
        snprintf(t->name, sizeof t->name, "none");
    }
    return 0;
}

static struct translator g_translator = {.name = "none"};

const struct translator *translator_global(void)
{
    return &g_translator;
}

void translator_global_set(const struct translator *t)
{
    g_translator = *t;
}
