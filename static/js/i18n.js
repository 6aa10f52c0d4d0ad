// SPDX-License-Identifier: AGPL-3.0-or-later
// Language selection and message lookup. Order of preference: a language
// the person picked with the switcher (kept in localStorage), then the
// account's languages, then navigator.languages, then English.
import { MESSAGES, RTL } from './messages.js';

export const SUPPORTED = Object.keys(MESSAGES);
const STORE_KEY = 'pnyx.lang';
let current = 'en';
const listeners = new Set();

// Map a BCP 47 tag to a supported catalogue by its primary subtag
// ("fr-CA" -> "fr"); null when none matches.
export function match(tag) {
  if (typeof tag !== 'string') return null;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return SUPPORTED.includes(primary) ? primary : null;
}

function stored() {
  try { return match(localStorage.getItem(STORE_KEY)); } catch { return null; }
}

// Pick the UI language from the stored choice, the account and the browser.
export function resolve(accountLanguages) {
  const candidates = [stored(), ...(accountLanguages || []), ...(navigator.languages || [navigator.language])];
  for (const c of candidates) {
    const m = match(c);
    if (m) return m;
  }
  return 'en';
}

export function lang() { return current; }

// Apply a language to the document: lang and dir on <html> so the logical
// CSS properties mirror the layout for right-to-left scripts.
export function apply(code) {
  current = match(code) || 'en';
  const html = document.documentElement;
  html.lang = current;
  html.dir = RTL.has(current) ? 'rtl' : 'ltr';
  for (const fn of listeners) fn(current);
}

// The switcher: remember the choice so it wins over account and browser.
export function choose(code) {
  try { localStorage.setItem(STORE_KEY, code); } catch { /* private mode */ }
  apply(code);
}

export function onChange(fn) { listeners.add(fn); }

export function t(key, params) {
  let s = MESSAGES[current][key] ?? MESSAGES.en[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

export function has(key) { return key in MESSAGES.en; }

export function countryName(code) {
  if (!code) return '';
  try {
    return new Intl.DisplayNames([current], { type: 'region' }).of(code) || code;
  } catch { return code; }
}

export function languageName(tag) {
  try {
    return new Intl.DisplayNames([current], { type: 'language' }).of(tag) || tag;
  } catch { return tag; }
}

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatNumber(n) {
  return new Intl.NumberFormat(current).format(n);
}

export function collator() { return new Intl.Collator(current); }

export function formatList(items) {
  try { return new Intl.ListFormat(current, { style: 'short', type: 'conjunction' }).format(items); } catch { return items.join(', '); }
}
