/* tui_sync.c: the sync client inside the TUI's one loop: curl's sockets and
 * timer as sources, a run at start, after each saved record and whenever
 * one is due, and the words the status line and home show about it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "sync.h"
#include "tui_int.h"
#include "util.h"

/* How often the timer looks at the wall clock at most: a suspended laptop
 * stops CLOCK_MONOTONIC, so a due time far ahead is checked again soon. */
#define DUE_LOOK_MS	60000
/* Not enrolled: how often to look whether stepwise enroll, run in another
 * terminal, has enrolled the profile since. */
#define ENROLL_LOOK_MS	10000

static void	arm_due(struct tui *);

static void
socket_ready(void *arg, int fd, short revents, long long now)
{
	struct tui *t = arg;

	(void)now;
	if (t->sync != NULL)
		sync_socket(t->sync, fd, revents);
}

static void
curl_timer_ready(void *arg, int fd, short revents, long long now)
{
	struct tui *t = arg;

	(void)fd;
	(void)revents;
	(void)now;
	if (t->sync != NULL)
		sync_timeout(t->sync);
}

/* The automatic run: when a record waits to go after a run, or when the
 * backoff or the quarter-hour has passed. */
static void
due_ready(void *arg, int fd, short revents, long long now)
{
	struct tui *t = arg;

	(void)fd;
	(void)revents;
	if (t->sync == NULL || sync_running(t->sync))
		return;
	if (t->sync_again) {
		t->sync_again = false;
		sync_start(t->sync, true, now);
	} else if ((long long)time(NULL) >= sync_next_due(t->sync))
		sync_start(t->sync, false, now);
	if (!sync_running(t->sync))
		arm_due(t);
}

static void
hook_watch(void *arg, int fd, short events)
{
	struct source s = { fd, events, 0, socket_ready, arg };

	if (events == 0)
		sources_remove(fd, socket_ready);
	else
		sources_set(&s);
}

static void
hook_timer(void *arg, long long at_ms)
{
	struct source s = { -1, 0, at_ms, curl_timer_ready, arg };

	if (at_ms == 0)
		sources_remove(-1, curl_timer_ready);
	else
		sources_set(&s);
}

/* Called from inside the sync's callbacks: note and redraw, never start a
 * run from here (the due timer does that on the next turn). */
static void
hook_changed(void *arg)
{
	struct tui *t = arg;

	if (t->sync != NULL)
		t->inbox_gen = sync_inbox_gen(t->sync);
	if (t->sync_asked && t->sync != NULL && !sync_running(t->sync)) {
		t->sync_asked = false;
		if (sync_result(t->sync) == SYNC_DONE ||
		    sync_result(t->sync) == SYNC_NOTHING)
			ui_message(&t->ui, "%s", sync_told(t->sync));
		else if (sync_words(t->sync)[0] != '\0')
			ui_message(&t->ui, "%s", sync_words(t->sync));
	}
	t->ui.dirty = true;
	tui_sync_refresh(t);
	arm_due(t);
}

static void
arm_due(struct tui *t)
{
	struct source	 s = { -1, 0, 0, due_ready, t };
	long long	 due, wait_ms, now = now_ms();

	if (t->sync == NULL || sync_running(t->sync)) {
		sources_remove(-1, due_ready);
		return;
	}
	if (t->sync_again)
		wait_ms = 0;
	else if ((due = sync_next_due(t->sync)) == LLONG_MAX) {
		sources_remove(-1, due_ready);
		return;
	} else {
		due -= (long long)time(NULL);
		wait_ms = due > DUE_LOOK_MS / 1000 ? DUE_LOOK_MS :
		    due < 1 ? 1000 : due * 1000;
	}
	s.deadline = now + wait_ms;
	if (s.deadline == 0)
		s.deadline = 1;
	sources_set(&s);
}

static void
enroll_look_ready(void *arg, int fd, short revents, long long now)
{
	struct tui	*t = arg;
	(void)fd;
	(void)revents;
	(void)now;
	tui_sync_open(t);
	if (t->ob == NULL)
		return;
	ui_message(&t->ui, _("This profile is now connected to %s."),
	    tui_clinic_name(t));
	t->ui.dirty = true;
}

/* The clinic's name, contacts and crisis lines, read again when the
 * profile has been enrolled anew (another device id) since they were. */
static void
clinic_info_load(struct tui *t)
{
	struct sw_error	 err = { 0 };
	const char	*device = outbox_device(t->ob);

	if (device == NULL)
		device = "";
	if (t->clinic != NULL && strcmp(device, t->clinic_for) == 0)
		return;
	cJSON_Delete(t->clinic);
	t->clinic = NULL;
	if (outbox_clinic_info(t->st, &t->clinic, &err) != 0)
		ui_message(&t->ui, "%s", err.msg);
	snprintf(t->clinic_for, sizeof t->clinic_for, "%s", device);
}

void
tui_sync_open(struct tui *t)
{
	struct sync_hooks	hooks = { hook_watch, hook_timer, hook_changed,
				    t };
	struct sw_error		err = { 0 };

	if (t->ob != NULL || t->st == NULL)
		return;
	if (outbox_from_store(t->st, &t->ob, &err) != 0) {
		ui_message(&t->ui, "%s", err.msg);
		return;
	}
	if (!outbox_enrolled(t->ob)) {
		struct source look = { -1, 0, now_ms() + ENROLL_LOOK_MS,
		    enroll_look_ready, t };

		outbox_close(t->ob);
		t->ob = NULL;
		sources_set(&look);
		return;
	}
	clinic_info_load(t);
	t->sync = sync_new(t->ob, &hooks);
	tui_sync_refresh(t);
	/* At start only when one is due: the backoff after a failure holds
	 * across restarts, so opening Stepwise during an outage does not add
	 * failures. Saved records and S still send at once. */
	sync_start(t->sync, false, now_ms());
	arm_due(t);
}

void
tui_sync_close(struct tui *t)
{
	sync_free(t->sync);
	t->sync = NULL;
	sources_remove(-1, due_ready);
	sources_remove(-1, enroll_look_ready);
	outbox_close(t->ob);
	t->ob = NULL;
	cJSON_Delete(t->clinic);
	t->clinic = NULL;
}

void
tui_sync_refresh(struct tui *t)
{
	struct sw_error	err = { 0 };
	int		n;

	if (t->ob == NULL)
		return;
	clinic_info_load(t);
	outbox_counts(t->ob, &t->waiting, &t->set_aside, &err);
	outbox_status(t->ob, &t->sync_st, &err);
	if ((n = outbox_unread(t->ob, &err)) >= 0)
		t->unread = n;
}

void
tui_record_saved(struct tui *t)
{
	if (t->sync == NULL)
		return;
	tui_sync_refresh(t);
	if (sync_running(t->sync))
		t->sync_again = true;
	else
		sync_start(t->sync, true, now_ms());
	arm_due(t);
}

int
tui_sync_now(struct tui *t)
{
	if (t->ob == NULL) {
		ui_message(&t->ui, "%s", _("This profile is not connected to a "
		    "clinic. To join one, run: stepwise enroll FILE (your "
		    "clinic gives you the file)."));
		return 1;
	}
	if (t->sync == NULL)
		return 1;
	if (sync_running(t->sync)) {
		ui_message(&t->ui, "%s", _("Already sending."));
		return 1;
	}
	if (sync_start(t->sync, true, now_ms()) != 0) {
		ui_message(&t->ui, "%s", sync_words(t->sync)[0] != '\0' ?
		    sync_words(t->sync) : _("Nothing to send now."));
		arm_due(t);
		return 1;
	}
	t->sync_asked = true;
	return 0;
}

/* ---- words ---- */

static const char *
clinic_str(const struct tui *t, const char *key)
{
	const cJSON *c = t->clinic;

	if (strcmp(key, "clinic") != 0)
		c = cJSON_GetObjectItemCaseSensitive(c, "contact");
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, key));
}

const char *
tui_clinic_name(const struct tui *t)
{
	const char *name = clinic_str(t, "clinic");

	return name && *name ? name : _("your clinic");
}

/* The last error without its final full stop, to go on in a sentence. */
static void
error_words(const struct tui *t, char *buf, size_t size)
{
	const char	*dflt = t->sync_st.stopped[0] ? _("The clinic refused "
			    "this device") : _("Could not reach the clinic");
	size_t		 n;

	snprintf(buf, size, "%s", t->sync_st.last_error[0] ?
	    t->sync_st.last_error : dflt);
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '.')
		buf[n - 1] = '\0';
}

#define MAX_CAND	8

/* Candidates for the status line, longest first. */
static size_t
status_candidates(const struct tui *t, char **c)
{
	const struct sync_status	*st = &t->sync_st;
	const char			*sep = t->ui.utf8 ? " \xc2\xb7 " : " - ";
	const char			*name = clinic_str(t, "clinic");
	const char			*phone = clinic_str(t, "phone");
	char				 when[64];
	size_t				 n = 0;

	if (sync_running(t->sync)) {
		c[n++] = xstrdup(t->ui.utf8 ? _("Sending\xe2\x80\xa6") :
		    _("Sending..."));
		return n;
	}
	if (st->stopped[0] != '\0') {
		if (name && phone)
			c[n++] = xasprintf(_("Sending stopped: ask %s (%s) for "
			    "a new enrollment file"), name, phone);
		if (phone)
			c[n++] = xasprintf(_("Sending stopped: ask your clinic "
			    "(%s) for a new enrollment file"), phone);
		c[n++] = xstrdup(_("Sending stopped: a new enrollment file "
		    "is needed"));
		c[n++] = xstrdup(_("Sending stopped"));
		return n;
	}
	if (sync_held(t->sync)) {
		c[n++] = xasprintf(_("Could not save the sync state: %s"),
		    sync_words(t->sync));
		c[n++] = xstrdup(_("Could not save the sync state"));
		c[n++] = xstrdup(_("Sync state not saved"));
		return n;
	}
	if (st->failures > 0) {
		char err[256];

		error_words(t, err, sizeof err);
		format_when_short(t->sync_st.next_try, when, sizeof when);
		if (t->waiting > 0)
			c[n++] = xasprintf(_("%zu waiting to send%s%s; will try "
			    "again at %s"), t->waiting, sep, err, when);
		c[n++] = xasprintf(_("%s; will try again at %s"), err, when);
		c[n++] = xasprintf(_("Clinic not reached; next try %s"), when);
		c[n++] = xasprintf(_("Not reached; next try %s"), when);
		c[n++] = xstrdup(_("Clinic not reached"));
		return n;
	}
	if (st->last_success != 0)
		format_when_short(st->last_success, when, sizeof when);
	if (t->waiting > 0 && st->last_success != 0) {
		c[n++] = xasprintf(_("%zu waiting to send%slast sent %s"),
		    t->waiting, sep, when);
		c[n++] = xasprintf(_("%zu waiting%slast sent %s"), t->waiting,
		    sep, when);
	}
	if (t->waiting > 0) {
		c[n++] = xasprintf(_("%zu waiting to send"), t->waiting);
		c[n++] = xasprintf(_("%zu waiting"), t->waiting);
	} else if (st->last_success != 0) {
		c[n++] = xasprintf(_("All sent%slast sent %s"), sep, when);
		c[n++] = xstrdup(_("All sent"));
	}
	return n;
}

void
tui_sync_status(const struct tui *t, int width, char *buf, size_t size)
{
	char	*c[MAX_CAND];
	size_t	 n, i;

	buf[0] = '\0';
	if (t->ob == NULL || t->sync == NULL || width <= 0)
		return;
	n = status_candidates(t, c);
	for (i = 0; i < n; i++)
		if (str_width(c[i]) <= width) {
			snprintf(buf, size, "%s", c[i]);
			break;
		}
	for (i = 0; i < n; i++)
		free(c[i]);
}

char *
tui_sync_words(const struct tui *t)
{
	const struct sync_status	*st = &t->sync_st;
	const char			*name = clinic_str(t, "clinic");
	const char			*phone = clinic_str(t, "phone");
	char				 when[64], err[256], *s, *aside;

	if (t->ob == NULL)
		return xstrdup(_("Not connected to a clinic yet"));
	if (name == NULL || *name == '\0')
		name = _("your clinic");
	if (st->stopped[0] != '\0') {
		error_words(t, err, sizeof err);
		return phone ? xasprintf(_("Sending has stopped: please ask %s "
		    "for a new enrollment file (phone %s). %s."), name, phone,
		    err) : xasprintf(_("Sending has stopped: please ask %s for "
		    "a new enrollment file. %s."), name, err);
	}
	if (t->sync != NULL && sync_running(t->sync))
		s = xasprintf(_("Sending to %s..."), name);
	else if (t->sync != NULL && sync_held(t->sync)) {
		const char	*w = sync_words(t->sync);
		const char	*stop = *w && w[strlen(w) - 1] != '.' ? "." : "";

		s = t->waiting > 0 ? xasprintf(_("%s%s %zu waiting to send; "
		    "press S to try again."), w, stop, t->waiting) :
		    xasprintf(_("%s%s Press S to try again."), w, stop);
	}
	else if (st->failures > 0) {
		error_words(t, err, sizeof err);
		format_when_short(t->sync_st.next_try, when, sizeof when);
		s = t->waiting > 0 ? xasprintf(_("%s. %zu waiting to send. "
		    "Stepwise will try again at %s; press S to try now."), err,
		    t->waiting, when) : xasprintf(_("%s. Stepwise will try "
		    "again at %s; press S to try now."), err, when);
	} else if (st->last_success == 0)
		s = xasprintf(_("Connected to %s. %zu waiting to send; press S "
		    "to send now."), name, t->waiting);
	else {
		format_when_short(st->last_success, when, sizeof when);
		s = t->waiting > 0 ? xasprintf(_("Connected to %s. %zu waiting "
		    "to send; last sent %s. Press S to send now."), name,
		    t->waiting, when) : xasprintf(_("Connected to %s. "
		    "Everything is sent (last at %s)."), name, when);
	}
	if (t->set_aside == 0)
		return s;
	aside = xasprintf(_("%s %zu not accepted by the clinic, kept here."),
	    s, t->set_aside);
	free(s);
	return aside;
}
