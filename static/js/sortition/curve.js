// SPDX-License-Identifier: AGPL-3.0-or-later
// The probability curve: every respondent's chance of being selected,
// sorted from smallest to largest, one line per method (LEXIMIN, and
// LEGACY beside it when asked), with the equal-chance line k/n. Pure
// numbers here (points, summary figures) and an SVG builder that takes
// the document to build in, so node's tests can check the numbers.

const SVG = 'http://www.w3.org/2000/svg';

export function sorted(probs) {
  return Float64Array.from(probs).sort();
}

// Gini coefficient as the cases define it: Σ_i Σ_j |π_i − π_j| / (2 n Σ π).
export function gini(probs) {
  const x = sorted(probs);
  const n = x.length;
  let sum = 0;
  let acc = 0;
  for (let i = 0; i < n; i += 1) { sum += x[i]; acc += (2 * i - n + 1) * x[i]; }
  // Never below 0: rounding noise in equal chances must not read as “−0.0 %”.
  return n && sum > 0 ? Math.max(0, acc / (n * sum)) : 0;
}

// The value below which a share q (0..1) of the respondents lie.
export function quantile(sortedProbs, q) {
  const n = sortedProbs.length;
  if (!n) return 0;
  const i = Math.min(n - 1, Math.max(0, Math.round(q * (n - 1))));
  return sortedProbs[i];
}

// Figures shown beside the curve and read out to screen readers.
export function summary(probs, k) {
  const x = sorted(probs);
  const n = x.length;
  const equal = n ? k / n : 0;
  let below = 0;
  for (const p of x) if (p < equal - 1e-9) below += 1;
  return {
    n, k, equal,
    min: n ? x[0] : 0,
    max: n ? x[n - 1] : 0,
    median: quantile(x, 0.5),
    gini: gini(x),
    zero: x.filter((p) => p <= 1e-12).length,
    below,
  };
}

// Points of one sorted curve in a box of width w and height h with the
// probability axis from 0 to ymax: respondent i of n sits at the middle of
// its slot, so one person and a thousand draw the same kind of line.
export function points(probs, w, h, ymax) {
  const x = sorted(probs);
  const n = x.length;
  const out = [];
  // A pool of thousands needs no more points than pixels.
  const step = Math.max(1, Math.floor(n / Math.max(1, w)));
  for (let i = 0; i < n; i += step) {
    out.push([((i + 0.5) / n) * w, h - (Math.min(x[i], ymax) / ymax) * h]);
  }
  if (n && (n - 1) % step !== 0) out.push([((n - 0.5) / n) * w, h - (Math.min(x[n - 1], ymax) / ymax) * h]);
  return out;
}

export function pathData(pts) {
  return pts.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)} ${py.toFixed(1)}`).join(' ');
}

// A round axis maximum above the largest value (0.05, 0.1, 0.2, 0.25,
// 0.5, 1 …) and its number of intervals, so that every tick is round too.
const NICE = [[1, 5], [2, 4], [2.5, 5], [5, 5], [10, 5]];
export function niceAxis(v) {
  if (!(v > 0)) return { max: 0.1, ticks: 5 };
  const p = 10 ** Math.floor(Math.log10(v));
  for (const [m, ticks] of NICE) if (v <= m * p * (1 + 1e-9)) return { max: m * p, ticks };
  return { max: 10 * p, ticks: 5 };
}
export function niceMax(v) { return niceAxis(v).max; }

// Build the SVG. series: [{id, label, probs, dashed}]; labels: {title,
// desc, xAxis, yAxis, equal}; fmt formats an axis probability. The plot
// itself stays left-to-right in every language (a rank axis, like the
// numbers on it); its words are translated.
export function curveSvg(doc, { series, k, labels, fmt, width = 640, height = 320, dir = 'ltr' }) {
  const el = (tag, attrs = {}, text) => {
    const e = doc.createElementNS(SVG, tag);
    for (const [a, v] of Object.entries(attrs)) e.setAttribute(a, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const m = { top: 16, right: 16, bottom: 44, left: 58 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const n = series[0] ? series[0].probs.length : 0;
  const equal = n ? k / n : 0;
  const axis = niceAxis(Math.max(equal, ...series.map((s) => Math.max(0, ...s.probs))));
  const ymax = axis.max;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'curve', direction: 'ltr', 'aria-labelledby': 'curve-title curve-desc' });
  svg.append(el('title', { id: 'curve-title' }, labels.title), el('desc', { id: 'curve-desc' }, labels.desc));
  const g = el('g', { transform: `translate(${m.left} ${m.top})` });
  svg.append(g);
  for (let i = 0; i <= axis.ticks; i += 1) {
    const v = (ymax * i) / axis.ticks;
    const y = h - (v / ymax) * h;
    g.append(el('line', { x1: 0, x2: w, y1: y, y2: y, class: 'curve-grid' }));
    g.append(el('text', { x: -8, y: y + 4, 'text-anchor': 'end', class: 'curve-tick' }, fmt(v)));
  }
  g.append(el('line', { x1: 0, x2: 0, y1: 0, y2: h, class: 'curve-axis' }));
  g.append(el('line', { x1: 0, x2: w, y1: h, y2: h, class: 'curve-axis' }));
  // Words keep the reader's direction; centred, they sit where they would in either.
  g.append(el('text', { x: w / 2, y: h + 32, 'text-anchor': 'middle', direction: dir, class: 'curve-label' }, labels.xAxis));
  g.append(el('text', { x: -h / 2, y: -44, transform: 'rotate(-90)', 'text-anchor': 'middle', direction: dir, class: 'curve-label' }, labels.yAxis));
  if (n) {
    const ey = h - (equal / ymax) * h;
    g.append(el('line', { x1: 0, x2: w, y1: ey, y2: ey, class: 'curve-equal' }));
  }
  for (const s of series) {
    g.append(el('path', { d: pathData(points(s.probs, w, h, ymax)), class: `curve-line curve-${s.id}${s.dashed ? ' curve-dashed' : ''}`, 'data-series': s.id }));
  }
  return svg;
}
