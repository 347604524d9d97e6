/* cmd_status.c: stepwise status (a short summary) and stepwise remind (one
 * line when something is due, for a shell start-up file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "draft.h"
#include "i18n.h"
#include "outbox.h"
#include "progress.h"
#include "record.h"
#include "util.h"

static int
count_draft(void *arg, const char *kind, const char *id)
{
	(void)kind;
	(void)id;
	(*(int *)arg)++;
	return 0;
}

static void
print_next(const struct content *ct, const struct progress *pr)
{
	const struct step	*s = &pr->next;
	char			 date[64];

	switch (s->kind) {
	case STEP_CHECKIN:
		printf(_("Next: check-in %s (module %zu)\n"),
		    content_measure(ct, s->id)->title, s->module + 1);
		break;
	case STEP_LESSON:
		printf(_("Next: lesson \"%s\" (module %zu), about %d "
		    "minutes\n"), content_lesson(ct, s->id)->title,
		    s->module + 1, content_lesson(ct, s->id)->minutes);
		break;
	case STEP_EXERCISE:
		printf(_("Next: exercise \"%s\" (module %zu)\n"),
		    content_exercise(ct, s->id)->title, s->module + 1);
		break;
	case STEP_WAIT:
		if (s->held) {
			printf(_("Next: module %zu waits until your supporter "
			    "opens it\n"), s->module + 1);
			break;
		}
		if (s->at == 0) {
			printf(_("Next: module %zu opens when you finish the one "
			    "before\n"), s->module + 1);
			break;
		}
		format_local_iso(s->at, false, date, sizeof date);
		printf(_("Next: module %zu opens on %s\n"), s->module + 1,
		    date);
		break;
	case STEP_FINISHED:
		printf(_("Next: nothing; the programme is finished\n"));
		break;
	}
}

/* A local date and time, or "never". */
static const char *
when_words(long long at, char *buf, size_t size)
{
	if (at == 0)
		return _("never");
	format_local_iso(at, true, buf, size);
	return buf;
}

/* The clinic's lines, from the clear sync state and the sealed clinic
 * details. */
static int
print_clinic(struct store *st)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob = NULL;
	struct sync_status	 ss;
	cJSON			*info = NULL;
	size_t			 waiting, aside;
	int			 unread, rc = -1;
	long long		 next;
	char			 buf[64];
	const char		*name, *phone;

	if (outbox_from_store(st, &ob, &err) != 0)
		goto out;
	if (!outbox_enrolled(ob)) {
		printf(_("Clinic: Not joined to a clinic.\n"));
		rc = 0;
		goto out;
	}
	if (outbox_clinic_info(st, &info, &err) != 0 ||
	    outbox_counts(ob, &waiting, &aside, &err) != 0 ||
	    outbox_status(ob, &ss, &err) != 0 ||
	    (unread = outbox_unread(ob, &err)) < 0)
		goto out;
	name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(info,
	    "clinic"));
	phone = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(info, "contact"), "phone"));
	cli_print(_("Clinic: %s\n"), name ? name : "");
	printf(_("Waiting to send: %zu\n"), waiting);
	if (aside > 0)
		printf(_("Set aside (not accepted by the clinic): %zu\n"),
		    aside);
	printf(_("Last sent: %s\n"), when_words(ss.last_success, buf,
	    sizeof buf));
	if (ss.stopped[0] != '\0')
		cli_print(phone ? _("Next try: none; ask the clinic for a new "
		    "enrollment file (phone %s)\n") : _("Next try: none; ask "
		    "the clinic for a new enrollment file\n"), phone);
	else if (ss.failures > 0) {
		next = ss.next_try;
		printf(_("Next try: %s\n"), next <= (long long)time(NULL) ?
		    _("now") : when_words(next, buf, sizeof buf));
	} else if (waiting > 0)
		printf(_("Next try: now\n"));
	if (ss.last_error[0] != '\0' && (ss.failures > 0 ||
	    ss.stopped[0] != '\0'))
		cli_print(_("Last error: %s\n"), ss.last_error);
	printf(_("New messages: %d\n"), unread);
	if (ss.bad_messages > 0)
		printf(_("Messages not shown (failed their check; tell the "
		    "clinic): %d\n"), ss.bad_messages);
	rc = 0;
out:
	if (rc != 0)
		cli_error("%s", err.msg);
	cJSON_Delete(info);
	outbox_close(ob);
	return rc;
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	struct content		 ct;
	struct store		*st = NULL;
	struct progress_facts	 f;
	struct progress		 pr;
	struct sw_error		 err = { 0 };
	struct checkin		*v = NULL;
	size_t			 n = 0, done = 0;
	int			 rc, drafts = 0;

	rc = cli_only_global_options(cli, argc, argv, "status", _("Usage: "
	    "stepwise status\nPrint where you are in the programme, what is "
	    "due, and your latest scores.\n"), 0);
	if (rc >= 0)
		return rc;
	if (cli_load_content(cli, &ct) != 0)
		return EXIT_FAIL;
	rc = EXIT_FAIL;
	if (cli_open_store(cli, &st, NULL) != 0)
		goto out;
	if (progress_refresh(st, &ct, (long long)time(NULL), &f, &pr,
	    &err) != 0 || checkins_load(st, &v, &n, &err) != 0 ||
	    draft_each(st, count_draft, &drafts, &err) != 0) {
		cli_error("%s", err.msg);
		goto out;
	}
	for (size_t i = 0; i < pr.n_modules; i++)
		done += pr.modules[i].state == MODULE_DONE;
	printf(_("Profile: %s\n"), cli->profile);
	if (!store_protected(st))
		printf("%s\n", _("Passphrase: none. This profile is not "
		    "protected: anyone who can read its file can read "
		    "everything in it. To protect it, make a new profile with "
		    "a passphrase (stepwise init --profile NAME)."));
	printf(_("Modules done: %zu of %zu\n"), done, pr.n_modules);
	print_next(&ct, &pr);
	for (size_t k = 0; k < ct.n_measures; k++) {
		const struct measure *m = &ct.measures[k];

		for (size_t i = n; i-- > 0;)
			if (strcmp(v[i].measure, m->id) == 0) {
				char when[32];

				format_rfc3339(v[i].completed_at, when,
				    sizeof when);
				when[10] = '\0';
				printf(_("Latest %s: %d of %d, %s (%s)\n"),
				    m->title, v[i].total, m->max_total,
				    v[i].severity_label, when);
				break;
			}
	}
	if (drafts > 0)
		printf(_("Unfinished: %d (they will be offered when you next "
		    "start)\n"), drafts);
	if (print_clinic(st) != 0)
		goto out;
	rc = EXIT_OK;
	progress_free(&pr);
	progress_facts_free(&f);
out:
	checkins_free(v, n);
	store_close(st);
	content_free(&ct);
	return rc;
}

int
cmd_remind(struct cli *cli, int argc, char **argv)
{
	struct sw_error	 err = { 0 };
	long long	 at;
	char		*path;
	int		 rc;

	rc = cli_only_global_options(cli, argc, argv, "remind", _("Usage: "
	    "stepwise remind\nPrint one line when something in Stepwise is "
	    "waiting for you, and nothing\notherwise. It does not ask for "
	    "your passphrase and says nothing about your\nanswers, so it is "
	    "safe in a shell start-up file such as ~/.profile.\n"), 0);
	if (rc >= 0)
		return rc;
	if ((path = cli_profile_path(cli, false)) == NULL)
		return EXIT_FAIL;
	rc = store_read_remind_at(path, &at, &err);
	free(path);
	if (rc != 0) {
		/* No profile yet is not an error worth a line at login. */
		return err.code == SW_ENOENT ? EXIT_OK : cli_error("%s",
		    err.msg);
	}
	if (at > 0 && at <= (long long)time(NULL))
		printf(_("Stepwise: your next step is ready. Run 'stepwise' "
		    "when you have a few minutes.\n"));
	return EXIT_OK;
}
