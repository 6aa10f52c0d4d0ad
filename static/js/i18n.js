// SPDX-License-Identifier: AGPL-3.0-or-later
// Language selection and message lookup. Order of preference: a language
// the person picked with the switcher (kept in localStorage), then the
// account's languages, then navigator.languages, then English.
//
// Catalogues live one per language in i18n/<code>.js and are loaded on
// demand: English (the fallback for any key a translation lacks) and the
// reader's language, nothing else.

export const SUPPORTED = ['en', 'fr', 'es', 'ar'];
// Right-to-left scripts among the supported languages.
export const RTL = new Set(['ar']);
// Each language named in itself, so anyone can find their own.
export const AUTONYMS = { en: 'English', fr: 'Français', es: 'Español', ar: 'العربية' };

const STORE_KEY = 'pnyx.lang';
const catalogues = new Map();
let current = 'en';
const listeners = new Set();

// Load one catalogue (cached). Only a supported code reaches import().
export async function load(code) {
  if (!SUPPORTED.includes(code)) code = 'en';
  if (!catalogues.has(code)) {
    const mod = await import(`./i18n/${code}.js`);
    catalogues.set(code, mod.default);
  }
  return catalogues.get(code);
}

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

// Did the person pick a language with the switcher?
export function chosen() { return stored(); }

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
export async function apply(code) {
  const next = match(code) || 'en';
  await Promise.all([load('en'), load(next)]);
  current = next;
  if (typeof document !== 'undefined') { // node's tests load catalogues too
    const html = document.documentElement;
    html.lang = current;
    html.dir = RTL.has(current) ? 'rtl' : 'ltr';
  }
  for (const fn of listeners) fn(current);
}

// The switcher (or registering in a language): remember the choice so it
// wins over account and browser.
export async function choose(code) {
  try { localStorage.setItem(STORE_KEY, code); } catch { /* private mode */ }
  await apply(code);
}

export function onChange(fn) { listeners.add(fn); }

function lookup(key) {
  const cur = catalogues.get(current);
  if (cur && key in cur) return cur[key];
  const en = catalogues.get('en');
  if (en && key in en) return en[key];
  return undefined;
}

// A plural message is an object of Intl.PluralRules categories; params.n
// picks the form (Arabic has six: zero, one, two, few, many, other).
function pick(value, params) {
  if (typeof value === 'string') return value;
  const n = Number(params?.n ?? 0);
  const cat = new Intl.PluralRules(current).select(n);
  return value[cat] ?? value.other;
}

// t(key, params): the message in the current language, {name} placeholders
// filled from params; a number param is formatted for the locale.
export function t(key, params) {
  const value = lookup(key);
  if (value === undefined) return key;
  let s = pick(value, params);
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, k) => {
      if (!(k in params)) return m;
      const v = params[k];
      return typeof v === 'number' ? formatNumber(v) : String(v);
    });
  }
  return s;
}

// A label (role, status) used inside a sentence: "joined as member".
export function inSentence(key) { return t(key).toLocaleLowerCase(current); }

export function has(key) { return lookup(key) !== undefined; }

export function countryName(code) {
  if (!code) return '';
  try {
    return new Intl.DisplayNames([current], { type: 'region' }).of(code) || code;
  } catch { return code; }
}

export function languageName(tag, inLang = current) {
  try {
    return new Intl.DisplayNames([inLang], { type: 'language' }).of(tag) || tag;
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

export function formatList(items, type = 'conjunction') {
  try { return new Intl.ListFormat(current, { style: 'long', type }).format(items); } catch { return items.join(', '); }
}

// A wait in words, "in 3 minutes", from a number of seconds (Retry-After).
export function formatWait(seconds) {
  const s = Math.max(1, Math.ceil(Number(seconds) || 0));
  let value = s;
  let unit = 'second';
  if (s >= 5400) { value = Math.ceil(s / 3600); unit = 'hour'; } else if (s >= 90) { value = Math.ceil(s / 60); unit = 'minute'; }
  try {
    return new Intl.RelativeTimeFormat(current, { numeric: 'always' }).format(value, unit);
  } catch { return `${value} ${unit}`; }
}
