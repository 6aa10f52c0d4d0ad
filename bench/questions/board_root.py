#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""bench/questions/board_root.py QID CONNINFO — computes the RFC 9162
Merkle root over the sealed board (leaf = RFC 8785 JSON of
{"country","ranking","receipt"}, core/ballot's board entry), independently
of pnyxd, and stores it with the count (state closed). Prints the root."""
import hashlib
import subprocess
import sys

qid, conn = sys.argv[1], sys.argv[2]
rows = subprocess.run(
    ["psql", conn, "-tAq", "-F", " ", "-c",
     f"SELECT encode(receipt, 'hex'), encode(ranking, 'hex'), country FROM ballots "
     f"WHERE question_id = {qid} ORDER BY board_index"],
    check=True, capture_output=True, text=True).stdout.split("\n")


def opt_id(p):
    return chr(65 + p) if p < 26 else chr(65 + p // 26 - 1) + chr(65 + p % 26)


leaves = []
for line in rows:
    if not line.strip():
        continue
    receipt, ranking, country = line.split(" ")
    ids = []
    for i in range(0, len(ranking), 2):
        b = int(ranking[i:i + 2], 16)
        if b == 0xFF:
            break
        ids.append('"%s"' % opt_id(b))
    entry = '{"country":"%s","ranking":[%s],"receipt":"%s"}' % (country, ",".join(ids), receipt)
    leaves.append(hashlib.sha256(b"\x00" + entry.encode()).digest())


def mth(hs):
    if not hs:
        return hashlib.sha256(b"").digest()
    if len(hs) == 1:
        return hs[0]
    k = 1
    while k * 2 < len(hs):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(hs[:k]) + mth(hs[k:])).digest()


root = mth(leaves).hex()
subprocess.run(["psql", conn, "-tAq", "-c",
                f"UPDATE questions SET state = 'closed', closed_at = now(), "
                f"ballot_count = {len(leaves)}, board_root = '\\x{root}', closed_log_size = 1 "
                f"WHERE id = {qid}"], check=True)
print(root)
