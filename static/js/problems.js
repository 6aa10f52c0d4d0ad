// SPDX-License-Identifier: AGPL-3.0-or-later
// Messages for API refusals, built in the reader's language from the
// problem's slug and params and each field error's code and params
// (the contract: api-spec/openapi.yaml, Problem and FieldError). The
// server's English `title`, `detail` and `message` are for API users and
// are never shown.
import { t, has, formatWait, formatList, formatDate, formatNumber } from './i18n.js';

// The closed set of field error codes (api-spec/openapi.yaml, FieldError.code).
export const FIELD_CODES = ['required', 'unknown', 'type', 'too_short', 'too_long', 'too_few', 'too_many',
  'out_of_range', 'one_of', 'format', 'control_characters', 'no_visible_character', 'unbalanced_bidi',
  'duplicate', 'taken', 'too_common', 'empty', 'not_allowed'];
export const FORMATS = ['email', 'language_tag', 'country', 'date_time', 'decimal'];

export function slugOf(problem) {
  const type = problem && typeof problem.type === 'string' ? problem.type : '';
  const m = /\/problems\/([a-z0-9-]+)$/.exec(type);
  return m ? m[1] : '';
}

// The problem's headline: its slug's message, then the wait for a 429.
export function problemMessage(status, problem, retryAfter) {
  if (status === 0) return t('error.network');
  const slug = slugOf(problem);
  const params = problem && typeof problem.params === 'object' && problem.params ? problem.params : {};
  let s = slug && has(`problem.${slug}`) ? t(`problem.${slug}`, flat(params)) : t('error.status', { status });
  if (status === 429 && retryAfter > 0) s = `${s} ${t('retry.wait', { when: formatWait(retryAfter) })}`;
  return s;
}

// Enumeration values the UI has names for (roles, statuses, visibility…).
function valueName(v) {
  for (const p of ['role', 'status', 'visibility', 'join', 'pstatus']) if (has(`${p}.${v}`)) return t(`${p}.${v}`);
  return String(v);
}

// A param for display: numbers formatted, RFC 3339 times as local dates.
function show(v) {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return formatDate(v);
  if (Array.isArray(v)) return formatList(v.map(valueName), 'disjunction');
  return String(v);
}

function flat(params) {
  const out = {};
  for (const [k, v] of Object.entries(params)) out[k] = show(v);
  return out;
}

// One field error {field, code, params} as a sentence.
export function fieldMessage(name, code, params = {}) {
  const p = params && typeof params === 'object' ? params : {};
  const own = `fielderr.${name}.${code}`;
  switch (code) {
    case 'too_short': case 'too_few':
      return t(has(own) ? own : `fielderr.${code}`, { n: Number(p.min) || 0 });
    case 'too_long': case 'too_many':
      return t(has(own) ? own : `fielderr.${code}`, { n: Number(p.max) || 0 });
    case 'out_of_range': {
      const f = flat(p);
      if ('min' in p && 'max' in p) return t('fielderr.out_of_range.between', f);
      if ('min' in p) return t('fielderr.out_of_range.min', f);
      if ('max' in p) return t('fielderr.out_of_range.max', f);
      return t('fielderr.out_of_range');
    }
    case 'one_of':
      return Array.isArray(p.allowed) && p.allowed.length ? t('fielderr.one_of', flat(p)) : t('fielderr.other');
    case 'format':
      return FORMATS.includes(p.format) ? t(`fielderr.format.${p.format}`) : t('fielderr.format');
    default:
      if (has(own)) return t(own);
      if (FIELD_CODES.includes(code)) return t(`fielderr.${code}`);
      return t('fielderr.other');
  }
}

// Field errors as a Map: field name (the path's first step, so
// "languages/2" is "languages"; "" for the whole body) -> message.
export function fieldMessages(problem) {
  const out = new Map();
  const list = problem && Array.isArray(problem.fields) ? problem.fields : [];
  for (const e of list) {
    if (!e || typeof e !== 'object') continue;
    const name = String(e.field ?? '').split('/')[0];
    if (!out.has(name)) out.set(name, fieldMessage(name, String(e.code || ''), e.params));
  }
  return out;
}
