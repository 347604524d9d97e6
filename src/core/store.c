/* store.c: the encrypted profile store.
 *
 * Crash safety comes from SQLite: rollback journal, synchronous=FULL, each
 * write one transaction, so a process killed at any instant leaves the last
 * committed state. A kill during a write leaves a hot journal, which only a
 * connection that can write may roll back: so every open of a profile is
 * read-write, even where nothing is written (a read-only connection would
 * find the journal, refuse, and the profile would look damaged until some
 * other command happened to open it read-write). Reading the header and
 * checking the key still write nothing when there is no hot journal. Confidentiality comes from libsodium: each sealed value is
 * version(1) || nonce(24) || ciphertext+tag, with the table and row key as
 * associated data so a sealed value cannot be moved to another row unseen. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "i18n.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#define SCHEMA_VERSION	1
#define SEAL_VERSION	1
#define SALT_LEN	crypto_pwhash_SALTBYTES
#define KEY_LEN		crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_LEN	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN		crypto_aead_xchacha20poly1305_ietf_ABYTES
#define VERIFIER_TEXT	"stepwise profile key check"

struct store {
	sqlite3		*db;
	unsigned char	*key;	/* sodium_malloc'd, KEY_LEN */
};

static const char schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE records(id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " created_at INTEGER NOT NULL, body BLOB NOT NULL, synced_at INTEGER);"
    "CREATE INDEX records_order ON records(kind, created_at);"
    "CREATE TABLE state(key TEXT PRIMARY KEY, updated_at INTEGER NOT NULL,"
    " body BLOB NOT NULL);"
    "PRAGMA user_version = 1;";

const char *
store_db_words(sqlite3 *db)
{
	if (db == NULL)
		return "";
	switch (sqlite3_errcode(db) & 0xff) {
	case SQLITE_FULL:
		return _("the disk is full; free some space on this computer, "
		    "then try again");
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		return _("its folder cannot be written; check the folder's "
		    "permissions, or ask whoever looks after this computer");
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return _("another Stepwise is using it; try again in a moment");
	}
	return sqlite3_errmsg(db);
}

static int
db_fail(struct store *st, struct sw_error *err, const char *what)
{
	return sw_fail(err, SW_EIO, _("Could not %s the profile: %s"), what,
	    st ? store_db_words(st->db) : "");
}

/* ---- sealing ---- */

static char *
ad_for(const char *table, const char *rowkey, size_t *len)
{
	char *ad = xasprintf("stepwise/%d/%s/%s", SEAL_VERSION, table, rowkey);

	*len = strlen(ad);
	return ad;
}

static unsigned char *
seal(const unsigned char *key, const char *table, const char *rowkey,
    const void *plain, size_t plen, size_t *outlen)
{
	unsigned char	*out;
	unsigned long long clen;
	size_t		 adlen;
	char		*ad = ad_for(table, rowkey, &adlen);

	out = xmalloc(1 + NONCE_LEN + plen + TAG_LEN);
	out[0] = SEAL_VERSION;
	randombytes_buf(out + 1, NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 1 + NONCE_LEN, &clen,
	    plain, plen, (unsigned char *)ad, adlen, NULL, out + 1, key);
	*outlen = 1 + NONCE_LEN + (size_t)clen;
	free(ad);
	return out;
}

/* Returns a NUL-terminated plaintext, or NULL when authentication fails. */
static char *
unseal(const unsigned char *key, const char *table, const char *rowkey,
    const unsigned char *in, size_t inlen, size_t *plen)
{
	char			*plain, *ad;
	unsigned long long	 mlen;
	size_t			 adlen;
	int			 rc;

	if (inlen < 1 + NONCE_LEN + TAG_LEN || in[0] != SEAL_VERSION)
		return NULL;
	ad = ad_for(table, rowkey, &adlen);
	plain = xmalloc(inlen - 1 - NONCE_LEN - TAG_LEN + 1);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)plain,
	    &mlen, NULL, in + 1 + NONCE_LEN, inlen - 1 - NONCE_LEN, (unsigned
	    char *)ad, adlen, in + 1, key);
	free(ad);
	if (rc != 0) {
		free(plain);
		return NULL;
	}
	plain[mlen] = '\0';
	if (plen)
		*plen = (size_t)mlen;
	return plain;
}

/* ---- meta ---- */

static int
meta_put(sqlite3 *db, const char *key, const void *v, int len)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta VALUES(?, ?)",
	    -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, v, len, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
meta_put_int(sqlite3 *db, const char *key, long long v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", v);
	return meta_put(db, key, buf, (int)strlen(buf));
}

/* Copy meta[key] into buf (size bytes); returns its length or -1. */
static int
meta_get(sqlite3 *db, const char *key, void *buf, size_t size)
{
	sqlite3_stmt	*s;
	int		 n = -1;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1,
	    &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		n = sqlite3_column_bytes(s, 0);
		if ((size_t)n > size)
			n = -1;
		else
			memcpy(buf, sqlite3_column_blob(s, 0), (size_t)n);
	}
	sqlite3_finalize(s);
	return n;
}

static int
meta_get_int(sqlite3 *db, const char *key, long long *v)
{
	char	buf[32];
	char	*end;
	int	n = meta_get(db, key, buf, sizeof buf - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*v = strtoll(buf, &end, 10);
	return *end == '\0' ? 0 : -1;
}

/* ---- keys ---- */

static unsigned char *
derive_key(const char *passphrase, const unsigned char *salt,
    unsigned long long ops, size_t mem)
{
	unsigned char	*key = sodium_malloc(KEY_LEN);
	const char	*pw = passphrase ? passphrase : "";

	if (key == NULL)
		return NULL;
	if (crypto_pwhash(key, KEY_LEN, pw, strlen(pw), salt, ops, mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_free(key);
		return NULL;
	}
	return key;
}

static int
open_db(const char *path, int flags, sqlite3 **db, struct sw_error *err)
{
	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
		sw_fail(err, SW_EIO, _("Could not open the profile %s: %s"),
		    path, *db ? sqlite3_errmsg(*db) : "out of memory");
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(*db, 10000);
	return 0;
}

int
store_create(const char *path, const char *passphrase, struct sw_error *err)
{
	sqlite3		*db = NULL;
	unsigned char	 salt[SALT_LEN], *key = NULL, *ver = NULL;
	size_t		 verlen;
	int		 fd, rc = -1;

	if (sodium_init() < 0)
		return sw_fail(err, SW_EIO, _("The cryptography library "
		    "could not start."));
	/* Create the file ourselves so it is 0600 from its first byte. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		if (errno == EEXIST)
			return sw_fail(err, SW_EEXIST, _("A profile already "
			    "exists at %s."), path);
		return sw_fail(err, SW_EIO, _("Could not create %s: %s"),
		    path, strerror(errno));
	}
	close(fd);
	if (open_db(path, SQLITE_OPEN_READWRITE, &db, err) != 0)
		goto out;
	randombytes_buf(salt, sizeof salt);
	if ((key = derive_key(passphrase, salt, STORE_KDF_OPSLIMIT,
	    STORE_KDF_MEMLIMIT)) == NULL) {
		sw_fail(err, SW_EIO, _("There is not enough memory to protect "
		    "the profile (64 MiB are needed)."));
		goto out;
	}
	ver = seal(key, "meta", "verifier", VERIFIER_TEXT,
	    strlen(VERIFIER_TEXT), &verlen);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    meta_put_int(db, "format", SCHEMA_VERSION) != 0 ||
	    meta_put(db, "kdf", "argon2id13", 10) != 0 ||
	    meta_put(db, "cipher", "xchacha20poly1305-ietf", 22) != 0 ||
	    meta_put(db, "salt", salt, sizeof salt) != 0 ||
	    meta_put_int(db, "opslimit", (long long)STORE_KDF_OPSLIMIT) != 0 ||
	    meta_put_int(db, "memlimit", (long long)STORE_KDF_MEMLIMIT) != 0 ||
	    meta_put_int(db, "passphrase", passphrase != NULL) != 0 ||
	    meta_put_int(db, "created_at", (long long)time(NULL)) != 0 ||
	    meta_put(db, "verifier", ver, (int)verlen) != 0 ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sw_fail(err, SW_EIO, _("Could not write the new profile: %s"),
		    sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	free(ver);
	if (key)
		sodium_free(key);
	sqlite3_close(db);
	if (rc != 0)
		unlink(path);
	return rc;
}

/* Why the first read of a profile failed: "damaged" only when SQLite says
 * the file is not a database or is corrupt; an interrupted save that cannot
 * be repaired here, a lock, a full disk or a folder that cannot be written
 * are said as such, since a patient told "damaged" may delete it. */
static int
header_fail(sqlite3 *db, const char *path, struct sw_error *err)
{
	int code = sqlite3_extended_errcode(db);

	if (code == SQLITE_READONLY_ROLLBACK)
		return sw_fail(err, SW_EIO, _("The profile %s was interrupted "
		    "while saving, and it can only be put right by opening it "
		    "where its folder can be written. Nothing saved in it is "
		    "lost: check the folder's permissions, or ask whoever "
		    "looks after this computer."), path);
	switch (code & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return sw_fail(err, SW_ECORRUPT, _("%s is damaged: it is not "
		    "a readable Stepwise profile any more."), path);
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
	case SQLITE_ERROR:	/* no meta table: some other database */
		return sw_fail(err, SW_ECORRUPT, _("%s is not a Stepwise "
		    "profile."), path);
	}
	return sw_fail(err, SW_EIO, _("Could not read the profile %s: %s"),
	    path, store_db_words(db));
}

/* Read the header of an existing profile, checking it is one we can read. */
static int
read_header(sqlite3 *db, const char *path, unsigned char *salt,
    long long *ops, long long *mem, long long *has_pw, struct sw_error *err)
{
	long long	format;
	char		kdf[32];
	int		n;

	if (meta_get_int(db, "format", &format) != 0)
		return header_fail(db, path, err);
	if (format > SCHEMA_VERSION)
		return sw_fail(err, SW_EFORMAT, _("This profile was made by a "
		    "newer version of Stepwise. Please update Stepwise."));
	n = meta_get(db, "kdf", kdf, sizeof kdf - 1);
	if (n != 10 || memcmp(kdf, "argon2id13", 10) != 0 ||
	    meta_get(db, "salt", salt, SALT_LEN) != SALT_LEN ||
	    meta_get_int(db, "opslimit", ops) != 0 ||
	    meta_get_int(db, "memlimit", mem) != 0 ||
	    meta_get_int(db, "passphrase", has_pw) != 0 ||
	    *ops < 1 || *ops > 64 || *mem < 8192 || *mem > (1LL << 32))
		return sw_fail(err, SW_ECORRUPT, _("The profile's header is "
		    "damaged: %s"), path);
	return 0;
}

int
store_has_passphrase(const char *path, struct sw_error *err)
{
	sqlite3		*db = NULL;
	unsigned char	 salt[SALT_LEN];
	long long	 ops, mem, has_pw;
	int		 rc = -1;

	if (access(path, F_OK) != 0)
		return sw_fail(err, SW_ENOENT, _("There is no profile at %s. "
		    "Make one with: stepwise init"), path);
	if (open_db(path, SQLITE_OPEN_READWRITE, &db, err) == 0 &&
	    read_header(db, path, salt, &ops, &mem, &has_pw, err) == 0)
		rc = has_pw != 0;
	sqlite3_close(db);
	return rc;
}

int
store_open(const char *path, const char *passphrase, struct store **out,
    struct sw_error *err)
{
	struct store	*st;
	unsigned char	 salt[SALT_LEN], ver[128];
	long long	 ops, mem, has_pw;
	char		*check;
	int		 n;

	*out = NULL;
	if (sodium_init() < 0)
		return sw_fail(err, SW_EIO, _("The cryptography library "
		    "could not start."));
	if (access(path, F_OK) != 0)
		return sw_fail(err, SW_ENOENT, _("There is no profile at %s. "
		    "Make one with: stepwise init"), path);
	st = xcalloc(1, sizeof *st);
	/* Reading the header and checking the key writes nothing: in rollback
	 * journal mode a read creates no file and changes no byte (but for
	 * rolling back a hot journal, see the top of this file). */
	if (open_db(path, SQLITE_OPEN_READWRITE, &st->db, err) != 0)
		goto fail;
	if (read_header(st->db, path, salt, &ops, &mem, &has_pw, err) != 0)
		goto fail;
	if ((st->key = derive_key(has_pw ? passphrase : NULL, salt,
	    (unsigned long long)ops, (size_t)mem)) == NULL) {
		sw_fail(err, SW_EIO, _("There is not enough memory to open "
		    "the profile."));
		goto fail;
	}
	n = meta_get(st->db, "verifier", ver, sizeof ver);
	check = n > 0 ? unseal(st->key, "meta", "verifier", ver, (size_t)n,
	    NULL) : NULL;
	if (check == NULL || strcmp(check, VERIFIER_TEXT) != 0) {
		free(check);
		sw_fail(err, SW_EPASSPHRASE, _("That passphrase does not open "
		    "this profile. Nothing was changed. Please try again."));
		goto fail;
	}
	free(check);
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_close(st->db);
	if (st->key)
		sodium_free(st->key);
	free(st);
}

long long
store_created_at(struct store *st)
{
	long long at;

	return meta_get_int(st->db, "created_at", &at) == 0 ? at : 0;
}

int
store_set_remind_at(struct store *st, long long at, struct sw_error *err)
{
	long long old;

	if (meta_get_int(st->db, "remind_at", &old) == 0 && old == at)
		return 0;
	if (meta_put_int(st->db, "remind_at", at) != 0)
		return db_fail(st, err, _("write to"));
	return 0;
}

int
store_read_remind_at(const char *path, long long *at, struct sw_error *err)
{
	sqlite3	*db = NULL;
	int	 rc = -1;

	*at = 0;
	if (access(path, F_OK) != 0)
		return sw_fail(err, SW_ENOENT, _("There is no profile at %s. "
		    "Make one with: stepwise init"), path);
	if (open_db(path, SQLITE_OPEN_READWRITE, &db, err) == 0) {
		if (meta_get_int(db, "remind_at", at) == 0)
			rc = 0;
		else if ((sqlite3_errcode(db) & 0xff) == SQLITE_DONE ||
		    sqlite3_errcode(db) == SQLITE_OK) {
			*at = 0;	/* never set */
			rc = 0;
		} else
			header_fail(db, path, err);
	}
	sqlite3_close(db);
	return rc;
}

/* ---- records ---- */

int
store_put_record(struct store *st, const char *kind, long long created_at,
    const char *json, char *id_out, struct sw_error *err)
{
	unsigned char	 raw[STORE_ID_LEN / 2], *body;
	char		 id[STORE_ID_LEN + 1];
	size_t		 blen;
	sqlite3_stmt	*s;
	int		 rc;

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(id, sizeof id, raw, sizeof raw);
	body = seal(st->key, "records", id, json, strlen(json), &blen);
	if (sqlite3_prepare_v2(st->db, "INSERT INTO records(id, kind, "
	    "created_at, body) VALUES(?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK) {
		free(body);
		return db_fail(st, err, _("write to"));
	}
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, created_at);
	sqlite3_bind_blob(s, 4, body, (int)blen, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	free(body);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, _("write to"));
	if (id_out)
		memcpy(id_out, id, sizeof id);
	return 0;
}

int
store_each_record(struct store *st, const char *kind, store_record_fn fn,
    void *arg, struct sw_error *err)
{
	sqlite3_stmt	*s;
	int		 rc, ret = 0;

	if (sqlite3_prepare_v2(st->db, kind ?
	    "SELECT id, kind, created_at, body FROM records WHERE kind = ? "
	    "ORDER BY created_at, rowid" :
	    "SELECT id, kind, created_at, body FROM records "
	    "ORDER BY created_at, rowid", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, err, _("read"));
	if (kind)
		sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char	*id = (const char *)sqlite3_column_text(s, 0);
		char		*plain;

		plain = unseal(st->key, "records", id, sqlite3_column_blob(s,
		    3), (size_t)sqlite3_column_bytes(s, 3), NULL);
		if (plain == NULL) {
			ret = sw_fail(err, SW_ECORRUPT, _("Record %s in the "
			    "profile is damaged and cannot be read."), id);
			break;
		}
		ret = fn(arg, id, (const char *)sqlite3_column_text(s, 1),
		    sqlite3_column_int64(s, 2), plain);
		wipe_free(plain);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(st, err, _("read"));
	sqlite3_finalize(s);
	return ret;
}

int
store_count_records(struct store *st, const char *kind, struct sw_error *err)
{
	sqlite3_stmt	*s;
	int		 n = -1;

	if (sqlite3_prepare_v2(st->db, kind ?
	    "SELECT count(*) FROM records WHERE kind = ?" :
	    "SELECT count(*) FROM records", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, err, _("read"));
	if (kind)
		sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (n < 0)
		return db_fail(st, err, _("read"));
	return n;
}

/* ---- state ---- */

int
store_put_state(struct store *st, const char *key, const char *json,
    struct sw_error *err)
{
	unsigned char	*body;
	size_t		 blen;
	sqlite3_stmt	*s;
	int		 rc;

	body = seal(st->key, "state", key, json, strlen(json), &blen);
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO state(key, "
	    "updated_at, body) VALUES(?, ?, ?)", -1, &s, NULL) != SQLITE_OK) {
		free(body);
		return db_fail(st, err, _("write to"));
	}
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)time(NULL));
	sqlite3_bind_blob(s, 3, body, (int)blen, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	free(body);
	return rc == SQLITE_DONE ? 0 : db_fail(st, err, _("write to"));
}

int
store_get_state(struct store *st, const char *key, char **json,
    struct sw_error *err)
{
	sqlite3_stmt	*s;
	int		 rc, ret = 0;

	*json = NULL;
	if (sqlite3_prepare_v2(st->db, "SELECT body FROM state WHERE key = ?",
	    -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, err, _("read"));
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*json = unseal(st->key, "state", key, sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0), NULL);
		if (*json == NULL)
			ret = sw_fail(err, SW_ECORRUPT, _("Saved state \"%s\" "
			    "is damaged and cannot be read."), key);
	} else if (rc != SQLITE_DONE)
		ret = db_fail(st, err, _("read"));
	sqlite3_finalize(s);
	return ret;
}

int
store_delete_state(struct store *st, const char *key, struct sw_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "DELETE FROM state WHERE key = ?", -1,
	    &s, NULL) != SQLITE_OK)
		return db_fail(st, err, _("write to"));
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, err, _("write to"));
}

int
store_each_state_key(struct store *st, const char *prefix,
    int (*fn)(void *, const char *), void *arg, struct sw_error *err)
{
	sqlite3_stmt	*s;
	int		 rc, ret = 0;

	/* substr rather than LIKE: a prefix may hold "_" or "%". */
	if (sqlite3_prepare_v2(st->db, "SELECT key FROM state WHERE "
	    "substr(key, 1, length(?1)) = ?1 ORDER BY key", -1, &s,
	    NULL) != SQLITE_OK)
		return db_fail(st, err, _("read"));
	sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((ret = fn(arg, (const char *)sqlite3_column_text(s,
		    0))) != 0)
			break;
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(st, err, _("read"));
	sqlite3_finalize(s);
	return ret;
}

/* ---- transactions, for a record and its envelope together ---- */

int
store_begin(struct store *st, struct sw_error *err)
{
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_fail(st, err, _("write to"));
	return 0;
}

int
store_commit(struct store *st, struct sw_error *err)
{
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(st, err, _("write to"));
		store_rollback(st);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3 *
store_sqlite(struct store *st)
{
	return st->db;
}
