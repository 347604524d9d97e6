/* cmd_init.c: stepwise init: make a new, encrypted profile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "i18n.h"
#include "passcheck.h"
#include "util.h"

static void
usage(FILE *f)
{
	fprintf(f, _("Usage: stepwise init [--profile NAME] "
	    "[--no-passphrase]\n"
	    "Make a new profile. Everything you enter is encrypted with a "
	    "key made from\nyour passphrase. If you forget the passphrase, "
	    "nobody can open the profile.\n\n"
	    "  --no-passphrase   make a profile without a passphrase: it is "
	    "then not\n                    protected (anyone who can read its "
	    "file can read it)\n"));
}

/* Ask twice on a terminal; once from --passphrase-fd. The rules and the
 * strength hint are passphrase_check's. */
static char *
new_passphrase(const struct cli *cli)
{
	struct pass_verdict	 v;
	char			*a, *b;

	for (;;) {
		if ((a = passphrase_read(cli, _("Choose a passphrase: "))) ==
		    NULL)
			return NULL;
		passphrase_check(a, &v);
		if (!v.ok) {
			cli_error("%s", v.words);
			passphrase_free(a);
			if (cli->passphrase_fd >= 0)
				return NULL;
			continue;
		}
		fprintf(stderr, "%s\n", v.words);
		if (cli->passphrase_fd >= 0)
			return a;
		if ((b = passphrase_read(cli, _("Type it again: "))) == NULL) {
			passphrase_free(a);
			return NULL;
		}
		if (strlen(a) == strlen(b) && sodium_memcmp(a, b,
		    strlen(a)) == 0) {
			passphrase_free(b);
			return a;
		}
		fprintf(stderr, _("The two passphrases are different. Please "
		    "try again.\n"));
		passphrase_free(a);
		passphrase_free(b);
	}
}

int
cli_make_profile(const struct cli *cli, bool none)
{
	struct sw_error	 err = { 0 };
	char		*path, *pass = NULL;
	int		 rc = EXIT_FAIL;

	if ((path = cli_profile_path(cli, true)) == NULL)
		return EXIT_FAIL;
	if (access(path, F_OK) == 0) {
		cli_error(_("a profile named '%s' already exists (%s)"),
		    cli->profile, path);
		goto out;
	}
	if (none)
		fprintf(stderr, _("Warning: this profile has no passphrase, so "
		    "it is not protected: anyone who can read its file (anyone "
		    "using this computer account, or a copy of the file) can "
		    "read everything you write in it. Do not choose this on a "
		    "shared computer.\n"));
	else if ((pass = new_passphrase(cli)) == NULL)
		goto out;
	printf(_("Making your profile; this takes a few seconds...\n"));
	fflush(stdout);
	if (store_create(path, pass, &err) != 0) {
		cli_error("%s", err.msg);
		goto out;
	}
	printf(_("Your profile '%s' is ready.\n"), cli->profile);
	rc = EXIT_OK;
out:
	passphrase_free(pass);
	free(path);
	return rc;
}

int
cmd_init(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{ "no-passphrase", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	bool	none = false;
	int	opt, code;

	while ((opt = cli_getopt(cli, "init", usage, argc, argv, ":", longopts,
	    0, &code)) > 0)
		none = true;
	if (opt < 0)
		return code;
	return cli_make_profile(cli, none);
}
