// SPDX-License-Identifier: AGPL-3.0-or-later
// Issue 12's independent auditor, run literally: a client that knows only
// RFC 9162, RFC 8785, C2SP signed notes, api-spec/record.md,
// api-spec/questions.md and /work/shared ELECTION-FORMAT.md verifies a
// downloaded record (pnyx-record/1) of a live pnyxd end to end — log,
// checkpoint signature, frozen texts, the sealed board, the seed, the result
// hash — and RE-COUNTS the IRV result from the board with its own instant
// runoff written from ELECTION-FORMAT.md §5 (one seat, pnyx-irv/1
// defaults: first continuing choice, threshold floor(V/2)+1 of the round's
// tally, eliminate the lowest). node:crypto only; no project code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { sha256, leafHash, mth } from './spec_ref.mjs';

const BASE = process.env.PNYX_BASE_URL || 'http://127.0.0.1:8080';

// RFC 8785 (see external_auditor.test.mjs for why this suffices here).
function jcs(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jcs).join(',')}]`;
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${jcs(v[k])}`).join(',')}}`;
}

// C2SP signed note: body, blank line, "— <name> base64(keyid[4] ‖ sig[64])".
function noteVerifies(text, name, pub) {
  const split = text.indexOf('\n\n');
  const body = text.slice(0, split + 1);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]);
  const key = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
  let ok = 0;
  for (const line of text.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const raw = Buffer.from(m[2], 'base64');
    if (raw.length === 68 && crypto.verify(null, Buffer.from(body, 'utf8'), key, raw.subarray(4))) ok += 1;
  }
  const [origin, size, root] = body.split('\n');
  return { ok, origin, size: Number(size), root: Buffer.from(root, 'base64') };
}

// tally_seed_from_root as README "Rules ids and Pnyx's defaults" states it:
// the first 6 bytes of the root, big-endian, as a 48-bit two's complement.
function seedFromRoot(root) {
  let u = 0n;
  for (let i = 0; i < 6; i += 1) u = (u << 8n) | BigInt(root[i]);
  return u >= 1n << 47n ? u - (1n << 48n) : u;
}

// Instant runoff, one seat (ELECTION-FORMAT.md §5): each round counts every
// ballot for its first continuing choice (exhausted when none is left);
// V = the round's tally sum; elected when tally >= floor(V/2)+1; else the
// lowest is eliminated (the test's ballots never tie).
function irv(options, ballots) {
  const continuing = new Set(options);
  const rounds = [];
  for (;;) {
    const tally = Object.fromEntries(options.filter((o) => continuing.has(o)).map((o) => [o, 0]));
    for (const b of ballots) {
      const r = b.find((o) => continuing.has(o));
      if (r !== undefined) tally[r] += 1;
    }
    const v = Object.values(tally).reduce((a, x) => a + x, 0);
    const threshold = Math.floor(v / 2) + 1;
    const top = Object.entries(tally).sort((a, b) => b[1] - a[1])[0];
    if (top[1] >= threshold) {
      rounds.push({ tally, elected: [top[0]], eliminated: [] });
      return { winners: [top[0]], rounds };
    }
    const low = Object.entries(tally).sort((a, b) => a[1] - b[1]);
    assert.notEqual(low[0][1], low[1][1], 'the test ballots never tie for last');
    continuing.delete(low[0][0]);
    rounds.push({ tally, elected: [], eliminated: [low[0][0]] });
  }
}

async function call(method, path, { token, body } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const ct = r.headers.get('content-type') || '';
  return { status: r.status, text, json: ct.includes('json') && text ? JSON.parse(text) : undefined };
}

async function person(name, country) {
  const email = `${name.toLowerCase().replace(/[^a-z]/g, '')}-${crypto.randomBytes(5).toString('hex')}@example.net`;
  const password = `${crypto.randomBytes(9).toString('base64')} audit trail`;
  const reg = await call('POST', '/api/v1/accounts', { body: { email, password, display_name: name, country, languages: ['en'] } });
  assert.equal(reg.status, 201, reg.text);
  const s = await call('POST', '/api/v1/sessions', { body: { email, password } });
  assert.equal(s.status, 201, s.text);
  return { id: reg.json.id, token: s.json.token };
}

test('an outside auditor verifies a downloaded record and re-counts its IRV result', async () => {
  const k = await call('GET', '/api/v1/audit/key');
  assert.equal(k.status, 200, k.text);
  const key = { name: k.json.name, pub: Buffer.from(k.json.public_key, 'base64') };

  const conv = await person('Rosa Conv', 'PT');
  const created = await call('POST', '/api/v1/assemblies', {
    token: conv.token,
    body: { title: 'Record audit', description: 'Counting «together»', visibility: 'public', join_policy: 'open', default_language: 'en' },
  });
  assert.equal(created.status, 201, created.text);
  const aid = created.json.id;
  // 11 ballots: first preferences A 5, B 3, C 2, D 1 — D's voter goes to B,
  // one C voter to A, the other stops: rounds A5 B3 C2 D1 → A5 B4 C2 → A6 B4.
  const rankings = [['A'], ['A', 'B'], ['A', 'C'], ['A'], ['A', 'D'], ['B'], ['B', 'A'], ['B', 'C'],
    ['C', 'A'], ['C'], ['D', 'B']];
  const countries = ['DE', 'FR', 'ES', 'IT', 'PL', 'DE', 'FR', 'ES', 'IT', 'PL', 'DE'];
  const voters = [];
  for (let i = 0; i < rankings.length; i += 1) {
    const p = await person(`Voter ${String.fromCharCode(65 + i)}`, countries[i]);
    const j = await call('POST', `/api/v1/assemblies/${aid}/join`, { token: p.token });
    assert.equal(j.status, 201, j.text);
    voters.push(p);
  }
  const closes = new Date(Date.now() + 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const q = await call('POST', `/api/v1/assemblies/${aid}/questions`, {
    token: conv.token,
    body: { title: 'Which first?', description: 'One seat.', language: 'en', method: 'irv', secrecy: 'secret', closes_at: closes,
      options: [{ label: 'Parks' }, { label: 'Schools' }, { label: 'Roads' }, { label: 'Libraries' }] },
  });
  assert.equal(q.status, 201, q.text);
  const qid = q.json.id;
  assert.equal((await call('POST', `/api/v1/questions/${qid}/open`, { token: conv.token })).status, 200);
  const receipts = [];
  for (let i = 0; i < voters.length; i += 1) {
    const c = await call('POST', `/api/v1/questions/${qid}/ballots`, { token: voters[i].token, body: { ranking: rankings[i] } });
    assert.equal(c.status, 201, c.text);
    // the receipt recomputes from what the voter keeps (api-spec/questions.md)
    assert.equal(sha256(Buffer.from(jcs({ nonce: c.json.nonce, question: qid, ranking: rankings[i] }))).toString('hex'), c.json.receipt);
    receipts.push(c.json.receipt);
  }
  const closed = await call('POST', `/api/v1/questions/${qid}/close`, { token: conv.token, body: { reason: 'counted for the audit' } });
  assert.equal(closed.status, 200, closed.text);
  assert.equal(closed.json.state, 'tallied');

  // ---- the download: one file, checked without the server ----
  const dl = await call('GET', `/api/v1/assemblies/${aid}/record`);
  assert.equal(dl.status, 200, dl.text);
  const rec = JSON.parse(dl.text);
  assert.equal(rec.format, 'pnyx-record/1');
  assert.equal(dl.text, jcs(rec), 'the record is RFC 8785 canonical');
  assert.equal(rec.key.public_key, k.json.public_key, 'the record carries the key pinned out of band');

  // the log: leaf hashes, the newest checkpoint's signature and root
  const leaves = rec.entries.map((it, i) => {
    assert.equal(it.seq, i + 1);
    const leaf = leafHash(it.entry);
    assert.equal(leaf.toString('base64'), it.leaf_hash);
    return leaf;
  });
  const newest = rec.checkpoints[rec.checkpoints.length - 1];
  const cp = noteVerifies(newest.note, key.name, key.pub);
  assert.ok(cp.ok >= 1, 'the newest checkpoint is signed by the pinned key');
  assert.equal(cp.origin, rec.origin);
  assert.equal(cp.size, leaves.length);
  assert.ok(mth(leaves).equals(cp.root), 'the signed root covers every entry');

  const entries = rec.entries.map((it) => JSON.parse(it.entry));
  const of = (kind) => {
    // (ids in audit data are decimal strings; String() also reads an older number)
    const i = entries.findIndex((e) => e.kind === kind && String(e.data.question) === String(qid));
    assert.ok(i >= 0, `${kind} of question ${qid}`);
    return { seq: i + 1, data: entries[i].data };
  };
  const opened = of('question.opened');
  const close = of('question.closed');
  const pub = of('tally.published');
  assert.ok(opened.seq < close.seq && close.seq < pub.seq, 'opened, closed, then tallied');

  assert.equal(rec.questions.length, 1);
  const rq = rec.questions[0];
  assert.equal(rq.id, qid);
  // frozen texts
  assert.equal(sha256(Buffer.from(jcs(rq.texts))).toString('hex'), opened.data.texts_hash);
  assert.equal(rq.texts.texts.en.labels.B, 'Schools');
  assert.equal(rq.roll.size, opened.data.roll_size);
  assert.equal(rq.roll.root, opened.data.roll_root);
  // the board: sorted by receipt, root and size as signed at the close,
  // every voter's receipt on it with the ranking they cast
  assert.equal(rq.board.length, close.data.board_size);
  assert.equal(rq.board.length, close.data.ballots);
  assert.equal(close.data.voters, close.data.ballots);
  for (let i = 1; i < rq.board.length; i += 1) assert.ok(rq.board[i - 1].receipt < rq.board[i].receipt, 'sorted by receipt');
  const boardRoot = mth(rq.board.map((b) => leafHash(jcs(b))));
  assert.equal(boardRoot.toString('hex'), close.data.board_root);
  receipts.forEach((r, i) => {
    const b = rq.board.find((x) => x.receipt === r);
    assert.ok(b, `receipt ${i} is on the board`);
    assert.deepEqual(b.ranking, rankings[i]);
  });
  // the seed: from the log's root right after question.closed
  const seed = seedFromRoot(mth(leaves.slice(0, close.seq)));
  assert.equal(BigInt(pub.data.seed), seed);
  // the result: its hash is the signed one
  assert.equal(sha256(Buffer.from(rq.result, 'utf8')).toString('hex'), pub.data.result_hash);
  const result = JSON.parse(rq.result);
  assert.equal(BigInt(result.seed), seed);
  assert.equal(result.rules_id, 'pnyx-irv/1');
  assert.equal(result.board_root, close.data.board_root);

  // the re-count, from the board alone
  const mine = irv(['A', 'B', 'C', 'D'], rq.board.map((b) => b.ranking));
  assert.deepEqual(mine.winners, ['A']);
  assert.deepEqual(result.winners, mine.winners);
  assert.deepEqual(pub.data.winners, mine.winners);
  assert.equal(result.rounds.length, mine.rounds.length);
  mine.rounds.forEach((r, i) => {
    assert.deepEqual(result.rounds[i].tally, r.tally, `round ${i + 1} tally`);
    assert.deepEqual(result.rounds[i].elected, r.elected, `round ${i + 1} elected`);
    assert.deepEqual(result.rounds[i].eliminated, r.eliminated, `round ${i + 1} eliminated`);
  });
  assert.deepEqual(mine.rounds.map((r) => r.tally), [{ A: 5, B: 3, C: 2, D: 1 }, { A: 5, B: 4, C: 2 }, { A: 6, B: 4 }]);
});
