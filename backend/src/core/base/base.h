/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/base/base.h — byte-level helpers written once for every layer:
 * strict UTF-8 (RFC 3629), hex, base64 (RFC 4648 §4 standard and §5 URL
 * alphabets, padded or not) and RFC 3339 UTC date-times. Pure functions
 * over (pointer, length): no allocation, no I/O, no locale, thread-safe.
 * Decoders are strict: every input has at most one accepted spelling
 * (canonical base64, no overlong UTF-8), so callers may compare encodings.
 */
#ifndef PNYX_CORE_BASE_BASE_H
#define PNYX_CORE_BASE_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- UTF-8 ------------------------------------------------------------------ */

/* Decodes the scalar value at s[*i] (i < len) and advances *i past it.
 * Returns the code point, or -1 on an ill-formed sequence (overlong,
 * surrogate, above U+10FFFF, truncated, stray continuation); *i is then
 * unchanged. Second-byte ranges follow Unicode table 3-7. */
int32_t base_utf8_next(const char *s, size_t len, size_t *i);

/* True when s[0..len) is well-formed UTF-8. */
bool base_utf8_valid(const char *s, size_t len);

/* Code points in s[0..len) when well-formed, else (size_t)-1. */
size_t base_utf8_count(const char *s, size_t len);

/* Encodes cp (a scalar value: ≤ U+10FFFF, not a surrogate) into out;
 * returns 1..4, or 0 when cp is not a scalar value. */
size_t base_utf8_put(uint32_t cp, char out[4]);

/* Largest n ≤ len such that s[0..n) does not end inside a multi-byte
 * sequence (for cutting well-formed text at a byte budget). */
size_t base_utf8_cut(const char *s, size_t len);

/* Order of two code points by their UTF-16 encodings (RFC 8785 §3.2.3,
 * and the tie-break order of option names): -1, 0 or 1. */
int base_utf16_cmp_cp(uint32_t a, uint32_t b);

/* Compares UTF-8 strings by their UTF-16 code units (a prefix first).
 * Meant for well-formed input; an ill-formed byte compares as its value,
 * so the order stays total and deterministic. */
int base_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* ---- hex --------------------------------------------------------------------- */

/* Value of one hex digit (either case), or -1. */
int base_hex_digit(int c);

/* Lower-case hex of in[0..n) into out (2n + 1 bytes, NUL-terminated). */
void base_hex_encode(const uint8_t *in, size_t n, char *out);

/* Parses exactly 2n hex digits (either case) into out[0..n). 0 or -1. */
int base_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t n);

/* ---- base64 ----------------------------------------------------------------- */

enum base64_variant {
    BASE64_STD = 0,   /* A–Z a–z 0–9 + /, '=' padding (RFC 4648 §4) */
    BASE64_STD_NOPAD, /* same alphabet, no padding (PHC strings) */
    BASE64_URL,       /* A–Z a–z 0–9 - _, '=' padding (RFC 4648 §5) */
    BASE64_URL_NOPAD, /* same, no padding (tokens) */
};

/* Encoded length of n bytes, excluding the NUL. */
size_t base64_encoded_len(size_t n, enum base64_variant v);

/* Encodes in[0..n) into out (base64_encoded_len + 1 bytes, NUL-terminated);
 * returns the length written. */
size_t base64_encode(const uint8_t *in, size_t n, char *out, enum base64_variant v);

/* Decoded length of in[0..len) when it is canonical base64 of variant v
 * (rules below), else -1. */
int64_t base64_decoded_len(const char *in, size_t len, enum base64_variant v);

/* Decodes canonical base64 of variant v only: the variant's alphabet,
 * exact padding (or none), zero pad bits, no whitespace. Returns 0 with
 * *out_len set, -1 on malformed input, -2 when the result exceeds cap. */
int base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                  enum base64_variant v);

/* ---- RFC 3339 ------------------------------------------------------------------ */

/* "YYYY-MM-DDTHH:MM:SSZ" is 20 bytes; with ".ffffff" 27; buffers take 32. */
#define BASE_RFC3339_MAX 32

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (H.
 * Hinnant's civil algorithms; no libc time zone lock). */
int64_t base_days_from_civil(int64_t y, unsigned m, unsigned d);
void base_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Writes t (unix seconds, UTC) as "YYYY-MM-DDTHH:MM:SSZ", or with
 * micro ≥ 0 as "YYYY-MM-DDTHH:MM:SS.ffffffZ", into out (BASE_RFC3339_MAX
 * bytes, NUL-terminated). Years 0000..9999 only; returns the length, or 0
 * when t is outside them. */
size_t base_rfc3339_format(int64_t t, int micro, char out[BASE_RFC3339_MAX]);

/* Parses a strict RFC 3339 date-time ("T"/"t", optional fraction, "Z"/"z"
 * or ±hh:mm; a leap second 60 counts as 59) into unix seconds (fraction
 * dropped). Checks month lengths and leap years. 0 or -1. */
int base_rfc3339_parse(const char *s, size_t len, int64_t *out);

/* --- IP addresses and trusted proxies (netaddr.c) --------------------------
 * Addresses are 16 bytes, IPv4 as IPv4-mapped IPv6. */
#define BASE_IP_TEXT_MAX 46 /* INET6_ADDRSTRLEN */
#define BASE_NETLIST_MAX 32

struct base_net {
    uint8_t addr[16];
    uint8_t bits; /* prefix length over the 16 bytes (IPv4 /n is n + 96) */
};

struct base_netlist {
    size_t n;
    struct base_net net[BASE_NETLIST_MAX];
};

/* "192.0.2.1" or "2001:db8::1" (no brackets, no port, no zone) → bytes. */
bool base_ip_parse(const char *s, size_t len, uint8_t out[16]);
/* Canonical text: dotted quad for IPv4, RFC 5952 for IPv6. */
void base_ip_format(const uint8_t ip[16], char out[BASE_IP_TEXT_MAX]);
/* "127.0.0.1, 10.0.0.0/8, ::1" (commas and/or blanks) → 0, or -1 when an
 * item is malformed or there are more than BASE_NETLIST_MAX. NULL or ""
 * is the empty list. */
int base_netlist_parse(const char *csv, struct base_netlist *out);
bool base_netlist_contains(const struct base_netlist *l, const uint8_t ip[16]);
/* The client address of a request that arrived from `peer` carrying the
 * X-Forwarded-For header lines xff[0..nxff) in arrival order: the
 * rightmost address not in `trusted`, reached by walking right to left
 * only through trusted hops (so a client cannot forge it); `peer` itself
 * when it is not trusted. A malformed element stops the walk at the hop
 * that sent it. */
void base_forwarded_client(const struct base_netlist *trusted, const char *peer,
                           const char *const *xff, size_t nxff, char out[BASE_IP_TEXT_MAX]);

#endif /* PNYX_CORE_BASE_BASE_H */
