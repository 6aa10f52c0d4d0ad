/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pnyx-verify RECORD.json [--key BASE64|VKEY] [--checkpoint FILE]…
 *             [--witness VKEY]… [--json]
 *
 * Offline audit of an assembly record (pnyx-record/1, api-spec/record.md),
 * trusting nothing but the record's bytes and what the auditor pins:
 *   1 signatures  every checkpoint's signed note verifies under the record's
 *                 key, for this assembly's origin (and the key is --key);
 *   2 log         every leaf hash recomputes from its entry; the root of the
 *                 first `size` entries equals each checkpoint's root;
 *                 consecutive checkpoints are consistent; so are the
 *                 checkpoints the auditor saved earlier (--checkpoint);
 *   3 entries     entries are canonical RFC 8785 JSON of the documented
 *                 shape, seq runs 1, 2, 3, … without gaps, kinds are known,
 *                 the story is legal (story_entry, story_question);
 *   4 boards      each closed question's board: sorted by receipt, valid
 *                 rankings and countries, root and size = question.closed,
 *                 ballots = voters, texts and roll as question.opened;
 *   5 results     each result recounts byte for byte from its board with
 *                 codec/result (pnyxd's own code) under its rules id and
 *                 the seed of the log's root at question.closed, and hashes
 *                 to tally.published's result_hash;
 *   6 witnesses   with --witness: every cosignature line by a named witness
 *                 verifies, and the newest checkpoint carries one by each.
 * Exit 0: every check passed; 1: a check failed; 2: unreadable input (the
 * reason on stderr).
 *
 * The record is read with the streaming JSON scanner (codec/election/
 * json_scan.h): entries are hashed one at a time into an in-memory Merkle
 * tree (two hashes per entry); the questions are read after the entries
 * (from their offset, whatever the member order), each board scanned one
 * entry at a time (twice: the rules come after it); no DOM of the record.
 *
 * In-process use (tests/fuzz/fuzz_verify.c compiles this file with
 * -DPNYX_VERIFY_NO_MAIN): pnyx_verify_record() runs checks 1-6 on a buffer
 * and returns 0/1/2 like the exit status; an unreadable input unwinds to it
 * with longjmp, and pnyx_verify_reset() releases everything a run holds
 * (what a reader held when it gave up is registered with hold()).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "codec/election/json_scan.h"
#include "codec/result/qresult.h"
#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"
#include "core/audit/witness.h"
#include "core/ballot/ballot.h"
#include "core/tally/tally.h"

#define MAX_SAVED   64
#define MAX_WITNESS 16

/* ---- checks ------------------------------------------------------------------ */

enum status { ST_PASS, ST_FAIL, ST_NOT_CHECKED, ST_SKIPPED };

struct check {
    const char *name;
    enum status status;
    unsigned problems;
    char reason[512]; /* the first problem, or the summary */
};

static struct check checks[7] = {
    {0},
    {.name = "signatures"},
    {.name = "log"},
    {.name = "entries"},
    {.name = "boards"},
    {.name = "results"},
    {.name = "witnesses"},
};

__attribute__((format(printf, 2, 3))) static void fail(int id, const char *fmt, ...)
{
    struct check *c = &checks[id];
    if (c->problems++ == 0) {
        c->status = ST_FAIL;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->reason, sizeof c->reason, fmt, ap);
        va_end(ap);
    }
}

__attribute__((format(printf, 3, 4))) static void set(int id, enum status st, const char *fmt, ...)
{
    struct check *c = &checks[id];
    if (c->status == ST_FAIL) {
        return;
    }
    c->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
}

/* Why the input is unreadable (exit 2), and where pnyx_verify_record
 * waits for it; outside a run (the command line) it is printed at once. */
static char unreadable_why[512];
static jmp_buf unreadable_jmp;
static bool unreadable_armed;

__attribute__((format(printf, 1, 2), noreturn)) static void unreadable(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(unreadable_why, sizeof unreadable_why, fmt, ap);
    va_end(ap);
    if (unreadable_armed) {
        longjmp(unreadable_jmp, 1);
    }
    fprintf(stderr, "pnyx-verify: cannot read the input: %s\n", unreadable_why);
    exit(2);
}

/* What a reader holds while it may give up (unreadable): released by
 * pnyx_verify_reset when the run unwinds. Only objects in static storage
 * may be held (the readers declare them static): longjmp has ended the
 * readers' frames by the time they are released. Why 8: the deepest
 * reader (check_question → read_board) holds 5 at once. */
struct held {
    void *p;
    void (*fini)(void *);
};
static struct held held[8];
static size_t n_held;

static void hold(void *p, void (*fini)(void *))
{
    if (n_held == sizeof held / sizeof held[0]) {
        abort(); /* a programming error: raise the bound */
    }
    held[n_held++] = (struct held){p, fini};
}

/* Forgets p (the holder released it, or handed it on). */
static void unhold(const void *p)
{
    for (size_t i = n_held; i-- > 0;) {
        if (held[i].p == p) {
            held[i] = held[--n_held];
            return;
        }
    }
}

static void fini_ptr(void *p)
{
    char **pp = p;
    free(*pp);
    *pp = NULL;
}

static void fini_scan(void *p)
{
    jscan_fini(p);
}

/* ---- the record as read --------------------------------------------------------- */

struct checkpoint {
    int64_t listed_size;
    char *note;
    size_t note_len;
    bool opened; /* check 1 passed for it */
    struct note_checkpoint cp;
};

static struct {
    char *assembly;
    char *origin;
    char *format;
    bool have_key, have_entries, have_checkpoints;
    char *key_name, *key_public, *key_id, *key_vkey;
    struct checkpoint *cps;
    size_t n_cps, cap_cps;
    uint64_t n_entries;
    uint64_t questions;
    bool have_questions;
    size_t questions_off; /* where the questions array starts (read after the entries) */
    struct merkle_mem tree;
} R;

/* ---- the story of the log (check 3) --------------------------------------------- */

/* Kinds pnyxd writes. Question kinds (issue 11) are listed so records that
 * hold them read as well-formed; their story rules are story_question's. */
static const char *const known_kinds[] = {
    "assembly.created", "assembly.updated", "member.joined", "member.left", "member.updated",
    "invitation.created", "invitation.revoked", "proposal.created", "proposal.status_changed",
    "proposal.translated", "proposal.translation_reviewed", "proposal.versioned",
    "amendment.merged", "endorsement.added", "endorsement.removed", "comment.created",
    "comment.deleted", "comment.edited", "comment.hidden", "comment.translated",
    "comment.translation_reviewed", "selection.committed", "selection.created",
    "selection.declined", "selection.drawn", "selection.pool_uploaded", "selection.published",
    "selection.randomness_committed", "selection.randomness_revealed",
    "selection.replacements_opened", "selection.updated", "selection.volunteered",
    /* issue 11 */
    "question.created", "question.updated", "question.translated", "question.opened",
    "question.closed", "tally.published", "proposal.adopted", "proposal.rejected"};

/* What the log says about one question (from its entries, check 3). */
struct qlog {
    char id[24]; /* data.question: the id as a decimal string */
    bool created, opened, closed, tallied;
    uint64_t closed_seq;
    int64_t roll_size, ballots, voters, board_size;
    char roll_root[65], texts_hash[65], board_root[65];
    char result_hash[65], status[32], rules_id[32];
    int64_t seed;
    bool in_record; /* the record's questions list holds it */
};

struct story {
    bool created; /* assembly.created seen */
    struct qlog *q;
    size_t n_q, cap_q;
};

struct entry_view {
    uint64_t seq;
    const char *kind;
    const char *data; /* canonical JSON text of `data` (borrowed) */
    size_t data_len;
};

/* Member `key` of the entry's data as text (a string's characters, a
 * number's digits) into out; false when absent, not a scalar, or too long. */
static bool data_get(const struct entry_view *e, const char *key, char *out, size_t cap)
{
    struct jscan s;
    jscan_init(&s, e->data, e->data_len);
    bool found = false;
    enum jscan_token t = jscan_next(&s);
    while (t == JSCAN_OBJECT_BEGIN || t == JSCAN_KEY) {
        if (t == JSCAN_KEY) {
            bool match = s.len == strlen(key) && memcmp(s.text, key, s.len) == 0;
            enum jscan_token v = jscan_next(&s);
            if (match) {
                found = (v == JSCAN_STRING || v == JSCAN_NUMBER) && !s.has_nul && s.len < cap;
                if (found) {
                    memcpy(out, s.text, s.len);
                    out[s.len] = '\0';
                }
                break;
            }
            if (!jscan_skip(&s, v)) {
                break;
            }
        }
        t = jscan_next(&s);
    }
    jscan_fini(&s);
    return found;
}

static bool data_int(const struct entry_view *e, const char *key, int64_t *v)
{
    char buf[24];
    char *end;
    if (!data_get(e, key, buf, sizeof buf)) {
        return false;
    }
    errno = 0;
    *v = strtoll(buf, &end, 10);
    return errno == 0 && *end == '\0' && end != buf;
}

static struct qlog *qlog_find(struct story *s, const char *id, bool add)
{
    for (size_t i = 0; i < s->n_q; i++) {
        if (strcmp(s->q[i].id, id) == 0) {
            return &s->q[i];
        }
    }
    if (!add) {
        return NULL;
    }
    if (s->n_q == s->cap_q) {
        s->cap_q = s->cap_q ? 2 * s->cap_q : 16;
        s->q = realloc(s->q, s->cap_q * sizeof *s->q);
        if (s->q == NULL) {
            unreadable("out of memory");
        }
    }
    struct qlog *q = &s->q[s->n_q++];
    memset(q, 0, sizeof *q);
    snprintf(q->id, sizeof q->id, "%s", id);
    return q;
}

/*
 * The question story: question.created once; question.updated and
 * question.translated only while a draft; question.opened after created,
 * once; question.closed after opened, once, with ballots never above the
 * roll and board_size = ballots; tally.published after closed, once;
 * proposal.adopted/rejected only after that question's tally.published.
 * (A board or result in the record without its entry: read_question.)
 * Returns NULL or the reason.
 */
static const char *story_question(struct story *s, const struct entry_view *e)
{
    char id[24];
    if (!data_get(e, "question", id, sizeof id)) {
        return "its data has no \"question\"";
    }
    bool created = strcmp(e->kind, "question.created") == 0;
    struct qlog *q = qlog_find(s, id, created);
    if (created) {
        if (q->created) {
            return "a second question.created for this question";
        }
        q->created = true;
        return NULL;
    }
    if (q == NULL) {
        return "for a question this log never created";
    }
    if (strcmp(e->kind, "question.updated") == 0 || strcmp(e->kind, "question.translated") == 0) {
        return q->opened ? "the question's texts changed after it opened" : NULL;
    }
    if (strcmp(e->kind, "question.opened") == 0) {
        if (q->opened) {
            return "the question opened twice";
        }
        q->opened = true;
        if (!data_int(e, "roll_size", &q->roll_size) || q->roll_size < 0 ||
            !data_get(e, "roll_root", q->roll_root, sizeof q->roll_root) ||
            !data_get(e, "texts_hash", q->texts_hash, sizeof q->texts_hash)) {
            return "question.opened needs roll_size, roll_root and texts_hash";
        }
        return NULL;
    }
    if (strcmp(e->kind, "question.closed") == 0) {
        if (!q->opened) {
            return "the question closed before it opened";
        }
        if (q->closed) {
            return "the question closed twice";
        }
        q->closed = true;
        q->closed_seq = e->seq;
        if (!data_int(e, "ballots", &q->ballots) || !data_int(e, "voters", &q->voters) ||
            !data_int(e, "board_size", &q->board_size) ||
            !data_get(e, "board_root", q->board_root, sizeof q->board_root)) {
            return "question.closed needs ballots, voters, board_size and board_root";
        }
        if (q->ballots < 0 || q->ballots > q->roll_size || q->voters > q->roll_size) {
            return "more ballots or voters than the roll has members";
        }
        if (q->board_size != q->ballots) {
            return "board_size differs from ballots";
        }
        return NULL;
    }
    if (strcmp(e->kind, "tally.published") == 0) {
        if (!q->closed) {
            return "a result published before the question closed";
        }
        if (q->tallied) {
            return "a second tally for this question";
        }
        q->tallied = true;
        if (!data_get(e, "result_hash", q->result_hash, sizeof q->result_hash) ||
            !data_int(e, "seed", &q->seed) || !data_get(e, "status", q->status, sizeof q->status) ||
            !data_get(e, "rules_id", q->rules_id, sizeof q->rules_id)) {
            return "tally.published needs result_hash, seed, status and rules_id";
        }
        return NULL;
    }
    /* proposal.adopted / proposal.rejected */
    return q->tallied ? NULL : "a proposal decided before its question's tally";
}

static const char *story_entry(struct story *s, const struct entry_view *e)
{
    if (e->seq == 1 && strcmp(e->kind, "assembly.created") != 0) {
        return "the log does not start with assembly.created";
    }
    if (strcmp(e->kind, "assembly.created") == 0) {
        if (s->created) {
            return "a second assembly.created";
        }
        s->created = true;
    }
    if (strncmp(e->kind, "question.", 9) == 0 || strcmp(e->kind, "tally.published") == 0 ||
        strcmp(e->kind, "proposal.adopted") == 0 || strcmp(e->kind, "proposal.rejected") == 0) {
        return story_question(s, e);
    }
    return NULL;
}

static struct story story;
static uint64_t question_entries;

static bool kind_known(const char *k)
{
    for (size_t i = 0; i < sizeof known_kinds / sizeof *known_kinds; i++) {
        if (strcmp(k, known_kinds[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Check 3 on one entry text (item position `pos`, the item's seq). */
static void check_entry(const char *text, size_t len, bool has_nul, uint64_t pos, int64_t item_seq)
{
    if (item_seq != (int64_t)pos) {
        fail(3,
             "entry #%" PRIu64 " of the record has seq %" PRId64
             ": seq must run 1, 2, 3, … without gaps (an entry was dropped, added or moved)",
             pos, item_seq);
        /* go on: the text's own seq is checked below too */
    }
    if (has_nul) {
        fail(3, "entry seq %" PRIu64 " contains a NUL character", pos);
        return;
    }
    char *canon = NULL;
    size_t clen = 0;
    if (jcs_canonicalize(text, len, &canon, &clen, NULL) != AUDIT_OK) {
        fail(3, "entry seq %" PRIu64 " is not valid JSON", pos);
        return;
    }
    bool canonical = clen == len && memcmp(canon, text, len) == 0;
    free(canon);
    if (!canonical) {
        fail(3, "entry seq %" PRIu64 " is not in RFC 8785 canonical form", pos);
        return;
    }
    struct jscan s;
    jscan_init(&s, text, len);
    enum jscan_token t = jscan_next(&s);
    static const char *const want[] = {"actor", "assembly", "at", "data", "kind", "seq"};
    unsigned k = 0;
    char kind[128] = "", assembly[32] = "";
    uint64_t seq = 0;
    size_t data_off = 0, data_end = 0;
    bool ok = t == JSCAN_OBJECT_BEGIN;
    while (ok && (t = jscan_next(&s)) == JSCAN_KEY) {
        if (k >= 6 || s.len != strlen(want[k]) || memcmp(s.text, want[k], s.len) != 0) {
            ok = false;
            break;
        }
        unsigned which = k++;
        t = jscan_next(&s);
        switch (which) {
        case 0: /* actor: an id string or null */
            ok = t == JSCAN_NULL || (t == JSCAN_STRING && s.len > 0 && s.len < 20);
            break;
        case 1:
            ok = t == JSCAN_STRING && s.len < sizeof assembly;
            if (ok) {
                memcpy(assembly, s.text, s.len);
                assembly[s.len] = '\0';
            }
            break;
        case 2: /* at: RFC 3339 UTC, e.g. 2026-11-28T04:00:00Z or with fractions */
            ok = t == JSCAN_STRING && s.len >= 20 && s.text[4] == '-' && s.text[10] == 'T' &&
                 s.text[s.len - 1] == 'Z';
            break;
        case 3:
            data_off = s.tok_off;
            ok = t == JSCAN_OBJECT_BEGIN && jscan_skip(&s, t);
            data_end = (size_t)(s.p - s.start);
            break;
        case 4:
            ok = t == JSCAN_STRING && s.len > 0 && s.len < sizeof kind;
            if (ok) {
                memcpy(kind, s.text, s.len);
                kind[s.len] = '\0';
            }
            break;
        case 5:
            ok = t == JSCAN_NUMBER && s.is_integer && s.len < 20 && s.text[0] != '-';
            if (ok) {
                seq = strtoull(s.text, NULL, 10);
            }
            break;
        }
    }
    ok = ok && k == 6 && t == JSCAN_OBJECT_END;
    jscan_fini(&s);
    if (!ok) {
        fail(3,
             "entry seq %" PRIu64
             " is not an audit entry {actor, assembly, at, data, kind, seq} of the documented "
             "types",
             pos);
        return;
    }
    if (seq != pos) {
        fail(3, "entry #%" PRIu64 " says seq %" PRIu64 " inside its text", pos, seq);
    }
    if (R.assembly != NULL && strcmp(assembly, R.assembly) != 0) {
        fail(3, "entry seq %" PRIu64 " belongs to assembly %s, not to this record's %s", pos,
             assembly, R.assembly);
    }
    if (!kind_known(kind)) {
        fail(3, "entry seq %" PRIu64 " has an unknown kind \"%s\"", pos, kind);
        return;
    }
    if (strncmp(kind, "question.", 9) == 0 || strcmp(kind, "tally.published") == 0) {
        question_entries++;
    }
    struct entry_view e = {
        .seq = pos, .kind = kind, .data = text + data_off, .data_len = data_end - data_off};
    const char *why = story_entry(&story, &e);
    if (why != NULL) {
        fail(3, "entry seq %" PRIu64 " (%s): %s", pos, kind, why);
    }
}

/* ---- reading the record (streaming) ------------------------------------------- */

static char *dup_tok(const struct jscan *s)
{
    char *p = malloc(s->len + 1);
    if (p == NULL) {
        unreadable("out of memory");
    }
    memcpy(p, s->text, s->len);
    p[s->len] = '\0';
    return p;
}

__attribute__((noreturn)) static void bad(struct jscan *s, const char *msg)
{
    if (s->error[0] == '\0') {
        jscan_fail_at(s, s->tok_off, msg);
    }
    unreadable("%s", s->error);
}

static enum jscan_token next(struct jscan *s)
{
    enum jscan_token t = jscan_next(s);
    if (t == JSCAN_ERROR) {
        unreadable("%s%s", s->error, s->nomem ? " (out of memory)" : "");
    }
    return t;
}

static bool key_is(const struct jscan *s, const char *k)
{
    return s->len == strlen(k) && memcmp(s->text, k, s->len) == 0;
}

/* A string member into *dst. A member given twice is refused: another
 * JSON reader would keep the last one and see another record. */
static void want_string(struct jscan *s, char **dst, const char *what)
{
    if (*dst != NULL) {
        bad(s, "a member appears twice");
    }
    if (next(s) != JSCAN_STRING || s->has_nul) {
        bad(s, what);
    }
    *dst = dup_tok(s);
}

static void read_key(struct jscan *s)
{
    if (R.have_key) {
        bad(s, "a member appears twice");
    }
    if (next(s) != JSCAN_OBJECT_BEGIN) {
        bad(s, "\"key\" must be an object");
    }
    while (next(s) == JSCAN_KEY) {
        if (key_is(s, "name")) {
            want_string(s, &R.key_name, "key.name must be a string");
        } else if (key_is(s, "public_key")) {
            want_string(s, &R.key_public, "key.public_key must be a string");
        } else if (key_is(s, "key_id")) {
            want_string(s, &R.key_id, "key.key_id must be a string");
        } else if (key_is(s, "vkey")) {
            want_string(s, &R.key_vkey, "key.vkey must be a string");
        } else if (!jscan_skip(s, next(s))) {
            bad(s, "bad value");
        }
    }
    R.have_key = true;
}

static void read_checkpoints(struct jscan *s)
{
    if (R.have_checkpoints) {
        bad(s, "a member appears twice");
    }
    if (next(s) != JSCAN_ARRAY_BEGIN) {
        bad(s, "\"checkpoints\" must be an array");
    }
    enum jscan_token t;
    while ((t = next(s)) == JSCAN_OBJECT_BEGIN) {
        static struct checkpoint c; /* static: see hold() */
        c = (struct checkpoint){.listed_size = -1};
        hold(&c.note, fini_ptr);
        while (next(s) == JSCAN_KEY) {
            if (key_is(s, "note")) {
                if (next(s) != JSCAN_STRING || c.note != NULL) {
                    bad(s, "a checkpoint has one note, a string");
                }
                c.note = dup_tok(s);
                c.note_len = s->len;
            } else if (key_is(s, "size")) {
                if (next(s) != JSCAN_NUMBER || !s->is_integer || s->text[0] == '-') {
                    bad(s, "checkpoint size must be a non-negative integer");
                }
                c.listed_size = strtoll(s->text, NULL, 10);
            } else if (!jscan_skip(s, next(s))) {
                bad(s, "bad value");
            }
        }
        if (c.note == NULL || c.listed_size < 0) {
            bad(s, "a checkpoint needs \"note\" and \"size\"");
        }
        if (R.n_cps == R.cap_cps) {
            size_t cap = R.cap_cps ? 2 * R.cap_cps : 16;
            struct checkpoint *grown = realloc(R.cps, cap * sizeof *R.cps);
            if (grown == NULL) {
                unreadable("out of memory");
            }
            R.cps = grown;
            R.cap_cps = cap;
        }
        unhold(&c.note);
        R.cps[R.n_cps++] = c;
    }
    if (t != JSCAN_ARRAY_END) {
        bad(s, "checkpoints must be objects");
    }
    R.have_checkpoints = true;
}

static void read_entries(struct jscan *s)
{
    if (R.have_entries) {
        bad(s, "a member appears twice");
    }
    if (next(s) != JSCAN_ARRAY_BEGIN) {
        bad(s, "\"entries\" must be an array");
    }
    static char *text; /* static: see hold() */
    text = NULL;
    size_t cap = 0;
    hold(&text, fini_ptr);
    enum jscan_token t;
    while ((t = next(s)) == JSCAN_OBJECT_BEGIN) {
        size_t len = 0;
        bool have_text = false, has_nul = false, have_leaf = false;
        int64_t seq = -1;
        uint8_t leaf_given[MERKLE_HASH_LEN];
        bool leaf_ok = true;
        while (next(s) == JSCAN_KEY) {
            if (key_is(s, "entry")) {
                if (next(s) != JSCAN_STRING) {
                    bad(s, "entry must be a string");
                }
                if (s->len + 1 > cap) {
                    cap = s->len + 1 > 2 * cap ? s->len + 1 : 2 * cap;
                    char *grown = realloc(text, cap);
                    if (grown == NULL) {
                        unreadable("out of memory");
                    }
                    text = grown;
                }
                memcpy(text, s->text, s->len);
                len = s->len;
                has_nul = s->has_nul;
                have_text = true;
            } else if (key_is(s, "leaf_hash")) {
                if (next(s) != JSCAN_STRING) {
                    bad(s, "leaf_hash must be a string");
                }
                size_t got = 0;
                leaf_ok = audit_b64_decode(s->text, s->len, leaf_given, sizeof leaf_given, &got) ==
                              AUDIT_OK &&
                          got == MERKLE_HASH_LEN;
                have_leaf = true;
            } else if (key_is(s, "seq")) {
                if (next(s) != JSCAN_NUMBER || !s->is_integer || s->len > 18) {
                    bad(s, "seq must be an integer");
                }
                seq = strtoll(s->text, NULL, 10);
            } else if (!jscan_skip(s, next(s))) {
                bad(s, "bad value");
            }
        }
        if (!have_text) {
            bad(s, "an entry item needs \"entry\"");
        }
        uint64_t pos = ++R.n_entries;
        uint8_t leaf[MERKLE_HASH_LEN];
        merkle_leaf_hash(text, len, leaf);
        if (have_leaf && (!leaf_ok || memcmp(leaf, leaf_given, MERKLE_HASH_LEN) != 0)) {
            fail(2,
                 "entry seq %" PRIu64 ": its leaf hash does not recompute from its text (the "
                 "entry's text was changed)",
                 pos);
        }
        if (merkle_mem_append(&R.tree, leaf) != AUDIT_OK) {
            unreadable("out of memory");
        }
        check_entry(text, len, has_nul, pos, seq);
    }
    unhold(&text);
    free(text);
    if (t != JSCAN_ARRAY_END) {
        bad(s, "entries must be objects");
    }
    R.have_entries = true;
}

static void read_record(const char *buf, size_t len)
{
    static struct jscan s; /* static: see hold() */
    jscan_init(&s, buf, len);
    hold(&s, fini_scan);
    if (next(&s) != JSCAN_OBJECT_BEGIN) {
        bad(&s, "a record is a JSON object");
    }
    enum jscan_token t;
    while ((t = next(&s)) == JSCAN_KEY) {
        if (key_is(&s, "format")) {
            want_string(&s, &R.format, "format must be a string");
            if (strcmp(R.format, "pnyx-record/1") != 0) {
                unreadable("format is \"%s\", this pnyx-verify reads pnyx-record/1", R.format);
            }
        } else if (key_is(&s, "assembly")) {
            want_string(&s, &R.assembly, "assembly must be a string");
        } else if (key_is(&s, "origin")) {
            want_string(&s, &R.origin, "origin must be a string");
        } else if (key_is(&s, "key")) {
            read_key(&s);
        } else if (key_is(&s, "checkpoints")) {
            read_checkpoints(&s);
        } else if (key_is(&s, "entries")) {
            read_entries(&s);
        } else if (key_is(&s, "questions")) {
            if (R.have_questions) {
                bad(&s, "a member appears twice");
            }
            enum jscan_token q = next(&s);
            if (q != JSCAN_ARRAY_BEGIN) {
                bad(&s, "questions must be an array");
            }
            R.questions_off = s.tok_off;
            R.have_questions = true;
            while ((q = next(&s)) != JSCAN_ARRAY_END) {
                R.questions++;
                if (!jscan_skip(&s, q)) {
                    bad(&s, "bad question");
                }
            }
        } else if (!jscan_skip(&s, next(&s))) {
            bad(&s, "bad value");
        }
    }
    if (next(&s) != JSCAN_END) {
        bad(&s, "trailing data");
    }
    unhold(&s);
    jscan_fini(&s);
    if (R.format == NULL || R.assembly == NULL || R.origin == NULL || !R.have_key ||
        !R.have_entries || !R.have_checkpoints || !R.key_name || !R.key_public) {
        unreadable("not a pnyx-record/1: it needs format, assembly, origin, key {name, "
                   "public_key}, entries and checkpoints");
    }
}

static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        unreadable("%s: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        unreadable("%s: %s", path, strerror(errno));
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = 0;
    while (buf != NULL && n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r <= 0) {
            unreadable("%s: %s", path, r == 0 ? "short read" : strerror(errno));
        }
        n += (size_t)r;
    }
    close(fd);
    if (buf == NULL) {
        unreadable("%s: out of memory", path);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* ---- checks 1, 2, 6 ------------------------------------------------------------- */

static struct note_verifier log_key;

static void check_key(const char *pinned)
{
    uint8_t pk[NOTE_PUBLIC_KEY_LEN];
    size_t got = 0;
    if (audit_b64_decode(R.key_public, strlen(R.key_public), pk, sizeof pk, &got) != AUDIT_OK ||
        got != NOTE_PUBLIC_KEY_LEN || note_verifier_init(&log_key, R.key_name, pk) != AUDIT_OK) {
        fail(1, "the record's key is not a valid Ed25519 public key with a valid name");
        return;
    }
    char id[9];
    snprintf(id, sizeof id, "%02x%02x%02x%02x", log_key.key_id[0], log_key.key_id[1],
             log_key.key_id[2], log_key.key_id[3]);
    if (R.key_id != NULL && strcmp(id, R.key_id) != 0) {
        fail(1, "the record's key_id %s does not belong to its name and public key (%s)", R.key_id,
             id);
    }
    char vkey[NOTE_VKEY_MAX];
    size_t vl;
    if (R.key_vkey != NULL && (note_vkey_format(&log_key, vkey, sizeof vkey, &vl) != AUDIT_OK ||
                               strcmp(vkey, R.key_vkey) != 0)) {
        fail(1, "the record's vkey does not match its name and public key");
    }
    if (pinned != NULL) {
        struct note_verifier pin;
        bool ok;
        if (note_vkey_parse(&pin, pinned, strlen(pinned)) ==
            AUDIT_OK) { /* else base64 (may hold '+') */
            ok = memcmp(pin.public_key, log_key.public_key, NOTE_PUBLIC_KEY_LEN) == 0 &&
                 strcmp(pin.name, log_key.name) == 0;
        } else {
            uint8_t pk2[NOTE_PUBLIC_KEY_LEN];
            ok = audit_b64_decode(pinned, strlen(pinned), pk2, sizeof pk2, &got) == AUDIT_OK &&
                 got == NOTE_PUBLIC_KEY_LEN &&
                 memcmp(pk2, log_key.public_key, NOTE_PUBLIC_KEY_LEN) == 0;
        }
        if (!ok) {
            fail(1,
                 "the record's signing key %s is NOT the key you pinned with --key: the "
                 "record may have been re-signed by someone else",
                 R.key_public);
        }
    }
}

static void check_signatures(bool pinned)
{
    if (R.n_cps == 0) {
        fail(1, "the record holds no signed checkpoint");
    }
    for (size_t i = 0; i < R.n_cps; i++) {
        struct checkpoint *c = &R.cps[i];
        int rc = note_checkpoint_open(&log_key, c->note, c->note_len, R.origin, &c->cp);
        if (rc == AUDIT_OK) {
            c->opened = true;
            continue;
        }
        fail(1, "checkpoint #%zu (listed size %" PRId64 "): %s", i + 1, c->listed_size,
             rc == AUDIT_ENOKEY    ? "carries no signature by the record's key"
             : rc == AUDIT_EVERIFY ? "its signature does not verify, or it is for another origin"
                                   : "is not a well-formed signed checkpoint");
    }
    set(1, ST_PASS, "%zu checkpoint%s signed by %s (key id %02x%02x%02x%02x)%s", R.n_cps,
        R.n_cps == 1 ? "" : "s", log_key.name, log_key.key_id[0], log_key.key_id[1],
        log_key.key_id[2], log_key.key_id[3],
        pinned ? ", the key you pinned"
               : "; not pinned: pass --key with the key published out of band");
}

/* Root of the first n entries; false when n exceeds the record. */
static bool prefix_root(uint64_t n, uint8_t out[MERKLE_HASH_LEN])
{
    if (n > R.n_entries) {
        return false;
    }
    struct merkle_store st = merkle_mem_store(&R.tree);
    return merkle_root(&st, n, out) == AUDIT_OK;
}

static void check_log(void)
{
    uint64_t newest = 0;
    const struct checkpoint *prev = NULL;
    for (size_t i = 0; i < R.n_cps; i++) {
        const struct checkpoint *c = &R.cps[i];
        if (!c->opened) {
            continue; /* check 1 failed for it */
        }
        if ((int64_t)c->cp.size != c->listed_size) {
            fail(2, "checkpoint #%zu is listed as size %" PRId64 " but signs size %" PRIu64, i + 1,
                 c->listed_size, c->cp.size);
        }
        uint8_t root[MERKLE_HASH_LEN];
        if (!prefix_root(c->cp.size, root)) {
            fail(2,
                 "the checkpoint of size %" PRIu64 " signs more entries than the record holds "
                 "(%" PRIu64 "): entries were dropped",
                 c->cp.size, R.n_entries);
            continue;
        }
        if (memcmp(root, c->cp.root, MERKLE_HASH_LEN) != 0) {
            fail(2,
                 "the checkpoint of size %" PRIu64 " signs a root that is not the root of the "
                 "record's first %" PRIu64 " entries: entries or the checkpoint were altered",
                 c->cp.size, c->cp.size);
            continue;
        }
        if (prev != NULL) {
            /* Append-only between consecutive checkpoints (RFC 9162 §2.1.4). */
            uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
            size_t pl = 0;
            struct merkle_store st = merkle_mem_store(&R.tree);
            uint64_t a = prev->cp.size < c->cp.size ? prev->cp.size : c->cp.size;
            uint64_t b = prev->cp.size < c->cp.size ? c->cp.size : prev->cp.size;
            const uint8_t *ra = prev->cp.size < c->cp.size ? prev->cp.root : c->cp.root;
            const uint8_t *rb = prev->cp.size < c->cp.size ? c->cp.root : prev->cp.root;
            if (merkle_consistency_proof(&st, a, b, proof, MERKLE_MAX_PROOF, &pl) != AUDIT_OK ||
                merkle_verify_consistency(a, b, ra, rb, (const uint8_t(*)[32])proof, pl) !=
                    AUDIT_OK) {
                fail(2, "checkpoints of sizes %" PRIu64 " and %" PRIu64 " are not consistent", a,
                     b);
            }
        }
        prev = c;
        if (c->cp.size > newest) {
            newest = c->cp.size;
        }
    }
    if (prev != NULL && newest < R.n_entries) {
        fail(2,
             "entries %" PRIu64 "..%" PRIu64 " come after the newest signed checkpoint (size "
             "%" PRIu64 "): nothing signs them",
             newest + 1, R.n_entries, newest);
    }
}

static void check_saved(const char *path)
{
    size_t len;
    char *note = slurp(path, &len);
    struct note_checkpoint cp;
    int rc = note_checkpoint_open(&log_key, note, len, R.origin, &cp);
    if (rc != AUDIT_OK) {
        fail(2,
             "your saved checkpoint %s does not verify under the record's key for origin %s: "
             "saved from another log, or the record's key was replaced",
             path, R.origin);
        free(note);
        return;
    }
    uint8_t root[MERKLE_HASH_LEN];
    if (!prefix_root(cp.size, root)) {
        fail(2,
             "your saved checkpoint %s has size %" PRIu64 " but the record holds only %" PRIu64
             " entries: the history was cut short after you saved it",
             path, cp.size, R.n_entries);
    } else if (memcmp(root, cp.root, MERKLE_HASH_LEN) != 0) {
        fail(2,
             "your saved checkpoint %s (size %" PRIu64 ") has another root than the record's "
             "first %" PRIu64 " entries: the history was REWRITTEN after you saved it",
             path, cp.size, cp.size);
    }
    free(note);
}

static void check_witnesses(const struct note_verifier *w, size_t nw)
{
    if (nw == 0) {
        set(6, ST_SKIPPED, "no --witness given: cosignatures were not checked");
        return;
    }
    const struct checkpoint *newest = NULL;
    for (size_t i = 0; i < R.n_cps; i++) {
        if (R.cps[i].opened && (newest == NULL || R.cps[i].cp.size > newest->cp.size)) {
            newest = &R.cps[i];
        }
    }
    char summary[400] = "";
    size_t so = 0;
    for (size_t k = 0; k < nw; k++) {
        unsigned count = 0;
        bool on_newest = false;
        for (size_t i = 0; i < R.n_cps; i++) {
            const struct checkpoint *c = &R.cps[i];
            if (!c->opened) {
                continue;
            }
            int rc = witness_cosig_open(&w[k], c->note, c->note_len, NULL);
            if (rc == AUDIT_OK) {
                count++;
                on_newest = on_newest || c == newest;
            } else if (rc != AUDIT_ENOKEY) {
                fail(6,
                     "the checkpoint of size %" PRIu64 " carries a cosignature line by %s "
                     "that does not verify (forged or altered)",
                     c->cp.size, w[k].name);
            }
        }
        if (newest != NULL && !on_newest) {
            fail(6,
                 "the newest checkpoint (size %" PRIu64 ") carries no valid cosignature by "
                 "witness %s",
                 newest->cp.size, w[k].name);
        }
        int n = snprintf(summary + so, sizeof summary - so, "%s%s cosigned %u checkpoint%s",
                         k ? "; " : "", w[k].name, count, count == 1 ? "" : "s");
        if (n > 0 && (size_t)n < sizeof summary - so) {
            so += (size_t)n;
        }
    }
    set(6, ST_PASS, "%s, the newest (size %" PRIu64 ") by every named witness", summary,
        newest ? newest->cp.size : 0);
}

/* ---- questions: checks 4 (boards) and 5 (results) ------------------------------ */

/* A question as the record lists it (api-spec/record.md, "questions"). */
struct rec_q {
    int64_t id;
    char idstr[24];
    bool have_board, have_result, have_texts;
    size_t board_off, texts_off, texts_end;
    int n_options;
    char ids[QR_MAX_OPTIONS][3];
    bool excluded[QR_MAX_OPTIONS];
    char *result;
    size_t result_len;
    int64_t roll_countries, roll_size, roll_voters;
    char roll_root[65];
    char method[16], rules_id[32], country_cap[48], dm_share[48], min_turnout[48];
    int64_t seats, max_rankings, min_countries;
};

static uint64_t boards_checked, ballots_checked, results_checked, results_pending;

/* The next value as a scalar text into out ("" for null); false if it is
 * not a string, number or null, or too long. */
static bool scalar(struct jscan *s, char *out, size_t cap)
{
    enum jscan_token t = next(s);
    if (t == JSCAN_NULL) {
        out[0] = '\0';
        return true;
    }
    if ((t != JSCAN_STRING && t != JSCAN_NUMBER) || s->has_nul || s->len >= cap) {
        if (t == JSCAN_OBJECT_BEGIN || t == JSCAN_ARRAY_BEGIN) {
            (void)jscan_skip(s, t);
        }
        return false;
    }
    memcpy(out, s->text, s->len);
    out[s->len] = '\0';
    return true;
}

static bool scalar_int(struct jscan *s, int64_t *v, int64_t if_null)
{
    char buf[24];
    if (!scalar(s, buf, sizeof buf)) {
        return false;
    }
    if (buf[0] == '\0') {
        *v = if_null;
        return true;
    }
    char *end;
    errno = 0;
    *v = strtoll(buf, &end, 10);
    return errno == 0 && *end == '\0';
}

static void read_q_options(struct jscan *s, struct rec_q *q)
{
    if (next(s) != JSCAN_ARRAY_BEGIN) {
        bad(s, "question options must be an array");
    }
    while (next(s) == JSCAN_OBJECT_BEGIN) {
        if (q->n_options >= QR_MAX_OPTIONS) {
            bad(s, "more than 100 options");
        }
        int i = q->n_options++;
        while (next(s) == JSCAN_KEY) {
            if (key_is(s, "id")) {
                char id[8];
                size_t n = scalar(s, id, sizeof id) ? strlen(id) : 0;
                if (n == 0 || n > 2) {
                    bad(s, "an option id is one or two letters");
                }
                memcpy(q->ids[i], id, n + 1); /* n ≤ 2: fits with its NUL */
            } else if (key_is(s, "excluded")) {
                enum jscan_token t = next(s);
                if (t != JSCAN_TRUE && t != JSCAN_FALSE) {
                    bad(s, "excluded must be a boolean");
                }
                q->excluded[i] = t == JSCAN_TRUE;
            } else if (!jscan_skip(s, next(s))) {
                bad(s, "bad value");
            }
        }
    }
}

static void read_q_rules(struct jscan *s, struct rec_q *q)
{
    if (next(s) != JSCAN_OBJECT_BEGIN) {
        bad(s, "question rules must be an object");
    }
    while (next(s) == JSCAN_KEY) {
        bool ok = true;
        if (key_is(s, "method")) {
            ok = scalar(s, q->method, sizeof q->method);
        } else if (key_is(s, "rules_id")) {
            ok = scalar(s, q->rules_id, sizeof q->rules_id);
        } else if (key_is(s, "seats")) {
            ok = scalar_int(s, &q->seats, 0);
        } else if (key_is(s, "max_rankings")) {
            ok = scalar_int(s, &q->max_rankings, -1);
        } else if (key_is(s, "country_cap")) {
            ok = scalar(s, q->country_cap, sizeof q->country_cap);
        } else if (key_is(s, "double_majority")) {
            enum jscan_token t = next(s);
            if (t == JSCAN_OBJECT_BEGIN) {
                while (next(s) == JSCAN_KEY) {
                    if (key_is(s, "min_country_share")) {
                        ok = scalar(s, q->dm_share, sizeof q->dm_share);
                    } else if (!jscan_skip(s, next(s))) {
                        bad(s, "bad value");
                    }
                }
            } else {
                ok = t == JSCAN_NULL;
            }
        } else if (key_is(s, "quorum")) {
            if (next(s) != JSCAN_OBJECT_BEGIN) {
                bad(s, "quorum must be an object");
            }
            while (next(s) == JSCAN_KEY) {
                if (key_is(s, "min_turnout")) {
                    ok = scalar(s, q->min_turnout, sizeof q->min_turnout);
                } else if (key_is(s, "min_countries")) {
                    ok = scalar_int(s, &q->min_countries, 0);
                } else if (!jscan_skip(s, next(s))) {
                    bad(s, "bad value");
                }
            }
        } else if (!jscan_skip(s, next(s))) {
            bad(s, "bad value");
        }
        if (!ok) {
            bad(s, "a question rule has the wrong type");
        }
    }
}

static void read_q_roll(struct jscan *s, struct rec_q *q)
{
    if (next(s) != JSCAN_OBJECT_BEGIN) {
        bad(s, "question roll must be an object");
    }
    while (next(s) == JSCAN_KEY) {
        bool ok = true;
        if (key_is(s, "countries")) {
            ok = scalar_int(s, &q->roll_countries, 0);
        } else if (key_is(s, "size")) {
            ok = scalar_int(s, &q->roll_size, 0);
        } else if (key_is(s, "voters")) {
            ok = scalar_int(s, &q->roll_voters, 0);
        } else if (key_is(s, "root")) {
            ok = scalar(s, q->roll_root, sizeof q->roll_root);
        } else if (!jscan_skip(s, next(s))) {
            bad(s, "bad value");
        }
        if (!ok) {
            bad(s, "a roll member has the wrong type");
        }
    }
}

/* One question object (its first token was just read). */
static void read_question(struct jscan *s, struct rec_q *q)
{
    memset(q, 0, sizeof *q); /* q->result: NULL, as the caller holds it */
    q->id = -1;
    q->max_rankings = -1;
    while (next(s) == JSCAN_KEY) {
        if (key_is(s, "board")) {
            enum jscan_token t = next(s);
            if (t != JSCAN_ARRAY_BEGIN) {
                bad(s, "a board must be an array");
            }
            q->board_off = s->tok_off;
            q->have_board = true;
            if (!jscan_skip(s, t)) {
                bad(s, "bad board");
            }
        } else if (key_is(s, "id")) {
            if (!scalar_int(s, &q->id, -1) || q->id < 0) {
                bad(s, "a question id is an integer");
            }
            snprintf(q->idstr, sizeof q->idstr, "%" PRId64, q->id);
        } else if (key_is(s, "options")) {
            read_q_options(s, q);
        } else if (key_is(s, "result")) {
            enum jscan_token t = next(s);
            if (t == JSCAN_STRING && q->result == NULL) {
                q->result = dup_tok(s);
                q->result_len = s->len;
                q->have_result = true;
            } else if (t != JSCAN_NULL || q->result != NULL) {
                bad(s, "a result is the result's bytes as a string, or null (once)");
            }
        } else if (key_is(s, "roll")) {
            read_q_roll(s, q);
        } else if (key_is(s, "rules")) {
            read_q_rules(s, q);
        } else if (key_is(s, "texts")) {
            enum jscan_token t = next(s);
            q->texts_off = s->tok_off;
            if (t != JSCAN_OBJECT_BEGIN || !jscan_skip(s, t)) {
                bad(s, "texts must be an object");
            }
            q->texts_end = (size_t)(s->p - s->start);
            q->have_texts = true;
        } else if (!jscan_skip(s, next(s))) {
            bad(s, "bad value");
        }
    }
    if (q->id < 0 || !q->have_board || q->n_options < 1 || q->method[0] == '\0') {
        bad(s, "a question needs id, board, options and rules");
    }
}

static void hex32(const uint8_t *h, char out[65])
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = d[h[i] >> 4];
        out[2 * i + 1] = d[h[i] & 15];
    }
    out[64] = '\0';
}

static bool is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

/*
 * Check 4 over question q's board (re-scanned from its offset: one board
 * entry at a time, never a tree of it), feeding each valid ballot into e
 * (set up for q by the caller, or NULL). Returns the number of entries;
 * *valid = false when any entry is unusable for the count.
 */
static void fini_jcs(void *p)
{
    jcs_buf_fini(p);
}

static void fini_election(void *p)
{
    tally_election_fini(p);
}

static void fini_result(void *p)
{
    tally_result_fini(p);
}

static void fini_ebuf(void *p)
{
    election_buf_fini(p);
}

static uint64_t read_board(const char *buf, size_t len, const struct rec_q *q,
                           const struct qlog *lq, struct tally_election *e, bool *valid)
{
    static struct jscan s; /* static: see hold() */
    jscan_init_at(&s, buf, len, q->board_off);
    hold(&s, fini_scan);
    if (next(&s) != JSCAN_ARRAY_BEGIN) {
        bad(&s, "a board must be an array");
    }
    int width =
        q->max_rankings > 0 && q->max_rankings < q->n_options ? (int)q->max_rankings : q->n_options;
    struct merkle_frontier f;
    merkle_frontier_init(&f);
    static struct jcs_buf jb;
    jcs_buf_init(&jb);
    hold(&jb, fini_jcs);
    char prev[BALLOT_RECEIPT_HEX + 1] = "";
    uint64_t n = 0;
    *valid = true;
    enum jscan_token t;
    while ((t = next(&s)) == JSCAN_OBJECT_BEGIN) {
        n++;
        char receipt[BALLOT_RECEIPT_HEX + 1] = "", country[8] = "";
        uint8_t pos[QR_MAX_OPTIONS];
        int np = 0;
        const char *why = NULL;
        bool seen[QR_MAX_OPTIONS] = {0};
        while (next(&s) == JSCAN_KEY) {
            if (key_is(&s, "receipt")) {
                if (!scalar(&s, receipt, sizeof receipt)) {
                    why = "its receipt is not 64 lowercase hex digits";
                }
            } else if (key_is(&s, "country")) {
                if (!scalar(&s, country, sizeof country)) {
                    why = "its country is not two letters";
                }
            } else if (key_is(&s, "ranking")) {
                if (next(&s) != JSCAN_ARRAY_BEGIN) {
                    bad(&s, "a ranking must be an array");
                }
                enum jscan_token r;
                while ((r = next(&s)) != JSCAN_ARRAY_END) {
                    if (r != JSCAN_STRING) {
                        bad(&s, "a ranking holds option ids");
                    }
                    int p = ballot_option_pos(s.text, s.len, (unsigned)q->n_options);
                    if (p < 0) {
                        why = why ? why : "its ranking names an option the question does not have";
                    } else if (q->excluded[p]) {
                        why = why ? why : "its ranking names an excluded option";
                    } else if (seen[p]) {
                        why = why ? why : "its ranking names an option twice";
                    } else if (np >= width) {
                        why = why ? why : "its ranking holds more ranks than the question allows";
                    } else {
                        seen[p] = true;
                        pos[np++] = (uint8_t)p;
                    }
                }
            } else if (!jscan_skip(&s, next(&s))) {
                bad(&s, "bad value");
            }
        }
        if (why == NULL &&
            (strlen(receipt) != BALLOT_RECEIPT_HEX || !is_lower_hex(receipt, BALLOT_RECEIPT_HEX))) {
            why = "its receipt is not 64 lowercase hex digits";
        }
        if (why == NULL && (strlen(country) != 2 || country[0] < 'A' || country[0] > 'Z' ||
                            country[1] < 'A' || country[1] > 'Z')) {
            why = "its country is not two capital letters";
        }
        if (why == NULL && np == 0) {
            why = "its ranking is empty";
        }
        if (why == NULL && strcmp(prev, receipt) >= 0) {
            why = "the board is not sorted by receipt (entries reordered or repeated)";
        }
        if (why != NULL) {
            fail(4, "question %s, board entry #%" PRIu64 ": %s", q->idstr, n, why);
            *valid = false;
        }
        memcpy(prev, receipt, sizeof prev);
        /* the leaf: the exact board entry core/ballot writes (ranks as positions) */
        uint8_t leaf[MERKLE_HASH_LEN];
        struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
        unsigned nn = 0;
        if (why == NULL && ballot_board_entry(&jb, pos, (size_t)np, country, receipt) == 0) {
            merkle_leaf_hash(jb.data, jb.len, leaf);
        } else {
            memset(leaf, 0, sizeof leaf); /* the root will not match: check 4 already failed */
        }
        if (merkle_frontier_append(&f, leaf, nodes, &nn) != AUDIT_OK) {
            unreadable("a board too large");
        }
        struct tally_error err = {0};
        if (why == NULL && e != NULL &&
            qr_election_add(e, pos, (size_t)np, country, 1, &err) != TALLY_OK) {
            fail(4, "question %s, board entry #%" PRIu64 ": %s", q->idstr, n, err.reason);
            *valid = false;
        }
    }
    if (t != JSCAN_ARRAY_END) {
        bad(&s, "board entries must be objects");
    }
    unhold(&jb);
    jcs_buf_fini(&jb);
    unhold(&s);
    jscan_fini(&s);
    uint8_t root[MERKLE_HASH_LEN];
    char root_hex[65];
    merkle_frontier_root(&f, root);
    hex32(root, root_hex);
    if ((int64_t)n != lq->board_size) {
        fail(4,
             "question %s: the board holds %" PRIu64 " entries but question.closed says %" PRId64
             " (entries dropped or added)",
             q->idstr, n, lq->board_size);
    } else if (strcmp(root_hex, lq->board_root) != 0) {
        fail(4,
             "question %s: the board's Merkle root %s is not the board_root %s signed in "
             "question.closed (a board entry was changed, moved or replaced)",
             q->idstr, root_hex, lq->board_root);
    }
    return n;
}

static void check_question(const char *buf, size_t len, struct rec_q *q)
{
    struct qlog *lq = qlog_find(&story, q->idstr, false);
    if (lq == NULL || !lq->closed) {
        fail(3,
             "the record holds a board for question %s but the log has no question.closed for it "
             "(a board before the close)",
             q->idstr);
        fail(4, "question %s: no question.closed to check its board against", q->idstr);
        return;
    }
    if (lq->in_record) {
        fail(3, "the record lists question %s twice", q->idstr);
        return;
    }
    lq->in_record = true;
    /* frozen texts and roll summary against question.opened */
    if (q->have_texts) {
        char *canon = NULL;
        size_t clen = 0;
        char hex[65] = "";
        if (jcs_canonicalize(buf + q->texts_off, q->texts_end - q->texts_off, &canon, &clen,
                             NULL) == AUDIT_OK) {
            uint8_t h[32];
            crypto_hash_sha256(h, (const unsigned char *)canon, clen);
            hex32(h, hex);
        }
        free(canon);
        if (strcmp(hex, lq->texts_hash) != 0) {
            fail(4, "question %s: its texts do not hash to the texts_hash of question.opened",
                 q->idstr);
        }
    } else {
        fail(4, "question %s: the record carries no frozen texts", q->idstr);
    }
    if (strcmp(q->roll_root, lq->roll_root) != 0 || q->roll_size != lq->roll_size) {
        fail(4, "question %s: the roll summary differs from question.opened", q->idstr);
    }
    if (lq->ballots != lq->voters || q->roll_voters != lq->voters) {
        fail(4,
             "question %s: %" PRId64 " ballots but %" PRId64 " voters marked on the roll "
             "(the record says %" PRId64 ")",
             q->idstr, lq->ballots, lq->voters, q->roll_voters);
    }
    /* the election, as pnyxd set it up (codec/result) */
    int m = qr_method_parse(q->method);
    uint8_t lroot[MERKLE_HASH_LEN];
    bool have_root = prefix_root(lq->closed_seq, lroot);
    int64_t seed = have_root ? tally_seed_from_root(lroot) : 0;
    struct qr_spec spec = {
        .qid = q->id,
        .method = (enum tally_method)(m < 0 ? 0 : m),
        .seats = (int)q->seats,
        .n_options = q->n_options,
        .option_ids = (const char(*)[3])q->ids,
        .excluded = q->excluded,
        .country_cap = q->country_cap,
        .dm_share = q->dm_share,
        .max_rankings = (int)q->max_rankings,
        .seed = seed,
    };
    static struct tally_election e; /* static: see hold() */
    tally_election_init(&e);
    hold(&e, fini_election);
    struct tally_error err = {0};
    bool setup = m >= 0 && qr_election_setup(&spec, &e, &err) == TALLY_OK;
    bool valid;
    uint64_t n = read_board(buf, len, q, lq, setup ? &e : NULL, &valid);
    boards_checked++;
    ballots_checked += n;
    /* check 5 */
    if (!q->have_result) {
        if (lq->tallied) {
            fail(5, "question %s: tally.published is in the log but the record carries no result",
                 q->idstr);
        } else {
            results_pending++;
        }
        unhold(&e);
        tally_election_fini(&e);
        return;
    }
    if (!lq->tallied) {
        fail(3, "the record carries a result for question %s without its tally.published",
             q->idstr);
        fail(5, "question %s: a result without tally.published cannot be checked", q->idstr);
        unhold(&e);
        tally_election_fini(&e);
        return;
    }
    uint8_t h[32];
    char hex[65];
    crypto_hash_sha256(h, (const unsigned char *)q->result, q->result_len);
    hex32(h, hex);
    if (strcmp(hex, lq->result_hash) != 0) {
        fail(5,
             "question %s: the result's SHA-256 %s is not the result_hash %s signed in "
             "tally.published",
             q->idstr, hex, lq->result_hash);
    }
    if (!have_root || seed != lq->seed) {
        fail(5,
             "question %s: tally.published says seed %" PRId64 " but the log's root at the "
             "question.closed entry (size %" PRIu64 ") gives seed %" PRId64,
             q->idstr, lq->seed, lq->closed_seq, seed);
    }
    if (m < 0 || strcmp(q->rules_id, qr_rules_id((enum tally_method)m)) != 0 ||
        strcmp(lq->rules_id, q->rules_id) != 0) {
        fail(5, "question %s: rules id %s does not match its method %s and tally.published (%s)",
             q->idstr, q->rules_id, q->method, lq->rules_id);
    }
    if (!setup || !valid) {
        fail(5, "question %s: the result cannot be recounted: %s", q->idstr,
             !setup ? err.reason : "the board holds invalid entries (check 4)");
        unhold(&e);
        tally_election_fini(&e);
        return;
    }
    static struct tally_result r;
    memset(&r, 0, sizeof r);
    hold(&r, fini_result);
    struct tally_error refusal = {0};
    int rc = tally_run(&e, &r, &refusal);
    if (rc != TALLY_OK && rc != TALLY_EINVAL && rc != TALLY_ERANGE && rc != TALLY_ETIE) {
        unreadable("the count of question %s failed: %s", q->idstr, refusal.reason);
    }
    bool refused = rc != TALLY_OK;
    if (refused) {
        tally_result_fini(&r);
        memset(&r, 0, sizeof r);
    }
    char turnout[48];
    const char *mt = q->min_turnout[0] ? q->min_turnout : "0";
    bool met =
        qr_quorum((int64_t)n, lq->roll_size, q->roll_countries, mt, (int)q->min_countries, turnout);
    enum qr_status status = refused ? QR_NOT_COUNTED : qr_status_of(met, &r);
    struct qr_meta meta = {
        .qid = q->id,
        .status = status,
        .method = q->method,
        .seats = (int)q->seats,
        .ballots = (int64_t)n,
        .roll_size = lq->roll_size,
        .countries = q->roll_countries,
        .turnout = turnout,
        .min_turnout = mt,
        .min_countries = (int)q->min_countries,
        .quorum_met = met,
        .board_root_hex = lq->board_root[0] ? lq->board_root : NULL,
        .seed = seed,
        .refusal = refused ? refusal.reason : NULL,
    };
    static struct election_buf b;
    memset(&b, 0, sizeof b);
    hold(&b, fini_ebuf);
    if (qr_result_write(&meta, &e, &r, &b) != 0 || b.oom) {
        unreadable("out of memory");
    }
    if (b.len != q->result_len || memcmp(b.data, q->result, b.len) != 0) {
        size_t at = 0;
        while (at < b.len && at < q->result_len && b.data[at] == q->result[at]) {
            at++;
        }
        fail(5,
             "question %s: the published result does not recount from the board under %s with "
             "seed %" PRId64 ": the bytes differ from offset %zu (recounted status %s)",
             q->idstr, q->rules_id, seed, at, qr_status_name(status));
    } else if (strcmp(qr_status_name(status), lq->status) != 0) {
        fail(5, "question %s: tally.published says status %s, the recount %s", q->idstr, lq->status,
             qr_status_name(status));
    } else {
        results_checked++;
    }
    unhold(&b);
    unhold(&r);
    unhold(&e);
    election_buf_fini(&b);
    tally_result_fini(&r);
    tally_election_fini(&e);
}

static void check_questions(const char *buf, size_t len)
{
    if (R.have_questions) {
        static struct jscan s; /* static: see hold() */
        jscan_init_at(&s, buf, len, R.questions_off);
        hold(&s, fini_scan);
        if (next(&s) != JSCAN_ARRAY_BEGIN) {
            bad(&s, "questions must be an array");
        }
        enum jscan_token t;
        while ((t = next(&s)) == JSCAN_OBJECT_BEGIN) {
            static struct rec_q q;
            q.result = NULL;
            hold(&q.result, fini_ptr);
            read_question(&s, &q);
            check_question(buf, len, &q);
            unhold(&q.result);
            free(q.result);
        }
        if (t != JSCAN_ARRAY_END) {
            bad(&s, "questions must be objects");
        }
        unhold(&s);
        jscan_fini(&s);
    }
    for (size_t i = 0; i < story.n_q; i++) {
        if (story.q[i].closed && !story.q[i].in_record) {
            fail(4, "question %s closed in the log but the record carries no board for it",
                 story.q[i].id);
        }
    }
    set(4, ST_PASS,
        "%" PRIu64 " board%s (%" PRIu64 " ballots): roots and sizes equal question.closed, "
        "ballots = voters, rankings valid, sorted by receipt, texts and roll as opened",
        boards_checked, boards_checked == 1 ? "" : "s", ballots_checked);
    set(5, ST_PASS,
        "%" PRIu64 " result%s recount byte for byte under their rules id and the log's seed, "
        "hashes equal tally.published%s",
        results_checked, results_checked == 1 ? "" : "s",
        results_pending ? "; a closed question is not counted yet" : "");
}

/* ---- a run ---------------------------------------------------------------------- */

int pnyx_verify_record(const char *buf, size_t len, const char *pinned, const char *const *saved,
                       size_t n_saved, const struct note_verifier *witnesses, size_t nw);
void pnyx_verify_reset(void);

/*
 * Checks 1-6 of the record buf[0..len) (borrowed; need not be
 * NUL-terminated): 0 every check passed, 1 a check failed (checks[] say
 * which), 2 unreadable (unreadable_why says why). pinned: --key or NULL;
 * saved: the --checkpoint files; witnesses: the --witness keys. Call
 * pnyx_verify_reset after reading the verdict, before the next run.
 */
int pnyx_verify_record(const char *buf, size_t len, const char *pinned, const char *const *saved,
                       size_t n_saved, const struct note_verifier *witnesses, size_t nw)
{
    merkle_mem_init(&R.tree);
    unreadable_armed = true;
    if (setjmp(unreadable_jmp) != 0) {
        unreadable_armed = false;
        return 2;
    }
    read_record(buf, len);
    check_key(pinned);
    check_signatures(pinned != NULL);
    check_log();
    for (size_t i = 0; i < n_saved; i++) {
        check_saved(saved[i]);
    }
    set(2, ST_PASS,
        "%" PRIu64 " leaf hashes recompute; every checkpoint's root is the root of its entries; "
        "consecutive checkpoints are consistent%s",
        R.n_entries, n_saved ? "; so are your saved checkpoints" : "");
    check_questions(buf, len);
    set(3, ST_PASS,
        "%" PRIu64 " entries canonical, seq 1..%" PRIu64 " without gaps, kinds known, story "
        "legal (%" PRIu64 " question entries)",
        R.n_entries, R.n_entries, question_entries);
    check_witnesses(witnesses, nw);
    unreadable_armed = false;
    bool failed = false;
    for (int i = 1; i <= 6; i++) {
        failed = failed || checks[i].status == ST_FAIL;
    }
    return failed ? 1 : 0;
}

/* Releases what a run holds and forgets its verdicts. */
void pnyx_verify_reset(void)
{
    while (n_held > 0) {
        n_held--;
        held[n_held].fini(held[n_held].p);
    }
    free(R.assembly);
    free(R.origin);
    free(R.format);
    free(R.key_name);
    free(R.key_public);
    free(R.key_id);
    free(R.key_vkey);
    for (size_t i = 0; i < R.n_cps; i++) {
        free(R.cps[i].note);
    }
    free(R.cps);
    merkle_mem_fini(&R.tree);
    memset(&R, 0, sizeof R);
    free(story.q);
    memset(&story, 0, sizeof story);
    question_entries = 0;
    boards_checked = ballots_checked = results_checked = results_pending = 0;
    memset(&log_key, 0, sizeof log_key);
    for (int i = 1; i <= 6; i++) {
        checks[i].status = ST_PASS;
        checks[i].problems = 0;
        checks[i].reason[0] = '\0';
    }
    unreadable_why[0] = '\0';
}

#ifndef PNYX_VERIFY_NO_MAIN
static const char *const status_name[] = {"PASS", "FAIL", "NOT CHECKED", "SKIPPED"};

/* ---- output --------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c < 0x20) {
            fprintf(f, "\\u%04x", c);
        } else {
            fputc(c, f);
        }
    }
    fputc('"', f);
}

static void usage(void)
{
    fputs("usage: pnyx-verify RECORD.json [--key BASE64|VKEY] [--checkpoint FILE]...\n"
          "                   [--witness VKEY]... [--json]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *record = NULL, *pinned = NULL;
    const char *saved[MAX_SAVED];
    size_t n_saved = 0, nw = 0;
    struct note_verifier witnesses[MAX_WITNESS];
    bool as_json = false;
    if (sodium_init() < 0) {
        unreadable("libsodium failed to start");
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            as_json = true;
        } else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
            pinned = argv[++i];
        } else if (strcmp(argv[i], "--checkpoint") == 0 && i + 1 < argc && n_saved < MAX_SAVED) {
            saved[n_saved++] = argv[++i];
        } else if (strcmp(argv[i], "--witness") == 0 && i + 1 < argc && nw < MAX_WITNESS) {
            const char *v = argv[++i];
            if (witness_vkey_parse(&witnesses[nw], v, strlen(v)) != AUDIT_OK) {
                unreadable("--witness %s is not a witness's cosignature/v1 vkey "
                           "(name+keyid+base64 key with algorithm byte 0x04)",
                           v);
            }
            nw++;
        } else if (argv[i][0] != '-' && record == NULL) {
            record = argv[i];
        } else {
            usage();
        }
    }
    if (record == NULL) {
        usage();
    }
    struct note_verifier pin_check;
    if (pinned != NULL && note_vkey_parse(&pin_check, pinned, strlen(pinned)) != AUDIT_OK) {
        uint8_t pk[NOTE_PUBLIC_KEY_LEN];
        size_t got = 0;
        if (audit_b64_decode(pinned, strlen(pinned), pk, sizeof pk, &got) != AUDIT_OK ||
            got != NOTE_PUBLIC_KEY_LEN) {
            unreadable("--key %s is neither a base64 Ed25519 public key nor a vkey", pinned);
        }
    }
    for (size_t i = 0; i < n_saved; i++) {
        if (access(saved[i], R_OK) != 0) {
            unreadable("--checkpoint %s: %s", saved[i], strerror(errno));
        }
    }
    size_t len;
    char *buf = slurp(record, &len);
    int rc = pnyx_verify_record(buf, len, pinned, saved, n_saved, witnesses, nw);
    free(buf);
    if (rc == 2) {
        fprintf(stderr, "pnyx-verify: cannot read the input: %s\n", unreadable_why);
        pnyx_verify_reset();
        return 2;
    }
    bool failed = rc != 0;
    const char *verdict = failed ? "FAIL" : "PASS";
    if (as_json) {
        printf("{\"record\":{\"assembly\":");
        json_str(stdout, R.assembly);
        printf(",\"origin\":");
        json_str(stdout, R.origin);
        printf(",\"entries\":%" PRIu64 ",\"checkpoints\":%zu,\"questions\":%" PRIu64 "},",
               R.n_entries, R.n_cps, R.questions);
        printf("\"checks\":[");
        for (int i = 1; i <= 6; i++) {
            printf("%s{\"id\":%d,\"name\":\"%s\",\"status\":\"%s\",\"problems\":%u,\"reason\":",
                   i > 1 ? "," : "", i, checks[i].name, status_name[checks[i].status],
                   checks[i].problems);
            json_str(stdout, checks[i].reason);
            printf("}");
        }
        printf("],\"result\":\"%s\"}\n", verdict);
    } else {
        printf("pnyx-verify: assembly %s (%s): %" PRIu64 " entries, %zu checkpoints, %" PRIu64
               " questions\n",
               R.assembly, R.origin, R.n_entries, R.n_cps, R.questions);
        for (int i = 1; i <= 6; i++) {
            printf("%-11s %d %-10s %s", status_name[checks[i].status], i, checks[i].name,
                   checks[i].reason);
            if (checks[i].problems > 1) {
                printf(" (and %u more problem%s)", checks[i].problems - 1,
                       checks[i].problems == 2 ? "" : "s");
            }
            putchar('\n');
        }
        printf("result: %s\n", verdict);
    }
    pnyx_verify_reset();
    return failed ? 1 : 0;
}
#endif /* PNYX_VERIFY_NO_MAIN */
