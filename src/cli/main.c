/* main.c: the stepwise command: global options, then one subcommand. */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "config.h"
#include "i18n.h"
#include "jsonv.h"
#include "outbox.h"
#include "profile.h"
#include "util.h"

struct command {
	const char	*name;
	int		(*run)(struct cli *, int, char **);
	const char	*summary;
};

static const struct command commands[] = {
	{ "init", cmd_init, N_("make a new profile, with a passphrase") },
	{ "check-content", cmd_check_content,
	    N_("check a content folder and list every problem") },
	{ "checkin", cmd_checkin, N_("answer a check-in (PHQ-9 or GAD-7) "
	    "now") },
	{ "status", cmd_status, N_("print where you are and what is "
	    "waiting") },
	{ "remind", cmd_remind, N_("print one line if something is due "
	    "(for a shell start-up file)") },
	{ "export", cmd_export, N_("write your check-ins and entries as "
	    "JSON") },
	{ "enroll", cmd_enroll, N_("join your clinic with the enrollment "
	    "file it gave you") },
	{ "sync", cmd_sync, N_("send results to your clinic and fetch "
	    "messages, once") },
};

static void
usage(FILE *f)
{
	fprintf(f, _("Usage: stepwise [OPTIONS] [COMMAND [ARGS]]\n"
	    "Guided self-help for low mood and anxiety.\n\n"
	    "Commands:\n"));
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-15s %s\n", commands[i].name,
		    _(commands[i].summary));
	fprintf(f, _("\nOptions:\n"
	    "  --profile NAME       use profile NAME (default: default)\n"
	    "  --passphrase-fd N    read the passphrase from file "
	    "descriptor N\n"
	    "  --content DIR        use the content in DIR\n"
	    "  --data-dir DIR       keep profiles in DIR\n"
	    "  --plain              numbered lines instead of the full "
	    "screen (for\n"
	    "                       screen readers, braille displays and "
	    "scripts)\n"
	    "  --help               show this help\n"
	    "  --version            show the version\n\n"
	    "Run 'stepwise COMMAND --help' for a command's options, and "
	    "see stepwise(1).\n"));
}

int
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("stepwise: ", stderr);
	va_start(ap, fmt);
	cli_vprint(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "stepwise%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	cli_vprint(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, _(" (try 'stepwise %s%s--help')\n"),
	    cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

int
cli_bad_option(const char *cmd, int opt, char **argv)
{
	if (opt == ':')
		return cli_usage_error(cmd, _("'%s' needs a value"),
		    argv[optind - 1]);
	return cli_usage_error(cmd, _("unknown option '%s'"),
	    argv[optind - 1]);
}

int
cli_global_option(struct cli *cli, int opt, const char *arg)
{
	char	*end;
	long	 fd;

	switch (opt) {
	case OPT_PLAIN:
		cli->plain = true;
		return 0;
	case OPT_CONTENT:
		cli->content_dir = arg;
		return 0;
	case OPT_DATA_DIR:
		cli->data_dir = arg;
		return 0;
	case OPT_PROFILE:
		if (!profile_name_valid(arg)) {
			cli_usage_error(NULL, _("'%s' is not a usable profile "
			    "name (letters, digits, - _ and . only)"), arg);
			return -1;
		}
		cli->profile = arg;
		return 0;
	case OPT_PASSPHRASE_FD:
		errno = 0;
		fd = strtol(arg, &end, 10);
		if (errno != 0 || *end != '\0' || end == arg || fd < 0 ||
		    fd > INT_MAX) {
			cli_usage_error(NULL, _("--passphrase-fd needs a file "
			    "descriptor number, not '%s'"), arg);
			return -1;
		}
		cli->passphrase_fd = (int)fd;
		return 0;
	}
	return 1;
}

int
cli_getopt(struct cli *cli, const char *cmd, void (*help)(FILE *), int argc,
    char **argv, const char *shortopts, const struct option *longopts,
    int max_args, int *code)
{
	int opt;

	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case OPT_HELP:
			if (help == NULL)
				return opt;
			help(stdout);
			*code = EXIT_OK;
			return -1;
		case OPT_VERSION:
			*code = cli_usage_error(cmd, _("--version goes before "
			    "the command"));
			return -1;
		case '?':
		case ':':
			*code = cli_bad_option(cmd, opt, argv);
			return -1;
		default:
			switch (cli_global_option(cli, opt, optarg)) {
			case 0:
				break;
			case 1:
				return opt;
			default:
				*code = EXIT_USAGE;
				return -1;
			}
		}
	}
	if (argc - optind > max_args) {
		*code = cli_usage_error(cmd, _("unexpected argument '%s'"),
		    argv[optind + max_args]);
		return -1;
	}
	return 0;
}

int
cli_only_global_options(struct cli *cli, int argc, char **argv,
    const char *cmd, const char *help, int max_args)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	int opt, code;

	/* No option of its own: what cli_getopt hands back is --help. */
	if ((opt = cli_getopt(cli, cmd, NULL, argc, argv, ":", longopts,
	    max_args, &code)) < 0)
		return code;
	if (opt == OPT_HELP) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	return -1;
}

int
cli_load_content(const struct cli *cli, struct content *ct)
{
	const char	*dir = cli->content_dir ? cli->content_dir :
			    content_dir_default();
	struct diags	 d = { 0 };
	char		*locale = content_locale_current(), *line;
	int		 rc;

	rc = content_load(dir, locale, ct, &d);
	if (rc != 0) {
		/* One line, as for any failure; check-content lists them all. */
		line = diags_format(&d, 0);
		cli_error(ngettext("the content is not usable: %s (%zu "
		    "problem; run 'stepwise check-content %s' to list it)",
		    "the content is not usable: %s (%zu problems; run "
		    "'stepwise check-content %s' to list them)", d.n), line,
		    d.n, dir);
		free(line);
	}
	diags_free(&d);
	free(locale);
	return rc;
}

char *
cli_profile_path(const struct cli *cli, bool create_dir)
{
	struct sw_error	 err = { 0 };
	char		*dir, *path;

	if ((dir = profile_data_dir(cli->data_dir, &err)) == NULL) {
		cli_error("%s", err.msg);
		return NULL;
	}
	if (create_dir && profile_ensure_dir(dir, &err) != 0) {
		cli_error("%s", err.msg);
		free(dir);
		return NULL;
	}
	path = profile_path(dir, cli->profile);
	free(dir);
	return path;
}

/* What the check at unlock found, said before anything else. A failure
 * there is said too, but the profile stays open: what it cannot check it
 * does not send. */
void
cli_check_unlocked(struct store *st)
{
	struct sw_error		 err = { 0 };
	struct unlock_report	 r;
	char			 buf[512];
	const char		*words;

	if (outbox_verify_at_unlock(st, &r, &err) != 0)
		cli_error("%s", err.msg);
	else if ((words = outbox_unlock_words(&r, buf, sizeof buf)) != NULL)
		fprintf(stderr, "%s\n", words);
}

int
cli_open_store(const struct cli *cli, struct store **st, char **path_out)
{
	struct sw_error	 err = { 0 };
	char		*path, *pass = NULL;
	int		 has;

	*st = NULL;
	if ((path = cli_profile_path(cli, false)) == NULL)
		return -1;
	if ((has = store_has_passphrase(path, &err)) < 0) {
		cli_error("%s", err.msg);
		free(path);
		return -1;
	}
	if (has && (pass = passphrase_read(cli, _("Passphrase: "))) == NULL) {
		free(path);
		return -1;
	}
	if (store_open(path, pass, st, &err) != 0) {
		cli_error("%s", err.msg);
		passphrase_free(pass);
		free(path);
		return -1;
	}
	passphrase_free(pass);
	cli_check_unlocked(*st);
	if (path_out)
		*path_out = path;
	else
		free(path);
	return 0;
}

/* Clinical data must never reach a core file or another process. */
static void
harden_process(void)
{
	process_harden();
	/* Sync runs libcurl with CURLOPT_NOSIGNAL in every front end: a clinic
	 * server that closes a TLS connection mid-write must give an error,
	 * not kill the process (and lose a draft) with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct cli	 cli = { NULL, NULL, PROFILE_DEFAULT, -1, false };
	int		 opt, rc;

	harden_process();
	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, STEPWISE_LOCALEDIR);
	textdomain(GETTEXT_PACKAGE);
	if (sodium_init() < 0)
		return cli_error(_("the cryptography library could not "
		    "start"));
	json_wipe_on_free();

	/* Commands word their own errors: one line each. */
	opterr = 0;
	/* '+': stop at the command; it parses the rest itself. */
	while ((opt = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_HELP:
			usage(stdout);
			return EXIT_OK;
		case OPT_VERSION:
			printf("stepwise %s\n", STEPWISE_VERSION);
			return EXIT_OK;
		case '?':
		case ':':
			return cli_bad_option(NULL, opt, argv);
		default:
			if (cli_global_option(&cli, opt, optarg) != 0)
				return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_session(&cli, NULL);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			argc -= optind;
			argv += optind;
			optind = 0;	/* glibc: 0 fully reinitialises getopt */
			rc = commands[i].run(&cli, argc, argv);
			return rc;
		}
	}
	return cli_usage_error(NULL, _("'%s' is not a command"), argv[optind]);
}
