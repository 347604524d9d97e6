/* session.c: an interactive session, full-screen or plain. Plain mode is
 * chosen with --plain, or when there is no terminal to draw on: TERM unset
 * or "dumb", or standard input or output not a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "plain.h"
#include "tui.h"
#include "util.h"

static bool
needs_plain(const struct cli *cli)
{
	const char *term = getenv("TERM");

	return cli->plain || term == NULL || *term == '\0' ||
	    strcmp(term, "dumb") == 0 || !isatty(STDIN_FILENO) ||
	    !isatty(STDOUT_FILENO);
}

/* The terminal's own width when there is one (shells seldom export
 * COLUMNS), else COLUMNS, else 80; one column spare. */
static int
plain_width(void)
{
	const char	*c = getenv("COLUMNS");
	struct winsize	 ws;
	int		 w = c ? atoi(c) : 0;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		w = ws.ws_col;
	return w >= 20 && w <= 500 ? w - 1 : 79;
}

/* First use in plain mode: offer to make the profile here and now. */
static int
plain_first_run(struct cli *cli, struct plain *p)
{
	int yes;

	plain_say(p, _("Welcome to Stepwise. There is no profile yet. Your "
	    "answers will be kept in a profile on this computer, locked with "
	    "a passphrase that only you know."));
	yes = plain_ask_yes(p, _("Make your profile now? (Y/n) "), true);
	if (yes == 0)
		plain_say(p, _("No profile was made. When you are ready, run "
		    "'stepwise' again, or 'stepwise init'."));
	if (yes <= 0)
		return EXIT_FAIL;
	return cli_make_profile(cli, false);
}

int
cli_session(struct cli *cli, const char *measure_id)
{
	struct content		 ct;
	struct plain		 p;
	const struct measure	*m = NULL;
	char			*path;
	int			 rc = EXIT_FAIL;

	if (!needs_plain(cli)) {
		char why[256];

		if (tui_terminal_check(why, sizeof why) == 0)
			return tui_run(cli, measure_id);
		fprintf(stderr, "stepwise: %s.\n", why);
	}
	if (cli_load_content(cli, &ct) != 0)
		return EXIT_FAIL;
	memset(&p, 0, sizeof p);
	p.ct = &ct;
	p.width = plain_width();
	if (measure_id && (m = content_measure(&ct, measure_id)) == NULL) {
		cli_error(_("there is no check-in called '%s' (try phq9 or "
		    "gad7)"), measure_id);
		goto out;
	}
	if ((path = cli_profile_path(cli, false)) == NULL)
		goto out;
	if (access(path, F_OK) != 0 && plain_first_run(cli, &p) != EXIT_OK) {
		free(path);
		goto out;
	}
	free(path);
	if (cli_open_store(cli, &p.st, NULL) != 0)
		goto out;
	if (m != NULL) {
		/* Sent as soon as it is saved, as from the menu: a check-in
		 * with the risk flag must not wait for the next sync. */
		plain_sync_open(&p);
		rc = plain_checkin(&p, m) == 0 ? EXIT_OK : EXIT_FAIL;
		plain_sync_close(&p);
	} else
		rc = plain_home(&p) == 0 ? EXIT_OK : EXIT_FAIL;
	store_close(p.st);
out:
	content_free(&ct);
	return rc;
}
