/* clinic.c: the clinic folder: keys, configuration, database, and one-time
 * enrollment tokens (stepwise-protocol(7), KEYS and ENROLLMENT). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clinic.h"
#include "i18n.h"
#include "jsonv.h"
#include "proto.h"
#include "util.h"

/* Each step takes the database from version i to i + 1; clinic_db_open()
 * applies the ones it lacks in one transaction. */
static const char *const migrations[] = {
	/* 1: one-time enrollment tokens. */
	"CREATE TABLE tokens(token_pk BLOB PRIMARY KEY, patient TEXT NOT NULL,"
	" expires_at INTEGER NOT NULL, signature BLOB NOT NULL,"
	" created_at INTEGER NOT NULL, device TEXT);"
	"CREATE INDEX tokens_patient ON tokens(patient);",
	/* 2: devices, records and supporter messages. The server keeps only
	 * public keys, signatures and ciphertexts; clinic_copy is the text of
	 * a message boxed from and to the clinic's own box key (only box.sk can
	 * make one), so that the clinic can read back what it sent. */
	"CREATE TABLE devices(device TEXT PRIMARY KEY,"
	" token_pk BLOB NOT NULL UNIQUE REFERENCES tokens(token_pk),"
	" patient TEXT NOT NULL, box_pk BLOB NOT NULL, sign_pk BLOB NOT NULL,"
	" request_pk BLOB NOT NULL, reg_signature BLOB NOT NULL,"
	" registered_at INTEGER NOT NULL, revoked_at INTEGER,"
	" last_seen INTEGER, delivered INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX devices_patient ON devices(patient);"
	"CREATE TABLE records(device TEXT NOT NULL REFERENCES devices(device),"
	" id TEXT NOT NULL, ciphertext BLOB NOT NULL, signature BLOB NOT NULL,"
	" received_at INTEGER NOT NULL, PRIMARY KEY(device, id));"
	"CREATE TABLE messages(device TEXT NOT NULL REFERENCES devices(device),"
	" seq INTEGER NOT NULL, id TEXT NOT NULL, ciphertext BLOB NOT NULL,"
	" signature BLOB NOT NULL, clinic_copy BLOB NOT NULL,"
	" queued_at INTEGER NOT NULL, PRIMARY KEY(device, seq));",
	/* 3: acknowledgements of risks (stepwise-clinic ack) and the
	 * watcher's notices (stepwise-clinic watch), kept for audit: rows are
	 * only ever added, and the triggers refuse a change or a deletion.
	 * Which record each names, and an acknowledgement's note, are in
	 * sealed, the clinic's box to itself: the server's account learns
	 * neither whose risk it was nor what was written, and cannot forge
	 * one (see stepwise-clinic(8), AUDIT). The text here is stored in
	 * the database, so it names nothing clinical. */
	"CREATE TABLE acks(n INTEGER PRIMARY KEY, acked_by TEXT NOT NULL,"
	" acked_at INTEGER NOT NULL, sealed BLOB NOT NULL);"
	"CREATE TRIGGER acks_no_update BEFORE UPDATE ON acks BEGIN"
	" SELECT RAISE(ABORT, 'acknowledgements are kept for audit and never"
	" changed'); END;"
	"CREATE TRIGGER acks_no_delete BEFORE DELETE ON acks BEGIN"
	" SELECT RAISE(ABORT, 'acknowledgements are kept for audit and never"
	" deleted'); END;"
	"CREATE TABLE notices(n INTEGER PRIMARY KEY,"
	" notified_at INTEGER NOT NULL, sealed BLOB NOT NULL);"
	"CREATE TRIGGER notices_no_update BEFORE UPDATE ON notices BEGIN"
	" SELECT RAISE(ABORT, 'notices are kept for audit and never"
	" changed'); END;"
	"CREATE TRIGGER notices_no_delete BEFORE DELETE ON notices BEGIN"
	" SELECT RAISE(ABORT, 'notices are kept for audit and never"
	" deleted'); END;",
};
#define SCHEMA_VERSION	(int)(sizeof migrations / sizeof migrations[0])

static int
db_migrate(sqlite3 *db, const char *p, struct sw_error *err)
{
	sqlite3_stmt	*s;
	int		 v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (v < 0 || v > SCHEMA_VERSION)
		return sw_fail(err, SW_EINVAL, _("%s was made by another "
		    "version of stepwise-clinic (schema %d)."), p, v);
	if (v == SCHEMA_VERSION)
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	for (; v < SCHEMA_VERSION; v++)
		if (sqlite3_exec(db, migrations[v], NULL, NULL, NULL) !=
		    SQLITE_OK)
			goto fail;
	{
		char *pragma = xasprintf("PRAGMA user_version = %d", v);
		int   rc = sqlite3_exec(db, pragma, NULL, NULL, NULL);

		free(pragma);
		if (rc != SQLITE_OK)
			goto fail;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	sw_fail(err, SW_EIO, _("Could not set up %s: %s"), p,
	    sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Write-ahead logging, so that an admin command reading the database (a
 * long results run, a sqlite3 shell left in a transaction) never holds up
 * the server's writes, and the server's never hold up a reader. It is a
 * property of the file, set again at every open in case a tool turned it
 * off. synchronous = FULL: a batch acknowledged to a device must survive
 * a power cut (NORMAL would lose the last commits in WAL mode). */
static int
db_use_wal(sqlite3 *db, const char *p, struct sw_error *err)
{
	sqlite3_stmt	*s;
	bool		 wal = false;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &s,
	    NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		wal = sqlite3_stricmp((const char *)sqlite3_column_text(s, 0),
		    "wal") == 0;
	sqlite3_finalize(s);
	if (!wal || sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL,
	    NULL) != SQLITE_OK)
		return sw_fail(err, SW_EIO, _("Could not set up %s: %s"), p,
		    wal ? sqlite3_errmsg(db) : _("it cannot be put in "
		    "write-ahead-log mode"));
	return 0;
}

static char *
path_in(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

/* A new file of exactly this mode: main() sets the umask to 077 so that
 * nothing is made readable by accident, and fchmod() widens the files
 * meant to be read by the server's account (stepwise-clinic(8), FILES). */
static int
write_new_file(const char *path, const void *data, size_t n, mode_t mode,
    struct sw_error *err)
{
	int	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ssize_t	w;

	if (fd == -1)
		return sw_fail(err, errno == EEXIST ? SW_EEXIST : SW_EIO,
		    _("Could not create %s: %s"), path, strerror(errno));
	if (fchmod(fd, mode) != 0) {
		close(fd);
		unlink(path);
		return sw_fail(err, SW_EIO, _("Could not set the mode of %s: "
		    "%s"), path, strerror(errno));
	}
	w = write(fd, data, n);
	if (w != (ssize_t)n || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return sw_fail(err, SW_EIO, _("Could not write %s: %s"), path,
		    strerror(errno));
	}
	close(fd);
	return 0;
}

static int
write_in(const char *dir, const char *name, const void *k,
    size_t n, mode_t mode, struct sw_error *err)
{
	char	*p = path_in(dir, name);
	int	 rc = write_new_file(p, k, n, mode, err);

	free(p);
	return rc;
}

int
clinic_db_open(const char *dir, sqlite3 **db, struct sw_error *err)
{
	char *p = path_in(dir, "clinic.db");

	*db = NULL;
	if (access(p, F_OK) != 0) {
		sw_fail(err, SW_ENOENT, _("%s is not a clinic folder (no "
		    "clinic.db). Make one with: stepwise-clinic init %s"), dir,
		    dir);
		free(p);
		return -1;
	}
	if (sqlite3_open_v2(p, db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sw_fail(err, SW_EIO, _("Could not open %s: %s"), p,
		    *db ? sqlite3_errmsg(*db) : "");
		sqlite3_close(*db);
		*db = NULL;
		free(p);
		return -1;
	}
	sqlite3_busy_timeout(*db, 10000);
	sqlite3_exec(*db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (db_use_wal(*db, p, err) != 0 || db_migrate(*db, p, err) != 0) {
		sqlite3_close(*db);
		*db = NULL;
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

static char *
config_json(const char *name, const char *url)
{
	cJSON	*j = cJSON_CreateObject(), *c;
	char	*s;

	cJSON_AddNumberToObject(j, "format", 1);
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "url", url);
	c = cJSON_AddObjectToObject(j, "contact");
	cJSON_AddStringToObject(c, "name", name);
	cJSON_AddArrayToObject(j, "crisis");
	s = cJSON_Print(j);
	cJSON_Delete(j);
	return s;
}

/* The files init makes, in order; a failure removes those it made. */
static const char *const init_files[] = {
	"box.sk", "sign.sk", "box.pk", "sign.pk", "clinic.json", "clinic.db",
	"clinic.db-journal", "clinic.db-wal", "clinic.db-shm",
};

static void
init_undo(const char *dir, size_t made, bool made_dir)
{
	for (size_t i = 0; i < made; i++) {
		char *p = path_in(dir, init_files[i]);

		unlink(p);
		free(p);
	}
	if (made_dir)
		rmdir(dir);
}

int
clinic_init(const char *dir, const char *name, const char *url,
    struct sw_error *err)
{
	unsigned char	 box_pk[32], sign_pk[32];
	unsigned char	*box_sk = sodium_malloc(32), *sign_sk = sodium_malloc(64);
	const char	*why;
	char		*p = NULL, *conf = NULL;
	sqlite3		*db = NULL;
	size_t		 made = 0;
	bool		 made_dir = false;
	int		 rc = -1;

	if (box_sk == NULL || sign_sk == NULL) {
		sw_fail(err, SW_EIO, _("out of memory"));
		goto out;
	}
	if (!proto_url_ok(url, &why)) {
		sw_fail(err, SW_EINVAL, _("The address %s cannot be used: %s."),
		    url, why);
		goto out;
	}
	if (mkdir(dir, 0700) == 0)
		made_dir = true;
	else if (errno != EEXIST) {
		sw_fail(err, SW_EIO, _("Could not create %s: %s"), dir,
		    strerror(errno));
		goto out;
	}
	/* A folder with any of the files is left alone: its keys may be a
	 * clinic's, even when the database is gone. */
	p = path_in(dir, "clinic.db");
	if (access(p, F_OK) == 0) {
		sw_fail(err, SW_EEXIST, _("%s is already a clinic folder; its "
		    "keys were left as they are."), dir);
		goto out;
	}
	for (size_t i = 0; i < sizeof init_files / sizeof init_files[0]; i++) {
		free(p);
		p = path_in(dir, init_files[i]);
		if (access(p, F_OK) == 0) {
			sw_fail(err, SW_EEXIST, _("%s already holds %s; nothing "
			    "was changed. Choose an empty folder or a new one."),
			    dir, init_files[i]);
			goto out;
		}
	}
	free(p);
	p = NULL;
	crypto_box_keypair(box_pk, box_sk);
	crypto_sign_keypair(sign_pk, sign_sk);
	conf = config_json(name, url);
	{
		/* Secret keys 0600; public keys and configuration may be read
		 * by the account that runs the server, which must not read the
		 * secrets. The database starts empty; opening it makes the
		 * tables. The order is init_files'. */
		const struct {
			const void	*data;
			size_t		 n;
			mode_t		 mode;
		} f[] = {
			{ box_sk, 32, 0600 }, { sign_sk, 64, 0600 },
			{ box_pk, 32, 0644 }, { sign_pk, 32, 0644 },
			{ conf, strlen(conf), 0644 }, { "", 0, 0600 },
		};

		for (; made < sizeof f / sizeof f[0]; made++)
			if (write_in(dir, init_files[made], f[made].data,
			    f[made].n, f[made].mode, err) != 0)
				goto out;
		/* and the journal, log and index opening may leave */
		made = sizeof init_files / sizeof init_files[0];
	}
	if (clinic_db_open(dir, &db, err) != 0)
		goto out;
	rc = 0;
out:
	sqlite3_close(db);
	if (rc != 0)
		init_undo(dir, made, made_dir);
	free(conf);
	free(p);
	sodium_free(box_sk);
	sodium_free(sign_sk);
	return rc;
}

/* ---- references and names ---- */

bool
clinic_patient_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

bool
clinic_name_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > CLINIC_NAME_MAX || !proto_utf8_ok(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* ---- text from standard input ---- */

char *
clinic_read_stdin(size_t cap, size_t *len)
{
	char	*buf = xmalloc(cap + 1);
	size_t	 n = 0;
	ssize_t	 r;
	int	 saved;

	while (n < cap && (r = read(STDIN_FILENO, buf + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			sodium_memzero(buf, cap + 1);
			free(buf);
			errno = saved;
			return NULL;
		}
		n += (size_t)r;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	*len = n;
	return buf;
}
