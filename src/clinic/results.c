/* results.c: stepwise-clinic results: every received record, checked and
 * decrypted with the clinic's secret key, risk first (newest received
 * first), as CSV or JSON; anything that fails a check is quarantined and
 * counted, never shown as any patient's. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fhir.h"
#include "gaps.h"
#include "casework.h"
#include "i18n.h"
#include "outcomes.h"
#include "text.h"
#include "util.h"
#include "verify.h"

enum format { FORMAT_CSV, FORMAT_JSON, FORMAT_FHIR };

/* Risk first, the newest to reach the server first (a device's clock may
 * be wrong, and what came in last is what nobody has seen yet); then the
 * rest, oldest first by the device's time. */
static int
by_risk_then_time(const void *a, const void *b)
{
	const struct vrecord	*x = *(const struct vrecord *const *)a;
	const struct vrecord	*y = *(const struct vrecord *const *)b;

	if (x->risk != y->risk)
		return x->risk ? -1 : 1;
	if (x->risk && x->received_at != y->received_at)
		return x->received_at > y->received_at ? -1 : 1;
	if (x->risk)
		return x->arrival > y->arrival ? -1 : x->arrival < y->arrival;
	if (x->created_at != y->created_at)
		return x->created_at < y->created_at ? -1 : 1;
	/* Made in the same second: in the order they arrived (a device sends
	 * its queue oldest first), never by the random id. */
	return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

/* ---- CSV (RFC 4180: CRLF, fields with , " CR or LF quoted) ---- */

/* Each field through the sanitiser: the file may be read on a terminal,
 * and a device chose most of what is in it. */
static void
csv_field(const char *field, bool last)
{
	char *clean = text_clean(field ? field : "", field ? strlen(field) : 0,
	    TEXT_LINES), *s = clean;

	if (strpbrk(s, ",\"\r\n") != NULL) {
		putchar('"');
		for (; *s != '\0'; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else
		fputs(s, stdout);
	fputs(last ? "\r\n" : ",", stdout);
	wipe_free(clean);
}

/* A string the device chose (a measure or exercise it names, a band of a
 * measure the clinic does not know): one that a spreadsheet would take
 * for a formula is written after a single quote, as OWASP advises. */
static void
csv_text(const char *s)
{
	char *t;

	if (s != NULL && *s != '\0' && strchr("=+-@\t\r", *s) != NULL) {
		t = xasprintf("'%s", s);
		csv_field(t, false);
		free(t);
	} else
		csv_field(s, false);
}

static void
csv_int(long long v, bool present)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", v);
	csv_field(present ? buf : "", false);
}

/* A JSON value in one field: exercise values, or a reply's text, which
 * begins with a quote so that no spreadsheet takes it for a formula. */
static void
csv_json(const cJSON *j)
{
	char *s = j != NULL ? cJSON_PrintUnformatted(j) : NULL;
	char *safe = s != NULL ? text_json_safe(s) : NULL;

	csv_field(safe, true);
	wipe_free(safe);
	wipe_free(s);
}

static void
csv_answers(const cJSON *a)
{
	const cJSON	*it;
	char		*s = xstrdup(""), *t;

	cJSON_ArrayForEach(it, a) {
		t = xasprintf("%s%s%d", s, *s ? " " : "", (int)it->valuedouble);
		wipe_free(s);
		s = t;
	}
	csv_field(s, false);
	wipe_free(s);
}

static void
csv_row(const struct vrecord *r, const char *outcome)
{
	const cJSON	*o = r->record, *fn;
	char		 created[32], received[32];
	bool		 checkin = strcmp(r->kind, "checkin") == 0;
	bool		 exercise = strcmp(r->kind, "exercise") == 0;
	bool		 signal = strcmp(r->kind, "risk") == 0;

	format_rfc3339(r->created_at, created, sizeof created);
	format_rfc3339(r->received_at, received, sizeof received);
	csv_field(r->patient, false);
	csv_field(r->device, false);
	csv_field(r->id, false);
	csv_field(r->kind, false);
	csv_field(created, false);
	csv_field(received, false);
	/* The measure column names the exercise of an exercise entry. */
	csv_text(checkin || signal ? proto_str(o, "measure") : exercise ?
	    proto_str(o, "exercise") : "");
	csv_int(r->total, checkin);
	csv_text(r->band ? r->band->id : checkin ? proto_str(o, "severity") :
	    "");
	csv_field(r->risk ? "true" : "false", false);
	if (checkin)
		csv_answers(cJSON_GetObjectItemCaseSensitive(o, "answers"));
	else
		csv_field("", false);
	fn = checkin ? cJSON_GetObjectItemCaseSensitive(o, "functional") : NULL;
	csv_int(fn ? (long long)fn->valuedouble : 0, fn != NULL);
	csv_field(r->check, false);
	csv_field(outcome, false);
	if (checkin)
		csv_field("", true);
	else if (signal || strcmp(r->kind, "lesson") == 0)
		csv_json(o);	/* the item, the answer and when; the lesson */
	else
		csv_json(cJSON_GetObjectItemCaseSensitive(o, exercise ?
		    "values" : "text"));
}

static void
print_csv(struct vrecord **shown, size_t n, const char **outcome)
{
	fputs("patient,device,id,kind,created_at,received_at,measure,total,"
	    "severity,risk,answers,functional,check,outcome,text\r\n", stdout);
	for (size_t i = 0; i < n; i++)
		csv_row(shown[i], outcome[i]);
}

/* ---- JSON ---- */

static cJSON *
json_result(const struct vrecord *r, const char *outcome)
{
	cJSON *o = cJSON_CreateObject(), *c;

	cJSON_AddStringToObject(o, "patient", r->patient);
	cJSON_AddStringToObject(o, "device", r->device);
	cJSON_AddStringToObject(o, "id", r->id);
	cJSON_AddStringToObject(o, "kind", r->kind);
	cJSON_AddNumberToObject(o, "received_at", (double)r->received_at);
	cJSON_AddNumberToObject(o, "created_at", (double)r->created_at);
	cJSON_AddBoolToObject(o, "risk", r->risk);
	cJSON_AddItemToObject(o, "record", cJSON_Duplicate(r->record, 1));
	cJSON_AddStringToObject(o, "check", r->check);
	if (outcome != NULL)
		cJSON_AddStringToObject(o, "outcome", outcome);
	else
		cJSON_AddNullToObject(o, "outcome");
	if (strcmp(r->check, "total_mismatch") == 0) {
		/* What the clinic's own scoring says, next to what was sent. */
		c = cJSON_AddObjectToObject(o, "computed");
		cJSON_AddNumberToObject(c, "total", r->total);
		cJSON_AddStringToObject(c, "severity", r->band->id);
		cJSON_AddBoolToObject(c, "risk", r->risk);
	}
	return o;
}

/* What a quarantined record still tells: never its content, but whether
 * it shows risk (null: it could not be read far enough to tell), and the
 * patient the server's database claims for it. */
static cJSON *
json_quarantined(const struct vrecord *r)
{
	cJSON *q = cJSON_CreateObject();

	cJSON_AddStringToObject(q, "device", r->device);
	cJSON_AddStringToObject(q, "id", r->id);
	cJSON_AddStringToObject(q, "reason", r->reason);
	cJSON_AddNumberToObject(q, "received_at", (double)r->received_at);
	if (r->claimed != NULL)
		cJSON_AddStringToObject(q, "claimed_patient", r->claimed);
	else
		cJSON_AddNullToObject(q, "claimed_patient");
	if (r->qrisk == VRISK_UNKNOWN)
		cJSON_AddNullToObject(q, "risk");
	else
		cJSON_AddBoolToObject(q, "risk", r->qrisk == VRISK_SHOWN);
	return q;
}

/* A shown record's place, for finding each patient's first. */
struct first {
	const char	*patient;
	size_t		 at;
};

static int
by_patient_then_at(const void *a, const void *b)
{
	const struct first	*x = a, *y = b;
	int			 c = strcmp(x->patient, y->patient);

	return c != 0 ? c : (x->at > y->at) - (x->at < y->at);
}

static int
by_at(const void *a, const void *b)
{
	const struct first *x = a, *y = b;

	return (x->at > y->at) - (x->at < y->at);
}

/* Each patient shown, once, in the order first shown, with the outcome
 * first pair to latest. */
static void
json_outcomes(cJSON *a, struct vrecord **shown, size_t n,
    const struct content *ct, const struct outcome_index *ix)
{
	struct first	*f = xcalloc(n ? n : 1, sizeof *f);
	struct outcome	 oc;
	size_t		 k = 0;
	cJSON		*o;

	for (size_t i = 0; i < n; i++)
		f[i] = (struct first){ shown[i]->patient, i };
	qsort(f, n, sizeof *f, by_patient_then_at);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(f[k - 1].patient, f[i].patient) != 0)
			f[k++] = f[i];
	qsort(f, k, sizeof *f, by_at);
	for (size_t i = 0; i < k; i++) {
		outcome_index_outcome(ct, ix, f[i].patient, NULL, &oc);
		o = outcome_json(&oc);
		cJSON_AddStringToObject(o, "patient", f[i].patient);
		cJSON_AddItemToArray(a, o);
	}
	free(f);
}

static void
print_json(struct vrecord **shown, size_t n, const char **outcome,
    const struct content *ct, const struct outcome_index *ix,
    const struct vrecord *all, size_t nall, const struct gap *gaps,
    size_t ngaps)
{
	cJSON	*j = cJSON_CreateObject(), *a;

	cJSON_AddNumberToObject(j, "format", 1);
	a = cJSON_AddArrayToObject(j, "results");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, json_result(shown[i], outcome[i]));
	json_outcomes(cJSON_AddArrayToObject(j, "outcomes"), shown, n, ct, ix);
	cJSON_AddItemToObject(j, "gaps", gaps_json(gaps, ngaps));
	a = cJSON_AddArrayToObject(j, "quarantined");
	for (size_t i = 0; i < nall; i++) {
		if (all[i].reason == NULL)
			continue;
		cJSON_AddItemToArray(a, json_quarantined(&all[i]));
	}
	json_print_wiped(j);
}

/* ---- FHIR R4 (fhir.c) ---- */

/* A check-in's answers, or a risk answer's one, as fhir.h takes them. */
static void
fhir_answers(const struct vrecord *r, int *a, int *functional)
{
	const cJSON	*it, *fn;
	size_t		 i = 0;

	for (i = 0; i < r->measure->n_items; i++)
		a[i] = MEASURE_UNANSWERED;
	*functional = MEASURE_UNANSWERED;
	if (strcmp(r->kind, "risk") == 0) {
		a[r->risk_item - 1] = r->risk_answer;
		return;
	}
	i = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->record,
	    "answers"))
		if (i < r->measure->n_items)
			a[i++] = (int)it->valuedouble;
	fn = cJSON_GetObjectItemCaseSensitive(r->record, "functional");
	if (cJSON_IsNumber(fn))
		*functional = (int)fn->valuedouble;
}

/* Check-ins and risk answers the clinic could score; what it could not
 * (a measure its content does not have) is counted, and said. */
static int
print_fhir(struct vrecord **shown, size_t n, struct sw_error *err)
{
	struct fhir_response	*v = xcalloc(n ? n : 1, sizeof *v);
	struct fhir_subject	*s = xcalloc(n ? n : 1, sizeof *s);
	int			**answers = xcalloc(n ? n : 1, sizeof *answers);
	size_t			 k = 0, left = 0, risky = 0, bad = 0;
	cJSON			*b;
	int			 rc = 0;

	for (size_t i = 0; i < n; i++) {
		const struct vrecord *r = shown[i];
		bool checkin = strcmp(r->kind, "checkin") == 0;

		if (!checkin && strcmp(r->kind, "risk") != 0)
			continue;
		if (r->measure == NULL) {
			left++;
			risky += r->risk;
			continue;
		}
		answers[k] = xcalloc(r->measure->n_items, sizeof **answers);
		fhir_answers(r, answers[k], &v[k].functional);
		v[k].id = r->id;
		v[k].m = r->measure;
		v[k].answers = answers[k];
		v[k].authored = r->created_at;
		v[k].complete = checkin;
		v[k].risk_signal = checkin && r->risk_signal[0] != '\0' ?
		    r->risk_signal : NULL;
		s[k].ref = r->patient;
		k++;
	}
	if ((b = fhir_bundle(v, s, k, (long long)time(NULL), &bad)) == NULL)
		rc = sw_fail(err, SW_EINVAL, _("Could not write record %s as "
		    "FHIR: an answer is not one of its measure's."), v[bad].id);
	else
		json_print_wiped(b);
	if (left > 0)
		fprintf(stderr, ngettext("%zu result is not in the FHIR bundle: "
		    "its measure is not in the content.\n", "%zu results are "
		    "not in the FHIR bundle: their measure is not in the "
		    "content.\n", left), left);
	if (risky > 0)
		fprintf(stderr, ngettext("%zu of them shows a risk answer: see "
		    "stepwise-clinic risks.\n", "%zu of them show a risk answer: "
		    "see stepwise-clinic risks.\n", risky), risky);
	for (size_t i = 0; i < k; i++)
		free(answers[i]);
	free(answers);
	free(s);
	free(v);
	return rc;
}

/* "5 results, 2 quarantined (1 bad_signature, 1 id_mismatch)" */
static void
print_summary(size_t shown, const struct vrecord *all, size_t n)
{
	const char	*seen[32];
	size_t		 count[32], nseen = 0, quarantined = 0;
	size_t		 flagged = 0, risky = 0, i, j;

	for (i = 0; i < n; i++) {
		if (all[i].reason == NULL) {
			if (strcmp(all[i].check, "ok") != 0)
				flagged++;
			continue;
		}
		quarantined++;
		if (all[i].qrisk != VRISK_NONE)
			risky++;
		for (j = 0; j < nseen; j++)
			if (strcmp(seen[j], all[i].reason) == 0)
				break;
		if (j == nseen && nseen < 32) {
			seen[nseen] = all[i].reason;
			count[nseen++] = 0;
		}
		if (j < nseen)
			count[j]++;
	}
	fprintf(stderr, ngettext("%zu result, %zu quarantined",
	    "%zu results, %zu quarantined", shown), shown, quarantined);
	for (j = 0; j < nseen; j++)
		fprintf(stderr, "%s%zu %s", j ? ", " : " (", count[j], seen[j]);
	fputs(nseen ? ")" : "", stderr);
	if (flagged > 0)
		fprintf(stderr, _("; %zu flagged: the score sent differs from "
		    "the clinic's, or the measure is unknown"), flagged);
	fputc('\n', stderr);
	if (risky > 0)
		fprintf(stderr, ngettext("%zu quarantined record shows a risk "
		    "answer or cannot be checked for one: see stepwise-clinic "
		    "risks.\n", "%zu quarantined records show a risk answer "
		    "or cannot be checked for one: see stepwise-clinic "
		    "risks.\n", risky), risky);
}

int
clinic_cmd_results(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "patient", required_argument, NULL, 'p' },
		{ "risk", no_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "content", required_argument, NULL, 'c' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr;
	struct vrecord		*all = NULL, **shown = NULL;
	struct outcome		 oc;
	struct outcome_index	 ix = { NULL, 0 };
	struct gap		*gaps = NULL;
	const char		*dir = ".", *patient = NULL, *content = NULL;
	const char		**outcome = NULL;
	size_t			 ngaps = 0;
	enum format		 format = FORMAT_CSV;
	size_t			 n = 0, nshown = 0;
	bool			 risk_only = false;
	int			 opt, rc = CLINIC_EXIT_FAIL;

	while ((opt = clinic_getopt("results", _("Usage: stepwise-clinic "
	    "results [--dir DIR] [--patient REF] [--risk]\n"
	    "       [--format csv|json|fhir] [--content DIR]\n"), argc, argv, ":",
	    longopts, &dir, 0, &rc)) > 0) {
		switch (opt) {
		case 'p':
			patient = optarg;
			break;
		case 'r':
			risk_only = true;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				format = FORMAT_CSV;
			else if (strcmp(optarg, "json") == 0)
				format = FORMAT_JSON;
			else if (strcmp(optarg, "fhir") == 0)
				format = FORMAT_FHIR;
			else
				return clinic_usage_error("results", _("--format "
				    "is csv, json or fhir, not '%s'"), optarg);
			break;
		case 'c':
			content = optarg;
			break;
		}
	}
	if (opt < 0)
		return rc;
	if (clinic_read_open(dir, content, true, &cr, &err) != 0 ||
	    verify_records(cr.db, &cr.k, clinic_read_content(&cr), patient,
	    &all, &n, &err) != 0 ||
	    casework_viewed(cr.db, &cr.k, "results", NULL, all, n, &err) != 0)
		goto out;
	shown = xcalloc(n ? n : 1, sizeof *shown);
	for (size_t i = 0; i < n; i++)
		if (all[i].reason == NULL && (!risk_only || all[i].risk))
			shown[nshown++] = &all[i];
	qsort(shown, nshown, sizeof *shown, by_risk_then_time);
	/* Beside each scored check-in, the outcome as it stood then: first
	 * paired check-ins to the latest pair made by that time. */
	outcome = xcalloc(nshown ? nshown : 1, sizeof *outcome);
	outcome_index_make(all, n, &ix);
	for (size_t i = 0; i < nshown; i++) {
		if (shown[i]->band == NULL)
			continue;
		outcome_index_outcome(clinic_read_content(&cr), &ix,
		    shown[i]->patient, shown[i], &oc);
		outcome[i] = outcome_id(oc.category);
	}
	ngaps = gaps_find(all, n, &gaps);
	if (format == FORMAT_FHIR) {
		if (print_fhir(shown, nshown, &err) != 0)
			goto out;
	} else if (format == FORMAT_JSON)
		print_json(shown, nshown, outcome, clinic_read_content(&cr),
		    &ix, all, n, gaps, ngaps);
	else
		print_csv(shown, nshown, outcome);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		sw_fail(&err, SW_EIO, _("Could not write the results."));
		goto out;
	}
	print_summary(nshown, all, n);
	gaps_report(gaps, ngaps);
	/* Listed first, then said: a content problem never hides risk. */
	rc = clinic_read_report(&cr);
out:
	if (rc != CLINIC_EXIT_OK && err.msg[0] != '\0')
		clinic_fail(&err);
	gaps_free(gaps, ngaps);
	outcome_index_free(&ix);
	free(outcome);
	free(shown);
	vrecords_free(all, n);
	clinic_read_close(&cr);
	return rc;
}
