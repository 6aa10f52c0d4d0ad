/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally_schulze_int.h — internals shared by tally_schulze.c,
 * tally_dm.c and the tests: the §7 ballot reading and the Schulze rule check.
 */
#ifndef PNYX_CORE_TALLY_TALLY_SCHULZE_INT_H
#define PNYX_CORE_TALLY_TALLY_SCHULZE_INT_H

#include "tally_int.h"

/*
 * §7 rules: tiebreak only order/random, every count-shaping rule at its
 * default, seats >= 1. Returns TALLY_OK or TALLY_EINVAL (err filled).
 * Borrows e.
 */
int tally_schulze_check_rules(const struct tally_election *e, struct tally_error *err);

/*
 * §7 reading of one entry: pos[o] = index of the rank where option o first
 * appears (excluded ids and [] ranks dropped, skipped ranks ignored), or
 * UINT32_MAX if unranked. pos has e->n_options slots. Returns how many
 * options are ranked. Borrows e, excluded (per option, 1 = excluded), en.
 */
size_t tally_schulze_read(const struct tally_election *e, const uint8_t *excluded,
                          const struct tally_entry *en, uint32_t *pos);

#endif /* PNYX_CORE_TALLY_TALLY_SCHULZE_INT_H */
