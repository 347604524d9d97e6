/* cmd_checkin.c: stepwise checkin [MEASURE]: open a check-in directly. */
#include <stdio.h>

#include "cli.h"
#include "i18n.h"

int
cmd_checkin(struct cli *cli, int argc, char **argv)
{
	int rc;

	rc = cli_only_global_options(cli, argc, argv, "checkin", _("Usage: "
	    "stepwise [--plain] checkin [MEASURE]\n"
	    "Answer a check-in now: phq9 (low mood) or gad7 (anxiety). With "
	    "no MEASURE,\nthe PHQ-9. In plain mode the answers may come on "
	    "standard input, one per\nline, then an empty line to save; at "
	    "the end of input, the answers so far\nare kept for next "
	    "time.\n"), 1);
	if (rc >= 0)
		return rc;
	return cli_session(cli, optind < argc ? argv[optind] : "phq9");
}
