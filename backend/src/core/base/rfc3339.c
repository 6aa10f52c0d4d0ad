/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/base/rfc3339.c — RFC 3339 UTC date-times without libc time: the
 * civil-date arithmetic of H. Hinnant ("chrono-compatible low-level date
 * algorithms"), valid for the whole proleptic Gregorian calendar.
 */
#include <stdio.h>

#include "core/base/base.h"

int64_t base_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void base_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

size_t base_rfc3339_format(int64_t t, int micro, char out[BASE_RFC3339_MAX])
{
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    base_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999 || micro > 999999) {
        out[0] = '\0';
        return 0;
    }
    int h = (int)(rem / 3600), mi = (int)(rem / 60 % 60), s = (int)(rem % 60);
    int n = micro >= 0 ? snprintf(out, BASE_RFC3339_MAX, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ",
                                  (int)y, m, d, h, mi, s, micro)
                       : snprintf(out, BASE_RFC3339_MAX, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y,
                                  m, d, h, mi, s);
    return n > 0 ? (size_t)n : 0;
}

/* n decimal digits at s into *out; -1 if any is not a digit. */
static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int base_rfc3339_parse(const char *s, size_t len, int64_t *out)
{
    int Y, M, D, h, mi, sec, oh = 0, om = 0;
    if (len < 20 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
        digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec)) {
        return -1;
    }
    size_t p = 19;
    if (s[p] == '.') {
        size_t start = ++p;
        while (p < len && s[p] >= '0' && s[p] <= '9') {
            p++;
        }
        if (p == start) {
            return -1;
        }
    }
    int sign = 0;
    if (p + 1 == len && (s[p] == 'Z' || s[p] == 'z')) {
        sign = 0;
    } else if (p + 6 == len && (s[p] == '+' || s[p] == '-') && !digits(s + p + 1, 2, &oh) &&
               s[p + 3] == ':' && !digits(s + p + 4, 2, &om) && oh < 24 && om < 60) {
        sign = s[p] == '+' ? 1 : -1;
    } else {
        return -1;
    }
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || mi > 59 || sec > 60) {
        return -1;
    }
    bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M == 2 && D == 29 && !leap) {
        return -1;
    }
    int64_t days = base_days_from_civil(Y, (unsigned)M, (unsigned)D);
    int64_t t = days * 86400 + h * 3600 + mi * 60 + (sec > 59 ? 59 : sec);
    *out = t - sign * (oh * 3600 + om * 60);
    return 0;
}
