// SPDX-License-Identifier: AGPL-3.0-or-later
// What the assembly's signed log says of one round of a selection, checked
// here rather than believed: the latest checkpoint's Ed25519 signature;
// each of the round's entries (selection.committed, .published,
// .randomness_revealed, .drawn) recomputed from its text and proved
// included in that checkpoint (RFC 9162); and the beacon of the draw — the
// log's root at the size ending with the publication entry — proved a
// prefix of the signed log by a consistency proof. The result feeds
// drawcheck.checkDraw's `log`.
import { api } from '../api.js';
import * as v from '../verify.js';

const enc = encodeURIComponent;

// Every entry of the log, oldest first (the log of one assembly is small
// beside what a browser holds; pages of 200).
async function allEntries(base) {
  const items = [];
  let after = null;
  for (let i = 0; i < 500; i += 1) {
    const res = await api.get(`${base}/audit`, { query: { after, limit: 200 } });
    items.push(...res.items);
    after = res.next;
    if (!after) break;
  }
  return items;
}

function parse(text) {
  try { return JSON.parse(text); } catch { return null; }
}

// The log's entries of one round of a selection: [{item, e}] with e the
// parsed entry, oldest first.
export async function roundEntries(aid, sid, round) {
  const out = [];
  for (const item of await allEntries(`/api/v1/assemblies/${enc(aid)}`)) {
    const e = parse(item.entry);
    if (!e || typeof e.kind !== 'string' || !e.kind.startsWith('selection.') || !e.data) continue;
    if (String(e.data.selection) !== String(sid) || Number(e.data.round) !== Number(round)) continue;
    out.push({ item, e });
  }
  return out;
}

// Who took part in a round's commit–reveal, from the log: [{account,
// commitment, revealed}] in the order they committed.
export function participants(entries) {
  const revealed = new Set(entries.filter((m) => m.e.kind === 'selection.randomness_revealed').map((m) => m.e.data.commitment));
  return entries.filter((m) => m.e.kind === 'selection.randomness_committed')
    .map((m) => ({ account: String(m.e.actor), commitment: m.e.data.commitment, revealed: revealed.has(m.e.data.commitment) }));
}

// Returns {steps: [{id, status, params}] for checkpoint, entries and
// beacon, log: {committed, published, drawn, reveals} | null}.
export async function checkLog(aid, sid, round, record) {
  const base = `/api/v1/assemblies/${enc(aid)}`;
  const steps = [];
  let cp = null;
  try {
    const [key, note] = await Promise.all([api.get('/api/v1/audit/key'), api.get(`${base}/audit/checkpoint`, { accept: 'text/plain' })]);
    const res = await v.verifyCheckpoint(note, key);
    if (res.status === 'verified') cp = res.checkpoint;
    steps.push({ id: 'checkpoint', status: res.status === 'verified' ? 'verified' : res.status === 'unsupported' ? 'skipped' : 'failed', params: { size: res.checkpoint ? res.checkpoint.size : 0 } });
  } catch {
    steps.push({ id: 'checkpoint', status: 'failed', params: { size: 0 } });
  }
  let mine = [];
  try {
    mine = await roundEntries(aid, sid, round);
  } catch {
    steps.push({ id: 'entries', status: 'failed', params: { n: 0 } });
    steps.push({ id: 'beacon', status: 'skipped' });
    return { steps, log: null };
  }
  // Each entry: its leaf hash from its text, its inclusion in the checkpoint.
  let included = !!cp && mine.length > 0;
  if (cp) {
    for (const { item } of mine) {
      const index = Number(item.seq) - 1;
      try {
        const leaf = await v.leafHash(item.entry);
        if (index >= cp.size) { included = false; continue; }
        const p = await api.get(`${base}/audit/proof/inclusion`, { query: { index, size: cp.size } });
        if (!await v.verifyInclusion(leaf, index, cp.size, p.proof.map(v.decodeHash), cp.root)) included = false;
      } catch { included = false; }
    }
  }
  const one = (kind) => { const x = mine.filter((m) => m.e.kind === kind); return x.length ? x[x.length - 1] : null; };
  const committed = one('selection.committed');
  const published = one('selection.published');
  const drawn = one('selection.drawn');
  // A published round has its commit and publication entries, a drawn one
  // its draw entry too; one missing is a log that does not tell the story.
  if (record && (!committed || !published || (record.seed && !drawn))) included = false;
  steps.push({ id: 'entries', status: cp ? (included ? 'verified' : 'failed') : 'skipped', params: { n: mine.length } });
  // The beacon: the root at the size ending with the publication entry,
  // a prefix of the signed log.
  const beacon = record && record.randomness && record.randomness.beacon;
  if (!cp || !beacon || !published) steps.push({ id: 'beacon', status: 'skipped' });
  else {
    let good = Number(beacon.log_size) === Number(published.item.seq);
    try {
      const size = Number(beacon.log_size);
      const root = v.decodeHash(beacon.root);
      if (size === cp.size) good = good && v.equal(root, cp.root);
      else {
        const p = await api.get(`${base}/audit/proof/consistency`, { query: { from: size, to: cp.size } });
        good = good && await v.verifyConsistency(size, cp.size, p.proof.map(v.decodeHash), root, cp.root);
      }
    } catch { good = false; }
    steps.push({ id: 'beacon', status: good ? 'verified' : 'failed', params: { size: Number(beacon.log_size) } });
  }
  return {
    steps,
    log: {
      committed: committed ? committed.e.data : undefined,
      published: published ? published.e.data : undefined,
      drawn: drawn ? drawn.e.data : undefined,
      reveals: mine.filter((m) => m.e.kind === 'selection.randomness_revealed').map((m) => ({ commitment: m.e.data.commitment, value: m.e.data.value })),
      commitments: mine.filter((m) => m.e.kind === 'selection.randomness_committed').map((m) => m.e.data.commitment),
    },
  };
}
