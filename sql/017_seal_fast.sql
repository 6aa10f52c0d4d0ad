-- SPDX-License-Identifier: AGPL-3.0-or-later
-- A faster seal (issue 11: close + tally + publish of 100,000 ballots
-- ≤ 2 s). The seal rewrites every filled slot of a question in one
-- statement (sql/010_questions.sql); timed on 100,000 ballots, its INSERT
-- half spent more time in per-row foreign-key checks and in two secondary
-- indexes than in the heap:
--
--   * ballots_question_id_fkey fired once per rewritten row (100,000
--     lookups of the same questions row). Ballot rows are written only by
--     the opening and the seal, each in the transaction that holds that
--     questions row locked FOR UPDATE, and questions are never deleted, so
--     the reference cannot dangle; the check is dropped.
--   * ballots_board (question_id, board_index): the seal now sets slot =
--     board_index (the slot keys of an open question are random; a sealed
--     question's are its board places), so the primary key orders the
--     board and this index goes. The CHECK keeps the two equal.
--   * ballots_receipt: receipts must be unique while the question is open
--     (a cast's re-key); a sealed board is read from memory (board_cache)
--     and never looked up by receipt in SQL, so sealed rows leave the index.
--
-- The transaction that seals also raises work_mem for itself (SET LOCAL),
-- so its one sort by receipt stays in memory.

ALTER TABLE ballots DROP CONSTRAINT ballots_question_id_fkey;
DROP INDEX ballots_board;
ALTER TABLE ballots ADD CONSTRAINT ballots_board_slot CHECK (board_index IS NULL OR board_index = slot);
DROP INDEX ballots_receipt;
CREATE UNIQUE INDEX ballots_receipt ON ballots (question_id, receipt) WHERE filled AND board_index IS NULL;
