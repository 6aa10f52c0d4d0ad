#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""check_result.py CATEGORIES RESPONDENTS K RESULT.json — a fast check of a
pnyx-sortition --json result on a pool without a reference answer (the
synthetic pools of gen_pool.py), independent of the engine: every panel has
k distinct respondents and meets every quota; weights >= 0 sum to 1; the
probabilities are the weights' marginals; and the smallest probability
against the trivial upper bound k/n (no distribution does better), which is
the LEXIMIN's first level whenever that is uniform. Prints one line; exit 0
when the result is valid (whatever its distance to the bound), 1 if not.
No household column (gen_pool.py without --households)."""
import csv, json, sys

cats_f, resp_f, k, res_f = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
quota = {}
for row in csv.DictReader(open(cats_f, encoding="utf-8-sig")):
    quota[(row["category"].strip(), row["feature"].strip())] = (int(row["min"]), int(row["max"]))
cats = sorted({c for c, _ in quota})
rows = [{c: r[c].strip() for c in cats} for r in csv.DictReader(open(resp_f, encoding="utf-8-sig"))]
n = len(rows)
r = json.load(open(res_f))
bad = []
if "error" in r:
    print("FAIL error:", r["error"]); sys.exit(1)
panels, weights = r["panels"], r["weights"]
if any(w < -1e-12 for w in weights) or abs(sum(weights) - 1) > 1e-9:
    bad.append("weights")
pi = [0.0] * n
for p, w in zip(panels, weights):
    if len(p) != k or len(set(p)) != k or any(not (0 <= i < n) for i in p):
        bad.append("panel size"); break
    cnt = {}
    for i in p:
        for c in cats:
            cnt[(c, rows[i][c])] = cnt.get((c, rows[i][c]), 0) + 1
        pi[i] += w
    if any(not (lo <= cnt.get(q, 0) <= hi) for q, (lo, hi) in quota.items()):
        bad.append("quota"); break
dev = max(abs(a - b) for a, b in zip(pi, r["probabilities"]))
if dev > 1e-9:
    bad.append("marginals %.2g" % dev)
mn, mx = min(pi), max(pi)
print("%s n=%d k=%d panels=%d min=%.6f max=%.6f k/n=%.6f bound-min=%.2e max-k/n=%.2e optimal=%s gap=%s"
      % ("FAIL " + ",".join(bad) if bad else "VALID", n, k, len(panels), mn, mx, k / n, k / n - mn,
         mx - k / n, r["certificate"].get("optimal"), r["certificate"].get("gap")))
sys.exit(1 if bad else 0)
