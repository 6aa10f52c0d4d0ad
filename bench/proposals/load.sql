-- SPDX-License-Identifier: AGPL-3.0-or-later
-- bench/proposals/load.sql — bulk data for the proposal benchmarks, written
-- straight into the API's tables with multi-row INSERT … SELECT (one
-- transaction, ~10 s here instead of ~2 minutes through the API).
--
-- Run by bench/proposals/load after it created, THROUGH THE API, the
-- accounts, the assemblies (each with its audit log) and the memberships
-- (member.joined entries). psql variables:
--   :aids      '{1,2,…}'  the assemblies that receive proposals
--   :accts     '{…}'      the member accounts (authors, endorsers)
--   :per_asm   proposals per assembly (1000 → 10 assemblies = 10,000)
--
-- WHAT THIS BYPASSES (README "Loader"): no audit entries are written for
-- the rows below — no proposal.created, endorsement.added or
-- comment.created. Each assembly's log stays a valid, gapless Merkle log
-- (every checkpoint and proof verifies) but it does not record these rows,
-- so an auditor would find proposals, endorsements and comments the log
-- never announced. No translation jobs are queued. text_sha256 of a
-- version is SHA-256 over title, a blank line and body as UTF-8 (nothing
-- checks it against the log: there is no entry). Counters
-- (endorsement_count/countries, comment_count) are set exactly as the
-- handlers would.
--
-- Shape: proposals alternate en, fr, es; every tenth proposal is
-- "discussed": 55 comments in a three-level thread (11 roots, 2 replies
-- each, 1 reply to each reply), the others 5 (2 roots, 2 replies to the
-- first, 1 reply to the first reply): 1,000 × 55 + 9,000 × 5 = 100,000.
-- Proposal number i has i mod 41 endorsements.
\set ON_ERROR_STOP on
BEGIN;

CREATE TEMP TABLE w (lang text PRIMARY KEY, words text[]);
INSERT INTO w VALUES
 ('en', ARRAY['vote','votes','voting','voted','assembly','citizens','climate','transport',
   'housing','energy','budget','school','schools','public','rights','water','city','cities',
   'proposal','propose','fair','tax','taxes','health','care','worker','workers','rail','border',
   'language','languages','open','decide','decision','people','europe','africa','future',
   'local','national','market','price','prices','rent','green','forest','ocean','data','privacy']),
 ('fr', ARRAY['vote','votes','votation','votations','assemblée','citoyens','climat',
   'transport','logement','énergie','budget','école','écoles','public','droits','eau','ville',
   'villes','proposition','proposer','juste','impôt','impôts','santé','soins','travailleur',
   'travailleurs','rail','frontière','langue','langues','ouvert','décider','décision','peuple',
   'europe','afrique','avenir','local','national','marché','prix','loyer','vert','forêt',
   'océan','données','vie','privée']),
 ('es', ARRAY['voto','votos','votación','votaciones','asamblea','ciudadanos','clima',
   'transporte','vivienda','energía','presupuesto','escuela','escuelas','público','derechos',
   'agua','ciudad','ciudades','propuesta','proponer','justo','impuesto','impuestos','salud',
   'cuidado','trabajador','trabajadores','tren','frontera','lengua','lenguas','abierto',
   'decidir','decisión','pueblo','europa','áfrica','futuro','local','nacional','mercado',
   'precio','precios','alquiler','verde','bosque','océano','datos','privacidad']);

-- n words of text in lang, chosen by a hash of (seed, position), so the
-- load is deterministic. A text is about one topic (seed mod 10: five
-- words of its language's list); `topical` in 100 of its words come from
-- the topic, the others from a synthetic vocabulary of 40,000 words
-- ("zq" + hex), so a search term matches about a tenth of the texts, not
-- all of them (a 50-word vocabulary would make every query hit everything).
CREATE FUNCTION pg_temp.txt(lang text, seed bigint, n int, topical int) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT string_agg(CASE WHEN (h >> 8) % 100 < topical
                         THEN w.words[1 + ((seed % 10) * 5 + h % 5) % array_length(w.words, 1)]
                         ELSE 'zq' || to_hex((h >> 12) % 40000) END, ' ' ORDER BY j)
  FROM w, generate_series(1, n) j,
       LATERAL (SELECT hashint8(seed * 4096 + j) & 2147483647 AS h) x
  WHERE w.lang = $1 $$;

CREATE TEMP TABLE acc AS
  SELECT a.id, a.country, (row_number() OVER (ORDER BY a.id) - 1)::int AS k
  FROM accounts a WHERE a.id = ANY (:'accts'::bigint[]);
SELECT count(*) AS nacc FROM acc \gset

INSERT INTO proposals (assembly_id, author_id, status, original_language)
SELECT aid, (SELECT id FROM acc WHERE k = (i % :nacc)), 'deliberation',
       (ARRAY['en','fr','es'])[1 + i % 3]
FROM unnest(:'aids'::bigint[]) aid, generate_series(0, :per_asm - 1) i
ORDER BY aid, i;

CREATE TEMP TABLE bp AS
  SELECT p.id, p.assembly_id, p.author_id, p.original_language AS lang,
         (row_number() OVER (PARTITION BY p.assembly_id ORDER BY p.id) - 1)::int AS i
  FROM proposals p WHERE p.assembly_id = ANY (:'aids'::bigint[]);
ALTER TABLE bp ADD COLUMN heavy boolean;
UPDATE bp SET heavy = (i % 10 = 0);
CREATE INDEX ON bp (id);

INSERT INTO proposal_versions (proposal_id, version, assembly_id, title, body, language,
                               author_id, text_sha256)
SELECT id, 1, assembly_id, t, b, lang, author_id,
       sha256(convert_to(t || E'\n\n' || b, 'UTF8'))
FROM (SELECT bp.*, pg_temp.txt(lang, id, 8, 60) AS t, pg_temp.txt(lang, id, 120, 10) AS b
      FROM bp) x;

INSERT INTO endorsements (proposal_id, account_id, assembly_id, country, version)
SELECT bp.id, acc.id, bp.assembly_id, acc.country, 1
FROM bp JOIN acc ON acc.k < bp.i % 41;
INSERT INTO endorsement_countries (proposal_id, country, n)
SELECT proposal_id, country, count(*) FROM endorsements e JOIN bp ON bp.id = e.proposal_id
GROUP BY proposal_id, country;

-- Comments, level by level: the path is the parent's path followed by the
-- comment's own id (sql/007_comments.sql).
INSERT INTO comments (id, assembly_id, proposal_id, parent_id, path, author_id, language, body)
SELECT cid, assembly_id, id, NULL, int8send(cid), (SELECT id FROM acc WHERE k = cid % :nacc),
       (ARRAY['en','fr','es'])[1 + cid % 3], pg_temp.txt((ARRAY['en','fr','es'])[1 + cid % 3], cid, 30, 10)
FROM (SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS cid, bp.*
      FROM bp, generate_series(1, 11) g WHERE g <= CASE WHEN heavy THEN 11 ELSE 2 END) x;
CREATE TEMP TABLE lvl AS
  SELECT c.id, c.proposal_id, c.assembly_id, c.path, bp.heavy,
         row_number() OVER (PARTITION BY c.proposal_id ORDER BY c.id) AS r
  FROM comments c JOIN bp ON bp.id = c.proposal_id;
INSERT INTO comments (id, assembly_id, proposal_id, parent_id, path, author_id, language, body)
SELECT cid, assembly_id, proposal_id, pid, ppath || int8send(cid),
       (SELECT id FROM acc WHERE k = cid % :nacc), (ARRAY['en','fr','es'])[1 + cid % 3],
       pg_temp.txt((ARRAY['en','fr','es'])[1 + cid % 3], cid, 30, 10)
FROM (SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS cid, l.assembly_id,
             l.proposal_id, l.id AS pid, l.path AS ppath
      FROM lvl l, generate_series(1, 2) g WHERE l.heavy OR l.r = 1 ORDER BY l.id, g) x;
DROP TABLE lvl;
CREATE TEMP TABLE lvl AS
  SELECT c.id, c.proposal_id, c.assembly_id, c.path, bp.heavy,
         row_number() OVER (PARTITION BY c.proposal_id ORDER BY c.id) AS r
  FROM comments c JOIN bp ON bp.id = c.proposal_id WHERE length(c.path) = 16;
INSERT INTO comments (id, assembly_id, proposal_id, parent_id, path, author_id, language, body)
SELECT cid, assembly_id, proposal_id, pid, ppath || int8send(cid),
       (SELECT id FROM acc WHERE k = cid % :nacc), (ARRAY['en','fr','es'])[1 + cid % 3],
       pg_temp.txt((ARRAY['en','fr','es'])[1 + cid % 3], cid, 30, 10)
FROM (SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS cid, l.assembly_id,
             l.proposal_id, l.id AS pid, l.path AS ppath
      FROM lvl l WHERE l.heavy OR l.r = 1 ORDER BY l.id) x;

UPDATE proposals p SET endorsement_count = e.n, endorsement_countries = e.c
FROM (SELECT proposal_id, sum(n)::int AS n, count(*)::int AS c FROM endorsement_countries
      GROUP BY proposal_id) e WHERE e.proposal_id = p.id;
UPDATE proposals p SET comment_count = c.n
FROM (SELECT proposal_id, count(*)::int AS n FROM comments GROUP BY proposal_id) c
WHERE c.proposal_id = p.id AND p.assembly_id = ANY (:'aids'::bigint[]);
COMMIT;
ANALYZE;
SELECT (SELECT count(*) FROM proposals) AS proposals, (SELECT count(*) FROM comments) AS comments,
       (SELECT count(*) FROM endorsements) AS endorsements;
