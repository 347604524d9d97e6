/* passcheck.h: whether a new passphrase may protect a profile, and how
 * strong it is, in words both front ends show. */
#ifndef STEPWISE_PASSCHECK_H
#define STEPWISE_PASSCHECK_H

#include <stdbool.h>

#define PASSPHRASE_MIN_CHARS	8

enum pass_strength {
	PASS_WEAK,
	PASS_FAIR,
	PASS_STRONG,
};

struct pass_verdict {
	bool			ok;
	enum pass_strength	strength;	/* when ok */
	const char		*words;		/* why refused, or the
						 * strength hint; translated */
};

/* The only rules: at least PASSPHRASE_MIN_CHARS characters, and not a
 * common password or a dictionary word with a few changes (cracklib's
 * dictionary, through libpwquality; none of libpwquality's other rules),
 * nor one with too many neighbouring characters one apart (cracklib's
 * rule before its dictionary), each refusal in its own words. When the
 * dictionary cannot be read the passphrase is not refused for it. The
 * strength is libpwquality's score in three steps. */
void	passphrase_check(const char *pass, struct pass_verdict *);

#endif
