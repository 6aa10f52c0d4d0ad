#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""bench/sortition/gen_pool.py — a synthetic pool like the largest real
instance of the Nature paper (sf_e: n = 1,727, k = 110, 7 categories), for
the issue's performance target: n = 2,000, k = 110, 7 correlated categories.

Deterministic (seeded; standard library only). Volunteers are not a random
sample: a latent "engagement" drives age, education, attitude and urbanity
together, region and ethnicity are linked, and the pool over-represents the
engaged; quotas aim at population shares (nearer uniform than the pool),
±15 %, so they bind hard, as real quotas do.

usage: gen_pool.py OUTDIR [--n 2000] [--k 110] [--seed 2026] [--households]
writes OUTDIR/categories.csv and OUTDIR/respondents.csv
"""
import argparse
import math
import os
import random

CATS = [
    ("gender", ["female", "male"]),
    ("age", ["16-29", "30-44", "45-59", "60-74", "75+"]),
    ("region", ["north", "east", "south", "west", "centre", "islands"]),
    ("education", ["primary", "secondary", "tertiary"]),
    ("ethnicity", ["a", "b", "c", "d"]),
    ("urbanity", ["urban", "rural"]),
    ("attitude", ["low", "medium", "high"]),
]
# Population shares the quotas aim at.
POP = {
    "gender": [0.51, 0.49],
    "age": [0.22, 0.24, 0.25, 0.19, 0.10],
    "region": [0.20, 0.18, 0.22, 0.16, 0.17, 0.07],
    "education": [0.30, 0.42, 0.28],
    "ethnicity": [0.70, 0.14, 0.10, 0.06],
    "urbanity": [0.68, 0.32],
    "attitude": [0.30, 0.40, 0.30],
}


def pick(rng, weights):
    x = rng.random() * sum(weights)
    for j, w in enumerate(weights):
        x -= w
        if x <= 0:
            return j
    return len(weights) - 1


def person(rng):
    e = rng.gauss(0.0, 1.0)  # engagement: volunteers skew high
    v = {}
    v["gender"] = pick(rng, [0.5 + 0.05 * e, 0.5 - 0.05 * e])
    v["age"] = pick(rng, [max(0.02, 0.18 - 0.04 * e), 0.22, 0.26 + 0.03 * e, 0.22 + 0.04 * e, 0.08])
    v["region"] = pick(rng, POP["region"])
    eth = [0.7, 0.14, 0.10, 0.06] if v["region"] not in (4, 5) else [0.35, 0.30, 0.25, 0.10]
    v["ethnicity"] = pick(rng, eth)
    v["education"] = pick(rng, [max(0.03, 0.25 - 0.12 * e), 0.40, 0.30 + 0.15 * e])
    v["urbanity"] = pick(rng, [0.72 + 0.05 * e if v["region"] != 5 else 0.3, 0.28])
    v["attitude"] = pick(rng, [max(0.03, 0.30 - 0.15 * e), 0.40, max(0.03, 0.30 + 0.15 * e)])
    return [v[c] for c, _ in CATS]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--k", type=int, default=110)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--households", action="store_true", help="pairs of respondents share an address")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    rows = [person(rng) for _ in range(a.n)]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "categories.csv"), "w") as f:
        f.write("category,feature,min,max\n")
        for c, (name, feats) in enumerate(CATS):
            pool = [sum(1 for r in rows if r[c] == j) / a.n for j in range(len(feats))]
            for j, feat in enumerate(feats):
                # halfway between pool and population, then +-15 %
                share = 0.5 * pool[j] + 0.5 * POP[name][j]
                lo = max(0, math.floor(0.85 * share * a.k))
                hi = max(lo + 1, math.ceil(1.15 * share * a.k))
                f.write(f"{name},{feat},{lo},{hi}\n")
    with open(os.path.join(a.out, "respondents.csv"), "w") as f:
        f.write("id," + ",".join(c for c, _ in CATS) + (",address" if a.households else "") + "\n")
        for i, r in enumerate(rows):
            cells = [CATS[c][1][j] for c, j in enumerate(r)]
            addr = [f'"{i // 2} main street, flat {i % 7}"'] if a.households and rng.random() < 0.5 else (
                [f"single {i}"] if a.households else [])
            f.write(f"P{i:05d}," + ",".join(cells + addr) + "\n")


if __name__ == "__main__":
    main()
