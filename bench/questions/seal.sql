-- SPDX-License-Identifier: AGPL-3.0-or-later
-- bench/questions/seal.sql — closes the bench question as the lifecycle's
-- close does (psql -v q=QID -v root=HEX -v receipts=FILE): the filled
-- slots rewritten in receipt order with board_index and countries under
-- 10 ballots folded to ZZ, empty slots and idempotency rows deleted, the
-- count and the board root (computed by bench/questions/board_root.py)
-- stored. Bypasses question.closed and the tally.
\set ON_ERROR_STOP on
BEGIN;
WITH f AS (DELETE FROM ballots WHERE question_id = :q RETURNING *)
INSERT INTO ballots (question_id, slot, filled, receipt, ranking, country, board_index)
SELECT question_id, row_number() OVER (ORDER BY receipt) - 1, true, receipt, ranking,
       CASE WHEN count(*) OVER (PARTITION BY country) < 10 THEN 'ZZ' ELSE country END,
       row_number() OVER (ORDER BY receipt) - 1
FROM f WHERE filled ORDER BY receipt;
DELETE FROM ballot_idempotency WHERE question_id = :q;
COMMIT;
\pset format unaligned
\pset tuples_only on
\o :receipts
SELECT encode(receipt, 'hex') FROM ballots WHERE question_id = :q ORDER BY random();
\o
