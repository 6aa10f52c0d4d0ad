/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* core/validate/validate_addr.c — the address throttles' key (validate.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "validate.h"

void validate_throttle_key(const char *addr, char out[VALIDATE_THROTTLE_KEY_MAX])
{
    unsigned char b[16];
    if (inet_pton(AF_INET6, addr, b) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, mapped, sizeof mapped) == 0) {
            inet_ntop(AF_INET, b + 12, out, VALIDATE_THROTTLE_KEY_MAX);
            return;
        }
        memset(b + 8, 0, 8);
        char prefix[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, b, prefix, sizeof prefix);
        snprintf(out, VALIDATE_THROTTLE_KEY_MAX, "%s/64", prefix);
        return;
    }
    snprintf(out, VALIDATE_THROTTLE_KEY_MAX, "%s", addr);
}
