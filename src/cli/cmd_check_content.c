/* cmd_check_content.c: stepwise check-content: validate a content folder
 * and print every problem, one per line. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "config.h"
#include "i18n.h"

static void
usage(FILE *f)
{
	fprintf(f, _("Usage: stepwise check-content [DIR]\n"
	    "Check every file of a content folder (default: the installed "
	    "content)\nand print each problem as FILE: WHERE: PROBLEM. Exit "
	    "status 0 when there are none.\n"));
}

int
cmd_check_content(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct content	 ct;
	struct diags	 d = { 0 };
	const char	*dir;
	char		*line, *locale;
	int		 opt;

	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_HELP:
			usage(stdout);
			return EXIT_OK;
		case '?':
		case ':':
			return cli_bad_option("check-content", opt, argv);
		default:
			if (cli_global_option(cli, opt, optarg) != 0)
				return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("check-content", _("give at most one "
		    "folder"));
	dir = optind < argc ? argv[optind] : cli->content_dir ?
	    cli->content_dir : STEPWISE_CONTENT_DIR;
	locale = content_locale_from_env(getenv("LANG"));
	if (content_load(dir, locale, &ct, &d) == 0) {
		printf(_("%s: the content is valid: %zu modules, %zu lessons, "
		    "%zu exercises, %zu measures.\n"), dir, ct.n_modules,
		    ct.n_lessons, ct.n_exercises, ct.n_measures);
		content_free(&ct);
		free(locale);
		return EXIT_OK;
	}
	for (size_t i = 0; i < d.n; i++) {
		line = diags_format(&d, i);
		printf("%s\n", line);
		free(line);
	}
	fprintf(stderr, _("stepwise: %zu problem%s found in %s\n"), d.n,
	    d.n == 1 ? "" : "s", dir);
	diags_free(&d);
	free(locale);
	return EXIT_FAIL;
}
