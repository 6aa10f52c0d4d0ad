// SPDX-License-Identifier: AGPL-3.0-or-later
// Unit tests (node only, no browser, no server) of the pure parts of the
// question pages (issue 11): the voter's own check (static/js/questions/
// ballotcheck.js) against reference hashes and RFC 9162 audit paths built
// here with node:crypto (spec_ref.mjs), the ranking moves the ballot page
// offers (questions/rank.js), the rounds the results chart draws
// (questions/chart.js), and the percent → exact decimal of the form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as bc from '../../static/js/questions/ballotcheck.js';
import * as rank from '../../static/js/questions/rank.js';
import * as chart from '../../static/js/questions/chart.js';
import { leafHash, mth, split, sha256 } from './spec_ref.mjs';

const hexOf = (b) => Buffer.from(b).toString('hex');

// RFC 9162 §2.1.3.1 PATH(m, D[n]), the reference audit path.
function path(m, leaves) {
  const n = leaves.length;
  if (n <= 1) return [];
  const k = split(n);
  if (m < k) return [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))];
  return [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

test('receipt: SHA-256 of the RFC 8785 text {nonce, question, ranking}, written out by hand', async () => {
  const r = { question: 42, ranking: ['C', 'A', 'AB'], nonce: '00112233445566778899aabbccddeeff' };
  const text = '{"nonce":"00112233445566778899aabbccddeeff","question":42,"ranking":["C","A","AB"]}';
  assert.equal(bc.receiptInput(r), text);
  assert.equal(await bc.receiptOf(r), crypto.createHash('sha256').update(text).digest('hex'));
  // Key order never depends on how the object was written.
  assert.equal(bc.receiptInput({ ranking: r.ranking, nonce: r.nonce, question: 42 }), text);
  assert.equal(bc.boardEntry({ receipt: 'ab'.repeat(32), ranking: ['B'], country: 'ZZ' }), `{"country":"ZZ","ranking":["B"],"receipt":"${'ab'.repeat(32)}"}`);
  assert.throws(() => bc.jcs({ x: 0.5 }));
});

test('parseReceipt takes the downloaded file and nothing else', () => {
  const good = { question: 7, ranking: ['A'], nonce: 'a'.repeat(32), receipt: 'b'.repeat(64) };
  assert.deepEqual(bc.parseReceipt(JSON.stringify(good, null, 2)), good);
  for (const bad of ['', 'null', '[]', '{"question":7}',
    JSON.stringify({ ...good, question: '7' }), JSON.stringify({ ...good, ranking: [] }), JSON.stringify({ ...good, ranking: ['a'] }),
    JSON.stringify({ ...good, nonce: 'A'.repeat(32) }), JSON.stringify({ ...good, receipt: 'b'.repeat(63) })]) {
    assert.equal(bc.parseReceipt(bad), null, bad);
  }
});

async function board(n) {
  const entries = [];
  for (let i = 0; i < n; i += 1) {
    const r = { question: 9, ranking: [['A', 'B', 'C'][i % 3], 'D'].slice(0, 1 + (i % 2)), nonce: crypto.randomBytes(16).toString('hex') };
    r.receipt = crypto.createHash('sha256').update(bc.receiptInput(r)).digest('hex');
    entries.push({ r, entry: { receipt: r.receipt, ranking: r.ranking, country: i % 4 ? 'DE' : 'ZZ' } });
  }
  entries.sort((x, y) => (x.entry.receipt < y.entry.receipt ? -1 : 1));
  const leaves = entries.map((e) => leafHash(bc.boardEntry(e.entry)));
  return { entries, leaves, root: hexOf(mth(leaves)) };
}

test('checkBallot: every ballot of boards of 1..13 verifies against the reference tree', async () => {
  for (let n = 1; n <= 13; n += 1) {
    const b = await board(n);
    for (let i = 0; i < n; i += 1) {
      const found = { entry: b.entries[i].entry, index: i, size: n, root: b.root, proof: path(i, b.leaves).map(hexOf) };
      const steps = await bc.checkBallot(b.entries[i].r, found);
      assert.deepEqual(steps.map((s) => s.status), ['verified', 'verified', 'verified'], `n=${n} i=${i}`);
    }
  }
});

test('checkBallot fails what must fail', async () => {
  const b = await board(6);
  const i = 3;
  const good = { entry: b.entries[i].entry, index: i, size: 6, root: b.root, proof: path(i, b.leaves).map(hexOf) };
  const mine = b.entries[i].r;
  const status = async (r, f) => (await bc.checkBallot(r, f)).map((s) => s.status);
  // A receipt file whose ranking was edited: the receipt no longer matches, nor the board.
  assert.deepEqual(await status({ ...mine, ranking: ['D'] }, good), ['failed', 'failed', 'verified']);
  // Not on the board.
  assert.deepEqual(await status(mine, null), ['verified', 'failed', 'skipped']);
  // The board shows another ranking under my receipt (and a proof for that entry).
  const swapped = { ...good, entry: { ...good.entry, ranking: ['Z'] } };
  assert.deepEqual(await status(mine, swapped), ['verified', 'failed', 'failed']);
  // Wrong index, a size the path cannot fit, a short proof, another root, a flipped country.
  assert.equal((await status(mine, { ...good, index: 2 }))[2], 'failed');
  // (A wrong size can still verify — trees of 5 and 7 leaves share this path — so
  // the size is checked against the question.closed entry, below.)
  assert.equal((await status(mine, { ...good, size: 4 }))[2], 'failed');
  assert.equal((await status(mine, { ...good, proof: good.proof.slice(1) }))[2], 'failed');
  assert.equal((await status(mine, { ...good, root: hexOf(sha256(Buffer.from('x'))) }))[2], 'failed');
  assert.equal((await status(mine, { ...good, entry: { ...good.entry, country: good.entry.country === 'DE' ? 'FR' : 'DE' } }))[2], 'failed');
  assert.equal((await status(mine, { ...good, proof: ['zz'] }))[2], 'failed');
});

test('closedEntryMatches reads the question.closed entry', () => {
  const e = (d, kind = 'question.closed') => JSON.stringify({ kind, data: d });
  const root = 'c'.repeat(64);
  assert.equal(bc.closedEntryMatches(e({ question: 5, board_root: root, board_size: 3, ballots: 3 }), 5, root, 3), true);
  assert.equal(bc.closedEntryMatches(e({ question: 5, board_root: root, board_size: 3 }), '5', root, '3'), true);
  assert.equal(bc.closedEntryMatches(e({ question: 6, board_root: root, board_size: 3 }), 5, root, 3), false);
  assert.equal(bc.closedEntryMatches(e({ question: 5, board_root: root, board_size: 4 }), 5, root, 3), false);
  assert.equal(bc.closedEntryMatches(e({ question: 5, board_root: 'd'.repeat(64), board_size: 3 }), 5, root, 3), false);
  assert.equal(bc.closedEntryMatches(e({ question: 5, board_root: root, board_size: 3 }, 'question.opened'), 5, root, 3), false);
  assert.equal(bc.closedEntryMatches('not json', 5, root, 3), false);
});

test('ranking moves: place, move, add, remove, the cap on ranks', () => {
  assert.deepEqual(rank.placeAt(['A', 'B', 'C'], 'C', 1), ['C', 'A', 'B']);
  assert.deepEqual(rank.placeAt(['A', 'B', 'C'], 'A', 3), ['B', 'C', 'A']);
  assert.deepEqual(rank.placeAt(['A', 'B', 'C'], 'A', 99), ['B', 'C', 'A']);
  assert.deepEqual(rank.placeAt(['A', 'B'], 'D', 2), ['A', 'D', 'B']);
  assert.deepEqual(rank.placeAt(['A', 'B'], 'D', 0), ['D', 'A', 'B']);
  assert.equal(rank.placeAt(['A', 'B'], 'D', 1, 2), null);
  assert.deepEqual(rank.placeAt(['A', 'B'], 'B', 1, 2), ['B', 'A'], 'reordering under the cap is fine');
  assert.deepEqual(rank.move(['A', 'B', 'C'], 'B', -1), ['B', 'A', 'C']);
  assert.deepEqual(rank.move(['A', 'B', 'C'], 'B', 1), ['A', 'C', 'B']);
  assert.deepEqual(rank.move(['A', 'B', 'C'], 'A', -1), ['A', 'B', 'C']);
  assert.deepEqual(rank.move(['A', 'B', 'C'], 'C', 1), ['A', 'B', 'C']);
  assert.deepEqual(rank.add(['A'], 'C'), ['A', 'C']);
  assert.deepEqual(rank.add(['A'], 'A'), ['A']);
  assert.equal(rank.add(['A'], 'C', 1), null);
  assert.deepEqual(rank.remove(['A', 'B'], 'A'), ['B']);
  const input = ['A', 'B'];
  rank.placeAt(input, 'B', 1);
  assert.deepEqual(input, ['A', 'B'], 'inputs are never changed');
  assert.deepEqual(rank.unranked([{ id: 'A' }, { id: 'B', excluded: true }, { id: 'C' }], ['C']).map((o) => o.id), ['A']);
  assert.equal(rank.maxRanks({ options: [{}, {}, { excluded: true }], max_rankings: null }), 2);
  assert.equal(rank.maxRanks({ options: [{}, {}, {}], max_rankings: 2 }), 2);
});

test('option ids by position: A..Z, AA..AZ, BA.. as the server assigns them', () => {
  assert.equal(rank.optionId(0), 'A');
  assert.equal(rank.optionId(25), 'Z');
  assert.equal(rank.optionId(26), 'AA');
  assert.equal(rank.optionId(51), 'AZ');
  assert.equal(rank.optionId(52), 'BA');
  assert.equal(rank.optionId(99), 'CV');
  assert.equal(new Set(Array.from({ length: 100 }, (_, i) => rank.optionId(i))).size, 100);
});

test('rounds of the results chart from a pnyx-tally §10 result', () => {
  // ELECTION-FORMAT.md §10.1.
  const result = { winners: ['A'], rounds: [
    { round: 1, tally: { A: 3, B: 3, C: 2 }, exhausted: 0, elected: [], eliminated: ['C'], threshold: 5, transfers: { C: { B: 1, A: 1 } } },
    { round: 2, tally: { A: 4, B: 4 }, exhausted: 0, elected: ['A'], eliminated: [], threshold: 5, transfers: { A: {} } }] };
  const rs = chart.rounds(result);
  assert.deepEqual(rs.map((r) => r.tally), [[['A', 3], ['B', 3], ['C', 2]], [['A', 4], ['B', 4]]]);
  assert.deepEqual(chart.optionsSeen(rs), ['A', 'B', 'C']);
  assert.equal(chart.scaleMax(rs), 5);
  assert.deepEqual(rs[0].transfers, { C: { B: 1, A: 1 } });
  assert.equal(chart.scaleMax(chart.rounds({ rounds: [{ round: 1, tally: { A: 5.9998 }, exhausted: 7 }] })), 7);
  assert.deepEqual(chart.rounds({}), []);
});

test('percent in the form → the exact decimal the API takes', async () => {
  // questions.js imports the DOM modules; its helper is pure, so read it from the source.
  const src = (await import('node:fs')).readFileSync(new URL('../../static/js/pages/questions.js', import.meta.url), 'utf8');
  const body = src.slice(src.indexOf('export function shareOf'), src.indexOf('\n}\n', src.indexOf('export function shareOf')) + 2);
  const shareOf = new Function(`${body.replace('export ', '')}; return shareOf;`)();
  const cases = [['50', '0.5'], ['25', '0.25'], ['100', '1'], ['33.33', '0.3333'], ['5', '0.05'], ['0', '0'], ['12.5', '0.125'], ['', null]];
  for (const [i, o] of cases) assert.equal(shareOf(i), o, i);
});
