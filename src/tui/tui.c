/* tui.c: the patient's full-screen programme: its entry point, and what
 * it gives the shared loop (ui/ui.c): the keys every screen has (h for
 * help now), the status line's words, and the window that is too small
 * (which still shows the crisis numbers). */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <term.h>

#include "i18n.h"
#include "tui.h"
#include "tui_int.h"
#include "util.h"

/* The keys every screen has, for help. */
static const struct binding global_keys[] = {
	{ '?', "?", N_("show the keys for this screen"), 0 },
	{ 'h', "h", N_("help now: who to contact in a crisis"), 0 },
	{ 'q', "q / Esc", N_("go back (on the home screen, q quits)"), 0 },
};
static enum action
patient_global_key(struct ui *u, int key)
{
	struct tui *t = tui_of(u);

	if (key != 'h')
		return ACT_UNHANDLED;
	if (t->st == NULL)
		return ACT_NONE;
	u->pending = screen_crisis_new(t);
	return ACT_PUSH;
}

/* After "where": what is due, then the sync in what room is left (in
 * fewer words when it must). */
static void
patient_status(struct ui *u, int room, char *buf, size_t size)
{
	struct tui	*t = tui_of(u);
	char		 sync[256];

	snprintf(buf, size, "%s", t->pendingline);
	if (t->pendingline[0] != '\0')
		room -= 5 + str_width(t->pendingline);
	tui_sync_status(t, room, sync, sizeof sync);
	if (sync[0] != '\0')
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
		    buf[0] != '\0' ? "  |  " : "", sync);
}

enum action
tui_opened(struct tui *t, bool first_run)
{
	const struct measure	*m;
	struct unlock_report	 r;
	struct sw_error		 err = { 0 };
	const char		*words;
	char			 buf[sizeof t->ui.message];

	/* Before anything is saved or sent (outbox_verify_at_unlock). */
	if (outbox_verify_at_unlock(t->st, &r, &err) != 0)
		ui_message(&t->ui, "%s", err.msg);
	else if ((words = outbox_unlock_words(&r, buf, sizeof buf)) != NULL)
		ui_message(&t->ui, "%s", words);
	tui_sync_open(t);
	t->ui.pending = screen_home_new(t);
	t->ui.n_after = 0;
	if (first_run)
		t->ui.after[t->ui.n_after++] = screen_welcome_new(t);
	if (t->start_measure != NULL &&
	    (m = content_measure(&t->ct, t->start_measure)) != NULL)
		t->ui.after[t->ui.n_after++] = screen_checkin_new(t, m);
	return ACT_REPLACE;
}

int
tui_terminal_check(char *why, size_t size)
{
	const char	*term = getenv("TERM");
	int		 err = 0;

	/* setupterm, not initscr: an unknown terminal is told here, and
	 * nothing is drawn or exited. */
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		snprintf(why, size, err == 0 ? _("the terminal type '%s' is "
		    "not known on this computer, so Stepwise runs in plain "
		    "mode") : _("the terminal '%s' cannot be used for the "
		    "full screen, so Stepwise runs in plain mode"),
		    term ? term : "");
		return -1;
	}
	del_curterm(cur_term);
	return 0;
}

/* Too small to use, never too small to get help or leave: the crisis
 * numbers come before anything else that is cut, and h shows every
 * contact. */
static void
too_small_draw(struct ui *u)
{
	struct tui		*t = tui_of(u);
	const struct safety	*sf = &t->ct.safety;
	const char		*head = _("This window is too small: make it at "
				    "least 40 x 12.");
	const char		*keys = _("h: all crisis contacts. q or Esc: "
				    "leave (your work is kept).");
	struct tdoc		 d = { NULL, 0, COLS };
	int			 hr, sr, y = 0;
	char			*s;

	if (u->too_small_more) {
		for (size_t i = 0; i < sf->n_contacts; i++) {
			s = xasprintf("%s: %s", sf->contacts[i].name,
			    sf->contacts[i].phone);
			tdoc_text(&d, s, A_NORMAL);
			free(s);
		}
		tdoc_text(&d, _("h: back. q or Esc: leave."), A_BOLD);
		tdoc_draw(&d, 0, 0, 0, LINES);
		tdoc_free(&d);
	} else {
		sr = text_rows(sf->summary, COLS);
		if (sr > LINES)
			sr = LINES;
		hr = text_rows(head, COLS);
		if (hr > LINES - sr)
			hr = LINES - sr;
		if (hr > 0)
			y = put_wrapped(u, 0, 0, COLS, hr, head, A_BOLD);
		y = put_wrapped(u, y, 0, COLS, y + sr, sf->summary,
		    ui_attr(u, ATTR_WARN));
		put_wrapped(u, y, 0, COLS, LINES, keys, A_NORMAL);
	}
}

static void
too_small_key(struct ui *u, int key)
{
	if (key == 'h')
		u->too_small_more = !u->too_small_more;
}

static const struct ui_app patient_app = {
	global_keys, sizeof global_keys / sizeof global_keys[0],
	patient_global_key, N_("? keys  h help now"), N_("Esc leaves"),
	patient_status, too_small_draw, too_small_key,
};

/* Leave every screen (each saves its draft), then the terminal. */
static void
tui_cleanup(struct tui *t)
{
	ui_leave_all(&t->ui);
	tui_sync_close(t);
	ui_finish(&t->ui);
	if (t->st != NULL)
		store_close(t->st);
	t->st = NULL;
	content_free(&t->ct);
	free(t->path);
	t->path = NULL;
}

/* Before any screen: open the profile when it needs no screen to do so. */
static int
open_quietly(struct tui *t, bool *opened)
{
	struct sw_error	 err = { 0 };
	char		*pass = NULL;
	int		 has;

	*opened = false;
	if ((has = store_has_passphrase(t->path, &err)) < 0)
		return cli_error("%s", err.msg);
	if (has && t->cli->passphrase_fd < 0)
		return 0;
	if (has && (pass = passphrase_read(t->cli, "")) == NULL)
		return EXIT_FAIL;
	if (store_open(t->path, pass, &t->st, &err) != 0) {
		passphrase_free(pass);
		return cli_error("%s", err.msg);
	}
	passphrase_free(pass);
	*opened = true;
	return 0;
}

int
tui_run(struct cli *cli, const char *start_measure)
{
	static struct tui	 t;
	bool			 exists, opened = false;
	int			 rc;

	memset(&t, 0, sizeof t);
	t.ui.app = &patient_app;
	t.cli = cli;
	t.start_measure = start_measure;
	if (cli_load_content(cli, &t.ct) != 0)
		return EXIT_FAIL;
	if (start_measure != NULL && content_measure(&t.ct,
	    start_measure) == NULL) {
		content_free(&t.ct);
		return cli_error(_("there is no check-in called '%s'"),
		    start_measure);
	}
	if ((t.path = cli_profile_path(cli, true)) == NULL) {
		content_free(&t.ct);
		return EXIT_FAIL;
	}
	exists = access(t.path, F_OK) == 0;
	if (exists && (rc = open_quietly(&t, &opened)) != 0) {
		tui_cleanup(&t);
		return rc;
	}
	if (ui_start(&t.ui) != 0) {
		const char *term = getenv("TERM");

		tui_cleanup(&t);
		return cli_error(_("the terminal '%s' could not be started"),
		    term ? term : "");
	}
	if (!exists)
		ui_push(&t.ui, screen_firstrun_new(&t));
	else if (!opened)
		ui_push(&t.ui, screen_unlock_new(&t));
	else
		ui_apply(&t.ui, tui_opened(&t, false));
	rc = ui_loop(&t.ui);
	tui_cleanup(&t);
	return rc;
}
