/* enrollment.c: the enrollment file, enrolling a profile (device id and
 * keys, the signed registration), and sealing each saved record into the
 * envelope that waits in the outbox (stepwise-protocol(7), ENROLLMENT and
 * RECORDS). Everything here needs the profile unlocked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "i18n.h"
#include "jsonv.h"
#include "outbox.h"
#include "outbox_int.h"
#include "record.h"
#include "sharing.h"
#include "store_int.h"
#include "util.h"

#define CRISIS_MAX	10

static const char *const queued_kinds[] = { "checkin", "exercise", "reply",
    "risk", "lesson", NULL };

/* Nothing telling in clear: the queue's order is its rows' (seq), and
 * which envelopes go first, when, and which messages were read are in
 * sealed state (outbox_int.h). */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS sync_state(key TEXT PRIMARY KEY,"
    " value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE, envelope TEXT NOT NULL, rejected TEXT);"
    "CREATE TABLE IF NOT EXISTS inbox(id TEXT PRIMARY KEY,"
    " seq INTEGER NOT NULL, ciphertext BLOB NOT NULL,"
    " signature BLOB NOT NULL);";

int
sync_tables_make(sqlite3 *db)
{
	return sqlite3_exec(db, schema, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* ---- the enrollment file ---- */

/* A string member on one line, of at most PROTO_TEXT_MAX characters, with
 * nothing that could drive the terminal it is shown on (the rule
 * stepwise-clinic enroll writes by: proto_text_ok). */
static const char *
text_field(struct jctx *c, const cJSON *obj, const char *path,
    const char *key, bool required)
{
	return jv_line(c, obj, path, key, required, PROTO_TEXT_MAX);
}

static void
key_field(struct jctx *c, const cJSON *j, const char *key,
    unsigned char *out)
{
	const char *s = jv_string(c, j, "$", key, true);

	if (s != NULL && proto_unb64(s, out, PROTO_KEY_LEN) != 0)
		jv_error(c, "$", key, "%s", _("must be 32 bytes in base64url "
		    "without padding"));
}

static void
check_contact(struct jctx *c, const cJSON *j)
{
	static const char *const keys[] = { "name", "phone", "email",
	    "hours", NULL };
	const cJSON *o = jv_object(c, j, "$", "contact", true);

	if (o == NULL)
		return;
	jv_only_keys(c, o, "$.contact", keys);
	text_field(c, o, "$.contact", "name", true);
	for (size_t i = 1; keys[i] != NULL; i++)
		text_field(c, o, "$.contact", keys[i], false);
}

static void
check_crisis(struct jctx *c, const cJSON *j)
{
	static const char *const keys[] = { "name", "phone", "note", NULL };
	const cJSON	*a = jv_array(c, j, "$", "crisis", true), *it;
	size_t		 i = 0;
	char		*p;

	if (a == NULL)
		return;
	if (cJSON_GetArraySize(a) > CRISIS_MAX)
		jv_error(c, "$", "crisis", _("may list at most %d contacts"),
		    CRISIS_MAX);
	cJSON_ArrayForEach(it, a) {
		p = jv_path_index("$.crisis", i++);
		if (!cJSON_IsObject(it))
			jv_error(c, p, NULL, "%s", _("must be an object with "
			    "name and phone"));
		else {
			jv_only_keys(c, it, p, keys);
			text_field(c, it, p, "name", true);
			text_field(c, it, p, "phone", true);
			text_field(c, it, p, "note", false);
		}
		free(p);
	}
}

static void
check_fields(struct jctx *c, const cJSON *j, struct enrollment *e)
{
	static const char *const keys[] = { "stepwise_enrollment", "clinic",
	    "url", "clinic_box_pk", "clinic_sign_pk", "token", "expires_at",
	    "tls_pin", "contact", "crisis", "share_default", NULL };
	const cJSON	*v;
	const char	*s, *why;

	jv_only_keys(c, j, "$", keys);
	if ((s = text_field(c, j, "$", "clinic", true)) != NULL)
		e->clinic = xstrdup(s);
	if ((s = jv_string(c, j, "$", "url", true)) != NULL) {
		if (!proto_url_ok(s, &why))
			jv_error(c, "$", "url", "%s", why);
		else
			e->url = xstrdup(s);
	}
	key_field(c, j, "clinic_box_pk", e->box_pk);
	key_field(c, j, "clinic_sign_pk", e->sign_pk);
	if ((s = jv_string(c, j, "$", "token", true)) != NULL &&
	    proto_unb64(s, e->token, PROTO_KEY_LEN) != 0)
		jv_error(c, "$", "token", "%s", _("must be 32 bytes in "
		    "base64url without padding"));
	v = cJSON_GetObjectItemCaseSensitive(j, "expires_at");
	if (v == NULL)
		jv_error(c, "$", "expires_at", "%s", _("is required but "
		    "missing"));
	else if (!proto_int(j, "expires_at", &e->expires_at))
		jv_error(c, "$", "expires_at", "%s", _("must be a whole number "
		    "(a Unix time)"));
	if (cJSON_GetObjectItemCaseSensitive(j, "tls_pin") != NULL &&
	    (s = jv_string(c, j, "$", "tls_pin", false)) != NULL) {
		if (!proto_pin_ok(s))
			jv_error(c, "$", "tls_pin", "%s", _("must be sha256// "
			    "and a base64 SHA-256 hash, several joined by ;"));
		else
			e->tls_pin = xstrdup(s);
	}
	check_contact(c, j);
	check_crisis(c, j);
	e->share_default = SHARE_ASK;
	if (cJSON_GetObjectItemCaseSensitive(j, "share_default") != NULL &&
	    (s = jv_string(c, j, "$", "share_default", false)) != NULL) {
		if (share_default_parse(s) < 0)
			jv_error(c, "$", "share_default", "%s", _("must be ask, "
			    "share or private"));
		else
			e->share_default = share_default_parse(s);
	}
}

/* Parse strictly (stepwise-protocol(7), Conventions), wording a syntax
 * error for the patient rather than for a server log. */
static cJSON *
parse_file(const char *path, struct sw_error *err)
{
	char		*text, why[160];
	const char	*end = NULL;
	size_t		 len;
	cJSON		*j;
	int		 line = 1, col = 1;

	if ((text = read_file(path, &len)) == NULL) {
		sw_fail(err, errno == ENOENT ? SW_ENOENT : SW_EIO,
		    _("Could not read the enrollment file %s: %s"), path,
		    strerror(errno));
		return NULL;
	}
	if ((j = proto_parse(text, len, why, sizeof why)) == NULL) {
		cJSON *loose = strlen(text) == len ?
		    cJSON_ParseWithOpts(text, &end, true) : NULL;

		if (loose == NULL && end != NULL) {
			for (const char *p = text; p < end; p++)
				if (*p == '\n') {
					line++;
					col = 1;
				} else
					col++;
			sw_fail(err, SW_EINVAL, _("%s: line %d, column %d: this "
			    "is not valid JSON, so it is not a usable "
			    "enrollment file"), path, line, col);
		} else
			sw_fail(err, SW_EINVAL, _("%s: this is not a usable "
			    "enrollment file: %s"), path, why);
		json_wipe_delete(loose);
	}
	sodium_memzero(text, len);
	free(text);
	return j;
}

int
enrollment_read(const char *path, struct enrollment *e,
    struct sw_error *err)
{
	struct diags	 d = { 0 };
	struct jctx	 c = { path, &d };
	const cJSON	*v;
	cJSON		*j;
	char		*line;

	memset(e, 0, sizeof *e);
	if ((e->token = sodium_malloc(PROTO_KEY_LEN)) == NULL)
		return sw_fail(err, SW_EIO, _("out of memory"));
	if ((j = parse_file(path, err)) == NULL)
		goto fail;
	/* The version first: a newer file may have fields this one does not
	 * know, and "update Stepwise" is the useful answer. */
	v = cJSON_GetObjectItemCaseSensitive(j, "stepwise_enrollment");
	if (cJSON_IsNumber(v) && v->valuedouble > 1) {
		sw_fail(err, SW_EFORMAT, _("%s was made by a newer version of "
		    "Stepwise (format %g). Please update Stepwise, then "
		    "enroll again."), path, v->valuedouble);
		goto fail;
	}
	if (v == NULL)
		jv_error(&c, "$", "stepwise_enrollment", "%s", _("is missing: "
		    "this is not a Stepwise enrollment file"));
	else if (!cJSON_IsNumber(v) || v->valuedouble != 1)
		jv_error(&c, "$", "stepwise_enrollment", "%s", _("must be 1"));
	check_fields(&c, j, e);
	if (d.n > 0) {
		line = diags_format(&d, 0);
		if (d.n > 1)
			sw_fail(err, SW_EINVAL, _("%s (and %zu more "
			    "problems)"), line, d.n - 1);
		else
			sw_fail(err, SW_EINVAL, "%s", line);
		free(line);
		goto fail;
	}
	e->contact = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(j,
	    "contact"), 1);
	e->crisis = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(j,
	    "crisis"), 1);
	proto_fingerprint(e->box_pk, e->sign_pk, e->fingerprint);
	json_wipe_delete(j);
	diags_free(&d);
	return 0;
fail:
	json_wipe_delete(j);
	diags_free(&d);
	enrollment_free(e);
	return -1;
}

void
enrollment_free(struct enrollment *e)
{
	free(e->clinic);
	free(e->url);
	free(e->tls_pin);
	if (e->token != NULL)
		sodium_free(e->token);
	cJSON_Delete(e->contact);
	cJSON_Delete(e->crisis);
	memset(e, 0, sizeof *e);
}

/* ---- the sealed device keys ---- */

static unsigned char *
secret_from(const cJSON *j, const char *key, size_t len)
{
	unsigned char *sk = sodium_malloc(len);

	if (sk != NULL && proto_unb64(proto_str(j, key), sk, len) != 0) {
		sodium_free(sk);
		sk = NULL;
	}
	return sk;
}

static bool
box_from(const cJSON *j, struct device_box *b)
{
	const char *dev = proto_str(j, "device");

	if (!proto_id_ok(dev) || !proto_bin(j, "box_pk", b->pk,
	    PROTO_KEY_LEN) || (b->sk = secret_from(j, "box_sk",
	    crypto_box_SECRETKEYBYTES)) == NULL)
		return false;
	memcpy(b->device, dev, PROTO_ID_LEN + 1);
	return true;
}

/* The sealed copies of the clinic's address, pin and keys and of the
 * request key (stepwise-protocol(7), THE DEVICE'S STATE). */
static bool
clinic_from(const cJSON *j, struct device_keys *k)
{
	const char *url = proto_str(j, "url"), *pin = proto_str(j, "tls_pin");

	if (url == NULL)
		return true;	/* enrolled before the copies were kept */
	if (!proto_bin(j, "clinic_box_pk", k->clinic_box_pk, PROTO_KEY_LEN) ||
	    !proto_bin(j, "clinic_sign_pk", k->box[0].clinic_sign_pk,
	    PROTO_KEY_LEN) || (k->request_sk = secret_from(j, "request_sk",
	    crypto_sign_SECRETKEYBYTES)) == NULL ||
	    !proto_int(j, "enrolled_at", &k->enrolled_at))
		return false;
	k->url = xstrdup(url);
	k->tls_pin = pin != NULL ? xstrdup(pin) : NULL;
	k->has_clinic = true;
	return true;
}

/* Until the copies are kept, the clinic's signing key is the clear one. */
static bool
clinic_sign_from_clear(struct store *st, struct device_keys *k)
{
	char	*pk = sync_get(store_sqlite(st), "clinic_sign_pk");
	int	 rc = proto_unb64(pk, k->box[0].clinic_sign_pk, PROTO_KEY_LEN);

	free(pk);
	return rc == 0;
}

static void
info_from(const cJSON *j, struct device_keys *k)
{
	k->info = cJSON_CreateObject();
	cJSON_AddStringToObject(k->info, "clinic", proto_str(j, "clinic") ?
	    proto_str(j, "clinic") : "");
	cJSON_AddItemToObject(k->info, "contact", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(j, "contact"), 1));
	cJSON_AddItemToObject(k->info, "crisis", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(j, "crisis"), 1));
}

/* An earlier enrollment's messages are checked against the key of the
 * clinic it was made with, or the current one's where none was kept. */
static void
previous_from(const cJSON *prev, struct device_keys *k)
{
	const cJSON		*it;
	struct device_box	*b;

	cJSON_ArrayForEach(it, prev) {
		b = &k->box[k->n_box];
		if (!box_from(it, b))
			continue;
		if (!proto_bin(it, "clinic_sign_pk", b->clinic_sign_pk,
		    PROTO_KEY_LEN))
			memcpy(b->clinic_sign_pk, k->box[0].clinic_sign_pk,
			    PROTO_KEY_LEN);
		k->n_box++;
	}
}

int
device_keys_load(struct store *st, struct device_keys *k,
    struct sw_error *err)
{
	char		*text;
	cJSON		*j;
	const cJSON	*prev;
	bool		 ok;

	memset(k, 0, sizeof *k);
	if (store_get_state(st, SYNC_KEYS_STATE, &text, err) != 0)
		return -1;
	if (text == NULL)
		return sw_fail(err, SW_ENOENT, _("This profile is not "
		    "connected to a clinic."));
	j = cJSON_Parse(text);
	store_secret_free(text);
	prev = cJSON_GetObjectItemCaseSensitive(j, "previous");
	k->box = xcalloc((size_t)cJSON_GetArraySize(prev) + 1, sizeof *k->box);
	if (cJSON_IsObject(j) && box_from(j, &k->box[0]))
		k->n_box = 1;
	ok = k->n_box == 1 && (k->sign_sk = secret_from(j, "sign_sk",
	    crypto_sign_SECRETKEYBYTES)) != NULL && clinic_from(j, k) &&
	    (k->has_clinic || clinic_sign_from_clear(st, k));
	if (ok) {
		previous_from(prev, k);
		info_from(j, k);
	}
	json_wipe_delete(j);
	if (!ok) {
		device_keys_free(k);
		return sw_fail(err, SW_ECORRUPT, _("The clinic keys in the "
		    "profile are damaged. Ask your clinic for a new enrollment "
		    "file."));
	}
	return 0;
}

void
device_keys_free(struct device_keys *k)
{
	for (size_t i = 0; i < k->n_box; i++)
		sodium_free(k->box[i].sk);
	free(k->box);
	if (k->sign_sk != NULL)
		sodium_free(k->sign_sk);
	if (k->request_sk != NULL)
		sodium_free(k->request_sk);
	cJSON_Delete(k->info);
	free(k->url);
	free(k->tls_pin);
	memset(k, 0, sizeof *k);
}

static void
add_b64(cJSON *j, const char *key, const unsigned char *v, size_t len)
{
	char *b = proto_b64(v, len);

	cJSON_AddStringToObject(j, key, b);
	sodium_memzero(b, strlen(b));
	free(b);
}

/* The clinic copies into a sealed "sync:keys" object (replacing any). */
static void
clinic_put(cJSON *j, const char *url, const char *tls_pin,
    const unsigned char *box_pk, const unsigned char *sign_pk,
    const unsigned char *request_sk, long long enrolled_at)
{
	static const char *const keys[] = { "url", "tls_pin", "clinic_box_pk",
	    "clinic_sign_pk", "request_sk", "enrolled_at", NULL };

	for (size_t i = 0; keys[i] != NULL; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(j, keys[i]);
	cJSON_AddStringToObject(j, "url", url);
	if (tls_pin != NULL)
		cJSON_AddStringToObject(j, "tls_pin", tls_pin);
	add_b64(j, "clinic_box_pk", box_pk, PROTO_KEY_LEN);
	add_b64(j, "clinic_sign_pk", sign_pk, PROTO_KEY_LEN);
	add_b64(j, "request_sk", request_sk, crypto_sign_SECRETKEYBYTES);
	cJSON_AddNumberToObject(j, "enrolled_at", (double)enrolled_at);
}

int
device_keys_seal_clinic(struct store *st, const struct device_keys *k,
    struct sw_error *err)
{
	char	*text;
	cJSON	*j;
	int	 rc;

	if (store_get_state(st, SYNC_KEYS_STATE, &text, err) != 0)
		return -1;
	j = text != NULL ? cJSON_Parse(text) : NULL;
	store_secret_free(text);
	if (!cJSON_IsObject(j)) {
		json_wipe_delete(j);
		return sw_fail(err, SW_ECORRUPT, _("The clinic keys in the "
		    "profile are damaged. Ask your clinic for a new enrollment "
		    "file."));
	}
	clinic_put(j, k->url, k->tls_pin, k->clinic_box_pk,
	    k->box[0].clinic_sign_pk, k->request_sk, k->enrolled_at);
	text = store_json_print(j);
	json_wipe_delete(j);
	rc = text != NULL ? store_put_state(st, SYNC_KEYS_STATE, text, err) :
	    sw_fail(err, SW_EIO, _("out of memory"));
	store_secret_free(text);
	return rc;
}

int
outbox_clinic_info(struct store *st, cJSON **out, struct sw_error *err)
{
	struct device_keys	k;
	char			device[PROTO_ID_LEN + 1];

	*out = NULL;
	if (!sync_device(store_sqlite(st), device))
		return 0;
	if (device_keys_load(st, &k, err) != 0)
		return -1;
	*out = k.info;
	k.info = NULL;
	device_keys_free(&k);
	return 0;
}

/* ---- envelopes ---- */

/* The chain's hash after the last envelope queued: clear sync state, for
 * it only decides which envelopes share a run (a wrong one costs a run's
 * 96 bytes, never a record: each run is signed whole). 32 zero bytes
 * before the first. */
static void
chain_head(sqlite3 *db, unsigned char out[PROTO_HASH_LEN])
{
	char *v = sync_get(db, "chain");

	if (proto_unb64(v, out, PROTO_HASH_LEN) != 0)
		memset(out, 0, PROTO_HASH_LEN);
	free(v);
}

/* Box one record (version 3), sign the chain through it, and put its
 * envelope in the queue with the chain's hash before it. */
static int
envelope_queue(sqlite3 *db, const char *device,
    const unsigned char clinic_box_pk[PROTO_KEY_LEN],
    const unsigned char *sign_sk, const char *id, const char *kind,
    long long created_at, const char *json, long long n,
    struct sw_error *err)
{
	unsigned char	*ct = NULL, *m, sig[PROTO_SIG_LEN];
	unsigned char	 prev[PROTO_HASH_LEN], chain[PROTO_HASH_LEN];
	cJSON		*rec, *j, *env;
	char		*plain, *text, *b;
	size_t		 ctlen, mlen;
	sqlite3_stmt	*s;
	int		 rc;

	if (!proto_id_ok(id))
		return sw_fail(err, SW_EINVAL, _("Record id %s cannot be sent "
		    "to the clinic."), id);
	if ((rec = cJSON_Parse(json)) == NULL || !cJSON_IsObject(rec)) {
		json_wipe_delete(rec);
		return sw_fail(err, SW_ECORRUPT, _("Record %s is not in the "
		    "expected form and cannot be sent to the clinic."), id);
	}
	/* No id or device inside: the box's nonce is the id and its key the
	 * device's, so the clinic knows both from the envelope. */
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "v", PROTO_V3);
	cJSON_AddStringToObject(j, "kind", kind);
	cJSON_AddNumberToObject(j, "created_at", (double)created_at);
	cJSON_AddNumberToObject(j, "n", (double)n);
	cJSON_AddItemToObject(j, "record", rec);
	plain = cJSON_PrintUnformatted(j);
	json_wipe_delete(j);
	if (plain == NULL)
		return sw_fail(err, SW_EIO, _("out of memory"));
	ct = proto_seal3(plain, id, clinic_box_pk, sign_sk, &ctlen);
	wipe_free(plain);
	if (ct == NULL)
		return sw_fail(err, SW_EINVAL, _("This is too long to send to "
		    "your clinic (the limit is about 64,000 characters in "
		    "all). Please make it shorter and save it again."));
	chain_head(db, prev);
	proto_chain3(prev, id, ct, ctlen, chain);
	m = proto_run3_bytes(device, chain, &mlen);
	crypto_sign_detached(sig, NULL, m, mlen, sign_sk);
	free(m);
	/* The envelope's version is kept with it: an envelope is always sent
	 * and checked under the version it was made for (an outbox from
	 * before version 2 holds envelopes without "v", version 1). */
	env = cJSON_CreateObject();
	cJSON_AddNumberToObject(env, "v", PROTO_V3);
	cJSON_AddStringToObject(env, "id", id);
	cJSON_AddItemToObject(env, "ciphertext", cJSON_CreateString(
	    b = proto_b64(ct, ctlen)));
	free(b);
	cJSON_AddItemToObject(env, "prev", cJSON_CreateString(
	    b = proto_b64(prev, sizeof prev)));
	free(b);
	cJSON_AddItemToObject(env, "signature", cJSON_CreateString(
	    b = proto_b64(sig, sizeof sig)));
	free(b);
	free(ct);
	text = cJSON_PrintUnformatted(env);
	cJSON_Delete(env);
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO outbox(id, "
	    "envelope) VALUES(?, ?)", -1, &s, NULL) != SQLITE_OK) {
		free(text);
		return sync_db_fail(db, err);
	}
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	free(text);
	if (rc != SQLITE_DONE)
		return sync_db_fail(db, err);
	b = proto_b64(chain, sizeof chain);
	rc = sync_set(db, "chain", b);
	free(b);
	return rc == 0 ? 0 : sync_db_fail(db, err);
}

bool
queued_kind(const char *kind)
{
	for (size_t i = 0; queued_kinds[i] != NULL; i++)
		if (strcmp(kind, queued_kinds[i]) == 0)
			return true;
	return false;
}

bool
record_is_risk(const char *kind, const char *json)
{
	cJSON	*j;
	bool	 risk;

	if (strcmp(kind, RECORD_RISK) == 0)
		return true;
	j = cJSON_Parse(json);
	risk = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "risk"));
	json_wipe_delete(j);
	return risk;
}

int
id_list_load(struct store *st, const char *name, cJSON **out,
    struct sw_error *err)
{
	char *text;

	*out = NULL;
	if (store_get_state(st, name, &text, err) != 0)
		return -1;
	if (text != NULL)
		*out = cJSON_Parse(text);
	store_secret_free(text);
	if (!cJSON_IsArray(*out)) {
		cJSON_Delete(*out);
		*out = cJSON_CreateArray();
	}
	return 0;
}

bool
id_list_has(const cJSON *a, const char *id)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, a)
		if (cJSON_IsString(it) && strcmp(it->valuestring, id) == 0)
			return true;
	return false;
}

/* The risk-first list gains id; ids that have left the queue go. */
static int
priority_add(struct store *st, const char *id, struct sw_error *err)
{
	sqlite3		*db = store_sqlite(st);
	cJSON		*a, *keep;
	const cJSON	*it;
	char		*text;
	int		 rc;

	if (id_list_load(st, SYNC_PRIORITY_STATE, &a, err) != 0)
		return -1;
	keep = cJSON_CreateArray();
	cJSON_ArrayForEach(it, a) {
		sqlite3_stmt *s;

		if (!cJSON_IsString(it) || strcmp(it->valuestring, id) == 0 ||
		    sqlite3_prepare_v2(db, "SELECT 1 FROM outbox WHERE id = ?",
		    -1, &s, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_text(s, 1, it->valuestring, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			cJSON_AddItemToArray(keep, cJSON_CreateString(
			    it->valuestring));
		sqlite3_finalize(s);
	}
	cJSON_AddItemToArray(keep, cJSON_CreateString(id));
	text = cJSON_PrintUnformatted(keep);
	rc = store_put_state(st, SYNC_PRIORITY_STATE, text, err);
	free(text);
	cJSON_Delete(a);
	cJSON_Delete(keep);
	return rc;
}

/* The device's next counter number, moved on in the same transaction. */
static int
counter_next(struct store *st, long long *n, struct sw_error *err)
{
	char		*text, next[48];
	cJSON		*j;
	long long	 v = 0;

	if (store_get_state(st, SYNC_COUNTER_STATE, &text, err) != 0)
		return -1;
	j = text != NULL ? cJSON_Parse(text) : NULL;
	store_secret_free(text);
	if (!proto_int(j, "next", &v) || v < 1)
		v = 1;
	cJSON_Delete(j);
	*n = v;
	snprintf(next, sizeof next, "{\"next\":%lld}", v + 1);
	return store_put_state(st, SYNC_COUNTER_STATE, next, err);
}

int
envelope_queue_keys(struct store *st, const struct device_keys *k,
    const char *id, const char *kind, long long created_at, const char *json,
    bool risk, long long n, struct sw_error *err)
{
	if (n <= 0 && (counter_next(st, &n, err) != 0 ||
	    store_record_set_n(st, id, n, err) != 0))
		return -1;
	if (risk && priority_add(st, id, err) != 0)
		return -1;
	return envelope_queue(store_sqlite(st), k->box[0].device,
	    k->clinic_box_pk, k->sign_sk, id, kind, created_at, json, n, err);
}

/* Where the record goes is the sealed state's to say, never the clear
 * sync_state's, which anyone who can write the file may change; whether
 * it goes at all is the patient's (sharing.h). */
int
outbox_add_record(struct store *st, const char *id, const char *kind,
    long long created_at, const char *json, bool risk,
    struct sw_error *err)
{
	struct device_keys	k;
	struct sw_error		none = { 0 };
	struct sharing		*sh;
	bool			 goes;
	int			rc;

	if (sharing_load(st, &sh, err) != 0)
		return -1;
	goes = sharing_allows(sh, id, kind);
	sharing_free(sh);
	if (!goes)
		return 0;	/* private: kept here only */

	if (device_keys_load(st, &k, &none) != 0) {
		if (none.code == SW_ENOENT)
			return 0;	/* not enrolled: enrolling will queue it */
		*err = none;
		return -1;
	}
	/* Enrolled before the sealed copies: outbox_verify_at_unlock makes
	 * them at unlock, so only a tool that opened the store without it
	 * comes here. */
	rc = k.has_clinic ? 0 : sealed_copies_adopt(st, &k, err);
	if (rc == 0)
		rc = envelope_queue_keys(st, &k, id, kind, created_at, json,
		    risk, 0, err);
	device_keys_free(&k);
	return rc;
}

int
outbox_save_record(struct store *st, const char *kind, long long created_at,
    const char *json, bool risk, const char *draft, int share, char *id_out,
    struct sw_error *err)
{
	char id[STORE_ID_LEN + 1];

	if (store_begin(st, err) != 0)
		return -1;
	if (store_put_record(st, kind, created_at, json, id, err) != 0 ||
	    (share >= 0 && sharing_set(st, id, share != 0, err) != 0) ||
	    outbox_add_record(st, id, kind, created_at, json, risk,
	    err) != 0 ||
	    (draft != NULL && store_delete_state(st, draft, err) != 0)) {
		store_rollback(st);
		return -1;
	}
	if (store_commit(st, err) != 0)
		return -1;
	if (id_out != NULL)
		memcpy(id_out, id, sizeof id);
	return 0;
}

/* ---- enrolling ---- */


int
outbox_record_sent(struct store *st, const char *id)
{
	return record_sent(store_sqlite(st), id);
}

int
outbox_remove_record(struct store *st, const char *id, struct sw_error *err)
{
	sqlite3		*db = store_sqlite(st);
	sqlite3_stmt	*s;
	int		 rc;

	if (!sync_tables_exist(db))
		return 0;
	if (sqlite3_prepare_v2(db, "DELETE FROM outbox WHERE id = ?", -1, &s,
	    NULL) != SQLITE_OK)
		return sync_db_fail(db, err);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sync_db_fail(db, err);
	/* No longer this enrollment's: a restore after a redirect must not
	 * queue it again. */
	return store_record_set_n(st, id, 0, err);
}

int
record_sent(sqlite3 *db, const char *id)
{
	sqlite3_stmt	*s;
	int		 sent = -1;

	if (sqlite3_prepare_v2(db, "SELECT sent FROM records WHERE id = ?", -1,
	    &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		sent = sqlite3_column_int(s, 0) != 0;
	sqlite3_finalize(s);
	return sent;
}

struct earlier_walk {
	struct store		*st;
	struct sharing		*sh;
	struct earlier		*e;
};

static int
earlier_seen(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	struct earlier_walk	*w = arg;
	int			 sent;

	(void)at;
	(void)json;
	if (!queued_kind(kind))
		return 0;
	if ((sent = record_sent(store_sqlite(w->st), id)) != 0)
		return sent < 0 ? -1 : 0;
	if (strcmp(kind, RECORD_LESSON) == 0)
		w->e->lessons++;
	else if (strcmp(kind, RECORD_EXERCISE) != 0)
		w->e->checkins++;
	else if (sharing_allows(w->sh, id, kind))
		w->e->shared_entries++;
	else
		w->e->private_entries++;
	return 0;
}

int
outbox_count_earlier(struct store *st, struct earlier *e,
    struct sw_error *err)
{
	struct earlier_walk	w = { st, NULL, e };
	int			rc;

	memset(e, 0, sizeof *e);
	if (sharing_load(st, &w.sh, err) != 0)
		return -1;
	rc = store_each_record(st, NULL, earlier_seen, &w, err);
	sharing_free(w.sh);
	return rc == 0 ? 0 : sw_fail(err, SW_EIO, _("Could not count what "
	    "is already in the profile."));
}

/* The device's new secrets, all in sodium_malloc'd memory. */
struct new_keys {
	char		 device[PROTO_ID_LEN + 1];
	unsigned char	 box_pk[PROTO_KEY_LEN];
	unsigned char	 sign_pk[PROTO_KEY_LEN];
	unsigned char	 request_pk[PROTO_KEY_LEN];
	unsigned char	*box_sk;
	unsigned char	*sign_sk;
	unsigned char	*request_sk;
};

static void
new_keys_free(struct new_keys *n)
{
	if (n->box_sk != NULL)
		sodium_free(n->box_sk);
	if (n->sign_sk != NULL)
		sodium_free(n->sign_sk);
	if (n->request_sk != NULL)
		sodium_free(n->request_sk);
	memset(n, 0, sizeof *n);
}

static int
new_keys_make(struct new_keys *n, struct sw_error *err)
{
	memset(n, 0, sizeof *n);
	n->box_sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	n->sign_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	n->request_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (n->box_sk == NULL || n->sign_sk == NULL || n->request_sk == NULL) {
		new_keys_free(n);
		return sw_fail(err, SW_EIO, _("out of memory"));
	}
	proto_new_id(n->device);
	crypto_box_keypair(n->box_pk, n->box_sk);
	crypto_sign_keypair(n->sign_pk, n->sign_sk);
	crypto_sign_keypair(n->request_pk, n->request_sk);
	return 0;
}

/* POST /v1/enroll, signed with the token key over proto_enroll_bytes. */
static char *
registration_body(const struct enrollment *e, const struct new_keys *n,
    struct sw_error *err)
{
	unsigned char	 token_pk[PROTO_KEY_LEN], sig[PROTO_SIG_LEN];
	unsigned char	 m[PROTO_ENROLL_SIGBYTES], *token_sk;
	cJSON		*j;
	char		*body;

	if ((token_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL) {
		sw_fail(err, SW_EIO, _("out of memory"));
		return NULL;
	}
	crypto_sign_seed_keypair(token_pk, token_sk, e->token);
	proto_enroll_bytes(token_pk, n->device, n->box_pk, n->sign_pk,
	    n->request_pk, m);
	crypto_sign_detached(sig, NULL, m, sizeof m, token_sk);
	sodium_free(token_sk);
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "v", PROTO_VERSION);
	add_b64(j, "token_pk", token_pk, sizeof token_pk);
	cJSON_AddStringToObject(j, "device", n->device);
	add_b64(j, "box_pk", n->box_pk, sizeof n->box_pk);
	add_b64(j, "sign_pk", n->sign_pk, sizeof n->sign_pk);
	add_b64(j, "request_pk", n->request_pk, sizeof n->request_pk);
	add_b64(j, "signature", sig, sizeof sig);
	body = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return body;
}

/* The sealed "sync:keys" state. An earlier enrollment's box keys are kept
 * (under "previous") so that its messages can still be read. */
static char *
sealed_keys_json(const struct enrollment *e, const struct new_keys *n,
    const struct device_keys *old, long long now)
{
	cJSON	*j = cJSON_CreateObject(), *prev, *p;
	char	*text;

	cJSON_AddNumberToObject(j, "v", 1);
	cJSON_AddStringToObject(j, "device", n->device);
	add_b64(j, "box_pk", n->box_pk, sizeof n->box_pk);
	add_b64(j, "box_sk", n->box_sk, crypto_box_SECRETKEYBYTES);
	add_b64(j, "sign_sk", n->sign_sk, crypto_sign_SECRETKEYBYTES);
	cJSON_AddStringToObject(j, "clinic", e->clinic);
	cJSON_AddItemToObject(j, "contact", cJSON_Duplicate(e->contact, 1));
	cJSON_AddItemToObject(j, "crisis", cJSON_Duplicate(e->crisis, 1));
	clinic_put(j, e->url, e->tls_pin, e->box_pk, e->sign_pk, n->request_sk,
	    now);
	prev = cJSON_AddArrayToObject(j, "previous");
	for (size_t i = 0; old != NULL && i < old->n_box; i++) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "device", old->box[i].device);
		add_b64(p, "box_pk", old->box[i].pk, PROTO_KEY_LEN);
		add_b64(p, "box_sk", old->box[i].sk, crypto_box_SECRETKEYBYTES);
		add_b64(p, "clinic_sign_pk", old->box[i].clinic_sign_pk,
		    PROTO_KEY_LEN);
		cJSON_AddItemToArray(prev, p);
	}
	text = cJSON_PrintUnformatted(j);
	json_wipe_delete(j);
	return text;
}

static int
clear_state_save(sqlite3 *db, const struct enrollment *e,
    const struct new_keys *n, const char *registration, long long now)
{
	char	*b;
	int	 rc;

	if (sync_set(db, "url", e->url) != 0 ||
	    (e->tls_pin != NULL && sync_set(db, "tls_pin", e->tls_pin) != 0) ||
	    sync_set(db, "device", n->device) != 0 ||
	    sync_set(db, "registration", registration) != 0 ||
	    sync_set_int(db, "enrolled_at", now) != 0 ||
	    sync_set_int(db, "cursor", 0) != 0 ||
	    sync_set_int(db, "failures", 0) != 0 ||
	    sync_set_int(db, "bad_messages", 0) != 0)
		return -1;
	b = proto_b64(e->box_pk, PROTO_KEY_LEN);
	rc = sync_set(db, "clinic_box_pk", b);
	free(b);
	b = proto_b64(e->sign_pk, PROTO_KEY_LEN);
	rc |= sync_set(db, "clinic_sign_pk", b);
	free(b);
	/* The request key is the one secret in clear (mode 0600 file): it
	 * lets "stepwise sync" fetch ciphertexts without the passphrase, and
	 * can neither read a message nor sign a record. */
	b = proto_b64(n->request_sk, crypto_sign_SECRETKEYBYTES);
	rc |= sync_set(db, "request_sk", b);
	wipe_free(b);
	return rc;
}

struct env_walk {
	struct store		*st;
	struct device_keys	 k;
	struct sharing		*sh;
	bool			 send_earlier;
	struct sw_error		*err;
};

/* The new enrollment numbers from 1 what it queues; a record sent under
 * an earlier one has no number under this one. */
static int
envelope_each(void *arg, const char *id, const char *kind,
    long long created_at, const char *json)
{
	struct env_walk	*w = arg;
	int		 sent;

	if (!queued_kind(kind))
		return 0;
	if ((sent = record_sent(store_sqlite(w->st), id)) < 0)
		return sync_db_fail(store_sqlite(w->st), w->err);
	if (sent)	/* acknowledged under an earlier enrollment */
		return store_record_set_n(w->st, id, 0, w->err);
	/* Made before joining: an entry goes only if it was shared; the
	 * check-ins (and their risk answers) only if the patient said so now,
	 * and if not, they stay here for good. */
	if (!sharing_allows(w->sh, id, kind))
		return store_record_set_n(w->st, id, 0, w->err);
	if (!w->send_earlier && strcmp(kind, RECORD_EXERCISE) != 0) {
		if (sharing_set(w->st, id, false, w->err) != 0)
			return -1;
		return store_record_set_n(w->st, id, 0, w->err);
	}
	return envelope_queue_keys(w->st, &w->k, id, kind, created_at, json,
	    record_is_risk(kind, json), 0, w->err);
}

/* After the new sealed keys are kept, in the same transaction. */
static int
queue_existing(struct store *st, bool send_earlier, struct sw_error *err)
{
	struct env_walk	w = { st, { 0 }, NULL, send_earlier, err };
	int		rc;

	if (store_delete_state(st, SYNC_COUNTER_STATE, err) != 0 ||
	    store_delete_state(st, SYNC_PRIORITY_STATE, err) != 0 ||
	    sharing_load(st, &w.sh, err) != 0)
		return -1;
	if (device_keys_load(st, &w.k, err) != 0) {
		sharing_free(w.sh);
		return -1;
	}
	rc = store_each_record(st, NULL, envelope_each, &w, err);
	device_keys_free(&w.k);
	sharing_free(w.sh);
	return rc == 0 ? 0 : -1;
}

/* SW_EEXIST while enrolled; a device the clinic refused (stopped) may
 * enroll again with a new file, keeping its old box keys (in *old). */
static int
check_not_enrolled(struct store *st, struct device_keys *old,
    struct sw_error *err)
{
	sqlite3	*db = store_sqlite(st);
	char	 device[PROTO_ID_LEN + 1], *stopped, *url;

	memset(old, 0, sizeof *old);
	if (!sync_device(db, device))
		return 0;
	stopped = sync_get(db, "stopped");
	if (stopped != NULL) {
		free(stopped);
		/* Damaged old keys only cost the old messages. */
		if (device_keys_load(st, old, NULL) != 0)
			memset(old, 0, sizeof *old);
		return 0;
	}
	url = sync_get(db, "url");
	sw_fail(err, SW_EEXIST, _("This profile is already enrolled with a "
	    "clinic (%s). Nothing was changed."), url ? url : "?");
	free(url);
	return -1;
}

/* Whether the enrollment is with the clinic the old keys were for (a
 * first enrollment, or old keys that could not be read, are not). */
static bool
same_clinic(const struct device_keys *old, const struct enrollment *e)
{
	return old->n_box > 0 && sodium_memcmp(old->box[0].clinic_sign_pk,
	    e->sign_pk, PROTO_KEY_LEN) == 0;
}

int
outbox_enroll(struct store *st, const struct enrollment *e, long long now,
    bool send_earlier, struct sw_error *err)
{
	sqlite3			*db = store_sqlite(st);
	struct new_keys		 n;
	struct device_keys	 old;
	char			*reg = NULL, *sealed = NULL, when[32];
	int			 rc = -1;

	if (e->expires_at <= now) {
		format_rfc3339(e->expires_at, when, sizeof when);
		when[10] = '\0';
		return sw_fail(err, SW_EINVAL, _("This enrollment file expired "
		    "on %s. Ask %s for a new one."), when, e->clinic);
	}
	if (check_not_enrolled(st, &old, err) != 0)
		return -1;
	if (new_keys_make(&n, err) != 0) {
		device_keys_free(&old);
		return -1;
	}
	if ((reg = registration_body(e, &n, err)) == NULL)
		goto out;
	sealed = sealed_keys_json(e, &n, &old, now);
	if (store_begin(st, err) != 0)
		goto out;
	/* A new enrollment replaces the old one's state and queue; the
	 * records are queued again below, sealed under the new keys. What
	 * the old clinic may hold (records of a request cut off before its
	 * answer, and marks of one still out) is kept: the patient is told
	 * so if they make such an entry private, naming the clinic only when
	 * the new enrollment is with the same one (the same signing key). */
	if (sync_tables_make(db) != 0 ||
	    sync_state_clear_for_enrollment(db, same_clinic(&old, e)) != 0 ||
	    sqlite3_exec(db, "DELETE FROM outbox", NULL, NULL, NULL) !=
	    SQLITE_OK ||
	    clear_state_save(db, e, &n, reg, now) != 0) {
		sync_db_fail(db, err);
		goto fail;
	}
	if (store_put_state(st, SYNC_KEYS_STATE, sealed, err) != 0 ||
	    sharing_set_default(st, e->share_default, err) != 0 ||
	    queue_existing(st, send_earlier, err) != 0)
		goto fail;
	if (store_commit(st, err) != 0)
		goto out;
	rc = 0;
	goto out;
fail:
	store_rollback(st);
out:
	free(reg);
	wipe_free(sealed);
	new_keys_free(&n);
	device_keys_free(&old);
	return rc;
}

size_t
outbox_clinic_crisis(const cJSON *info, struct clinic_contact *out,
    size_t max)
{
	const cJSON	*c;
	size_t		 n = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(info, "crisis")) {
		const char *name = proto_str(c, "name");
		const char *phone = proto_str(c, "phone");

		if (n == max || name == NULL || phone == NULL)
			continue;
		out[n].name = name;
		out[n].phone = phone;
		out[n].note = proto_str(c, "note");
		n++;
	}
	return n;
}
