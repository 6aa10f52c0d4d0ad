// SPDX-License-Identifier: AGPL-3.0-or-later
// Every page on a 390 px phone, in English and Arabic: nothing scrolls
// sideways (document.scrollingElement.scrollWidth <= innerWidth), the
// audit page stays short (one sentence per entry, the canonical JSON
// behind a disclosure, the verification result inside the entry that was
// verified), and the member table becomes stacked cards. Screenshots of
// each page at 1280 px and 390 px, in English and Arabic, go to
// <build>/browser-screenshots (phone-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, shot, unique, registerViaUi } from './lib.mjs';

let b;
let page;
let aid;
let inviteLink;
let pid;
let sid;

before(async () => {
  b = await launch();
  page = b.ctx.pages()[0] || await b.ctx.newPage();
});
after(async () => { await b?.close(); });

async function api(method, path, body) {
  return page.evaluate(async ([m, p, bd]) => {
    const r = await fetch(p, {
      method: m,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': localStorage.getItem('pnyx.csrf') },
      body: bd === undefined ? undefined : JSON.stringify(bd),
    });
    return { status: r.status, body: r.status === 204 ? null : await r.json() };
  }, [method, path, body]);
}

async function sideways() {
  return page.evaluate(() => ({ scroll: document.scrollingElement.scrollWidth, inner: innerWidth }));
}

async function setLang(lang) {
  await page.evaluate((l) => localStorage.setItem('pnyx.lang', l), lang);
}

async function open(path, lang) {
  await page.goto(`${BASE}${path}`);
  await page.waitForFunction((l) => document.documentElement.lang === l && document.body.classList.contains('ready'), lang);
  await page.locator('main h1').first().waitFor();
}

test('a convener with an assembly, members, an audit log and an invitation', async () => {
  await registerViaUi(page, { name: 'Nomvula Dlamini', email: `${unique('nomvula')}@example.org`, password: 'baobab sunrise 1977 river', country: 'ZA', languages: 'en' });
  const a = await api('POST', '/api/v1/assemblies', {
    title: 'Southern African Water Commons Assembly', description: 'Rivers, dams and drought shared by six countries.',
    visibility: 'public', join_policy: 'open', default_language: 'en',
  });
  assert.equal(a.status, 201);
  aid = a.body.id;
  const inv = await api('POST', `/api/v1/assemblies/${aid}/invitations`, { role: 'member', max_uses: 5, expires_at: new Date(Date.now() + 7 * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
  assert.equal(inv.status, 201);
  inviteLink = `/invitations/${inv.body.code}`;
  // Proposals (issue 10): one with a comment, for the proposal pages below.
  const pr = await api('POST', `/api/v1/assemblies/${aid}/proposals`, {
    title: 'Shared early warning for floods on the Zambezi', language: 'en',
    body: 'Six countries share the river.\n\n- One warning system\n- Open data from every gauge\n\n> Water knows no borders.',
  });
  assert.equal(pr.status, 201);
  pid = pr.body.id;
  assert.equal((await api('POST', `/api/v1/proposals/${pid}/comments`, { body: 'Who runs the *gauges*?', language: 'en' })).status, 201);
  // Two more members from other countries, through the API of their own sessions.
  const other = await launch();
  try {
    const p2 = other.ctx.pages()[0] || await other.ctx.newPage();
    await registerViaUi(p2, { name: 'Tendai Moyo', email: `${unique('tendai')}@example.org`, password: 'zambezi falls mist 2024', country: 'ZW', languages: 'en' });
    await p2.goto(`${BASE}/assemblies/${aid}`);
    await p2.getByRole('button', { name: 'Join this assembly' }).click();
    await p2.getByText('Your role: Member').waitFor();
  } finally { await other.close(); }
  // A selection by lot with its pool, quotas and computed chances (sortweb's pages).
  const sel = await api('POST', `/api/v1/assemblies/${aid}/selections`, { title: 'Basin panel', categories: ['country', 'gender'], household: false });
  assert.equal(sel.status, 201);
  sid = sel.body.id;
  const people = Array.from({ length: 10 }, (_, i) => `${['ZA', 'ZW'][i % 2]},${i < 5 ? 'female' : 'male'}`);
  assert.equal((await api('PUT', `/api/v1/selections/${sid}/pool`, { csv: `country,gender\n${people.join('\n')}\n` })).status, 200);
  const quotas = [['country', 'ZA'], ['country', 'ZW'], ['gender', 'female'], ['gender', 'male']].map(([category, feature]) => ({ category, feature, min: 1, max: 3 }));
  assert.equal((await api('PATCH', `/api/v1/selections/${sid}`, { k: 4, quotas })).status, 200);
  const run = await api('POST', `/api/v1/selections/${sid}/runs`, { method: 'leximin' });
  assert.equal(run.status, 202);
  for (let i = 0; i < 300; i += 1) {
    const r = await api('GET', `/api/v1/selections/${sid}/runs/${run.body.id}`);
    if (r.body.status === 'done') break;
    await new Promise((res) => { setTimeout(res, 200); });
  }
});

const PAGES = () => [
  ['home', '/'], ['assemblies', '/assemblies'], ['create', '/assemblies/new'], ['assembly', `/assemblies/${aid}`],
  ['audit', `/assemblies/${aid}/audit`], ['invitation', inviteLink], ['notfound', '/no/such/page'],
  ['proposals', `/assemblies/${aid}/proposals`], ['proposal-new', `/assemblies/${aid}/proposals/new`],
  ['proposal', `/proposals/${pid}`], ['proposal-edit', `/proposals/${pid}/edit`], ['proposal-translate', `/proposals/${pid}/translate`],
  ['selections', `/assemblies/${aid}/selections`], ['selection', `/assemblies/${aid}/selections/${sid}`], ['selection-check', `/assemblies/${aid}/selections/${sid}/check`],
];
const ANON = [['home-anon', '/'], ['register', '/register'], ['login', '/login'], ['assemblies-anon', '/assemblies'], ['invitation-anon', () => inviteLink],
  ['proposals-anon', () => `/assemblies/${aid}/proposals`], ['proposal-anon', () => `/proposals/${pid}`]];

for (const lang of ['en', 'ar']) {
  test(`every page at 390 px and 1280 px in ${lang}: nothing scrolls sideways`, async () => {
    await setLang(lang);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 844 });
      for (const [name, path] of PAGES()) {
        await open(path, lang);
        if (name === 'audit') {
          // Open every disclosure and verify an entry: the worst case.
          for (const d of await page.locator('#audit-list details').all()) await d.locator('summary').click();
          await page.locator('#audit-list li').nth(1).getByRole('button').click();
          await page.locator('#audit-list li').nth(1).locator('#inclusion-status .verdict:not([data-status=checking])').waitFor();
          for (const d of await page.locator('#inclusion-result details').all()) await d.locator('summary').click();
        }
        if (name === 'proposal') {
          // Open the history and a reply form: the widest state of the page.
          await page.locator('#comment-list li').first().waitFor();
          await page.locator('#comment-list li .comment-reply').first().click();
        }
        const s = await sideways();
        assert.ok(s.scroll <= s.inner, `${name} (${lang}, ${width} px) scrolls sideways: ${s.scroll} > ${s.inner}`);
        await shot(page, `phone-${name}-${width}-${lang}`);
      }
    }
    assert.deepEqual(b.errors, []);
  });
}

test('the audit page on a phone: a sentence per entry, short, result beside its button', async () => {
  await setLang('en');
  await page.setViewportSize({ width: 390, height: 844 });
  await open(`/assemblies/${aid}/audit`, 'en');
  const items = page.locator('#audit-list > li');
  const n = await items.count();
  assert.ok(n >= 4, `entries: ${n}`);
  const sentences = await page.locator('#audit-list .audit-sentence').allTextContents();
  assert.ok(sentences.includes('Tendai Moyo joined as member.'), sentences.join(' | '));
  assert.ok(sentences.includes('Nomvula Dlamini created the assembly.'), sentences.join(' | '));
  // Translated kind and local time on each entry; JSON hidden until asked for.
  assert.match(await items.first().locator('.audit-meta').textContent(), /Entry 1 · .+ · Assembly created/);
  assert.equal(await page.locator('#audit-list pre.entry:visible').count(), 0);
  // Each entry is a readable block, not a 2-character column: the whole
  // list is a few screens at most (five entries were 11,000 px before).
  const listHeight = await page.locator('#audit-list').evaluate((el) => el.getBoundingClientRect().height);
  assert.ok(listHeight < 300 * n, `audit list is ${listHeight} px tall for ${n} entries`);
  const btn = items.nth(2).getByRole('button', { name: /Verify inclusion/ });
  await btn.click();
  const verdict = items.nth(2).locator('#inclusion-status .verdict:not([data-status=checking])');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('data-status'), 'verified');
  const bb = await btn.boundingBox();
  const vb = await verdict.boundingBox();
  assert.ok(vb.y > bb.y && vb.y - (bb.y + bb.height) < 120, `result ${vb.y - bb.y} px below its button`);
});

test('the member table reads as stacked cards on a phone, a table on a desktop', async () => {
  await setLang('en');
  await page.setViewportSize({ width: 390, height: 844 });
  await open(`/assemblies/${aid}`, 'en');
  const row = page.locator('#member-table tbody tr').first();
  assert.equal(await row.evaluate((el) => getComputedStyle(el).display), 'block');
  assert.equal(await page.locator('#member-table thead').evaluate((el) => el.getBoundingClientRect().width <= 1), true);
  const label = await row.locator('td[data-label]').first().evaluate((el) => getComputedStyle(el, '::before').content);
  assert.equal(label, '"Role: "');
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.equal(await row.evaluate((el) => getComputedStyle(el).display), 'table-row');
});

test('anonymous pages at 390 px in English and Arabic', async () => {
  await page.evaluate(() => fetch('/api/v1/sessions/current', { method: 'DELETE', headers: { 'X-CSRF-Token': localStorage.getItem('pnyx.csrf') } }));
  for (const lang of ['en', 'ar']) {
    await setLang(lang);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 844 });
      for (const [name, p] of ANON) {
        await open(typeof p === 'function' ? p() : p, lang);
        const s = await sideways();
        assert.ok(s.scroll <= s.inner, `${name} (${lang}, ${width} px) scrolls sideways: ${s.scroll} > ${s.inner}`);
        await shot(page, `phone-${name}-${width}-${lang}`);
      }
    }
  }
  await setLang('en');
  assert.deepEqual(b.errors, []);
});

test('catalogues load on demand: English (the fallback) and the reader\'s language only', async () => {
  await setLang('ar');
  await open('/login', 'ar');
  const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.startsWith('/js/i18n/')).sort());
  assert.deepEqual(loaded, ['/js/i18n/ar.js', '/js/i18n/en.js']);
  await setLang('en');
  await open('/login', 'en');
  const onlyEn = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.startsWith('/js/i18n/')));
  assert.deepEqual(onlyEn, ['/js/i18n/en.js']);
});

test('a slow page shows progress (aria-busy and a progress bar), then the page', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await open('/', 'en');
  let release;
  const gate = new Promise((r) => { release = r; });
  await page.route('**/api/v1/assemblies?*', async (route) => { await gate; await route.continue(); });
  await page.getByRole('link', { name: 'Assemblies', exact: true }).click();
  await page.locator('#page-progress:not([hidden])').waitFor();
  assert.equal(await page.locator('#main').getAttribute('aria-busy'), 'true');
  assert.equal(await page.locator('#page-progress').getAttribute('role'), 'progressbar');
  assert.equal(await page.locator('#page-progress').getAttribute('aria-label'), 'Loading…');
  release();
  await page.getByRole('heading', { level: 1, name: 'Assemblies' }).waitFor();
  assert.equal(await page.locator('#main').getAttribute('aria-busy'), null);
  assert.equal(await page.locator('#page-progress').isHidden(), true);
  await page.unroute('**/api/v1/assemblies?*');
  assert.deepEqual(b.errors, []);
});

// qweb: the question pages (issue 11) at 390 px and 1280 px, in English and
// Arabic, from fixtures (questions_lib.mjs): the list, the create form, an
// open question with its ballot under review, a counted question's
// results, and the board after a check — each in its widest state.
test('question pages at 390 px and 1280 px in English and Arabic: nothing scrolls sideways', async () => {
  const Q = await import('./questions_lib.mjs');
  await registerViaUi(page, { name: 'Siosaia Taufa', email: `${unique('siosaia')}@example.org`, password: 'pacific tide 2026 reef', country: 'TO', languages: 'en' });
  const qa = await api('POST', '/api/v1/assemblies', { title: 'Pacific Ocean Commons Assembly', visibility: 'public', join_policy: 'open', default_language: 'en' });
  assert.equal(qa.status, 201);
  const qaid = qa.body.id;
  const nonce = 'c7'.repeat(16);
  const mine = { question: Q.QID, ranking: ['C', 'B'], nonce, receipt: Q.receiptOf(Q.QID, ['C', 'B'], nonce) };
  const bd = Q.board(mine);
  const state = {};
  await Q.serve(page, qaid, state);
  const open_ = () => { state.q = Q.question(qaid); };
  const tallied = () => {
    state.q = Q.question(qaid, { state: 'tallied', ballots: bd.size, board_root: bd.root, closed_at: '2026-12-02T10:00:00Z' });
    state.result = Q.result();
    state.board = bd;
    state.log = Q.signedLog(qaid, bd);
  };
  const shots = [
    ['questions', `/assemblies/${qaid}/questions`, open_, null],
    ['question-new', `/assemblies/${qaid}/questions/new`, open_, null],
    ['question-ballot', `/questions/${Q.QID}`, open_, async () => {
      await page.locator('#unranked-list li[data-option=C] button[data-role=add]').click();
      await page.locator('#unranked-list li[data-option=B] button[data-role=add]').click();
      await page.locator('#review-button').click();
      await page.locator('#review').waitFor();
    }],
    ['question-results', `/questions/${Q.QID}`, tallied, () => page.locator('#results').waitFor()],
    ['question-board', `/questions/${Q.QID}/board`, tallied, async () => {
      await page.locator('#check-receipt').fill(JSON.stringify(mine));
      await page.locator('#check-button').click();
      await page.locator('#check-verdict .verdict[data-status=verified]').waitFor();
    }],
  ];
  for (const lang of ['en', 'ar']) {
    await setLang(lang);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 844 });
      for (const [name, path, prepare, act] of shots) {
        prepare();
        await open(path, lang);
        if (act) await act();
        const s = await sideways();
        assert.ok(s.scroll <= s.inner, `${name} (${lang}, ${width} px) scrolls sideways: ${s.scroll} > ${s.inner}`);
        await shot(page, `phone-${name}-${width}-${lang}`);
      }
    }
  }
  await setLang('en');
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  assert.deepEqual(b.errors, []);
});
