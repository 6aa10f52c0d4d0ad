#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# hist_delta.py BEFORE AFTER — the requests one round added to a pnyxd
# latency histogram (two grep'd snapshots of its cumulative
# pnyx_http_request_duration_seconds_bucket lines): the share at or under
# each bound, and the bucket holding p50, p90 and p99.
import re
import sys


def read(path):
    out = {}
    try:
        for line in open(path):
            m = re.search(r'le="([^"]+)"\} (\d+)', line)
            if m:
                out[m.group(1)] = int(m.group(2))
    except FileNotFoundError:
        pass
    return out


a, b = read(sys.argv[1]), read(sys.argv[2])
# pnyxd writes the buckets in ascending order, "+Inf" last
cum = [(k, v - a.get(k, 0)) for k, v in b.items()]
if not cum or cum[-1][1] == 0:
    print("server-side cast latency: no casts counted")
    sys.exit(0)
n = cum[-1][1]


def ms(k):
    return "∞" if k == "+Inf" else f"{float(k) * 1000:g} ms"


def at(q):
    for k, c in cum:
        if c >= q * n:
            return ms(k)
    return "∞"


# shares from 5 ms up: a cast under load is never faster, the finer
# buckets would only be zeros
shares = ", ".join(f"≤{ms(k)} {100 * c / n:.1f}%" for k, c in cum if k != "+Inf" and float(k) >= 0.005)
print(f"server-side cast latency ({n} requests): p50 ≤ {at(0.5)}, p90 ≤ {at(0.9)}, p99 ≤ {at(0.99)}; {shares}")
