/* unlock.c: what is checked at every unlock, before anything is saved or
 * shown: the clear sync state against its sealed copy, and every kept
 * message against the sealed clinic key (stepwise-protocol(7), THE
 * DEVICE'S STATE). Anyone who can write the profile file can change its
 * clear state; only the passphrase opens the sealed one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "i18n.h"
#include "outbox.h"
#include "outbox_int.h"
#include "store_int.h"
#include "util.h"

static bool
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
same_key(sqlite3 *db, const char *name, const unsigned char *key,
    size_t len)
{
	unsigned char	*v = sodium_malloc(len);
	char		*b = sync_get(db, name);
	bool		 same;

	same = v != NULL && proto_unb64(b, v, len) == 0 &&
	    sodium_memcmp(v, key, len) == 0;
	if (b != NULL)
		wipe_free(b);
	if (v != NULL)
		sodium_free(v);
	return same;
}

/* Whether the clear url, pin, clinic keys, device and request key are the
 * sealed ones. */
static bool
clear_matches(sqlite3 *db, const struct device_keys *k)
{
	char	*url = sync_get(db, "url"), *pin = sync_get(db, "tls_pin");
	char	 device[PROTO_ID_LEN + 1];
	bool	 same;

	same = sync_device(db, device) &&
	    strcmp(device, k->box[0].device) == 0 &&
	    same_text(url, k->url) && same_text(pin, k->tls_pin) &&
	    same_key(db, "clinic_box_pk", k->clinic_box_pk, PROTO_KEY_LEN) &&
	    same_key(db, "clinic_sign_pk", k->box[0].clinic_sign_pk,
	    PROTO_KEY_LEN) &&
	    same_key(db, "request_sk", k->request_sk,
	    crypto_sign_SECRETKEYBYTES);
	free(url);
	free(pin);
	return same;
}

static int
set_b64(sqlite3 *db, const char *name, const unsigned char *v, size_t len)
{
	char	*b = proto_b64(v, len);
	int	 rc = sync_set(db, name, b);

	wipe_free(b);
	return rc;
}

/* The clear copies written back from the sealed ones. The message cursor
 * starts again from 0, since another server's numbers may have moved it
 * past messages the clinic has not sent yet; messages already kept are
 * not kept twice. */
static int
clear_restore(sqlite3 *db, const struct device_keys *k)
{
	if (sync_tables_make(db) != 0 ||
	    sync_set(db, "device", k->box[0].device) != 0 ||
	    sync_set(db, "url", k->url) != 0 ||
	    (k->tls_pin != NULL ? sync_set(db, "tls_pin", k->tls_pin) :
	    sync_del(db, "tls_pin")) != 0 ||
	    set_b64(db, "clinic_box_pk", k->clinic_box_pk, PROTO_KEY_LEN) != 0 ||
	    set_b64(db, "clinic_sign_pk", k->box[0].clinic_sign_pk,
	    PROTO_KEY_LEN) != 0 ||
	    set_b64(db, "request_sk", k->request_sk,
	    crypto_sign_SECRETKEYBYTES) != 0 ||
	    sync_set_int(db, "cursor", 0) != 0 ||
	    sqlite3_exec(db, "DELETE FROM outbox", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return -1;
	return 0;
}

struct requeue {
	struct store			*st;
	const struct device_keys	*k;
	size_t				 n;
	struct sw_error			*err;
};

static int
requeue_one(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	struct requeue	*q = arg;
	long long	 n;

	/* Numbered: queued by this enrollment, acknowledged or not. */
	if (!queued_kind(kind) || store_record_n(q->st, id, &n, q->err) != 0)
		return queued_kind(kind) ? -1 : 0;
	if (n <= 0)
		return 0;
	q->n++;
	return envelope_queue_keys(q->st, q->k, id, kind, at, json,
	    record_is_risk(kind, json), n, q->err);
}

/* Every record this enrollment has queued goes again, sealed to the sealed
 * clinic key under its own id: the clinic keeps one copy of each id, so
 * those it has already are harmless, and those another server took come
 * through. One transaction with the restored state. */
static int
restore(struct store *st, const struct device_keys *k, size_t *requeued,
    struct sw_error *err)
{
	struct requeue	q = { st, k, 0, err };
	sqlite3		*db = store_sqlite(st);

	if (store_begin(st, err) != 0)
		return -1;
	if (clear_restore(db, k) != 0) {
		sync_db_fail(db, err);
		goto fail;
	}
	if (store_each_record(st, NULL, requeue_one, &q, err) != 0)
		goto fail;
	if (store_commit(st, err) != 0)
		return -1;
	*requeued = q.n;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

/* Clear sync state with no sealed enrollment behind it was written by
 * someone else: nothing of it is kept. */
static int
clear_drop(struct store *st, struct sw_error *err)
{
	sqlite3 *db = store_sqlite(st);

	if (sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM sync_state; "
	    "DELETE FROM outbox; DELETE FROM inbox; COMMIT", NULL, NULL,
	    NULL) != SQLITE_OK) {
		sync_db_fail(db, err);
		store_rollback(st);
		return -1;
	}
	return 0;
}

int
sealed_copies_adopt(struct store *st, struct device_keys *k,
    struct sw_error *err)
{
	sqlite3	*db = store_sqlite(st);
	char	*b;
	int	 rc;

	/* A profile enrolled before the sealed copies were kept: its clear
	 * values become the sealed ones, once. */
	k->url = sync_get(db, "url");
	k->tls_pin = sync_get(db, "tls_pin");
	k->enrolled_at = sync_get_int(db, "enrolled_at", 0);
	b = sync_get(db, "clinic_box_pk");
	rc = proto_unb64(b, k->clinic_box_pk, PROTO_KEY_LEN);
	free(b);
	if ((k->request_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) ==
	    NULL)
		return sw_fail(err, SW_EIO, _("out of memory"));
	b = sync_get(db, "request_sk");
	rc |= proto_unb64(b, k->request_sk, crypto_sign_SECRETKEYBYTES);
	if (b != NULL)
		wipe_free(b);
	if (rc != 0 || k->url == NULL)
		return sw_fail(err, SW_ECORRUPT, _("The clinic connection "
		    "settings in the profile are damaged. Ask your clinic for "
		    "a new enrollment file."));
	if (device_keys_seal_clinic(st, k, err) != 0)
		return -1;
	k->has_clinic = true;
	return 0;
}

int
outbox_verify_at_unlock(struct store *st, struct unlock_report *r,
    struct sw_error *err)
{
	struct device_keys	k;
	struct sw_error		none = { 0 };
	sqlite3			*db = store_sqlite(st);
	char			device[PROTO_ID_LEN + 1];
	int			rc = -1;

	memset(r, 0, sizeof *r);
	if (device_keys_load(st, &k, &none) != 0) {
		if (none.code != SW_ENOENT) {
			*err = none;
			return -1;
		}
		if (!sync_device(db, device))
			return 0;
		r->redirected = true;
		return clear_drop(st, err);
	}
	if (!k.has_clinic && sealed_copies_adopt(st, &k, err) != 0)
		goto out;
	if (!clear_matches(db, &k)) {
		if (restore(st, &k, &r->requeued, err) != 0)
			goto out;
		r->redirected = true;
	}
	rc = inbox_check(st, &r->bad_messages, err);
out:
	device_keys_free(&k);
	return rc;
}

const char *
outbox_unlock_words(const struct unlock_report *r, char *buf, size_t size)
{
	if (r->redirected && r->requeued > 0)
		snprintf(buf, size, ngettext("This profile's clinic settings "
		    "were changed by someone without your passphrase. Stepwise "
		    "has put them back, and will send your %zu record to your "
		    "clinic again. Please tell your clinic.", "This profile's "
		    "clinic settings were changed by someone without your "
		    "passphrase. Stepwise has put them back, and will send "
		    "your %zu records to your clinic again. Please tell your "
		    "clinic.", r->requeued), r->requeued);
	else if (r->redirected)
		snprintf(buf, size, "%s", _("This profile's clinic settings "
		    "were changed by someone without your passphrase. Stepwise "
		    "has put them back. Please tell your clinic."));
	else if (r->bad_messages > 0)
		snprintf(buf, size, ngettext("%zu message failed its check "
		    "and was not kept. Please tell your clinic.", "%zu messages "
		    "failed their check and were not kept. Please tell your "
		    "clinic.", r->bad_messages), r->bad_messages);
	else
		return NULL;
	return buf;
}
