// SPDX-License-Identifier: AGPL-3.0-or-later
// Reference definitions for the tests that check Pnyx's audit log from the
// outside (verify.test.mjs, external_auditor.test.mjs), written from the
// specs with node:crypto and sharing no code with core/audit or
// static/js/verify.js.
import crypto from 'node:crypto';

export const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();

// RFC 9162 §2.1.1: leaf = H(0x00 ‖ entry), node = H(0x01 ‖ left ‖ right).
export const leafHash = (entry) => sha256(Buffer.from([0]), Buffer.from(entry, 'utf8'));
export const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);

// The largest power of two smaller than n (RFC 9162's k), for n ≥ 2.
export function split(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// RFC 9162 §2.1.1 MTH(D[n]).
export function mth(leaves) {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0];
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

// C2SP signed-note key id: SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[:4].
export const keyId = (name, pub) => sha256(Buffer.from(`${name}\n`, 'utf8'), Buffer.from([1]), pub).subarray(0, 4);
