// SPDX-License-Identifier: AGPL-3.0-or-later
// Selection by lot inside an assembly (issue 14): the list of an
// assembly's selections with the form that starts one from the pool files,
// and one selection's page, step by step — the pool (files read and
// checked here, problems by line and column), the quota table with pool
// counts and shares, the probability curve (LEGACY beside LEXIMIN when
// asked), the optimiser's progress with a cancel button, the commitment,
// the commit–reveal ceremony with its countdown, the draw with the chosen
// panel — and the check page, where the browser recomputes the draw from
// the record and the signed log (sortition/drawcheck.js, logcheck.js) and
// a respondent checks their own place with their receipt. Every step says
// in plain words what it does. API: sortition/client.js.
import { h, clear } from '../dom.js';
import * as i18n from '../i18n.js';
import { t } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { field, input, select, formAlert, showErrors, clearErrors, busy, errorBox, badge, announce, confirmDialog, showErrorIn, dismissNotices } from '../ui.js';
import { COUNTRY_CODES } from '../countries.js';
import { fieldMessage } from '../problems.js';
import * as pool from '../sortition/pool.js';
import * as curve from '../sortition/curve.js';
import * as dc from '../sortition/drawcheck.js';
import * as lc from '../sortition/logcheck.js';
import { client } from '../sortition/client.js';
import { loadAllMembers } from './assemblies.js';
import { flash } from './common.js';
import { enc, MANAGERS } from './deliberation.js';

const COUNTRIES = new Set(COUNTRY_CODES);
// Hashes, ids and numbers keep their order in right-to-left pages.
const ltr = (text, cls = 'mono') => h('span', { dir: 'ltr', class: cls }, text);
const STEPS = ['pool', 'probabilities', 'commit', 'randomness', 'draw', 'check'];
const METHODS = ['leximin', 'maximin', 'legacy'];

function pct(x, digits = 1) {
  return new Intl.NumberFormat(i18n.lang(), { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
}

function verdict(status, text) {
  const mark = { verified: '✓', failed: '✗', skipped: '–', checking: '…', info: 'i' }[status] || '…';
  return h('span', { class: `verdict verdict-${status === 'skipped' ? 'unsupported' : status}`, 'data-status': status },
    h('span', { class: 'verdict-mark', 'aria-hidden': 'true' }, mark), ' ', text);
}

// The step a selection's round has reached (api: Selection.round.status).
function stepOf(s) {
  const r = s.round || {};
  switch (r.status) {
    case 'draft': return s.pool_size ? 'probabilities' : 'pool';
    case 'committed': case 'published': return 'randomness';
    case 'drawn': return 'check';
    default: return 'pool';
  }
}

function stepsNav(current) {
  const at = STEPS.indexOf(current);
  return h('nav', { class: 'card steps-card', 'aria-labelledby': 'steps-h' },
    h('h2', { id: 'steps-h' }, t('sel.steps')),
    h('ol', { class: 'steps', id: 'selection-steps' }, STEPS.map((s, i) => h('li', {
      class: `step${i < at ? ' step-done' : ''}${i === at ? ' step-current' : ''}`,
      'aria-current': i === at ? 'step' : null,
    }, h('span', { class: 'step-name' }, t(`sel.step.${s}`)), h('span', { class: 'step-what' }, t(`sel.step.${s}.what`))))));
}

function download(name, text, type = 'text/csv') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function randomTag() {
  const b = crypto.getRandomValues(new Uint8Array(6));
  return `h-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

// ------------------------------------------------------------ problems --

function problemText(p) {
  const params = { ...p.params };
  if (Array.isArray(params.allowed)) params.allowed = i18n.formatList(params.allowed.map((x) => `“${x}”`), 'disjunction');
  for (const [k, v] of Object.entries(params)) if (typeof v === 'number') params[k] = i18n.formatNumber(v);
  return t(`sel.problem.${p.code}`, params);
}

// A refusal of the upload or the quotas: field errors named like
// "csv/<line>/<column>", "respondents/<i>/values/<column>" or
// "quotas/<i>/max" become rows of the same problems table.
function serverProblems(err, rows) {
  if (!(err instanceof ApiError) || !Array.isArray(err.problem.fields)) return [];
  const out = [];
  for (const f of err.problem.fields) {
    const path = String(f.field || '').split('/');
    const message = fieldMessage(path[path.length - 1], String(f.code || ''), f.params);
    if (path[0] === 'csv') out.push({ file: 'respondents', line: path[1] ? Number(path[1]) : null, column: path[2] || null, message });
    else if (path[0] === 'respondents') out.push({ file: 'respondents', line: rows[Number(path[1])]?.line ?? null, column: path[3] || path[2] || null, message });
    else if (path[0] === 'quotas' || path[0] === 'k') out.push({ file: 'quotas', line: null, column: path[0] === 'k' ? 'k' : null, message });
    else out.push({ file: 'quotas', line: null, column: f.field || null, message });
  }
  return out;
}

function problemsTable(problems) {
  if (!problems.length) return null;
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table stack problems', id: 'pool-problems' },
    h('caption', {}, t('sel.problems', { n: problems.length })),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('sel.problem.file')),
      h('th', { scope: 'col', class: 'num' }, t('sel.problem.line')),
      h('th', { scope: 'col' }, t('sel.problem.column')),
      h('th', { scope: 'col' }, t('sel.problem.what')))),
    h('tbody', {}, problems.slice(0, 200).map((p) => h('tr', { 'data-line': p.line || '', 'data-column': p.column || '', 'data-code': p.code || '' },
      h('td', { 'data-label': t('sel.problem.file') }, t(`sel.file.${p.file}`)),
      h('td', { class: 'num', 'data-label': t('sel.problem.line') }, p.line ? i18n.formatNumber(p.line) : '—'),
      h('td', { 'data-label': t('sel.problem.column') }, p.column ? h('bdi', { class: 'mono' }, p.column) : '—'),
      h('td', { 'data-label': t('sel.problem.what') }, p.message || problemText(p)))))));
}

// --------------------------------------------------------------- quotas --

// The quota table: pool counts, shares, seats by share, editable min/max.
// `cats` [{name, features: [{name, min, max, count}]}] is edited in place.
function quotaTable(cats, n, k, editable, onChange) {
  const groups = [];
  for (const [ci, c] of cats.entries()) {
    const rows = [h('tr', { class: 'quota-cat-row' }, h('th', { scope: 'rowgroup', colspan: 6 }, h('bdi', {}, c.name)))];
    for (const [fi, f] of c.features.entries()) {
      const label = `${c.name}: ${f.name}`;
      const share = n ? f.count / n : 0;
      const cell = (bound) => {
        if (!editable) return i18n.formatNumber(f[bound]);
        const el = h('input', {
          type: 'number', min: 0, max: 100000, inputmode: 'numeric', class: 'quota-input', name: `${bound}:${ci}:${fi}`,
          value: String(f[bound]), 'aria-label': t(`sel.quota.${bound}_of`, { feature: label }),
        });
        el.addEventListener('input', () => {
          const v = Number(el.value);
          if (el.value.trim() !== '' && Number.isInteger(v) && v >= 0) {
            f[bound] = v;
            el.removeAttribute('aria-invalid');
          } else el.setAttribute('aria-invalid', 'true');
          onChange();
        });
        return el;
      };
      rows.push(h('tr', { 'data-category': c.name, 'data-feature': f.name },
        h('th', { scope: 'row' }, h('bdi', {}, f.name)),
        h('td', { class: 'num' }, i18n.formatNumber(f.count)),
        h('td', { class: 'num' }, pct(share)),
        h('td', { class: 'num quota-prop' }, new Intl.NumberFormat(i18n.lang(), { maximumFractionDigits: 1 }).format(share * (k || 0))),
        h('td', { class: 'num' }, cell('min')),
        h('td', { class: 'num' }, cell('max'))));
    }
    groups.push(h('tbody', { 'data-category': c.name }, rows));
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table quotas', id: 'quota-table' },
    h('caption', {}, t('sel.quota.caption', { n })),
    h('thead', {}, h('tr', {}, ['feature', 'pool', 'share', 'proportional', 'min', 'max'].map((c) => h('th', { scope: 'col', class: c === 'feature' ? null : c === 'proportional' ? 'num quota-prop' : 'num' }, t(`sel.quota.${c}`))))),
    groups));
}

// The quotas of a saved round as the table wants them.
function roundCats(s) {
  const byName = new Map((s.categories || []).map((c) => [c, { name: c, features: [] }]));
  for (const q of (s.round && s.round.quotas) || []) {
    if (!byName.has(q.category)) byName.set(q.category, { name: q.category, features: [] });
    byName.get(q.category).features.push({ name: q.feature, min: q.min, max: q.max, count: q.pool ?? 0 });
  }
  return [...byName.values()];
}

// Problems of the quotas as the convener edits them (the cheap checks;
// the solver has the last word).
function quotaProblems(cats, n, k) {
  const rows = [];
  const problems = [];
  if (!Number.isInteger(k) || k < 1 || k > n) problems.push({ file: 'quotas', line: null, column: 'k', code: 'k_range', params: { k, n } });
  for (const c of cats) {
    const mins = c.features.reduce((a, f) => a + f.min, 0);
    const maxs = c.features.reduce((a, f) => a + f.max, 0);
    if (Number.isInteger(k) && mins > k) problems.push({ file: 'quotas', line: null, column: c.name, code: 'min_sum_above_k', params: { category: c.name, sum: mins, k } });
    if (Number.isInteger(k) && maxs < k) problems.push({ file: 'quotas', line: null, column: c.name, code: 'max_sum_below_k', params: { category: c.name, sum: maxs, k } });
    for (const f of c.features) if (f.count < f.min) problems.push({ file: 'quotas', line: null, column: c.name, code: 'not_enough', params: { category: c.name, feature: f.name, count: f.count, min: f.min } });
    for (const f of c.features) if (f.min > f.max) problems.push({ file: 'quotas', line: null, column: c.name, code: 'min_above_max', params: { min: f.min, max: f.max } });
  }
  return rows.concat(problems);
}

// ------------------------------------------------------------ the pool --

// The pool form: choose the two files, see every problem with its line
// and column, fix the file, choose it again; edit the quotas and k; save.
// `onSave({categories, rows, tags, k, household})` does the requests.
function poolForm(id, { title = false, k0 = null, fixedCategories = null, onSave }) {
  const state = { catText: null, respText: null, categories: [], rows: [], header: [], problems: [], cats: [] };
  const status = h('div', { id: 'pool-status', 'aria-live': 'polite' });
  const problemsSlot = h('div', { id: 'problems-slot' });
  const quotaSlot = h('div', { id: 'quota-slot' });
  const quotaStatus = h('div', { id: 'quota-status', 'aria-live': 'polite' });
  const catInput = h('input', { type: 'file', name: 'categories', accept: '.csv,text/csv' });
  const respInput = h('input', { type: 'file', name: 'respondents', accept: '.csv,text/csv' });
  const household = select('household_column', [['', t('sel.household.none')]]);
  const kInput = input('k', { type: 'number', min: 1, max: 100000, inputmode: 'numeric', value: k0 ? String(k0) : '' });
  const saveBtn = h('button', { type: 'submit', class: 'button', disabled: true }, t(title ? 'sel.create' : 'sel.pool.save'));
  const form = h('form', { class: 'form', novalidate: true, id },
    formAlert(),
    title ? field('sel.title_field', input('title', { required: true, maxlength: 200, dir: 'auto' })) : null,
    h('div', { class: 'form-inline' },
      field('sel.pool.categories', catInput, 'sel.pool.categories.hint'),
      field('sel.pool.respondents', respInput, 'sel.pool.respondents.hint')),
    status, problemsSlot,
    h('div', { class: 'form-inline' },
      field('sel.pool.household', household, 'sel.pool.household.hint'),
      field('sel.pool.k', kInput, 'sel.pool.k.hint')),
    quotaSlot, quotaStatus,
    h('p', { class: 'hint' }, t('sel.pool.privacy')),
    h('div', { class: 'actions' }, saveBtn));

  function checkQuotas() {
    const k = Number(kInput.value);
    const qp = state.problems.length || !state.rows.length ? [] : quotaProblems(state.cats, state.rows.length, k);
    const badInput = form.querySelector('.quota-input[aria-invalid=true]');
    clear(quotaStatus);
    if (qp.length) quotaStatus.append(h('ul', { class: 'alert alert-error quota-problems', id: 'quota-problems' }, qp.map((p) => h('li', { 'data-code': p.code }, problemText(p)))));
    saveBtn.disabled = !!(state.problems.length || qp.length || badInput || !state.rows.length);
  }

  function reread() {
    state.problems = [];
    state.rows = [];
    clear(problemsSlot); clear(quotaSlot); clear(status);
    if (state.catText === null) { checkQuotas(); return; }
    const c = pool.parseCategories(state.catText);
    state.categories = c.categories;
    state.problems.push(...c.problems);
    if (fixedCategories && !c.problems.length) {
      const mine = c.categories.map((x) => x.name).sort().join('\n');
      if (mine !== [...fixedCategories].sort().join('\n')) state.problems.push({ file: 'categories', line: 1, column: 'category', code: 'categories_differ', params: { names: i18n.formatList(fixedCategories) } });
    }
    if (state.respText !== null && !state.problems.length) {
      const r = pool.parseRespondents(state.respText, c.categories, household.value, COUNTRIES);
      state.problems.push(...r.problems);
      state.rows = r.rows;
      if (r.header.length && household.options.length === 1) {
        const skip = new Set([...c.categories.map((x) => x.name), 'name', 'email']);
        for (const col of r.header) if (!skip.has(col.toLowerCase()) && !skip.has(col)) household.appendChild(h('option', { value: col }, col));
      }
    }
    if (state.problems.length) {
      status.append(verdict('failed', t('sel.pool.bad', { n: state.problems.length })));
      problemsSlot.append(problemsTable(state.problems));
      announce(t('sel.pool.bad', { n: state.problems.length }));
    } else if (state.respText !== null) {
      const table = pool.quotaTable(state.categories, state.rows, 0);
      state.cats = table.map((x) => ({ name: x.name, features: x.features.map((f) => ({ name: f.name, min: f.min, max: f.max, count: f.count })) }));
      status.append(verdict('verified', t('sel.pool.good', { n: state.rows.length, c: state.categories.length })));
      renderQuotas();
      announce(t('sel.pool.good', { n: state.rows.length, c: state.categories.length }));
    }
    checkQuotas();
  }

  function renderQuotas() {
    clear(quotaSlot).append(h('h3', {}, t('sel.quota.title')), h('p', { class: 'hint' }, t('sel.quota.explain')),
      quotaTable(state.cats, state.rows.length, Number(kInput.value) || 0, true, checkQuotas));
  }

  catInput.addEventListener('change', async () => { state.catText = catInput.files[0] ? await catInput.files[0].text() : null; reread(); });
  respInput.addEventListener('change', async () => {
    state.respText = respInput.files[0] ? await respInput.files[0].text() : null;
    clear(household).appendChild(h('option', { value: '' }, t('sel.household.none')));
    reread();
  });
  household.addEventListener('change', reread);
  kInput.addEventListener('input', () => { if (state.rows.length && !state.problems.length) renderQuotas(); checkQuotas(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    if (title && !form.elements.title.value.trim()) {
      showErrors(form, new ApiError(422, { type: 'https://pnyx.dev/problems/validation', fields: [{ field: 'title', code: 'required' }] }));
      return;
    }
    // The quotas as edited replace those of the file.
    for (const c of state.categories) {
      const e = state.cats.find((x) => x.name === c.name);
      for (const f of c.features) { const g = e.features.find((x) => x.name === f.name); f.min = g.min; f.max = g.max; }
    }
    const tags = pool.householdTags(state.rows, randomTag);
    await busy(form, async () => {
      try {
        await onSave({ title: title ? form.elements.title.value.trim() : null, categories: state.categories, rows: state.rows, tags, k: Number(kInput.value), household: !!household.value });
      } catch (e) {
        const sp = serverProblems(e, state.rows);
        if (sp.length) { clear(problemsSlot).append(problemsTable(sp)); }
        showErrors(form, e);
      }
    });
  });
  return form;
}

// After an upload: the receipts, shown once (the server keeps the salts
// secret from then on), to download and give each volunteer.
function receiptsBox(list, sid) {
  const btn = h('button', { type: 'button', class: 'button', id: 'receipts-download' }, t('sel.receipts.download'));
  btn.addEventListener('click', () => download(`receipts-${sid}.csv`, pool.receiptsCsv(list)));
  return h('div', { class: 'alert alert-info receipts', role: 'status', id: 'receipts' },
    h('p', { class: 'alert-title' }, t('sel.receipts.title', { n: list.length })),
    h('p', {}, t('sel.receipts.explain')),
    h('p', { class: 'actions' }, btn, h('a', { href: `./selections/${enc(sid)}`, class: 'button button-secondary', id: 'receipts-continue' }, t('sel.receipts.continue'))));
}

// Upload the pool of selection sid, then its quotas and k; returns the
// receipts (the salts from the upload's answer, the household tags and
// values as the server stored them).
async function savePool(sid, order, { categories, rows, tags, k }) {
  const reply = await client.uploadPool(sid, { csv: pool.uploadCsv(categories, rows, tags) });
  await client.update(sid, { k, quotas: pool.quotaRows(categories) });
  const stored = await client.pool(sid);
  return pool.receipts(sid, order, rows, reply, stored.items || []);
}

// ---------------------------------------------------------------- list --

export async function selections(ctx) {
  const aid = ctx.params[0];
  const a = await api.get(`/api/v1/assemblies/${enc(aid)}`);
  const list = await client.list(aid);
  const manage = MANAGERS.has(a.my_role) && a.my_status === 'active';
  let newSection = null;
  if (manage) {
    const slot = h('div', { id: 'create-result' });
    const form = poolForm('create-selection-form', {
      title: true,
      onSave: async (d) => {
        const s = await client.create(aid, { title: d.title, categories: d.categories.map((c) => c.name), household: d.household });
        const list2 = await savePool(s.id, s.categories, d);
        form.hidden = true;
        const box = receiptsBox(list2, s.id);
        box.querySelector('#receipts-continue').setAttribute('href', `/assemblies/${enc(aid)}/selections/${enc(s.id)}`);
        clear(slot).append(box);
        box.setAttribute('tabindex', '-1');
        box.focus();
      },
    });
    newSection = h('section', { class: 'card', 'aria-labelledby': 'new-sel-h', id: 'new-selection' },
      h('h2', { id: 'new-sel-h' }, t('sel.new')), h('p', {}, t('sel.pool.explain')), form, slot);
  }
  const items = list.items || [];
  return {
    title: `${t('sel.title')} · ${a.title}`,
    node: h('article', { class: 'selections' },
      h('p', { class: 'breadcrumb' }, h('a', { href: `/assemblies/${enc(aid)}` }, t('sel.back_assembly'))),
      h('h1', {}, t('sel.title'), ' ', h('span', { class: 'subtitle', dir: 'auto' }, a.title)),
      h('p', { class: 'lead' }, t('sel.intro')),
      h('section', { class: 'card', 'aria-labelledby': 'how-h' },
        h('h2', { id: 'how-h' }, t('sel.how')),
        h('ul', { class: 'plain-steps named' }, STEPS.map((s) => h('li', {}, h('strong', {}, t(`sel.step.${s}`)), ' — ', t(`sel.step.${s}.what`))))),
      h('section', { class: 'card', 'aria-labelledby': 'sel-list-h' },
        h('h2', { id: 'sel-list-h' }, t('sel.list')),
        items.length
          ? h('ul', { class: 'list', id: 'selection-list' }, items.map((s) => h('li', { class: 'list-item' },
            h('h3', { class: 'list-title' }, h('a', { href: `/assemblies/${enc(aid)}/selections/${enc(s.id)}`, dir: 'auto' }, s.title)),
            s.round ? badge(t(`sel.status.${s.round.status}`)) : null)))
          : h('p', { class: 'empty' }, t('sel.none'))),
      newSection),
  };
}

// ------------------------------------------------------ a saved pool --

function poolSection(s, canManage, refresh) {
  const r = s.round;
  const head = [h('h2', { id: 'pool-h' }, t('sel.step.pool'))];
  if (!s.pool_size) {
    if (!canManage || r.status !== 'draft') return h('section', { class: 'card', id: 'pool-section', 'aria-labelledby': 'pool-h' }, head, h('p', { class: 'empty' }, t('sel.pool.none')));
    const slot = h('div', {});
    const form = poolForm('pool-form', {
      k0: r.k, fixedCategories: s.categories,
      onSave: async (d) => {
        const list = await savePool(s.id, s.categories, d);
        form.hidden = true;
        const box = receiptsBox(list, s.id);
        box.querySelector('#receipts-continue').setAttribute('href', location.pathname);
        box.querySelector('#receipts-continue').addEventListener('click', (ev) => { ev.preventDefault(); refresh(); });
        clear(slot).append(box);
      },
    });
    return h('section', { class: 'card', id: 'pool-section', 'aria-labelledby': 'pool-h' }, head, h('p', {}, t('sel.pool.explain')), form, slot);
  }
  const cats = roundCats(s);
  const n = r.eligible || s.pool_size;
  const editable = canManage && r.status === 'draft';
  const kInput = editable ? input('k', { type: 'number', min: 1, max: 100000, inputmode: 'numeric', value: r.k ? String(r.k) : '' }) : null;
  const qStatus = h('div', { id: 'quota-status', 'aria-live': 'polite' });
  const saveBtn = h('button', { type: 'submit', class: 'button button-secondary' }, t('sel.quota.save'));
  const check = () => {
    const qp = quotaProblems(cats, n, Number(kInput.value));
    clear(qStatus);
    if (qp.length) qStatus.append(h('ul', { class: 'alert alert-error quota-problems', id: 'quota-problems' }, qp.map((p) => h('li', { 'data-code': p.code }, problemText(p)))));
    saveBtn.disabled = !!(qp.length || form.querySelector('.quota-input[aria-invalid=true]'));
  };
  const tableSlot = h('div', {}, quotaTable(cats, n, r.k, editable, () => check()));
  let form = null;
  if (editable) {
    form = h('form', { class: 'form', novalidate: true, id: 'quota-form' }, formAlert(),
      h('div', { class: 'form-inline' }, field('sel.pool.k', kInput, 'sel.pool.k.hint')),
      tableSlot, qStatus, h('div', { class: 'actions' }, saveBtn));
    kInput.addEventListener('input', () => { clear(tableSlot).append(quotaTable(cats, n, Number(kInput.value), true, () => check())); check(); });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await busy(form, async () => {
        try {
          await client.update(s.id, { k: Number(kInput.value), quotas: pool.quotaRows(cats) });
          flash(t('sel.quota.saved'));
          refresh();
        } catch (e) { showErrors(form, e); }
      });
    });
    setTimeout(check, 0);
  }
  return h('section', { class: 'card', 'aria-labelledby': 'pool-h', id: 'pool-section' }, head,
    h('p', { id: 'pool-summary' }, t('sel.pool.saved_summary', { n, k: r.k ?? '—', c: cats.length })),
    editable ? [h('p', { class: 'hint' }, t('sel.quota.explain')), form, callForm(s, refresh)] : tableSlot);
}

// An open call: registered members add themselves to the pool (their
// country is their account's), until the commitment.
function callForm(s, refresh) {
  const box = h('input', { type: 'checkbox', name: 'call_open', id: 'call-open', checked: !!s.call_open });
  const form = h('form', { class: 'form call-form', novalidate: true, id: 'call-form' }, formAlert(),
    h('h3', {}, t('sel.call.title')), h('p', { class: 'hint' }, t('sel.call.explain')),
    h('div', { class: 'check-row' }, box, h('label', { for: 'call-open' }, t('sel.call.open'))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-secondary' }, t('sel.call.save'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await busy(form, async () => {
      try { await client.update(s.id, { call_open: box.checked }); flash(t('sel.call.saved')); refresh(); } catch (e) { showErrors(form, e); }
    });
  });
  return form;
}

// A member answers an open call: one value per category, then the receipt
// to keep (shown once).
function volunteerSection(s, account) {
  const cats = roundCats(s).filter((c) => c.name !== pool.COUNTRY && c.features.length);
  const out = h('div', { id: 'volunteer-result' });
  const controls = cats.map((c) => field(null, select(`v:${c.name}`, [['', '—'], ...c.features.map((f) => [f.name, f.name])], { 'data-category': c.name })));
  cats.forEach((c, i) => { controls[i].querySelector('label').textContent = c.name; });
  const form = h('form', { class: 'form', novalidate: true, id: 'volunteer-form' }, formAlert(),
    h('div', { class: 'form-inline' }, controls),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('sel.volunteer.submit'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = {};
    for (const el of form.querySelectorAll('select[data-category]')) values[el.dataset.category] = el.value;
    if (Object.values(values).some((v) => !v)) {
      showErrors(form, new ApiError(422, { type: 'https://pnyx.dev/problems/validation', fields: Object.entries(values).filter(([, v]) => !v).map(([k]) => ({ field: `v:${k}`, code: 'required' })) }));
      return;
    }
    await busy(form, async () => {
      try {
        const res = await client.volunteer(s.id, values);
        const receipt = { selection: String(s.id), pseudonym: res.pseudonym, salt: res.salt, values: { [pool.COUNTRY]: account.country, ...values }, household: '' };
        const text = JSON.stringify(receipt);
        const btn = h('button', { type: 'button', class: 'button', id: 'volunteer-download' }, t('sel.receipts.download_one'));
        btn.addEventListener('click', () => download(`receipt-${s.id}.json`, text, 'application/json'));
        form.hidden = true;
        clear(out).append(h('div', { class: 'alert alert-info', role: 'status', id: 'volunteer-receipt' },
          h('p', { class: 'alert-title' }, t('sel.volunteer.done')),
          h('p', {}, t('sel.volunteer.keep')),
          h('label', { for: 'my-receipt' }, t('sel.own.receipt')),
          h('textarea', { id: 'my-receipt', readonly: true, rows: 3, dir: 'ltr', class: 'mono' }, text),
          h('p', { class: 'actions' }, btn)));
        out.querySelector('#volunteer-receipt').setAttribute('tabindex', '-1');
        out.querySelector('#volunteer-receipt').focus();
      } catch (e) { showErrors(form, e); }
    });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'volunteer-h', id: 'volunteer-section' },
    h('h2', { id: 'volunteer-h' }, t('sel.volunteer.title')),
    h('p', {}, t('sel.volunteer.explain', { country: i18n.countryName(account.country) })), form, out);
}

// -------------------------------------------------------- probabilities --

// The curve with its accessible twin: the same figures as a table.
export function curveFigure(series, k) {
  const fmt = (v) => new Intl.NumberFormat(i18n.lang(), { style: 'percent', maximumFractionDigits: 1 }).format(v);
  const first = curve.summary(series[0].probs, k);
  // A phone gets a smaller drawing, so that its words stay readable.
  const narrow = typeof matchMedia === 'function' && matchMedia('(max-width: 40rem)').matches;
  const svg = curve.curveSvg(document, {
    series, k, fmt, dir: document.documentElement.dir || 'ltr',
    width: narrow ? 360 : 640, height: narrow ? 280 : 320,
    labels: {
      title: t('sel.curve.title'),
      desc: series.map((s) => {
        const m = curve.summary(s.probs, k);
        return t('sel.curve.desc', { method: s.label, min: pct(m.min), max: pct(m.max), gini: pct(m.gini) });
      }).join(' '),
      xAxis: t('sel.curve.x', { n: first.n }), yAxis: t('sel.curve.y'), equal: t('sel.curve.equal', { p: pct(first.equal) }),
    },
  });
  const legend = h('ul', { class: 'curve-legend' }, series.map((s) => h('li', {},
    h('span', { class: `swatch curve-${s.id}${s.dashed ? ' curve-dashed' : ''}`, 'aria-hidden': 'true' }), s.label)),
  h('li', {}, h('span', { class: 'swatch curve-equal', 'aria-hidden': 'true' }), t('sel.curve.equal', { p: pct(first.equal) })));
  const rows = [['min', 0], ['p10', 0.1], ['p25', 0.25], ['median', 0.5], ['p75', 0.75], ['p90', 0.9], ['max', 1]];
  const sums = series.map((s) => ({ s: curve.summary(s.probs, k), sorted: curve.sorted(s.probs) }));
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'table curve-table', id: 'curve-table' },
    h('caption', {}, t('sel.curve.table')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('sel.curve.who')), series.map((s) => h('th', { scope: 'col', class: 'num' }, s.label)))),
    h('tbody', {},
      rows.map(([key, q]) => h('tr', { 'data-row': key }, h('th', { scope: 'row' }, t(`sel.curve.${key}`)),
        sums.map((x) => h('td', { class: 'num' }, pct(curve.quantile(x.sorted, q), 2))))),
      h('tr', { 'data-row': 'gini' }, h('th', { scope: 'row' }, t('sel.curve.gini')), sums.map((x) => h('td', { class: 'num' }, pct(x.s.gini)))),
      h('tr', { 'data-row': 'below' }, h('th', { scope: 'row' }, t('sel.curve.below', { p: pct(first.equal) })), sums.map((x) => h('td', { class: 'num' }, i18n.formatNumber(x.s.below)))),
      h('tr', { 'data-row': 'zero' }, h('th', { scope: 'row' }, t('sel.curve.zero')), sums.map((x) => h('td', { class: 'num' }, i18n.formatNumber(x.s.zero)))))));
  return h('figure', { class: 'curve-figure', id: 'curve' },
    h('div', { class: 'curve-plot' }, svg, legend),
    h('figcaption', {}, t('sel.curve.caption')),
    table);
}

// The latest finished run of each method for this round.
function latestRuns(runs, round) {
  const out = {};
  for (const r of runs) {
    if (Number(r.round) !== Number(round)) continue;
    if (r.status === 'done' && r.result && r.result.feasible !== false && Array.isArray(r.result.probabilities)) {
      if (!out[r.method] || Number(r.id) > Number(out[r.method].id)) out[r.method] = r;
    }
  }
  return out;
}

function seriesOf(latest) {
  return METHODS.filter((m) => latest[m]).map((m) => ({ id: m, label: t(`sel.method.${m}`), probs: latest[m].result.probabilities, dashed: m === 'legacy' }));
}

function probabilitiesSection(s, runs, canManage, refresh) {
  const r = s.round;
  const slot = h('div', { id: 'run-slot', 'aria-live': 'polite' });
  const latest = latestRuns(runs, r.round);
  const series = seriesOf(latest);
  let form = null;
  if (canManage && ['draft', 'committed'].includes(r.status) && s.pool_size) {
    const method = select('method', [['leximin', t('sel.method.leximin')], ['maximin', t('sel.method.maximin')]]);
    if (r.method && r.method !== 'legacy') method.value = r.method;
    const legacy = h('input', { type: 'checkbox', name: 'compare_legacy', id: 'compare-legacy' });
    form = h('form', { class: 'form', novalidate: true, id: 'run-form' },
      formAlert(),
      r.status === 'draft' ? field('sel.method', method, 'sel.method.hint') : h('p', {}, t('sel.run.committed_method', { method: t(`sel.method.${r.method}`) })),
      h('div', { class: 'check-row' }, legacy, h('label', { for: 'compare-legacy' }, t('sel.compare_legacy'))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t(series.length ? 'sel.run.again' : 'sel.run.start'))));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await busy(form, async () => {
        try {
          const m = r.status === 'draft' ? method.value : r.method;
          if (r.status === 'draft' && m !== r.method) await client.update(s.id, { method: m });
          const started = [await client.startRun(s.id, m)];
          if (legacy.checked && m !== 'legacy') started.push(await client.startRun(s.id, 'legacy'));
          watchRuns(s, started, slot, refresh, form);
        } catch (e) { showErrors(form, e); }
      });
    });
  }
  const active = runs.filter((x) => Number(x.round) === Number(r.round) && ['queued', 'running'].includes(x.status));
  if (active.length) {
    watchRuns(s, active, slot, refresh);
    // One computation at a time from this page.
    form?.querySelector('button[type=submit]')?.setAttribute('disabled', '');
  }
  else {
    const last = runs.filter((x) => Number(x.round) === Number(r.round)).sort((x, y) => Number(y.id) - Number(x.id))[0];
    if (last && (last.status === 'failed' || (last.status === 'done' && last.result && last.result.feasible === false))) slot.append(runFailure(last));
    if (last && last.status === 'cancelled') slot.append(h('div', { class: 'alert alert-info', role: 'status', id: 'run-cancelled' }, t('sel.run.cancelled')));
  }
  return h('section', { class: 'card', 'aria-labelledby': 'prob-h', id: 'probabilities-section' },
    h('h2', { id: 'prob-h' }, t('sel.step.probabilities')),
    h('p', {}, t('sel.prob.explain')),
    h('details', { class: 'explain' }, h('summary', {}, t('sel.prob.methods')),
      h('p', {}, t('sel.method.leximin.what')), h('p', {}, t('sel.method.maximin.what')), h('p', {}, t('sel.method.legacy.what'))),
    form, slot,
    optimality(latest),
    series.length ? curveFigure(series, r.k) : h('p', { class: 'empty', id: 'no-curve' }, t('sel.curve.none')));
}

// Whether each optimiser run's distribution is proven optimal (issue 14):
// pnyxd stops a run at its time budget (PNYX_SORTITION_BUDGET) with a
// valid distribution and the gap to the best proven bound. A notice when
// the gap is not 0, a short line when proven; nothing for results stored
// before runs said so, nor for LEGACY (no optimisation).
export function optimality(latest) {
  const items = ['leximin', 'maximin'].filter((m) => latest[m] && typeof latest[m].result.optimal === 'boolean').map((m) => {
    const res = latest[m].result;
    const label = t(`sel.method.${m}`);
    if (res.optimal === false && Number(res.gap) > 0) {
      const gap = new Intl.NumberFormat(i18n.lang(), { maximumSignificantDigits: 2 }).format(Number(res.gap) * 100);
      return h('div', { class: 'alert alert-warn', role: 'status', id: `run-budget-${m}`, 'data-gap': String(res.gap) },
        h('p', {}, t('sel.run.budget', { method: label, gap })));
    }
    return h('p', { class: 'hint', id: `run-optimal-${m}` }, t('sel.run.optimal', { method: label }));
  });
  return items.length ? h('div', { class: 'run-optimality' }, items) : null;
}

// A run that failed, or found the quotas infeasible (done, feasible:
// false, with the smallest relaxation).
function runFailure(run) {
  const infeasible = run.result && run.result.feasible === false;
  const relax = infeasible && Array.isArray(run.result.relaxation) ? run.result.relaxation : [];
  return h('div', { class: 'alert alert-error', role: 'alert', id: 'run-error' },
    h('p', { class: 'alert-title' }, t(infeasible ? 'sel.run.infeasible' : 'sel.run.failed')),
    relax.length ? h('ul', {}, relax.map((x) => h('li', {}, t(`sel.relax.${x.bound === 'max' ? 'max' : 'min'}`, { category: x.category, feature: x.feature, from: i18n.formatNumber(x.from), to: i18n.formatNumber(x.to) })))) : null);
}

// Poll runs until they end; show their progress and a cancel button.
function watchRuns(s, runs0, slot, refresh, form = null) {
  clear(slot);
  const submit = form && form.querySelector('button[type=submit]');
  // busy() enables the button again when the request returns: keep it off while the runs go on.
  if (submit) setTimeout(() => { if (slot.querySelector('.run-progress')) submit.disabled = true; }, 0);
  const boxes = runs0.map((run0) => {
    const label = h('p', { id: `run-label-${run0.id}`, class: 'run-label' }, t('sel.run.running', { method: t(`sel.method.${run0.method}`) }));
    const bar = h('progress', { max: 100, 'aria-labelledby': `run-label-${run0.id}` });
    const info = h('p', { class: 'hint run-detail' });
    const cancel = h('button', { type: 'button', class: 'button button-secondary run-cancel', 'aria-label': t('sel.run.cancel_label', { method: t(`sel.method.${run0.method}`) }) }, t('sel.run.cancel'));
    const box = h('div', { class: 'run-progress', 'data-run': run0.id, 'data-method': run0.method }, label, bar, info, h('p', { class: 'actions' }, cancel));
    cancel.addEventListener('click', async () => {
      cancel.disabled = true;
      try { await client.cancelRun(s.id, run0.id); } catch (e) { box.append(errorBox(e)); cancel.disabled = false; }
    });
    const show = (run) => {
      const p = run.progress || {};
      const n = p.n || s.pool_size || 0;
      if (run.method === 'leximin' && n && typeof p.fixed === 'number' && p.fixed > 0) bar.value = Math.round((p.fixed / n) * 100);
      else bar.removeAttribute('value');
      info.textContent = t('sel.run.progress', { panels: i18n.formatNumber(p.panels || 0), fixed: i18n.formatNumber(p.fixed || 0), n: i18n.formatNumber(n), seconds: i18n.formatNumber(Math.round(p.seconds || 0)) });
    };
    show(run0);
    slot.append(box);
    return { run0, box, show };
  });
  (async () => {
    const done = await Promise.all(boxes.map(async ({ run0, box, show }) => {
      let run = run0;
      while (['queued', 'running'].includes(run.status)) {
        await new Promise((r) => { setTimeout(r, 400); });
        if (!box.isConnected) return null; // the page was left
        try { run = await client.run(s.id, run0.id); } catch (e) { box.append(errorBox(e)); return null; }
        show(run);
      }
      return run;
    }));
    if (submit) submit.disabled = false;
    if (done.some((x) => x === null)) return;
    if (done.every((x) => x.status === 'done')) { flash(t('sel.run.done')); refresh(); return; }
    const bad = done.find((x) => x.status === 'failed');
    if (bad) { clear(slot).append(runFailure(bad)); return; }
    clear(slot).append(h('div', { class: 'alert alert-info', role: 'status', id: 'run-cancelled' }, t('sel.run.cancelled')));
    announce(t('sel.run.cancelled'));
  })();
}

// --------------------------------------------------------------- commit --

// A datetime-local value (the reader's local time) for a moment.
function localValue(ms) {
  const d = new Date(ms);
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function utc(localText) {
  const d = new Date(localText);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function commitSection(s, runs, canManage, refresh) {
  const r = s.round;
  const errSlot = h('div', {});
  let form = null;
  if (canManage && r.status === 'draft' && seriesOf(latestRuns(runs, r.round)).length) {
    const now = Date.now();
    const cu = h('input', { type: 'datetime-local', name: 'commit_until', step: 1, value: localValue(now + 3600000) });
    const ru = h('input', { type: 'datetime-local', name: 'reveal_until', step: 1, value: localValue(now + 2 * 3600000) });
    form = h('form', { class: 'form', novalidate: true, id: 'commit-form' }, formAlert(),
      h('div', { class: 'form-inline' }, field('sel.commit.commit_until', cu, 'sel.commit.commit_until.hint'), field('sel.commit.reveal_until', ru, 'sel.commit.reveal_until.hint')),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', id: 'commit-button' }, t('sel.commit.button'))));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const ok = await confirmDialog({ title: t('sel.commit.confirm'), body: t('sel.commit.confirm_body'), ok: t('sel.commit.button'), danger: false });
      if (!ok) return;
      await busy(form, async () => {
        try {
          await client.commit(s.id, { commit_until: utc(cu.value), reveal_until: utc(ru.value) });
          flash(t('sel.commit.done'));
          refresh();
        } catch (e) { showErrors(form, e); }
      });
    });
  }
  // Committed: the lottery of the committed method is published next.
  let publish = null;
  if (canManage && r.status === 'committed') {
    const run = latestRuns(runs, r.round)[r.method];
    const btn = h('button', { type: 'button', class: 'button', id: 'publish-button', disabled: !run }, t('sel.publish.button'));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try { await client.publish(s.id, run.id); flash(t('sel.publish.done')); refresh(); } catch (e) { showErrorIn(errSlot, e); btn.disabled = false; }
    });
    publish = [h('h3', {}, t('sel.publish.title')), h('p', {}, t('sel.publish.explain', { m: r.m })), h('p', { class: 'actions' }, btn)];
  }
  return h('section', { class: 'card', 'aria-labelledby': 'commit-h', id: 'commit-section' },
    h('h2', { id: 'commit-h' }, t('sel.step.commit')),
    h('p', {}, t('sel.commit.explain', { m: r.m })),
    r.commitment_root ? h('dl', { class: 'facts', id: 'commit-facts' },
      h('dt', {}, t('sel.commit.root')), h('dd', { class: 'hash' }, ltr(r.commitment_root)),
      h('dt', {}, t('sel.commit.m')), h('dd', {}, i18n.formatNumber(r.m)),
      r.lottery_sha256 ? [h('dt', {}, t('sel.commit.lottery')), h('dd', { class: 'hash' }, ltr(r.lottery_sha256))] : null,
      h('dt', {}, t('sel.commit.entry')), h('dd', {}, h('a', { href: `/assemblies/${enc(s.assembly_id)}/audit` }, t('assembly.audit'))))
      : null,
    form, publish, errSlot);
}

// ------------------------------------------------------ commit–reveal --

const secretKey = (sid, round, account) => `pnyx.sortition.${sid}.${round}.${account}`;

function loadSecret(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}

// Time left until `iso`, as "1 h 02 min 05 s" (digits of the reader's locale).
function remaining(iso, now = Date.now()) {
  const ms = new Date(iso).getTime() - now;
  if (!(ms > 0)) return null;
  const sec = Math.floor(ms / 1000);
  const nf = new Intl.NumberFormat(i18n.lang(), { minimumIntegerDigits: 2 });
  return t('sel.countdown', { h: i18n.formatNumber(Math.floor(sec / 3600)), m: nf.format(Math.floor((sec % 3600) / 60)), s: nf.format(sec % 60) });
}

function ceremonySection(s, account, canManage, who, names, refresh) {
  const r = s.round;
  const now = Date.now();
  const phase = !r.commit_until ? 'waiting'
    : now < new Date(r.commit_until).getTime() ? 'commit'
      : now < new Date(r.reveal_until).getTime() ? 'reveal' : 'closed';
  const timer = h('p', { class: 'countdown', role: 'timer', id: 'countdown', 'aria-live': 'off', 'data-phase': phase });
  const target = phase === 'commit' ? r.commit_until : phase === 'reveal' ? r.reveal_until : null;
  const tick = () => {
    const left = target ? remaining(target) : null;
    timer.textContent = left ? t(`sel.countdown.${phase}`, { left }) : t('sel.countdown.over');
    if (!target) return;
    if (!left) { if (timer.isConnected) refresh(); return; }
    setTimeout(() => { if (timer.isConnected) tick(); }, 1000);
  };
  tick();

  const participants = who || [];
  const me = account ? participants.find((p) => p.account === String(account.id)) : null;
  const key = account ? secretKey(s.id, r.round, account.id) : null;
  const secret = key ? loadSecret(key) : null;
  const action = h('div', { id: 'ceremony-action' });
  const errSlot = h('div', {});
  if (account && phase === 'commit' && !me && ['committed', 'published'].includes(r.status)) {
    const btn = h('button', { type: 'button', class: 'button', id: 'take-part' }, t('sel.ceremony.take_part'));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        const value = dc.randomValue();
        // Kept in this browser until the reveal: without it this person
        // cannot reveal, and their commitment is dropped.
        localStorage.setItem(key, value);
        await client.commitRandom(s.id, await dc.valueCommitment(value));
        flash(t('sel.ceremony.committed'));
        refresh();
      } catch (e) { showErrorIn(errSlot, e); btn.disabled = false; }
    });
    action.append(h('p', {}, t('sel.ceremony.take_part.what')), h('p', { class: 'actions' }, btn));
  } else if (account && phase === 'reveal' && me && !me.revealed && r.status === 'published') {
    if (secret) {
      const btn = h('button', { type: 'button', class: 'button', id: 'reveal' }, t('sel.ceremony.reveal'));
      btn.addEventListener('click', async () => {
        btn.disabled = true;
        try {
          await client.revealRandom(s.id, secret);
          flash(t('sel.ceremony.revealed'));
          refresh();
        } catch (e) { showErrorIn(errSlot, e); btn.disabled = false; }
      });
      action.append(h('p', {}, t('sel.ceremony.reveal.what')), h('p', { class: 'actions' }, btn));
    } else action.append(h('p', { class: 'alert alert-error', id: 'secret-lost' }, t('sel.ceremony.lost')));
  } else if (account && phase === 'reveal' && me && !me.revealed) {
    action.append(h('p', { class: 'role-line' }, t('sel.ceremony.wait_publish')));
  } else if (me) {
    action.append(h('p', { class: 'role-line', id: 'my-part' }, t(me.revealed ? 'sel.ceremony.you_revealed' : 'sel.ceremony.you_committed')));
  }
  if (secret && me) action.append(h('details', {}, h('summary', {}, t('sel.ceremony.your_value')), h('p', { class: 'mono hash', dir: 'ltr' }, secret)));

  let drawBtn = null;
  const everyone = participants.length > 0 && participants.every((p) => p.revealed);
  if (canManage && r.status === 'published' && (phase === 'closed' || (phase === 'reveal' && everyone))) {
    drawBtn = h('button', { type: 'button', class: 'button', id: 'draw-button' }, t('sel.draw.button'));
    drawBtn.addEventListener('click', async () => {
      drawBtn.disabled = true;
      try {
        const res = await client.draw(s.id);
        lastDraw.set(String(s.id), res);
        flash(t('sel.draw.done'));
        refresh();
      } catch (e) { showErrorIn(errSlot, e); drawBtn.disabled = false; }
    });
  }
  const stateOf = (p) => (p.revealed ? 'revealed' : phase === 'closed' || r.status === 'drawn' ? 'dropped' : 'committed');
  return h('section', { class: 'card', 'aria-labelledby': 'ceremony-h', id: 'ceremony-section' },
    h('h2', { id: 'ceremony-h' }, t('sel.step.randomness')),
    h('p', {}, t('sel.ceremony.explain')),
    h('p', {}, t('sel.ceremony.no_reveal')),
    r.commit_until ? h('dl', { class: 'facts' },
      h('dt', {}, t('sel.ceremony.commit_until')), h('dd', {}, h('time', { datetime: r.commit_until }, i18n.formatDate(r.commit_until))),
      h('dt', {}, t('sel.ceremony.reveal_until')), h('dd', {}, h('time', { datetime: r.reveal_until }, i18n.formatDate(r.reveal_until)))) : null,
    r.status === 'drawn' ? null : timer, action, errSlot,
    h('h3', {}, t('sel.ceremony.who', { n: who ? participants.length : (r.randomness ? r.randomness.committed : 0) })),
    participants.length
      ? h('ul', { class: 'participants', id: 'participants' }, participants.map((p) => h('li', { 'data-state': stateOf(p) },
        h('bdi', {}, names.get(p.account) || t('audit.account', { id: p.account })), ' — ', t(`sel.ceremony.state.${stateOf(p)}`))))
      : h('p', { class: 'empty' }, t('sel.ceremony.nobody')),
    drawBtn ? h('p', { class: 'actions' }, drawBtn) : null);
}

// ----------------------------------------------------------------- draw --

// The draw's answer holds the invitations of the people drawn (their
// codes are in that answer only): kept here until the page is left.
const lastDraw = new Map();

function invitationsBox(res) {
  const inv = (res && res.invitations) || [];
  if (!inv.length) return null;
  const rows = inv.map((x) => ({ pseudonym: x.pseudonym, name: x.name || '', email: x.email || '', link: `${location.origin}/invitations/${x.code}` }));
  const btn = h('button', { type: 'button', class: 'button button-secondary', id: 'invitations-download' }, t('sel.draw.invitations.download'));
  const q = (v) => `"${String(v).replace(/"/g, '""')}"`;
  btn.addEventListener('click', () => download('invitations.csv', `pseudonym,name,email,link\n${rows.map((x) => [x.pseudonym, x.name, x.email, x.link].map(q).join(',')).join('\n')}\n`));
  return h('div', { class: 'alert alert-info', role: 'status', id: 'invitations' },
    h('p', { class: 'alert-title' }, t('sel.draw.invitations', { n: rows.length })),
    h('p', {}, t('sel.draw.invitations.explain')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table stack' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('sel.draw.pseudonym')), h('th', { scope: 'col' }, t('field.display_name')), h('th', { scope: 'col' }, t('field.email')), h('th', { scope: 'col' }, t('invite.link')))),
      h('tbody', {}, rows.map((x) => h('tr', {}, h('th', { scope: 'row' }, ltr(x.pseudonym)), h('td', { 'data-label': t('field.display_name') }, h('bdi', {}, x.name)), h('td', { 'data-label': t('field.email') }, ltr(x.email, '')), h('td', { 'data-label': t('invite.link') }, ltr(x.link))))))),
    h('p', { class: 'actions' }, btn));
}

// Conveners mark who declined; the places left are drawn again in a new
// round (the rest of the pool, without the selected people's households,
// with the quotas' remaining gaps), the same way.
function declines(s, stored, refresh) {
  const byName = new Map(stored.map((x) => [x.pseudonym, x]));
  const errSlot = h('div', {});
  const open = stored.filter((x) => x.status === 'declined' && Number(x.selected_round) === Number(s.round.round)).length;
  const rows = (s.round.panel || []).map((p) => {
    const x = byName.get(p) || {};
    const who = [x.name, x.email].filter(Boolean).join(' · ');
    let cell = t(`sel.respondent.${x.status === 'declined' ? 'declined' : 'selected'}`);
    if (x.status === 'selected') {
      const btn = h('button', { type: 'button', class: 'button button-small button-secondary', 'aria-label': t('sel.decline.label', { who: who || p }) }, t('sel.decline.button'));
      btn.addEventListener('click', async () => {
        const ok = await confirmDialog({ title: t('sel.decline.confirm', { who: who || p }), body: t('sel.decline.confirm_body'), ok: t('sel.decline.button') });
        if (!ok) return;
        btn.disabled = true;
        try { await client.decline(s.id, p); flash(t('sel.decline.done')); refresh(); } catch (e) { showErrorIn(errSlot, e); btn.disabled = false; }
      });
      cell = [cell, ' ', btn];
    }
    return h('tr', { 'data-pseudonym': p, 'data-status': x.status || '' },
      h('th', { scope: 'row' }, ltr(p)), h('td', { 'data-label': t('field.display_name') }, h('bdi', {}, who)), h('td', { 'data-label': t('sel.respondent.status') }, cell));
  });
  let again = null;
  if (open) {
    again = h('button', { type: 'button', class: 'button', id: 'replacements-button' }, t('sel.replacements.button', { n: open }));
    again.addEventListener('click', async () => {
      again.disabled = true;
      try { await client.replacements(s.id); flash(t('sel.replacements.done')); refresh(); } catch (e) { showErrorIn(errSlot, e); again.disabled = false; }
    });
  }
  return h('div', { class: 'declines', id: 'declines' },
    h('h3', {}, t('sel.replacements.title')), h('p', { class: 'hint' }, t('sel.replacements.explain')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table stack', id: 'panel-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('sel.draw.pseudonym')), h('th', { scope: 'col' }, t('field.display_name')), h('th', { scope: 'col' }, t('sel.respondent.status')))),
      h('tbody', {}, rows))),
    again ? h('p', { class: 'actions' }, again) : null, errSlot);
}

// The drawn panel's counts as the record reveals them: pnyx-draw/3's
// panel_counts (opening the count commitment the lottery sealed before
// the seed), /2's declared counts of the drawn panel; /1 has none.
function drawnCounts(rec) {
  if (!rec || !Number.isInteger(rec.index)) return null;
  if (rec.format === 'pnyx-draw/3') return rec.panel_counts && Array.isArray(rec.panel_counts.counts) ? rec.panel_counts.counts : null;
  if (rec.format === 'pnyx-draw/2') {
    const c = rec.lottery && Array.isArray(rec.lottery.counts) ? rec.lottery.counts[rec.index] : null;
    return Array.isArray(c) ? c : null;
  }
  return null;
}

// How many of the people drawn have each value, beside its quota: what
// the panel's members make public by joining, and what the check page
// verifies against the sealed commitment.
function makeUp(rec) {
  const counts = drawnCounts(rec);
  const quotas = Array.isArray(rec && rec.quotas) ? rec.quotas : [];
  if (!counts || counts.length !== quotas.length || !quotas.length) return null;
  const groups = [];
  for (const [i, q] of quotas.entries()) {
    if (!groups.length || groups[groups.length - 1].name !== q.category) groups.push({ name: q.category, rows: [] });
    const c = counts[i];
    const within = Number.isInteger(c) && c >= q.min && c <= q.max;
    groups[groups.length - 1].rows.push(h('tr', { 'data-category': q.category, 'data-feature': q.feature, 'data-count': String(c), 'data-status': within ? 'within' : 'outside' },
      h('th', { scope: 'row' }, h('bdi', {}, q.feature)),
      h('td', { class: 'num' }, i18n.formatNumber(q.min)),
      h('td', { class: 'num make-up-count' }, verdict(within ? 'verified' : 'failed',
        [i18n.formatNumber(c), h('span', { class: 'visually-hidden' }, ` (${t(within ? 'sel.draw.make_up.within' : 'sel.draw.make_up.outside')})`)])),
      h('td', { class: 'num' }, i18n.formatNumber(q.max))));
  }
  return [
    h('h3', {}, t('sel.draw.make_up')),
    h('p', { class: 'hint' }, t('sel.draw.make_up.hint')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table quotas make-up', id: 'panel-make-up' },
      h('caption', {}, t('sel.draw.make_up.caption', { k: i18n.formatNumber(rec.k) })),
      h('thead', {}, h('tr', {}, [['feature', 'sel.quota.feature'], ['num', 'sel.quota.min'], ['num', 'sel.draw.make_up.panel'], ['num', 'sel.quota.max']]
        .map(([cls, key]) => h('th', { scope: 'col', class: cls === 'num' ? 'num' : null }, t(key))))),
      groups.map((g) => h('tbody', { 'data-category': g.name },
        h('tr', { class: 'quota-cat-row' }, h('th', { scope: 'rowgroup', colspan: 4 }, h('bdi', {}, g.name))), g.rows)))),
  ];
}

function drawSection(s, stored, refresh, rec) {
  const r = s.round;
  const drawn = r.status === 'drawn';
  return h('section', { class: 'card', 'aria-labelledby': 'draw-h', id: 'draw-section' },
    h('h2', { id: 'draw-h' }, t('sel.step.draw')),
    h('p', {}, t('sel.draw.explain', { m: r.m, first: 0, last: r.m - 1 })),
    drawn ? [
      h('p', { class: 'lead', id: 'draw-index' }, t('sel.draw.index', { i: i18n.formatNumber(r.index), m: i18n.formatNumber(r.m) })),
      h('dl', { class: 'facts' },
        h('dt', {}, t('sel.draw.seed')), h('dd', { class: 'hash' }, ltr(r.seed)),
        r.beacon ? [h('dt', {}, t('sel.draw.beacon')), h('dd', { class: 'hash' }, ltr(`${r.beacon.log_size} · ${r.beacon.root}`))] : null),
      h('h3', {}, t('sel.draw.panel', { n: (r.panel || []).length })),
      h('ol', { class: 'panel-list', id: 'panel-list' }, (r.panel || []).map((id) => h('li', {}, ltr(String(id))))),
      makeUp(rec),
      invitationsBox(lastDraw.get(String(s.id))),
      stored ? declines(s, stored, refresh) : null,
      h('p', {}, h('a', { class: 'button', href: `/assemblies/${enc(s.assembly_id)}/selections/${enc(s.id)}/check`, id: 'check-link' }, t('sel.check.open')))]
      : h('p', { class: 'empty' }, t('sel.draw.not_yet')));
}

// ------------------------------------------------------------ the page --

async function ceremonyData(s, aid) {
  try {
    const entries = await lc.roundEntries(aid, s.id, s.round.round);
    const names = new Map();
    try { for (const m of await loadAllMembers(aid)) if (m.display_name) names.set(String(m.account_id), m.display_name); } catch { /* numbers then */ }
    return { who: lc.participants(entries), names };
  } catch { return { who: null, names: new Map() }; }
}

export async function selection(ctx) {
  const [aid, sid] = ctx.params;
  const [a, s] = await Promise.all([api.get(`/api/v1/assemblies/${enc(aid)}`), client.get(sid)]);
  const canManage = MANAGERS.has(a.my_role) && a.my_status === 'active';
  const r = s.round || { status: 'draft', round: 0 };
  s.round = r;
  let runs = [];
  try { runs = (await client.runs(sid)).items || []; } catch (e) { if (!(e instanceof ApiError) || ![403, 404].includes(e.status)) throw e; }
  // Once published the round's record is public: members, who do not see
  // the runs, get the curve from it, and everyone the drawn panel's counts.
  let rec = null;
  if (['published', 'drawn'].includes(r.status)) {
    try { rec = await client.record(sid, r.round); } catch { rec = null; }
  }
  if (!runs.length && rec && Array.isArray(rec.respondents)) {
    runs = [{ id: 0, round: r.round, status: 'done', method: rec.method, result: { probabilities: rec.respondents.map((x) => x.probability) } }];
  }
  const refresh = ctx.refresh;
  const sections = [poolSection(s, canManage, refresh)];
  if (s.call_open && r.status === 'draft' && r.round === 0 && ctx.account) sections.push(volunteerSection(s, ctx.account));
  if (s.pool_size) sections.push(probabilitiesSection(s, runs, canManage, refresh));
  if (s.pool_size) sections.push(commitSection(s, runs, canManage, refresh));
  if (r.status !== 'draft') {
    const { who, names } = await ceremonyData(s, aid);
    sections.push(ceremonySection(s, ctx.account, canManage, who, names, refresh));
    let stored = null;
    if (canManage && r.status === 'drawn') {
      try { stored = (await client.pool(sid)).items || []; } catch { stored = null; }
    }
    sections.push(drawSection(s, stored, refresh, rec));
  }
  return {
    title: `${s.title} · ${t('sel.title')}`,
    node: h('article', { class: 'selection', 'data-status': r.status },
      h('p', { class: 'breadcrumb' }, h('a', { href: `/assemblies/${enc(aid)}/selections` }, t('sel.back_list'))),
      h('div', { class: 'page-head' },
        h('div', {}, h('h1', { dir: 'auto' }, s.title), h('span', { class: 'badges' }, badge(t(`sel.status.${r.status}`)), r.round > 0 ? badge(t('sel.round', { n: r.round }), 'role') : null))),
      stepsNav(stepOf(s)),
      sections),
  };
}

// --------------------------------------------------------------- check --

function stepRow(x) {
  const p = {};
  // gap (percentage points, often < 0.001): two significant digits, not three decimals.
  const sig = (v) => new Intl.NumberFormat(i18n.lang(), { maximumSignificantDigits: 2 }).format(v);
  for (const [k, v] of Object.entries(x.params || {})) p[k] = typeof v === 'number' ? (k === 'gap' ? sig(v) : i18n.formatNumber(v)) : v;
  const outcome = x.status === 'verified' ? x.variant || 'ok' : 'bad';
  const detail = x.status === 'skipped' ? t('sel.check.skipped') : t(`sel.check.${x.id}.${outcome}`, p);
  return h('li', { 'data-check': x.id, 'data-status': x.status },
    verdict(x.status, t(`sel.check.${x.id}`)),
    h('p', { class: 'hint check-detail' }, detail));
}

async function runChecks(recordText, slot, logResult) {
  clear(slot).append(verdict('checking', t('audit.checking')));
  let rec;
  try { rec = JSON.parse(recordText); } catch {
    clear(slot).append(h('p', { id: 'check-verdict' }, verdict('failed', t('sel.check.bad_json'))));
    announce(t('sel.check.bad_json'));
    return false;
  }
  const res = [...(logResult ? logResult.steps : []), ...await dc.checkDraw(rec, logResult ? logResult.log : null)];
  const good = res.every((x) => x.status !== 'failed');
  // Steps left out (a round not drawn yet) are said, not passed over.
  const key = !good ? 'sel.check.some_failed' : res.some((x) => x.status === 'skipped') ? 'sel.check.partial' : 'sel.check.all_ok';
  clear(slot).append(
    h('p', { id: 'check-verdict', class: 'check-verdict' }, verdict(good ? 'verified' : 'failed', t(key))),
    h('ol', { class: 'check-list', id: 'check-list' }, res.map(stepRow)));
  announce(t(key));
  return good;
}

// pnyx-draw/3: what the respondent's check could and could not look at.
// Only the drawn panel's counts are published, so a volunteer is told
// that the other panels they may be on were not checked, rather than
// left to think every panel counted them.
function ownNote(res) {
  if (res.status !== 'ok' || !res.v3) return null;
  const lines = res.v3.drawn
    ? [res.v3.counted ? t('sel.own.v3.counted') : null, t('sel.own.v3.others')]
    : [t('sel.own.v3.not_drawn')];
  return h('div', { id: 'own-note', class: 'hint' }, lines.filter(Boolean).map((x) => h('p', {}, x)));
}

function ownCheck(getRecord) {
  const out = h('div', { id: 'own-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'form', novalidate: true, id: 'own-form' },
    formAlert(),
    field('sel.own.receipt', h('textarea', { name: 'receipt', rows: 4, dir: 'ltr', class: 'mono', spellcheck: 'false' }), 'sel.own.receipt.hint'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('sel.own.check'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    dismissNotices();
    let receipt;
    try { receipt = JSON.parse(form.elements.receipt.value); } catch { receipt = null; }
    let rec;
    try { rec = JSON.parse(getRecord()); } catch { rec = null; }
    const res = receipt && typeof receipt === 'object' && rec ? await dc.checkOwn(rec, receipt) : { status: 'failed', reason: rec ? 'format' : 'no_list' };
    clear(out).append(h('p', { id: 'own-verdict' }, verdict(res.status === 'ok' ? 'verified' : 'failed', t(`sel.own.${res.status === 'ok' ? 'ok' : res.reason}`, {
      p: res.probability !== undefined ? pct(res.probability, 2) : '', selected: res.selected ? t('sel.own.selected') : t('sel.own.not_selected'),
    }))), ...[ownNote(res)].filter(Boolean));
  });
  return h('section', { class: 'card', 'aria-labelledby': 'own-h', id: 'own-section' },
    h('h2', { id: 'own-h' }, t('sel.own.title')), h('p', {}, t('sel.own.explain')), form, out);
}

export async function selectionCheck(ctx) {
  const [aid, sid] = ctx.params;
  const s = await client.get(sid);
  const round = s.round ? s.round.round : 0;
  const record = await client.record(sid, round).catch((e) => {
    if (e instanceof ApiError && [404, 409].includes(e.status)) return null;
    throw e;
  });
  const text = h('textarea', { id: 'draw-record', name: 'record', rows: 12, dir: 'ltr', class: 'mono record-text', spellcheck: 'false' });
  text.value = record ? JSON.stringify(record, null, 2) : '';
  const slot = h('div', { id: 'check-result', 'aria-live': 'polite' });
  let logResult = null;
  const again = h('button', { type: 'button', class: 'button', id: 'check-button' }, t('sel.check.run'));
  again.addEventListener('click', async () => {
    again.disabled = true;
    try {
      let rec = null;
      try { rec = JSON.parse(text.value); } catch { rec = null; }
      logResult = await lc.checkLog(aid, sid, round, rec);
      await runChecks(text.value, slot, logResult);
    } finally { again.disabled = false; }
  });
  if (record) setTimeout(() => again.click(), 0);
  return {
    title: `${t('sel.check.title')} · ${s.title}`,
    node: h('article', { class: 'selection-check' },
      h('p', { class: 'breadcrumb' }, h('a', { href: `/assemblies/${enc(aid)}/selections/${enc(sid)}` }, t('sel.back_selection'))),
      h('h1', {}, t('sel.check.title'), ' ', h('span', { class: 'subtitle', dir: 'auto' }, s.title)),
      h('p', { class: 'lead' }, t('sel.check.intro')),
      h('section', { class: 'card', 'aria-labelledby': 'check-h' },
        h('h2', { id: 'check-h' }, t('sel.check.steps')),
        // pnyx-draw/3 publishes no panel's counts but the drawn one's: the last line says so
        h('ol', { class: 'plain-steps' }, ['log', 'commitments', 'seed', 'index', record && record.format === 'pnyx-draw/3' ? 'panel3' : 'panel'].map((k) => h('li', {}, t(`sel.check.explain.${k}`)))),
        record ? null : h('p', { class: 'empty' }, t('sel.draw.not_yet')),
        slot,
        h('details', { class: 'record' }, h('summary', {}, t('sel.check.record')),
          h('p', { class: 'hint' }, t('sel.check.record.hint')),
          h('label', { for: 'draw-record', class: 'visually-hidden' }, t('sel.check.record')), text),
        h('p', { class: 'actions' }, again)),
      ownCheck(() => text.value)),
  };
}
