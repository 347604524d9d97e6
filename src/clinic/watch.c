/* watch.c: stepwise-clinic watch: run where the clinic's secret keys are
 * (never inside serve), look at what has arrived, and for each new open
 * risk run the clinic's own command once, telling it the patient and the
 * time received and nothing else (stepwise-clinic(8), watch).
 *
 * Crash safety: a notice is written after the command has exited 0, so a
 * crash between the two runs the command again for that risk on the next
 * start (at least once); the other order could lose the only word the
 * clinic gets of a risk. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "risk.h"
#include "util.h"

#define WATCH_INTERVAL		60	/* seconds between looks */
#define WATCH_CMD_SECONDS	120	/* a command running longer fails */

struct watch {
	struct clinic_read	 cr;
	const char		*cmd;
	long long		 seen_count, seen_max;	/* records looked at */
	bool			 looked, retry;
};

static int stop_pipe[2] = { -1, -1 };

static void
on_stop(int sig)
{
	int saved = errno;

	(void)sig;
	if (write(stop_pipe[1], "", 1) < 0) {
		/* The pipe is full: a stop is already waiting. */
	}
	errno = saved;
}

static void
watch_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on standard error, after the time (UTC). It never names a
 * patient or a record: the command is told, the log is not. */
static void
watch_log(const char *fmt, ...)
{
	char	when[32];
	va_list	ap;

	format_rfc3339((long long)time(NULL), when, sizeof when);
	fprintf(stderr, "%s stepwise-clinic watch: ", when);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The command, in a process of its own: argv is the command alone, and the
 * patient and the time are in its environment, which no other account
 * can read (the process list shows every account's arguments). */
static void __attribute__((noreturn))
exec_cmd(const char *cmd, const char *patient, const char *received)
{
	char *const	 args[] = { (char *)cmd, NULL };
	int		 fd = open("/dev/null", O_RDONLY);

	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	if (setenv("STEPWISE_PATIENT", patient, 1) == 0 &&
	    setenv("STEPWISE_RECEIVED_AT", received, 1) == 0)
		execvp(cmd, args);
	_exit(127);
}

/* Run the command for one risk; 0 when it exited 0 in time. */
static int
run_cmd(const char *cmd, const struct risk *r, int *status)
{
	struct timespec	 tick = { 0, 100 * 1000 * 1000 };
	const char	*patient = risk_patient(r);
	char		 received[32];
	pid_t		 pid, got;
	int		 waited = 0;

	/* A reference the server's database made up is not passed on. */
	if (!clinic_patient_ok(patient))
		patient = "unknown";
	format_rfc3339(r->received_at, received, sizeof received);
	fflush(NULL);
	if ((pid = fork()) < 0) {
		*status = -1;
		return -1;
	}
	if (pid == 0)
		exec_cmd(cmd, patient, received);
	while ((got = waitpid(pid, status, WNOHANG)) == 0 &&
	    waited++ < WATCH_CMD_SECONDS * 10)
		nanosleep(&tick, NULL);
	if (got == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		*status = -2;
		return -1;
	}
	if (got < 0) {
		*status = -1;
		return -1;
	}
	return WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? 0 : -1;
}

static void
log_failure(int status)
{
	if (status == -2)
		watch_log(_("the command ran for more than %d seconds for a "
		    "new open risk and was stopped; it is run again next "
		    "round."), WATCH_CMD_SECONDS);
	else if (status == -1)
		watch_log(_("the command could not be started for a new open "
		    "risk (%s); it is tried again next round."),
		    strerror(errno));
	else if (WIFEXITED(status))
		watch_log(_("the command exited with status %d for a new "
		    "open risk; it is run again next round."),
		    WEXITSTATUS(status));
	else
		watch_log(_("the command was ended by signal %d for a new open "
		    "risk; it is run again next round."), WTERMSIG(status));
}

/* Tell of each open risk that has no notice yet; failures counted. */
static void
tell(struct watch *w, struct risks *rs, size_t *told, size_t *failed)
{
	struct sw_error	 err = { 0 };
	int		 status;

	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].acked_by != NULL || rs->v[i].notified)
			continue;
		if (run_cmd(w->cmd, &rs->v[i], &status) != 0) {
			log_failure(status);
			(*failed)++;
			continue;
		}
		if (risk_notice_write(w->cr.db, &w->cr.k, &rs->v[i],
		    (long long)time(NULL), &err) != 0) {
			watch_log(_("the command was run for a new open risk, "
			    "but the notice could not be kept (%s): it will "
			    "be run again."), err.msg);
			(*failed)++;
			continue;
		}
		(*told)++;
	}
}

/* Whether records have arrived since the last look. */
static bool
arrived(struct watch *w)
{
	sqlite3_stmt	*s;
	long long	 count = -1, max = -1;

	if (sqlite3_prepare_v2(w->cr.db, "SELECT count(*), coalesce(max(rowid),"
	    " 0) FROM records", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		count = sqlite3_column_int64(s, 0);
		max = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (w->looked && count == w->seen_count && max == w->seen_max)
		return false;
	w->seen_count = count;
	w->seen_max = max;
	return true;
}

/* One look: 0 when every new open risk was told, -1 otherwise. */
static int
look(struct watch *w)
{
	struct sw_error	 err = { 0 };
	struct vrecord	*recs = NULL;
	struct risks	 rs = { 0 };
	size_t		 n = 0, told = 0, failed = 0;
	int		 rc = -1;

	if (!arrived(w) && !w->retry)
		return 0;
	if (verify_records(w->cr.db, &w->cr.k, clinic_read_content(&w->cr),
	    NULL, &recs, &n, &err) != 0)
		goto out;
	risks_collect(recs, n, &rs);
	if (risks_load_audit(w->cr.db, &w->cr.k, &rs, false, &err) != 0)
		goto out;
	risks_report_bad_rows(&rs);
	tell(w, &rs, &told, &failed);
	if (told > 0)
		watch_log(ngettext("told of %zu new open risk.",
		    "told of %zu new open risks.", told), told);
	rc = failed > 0 ? -1 : 0;
out:
	if (err.msg[0] != '\0')
		watch_log(_("could not look at the records: %s"), err.msg);
	w->looked = true;
	w->retry = rc != 0;
	risks_free(&rs);
	vrecords_free(recs, n);
	return rc;
}

/* Wait for the next round; false when a stop came. */
static bool
wait_round(long interval)
{
	struct pollfd	 p = { stop_pipe[0], POLLIN, 0 };
	int		 r;

	do
		r = poll(&p, 1, (int)(interval * 1000));
	while (r < 0 && errno == EINTR);
	return r == 0;
}

/* The command must be one that can be run: a path to an executable file,
 * or a name found on PATH. */
static bool
cmd_runnable(const char *cmd)
{
	const char	*path = getenv("PATH"), *p, *end;
	char		*full;
	bool		 ok = false;

	if (*cmd == '\0')
		return false;
	if (strchr(cmd, '/') != NULL)
		return access(cmd, X_OK) == 0;
	for (p = path ? path : "/usr/bin:/bin"; !ok && *p != '\0'; p = end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		full = xasprintf("%.*s/%s", (int)(end - p), p, cmd);
		ok = access(full, X_OK) == 0;
		free(full);
		if (*end == ':')
			end++;
	}
	return ok;
}

static int
watch_signals(void)
{
	struct sigaction sa;

	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

int
clinic_cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "exec", required_argument, NULL, 'e' },
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, 'o' },
		{ "content", required_argument, NULL, 'c' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error	 err = { 0 };
	struct watch	 w;
	const char	*dir = ".", *content = NULL;
	char		*end;
	long		 interval = WATCH_INTERVAL;
	bool		 once = false;
	int		 opt, rc = CLINIC_EXIT_FAIL;

	memset(&w, 0, sizeof w);
	while ((opt = clinic_getopt("watch", _("Usage: stepwise-clinic watch "
	    "[--dir DIR] --exec CMD [--interval SECONDS] [--once]\n"
	    "       [--content DIR]\n"), argc, argv, ":", longopts, &dir, 0,
	    &rc)) > 0) {
		switch (opt) {
		case 'e':
			w.cmd = optarg;
			break;
		case 'i':
			interval = strtol(optarg, &end, 10);
			if (*end != '\0' || interval < 1 || interval > 86400)
				return clinic_usage_error("watch", _("--interval "
				    "needs a number of seconds from 1 to 86400, "
				    "not '%s'"), optarg);
			break;
		case 'o':
			once = true;
			break;
		case 'c':
			content = optarg;
			break;
		}
	}
	if (opt < 0)
		return rc;
	if (w.cmd == NULL)
		return clinic_usage_error("watch", "%s", _("--exec CMD is "
		    "needed: the command to run for each new open risk"));
	if (!cmd_runnable(w.cmd))
		return clinic_usage_error("watch", _("'%s' is not a command "
		    "that can be run (give a path, or a name on PATH)"), w.cmd);
	if (clinic_read_open(dir, content, true, &w.cr, &err) != 0) {
		clinic_fail(&err);
		goto out;
	}
	clinic_read_report(&w.cr);
	if (once) {
		rc = look(&w) == 0 ? CLINIC_EXIT_OK : CLINIC_EXIT_FAIL;
		goto out;
	}
	if (watch_signals() != 0) {
		fprintf(stderr, _("stepwise-clinic: could not set up the "
		    "watch: %s\n"), strerror(errno));
		goto out;
	}
	watch_log(_("watching, every %ld seconds."), interval);
	do
		look(&w);
	while (wait_round(interval));
	watch_log(_("stopped."));
	rc = CLINIC_EXIT_OK;
out:
	clinic_read_close(&w.cr);
	return rc;
}
