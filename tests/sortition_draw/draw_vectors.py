#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Independent implementation (hashlib) of the draw formats of
api-spec/draw.md / core/sortition/draw.h.

  draw_vectors.py                  print the known vectors
  draw_vectors.py --check TEST.c   every vector appears in the C test
  draw_vectors.py --cli BINARY     build a whole DRAW.json here (pnyx-draw/1,
                                   /2 and /3), run `BINARY --verify` on it
                                   (exit 0) and on tampered copies (exit 1,
                                   for /3 at the check named) and broken
                                   ones (exit 2)"""
import hashlib, json, os, struct, sys

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

def count_commitment(salt, counts):
    """pnyx-draw/3: SHA-256(salt[32] || u32(nquota) || u32(c_0) || ...)."""
    assert len(salt) == 32
    return sha(salt + u32(len(counts)) + b"".join(u32(c) for c in counts))

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
    # pnyx-draw/3 count commitments (CONTRACTS.md)
    out["count_commitment_210"] = count_commitment(salt, [2, 1, 0]).hex()
    out["count_commitment_empty"] = count_commitment(bytes(32), []).hex()
    return out

def jcs(v):
    """RFC 8785 for what a lottery holds: null, ints, short binary floats,
    arrays, objects with ASCII keys."""
    if v is None: return "null"
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, int): return str(v)
    if isinstance(v, float): return str(int(v)) if v == int(v) else repr(v)
    if isinstance(v, str): return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list): return "[" + ",".join(jcs(x) for x in v) + "]"
    return "{" + ",".join(json.dumps(k) + ":" + jcs(v[k]) for k in sorted(v)) + "}"

def counts_of(panels, vals, quotas, cats):
    return [[sum(vals[i][cats.index(q["category"])] == q["feature"] for i in p) for q in quotas]
            for p in panels]

def lottery_sha(cert, counts, panels, probs, count_commitments=None):
    o = {"certificate": cert, "panels": panels, "probabilities": probs}
    if counts is not None:
        o["counts"] = counts
    if count_commitments is not None:
        o["count_commitments"] = count_commitments
    return sha(jcs(o).encode()).hex()

def count_salt(x):
    """The salt of panel x's counts in the records built here (the server
    draws 32 random bytes; any salt verifies)."""
    return sha(b"count salt %d" % x)

def draw_record(version=1):
    """A whole pnyx-draw/1 (or /2: no values nor households, each panel's
    quota counts hashed with the lottery; or /3: each panel's counts
    committed under its salt, the commitments hashed with the lottery, the
    drawn panel's counts and salt revealed in panel_counts) record built
    from the formats alone: 8 respondents (country FR/DE x age young/old,
    one household of two), k = 2, a lottery of m = 8 valid panels, two
    reveals."""
    vals, quotas, cats = _pool()
    hh = ["h-1", "h-1"] + [None] * 6
    resp, commits = [], []
    for i in range(8):
        c = commitment(bytes([i]) * 32, "r%02d" % i, cats, vals[i], hh[i])
        commits.append(c)
        resp.append({"pseudonym": "r%02d" % i, "values": vals[i], "household": hh[i],
                     "commitment": c.hex()})
    panels = [[0, 3], [1, 2], [4, 7], [5, 6], [0, 7], [1, 6], [3, 4], [2, 5]]
    m = len(panels)
    for i in range(8):
        resp[i]["probability"] = sum(i in p for p in panels) / m
        resp[i]["optimum"] = resp[i]["probability"]
    cert = {"kind": "leximin", "levels": []}
    probs = [r["probability"] for r in resp]
    all_counts = counts_of(panels, vals, quotas, cats)
    counts = all_counts if version == 2 else None
    ccs = [count_commitment(count_salt(x), c).hex() for x, c in enumerate(all_counts)] if version == 3 else None
    if version >= 2:
        for r in resp:
            del r["values"], r["household"]
    lsha = lottery_sha(cert, counts, panels, probs, ccs)
    beacon = sha(b"log root")
    reveals = sorted([bytes([0x33]) * 32, bytes([0x44]) * 32], key=sha)
    sd = seed(beacon, reveals)
    idx, _ = index(sd, m)
    lottery = {"panels": panels, "certificate": cert, "sha256": lsha}
    if version == 2:
        lottery["counts"] = counts
    if version == 3:
        lottery["count_commitments"] = ccs
    extra = {}
    if version == 3:
        extra["panel_counts"] = {"counts": all_counts[idx], "salt": count_salt(idx).hex()}
    return {**extra, "format": "pnyx-draw/%d" % version, "assembly": "1", "selection": "1", "round": 0,
            "rules_version": "pnyx-sortition/1", "method": "leximin", "k": 2, "m": m,
            "categories": cats, "quotas": quotas, "respondents": resp,
            "commitment_root": mth(commits).hex(),
            "randomness": {"rule": "pnyx-draw-seed/1", "beacon": {"log_size": 9, "root": beacon.hex()}},
            "lottery": lottery,
            "reveals": [{"commitment": sha(r).hex(), "value": r.hex()} for r in reveals],
            "dropped": [], "seed": sd.hex(), "index": idx, "panel": panels[idx]}

def version_cases(version, rehash):
    import copy
    v = "/%d " % version
    honest = draw_record(version)
    cases = [(v + "honest", honest, 0)]
    t = copy.deepcopy(honest); t["seed"] = ("0" if t["seed"][0] != "0" else "1") + t["seed"][1:]
    cases.append((v + "tampered seed", t, 1))
    t = copy.deepcopy(honest); t["panel"] = honest["lottery"]["panels"][(honest["index"] + 1) % 8]
    cases.append((v + "tampered chosen panel", t, 1))
    t = copy.deepcopy(honest); t["lottery"]["panels"][(honest["index"] + 1) % 8] = [0, 4]
    cases.append((v + "tampered lottery panel", t, 1))
    t = copy.deepcopy(t); rehash(t)
    cases.append((v + "tampered lottery panel, hash recomputed", t, 1))
    t = copy.deepcopy(honest); t["respondents"][3]["probability"] = 0.5; rehash(t)
    cases.append((v + "tampered probability, hash recomputed", t, 1))
    if version == 2:
        t = copy.deepcopy(honest); t["lottery"]["counts"][1] = [2, 0, 1, 1]
        cases.append((v + "tampered counts", t, 1))
        t = copy.deepcopy(t); rehash(t)
        cases.append((v + "tampered counts, hash recomputed", t, 1))
    if version == 3:
        cases += v3_cases(honest, rehash)
    t = copy.deepcopy(honest); del t["reveals"]
    cases.append((v + "no reveals member", t, 2))
    return cases

def flip(h):
    return ("0" if h[0] != "0" else "1") + h[1:]

def v3_cases(honest, rehash):
    """pnyx-draw/3 tamperings, each with the check (a word of its name in
    --json) that must catch it: --verify stops at the first failing check,
    in the contract's order lottery, ..., counts, quotas, probabilities."""
    import copy
    idx = honest["index"]
    cases = []
    # a revealed count changed: no longer opens count_commitments[index]
    t = copy.deepcopy(honest); t["panel_counts"]["counts"][0] += 1
    cases.append(("/3 tampered revealed count", t, 1, "counts"))
    t = copy.deepcopy(honest); t["panel_counts"]["salt"] = flip(t["panel_counts"]["salt"])
    cases.append(("/3 tampered revealed salt", t, 1, "counts"))
    # the counts and salt of another panel (every panel here counts one of
    # each): they open that panel's commitment, not the drawn one's
    o = (idx + 1) % 8
    t = copy.deepcopy(honest)
    t["panel_counts"] = {"counts": counts_of([honest["lottery"]["panels"][o]], *_pool())[0],
                         "salt": count_salt(o).hex()}
    cases.append(("/3 revealed counts of a panel not drawn", t, 1, "counts"))
    # a count commitment changed after the lottery was hashed
    t = copy.deepcopy(honest)
    t["lottery"]["count_commitments"][idx] = flip(t["lottery"]["count_commitments"][idx])
    cases.append(("/3 tampered count_commitment", t, 1, "lottery"))
    t = copy.deepcopy(honest)
    j = (idx + 1) % 8
    t["lottery"]["count_commitments"][j] = flip(t["lottery"]["count_commitments"][j])
    cases.append(("/3 tampered count_commitment of a panel not drawn", t, 1, "lottery"))
    # bad counts committed before the draw, lottery hash and all: they open
    # their commitment but break the quotas (FR twice, DE never)
    t = copy.deepcopy(honest)
    bad = [2, 0, 1, 1]
    t["panel_counts"] = {"counts": bad, "salt": count_salt(idx).hex()}
    t["lottery"]["count_commitments"][idx] = count_commitment(count_salt(idx), bad).hex()
    rehash(t)
    cases.append(("/3 committed counts breaking a quota, lottery hash recomputed", t, 1, "quota"))
    t = copy.deepcopy(honest); t["respondents"][0]["values"] = ["FR", "young"]
    cases.append(("/3 with values", t, 2))
    return cases

def _pool():
    """(vals, quotas, cats) of draw_record, for counts_of."""
    cats = ["country", "age"]
    vals = [["FR", "young"], ["FR", "old"], ["DE", "young"], ["DE", "old"]] * 2
    quotas = [{"category": c, "feature": f, "min": 1, "max": 1}
              for c, fs in (("country", ("FR", "DE")), ("age", ("young", "old"))) for f in fs]
    return vals, quotas, cats

def cli_check(binary):
    """Runs `pnyx-sortition --verify` on the record above and on tampered
    copies; returns the number of wrong exit statuses."""
    import copy, subprocess, tempfile
    def run(doc, text=None, as_json=False):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write(text if text is not None else json.dumps(doc))
        r = subprocess.run([binary, "--verify", f.name] + (["--json"] if as_json else []),
                           capture_output=True, text=True)
        os.unlink(f.name)
        return r.returncode, r.stdout.strip()
    def rehash(d):
        probs = [r["probability"] for r in d["respondents"]]
        d["lottery"]["sha256"] = lottery_sha(d["lottery"]["certificate"], d["lottery"].get("counts"),
                                             d["lottery"]["panels"], probs,
                                             d["lottery"].get("count_commitments"))
    cases = []
    for version in (1, 2, 3):
        cases += version_cases(version, rehash)
    t = copy.deepcopy(draw_record(2)); t["respondents"][0]["values"] = ["FR", "young"]
    cases.append(("/2 with values", t, 2))
    bad = 0
    for case in cases:
        name, doc, want = case[:3]
        check = case[3] if len(case) > 3 else None
        got, out = run(doc)
        ok = got == want
        if check is not None:
            # the failing check, as --json names it: the word asked for, and
            # a counts failure is not a quotas one (nor the other way round)
            _, js = run(doc, as_json=True)
            try:
                named = json.loads(js).get("check", "")
            except ValueError:
                named = ""
            other = {"counts": "quota", "quota": "count"}.get(check)
            ok = ok and check in named and (other is None or other not in named)
            out += " [check %r, want %r]" % (named, check)
        bad += not ok
        print("%s %s: exit %d (want %d) %s" % ("ok" if ok else "WRONG", name, got, want, out))
    got, out = run(None, "{not json")
    bad += got != 2
    print("%s malformed file: exit %d (want 2)" % ("ok" if got == 2 else "WRONG", got))
    return bad

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--cli":
        sys.exit(1 if cli_check(sys.argv[2]) else 0)
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
