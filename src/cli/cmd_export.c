/* cmd_export.c: stepwise export: the profile's records as JSON, to standard
 * output or to a new file that only the user can read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "i18n.h"
#include "util.h"

static void
usage(FILE *f)
{
	fprintf(f, _("Usage: stepwise export [--format json|fhir] [-o FILE]\n"
	    "Write every check-in and exercise entry of the profile as JSON "
	    "to FILE\n(made readable by you only) or to standard output; "
	    "with --format fhir, the\ncheck-ins as a FHIR R4 bundle for a "
	    "health record. The export is not\nencrypted: keep it somewhere "
	    "safe.\n"));
}

static int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int
cmd_export(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct sw_error	 err = { 0 };
	struct content	 ct;
	struct store	*st = NULL;
	const char	*output = NULL;
	char		*text = NULL;
	size_t		 left = 0;
	bool		 fhir = false;
	int		 opt, rc = EXIT_FAIL, have_content, code;

	while ((opt = cli_getopt(cli, "export", usage, argc, argv, ":o:",
	    longopts, 0, &code)) > 0) {
		if (opt == 'o')
			output = optarg;
		else if (strcmp(optarg, "fhir") == 0)
			fhir = true;
		else if (strcmp(optarg, "json") != 0)
			return cli_usage_error("export", _("--format is json or "
			    "fhir, not '%s'"), optarg);
	}
	if (opt < 0)
		return code;
	/* Content only adds the change between check-ins; an export must
	 * still work when the content cannot be read. */
	have_content = cli_load_content(cli, &ct) == 0;
	/* FHIR's codes are the content's: without it there is no FHIR. */
	if (fhir && !have_content)
		goto out;
	if (cli_open_store(cli, &st, NULL) != 0)
		goto out;
	if (fhir)
		text = export_fhir(st, &ct, cli->profile,
		    (long long)time(NULL), &left, &err);
	else
		text = export_json(st, have_content ? &ct : NULL, cli->profile,
		    (long long)time(NULL), &err);
	if (text == NULL) {
		cli_error("%s", err.msg);
		goto out;
	}
	if (output == NULL) {
		if (write_all(STDOUT_FILENO, text, strlen(text)) != 0 ||
		    write_all(STDOUT_FILENO, "\n", 1) != 0) {
			cli_error(_("could not write the export: %s"),
			    strerror(errno));
			goto out;
		}
	} else if (write_file_replace(output, text, strlen(text)) != 0) {
		cli_error(_("could not write %s: %s"), output, strerror(errno));
		goto out;
	}
	else
		fprintf(stderr, _("Wrote %s. It is not encrypted: keep it "
		    "safe, and delete it when you no longer need it.\n"),
		    output);
	if (left > 0)
		fprintf(stderr, ngettext("%zu check-in is not in the FHIR "
		    "bundle: its measure is not in the content.\n", "%zu "
		    "check-ins are not in the FHIR bundle: their measure is "
		    "not in the content.\n", left), left);
	rc = EXIT_OK;
out:
	wipe_free(text);
	store_close(st);
	if (have_content)
		content_free(&ct);
	return rc;
}
