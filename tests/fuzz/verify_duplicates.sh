#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# pnyx-verify refuses a record whose members repeat (exit 2, "appears
# twice"): JSON readers disagree on duplicates (most keep the last one), so
# such a record could verify here and read as another record elsewhere.
# Found while writing fuzz_verify: the reader used to keep both "entries"
# arrays and leak the first "format". Usage: verify_duplicates.sh PNYX-VERIFY DIR
verify=$1 dir=$2
n=0
for f in "$dir"/dup-*.json; do
    out=$("$verify" "$f" 2>&1 >/dev/null)
    rc=$?
    if [ $rc -ne 2 ] || ! printf '%s' "$out" | grep -q "appears twice"; then
        echo "FAIL $f: exit $rc, $out"
        exit 1
    fi
    n=$((n + 1))
done
[ "$n" -ge 2 ] || { echo "FAIL: no dup-*.json inputs in $dir"; exit 1; }
echo "ok: $n records with a repeated member refused"
