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
  'household_column', 'k_range', 'min_sum_above_k', 'max_sum_below_k', 'not_enough', 'no_categories',
  'no_country', 'country_code', 'categories_differ'];

// The assembly records every volunteer's country (one person, one vote,
// national origin shown): a selection's categories always include this
// one, its values ISO 3166-1 alpha-2 codes (the server checks the same).
export const COUNTRY = 'country';

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
  else if (categories.length && !byName.has(COUNTRY)) problems.push(problem('categories', 1, 'category', 'no_country', { name: COUNTRY }));
  return { categories, problems };
}

// respondents.csv: a header row, then one row per respondent; every
// category is a column; of the other columns only the household column and
// the columns named "name" and "email" (to invite the people drawn) are
// kept. `countries` (a Set of ISO codes), when given, is what a country
// value must be. Returns {header, rows: [{line, values: {category:
// feature}, household, name, email}], problems}.
export function parseRespondents(text, categories, householdColumn = '', countries = null) {
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
      if (c.name === COUNTRY && countries && !countries.has(v.toUpperCase())) {
        problems.push(problem('respondents', r.line, c.name, 'country_code', { value: v }));
        bad = true;
        continue;
      }
      if (!allowed.get(c.name).has(v)) {
        problems.push(problem('respondents', r.line, c.name, 'unknown_value', { value: v, allowed: [...allowed.get(c.name)] }));
        bad = true;
        continue;
      }
      values[c.name] = v;
    }
    if (bad) continue;
    const contact = (name) => {
      const i = header.findIndex((x) => x.toLowerCase() === name);
      return i >= 0 && !categories.some((c) => c.name === header[i]) ? trim(r.fields[i]) : '';
    };
    rows.push({ line: r.line, values, household: hh ? trim(r.fields[idx.get(hh)]) : '', name: contact('name'), email: contact('email') });
  }
  return { header, rows, problems };
}

// A household is named in the public record by a random tag, never by
// the address that made it one: equal non-empty values get one tag.
// `random` returns a fresh tag (crypto in the browser; fixed in tests).
export function householdTags(rows, random) {
  const tags = new Map();
  return rows.map((r) => {
    if (!r.household) return '';
    if (!tags.has(r.household)) {
      let tag;
      do { tag = random(); } while ([...tags.values()].includes(tag));
      tags.set(r.household, tag);
    }
    return tags.get(r.household);
  });
}

// The pool as uploaded (PUT …/pool {csv}): the category columns, then
// household (its tag), name and email when there are any. Nothing else
// leaves the browser.
export function uploadCsv(categories, rows, tags) {
  const q = (v) => (/[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const cols = categories.map((c) => c.name);
  const withHh = tags.some(Boolean);
  const withName = rows.some((r) => r.name);
  const withEmail = rows.some((r) => r.email);
  const head = [...cols, ...(withHh ? ['household'] : []), ...(withName ? ['name'] : []), ...(withEmail ? ['email'] : [])];
  const lines = [head.map(q).join(',')];
  rows.forEach((r, i) => {
    lines.push([...cols.map((c) => r.values[c]), ...(withHh ? [tags[i]] : []), ...(withName ? [r.name] : []), ...(withEmail ? [r.email] : [])].map(q).join(','));
  });
  return `${lines.join('\n')}\n`;
}

// Each volunteer's receipt: what they need to find and check their own
// commitment, and nothing else. From the server's answer to the upload
// ({pool: [{row, pseudonym, salt}]}, row = position in the upload) and the
// pool as stored (GET …/pool: [{index, pseudonym, values (in the
// selection's category order), household (the server's tag)}]).
export function receipts(selectionId, categoryOrder, rows, reply, stored) {
  const byPseudonym = new Map((stored || []).map((x) => [x.pseudonym, x]));
  return (reply.pool || []).map((p) => {
    const r = rows[p.row];
    const s = byPseudonym.get(p.pseudonym) || {};
    const values = Array.isArray(s.values) ? Object.fromEntries(categoryOrder.map((c, i) => [c, s.values[i]])) : {};
    return {
      line: r ? r.line : null,
      name: r ? r.name : '',
      email: r ? r.email : '',
      receipt: { selection: String(selectionId), pseudonym: p.pseudonym, salt: p.salt, values, household: s.household || '' },
    };
  });
}

export function receiptsCsv(list) {
  const q = (v) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  return `${['line', 'name', 'email', 'pseudonym', 'receipt'].join(',')}\n${list.map((x) => [x.line, x.name, x.email, x.receipt.pseudonym, JSON.stringify(x.receipt)].map(q).join(',')).join('\n')}\n`;
}

// The quotas as the API takes them (PATCH {quotas}).
export function quotaRows(categories) {
  return categories.flatMap((c) => c.features.map((f) => ({ category: c.name, feature: f.name, min: f.min, max: f.max })));
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
