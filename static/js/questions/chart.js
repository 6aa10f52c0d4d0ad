// SPDX-License-Identifier: AGPL-3.0-or-later
// The round-by-round chart of a count (issue 11): one group of horizontal
// bars per round — each continuing option's tally, the exhausted ballots,
// the threshold as a dashed line, marks for elected (✓) and eliminated (✗)
// options written out in words beside the bar (never colour alone). Pure
// numbers here (rounds, scale), and an SVG builder that takes the document
// to build in, like sortition/curve.js. Mirrored for right-to-left pages.
// The accessible twin of the chart is the table the page puts beside it.

const SVG = 'http://www.w3.org/2000/svg';

// The rounds of a pnyx-tally §10 result as rows the chart and the table
// share: [{round, tally: [[id, value]], exhausted, threshold, elected, eliminated}].
export function rounds(result) {
  return (result.rounds || []).map((r) => ({
    round: r.round,
    pass: r.pass,
    tally: Object.entries(r.tally || {}).map(([id, val]) => [id, Number(val)]),
    exhausted: Number(r.exhausted || 0),
    threshold: r.threshold === undefined || r.threshold === null ? null : Number(r.threshold),
    elected: r.elected || [],
    eliminated: r.eliminated || [],
    transfers: r.transfers || {},
  }));
}

// Every option that appears in any round, in the order of first appearance.
export function optionsSeen(rs) {
  const out = [];
  for (const r of rs) for (const [id] of r.tally) if (!out.includes(id)) out.push(id);
  return out;
}

export function scaleMax(rs) {
  let m = 0;
  for (const r of rs) {
    for (const [, val] of r.tally) m = Math.max(m, val);
    m = Math.max(m, r.exhausted, r.threshold || 0);
  }
  return m > 0 ? m : 1;
}

function el(doc, tag, attrs, text) {
  const e = doc.createElementNS(SVG, tag);
  for (const [k, val] of Object.entries(attrs || {})) if (val !== null && val !== undefined) e.setAttribute(k, String(val));
  if (text !== undefined) e.appendChild(doc.createTextNode(text));
  return e;
}

// Short enough for the label column (full labels are in the table).
function shorten(s, n) {
  const a = Array.from(String(s));
  return a.length > n ? `${a.slice(0, n - 1).join('')}…` : a.join('');
}

// opts: {rounds, labels: Map id → text, fmt(n) → text, dir, width,
//   text: {title, desc, round(n), threshold(v), exhausted, elected, eliminated}}
export function roundsSvg(doc, opts) {
  const rs = opts.rounds;
  const width = opts.width || 640;
  // On a phone each option's name sits on its own line above its bar, so
  // names stay whole and bars keep most of the width.
  const narrow = width < 480;
  const labelW = narrow ? 0 : 170;
  const valueW = narrow ? 72 : 150;
  const rowH = narrow ? 36 : 22;
  const headH = 24;
  const gap = 14;
  const x0 = narrow ? 4 : labelW + 8;
  const plotW = width - x0 - valueW - 8;
  const max = scaleMax(rs);
  const rtl = opts.dir === 'rtl';
  const X = (x) => (rtl ? width - x : x);
  const start = rtl ? 'end' : 'start';
  const end = rtl ? 'start' : 'end';
  let height = 8;
  for (const r of rs) height += headH + rowH * (r.tally.length + 1) + gap;
  const svg = el(doc, 'svg', { class: 'rounds-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': 'rounds-title rounds-desc' });
  svg.appendChild(el(doc, 'title', { id: 'rounds-title' }, opts.text.title));
  svg.appendChild(el(doc, 'desc', { id: 'rounds-desc' }, opts.text.desc));
  let y = 8;
  const len = (val) => Math.max(val > 0 ? 2 : 0, (val / max) * plotW);
  for (const r of rs) {
    const g = el(doc, 'g', { class: 'round-group', 'data-round': r.round });
    g.appendChild(el(doc, 'text', { x: X(4), y: y + 16, 'text-anchor': start, class: 'rounds-head' }, opts.text.round(r.round)));
    y += headH;
    const top = y;
    const rows = [...r.tally.map(([id, val]) => ({ id, val })), { id: null, val: r.exhausted }];
    for (const row of rows) {
      const elected = row.id && r.elected.includes(row.id);
      const eliminated = row.id && r.eliminated.includes(row.id);
      const kind = row.id === null ? 'exhausted' : elected ? 'elected' : eliminated ? 'eliminated' : 'continuing';
      const name = row.id === null ? opts.text.exhausted : (opts.labels.get(row.id) || row.id);
      const label = shorten(name, narrow ? 44 : 22);
      const barY = narrow ? y + 18 : y + 4;
      const textY = narrow ? y + 29 : y + 15;
      if (narrow) g.appendChild(el(doc, 'text', { x: X(4), y: y + 13, 'text-anchor': start, class: 'rounds-label', 'data-option': row.id || 'exhausted' }, label));
      else g.appendChild(el(doc, 'text', { x: X(labelW), y: textY, 'text-anchor': end, class: 'rounds-label', 'data-option': row.id || 'exhausted' }, label));
      const w = len(row.val);
      g.appendChild(el(doc, 'rect', { x: rtl ? X(x0) - w : x0, y: barY, width: w, height: 14, rx: 2, class: `rounds-bar rounds-${kind}` }));
      const mark = elected ? ` ✓ ${opts.text.elected}` : eliminated ? ` ✗ ${opts.text.eliminated}` : '';
      g.appendChild(el(doc, 'text', { x: X(x0 + w + 6), y: textY, 'text-anchor': start, class: `rounds-value rounds-value-${kind}` }, `${opts.fmt(row.val)}${narrow ? (elected ? ' ✓' : eliminated ? ' ✗' : '') : mark}`));
      y += rowH;
    }
    if (r.threshold) {
      const tx = X(x0 + len(r.threshold));
      g.appendChild(el(doc, 'line', { x1: tx, x2: tx, y1: top - 2, y2: y, class: 'rounds-threshold' }));
      g.appendChild(el(doc, 'text', { x: tx, y: top - 6, 'text-anchor': 'middle', class: 'rounds-threshold-label' }, opts.text.threshold(opts.fmt(r.threshold))));
    }
    y += gap;
    svg.appendChild(g);
  }
  return svg;
}
