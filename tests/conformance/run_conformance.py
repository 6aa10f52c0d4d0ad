#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Conformance: every case of ../shared/tally-cases/*.json through pnyx-tally.

Each case file carries its `expected` result (ELECTION-FORMAT.md §10). The
real binary counts the file; this script compares what §10 says conformance
compares, exactly (numbers as decimal.Decimal, never floats):
winners and rankings as lists, every round's tally, exhausted, threshold,
inactive counts, transfers and residual surplus, elected/eliminated as sets,
blank_ballots, rules_id, by_country, country_cap, double_majority and the
Schulze fields. Error cases (expected.error) must exit 2 with {"error": ...}.
It also checks the number format of the output (no exponent, no trailing
fractional zeros).

Cases are read at run time from ${PNYX_SHARED_DIR:-<repo>/../shared}/tally-cases
(never copied into the repo). A missing folder is a skip (exit 77) outside
CI and a failure when CI=true. Output mimics Criterion's summary.

usage: run_conformance.py --tally BIN --repo DIR [-k SUBSTRING] [-v]
"""

import argparse
import decimal
import glob
import json
import os
import re
import subprocess
import sys
import time

SKIP = 77
# A case that takes longer than this has hung (the largest takes < 1 s).
TIMEOUT_S = 60
NUMBER_OK = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$")


class Parsed:
    """json.loads with exact numbers; records badly formatted number texts."""

    def __init__(self):
        self.bad_numbers = []

    def number(self, text):
        if not NUMBER_OK.match(text) or text == "-0":
            self.bad_numbers.append(text)
        return decimal.Decimal(text)

    def loads(self, text):
        return json.loads(text, parse_float=self.number, parse_int=self.number)


def load_expected(path):
    with open(path, encoding="utf-8") as f:
        return json.loads(f.read(), parse_float=decimal.Decimal, parse_int=decimal.Decimal)


class Mismatch(Exception):
    pass


class Comparer:
    def __init__(self, tolerance):
        self.tol = tolerance or decimal.Decimal(0)
        self.errors = []

    def err(self, where, msg):
        self.errors.append("%s: %s" % (where, msg))

    def num(self, where, want, got):
        if isinstance(want, str) or isinstance(got, str):
            # cap factors / shares are canonical decimal strings (§4, §10)
            if want != got:
                self.err(where, "expected %r, got %r" % (want, got))
            return
        if not isinstance(got, decimal.Decimal):
            self.err(where, "expected number %s, got %r" % (want, got))
            return
        if abs(want - got) > self.tol:
            self.err(where, "expected %s, got %s" % (want, got))

    def value(self, where, want, got):
        """Generic exact comparison (dicts by key, lists in order)."""
        if isinstance(want, dict):
            if not isinstance(got, dict):
                self.err(where, "expected an object, got %r" % (got,))
                return
            for k in want:
                if k not in got:
                    self.err(where, "missing key %r" % k)
            for k in got:
                if k not in want:
                    self.err(where, "unexpected key %r (value %s)" % (k, got[k]))
            for k in want:
                if k in got:
                    self.value("%s.%s" % (where, k), want[k], got[k])
        elif isinstance(want, list):
            if not isinstance(got, list) or len(got) != len(want):
                self.err(where, "expected %s, got %s" % (fmt(want), fmt(got)))
                return
            for i, (a, b) in enumerate(zip(want, got)):
                self.value("%s[%d]" % (where, i), a, b)
        elif isinstance(want, decimal.Decimal) and not isinstance(want, bool):
            self.num(where, want, got)
        elif want != got or type(want) is not type(got):
            self.err(where, "expected %s, got %s" % (fmt(want), fmt(got)))

    def inactive(self, where, want, got, stv_multi):
        if isinstance(got, dict) and "final_round_surplus" not in want:
            if stv_multi and "final_round_surplus" not in got:
                self.err(where, "missing final_round_surplus (an STV count with seats > 1)")
            want = dict(want)
            if stv_multi and "final_round_surplus" in got:
                want["final_round_surplus"] = got["final_round_surplus"]
        self.value(where, want, got)

    def as_set(self, where, want, got):
        if not isinstance(got, list) or sorted(want) != sorted(got) or len(set(got)) != len(got):
            self.err(where, "expected {%s}, got %s" % (", ".join(sorted(want)), fmt(got)))

    def round_(self, where, want, got, stv_multi):
        # Cases converted from RCTab omit final_round_surplus (except in the
        # last round) and residual_surplus; §10 writes both in every STV
        # round with seats > 1 and never elsewhere. So: compare them where
        # the case has them, and otherwise only check they appear exactly in
        # STV multi-seat counts.
        for k in ("round", "pass", "tally", "exhausted", "threshold", "inactive", "transfers",
                  "residual_surplus"):
            if k in want:
                if k not in got:
                    self.err(where, "missing %s" % k)
                elif k == "inactive":
                    self.inactive("%s.%s" % (where, k), want[k], got[k], stv_multi)
                else:
                    self.value("%s.%s" % (where, k), want[k], got[k])
            elif k in got and not (k == "residual_surplus" and stv_multi):
                self.err(where, "unexpected %s" % k)
            elif k not in got and k == "residual_surplus" and stv_multi:
                self.err(where, "missing residual_surplus (an STV count with seats > 1)")
        for k in ("elected", "eliminated"):
            if k not in got:
                self.err(where, "missing %s" % k)
            else:
                self.as_set("%s.%s" % (where, k), want[k], got[k])
        for k in got:
            if k not in want and k not in ("pass", "residual_surplus"):
                self.err(where, "unexpected key %r" % k)


def fmt(v):
    return json.dumps(v, default=str, ensure_ascii=False)


# Keys of `expected` that describe the case, not the result.
META = {"tolerance", "total_ballots", "error", "reason"}


def run_case(tally, path, verbose):
    """-> (status, messages): status 'pass', 'fail' or 'crash'."""
    case = load_expected(path)
    expected = case["expected"]
    stv_multi = case.get("method") == "stv" and case.get("seats", 1) > 1
    t0 = time.monotonic()
    try:
        proc = subprocess.run([tally, path], capture_output=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "crash", ["timed out after %d s (a hang)" % TIMEOUT_S]
    elapsed = time.monotonic() - t0
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode not in (0, 2):
        return "crash", ["exit status %d; stderr: %s" % (proc.returncode, stderr[:500])]
    parser = Parsed()
    try:
        got = parser.loads(stdout)
    except ValueError as exc:
        return "fail", ["stdout is not JSON (%s): %s" % (exc, stdout[:300])]

    if expected.get("error"):
        msgs = []
        if proc.returncode != 2:
            msgs.append("expected an error (exit 2), got exit %d" % proc.returncode)
        if not isinstance(got, dict) or not isinstance(got.get("error"), str):
            msgs.append("expected {\"error\": reason} on stdout, got %s" % stdout[:200])
        elif verbose:
            msgs.append("error as expected: %s (reference: %s)" % (got["error"],
                                                                  expected.get("reason")))
        if not stderr:
            msgs.append("the reason is missing on stderr")
        ok = not msgs or (verbose and len(msgs) == 1 and msgs[0].startswith("error as"))
        return ("pass" if ok else "fail"), msgs

    if proc.returncode != 0:
        return "fail", ["unexpected error (exit %d): %s" % (proc.returncode, stderr[:300])]
    c = Comparer(expected.get("tolerance"))
    want_keys = set(expected) - META
    for k in sorted(want_keys):
        if k not in got:
            c.err(k, "missing")
            continue
        if k == "rounds":
            if len(got["rounds"]) != len(expected["rounds"]):
                c.err("rounds", "expected %d rounds, got %d" % (len(expected["rounds"]),
                                                                len(got["rounds"])))
            for i, (w, g) in enumerate(zip(expected["rounds"], got["rounds"])):
                c.round_("rounds[%d] (round %s)" % (i, w.get("round")), w, g, stv_multi)
        else:
            c.value(k, expected[k], got[k])
    for k in sorted(set(got) - want_keys):
        c.err(k, "unexpected member in the result")
    for text in parser.bad_numbers[:5]:
        c.err("number format", "%s is not a canonical decimal (no exponent, no trailing zeros)"
              % text)
    msgs = c.errors
    if verbose and not msgs:
        msgs = ["ok in %.3f s" % elapsed]
    return ("pass" if not c.errors else "fail"), msgs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tally", required=True, help="the pnyx-tally binary")
    ap.add_argument("--repo", required=True, help="the repository root")
    ap.add_argument("-k", help="only cases whose file name contains this")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    shared = os.environ.get("PNYX_SHARED_DIR") or os.path.join(args.repo, "..", "shared")
    cases_dir = os.path.join(shared, "tally-cases")
    cases = sorted(glob.glob(os.path.join(cases_dir, "*.json")))
    if not cases:
        msg = "no conformance cases: %s is missing or empty (set PNYX_SHARED_DIR)" % cases_dir
        if os.environ.get("CI", "").lower() == "true":
            print("[FAIL] conformance: " + msg + " (CI=true: a missing folder is a failure)")
            print("[====] Synthesis: Tested: 0 | Passing: 0 | Failing: 1 | Crashing: 0")
            return 1
        print("[SKIP] conformance: " + msg)
        return SKIP
    if args.k:
        cases = [c for c in cases if args.k in os.path.basename(c)]
    if not os.access(args.tally, os.X_OK):
        print("[FAIL] conformance: %s is not an executable" % args.tally)
        return 1

    counts = {"pass": 0, "fail": 0, "crash": 0}
    for path in cases:
        name = os.path.splitext(os.path.basename(path))[0]
        status, msgs = run_case(args.tally, path, args.verbose)
        counts[status] += 1
        for m in msgs[:20]:
            print("[----] %s: %s" % (name, m))
        if len(msgs) > 20:
            print("[----] %s: ... %d more differences" % (name, len(msgs) - 20))
        if status != "pass" or args.verbose:
            print("[%s] conformance::%s" % ({"pass": "PASS", "fail": "FAIL",
                                             "crash": "CRASH"}[status], name))
    total = sum(counts.values())
    print("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Crashing: %d"
          % (total, counts["pass"], counts["fail"], counts["crash"]))
    return 0 if counts["pass"] == total else 1


if __name__ == "__main__":
    sys.exit(main())
