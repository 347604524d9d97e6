/* console.c: stepwise-clinic console, the supporter's full screen: the
 * caseload (open risk first, then reviews overdue, then patients silent
 * for 14 days or more), each patient's case with a chart of the scores,
 * and every action a supporter takes, written as the commands write it
 * (stepwise-clinic(8), CONSOLE). It runs where the clinic's secret keys
 * are, on the shared full-screen layer (ui/ui.h), and reads the database
 * itself: never through the server. What it decrypts stays in memory, is
 * wiped when it goes, and every opening is in the audit table. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "actions.h"
#include "caseload.h"
#include "casework.h"
#include "edit.h"
#include "i18n.h"
#include "jsonv.h"
#include "outcomes.h"
#include "review_view.h"
#include "risk.h"
#include "template.h"
#include "text.h"
#include "ui.h"
#include "util.h"
#include "verify.h"

#define SEARCH_MAX	64

struct console {
	struct ui		 ui;	/* first: con_of() */
	const char		*dir;
	const char		*as;	/* who the rows name */
	struct clinic_read	 cr;
	cJSON			*load;	/* caseload_json */
	struct caseload_notes	 notes;
	bool			 mine;
	char			 search[SEARCH_MAX + 1];
	unsigned		 load_gen;	/* grows at every reload */
	unsigned		 case_gen;	/* grows at every action */
	bool			 stale;		/* read the caseload again when
						 * it is next drawn */
};

static struct console *
con_of(struct ui *u)
{
	return (struct console *)u;
}

static const struct binding console_global_keys[] = {
	{ '?', "?", N_("show the keys for this screen"), 0 },
	{ 'q', "q", N_("go back (on the caseload, q quits)"), 0 },
	{ KEY_ESCAPE, "Esc", N_("go back, or stop what you are writing"), 0 },
};

static long long
now_s(void)
{
	return (long long)time(NULL);
}

static const char *
jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, key));
}

static double
jnum(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* Read the caseload again (at start, after an action, on r). */
static void
reload(struct console *c)
{
	struct sw_error	 err = { 0 };
	cJSON		*j;

	j = caseload_json(&c->cr, "console", c->mine ? c->as : NULL, now_s(),
	    &c->notes, &err);
	if (j == NULL) {
		ui_message(&c->ui, "%s", err.msg);
		return;
	}
	json_wipe_delete(c->load);
	c->load = j;
	c->load_gen++;
}

/* ---- the words of one patient's entry ---- */

static const char *
outcome_words_for(const char *id)
{
	for (int i = OUTCOME_NONE; i <= OUTCOME_RELIABLE_DETERIORATION; i++)
		if (id != NULL && strcmp(outcome_id(i), id) == 0)
			return outcome_clinic_words(i);
	return outcome_clinic_words(OUTCOME_NONE);
}

/* "synced today", "synced 3 days ago", "never synced". */
static char *
synced_words(const cJSON *p, long long now)
{
	double		 last = jnum(p, "last_contact", 0);
	long long	 days;

	if (last <= 0)
		return xstrdup(jnum(p, "devices", 0) > 0 ? _("never synced") :
		    _("not enrolled yet"));
	days = (now - (long long)last) / 86400;
	if (days <= 0)
		return xstrdup(_("synced today"));
	return xasprintf(ngettext("synced %lld day ago", "synced %lld days "
	    "ago", (unsigned long)days), days);
}

/* Why the patient is where they are on the caseload (its "tier", as
 * patients.c decides it), or NULL. */
static char *
status_words(const cJSON *p, long long now, bool *warn)
{
	const char	*tier = jstr(p, "tier");
	double		 last = jnum(p, "last_contact", 0);
	int		 open = (int)jnum(p, "open_risks", 0);

	*warn = false;
	if (tier == NULL)
		return NULL;
	if (strcmp(tier, "risk") == 0) {
		*warn = true;
		return xasprintf(ngettext("RISK: %d open", "RISK: %d open",
		    (unsigned long)open), open);
	}
	if (strcmp(tier, "overdue") == 0)
		return xstrdup(_("review overdue"));
	if (last <= 0)
		return xstrdup(_("silent: never synced"));
	return xasprintf(_("silent %lld days"), (now - (long long)last) /
	    86400);
}

/* A piece of an entry, a space before it unless it starts the line. */
static void
piece(struct para *pa, const char *s, attr_t a)
{
	if (pa->used || pa->nword > 0)
		para_add(pa, " ", A_NORMAL);
	para_add(pa, s, a);
}

static void
score_words(struct para *pa, const struct content *ct, const cJSON *p)
{
	const cJSON	*latest = cJSON_GetObjectItem(p, "latest"), *l;
	char		*s;

	for (size_t m = 0; ct != NULL && m < ct->n_measures; m++) {
		l = cJSON_GetObjectItem(latest, ct->measures[m].id);
		if (cJSON_IsObject(l))
			s = xasprintf("%s %d %s;", ct->measures[m].title,
			    (int)jnum(l, "total", 0), jstr(l, "severity_label") ?
			    jstr(l, "severity_label") : "");
		else
			s = xasprintf(_("%s: none yet;"), ct->measures[m].title);
		piece(pa, s, A_NORMAL);
		free(s);
	}
}

/* One patient: a line of who and where, then the scores and progress,
 * wrapped at d's width. */
static void
entry_build(struct console *c, const cJSON *p, struct tdoc *d,
    long long now)
{
	const struct content	*ct = clinic_read_content(&c->cr);
	const cJSON		*prog = cJSON_GetObjectItem(p, "programme");
	const cJSON		*oc = cJSON_GetObjectItem(p, "outcome");
	struct para		 pa;
	const char		*sup = jstr(p, "supporter");
	char			*s, *st;
	bool			 warn;
	int			 reached, unread;

	para_begin(&pa, d, L"", L"  ", A_NORMAL);
	piece(&pa, jstr(p, "patient"), A_BOLD);
	if ((st = status_words(p, now, &warn)) != NULL) {
		piece(&pa, st, warn ? ui_attr(&c->ui, ATTR_WARN) :
		    ui_attr(&c->ui, ATTR_ACCENT));
		free(st);
	}
	s = xasprintf(_("supporter: %s;"), sup != NULL ? sup : _("nobody"));
	piece(&pa, s, A_NORMAL);
	free(s);
	s = synced_words(p, now);
	piece(&pa, s, A_NORMAL);
	free(s);
	para_end(&pa);
	para_begin(&pa, d, L"    ", L"    ", A_NORMAL);
	score_words(&pa, ct, p);
	/* Narrow: no outcome yet is not worth its three lines. */
	if (d->width >= 60 || (jstr(oc, "category") != NULL &&
	    strcmp(jstr(oc, "category"), "none") != 0)) {
		s = xasprintf(_("outcome: %s;"), outcome_words_for(jstr(oc,
		    "category")));
		piece(&pa, s, A_NORMAL);
		free(s);
	}
	reached = (int)jnum(prog, "module_reached", 0);
	if (reached > 0)
		s = xasprintf(_("module %d of %d"), reached,
		    (int)jnum(prog, "modules", 0));
	else
		s = xstrdup(_("no lesson done yet"));
	piece(&pa, s, A_NORMAL);
	free(s);
	if ((unread = (int)jnum(p, "unread_replies", 0)) > 0) {
		s = xasprintf(ngettext("%d unread reply", "%d unread "
		    "replies", (unsigned long)unread), unread);
		para_add(&pa, ";", A_NORMAL);
		piece(&pa, s, ui_attr(&c->ui, ATTR_ACCENT));
		free(s);
	}
	para_end(&pa);
}

/* ---- prompts: one line, or a text with a check before it goes ---- */

struct prompt;
/* 0: done (the prompt closes); -1: stay (ui.message says why). */
typedef int	(*prompt_fn)(struct console *, struct prompt *,
		    const char *text);

struct prompt {
	char		*title;
	char		*help;		/* under the field */
	char		*check;		/* multi-line: the words when checking */
	struct edit	 ed;
	bool		 multi;
	bool		 checking;
	bool		 optional;	/* an empty answer is an answer */
	prompt_fn	 done;
	char		*ref;		/* the patient */
	char		*arg;		/* the step's own (a module, minutes) */
	size_t		 index;
	bool		 flag;
	struct screen	*view;		/* to read again after */
};

enum { PR_CHECK, PR_ENTER };

static const struct binding prompt_keys[] = {
	{ '\r', "Enter", N_("in one line: done; in a text: a new line; when "
	    "checking: send or save"), PR_ENTER },
	{ '\t', "Tab", N_("in a text: check it before it goes; when checking: "
	    "change it"), PR_CHECK },
	{ KEY_ESCAPE, "Esc", N_("stop: nothing is sent or saved"), -1 },
};

static void
prompt_draw(struct screen *s, struct ui *u)
{
	struct prompt	*p = s->data;
	int		 w = COLS - 4 > 76 ? 76 : COLS - 4;
	int		 y, h;
	char		*text;

	y = put_wrapped(u, 0, 2, w, 3, p->title, ui_attr(u, ATTR_TITLE));
	y++;
	if (p->checking) {
		struct tdoc d = { NULL, 0, w };

		text = edit_get(&p->ed);
		tdoc_text(&d, text, A_NORMAL);
		wipe_free(text);
		h = LINES - 1 - y - text_rows(p->check, w) - 1;
		tdoc_draw(&d, y, 2, d.n > (size_t)h && h > 0 ? d.n -
		    (size_t)h : 0, h > 0 ? h : 0);
		tdoc_free(&d);
		put_wrapped(u, LINES - 1 - text_rows(p->check, w), 2, w,
		    LINES - 1, p->check, ui_attr(u, ATTR_ACCENT));
		return;
	}
	h = p->multi ? LINES - 1 - y - 3 : 1;
	if (h < 1)
		h = 1;
	edit_draw(&p->ed, y, 2, w, h, A_UNDERLINE, &u->cur_y, &u->cur_x);
	if (p->help != NULL)
		put_wrapped(u, y + h + 1, 2, w, LINES - 1, p->help,
		    ui_attr(u, ATTR_DIM));
}

static enum action
prompt_key(struct screen *s, struct ui *u, int key)
{
	struct prompt	*p = s->data;
	struct console	*c = con_of(u);
	int		 cmd = binding_find(prompt_keys, sizeof prompt_keys /
			    sizeof prompt_keys[0], key);
	int		 w = COLS - 4 > 76 ? 76 : COLS - 4;
	char		*text;
	int		 rc;

	if (key == KEY_ESCAPE) {
		if (p->checking) {
			p->checking = false;
			return ACT_REDRAW;
		}
		ui_message(u, "%s", _("Stopped: nothing was sent or saved."));
		return ACT_POP;
	}
	if (p->checking) {
		if (cmd == PR_CHECK || key == 'b')
			p->checking = false;
		else if (is_enter(key))
			goto submit;
		return ACT_REDRAW;
	}
	if (p->multi && cmd == PR_CHECK) {
		text = edit_get(&p->ed);
		if (text[strspn(text, " \t\n")] == '\0')
			ui_message(u, "%s", _("Write something first, or press "
			    "Esc to stop."));
		else
			p->checking = true;
		wipe_free(text);
		return ACT_REDRAW;
	}
	if (is_enter(key)) {
		if (p->multi) {
			edit_insert(&p->ed, L'\n');
			return ACT_REDRAW;
		}
		goto submit;
	}
	if (cmd == PR_CHECK)
		return ACT_NONE;
	/* Every other key is text, ? and q too. */
	return edit_key(&p->ed, key, w) == ACT_UNHANDLED ? ACT_NONE :
	    ACT_REDRAW;
submit:
	text = edit_get(&p->ed);
	if (!p->optional && text[strspn(text, " \t\n")] == '\0') {
		wipe_free(text);
		ui_message(u, "%s", _("Write something first, or press Esc to "
		    "stop."));
		return ACT_REDRAW;
	}
	rc = p->done(c, p, text);
	wipe_free(text);
	if (rc != 0) {
		p->checking = false;
		return ACT_REDRAW;
	}
	return u->pending != NULL ? ACT_REPLACE : ACT_POP;
}

static void
prompt_leave(struct screen *s, struct ui *u)
{
	struct prompt *p = s->data;

	(void)u;
	edit_free(&p->ed);	/* wiped */
	free(p->title);
	free(p->help);
	free(p->check);
	free(p->ref);
	wipe_free(p->arg);
	free(p);
}

static const struct screen_ops prompt_ops = {
	"prompt", prompt_draw, prompt_key, NULL, prompt_leave, prompt_keys,
	sizeof prompt_keys / sizeof prompt_keys[0], true,
};

static struct prompt *
prompt_new(const char *title, const char *help, const char *check,
    bool multi, size_t max_bytes, const char *ref, prompt_fn done)
{
	struct prompt *p = xcalloc(1, sizeof *p);

	p->title = xstrdup(title);
	p->help = help ? xstrdup(help) : NULL;
	p->check = check ? xstrdup(check) : NULL;
	p->multi = multi;
	p->done = done;
	p->ref = ref ? xstrdup(ref) : NULL;
	edit_set(&p->ed, "");
	p->ed.max_bytes = max_bytes;
	return p;
}

static struct screen *
prompt_screen(struct prompt *p, const char *where)
{
	return screen_new(&prompt_ops, p, where);
}

/* ---- a choice from a short list: digits, or j/k and Enter ---- */

struct pick;
typedef int	(*pick_fn)(struct console *, struct pick *, size_t chosen);

struct pick {
	char		*title;
	char		**items;
	size_t		 n, sel, top;
	pick_fn		 chosen;
	char		*ref;
	size_t		 index;		/* the step's own (a module) */
	struct screen	*view;
};

enum { PK_DOWN, PK_UP, PK_CHOOSE };

static const struct binding pick_keys[] = {
	{ '1', "1-9", N_("choose that one"), -1 },
	{ 'j', "j / Down", N_("select the next"), PK_DOWN },
	{ FN(KEY_DOWN), NULL, NULL, PK_DOWN },
	{ 'k', "k / Up", N_("select the one before"), PK_UP },
	{ FN(KEY_UP), NULL, NULL, PK_UP },
	{ '\r', "Enter", N_("choose the one selected"), PK_CHOOSE },
	{ '\n', NULL, NULL, PK_CHOOSE },
	{ FN(KEY_ENTER), NULL, NULL, PK_CHOOSE },
};

static void
pick_draw(struct screen *s, struct ui *u)
{
	struct pick	*p = s->data;
	int		 w = COLS - 6 > 74 ? 74 : COLS - 6;
	int		 y, rows;
	char		*line;

	y = put_wrapped(u, 0, 2, COLS - 4, 3, p->title, ui_attr(u,
	    ATTR_TITLE)) + 1;
	rows = LINES - 1 - y;
	if (p->sel < p->top)
		p->top = p->sel;
	if (rows > 0 && p->sel >= p->top + (size_t)rows)
		p->top = p->sel - (size_t)rows + 1;
	for (size_t i = p->top; i < p->n && y < LINES - 1; i++, y++) {
		line = i < 9 ? xasprintf("%zu  %s", i + 1, p->items[i]) :
		    xasprintf("   %s", p->items[i]);
		put_line(y, 4, w, line, i == p->sel ? A_BOLD : A_NORMAL);
		if (i == p->sel)
			mark_selected(u, y, 4);
		free(line);
	}
}

static enum action
pick_key(struct screen *s, struct ui *u, int key)
{
	struct pick	*p = s->data;
	int		 cmd = binding_find(pick_keys, sizeof pick_keys /
			    sizeof pick_keys[0], key);
	size_t		 i;

	if (key >= '1' && key <= '9' && (size_t)(key - '1') < p->n) {
		i = (size_t)(key - '1');
		goto choose;
	}
	switch (cmd) {
	case PK_DOWN:
		if (p->sel + 1 < p->n)
			p->sel++;
		return ACT_REDRAW;
	case PK_UP:
		if (p->sel > 0)
			p->sel--;
		return ACT_REDRAW;
	case PK_CHOOSE:
		i = p->sel;
		goto choose;
	}
	return ACT_UNHANDLED;
choose:
	if (p->chosen(con_of(u), p, i) != 0)
		return ACT_REDRAW;
	return u->pending != NULL ? ACT_REPLACE : ACT_POP;
}

static void
pick_leave(struct screen *s, struct ui *u)
{
	struct pick *p = s->data;

	(void)u;
	for (size_t i = 0; i < p->n; i++)
		free(p->items[i]);
	free(p->items);
	free(p->title);
	free(p->ref);
	free(p);
}

static const struct screen_ops pick_ops = {
	"pick", pick_draw, pick_key, NULL, pick_leave, pick_keys,
	sizeof pick_keys / sizeof pick_keys[0], false,
};

static struct pick *
pick_new(const char *title, const char *ref, pick_fn chosen)
{
	struct pick *p = xcalloc(1, sizeof *p);

	p->title = xstrdup(title);
	p->ref = ref ? xstrdup(ref) : NULL;
	p->chosen = chosen;
	return p;
}

static void
pick_add(struct pick *p, const char *item)
{
	p->items = xreallocarray(p->items, p->n + 1, sizeof *p->items);
	p->items[p->n++] = xstrdup(item);
}

/* ---- the patient's case ---- */

struct pview {
	char		*ref;
	cJSON		*view;		/* review_view_json */
	struct tdoc	 d;
	size_t		 top;
	int		 rows;
	size_t		 measure;	/* the chart's */
	bool		 charted;	/* measure chosen once */
	unsigned	 load_gen;	/* the caseload's when read */
	unsigned	 case_gen;	/* the console's when read */
};

static void	pview_load(struct console *, struct pview *);

enum {
	PV_UP, PV_DOWN, PV_PGUP, PV_PGDN, PV_TOP, PV_END, PV_CHART, PV_ACK,
	PV_WRITE, PV_TEMPLATE, PV_NEXT, PV_DONE, PV_ASSIGN, PV_MODULE,
	PV_RELOAD,
};

static const struct binding pview_keys[] = {
	{ 'j', "j / Down", N_("scroll down a line"), PV_DOWN },
	{ FN(KEY_DOWN), NULL, NULL, PV_DOWN },
	{ 'k', "k / Up", N_("scroll up a line"), PV_UP },
	{ FN(KEY_UP), NULL, NULL, PV_UP },
	{ ' ', "Space / f", N_("scroll down a page"), PV_PGDN },
	{ 'f', NULL, NULL, PV_PGDN },
	{ FN(KEY_NPAGE), NULL, NULL, PV_PGDN },
	{ 'b', "b", N_("scroll up a page"), PV_PGUP },
	{ FN(KEY_PPAGE), NULL, NULL, PV_PGUP },
	{ 'g', "g", N_("chart the next measure (PHQ-9, GAD-7)"), PV_CHART },
	{ 'a', "a", N_("acknowledge the oldest open risk, with a note"),
	    PV_ACK },
	{ 'w', "w", N_("write a message to the patient"), PV_WRITE },
	{ 't', "t", N_("write a message from a template"), PV_TEMPLATE },
	{ 'n', "n", N_("set the date of the next review"), PV_NEXT },
	{ 'd', "d", N_("record a review as done: the minutes and a note"),
	    PV_DONE },
	{ 's', "s", N_("assign the patient to a supporter"), PV_ASSIGN },
	{ 'u', "u", N_("open a module early, or hold the next one"),
	    PV_MODULE },
	{ 'r', "r", N_("read the case again"), PV_RELOAD },
};

/* The chart: one column a check-in (the latest that fit), rows from the
 * measure's highest score down to 0, each band's lower edge dotted, the
 * caseness line in = with its number, the point a *. */
static void
chart_build(struct console *c, const cJSON *m, struct tdoc *d)
{
	const cJSON	*pts = cJSON_GetObjectItem(m, "points"), *b, *p;
	int		 max = (int)jnum(m, "max", 27), cas = (int)jnum(m,
			    "caseness", 0);
	int		 npts = cJSON_GetArraySize(pts), h, cols;
	int		 first, lo, hi, v, row;
	struct tline	*l;
	const char	*label;
	bool		 edge, caseness;
	char		*s, when_a[32], when_b[32], lab[64];

	s = xasprintf(_("%s over time (caseness at %d or more)"),
	    jstr(m, "title"), cas);
	tdoc_text(d, s, ui_attr(&c->ui, ATTR_TITLE));
	free(s);
	if (npts == 0) {
		tdoc_text(d, _("No check-ins yet."), A_NORMAL);
		return;
	}
	/* Three columns of numbers, a bar, then the points two apart, and
	 * the band's name after them when there is room. */
	cols = (d->width - 5 - 14) / 2;
	if (cols < 4)
		cols = (d->width - 5) / 2;
	if (cols < 1)
		cols = 1;
	first = npts > cols ? npts - cols : 0;
	/* Two scores a row: the lower is the row's number. */
	h = (max + 2) / 2;
	for (row = h - 1; row >= 0; row--) {
		lo = row * 2;
		hi = lo + 1;
		l = tdoc_newline(d);
		snprintf(lab, sizeof lab, "%3d|", lo);
		line_text(l, lab, ui_attr(&c->ui, ATTR_DIM), 4);
		edge = false;
		caseness = cas >= lo && cas <= hi;
		label = NULL;

		cJSON_ArrayForEach(b, cJSON_GetObjectItem(m, "bands")) {
			v = (int)jnum(b, "min", -1);
			if (v > 0 && v >= lo && v <= hi) {
				edge = true;
				label = jstr(b, "label");
			}
		}
		for (int i = first; i < npts; i++) {
			p = cJSON_GetArrayItem(pts, i);
			v = (int)jnum(p, "total", -1);
			line_put(l, caseness ? L'=' : edge ? L'.' : L' ',
			    caseness ? ui_attr(&c->ui, ATTR_WARN) :
			    ui_attr(&c->ui, ATTR_DIM));
			if (v >= lo && v <= hi)
				line_put(l, L'*', A_BOLD);
			else
				line_put(l, caseness ? L'=' : edge ? L'.' :
				    L' ', caseness ? ui_attr(&c->ui, ATTR_WARN) :
				    ui_attr(&c->ui, ATTR_DIM));
		}
		if (caseness) {
			snprintf(lab, sizeof lab, _(" caseness %d"), cas);
			line_text(l, lab, ui_attr(&c->ui, ATTR_WARN),
			    d->width - (int)l->n);
		} else if (label != NULL) {
			snprintf(lab, sizeof lab, " %s", label);
			line_text(l, lab, ui_attr(&c->ui, ATTR_DIM),
			    d->width - (int)l->n);
		}
	}
	format_local_iso((long long)jnum(cJSON_GetArrayItem(pts, first), "at",
	    0), false, when_a, sizeof when_a);
	format_local_iso((long long)jnum(cJSON_GetArrayItem(pts, npts - 1),
	    "at", 0), false, when_b, sizeof when_b);
	s = npts - first > 1 ? xasprintf(_("    %d check-ins, %s to %s"),
	    npts - first, when_a, when_b) : xasprintf(_("    1 check-in, %s"),
	    when_a);
	tdoc_text(d, s, ui_attr(&c->ui, ATTR_DIM));
	free(s);
}

/* The case as review --patient prints it, laid out for the screen; the
 * text is made in memory and wiped. */
static void
pview_build(struct console *c, struct pview *v)
{
	const cJSON	*scores = cJSON_GetObjectItem(v->view, "scores");
	char		*buf = NULL, *line, *nl;
	size_t		 len = 0;
	FILE		*f;

	if (cJSON_GetArraySize(scores) > 0) {
		if (v->measure >= (size_t)cJSON_GetArraySize(scores))
			v->measure = 0;
		/* Opened: the first measure with a check-in. */
		for (int i = 0; !v->charted && i < cJSON_GetArraySize(scores);
		    i++)
			if (cJSON_GetArraySize(cJSON_GetObjectItem(
			    cJSON_GetArrayItem(scores, i), "points")) > 0) {
				v->measure = (size_t)i;
				break;
			}
		v->charted = true;
		chart_build(c, cJSON_GetArrayItem(scores, (int)v->measure),
		    &v->d);
		tdoc_blank(&v->d);
	}
	if ((f = open_memstream(&buf, &len)) == NULL) {
		tdoc_text(&v->d, _("The case could not be laid out (out of "
		    "memory)."), ui_attr(&c->ui, ATTR_WARN));
		return;
	}
	review_view_print(f, v->view);
	fclose(f);
	for (line = buf; line != NULL && *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		/* A line keeps its indent, and wraps two further in. */
		static const wchar_t	 sp[] = L"                ";
		size_t			 ind = strspn(line, " ");
		struct para		 pa;

		if (ind > 12)
			ind = 12;
		para_begin(&pa, &v->d, sp + 16 - ind, sp + 16 - ind - 2,
		    A_NORMAL);
		para_add(&pa, line + ind, ind == 0 ? A_BOLD : A_NORMAL);
		para_end(&pa);
	}
	if (buf != NULL) {
		sodium_memzero(buf, len);
		free(buf);
	}
}

static void
pview_draw(struct screen *s, struct ui *u)
{
	struct console	*c = con_of(u);
	struct pview	*v = s->data;
	int		 width = COLS - 4 > 100 ? 100 : COLS - 4;
	char		*title;

	if (v->load_gen != c->load_gen || v->case_gen != c->case_gen)
		pview_load(c, v);
	if (v->d.width != width) {
		tdoc_free(&v->d);
		v->d.width = width;
		if (v->view != NULL)
			pview_build(c, v);
	}
	title = xasprintf(_("Patient %s"), v->ref);
	put_line(0, 2, width, title, ui_attr(u, ATTR_TITLE) | A_UNDERLINE);
	free(title);
	v->rows = LINES - 1 - 2 - 1;
	if (v->top + (size_t)v->rows > v->d.n)
		v->top = v->d.n > (size_t)v->rows ? v->d.n - (size_t)v->rows :
		    0;
	tdoc_draw(&v->d, 2, 2, v->top, v->rows);
	put_line(LINES - 2, 2, width, v->top + (size_t)v->rows < v->d.n ?
	    _("-- more: Space. a w t n d s u act, ? keys --") :
	    _("-- end. a w t n d s u act, ? keys, q back --"),
	    ui_attr(u, ATTR_DIM));
}

/* Read the case again (and write that it was read). */
static void
pview_load(struct console *c, struct pview *v)
{
	struct sw_error	 err = { 0 };
	struct casework	 cw = { 0 };
	struct vrecord	*recs = NULL;
	size_t		 nr = 0, failed = 0;
	cJSON		*j = NULL;

	v->load_gen = c->load_gen;
	v->case_gen = c->case_gen;
	if (casework_load(c->cr.db, &c->cr.k, v->ref, &cw, &err) != 0 ||
	    verify_records(c->cr.db, &c->cr.k, clinic_read_content(&c->cr),
	    v->ref, &recs, &nr, &err) != 0 ||
	    casework_viewed(c->cr.db, &c->cr.k, "console-patient", v->ref,
	    recs, nr, &err) != 0 ||
	    (j = review_view_json(&c->cr, v->ref, recs, nr, &cw, now_s(),
	    &failed, &err)) == NULL)
		ui_message(&c->ui, "%s", err.msg);
	else {
		json_wipe_delete(v->view);
		v->view = j;
		if (failed > 0)
			ui_message(&c->ui, ngettext("%zu message failed the "
			    "clinic's check and is not shown.", "%zu messages "
			    "failed the clinic's check and are not shown.",
			    failed), failed);
	}
	vrecords_free(recs, nr);
	casework_free(&cw);
	tdoc_free(&v->d);
	v->d.width = 0;
}

/* After an action: the case is read again at once, the whole caseload
 * (every record checked again) when it is next shown. */
static void
acted(struct console *c)
{
	c->case_gen++;
	c->stale = true;
}

static struct cw_row
row_for(struct console *c, enum cw_action a, char **ref)
{
	struct cw_row r = { 0 };

	r.action = a;
	r.by = (char *)c->as;
	r.at = now_s();
	r.patients = ref;
	r.n_patients = 1;
	return r;
}

/* a: the oldest open risk, acknowledged with the note. */
static int
ack_done(struct console *c, struct prompt *p, const char *text)
{
	struct sw_error	 err = { 0 };
	struct vrecord	*recs = NULL;
	struct risks	 rs = { 0 };
	struct risk	*r;
	const char	*why;
	char		 whybuf[PROTO_WHY_MAX], when[32];
	size_t		 n = 0;
	int		 rc = -1;

	if ((why = proto_text_why(text, RISK_NOTE_MAX, true, whybuf,
	    sizeof whybuf)) != NULL) {
		ui_message(&c->ui, _("The note: %s."), why);
		return -1;
	}
	if (verify_records(c->cr.db, &c->cr.k, clinic_read_content(&c->cr),
	    p->ref, &recs, &n, &err) != 0)
		goto out;
	risks_collect(recs, n, &rs);
	if (risks_load_audit(c->cr.db, &c->cr.k, &rs, false, &err) != 0)
		goto out;
	if ((r = risks_find(&rs, p->arg)) == NULL || r->acked_by != NULL) {
		sw_fail(&err, SW_EEXIST, "%s", _("That risk is no longer open: "
		    "someone acknowledged it meanwhile."));
		goto out;
	}
	if (clinic_ack_risk(c->cr.db, &c->cr.k, r, c->as, now_s(), text,
	    &err) != 0)
		goto out;
	format_local(r->received_at, when, sizeof when);
	ui_message(&c->ui, _("Acknowledged the risk of %s received %s, as "
	    "%s."), p->ref, when, c->as);
	rc = 0;
out:
	if (rc != 0)
		ui_message(&c->ui, "%s", err.msg);
	risks_free(&rs);
	vrecords_free(recs, n);
	if (rc == 0)
		acted(c);
	return rc;
}

static enum action
start_ack(struct console *c, struct pview *v)
{
	const cJSON	*it, *oldest = NULL;
	struct prompt	*p;
	char		*title, when[32];

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(v->view, "timeline"))
		if (strcmp(jstr(it, "type"), "risk") == 0 &&
		    cJSON_IsNull(cJSON_GetObjectItem(it, "acknowledged")) &&
		    oldest == NULL)
			oldest = it;
	if (oldest == NULL) {
		ui_message(&c->ui, _("%s has no open risk."), v->ref);
		return ACT_REDRAW;
	}
	format_local((long long)jnum(oldest, "at", 0), when, sizeof when);
	title = xasprintf(_("Acknowledge the risk of %s from %s (item %d "
	    "answered %d): a note for the record"), v->ref, when,
	    (int)jnum(oldest, "item", 0), (int)jnum(oldest, "answer", 0));
	p = prompt_new(title, _("What was done (a call, the plan agreed). "
	    "Enter starts a new line; Tab checks it; Esc stops."),
	    _("Enter saves the acknowledgement; Tab changes the note; Esc "
	    "stops."), true, RISK_NOTE_MAX * 4, v->ref, ack_done);
	free(title);
	p->arg = xstrdup(jstr(oldest, "id"));
	c->ui.pending = prompt_screen(p, _("Acknowledge"));
	return ACT_PUSH;
}

/* w and t: the message, sent to every device of the patient. */
static int
message_done(struct console *c, struct prompt *p, const char *text)
{
	struct sw_error	 err = { 0 };
	const char	*why;
	char		 whybuf[PROTO_WHY_MAX], id[PROTO_ID_LEN + 1];
	size_t		 copies = 0;

	if (strlen(text) > PROTO_MAX_MESSAGE_TEXT) {
		ui_message(&c->ui, _("The message is too long: at most %d "
		    "bytes."), PROTO_MAX_MESSAGE_TEXT);
		return -1;
	}
	if ((why = proto_text_why(text, SIZE_MAX, true, whybuf,
	    sizeof whybuf)) != NULL) {
		ui_message(&c->ui, _("The message: %s."), why);
		return -1;
	}
	if (clinic_message_queue(c->cr.db, &c->cr.k, p->ref, c->as, c->as,
	    text, NULL, NULL, id, &copies, &err) != 0) {
		ui_message(&c->ui, "%s", err.msg);
		return -1;
	}
	ui_message(&c->ui, ngettext("Queued for %s: the device fetches it at "
	    "its next sync (%zu device).", "Queued for %s: the devices fetch "
	    "it at their next sync (%zu devices).", copies), p->ref, copies);
	acted(c);
	return 0;
}

static struct prompt *
message_prompt(const char *ref)
{
	char		*title = xasprintf(_("A message to %s"), ref), *check;
	struct prompt	*p;

	check = xasprintf(_("Send this to %s? Enter sends; Tab changes it; "
	    "Esc stops."), ref);
	p = prompt_new(title, _("Enter starts a new line; Tab checks the "
	    "message before it goes; Esc stops."), check, true,
	    PROTO_MAX_MESSAGE_TEXT, ref, message_done);
	free(check);
	free(title);
	return p;
}

static int
template_chosen(struct console *c, struct pick *k, size_t i)
{
	struct sw_error	 err = { 0 };
	struct casework	 cw = { 0 };
	struct cw_case	 cc;
	struct tvars	 tv = { 0 };
	struct prompt	*p;
	char		*text;

	if (casework_load(c->cr.db, &c->cr.k, k->ref, &cw, &err) != 0) {
		ui_message(&c->ui, "%s", err.msg);
		return -1;
	}
	casework_case(&cw, k->ref, &cc);
	tv.patient = k->ref;
	tv.supporter = cc.supporter != NULL ? cc.supporter : c->as;
	tv.next_due = cc.next_due;
	text = template_fill(c->dir, k->items[i], &tv, &err);
	casework_free(&cw);
	if (text == NULL) {
		ui_message(&c->ui, "%s", err.msg);
		return -1;
	}
	p = message_prompt(k->ref);
	edit_set(&p->ed, text);
	wipe_free(text);
	c->ui.pending = prompt_screen(p, _("Message"));
	return 0;
}

static enum action
start_template(struct console *c, struct pview *v)
{
	struct sw_error	 err = { 0 };
	struct pick	*k;
	char		**names, *title;
	size_t		 n;

	if (template_names(c->dir, &names, &n, &err) != 0) {
		ui_message(&c->ui, "%s", err.msg);
		return ACT_REDRAW;
	}
	if (n == 0) {
		ui_message(&c->ui, _("No templates yet: write them as text "
		    "files in %s/%s, one message each (NAME.txt)."), c->dir,
		    TEMPLATE_DIR);
		return ACT_REDRAW;
	}
	title = xasprintf(_("A message to %s from a template"), v->ref);
	k = pick_new(title, v->ref, template_chosen);
	free(title);
	for (size_t i = 0; i < n; i++) {
		pick_add(k, names[i]);
		free(names[i]);
	}
	free(names);
	c->ui.pending = screen_new(&pick_ops, k, _("Templates"));
	return ACT_PUSH;
}

/* n: the next review, a date or a number of days. */
static int
next_done(struct console *c, struct prompt *p, const char *text)
{
	struct sw_error	 err = { 0 };
	struct cw_row	 r;
	char		*end, day[32], *ref = p->ref;
	long long	 due;
	long		 days;

	errno = 0;
	days = strtol(text, &end, 10);
	if (errno == 0 && end != text && *end == '\0' && days >= 0 &&
	    days <= 365)
		due = clinic_day_after(now_s(), days);
	else if ((due = clinic_parse_day(text)) < 0) {
		ui_message(&c->ui, "%s", _("Give a date as YYYY-MM-DD, or a "
		    "number of days from today (0 to 365)."));
		return -1;
	}
	r = row_for(c, CW_NEXT, &ref);
	r.due = due;
	if (casework_add(c->cr.db, &c->cr.k, &r, &err) != 0) {
		ui_message(&c->ui, "%s", err.msg);
		return -1;
	}
	format_local_iso(due, false, day, sizeof day);
	ui_message(&c->ui, _("The next review of %s is due on %s."), p->ref,
	    day);
	acted(c);
	return 0;
}

/* d: the minutes, then the note. */
static int
review_note_done(struct console *c, struct prompt *p, const char *text)
{
	struct sw_error	 err = { 0 };
	struct cw_row	 r;
	const char	*why;
	char		 whybuf[PROTO_WHY_MAX], *ref = p->ref;

	if ((why = proto_text_why(text, CASEWORK_NOTE_MAX, true, whybuf,
	    sizeof whybuf)) != NULL) {
		ui_message(&c->ui, _("The note: %s."), why);
		return -1;
	}
	r = row_for(c, CW_REVIEW, &ref);
	r.minutes = (int)p->index;
	r.note = (char *)text;
	if (casework_add(c->cr.db, &c->cr.k, &r, &err) != 0) {
		ui_message(&c->ui, "%s", err.msg);
		return -1;
	}
	ui_message(&c->ui, ngettext("Recorded a review of %s by %s: %d "
	    "minute.", "Recorded a review of %s by %s: %d minutes.",
	    (unsigned long)p->index), p->ref, c->as, (int)p->index);
	acted(c);
	return 0;
}

static int
minutes_done(struct console *c, struct prompt *p, const char *text)
{
	struct prompt	*q;
	char		*end, *title;
	long		 m;

	errno = 0;
	m = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || m < 0 ||
	    m > CASEWORK_MINUTES_MAX) {
		ui_message(&c->ui, "%s", _("Give the minutes spent as a whole "
		    "number from 0 to 600."));
		return -1;
	}
	title = xasprintf(ngettext("Review of %s, %ld minute: the note",
	    "Review of %s, %ld minutes: the note", (unsigned long)m), p->ref,
	    m);
	q = prompt_new(title, _("What the review found and what was agreed. "
	    "Enter starts a new line; Tab checks it; Esc stops."),
	    _("Enter saves the review; Tab changes the note; Esc stops."),
	    true, CASEWORK_NOTE_MAX * 4, p->ref, review_note_done);
	free(title);
	q->index = (size_t)m;
	c->ui.pending = prompt_screen(q, _("Review"));
	return 0;
}

/* s: assign to a supporter. */
static int
assign_done(struct console *c, struct prompt *p, const char *text)
{
	struct sw_error	 err = { 0 };
	struct cw_row	 r;
	char		*ref = p->ref;

	if (!clinic_name_ok(text)) {
		ui_message(&c->ui, "%s", _("A supporter's name is 1 to 200 "
		    "characters on one line, without control characters."));
		return -1;
	}
	r = row_for(c, CW_ASSIGN, &ref);
	r.to = (char *)text;
	if (casework_add(c->cr.db, &c->cr.k, &r, &err) != 0) {
		ui_message(&c->ui, "%s", err.msg);
		return -1;
	}
	ui_message(&c->ui, _("Patient %s is now %s's."), p->ref, text);
	acted(c);
	return 0;
}

/* u: which module, open or hold, and the words why. */
static int
why_done(struct console *c, struct prompt *p, const char *text)
{
	struct sw_error		 err = { 0 };
	const struct content	*ct = clinic_read_content(&c->cr);
	const char		*why;
	char			 whybuf[PROTO_WHY_MAX], id[PROTO_ID_LEN + 1];

	if (text[0] != '\0' && (why = proto_text_why(text, 500, true, whybuf,
	    sizeof whybuf)) != NULL) {
		ui_message(&c->ui, _("Why: %s."), why);
		return -1;
	}
	if (clinic_unlock_send(c->cr.db, &c->cr.k, ct, p->ref, p->index,
	    p->flag, text[0] != '\0' ? text : NULL, NULL, c->as, id,
	    &err) != 0) {
		ui_message(&c->ui, "%s", err.msg);
		return -1;
	}
	ui_message(&c->ui, p->flag ? _("Module %zu is held for %s: the device "
	    "keeps it closed from its next sync.") : _("Module %zu is opened "
	    "for %s: the device opens it at its next sync."), p->index + 1,
	    p->ref);
	acted(c);
	return 0;
}

static int
action_chosen(struct console *c, struct pick *k, size_t i)
{
	const struct content	*ct = clinic_read_content(&c->cr);
	struct prompt		*p;
	char			*title;

	title = xasprintf(i == 1 ? _("Hold module %zu, %s, for %s: why, in "
	    "words for the patient") : _("Open module %zu, %s, for %s now: "
	    "why, in words for the patient"), k->index + 1,
	    ct->modules[k->index].title, k->ref);
	p = prompt_new(title, _("Optional: the patient sees it with the "
	    "change. Enter sends the instruction; Esc stops and sends "
	    "nothing."), NULL, false, 2000, k->ref, why_done);
	free(title);
	p->optional = true;
	p->index = k->index;
	p->flag = i == 1;
	c->ui.pending = prompt_screen(p, _("Programme"));
	return 0;
}

static int
module_chosen(struct console *c, struct pick *k, size_t i)
{
	const struct content	*ct = clinic_read_content(&c->cr);
	struct pick		*a;
	char			*title;

	title = xasprintf(_("Module %zu, %s, for %s:"), i + 1,
	    ct->modules[i].title, k->ref);
	a = pick_new(title, k->ref, action_chosen);
	free(title);
	pick_add(a, _("open it now, before the patient reaches it"));
	pick_add(a, _("hold it: keep it closed until it is opened"));
	a->index = i;
	c->ui.pending = screen_new(&pick_ops, a, _("Programme"));
	return 0;
}

static enum action
start_module(struct console *c, struct pview *v)
{
	const struct content	*ct = clinic_read_content(&c->cr);
	struct pick		*k;
	char			*title, *s;

	if (ct == NULL || ct->n_modules == 0) {
		ui_message(&c->ui, "%s", _("The programme's content could not "
		    "be loaded, so no module can be chosen."));
		return ACT_REDRAW;
	}
	title = xasprintf(_("Which module, for %s?"), v->ref);
	k = pick_new(title, v->ref, module_chosen);
	free(title);
	for (size_t i = 0; i < ct->n_modules; i++) {
		s = xasprintf("%s", ct->modules[i].title);
		pick_add(k, s);
		free(s);
	}
	c->ui.pending = screen_new(&pick_ops, k, _("Programme"));
	return ACT_PUSH;
}

static enum action
pview_key(struct screen *s, struct ui *u, int key)
{
	struct console	*c = con_of(u);
	struct pview	*v = s->data;
	size_t		 page = v->rows > 1 ? (size_t)v->rows - 1 : 1;
	struct prompt	*p;
	char		*title;

	switch (binding_find(pview_keys, sizeof pview_keys /
	    sizeof pview_keys[0], key)) {
	case PV_UP:
		if (v->top > 0)
			v->top--;
		return ACT_REDRAW;
	case PV_DOWN:
		v->top++;
		return ACT_REDRAW;
	case PV_PGUP:
		v->top = v->top > page ? v->top - page : 0;
		return ACT_REDRAW;
	case PV_PGDN:
		v->top += page;
		return ACT_REDRAW;
	case PV_CHART:
		v->measure++;
		v->d.width = 0;
		return ACT_REDRAW;
	case PV_RELOAD:
		acted(c);
		return ACT_REDRAW;
	}
	if (v->view == NULL)
		return ACT_UNHANDLED;
	switch (binding_find(pview_keys, sizeof pview_keys /
	    sizeof pview_keys[0], key)) {
	case PV_ACK:
		return start_ack(c, v);
	case PV_WRITE:
		u->pending = prompt_screen(message_prompt(v->ref),
		    _("Message"));
		return ACT_PUSH;
	case PV_TEMPLATE:
		return start_template(c, v);
	case PV_NEXT:
		title = xasprintf(_("The next review of %s"), v->ref);
		p = prompt_new(title, _("A date as YYYY-MM-DD, or a number of "
		    "days from today (14 is two weeks). Enter saves; Esc "
		    "stops."), NULL, false, 16, v->ref, next_done);
		free(title);
		u->pending = prompt_screen(p, _("Next review"));
		return ACT_PUSH;
	case PV_DONE:
		title = xasprintf(_("A review of %s: minutes spent"), v->ref);
		p = prompt_new(title, _("The minutes you spent on this review, "
		    "0 to 600. Enter goes on to the note; Esc stops."), NULL,
		    false, 4, v->ref, minutes_done);
		free(title);
		u->pending = prompt_screen(p, _("Review"));
		return ACT_PUSH;
	case PV_ASSIGN:
		title = xasprintf(_("Assign %s to"), v->ref);
		p = prompt_new(title, _("The supporter's name. Enter saves; "
		    "Esc stops."), NULL, false, CLINIC_NAME_MAX, v->ref,
		    assign_done);
		edit_set(&p->ed, c->as);
		free(title);
		u->pending = prompt_screen(p, _("Assign"));
		return ACT_PUSH;
	case PV_MODULE:
		return start_module(c, v);
	}
	return ACT_UNHANDLED;
}

static void
pview_leave(struct screen *s, struct ui *u)
{
	struct pview *v = s->data;

	(void)u;
	json_wipe_delete(v->view);
	tdoc_free(&v->d);
	free(v->ref);
	free(v);
}

static const struct screen_ops pview_ops = {
	"patient", pview_draw, pview_key, NULL, pview_leave, pview_keys,
	sizeof pview_keys / sizeof pview_keys[0], false,
};

static struct screen *
pview_new(struct console *c, const char *ref)
{
	struct pview *v = xcalloc(1, sizeof *v);

	v->ref = xstrdup(ref);
	pview_load(c, v);
	return screen_new(&pview_ops, v, _("Patient"));
}

/* ---- the caseload ---- */

struct caseload_screen {
	size_t		*idx;		/* the patients shown */
	size_t		 n;
	size_t		 sel, top;
	size_t		 shown;		/* entries drawn last time */
	unsigned	 load_gen;
	char		 search[SEARCH_MAX + 1];
};

enum {
	CL_DOWN, CL_UP, CL_PGDN, CL_PGUP, CL_OPEN, CL_MINE, CL_SEARCH,
	CL_RELOAD, CL_ESC,
};

static const struct binding caseload_keys[] = {
	{ 'j', "j / n / Down", N_("select the next patient"), CL_DOWN },
	{ 'n', NULL, NULL, CL_DOWN },
	{ FN(KEY_DOWN), NULL, NULL, CL_DOWN },
	{ 'k', "k / p / Up", N_("select the patient before"), CL_UP },
	{ 'p', NULL, NULL, CL_UP },
	{ FN(KEY_UP), NULL, NULL, CL_UP },
	{ ' ', "Space / f", N_("a page down"), CL_PGDN },
	{ 'f', NULL, NULL, CL_PGDN },
	{ FN(KEY_NPAGE), NULL, NULL, CL_PGDN },
	{ 'b', "b", N_("a page up"), CL_PGUP },
	{ FN(KEY_PPAGE), NULL, NULL, CL_PGUP },
	{ '\r', "Enter / o", N_("open the patient's case"), CL_OPEN },
	{ '\n', NULL, NULL, CL_OPEN },
	{ FN(KEY_ENTER), NULL, NULL, CL_OPEN },
	{ 'o', NULL, NULL, CL_OPEN },
	{ 'm', "m", N_("show my patients only, or everyone's"), CL_MINE },
	{ '/', "/", N_("search by reference (empty: show all again)"),
	    CL_SEARCH },
	{ 'r', "r", N_("read everything again (new syncs, others' work)"),
	    CL_RELOAD },
	{ KEY_ESCAPE, NULL, NULL, CL_ESC },
};

static void
caseload_filter(struct console *c, struct caseload_screen *l)
{
	const cJSON	*pts = cJSON_GetObjectItem(c->load, "patients"), *p;
	const char	*ref;
	size_t		 i = 0;

	free(l->idx);
	l->idx = xcalloc((size_t)cJSON_GetArraySize(pts) + 1,
	    sizeof *l->idx);
	l->n = 0;
	cJSON_ArrayForEach(p, pts) {
		ref = jstr(p, "patient");
		if (ref != NULL && (c->search[0] == '\0' ||
		    strcasestr(ref, c->search) != NULL))
			l->idx[l->n++] = i;
		i++;
	}
	if (l->sel >= l->n)
		l->sel = l->n > 0 ? l->n - 1 : 0;
	l->load_gen = c->load_gen;
	memcpy(l->search, c->search, sizeof l->search);
}

static void
caseload_notes_line(struct console *c, int y, int width)
{
	const struct caseload_notes	*n = &c->notes;
	char				*s;

	if (n->failed_devices + n->quarantined + n->unowned + n->forged +
	    n->bad_rows == 0)
		return;
	s = xasprintf(_("Left out: %zu devices and %zu records that failed "
	    "the check, %zu risks under no patient; see stepwise-clinic "
	    "results and risks."), n->failed_devices, n->quarantined,
	    n->unowned);
	put_line(y, 2, width, s, ui_attr(&c->ui, ATTR_WARN));
	free(s);
}

static void
caseload_draw(struct screen *s, struct ui *u)
{
	struct console		*c = con_of(u);
	struct caseload_screen	*l = s->data;
	const cJSON		*pts;
	int			 width = COLS - 4 > 120 ? 120 : COLS - 4;
	int			 y, avail, used;
	long long		 now = now_s();
	char			*title, *t2;

	if (c->stale) {
		c->stale = false;
		reload(c);
	}
	pts = cJSON_GetObjectItem(c->load, "patients");	/* after reload */
	if (l->load_gen != c->load_gen || strcmp(l->search, c->search) != 0)
		caseload_filter(c, l);
	if (c->mine)
		title = xasprintf(ngettext("Caseload: %zu patient (mine: %s)",
		    "Caseload: %zu patients (mine: %s)", l->n), l->n, c->as);
	else
		title = xasprintf(ngettext("Caseload: %zu patient (all)",
		    "Caseload: %zu patients (all)", l->n), l->n);
	if (c->search[0] != '\0') {
		t2 = xasprintf(_("%s, search: %s"), title, c->search);
		free(title);
		title = t2;
	}
	y = put_wrapped(u, 0, 2, width, 2, title, ui_attr(u, ATTR_TITLE));
	free(title);
	caseload_notes_line(c, y, width);
	y++;
	if (l->n == 0) {
		put_wrapped(u, y, 2, width, LINES - 1, c->load == NULL ? "" :
		    cJSON_GetArraySize(pts) > 0 || c->search[0] != '\0' ?
		    (c->search[0] != '\0' ? _("No patient's reference has that "
		    "in it: press / and Enter to show all again.") :
		    _("No patient is assigned to you: press m to see "
		    "everyone's.")) : _("No patients yet: enroll one with "
		    "stepwise-clinic enroll --patient REF."), A_NORMAL);
		return;
	}
	avail = LINES - 1 - y;
	if (l->sel < l->top)
		l->top = l->sel;
	/* The selected entry must fit whole below top. */
	for (;;) {
		used = 0;
		for (size_t i = l->top; i <= l->sel; i++) {
			struct tdoc d = { NULL, 0, width - 2 };

			entry_build(c, cJSON_GetArrayItem(pts, (int)l->idx[i]),
			    &d, now);
			used += (int)d.n;
			tdoc_free(&d);
		}
		if (used <= avail || l->top == l->sel)
			break;
		l->top++;
	}
	l->shown = 0;
	for (size_t i = l->top; i < l->n && y < LINES - 1; i++) {
		struct tdoc	d = { NULL, 0, width - 2 };
		int		rows;

		entry_build(c, cJSON_GetArrayItem(pts, (int)l->idx[i]), &d,
		    now);
		rows = (int)d.n;
		if (y + rows > LINES - 1 && i != l->sel) {
			tdoc_free(&d);
			break;
		}
		tdoc_draw(&d, y, 4, 0, LINES - 1 - y);
		if (i == l->sel)
			mark_selected(u, y, 4);
		tdoc_free(&d);
		y += rows;
		l->shown++;
	}
}

static int
search_done(struct console *c, struct prompt *p, const char *text)
{
	(void)p;
	snprintf(c->search, sizeof c->search, "%s", text);
	return 0;
}

static enum action
caseload_key(struct screen *s, struct ui *u, int key)
{
	struct console		*c = con_of(u);
	struct caseload_screen	*l = s->data;
	const cJSON		*p;
	size_t			 page = l->shown > 1 ? l->shown - 1 : 1;
	struct prompt		*pr;

	switch (binding_find(caseload_keys, sizeof caseload_keys /
	    sizeof caseload_keys[0], key)) {
	case CL_DOWN:
		if (l->sel + 1 < l->n)
			l->sel++;
		return ACT_REDRAW;
	case CL_UP:
		if (l->sel > 0)
			l->sel--;
		return ACT_REDRAW;
	case CL_PGDN:
		l->sel = l->sel + page < l->n ? l->sel + page : l->n ? l->n -
		    1 : 0;
		l->top = l->sel;
		return ACT_REDRAW;
	case CL_PGUP:
		l->sel = l->sel > page ? l->sel - page : 0;
		l->top = l->sel;
		return ACT_REDRAW;
	case CL_OPEN:
		if (l->n == 0)
			return ACT_NONE;
		p = cJSON_GetArrayItem(cJSON_GetObjectItem(c->load,
		    "patients"), (int)l->idx[l->sel]);
		u->pending = pview_new(c, jstr(p, "patient"));
		return ACT_PUSH;
	case CL_MINE:
		c->mine = !c->mine;
		l->sel = l->top = 0;
		reload(c);
		return ACT_REDRAW;
	case CL_SEARCH:
		pr = prompt_new(_("Search by reference"), _("Part of a patient's "
		    "reference, in any case. Enter shows those who match; an "
		    "empty search shows all."), NULL, false, SEARCH_MAX, NULL,
		    search_done);
		pr->optional = true;
		edit_set(&pr->ed, c->search);
		l->sel = l->top = 0;
		u->pending = prompt_screen(pr, _("Search"));
		return ACT_PUSH;
	case CL_RELOAD:
		reload(c);
		ui_message(u, "%s", _("Read again."));
		return ACT_REDRAW;
	case CL_ESC:
		/* A lone Esc never quits (a split arrow key on a slow link):
		 * it clears the search. */
		c->search[0] = '\0';
		return ACT_REDRAW;
	}
	return ACT_UNHANDLED;
}

static void
caseload_leave(struct screen *s, struct ui *u)
{
	struct caseload_screen *l = s->data;

	(void)u;
	free(l->idx);
	free(l);
}

static const struct screen_ops caseload_ops = {
	"caseload", caseload_draw, caseload_key, NULL, caseload_leave,
	caseload_keys, sizeof caseload_keys / sizeof caseload_keys[0], false,
};

/* ---- what the loop asks of the program ---- */

static void
console_status(struct ui *u, int room, char *buf, size_t size)
{
	struct console *c = con_of(u);

	if (room > str_width(c->as) + 4)
		snprintf(buf, size, _("as %s"), c->as);
}

static void
too_small_draw(struct ui *u)
{
	put_wrapped(u, 0, 0, COLS, LINES, _("This window is too small: make "
	    "it at least 40 x 12. q or Esc: leave."), A_BOLD);
}

static void
too_small_key(struct ui *u, int key)
{
	(void)u;
	(void)key;
}

static const struct ui_app console_app = {
	console_global_keys, sizeof console_global_keys /
	sizeof console_global_keys[0], NULL, N_("? keys  q back"),
	N_("Esc stops"), console_status, too_small_draw, too_small_key,
};

int
clinic_cmd_console(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "mine", no_argument, NULL, 'm' },
		{ "content", required_argument, NULL, 'c' },
		CLINIC_COMMON_OPTIONS
	};
	static struct console	 c;
	struct sw_error		 err = { 0 };
	struct caseload_screen	*l;
	const char		*dir = ".", *as = NULL, *content = NULL;
	int			 opt, rc = CLINIC_EXIT_FAIL;

	memset(&c, 0, sizeof c);
	while ((opt = clinic_getopt("console", _("Usage: stepwise-clinic "
	    "console [--dir DIR] [--as NAME] [--mine] [--content DIR]\n"),
	    argc, argv, ":", longopts, &dir, 0, &rc)) > 0) {
		if (opt == 'a')
			as = optarg;
		else if (opt == 'm')
			c.mine = true;
		else
			content = optarg;
	}
	if (opt < 0)
		return rc;
	if ((c.as = clinic_who("console", as)) == NULL)
		return CLINIC_EXIT_USAGE;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return clinic_usage_error("console", "%s", _("the console needs "
		    "a terminal; every action is also a command (see "
		    "stepwise-clinic --help)"));
	c.dir = dir;
	c.ui.app = &console_app;
	casework_set_viewer(c.as);
	if (clinic_read_open(dir, content, true, &c.cr, &err) != 0)
		return clinic_fail(&err);
	reload(&c);
	if (c.load == NULL) {
		snprintf(err.msg, sizeof err.msg, "%s", c.ui.message);
		clinic_read_close(&c.cr);
		return clinic_fail(&err);
	}
	if (ui_start(&c.ui) != 0) {
		const char *term = getenv("TERM");

		json_wipe_delete(c.load);
		clinic_read_close(&c.cr);
		sw_fail(&err, SW_EINVAL, _("the terminal '%s' could not be "
		    "started"), term ? term : "");
		return clinic_fail(&err);
	}
	/* Risk is still listed without content, from each record's own
	 * flag: the supporter is told what could not be checked. */
	if (c.cr.content_failed)
		ui_message(&c.ui, _("The content could not be loaded, so "
		    "scores are not checked again: %s"), c.cr.content_err.msg);
	l = xcalloc(1, sizeof *l);
	ui_push(&c.ui, screen_new(&caseload_ops, l, _("Caseload")));
	rc = ui_loop(&c.ui);
	ui_leave_all(&c.ui);
	ui_finish(&c.ui);
	json_wipe_delete(c.load);
	c.load = NULL;
	clinic_read_close(&c.cr);
	return rc;
}
