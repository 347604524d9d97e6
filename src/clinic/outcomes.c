/* outcomes.c: a patient's NHS Talking Therapies outcome from the records
 * the clinic has checked (core's outcome_compute, on the clinic's own
 * scoring of each check-in), for results and patients alike. */
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "outcomes.h"
#include "util.h"

/* Checked and scored check-ins only (a risk signal has no total). */
static bool
scored(const struct vrecord *r)
{
	return r->reason == NULL && r->measure != NULL && r->band != NULL;
}

static void
score_put(struct outcome_score *sc, size_t *k, const struct vrecord *r,
    const struct vrecord *upto)
{
	/* Made no later than upto. */
	if (upto != NULL && r->created_at > upto->created_at)
		return;
	sc[*k].measure = r->measure->id;
	sc[*k].total = r->total;
	sc[*k].at = r->created_at;
	(*k)++;
}

void
vrecords_outcome(const struct content *ct, const struct vrecord *v,
    size_t n, const char *patient, const struct vrecord *upto,
    struct outcome *out)
{
	struct outcome_score	*sc = xcalloc(n ? n : 1, sizeof *sc);
	size_t			 k = 0;

	for (size_t i = 0; i < n; i++)
		if (scored(&v[i]) && strcmp(v[i].patient, patient) == 0)
			score_put(sc, &k, &v[i], upto);
	outcome_for_content(ct, sc, k, out);
	free(sc);
}

/* By patient, then by place in v (the order vrecords_outcome takes them
 * in). */
static int
by_patient_then_place(const void *a, const void *b)
{
	const struct vrecord	*x = *(const struct vrecord *const *)a;
	const struct vrecord	*y = *(const struct vrecord *const *)b;
	int			 c = strcmp(x->patient, y->patient);

	return c != 0 ? c : (x > y) - (x < y);
}

void
outcome_index_make(const struct vrecord *v, size_t n,
    struct outcome_index *ix)
{
	ix->v = xcalloc(n ? n : 1, sizeof *ix->v);
	ix->n = 0;
	for (size_t i = 0; i < n; i++)
		if (scored(&v[i]))
			ix->v[ix->n++] = &v[i];
	qsort(ix->v, ix->n, sizeof *ix->v, by_patient_then_place);
}

void
outcome_index_outcome(const struct content *ct,
    const struct outcome_index *ix, const char *patient,
    const struct vrecord *upto, struct outcome *out)
{
	size_t			 lo = 0, hi = ix->n, k = 0, end;
	struct outcome_score	*sc;

	/* The first of the patient's, by halving. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ix->v[mid]->patient, patient) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < ix->n && strcmp(ix->v[end]->patient, patient) ==
	    0; end++)
		;
	sc = xcalloc(end > lo ? end - lo : 1, sizeof *sc);
	for (size_t i = lo; i < end; i++)
		score_put(sc, &k, ix->v[i], upto);
	outcome_for_content(ct, sc, k, out);
	free(sc);
}

void
outcome_index_free(struct outcome_index *ix)
{
	free(ix->v);
	memset(ix, 0, sizeof *ix);
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
