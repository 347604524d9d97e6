/* screen_checkin.c: a check-in for any measure: one item at a time under
 * the stem, then the optional functional question, a review where any
 * answer can be changed, and the result with the change since last time.
 * A risk answer shows the crisis contacts at once, before the next item.
 * Every answer is kept as a draft. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crisis.h"
#include "draft.h"
#include "i18n.h"
#include "outcome.h"
#include "record.h"
#include "tui_int.h"
#include "util.h"

enum phase { PH_ITEM, PH_FUNCTIONAL, PH_REVIEW, PH_RESULT };

struct checkin_screen {
	const struct measure	*m;
	enum phase		 phase;
	size_t			 pos;		/* the item shown */
	int			*answers;
	int			 functional;
	size_t			 sel;		/* highlighted option or row */
	size_t			 top;		/* the result's first line */
	size_t			 review_top;	/* the review's first line */
	int			 result_rows;	/* shown of it */
	char			 where[64];	/* status line, when compact */
	bool			 from_review;	/* changing one answer */
	bool			 crisis_shown;
	bool			 saved;
	char			 risk_signal[STORE_ID_LEN + 1];
	struct checkin		 result;
	char			*change;	/* words, or NULL */
};

enum { C_UP, C_DOWN, C_PICK, C_BACK, C_SKIP_SAVE, C_CHANGE, C_DONE };

static const struct binding checkin_keys[] = {
	{ '0', "0-9", N_("answer with that number"), -1 },
	{ FN(KEY_UP), "Up / k", N_("highlight the answer or line above"),
	    C_UP },
	{ 'k', NULL, NULL, C_UP },
	{ FN(KEY_DOWN), "Down / j", N_("highlight the answer or line below"),
	    C_DOWN },
	{ 'j', NULL, NULL, C_DOWN },
	{ '\r', "Enter", N_("choose the highlighted answer; on the review, "
	    "save"), C_PICK },
	{ '\n', NULL, NULL, C_PICK },
	{ FN(KEY_ENTER), NULL, NULL, C_PICK },
	{ FN(KEY_LEFT), "Left / b", N_("back to the question before"),
	    C_BACK },
	{ 'b', NULL, NULL, C_BACK },
	{ FN(KEY_BACKSPACE), "Backspace", N_("back to the question before"),
	    C_BACK },
	{ 0x7f, NULL, NULL, C_BACK },
	{ 's', "s", N_("skip the last question; on the review, save"),
	    C_SKIP_SAVE },
	{ 'c', "c / Right", N_("on the review: change the highlighted answer"),
	    C_CHANGE },
	{ FN(KEY_RIGHT), NULL, NULL, C_CHANGE },
};

static const char *
option_label(const struct measure_option *o, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (o[i].value == v)
			return o[i].label;
	return "";
}

/* Where option i goes when the options share rows (a small window): as
 * many to a row as fit in width, each with room for its marker. Returns
 * the rows taken; xs and ys (may be NULL) get each option's place. */
static int
options_pack(const struct measure_option *o, size_t n, int width, int *xs,
    int *ys)
{
	int	 col = 0, row = 0, ow;
	char	*s;

	for (size_t i = 0; i < n; i++) {
		s = xasprintf("%d  %s", o[i].value, o[i].label);
		ow = 2 + str_width(s);
		free(s);
		if (col > 0 && col + 1 + ow > width) {
			row++;
			col = 0;
		} else if (col > 0)
			col++;
		if (xs != NULL) {
			xs[i] = col + 2;
			ys[i] = row;
		}
		col += ow;
	}
	return n > 0 ? row + 1 : 0;
}

static void
draw_options_packed(struct tui *t, int y, int x, int width,
    const struct measure_option *o, size_t n, int answer, size_t sel)
{
	int	*xs = xcalloc(n + 1, sizeof *xs), *ys = xcalloc(n + 1,
		    sizeof *ys);
	char	*s;

	options_pack(o, n, width, xs, ys);
	for (size_t i = 0; i < n; i++) {
		if (y + ys[i] >= LINES - 1)
			break;
		if (i == sel)
			mark_selected(&t->ui, y + ys[i], x + xs[i]);
		s = xasprintf("%d  %s", o[i].value, o[i].label);
		put_line(y + ys[i], x + xs[i], width - xs[i], s, (i == sel ?
		    A_REVERSE : A_NORMAL) | (o[i].value == answer ? A_BOLD :
		    0));
		free(s);
	}
	free(xs);
	free(ys);
}

/* Keep the answers; a risk answer's own record goes with them, and is
 * sent at once when the clinic can be reached. */
static void
draft_save(struct tui *t, struct checkin_screen *c)
{
	struct checkin_draft	d;
	struct sw_error		err = { 0 };
	bool			signalled;

	if (c->saved)
		return;
	d.answers = c->answers;
	d.n = c->m->n_items;
	d.functional = c->functional;
	d.position = c->phase == PH_ITEM ? c->pos : c->m->n_items;
	memcpy(d.risk_signal, c->risk_signal, sizeof d.risk_signal);
	if (draft_checkin_save(t->st, c->m, &d, (long long)time(NULL),
	    &signalled, &err) != 0) {
		ui_message(&t->ui, "%s", err.msg);
		return;
	}
	memcpy(c->risk_signal, d.risk_signal, sizeof c->risk_signal);
	if (signalled)
		tui_record_saved(t);
}

static int
draw_options(struct tui *t, int y, int x, int maxy,
    const struct measure_option *o, size_t n, int answer, size_t sel)
{
	char *s;

	for (size_t i = 0; i < n && y < maxy; i++) {
		attr_t a = i == sel ? A_REVERSE : A_NORMAL;

		/* The answer given is bold, and selected when the question
		 * comes back (answer_sel). */
		if (i == sel)
			mark_selected(&t->ui, y, x);
		s = xasprintf("%d  %s", o[i].value, o[i].label);
		put_line(y++, x, COLS - x - 1, s, a | (o[i].value == answer ?
		    A_BOLD : 0));
		free(s);
	}
	return y;
}

/* Row i of the review: its question (or the functional one) and the
 * answer's label. */
static const char *
review_row(struct checkin_screen *c, size_t i, const char **ans)
{
	const struct measure *m = c->m;

	if (i < m->n_items) {
		*ans = option_label(m->options, m->n_options, c->answers[i]);
		return m->items[i].text;
	}
	*ans = c->functional == MEASURE_UNANSWERED ? _("(skipped)") :
	    option_label(m->functional_options, m->n_functional_options,
	    c->functional);
	return m->functional_text;
}

/* Wide enough for a question beside its answer: each question wrapped
 * whole in the left column, its answer on its first line at the right;
 * the rows scroll by lines to keep the highlighted one on the screen. */
static void
draw_review_wide(struct tui *t, struct checkin_screen *c, int y, int w,
    size_t rows)
{
	struct tdoc	 page = { NULL, 0, w };
	struct para	 p;
	const char	*ans;
	size_t		 start = 0, end = 0;
	int		 aw = 0, qw, col;
	wchar_t		 num[16];

	for (size_t i = 0; i < rows; i++) {
		review_row(c, i, &ans);
		if (str_width(ans) > aw)
			aw = str_width(ans);
	}
	qw = w - aw - 2 > w / 2 ? w - aw - 2 : w / 2;
	for (size_t i = 0; i < rows; i++) {
		attr_t		 a = i == c->sel ? A_REVERSE : A_NORMAL;
		const char	*text = review_row(c, i, &ans);
		struct tdoc	 q = { NULL, 0, qw };

		swprintf(num, sizeof num / sizeof num[0], L"%2zu. ", i + 1);
		para_begin(&p, &q, num, L"    ", a);
		para_add(&p, text != NULL ? text : "", a);
		para_end(&p);
		col = 0;
		for (size_t k = 0; k < q.v[0].n; k++)
			col += wc_width(q.v[0].c[k].c);
		for (; col < qw + 2; col++)
			line_put(&q.v[0], L' ', a);
		line_text(&q.v[0], ans, a, w - qw - 2);
		if (i == c->sel)
			start = page.n;
		for (size_t k = 0; k < q.n; k++)
			*tdoc_newline(&page) = q.v[k];
		free(q.v);
		if (i == c->sel)
			end = page.n;
	}
	c->review_top = tdoc_scroll(&page, c->review_top, start, end,
	    LINES - 2 - y);
	tdoc_draw(&page, y, 2, c->review_top, LINES - 2 - y);
	if (start >= c->review_top)
		mark_selected(&t->ui, y + (int)(start - c->review_top), 2);
	tdoc_free(&page);
}

static void
draw_review(struct tui *t, struct checkin_screen *c, int y, int w)
{
	const struct measure	*m = c->m;
	size_t			 rows = m->n_items + (m->functional_text ?
				    1 : 0), first = 0, avail;
	const char		*ans;
	char			*s;

	bool			 narrow = w < 56;

	y = put_wrapped(&t->ui, y, 2, w, LINES - 2, _("Check your answers. "
	    "Highlight one and press a number or c to change it. Press Enter "
	    "or s to save."), A_NORMAL) + (narrow ? 0 : 1);
	if (!narrow) {
		draw_review_wide(t, c, y, w, rows);
		return;
	}
	/* Too narrow for a question beside its answer: the highlighted
	 * one's question whole above the answers. */
	y = put_wrapped(&t->ui, y, 2, w, LINES - 3, review_row(c, c->sel, &ans),
	    A_BOLD);
	avail = LINES - 2 > y ? (size_t)(LINES - 2 - y) : 1;
	if (c->sel >= avail)
		first = c->sel - avail + 1;
	for (size_t i = first; i < rows && y < LINES - 2; i++) {
		review_row(c, i, &ans);
		s = xasprintf("%2zu. %s", i + 1, ans);
		if (i == c->sel)
			mark_selected(&t->ui, y, 2);
		put_line(y++, 2, w, s, i == c->sel ? A_REVERSE : A_NORMAL);
		free(s);
	}
}

/* The result as lines, so that a small window scrolls through it. */
static void
result_build(struct tui *t, struct checkin_screen *c, struct tdoc *d)
{
	const struct measure_band	*b = measure_band_for(c->m,
					    c->result.total);
	char				*s;

	if (c->result.risk) {
		/* Never reassurance alone: the risk answer comes first, with
		 * the numbers, and whether the clinic is told. */
		s = xasprintf(_("You said you have had thoughts of being better "
		    "off dead or of hurting yourself. If you might act on "
		    "them, get help now: %s."), t->ct.safety.summary);
		tdoc_text(d, s, ui_attr(&t->ui, ATTR_WARN));
		tdoc_blank(d);
		free(s);
		if (t->ob != NULL) {
			s = xasprintf(_("This check-in goes to %s with that "
			    "answer."), tui_clinic_name(t));
			tdoc_text(d, s, A_BOLD);
			tdoc_blank(d);
			free(s);
		}
	}
	s = xasprintf(_("Your %s score is %d (out of %d)"), c->m->title,
	    c->result.total, c->m->max_total);
	tdoc_text(d, s, A_BOLD);
	tdoc_blank(d);
	free(s);
	if (b != NULL) {
		tdoc_text(d, b->label, ui_attr(&t->ui, ATTR_ACCENT));
		tdoc_text(d, b->description, A_NORMAL);
		tdoc_blank(d);
		if (b->clinic_note != NULL && t->ob != NULL) {
			tdoc_text(d, b->clinic_note, A_NORMAL);
			tdoc_blank(d);
		}
	}
	if (c->change != NULL) {
		tdoc_text(d, c->change, A_NORMAL);
		tdoc_blank(d);
	}
	tdoc_text(d, _("Saved. Press Enter to go back."), ui_attr(&t->ui,
	    ATTR_DIM));
}

static void
draw_result(struct tui *t, struct checkin_screen *c, int y, int w)
{
	struct tdoc	d = { NULL, 0, w };
	int		rows = LINES - 1 - y;

	result_build(t, c, &d);
	if (rows < (int)d.n)
		rows--;		/* the "more" line */
	if (rows < 1)
		rows = 1;
	if (c->top + (size_t)rows > d.n)
		c->top = d.n > (size_t)rows ? d.n - (size_t)rows : 0;
	c->result_rows = rows;
	tdoc_draw(&d, y, 2, c->top, rows);
	if (c->top + (size_t)rows < d.n)
		put_line(y + rows, 2, w, _("-- more: Space or j --"),
		    ui_attr(&t->ui, ATTR_DIM));
	tdoc_free(&d);
}

/* The question, its stem and every answer: with room, spaced out and with
 * the keys under them; in a small window without the spacing, the title
 * and the keys line (the status line names the screen). */
static void
draw_item(struct screen *s, struct tui *t, struct checkin_screen *c, int w)
{
	const struct measure	*m = c->m;
	int			 y = 0, x = 2, stem, item, need;
	char			*line;

	stem = text_rows(m->stem, w);
	item = text_rows(m->items[c->pos].text, w);
	need = 2 + stem + 1 + 1 + item + 1 + (int)m->n_options;
	if (need <= LINES - 2) {
		line = xasprintf(_("%s check-in"), m->title);
		put_line(y++, 2, w, line, ui_attr(&t->ui, ATTR_TITLE));
		free(line);
		y++;
		y = put_wrapped(&t->ui, y, 2, w, y + stem, m->stem,
		    ui_attr(&t->ui, ATTR_DIM)) + 1;
		line = xasprintf(_("%zu of %zu"), c->pos + 1, m->n_items);
		put_line(y++, 2, w, line, A_BOLD);
		free(line);
		y = put_wrapped(&t->ui, y, 2, w, y + item, m->items[c->pos].text,
		    A_BOLD) + 1;
		x = 4;
		put_line(LINES - 2, 2, w, _("Press a number, or Up/Down and "
		    "Enter. b goes back."), ui_attr(&t->ui, ATTR_DIM));
	} else {
		/* Compact: no spacing; then the answers share rows; the
		 * answers are never cut, the stem gives way last. */
		bool packed = 1 + stem + item + (int)m->n_options >
		    LINES - 1;
		int opt_rows = packed ? options_pack(m->options,
		    m->n_options, COLS - x, NULL, NULL) : (int)m->n_options;

		line = xasprintf(_("%s, %zu of %zu"), m->title, c->pos + 1,
		    m->n_items);
		/* Short of one row more: where they are goes to the status
		 * line. */
		if (1 + stem + item + opt_rows <= LINES - 1)
			put_line(y++, 2, w, line, ui_attr(&t->ui, ATTR_TITLE));
		else {
			snprintf(c->where, sizeof c->where, "%s", line);
			s->where = c->where;
		}
		free(line);
		need = LINES - 1 - y - item - opt_rows;
		y = put_wrapped(&t->ui, y, 2, w, y + (need < stem ? need : stem),
		    m->stem, ui_attr(&t->ui, ATTR_DIM));
		y = put_wrapped(&t->ui, y, 2, w, y + item, m->items[c->pos].text,
		    A_BOLD);
		if (packed) {
			draw_options_packed(t, y, 0, COLS - 1, m->options,
			    m->n_options, c->answers[c->pos], c->sel);
			return;
		}
	}
	draw_options(t, y, x, LINES - 1, m->options, m->n_options,
	    c->answers[c->pos], c->sel);
}

static void
draw_functional(struct tui *t, struct checkin_screen *c, int w)
{
	const struct measure	*m = c->m;
	int			 y = 0, text = text_rows(m->functional_text, w);
	bool			 roomy = 2 + text + 1 + (int)
				    m->n_functional_options + 1 <= LINES - 2;
	char			*line;

	line = roomy ? xasprintf(_("%s check-in"), m->title) :
	    xasprintf(_("%s, one more question"), m->title);
	put_line(y++, 2, w, line, ui_attr(&t->ui, ATTR_TITLE));
	free(line);
	if (roomy)
		y++;
	y = put_wrapped(&t->ui, y, 2, w, y + text, m->functional_text, A_BOLD) +
	    (roomy ? 1 : 0);
	y = draw_options(t, y, roomy ? 4 : 2, LINES - 1,
	    m->functional_options, m->n_functional_options, c->functional,
	    c->sel);
	if (roomy)
		put_line(LINES - 2, 2, w, _("This one is optional: press s to "
		    "skip it. b goes back."), ui_attr(&t->ui, ATTR_DIM));
	else
		put_wrapped(&t->ui, y, 2, w, LINES - 1, _("This one is optional: s "
		    "skips it."), ui_attr(&t->ui, ATTR_DIM));
}

static void
checkin_draw(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct checkin_screen	*c = s->data;
	const struct measure	*m = c->m;
	int			 w = COLS - 4, y = 0;
	char			*line;

	if (w > 76)
		w = 76;
	s->where = _("Check-in");
	switch (c->phase) {
	case PH_ITEM:
		draw_item(s, t, c, COLS < 50 ? COLS - 3 : w);
		return;
	case PH_FUNCTIONAL:
		draw_functional(t, c, COLS < 50 ? COLS - 3 : w);
		return;
	default:
		break;
	}
	line = xasprintf(_("%s check-in"), m->title);
	put_line(y++, 2, w, line, ui_attr(&t->ui, ATTR_TITLE));
	free(line);
	if (LINES > UI_MIN_ROWS + 4)
		y++;
	switch (c->phase) {
	case PH_ITEM:
	case PH_FUNCTIONAL:
		break;
	case PH_REVIEW:
		draw_review(t, c, y, w);
		break;
	case PH_RESULT:
		draw_result(t, c, y, w);
		break;
	}
}

/* A question shown again has its answer selected; else the first option. */
static void
answer_sel(struct checkin_screen *c)
{
	const struct measure		*m = c->m;
	const struct measure_option	*o = m->options;
	size_t				 n = m->n_options;
	int				 v = c->answers[c->pos];

	c->sel = 0;
	if (c->phase == PH_FUNCTIONAL) {
		o = m->functional_options;
		n = m->n_functional_options;
		v = c->functional;
	} else if (c->phase != PH_ITEM)
		return;
	for (size_t i = 0; i < n; i++)
		if (o[i].value == v)
			c->sel = i;
}

/* After an answer: the next item, the functional question or the review. */
static void
advance(struct checkin_screen *c)
{
	const struct measure *m = c->m;

	if (c->from_review || c->phase == PH_FUNCTIONAL) {
		c->from_review = false;
		c->phase = PH_REVIEW;
		c->sel = c->phase == PH_FUNCTIONAL ? m->n_items : 0;
		return;
	}
	if (++c->pos < m->n_items) {
		answer_sel(c);
		return;
	}
	c->pos = m->n_items - 1;
	c->phase = m->functional_text ? PH_FUNCTIONAL : PH_REVIEW;
	answer_sel(c);
}

static enum action
answer_item(struct tui *t, struct checkin_screen *c, int v)
{
	struct measure_result	r;
	bool			risk;

	c->answers[c->pos] = v;
	if (measure_score(c->m, c->answers, c->m->n_items, &r) != 0)
		r.risk = false;
	risk = r.risk && !c->crisis_shown;
	c->crisis_shown = r.risk;
	advance(c);
	draft_save(t, c);
	if (risk) {
		/* Before the next question: the contacts, at once. */
		t->ui.pending = screen_crisis_answer_new(t, c->risk_signal);
		return ACT_PUSH;
	}
	return ACT_REDRAW;
}

/* Since last time as plain numbers; since the start, on the pair of
 * measures, in words without verdicts (outcome.h). */
static void
change_words(struct tui *t, struct checkin_screen *c)
{
	struct checkin		*all = NULL;
	size_t			 n = 0;
	struct sw_error		 err = { 0 };
	const struct checkin	*prev = NULL;
	struct outcome		 oc;
	char			 day[64], *diff, *since;

	if (checkins_load(t->st, &all, &n, &err) != 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].measure, c->m->id) == 0 &&
		    (c->result.id == NULL || all[i].id == NULL ||
		    strcmp(all[i].id, c->result.id) != 0))
			prev = &all[i];
	checkins_outcome(&t->ct, all, n, &oc);
	since = outcome_words(&oc, t->ob != NULL, &t->ct.safety);
	if (prev != NULL) {
		format_day_time(prev->completed_at, day, sizeof day);
		diff = outcome_change_words(prev->total, c->result.total);
		c->change = xasprintf(_("Last time (%s) your score was %d. "
		    "%s%s%s"), day, prev->total, diff, since ? " " : "",
		    since ? since : "");
		free(diff);
	} else
		c->change = xstrdup(_("This is your first score for this "
		    "check-in. Next time you will see how it has changed."));
	free(since);
	checkins_free(all, n);
}

static enum action
save(struct tui *t, struct checkin_screen *c)
{
	struct sw_error err = { 0 };

	for (size_t i = 0; i < c->m->n_items; i++)
		if (c->answers[i] == MEASURE_UNANSWERED) {
			c->phase = PH_ITEM;
			c->pos = i;
			ui_message(&t->ui, "%s", _("Please answer this question "
			    "first."));
			return ACT_REDRAW;
		}
	if (checkin_save(t->st, c->m, c->answers, c->m->n_items,
	    c->functional, c->risk_signal, (long long)time(NULL), &c->result,
	    &err) != 0) {
		ui_message(&t->ui, _("Not saved: %s"), err.msg);
		return ACT_REDRAW;
	}
	c->saved = true;
	tui_record_saved(t);
	change_words(t, c);
	c->phase = PH_RESULT;
	return ACT_REDRAW;
}

static enum action
back(struct checkin_screen *c)
{
	c->from_review = false;
	if (c->phase == PH_ITEM && c->pos > 0)
		c->pos--;
	else if (c->phase == PH_FUNCTIONAL)
		c->phase = PH_ITEM;
	else if (c->phase == PH_REVIEW)
		c->phase = c->m->functional_text ? PH_FUNCTIONAL : PH_ITEM;
	answer_sel(c);
	return ACT_REDRAW;
}

static size_t
n_choices(const struct checkin_screen *c)
{
	switch (c->phase) {
	case PH_ITEM:
		return c->m->n_options;
	case PH_FUNCTIONAL:
		return c->m->n_functional_options;
	case PH_REVIEW:
		return c->m->n_items + (c->m->functional_text ? 1 : 0);
	default:
		return 0;
	}
}

static bool
valid_value(const struct measure_option *o, size_t n, int v, size_t *idx)
{
	for (size_t i = 0; i < n; i++)
		if (o[i].value == v) {
			*idx = i;
			return true;
		}
	return false;
}

static enum action
digit(struct tui *t, struct checkin_screen *c, int v)
{
	const struct measure	*m = c->m;
	size_t			 i;

	switch (c->phase) {
	case PH_ITEM:
		if (!valid_value(m->options, m->n_options, v, &i))
			return ACT_NONE;
		return answer_item(t, c, v);
	case PH_FUNCTIONAL:
		if (!valid_value(m->functional_options,
		    m->n_functional_options, v, &i))
			return ACT_NONE;
		c->functional = v;
		advance(c);
		draft_save(t, c);
		return ACT_REDRAW;
	case PH_REVIEW:
		if (c->sel == m->n_items) {
			c->phase = PH_FUNCTIONAL;
			return digit(t, c, v);
		}
		c->phase = PH_ITEM;
		c->pos = c->sel;
		c->from_review = true;
		return digit(t, c, v);
	default:
		return ACT_NONE;
	}
}

static enum action
pick(struct tui *t, struct checkin_screen *c)
{
	switch (c->phase) {
	case PH_ITEM:
		return answer_item(t, c, c->m->options[c->sel].value);
	case PH_FUNCTIONAL:
		return digit(t, c, c->m->functional_options[c->sel].value);
	case PH_REVIEW:
		return save(t, c);
	case PH_RESULT:
		return ACT_POP;
	}
	return ACT_NONE;
}

static enum action
result_key(struct checkin_screen *c, int key)
{
	size_t page = c->result_rows > 1 ? (size_t)c->result_rows - 1 : 1;

	switch (key) {
	case '\r':
	case '\n':
	case FN(KEY_ENTER):
		return ACT_POP;
	case ' ':
	case FN(KEY_NPAGE):
		c->top += page;
		return ACT_REDRAW;
	case 'j':
	case FN(KEY_DOWN):
		c->top++;
		return ACT_REDRAW;
	case 'k':
	case FN(KEY_UP):
		if (c->top > 0)
			c->top--;
		return ACT_REDRAW;
	case 'b':
	case FN(KEY_PPAGE):
		c->top = c->top > page ? c->top - page : 0;
		return ACT_REDRAW;
	}
	return ACT_UNHANDLED;
}

static enum action
checkin_key(struct screen *s, struct ui *u, int key)
{
	struct tui	*t = tui_of(u);
	struct checkin_screen	*c = s->data;
	size_t			 n = n_choices(c);

	if (c->phase == PH_RESULT)
		return result_key(c, key);
	if (key >= '0' && key <= '9')
		return digit(t, c, key - '0');
	switch (binding_find(checkin_keys, sizeof checkin_keys /
	    sizeof checkin_keys[0], key)) {
	case C_UP:
		if (c->sel > 0)
			c->sel--;
		return ACT_REDRAW;
	case C_DOWN:
		if (c->sel + 1 < n)
			c->sel++;
		return ACT_REDRAW;
	case C_PICK:
		return pick(t, c);
	case C_BACK:
		return back(c);
	case C_SKIP_SAVE:
		if (c->phase == PH_FUNCTIONAL) {
			c->functional = MEASURE_UNANSWERED;
			advance(c);
			draft_save(t, c);
			return ACT_REDRAW;
		}
		return c->phase == PH_REVIEW ? save(t, c) : ACT_NONE;
	case C_CHANGE:
		if (c->phase != PH_REVIEW)
			return ACT_NONE;
		if (c->sel == c->m->n_items)
			c->phase = PH_FUNCTIONAL;
		else {
			c->phase = PH_ITEM;
			c->pos = c->sel;
		}
		c->from_review = true;
		answer_sel(c);
		return ACT_REDRAW;
	}
	return ACT_UNHANDLED;
}

static void
checkin_leave(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct checkin_screen	*c = s->data;
	bool			 any = false;

	for (size_t i = 0; i < c->m->n_items; i++)
		any |= c->answers[i] != MEASURE_UNANSWERED;
	if (!c->saved && any)
		draft_save(t, c);
	if (c->saved)
		checkin_free(&c->result);
	free(c->answers);
	free(c->change);
	free(c);
}

static const struct screen_ops checkin_ops = {
	"checkin", checkin_draw, checkin_key, NULL, checkin_leave,
	checkin_keys, sizeof checkin_keys / sizeof checkin_keys[0], false,
};

struct screen *
screen_checkin_new(struct tui *t, const struct measure *m)
{
	struct checkin_screen	*c = xcalloc(1, sizeof *c);
	struct checkin_draft	 d;
	struct sw_error		 err = { 0 };
	bool			 found = false;
	struct measure_result	 r;

	c->m = m;
	c->answers = xcalloc(m->n_items, sizeof *c->answers);
	for (size_t i = 0; i < m->n_items; i++)
		c->answers[i] = MEASURE_UNANSWERED;
	c->functional = MEASURE_UNANSWERED;
	memset(&d, 0, sizeof d);
	d.answers = c->answers;
	if (draft_checkin_load(t->st, m->id, m->n_items, &d, &found,
	    &err) == 0 && found) {
		c->functional = d.functional;
		memcpy(c->risk_signal, d.risk_signal, sizeof c->risk_signal);
		if (d.position < m->n_items)
			c->pos = d.position;
		else {
			c->pos = m->n_items - 1;
			c->phase = PH_REVIEW;
		}
		/* The contacts were shown when the risk answer was given. */
		if (measure_score(m, c->answers, m->n_items, &r) == 0)
			c->crisis_shown = r.risk;
		ui_message(&t->ui, "%s", _("Carrying on from where you stopped."));
		answer_sel(c);
	}
	return screen_new(&checkin_ops, c, _("Check-in"));
}
