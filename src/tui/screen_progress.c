/* screen_progress.c: check-in totals over time as bar charts (Unicode
 * blocks, or '#' when the locale is not UTF-8), with the measure's bands
 * marked down the side; under them, how the scores have moved since the
 * first paired check-ins, in plain words (outcome_words). */
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "outcome.h"
#include "record.h"
#include "tui_int.h"
#include "util.h"

#define GUTTER	12

static const wchar_t eighths[] = L" \x2581\x2582\x2583\x2584\x2585\x2586"
    L"\x2587\x2588";

static int
chart(struct tui *t, const struct measure *m, const struct checkin *all,
    size_t n, int y, int height)
{
	int			*tot = xcalloc(n + 1, sizeof *tot);
	size_t			 k = 0, cols, first;
	int			 w = COLS - 4, span = m->max_total - m->min_total;
	const char		*prev_band = NULL;
	char			*line;

	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].measure, m->id) == 0)
			tot[k++] = all[i].total;
	line = xasprintf(_("%s (%zu check-in%s)"), m->title, k,
	    k == 1 ? "" : "s");
	put_line(y++, 2, w, line, tui_attr(t, ATTR_TITLE));
	free(line);
	if (k == 0) {
		put_line(y++, 2, w, _("No check-ins yet."), A_NORMAL);
		free(tot);
		return y + 1;
	}
	cols = (size_t)(w - GUTTER) / 2;
	first = k > cols ? k - cols : 0;
	for (int r = 0; r < height; r++) {
		/* The total at the middle of this row names its band. */
		int mid = m->min_total + span * (2 * (height - r) - 1) /
		    (2 * height);
		const struct measure_band *b = measure_band_for(m, mid);

		if (b != NULL && b->label != prev_band) {
			put_line(y + r, 2, GUTTER - 2, b->label,
			    tui_attr(t, ATTR_DIM));
			prev_band = b->label;
		}
		mvaddch(y + r, GUTTER, t->utf8 ? ' ' : '|');
		if (t->utf8)
			mvaddwstr(y + r, GUTTER, L"\x2502");
		for (size_t i = first; i < k; i++) {
			int e8 = (tot[i] - m->min_total) * height * 8 /
			    (span > 0 ? span : 1) - (height - 1 - r) * 8;
			int x = GUTTER + 2 + (int)(i - first) * 2;

			if (e8 < 0)
				e8 = 0;
			if (e8 > 8)
				e8 = 8;
			if (t->utf8)
				mvaddnwstr(y + r, x, &eighths[e8], 1);
			else
				mvaddch(y + r, x, e8 >= 4 ? '#' : ' ');
		}
	}
	y += height;
	line = xasprintf(_("Latest: %d (%s)"), tot[k - 1],
	    measure_band_for(m, tot[k - 1]) ?
	    measure_band_for(m, tot[k - 1])->label : "");
	put_line(y++, 2, w, line, A_BOLD);
	free(line);
	if (k > 1) {
		line = outcome_change_words(tot[k - 2], tot[k - 1]);
		y = put_wrapped(t, y, 2, w, LINES - 2, line, A_NORMAL);
		free(line);
	}
	free(tot);
	return y + 1;
}

static void
progress_draw(struct screen *s, struct tui *t)
{
	struct checkin	*all = NULL;
	struct outcome	 oc;
	size_t		 n = 0, shown = 0;
	struct sw_error	 err = { 0 };
	int		 y = 0, h;
	const char	*ids[] = { "phq9", "gad7" };
	char		*words;

	(void)s;
	put_line(y++, 2, COLS - 4, _("Your progress"), tui_attr(t,
	    ATTR_TITLE));
	y++;
	if (checkins_load(t->st, &all, &n, &err) != 0) {
		put_line(y, 2, COLS - 4, err.msg, tui_attr(t, ATTR_WARN));
		return;
	}
	/* First: the two measures together, first pair to latest. */
	checkins_outcome(&t->ct, all, n, &oc);
	if ((words = outcome_words(&oc, t->ob != NULL, &t->ct.safety)) !=
	    NULL) {
		y = put_wrapped(t, y, 2, COLS - 4, LINES - 2, words,
		    oc.category == OUTCOME_RELIABLE_DETERIORATION ?
		    tui_attr(t, ATTR_WARN) : A_BOLD) + 1;
		free(words);
	}
	h = (LINES - 4 - (y - 2)) / 2 - 4;
	if (h < 2)
		h = 2;
	if (h > 10)
		h = 10;
	for (size_t i = 0; i < 2; i++) {
		const struct measure *m = content_measure(&t->ct, ids[i]);

		if (m == NULL || y + h + 3 > LINES - 1)
			continue;
		y = chart(t, m, all, n, y, h);
		shown++;
	}
	(void)shown;
	checkins_free(all, n);
}

static enum action
progress_key(struct screen *s, struct tui *t, int key)
{
	(void)s;
	(void)t;
	if (key == '\r' || key == '\n')
		return ACT_POP;
	return ACT_UNHANDLED;
}

static void
progress_leave(struct screen *s, struct tui *t)
{
	(void)s;
	(void)t;
}

static const struct binding progress_keys[] = {
	{ '\r', "Enter", N_("back to home"), 0 },
};

static const struct screen_ops progress_ops = {
	"progress", progress_draw, progress_key, NULL, progress_leave,
	progress_keys, 1, false,
};

struct screen *
screen_progress_new(struct tui *t)
{
	(void)t;
	return screen_new(&progress_ops, NULL, _("Progress"));
}
