-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Machine-translation jobs (issue 10). One row per (target, version, target
-- language): queued in the transaction that writes a proposal version or a
-- comment (api/translation_queue.c), taken by worker threads with
-- FOR UPDATE SKIP LOCKED (db/db_translation.c). No foreign key to the
-- target: `kind` says which table `target_id` points into (proposals or
-- comments), and a job whose target is gone fails with a reason.
--
-- States: queued → running (taken; lease_until set) → done | queued (retry
-- after run_after, exponential backoff) | failed (after the last attempt).
-- A running job whose lease expired (its worker or pnyxd died) is taken
-- again by the next worker as if queued.

CREATE TABLE translation_jobs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assembly_id     bigint NOT NULL REFERENCES assemblies (id),
    kind            text NOT NULL CHECK (kind IN ('proposal', 'comment')),
    target_id       bigint NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    source_language text NOT NULL CHECK (length(source_language) BETWEEN 2 AND 64),
    target_language text NOT NULL CHECK (length(target_language) BETWEEN 2 AND 64),
    status          text NOT NULL DEFAULT 'queued'
                         CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    run_after       timestamptz NOT NULL DEFAULT now(),
    -- While running: until when the taking worker owns it, and a random
    -- token naming that take (a worker whose lease was taken over cannot
    -- store or fail the job any more).
    lease_until     timestamptz,
    lease_token     text,
    -- The translator's error of the last failed attempt (its stderr, cut).
    last_error      text CHECK (length(last_error) <= 2000),
    -- What did it: engine name and pivot language of the stored result, or
    -- why nothing was stored ('skipped: human translation', …).
    translator      text,
    pivot           text,
    outcome         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    CONSTRAINT translation_jobs_target_key
        UNIQUE (kind, target_id, version, target_language)
);
-- The take: the oldest due queued job, or a running one with an expired
-- lease. Both partial indexes stay small (done and failed rows leave them).
CREATE INDEX translation_jobs_due ON translation_jobs (run_after, id) WHERE status = 'queued';
CREATE INDEX translation_jobs_lease ON translation_jobs (lease_until) WHERE status = 'running';
-- GET /assemblies/{aid}/translation-jobs?status=: keyset by id.
CREATE INDEX translation_jobs_assembly ON translation_jobs (assembly_id, status, id);

-- The languages an assembly's active members read, by primary subtag
-- ("pt-BR" → "pt"), with how many active members read each: what
-- translation_enqueue queues jobs for, in one index lookup instead of a
-- scan of every member's account on every write. Kept exact by the
-- triggers below, inside the transaction that changes a membership or an
-- account's languages (an assembly's membership changes already serialise
-- on its audit log head, so these counter rows add no new contention).
CREATE TABLE assembly_languages (
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    language    text NOT NULL,
    readers     integer NOT NULL CHECK (readers >= 0),
    PRIMARY KEY (assembly_id, language)
);

CREATE FUNCTION pnyx_language_primaries(langs text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT coalesce(array_agg(DISTINCT lower(split_part(l, '-', 1))), '{}')
          FROM unnest(langs) AS l $$;

CREATE FUNCTION pnyx_assembly_languages_add(aid bigint, langs text[], delta integer)
    RETURNS void LANGUAGE sql
    AS $$ INSERT INTO assembly_languages AS al (assembly_id, language, readers)
          SELECT aid, p, greatest(delta, 0) FROM unnest(pnyx_language_primaries(langs)) AS p
          ON CONFLICT (assembly_id, language)
          DO UPDATE SET readers = greatest(al.readers + delta, 0) $$;

CREATE FUNCTION pnyx_memberships_languages() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was boolean := TG_OP <> 'INSERT' AND OLD.status = 'active';
    now_ boolean := TG_OP <> 'DELETE' AND NEW.status = 'active';
    langs text[];
BEGIN
    IF was = now_ THEN
        RETURN NULL;
    END IF;
    SELECT languages INTO langs FROM accounts
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.account_id ELSE NEW.account_id END;
    PERFORM pnyx_assembly_languages_add(
        CASE WHEN TG_OP = 'DELETE' THEN OLD.assembly_id ELSE NEW.assembly_id END,
        langs, CASE WHEN now_ THEN 1 ELSE -1 END);
    RETURN NULL;
END $$;

CREATE TRIGGER memberships_languages
    AFTER INSERT OR UPDATE OF status OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION pnyx_memberships_languages();

CREATE FUNCTION pnyx_accounts_languages() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    aid bigint;
BEGIN
    IF pnyx_language_primaries(OLD.languages) = pnyx_language_primaries(NEW.languages) THEN
        RETURN NULL;
    END IF;
    FOR aid IN SELECT assembly_id FROM memberships
                WHERE account_id = NEW.id AND status = 'active' LOOP
        PERFORM pnyx_assembly_languages_add(aid, OLD.languages, -1);
        PERFORM pnyx_assembly_languages_add(aid, NEW.languages, 1);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER accounts_languages
    AFTER UPDATE OF languages ON accounts
    FOR EACH ROW EXECUTE FUNCTION pnyx_accounts_languages();

-- The memberships that exist already.
INSERT INTO assembly_languages (assembly_id, language, readers)
SELECT m.assembly_id, p, count(*)
  FROM memberships m
  JOIN accounts a ON a.id = m.account_id
 CROSS JOIN unnest(pnyx_language_primaries(a.languages)) AS p
 WHERE m.status = 'active'
 GROUP BY m.assembly_id, p;
