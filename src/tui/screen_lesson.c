/* screen_lesson.c: the lesson reader: lesson blocks wrapped to the window,
 * scrolled by line or page; the reading position is remembered and
 * reaching the end marks the lesson done. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "progress.h"
#include "tui_int.h"
#include "util.h"

struct reader {
	const struct lesson	*l;
	struct tdoc		 d;
	size_t			*line_block;	/* the block each line is in */
	size_t			 top;
	size_t			 block;		/* block at the top, kept */
	int			 rows;
	bool			 done;		/* finished, saved */
};

enum { R_UP, R_DOWN, R_PGUP, R_PGDN, R_TOP, R_END, R_BACK };

static const struct binding reader_keys[] = {
	{ FN(KEY_UP), "Up / k", N_("scroll up a line"), R_UP },
	{ 'k', NULL, NULL, R_UP },
	{ FN(KEY_DOWN), "Down / j", N_("scroll down a line"), R_DOWN },
	{ 'j', NULL, NULL, R_DOWN },
	{ FN(KEY_PPAGE), "PgUp / b", N_("scroll up a page"), R_PGUP },
	{ 'b', NULL, NULL, R_PGUP },
	{ FN(KEY_NPAGE), "PgDn / Space", N_("scroll down a page"), R_PGDN },
	{ ' ', NULL, NULL, R_PGDN },
	{ FN(KEY_HOME), "Home / g", N_("go to the start"), R_TOP },
	{ 'g', NULL, NULL, R_TOP },
	{ FN(KEY_END), "End / G", N_("go to the end"), R_END },
	{ 'G', NULL, NULL, R_END },
	{ '\r', "Enter", N_("at the end: back to home"), R_BACK },
	{ '\n', NULL, NULL, R_BACK },
};

static attr_t
span_attr(const struct tui *t, int style)
{
	attr_t a = A_NORMAL;

	if (style & SPAN_EMPH)
		a |= t->ui.italic ? A_ITALIC : A_UNDERLINE;
	if (style & SPAN_STRONG)
		a |= A_BOLD;
	if (style & SPAN_CODE)
		a |= ui_attr(&t->ui, ATTR_ACCENT);
	return a;
}

/* The prefix of a block's lines: indentation, quote bars, the bullet or
 * number on the first line. */
static void
block_prefix(const struct tui *t, const struct block *b, wchar_t *first,
    wchar_t *rest, size_t size)
{
	wchar_t	mark[16] = L"";
	size_t	n = 0;
	int	ind = b->indent > 0 ? (b->indent - 1) * 3 : 0;

	for (int i = 0; i < ind && n + 1 < size; i++)
		first[n++] = L' ';
	for (int q = 0; q < b->quote && n + 3 < size; q++) {
		first[n++] = t->ui.utf8 ? L'\x2502' : L'|';
		first[n++] = L' ';
	}
	first[n] = L'\0';
	wcscpy(rest, first);
	if (b->item == -1)
		swprintf(mark, 16, L"%ls ", t->ui.utf8 ? L"\x2022" : L"-");
	else if (b->item > 0)
		swprintf(mark, 16, L"%d. ", b->item);
	else if (b->indent > 0)
		swprintf(mark, 16, L"   ");
	if (wcslen(first) + wcslen(mark) + 1 < size) {
		wcscat(first, mark);
		for (size_t i = 0; i < wcslen(mark); i++)
			wcscat(rest, L" ");
	}
}

static void
reader_build(struct tui *t, struct reader *r)
{
	const struct lesson	*l = r->l;
	struct para		 p;
	wchar_t			 first[64], rest[64];
	size_t			 before;

	free(r->line_block);
	r->line_block = NULL;
	for (size_t i = 0; i < l->n_blocks; i++) {
		const struct block	*b = &l->blocks[i];
		const struct block	*nb = i + 1 < l->n_blocks ?
					    &l->blocks[i + 1] : NULL;

		before = r->d.n;
		switch (b->type) {
		case BLOCK_HEADING:
			if (i > 0)
				tdoc_blank(&r->d);
			para_begin(&p, &r->d, NULL, NULL, A_NORMAL);
			for (size_t k = 0; k < b->n_spans; k++)
				para_add(&p, b->spans[k].text, A_BOLD |
				    (b->level <= 2 ? A_UNDERLINE : 0) |
				    (b->level == 1 ? ui_attr(&t->ui, ATTR_TITLE) :
				    0));
			para_end(&p);
			tdoc_blank(&r->d);
			break;
		case BLOCK_PARAGRAPH:
			block_prefix(t, b, first, rest, 64);
			para_begin(&p, &r->d, first, rest,
			    ui_attr(&t->ui, ATTR_DIM));
			for (size_t k = 0; k < b->n_spans; k++)
				para_add(&p, b->spans[k].text,
				    span_attr(t, b->spans[k].style));
			para_end(&p);
			/* List items sit together; other blocks get a gap. */
			if (nb == NULL || !(b->indent > 0 && nb->indent > 0 &&
			    nb->type == BLOCK_PARAGRAPH))
				tdoc_blank(&r->d);
			break;
		case BLOCK_RULE:
			tdoc_text(&r->d, t->ui.utf8 ? "\xe2\x80\x94  \xe2\x80\x94"
			    "  \xe2\x80\x94" : "-  -  -", A_NORMAL);
			tdoc_blank(&r->d);
			break;
		}
		r->line_block = xreallocarray(r->line_block, r->d.n + 1,
		    sizeof *r->line_block);
		for (size_t k = before; k < r->d.n; k++)
			r->line_block[k] = i;
	}
	tdoc_text(&r->d, _("End of the lesson. Press Enter to go back."),
	    ui_attr(&t->ui, ATTR_ACCENT));
	r->line_block = xreallocarray(r->line_block, r->d.n + 1,
	    sizeof *r->line_block);
	r->line_block[r->d.n - 1] = l->n_blocks;
	/* Back to the block the patient was reading. */
	r->top = 0;
	while (r->top + 1 < r->d.n && r->line_block[r->top] < r->block)
		r->top++;
}

static void
reader_mark_done(struct tui *t, struct reader *r)
{
	struct sw_error err = { 0 };

	if (r->done)
		return;
	if (progress_lesson_save(t->st, r->l->id, r->block, true,
	    (long long)time(NULL), &err) != 0)
		ui_message(&t->ui, "%s", err.msg);
	else {
		r->done = true;
		ui_message(&t->ui, "%s", _("Lesson finished. Well done."));
	}
}

static void
reader_draw(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct reader	*r = s->data;
	int		 width = COLS - 4;
	size_t		 pct;
	char		*pos;

	if (width > 76)
		width = 76;
	if (r->d.width != width) {
		tdoc_free(&r->d);
		r->d.width = width;
		reader_build(t, r);
	}
	r->rows = LINES - 2;
	if (r->top + (size_t)r->rows > r->d.n)
		r->top = r->d.n > (size_t)r->rows ? r->d.n - (size_t)r->rows :
		    0;
	r->block = r->line_block[r->top];
	tdoc_draw(&r->d, 0, 2, r->top, r->rows);
	pct = r->d.n <= (size_t)r->rows ? 100 : (r->top + (size_t)r->rows) *
	    100 / r->d.n;
	pos = xasprintf(_("%s, %zu%%"), r->l->title, pct);
	/* A long title in a narrow window: the place, without the title. */
	if (str_width(pos) > width) {
		free(pos);
		pos = xasprintf(_("%zu%% read"), pct);
	}
	put_line(LINES - 2, 2, width, pos, ui_attr(&t->ui, ATTR_DIM));
	free(pos);
	if (r->top + (size_t)r->rows >= r->d.n)
		reader_mark_done(t, r);
}

static enum action
reader_key(struct screen *s, struct ui *u, int key)
{
	struct tui	*t = tui_of(u);
	struct reader	*r = s->data;
	size_t		 page = r->rows > 2 ? (size_t)r->rows - 2 : 1;

	(void)t;
	switch (binding_find(reader_keys, sizeof reader_keys /
	    sizeof reader_keys[0], key)) {
	case R_UP:
		if (r->top > 0)
			r->top--;
		return ACT_REDRAW;
	case R_DOWN:
		r->top++;
		return ACT_REDRAW;
	case R_PGUP:
		r->top = r->top > page ? r->top - page : 0;
		return ACT_REDRAW;
	case R_PGDN:
		r->top += page;
		return ACT_REDRAW;
	case R_TOP:
		r->top = 0;
		return ACT_REDRAW;
	case R_END:
		r->top = r->d.n;
		return ACT_REDRAW;
	case R_BACK:
		return r->top + (size_t)r->rows >= r->d.n ? ACT_POP :
		    ACT_NONE;
	}
	return ACT_UNHANDLED;
}

static void
reader_leave(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct reader	*r = s->data;
	struct sw_error	 err = { 0 };

	progress_lesson_save(t->st, r->l->id, r->block, false,
	    (long long)time(NULL), &err);
	tdoc_free(&r->d);
	free(r->line_block);
	free(r);
}

static const struct screen_ops reader_ops = {
	"lesson", reader_draw, reader_key, NULL, reader_leave, reader_keys,
	sizeof reader_keys / sizeof reader_keys[0], false,
};

struct screen *
screen_lesson_new(struct tui *t, const struct lesson *l)
{
	struct reader	*r = xcalloc(1, sizeof *r);
	struct sw_error	 err = { 0 };
	long long	 done_at = 0;

	r->l = l;
	if (progress_lesson_load(t->st, l->id, &r->block, &done_at,
	    &err) != 0)
		r->block = 0;
	if (r->block >= l->n_blocks || done_at != 0)
		r->block = 0;	/* a finished lesson is reread from the top */
	r->done = done_at != 0;
	return screen_new(&reader_ops, r, _("Lesson"));
}
