/* casework_cmds.c: the supporter's casework as commands (stepwise-clinic(8),
 * CASEWORK): assign a patient to a supporter, record a review and set the
 * next one, print the audit of who did and read what, and the service's
 * data return of time spent (time). Each writes or reads casework rows
 * (casework.h); the commands that decrypt say so in a view row. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "casework.h"
#include "review_view.h"
#include "i18n.h"
#include "jsonv.h"
#include "proto.h"
#include "util.h"
#include "verify.h"

/* Whether the clinic made an enrollment file for patient (a token row
 * the clinic signed): a case exists only for someone it enrolled. */
static int
patient_known(sqlite3 *db, const char *patient, struct sw_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM tokens WHERE patient = ?1",
	    -1, &s, NULL) != SQLITE_OK)
		return sw_fail(err, SW_EIO, _("Could not read the clinic "
		    "database: %s"), sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, patient, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return sw_fail(err, SW_ENOENT, _("There is no patient %s: "
		    "enroll them first (stepwise-clinic enroll)."), patient);
	return sw_fail(err, SW_EIO, _("Could not read the clinic database: "
	    "%s"), sqlite3_errmsg(db));
}

/* "YYYY-MM-DD", local midnight; -1 when it is not a date. */
long long
clinic_parse_day(const char *s)
{
	struct tm	tm;
	int		y, m, d, n = 0;
	time_t		t;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0' ||
	    y < 2000 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1 || tm.tm_mday != d)
		return -1;
	return (long long)t;
}

long long
clinic_day_after(long long now, long days)
{
	char day[32];

	format_local_iso(now + days * 86400LL, false, day, sizeof day);
	return clinic_parse_day(day);
}

static void
format_day(long long t, char *buf, size_t size)
{
	format_local_iso(t, false, buf, size);
}

/* The database and the keys, for a command that writes rows. */
static int
open_rw(const char *dir, struct clinic_read *cr, struct sw_error *err)
{
	memset(cr, 0, sizeof *cr);
	return clinic_read_open(dir, NULL, false, cr, err);
}

cJSON *
clinic_done_json(const char *action, const char *patient, const char *by,
    long long at)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "format", 1);
	cJSON_AddStringToObject(j, "action", action);
	cJSON_AddStringToObject(j, "patient", patient);
	cJSON_AddStringToObject(j, "by", by);
	cJSON_AddNumberToObject(j, "at", (double)at);
	return j;
}

/* ---- assign ---- */

int
clinic_cmd_assign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "patient", required_argument, NULL, 'p' },
		{ "to", required_argument, NULL, 't' },
		{ "as", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr;
	struct cw_row		 r = { 0 };
	const char		*dir = ".", *patient = NULL, *to = NULL;
	const char		*as = NULL;
	char			*ref;
	bool			 json = false;
	cJSON			*j;
	int			 opt, u, rc = CLINIC_EXIT_FAIL;

	while ((opt = clinic_getopt("assign", _("Usage: stepwise-clinic assign "
	    "[--dir DIR] --patient REF --to NAME [--as NAME]\n"
	    "       [--format text|json]\n"), argc, argv, ":", longopts, &dir,
	    0, &rc)) > 0) {
		if (opt == 'p')
			patient = optarg;
		else if (opt == 't')
			to = optarg;
		else if (opt == 'a')
			as = optarg;
		else if (!clinic_text_or_json("assign", optarg, &json))
			return CLINIC_EXIT_USAGE;
	}
	if (opt < 0)
		return rc;
	if ((u = clinic_patient_arg("assign", patient)) != 0)
		return u;
	if (to == NULL)
		return clinic_usage_error("assign", "%s", _("--to NAME is "
		    "needed: the supporter"));
	if ((u = clinic_name_arg("assign", "to", to)) != 0)
		return u;
	if ((as = clinic_who("assign", as)) == NULL)
		return CLINIC_EXIT_USAGE;
	ref = (char *)patient;
	r.action = CW_ASSIGN;
	r.by = (char *)as;
	r.at = (long long)time(NULL);
	r.patients = &ref;
	r.n_patients = 1;
	r.to = (char *)to;
	if (open_rw(dir, &cr, &err) != 0 ||
	    patient_known(cr.db, patient, &err) != 0 ||
	    casework_add(cr.db, &cr.k, &r, &err) != 0)
		clinic_fail(&err);
	else {
		if (json) {
			j = clinic_done_json("assign", patient, as, r.at);
			cJSON_AddStringToObject(j, "to", to);
			json_print_wiped(j);
		} else
			printf(_("Patient %s is now %s's.\n"), patient, to);
		rc = CLINIC_EXIT_OK;
	}
	clinic_read_close(&cr);
	return rc;
}

/* ---- review ---- */

int
clinic_cmd_review(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "patient", required_argument, NULL, 'p' },
		{ "note", required_argument, NULL, 'n' },
		{ "minutes", required_argument, NULL, 'm' },
		{ "next", required_argument, NULL, 'x' },
		{ "in", required_argument, NULL, 'i' },
		{ "as", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "content", required_argument, NULL, 'c' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr;
	struct casework		 cw = { 0 };
	struct cw_row		 r = { 0 };
	struct vrecord		*recs = NULL;
	size_t			 nr = 0, failed = 0;
	const char		*content = NULL;
	bool			 json = false;
	cJSON			*view, *done = NULL;
	const char		*dir = ".", *patient = NULL, *as = NULL;
	const char		*next = NULL, *in = NULL, *minutes_arg = NULL;
	char			*note_arg = NULL, *note = NULL, *ref, *end;
	char			 day[32];
	long long		 now = (long long)time(NULL), due = 0;
	long			 minutes = -1, days;
	int			 opt, u, rc = CLINIC_EXIT_FAIL;

	memset(&cr, 0, sizeof cr);
	while ((opt = clinic_getopt("review", _("Usage: stepwise-clinic review "
	    "[--dir DIR] --patient REF [--as NAME]\n"
	    "       [--minutes N --note TEXT|-] [--next YYYY-MM-DD | --in "
	    "DAYS]\n"
	    "       [--format text|json] [--content DIR]\n"), argc, argv, ":", longopts, &dir, 0, &rc)) > 0) {
		switch (opt) {
		case 'p':
			patient = optarg;
			break;
		case 'n':
			note_arg = optarg;
			break;
		case 'm':
			minutes_arg = optarg;
			break;
		case 'x':
			next = optarg;
			break;
		case 'i':
			in = optarg;
			break;
		case 'a':
			as = optarg;
			break;
		case 'c':
			content = optarg;
			break;
		case 'f':
			if (!clinic_text_or_json("review", optarg, &json))
				return CLINIC_EXIT_USAGE;
			break;
		}
	}
	if (opt < 0)
		return rc;
	if ((u = clinic_patient_arg("review", patient)) != 0)
		return u;
	if ((note_arg == NULL) != (minutes_arg == NULL))
		return clinic_usage_error("review", "%s", _("a review done "
		    "needs both --minutes N and --note TEXT"));
	if (minutes_arg != NULL) {
		errno = 0;
		minutes = strtol(minutes_arg, &end, 10);
		if (errno != 0 || end == minutes_arg || *end != '\0' ||
		    minutes < 0 || minutes > CASEWORK_MINUTES_MAX)
			return clinic_usage_error("review", _("--minutes needs a "
			    "whole number from 0 to 600, not '%s'"),
			    minutes_arg);
	}
	if (next != NULL && in != NULL)
		return clinic_usage_error("review", "%s", _("give --next or "
		    "--in, not both"));
	if (next != NULL && (due = clinic_parse_day(next)) < 0)
		return clinic_usage_error("review", _("--next needs a date as "
		    "YYYY-MM-DD, not '%s'"), next);
	if (in != NULL) {
		errno = 0;
		days = strtol(in, &end, 10);
		if (errno != 0 || end == in || *end != '\0' || days < 0 ||
		    days > 365)
			return clinic_usage_error("review", _("--in needs a "
			    "number of days from 0 to 365, not '%s'"), in);
		due = clinic_day_after(now, days);
	}
	if ((note_arg != NULL || due > 0) &&
	    (as = clinic_who("review", as)) == NULL)
		return CLINIC_EXIT_USAGE;
	if (note_arg != NULL) {
		note = clinic_read_note(note_arg, CASEWORK_NOTE_MAX, _("The note is "
		    "empty: say what the review found, for the record."), &err);
		sodium_memzero(note_arg, strlen(note_arg));
		if (note == NULL)
			goto out;
	}
	if (note == NULL && due == 0) {
		/* The whole case, for the review itself. */
		if (clinic_read_open(dir, content, true, &cr, &err) != 0 ||
		    patient_known(cr.db, patient, &err) != 0 ||
		    casework_load(cr.db, &cr.k, patient, &cw, &err) != 0 ||
		    verify_records(cr.db, &cr.k, clinic_read_content(&cr),
		    patient, &recs, &nr, &err) != 0 ||
		    casework_viewed(cr.db, &cr.k, "review", patient, recs, nr,
		    &err) != 0 || (view = review_view_json(&cr, patient, recs,
		    nr, &cw, now, &failed, &err)) == NULL)
			goto out;
		if (json)
			json_print_wiped(view);
		else {
			review_view_print(stdout, view);
			json_wipe_delete(view);
		}
		if (failed > 0)
			fprintf(stderr, ngettext("stepwise-clinic: %zu message "
			    "failed the clinic's check and is not shown.\n",
			    "stepwise-clinic: %zu messages failed the clinic's "
			    "check and are not shown.\n", failed), failed);
		casework_report_bad_rows(&cw);
		rc = clinic_read_report(&cr);
		goto out;
	}
	if (open_rw(dir, &cr, &err) != 0 ||
	    patient_known(cr.db, patient, &err) != 0)
		goto out;
	ref = (char *)patient;
	r.by = (char *)as;
	r.at = now;
	r.patients = &ref;
	r.n_patients = 1;
	done = clinic_done_json("review", patient, as, now);
	if (note != NULL) {
		r.action = CW_REVIEW;
		r.minutes = (int)minutes;
		r.note = note;
		if (casework_add(cr.db, &cr.k, &r, &err) != 0)
			goto out;
		cJSON_AddNumberToObject(done, "minutes", (double)minutes);
		if (!json)
			printf(ngettext("Recorded a review of %s by %s: %ld "
			    "minute.\n", "Recorded a review of %s by %s: %ld "
			    "minutes.\n", (unsigned long)minutes), patient, as,
			    minutes);
	}
	if (due > 0) {
		r.action = CW_NEXT;
		r.note = NULL;
		r.due = due;
		if (casework_add(cr.db, &cr.k, &r, &err) != 0)
			goto out;
		format_day(due, day, sizeof day);
		cJSON_AddStringToObject(done, "next_review", day);
		if (!json)
			printf(_("The next review of %s is due on %s.\n"),
			    patient, day);
	}
	if (json) {
		json_print_wiped(done);
		done = NULL;
	}
	rc = CLINIC_EXIT_OK;
out:
	if (rc != CLINIC_EXIT_OK && err.msg[0] != '\0')
		clinic_fail(&err);
	wipe_free(note);
	cJSON_Delete(done);
	vrecords_free(recs, nr);
	casework_free(&cw);
	clinic_read_close(&cr);
	return rc;
}

/* ---- audit ---- */

static const char *
action_words(const struct cw_row *r)
{
	switch (r->action) {
	case CW_ASSIGN:
		return _("assigned");
	case CW_REVIEW:
		return _("reviewed");
	case CW_NEXT:
		return _("set the next review");
	case CW_MESSAGE:
		return _("sent a message");
	case CW_ACK:
		return _("acknowledged a risk");
	case CW_PROGRAMME:
		return _("changed the programme of");
	case CW_VIEW:
		break;
	}
	return _("read the records");
}

static cJSON *
row_json(const struct cw_row *r)
{
	cJSON	*j = cJSON_CreateObject(), *ps;
	char	 day[32];

	cJSON_AddStringToObject(j, "action", cw_action_id(r->action));
	cJSON_AddStringToObject(j, "by", r->by);
	cJSON_AddNumberToObject(j, "at", (double)r->at);
	ps = cJSON_AddArrayToObject(j, "patients");
	for (size_t i = 0; i < r->n_patients; i++)
		cJSON_AddItemToArray(ps, cJSON_CreateString(r->patients[i]));
	if (r->to != NULL)
		cJSON_AddStringToObject(j, "to", r->to);
	if (r->action == CW_REVIEW) {
		cJSON_AddNumberToObject(j, "minutes", r->minutes);
		cJSON_AddStringToObject(j, "note", r->note);
	}
	if (r->action == CW_NEXT) {
		format_day(r->due, day, sizeof day);
		cJSON_AddStringToObject(j, "due", day);
	}
	if (r->what != NULL)
		cJSON_AddStringToObject(j, r->action == CW_VIEW ? "command" :
		    "id", r->what);
	return j;
}

static void
row_text(const struct cw_row *r)
{
	char	 when[32], day[32], *s;

	format_local(r->at, when, sizeof when);
	s = untrusted_clean(r->by, " ");
	printf("%s  %s %s", when, s, action_words(r));
	wipe_free(s);
	if (r->action == CW_VIEW)
		printf(_(" (%s) of"), r->what);
	for (size_t i = 0; i < r->n_patients; i++)
		printf(" %s", r->patients[i]);
	switch (r->action) {
	case CW_ASSIGN:
		s = untrusted_clean(r->to, " ");
		printf(_(" to %s"), s);
		wipe_free(s);
		break;
	case CW_REVIEW:
		printf(ngettext(", %d minute", ", %d minutes",
		    (unsigned long)r->minutes), r->minutes);
		break;
	case CW_NEXT:
		format_day(r->due, day, sizeof day);
		printf(_(": due %s"), day);
		break;
	case CW_MESSAGE:
		printf(_(" (message %s)"), r->what);
		break;
	case CW_ACK:
		printf(_(" (record %s)"), r->what);
		break;
	case CW_PROGRAMME:
		printf(": %s", r->what);
		break;
	case CW_VIEW:
		break;
	}
	fputc('\n', stdout);
}

int
clinic_cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "patient", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr;
	struct casework		 cw = { 0 };
	const char		*dir = ".", *patient = NULL;
	bool			 json = false;
	cJSON			*out, *rows;
	int			 opt, rc = CLINIC_EXIT_FAIL;

	memset(&cr, 0, sizeof cr);
	while ((opt = clinic_getopt("audit", _("Usage: stepwise-clinic audit "
	    "[--dir DIR] [--patient REF] [--format text|json]\n"), argc, argv,
	    ":", longopts, &dir, 0, &rc)) > 0) {
		if (opt == 'p')
			patient = optarg;
		else if (!clinic_text_or_json("audit", optarg, &json))
			return CLINIC_EXIT_USAGE;
	}
	if (opt < 0)
		return rc;
	if (patient != NULL && !clinic_patient_ok(patient))
		return clinic_usage_error("audit", _("'%s' is not a patient "
		    "reference"), patient);
	if (open_rw(dir, &cr, &err) != 0 ||
	    casework_load(cr.db, &cr.k, patient, &cw, &err) != 0) {
		clinic_fail(&err);
		goto out;
	}
	if (json) {
		out = cJSON_CreateObject();
		rows = cJSON_AddArrayToObject(out, "audit");
		for (size_t i = 0; i < cw.n; i++)
			cJSON_AddItemToArray(rows, row_json(&cw.v[i]));
		cJSON_AddNumberToObject(out, "bad_rows", (double)cw.bad_rows);
		json_print_wiped(out);
	} else {
		for (size_t i = 0; i < cw.n; i++)
			row_text(&cw.v[i]);
		if (cw.n == 0)
			printf("%s\n", _("Nothing has been recorded yet."));
	}
	casework_report_bad_rows(&cw);
	rc = CLINIC_EXIT_OK;
out:
	casework_free(&cw);
	clinic_read_close(&cr);
	return rc;
}

/* ---- time: the service's data return ---- */

struct use {
	const char	*patient;
	long long	 first, last;	/* records made in the period */
	int		 minutes;	/* reviews in the period */
	int		 reviews;
};

static struct use *
use_get(struct use **v, size_t *n, const char *patient)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].patient, patient) == 0)
			return &(*v)[i];
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	memset(&(*v)[*n], 0, sizeof **v);
	(*v)[*n].patient = patient;
	return &(*v)[(*n)++];
}

static int
use_by_ref(const void *a, const void *b)
{
	return strcmp(((const struct use *)a)->patient,
	    ((const struct use *)b)->patient);
}

/* RFC 4180: quoted when it holds a comma, a quote or a line end. */
static void
csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

int
clinic_cmd_time(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "content", required_argument, NULL, 'c' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr;
	struct casework		 cw = { 0 };
	struct vrecord		*recs = NULL;
	struct use		*u = NULL, *p;
	struct cw_case		 c;
	const char		*dir = ".", *from_arg = NULL, *to_arg = NULL;
	const char		*content = NULL, *programme;
	char			 day[32];
	long long		 from, to;
	size_t			 n = 0, nu = 0;
	int			 opt, rc = CLINIC_EXIT_FAIL;

	memset(&cr, 0, sizeof cr);
	while ((opt = clinic_getopt("time", _("Usage: stepwise-clinic time "
	    "[--dir DIR] --from YYYY-MM-DD --to YYYY-MM-DD [--content DIR]\n"),
	    argc, argv, ":", longopts, &dir, 0, &rc)) > 0) {
		if (opt == 'f')
			from_arg = optarg;
		else if (opt == 't')
			to_arg = optarg;
		else
			content = optarg;
	}
	if (opt < 0)
		return rc;
	if (from_arg == NULL || to_arg == NULL)
		return clinic_usage_error("time", "%s", _("--from and --to are "
		    "needed: the first and last day of the period"));
	if ((from = clinic_parse_day(from_arg)) < 0)
		return clinic_usage_error("time", _("--from needs a date as "
		    "YYYY-MM-DD, not '%s'"), from_arg);
	if ((to = clinic_parse_day(to_arg)) < 0)
		return clinic_usage_error("time", _("--to needs a date as "
		    "YYYY-MM-DD, not '%s'"), to_arg);
	if (to < from)
		return clinic_usage_error("time", _("--to is before --from "
		    "(%s)"), to_arg);
	/* The whole last day. */
	format_day(to + 36 * 3600, day, sizeof day);
	to = clinic_parse_day(day);
	if (clinic_read_open(dir, content, true, &cr, &err) != 0 ||
	    verify_records(cr.db, &cr.k, clinic_read_content(&cr), NULL,
	    &recs, &n, &err) != 0 ||
	    casework_load(cr.db, &cr.k, NULL, &cw, &err) != 0 ||
	    casework_viewed(cr.db, &cr.k, "time", NULL, recs, n, &err) != 0) {
		clinic_fail(&err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (recs[i].patient == NULL || recs[i].created_at < from ||
		    recs[i].created_at >= to)
			continue;
		p = use_get(&u, &nu, recs[i].patient);
		if (p->first == 0 || recs[i].created_at < p->first)
			p->first = recs[i].created_at;
		if (recs[i].created_at > p->last)
			p->last = recs[i].created_at;
	}
	for (size_t i = 0; i < cw.n; i++)
		if (cw.v[i].action == CW_REVIEW && cw.v[i].at >= from &&
		    cw.v[i].at < to) {
			p = use_get(&u, &nu, cw.v[i].patients[0]);
			p->minutes += cw.v[i].minutes;
			p->reviews++;
		}
	if (nu > 1)
		qsort(u, nu, sizeof *u, use_by_ref);
	programme = clinic_read_content(&cr) != NULL ?
	    clinic_read_content(&cr)->id : "";
	puts("patient,programme,first_use,last_use,supporter,"
	    "supporter_minutes,reviews");
	for (size_t i = 0; i < nu; i++) {
		csv_field(u[i].patient);
		putchar(',');
		csv_field(programme);
		putchar(',');
		if (u[i].first > 0) {
			format_day(u[i].first, day, sizeof day);
			fputs(day, stdout);
		}
		putchar(',');
		if (u[i].last > 0) {
			format_day(u[i].last, day, sizeof day);
			fputs(day, stdout);
		}
		putchar(',');
		casework_case(&cw, u[i].patient, &c);
		if (c.supporter != NULL) {
			char *s = untrusted_clean(c.supporter, " ");

			csv_field(s);
			wipe_free(s);
		}
		printf(",%d,%d\n", u[i].minutes, u[i].reviews);
	}
	casework_report_bad_rows(&cw);
	rc = clinic_read_report(&cr);
out:
	free(u);
	casework_free(&cw);
	vrecords_free(recs, n);
	clinic_read_close(&cr);
	return rc;
}
