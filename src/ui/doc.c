/* doc.c: a scrolling page of text, and the page of a screen's keys made
 * with it (help). */
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "ui.h"
#include "util.h"

enum { DOC_UP, DOC_DOWN, DOC_PGUP, DOC_PGDN, DOC_TOP, DOC_END, DOC_DONE };

static const struct binding doc_keys[] = {
	{ FN(KEY_UP), "Up / k", N_("scroll up a line"), DOC_UP },
	{ 'k', NULL, NULL, DOC_UP },
	{ FN(KEY_DOWN), "Down / j", N_("scroll down a line"), DOC_DOWN },
	{ 'j', NULL, NULL, DOC_DOWN },
	{ FN(KEY_PPAGE), "PgUp / b", N_("scroll up a page"), DOC_PGUP },
	{ 'b', NULL, NULL, DOC_PGUP },
	{ FN(KEY_NPAGE), "PgDn / Space", N_("scroll down a page"), DOC_PGDN },
	{ ' ', NULL, NULL, DOC_PGDN },
	{ FN(KEY_HOME), "Home / g", N_("go to the top"), DOC_TOP },
	{ 'g', NULL, NULL, DOC_TOP },
	{ FN(KEY_END), "End / G", N_("go to the end"), DOC_END },
	{ 'G', NULL, NULL, DOC_END },
	{ '\r', "Enter", N_("close this page"), DOC_DONE },
	{ '\n', NULL, NULL, DOC_DONE },
	{ FN(KEY_ENTER), NULL, NULL, DOC_DONE },
};

struct doc {
	char		*title;
	doc_build_fn	 build;
	void		*arg;
	void		(*free_arg)(void *);
	struct tdoc	 d;
	size_t		 top;
	int		 rows;
	/* A page that must not vanish by the key that brought it (the
	 * contacts after a risk answer): only this key closes it, and no key
	 * counts until DELIBERATE_MS after it opened (type-ahead). */
	int		 close_key;
	long long	 opened_ms;
};

#define DELIBERATE_MS	1000

static void
doc_draw(struct screen *s, struct ui *u)
{
	struct doc	*p = s->data;
	int		 y = 0, width = COLS - 4;

	if (width > 76)
		width = 76;
	if (p->d.width != width) {
		tdoc_free(&p->d);
		p->d.width = width;
		p->build(u, p->arg, &p->d);
	}
	if (p->title != NULL) {
		put_line(0, 2, width, p->title, ui_attr(u, ATTR_TITLE) |
		    A_UNDERLINE);
		y = 2;
	}
	p->rows = LINES - 1 - y - 1;
	if (p->top + (size_t)p->rows > p->d.n)
		p->top = p->d.n > (size_t)p->rows ? p->d.n - (size_t)p->rows :
		    0;
	tdoc_draw(&p->d, y, 2, p->top, p->rows);
	if (p->close_key != 0)
		put_line(LINES - 2, 2, width, p->top + (size_t)p->rows <
		    p->d.n ? _("-- more: Space. c: carry on --") :
		    _("-- press c to carry on --"), ui_attr(u, ATTR_ACCENT));
	else if (p->top + (size_t)p->rows < p->d.n)
		put_line(LINES - 2, 2, width, _("-- more: Space or Down --"),
		    ui_attr(u, ATTR_DIM));
	else
		put_line(LINES - 2, 2, width, _("-- end: Enter or q to go "
		    "back --"), ui_attr(u, ATTR_DIM));
}

static enum action
doc_key(struct screen *s, struct ui *u, int key)
{
	struct doc	*p = s->data;
	size_t		 page = p->rows > 1 ? (size_t)p->rows - 1 : 1;
	int		 cmd;

	(void)u;
	cmd = binding_find(doc_keys, sizeof doc_keys / sizeof doc_keys[0],
	    key);
	if (p->close_key != 0) {
		if (now_ms() - p->opened_ms < DELIBERATE_MS)
			return ACT_NONE;
		if (key == p->close_key)
			return ACT_POP;
		/* Enter, q and Esc do not close it; h and ? still work. */
		if (cmd == DOC_DONE || key == 'q' || key == KEY_ESCAPE)
			return ACT_NONE;
	}
	switch (cmd) {
	case DOC_UP:
		if (p->top > 0)
			p->top--;
		return ACT_REDRAW;
	case DOC_DOWN:
		p->top++;
		return ACT_REDRAW;
	case DOC_PGUP:
		p->top = p->top > page ? p->top - page : 0;
		return ACT_REDRAW;
	case DOC_PGDN:
		p->top += page;
		return ACT_REDRAW;
	case DOC_TOP:
		p->top = 0;
		return ACT_REDRAW;
	case DOC_END:
		p->top = p->d.n;
		return ACT_REDRAW;
	case DOC_DONE:
		return ACT_POP;
	}
	return ACT_UNHANDLED;
}

static void
doc_leave(struct screen *s, struct ui *u)
{
	struct doc *p = s->data;

	(void)u;
	tdoc_free(&p->d);
	if (p->free_arg)
		p->free_arg(p->arg);
	free(p->title);
	free(p);
}

static const struct screen_ops doc_ops = {
	"doc", doc_draw, doc_key, NULL, doc_leave, doc_keys,
	sizeof doc_keys / sizeof doc_keys[0], false,
};

struct screen *
screen_doc_new(const char *where, const char *title, doc_build_fn build,
    void *arg, void (*free_arg)(void *))
{
	struct doc *p = xcalloc(1, sizeof *p);

	p->title = title ? xstrdup(title) : NULL;
	p->build = build;
	p->arg = arg;
	p->free_arg = free_arg;
	return screen_new(&doc_ops, p, where);
}

/* ---- help: the keys of a screen, from its table ---- */

/* One key a line, its words in a column of their own that wraps under
 * itself; in a narrow window the words go under the key instead. */
static void
keys_add(struct tdoc *d, const struct binding *b, size_t n)
{
	static const wchar_t	 col[] = L"                ";
	struct para		 p;
	int			 kw = 16;

	if (d->width < 48)
		kw = 2;
	for (size_t i = 0; i < n; i++) {
		if (b[i].name == NULL)
			continue;
		if (kw == 2) {
			tdoc_text(d, b[i].name, A_BOLD);
			para_begin(&p, d, col + 16 - kw, col + 16 - kw,
			    A_NORMAL);
		} else {
			char	*name = xasprintf("%-15s ", b[i].name);
			wchar_t	*wname = wcs_from_utf8(name);

			para_begin(&p, d, wname, col + 16 - kw, A_NORMAL);
			free(wname);
			free(name);
		}
		para_add(&p, _(b[i].help), A_NORMAL);
		para_end(&p);
	}
}

static void
help_build(struct ui *u, void *arg, struct tdoc *d)
{
	const struct screen *s = arg;

	if (s->ops->n_keys > 0) {
		tdoc_text(d, _("On this screen:"), A_BOLD);
		keys_add(d, s->ops->keys, s->ops->n_keys);
		tdoc_blank(d);
	}
	if (!s->ops->no_global) {
		tdoc_text(d, _("Everywhere:"), A_BOLD);
		keys_add(d, u->app->global_keys, u->app->n_global_keys);
	}
}

struct screen *
screen_help_new(const struct ui *u, const struct screen *of)
{
	(void)u;
	return screen_doc_new(_("Keys"), _("Keys"), help_build, (void *)of,
	    NULL);
}

struct screen *
screen_doc_deliberate_new(const char *where, const char *title,
    doc_build_fn build, void *arg, void (*free_arg)(void *), int close_key)
{
	struct screen	*s = screen_doc_new(where, title, build, arg,
			    free_arg);
	struct doc	*p = s->data;

	p->close_key = close_key;
	p->opened_ms = now_ms();
	return s;
}
