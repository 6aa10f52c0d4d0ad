-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Proposals, their versions, human and machine translations, endorsements
-- and the assembly's advancement rule (issue 10).
--
-- proposals              one row per proposal (an amendment is a proposal
--                        with `amends`); the current text is the row of
--                        proposal_versions with version = current_version.
--                        Counters kept by the changing transactions (they
--                        lock the proposal row first): endorsement_count,
--                        endorsement_countries (this file's handlers),
--                        amendment_count (creating an amendment),
--                        comment_count (the comments' handlers: +1 per
--                        comment created, never decremented by a tombstone).
-- proposal_versions      every text ever written, kept: version 1..N.
-- proposal_translations  human and machine translations of one version into
--                        one language; at most one `current` row per
--                        (proposal, version, language): a newer one sets the
--                        old row's current = false (history kept).
-- endorsements           one row per member and proposal (withdrawn =
--                        deleted; the audit log keeps the history), with the
--                        member's country at the time and the version seen.
-- endorsement_countries  endorsements per country of one proposal, so the
--                        number of countries is kept exactly under
--                        concurrent endorsements without recounting.
--
-- Full-text search: each text (a version, a translation) carries a
-- generated tsvector built with the text-search configuration of its
-- language (pnyx_ts_config: the primary subtag → english, french, spanish,
-- arabic, … where this PostgreSQL has one, else 'simple'), title weighted A
-- and body B, under a GIN index. A query is parsed with every configuration
-- (pnyx_ts_query ORs them), so one indexable tsquery matches each text by
-- the stems of its own language; results are ranked with ts_rank.

-- The assembly's advancement rule (the European Citizens' Initiative rule,
-- generalised): both NULL = no rule.
ALTER TABLE assemblies
    ADD COLUMN advancement_min_endorsements integer
        CHECK (advancement_min_endorsements BETWEEN 1 AND 10000000),
    ADD COLUMN advancement_min_countries integer
        CHECK (advancement_min_countries BETWEEN 0 AND 300),
    ADD CONSTRAINT assemblies_advancement_both CHECK
        ((advancement_min_endorsements IS NULL) = (advancement_min_countries IS NULL));

-- pnyx_ts_config(language tag) → regconfig. Generated here from the
-- configurations this server actually has (pg_ts_config), so the function
-- never names a missing one; IMMUTABLE because it depends on nothing but
-- its argument once created (generated columns need that).
DO $gen$
DECLARE
    pairs text[][] := ARRAY[
        ['ar', 'arabic'], ['hy', 'armenian'], ['eu', 'basque'], ['ca', 'catalan'],
        ['da', 'danish'], ['nl', 'dutch'], ['en', 'english'], ['fi', 'finnish'],
        ['fr', 'french'], ['de', 'german'], ['el', 'greek'], ['hi', 'hindi'],
        ['hu', 'hungarian'], ['id', 'indonesian'], ['ga', 'irish'], ['it', 'italian'],
        ['lt', 'lithuanian'], ['ne', 'nepali'], ['no', 'norwegian'], ['nb', 'norwegian'],
        ['nn', 'norwegian'], ['pt', 'portuguese'], ['ro', 'romanian'], ['ru', 'russian'],
        ['sr', 'serbian'], ['es', 'spanish'], ['sv', 'swedish'], ['ta', 'tamil'],
        ['tr', 'turkish'], ['yi', 'yiddish']];
    body text := '';
    cfgs text := '';
    i int;
BEGIN
    FOR i IN 1 .. array_length(pairs, 1) LOOP
        IF EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = pairs[i][2]) THEN
            body := body || format(' WHEN %L THEN %L::regconfig', pairs[i][1], pairs[i][2]);
            IF position(format('%L', pairs[i][2]) IN cfgs) = 0 THEN
                cfgs := cfgs || format(' || websearch_to_tsquery(%L::regconfig, q)', pairs[i][2]);
            END IF;
        END IF;
    END LOOP;
    EXECUTE format($f$
        CREATE FUNCTION pnyx_ts_config(lang text) RETURNS regconfig
        LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
        CASE lower(split_part(lang, '-', 1)) %s ELSE 'simple'::regconfig END$f$, body);
    EXECUTE format($f$
        CREATE FUNCTION pnyx_ts_query(q text) RETURNS tsquery
        LANGUAGE sql STABLE PARALLEL SAFE RETURN
        websearch_to_tsquery('simple'::regconfig, q) %s$f$, cfgs);
END
$gen$;

CREATE TABLE proposals (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assembly_id           bigint NOT NULL REFERENCES assemblies (id),
    author_id             bigint NOT NULL REFERENCES accounts (id),
    amends                bigint REFERENCES proposals (id),
    status                text NOT NULL DEFAULT 'draft' CHECK (status IN
                          ('draft', 'deliberation', 'ballot', 'adopted', 'rejected', 'withdrawn')),
    original_language     text NOT NULL CHECK (length(original_language) BETWEEN 2 AND 64),
    current_version       integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
    endorsement_count     integer NOT NULL DEFAULT 0 CHECK (endorsement_count >= 0),
    endorsement_countries integer NOT NULL DEFAULT 0 CHECK (endorsement_countries >= 0),
    comment_count         integer NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
    amendment_count       integer NOT NULL DEFAULT 0 CHECK (amendment_count >= 0),
    -- An amendment merged into its parent: the parent version it produced.
    merged_into_version   integer,
    merged_by             bigint REFERENCES accounts (id),
    merged_at             timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK (amends IS DISTINCT FROM id)
);
-- The list's three sorts, each a keyset over (sort key, id) descending.
CREATE INDEX proposals_newest ON proposals (assembly_id, id DESC) WHERE amends IS NULL;
CREATE INDEX proposals_endorsed ON proposals (assembly_id, endorsement_count DESC, id DESC)
    WHERE amends IS NULL;
CREATE INDEX proposals_discussed ON proposals (assembly_id, comment_count DESC, id DESC)
    WHERE amends IS NULL;
-- Amendments listed under their parent.
CREATE INDEX proposals_amends ON proposals (amends, id DESC) WHERE amends IS NOT NULL;

CREATE TABLE proposal_versions (
    proposal_id bigint NOT NULL REFERENCES proposals (id),
    version     integer NOT NULL CHECK (version >= 1),
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    body        text NOT NULL CHECK (char_length(body) <= 20000),
    language    text NOT NULL CHECK (length(language) BETWEEN 2 AND 64),
    author_id   bigint NOT NULL REFERENCES accounts (id),
    -- SHA-256 of the canonical text (README "Proposals"): what the audit
    -- entry carries instead of the text.
    text_sha256 bytea NOT NULL CHECK (length(text_sha256) = 32),
    -- The amendment whose merge produced this version.
    merged_from bigint REFERENCES proposals (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    search      tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector(pnyx_ts_config(language), title), 'A') ||
                    setweight(to_tsvector(pnyx_ts_config(language), body), 'B')) STORED,
    PRIMARY KEY (proposal_id, version)
);
CREATE INDEX proposal_versions_search ON proposal_versions USING gin (search);

CREATE TABLE proposal_translations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Filled from the proposal when an insert leaves it out (the trigger
    -- below), so writers need not look it up.
    assembly_id   bigint NOT NULL REFERENCES assemblies (id),
    proposal_id   bigint NOT NULL,
    version       integer NOT NULL,
    language      text NOT NULL CHECK (length(language) BETWEEN 2 AND 64),
    title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 400),
    body          text NOT NULL CHECK (char_length(body) <= 40000),
    source        text NOT NULL CHECK (source IN ('human', 'machine')),
    pivot         text,              -- the language a machine translation went through
    translator    text,              -- engine name for machine ones ("apertium")
    translated_by bigint REFERENCES accounts (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    reviewed_by   bigint REFERENCES accounts (id),
    reviewed_at   timestamptz,
    current       boolean NOT NULL DEFAULT true,
    search        tsvector GENERATED ALWAYS AS (
                      setweight(to_tsvector(pnyx_ts_config(language), title), 'A') ||
                      setweight(to_tsvector(pnyx_ts_config(language), body), 'B')) STORED,
    FOREIGN KEY (proposal_id, version) REFERENCES proposal_versions (proposal_id, version),
    CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL))
);
CREATE UNIQUE INDEX proposal_translations_current
    ON proposal_translations (proposal_id, version, language) WHERE current;
CREATE INDEX proposal_translations_history
    ON proposal_translations (proposal_id, language, version, id);
CREATE INDEX proposal_translations_search ON proposal_translations USING gin (search)
    WHERE current;

CREATE FUNCTION proposal_translations_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.assembly_id IS NULL THEN
        SELECT p.assembly_id INTO NEW.assembly_id FROM proposals p WHERE p.id = NEW.proposal_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER proposal_translations_fill BEFORE INSERT ON proposal_translations
    FOR EACH ROW EXECUTE FUNCTION proposal_translations_fill();

CREATE TABLE endorsements (
    proposal_id bigint NOT NULL REFERENCES proposals (id),
    account_id  bigint NOT NULL REFERENCES accounts (id),
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    country     char(2) NOT NULL,
    version     integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, account_id)
);

CREATE TABLE endorsement_countries (
    proposal_id bigint NOT NULL REFERENCES proposals (id),
    country     char(2) NOT NULL,
    n           integer NOT NULL CHECK (n >= 1),
    PRIMARY KEY (proposal_id, country)
);
