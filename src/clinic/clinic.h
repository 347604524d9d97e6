/* clinic.h: the clinic's folder: key pairs, configuration and database,
 * as stepwise-protocol(7) specifies them. Shared by the stepwise-clinic
 * commands. */
#ifndef STEPWISE_CLINIC_H
#define STEPWISE_CLINIC_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include <sodium.h>
#include <sqlite3.h>

#include "diag.h"

#define CLINIC_DEFAULT_URL	"http://127.0.0.1:8470"
#define CLINIC_TOKEN_DAYS	14

struct clinic_keys {
	unsigned char	box_pk[crypto_box_PUBLICKEYBYTES];
	unsigned char	sign_pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	*box_sk;	/* sodium_malloc'd; NULL unless loaded */
	unsigned char	*sign_sk;
};

/* "3f2a 9c01 ..." : the first 16 bytes of BLAKE2b-256(box_pk || sign_pk). */
void	 clinic_fingerprint(const struct clinic_keys *, char out[40]);

int	 clinic_init(const char *dir, const char *name, const char *url,
	    struct sw_error *);
/* The clinic folder as init lays it out (stepwise-clinic(8), FILES), in
 * dir (new, or the admin's and empty of the clinic's files): the keys,
 * clinic.json (conf), and the database (db, dblen bytes: 0 for a new one),
 * opened once; then extra[0..nextra), each in the folder or in a folder
 * of its own below it (0700), files 0644 (restore's templates). A failure
 * removes what it made. init and restore. */
struct clinic_file {
	const char	*name;		/* in the folder: "templates/x.txt" */
	const void	*data;
	size_t		 len;
};
int	 clinic_folder_make(const char *dir, const struct clinic_keys *,
	    const char *conf, const void *db, size_t dblen,
	    const struct clinic_file *extra, size_t nextra, struct sw_error *);
/* The secret keys, and the public keys derived from them (keys.c): box.pk
 * and sign.pk are only compared with those, and a command stops when they
 * differ, since only someone else could have changed them. The folder and
 * the four key files must be the admin's alone (clinic_trusted), and the
 * database in its own folder (clinic_db_layout_check). */
int	 clinic_keys_load(const char *dir, struct clinic_keys *,
	    struct sw_error *);
/* The same without the database's place (for upgrade, which moves it). */
int	 clinic_keys_read(const char *dir, struct clinic_keys *,
	    struct sw_error *);
void	 clinic_keys_free(struct clinic_keys *);
/* The keys from secret keys held elsewhere (a backup: where names it):
 * copied into locked memory, the public keys derived from them. */
int	 clinic_keys_from(const unsigned char *box_sk,
	    const unsigned char *sign_sk, const char *where,
	    struct clinic_keys *, struct sw_error *);
/* dir, and dir/name unless name is NULL, belong to this account (or root)
 * and cannot be written by any other: else -1 and err says which and why.
 * What the admin's commands read from the clinic folder is taken only
 * from files that pass. */
int	 clinic_trusted(const char *dir, const char *name, struct sw_error *);

/* The database (db.c): DIR/db/clinic.db, the only part of the folder the
 * server's account needs or may own. */
#define CLINIC_DB_DIR	"db"
#define CLINIC_DB_NAME	"clinic.db"
/* DIR/db/name, to free. */
char	*clinic_db_path(const char *dir, const char *name);
/* 0 when the database is in DIR/db; a sentence saying what to do when it
 * is still beside the keys, as before, or there is none. */
int	 clinic_db_layout_check(const char *dir, struct sw_error *);
/* Whether a database (an image restore was given) is one this version
 * knows: its schema not newer, and SQLite's quick check passing. name is
 * for the sentence. */
int	 clinic_db_image_ok(sqlite3 *, const char *name, struct sw_error *);
/* Open, with the hardening of db.c, in write-ahead-log mode, migrated. */
int	 clinic_db_open(const char *dir, sqlite3 **, struct sw_error *);
/* Move DIR/clinic.db into DIR/db, once no other process has it open. */
int	 clinic_db_move(const char *dir, struct sw_error *);

/* A patient reference as enroll takes it: 1 to 64 letters, digits, - _
 * and . (so one from the server's database that is not one is never
 * passed on). */
bool	 clinic_patient_ok(const char *);
/* A person's name (a supporter's --from, an acknowledger's --as): 1 to
 * CLINIC_NAME_MAX bytes of UTF-8 on one line, without anything that
 * could drive a terminal (proto_text_ok). */
#define CLINIC_NAME_MAX	200
bool	 clinic_name_ok(const char *);

/* Standard input, up to cap bytes, without one new line at its end: a
 * buffer of cap + 1 bytes, NUL-terminated after the *len bytes read, for
 * the caller to wipe and free; NULL with errno when it cannot be read. */
char	*clinic_read_stdin(size_t cap, size_t *len);
/* A note for the record (an acknowledgement's, a review's): arg, or
 * standard input for "-" (which keeps it out of the process list and the
 * shell's history); 1 to max characters of UTF-8, lines and tabs but no
 * other control character. To wipe_free(); NULL with err (empty: the
 * sentence that says what to write). */
char	*clinic_read_note(const char *arg, size_t max, const char *empty,
	    struct sw_error *);

/* The clinic's box to itself (nonce || crypto_box_easy of the padded
 * text, from and to the clinic's box key): what only box.sk can make or
 * read, for what the clinic keeps in the server's database (seal.c).
 * NULL when the text is too long; open gives NULL for anything box.sk did
 * not seal, and a string to wipe_free() otherwise. */
unsigned char *clinic_self_seal(const char *plain, const struct clinic_keys *,
	    size_t *len);
char	*clinic_self_open(const unsigned char *, size_t len,
	    const struct clinic_keys *);

/* Make a one-time token for patient, store its signed row, and write the
 * enrollment file (0600) to out; fp gets the fingerprint of the keys the
 * file carries. */
int	 clinic_enroll(const char *dir, const char *patient, int days,
	    const char *tls_pin, const char *out, long long now,
	    char fp[40], struct sw_error *);

/* Commands, one file each; argv[0] is the command's name. */
int	 clinic_cmd_serve(int argc, char **argv);	/* serve.c */
int	 clinic_cmd_results(int argc, char **argv);	/* results.c */
int	 clinic_cmd_message(int argc, char **argv);	/* message.c */
int	 clinic_cmd_messages(int argc, char **argv);	/* message.c */
int	 clinic_cmd_patients(int argc, char **argv);	/* patients.c */
int	 clinic_cmd_revoke(int argc, char **argv);	/* patients.c */
int	 clinic_cmd_risks(int argc, char **argv);	/* risks.c */
int	 clinic_cmd_ack(int argc, char **argv);		/* ack.c */
int	 clinic_cmd_watch(int argc, char **argv);	/* watch.c */
int	 clinic_cmd_upgrade(int argc, char **argv);	/* upgrade.c */
int	 clinic_cmd_assign(int argc, char **argv);	/* casework_cmds.c */
int	 clinic_cmd_review(int argc, char **argv);	/* casework_cmds.c */
int	 clinic_cmd_audit(int argc, char **argv);	/* casework_cmds.c */
int	 clinic_cmd_time(int argc, char **argv);	/* casework_cmds.c */
int	 clinic_cmd_template(int argc, char **argv);	/* template.c */
int	 clinic_cmd_unlock(int argc, char **argv);	/* unlock.c */
int	 clinic_cmd_backup(int argc, char **argv);	/* backup.c */
int	 clinic_cmd_restore(int argc, char **argv);	/* restore.c */
int	 clinic_cmd_console(int argc, char **argv);	/* console.c */

/* For the commands: a usage error (exit 2) and a failure (exit 1), each
 * one line on standard error. msg may hold one %s for arg. */
#define CLINIC_EXIT_OK		0
#define CLINIC_EXIT_FAIL	1
#define CLINIC_EXIT_USAGE	2
int	 clinic_usage_error(const char *cmd, const char *msg, const char *arg);
int	 clinic_fail(const struct sw_error *);
/* The usage error for what getopt_long() returned: a missing value (':')
 * or an unknown option. */
int	 clinic_bad_option(const char *cmd, int opt, char **argv);
/* --patient REF, checked: 0, or the usage error's status (said) when it
 * is missing or not a reference. */
int	 clinic_patient_arg(const char *cmd, const char *patient);
/* A person's name given with --option (--as, --from, --to), checked by
 * clinic_name_ok: 0, or the usage error's status (said). */
int	 clinic_name_arg(const char *cmd, const char *option, const char *name);
/* The usage error for an argument left after the options. */
int	 clinic_extra_argument(const char *cmd, char **argv);
/* getopt_long() for a command, with what every command shares: --dir
 * sets *dir; --help prints help (NULL: the whole usage); a bad option, or
 * more than max_args arguments after the options, is a usage error.
 * Returns the command's next own option, 0 after the last, or -1 when the
 * command ends at once with exit status *code. */
int	 clinic_getopt(const char *cmd, const char *help, int argc, char **argv,
	    const char *shortopts, const struct option *longopts,
	    const char **dir, int max_args, int *code);
/* What an action command did, for --format json: {"format":1,"action",
 * "patient","by","at"}, for the command to add its own and print with
 * json_print_wiped (casework_cmds.c). */
struct cJSON;
struct cJSON *clinic_done_json(const char *action, const char *patient,
	    const char *by, long long at);
/* --format text|json: sets *json, or says it is a usage error (false). */
bool	 clinic_text_or_json(const char *cmd, const char *arg, bool *json);
/* The options every command takes, and the end of its option table. */
#define CLINIC_COMMON_OPTIONS \
	{ "dir", required_argument, NULL, 'd' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ NULL, 0, NULL, 0 }

#endif
