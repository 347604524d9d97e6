/* screen_exercises.c: the exercises the patient can use now (those of
 * open modules, and the ones always available), to start a new entry,
 * finish an open plan, or read back past ones. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "progress.h"
#include "record.h"
#include "tui_int.h"
#include "util.h"

struct exlist {
	size_t			 sel;		/* index into shown */
	size_t			 top;		/* first line drawn */
	const struct exercise	**shown;
	size_t			 n_shown;
	struct open_entry	*plans;
	size_t			 n_plans;
};

enum { L_UP, L_DOWN, L_NEW, L_PAST, L_FINISH };

static const struct binding exlist_keys[] = {
	{ FN(KEY_UP), "Up / k", N_("select the exercise above"), L_UP },
	{ 'k', NULL, NULL, L_UP },
	{ FN(KEY_DOWN), "Down / j", N_("select the exercise below"), L_DOWN },
	{ 'j', NULL, NULL, L_DOWN },
	{ '\r', "Enter", N_("start a new entry"), L_NEW },
	{ '\n', NULL, NULL, L_NEW },
	{ 'r', "r", N_("read your past entries"), L_PAST },
	{ 'f', "f", N_("finish a plan: say how it went"), L_FINISH },
};

static bool
exercise_open(struct tui *t, const struct progress *p, const char *id)
{
	bool in_module = false;

	for (size_t i = 0; i < t->ct.n_always; i++)
		if (strcmp(t->ct.always[i], id) == 0)
			return true;
	for (size_t m = 0; m < t->ct.n_modules; m++)
		for (size_t i = 0; i < t->ct.modules[m].n_exercises; i++) {
			if (strcmp(t->ct.modules[m].exercises[i], id) != 0)
				continue;
			if (p == NULL || p->modules[m].state != MODULE_LOCKED)
				return true;
			in_module = true;
		}
	return !in_module;
}

/* Which exercises to list, and the open plans, read afresh on each draw so
 * a plan finished or a module opened shows at once. */
static void
exlist_load(struct tui *t, struct exlist *l)
{
	struct progress_facts	 f;
	struct progress		 p;
	struct sw_error		 err = { 0 };
	long long		 now = (long long)time(NULL);
	bool			 have = false;

	if (progress_facts_load(t->st, &t->ct, now, &f, &err) == 0) {
		progress_compute(&t->ct, &f, now, &p);
		progress_facts_free(&f);
		have = true;
	}
	l->n_shown = 0;
	for (size_t i = 0; i < t->ct.n_exercises; i++)
		if (exercise_open(t, have ? &p : NULL, t->ct.exercises[i].id))
			l->shown[l->n_shown++] = &t->ct.exercises[i];
	if (have)
		progress_free(&p);
	if (l->sel >= l->n_shown)
		l->sel = l->n_shown ? l->n_shown - 1 : 0;
	open_entries_free(l->plans, l->n_plans);
	if (exercise_open_entries(t->st, &t->ct, &l->plans, &l->n_plans,
	    &err) != 0) {
		l->plans = NULL;
		l->n_plans = 0;
	}
}

/* The oldest open plan for e, or NULL. */
static const struct open_entry *
plan_for(const struct exlist *l, const struct exercise *e, size_t *count)
{
	const struct open_entry *first = NULL;

	*count = 0;
	for (size_t i = 0; i < l->n_plans; i++)
		if (strcmp(l->plans[i].exercise, e->id) == 0) {
			if (first == NULL)
				first = &l->plans[i];
			(*count)++;
		}
	return first;
}

static void
exlist_draw(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct exlist	*l = s->data;
	int		 w = COLS - 4, avail = LINES - 2;
	struct tdoc	 page = { NULL, 0, w };
	size_t		 start = 0, end = 0, n;
	char		*line;

	exlist_load(t, l);
	tdoc_text(&page, _("Exercises"), ui_attr(&t->ui, ATTR_TITLE));
	tdoc_text(&page, l->n_plans ? _("Enter starts a new entry; r reads "
	    "your past entries; f finishes a plan.") : _("Enter starts a new "
	    "entry; r reads your past entries."), ui_attr(&t->ui, ATTR_DIM));
	tdoc_blank(&page);
	/* Each exercise wrapped whole, its summary too; the list scrolls by
	 * lines to keep the selected one on the screen. */
	for (size_t i = 0; i < l->n_shown; i++) {
		const struct exercise *e = l->shown[i];

		if (plan_for(l, e, &n) != NULL)
			line = xasprintf(_("%s, %d min (plans to look back "
			    "on: %zu, press f): %s"), e->title, e->minutes, n,
			    e->summary);
		else
			line = xasprintf("%s, %d min: %s", e->title,
			    e->minutes, e->summary);
		if (i == l->sel)
			start = page.n;
		tdoc_row(&page, line, i == l->sel ? A_REVERSE : A_NORMAL);
		if (i == l->sel)
			end = page.n;
		free(line);
	}
	if (l->n_shown < t->ct.n_exercises) {
		tdoc_blank(&page);
		tdoc_text(&page, _("More exercises appear as their modules "
		    "open."), ui_attr(&t->ui, ATTR_DIM));
	}
	/* The first exercise shows the page from its top. */
	l->top = l->n_shown == 0 ? 0 : tdoc_scroll(&page, l->top, l->sel == 0 ?
	    0 : start, end, avail);
	tdoc_draw(&page, 0, 2, l->top, avail);
	if (l->n_shown > 0)
		mark_selected(&t->ui, (int)(start - l->top), 2);
	tdoc_free(&page);
}

static enum action
exlist_key(struct screen *s, struct ui *u, int key)
{
	struct tui	*t = tui_of(u);
	struct exlist		*l = s->data;
	const struct exercise	*e;
	const struct open_entry	*plan;
	size_t			 n;
	int			 cmd;

	cmd = binding_find(exlist_keys, sizeof exlist_keys /
	    sizeof exlist_keys[0], key);
	if (cmd == -1 || l->n_shown == 0)
		return ACT_UNHANDLED;
	e = l->shown[l->sel];
	switch (cmd) {
	case L_UP:
		if (l->sel > 0)
			l->sel--;
		return ACT_REDRAW;
	case L_DOWN:
		if (l->sel + 1 < l->n_shown)
			l->sel++;
		return ACT_REDRAW;
	case L_NEW:
		t->ui.pending = screen_exercise_new(t, e);
		return ACT_PUSH;
	case L_PAST:
		t->ui.pending = screen_entries_new(t, e);
		return ACT_PUSH;
	case L_FINISH:
		if ((plan = plan_for(l, e, &n)) == NULL) {
			ui_message(&t->ui, _("You have no plans to look back on "
			    "for %s."), e->title);
			return ACT_REDRAW;
		}
		/* The oldest first; the others stay for next time, and Home
		 * lists each one to pick from. */
		t->ui.pending = screen_exercise_finish_new(t, e, plan);
		if (n > 1)
			ui_message(&t->ui, _("This is the oldest of your %zu plans "
			    "for %s; Home lists each one."), n, e->title);
		return ACT_PUSH;
	}
	return ACT_UNHANDLED;
}

static void
exlist_leave(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct exlist *l = s->data;

	(void)t;
	open_entries_free(l->plans, l->n_plans);
	free(l->shown);
	free(l);
}

static const struct screen_ops exlist_ops = {
	"exercises", exlist_draw, exlist_key, NULL, exlist_leave, exlist_keys,
	sizeof exlist_keys / sizeof exlist_keys[0], false,
};

struct screen *
screen_exercises_new(struct tui *t)
{
	struct exlist *l = xcalloc(1, sizeof *l);

	l->shown = xcalloc(t->ct.n_exercises + 1, sizeof *l->shown);
	exlist_load(t, l);
	return screen_new(&exlist_ops, l, _("Exercises"));
}
