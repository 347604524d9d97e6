/* messages.c: plain mode and the clinic: the sync state in the menu's
 * header, a sync at the start of the menu and after each saved record,
 * "Sync now" with a line per step, and the conversation with the
 * supporter, with a reply typed as lines ending with a full stop. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draft.h"
#include "i18n.h"
#include "plain.h"
#include "text.h"
#include "sync.h"
#include "util.h"

const char *
plain_clinic_name(const struct plain *p)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    p->clinic, "clinic"));

	return s && *s ? s : _("your clinic");
}

static const char *
clinic_phone(const struct plain *p)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(p->clinic, "contact"), "phone"));
}

void
plain_sync_open(struct plain *p)
{
	struct sw_error err = { 0 };

	if (p->ob != NULL)
		return;
	if (outbox_from_store(p->st, &p->ob, &err) != 0) {
		plain_say(p, "%s", err.msg);
		return;
	}
	if (!outbox_enrolled(p->ob)) {
		outbox_close(p->ob);
		p->ob = NULL;
		return;
	}
	if (outbox_clinic_info(p->st, &p->clinic, &err) != 0)
		plain_say(p, "%s", err.msg);
}

void
plain_sync_close(struct plain *p)
{
	outbox_close(p->ob);
	p->ob = NULL;
	cJSON_Delete(p->clinic);
	p->clinic = NULL;
}

static void
progress_line(void *arg, const char *line)
{
	plain_say(arg, "%s", line);
}

static volatile sig_atomic_t stop_sync;

static void
on_interrupt(int sig)
{
	(void)sig;
	stop_sync = 1;
}

/* A sync on a slow or dead link can take a minute: while it runs, Ctrl-C
 * ends the sync (poll() returns at the signal) and the session goes on. */
static enum sync_result
sync_cancellable(struct plain *p, bool force, struct sw_error *err)
{
	struct sigaction	sa, old;
	enum sync_result	r;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	stop_sync = 0;
	sigaction(SIGINT, &sa, &old);
	r = sync_run(p->ob, force, progress_line, p, &stop_sync, err);
	sigaction(SIGINT, &old, NULL);
	return r;
}

/* One whole sync, a line per step; when it fails, why, in plain words.
 * verbose also says when no run was needed or allowed. */
static enum sync_result
run(struct plain *p, bool force, bool verbose)
{
	struct sw_error		err = { 0 };
	struct sync_status	st;
	long long		now = (long long)time(NULL);
	enum sync_result	r;

	/* Waiting for the next try, or stopped: the header says so, and a
	 * session does not wait on a link that just failed. */
	if (!force && (outbox_status(p->ob, &st, &err) != 0 ||
	    st.stopped[0] != '\0' || st.next_try > now ||
	    st.retry_after > now))
		return SYNC_IDLE;
	plain_say(p, _("Contacting %s... (Ctrl-C stops the sync, not "
	    "Stepwise)"), plain_clinic_name(p));
	r = sync_cancellable(p, force, &err);
	switch (r) {
	case SYNC_DONE:
	case SYNC_NOTHING:
		break;
	case SYNC_IDLE:
		if (verbose)
			plain_say(p, "%s", _("Not now: Stepwise will try again "
			    "later."));
		break;
	case SYNC_NOT_ENROLLED:
		break;
	case SYNC_STOPPED:
		/* Nothing goes until the patient enrolls again: the words say
		 * whom to ask, with no promise of a next sync. */
		plain_say(p, "%s", err.msg);
		break;
	default:
		plain_say(p, _("Not sent yet: %s Everything waits here and goes "
		    "with the next sync."), err.msg);
		break;
	}
	return r;
}

void
plain_sync_start(struct plain *p)
{
	if (p->ob != NULL)
		run(p, false, false);
}

/* A record was saved: send it now, unless the last try failed and the
 * next is not due yet. Plain mode waits for a run, so it does not wait on
 * a link that just failed at every save; 9 (Sync now) still forces one. */
void
plain_record_saved(struct plain *p)
{
	struct sync_status	st;
	struct sw_error		err = { 0 };
	char			when[64];
	long long		next;

	if (p->ob == NULL)
		return;
	if (run(p, false, false) != SYNC_IDLE ||
	    outbox_status(p->ob, &st, &err) != 0 || st.stopped[0] != '\0')
		return;
	next = st.next_try;
	format_day_time(next, when, sizeof when);
	plain_say(p, _("It is saved here and goes to your clinic at the next "
	    "try (%s), or choose 9 (Sync now) to send it at once."), when);
}

void
plain_risk_saved(struct plain *p)
{
	if (p->ob != NULL)
		run(p, false, false);
}

void
plain_sync_now(struct plain *p)
{
	if (p->ob == NULL) {
		plain_say(p, "%s", _("This profile is not connected to a "
		    "clinic, so there is nothing to sync. To join one, run: "
		    "stepwise enroll FILE (your clinic gives you the file)."));
		return;
	}
	run(p, true, true);
}

/* The header lines: the clinic, new messages, and what waits to go. */
void
plain_sync_header(struct plain *p)
{
	struct sync_status	 st;
	struct sw_error		 err = { 0 };
	size_t			 waiting = 0, aside = 0;
	int			 unread;
	char			 when[64];
	const char		*phone = clinic_phone(p);

	if (p->ob == NULL)
		return;
	if (outbox_status(p->ob, &st, &err) != 0 || outbox_counts(p->ob,
	    &waiting, &aside, &err) != 0 || (unread = outbox_unread(p->ob,
	    &err)) < 0) {
		plain_say(p, "%s", err.msg);
		return;
	}
	if (unread > 0)
		plain_say(p, ngettext("You have %d new message from your "
		    "supporter: choose 8 to read it.", "You have %d new "
		    "messages from your supporter: choose 8 to read them.",
		    unread), unread);
	if (st.stopped[0] != '\0') {
		char *spoken = phone ? text_digits_spoken(phone) : NULL;

		plain_say(p, phone ? _("%s Sending has stopped: please ask %s "
		    "for a new enrollment file (phone %s).") : _("%s Sending "
		    "has stopped: please ask %s for a new enrollment file."),
		    st.last_error, plain_clinic_name(p), spoken);
		free(spoken);
		return;
	}
	if (st.failures > 0) {
		format_day_time(st.next_try, when, sizeof when);
		if (waiting > 0)
			plain_say(p, _("%s %zu waiting to send. Stepwise will "
			    "try again after %s; choose 9 to try now."),
			    st.last_error, waiting, when);
		else
			plain_say(p, _("%s Stepwise will try again after %s; "
			    "choose 9 to try now."), st.last_error, when);
	} else if (st.last_success == 0)
		plain_say(p, _("Connected to %s. %zu waiting to send."),
		    plain_clinic_name(p), waiting);
	else {
		format_day_time(st.last_success, when, sizeof when);
		if (waiting > 0)
			plain_say(p, _("Connected to %s. %zu waiting to send; "
			    "last sent %s."), plain_clinic_name(p), waiting, when);
		else
			plain_say(p, _("Connected to %s. Everything is sent; "
			    "last sent %s."), plain_clinic_name(p), when);
	}
	if (aside > 0)
		plain_say(p, _("%zu not accepted by the clinic, kept here."),
		    aside);
}

/* ---- the conversation ---- */

static void
not_enrolled(struct plain *p)
{
	plain_say(p, "%s", _("This profile is not connected to a clinic, so "
	    "there are no messages.\n\nIf your clinic offers Stepwise with a "
	    "supporter, they will give you an enrollment file. Save it on this "
	    "computer, then run this command, with the file's name in place of "
	    "FILE:\n\n    stepwise enroll FILE\n\nAfter that, Stepwise sends "
	    "your check-ins and the exercises you save to the clinic, "
	    "encrypted, and your supporter's messages appear here."));
}

/* Text of several lines, each indented. */
static void
say_indented(struct plain *p, const char *text)
{
	char *copy = xstrdup(text), *line, *next;

	for (line = copy; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		plain_say(p, "   %s", line);
	}
	wipe_free(copy);
}

static void
show(struct plain *p, struct message *v, size_t n)
{
	struct sw_error	 err = { 0 };
	struct sync_status st;
	char		 when[64], *problem;
	long long	 now = (long long)time(NULL);

	if (n == 0)
		plain_say(p, "%s", _("No messages yet. When your supporter "
		    "writes to you, their messages appear here."));
	for (size_t i = 0; i < n; i++) {
		format_day_time(v[i].at, when, sizeof when);
		if (v[i].from_patient)
			plain_say(p, _("\nYou wrote, %s:"), when);
		else
			plain_say(p, _("\n%s wrote, %s:%s"), v[i].from &&
			    *v[i].from ? v[i].from : _("Your supporter"), when,
			    !v[i].read ? _(" (new)") : "");
		say_indented(p, v[i].text ? v[i].text : "");
	}
	/* Shown now: read. */
	if (messages_mark_read(p->st, v, n, now, &err) != 0)
		plain_say(p, "%s", err.msg);
	problem = messages_problem_words(outbox_status(p->ob, &st, &err) == 0 ?
	    st.bad_messages : 0, messages_missing(v, n));
	if (problem != NULL)
		plain_say(p, "\n%s", problem);
	free(problem);
}

static void
draft_keep(struct plain *p, const char *text)
{
	struct sw_error err = { 0 };

	if (draft_reply_save(p->st, text, &err) != 0)
		plain_say(p, "%s", err.msg);
	else
		plain_say(p, "%s", _("What you wrote is kept. Choose Messages "
		    "again to send it."));
}

/* Ask for the reply (or offer the kept one), confirm, save, send. */
static int
reply(struct plain *p, const struct message *v, size_t n)
{
	struct sw_error	 err = { 0 };
	const char	*to = NULL;
	char		*text = NULL;
	int		 yes, rc = 0;

	for (size_t i = n; i-- > 0 && to == NULL;)
		if (!v[i].from_patient)
			to = v[i].id;
	if (draft_reply_load(p->st, &text, &err) != 0)
		plain_say(p, "%s", err.msg);
	if (text != NULL) {
		plain_say(p, "%s", _("\nYou started a reply earlier:"));
		say_indented(p, text);
		if ((yes = plain_ask_yes(p, _("Send it now? (Y/n) "), true)) < 0)
			goto out;
		if (!yes) {
			wipe_free(text);
			text = NULL;
		}
	}
	if (text == NULL) {
		if (plain_ask_yes(p, _("\nWrite a reply to your supporter? "
		    "(y/N) "), false) <= 0)
			goto out;
		plain_say(p, "%s", _("Type your reply. You can write several "
		    "lines. Finish with a line holding only a full stop."));
		text = plain_ask_lines(p);
		if (text == NULL || text[strspn(text, " \t\n")] == '\0') {
			plain_say(p, "%s", _("Nothing was sent."));
			goto out;
		}
		if (p->eof) {
			draft_keep(p, text);
			goto out;
		}
		yes = plain_ask_yes(p, _("Send this reply? (Y/n) "), true);
		if (yes <= 0) {
			draft_keep(p, text);
			goto out;
		}
	}
	if (reply_save(p->st, text, to, (long long)time(NULL), &err) != 0) {
		plain_say(p, _("Not sent: %s"), err.msg);
		draft_keep(p, text);
		rc = -1;
		goto out;
	}
	plain_say(p, "%s", _("Your reply is saved."));
	plain_record_saved(p);
out:
	wipe_free(text);
	return rc;
}

int
plain_messages(struct plain *p)
{
	struct sw_error	 err = { 0 };
	struct message	*v = NULL;
	size_t		 n = 0;
	int		 rc;

	if (p->ob == NULL) {
		not_enrolled(p);
		return 0;
	}
	if (messages_load(p->st, &v, &n, &err) != 0) {
		plain_say(p, "%s", err.msg);
		return -1;
	}
	plain_heading(p, _("Messages with %s"), plain_clinic_name(p));
	show(p, v, n);
	rc = reply(p, v, n);
	messages_free(v, n);
	return rc;
}
