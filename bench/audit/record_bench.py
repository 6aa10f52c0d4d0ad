#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""pnyx-verify on a synthetic pnyx-record/1 of N entries (issue 12).

Usage: record_bench.py PNYX_VERIFY [N=1000000]

Writes a record of N canonical member.joined entries (~150 bytes each) with
signed checkpoints at N/2 and N (Ed25519 via python3-cryptography, Merkle
roots with hashlib: no project code), runs pnyx-verify on it under
/usr/bin/time and prints wall time, peak RSS and the load average. The
machine is shared: compare runs only with their load.
"""
import base64, hashlib, json, os, subprocess, sys, tempfile, time
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

verify = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
origin = "bench.example/assembly/1"
name = "bench.example"
sk = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
key_id = hashlib.sha256(name.encode() + b"\n\x01" + pk).digest()[:4]
b64 = lambda b: base64.b64encode(b).decode()

def root_of(leaves):
    """RFC 9162 MTH, iteratively (level by level, odd node carried up)."""
    level = leaves
    if not level:
        return hashlib.sha256(b"").digest()
    while len(level) > 1:
        nxt = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
               for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]

def note(size, root):
    body = f"{origin}\n{size}\n{b64(root)}\n".encode()
    sig = sk.sign(body)
    return body.decode() + "\n\u2014 " + name + " " + b64(key_id + sig) + "\n"

t0 = time.time()
leaves = []
fd, path = tempfile.mkstemp(suffix=".json")
with os.fdopen(fd, "w", encoding="utf-8") as f:
    entries = []
    for i in range(1, n + 1):
        kind = "assembly.created" if i == 1 else "member.joined"
        data = '{"title":"Bench"}' if i == 1 else '{"country":"DE","role":"member"}'
        e = ('{"actor":"%d","assembly":"1","at":"2026-11-28T04:00:00Z","data":%s,"kind":"%s","seq":%d}'
             % (i, data, kind, i))
        h = hashlib.sha256(b"\x00" + e.encode()).digest()
        leaves.append(h)
        entries.append('{"entry":%s,"leaf_hash":"%s","seq":%d}' % (json.dumps(e), b64(h), i))
    cps = [{"note": note(n // 2, root_of(leaves[: n // 2])), "size": n // 2},
           {"note": note(n, root_of(leaves)), "size": n}]
    f.write('{"assembly":"1","checkpoints":%s,"entries":[' % json.dumps(cps, ensure_ascii=False))
    f.write(",".join(entries))
    vkey = "%s+%s+%s" % (name, key_id.hex(), b64(b"\x01" + pk))
    f.write('],"format":"pnyx-record/1","key":{"key_id":"%s","name":"%s","public_key":"%s","vkey":"%s"},'
            '"origin":"%s","questions":[]}' % (key_id.hex(), name, b64(pk), vkey, origin))
size_mb = os.path.getsize(path) / 1e6
print(f"record: {n} entries, {size_mb:.0f} MB, generated in {time.time() - t0:.1f} s")
load = os.getloadavg()
r = subprocess.run(["/usr/bin/time", "-f", "%e s wall, %U s user + %S s sys CPU, %M KiB peak RSS", verify, path, "--key", b64(pk)],
                   capture_output=True, text=True)
print(r.stdout.strip())
print("pnyx-verify exit", r.returncode, "|", r.stderr.strip().splitlines()[-1],
      "| load before %.2f %.2f %.2f" % load)
os.unlink(path)
sys.exit(r.returncode)
