// SPDX-License-Identifier: AGPL-3.0-or-later
// Helpers of the proposal browser tests (proposals*.test.mjs): API calls
// from a logged-in page (cookie + CSRF token, as the app sends them),
// people and an assembly with an advancement rule, keyboard navigation.
import assert from 'node:assert/strict';
import { BASE, launch, unique, registerViaUi } from './lib.mjs';

// fetch from inside the page, with the session cookie and CSRF token.
export async function api(page, method, path, body) {
  return page.evaluate(async ([m, p, bd]) => {
    const r = await fetch(p, {
      method: m,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': localStorage.getItem('pnyx.csrf') },
      body: bd === undefined ? undefined : JSON.stringify(bd),
    });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = text; }
    return { status: r.status, body: json };
  }, [method, path, body]);
}

export async function ok(page, method, path, body, want = [200, 201]) {
  const r = await api(page, method, path, body);
  assert.ok(want.includes(r.status), `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// A person in their own browser, registered through the UI.
export async function person({ name, country, languages, password = 'correct horse battery 2026' }) {
  const b = await launch();
  const page = b.ctx.pages()[0] || await b.ctx.newPage();
  const email = `${unique(name.split(' ')[0].toLowerCase())}@example.org`;
  await registerViaUi(page, { name, email, password, country, languages });
  const me = await ok(page, 'GET', '/api/v1/me');
  return { b, page, me, name };
}

export async function join(p, aid) {
  await ok(p.page, 'POST', `/api/v1/assemblies/${aid}/join`, undefined, [200, 201, 204]);
}

// Wait for the app to have rendered the page at `path`.
export async function open(page, path, sel = 'main h1') {
  await page.goto(`${BASE}${path}`);
  await page.waitForFunction(() => document.body.classList.contains('ready'));
  await page.locator(sel).first().waitFor();
}

// Press Tab until the focused element matches `selector` (at most max
// presses): the keyboard path a person takes. Returns the number of presses.
export async function tabTo(page, selector, { max = 120, shift = false } = {}) {
  for (let i = 1; i <= max; i += 1) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    if (await page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), selector)) return i;
  }
  throw new Error(`Tab never reached ${selector}`);
}

export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}#${el.id}.${el.className}` : '';
  });
}

// Confirm the app's modal dialog (confirmDialog) with its OK button.
export async function confirm(page) {
  const dlg = page.locator('dialog[open]');
  await dlg.waitFor();
  await dlg.locator('button[value=ok]').click();
  await dlg.waitFor({ state: 'detached' });
}

export const sideways = (page) => page.evaluate(() => ({ scroll: document.scrollingElement.scrollWidth, inner: innerWidth }));
