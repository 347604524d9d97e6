/* store.c: the encrypted profile store.
 *
 * Crash safety comes from SQLite: rollback journal, synchronous=FULL, each
 * write one transaction, so a process killed at any instant leaves the last
 * committed state. A kill during a write leaves a hot journal, which only a
 * connection that can write may roll back: so every open of a profile is
 * read-write, even where nothing is written (a read-only connection would
 * find the journal, refuse, and the profile would look damaged until some
 * other command happened to open it read-write). Reading the header and
 * checking the key still write nothing when there is no hot journal.
 *
 * Confidentiality comes from libsodium: each sealed value is version(1) ||
 * nonce(24) || ciphertext+tag, with the table and row key as associated data
 * so a sealed value cannot be moved to another row unseen. Nothing telling
 * is in clear (format 2; stepwise(1), SECURITY):
 * - records(id, body, sent, n): body seals "KIND\nCREATED_AT\nJSON" (the
 *   kind, the time as decimal Unix seconds, the record's JSON); sent is 0 or
 *   1 (acknowledged by the clinic); n seals the record's number in the
 *   device's counter (8 bytes, little-endian; 0 none). Walks decrypt every
 *   row and filter and sort in memory, which a few thousand records allow.
 * - state(key, body): key is the hex of a keyed BLAKE2b-256 of the state's
 *   name under a subkey of the store key (crypto_kdf, context "swstate_",
 *   id 1); body seals "NAME\nJSON".
 * - meta: the key's parameters and check, remind_at (clear by design), and
 *   created_at sealed.
 * Deleted content is overwritten (secure_delete), so what a migration or a
 * delete removes does not stay in free pages. A format 1 profile is made
 * format 2 at its first unlock, in one transaction (migrate.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>
#include <sqlite3.h>

#include "i18n.h"
#include "pwseal.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#define SCHEMA_VERSION	2
#define SEAL_VERSION	1
#define SALT_LEN	crypto_pwhash_SALTBYTES
#define KEY_LEN		crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_LEN	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN		crypto_aead_xchacha20poly1305_ietf_ABYTES
#define VERIFIER_TEXT	"stepwise profile key check"

struct store {
	sqlite3		*db;
	unsigned char	*key;		/* sodium_malloc'd, KEY_LEN */
	unsigned char	*state_key;	/* sodium_malloc'd, KEY_LEN: names */
	bool		 protected;	/* by a passphrase */
};

static const char schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    STORE_RECORDS_SCHEMA("records")
    STORE_STATE_SCHEMA("state")
    "PRAGMA user_version = 2;";

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

/* Whole sentences, for translators: not "Could not %s" with a verb. */
enum db_op { DB_READ, DB_WRITE };

static int
db_fail(struct store *st, struct sw_error *err, enum db_op op)
{
	const char *why = st ? store_db_words(st->db) : "";

	if (op == DB_READ)
		return sw_fail(err, SW_EIO, _("Could not read the profile: %s"),
		    why);
	return sw_fail(err, SW_EIO, _("Could not write to the profile: %s"),
	    why);
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

/* ---- plaintexts in locked memory ---- */

void
sbuf_free(struct sbuf *b)
{
	if (b->p != NULL)
		sodium_free(b->p);	/* zeroes before freeing */
	memset(b, 0, sizeof *b);
}

/* Room for size bytes; what it held is wiped, not kept. */
static bool
sbuf_room(struct sbuf *b, size_t size)
{
	if (size <= b->cap)
		return true;
	sbuf_free(b);
	if (size < 4096)
		size = 4096;
	if ((b->p = sodium_malloc(size)) == NULL)
		return false;
	b->cap = size;
	return true;
}

/* Open a sealed value into b (NUL-terminated); false when it does not
 * authenticate or memory runs out. */
static bool
unseal_into(const unsigned char *key, const char *table, const char *rowkey,
    const unsigned char *in, size_t inlen, struct sbuf *b, size_t *plen)
{
	unsigned long long	 mlen;
	size_t			 adlen;
	char			*ad;
	int			 rc;

	if (in == NULL || inlen < 1 + NONCE_LEN + TAG_LEN ||
	    in[0] != SEAL_VERSION ||
	    !sbuf_room(b, inlen - 1 - NONCE_LEN - TAG_LEN + 1))
		return false;
	ad = ad_for(table, rowkey, &adlen);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)b->p,
	    &mlen, NULL, in + 1 + NONCE_LEN, inlen - 1 - NONCE_LEN, (unsigned
	    char *)ad, adlen, in + 1, key);
	free(ad);
	if (rc != 0)
		return false;
	b->p[mlen] = '\0';
	if (plen != NULL)
		*plen = (size_t)mlen;
	return true;
}

bool
store_unseal_buf(struct store *st, const char *table, const char *rowkey,
    const void *in, size_t inlen, struct sbuf *b)
{
	return unseal_into(st->key, table, rowkey, in, inlen, b, NULL);
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
	/* What a delete or a migration removes is overwritten, not left in
	 * free pages for anyone to read. */
	sqlite3_exec(*db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
	return 0;
}

int
store_create(const char *path, const char *passphrase, struct sw_error *err)
{
	sqlite3		*db = NULL;
	unsigned char	 salt[SALT_LEN], *key = NULL, *ver = NULL, *born = NULL;
	size_t		 verlen, bornlen;
	char		 now[32];
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
	/* Without a passphrase, a key from the passphrase "" would protect
	 * nothing that a random key kept in the file does not, and cost 64
	 * MiB and a second or so at every start: so it is a random key. */
	if (passphrase == NULL) {
		if ((key = sodium_malloc(KEY_LEN)) != NULL)
			randombytes_buf(key, KEY_LEN);
	} else
		key = pw_derive_key(passphrase, salt, STORE_KDF_OPSLIMIT,
		    STORE_KDF_MEMLIMIT);
	if (key == NULL) {
		sw_fail(err, SW_EIO, _("There is not enough memory to protect "
		    "the profile (64 MiB are needed)."));
		goto out;
	}
	ver = seal(key, "meta", "verifier", VERIFIER_TEXT,
	    strlen(VERIFIER_TEXT), &verlen);
	snprintf(now, sizeof now, "%lld", (long long)time(NULL));
	born = seal(key, "meta", "created_at", now, strlen(now), &bornlen);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    meta_put_int(db, "format", SCHEMA_VERSION) != 0 ||
	    meta_put(db, "cipher", "xchacha20poly1305-ietf", 22) != 0 ||
	    (passphrase == NULL ? meta_put(db, "kdf", "none", 4) != 0 ||
	    meta_put(db, "key", key, KEY_LEN) != 0 :
	    meta_put(db, "kdf", "argon2id13", 10) != 0 ||
	    meta_put(db, "salt", salt, sizeof salt) != 0 ||
	    meta_put_int(db, "opslimit", (long long)STORE_KDF_OPSLIMIT) != 0 ||
	    meta_put_int(db, "memlimit", (long long)STORE_KDF_MEMLIMIT) != 0) ||
	    meta_put_int(db, "passphrase", passphrase != NULL) != 0 ||
	    meta_put(db, "created_at", born, (int)bornlen) != 0 ||
	    meta_put(db, "verifier", ver, (int)verlen) != 0 ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sw_fail(err, SW_EIO, _("Could not write the new profile: %s"),
		    sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	free(ver);
	free(born);
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

/* What a profile's header says about its key. */
struct header {
	long long	 format;
	bool		 has_pw;
	bool		 raw;		/* kdf "none": the key is in meta */
	unsigned char	 salt[SALT_LEN];
	long long	 ops, mem;
};

/* Read the header of an existing profile, checking it is one we can read.
 * A profile without a passphrase keeps a random key (kdf "none"), or, made
 * before that, a key derived from "" (kdf argon2id13, passphrase 0). */
static int
read_header(sqlite3 *db, const char *path, struct header *h,
    struct sw_error *err)
{
	long long	has_pw;
	char		kdf[32];
	int		n;

	memset(h, 0, sizeof *h);
	if (meta_get_int(db, "format", &h->format) != 0)
		return header_fail(db, path, err);
	if (h->format > SCHEMA_VERSION)
		return sw_fail(err, SW_EFORMAT, _("This profile was made by a "
		    "newer version of Stepwise. Please update Stepwise."));
	n = meta_get(db, "kdf", kdf, sizeof kdf - 1);
	h->raw = n == 4 && memcmp(kdf, "none", 4) == 0;
	if (meta_get_int(db, "passphrase", &has_pw) != 0 ||
	    (h->raw && has_pw != 0) || (!h->raw && (n != 10 ||
	    memcmp(kdf, "argon2id13", 10) != 0 ||
	    meta_get(db, "salt", h->salt, SALT_LEN) != SALT_LEN ||
	    meta_get_int(db, "opslimit", &h->ops) != 0 ||
	    meta_get_int(db, "memlimit", &h->mem) != 0 ||
	    h->ops < 1 || h->ops > 64 || h->mem < 8192 ||
	    h->mem > (1LL << 32))))
		return sw_fail(err, SW_ECORRUPT, _("The profile's header is "
		    "damaged: %s"), path);
	h->has_pw = has_pw != 0;
	return 0;
}

/* The profile's key: kept in the file, or derived. NULL with err. */
static unsigned char *
profile_key(sqlite3 *db, const struct header *h, const char *passphrase,
    struct sw_error *err)
{
	unsigned char *key;

	if (!h->raw)
		key = pw_derive_key(h->has_pw ? passphrase : NULL, h->salt,
		    (unsigned long long)h->ops, (size_t)h->mem);
	else if ((key = sodium_malloc(KEY_LEN)) != NULL &&
	    meta_get(db, "key", key, KEY_LEN) != KEY_LEN) {
		sodium_free(key);
		sw_fail(err, SW_ECORRUPT, _("The profile's key is damaged."));
		return NULL;
	}
	if (key == NULL)
		sw_fail(err, SW_EIO, _("There is not enough memory to open "
		    "the profile."));
	return key;
}

int
store_has_passphrase(const char *path, struct sw_error *err)
{
	sqlite3		*db = NULL;
	struct header	 h;
	int		 rc = -1;

	if (access(path, F_OK) != 0)
		return sw_fail(err, SW_ENOENT, _("There is no profile at %s. "
		    "Make one with: stepwise init"), path);
	if (open_db(path, SQLITE_OPEN_READWRITE, &db, err) == 0 &&
	    read_header(db, path, &h, err) == 0)
		rc = h.has_pw;
	sqlite3_close(db);
	return rc;
}

int
store_open(const char *path, const char *passphrase, struct store **out,
    struct sw_error *err)
{
	struct store	*st;
	struct header	 h;
	unsigned char	 ver[128];
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
	if (read_header(st->db, path, &h, err) != 0 ||
	    (st->key = profile_key(st->db, &h, passphrase, err)) == NULL)
		goto fail;
	st->protected = h.has_pw;
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
	if ((st->state_key = sodium_malloc(KEY_LEN)) == NULL) {
		sw_fail(err, SW_EIO, _("There is not enough memory to open "
		    "the profile."));
		goto fail;
	}
	crypto_kdf_derive_from_key(st->state_key, KEY_LEN, 1, "swstate_",
	    st->key);
	/* A wrong passphrase never gets here: it changes nothing. */
	if (h.format < SCHEMA_VERSION && store_migrate(st, err) != 0)
		goto fail;
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
	if (st->state_key)
		sodium_free(st->state_key);
	free(st);
}

bool
store_protected(struct store *st)
{
	return st->protected;
}

long long
store_created_at(struct store *st)
{
	unsigned char	 v[128];
	struct sbuf	 b = { 0 };
	long long	 at = 0;
	int		 n = meta_get(st->db, "created_at", v, sizeof v);

	if (n > 0 && unseal_into(st->key, "meta", "created_at", v, (size_t)n,
	    &b, NULL))
		at = strtoll(b.p, NULL, 10);
	sbuf_free(&b);
	return at;
}

int
store_seal_meta(struct store *st, const char *name, const char *value)
{
	unsigned char	*v;
	size_t		 len;
	int		 rc;

	v = seal(st->key, "meta", name, value, strlen(value), &len);
	rc = meta_put(st->db, name, v, (int)len);
	free(v);
	return rc;
}

int
store_meta_int(struct store *st, const char *name, long long *v)
{
	return meta_get_int(st->db, name, v);
}

int
store_set_meta_int(struct store *st, const char *name, long long v)
{
	return meta_put_int(st->db, name, v);
}

int
store_set_remind_at(struct store *st, long long at, struct sw_error *err)
{
	long long old;

	if (meta_get_int(st->db, "remind_at", &old) == 0 && old == at)
		return 0;
	if (meta_put_int(st->db, "remind_at", at) != 0)
		return db_fail(st, err, DB_WRITE);
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

/* "KIND\nCREATED_AT\nJSON" into b. */
static bool
record_plain(struct sbuf *b, const char *kind, long long created_at,
    const char *json, size_t *len)
{
	char	at[32];
	size_t	kl = strlen(kind), al, jl = strlen(json);

	al = (size_t)snprintf(at, sizeof at, "%lld", created_at);
	if (!sbuf_room(b, kl + al + jl + 3))
		return false;
	memcpy(b->p, kind, kl);
	b->p[kl] = '\n';
	memcpy(b->p + kl + 1, at, al);
	b->p[kl + 1 + al] = '\n';
	memcpy(b->p + kl + al + 2, json, jl + 1);
	*len = kl + al + jl + 2;
	return true;
}

/* Split a record's plaintext in place; false when it is not in that form. */
static bool
record_split(char *plain, const char **kind, long long *created_at,
    const char **json)
{
	char	*nl = strchr(plain, '\n'), *nl2, *end;

	if (nl == NULL || (nl2 = strchr(nl + 1, '\n')) == NULL)
		return false;
	*nl = *nl2 = '\0';
	*created_at = strtoll(nl + 1, &end, 10);
	if (end != nl2 || nl == plain)
		return false;
	*kind = plain;
	*json = nl2 + 1;
	return true;
}

static unsigned char *
seal_n(const unsigned char *key, const char *id, long long n, size_t *len)
{
	unsigned char le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)((unsigned long long)n >> (8 * i));
	return seal(key, "records.n", id, le, sizeof le, len);
}

int
store_insert_record(struct store *st, const char *table, long long rowid,
    const char *id, const char *kind, long long created_at, const char *json,
    bool sent, long long n, struct sw_error *err)
{
	struct sbuf	 b = { 0 };
	unsigned char	*body = NULL, *nb = NULL;
	size_t		 blen, nlen, plen;
	sqlite3_stmt	*s = NULL;
	char		*sql;
	int		 rc = -1;

	sql = xasprintf("INSERT INTO %s(rowid, id, body, sent, n) VALUES(?, ?, "
	    "?, ?, ?)", table);
	if (!record_plain(&b, kind, created_at, json, &plen)) {
		sw_fail(err, SW_EIO, _("out of memory"));
		goto out;
	}
	body = seal(st->key, "records", id, b.p, plen, &blen);
	nb = seal_n(st->key, id, n, &nlen);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		db_fail(st, err, DB_WRITE);
		goto out;
	}
	if (rowid > 0)
		sqlite3_bind_int64(s, 1, rowid);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, body, (int)blen, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, sent ? 1 : 0);
	sqlite3_bind_blob(s, 5, nb, (int)nlen, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		db_fail(st, err, DB_WRITE);
	else
		rc = 0;
out:
	sqlite3_finalize(s);
	sbuf_free(&b);
	free(body);
	free(nb);
	free(sql);
	return rc;
}

int
store_put_record(struct store *st, const char *kind, long long created_at,
    const char *json, char *id_out, struct sw_error *err)
{
	unsigned char	raw[STORE_ID_LEN / 2];
	char		id[STORE_ID_LEN + 1];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(id, sizeof id, raw, sizeof raw);
	if (store_insert_record(st, "records", 0, id, kind, created_at, json,
	    false, 0, err) != 0)
		return -1;
	if (id_out)
		memcpy(id_out, id, sizeof id);
	return 0;
}

static int
record_damaged(struct sw_error *err, const char *id)
{
	return sw_fail(err, SW_ECORRUPT, _("Record %s in the profile is "
	    "damaged and cannot be read."), id != NULL ? id : "?");
}

/* One row's header, opened into b. */
static int
row_open(struct store *st, sqlite3_stmt *s, int col, struct sbuf *b,
    const char **kind, long long *at, const char **json,
    struct sw_error *err)
{
	const char *id = (const char *)sqlite3_column_text(s, col);

	if (id == NULL || !unseal_into(st->key, "records", id,
	    sqlite3_column_blob(s, col + 1), (size_t)sqlite3_column_bytes(s,
	    col + 1), b, NULL) || !record_split(b->p, kind, at, json))
		return record_damaged(err, id);
	return 0;
}

struct hit {
	sqlite3_int64	 rowid;
	long long	 at;
};

static int
by_time(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

/* Every record of kind (NULL: all), opened once to read its header. */
static int
find_records(struct store *st, const char *kind, struct hit **out,
    size_t *n, struct sw_error *err)
{
	struct sbuf	 b = { 0 };
	sqlite3_stmt	*s;
	const char	*k, *json;
	long long	 at;
	int		 rc, ret = 0;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT rowid, id, body FROM records "
	    "ORDER BY rowid", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, err, DB_READ);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((ret = row_open(st, s, 1, &b, &k, &at, &json, err)) != 0)
			break;
		if (kind != NULL && strcmp(k, kind) != 0)
			continue;
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[*n].rowid = sqlite3_column_int64(s, 0);
		(*out)[(*n)++].at = at;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(st, err, DB_READ);
	sqlite3_finalize(s);
	sbuf_free(&b);
	if (ret != 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

int
store_each_record(struct store *st, const char *kind, store_record_fn fn,
    void *arg, struct sw_error *err)
{
	struct sbuf	 b = { 0 };
	struct hit	*v;
	sqlite3_stmt	*s;
	const char	*k, *json;
	long long	 at;
	size_t		 n;
	int		 ret;

	if ((ret = find_records(st, kind, &v, &n, err)) != 0)
		return ret;
	if (n > 1)
		qsort(v, n, sizeof *v, by_time);
	if (sqlite3_prepare_v2(st->db, "SELECT id, body FROM records WHERE "
	    "rowid = ?", -1, &s, NULL) != SQLITE_OK) {
		free(v);
		return db_fail(st, err, DB_READ);
	}
	/* One row at a time, so fn may write (enrolling numbers records). */
	for (size_t i = 0; i < n && ret == 0; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, v[i].rowid);
		if (sqlite3_step(s) != SQLITE_ROW)
			ret = db_fail(st, err, DB_READ);
		else if ((ret = row_open(st, s, 0, &b, &k, &at, &json,
		    err)) == 0)
			ret = fn(arg, (const char *)sqlite3_column_text(s, 0), k,
			    at, json);
	}
	sqlite3_finalize(s);
	sbuf_free(&b);
	free(v);
	return ret;
}

int
store_count_records(struct store *st, const char *kind, struct sw_error *err)
{
	struct hit	*v;
	size_t		 n;

	if (find_records(st, kind, &v, &n, err) != 0)
		return -1;
	free(v);
	return (int)n;
}

int
store_record_set_n(struct store *st, const char *id, long long n,
    struct sw_error *err)
{
	unsigned char	*nb;
	size_t		 nlen;
	sqlite3_stmt	*s;
	int		 rc;

	nb = seal_n(st->key, id, n, &nlen);
	if (sqlite3_prepare_v2(st->db, "UPDATE records SET n = ? WHERE id = ?",
	    -1, &s, NULL) != SQLITE_OK) {
		free(nb);
		return db_fail(st, err, DB_WRITE);
	}
	sqlite3_bind_blob(s, 1, nb, (int)nlen, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	free(nb);
	return rc == SQLITE_DONE ? 0 : db_fail(st, err, DB_WRITE);
}

int
store_record_n(struct store *st, const char *id, long long *n,
    struct sw_error *err)
{
	struct sbuf	 b = { 0 };
	sqlite3_stmt	*s;
	size_t		 len = 0;
	int		 rc, ret = 0;

	*n = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT n FROM records WHERE id = ?", -1,
	    &s, NULL) != SQLITE_OK)
		return db_fail(st, err, DB_READ);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!unseal_into(st->key, "records.n", id, sqlite3_column_blob(s,
		    0), (size_t)sqlite3_column_bytes(s, 0), &b, &len) ||
		    len != 8)
			ret = record_damaged(err, id);
		else
			for (int i = 7; i >= 0; i--)
				*n = (long long)(((unsigned long long)*n << 8) |
				    (unsigned char)b.p[i]);
	} else if (rc != SQLITE_DONE)
		ret = db_fail(st, err, DB_READ);
	sqlite3_finalize(s);
	sbuf_free(&b);
	return ret;
}

/* ---- state ---- */

void
store_state_rowkey(struct store *st, const char *name, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof h, (const unsigned char *)name,
	    strlen(name), st->state_key, KEY_LEN);
	sodium_bin2hex(out, 65, h, sizeof h);
}

int
store_put_state_in(struct store *st, const char *table, const char *name,
    const char *json, struct sw_error *err)
{
	struct sbuf	 b = { 0 };
	unsigned char	*body;
	size_t		 blen, nl = strlen(name), jl = strlen(json);
	sqlite3_stmt	*s;
	char		 key[65], *sql;
	int		 rc;

	if (!sbuf_room(&b, nl + jl + 2))
		return sw_fail(err, SW_EIO, _("out of memory"));
	memcpy(b.p, name, nl);
	b.p[nl] = '\n';
	memcpy(b.p + nl + 1, json, jl + 1);
	store_state_rowkey(st, name, key);
	body = seal(st->key, "state", key, b.p, nl + jl + 1, &blen);
	sbuf_free(&b);
	sql = xasprintf("INSERT OR REPLACE INTO %s(key, body) VALUES(?, ?)",
	    table);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		free(body);
		return db_fail(st, err, DB_WRITE);
	}
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, body, (int)blen, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	free(body);
	return rc == SQLITE_DONE ? 0 : db_fail(st, err, DB_WRITE);
}

int
store_put_state(struct store *st, const char *name, const char *json,
    struct sw_error *err)
{
	return store_put_state_in(st, "state", name, json, err);
}

/* "NAME\nJSON" opened into b for the row key: the JSON, or NULL when the
 * row does not open or names another state. */
static const char *
state_open(struct store *st, const char *key, const char *name,
    sqlite3_stmt *s, int col, struct sbuf *b)
{
	char *nl;

	if (!unseal_into(st->key, "state", key, sqlite3_column_blob(s, col),
	    (size_t)sqlite3_column_bytes(s, col), b, NULL) ||
	    (nl = strchr(b->p, '\n')) == NULL)
		return NULL;
	*nl = '\0';
	if (name != NULL && strcmp(b->p, name) != 0)
		return NULL;
	return nl + 1;
}

int
store_get_state(struct store *st, const char *name, char **json,
    struct sw_error *err)
{
	struct sbuf	 b = { 0 };
	sqlite3_stmt	*s;
	const char	*v;
	char		 key[65];
	int		 rc, ret = 0;

	*json = NULL;
	store_state_rowkey(st, name, key);
	if (sqlite3_prepare_v2(st->db, "SELECT body FROM state WHERE key = ?",
	    -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, err, DB_READ);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if ((v = state_open(st, key, name, s, 0, &b)) == NULL)
			ret = sw_fail(err, SW_ECORRUPT, _("Saved state \"%s\" "
			    "is damaged and cannot be read."), name);
		else if ((*json = sodium_malloc(strlen(v) + 1)) == NULL)
			ret = sw_fail(err, SW_EIO, _("out of memory"));
		else
			memcpy(*json, v, strlen(v) + 1);
	} else if (rc != SQLITE_DONE)
		ret = db_fail(st, err, DB_READ);
	sqlite3_finalize(s);
	sbuf_free(&b);
	return ret;
}

void
store_secret_free(char *s)
{
	if (s != NULL)
		sodium_free(s);	/* zeroes before freeing */
}

char *
store_json_print(const cJSON *j)
{
	size_t	 size = 1024;
	char	*buf;

	/* cJSON prints into a buffer of ours only when told its size: try
	 * larger ones until it fits (cJSON wants 5 bytes to spare). */
	for (;;) {
		if ((buf = sodium_malloc(size)) == NULL)
			return NULL;
		if (cJSON_PrintPreallocated((cJSON *)j, buf, (int)size, 0) &&
		    strlen(buf) + 5 < size)
			return buf;
		sodium_free(buf);
		if (size > (64u << 20))
			return NULL;
		size *= 4;
	}
}

int
store_delete_state(struct store *st, const char *name, struct sw_error *err)
{
	sqlite3_stmt	*s;
	char		 key[65];
	int		 rc;

	store_state_rowkey(st, name, key);
	if (sqlite3_prepare_v2(st->db, "DELETE FROM state WHERE key = ?", -1,
	    &s, NULL) != SQLITE_OK)
		return db_fail(st, err, DB_WRITE);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, err, DB_WRITE);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every state's name starting with prefix, sorted; the names are sealed,
 * so every row is opened. */
static int
state_names(struct store *st, const char *prefix, char ***out, size_t *n,
    struct sw_error *err)
{
	struct sbuf	 b = { 0 };
	sqlite3_stmt	*s;
	int		 rc, ret = 0;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT key, body FROM state", -1, &s,
	    NULL) != SQLITE_OK)
		return db_fail(st, err, DB_READ);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(s, 0);

		if (key == NULL || state_open(st, key, NULL, s, 1, &b) ==
		    NULL) {
			ret = sw_fail(err, SW_ECORRUPT, _("Saved state in the "
			    "profile is damaged and cannot be read."));
			break;
		}
		if (strncmp(b.p, prefix, strlen(prefix)) != 0)
			continue;
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = xstrdup(b.p);
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(st, err, DB_READ);
	sqlite3_finalize(s);
	sbuf_free(&b);
	if (*n > 1)
		qsort(*out, *n, sizeof **out, by_name);
	return ret;
}

int
store_each_state_key(struct store *st, const char *prefix,
    int (*fn)(void *, const char *), void *arg, struct sw_error *err)
{
	char	**v;
	size_t	  n;
	int	  ret;

	ret = state_names(st, prefix, &v, &n, err);
	for (size_t i = 0; i < n; i++) {
		if (ret == 0)
			ret = fn(arg, v[i]);
		free(v[i]);
	}
	free(v);
	return ret;
}

/* ---- transactions, for a record and its envelope together ---- */

int
store_begin(struct store *st, struct sw_error *err)
{
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_fail(st, err, DB_WRITE);
	return 0;
}

int
store_commit(struct store *st, struct sw_error *err)
{
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(st, err, DB_WRITE);
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
