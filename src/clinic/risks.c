/* risks.c: stepwise-clinic risks: every risk not acknowledged yet, newest
 * received first: risk signals, check-ins with a risk answer, and
 * quarantined records that show one or cannot be read far enough to
 * tell (stepwise-clinic(8), RISKS). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casework.h"
#include "i18n.h"
#include "risk.h"
#include "util.h"

static void
print_risks_json(const struct risks *rs, bool all)
{
	cJSON *j = cJSON_CreateObject(), *a;

	cJSON_AddNumberToObject(j, "format", 1);
	a = cJSON_AddArrayToObject(j, "risks");
	for (size_t i = 0; i < rs->n; i++)
		if (all || rs->v[i].acked_by == NULL)
			cJSON_AddItemToArray(a, risk_json(&rs->v[i]));
	json_print_wiped(j);
}

static bool
any_shown(const struct risks *rs, bool all)
{
	for (size_t i = 0; i < rs->n; i++)
		if (all || rs->v[i].acked_by == NULL)
			return true;
	return false;
}

static void
print_risks_text(const struct risks *rs, bool all)
{
	bool first = true;

	for (size_t i = 0; i < rs->n; i++) {
		if (!all && rs->v[i].acked_by != NULL)
			continue;
		if (!first)
			putchar('\n');
		first = false;
		risk_print_text(stdout, &rs->v[i]);
	}
}

static void
print_summary(const struct risks *rs)
{
	size_t open = 0;

	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].acked_by == NULL)
			open++;
	fprintf(stderr, ngettext("%zu open risk", "%zu open risks", open),
	    open);
	fprintf(stderr, ngettext(", %zu acknowledged\n",
	    ", %zu acknowledged\n", rs->n - open), rs->n - open);
}

int
clinic_cmd_risks(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "patient", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "content", required_argument, NULL, 'c' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr;
	struct vrecord		*recs = NULL;
	struct risks		 rs = { 0 };
	const char		*dir = ".", *patient = NULL, *content = NULL;
	size_t			 n = 0;
	bool			 json = false, all = false;
	int			 opt, rc = CLINIC_EXIT_FAIL;

	while ((opt = clinic_getopt("risks", _("Usage: stepwise-clinic risks "
	    "[--dir DIR] [--patient REF] [--all]\n"
	    "       [--format text|json] [--content DIR]\n"), argc, argv, ":",
	    longopts, &dir, 0, &rc)) > 0) {
		if (opt == 'p')
			patient = optarg;
		else if (opt == 'a')
			all = true;
		else if (opt == 'c')
			content = optarg;
		else if (!clinic_text_or_json("risks", optarg, &json))
			return CLINIC_EXIT_USAGE;
	}
	if (opt < 0)
		return rc;
	if (clinic_read_open(dir, content, true, &cr, &err) != 0 ||
	    verify_records(cr.db, &cr.k, clinic_read_content(&cr), patient,
	    &recs, &n, &err) != 0 ||
	    casework_viewed(cr.db, &cr.k, "risks", NULL, recs, n, &err) != 0)
		goto out;
	risks_collect(recs, n, &rs);
	if (risks_load_audit(cr.db, &cr.k, &rs, all, &err) != 0)
		goto out;
	if (json)
		print_risks_json(&rs, all);
	else if (any_shown(&rs, all))
		print_risks_text(&rs, all);
	else if (patient != NULL)
		printf(_("No open risks for %s.\n"), patient);
	else
		printf(_("No open risks.\n"));
	if (fflush(stdout) != 0 || ferror(stdout)) {
		sw_fail(&err, SW_EIO, _("Could not write the risks."));
		goto out;
	}
	print_summary(&rs);
	risks_report_bad_rows(&rs);
	rc = clinic_read_report(&cr);
out:
	if (rc != CLINIC_EXIT_OK && err.msg[0] != '\0')
		clinic_fail(&err);
	risks_free(&rs);
	vrecords_free(recs, n);
	clinic_read_close(&cr);
	return rc;
}
