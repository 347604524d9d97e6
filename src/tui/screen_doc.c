/* screen_doc.c: a scrolling page of text, and the pages made with it: the
 * keys of a screen (help), the welcome, and who to contact in a crisis. */
#include <stdlib.h>
#include <string.h>

#include "crisis.h"
#include "i18n.h"
#include "tui_int.h"
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
doc_draw(struct screen *s, struct tui *t)
{
	struct doc	*p = s->data;
	int		 y = 0, width = COLS - 4;

	if (width > 76)
		width = 76;
	if (p->d.width != width) {
		tdoc_free(&p->d);
		p->d.width = width;
		p->build(t, p->arg, &p->d);
	}
	if (p->title != NULL) {
		put_line(0, 2, width, p->title, tui_attr(t, ATTR_TITLE) |
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
		    _("-- press c to carry on --"), tui_attr(t, ATTR_ACCENT));
	else if (p->top + (size_t)p->rows < p->d.n)
		put_line(LINES - 2, 2, width, _("-- more: Space or Down --"),
		    tui_attr(t, ATTR_DIM));
	else
		put_line(LINES - 2, 2, width, _("-- end: Enter or q to go "
		    "back --"), tui_attr(t, ATTR_DIM));
}

static enum action
doc_key(struct screen *s, struct tui *t, int key)
{
	struct doc	*p = s->data;
	size_t		 page = p->rows > 1 ? (size_t)p->rows - 1 : 1;
	int		 cmd;

	(void)t;
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
doc_leave(struct screen *s, struct tui *t)
{
	struct doc *p = s->data;

	(void)t;
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
screen_doc_new(struct tui *t, const char *where, const char *title,
    doc_build_fn build, void *arg, void (*free_arg)(void *))
{
	struct doc *p = xcalloc(1, sizeof *p);

	(void)t;
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
help_build(struct tui *t, void *arg, struct tdoc *d)
{
	const struct screen *s = arg;

	(void)t;
	if (s->ops->n_keys > 0) {
		tdoc_text(d, _("On this screen:"), A_BOLD);
		keys_add(d, s->ops->keys, s->ops->n_keys);
		tdoc_blank(d);
	}
	if (!s->ops->no_global) {
		tdoc_text(d, _("Everywhere:"), A_BOLD);
		keys_add(d, global_keys, n_global_keys);
	}
}

struct screen *
screen_help_new(struct tui *t, const struct screen *of)
{
	return screen_doc_new(t, _("Keys"), _("Keys"), help_build,
	    (void *)of, NULL);
}

/* ---- help now: the content's safety contacts ---- */

/* One contact: the name and number stand out, then what it is for. */
static void
contact_add(struct tui *t, struct tdoc *d, const char *name,
    const char *phone, const char *when, const char *what)
{
	struct para	 p;
	char		*s;

	s = phone ? xasprintf("%s: %s", name, phone) : xstrdup(name);
	tdoc_text(d, s, tui_attr(t, ATTR_WARN));
	free(s);
	if (when || what) {
		para_begin(&p, d, L"  ", L"  ", A_NORMAL);
		if (when) {
			para_add(&p, when, A_NORMAL);
			para_add(&p, " ", A_NORMAL);
		}
		if (what)
			para_add(&p, what, A_NORMAL);
		para_end(&p);
	}
	tdoc_blank(d);
}

/* The crisis contacts from the clinic's enrollment file, after the
 * content's own. */
static void
clinic_crisis(struct tui *t, struct tdoc *d)
{
	struct clinic_contact	 v[CLINIC_CRISIS_MAX];
	size_t			 n = outbox_clinic_crisis(t->clinic, v,
				    CLINIC_CRISIS_MAX);
	const char		*clinic = proto_str(t->clinic, "clinic");
	char			*s;

	if (n == 0)
		return;
	s = clinic && *clinic ? xasprintf(_("From your clinic, %s:"), clinic) :
	    xstrdup(_("From your clinic:"));
	tdoc_text(d, s, A_BOLD);
	free(s);
	for (size_t i = 0; i < n; i++)
		contact_add(t, d, v[i].name, v[i].phone, NULL, v[i].note);
}

/* risk_id: the risk record of the answer that brought the page, or NULL
 * for the Help now page. */
static void
crisis_build(struct tui *t, struct tdoc *d, const char *risk_id)
{
	const struct safety	*sf = &t->ct.safety;
	char			*s;

	if (risk_id != NULL) {
		/* A number first, where even 40 x 12 shows it; then, where it
		 * cannot be missed, who will see the answer and when. */
		tdoc_text(d, sf->summary, tui_attr(t, ATTR_WARN));
		tdoc_blank(d);
		s = crisis_audience(t->ob, proto_str(t->clinic, "clinic"),
		    risk_id);
		tdoc_text(d, s, A_BOLD);
		free(s);
		tdoc_blank(d);
	}
	tdoc_text(d, sf->intro, A_NORMAL);
	tdoc_blank(d);
	for (size_t i = 0; i < sf->n_contacts; i++) {
		const struct contact *c = &sf->contacts[i];

		contact_add(t, d, c->name, c->phone, c->when, c->what);
	}
	clinic_crisis(t, d);
	if (sf->closing) {
		tdoc_text(d, sf->closing, A_NORMAL);
		tdoc_blank(d);
	}
	if (risk_id != NULL)
		tdoc_text(d, _("When you are ready, press c to carry on with "
		    "the check-in."), tui_attr(t, ATTR_ACCENT));
}

static void
crisis_build_help(struct tui *t, void *arg, struct tdoc *d)
{
	(void)arg;
	crisis_build(t, d, NULL);
}

static void
crisis_build_answer(struct tui *t, void *arg, struct tdoc *d)
{
	crisis_build(t, d, arg);
}

struct screen *
screen_crisis_new(struct tui *t)
{
	return screen_doc_new(t, _("Help now"), t->ct.safety.title,
	    crisis_build_help, NULL, NULL);
}

struct screen *
screen_crisis_answer_new(struct tui *t, const char *risk_id)
{
	struct screen	*s = screen_doc_new(t, _("Help now"),
			    t->ct.safety.title, crisis_build_answer,
			    xstrdup(risk_id ? risk_id : ""), free);
	struct doc	*p = s->data;

	p->close_key = 'c';
	p->opened_ms = now_ms();
	return s;
}

/* ---- welcome, once, after the profile is made ---- */

static void
welcome_build(struct tui *t, void *arg, struct tdoc *d)
{
	const struct safety *sf = &t->ct.safety;
	char *s;

	(void)arg;
	tdoc_text(d, t->ct.description, A_NORMAL);
	tdoc_blank(d);
	s = xasprintf(_("There are %zu modules. Most people take about a week "
	    "over each one. Each lesson takes 5 to 15 minutes, and you can "
	    "stop at any point: Stepwise remembers where you were."),
	    t->ct.n_modules);
	tdoc_text(d, s, A_NORMAL);
	free(s);
	tdoc_blank(d);
	tdoc_text(d, _("What your clinic sees, and when"), A_BOLD);
	tdoc_text(d, _("Your check-in answers and the exercises you save are "
	    "kept on this computer, encrypted. When this device is linked to "
	    "a clinic, your check-ins are sent to it encrypted the next time "
	    "the device connects to the internet. An exercise entry is sent "
	    "only if you share it: you are asked each time you save one. "
	    "Sending may happen hours or days later, so never rely on "
	    "Stepwise for urgent help."), A_NORMAL);
	tdoc_blank(d);
	tdoc_text(d, _("If you need help urgently"), A_BOLD);
	for (size_t i = 0; i < sf->n_contacts; i++) {
		s = xasprintf("%s %s: %s", bullet(t), sf->contacts[i].name,
		    sf->contacts[i].phone);
		tdoc_text(d, s, A_NORMAL);
		free(s);
	}
	tdoc_text(d, _("Press h on any screen to see these again."),
	    A_NORMAL);
	tdoc_blank(d);
	tdoc_text(d, _("Press Enter to begin."), tui_attr(t, ATTR_ACCENT));
}

struct screen *
screen_welcome_new(struct tui *t)
{
	return screen_doc_new(t, _("Welcome"), _("Welcome to Stepwise"),
	    welcome_build, NULL, NULL);
}
