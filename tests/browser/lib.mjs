// SPDX-License-Identifier: AGPL-3.0-or-later
// Shared set-up for the browser tests: Debian's chromium driven by
// playwright-core (no browser download, ever), a fresh profile per launch,
// no network beyond the loopback pnyxd started by ./run.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordPageResponse, secret } from './record.mjs';

export const BASE = process.env.PNYX_BASE_URL || 'http://127.0.0.1:8080';
export const SHOTS = process.env.PNYX_SCREENSHOT_DIR || path.join(os.tmpdir(), 'pnyx-screenshots');
const CHROMIUM = process.env.PNYX_CHROMIUM || '/usr/bin/chromium';

export async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pnyx-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'en-US',
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync',
      '--lang=en-US',
    ],
  });
  const errors = [];
  ctx.on('page', (p) => watch(p, errors));
  for (const p of ctx.pages()) watch(p, errors);
  // Every response a page receives goes to the contract check (record.mjs);
  // body reads still running are awaited before the context closes.
  const pending = new Set();
  ctx.on('response', (r) => {
    const p = recordPageResponse(r).catch((e) => errors.push(`contract recording: ${e.message}`));
    pending.add(p);
    p.finally(() => pending.delete(p));
  });
  return {
    ctx,
    errors,
    async close() {
      await Promise.allSettled([...pending]);
      await ctx.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Console errors (a CSP violation shows up here) and uncaught exceptions
// fail the test that caused them.
function watch(page, errors) {
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // Expected API refusals (401 on /me when logged out, 4xx in negative
    // steps) are logged by chromium as failed resource loads; not bugs.
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    errors.push(`console: ${text}`);
  });
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export function unique(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

// Register through the UI; leaves the browser logged in on the home page.
export async function registerViaUi(page, { name, email, password, country = 'FR', languages = 'en' }) {
  secret(password);
  await page.goto(`${BASE}/register`);
  await page.getByLabel('Display name').fill(name);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Country of residence').selectOption(country);
  await chooseLanguages(page, languages);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#whoami').waitFor();
}

// Languages are chosen by name from a list ("sv, en" = Swedish, then English).
export async function chooseLanguages(page, languages) {
  const remove = page.locator('#languages-chosen .chip-remove');
  while (await remove.count()) await remove.first().click();
  for (const tag of languages.split(/[\s,]+/).filter(Boolean)) {
    await page.locator('select[name=languages]').selectOption(tag);
    await page.locator('#languages-add').click();
  }
}

export async function loginViaUi(page, email, password) {
  secret(password);
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#whoami').waitFor();
}
