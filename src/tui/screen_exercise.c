/* screen_exercise.c: filling in an exercise from content, one field per
 * step (text, rating, choice, list, date and time), with its worked
 * example, a review, saving, and a draft kept whenever the patient leaves.
 * Finishing an open plan shows the plan's values read-only and asks only
 * the "later" fields. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draft.h"
#include "edit.h"
#include "i18n.h"
#include "jsonv.h"
#include "record.h"
#include "sharing.h"
#include "tui_int.h"
#include "util.h"

#define UNSET	INT_MIN

struct item {
	char	*text;
	int	 rating;
};

struct fstate {
	struct edit	 ed;		/* text, datetime, a list's new item */
	int		 rating;	/* rating; a list item's rating */
	char		 digits[8];
	bool		*chosen;	/* choice */
	size_t		 sel;
	struct item	*items;		/* list */
	size_t		 n_items;
	bool		 rating_phase;	/* list: typing the item's rating */
};

struct ex {
	const struct exercise	*e;
	struct fstate		*f;
	size_t			 page;	/* 0 intro, 1..n fields, n+1 review */
	bool			 saved;
	size_t			 top;	/* review scroll */
	char			*plan_id;	/* finishing this open plan */
	cJSON			*plan;		/* its values, shown above */
	long long		 plan_at;
	int			 share;	/* the review's answer: 1 share with
					 * the clinic, 0 keep private, -1
					 * not chosen yet */
};

/* Every action has a key that is neither an arrow nor a function key: a
 * letter where the step takes no typing (X_*_LETTER), a control key where
 * it does. */
enum { X_NEXT, X_PREV, X_EXAMPLE, X_SAVE, X_PREV_LETTER, X_EXAMPLE_LETTER };

static const struct binding ex_keys[] = {
	{ '\t', "Tab / Ctrl-N", N_("next step"), X_NEXT },
	{ CTRLK('n'), NULL, NULL, X_NEXT },
	{ FN(KEY_NPAGE), NULL, NULL, X_NEXT },
	{ 'b', "b / Ctrl-P", N_("step before (b where you are not typing; "
	    "also Shift-Tab, PgUp)"), X_PREV_LETTER },
	{ CTRLK('p'), NULL, NULL, X_PREV },
	{ FN(KEY_BTAB), NULL, NULL, X_PREV },
	{ FN(KEY_PPAGE), NULL, NULL, X_PREV },
	{ 'e', "e / Ctrl-X", N_("show the worked example (e where you are not "
	    "typing; also F2)"), X_EXAMPLE_LETTER },
	{ CTRLK('x'), NULL, NULL, X_EXAMPLE },
	{ FN(KEY_F(2)), NULL, NULL, X_EXAMPLE },
	{ '1', "1-9", N_("in a list of choices: choose that one"), -1 },
	{ 'k', "k / j", N_("in a list of choices: select the one above or "
	    "below (also Up, Down)"), -1 },
	{ 's', "s / F3", N_("on the last step: save (also Enter)"), X_SAVE },
	{ FN(KEY_F(3)), NULL, NULL, X_SAVE },
	{ 'y', "y / n", N_("on the last step: share the entry with your "
	    "clinic, or keep it private"), -1 },
	{ KEY_ESCAPE, "Esc", N_("leave; what you wrote is kept as a draft"),
	    -1 },
};

/* Whether the page shown takes typing: letters are text there, not
 * commands. */
static bool
page_types(const struct ex *x)
{
	const struct field *f;

	if (x->page == 0 || x->page > x->e->n_fields)
		return false;
	f = &x->e->fields[x->page - 1];
	return f->type == FIELD_TEXT || f->type == FIELD_DATETIME ||
	    (f->type == FIELD_LIST && !x->f[x->page - 1].rating_phase);
}

/* Whether page p (1..n_fields) is asked: finishing a plan asks only the
 * later fields. */
static bool
page_asked(const struct ex *x, size_t p)
{
	return x->plan_id == NULL || x->e->fields[p - 1].later;
}

/* Move one asked page forward or back (0 intro, n_fields + 1 review). */
static void
page_step(struct ex *x, int dir)
{
	do
		x->page = dir > 0 ? x->page + 1 : x->page - 1;
	while (x->page > 0 && x->page <= x->e->n_fields &&
	    !page_asked(x, x->page));
}

/* "Step k of n" counting asked pages only. */
static void
page_count(const struct ex *x, size_t *k, size_t *n)
{
	*k = *n = 0;
	for (size_t p = 1; p <= x->e->n_fields; p++)
		if (page_asked(x, p)) {
			(*n)++;
			if (p <= x->page)
				(*k)++;
		}
}

/* ---- values <-> field states ---- */

static cJSON *
values_get(const struct ex *x)
{
	cJSON *v = cJSON_CreateObject(), *a, *o;
	char *s;

	for (size_t i = 0; i < x->e->n_fields; i++) {
		const struct field	*f = &x->e->fields[i];
		const struct fstate	*st = &x->f[i];

		switch (f->type) {
		case FIELD_TEXT:
		case FIELD_DATETIME:
			if (st->ed.len == 0)
				break;
			s = edit_get(&st->ed);
			if (f->type == FIELD_DATETIME && strlen(s) > 10 &&
			    s[10] == ' ')
				s[10] = 'T';
			cJSON_AddStringToObject(v, f->id, s);
			free(s);
			break;
		case FIELD_RATING:
			if (st->rating != UNSET)
				cJSON_AddNumberToObject(v, f->id, st->rating);
			break;
		case FIELD_CHOICE:
			a = cJSON_CreateArray();
			for (size_t k = 0; k < f->n_options; k++)
				if (st->chosen[k])
					cJSON_AddItemToArray(a,
					    cJSON_CreateString(f->options[k]));
			if (cJSON_GetArraySize(a) > 0)
				cJSON_AddItemToObject(v, f->id, a);
			else
				cJSON_Delete(a);
			break;
		case FIELD_LIST:
			if (st->n_items == 0)
				break;
			a = cJSON_AddArrayToObject(v, f->id);
			for (size_t k = 0; k < st->n_items; k++) {
				if (!f->rated) {
					cJSON_AddItemToArray(a,
					    cJSON_CreateString(st->items[k].text));
					continue;
				}
				o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "text",
				    st->items[k].text);
				cJSON_AddNumberToObject(o, "rating",
				    st->items[k].rating);
				cJSON_AddItemToArray(a, o);
			}
			break;
		}
	}
	return v;
}

static void
values_set(struct ex *x, const cJSON *v)
{
	const cJSON *j, *it, *r;

	for (size_t i = 0; i < x->e->n_fields; i++) {
		const struct field	*f = &x->e->fields[i];
		struct fstate		*st = &x->f[i];

		if ((j = cJSON_GetObjectItemCaseSensitive(v, f->id)) == NULL)
			continue;
		switch (f->type) {
		case FIELD_TEXT:
		case FIELD_DATETIME:
			if (cJSON_IsString(j)) {
				edit_set(&st->ed, j->valuestring);
				if (f->type == FIELD_DATETIME &&
				    st->ed.len > 10 && st->ed.b[10] == L'T')
					st->ed.b[10] = L' ';
			}
			break;
		case FIELD_RATING:
			if (cJSON_IsNumber(j))
				st->rating = j->valueint;
			break;
		case FIELD_CHOICE:
			cJSON_ArrayForEach(it, j)
				for (size_t k = 0; k < f->n_options; k++)
					if (cJSON_IsString(it) && strcmp(
					    it->valuestring, f->options[k]) == 0)
						st->chosen[k] = true;
			break;
		case FIELD_LIST:
			cJSON_ArrayForEach(it, j) {
				const char *text = cJSON_IsString(it) ?
				    it->valuestring : cJSON_GetStringValue(
				    cJSON_GetObjectItem(it, "text"));

				if (text == NULL)
					continue;
				r = cJSON_GetObjectItem(it, "rating");
				st->items = xreallocarray(st->items,
				    st->n_items + 1, sizeof *st->items);
				st->items[st->n_items].text = xstrdup(text);
				st->items[st->n_items++].rating =
				    cJSON_IsNumber(r) ? r->valueint : 0;
			}
			break;
		}
	}
}

/* Values as readable text; earlier_only leaves out the later fields (a
 * plan as it was made). */
static void
render_fields(struct tui *t, const struct exercise *e, const cJSON *v,
    struct tdoc *d, bool earlier_only)
{
	const cJSON	*j, *it;
	char		*s;
	struct para	 p;

	for (size_t i = 0; i < e->n_fields; i++) {
		const struct field *f = &e->fields[i];

		if (earlier_only && f->later)
			continue;
		tdoc_text(d, f->prompt, A_BOLD);
		j = cJSON_GetObjectItemCaseSensitive(v, f->id);
		para_begin(&p, d, L"  ", L"  ", A_NORMAL);
		if (j == NULL)
			para_add(&p, _("(not filled in)"), ui_attr(&t->ui,
			    ATTR_DIM));
		else if (cJSON_IsString(j))
			para_add(&p, j->valuestring, A_NORMAL);
		else if (cJSON_IsNumber(j)) {
			s = xasprintf("%d (%d-%d)", j->valueint, f->min,
			    f->max);
			para_add(&p, s, A_NORMAL);
			free(s);
		} else if (cJSON_IsArray(j)) {
			bool first = true;

			cJSON_ArrayForEach(it, j) {
				if (cJSON_IsString(it))
					s = xstrdup(it->valuestring);
				else
					s = xasprintf("%s (%d)",
					    cJSON_GetStringValue(
					    cJSON_GetObjectItem(it, "text")),
					    cJSON_GetObjectItem(it,
					    "rating")->valueint);
				if (!first)
					para_add(&p, f->type == FIELD_LIST ?
					    "\n" : ",", A_NORMAL);
				para_add(&p, f->type == FIELD_LIST ?
				    bullet(&t->ui) : "", A_NORMAL);
				para_add(&p, " ", A_NORMAL);
				para_add(&p, s, A_NORMAL);
				free(s);
				first = false;
			}
		}
		para_end(&p);
	}
}

/* Values as readable text, for the review, the example and past entries. */
void
values_render(struct tui *t, const struct exercise *e, const cJSON *v,
    struct tdoc *d)
{
	render_fields(t, e, v, d, false);
}

/* ---- drawing ---- */

static int
draw_field(struct tui *t, struct ex *x, const struct field *f,
    struct fstate *st, int y, int w)
{
	int		 h = LINES - 3 - y, rows;
	size_t		 shown, first;
	struct tdoc	 q = { NULL, 0, w };
	char		*s;

	switch (f->type) {
	case FIELD_TEXT:
	case FIELD_DATETIME:
		if (f->type == FIELD_DATETIME)
			y = put_wrapped(&t->ui, y, 2, w, LINES - 3,
			    f->date_only ? _("Type a date as YYYY-MM-DD") :
			    _("Type a date and time as YYYY-MM-DD HH:MM"),
			    ui_attr(&t->ui, ATTR_DIM));
		/* A one-line answer (Enter moves on) still wraps, so the
		 * whole of it stays in view; a date never wraps. */
		if (f->type == FIELD_DATETIME)
			h = 1;
		else if (!f->multiline && h > 4)
			h = 4;
		edit_draw(&st->ed, y, 2, w, h < 1 ? 1 : h, A_UNDERLINE,
		    &t->ui.cur_y, &t->ui.cur_x);
		break;
	case FIELD_RATING:
		if (st->rating == UNSET)
			s = xasprintf(_("[   ]  (%d to %d: type a number)"),
			    f->min, f->max);
		else
			s = xasprintf("[%3d]  (%d %s, %d %s)", st->rating,
			    f->min, f->min_label ? f->min_label : "", f->max,
			    f->max_label ? f->max_label : "");
		put_wrapped(&t->ui, y, 2, w, LINES - 2, s, A_BOLD);
		free(s);
		break;
	case FIELD_CHOICE:
		/* Above the key line; when the options do not all fit (a
		 * small window), those around the selected one, and a line
		 * saying there are more. */
		rows = LINES - 2 - y;
		shown = rows > (int)f->n_options ? f->n_options :
		    rows > 2 ? (size_t)rows - 1 : 1;
		first = st->sel >= shown ? st->sel - shown + 1 : 0;
		for (size_t k = first; k < first + shown &&
		    k < f->n_options; k++) {
			s = xasprintf("%zu %s %s", k + 1, st->chosen[k] ?
			    (f->multiple ? "[x]" : "(*)") : (f->multiple ?
			    "[ ]" : "( )"), f->options[k]);
			if (k == st->sel)
				mark_selected(&t->ui, y, 2);
			put_line(y++, 2, w, s, k == st->sel ? A_REVERSE :
			    A_NORMAL);
			free(s);
		}
		if (y >= LINES - 2)
			break;
		put_line(y, 2, w, shown < f->n_options ? _("More choices: "
		    "j and k.") : f->multiple ? _("A number ticks it, or "
		    "j/k and Space.") : _("Press a number, or j/k and Space."),
		    ui_attr(&t->ui, ATTR_DIM));
		break;
	case FIELD_LIST:
		/* The rating question wrapped, its number at its end: in a
		 * narrow window it is never cut off. */
		if (st->rating_phase) {
			s = xasprintf("%s [%s]", f->rating_prompt ?
			    f->rating_prompt : _("Rating"), st->digits);
			tdoc_text(&q, s, A_BOLD);
			free(s);
		}
		/* The latest items, in the rows left over what follows. */
		rows = LINES - 4 - y - (st->rating_phase ? (int)q.n - 2 : 0);
		first = rows <= 0 ? st->n_items : st->n_items > (size_t)rows ?
		    st->n_items - (size_t)rows : 0;
		for (size_t k = first; k < st->n_items; k++) {
			s = f->rated ? xasprintf("%s %s (%d)", bullet(&t->ui),
			    st->items[k].text, st->items[k].rating) :
			    xasprintf("%s %s", bullet(&t->ui), st->items[k].text);
			put_line(y++, 2, w, s, A_NORMAL);
			free(s);
		}
		if (st->rating_phase) {
			rows = LINES - 2 - y < (int)q.n ? LINES - 2 - y :
			    (int)q.n;
			if (rows < 1)
				rows = 1;
			tdoc_draw(&q, y, 2, 0, rows);
			t->ui.cur_y = y + rows - 1;
			t->ui.cur_x = 2 + (int)q.v[rows - 1].n - 1;
			tdoc_free(&q);
		} else {
			put_line(y++, 2, w, f->item_prompt ? f->item_prompt :
			    _("Add one"), ui_attr(&t->ui, ATTR_DIM));
			edit_draw(&st->ed, y, 2, w, 1, A_UNDERLINE, &t->ui.cur_y,
			    &t->ui.cur_x);
			put_wrapped(&t->ui, y + 1, 2, w, LINES - 2, _("Enter adds "
			    "it. Backspace on an empty line takes the last one "
			    "back."), ui_attr(&t->ui, ATTR_DIM));
		}
		break;
	}
	(void)x;
	return y;
}

/* The plan being finished, read-only, in at most a third of the screen. */
static int
draw_plan(struct tui *t, struct ex *x, int y, int w)
{
	struct tdoc	 d = { NULL, 0, w - 2 };
	char		 day[64], *line;
	int		 rows = (LINES - 6) / 3;

	format_day_words(x->plan_at, day, sizeof day);
	line = xasprintf(_("Your plan, made on %s:"), day);
	put_line(y++, 2, w, line, ui_attr(&t->ui, ATTR_ACCENT));
	free(line);
	render_fields(t, x->e, x->plan, &d, true);
	if (rows < 1)
		rows = 1;
	if ((size_t)rows > d.n)
		rows = (int)d.n;
	tdoc_draw(&d, y, 4, 0, rows);
	tdoc_free(&d);
	return y + rows;
}

/* The review asks, once, whether a new entry goes to the clinic (a look
 * back on a plan goes as the plan went). */
static bool
share_asked(const struct tui *t, const struct ex *x)
{
	return t->ob != NULL && x->plan_id == NULL;
}

static int
draw_share(struct tui *t, const struct ex *x, int y, int w)
{
	const char	*clinic = tui_clinic_name(t);
	char		*line;

	if (!share_asked(t, x))
		return y;
	if (x->share < 0)
		line = xasprintf(_("Share this entry with %s? y: share it, n: "
		    "keep it private."), clinic);
	else if (x->share)
		line = xasprintf(_("Shared with %s (n keeps it private)."),
		    clinic);
	else
		line = xasprintf(_("Private: only on this computer (y shares "
		    "it with %s)."), clinic);
	y = put_wrapped(&t->ui, y, 2, w, LINES - 3, line, x->share < 0 ?
	    A_BOLD : A_NORMAL);
	free(line);
	return y;
}

static void
ex_draw(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct ex		*x = s->data;
	const struct exercise	*e = x->e;
	int			 w = COLS - 4, y = 0;
	char			*line;
	struct tdoc		 d = { NULL, 0, 0 };
	cJSON			*v;
	size_t			 k, n;
	bool			 compact;

	if (w > 76)
		w = 76;
	put_line(y++, 2, w, e->title, ui_attr(&t->ui, ATTR_TITLE));
	if (x->plan != NULL && x->page <= e->n_fields)
		y = draw_plan(t, x, y, w);
	if (x->page == 0) {
		y++;
		y = put_wrapped(&t->ui, y, 2, w, LINES - 4, e->intro, A_NORMAL) + 1;
		put_wrapped(&t->ui, y, 2, w, LINES - 2, _("Press Tab to begin. "
		    "e shows a worked example."), ui_attr(&t->ui, ATTR_ACCENT));
		return;
	}
	if (x->page > e->n_fields) {
		put_line(y++, 2, w, _("Check and save: Enter or s saves, b "
		    "goes back"), ui_attr(&t->ui, ATTR_ACCENT));
		y = draw_share(t, x, y, w) + 1;
		d.width = w;
		v = values_get(x);
		values_render(t, e, v, &d);
		cJSON_Delete(v);
		if (x->top >= d.n)
			x->top = d.n ? d.n - 1 : 0;
		tdoc_draw(&d, y, 2, x->top, LINES - 2 - y);
		tdoc_free(&d);
		return;
	}
	/* In a small window: the step beside the title, no spacing, and the
	 * question and its help whole, the field taking what is left. */
	compact = LINES < 20 && x->plan == NULL;
	page_count(x, &k, &n);
	line = compact ? xasprintf(_("%s, step %zu of %zu"), e->title, k, n) :
	    xasprintf(_("Step %zu of %zu"), k, n);
	if (compact)
		y--;
	put_line(y++, 2, w, line, compact ? ui_attr(&t->ui, ATTR_TITLE) :
	    ui_attr(&t->ui, ATTR_DIM));
	free(line);
	if (!compact)
		y++;
	y = put_wrapped(&t->ui, y, 2, w, LINES - (compact ? 4 : 6),
	    e->fields[x->page - 1].prompt, A_BOLD);
	if (e->fields[x->page - 1].help)
		y = put_wrapped(&t->ui, y, 2, w, LINES - (compact ? 4 : 6),
		    e->fields[x->page - 1].help, ui_attr(&t->ui, ATTR_DIM));
	if (!e->fields[x->page - 1].required ||
	    (e->fields[x->page - 1].later && x->plan_id == NULL))
		put_line(y++, 2, w, _("(optional)"), ui_attr(&t->ui, ATTR_DIM));
	if (!compact)
		y++;
	draw_field(t, x, &e->fields[x->page - 1], &x->f[x->page - 1], y, w);
	line = page_types(x) ? _("Tab next, Ctrl-P back, Ctrl-X example, Esc "
	    "leave") : _("Tab next, b back, e example, Esc leave");
	/* The short form for a narrow window; ? lists every key. */
	if (str_width(line) > w)
		line = page_types(x) ? _("Tab next, ^P back, ^X example") :
		    _("Tab next, b back, e example");
	put_line(LINES - 2, 2, w, line, ui_attr(&t->ui, ATTR_DIM));
}

/* ---- keys ---- */

static bool
datetime_ok(const char *s, bool date_only)
{
	int y, mo, d, h = 0, mi = 0, n = 0;

	if (date_only)
		return sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 &&
		    s[n] == '\0' && mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
	return sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi,
	    &n) == 5 && s[n] == '\0' && y >= 1900 && mo >= 1 && mo <= 12 &&
	    d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59;
}

/* May the patient leave this page? Says why not. */
static bool
page_ok(struct tui *t, struct ex *x)
{
	const struct field	*f;
	struct fstate		*st;
	char			*s;
	bool			 ok;

	if (x->page == 0 || x->page > x->e->n_fields)
		return true;
	f = &x->e->fields[x->page - 1];
	st = &x->f[x->page - 1];
	if (f->type != FIELD_DATETIME || st->ed.len == 0)
		return true;
	s = edit_get(&st->ed);
	ok = datetime_ok(s, f->date_only);
	free(s);
	if (!ok)
		ui_message(&t->ui, "%s", f->date_only ? _("Please type the date as "
		    "YYYY-MM-DD, for example 2026-03-10.") : _("Please type "
		    "the date and time as YYYY-MM-DD HH:MM, for example "
		    "2026-03-10 14:30."));
	return ok;
}

static bool
later_answered(const struct exercise *e, const cJSON *v)
{
	for (size_t i = 0; i < e->n_fields; i++)
		if (e->fields[i].later &&
		    cJSON_HasObjectItem(v, e->fields[i].id))
			return true;
	return false;
}

static void
draft_keep(struct tui *t, struct ex *x)
{
	struct sw_error	 err = { 0 };
	cJSON		*v;

	v = values_get(x);
	/* Looking back on a plan has a draft of its own, so a new entry's
	 * draft of the same exercise is left alone; it is kept once one of
	 * the later fields has an answer. */
	if (x->plan_id != NULL) {
		if (later_answered(x->e, v) && draft_plan_save(t->st,
		    x->plan_id, v, x->page, &err) != 0)
			ui_message(&t->ui, "%s", err.msg);
	} else if (cJSON_GetArraySize(v) > 0 && draft_exercise_save(t->st,
	    x->e->id, v, x->page, &err) != 0)
		ui_message(&t->ui, "%s", err.msg);
	json_wipe_delete(v);
}

static bool
later_missing(const struct exercise *e, const cJSON *v)
{
	for (size_t i = 0; i < e->n_fields; i++)
		if (e->fields[i].later &&
		    !cJSON_HasObjectItem(v, e->fields[i].id))
			return true;
	return false;
}

static enum action
ex_save(struct tui *t, struct ex *x)
{
	struct sw_error	 err = { 0 };
	struct diags	 d = { 0 };
	cJSON		*v = values_get(x);

	for (size_t i = 0; i < x->e->n_fields; i++) {
		const struct field *f = &x->e->fields[i];

		if (f->required && (!f->later || x->plan_id != NULL) &&
		    !cJSON_HasObjectItem(v, f->id)) {
			ui_message(&t->ui, _("Please fill in: %s"), f->prompt);
			x->page = i + 1;
			cJSON_Delete(v);
			return ACT_REDRAW;
		}
	}
	if (share_asked(t, x) && x->share < 0) {
		ui_message(&t->ui, _("Choose first: y shares this entry with %s, n "
		    "keeps it private."), tui_clinic_name(t));
		cJSON_Delete(v);
		return ACT_REDRAW;
	}
	if (!exercise_check_values(x->e, v, true, x->e->id, "$", &d)) {
		ui_message(&t->ui, "%s", d.v[0].msg);
		diags_free(&d);
		cJSON_Delete(v);
		return ACT_REDRAW;
	}
	if ((x->plan_id != NULL ? exercise_entry_finish(t->st, x->e,
	    x->plan_id, v, (long long)time(NULL), &err) :
	    exercise_entry_save(t->st, x->e, v, (long long)time(NULL),
	    share_asked(t, x) && x->share == 1, &err)) != 0) {
		ui_message(&t->ui, _("Not saved: %s"), err.msg);
		cJSON_Delete(v);
		return ACT_REDRAW;
	}
	x->saved = true;
	if (x->plan_id != NULL || x->share == 1)
		tui_record_saved(t);
	if (x->plan_id != NULL) {
		ui_message(&t->ui, _("Saved how your %s went. Well done for "
		    "looking back on it."), x->e->title);
	} else {
		if (later_missing(x->e, v))
			ui_message(&t->ui, "%s", _("Saved. Come back after you "
			    "have done it to rate how it went: it will be on "
			    "your home screen."));
		else
			ui_message(&t->ui, _("Saved your %s."), x->e->title);
	}
	cJSON_Delete(v);
	return ACT_POP;
}

static enum action
key_rating(const struct field *f, struct fstate *st, int key)
{
	int v = st->rating;

	if (key >= '0' && key <= '9') {
		size_t n = strlen(st->digits);

		if (n + 1 >= sizeof st->digits || atoi(st->digits) * 10 +
		    (key - '0') > f->max)
			n = 0;
		st->digits[n] = (char)key;
		st->digits[n + 1] = '\0';
		v = atoi(st->digits);
	} else if (key == FN(KEY_RIGHT) || key == FN(KEY_UP))
		v = v == UNSET ? f->min : v + 1;
	else if (key == FN(KEY_LEFT) || key == FN(KEY_DOWN))
		v = v == UNSET ? f->min : v - 1;
	else if (key == FN(KEY_BACKSPACE) || key == 0x7f) {
		st->rating = UNSET;
		st->digits[0] = '\0';
		return ACT_REDRAW;
	} else
		return ACT_UNHANDLED;
	if (v > f->max)
		v = f->max;
	if (v < f->min)
		v = f->min;
	st->rating = v;
	if (!(key >= '0' && key <= '9'))
		st->digits[0] = '\0';
	return ACT_REDRAW;
}

static enum action
key_choice(const struct field *f, struct fstate *st, int key, bool *next)
{
	if (key >= '1' && key <= '9' && (size_t)(key - '1') < f->n_options) {
		st->sel = (size_t)(key - '1');
		key = ' ';
	}
	if ((key == FN(KEY_UP) || key == 'k') && st->sel > 0)
		st->sel--;
	else if ((key == FN(KEY_DOWN) || key == 'j') &&
	    st->sel + 1 < f->n_options)
		st->sel++;
	else if (key == ' ' || is_enter(key)) {
		if (f->multiple && key == ' ')
			st->chosen[st->sel] = !st->chosen[st->sel];
		else if (!f->multiple) {
			for (size_t k = 0; k < f->n_options; k++)
				st->chosen[k] = k == st->sel;
			*next = is_enter(key);
		} else
			*next = true;
	} else
		return ACT_UNHANDLED;
	return ACT_REDRAW;
}

static enum action
key_text(struct edit *ed, int key, int width, bool multiline, bool *next)
{
	if (!is_enter(key))
		return edit_key(ed, key, width);
	if (multiline)
		edit_insert(ed, L'\n');
	else
		*next = true;
	return ACT_REDRAW;
}

static enum action
key_list(struct tui *t, const struct field *f, struct fstate *st, int key,
    int width, bool *next)
{
	char	*s;
	int	 r;

	if (st->rating_phase) {
		if (key >= '0' && key <= '9' && strlen(st->digits) < 4) {
			size_t n = strlen(st->digits);

			st->digits[n] = (char)key;
			st->digits[n + 1] = '\0';
		} else if ((key == FN(KEY_BACKSPACE) || key == 0x7f) &&
		    st->digits[0])
			st->digits[strlen(st->digits) - 1] = '\0';
		else if (is_enter(key) && st->digits[0]) {
			r = atoi(st->digits);
			if (r < f->min || r > f->max) {
				ui_message(&t->ui, _("Please give a number from %d "
				    "to %d."), f->min, f->max);
				return ACT_REDRAW;
			}
			st->items[st->n_items - 1].rating = r;
			st->rating_phase = false;
			st->digits[0] = '\0';
		} else
			return ACT_UNHANDLED;
		return ACT_REDRAW;
	}
	if (is_enter(key)) {
		if (st->ed.len == 0) {
			*next = true;
			return ACT_REDRAW;
		}
		if (f->max_items > 0 && (int)st->n_items >= f->max_items) {
			ui_message(&t->ui, _("That is the most this list takes (%d)."),
			    f->max_items);
			return ACT_REDRAW;
		}
		s = edit_get(&st->ed);
		st->items = xreallocarray(st->items, st->n_items + 1,
		    sizeof *st->items);
		st->items[st->n_items].text = s;
		st->items[st->n_items++].rating = f->min;
		edit_set(&st->ed, "");
		st->rating_phase = f->rated;
		return ACT_REDRAW;
	}
	if ((key == FN(KEY_BACKSPACE) || key == 0x7f) && st->ed.len == 0 &&
	    st->n_items > 0) {
		st->n_items--;
		edit_set(&st->ed, st->items[st->n_items].text);
		free(st->items[st->n_items].text);
		return ACT_REDRAW;
	}
	return key_text(&st->ed, key, width, false, next);
}

static enum action
ex_key(struct screen *s, struct ui *u, int key)
{
	struct tui	*t = tui_of(u);
	struct ex		*x = s->data;
	const struct field	*f = NULL;
	struct fstate		*st = NULL;
	enum action		 a = ACT_UNHANDLED;
	bool			 next = false;
	int			 w = COLS - 4 > 76 ? 76 : COLS - 4, cmd;

	cmd = binding_find(ex_keys, sizeof ex_keys / sizeof ex_keys[0], key);
	/* Letters are text where the patient types; s saves only on the
	 * review; j and k go to the step itself (a list of choices, the
	 * review). */
	if (cmd == X_PREV_LETTER || cmd == X_EXAMPLE_LETTER)
		cmd = page_types(x) ? -1 : cmd == X_PREV_LETTER ? X_PREV :
		    X_EXAMPLE;
	if (cmd == X_SAVE && key == 's' && x->page <= x->e->n_fields)
		cmd = -1;
	switch (cmd) {
	case X_NEXT:
		if (x->page <= x->e->n_fields && page_ok(t, x)) {
			page_step(x, 1);
			draft_keep(t, x);
		}
		return ACT_REDRAW;
	case X_PREV:
		if (x->page > 0 && page_ok(t, x))
			page_step(x, -1);
		return ACT_REDRAW;
	case X_EXAMPLE:
		t->ui.pending = screen_example_new(t, x->e);
		return ACT_PUSH;
	case X_SAVE:
		return page_ok(t, x) ? ex_save(t, x) : ACT_REDRAW;
	}
	if (key == KEY_ESCAPE)
		return ACT_POP;
	if (x->page == 0 || x->page > x->e->n_fields) {
		if (x->page > 0 && (is_enter(key) || key == 's'))
			return ex_save(t, x);
		if (x->page > 0 && share_asked(t, x) && (key == 'y' ||
		    key == 'n')) {
			x->share = key == 'y';
			return ACT_REDRAW;
		}
		if (key == FN(KEY_DOWN) || key == 'j')
			x->top++;
		else if ((key == FN(KEY_UP) || key == 'k') && x->top > 0)
			x->top--;
		else if (x->page == 0 && is_enter(key))
			page_step(x, 1);
		else
			return ACT_UNHANDLED;
		return ACT_REDRAW;
	}
	f = &x->e->fields[x->page - 1];
	st = &x->f[x->page - 1];
	switch (f->type) {
	case FIELD_TEXT:
	case FIELD_DATETIME:
		a = key_text(&st->ed, key, w, f->multiline &&
		    f->type == FIELD_TEXT, &next);
		break;
	case FIELD_RATING:
		if (is_enter(key))
			next = true;
		else
			a = key_rating(f, st, key);
		break;
	case FIELD_CHOICE:
		a = key_choice(f, st, key, &next);
		break;
	case FIELD_LIST:
		a = key_list(t, f, st, key, w, &next);
		break;
	}
	if (next && page_ok(t, x)) {
		page_step(x, 1);
		draft_keep(t, x);
		return ACT_REDRAW;
	}
	/* A text field takes every printable key (q and h are letters
	 * there); other fields leave ?, h and q to the global keys. */
	return a;
}

static void
ex_leave(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct ex *x = s->data;

	if (!x->saved)
		draft_keep(t, x);
	for (size_t i = 0; i < x->e->n_fields; i++) {
		edit_free(&x->f[i].ed);
		free(x->f[i].chosen);
		for (size_t k = 0; k < x->f[i].n_items; k++)
			free(x->f[i].items[k].text);
		free(x->f[i].items);
	}
	free(x->f);
	free(x->plan_id);
	cJSON_Delete(x->plan);
	free(x);
}

static const struct screen_ops ex_ops = {
	"exercise", ex_draw, ex_key, NULL, ex_leave, ex_keys,
	sizeof ex_keys / sizeof ex_keys[0], false,
};

static struct ex *
ex_alloc(const struct exercise *e)
{
	struct ex *x = xcalloc(1, sizeof *x);

	x->e = e;
	x->f = xcalloc(e->n_fields, sizeof *x->f);
	for (size_t i = 0; i < e->n_fields; i++) {
		x->f[i].rating = UNSET;
		x->f[i].chosen = xcalloc(e->fields[i].n_options + 1,
		    sizeof *x->f[i].chosen);
		edit_set(&x->f[i].ed, "");
		if (e->fields[i].type == FIELD_TEXT)
			x->f[i].ed.max = e->fields[i].max_length > 0 ?
			    (size_t)e->fields[i].max_length : 0;
	}
	return x;
}

struct screen *
screen_exercise_new(struct tui *t, const struct exercise *e)
{
	struct ex	*x = ex_alloc(e);
	struct sw_error	 err = { 0 };
	cJSON		*v = NULL;
	size_t		 pos = 0;
	enum share_default d = sharing_default(t->st);

	x->share = d == SHARE_YES ? 1 : d == SHARE_NO ? 0 : -1;
	if (draft_exercise_load(t->st, e->id, &v, &pos, &err) == 0 &&
	    v != NULL) {
		values_set(x, v);
		x->page = pos <= e->n_fields + 1 ? pos : 0;
		cJSON_Delete(v);
		ui_message(&t->ui, "%s", _("Carrying on from where you stopped."));
	}
	return screen_new(&ex_ops, x, _("Exercise"));
}

/* Finish an open plan: its values are kept and shown; the patient answers
 * the later fields, starting at the first of them. */
struct screen *
screen_exercise_finish_new(struct tui *t, const struct exercise *e,
    const struct open_entry *plan)
{
	struct ex	*x = ex_alloc(e);
	struct sw_error	 err = { 0 };
	cJSON		*v;
	size_t		 pos = 0;

	x->plan_id = xstrdup(plan->id);
	x->plan = cJSON_Duplicate(plan->values, 1);
	x->plan_at = plan->created_at;
	if (draft_plan_load(t->st, e, plan, &v, &pos, &err) != 0)
		ui_message(&t->ui, "%s", err.msg);
	if (v == NULL) {
		values_set(x, x->plan);
		page_step(x, 1);
		return screen_new(&ex_ops, x, _("Looking back"));
	}
	values_set(x, v);
	json_wipe_delete(v);
	if (pos >= 1 && pos <= e->n_fields + 1 && (pos > e->n_fields ||
	    page_asked(x, pos)))
		x->page = pos;
	else
		page_step(x, 1);
	ui_message(&t->ui, "%s", _("Carrying on from where you stopped."));
	return screen_new(&ex_ops, x, _("Looking back"));
}

/* ---- the worked example ---- */

static void
example_build(struct ui *u, void *arg, struct tdoc *d)
{
	struct tui	*t = tui_of(u);
	const struct exercise *e = arg;

	if (e->example_intro) {
		tdoc_text(d, e->example_intro, A_NORMAL);
		tdoc_blank(d);
	}
	values_render(t, e, e->example, d);
}

struct screen *
screen_example_new(struct tui *t, const struct exercise *e)
{
	char		*title = xasprintf(_("%s: an example"), e->title);
	struct screen	*s;

	(void)t;
	s = screen_doc_new(_("Example"), title, example_build, (void *)e,
	    NULL);

	free(title);
	return s;
}
