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
/* The same for many patients and many times without a pass over every
 * record for each: the scored check-ins of v, grouped by patient once,
 * in their order in v. v must outlive it. */
struct outcome_index {
	const struct vrecord	**v;
	size_t			  n;
};
void		 outcome_index_make(const struct vrecord *v, size_t n,
		    struct outcome_index *);
void		 outcome_index_outcome(const struct content *,
		    const struct outcome_index *, const char *patient,
		    const struct vrecord *upto, struct outcome *out);
void		 outcome_index_free(struct outcome_index *);
/* The category in a clinician's words (NHS Talking Therapies' terms). */
const char	*outcome_clinic_words(enum outcome_category);

#endif
