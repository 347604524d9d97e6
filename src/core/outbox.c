/* outbox.c: the clear sync state of a profile (stepwise-protocol(7)): the
 * queue of sealed envelopes in send order, acknowledgements, signed
 * requests, message ciphertexts and their cursor, and backoff. Nothing here
 * needs the passphrase, so "stepwise sync" can run from cron. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "i18n.h"
#include "outbox.h"
#include "outbox_int.h"
#include "store_int.h"
#include "util.h"

#define BACKOFF_FIRST	30	/* seconds after the first failure */
#define BACKOFF_MAX	1800	/* 30 minutes */

struct outbox {
	sqlite3		*db;
	struct store	*st;		/* unlocked: the sealed state rules */
	bool		 own;		/* opened by outbox_open */
	bool		 nested;	/* tx_begin made a savepoint */
	bool		 enrolled;
	char		 device[PROTO_ID_LEN + 1];
	char		*url;
	char		*tls_pin;
	unsigned char	 clinic_sign_pk[PROTO_KEY_LEN];
};

/* ---- clear sync state ---- */

bool
sync_tables_exist(sqlite3 *db)
{
	sqlite3_stmt	*s;
	int		 n = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('sync_state', 'outbox', 'inbox')",
	    -1, &s, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n == 3;
}

char *
sync_get(sqlite3 *db, const char *key)
{
	sqlite3_stmt	*s;
	char		*v = NULL;

	if (sqlite3_prepare_v2(db, "SELECT value FROM sync_state WHERE "
	    "key = ?", -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return v;
}

long long
sync_get_int(sqlite3 *db, const char *key, long long dflt)
{
	char		*v = sync_get(db, key), *end;
	long long	 n;

	if (v == NULL)
		return dflt;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0')
		n = dflt;
	free(v);
	return n;
}

int
sync_set(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO sync_state(key, "
	    "value) VALUES(?, ?)", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
sync_set_int(sqlite3 *db, const char *key, long long v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", v);
	return sync_set(db, key, buf);
}

int
sync_del(sqlite3 *db, const char *key)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(db, "DELETE FROM sync_state WHERE key = ?", -1,
	    &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
sync_db_fail(sqlite3 *db, struct sw_error *err)
{
	return sw_fail(err, SW_EIO, _("Stepwise could not keep track of "
	    "what goes to your clinic: %s"), store_db_words(db));
}

bool
sync_device(sqlite3 *db, char device[PROTO_ID_LEN + 1])
{
	char	*v;
	bool	 ok;

	if (!sync_tables_exist(db) || (v = sync_get(db, "device")) == NULL)
		return false;
	if ((ok = proto_id_ok(v)))
		memcpy(device, v, PROTO_ID_LEN + 1);
	free(v);
	return ok;
}

/* ---- opening ---- */

/* Unlocked, the sealed copies say where to go and whom to believe. */
static int
load_sealed(struct outbox *ob, struct sw_error *err)
{
	struct device_keys	k;
	struct sw_error		none = { 0 };

	if (device_keys_load(ob->st, &k, &none) != 0) {
		if (none.code == SW_ENOENT)
			return 0;
		*err = none;
		return -1;
	}
	if (!k.has_clinic) {
		device_keys_free(&k);
		return sw_fail(err, SW_ECORRUPT, _("The clinic settings in "
		    "this profile have not been checked since it was opened. "
		    "Please close Stepwise and open it again."));
	}
	memcpy(ob->device, k.box[0].device, sizeof ob->device);
	memcpy(ob->clinic_sign_pk, k.box[0].clinic_sign_pk, PROTO_KEY_LEN);
	ob->url = xstrdup(k.url);
	ob->tls_pin = k.tls_pin != NULL ? xstrdup(k.tls_pin) : NULL;
	ob->enrolled = sync_tables_exist(ob->db);
	device_keys_free(&k);
	return 0;
}

static int
load(struct outbox *ob, struct sw_error *err)
{
	char *pk;

	if (ob->st != NULL)
		return load_sealed(ob, err);
	if (!sync_device(ob->db, ob->device))
		return 0;	/* not enrolled: nothing to read */
	ob->url = sync_get(ob->db, "url");
	ob->tls_pin = sync_get(ob->db, "tls_pin");
	pk = sync_get(ob->db, "clinic_sign_pk");
	if (ob->url == NULL || proto_unb64(pk, ob->clinic_sign_pk,
	    PROTO_KEY_LEN) != 0) {
		free(pk);
		return sw_fail(err, SW_ECORRUPT, _("The clinic connection "
		    "settings in the profile are damaged. Ask your clinic for "
		    "a new enrollment file."));
	}
	free(pk);
	ob->enrolled = true;
	return 0;
}

int
outbox_open(const char *path, struct outbox **out, struct sw_error *err)
{
	struct outbox	*ob;
	sqlite3_stmt	*s = NULL;
	int		 rc;

	*out = NULL;
	if (access(path, F_OK) != 0)
		return sw_fail(err, SW_ENOENT, _("There is no profile at %s. "
		    "Make one with: stepwise init"), path);
	ob = xcalloc(1, sizeof *ob);
	ob->own = true;
	if (sqlite3_open_v2(path, &ob->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		sw_fail(err, SW_EIO, _("Could not open the profile %s: %s"),
		    path, ob->db ? store_db_words(ob->db) : _("out of memory"));
		goto fail;
	}
	sqlite3_busy_timeout(ob->db, 10000);
	/* Only reads until enrolled: a profile that is not enrolled is left
	 * exactly as it was. */
	rc = sqlite3_prepare_v2(ob->db, "SELECT 1 FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'meta'", -1, &s, NULL);
	if (rc != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		sw_fail(err, SW_ECORRUPT, _("%s is not a Stepwise profile, or "
		    "it is damaged."), path);
		goto fail;
	}
	sqlite3_finalize(s);
	sqlite3_exec(ob->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
	/* A format 1 profile's clear tables lose what they told (its risk
	 * column, times) now, without waiting for the passphrase. */
	if (store_migrate_clear(ob->db) != 0) {
		sync_db_fail(ob->db, err);
		goto fail;
	}
	if (load(ob, err) != 0)
		goto fail;
	*out = ob;
	return 0;
fail:
	outbox_close(ob);
	return -1;
}

int
outbox_from_store(struct store *st, struct outbox **out,
    struct sw_error *err)
{
	struct outbox *ob = xcalloc(1, sizeof *ob);

	*out = NULL;
	ob->db = store_sqlite(st);
	ob->st = st;
	if (load(ob, err) != 0) {
		outbox_close(ob);
		return -1;
	}
	*out = ob;
	return 0;
}

int
outbox_reload(struct outbox *ob, struct sw_error *err)
{
	free(ob->url);
	free(ob->tls_pin);
	ob->url = ob->tls_pin = NULL;
	ob->enrolled = false;
	memset(ob->device, 0, sizeof ob->device);
	memset(ob->clinic_sign_pk, 0, sizeof ob->clinic_sign_pk);
	return load(ob, err);
}

void
outbox_close(struct outbox *ob)
{
	if (ob == NULL)
		return;
	if (ob->own)
		sqlite3_close(ob->db);
	free(ob->url);
	free(ob->tls_pin);
	free(ob);
}

bool
outbox_enrolled(struct outbox *ob)
{
	return ob->enrolled;
}

const char *
outbox_device(struct outbox *ob)
{
	return ob->enrolled ? ob->device : NULL;
}

const char *
outbox_url(struct outbox *ob)
{
	return ob->url;
}

const char *
outbox_tls_pin(struct outbox *ob)
{
	return ob->tls_pin;
}

const unsigned char *
outbox_clinic_sign_pk(struct outbox *ob)
{
	return ob->enrolled ? ob->clinic_sign_pk : NULL;
}

static int
not_enrolled(struct sw_error *err)
{
	return sw_fail(err, SW_ENOENT, _("This profile is not connected to a "
	    "clinic. Enroll with the file your clinic gave you: stepwise "
	    "enroll FILE"));
}

/* One transaction, or a savepoint inside the caller's. */
static int
tx_begin(struct outbox *ob, struct sw_error *err)
{
	ob->nested = !sqlite3_get_autocommit(ob->db);
	if (sqlite3_exec(ob->db, ob->nested ? "SAVEPOINT outbox" :
	    "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sync_db_fail(ob->db, err);
	return 0;
}

static int
tx_commit(struct outbox *ob, struct sw_error *err)
{
	if (sqlite3_exec(ob->db, ob->nested ? "RELEASE outbox" : "COMMIT",
	    NULL, NULL, NULL) != SQLITE_OK) {
		sync_db_fail(ob->db, err);
		sqlite3_exec(ob->db, ob->nested ? "ROLLBACK TO outbox; "
		    "RELEASE outbox" : "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static int
tx_rollback(struct outbox *ob, struct sw_error *err)
{
	sync_db_fail(ob->db, err);
	sqlite3_exec(ob->db, ob->nested ? "ROLLBACK TO outbox; RELEASE outbox" :
	    "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* ---- the queue ---- */

int
outbox_registration(struct outbox *ob, char **body, struct sw_error *err)
{
	(void)err;
	*body = ob->enrolled ? sync_get(ob->db, "registration") : NULL;
	return 0;
}

int
outbox_registration_done(struct outbox *ob, long long now,
    struct sw_error *err)
{
	if (!ob->enrolled)
		return not_enrolled(err);
	if (tx_begin(ob, err) != 0)
		return -1;
	if (sync_del(ob->db, "registration") != 0 ||
	    sync_set_int(ob->db, "registered_at", now) != 0)
		return tx_rollback(ob, err);
	return tx_commit(ob, err);
}

static void
run_close(struct outbox_batch *batch)
{
	if (batch->run_at == 0)
		return;
	proto_run3_end(&batch->body, &batch->len, batch->run_at,
	    batch->run_n, batch->run_sig);
	batch->run_at = batch->run_n = 0;
}

/* A version 3 envelope into the open run when it follows the run's last
 * on the chain, else into a new run. */
static void
run_put(struct outbox_batch *batch, const char *id,
    const unsigned char prev[PROTO_HASH_LEN],
    const unsigned char sig[PROTO_SIG_LEN], const unsigned char *ct,
    size_t ctlen)
{
	if (batch->run_at != 0 && sodium_memcmp(prev, batch->run_chain,
	    PROTO_HASH_LEN) != 0)
		run_close(batch);
	if (batch->run_at == 0) {
		batch->run_at = proto_run3_begin(&batch->body, &batch->len,
		    prev);
		memcpy(batch->run_chain, prev, PROTO_HASH_LEN);
		batch->runs++;
	}
	proto_rec3_put(&batch->body, &batch->len, id, ct, ctlen);
	proto_chain3(batch->run_chain, id, ct, ctlen, batch->run_chain);
	memcpy(batch->run_sig, sig, PROTO_SIG_LEN);
	batch->run_n++;
}

/* An envelope as the queue keeps it, {"v","id","ciphertext","signature"}
 * ("v" absent: version 1; version 3 adds "prev", the chain's hash before
 * it, its signature is the chain's through it, and "alone" once the
 * server refused a run it was in: see outbox_refused), appended to the
 * batch's body; false when it is not one (a damaged disk), so that it is
 * set aside rather than sent. *v3: whether it went in a run. */
static bool
envelope_put(const char *id, const char *env, struct outbox_batch *batch,
    bool *v3)
{
	cJSON		*j = cJSON_Parse(env);
	unsigned char	 sig[PROTO_SIG_LEN], prev[PROTO_HASH_LEN], *ct = NULL;
	size_t		 ctlen = 0;
	long long	 v = PROTO_VERSION;
	const char	*eid;
	bool		 ok;

	ok = cJSON_IsObject(j) &&
	    (!cJSON_HasObjectItem(j, "v") || proto_int(j, "v", &v)) &&
	    (eid = proto_str(j, "id")) != NULL && strcmp(eid, id) == 0 &&
	    proto_id_ok(id) && proto_bin(j, "signature", sig, sizeof sig) &&
	    proto_unb64_alloc(proto_str(j, "ciphertext"),
	    PROTO_MAX_CIPHERTEXT, &ct, &ctlen) == 0 &&
	    proto_ct_len_ok((int)v, ctlen) && (v != PROTO_V3 ||
	    proto_bin(j, "prev", prev, sizeof prev));
	*v3 = ok && v == PROTO_V3;
	if (ok && v == PROTO_V3 && cJSON_HasObjectItem(j, "alone")) {
		run_close(batch);
		run_put(batch, id, prev, sig, ct, ctlen);
		run_close(batch);
	} else if (ok && v == PROTO_V3)
		run_put(batch, id, prev, sig, ct, ctlen);
	else if (ok) {
		run_close(batch);
		proto_rec2_put(&batch->body, &batch->len, (int)v, id, sig, ct,
		    ctlen);
	}
	free(ct);
	cJSON_Delete(j);
	return ok;
}

/* One envelope into the batch, unless it would pass max_bytes (the first
 * always goes in, so that a small limit can never stall the queue). A
 * damaged envelope is set aside. */
static bool
batch_add(struct outbox *ob, struct outbox_batch *batch, const char *id,
    const char *env, size_t max_bytes)
{
	struct sw_error	none = { 0 };
	size_t		before = batch->len;
	bool		v3;

	for (size_t i = 0; i < batch->n; i++)
		if (strcmp(batch->ids[i], id) == 0)
			return true;	/* already in, from the risk list */
	if (batch->n > 0 && batch->len + 2 * strlen(env) / 3 > max_bytes)
		return false;
	if (!envelope_put(id, env, batch, &v3)) {
		batch->len = before;
		if (outbox_reject(ob, id, "bad_record", &none) == 0)
			batch->set_aside++;
		return true;
	}
	batch->run_of[batch->n] = v3 ? batch->runs : 0;
	snprintf(batch->ids[batch->n++], PROTO_ID_LEN + 1, "%s", id);
	return true;
}

/* Unlocked, the sealed risk-first list goes first, in its order. */
static int
batch_risk_first(struct outbox *ob, size_t max_records, size_t max_bytes,
    struct outbox_batch *batch, struct sw_error *err)
{
	cJSON		*a;
	const cJSON	*it;
	sqlite3_stmt	*s;
	bool		 room = true;

	if (ob->st == NULL)
		return 0;
	if (id_list_load(ob->st, SYNC_PRIORITY_STATE, &a, err) != 0)
		return -1;
	if (sqlite3_prepare_v2(ob->db, "SELECT envelope FROM outbox WHERE id = "
	    "? AND rejected IS NULL", -1, &s, NULL) != SQLITE_OK) {
		cJSON_Delete(a);
		return sync_db_fail(ob->db, err);
	}
	cJSON_ArrayForEach(it, a) {
		if (!room || batch->n == max_records || !cJSON_IsString(it))
			break;
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, it->valuestring, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW)
			room = batch_add(ob, batch, it->valuestring,
			    (const char *)sqlite3_column_text(s, 0), max_bytes);
	}
	sqlite3_finalize(s);
	cJSON_Delete(a);
	return 0;
}

int
outbox_next_batch(struct outbox *ob, size_t max_records, size_t max_bytes,
    struct outbox_batch *batch, struct sw_error *err)
{
	sqlite3_stmt	*s = NULL;
	int		 rc = SQLITE_DONE;

	memset(batch, 0, sizeof *batch);
	if (!ob->enrolled || max_records == 0)
		return 0;
	if (max_records > PROTO_MAX_BATCH)
		max_records = PROTO_MAX_BATCH;
	batch->ids = xcalloc(max_records, sizeof *batch->ids);
	batch->run_of = xcalloc(max_records, sizeof *batch->run_of);
	if (batch_risk_first(ob, max_records, max_bytes, batch, err) != 0)
		goto fail;
	/* Then the queue's own order: the order envelopes were queued in. */
	if (sqlite3_prepare_v2(ob->db, "SELECT id, envelope FROM outbox WHERE "
	    "rejected IS NULL ORDER BY seq", -1, &s, NULL) != SQLITE_OK) {
		sync_db_fail(ob->db, err);
		goto fail;
	}
	while (batch->n < max_records && (rc = sqlite3_step(s)) == SQLITE_ROW)
		if (!batch_add(ob, batch, (const char *)sqlite3_column_text(s,
		    0), (const char *)sqlite3_column_text(s, 1), max_bytes))
			break;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sync_db_fail(ob->db, err);
		goto fail;
	}
	run_close(batch);
	return 0;
fail:
	outbox_batch_free(batch);
	return -1;
}

void
outbox_batch_free(struct outbox_batch *batch)
{
	free(batch->body);
	free(batch->ids);
	free(batch->run_of);
	memset(batch, 0, sizeof *batch);
}

size_t
outbox_batch_run_n(const struct outbox_batch *batch, const char *id)
{
	size_t run = 0, n = 0;

	for (size_t i = 0; i < batch->n && run == 0; i++)
		if (strcmp(batch->ids[i], id) == 0)
			run = batch->run_of[i];
	for (size_t i = 0; run != 0 && i < batch->n; i++)
		n += batch->run_of[i] == run;
	return n;
}

static int
exec_id(sqlite3 *db, const char *sql, const char *id, long long n,
    const char *text)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(s) >= 2) {
		if (text != NULL)
			sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(s, 2, n);
	}
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
outbox_ack(struct outbox *ob, const char *const *ids, size_t n,
    long long now, struct sw_error *err)
{
	if (!ob->enrolled)
		return not_enrolled(err);
	if (tx_begin(ob, err) != 0)
		return -1;
	(void)now;
	for (size_t i = 0; i < n; i++)
		/* The record stays in the profile; it only leaves the queue,
		 * and its clear flag says it arrived (never when). */
		if (exec_id(ob->db, "DELETE FROM outbox WHERE id = ?1", ids[i],
		    0, NULL) != 0 || exec_id(ob->db, "UPDATE records SET "
		    "sent = 1 WHERE id = ?1", ids[i], 0, NULL) != 0)
			return tx_rollback(ob, err);
	return tx_commit(ob, err);
}

int
outbox_reject(struct outbox *ob, const char *id, const char *error,
    struct sw_error *err)
{
	if (!ob->enrolled)
		return not_enrolled(err);
	if (exec_id(ob->db, "UPDATE outbox SET rejected = ?2 WHERE id = ?1",
	    id, 0, error != NULL && *error != '\0' ? error : "rejected") != 0)
		return sync_db_fail(ob->db, err);
	return 0;
}

int
outbox_refused(struct outbox *ob, const char *id, const char *error,
    size_t run_n, struct sw_error *err)
{
	sqlite3_stmt	*s;
	cJSON		*j = NULL;
	char		*text = NULL;
	long long	 v = 0;
	int		 rc;

	if (!ob->enrolled)
		return not_enrolled(err);
	/* Refused alone, it has no other to blame. */
	if (error == NULL || strcmp(error, "bad_signature") != 0 || run_n <= 1)
		return outbox_reject(ob, id, error, err) == 0 ? 1 : -1;
	if (sqlite3_prepare_v2(ob->db, "SELECT envelope FROM outbox WHERE id = "
	    "?", -1, &s, NULL) != SQLITE_OK)
		return sync_db_fail(ob->db, err);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		j = cJSON_Parse((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (!proto_int(j, "v", &v) || v != PROTO_V3 ||
	    cJSON_HasObjectItem(j, "alone")) {
		cJSON_Delete(j);
		return outbox_reject(ob, id, error, err) == 0 ? 1 : -1;
	}
	cJSON_AddTrueToObject(j, "alone");
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	rc = exec_id(ob->db, "UPDATE outbox SET envelope = ?2 WHERE id = ?1",
	    id, 0, text);
	free(text);
	return rc == 0 ? 0 : sync_db_fail(ob->db, err);
}

static long long
count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*s;
	long long	 n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

int
outbox_counts(struct outbox *ob, size_t *waiting, size_t *rejected,
    struct sw_error *err)
{
	long long	w, r;

	*waiting = *rejected = 0;
	if (!ob->enrolled)
		return 0;
	w = count(ob->db, "SELECT count(*) FROM outbox WHERE rejected IS "
	    "NULL");
	r = count(ob->db, "SELECT count(*) FROM outbox WHERE rejected IS NOT "
	    "NULL");
	if (w < 0 || r < 0)
		return sync_db_fail(ob->db, err);
	*waiting = (size_t)w;
	*rejected = (size_t)r;
	return 0;
}

int
outbox_waiting(struct outbox *ob, const char *id)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (!ob->enrolled)
		return 0;
	if (sqlite3_prepare_v2(ob->db, "SELECT 1 FROM outbox WHERE id = ?",
	    -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- signed requests ---- */

/* The request key from the clear sync state, in sodium_malloc'd memory
 * the caller sodium_free()s; NULL with err when damaged. */
static unsigned char *
request_sk(struct outbox *ob, struct sw_error *err)
{
	unsigned char	*sk;
	char		*enc = sync_get(ob->db, "request_sk");

	if ((sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL)
		sw_fail(err, SW_EIO, _("out of memory"));
	else if (proto_unb64(enc, sk, crypto_sign_SECRETKEYBYTES) != 0) {
		sodium_free(sk);
		sk = NULL;
		sw_fail(err, SW_ECORRUPT, _("The profile's request key is "
		    "damaged. Ask your clinic for a new enrollment file."));
	}
	if (enc != NULL)
		wipe_free(enc);
	return sk;
}

int
outbox_sign_request(struct outbox *ob, const char *method,
    const char *target, long long time, const void *body, size_t len,
    char sig[88], struct sw_error *err)
{
	unsigned char	*sk, *m, raw[PROTO_SIG_LEN];
	char		*b, when[24];
	size_t		 mlen;

	if (!ob->enrolled)
		return not_enrolled(err);
	if ((sk = request_sk(ob, err)) == NULL)
		return -1;
	snprintf(when, sizeof when, "%lld", time);
	m = proto_request_bytes(method, target, when, ob->device, body, len,
	    &mlen);
	crypto_sign_detached(raw, NULL, m, mlen, sk);
	sodium_free(sk);
	free(m);
	b = proto_b64(raw, sizeof raw);
	snprintf(sig, 88, "%s", b);
	free(b);
	return 0;
}

int
outbox_sync_body(struct outbox *ob, const struct outbox_batch *batch,
    long long time, long long after, unsigned char **body, size_t *len,
    struct sw_error *err)
{
	unsigned char	*sk, *m, *b;
	size_t		 n, mlen;

	*body = NULL;
	*len = 0;
	if (!ob->enrolled)
		return not_enrolled(err);
	if ((sk = request_sk(ob, err)) == NULL)
		return -1;
	n = PROTO_V2_HEAD + batch->len;
	b = xmalloc(n + PROTO_SIG_LEN);
	proto_sync2_head(b, PROTO_V3, ob->device, time, after, batch->n);
	if (batch->len > 0)
		memcpy(b + PROTO_V2_HEAD, batch->body, batch->len);
	m = proto_sync2_signed(b, n, &mlen);
	crypto_sign_detached(b + n, NULL, m, mlen, sk);
	sodium_free(sk);
	free(m);
	*body = b;
	*len = n + PROTO_SIG_LEN;
	return 0;
}

/* ---- supporter messages, still sealed ---- */

long long
outbox_message_cursor(struct outbox *ob)
{
	return ob->enrolled ? sync_get_int(ob->db, "cursor", 0) : 0;
}

static int
move_cursor(struct outbox *ob, long long seq)
{
	if (seq <= sync_get_int(ob->db, "cursor", 0))
		return 0;	/* never back: a resent page changes nothing */
	return sync_set_int(ob->db, "cursor", seq);
}

static bool
message_signed(struct outbox *ob, const char *id, const unsigned char *ct,
    size_t ctlen, const unsigned char *sig)
{
	unsigned char	*m;
	size_t		 mlen;
	bool		 ok;

	if (!proto_id_ok(id) || ct == NULL || ctlen == 0)
		return false;
	m = proto_envelope_bytes(PROTO_CTX_MESSAGE, ob->device, id, ct, ctlen,
	    &mlen);
	ok = crypto_sign_verify_detached(sig, m, mlen,
	    ob->clinic_sign_pk) == 0;
	free(m);
	return ok;
}

int
outbox_keep_message(struct outbox *ob, long long seq, const char *id,
    const unsigned char *ct, size_t ctlen,
    const unsigned char sig[PROTO_SIG_LEN], long long now,
    struct sw_error *err)
{
	sqlite3_stmt	*s;
	int		 rc, kept;

	if (!ob->enrolled)
		return not_enrolled(err);
	if (tx_begin(ob, err) != 0)
		return -1;
	if (!message_signed(ob, id, ct, ctlen, sig)) {
		/* Not kept; the cursor moves past it so that one bad message
		 * cannot block every later one, and the patient is told. */
		if (sync_set_int(ob->db, "bad_messages", sync_get_int(ob->db,
		    "bad_messages", 0) + 1) != 0 || move_cursor(ob, seq) != 0)
			return tx_rollback(ob, err);
		return tx_commit(ob, err) == 0 ? 2 : -1;
	}
	(void)now;
	if (sqlite3_prepare_v2(ob->db, "INSERT OR IGNORE INTO inbox(id, seq, "
	    "ciphertext, signature) VALUES(?, ?, ?, ?)", -1, &s, NULL) !=
	    SQLITE_OK)
		return tx_rollback(ob, err);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, seq);
	sqlite3_bind_blob(s, 3, ct, (int)ctlen, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, sig, PROTO_SIG_LEN, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return tx_rollback(ob, err);
	kept = sqlite3_changes(ob->db) == 1 ? 0 : 1;
	if (move_cursor(ob, seq) != 0)
		return tx_rollback(ob, err);
	return tx_commit(ob, err) == 0 ? kept : -1;
}

/* Read marks are sealed: without the key every kept message counts. */
int
outbox_unread(struct outbox *ob, struct sw_error *err)
{
	sqlite3_stmt	*s;
	cJSON		*read = NULL;
	int		 rc, n = 0;

	if (!ob->enrolled)
		return 0;
	if (ob->st != NULL && id_list_load(ob->st, INBOX_READ_STATE, &read,
	    err) != 0)
		return -1;
	if (sqlite3_prepare_v2(ob->db, "SELECT id FROM inbox", -1, &s, NULL) !=
	    SQLITE_OK) {
		cJSON_Delete(read);
		return sync_db_fail(ob->db, err);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		n += !id_list_has(read, (const char *)sqlite3_column_text(s,
		    0));
	sqlite3_finalize(s);
	cJSON_Delete(read);
	return rc == SQLITE_DONE ? n : sync_db_fail(ob->db, err);
}

/* ---- status and backoff ---- */

int
outbox_status(struct outbox *ob, struct sync_status *ss,
    struct sw_error *err)
{
	char *v;

	(void)err;
	memset(ss, 0, sizeof *ss);
	if (!ob->enrolled)
		return 0;
	ss->last_success = sync_get_int(ob->db, "last_success", 0);
	ss->last_attempt = sync_get_int(ob->db, "last_attempt", 0);
	ss->next_try = sync_get_int(ob->db, "next_try", 0);
	ss->retry_after = sync_get_int(ob->db, "retry_after", 0);
	ss->failures = (int)sync_get_int(ob->db, "failures", 0);
	ss->bad_messages = (int)sync_get_int(ob->db, "bad_messages", 0);
	if ((v = sync_get(ob->db, "last_error")) != NULL)
		snprintf(ss->last_error, sizeof ss->last_error, "%s", v);
	free(v);
	if ((v = sync_get(ob->db, "stopped")) != NULL)
		snprintf(ss->stopped, sizeof ss->stopped, "%s", v);
	free(v);
	return 0;
}

int
outbox_note_success(struct outbox *ob, long long now, struct sw_error *err)
{
	if (!ob->enrolled)
		return not_enrolled(err);
	if (tx_begin(ob, err) != 0)
		return -1;
	if (sync_set_int(ob->db, "failures", 0) != 0 ||
	    sync_set_int(ob->db, "last_success", now) != 0 ||
	    sync_set_int(ob->db, "last_attempt", now) != 0 ||
	    sync_del(ob->db, "next_try") != 0 ||
	    sync_del(ob->db, "retry_after") != 0 ||
	    sync_del(ob->db, "last_error") != 0 ||
	    sync_del(ob->db, "stopped") != 0)
		return tx_rollback(ob, err);
	return tx_commit(ob, err);
}

/* d = min(30 minutes, 30 s x 2^(n-1)); the wait is uniform in [d/2, d]. */
static long long
backoff_wait(int failures)
{
	long long d = BACKOFF_FIRST;

	for (int i = 1; i < failures && d < BACKOFF_MAX; i++)
		d *= 2;
	if (d > BACKOFF_MAX)
		d = BACKOFF_MAX;
	return d / 2 + (long long)randombytes_uniform((uint32_t)(d - d / 2 +
	    1));
}

int
outbox_note_failure(struct outbox *ob, long long now, long long retry_after,
    const char *words, struct sw_error *err)
{
	long long	wait;
	int		n;

	if (!ob->enrolled)
		return not_enrolled(err);
	if (tx_begin(ob, err) != 0)
		return -1;
	n = (int)sync_get_int(ob->db, "failures", 0);
	if (n < 0 || n > 1000000)
		n = 0;
	n++;
	wait = backoff_wait(n);
	if (retry_after > BACKOFF_MAX)
		retry_after = BACKOFF_MAX;
	if (retry_after > wait)
		wait = retry_after;
	if (sync_set_int(ob->db, "failures", n) != 0 ||
	    sync_set_int(ob->db, "last_attempt", now) != 0 ||
	    sync_set_int(ob->db, "next_try", now + wait) != 0 ||
	    (retry_after > 0 ? sync_set_int(ob->db, "retry_after", now +
	    retry_after) : sync_del(ob->db, "retry_after")) != 0 ||
	    (words != NULL && *words != '\0' ? sync_set(ob->db, "last_error",
	    words) : sync_del(ob->db, "last_error")) != 0)
		return tx_rollback(ob, err);
	return tx_commit(ob, err);
}

int
outbox_note_stop(struct outbox *ob, const char *code, const char *words,
    struct sw_error *err)
{
	char device[PROTO_ID_LEN + 1];

	if (!ob->enrolled)
		return not_enrolled(err);
	if (tx_begin(ob, err) != 0)
		return -1;
	/* Enrolled again since this run began (stepwise enroll in another
	 * terminal): the refusal was for the old device, not the new one. */
	if (!sync_device(ob->db, device) || strcmp(device, ob->device) != 0)
		return tx_commit(ob, err);
	if (sync_set(ob->db, "stopped", code != NULL && *code != '\0' ? code :
	    "stopped") != 0 ||
	    (words != NULL && *words != '\0' ? sync_set(ob->db, "last_error",
	    words) : sync_del(ob->db, "last_error")) != 0)
		return tx_rollback(ob, err);
	return tx_commit(ob, err);
}

/* ---- records on their way ----
 * A request's records are marked, in the clear sync state, while it is
 * out: "sending.PID" = {"at": time, "ids": [...]}. A request that ended
 * without the server's answer, after its bytes may have gone, leaves its
 * records in "uncertain" (an array of ids) until they are acknowledged:
 * the clinic may hold them. Another process (the full screen while a
 * sync from cron runs) reads both before it tells the patient that an
 * entry stays on this computer. Enrolling with another clinic moves both
 * to "uncertain.before": the earlier clinic may hold those, not the new
 * one. */

#define SENDING_PREFIX	"sending."
#define UNCERTAIN	"uncertain"
#define UNCERTAIN_BEFORE "uncertain.before"	/* of an earlier clinic */
#define SENDING_MAX	1800	/* seconds: no request is out longer */

static cJSON *
state_json(sqlite3 *db, const char *key)
{
	char	*v = sync_get(db, key);
	cJSON	*j = v != NULL ? cJSON_Parse(v) : NULL;

	free(v);
	return j;
}

/* The list of ids under key ("uncertain" or "uncertain.before") with the
 * ids of add (may be NULL) put in, and those since acknowledged or gone
 * taken out. */
static int
uncertain_update(sqlite3 *db, const char *key, const cJSON *add)
{
	cJSON		*old = state_json(db, key), *now;
	const cJSON	*it;
	char		*text;
	int		 rc;

	now = cJSON_CreateArray();
	cJSON_ArrayForEach(it, old)
		if (cJSON_IsString(it) && record_sent(db, it->valuestring) == 0 &&
		    !id_list_has(now, it->valuestring))
			cJSON_AddItemToArray(now,
			    cJSON_CreateString(it->valuestring));
	cJSON_ArrayForEach(it, add)
		if (cJSON_IsString(it) && record_sent(db, it->valuestring) == 0 &&
		    !id_list_has(now, it->valuestring))
			cJSON_AddItemToArray(now,
			    cJSON_CreateString(it->valuestring));
	cJSON_Delete(old);
	if (cJSON_GetArraySize(now) == 0) {
		cJSON_Delete(now);
		return sync_del(db, key);
	}
	text = cJSON_PrintUnformatted(now);
	cJSON_Delete(now);
	rc = sync_set(db, key, text);
	free(text);
	return rc;
}

/* Whether the process that made a mark can still be sending. */
static bool
sender_alive(long long pid, long long at, long long now)
{
	if (pid <= 0 || now - at > SENDING_MAX || at - now > SENDING_MAX)
		return false;
	return pid == (long long)getpid() || kill((pid_t)pid, 0) == 0 ||
	    errno == EPERM;
}

/* Each mark: fn(key, pid, at, ids, arg). */
static int
marks_each(sqlite3 *db, void (*fn)(const char *, long long, long long,
    const cJSON *, void *), void *arg)
{
	sqlite3_stmt	*s;
	cJSON		*j;
	const char	*key;
	long long	 pid, at;
	int		 rc;

	if (sqlite3_prepare_v2(db, "SELECT key, value FROM sync_state WHERE "
	    "substr(key, 1, 8) = '" SENDING_PREFIX "'", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(s, 0);
		j = cJSON_Parse((const char *)sqlite3_column_text(s, 1));
		pid = strtoll(key + strlen(SENDING_PREFIX), NULL, 10);
		at = 0;
		proto_int(j, "at", &at);
		fn(key, pid, at, cJSON_GetObjectItemCaseSensitive(j, "ids"),
		    arg);
		cJSON_Delete(j);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct stale {
	long long	 now;
	cJSON		*ids;		/* of marks whose sender is gone */
	cJSON		*keys;		/* those marks */
};

static void
stale_one(const char *key, long long pid, long long at, const cJSON *ids,
    void *arg)
{
	struct stale	*w = arg;
	const cJSON	*it;

	if (pid != (long long)getpid() && sender_alive(pid, at, w->now))
		return;
	cJSON_ArrayForEach(it, ids)
		if (cJSON_IsString(it))
			cJSON_AddItemToArray(w->ids,
			    cJSON_CreateString(it->valuestring));
	cJSON_AddItemToArray(w->keys, cJSON_CreateString(key));
}

/* Marks left by a sender that is gone (killed while it sent: its records
 * may have arrived) become uncertain. */
static int
stale_fold(sqlite3 *db, long long now)
{
	struct stale	 w = { now, cJSON_CreateArray(), cJSON_CreateArray() };
	const cJSON	*it;
	int		 rc;

	rc = marks_each(db, stale_one, &w);
	if (rc == 0)
		rc = uncertain_update(db, UNCERTAIN, w.ids);
	cJSON_ArrayForEach(it, w.keys)
		if (rc == 0)
			rc = sync_del(db, it->valuestring);
	cJSON_Delete(w.ids);
	cJSON_Delete(w.keys);
	return rc;
}

int
outbox_sending_begin(struct outbox *ob, const struct outbox_batch *batch,
    long long now, struct sw_error *err)
{
	cJSON	*j, *ids;
	char	*text, key[64];
	int	 rc;

	if (!ob->enrolled || batch->n == 0)
		return 0;
	if (tx_begin(ob, err) != 0)
		return -1;
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "at", (double)now);
	ids = cJSON_AddArrayToObject(j, "ids");
	for (size_t i = 0; i < batch->n; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(batch->ids[i]));
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	snprintf(key, sizeof key, SENDING_PREFIX "%lld", (long long)getpid());
	rc = stale_fold(ob->db, now) == 0 ? 0 : -1;
	/* Each still waiting, in this transaction: one taken out since the
	 * batch was read (made private) must not go. */
	for (size_t i = 0; rc == 0 && i < batch->n; i++)
		if (outbox_waiting(ob, batch->ids[i]) != 1)
			rc = 1;
	if (rc == 0 && sync_set(ob->db, key, text) != 0)
		rc = -1;
	free(text);
	if (rc == 1) {
		tx_rollback(ob, err);
		return 1;
	}
	return rc == 0 ? tx_commit(ob, err) : tx_rollback(ob, err);
}

int
outbox_sending_end(struct outbox *ob, bool maybe_stored, struct sw_error *err)
{
	cJSON	*j;
	char	 key[64];
	bool	 ok;

	if (!ob->enrolled)
		return 0;
	snprintf(key, sizeof key, SENDING_PREFIX "%lld", (long long)getpid());
	if (tx_begin(ob, err) != 0)
		return -1;
	j = state_json(ob->db, key);
	ok = uncertain_update(ob->db, UNCERTAIN, maybe_stored ?
	    cJSON_GetObjectItemCaseSensitive(j, "ids") : NULL) == 0 &&
	    sync_del(ob->db, key) == 0;
	cJSON_Delete(j);
	return ok ? tx_commit(ob, err) : tx_rollback(ob, err);
}

struct find_mark {
	const char	*id;
	long long	 now;
	enum in_flight	 found;
};

static void
find_one(const char *key, long long pid, long long at, const cJSON *ids,
    void *arg)
{
	struct find_mark *f = arg;

	(void)key;
	if (!id_list_has(ids, f->id))
		return;
	if (sender_alive(pid, at, f->now))
		f->found = IN_FLIGHT_NOW;
	else if (f->found == IN_FLIGHT_NONE)
		f->found = IN_FLIGHT_MAYBE;
}

int
outbox_record_in_flight(struct store *st, const char *id, long long now,
    enum in_flight *out)
{
	static const struct {
		const char	*key;
		enum in_flight	 is;
	} lists[] = {
		{ UNCERTAIN, IN_FLIGHT_MAYBE },
		{ UNCERTAIN_BEFORE, IN_FLIGHT_MAYBE_BEFORE },
	};
	sqlite3			*db = store_sqlite(st);
	struct find_mark	 f = { id, now, IN_FLIGHT_NONE };
	cJSON			*u;

	*out = IN_FLIGHT_NONE;
	if (!sync_tables_exist(db))
		return 0;
	if (marks_each(db, find_one, &f) != 0)
		return -1;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0] &&
	    f.found == IN_FLIGHT_NONE; i++)
		if ((u = state_json(db, lists[i].key)) != NULL) {
			if (id_list_has(u, id))
				f.found = lists[i].is;
			cJSON_Delete(u);
		}
	*out = f.found;
	return 0;
}

static void
mark_ids(const char *key, long long pid, long long at, const cJSON *ids,
    void *arg)
{
	const cJSON	*it;

	(void)key;
	(void)pid;
	(void)at;
	cJSON_ArrayForEach(it, ids)
		cJSON_AddItemToArray(arg, cJSON_Duplicate(it, 0));
}

int
sync_state_clear_for_enrollment(sqlite3 *db, bool same_clinic)
{
	cJSON	*ids;
	int	 rc = 0;

	/* With another clinic, what the old one may hold is that clinic's:
	 * the marks of requests out and "uncertain" go to "uncertain.before". */
	if (!same_clinic) {
		ids = state_json(db, UNCERTAIN);
		if (!cJSON_IsArray(ids)) {
			cJSON_Delete(ids);
			ids = cJSON_CreateArray();
		}
		rc = marks_each(db, mark_ids, ids) == 0 &&
		    uncertain_update(db, UNCERTAIN_BEFORE, ids) == 0 ? 0 : -1;
		cJSON_Delete(ids);
		if (rc == 0 && sqlite3_exec(db, "DELETE FROM sync_state WHERE "
		    "key = '" UNCERTAIN "' OR substr(key, 1, 8) = '"
		    SENDING_PREFIX "'", NULL, NULL, NULL) != SQLITE_OK)
			rc = -1;
	}
	if (rc == 0 && sqlite3_exec(db, "DELETE FROM sync_state WHERE key NOT "
	    "IN ('" UNCERTAIN "', '" UNCERTAIN_BEFORE "') AND substr(key, 1, "
	    "8) <> '" SENDING_PREFIX "'", NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	return rc;
}
