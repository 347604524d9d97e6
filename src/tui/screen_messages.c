/* screen_messages.c: the conversation with the supporter, oldest first and
 * opened at the newest; opening it marks the messages read. r writes a
 * reply in the text editor, which is checked and then sent like any other
 * record; a reply not sent is kept sealed as the draft "draft:reply". */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draft.h"
#include "edit.h"
#include "i18n.h"
#include "tui_int.h"
#include "util.h"

enum mode { M_READ, M_WRITE, M_REVIEW };

struct msgs {
	struct message	*v;
	size_t		 n;
	unsigned	 gen;		/* t->inbox_gen when loaded */
	struct tdoc	 d;		/* the conversation, for d.width */
	size_t		 top;
	int		 rows;
	bool		 at_end;	/* keep the newest in view */
	enum mode	 mode;
	struct edit	 ed;
	bool		 had_draft;
};

enum { MS_UP, MS_DOWN, MS_PGUP, MS_PGDN, MS_TOP, MS_END, MS_REPLY,
    MS_SYNC, MS_REVIEW, MS_SEND, MS_BACK, MS_STOP };

static const struct binding msgs_keys[] = {
	{ FN(KEY_UP), "Up / k", N_("scroll up a line"), MS_UP },
	{ 'k', NULL, NULL, MS_UP },
	{ FN(KEY_DOWN), "Down / j", N_("scroll down a line"), MS_DOWN },
	{ 'j', NULL, NULL, MS_DOWN },
	{ FN(KEY_PPAGE), "PgUp / b", N_("scroll up a page"), MS_PGUP },
	{ 'b', NULL, NULL, MS_PGUP },
	{ FN(KEY_NPAGE), "PgDn / Space", N_("scroll down a page"), MS_PGDN },
	{ ' ', NULL, NULL, MS_PGDN },
	{ FN(KEY_HOME), "Home / g", N_("go to the oldest message"), MS_TOP },
	{ 'g', NULL, NULL, MS_TOP },
	{ FN(KEY_END), "End / G", N_("go to the newest message"), MS_END },
	{ 'G', NULL, NULL, MS_END },
	{ 'r', "r", N_("write a reply (or carry on with the one kept)"),
	    MS_REPLY },
	{ 'S', "S", N_("sync now: fetch new messages, send what waits"),
	    MS_SYNC },
	{ '\t', "Tab", N_("when writing: check the reply before sending"),
	    MS_REVIEW },
	{ FN(KEY_F(3)), "F3", N_("when writing: send the reply now (without "
	    "F3: Tab, then Enter)"),
	    MS_SEND },
	{ '\r', "Enter", N_("when writing: a new line; when checking: send"),
	    -1 },
	{ FN(KEY_BTAB), "Shift-Tab", N_("when checking: change the reply "
	    "(Tab does too)"),
	    MS_BACK },
	{ KEY_ESCAPE, "Esc", N_("stop writing; the reply is kept to finish "
	    "later"), MS_STOP },
};

/* ---- the draft ---- */

/* Empty the editor, wiping what was written. */
static void
edit_wipe(struct msgs *m)
{
	if (m->ed.b != NULL)
		memset(m->ed.b, 0, m->ed.len * sizeof *m->ed.b);
	m->ed.len = m->ed.cur = 0;
}

static void
draft_load(struct tui *t, struct msgs *m)
{
	struct sw_error	 err = { 0 };
	char		*text;

	if (draft_reply_load(t->st, &text, &err) != 0 || text == NULL)
		return;
	edit_set(&m->ed, text);
	wipe_free(text);
	m->had_draft = true;
}

/* Keep what is written (sealed, like every draft); nothing written, no
 * draft. */
static void
draft_keep(struct tui *t, struct msgs *m)
{
	struct sw_error	 err = { 0 };
	char		*text;

	if (m->ed.len == 0 && !m->had_draft)
		return;
	text = edit_get(&m->ed);
	if (draft_reply_save(t->st, text, &err) != 0)
		ui_message(&t->ui, "%s", err.msg);
	else
		m->had_draft = m->ed.len > 0;
	wipe_free(text);
}

/* ---- the conversation ---- */

static void
load(struct tui *t, struct msgs *m)
{
	struct sw_error	err = { 0 };
	long long	now = (long long)time(NULL);

	messages_free(m->v, m->n);
	m->v = NULL;
	m->n = 0;
	m->gen = t->inbox_gen;
	tdoc_free(&m->d);
	m->d.width = 0;
	if (t->ob == NULL)
		return;
	if (messages_load(t->st, &m->v, &m->n, &err) != 0) {
		ui_message(&t->ui, "%s", err.msg);
		return;
	}
	/* Shown now: read. */
	if (messages_mark_read(t->st, m->v, m->n, now, &err) != 0)
		ui_message(&t->ui, "%s", err.msg);
	tui_sync_refresh(t);
}

/* The newest supporter message, which a reply answers. */
static const struct message *
last_from_clinic(const struct msgs *m)
{
	for (size_t i = m->n; i-- > 0;)
		if (!m->v[i].from_patient)
			return &m->v[i];
	return NULL;
}

static void
not_enrolled_build(struct tui *t, struct tdoc *d)
{
	(void)t;
	tdoc_text(d, _("This profile is not connected to a clinic, so there "
	    "are no messages yet."), A_BOLD);
	tdoc_blank(d);
	tdoc_text(d, _("If your clinic offers Stepwise with a supporter, they "
	    "will give you an enrollment file. Save it on this computer, then "
	    "run this command, with the file's name in place of FILE:"),
	    A_NORMAL);
	tdoc_blank(d);
	/* TRANSLATORS: a command: only FILE may be translated. */
	tdoc_text(d, _("    stepwise enroll FILE"), A_BOLD);
	tdoc_blank(d);
	tdoc_text(d, _("After that, Stepwise sends your check-ins and the "
	    "exercises you save to the clinic, encrypted, and your "
	    "supporter's messages appear here."), A_NORMAL);
}

static void
message_add(struct tui *t, struct tdoc *d, const struct message *msg)
{
	struct para	 p;
	char		 when[64], *head;

	format_when_short(msg->at, when, sizeof when);
	if (msg->from_patient)
		head = xasprintf(_("You, %s"), when);
	else
		head = xasprintf("%s, %s", msg->from && *msg->from ? msg->from :
		    _("Your supporter"), when);
	tdoc_text(d, head, msg->from_patient ? A_BOLD :
	    ui_attr(&t->ui, ATTR_ACCENT));
	free(head);
	para_begin(&p, d, L"  ", L"  ", A_NORMAL);
	para_add(&p, msg->text ? msg->text : "", A_NORMAL);
	para_end(&p);
	tdoc_blank(d);
}

static void
build(struct tui *t, struct msgs *m, int width)
{
	char *problem = messages_problem_words(t->sync_st.bad_messages,
	    messages_missing(m->v, m->n));

	tdoc_free(&m->d);
	m->d.width = width;
	if (t->ob == NULL) {
		not_enrolled_build(t, &m->d);
		return;
	}
	if (m->n == 0) {
		tdoc_text(&m->d, _("No messages yet. When your supporter writes "
		    "to you, their messages appear here. You can write to them "
		    "too: press r."), A_NORMAL);
		tdoc_blank(&m->d);
	}
	for (size_t i = 0; i < m->n; i++)
		message_add(t, &m->d, &m->v[i]);
	if (problem != NULL) {
		tdoc_text(&m->d, problem, ui_attr(&t->ui, ATTR_WARN));
		tdoc_blank(&m->d);
		free(problem);
	}
	if (m->had_draft && m->mode == M_READ)
		tdoc_text(&m->d, _("Your reply is not sent yet: press r to "
		    "finish it."), ui_attr(&t->ui, ATTR_ACCENT));
}

/* ---- drawing ---- */

static void
draw_read(struct tui *t, struct msgs *m, int y, int w)
{
	m->rows = LINES - 2 - y;
	if (m->rows < 1)
		m->rows = 1;
	if (m->at_end || m->top + (size_t)m->rows > m->d.n)
		m->top = m->d.n > (size_t)m->rows ? m->d.n - (size_t)m->rows :
		    0;
	tdoc_draw(&m->d, y, 2, m->top, m->rows);
	put_line(LINES - 2, 2, w, t->ob == NULL ? _("q: back") : m->top > 0 ?
	    _("r: write a reply   Up/PgUp: earlier messages   S: sync   "
	    "q: back") : _("r: write a reply   S: sync now   q: back"),
	    ui_attr(&t->ui, ATTR_DIM));
}

/* The message being answered, in at most a third of the screen. */
static int
draw_answering(struct tui *t, struct msgs *m, int y, int w)
{
	const struct message	*last = last_from_clinic(m);
	struct tdoc		 d = { NULL, 0, w - 2 };
	int			 rows = (LINES - 6) / 3;

	if (last == NULL)
		return y;
	message_add(t, &d, last);
	if (rows < 1)
		rows = 1;
	if ((size_t)rows > d.n)
		rows = (int)d.n;
	tdoc_draw(&d, y, 2, 0, rows);
	tdoc_free(&d);
	return y + rows;
}

static void
draw_write(struct tui *t, struct msgs *m, int y, int w)
{
	int h;

	y = draw_answering(t, m, y, w);
	put_line(y++, 2, w, _("Your reply:"), A_BOLD);
	h = LINES - 3 - y;
	edit_draw(&m->ed, y, 2, w, h < 1 ? 1 : h, A_UNDERLINE, &t->ui.cur_y,
	    &t->ui.cur_x);
	put_line(LINES - 2, 2, w, _("Tab: check and send   F3: send now   "
	    "Esc: keep for later"), ui_attr(&t->ui, ATTR_DIM));
}

static void
draw_review(struct tui *t, struct msgs *m, int y, int w)
{
	struct tdoc	 d = { NULL, 0, w };
	char		*text = edit_get(&m->ed);

	put_line(y++, 2, w, _("Send this reply to your supporter? Enter "
	    "sends it."), ui_attr(&t->ui, ATTR_ACCENT));
	y++;
	tdoc_text(&d, text, A_NORMAL);
	wipe_free(text);
	tdoc_draw(&d, y, 2, d.n > (size_t)(LINES - 3 - y) ? d.n -
	    (size_t)(LINES - 3 - y) : 0, LINES - 3 - y);
	tdoc_free(&d);
	put_line(LINES - 2, 2, w, _("Enter: send   Shift-Tab: change it   "
	    "Esc: keep for later"), ui_attr(&t->ui, ATTR_DIM));
}

static void
msgs_draw(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct msgs	*m = s->data;
	const char	*clinic = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(t->clinic,
			    "clinic"));
	int		 w = COLS - 4;
	char		*title;

	if (w > 76)
		w = 76;
	/* New messages came: read them again, keeping the place unless the
	 * newest was in view. */
	if (m->gen != t->inbox_gen)
		load(t, m);
	if (m->d.width != w)
		build(t, m, w);
	title = clinic && *clinic ? xasprintf(_("Messages with %s"), clinic) :
	    xstrdup(_("Messages"));
	put_line(0, 2, w, title, ui_attr(&t->ui, ATTR_TITLE));
	free(title);
	switch (m->mode) {
	case M_READ:
		draw_read(t, m, 2, w);
		break;
	case M_WRITE:
		draw_write(t, m, 2, w);
		break;
	case M_REVIEW:
		draw_review(t, m, 2, w);
		break;
	}
}

/* ---- keys ---- */

static enum action
send(struct tui *t, struct msgs *m)
{
	struct sw_error		 err = { 0 };
	const struct message	*last = last_from_clinic(m);
	char			*text = edit_get(&m->ed);
	int			 rc;

	rc = reply_save(t->st, text, last ? last->id : NULL,
	    (long long)time(NULL), &err);
	wipe_free(text);
	if (rc != 0) {
		ui_message(&t->ui, _("Not sent: %s"), err.msg);
		m->mode = M_WRITE;
		return ACT_REDRAW;
	}
	/* reply_save removed the draft with the save. */
	edit_wipe(m);
	m->had_draft = false;
	m->mode = M_READ;
	ui_message(&t->ui, "%s", _("Reply saved; it goes to your clinic as soon "
	    "as this device is online."));
	tui_record_saved(t);
	load(t, m);
	m->at_end = true;
	return ACT_REDRAW;
}

static enum action
key_read(struct tui *t, struct msgs *m, int cmd)
{
	size_t page = m->rows > 1 ? (size_t)m->rows - 1 : 1;

	/* Scrolling lets go of the newest; End takes hold of it again. */
	if (cmd == MS_UP || cmd == MS_DOWN || cmd == MS_PGUP ||
	    cmd == MS_PGDN || cmd == MS_TOP)
		m->at_end = false;
	switch (cmd) {
	case MS_UP:
		if (m->top > 0)
			m->top--;
		return ACT_REDRAW;
	case MS_DOWN:
		m->top++;
		return ACT_REDRAW;
	case MS_PGUP:
		m->top = m->top > page ? m->top - page : 0;
		return ACT_REDRAW;
	case MS_PGDN:
		m->top += page;
		return ACT_REDRAW;
	case MS_TOP:
		m->top = 0;
		return ACT_REDRAW;
	case MS_END:
		m->at_end = true;
		return ACT_REDRAW;
	case MS_SYNC:
		tui_sync_now(t);
		return ACT_REDRAW;
	case MS_REPLY:
		if (t->ob == NULL)
			return ACT_NONE;
		m->mode = M_WRITE;
		m->d.width = 0;		/* drop the "not sent" line */
		return ACT_REDRAW;
	}
	return ACT_UNHANDLED;
}

static enum action
msgs_key(struct screen *s, struct ui *u, int key)
{
	struct tui	*t = tui_of(u);
	struct msgs	*m = s->data;
	int		 cmd = binding_find(msgs_keys, sizeof msgs_keys /
			    sizeof msgs_keys[0], key);
	int		 w = COLS - 4 > 76 ? 76 : COLS - 4;

	switch (m->mode) {
	case M_READ:
		return key_read(t, m, cmd);
	case M_WRITE:
		if (cmd == MS_STOP) {
			draft_keep(t, m);
			m->mode = M_READ;
			m->d.width = 0;
			if (m->had_draft)
				ui_message(&t->ui, "%s", _("Your reply is kept. "
				    "Press r to finish it."));
			return ACT_REDRAW;
		}
		if (cmd == MS_SEND)
			return send(t, m);
		if (cmd == MS_REVIEW) {
			if (m->ed.b == NULL || m->ed.b[wcsspn(m->ed.b,
			    L" \t\n")] == L'\0') {
				ui_message(&t->ui, "%s", _("Please write your reply "
				    "first."));
				return ACT_REDRAW;
			}
			draft_keep(t, m);
			m->mode = M_REVIEW;
			return ACT_REDRAW;
		}
		if (is_enter(key)) {
			edit_insert(&m->ed, L'\n');
			return ACT_REDRAW;
		}
		return edit_key(&m->ed, key, w);
	case M_REVIEW:
		if (is_enter(key) || cmd == MS_SEND)
			return send(t, m);
		if (cmd == MS_BACK || cmd == MS_REVIEW) {
			m->mode = M_WRITE;
			return ACT_REDRAW;
		}
		if (cmd == MS_STOP) {
			m->mode = M_READ;
			m->d.width = 0;
			ui_message(&t->ui, "%s", _("Your reply is kept. Press r to "
			    "finish it."));
			return ACT_REDRAW;
		}
		return ACT_UNHANDLED;
	}
	return ACT_UNHANDLED;
}

static void
msgs_leave(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct msgs *m = s->data;

	if (t->ob != NULL)
		draft_keep(t, m);
	edit_wipe(m);
	edit_free(&m->ed);
	messages_free(m->v, m->n);
	tdoc_free(&m->d);
	free(m);
}

static const struct screen_ops msgs_ops = {
	"messages", msgs_draw, msgs_key, NULL, msgs_leave, msgs_keys,
	sizeof msgs_keys / sizeof msgs_keys[0], false,
};

struct screen *
screen_messages_new(struct tui *t)
{
	struct msgs *m = xcalloc(1, sizeof *m);

	edit_set(&m->ed, "");
	m->ed.max_bytes = PROTO_MAX_MESSAGE_TEXT;
	if (t->ob != NULL)
		draft_load(t, m);
	load(t, m);
	m->at_end = true;
	if (m->had_draft)
		ui_message(&t->ui, "%s", _("Your reply is kept: press r to carry "
		    "on."));
	return screen_new(&msgs_ops, m, _("Messages"));
}
