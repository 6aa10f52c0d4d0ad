/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http/body.c — request-body decoding, written once for every route: a
 * depth pre-scan (so no hostile nesting reaches Jansson's recursive
 * parser), then json_loadb with JSON_REJECT_DUPLICATES. Jansson refuses
 * "\u0000" inside strings unless JSON_ALLOW_NUL, which we never pass, and
 * refuses raw control characters and invalid UTF-8.
 */
#include <string.h>
#include <strings.h>

#include "http/http_int.h"

int body_check_depth(const char *buf, size_t len, int max_depth)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_str) {
            if (c == '\\')
                i++; /* skip the escaped character (\" does not end the string) */
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return -1;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return 0;
}

int body_parse_json(const char *buf, size_t len, json_t **out, char *why, size_t whylen)
{
    *out = NULL;
    if (body_check_depth(buf, len, HTTP_JSON_MAX_DEPTH) != 0) {
        snprintf(why, whylen, "JSON nested deeper than %d levels", HTTP_JSON_MAX_DEPTH);
        return -1;
    }
    json_error_t e;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        /* Keep Jansson's reason and position, not its "near '<token>'"
         * echo of the input, and do not name its flags. */
        char text[JSON_ERROR_TEXT_LENGTH];
        snprintf(text, sizeof text, "%s", e.text);
        char *near = strstr(text, " near ");
        if (near)
            *near = '\0';
        if (strstr(text, "JSON_ALLOW_NUL"))
            snprintf(text, sizeof text, "\\u0000 is not allowed in strings");
        snprintf(why, whylen, "%s at line %d column %d", text, e.line, e.column);
        return -1;
    }
    *out = j;
    return 0;
}

bool body_is_json_type(const char *ctype)
{
    if (!ctype)
        return false;
    size_t n = strcspn(ctype, ";");
    while (n > 0 && (ctype[n - 1] == ' ' || ctype[n - 1] == '\t'))
        n--;
    if (n == 16 && strncasecmp(ctype, "application/json", 16) == 0)
        return true;
    /* application/<anything>+json, e.g. application/merge-patch+json */
    return n > 17 && strncasecmp(ctype, "application/", 12) == 0 &&
           strncasecmp(ctype + n - 5, "+json", 5) == 0;
}
