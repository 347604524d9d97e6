/* screen_exercises.c: every exercise in the programme, to start a new
 * entry or read back past ones. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "record.h"
#include "tui_int.h"
#include "util.h"

struct exlist {
	size_t	sel;
};

enum { L_UP, L_DOWN, L_NEW, L_PAST };

static const struct binding exlist_keys[] = {
	{ FN(KEY_UP), "Up / k", N_("select the exercise above"), L_UP },
	{ 'k', NULL, NULL, L_UP },
	{ FN(KEY_DOWN), "Down / j", N_("select the exercise below"), L_DOWN },
	{ 'j', NULL, NULL, L_DOWN },
	{ '\r', "Enter", N_("start a new entry"), L_NEW },
	{ '\n', NULL, NULL, L_NEW },
	{ 'r', "r", N_("read your past entries"), L_PAST },
};

static void
exlist_draw(struct screen *s, struct tui *t)
{
	struct exlist	*l = s->data;
	int		 w = COLS - 4, y = 0;
	size_t		 first = 0, rows;
	char		*line;

	put_line(y++, 2, w, _("Exercises"), tui_attr(t, ATTR_TITLE));
	put_line(y++, 2, w, _("Enter starts a new entry; r reads your past "
	    "entries."), tui_attr(t, ATTR_DIM));
	y++;
	rows = (size_t)(LINES - 2 - y);
	if (l->sel >= rows)
		first = l->sel - rows + 1;
	for (size_t i = first; i < t->ct.n_exercises && y < LINES - 2; i++) {
		line = xasprintf("%s, %d min: %s", t->ct.exercises[i].title,
		    t->ct.exercises[i].minutes, t->ct.exercises[i].summary);
		put_line(y++, 2, w, line, i == l->sel ? A_REVERSE : A_NORMAL);
		free(line);
	}
}

static enum action
exlist_key(struct screen *s, struct tui *t, int key)
{
	struct exlist *l = s->data;

	switch (binding_find(exlist_keys, sizeof exlist_keys /
	    sizeof exlist_keys[0], key)) {
	case L_UP:
		if (l->sel > 0)
			l->sel--;
		return ACT_REDRAW;
	case L_DOWN:
		if (l->sel + 1 < t->ct.n_exercises)
			l->sel++;
		return ACT_REDRAW;
	case L_NEW:
		t->pending = screen_exercise_new(t, &t->ct.exercises[l->sel]);
		return ACT_PUSH;
	case L_PAST:
		t->pending = screen_entries_new(t, &t->ct.exercises[l->sel]);
		return ACT_PUSH;
	}
	return ACT_UNHANDLED;
}

static void
exlist_leave(struct screen *s, struct tui *t)
{
	(void)t;
	free(s->data);
}

static const struct screen_ops exlist_ops = {
	"exercises", exlist_draw, exlist_key, NULL, exlist_leave, exlist_keys,
	sizeof exlist_keys / sizeof exlist_keys[0], false,
};

struct screen *
screen_exercises_new(struct tui *t)
{
	(void)t;
	return screen_new(&exlist_ops, xcalloc(1, sizeof(struct exlist)),
	    _("Exercises"));
}

/* ---- past entries, newest first ---- */

struct entries_walk {
	struct tui		*t;
	const struct exercise	*e;
	struct tdoc		*d;
	size_t			 n;
};

static int
entry_one(void *arg, const char *id, const char *kind, long long created,
    const char *json)
{
	struct entries_walk	*w = arg;
	cJSON			*j = cJSON_Parse(json);
	const cJSON		*ex, *vals;
	char			 when[64];
	time_t			 tt = (time_t)created;
	struct tm		 tm;

	(void)id;
	(void)kind;
	ex = cJSON_GetObjectItem(j, "exercise");
	vals = cJSON_GetObjectItem(j, "values");
	if (cJSON_IsString(ex) && strcmp(ex->valuestring, w->e->id) == 0 &&
	    cJSON_IsObject(vals)) {
		localtime_r(&tt, &tm);
		strftime(when, sizeof when, "%A %e %B %Y, %H:%M", &tm);
		tdoc_text(w->d, when, tui_attr(w->t, ATTR_ACCENT) |
		    A_UNDERLINE);
		values_render(w->t, w->e, vals, w->d);
		tdoc_blank(w->d);
		w->n++;
	}
	cJSON_Delete(j);
	return 0;
}

static void
entries_build(struct tui *t, void *arg, struct tdoc *d)
{
	struct entries_walk	w = { t, arg, d, 0 };
	struct sw_error		err = { 0 };

	if (store_each_record(t->st, RECORD_EXERCISE, entry_one, &w,
	    &err) != 0)
		tdoc_text(d, err.msg, tui_attr(t, ATTR_WARN));
	else if (w.n == 0)
		tdoc_text(d, _("You have no saved entries for this exercise "
		    "yet."), A_NORMAL);
}

struct screen *
screen_entries_new(struct tui *t, const struct exercise *e)
{
	char		*title = xasprintf(_("Your entries: %s"), e->title);
	struct screen	*s = screen_doc_new(t, _("Past entries"), title,
			    entries_build, (void *)e, NULL);

	free(title);
	return s;
}
