/* v1_fixture.c: a format 1 profile as Stepwise wrote them before format 2
 * (commit 937aed3's store.c, enrollment.c and outbox.c), written here with
 * that version's SQL and sealing, so that the migration is tested against
 * the real old layout and not against today's code run backwards. The key
 * derivation is made cheap (1 pass, 8 KiB: the header allows it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "proto.h"
#include "util.h"
#include "v1_fixture.h"

#define KEY_LEN		32
#define NONCE_LEN	24

/* Format 1's schema, word for word. */
static const char v1_store[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE records(id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " created_at INTEGER NOT NULL, body BLOB NOT NULL, synced_at INTEGER);"
    "CREATE INDEX records_order ON records(kind, created_at);"
    "CREATE TABLE state(key TEXT PRIMARY KEY, updated_at INTEGER NOT NULL,"
    " body BLOB NOT NULL);"
    "PRAGMA user_version = 1;";
static const char v1_sync[] =
    "CREATE TABLE IF NOT EXISTS sync_state(key TEXT PRIMARY KEY,"
    " value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS outbox(id TEXT PRIMARY KEY,"
    " risk INTEGER NOT NULL, created_at INTEGER NOT NULL,"
    " envelope TEXT NOT NULL, rejected TEXT);"
    "CREATE INDEX IF NOT EXISTS outbox_order ON outbox(risk DESC,"
    " created_at, id);"
    "CREATE TABLE IF NOT EXISTS inbox(id TEXT PRIMARY KEY,"
    " seq INTEGER NOT NULL, ciphertext BLOB NOT NULL,"
    " signature BLOB NOT NULL, received_at INTEGER NOT NULL,"
    " read_at INTEGER);";

static void
die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "v1 fixture: %s: %s\n", what, db ? sqlite3_errmsg(db) :
	    "");
	exit(2);
}

/* version(1) || nonce(24) || ciphertext+tag, AD "stepwise/1/TABLE/ROW". */
static unsigned char *
v1_seal(const unsigned char *key, const char *table, const char *row,
    const char *plain, size_t *len)
{
	size_t			 plen = strlen(plain);
	unsigned char		*out = xmalloc(1 + NONCE_LEN + plen + 16);
	unsigned long long	 clen;
	char			*ad = xasprintf("stepwise/1/%s/%s", table, row);

	out[0] = 1;
	randombytes_buf(out + 1, NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 1 + NONCE_LEN, &clen,
	    (const unsigned char *)plain, plen, (unsigned char *)ad,
	    strlen(ad), NULL, out + 1, key);
	*len = 1 + NONCE_LEN + (size_t)clen;
	free(ad);
	return out;
}

static void
exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql, db);
}

static void
put(sqlite3 *db, const char *sql, const char *a, const void *blob,
    size_t blen, long long n1, long long n2, bool n2_null)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		die(sql, db);
	sqlite3_bind_text(s, 1, a, -1, SQLITE_TRANSIENT);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_blob(s, 2, blob, (int)blen, SQLITE_TRANSIENT);
	if (sqlite3_bind_parameter_count(s) >= 3)
		sqlite3_bind_int64(s, 3, n1);
	if (sqlite3_bind_parameter_count(s) >= 4) {
		if (n2_null)
			sqlite3_bind_null(s, 4);
		else
			sqlite3_bind_int64(s, 4, n2);
	}
	if (sqlite3_step(s) != SQLITE_DONE)
		die(sql, db);
	sqlite3_finalize(s);
}

static void
meta_text(sqlite3 *db, const char *k, const char *v)
{
	put(db, "INSERT INTO meta VALUES(?1, CAST(?2 AS BLOB))", k, v,
	    strlen(v), 0, 0, false);
}

static void
v1_record(sqlite3 *db, const unsigned char *key, const struct v1_record *r)
{
	unsigned char	*body;
	size_t		 len;
	sqlite3_stmt	*s;

	body = v1_seal(key, "records", r->id, r->json, &len);
	if (sqlite3_prepare_v2(db, "INSERT INTO records(id, kind, created_at, "
	    "body, synced_at) VALUES(?, ?, ?, ?, ?)", -1, &s, NULL) !=
	    SQLITE_OK)
		die("record", db);
	sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, r->created_at);
	sqlite3_bind_blob(s, 4, body, (int)len, SQLITE_STATIC);
	if (r->synced_at != 0)
		sqlite3_bind_int64(s, 5, r->synced_at);
	if (sqlite3_step(s) != SQLITE_DONE)
		die("record", db);
	sqlite3_finalize(s);
	free(body);
}

static void
v1_state(sqlite3 *db, const unsigned char *key, const char *name,
    const char *json, long long at)
{
	unsigned char	*body;
	size_t		 len;

	body = v1_seal(key, "state", name, json, &len);
	put(db, "INSERT INTO state(key, body, updated_at) VALUES(?, ?, ?)",
	    name, body, len, at, 0, false);
	free(body);
}

static char *
b64(const unsigned char *v, size_t n)
{
	return proto_b64(v, n);
}

/* A version 1 envelope as format 1 queued it: {"id","ciphertext",
 * "signature"}, no "v", sealed with 256-byte padding to the clinic and
 * signed with "stepwise-record-v1", so that a client of version 2 must
 * still send it, and a clinic still take it, as version 1. */
static char *
v1_envelope(const struct v1_fixture *f, const struct v1_record *r,
    const unsigned char *sign_sk)
{
	unsigned char	*ct, *m, sig[64];
	size_t		 ctlen, mlen;
	char		*plain, *a, *b, *out;

	plain = xasprintf("{\"v\":1,\"id\":\"%s\",\"device\":\"%s\","
	    "\"kind\":\"%s\",\"created_at\":%lld,\"record\":%s}", r->id,
	    f->device, r->kind, r->created_at, r->json);
	if ((ct = proto_seal(plain, f->clinic_box_pk, &ctlen)) == NULL)
		die("seal a v1 envelope", NULL);
	free(plain);
	m = proto_envelope_bytes(PROTO_CTX_RECORD, f->device, r->id, ct, ctlen,
	    &mlen);
	crypto_sign_detached(sig, NULL, m, mlen, sign_sk);
	free(m);
	a = b64(ct, ctlen);
	b = b64(sig, sizeof sig);
	out = xasprintf("{\"id\":\"%s\",\"ciphertext\":\"%s\","
	    "\"signature\":\"%s\"}", r->id, a, b);
	free(a);
	free(b);
	free(ct);
	return out;
}

/* The enrollment's sealed keys as format 1 kept them (no clinic copies),
 * the clear sync state, a queue and two messages. */
static void
v1_enrolled(sqlite3 *db, const unsigned char *key, struct v1_fixture *f)
{
	unsigned char	 box_sk[32], sign_pk[32], sign_sk[64], req_pk[32];
	unsigned char	 req_sk[64];
	char		*a, *b, *c, *d, *json, *sql;

	crypto_box_keypair(f->device_box_pk, box_sk);
	crypto_sign_keypair(sign_pk, sign_sk);
	memcpy(f->device_sign_pk, sign_pk, 32);
	crypto_sign_keypair(req_pk, req_sk);
	proto_new_id(f->device);
	a = b64(f->device_box_pk, 32);
	b = b64(box_sk, 32);
	c = b64(sign_sk, 64);
	json = xasprintf("{\"v\":1,\"device\":\"%s\",\"box_pk\":\"%s\","
	    "\"box_sk\":\"%s\",\"sign_sk\":\"%s\",\"clinic\":\"Test Clinic\","
	    "\"contact\":{\"name\":\"Sam\"},\"crisis\":[],\"previous\":[]}",
	    f->device, a, b, c);
	v1_state(db, key, "sync:keys", json, V1_T_STATE);
	free(a); free(b); free(c); free(json);
	exec(db, v1_sync);
	a = b64(f->clinic_box_pk, 32);
	b = b64(f->clinic_sign_pk, 32);
	c = b64(req_sk, 64);
	d = xasprintf("%lld", (long long)V1_T_ENROLLED);
	sql = xasprintf("INSERT INTO sync_state VALUES('url', "
	    "'http://127.0.0.1:9'), ('device', '%s'), ('clinic_box_pk', '%s'), "
	    "('clinic_sign_pk', '%s'), ('request_sk', '%s'), ('enrolled_at', "
	    "'%s'), ('cursor', '2'), ('failures', '0'), ('bad_messages', '0')",
	    f->device, a, b, c, d);
	exec(db, sql);
	free(a); free(b); free(c); free(d); free(sql);
	/* The queue: the two records not sent, the risk one first. */
	for (size_t i = 0; i < V1_N_RECORDS; i++) {
		const struct v1_record *r = &f->records[i];

		if (r->synced_at != 0)
			continue;
		json = v1_envelope(f, r, sign_sk);
		sql = xasprintf("INSERT INTO outbox(id, risk, created_at, "
		    "envelope) VALUES('%s', %d, %lld, '%s')", r->id,
		    strcmp(r->kind, "risk") == 0, r->created_at, json);
		exec(db, sql);
		free(json);
		free(sql);
	}
	sodium_memzero(box_sk, sizeof box_sk);
	sodium_memzero(sign_sk, sizeof sign_sk);
	sodium_memzero(req_sk, sizeof req_sk);
}

/* A message from the clinic, signed and sealed for the device. */
static void
v1_message(sqlite3 *db, struct v1_fixture *f, size_t i, long long seq,
    long long read_at)
{
	unsigned char	*ct, *m, sig[64];
	size_t		 ctlen, mlen;
	char		*plain;
	sqlite3_stmt	*s;

	proto_new_id(f->messages[i]);
	plain = xasprintf("{\"v\":1,\"id\":\"%s\",\"device\":\"%s\","
	    "\"sent_at\":%lld,\"from\":\"Sam\",\"text\":\"%s\"}",
	    f->messages[i], f->device, V1_T_SENT + (long long)i,
	    i == 0 ? V1_MESSAGE_READ : V1_MESSAGE_NEW);
	if ((ct = proto_seal(plain, f->device_box_pk, &ctlen)) == NULL)
		die("seal a message", NULL);
	free(plain);
	m = proto_envelope_bytes(PROTO_CTX_MESSAGE, f->device, f->messages[i],
	    ct, ctlen, &mlen);
	crypto_sign_detached(sig, NULL, m, mlen, f->clinic_sign_sk);
	free(m);
	if (sqlite3_prepare_v2(db, "INSERT INTO inbox(id, seq, ciphertext, "
	    "signature, received_at, read_at) VALUES(?, ?, ?, ?, ?, ?)", -1, &s,
	    NULL) != SQLITE_OK)
		die("message", db);
	sqlite3_bind_text(s, 1, f->messages[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, seq);
	sqlite3_bind_blob(s, 3, ct, (int)ctlen, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, sig, 64, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, V1_T_RECEIVED + (long long)i);
	if (read_at != 0)
		sqlite3_bind_int64(s, 6, read_at);
	if (sqlite3_step(s) != SQLITE_DONE)
		die("message", db);
	sqlite3_finalize(s);
	free(ct);
}

static void
records_default(struct v1_fixture *f)
{
	static const struct { const char *kind, *json; long long at, sent; }
	    r[V1_N_RECORDS] = {
		/* sent under an earlier enrollment */
		{ "checkin", "{\"measure\":\"phq9\",\"total\":4,\"risk\":false}",
		    V1_T_RECORD0, V1_T_SYNCED0 },
		/* sent under the current one */
		{ "checkin", "{\"measure\":\"gad7\",\"total\":9,\"risk\":false}",
		    V1_T_RECORD1, V1_T_SYNCED1 },
		{ "exercise", "{\"exercise\":\"mood-check\",\"values\":{}}",
		    V1_T_RECORD2, 0 },
		{ "risk", "{\"measure\":\"phq9\",\"item\":9,\"answer\":1}",
		    V1_T_RECORD3, 0 },
	};

	for (size_t i = 0; i < V1_N_RECORDS; i++) {
		proto_new_id(f->records[i].id);
		f->records[i].kind = r[i].kind;
		f->records[i].json = r[i].json;
		f->records[i].created_at = r[i].at;
		f->records[i].synced_at = r[i].sent;
	}
}

void
v1_fixture_write(const char *path, const char *pass, size_t extra,
    struct v1_fixture *f)
{
	unsigned char	 salt[16], key[KEY_LEN], *ver;
	size_t		 len;
	sqlite3		*db;
	char		 ops[] = "1", mem[] = "8192";

	memset(f, 0, sizeof *f);
	records_default(f);
	crypto_box_keypair(f->clinic_box_pk, f->clinic_box_sk);
	crypto_sign_keypair(f->clinic_sign_pk, f->clinic_sign_sk);
	randombytes_buf(salt, sizeof salt);
	if (crypto_pwhash(key, sizeof key, pass, strlen(pass), salt, 1, 8192,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		die("key", NULL);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("open", db);
	exec(db, "BEGIN");
	exec(db, v1_store);
	meta_text(db, "format", "1");
	meta_text(db, "kdf", "argon2id13");
	meta_text(db, "cipher", "xchacha20poly1305-ietf");
	put(db, "INSERT INTO meta VALUES(?, ?)", "salt", salt, sizeof salt, 0,
	    0, false);
	meta_text(db, "opslimit", ops);
	meta_text(db, "memlimit", mem);
	meta_text(db, "passphrase", "1");
	meta_text(db, "created_at", "1700000001");
	ver = v1_seal(key, "meta", "verifier", "stepwise profile key check",
	    &len);
	put(db, "INSERT INTO meta VALUES(?, ?)", "verifier", ver, len, 0, 0,
	    false);
	free(ver);
	for (size_t i = 0; i < V1_N_RECORDS; i++)
		v1_record(db, key, &f->records[i]);
	for (size_t i = 0; i < extra; i++) {
		struct v1_record r = { "", "exercise",
		    "{\"exercise\":\"thought-record\",\"values\":{\"a\":\"x\"}}",
		    V1_T_RECORD3 + 1 + (long long)i, V1_T_SYNCED0 };

		proto_new_id(r.id);
		v1_record(db, key, &r);
	}
	v1_state(db, key, "draft:checkin:phq9", V1_DRAFT_PHQ9, V1_T_STATE);
	v1_state(db, key, "draft:exercise:safety-plan", V1_DRAFT_PLAN,
	    V1_T_STATE);
	v1_state(db, key, "lesson:what-is-cbt", "{\"done\":true}", V1_T_STATE);
	v1_enrolled(db, key, f);
	v1_message(db, f, 0, 1, V1_T_READ);
	v1_message(db, f, 1, 2, 0);
	exec(db, "COMMIT");
	sqlite3_close(db);
	sodium_memzero(key, sizeof key);
}
