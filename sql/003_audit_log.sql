-- SPDX-License-Identifier: AGPL-3.0-or-later
-- The per-assembly append-only Merkle log (RFC 9162 hashing, issue 4).
--
-- audit_entries  one row per entry: the exact canonical JSON text that was
--                hashed (leaf_hash = SHA-256(0x00 || entry)), seq = 1..size.
-- audit_nodes    the hash of every complete, aligned subtree, stored once:
--                (level, idx) covers leaves [idx * 2^level, (idx+1) * 2^level)
--                (0-based leaf positions; level 0 = the leaf hashes). These
--                never change once written, so any inclusion or consistency
--                proof for any past size is assembled from O(log n) of them.
-- audit_heads    the current size, root and frontier (the roots of the
--                complete subtrees along the right edge, largest first,
--                concatenated 32-byte hashes) of each log. Appends lock this
--                row (SELECT ... FOR UPDATE) in the same transaction as the
--                change they record, so appends to one assembly serialise and
--                can neither leave a gap nor fork, while other assemblies
--                never wait.
-- audit_checkpoints  signed notes, at most one per size (cached: Ed25519
--                signatures are deterministic, the first one stored wins).

CREATE TABLE audit_heads (
    assembly_id bigint PRIMARY KEY REFERENCES assemblies (id),
    size        bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
    root        bytea NOT NULL CHECK (length(root) = 32),
    frontier    bytea NOT NULL DEFAULT ''::bytea CHECK (length(frontier) % 32 = 0)
);

CREATE TABLE audit_entries (
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    seq         bigint NOT NULL CHECK (seq >= 1),
    at          timestamptz NOT NULL,
    kind        text NOT NULL,
    entry       text NOT NULL,
    leaf_hash   bytea NOT NULL CHECK (length(leaf_hash) = 32),
    PRIMARY KEY (assembly_id, seq)
);

CREATE TABLE audit_nodes (
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    level       smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx         bigint NOT NULL CHECK (idx >= 0),
    hash        bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (assembly_id, level, idx)
);

CREATE TABLE audit_checkpoints (
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    size        bigint NOT NULL CHECK (size >= 0),
    note        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assembly_id, size)
);
