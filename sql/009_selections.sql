-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Selections by lot (issue 14): a pool of respondents, quotas and k, an
-- optimiser run as a background job, then the verifiable draw in rounds
-- (round 0 the panel, rounds 1.. replacements for those who declined):
-- commit → publish → commit–reveal randomness → draw (api-spec/draw.md).
--
-- selections             one per call for a panel; its categories (country
--                        always among them) and whether volunteers may join
-- selection_respondents  the pool, in order (idx = the respondent's index in
--                        every panel and in DRAW.json). Names and contact
--                        details live here only: never in the audit log nor
--                        in DRAW.json, which carry the pseudonym.
-- selection_rounds       per round: quotas, k, method, m, the commitment
--                        root, the randomness rule, the published lottery,
--                        the seed, index and panel
-- selection_randomness   members' commit–reveal values per round
-- selection_jobs         optimiser runs, taken by the "sortition" worker with
--                        FOR UPDATE SKIP LOCKED; progress and cancellation

CREATE TABLE selections (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    categories  jsonb NOT NULL CHECK (jsonb_typeof(categories) = 'array'),
    household   boolean NOT NULL DEFAULT false,
    call_open   boolean NOT NULL DEFAULT false,
    created_by  bigint NOT NULL REFERENCES accounts (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX selections_assembly ON selections (assembly_id, id);

CREATE TABLE selection_respondents (
    selection_id bigint NOT NULL REFERENCES selections (id),
    idx          integer NOT NULL CHECK (idx >= 0),
    pseudonym    text NOT NULL CHECK (length(pseudonym) BETWEEN 1 AND 64),
    salt         bytea NOT NULL CHECK (length(salt) = 32),
    vals         jsonb NOT NULL CHECK (jsonb_typeof(vals) = 'array'),
    household    text NULL CHECK (household IS NULL OR length(household) BETWEEN 1 AND 64),
    commitment   bytea NOT NULL CHECK (length(commitment) = 32),
    account_id   bigint NULL REFERENCES accounts (id),
    name         text NULL,
    email        text NULL,
    status       text NOT NULL DEFAULT 'pool'
                 CHECK (status IN ('pool', 'selected', 'declined', 'withdrawn')),
    selected_round integer NULL,
    invitation_id bigint NULL REFERENCES invitations (id),
    PRIMARY KEY (selection_id, idx),
    UNIQUE (selection_id, pseudonym)
);
-- One volunteer row per account and selection.
CREATE UNIQUE INDEX selection_respondents_account ON selection_respondents (selection_id, account_id)
    WHERE account_id IS NOT NULL;

CREATE TABLE selection_rounds (
    selection_id    bigint NOT NULL REFERENCES selections (id),
    round           integer NOT NULL CHECK (round >= 0),
    status          text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'committed', 'published', 'drawn')),
    k               integer NULL CHECK (k IS NULL OR k >= 1),
    method          text NOT NULL DEFAULT 'leximin' CHECK (method IN ('leximin', 'maximin', 'legacy')),
    m               integer NOT NULL DEFAULT 1000 CHECK (m BETWEEN 1 AND 100000),
    quotas          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(quotas) = 'array'),
    -- pool indices taking part in this round (round 0: all; replacements:
    -- the rest of the pool without the selected people's households)
    eligible        jsonb NULL,
    rules_version   text NOT NULL DEFAULT 'pnyx-sortition/1',
    commitment_root bytea NULL CHECK (commitment_root IS NULL OR length(commitment_root) = 32),
    commit_until    timestamptz NULL,
    reveal_until    timestamptz NULL,
    committed_at    timestamptz NULL,
    -- published lottery: {panels, certificate}, probabilities after rounding
    -- and at the optimum, one per pool respondent (0 when not eligible)
    lottery         jsonb NULL,
    probabilities   jsonb NULL,
    optimum         jsonb NULL,
    lottery_sha256  bytea NULL,
    published_at    timestamptz NULL,
    beacon_size     bigint NULL,
    beacon_root     bytea NULL,
    seed            bytea NULL,
    draw_index      integer NULL,
    panel           jsonb NULL,
    drawn_at        timestamptz NULL,
    PRIMARY KEY (selection_id, round)
);

CREATE TABLE selection_randomness (
    selection_id bigint NOT NULL,
    round        integer NOT NULL,
    account_id   bigint NOT NULL REFERENCES accounts (id),
    commitment   bytea NOT NULL CHECK (length(commitment) = 32),
    value        bytea NULL CHECK (value IS NULL OR length(value) = 32),
    committed_at timestamptz NOT NULL DEFAULT now(),
    revealed_at  timestamptz NULL,
    PRIMARY KEY (selection_id, round, account_id),
    UNIQUE (selection_id, round, commitment),
    FOREIGN KEY (selection_id, round) REFERENCES selection_rounds (selection_id, round)
);

CREATE TABLE selection_jobs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    selection_id bigint NOT NULL,
    round        integer NOT NULL,
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    method       text NOT NULL CHECK (method IN ('leximin', 'maximin', 'legacy')),
    -- the inputs the run used (pool values, households, quotas, k, m), as a
    -- hash: a run may be published only for the committed inputs
    inputs_sha256 bytea NOT NULL CHECK (length(inputs_sha256) = 32),
    inputs       jsonb NOT NULL,
    cancel       boolean NOT NULL DEFAULT false,
    progress     jsonb NOT NULL DEFAULT '{}',
    result       jsonb NULL,
    error        jsonb NULL,
    created_by   bigint NOT NULL REFERENCES accounts (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz NULL,
    lease_until  timestamptz NULL,
    finished_at  timestamptz NULL,
    FOREIGN KEY (selection_id, round) REFERENCES selection_rounds (selection_id, round)
);
CREATE INDEX selection_jobs_open ON selection_jobs (id) WHERE status IN ('queued', 'running');
CREATE INDEX selection_jobs_selection ON selection_jobs (selection_id, id);
