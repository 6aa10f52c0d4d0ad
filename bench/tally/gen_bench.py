#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Generate the tally benchmark elections (issue 3, "Performance").

1,000,000 ballots x 20 options from gen_election.py's realistic model (a
spatial model with voter blocs, Gumbel noise and rising truncation; `large`
mode draws the million voters from a pool of realistic voter types with
heavy-tailed popularity, like real cast-vote records), written twice:

  (a) tally-1m-<method>-ballots.json  one ballot per entry (~39 MB),
                                      shuffled so equal ballots are not adjacent
  (b) tally-1m-<method>-grouped.json  one entry per distinct ranking with its
                                      count (~60,000 entries)

for each method: irv (1 seat), stv (5 seats), schulze (1 seat). The ballots
are identical across methods; only the header differs. Deterministic: the
same seed gives byte-identical files. Files go to bench/data/ (gitignored).

gen_election.py is read from ${PNYX_SHARED_DIR:-<repo>/../shared}/tools.

usage: gen_bench.py [--out DIR] [--ballots N] [--pool N] [--seed N]
"""

import argparse
import importlib.util
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Chosen so that 1M ballots give ~60,000 distinct rankings (58,496) and ~40 MB in
# layout (a) (about 4 marks per ballot on average), as the issue describes.
DEFAULT_POOL = 120000
DEFAULT_TRUNCATION = "0.11"

METHODS = [("irv", 1), ("stv", 5), ("schulze", 1)]


def load_generator():
    shared = os.environ.get("PNYX_SHARED_DIR") or os.path.join(REPO, "..", "shared")
    path = os.path.join(shared, "tools", "gen_election.py")
    if not os.path.exists(path):
        sys.exit("gen_bench: %s not found (set PNYX_SHARED_DIR)" % path)
    spec = importlib.util.spec_from_file_location("gen_election", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def header(election, method, seats, layout):
    return ('{\n "format": "pnyx-election/1",\n "name": %s,\n "method": %s,\n "seats": %d,\n'
            ' "options": %s,\n "rules": {},\n "ballots": [\n'
            % (json.dumps("bench-1m-%s-%s" % (method, layout)), json.dumps(method), seats,
               json.dumps(election["options"])))


def write(path, head, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(head)
        f.write(",\n".join(rows))
        f.write("\n ]\n}\n")
    os.replace(tmp, path)
    return os.path.getsize(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "data"))
    ap.add_argument("--ballots", type=int, default=1000000)
    ap.add_argument("--pool", type=int, default=DEFAULT_POOL)
    ap.add_argument("--truncation", default=DEFAULT_TRUNCATION)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()

    gen = load_generator()
    t0 = time.time()
    election = gen.generate(gen_args(gen, args))
    ballots = election["ballots"]
    total = sum(b["count"] for b in ballots)
    print("generated %d ballots, %d distinct rankings in %.1f s"
          % (total, len(ballots), time.time() - t0))

    os.makedirs(args.out, exist_ok=True)
    grouped = ["  " + json.dumps(b, ensure_ascii=False) for b in ballots]
    # (a): every ballot its own entry, in a seeded shuffled order
    single = []
    for b in ballots:
        row = "  " + json.dumps({"ranking": b["ranking"]}, ensure_ascii=False)
        single.extend([row] * b["count"])
    random.Random(args.seed).shuffle(single)
    for method, seats in METHODS:
        for layout, rows in (("ballots", single), ("grouped", grouped)):
            path = os.path.join(args.out, "tally-1m-%s-%s.json" % (method, layout))
            size = write(path, header(election, method, seats, layout), rows)
            print("%-60s %6.1f MB %8d entries" % (path, size / 1e6, len(rows)))
    return 0


def gen_args(gen, args):
    """The argparse namespace gen_election.generate() expects."""
    return argparse.Namespace(
        seed=args.seed, mode="large", candidates=20, ballots=args.ballots, seats=1,
        method="irv", truncation=float(args.truncation), max_rank=None, skips=0.0,
        overvotes=0.0, duplicates=0.0, blank=0.0, unrecorded_overvotes=0.0, dims=2, blocs=3,
        pool=args.pool, countries=None, weights=0.0, rules=None, name="bench", out=None)


if __name__ == "__main__":
    sys.exit(main())
