// SPDX-License-Identifier: AGPL-3.0-or-later
// What a voter recomputes in their own browser (issue 11), from the byte
// formats of core/ballot and api-spec/questions.md, sharing no code with
// the server:
//   receipt     = SHA-256(RFC 8785 JSON {"nonce","question","ranking"}), hex;
//   board entry = RFC 8785 JSON {"country","ranking","receipt"}, a leaf of
//                 the board's RFC 9162 Merkle tree (leaf = SHA-256(0x00 ‖ entry));
//   the board root is the one written in the question.closed entry of the
//   assembly's signed log.
// Only globalThis.crypto.subtle is used, so node's tests run it too.
import * as v from '../verify.js';

const subtle = globalThis.crypto.subtle;
const te = new TextEncoder();

// RFC 8785 for the values these objects hold (strings, integers, arrays,
// objects): ECMAScript's JSON.stringify with keys sorted by UTF-16 code units.
export function jcs(x) {
  if (Array.isArray(x)) return `[${x.map(jcs).join(',')}]`;
  if (x && typeof x === 'object') {
    return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${jcs(x[k])}`).join(',')}}`;
  }
  if (typeof x === 'number' && !Number.isSafeInteger(x)) throw new Error('only integers are canonical here');
  return JSON.stringify(x);
}

export async function sha256Hex(text) {
  return v.hex(new Uint8Array(await subtle.digest('SHA-256', te.encode(text))));
}

// The receipt's input text and hash.
export function receiptInput(r) {
  return jcs({ nonce: r.nonce, question: r.question, ranking: r.ranking });
}
export async function receiptOf(r) { return sha256Hex(receiptInput(r)); }

export function boardEntry(e) {
  return jcs({ country: e.country, ranking: e.ranking, receipt: e.receipt });
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const OPTION_ID = /^[A-Z]{1,2}$/;

// A saved receipt file as the voter downloaded it: {question, ranking,
// nonce, receipt}; null when it is not one.
export function parseReceipt(text) {
  let r;
  try { r = JSON.parse(text); } catch { return null; }
  if (!r || typeof r !== 'object' || Array.isArray(r)) return null;
  if (!Number.isSafeInteger(r.question) || r.question <= 0) return null;
  if (!Array.isArray(r.ranking) || !r.ranking.length || !r.ranking.every((x) => typeof x === 'string' && OPTION_ID.test(x))) return null;
  if (typeof r.nonce !== 'string' || !HEX32.test(r.nonce)) return null;
  if (typeof r.receipt !== 'string' || !HEX64.test(r.receipt)) return null;
  return { question: r.question, ranking: r.ranking, nonce: r.nonce, receipt: r.receipt };
}

const same = (a, b) => Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);

// The checks that need no log: [{id, status: 'verified'|'failed'|'skipped',
// params}] for receipt (recomputed), board (the entry found holds this
// ballot), proof (the entry's leaf is in the board under `root`).
// `found` is the answer of GET …/ballots/{receipt} or null (not on the board).
export async function checkBallot(receipt, found) {
  const steps = [];
  const recomputed = await receiptOf(receipt);
  steps.push({ id: 'receipt', status: recomputed === receipt.receipt ? 'verified' : 'failed', params: { receipt: recomputed } });
  if (!found) {
    steps.push({ id: 'board', status: 'failed', params: {} });
    steps.push({ id: 'proof', status: 'skipped', params: {} });
    return steps;
  }
  const e = found.entry || {};
  const onBoard = e.receipt === receipt.receipt && same(e.ranking, receipt.ranking);
  steps.push({ id: 'board', status: onBoard ? 'verified' : 'failed', params: { index: found.index, size: found.size, country: e.country } });
  let ok = false;
  try {
    const leaf = await v.leafHash(boardEntry(e));
    ok = HEX64.test(found.root) && Array.isArray(found.proof)
      && await v.verifyInclusion(leaf, Number(found.index), Number(found.size), found.proof.map(v.decodeHash), v.decodeHash(found.root));
  } catch { ok = false; }
  steps.push({ id: 'proof', status: ok ? 'verified' : 'failed', params: { index: Number(found.index), size: Number(found.size), steps: Array.isArray(found.proof) ? found.proof.length : 0 } });
  return steps;
}

// Does the question.closed entry (its canonical text) name this question,
// board root and size?
export function closedEntryMatches(entryText, qid, root, size) {
  let e;
  try { e = JSON.parse(entryText); } catch { return false; }
  const d = e && e.data;
  return !!d && e.kind === 'question.closed' && String(d.question) === String(qid)
    && d.board_root === root && Number(d.board_size) === Number(size);
}
