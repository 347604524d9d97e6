/* fhir.h: check-ins as a FHIR R4 Bundle (type collection) with LOINC codes,
 * for a clinic's record system: one builder for stepwise-clinic results
 * and stepwise export (the shape is in stepwise-clinic(8), FHIR). Every
 * code comes from the measure's content file. */
#ifndef STEPWISE_FHIR_H
#define STEPWISE_FHIR_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "measure.h"

/* The tag a receiving system filters on: every resource of a response
 * with a risk answer carries it in meta.tag, and the bundle holds a Flag
 * for it. */
#define FHIR_TAG_SYSTEM	"urn:stepwise:fhir:tag"
#define FHIR_TAG_RISK	"risk-answer"

/* One questionnaire response: a finished check-in, or a risk answer sent on
 * its own the moment it was given (complete false: only its item is
 * answered). */
struct fhir_response {
	const char		*id;		/* the record's id (hex) */
	const struct measure	*m;
	const int		*answers;	/* m->n_items, MEASURE_UNANSWERED
						 * for none */
	int			 functional;	/* MEASURE_UNANSWERED: none */
	long long		 authored;
	bool			 complete;
	const char		*risk_signal;	/* a check-in: the risk answer's
						 * own record it names, or NULL */
};

/* The subject: the clinic's patient reference (a Patient by identifier),
 * or, with ref NULL, a Reference by display only (display: the profile). */
struct fhir_subject {
	const char	*ref;
	const char	*display;
};

/* A Bundle of every response in v, each with its subject in subj[i]
 * (QuestionnaireResponse; for a finished one an Observation of the total
 * with its band; a Flag for a risk answer). A risk answer on its own that
 * a finished check-in in v names is left out: the check-in carries it.
 * NULL (and *bad the index) when an answer is not one of its measure's. */
cJSON	*fhir_bundle(const struct fhir_response *v,
	    const struct fhir_subject *subj, size_t n, long long now,
	    size_t *bad);

#endif
