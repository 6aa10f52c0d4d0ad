// SPDX-License-Identifier: AGPL-3.0-or-later
// Accessibility checks on every page, in English and Arabic: each form
// control has a label, each button and link an accessible name, text meets
// WCAG AA contrast (4.5:1, 3:1 for large text), and every element reached
// with Tab shows a visible focus indicator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, unique, registerViaUi } from './lib.mjs';

let b;
let page;
let assemblyPath;

// Runs inside the page; returns a list of human-readable failures.
function pageAudit() {
  const fails = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none';
  };
  const describe = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.name ? `[name=${el.name}]` : ''} "${(el.textContent || '').trim().slice(0, 30)}"`;

  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    if ((!el.labels || el.labels.length === 0) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
      fails.push(`unlabelled control ${describe(el)}`);
    }
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    if (!visible(el)) continue;
    const name = (el.getAttribute('aria-label') || el.textContent || '').trim();
    if (!name && !el.querySelector('img[alt]:not([alt=""])')) fails.push(`no accessible name: ${describe(el)}`);
  }

  const parse = (c) => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : [0, 0, 0, 0];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const bgOf = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] === 1) break; }
    }
    let color = [255, 255, 255, 1];
    for (const l of layers.reverse()) color = over(l, color);
    return color;
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, c) => { const [x, y] = [lum(a), lum(c)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || seen.has(el) || !n.textContent.trim()) continue;
    seen.add(el);
    if (!visible(el) || el.closest('[aria-hidden=true], .visually-hidden, option, :disabled')) continue;
    const cs = getComputedStyle(el);
    const bg = bgOf(el);
    const fg = over(parse(cs.color), bg);
    const size = parseFloat(cs.fontSize);
    const bold = Number(cs.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    const r = ratio(fg, bg);
    if (r < (large ? 3 : 4.5)) fails.push(`contrast ${r.toFixed(2)} < ${large ? 3 : 4.5}: ${describe(el)}`);
  }
  return fails;
}

async function focusAudit() {
  const fails = [];
  // Start from the top: focusing the skip link also resets the sequential
  // focus navigation starting point (a click elsewhere would have moved it).
  await page.evaluate(() => { document.getElementById('skip-link').focus(); window.scrollTo(0, 0); });
  const seen = new Set();
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const cs = getComputedStyle(el);
      const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none';
      return { key: `${el.tagName}#${el.id}[${el.getAttribute('name') || ''}]${(el.textContent || '').trim().slice(0, 20)}`, ring };
    });
    if (!info) break;
    if (seen.has(info.key)) break; // wrapped around
    seen.add(info.key);
    if (!info.ring) fails.push(`no visible focus: ${info.key}`);
  }
  return { fails, count: seen.size };
}

async function check(path, lang, prepare) {
  await page.goto(`${BASE}${path}`);
  await page.locator('main h1').first().waitFor();
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
  if (prepare) await prepare();
  const fails = await page.evaluate(pageAudit);
  const focus = await focusAudit();
  assert.ok(focus.count >= 3, `${path}: only ${focus.count} focusable elements reached with Tab`);
  assert.deepEqual([...fails, ...focus.fails], [], `${path} (${lang})`);
}

before(async () => {
  b = await launch();
  page = b.ctx.pages()[0] || await b.ctx.newPage();
});

after(async () => { await b?.close(); });

test('anonymous pages', async () => {
  for (const p of ['/', '/register', '/login', '/assemblies', '/invitations/some-code', '/no/such/page']) await check(p, 'en');
  // With error messages showing.
  await check('/register', 'en', async () => {
    await page.locator('#register-form button[type=submit]').click();
    await page.locator('.field-error:not([hidden])').first().waitFor();
  });
});

test('pages of a logged-in member, in English and Arabic', async () => {
  await registerViaUi(page, { name: 'Chiamaka Obi', email: `${unique('chi')}@example.org`, password: 'tropical thunder garden 3', country: 'NG', languages: 'en' });
  const created = await page.evaluate(async () => {
    const r = await fetch('/api/v1/assemblies', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': localStorage.getItem('pnyx.csrf') },
      body: JSON.stringify({ title: 'Lake Chad Basin Assembly', description: 'Water, farming and migration.', visibility: 'public', join_policy: 'open', default_language: 'en' }),
    });
    return r.json();
  });
  assemblyPath = `/assemblies/${created.id}`;
  const pages = ['/', '/assemblies', '/assemblies/new', assemblyPath, `${assemblyPath}/audit`];
  const verifyFirst = async () => {
    await page.locator('#audit-list li').first().getByRole('button').click();
    await page.locator('#inclusion-status .verdict').waitFor();
  };
  for (const p of pages) await check(p, 'en');
  await check(`${assemblyPath}/audit`, 'en', verifyFirst);
  await page.getByLabel('Language', { exact: true }).selectOption('ar');
  for (const p of pages) await check(p, 'ar');
  await check(`${assemblyPath}/audit`, 'ar', verifyFirst);
  await page.getByLabel('اللغة').selectOption('en');
  assert.deepEqual(b.errors, []);
});

test('proposal pages (issue 10), in English and Arabic', async () => {
  // A proposal with a comment and a second version, in the assembly made above.
  const call = (m, p, bd) => page.evaluate(async ([mm, pp, bb]) => {
    const r = await fetch(pp, { method: mm, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': localStorage.getItem('pnyx.csrf') }, body: bb === undefined ? undefined : JSON.stringify(bb) });
    return { status: r.status, body: await r.json() };
  }, [m, p, bd]);
  const aid = assemblyPath.split('/').pop();
  const p = await call('POST', `/api/v1/assemblies/${aid}/proposals`, { title: 'Irrigation shared by four countries', body: 'We propose *one* water authority.\n\n- Shared data\n- Shared rules', language: 'en' });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const pid = p.body.id;
  assert.equal((await call('PATCH', `/api/v1/proposals/${pid}`, { body: 'We propose *one* joint water authority.\n\n- Shared data\n- Shared rules' })).status, 200);
  assert.equal((await call('POST', `/api/v1/proposals/${pid}/comments`, { body: 'Who chairs it?', language: 'en' })).status, 201);
  const openAll = async () => {
    await page.locator('#comment-list li').first().waitFor();
    await page.locator('#versions summary').click();
    await page.locator('#diff-out .diff').waitFor();
    await page.locator('#comment-list .comment-reply').first().click();
  };
  for (const lang of ['en', 'ar']) {
    await page.evaluate((l) => localStorage.setItem('pnyx.lang', l), lang);
    for (const path of [`${assemblyPath}/proposals`, `${assemblyPath}/proposals/new`, `/proposals/${pid}/translate`, `/proposals/${pid}/edit`]) await check(path, lang);
    await check(`/proposals/${pid}`, lang, openAll);
  }
  await page.evaluate(() => localStorage.setItem('pnyx.lang', 'en'));
  assert.deepEqual(b.errors, []);
});

// sortweb: the selection pages (issue 14), with a pool, quotas and computed
// chances, and the new-selection form showing a problem of a bad row.
test('selection pages, in English and Arabic', async () => {
  const call = (method, path, body) => page.evaluate(async ([m, p, bd]) => {
    const r = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': localStorage.getItem('pnyx.csrf') }, body: bd === undefined ? undefined : JSON.stringify(bd) });
    return { status: r.status, body: await r.json() };
  }, [method, path, body]);
  const aid = assemblyPath.split('/').pop();
  const sel = await call('POST', `/api/v1/assemblies/${aid}/selections`, { title: 'Basin panel', categories: ['country', 'gender'], household: false });
  assert.equal(sel.status, 201);
  const sid = sel.body.id;
  const people = Array.from({ length: 10 }, (_, i) => `${['NG', 'TD'][i % 2]},${i < 5 ? 'female' : 'male'}`);
  assert.equal((await call('PUT', `/api/v1/selections/${sid}/pool`, { csv: `country,gender\n${people.join('\n')}\n` })).status, 200);
  const quotas = [['country', 'NG'], ['country', 'TD'], ['gender', 'female'], ['gender', 'male']].map(([category, feature]) => ({ category, feature, min: 1, max: 3 }));
  assert.equal((await call('PATCH', `/api/v1/selections/${sid}`, { k: 4, quotas })).status, 200);
  const run = await call('POST', `/api/v1/selections/${sid}/runs`, { method: 'leximin' });
  for (let i = 0; i < 300 && (await call('GET', `/api/v1/selections/${sid}/runs/${run.body.id}`)).body.status !== 'done'; i += 1) await new Promise((r) => { setTimeout(r, 200); });
  const badRow = async () => {
    const f = (name, text) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
    await page.locator('input[name=categories]').setInputFiles(f('categories.csv', 'category,feature,min,max\ncountry,NG,1,2\ngender,female,1,1\ngender,male,1,1\n'));
    await page.locator('input[name=respondents]').setInputFiles(f('respondents.csv', 'country,gender\nNG,female\nNG,femme\nNG,male\n'));
    await page.locator('#pool-problems').waitFor();
  };
  for (const lang of ['en', 'ar']) {
    await page.evaluate((l) => localStorage.setItem('pnyx.lang', l), lang);
    await check(`${assemblyPath}/selections`, lang, badRow);
    await check(`${assemblyPath}/selections/${sid}`, lang, () => page.locator('#curve').waitFor());
    await check(`${assemblyPath}/selections/${sid}/check`, lang);
  }
  await page.evaluate(() => localStorage.setItem('pnyx.lang', 'en'));
  assert.deepEqual(b.errors, []);
});

// qweb: the question pages (issue 11) — list, create form with its preview,
// an open question with the ballot (and its review step), the receipt, a
// counted question's results, and the board with a check — served from
// fixtures (questions_lib.mjs) so that every part shows.
test('question pages, in English and Arabic', async () => {
  const Q = await import('./questions_lib.mjs');
  const aid = assemblyPath.split('/').pop();
  const nonce = 'a5'.repeat(16);
  const mine = { question: Q.QID, ranking: ['B', 'A'], nonce, receipt: Q.receiptOf(Q.QID, ['B', 'A'], nonce) };
  const bd = Q.board(mine);
  const state = { q: Q.question(aid) };
  await Q.serve(page, aid, state);
  const review = async () => {
    await page.locator('#unranked-list li[data-option=B] button[data-role=add]').click();
    await page.locator('#unranked-list li[data-option=A] button[data-role=add]').click();
    await page.locator('#review-button').click();
    await page.locator('#review').waitFor();
  };
  const cast = async () => { await review(); await page.locator('#cast-button').click(); await page.locator('#receipt').waitFor(); };
  const checked = async () => {
    await page.locator('#check-receipt').fill(JSON.stringify(mine));
    await page.locator('#check-button').click();
    await page.locator('#check-verdict .verdict[data-status=verified]').waitFor();
  };
  for (const lang of ['en', 'ar']) {
    await page.evaluate((l) => localStorage.setItem('pnyx.lang', l), lang);
    state.q = Q.question(aid);
    await check(`${assemblyPath}/questions`, lang);
    await check(`${assemblyPath}/questions/new`, lang);
    await check(`/questions/${Q.QID}`, lang);
    await check(`/questions/${Q.QID}`, lang, review);
    await check(`/questions/${Q.QID}`, lang, cast);
    state.q = Q.question(aid, { state: 'tallied', ballots: bd.size, board_root: bd.root, closed_at: '2026-12-02T10:00:00Z' });
    state.result = Q.result();
    state.board = bd;
    state.log = Q.signedLog(aid, bd);
    await check(`/questions/${Q.QID}`, lang, () => page.locator('#results').waitFor());
    await check(`/questions/${Q.QID}/board`, lang, checked);
  }
  await page.evaluate(() => localStorage.setItem('pnyx.lang', 'en'));
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  assert.deepEqual(b.errors, []);
});
