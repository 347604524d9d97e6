/* screen_home.c: the home screen: the one next step in large clear words,
 * every unfinished draft to resume, plans to look back on, the modules with
 * their state, check-ins due, and the sync line. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draft.h"
#include "i18n.h"
#include "progress.h"
#include "record.h"
#include "tui_int.h"
#include "util.h"

enum row_kind { ROW_NEXT, ROW_DRAFT, ROW_MODULE, ROW_LESSON, ROW_EXERCISE,
    ROW_CHECKIN, ROW_PLAN };

struct row {
	enum row_kind	 kind;
	char		*id;
	char		*text;
	size_t		 module;
};

struct home {
	struct row		*rows;
	size_t			 n_rows;
	size_t			 sel;
	size_t			 top;
	struct progress		 prog;
	bool			 have_prog;
	char			*next;		/* the next step in words */
	char			*due;		/* check-ins due, in words */
	char			*draft_kind, *draft_id;	/* the first */
	char			**drafts;	/* kind, id pairs, after it */
	size_t			 n_drafts;
	char			**plan_drafts;	/* plans being looked back on */
	size_t			 n_plan_drafts;
	struct open_entry	*plans;
	size_t			 n_plans;
	bool			 reply_draft;	/* a reply waits, unsent */
	/* What was read is kept until another screen has been on top or the
	 * minute turns: a key on Home decrypts nothing. */
	bool			 loaded;
	unsigned		 gen;		/* t->ui.screen_gen then */
	long long		 minute;	/* time(NULL) / 60 then */
};

enum { H_DO, H_UP, H_DOWN, H_EXERCISES, H_PROGRESS, H_QUIT, H_TOP,
    H_MESSAGES, H_SYNC };

static const struct binding home_keys[] = {
	{ '\r', "Enter", N_("do the selected step (at first: the next step)"),
	    H_DO },
	{ '\n', NULL, NULL, H_DO },
	{ FN(KEY_ENTER), NULL, NULL, H_DO },
	{ FN(KEY_UP), "Up / k", N_("select the line above"), H_UP },
	{ 'k', NULL, NULL, H_UP },
	{ FN(KEY_DOWN), "Down / j", N_("select the line below"), H_DOWN },
	{ 'j', NULL, NULL, H_DOWN },
	{ FN(KEY_HOME), "Home / n", N_("select the next step"), H_TOP },
	{ 'n', NULL, NULL, H_TOP },
	{ 'e', "e", N_("all exercises, and your past entries"),
	    H_EXERCISES },
	{ 'p', "p", N_("your progress: check-in scores over time"),
	    H_PROGRESS },
	{ 'm', "m", N_("messages from your supporter, and your replies"),
	    H_MESSAGES },
	{ 'S', "S", N_("sync now: send what waits, fetch new messages"),
	    H_SYNC },
	{ 'q', "q", N_("quit Stepwise (your work is saved)"), H_QUIT },
};

static void
rows_clear(struct home *h)
{
	for (size_t i = 0; i < h->n_rows; i++) {
		free(h->rows[i].id);
		free(h->rows[i].text);
	}
	free(h->rows);
	h->rows = NULL;
	h->n_rows = 0;
	free(h->next);
	free(h->due);
	free(h->draft_kind);
	free(h->draft_id);
	h->next = h->due = h->draft_kind = h->draft_id = NULL;
	for (size_t i = 0; i < 2 * h->n_drafts; i++)
		free(h->drafts[i]);
	free(h->drafts);
	h->drafts = NULL;
	h->n_drafts = 0;
	for (size_t i = 0; i < h->n_plan_drafts; i++)
		free(h->plan_drafts[i]);
	free(h->plan_drafts);
	h->plan_drafts = NULL;
	h->n_plan_drafts = 0;
	open_entries_free(h->plans, h->n_plans);
	h->plans = NULL;
	h->n_plans = 0;
	if (h->have_prog)
		progress_free(&h->prog);
	h->have_prog = false;
}

static void
row_add(struct home *h, enum row_kind k, const char *id, size_t m,
    char *text)
{
	struct row *r;

	h->rows = xreallocarray(h->rows, h->n_rows + 1, sizeof *h->rows);
	r = &h->rows[h->n_rows++];
	r->kind = k;
	r->id = id ? xstrdup(id) : NULL;
	r->module = m;
	r->text = text;
}

/* The first draft becomes the next step; the others get a line each. */
static int
draft_seen(void *arg, const char *kind, const char *id)
{
	struct home *h = arg;

	/* A plan being looked back on is marked on its own row. */
	if (strcmp(kind, "plan") == 0) {
		h->plan_drafts = xreallocarray(h->plan_drafts,
		    h->n_plan_drafts + 1, sizeof *h->plan_drafts);
		h->plan_drafts[h->n_plan_drafts++] = xstrdup(id);
		return 0;
	}
	if (h->draft_kind == NULL) {
		h->draft_kind = xstrdup(kind);
		h->draft_id = xstrdup(id);
		return 0;
	}
	h->drafts = xreallocarray(h->drafts, 2 * (h->n_drafts + 1),
	    sizeof *h->drafts);
	h->drafts[2 * h->n_drafts] = xstrdup(kind);
	h->drafts[2 * h->n_drafts + 1] = xstrdup(id);
	h->n_drafts++;
	return 0;
}

static void
draft_rows(struct tui *t, struct home *h)
{
	for (size_t i = 0; i < h->n_drafts; i++) {
		const char		*kind = h->drafts[2 * i];
		const char		*id = h->drafts[2 * i + 1];
		const struct measure	*m;
		const struct exercise	*e;

		if (strcmp(kind, "checkin") == 0) {
			m = content_measure(&t->ct, id);
			row_add(h, ROW_CHECKIN, id, 0, xasprintf(_("Finish "
			    "your %s check-in, where you stopped"),
			    m ? m->title : id));
		} else {
			e = content_exercise(&t->ct, id);
			row_add(h, ROW_EXERCISE, id, 0, xasprintf(_("Finish "
			    "your %s, where you stopped"), e ? e->title : id));
		}
	}
}

/* A plan in a few words: the exercise, its first written answer, and the
 * day it was made. */
static void
plan_rows(struct tui *t, struct home *h)
{
	struct sw_error	 err = { 0 };
	char		 day[64];

	if (exercise_open_entries(t->st, &t->ct, &h->plans, &h->n_plans,
	    &err) != 0) {
		ui_message(&t->ui, "%s", err.msg);
		h->plans = NULL;
		h->n_plans = 0;
		return;
	}
	for (size_t i = 0; i < h->n_plans; i++) {
		const struct open_entry	*p = &h->plans[i];
		const struct exercise	*e = content_exercise(&t->ct,
					    p->exercise);
		const char		*what = open_entry_gist(e, p);

		bool			 started = false;

		for (size_t k = 0; k < h->n_plan_drafts; k++)
			started |= strcmp(h->plan_drafts[k], p->id) == 0;
		format_day_words(p->created_at, day, sizeof day);
		if (started)
			row_add(h, ROW_PLAN, p->id, 0, xasprintf(_("Finish "
			    "looking back on: %s (planned on %s)"), e ?
			    e->title : p->exercise, day));
		else
			row_add(h, ROW_PLAN, p->id, 0, what ? xasprintf(
			    _("Look back on: %s, \"%s\" (planned on %s)"),
			    e ? e->title : p->exercise, what, day) :
			    xasprintf(_("Look back on: %s (planned on %s)"),
			    e ? e->title : p->exercise, day));
	}
}

static char *
step_words(struct tui *t, const struct step *s)
{
	const struct lesson	*l;
	const struct exercise	*e;
	const struct measure	*m;
	char			 day[64];

	switch (s->kind) {
	case STEP_CHECKIN:
		m = content_measure(&t->ct, s->id);
		return xasprintf(_("Next: your check-in (%s)"),
		    m ? m->title : s->id);
	case STEP_LESSON:
		l = content_lesson(&t->ct, s->id);
		for (size_t i = 0; i < t->ct.modules[s->module].n_lessons; i++)
			if (t->ct.modules[s->module].lessons[i] == l)
				return xasprintf(_("Next: Lesson %zu, %s, about "
				    "%d minutes"), i + 1, l->title,
				    l->minutes);
		return xasprintf(_("Next: a lesson, %s, about %d minutes"),
		    l ? l->title : s->id, l ? l->minutes : 10);
	case STEP_EXERCISE:
		e = content_exercise(&t->ct, s->id);
		return xasprintf(_("Next: an exercise, %s, about %d minutes"),
		    e ? e->title : s->id, e ? e->minutes : 10);
	case STEP_WAIT:
		if (s->held)
			return xasprintf(_("Next: module %zu waits until your "
			    "supporter opens it"), s->module + 1);
		if (s->at == 0)
			return xasprintf(_("Next: module %zu opens when you "
			    "finish this one"), s->module + 1);
		format_day_words(s->at, day, sizeof day);
		return xasprintf(_("Module %zu opens on %s"), s->module + 1,
		    day);
	case STEP_FINISHED:
		return xstrdup(_("You have finished every module. Well "
		    "done. Keep using the exercises that help you."));
	}
	return xstrdup("");
}

static void
module_rows(struct tui *t, struct home *h, struct progress_facts *f,
    size_t m)
{
	const struct module		*mod = &t->ct.modules[m];
	const struct module_progress	*mp = &h->prog.modules[m];
	const char			*mark;
	char				 day[64];

	if (mp->state == MODULE_LOCKED) {
		if (mp->held)
			row_add(h, ROW_MODULE, NULL, m, xasprintf(_("Module "
			    "%zu: %s (your supporter asked you to wait)"),
			    m + 1, mod->title));
		else if (mp->available_at != 0) {
			format_day_words(mp->available_at, day, sizeof day);
			row_add(h, ROW_MODULE, NULL, m, xasprintf(_("Module "
			    "%zu: %s (opens on %s)"), m + 1, mod->title, day));
		} else
			row_add(h, ROW_MODULE, NULL, m, xasprintf(_("Module "
			    "%zu: %s (opens after module %zu)"), m + 1,
			    mod->title, m));
		return;
	}
	row_add(h, ROW_MODULE, NULL, m, xasprintf("%s %zu: %s%s", _("Module"),
	    m + 1, mod->title, mp->state == MODULE_DONE ? _(" (done)") :
	    mp->opened_early ? _(" (opened early by your supporter)") : ""));
	for (size_t i = 0; i < mod->n_checkins; i++) {
		const struct measure *me = content_measure(&t->ct,
		    mod->checkins[i]);

		if (mp->state == MODULE_DONE || !progress_checkin_due(&t->ct, f,
		    &h->prog, m, mod->checkins[i]))
			continue;
		row_add(h, ROW_CHECKIN, mod->checkins[i], m, xasprintf(_("   "
		    "[ ] Check-in: %s (due)"), me ? me->title : ""));
	}
	for (size_t i = 0; i < mod->n_lessons; i++) {
		const struct lesson *l = mod->lessons[i];
		bool done = false;

		for (size_t k = 0; k < t->ct.n_lessons; k++)
			if (&t->ct.lessons[k] == l)
				done = f->lesson_done[k] != 0;
		mark = done ? "[x]" : "[ ]";
		row_add(h, ROW_LESSON, l->id, m, xasprintf(_("   %s Lesson "
		    "%zu: %s, %d minutes"), mark, i + 1, l->title, l->minutes));
	}
	for (size_t i = 0; i < mod->n_exercises; i++) {
		const struct exercise *e = content_exercise(&t->ct,
		    mod->exercises[i]);
		bool done = false;

		for (size_t k = 0; k < t->ct.n_exercises; k++)
			if (&t->ct.exercises[k] == e)
				done = f->exercise_last[k] != 0;
		mark = done ? "[x]" : "[ ]";
		row_add(h, ROW_EXERCISE, mod->exercises[i], m, xasprintf(
		    _("   %s Exercise: %s"), mark, e ? e->title : ""));
	}
}

static void
home_load(struct tui *t, struct home *h)
{
	struct progress_facts	 f;
	struct sw_error		 err = { 0 };
	long long		 now = (long long)time(NULL);
	size_t			 ndue = 0, sel = h->sel;
	char			*due = NULL, *p;

	if (h->loaded && h->gen == t->ui.screen_gen && h->minute == now / 60)
		return;
	h->loaded = true;
	h->gen = t->ui.screen_gen;
	h->minute = now / 60;
	rows_clear(h);
	if (progress_facts_load(t->st, &t->ct, now, &f, &err) != 0) {
		ui_message(&t->ui, "%s", err.msg);
		row_add(h, ROW_NEXT, NULL, 0, xstrdup(""));
		h->next = xstrdup(_("Your progress could not be read."));
		return;
	}
	progress_compute(&t->ct, &f, now, &h->prog);
	h->have_prog = true;
	draft_each(t->st, draft_seen, h, &err);
	if (h->draft_kind != NULL && strcmp(h->draft_kind, "checkin") == 0) {
		const struct measure *m = content_measure(&t->ct, h->draft_id);

		h->next = xasprintf(_("Next: finish your %s check-in, where "
		    "you stopped"), m ? m->title : h->draft_id);
	} else if (h->draft_kind != NULL) {
		const struct exercise *e = content_exercise(&t->ct,
		    h->draft_id);

		h->next = xasprintf(_("Next: finish your %s, where you "
		    "stopped"), e ? e->title : h->draft_id);
	} else
		h->next = step_words(t, &h->prog.next);
	row_add(h, h->draft_kind ? ROW_DRAFT : ROW_NEXT, NULL, 0, NULL);
	plan_rows(t, h);
	draft_rows(t, h);
	for (size_t m = 0; m < t->ct.n_modules; m++)
		module_rows(t, h, &f, m);
	for (size_t m = 0; m < t->ct.n_modules; m++) {
		const struct module *mod = &t->ct.modules[m];

		if (h->prog.modules[m].state != MODULE_AVAILABLE)
			continue;
		for (size_t i = 0; i < mod->n_checkins; i++) {
			const struct measure *me;

			if (!progress_checkin_due(&t->ct, &f, &h->prog, m,
			    mod->checkins[i]))
				continue;
			me = content_measure(&t->ct, mod->checkins[i]);
			p = xasprintf("%s%s%s", due ? due : "", due ? ", " :
			    "", me ? me->title : mod->checkins[i]);
			free(due);
			due = p;
			ndue++;
		}
	}
	h->due = due;
	h->reply_draft = false;
	if (t->ob != NULL && draft_reply_load(t->st, &p, &err) == 0 &&
	    p != NULL) {
		h->reply_draft = true;
		wipe_free(p);
	}
	if (ndue > 0)
		snprintf(t->pendingline, sizeof t->pendingline,
		    ngettext("%zu check-in due", "%zu check-ins due", ndue),
		    ndue);
	else
		t->pendingline[0] = '\0';
	progress_facts_free(&f);
	h->sel = sel < h->n_rows ? sel : 0;
}

/* New messages, a reply not yet sent, or a message that failed its check;
 * NULL when there is nothing to say. */
static char *
messages_line(struct tui *t, struct home *h, int width)
{
	char *s;

	if (t->ob == NULL)
		return NULL;
	if (t->unread > 0) {
		s = xasprintf(ngettext("%d new message from your supporter: "
		    "press m to read it", "%d new messages from your "
		    "supporter: press m to read them", t->unread), t->unread);
		if (str_width(s) <= width)
			return s;
		free(s);
		return xasprintf(ngettext("%d new message: press m",
		    "%d new messages: press m", t->unread), t->unread);
	}
	if (h->reply_draft)
		return xstrdup(_("Your reply is not sent yet: press m to "
		    "finish it"));
	if (t->sync_st.bad_messages > 0)
		return xstrdup(_("A message could not be shown: press m"));
	return NULL;
}

/* Whether Enter on the next step opens something (a module still closed,
 * or the course finished, has nothing to open). */
static bool
home_startable(const struct home *h)
{
	if (h->n_rows == 0)
		return false;
	if (h->rows[0].kind == ROW_DRAFT)
		return true;
	return h->have_prog && h->prog.next.kind != STEP_WAIT &&
	    h->prog.next.kind != STEP_FINISHED;
}

/* The page above the sync line: the title, the next step with its hint,
 * what is due, then the rows, every one wrapped whole; start[i] and end[i]
 * are the lines row i takes. */
static void
home_page(struct tui *t, struct home *h, struct tdoc *page, size_t *start,
    size_t *end, int w)
{
	struct para	 p;
	char		*msg, *line;

	tdoc_text(page, t->ct.title, ui_attr(&t->ui, ATTR_TITLE));
	tdoc_blank(page);
	/* The one next step, large and first: selected unless the patient
	 * has moved down the list. */
	start[0] = page->n;
	para_begin(&p, page, L"  ", L"  ", A_NORMAL);
	para_add(&p, h->next, A_BOLD | (h->sel == 0 ? A_REVERSE : 0));
	para_end(&p);
	para_begin(&p, page, L"  ", L"  ", A_NORMAL);
	para_add(&p, h->sel != 0 ? _("Press n to select the next step again.") :
	    home_startable(h) ? _("Press Enter to start.") : _("Nothing to "
	    "start now: choose a line below, or e for the exercises."),
	    ui_attr(&t->ui, ATTR_DIM));
	para_end(&p);
	end[0] = page->n;
	if (h->due != NULL) {
		line = xasprintf(_("Check-ins due: %s"), h->due);
		tdoc_text(page, line, ui_attr(&t->ui, ATTR_ACCENT));
		free(line);
	}
	if (h->n_plans > 0) {
		line = xasprintf(_("Plans to look back on: %zu (select one "
		    "below and press Enter)"), h->n_plans);
		tdoc_text(page, line, ui_attr(&t->ui, ATTR_ACCENT));
		free(line);
	}
	if ((msg = messages_line(t, h, w)) != NULL)
		tdoc_text(page, msg, ui_attr(&t->ui, ATTR_ACCENT));
	free(msg);
	tdoc_blank(page);
	for (size_t i = 1; i < h->n_rows; i++) {
		attr_t a = h->rows[i].kind == ROW_MODULE ? A_BOLD : A_NORMAL;

		start[i] = page->n;
		tdoc_row(page, h->rows[i].text, a | (i == h->sel ? A_REVERSE :
		    0));
		end[i] = page->n;
	}
}

static void
home_draw(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct home	*h = s->data;
	int		 w = COLS - 4, bottom, rows;
	char		*sync;
	struct tdoc	 d = { NULL, 0, w }, page = { NULL, 0, w };
	size_t		*start, *end;

	home_load(t, h);
	start = xcalloc(h->n_rows + 1, sizeof *start);
	end = xcalloc(h->n_rows + 1, sizeof *end);
	home_page(t, h, &page, start, end, w);
	/* The sync line at the foot takes up to three rows when it needs
	 * them and the window has them. */
	sync = tui_sync_words(t);
	tdoc_text(&d, sync, ui_attr(&t->ui, ATTR_DIM));
	rows = LINES >= 20 ? 3 : LINES > UI_MIN_ROWS ? 2 : 1;
	bottom = LINES - 1 - ((int)d.n < rows ? (int)d.n : rows);
	/* Above it the page scrolls, by lines, to keep the selected row
	 * whole on the screen; the next step shows the page from its top. */
	h->top = h->sel == 0 ? 0 : tdoc_scroll(&page, h->top, start[h->sel],
	    end[h->sel], bottom - 1);
	tdoc_draw(&page, 0, 2, h->top, bottom - 1);
	if (h->n_rows > 0 && start[h->sel] >= h->top &&
	    start[h->sel] < h->top + (size_t)(bottom > 1 ? bottom - 1 : 1))
		mark_selected(&t->ui, (int)(start[h->sel] - h->top), h->sel == 0 ?
		    4 : 2);
	tdoc_draw(&d, bottom, 2, 0, LINES - 1 - bottom);
	tdoc_free(&d);
	tdoc_free(&page);
	free(start);
	free(end);
	free(sync);
}

static enum action
open_row(struct tui *t, enum row_kind kind, const char *id)
{
	const struct lesson	*l;
	const struct exercise	*e;
	const struct measure	*m;

	switch (kind) {
	case ROW_LESSON:
		if ((l = content_lesson(&t->ct, id)) == NULL)
			return ACT_NONE;
		t->ui.pending = screen_lesson_new(t, l);
		return ACT_PUSH;
	case ROW_EXERCISE:
		if ((e = content_exercise(&t->ct, id)) == NULL)
			return ACT_NONE;
		t->ui.pending = screen_exercise_new(t, e);
		return ACT_PUSH;
	case ROW_CHECKIN:
		if ((m = content_measure(&t->ct, id)) == NULL)
			return ACT_NONE;
		t->ui.pending = screen_checkin_new(t, m);
		return ACT_PUSH;
	default:
		return ACT_NONE;
	}
}

static enum action
open_plan(struct tui *t, struct home *h, const char *id)
{
	const struct exercise *e;

	for (size_t i = 0; i < h->n_plans; i++) {
		if (strcmp(h->plans[i].id, id) != 0)
			continue;
		if ((e = content_exercise(&t->ct, h->plans[i].exercise)) ==
		    NULL)
			return ACT_NONE;
		t->ui.pending = screen_exercise_finish_new(t, e, &h->plans[i]);
		return ACT_PUSH;
	}
	return ACT_NONE;
}

static enum action
home_do(struct tui *t, struct home *h)
{
	const struct row	*r = &h->rows[h->sel];
	const struct step	*s = &h->prog.next;

	if (r->kind == ROW_PLAN)
		return open_plan(t, h, r->id);
	if (r->kind == ROW_DRAFT)
		return open_row(t, strcmp(h->draft_kind, "checkin") == 0 ?
		    ROW_CHECKIN : ROW_EXERCISE, h->draft_id);
	if (r->kind != ROW_NEXT)
		return open_row(t, r->kind, r->id);
	switch (s->kind) {
	case STEP_CHECKIN:
		return open_row(t, ROW_CHECKIN, s->id);
	case STEP_LESSON:
		return open_row(t, ROW_LESSON, s->id);
	case STEP_EXERCISE:
		return open_row(t, ROW_EXERCISE, s->id);
	default:
		return ACT_NONE;
	}
}

static enum action
home_key(struct screen *s, struct ui *u, int key)
{
	struct tui	*t = tui_of(u);
	struct home *h = s->data;

	switch (binding_find(home_keys, sizeof home_keys / sizeof home_keys[0],
	    key)) {
	case H_DO:
		return h->n_rows ? home_do(t, h) : ACT_NONE;
	case H_UP:
		if (h->sel > 0)
			h->sel--;
		return ACT_REDRAW;
	case H_DOWN:
		if (h->sel + 1 < h->n_rows)
			h->sel++;
		return ACT_REDRAW;
	case H_TOP:
		h->sel = 0;
		h->top = 0;
		return ACT_REDRAW;
	case H_EXERCISES:
		t->ui.pending = screen_exercises_new(t);
		return ACT_PUSH;
	case H_PROGRESS:
		t->ui.pending = screen_progress_new(t);
		return ACT_PUSH;
	case H_MESSAGES:
		t->ui.pending = screen_messages_new(t);
		return ACT_PUSH;
	case H_SYNC:
		tui_sync_now(t);
		return ACT_REDRAW;
	case H_QUIT:
		return ACT_QUIT;
	}
	/* A lone Esc is what a slow link makes of an arrow key cut in two:
	 * it never quits. */
	if (key == KEY_ESCAPE) {
		ui_message(&t->ui, "%s", _("To quit, press q."));
		return ACT_NONE;
	}
	return ACT_UNHANDLED;
}

static void
home_leave(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct home *h = s->data;

	(void)t;
	rows_clear(h);
	free(h);
}

static const struct screen_ops home_ops = {
	"home", home_draw, home_key, NULL, home_leave, home_keys,
	sizeof home_keys / sizeof home_keys[0], false,
};

struct screen *
screen_home_new(struct tui *t)
{
	(void)t;
	return screen_new(&home_ops, xcalloc(1, sizeof(struct home)),
	    _("Home"));
}
