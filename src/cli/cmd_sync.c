/* cmd_sync.c: stepwise sync: one whole sync with the clinic, without the
 * passphrase and without the interface, for a person, cron or a systemd
 * user timer. The exit status says what happened (stepwise(1)). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "outbox.h"
#include "sync.h"

/* Exit statuses beyond cli.h's, as documented in stepwise(1), SYNC. */
#define EXIT_SYNC_NOTHING	3
#define EXIT_SYNC_UNREACHABLE	4
#define EXIT_SYNC_STOPPED	5

static void
usage(FILE *f)
{
	fprintf(f, _("Usage: stepwise sync [--quiet]\n"
	    "Send waiting results to your clinic and fetch new messages from "
	    "your\nsupporter. It does not need your passphrase: what it sends "
	    "is already\nencrypted for the clinic, and messages stay encrypted "
	    "until you open\nStepwise.\n"
	    "  --quiet  print nothing unless something went wrong\n"
	    "Exit status: 0 synced, 3 nothing to send or fetch, 4 could not "
	    "reach the\nclinic (it will be tried again), 5 the clinic refused "
	    "this device,\n1 other errors.\n"));
}

static void
print_line(void *arg, const char *line)
{
	(void)arg;
	cli_print("%s\n", line);
	fflush(stdout);
}

/* What waits and what was set aside, after the run. The run itself said
 * how many messages it fetched: which are read is sealed, so a sync
 * without the passphrase cannot count the unread ones. */
static void
print_state(struct outbox *ob)
{
	struct sw_error		err = { 0 };
	struct sync_status	st;
	size_t			waiting = 0, rejected = 0;
	char			*reg = NULL;

	/* The registration is not a record; say it in its own words. */
	if (outbox_registration(ob, &reg, &err) == 0 && reg != NULL) {
		printf("%s\n", _("This device's registration with the clinic "
		    "is waiting to be sent."));
		free(reg);
	}
	if (outbox_counts(ob, &waiting, &rejected, &err) == 0) {
		if (waiting > 0)
			printf(ngettext("%zu record is waiting to be sent.\n",
			    "%zu records are waiting to be sent.\n", waiting),
			    waiting);
		else
			printf("%s\n", _("Nothing is waiting to be sent."));
		if (rejected > 0)
			printf(ngettext("%zu record could not be sent and is "
			    "set aside. Please tell your clinic.\n",
			    "%zu records could not be sent and are set aside. "
			    "Please tell your clinic.\n", rejected), rejected);
	}
	if (outbox_status(ob, &st, &err) == 0 && st.bad_messages > 0)
		printf(ngettext("%d message failed its check and was not "
		    "kept. Please tell your clinic.\n", "%d messages failed "
		    "their check and were not kept. Please tell your clinic.\n",
		    st.bad_messages), st.bad_messages);
}

static int
exit_status(enum sync_result r)
{
	switch (r) {
	case SYNC_DONE:
		return EXIT_OK;
	case SYNC_NOTHING:
		return EXIT_SYNC_NOTHING;
	case SYNC_UNREACHABLE:
		return EXIT_SYNC_UNREACHABLE;
	case SYNC_STOPPED:
		return EXIT_SYNC_STOPPED;
	case SYNC_IDLE:
	case SYNC_FAILED:
	case SYNC_NOT_ENROLLED:
		break;
	}
	return EXIT_FAIL;
}

int
cmd_sync(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct sw_error		 err = { 0 };
	struct outbox		*ob = NULL;
	enum sync_result	 r;
	bool			 quiet = false;
	char			*path;
	int			 opt, rc, code;

	while ((opt = cli_getopt(cli, "sync", usage, argc, argv, ":q", longopts,
	    0, &code)) > 0)
		quiet = true;
	if (opt < 0)
		return code;
	if ((path = cli_profile_path(cli, false)) == NULL)
		return EXIT_FAIL;
	rc = outbox_open(path, &ob, &err);
	free(path);
	if (rc != 0) {
		if (err.code == SW_ENOENT)
			return cli_error(_("there is no profile '%s'; make one "
			    "with 'stepwise init'"), cli->profile);
		return cli_error("%s", err.msg);
	}
	if (!outbox_enrolled(ob)) {
		outbox_close(ob);
		return cli_error("%s", _("this profile is not connected to a "
		    "clinic; use 'stepwise enroll FILE' with the file your "
		    "clinic gave you"));
	}
	r = sync_run(ob, true, quiet ? NULL : print_line, NULL, NULL,
	    &err);
	rc = exit_status(r);
	if (rc != EXIT_OK && rc != EXIT_SYNC_NOTHING)
		cli_error("%s%s", err.msg, r == SYNC_UNREACHABLE ?
		    _(" Stepwise will try again later.") : "");
	if (!quiet)
		print_state(ob);
	outbox_close(ob);
	return rc;
}
