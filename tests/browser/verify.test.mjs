// SPDX-License-Identifier: AGPL-3.0-or-later
// Unit test of static/js/verify.js (the browser's audit verifier) under
// node, no server needed. Proofs and notes are built here independently
// with node:crypto, so the verifier is checked against a second
// implementation of RFC 9162 and C2SP signed notes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as v from '../../static/js/verify.js';
import { sha256 as sha, leafHash as leaf, split, mth, keyId } from './spec_ref.mjs';

// RFC 9162 §2.1.3.1 PATH(m, D[n]).
function path(m, ls) {
  if (ls.length <= 1) return [];
  const k = split(ls.length);
  return m < k ? [...path(m, ls.slice(0, k)), mth(ls.slice(k))] : [...path(m - k, ls.slice(k)), mth(ls.slice(0, k))];
}
// RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
function subproof(m, ls, b) {
  const n = ls.length;
  if (m === n) return b ? [] : [mth(ls)];
  const k = split(n);
  return m <= k ? [...subproof(m, ls.slice(0, k), b), mth(ls.slice(k))]
    : [...subproof(m - k, ls.slice(k), false), mth(ls.slice(0, k))];
}
const u8 = (b) => new Uint8Array(b);

test('leaf and root hashes match RFC 9162 definitions', async () => {
  const entries = ['{"a":1}', 'é ünïcode ✓', ''];
  for (const e of entries) assert.deepEqual(Buffer.from(await v.leafHash(e)), leaf(e));
  for (let n = 0; n <= 9; n += 1) {
    const ls = Array.from({ length: n }, (_, i) => leaf(`e${i}`));
    assert.deepEqual(Buffer.from(await v.merkleRoot(ls.map(u8))), mth(ls));
  }
});

test('every inclusion proof of trees of size 1..40 verifies, tampering fails', async () => {
  for (let n = 1; n <= 40; n += 1) {
    const ls = Array.from({ length: n }, (_, i) => leaf(`entry ${i}`));
    const root = u8(mth(ls));
    for (let m = 0; m < n; m += 1) {
      const p = path(m, ls).map(u8);
      assert.equal(await v.verifyInclusion(u8(ls[m]), m, n, p, root), true, `n=${n} m=${m}`);
      if (n > 1) {
        assert.equal(await v.verifyInclusion(u8(ls[(m + 1) % n]), m, n, p, root), false, 'other leaf');
        const bad = p.map((x) => x.slice());
        bad[0][5] ^= 1;
        assert.equal(await v.verifyInclusion(u8(ls[m]), m, n, bad, root), false, 'flipped byte');
        assert.equal(await v.verifyInclusion(u8(ls[m]), m, n, p.slice(0, -1), root), false, 'one hash short');
        assert.equal(await v.verifyInclusion(u8(ls[m]), m, n, [...p, p[0]], root), false, 'one hash long');
      }
    }
  }
});

test('every consistency proof between sizes 1..33 verifies, tampering fails', async () => {
  const all = Array.from({ length: 33 }, (_, i) => leaf(`c${i}`));
  const roots = [sha(), ...all.map((_, i) => mth(all.slice(0, i + 1)))].map(u8);
  for (let to = 1; to <= 33; to += 1) {
    for (let from = 1; from <= to; from += 1) {
      const p = (from === to ? [] : subproof(from, all.slice(0, to), true)).map(u8);
      assert.equal(await v.verifyConsistency(from, to, p, roots[from], roots[to]), true, `${from}->${to}`);
      if (from < to) {
        const bad = p.map((x) => x.slice());
        bad[bad.length - 1][0] ^= 1;
        assert.equal(await v.verifyConsistency(from, to, bad, roots[from], roots[to]), false, 'flipped');
        assert.equal(await v.verifyConsistency(from, to, p.slice(1), roots[from], roots[to]), false, 'short');
        assert.equal(await v.verifyConsistency(from, to, [...p, p[0]], roots[from], roots[to]), false, 'long');
        assert.equal(await v.verifyConsistency(from, to, p, roots[from], roots[to - 1]), false, 'wrong new root');
        if (from > 1) assert.equal(await v.verifyConsistency(from, to, p, roots[from - 1], roots[to]), false, 'wrong old root');
      }
    }
  }
  assert.equal(await v.verifyConsistency(5, 4, [], roots[5], roots[4]), false, 'from > to');
  assert.equal(await v.verifyConsistency(4, 4, [roots[1]], roots[4], roots[4]), false, 'from == to with a non-empty proof');
  assert.equal(await v.verifyConsistency(0, 4, [], roots[0], roots[4]), true, 'from the empty tree');
});

test('the classic mistakes are refused', async () => {
  const ls = Array.from({ length: 6 }, (_, i) => leaf(`x${i}`));
  const root = u8(mth(ls));
  const p = path(2, ls).map(u8);
  assert.equal(await v.verifyInclusion(u8(ls[2]), 6, 6, p, root), false, 'index == size');
  assert.equal(await v.verifyInclusion(u8(ls[2]), 2, 0, [], root), false, 'size 0');
  assert.equal(await v.verifyInclusion(u8(ls[2]), -1, 6, p, root), false, 'negative index');
  // A proof for a subtree root, stopped early, must not pass for the big tree:
  // the final "sn == 0" check catches it.
  const sub = ls.slice(0, 4);
  const subProof = path(1, sub).map(u8);
  assert.equal(await v.verifyInclusion(u8(ls[1]), 1, 6, subProof, u8(mth(sub))), false, 'subtree proof');
  // Single-leaf tree: empty proof, root is the leaf hash.
  assert.equal(await v.verifyInclusion(u8(ls[0]), 0, 1, [], u8(ls[0])), true);
  assert.equal(await v.verifyInclusion(u8(ls[0]), 0, 1, [u8(ls[1])], u8(ls[0])), false);
});

function signedNote(name, privateKey, pubRaw, body) {
  const id = keyId(name, pubRaw);
  const sig = crypto.sign(null, Buffer.from(body), privateKey);
  return `${body}\n\u2014 ${name} ${Buffer.concat([id, sig]).toString('base64')}\n`;
}

test('C2SP checkpoints: signature verified, every tampering detected', async (t) => {
  if (!(await v.ed25519Supported())) { t.skip('no Ed25519 in this WebCrypto'); return; }
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const pubRaw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const name = 'pnyx.example';
  const key = { name, public_key: pubRaw.toString('base64') };
  const root = mth([leaf('a'), leaf('b'), leaf('c')]);
  const body = `pnyx.example/assembly/7\n3\n${root.toString('base64')}\n`;
  const note = signedNote(name, privateKey, pubRaw, body);
  const ok = await v.verifyCheckpoint(note, key);
  assert.equal(ok.status, 'verified');
  assert.equal(ok.checkpoint.size, 3);
  assert.deepEqual(Buffer.from(ok.checkpoint.root), root);
  // vkey form of the key is accepted too.
  const id = keyId(name, pubRaw).toString('hex');
  const vkey = `${name}+${id}+${Buffer.concat([Buffer.from([1]), pubRaw]).toString('base64')}`;
  assert.equal((await v.verifyCheckpoint(note, { name, public_key: vkey })).status, 'verified');

  assert.equal((await v.verifyCheckpoint(note.replace('\n3\n', '\n4\n'), key)).status, 'failed', 'size changed');
  assert.equal((await v.verifyCheckpoint(note.replace('\u2014', '-'), key)).status, 'failed', 'hyphen for em dash');
  assert.equal((await v.verifyCheckpoint(note.slice(0, -1), key)).status, 'failed', 'no final newline');
  assert.equal((await v.verifyCheckpoint(note, { name: 'other.example', public_key: key.public_key })).reason, 'key', 'wrong name');
  const other = crypto.generateKeyPairSync('ed25519');
  const otherRaw = other.publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  assert.equal((await v.verifyCheckpoint(note, { name, public_key: otherRaw.toString('base64') })).reason, 'key', 'wrong key id');
  // Right key id, wrong signature bytes.
  const raw = Buffer.from(note.split(' ').pop().trim(), 'base64');
  raw[10] ^= 1;
  const forged = `${body}\n\u2014 ${name} ${raw.toString('base64')}\n`;
  assert.equal((await v.verifyCheckpoint(forged, key)).reason, 'sig', 'flipped signature');
  assert.equal((await v.verifyCheckpoint(`${body.replace('\n3\n', '\n03\n')}\n\u2014 ${name} ${raw.toString('base64')}\n`, key)).reason, 'format', 'leading zero');
});

// C2SP tlog-cosignature (issue 12): witness lines built here with
// node:crypto from the spec (key id with 0x04, blob key id || time || sig,
// message "cosignature/v1\ntime T\n" || body).
test('witness cosignatures: verified, missing, forged, on another checkpoint', async (t) => {
  if (!(await v.ed25519Supported())) { t.skip('no Ed25519 in this WebCrypto'); return; }
  const raw = (k) => k.export({ format: 'der', type: 'spki' }).subarray(12);
  const log = crypto.generateKeyPairSync('ed25519');
  const body = `pnyx.example/assembly/7\n3\n${mth([leaf('a'), leaf('b'), leaf('c')]).toString('base64')}\n`;
  const note = signedNote('pnyx.example', log.privateKey, raw(log.publicKey), body);
  const witness = (name) => {
    const k = crypto.generateKeyPairSync('ed25519');
    const id = sha(Buffer.from(`${name}\n`), Buffer.from([4]), raw(k.publicKey)).subarray(0, 4);
    const vkey = `${name}+${id.toString('hex')}+${Buffer.concat([Buffer.from([4]), raw(k.publicKey)]).toString('base64')}`;
    const cosign = (text, time) => {
      const ts = Buffer.alloc(8);
      ts.writeBigUInt64BE(BigInt(time));
      const sig = crypto.sign(null, Buffer.from(`cosignature/v1\ntime ${time}\n${text}`), k.privateKey);
      return `\u2014 ${name} ${Buffer.concat([id, ts, sig]).toString('base64')}\n`;
    };
    return { name, vkey, cosign };
  };
  const w1 = witness('w1.example');
  const w2 = witness('w2.example');
  const both = note + w1.cosign(body, 1679315147);
  const res = await v.verifyCosignatures(both, [w1, w2]);
  assert.equal(res[0].status, 'verified');
  assert.equal(res[0].time.getTime(), 1679315147000);
  assert.equal(res[1].status, 'missing');
  // the log's own signature still verifies with a cosignature line after it
  assert.equal((await v.verifyCheckpoint(both, { name: 'pnyx.example', public_key: raw(log.publicKey).toString('base64') })).status, 'verified');
  // a flipped signature byte, or the time changed, or a line made for another checkpoint
  const line = w1.cosign(body, 1679315147);
  const blob = Buffer.from(line.trim().split(' ').pop(), 'base64');
  blob[40] ^= 1;
  assert.equal((await v.verifyCosignatures(`${note}\u2014 w1.example ${blob.toString('base64')}\n`, [w1]))[0].status, 'failed');
  const later = Buffer.from(line.trim().split(' ').pop(), 'base64');
  later[11] ^= 1;
  assert.equal((await v.verifyCosignatures(`${note}\u2014 w1.example ${later.toString('base64')}\n`, [w1]))[0].status, 'failed');
  const other = w1.cosign(body.replace('\n3\n', '\n4\n'), 1679315147);
  assert.equal((await v.verifyCosignatures(note + other, [w1]))[0].status, 'failed');
  // a log vkey (0x01) is not a witness vkey
  assert.equal((await v.verifyCosignatures(both, [{ name: 'w1.example', vkey: w1.vkey.replace(/\+[^+]*$/, `+${Buffer.concat([Buffer.from([1]), Buffer.alloc(32)]).toString('base64')}`) }]))[0].status, 'failed');
});
