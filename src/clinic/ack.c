/* ack.c: stepwise-clinic ack: a named person closes one open risk, with a
 * note; the acknowledgement is added to the audit table and never changed
 * (stepwise-clinic(8), ack and AUDIT). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "casework.h"
#include "i18n.h"
#include "risk.h"
#include "util.h"

/* The one open risk to close: the one with the id, or the patient's only
 * one; NULL (with err, and the candidates listed) otherwise. */
static struct risk *
pick(struct risks *rs, const char *patient, const char *id,
    struct sw_error *err)
{
	struct risk	*r = NULL;
	size_t		 open = 0;
	char		 when[32];

	if (id != NULL) {
		if ((r = risks_find(rs, id)) == NULL && patient != NULL)
			sw_fail(err, SW_ENOENT, _("No risk of %s has the id "
			    "%s; see stepwise-clinic risks."), patient, id);
		else if (r == NULL)
			sw_fail(err, SW_ENOENT, _("No risk has the id %s; see "
			    "stepwise-clinic risks."), id);
		else if (r->acked_by != NULL) {
			format_local(r->acked_at, when, sizeof when);
			sw_fail(err, SW_EEXIST, _("That risk was acknowledged "
			    "on %s already; nothing was written."), when);
			r = NULL;
		}
		return r;
	}
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].acked_by == NULL && open++ == 0)
			r = &rs->v[i];
	if (open == 1)
		return r;
	if (open == 0) {
		sw_fail(err, SW_ENOENT, _("Patient %s has no open risk."),
		    patient);
		return NULL;
	}
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].acked_by == NULL) {
			risk_print_text(stderr, &rs->v[i]);
			fputc('\n', stderr);
		}
	sw_fail(err, SW_EINVAL, ngettext("Patient %s has %zu open risk: "
	    "choose it with --id.", "Patient %s has %zu open risks, listed "
	    "above: choose one with --id.", open), patient, open);
	return NULL;
}

int
clinic_ack_risk(sqlite3 *db, const struct clinic_keys *k,
    const struct risk *r, const char *as, long long now, const char *note,
    struct sw_error *err)
{
	struct cw_row	 cw = { 0 };
	char		*ref;

	if (risk_ack_write(db, k, r, as, now, note, err) != 0)
		return -1;
	ref = (char *)risk_patient(r);
	if (ref == NULL || !clinic_patient_ok(ref))
		return 0;
	cw.action = CW_ACK;
	cw.by = (char *)as;
	cw.at = now;
	cw.patients = &ref;
	cw.n_patients = 1;
	cw.what = (char *)r->id;
	return casework_add(db, k, &cw, err);
}

static int
ack_usage(const char *msg, const char *arg)
{
	return clinic_usage_error("ack", msg, arg);
}

int
clinic_cmd_ack(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "patient", required_argument, NULL, 'p' },
		{ "as", required_argument, NULL, 'a' },
		{ "note", required_argument, NULL, 'n' },
		{ "id", required_argument, NULL, 'i' },
		{ "content", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr;
	struct vrecord		*recs = NULL;
	struct risks		 rs = { 0 };
	struct risk		*r;
	const char		*dir = ".", *patient = NULL, *id = NULL;
	const char		*as = NULL, *content = NULL;
	char			*note_arg = NULL, *note = NULL, *who, when[32];
	long long		 now = (long long)time(NULL);
	size_t			 n = 0;
	bool			 json = false;
	int			 opt, rc = CLINIC_EXIT_FAIL;

	memset(&cr, 0, sizeof cr);
	while ((opt = clinic_getopt("ack", _("Usage: stepwise-clinic ack "
	    "[--dir DIR] --patient REF [--id RECORD-ID]\n"
	    "       [--as NAME] --note TEXT|-  [--content DIR] [--format "
	    "text|json]\n"), argc,
	    argv, ":", longopts, &dir, 0, &rc)) > 0) {
		switch (opt) {
		case 'p':
			patient = optarg;
			break;
		case 'a':
			as = optarg;
			break;
		case 'n':
			note_arg = optarg;
			break;
		case 'i':
			id = optarg;
			break;
		case 'c':
			content = optarg;
			break;
		case 'f':
			if (!clinic_text_or_json("ack", optarg, &json))
				return CLINIC_EXIT_USAGE;
			break;
		}
	}
	if (opt < 0)
		return rc;
	if (patient == NULL && id == NULL)
		return ack_usage("%s", _("--patient REF is needed (or --id for "
		    "a record that names no patient)"));
	if (patient != NULL && !clinic_patient_ok(patient))
		return ack_usage(_("'%s' is not a patient reference"), patient);
	if (id != NULL && !proto_id_ok(id))
		return ack_usage(_("--id needs a record id (32 lower-case hex "
		    "characters), not '%s'"), id);
	if (as == NULL && (as = clinic_login_name()) == NULL)
		return ack_usage("%s", _("--as NAME is needed: the login name "
		    "cannot be found"));
	if (!clinic_name_ok(as))
		return ack_usage(_("--as needs a name of 1 to 200 bytes of "
		    "UTF-8 on one line, without control characters, not "
		    "'%s'"), as);
	if (note_arg == NULL)
		return ack_usage("%s", _("--note TEXT is needed: what was done "
		    "(or --note - to read it from standard input)"));
	note = clinic_read_note(note_arg, RISK_NOTE_MAX, _("The note is empty: "
	    "say what was done, for the record."), &err);
	/* The note may be clinical: gone from the process list at once. */
	sodium_memzero(note_arg, strlen(note_arg));
	if (note == NULL)
		goto out;
	if (clinic_read_open(dir, content, true, &cr, &err) != 0 ||
	    verify_records(cr.db, &cr.k, clinic_read_content(&cr), patient,
	    &recs, &n, &err) != 0)
		goto out;
	risks_collect(recs, n, &rs);
	if (risks_load_audit(cr.db, &cr.k, &rs, false, &err) != 0 ||
	    (r = pick(&rs, patient, id, &err)) == NULL ||
	    clinic_ack_risk(cr.db, &cr.k, r, as, now, note, &err) != 0)
		goto out;
	if (json) {
		cJSON *j = clinic_done_json("ack", risk_patient(r), as, now);

		cJSON_AddStringToObject(j, "id", r->id);
		cJSON_AddNumberToObject(j, "received_at",
		    (double)r->received_at);
		json_print_wiped(j);
	} else {
		format_local(r->received_at, when, sizeof when);
		who = untrusted_clean(risk_patient(r), " ");
		printf(_("Acknowledged the risk of %s received %s (id %s), as "
		    "%s.\n"), who, when, r->id, as);
		wipe_free(who);
	}
	risks_report_bad_rows(&rs);
	clinic_read_report(&cr);
	rc = CLINIC_EXIT_OK;
out:
	if (rc != CLINIC_EXIT_OK)
		clinic_fail(&err);
	wipe_free(note);
	risks_free(&rs);
	vrecords_free(recs, n);
	clinic_read_close(&cr);
	return rc;
}
