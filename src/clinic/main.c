/* main.c: stepwise-clinic: the clinic's side of Stepwise; each command
 * is in its own file (see stepwise-clinic(8)). */
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clinic.h"
#include "config.h"
#include "i18n.h"
#include "jsonv.h"
#include "text.h"
#include "util.h"

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

/* One line on standard error, through the sanitiser: it may repeat what
 * was given on the command line, or name a file. */
static void
say_error(const char *line)
{
	char *t = text_clean(line, strlen(line), TEXT_LINES);

	fputs(t, stderr);
	free(t);
}

int
clinic_usage_error(const char *cmd, const char *msg, const char *arg)
{
	char *what, *line;

	what = xasprintf(msg, arg);
	line = xasprintf(_("stepwise-clinic%s%s: %s (try 'stepwise-clinic "
	    "%s%s--help')\n"), cmd ? " " : "", cmd ? cmd : "", what,
	    cmd ? cmd : "", cmd ? " " : "");
	say_error(line);
	free(line);
	free(what);
	return EXIT_USAGE;
}

int
clinic_bad_option(const char *cmd, int opt, char **argv)
{
	if (opt == ':')
		return clinic_usage_error(cmd, _("'%s' needs a value"),
		    argv[optind - 1]);
	return clinic_usage_error(cmd, _("unknown option '%s'"),
	    argv[optind - 1]);
}

int
clinic_extra_argument(const char *cmd, char **argv)
{
	return clinic_usage_error(cmd, _("unexpected argument '%s'"),
	    argv[optind]);
}

static void	usage(FILE *);

int
clinic_getopt(const char *cmd, const char *help, int argc, char **argv,
    const char *shortopts, const struct option *longopts, const char **dir,
    int max_args, int *code)
{
	int opt;

	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'd':
			*dir = optarg;
			break;
		case 'h':
			if (help != NULL)
				fputs(help, stdout);
			else
				usage(stdout);
			*code = EXIT_OK;
			return -1;
		case ':':
		case '?':
			*code = clinic_bad_option(cmd, opt, argv);
			return -1;
		default:
			return opt;
		}
	}
	if (argc - optind > max_args) {
		optind += max_args;
		*code = clinic_extra_argument(cmd, argv);
		return -1;
	}
	return 0;
}

int
clinic_patient_arg(const char *cmd, const char *patient)
{
	if (patient == NULL)
		return clinic_usage_error(cmd, "%s", _("--patient REF is needed"));
	if (!clinic_patient_ok(patient))
		return clinic_usage_error(cmd, _("'%s' is not a patient "
		    "reference"), patient);
	return 0;
}

int
clinic_name_arg(const char *cmd, const char *option, const char *name)
{
	char	*msg;
	int	 rc;

	if (clinic_name_ok(name))
		return 0;
	msg = xasprintf(_("--%s needs a name of 1 to 200 bytes of UTF-8 on one "
	    "line, without control characters, not '%s'"), option, name);
	rc = clinic_usage_error(cmd, "%s", msg);
	free(msg);
	return rc;
}

bool
clinic_text_or_json(const char *cmd, const char *arg, bool *json)
{
	if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0) {
		clinic_usage_error(cmd, _("--format is text or json, not '%s'"),
		    arg);
		return false;
	}
	*json = strcmp(arg, "json") == 0;
	return true;
}

int
clinic_fail(const struct sw_error *err)
{
	char *line = xasprintf("stepwise-clinic: %s\n", err->msg);

	say_error(line);
	free(line);
	return EXIT_FAIL;
}

static void
usage(FILE *f)
{
	fprintf(f, _("Usage: stepwise-clinic COMMAND [--dir DIR] [OPTIONS]\n"
	    "The clinic's side of Stepwise.\n\n"
	    "Commands:\n"
	    "  init DIR [--url URL] [--name NAME]\n"
	    "                  make the clinic's keys, configuration and "
	    "database\n"
	    "  enroll --patient REF [-o FILE] [--days N] [--tls-pin PIN]\n"
	    "                  write a one-time enrollment file for a "
	    "patient\n"
	    "  serve [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE]\n"
	    "                  receive results and hand out messages "
	    "(HTTP or HTTPS)\n"
	    "  results [--patient REF] [--risk] [--format csv|json|fhir] "
	    "[--content DIR]\n"
	    "                  check, decrypt and list received results, "
	    "risk first\n"
	    "  risks [--patient REF] [--all] [--format text|json]\n"
	    "                  list the risks nobody has acknowledged yet, "
	    "newest first\n"
	    "  ack --patient REF [--id ID] [--as NAME] --note TEXT|-\n"
	    "                  acknowledge one open risk, for the audit "
	    "record\n"
	    "  watch --exec CMD [--interval SECONDS] [--once]\n"
	    "                  run CMD once for each new open risk (where the "
	    "keys are)\n"
	    "  message --patient REF [--from NAME] < TEXT | --template NAME\n"
	    "                  queue a supporter message to the patient's "
	    "devices\n"
	    "  template [list] | template show NAME --patient REF\n"
	    "                  the message templates in DIR/templates, "
	    "filled in\n"
	    "  messages --patient REF [--format text|json]\n"
	    "                  show the messages sent and the patient's "
	    "replies\n"
	    "  patients [--format text|json] [--content DIR]\n"
	    "                  list patients, last contact and latest "
	    "scores\n"
	    "  assign --patient REF --to NAME [--as NAME]\n"
	    "                  make a supporter responsible for a patient\n"
	    "  review --patient REF [--minutes N --note TEXT|-] [--next DATE "
	    "| --in DAYS]\n"
	    "                  record a review, set the next one, or show "
	    "the case\n"
	    "  audit [--patient REF] [--format text|json]\n"
	    "                  who assigned, reviewed, messaged, acknowledged "
	    "and read what\n"
	    "  console [--as NAME] [--mine] [--content DIR]\n"
	    "                  the supporter's full screen: the caseload, "
	    "each case, every\n"
	    "                  action above, one key each\n"
	    "  time --from DATE --to DATE [--content DIR]\n"
	    "                  per patient: dates of use and supporter "
	    "minutes, as CSV\n"
	    "  unlock --patient REF --module ID|N [--hold] [--why TEXT]\n"
	    "                  open a module early for a patient, or hold it "
	    "closed\n"
	    "  revoke --device ID\n"
	    "                  stop accepting a device (lost, stolen or "
	    "replaced)\n"
	    "  upgrade\n"
	    "                  move the database of a folder made by an "
	    "earlier version\n"
	    "                  into DIR/db, once\n"
	    "  backup -o FILE [--with-keys] [--passphrase-fd N]\n"
	    "                  a consistent copy of the database (and the "
	    "keys), sealed to\n"
	    "                  a passphrase, while serve runs\n"
	    "  restore FILE NEWDIR [--keys-from DIR] [--passphrase-fd N]\n"
	    "                  a backup, checked, as a clinic folder in a new "
	    "or empty folder\n\n"
	    "Every command takes --dir DIR, the clinic folder (default: the "
	    "current folder).\nSee stepwise-clinic(8).\n"));
}

static int
cmd_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error	 err = { 0 };
	const char	*dir = NULL, *url = CLINIC_DEFAULT_URL;
	const char	*name = _("Stepwise clinic");
	int		 opt, code;

	/* DIR may also come as the one argument, when --dir does not. */
	while ((opt = clinic_getopt("init", NULL, argc, argv, ":", longopts,
	    &dir, 1, &code)) > 0) {
		if (opt == 'u')
			url = optarg;
		else
			name = optarg;
	}
	if (opt < 0)
		return code;
	if (optind < argc && dir != NULL)
		return clinic_extra_argument("init", argv);
	if (optind < argc)
		dir = argv[optind];
	else if (dir == NULL)
		dir = ".";
	if (clinic_init(dir, name, url, &err) != 0)
		return clinic_fail(&err);
	printf(_("Made the clinic folder %s for %s, reached at %s.\n"
	    "The secret keys box.sk and sign.sk are readable by you only: "
	    "back them up\nsafely. Without box.sk no result can be read.\n"
	    "Edit clinic.json to add the clinic's phone, email, hours and "
	    "crisis contacts.\n"
	    "The database is in %s/db: to run the server as an account of "
	    "its own, give\nit that folder and nothing else (see "
	    "stepwise-clinic(8), FILES).\n"), dir, name, url, dir);
	return EXIT_OK;
}

static int
cmd_enroll(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "patient", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "days", required_argument, NULL, 'D' },
		{ "tls-pin", required_argument, NULL, 't' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	const char		*dir = ".", *patient = NULL, *pin = NULL;
	const char		*out = NULL;
	char			*named = NULL, fp[40], when[32], *end;
	long			 days = CLINIC_TOKEN_DAYS;
	long long		 now = (long long)time(NULL);
	int			 opt, rc, code;

	while ((opt = clinic_getopt("enroll", NULL, argc, argv, ":o:", longopts,
	    &dir, 0, &code)) > 0) {
		switch (opt) {
		case 'p':
			patient = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'D':
			days = strtol(optarg, &end, 10);
			if (*end != '\0' || days < 1 || days > 365)
				return clinic_usage_error("enroll", _("--days needs "
				    "a number of days from 1 to 365, not "
				    "'%s'"), optarg);
			break;
		case 't':
			pin = optarg;
			break;
		}
	}
	if (opt < 0)
		return code;
	if (patient == NULL)
		return clinic_usage_error("enroll", "%s",
		    _("--patient REF is needed"));
	if (out == NULL)
		out = named = xasprintf("enroll-%s.json", patient);
	rc = clinic_enroll(dir, patient, (int)days, pin, out, now, fp, &err);
	if (rc == 0) {
		format_local_iso(now + days * 86400, false, when, sizeof when);
		printf(_("Wrote %s for patient %s.\nIt works once, until %s. "
		    "Give it to the patient in person or by a channel\nonly "
		    "they read, and ask them to check this clinic "
		    "fingerprint:\n  %s\n"), out, patient, when, fp);
	}
	free(named);
	return rc == 0 ? EXIT_OK : clinic_fail(&err);
}

/* The commands, one file each (see clinic.h); main only dispatches. */
static const struct {
	const char	*name;
	int		(*exec)(int, char **);
} commands[] = {
	{ "init", cmd_init },
	{ "enroll", cmd_enroll },
	{ "serve", clinic_cmd_serve },
	{ "results", clinic_cmd_results },
	{ "risks", clinic_cmd_risks },
	{ "ack", clinic_cmd_ack },
	{ "watch", clinic_cmd_watch },
	{ "message", clinic_cmd_message },
	{ "messages", clinic_cmd_messages },
	{ "patients", clinic_cmd_patients },
	{ "revoke", clinic_cmd_revoke },
	{ "upgrade", clinic_cmd_upgrade },
	{ "assign", clinic_cmd_assign },
	{ "review", clinic_cmd_review },
	{ "audit", clinic_cmd_audit },
	{ "time", clinic_cmd_time },
	{ "template", clinic_cmd_template },
	{ "unlock", clinic_cmd_unlock },
	{ "backup", clinic_cmd_backup },
	{ "restore", clinic_cmd_restore },
	{ "console", clinic_cmd_console },
};

int
main(int argc, char **argv)
{
	/* No secret key or decrypted result in a core file or another
	 * process. Anything made without a mode of its own is the owner's
	 * only; the files meant for the server's account get theirs with
	 * fchmod() (clinic.c). */
	process_harden();
	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, STEPWISE_LOCALEDIR);
	textdomain(GETTEXT_PACKAGE);
	opterr = 0;
	if (sodium_init() < 0) {
		fputs("stepwise-clinic: libsodium could not start\n", stderr);
		return EXIT_FAIL;
	}
	/* results, message and messages print decrypted clinical text
	 * through cJSON: none of its dropped buffers keeps a copy. */
	json_wipe_on_free();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("stepwise-clinic %s\n", STEPWISE_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].exec(argc - 1, argv + 1);
	return clinic_usage_error(NULL, _("'%s' is not a command"), argv[1]);
}
