/* outcome.c: NHS Talking Therapies outcomes, as NHS England defines them
 * (NHS Talking Therapies for anxiety and depression Manual, NHS England,
 * version 7, 2024, "Outcome measures and recovery"; and the NHS Talking
 * Therapies data set's recovery, reliable improvement and reliable
 * deterioration measures). They are judged on the PAIR of measures, the
 * PHQ-9 and the GAD-7, taken at one assessment, from the first paired
 * assessment to the latest, never week to week and never on one measure
 * alone. The thresholds (caseness: PHQ-9 10, GAD-7 8; reliable change:
 * PHQ-9 6, GAD-7 4) come from the measures' content files. */
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "i18n.h"
#include "outcome.h"
#include "util.h"

struct pair {
	int		 phq, gad;
	long long	 at;
};

static int
by_time(const void *a, const void *b)
{
	const struct outcome_score *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* The paired assessments in time order: each PHQ-9 with the GAD-7 done
 * next to it, within OUTCOME_PAIR_WINDOW, each score in one pair at most. A
 * score with no partner (a measure skipped that week) pairs with nothing. */
static size_t
pairs_of(const struct outcome_score *scores, size_t n, struct pair *out)
{
	struct outcome_score	*v = xcalloc(n ? n : 1, sizeof *v);
	const struct outcome_score *pending[2] = { NULL, NULL };
	size_t			 np = 0;

	if (n > 0) {	/* scores may be NULL when there are none */
		memcpy(v, scores, n * sizeof *v);
		qsort(v, n, sizeof *v, by_time);
	}
	for (size_t i = 0; i < n; i++) {
		int	 k, other;

		if (strcmp(v[i].measure, "phq9") == 0)
			k = 0;
		else if (strcmp(v[i].measure, "gad7") == 0)
			k = 1;
		else
			continue;
		other = 1 - k;
		if (pending[other] != NULL &&
		    v[i].at - pending[other]->at <= OUTCOME_PAIR_WINDOW) {
			out[np].phq = k == 0 ? v[i].total : pending[other]->total;
			out[np].gad = k == 1 ? v[i].total : pending[other]->total;
			out[np].at = v[i].at;
			np++;
			pending[other] = NULL;
		} else
			pending[k] = &v[i];
	}
	free(v);
	return np;
}

/* Caseness: "a score at or above the clinical cut-off on either the PHQ-9
 * or the GAD-7" (the Manual: PHQ-9 >= 10, GAD-7 >= 8). */
static bool
at_caseness(const struct measure *phq, const struct measure *gad, int p,
    int g)
{
	return p >= phq->caseness || g >= gad->caseness;
}

void
outcome_compute(const struct measure *phq, const struct measure *gad,
    const struct outcome_score *scores, size_t n, struct outcome *out)
{
	struct pair	*pv = xcalloc(n ? n : 1, sizeof *pv);
	int		 dp, dg;
	bool		 up, down;

	memset(out, 0, sizeof *out);
	out->pairs = pairs_of(scores, n, pv);
	if (out->pairs == 0)
		goto done;
	out->phq_first = pv[0].phq;
	out->gad_first = pv[0].gad;
	out->first_at = pv[0].at;
	out->phq_latest = pv[out->pairs - 1].phq;
	out->gad_latest = pv[out->pairs - 1].gad;
	out->latest_at = pv[out->pairs - 1].at;
	out->case_first = at_caseness(phq, gad, out->phq_first,
	    out->gad_first);
	out->case_latest = at_caseness(phq, gad, out->phq_latest,
	    out->gad_latest);
	if (out->pairs < 2)
		goto done;
	dp = out->phq_latest - out->phq_first;
	dg = out->gad_latest - out->gad_first;
	/* Reliable change: a fall (or rise) of at least the measure's
	 * reliable change index on either measure, and no reliable change the
	 * other way on the other. */
	down = -dp >= phq->reliable_change || -dg >= gad->reliable_change;
	up = dp >= phq->reliable_change || dg >= gad->reliable_change;
	out->reliable_improvement = down && !up;
	out->reliable_deterioration = up && !down;
	/* Recovery: at caseness at the first assessment and below caseness
	 * on both measures at the latest. */
	out->recovery = out->case_first && !out->case_latest;
	/* Reliable recovery: recovery together with reliable improvement. */
	out->reliable_recovery = out->recovery && out->reliable_improvement;
	if (out->reliable_recovery)
		out->category = OUTCOME_RELIABLE_RECOVERY;
	else if (out->reliable_deterioration)
		out->category = OUTCOME_RELIABLE_DETERIORATION;
	else if (out->recovery)
		out->category = OUTCOME_RECOVERY;
	else if (out->reliable_improvement)
		out->category = OUTCOME_RELIABLE_IMPROVEMENT;
	else
		out->category = OUTCOME_NO_RELIABLE_CHANGE;
done:
	free(pv);
}

void
outcome_for_content(const struct content *ct,
    const struct outcome_score *scores, size_t n, struct outcome *out)
{
	const struct measure	*phq = ct ? content_measure(ct, "phq9") : NULL;
	const struct measure	*gad = ct ? content_measure(ct, "gad7") : NULL;

	if (phq == NULL || gad == NULL) {
		memset(out, 0, sizeof *out);
		return;
	}
	outcome_compute(phq, gad, scores, n, out);
}

const char *
outcome_id(enum outcome_category c)
{
	switch (c) {
	case OUTCOME_RELIABLE_RECOVERY:
		return "reliable_recovery";
	case OUTCOME_RECOVERY:
		return "recovery";
	case OUTCOME_RELIABLE_IMPROVEMENT:
		return "reliable_improvement";
	case OUTCOME_NO_RELIABLE_CHANGE:
		return "no_reliable_change";
	case OUTCOME_RELIABLE_DETERIORATION:
		return "reliable_deterioration";
	case OUTCOME_NONE:
		break;
	}
	return "none";
}

static cJSON *
pair_json(int phq, int gad, long long at)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "phq9", phq);
	cJSON_AddNumberToObject(o, "gad7", gad);
	cJSON_AddNumberToObject(o, "at", (double)at);
	return o;
}

cJSON *
outcome_json(const struct outcome *o)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "pairs", (double)o->pairs);
	if (o->pairs > 0) {
		cJSON_AddItemToObject(j, "first", pair_json(o->phq_first,
		    o->gad_first, o->first_at));
		cJSON_AddItemToObject(j, "latest", pair_json(o->phq_latest,
		    o->gad_latest, o->latest_at));
		cJSON_AddBoolToObject(j, "caseness_first", o->case_first);
		cJSON_AddBoolToObject(j, "caseness_latest", o->case_latest);
	} else {
		cJSON_AddNullToObject(j, "first");
		cJSON_AddNullToObject(j, "latest");
		cJSON_AddNullToObject(j, "caseness_first");
		cJSON_AddNullToObject(j, "caseness_latest");
	}
	cJSON_AddBoolToObject(j, "recovery", o->recovery);
	cJSON_AddBoolToObject(j, "reliable_improvement",
	    o->reliable_improvement);
	cJSON_AddBoolToObject(j, "reliable_deterioration",
	    o->reliable_deterioration);
	cJSON_AddBoolToObject(j, "reliable_recovery", o->reliable_recovery);
	cJSON_AddStringToObject(j, "category", outcome_id(o->category));
	return j;
}

char *
outcome_words(const struct outcome *o, bool with_clinic,
    const struct safety *sf)
{
	switch (o->category) {
	case OUTCOME_RELIABLE_RECOVERY:
		return xstrdup(_("Since you started, your scores have come "
		    "down a lot, and they are now in the range where these "
		    "feelings cause less trouble."));
	case OUTCOME_RECOVERY:
		return xstrdup(_("Since you started, your scores have come "
		    "down into the range where these feelings cause less "
		    "trouble."));
	case OUTCOME_RELIABLE_IMPROVEMENT:
		return xstrdup(_("Since you started, your scores have come "
		    "down a lot."));
	case OUTCOME_NO_RELIABLE_CHANGE:
		return xstrdup(_("Since you started, your scores have not "
		    "changed much."));
	case OUTCOME_RELIABLE_DETERIORATION:
		return xasprintf(with_clinic ? _("Since you started, your "
		    "scores have gone up a lot. Please tell your supporter. If "
		    "you need help soon: %s.") : _("Since you started, your "
		    "scores have gone up a lot. Please talk to your GP. If you "
		    "need help soon: %s."), sf->summary);
	case OUTCOME_NONE:
		break;
	}
	return NULL;
}

char *
outcome_change_words(int before, int after)
{
	int d = after - before;

	if (d == 0)
		return xstrdup(_("That is the same as last time."));
	if (d < 0)
		return xasprintf(ngettext("That is %d point lower than last "
		    "time.", "That is %d points lower than last time.", -d),
		    -d);
	return xasprintf(ngettext("That is %d point higher than last time.",
	    "That is %d points higher than last time.", d), d);
}
