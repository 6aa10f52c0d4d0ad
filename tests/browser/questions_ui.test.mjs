// SPDX-License-Identifier: AGPL-3.0-or-later
// The question pages (issue 11) against fixed answers (questions_lib.mjs,
// served with page.route, so every state and every part of a result can be
// shown): the ballot fully by keyboard (typed rank numbers, move buttons,
// each move announced, the review step's words on a truncated ballot, the
// Idempotency-Key, the receipt and its download), the ballot by drag and
// drop, the create form with its live preview and the body it sends, the
// results (chart and table, transfers, exhausted, countries, cap, double
// majority) in English and Arabic at 1280 and 390 px, and the board's
// in-browser check — passing, and failing for an edited receipt file.
// The real API end to end: questions.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { shot } from './lib.mjs';
import { ok, person, open, tabTo } from './proposals_lib.mjs';
import * as F from './questions_lib.mjs';

let C;
let aid;

before(async () => {
  C = await person({ name: 'Ingrid Larsen', country: 'NO', languages: 'en' });
  aid = (await ok(C.page, 'POST', '/api/v1/assemblies', { title: 'Baltic and North Sea Rivers Assembly', visibility: 'public', join_policy: 'open', default_language: 'en' })).id;
});
after(async () => { await C?.b.close(); });

const announced = (page) => page.waitForFunction(() => document.getElementById('announcer').textContent).then(() => page.locator('#announcer').textContent());
async function lastAnnouncement(page, want) {
  await page.waitForFunction((w) => document.getElementById('announcer').textContent === w, want);
}
const rankedIds = (page) => page.locator('#ranked-list > li').evaluateAll((els) => els.map((e) => e.dataset.option));
const activeOf = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return { option: el.closest('li[data-option]')?.dataset.option || null, role: el.dataset.role || null, id: el.id };
});

test('the ballot by keyboard alone: typed ranks, move buttons, announcements, review, receipt', async () => {
  const page = C.page;
  const state = { q: F.question(aid) };
  await F.serve(page, aid, state);
  await open(page, `/questions/${F.QID}`);
  assert.equal(await page.locator('#question-state').getAttribute('data-state'), 'open');
  assert.match(await page.locator('#countdown').textContent(), /^Closes in 3 h 0[12] min \d\d s$/);
  assert.match(await page.locator('#time-zone').textContent(), /your time zone: \S+/);
  // The excluded option is not offered.
  assert.equal(await page.locator('#unranked-list li[data-option=D]').count(), 0);
  // Type a rank number for B: it becomes rank 1; focus stays on its rank field.
  await tabTo(page, '#unranked-list li[data-option=B] input.rank-input');
  await page.keyboard.type('1');
  await page.keyboard.press('Enter');
  await lastAnnouncement(page, 'Restore the Danube wetlands: rank 1 of 1.');
  assert.deepEqual(await rankedIds(page), ['B']);
  assert.deepEqual(await activeOf(page), { option: 'B', role: 'rank', id: await page.evaluate(() => document.activeElement.id) });
  // The Rank button of C puts it next.
  await tabTo(page, '#unranked-list li[data-option=C] button[data-role=add]');
  await page.keyboard.press('Enter');
  assert.deepEqual(await rankedIds(page), ['B', 'C']);
  await lastAnnouncement(page, 'Shared flood warning: rank 2 of 2.');
  // Move C up with its button (Space), then down again (Enter): focus follows C.
  await tabTo(page, '#ranked-list li[data-option=C] button[data-role=up]');
  await page.keyboard.press('Space');
  assert.deepEqual(await rankedIds(page), ['C', 'B']);
  await lastAnnouncement(page, 'Shared flood warning: rank 1 of 2.');
  const a = await activeOf(page);
  assert.equal(a.option, 'C');
  assert.equal(a.role, 'down', 'at the top, the up button is disabled: focus goes to down');
  await page.keyboard.press('Enter');
  assert.deepEqual(await rankedIds(page), ['B', 'C']);
  // A typed rank moves within the ranking; A typed as 2 pushes C to 3, then is removed again.
  await tabTo(page, '#unranked-list li[data-option=A] input.rank-input');
  await page.keyboard.type('2');
  await page.keyboard.press('Enter');
  assert.deepEqual(await rankedIds(page), ['B', 'A', 'C']);
  await tabTo(page, '#ranked-list li[data-option=A] button[data-role=remove]');
  await page.keyboard.press('Enter');
  await lastAnnouncement(page, 'Clean the Rhine delta is no longer ranked.');
  assert.deepEqual(await rankedIds(page), ['B', 'C']);
  assert.equal(await page.locator('#rank-count').textContent(), 'Ranked: 2 (at most 3, of 3 options)');
  // Review: what happens to a ballot that ranks 2 of 3.
  await tabTo(page, '#review-button');
  await page.keyboard.press('Enter');
  assert.equal((await activeOf(page)).id, 'review-h');
  assert.deepEqual(await page.locator('#review-list li').allTextContents(), ['Restore the Danube wetlands', 'Shared flood warning']);
  assert.match(await page.locator('#review-truncation').textContent(), /You ranked 2 of 3 options\. .*exhausted.*never goes to an option you did not rank/);
  await tabTo(page, '#cast-button');
  await page.keyboard.press('Enter');
  await page.locator('#receipt').waitFor();
  assert.equal((await activeOf(page)).id, 'receipt-h');
  assert.deepEqual(state.cast.ranking, ['B', 'C']);
  assert.match(state.cast.key, /^[0-9a-f]{32}$/, 'an Idempotency-Key goes with the ballot');
  assert.equal(await page.locator('#receipt-hash').textContent(), state.mine.receipt);
  // Download by keyboard: the file is the receipt, exactly.
  await page.locator('#receipt-download').focus();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  const saved = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  assert.deepEqual(saved, { question: F.QID, ranking: ['B', 'C'], nonce: state.mine.nonce, receipt: state.mine.receipt });
  assert.match(dl.suggestedFilename(), /^pnyx-receipt-900001-[0-9a-f]{12}\.json$/);
  await shot(page, 'questions-receipt-1280-en');
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  assert.deepEqual(C.b.errors, []);
});

test('the ballot by drag and drop', async () => {
  const page = C.page;
  const state = { q: F.question(aid) };
  await F.serve(page, aid, state);
  await open(page, `/questions/${F.QID}`);
  await page.dragAndDrop('#unranked-list li[data-option=C]', '#ranked-list');
  assert.deepEqual(await rankedIds(page), ['C']);
  // Dropped on the lower half of the last ranked option: ranked after it.
  const box = await page.locator('#ranked-list li[data-option=C]').boundingBox();
  await page.dragAndDrop('#unranked-list li[data-option=A]', '#ranked-list li[data-option=C]', { targetPosition: { x: 20, y: box.height - 4 } });
  assert.deepEqual(await rankedIds(page), ['C', 'A']);
  // Dropped on the top half of C: A takes rank 1.
  await page.dragAndDrop('#ranked-list li[data-option=A]', '#ranked-list li[data-option=C]', { targetPosition: { x: 20, y: 3 } });
  assert.deepEqual(await rankedIds(page), ['A', 'C']);
  await lastAnnouncement(page, 'Clean the Rhine delta: rank 1 of 2.');
  // Dropped back on the other list: no longer ranked.
  await page.dragAndDrop('#ranked-list li[data-option=C]', '#unranked-list');
  assert.deepEqual(await rankedIds(page), ['A']);
  await shot(page, 'questions-ballot-1280-en');
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  assert.deepEqual(C.b.errors, []);
});

test('the create form: live preview, and the body it sends', async () => {
  const page = C.page;
  const state = { q: F.question(aid, { state: 'draft', opened_at: null, roll_size: null, me: undefined }) };
  await F.serve(page, aid, state);
  await open(page, `/assemblies/${aid}/questions/new`);
  await page.locator('#q-title').fill('Which river project do we fund first?');
  await page.locator('#q-opt-0').fill('Clean the Rhine delta');
  await page.locator('#q-opt-1').fill('Restore the Danube wetlands');
  await page.locator('#add-option').click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'q-opt-2', 'focus goes to the new option');
  await page.keyboard.type('Shared flood warning');
  // The preview follows every keystroke.
  assert.deepEqual(await page.locator('#ballot-preview .unranked li .rank-label').allTextContents(), ['Clean the Rhine delta', 'Restore the Danube wetlands', 'Shared flood warning']);
  assert.equal(await page.locator('.preview-title').textContent(), 'Which river project do we fund first?');
  // Switching the language keeps what was typed, every option included.
  await page.locator('#lang-select').selectOption('fr');
  await page.getByRole('heading', { level: 1, name: 'Nouvelle question' }).waitFor();
  assert.deepEqual(await page.locator('#option-edit-list input[type=text]').evaluateAll((els) => els.map((e) => e.value)), ['Clean the Rhine delta', 'Restore the Danube wetlands', 'Shared flood warning']);
  assert.equal(await page.locator('#q-title').inputValue(), 'Which river project do we fund first?');
  await page.waitForFunction(() => document.querySelector('.preview-title').textContent === 'Which river project do we fund first?');
  await page.locator('#lang-select').selectOption('en');
  await page.getByRole('heading', { level: 1, name: 'New question' }).waitFor();
  await page.locator('#q-opt-2-ex').check();
  assert.equal(await page.locator('#ballot-preview li[data-option=C]').count(), 0, 'an excluded option leaves the preview');
  await page.locator('#q-opt-2-ex').uncheck();
  // The preview is a working ballot.
  await page.locator('#ballot-preview li[data-option=B] button[data-role=add]').click();
  assert.deepEqual(await page.locator('#ballot-preview .ranked li').evaluateAll((els) => els.map((e) => e.dataset.option)), ['B']);
  assert.equal(await page.locator('#q-seats').isVisible(), false, 'seats are for STV and Schulze');
  await page.locator('#q-method').selectOption('stv');
  assert.equal(await page.locator('#q-seats').isVisible(), true);
  assert.match(await page.locator('.preview-head .hint').textContent(), /Single transferable vote, seats: 2/);
  await page.locator('#q-method').selectOption('irv');
  await page.locator('#q-closes-at').fill('2031-05-04T18:30:00');
  await page.locator('#q-turnout').fill('50');
  await page.locator('#q-min-countries').fill('2');
  await page.locator('#q-cap-on').check();
  await page.locator('#q-cap').fill('35');
  await page.locator('#q-dm-on').check();
  await page.locator('#q-max-rankings').fill('2');
  await shot(page, 'questions-new-1280-en');
  await page.locator('#question-form button[type=submit]').click();
  await page.locator('#question-title').waitFor();
  const b = state.created.body;
  assert.equal(b.title, 'Which river project do we fund first?');
  assert.deepEqual(b.options, [{ label: 'Clean the Rhine delta' }, { label: 'Restore the Danube wetlands' }, { label: 'Shared flood warning' }]);
  assert.equal(b.method, 'irv');
  assert.equal(b.seats, 1);
  assert.equal(b.secrecy, 'secret');
  assert.deepEqual(b.quorum, { min_turnout: '0.5', min_countries: 2 });
  assert.equal(b.country_cap, '0.35');
  assert.deepEqual(b.double_majority, { min_country_share: '0.5' });
  assert.equal(b.max_rankings, 2);
  assert.equal(b.closes_at, new Date('2031-05-04T18:30:00').toISOString().replace(/\.\d{3}Z$/, 'Z'), 'local time sent as UTC');
  assert.equal(b.opens_at, undefined);
  assert.equal(await page.locator('#question-state').getAttribute('data-state'), 'draft');
  assert.equal(await page.locator('#open-button').count(), 1, 'a convener may open a draft');
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  assert.deepEqual(C.b.errors, []);
});

const sideways = (page) => page.evaluate(() => ({ scroll: document.scrollingElement.scrollWidth, inner: innerWidth }));

test('results: rounds as a chart and a table, transfers, countries, cap, double majority — English and Arabic, 1280 and 390 px', async () => {
  const page = C.page;
  const state = { q: F.question(aid, { state: 'tallied', closed_at: '2026-12-02T10:00:00Z', ballots: 10, board_root: 'c3'.repeat(32), me: { on_roll: true, voted: true } }), result: F.result() };
  await F.serve(page, aid, state);
  for (const lang of ['en', 'ar']) {
    await page.evaluate((l) => localStorage.setItem('pnyx.lang', l), lang);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await open(page, `/questions/${F.QID}`, '#results');
      const s = await sideways(page);
      assert.ok(s.scroll <= s.inner, `results (${lang}, ${width} px) scroll sideways: ${s.scroll} > ${s.inner}`);
      await shot(page, `questions-results-${width}-${lang}`);
    }
  }
  await page.evaluate(() => localStorage.setItem('pnyx.lang', 'en'));
  await page.setViewportSize({ width: 1280, height: 900 });
  await open(page, `/questions/${F.QID}`, '#results');
  assert.equal(await page.locator('#winners').textContent(), '✓ Winner: Restore the Danube wetlands');
  // The chart: an image with a title and a description, one group per round.
  const svg = page.locator('svg.rounds-chart');
  assert.equal(await svg.getAttribute('role'), 'img');
  assert.equal(await svg.locator('g.round-group').count(), 2);
  assert.match(await svg.locator('desc').textContent(), /Rounds: 2\. Winners: Restore the Danube wetlands\. Exhausted ballots in the last round: 1\./);
  // Its accessible twin.
  const row = (id) => page.locator(`#rounds-table tr[data-option=${id}] td`).allTextContents();
  assert.deepEqual(await row('A'), ['4', '4']);
  assert.deepEqual(await row('B'), ['3', '5 ✓ elected']);
  assert.deepEqual(await row('C'), ['3 ✗ eliminated', '—']);
  assert.deepEqual(await page.locator('#rounds-table tr[data-row=exhausted] td').allTextContents(), ['0', '1']);
  assert.deepEqual(await page.locator('#rounds-table tr[data-row=threshold] td').allTextContents(), ['6', '5']);
  assert.equal(await page.locator('#transfers li[data-from=C]').textContent(), 'Round 1 — Shared flood warning eliminated; its ballots went: to Restore the Danube wetlands: 2 and exhausted: 1');
  assert.deepEqual(await page.locator('#country-table tr[data-country=DE] td').allTextContents(), ['5', '2', '2', '1', '2', '3']);
  assert.equal(await page.locator('#country-table tr[data-country=ZZ] th').textContent(), 'Other countries');
  assert.equal(await page.locator('#double-majority').getAttribute('data-met'), 'true');
  assert.match(await page.locator('#dm-verdict').textContent(), /Met: Restore the Danube wetlands is preferred to Clean the Rhine delta in 1 of 2 countries\./);
  assert.deepEqual(await page.locator('#dm-table tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.carried)), ['true', 'false']);
  assert.match(await page.locator('#country-cap').textContent(), /35%/);
  assert.deepEqual(await page.locator('#exports a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
    ['pnyx', 'cdf', 'blt', 'csv'].map((f) => `/api/v1/questions/${F.QID}/export?format=${f}`));
  // No quorum: said plainly, no winner claimed.
  state.result = { ...F.result(), status: 'no_quorum', winners: [] };
  await open(page, `/questions/${F.QID}`, '#results');
  assert.equal(await page.locator('#winners').textContent(), '✗ No result: the quorum was not reached.');
  // A count the engine refused: the refusal and its reason, no rounds.
  const { rounds, winners, by_country, ...rest } = F.result();
  state.result = { ...rest, status: 'not_counted', error: 'country cap: the factor of DE truncates to 0 at decimal_places=4' };
  await open(page, `/questions/${F.QID}`, '#results');
  assert.equal(await page.locator('#winners').textContent(), "✗ No result: the count was refused under this question's rules.");
  assert.match(await page.locator('#not-counted-reason').textContent(), /factor of DE truncates to 0/);
  assert.equal(await page.locator('#rounds-table').count(), 0);
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  assert.deepEqual(C.b.errors, []);
});

test('the board: search by receipt, and the in-browser check of a saved receipt', async () => {
  const page = C.page;
  const nonce = 'f0'.repeat(16);
  const mine = { question: F.QID, ranking: ['C', 'A'], nonce, receipt: F.receiptOf(F.QID, ['C', 'A'], nonce) };
  const bd = F.board(mine);
  const state = { q: F.question(aid, { state: 'tallied', ballots: bd.size, board_root: bd.root }), result: F.result(), board: bd, log: F.signedLog(aid, bd) };
  await F.serve(page, aid, state);
  for (const lang of ['en', 'ar']) {
    await page.evaluate((l) => localStorage.setItem('pnyx.lang', l), lang);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await open(page, `/questions/${F.QID}/board`, '#board-table');
      await page.locator('#check-receipt').fill(JSON.stringify(mine, null, 2));
      await page.locator('#check-button').click();
      await page.locator('#check-verdict .verdict[data-status=verified]').waitFor();
      const s = await sideways(page);
      assert.ok(s.scroll <= s.inner, `board (${lang}, ${width} px) scrolls sideways: ${s.scroll} > ${s.inner}`);
      await shot(page, `questions-board-${width}-${lang}`);
    }
  }
  await page.evaluate(() => localStorage.setItem('pnyx.lang', 'en'));
  await page.setViewportSize({ width: 1280, height: 900 });
  await open(page, `/questions/${F.QID}/board`, '#board-table');
  assert.equal(await page.locator('#board-table tbody tr').count(), bd.size);
  // Search.
  await page.locator('#receipt-search').fill(mine.receipt);
  await page.locator('#search-form button[type=submit]').click();
  const index = bd.ballots.findIndex((e) => e.receipt === mine.receipt);
  assert.equal(await page.locator('#search-verdict').textContent(), `✓ On the board: ballot ${index + 1} of ${bd.size}.`);
  await page.locator('#receipt-search').fill('0'.repeat(64));
  await page.locator('#search-form button[type=submit]').click();
  await page.locator('#search-verdict .verdict[data-status=failed]').waitFor();
  // The check, from the file the voter saved.
  await page.locator('#check-file').setInputFiles({ name: 'receipt.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(mine, null, 2)) });
  await page.waitForFunction(() => document.getElementById('check-receipt').value.includes('"receipt"'));
  await page.locator('#check-button').click();
  await page.locator('#check-verdict .verdict:not([data-status=checking])').waitFor();
  assert.deepEqual(await page.locator('#check-list li').evaluateAll((ls) => ls.map((l) => `${l.dataset.check}:${l.dataset.status}`)),
    ['receipt:verified', 'board:verified', 'proof:verified', 'log:verified']);
  assert.match(await page.locator('#check-list li[data-check=log] .check-detail').textContent(), /Entry 3 of the log \(question closed\) holds this root; the checkpoint signed over 3 entries includes it\./);
  // An edited file (another ranking under the same receipt) fails, and says so.
  await page.locator('#check-receipt').fill(JSON.stringify({ ...mine, ranking: ['A', 'C'] }));
  await page.locator('#check-button').click();
  await page.locator('#check-verdict .verdict[data-status=failed]').waitFor();
  assert.deepEqual(await page.locator('#check-list li').evaluateAll((ls) => ls.map((l) => `${l.dataset.check}:${l.dataset.status}`)),
    ['receipt:failed', 'board:failed', 'proof:verified', 'log:verified']);
  // A board root that is not the one the log holds.
  state.log = F.signedLog(aid, { ...bd, root: 'd4'.repeat(32) });
  await page.locator('#check-receipt').fill(JSON.stringify(mine));
  await page.locator('#check-button').click();
  await page.locator('#check-verdict .verdict[data-status=failed]').waitFor();
  assert.equal(await page.locator('#check-list li[data-check=log]').getAttribute('data-status'), 'failed');
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  assert.deepEqual(C.b.errors, []);
});

test('opening by hand, and closing early with a reason (dialog by keyboard); a closed question waits for its count', async () => {
  const page = C.page;
  const state = { q: F.question(aid, { state: 'draft', opened_at: null, roll_size: null, me: undefined, opens_at: new Date(Date.now() + 86400e3 + 90e3).toISOString().replace(/\.\d{3}Z$/, 'Z') }) };
  await F.serve(page, aid, state);
  await open(page, `/questions/${F.QID}`);
  assert.match(await page.locator('#countdown').textContent(), /^Opens in 1 d 0 h 0[012] min \d\d s$/);
  await page.locator('#open-button').click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('button[value=ok]').click();
  await page.locator('#question-state[data-state=open]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'question-state', 'focus goes to the new state');
  await page.locator('#ballot-section').waitFor();
  // Close early: the dialog asks for a reason and refuses none.
  await page.locator('#close-button').focus();
  await page.keyboard.press('Enter');
  await page.locator('#close-dialog').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'TEXTAREA');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'close-confirm');
  await page.keyboard.press('Enter');
  await page.locator('#close-dialog .field-error:not([hidden])').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'TEXTAREA', 'back to the empty reason');
  await page.keyboard.type('The venue flooded; we vote again next week.');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.locator('#question-state[data-state=closed]').waitFor();
  assert.deepEqual(state.closeBody, { reason: 'The venue flooded; we vote again next week.' });
  assert.match(await page.locator('#times').textContent(), /Closed early because.*The venue flooded; we vote again next week\./);
  // The count follows: the page asks until the question is counted.
  state.result = F.result();
  state.q = { ...state.q, state: 'tallied', ballots: 10 };
  await page.locator('#results').waitFor({ timeout: 10000 });
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  assert.deepEqual(C.b.errors, []);
});

test('the list of questions, page after page', async () => {
  const page = C.page;
  const q1 = F.question(aid, { id: 11, title: 'First question' });
  const q2 = F.question(aid, { id: 12, title: 'Second question', state: 'tallied', closed_at: '2026-12-02T10:00:00Z' });
  const state = { q: q1, pages: { '': { items: [q1], next: '11' }, 11: { items: [q2], next: null } } };
  await F.serve(page, aid, state);
  await open(page, `/assemblies/${aid}/questions`, '#question-list');
  assert.deepEqual(await page.locator('#question-list .list-title').allTextContents(), ['First question']);
  assert.equal(await page.locator('#new-question-link').count(), 1, 'a convener may create one');
  await page.locator('#question-more').click();
  await page.locator('#question-list li[data-question="12"]').waitFor();
  assert.deepEqual(await page.locator('#question-list li').evaluateAll((ls) => ls.map((l) => `${l.dataset.question}:${l.dataset.state}`)), ['11:open', '12:tallied']);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Second question');
  assert.equal(await page.locator('#question-more').isHidden(), true);
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  assert.deepEqual(C.b.errors, []);
});
