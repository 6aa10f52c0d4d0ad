// SPDX-License-Identifier: AGPL-3.0-or-later
// Shared UI pieces: labelled form fields with hint and error slots, the
// page-level error/notice regions, and rendering of API errors next to the
// fields they name.
import { h, clear, nextId } from './dom.js';
import { t, has } from './i18n.js';
import { ApiError } from './api.js';

// A labelled field. `control` is an <input>/<select>/<textarea> whose name
// is the API field name; hint and error are tied to it by aria-describedby.
export function field(labelKey, control, hintKey) {
  const id = control.id || nextId(`f-${control.name || 'field'}`);
  control.id = id;
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const described = [hintKey ? hintId : null, errId].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  return h('div', { class: 'field', 'data-field': control.name },
    h('label', { for: id }, t(labelKey)),
    hintKey ? h('p', { class: 'hint', id: hintId }, t(hintKey)) : null,
    control,
    h('p', { class: 'field-error', id: errId, hidden: true }));
}

export function input(name, attrs = {}) {
  return h('input', { name, type: 'text', ...attrs });
}

export function select(name, options, attrs = {}) {
  return h('select', { name, ...attrs },
    options.map(([value, label]) => h('option', { value }, label)));
}

// Error summary box at the top of a form: role=alert makes screen readers
// announce it as soon as text is put in.
export function formAlert() {
  return h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) { el.hidden = true; el.textContent = ''; }
  const alert = form.querySelector('.alert-error');
  if (alert) { alert.hidden = true; clear(alert); }
}

// Show an error (ApiError or other) on a form: the problem's message in the
// alert, per-field messages next to the fields; focus the first bad field.
// Messages come from the catalogue (problems.js), never the server's English.
export function showErrors(form, err) {
  clearErrors(form);
  dismissNotices();
  const alert = form.querySelector('.alert-error');
  const title = errorTitle(err);
  let first = null;
  const unmatched = [];
  if (err instanceof ApiError) {
    for (const [name, msg] of err.fields) {
      const ctl = name ? form.querySelector(`[name="${CSS.escape(name)}"]`) : null;
      if (!ctl) { unmatched.push(name && has(`field.${name}`) ? `${t(`field.${name}`)}: ${msg}` : msg); continue; }
      ctl.setAttribute('aria-invalid', 'true');
      const slot = form.querySelector(`#${CSS.escape(ctl.id)}-error`);
      if (slot) { slot.textContent = msg; slot.hidden = false; }
      if (!first) first = ctl;
    }
  }
  if (alert) {
    alert.appendChild(h('p', { class: 'alert-title' }, title));
    if (first) alert.appendChild(h('p', {}, t('error.fields')));
    if (unmatched.length) alert.appendChild(h('ul', {}, unmatched.map((m) => h('li', {}, m))));
    if (err instanceof ApiError && err.problem.fields_truncated === true) alert.appendChild(h('p', {}, t('error.more_fields')));
    alert.hidden = false;
  }
  if (first) first.focus();
  else if (alert) { alert.setAttribute('tabindex', '-1'); alert.focus(); }
}

// The translated headline of any error.
export function errorTitle(err) {
  return err instanceof ApiError ? err.title : t('error.generic');
}

// A success notice from an earlier action must not sit beside a new error.
export function dismissNotices() {
  for (const n of document.querySelectorAll('main .alert-info[role=status]')) n.remove();
}

// Page-level notice shown once after navigation (e.g. "You have been logged out").
let pendingNotice = null;
export function notice(text) { pendingNotice = text; }
export function takeNotice() { const n = pendingNotice; pendingNotice = null; return n; }

// Announce in the shell's polite live region.
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after clearing makes repeated messages announce again.
  setTimeout(() => { region.textContent = text; }, 50);
}

// Page-level or inline error: a visible alert with the translated message
// (and the field messages, if the refusal named fields).
export function errorBox(err) {
  dismissNotices();
  const fields = err instanceof ApiError ? [...err.fields.values()] : [];
  return h('div', { class: 'alert alert-error', role: 'alert' },
    h('p', { class: 'alert-title' }, errorTitle(err)),
    fields.length ? h('ul', {}, fields.map((m) => h('li', {}, m))) : null,
    err instanceof ApiError && err.problem.fields_truncated === true ? h('p', {}, t('error.more_fields')) : null);
}

// Put an error into a slot and move focus to it (keyboard and screen
// reader users learn at once that the action failed).
export function showErrorIn(slot, err) {
  clear(slot).appendChild(errorBox(err));
  const box = slot.querySelector('[role=alert]');
  box.setAttribute('tabindex', '-1');
  box.focus();
}

// Shows a modal <dialog> (focus is trapped by the browser, Escape
// cancels) with focus on `first`; when it closes it is removed, focus
// returns to the element that opened it, and the promise resolves with
// settle()'s value. Every dialog of the app goes through here.
export function modal(dlg, first, settle) {
  const opener = document.activeElement;
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(settle());
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    first.focus();
  });
}

// An accessible confirmation for destructive actions: resolves true only
// when the person presses the confirm button.
export function confirmDialog({ title, body, ok, danger = true }) {
  const titleId = nextId('dlg-title');
  const bodyId = nextId('dlg-body');
  const cancelBtn = h('button', { type: 'button', class: 'button button-secondary', value: 'cancel' }, t('confirm.cancel'));
  const okBtn = h('button', { type: 'button', class: `button${danger ? ' button-danger' : ''}`, value: 'ok' }, ok);
  const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': titleId, 'aria-describedby': bodyId },
    h('h2', { id: titleId }, title),
    h('p', { id: bodyId }, body),
    h('div', { class: 'actions' }, cancelBtn, okBtn));
  let result = false;
  cancelBtn.addEventListener('click', () => dlg.close());
  okBtn.addEventListener('click', () => { result = true; dlg.close(); });
  return modal(dlg, cancelBtn, () => result); // the safe choice is the default
}

export function badge(text, kind) {
  return h('span', { class: `badge${kind ? ` badge-${kind}` : ''}` }, text);
}

export function button(labelKeyOrText, attrs = {}, raw = false) {
  return h('button', { type: 'button', ...attrs }, raw ? labelKeyOrText : t(labelKeyOrText));
}

// Disable a form's submit button while a request runs.
export async function busy(form, fn) {
  const btn = form.querySelector('button[type=submit]');
  if (btn) { btn.disabled = true; btn.setAttribute('aria-busy', 'true'); }
  try { return await fn(); } finally {
    if (btn) { btn.disabled = false; btn.removeAttribute('aria-busy'); }
  }
}

// A message whose placeholders are DOM nodes (names in <bdi>, so a
// right-to-left name keeps its place in a left-to-right sentence and the
// reverse). String and number params are filled as by t().
export function tNodes(key, params = {}) {
  const marks = {};
  for (const [k, v] of Object.entries(params)) marks[k] = v instanceof Node ? `\uE000${k}\uE001` : v;
  const text = t(key, marks);
  return text.split(/\uE000(\w+)\uE001/).map((part, i) => (i % 2 ? params[part] : part)).filter((x) => x !== '');
}

// A person's or an assembly's name inside a sentence.
export function bdi(text) { return h('bdi', {}, text); }
