/* progress.c: module states, unlock dates and the next step.
 *
 * A module opens when the previous one is done (after_previous) and/or a
 * number of days after the previous one opened (days_after_previous); with
 * both, whichever is later. It is done when its lessons are read, each of its
 * exercises has an entry, and each of its check-ins was answered since it
 * opened: session-by-session outcome monitoring. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "outbox.h"
#include "progress.h"
#include "record.h"
#include "util.h"

#define DAY 86400LL

static long long
max_ll(long long a, long long b)
{
	return a > b ? a : b;
}

static long long
lesson_done(const struct content *ct, const struct progress_facts *f,
    const struct lesson *l)
{
	size_t i = (size_t)(l - ct->lessons);

	return i < f->n_lessons ? f->lesson_done[i] : 0;
}

static long long
exercise_last(const struct content *ct, const struct progress_facts *f,
    const char *id)
{
	const struct exercise *e = content_exercise(ct, id);
	size_t i;

	if (e == NULL)
		return 0;
	i = (size_t)(e - ct->exercises);
	return i < f->n_exercises ? f->exercise_last[i] : 0;
}

/* The first time measure was answered at or after since; 0 if never. */
static long long
answered_since(const struct progress_facts *f, const char *measure,
    long long since)
{
	for (size_t i = 0; i < f->n_checkins; i++)
		if (f->checkin_at[i] >= since &&
		    strcmp(f->checkin_measure[i], measure) == 0)
			return f->checkin_at[i];
	return 0;
}

bool
progress_checkin_due(const struct content *ct, const struct progress_facts *f,
    const struct progress *p, size_t m, const char *measure)
{
	(void)ct;
	return p->modules[m].state == MODULE_AVAILABLE &&
	    answered_since(f, measure, p->modules[m].available_at) == 0;
}

static void
open_time(const struct content *ct, const struct progress *p, size_t m,
    const struct progress_facts *f, struct module_progress *mp)
{
	const struct module		*mod = &ct->modules[m];
	const struct module_progress	*prev;
	long long			 at = 0;

	if (m == 0) {
		mp->available_at = f->started_at;
		return;
	}
	prev = &p->modules[m - 1];
	if (mod->after_previous) {
		if (prev->state != MODULE_DONE) {
			mp->waits_for_previous = true;
			return;
		}
		at = prev->done_at;
	}
	if (mod->days_after_previous > 0) {
		if (prev->available_at == 0)
			return;
		at = max_ll(at, prev->available_at +
		    mod->days_after_previous * DAY);
	}
	mp->available_at = at;
}

static void
module_compute(const struct content *ct, const struct progress_facts *f,
    long long now, struct progress *p, size_t m)
{
	const struct module	*mod = &ct->modules[m];
	struct module_progress	*mp = &p->modules[m];
	long long		 done_at, t;
	bool			 done = true;

	memset(mp, 0, sizeof *mp);
	open_time(ct, p, m, f, mp);
	/* The supporter opened it early: from when they sent it. */
	if (m < f->n_modules && f->module_override[m] == PROG_OPEN &&
	    (mp->available_at == 0 || mp->available_at > now)) {
		mp->available_at = f->override_at[m] > 0 &&
		    f->override_at[m] <= now ? f->override_at[m] : now;
		mp->waits_for_previous = false;
		mp->opened_early = true;
	}
	if (mp->available_at == 0 || mp->available_at > now) {
		mp->state = MODULE_LOCKED;
		if (m < f->n_modules && f->module_override[m] == PROG_HOLD) {
			mp->available_at = 0;
			mp->held = true;
		}
		return;
	}
	done_at = mp->available_at;
	for (size_t i = 0; i < mod->n_lessons; i++) {
		if ((t = lesson_done(ct, f, mod->lessons[i])) > 0) {
			mp->lessons_done++;
			done_at = max_ll(done_at, t);
		} else
			done = false;
	}
	for (size_t i = 0; i < mod->n_exercises; i++) {
		if ((t = exercise_last(ct, f, mod->exercises[i])) > 0) {
			mp->exercises_done++;
			done_at = max_ll(done_at, t);
		} else
			done = false;
	}
	for (size_t i = 0; i < mod->n_checkins; i++) {
		if ((t = answered_since(f, mod->checkins[i],
		    mp->available_at)) > 0)
			done_at = max_ll(done_at, t);
		else {
			mp->checkins_due++;
			done = false;
		}
	}
	mp->state = done ? MODULE_DONE : MODULE_AVAILABLE;
	mp->done_at = done ? done_at : 0;
	/* The supporter asked the patient to wait with it (a module done
	 * stays done). */
	if (!done && m < f->n_modules && f->module_override[m] == PROG_HOLD) {
		mp->state = MODULE_LOCKED;
		mp->available_at = 0;
		mp->held = true;
	}
}

static void
next_step(const struct content *ct, const struct progress_facts *f,
    struct progress *p)
{
	struct step *s = &p->next;

	for (size_t m = 0; m < ct->n_modules; m++) {
		const struct module		*mod = &ct->modules[m];
		const struct module_progress	*mp = &p->modules[m];

		s->module = m;
		if (mp->state == MODULE_DONE)
			continue;
		if (mp->state == MODULE_LOCKED) {
			s->kind = STEP_WAIT;
			s->at = mp->available_at;
			s->held = mp->held;
			return;
		}
		/* Check-ins come first: they measure where the patient is as
		 * the module starts. */
		for (size_t i = 0; i < mod->n_checkins; i++)
			if (progress_checkin_due(ct, f, p, m,
			    mod->checkins[i])) {
				s->kind = STEP_CHECKIN;
				s->id = mod->checkins[i];
				return;
			}
		for (size_t i = 0; i < mod->n_lessons; i++)
			if (lesson_done(ct, f, mod->lessons[i]) == 0) {
				s->kind = STEP_LESSON;
				s->id = mod->lessons[i]->id;
				return;
			}
		for (size_t i = 0; i < mod->n_exercises; i++)
			if (exercise_last(ct, f, mod->exercises[i]) == 0) {
				s->kind = STEP_EXERCISE;
				s->id = mod->exercises[i];
				return;
			}
	}
	s->kind = STEP_FINISHED;
	s->id = NULL;
}

void
progress_compute(const struct content *ct, const struct progress_facts *f,
    long long now, struct progress *p)
{
	memset(p, 0, sizeof *p);
	p->n_modules = ct->n_modules;
	p->modules = xcalloc(ct->n_modules, sizeof *p->modules);
	for (size_t m = 0; m < ct->n_modules; m++)
		module_compute(ct, f, now, p, m);
	next_step(ct, f, p);
}

void
progress_free(struct progress *p)
{
	free(p->modules);
	memset(p, 0, sizeof *p);
}

long long
progress_due_at(const struct progress *p, long long now)
{
	switch (p->next.kind) {
	case STEP_WAIT:
		return p->next.at;
	case STEP_FINISHED:
		return 0;
	default:
		return now;
	}
}

/* ---- facts from the store ---- */

static char *
lesson_key(const char *id)
{
	return xasprintf("lesson:%s", id);
}

int
progress_lesson_load(struct store *st, const char *id, size_t *position,
    long long *done_at, struct sw_error *err)
{
	char	*key = lesson_key(id), *json;
	cJSON	*j, *v;
	int	 rc;

	*position = 0;
	*done_at = 0;
	rc = store_get_state(st, key, &json, err);
	free(key);
	if (rc != 0 || json == NULL)
		return rc;
	if ((j = cJSON_Parse(json)) != NULL) {
		if (cJSON_IsNumber(v = cJSON_GetObjectItem(j, "position")) &&
		    v->valuedouble >= 0)
			*position = (size_t)v->valuedouble;
		if (cJSON_IsNumber(v = cJSON_GetObjectItem(j, "done_at")))
			*done_at = (long long)v->valuedouble;
		cJSON_Delete(j);
	}
	store_secret_free(json);
	return 0;
}

int
progress_lesson_save(struct store *st, const char *id, size_t position,
    bool done, long long now, struct sw_error *err)
{
	size_t		 old_pos;
	long long	 done_at;
	char		*key, *json;
	int		 rc;

	char		 rid[STORE_ID_LEN + 1], *record = NULL;
	bool		 first;

	/* Finishing is remembered: rereading a lesson keeps it done. */
	if (progress_lesson_load(st, id, &old_pos, &done_at, err) != 0)
		return -1;
	if ((first = done && done_at == 0))
		done_at = now;
	key = lesson_key(id);
	json = xasprintf("{\"position\":%zu,\"done_at\":%lld}", position,
	    done_at);
	/* The first finish is also a record for the clinic, queued in the
	 * same transaction (stepwise-protocol(7), RECORDS: lesson). */
	if (first) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "lesson", id);
		cJSON_AddNumberToObject(r, "done_at", (double)done_at);
		record = cJSON_PrintUnformatted(r);
		cJSON_Delete(r);
	}
	rc = store_begin(st, err);
	if (rc == 0 && (store_put_state(st, key, json, err) != 0 ||
	    (record != NULL && (store_put_record(st, RECORD_LESSON, done_at,
	    record, rid, err) != 0 || outbox_add_record(st, rid,
	    RECORD_LESSON, done_at, record, false, err) != 0)))) {
		store_rollback(st);
		rc = -1;
	} else if (rc == 0)
		rc = store_commit(st, err);
	free(key);
	wipe_free(json);
	wipe_free(record);
	return rc;
}

struct exercise_walk {
	const struct content	*ct;
	struct progress_facts	*f;
};

static int
exercise_seen(void *arg, const char *id, const char *exercise,
    const cJSON *values, long long at, const char *follows)
{
	struct exercise_walk	*w = arg;
	const struct exercise	*ex = content_exercise(w->ct, exercise);

	(void)id;
	(void)values;
	(void)follows;
	if (ex != NULL) {
		size_t i = (size_t)(ex - w->ct->exercises);

		w->f->exercise_last[i] = max_ll(w->f->exercise_last[i], at);
	}
	return 0;
}

/* The clinic's programme instructions, from the messages it signed (read
 * and checked afresh each time, never from clear state): the latest for
 * each module wins. */
static void
overrides_load(struct store *st, const struct content *ct,
    struct progress_facts *f)
{
	struct sw_error	 err = { 0 };
	struct message	*v;
	size_t		 n;

	f->n_modules = ct->n_modules;
	f->module_override = xcalloc(ct->n_modules + 1,
	    sizeof *f->module_override);
	f->override_at = xcalloc(ct->n_modules + 1, sizeof *f->override_at);
	/* Messages that cannot be read now (the profile busy) leave the
	 * programme as the content has it; the next load reads them. */
	if (messages_load(st, &v, &n, &err) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (v[i].from_patient || v[i].prog_module == NULL)
			continue;
		for (size_t m = 0; m < ct->n_modules; m++)
			if (strcmp(ct->modules[m].id, v[i].prog_module) == 0 &&
			    v[i].at >= f->override_at[m]) {
				f->module_override[m] = (int)v[i].prog_action;
				f->override_at[m] = v[i].at;
			}
	}
	messages_free(v, n);
}

int
progress_facts_load(struct store *st, const struct content *ct,
    long long now, struct progress_facts *f, struct sw_error *err)
{
	struct exercise_walk	 w = { ct, f };
	struct checkin		*v = NULL;
	size_t			 n = 0, pos;

	memset(f, 0, sizeof *f);
	/* The programme starts when the profile is made. */
	f->started_at = store_created_at(st);
	if (f->started_at <= 0 || f->started_at > now)
		f->started_at = now;
	f->n_lessons = ct->n_lessons;
	f->lesson_done = xcalloc(ct->n_lessons, sizeof *f->lesson_done);
	for (size_t i = 0; i < ct->n_lessons; i++)
		if (progress_lesson_load(st, ct->lessons[i].id, &pos,
		    &f->lesson_done[i], err) != 0)
			goto fail;
	overrides_load(st, ct, f);
	f->n_exercises = ct->n_exercises;
	f->exercise_last = xcalloc(ct->n_exercises, sizeof *f->exercise_last);
	if (exercise_entries_each(st, NULL, exercise_seen, &w, err) != 0)
		goto fail;
	if (checkins_load(st, &v, &n, err) != 0)
		goto fail;
	f->n_checkins = n;
	f->checkin_measure = xcalloc(n, sizeof *f->checkin_measure);
	f->checkin_at = xcalloc(n, sizeof *f->checkin_at);
	for (size_t i = 0; i < n; i++) {
		f->checkin_measure[i] = xstrdup(v[i].measure);
		f->checkin_at[i] = v[i].completed_at;
	}
	checkins_free(v, n);
	return 0;
fail:
	progress_facts_free(f);
	return -1;
}

void
progress_facts_free(struct progress_facts *f)
{
	for (size_t i = 0; i < f->n_checkins; i++)
		free(f->checkin_measure[i]);
	free(f->checkin_measure);
	free(f->checkin_at);
	free(f->lesson_done);
	free(f->exercise_last);
	free(f->module_override);
	free(f->override_at);
	memset(f, 0, sizeof *f);
}

int
progress_refresh(struct store *st, const struct content *ct, long long now,
    struct progress_facts *f, struct progress *p, struct sw_error *err)
{
	if (progress_facts_load(st, ct, now, f, err) != 0)
		return -1;
	progress_compute(ct, f, now, p);
	if (store_set_remind_at(st, progress_due_at(p, now), err) != 0) {
		progress_free(p);
		progress_facts_free(f);
		return -1;
	}
	return 0;
}
