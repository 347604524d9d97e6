/* crisis.h: the words around a risk answer that both front ends show (the
 * numbers themselves are the safety file's: its summary line for a small
 * screen, its contacts in full). */
#ifndef STEPWISE_CRISIS_H
#define STEPWISE_CRISIS_H

#include "content.h"
#include "outbox.h"

/* Who will see a risk answer, and when, told truthfully: nobody when no
 * clinic is joined (ob NULL or not enrolled); else whether the risk record
 * risk_id (may be NULL) has reached the clinic (named clinic, may be NULL),
 * or when the device last reached it. Caller frees. */
char	*crisis_audience(struct outbox *ob, const char *clinic,
	    const char *risk_id);

#endif
