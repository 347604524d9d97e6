/* cmd_enroll.c: stepwise enroll: connect the profile to a clinic with the
 * enrollment file it gave the patient, then try a first sync. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "i18n.h"
#include "outbox.h"
#include "sync.h"
#include "util.h"

static void
usage(FILE *f)
{
	fprintf(f, _("Usage: stepwise enroll [--delete] [--no-sync]\n"
	    "                       [--send-earlier | --keep-earlier] FILE\n"
	    "Connect this profile to your clinic with the enrollment file it "
	    "gave you.\nYour check-ins are then sent to the clinic, and the "
	    "exercise entries you\nshare, encrypted so that only the clinic "
	    "can read them.\n\n"
	    "  --delete        delete FILE once enrolled\n"
	    "  --no-sync       do not contact the clinic now\n"
	    "  --send-earlier  send the check-ins made before joining too\n"
	    "  --keep-earlier  keep them on this computer only (without either, "
	    "you are\n                  asked)\n"));
}

static void
print_contact(const cJSON *contact)
{
	static const struct {
		const char	*key;
		const char	*label;
	} lines[] = {
		{ "name", N_("Contact:") },
		{ "phone", N_("Phone:") },
		{ "email", N_("Email:") },
		{ "hours", N_("Hours:") },
	};
	const char *v;

	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if ((v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    contact, lines[i].key))) != NULL)
			cli_print("%-13s %s\n", _(lines[i].label), v);
}

static void
print_summary(const struct enrollment *e, const struct earlier *ea)
{
	cli_print("%-13s %s\n", _("Clinic:"), e->clinic);
	cli_print("%-13s %s\n", _("Address:"), e->url);
	cli_print("%-13s %s\n", _("Fingerprint:"), e->fingerprint);
	printf("%-13s %s\n", "", _("Check it matches the one your clinic gave "
	    "you."));
	print_contact(e->contact);
	cli_print(_("From now on your check-ins go to %s when you save them, "
	    "and so do your replies to your supporter. An exercise entry goes "
	    "only if you share it; you are asked when you save one. All of "
	    "it is encrypted so that only the clinic can read it.\n"),
	    e->clinic);
	if (ea->shared_entries > 0)
		printf(ngettext("%d exercise entry you shared before joining "
		    "goes too.\n", "%d exercise entries you shared before "
		    "joining go too.\n", (unsigned long)ea->shared_entries),
		    ea->shared_entries);
	if (ea->private_entries > 0)
		printf(ngettext("%d exercise entry made before joining stays on "
		    "this computer; you can share it from its page.\n", "%d "
		    "exercise entries made before joining stay on this computer; "
		    "you can share any of them from its page.\n",
		    (unsigned long)ea->private_entries), ea->private_entries);
}

/* The check-ins made before joining go only if the patient says so: with
 * an option, or asked on the terminal. 1 send, 0 keep, -1 not said. */
static int
ask_earlier(const struct enrollment *e, const struct earlier *ea, int said)
{
	char	 line[32];

	if (ea->checkins == 0 && ea->lessons == 0)
		return 0;
	if (ea->checkins > 0)
		cli_print(ngettext("This profile holds %d check-in made before "
		    "joining, not sent to anyone.\n", "This profile holds %d "
		    "check-ins made before joining, not sent to anyone.\n",
		    (unsigned long)ea->checkins), ea->checkins);
	if (ea->lessons > 0)
		cli_print(ngettext("This profile shows you have finished %d lesson; that "
		    "goes, or stays here, with the check-ins.\n", "It shows "
		    "you have finished %d lessons; those go, or stay here, with "
		    "the check-ins.\n", (unsigned long)ea->lessons),
		    ea->lessons);
	if (said >= 0)
		return said;
	if (!isatty(STDIN_FILENO))
		return -1;
	for (;;) {
		cli_print(_("Send them to %s too? (y/n) "), e->clinic);
		fflush(stdout);
		if (fgets(line, sizeof line, stdin) == NULL)
			return -1;
		if (strchr(_("yY"), line[0]) != NULL && line[0] != '\0')
			return 1;
		if (strchr(_("nN"), line[0]) != NULL && line[0] != '\0')
			return 0;
	}
}

/* Enrolling again is for a device the clinic refused (a used or expired
 * token): say so before anything else is shown. */
static int
check_not_enrolled(struct store *st)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct sync_status	 ss;
	int			 rc = 0;

	if (outbox_from_store(st, &ob, &err) != 0)
		return cli_error("%s", err.msg);
	if (outbox_enrolled(ob) && outbox_status(ob, &ss, &err) == 0 &&
	    ss.stopped[0] == '\0')
		rc = cli_error(_("this profile is already enrolled with a "
		    "clinic (%s). Nothing was changed."), outbox_url(ob));
	outbox_close(ob);
	return rc;
}

static void
progress(void *arg, const char *line)
{
	(void)arg;
	cli_print("  %s\n", line);
	fflush(stdout);
}

/* The first sync. Exit 0 unless the clinic refused the enrollment or the
 * exchange failed in a way that needs someone to look at it. */
static int
first_sync(struct store *st, const struct enrollment *e)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	enum sync_result	 r;
	size_t			 waiting = 0, rejected = 0;

	if (outbox_from_store(st, &ob, &err) != 0)
		return cli_error("%s", err.msg);
	cli_print(_("Contacting %s...\n"), e->clinic);
	fflush(stdout);
	r = sync_run(ob, true, progress, NULL, NULL, &err);
	outbox_counts(ob, &waiting, &rejected, &err);
	outbox_close(ob);
	switch (r) {
	case SYNC_DONE:
	case SYNC_NOTHING:
		cli_print(_("This device is registered with %s.\n"), e->clinic);
		if (waiting > 0)
			printf(ngettext("%zu record still waits to be sent; "
			    "it will go at the next sync.\n", "%zu records "
			    "still wait to be sent; they will go at the next "
			    "sync.\n", (unsigned long)waiting), waiting);
		else
			printf("%s\n", _("Everything has been sent."));
		return EXIT_OK;
	case SYNC_STOPPED:
		cli_error(_("the clinic did not accept this enrollment: %s"),
		    err.msg);
		printf("%s\n", _("Please contact your clinic and ask for a new "
		    "enrollment file:"));
		print_contact(e->contact);
		return EXIT_FAIL;
	case SYNC_NOT_ENROLLED:
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	case SYNC_FAILED:
		/* Enrolled all the same: what went wrong is for the next
		 * sync to mend, and the patient to mention if it stays. */
		cli_error(_("the first sync went wrong: %s"), err.msg);
		printf("%s\n", _("You are enrolled, and your results are kept; "
		    "Stepwise tries again at the next sync. If this happens "
		    "again, please tell your clinic."));
		return EXIT_OK;
	case SYNC_UNREACHABLE:
	case SYNC_IDLE:
		break;
	}
	cli_print("%s\n", err.msg[0] != '\0' ? err.msg : _("Could not reach "
	    "the clinic now."));
	printf("%s\n", _("You are enrolled. Your results are kept and will be "
	    "sent later, when Stepwise next syncs (or run: stepwise sync)."));
	return EXIT_OK;
}

int
cmd_enroll(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{ "delete", no_argument, NULL, 'd' },
		{ "no-sync", no_argument, NULL, 'n' },
		{ "send-earlier", no_argument, NULL, 's' },
		{ "keep-earlier", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct sw_error		 err = { 0 };
	struct enrollment	 e;
	struct store		*st = NULL;
	const char		*file;
	struct earlier		 ea;
	bool			 delete = false, no_sync = false;
	int			 opt, rc = EXIT_FAIL, code, said = -1, send;

	while ((opt = cli_getopt(cli, "enroll", usage, argc, argv, ":",
	    longopts, 1, &code)) > 0) {
		if (opt == 'd')
			delete = true;
		else if (opt == 'n')
			no_sync = true;
		else
			said = opt == 's';
	}
	if (opt < 0)
		return code;
	if (optind == argc)
		return cli_usage_error("enroll", "%s", _("give the enrollment "
		    "file your clinic gave you"));
	file = argv[optind];
	if (enrollment_read(file, &e, &err) != 0)
		return cli_error("%s", err.msg);
	if (cli_open_store(cli, &st, NULL) != 0)
		goto out;
	if (check_not_enrolled(st) != 0)
		goto out;
	if (outbox_count_earlier(st, &ea, &err) != 0) {
		cli_error("%s", err.msg);
		goto out;
	}
	print_summary(&e, &ea);
	if ((send = ask_earlier(&e, &ea, said)) < 0) {
		rc = cli_usage_error("enroll", "%s", _("say whether the check-ins "
		    "made before joining go to the clinic: --send-earlier or "
		    "--keep-earlier"));
		goto out;
	}
	if (outbox_enroll(st, &e, (long long)time(NULL), send == 1, &err) != 0) {
		cli_error("%s", err.msg);
		goto out;
	}
	cli_print(_("Enrolled with %s.\n"), e.clinic);
	if (ea.checkins > 0 || ea.lessons > 0)
		cli_print("%s\n", send == 1 ? _("The check-ins made before "
		    "joining will be sent too.") : _("The check-ins made before "
		    "joining stay on this computer only."));
	/* The token is the file's one secret, and it is spent now: the
	 * signed registration in the profile is all a resend needs. Wipe it
	 * before the first sync, which may take minutes on a poor link. */
	sodium_free(e.token);
	e.token = NULL;
	if (delete) {
		if (unlink(file) != 0)
			cli_error(_("could not delete %s: %s"), file,
			    strerror(errno));
		else
			printf(_("Deleted %s.\n"), file);
	} else
		printf(_("You may delete %s now: Stepwise keeps what it "
		    "needs.\n"), file);
	fflush(stdout);
	if (no_sync) {
		printf("%s\n", _("Your results will be sent when Stepwise next "
		    "syncs (or run: stepwise sync)."));
		rc = EXIT_OK;
	} else
		rc = first_sync(st, &e);
out:
	store_close(st);
	enrollment_free(&e);
	return rc;
}
