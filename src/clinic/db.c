/* db.c: the clinic's database and where it lives: DIR/db/clinic.db, in a
 * folder of its own that the server's account may own, while the keys
 * and clinic.json beside it are the admin's (stepwise-clinic(8), FILES).
 * Every command opens it as a file someone else may have written: no
 * symbolic link is followed, the schema is not trusted to run functions,
 * and SQLite's defensive mode is on. The one-time move of a database
 * that still lies beside the keys is here too (upgrade). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clinic.h"
#include "i18n.h"
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
	/* 4: casework (casework.h): assignments, reviews, review dates,
	 * messages sent and every decrypt, for audit. Who and when are in
	 * clear; the patient and everything else in sealed. */
	"CREATE TABLE casework(n INTEGER PRIMARY KEY, done_by TEXT NOT NULL,"
	" done_at INTEGER NOT NULL, sealed BLOB NOT NULL);"
	"CREATE TRIGGER casework_no_update BEFORE UPDATE ON casework BEGIN"
	" SELECT RAISE(ABORT, 'casework is kept for audit and never"
	" changed'); END;"
	"CREATE TRIGGER casework_no_delete BEFORE DELETE ON casework BEGIN"
	" SELECT RAISE(ABORT, 'casework is kept for audit and never"
	" deleted'); END;",
	/* 5: the version of each record's envelope (stepwise-protocol(7),
	 * VERSION 2), which says how it is signed and opened; every record
	 * stored before it is of version 1. */
	"ALTER TABLE records ADD COLUMN v INTEGER NOT NULL DEFAULT 1;",
	/* 6: the runs of version 3 records (stepwise-protocol(7), VERSION
	 * 3): a version 3 record carries no signature of its own, so the
	 * clinic checks its run's again, from these, before it believes it.
	 * ids is the run's record ids, 16 bytes each, and leaves their
	 * leaf hashes, 32 bytes each, in order, so that a run still checks
	 * when the server has lost one of its records. */
	"CREATE TABLE runs(device TEXT NOT NULL REFERENCES devices(device),"
	" prev BLOB NOT NULL, signature BLOB NOT NULL, ids BLOB NOT NULL,"
	" leaves BLOB NOT NULL, received_at INTEGER NOT NULL,"
	" PRIMARY KEY(device, prev, signature));",
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

int
clinic_db_image_ok(sqlite3 *db, const char *name, struct sw_error *err)
{
	sqlite3_stmt	*s;
	int		 v = -1;
	bool		 fine = false;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (v > SCHEMA_VERSION)
		return sw_fail(err, SW_EFORMAT, _("%s holds a database of "
		    "schema %d, made by a newer stepwise-clinic; this one knows "
		    "schema %d at most. Nothing was done: restore it with that "
		    "version or a later one."), name, v, SCHEMA_VERSION);
	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		fine = strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0;
	sqlite3_finalize(s);
	if (v < 0 || !fine)
		return sw_fail(err, SW_ECORRUPT, _("The database in %s fails "
		    "SQLite's check (%s). Nothing was done."), name,
		    sqlite3_errmsg(db));
	return 0;
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

/* ---- where the database is ---- */

char *
clinic_db_path(const char *dir, const char *name)
{
	return xasprintf("%s/" CLINIC_DB_DIR "/%s", dir, name);
}

static bool
exists(const char *dir, const char *name)
{
	char	*p = xasprintf("%s/%s", dir, name);
	bool	 yes = access(p, F_OK) == 0;

	free(p);
	return yes;
}

int
clinic_db_layout_check(const char *dir, struct sw_error *err)
{
	bool	now = exists(dir, CLINIC_DB_DIR "/" CLINIC_DB_NAME);
	bool	before = exists(dir, CLINIC_DB_NAME);

	if (now && !before)
		return 0;
	if (now)
		return sw_fail(err, SW_EEXIST, _("%s holds two databases, "
		    "clinic.db and db/clinic.db; only db/clinic.db is the "
		    "clinic's now. Nothing was done: find out which one the "
		    "server has been writing, and move the other away."), dir);
	if (before)
		return sw_fail(err, SW_EINVAL, _("%s keeps its database "
		    "beside the keys, as stepwise-clinic did before it moved "
		    "it to a folder of its own. Nothing was done. Stop "
		    "stepwise-clinic serve, then run once: stepwise-clinic "
		    "upgrade --dir %s (see stepwise-clinic(8), FILES)."), dir,
		    dir);
	return sw_fail(err, SW_ENOENT, _("%s is not a clinic folder (no "
	    "db/clinic.db). Make one with: stepwise-clinic init %s"), dir,
	    dir);
}

/* ---- opening it ---- */

/* The database at path, opened as a file someone else may have written:
 * a regular file, reached without a symbolic link (SQLITE_OPEN_NOFOLLOW;
 * SQLite opens the log and the index beside it with O_NOFOLLOW itself, so
 * that neither can be a link to a file of the admin's, such as box.sk,
 * for SQLite to write or truncate); defensive mode (no writable_schema, no
 * journal_mode=OFF, no direct page writes); and a schema that may not run
 * functions with side effects from its triggers and views
 * (trusted_schema=OFF). A sort or an index built for a query stays in
 * memory (temp_store=MEMORY): never rows of the database in a file of
 * SQLite's own in /var/tmp. */
static int
db_open_path(const char *path, sqlite3 **db, struct sw_error *err)
{
	struct stat	st;
	int		on = -1;

	*db = NULL;
	if (lstat(path, &st) != 0)
		return sw_fail(err, SW_EIO, _("Could not open %s: %s"), path,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sw_fail(err, SW_EINVAL, _("%s is not a regular file (a "
		    "symbolic link, a folder or a device), so it is not "
		    "opened."), path);
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK ||
	    sqlite3_db_config(*db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) !=
	    SQLITE_OK || on != 1 ||
	    sqlite3_exec(*db, "PRAGMA trusted_schema = OFF", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(*db, "PRAGMA temp_store = MEMORY", NULL, NULL,
	    NULL) != SQLITE_OK) {
		sw_fail(err, SW_EIO, _("Could not open %s: %s"), path,
		    *db ? sqlite3_errmsg(*db) : _("out of memory"));
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(*db, 10000);
	return 0;
}

/* The folder's own path with every symbolic link in it resolved: the
 * folders above the clinic folder are the admin's, and SQLITE_OPEN_NOFOLLOW
 * refuses a link anywhere in the name. */
static char *
db_file(const char *dir, struct sw_error *err)
{
	char	*real = realpath(dir, NULL), *p;

	if (real == NULL) {
		sw_fail(err, SW_EIO, _("Could not open %s: %s"), dir,
		    strerror(errno));
		return NULL;
	}
	p = clinic_db_path(real, CLINIC_DB_NAME);
	free(real);
	return p;
}

int
clinic_db_open(const char *dir, sqlite3 **db, struct sw_error *err)
{
	char	*p;
	int	 rc = -1;

	*db = NULL;
	if (clinic_db_layout_check(dir, err) != 0 ||
	    (p = db_file(dir, err)) == NULL)
		return -1;
	if (db_open_path(p, db, err) != 0)
		goto out;
	sqlite3_exec(*db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (db_use_wal(*db, p, err) != 0 || db_migrate(*db, p, err) != 0) {
		sqlite3_close(*db);
		*db = NULL;
		goto out;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

/* ---- the one-time move from beside the keys ---- */

/* Out of write-ahead-log mode, which SQLite allows only when no other
 * connection has the database open: the proof that no server is writing
 * it, and with the log folded in, the one file to move. */
static int
db_quiesce(const char *old, struct sw_error *err)
{
	sqlite3		*db;
	sqlite3_stmt	*s = NULL;
	bool		 done = false;

	if (db_open_path(old, &db, err) != 0)
		return -1;
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = DELETE", -1, &s,
	    NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		done = sqlite3_stricmp((const char *)sqlite3_column_text(s, 0),
		    "delete") == 0;
	sqlite3_finalize(s);
	if (!done)
		sw_fail(err, SW_EIO, _("%s is in use (%s): stop stepwise-clinic "
		    "serve, and every other command using this clinic folder, "
		    "then run upgrade again. Nothing was moved."), old,
		    sqlite3_errmsg(db));
	sqlite3_close(db);
	return done ? 0 : -1;
}

int
clinic_db_move(const char *dir, struct sw_error *err)
{
	static const char *const left[] = { "-wal", "-journal" };
	char	*old = xasprintf("%s/" CLINIC_DB_NAME, dir), *side = NULL;
	char	*sub = xasprintf("%s/" CLINIC_DB_DIR, dir);
	char	*new = clinic_db_path(dir, CLINIC_DB_NAME);
	sqlite3	*db = NULL;
	int	 rc = -1;

	if (db_quiesce(old, err) != 0)
		goto out;
	for (size_t i = 0; i < sizeof left / sizeof left[0]; i++) {
		free(side);
		side = xasprintf("%s%s", old, left[i]);
		if (access(side, F_OK) == 0) {
			sw_fail(err, SW_EIO, _("%s is still there, so %s is not "
			    "whole on its own. Nothing was moved."), side, old);
			goto out;
		}
	}
	if (mkdir(sub, 0700) != 0 && (errno != EEXIST || rmdir(sub) != 0 ||
	    mkdir(sub, 0700) != 0)) {
		sw_fail(err, SW_EIO, _("Could not make the empty folder %s: "
		    "%s. Nothing was moved."), sub, strerror(errno));
		goto out;
	}
	if (rename(old, new) != 0) {
		sw_fail(err, SW_EIO, _("Could not move %s to %s: %s"), old, new,
		    strerror(errno));
		rmdir(sub);
		goto out;
	}
	free(side);
	side = xasprintf("%s-shm", old);
	unlink(side);
	rc = clinic_db_open(dir, &db, err);
out:
	sqlite3_close(db);
	free(old);
	free(side);
	free(sub);
	free(new);
	return rc;
}
