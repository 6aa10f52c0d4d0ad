// SPDX-License-Identifier: AGPL-3.0-or-later
// Shared UI pieces: labelled form fields with hint and error slots, the
// page-level error/notice regions, and rendering of API errors next to the
// fields they name.
import { h, clear, nextId } from './dom.js';
import { t } from './i18n.js';
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

// Show an error (ApiError or other) on a form: title/detail in the alert,
// per-field messages next to the fields; focus the first bad field.
export function showErrors(form, err) {
  clearErrors(form);
  const alert = form.querySelector('.alert-error');
  const problem = err instanceof ApiError ? err.problem : { title: t('error.generic'), detail: String(err && err.message || '') };
  let first = null;
  const unmatched = [];
  if (err instanceof ApiError) {
    for (const [name, msg] of err.fields) {
      const ctl = form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (!ctl) { unmatched.push(msg ? `${name}: ${msg}` : name); continue; }
      ctl.setAttribute('aria-invalid', 'true');
      const slot = form.querySelector(`#${CSS.escape(ctl.id)}-error`);
      if (slot) { slot.textContent = msg || problem.title; slot.hidden = false; }
      if (!first) first = ctl;
    }
  }
  if (alert) {
    alert.appendChild(h('p', { class: 'alert-title' }, problem.title || t('error.generic')));
    if (problem.detail && problem.detail !== problem.title) alert.appendChild(h('p', {}, problem.detail));
    if (first) alert.appendChild(h('p', {}, t('error.fields')));
    if (unmatched.length) alert.appendChild(h('ul', {}, unmatched.map((m) => h('li', {}, m))));
    alert.hidden = false;
  }
  (first || alert)?.focus?.();
  if (!first && alert) { alert.setAttribute('tabindex', '-1'); alert.focus(); }
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

// Page-level error (failed load): a visible alert inside main.
export function errorBox(err) {
  const p = err instanceof ApiError ? err.problem : { title: t('error.generic'), detail: String(err?.message || err) };
  return h('div', { class: 'alert alert-error', role: 'alert' },
    h('p', { class: 'alert-title' }, p.title || t('error.generic')),
    p.detail && p.detail !== p.title ? h('p', {}, p.detail) : null);
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
