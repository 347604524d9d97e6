/* screen_entries.c: an exercise's past entries, newest first, each with
 * whether the clinic gets it. Enter reads one; s shares it and p makes a
 * shared one private again while it has not been sent (sharing.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "jsonv.h"
#include "record.h"
#include "sharing.h"
#include "sync.h"
#include "tui_int.h"
#include "util.h"

struct past {
	char		*id;
	cJSON		*values;
	long long	 created;
	bool		 follows;	/* how a plan went */
	enum entry_share state;
};

struct entries {
	const struct exercise	*e;
	struct past		*v;
	size_t			 n, sel;
	size_t			 shown, shown_n;	/* the rows last drawn */
	char			*error;	/* the entries could not be read */
};

/* Where each entry stands changes while the list is on screen: a sync
 * (this program's or one from cron) sends it, or one cut off leaves it
 * uncertain. The list reads it again for the rows on screen this often
 * (ms). */
#define ENTRIES_RECHECK_MS	2000

enum { E_UP, E_DOWN, E_READ, E_SHARE, E_PRIVATE };

static const struct binding entries_keys[] = {
	{ FN(KEY_UP), "Up / k", N_("select the entry above"), E_UP },
	{ 'k', NULL, NULL, E_UP },
	{ FN(KEY_DOWN), "Down / j", N_("select the entry below"), E_DOWN },
	{ 'j', NULL, NULL, E_DOWN },
	{ '\r', "Enter", N_("read the entry"), E_READ },
	{ '\n', NULL, NULL, E_READ },
	{ FN(KEY_ENTER), NULL, NULL, E_READ },
	{ 's', "s", N_("share the entry with your clinic"), E_SHARE },
	{ 'p', "p", N_("make a shared entry private again, if it has not "
	    "been sent"), E_PRIVATE },
};

static const char *
joined_clinic(const struct tui *t)
{
	return t->ob != NULL ? tui_clinic_name(t) : NULL;
}

static void
entries_clear(struct entries *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].id);
		json_wipe_delete(l->v[i].values);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
	free(l->error);
	l->error = NULL;
}

static int
entry_keep(void *arg, const char *id, const char *exercise,
    const cJSON *values, long long created, const char *follows)
{
	struct entries	*l = arg;
	struct past	*p;

	(void)exercise;
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	p = &l->v[l->n++];
	p->id = xstrdup(id);
	p->values = cJSON_Duplicate(values, 1);
	p->created = created;
	p->follows = follows != NULL;
	p->state = ENTRY_PRIVATE;
	return 0;
}

/* Where entries from .. to - 1 stand, read again: 1 when any changed, 0
 * when none did, -1 when they could not be read (err). */
static int
entries_restate(struct tui *t, struct entries *l, size_t from, size_t to,
    struct sw_error *err)
{
	struct sharing	*sh;
	enum entry_share state;
	int		 rc = 0;

	if (sharing_load(t->st, &sh, err) != 0)
		return -1;
	for (size_t i = from; i < to && i < l->n; i++) {
		if (entry_share_state(t->st, sh, l->v[i].id, &state,
		    err) != 0) {
			rc = -1;
			break;
		}
		if (state != l->v[i].state)
			rc = 1;
		l->v[i].state = state;
	}
	sharing_free(sh);
	return rc;
}

static void
entries_load(struct tui *t, struct entries *l)
{
	struct sw_error	 err = { 0 };

	entries_clear(l);
	if (exercise_entries_each(t->st, l->e->id, entry_keep, l, &err) != 0) {
		l->error = xstrdup(err.msg);
		return;
	}
	/* Newest first. */
	for (size_t i = 0; i < l->n / 2; i++) {
		struct past tmp = l->v[i];

		l->v[i] = l->v[l->n - 1 - i];
		l->v[l->n - 1 - i] = tmp;
	}
	if (entries_restate(t, l, 0, l->n, &err) < 0)
		l->error = xstrdup(err.msg);
	if (l->sel >= l->n)
		l->sel = l->n ? l->n - 1 : 0;
}

static void
entries_draw(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct entries	*l = s->data;
	int		 w = COLS - 4, y = 0;
	size_t		 first = 0, rows;
	char		 when[64], *state, *line;

	if (w > 76)
		w = 76;
	line = xasprintf(_("Your entries: %s"), l->e->title);
	put_line(y++, 2, w, line, ui_attr(&t->ui, ATTR_TITLE));
	free(line);
	if (l->error != NULL) {
		put_wrapped(&t->ui, y + 1, 2, w, LINES - 2, l->error,
		    ui_attr(&t->ui, ATTR_WARN));
		return;
	}
	if (l->n == 0) {
		put_wrapped(&t->ui, y + 1, 2, w, LINES - 2, _("You have no saved "
		    "entries for this exercise yet."), A_NORMAL);
		return;
	}
	y = put_wrapped(&t->ui, y, 2, w, LINES - 3, _("Enter reads an entry; s "
	    "shares it; p makes it private."), ui_attr(&t->ui, ATTR_DIM));
	y++;
	rows = LINES - 2 > y ? (size_t)(LINES - 2 - y) : 1;
	if (l->sel >= rows)
		first = l->sel - rows + 1;
	l->shown = first;
	l->shown_n = 0;
	for (size_t i = first; i < l->n && y < LINES - 2; i++) {
		l->shown_n++;
		format_day_time(l->v[i].created, when, sizeof when);
		state = entry_share_words(l->v[i].state, joined_clinic(t));
		line = xasprintf(l->v[i].follows ? _("%s (how a plan went). %s") :
		    _("%s. %s"), when, state);
		if (i == l->sel)
			mark_selected(&t->ui, y, 2);
		put_line(y++, 2, w, line, i == l->sel ?
		    ui_attr(&t->ui, ATTR_SELECT) : A_NORMAL);
		free(line);
		free(state);
	}
	if (t->ui.wake_at == 0)
		t->ui.wake_at = now_ms() + ENTRIES_RECHECK_MS;
}

static enum action
entries_tick(struct screen *s, struct ui *u)
{
	struct entries	*l = s->data;
	struct sw_error	 err = { 0 };

	if (l->error != NULL || l->n == 0)
		return ACT_NONE;
	/* The rows on screen only: a long history costs no more. One that
	 * could not be read now keeps what it said, and is read again at
	 * the next tick. */
	return entries_restate(tui_of(u), l, l->shown, l->shown + l->shown_n,
	    &err) == 1 ? ACT_REDRAW : ACT_NONE;
}

/* ---- one entry, read in full ---- */

struct one {
	const struct exercise	*e;
	cJSON			*values;
	char			*head;	/* the date and where it stands */
};

static void
one_build(struct ui *u, void *arg, struct tdoc *d)
{
	struct tui	*t = tui_of(u);
	struct one *o = arg;

	tdoc_text(d, o->head, ui_attr(&t->ui, ATTR_ACCENT));
	tdoc_blank(d);
	values_render(t, o->e, o->values, d);
}

static void
one_free(void *arg)
{
	struct one *o = arg;

	json_wipe_delete(o->values);
	free(o->head);
	free(o);
}

static struct screen *
one_new(struct tui *t, const struct exercise *e, const struct past *p)
{
	struct one	*o = xcalloc(1, sizeof *o);
	char		 when[64], *state, *title;
	struct screen	*s;

	format_day_time(p->created, when, sizeof when);
	state = entry_share_words(p->state, joined_clinic(t));
	o->e = e;
	o->values = cJSON_Duplicate(p->values, 1);
	o->head = xasprintf("%s. %s", when, state);
	free(state);
	title = xasprintf(_("Your entry: %s"), e->title);
	s = screen_doc_new(_("Past entry"), title, one_build, o, one_free);
	free(title);
	return s;
}

static enum action
entries_key(struct screen *s, struct ui *u, int key)
{
	struct tui	*t = tui_of(u);
	struct entries	*l = s->data;
	struct sw_error	 err = { 0 };
	enum entry_share now;
	bool		 share;
	char		*words;
	int		 cmd;

	cmd = binding_find(entries_keys, sizeof entries_keys /
	    sizeof entries_keys[0], key);
	if (cmd == -1 || l->n == 0)
		return ACT_UNHANDLED;
	switch (cmd) {
	case E_UP:
		if (l->sel > 0)
			l->sel--;
		return ACT_REDRAW;
	case E_DOWN:
		if (l->sel + 1 < l->n)
			l->sel++;
		return ACT_REDRAW;
	case E_READ:
		t->ui.pending = one_new(t, l->e, &l->v[l->sel]);
		return ACT_PUSH;
	}
	share = cmd == E_SHARE;
	/* What is being sent now may reach the clinic whatever is chosen:
	 * making an entry private waits until the sync has finished. */
	if (!share && l->v[l->sel].state == ENTRY_SHARED && t->sync != NULL &&
	    sync_running(t->sync)) {
		ui_message(&t->ui, "%s", _("Stepwise is sending to your clinic right "
		    "now. Try again when it has finished."));
		return ACT_REDRAW;
	}
	if (entry_share(t->st, l->v[l->sel].id, share, &now, &err) != 0) {
		ui_message(&t->ui, "%s", err.msg);
		return ACT_REDRAW;
	}
	words = entry_shared_words(now, joined_clinic(t));
	ui_message(&t->ui, "%s", words);
	free(words);
	if (share)
		tui_record_saved(t);
	else
		tui_sync_refresh(t);
	entries_load(t, l);
	return ACT_REDRAW;
}

static void
entries_leave(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct entries *l = s->data;

	(void)t;
	entries_clear(l);
	free(l);
}

static const struct screen_ops entries_ops = {
	"entries", entries_draw, entries_key, entries_tick, entries_leave,
	entries_keys, sizeof entries_keys / sizeof entries_keys[0], false,
};

struct screen *
screen_entries_new(struct tui *t, const struct exercise *e)
{
	struct entries *l = xcalloc(1, sizeof *l);

	l->e = e;
	entries_load(t, l);
	return screen_new(&entries_ops, l, _("Past entries"));
}
