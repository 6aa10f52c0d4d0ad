// SPDX-License-Identifier: AGPL-3.0-or-later
// No server English in translated pages: each refusal the UI can meet is
// triggered in French, Spanish and Arabic, and the page shows the
// catalogue's message built from the problem's slug and params and each
// field error's code and params (static/js/problems.js), never the
// server's English title, detail or field message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, unique, registerViaUi, shot } from './lib.mjs';
import * as i18n from '../../static/js/i18n.js';
import { problemMessage, fieldMessage } from '../../static/js/problems.js';

let conv; // a logged-in convener
let anon; // a browser with nobody logged in
let pc;
let pa;
let aid;
const english = new Set(); // every English text the server sent in a problem

before(async () => {
  conv = await launch();
  anon = await launch();
  pc = conv.ctx.pages()[0] || await conv.ctx.newPage();
  pa = anon.ctx.pages()[0] || await anon.ctx.newPage();
  for (const p of [pc, pa]) {
    p.on('response', async (r) => {
      if (r.status() < 400 || !r.url().includes('/api/')) return;
      try {
        const body = await r.json();
        for (const s of [body.title, body.detail, ...(body.fields || []).map((f) => f.message)]) if (s) english.add(s);
      } catch { /* not JSON */ }
    });
  }
});
after(async () => { await conv?.close(); await anon?.close(); });

async function inLang(lang, fn) { await i18n.apply(lang); return fn(); }

async function setLang(page, lang) {
  await page.evaluate((l) => localStorage.setItem('pnyx.lang', l), lang);
}

async function go(page, path, lang) {
  await page.goto(`${BASE}${path}`);
  await page.waitForFunction((l) => document.documentElement.lang === l && document.body.classList.contains('ready'), lang);
}

// Nothing the server said in English is on the page.
async function noEnglish(page, where) {
  const text = await page.locator('body').innerText();
  assert.ok(english.size > 0, 'the server has refused something');
  for (const s of english) assert.ok(!text.includes(s), `${where}: server English "${s}" on the page`);
}

async function api(page, method, path, body) {
  return page.evaluate(async ([m, p, bd]) => {
    const r = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': localStorage.getItem('pnyx.csrf') }, body: bd === undefined ? undefined : JSON.stringify(bd) });
    return { status: r.status, body: r.status === 204 ? null : await r.json() };
  }, [method, path, body]);
}

const inWeek = () => new Date(Date.now() + 7 * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');

test('set-up: a convener and an invite-only assembly', async () => {
  await registerViaUi(pc, { name: 'Ines Duarte', email: `${unique('ines')}@example.org`, password: 'atlantic harbour lights 58', country: 'PT', languages: 'en' });
  const a = await api(pc, 'POST', '/api/v1/assemblies', { title: 'Iberian Rivers Assembly', visibility: 'public', join_policy: 'invite', default_language: 'en' });
  assert.equal(a.status, 201);
  aid = a.body.id;
});

for (const lang of ['fr', 'es', 'ar']) {
  test(`${lang}: registration and login refusals are translated`, async () => {
    await pa.goto(`${BASE}/`);
    await setLang(pa, lang);
    // A password that is too short: 422 validation, too_short {min: 10}.
    await go(pa, '/register', lang);
    await pa.locator('[name=display_name]').fill('Someone');
    await pa.locator('[name=email]').fill(`${unique('short')}@example.org`);
    await pa.locator('[name=password]').fill('short');
    await pa.locator('[name=country]').selectOption('ES');
    const resp = pa.waitForResponse((r) => r.url().endsWith('/api/v1/accounts'));
    await pa.locator('#register-form button[type=submit]').click();
    const problem = await (await resp).json();
    const f = problem.fields.find((x) => x.field === 'password');
    assert.equal(f.code, 'too_short');
    await pa.locator('input[name=password][aria-invalid=true]').waitFor();
    const errId = `${await pa.locator('input[name=password]').getAttribute('id')}-error`;
    assert.equal(await pa.locator(`#${errId}`).textContent(), await inLang(lang, () => fieldMessage('password', 'too_short', f.params)));
    assert.equal(await pa.locator('#register-form .alert-title').textContent(), await inLang(lang, () => problemMessage(422, problem)));
    await noEnglish(pa, `${lang} register too_short`);

    // A malformed email address: format {format: email} (or the server's code for it).
    await pa.locator('[name=email]').fill('not-an-address');
    await pa.locator('[name=password]').fill('a long enough passphrase 7');
    const resp2 = pa.waitForResponse((r) => r.url().endsWith('/api/v1/accounts'));
    await pa.locator('#register-form button[type=submit]').click();
    const p2 = await (await resp2).json();
    const f2 = p2.fields.find((x) => x.field === 'email');
    await pa.locator('input[name=email][aria-invalid=true]').waitFor();
    const err2 = `${await pa.locator('input[name=email]').getAttribute('id')}-error`;
    assert.equal(await pa.locator(`#${err2}`).textContent(), await inLang(lang, () => fieldMessage('email', f2.code, f2.params)));
    await noEnglish(pa, `${lang} register email`);

    // An address already registered.
    const taken = `${unique(`taken-${lang}`)}@example.org`;
    assert.equal((await api(pa, 'POST', '/api/v1/accounts', { email: taken, password: 'some passphrase 12345', display_name: 'T', country: 'ES', languages: ['es'] })).status, 201);
    await pa.locator('[name=email]').fill(taken);
    const resp3 = pa.waitForResponse((r) => r.url().endsWith('/api/v1/accounts'));
    await pa.locator('#register-form button[type=submit]').click();
    const p3 = await (await resp3).json();
    await pa.locator('#register-form .alert-error:not([hidden])').waitFor();
    assert.equal(await pa.locator('#register-form .alert-title').textContent(), await inLang(lang, () => problemMessage(p3.status, p3)));
    await noEnglish(pa, `${lang} register taken`);

    // Wrong password at login: 401 invalid-credentials.
    await go(pa, '/login', lang);
    await pa.locator('[name=email]').fill(`${unique('nobody')}@example.org`);
    await pa.locator('[name=password]').fill('not the right password');
    const resp4 = pa.waitForResponse((r) => r.url().endsWith('/api/v1/sessions'));
    await pa.locator('#login-form button[type=submit]').click();
    const p4 = await (await resp4).json();
    assert.match(p4.type, /invalid-credentials$/);
    await pa.locator('#login-form .alert-error:not([hidden])').waitFor();
    assert.equal(await pa.locator('#login-form .alert-title').textContent(), await inLang(lang, () => problemMessage(401, p4)));
    await noEnglish(pa, `${lang} login`);
    await shot(pa, `errors-login-${lang}`);
    assert.deepEqual(anon.errors, []);
  });

  test(`${lang}: a throttled login says how long to wait, in words`, async () => {
    await go(pa, '/login', lang);
    // The refusal as the contract describes it (429 + Retry-After), served
    // here so the test does not depend on the throttle's thresholds.
    await pa.route('**/api/v1/sessions', (route) => route.fulfill({
      status: 429,
      headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '180' },
      body: JSON.stringify({ type: 'https://pnyx.dev/problems/rate-limited', title: 'Too many requests', status: 429, detail: 'Too many attempts; retry later', request_id: 'x' }),
    }));
    english.add('Too many requests').add('Too many attempts; retry later');
    await pa.locator('[name=email]').fill('someone@example.org');
    await pa.locator('[name=password]').fill('whatever it is 123');
    await pa.locator('#login-form button[type=submit]').click();
    await pa.locator('#login-form .alert-error:not([hidden])').waitFor();
    const text = await pa.locator('#login-form .alert-title').textContent();
    const inWords = new Intl.RelativeTimeFormat(lang, { numeric: 'always' }).format(3, 'minute');
    assert.ok(text.includes(inWords), `"${text}" says "${inWords}"`);
    assert.equal(text, await inLang(lang, () => problemMessage(429, { type: 'https://pnyx.dev/problems/rate-limited' }, 180)));
    await pa.unroute('**/api/v1/sessions');
    await noEnglish(pa, `${lang} 429`);
  });

  test(`${lang}: assembly, member and invitation refusals are translated`, async () => {
    await setLang(pc, lang);
    // An empty title (only spaces): refused by the server with a field error.
    await go(pc, '/assemblies/new', lang);
    await pc.locator('[name=title]').fill('   ');
    const r1 = pc.waitForResponse((r) => r.url().endsWith('/api/v1/assemblies') && r.request().method() === 'POST');
    await pc.locator('#create-assembly-form button[type=submit]').click();
    const p1 = await (await r1).json();
    await pc.locator('#create-assembly-form .alert-error:not([hidden])').waitFor();
    assert.equal(await pc.locator('#create-assembly-form .alert-title').textContent(), await inLang(lang, () => problemMessage(p1.status, p1)));
    const tf = (p1.fields || []).find((x) => x.field === 'title');
    if (tf) {
      const id = `${await pc.locator('[name=title]').getAttribute('id')}-error`;
      assert.equal(await pc.locator(`#${id}`).textContent(), await inLang(lang, () => fieldMessage('title', tf.code, tf.params)));
    }
    await noEnglish(pc, `${lang} create`);

    // The sole convener steps down: 409 last-convener, next to the row.
    await go(pc, `/assemblies/${aid}`, lang);
    const row = pc.locator('#member-table tbody tr').first();
    await row.locator('select[name=role]').selectOption('member');
    await row.locator('button[type=submit]').click();
    await pc.getByRole('dialog').locator('.button-danger').click();
    await row.locator('.row-error [role=alert]').waitFor();
    assert.equal(await row.locator('.row-error .alert-title').textContent(),
      await inLang(lang, () => problemMessage(409, { type: 'https://pnyx.dev/problems/last-convener' })));
    assert.equal(await row.locator('select[name=role]').inputValue(), 'convener', 'the refused select returns to its saved value');
    await noEnglish(pc, `${lang} last-convener`);
    await shot(pc, `errors-last-convener-${lang}`);

    // Zero uses for an invitation: an error, not silently 1.
    await pc.locator('#invite-form [name=max_uses]').fill('0');
    await pc.locator('#invite-form button[type=submit]').click();
    const usesErr = `${await pc.locator('#invite-form [name=max_uses]').getAttribute('id')}-error`;
    await pc.locator(`#${usesErr}:not([hidden])`).waitFor();
    assert.equal(await pc.locator(`#${usesErr}`).textContent(), await inLang(lang, () => fieldMessage('max_uses', 'out_of_range', { min: 1, max: 10000 })));
    assert.equal(await pc.locator('#invite-link').count(), 0, 'no invitation was made');

    // Accepting an invitation to an assembly one already belongs to.
    const inv = await api(pc, 'POST', `/api/v1/assemblies/${aid}/invitations`, { role: 'member', max_uses: 2, expires_at: inWeek() });
    await go(pc, `/invitations/${inv.body.code}`, lang);
    const r2 = pc.waitForResponse((r) => r.url().endsWith('/accept'));
    await pc.locator('#accept-button').click();
    const p2 = await (await r2).json();
    assert.match(p2.type, /already-member$/);
    await pc.locator('main [role=alert]').waitFor();
    assert.equal(await pc.locator('main [role=alert] .alert-title').textContent(), await inLang(lang, () => problemMessage(409, p2)));
    await noEnglish(pc, `${lang} already-member`);

    // An unknown invitation code.
    await go(pc, '/invitations/no-such-code-at-all', lang);
    if (await pc.locator('#accept-button').count()) {
      const r3 = pc.waitForResponse((r) => r.url().endsWith('/accept'));
      await pc.locator('#accept-button').click();
      await r3;
    }
    await pc.locator('main [role=alert]').waitFor();
    assert.equal(await pc.locator('main [role=alert] .alert-title').textContent(),
      await inLang(lang, () => problemMessage(404, { type: 'https://pnyx.dev/problems/invitation-not-found' })));
    await noEnglish(pc, `${lang} invitation-not-found`);

    // A page that does not exist.
    await go(pc, '/assemblies/999999999', lang);
    assert.equal(await pc.locator('main h1').textContent(), await inLang(lang, () => i18n.t('notfound.title')));
    await noEnglish(pc, `${lang} not-found`);
    await setLang(pc, 'en');
    assert.deepEqual(conv.errors, []);
  });
}

// Every kind the server can answer (errors.def, plus the contract's
// not-implemented) and every field code, as the browser renders them: each
// problem is handed to the page's own ApiError and showErrors (the path a
// refused request takes after the fetch), so each one is met in turn
// without making pnyxd say things it would not.
const fs = await import('node:fs');
const defs = [...fs.readFileSync(new URL('../../backend/src/api/errors.def', import.meta.url), 'utf8')
  .matchAll(/^X\([A-Z_]+,\s*(\d+),\s*"([a-z0-9-]+)",\s*"([^"]*)"/gm)].map((m) => ({ status: Number(m[1]), slug: m[2], title: m[3] }));
defs.push({ status: 501, slug: 'not-implemented', title: 'Not implemented' });
const CODES = { required: {}, unknown: {}, type: { expected: 'string' }, too_short: { min: 2 }, too_long: { max: 80 },
  too_few: { min: 1 }, too_many: { max: 10 }, out_of_range: { min: 1, max: 9 }, one_of: { allowed: ['member', 'observer'] },
  format: { format: 'email' }, control_characters: {}, no_visible_character: {}, unbalanced_bidi: {}, duplicate: {},
  taken: {}, too_common: {}, empty: {}, not_allowed: {} };

for (const lang of ['fr', 'es', 'ar']) {
  test(`${lang}: every problem slug and field code is shown in ${lang}`, async () => {
    await pa.goto(`${BASE}/`);
    await setLang(pa, lang);
    await go(pa, '/register', lang);
    await pa.locator('[name=display_name]').fill('Someone');
    const submit = async (problem) => {
      const p = { request_id: 'r', ...problem };
      for (const x of [p.title, p.detail, ...(p.fields || []).map((f) => f.message)]) if (x) english.add(x);
      await pa.evaluate(async (pr) => {
        const { ApiError } = await import('/js/api.js');
        const { showErrors } = await import('/js/ui.js');
        showErrors(document.getElementById('register-form'), new ApiError(pr.status, pr, 30));
      }, p);
      await pa.locator('#register-form .alert-error:not([hidden])').waitFor();
    };
    for (const d of defs) {
      const problem = { type: `https://pnyx.dev/problems/${d.slug}`, title: d.title, status: d.status, detail: `${d.title}: details in English` };
      await submit(problem);
      const shown = await pa.locator('#register-form .alert-title').textContent();
      assert.equal(shown, await inLang(lang, () => problemMessage(d.status, problem, 30)), d.slug);
      assert.notEqual(shown, await inLang('en', () => problemMessage(d.status, problem, 30)), `${d.slug} falls back to English`);
    }
    for (const [code, params] of Object.entries(CODES)) {
      const problem = { type: 'https://pnyx.dev/problems/validation', title: 'Validation failed', status: 422,
        fields: [{ field: 'display_name', code, params, message: `display_name: English explanation of ${code}` }] };
      await submit(problem);
      const id = `${await pa.locator('[name=display_name]').getAttribute('id')}-error`;
      const shown = await pa.locator(`#${id}`).textContent();
      assert.equal(shown, await inLang(lang, () => fieldMessage('display_name', code, params)), code);
      assert.notEqual(shown, await inLang('en', () => fieldMessage('display_name', code, params)), `${code} falls back to English`);
    }
    // More errors than the 16 a problem carries: said, in the reader's language.
    await submit({ type: 'https://pnyx.dev/problems/validation', title: 'Validation failed', status: 422, fields_truncated: true,
      fields: [{ field: '', code: 'unknown', params: {}, message: 'unknown member' }] });
    const more = await inLang(lang, () => i18n.t('error.more_fields'));
    assert.ok((await pa.locator('#register-form .alert-error').textContent()).includes(more), more);
    await noEnglish(pa, `${lang} every slug and code`);
    assert.deepEqual(anon.errors, []);
  });
}
