-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Performance of the proposal page and of comment writes (issue 10's
-- missed targets, perf10). Two changes, neither visible through the API.
--
-- 1. The search vector leaves the proposals row. proposals.search had a GIN
--    index, and comment_count (written by every comment) and
--    endorsement_count (every endorsement) are indexed for the list's
--    sorts, so no counter update could be HOT: each one inserted the whole
--    tsvector (~110 lexemes) into the GIN index again — measured ~300 µs
--    of the ~340 µs a `comment_count + 1` cost, on the group leader's
--    connection, serially for every comment into one assembly. The vector
--    now lives in proposal_search (one row per proposal, written by the
--    same trigger on proposal_versions), so a counter update touches the
--    btree indexes only. The search statement (db_proposal.c) joins it.
--
-- 2. The revision of a proposal's comment thread as the proposal page
--    shows it, so pnyxd can keep encoded comment pages in memory and know,
--    from the proposal statement it runs anyway, whether a kept page is
--    still what the comments statement would return (api_comments.c
--    "page cache"). A page is a function of (comment_count, comments_rev,
--    comment_page_epoch.n, the reader's languages, the page size):
--    - a new comment raises comment_count (every insert does, the loader's
--      too: it is the counter the list sorts by);
--    - any UPDATE of a comment (edit, hide, delete) and any change to a
--      comment translation (human, machine by the worker, review) raises
--      comments_rev through the triggers below, in the same transaction;
--    - a change of an account's display_name or country (shown as a
--      comment's author) raises the single epoch row, which invalidates
--      every kept page (renames are rare).
--    Pages whose text depends on the reader (a hidden comment: its author
--    and the managers see the text) are never kept.

CREATE TABLE proposal_search (
    proposal_id bigint PRIMARY KEY REFERENCES proposals (id),
    assembly_id bigint NOT NULL REFERENCES assemblies (id),
    search      tsvector NOT NULL
);
CREATE INDEX proposal_search_search ON proposal_search USING gin (search);

INSERT INTO proposal_search (proposal_id, assembly_id, search)
SELECT id, assembly_id, search FROM proposals;

DROP INDEX proposals_search;
ALTER TABLE proposals DROP COLUMN search;

CREATE OR REPLACE FUNCTION proposal_versions_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO proposal_search AS s (proposal_id, assembly_id, search)
    SELECT p.id, p.assembly_id,
           setweight(to_tsvector(pnyx_ts_config(NEW.language), NEW.title), 'A') ||
           setweight(to_tsvector(pnyx_ts_config(NEW.language), NEW.body), 'B')
    FROM proposals p WHERE p.id = NEW.proposal_id AND p.current_version = NEW.version
    ON CONFLICT (proposal_id) DO UPDATE SET search = EXCLUDED.search;
    RETURN NULL;
END
$$;

ALTER TABLE proposals ADD COLUMN comments_rev bigint NOT NULL DEFAULT 0;

CREATE TABLE comment_page_epoch (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    n         bigint NOT NULL DEFAULT 0
);
INSERT INTO comment_page_epoch DEFAULT VALUES;

CREATE FUNCTION comments_rev_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE proposals SET comments_rev = comments_rev + 1 WHERE id = NEW.proposal_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER comments_rev_bump AFTER UPDATE ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_rev_bump();

CREATE FUNCTION comment_translations_rev_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cid bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        cid := OLD.comment_id;
    ELSE
        cid := NEW.comment_id;
    END IF;
    UPDATE proposals SET comments_rev = comments_rev + 1
    WHERE id = (SELECT c.proposal_id FROM comments c WHERE c.id = cid);
    RETURN NULL;
END
$$;
CREATE TRIGGER comment_translations_rev_bump AFTER INSERT OR UPDATE OR DELETE
    ON comment_translations FOR EACH ROW EXECUTE FUNCTION comment_translations_rev_bump();

CREATE FUNCTION comment_page_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE comment_page_epoch SET n = n + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_comment_page_epoch AFTER UPDATE OF display_name, country ON accounts
    FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name
                       OR OLD.country IS DISTINCT FROM NEW.country)
    EXECUTE FUNCTION comment_page_epoch_bump();

-- Statistics for the planner at once (the search statement's join).
ANALYZE proposal_search;
