#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""tests/sortition/run_cases.py — every case of ../shared/sortition-cases
through the real pnyx-sortition binary, judged by the shared reference
checker (../shared/tools/refsortition.py --check), plus what the checker
does not look at:

  * LEXIMIN probabilities within 1e-3 of the case's expected ones (by the
    checker), and the JSON keys of the issue;
  * households: no panel and no lottery ticket holds two respondents of one
    household (checked here from the respondents file);
  * the lottery (--lottery 1000): exactly m tickets, each a panel of the
    distribution, and every respondent's probability after rounding within
    k/m of the optimum;
  * infeasible cases: exit status 2 and {"error", "relaxation"} naming the
    category (and feature) the case expects.

usage: run_cases.py --bin PNYX_SORTITION --solver glpk|cbc [--only a,b] [--skip a,b]
Cases are read from ${PNYX_SHARED_DIR:-<repo>/../shared}/sortition-cases;
missing: skip (77) outside CI, failure with CI=true.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77
KEYS = {"method", "n", "k", "probabilities", "min", "gini", "panels", "weights", "lottery",
        "certificate", "seconds"}


def households(case_dir, column):
    with open(os.path.join(case_dir, "respondents.csv"), newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    col = [c.strip() for c in rows[0]].index(column)
    return [r[col].strip() for r in rows[1:] if any(x.strip() for x in r)]


def check_case(args, shared, name):
    case = os.path.join(shared, "sortition-cases", name)
    with open(os.path.join(case, "expected.json")) as f:
        exp = json.load(f)
    k, hh = exp["k"], exp.get("household_column")
    cmd = [args.bin, os.path.join(case, "categories.csv"), os.path.join(case, "respondents.csv"),
           "--k", str(k), "--json", "--lottery", "1000", "--solver", args.solver]
    if hh:
        cmd += ["--household", hh]
    p = subprocess.run(cmd, capture_output=True, text=True)
    problems = []
    try:
        res = json.loads(p.stdout)
    except ValueError:
        return [f"stdout is not JSON (exit {p.returncode}): {p.stderr.strip()[:300]}"]
    if exp.get("error"):
        if p.returncode != 2:
            problems.append(f"infeasible case: exit {p.returncode}, expected 2")
        if "relaxation" not in res or not res["relaxation"]:
            problems.append("infeasible case: no relaxation")
        if not p.stderr.strip():
            problems.append("infeasible case: no reason on stderr")
    elif p.returncode != 0:
        return [f"exit {p.returncode}: {p.stderr.strip()[:300]}"]
    else:
        if set(res) != KEYS:
            problems.append(f"JSON keys {sorted(res)} are not the issue's {sorted(KEYS)}")
        n = res["n"]
        if hh:
            key = households(case, hh)
            for label, panels in (("panel", res["panels"]), ("lottery ticket", res["lottery"])):
                for j, pn in enumerate(panels):
                    seen = [key[i] for i in pn if key[i]]
                    if len(seen) != len(set(seen)):
                        problems.append(f"{label} {j} holds two members of one household")
                        break
        lot = res["lottery"]
        if len(lot) != 1000:
            problems.append(f"lottery has {len(lot)} tickets, not 1000")
        known = {tuple(pn) for pn in res["panels"]}
        if any(tuple(t) not in known for t in lot):
            problems.append("a lottery ticket is not a panel of the distribution")
        after = [0.0] * n
        for t in lot:
            for i in t:
                after[i] += 1.0 / len(lot)
        worst = max(abs(a - b) for a, b in zip(after, res["probabilities"]))
        if worst >= k / 1000.0:
            problems.append(f"rounding moved a probability by {worst:.4f} >= k/m = {k / 1000.0}")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(res, f)
        out = f.name
    try:
        ref = subprocess.run([args.python, args.ref, "--case", case, "--check", out],
                             capture_output=True, text=True)
    finally:
        os.unlink(out)
    line = (ref.stdout.strip().splitlines() or [""])[-1]
    if ref.returncode != 0 or not line.startswith("PASS"):
        problems.append(f"refsortition: {line or ref.stderr.strip()[-300:]}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--solver", default="glpk")
    ap.add_argument("--only", default="")
    ap.add_argument("--skip", default="")
    ap.add_argument("--repo", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    args = ap.parse_args()
    shared = os.environ.get("PNYX_SHARED_DIR") or os.path.join(args.repo, "..", "shared")
    cases_dir = os.path.join(shared, "sortition-cases")
    args.ref = os.path.join(shared, "tools", "refsortition.py")
    args.python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    if not os.path.isdir(cases_dir) or not os.path.exists(args.ref):
        msg = f"no sortition cases at {cases_dir} (set PNYX_SHARED_DIR)"
        if os.environ.get("CI", "").lower() == "true":
            print("[FAIL] " + msg)
            return 1
        print("[SKIP] " + msg)
        return SKIP
    names = sorted(d for d in os.listdir(cases_dir) if os.path.isdir(os.path.join(cases_dir, d)))
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    names = [n for n in names if n not in args.skip.split(",")]
    failed = 0
    for name in names:
        problems = check_case(args, shared, name)
        if problems:
            failed += 1
            print(f"[FAIL] {name} ({args.solver}): " + "; ".join(problems))
        else:
            print(f"[PASS] {name} ({args.solver})")
    print(f"[====] sortition cases ({args.solver}): {len(names) - failed} of {len(names)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
