/* edit.c: a text editor for one field: UTF-8 in, wide characters inside,
 * word-wrapped to a width, with the cursor moved by character, line and
 * word-wrapped row. What it held may be clinical (an exercise answer, a
 * message, a note): every buffer it lets go is wiped first. */
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <sodium.h>

#include "edit.h"
#include "util.h"

static void
buffer_drop(struct edit *e)
{
	if (e->b != NULL)
		sodium_memzero(e->b, e->cap * sizeof *e->b);
	free(e->b);
	e->b = NULL;
}

void
edit_set(struct edit *e, const char *utf8)
{
	wchar_t *w = wcs_from_utf8(utf8 ? utf8 : "");

	buffer_drop(e);
	e->len = wcslen(w);
	e->cap = e->len + 1;
	e->b = w;
	e->cur = e->len;
}

char *
edit_get(const struct edit *e)
{
	return utf8_from_wcs(e->b ? e->b : L"", e->len);
}

void
edit_free(struct edit *e)
{
	buffer_drop(e);
	memset(e, 0, sizeof *e);
}

/* How many bytes c takes in UTF-8. */
static size_t
utf8_size(wchar_t c)
{
	return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

void
edit_insert(struct edit *e, wchar_t c)
{
	if (e->max > 0 && e->len >= e->max)
		return;
	if (e->max_bytes > 0) {
		size_t bytes = utf8_size(c);

		for (size_t i = 0; i < e->len && bytes <= e->max_bytes; i++)
			bytes += utf8_size(e->b[i]);
		if (bytes > e->max_bytes)
			return;
	}
	if (e->len + 2 > e->cap) {
		size_t	 cap = e->cap ? e->cap * 2 : 64;
		wchar_t	*b = xreallocarray(NULL, cap, sizeof *b);

		if (e->b != NULL)
			memcpy(b, e->b, e->len * sizeof *b);
		buffer_drop(e);
		e->b = b;
		e->cap = cap;
	}
	memmove(&e->b[e->cur + 1], &e->b[e->cur], (e->len - e->cur) *
	    sizeof *e->b);
	e->b[e->cur++] = c;
	e->b[++e->len] = L'\0';
}

void
edit_delete(struct edit *e)
{
	if (e->cur >= e->len)
		return;
	memmove(&e->b[e->cur], &e->b[e->cur + 1], (e->len - e->cur) *
	    sizeof *e->b);
	e->len--;
}

void
edit_backspace(struct edit *e)
{
	if (e->cur == 0)
		return;
	e->cur--;
	edit_delete(e);
}

/* Where each display row starts, wrapping at spaces when a word would
 * pass width; rows[n] = len. Returns the number of rows. */
static size_t
edit_layout(const struct edit *e, int width, size_t **rows)
{
	size_t	n = 0, start = 0, i, space = (size_t)-1;
	int	col = 0;

	*rows = xcalloc(e->len + 2, sizeof **rows);
	(*rows)[n++] = 0;
	for (i = 0; i < e->len; i++) {
		wchar_t	c = e->b[i];
		int	w = c == L'\n' ? 0 : wc_width(c);

		if (c == L'\n') {
			(*rows)[n++] = start = i + 1;
			col = 0;
			space = (size_t)-1;
			continue;
		}
		if (col + w > width && i > start) {
			if (space != (size_t)-1 && space + 1 > start) {
				start = space + 1;
				col = 0;
				for (size_t k = start; k < i; k++)
					col += wc_width(e->b[k]);
			} else {
				start = i;
				col = 0;
			}
			(*rows)[n++] = start;
			space = (size_t)-1;
		}
		if (iswspace((wint_t)c))
			space = i;
		col += w;
	}
	(*rows)[n] = e->len + 1;
	return n;
}

static size_t
row_of(const size_t *rows, size_t n, size_t cur)
{
	size_t r = 0;

	while (r + 1 < n && rows[r + 1] <= cur)
		r++;
	return r;
}

static size_t
row_end(const struct edit *e, const size_t *rows, size_t n, size_t r)
{
	size_t end = r + 1 < n ? rows[r + 1] : e->len;

	/* Stay before a newline or the space the row was broken at. */
	if (r + 1 < n && end > rows[r])
		end--;
	return end;
}

static int
col_of(const struct edit *e, size_t from, size_t to)
{
	int col = 0;

	for (size_t i = from; i < to; i++)
		col += wc_width(e->b[i]);
	return col;
}

void
edit_move(struct edit *e, enum edit_move m, int width)
{
	size_t	*rows, n, r, target;
	int	 col;

	switch (m) {
	case EDIT_LEFT:
		if (e->cur > 0)
			e->cur--;
		return;
	case EDIT_RIGHT:
		if (e->cur < e->len)
			e->cur++;
		return;
	default:
		break;
	}
	n = edit_layout(e, width, &rows);
	r = row_of(rows, n, e->cur);
	col = col_of(e, rows[r], e->cur);
	switch (m) {
	case EDIT_HOME:
		e->cur = rows[r];
		break;
	case EDIT_END:
		e->cur = row_end(e, rows, n, r);
		break;
	case EDIT_UP:
	case EDIT_DOWN:
		if ((m == EDIT_UP && r == 0) || (m == EDIT_DOWN && r + 1 >= n))
			break;
		r = m == EDIT_UP ? r - 1 : r + 1;
		target = rows[r];
		while (target < row_end(e, rows, n, r) &&
		    col_of(e, rows[r], target + 1) <= col)
			target++;
		e->cur = target;
		break;
	default:
		break;
	}
	free(rows);
}

enum action
edit_key(struct edit *e, int key, int width)
{
	switch (key) {
	case FN(KEY_LEFT):
	case CTRLK('b'):
		edit_move(e, EDIT_LEFT, width);
		break;
	case FN(KEY_RIGHT):
	case CTRLK('f'):
		edit_move(e, EDIT_RIGHT, width);
		break;
	case FN(KEY_UP):
		edit_move(e, EDIT_UP, width);
		break;
	case FN(KEY_DOWN):
		edit_move(e, EDIT_DOWN, width);
		break;
	case FN(KEY_HOME):
	case CTRLK('a'):
		edit_move(e, EDIT_HOME, width);
		break;
	case FN(KEY_END):
	case CTRLK('e'):
		edit_move(e, EDIT_END, width);
		break;
	case FN(KEY_BACKSPACE):
	case 0x7f:
	case 0x08:
		edit_backspace(e);
		break;
	case FN(KEY_DC):
	case CTRLK('d'):
		edit_delete(e);
		break;
	default:
		if ((key & UI_FN) || key < 0x20)
			return ACT_UNHANDLED;
		edit_insert(e, (wchar_t)key);
	}
	return ACT_REDRAW;
}

int
edit_draw(const struct edit *e, int y, int x, int width, int height,
    attr_t a, int *cur_y, int *cur_x)
{
	size_t	*rows, n, r, first = 0;
	int	 used = 0;

	n = edit_layout(e, width, &rows);
	r = row_of(rows, n, e->cur);
	if (r >= (size_t)height)
		first = r - (size_t)height + 1;
	for (size_t i = first; i < n && used < height; i++, used++) {
		size_t	end = i + 1 < n ? rows[i + 1] : e->len;
		int	col = 0;

		if (end > e->len)
			end = e->len;
		attrset(a);
		mvhline(y + used, x, ' ', width);
		move(y + used, x);
		for (size_t k = rows[i]; k < end; k++) {
			if (e->b[k] == L'\n')
				continue;
			if (col + wc_width(e->b[k]) > width)
				break;
			addnwstr(&e->b[k], 1);
			col += wc_width(e->b[k]);
		}
		attrset(A_NORMAL);
	}
	if (cur_y != NULL) {
		*cur_y = y + (int)(r - first);
		*cur_x = x + col_of(e, rows[r], e->cur);
		if (*cur_x >= x + width)
			*cur_x = x + width - 1;
	}
	free(rows);
	return used;
}
