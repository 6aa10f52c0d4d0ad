/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/translator.h — the pluggable machine translator
 * (PNYX_TRANSLATOR):
 *
 *   apertium        Apertium from Debian's packages (the default when the
 *                   `apertium` program and at least one pair are installed):
 *                   the pairs are the installed modes (`apertium -l`); where
 *                   no direct pair exists, one pivot through a shared
 *                   language (fr→en via es), labelled with that language.
 *   none            no machine translation (no jobs are queued).
 *   command:<path>  any executable: run as `<path> SRC TGT` (BCP 47 primary
 *                   subtags), text on stdin, translation on stdout, exit 0.
 *                   It is assumed to handle every pair (no pivots).
 *
 * Every run forks and execs (posix_spawn) with an argv — never a shell —
 * so the text is data and nothing in it is interpreted. Each run has a
 * deadline (the child is killed with SIGKILL when it passes), an output
 * limit (the child is killed when it writes more), and its stderr is kept
 * (cut) as the error of a failed run.
 *
 * Languages are primary subtags, lower case ("en", "es", "fr", "ca"):
 * Apertium's mode codes (ISO 639-1 "en-es", or 639-3 "eng-spa") are mapped
 * to them at discovery.
 *
 * The process has one translator (translator_global), set once at start
 * before threads exist and immutable afterwards: readable from any thread.
 */
#ifndef PNYX_PLATFORM_TRANSLATOR_H
#define PNYX_PLATFORM_TRANSLATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "platform/compiler.h"

#define TRANSLATOR_LANG_MAX  16 /* a primary subtag + NUL, generously */
#define TRANSLATOR_MODE_MAX  64
#define TRANSLATOR_PAIRS_MAX 256
/* Most bytes of stderr kept for last_error. */
#define TRANSLATOR_ERR_MAX 1024

enum translator_kind {
    TRANSLATOR_NONE = 0,
    TRANSLATOR_APERTIUM,
    TRANSLATOR_COMMAND,
};

/* One reachable pair: direct (via[0] == '\0') or through via. The modes are
 * the Apertium modes run in order (mode2 empty when direct). */
struct translator_pair {
    char from[TRANSLATOR_LANG_MAX];
    char to[TRANSLATOR_LANG_MAX];
    char via[TRANSLATOR_LANG_MAX];
    char mode1[TRANSLATOR_MODE_MAX];
    char mode2[TRANSLATOR_MODE_MAX];
};

struct translator {
    enum translator_kind kind;
    char name[32];     /* "apertium", "none", "command" */
    char program[512]; /* apertium binary, or the command's path */
    unsigned timeout_ms;
    size_t max_output;
    size_t npairs;
    struct translator_pair pairs[TRANSLATOR_PAIRS_MAX]; /* apertium: direct, then pivots */
};

/*
 * Sets t from spec ("", "apertium", "none", "command:<path>"; "" = apertium
 * when installed, else none). apertium_bin: the program ("" = "apertium"
 * on PATH). An explicit "apertium" that is not installed, or a command that
 * is not an executable file, is an error: -1 with a reason in err.
 */
int translator_init(struct translator *t, const char *spec, const char *apertium_bin,
                    unsigned timeout_ms, size_t max_output, char *err, size_t errlen)
    PNYX_NONNULL(1, 2, 6) PNYX_MUSTCHECK;

/* Builds the pairs of an Apertium translator from mode names (as `apertium
 * -l` prints them, one per entry), adding one-pivot pairs where no direct
 * one exists. Modes that are not plain pairs ("en-es-morph", "eng-spa_lex")
 * are ignored. Pure: exposed for tests. */
void translator_set_modes(struct translator *t, const char *const *modes, size_t n) PNYX_NONNULL(1);

/* Maps an Apertium language code ("eng", "en", "spa", "es_valencia"?) to a
 * primary subtag into out; returns false for codes it does not know. */
bool translator_code_to_lang(const char *code, char *out, size_t cap) PNYX_NONNULL(1, 2);

/* The primary subtag of a BCP 47 tag, lower case ("pt-BR" → "pt"). */
void translator_primary(const char *tag, char out[TRANSLATOR_LANG_MAX]) PNYX_NONNULL(1, 2);

/* The pair from→to (primary subtags), or NULL when unreachable. For a
 * command translator: NULL (any pair; see translator_any_pair). */
const struct translator_pair *translator_find(const struct translator *t, const char *from,
                                              const char *to) PNYX_NONNULL(1, 2, 3);
/* True when every pair is assumed reachable (command translators). */
bool translator_any_pair(const struct translator *t) PNYX_NONNULL(1);
/* True when text in `from` can be translated into `to` (from != to). */
bool translator_reaches(const struct translator *t, const char *from, const char *to)
    PNYX_NONNULL(1, 2, 3);

/* Result of one translation; free with translator_result_free. */
struct translator_result {
    char *text; /* malloc'd, NUL-terminated, on success */
    size_t len;
    char via[TRANSLATOR_LANG_MAX];  /* pivot used, "" when direct */
    char error[TRANSLATOR_ERR_MAX]; /* on failure: what happened (+ stderr) */
};
void translator_result_free(struct translator_result *r);

/*
 * Translates text (len bytes, UTF-8) from → to. Returns 0 with r->text, or
 * -1 with r->error (the program failed, timed out, wrote too much, or the
 * pair is unreachable). Blocking: worker threads only, never a request.
 * Thread-safe.
 */
int translator_translate(const struct translator *t, const char *from, const char *to,
                         const char *text, size_t len, struct translator_result *r)
    PNYX_NONNULL(1, 2, 3, 4, 6) PNYX_MUSTCHECK;

/* Most texts translator_translate_parts takes at once. Why 128: a
 * question's title, description and up to 100 option labels go through
 * Apertium in one run (api/translation_queue.c). */
#define TRANSLATOR_PARTS_MAX 128

/*
 * Translates nparts NUL-terminated texts (a title and a body) from → to
 * into r[0..nparts). Apertium translates them in ONE run per mode (its
 * start-up is most of a short text's cost), separated by a block boundary
 * no word crosses; a command translator runs once per text. Returns 0 with
 * every r[i].text set, or -1 with the reason in r[0].error (and no text).
 */
int translator_translate_parts(const struct translator *t, const char *from, const char *to,
                               const char *const *texts, size_t nparts, struct translator_result *r)
    PNYX_NONNULL(1, 2, 3, 4, 6) PNYX_MUSTCHECK;

/*
 * Runs argv[0] with argv (no shell, PATH not searched: argv[0] is a path),
 * input on stdin, collecting stdout (at most max_output bytes, else the
 * child is killed) and stderr (cut to TRANSLATOR_ERR_MAX), killing it after
 * timeout_ms. Returns 0 when it exited with status 0 in time and within
 * the limit (*out malloc'd, NUL-terminated), else -1 with err filled.
 * Exposed for tests and for the apertium mode listing.
 */
int translator_spawn(char *const argv[], const char *input, size_t inlen, unsigned timeout_ms,
                     size_t max_output, char **out, size_t *outlen, char *err, size_t errlen)
    PNYX_NONNULL(1, 6, 7, 8) PNYX_MUSTCHECK;

/* Shutting down: every translator_spawn running now or started later
 * kills its child within 100 ms and fails with "cancelled" (true), or runs
 * normally again (false, for tests that stop and start workers). Why: a
 * worker finishes its current job before pnyxd exits, and an Apertium run
 * over a long text at idle priority on a busy machine can take longer than
 * a supervisor waits after SIGTERM; the job keeps its lease and is taken
 * again (translator_cancelled() lets the caller leave it so). Thread-safe. */
void translator_cancel_all(bool cancelled);
bool translator_cancelled(void);

/* The process's translator (set once by translator_global_set at start;
 * before that, a "none" translator). */
const struct translator *translator_global(void);
/* Copies t into the process's translator. Main thread, before threads. */
void translator_global_set(const struct translator *t) PNYX_NONNULL(1);

#endif /* PNYX_PLATFORM_TRANSLATOR_H */
