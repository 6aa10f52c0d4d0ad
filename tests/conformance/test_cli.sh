#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# pnyx-tally / pnyx-verify command-line contract: exit statuses, where the
# result and the refusal go (stdout JSON, reason on stderr), --format text,
# stdin, --timings. usage: test_cli.sh BINDIR
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { # name, condition (a shell expression)
    if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "[FAIL] cli::$1"; fi
}

cat >"$tmp/ok.json" <<'JSON'
{"format": "pnyx-election/1", "seats": 1, "options": ["A", "B", "C"],
 "rules": {"rules_id": "pnyx-irv/1"},
 "ballots": [{"ranking": ["A"], "count": 3}, {"ranking": ["C", "B"]},
             {"ranking": ["B"], "count": 2}, {"ranking": ["C", "A"]}, {"ranking": ["B"]}]}
JSON
printf '{"format": "pnyx-election/1", "seats": 1, "options": ["A"], "ballots": [{"ranking": ["A"], "weight": 0.5}]}' >"$tmp/bad.json"

"$bin/pnyx-tally" "$tmp/ok.json" >"$tmp/out" 2>"$tmp/err"; rc=$?
check ok_exit_0 '[ $rc -eq 0 ]'
check ok_json 'grep -q "\"winners\": \[\"A\"\]" "$tmp/out"'
check ok_quiet_stderr '[ ! -s "$tmp/err" ]'

"$bin/pnyx-tally" - <"$tmp/ok.json" >"$tmp/out2" 2>/dev/null; rc=$?
check stdin_dash '[ $rc -eq 0 ] && cmp -s "$tmp/out" "$tmp/out2"'
"$bin/pnyx-tally" <"$tmp/ok.json" >"$tmp/out3" 2>/dev/null; rc=$?
check stdin_default '[ $rc -eq 0 ] && cmp -s "$tmp/out" "$tmp/out3"'

"$bin/pnyx-tally" "$tmp/ok.json" --format text >"$tmp/out" 2>/dev/null; rc=$?
check text_exit_0 '[ $rc -eq 0 ]'
check text_table 'grep -q "^Round" "$tmp/out" && grep -q "^Winners: A" "$tmp/out"'

"$bin/pnyx-tally" "$tmp/ok.json" --timings >/dev/null 2>"$tmp/err"; rc=$?
check timings '[ $rc -eq 0 ] && grep -q "parse .* count .* ms" "$tmp/err"'

"$bin/pnyx-tally" "$tmp/bad.json" >"$tmp/out" 2>"$tmp/err"; rc=$?
check invalid_exit_2 '[ $rc -eq 2 ]'
check invalid_json_stdout 'grep -q "^{\"error\": \"ballot 1: weight 0.5 is a JSON number" "$tmp/out"'
check invalid_reason_stderr 'grep -q "ballot 1: weight 0.5" "$tmp/err"'

"$bin/pnyx-tally" "$tmp/missing.json" >"$tmp/out" 2>/dev/null; rc=$?
check missing_file_exit_2 '[ $rc -eq 2 ] && grep -q "{\"error\": \"cannot read" "$tmp/out"'
"$bin/pnyx-tally" --format xml "$tmp/ok.json" >"$tmp/out" 2>/dev/null; rc=$?
check bad_option_exit_2 '[ $rc -eq 2 ] && grep -q "{\"error\"" "$tmp/out"'
if [ -w /dev/full ]; then
    "$bin/pnyx-tally" "$tmp/ok.json" >/dev/full 2>/dev/null; rc=$?
    check write_failure_exit_1 '[ $rc -eq 1 ]'
fi

# pnyx-verify (issue 12): no record or an unreadable one is exit 2 with the
# reason on stderr and nothing on stdout (tests/integration_audit/test_record.c
# checks the audit itself).
"$bin/pnyx-verify" >"$tmp/out" 2>"$tmp/err"; rc=$?
check verify_usage_exit_2 '[ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q "usage: pnyx-verify" "$tmp/err"'
"$bin/pnyx-verify" "$tmp/missing.json" >"$tmp/out" 2>"$tmp/err"; rc=$?
check verify_missing_exit_2 '[ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q "cannot read the input" "$tmp/err"'
"$bin/pnyx-verify" "$tmp/ok.json" >"$tmp/out" 2>"$tmp/err"; rc=$?
check verify_not_a_record_exit_2 '[ $rc -eq 2 ] && grep -q "pnyx-record/1" "$tmp/err"'

echo "[====] Synthesis: Tested: $((pass + fail)) | Passing: $pass | Failing: $fail | Crashing: 0"
[ $fail -eq 0 ]
