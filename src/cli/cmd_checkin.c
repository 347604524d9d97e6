/* cmd_checkin.c: stepwise checkin [MEASURE]: open a check-in directly. */
#include <stdio.h>

#include "cli.h"
#include "i18n.h"

static void
usage(FILE *f)
{
	fprintf(f, _("Usage: stepwise [--plain] checkin [MEASURE]\n"
	    "Answer a check-in now: phq9 (low mood) or gad7 (anxiety). With "
	    "no MEASURE,\nthe PHQ-9. In plain mode the answers may come on "
	    "standard input, one per\nline, then an empty line to save; at "
	    "the end of input, the answers so far\nare kept for next time.\n"));
}

int
cmd_checkin(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_HELP:
			usage(stdout);
			return EXIT_OK;
		case '?':
		case ':':
			return cli_bad_option("checkin", opt, argv);
		default:
			if (cli_global_option(cli, opt, optarg) != 0)
				return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("checkin", _("name one check-in"));
	return cli_session(cli, optind < argc ? argv[optind] : "phq9");
}
