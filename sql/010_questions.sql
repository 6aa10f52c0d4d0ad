-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Questions (votes), their options and translated texts, the voter roll,
-- secret ballots, roll-call votes and results (issue 11).
--
-- questions           one row per question; state draft → open → closed →
--                     tallied, each step one conditional UPDATE (state =
--                     the expected one), so two pnyxd never both open,
--                     close or tally it. Counters and roots of the close
--                     and the tally are written by those steps.
-- question_options    the options, ids assigned by the server ("A".."Z",
--                     "AA"..), position = ballot order; proposal_id links an
--                     option to a proposal (adopts_proposals).
-- question_texts      translations of title, description and option labels
--                     (human or machine); frozen at opening (texts_hash).
-- question_roll       the voter roll snapshotted at opening (active members
--                     who are not observers, with their country) and whether
--                     each has voted. The one-vote guarantee: a cast marks
--                     its roll row with a conditional UPDATE (… AND NOT
--                     voted) in the ballot's transaction, under the row's
--                     lock; the primary key makes the row unique.
-- ballots             secret and roll-call ballots alike, stored in SLOTS:
--                     at opening, roll_size empty slots are inserted in a
--                     random order, each with a random 64-bit slot key and
--                     fixed-width filler; a cast fills one slot chosen at
--                     random (the next free key ≥ a random value). No
--                     column references an account or a time, the key is
--                     random, and a filled slot has the same width as an
--                     empty one, so with fillfactor 25 its new version stays
--                     on the slot's own page (heap_update keeps a tuple on
--                     its page when it fits): the physical order of ballots
--                     is the random order of the slots, not the cast order.
--                     Residue (README threat model): within one 8 kB page
--                     (about 30 slots) the line-pointer order of filled slots
--                     follows their fill order, and xmin is the casting
--                     transaction, while the question is open. At close the
--                     filled slots are rewritten in receipt order in one
--                     transaction (one xmin, physical order = board order)
--                     and the empty ones deleted.
--                     ranking = option positions (one byte each, 0-based),
--                     padded with 0xFF to the question's option count.
-- roll_call_votes     roll-call questions only: who cast which receipt
--                     (public after close).
-- ballot_idempotency  Idempotency-Key → the 201 body already sent, so a
--                     client retrying after a lost reply gets the same
--                     receipt, without linking voter and ballot: the row is
--                     found by lookup = SHA-256("pnyx-idem-id\0" ‖ question
--                     ‖ account ‖ key) and holds the reply sealed
--                     (crypto_secretbox) under SHA-256("pnyx-idem-key\0" ‖
--                     key): only the client knows the key (16..200 bytes),
--                     so a dump neither names the account nor opens the
--                     reply. Deleted at close.

CREATE TABLE questions (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assembly_id          bigint NOT NULL REFERENCES assemblies (id),
    author_id            bigint NOT NULL REFERENCES accounts (id),
    language             text NOT NULL CHECK (length(language) BETWEEN 2 AND 35),
    title                text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
    method               text NOT NULL CHECK (method IN ('irv', 'stv', 'schulze')),
    seats                integer NOT NULL CHECK (seats BETWEEN 1 AND 99),
    secrecy              text NOT NULL CHECK (secrecy IN ('secret', 'roll_call')),
    -- decimals kept as their canonical text (core/tally's tally_dec), so the
    -- published rules repeat exactly what was set
    quorum_min_turnout   text NOT NULL DEFAULT '0',
    quorum_min_countries integer NOT NULL DEFAULT 0 CHECK (quorum_min_countries BETWEEN 0 AND 300),
    country_cap          text,
    max_rankings         integer CHECK (max_rankings BETWEEN 1 AND 100),
    adopts_proposals     boolean NOT NULL DEFAULT false,
    dm_min_country_share text,
    opens_at             timestamptz,
    closes_at            timestamptz NOT NULL,
    state                text NOT NULL DEFAULT 'draft'
                             CHECK (state IN ('draft', 'open', 'closed', 'tallied')),
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- opening
    opened_at            timestamptz,
    roll_size            integer,
    roll_root            bytea CHECK (length(roll_root) = 32),
    texts_hash           bytea CHECK (length(texts_hash) = 32),
    -- closing
    closed_at            timestamptz,
    close_reason         text CHECK (length(close_reason) <= 1000),
    closed_by            bigint REFERENCES accounts (id),
    ballot_count         integer,
    board_root           bytea CHECK (length(board_root) = 32),
    -- the audit-log size right after question.closed: the seed's root
    closed_log_size      bigint,
    -- tallying
    tallied_at           timestamptz,
    seed                 bigint,
    result_status        text CHECK (result_status IN ('tallied', 'no_quorum', 'no_double_majority', 'not_counted')),
    result               text,  -- the exact bytes served by …/result (strong ETag)
    result_hash          bytea CHECK (length(result_hash) = 32)
);
CREATE INDEX questions_assembly ON questions (assembly_id, id);
-- the scheduler's two scans: drafts due to open, open ones due to close
CREATE INDEX questions_due_open ON questions (opens_at) WHERE state = 'draft' AND opens_at IS NOT NULL;
CREATE INDEX questions_due_close ON questions (closes_at) WHERE state = 'open';
CREATE INDEX questions_to_tally ON questions (id) WHERE state = 'closed';

CREATE TABLE question_options (
    question_id bigint NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    position    smallint NOT NULL CHECK (position BETWEEN 0 AND 99),
    option_id   text NOT NULL CHECK (option_id ~ '^[A-Z]{1,2}$'),
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 300),
    proposal_id bigint REFERENCES proposals (id),
    excluded    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (question_id, position),
    UNIQUE (question_id, option_id)
);

CREATE TABLE question_texts (
    question_id   bigint NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    language      text NOT NULL CHECK (length(language) BETWEEN 2 AND 35),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
    labels        jsonb NOT NULL DEFAULT '{}',  -- {option_id: label}
    source        text NOT NULL CHECK (source IN ('human', 'machine')),
    translator_id bigint REFERENCES accounts (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (question_id, language)
);

CREATE TABLE question_roll (
    question_id bigint NOT NULL REFERENCES questions (id),
    account_id  bigint NOT NULL REFERENCES accounts (id),
    country     char(2) NOT NULL,
    voted       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (question_id, account_id)
) WITH (fillfactor = 50);

CREATE TABLE ballots (
    question_id bigint NOT NULL REFERENCES questions (id),
    slot        bigint NOT NULL,
    filled      boolean NOT NULL DEFAULT false,
    receipt     bytea NOT NULL CHECK (length(receipt) = 32),
    ranking     bytea NOT NULL,
    country     char(2) NOT NULL,
    -- set at close: the entry's place on the board (receipt order); the
    -- country is then folded ("ZZ" below 10 ballots) as the board shows it
    board_index integer,
    PRIMARY KEY (question_id, slot)
) WITH (fillfactor = 25);
CREATE UNIQUE INDEX ballots_board ON ballots (question_id, board_index) WHERE board_index IS NOT NULL;
CREATE UNIQUE INDEX ballots_receipt ON ballots (question_id, receipt) WHERE filled;
CREATE INDEX ballots_free ON ballots (question_id, slot) WHERE NOT filled;

CREATE TABLE roll_call_votes (
    question_id bigint NOT NULL REFERENCES questions (id),
    account_id  bigint NOT NULL REFERENCES accounts (id),
    receipt     bytea NOT NULL CHECK (length(receipt) = 32),
    PRIMARY KEY (question_id, account_id),
    UNIQUE (question_id, receipt)
);

CREATE TABLE ballot_idempotency (
    question_id bigint NOT NULL REFERENCES questions (id),
    lookup      bytea NOT NULL CHECK (length(lookup) = 32),
    sealed      bytea NOT NULL,
    PRIMARY KEY (question_id, lookup)
);
