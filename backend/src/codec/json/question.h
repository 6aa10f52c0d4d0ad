/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/json/question.h — the Question resource as JSON (issue 11; shape in
 * api-spec/openapi.yaml and /work/shared contract): from struct
 * question_record (core/question/question.h).
 */
#ifndef PNYX_CODEC_JSON_QUESTION_H
#define PNYX_CODEC_JSON_QUESTION_H

#include <stdbool.h>

#include <jansson.h>

#include "core/question/question.h"

/* Question {id, assembly_id, author_id, state, version, title, language,
 * method, seats, secrecy, options, max_rankings, quorum, country_cap,
 * double_majority, adopts_proposals, rules_id, opens_at, closes_at,
 * created_at, updated_at, opened_at, roll_size, roll_root, texts_hash,
 * closed_at, close_reason, ballots, board_root} plus description and
 * translations when full, plus me {on_roll, voted} when q->show_me.
 * NULL when the options or translations text is not JSON. */
json_t *codec_question_json(const struct question_record *q, bool full);

#endif /* PNYX_CODEC_JSON_QUESTION_H */
