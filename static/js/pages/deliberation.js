// SPDX-License-Identifier: AGPL-3.0-or-later
// Pieces shared by the proposal and comment pages (issue 10): dates in the
// reader's time zone with UTC on hover, user text (Markdown subset, bidi
// safe), the label that says what a text is (original, human or machine
// translation, reviewed or not, outdated, through which language), status
// badges, and small helpers.
import { h } from '../dom.js';
import * as i18n from '../i18n.js';
import { t } from '../i18n.js';
import { renderMarkdown, plain } from '../markdown.js';

export const enc = encodeURIComponent;
export const STATUSES = ['draft', 'deliberation', 'ballot', 'adopted', 'rejected', 'withdrawn'];
export const MANAGERS = new Set(['convener', 'facilitator']);

// A <time> in the reader's zone; the UTC time in its title (hover).
export function when(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  let utc = iso;
  try {
    utc = new Intl.DateTimeFormat(i18n.lang(), { dateStyle: 'medium', timeStyle: 'long', timeZone: 'UTC' }).format(d);
  } catch { /* keep the RFC 3339 text */ }
  return h('time', { datetime: iso, title: utc }, i18n.formatDate(iso));
}

// Ids are compared as text (the contract writes them as decimal strings;
// a number must still match). A reference to a person may be an id or an
// object {id, display_name}.
export function sameId(a, b) { return a !== null && a !== undefined && b !== null && b !== undefined && String(a) === String(b); }
export function refId(x) { return x && typeof x === 'object' ? x.id : x; }
// Names of the assembly's members by account id, for references that
// carry only an id (translated_by, reviewed_by): filled by the page.
const names = new Map();
export function setNames(members) {
  names.clear();
  for (const m of members || []) if (m.display_name) names.set(String(m.account_id), m.display_name);
}
function refName(x) {
  if (x && typeof x === 'object') return x.display_name ? plain(x.display_name) : refName(x.id);
  return x !== null && x !== undefined && names.has(String(x)) ? plain(names.get(String(x))) : null;
}

// The languages a reader reads user texts in, most preferred first: the
// account's languages, then the interface language. Sent as
// Accept-Language, so the server picks the best text it has (and says
// which); `?lang=` is sent only when the reader picks one language.
export function readerLanguages(account) {
  const list = [...((account && account.languages) || []), i18n.lang()];
  return [...new Set(list.filter((x) => typeof x === 'string' && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(x)))];
}
export function acceptLanguage(account) {
  return readerLanguages(account).map((l, i) => (i ? `${l};q=${Math.max(0.1, 1 - i / 10).toFixed(1)}` : l)).join(', ');
}
// The language a reader would most likely translate a text into: their
// first language other than the text's, else English (or French from English).
export function targetLanguage(account, from) {
  const p = (x) => String(x || '').toLowerCase().split('-')[0];
  return readerLanguages(account).find((l) => p(l) !== p(from)) || (p(from) === 'en' ? 'fr' : 'en');
}
export function readHeaders(account) { return { 'Accept-Language': acceptLanguage(account) }; }

// A language tag's name in the reader's language.
export function langName(tag) { return tag ? i18n.languageName(tag) : ''; }

// Text a person wrote, as one line (titles, names): bidi controls removed,
// its own direction.
export function userLine(tag, text, attrs = {}) {
  return h(tag, { dir: 'auto', ...attrs }, plain(text));
}

// A body in the Markdown subset, marked with its language.
export function userBody(text, language, attrs = {}) {
  const div = renderMarkdown(text || '');
  if (language) div.setAttribute('lang', language);
  for (const [k, v] of Object.entries(attrs)) div.setAttribute(k, v);
  return div;
}

export function statusBadge(status) {
  return h('span', { class: `badge badge-status badge-${status}`, 'data-status': status }, i18n.has(`pstatus.${status}`) ? t(`pstatus.${status}`) : status);
}

export function person(p) {
  if (!p) return h('span', { class: 'muted' }, t('prop.someone'));
  return h('span', { class: 'person' }, h('bdi', {}, plain(p.display_name)),
    p.country ? h('span', { class: 'muted' }, ` (${i18n.countryName(p.country)})`) : null);
}

// What kind of text this is, as a machine-readable word: original, human,
// machine (reviewed), machine-unreviewed; with outdated and pivoted flags.
export function textKind(tr) {
  if (!tr) return 'original';
  if (tr.source === 'machine') return tr.reviewed ? 'machine' : 'machine-unreviewed';
  return 'human';
}

// Badges for a text: its kind, reviewed or not, outdated, pivot.
export function textBadges(item) {
  const tr = item.translation;
  const kind = textKind(tr);
  const out = [h('span', { class: `badge badge-text badge-${kind}`, 'data-kind': kind }, t(`text.kind.${kind}`))];
  if (tr && tr.source === 'human' && !tr.reviewed) out.push(h('span', { class: 'badge badge-unreviewed' }, t('text.unreviewed')));
  if (tr && tr.reviewed) out.push(h('span', { class: 'badge badge-reviewed' }, t('text.reviewed')));
  if (tr && tr.outdated) out.push(h('span', { class: 'badge badge-outdated', 'data-outdated': 'true' }, t('text.outdated')));
  if (tr && tr.pivot) out.push(h('span', { class: 'badge badge-pivot' }, t('text.via', { language: langName(tr.pivot) })));
  return h('span', { class: 'badges text-badges' }, out);
}

// One sentence saying what the reader is reading.
export function textSentence(item) {
  const tr = item.translation;
  const from = langName(item.original_language);
  const into = langName(item.language);
  if (!tr) return t('text.s.original', { language: from });
  const parts = [];
  if (tr.source === 'machine') {
    parts.push(tr.pivot
      ? t('text.s.machine_pivot', { from, into, via: langName(tr.pivot), engine: tr.translator || t('text.engine') })
      : t('text.s.machine', { from, into, engine: tr.translator || t('text.engine') }));
  } else {
    const by = refName(tr.translated_by);
    parts.push(by ? t('text.s.human_by', { from, into, name: by }) : t('text.s.human', { from, into }));
  }
  if (tr.reviewed) {
    const by = refName(tr.reviewed_by);
    parts.push(by ? t('text.s.reviewed_by', { name: by, date: i18n.formatDate(tr.reviewed_at) }) : t('text.s.reviewed'));
  } else parts.push(t(tr.source === 'machine' ? 'text.s.machine_unreviewed' : 'text.s.unreviewed'));
  if (tr.outdated) parts.push(t('text.s.outdated', { of: tr.of_version }));
  return parts.join(' ');
}

// The whole label: badges and the sentence.
export function textLabel(item, id) {
  return h('div', { class: `text-label text-label-${textKind(item.translation)}`, id, 'data-kind': textKind(item.translation), 'data-outdated': item.translation && item.translation.outdated ? 'true' : null },
    textBadges(item), ' ', h('span', { class: 'text-sentence' }, textSentence(item)));
}

// Counts "n endorsements", "n comments".
export function counts(p) {
  return h('span', { class: 'counts muted' },
    t('prop.n_endorsements', { n: p.endorsements ? p.endorsements.count : 0 }), ' · ',
    t('prop.n_comments', { n: p.comment_count || 0 }));
}
