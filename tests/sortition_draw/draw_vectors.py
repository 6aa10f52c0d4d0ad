#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Independent implementation (hashlib) of the draw formats of
api-spec/draw.md / core/sortition/draw.h; prints the known vectors that
tests/sortition_draw/test_draw.c hard-codes, or checks them (--check)."""
import hashlib, struct, sys

def u32(v): return struct.pack(">I", v)
def s(x): b = x.encode(); return u32(len(b)) + b
def sha(b): return hashlib.sha256(b).digest()

def commitment(salt, pid, cats, vals, hh):
    b = salt + s(pid) + u32(len(cats))
    for c, v in zip(cats, vals): b += s(c) + s(v)
    return sha(b + s(hh or ""))

def mth(leaves):
    if not leaves: return sha(b"")
    if len(leaves) == 1: return sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves): k *= 2
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))

def seed(beacon, reveals):
    rs = sorted(reveals, key=lambda r: sha(r))
    return sha(beacon + b"".join(rs))

def index(sd, m):
    b = (m - 1).bit_length()
    j = 0
    while True:
        x = int.from_bytes(sha(sd + u32(j))[:8], "big") & ((1 << b) - 1)
        j += 1
        if x < m: return x, j

def vectors():
    salt = bytes(range(32))
    cats = ["country", "gender"]
    out = {}
    c1 = commitment(salt, "p-0001", cats, ["FR", "female"], "h-7")
    c2 = commitment(salt, "p-0002", cats, ["DE", "male"], None)
    c3 = commitment(bytes(32), "ü", cats, ["ES", "non-binary"], "")
    out["c1"], out["c2"], out["c3"] = c1.hex(), c2.hex(), c3.hex()
    out["root3"] = mth([c1, c2, c3]).hex()
    out["root1"] = mth([c1]).hex()
    beacon = sha(b"beacon")
    r1, r2 = bytes([0x11]) * 32, bytes([0x22]) * 32
    out["seed0"] = seed(beacon, []).hex()
    sd = seed(beacon, [r1, r2])
    out["seed2"] = sd.hex()
    for m in (1, 3, 1000, 1024, 1025):
        out["index_%d" % m] = "%d/%d" % index(sd, m)
    return out

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        # Every vector must appear verbatim in the C test, as "name" and value.
        text = open(sys.argv[2]).read()
        missing = [k for k, v in vectors().items() if '"%s"' % v not in text]
        if missing:
            print("vectors missing from %s: %s" % (sys.argv[2], ", ".join(missing)))
            sys.exit(1)
        print("%d draw vectors agree" % len(vectors()))
    else:
        for k, v in vectors().items(): print(k, v)
