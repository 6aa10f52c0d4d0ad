#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# bench/audit/record_q_bench.sh [BUILD=build] [N=1000000] [POOL=60000; 0 = N] —
# pnyx-verify on a record holding one tallied IRV question of N ballots
# (issue 12's target: 1,000,000 ballots in <= 10 s and <= 1 GiB). The record
# comes from record_q_gen (valid: every check passes); pnyx-verify runs
# under /usr/bin/time (wall, user, sys, peak RSS) with the load average
# beside it. The machine is shared: compare runs only with their load.
set -euo pipefail
build=${1:-build}
n=${2:-1000000}
pool=${3:-60000}
tmp=$(mktemp -d /tmp/pnyx-record-q.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$build/bench/record_q_gen" "$tmp/record.json" "$n" "$pool" >"$tmp/key"
echo "record: $n ballots ($([ "$pool" = 0 ] && echo "each its own ranking" || echo "$pool voter types")), $(stat -c %s "$tmp/record.json") bytes"
for i in 1 2 3; do
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -f "pnyx-verify: wall %e s, user %U s, sys %S s, peak RSS %M KiB, exit %x" \
        "$build/bin/pnyx-verify" "$tmp/record.json" --key "$(cat "$tmp/key")" >"$tmp/out"
    grep -E "^(PASS|FAIL) +[45]|^result" "$tmp/out"
done
