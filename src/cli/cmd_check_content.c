/* cmd_check_content.c: stepwise check-content: validate a content folder
 * and print every problem, one per line. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "i18n.h"

/* Print every entry of d, one per line; warnings marked as such. */
static void
print_diags(const struct diags *d, bool warning)
{
	char *line;

	for (size_t i = 0; i < d->n; i++) {
		line = diags_format(d, i);
		if (warning)
			cli_print(_("warning: %s\n"), line);
		else
			cli_print("%s\n", line);
		free(line);
	}
}

/* Content that loads can still have things to look at: reviews that are
 * due, numbers kept outside the safety file. They do not fail the check. */
static void
warn(const struct content *ct, const char *dir)
{
	struct diags w = { 0 };

	content_review_warnings(ct, time(NULL), &w);
	content_number_warnings(ct, &w);
	print_diags(&w, true);
	if (w.n > 0)
		cli_fprint(stderr, ngettext("stepwise: %zu warning for %s\n",
		    "stepwise: %zu warnings for %s\n", w.n), w.n, dir);
	diags_free(&w);
}

int
cmd_check_content(struct cli *cli, int argc, char **argv)
{
	struct content	 ct;
	struct diags	 d = { 0 };
	const char	*dir;
	char		*locale;
	int		 rc;

	rc = cli_only_global_options(cli, argc, argv, "check-content",
	    _("Usage: stepwise check-content [DIR]\n"
	    "Check every file of a content folder (default: the content this "
	    "program\nuses) and print each problem as FILE: WHERE: PROBLEM. "
	    "Exit status 0 when\nthere are none; warnings (such as a crisis "
	    "contact due for review) do not\nchange it.\n"), 1);
	if (rc >= 0)
		return rc;
	dir = optind < argc ? argv[optind] : cli->content_dir ?
	    cli->content_dir : content_dir_default();
	locale = content_locale_current();
	if (content_load(dir, locale, &ct, &d) == 0) {
		warn(&ct, dir);
		cli_print(_("%s: the content is valid: %zu modules, %zu lessons, "
		    "%zu exercises, %zu measures.\n"), dir, ct.n_modules,
		    ct.n_lessons, ct.n_exercises, ct.n_measures);
		content_free(&ct);
		free(locale);
		return EXIT_OK;
	}
	print_diags(&d, false);
	cli_fprint(stderr, ngettext("stepwise: %zu problem found in %s\n",
	    "stepwise: %zu problems found in %s\n", d.n), d.n, dir);
	diags_free(&d);
	free(locale);
	return EXIT_FAIL;
}
