// SPDX-License-Identifier: AGPL-3.0-or-later
// Issue 4's acceptance, run literally: an external client that knows only
// RFC 9162, RFC 8785 and C2SP signed notes audits a live pnyxd from the
// API alone. Nothing here comes from Pnyx's own code (neither core/audit
// nor static/js/verify.js): the checks are written from the specs with
// node:crypto and fetch (hash definitions in spec_ref.mjs, shared with
// verify.test.mjs), so a shared misreading of a spec would have to be made
// twice, in two languages, to pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { sha256, leafHash, nodeHash, mth, keyId } from './spec_ref.mjs';

const BASE = process.env.PNYX_BASE_URL || 'http://127.0.0.1:8080';

// ---- the specs -----------------------------------------------------------

// RFC 9162 §2.1.3.2, step by step.
function verifyInclusion(index, size, leaf, proof, root) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.equals(root);
}

// RFC 9162 §2.1.4.2, step by step.
function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  if (first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return proof.length === 0;
  let path = proof;
  if ((first & (first - 1)) === 0) path = [firstRoot, ...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while ((fn & 1) === 1) { fn >>= 1; sn >>= 1; }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}

// RFC 8785: ECMAScript's JSON.stringify already serialises strings and
// numbers as the RFC requires (§3.2.2); objects need their keys sorted by
// UTF-16 code units, which is what Array.prototype.sort does with no
// comparator.
function jcs(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jcs).join(',')}]`;
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${jcs(v[k])}`).join(',')}}`;
}

// C2SP signed note: text, a blank line, then lines
// "— <name> <base64(key id ‖ signature)>".
function openNote(text, name, pub) {
  assert.ok(text.endsWith('\n'), 'a note ends with a newline');
  const split = text.lastIndexOf('\n\n');
  assert.ok(split > 0, 'a note has a blank line before its signatures');
  const body = text.slice(0, split + 1);
  const sigLines = text.slice(split + 2, -1).split('\n');
  const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pub.toString('base64url') }, format: 'jwk' });
  let verified = 0;
  for (const line of sigLines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
    assert.ok(m, `signature line ${JSON.stringify(line)}`);
    const raw = Buffer.from(m[2], 'base64');
    assert.equal(raw.toString('base64'), m[2], 'canonical base64');
    if (m[1] !== name || !raw.subarray(0, 4).equals(keyId(name, pub))) continue;
    assert.equal(raw.length, 68);
    if (crypto.verify(null, Buffer.from(body, 'utf8'), key, raw.subarray(4))) verified += 1;
  }
  return { body, verified };
}

// C2SP tlog-checkpoint: origin, decimal size, base64 root, extensions.
function parseCheckpoint(body) {
  const lines = body.slice(0, -1).split('\n');
  assert.ok(lines.length >= 3, 'checkpoint has origin, size and root');
  assert.match(lines[1], /^(0|[1-9][0-9]*)$/);
  const root = Buffer.from(lines[2], 'base64');
  assert.equal(root.length, 32);
  assert.equal(root.toString('base64'), lines[2]);
  return { origin: lines[0], size: Number(lines[1]), root };
}

// ---- the API ----------------------------------------------------------------

async function call(method, path, { token, body } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const ct = r.headers.get('content-type') || '';
  return { status: r.status, text, json: ct.includes('json') && text ? JSON.parse(text) : undefined };
}

async function person(name, country, languages) {
  const email = `${name.toLowerCase().replace(/[^a-z]/g, '')}-${crypto.randomBytes(5).toString('hex')}@example.net`;
  const password = `${crypto.randomBytes(9).toString('base64')} audit trail`;
  const reg = await call('POST', '/api/v1/accounts', { body: { email, password, display_name: name, country, languages } });
  assert.equal(reg.status, 201, reg.text);
  const s = await call('POST', '/api/v1/sessions', { body: { email, password } });
  assert.equal(s.status, 201, s.text);
  return { id: reg.json.id, token: s.json.token };
}

// Everything an auditor downloads, and nothing else.
async function fetchLog(aid) {
  const entries = [];
  let after = '0';
  for (;;) {
    const page = await call('GET', `/api/v1/assemblies/${aid}/audit?after=${after}&limit=3`);
    assert.equal(page.status, 200, page.text);
    entries.push(...page.json.items);
    if (page.json.next === null) break;
    after = page.json.next;
  }
  return entries;
}

async function checkpoint(aid, key) {
  const r = await call('GET', `/api/v1/assemblies/${aid}/audit/checkpoint`);
  assert.equal(r.status, 200, r.text);
  const note = openNote(r.text, key.name, key.pub);
  assert.equal(note.verified, 1, `exactly one valid signature by ${key.name}:\n${r.text}`);
  return parseCheckpoint(note.body);
}

const b64list = (xs) => xs.map((x) => Buffer.from(x, 'base64'));

// ---- the audit ----------------------------------------------------------------

test('an outside auditor verifies a live assembly log from the API alone', async () => {
  const k = await call('GET', '/api/v1/audit/key');
  assert.equal(k.status, 200, k.text);
  const key = { name: k.json.name, pub: Buffer.from(k.json.public_key, 'base64') };
  assert.equal(key.pub.length, 32);
  assert.equal(k.json.key_id, keyId(key.name, key.pub).toString('hex'), 'advertised key id is the C2SP one');

  // A small transnational assembly with every kind of change, and text that
  // exercises canonical JSON: quotes, backslashes, non-ASCII in three
  // scripts, astral characters, and the tab and line breaks a description may hold.
  const amina = await person('Amina Haddad', 'MA', ['ar', 'fr']);
  const jonas = await person('Jonas Berg', 'NO', ['nb', 'en']);
  const lucia = await person('Lucía Pérez', 'AR', ['es']);
  const kenji = await person('Kenji Sato', 'JP', ['ja', 'en']);
  const created = await call('POST', '/api/v1/assemblies', {
    token: amina.token,
    body: {
      title: 'مجلس المتوسط "Mare Nostrum" \\ Ассамблея 🌊',
      description: 'Line one\nline two\ttabbed\r\n\u2028 line separator, \u00a0 and é/e\u0301',
      visibility: 'public',
      join_policy: 'open',
      default_language: 'ar',
    },
  });
  assert.equal(created.status, 201, created.text);
  const aid = created.json.id;

  for (const p of [jonas, lucia]) {
    const j = await call('POST', `/api/v1/assemblies/${aid}/join`, { token: p.token });
    assert.equal(j.status, 201, j.text);
  }
  const before = await checkpoint(aid, key);

  const upd = await call('PATCH', `/api/v1/assemblies/${aid}`, { token: amina.token, body: { join_policy: 'invite', description: '«Deliberation» — 审议 — مداولة' } });
  assert.equal(upd.status, 200, upd.text);
  const inv = await call('POST', `/api/v1/assemblies/${aid}/invitations`, { token: amina.token, body: { role: 'observer', max_uses: 2 } });
  assert.equal(inv.status, 201, inv.text);
  const acc = await call('POST', `/api/v1/invitations/${encodeURIComponent(inv.json.code)}/accept`, { token: kenji.token });
  assert.equal(acc.status, 201, acc.text);
  const promote = await call('PATCH', `/api/v1/assemblies/${aid}/members/${jonas.id}`, { token: amina.token, body: { role: 'facilitator' } });
  assert.equal(promote.status, 200, promote.text);
  const leave = await call('PATCH', `/api/v1/assemblies/${aid}/members/${lucia.id}`, { token: lucia.token, body: { status: 'left' } });
  assert.equal(leave.status, 200, leave.text);

  const after = await checkpoint(aid, key);
  assert.equal(after.origin, `${k.json.origin_prefix}${aid}`);
  assert.ok(after.origin.endsWith(`/assembly/${aid}`), after.origin);
  assert.equal(before.origin, after.origin);

  // Every entry: gapless seq, canonical text, leaf hash recomputed, the
  // fields the issue names, and never the invitation code.
  const log = await fetchLog(aid);
  assert.equal(log.length, after.size);
  const entries = log.map((it) => JSON.parse(it.entry));
  const leaves = log.map((it) => leafHash(it.entry));
  log.forEach((it, i) => {
    const e = entries[i];
    assert.equal(it.seq, i + 1);
    assert.equal(jcs(e), it.entry, `entry ${it.seq} is RFC 8785 canonical`);
    assert.deepEqual(Object.keys(e).sort(), ['actor', 'assembly', 'at', 'data', 'kind', 'seq']);
    assert.equal(e.seq, it.seq);
    assert.equal(typeof e.seq, 'number');
    // Ids are decimal strings, so that no reader rounds them at 2^53.
    assert.equal(e.assembly, String(aid));
    assert.match(e.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    assert.equal(typeof e.data, 'object');
    assert.ok(!it.entry.includes(inv.json.code), 'the invitation code is never logged');
    assert.equal(leaves[i].toString('base64'), it.leaf_hash, `leaf hash of entry ${it.seq}`);
  });
  assert.deepEqual(entries.map((e) => e.kind), [
    'assembly.created', 'member.joined', 'member.joined', 'member.joined',
    'assembly.updated', 'invitation.created', 'member.joined', 'member.updated', 'member.left',
  ]);
  assert.equal(entries[0].actor, String(amina.id));
  assert.equal(entries[0].data.title, 'مجلس المتوسط "Mare Nostrum" \\ Ассамблея 🌊');

  // roots[n] = MTH of the first n downloaded entries. Both signed roots
  // must be among them, and every proof is checked against them.
  const roots = [sha256()];
  for (let n = 1; n <= leaves.length; n += 1) roots.push(mth(leaves.slice(0, n)));
  assert.ok(roots[after.size].equals(after.root), 'root at the latest checkpoint');
  assert.ok(roots[before.size].equals(before.root), 'root at the earlier checkpoint');

  for (let size = 1; size <= leaves.length; size += 1) {
    for (let index = 0; index < size; index += 1) {
      const r = await call('GET', `/api/v1/assemblies/${aid}/audit/proof/inclusion?index=${index}&size=${size}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.leaf_hash, leaves[index].toString('base64'));
      const proof = b64list(r.json.proof);
      assert.ok(verifyInclusion(index, size, leaves[index], proof, roots[size]), `inclusion ${index} in ${size}`);
      if (proof.length > 0) {
        const bad = proof.map((p) => Buffer.from(p));
        bad[bad.length - 1][7] ^= 1;
        assert.ok(!verifyInclusion(index, size, leaves[index], bad, roots[size]), 'a flipped bit fails');
        assert.ok(!verifyInclusion(index, size, leaves[index], proof.slice(1), roots[size]), 'a short proof fails');
      }
      assert.ok(!verifyInclusion(index, size, leaves[index], [...proof, roots[size]], roots[size]), 'a long proof fails');
    }
  }
  for (let to = 1; to <= leaves.length; to += 1) {
    for (let from = 1; from <= to; from += 1) {
      const r = await call('GET', `/api/v1/assemblies/${aid}/audit/proof/consistency?from=${from}&to=${to}`);
      assert.equal(r.status, 200, r.text);
      const proof = b64list(r.json.proof);
      assert.ok(verifyConsistency(from, to, roots[from], roots[to], proof), `consistency ${from} → ${to}`);
      if (from < to) {
        const bad = proof.map((p) => Buffer.from(p));
        bad[0][0] ^= 0x80;
        assert.ok(!verifyConsistency(from, to, roots[from], roots[to], bad), 'a flipped bit fails');
      }
    }
  }

  // The auditor's everyday check: the log only grew between the two
  // signed checkpoints it saw, proved with nothing but the two notes.
  const c = await call('GET', `/api/v1/assemblies/${aid}/audit/proof/consistency?from=${before.size}&to=${after.size}`);
  assert.equal(c.status, 200, c.text);
  assert.ok(before.size < after.size);
  assert.ok(verifyConsistency(before.size, after.size, before.root, after.root, b64list(c.json.proof)));
  assert.ok(!verifyConsistency(before.size, after.size, after.root, before.root, b64list(c.json.proof)), 'swapped roots fail');

  // A tampered note does not verify: change the size, keep the signature.
  const cp = await call('GET', `/api/v1/assemblies/${aid}/audit/checkpoint`);
  const forged = cp.text.replace(`\n${after.size}\n`, `\n${after.size + 1}\n`);
  assert.notEqual(forged, cp.text);
  assert.equal(openNote(forged, key.name, key.pub).verified, 0);
});
