// SPDX-License-Identifier: AGPL-3.0-or-later
// Proposals (issue 10): the list of an assembly's proposals (status
// filter, full-text search, sort, keyset "more"), the proposal page (text
// in the reader's language with an original/translation switch and its
// label, endorsement progress against the assembly's rule, lifecycle
// buttons, version history with a word diff, amendments, comments), and
// the forms: new proposal or amendment, new version, translation, the
// assembly's advancement rule. API shapes: /work CONTRACTS, issue 10.
import { h, clear } from '../dom.js';
import * as i18n from '../i18n.js';
import { t } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { field, input, select, formAlert, showErrors, clearErrors, busy, errorBox, announce, confirmDialog, showErrorIn, tNodes } from '../ui.js';
import { languageSelect } from '../languages.js';
import { renderMarkdown, plain } from '../markdown.js';
import { diffWords, stats } from '../diff.js';
import { go, flash, loginRequired } from './common.js';
import { enc, STATUSES, MANAGERS, sameId, refId, setNames, readerLanguages, readHeaders, targetLanguage, when, langName, userLine, userBody, statusBadge, person, textBadges, textLabel, counts } from './deliberation.js';
import { commentsSection } from './comments.js';

const SORTS = ['newest', 'endorsed', 'discussed'];

// Element.append writes null as the text "null": skip the absent parts.
function appendAll(el, ...kids) {
  for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) el.append(k);
  return el;
}
const PAGE = 20;

// Who reads (set by each page from its ctx): their languages choose the text.
let reader = null;
function readerLang() { return readerLanguages(reader)[0]; }
// GET of user text in the reader's languages (Accept-Language), or in
// one language when `lang` is given.
function getText(path, query = {}) {
  return api.get(path, { query, headers: query.lang ? {} : readHeaders(reader) });
}

async function loadAssembly(aid) {
  return api.get(`/api/v1/assemblies/${enc(aid)}`);
}

function activeRole(a) {
  return a.my_role && a.my_status === 'active' ? a.my_role : null;
}

function crumbs(a, extra) {
  return h('nav', { class: 'breadcrumb', 'aria-label': t('prop.breadcrumb') },
    h('a', { href: `/assemblies/${enc(a.id)}`, dir: 'auto' }, plain(a.title)),
    extra ? [' › ', extra] : null);
}

// ---- list --------------------------------------------------------------------

function proposalItem(p) {
  return h('li', { class: 'list-item proposal-item', 'data-proposal': p.id, 'data-status': p.status },
    h('h2', { class: 'list-title' }, h('a', { href: `/proposals/${enc(p.id)}`, dir: 'auto', lang: p.language }, plain(p.title))),
    h('div', { class: 'badges' }, statusBadge(p.status), p.amends ? h('span', { class: 'badge' }, t('prop.amendment')) : null, textBadges(p)),
    h('p', { class: 'list-meta muted' }, person(p.author), ' · ', when(p.created_at), ' · ', counts(p)));
}

export async function proposalList(ctx) {
  reader = ctx.account;
  const aid = ctx.params[0];
  const a = await loadAssembly(aid);
  const q = new URLSearchParams(location.search);
  const state = {
    status: STATUSES.includes(q.get('status')) ? q.get('status') : '',
    sort: SORTS.includes(q.get('sort')) ? q.get('sort') : 'newest',
    q: (q.get('q') || '').slice(0, 200),
  };
  const list = h('ul', { class: 'list', id: 'proposal-list' });
  const empty = h('p', { class: 'empty', id: 'proposal-empty', hidden: true });
  const more = h('button', { type: 'button', class: 'button button-secondary', id: 'proposal-more', hidden: true }, t('prop.more'));
  const count = h('p', { class: 'muted', id: 'proposal-count', role: 'status' });
  const err = h('div', {});
  let next = null;
  let shown = 0;

  async function load(after) {
    const res = await getText(`/api/v1/assemblies/${enc(aid)}/proposals`,
      { status: state.status, sort: state.q ? null : state.sort, q: state.q, after, limit: PAGE });
    for (const p of res.items) list.appendChild(proposalItem(p));
    shown += res.items.length;
    next = res.next;
    more.hidden = !next;
    empty.hidden = shown > 0;
    empty.textContent = state.q || state.status ? t('prop.none_match') : t('prop.none');
    count.textContent = state.q ? t('prop.found', { n: shown }) : '';
    return res.items.length;
  }
  await load(null);

  const search = input('q', { type: 'search', value: state.q, maxlength: 200, dir: 'auto', id: 'proposal-q' });
  const status = select('status', [['', t('prop.all_statuses')], ...STATUSES.map((s) => [s, t(`pstatus.${s}`)])], { id: 'proposal-status' });
  status.value = state.status;
  const sort = select('sort', SORTS.map((s) => [s, t(`prop.sort.${s}`)]), { id: 'proposal-sort' });
  sort.value = state.sort;
  const form = h('form', { class: 'form form-inline filters', role: 'search', id: 'proposal-filters', 'aria-label': t('prop.filters') },
    field('prop.search', search),
    field('prop.status', status),
    field('prop.sort', sort),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('prop.apply'))),
    h('p', { class: 'hint filters-hint', id: 'proposal-filters-hint' }, t('prop.search.hint'), ' ', t('prop.sort.hint')));
  search.setAttribute('aria-describedby', `${search.getAttribute('aria-describedby')} proposal-filters-hint`);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    state.q = search.value.trim();
    state.status = status.value;
    state.sort = sort.value;
    const qs = new URLSearchParams();
    for (const k of ['status', 'q']) if (state[k]) qs.set(k, state[k]);
    if (state.sort !== 'newest') qs.set('sort', state.sort);
    history.replaceState(null, '', `${location.pathname}${qs.toString() ? `?${qs}` : ''}`);
    clear(list);
    clear(err);
    shown = 0;
    await busy(form, async () => {
      try {
        const n = await load(null);
        announce(state.q ? t('prop.found', { n }) : t('prop.listed', { n }));
      } catch (e) { showErrorIn(err, e); }
    });
  });
  more.addEventListener('click', async () => {
    more.disabled = true;
    const first = list.children.length;
    try {
      await load(next);
      list.children[first]?.querySelector('a')?.focus();
    } catch (e) { showErrorIn(err, e); } finally { more.disabled = false; }
  });
  const role = activeRole(a);
  return {
    title: t('prop.list_title_in', { assembly: plain(a.title) }),
    node: h('section', { class: 'proposals' },
      crumbs(a),
      h('div', { class: 'page-head' },
        h('div', {}, h('h1', {}, t('prop.list_title')), h('p', { class: 'lead' }, t('prop.list_intro'))),
        role && role !== 'observer' ? h('a', { class: 'button', href: `/assemblies/${enc(aid)}/proposals/new`, id: 'new-proposal' }, t('prop.new')) : null),
      form, count, err, list, empty, h('p', {}, more)),
  };
}

// ---- new proposal / amendment -------------------------------------------------------

function preview(textarea) {
  const out = h('div', { class: 'md-preview', id: `${textarea.id}-preview`, hidden: true, 'aria-live': 'polite' });
  const btn = h('button', { type: 'button', class: 'button button-secondary button-small', 'aria-controls': out.id, 'aria-expanded': 'false' }, t('prop.preview'));
  btn.addEventListener('click', () => {
    const open = out.hidden;
    out.hidden = !open;
    btn.setAttribute('aria-expanded', String(open));
    btn.textContent = open ? t('prop.preview_hide') : t('prop.preview');
    if (open) clear(out).append(h('p', { class: 'hint' }, t('prop.preview_label')), renderMarkdown(textarea.value));
  });
  textarea.addEventListener('input', () => { if (!out.hidden) clear(out).append(h('p', { class: 'hint' }, t('prop.preview_label')), renderMarkdown(textarea.value)); });
  return [btn, out];
}

function textFields(values, { language = true } = {}) {
  const body = h('textarea', { name: 'body', rows: 12, dir: 'auto', required: true, maxlength: 20000, id: 'proposal-form-body' });
  body.value = values.body || '';
  return [
    field('prop.field.title', input('title', { required: true, maxlength: 200, value: values.title || '', dir: 'auto', id: 'proposal-form-title' })),
    field('prop.field.body', body, 'prop.field.body.hint'),
    h('div', { class: 'actions preview-row' }, preview(body)),
    language ? field('prop.field.language', languageSelect('language', values.language || readerLang(), { id: 'proposal-form-language' }), 'prop.field.language.hint') : null,
  ];
}

export async function newProposal(ctx) {
  reader = ctx.account;
  const aid = ctx.params[0];
  const amends = new URLSearchParams(location.search).get('amends');
  const back = `/assemblies/${enc(aid)}/proposals/new${amends ? `?amends=${enc(amends)}` : ''}`;
  if (!ctx.account) return loginRequired(back);
  const a = await loadAssembly(aid);
  let parent = null;
  if (amends) {
    // An amendment is written in the proposal's original language (only
    // then can it be merged): start from the original text.
    parent = await getText(`/api/v1/proposals/${enc(amends)}`);
    if (parent.translation) parent = await getText(`/api/v1/proposals/${enc(amends)}`, { lang: parent.original_language });
  }
  const form = h('form', { class: 'form', novalidate: true, id: 'proposal-form' }, formAlert(),
    parent ? h('p', { class: 'hint', id: 'amends-note' }, tNodes('prop.amends_note', { title: h('a', { href: `/proposals/${enc(parent.id)}`, dir: 'auto' }, plain(parent.title)) })) : null,
    parent ? h('p', { class: 'hint', id: 'amends-language' }, t('prop.amend_language', { language: langName(parent.original_language) })) : null,
    textFields(parent ? { title: parent.title, body: parent.body } : {}, { language: !parent }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t(parent ? 'prop.amend_submit' : 'prop.create_submit'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = form.elements;
    const body = { title: f.title.value.trim(), body: f.body.value, language: parent ? parent.original_language : f.language.value };
    if (parent) body.amends = parent.id;
    await busy(form, async () => {
      try {
        const p = await api.post(`/api/v1/assemblies/${enc(aid)}/proposals`, body);
        flash(t(parent ? 'prop.amend_created' : 'prop.created'));
        go(`/proposals/${enc(p.id)}`);
      } catch (e) { showErrors(form, e); }
    });
  });
  const title = parent ? t('prop.amend_title') : t('prop.new_title');
  return {
    title,
    node: h('section', { class: 'card narrow wide-form' },
      crumbs(a, h('a', { href: `/assemblies/${enc(aid)}/proposals` }, t('prop.list_title'))),
      h('h1', {}, title), h('p', { class: 'lead' }, t(parent ? 'prop.amend_intro' : 'prop.new_intro')), form),
  };
}

// ---- new version ----------------------------------------------------------------------

export async function editProposal(ctx) {
  reader = ctx.account;
  const pid = ctx.params[0];
  if (!ctx.account) return loginRequired(`/proposals/${enc(pid)}/edit`);
  const first = await api.get(`/api/v1/proposals/${enc(pid)}`);
  // The author edits the original text, whatever the reader's language.
  const p = first.translation ? await api.get(`/api/v1/proposals/${enc(pid)}`, { query: { lang: first.original_language } }) : first;
  const form = h('form', { class: 'form', novalidate: true, id: 'version-form' }, formAlert(),
    h('p', { class: 'hint' }, t('prop.version_note', { n: p.version + 1, language: langName(p.original_language) })),
    textFields(p, { language: false }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button' }, t('prop.version_submit')),
      h('a', { href: `/proposals/${enc(pid)}`, class: 'button button-secondary' }, t('confirm.cancel'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = form.elements;
    const body = {};
    if (f.title.value.trim() !== p.title) body.title = f.title.value.trim();
    if (f.body.value !== p.body) body.body = f.body.value;
    if (!Object.keys(body).length) {
      showErrors(form, new ApiError(422, { type: 'https://pnyx.dev/problems/validation', fields: [{ field: 'body', code: 'empty' }] }));
      return;
    }
    await busy(form, async () => {
      try {
        await api.patch(`/api/v1/proposals/${enc(pid)}`, body);
        flash(t('prop.versioned'));
        go(`/proposals/${enc(pid)}`);
      } catch (e) { showErrors(form, e); }
    });
  });
  return {
    title: t('prop.version_title'),
    node: h('section', { class: 'card narrow wide-form' },
      h('p', { class: 'breadcrumb' }, h('a', { href: `/proposals/${enc(pid)}`, dir: 'auto' }, plain(p.title))),
      h('h1', {}, t('prop.version_title')), form),
  };
}

// ---- translation ------------------------------------------------------------------------

export async function translateProposal(ctx) {
  reader = ctx.account;
  const pid = ctx.params[0];
  const want = new URLSearchParams(location.search).get('lang');
  if (!ctx.account) return loginRequired(`/proposals/${enc(pid)}/translate`);
  const first = await api.get(`/api/v1/proposals/${enc(pid)}`);
  const orig = first.translation ? await api.get(`/api/v1/proposals/${enc(pid)}`, { query: { lang: first.original_language } }) : first;
  const target = want && want !== orig.original_language ? want : targetLanguage(reader, orig.original_language);
  // Start from the current translation into that language, if any.
  let start = { title: '', body: '' };
  const lang = languageSelect('language', target || '', { id: 'translation-language' });
  async function prefill(code) {
    if (!code || code === orig.original_language) return;
    try {
      const cur = await api.get(`/api/v1/proposals/${enc(pid)}`, { query: { lang: code } });
      if (cur.language === code && cur.translation) start = { title: cur.title, body: cur.body };
      else start = { title: '', body: '' };
    } catch { start = { title: '', body: '' }; }
  }
  await prefill(target);
  const source = select('source', [['human', t('tr.source.human')], ['machine', t('tr.source.machine')]], { id: 'translation-source' });
  const body = h('textarea', { name: 'body', rows: 12, dir: 'auto', required: true, maxlength: 20000, id: 'translation-body' });
  body.value = start.body;
  const title = input('title', { required: true, maxlength: 200, value: start.title, dir: 'auto', id: 'translation-title' });
  lang.addEventListener('change', async () => {
    if (title.value || body.value) return; // never throw away typed text
    await prefill(lang.value);
    title.value = start.title;
    body.value = start.body;
  });
  const form = h('form', { class: 'form', novalidate: true, id: 'translation-form' }, formAlert(),
    field('tr.field.language', lang),
    field('prop.field.title', title),
    field('prop.field.body', body, 'prop.field.body.hint'),
    field('tr.field.source', source, 'tr.field.source.hint'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('tr.submit'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const payload = { language: lang.value, title: title.value.trim(), body: body.value, source: source.value };
    await busy(form, async () => {
      try {
        await api.post(`/api/v1/proposals/${enc(pid)}/translations`, payload);
        flash(t('tr.saved', { language: langName(payload.language) }));
        go(`/proposals/${enc(pid)}?lang=${enc(payload.language)}`);
      } catch (e) { showErrors(form, e); }
    });
  });
  return {
    title: t('tr.title'),
    node: h('section', { class: 'translate' },
      h('p', { class: 'breadcrumb' }, h('a', { href: `/proposals/${enc(pid)}`, dir: 'auto' }, plain(orig.title))),
      h('h1', {}, t('tr.title')),
      h('p', { class: 'lead' }, t('tr.intro', { language: langName(orig.original_language), n: orig.version })),
      h('div', { class: 'side-by-side' },
        h('section', { class: 'card original', 'aria-labelledby': 'original-h', lang: orig.language },
          h('h2', { id: 'original-h' }, t('tr.original', { language: langName(orig.original_language) })),
          userLine('h3', orig.title, { lang: orig.language }),
          userBody(orig.body, orig.language)),
        h('section', { class: 'card', 'aria-labelledby': 'yours-h' }, h('h2', { id: 'yours-h' }, t('tr.yours')), form))),
  };
}

// ---- the proposal page ----------------------------------------------------------------------

function endorsementProgress(p, rule) {
  const e = p.endorsements;
  const box = h('section', { class: 'card endorsements', id: 'endorsements', 'aria-labelledby': 'endorse-h', 'data-eligible': String(!!e.eligible) },
    h('h2', { id: 'endorse-h' }, t('end.title')));
  const minE = rule ? rule.min_endorsements : null;
  const minC = rule ? rule.min_countries : null;
  const bar = (id, n, min, labelKey) => {
    const row = h('div', { class: 'progress-row' },
      h('label', { for: id }, t(labelKey, { n: min || 0, count: n })),
      h('progress', { id, max: String(Math.max(min || 1, 1)), value: String(Math.min(n, Math.max(min || 1, 1))) }));
    return row;
  };
  if (rule) {
    box.append(
      bar('endorse-count', e.count, minE, 'end.count_of'),
      bar('endorse-countries', e.countries, minC, 'end.countries_of'));
  } else {
    box.append(h('p', { id: 'endorse-summary' }, t('end.count', { n: e.count }), ' · ', t('end.countries', { n: e.countries })),
      h('p', { class: 'hint' }, t('end.no_rule')));
  }
  // Eligibility means something only under a rule, in deliberation.
  if (p.status === 'draft') box.append(h('p', { class: 'hint', id: 'endorse-draft' }, t('end.draft')));
  if (!rule || p.status !== 'deliberation') return box;
  if (e.eligible) box.append(h('p', { class: 'eligible', id: 'endorse-eligible' }, h('span', { 'aria-hidden': 'true' }, '✓ '), t('end.eligible')));
  else if (e.missing && (e.missing.endorsements || e.missing.countries)) {
    const parts = [];
    if (e.missing.endorsements) parts.push(t('end.missing_endorsements', { n: e.missing.endorsements }));
    if (e.missing.countries) parts.push(t('end.missing_countries', { n: e.missing.countries }));
    box.append(h('p', { class: 'muted', id: 'endorse-missing' }, t('end.missing', { what: i18n.formatList(parts) })));
  }
  return box;
}

const TRANSITION_KEYS = { deliberation: 'life.to_deliberation', ballot: 'life.to_ballot', withdrawn: 'life.to_withdrawn', adopted: 'life.to_adopted', rejected: 'life.to_rejected', draft: 'life.to_draft' };

function actionsCard(p, a, ctx, reload) {
  const role = activeRole(a);
  const me = ctx.account;
  const err = h('div', {});
  const buttons = [];
  if (role && role !== 'observer' && p.status === 'deliberation') {
    const mine = p.endorsements.mine;
    const btn = h('button', { type: 'button', class: `button${mine ? ' button-secondary' : ''}`, id: 'endorse-button', 'aria-pressed': String(!!mine) }, t(mine ? 'end.withdraw' : 'end.endorse'));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        if (mine) await api.del(`/api/v1/proposals/${enc(p.id)}/endorsements`);
        else await api.post(`/api/v1/proposals/${enc(p.id)}/endorsements`);
        announce(t(mine ? 'end.withdrawn' : 'end.endorsed'));
        await reload('#endorse-button');
      } catch (e) { btn.disabled = false; showErrorIn(err, e); }
    });
    buttons.push(btn);
  }
  for (const s of p.allowed_transitions || []) {
    const btn = h('button', { type: 'button', class: `button button-secondary${s === 'withdrawn' ? ' button-danger-outline' : ''}`, 'data-transition': s }, t(TRANSITION_KEYS[s] || 'life.to_other', { status: t(`pstatus.${s}`) }));
    btn.addEventListener('click', async () => {
      if (!await confirmDialog({ title: t('life.confirm_title', { status: i18n.inSentence(`pstatus.${s}`) }), body: t(`life.confirm.${s}`), ok: t('life.confirm_ok'), danger: s === 'withdrawn' })) return;
      btn.disabled = true;
      try {
        await api.patch(`/api/v1/proposals/${enc(p.id)}`, { status: s });
        announce(t('life.done', { status: t(`pstatus.${s}`) }));
        await reload('#proposal-state');
      } catch (e) { btn.disabled = false; showErrorIn(err, e); }
    });
    buttons.push(btn);
  }
  const editable = ['draft', 'deliberation'].includes(p.status);
  const links = [];
  if (me && editable && (sameId(p.author?.id, me.id) || MANAGERS.has(role))) links.push(h('a', { href: `/proposals/${enc(p.id)}/edit`, id: 'edit-link' }, t('prop.edit')));
  if (role && role !== 'observer' && editable && !p.amends) links.push(h('a', { href: `/assemblies/${enc(p.assembly_id)}/proposals/new?amends=${enc(p.id)}`, id: 'amend-link' }, t('prop.amend')));
  if (role && role !== 'observer') links.push(h('a', { href: `/proposals/${enc(p.id)}/translate`, id: 'translate-link' }, t('prop.translate')));
  if (p.amends && MANAGERS.has(role) && !p.merged && ['deliberation', 'ballot', 'adopted'].includes(p.status)) {
    const merge = h('button', { type: 'button', class: 'button button-secondary', id: 'merge-button' }, t('amend.merge'));
    merge.addEventListener('click', async () => {
      if (!await confirmDialog({ title: t('amend.merge_title'), body: t('amend.merge_body'), ok: t('amend.merge'), danger: false })) return;
      merge.disabled = true;
      try {
        const parent = await api.post(`/api/v1/proposals/${enc(p.id)}/merge`);
        flash(t('amend.merged', { n: parent.version }));
        go(`/proposals/${enc(parent.id)}`);
      } catch (e) { merge.disabled = false; showErrorIn(err, e); }
    });
    buttons.push(merge);
  }
  if (!buttons.length && !links.length) {
    if (!me) return h('p', { class: 'card' }, h('a', { href: `/login?next=${enc(location.pathname)}` }, t('prop.login_to_act')));
    return null;
  }
  return h('section', { class: 'card actions-card', 'aria-labelledby': 'actions-h' },
    h('h2', { id: 'actions-h', class: 'visually-hidden' }, t('prop.actions')),
    buttons.length ? h('div', { class: 'actions' }, buttons) : null,
    links.length ? h('ul', { class: 'link-list' }, links.map((l) => h('li', {}, l))) : null,
    err);
}

// The text, its label, and the switch between original and translation.
function textArea(p, pid, ctx, onSwitch) {
  const wrap = h('div', { class: 'text-area', id: 'proposal-text' });
  const isOriginal = !p.translation;
  const sw = [];
  const mine = readerLanguages(reader).find((l) => l !== p.original_language && (p.languages || []).includes(l));
  const langs = p.languages || [p.original_language];
  const other = langs.filter((l) => l !== p.language);
  if (!isOriginal) {
    sw.push(h('button', { type: 'button', class: 'button button-secondary button-small', id: 'show-original', lang: p.original_language },
      t('text.show_original', { language: langName(p.original_language) })));
  } else if (mine) {
    sw.push(h('button', { type: 'button', class: 'button button-secondary button-small', id: 'show-translation', lang: mine },
      t('text.show_translation', { language: langName(mine) })));
  }
  for (const b of sw) b.addEventListener('click', () => onSwitch(b.id === 'show-original' ? p.original_language : mine, b.id));
  let pick = null;
  if (other.length > 1 || (other.length === 1 && !sw.length)) {
    const sel = select('read-in', [['', t('text.read_in_choose')], ...other.map((l) => [l, `${langName(l)}${l === p.original_language ? ` — ${t('text.kind.original')}` : ''}`])], { id: 'read-in' });
    const go2 = h('button', { type: 'button', class: 'button button-secondary button-small', id: 'read-in-go' }, t('text.read'));
    go2.addEventListener('click', () => { if (sel.value) onSwitch(sel.value, 'read-in'); });
    pick = h('div', { class: 'read-in' }, h('label', { for: 'read-in' }, t('text.read_in')), sel, go2);
  }
  wrap.append(
    h('div', { class: 'text-head' }, textLabel(p, 'text-label'), h('div', { class: 'switch' }, sw, pick)),
    userBody(p.body, p.language, { id: 'proposal-body-text' }));
  return wrap;
}

function reviewBox(p, ctx, reload) {
  const tr = p.translation;
  const me = ctx.account;
  if (!tr || tr.reviewed || !me || tr.outdated) return null;
  if (sameId(refId(tr.translated_by), me.id)) return h('p', { class: 'hint', id: 'review-own' }, t('tr.review_own'));
  const err = h('div', {});
  const btn = h('button', { type: 'button', class: 'button button-secondary button-small', id: 'review-button' }, t('tr.review'));
  btn.addEventListener('click', async () => {
    if (!await confirmDialog({ title: t('tr.review_title'), body: t('tr.review_body', { from: langName(p.original_language), into: langName(p.language) }), ok: t('tr.review_ok'), danger: false })) return;
    btn.disabled = true;
    try {
      await api.post(`/api/v1/proposals/${enc(p.id)}/translations/${enc(p.language)}/review`);
      announce(t('tr.reviewed'));
      await reload('#text-label');
    } catch (e) { btn.disabled = false; showErrorIn(err, e); }
  });
  return h('div', { class: 'review-box' }, btn, err);
}

// Version history: the list, and a word diff between two chosen versions.
function versionsSection(p) {
  const sec = h('details', { class: 'card versions', id: 'versions' },
    h('summary', {}, h('h2', { class: 'summary-h' }, t('ver.title', { n: p.versions }))));
  let loaded = false;
  sec.addEventListener('toggle', async () => {
    if (!sec.open || loaded) return;
    loaded = true;
    const body = h('div', { class: 'versions-body' }, h('p', { class: 'loading' }, t('loading')));
    sec.appendChild(body);
    try {
      const items = [];
      let after = null;
      for (let i = 0; i < 10; i += 1) {
        const res = await api.get(`/api/v1/proposals/${enc(p.id)}/versions`, { query: { after, limit: 200 } });
        items.push(...res.items);
        after = res.next;
        if (!after) break;
      }
      items.sort((x, y) => x.version - y.version);
      clear(body).append(versionsView(items));
    } catch (e) { clear(body).append(errorBox(e)); loaded = false; }
  });
  return sec;
}

function versionsView(items) {
  const byNo = new Map(items.map((v) => [v.version, v]));
  const list = h('ol', { class: 'version-list', id: 'version-list' }, items.map((v) => h('li', { 'data-version': v.version },
    h('strong', {}, t('ver.n', { n: v.version })), ' · ', when(v.created_at), ' · ', person(v.author),
    v.merged_from ? [' · ', h('a', { href: `/proposals/${enc(v.merged_from)}` }, t('ver.merged_from'))] : null)));
  if (items.length < 2) return h('div', {}, list);
  const opts = items.map((v) => [String(v.version), t('ver.n', { n: v.version })]);
  const from = select('from', opts, { id: 'diff-from' });
  const to = select('to', opts, { id: 'diff-to' });
  from.value = String(items[items.length - 2].version);
  to.value = String(items[items.length - 1].version);
  const out = h('div', { class: 'diff-out', id: 'diff-out', 'aria-live': 'polite' });
  const show = () => {
    const a = byNo.get(Number(from.value));
    const b = byNo.get(Number(to.value));
    appendAll(clear(out), diffView(a, b));
  };
  const form = h('form', { class: 'form form-inline diff-form', id: 'diff-form' },
    field('ver.from', from), field('ver.to', to),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-secondary' }, t('ver.compare'))));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); show(); });
  show();
  return h('div', {}, list, form, out);
}

function diffRuns(ops) {
  return ops.map((r) => {
    if (r.op === 'eq') return document.createTextNode(r.text);
    const tag = r.op === 'ins' ? 'ins' : 'del';
    return h(tag, {}, h('span', { class: 'visually-hidden' }, t(`ver.${r.op}_start`)), r.text, h('span', { class: 'visually-hidden' }, t(`ver.${r.op}_end`)));
  });
}

function diffView(a, b) {
  if (!a || !b) return null;
  const titleOps = diffWords(a.title, b.title);
  const bodyOps = diffWords(a.body, b.body);
  const s = stats([...titleOps, ...bodyOps]);
  return h('div', { class: 'diff' },
    h('p', { class: 'muted', id: 'diff-summary' }, t('ver.summary', { from: a.version, to: b.version }), ' ',
      t('ver.added', { n: s.added }), ', ', t('ver.removed', { n: s.removed })),
    h('h3', { class: 'diff-title', dir: 'auto', lang: b.language }, diffRuns(titleOps)),
    h('div', { class: 'diff-body', dir: 'auto', lang: b.language }, diffRuns(bodyOps)));
}

function amendmentsSection(p, items) {
  return h('section', { class: 'card', id: 'amendments', 'aria-labelledby': 'amend-h' },
    h('h2', { id: 'amend-h' }, t('amend.title', { n: p.amendment_count || items.length })),
    items.length ? h('ul', { class: 'amend-list' }, items.map((x) => h('li', { 'data-proposal': x.id },
      h('a', { href: `/proposals/${enc(x.id)}`, dir: 'auto', lang: x.language }, plain(x.title)), ' ', statusBadge(x.status), ' ',
      h('span', { class: 'muted' }, person(x.author), ' · ', when(x.created_at)))))
      : h('p', { class: 'empty' }, t('amend.none')));
}

export async function proposal(ctx) {
  const pid = ctx.params[0];
  const q = new URLSearchParams(location.search);
  reader = ctx.account;
  let viewLang = q.get('lang') || null; // null: the reader's languages decide
  const p0 = await getText(`/api/v1/proposals/${enc(pid)}`, { lang: viewLang });
  const [a, amendments, parent, members] = await Promise.all([
    loadAssembly(p0.assembly_id),
    p0.amendment_count ? getText(`/api/v1/proposals/${enc(pid)}/amendments`, { limit: 50 }).then((r) => r.items) : Promise.resolve([]),
    p0.amends ? getText(`/api/v1/proposals/${enc(p0.amends)}`).catch(() => null) : Promise.resolve(null),
    // Names of translators and reviewers (the texts carry their ids).
    api.get(`/api/v1/assemblies/${enc(p0.assembly_id)}/members`, { query: { limit: 200 } }).then((r) => r.items).catch(() => []),
  ]);
  setNames(members);
  // The rule as the proposal reports it (endorsements.rule), else the assembly's.
  const ruleOf = (p) => ('rule' in p.endorsements ? p.endorsements.rule : a.advancement) || null;
  const root = h('article', { class: 'proposal', id: 'proposal', 'data-proposal': pid });

  // Re-render in place (after an action or a language switch), keeping
  // the keyboard focus on the control that asked, or on `focusSel`.
  async function reload(focusSel) {
    const p = await getText(`/api/v1/proposals/${enc(pid)}`, { lang: viewLang });
    draw(p);
    const el = focusSel && root.querySelector(focusSel);
    if (el) { if (!el.matches('button, a, input, select, textarea')) el.setAttribute('tabindex', '-1'); el.focus(); }
  }
  async function onSwitch(code, focusId) {
    viewLang = code;
    const url = new URL(location.href);
    url.searchParams.set('lang', code);
    history.replaceState(null, '', url.pathname + url.search);
    try {
      await reload(`#${focusId}`);
      if (!root.querySelector(`#${focusId}`)) root.querySelector('#show-original, #show-translation, #read-in')?.focus();
      announce(root.querySelector('#text-label .text-sentence')?.textContent || '');
    } catch (e) { root.prepend(errorBox(e)); }
  }
  let comments = null;
  function draw(p) {
    const keepComments = comments;
    clear(root);
    appendAll(root,
      crumbs(a, h('a', { href: `/assemblies/${enc(a.id)}/proposals` }, t('prop.list_title'))),
      h('header', { class: 'proposal-head' },
        userLine('h1', p.title, { lang: p.language, id: 'proposal-title' }),
        h('div', { class: 'badges', id: 'proposal-state', tabindex: '-1' }, statusBadge(p.status),
          parent ? h('span', { class: 'badge', id: 'amends-badge' }, tNodes('prop.amends', { title: h('a', { href: `/proposals/${enc(parent.id)}`, dir: 'auto' }, plain(parent.title)) })) : null,
          p.merged ? h('span', { class: 'badge badge-adopted', id: 'merged-badge' }, t('amend.merged_into', { n: p.merged.into_version })) : null),
        h('p', { class: 'muted meta' }, tNodes('prop.by', { name: person(p.author) }), ' · ',
          t('prop.version', { n: p.version }), ' · ', tNodes('prop.created_on', { date: when(p.created_at) }),
          p.updated_at && p.updated_at !== p.created_at ? [' · ', tNodes('prop.updated', { date: when(p.updated_at) })] : null)),
      h('div', { class: 'proposal-grid' },
        h('div', { class: 'proposal-main' },
          h('section', { class: 'card text-card', 'aria-label': t('prop.text') }, textArea(p, pid, ctx, onSwitch), reviewBox(p, ctx, reload))),
        h('aside', { class: 'proposal-side' },
          endorsementProgress(p, ruleOf(p)),
          actionsCard(p, a, ctx, reload))),
      p.versions > 1 ? versionsSection(p) : h('p', { class: 'muted', id: 'versions-one' }, t('ver.only_one')),
      p.amends ? null : amendmentsSection(p, amendments),
      keepComments || (comments = commentsSection(p, a, ctx)));
  }
  draw(p0);
  return { title: plain(p0.title), node: root };
}

// ---- the assembly's advancement rule (on the assembly page, for managers) --------------

export function advancementSection(a, refresh) {
  // The rule as the assembly has it now (GET /assemblies/{aid} reports advancement).
  const rule = a.advancement || null;
  const on = h('input', { type: 'checkbox', name: 'rule_on', id: 'rule-on', checked: !!rule });
  const minE = input('min_endorsements', { type: 'number', min: 1, max: 1000000, inputmode: 'numeric', value: rule ? String(rule.min_endorsements) : '10', id: 'rule-min-endorsements' });
  const minC = input('min_countries', { type: 'number', min: 0, max: 300, inputmode: 'numeric', value: rule ? String(rule.min_countries) : '2', id: 'rule-min-countries' });
  const nums = h('div', { class: 'form-inline rule-numbers' }, field('rule.min_endorsements', minE), field('rule.min_countries', minC));
  const sync = () => { minE.disabled = !on.checked; minC.disabled = !on.checked; };
  on.addEventListener('change', sync);
  sync();
  const form = h('form', { class: 'form', novalidate: true, id: 'advancement-form' }, formAlert(),
    h('p', { class: 'hint' }, t('rule.intro')),
    h('div', { class: 'check' }, on, h('label', { for: 'rule-on' }, t('rule.on'))),
    nums,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('rule.save'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const advancement = on.checked ? { min_endorsements: Number(minE.value), min_countries: Number(minC.value) } : null;
    await busy(form, async () => {
      try {
        await api.patch(`/api/v1/assemblies/${enc(a.id)}`, { advancement });
        flash(t('rule.saved'));
        refresh();
      } catch (e) { showErrors(form, e); }
    });
  });
  const now = rule ? t('rule.current', { n: rule.min_endorsements, countries: rule.min_countries }) : t('rule.current_off');
  return h('section', { class: 'card', id: 'advancement', 'aria-labelledby': 'rule-h' },
    h('h2', { id: 'rule-h' }, t('rule.title')), h('p', { id: 'rule-current' }, now), form);
}

// A link to the proposals, for the assembly page.
export function proposalsLink(a) {
  return h('a', { class: 'button', href: `/assemblies/${enc(a.id)}/proposals`, id: 'proposals-link' }, t('prop.list_title'));
}
