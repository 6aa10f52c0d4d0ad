// SPDX-License-Identifier: AGPL-3.0-or-later
// The Markdown subset of proposals and comments (issue 10), in two steps:
// parse(text) -> a plain tree (pure, no DOM: unit-tested under node), and
// render(tree, doc) -> DOM nodes made with createElement and text nodes
// only. User text never reaches innerHTML, so markup in it stays text.
//
// The subset:
//   paragraphs      separated by a blank line; a single line break is kept
//   *emphasis*      also _emphasis_
//   **strong**      also __strong__
//   - item          unordered list ("-", "*" or "+" then a space)
//   1. item         ordered list (the first number is the start)
//   > quote         block quote (its content is the subset again)
//   [text](url)     a link, only for http:, https: and mailto: addresses;
//                   any other ([x](javascript:…), data:, relative…) is
//                   shown as the text that was typed
//   <https://…>     an address written out as a link
//   \*              a backslash makes the next punctuation mark literal
//
// Direction: every block carries dir="auto" (its own text decides), and
// the explicit embedding, override and isolate characters (U+202A–U+202E,
// U+2066–U+2069) are removed, so a text can neither reverse what follows
// it nor disguise a link. Marks (LRM, RLM, ALM) are kept.

const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);
export const LINK_REL = 'noopener noreferrer nofollow ugc';
const MAX_DEPTH = 8; // nested quotes and lists deeper than this stay text

// The text of a user string for display: bidi controls removed.
export function plain(text) {
  return String(text ?? '').replace(BIDI_CONTROLS, '');
}

// An address a link may point to, or null. Only absolute http(s) and
// mailto URLs; no credentials in them.
export function safeUrl(raw) {
  const s = String(raw).trim();
  if (!/^(https?:\/\/|mailto:)/i.test(s)) return null;
  if (/[\s<>"`]/.test(s) || /[\u0000-\u001F\u007F]/.test(s)) return null;
  let u;
  try { u = new URL(s); } catch { return null; }
  if (!SAFE_SCHEMES.has(u.protocol)) return null;
  if (u.username || u.password) return null;
  return u.href;
}

// ---- blocks ----------------------------------------------------------------

const LIST_RE = /^ {0,3}([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const QUOTE_RE = /^ {0,3}> ?(.*)$/;
const blank = (l) => /^[ \t]*$/.test(l);

// parse(text) -> [{type:'p', inline}, {type:'ul'|'ol', start?, items:[[blocks]]},
//   {type:'quote', blocks}], inline = [{type:'text', text} | {type:'br'} |
//   {type:'em'|'strong', children} | {type:'link', href, children}]
export function parse(text) {
  const lines = plain(text).replace(/\r\n?/g, '\n').split('\n');
  return blocks(lines, 0);
}

function blocks(lines, depth) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (blank(line)) { i += 1; continue; }
    if (depth < MAX_DEPTH && QUOTE_RE.test(line)) {
      const inner = [];
      while (i < lines.length && !blank(lines[i]) && QUOTE_RE.test(lines[i])) {
        inner.push(QUOTE_RE.exec(lines[i])[1]);
        i += 1;
      }
      out.push({ type: 'quote', blocks: blocks(inner, depth + 1) });
      continue;
    }
    const lm = depth < MAX_DEPTH ? LIST_RE.exec(line) : null;
    if (lm) {
      const ordered = /\d/.test(lm[1]);
      const list = { type: ordered ? 'ol' : 'ul', items: [] };
      if (ordered) list.start = Number.parseInt(lm[1], 10);
      // Items of the same kind follow; an indented line continues an item.
      let cur = null;
      while (i < lines.length) {
        const l = lines[i];
        const m = LIST_RE.exec(l);
        if (m && /\d/.test(m[1]) === ordered && !/^\s{2,}/.test(l)) {
          cur = [m[2]];
          list.items.push(cur);
          i += 1;
        } else if (!blank(l) && cur && (/^\s{2,}/.test(l) || (!LIST_RE.test(l) && !QUOTE_RE.test(l)))) {
          cur.push(l.replace(/^\s{2,4}/, ''));
          i += 1;
        } else break;
      }
      list.items = list.items.map((itemLines) => {
        // A one-paragraph item is inline text; nested lists inside are blocks.
        const sub = blocks(itemLines, depth + 1);
        return sub;
      });
      out.push(list);
      continue;
    }
    const para = [];
    while (i < lines.length && !blank(lines[i]) && !QUOTE_RE.test(lines[i]) && !(para.length === 0 ? false : LIST_RE.test(lines[i]))) {
      para.push(lines[i]);
      i += 1;
    }
    if (!para.length) { para.push(line); i += 1; } // a list marker past the depth limit: text
    out.push({ type: 'p', inline: inline(para.map((l) => l.trim()).join('\n')) });
  }
  return out;
}

// ---- inline ------------------------------------------------------------------

const PUNCT = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;

// Tokenise into text runs and delimiter runs, then pair delimiters.
export function inline(src) {
  const nodes = [];
  let buf = '';
  const flush = () => { if (buf) { nodes.push({ type: 'text', text: buf }); buf = ''; } };
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\' && i + 1 < src.length && PUNCT.test(src[i + 1])) { buf += src[i + 1]; i += 2; continue; }
    if (c === '\n') { flush(); nodes.push({ type: 'br' }); i += 1; continue; }
    if (c === '[') {
      const link = parseLink(src, i);
      if (link) {
        flush();
        if (link.href) nodes.push({ type: 'link', href: link.href, children: inline(link.text) });
        else nodes.push({ type: 'text', text: src.slice(i, link.end) });
        i = link.end;
        continue;
      }
    }
    if (c === '<') {
      const m = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(src.slice(i));
      if (m) {
        const href = safeUrl(m[1]);
        flush();
        nodes.push(href ? { type: 'link', href, children: [{ type: 'text', text: m[1] }] } : { type: 'text', text: m[0] });
        i += m[0].length;
        continue;
      }
    }
    if (c === '*' || c === '_') {
      let n = 1;
      while (src[i + n] === c) n += 1;
      flush();
      const before = i > 0 ? src[i - 1] : ' ';
      const after = i + n < src.length ? src[i + n] : ' ';
      // Word-internal underscores (snake_case) are text, as in CommonMark.
      const canOpen = !/\s/.test(after) && (c === '*' || !/[\p{L}\p{N}]/u.test(before));
      const canClose = !/\s/.test(before) && (c === '*' || !/[\p{L}\p{N}]/u.test(after));
      nodes.push({ type: 'delim', ch: c, n, canOpen, canClose });
      i += n;
      continue;
    }
    buf += c;
    i += 1;
  }
  flush();
  return pairDelims(nodes);
}

// [text](url): returns {text, href|null, end} or null when not a link form.
function parseLink(src, start) {
  let depth = 0;
  let j = start;
  for (; j < src.length; j += 1) {
    if (src[j] === '\\') { j += 1; continue; }
    if (src[j] === '[') depth += 1;
    else if (src[j] === ']') { depth -= 1; if (depth === 0) break; }
    if (src[j] === '\n') return null;
  }
  if (j >= src.length || src[j + 1] !== '(') return null;
  let k = j + 2;
  let paren = 1;
  for (; k < src.length; k += 1) {
    if (src[k] === '\n') return null;
    if (src[k] === '(') paren += 1;
    else if (src[k] === ')') { paren -= 1; if (paren === 0) break; }
  }
  if (k >= src.length) return null;
  return { text: src.slice(start + 1, j), href: safeUrl(src.slice(j + 2, k)), end: k + 1 };
}

// Pair emphasis delimiters (a simplified CommonMark: strong takes two,
// emphasis one; unpaired delimiters stay text).
function pairDelims(nodes) {
  const stack = []; // indexes into out of open delimiters
  let out = [];
  for (const nd of nodes) {
    if (nd.type !== 'delim') { out.push(nd); continue; }
    let d = { ...nd };
    while (d.n > 0 && d.canClose) {
      let k = stack.length - 1;
      while (k >= 0 && out[stack[k]].ch !== d.ch) k -= 1;
      if (k < 0) break;
      const oi = stack[k];
      const opener = out[oi];
      const use = opener.n >= 2 && d.n >= 2 ? 2 : 1;
      const children = out.slice(oi + 1).filter((x) => x.type !== 'delim' || x.n > 0).map(delimToText);
      const wrapped = { type: use === 2 ? 'strong' : 'em', children: mergeText(children) };
      opener.n -= use;
      d.n -= use;
      out = out.slice(0, oi + 1);
      out.push(wrapped);
      stack.length = k + (opener.n > 0 ? 1 : 0);
      if (opener.n === 0) { out.splice(oi, 1); }
    }
    if (d.n > 0) {
      out.push(d);
      if (d.canOpen) stack.push(out.length - 1);
    }
  }
  return mergeText(out.map(delimToText));
}

function delimToText(x) {
  return x.type === 'delim' ? { type: 'text', text: x.ch.repeat(x.n) } : x;
}

function mergeText(list) {
  const out = [];
  for (const x of list) {
    if (x.type === 'text' && out.length && out[out.length - 1].type === 'text') out[out.length - 1] = { type: 'text', text: out[out.length - 1].text + x.text };
    else if (x.type !== 'text' || x.text) out.push(x);
  }
  return out;
}

// ---- DOM ---------------------------------------------------------------------

// render(tree, doc) -> a DocumentFragment of the blocks.
export function render(tree, doc = document) {
  const frag = doc.createDocumentFragment();
  for (const b of tree) frag.appendChild(block(b, doc));
  return frag;
}

// The whole path in one call: a <div class="md"> holding the text.
export function renderMarkdown(text, doc = document) {
  const div = doc.createElement('div');
  div.className = 'md';
  div.setAttribute('dir', 'auto');
  div.appendChild(render(parse(text), doc));
  return div;
}

function block(b, doc) {
  let el;
  if (b.type === 'p') {
    el = doc.createElement('p');
    appendInline(el, b.inline, doc);
  } else if (b.type === 'quote') {
    el = doc.createElement('blockquote');
    el.appendChild(render(b.blocks, doc));
  } else {
    el = doc.createElement(b.type);
    if (b.type === 'ol' && b.start !== 1) el.setAttribute('start', String(b.start));
    for (const item of b.items) {
      const li = doc.createElement('li');
      li.setAttribute('dir', 'auto');
      // A single paragraph item is shown without its <p>.
      if (item.length === 1 && item[0].type === 'p') appendInline(li, item[0].inline, doc);
      else li.appendChild(render(item, doc));
      el.appendChild(li);
    }
  }
  el.setAttribute('dir', 'auto');
  return el;
}

function appendInline(parent, nodes, doc) {
  for (const n of nodes) {
    if (n.type === 'text') parent.appendChild(doc.createTextNode(n.text));
    else if (n.type === 'br') parent.appendChild(doc.createElement('br'));
    else if (n.type === 'em' || n.type === 'strong') {
      const el = doc.createElement(n.type);
      appendInline(el, n.children, doc);
      parent.appendChild(el);
    } else if (n.type === 'link') {
      const a = doc.createElement('a');
      a.setAttribute('href', n.href);
      a.setAttribute('rel', LINK_REL);
      a.setAttribute('target', '_blank');
      a.setAttribute('dir', 'auto');
      appendInline(a, n.children, doc);
      parent.appendChild(a);
    }
  }
}
