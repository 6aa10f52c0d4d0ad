#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Independent check of tests/audit/vectors.json.

Written from RFC 9162, RFC 8785 and the C2SP signed-note / tlog-checkpoint
specs only, sharing no code with core/audit: if the C implementation and
this script agree, an outside auditor's tool will too. Uses hashlib and,
when installed, the `cryptography` package for Ed25519 (otherwise the
signature step is reported as skipped).

Usage: verify_vectors.py [path/to/vectors.json]
"""
import base64
import hashlib
import json
import os
import sys


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def leaf_hash(entry):
    return sha256(b"\x00", entry)


def node_hash(left, right):
    return sha256(b"\x01", left, right)


def mth(leaves):
    """RFC 9162 §2.1.1 Merkle Tree Hash."""
    if not leaves:
        return sha256()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, path):
    """RFC 9162 §2.1.4.2, with the trivial cases made explicit."""
    if first > second:
        return False
    if first == second:
        return not path and first_hash == second_hash
    if first == 0:
        return not path and first_hash == sha256()
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_hash] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_hash and sr == second_hash


def b64(s):
    raw = base64.b64decode(s, validate=True)
    if base64.b64encode(raw).decode() != s:
        raise ValueError("non-canonical base64: " + s)
    return raw


def canonical_json(value):
    """RFC 8785 for the value types the entries use (no floats)."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(canonical_json(k) + ":" + canonical_json(v) for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, str):
        out = []
        for ch in value:
            o = ord(ch)
            if ch == '"':
                out.append('\\"')
            elif ch == "\\":
                out.append("\\\\")
            elif o < 0x20:
                out.append({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}.get(o, "\\u%04x" % o))
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    raise ValueError("unsupported value in an entry: %r" % (value,))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "vectors.json")
    with open(path, encoding="utf-8") as f:
        v = json.load(f)

    entries = [e.encode("utf-8") for e in v["entries"]]
    for i, e in enumerate(v["entries"]):
        assert canonical_json(json.loads(e)) == e, "entry %d is not canonical" % i
        assert json.loads(e)["seq"] == i + 1
    leaves = [leaf_hash(e) for e in entries]
    assert [l.hex() for l in leaves] == v["leaf_hashes"]
    roots = [mth(leaves[:n]) for n in range(len(leaves) + 1)]
    assert [r.hex() for r in roots] == v["roots"]

    for c in v["inclusion"]:
        proof = [b64(p) for p in c["proof"]]
        i, n = c["index"], c["size"]
        assert verify_inclusion(i, n, leaves[i], proof, roots[n]), c
        if proof:  # one hash too few / too many must fail
            assert not verify_inclusion(i, n, leaves[i], proof[:-1], roots[n])
            assert not verify_inclusion(i, n, leaves[i], proof + [roots[n]], roots[n])
    for c in v["consistency"]:
        proof = [b64(p) for p in c["proof"]]
        m, n = c["from"], c["to"]
        assert verify_consistency(m, n, roots[m], roots[n], proof), c
        if proof:
            assert not verify_consistency(m, n, roots[m], roots[n], proof[:-1])

    key = v["key"]
    pub = bytes.fromhex(key["public_key_hex"])
    key_id = sha256(key["name"].encode(), b"\n\x01", pub)[:4]
    assert key_id.hex() == key["key_id_hex"]
    assert key["vkey"] == "%s+%s+%s" % (key["name"], key_id.hex(), base64.b64encode(b"\x01" + pub).decode())
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        verifier = Ed25519PublicKey.from_public_bytes(pub)
    except ImportError:
        verifier = None
    for cp in v["checkpoints"]:
        note = cp["note"]
        assert note.endswith("\n")
        sep = note.rindex("\n\n")
        text, sigs = note[: sep + 1], note[sep + 2 :]
        origin, size, root, rest = text.split("\n", 3)
        assert origin == cp["origin"] and rest == ""
        assert size == str(cp["size"]) and (size == "0" or not size.startswith("0"))
        assert b64(root) == roots[cp["size"]]
        lines = sigs.rstrip("\n").split("\n")
        ours = [l for l in lines if l.startswith("\u2014 " + key["name"] + " ")]
        assert len(ours) == 1
        blob = b64(ours[0].split(" ")[2])
        assert blob[:4] == key_id and len(blob) == 68
        if verifier is not None:
            verifier.verify(blob[4:], text.encode("utf-8"))  # raises on failure
    print(
        "vectors.json OK: %d entries, %d inclusion and %d consistency proofs, %d checkpoints%s"
        % (
            len(entries),
            len(v["inclusion"]),
            len(v["consistency"]),
            len(v["checkpoints"]),
            "" if verifier is not None else " (Ed25519 skipped: no python3-cryptography)",
        )
    )


if __name__ == "__main__":
    main()
    # In CI the signature check is part of the test, not optional.
    if os.environ.get("CI") == "true":
        try:
            import cryptography  # noqa: F401
        except ImportError:
            sys.exit("Ed25519 unchecked: python3-cryptography is missing (CI=true)")
