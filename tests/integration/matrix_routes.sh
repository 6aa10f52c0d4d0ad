#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# matrix_routes.sh <pnyxd> <test_authz_matrix.c> — run at build time (after
# it_test_authz_matrix links), so a route pnyxd serves that no matrix entry
# names fails the build itself, not only the ctest run
# (every_route_is_in_the_matrix, which also checks every cell's status).
set -eu
named=$(mktemp)
trap 'rm -f "$named"' EXIT
grep -oE '\{"(GET|HEAD|POST|PUT|PATCH|DELETE) /[^"]*"' "$2" | sed 's/^{"//; s/"$//' | sort -u >"$named"
missing=$("$1" routes | sort -u | comm -23 - "$named")
if [ -n "$missing" ]; then
    printf 'authorisation matrix: pnyxd serves routes no entry of %s names:\n%s\n' "$2" "$missing" >&2
    exit 1
fi
