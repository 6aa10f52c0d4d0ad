#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""tests/secrets/check_ct.py — secrets are compared in constant time.

The files that handle what a client proves itself with (session and CSRF
tokens, passwords, invitation and selection codes, Idempotency-Keys, the
metrics token, key files) may compare bytes only through a hash lookup
(the database or a cache keyed by SHA-256) or sodium_memcmp /
pnyx_crypto_equal / crypto_verify_*. A plain memcmp, bcmp or str*cmp in
them is refused unless one argument is a string literal (a fixed word,
not a secret) or the line says why it is safe with a `ct-ok:` comment.

    check_ct.py --root REPO     check backend/src (exit 1 on a finding)
    check_ct.py --self-test     prove the check refuses each bad form
"""
import argparse
import os
import re
import sys
import tempfile

# Every file that reads or compares a client's secret (audit of issue 13).
FILES = [
    "backend/src/api/auth.c",
    "backend/src/api/auth_cache.c",
    "backend/src/api/api_sessions.c",
    "backend/src/api/api_accounts.c",
    "backend/src/api/api_me.c",
    "backend/src/api/api_invitations.c",
    "backend/src/api/api_ballots.c",
    "backend/src/api/api_health.c",
    "backend/src/api/api_selection_draw.c",
    "backend/src/db/db_session.c",
    "backend/src/db/db_login.c",
    "backend/src/db/db_member.c",
    "backend/src/platform/password.c",
    "backend/src/platform/crypto.c",
    "backend/src/platform/signing_key.c",
    "backend/src/cli/pnyx_witness.c",
]

# Comparisons in those files that touch no secret, each with the reason
# (file, text of the line, why) — kept here rather than as comments in
# code other people own. A line that changes drops out of this list and is
# checked again.
ALLOW = [
    ("api/auth.c", "strncasecmp(origin, scheme, sl)", "Origin header vs http(s)://: public"),
    ("api/auth.c", "strncasecmp(oh, hh, ohl)", "Origin host vs Host header: public"),
    ("api/api_health.c", "memcmp(b, one, 16)", "client address is loopback?: public"),
    ("api/api_selection_draw.c", "strcmp(p->quotas[q].category", "category names: public"),
    ("api/api_selection_draw.c", "strcmp(job.inputs_sha256, sha)", "digest of the pool: public"),
    ("api/api_selection_draw.c", "strcmp(json_string_value(json_array_get(first.cats",
     "category names: public"),
    ("api/api_selection_draw.c", "strcmp(pool[j].household, pool[i].household)",
     "household labels of the pool, no credential"),
    ("platform/password.c", "strncmp(*s, lit, n)", "PHC string field names (literals)"),
    ("cli/pnyx_witness.c", "strncmp(buf, KEY_MAGIC", "file magic, a literal"),
    ("cli/pnyx_witness.c", "memcmp(W.origins[i].origin, origin, len)", "log origins: public"),
    ("cli/pnyx_witness.c", "memcmp(rq->note, W.logs[i].prefix, pl)", "checkpoint origin: public"),
]

CALL = re.compile(r"(?<![\w.>])(memcmp|bcmp|strcmp|strncmp|strcasecmp|strncasecmp|timingsafe_bcmp)\s*\(")


def args_of(text, start):
    """The argument text of the call whose '(' is at start (balanced)."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
        elif c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        i += 1
    return text[start + 1:]


def check_text(name, text):
    findings = []
    for m in CALL.finditer(text):
        line_no = text.count("\n", 0, m.start()) + 1
        line = text.splitlines()[line_no - 1]
        if "ct-ok:" in line or any(name.endswith(f) and t in line for f, t, _ in ALLOW):
            continue
        a = args_of(text, m.end() - 1)
        if '"' in a:  # compares with a fixed word
            continue
        findings.append(f"{name}:{line_no}: {m.group(1)} on non-literal bytes; use "
                        f"pnyx_crypto_equal/sodium_memcmp or say why with ct-ok:")
    return findings


def check_root(root):
    findings = []
    for rel in FILES:
        path = os.path.join(root, rel)
        if not os.path.exists(path):
            findings.append(f"{rel}: listed but missing (update tests/secrets/check_ct.py)")
            continue
        with open(path, encoding="utf-8") as f:
            findings += check_text(rel, f.read())
    return findings


def self_test():
    bad = {
        "memcmp": "if (memcmp(h, s->csrf_hash, 32) == 0) ok();",
        "strcmp": "if (strcmp(tok, expected) == 0) ok();",
        "multi-line": "if (strncmp(tok,\n  expected, n) == 0) ok();",
        "bcmp": "return bcmp(a, b, 32) == 0;",
    }
    good = {
        "sodium": "return sodium_memcmp(h, s->csrf_hash, 32) == 0;",
        "literal": 'if (strcmp(site, "same-origin") != 0) no();',
        "ct-ok": "if (memcmp(a, b, 8) == 0) /* ct-ok: public key id */ ok();",
        "member": "x.memcmp(a, b);",
    }
    fails = 0
    for what, src in bad.items():
        if not check_text("t.c", src):
            print(f"FAIL: {what} not refused: {src!r}")
            fails += 1
    for what, src in good.items():
        if check_text("t.c", src):
            print(f"FAIL: {what} refused: {src!r}")
            fails += 1
    with tempfile.TemporaryDirectory() as d:  # a tree with one file missing
        if not check_root(d):
            print("FAIL: a missing listed file is not reported")
            fails += 1
    print("check_ct self-test:", "FAILED" if fails else "all passed")
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        return self_test()
    findings = check_root(a.root)
    for f in findings:
        print(f)
    print(f"check_ct: {len(FILES)} files, {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
