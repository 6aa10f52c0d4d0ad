-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Witness cosignatures of signed checkpoints (issue 12, C2SP tlog-witness).
--
-- witness_submissions  per (assembly log, witness): the size of the latest
--                checkpoint this witness cosigned (0 = none yet), and the
--                retry state of the background worker (api/witness_queue.c)
--                that submits newer checkpoints. run_after doubles as the
--                worker's lease: a claimed row gets run_after = now() + 60 s,
--                so a pnyxd that dies mid-submission delays it, never loses it.
--                witness = the witness's key name (from its vkey in
--                PNYX_WITNESSES).
-- witness_cosignatures one C2SP cosignature/v1 line per (checkpoint, witness),
--                exactly as the witness returned it (verified before it is
--                stored). GET …/audit/checkpoint and the record append them
--                to the checkpoint note of that size.

CREATE TABLE witness_submissions (
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    witness     text NOT NULL,
    size        bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
    attempts    integer NOT NULL DEFAULT 0,
    run_after   timestamptz NOT NULL DEFAULT now(),
    last_error  text,
    PRIMARY KEY (assembly_id, witness)
);

CREATE INDEX witness_submissions_due ON witness_submissions (run_after);

CREATE TABLE witness_cosignatures (
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    size        bigint NOT NULL CHECK (size >= 0),
    witness     text NOT NULL,
    line        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assembly_id, size, witness)
);
