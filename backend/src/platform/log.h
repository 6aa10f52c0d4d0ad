/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/log.h — structured logging: one JSON object per line on stderr
 * (journald/docker friendly), e.g.
 *   {"ts":"2026-01-01T00:00:00.123Z","level":"info","rid":"…","msg":"…"}
 * Below-level lines are never formatted (Redis serverLog). Lines written
 * while a request runs carry its request id ("rid"): the http layer sets a
 * thread-local id for the duration of each callback (log_set_request_id).
 * Never log passwords, hashes, session tokens or secret ballot contents.
 * Thread-safe: each line is formatted locally and written with one write(2).
 */
#ifndef PNYX_PLATFORM_LOG_H
#define PNYX_PLATFORM_LOG_H

#include <stdbool.h>

#include "platform/compiler.h"

enum log_level {
    PNYX_LOG_DEBUG = 0,
    PNYX_LOG_INFO = 1,
    PNYX_LOG_WARN = 2,
    PNYX_LOG_ERROR = 3,
};

/* Set once at startup before threads start. Default: info. */
void log_set_level(enum log_level level);
/* Parses "debug|info|warn|error" into *out; returns 0 or -1. */
int log_level_parse(const char *s, enum log_level *out) PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;
bool log_enabled(enum log_level level);

/* Thread-local request id for subsequent lines of this thread (borrowed:
 * must stay valid until reset with NULL). */
void log_set_request_id(const char *rid);
const char *log_request_id(void);

/* Writes one line: msg is printf-formatted and JSON-escaped. */
void log_msg(enum log_level level, const char *fmt, ...) PNYX_PRINTF(2, 3);
/* Writes one line with extra members. `fields` is a pre-built, valid JSON
 * member list without braces, e.g. "\"status\":200,\"path\":\"/x\"" (build
 * it with log_json_escape). msg is copied verbatim (escaped). */
void log_fields(enum log_level level, const char *msg, const char *fields);

/* Writes s JSON-escaped (without quotes) into buf (cap bytes incl. NUL),
 * truncating on a character/escape boundary (a multi-byte character is
 * copied whole or not at all). Bytes that do not form well-formed UTF-8
 * become \ufffd, so the output is always valid UTF-8 and valid inside a
 * JSON string. Returns bytes written. */
size_t log_json_escape(char *buf, size_t cap, const char *s) PNYX_NONNULL(1, 3);

#define log_debug(...)                                                                             \
    do {                                                                                           \
        if (log_enabled(PNYX_LOG_DEBUG))                                                           \
            log_msg(PNYX_LOG_DEBUG, __VA_ARGS__);                                                  \
    } while (0)
#define log_info(...)                                                                              \
    do {                                                                                           \
        if (log_enabled(PNYX_LOG_INFO))                                                            \
            log_msg(PNYX_LOG_INFO, __VA_ARGS__);                                                   \
    } while (0)
#define log_warn(...)  log_msg(PNYX_LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(PNYX_LOG_ERROR, __VA_ARGS__)

#endif /* PNYX_PLATFORM_LOG_H */
