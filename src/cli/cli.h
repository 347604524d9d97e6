/* cli.h: what the stepwise subcommands share: the global options, and
 * opening the content and the profile the way every command does. */
#ifndef STEPWISE_CLI_H
#define STEPWISE_CLI_H

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "content.h"
#include "store.h"

/* Exit statuses, as documented in stepwise(1). */
#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

struct cli {
	const char	*content_dir;	/* --content */
	const char	*data_dir;	/* --data-dir */
	const char	*profile;	/* --profile */
	int		 passphrase_fd;	/* --passphrase-fd, -1 when not given */
	bool		 plain;		/* --plain, or no usable terminal */
};

/* Global options are accepted before or after the command. */
enum {
	OPT_CONTENT = 0x100,
	OPT_DATA_DIR,
	OPT_PASSPHRASE_FD,
	OPT_PROFILE,
	OPT_HELP,
	OPT_VERSION,
	OPT_PLAIN,
};
#define CLI_GLOBAL_OPTIONS \
	{ "content", required_argument, NULL, OPT_CONTENT }, \
	{ "data-dir", required_argument, NULL, OPT_DATA_DIR }, \
	{ "passphrase-fd", required_argument, NULL, OPT_PASSPHRASE_FD }, \
	{ "profile", required_argument, NULL, OPT_PROFILE }, \
	{ "help", no_argument, NULL, OPT_HELP }, \
	{ "plain", no_argument, NULL, OPT_PLAIN }, \
	{ "version", no_argument, NULL, OPT_VERSION }

/* Handle a global option: 0 handled, 1 not global, -1 bad value (printed). */
int	 cli_global_option(struct cli *, int opt, const char *arg);
/* printf through the sanitiser (print.c): for every line that holds text
 * from outside, such as an enrollment file's fields or the clinic's
 * name. */
void	 cli_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 cli_fprint(FILE *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 cli_vprint(FILE *, const char *fmt, va_list);
/* Print "stepwise: MSG" (one line) to stderr, through the sanitiser, and
 * return EXIT_FAIL. */
int	 cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For getopt's '?' (unknown option) and ':' (missing value). */
int	 cli_bad_option(const char *cmd, int opt, char **argv);
int	 cli_usage_error(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* getopt_long() for a command, with what every command shares: global
 * options, --help (help, or handed back as OPT_HELP when help is NULL),
 * --version misplaced, bad options, and more than max_args arguments.
 * Returns the command's next own option, 0 after the last (optind at the
 * first argument), or -1 when the command ends at once with *code. */
int	 cli_getopt(struct cli *, const char *cmd, void (*help)(FILE *),
	    int argc, char **argv, const char *shortopts,
	    const struct option *longopts, int max_args, int *code);
/* Parse a command that takes only the global options and at most max_args
 * arguments: -1 to go on (optind at the first argument), else an exit
 * status (after --help, printing help, or a usage error). */
int	 cli_only_global_options(struct cli *, int argc, char **argv,
	    const char *cmd, const char *help, int max_args);
/* The content locale ("cy-GB") from LC_ALL, LC_MESSAGES or LANG. */
int	 cli_load_content(const struct cli *, struct content *);
/* Resolve the profile's path; NULL after printing an error. */
char	*cli_profile_path(const struct cli *, bool create_dir);
/* Ask for the passphrase when the profile has one, and open it; then the
 * check every unlock makes (cli_check_unlocked). */
int	 cli_open_store(const struct cli *, struct store **, char **path_out);
/* outbox_verify_at_unlock on a store just opened, its words on stderr. */
void	 cli_check_unlocked(struct store *);

/* Passphrases: in sodium_malloc'd memory; free with passphrase_free. */
char	*passphrase_read(const struct cli *, const char *prompt);
void	 passphrase_free(char *);

/* Make the profile: a new passphrase (asked twice on a terminal) unless
 * no_passphrase, which prints the shared-computer warning. */
int	 cli_make_profile(const struct cli *, bool no_passphrase);
/* Open content and profile, run a plain or full-screen session. */
int	 cli_session(struct cli *, const char *measure);

int	 cmd_init(struct cli *, int argc, char **argv);
int	 cmd_checkin(struct cli *, int argc, char **argv);
int	 cmd_status(struct cli *, int argc, char **argv);
int	 cmd_remind(struct cli *, int argc, char **argv);
int	 cmd_check_content(struct cli *, int argc, char **argv);
int	 cmd_export(struct cli *, int argc, char **argv);
int	 cmd_enroll(struct cli *, int argc, char **argv);
int	 cmd_sync(struct cli *, int argc, char **argv);

#endif
