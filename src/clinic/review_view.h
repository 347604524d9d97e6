/* review_view.h: one patient's whole case for a review (review_view.c). */
#ifndef STEPWISE_CLINIC_REVIEW_VIEW_H
#define STEPWISE_CLINIC_REVIEW_VIEW_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "casework.h"
#include "verify.h"

/* The case, outcome, scores (with each measure's bands and caseness) and
 * timeline of patient, from its checked records recs and the casework
 * rows; the messages and acknowledgements are read here. NULL with err. */
cJSON	*review_view_json(struct clinic_read *, const char *patient,
	    const struct vrecord *recs, size_t n, const struct casework *,
	    long long now, size_t *failed_messages, struct sw_error *);
/* The same as text, for a terminal (text from outside made harmless), to
 * f: standard output, or the console's page in memory. */
void	 review_view_print(FILE *f, const cJSON *);

#endif
