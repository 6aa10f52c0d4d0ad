// SPDX-License-Identifier: AGPL-3.0-or-later
// The draw of a selection, recomputed in the browser from its record,
// independently of the server's code (the byte formats are those of
// api-spec/draw.md and core/sortition/draw.h):
//
//  1. a respondent's commitment = SHA-256(salt[32] ‖ str(pseudonym) ‖
//     u32(ncat) ‖ for each category: str(name) ‖ str(value) ‖ str(household)),
//     str(x) = u32(UTF-8 length) ‖ bytes, u32 big-endian;
//  2. the commitments' root: RFC 9162 Merkle tree hash over the 32-byte
//     commitments in pool order;
//  3. seed = SHA-256(beacon ‖ r_1 ‖ … ‖ r_t), the revealed values sorted by
//     their commitment SHA-256(r) ascending; unrevealed ones dropped;
//  4. index: for j = 0, 1, …: x = low b bits of the first 8 bytes of
//     SHA-256(seed ‖ u32(j)), b = bit length of m − 1; the first x < m;
//  5. the panel drawn is lottery[index].
//
// Only globalThis.crypto (Web Crypto) is used, so this module runs in the
// browser and under node's test runner alike.
import { decodeHash, equal, hex } from '../verify.js';

const subtle = globalThis.crypto.subtle;
const utf8 = new TextEncoder();

export function u32(v) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, false);
  return b;
}

export function str(s) {
  const b = utf8.encode(String(s ?? ''));
  return concat(u32(b.length), b);
}

function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export async function sha256(...parts) {
  return new Uint8Array(await subtle.digest('SHA-256', concat(...parts)));
}

export function fromHex(s) {
  if (typeof s !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(s)) throw new Error('bad hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// A 32-byte value as sent: hex (draw.md) or base64 (the API's hashes).
export function bytes32(s) {
  return decodeHash(s);
}

function compare(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

// 1. One respondent's commitment.
export async function respondentCommitment(salt, pseudonym, categories, values, household) {
  const parts = [salt, str(pseudonym), u32(categories.length)];
  categories.forEach((c, i) => parts.push(str(c), str(values[i])));
  parts.push(str(household || ''));
  return sha256(...parts);
}

// 2. RFC 9162 Merkle tree hash over 32-byte entries.
export async function commitmentRoot(commitments) {
  const leaves = await Promise.all(commitments.map((c) => sha256(Uint8Array.of(0), c)));
  async function mth(ls) {
    if (ls.length === 0) return sha256();
    if (ls.length === 1) return ls[0];
    let k = 1;
    while (k * 2 < ls.length) k *= 2;
    return sha256(Uint8Array.of(1), await mth(ls.slice(0, k)), await mth(ls.slice(k)));
  }
  return mth(leaves);
}

// 3. The seed from the beacon and the revealed values (any order given;
// sorted here by their commitments).
export async function deriveSeed(beacon, reveals) {
  const withC = await Promise.all(reveals.map(async (r) => ({ r, c: await sha256(r) })));
  withC.sort((x, y) => compare(x.c, y.c));
  return sha256(beacon, ...withC.map((x) => x.r));
}

// 4. Uniform index in [0, m) by rejection sampling, without modulo bias.
export async function drawIndex(seed, m) {
  if (!Number.isSafeInteger(m) || m < 1 || m > 1000000) throw new Error('m out of range');
  const bits = (m - 1).toString(2).length - (m === 1 ? 1 : 0);
  const mask = (1n << BigInt(bits)) - 1n;
  for (let j = 0; ; j += 1) {
    const hsh = await sha256(seed, u32(j));
    const x = new DataView(hsh.buffer).getBigUint64(0, false) & mask;
    if (x < BigInt(m)) return { index: Number(x), tries: j + 1 };
  }
}

// A participant's random value (32 bytes from crypto.getRandomValues) as
// hex, and the commitment they publish first: SHA-256 of the bytes.
export function randomValue() {
  return hex(globalThis.crypto.getRandomValues(new Uint8Array(32)));
}

export async function valueCommitment(valueHex) {
  return hex(await sha256(fromHex(valueHex)));
}

// ---- the whole record -----------------------------------------------------

// The record's fields (api-spec/draw.md, DRAW.json); a few spellings accepted.
function pick(o, ...names) {
  for (const n of names) if (o && o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
}

export function normalise(rec) {
  const lottery = pick(rec, 'lottery', 'panels') || [];
  const reveals = (pick(rec, 'reveals') || []).map((r) => (typeof r === 'string' ? { value: r } : r));
  return {
    categories: pick(rec, 'categories') || [],
    respondents: pick(rec, 'respondents'),
    commitments: pick(rec, 'commitments'),
    root: pick(rec, 'commitment_root', 'pool_root', 'root'),
    probabilities: pick(rec, 'probabilities'),
    quotas: pick(rec, 'quotas') || [],
    k: pick(rec, 'k'),
    m: pick(rec, 'm') ?? lottery.length,
    lottery,
    beacon: pick(rec, 'beacon'),
    reveals,
    seed: pick(rec, 'seed'),
    index: pick(rec, 'index'),
    chosen: pick(rec, 'chosen', 'panel'),
  };
}

const ok = (id, params) => ({ id, status: 'verified', params, detail: !!params });
const bad = (id, params) => ({ id, status: 'failed', params, detail: true });
const skip = (id, params) => ({ id, status: 'skipped', params, detail: true });

// Check a record step by step. Returns [{id, status: verified|failed|
// skipped, params}] for: commitments (root recomputed from the listed
// commitments, or from the respondents' data and salts when present),
// reveals, seed, index, chosen, panels, probabilities. A step that cannot
// be done from what the record holds is "skipped", never "verified".
export async function checkDraw(recIn) {
  const r = normalise(recIn || {});
  const out = [];
  // 1–2. commitments and their root
  try {
    let commitments = null;
    if (Array.isArray(r.commitments)) commitments = r.commitments.map(bytes32);
    if (Array.isArray(r.respondents) && r.respondents.length && r.respondents.every((x) => x.salt)) {
      const fromData = await Promise.all(r.respondents.map((x) => respondentCommitment(bytes32(x.salt), x.pseudonym,
        r.categories, Array.isArray(x.values) ? x.values : r.categories.map((c) => x.values[c]), x.household)));
      if (commitments && !fromData.every((c, i) => commitments[i] && equal(c, commitments[i]))) {
        const i = fromData.findIndex((c, j) => !commitments[j] || !equal(c, commitments[j]));
        out.push(bad('respondents', { row: i }));
      } else out.push(ok('respondents', { n: fromData.length }));
      commitments = commitments || fromData;
    }
    if (!commitments || r.root === undefined) out.push(skip('commitments'));
    else {
      const root = await commitmentRoot(commitments);
      out.push(equal(root, bytes32(r.root)) ? ok('commitments', { n: commitments.length }) : bad('commitments', { n: commitments.length }));
    }
  } catch { out.push(bad('commitments', { n: 0 })); }
  // 3. reveals and seed
  let seed = null;
  try {
    const reveals = [];
    let allOpen = true;
    for (const x of r.reveals) {
      const v = fromHexOr64(x.value);
      if (x.commitment !== undefined && !equal(await sha256(v), bytes32(x.commitment))) allOpen = false;
      reveals.push(v);
    }
    out.push(allOpen ? ok('reveals', { n: reveals.length }) : bad('reveals', { n: reveals.length }));
    if (r.beacon === undefined || r.seed === undefined) out.push(skip('seed'));
    else {
      const s = await deriveSeed(bytes32(r.beacon), reveals);
      // Each step checks one link: the index below follows from the seed
      // as recorded, so a wrong link is named, not its consequences.
      seed = bytes32(r.seed);
      out.push(equal(s, seed) ? ok('seed', { seed: hex(s) }) : bad('seed', { seed: hex(s) }));
    }
  } catch { out.push(bad('seed', { seed: '' })); }
  // 4. index
  if (!seed || !Number.isSafeInteger(r.m) || r.m < 1) out.push(skip('index'));
  else {
    try {
      const got = await drawIndex(seed, r.m);
      out.push(got.index === r.index ? ok('index', { index: got.index, m: r.m, tries: got.tries }) : bad('index', { index: got.index, m: r.m, tries: got.tries }));
    } catch { out.push(bad('index', { index: '', m: r.m, tries: 0 })); }
  }
  // 5. the chosen panel is lottery[index], the index as recorded
  const at = r.index;
  const expected = Array.isArray(r.lottery) ? r.lottery[at] : undefined;
  if (!Array.isArray(r.chosen) || !Array.isArray(expected)) out.push(skip('chosen'));
  else out.push(sameList(r.chosen, expected) ? ok('chosen', { index: at }) : bad('chosen', { index: at }));
  // panels: k distinct ascending respondents in range; quotas when values are known
  out.push(checkPanels(r));
  // probabilities: each is its panel count / m
  if (!Array.isArray(r.probabilities) || !r.lottery.length) out.push(skip('probabilities'));
  else {
    const count = new Array(r.probabilities.length).fill(0);
    for (const p of r.lottery) for (const i of p) if (i >= 0 && i < count.length) count[i] += 1;
    const wrong = r.probabilities.findIndex((p, i) => Math.abs(p - count[i] / r.lottery.length) > 1e-9);
    out.push(wrong < 0 ? ok('probabilities', { n: count.length }) : bad('probabilities', { row: wrong }));
  }
  return out;
}

function fromHexOr64(s) {
  if (typeof s === 'string' && /^[0-9a-fA-F]{64}$/.test(s)) return fromHex(s);
  return bytes32(s);
}

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => Number(x) === Number(b[i]));
}

function checkPanels(r) {
  if (!r.lottery.length || !Number.isInteger(r.k)) return skip('panels');
  const n = Array.isArray(r.probabilities) ? r.probabilities.length : Array.isArray(r.commitments) ? r.commitments.length : Infinity;
  const values = Array.isArray(r.respondents) && r.respondents.length === n ? r.respondents : null;
  for (const [pi, p] of r.lottery.entries()) {
    if (!Array.isArray(p) || p.length !== r.k) return bad('panels', { panel: pi });
    for (let i = 0; i < p.length; i += 1) {
      if (!Number.isInteger(p[i]) || p[i] < 0 || p[i] >= n || (i && p[i] <= p[i - 1])) return bad('panels', { panel: pi });
    }
    if (values && r.quotas.length) {
      for (const q of r.quotas) {
        const ci = r.categories.indexOf(q.category);
        const c = p.filter((i) => valueOf(values[i], r.categories, ci) === q.feature).length;
        if (c < q.min || c > q.max) return bad('panels', { panel: pi });
      }
      const hh = p.map((i) => values[i].household).filter(Boolean);
      if (new Set(hh).size !== hh.length) return bad('panels', { panel: pi });
    }
  }
  return ok('panels', { m: r.lottery.length, k: r.k });
}

function valueOf(resp, categories, ci) {
  return Array.isArray(resp.values) ? resp.values[ci] : resp.values[categories[ci]];
}

// A respondent's own check: their receipt {pseudonym, salt, values,
// household, index?} gives their commitment; it must be in the record's
// list (at their index when given). Returns {status: 'ok', index,
// probability, selected} or {status: 'failed', reason}.
export async function checkOwn(recIn, receipt) {
  const r = normalise(recIn || {});
  let mine;
  try {
    const values = Array.isArray(receipt.values) ? receipt.values : r.categories.map((c) => receipt.values[c]);
    if (values.some((v) => v === undefined)) return { status: 'failed', reason: 'format' };
    mine = await respondentCommitment(bytes32(receipt.salt), receipt.pseudonym, r.categories, values, receipt.household);
  } catch { return { status: 'failed', reason: 'format' }; }
  if (!Array.isArray(r.commitments)) return { status: 'failed', reason: 'no_list' };
  const list = r.commitments.map(bytes32);
  const index = Number.isInteger(receipt.index) ? (equal(list[receipt.index] || new Uint8Array(), mine) ? receipt.index : -1)
    : list.findIndex((c) => equal(c, mine));
  if (index < 0) return { status: 'failed', reason: 'not_found' };
  return {
    status: 'ok',
    index,
    probability: Array.isArray(r.probabilities) ? r.probabilities[index] : undefined,
    selected: Array.isArray(r.chosen) && r.chosen.map(Number).includes(index),
  };
}
