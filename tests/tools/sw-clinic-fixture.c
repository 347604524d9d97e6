/* sw-clinic-fixture.c: test tool. Puts genuinely signed and sealed rows
 * into a clinic's database, as stepwise-clinic serve would store them, so
 * that the commands that decrypt (results, patients, messages) can be
 * tested on good rows and on each kind of bad one; and opens the messages
 * the clinic queued as the device would. Device keys are kept in a JSON
 * file in the clear: for tests only.
 *
 *   sw-clinic-fixture device CLINIC ENROLLMENT KEYFILE [bad-reg]
 *	register a new device with the enrollment file's token: the device
 *	row with its registration signature, and the token marked used;
 *	bad-reg signs the registration with some other key
 *   sw-clinic-fixture forged CLINIC PATIENT KEYFILE [unused]
 *	a token row for PATIENT signed by a key that is not the clinic's
 *	(the secret key in the file $SW_FIXTURE_SIGN_SK, such as another
 *	clinic's sign.sk, else a new one), and a device correctly
 *	registered with that token (none with unused)
 *   sw-clinic-fixture record CLINIC KEYFILE KIND CREATED_AT [MODE] < JSON
 *	seal {"v":1,"id","device","kind","created_at","record":JSON} to the
 *	clinic, sign it with the device key, store it; print the id. MODE
 *	is bad-sig, inner-id, inner-device, wrong-key, v2, or raw (stdin is
 *	the whole plaintext; @ID@ and @DEVICE@ are replaced); or post, to
 *	print a POST /v1/records body with the record instead of storing it;
 *	or v3, for a version 3 record as a device makes one now: boxed from
 *	the device's signing key, {"v":3,"kind","created_at","n","record"}
 *	numbered and chained after the key file's last (which it updates),
 *	and stored with a run of one in runs, as a sync of it alone would.
 *	KIND risk makes a risk signal (its JSON: measure, item, answer,
 *	answered_at, answered_ts). The time received is now, or
 *	$SW_FIXTURE_RECEIVED_AT, so that tests can order arrivals
 *   sw-clinic-fixture seen CLINIC KEYFILE LAST_SEEN DELIVERED
 *	set the device's last contact and delivered mark, as a fetch would
 *   sw-clinic-fixture plant CLINIC DEVICE [FROM] < TEXT
 *	queue a message for DEVICE (a device id in the database) as the
 *	clinic signs one, with TEXT and FROM as they are, unchecked, as
 *	another or an older stepwise-clinic might send it: sealed to the
 *	device's box key, signed with the clinic's sign.sk; its clinic copy
 *	is one zero byte
 *   sw-clinic-fixture messages CLINIC KEYFILE
 *	one JSON line per message row of the device: seq, id, whether the
 *	clinic's signature verifies, and the plaintext opened with the
 *	device's box key ("plain": null when it does not open)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>
#include <sqlite3.h>

#include "proto.h"
#include "util.h"

struct device {
	char		id[PROTO_ID_LEN + 1];
	unsigned char	box_pk[32], box_sk[32];
	unsigned char	sign_pk[32], sign_sk[64];
	unsigned char	request_pk[32], request_sk[64];
	long long	n;		/* records numbered so far (v3) */
	unsigned char	chain[32];	/* the chain's head (v3) */
};

static void __attribute__((noreturn))
die(const char *what, const char *detail)
{
	fprintf(stderr, "sw-clinic-fixture: %s%s%s\n", what,
	    detail ? ": " : "", detail ? detail : "");
	exit(1);
}

static void
read_bin(const char *dir, const char *name, unsigned char *out, size_t n)
{
	char	*p = name ? xasprintf("%s/%s", dir, name) : xstrdup(dir), *b;
	size_t	 len;

	if ((b = read_file(p, &len)) == NULL || len != n)
		die("cannot read", p);
	memcpy(out, b, n);
	free(b);
	free(p);
}

static sqlite3 *
db_open(const char *dir)
{
	char	*p = xasprintf("%s/db/clinic.db", dir);
	sqlite3	*db;

	if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die("cannot open", p);
	sqlite3_busy_timeout(db, 10000);
	free(p);
	return db;
}

static void
hex_put(cJSON *j, const char *key, const unsigned char *b, size_t n)
{
	char *h = xmalloc(n * 2 + 1);

	sodium_bin2hex(h, n * 2 + 1, b, n);
	cJSON_AddStringToObject(j, key, h);
	free(h);
}

static void
hex_get(const cJSON *j, const char *key, unsigned char *b, size_t n)
{
	const char	*h = cJSON_GetStringValue(cJSON_GetObjectItem(j, key));
	size_t		 got;

	if (h == NULL || sodium_hex2bin(b, n, h, strlen(h), NULL, &got,
	    NULL) != 0 || got != n)
		die("bad key file field", key);
}

static void
device_save(const struct device *d, const char *path)
{
	cJSON	*j = cJSON_CreateObject();
	char	*s;
	FILE	*f;

	cJSON_AddStringToObject(j, "device", d->id);
	hex_put(j, "box_pk", d->box_pk, 32);
	hex_put(j, "box_sk", d->box_sk, 32);
	hex_put(j, "sign_pk", d->sign_pk, 32);
	hex_put(j, "sign_sk", d->sign_sk, 64);
	hex_put(j, "request_pk", d->request_pk, 32);
	hex_put(j, "request_sk", d->request_sk, 64);
	cJSON_AddNumberToObject(j, "n", (double)d->n);
	hex_put(j, "chain", d->chain, 32);
	s = cJSON_Print(j);
	if ((f = fopen(path, "w")) == NULL || fputs(s, f) < 0 ||
	    fclose(f) != 0)
		die("cannot write", path);
	free(s);
	cJSON_Delete(j);
}

static void
device_load(const char *path, struct device *d)
{
	char	*b = read_file(path, NULL);
	cJSON	*j = b ? cJSON_Parse(b) : NULL;
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(j, "device"));
	const cJSON *num;

	if (j == NULL || !proto_id_ok(id))
		die("cannot read the key file", path);
	snprintf(d->id, sizeof d->id, "%s", id);
	hex_get(j, "box_pk", d->box_pk, 32);
	hex_get(j, "box_sk", d->box_sk, 32);
	hex_get(j, "sign_pk", d->sign_pk, 32);
	hex_get(j, "sign_sk", d->sign_sk, 64);
	hex_get(j, "request_pk", d->request_pk, 32);
	hex_get(j, "request_sk", d->request_sk, 64);
	/* Key files from before version 3 have no chain yet. */
	num = cJSON_GetObjectItem(j, "n");
	d->n = cJSON_IsNumber(num) && num->valuedouble >= 0 &&
	    num->valuedouble < 1e15 ? (long long)num->valuedouble : 0;
	memset(d->chain, 0, 32);
	if (cJSON_GetObjectItem(j, "chain") != NULL)
		hex_get(j, "chain", d->chain, 32);
	cJSON_Delete(j);
	free(b);
}

static void
device_new(struct device *d)
{
	memset(d, 0, sizeof *d);
	proto_new_id(d->id);
	crypto_box_keypair(d->box_pk, d->box_sk);
	crypto_sign_keypair(d->sign_pk, d->sign_sk);
	crypto_sign_keypair(d->request_pk, d->request_sk);
}

/* What stepwise-clinic serve stores for POST /v1/enroll. */
static void
store_device(sqlite3 *db, const struct device *d,
    const unsigned char *token_pk, const unsigned char *reg_sig)
{
	sqlite3_stmt	*s;
	long long	 now = (long long)time(NULL);

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO devices(device, token_pk,"
	    " patient, box_pk, sign_pk, request_pk, reg_signature,"
	    " registered_at) SELECT ?1, token_pk, patient, ?3, ?4, ?5, ?6, ?7"
	    " FROM tokens WHERE token_pk = ?2", -1, &s, NULL) != SQLITE_OK)
		die("insert device", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, token_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, d->box_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, d->sign_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, d->request_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 6, reg_sig, 64, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, now);
	if (sqlite3_step(s) != SQLITE_DONE || sqlite3_changes(db) != 1)
		die("insert device (no such token?)", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(db, "UPDATE tokens SET device = ?1"
	    " WHERE token_pk = ?2", -1, &s, NULL) != SQLITE_OK)
		die("mark token", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, token_pk, 32, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die("mark token", sqlite3_errmsg(db));
	sqlite3_finalize(s);
}

static void
register_with(sqlite3 *db, struct device *d, const unsigned char *token_pk,
    const unsigned char *token_sk, const char *keyfile)
{
	unsigned char reg[PROTO_ENROLL_SIGBYTES], sig[64];

	proto_enroll_bytes(token_pk, d->id, d->box_pk, d->sign_pk,
	    d->request_pk, reg);
	crypto_sign_detached(sig, NULL, reg, sizeof reg, token_sk);
	store_device(db, d, token_pk, sig);
	device_save(d, keyfile);
	puts(d->id);
}

static int
cmd_device(int argc, char **argv)
{
	struct device	 d;
	unsigned char	 seed[32], token_pk[32], token_sk[64];
	unsigned char	 other_pk[32], other_sk[64];
	char		*b;
	cJSON		*e;
	sqlite3		*db;
	bool		 bad_reg = argc > 5 && strcmp(argv[5], "bad-reg") == 0;

	if (argc < 5)
		die("usage: device CLINIC ENROLLMENT KEYFILE [bad-reg]", NULL);
	if ((b = read_file(argv[3], NULL)) == NULL ||
	    (e = cJSON_Parse(b)) == NULL ||
	    proto_unb64(cJSON_GetStringValue(cJSON_GetObjectItem(e, "token")),
	    seed, 32) != 0)
		die("cannot read the enrollment file", argv[3]);
	crypto_sign_seed_keypair(token_pk, token_sk, seed);
	db = db_open(argv[2]);
	device_new(&d);
	if (bad_reg) {
		/* A registration the token never signed. */
		crypto_sign_keypair(other_pk, other_sk);
		register_with(db, &d, token_pk, other_sk, argv[4]);
	} else
		register_with(db, &d, token_pk, token_sk, argv[4]);
	sqlite3_close(db);
	cJSON_Delete(e);
	free(b);
	return 0;
}

static int
cmd_forged(int argc, char **argv)
{
	struct device	 d;
	unsigned char	 token_pk[32], token_sk[64], fake_pk[32], fake_sk[64];
	unsigned char	 sig[64], *m;
	sqlite3_stmt	*s;
	sqlite3		*db;
	size_t		 n;
	long long	 exp = (long long)time(NULL) + 86400;

	if (argc != 5 && !(argc == 6 && strcmp(argv[5], "unused") == 0))
		die("usage: forged CLINIC PATIENT KEYFILE [unused]", NULL);
	db = db_open(argv[2]);
	crypto_sign_keypair(token_pk, token_sk);
	crypto_sign_keypair(fake_pk, fake_sk);
	if (getenv("SW_FIXTURE_SIGN_SK") != NULL)
		read_bin(getenv("SW_FIXTURE_SIGN_SK"), NULL, fake_sk, 64);
	m = proto_token_bytes(token_pk, exp, argv[3], &n);
	crypto_sign_detached(sig, NULL, m, n, fake_sk);
	free(m);
	if (sqlite3_prepare_v2(db, "INSERT INTO tokens(token_pk, patient,"
	    " expires_at, signature, created_at) VALUES(?, ?, ?, ?, ?)", -1,
	    &s, NULL) != SQLITE_OK)
		die("insert token", sqlite3_errmsg(db));
	sqlite3_bind_blob(s, 1, token_pk, 32, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, argv[3], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, exp);
	sqlite3_bind_blob(s, 4, sig, 64, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (long long)time(NULL));
	if (sqlite3_step(s) != SQLITE_DONE)
		die("insert token", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	if (argc == 5) {
		device_new(&d);
		register_with(db, &d, token_pk, token_sk, argv[4]);
	}
	sqlite3_close(db);
	return 0;
}

static char *
replace(const char *s, const char *what, const char *with)
{
	const char	*p;
	char		*out = xstrdup(""), *t;

	while ((p = strstr(s, what)) != NULL) {
		t = xasprintf("%s%.*s%s", out, (int)(p - s), s, with);
		free(out);
		out = t;
		s = p + strlen(what);
	}
	t = xasprintf("%s%s", out, s);
	free(out);
	return t;
}

static char *
read_stdin(void)
{
	size_t	 cap = 4096, n = 0, r;
	char	*b = xmalloc(cap + 1);

	while ((r = fread(b + n, 1, cap - n, stdin)) > 0) {
		n += r;
		if (n == cap)
			b = xreallocarray(b, (cap *= 2) + 1, 1);
	}
	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == ' '))
		n--;
	b[n] = '\0';
	return b;
}

/* A version 3 record as a device queues it and serve stores it: boxed
 * from the device's signing key, numbered and chained after the key
 * file's last, and a run of one (its own sync) in runs. */
static int
record_v3(const char *clinic, const char *keyfile, const char *kind,
    const char *created_at, const char *json)
{
	struct device	 d;
	unsigned char	 box_pk[32], prev[32], leaf[32], sig[64], idb[16];
	unsigned char	*ct, *m;
	char		 id[PROTO_ID_LEN + 1], *plain;
	size_t		 ctlen, n;
	sqlite3_stmt	*s;
	sqlite3		*db;
	long long	 now = getenv("SW_FIXTURE_RECEIVED_AT") ?
			     atoll(getenv("SW_FIXTURE_RECEIVED_AT")) :
			     (long long)time(NULL);

	device_load(keyfile, &d);
	read_bin(clinic, "box.pk", box_pk, 32);
	proto_new_id(id);
	plain = xasprintf("{\"v\":3,\"kind\":\"%s\",\"created_at\":%s,"
	    "\"n\":%lld,\"record\":%s}", kind, created_at, d.n + 1, json);
	if ((ct = proto_seal3(plain, id, box_pk, d.sign_sk, &ctlen)) == NULL)
		die("cannot seal", NULL);
	memcpy(prev, d.chain, 32);
	proto_leaf3(id, ct, ctlen, leaf);
	proto_chain3_leaf(prev, leaf, d.chain);
	m = proto_run3_bytes(d.id, d.chain, &n);
	crypto_sign_detached(sig, NULL, m, n, d.sign_sk);
	free(m);
	sodium_hex2bin(idb, 16, id, PROTO_ID_LEN, NULL, NULL, NULL);
	db = db_open(clinic);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO records(device, id,"
	    " ciphertext, signature, received_at, v) VALUES(?, ?, ?, X'', ?,"
	    " 3)", -1, &s, NULL) != SQLITE_OK)
		die("insert record", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, d.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, ct, (int)ctlen, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		die("insert record", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(db, "INSERT INTO runs(device, prev, signature,"
	    " ids, leaves, received_at) VALUES(?, ?, ?, ?, ?, ?)", -1, &s,
	    NULL) != SQLITE_OK)
		die("insert run", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, d.id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, prev, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, sig, 64, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, idb, 16, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, leaf, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now);
	if (sqlite3_step(s) != SQLITE_DONE ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die("insert run", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
	d.n++;
	device_save(&d, keyfile);
	puts(id);
	free(ct);
	free(plain);
	return 0;
}

static int
cmd_record(int argc, char **argv)
{
	struct device	 d;
	unsigned char	 box_pk[32], other_pk[32], other_sk[32], sig[64];
	unsigned char	*ct, *m;
	const char	*tamper = argc > 6 ? argv[6] : "";
	char		*b64ct, *b64sig;
	char		 id[PROTO_ID_LEN + 1], other[PROTO_ID_LEN + 1];
	char		*in, *plain, *t;
	size_t		 ctlen, n;
	sqlite3_stmt	*s;
	sqlite3		*db;

	if (argc < 6)
		die("usage: record CLINIC KEYFILE KIND CREATED_AT [TAMPER]",
		    NULL);
	in = read_stdin();
	if (strcmp(tamper, "v3") == 0) {
		record_v3(argv[2], argv[3], argv[4], argv[5], in);
		free(in);
		return 0;
	}
	device_load(argv[3], &d);
	read_bin(argv[2], "box.pk", box_pk, 32);
	proto_new_id(id);
	proto_new_id(other);
	if (strcmp(tamper, "raw") == 0) {
		t = replace(in, "@ID@", id);
		plain = replace(t, "@DEVICE@", d.id);
		free(t);
	} else
		plain = xasprintf("{\"v\":%d,\"id\":\"%s\",\"device\":\"%s\","
		    "\"kind\":\"%s\",\"created_at\":%s,\"record\":%s}",
		    strcmp(tamper, "v2") == 0 ? 2 : 1,
		    strcmp(tamper, "inner-id") == 0 ? other : id,
		    strcmp(tamper, "inner-device") == 0 ? other : d.id,
		    argv[4], argv[5], in);
	if (strcmp(tamper, "wrong-key") == 0) {
		crypto_box_keypair(other_pk, other_sk);
		memcpy(box_pk, other_pk, 32);
	}
	if ((ct = proto_seal(plain, box_pk, &ctlen)) == NULL)
		die("cannot seal", NULL);
	m = proto_envelope_bytes(PROTO_CTX_RECORD, d.id, id, ct, ctlen, &n);
	crypto_sign_detached(sig, NULL, m, n, d.sign_sk);
	free(m);
	if (strcmp(tamper, "bad-sig") == 0)
		ct[ctlen / 2] ^= 1;	/* changed after signing */
	if (strcmp(tamper, "post") == 0) {
		b64ct = proto_b64(ct, ctlen);
		b64sig = proto_b64(sig, 64);
		printf("{\"v\":1,\"device\":\"%s\",\"records\":[{\"id\":\"%s\","
		    "\"ciphertext\":\"%s\",\"signature\":\"%s\"}]}\n", d.id, id,
		    b64ct, b64sig);
		free(b64ct);
		free(b64sig);
		free(ct);
		free(plain);
		free(in);
		return 0;
	}
	db = db_open(argv[2]);
	if (sqlite3_prepare_v2(db, "INSERT INTO records(device, id,"
	    " ciphertext, signature, received_at) VALUES(?, ?, ?, ?, ?)", -1,
	    &s, NULL) != SQLITE_OK)
		die("insert record", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, d.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, ct, (int)ctlen, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, sig, 64, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, getenv("SW_FIXTURE_RECEIVED_AT") ?
	    atoll(getenv("SW_FIXTURE_RECEIVED_AT")) : (long long)time(NULL));
	if (sqlite3_step(s) != SQLITE_DONE)
		die("insert record", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
	puts(id);
	free(ct);
	free(plain);
	free(in);
	return 0;
}

static int
cmd_seen(int argc, char **argv)
{
	struct device	 d;
	sqlite3_stmt	*s;
	sqlite3		*db;

	if (argc != 6)
		die("usage: seen CLINIC KEYFILE LAST_SEEN DELIVERED", NULL);
	device_load(argv[3], &d);
	db = db_open(argv[2]);
	if (sqlite3_prepare_v2(db, "UPDATE devices SET last_seen = ?,"
	    " delivered = ? WHERE device = ?", -1, &s, NULL) != SQLITE_OK)
		die("update device", sqlite3_errmsg(db));
	sqlite3_bind_int64(s, 1, atoll(argv[4]));
	sqlite3_bind_int64(s, 2, atoll(argv[5]));
	sqlite3_bind_text(s, 3, d.id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE || sqlite3_changes(db) != 1)
		die("update device", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return 0;
}

/* The device's own check of a message (stepwise-protocol(7), What the
 * device checks): the clinic's signature over its own device id, then
 * the seal opened with its box secret key. */
static int
cmd_messages(int argc, char **argv)
{
	struct device	 d;
	unsigned char	 sign_pk[32], *m;
	sqlite3_stmt	*s;
	sqlite3		*db;
	size_t		 n;
	char		*plain, *out;
	cJSON		*j, *p;
	bool		 ok;

	if (argc != 4)
		die("usage: messages CLINIC KEYFILE", NULL);
	device_load(argv[3], &d);
	read_bin(argv[2], "sign.pk", sign_pk, 32);
	db = db_open(argv[2]);
	if (sqlite3_prepare_v2(db, "SELECT seq, id, ciphertext, signature"
	    " FROM messages WHERE device = ? ORDER BY seq", -1, &s,
	    NULL) != SQLITE_OK)
		die("read messages", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, d.id, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 1);

		m = proto_envelope_bytes(PROTO_CTX_MESSAGE, d.id, id,
		    sqlite3_column_blob(s, 2),
		    (size_t)sqlite3_column_bytes(s, 2), &n);
		ok = sqlite3_column_bytes(s, 3) == 64 &&
		    crypto_sign_verify_detached(sqlite3_column_blob(s, 3), m,
		    n, sign_pk) == 0;
		free(m);
		plain = proto_open(sqlite3_column_blob(s, 2),
		    (size_t)sqlite3_column_bytes(s, 2), d.box_pk, d.box_sk);
		j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "seq",
		    (double)sqlite3_column_int64(s, 0));
		cJSON_AddStringToObject(j, "id", id);
		cJSON_AddBoolToObject(j, "signature_ok", ok);
		cJSON_AddNumberToObject(j, "padded",
		    (double)(sqlite3_column_bytes(s, 2) - 48));
		p = plain ? cJSON_Parse(plain) : NULL;
		cJSON_AddItemToObject(j, "plain", p ? p : cJSON_CreateNull());
		cJSON_AddStringToObject(j, "raw", plain ? plain : "");
		out = cJSON_PrintUnformatted(j);
		puts(out);
		free(out);
		cJSON_Delete(j);
		free(plain);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return 0;
}

static int
cmd_plant(int argc, char **argv)
{
	unsigned char	 box_pk[32], sign_sk[64], sig[64], *ct, *m;
	char		 id[PROTO_ID_LEN + 1], *text, *plain;
	size_t		 ctlen, n;
	sqlite3_stmt	*s;
	sqlite3		*db;
	cJSON		*j;

	if (argc != 4 && argc != 5)
		die("usage: plant CLINIC DEVICE [FROM] < TEXT", NULL);
	read_bin(argv[2], "sign.sk", sign_sk, 64);
	db = db_open(argv[2]);
	if (sqlite3_prepare_v2(db, "SELECT box_pk FROM devices WHERE device = ?",
	    -1, &s, NULL) != SQLITE_OK)
		die("read device", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, argv[3], -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_bytes(s, 0) != 32)
		die("no such device", argv[3]);
	memcpy(box_pk, sqlite3_column_blob(s, 0), 32);
	sqlite3_finalize(s);
	proto_new_id(id);
	text = read_stdin();
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "v", 1);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "device", argv[3]);
	cJSON_AddNumberToObject(j, "sent_at", (double)time(NULL));
	if (argc == 5)
		cJSON_AddStringToObject(j, "from", argv[4]);
	cJSON_AddStringToObject(j, "text", text);
	plain = cJSON_PrintUnformatted(j);
	if ((ct = proto_seal(plain, box_pk, &ctlen)) == NULL)
		die("cannot seal", NULL);
	m = proto_envelope_bytes(PROTO_CTX_MESSAGE, argv[3], id, ct, ctlen, &n);
	crypto_sign_detached(sig, NULL, m, n, sign_sk);
	free(m);
	if (sqlite3_prepare_v2(db, "INSERT INTO messages(device, seq, id,"
	    " ciphertext, signature, clinic_copy, queued_at) VALUES(?1,"
	    " (SELECT coalesce(max(seq), 0) + 1 FROM messages"
	    " WHERE device = ?1), ?2, ?3, ?4, X'00', ?5)", -1, &s,
	    NULL) != SQLITE_OK)
		die("insert message", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, argv[3], -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, ct, (int)ctlen, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, sig, 64, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (long long)time(NULL));
	if (sqlite3_step(s) != SQLITE_DONE)
		die("insert message", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
	puts(id);
	cJSON_Delete(j);
	free(plain);
	free(text);
	free(ct);
	return 0;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		die("libsodium", NULL);
	if (argc < 2)
		die("usage: device|forged|record|seen|messages|plant ...", NULL);
	if (strcmp(argv[1], "device") == 0)
		return cmd_device(argc, argv);
	if (strcmp(argv[1], "forged") == 0)
		return cmd_forged(argc, argv);
	if (strcmp(argv[1], "record") == 0)
		return cmd_record(argc, argv);
	if (strcmp(argv[1], "seen") == 0)
		return cmd_seen(argc, argv);
	if (strcmp(argv[1], "messages") == 0)
		return cmd_messages(argc, argv);
	if (strcmp(argv[1], "plant") == 0)
		return cmd_plant(argc, argv);
	die("unknown command", argv[1]);
}
