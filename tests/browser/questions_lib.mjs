// SPDX-License-Identifier: AGPL-3.0-or-later
// Fixtures of the question page tests (issue 11) that do not need the
// question API: a question in each state, a count with rounds, transfers,
// countries, a cap and a double majority (ELECTION-FORMAT §10 shapes), a
// board of ballots with their RFC 9162 tree, and a signed log whose
// question.closed entry holds the board root — all built here with
// node:crypto (spec_ref.mjs) and served to the page by page.route().
import crypto from 'node:crypto';
import { leafHash, mth, split, keyId } from './spec_ref.mjs';

export const QID = 900001;
const hex = (b) => Buffer.from(b).toString('hex');
const b64 = (b) => Buffer.from(b).toString('base64');

// RFC 8785 for these plain objects: sorted keys, JSON.stringify values.
export function jcs(x) {
  if (Array.isArray(x)) return `[${x.map(jcs).join(',')}]`;
  if (x && typeof x === 'object') return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${jcs(x[k])}`).join(',')}}`;
  return JSON.stringify(x);
}
export const receiptOf = (question, ranking, nonce) => crypto.createHash('sha256').update(jcs({ nonce, question, ranking })).digest('hex');

// RFC 9162 §2.1.3.1 PATH(m, D[n]).
export function auditPath(m, leaves) {
  const n = leaves.length;
  if (n <= 1) return [];
  const k = split(n);
  if (m < k) return [...auditPath(m, leaves.slice(0, k)), mth(leaves.slice(k))];
  return [...auditPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

export function question(aid, over = {}) {
  return {
    id: QID, assembly_id: Number(aid), author_id: 1, state: 'open', version: 1,
    title: 'Which river project do we fund first?',
    description: 'Three projects were shortlisted after **two months** of deliberation.\n\n- one budget\n- one winner',
    language: 'en',
    translations: {
      ar: { title: 'أي مشروع نهري نموّله أولًا؟', description: 'ثلاثة مشاريع في القائمة القصيرة.', labels: { A: 'تنظيف دلتا الراين', B: 'استعادة أراضي الدانوب الرطبة', C: 'إنذار مشترك بالفيضانات' }, source: 'human' },
    },
    method: 'irv', seats: 1, secrecy: 'secret',
    options: [
      { id: 'A', label: 'Clean the Rhine delta', proposal_id: null, excluded: false },
      { id: 'B', label: 'Restore the Danube wetlands', proposal_id: null, excluded: false },
      { id: 'C', label: 'Shared flood warning', proposal_id: null, excluded: false },
      { id: 'D', label: 'Withdrawn project', proposal_id: null, excluded: true },
    ],
    max_rankings: null, quorum: { min_turnout: '0.5', min_countries: 2 }, country_cap: '0.35', double_majority: { min_country_share: '0.5' },
    adopts_proposals: false, rules_id: 'pnyx-irv/1',
    opens_at: null, closes_at: new Date(Date.now() + 3 * 3600e3 + 125e3).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    created_at: '2026-12-01T09:00:00Z', updated_at: '2026-12-01T09:00:00Z',
    opened_at: '2026-12-01T10:00:00Z', roll_size: 12, roll_root: 'a1'.repeat(32), texts_hash: 'b2'.repeat(32),
    closed_at: null, close_reason: null, ballots: null, board_root: null,
    me: { on_roll: true, voted: false },
    ...over,
  };
}

export function participation() {
  const people = [['Amara Diallo', 'SN', true], ['Bjørn Hansen', 'NO', false], ['ليلى حداد', 'LB', true], ['Chen Wei', 'CN', false]];
  return { roll_size: 12, voted: 7, items: people.map(([display_name, country, voted], i) => ({ account_id: i + 1, display_name, country, voted })), next: null };
}

// An IRV count of 10 ballots over three rounds, with countries, a cap and
// a double majority (the figures are consistent with each other).
export function result() {
  return {
    question: QID, status: 'tallied', method: 'irv', seats: 1, ballots: 10, roll_size: 12, turnout: '0.8333', countries: 3,
    rules_id: 'pnyx-irv/1', seed: 183204719, winners: ['B'], blank_ballots: 0,
    quorum: { min_turnout: '0.5', min_countries: 2, met: true }, board_root: 'c3'.repeat(32),
    rounds: [
      { round: 1, tally: { A: 4, B: 3, C: 3 }, exhausted: 0, elected: [], eliminated: ['C'], threshold: 6,
        inactive: { overvotes: 0, skipped_rankings: 0, exhausted_choices: 0, repeated_rankings: 0 }, transfers: { C: { B: 2, exhausted: 1 } } },
      { round: 2, tally: { A: 4, B: 5 }, exhausted: 1, elected: ['B'], eliminated: [], threshold: 5,
        inactive: { overvotes: 0, skipped_rankings: 0, exhausted_choices: 1, repeated_rankings: 0 }, transfers: { B: {} } },
    ],
    by_country: {
      DE: { ballots: 5, value: 5, first_preferences: { A: 2, B: 2, C: 1 }, final: { A: 2, B: 3 } },
      FR: { ballots: 3, value: 3, first_preferences: { A: 1, B: 1, C: 1 }, final: { A: 1, B: 1 } },
      ZZ: { ballots: 2, value: 2, first_preferences: { A: 1, B: 0, C: 1 }, final: { A: 1, B: 1 } },
    },
    country_cap: { cap: '0.35', factors: { DE: '0.7', FR: '1', ZZ: '1' } },
    double_majority: { min_country_share: '0.5', winner: 'B', runner_up: 'A', countries_considered: 2, countries_carried: 1, met: true,
      by_country: { DE: { winner: 3, runner_up: 2 }, FR: { winner: 1, runner_up: 2 } } },
  };
}

// A closed question's board: n ballots (one of them `mine` when given),
// sorted by receipt, with the tree; and a signed log of 3 entries whose
// last is question.closed {board_root, board_size}.
export function board(mine = null, n = 7) {
  const ballots = [];
  const rankings = [['A'], ['B', 'A'], ['C', 'B'], ['A', 'C', 'B'], ['B'], ['C'], ['B', 'C']];
  for (let i = 0; i < n; i += 1) {
    const nonce = crypto.randomBytes(16).toString('hex');
    const ranking = rankings[i % rankings.length];
    ballots.push({ receipt: receiptOf(QID, ranking, nonce), ranking, country: i % 3 ? 'DE' : 'ZZ' });
  }
  if (mine) ballots.push({ receipt: mine.receipt, ranking: mine.ranking, country: 'DE' });
  ballots.sort((x, y) => (x.receipt < y.receipt ? -1 : 1));
  const leaves = ballots.map((e) => leafHash(jcs(e)));
  const root = hex(mth(leaves));
  return { ballots, leaves, root, size: ballots.length };
}

export function signedLog(aid, bd) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const name = 'pnyx.test';
  const entries = [
    { actor: '1', at: '2026-12-01T09:00:00Z', data: { title: 'x' }, kind: 'assembly.created' },
    { actor: '1', at: '2026-12-01T10:00:00Z', data: { question: QID, roll_size: 12, roll_root: 'a1'.repeat(32), texts_hash: 'b2'.repeat(32) }, kind: 'question.opened' },
    { actor: null, at: '2026-12-02T10:00:00Z', data: { ballots: bd.size, board_root: bd.root, board_size: bd.size, question: QID, voters: bd.size }, kind: 'question.closed' },
  ].map(jcs);
  const leaves = entries.map(leafHash);
  const origin = `pnyx.test/assembly/${aid}`;
  const text = `${origin}\n${entries.length}\n${b64(mth(leaves))}\n`;
  const sig = crypto.sign(null, Buffer.from(text), privateKey);
  const note = `${text}\n\u2014 ${name} ${b64(Buffer.concat([keyId(name, pub), sig]))}\n`;
  return {
    key: { name, public_key: b64(pub), key_id: hex(keyId(name, pub)) },
    note,
    items: entries.map((entry, i) => ({ seq: i + 1, entry, leaf_hash: b64(leaves[i]) })),
    proof: (index) => ({ index, size: entries.length, leaf_hash: b64(leaves[index]), proof: auditPath(index, leaves).map(b64) }),
    closedSeq: '3',
  };
}

// Serve a question (and what hangs off it) to a page. `state` is an
// object the test may change between requests: {q, result, board, log}.
export async function serve(page, aid, state) {
  const json = (route, body, status = 200) => route.fulfill({ status, contentType: status >= 400 ? 'application/problem+json' : 'application/json', body: JSON.stringify(body) });
  await page.route(/\/api\/v1\/(questions|assemblies\/[^/]+\/(questions|audit))/, async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    const p = url.pathname;
    if (p === `/api/v1/assemblies/${aid}/questions` && req.method() === 'GET') {
      if (state.pages) return json(route, state.pages[url.searchParams.get('after') || '']);
      return json(route, { items: [state.q], next: null });
    }
    if (p === `/api/v1/assemblies/${aid}/questions` && req.method() === 'POST') {
      state.created = { body: req.postDataJSON(), headers: req.headers() };
      return json(route, state.q, 201);
    }
    if (p === `/api/v1/questions/${QID}`) return json(route, state.q);
    if (p === `/api/v1/questions/${QID}/open` && req.method() === 'POST') {
      state.q = { ...state.q, state: 'open', opened_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), me: { on_roll: true, voted: false } };
      return json(route, state.q);
    }
    if (p === `/api/v1/questions/${QID}/close` && req.method() === 'POST') {
      state.closeBody = req.postDataJSON();
      state.q = { ...state.q, state: 'closed', closed_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), close_reason: state.closeBody.reason };
      return json(route, state.q);
    }
    if (p === `/api/v1/questions/${QID}/participation`) return json(route, participation());
    if (p === `/api/v1/questions/${QID}/result`) {
      // as pnyxd answers: a result only once tallied (the page also asks
      // while closed, to learn whether it waits for witnesses)
      if (state.q.state !== 'tallied' || !state.result) {
        return json(route, { type: 'https://pnyx.dev/problems/question-not-tallied', title: 'The question has not been tallied yet', status: 409, request_id: 'fixture-2' }, 409);
      }
      return json(route, state.result);
    }
    if (p === `/api/v1/questions/${QID}/ballots` && req.method() === 'POST') {
      const { ranking } = req.postDataJSON();
      state.cast = { ranking, key: req.headers()['idempotency-key'] };
      const nonce = crypto.randomBytes(16).toString('hex');
      state.mine = { question: QID, ranking, nonce, receipt: receiptOf(QID, ranking, nonce) };
      return json(route, state.mine, 201);
    }
    if (p === `/api/v1/questions/${QID}/ballots`) {
      const bd = state.board;
      return json(route, { size: bd.size, root: bd.root, items: bd.ballots, next: null });
    }
    const m = new RegExp(`^/api/v1/questions/${QID}/ballots/([0-9a-f]{64})$`).exec(p);
    if (m) {
      const bd = state.board;
      const i = bd.ballots.findIndex((e) => e.receipt === m[1]);
      if (i < 0) return json(route, { type: 'https://pnyx.dev/problems/not-found', title: 'Not found', status: 404, request_id: 'fixture-1' }, 404);
      return json(route, { entry: bd.ballots[i], index: i, size: bd.size, root: bd.root, proof: auditPath(i, bd.leaves).map(hex), closed_entry_seq: state.log.closedSeq });
    }
    if (state.log && p === `/api/v1/assemblies/${aid}/audit`) {
      const after = Number(url.searchParams.get('after') || 0);
      return json(route, { items: state.log.items.filter((x) => Number(x.seq) > after).slice(0, Number(url.searchParams.get('limit') || 200)), next: null, size: state.log.items.length });
    }
    if (state.log && p === `/api/v1/assemblies/${aid}/audit/checkpoint`) return route.fulfill({ status: 200, contentType: 'text/plain', body: state.log.note });
    if (state.log && p === `/api/v1/assemblies/${aid}/audit/proof/inclusion`) return json(route, state.log.proof(Number(url.searchParams.get('index'))));
    return route.continue();
  });
  await page.route('**/api/v1/audit/key', (route) => (state.log ? json(route, state.log.key) : route.continue()));
}
