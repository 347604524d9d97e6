/* export.c: the JSON export (format 1), documented in stepwise(1). */
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "fhir.h"
#include "i18n.h"
#include "outcome.h"
#include "outbox.h"
#include "record.h"
#include "sharing.h"
#include "util.h"

#ifndef STEPWISE_VERSION
#include "config.h"
#endif

/* Week to week only as numbers: the categories are first-to-latest, on
 * the pair of measures (the top-level "outcome"). */
static cJSON *
checkin_object(const struct checkin *c, const struct checkin *prev)
{
	cJSON	*o = cJSON_CreateObject(), *ch;
	char	 when[32];

	format_rfc3339(c->completed_at, when, sizeof when);
	cJSON_AddStringToObject(o, "id", c->id);
	cJSON_AddStringToObject(o, "measure", c->measure);
	cJSON_AddItemToObject(o, "answers", cJSON_CreateIntArray(c->answers,
	    (int)c->n_answers));
	if (c->functional != MEASURE_UNANSWERED)
		cJSON_AddNumberToObject(o, "functional", c->functional);
	else
		cJSON_AddNullToObject(o, "functional");
	cJSON_AddNumberToObject(o, "total", c->total);
	cJSON_AddStringToObject(o, "severity", c->severity);
	cJSON_AddStringToObject(o, "severity_label", c->severity_label);
	cJSON_AddBoolToObject(o, "risk", c->risk);
	cJSON_AddItemToObject(o, "risk_signal", c->risk_signal ?
	    cJSON_CreateString(c->risk_signal) : cJSON_CreateNull());
	cJSON_AddStringToObject(o, "completed_at", when);
	if (prev != NULL) {
		ch = cJSON_AddObjectToObject(o, "change");
		cJSON_AddStringToObject(ch, "since", prev->id);
		cJSON_AddNumberToObject(ch, "delta", c->total - prev->total);
	} else
		cJSON_AddNullToObject(o, "change");
	return o;
}

struct entries_walk {
	struct store	*st;
	cJSON		*arr;
	struct sharing	*sh;	/* the choices, loaded once */
};

static int
add_exercise(void *arg, const char *id, const char *exercise,
    const cJSON *values, long long at, const char *follows)
{
	static const char *const states[] = {
		[ENTRY_PRIVATE] = "private",
		[ENTRY_SHARED] = "shared",
		[ENTRY_SENDING] = "sending",
		[ENTRY_SENT] = "sent",
		[ENTRY_MAYBE_SENT] = "maybe_sent",
		[ENTRY_MAYBE_SENT_BEFORE] = "maybe_sent_before",
	};
	struct entries_walk	*w = arg;
	struct sw_error		 err = { 0 };
	enum entry_share	 state;
	cJSON			*o = cJSON_CreateObject();
	char			 when[32];

	format_rfc3339(at, when, sizeof when);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "exercise", exercise);
	cJSON_AddItemToObject(o, "values", cJSON_Duplicate(values, 1));
	cJSON_AddStringToObject(o, "completed_at", when);
	/* A finished plan names the entry it completes; others have null. */
	cJSON_AddItemToObject(o, "follows", follows ?
	    cJSON_CreateString(follows) : cJSON_CreateNull());
	/* Whether the clinic gets it: the patient's choice (sharing.h). */
	if (entry_share_state(w->st, w->sh, id, &state, &err) != 0) {
		cJSON_Delete(o);
		return -1;
	}
	cJSON_AddStringToObject(o, "sharing", states[state]);
	cJSON_AddItemToArray(w->arr, o);
	return 0;
}

/* A lesson finished, as the record the clinic gets of it. */
static int
add_lesson(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	cJSON	*o = cJSON_Parse(json), *l;
	char	 when[32];

	(void)id;
	(void)kind;
	if (!cJSON_IsObject(o) || !cJSON_IsString(cJSON_GetObjectItem(o,
	    "lesson"))) {
		cJSON_Delete(o);
		return 0;
	}
	l = cJSON_CreateObject();
	format_rfc3339(at, when, sizeof when);
	cJSON_AddStringToObject(l, "lesson",
	    cJSON_GetObjectItem(o, "lesson")->valuestring);
	cJSON_AddStringToObject(l, "finished_at", when);
	cJSON_AddItemToArray(arg, l);
	cJSON_Delete(o);
	return 0;
}

/* A risk answer's own record, as it was sent: kept as given. */
static int
add_risk(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	cJSON	*o = cJSON_Parse(json);

	(void)kind;
	(void)at;
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return 0;
	}
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddItemToArray(arg, o);
	return 0;
}

/* The conversation with the supporter: their messages and the patient's
 * replies, oldest first. Empty when the profile never joined a clinic. */
static int
add_conversation(struct store *st, cJSON *arr, struct sw_error *err)
{
	struct message	*m = NULL;
	size_t		 n = 0;
	char		 when[32];

	if (messages_load(st, &m, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		format_rfc3339(m[i].at, when, sizeof when);
		cJSON_AddStringToObject(o, "id", m[i].id);
		cJSON_AddStringToObject(o, "from", m[i].from_patient ?
		    "patient" : "supporter");
		cJSON_AddItemToObject(o, "name", m[i].from ?
		    cJSON_CreateString(m[i].from) : cJSON_CreateNull());
		cJSON_AddStringToObject(o, "at", when);
		cJSON_AddStringToObject(o, "text", m[i].text);
		cJSON_AddItemToArray(arr, o);
	}
	messages_free(m, n);
	return 0;
}

char *
export_json(struct store *st, const struct content *ct, const char *profile,
    long long now, struct sw_error *err)
{
	struct checkin		*v = NULL;
	struct outcome		 oc;
	size_t			 n = 0;
	cJSON			*doc = NULL, *arr;
	char			*out = NULL, when[32];

	if (checkins_load(st, &v, &n, err) != 0)
		return NULL;
	doc = cJSON_CreateObject();
	format_rfc3339(now, when, sizeof when);
	cJSON_AddNumberToObject(doc, "format", 1);
	cJSON_AddStringToObject(doc, "generator", "stepwise " STEPWISE_VERSION);
	cJSON_AddStringToObject(doc, "profile", profile);
	cJSON_AddStringToObject(doc, "exported_at", when);
	arr = cJSON_AddArrayToObject(doc, "checkins");
	for (size_t i = 0; i < n; i++) {
		const struct checkin *prev = NULL;

		for (size_t k = i; k-- > 0;)
			if (strcmp(v[k].measure, v[i].measure) == 0) {
				prev = &v[k];
				break;
			}
		cJSON_AddItemToArray(arr, checkin_object(&v[i], prev));
	}
	/* First paired check-ins to the latest, as NHS Talking Therapies
	 * judges them (outcome.c); null without the content to score by. */
	if (ct != NULL) {
		checkins_outcome(ct, v, n, &oc);
		cJSON_AddItemToObject(doc, "outcome", outcome_json(&oc));
	} else
		cJSON_AddNullToObject(doc, "outcome");
	arr = cJSON_AddArrayToObject(doc, "exercises");
	{
		struct entries_walk w = { st, arr, NULL };
		int rc = sharing_load(st, &w.sh, err) != 0 ? -1 :
		    exercise_entries_each(st, NULL, add_exercise, &w, err);

		sharing_free(w.sh);
		if (rc != 0)
			goto out;
	}
	arr = cJSON_AddArrayToObject(doc, "lessons");
	if (store_each_record(st, RECORD_LESSON, add_lesson, arr, err) != 0)
		goto out;
	arr = cJSON_AddArrayToObject(doc, "risk_answers");
	if (store_each_record(st, RECORD_RISK, add_risk, arr, err) != 0)
		goto out;
	arr = cJSON_AddArrayToObject(doc, "messages");
	if (add_conversation(st, arr, err) != 0)
		goto out;
	out = cJSON_Print(doc);
out:
	checkins_free(v, n);
	cJSON_Delete(doc);
	return out;
}

/* ---- FHIR ---- */

struct fhir_acc {
	const struct content	*ct;
	struct fhir_response	*v;
	int			**answers;
	size_t			 n, cap, left;
	char			**ids;
};

/* A slot for a response of measure m, its answers all unanswered. */
static struct fhir_response *
fhir_slot(struct fhir_acc *a, const struct measure *m, const char *id)
{
	struct fhir_response *r;

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
		a->answers = xreallocarray(a->answers, a->cap,
		    sizeof *a->answers);
		a->ids = xreallocarray(a->ids, a->cap, sizeof *a->ids);
	}
	r = &a->v[a->n];
	memset(r, 0, sizeof *r);
	a->answers[a->n] = xcalloc(m->n_items, sizeof **a->answers);
	for (size_t i = 0; i < m->n_items; i++)
		a->answers[a->n][i] = MEASURE_UNANSWERED;
	a->ids[a->n] = xstrdup(id);
	r->id = a->ids[a->n];
	r->m = m;
	r->answers = a->answers[a->n];
	r->functional = MEASURE_UNANSWERED;
	a->n++;
	return r;
}

static int
fhir_risk(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	struct fhir_acc		*a = arg;
	const struct measure	*m;
	struct fhir_response	*r;
	cJSON			*o = cJSON_Parse(json);
	const cJSON		*item, *answer;

	(void)kind;
	item = cJSON_GetObjectItemCaseSensitive(o, "item");
	answer = cJSON_GetObjectItemCaseSensitive(o, "answer");
	m = content_measure(a->ct, cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(o, "measure")));
	if (m == NULL || !cJSON_IsNumber(item) || !cJSON_IsNumber(answer) ||
	    item->valuedouble < 1 || item->valuedouble > (double)m->n_items)
		a->left++;
	else {
		r = fhir_slot(a, m, id);
		a->answers[a->n - 1][(int)item->valuedouble - 1] =
		    (int)answer->valuedouble;
		r->authored = at;
	}
	cJSON_Delete(o);
	return 0;
}

char *
export_fhir(struct store *st, const struct content *ct, const char *profile,
    long long now, size_t *left, struct sw_error *err)
{
	struct fhir_acc		 a = { .ct = ct };
	struct fhir_subject	*subj = NULL;
	struct checkin		*v = NULL;
	const struct measure	*m;
	struct fhir_response	*r;
	size_t			 n = 0, bad = 0;
	cJSON			*b = NULL;
	char			*out = NULL;

	if (checkins_load(st, &v, &n, err) != 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if ((m = content_measure(ct, v[i].measure)) == NULL ||
		    v[i].n_answers != m->n_items) {
			a.left++;
			continue;
		}
		r = fhir_slot(&a, m, v[i].id);
		memcpy(a.answers[a.n - 1], v[i].answers,
		    m->n_items * sizeof *v[i].answers);
		r->functional = v[i].functional;
		r->authored = v[i].completed_at;
		r->complete = true;
		r->risk_signal = v[i].risk_signal;
	}
	if (store_each_record(st, RECORD_RISK, fhir_risk, &a, err) != 0)
		goto out;
	subj = xcalloc(a.n ? a.n : 1, sizeof *subj);
	for (size_t i = 0; i < a.n; i++)
		subj[i].display = profile;
	if ((b = fhir_bundle(a.v, subj, a.n, now, &bad)) == NULL) {
		sw_fail(err, SW_EINVAL, _("Could not write record %s as FHIR: "
		    "an answer is not one of its measure's."), a.v[bad].id);
		goto out;
	}
	out = cJSON_Print(b);
	*left = a.left;
out:
	cJSON_Delete(b);
	for (size_t i = 0; i < a.n; i++) {
		free(a.answers[i]);
		free(a.ids[i]);
	}
	free(a.answers);
	free(a.ids);
	free(a.v);
	free(subj);
	checkins_free(v, n);
	return out;
}
