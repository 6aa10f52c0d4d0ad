/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/log.c — one JSON object per line on stderr. Each line is built
 * in a stack buffer and written with a single write(2), so lines from
 * different threads never interleave (stderr writes ≤ PIPE_BUF are atomic
 * on pipes). Lines longer than the buffer are truncated, never split.
 */
#include "platform/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/base/base.h"

/* Why 4 KiB: PIPE_BUF, the largest write(2) guaranteed atomic on a pipe. */
#define LOG_LINE_MAX 4096
/* Why 1 KiB: messages are short sentences; longer ones are truncated. */
#define LOG_MSG_MAX 1024

static atomic_int log_level = PNYX_LOG_INFO;
static _Thread_local const char *log_rid;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
    atomic_store(&log_level, (int)level);
}

int log_level_parse(const char *s, enum log_level *out)
{
    for (size_t i = 0; i < PNYX_ARRAY_LEN(level_names); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *out = PNYX_LOG_WARN;
        return 0;
    }
    return -1;
}

bool log_enabled(enum log_level level)
{
    return (int)level >= atomic_load_explicit(&log_level, memory_order_relaxed);
}

void log_set_request_id(const char *rid)
{
    log_rid = rid;
}

const char *log_request_id(void)
{
    return log_rid;
}

/* Bytes of the well-formed character at p (inside s[0..len)), 0 if none. */
static size_t utf8_len_at(const char *s, size_t len, const char *p)
{
    size_t i = (size_t)(p - s), start = i;
    return base_utf8_next(s, len, &i) < 0 ? 0 : i - start;
}

size_t log_json_escape(char *buf, size_t cap, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0)
        return 0;
    size_t len = strlen(s);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        char tmp[7];
        const char *src = tmp;
        size_t n = 0, used = 1;
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            tmp[n++] = '\\';
            tmp[n++] = (char)c;
        } else if (c == '\n') {
            tmp[n++] = '\\';
            tmp[n++] = 'n';
        } else if (c == '\t') {
            tmp[n++] = '\\';
            tmp[n++] = 't';
        } else if (c < 0x20 || c == 0x7f) {
            tmp[n++] = '\\';
            tmp[n++] = 'u';
            tmp[n++] = '0';
            tmp[n++] = '0';
            tmp[n++] = hex[c >> 4];
            tmp[n++] = hex[c & 15];
        } else if (c < 0x80) {
            tmp[n++] = (char)c;
        } else if ((used = utf8_len_at(s, len, (const char *)p)) != 0) {
            /* A whole well-formed character, copied as is (or not at all:
             * a character is never cut at the end of the buffer). */
            src = (const char *)p;
            n = used;
        } else {
            /* A byte that starts no well-formed character: U+FFFD, so
             * the line stays valid UTF-8 (and valid JSON). */
            memcpy(tmp, "\\ufffd", 6);
            n = 6;
            used = 1;
        }
        if (o + n + 1 > cap)
            break;
        memcpy(buf + o, src, n);
        o += n;
        p += used;
    }
    buf[o] = '\0';
    return o;
}

/* Writes {"ts":"YYYY-MM-DDTHH:MM:SS into buf (a per-thread cache keeps the
 * formatted second), returns its length. */
static size_t ts_prefix(char *buf, size_t cap, time_t sec)
{
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[40];
    static _Thread_local size_t cached_len;
    if (sec != cached_sec) {
        /* core/base formats without gmtime_r, which takes glibc's global
         * time zone lock and serialised the pool threads. */
        char t[BASE_RFC3339_MAX];
        size_t tl = base_rfc3339_format((int64_t)sec, -1, t); /* …SSZ: drop the Z */
        int n = snprintf(cached, sizeof cached, "{\"ts\":\"%.*s", tl > 0 ? (int)tl - 1 : 0, t);
        cached_len = n > 0 && (size_t)n < sizeof cached ? (size_t)n : 0;
        cached_sec = sec;
    }
    size_t n = cached_len < cap ? cached_len : 0;
    memcpy(buf, cached, n);
    return n;
}

static void emit(enum log_level level, const char *msg, const char *fields)
{
    char line[LOG_LINE_MAX];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    size_t n = ts_prefix(line, sizeof line, ts.tv_sec);
    unsigned ms = (unsigned)(ts.tv_nsec / 1000000);
    line[n++] = '.';
    line[n++] = (char)('0' + ms / 100);
    line[n++] = (char)('0' + ms / 10 % 10);
    line[n++] = (char)('0' + ms % 10);
    static const char mid[] = "Z\",\"level\":\"";
    memcpy(line + n, mid, sizeof mid - 1);
    n += sizeof mid - 1;
    size_t ll = strlen(level_names[level]);
    memcpy(line + n, level_names[level], ll);
    n += ll;
    line[n++] = '"';
    if (log_rid) {
        n += (size_t)snprintf(line + n, sizeof line - n, ",\"rid\":\"");
        n += log_json_escape(line + n, sizeof line - n - 8, log_rid);
        line[n++] = '"';
    }
    n += (size_t)snprintf(line + n, sizeof line - n, ",\"msg\":\"");
    n += log_json_escape(line + n, sizeof line - n - 8, msg);
    line[n++] = '"';
    if (fields && *fields) {
        size_t fl = strlen(fields);
        /* A truncated member list would be invalid JSON: drop it instead. */
        if (fl + 4 < sizeof line - n) {
            line[n++] = ',';
            memcpy(line + n, fields, fl);
            n += fl;
        }
    }
    line[n++] = '}';
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w; /* nowhere to report a failing stderr */
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char msg[LOG_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r < 0)
        msg[0] = '\0';
    emit(level, msg, NULL);
}

void log_fields(enum log_level level, const char *msg, const char *fields)
{
    if (!log_enabled(level))
        return;
    emit(level, msg, fields);
}
