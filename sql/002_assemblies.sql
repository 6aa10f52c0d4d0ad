-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Assemblies, memberships and invitations (issue 4).
-- Every assembly-scoped table carries assembly_id and leads its primary key
-- or indexes with it, so the schema can later be sharded by assembly.
-- Enumerations are text with CHECK constraints (readable in psql and in the
-- API, cheap to extend by a later migration). List queries page by keyset
-- (id or account_id ascending), never by OFFSET.

CREATE TABLE assemblies (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    visibility       text NOT NULL CHECK (visibility IN ('public', 'members')),
    join_policy      text NOT NULL CHECK (join_policy IN ('open', 'invite')),
    default_language text NOT NULL CHECK (length(default_language) BETWEEN 2 AND 64),
    created_by       bigint NOT NULL REFERENCES accounts (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- GET /assemblies lists public ones by id (keyset).
CREATE INDEX assemblies_public_id ON assemblies (id) WHERE visibility = 'public';

CREATE TABLE memberships (
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    account_id  bigint NOT NULL REFERENCES accounts (id),
    role        text NOT NULL CHECK (role IN ('convener', 'facilitator', 'member', 'observer')),
    status      text NOT NULL CHECK (status IN ('active', 'suspended', 'left')),
    joined_at   timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assembly_id, account_id)
);
-- "Mine" in GET /assemblies: the caller's assemblies by assembly id.
CREATE INDEX memberships_account ON memberships (account_id, assembly_id);
-- The last-convener rule counts active conveners of one assembly.
CREATE INDEX memberships_conveners ON memberships (assembly_id)
    WHERE role = 'convener' AND status = 'active';

CREATE TABLE invitations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    -- SHA-256 of the random code; the code itself is never stored.
    code_hash   bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    role        text NOT NULL CHECK (role IN ('convener', 'facilitator', 'member', 'observer')),
    max_uses    integer NOT NULL CHECK (max_uses BETWEEN 1 AND 100000),
    uses        integer NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
    expires_at  timestamptz NOT NULL,
    created_by  bigint NOT NULL REFERENCES accounts (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_assembly ON invitations (assembly_id, id);
