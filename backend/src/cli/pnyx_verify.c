/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pnyx-verify: offline audit of an exported assembly record. Placeholder
 * until the record format exists (a later issue); exit status 3 says "not
 * implemented" so scripts cannot mistake it for a passed audit (0) or a
 * failed one.
 */
#include <stdio.h>

int main(void)
{
    (void)fputs("pnyx-verify: not yet implemented\n", stderr);
    return 3;
}
