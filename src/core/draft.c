/* draft.c: drafts live in the store's sealed state under
 * "draft:checkin:<measure>", "draft:exercise:<exercise>", "draft:plan:<the
 * plan's entry id>" and "draft:reply". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "draft.h"
#include "i18n.h"
#include "jsonv.h"
#include "measure.h"
#include "outbox.h"
#include "util.h"

char *
draft_key(const char *kind, const char *id)
{
	return xasprintf("draft:%s:%s", kind, id);
}

/* Seal draft j under its key; j is consumed. */
static int
draft_put(struct store *st, const char *kind, const char *id, cJSON *j,
    struct sw_error *err)
{
	char	*key = draft_key(kind, id);
	char	*json = store_json_print(j);
	int	 rc;

	json_wipe_delete(j);
	rc = json != NULL ? store_put_state(st, key, json, err) :
	    sw_fail(err, SW_EIO, _("out of memory"));
	store_secret_free(json);
	free(key);
	return rc;
}

static cJSON *
checkin_draft_json(const struct checkin_draft *d)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddItemToObject(j, "answers", cJSON_CreateIntArray(d->answers,
	    (int)d->n));
	cJSON_AddNumberToObject(j, "functional", d->functional);
	cJSON_AddNumberToObject(j, "position", (double)d->position);
	if (d->risk_signal[0] != '\0')
		cJSON_AddStringToObject(j, "risk_signal", d->risk_signal);
	return j;
}

int
draft_checkin_save(struct store *st, const struct measure *m,
    struct checkin_draft *d, long long now, bool *signalled,
    struct sw_error *err)
{
	struct measure_result	 r;
	char			*sig;

	*signalled = false;
	if (measure_score(m, d->answers, d->n, &r) != 0)
		r.risk = false;
	if (!r.risk || d->risk_signal[0] != '\0')
		return draft_put(st, "checkin", m->id, checkin_draft_json(d),
		    err);
	if ((sig = risk_signal_json(m, r.risk_item, r.risk_answer, now)) ==
	    NULL)
		return sw_fail(err, SW_EIO, _("out of memory"));
	if (store_begin(st, err) != 0)
		goto fail;
	if (store_put_record(st, RECORD_RISK, now, sig, d->risk_signal,
	    err) != 0 || outbox_add_record(st, d->risk_signal, RECORD_RISK,
	    now, sig, true, err) != 0 || draft_put(st, "checkin", m->id,
	    checkin_draft_json(d), err) != 0) {
		store_rollback(st);
		goto fail;
	}
	if (store_commit(st, err) != 0)
		goto fail;
	store_secret_free(sig);
	*signalled = true;
	return 0;
fail:
	store_secret_free(sig);
	d->risk_signal[0] = '\0';
	return -1;
}

int
draft_checkin_load(struct store *st, const char *measure, size_t n,
    struct checkin_draft *d, bool *found, struct sw_error *err)
{
	char		*key = draft_key("checkin", measure), *json;
	cJSON		*j = NULL;
	const cJSON	*a, *v;
	size_t		 i = 0;
	int		 rc;

	*found = false;
	rc = store_get_state(st, key, &json, err);
	free(key);
	if (rc != 0 || json == NULL)
		return rc;
	j = cJSON_Parse(json);
	store_secret_free(json);
	a = cJSON_GetObjectItem(j, "answers");
	if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n)
		goto out;
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsNumber(v))
			goto out;
		d->answers[i++] = v->valueint;
	}
	d->n = n;
	v = cJSON_GetObjectItem(j, "functional");
	d->functional = cJSON_IsNumber(v) ? v->valueint : MEASURE_UNANSWERED;
	v = cJSON_GetObjectItem(j, "position");
	d->position = cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble <= (double)n ? (size_t)v->valuedouble : 0;
	v = cJSON_GetObjectItem(j, "risk_signal");
	snprintf(d->risk_signal, sizeof d->risk_signal, "%s",
	    cJSON_IsString(v) && strlen(v->valuestring) == STORE_ID_LEN ?
	    v->valuestring : "");
	*found = true;
out:
	cJSON_Delete(j);
	return 0;
}

/* A form's values and the page the patient was on, under kind:id. */
static int
values_save(struct store *st, const char *kind, const char *id,
    const cJSON *values, size_t position, struct sw_error *err)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddItemToObject(j, "values", cJSON_Duplicate(values, 1));
	cJSON_AddNumberToObject(j, "position", (double)position);
	return draft_put(st, kind, id, j, err);
}

static int
values_load(struct store *st, const char *kind, const char *id,
    cJSON **values, size_t *position, struct sw_error *err)
{
	char	*key = draft_key(kind, id), *json;
	cJSON	*j, *v;
	int	 rc;

	*values = NULL;
	*position = 0;
	rc = store_get_state(st, key, &json, err);
	free(key);
	if (rc != 0 || json == NULL)
		return rc;
	j = cJSON_Parse(json);
	store_secret_free(json);
	if (cJSON_IsObject(v = cJSON_GetObjectItem(j, "values")))
		*values = cJSON_DetachItemViaPointer(j, v);
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(j, "position")) &&
	    v->valuedouble >= 0)
		*position = (size_t)v->valuedouble;
	json_wipe_delete(j);
	return 0;
}

int
draft_exercise_save(struct store *st, const char *exercise,
    const cJSON *values, size_t position, struct sw_error *err)
{
	return values_save(st, "exercise", exercise, values, position, err);
}

int
draft_exercise_load(struct store *st, const char *exercise, cJSON **values,
    size_t *position, struct sw_error *err)
{
	return values_load(st, "exercise", exercise, values, position, err);
}

int
draft_plan_save(struct store *st, const char *plan, const cJSON *values,
    size_t position, struct sw_error *err)
{
	return values_save(st, "plan", plan, values, position, err);
}

int
draft_plan_load(struct store *st, const struct exercise *e,
    const struct open_entry *plan, cJSON **values, size_t *position,
    struct sw_error *err)
{
	cJSON	*draft, *a;
	int	 rc;

	*values = NULL;
	if ((rc = values_load(st, "plan", plan->id, &draft, position,
	    err)) != 0 || draft == NULL)
		return rc;
	/* Only the later fields come from the draft: the plan stays as it
	 * was made whatever the draft holds. */
	*values = cJSON_Duplicate(plan->values, 1);
	for (size_t i = 0; i < e->n_fields; i++) {
		if (!e->fields[i].later || (a = cJSON_GetObjectItemCaseSensitive(
		    draft, e->fields[i].id)) == NULL)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(*values,
		    e->fields[i].id);
		cJSON_AddItemToObject(*values, e->fields[i].id,
		    cJSON_Duplicate(a, 1));
	}
	json_wipe_delete(draft);
	return 0;
}

int
draft_delete(struct store *st, const char *kind, const char *id,
    struct sw_error *err)
{
	char	*key = draft_key(kind, id);
	int	 rc = store_delete_state(st, key, err);

	free(key);
	return rc;
}

int
draft_reply_save(struct store *st, const char *text, struct sw_error *err)
{
	cJSON	*j;
	char	*json;
	int	 rc;

	if (text == NULL || *text == '\0')
		return store_delete_state(st, DRAFT_REPLY_KEY, err);
	j = cJSON_CreateObject();
	/* A reference, not a copy: the caller's one copy is all to wipe. */
	cJSON_AddItemToObject(j, "text", cJSON_CreateStringReference(text));
	json = store_json_print(j);
	cJSON_Delete(j);
	rc = json != NULL ? store_put_state(st, DRAFT_REPLY_KEY, json, err) :
	    sw_fail(err, SW_EIO, _("out of memory"));
	store_secret_free(json);
	return rc;
}

int
draft_reply_load(struct store *st, char **text, struct sw_error *err)
{
	char	*json;
	cJSON	*j, *v;

	*text = NULL;
	if (store_get_state(st, DRAFT_REPLY_KEY, &json, err) != 0)
		return -1;
	if (json == NULL)
		return 0;
	j = cJSON_Parse(json);
	store_secret_free(json);
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(j, "text")))
		*text = xstrdup(v->valuestring);
	json_wipe_delete(j);
	return 0;
}

struct each {
	draft_fn	 fn;
	void		*arg;
};

static int
each_key(void *arg, const char *key)
{
	struct each	*e = arg;
	const char	*rest = key + strlen("draft:");
	const char	*colon = strchr(rest, ':');
	char		*kind;
	int		 rc;

	if (colon == NULL)
		return 0;
	kind = xstrndup(rest, (size_t)(colon - rest));
	rc = e->fn(e->arg, kind, colon + 1);
	free(kind);
	return rc;
}

int
draft_each(struct store *st, draft_fn fn, void *arg, struct sw_error *err)
{
	struct each e = { fn, arg };

	return store_each_state_key(st, "draft:", each_key, &e, err);
}
