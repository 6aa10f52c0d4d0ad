#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Audit log benchmark over HTTP (issue 4): appends/s to ONE assembly from
# 16 concurrent writers (each request = one PATCH whose assembly.updated
# entry commits durably in the same transaction), then signed-checkpoint
# and proof requests/s. Needs wrk, curl, python3 and a running pnyxd:
#   PNYX_BENCH_URL=http://127.0.0.1:8080 bench/audit/api_bench.sh
# Targets on the 2-core reference machine: >= 2,000 appends/s,
# >= 5,000 proof/checkpoint requests/s.
set -eu
URL=${PNYX_BENCH_URL:-http://127.0.0.1:8080}
DUR=${PNYX_BENCH_SECONDS:-10}
WRITERS=${PNYX_BENCH_WRITERS:-16}
READERS=${PNYX_BENCH_READERS:-64}
here=$(cd "$(dirname "$0")" && pwd)
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

email="bench-$(date +%s)-$$@example.org"
pw="bench-password-$$-x"
curl -fsS -X POST "$URL/api/v1/accounts" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$pw\",\"display_name\":\"Bench\",\"country\":\"FR\",\"languages\":[\"en\"]}" >/dev/null
token=$(curl -fsS -X POST "$URL/api/v1/sessions" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$pw\"}" | json '["token"]')
aid=$(curl -fsS -X POST "$URL/api/v1/assemblies" -H "authorization: Bearer $token" \
  -H 'content-type: application/json' -d '{"title":"audit bench"}' | json '["id"]')
size_of() { curl -fsS "$URL/api/v1/assemblies/$aid/audit?limit=1" | json '["size"]'; }

echo "== appends: $WRITERS concurrent writers, one assembly ($aid), ${DUR}s"
before=$(size_of)
PNYX_BENCH_TOKEN=$token PNYX_BENCH_AID=$aid wrk -t2 -c"$WRITERS" -d"${DUR}s" --latency \
  -s "$here/api_append.lua" "$URL" | grep -E 'Latency|50%|99%|Requests/sec|Non-2xx'
after=$(size_of)
echo "audit entries appended: $((after - before)) => $(( (after - before) / DUR )) appends/s"

# Verify nothing was lost or forked: seq 1..size without holes.
curl -fsS "$URL/api/v1/assemblies/$aid/audit?after=$((after - 1))" | json '["items"][0]["seq"]' >/dev/null

for mode in checkpoint inclusion consistency mixed; do
  echo "== $mode: $READERS connections, log size $after, ${DUR}s"
  PNYX_BENCH_AID=$aid PNYX_BENCH_SIZE=$after PNYX_BENCH_MODE=$mode wrk -t2 -c"$READERS" \
    -d"${DUR}s" --latency -s "$here/api_read.lua" "$URL" | grep -E '50%|99%|Requests/sec|Non-2xx'
done
