// SPDX-License-Identifier: AGPL-3.0-or-later
// The ballot's ranking as data (issue 11): an ordered list of option ids
// (rank 1 first) chosen from the options offered. Every move the ballot
// page offers — by drag and drop, by the move buttons, or by typing a rank
// number — is one of these pure functions, so node's tests check them.
// Each returns a new array; the input is never changed.

// Put `id` at rank `rank` (1-based; clamped to 1..length+1 for a new one,
// 1..length for one already ranked). Adding beyond `max` is refused (null).
export function placeAt(ranking, id, rank, max = Infinity) {
  const without = ranking.filter((x) => x !== id);
  if (without.length === ranking.length && ranking.length >= max) return null;
  const at = Math.min(Math.max(1, Math.trunc(Number(rank)) || 1), without.length + 1);
  return [...without.slice(0, at - 1), id, ...without.slice(at - 1)];
}

export function add(ranking, id, max = Infinity) {
  if (ranking.includes(id)) return ranking.slice();
  return placeAt(ranking, id, ranking.length + 1, max);
}

export function remove(ranking, id) { return ranking.filter((x) => x !== id); }

// Move one place towards rank 1 (delta −1) or away from it (+1).
export function move(ranking, id, delta) {
  const i = ranking.indexOf(id);
  if (i < 0) return ranking.slice();
  return placeAt(ranking, id, i + 1 + delta);
}

export function rankOf(ranking, id) {
  const i = ranking.indexOf(id);
  return i < 0 ? null : i + 1;
}

// The options not ranked, in the order offered.
export function unranked(options, ranking) {
  return options.filter((o) => !o.excluded && !ranking.includes(o.id));
}

// Option ids by position, as the server assigns them: "A".."Z", "AA".."AZ", "BA"…
export function optionId(pos) {
  if (pos < 26) return String.fromCharCode(65 + pos);
  return String.fromCharCode(64 + Math.floor(pos / 26)) + String.fromCharCode(65 + (pos % 26));
}

// How many options a voter may rank.
export function maxRanks(q) {
  const n = (q.options || []).filter((o) => !o.excluded).length;
  return q.max_rankings ? Math.min(q.max_rankings, n) : n;
}
