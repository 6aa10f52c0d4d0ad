-- SPDX-License-Identifier: AGPL-3.0-or-later
-- The deployment's checkpoint signing key (several nodes, one key).
--
-- One row at most: the verifier key (C2SP note vkey "<name>+<key id>+
-- <base64 public key>") of the key every pnyxd serving this database must
-- sign with. The first `pnyxd serve` records its own key; a node whose key
-- differs refuses to start (exit 2), so two nodes never sign one log with
-- two keys. The public part only: the secret key never reaches the
-- database.

CREATE TABLE deployment_signing_key (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    key_id      text NOT NULL CHECK (key_id ~ '^[0-9a-f]{8}$'),
    vkey        text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
