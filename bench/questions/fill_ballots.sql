-- SPDX-License-Identifier: AGPL-3.0-or-later
-- bench/questions/fill_ballots.sql — fills the open bench question's slots
-- as casts would (psql -v q=QID -v share=0..1 -v options=K): a random share
-- of the voters marked voted and as many random slots filled with a random
-- receipt, a random ranking of 1..K options and the voter's country. What it
-- BYPASSES: the cast path (no nonce/receipt derivation, no group commit);
-- the rows are what that path leaves. Used to time the close.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE v ON COMMIT DROP AS
SELECT account_id, country, row_number() OVER () AS rn FROM question_roll
WHERE question_id = :q AND random() < :share;
UPDATE question_roll r SET voted = true FROM v
WHERE r.question_id = :q AND r.account_id = v.account_id;
CREATE TEMP TABLE s ON COMMIT DROP AS
SELECT slot, row_number() OVER (ORDER BY random()) AS rn FROM ballots WHERE question_id = :q;
-- a random ranking: a permutation of the K option positions, cut after a
-- random length 1..K and padded with 0xFF, as the cast stores it
CREATE FUNCTION pg_temp.bench_ranking(k int) RETURNS bytea LANGUAGE sql VOLATILE AS $$
  SELECT substring(perm FROM 1 FOR n) || decode(repeat('ff', k - n), 'hex')
  FROM (SELECT string_agg(set_byte('\x00'::bytea, 0, p), ''::bytea ORDER BY random()) AS perm
        FROM generate_series(0, k - 1) p) o, (SELECT 1 + floor(random() * k)::int AS n) l
$$;
UPDATE ballots b SET filled = true,
       receipt = decode(md5(random()::text) || md5(random()::text), 'hex'),
       ranking = pg_temp.bench_ranking(:options), country = v.country
FROM s JOIN v USING (rn)
WHERE b.question_id = :q AND b.slot = s.slot;
COMMIT;
