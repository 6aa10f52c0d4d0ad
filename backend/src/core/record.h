/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/record.h — the API's resources as plain records: what codec/json
 * encodes, below both codec/ and db/ so neither needs the other. Strings
 * are borrowed (arena or static), times are RFC 3339 UTC text. No
 * functions: layout only.
 *
 * db/ still fills its own row structs; api/api_records.c maps a row to its
 * record in one place per resource (the rows can become these records once
 * the db headers adopt them).
 */
#ifndef PNYX_CORE_RECORD_H
#define PNYX_CORE_RECORD_H

#include <stdbool.h>
#include <stdint.h>

struct account_record {
    int64_t id;
    const char *email;
    const char *display_name;
    const char *country;
    const char *languages_json; /* JSON array text of BCP 47 tags */
    const char *created_at;
};

struct assembly_record {
    int64_t id;
    const char *title;
    const char *description;
    const char *visibility;
    const char *join_policy;
    const char *default_language;
    int64_t created_by;
    const char *created_at;
    const char *updated_at;
    const char *my_role;   /* the viewer's, NULL when not a member */
    const char *my_status; /* likewise */
};

struct count_record {
    const char *key;
    int64_t count;
};

struct composition_record {
    const struct count_record *by_country;
    int n_country;
    const struct count_record *by_role;
    int n_role;
    int64_t active_members;
};

struct membership_record {
    int64_t assembly_id;
    int64_t account_id;
    const char *role;
    const char *status;
    const char *joined_at; /* NULL: JSON null */
};

struct member_record {
    int64_t account_id;
    const char *display_name; /* NULL: JSON null */
    const char *country;      /* NULL: JSON null */
    const char *role;
    const char *status;
    const char *joined_at;
    const char *updated_at;
};

struct invitation_record {
    int64_t id;
    int64_t assembly_id;
    const char *code; /* only when just created: shown once */
    const char *role;
    int64_t max_uses;
    int64_t uses;
    const char *expires_at;
    const char *created_at;
    const char *accept_path; /* with code */
    /* Listed and previewed invitations (never with the code): */
    int64_t created_by;
    const char *creator_name;   /* display name of created_by */
    const char *assembly_title; /* preview */
    const char *status;         /* "valid" | "expired" | "used_up" | "revoked" */
    int64_t uses_left;          /* preview: 0 unless valid */
};

/* --- proposals (issue 10) ---------------------------------------------------- */

/* A translation of a proposal's version. */
struct translation_record {
    int64_t of_version;
    const char *language;
    const char *title;
    const char *body;   /* NULL: not shown (summaries) */
    const char *source; /* "human" | "machine" */
    const char *pivot;  /* NULL: JSON null */
    const char *translator;
    int64_t translated_by; /* 0: JSON null */
    const char *created_at;
    int64_t reviewed_by; /* 0: not reviewed */
    const char *reviewed_at;
    bool current;
    bool outdated; /* of an older version than the text it stands for */
};

/* Endorsement progress against the assembly's advancement rule. */
struct progress_record {
    int64_t count, countries;
    bool rule; /* false: no rule (then eligible, missing 0) */
    int64_t min_endorsements, min_countries;
    bool eligible;
    int64_t missing_endorsements, missing_countries;
    bool mine;
};

struct proposal_record {
    int64_t id;
    int64_t assembly_id;
    int64_t amends; /* 0: JSON null */
    const char *status;
    int64_t author_id;
    const char *author_name;
    const char *author_country;
    int64_t version;
    const char *title;
    const char *body; /* NULL: a summary (no body member) */
    const char *language;
    const char *original_language;
    const struct translation_record *translation; /* NULL: the original */
    const char *languages_json;                   /* JSON array text; NULL: no member */
    struct progress_record endorsements;
    int64_t versions, comment_count, amendment_count;
    const char *const *allowed_transitions;
    int n_allowed;
    int64_t merged_into_version; /* an amendment merged into its parent; 0: JSON null */
    int64_t merged_by;
    const char *merged_at;
    const char *created_at, *updated_at;
    const char *rank_text; /* lists with a search: the rank (a number); NULL: none */
};

struct proposal_version_record {
    int64_t version;
    const char *title, *body, *language;
    int64_t author_id;
    const char *author_name, *author_country;
    int64_t merged_from; /* 0: JSON null */
    const char *text_sha256;
    const char *created_at;
};

/* --- machine translation (issue 10, mt) --- */
struct translation_job_record {
    int64_t id;
    int64_t assembly_id;
    const char *kind; /* "proposal" | "comment" */
    int64_t target_id;
    int64_t version;
    const char *source_language;
    const char *target_language;
    const char *status; /* queued | running | done | failed */
    int64_t attempts;
    const char *run_after;
    const char *last_error; /* NULL: JSON null */
    const char *translator; /* NULL: JSON null */
    const char *pivot;      /* NULL: JSON null */
    const char *outcome;    /* NULL: JSON null */
    const char *created_at;
    const char *updated_at;
};
struct translation_pair_record {
    const char *from, *to;
    const char *via; /* NULL or "": direct (JSON null) */
};

/* --- comments (issue 10) --- */

/* A translation as readers see it, labelled (CONTRACTS.md "translation"). */
struct comment_translation_record {
    int64_t id;
    const char *language;
    const char *body;    /* NULL: not shown (a label inside a comment) */
    const char *source;  /* human | machine */
    int64_t reviewed_by; /* 0 = not reviewed */
    const char *reviewed_at;
    int of_version;         /* the comment version it translates */
    int current_version;    /* the comment's version: outdated when of_version < it */
    const char *pivot;      /* NULL = direct */
    const char *translator; /* NULL for human ones */
    int64_t translated_by;  /* 0 = none */
    const char *created_at;
    int current; /* 1: the current one for its version and language */
};

/* One text a comment had (its edit history). */
struct comment_version_record {
    int version;
    const char *body;
    const char *created_at;
};

struct comment_record {
    int64_t id;
    int64_t proposal_id;
    int64_t parent_id; /* 0: null */
    int depth;
    int64_t author_id;
    const char *author_name;
    const char *author_country;
    const char *status;                                   /* visible | hidden | deleted */
    const char *body;                                     /* the text returned; NULL: not shown */
    const char *language;                                 /* of the text returned */
    const char *original_language;                        /* the comment's own */
    const struct comment_translation_record *translation; /* NULL: the original */
    const char *hidden_reason;                            /* NULL unless hidden */
    const char *hidden_at;
    int version;
    const char *created_at;
    const char *updated_at;
};

/* --- selections by lot (issue 14, sortdraw) --------------------------------- */

/* One round of a selection (0: the panel; 1..: replacements). JSON-valued
 * members are JSON text; NULL = JSON null. */
struct selection_round_record {
    int round;
    const char *status; /* draft | committed | published | drawn */
    int k;              /* 0: not set (null) */
    const char *method;
    int m;
    const char *quotas_json; /* [{category, feature, min, max, pool}] */
    int64_t eligible;        /* respondents taking part in this round */
    const char *rules_version;
    const char *commitment_root;
    const char *commit_until;
    const char *reveal_until;
    const char *committed_at;
    const char *lottery_sha256;
    const char *published_at;
    int64_t randomness_committed;
    int64_t randomness_revealed;
    const char *my_commitment; /* the viewer's, or NULL (JSON null) */
    int my_revealed;
    int64_t beacon_size; /* 0: null */
    const char *beacon_root;
    const char *seed;
    int index;              /* -1: null */
    const char *panel_json; /* pseudonyms, or NULL */
    const char *drawn_at;
    const char *const *allowed; /* the next steps allowed now (NULL-terminated) */
};

struct selection_record {
    int64_t id;
    int64_t assembly_id;
    const char *title;
    const char *categories_json;
    int household;
    int call_open;
    int64_t created_by;
    const char *created_at;
    const char *updated_at;
    int64_t pool_size;
    const struct selection_round_record *round;
};

/* An optimiser run (a background job). result_json is the stored result;
 * its lottery panels are left out of the encoding. */
struct selection_run_record {
    int64_t id;
    int64_t selection_id;
    int round;
    const char *status;
    const char *method;
    const char *inputs_sha256;
    int cancel_requested;
    const char *progress_json;
    const char *result_json;
    const char *error_json;
    const char *created_at;
    const char *started_at;
    const char *finished_at;
};

#endif /* PNYX_CORE_RECORD_H */
