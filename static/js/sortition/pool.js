// SPDX-License-Identifier: AGPL-3.0-or-later
// The pool files organisers already use (the Sortition Foundation's
// categories.csv and respondents.csv), read and checked in the browser
// before anything is sent: RFC 4180 CSV (quoted fields with commas, quotes
// and line breaks; CRLF or LF; no final newline needed), then every
// problem found with the line and the column it is on, so a convener can
// fix the file in their spreadsheet. Pure functions, no DOM: the same
// module runs under node's test runner.
//
// A problem is {file: 'categories'|'respondents'|'quotas', line, column,
// code, params}: line is the file's line number (the header is line 1, as
// a spreadsheet counts rows), column the header name (null for the whole
// row), code one of CODES; the page words it in the reader's language.

export const CODES = ['empty_file', 'unterminated_quote', 'missing_header', 'field_count', 'required',
  'not_integer', 'min_above_max', 'duplicate_feature', 'missing_column', 'unknown_value',
  'household_column', 'k_range', 'min_sum_above_k', 'max_sum_below_k', 'not_enough', 'no_categories'];

// Parse CSV text into records [{line, fields: [string]}], line being the
// line on which the record starts. Throws {code:'unterminated_quote', line}.
export function parseCsv(text) {
  const s = String(text).replace(/^\uFEFF/, ''); // a spreadsheet's byte-order mark
  const out = [];
  let fields = [];
  let cur = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let quoteLine = 0;
  let any = false; // the current record has content
  for (let i = 0; i < s.length; i += 1) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') { cur += '"'; i += 1; } else quoted = false;
      } else {
        if (c === '\n') line += 1;
        cur += c;
      }
      continue;
    }
    if (c === '"') { quoted = true; quoteLine = line; any = true; continue; }
    if (c === ',') { fields.push(cur); cur = ''; any = true; continue; }
    if (c === '\r' || c === '\n') {
      if (c === '\r' && s[i + 1] === '\n') i += 1;
      if (any || cur !== '') { fields.push(cur); out.push({ line: start, fields }); }
      fields = []; cur = ''; any = false;
      line += 1; start = line;
      continue;
    }
    cur += c;
    any = true;
  }
  if (quoted) { const e = new Error('unterminated quote'); e.code = 'unterminated_quote'; e.line = quoteLine; throw e; }
  if (any || cur !== '') { fields.push(cur); out.push({ line: start, fields }); }
  return out;
}

const trim = (v) => String(v ?? '').trim();
const problem = (file, line, column, code, params = {}) => ({ file, line, column, code, params });

// categories.csv: `category,feature,min,max` (header names case-insensitive,
// extra columns ignored). Returns {categories: [{name, features: [{name,
// min, max}]}], problems}.
export function parseCategories(text) {
  const problems = [];
  let recs;
  try { recs = parseCsv(text); } catch (e) {
    return { categories: [], problems: [problem('categories', e.line, null, 'unterminated_quote')] };
  }
  if (!recs.length) return { categories: [], problems: [problem('categories', 1, null, 'empty_file')] };
  const head = recs[0].fields.map((f) => trim(f).toLowerCase());
  const col = {};
  for (const name of ['category', 'feature', 'min', 'max']) {
    col[name] = head.indexOf(name);
    if (col[name] < 0) problems.push(problem('categories', 1, name, 'missing_header', { name }));
  }
  if (problems.length) return { categories: [], problems };
  const byName = new Map();
  for (const r of recs.slice(1)) {
    if (r.fields.length !== head.length) {
      problems.push(problem('categories', r.line, null, 'field_count', { expected: head.length, found: r.fields.length }));
      continue;
    }
    const v = Object.fromEntries(Object.entries(col).map(([k, i]) => [k, trim(r.fields[i])]));
    let bad = false;
    for (const k of ['category', 'feature', 'min', 'max']) {
      if (v[k] === '') { problems.push(problem('categories', r.line, k, 'required')); bad = true; }
    }
    for (const k of ['min', 'max']) {
      if (v[k] !== '' && !/^\d{1,6}$/.test(v[k])) { problems.push(problem('categories', r.line, k, 'not_integer', { value: v[k] })); bad = true; }
    }
    if (bad) continue;
    const min = Number(v.min);
    const max = Number(v.max);
    if (min > max) { problems.push(problem('categories', r.line, 'min', 'min_above_max', { min, max })); continue; }
    let cat = byName.get(v.category);
    if (!cat) { cat = { name: v.category, features: [] }; byName.set(v.category, cat); }
    if (cat.features.some((f) => f.name === v.feature)) {
      problems.push(problem('categories', r.line, 'feature', 'duplicate_feature', { category: v.category, feature: v.feature }));
      continue;
    }
    cat.features.push({ name: v.feature, min, max, line: r.line });
  }
  const categories = [...byName.values()];
  if (!categories.length && !problems.length) problems.push(problem('categories', 2, null, 'no_categories'));
  return { categories, problems };
}

// respondents.csv: a header row, then one row per respondent; every
// category is a column; other columns (id, email, address…) are kept
// only for the household column. Returns {header, rows: [{line, values:
// {category: feature}, household}], problems}.
export function parseRespondents(text, categories, householdColumn = '') {
  const problems = [];
  let recs;
  try { recs = parseCsv(text); } catch (e) {
    return { header: [], rows: [], problems: [problem('respondents', e.line, null, 'unterminated_quote')] };
  }
  if (!recs.length) return { header: [], rows: [], problems: [problem('respondents', 1, null, 'empty_file')] };
  const header = recs[0].fields.map(trim);
  const idx = new Map(header.map((h, i) => [h, i]));
  for (const c of categories) {
    if (!idx.has(c.name)) problems.push(problem('respondents', 1, c.name, 'missing_column', { name: c.name }));
  }
  const hh = trim(householdColumn);
  if (hh && !idx.has(hh)) problems.push(problem('respondents', 1, hh, 'household_column', { name: hh }));
  if (problems.length) return { header, rows: [], problems };
  const allowed = new Map(categories.map((c) => [c.name, new Set(c.features.map((f) => f.name))]));
  const rows = [];
  for (const r of recs.slice(1)) {
    if (r.fields.length !== header.length) {
      problems.push(problem('respondents', r.line, null, 'field_count', { expected: header.length, found: r.fields.length }));
      continue;
    }
    const values = {};
    let bad = false;
    for (const c of categories) {
      const v = trim(r.fields[idx.get(c.name)]);
      if (v === '') { problems.push(problem('respondents', r.line, c.name, 'required')); bad = true; continue; }
      if (!allowed.get(c.name).has(v)) {
        problems.push(problem('respondents', r.line, c.name, 'unknown_value', { value: v, allowed: [...allowed.get(c.name)] }));
        bad = true;
        continue;
      }
      values[c.name] = v;
    }
    if (bad) continue;
    rows.push({ line: r.line, values, household: hh ? trim(r.fields[idx.get(hh)]) : '' });
  }
  return { header, rows, problems };
}

// The quota table: per category and feature the pool count, its share of
// the pool, the proportional number of seats (k × share) and the quotas.
export function quotaTable(categories, rows, k) {
  const n = rows.length;
  return categories.map((c) => ({
    name: c.name,
    features: c.features.map((f) => {
      const count = rows.reduce((a, r) => a + (r.values[c.name] === f.name ? 1 : 0), 0);
      const share = n ? count / n : 0;
      return { name: f.name, count, share, proportional: share * k, min: f.min, max: f.max };
    }),
  }));
}

// Cheap checks the quotas must pass before any solver runs (the solver's
// feasibility check on the server is the final word): k within 1..n, per
// category the minimums sum to at most k and the maximums to at least k,
// and every minimum is reachable with the people in the pool.
export function checkQuotas(categories, rows, k) {
  const problems = [];
  const n = rows.length;
  if (!Number.isInteger(k) || k < 1 || k > n) problems.push(problem('quotas', null, 'k', 'k_range', { k, n }));
  for (const c of quotaTable(categories, rows, k)) {
    const mins = c.features.reduce((a, f) => a + f.min, 0);
    const maxs = c.features.reduce((a, f) => a + f.max, 0);
    if (mins > k) problems.push(problem('quotas', null, c.name, 'min_sum_above_k', { category: c.name, sum: mins, k }));
    if (maxs < k) problems.push(problem('quotas', null, c.name, 'max_sum_below_k', { category: c.name, sum: maxs, k }));
    for (const f of c.features) {
      if (f.count < f.min) problems.push(problem('quotas', null, c.name, 'not_enough', { category: c.name, feature: f.name, count: f.count, min: f.min }));
    }
  }
  return problems;
}

// Serialise quotas back to categories.csv (what is uploaded after edits).
export function categoriesCsv(categories) {
  const q = (v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = ['category,feature,min,max'];
  for (const c of categories) for (const f of c.features) lines.push([q(c.name), q(f.name), f.min, f.max].join(','));
  return `${lines.join('\n')}\n`;
}
