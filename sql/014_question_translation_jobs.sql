-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Machine translation of question texts (issue 11, "labels and description
-- may carry translations (human or machine, as proposals)").
--
-- translation_jobs gains the kind 'question': target_id is a question,
-- version the question's version whose texts (title, description, option
-- labels) the job translates. Jobs are queued by the transaction that
-- creates a draft question or changes its texts (api/api_questions.c),
-- and the worker (api/translation_queue.c) stores the result into
-- question_texts as source 'machine' — only while the question is a
-- draft and its texts are still the ones translated, never over a human
-- translation. Texts freeze at opening: a job finishing later is dropped.
--
-- question_texts gains what did a machine translation (engine name and
-- pivot language, NULL for human ones), as proposal_translations has.

ALTER TABLE translation_jobs DROP CONSTRAINT translation_jobs_kind_check;
ALTER TABLE translation_jobs ADD CONSTRAINT translation_jobs_kind_check
    CHECK (kind IN ('proposal', 'comment', 'question'));

ALTER TABLE question_texts
    ADD COLUMN translator text CHECK (length(translator) <= 200),
    ADD COLUMN pivot      text CHECK (length(pivot) <= 64);
