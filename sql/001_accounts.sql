-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Accounts, sessions and login throttling (issue 2).
-- Applied by `pnyxd migrate` inside one transaction (no BEGIN/COMMIT here).
-- All times are timestamptz written by pnyxd from its own clock (the
-- session cache compares against the same clock).

CREATE TABLE accounts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored already normalised (ASCII lower case) by core/validate; the
    -- unique index below is on lower(email) as well, so a row written by any
    -- other path still cannot duplicate an address case-insensitively.
    email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    display_name  text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 80),
    -- argon2id PHC string; never leaves db/ except to platform/password.
    password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    country       char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$' AND country NOT IN ('XX', 'ZZ')),
    languages     text[] NOT NULL CHECK (cardinality(languages) BETWEEN 1 AND 10
                                         AND array_position(languages, NULL) IS NULL),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- The one-account-per-address guarantee: under 50 concurrent registrations
-- exactly one INSERT wins; the others fail with 23505 on this index (409).
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));

CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- SHA-256 of the 32 raw token bytes; the token itself is never stored.
    token_hash   bytea NOT NULL CHECK (length(token_hash) = 32),
    -- SHA-256 of the CSRF token handed out with the session.
    csrf_hash    bytea NOT NULL CHECK (length(csrf_hash) = 32),
    created_at   timestamptz NOT NULL,
    -- Written at most once a minute per session (see api/auth.c): the idle
    -- limit is measured from here with that granularity.
    last_seen_at timestamptz NOT NULL,
    -- Absolute end of life (created_at + PNYX_SESSION_MAX_AGE).
    expires_at   timestamptz NOT NULL,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_account_id ON sessions (account_id);
-- Purging expired sessions scans by expiry.
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Failed logins, for throttling (10 per key per 15 minutes by default).
-- Keyed twice per attempt: scope 'email' (the normalised address, whether or
-- not an account has it, so the throttle itself cannot reveal which
-- addresses are registered) and scope 'addr' (the client address). Lives in
-- PostgreSQL because pnyxd keeps no state between requests that another
-- process would need: every pnyxd behind a load balancer sees the same
-- counts. Rows older than the window are deleted as new failures arrive.
CREATE TABLE login_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope     text NOT NULL CHECK (scope IN ('email', 'addr')),
    key       text NOT NULL CHECK (length(key) BETWEEN 1 AND 254),
    failed_at timestamptz NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (scope, key, failed_at DESC);
CREATE INDEX login_failures_failed_at ON login_failures (failed_at);
