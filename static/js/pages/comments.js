// SPDX-License-Identifier: AGPL-3.0-or-later
// The comment thread of a proposal (issue 10): comments in thread order,
// indented by depth; reply; edit by the author within 15 minutes; delete
// by the author (a tombstone stays); hide by a facilitator or convener
// with a public reason; each comment in the reader's language with its
// label and a switch to the original; human translations and reviews;
// the edit history of an edited comment (each version of its original
// text, with who wrote it and when).
import { h, clear, nextId } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { field, select, formAlert, showErrors, busy, errorBox, announce, confirmDialog, showErrorIn, modal } from '../ui.js';
import { languageSelect } from '../languages.js';
import { plain } from '../markdown.js';
import { enc, MANAGERS, sameId, refId, readerLanguages, readHeaders, targetLanguage, when, langName, userBody, person, textBadges, textSentence } from './deliberation.js';

const EDIT_WINDOW_MS = 15 * 60 * 1000;
const primary = (tag) => String(tag || '').toLowerCase().split('-')[0];
const PAGE = 50;
const MAX_INDENT = 6;

// A modal asking for a reason (hiding a comment). Resolves the trimmed
// reason, or null when cancelled.
// A "more" button under a list: loads the next page and moves focus to
// its first new item (keyboard users continue where the list grew).
function onMore(more, list, loadNext, err) {
  more.addEventListener('click', async () => {
    more.disabled = true;
    const first = list.children.length;
    try {
      await loadNext();
      list.children[first]?.setAttribute('tabindex', '-1');
      list.children[first]?.focus();
    } catch (e) { showErrorIn(err, e); } finally { more.disabled = false; }
  });
}

function reasonDialog({ title, label, ok }) {
  const titleId = nextId('dlg-title');
  const areaId = nextId('dlg-reason');
  const area = h('textarea', { id: areaId, rows: 3, maxlength: 500, dir: 'auto', required: true });
  const errP = h('p', { class: 'field-error', id: `${areaId}-error`, hidden: true });
  area.setAttribute('aria-describedby', errP.id);
  const cancelBtn = h('button', { type: 'button', class: 'button button-secondary' }, t('confirm.cancel'));
  const okBtn = h('button', { type: 'button', class: 'button button-danger' }, ok);
  const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, title),
    h('div', { class: 'field' }, h('label', { for: areaId }, label), area, errP),
    h('div', { class: 'actions' }, cancelBtn, okBtn));
  let result = null;
  cancelBtn.addEventListener('click', () => dlg.close());
  okBtn.addEventListener('click', () => {
    if (!area.value.trim()) {
      errP.textContent = t('fielderr.required');
      errP.hidden = false;
      area.setAttribute('aria-invalid', 'true');
      area.focus();
      return;
    }
    result = area.value.trim();
    dlg.close();
  });
  return modal(dlg, area, () => result);
}

// The edit history of comment c (GET /comments/{cid}/versions, oldest
// first, the current text last), as a region under the comment. Every
// version is the author's original text (translations are of the current
// one), so each carries the "original" label in the comment's language.
// onClose: called on Close or Escape (focus goes back to the button).
export function historyPanel(c, { onClose }) {
  const id = `history-${c.id}`;
  const headId = `${id}-h`;
  const list = h('ol', { class: 'comment-history-list', id: `${id}-list` });
  const more = h('button', { type: 'button', class: 'button button-secondary button-small', id: `${id}-more`, hidden: true }, t('com.history_more'));
  const close = h('button', { type: 'button', class: 'link-button button-small comment-history-close' }, t('com.history_close'));
  const err = h('div', {});
  const status = h('p', { class: 'muted', role: 'status' }, t('com.history_loading'));
  const panel = h('section', { class: 'comment-history', id, 'aria-labelledby': headId, tabindex: '-1' },
    h('h4', { id: headId }, t('com.history_title')), status, list, h('p', {}, more), err, h('p', {}, close));
  let next = null;
  let shown = 0;
  function item(v) {
    const label = { translation: null, original_language: c.original_language, language: c.original_language };
    return h('li', { class: 'comment-version', id: `${id}-v${v.version}`, 'data-version': v.version },
      h('div', { class: 'comment-version-head' },
        h('strong', {}, t('com.history_version', { n: v.version })),
        ' · ', c.author ? person(c.author) : h('span', { class: 'muted' }, t('prop.someone')),
        ' · ', when(v.created_at)),
      h('div', { class: 'text-label', 'data-kind': 'original' }, textBadges(label), ' ',
        h('span', { class: 'text-sentence' }, textSentence(label))),
      userBody(v.body, c.original_language, { class: 'comment-version-body' }));
  }
  async function load(after) {
    const res = await api.get(`/api/v1/comments/${enc(c.id)}/versions`, { query: { after, limit: PAGE } });
    for (const v of res.items) list.append(item(v));
    shown += res.items.length;
    next = res.next;
    more.hidden = !next;
    status.textContent = shown ? t('com.history_count', { n: shown }) : t('com.history_none');
    // The newest version on screen is the current text, when all are shown.
    if (!next) list.lastElementChild?.classList.add('current');
    if (!next && list.lastElementChild) {
      list.lastElementChild.querySelector('.comment-version-head')
        .append(' · ', h('span', { class: 'badge badge-current' }, t('com.history_current')));
    }
  }
  onMore(more, list, () => load(next), err);
  close.addEventListener('click', onClose);
  panel.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { ev.preventDefault(); onClose(); } });
  const ready = load(null).catch((e) => { status.textContent = ''; showErrorIn(err, e); });
  return { panel, ready };
}

function canEdit(c, me) {
  return me && c.author && sameId(c.author.id, me.id) && c.status === 'visible'
    && Date.now() - new Date(c.created_at).getTime() < EDIT_WINDOW_MS;
}

// A small form under a comment (reply, edit, translate): a textarea, an
// optional language select and source select, submit and cancel.
function inlineForm({ id, labelKey, value = '', language = null, source = false, submitKey, onSubmit, onCancel }) {
  const area = h('textarea', { name: 'body', rows: 4, maxlength: 5000, dir: 'auto', id: `${id}-body` });
  area.value = value;
  const lang = language !== null ? languageSelect('language', language, { id: `${id}-language` }) : null;
  const src = source ? select('source', [['human', t('tr.source.human')], ['machine', t('tr.source.machine')]], { id: `${id}-source` }) : null;
  const cancel = h('button', { type: 'button', class: 'button button-secondary button-small' }, t('confirm.cancel'));
  const form = h('form', { class: 'form comment-form', novalidate: true, id },
    formAlert(),
    field(labelKey, area, 'com.body.hint'),
    lang ? field(source ? 'tr.field.language' : 'com.language', lang) : null,
    src ? field('tr.field.source', src) : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-small' }, t(submitKey)), cancel));
  cancel.addEventListener('click', onCancel);
  form.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { ev.preventDefault(); onCancel(); } });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await busy(form, async () => {
      try {
        await onSubmit({ body: area.value, language: lang ? lang.value : undefined, source: src ? src.value : undefined });
      } catch (e) { showErrors(form, e); }
    });
  });
  return { form, focus: () => area.focus() };
}

export function commentsSection(p, a, ctx) {
  const me = ctx.account;
  const role = a.my_role && a.my_status === 'active' ? a.my_role : null;
  const member = role && role !== 'observer';
  const manager = MANAGERS.has(role);
  const reader = readerLanguages(me)[0];
  const list = h('ol', { class: 'comment-list', id: 'comment-list' });
  const more = h('button', { type: 'button', class: 'button button-secondary', id: 'comment-more', hidden: true }, t('com.more'));
  const err = h('div', {});
  const heading = h('h2', { id: 'comments-h', tabindex: '-1' }, t('com.title', { n: p.comment_count || 0 }));
  const empty = h('p', { class: 'empty', id: 'comment-empty', hidden: true }, t('com.none'));
  let next = null;
  let loaded = 0;
  const pages = new Map(); // comment id -> the `after` of the page it came in (to fetch it in another language)

  async function fetchPage(after, lang, limit = PAGE) {
    return api.get(`/api/v1/proposals/${enc(p.id)}/comments`, { query: { lang, after, limit }, headers: lang ? {} : readHeaders(me) });
  }

  async function load(after) {
    const res = await fetchPage(after, null);
    for (const c of res.items) { pages.set(c.id, after); list.appendChild(commentItem(c)); }
    loaded += res.items.length;
    next = res.next;
    more.hidden = !next;
    empty.hidden = loaded > 0;
  }

  // Reload the whole thread as far as it was shown (after a change), then
  // put focus on `focusSel` (a new comment, or the same button).
  async function reloadAll(focusSel) {
    const want = Math.min(200, Math.max(PAGE, loaded + 1));
    const res = await fetchPage(null, null, want);
    clear(list);
    pages.clear();
    for (const c of res.items) { pages.set(c.id, null); list.appendChild(commentItem(c)); }
    loaded = res.items.length;
    next = res.next;
    more.hidden = !next;
    empty.hidden = loaded > 0;
    const count = loaded + (next ? 1 : 0);
    if (count > (p.comment_count || 0)) heading.textContent = t('com.title', { n: loaded });
    const el = focusSel && list.querySelector(focusSel);
    if (el) { if (!el.matches('button, a, textarea')) el.setAttribute('tabindex', '-1'); el.focus(); }
  }

  function commentItem(c) {
    const li = h('li', {
      class: `comment depth-${Math.min(c.depth || 0, MAX_INDENT)}`, id: `comment-${c.id}`, 'data-comment': c.id,
      'data-status': c.status, 'data-depth': c.depth || 0, 'aria-labelledby': `comment-${c.id}-h`,
    });
    let shown = c; // the version on screen (reader's language or original)
    const actionsSlot = h('div', { class: 'comment-tools' });
    const formSlot = h('div', { class: 'comment-form-slot' });
    const errSlot = h('div', {});
    const bodySlot = h('div', { class: 'comment-body' });
    const labelSlot = h('div', { class: 'comment-label' });

    function drawBody() {
      clear(bodySlot);
      clear(labelSlot);
      if (c.status === 'deleted') {
        bodySlot.append(h('p', { class: 'muted tombstone' }, t('com.deleted')));
        return;
      }
      if (c.status === 'hidden') {
        bodySlot.append(h('p', { class: 'hidden-note', id: `comment-${c.id}-hidden` }, t('com.hidden'), ' ',
          h('span', { class: 'hidden-reason' }, t('com.reason'), ' ', h('bdi', {}, plain(c.hidden_reason || '')))));
        if (shown.body) {
          bodySlot.append(h('details', { class: 'hidden-text' }, h('summary', {}, t('com.show_hidden')), userBody(shown.body, shown.language)));
        }
        return;
      }
      bodySlot.append(userBody(shown.body, shown.language, { id: `comment-${c.id}-text` }));
      const tr = shown.translation;
      const foreign = primary(c.original_language) !== primary(reader);
      if (tr || c.translation || foreign) {
        const sw = !tr && !c.translation ? null : h('button', { type: 'button', class: 'link-button button-small comment-switch' },
          tr ? t('text.show_original', { language: langName(c.original_language) }) : t('text.show_translation', { language: langName(c.language) }));
        if (sw) sw.addEventListener('click', async () => {
          sw.disabled = true;
          try {
            if (tr) {
              const res = await fetchPage(pages.get(c.id) ?? null, c.original_language);
              shown = res.items.find((x) => x.id === c.id) || shown;
            } else shown = c;
            drawBody();
            labelSlot.querySelector('.comment-switch')?.focus();
          } catch (e) { sw.disabled = false; showErrorIn(errSlot, e); }
        });
        labelSlot.append(h('span', { class: 'text-label', 'data-kind': tr ? (tr.source === 'machine' && !tr.reviewed ? 'machine-unreviewed' : tr.source) : 'original' },
          textBadges(shown), ' ', h('span', { class: 'text-sentence' }, textSentence(shown))));
        if (sw) labelSlot.append(' ', sw);
        if (tr && !tr.reviewed && member && !(me && sameId(refId(tr.translated_by), me.id))) {
          const rv = h('button', { type: 'button', class: 'link-button button-small comment-review' }, t('tr.review'));
          rv.addEventListener('click', async () => {
            if (!await confirmDialog({ title: t('tr.review_title'), body: t('tr.review_body', { from: langName(c.original_language), into: langName(shown.language) }), ok: t('tr.review_ok'), danger: false })) return;
            rv.disabled = true;
            try {
              await api.post(`/api/v1/comments/${enc(c.id)}/translations/${enc(shown.language)}/review`);
              announce(t('tr.reviewed'));
              await reloadAll(`#comment-${c.id} .comment-label`);
            } catch (e) { rv.disabled = false; showErrorIn(errSlot, e); }
          });
          labelSlot.append(' ', rv);
        }
      }
    }

    function openForm(make) {
      clear(formSlot);
      li.querySelector('.comment-history-button')?.setAttribute('aria-expanded', 'false');
      const f = make();
      formSlot.append(f.form);
      f.focus();
    }
    const closeForm = (btnClass) => () => { clear(formSlot); li.querySelector(`.${btnClass}`)?.focus(); };

    const tools = [];
    // An edited comment's history, to whoever reads its text.
    if (c.edited && c.status !== 'deleted' && (c.status === 'visible' || shown.body)) {
      const histBtn = h('button', { type: 'button', class: 'link-button button-small comment-history-button', 'aria-expanded': 'false', 'aria-controls': `history-${c.id}` }, t('com.history'));
      histBtn.addEventListener('click', async () => {
        if (histBtn.getAttribute('aria-expanded') === 'true') {
          clear(formSlot);
          histBtn.setAttribute('aria-expanded', 'false');
          return;
        }
        const onClose = () => { clear(formSlot); histBtn.setAttribute('aria-expanded', 'false'); histBtn.focus(); };
        const { panel, ready } = historyPanel(c, { onClose });
        clear(formSlot);
        formSlot.append(panel);
        histBtn.setAttribute('aria-expanded', 'true');
        await ready;
        panel.focus();
      });
      tools.push(histBtn);
    }
    if (member && c.status === 'visible') {
      const reply = h('button', { type: 'button', class: 'link-button button-small comment-reply', 'aria-label': t('com.reply_to', { name: c.author ? c.author.display_name : '' }) }, t('com.reply'));
      reply.addEventListener('click', () => openForm(() => inlineForm({
        id: `reply-${c.id}`, labelKey: 'com.reply_label', language: reader, submitKey: 'com.reply_submit',
        onCancel: closeForm('comment-reply'),
        onSubmit: async ({ body, language }) => {
          const made = await api.post(`/api/v1/proposals/${enc(p.id)}/comments`, { body, language, parent_id: c.id });
          announce(t('com.posted'));
          await reloadAll(`#comment-${made.id}`);
        },
      })));
      tools.push(reply);
      const trBtn = h('button', { type: 'button', class: 'link-button button-small comment-translate' }, t('com.translate'));
      trBtn.addEventListener('click', () => openForm(() => inlineForm({
        id: `translate-${c.id}`, labelKey: 'com.translation_label', language: targetLanguage(me, c.original_language), source: true, submitKey: 'tr.submit',
        onCancel: closeForm('comment-translate'),
        onSubmit: async ({ body, language, source }) => {
          await api.post(`/api/v1/comments/${enc(c.id)}/translations`, { language, body, source });
          announce(t('tr.saved', { language: langName(language) }));
          await reloadAll(`#comment-${c.id} .comment-translate`);
        },
      })));
      tools.push(trBtn);
    }
    if (canEdit(c, me)) {
      const edit = h('button', { type: 'button', class: 'link-button button-small comment-edit' }, t('com.edit'));
      edit.addEventListener('click', async () => {
        // The author edits the original text.
        let original = c;
        if (c.translation) {
          try {
            const res = await fetchPage(pages.get(c.id) ?? null, c.original_language);
            original = res.items.find((x) => x.id === c.id) || c;
          } catch (e) { showErrorIn(errSlot, e); return; }
        }
        openForm(() => inlineForm({
          id: `edit-${c.id}`, labelKey: 'com.edit_label', value: original.body || '', submitKey: 'com.edit_submit',
          onCancel: closeForm('comment-edit'),
          onSubmit: async ({ body }) => {
            await api.patch(`/api/v1/comments/${enc(c.id)}`, { body });
            announce(t('com.edited_done'));
            await reloadAll(`#comment-${c.id}`);
          },
        }));
      });
      tools.push(edit);
    }
    if (me && c.author && sameId(c.author.id, me.id) && c.status === 'visible') {
      const del = h('button', { type: 'button', class: 'link-button button-small comment-delete' }, t('com.delete'));
      del.addEventListener('click', async () => {
        if (!await confirmDialog({ title: t('com.delete_title'), body: t('com.delete_body'), ok: t('com.delete') })) return;
        del.disabled = true;
        try {
          await api.del(`/api/v1/comments/${enc(c.id)}`);
          announce(t('com.deleted_done'));
          await reloadAll(`#comment-${c.id}`);
        } catch (e) { del.disabled = false; showErrorIn(errSlot, e); }
      });
      tools.push(del);
    }
    if (manager && c.status === 'visible') {
      const hide = h('button', { type: 'button', class: 'link-button button-small comment-hide' }, t('com.hide'));
      hide.addEventListener('click', async () => {
        const reason = await reasonDialog({ title: t('com.hide_title'), label: t('com.hide_reason'), ok: t('com.hide') });
        if (reason === null) return;
        hide.disabled = true;
        try {
          await api.post(`/api/v1/comments/${enc(c.id)}/hide`, { reason });
          announce(t('com.hidden_done'));
          await reloadAll(`#comment-${c.id}`);
        } catch (e) { hide.disabled = false; showErrorIn(errSlot, e); }
      });
      tools.push(hide);
    }
    actionsSlot.append(...tools);
    drawBody();
    li.append(
      h('div', { class: 'comment-head' },
        h('h3', { class: 'comment-author', id: `comment-${c.id}-h` }, c.status === 'deleted' ? t('com.deleted_author') : person(c.author)),
        h('span', { class: 'muted' }, when(c.created_at), c.edited ? [' · ', h('span', { class: 'edited' }, t('com.edited'))] : null)),
      labelSlot, bodySlot, ...(tools.length ? [actionsSlot] : []), errSlot, formSlot);
    return li;
  }

  // The form for a new top-level comment.
  let newForm = null;
  if (member) {
    const area = h('textarea', { name: 'body', rows: 4, maxlength: 5000, dir: 'auto', id: 'comment-new-body' });
    const lang = languageSelect('language', reader, { id: 'comment-new-language' });
    newForm = h('form', { class: 'form comment-form', novalidate: true, id: 'comment-new' }, formAlert(),
      field('com.new_label', area, 'com.body.hint'),
      field('com.language', lang),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('com.post'))));
    newForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await busy(newForm, async () => {
        try {
          const made = await api.post(`/api/v1/proposals/${enc(p.id)}/comments`, { body: area.value, language: lang.value });
          area.value = '';
          announce(t('com.posted'));
          await reloadAll(`#comment-${made.id}`);
        } catch (e) { showErrors(newForm, e); }
      });
    });
  } else if (!me) {
    newForm = h('p', {}, h('a', { href: `/login?next=${enc(location.pathname)}` }, t('com.login')));
  }
  onMore(more, list, () => load(next), err);
  const sec = h('section', { class: 'card comments', id: 'comments', 'aria-labelledby': 'comments-h' },
    heading, newForm, err, list, empty, h('p', {}, more));
  load(null).catch((e) => { err.append(errorBox(e)); });
  return sec;
}
