/* record.c: check-ins and exercise entries to and from their sealed JSON. */
#include <stdlib.h>
#include <string.h>

#include "draft.h"
#include "i18n.h"
#include "jsonv.h"
#include "outbox.h"
#include "outcome.h"
#include "sharing.h"
#include "record.h"
#include "util.h"

static char *
checkin_json(const struct checkin *c)
{
	cJSON	*j = cJSON_CreateObject();
	char	 when[32];
	char	*s;

	format_rfc3339(c->completed_at, when, sizeof when);
	cJSON_AddStringToObject(j, "measure", c->measure);
	cJSON_AddItemToObject(j, "answers", cJSON_CreateIntArray(c->answers,
	    (int)c->n_answers));
	if (c->functional != MEASURE_UNANSWERED)
		cJSON_AddNumberToObject(j, "functional", c->functional);
	cJSON_AddNumberToObject(j, "total", c->total);
	cJSON_AddStringToObject(j, "severity", c->severity);
	cJSON_AddStringToObject(j, "severity_label", c->severity_label);
	cJSON_AddBoolToObject(j, "risk", c->risk);
	if (c->risk_signal != NULL && *c->risk_signal != '\0')
		cJSON_AddStringToObject(j, "risk_signal", c->risk_signal);
	cJSON_AddStringToObject(j, "completed_at", when);
	cJSON_AddNumberToObject(j, "completed_ts", (double)c->completed_at);
	s = store_json_print(j);
	json_wipe_delete(j);
	return s;
}

char *
risk_signal_json(const struct measure *m, int item, int answer, long long at)
{
	cJSON	*j = cJSON_CreateObject();
	char	 when[32];
	char	*s;

	format_rfc3339(at, when, sizeof when);
	cJSON_AddStringToObject(j, "measure", m->id);
	cJSON_AddNumberToObject(j, "item", item);
	cJSON_AddNumberToObject(j, "answer", answer);
	cJSON_AddStringToObject(j, "answered_at", when);
	cJSON_AddNumberToObject(j, "answered_ts", (double)at);
	s = store_json_print(j);
	json_wipe_delete(j);
	return s;
}

int
checkin_save(struct store *st, const struct measure *m, const int *answers,
    size_t n, int functional, const char *risk_signal, long long completed_at,
    struct checkin *out, struct sw_error *err)
{
	struct measure_result	 r;
	struct checkin		 c;
	char			 id[STORE_ID_LEN + 1];
	char			*json, *key;
	int			 rc;

	if (measure_score(m, answers, n, &r) != 0)
		return sw_fail(err, SW_EINVAL, _("An answer is not one of the "
		    "choices for %s."), m->title);
	if (!r.complete)
		return sw_fail(err, SW_EINVAL, _("Every question of %s needs "
		    "an answer before it can be saved."), m->title);
	memset(&c, 0, sizeof c);
	c.measure = m->id;
	c.answers = (int *)answers;
	c.n_answers = n;
	c.functional = functional;
	c.total = r.total;
	c.severity = r.band->id;
	c.severity_label = r.band->label;
	c.risk = r.risk;
	c.risk_signal = (char *)risk_signal;
	c.completed_at = completed_at;
	if ((json = checkin_json(&c)) == NULL)
		return sw_fail(err, SW_EIO, _("out of memory"));
	/* The record and its envelope to the clinic, together or not at
	 * all; a risk answer goes to the head of the queue. */
	key = draft_key("checkin", m->id);
	rc = outbox_save_record(st, RECORD_CHECKIN, completed_at, json, r.risk,
	    key, -1, id, err);
	free(key);
	store_secret_free(json);
	if (rc == 0 && out != NULL) {
		*out = c;
		out->id = xstrdup(id);
		out->measure = xstrdup(m->id);
		out->answers = xcalloc(n, sizeof *out->answers);
		memcpy(out->answers, answers, n * sizeof *answers);
		out->severity = xstrdup(r.band->id);
		out->severity_label = xstrdup(r.band->label);
		out->risk_signal = risk_signal != NULL && *risk_signal != '\0' ?
		    xstrdup(risk_signal) : NULL;
	}
	return rc;
}

int
checkin_parse(const char *json, struct checkin *c, struct sw_error *err)
{
	cJSON		*j = cJSON_Parse(json);
	const cJSON	*v, *a;
	size_t		 i = 0;

	memset(c, 0, sizeof *c);
	c->functional = MEASURE_UNANSWERED;
	if (j == NULL)
		goto bad;
	if (!cJSON_IsString(v = cJSON_GetObjectItem(j, "measure")))
		goto bad;
	c->measure = xstrdup(v->valuestring);
	if (!cJSON_IsArray(a = cJSON_GetObjectItem(j, "answers")))
		goto bad;
	c->answers = xcalloc((size_t)cJSON_GetArraySize(a) + 1,
	    sizeof *c->answers);
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsNumber(v))
			goto bad;
		c->answers[i++] = v->valueint;
	}
	c->n_answers = i;
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(j, "functional")))
		c->functional = v->valueint;
	if (!cJSON_IsNumber(v = cJSON_GetObjectItem(j, "total")))
		goto bad;
	c->total = v->valueint;
	if (!cJSON_IsString(v = cJSON_GetObjectItem(j, "severity")))
		goto bad;
	c->severity = xstrdup(v->valuestring);
	if (!cJSON_IsString(v = cJSON_GetObjectItem(j, "severity_label")))
		goto bad;
	c->severity_label = xstrdup(v->valuestring);
	if (!cJSON_IsBool(v = cJSON_GetObjectItem(j, "risk")))
		goto bad;
	c->risk = cJSON_IsTrue(v);
	if (cJSON_IsString(v = cJSON_GetObjectItem(j, "risk_signal")))
		c->risk_signal = xstrdup(v->valuestring);
	if (!cJSON_IsNumber(v = cJSON_GetObjectItem(j, "completed_ts")))
		goto bad;
	c->completed_at = (long long)v->valuedouble;
	cJSON_Delete(j);
	return 0;
bad:
	cJSON_Delete(j);
	checkin_free(c);
	return sw_fail(err, SW_ECORRUPT, _("A stored check-in is not in the "
	    "expected form."));
}

void
checkin_free(struct checkin *c)
{
	free(c->id);
	free(c->measure);
	free(c->answers);
	free(c->severity);
	free(c->severity_label);
	free(c->risk_signal);
	memset(c, 0, sizeof *c);
}

void
checkins_outcome(const struct content *ct, const struct checkin *v,
    size_t n, struct outcome *out)
{
	struct outcome_score *sc = xcalloc(n ? n : 1, sizeof *sc);

	for (size_t i = 0; i < n; i++) {
		sc[i].measure = v[i].measure;
		sc[i].total = v[i].total;
		sc[i].at = v[i].completed_at;
	}
	outcome_for_content(ct, sc, n, out);
	free(sc);
}

struct loader {
	struct checkin	*v;
	size_t		 n;
	struct sw_error	*err;
};

static int
load_one(void *arg, const char *id, const char *kind, long long created_at,
    const char *json)
{
	struct loader	*l = arg;
	struct checkin	 c;

	(void)kind;
	(void)created_at;
	if (checkin_parse(json, &c, l->err) != 0)
		return -1;
	c.id = xstrdup(id);
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = c;
	return 0;
}

int
checkins_load(struct store *st, struct checkin **out, size_t *n,
    struct sw_error *err)
{
	struct loader l = { NULL, 0, err };

	if (store_each_record(st, RECORD_CHECKIN, load_one, &l, err) != 0) {
		checkins_free(l.v, l.n);
		return -1;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

void
checkins_free(struct checkin *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		checkin_free(&v[i]);
	free(v);
}

static int
entry_store(struct store *st, const struct exercise *e, const char *follows,
    const cJSON *values, long long completed_at, bool share,
    struct sw_error *err)
{
	struct diags	 d = { 0 };
	cJSON		*j;
	char		*json, *key, when[32];
	int		 rc;

	if (!exercise_check_values(e, values, true, NULL, "$", &d)) {
		char *line = diags_format(&d, 0);

		sw_fail(err, SW_EINVAL, _("This entry cannot be saved yet: "
		    "%s"), line);
		free(line);
		diags_free(&d);
		return -1;
	}
	format_rfc3339(completed_at, when, sizeof when);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "exercise", e->id);
	cJSON_AddItemToObject(j, "values", cJSON_Duplicate(values, 1));
	cJSON_AddStringToObject(j, "completed_at", when);
	if (follows != NULL)
		cJSON_AddStringToObject(j, "follows", follows);
	json = store_json_print(j);
	json_wipe_delete(j);
	if (json == NULL)
		return sw_fail(err, SW_EIO, _("out of memory"));
	/* Fails, keeping nothing, when the entry is too long to send. The
	 * draft it finishes goes in the same transaction: the new entry's, or
	 * the look-back's of the plan it follows. */
	key = follows != NULL ? draft_key("plan", follows) :
	    draft_key("exercise", e->id);
	rc = outbox_save_record(st, RECORD_EXERCISE, completed_at, json, false,
	    key, share ? 1 : 0, NULL, err);
	free(key);
	store_secret_free(json);
	return rc;
}

int
exercise_entry_save(struct store *st, const struct exercise *e,
    const cJSON *values, long long completed_at, bool share,
    struct sw_error *err)
{
	return entry_store(st, e, NULL, values, completed_at, share, err);
}

/* The look-back on a plan is shared as the plan was: the patient was
 * asked once, when the plan was saved. */
int
exercise_entry_finish(struct store *st, const struct exercise *e,
    const char *plan_id, const cJSON *values, long long completed_at,
    struct sw_error *err)
{
	struct sharing	*sh;
	bool		 share;

	if (sharing_load(st, &sh, err) != 0)
		return -1;
	share = sharing_allows(sh, plan_id, RECORD_EXERCISE);
	sharing_free(sh);
	return entry_store(st, e, plan_id, values, completed_at, share, err);
}

struct entries_walk {
	const char	*exercise;
	entry_fn	 fn;
	void		*arg;
	bool		 bad;
};

static int
entry_seen(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	struct entries_walk	*w = arg;
	cJSON			*j = cJSON_Parse(json);
	const char		*ex;
	const cJSON		*vals;
	int			 rc = 0;

	(void)kind;
	ex = cJSON_GetStringValue(cJSON_GetObjectItem(j, "exercise"));
	vals = cJSON_GetObjectItem(j, "values");
	if (ex == NULL || !cJSON_IsObject(vals)) {
		w->bad = true;
		rc = -1;
	} else if (w->exercise == NULL || strcmp(ex, w->exercise) == 0)
		rc = w->fn(w->arg, id, ex, vals, at, cJSON_GetStringValue(
		    cJSON_GetObjectItem(j, "follows")));
	cJSON_Delete(j);
	return rc;
}

int
exercise_entries_each(struct store *st, const char *exercise, entry_fn fn,
    void *arg, struct sw_error *err)
{
	struct entries_walk	w = { exercise, fn, arg, false };
	int			rc;

	rc = store_each_record(st, RECORD_EXERCISE, entry_seen, &w, err);
	if (rc != 0 && w.bad)
		sw_fail(err, SW_ECORRUPT, _("A stored exercise entry is not "
		    "in the expected form."));
	return rc;
}

/* Whether any "later" field of e is missing from values. */
static bool
has_later_missing(const struct exercise *e, const cJSON *values)
{
	for (size_t i = 0; i < e->n_fields; i++)
		if (e->fields[i].later &&
		    !cJSON_HasObjectItem(values, e->fields[i].id))
			return true;
	return false;
}

struct open_walk {
	const struct content	*ct;
	struct open_entry	*v;
	size_t			 n;
};

static int
open_seen(void *arg, const char *id, const char *ex, const cJSON *vals,
    long long at, const char *follows)
{
	struct open_walk	*w = arg;
	const struct exercise	*e;

	/* A finished plan closes the open entry it follows. */
	for (size_t i = 0; follows != NULL && i < w->n; i++)
		if (strcmp(w->v[i].id, follows) == 0) {
			free(w->v[i].id);
			free(w->v[i].exercise);
			cJSON_Delete(w->v[i].values);
			w->v[i] = w->v[--w->n];
			break;
		}
	if (follows == NULL && (e = content_exercise(w->ct, ex)) != NULL &&
	    has_later_missing(e, vals)) {
		w->v = xreallocarray(w->v, w->n + 1, sizeof *w->v);
		w->v[w->n].id = xstrdup(id);
		w->v[w->n].exercise = xstrdup(ex);
		w->v[w->n].values = cJSON_Duplicate(vals, 1);
		w->v[w->n].created_at = at;
		w->n++;
	}
	return 0;
}

int
exercise_open_entries(struct store *st, const struct content *ct,
    struct open_entry **out, size_t *n, struct sw_error *err)
{
	struct open_walk w = { ct, NULL, 0 };

	if (exercise_entries_each(st, NULL, open_seen, &w, err) != 0) {
		open_entries_free(w.v, w.n);
		return -1;
	}
	/* Removal swapped entries; keep the oldest plan first. */
	for (size_t i = 1; i < w.n; i++)
		for (size_t k = i; k > 0 && w.v[k - 1].created_at >
		    w.v[k].created_at; k--) {
			struct open_entry tmp = w.v[k];

			w.v[k] = w.v[k - 1];
			w.v[k - 1] = tmp;
		}
	*out = w.v;
	*n = w.n;
	return 0;
}

void
open_entries_free(struct open_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].exercise);
		cJSON_Delete(v[i].values);
	}
	free(v);
}

const char *
open_entry_gist(const struct exercise *e, const struct open_entry *plan)
{
	const cJSON *v;

	for (size_t k = 0; e != NULL && k < e->n_fields; k++)
		if (!e->fields[k].later && (v = cJSON_GetObjectItem(
		    plan->values, e->fields[k].id)) != NULL &&
		    cJSON_IsString(v) && v->valuestring[0] != '\0')
			return v->valuestring;
	return NULL;
}
