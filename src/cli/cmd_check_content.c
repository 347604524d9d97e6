/* cmd_check_content.c: stepwise check-content: validate a content folder
 * and print every problem, one per line. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "config.h"
#include "i18n.h"

int
cmd_check_content(struct cli *cli, int argc, char **argv)
{
	struct content	 ct;
	struct diags	 d = { 0 };
	const char	*dir;
	char		*line, *locale;
	int		 rc;

	rc = cli_only_global_options(cli, argc, argv, "check-content",
	    _("Usage: stepwise check-content [DIR]\n"
	    "Check every file of a content folder (default: the content this "
	    "program\nuses) and print each problem as FILE: WHERE: PROBLEM. "
	    "Exit status 0 when\nthere are none.\n"), 1);
	if (rc >= 0)
		return rc;
	dir = optind < argc ? argv[optind] : cli->content_dir ?
	    cli->content_dir : content_dir_default();
	locale = content_locale_current();
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
