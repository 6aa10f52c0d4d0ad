// SPDX-License-Identifier: AGPL-3.0-or-later
// The main proposal flows by keyboard alone (Tab, Shift+Tab, Enter, Space,
// typing, Escape), in English and in Arabic: write a proposal, open it for
// deliberation (the confirmation dialog by keyboard), switch between the
// original and a translation, endorse, comment, reply, cancel a reply with
// Escape, compare versions. Focus never gets lost: after each action it is
// on the control that acted or on what the action made.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ok, person, join, open, tabTo } from './proposals_lib.mjs';

let K; // writes in French, reads French
let L; // reads English
let aid;
let pid;

before(async () => {
  K = await person({ name: 'Karim Benali', country: 'FR', languages: 'fr' });
  L = await person({ name: 'Lucía Gómez', country: 'AR', languages: 'en, es' });
  const a = await ok(K.page, 'POST', '/api/v1/assemblies', { title: 'Assemblée des rivières', visibility: 'public', join_policy: 'open', default_language: 'fr' });
  aid = a.id;
  await join(L, aid);
});
after(async () => { await K?.b.close(); await L?.b.close(); });

const active = (page) => page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.className));

test('writing a proposal and opening it, by keyboard', async () => {
  const page = K.page;
  await open(page, `/assemblies/${aid}/proposals`);
  await tabTo(page, '#new-proposal');
  await page.keyboard.press('Enter');
  await page.locator('#proposal-form').waitFor();
  await tabTo(page, '#proposal-form-title');
  await page.keyboard.type('Des rivières propres');
  await page.keyboard.press('Tab');
  assert.equal(await active(page), 'proposal-form-body');
  await page.keyboard.type('Nous proposons de *nettoyer* les rivières.');
  await tabTo(page, '#proposal-form button[type=submit]');
  await page.keyboard.press('Enter');
  await page.locator('#proposal-title').waitFor();
  pid = /\/proposals\/([^/?]+)/.exec(page.url())[1];
  // Focus starts at the heading of the new page.
  assert.equal(await active(page), 'proposal-title');
  await tabTo(page, '[data-transition=deliberation]');
  await page.keyboard.press('Enter');
  await page.locator('dialog[open]').waitFor();
  // The safe choice (Cancel) has focus; Tab to the confirm button.
  assert.equal(await page.evaluate(() => document.activeElement.value), 'cancel');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.value), 'ok');
  await page.keyboard.press('Enter');
  await page.locator('#proposal-state .badge-status[data-status=deliberation]').waitFor();
  assert.equal(await active(page), 'proposal-state', 'focus moves to the new status');
  assert.deepEqual(K.b.errors, []);
});

test('reading, endorsing, commenting and replying by keyboard', async () => {
  const page = L.page;
  // A translation to switch to (as a member would add it).
  await ok(page, 'POST', `/api/v1/proposals/${pid}/translations`, { language: 'en', title: 'Clean rivers', body: 'We propose to *clean* the rivers.', source: 'human' });
  await open(page, `/proposals/${pid}`, '#text-label');
  assert.equal(await page.locator('#proposal-title').textContent(), 'Clean rivers');
  await tabTo(page, '#show-original');
  await page.keyboard.press('Enter');
  await page.locator('#text-label[data-kind=original]').waitFor();
  assert.equal(await page.locator('#proposal-title').textContent(), 'Des rivières propres');
  assert.equal(await active(page), 'show-translation');
  await page.keyboard.press('Space');
  await page.locator('#text-label[data-kind=human]').waitFor();
  assert.equal(await active(page), 'show-original');

  await tabTo(page, '#endorse-button');
  await page.keyboard.press('Enter');
  await page.locator('#endorse-button[aria-pressed=true]').waitFor();
  assert.equal(await active(page), 'endorse-button');

  await tabTo(page, '#comment-new-body');
  await page.keyboard.type('Which rivers first?');
  await tabTo(page, '#comment-new button[type=submit]');
  await page.keyboard.press('Enter');
  const c = page.locator('#comment-list > li').first();
  await c.waitFor();
  const cid = await c.getAttribute('data-comment');
  assert.equal(await active(page), `comment-${cid}`);
  await tabTo(page, `#comment-${cid} .comment-reply`);
  await page.keyboard.press('Enter');
  assert.equal(await active(page), `reply-${cid}-body`);
  // Escape closes the reply form and gives focus back to Reply.
  await page.keyboard.press('Escape');
  assert.equal(await page.locator(`#reply-${cid}`).count(), 0);
  assert.match(await active(page), /comment-reply/);
  await page.keyboard.press('Enter');
  await page.keyboard.type('The Seine and the Paraná.');
  await tabTo(page, `#reply-${cid} button[type=submit]`);
  await page.keyboard.press('Enter');
  const reply = page.locator('#comment-list > li[data-depth="1"]');
  await reply.waitFor();
  assert.equal(await active(page), `comment-${await reply.getAttribute('data-comment')}`);
  assert.deepEqual(L.b.errors, []);
});

test('comparing versions by keyboard, and the same page in Arabic', async () => {
  await ok(K.page, 'PATCH', `/api/v1/proposals/${pid}`, { body: 'Nous proposons de *nettoyer* toutes les rivières.' });
  const page = L.page;
  await open(page, `/proposals/${pid}`, '#versions');
  await tabTo(page, '#versions summary');
  await page.keyboard.press('Enter');
  await page.locator('#diff-out .diff').waitFor();
  assert.match(await page.locator('#diff-out ins').first().textContent(), /toutes/);
  await tabTo(page, '#diff-from');
  await tabTo(page, '#diff-form button[type=submit]');
  await page.keyboard.press('Enter');
  await page.locator('#diff-out .diff').waitFor();
  // Arabic: the same flows are reachable and the layout is mirrored.
  await page.evaluate(() => localStorage.setItem('pnyx.lang', 'ar'));
  await open(page, `/proposals/${pid}`, '#text-label');
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  await tabTo(page, '#endorse-button');
  await page.keyboard.press('Enter');
  await page.locator('#endorse-button[aria-pressed=false]').waitFor();
  assert.equal(await active(page), 'endorse-button');
  await page.evaluate(() => localStorage.setItem('pnyx.lang', 'en'));
  assert.deepEqual(L.b.errors, []);
});
