// SPDX-License-Identifier: AGPL-3.0-or-later
// Questions and secret ranked ballots (issue 11): an assembly's questions,
// the form that creates one (with a live preview of the ballot as voters
// will see it), the question page — its state, a countdown in the reader's
// time zone, the roll and who has voted (never how), the ballot (rank by
// drag and drop, or fully by keyboard: move buttons or a typed rank
// number, each move announced), a review step that says what happens to a
// ballot that ranks only some options, the receipt (copy, download) — the
// results (round-by-round chart with its table, transfers, exhausted
// ballots, countries, the double-majority comparison), and the board,
// where the voter's browser recomputes their receipt and board entry and
// checks the inclusion proof against the root written in the signed log.
// API shapes: CONTRACTS-11 (questions, ballots, board, result).
import { h, clear, nextId } from '../dom.js';
import * as i18n from '../i18n.js';
import { t } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { field, input, select, formAlert, showErrors, clearErrors, busy, errorBox, announce, confirmDialog, showErrorIn, dismissNotices, modal } from '../ui.js';
import { languageSelect } from '../languages.js';
import { plain } from '../markdown.js';
import * as v from '../verify.js';
import { go, flash, loginRequired } from './common.js';
import { enc, MANAGERS, when, userLine, userBody, readHeaders } from './deliberation.js';
import * as rank from '../questions/rank.js';
import * as bc from '../questions/ballotcheck.js';
import * as chart from '../questions/chart.js';

const METHODS = ['irv', 'stv', 'schulze'];
const STATES = ['draft', 'open', 'closed', 'tallied'];
// Hashes, ids and numbers keep their order in right-to-left pages.
const ltr = (text, cls = 'mono') => h('span', { dir: 'ltr', class: cls }, text);
// Receipts of ballots cast during this visit (never stored: the voter
// downloads theirs), by question id.
const castThisVisit = new Map();

function activeRole(a) { return a && a.my_role && a.my_status === 'active' ? a.my_role : null; }

function stateBadge(state) {
  return h('span', { class: `badge badge-qstate badge-q-${state}`, 'data-state': state, id: 'question-state' }, t(`q.state.${state}`));
}

function verdict(status, text) {
  const mark = { verified: '✓', failed: '✗', skipped: '–', checking: '…' }[status] || '…';
  return h('span', { class: `verdict verdict-${status === 'skipped' ? 'unsupported' : status}`, 'data-status': status },
    h('span', { class: 'verdict-mark', 'aria-hidden': 'true' }, mark), ' ', text);
}

function fmtNum(x) {
  return new Intl.NumberFormat(i18n.lang(), { maximumFractionDigits: 4 }).format(Number(x));
}
function pct(x) {
  return new Intl.NumberFormat(i18n.lang(), { style: 'percent', maximumFractionDigits: 1 }).format(Number(x));
}

// The reader's time zone, named, so "18:00" is never ambiguous.
function zoneName() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
}
function whenZoned(iso) {
  if (!iso) return null;
  let text = i18n.formatDate(iso);
  try {
    text = new Intl.DateTimeFormat(i18n.lang(), { dateStyle: 'full', timeStyle: 'short', timeZoneName: 'short' }).format(new Date(iso));
  } catch { /* the medium form */ }
  const utc = new Intl.DateTimeFormat(i18n.lang(), { dateStyle: 'medium', timeStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));
  return h('time', { datetime: iso, title: utc }, text);
}

// Time left until `iso` in words and digits of the reader's locale, or null.
export function remaining(iso, now = Date.now()) {
  const ms = new Date(iso).getTime() - now;
  if (!(ms > 0)) return null;
  const sec = Math.floor(ms / 1000);
  const nf = new Intl.NumberFormat(i18n.lang(), { minimumIntegerDigits: 2 });
  const d = Math.floor(sec / 86400);
  const hm = t('q.countdown.hms', { h: i18n.formatNumber(Math.floor((sec % 86400) / 3600)), m: nf.format(Math.floor((sec % 3600) / 60)), s: nf.format(sec % 60) });
  return d ? t('q.countdown.days', { d: i18n.formatNumber(d), rest: hm }) : hm;
}

// The texts in the reader's language when the question has them
// (translations frozen at opening), else the original.
function textsOf(q) {
  const tr = q.translations || {};
  const want = [i18n.lang()];
  for (const l of want) {
    if (l !== q.language && tr[l]) {
      const x = tr[l];
      return { language: l, title: x.title || q.title, description: x.description ?? q.description, labels: x.labels || {}, source: x.source };
    }
  }
  return { language: q.language, title: q.title, description: q.description, labels: {}, source: null };
}
function labelsOf(q, texts) {
  const m = new Map();
  for (const o of q.options || []) m.set(o.id, plain(texts.labels[o.id] || o.label));
  return m;
}
const optionText = (labels, id) => labels.get(id) || id;

function methodText(q) {
  return q.method === 'irv' ? t('q.method.irv') : q.method === 'stv' ? t('q.method.stv_seats', { n: q.seats }) : t('q.method.schulze_seats', { n: q.seats || 1 });
}

// ---- the ballot ----------------------------------------------------------------

// The ranking widget. opts: {options:[{id,label,excluded}], max, method,
// preview, ranking (initial), onChange(ranking)}. Returns {node, get()}.
export function ballotWidget(opts) {
  const uid = nextId('ballot');
  const offered = opts.options.filter((o) => !o.excluded);
  const labelOf = new Map(offered.map((o) => [o.id, o.label]));
  let ranking = (opts.ranking || []).filter((id) => labelOf.has(id));
  const rankedList = h('ol', { class: 'rank-list ranked', id: opts.preview ? null : 'ranked-list', 'aria-labelledby': `${uid}-ranked-h`, 'data-drop': 'ranked' });
  const otherList = h('ul', { class: 'rank-list unranked', id: opts.preview ? null : 'unranked-list', 'aria-labelledby': `${uid}-unranked-h`, 'data-drop': 'unranked' });
  const emptyRanked = h('p', { class: 'rank-empty hint' }, t('q.ballot.none_ranked'));
  const emptyOther = h('p', { class: 'rank-empty hint' }, t('q.ballot.all_ranked'));
  const count = h('p', { class: 'hint rank-count', id: opts.preview ? null : 'rank-count' });
  const max = opts.max;
  let dragging = null;

  let drawing = false;
  function set(next, id, what, focusRole) {
    if (drawing) return; // a field losing focus as the list is redrawn
    if (!next) { announce(t('q.ballot.full', { n: max })); return; }
    ranking = next;
    draw();
    const r = rank.rankOf(ranking, id);
    const label = labelOf.get(id);
    if (what) announce(r ? t('q.ballot.moved', { option: label, rank: r, n: ranking.length }) : t('q.ballot.removed', { option: label }));
    if (focusRole) {
      // The control that acted, else its neighbour (the up button is
      // disabled at rank 1), else the rank field.
      const li = root.querySelector(`li[data-option="${CSS.escape(id)}"]`);
      const order = [focusRole, { up: 'down', down: 'up' }[focusRole], 'add', 'rank'].filter(Boolean);
      const target = li && order.map((r) => li.querySelector(`[data-role="${r}"]:not(:disabled)`)).find(Boolean);
      if (target) target.focus();
    }
    if (opts.onChange) opts.onChange(ranking.slice());
  }

  function rankInput(o, r) {
    const inp = h('input', {
      type: 'number', min: 1, max: Math.min(max, ranking.length + (r ? 0 : 1)), inputmode: 'numeric', class: 'rank-input', 'data-role': 'rank',
      value: r ? String(r) : '', 'aria-label': t('q.ballot.rank_of', { option: o.label }), placeholder: '–',
    });
    const apply = () => {
      const val = inp.value.trim();
      if (val === '') { if (r) set(rank.remove(ranking, o.id), o.id, true, 'rank'); return; }
      const n = Number(val);
      if (!Number.isInteger(n) || n < 1) { inp.value = r ? String(r) : ''; return; }
      if (n === r) return;
      set(rank.placeAt(ranking, o.id, n, max), o.id, true, 'rank');
    };
    inp.addEventListener('change', apply);
    inp.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); apply(); } });
    return inp;
  }

  function item(o, r) {
    const li = h('li', { class: `rank-item${r ? ' is-ranked' : ''}`, 'data-option': o.id, draggable: 'true' });
    const grip = h('span', { class: 'rank-grip', 'aria-hidden': 'true' }, '⠿');
    const name = h('span', { class: 'rank-label', dir: 'auto' }, o.label);
    const tools = h('span', { class: 'rank-tools' });
    if (r) {
      tools.append(
        h('button', { type: 'button', class: 'icon-button', 'data-role': 'up', disabled: r === 1, 'aria-label': t('q.ballot.up', { option: o.label }), title: t('q.ballot.up_short'), onclick: () => set(rank.move(ranking, o.id, -1), o.id, true, 'up') }, h('span', { 'aria-hidden': 'true' }, '▲')),
        h('button', { type: 'button', class: 'icon-button', 'data-role': 'down', disabled: r === ranking.length, 'aria-label': t('q.ballot.down', { option: o.label }), title: t('q.ballot.down_short'), onclick: () => set(rank.move(ranking, o.id, 1), o.id, true, 'down') }, h('span', { 'aria-hidden': 'true' }, '▼')),
        h('button', { type: 'button', class: 'icon-button', 'data-role': 'remove', 'aria-label': t('q.ballot.remove', { option: o.label }), title: t('q.ballot.remove_short'), onclick: () => set(rank.remove(ranking, o.id), o.id, true, 'add') }, h('span', { 'aria-hidden': 'true' }, '✕')));
    } else {
      tools.append(h('button', { type: 'button', class: 'button button-secondary button-small', 'data-role': 'add', disabled: ranking.length >= max, 'aria-label': t('q.ballot.add', { option: o.label }), onclick: () => set(rank.add(ranking, o.id, max), o.id, true, 'rank') }, t('q.ballot.add_short')));
    }
    li.append(grip, rankInput(o, r), name, tools);
    li.addEventListener('dragstart', (ev) => {
      dragging = o.id;
      li.classList.add('dragging');
      ev.dataTransfer.effectAllowed = 'move';
      ev.dataTransfer.setData('text/plain', o.id);
    });
    li.addEventListener('dragend', () => { dragging = null; li.classList.remove('dragging'); });
    return li;
  }

  // Dropping on a ranked item puts the dragged option at that item's rank
  // (after it when dropped on its lower half); on the list's free space, last.
  function dropTarget(ev) {
    const li = ev.target.closest && ev.target.closest('li[data-option]');
    const list = ev.target.closest && ev.target.closest('[data-drop]');
    return { li, list };
  }
  for (const list of [rankedList, otherList]) {
    list.addEventListener('dragover', (ev) => { if (dragging) { ev.preventDefault(); ev.dataTransfer.dropEffect = 'move'; list.classList.add('drop-here'); } });
    list.addEventListener('dragleave', () => list.classList.remove('drop-here'));
    list.addEventListener('drop', (ev) => {
      ev.preventDefault();
      list.classList.remove('drop-here');
      const id = dragging || ev.dataTransfer.getData('text/plain');
      if (!id || !labelOf.has(id)) return;
      const { li } = dropTarget(ev);
      if (list === otherList) { if (ranking.includes(id)) set(rank.remove(ranking, id), id, true, null); return; }
      let at = ranking.length + (ranking.includes(id) ? 0 : 1);
      if (li && li.dataset.option !== id && ranking.includes(li.dataset.option)) {
        const box = li.getBoundingClientRect();
        const target = rank.rankOf(ranking, li.dataset.option);
        const lower = ev.clientY > box.top + box.height / 2;
        const from = rank.rankOf(ranking, id);
        at = target + (lower ? 1 : 0) - (from && from < target ? 1 : 0);
      }
      set(rank.placeAt(ranking, id, at, max), id, true, null);
    });
  }

  function draw() {
    drawing = true;
    try { drawLists(); } finally { drawing = false; }
  }
  function drawLists() {
    clear(rankedList);
    clear(otherList);
    ranking.forEach((id, i) => rankedList.appendChild(item({ id, label: labelOf.get(id) }, i + 1)));
    for (const o of rank.unranked(offered, ranking)) otherList.appendChild(item(o, null));
    emptyRanked.hidden = ranking.length > 0;
    emptyOther.hidden = ranking.length < offered.length;
    count.textContent = t('q.ballot.count', { ranked: ranking.length, max, total: offered.length });
  }
  draw();

  const root = h('div', { class: 'ballot', 'data-preview': opts.preview ? 'true' : null },
    h('p', { class: 'ballot-how' }, t('q.ballot.how', { n: max })),
    h('div', { class: 'ballot-lists' },
      h('div', { class: 'ballot-col' }, h('h3', { id: `${uid}-ranked-h` }, t('q.ballot.your_ranking')), rankedList, emptyRanked, count),
      h('div', { class: 'ballot-col' }, h('h3', { id: `${uid}-unranked-h` }, t('q.ballot.not_ranked')), otherList, emptyOther)));
  return { node: root, get: () => ranking.slice(), set: (r) => { ranking = r.filter((id) => labelOf.has(id)); draw(); } };
}

// What happens to this ballot, in words: truncation under each method.
function truncationText(q, n, total) {
  if (n >= total) return t('q.review.full');
  if (q.method === 'schulze') return t('q.review.truncated_schulze', { n, total });
  return t('q.review.truncated', { n, total });
}

function randomKey() {
  return v.hex(crypto.getRandomValues(new Uint8Array(16)));
}

function receiptJson(r) {
  return `${JSON.stringify({ question: r.question, ranking: r.ranking, nonce: r.nonce, receipt: r.receipt }, null, 2)}\n`;
}

function download(name, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function copyText(text) {
  try { await navigator.clipboard.writeText(text); return true; } catch { /* no clipboard permission: the text stays selectable */ }
  return false;
}

function receiptSection(q, r, labels) {
  const json = receiptJson(r);
  const status = h('p', { class: 'hint', id: 'receipt-status', role: 'status' });
  const pre = h('pre', { class: 'mono entry receipt-json', id: 'receipt-json', dir: 'ltr', tabindex: '0', 'aria-label': t('q.receipt.json') }, json);
  const copy = h('button', { type: 'button', class: 'button button-secondary', id: 'receipt-copy' }, t('q.receipt.copy'));
  copy.addEventListener('click', async () => {
    const ok = await copyText(json);
    if (!ok) {
      const range = document.createRange();
      range.selectNodeContents(pre);
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    status.textContent = ok ? t('q.receipt.copied') : t('q.receipt.selected');
  });
  const dl = h('button', { type: 'button', class: 'button', id: 'receipt-download' }, t('q.receipt.download'));
  dl.addEventListener('click', () => { download(`pnyx-receipt-${r.question}-${r.receipt.slice(0, 12)}.json`, json); status.textContent = t('q.receipt.downloaded'); });
  return h('section', { class: 'card receipt', id: 'receipt', 'aria-labelledby': 'receipt-h' },
    h('h2', { id: 'receipt-h', tabindex: '-1' }, t('q.receipt.title')),
    h('p', { class: 'alert alert-info' }, t('q.receipt.cast')),
    h('p', {}, t('q.receipt.explain')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('q.receipt.receipt')), h('dd', { class: 'hash', id: 'receipt-hash' }, ltr(r.receipt)),
      h('dt', {}, t('q.receipt.ranking')), h('dd', {}, h('ol', { class: 'receipt-ranking' }, r.ranking.map((id) => h('li', { dir: 'auto' }, optionText(labels, id))))),
      h('dt', {}, t('q.receipt.nonce')), h('dd', { class: 'hash' }, ltr(r.nonce))),
    h('p', { class: 'actions' }, dl, copy),
    status,
    h('details', {}, h('summary', {}, t('q.receipt.json')), pre),
    h('p', { class: 'hint' }, t('q.receipt.keep')));
}

function ballotSection(q, labels) {
  const max = rank.maxRanks(q);
  const options = q.options.map((o) => ({ id: o.id, label: optionText(labels, o.id), excluded: o.excluded }));
  const total = options.filter((o) => !o.excluded).length;
  const w = ballotWidget({ options, max, method: q.method });
  const slot = h('div', { id: 'ballot-slot' });
  const err = h('div', { id: 'ballot-error' });
  let key = null;
  let keyFor = null;
  const sec = h('section', { class: 'card ballot-card', id: 'ballot-section', 'aria-labelledby': 'ballot-h' },
    h('h2', { id: 'ballot-h', tabindex: '-1' }, t('q.ballot.title')),
    q.secrecy === 'secret' ? h('p', { class: 'hint' }, t('q.ballot.secret')) : h('p', { class: 'hint' }, t('q.ballot.roll_call')),
    slot, err);

  function edit() {
    const review = h('button', { type: 'button', class: 'button', id: 'review-button' }, t('q.ballot.review'));
    review.addEventListener('click', () => {
      clear(err);
      if (!w.get().length) {
        err.append(h('p', { class: 'alert alert-error', role: 'alert', id: 'ballot-empty' }, t('q.ballot.empty')));
        return;
      }
      showReview();
    });
    clear(slot).append(w.node, h('p', { class: 'actions' }, review));
  }

  function showReview() {
    const ranking = w.get();
    const sig = ranking.join(',');
    if (keyFor !== sig) { key = randomKey(); keyFor = sig; } // a retry of the same ballot reuses its key
    const back = h('button', { type: 'button', class: 'button button-secondary', id: 'change-button' }, t('q.review.change'));
    const cast = h('button', { type: 'button', class: 'button', id: 'cast-button' }, t('q.review.cast'));
    back.addEventListener('click', () => { edit(); root().querySelector('#review-button')?.focus(); });
    cast.addEventListener('click', async () => {
      cast.disabled = true;
      cast.setAttribute('aria-busy', 'true');
      clear(err);
      try {
        const r = await api.post(`/api/v1/questions/${enc(q.id)}/ballots`, { ranking }, { headers: { 'Idempotency-Key': key } });
        castThisVisit.set(String(q.id), r);
        announce(t('q.receipt.cast'));
        sec.replaceWith(receiptSection(q, r, labels));
        document.getElementById('receipt-h')?.focus();
      } catch (e) {
        cast.disabled = false;
        cast.removeAttribute('aria-busy');
        showErrorIn(err, e);
        if (e instanceof ApiError && e.status === 0) err.querySelector('.alert')?.append(h('p', {}, t('q.ballot.retry')));
      }
    });
    const n = ranking.length;
    clear(slot).append(h('div', { class: 'review', id: 'review' },
      h('h3', { id: 'review-h', tabindex: '-1' }, t('q.review.title')),
      h('ol', { class: 'review-list', id: 'review-list' }, ranking.map((id) => h('li', { dir: 'auto', 'data-option': id }, optionText(labels, id)))),
      h('p', { id: 'review-truncation', class: n < total ? 'alert alert-warn' : 'hint' }, truncationText(q, n, total)),
      h('p', { class: 'hint' }, t('q.review.final')),
      h('p', { class: 'actions' }, back, cast)));
    slot.querySelector('#review-h').focus();
  }
  const root = () => sec;
  edit();
  return sec;
}

// ---- participation --------------------------------------------------------------

function participationSection(q) {
  const body = h('div', { id: 'participation-body' }, h('p', { class: 'loading' }, t('loading')));
  const sec = h('section', { class: 'card', id: 'participation', 'aria-labelledby': 'part-h' },
    h('h2', { id: 'part-h' }, t('q.part.title')),
    h('p', { class: 'hint' }, t('q.part.explain')), body);
  (async () => {
    try {
      const items = [];
      let after = null;
      let first = null;
      for (let i = 0; i < 20; i += 1) {
        const res = await api.get(`/api/v1/questions/${enc(q.id)}/participation`, { query: { after, limit: 200 } });
        if (!first) first = res;
        items.push(...res.items);
        after = res.next;
        if (!after) break;
      }
      clear(body).append(
        h('p', { id: 'participation-summary' }, t('q.part.summary', { voted: first.voted, roll: first.roll_size })),
        h('progress', { max: String(Math.max(1, first.roll_size)), value: String(first.voted), 'aria-labelledby': 'participation-summary' }),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table stack', id: 'roll-table' },
          h('caption', { class: 'visually-hidden' }, t('q.part.title')),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('assembly.name')), h('th', { scope: 'col' }, t('assembly.country')), h('th', { scope: 'col' }, t('q.part.voted')))),
          h('tbody', {}, items.map((m) => h('tr', { 'data-voted': String(!!m.voted) },
            h('th', { scope: 'row' }, h('bdi', {}, plain(m.display_name))),
            h('td', { 'data-label': t('assembly.country') }, i18n.countryName(m.country)),
            h('td', { 'data-label': t('q.part.voted') }, m.voted ? h('span', { class: 'voted-yes' }, h('span', { 'aria-hidden': 'true' }, '✓ '), t('q.part.yes')) : h('span', { class: 'muted' }, t('q.part.no')))))))));
    } catch (e) {
      if (e instanceof ApiError && [401, 403, 404].includes(e.status)) sec.remove();
      else clear(body).append(errorBox(e));
    }
  })();
  return sec;
}

// ---- results --------------------------------------------------------------------

function countriesTable(result, labels, ids) {
  const by = result.by_country || {};
  const codes = Object.keys(by).sort();
  if (!codes.length) return null;
  const showFinal = result.method !== 'schulze' && codes.some((c) => by[c].final);
  const finalIds = showFinal ? [...new Set(codes.flatMap((c) => Object.keys(by[c].final || {})))] : [];
  return h('section', { class: 'result-part', 'aria-labelledby': 'by-country-h', id: 'by-country' },
    h('h3', { id: 'by-country-h' }, t('q.res.by_country')),
    h('p', { class: 'hint' }, t('q.res.by_country.explain')),
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'by-country-h' }, h('table', { class: 'table result-table', id: 'country-table' },
      h('caption', { class: 'visually-hidden' }, t('q.res.by_country')),
      h('thead', {},
        h('tr', {}, h('th', { scope: 'col', rowspan: 2 }, t('assembly.country')), h('th', { scope: 'col', rowspan: 2, class: 'num' }, t('q.res.ballots')),
          h('th', { scope: 'colgroup', colspan: ids.length }, t('q.res.first_prefs')),
          showFinal ? h('th', { scope: 'colgroup', colspan: finalIds.length }, t('q.res.final')) : null),
        h('tr', {}, ids.map((id) => h('th', { scope: 'col', class: 'num', dir: 'auto' }, optionText(labels, id))),
          finalIds.map((id) => h('th', { scope: 'col', class: 'num', dir: 'auto' }, optionText(labels, id))))),
      h('tbody', {}, codes.map((c) => h('tr', { 'data-country': c },
        h('th', { scope: 'row' }, c === 'ZZ' ? t('q.res.folded') : i18n.countryName(c)),
        h('td', { class: 'num' }, fmtNum(by[c].ballots)),
        ids.map((id) => h('td', { class: 'num' }, fmtNum((by[c].first_preferences || {})[id] || 0))),
        finalIds.map((id) => h('td', { class: 'num' }, fmtNum((by[c].final || {})[id] || 0)))))))),
    codes.includes('ZZ') ? h('p', { class: 'hint' }, t('q.res.folded.explain')) : null);
}

function doubleMajoritySection(dm, labels) {
  if (!dm) return null;
  const codes = Object.keys(dm.by_country || {}).sort();
  return h('section', { class: 'result-part', id: 'double-majority', 'aria-labelledby': 'dm-h', 'data-met': String(!!dm.met) },
    h('h3', { id: 'dm-h' }, t('q.res.dm.title')),
    h('p', {}, t('q.res.dm.explain', { share: pct(dm.min_country_share) })),
    h('p', { id: 'dm-verdict' }, verdict(dm.met ? 'verified' : 'failed', dm.winner && dm.runner_up
      ? t(dm.met ? 'q.res.dm.met' : 'q.res.dm.not_met', { winner: optionText(labels, dm.winner), runner: optionText(labels, dm.runner_up), carried: dm.countries_carried, considered: dm.countries_considered })
      : t('q.res.dm.none'))),
    codes.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table stack result-table', id: 'dm-table' },
      h('caption', {}, t('q.res.dm.table')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('assembly.country')),
        h('th', { scope: 'col', class: 'num', dir: 'auto' }, t('q.res.dm.prefer', { option: optionText(labels, dm.winner) })),
        h('th', { scope: 'col', class: 'num', dir: 'auto' }, t('q.res.dm.prefer', { option: optionText(labels, dm.runner_up) })),
        h('th', { scope: 'col' }, t('q.res.dm.carried')))),
      h('tbody', {}, codes.map((c) => {
        const x = dm.by_country[c];
        const carried = Number(x.winner) > Number(x.runner_up);
        return h('tr', { 'data-country': c, 'data-carried': String(carried) },
          h('th', { scope: 'row' }, i18n.countryName(c)),
          h('td', { class: 'num', 'data-label': t('q.res.dm.prefer', { option: optionText(labels, dm.winner) }) }, fmtNum(x.winner)),
          h('td', { class: 'num', 'data-label': t('q.res.dm.prefer', { option: optionText(labels, dm.runner_up) }) }, fmtNum(x.runner_up)),
          h('td', { 'data-label': t('q.res.dm.carried') }, carried ? t('q.res.dm.yes') : t('q.res.dm.no')));
      })))) : null);
}

function roundsSection(result, labels) {
  const rs = chart.rounds(result);
  if (!rs.length) return null;
  const ids = chart.optionsSeen(rs);
  const narrow = typeof matchMedia === 'function' && matchMedia('(max-width: 40rem)').matches;
  const last = rs[rs.length - 1];
  const svg = chart.roundsSvg(document, {
    rounds: rs, labels, fmt: fmtNum, dir: document.documentElement.dir || 'ltr', width: narrow ? 340 : 680,
    text: {
      title: t('q.res.chart.title'),
      desc: t('q.res.chart.desc', { rounds: rs.length, winners: i18n.formatList((result.winners || []).map((id) => optionText(labels, id))) || '—', exhausted: fmtNum(last.exhausted) }),
      round: (n) => t('q.res.round', { n }),
      threshold: (x) => t('q.res.threshold_short', { v: x }),
      exhausted: t('q.res.exhausted'),
      elected: t('q.res.elected'),
      eliminated: t('q.res.eliminated'),
    },
  });
  const cell = (r, id) => {
    const pair = r.tally.find(([x]) => x === id);
    if (!pair) return h('td', { class: 'num muted' }, '—');
    const mark = r.elected.includes(id) ? 'elected' : r.eliminated.includes(id) ? 'eliminated' : null;
    return h('td', { class: `num${mark ? ` cell-${mark}` : ''}`, 'data-mark': mark }, fmtNum(pair[1]), mark ? h('span', { class: 'cell-mark' }, ` ${mark === 'elected' ? '✓' : '✗'} ${t(`q.res.${mark}`)}`) : null);
  };
  const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'rounds-table-caption' }, h('table', { class: 'table result-table', id: 'rounds-table' },
    h('caption', { id: 'rounds-table-caption' }, t('q.res.table')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('q.res.option')), rs.map((r) => h('th', { scope: 'col', class: 'num' }, t('q.res.round', { n: r.round }))))),
    h('tbody', {},
      ids.map((id) => h('tr', { 'data-option': id }, h('th', { scope: 'row', dir: 'auto' }, optionText(labels, id)), rs.map((r) => cell(r, id)))),
      h('tr', { 'data-row': 'exhausted' }, h('th', { scope: 'row' }, t('q.res.exhausted')), rs.map((r) => h('td', { class: 'num' }, fmtNum(r.exhausted)))),
      h('tr', { 'data-row': 'threshold' }, h('th', { scope: 'row' }, t('q.res.threshold')), rs.map((r) => h('td', { class: 'num' }, r.threshold === null ? '—' : fmtNum(r.threshold)))))));
  // Transfers: where the ballots of each elected or eliminated option went.
  const moves = [];
  for (const r of rs) {
    for (const [from, to] of Object.entries(r.transfers)) {
      if (!Object.keys(to).length) continue; // the count ended with this option
      const parts = Object.entries(to).map(([target, val]) => (target === 'exhausted' ? t('q.res.to_exhausted', { v: fmtNum(val) }) : t('q.res.to', { option: optionText(labels, target), v: fmtNum(val) })));
      const what = r.elected.includes(from) ? 'q.res.transfer_elected' : 'q.res.transfer_eliminated';
      moves.push(h('li', { 'data-round': r.round, 'data-from': from },
        h('strong', {}, t('q.res.round', { n: r.round })), ' — ', t(what, { option: optionText(labels, from) }), ' ',
        i18n.formatList(parts)));
    }
  }
  return h('section', { class: 'result-part', id: 'rounds', 'aria-labelledby': 'rounds-h' },
    h('h3', { id: 'rounds-h' }, t('q.res.rounds')),
    h('figure', { class: 'rounds-figure', id: 'rounds-figure' },
      h('div', { class: 'rounds-plot' }, svg),
      h('figcaption', { class: 'hint' }, t('q.res.chart.caption'))),
    table,
    moves.length ? [h('h3', { id: 'transfers-h' }, t('q.res.transfers')), h('ul', { class: 'transfers', id: 'transfers', 'aria-labelledby': 'transfers-h' }, moves)] : null);
}

function schulzeSection(result, labels) {
  if (!Array.isArray(result.ranking)) return null;
  const ids = result.ranking;
  const d = result.pairwise || {};
  return h('section', { class: 'result-part', id: 'schulze', 'aria-labelledby': 'schulze-h' },
    h('h3', { id: 'schulze-h' }, t('q.res.schulze.ranking')),
    h('ol', { id: 'schulze-ranking' }, ids.map((id) => h('li', { dir: 'auto', 'data-option': id }, optionText(labels, id)))),
    h('p', {}, result.condorcet_winner ? t('q.res.condorcet', { option: optionText(labels, result.condorcet_winner) }) : t('q.res.no_condorcet')),
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'pairwise-caption' }, h('table', { class: 'table result-table', id: 'pairwise-table' },
      h('caption', { id: 'pairwise-caption' }, t('q.res.pairwise')),
      h('thead', {}, h('tr', {}, h('td', {}), ids.map((y) => h('th', { scope: 'col', class: 'num', dir: 'auto' }, optionText(labels, y))))),
      h('tbody', {}, ids.map((x) => h('tr', {}, h('th', { scope: 'row', dir: 'auto' }, optionText(labels, x)),
        ids.map((y) => h('td', { class: 'num' }, x === y ? '—' : fmtNum((d[x] || {})[y] || 0)))))))));
}

export function resultsView(q, result, labels) {
  const winners = result.winners || [];
  const head = result.status === 'tallied'
    ? h('p', { class: 'winners', id: 'winners' }, verdict('verified', winners.length
      ? t('q.res.winners', { n: winners.length, list: i18n.formatList(winners.map((id) => optionText(labels, id))) })
      : t('q.res.no_winner')))
    : h('p', { class: 'winners', id: 'winners' }, verdict('failed', t(`q.res.status.${result.status}`)));
  const cap = result.country_cap;
  return h('section', { class: 'card results', id: 'results', 'aria-labelledby': 'results-h', 'data-status': result.status },
    h('h2', { id: 'results-h' }, t('q.res.title')),
    head,
    h('dl', { class: 'facts', id: 'result-facts' },
      h('dt', {}, t('q.res.ballots')), h('dd', { id: 'result-ballots' }, fmtNum(result.ballots)),
      h('dt', {}, t('q.res.turnout')), h('dd', {}, t('q.res.turnout_of', { p: pct(result.turnout), roll: fmtNum(result.roll_size) })),
      h('dt', {}, t('q.res.countries')), h('dd', {}, fmtNum(result.countries)),
      result.quorum ? [h('dt', {}, t('q.f.quorum')), h('dd', { id: 'result-quorum', 'data-met': String(!!result.quorum.met) },
        t(result.quorum.met ? 'q.res.quorum_met' : 'q.res.quorum_not_met', { turnout: pct(result.quorum.min_turnout), countries: fmtNum(result.quorum.min_countries) }))] : null,
      result.blank_ballots ? [h('dt', {}, t('q.res.blank')), h('dd', {}, fmtNum(result.blank_ballots))] : null,
      h('dt', {}, t('q.res.rules')), h('dd', {}, ltr(result.rules_id)),
      h('dt', {}, t('q.res.seed')), h('dd', { class: 'hash' }, ltr(String(result.seed)))),
    result.status === 'not_counted'
      ? h('p', { id: 'not-counted-reason' }, t('q.res.not_counted.reason'), ' ', ltr(result.error || ''))
      : result.method === 'schulze' ? schulzeSection(result, labels) : roundsSection(result, labels),
    cap ? h('section', { class: 'result-part', id: 'country-cap', 'aria-labelledby': 'cap-h' },
      h('h3', { id: 'cap-h' }, t('q.res.cap.title')),
      h('p', {}, t('q.res.cap.explain', { cap: pct(cap.cap) })),
      h('ul', { class: 'cap-factors' }, Object.keys(cap.factors || {}).sort().map((c) => h('li', {}, `${c === 'ZZ' ? t('q.res.folded') : i18n.countryName(c)}: ×${fmtNum(cap.factors[c])}`)))) : null,
    doubleMajoritySection(result.double_majority, labels),
    countriesTable(result, labels, (result.rounds && result.rounds[0] && Object.keys(result.rounds[0].tally || {})) || (result.ranking || [])),
    h('section', { class: 'result-part', id: 'exports', 'aria-labelledby': 'exports-h' },
      h('h3', { id: 'exports-h' }, t('q.res.exports')),
      h('p', { class: 'hint' }, t('q.res.exports.explain')),
      h('ul', { class: 'link-list export-links' }, ['pnyx', 'cdf', 'blt', 'csv'].map((f) => h('li', {},
        h('a', { href: `/api/v1/questions/${enc(q.id)}/export?format=${f}`, download: `question-${q.id}.${f === 'pnyx' ? 'json' : f === 'cdf' ? 'cdf.json' : f}`, 'data-format': f }, t(`q.res.export.${f}`)))))));
}

// ---- the question page ------------------------------------------------------------

function optionsSection(q, labels) {
  return h('section', { class: 'card', id: 'options', 'aria-labelledby': 'options-h' },
    h('h2', { id: 'options-h' }, t('q.options')),
    h('ol', { class: 'option-list', type: 'A' }, q.options.map((o) => h('li', { 'data-option': o.id, 'data-excluded': o.excluded ? 'true' : null },
      h('span', { class: 'option-id', dir: 'ltr' }, o.id), ' ', h('span', { dir: 'auto' }, optionText(labels, o.id)),
      o.excluded ? [' ', h('span', { class: 'badge' }, t('q.option.excluded'))] : null,
      o.proposal_id ? [' · ', h('a', { href: `/proposals/${enc(o.proposal_id)}` }, t('q.option.proposal'))] : null))));
}

function rulesFacts(q) {
  const quorum = q.quorum || {};
  return h('dl', { class: 'facts', id: 'question-rules' },
    h('dt', {}, t('q.f.method')), h('dd', {}, methodText(q)),
    h('dt', {}, t('q.f.secrecy')), h('dd', {}, t(`q.secrecy.${q.secrecy}`)),
    h('dt', {}, t('q.f.max_rankings')), h('dd', {}, q.max_rankings ? fmtNum(q.max_rankings) : t('q.f.all')),
    h('dt', {}, t('q.f.quorum')), h('dd', {}, t('q.f.quorum_value', { turnout: pct(quorum.min_turnout || 0), countries: fmtNum(quorum.min_countries || 0) })),
    h('dt', {}, t('q.f.country_cap')), h('dd', {}, q.country_cap ? pct(q.country_cap) : t('q.f.none')),
    h('dt', {}, t('q.f.double_majority')), h('dd', {}, q.double_majority ? t('q.f.dm_value', { share: pct(q.double_majority.min_country_share) }) : t('q.f.none')),
    h('dt', {}, t('q.f.adopts')), h('dd', {}, t(q.adopts_proposals ? 'q.f.yes' : 'q.f.no')),
    h('dt', {}, t('q.f.rules_id')), h('dd', {}, ltr(q.rules_id || '—')));
}

function timeSection(q, onDue) {
  const zone = zoneName();
  const target = q.state === 'open' ? q.closes_at : q.state === 'draft' && q.opens_at ? q.opens_at : null;
  const timer = h('p', { class: 'countdown', role: 'timer', id: 'countdown', 'aria-live': 'off', 'data-state': q.state });
  let fired = false;
  let ticks = 0;
  const tick = () => {
    ticks += 1;
    if (!timer.isConnected && ticks > 3) return; // the page was left
    const left = target ? remaining(target) : null;
    if (left) timer.textContent = t(q.state === 'open' ? 'q.countdown.closes' : 'q.countdown.opens', { left });
    else if (target) timer.textContent = t(q.state === 'open' ? 'q.countdown.closing' : 'q.countdown.opening');
    if (!target) return;
    if (!left && !fired) { fired = true; onDue(); }
    setTimeout(tick, 1000);
  };
  tick();
  return h('section', { class: 'card time-card', id: 'times', 'aria-labelledby': 'times-h' },
    h('h2', { id: 'times-h', class: 'visually-hidden' }, t('q.times')),
    target ? timer : null,
    h('dl', { class: 'facts' },
      q.opens_at || q.opened_at ? [h('dt', {}, t(q.opened_at ? 'q.f.opened' : 'q.f.opens')), h('dd', { id: 'opens-at' }, whenZoned(q.opened_at || q.opens_at))] : null,
      h('dt', {}, t(q.closed_at ? 'q.f.closed_at' : 'q.f.closes')), h('dd', { id: 'closes-at' }, whenZoned(q.closed_at || q.closes_at)),
      q.close_reason ? [h('dt', {}, t('q.f.close_reason')), h('dd', { dir: 'auto' }, plain(q.close_reason))] : null),
    h('p', { class: 'hint', id: 'time-zone' }, t('q.zone', { zone })));
}

function closeDialog(q) {
  const titleId = nextId('dlg-title');
  const area = h('textarea', { name: 'reason', rows: 3, maxlength: 1000, required: true, dir: 'auto', id: nextId('close-reason') });
  const errP = h('p', { class: 'field-error', id: `${area.id}-error`, hidden: true });
  area.setAttribute('aria-describedby', errP.id);
  const cancel = h('button', { type: 'button', class: 'button button-secondary' }, t('confirm.cancel'));
  const ok = h('button', { type: 'button', class: 'button button-danger', id: 'close-confirm' }, t('q.close.ok'));
  const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': titleId, id: 'close-dialog' },
    h('h2', { id: titleId }, t('q.close.title')),
    h('p', {}, t('q.close.body')),
    h('div', { class: 'field' }, h('label', { for: area.id }, t('q.close.reason')), area, errP),
    h('div', { class: 'actions' }, cancel, ok));
  let reason = null;
  cancel.addEventListener('click', () => dlg.close());
  ok.addEventListener('click', () => {
    const r = area.value.trim();
    if (!r) { errP.textContent = t('q.close.reason_needed'); errP.hidden = false; area.setAttribute('aria-invalid', 'true'); area.focus(); return; }
    reason = r;
    dlg.close();
  });
  return modal(dlg, area, () => reason);
}

function actionsCard(q, a, reload) {
  const role = activeRole(a);
  if (!MANAGERS.has(role)) return null;
  const err = h('div', {});
  const buttons = [];
  if (q.state === 'draft') {
    const open = h('button', { type: 'button', class: 'button', id: 'open-button' }, t('q.open.button'));
    open.addEventListener('click', async () => {
      if (!await confirmDialog({ title: t('q.open.title'), body: t('q.open.body'), ok: t('q.open.button'), danger: false })) return;
      open.disabled = true;
      try {
        await api.post(`/api/v1/questions/${enc(q.id)}/open`);
        announce(t('q.open.done'));
        await reload(true, '#question-state');
      } catch (e) { open.disabled = false; showErrorIn(err, e); }
    });
    buttons.push(open);
  }
  if (q.state === 'open' && role === 'convener') {
    const close = h('button', { type: 'button', class: 'button button-secondary button-danger-outline', id: 'close-button' }, t('q.close.button'));
    close.addEventListener('click', async () => {
      const reason = await closeDialog(q);
      if (!reason) return;
      close.disabled = true;
      try {
        await api.post(`/api/v1/questions/${enc(q.id)}/close`, { reason });
        announce(t('q.close.done'));
        await reload(true, '#question-state');
      } catch (e) { close.disabled = false; showErrorIn(err, e); }
    });
    buttons.push(close);
  }
  if (q.state === 'draft') {
    buttons.push(h('a', { class: 'button button-secondary', href: `/questions/${enc(q.id)}/edit`, id: 'edit-link' }, t('q.edit.link')));
  }
  if (!buttons.length) return null;
  return h('section', { class: 'card actions-card', 'aria-labelledby': 'q-actions-h' },
    h('h2', { id: 'q-actions-h', class: 'visually-hidden' }, t('q.actions')),
    h('div', { class: 'actions' }, buttons), err);
}

function voteArea(q, a, ctx, labels) {
  if (q.state !== 'open') return null;
  const mine = castThisVisit.get(String(q.id));
  if (mine) return receiptSection(q, mine, labels);
  if (!ctx.account) return h('p', { class: 'card', id: 'vote-login' }, h('a', { href: `/login?next=${enc(location.pathname)}` }, t('q.ballot.login')));
  const me = q.me || {};
  if (me.voted) return h('p', { class: 'card role-line', id: 'already-voted' }, t('q.ballot.already'));
  if (!me.on_roll) return h('p', { class: 'card muted', id: 'not-on-roll' }, t('q.ballot.not_on_roll'));
  return ballotSection(q, labels);
}

function closedFacts(q) {
  if (!['closed', 'tallied'].includes(q.state)) return null;
  return h('section', { class: 'card', id: 'closed-facts', 'aria-labelledby': 'closed-h' },
    h('h2', { id: 'closed-h' }, t('q.board.title')),
    h('p', {}, t('q.board.intro')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('q.res.ballots')), h('dd', { id: 'closed-ballots' }, fmtNum(q.ballots || 0)),
      q.board_root ? [h('dt', {}, t('q.board.root')), h('dd', { class: 'hash' }, ltr(q.board_root))] : null,
      q.roll_root ? [h('dt', {}, t('q.roll_root')), h('dd', { class: 'hash' }, ltr(q.roll_root))] : null,
      q.texts_hash ? [h('dt', {}, t('q.texts_hash')), h('dd', { class: 'hash' }, ltr(q.texts_hash))] : null),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: `/questions/${enc(q.id)}/board`, id: 'board-link' }, t('q.board.open'))));
}

async function loadQuestion(qid, account) {
  return api.get(`/api/v1/questions/${enc(qid)}`, { headers: readHeaders(account) });
}

export async function question(ctx) {
  const qid = ctx.params[0];
  const q0 = await loadQuestion(qid, ctx.account);
  const a = await api.get(`/api/v1/assemblies/${enc(q0.assembly_id)}`);
  const root = h('article', { class: 'question', id: 'question', 'data-question': qid });
  let pollTimer = null;

  // Re-read the question; draw it again unless only the state badge moved.
  async function reload(redraw = true, focusSel = null) {
    const q = await loadQuestion(qid, ctx.account);
    if (redraw) {
      await draw(q);
      const el = focusSel && root.querySelector(focusSel);
      if (el) { el.setAttribute('tabindex', '-1'); el.focus(); }
    }
    return q;
  }
  // When the deadline passes, the server's scheduler closes and counts:
  // ask until the state has moved, then show it.
  function waitForState(from) {
    clearTimeout(pollTimer);
    let tries = 0;
    const poll = async () => {
      if (!root.isConnected && tries > 0) return;
      tries += 1;
      try {
        const q = await loadQuestion(qid, ctx.account);
        if (q.state !== from) {
          announce(t('q.state.now', { state: t(`q.state.${q.state}`) }));
          await draw(q);
          return;
        }
      } catch { /* try again */ }
      if (tries < 600) pollTimer = setTimeout(poll, tries < 30 ? 1000 : 5000);
    };
    pollTimer = setTimeout(poll, 500);
  }

  async function draw(q) {
    const texts = textsOf(q);
    const labels = labelsOf(q, texts);
    let result = null;
    let resultErr = null;
    if (q.state === 'tallied') {
      try { result = await api.get(`/api/v1/questions/${enc(qid)}/result`); } catch (e) { resultErr = e; }
    }
    // Closed, and the assembly requires k of n witness cosignatures that
    // have not all arrived (issue 12): the result route says so.
    let awaiting = null;
    if (q.state === 'closed') {
      try { await api.get(`/api/v1/questions/${enc(qid)}/result`); } catch (e) {
        if (e instanceof ApiError && e.status === 409 && /\/awaiting-witnesses$/.test(e.problem?.type || '')) awaiting = e.title;
      }
    }
    clear(root).append(
      h('nav', { class: 'breadcrumb', 'aria-label': t('prop.breadcrumb') },
        h('a', { href: `/assemblies/${enc(a.id)}`, dir: 'auto' }, plain(a.title)), ' › ',
        h('a', { href: `/assemblies/${enc(a.id)}/questions` }, t('q.list.title'))),
      h('header', { class: 'question-head' },
        userLine('h1', texts.title, { lang: texts.language, id: 'question-title' }),
        h('div', { class: 'badges' }, stateBadge(q.state), h('span', { class: 'badge' }, methodText(q)), h('span', { class: 'badge' }, t(`q.secrecy.${q.secrecy}`)),
          texts.source ? h('span', { class: `badge badge-text badge-${texts.source}` }, t(`q.text.${texts.source}`)) : null)),
      h('div', { class: 'question-grid' },
        h('div', { class: 'question-main' },
          q.state === 'tallied' ? (result ? resultsView(q, result, labels) : errorBox(resultErr)) : null,
          awaiting ? h('p', { class: 'alert alert-warn', id: 'awaiting-witnesses', role: 'status' }, awaiting) : null,
          voteArea(q, a, ctx, labels),
          q.description ? h('section', { class: 'card', 'aria-labelledby': 'desc-h' }, h('h2', { id: 'desc-h', class: 'visually-hidden' }, t('q.description')), userBody(texts.description, texts.language, { id: 'question-description' })) : null,
          optionsSection(q, labels),
          closedFacts(q)),
        h('aside', { class: 'question-side' },
          timeSection(q, () => waitForState(q.state)),
          actionsCard(q, a, reload),
          q.state === 'draft' && activeRole(a) ? h('p', { class: 'card', id: 'translate-card' }, h('a', { href: `/questions/${enc(q.id)}/translate`, id: 'translate-link' }, t('q.tr.link'))) : null,
          ['open', 'closed', 'tallied'].includes(q.state) && activeRole(a) ? participationSection(q) : null,
          h('section', { class: 'card', 'aria-labelledby': 'rules-h' }, h('h2', { id: 'rules-h' }, t('q.rules')), rulesFacts(q)))));
    if (q.state === 'closed') waitForState('closed');
  }
  await draw(q0);
  return { title: plain(textsOf(q0).title), node: root };
}

// ---- the list ---------------------------------------------------------------------

export async function questionList(ctx) {
  const aid = ctx.params[0];
  const [a, res] = await Promise.all([
    api.get(`/api/v1/assemblies/${enc(aid)}`),
    api.get(`/api/v1/assemblies/${enc(aid)}/questions`, { query: { limit: 100 }, headers: readHeaders(ctx.account) }),
  ]);
  const canCreate = MANAGERS.has(activeRole(a));
  const item = (q) => {
    const texts = textsOf(q);
    return h('li', { class: 'list-item question-item', 'data-question': q.id, 'data-state': q.state },
      h('h2', { class: 'list-title' }, h('a', { href: `/questions/${enc(q.id)}`, dir: 'auto', lang: texts.language }, plain(texts.title))),
      h('div', { class: 'badges' }, stateBadge(q.state), h('span', { class: 'badge' }, methodText(q))),
      h('p', { class: 'list-meta muted' }, q.state === 'draft' || q.state === 'open' ? [t('q.f.closes_at'), ': ', when(q.closes_at)] : [t('q.f.closed_at'), ': ', when(q.closed_at || q.closes_at)]));
  };
  const items = res.items || [];
  const list = h('ul', { class: 'list', id: 'question-list' }, items.map(item));
  let next = res.next;
  const more = h('button', { type: 'button', class: 'button button-secondary', id: 'question-more', hidden: !next }, t('q.list.more'));
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = await api.get(`/api/v1/assemblies/${enc(aid)}/questions`, { query: { after: next, limit: 100 }, headers: readHeaders(ctx.account) });
      const added = page.items.map(item);
      list.append(...added);
      next = page.next;
      more.hidden = !next;
      // Keyboard users continue at the first question added.
      if (added.length) added[0].querySelector('a').focus();
    } catch (e) { more.before(errorBox(e)); } finally { more.disabled = false; }
  });
  return {
    title: `${t('q.list.title')} · ${plain(a.title)}`,
    node: h('article', { class: 'questions' },
      h('nav', { class: 'breadcrumb', 'aria-label': t('prop.breadcrumb') }, h('a', { href: `/assemblies/${enc(aid)}`, dir: 'auto' }, plain(a.title))),
      h('div', { class: 'page-head' },
        h('h1', {}, t('q.list.title')),
        canCreate ? h('a', { class: 'button', href: `/assemblies/${enc(aid)}/questions/new`, id: 'new-question-link' }, t('q.new.link')) : null),
      h('p', { class: 'lead' }, t('q.list.intro')),
      items.length ? list : h('p', { class: 'empty', id: 'question-empty' }, t('q.list.none')),
      h('p', {}, more)),
  };
}

// A link to the questions, for the assembly page.
export function questionsLink(a) {
  return h('a', { href: `/assemblies/${enc(a.id)}/questions`, id: 'questions-link' }, t('q.list.title'));
}

// ---- the form ---------------------------------------------------------------------

// A datetime-local value (the reader's local time) for a moment, and back.
function localValue(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
function utcOf(local) {
  if (!local) return null;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
// "50" (percent) → "0.5", exact for the two decimals the field allows.
export function shareOf(percentText) {
  const s = String(percentText).trim();
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(s)) return s === '' ? null : s;
  const [i, f = ''] = s.split('.');
  const hundredths = Number(i) * 100 + Number(f.padEnd(2, '0'));
  const whole = Math.floor(hundredths / 10000);
  const frac = String(hundredths % 10000).padStart(4, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}

const optionDrafts = new Map();

function checkRow(name, labelKey, checked, id) {
  const box = h('input', { type: 'checkbox', name, id, checked });
  return { box, node: h('div', { class: 'check-row' }, box, h('label', { for: id }, t(labelKey))) };
}

export async function newQuestion(ctx) {
  const aid = ctx.params[0];
  if (!ctx.account) return loginRequired(location.pathname);
  return questionForm(ctx, aid, null);
}

// "0.5" (a stored share) → "50" (the percent the form shows).
export function percentOf(share) {
  if (share === null || share === undefined || share === '') return '';
  const n = Math.round(Number(share) * 10000);
  return Number.isFinite(n) ? String(n / 100) : '';
}

// The create form, or (existing: a draft question) the same form filled
// with it, sent as a PATCH.
async function questionForm(ctx, aid, existing) {
  const a = await api.get(`/api/v1/assemblies/${enc(aid)}`);
  const proposals = await api.get(`/api/v1/assemblies/${enc(aid)}/proposals`, { query: { status: 'ballot', limit: 100 } }).then((r) => r.items).catch(() => []);
  // The options typed so far survive a re-render (a language switch
  // redraws the page; the other fields are restored by name).
  const draftKey = existing ? `q${existing.id}/v${existing.version}` : String(aid);
  const fromExisting = () => existing.options.map((o) => ({ label: o.label, proposal: o.proposal_id ? String(o.proposal_id) : '', excluded: o.excluded }));
  if (!optionDrafts.has(draftKey)) optionDrafts.set(draftKey, existing ? fromExisting() : [{ label: '', proposal: '', excluded: false }, { label: '', proposal: '', excluded: false }]);
  const opts = optionDrafts.get(draftKey);
  const x = existing || {};

  const title = input('title', { maxlength: 200, required: true, dir: 'auto', id: 'q-title', value: x.title || '' });
  const description = h('textarea', { name: 'description', rows: 4, maxlength: 20000, dir: 'auto', id: 'q-description' }, x.description || '');
  const language = languageSelect('language', x.language || i18n.lang(), { id: 'q-language' });
  const method = select('method', METHODS.map((m) => [m, t(`q.method.${m}`)]), { id: 'q-method' });
  const seats = input('seats', { type: 'number', min: 1, max: 99, value: '2', inputmode: 'numeric', id: 'q-seats' });
  const seatsField = field('q.f.seats', seats, 'q.f.seats.hint');
  const secrecy = select('secrecy', [['secret', t('q.secrecy.secret')], ['roll_call', t('q.secrecy.roll_call')]], { id: 'q-secrecy' });
  const now = Date.now();
  const opensAt = h('input', { type: 'datetime-local', name: 'opens_at', step: 1, id: 'q-opens-at', value: x.opens_at ? localValue(Date.parse(x.opens_at)) : '' });
  const closesAt = h('input', { type: 'datetime-local', name: 'closes_at', step: 1, required: true, id: 'q-closes-at', value: localValue(x.closes_at ? Date.parse(x.closes_at) : now + 7 * 86400000 - (now % 60000)) });
  const maxRankings = input('max_rankings', { type: 'number', min: 1, max: 100, inputmode: 'numeric', id: 'q-max-rankings', value: x.max_rankings ? String(x.max_rankings) : '' });
  const turnout = input('quorum/min_turnout', { type: 'number', min: 0, max: 100, step: '0.01', value: x.quorum ? percentOf(x.quorum.min_turnout) : '0', inputmode: 'decimal', id: 'q-turnout' });
  const minCountries = input('quorum/min_countries', { type: 'number', min: 0, max: 300, value: x.quorum ? String(x.quorum.min_countries) : '0', inputmode: 'numeric', id: 'q-min-countries' });
  const capOn = checkRow('cap_on', 'q.f.cap_on', !!x.country_cap, 'q-cap-on');
  const cap = input('country_cap', { type: 'number', min: 5, max: 100, step: '0.01', value: x.country_cap ? percentOf(x.country_cap) : '25', inputmode: 'decimal', id: 'q-cap' });
  const dmOn = checkRow('dm_on', 'q.f.dm_on', !!x.double_majority, 'q-dm-on');
  const dm = input('double_majority/min_country_share', { type: 'number', min: 1, max: 100, step: '0.01', value: x.double_majority ? percentOf(x.double_majority.min_country_share) : '50', inputmode: 'decimal', id: 'q-dm' });
  const adopts = checkRow('adopts_proposals', 'q.f.adopts_on', !!x.adopts_proposals, 'q-adopts');
  if (existing) {
    method.value = x.method;
    seats.value = String(x.seats);
    secrecy.value = x.secrecy;
  }

  const optList = h('ol', { class: 'option-edit-list', id: 'option-edit-list' });
  const addOpt = h('button', { type: 'button', class: 'button button-secondary button-small', id: 'add-option' }, t('q.f.add_option'));
  const preview = h('div', { id: 'ballot-preview', class: 'ballot-preview' });
  const previewHead = h('div', { class: 'preview-head' });

  function questionLike() {
    const m = method.value;
    const options = opts.map((o, i) => ({ id: rank.optionId(i), label: o.label.trim() || t('q.f.option_n', { id: rank.optionId(i) }), excluded: o.excluded }));
    return { method: m, seats: m === 'irv' ? 1 : Number(seats.value) || 1, options, max_rankings: Number(maxRankings.value) || null };
  }
  let previewRanking = [];
  function drawPreview() {
    const q = questionLike();
    const max = rank.maxRanks(q);
    clear(previewHead).append(
      h('p', { class: 'preview-title', dir: 'auto' }, title.value.trim() || t('q.f.untitled')),
      h('p', { class: 'hint' }, methodText(q), ' · ', t(`q.secrecy.${secrecy.value}`)));
    const w = ballotWidget({ options: q.options.map((o) => ({ ...o, label: plain(o.label) })), max, method: q.method, preview: true, ranking: previewRanking, onChange: (r) => { previewRanking = r; } });
    clear(preview).append(w.node);
  }
  function syncRules() {
    seatsField.hidden = method.value === 'irv';
    seats.min = method.value === 'stv' ? 2 : 1;
    cap.disabled = !capOn.box.checked;
    dm.disabled = !dmOn.box.checked;
  }
  function drawOptions(focusIndex = null) {
    clear(optList);
    opts.forEach((o, i) => {
      const id = rank.optionId(i);
      const lab = input(`options/${i}/label`, { maxlength: 500, dir: 'auto', value: o.label, id: `q-opt-${i}` });
      lab.addEventListener('input', () => { o.label = lab.value; drawPreview(); });
      const ex = h('input', { type: 'checkbox', name: `options/${i}/excluded`, id: `q-opt-${i}-ex`, checked: o.excluded });
      ex.addEventListener('change', () => { o.excluded = ex.checked; drawPreview(); });
      const prop = proposals.length ? select(`options/${i}/proposal_id`, [['', t('q.f.no_proposal')], ...proposals.map((p) => [String(p.id), plain(p.title)])], { id: `q-opt-${i}-prop` }) : null;
      if (prop) {
        prop.value = o.proposal;
        prop.addEventListener('change', () => {
          o.proposal = prop.value;
          const p = proposals.find((x) => String(x.id) === prop.value);
          if (p && !o.label.trim()) { o.label = plain(p.title); lab.value = o.label; drawPreview(); }
        });
      }
      const rm = h('button', { type: 'button', class: 'icon-button', disabled: opts.length <= 2, 'aria-label': t('q.f.remove_option', { id }), title: t('q.f.remove_option', { id }) }, h('span', { 'aria-hidden': 'true' }, '✕'));
      rm.addEventListener('click', () => {
        opts.splice(i, 1);
        previewRanking = [];
        drawOptions(Math.min(i, opts.length - 1));
        drawPreview();
        announce(t('q.f.option_removed', { id }));
      });
      optList.appendChild(h('li', { class: 'option-edit', 'data-index': i },
        h('span', { class: 'option-id', 'aria-hidden': 'true' }, id),
        h('div', { class: 'field option-label-field', 'data-field': lab.name },
          h('label', { for: lab.id, class: 'visually-hidden' }, t('q.f.option_label', { id })), lab,
          h('p', { class: 'field-error', id: `${lab.id}-error`, hidden: true })),
        prop ? h('div', { class: 'option-prop' }, h('label', { for: prop.id, class: 'visually-hidden' }, t('q.f.option_proposal', { id })), prop) : null,
        h('div', { class: 'check-row' }, ex, h('label', { for: ex.id }, t('q.f.excluded'))),
        rm));
      lab.setAttribute('aria-describedby', `${lab.id}-error`);
    });
    addOpt.disabled = opts.length >= 100;
    if (focusIndex !== null) optList.querySelector(`#q-opt-${focusIndex}`)?.focus();
  }
  addOpt.addEventListener('click', () => {
    opts.push({ label: '', proposal: '', excluded: false });
    drawOptions(opts.length - 1);
    drawPreview();
  });
  for (const el of [title, method, seats, secrecy, maxRankings]) el.addEventListener('input', () => { syncRules(); drawPreview(); });
  for (const el of [capOn.box, dmOn.box, method]) el.addEventListener('change', syncRules);
  drawOptions();
  syncRules();
  drawPreview();
  // After a language switch the shell restores the typed fields just after
  // this page is drawn: draw the preview (and the rules) again from them.
  setTimeout(() => { if (form.isConnected) { syncRules(); drawPreview(); } }, 0);

  const form = h('form', { class: 'form', novalidate: true, id: 'question-form' }, formAlert(),
    field('q.f.title', title),
    field('q.f.description', description, 'q.f.description.hint'),
    field('q.f.language', language),
    h('fieldset', { class: 'fieldset', id: 'options-fieldset' },
      h('legend', {}, t('q.options')),
      h('p', { class: 'hint' }, t('q.f.options.hint')),
      optList, h('p', {}, addOpt)),
    h('div', { class: 'form-inline' }, field('q.f.method', method, 'q.f.method.hint'), seatsField, field('q.f.secrecy', secrecy, 'q.f.secrecy.hint')),
    h('div', { class: 'form-inline' }, field('q.f.opens_at', opensAt, 'q.f.opens_at.hint'), field('q.f.closes_at', closesAt, 'q.f.closes_at.hint')),
    h('p', { class: 'hint' }, t('q.zone', { zone: zoneName() })),
    h('fieldset', { class: 'fieldset' },
      h('legend', {}, t('q.rules')),
      h('div', { class: 'form-inline' },
        field('q.f.max_rankings', maxRankings, 'q.f.max_rankings.hint'),
        field('q.f.turnout', turnout, 'q.f.turnout.hint'),
        field('q.f.min_countries', minCountries, 'q.f.min_countries.hint')),
      capOn.node, field('q.f.cap', cap, 'q.f.cap.hint'),
      dmOn.node, field('q.f.dm', dm, 'q.f.dm.hint'),
      adopts.node),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', id: 'question-submit' }, t(existing ? 'q.edit.submit' : 'q.f.submit'))));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = {
      title: title.value.trim(),
      // an edit that empties the description says so (an absent member keeps it)
      description: description.value.trim() || (existing ? '' : undefined),
      language: language.value,
      method: method.value,
      seats: method.value === 'irv' ? 1 : Number(seats.value),
      options: opts.map((o) => ({ label: o.label.trim(), proposal_id: o.proposal ? Number(o.proposal) : undefined, excluded: o.excluded || undefined })),
      opens_at: utcOf(opensAt.value) || (existing ? null : undefined),
      closes_at: utcOf(closesAt.value) || closesAt.value,
      secrecy: secrecy.value,
      quorum: { min_turnout: shareOf(turnout.value) || '0', min_countries: Number(minCountries.value) || 0 },
      country_cap: capOn.box.checked ? shareOf(cap.value) : null,
      max_rankings: maxRankings.value ? Number(maxRankings.value) : null,
      adopts_proposals: adopts.box.checked,
      double_majority: dmOn.box.checked ? { min_country_share: shareOf(dm.value) } : null,
    };
    await busy(form, async () => {
      try {
        const q = existing
          ? await api.patch(`/api/v1/questions/${enc(existing.id)}`, body)
          : await api.post(`/api/v1/assemblies/${enc(aid)}/questions`, body);
        optionDrafts.delete(draftKey);
        flash(t(existing ? 'q.edit.saved' : 'q.f.created'));
        go(`/questions/${enc(q.id)}`);
      } catch (e) { showErrors(form, e); }
    });
  });

  const heading = existing ? t('q.edit.title') : t('q.new.title');
  return {
    title: heading,
    node: h('article', { class: existing ? 'new-question edit-question' : 'new-question' },
      h('nav', { class: 'breadcrumb', 'aria-label': t('prop.breadcrumb') },
        h('a', { href: `/assemblies/${enc(aid)}`, dir: 'auto' }, plain(a.title)), ' › ',
        h('a', { href: `/assemblies/${enc(aid)}/questions` }, t('q.list.title')),
        existing ? [' › ', h('a', { href: `/questions/${enc(existing.id)}`, dir: 'auto' }, plain(existing.title))] : null),
      h('h1', {}, heading),
      existing ? h('p', { class: 'hint', id: 'edit-translations-note' }, t('q.edit.translations_note')) : null,
      h('div', { class: 'question-grid' },
        h('section', { class: 'card question-main', 'aria-label': heading }, form),
        h('aside', { class: 'card question-side preview-card', 'aria-labelledby': 'preview-h' },
          h('h2', { id: 'preview-h' }, t('q.preview.title')),
          h('p', { class: 'hint' }, t('q.preview.explain')),
          previewHead, preview))),
  };
}

// ---- editing a draft and translating it ---------------------------------------------

// /questions/{qid}/edit: a facilitator or convener edits the draft (the
// create form, filled, sent as a PATCH). Anyone who may translate (members
// too) uses /questions/{qid}/translate. Both only while a draft.
export async function editQuestion(ctx) {
  const qid = ctx.params[0];
  if (!ctx.account) return loginRequired(location.pathname);
  const q = await api.get(`/api/v1/questions/${enc(qid)}`);
  if (q.state !== 'draft') return notDraft(q);
  return questionForm(ctx, q.assembly_id, q);
}

function notDraft(q) {
  return {
    title: plain(q.title),
    node: h('article', { class: 'card', id: 'not-draft' },
      h('h1', { dir: 'auto' }, plain(q.title)),
      h('p', {}, t('q.edit.not_draft', { state: t(`q.state.${q.state}`) })),
      h('p', {}, h('a', { href: `/questions/${enc(q.id)}` }, t('q.edit.back')))),
  };
}

// /questions/{qid}/translate: title, description and every option label in
// another language (source human), replacing that language's translation —
// a machine one too. Choosing a language fills the fields with its current
// translation, if any, to correct it.
export async function translateQuestion(ctx) {
  const qid = ctx.params[0];
  if (!ctx.account) return loginRequired(location.pathname);
  const q = await api.get(`/api/v1/questions/${enc(qid)}`);
  if (q.state !== 'draft') return notDraft(q);
  const trs = q.translations || {};
  const others = Object.keys(trs).filter((l) => l !== q.language);
  const first = others.includes(i18n.lang()) || i18n.lang() !== q.language ? i18n.lang() : (others[0] || '');
  const language = languageSelect('language', first, { id: 'tr-language' });
  const title = input('title', { maxlength: 200, required: true, dir: 'auto', id: 'tr-title' });
  const description = h('textarea', { name: 'description', rows: 4, maxlength: 20000, dir: 'auto', id: 'tr-description' });
  const labels = q.options.map((o) => input(`labels/${o.id}`, { maxlength: 300, required: true, dir: 'auto', id: `tr-label-${o.id}` }));
  const status = h('p', { class: 'hint', id: 'tr-current', 'aria-live': 'polite' });
  function fill() {
    const cur = trs[language.value];
    title.value = cur ? cur.title : '';
    description.value = cur ? cur.description : '';
    q.options.forEach((o, i) => { labels[i].value = cur && cur.labels ? cur.labels[o.id] || '' : ''; });
    status.textContent = cur ? t(cur.source === 'machine' ? 'q.tr.current_machine' : 'q.tr.current_human') : t('q.tr.current_none');
    for (const el of [title, description, ...labels]) el.lang = language.value;
  }
  language.addEventListener('change', fill);
  fill();
  const original = h('section', { class: 'card question-side', id: 'tr-original', 'aria-labelledby': 'tr-original-h' },
    h('h2', { id: 'tr-original-h' }, t('q.tr.original')),
    userLine('p', q.title, { lang: q.language, class: 'preview-title' }),
    q.description ? userBody(q.description, q.language, {}) : null,
    h('ol', { class: 'option-list', type: 'A' }, q.options.map((o) => h('li', { lang: q.language },
      h('span', { class: 'option-id', dir: 'ltr' }, o.id), ' ', h('span', { dir: 'auto' }, plain(o.label))))));
  const form = h('form', { class: 'form', novalidate: true, id: 'translation-form' }, formAlert(),
    field('q.tr.language', language), status,
    field('q.f.title', title),
    field('q.f.description', description),
    h('fieldset', { class: 'fieldset' }, h('legend', {}, t('q.options')),
      q.options.map((o, i) => field('q.tr.label', labels[i]))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', id: 'translation-submit' }, t('q.tr.submit'))));
  // each label field names its option (the catalogue's label has no id)
  q.options.forEach((o, i) => {
    const lab = form.querySelector(`label[for="${labels[i].id}"]`);
    if (lab) lab.textContent = t('q.tr.label_n', { id: o.id, label: plain(o.label) });
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { language: language.value, title: title.value.trim(), source: 'human', labels: {} };
    if (description.value.trim()) body.description = description.value.trim();
    q.options.forEach((o, i) => { if (labels[i].value.trim()) body.labels[o.id] = labels[i].value.trim(); });
    await busy(form, async () => {
      try {
        await api.post(`/api/v1/questions/${enc(qid)}/translations`, body);
        flash(t('q.tr.saved'));
        go(`/questions/${enc(qid)}`);
      } catch (e) { showErrors(form, e); }
    });
  });
  const heading = t('q.tr.title');
  return {
    title: heading,
    node: h('article', { class: 'translate-question' },
      h('nav', { class: 'breadcrumb', 'aria-label': t('prop.breadcrumb') },
        h('a', { href: `/questions/${enc(qid)}`, dir: 'auto' }, plain(q.title))),
      h('h1', {}, heading),
      h('div', { class: 'question-grid' },
        h('section', { class: 'card question-main', 'aria-label': heading }, form),
        original)),
  };
}

// ---- the board and the check -----------------------------------------------------

// The root's place in the signed log: the question.closed entry names this
// board's root and size, and is itself included in the latest signed
// checkpoint (whose Ed25519 signature is checked here).
async function logStep(aid, seq, qid, root, size) {
  const base = `/api/v1/assemblies/${enc(aid)}`;
  try {
    const [key, note] = await Promise.all([api.get('/api/v1/audit/key'), api.get(`${base}/audit/checkpoint`, { accept: 'text/plain' })]);
    const cp = await v.verifyCheckpoint(note, key);
    if (cp.status !== 'verified') return { id: 'log', status: cp.status === 'unsupported' ? 'skipped' : 'failed', params: { seq } };
    const page = await api.get(`${base}/audit`, { query: { after: Number(seq) - 1, limit: 1 } });
    const item = (page.items || []).find((x) => String(x.seq) === String(seq));
    if (!item || !bc.closedEntryMatches(item.entry, qid, root, size)) return { id: 'log', status: 'failed', params: { seq } };
    const index = Number(seq) - 1;
    if (index >= cp.checkpoint.size) return { id: 'log', status: 'failed', params: { seq } };
    const p = await api.get(`${base}/audit/proof/inclusion`, { query: { index, size: cp.checkpoint.size } });
    const ok = await v.verifyInclusion(await v.leafHash(item.entry), index, cp.checkpoint.size, p.proof.map(v.decodeHash), cp.checkpoint.root);
    return { id: 'log', status: ok ? 'verified' : 'failed', params: { seq, size: cp.checkpoint.size } };
  } catch {
    return { id: 'log', status: 'failed', params: { seq } };
  }
}

function stepRow(x) {
  const p = {};
  for (const [k, val] of Object.entries(x.params || {})) p[k] = typeof val === 'number' ? i18n.formatNumber(val) : val;
  if (x.params && x.params.country) p.country = x.params.country === 'ZZ' ? t('q.res.folded') : i18n.countryName(x.params.country);
  const detail = x.status === 'skipped' ? t('q.check.skipped') : t(`q.check.${x.id}.${x.status === 'verified' ? 'ok' : 'bad'}`, p);
  return h('li', { 'data-check': x.id, 'data-status': x.status },
    verdict(x.status, t(`q.check.${x.id}`)),
    h('p', { class: 'hint check-detail' }, detail));
}

function entryRow(e, labels) {
  return h('tr', { 'data-receipt': e.receipt },
    h('td', { class: 'mono hash', 'data-label': t('q.receipt.receipt') }, ltr(e.receipt)),
    h('td', { 'data-label': t('q.receipt.ranking') }, h('ol', { class: 'inline-ranking' }, e.ranking.map((id) => h('li', { title: optionText(labels, id) }, ltr(id, 'option-id'))))),
    h('td', { 'data-label': t('assembly.country') }, e.country === 'ZZ' ? t('q.res.folded') : i18n.countryName(e.country)));
}

export async function questionBoard(ctx) {
  const qid = ctx.params[0];
  const q = await loadQuestion(qid, ctx.account);
  const texts = textsOf(q);
  const labels = labelsOf(q, texts);
  const head = [
    h('nav', { class: 'breadcrumb', 'aria-label': t('prop.breadcrumb') }, h('a', { href: `/questions/${enc(qid)}`, dir: 'auto' }, plain(texts.title))),
    h('h1', {}, t('q.board.title'), ' ', h('span', { class: 'subtitle', dir: 'auto' }, plain(texts.title))),
  ];
  if (!['closed', 'tallied'].includes(q.state)) {
    return { title: t('q.board.title'), node: h('article', { class: 'board' }, head, h('p', { class: 'card empty', id: 'board-not-yet' }, t('q.board.not_yet'))) };
  }
  const first = await api.get(`/api/v1/questions/${enc(qid)}/ballots`, { query: { limit: 100 } });
  let next = first.next;
  const tbody = h('tbody', {}, first.items.map((e) => entryRow(e, labels)));
  const more = h('button', { type: 'button', class: 'button button-secondary', id: 'board-more', hidden: !next }, t('q.board.more'));
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const res = await api.get(`/api/v1/questions/${enc(qid)}/ballots`, { query: { after: next, limit: 100 } });
      for (const e of res.items) tbody.appendChild(entryRow(e, labels));
      next = res.next;
      more.hidden = !next;
      announce(t('q.board.shown', { n: tbody.children.length, size: first.size }));
    } catch (e) { more.before(errorBox(e)); } finally { more.disabled = false; }
  });

  // Search by receipt.
  const found = h('div', { id: 'search-result', 'aria-live': 'polite' });
  const search = input('receipt', { type: 'search', maxlength: 64, dir: 'ltr', class: 'mono', spellcheck: 'false', autocomplete: 'off', id: 'receipt-search' });
  const searchForm = h('form', { class: 'form form-inline', role: 'search', id: 'search-form', 'aria-label': t('q.board.search') },
    field('q.board.search', search, 'q.board.search.hint'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-secondary' }, t('q.board.find'))));
  searchForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    dismissNotices();
    const r = search.value.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(r)) { clear(found).append(h('p', { class: 'alert alert-error', id: 'search-verdict' }, t('q.board.bad_receipt'))); return; }
    try {
      const res = await api.get(`/api/v1/questions/${enc(qid)}/ballots/${enc(r)}`);
      clear(found).append(h('p', { id: 'search-verdict' }, verdict('verified', t('q.board.found', { index: res.index + 1, size: res.size }))),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table stack' }, h('tbody', {}, entryRow(res.entry, labels)))));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) clear(found).append(h('p', { id: 'search-verdict' }, verdict('failed', t('q.board.not_found'))));
      else clear(found).append(errorBox(e));
    }
  });

  // The check of one's own receipt.
  const mine = castThisVisit.get(String(qid));
  const area = h('textarea', { name: 'receipt_json', rows: 7, dir: 'ltr', class: 'mono', spellcheck: 'false', id: 'check-receipt' });
  if (mine) area.value = receiptJson(mine);
  const file = h('input', { type: 'file', name: 'receipt_file', accept: 'application/json,.json', id: 'check-file' });
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (f) area.value = await f.text();
  });
  const out = h('div', { id: 'check-result', 'aria-live': 'polite' });
  const checkForm = h('form', { class: 'form', novalidate: true, id: 'check-form' },
    field('q.check.file', file, 'q.check.file.hint'),
    field('q.check.paste', area, 'q.check.paste.hint'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', id: 'check-button' }, t('q.check.run'))));
  checkForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    dismissNotices();
    const r = bc.parseReceipt(area.value);
    if (!r) { clear(out).append(h('p', { id: 'check-verdict' }, verdict('failed', t('q.check.bad_json')))); announce(t('q.check.bad_json')); return; }
    await busy(checkForm, async () => {
      clear(out).append(verdict('checking', t('q.check.checking')));
      const steps = [];
      if (String(r.question) !== String(qid)) steps.push({ id: 'question', status: 'failed', params: { q: r.question } });
      let entry = null;
      try { entry = await api.get(`/api/v1/questions/${enc(qid)}/ballots/${enc(r.receipt)}`); } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) { clear(out).append(errorBox(e)); return; }
      }
      steps.push(...await bc.checkBallot(r, entry));
      const root = entry ? entry.root : first.root;
      const size = entry ? entry.size : first.size;
      const seq = entry ? entry.closed_entry_seq : null;
      steps.push(seq ? await logStep(q.assembly_id, seq, qid, root, size) : { id: 'log', status: 'skipped', params: {} });
      const good = steps.every((x) => x.status === 'verified');
      const key = good ? 'q.check.all_ok' : steps.some((x) => x.status === 'failed') ? 'q.check.some_failed' : 'q.check.partial';
      clear(out).append(
        h('p', { id: 'check-verdict', class: 'check-verdict' }, verdict(good ? 'verified' : 'failed', t(key))),
        h('ol', { class: 'check-list', id: 'check-list' }, steps.map(stepRow)));
      announce(t(key));
    });
  });

  return {
    title: `${t('q.board.title')} · ${plain(texts.title)}`,
    node: h('article', { class: 'board', 'data-question': qid },
      head,
      h('p', { class: 'lead' }, t('q.board.intro')),
      h('section', { class: 'card', id: 'check-section', 'aria-labelledby': 'check-h' },
        h('h2', { id: 'check-h' }, t('q.check.title')),
        h('p', {}, t('q.check.explain')),
        h('ol', { class: 'plain-steps' }, ['receipt', 'board', 'proof', 'log'].map((k) => h('li', {}, t(`q.check.explain.${k}`)))),
        checkForm, out),
      h('section', { class: 'card', id: 'board-section', 'aria-labelledby': 'board-h' },
        h('h2', { id: 'board-h' }, t('q.board.entries', { n: first.size })),
        h('dl', { class: 'facts', id: 'board-facts' },
          h('dt', {}, t('q.board.size')), h('dd', { id: 'board-size' }, fmtNum(first.size)),
          h('dt', {}, t('q.board.root')), h('dd', { class: 'hash', id: 'board-root' }, ltr(first.root)),
          h('dt', {}, t('q.board.log')), h('dd', {}, h('a', { href: `/assemblies/${enc(q.assembly_id)}/audit` }, t('assembly.audit')))),
        searchForm, found,
        first.items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table stack board-table', id: 'board-table' },
          h('caption', {}, t('q.board.caption')),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('q.receipt.receipt')), h('th', { scope: 'col' }, t('q.receipt.ranking')), h('th', { scope: 'col' }, t('assembly.country')))),
          tbody)) : h('p', { class: 'empty' }, t('q.board.empty')),
        h('p', {}, more))),
  };
}
