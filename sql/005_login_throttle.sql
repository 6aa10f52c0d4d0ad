-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Login throttling after OWASP (issue 9, 3.2 and 2.7) and invitation
-- revocation (issue 9, 2.1).
--
-- The throttle is decided by ONE atomic statement per key BEFORE any
-- password hashing: the gate counts the attempt itself (not the failure
-- after the fact), so 50 concurrent wrong passwords pass exactly as many
-- times as allowed. A successful login resets what it proves wrong.
-- Times are unix microseconds from pnyxd's clock (bigint), like the
-- request's own clock, so lock arithmetic needs no conversions.

DROP TABLE login_failures;

-- One row per throttled key:
--   scope 'account' key = the normalised e-mail (whether or not an account
--         has it, so the throttle cannot reveal which addresses exist);
--   scope 'device'  key = hex SHA-256 of a device cookie + ':' + account id.
-- attempts: attempts admitted since the last success (or since the counter
-- was forgotten: last_us older than the window and no lock in force). The
-- attempt that reaches the limit sets locked_until_us; every later one
-- that is admitted after the lock doubles it (capped).
CREATE TABLE login_throttle (
    scope           text NOT NULL CHECK (scope IN ('account', 'device')),
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 300),
    attempts        integer NOT NULL CHECK (attempts >= 0),
    locked_until_us bigint NOT NULL DEFAULT 0,
    last_us         bigint NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX login_throttle_last ON login_throttle (last_us);

-- Per client address, only across accounts: one row per (address, account
-- key) attempted from there and not (yet) followed by a success there. An
-- address with too many such accounts inside the window is throttled; a
-- shared venue Wi-Fi where people log in correctly (their rows are deleted
-- on success) or a few mistype is not. login_addresses is the per-address
-- lock row that serialises the gate (count, then insert) per address.
CREATE TABLE login_addresses (
    addr    text PRIMARY KEY CHECK (length(addr) BETWEEN 1 AND 64),
    last_us bigint NOT NULL
);
CREATE INDEX login_addresses_last ON login_addresses (last_us);
CREATE TABLE login_address_failures (
    addr    text NOT NULL CHECK (length(addr) BETWEEN 1 AND 64),
    key     text NOT NULL CHECK (length(key) BETWEEN 1 AND 254),
    last_us bigint NOT NULL,
    PRIMARY KEY (addr, key)
);
CREATE INDEX login_address_failures_recent ON login_address_failures (addr, last_us DESC);
-- Housekeeping deletes forgotten rows of every address, oldest first.
CREATE INDEX login_address_failures_last ON login_address_failures (last_us);

-- Devices that logged in successfully (OWASP "device cookies"): the cookie
-- pnyx_device holds a random token; only its SHA-256 is stored, per
-- account. Its holder passes an account lock (the device has its own
-- counter in login_throttle, scope 'device').
CREATE TABLE login_devices (
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL CHECK (length(token_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_us bigint NOT NULL,
    PRIMARY KEY (account_id, token_hash)
);

-- Revoked invitations stay listed (status "revoked") and can never be used.
ALTER TABLE invitations ADD COLUMN revoked_at timestamptz;
-- "Open invitations of a member" (expired when they are suspended, demoted
-- or leave).
CREATE INDEX invitations_creator ON invitations (assembly_id, created_by);
