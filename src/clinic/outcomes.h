/* outcomes.h: a patient's outcome from checked records. */
#ifndef STEPWISE_CLINIC_OUTCOMES_H
#define STEPWISE_CLINIC_OUTCOMES_H

#include "outcome.h"
#include "verify.h"

/* The outcome of patient's checked check-ins in v (all of them, or those
 * made no later than upto when it is not NULL), first paired assessment to
 * latest. */
void		 vrecords_outcome(const struct content *,
		    const struct vrecord *v, size_t n, const char *patient,
		    const struct vrecord *upto, struct outcome *out);
/* The category in a clinician's words (NHS Talking Therapies' terms). */
const char	*outcome_clinic_words(enum outcome_category);

#endif
