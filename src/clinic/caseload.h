/* caseload.h: the caseload as stepwise-clinic patients gives it
 * (patients.c), for the console to show the same. */
#ifndef STEPWISE_CLINIC_CASELOAD_H
#define STEPWISE_CLINIC_CASELOAD_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "verify.h"

/* No contact for this long puts a patient on the caseload's third tier. */
#define CASELOAD_SILENT_DAYS	14

/* What was left out, for the one line that says so. */
struct caseload_notes {
	size_t	failed_devices;	/* failed their check: under nobody */
	size_t	quarantined;	/* records not counted */
	size_t	unowned;	/* open risks under no patient */
	size_t	forged;		/* enrollment tokens failing the check */
	size_t	bad_rows;	/* audit and casework rows failing it */
};

/* Every patient as `patients --format json` lists them (supporter's
 * only, unless NULL), open risk first, then reviews overdue, then no
 * contact for 14 days, plus "all_patients", the number before the filter;
 * each patient's "tier" says why they stand where they do ("risk",
 * "overdue", "silent" or null); the view is written to the casework table
 * as what. To json_wipe_delete;
 * NULL with err. */
cJSON	*caseload_json(struct clinic_read *, const char *what,
	    const char *supporter, long long now, struct caseload_notes *,
	    struct sw_error *);

#endif
