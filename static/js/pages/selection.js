// SPDX-License-Identifier: AGPL-3.0-or-later
// Selection by lot inside an assembly (issue 14): the list of an
// assembly's selections, and one selection's page, step by step — the pool
// (files read and checked here, problems by line and column), the quota
// table, the probability curve (with LEGACY beside LEXIMIN when asked),
// the optimiser's progress with a cancel button, the commitment, the
// commit–reveal ceremony with its countdown, the draw with the chosen
// panel — and the check page, where the browser recomputes the draw from
// the record (sortition/drawcheck.js) and a respondent checks their own
// commitment with their salt. Every step says in plain words what it does.
import { h, clear } from '../dom.js';
import * as i18n from '../i18n.js';
import { t } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { field, input, select, formAlert, showErrors, busy, errorBox, badge, announce, confirmDialog, showErrorIn } from '../ui.js';
import * as pool from '../sortition/pool.js';
import * as curve from '../sortition/curve.js';
import * as dc from '../sortition/drawcheck.js';
import { client } from '../sortition/client.js';
import { go, flash, loginRequired } from './common.js';

const enc = encodeURIComponent;
const MANAGERS = new Set(['convener', 'facilitator']);
// Hashes, ids and numbers keep their order in right-to-left pages.
const ltr = (text, cls = 'mono') => h('span', { dir: 'ltr', class: cls }, text);
const STEPS = ['pool', 'probabilities', 'commit', 'randomness', 'draw', 'check'];

function pct(x, digits = 1) {
  return new Intl.NumberFormat(i18n.lang(), { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
}

function verdict(status, text) {
  const mark = { verified: '✓', failed: '✗', skipped: '–', checking: '…', info: 'i' }[status] || '…';
  return h('span', { class: `verdict verdict-${status === 'skipped' ? 'unsupported' : status}`, 'data-status': status },
    h('span', { class: 'verdict-mark', 'aria-hidden': 'true' }, mark), ' ', text);
}

// The step a selection has reached (api: Selection.status).
function stepOf(s) {
  switch (s.status) {
    case 'draft': return s.probabilities ? 'commit' : s.pool ? 'probabilities' : 'pool';
    case 'committed': case 'published': case 'randomness': return 'randomness';
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

// ---------------------------------------------------------------- list --

export async function selections(ctx) {
  const aid = ctx.params[0];
  const a = await api.get(`/api/v1/assemblies/${enc(aid)}`);
  const list = await client.list(aid);
  const manage = MANAGERS.has(a.my_role) && a.my_status === 'active';
  let form = null;
  if (manage) {
    form = h('form', { class: 'form form-inline', novalidate: true, id: 'create-selection-form' },
      formAlert(),
      field('sel.title_field', input('title', { required: true, maxlength: 200, dir: 'auto' })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('sel.create'))));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await busy(form, async () => {
        try {
          const s = await client.create(aid, { title: form.elements.title.value.trim() });
          go(`/assemblies/${enc(aid)}/selections/${enc(s.id)}`);
        } catch (e) { showErrors(form, e); }
      });
    });
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
        h('ol', { class: 'plain-steps' }, STEPS.map((s) => h('li', {}, h('strong', {}, t(`sel.step.${s}`)), ' — ', t(`sel.step.${s}.what`))))),
      form ? h('section', { class: 'card', 'aria-labelledby': 'new-sel-h' }, h('h2', { id: 'new-sel-h' }, t('sel.new')), form) : null,
      h('section', { class: 'card', 'aria-labelledby': 'sel-list-h' },
        h('h2', { id: 'sel-list-h' }, t('sel.list')),
        items.length
          ? h('ul', { class: 'list', id: 'selection-list' }, items.map((s) => h('li', { class: 'list-item' },
            h('h3', { class: 'list-title' }, h('a', { href: `/assemblies/${enc(aid)}/selections/${enc(s.id)}`, dir: 'auto' }, s.title)),
            badge(t(`sel.status.${s.status}`)))))
          : h('p', { class: 'empty' }, t('sel.none')))),
  };
}

// ---------------------------------------------------------------- pool --

function problemText(p) {
  const params = { ...p.params };
  if (Array.isArray(params.allowed)) params.allowed = i18n.formatList(params.allowed.map((x) => `“${x}”`), 'disjunction');
  for (const [k, v] of Object.entries(params)) if (typeof v === 'number') params[k] = i18n.formatNumber(v);
  return t(`sel.problem.${p.code}`, params);
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
    h('tbody', {}, problems.slice(0, 200).map((p) => h('tr', { 'data-line': p.line ?? '', 'data-column': p.column ?? '', 'data-code': p.code },
      h('td', { 'data-label': t('sel.problem.file') }, t(`sel.file.${p.file}`)),
      h('td', { class: 'num', 'data-label': t('sel.problem.line') }, p.line ? i18n.formatNumber(p.line) : '—'),
      h('td', { 'data-label': t('sel.problem.column') }, p.column ? h('bdi', { class: 'mono' }, p.column) : '—'),
      h('td', { 'data-label': t('sel.problem.what') }, problemText(p)))))));
}

// The respondents file as sent: the category columns and the household
// column only. Names, e-mail addresses and any other column stay here.
function reducedRespondents(categories, rows, household) {
  const q = (v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const cols = categories.map((c) => c.name);
  const head = household ? [...cols, household] : cols;
  const lines = [head.map(q).join(',')];
  for (const r of rows) lines.push([...cols.map((c) => r.values[c]), ...(household ? [r.household] : [])].map(q).join(','));
  return `${lines.join('\n')}\n`;
}

function quotaEditor(state, onChange) {
  const table = pool.quotaTable(state.categories, state.rows, state.k);
  const body = [];
  for (const [ci, c] of table.entries()) {
    for (const [fi, f] of c.features.entries()) {
      const label = `${c.name}: ${f.name}`;
      const mk = (bound) => {
        const el = h('input', {
          type: 'number', min: 0, max: 999999, inputmode: 'numeric', class: 'quota-input', name: `${bound}:${ci}:${fi}`,
          value: String(f[bound]), 'aria-label': t(`sel.quota.${bound}_of`, { feature: label }),
        });
        el.addEventListener('input', () => {
          const v = Number(el.value);
          if (el.value.trim() !== '' && Number.isInteger(v) && v >= 0) {
            state.categories[ci].features[fi][bound] = v;
            el.removeAttribute('aria-invalid');
          } else el.setAttribute('aria-invalid', 'true');
          onChange();
        });
        return el;
      };
      body.push(h('tr', { 'data-category': c.name, 'data-feature': f.name },
        fi === 0 ? h('th', { scope: 'rowgroup', rowspan: c.features.length, class: 'quota-cat', 'data-label': t('sel.quota.category') }, h('bdi', {}, c.name)) : null,
        h('th', { scope: 'row', 'data-label': t('sel.quota.feature') }, h('bdi', {}, f.name)),
        h('td', { class: 'num', 'data-label': t('sel.quota.pool') }, i18n.formatNumber(f.count)),
        h('td', { class: 'num', 'data-label': t('sel.quota.share') }, pct(f.share)),
        h('td', { class: 'num', 'data-label': t('sel.quota.proportional') }, new Intl.NumberFormat(i18n.lang(), { maximumFractionDigits: 1 }).format(f.proportional)),
        h('td', { class: 'num', 'data-label': t('sel.quota.min') }, mk('min')),
        h('td', { class: 'num', 'data-label': t('sel.quota.max') }, mk('max'))));
    }
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table stack quotas', id: 'quota-table' },
    h('caption', {}, t('sel.quota.caption', { n: state.rows.length })),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('sel.quota.category')),
      h('th', { scope: 'col' }, t('sel.quota.feature')),
      h('th', { scope: 'col', class: 'num' }, t('sel.quota.pool')),
      h('th', { scope: 'col', class: 'num' }, t('sel.quota.share')),
      h('th', { scope: 'col', class: 'num' }, t('sel.quota.proportional')),
      h('th', { scope: 'col', class: 'num' }, t('sel.quota.min')),
      h('th', { scope: 'col', class: 'num' }, t('sel.quota.max')))),
    h('tbody', {}, body)));
}

// The pool step: choose the two files, see every problem, fix the file,
// choose it again; then edit the quotas and k and save.
function poolSection(s, refresh) {
  const state = { catText: null, respText: null, categories: [], rows: [], header: [], k: s.k || 0, problems: [] };
  const status = h('div', { id: 'pool-status', 'aria-live': 'polite' });
  const problemsSlot = h('div', {});
  const quotaSlot = h('div', { id: 'quota-slot' });
  const quotaStatus = h('div', { id: 'quota-status', 'aria-live': 'polite' });
  const catInput = h('input', { type: 'file', name: 'categories', accept: '.csv,text/csv' });
  const respInput = h('input', { type: 'file', name: 'respondents', accept: '.csv,text/csv' });
  const household = select('household_column', [['', t('sel.household.none')]]);
  const kInput = input('k', { type: 'number', min: 1, max: 100000, inputmode: 'numeric', value: s.k ? String(s.k) : '' });
  const saveBtn = h('button', { type: 'submit', class: 'button', disabled: true }, t('sel.pool.save'));
  const form = h('form', { class: 'form', novalidate: true, id: 'pool-form' },
    formAlert(),
    h('div', { class: 'form-inline' },
      field('sel.pool.categories', catInput, 'sel.pool.categories.hint'),
      field('sel.pool.respondents', respInput, 'sel.pool.respondents.hint')),
    h('div', { class: 'form-inline' },
      field('sel.pool.household', household, 'sel.pool.household.hint'),
      field('sel.pool.k', kInput, 'sel.pool.k.hint')),
    status, problemsSlot, quotaSlot, quotaStatus,
    h('p', { class: 'hint' }, t('sel.pool.privacy')),
    h('div', { class: 'actions' }, saveBtn));

  function checkQuotas() {
    const qp = state.problems.length ? [] : pool.checkQuotas(state.categories, state.rows, state.k);
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
    if (state.respText !== null && !c.problems.length) {
      const r = pool.parseRespondents(state.respText, c.categories, household.value);
      state.problems.push(...r.problems);
      state.rows = r.rows;
      if (r.header.length && household.options.length === 1) {
        const catNames = new Set(c.categories.map((x) => x.name));
        for (const col of r.header) if (!catNames.has(col)) household.appendChild(h('option', { value: col }, col));
      }
    }
    if (state.problems.length) {
      status.append(verdict('failed', t('sel.pool.bad', { n: state.problems.length })));
      problemsSlot.append(problemsTable(state.problems));
      announce(t('sel.pool.bad', { n: state.problems.length }));
    } else if (state.respText !== null) {
      status.append(verdict('verified', t('sel.pool.good', { n: state.rows.length, c: state.categories.length })));
      quotaSlot.append(h('h3', {}, t('sel.quota.title')), h('p', { class: 'hint' }, t('sel.quota.explain')), quotaEditor(state, checkQuotas));
      announce(t('sel.pool.good', { n: state.rows.length, c: state.categories.length }));
    }
    checkQuotas();
  }

  catInput.addEventListener('change', async () => { state.catText = catInput.files[0] ? await catInput.files[0].text() : null; reread(); });
  respInput.addEventListener('change', async () => {
    state.respText = respInput.files[0] ? await respInput.files[0].text() : null;
    clear(household).appendChild(h('option', { value: '' }, t('sel.household.none')));
    reread();
  });
  household.addEventListener('change', reread);
  kInput.addEventListener('input', () => { state.k = Number(kInput.value); checkQuotas(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await busy(form, async () => {
      try {
        await client.uploadPool(s.id, {
          categories_csv: pool.categoriesCsv(state.categories),
          respondents_csv: reducedRespondents(state.categories, state.rows, household.value),
          household_column: household.value || null,
          k: state.k,
        });
        flash(t('sel.pool.saved'));
        refresh();
      } catch (e) { showErrors(form, e); }
    });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'pool-h', id: 'pool-section' },
    h('h2', { id: 'pool-h' }, t('sel.step.pool')),
    h('p', {}, t('sel.pool.explain')), form);
}

// A saved pool, read-only: the quota table as the server holds it.
function savedPool(s) {
  const cats = s.pool.categories || [];
  const n = s.pool.n;
  return h('section', { class: 'card', 'aria-labelledby': 'pool-h', id: 'pool-section' },
    h('h2', { id: 'pool-h' }, t('sel.step.pool')),
    h('p', {}, t('sel.pool.saved_summary', { n, k: s.k, c: cats.length })),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table stack quotas', id: 'quota-table' },
      h('caption', {}, t('sel.quota.caption', { n })),
      h('thead', {}, h('tr', {}, ['category', 'feature', 'pool', 'share', 'min', 'max'].map((c) => h('th', { scope: 'col', class: ['pool', 'share', 'min', 'max'].includes(c) ? 'num' : null }, t(`sel.quota.${c}`))))),
      h('tbody', {}, cats.flatMap((c) => c.features.map((f) => h('tr', {},
        h('td', { 'data-label': t('sel.quota.category') }, h('bdi', {}, c.name)),
        h('th', { scope: 'row', 'data-label': t('sel.quota.feature') }, h('bdi', {}, f.name)),
        h('td', { class: 'num', 'data-label': t('sel.quota.pool') }, i18n.formatNumber(f.pool)),
        h('td', { class: 'num', 'data-label': t('sel.quota.share') }, pct(n ? f.pool / n : 0)),
        h('td', { class: 'num', 'data-label': t('sel.quota.min') }, i18n.formatNumber(f.min)),
        h('td', { class: 'num', 'data-label': t('sel.quota.max') }, i18n.formatNumber(f.max)))))))));
}

// -------------------------------------------------------- probabilities --

const METHODS = ['leximin', 'maximin', 'legacy'];

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

function seriesOf(s) {
  const out = [];
  const probs = s.probabilities || {};
  for (const m of METHODS) {
    if (Array.isArray(probs[m])) out.push({ id: m, label: t(`sel.method.${m}`), probs: probs[m], dashed: m === 'legacy' });
  }
  return out;
}

function probabilitiesSection(s, canManage, refresh) {
  const slot = h('div', { id: 'run-slot', 'aria-live': 'polite' });
  const errSlot = h('div', {});
  const series = seriesOf(s);
  let form = null;
  if (canManage && s.status === 'draft') {
    const method = select('method', [['leximin', t('sel.method.leximin')], ['maximin', t('sel.method.maximin')]]);
    if (s.method) method.value = s.method;
    const legacy = h('input', { type: 'checkbox', name: 'compare_legacy', id: 'compare-legacy' });
    form = h('form', { class: 'form', novalidate: true, id: 'run-form' },
      formAlert(),
      field('sel.method', method, 'sel.method.hint'),
      h('div', { class: 'check-row' }, legacy, h('label', { for: 'compare-legacy' }, t('sel.compare_legacy'))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t(series.length ? 'sel.run.again' : 'sel.run.start'))));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await busy(form, async () => {
        try {
          const run = await client.startRun(s.id, { method: method.value, compare_legacy: legacy.checked });
          watchRun(s, run, slot, refresh);
        } catch (e) { showErrors(form, e); }
      });
    });
  }
  if (s.run && ['queued', 'running'].includes(s.run.status)) watchRun(s, s.run, slot, refresh);
  else if (s.run && s.run.status === 'failed') slot.append(runFailure(s.run));
  return h('section', { class: 'card', 'aria-labelledby': 'prob-h', id: 'probabilities-section' },
    h('h2', { id: 'prob-h' }, t('sel.step.probabilities')),
    h('p', {}, t('sel.prob.explain')),
    h('details', { class: 'explain' }, h('summary', {}, t('sel.prob.methods')),
      h('p', {}, t('sel.method.leximin.what')), h('p', {}, t('sel.method.maximin.what')), h('p', {}, t('sel.method.legacy.what'))),
    form, slot, errSlot,
    series.length ? curveFigure(series, s.k) : h('p', { class: 'empty', id: 'no-curve' }, t('sel.curve.none')));
}

function runFailure(run) {
  const relax = Array.isArray(run.relaxation) ? run.relaxation : [];
  return h('div', { class: 'alert alert-error', role: 'alert', id: 'run-error' },
    h('p', { class: 'alert-title' }, t(run.error === 'infeasible' ? 'sel.run.infeasible' : 'sel.run.failed')),
    relax.length ? h('ul', {}, relax.map((r) => h('li', {}, t(`sel.relax.${r.bound}`, { category: r.category, feature: r.feature, from: i18n.formatNumber(r.from), to: i18n.formatNumber(r.to) })))) : null);
}

// Poll a run until it ends; show its progress and a cancel button.
function watchRun(s, run0, slot, refresh) {
  const bar = h('progress', { max: 100, id: 'run-bar', 'aria-labelledby': 'run-label' });
  const label = h('p', { id: 'run-label' }, t('sel.run.running'));
  const detail = h('p', { class: 'hint', id: 'run-detail' });
  const cancel = h('button', { type: 'button', class: 'button button-secondary', id: 'run-cancel' }, t('sel.run.cancel'));
  const box = h('div', { class: 'run-progress', id: 'run-progress' }, label, bar, detail, h('p', { class: 'actions' }, cancel));
  clear(slot).append(box);
  let stopped = false;
  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try { await client.cancelRun(s.id, run0.id); } catch (e) { slot.append(errorBox(e)); cancel.disabled = false; }
  });
  const show = (run) => {
    const p = run.progress || {};
    if (typeof p.fraction === 'number') bar.value = Math.round(p.fraction * 100); else bar.removeAttribute('value');
    detail.textContent = t('sel.run.detail', { panels: i18n.formatNumber(p.panels || 0), fixed: i18n.formatNumber(p.fixed || 0), n: i18n.formatNumber(s.pool ? s.pool.n : 0), seconds: i18n.formatNumber(Math.round(p.seconds || 0)) });
  };
  show(run0);
  (async () => {
    let run = run0;
    while (!stopped && ['queued', 'running'].includes(run.status)) {
      await new Promise((r) => { setTimeout(r, 500); });
      if (!box.isConnected) return; // the page was left
      try { run = await client.run(s.id, run0.id); } catch (e) { slot.append(errorBox(e)); return; }
      show(run);
    }
    stopped = true;
    if (run.status === 'done') { flash(t('sel.run.done')); refresh(); return; }
    clear(slot).append(run.status === 'cancelled'
      ? h('div', { class: 'alert alert-info', role: 'status', id: 'run-cancelled' }, t('sel.run.cancelled'))
      : runFailure(run));
  })();
}

// --------------------------------------------------------------- commit --

function commitSection(s, canManage, refresh) {
  const errSlot = h('div', {});
  let btn = null;
  if (canManage && s.status === 'draft' && seriesOf(s).length) {
    btn = h('button', { type: 'button', class: 'button', id: 'commit-button' }, t('sel.commit.button'));
    btn.addEventListener('click', async () => {
      const ok = await confirmDialog({ title: t('sel.commit.confirm'), body: t('sel.commit.confirm_body'), ok: t('sel.commit.button'), danger: false });
      if (!ok) return;
      btn.disabled = true;
      try {
        await client.commit(s.id, {});
        flash(t('sel.commit.done'));
        refresh();
      } catch (e) { showErrorIn(errSlot, e); btn.disabled = false; }
    });
  }
  const c = s.commitment;
  return h('section', { class: 'card', 'aria-labelledby': 'commit-h', id: 'commit-section' },
    h('h2', { id: 'commit-h' }, t('sel.step.commit')),
    h('p', {}, t('sel.commit.explain')),
    c ? h('dl', { class: 'facts', id: 'commit-facts' },
      h('dt', {}, t('sel.commit.root')), h('dd', { class: 'hash' }, ltr(c.pool_root)),
      h('dt', {}, t('sel.commit.m')), h('dd', {}, i18n.formatNumber(c.m)),
      h('dt', {}, t('sel.commit.entry')), h('dd', {}, c.audit_seq ? h('a', { href: `/assemblies/${enc(s.assembly_id)}/audit` }, t('audit.entry_no', { seq: c.audit_seq })) : '—'))
      : null,
    btn ? h('p', { class: 'actions' }, btn) : null, errSlot);
}

// ------------------------------------------------------ commit–reveal --

const secretKey = (sid, account) => `pnyx.sortition.${sid}.${account}`;

function loadSecret(sid, account) {
  try { return localStorage.getItem(secretKey(sid, account)); } catch { return null; }
}

// Time left until `iso`, as "1 h 02 min 05 s" (digits of the reader's locale).
function remaining(iso, now = Date.now()) {
  const ms = new Date(iso).getTime() - now;
  if (!(ms > 0)) return null;
  const s = Math.floor(ms / 1000);
  const nf = new Intl.NumberFormat(i18n.lang(), { minimumIntegerDigits: 2 });
  return t('sel.countdown', { h: i18n.formatNumber(Math.floor(s / 3600)), m: nf.format(Math.floor((s % 3600) / 60)), s: nf.format(s % 60) });
}

function ceremonySection(s, account, canManage, refresh) {
  const r = s.randomness || {};
  const participants = r.participants || [];
  const now = Date.now();
  const phase = !r.commit_deadline ? 'waiting'
    : now < new Date(r.commit_deadline).getTime() ? 'commit'
      : now < new Date(r.reveal_deadline).getTime() ? 'reveal' : 'closed';
  const timer = h('p', { class: 'countdown', role: 'timer', id: 'countdown', 'aria-live': 'off' });
  const tick = () => {
    if (!timer.isConnected && timer.dataset.started) return;
    timer.dataset.started = '1';
    const target = phase === 'commit' ? r.commit_deadline : phase === 'reveal' ? r.reveal_deadline : null;
    const left = target ? remaining(target) : null;
    timer.textContent = left ? t(`sel.countdown.${phase}`, { left }) : t('sel.countdown.over');
    if (target && !left) { refresh(); return; }
    if (target) setTimeout(tick, 1000);
  };
  setTimeout(tick, 0);
  timer.textContent = t('sel.countdown.over');

  const me = account ? participants.find((p) => String(p.account_id) === String(account.id)) : null;
  const action = h('div', { id: 'ceremony-action' });
  const errSlot = h('div', {});
  const secret = account ? loadSecret(s.id, account.id) : null;
  if (account && phase === 'commit' && !me) {
    const btn = h('button', { type: 'button', class: 'button', id: 'take-part' }, t('sel.ceremony.take_part'));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        const value = dc.randomValue();
        // Kept in this browser until the reveal: without it this person
        // cannot reveal, and their commitment is dropped.
        localStorage.setItem(secretKey(s.id, account.id), value);
        await client.commitRandom(s.id, await dc.valueCommitment(value));
        flash(t('sel.ceremony.committed'));
        refresh();
      } catch (e) { showErrorIn(errSlot, e); btn.disabled = false; }
    });
    action.append(h('p', {}, t('sel.ceremony.take_part.what')), h('p', { class: 'actions' }, btn));
  } else if (account && phase === 'reveal' && me && !me.revealed_at) {
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
    } else action.append(h('p', { class: 'alert alert-error' }, t('sel.ceremony.lost')));
  } else if (me) {
    action.append(h('p', { class: 'role-line' }, t(me.revealed_at ? 'sel.ceremony.you_revealed' : 'sel.ceremony.you_committed')));
  }
  if (secret && me) action.append(h('details', {}, h('summary', {}, t('sel.ceremony.your_value')), h('p', { class: 'mono hash', dir: 'ltr' }, secret)));

  let drawBtn = null;
  if (canManage && phase === 'closed' && s.status !== 'drawn') {
    drawBtn = h('button', { type: 'button', class: 'button', id: 'draw-button' }, t('sel.draw.button'));
    drawBtn.addEventListener('click', async () => {
      drawBtn.disabled = true;
      try { await client.draw(s.id); flash(t('sel.draw.done')); refresh(); } catch (e) { showErrorIn(errSlot, e); drawBtn.disabled = false; }
    });
  }
  const state = (p) => (p.revealed_at ? t('sel.ceremony.state.revealed') : phase === 'closed' ? t('sel.ceremony.state.dropped') : t('sel.ceremony.state.committed'));
  return h('section', { class: 'card', 'aria-labelledby': 'ceremony-h', id: 'ceremony-section' },
    h('h2', { id: 'ceremony-h' }, t('sel.step.randomness')),
    h('p', {}, t('sel.ceremony.explain')),
    h('p', {}, t('sel.ceremony.no_reveal')),
    r.commit_deadline ? h('dl', { class: 'facts' },
      h('dt', {}, t('sel.ceremony.commit_until')), h('dd', {}, h('time', { datetime: r.commit_deadline }, i18n.formatDate(r.commit_deadline))),
      h('dt', {}, t('sel.ceremony.reveal_until')), h('dd', {}, h('time', { datetime: r.reveal_deadline }, i18n.formatDate(r.reveal_deadline))),
      r.log_size ? [h('dt', {}, t('sel.ceremony.log_size')), h('dd', {}, i18n.formatNumber(r.log_size))] : null) : null,
    timer, action, errSlot,
    h('h3', {}, t('sel.ceremony.who', { n: participants.length })),
    participants.length
      ? h('ul', { class: 'participants', id: 'participants' }, participants.map((p) => h('li', { 'data-state': p.revealed_at ? 'revealed' : phase === 'closed' ? 'dropped' : 'committed' },
        h('bdi', {}, p.display_name || t('audit.account', { id: p.account_id })), ' — ', state(p))))
      : h('p', { class: 'empty' }, t('sel.ceremony.nobody')),
    drawBtn ? h('p', { class: 'actions' }, drawBtn) : null);
}

// ----------------------------------------------------------------- draw --

function drawSection(s) {
  const d = s.draw;
  return h('section', { class: 'card', 'aria-labelledby': 'draw-h', id: 'draw-section' },
    h('h2', { id: 'draw-h' }, t('sel.step.draw')),
    h('p', {}, t('sel.draw.explain')),
    d ? [
      h('p', { class: 'lead', id: 'draw-index' }, t('sel.draw.index', { i: i18n.formatNumber(d.index), m: i18n.formatNumber(d.m) })),
      h('dl', { class: 'facts' }, h('dt', {}, t('sel.draw.seed')), h('dd', { class: 'hash' }, ltr(d.seed))),
      h('h3', {}, t('sel.draw.panel', { n: d.panel.length })),
      h('ol', { class: 'panel-list', id: 'panel-list' }, d.panel.map((id) => h('li', {}, ltr(String(id))))),
      h('p', {}, h('a', { class: 'button', href: `/assemblies/${enc(s.assembly_id)}/selections/${enc(s.id)}/check`, id: 'check-link' }, t('sel.check.open')))]
      : h('p', { class: 'empty' }, t('sel.draw.not_yet')));
}

// ------------------------------------------------------------ the page --

export async function selection(ctx) {
  const [aid, sid] = ctx.params;
  const [a, s] = await Promise.all([api.get(`/api/v1/assemblies/${enc(aid)}`), client.get(sid)]);
  const canManage = MANAGERS.has(a.my_role) && a.my_status === 'active';
  const step = stepOf(s);
  const refresh = ctx.refresh;
  const sections = [];
  if (s.pool) sections.push(savedPool(s));
  else if (canManage) sections.push(poolSection(s, refresh));
  else sections.push(h('section', { class: 'card', id: 'pool-section' }, h('h2', {}, t('sel.step.pool')), h('p', { class: 'empty' }, t('sel.pool.none'))));
  if (s.pool) sections.push(probabilitiesSection(s, canManage, refresh));
  if (s.pool) sections.push(commitSection(s, canManage, refresh));
  if (s.status !== 'draft') sections.push(ceremonySection(s, ctx.account, canManage, refresh));
  if (s.status !== 'draft') sections.push(drawSection(s));
  return {
    title: `${s.title} · ${t('sel.title')}`,
    node: h('article', { class: 'selection', 'data-status': s.status },
      h('p', { class: 'breadcrumb' }, h('a', { href: `/assemblies/${enc(aid)}/selections` }, t('sel.back_list'))),
      h('div', { class: 'page-head' },
        h('div', {}, h('h1', { dir: 'auto' }, s.title), badge(t(`sel.status.${s.status}`)))),
      stepsNav(step),
      sections),
  };
}

// --------------------------------------------------------------- check --

function stepRow(r) {
  const p = {};
  for (const [k, v] of Object.entries(r.params || {})) p[k] = typeof v === 'number' ? i18n.formatNumber(v) : v;
  const detail = r.status === 'skipped' ? t('sel.check.skipped') : t(`sel.check.${r.id}.${r.status === 'verified' ? 'ok' : 'bad'}`, p);
  return h('li', { 'data-check': r.id, 'data-status': r.status },
    verdict(r.status, t(`sel.check.${r.id}`)),
    h('p', { class: 'hint check-detail', dir: 'auto' }, detail));
}

async function runChecks(recordText, slot) {
  clear(slot).append(verdict('checking', t('audit.checking')));
  let rec;
  try { rec = JSON.parse(recordText); } catch {
    clear(slot).append(h('p', { id: 'check-verdict' }, verdict('failed', t('sel.check.bad_json'))));
    return false;
  }
  const res = await dc.checkDraw(rec);
  const ok = res.every((r) => r.status !== 'failed');
  clear(slot).append(
    h('p', { id: 'check-verdict', class: 'check-verdict' }, verdict(ok ? 'verified' : 'failed', t(ok ? 'sel.check.all_ok' : 'sel.check.some_failed'))),
    h('ol', { class: 'check-list', id: 'check-list' }, res.map(stepRow)));
  announce(t(ok ? 'sel.check.all_ok' : 'sel.check.some_failed'));
  return ok;
}

function ownCheck(getRecord) {
  const out = h('div', { id: 'own-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'form', novalidate: true, id: 'own-form' },
    formAlert(),
    field('sel.own.receipt', h('textarea', { name: 'receipt', rows: 4, dir: 'ltr', class: 'mono', spellcheck: 'false' }), 'sel.own.receipt.hint'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('sel.own.check'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let receipt;
    try { receipt = JSON.parse(form.elements.receipt.value); } catch { receipt = null; }
    let rec;
    try { rec = JSON.parse(getRecord()); } catch { rec = null; }
    const r = receipt && rec ? await dc.checkOwn(rec, receipt) : { status: 'failed', reason: 'format' };
    clear(out).append(h('p', { id: 'own-verdict' }, verdict(r.status === 'ok' ? 'verified' : 'failed', t(`sel.own.${r.status === 'ok' ? 'ok' : r.reason}`, {
      p: r.probability !== undefined ? pct(r.probability, 2) : '', selected: r.selected ? t('sel.own.selected') : t('sel.own.not_selected'),
    }))));
  });
  return h('section', { class: 'card', 'aria-labelledby': 'own-h', id: 'own-section' },
    h('h2', { id: 'own-h' }, t('sel.own.title')), h('p', {}, t('sel.own.explain')), form, out);
}

export async function selectionCheck(ctx) {
  const [aid, sid] = ctx.params;
  const [s, record] = await Promise.all([client.get(sid), client.record(sid).catch((e) => {
    if (e instanceof ApiError && [404, 409].includes(e.status)) return null;
    throw e;
  })]);
  const text = h('textarea', { id: 'draw-record', name: 'record', rows: 12, dir: 'ltr', class: 'mono record-text', spellcheck: 'false' });
  text.value = record ? JSON.stringify(record, null, 2) : '';
  const slot = h('div', { id: 'check-result', 'aria-live': 'polite' });
  const again = h('button', { type: 'button', class: 'button', id: 'check-button' }, t('sel.check.run'));
  again.addEventListener('click', () => runChecks(text.value, slot));
  if (record) setTimeout(() => runChecks(text.value, slot), 0);
  return {
    title: `${t('sel.check.title')} · ${s.title}`,
    node: h('article', { class: 'selection-check' },
      h('p', { class: 'breadcrumb' }, h('a', { href: `/assemblies/${enc(aid)}/selections/${enc(sid)}` }, t('sel.back_selection'))),
      h('h1', {}, t('sel.check.title'), ' ', h('span', { class: 'subtitle', dir: 'auto' }, s.title)),
      h('p', { class: 'lead' }, t('sel.check.intro')),
      h('section', { class: 'card', 'aria-labelledby': 'check-h' },
        h('h2', { id: 'check-h' }, t('sel.check.steps')),
        h('ol', { class: 'plain-steps' }, ['commitments', 'seed', 'index', 'panel'].map((k) => h('li', {}, t(`sel.check.explain.${k}`)))),
        record ? null : h('p', { class: 'empty' }, t('sel.draw.not_yet')),
        slot,
        h('details', { class: 'record' }, h('summary', {}, t('sel.check.record')),
          h('p', { class: 'hint' }, t('sel.check.record.hint')),
          h('label', { for: 'draw-record', class: 'visually-hidden' }, t('sel.check.record')), text),
        h('p', { class: 'actions' }, again)),
      ownCheck(() => text.value)),
  };
}
