// SPDX-License-Identifier: AGPL-3.0-or-later
// Issue 11's scenario against the real pnyxd, each person in their own
// browser: a convener creates a question through the form and opens it;
// three members vote — the convener by drag and drop, Amira in Arabic
// (right to left), Kofi by keyboard alone — each keeping the receipt file
// the page downloads; nobody closes the vote: it closes by its deadline
// (the scheduler) and is counted; each voter finds their receipt on the
// board and their browser verifies it (receipt recomputed, board entry and
// inclusion proof, the root in the signed log); the results shown are the
// API's result, and the ballots cast.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { shot } from './lib.mjs';
import { ok, person, join, open, tabTo } from './proposals_lib.mjs';

let C; // the convener, votes by drag and drop
let A; // Amira, reads Arabic
let K; // Kofi, keyboard only
let aid;
let qid;
let closesAt;
const receipts = new Map();

before(async () => {
  C = await person({ name: 'Margarida Sousa', country: 'PT', languages: 'en' });
  A = await person({ name: 'أميرة منصور', country: 'EG', languages: 'ar' });
  K = await person({ name: 'Kofi Mensah', country: 'GH', languages: 'en' });
  aid = (await ok(C.page, 'POST', '/api/v1/assemblies', { title: 'Mediterranean and Atlantic Coasts Assembly', visibility: 'public', join_policy: 'open', default_language: 'en' })).id;
  await join(A, aid);
  await join(K, aid);
});
after(async () => { await C?.b.close(); await A?.b.close(); await K?.b.close(); });

const LABELS = ['Protect the seagrass meadows', 'Ban bottom trawling near the coast', 'Fund coastal early-warning stations'];

test('the convener creates the question through the form and opens it', async () => {
  const page = C.page;
  await open(page, `/assemblies/${aid}`);
  await page.locator('#questions-link').click();
  await page.locator('#new-question-link').click();
  await page.locator('#question-form').waitFor();
  await page.locator('#q-title').fill('Which coastal measure comes first?');
  await page.locator('#q-description').fill('Chosen by ranked ballot; the count is published round by round.');
  await page.locator('#q-opt-0').fill(LABELS[0]);
  await page.locator('#q-opt-1').fill(LABELS[1]);
  await page.locator('#add-option').click();
  await page.locator('#q-opt-2').fill(LABELS[2]);
  // The deadline, typed in the convener’s local time: 90 s from now (the three
  // ballots take about 15 s; the margin is for a loaded machine).
  const local = await page.evaluate(() => {
    const d = new Date(Date.now() + 90000);
    const p = (n) => String(n).padStart(2, '0');
    return { value: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`, iso: new Date(d.getTime() - d.getMilliseconds()).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  });
  await page.locator('#q-closes-at').fill(local.value);
  assert.deepEqual(await page.locator('#ballot-preview .rank-label').allTextContents(), LABELS);
  await page.locator('#question-form button[type=submit]').click();
  await page.locator('#question-title').waitFor();
  qid = /\/questions\/(\d+)/.exec(page.url())[1];
  const q = await ok(page, 'GET', `/api/v1/questions/${qid}`);
  assert.equal(q.state, 'draft');
  assert.equal(q.closes_at, local.iso);
  assert.deepEqual(q.options.map((o) => [o.id, o.label]), [['A', LABELS[0]], ['B', LABELS[1]], ['C', LABELS[2]]]);
  closesAt = q.closes_at;
  await page.locator('#open-button').click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('button[value=ok]').click();
  await page.locator('#question-state[data-state=open]').waitFor();
  assert.match(await page.locator('#countdown').textContent(), /^Closes in 0 h 0[01] min \d\d s$/);
  assert.deepEqual(C.b.errors, []);
});

async function keepReceipt(p, key) {
  const page = p.page;
  const [dl] = await Promise.all([page.waitForEvent('download'), key ? page.keyboard.press('Enter') : page.locator('#receipt-download').click()]);
  const file = await dl.path();
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(await page.locator('#receipt-hash').textContent(), saved.receipt);
  receipts.set(p.name, { file, saved });
  return saved;
}

test('the convener votes by drag and drop', async () => {
  const page = C.page;
  await open(page, `/questions/${qid}`, '#ballot-section');
  await page.dragAndDrop('#unranked-list li[data-option=B]', '#ranked-list');
  const box = await page.locator('#ranked-list li[data-option=B]').boundingBox();
  await page.dragAndDrop('#unranked-list li[data-option=A]', '#ranked-list li[data-option=B]', { targetPosition: { x: 20, y: box.height - 4 } });
  await page.locator('#review-button').click();
  assert.match(await page.locator('#review-truncation').textContent(), /You ranked 2 of 3 options/);
  await page.locator('#cast-button').click();
  await page.locator('#receipt').waitFor();
  const r = await keepReceipt(C);
  assert.deepEqual(r.ranking, ['B', 'A']);
  assert.equal(String(r.question), String(qid));
  assert.deepEqual(C.b.errors, []);
});

test('Amira votes in Arabic, right to left', async () => {
  const page = A.page;
  // She reads Arabic: she picks it with the language switcher.
  await open(page, `/questions/${qid}`, '#ballot-section');
  await page.locator('#lang-select').selectOption('ar');
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  await open(page, `/questions/${qid}`, '#ballot-section');
  assert.equal(await page.evaluate(() => `${document.documentElement.lang} ${document.documentElement.dir}`), 'ar rtl');
  assert.equal(await page.locator('#ballot-h').textContent(), 'ورقة اقتراعك');
  await page.locator('#unranked-list li[data-option=B] button[data-role=add]').click();
  await page.waitForFunction(() => document.getElementById('announcer').textContent.includes('1'));
  await page.locator('#review-button').click();
  assert.match(await page.locator('#review-truncation').textContent(), /رتّبتَ 1 من 3 خيارات/);
  await page.locator('#cast-button').click();
  await page.locator('#receipt').waitFor();
  assert.deepEqual((await keepReceipt(A)).ranking, ['B']);
  await shot(page, 'questions-e2e-receipt-1280-ar');
  assert.deepEqual(A.b.errors, []);
});

test('Kofi votes by keyboard alone', async () => {
  const page = K.page;
  await open(page, `/questions/${qid}`, '#ballot-section');
  await tabTo(page, '#unranked-list li[data-option=A] input.rank-input');
  await page.keyboard.type('1');
  await page.keyboard.press('Enter');
  await tabTo(page, '#unranked-list li[data-option=C] button[data-role=add]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('announcer').textContent === 'Fund coastal early-warning stations: rank 2 of 2.');
  await tabTo(page, '#review-button');
  await page.keyboard.press('Enter');
  await tabTo(page, '#cast-button');
  await page.keyboard.press('Enter');
  await page.locator('#receipt').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'receipt-h');
  await tabTo(page, '#receipt-download');
  assert.deepEqual((await keepReceipt(K, true)).ranking, ['A', 'C']);
  // A second visit: the roll says he voted; no second ballot is offered.
  await open(page, `/questions/${qid}`, '#already-voted');
  assert.deepEqual(K.b.errors, []);
});

test('nobody closes it: the deadline does, the count follows, the pages show it', async () => {
  const page = C.page;
  await open(page, `/questions/${qid}`, '#participation-summary');
  assert.equal(await page.locator('#participation-summary').textContent(), 'Voted: 3 of 3');
  // The page waits out the countdown and asks until the state has moved.
  const wait = Math.max(0, new Date(closesAt).getTime() - Date.now()) + 60000;
  await page.locator('#results').waitFor({ timeout: wait });
  const result = await ok(page, 'GET', `/api/v1/questions/${qid}/result`);
  assert.equal(result.status, 'tallied');
  assert.deepEqual(result.winners, ['B']);
  assert.equal(result.ballots, 3);
  assert.equal(await page.locator('#winners').textContent(), `✓ Winner: ${LABELS[1]}`);
  // The table is the API's rounds, figure for figure.
  for (const id of ['A', 'B', 'C']) {
    const cells = await page.locator(`#rounds-table tr[data-option=${id}] td`).allTextContents();
    const want = result.rounds.map((r) => (id in r.tally ? String(r.tally[id]) : '—'));
    assert.deepEqual(cells.map((c) => c.split(' ')[0]), want, `round figures of ${id}`);
  }
  assert.deepEqual(result.rounds[0].tally, { A: 1, B: 2, C: 0 });
  assert.equal(await page.locator('#result-ballots').textContent(), '3');
  await shot(page, 'questions-e2e-results-1280-en');
  assert.deepEqual(C.b.errors, []);
});

async function verifyOwn(p, { keyboard = false } = {}) {
  const page = p.page;
  const { file, saved } = receipts.get(p.name);
  await open(page, `/questions/${qid}/board`, '#board-table');
  assert.equal(await page.locator('#board-table tbody tr').count(), 3);
  assert.equal(await page.locator(`#board-table tr[data-receipt="${saved.receipt}"]`).count(), 1);
  if (keyboard) {
    await tabTo(page, '#check-receipt');
    await page.keyboard.insertText(fs.readFileSync(file, 'utf8'));
    await tabTo(page, '#check-button');
    await page.keyboard.press('Enter');
  } else {
    await page.locator('#check-file').setInputFiles(file);
    await page.waitForFunction(() => document.getElementById('check-receipt').value.includes('"receipt"'));
    await page.locator('#check-button').click();
  }
  await page.locator('#check-verdict .verdict:not([data-status=checking])').waitFor();
  assert.deepEqual(await page.locator('#check-list li').evaluateAll((ls) => ls.map((l) => `${l.dataset.check}:${l.dataset.status}`)),
    ['receipt:verified', 'board:verified', 'proof:verified', 'log:verified'], p.name);
  // And by search.
  await page.locator('#receipt-search').fill(saved.receipt);
  await page.locator('#search-form button[type=submit]').click();
  await page.locator('#search-verdict .verdict[data-status=verified]').waitFor();
}

test('each voter finds their receipt on the board and verifies it', async () => {
  await verifyOwn(C);
  await verifyOwn(A);
  await shot(A.page, 'questions-e2e-board-1280-ar');
  await verifyOwn(K, { keyboard: true });
  for (const p of [C, A, K]) assert.deepEqual(p.b.errors, [], p.name);
});
