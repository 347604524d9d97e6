/* screen_progress.c: check-in totals over time as bar charts (Unicode
 * blocks, or '#' when the locale is not UTF-8), with the measure's bands
 * marked down the side; under them, how the scores have moved since the
 * first paired check-ins, in plain words (outcome_words). The whole is a
 * page of lines, so that a small window scrolls to both charts. */
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

/* One row of bars, r of height (0 the top). */
static void
chart_row(struct tui *t, struct tdoc *d, const struct measure *m,
    const int *tot, size_t first, size_t k, int r, int height,
    const char **prev_band)
{
	struct tline			*l = tdoc_newline(d);
	int				 span = m->max_total - m->min_total;
	/* The total at the middle of this row names its band. */
	int				 mid = m->min_total + span *
					    (2 * (height - r) - 1) /
					    (2 * height);
	const struct measure_band	*b = measure_band_for(m, mid);
	int				 col = 0;

	if (b != NULL && b->label != *prev_band) {
		col = line_text(l, b->label, ui_attr(&t->ui, ATTR_DIM),
		    GUTTER - 3);
		*prev_band = b->label;
	}
	for (; col < GUTTER - 2; col++)
		line_put(l, L' ', A_NORMAL);
	line_put(l, t->ui.utf8 ? L'\x2502' : L'|', A_NORMAL);
	for (size_t i = first; i < k; i++) {
		int e8 = (tot[i] - m->min_total) * height * 8 /
		    (span > 0 ? span : 1) - (height - 1 - r) * 8;

		if (e8 < 0)
			e8 = 0;
		if (e8 > 8)
			e8 = 8;
		line_put(l, L' ', A_NORMAL);
		line_put(l, t->ui.utf8 ? eighths[e8] : e8 >= 4 ? L'#' : L' ',
		    A_NORMAL);
	}
}

static void
chart(struct tui *t, struct tdoc *d, const struct measure *m,
    const struct checkin *all, size_t n, int height)
{
	int			*tot = xcalloc(n + 1, sizeof *tot);
	size_t			 k = 0, cols, first;
	const char		*prev_band = NULL;
	char			*line;

	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].measure, m->id) == 0)
			tot[k++] = all[i].total;
	line = xasprintf(ngettext("%s (%zu check-in)", "%s (%zu check-ins)",
	    k), m->title, k);
	tdoc_text(d, line, ui_attr(&t->ui, ATTR_TITLE));
	free(line);
	if (k == 0) {
		tdoc_text(d, _("No check-ins yet."), A_NORMAL);
		tdoc_blank(d);
		free(tot);
		return;
	}
	cols = (size_t)(d->width - GUTTER) / 2;
	first = k > cols ? k - cols : 0;
	for (int r = 0; r < height; r++)
		chart_row(t, d, m, tot, first, k, r, height, &prev_band);
	line = xasprintf(_("Latest: %d (%s)"), tot[k - 1],
	    measure_band_for(m, tot[k - 1]) ?
	    measure_band_for(m, tot[k - 1])->label : "");
	tdoc_text(d, line, A_BOLD);
	free(line);
	if (k > 1) {
		line = outcome_change_words(tot[k - 2], tot[k - 1]);
		tdoc_text(d, line, A_NORMAL);
		free(line);
	}
	tdoc_blank(d);
	free(tot);
}

static void
progress_build(struct ui *u, void *arg, struct tdoc *d)
{
	struct tui	*t = tui_of(u);
	struct checkin	*all = NULL;
	struct outcome	 oc;
	size_t		 n = 0;
	struct sw_error	 err = { 0 };
	const char	*ids[] = { "phq9", "gad7" };
	char		*words;
	int		 h = (LINES - 8) / 2 - 3;

	(void)arg;
	if (checkins_load(t->st, &all, &n, &err) != 0) {
		tdoc_text(d, err.msg, ui_attr(&t->ui, ATTR_WARN));
		return;
	}
	/* First: the two measures together, first pair to latest. */
	checkins_outcome(&t->ct, all, n, &oc);
	if ((words = outcome_words(&oc, t->ob != NULL, &t->ct.safety)) !=
	    NULL) {
		tdoc_text(d, words, oc.category ==
		    OUTCOME_RELIABLE_DETERIORATION ? ui_attr(&t->ui, ATTR_WARN) :
		    A_BOLD);
		tdoc_blank(d);
		free(words);
	}
	if (h < 2)
		h = 2;
	if (h > 10)
		h = 10;
	for (size_t i = 0; i < 2; i++) {
		const struct measure *m = content_measure(&t->ct, ids[i]);

		if (m != NULL)
			chart(t, d, m, all, n, h);
	}
	checkins_free(all, n);
}

struct screen *
screen_progress_new(struct tui *t)
{
	(void)t;
	return screen_doc_new(_("Progress"), _("Your progress"),
	    progress_build, NULL, NULL);
}
