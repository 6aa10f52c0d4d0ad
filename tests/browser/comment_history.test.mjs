// SPDX-License-Identifier: AGPL-3.0-or-later
// A comment's edit history (issue 10): an edited comment offers "History",
// which lists every version of its original text, oldest first, each with
// its author and time and the "original" label, the current one marked;
// an unedited comment offers none. By keyboard (Tab, Enter, Escape: focus
// goes to the panel, then back to the button), at 1280 and 390 px, and in
// Arabic (right to left, strings from the Arabic catalogue).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { shot } from './lib.mjs';
import { ok, person, join, open, tabTo, sideways } from './proposals_lib.mjs';

let A; // writes and edits a comment in Spanish
let B; // reads in English
let pid;
let cid; // edited twice
let plain; // never edited

before(async () => {
  A = await person({ name: 'Rosa Quispe', country: 'PE', languages: 'es' });
  B = await person({ name: 'Olena Kovalenko', country: 'UA', languages: 'en' });
  const a = await ok(A.page, 'POST', '/api/v1/assemblies', { title: 'Asamblea del agua', visibility: 'public', join_policy: 'open', default_language: 'es' });
  await join(B, a.id);
  const p = await ok(A.page, 'POST', `/api/v1/assemblies/${a.id}/proposals`, { title: 'Agua para todos', body: 'Un solo **reglamento**.', language: 'es' });
  pid = p.id;
  await ok(A.page, 'PATCH', `/api/v1/proposals/${pid}`, { status: 'deliberation' });
  plain = (await ok(A.page, 'POST', `/api/v1/proposals/${pid}/comments`, { body: 'Sin cambios.', language: 'es' })).id;
  const c = await ok(A.page, 'POST', `/api/v1/proposals/${pid}/comments`, { body: 'Primera versión del comentario.', language: 'es' });
  cid = c.id;
  await ok(A.page, 'PATCH', `/api/v1/comments/${cid}`, { body: 'Segunda versión, con *énfasis*.' });
  await ok(A.page, 'PATCH', `/api/v1/comments/${cid}`, { body: 'Tercera versión: la definitiva.' });
});
after(async () => { await A?.b.close(); await B?.b.close(); });

const active = (page) => page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.className));

async function openHistoryByKeyboard(page) {
  await tabTo(page, `#comment-${cid} .comment-history-button`);
  assert.equal(await page.locator(`#comment-${cid} .comment-history-button`).getAttribute('aria-expanded'), 'false');
  await page.keyboard.press('Enter');
  await page.locator(`#history-${cid} .comment-version.current`).waitFor();
  // Focus moves into the panel that opened.
  await page.waitForFunction((id) => document.activeElement && document.activeElement.id === id, `history-${cid}`);
  assert.equal(await page.locator(`#comment-${cid} .comment-history-button`).getAttribute('aria-expanded'), 'true');
}

test('the history of an edited comment, by keyboard, at 1280 and 390 px', async () => {
  const page = B.page;
  await page.setViewportSize({ width: 1280, height: 900 });
  await open(page, `/proposals/${pid}`, `#comment-${cid}`);
  // Only the edited comment offers a history.
  assert.equal(await page.locator(`#comment-${plain} .comment-history-button`).count(), 0);
  assert.equal(await page.locator(`#comment-${cid} .comment-history-button`).textContent(), 'History');
  await openHistoryByKeyboard(page);
  const versions = page.locator(`#history-${cid} .comment-version`);
  assert.equal(await versions.count(), 3);
  assert.deepEqual(await versions.evaluateAll((els) => els.map((e) => e.dataset.version)), ['1', '2', '3']);
  assert.match(await versions.nth(0).locator('.comment-version-body').textContent(), /Primera versión/);
  assert.match(await versions.nth(1).locator('.comment-version-body em').textContent(), /énfasis/);
  assert.match(await versions.nth(2).locator('.comment-version-body').textContent(), /la definitiva/);
  // Each version: who and when (UTC on hover), the original label in its
  // language; the last is the current text.
  for (let i = 0; i < 3; i += 1) {
    const v = versions.nth(i);
    assert.match(await v.locator('.comment-version-head').textContent(), new RegExp(`Version ${i + 1}.*Rosa Quispe`));
    assert.ok(await v.locator('time[datetime][title]').count() === 1, 'a time with the UTC time on hover');
    assert.equal(await v.locator('.text-label').getAttribute('data-kind'), 'original');
    assert.match(await v.locator('.text-sentence').textContent(), /original text, written in Spanish/);
    assert.equal(await v.locator('.comment-version-body').getAttribute('lang'), 'es');
  }
  assert.equal(await versions.nth(2).evaluate((e) => e.classList.contains('current')), true);
  assert.match(await versions.nth(2).textContent(), /Current text/);
  assert.equal(await page.locator(`#history-${cid} [role=status]`).textContent(), '3 versions, oldest first.');
  await shot(page, 'comment-history-1280');
  // Escape closes the panel and gives focus back to the button.
  await page.keyboard.press('Escape');
  assert.equal(await page.locator(`#history-${cid}`).count(), 0);
  assert.match(await active(page), /comment-history-button/);
  assert.equal(await page.locator(`#comment-${cid} .comment-history-button`).getAttribute('aria-expanded'), 'false');

  // A phone: the same panel, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page, `/proposals/${pid}`, `#comment-${cid}`);
  await openHistoryByKeyboard(page);
  const w = await sideways(page);
  assert.ok(w.scroll <= w.inner, `no sideways scrolling at 390 px (${w.scroll} > ${w.inner})`);
  await page.locator(`#history-${cid}`).scrollIntoViewIfNeeded();
  await shot(page, 'comment-history-390');
  // Close by its button (Enter on it), focus back on History.
  await tabTo(page, `#history-${cid} .comment-history-close`);
  await page.keyboard.press('Enter');
  assert.equal(await page.locator(`#history-${cid}`).count(), 0);
  assert.match(await active(page), /comment-history-button/);
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.deepEqual(B.b.errors, []);
});

test('the history in Arabic, right to left', async () => {
  const page = B.page;
  await page.evaluate(() => localStorage.setItem('pnyx.lang', 'ar'));
  try {
    await open(page, `/proposals/${pid}`, `#comment-${cid}`);
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await page.locator(`#comment-${cid} .comment-history-button`).textContent(), 'السجل');
    await openHistoryByKeyboard(page);
    assert.equal(await page.locator(`#history-${cid} h4`).textContent(), 'سجل التعديلات');
    assert.match(await page.locator(`#history-${cid} .comment-version`).first().textContent(), /النسخة 1/);
    // The Spanish text keeps its own language and direction inside the RTL page.
    const body = page.locator(`#history-${cid} .comment-version-body`).first();
    assert.equal(await body.getAttribute('lang'), 'es');
    assert.equal(await body.evaluate((e) => getComputedStyle(e.querySelector('p') || e).direction), 'ltr');
    await shot(page, 'comment-history-ar');
    await page.setViewportSize({ width: 390, height: 844 });
    const w = await sideways(page);
    assert.ok(w.scroll <= w.inner, `no sideways scrolling at 390 px in Arabic (${w.scroll} > ${w.inner})`);
    await shot(page, 'comment-history-ar-390');
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.evaluate(() => localStorage.setItem('pnyx.lang', 'en'));
  }
  assert.deepEqual(B.b.errors, []);
});

test('the author sees the same history; a deleted comment offers none', async () => {
  const page = A.page;
  await open(page, `/proposals/${pid}`, `#comment-${cid}`);
  await page.locator(`#comment-${cid} .comment-history-button`).click();
  await page.locator(`#history-${cid} .comment-version.current`).waitFor();
  assert.equal(await page.locator(`#history-${cid} .comment-version`).count(), 3);
  await ok(page, 'DELETE', `/api/v1/comments/${cid}`, undefined, [200, 204]);
  await open(page, `/proposals/${pid}`, `#comment-${cid}`);
  assert.equal(await page.locator(`#comment-${cid}[data-status=deleted]`).count(), 1);
  assert.equal(await page.locator(`#comment-${cid} .comment-history-button`).count(), 0);
  assert.deepEqual(A.b.errors, []);
});
