/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/harness_int.h — shared between harness.c and
 * harness_secrets.c only; tests include harness.h.
 */
#ifndef PNYX_TESTS_HARNESS_INT_H
#define PNYX_TESTS_HARNESS_INT_H

#include <jansson.h>

/* Records the secrets of one exchange (no-op without PNYX_SECRETS_FILE):
 * passwords in the request body (unless the server refused the body as
 * invalid: 400, 422), bearer / CSRF / Idempotency-Key / pnyx_* cookie
 * headers sent, an invitation code in the path, and, when status is not
 * 0 (a reply came), tokens, CSRF tokens, nonces and codes in the reply's
 * JSON and pnyx_* Set-Cookie values in its raw header block. */
void h_secrets_exchange(const char *path, const char *body, const char *const *headers, long status,
                        const json_t *json, const char *resp_headers);
/* Records the *TOKEN* / *SECRET* values of a server's extra environment. */
void h_secrets_env(const char *const *extra);

#endif /* PNYX_TESTS_HARNESS_INT_H */
