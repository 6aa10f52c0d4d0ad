// SPDX-License-Identifier: AGPL-3.0-or-later
// Choosing languages by name: a list of widely used BCP 47 tags, named with
// Intl.DisplayNames in the reader's language (and in the language itself),
// for the account's ordered languages and an assembly's default language.
import { h, clear } from './dom.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';

export const LANGUAGE_TAGS = ['af', 'am', 'ar', 'az', 'be', 'bg', 'bn', 'bs', 'ca', 'cs', 'cy', 'da', 'de', 'el', 'en',
  'eo', 'es', 'et', 'eu', 'fa', 'fi', 'fil', 'fr', 'ga', 'gl', 'gu', 'ha', 'he', 'hi', 'hr', 'hu', 'hy', 'id', 'ig',
  'is', 'it', 'ja', 'ka', 'kk', 'km', 'kn', 'ko', 'ku', 'ky', 'lb', 'lo', 'lt', 'lv', 'mg', 'mk', 'ml', 'mn', 'mr',
  'ms', 'mt', 'my', 'nb', 'ne', 'nl', 'pa', 'pl', 'ps', 'pt', 'pt-BR', 'qu', 'ro', 'ru', 'rw', 'si', 'sk', 'sl',
  'so', 'sq', 'sr', 'sv', 'sw', 'ta', 'te', 'tg', 'th', 'ti', 'tk', 'tr', 'uk', 'ur', 'uz', 'vi', 'wo', 'xh', 'yo',
  'zh', 'zh-Hant', 'zu'];

// "German (Deutsch)" for a French reader: "allemand (Deutsch)".
export function label(tag) {
  const here = i18n.languageName(tag);
  const own = i18n.languageName(tag, tag);
  return own && own !== here ? `${here} (${own})` : here;
}

function options(extra = []) {
  const tags = [...new Set([...LANGUAGE_TAGS, ...extra.filter(Boolean)])];
  const coll = i18n.collator();
  return tags.map((tag) => [tag, label(tag)]).sort((a, b) => coll.compare(a[1], b[1]));
}

// One language: a <select> whose value is the tag.
export function languageSelect(name, value, attrs = {}) {
  const sel = h('select', { name, ...attrs },
    options([value]).map(([tag, text]) => h('option', { value: tag }, text)));
  if (value) sel.value = value;
  return sel;
}

// An ordered list of languages: `state` (an array of tags) is kept by the
// caller, so a re-render (language switch) keeps the choice. Returns the
// <select> that adds a language (named `name`, so field errors land on it)
// and an Add button (a closed <select> changes on arrow keys, so choosing
// alone must not add), and the list of chosen languages with move-up and
// remove buttons. take() adds a language still waiting in the select.
export function languagesPicker(name, state, max = 10) {
  const add = h('select', { name, autocomplete: 'off' });
  const addBtn = h('button', { type: 'button', class: 'button button-secondary button-small', id: `${name}-add` }, t('lang.add_button'));
  const list = h('ol', { class: 'chips', id: `${name}-chosen` });
  function render() {
    clear(add).appendChild(h('option', { value: '' }, t('lang.add')));
    for (const [tag, text] of options()) if (!state.includes(tag)) add.appendChild(h('option', { value: tag }, text));
    add.disabled = state.length >= max;
    addBtn.disabled = add.disabled;
    clear(list);
    if (!state.length) list.appendChild(h('li', { class: 'muted chips-empty' }, t('lang.none')));
    state.forEach((tag, i) => {
      const nameText = label(tag);
      list.appendChild(h('li', { class: 'chip', 'data-tag': tag },
        h('span', { class: 'chip-name' }, nameText),
        i > 0 ? h('button', { type: 'button', class: 'chip-button chip-up', 'aria-label': t('lang.up', { language: nameText }), onclick: () => move(i) }, '↑') : null,
        h('button', { type: 'button', class: 'chip-button chip-remove', 'aria-label': t('lang.remove', { language: nameText }), onclick: () => remove(i) }, '×')));
    });
  }
  function move(i) {
    [state[i - 1], state[i]] = [state[i], state[i - 1]];
    render();
    const btn = list.children[i - 1]?.querySelector('.chip-up') || list.children[i]?.querySelector('.chip-up');
    (btn || add).focus();
  }
  function remove(i) {
    state.splice(i, 1);
    render();
    const next = list.children[Math.min(i, state.length - 1)]?.querySelector('.chip-remove');
    (state.length && next ? next : add).focus();
  }
  function take() {
    if (add.value && !state.includes(add.value) && state.length < max) state.push(add.value);
    render();
  }
  addBtn.addEventListener('click', () => { take(); add.focus(); });
  render();
  // Put the Add button beside the select and the chosen list under them,
  // inside the field that labels the select.
  function attach(fieldNode) {
    const row = h('div', { class: 'add-row' });
    add.replaceWith(row);
    row.append(add, addBtn);
    fieldNode.appendChild(list);
    return fieldNode;
  }
  return { control: add, take, attach };
}
