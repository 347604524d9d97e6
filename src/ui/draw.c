/* draw.c: text for the screen: UTF-8 to wide characters measured with
 * wcwidth, word wrapping into lines of styled cells, and drawing them. */
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <wchar.h>
#include <wctype.h>

#include "text.h"
#include "ui.h"
#include "util.h"

attr_t
ui_attr(const struct ui *t, int which)
{
	switch (which) {
	case ATTR_TITLE:
		return A_BOLD | (t->colour ? COLOR_PAIR(1) : 0);
	case ATTR_ACCENT:
		return A_BOLD | (t->colour ? COLOR_PAIR(2) : 0);
	case ATTR_WARN:
		return A_BOLD | (t->colour ? COLOR_PAIR(3) : 0);
	case ATTR_DIM:
		/* Not blue on black (about 2:1): the terminal's own colour,
		 * dimmed where it can be. */
		return A_DIM;
	case ATTR_SELECT:
		return A_REVERSE;
	}
	return A_NORMAL;
}

const char *
bullet(const struct ui *t)
{
	return t->utf8 ? "\xe2\x80\xa2" : "-";
}

int
wc_width(wchar_t c)
{
	int w = wcwidth(c);

	return w < 0 ? 1 : w;
}

/* Every string either program draws passes here, through the sanitiser first:
 * nothing from content, the clinic or a file can drive the terminal. */
wchar_t *
wcs_from_utf8(const char *utf8)
{
	static int	 ascii = -1;
	char		*clean;
	const char	*s;
	size_t		 n = 0;
	wchar_t		*w;
	mbstate_t	 ps;
	size_t		 r;

	/* Without UTF-8, text degrades to its ASCII forms, not to '?'. */
	if (ascii < 0)
		ascii = !text_locale_utf8();
	clean = text_clean(utf8, strlen(utf8), TEXT_LINES |
	    (ascii ? TEXT_ASCII : 0));
	s = clean;
	w = xcalloc(strlen(s) + 1, sizeof *w);
	memset(&ps, 0, sizeof ps);
	while (*s != '\0') {
		r = mbrtowc(&w[n], s, strlen(s), &ps);
		if (r == (size_t)-1 || r == (size_t)-2) {
			/* Not valid here: show a replacement, go on. */
			w[n] = L'?';
			r = 1;
			memset(&ps, 0, sizeof ps);
		} else if (r == 0)
			break;
		s += r;
		n++;
	}
	w[n] = L'\0';
	wipe_free(clean);
	return w;
}

char *
utf8_from_wcs(const wchar_t *w, size_t n)
{
	char		*s = xmalloc(n * MB_LEN_MAX + 1), *p = s;
	mbstate_t	 ps;
	size_t		 r;

	memset(&ps, 0, sizeof ps);
	for (size_t i = 0; i < n; i++) {
		r = wcrtomb(p, w[i], &ps);
		if (r == (size_t)-1) {
			*p = '?';
			r = 1;
		}
		p += r;
	}
	*p = '\0';
	return s;
}

int
str_width(const char *s)
{
	wchar_t	*w = wcs_from_utf8(s);
	int	 n = 0;

	for (wchar_t *p = w; *p != L'\0'; p++)
		n += wc_width(*p);
	free(w);
	return n;
}

struct tline *
tdoc_newline(struct tdoc *d)
{
	d->v = xreallocarray(d->v, d->n + 1, sizeof *d->v);
	memset(&d->v[d->n], 0, sizeof d->v[d->n]);
	return &d->v[d->n++];
}

void
line_put(struct tline *l, wchar_t c, attr_t a)
{
	l->c = xreallocarray(l->c, l->n + 1, sizeof *l->c);
	l->c[l->n].c = c;
	l->c[l->n].a = a;
	l->n++;
}

static int
line_prefix(struct tline *l, const wchar_t *p, attr_t a)
{
	int w = 0;

	for (; p != NULL && *p != L'\0'; p++) {
		line_put(l, *p, a);
		w += wc_width(*p);
	}
	return w;
}

void
para_begin(struct para *p, struct tdoc *d, const wchar_t *first,
    const wchar_t *rest, attr_t pattr)
{
	memset(p, 0, sizeof *p);
	p->d = d;
	p->rest = rest;
	p->pattr = pattr;
	p->line = tdoc_newline(d);
	p->col = line_prefix(p->line, first, pattr);
}

static void
para_break(struct para *p)
{
	p->line = tdoc_newline(p->d);
	p->col = line_prefix(p->line, p->rest, p->pattr);
	p->space = false;
	p->used = false;
}

/* Put the pending word on the line, wrapping first when it does not fit;
 * a word wider than the whole line is cut. */
static void
para_flush(struct para *p)
{
	int	w = 0, gap;
	size_t	i;

	if (p->nword == 0)
		return;
	for (i = 0; i < p->nword; i++)
		w += wc_width(p->word[i].c);
	gap = p->space && p->used ? 1 : 0;
	if (p->used && p->col + gap + w > p->d->width) {
		para_break(p);
		gap = 0;
	}
	if (gap) {
		/* Between two words drawn alike the space is drawn alike too:
		 * one attribute change per run, not per word. */
		attr_t ga = p->line->n > 0 && p->line->c[p->line->n - 1].a ==
		    p->word[0].a ? p->word[0].a : A_NORMAL;

		line_put(p->line, L' ', ga);
		p->col++;
	}
	for (i = 0; i < p->nword; i++) {
		int cw = wc_width(p->word[i].c);

		if (p->col + cw > p->d->width && p->used)
			para_break(p);
		line_put(p->line, p->word[i].c, p->word[i].a);
		p->col += cw;
		p->used = true;
	}
	p->nword = 0;
	p->space = false;
}

void
para_add(struct para *p, const char *utf8, attr_t a)
{
	wchar_t	*w = wcs_from_utf8(utf8);

	for (wchar_t *c = w; *c != L'\0'; c++) {
		if (*c == L'\n') {
			para_flush(p);
			para_break(p);
		} else if (iswspace((wint_t)*c)) {
			para_flush(p);
			p->space = true;
		} else {
			if (p->nword == p->capword) {
				p->capword = p->capword ? p->capword * 2 : 32;
				p->word = xreallocarray(p->word, p->capword,
				    sizeof *p->word);
			}
			p->word[p->nword].c = *c;
			p->word[p->nword++].a = a;
		}
	}
	free(w);
}

void
para_end(struct para *p)
{
	para_flush(p);
	free(p->word);
	p->word = NULL;
}

void
tdoc_text(struct tdoc *d, const char *utf8, attr_t a)
{
	struct para p;

	para_begin(&p, d, NULL, NULL, A_NORMAL);
	para_add(&p, utf8, a);
	para_end(&p);
}

/* A row of a list, wrapped: its leading spaces indent every line, and
 * the wrapped lines hang under its text, past a check mark ("[ ] ") when it
 * has one, so that each row reads as one item. */
void
tdoc_row(struct tdoc *d, const char *utf8, attr_t a)
{
	struct para	 p;
	wchar_t		 first[40], rest[44];
	size_t		 indent = strspn(utf8, " "), hang, i;

	if (indent > 32)
		indent = 32;
	hang = indent + (utf8[indent] == '[' && utf8[indent + 1] != '\0' &&
	    utf8[indent + 2] == ']' && utf8[indent + 3] == ' ' ? 4 : 2);
	for (i = 0; i < indent; i++)
		first[i] = L' ';
	first[i] = L'\0';
	for (i = 0; i < hang; i++)
		rest[i] = L' ';
	rest[i] = L'\0';
	para_begin(&p, d, first, rest, a);
	para_add(&p, utf8 + indent, a);
	para_end(&p);
}

/* The first line to show of a list scrolled by lines, keeping the lines
 * from start to end (the selected row) on a window of avail lines, and
 * no empty lines below the end of the list while there is more above. */
size_t
tdoc_scroll(const struct tdoc *d, size_t top, size_t start, size_t end,
    int avail)
{
	size_t rows = avail > 0 ? (size_t)avail : 1;

	if (end - start > rows || start < top)
		top = start;
	else if (end > top + rows)
		top = end - rows;
	if (top > 0 && d->n < top + rows)
		top = d->n > rows ? d->n - rows : 0;
	return top;
}

/* One line of a tdoc, cut at width columns; returns the columns used. */
int
line_text(struct tline *l, const char *utf8, attr_t a, int width)
{
	wchar_t	*w = wcs_from_utf8(utf8);
	int	 col = 0;

	for (wchar_t *c = w; *c != L'\0' && col + wc_width(*c) <= width;
	    c++) {
		line_put(l, *c, a);
		col += wc_width(*c);
	}
	free(w);
	return col;
}

void
tdoc_blank(struct tdoc *d)
{
	tdoc_newline(d);
}

void
tdoc_free(struct tdoc *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].c);
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

static void
draw_cells(int y, int x, const struct cell *c, size_t n)
{
	size_t	i = 0, j;
	wchar_t	buf[256];

	move(y, x);
	while (i < n) {
		for (j = 0; i + j < n && j < 255 && c[i + j].a == c[i].a; j++)
			buf[j] = c[i + j].c;
		buf[j] = L'\0';
		attrset(c[i].a);
		addnwstr(buf, (int)j);
		i += j;
	}
	attrset(A_NORMAL);
}

void
tdoc_draw(const struct tdoc *d, int y, int x, size_t top, int rows)
{
	for (int r = 0; r < rows && top + (size_t)r < d->n; r++)
		draw_cells(y + r, x, d->v[top + r].c, d->v[top + r].n);
}

/* The selected row, drawn at column x: "> " in the two columns before it
 * and the cursor on the marker, so that a screen reader, a braille line or
 * a terminal without reverse video finds it too. */
void
mark_selected(struct ui *t, int y, int x)
{
	attrset(A_BOLD);
	mvaddstr(y, x - 2, "> ");
	attrset(A_NORMAL);
	if (t->cur_y < 0) {
		t->cur_y = y;
		t->cur_x = x - 2;
	}
}

/* One line, cut to width columns. */
void
put_line(int y, int x, int width, const char *utf8, attr_t a)
{
	wchar_t	*w = wcs_from_utf8(utf8);
	int	 col = 0;
	size_t	 n = 0;

	while (w[n] != L'\0' && col + wc_width(w[n]) <= width)
		col += wc_width(w[n++]);
	attrset(a);
	mvaddnwstr(y, x, w, (int)n);
	attrset(A_NORMAL);
	free(w);
}

/* Wrapped text from row y to at most maxy (exclusive); returns the next
 * free row. */
int
text_rows(const char *utf8, int width)
{
	struct tdoc	d = { NULL, 0, width };
	int		rows;

	tdoc_text(&d, utf8, A_NORMAL);
	rows = (int)d.n;
	tdoc_free(&d);
	return rows;
}

int
put_wrapped(const struct ui *t, int y, int x, int width, int maxy,
    const char *utf8, attr_t a)
{
	struct tdoc	d = { NULL, 0, width };
	int		rows;

	(void)t;
	tdoc_text(&d, utf8, a);
	rows = (int)d.n;
	if (y + rows > maxy)
		rows = maxy - y;
	if (rows > 0)
		tdoc_draw(&d, y, x, 0, rows);
	tdoc_free(&d);
	return y + (rows > 0 ? rows : 0);
}
