/* outcomes.c: a patient's NHS Talking Therapies outcome from the records
 * the clinic has checked (core's outcome_compute, on the clinic's own
 * scoring of each check-in), for results and patients alike. */
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "outcomes.h"
#include "util.h"

void
vrecords_outcome(const struct content *ct, const struct vrecord *v,
    size_t n, const char *patient, const struct vrecord *upto,
    struct outcome *out)
{
	struct outcome_score	*sc = xcalloc(n ? n : 1, sizeof *sc);
	size_t			 k = 0;

	for (size_t i = 0; i < n; i++) {
		/* Checked and scored check-ins only (a risk signal has no
		 * total), of this patient, made no later than upto. */
		if (v[i].reason != NULL || v[i].measure == NULL ||
		    v[i].band == NULL || strcmp(v[i].patient, patient) != 0)
			continue;
		if (upto != NULL && v[i].created_at > upto->created_at)
			continue;
		sc[k].measure = v[i].measure->id;
		sc[k].total = v[i].total;
		sc[k].at = v[i].created_at;
		k++;
	}
	outcome_for_content(ct, sc, k, out);
	free(sc);
}

const char *
outcome_clinic_words(enum outcome_category c)
{
	switch (c) {
	case OUTCOME_RELIABLE_RECOVERY:
		return _("reliable recovery");
	case OUTCOME_RECOVERY:
		return _("recovery (not reliable improvement)");
	case OUTCOME_RELIABLE_IMPROVEMENT:
		return _("reliable improvement");
	case OUTCOME_NO_RELIABLE_CHANGE:
		return _("no reliable change");
	case OUTCOME_RELIABLE_DETERIORATION:
		return _("RELIABLE DETERIORATION: contact the patient");
	case OUTCOME_NONE:
		break;
	}
	return _("not enough paired PHQ-9 and GAD-7 check-ins yet");
}
