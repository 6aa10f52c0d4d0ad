-- SPDX-License-Identifier: AGPL-3.0-or-later
-- k of n witness cosignatures before a tally is published (issue 12).
--
-- assemblies.witness_quorum  k: how many of the deployment's configured
--                witnesses (PNYX_WITNESSES) must have cosigned a checkpoint
--                that covers a question's `question.closed` entry (size >=
--                closed_log_size) before its tally is published; 0 = none.
--                Set by a convener (PATCH /assemblies/{aid}, recorded in
--                assembly.updated); pnyxd refuses a k above the number of
--                configured witnesses (16 at most, witness_queue.c).
-- questions.tally_after      when a question left closed for want of
--                cosignatures is tried again (api_results.c); the
--                scheduler takes the least recently tried first, so one
--                question waiting for a witness never starves the others.

ALTER TABLE assemblies ADD COLUMN witness_quorum integer NOT NULL DEFAULT 0
    CHECK (witness_quorum BETWEEN 0 AND 16);

ALTER TABLE questions ADD COLUMN tally_after timestamptz;
