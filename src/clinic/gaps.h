/* gaps.h: records a device numbered that the clinic does not hold. */
#ifndef STEPWISE_CLINIC_GAPS_H
#define STEPWISE_CLINIC_GAPS_H

#include <cjson/cJSON.h>

#include "verify.h"

struct gap {
	char		 device[PROTO_ID_LEN + 1];
	const char	*patient;	/* points into the records */
	long long	 highest;	/* the highest number held */
	long long	*missing;	/* the numbers below it not held */
	size_t		 n_missing;
};

/* The devices of checked records v with numbers missing; caller frees
 * with gaps_free. Returns how many. */
size_t	 gaps_find(const struct vrecord *v, size_t n, struct gap **);
void	 gaps_free(struct gap *, size_t);
/* One line each on standard error. */
void	 gaps_report(const struct gap *, size_t);
cJSON	*gaps_json(const struct gap *, size_t);

#endif
