/* screen_unlock.c: the screens before the profile is open: making a
 * profile on first run (a passphrase typed twice, or an explicit choice of
 * none), and unlocking one with its passphrase. Nothing typed is shown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "i18n.h"
#include "passcheck.h"
#include "tui_int.h"
#include "util.h"

#define PASS_MAX	1024

enum lock_state {
	LOCK_CHOOSE,	/* first run: passphrase or none */
	LOCK_FIRST,	/* typing the passphrase */
	LOCK_AGAIN,	/* first run: typing it again */
	LOCK_NONE_WARN,	/* first run: confirm no passphrase */
	LOCK_WORKING,	/* Argon2id running on the next tick */
};

struct lock {
	bool		 first_run;
	enum lock_state	 state;
	char		*pass;		/* sodium_malloc'd */
	char		*again;
	size_t		 len, len_again;
	bool		 none;
	const char	*error;		/* translated */
	const char	*hint;		/* the passphrase's strength, translated */
};

enum { LK_ENTER, LK_BACKSPACE, LK_QUIT, LK_ONE, LK_TWO, LK_YES, LK_NO };

static const struct binding lock_keys[] = {
	{ '\r', "Enter", N_("go on"), LK_ENTER },
	{ '\n', NULL, NULL, LK_ENTER },
	{ FN(KEY_ENTER), NULL, NULL, LK_ENTER },
	{ FN(KEY_BACKSPACE), "Backspace", N_("rub out a character"),
	    LK_BACKSPACE },
	{ 0x7f, NULL, NULL, LK_BACKSPACE },
	{ 0x08, NULL, NULL, LK_BACKSPACE },
	{ KEY_ESCAPE, "Esc", N_("leave Stepwise"), LK_QUIT },
};
static const struct binding choose_keys[] = {
	{ '1', "1", N_("protect the profile with a passphrase"), LK_ONE },
	{ '2', "2", N_("no passphrase"), LK_TWO },
	{ 'y', "y", N_("yes"), LK_YES },
	{ 'n', "n", N_("no"), LK_NO },
};

/* The prompt only: nothing typed is shown, not even its length. */
static void
draw_prompt(struct tui *t, int y)
{
	const char *label = _("Passphrase: ");

	put_line(y, 2, COLS - 4, label, A_NORMAL);
	t->ui.cur_y = y;
	t->ui.cur_x = 2 + str_width(label);
}

static void
lock_draw(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct lock	*l = s->data;
	int		 y = 1, w = COLS - 4, bottom;
	attr_t		 title = ui_attr(&t->ui, ATTR_TITLE);
	char		*help;

	if (w > 76)
		w = 76;
	/* The contacts on the screen itself, no key needed: h would be
	 * typed into the passphrase here. */
	help = xasprintf(_("Help now: %s"), t->ct.safety.summary);
	bottom = LINES - 2 - text_rows(help, w);
	put_wrapped(&t->ui, bottom + 1, 2, w, LINES - 1, help, A_NORMAL);
	free(help);
	put_line(y, 2, w, l->first_run ? _("Welcome to Stepwise") :
	    _("Stepwise"), title);
	y += 2;
	switch (l->state) {
	case LOCK_CHOOSE:
		y = put_wrapped(&t->ui, y, 2, w, bottom, _("Your answers will "
		    "be kept on this computer, encrypted. A passphrase stops "
		    "anyone else who uses this computer from reading them."),
		    A_NORMAL) + 1;
		put_line(y++, 4, w - 2, _("1  Choose a passphrase "
		    "(recommended)"), A_BOLD);
		put_line(y++, 4, w - 2, _("2  Go on without a passphrase"),
		    A_NORMAL);
		y++;
		put_line(y, 2, w, _("Press 1 or 2."), ui_attr(&t->ui, ATTR_DIM));
		break;
	case LOCK_FIRST:
	case LOCK_AGAIN:
		if (l->first_run)
			y = put_wrapped(&t->ui, y, 2, w, bottom, l->state ==
			    LOCK_FIRST ? _("Choose a passphrase of at least 8 "
			    "characters. Nothing is shown as you type. If you "
			    "forget it, your answers cannot be recovered.") :
			    _("Type the same passphrase again, then press "
			    "Enter."), A_NORMAL) + 1;
		if (l->first_run && l->state == LOCK_AGAIN && l->hint != NULL)
			y = put_wrapped(&t->ui, y, 2, w, bottom, l->hint,
			    A_NORMAL) + 1;
		else
			y = put_wrapped(&t->ui, y, 2, w, bottom, _("Type your "
			    "passphrase and press Enter. Nothing is shown as "
			    "you type."), A_NORMAL) + 1;
		draw_prompt(t, y);
		y += 2;
		break;
	case LOCK_NONE_WARN:
		y = put_wrapped(&t->ui, y, 2, w, bottom, _("Without a passphrase, "
		    "the profile is not protected: anyone who can read its "
		    "file, on this computer or in a copy of it, can read your "
		    "answers. Only do this on a computer that is yours alone. "
		    "Never on a shared or public computer."),
		    ui_attr(&t->ui, ATTR_WARN)) + 1;
		put_line(y, 2, w, _("Go on without a passphrase? Press y for "
		    "yes, n to choose one."), A_NORMAL);
		y += 2;
		break;
	case LOCK_WORKING:
		put_line(y, 2, w, l->first_run ? _("Making your profile...") :
		    _("Opening your profile..."), A_BOLD);
		y += 2;
		break;
	}
	if (l->error != NULL)
		put_wrapped(&t->ui, y, 2, w, bottom, l->error,
		    ui_attr(&t->ui, ATTR_WARN));
}

static void
wipe(char *p, size_t *len)
{
	sodium_memzero(p, PASS_MAX);
	*len = 0;
}

static enum action
lock_type(struct lock *l, int key)
{
	char	*buf = l->state == LOCK_AGAIN ? l->again : l->pass;
	size_t	*len = l->state == LOCK_AGAIN ? &l->len_again : &l->len;
	char	 mb[MB_LEN_MAX];
	int	 n;

	if ((key & UI_FN) || key < 0x20)
		return ACT_NONE;
	if ((n = wctomb(mb, (wchar_t)key)) <= 0 ||
	    *len + (size_t)n + 1 >= PASS_MAX)
		return ACT_NONE;
	memcpy(buf + *len, mb, (size_t)n);
	*len += (size_t)n;
	buf[*len] = '\0';
	sodium_memzero(mb, sizeof mb);
	return ACT_REDRAW;
}

static void
lock_backspace(struct lock *l)
{
	char	*buf = l->state == LOCK_AGAIN ? l->again : l->pass;
	size_t	*len = l->state == LOCK_AGAIN ? &l->len_again : &l->len;

	while (*len > 0 && ((unsigned char)buf[*len - 1] & 0xc0) == 0x80)
		buf[--*len] = '\0';
	if (*len > 0)
		buf[--*len] = '\0';
}

static enum action
lock_enter(struct lock *l, struct tui *t)
{
	struct pass_verdict v;

	l->error = NULL;
	if (l->state == LOCK_FIRST && l->first_run) {
		passphrase_check(l->pass, &v);
		if (!v.ok) {
			l->error = v.words;
			wipe(l->pass, &l->len);
			return ACT_REDRAW;
		}
		l->hint = v.words;
		l->state = LOCK_AGAIN;
		return ACT_REDRAW;
	}
	if (l->state == LOCK_AGAIN) {
		if (l->len != l->len_again ||
		    sodium_memcmp(l->pass, l->again, l->len) != 0) {
			l->error = _("The two passphrases were not the same. "
			    "Please choose one again.");
			wipe(l->pass, &l->len);
			wipe(l->again, &l->len_again);
			l->state = LOCK_FIRST;
			return ACT_REDRAW;
		}
	}
	if (l->state == LOCK_FIRST && l->len == 0)
		return ACT_NONE;
	l->state = LOCK_WORKING;
	t->ui.wake_at = now_ms();	/* draw "Opening..." first, then work */
	return ACT_REDRAW;
}

static enum action
lock_key(struct screen *s, struct ui *u, int key)
{
	struct tui	*t = tui_of(u);
	struct lock	*l = s->data;
	int		 cmd;

	if (l->state == LOCK_WORKING)
		return ACT_NONE;
	cmd = binding_find(lock_keys, sizeof lock_keys / sizeof lock_keys[0],
	    key);
	if (cmd == LK_QUIT)
		return ACT_QUIT;
	if (l->state == LOCK_CHOOSE || l->state == LOCK_NONE_WARN) {
		if (cmd == LK_ENTER && l->state == LOCK_CHOOSE)
			cmd = LK_ONE;
		else
			cmd = binding_find(choose_keys, sizeof choose_keys /
			    sizeof choose_keys[0], key);
		if (l->state == LOCK_CHOOSE && cmd == LK_ONE)
			l->state = LOCK_FIRST;
		else if (l->state == LOCK_CHOOSE && cmd == LK_TWO)
			l->state = LOCK_NONE_WARN;
		else if (l->state == LOCK_NONE_WARN && cmd == LK_YES) {
			l->none = true;
			l->state = LOCK_WORKING;
			t->ui.wake_at = now_ms();
		} else if (l->state == LOCK_NONE_WARN && cmd == LK_NO)
			l->state = LOCK_FIRST;
		return ACT_REDRAW;
	}
	switch (cmd) {
	case LK_ENTER:
		return lock_enter(l, t);
	case LK_BACKSPACE:
		lock_backspace(l);
		return ACT_REDRAW;
	}
	return lock_type(l, key);
}

static enum action
lock_tick(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct lock	*l = s->data;
	struct sw_error	 err = { 0 };
	const char	*pass = l->none ? NULL : l->pass;

	if (l->state != LOCK_WORKING)
		return ACT_NONE;
	if (l->first_run && store_create(t->path, pass, &err) != 0) {
		ui_message(&t->ui, "%s", err.msg);
		l->state = LOCK_CHOOSE;
		return ACT_REDRAW;
	}
	if (store_open(t->path, pass, &t->st, &err) != 0) {
		wipe(l->pass, &l->len);
		l->state = LOCK_FIRST;
		if (err.code == SW_EPASSPHRASE)
			l->error = _("That passphrase is not right. Please "
			    "try again.");
		else
			ui_message(&t->ui, "%s", err.msg);
		return ACT_REDRAW;
	}
	return tui_opened(t, l->first_run);
}

static void
lock_leave(struct screen *s, struct ui *u)
{
	struct tui	*t = tui_of(u);
	struct lock *l = s->data;

	(void)t;
	sodium_free(l->pass);
	sodium_free(l->again);
	free(l);
}

static const struct screen_ops lock_ops = {
	"unlock", lock_draw, lock_key, lock_tick, lock_leave, lock_keys,
	sizeof lock_keys / sizeof lock_keys[0], true,
};

static struct screen *
lock_new(struct tui *t, bool first_run)
{
	struct lock *l = xcalloc(1, sizeof *l);

	(void)t;
	l->first_run = first_run;
	l->state = first_run ? LOCK_CHOOSE : LOCK_FIRST;
	l->pass = sodium_malloc(PASS_MAX);
	l->again = sodium_malloc(PASS_MAX);
	if (l->pass == NULL || l->again == NULL) {
		fputs("stepwise: out of memory\n", stderr);
		exit(1);
	}
	sodium_memzero(l->pass, PASS_MAX);
	sodium_memzero(l->again, PASS_MAX);
	return screen_new(&lock_ops, l, first_run ? _("New profile") :
	    _("Unlock"));
}

struct screen *
screen_firstrun_new(struct tui *t)
{
	return lock_new(t, true);
}

struct screen *
screen_unlock_new(struct tui *t)
{
	return lock_new(t, false);
}
