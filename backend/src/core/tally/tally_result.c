/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally_result.c — releasing a struct tally_result. Every array
 * in a result is malloc'd (by whichever stage filled it) and freed here, so a
 * failed or partial result is always safe to fini.
 */
#include <stdlib.h>
#include <string.h>

#include "tally_int.h"

void tally_result_fini(struct tally_result *r)
{
    if (r == NULL) {
        return;
    }
    free(r->winners);
    for (size_t i = 0; i < r->n_rounds; i++) {
        struct tally_round *x = &r->rounds[i];
        free(x->tally);
        free(x->present);
        free(x->elected);
        free(x->eliminated);
        free(x->transfers);
    }
    free(r->rounds);
    free(r->schulze.ranking);
    free(r->schulze.pairwise);
    free(r->schulze.strongest);
    free(r->country_cap.countries);
    free(r->country_cap.factors);
    free(r->double_majority.countries);
    free(r->double_majority.winner_value);
    free(r->double_majority.runner_up_value);
    for (size_t i = 0; i < r->n_by_country; i++) {
        struct tally_country_stat *c = &r->by_country[i];
        free(c->first);
        free(c->first_present);
        free(c->final);
        free(c->final_present);
    }
    free(r->by_country);
    memset(r, 0, sizeof(*r));
}
