/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Input validators for accounts (and anything else that takes user text):
 * UTF-8 and control characters, e-mail, ISO 3166-1 alpha-2, BCP 47 language
 * tags, display names and passwords. Pure functions over byte ranges: no
 * allocation, no I/O, no JSON, thread-safe. Inputs are (pointer, length)
 * pairs and may contain NUL bytes (a NUL is a C0 control and is rejected
 * wherever controls are).
 */
#ifndef PNYX_CORE_VALIDATE_VALIDATE_H
#define PNYX_CORE_VALIDATE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 5321 4.5.3.1.3 limits a forward path to 256 octets including the two
 * angle brackets, so an address is at most 254 bytes; a local part at most 64,
 * a domain label at most 63 (RFC 1035). */
#define VALIDATE_EMAIL_MAX       254
#define VALIDATE_EMAIL_LOCAL_MAX 64
#define VALIDATE_DNS_LABEL_MAX   63

/* Display names: 1..80 code points, short enough for a member list. */
#define VALIDATE_DISPLAY_NAME_MIN 1
#define VALIDATE_DISPLAY_NAME_MAX 80

/* Passwords: 10..256 code points (NIST SP 800-63B: at least 8, allow at
 * least 64; the upper bound keeps hashing input bounded). */
#define VALIDATE_PASSWORD_MIN 10
#define VALIDATE_PASSWORD_MAX 256

/* Languages on an account: 1..10 BCP 47 tags. A single tag is capped at 64
 * bytes: the grammar is unbounded (variants/extensions repeat) but RFC 5646
 * 4.4.1 only asks implementations to keep 35 characters; 64 leaves room for
 * every registered form and bounds storage. */
#define VALIDATE_LANGUAGES_MIN    1
#define VALIDATE_LANGUAGES_MAX    10
#define VALIDATE_LANGUAGE_TAG_MAX 64

/*
 * True when s[0..len) is well-formed UTF-8 (RFC 3629): no overlong forms,
 * no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
 * sequences. Borrows s.
 */
bool validate_utf8(const char *s, size_t len);

/*
 * Number of code points in s[0..len) when it is well-formed UTF-8 and holds
 * no control character (C0 U+0000..U+001F, DEL U+007F, C1 U+0080..U+009F);
 * otherwise (size_t)-1. Borrows s.
 */
size_t validate_text_length(const char *s, size_t len);

/*
 * Validates and normalises an e-mail address: at most 254 bytes, exactly one
 * '@', a local part of 1..64 bytes made of RFC 5322 atext (plus UTF-8 per
 * RFC 6531) with dots only between atoms, and a domain of at least two
 * LDH labels (letters, digits, hyphen; 1..63 bytes; no leading or trailing
 * hyphen; an all-numeric top label is refused). No quoted local parts, no
 * address literals, no comments. On success writes the address with ASCII
 * letters folded to lower case and a NUL to out (out_size must be at least
 * len + 1) and returns true; on failure out is unspecified. Borrows in,
 * writes out.
 */
bool validate_email(const char *in, size_t len, char *out, size_t out_size);

/*
 * True when code (2 bytes, either case) is an officially assigned ISO 3166-1
 * alpha-2 code (table generated from Debian's iso-codes). User-assigned codes
 * such as "XX" and "ZZ" are refused. When upper is non-NULL the upper-cased
 * code and a NUL are written to it (3 bytes).
 */
bool validate_country(const char *code, size_t len, char upper[3]);

/*
 * True when s[0..len) is a well-formed BCP 47 language tag per the ABNF of
 * RFC 5646 section 2.1 (language[-extlang][-script][-region]*(-variant)
 * *(-extension)[-privateuse], a private-use tag, or one of the 26
 * grandfathered tags), compared case-insensitively, at most
 * VALIDATE_LANGUAGE_TAG_MAX bytes. Well-formed, not "valid": subtags are not
 * checked against the IANA registry. Borrows s.
 */
bool validate_language_tag(const char *s, size_t len);

/*
 * Rules for a title (an assembly title, a display name): it must show
 * something, and its bidirectional controls must be balanced so that it
 * cannot reorder the text around it where it is shown.
 */
enum validate_title_result {
    VALIDATE_TITLE_OK = 0,
    VALIDATE_TITLE_BAD_TEXT,        /* not UTF-8 */
    VALIDATE_TITLE_NO_VISIBLE,      /* only white space, zero-width or format characters */
    VALIDATE_TITLE_UNBALANCED_BIDI, /* an embedding/override without its PDF, an
                                     * isolate without its PDI, a closer without
                                     * its opener, or nesting beyond 125 levels */
};

/*
 * Checks s[0..len) against the title rules. A visible character is any
 * code point that is not Unicode White_Space and not one of the invisible
 * format characters (U+00AD, U+034F, U+061C, U+115F..U+1160, U+17B4..U+17B5,
 * U+180B..U+180F, U+200B..U+200F, U+202A..U+202E, U+2060..U+206F, U+2800,
 * U+3164, U+FE00..U+FE0F, U+FEFF, U+FFA0, U+FFF9..U+FFFB, U+1BCA0..U+1BCA3,
 * U+1D173..U+1D17A, U+E0000..U+E0FFF). Bidi controls must nest: LRE, RLE,
 * LRO, RLO (U+202A, U+202B, U+202D, U+202E) closed by PDF (U+202C); LRI,
 * RLI, FSI (U+2066..U+2068) closed by PDI (U+2069); a closer must match the
 * innermost opener, and all must be closed at the end. Control characters
 * are not judged here (validate_text_length does). Borrows s.
 */
enum validate_title_result validate_title(const char *s, size_t len);

/* True when cp is white space or an invisible format character (above). */
bool validate_is_invisible(unsigned long cp);

/* True for 1..80 code points of UTF-8 without control characters. */
bool validate_display_name(const char *s, size_t len);

enum validate_password_result {
    VALIDATE_PASSWORD_OK = 0,
    VALIDATE_PASSWORD_BAD_TEXT,  /* not UTF-8, or holds a control character */
    VALIDATE_PASSWORD_TOO_SHORT, /* fewer than 10 code points */
    VALIDATE_PASSWORD_TOO_LONG,  /* more than 256 code points */
    VALIDATE_PASSWORD_COMMON,    /* on the shipped common-password list */
};

/* Checks a new password against the rules above. Borrows s. */
enum validate_password_result validate_password(const char *s, size_t len);

/*
 * True when s[0..len) is on the list of the 3,000 most common passwords
 * (Openwall's password.lst), compared with ASCII case folded; O(log n).
 */
bool validate_password_is_common(const char *s, size_t len);

/* Room for any key validate_throttle_key writes, with its NUL. */
#define VALIDATE_THROTTLE_KEY_MAX 64

/*
 * The key a client address counts under in the address throttles: an IPv4
 * address as itself; an IPv6 address by its /64 ("2001:db8:1:2::/64"), since
 * one subscriber is usually given a whole /64 and could otherwise rotate
 * through 2^64 addresses, each with a fresh allowance; an IPv4-mapped IPv6
 * address ("::ffff:192.0.2.1") as its IPv4 form. Anything else (not an
 * address) is copied, truncated to fit. out holds VALIDATE_THROTTLE_KEY_MAX
 * bytes.
 */
void validate_throttle_key(const char *addr, char out[VALIDATE_THROTTLE_KEY_MAX]);

#endif
