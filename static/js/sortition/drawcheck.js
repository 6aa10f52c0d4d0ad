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

// ---- the whole record: DRAW.json, format pnyx-draw/2 (api-spec/draw.md) ----
//
// pnyx-draw/2 publishes no respondent's values nor household: each
// lottery panel carries instead its count per quota row (`lottery.counts`,
// in the order of `quotas`), fixed by the lottery hash before the seed.
// Anyone checks those counts against the quotas; a respondent checks that
// every panel they are on counts their own values (checkOwn). pnyx-draw/1
// records (values beside each pseudonym) are still checked as before.
//
// pnyx-draw/3: the counts of /2 with the panels' member lists are a linear
// system that gives away every respondent's answers. /3 publishes instead
// one salted hash of each panel's counts (`lottery.count_commitments`,
// hashed with the lottery before the seed exists) and, after the draw,
// only the drawn panel's counts and salt (`panel_counts`): they must open
// count_commitments[index] (step "counts") and meet the quotas (step
// "quotas"); the other panels are checked for their shape only.

// RFC 8785 canonical JSON. ECMAScript's own JSON.stringify is what RFC
// 8785 specifies for strings and numbers; only the key order is added
// (sorted by UTF-16 code units, which is JavaScript's default sort).
export function canonicalJson(v) {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('not I-JSON');
  return JSON.stringify(v ?? null);
}

// The lottery hash the publication entry carries: SHA-256 of the
// canonical {certificate, counts, panels, probabilities} (counts only in
// pnyx-draw/2: undefined leaves the member out, as /1 hashed it), or in
// pnyx-draw/3 {certificate, count_commitments, panels, probabilities}.
export async function lotteryHash(certificate, panels, probabilities, counts, countCommitments) {
  const o = { certificate: certificate ?? null, panels, probabilities };
  if (counts !== undefined) o.counts = counts;
  if (countCommitments !== undefined) o.count_commitments = countCommitments;
  return sha256(utf8.encode(canonicalJson(o)));
}

// pnyx-draw/3: a panel's count commitment = SHA-256(salt[32] ‖
// u32(nquota) ‖ u32(c_0) ‖ … ‖ u32(c_{nquota−1})), the counts in the order
// of `quotas`. The salt keeps a panel's few possible count vectors from
// being found by trying them all.
export async function countCommitment(salt, counts) {
  if (!(salt instanceof Uint8Array) || salt.length !== 32) throw new Error('salt must be 32 bytes');
  if (!Array.isArray(counts) || counts.some((c) => !Number.isInteger(c) || c < 0 || c > 0xffffffff)) throw new Error('counts must be u32 integers');
  return sha256(salt, u32(counts.length), ...counts.map(u32));
}

const HEX64 = /^[0-9a-f]{64}$/;

export function normalise(rec) {
  const resp = Array.isArray(rec.respondents) ? rec.respondents : null;
  const lot = rec.lottery && typeof rec.lottery === 'object' ? rec.lottery : {};
  return {
    format: rec.format,
    categories: Array.isArray(rec.categories) ? rec.categories : [],
    respondents: resp,
    commitments: resp ? resp.map((x) => x && x.commitment) : null,
    probabilities: resp ? resp.map((x) => x && x.probability) : null,
    root: rec.commitment_root,
    quotas: Array.isArray(rec.quotas) ? rec.quotas : [],
    k: rec.k,
    m: rec.m,
    lottery: Array.isArray(lot.panels) ? lot.panels : [],
    // pnyx-draw/2: declared quota counts per panel (null when absent: a /2
    // record without them fails the panels step)
    v2: rec.format === 'pnyx-draw/2',
    counts: rec.format === 'pnyx-draw/2' ? (Array.isArray(lot.counts) ? lot.counts : null) : undefined,
    // pnyx-draw/3: one commitment per panel to its counts (null when
    // absent: the panels step fails), and the drawn panel's counts and salt
    // once drawn (undefined before)
    v3: rec.format === 'pnyx-draw/3',
    countCommitments: rec.format === 'pnyx-draw/3' ? (Array.isArray(lot.count_commitments) ? lot.count_commitments : null) : undefined,
    panelCounts: rec.format === 'pnyx-draw/3' && rec.panel_counts !== null ? rec.panel_counts : undefined,
    lotterySha: lot.sha256,
    certificate: lot.certificate,
    // Before the draw these are null: nothing to check yet, not a failure.
    beacon: rec.randomness && rec.randomness.beacon ? rec.randomness.beacon.root : undefined,
    reveals: Array.isArray(rec.reveals) ? rec.reveals : [],
    dropped: Array.isArray(rec.dropped) ? rec.dropped : null,
    optimum: resp && resp.every((x) => x && typeof x.optimum === 'number') ? resp.map((x) => x.optimum) : null,
    seed: rec.seed === null ? undefined : rec.seed,
    index: rec.index === null ? undefined : rec.index,
    chosen: rec.panel === null ? undefined : rec.panel,
  };
}

const ok = (id, params) => ({ id, status: 'verified', params });
const bad = (id, params) => ({ id, status: 'failed', params });
const skip = (id, params) => ({ id, status: 'skipped', params });

// The certificate's optimality claim (issue 14): optimal and gap, when
// the certificate has them (lotteries published before do not: skipped),
// agree as pnyx-sortition --verify checks them: gap a number >= 0, optimal
// exactly when gap is 0, every level's gap in [0, gap] and the largest
// equal to it. Whether the levels' bounds hold needs an ILP: not here.
// variant: 'proven' or 'gap' (params.gap in percentage points).
export function checkCertificate(cert) {
  if (!cert || typeof cert !== 'object' || (!('optimal' in cert) && !('gap' in cert))) return skip('certificate');
  const g = cert.gap;
  if (typeof cert.optimal !== 'boolean' || typeof g !== 'number' || !Number.isFinite(g) || g < 0 || cert.optimal !== (g === 0)) return bad('certificate', {});
  const gaps = (Array.isArray(cert.levels) ? cert.levels : []).filter((l) => l && typeof l === 'object' && 'gap' in l).map((l) => l.gap);
  if (gaps.some((x) => typeof x !== 'number' || !(x >= 0) || x > g)) return bad('certificate', {});
  if (gaps.length && Math.max(...gaps) !== g) return bad('certificate', {});
  return { ...ok('certificate', { gap: g * 100 }), variant: g === 0 ? 'proven' : 'gap' };
}

// Check a record step by step, each step one link of the chain, so a
// wrong link is named rather than its consequences. Returns [{id, status:
// verified|failed|skipped, params}] for: rules (quotas, k, m, method as
// committed), commitments (their root), lottery (its hash), certificate
// (its optimality claim agrees with itself), private (/3 only: no
// respondent's values or household, no panel's counts), panels (k
// distinct ascending respondents, quotas, households; /3: shape only),
// counts and quotas (/3 only: the drawn panel's revealed counts open its
// count commitment and meet the quotas), probabilities
// (panel count / m), reveals (each opens its commitment, in order), seed,
// index, chosen (= lottery[index]). A step that cannot be done from what
// is given is "skipped", never "verified".
//
// `log`, when given, holds what the assembly's log says of this round
// (entries whose inclusion the caller verified): {committed, published,
// drawn: the data of selection.committed / .published / .drawn, reveals:
// [{commitment, value}] of the selection.randomness_revealed entries,
// commitments: those of the selection.randomness_committed entries};
// every value the record shares with the log must then be the same.
export async function checkDraw(recIn, log = null) {
  const r = normalise(recIn && typeof recIn === 'object' ? recIn : {});
  const L = log || {};
  const out = [];
  // the rules fixed at commitment
  if (!L.committed) out.push(skip('rules'));
  else {
    const c = L.committed;
    const quotasAsCommitted = canonicalJson(c.quotas === undefined ? null : c.quotas) === canonicalJson(r.quotas);
    const same = quotasAsCommitted && c.k === r.k && c.m === r.m
      && c.method === recIn.method && canonicalJson(c.categories ?? null) === canonicalJson(r.categories);
    out.push(same ? ok('rules', { k: r.k, m: r.m }) : bad('rules', { k: r.k, m: r.m }));
  }
  // 1–2. the commitments' root
  if (!r.commitments || r.root === undefined) out.push(skip('commitments'));
  else {
    try {
      const root = await commitmentRoot(r.commitments.map(bytes32));
      const inLog = !L.committed || equal(root, bytes32(L.committed.commitment_root));
      out.push(equal(root, bytes32(r.root)) && inLog ? ok('commitments', { n: r.commitments.length }) : bad('commitments', { n: r.commitments.length }));
    } catch { out.push(bad('commitments', { n: r.commitments.length })); }
  }
  // the lottery as published (its hash is in the publication entry)
  if (r.lotterySha === undefined || !r.probabilities) out.push(skip('lottery'));
  else {
    try {
      // /2 hashes the counts, /3 the count commitments, /1 neither
      const counts = r.v2 ? (r.counts || []) : undefined;
      const sealed = r.v3 ? (r.countCommitments || []) : undefined;
      const got = await lotteryHash(r.certificate, r.lottery, r.probabilities, counts, sealed);
      const inLog = !L.published || equal(got, bytes32(L.published.lottery_sha256));
      out.push(equal(got, bytes32(r.lotterySha)) && inLog ? ok('lottery', { m: r.lottery.length }) : bad('lottery', { m: r.lottery.length }));
    } catch { out.push(bad('lottery', { m: r.lottery.length })); }
  }
  out.push(checkCertificate(r.certificate));
  // pnyx-draw/3 only: nothing it withholds is published
  if (r.v3) out.push(checkPrivate(recIn));
  out.push(checkPanels(r));
  // pnyx-draw/3 only: the drawn panel's revealed counts, then its quotas
  if (r.v3) out.push(...await checkRevealedCounts(r));
  // probabilities: each is its panel count / m
  if (!r.probabilities || !r.lottery.length) out.push(skip('probabilities'));
  else {
    const count = new Array(r.probabilities.length).fill(0);
    for (const p of r.lottery) for (const i of Array.isArray(p) ? p : []) if (i >= 0 && i < count.length) count[i] += 1;
    const wrong = r.probabilities.findIndex((p, i) => typeof p !== 'number' || Math.abs(p - count[i] / r.lottery.length) > 1e-9);
    out.push(wrong < 0 ? ok('probabilities', { n: count.length }) : bad('probabilities', { row: wrong + 1 }));
  }
  // the rounding to m panels keeps every chance within k/m of the optimum
  if (!r.optimum || !r.probabilities || !Number.isInteger(r.k) || !Number.isInteger(r.m)) out.push(skip('rounding'));
  else {
    let worst = 0;
    r.probabilities.forEach((p, i) => { worst = Math.max(worst, Math.abs(p - r.optimum[i])); });
    const bound = r.k / r.m;
    out.push(worst <= bound + 1e-9 ? ok('rounding', { worst: +(worst * 100).toFixed(3), bound: +(bound * 100).toFixed(3), m: r.m }) : bad('rounding', { worst: +(worst * 100).toFixed(3), bound: +(bound * 100).toFixed(3) }));
  }
  // 3. reveals open their commitments, in ascending order, and are the
  // ones the log shows; with the dropped ones they are every commitment
  // the log received; the seed
  let seedBytes = null;
  try {
    const reveals = [];
    let good = true;
    let prev = null;
    for (const x of r.reveals) {
      const v = bytes32(x.value);
      const c = await sha256(v);
      if (x.commitment !== undefined && !equal(c, bytes32(x.commitment))) good = false;
      if (prev && compare(prev, c) >= 0) good = false;
      prev = c;
      reveals.push(v);
    }
    if (Array.isArray(L.reveals)) {
      const mine = new Set(reveals.map((v) => hex(v)));
      const theirs = new Set(L.reveals.map((x) => hex(bytes32(x.value))));
      if (mine.size !== theirs.size || [...mine].some((v) => !theirs.has(v))) good = false;
    }
    if (Array.isArray(L.commitments) && r.dropped) {
      const all = new Set([...r.reveals.map((x) => hex(bytes32(x.commitment))), ...r.dropped.map((c) => hex(bytes32(c)))]);
      const logged = new Set(L.commitments.map((c) => hex(bytes32(c))));
      if (all.size !== logged.size || [...all].some((c) => !logged.has(c))) good = false;
    }
    const dropped = r.dropped ? r.dropped.length : 0;
    out.push(good ? ok('reveals', { n: reveals.length, dropped }) : bad('reveals', { n: reveals.length, dropped }));
    if (r.beacon === undefined || r.seed === undefined) out.push(skip('seed'));
    else {
      const s = await deriveSeed(bytes32(r.beacon), reveals);
      seedBytes = bytes32(r.seed);
      const inLog = !L.drawn || (equal(seedBytes, bytes32(L.drawn.seed)) && equal(bytes32(r.beacon), bytes32(L.drawn.beacon.root)));
      out.push(equal(s, seedBytes) && inLog ? ok('seed') : bad('seed'));
    }
  } catch {
    out.push(bad('reveals', { n: r.reveals.length }));
    out.push(bad('seed'));
  }
  // 4. the index follows from the seed as recorded
  if (!seedBytes || !Number.isSafeInteger(r.m) || r.m < 1) out.push(skip('index'));
  else {
    try {
      const got = await drawIndex(seedBytes, r.m);
      const inLog = !L.drawn || L.drawn.index === r.index;
      out.push(got.index === r.index && inLog ? ok('index', { index: got.index, m: r.m, tries: got.tries }) : bad('index', { index: got.index, m: r.m, tries: got.tries }));
    } catch { out.push(bad('index', { index: '', m: r.m, tries: 0 })); }
  }
  // 5. the chosen panel is lottery[index], the index as recorded; the log
  // names it by pseudonyms
  const expected = Number.isInteger(r.index) ? r.lottery[r.index] : undefined;
  if (!Array.isArray(r.chosen) || !Array.isArray(expected)) out.push(Array.isArray(r.chosen) && r.lottery.length ? bad('chosen', { index: r.index }) : skip('chosen'));
  else {
    let inLog = true;
    if (L.drawn && Array.isArray(L.drawn.panel)) {
      const names = r.chosen.map((i) => (r.respondents && r.respondents[i] ? r.respondents[i].pseudonym : null));
      inLog = sameNames(names, L.drawn.panel);
    }
    out.push(sameList(r.chosen, expected) && inLog ? ok('chosen', { index: r.index }) : bad('chosen', { index: r.index }));
  }
  return out;
}

function sameNames(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => Number(x) === Number(b[i]));
}

function checkPanels(r) {
  if (!r.lottery.length || !Number.isInteger(r.k)) return skip('panels');
  if (Number.isInteger(r.m) && r.lottery.length !== r.m) return bad('panels', { panel: r.lottery.length });
  const resp = r.respondents || [];
  const n = resp.length;
  if (r.v2 && (!r.counts || r.counts.length !== r.lottery.length)) return bad('panels', { panel: 0 });
  if (r.v3) {
    // one count commitment per panel, as 64 lowercase hex digits
    if (!r.countCommitments || r.countCommitments.length !== r.lottery.length) return bad('panels', { panel: 0 });
    const wrong = r.countCommitments.findIndex((c) => typeof c !== 'string' || !HEX64.test(c));
    if (wrong >= 0) return bad('panels', { panel: wrong });
  }
  for (const [pi, p] of r.lottery.entries()) {
    if (!Array.isArray(p) || p.length !== r.k) return bad('panels', { panel: pi });
    for (let i = 0; i < p.length; i += 1) {
      if (!Number.isInteger(p[i]) || p[i] < 0 || p[i] >= n || (i && p[i] <= p[i - 1])) return bad('panels', { panel: pi });
    }
    // /3: shape only; nothing of a panel's make-up is published
    if (r.v3) continue;
    if (r.v2) {
      // the declared counts: one per quota row, within it, k per category
      const c = r.counts[pi];
      if (!Array.isArray(c) || c.length !== r.quotas.length) return bad('panels', { panel: pi });
      if (r.quotas.some((q, qi) => !Number.isInteger(c[qi]) || c[qi] < q.min || c[qi] > q.max)) return bad('panels', { panel: pi });
      if (r.categories.some((cat) => r.quotas.reduce((s, q, qi) => s + (q.category === cat ? c[qi] : 0), 0) !== r.k)) return bad('panels', { panel: pi });
      continue;
    }
    for (const q of r.quotas) {
      const ci = r.categories.indexOf(q.category);
      const c = p.filter((i) => Array.isArray(resp[i].values) && resp[i].values[ci] === q.feature).length;
      if (c < q.min || c > q.max) return bad('panels', { panel: pi });
    }
    const hh = p.map((i) => resp[i].household).filter((x) => typeof x === 'string' && x !== '');
    if (new Set(hh).size !== hh.length) return bad('panels', { panel: pi });
  }
  // /2: the quotas were checked on the declared counts only (variant);
  // /3: on no panel here (variant), on the drawn one by the quotas step
  if (r.v3) return { ...ok('panels', { m: r.lottery.length, k: r.k }), variant: 'sealed' };
  return r.v2 ? { ...ok('panels', { m: r.lottery.length, k: r.k }), variant: 'declared' } : ok('panels', { m: r.lottery.length, k: r.k });
}

// pnyx-draw/3, after the draw: `panel_counts` {counts, salt} must open
// count_commitments[index] (step "counts", index as recorded: the index
// step checks it follows from the seed), and those counts must each lie
// within their quota row, each category's summing to k (step "quotas").
// The quotas are checked on the revealed counts even when they do not open
// the commitment: both failures are then shown. Before the draw
// (index null) both are skipped; drawn without panel_counts, both fail.
// pnyx-draw/3 publishes no respondent's values nor household and no
// panel's counts but the drawn one's (api-spec/draw.md §5): a record that
// carries any of them leaks what the format exists to withhold, and
// pnyx-sortition --verify refuses it as not a /3 record (codec/json/draw.c).
export function checkPrivate(rec) {
  const resp = Array.isArray(rec.respondents) ? rec.respondents : [];
  const own = (o, k) => o !== null && typeof o === 'object' && Object.hasOwn(o, k);
  const leaks = resp.some((x) => own(x, 'values') || own(x, 'household')) || own(rec.lottery, 'counts');
  return leaks ? bad('private', {}) : ok('private', {});
}

async function checkRevealedCounts(r) {
  if (!Number.isInteger(r.index)) return [skip('counts'), skip('quotas')];
  const index = r.index;
  const pc = r.panelCounts;
  const counts = pc && typeof pc === 'object' && Array.isArray(pc.counts) ? pc.counts : null;
  const wellFormed = counts && counts.length === r.quotas.length && counts.every((c) => Number.isInteger(c) && c >= 0 && c <= 0xffffffff);
  let opens = false;
  try {
    const cc = r.countCommitments && r.countCommitments[index];
    if (wellFormed && typeof pc.salt === 'string' && HEX64.test(pc.salt) && typeof cc === 'string' && HEX64.test(cc)) {
      opens = hex(await countCommitment(fromHex(pc.salt), counts)) === cc;
    }
  } catch { opens = false; }
  const out = [opens ? ok('counts', { index }) : bad('counts', { index })];
  if (!wellFormed || !Number.isInteger(r.k)) out.push(bad('quotas', { index, k: r.k ?? '' }));
  else {
    const within = r.quotas.every((q, qi) => q && counts[qi] >= q.min && counts[qi] <= q.max);
    const sums = r.categories.every((cat) => r.quotas.reduce((s, q, qi) => s + (q.category === cat ? counts[qi] : 0), 0) === r.k);
    out.push(within && sums ? ok('quotas', { index, k: r.k, n: r.quotas.length }) : bad('quotas', { index, k: r.k }));
  }
  return out;
}

// A respondent's own check: their receipt {pseudonym, salt, values,
// household} gives their commitment, which must be the one the record
// lists for that pseudonym; in pnyx-draw/2 every panel they are on must
// also count their own value of each category (the published counts are
// otherwise only the organiser's word). In pnyx-draw/3 only the drawn
// panel has published counts: if they are on it, those must count them;
// the other panels have nothing to check (v3.others says how many they are
// on, v3.drawn whether the draw has happened). Returns {status: 'ok',
// index, probability, selected, panels, v3?: {drawn, counted, others}} or
// {status: 'failed', reason: format|not_found|no_list|counts|drawn_counts}.
export async function checkOwn(recIn, receipt) {
  const r = normalise(recIn && typeof recIn === 'object' ? recIn : {});
  if (!r.respondents) return { status: 'failed', reason: 'no_list' };
  let mine;
  try {
    const values = Array.isArray(receipt.values) ? receipt.values : r.categories.map((c) => receipt.values[c]);
    if (values.length !== r.categories.length || values.some((v) => typeof v !== 'string')) return { status: 'failed', reason: 'format' };
    mine = await respondentCommitment(bytes32(receipt.salt), receipt.pseudonym, r.categories, values, receipt.household);
  } catch { return { status: 'failed', reason: 'format' }; }
  const index = r.respondents.findIndex((x) => x && x.pseudonym === receipt.pseudonym);
  let c = null;
  try { c = index >= 0 ? bytes32(r.respondents[index].commitment) : null; } catch { c = null; }
  if (!c || !equal(c, mine)) return { status: 'failed', reason: 'not_found' };
  const values = Array.isArray(receipt.values) ? receipt.values : r.categories.map((cat) => receipt.values[cat]);
  // Does a count vector count this respondent's value of every category?
  const countsMe = (cnt) => Array.isArray(cnt) && r.categories.every((cat, ci) => {
    const qi = r.quotas.findIndex((q) => q.category === cat && q.feature === values[ci]);
    return qi >= 0 && Number.isInteger(cnt[qi]) && cnt[qi] >= 1;
  });
  const selected = Array.isArray(r.chosen) && r.chosen.map(Number).includes(index);
  let onPanels = 0;
  for (const [pi, p] of r.lottery.entries()) {
    if (!Array.isArray(p) || !p.map(Number).includes(index)) continue;
    onPanels += 1;
    if (!r.v2) continue;
    if (!countsMe(r.counts && r.counts[pi])) return { status: 'failed', reason: 'counts', index };
  }
  let v3;
  if (r.v3) {
    // Only the drawn panel's counts are published: checked when on it.
    const drawn = Number.isInteger(r.index) || Array.isArray(r.chosen);
    if (selected && !countsMe(r.panelCounts && typeof r.panelCounts === 'object' ? r.panelCounts.counts : null)) {
      return { status: 'failed', reason: 'drawn_counts', index };
    }
    v3 = { drawn, counted: selected, others: onPanels - (selected ? 1 : 0) };
  }
  return {
    status: 'ok',
    index,
    panels: onPanels,
    probability: r.respondents[index].probability,
    selected,
    ...(v3 ? { v3 } : {}),
  };
}
