#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# bench/audit/record_stream_bench.sh — pnyxd's streamed GET …/record of an
# assembly holding one tallied question of BENCH_BALLOTS (1,000,000)
# ballots, loaded by the DIRECT SQL loader (record_stream_bench.c; it
# bypasses the cast path). A freshly started pnyxd serves the record to
# curl: wall time, size, and pnyxd's RSS growth (VmHWM after − VmRSS
# before) — the streamed record must not make pnyxd hold the board. Prints
# numbers with the load average; no pass/fail. Throwaway cluster, durable
# commits.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"
cd "$PNYX_REPO"
n=${BENCH_BALLOTS:-1000000}
tmp=$(mktemp -d /tmp/pnyx-bench-record.XXXXXX)
chmod 755 "$tmp"
pnyx_pid=""
stop_pnyxd() {
    if [ -n "$pnyx_pid" ]; then
        kill -TERM "$pnyx_pid" 2>/dev/null || true
        wait "$pnyx_pid" 2>/dev/null || true
        pnyx_pid=""
    fi
}
cleanup() {
    stop_pnyxd
    pnyx_pg_stop "$tmp/pg"
    rm -rf "$tmp"
}
trap cleanup EXIT
pnyx_pg_init "$tmp/pg" "max_connections = 50" >/dev/null
pnyx_pg_start "$tmp/pg" >/dev/null
pnyx_pg_createdb "$tmp/pg" pnyx_bench >/dev/null
conn="postgresql:///pnyx_bench?host=$tmp/pg/run&port=5432&user=postgres"
export PNYX_DATABASE_URL="$conn" PNYX_SIGNING_KEY_FILE="$tmp/log.key" PNYX_LOG_ORIGIN=bench.example
export PNYX_SQL_DIR="$PNYX_REPO/sql" PNYX_STATIC_DIR="$PNYX_REPO/static" PNYX_DATA_DIR="$tmp/data"
mkdir -p "$tmp/data"
"$PNYX_REPO/build/bin/pnyxd" migrate 2>/dev/null
"$PNYX_REPO/build/bin/pnyxd" keygen >/dev/null
q() { psql "$conn" -tAq -c "$1"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
start_pnyxd() {
    stop_pnyxd
    : >"$tmp/pnyxd.log"
    PNYX_THREADS=2 PNYX_WORKERS=0 "$PNYX_REPO/build/bin/pnyxd" serve --listen=127.0.0.1:0 \
        2>"$tmp/pnyxd.log" &
    pnyx_pid=$!
    url=""
    for _ in $(seq 1 100); do
        url=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/pnyxd.log" | head -1 || true)
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { cat "$tmp/pnyxd.log" >&2; pnyx_die "pnyxd did not start"; }
}
start_pnyxd
email="bench-$$@example.org"
curl -sf -X POST -H 'Content-Type: application/json' "$url/api/v1/accounts" -d \
    "{\"email\":\"$email\",\"password\":\"a fine long passphrase\",\"display_name\":\"Bench\",\"country\":\"DE\",\"languages\":[\"en\"]}" >/dev/null
tok=$(curl -sf -X POST -H 'Content-Type: application/json' "$url/api/v1/sessions" -d \
    "{\"email\":\"$email\",\"password\":\"a fine long passphrase\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
aid=$(curl -sf -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $tok" \
    "$url/api/v1/assemblies" -d '{"title":"Bench","description":"","visibility":"public","join_policy":"open"}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
author=$(q "SELECT id FROM accounts WHERE email = '$email'")
out=$("$PNYX_REPO/build/bench/record_stream_bench" "$conn" "$aid" "$author" "$n" 8) || pnyx_die "record_stream_bench failed: $out"
echo "loaded + closed + tallied: $out   (load $(load))"
for i in 1 2; do
    start_pnyxd
    curl -sf "$url/healthz" >/dev/null
    rss0=$(awk '/VmRSS/ {print $2}' "/proc/$pnyx_pid/status")
    t=$(curl -sf -o "$tmp/record.json" -w '%{time_total}' "$url/api/v1/assemblies/$aid/record")
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pnyx_pid/status")
    printf 'GET record: %6.2f s, %d MB, pnyxd RSS %d MiB before, peak %d MiB: growth %d MiB   (load %s)\n' \
        "$t" "$(($(stat -c %s "$tmp/record.json") / 1000000))" "$((rss0 / 1024))" "$((hwm / 1024))" \
        "$(((hwm - rss0) / 1024))" "$(load)"
done
python3 - "$tmp/record.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
q = r["questions"][0]
print(f"record: {len(r['entries'])} entries, question {q['id']}: {len(q['board'])} board entries, result {len(q['result'] or '')} bytes")
PY
