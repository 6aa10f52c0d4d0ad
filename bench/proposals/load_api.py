#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""bench/proposals/load_api.py URL OUT MEMBERS ASSEMBLIES — the API half of
the loader: registers MEMBERS accounts (countries and languages varied),
logs each in (bearer tokens → OUT/tokens, account ids → OUT/accounts),
creates ASSEMBLIES public open assemblies (ids → OUT/aids) and has every
member join every assembly. Everything goes through pnyxd, so each
assembly's audit log records its creation and every join. Python's
standard library only; 8 requests in flight."""
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

url, out, members, assemblies = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
COUNTRIES = ["FR", "ES", "NG", "UA", "PE", "DE", "BR", "KE", "IN", "MX", "PL", "SN"]
LANGS = [["en"], ["fr"], ["es"], ["en", "es"], ["fr", "en"]]
run = f"{int(time.time())}-{id(object()) % 100000}"


def call(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"null")


def member(i):
    email = f"bench-{run}-{i}@example.org"
    pw = f"bench password {i}"
    acc = call("POST", "/api/v1/accounts", {
        "email": email, "password": pw, "display_name": f"Member {i}",
        "country": COUNTRIES[i % len(COUNTRIES)], "languages": LANGS[i % len(LANGS)]})
    tok = call("POST", "/api/v1/sessions", {"email": email, "password": pw})["token"]
    return acc["id"], tok


t0 = time.time()
with ThreadPoolExecutor(8) as ex:
    accts = list(ex.map(member, range(members)))
aids = [call("POST", "/api/v1/assemblies", {"title": f"Bench assembly {a + 1}"}, accts[0][1])["id"]
        for a in range(assemblies)]
with ThreadPoolExecutor(8) as ex:
    list(ex.map(lambda p: call("POST", f"/api/v1/assemblies/{p[0]}/join", None, p[1]),
                [(aid, tok) for aid in aids for _, tok in accts[1:]]))
with open(f"{out}/tokens", "w") as f:
    f.writelines(t + "\n" for _, t in accts)
with open(f"{out}/accounts", "w") as f:
    f.writelines(f"{i}\n" for i, _ in accts)
with open(f"{out}/aids", "w") as f:
    f.writelines(f"{a}\n" for a in aids)
print(f"api: {members} accounts, {assemblies} assemblies, {(members - 1) * assemblies} joins "
      f"in {time.time() - t0:.1f} s")
