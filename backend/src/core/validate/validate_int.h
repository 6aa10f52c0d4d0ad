/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Internals shared by the validate module's sources and its tests: the
 * generated tables (see gen_iso3166.py and gen_common_passwords.py).
 */
#ifndef PNYX_CORE_VALIDATE_VALIDATE_INT_H
#define PNYX_CORE_VALIDATE_VALIDATE_INT_H

#include <stddef.h>

/* Sorted, upper case, NUL-terminated pairs. */
extern const char validate_iso3166_codes[][3];
extern const size_t validate_iso3166_count;

/* Sorted bytewise, ASCII lower case, unique. */
extern const char *const validate_common_passwords[];
extern const size_t validate_common_password_count;

#endif
