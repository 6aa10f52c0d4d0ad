// SPDX-License-Identifier: AGPL-3.0-or-later
// Browser test 1 (issue 2): register with the keyboard only, log out,
// log in, switch the UI to Arabic and see a right-to-left, mirrored layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, shot, unique, chooseLanguages } from './lib.mjs';

let b;
let page;
const email = `${unique('ada')}@example.org`;
const password = 'correct horse battery staple 7';
const name = 'Ada Lovelace';

before(async () => {
  b = await launch();
  page = b.ctx.pages()[0] || await b.ctx.newPage();
});

after(async () => {
  await b?.close();
});

async function focused() {
  return page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'), type: el.getAttribute('type') };
  });
}

test('a field error from the server is shown next to its field', async () => {
  await page.goto(`${BASE}/register`);
  await page.getByLabel('Display name').fill('Someone');
  await page.getByLabel('Email address').fill(`${unique('short')}@example.org`);
  await page.getByLabel('Password').fill('short');
  await page.getByLabel('Country of residence').selectOption('DE');
  await chooseLanguages(page, 'de');
  await page.getByRole('button', { name: 'Create account' }).click();
  const pw = page.getByLabel('Password');
  await page.locator('input[name=password][aria-invalid=true]').waitFor();
  const errId = `${await pw.getAttribute('id')}-error`;
  const msg = await page.locator(`#${errId}`).textContent();
  assert.ok(msg && msg.trim().length > 0, 'password error message is shown');
  assert.ok((await pw.getAttribute('aria-describedby')).includes(errId), 'error is tied to the field');
  assert.equal(await page.locator('form .alert-error[role=alert]').isVisible(), true, 'problem title in the alert');
  assert.deepEqual(b.errors, []);
});

test('register with the keyboard only', async () => {
  // The pages run under the server's strict CSP (no inline script or style).
  const resp = await page.goto(`${BASE}/register`);
  const csp = resp.headers()['content-security-policy'] || '';
  assert.match(csp, /script-src 'self'/, `CSP: ${csp}`);
  assert.doesNotMatch(csp, /unsafe-inline/);
  await page.locator('#register-form').waitFor();
  await shot(page, 'register-en');
  // First Tab reaches the skip link, which is then visible; Enter jumps to main.
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'skip-link');
  const box = await page.locator('#skip-link').boundingBox();
  assert.ok(box && box.y >= 0, 'skip link is on screen when focused');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).name, 'display_name');
  await page.keyboard.type(name);
  await page.keyboard.press('Tab');
  assert.equal((await focused()).name, 'email');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  assert.equal((await focused()).name, 'password');
  await page.keyboard.type(password);
  await page.keyboard.press('Tab');
  const f = await focused();
  assert.equal(f.tag, 'select');
  assert.equal(f.name, 'country');
  await page.keyboard.type('France');
  assert.equal(await page.locator('select[name=country]').inputValue(), 'FR');
  await page.keyboard.press('Tab');
  // Languages are chosen by name: English (the interface language) is
  // already there; French is added from the list with the Add button.
  assert.equal((await focused()).name, 'languages');
  await page.keyboard.type('French');
  assert.equal(await page.locator('select[name=languages]').inputValue(), 'fr');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'languages-add');
  await page.keyboard.press('Enter');
  assert.deepEqual(await page.locator('#languages-chosen .chip').evaluateAll((els) => els.map((e) => e.dataset.tag)), ['en', 'fr']);
  assert.equal((await focused()).name, 'languages');
  let tabs = 0;
  do { await page.keyboard.press('Tab'); tabs += 1; } while ((await focused()).type !== 'submit' && tabs < 8);
  assert.equal((await focused()).type, 'submit');
  // Every control in the form has a label.
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('#register-form input, #register-form select, #register-form textarea')]
    .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.name));
  assert.deepEqual(unlabelled, []);
  await page.keyboard.press('Enter');
  await page.locator('#whoami').waitFor();
  assert.match(await page.locator('#whoami').textContent(), /Ada Lovelace/);
  assert.deepEqual(b.errors, []);
});

test('log out, then log in again', async () => {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('link', { name: 'Log in' }).first().waitFor();
  assert.equal(await page.locator('#whoami').count(), 0);
  await page.goto(`${BASE}/login`);
  // A wrong password: the problem type is shown with the catalogue's title.
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill('not the right password');
  await page.getByRole('button', { name: 'Log in' }).last().click();
  await page.locator('#login-form .alert-error:not([hidden])').waitFor();
  assert.match(await page.locator('#login-form .alert-error').textContent(), /Wrong email address or password/);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#whoami').waitFor();
  assert.match(await page.locator('#whoami').textContent(), /Ada Lovelace/);
  // The session survives a reload (HttpOnly cookie + GET /me).
  await page.reload();
  await page.locator('#whoami').waitFor();
  assert.deepEqual(b.errors, []);
});

test('switching to Arabic gives a right-to-left, mirrored layout that persists', async () => {
  const ltrBrand = await page.locator('#brand').boundingBox();
  const ltrLang = await page.locator('#lang-select').boundingBox();
  assert.ok(ltrBrand.x < ltrLang.x, 'LTR: brand left of the language switcher');
  await page.getByLabel('Language', { exact: true }).selectOption('ar');
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
  const rtlBrand = await page.locator('#brand').boundingBox();
  const rtlLang = await page.locator('#lang-select').boundingBox();
  assert.ok(rtlBrand.x > rtlLang.x, 'RTL: brand right of the language switcher');
  const vw = page.viewportSize().width;
  assert.ok(rtlBrand.x + rtlBrand.width > vw / 2, 'RTL: brand sits at the right edge');
  assert.match(await page.locator('#whoami').textContent(), /مسجّل الدخول/);
  await shot(page, 'home-ar');
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  // The register page in Arabic, for the screenshot review.
  await page.getByRole('button', { name: 'تسجيل الخروج' }).click();
  await page.getByRole('link', { name: 'إنشاء حساب' }).first().waitFor();
  await page.goto(`${BASE}/register`);
  await page.locator('#register-form').waitFor();
  assert.equal(await page.locator('#register-form label').first().textContent(), 'الاسم المعروض');
  // Switching language keeps what was typed, and country names follow the UI language.
  await page.locator('[name=display_name]').fill('Ada');
  await page.locator('[name=country]').selectOption('EG');
  await page.locator('#lang-select').selectOption('fr');
  await page.waitForFunction(() => document.documentElement.lang === 'fr');
  assert.equal(await page.locator('[name=display_name]').inputValue(), 'Ada');
  assert.equal(await page.locator('[name=country] option:checked').textContent(), 'Égypte');
  await page.locator('#lang-select').selectOption('ar');
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  assert.equal(await page.locator('[name=country] option:checked').textContent(), 'مصر');
  await page.locator('[name=display_name]').fill('');
  await page.locator('[name=country]').selectOption('');
  await shot(page, 'register-ar');
  // Back to English for any later test in this profile.
  await page.getByLabel('اللغة').selectOption('en');
  await page.waitForFunction(() => document.documentElement.dir === 'ltr');
  assert.deepEqual(b.errors, []);
});
