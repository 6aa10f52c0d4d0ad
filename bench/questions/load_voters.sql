-- SPDX-License-Identifier: AGPL-3.0-or-later
-- bench/questions/load_voters.sql — the ballot bench's voters and open
-- question, straight into the tables (psql -v n=VOTERS -v options=K
-- -v tokens=FILE -v question=FILE). What it BYPASSES, precisely:
--   * accounts, the assembly, memberships and sessions are inserted, not
--     registered/joined/logged in: no audit entries (assembly.created,
--     member.joined) and no argon2 (the password hash is a placeholder
--     nobody can log in with); sessions are bearer tokens made here
--     (SHA-256 of 32 random bytes stored, as pnyxd stores them);
--   * the question is inserted in state open as the opening leaves it
--     (options, roll snapshot, roll_size empty slots with random keys in
--     random order and fixed-width filler), without question.opened,
--     roll_root or texts_hash.
-- Every CAST measured goes through the API (POST …/ballots).
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO accounts (email, display_name, password_hash, country, languages)
SELECT 'bench-voter-' || g || '-' || txid_current() || '@example.org', 'Voter ' || g,
       '$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA',
       (ARRAY['DE','FR','IT','ES','PL','NL','SE','PT','AT','BE','IE','FI'])[1 + g % 12], '{en}'
FROM generate_series(1, :n) g;
CREATE TEMP TABLE bench_acc ON COMMIT DROP AS
SELECT id FROM accounts WHERE email LIKE 'bench-voter-%-' || txid_current() || '@example.org';
INSERT INTO assemblies (title, visibility, join_policy, default_language, created_by)
SELECT 'Ballot bench', 'public', 'invite', 'en', min(id) FROM bench_acc;
CREATE TEMP TABLE bench_asm ON COMMIT DROP AS SELECT max(id) AS id FROM assemblies;
INSERT INTO audit_heads (assembly_id, size, root, frontier)
SELECT id, 0, sha256(''::bytea), ''::bytea FROM bench_asm;
-- memberships_languages (sql/008) counts each member's languages into
-- assembly_languages with one UPDATE of the same row per member: 100,000 of
-- them in one transaction grow one row's version chain quadratically (the
-- loader took minutes). Joins come one at a time through the API; here the
-- trigger is off for this insert and the count is written once.
SET LOCAL session_replication_role = replica;
INSERT INTO memberships (assembly_id, account_id, role, status)
SELECT (SELECT id FROM bench_asm), id,
       CASE WHEN id = (SELECT min(id) FROM bench_acc) THEN 'convener' ELSE 'member' END, 'active'
FROM bench_acc;
SET LOCAL session_replication_role = origin;
INSERT INTO assembly_languages (assembly_id, language, readers)
SELECT id, 'en', :n FROM bench_asm;
CREATE TEMP TABLE bench_tok ON COMMIT DROP AS
SELECT id AS account_id, decode(md5(random()::text) || md5(random()::text), 'hex') AS raw
FROM bench_acc;
INSERT INTO sessions (account_id, token_hash, csrf_hash, created_at, last_seen_at, expires_at)
SELECT account_id, sha256(raw), sha256(raw || '\x00'::bytea), now(), now(), now() + interval '1 day'
FROM bench_tok;
INSERT INTO questions (assembly_id, author_id, language, title, method, seats, secrecy,
                       closes_at, state, opened_at)
SELECT (SELECT id FROM bench_asm), (SELECT min(id) FROM bench_acc), 'en', 'Bench question',
       'irv', 1, 'secret', now() + interval '1 day', 'open', now();
CREATE TEMP TABLE bench_q ON COMMIT DROP AS SELECT max(id) AS id FROM questions;
INSERT INTO question_options (question_id, position, option_id, label)
SELECT (SELECT id FROM bench_q), g, chr(65 + g), 'Option ' || chr(65 + g)
FROM generate_series(0, :options - 1) g;
INSERT INTO question_roll (question_id, account_id, country)
SELECT (SELECT id FROM bench_q), a.id, a.country FROM accounts a JOIN bench_acc b USING (id);
UPDATE questions SET roll_size = :n WHERE id = (SELECT id FROM bench_q);
INSERT INTO ballots (question_id, slot, receipt, ranking, country)
SELECT (SELECT id FROM bench_q), k, decode(md5(random()::text) || md5(random()::text), 'hex'),
       decode(repeat('ff', :options), 'hex'), 'ZZ'
FROM (SELECT DISTINCT (floor((random() * 2 - 1) * 9.2e18))::bigint AS k
      FROM generate_series(1, :n)) s ORDER BY random();
\pset format unaligned
\pset tuples_only on
\o :tokens
SELECT translate(rtrim(encode(raw, 'base64'), '='), '+/', '-_') FROM bench_tok ORDER BY random();
\o :question
SELECT id FROM bench_q;
\o
COMMIT;
