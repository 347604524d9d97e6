/* crisis.c: what a patient is told around a risk answer, in the same words
 * in both front ends: who will see the answer and when (the truth, from the
 * sync state), and the crisis contacts in one line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisis.h"
#include "i18n.h"
#include "util.h"

char *
crisis_audience(struct outbox *ob, const char *clinic, const char *risk_id)
{
	struct sync_status	 st;
	struct sw_error		 err = { 0 };
	char			 when[96];
	int			 waiting;

	if (ob == NULL || !outbox_enrolled(ob))
		return xstrdup(_("Stepwise is not connected to a clinic, so "
		    "nobody else will see this answer. The numbers here are "
		    "the way to get help."));
	if (clinic == NULL || *clinic == '\0')
		clinic = _("Your clinic");
	waiting = risk_id != NULL && *risk_id != '\0' ?
	    outbox_waiting(ob, risk_id) : 1;
	if (waiting == 0)
		return xasprintf(_("This answer has been sent to %s. They may "
		    "not read it straight away, so do not wait for them: if "
		    "you might act on these thoughts, call one of these "
		    "numbers now."), clinic);
	if (outbox_status(ob, &st, &err) != 0 || st.last_success == 0)
		return xasprintf(_("%s will see this answer when this device "
		    "next reaches them; it has not reached them yet. Do not "
		    "wait for them: if you might act on these thoughts, call "
		    "one of these numbers now."), clinic);
	format_day_time(st.last_success, when, sizeof when);
	return xasprintf(_("%s will see this answer when this device next "
	    "reaches them; it last reached them on %s. Do not wait for them: "
	    "if you might act on these thoughts, call one of these numbers "
	    "now."), clinic, when);
}
