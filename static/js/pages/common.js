// SPDX-License-Identifier: AGPL-3.0-or-later
// Helpers shared by pages: navigation hook, one-shot notices, not-found page,
// a "please log in" page.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { notice } from '../ui.js';

let nav = null;
export function setNavigate(fn) { nav = fn; }
export function go(path, opts) { return nav(path, opts); }
export function flash(text) { notice(text); }

export async function notFound() {
  return {
    title: t('notfound.title'),
    node: h('section', { class: 'card narrow' },
      h('h1', {}, t('notfound.title')),
      h('p', {}, t('notfound.body')),
      h('p', {}, h('a', { href: '/' }, t('nav.home')))),
  };
}

export function loginRequired(next) {
  const q = next ? `?next=${encodeURIComponent(next)}` : '';
  return {
    title: t('login.title'),
    node: h('section', { class: 'card narrow' },
      h('h1', {}, t('login.title')),
      h('p', {}, t('auth.required')),
      h('p', { class: 'actions' },
        h('a', { class: 'button', href: `/login${q}` }, t('nav.login')),
        h('a', { class: 'button button-secondary', href: `/register${q}` }, t('nav.register')))),
  };
}

// Only same-app paths are accepted as a post-login destination.
export function safeNext() {
  const n = new URLSearchParams(location.search).get('next');
  return n && n.startsWith('/') && !n.startsWith('//') ? n : '/';
}
