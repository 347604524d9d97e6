/* export.h: a profile's check-ins and exercise entries as a JSON document,
 * for the patient to keep or hand to their clinician. */
#ifndef STEPWISE_EXPORT_H
#define STEPWISE_EXPORT_H

#include "content.h"
#include "store.h"

/* The export as text; content (may be NULL) lets each check-in carry its
 * change since the previous one of the same measure. Caller wipe_free()s. */
char	*export_json(struct store *, const struct content *,
	    const char *profile, long long now, struct sw_error *);

/* The check-ins and risk answers as a FHIR R4 Bundle (fhir.h), subject
 * the profile by name; content is needed for the codes. A check-in of a
 * measure the content does not have is left out and counted in *left.
 * Caller wipe_free()s. */
char	*export_fhir(struct store *, const struct content *,
	    const char *profile, long long now, size_t *left,
	    struct sw_error *);

#endif
