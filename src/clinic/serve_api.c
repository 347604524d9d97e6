/* serve_api.c: the endpoints of stepwise-protocol(7) as stepwise-clinic
 * serve answers them: enrollment, record batches stored exactly once,
 * signed message fetches, and health. Each gets a request already checked
 * for size, media type and encoding, and parsed; it checks fields and
 * version, then its own rules, and on any error changes nothing. The
 * server holds no secret key: it checks signatures with public keys only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libintl.h>
#include <sodium.h>

#include "i18n.h"
#include "proto.h"
#include "serve.h"
#include "util.h"

/* ---- small helpers ---- */

static sqlite3_stmt *
prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

static bool
db_begin(sqlite3 *db, struct answer *a)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
		return true;
	answer_unavailable(a, db);
	return false;
}

/* COMMIT, or roll back and answer 503. */
static bool
db_commit(sqlite3 *db, struct answer *a)
{
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return true;
	answer_unavailable(a, db);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

static void
db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static void
bad_request(struct answer *a, const char *msg)
{
	answer_error(a, 400, "bad_request", "%s", msg);
}

/* The checks every body shares: no query, a known v, known fields. */
static bool
body_ok(const struct request *q, struct answer *a, const char *const *keys)
{
	long long v;

	if (q->query != NULL) {
		bad_request(a, _("This endpoint takes no query string."));
		return false;
	}
	if (!proto_int(q->json, "v", &v)) {
		bad_request(a, _("The body needs v, the protocol version."));
		return false;
	}
	if (v != PROTO_VERSION) {
		answer_error(a, 400, "unsupported_version", _("This server "
		    "speaks version %d of the protocol."), PROTO_VERSION);
		return false;
	}
	if (!proto_only_keys(q->json, keys)) {
		bad_request(a, _("The body has a field this version does not "
		    "know."));
		return false;
	}
	return true;
}

static void
rate_limited(struct answer *a, long long wait)
{
	answer_error(a, 429, "rate_limited", _("Too many requests for this "
	    "device; try again in %lld seconds."), wait);
	a->retry_after = wait;
}

static bool
device_rate_ok(const struct request *q, struct answer *a, char bucket,
    const char *device)
{
	char		key[2 + PROTO_ID_LEN];
	long long	wait;

	key[0] = 'd';
	key[1] = bucket;
	memcpy(key + 2, device, PROTO_ID_LEN);
	if ((wait = rate_take(q->srv, key, sizeof key, q->now)) == 0)
		return true;
	rate_limited(a, wait);
	return false;
}

static void
unknown_device(struct answer *a)
{
	answer_error(a, 401, "unknown_device", "%s", _("No device has this "
	    "id."));
}

static void
device_revoked(struct answer *a)
{
	answer_error(a, 403, "device_revoked", "%s", _("The clinic has "
	    "revoked this device. Please contact the clinic."));
}

static bool
blob_is(sqlite3_stmt *s, int col, const unsigned char *v, size_t n)
{
	return (size_t)sqlite3_column_bytes(s, col) == n &&
	    memcmp(sqlite3_column_blob(s, col), v, n) == 0;
}

/* ---- POST /v1/enroll ---- */

struct registration {
	const char	*device;
	unsigned char	 token_pk[32];
	unsigned char	 box_pk[32];
	unsigned char	 sign_pk[32];
	unsigned char	 request_pk[32];
	unsigned char	 signature[64];
};

static bool
registration_parse(const cJSON *j, struct registration *g)
{
	g->device = proto_str(j, "device");
	return proto_id_ok(g->device) &&
	    proto_bin(j, "token_pk", g->token_pk, 32) &&
	    proto_bin(j, "box_pk", g->box_pk, 32) &&
	    proto_bin(j, "sign_pk", g->sign_pk, 32) &&
	    proto_bin(j, "request_pk", g->request_pk, 32) &&
	    proto_bin(j, "signature", g->signature, 64);
}

static void
enrolled(struct answer *a, unsigned status, const char *device,
    long long registered_at)
{
	cJSON_Delete(a->body);
	a->status = status;
	a->body = cJSON_CreateObject();
	cJSON_AddStringToObject(a->body, "device", device);
	cJSON_AddNumberToObject(a->body, "registered_at",
	    (double)registered_at);
}

/* The token is already used: a resend by the same device with the same
 * keys gets the first answer again; anything else is token_used. */
static void
enroll_again(sqlite3 *db, const struct registration *g, const char *used_by,
    struct answer *a)
{
	sqlite3_stmt *s = prep(db, "SELECT box_pk, sign_pk, request_pk, "
	    "registered_at FROM devices WHERE device = ? AND token_pk = ?");

	if (s == NULL) {
		answer_unavailable(a, db);
		return;
	}
	sqlite3_bind_text(s, 1, g->device, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, g->token_pk, 32, SQLITE_STATIC);
	if (strcmp(used_by, g->device) == 0 &&
	    sqlite3_step(s) == SQLITE_ROW && blob_is(s, 0, g->box_pk, 32) &&
	    blob_is(s, 1, g->sign_pk, 32) && blob_is(s, 2, g->request_pk, 32))
		enrolled(a, 200, g->device, sqlite3_column_int64(s, 3));
	else
		answer_error(a, 409, "token_used", "%s", _("This enrollment "
		    "token has already been used."));
	sqlite3_finalize(s);
}

static bool
device_exists(sqlite3 *db, const char *device, bool *exists)
{
	sqlite3_stmt	*s = prep(db, "SELECT 1 FROM devices WHERE device = ?");
	int		 rc;

	if (s == NULL)
		return false;
	sqlite3_bind_text(s, 1, device, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	*exists = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static bool
enroll_store(sqlite3 *db, const struct registration *g, const char *patient,
    long long now)
{
	sqlite3_stmt	*s;
	bool		 ok;

	if ((s = prep(db, "UPDATE tokens SET device = ? WHERE token_pk = ? "
	    "AND device IS NULL")) == NULL)
		return false;
	sqlite3_bind_text(s, 1, g->device, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, g->token_pk, 32, SQLITE_STATIC);
	ok = sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(db) == 1;
	sqlite3_finalize(s);
	if (!ok || (s = prep(db, "INSERT INTO devices(device, token_pk, "
	    "patient, box_pk, sign_pk, request_pk, reg_signature, "
	    "registered_at, last_seen) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")) ==
	    NULL)
		return false;
	sqlite3_bind_text(s, 1, g->device, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, g->token_pk, 32, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, patient, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, g->box_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, g->sign_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 6, g->request_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 7, g->signature, 64, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, now);
	sqlite3_bind_int64(s, 9, now);
	ok = sqlite3_step(s) == SQLITE_DONE;
	sqlite3_finalize(s);
	return ok;
}

void
api_enroll(const struct request *q, struct answer *a)
{
	static const char *const keys[] = { "v", "token_pk", "device",
	    "box_pk", "sign_pk", "request_pk", "signature", NULL };
	struct registration	 g;
	unsigned char		 msg[PROTO_ENROLL_SIGBYTES];
	sqlite3			*db = q->srv->db;
	sqlite3_stmt		*s = NULL;
	char			*patient = NULL, *used_by = NULL;
	long long		 expires_at;
	bool			 exists;
	int			 rc;

	if (!body_ok(q, a, keys))
		return;
	if (!registration_parse(q->json, &g)) {
		bad_request(a, _("A field of the registration is missing or "
		    "not of the right form."));
		return;
	}
	if (!db_begin(db, a))
		return;
	if ((s = prep(db, "SELECT patient, expires_at, device FROM tokens "
	    "WHERE token_pk = ?")) == NULL)
		goto busy;
	sqlite3_bind_blob(s, 1, g.token_pk, 32, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_DONE) {
		answer_error(a, 401, "unknown_token", "%s", _("No enrollment "
		    "token matches this registration."));
		goto out;
	}
	if (rc != SQLITE_ROW)
		goto busy;
	patient = xstrdup((const char *)sqlite3_column_text(s, 0));
	expires_at = sqlite3_column_int64(s, 1);
	if (sqlite3_column_type(s, 2) != SQLITE_NULL)
		used_by = xstrdup((const char *)sqlite3_column_text(s, 2));
	sqlite3_finalize(s);
	s = NULL;

	proto_enroll_bytes(g.token_pk, g.device, g.box_pk, g.sign_pk,
	    g.request_pk, msg);
	if (crypto_sign_verify_detached(g.signature, msg, sizeof msg,
	    g.token_pk) != 0)
		answer_error(a, 401, "bad_signature", "%s", _("The "
		    "registration's signature does not verify."));
	else if (used_by != NULL)
		enroll_again(db, &g, used_by, a);
	else if (q->now > expires_at)
		answer_error(a, 410, "token_expired", "%s", _("This enrollment "
		    "token has expired."));
	else if (!device_exists(db, g.device, &exists))
		goto busy;
	else if (exists)
		answer_error(a, 409, "device_exists", "%s", _("Another token "
		    "already registered this device id."));
	else if (!enroll_store(db, &g, patient, q->now))
		goto busy;
	else if (db_commit(db, a))
		enrolled(a, 201, g.device, q->now);
	goto out;
busy:
	answer_unavailable(a, db);
out:
	sqlite3_finalize(s);
	db_rollback(db);
	free(patient);
	free(used_by);
}

/* ---- POST /v1/records ---- */

struct rec {
	int		 v;		/* the envelope's version */
	const char	*id;		/* as sent; NULL when not a string */
	unsigned char	*ct;
	size_t		 ctlen;
	unsigned char	 sig[64];	/* v1, v2 */
	bool		 run_ok;	/* v3: its run's signature holds */
	const char	*error;
};

/* Precedence among failures: the batch answers with the worst. */
static int
rank(const char *error)
{
	if (error == NULL)
		return 0;
	if (strcmp(error, "bad_signature") == 0)
		return 4;
	if (strcmp(error, "too_large") == 0)
		return 3;
	if (strcmp(error, "bad_record") == 0)
		return 2;
	return 1;	/* duplicate_id */
}

static void
record_check_form(const cJSON *item, struct rec *r)
{
	static const char *const keys[] = { "id", "ciphertext", "signature",
	    NULL };
	const char	*ct;
	int		 rc;

	if (!cJSON_IsObject(item)) {
		r->error = "bad_record";
		return;
	}
	r->v = PROTO_VERSION;
	r->id = proto_str(item, "id");
	if (!proto_only_keys(item, keys) || !proto_id_ok(r->id) ||
	    !proto_bin(item, "signature", r->sig, sizeof r->sig) ||
	    (ct = proto_str(item, "ciphertext")) == NULL) {
		r->error = "bad_record";
		return;
	}
	rc = proto_unb64_alloc(ct, PROTO_MAX_CIPHERTEXT, &r->ct, &r->ctlen);
	if (rc == -2)
		r->error = "too_large";
	else if (rc != 0 || r->ctlen < PROTO_SEAL_EXTRA + PROTO_PAD_BLOCK ||
	    (r->ctlen - PROTO_SEAL_EXTRA) % PROTO_PAD_BLOCK != 0)
		r->error = "bad_record";
}

static bool
record_signed(const char *device, const struct rec *r,
    const unsigned char *sign_pk)
{
	unsigned char	*m;
	size_t		 n;
	int		 rc;

	if (r->v == PROTO_V3)
		return r->run_ok;
	m = proto_envelope_bytes(proto_record_ctx(r->v), device, r->id, r->ct,
	    r->ctlen, &n);
	rc = crypto_sign_verify_detached(r->sig, m, n, sign_pk);
	free(m);
	return rc == 0;
}

/* Check every record, each already read into v (an error set when its
 * form is wrong); true when all pass, else a's answer lists them.
 * *authentic says whether any record's signature verified: whether the
 * batch is known to come from the device it names. */
static bool
records_check(struct rec *v, size_t n, const char *device,
    const unsigned char *sign_pk, bool *authentic, struct answer *a)
{
	const char	*worst = NULL;
	size_t		 i, k, failed = 0;
	cJSON		*rej, *e;

	*authentic = false;
	for (i = 0; i < n; i++) {
		for (k = 0; k < i && v[i].error == NULL; k++)
			if (v[k].id != NULL && v[i].id != NULL &&
			    strcmp(v[k].id, v[i].id) == 0)
				v[i].error = "duplicate_id";
		if (v[i].error == NULL) {
			if (record_signed(device, &v[i], sign_pk))
				*authentic = true;
			else
				v[i].error = "bad_signature";
		}
		if (v[i].error != NULL) {
			failed++;
			if (rank(v[i].error) > rank(worst))
				worst = v[i].error;
		}
	}
	if (failed == 0)
		return true;
	if (strcmp(worst, "bad_signature") == 0)
		answer_error(a, 401, worst, ngettext("%zu record failed its "
		    "signature check; nothing was stored", "%zu records failed "
		    "their checks; nothing was stored", failed), failed);
	else
		answer_error(a, strcmp(worst, "too_large") == 0 ? 413 : 400,
		    worst, ngettext("%zu record was refused; nothing was "
		    "stored", "%zu records were refused; nothing was stored",
		    failed), failed);
	rej = cJSON_AddArrayToObject(a->body, "rejected");
	for (i = 0; i < n; i++) {
		if (v[i].error == NULL)
			continue;
		e = cJSON_CreateObject();
		/* An id that is not one is not echoed back: an error never
		 * carries text of the body's choosing. */
		if (proto_id_ok(v[i].id))
			cJSON_AddStringToObject(e, "id", v[i].id);
		else
			cJSON_AddNullToObject(e, "id");
		cJSON_AddStringToObject(e, "error", v[i].error);
		cJSON_AddItemToArray(rej, e);
	}
	return false;
}

/* Every run of the body, as the clinic checks it again when it opens the
 * records (stepwise-protocol(7), VERSION 3): its prev, its signature, and
 * its records' ids and leaf hashes in order. A run held already is not
 * stored again. */
static bool
runs_store(sqlite3 *db, const struct proto_sync2 *y, long long now)
{
	sqlite3_stmt	*s;
	unsigned char	 ids[PROTO_MAX_BATCH * 16];
	unsigned char	 leaves[PROTO_MAX_BATCH * PROTO_HASH_LEN];
	size_t		 got;
	bool		 ok = true;

	if (y->nruns == 0)
		return true;
	if ((s = prep(db, "INSERT INTO runs(device, prev, signature, ids, "
	    "leaves, received_at) VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT DO "
	    "NOTHING")) == NULL)
		return false;
	for (size_t r = 0; ok && r < y->nruns; r++) {
		const struct proto_run3 *run = &y->run[r];

		for (size_t i = 0; i < run->n; i++) {
			const struct proto_rec2 *rec = &y->rec[run->first + i];

			sodium_hex2bin(ids + 16 * i, 16, rec->id, PROTO_ID_LEN,
			    NULL, &got, NULL);
			proto_leaf3(rec->id, rec->ct, rec->ctlen,
			    leaves + PROTO_HASH_LEN * i);
		}
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, y->device, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 2, run->prev, PROTO_HASH_LEN,
		    SQLITE_STATIC);
		sqlite3_bind_blob(s, 3, run->sig, PROTO_SIG_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(s, 4, ids, (int)(16 * run->n), SQLITE_STATIC);
		sqlite3_bind_blob(s, 5, leaves, (int)(PROTO_HASH_LEN * run->n),
		    SQLITE_STATIC);
		sqlite3_bind_int64(s, 6, now);
		ok = sqlite3_step(s) == SQLITE_DONE;
	}
	sqlite3_finalize(s);
	return ok;
}

/* Store every record not held yet, with its envelope's version, in one
 * transaction; a's answer acknowledges every id (v1: each listed; v2:
 * their number, the batch being the client's to know) and lists the ones
 * already held as duplicates. */
static void
records_store(sqlite3 *db, const char *device, const struct rec *v,
    size_t n, long long now, const struct proto_sync2 *y, struct answer *a)
{
	bool		 v2 = y != NULL;
	sqlite3_stmt	*s = NULL;
	cJSON		*acked, *dup, *body = cJSON_CreateObject();
	size_t		 i;

	acked = v2 ? NULL : cJSON_AddArrayToObject(body, "acked");
	if (v2)
		cJSON_AddNumberToObject(body, "acked", (double)n);
	dup = cJSON_AddArrayToObject(body, "duplicate");
	if (!db_begin(db, a))
		goto out;
	if ((s = prep(db, "INSERT INTO records(device, id, ciphertext, "
	    "signature, received_at, v) VALUES(?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT(device, id) DO NOTHING")) == NULL)
		goto busy;
	for (i = 0; i < n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, device, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, v[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 3, v[i].ct, (int)v[i].ctlen,
		    SQLITE_STATIC);
		/* A version 3 envelope has no signature of its own: its
		 * run's is kept in runs, below. */
		if (v[i].v == PROTO_V3)
			sqlite3_bind_zeroblob(s, 4, 0);
		else
			sqlite3_bind_blob(s, 4, v[i].sig, 64, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, now);
		sqlite3_bind_int(s, 6, v[i].v);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto busy;
		if (acked != NULL)
			cJSON_AddItemToArray(acked,
			    cJSON_CreateString(v[i].id));
		if (sqlite3_changes(db) == 0)
			cJSON_AddItemToArray(dup, cJSON_CreateString(v[i].id));
	}
	sqlite3_finalize(s);
	s = NULL;
	if (y != NULL && !runs_store(db, y, now))
		goto busy;
	s = prep(db, "UPDATE devices SET last_seen = ? WHERE device = ?");
	if (s == NULL)
		goto busy;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, device, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto busy;
	if (db_commit(db, a)) {
		/* Acknowledged only now that the transaction has committed. */
		a->status = 200;
		a->body = body;
		body = NULL;
	}
	goto out;
busy:
	answer_unavailable(a, db);
out:
	sqlite3_finalize(s);
	db_rollback(db);
	cJSON_Delete(body);
}

/* The registered device's signing and request keys; false with a's answer
 * if it is unknown, revoked or the database fails. */
static bool
device_pks(const struct request *q, const char *device,
    unsigned char *sign_pk, unsigned char *request_pk, struct answer *a)
{
	sqlite3_stmt	*s = prep(q->srv->db, "SELECT sign_pk, request_pk, "
			    "revoked_at FROM devices WHERE device = ?");
	bool		 ok = false;
	int		 rc;

	if (s == NULL) {
		answer_unavailable(a, q->srv->db);
		return false;
	}
	sqlite3_bind_text(s, 1, device, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		unknown_device(a);
	else if (rc != SQLITE_ROW || sqlite3_column_bytes(s, 0) != 32 ||
	    sqlite3_column_bytes(s, 1) != 32)
		answer_unavailable(a, q->srv->db);
	else if (sqlite3_column_type(s, 2) != SQLITE_NULL)
		device_revoked(a);
	else {
		memcpy(sign_pk, sqlite3_column_blob(s, 0), 32);
		memcpy(request_pk, sqlite3_column_blob(s, 1), 32);
		ok = true;
	}
	sqlite3_finalize(s);
	return ok;
}

void
api_records(const struct request *q, struct answer *a)
{
	static const char *const keys[] = { "v", "device", "records", NULL };
	const cJSON	*arr;
	const char	*device;
	unsigned char	 sign_pk[32], request_pk[32];
	struct rec	*v = NULL;
	size_t		 n, i;
	bool		 all_pass, authentic;

	if (!body_ok(q, a, keys))
		return;
	device = proto_str(q->json, "device");
	arr = cJSON_GetObjectItemCaseSensitive(q->json, "records");
	if (!proto_id_ok(device) || !cJSON_IsArray(arr) ||
	    cJSON_GetArraySize(arr) < 1) {
		bad_request(a, _("The batch needs device and 1 to 64 "
		    "records."));
		return;
	}
	if ((n = (size_t)cJSON_GetArraySize(arr)) > PROTO_MAX_BATCH) {
		answer_error(a, 413, "too_large", _("A batch holds at most %d "
		    "records."), PROTO_MAX_BATCH);
		return;
	}
	if (!device_pks(q, device, sign_pk, request_pk, a))
		return;
	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++)
		record_check_form(cJSON_GetArrayItem(arr, (int)i), &v[i]);
	all_pass = records_check(v, n, device, sign_pk, &authentic, a);
	/* Only a batch the device signed counts against the device: anyone
	 * can name a device id, and junk in its name must not use up its
	 * limit (the limit per address still counts the junk). */
	if (authentic && !device_rate_ok(q, a, RATE_UPLOAD, device))
		goto out;	/* the 429 replaces any rejection */
	if (all_pass)
		records_store(q->srv->db, device, v, n, q->now, NULL, a);
out:
	for (i = 0; i < n; i++)
		free(v[i].ct);
	free(v);
}

/* ---- GET /v1/messages?after=SEQ ---- */

/* A decimal integer from 0 to 2^53-1, without sign or leading zeros. */
static bool
decimal_ok(const char *s, size_t n, long long *v)
{
	if (n == 0 || n > 16 || strspn(s, "0123456789") < n ||
	    (s[0] == '0' && n > 1))
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = *v * 10 + (s[i] - '0');
	return *v <= 9007199254740991LL;
}

static bool
request_headers_ok(const struct request *q, unsigned char *sig,
    long long *t)
{
	return q->device != NULL && q->time != NULL && q->signature != NULL &&
	    proto_id_ok(q->device) &&
	    decimal_ok(q->time, strlen(q->time), t) &&
	    proto_unb64(q->signature, sig, 64) == 0;
}

/* The device's request key; false with a's answer as for records. */
static bool
request_signed(const struct request *q, const unsigned char *sig,
    struct answer *a)
{
	sqlite3_stmt	*s = prep(q->srv->db, "SELECT request_pk, revoked_at "
			    "FROM devices WHERE device = ?");
	unsigned char	*m;
	size_t		 n;
	bool		 ok = false;
	int		 rc;

	if (s == NULL) {
		answer_unavailable(a, q->srv->db);
		return false;
	}
	sqlite3_bind_text(s, 1, q->device, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		unknown_device(a);
	else if (rc != SQLITE_ROW || sqlite3_column_bytes(s, 0) != 32)
		answer_unavailable(a, q->srv->db);
	else {
		m = proto_request_bytes("GET", q->target, q->time, q->device,
		    "", 0, &n);
		if (crypto_sign_verify_detached(sig, m, n,
		    sqlite3_column_blob(s, 0)) != 0)
			answer_error(a, 401, "bad_signature", "%s", _("The "
			    "request's signature does not verify."));
		else if (sqlite3_column_type(s, 1) != SQLITE_NULL)
			device_revoked(a);
		else
			ok = true;
		free(m);
	}
	sqlite3_finalize(s);
	return ok;
}

/* Up to 32 messages after seq and up to 1 MiB of answer, in seq order. */
static bool
messages_fetch(sqlite3 *db, const char *device, long long after,
    cJSON *body)
{
	sqlite3_stmt	*s = prep(db, "SELECT seq, id, ciphertext, signature "
			    "FROM messages WHERE device = ? AND seq > ? "
			    "ORDER BY seq LIMIT ?");
	cJSON		*list, *m;
	size_t		 total = 64, size, count = 0;
	bool		 more = false;
	char		*b;
	int		 rc;

	if (s == NULL)
		return false;
	list = cJSON_AddArrayToObject(body, "messages");
	sqlite3_bind_text(s, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int(s, 3, PROTO_MAX_MESSAGES + 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		size = (size_t)sqlite3_column_bytes(s, 2) * 4 / 3 + 256;
		if (count == PROTO_MAX_MESSAGES ||
		    (count > 0 && total + size > PROTO_MAX_BODY)) {
			more = true;
			break;
		}
		m = cJSON_CreateObject();
		cJSON_AddNumberToObject(m, "seq",
		    (double)sqlite3_column_int64(s, 0));
		cJSON_AddStringToObject(m, "id",
		    (const char *)sqlite3_column_text(s, 1));
		b = proto_b64(sqlite3_column_blob(s, 2),
		    (size_t)sqlite3_column_bytes(s, 2));
		cJSON_AddStringToObject(m, "ciphertext", b);
		free(b);
		b = proto_b64(sqlite3_column_blob(s, 3),
		    (size_t)sqlite3_column_bytes(s, 3));
		cJSON_AddStringToObject(m, "signature", b);
		free(b);
		cJSON_AddItemToArray(list, m);
		total += size;
		count++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return false;
	cJSON_AddBoolToObject(body, "more", more);
	return true;
}

/* after=N says the device holds every message up to N: the fetched mark
 * (the column delivered). Whoever holds the device's request key can say
 * so, so it is shown as "fetched", never as read. The device cannot hold
 * a message not queued yet, so the mark goes no further than the last
 * message queued for it (after=99999999 must not mark a message queued
 * tomorrow as fetched), and never moves back. */
static bool
mark_fetched(sqlite3 *db, const char *device, long long after,
    long long now)
{
	sqlite3_stmt	*s = prep(db, "UPDATE devices SET delivered = "
			    "max(delivered, min(?1, (SELECT coalesce(max(seq), 0) "
			    "FROM messages WHERE device = ?3))), last_seen = ?2 "
			    "WHERE device = ?3");
	bool		 ok;

	if (s == NULL)
		return false;
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, device, -1, SQLITE_STATIC);
	ok = sqlite3_step(s) == SQLITE_DONE;
	sqlite3_finalize(s);
	return ok;
}

void
api_messages(const struct request *q, struct answer *a)
{
	unsigned char	 sig[64];
	long long	 after, t;
	cJSON		*body;

	if (q->query == NULL || strncmp(q->query, "after=", 6) != 0 ||
	    !decimal_ok(q->query + 6, strlen(q->query + 6), &after)) {
		bad_request(a, _("The query must be after=SEQ, SEQ a whole "
		    "number without leading zeros."));
		return;
	}
	if (!request_headers_ok(q, sig, &t)) {
		answer_error(a, 401, "bad_signature", "%s", _("This request "
		    "needs its X-Stepwise-Device, X-Stepwise-Time and "
		    "X-Stepwise-Signature headers."));
		return;
	}
	if (t > q->now + PROTO_REQUEST_WINDOW ||
	    t < q->now - PROTO_REQUEST_WINDOW) {
		answer_error(a, 401, "stale_request", _("The request's time is "
		    "more than %d seconds from the server's clock."),
		    PROTO_REQUEST_WINDOW);
		cJSON_AddNumberToObject(a->body, "server_time",
		    (double)q->now);
		return;
	}
	if (!request_signed(q, sig, a) ||
	    !device_rate_ok(q, a, RATE_FETCH, q->device))
		return;
	body = cJSON_CreateObject();
	if (!messages_fetch(q->srv->db, q->device, after, body) ||
	    !mark_fetched(q->srv->db, q->device, after, q->now)) {
		cJSON_Delete(body);
		answer_unavailable(a, q->srv->db);
		return;
	}
	a->status = 200;
	a->body = body;
}

/* ---- POST /v2/sync ---- */

/* The request as a whole: its time within the window and its signature
 * under the device's request key; false with a's answer. */
static bool
sync_signed(const struct request *q, const struct proto_sync2 *y,
    const unsigned char *request_pk, struct answer *a)
{
	unsigned char	*m;
	size_t		 n;
	int		 bad;

	if (y->time > q->now + PROTO_REQUEST_WINDOW ||
	    y->time < q->now - PROTO_REQUEST_WINDOW) {
		answer_error(a, 401, "stale_request", _("The request's time is "
		    "more than %d seconds from the server's clock."),
		    PROTO_REQUEST_WINDOW);
		cJSON_AddNumberToObject(a->body, "server_time",
		    (double)q->now);
		return false;
	}
	m = proto_sync2_signed(q->body, y->signed_len, &n);
	bad = crypto_sign_verify_detached(y->sig, m, n, request_pk);
	free(m);
	if (bad)
		answer_error(a, 401, "bad_signature", "%s", _("The request's "
		    "signature does not verify."));
	return !bad;
}

/* The messages after the cursor into a's body, and the fetched mark. */
static void
sync_messages(const struct request *q, const struct proto_sync2 *y,
    struct answer *a)
{
	if (messages_fetch(q->srv->db, y->device, y->after, a->body) &&
	    mark_fetched(q->srv->db, y->device, y->after, q->now))
		return;
	cJSON_Delete(a->body);
	a->body = NULL;
	answer_unavailable(a, q->srv->db);
}

void
api_sync(const struct request *q, struct answer *a)
{
	struct proto_sync2	*y = xcalloc(1, sizeof *y);
	unsigned char		 sign_pk[32], request_pk[32];
	struct rec		 v[PROTO_MAX_BATCH];
	bool			 run_ok[PROTO_MAX_BATCH];
	const char		*why;
	bool			 all_pass, authentic;
	size_t			 i;
	int			 rc;

	memset(v, 0, sizeof v);
	if (q->query != NULL) {
		bad_request(a, _("This endpoint takes no query string."));
		goto out;
	}
	if ((rc = proto_sync2_parse(q->body, q->len, y, &why)) != 0) {
		if (rc == -2)
			answer_error(a, 413, "too_large", "%s", why);
		else
			bad_request(a, why);
		goto out;
	}
	if (!device_pks(q, y->device, sign_pk, request_pk, a) ||
	    !sync_signed(q, y, request_pk, a))
		goto out;
	for (i = 0; i < y->nruns; i++)
		run_ok[i] = proto_run3_ok(y, i, sign_pk);
	for (i = 0; i < y->n; i++) {
		v[i].v = y->rec[i].v;
		v[i].run_ok = v[i].v == PROTO_V3 && run_ok[y->rec[i].run];
		v[i].id = y->rec[i].id;
		memcpy(v[i].sig, y->rec[i].sig, sizeof v[i].sig);
		v[i].ct = xmalloc(y->rec[i].ctlen);
		memcpy(v[i].ct, y->rec[i].ct, y->rec[i].ctlen);
		v[i].ctlen = y->rec[i].ctlen;
	}
	all_pass = records_check(v, y->n, y->device, sign_pk, &authentic, a);
	/* As for /v1/records: only records the device signed count against
	 * its uploads; a sync without records, against its fetches. */
	if (y->n > 0 ? authentic && !device_rate_ok(q, a, RATE_UPLOAD,
	    y->device) : !device_rate_ok(q, a, RATE_FETCH, y->device))
		goto out;
	if (!all_pass)
		goto out;
	if (y->n > 0)
		records_store(q->srv->db, y->device, v, y->n, q->now, y, a);
	else {
		a->status = 200;
		a->body = cJSON_CreateObject();
		cJSON_AddNumberToObject(a->body, "acked", 0);
		cJSON_AddArrayToObject(a->body, "duplicate");
	}
	if (a->status == 200)
		sync_messages(q, y, a);
out:
	for (i = 0; i < PROTO_MAX_BATCH; i++)
		free(v[i].ct);
	free(y);
}

/* ---- GET /v1/health ---- */

void
api_health(const struct request *q, struct answer *a)
{
	sqlite3_stmt	*s;
	cJSON		*v;
	int		 rc = SQLITE_ERROR;

	if (q->query != NULL) {
		bad_request(a, _("This endpoint takes no query string."));
		return;
	}
	if ((s = prep(q->srv->db, "SELECT count(*) FROM sqlite_master")) !=
	    NULL)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW) {
		answer_unavailable(a, q->srv->db);
		return;
	}
	a->status = 200;
	a->body = cJSON_CreateObject();
	cJSON_AddStringToObject(a->body, "status", "ok");
	v = cJSON_AddArrayToObject(a->body, "versions");
	cJSON_AddItemToArray(v, cJSON_CreateNumber(PROTO_VERSION));
	cJSON_AddItemToArray(v, cJSON_CreateNumber(PROTO_V2));
	cJSON_AddItemToArray(v, cJSON_CreateNumber(PROTO_V3));
}
