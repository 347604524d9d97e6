/* messages.c: supporter messages opened once the profile is unlocked, and
 * the patient's replies, which are records like any other
 * (stepwise-protocol(7), MESSAGES). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "draft.h"
#include "i18n.h"
#include "outbox.h"
#include "outbox_int.h"
#include "store_int.h"
#include "util.h"

#define RECORD_REPLY	"reply"

struct msg_list {
	struct message	*v;
	size_t		 n;
};

static struct message *
msg_new(struct msg_list *l)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	memset(&l->v[l->n], 0, sizeof *l->v);
	l->v[l->n].order = l->n;
	return &l->v[l->n++];
}

/* The inner checks of What the device checks, step 3. */
static bool
message_parse(const char *plain, const char *id, const char *device,
    struct message *m)
{
	/* "n", the clinic's counter for this device: stepwise-protocol(7),
	 * Gaps in the clinic's messages. */
	static const char *const keys[] = { "v", "id", "device", "sent_at",
	    "from", "text", "n", "programme", NULL };
	static const char *const pkeys[] = { "module", "action", NULL };
	char		 why[160];
	cJSON		*j;
	const cJSON	*from, *prog;
	const char	*s, *text, *pm = NULL, *pa = NULL;
	long long	 v, at;
	bool		 ok;

	if ((j = proto_parse(plain, strlen(plain), why, sizeof why)) == NULL)
		return false;
	from = cJSON_GetObjectItemCaseSensitive(j, "from");
	text = proto_str(j, "text");
	ok = proto_only_keys(j, keys) && proto_int(j, "v", &v) &&
	    v == PROTO_VERSION && (s = proto_str(j, "id")) != NULL &&
	    strcmp(s, id) == 0 && (s = proto_str(j, "device")) != NULL &&
	    strcmp(s, device) == 0 && proto_int(j, "sent_at", &at) &&
	    text != NULL && *text != '\0' &&
	    strlen(text) <= PROTO_MAX_MESSAGE_TEXT &&
	    (from == NULL || cJSON_IsString(from));
	/* An instruction must be whole: a module id and open or hold. */
	if (ok && (prog = cJSON_GetObjectItemCaseSensitive(j, "programme")) !=
	    NULL)
		ok = cJSON_IsObject(prog) && proto_only_keys(prog, pkeys) &&
		    (pm = proto_str(prog, "module")) != NULL && *pm != '\0' &&
		    strlen(pm) <= 64 && (pa = proto_str(prog, "action")) !=
		    NULL && (strcmp(pa, "open") == 0 || strcmp(pa, "hold") ==
		    0);
	if (ok) {
		if (pm != NULL) {
			m->prog_module = xstrdup(pm);
			m->prog_action = strcmp(pa, "open") == 0 ? PROG_OPEN :
			    PROG_HOLD;
		}
		snprintf(m->id, sizeof m->id, "%s", id);
		snprintf(m->device, sizeof m->device, "%s", device);
		if (!proto_int(j, "n", &m->n) || m->n < 0)
			m->n = 0;
		m->at = at;
		m->text = xstrdup(text);
		m->from = from != NULL && *from->valuestring != '\0' ?
		    xstrdup(from->valuestring) : NULL;
	}
	json_wipe_delete(j);
	return ok;
}

/* What the device checks, steps 2 and 3, against the sealed keys: the
 * signature under the clinic key of the enrollment whose box key opens the
 * message (the current one, then earlier ones), then the inner fields. The
 * signature was checked when the message was fetched too, but against the
 * clear key a sync without the passphrase has: that check is not enough. */
static bool
message_open(const struct device_keys *k, const char *id,
    const unsigned char *ct, size_t ctlen, const unsigned char *sig,
    size_t siglen, struct message *m)
{
	unsigned char	*bytes;
	size_t		 blen;
	char		*plain;
	bool		 ok;

	if (!proto_id_ok(id) || ct == NULL || ctlen == 0 || sig == NULL ||
	    siglen != PROTO_SIG_LEN)
		return false;
	for (size_t i = 0; i < k->n_box; i++) {
		plain = proto_open(ct, ctlen, k->box[i].pk, k->box[i].sk);
		if (plain == NULL)
			continue;
		bytes = proto_envelope_bytes(PROTO_CTX_MESSAGE,
		    k->box[i].device, id, ct, ctlen, &blen);
		ok = crypto_sign_verify_detached(sig, bytes, blen,
		    k->box[i].clinic_sign_pk) == 0 &&
		    message_parse(plain, id, k->box[i].device, m);
		free(bytes);
		wipe_free(plain);
		return ok;
	}
	return false;
}

/* A message that does not open or check is dropped and counted, so that
 * the patient is told once rather than at every unlock. */
static int
drop_bad(sqlite3 *db, char (*bad)[PROTO_ID_LEN + 1], size_t n,
    struct sw_error *err)
{
	sqlite3_stmt	*s;
	int		 rc = 0;

	if (n == 0)
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sync_db_fail(db, err);
	if (sqlite3_prepare_v2(db, "DELETE FROM inbox WHERE id = ?", -1, &s,
	    NULL) != SQLITE_OK)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, bad[i], -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = -1;
	}
	sqlite3_finalize(s);
	if (rc == 0)
		rc = sync_set_int(db, "bad_messages", sync_get_int(db,
		    "bad_messages", 0) + (long long)n);
	if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) ==
	    SQLITE_OK)
		return 0;
	sync_db_fail(db, err);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Every kept message, opened and checked, into l (NULL: check only). Those
 * that fail are dropped; *dropped says how many, 0 when they could not be
 * dropped now (the profile busy: a sync from cron), so that the next load
 * drops and counts them instead. */
static int
inbox_load(struct store *st, struct msg_list *l, size_t *dropped,
    struct sw_error *err)
{
	sqlite3			*db = store_sqlite(st);
	struct device_keys	 k;
	struct msg_list		 scratch = { NULL, 0 };
	cJSON			*read;
	char			(*bad)[PROTO_ID_LEN + 1] = NULL;
	size_t			 n_bad = 0;
	sqlite3_stmt		*s;
	int			 rc, ret = 0;
	char			 device[PROTO_ID_LEN + 1];

	*dropped = 0;
	if (!sync_device(db, device))
		return 0;
	if (device_keys_load(st, &k, err) != 0)
		return -1;
	if (l == NULL)
		l = &scratch;
	if (id_list_load(st, INBOX_READ_STATE, &read, err) != 0) {
		device_keys_free(&k);
		return -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT id, ciphertext, signature FROM inbox "
	    "ORDER BY seq", -1, &s, NULL) != SQLITE_OK) {
		device_keys_free(&k);
		cJSON_Delete(read);
		return sync_db_fail(db, err);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char	*id = (const char *)sqlite3_column_text(s, 0);
		struct message	*m = msg_new(l);

		if (message_open(&k, id, sqlite3_column_blob(s, 1),
		    (size_t)sqlite3_column_bytes(s, 1), sqlite3_column_blob(s,
		    2), (size_t)sqlite3_column_bytes(s, 2), m)) {
			m->read = id_list_has(read, id);
			continue;
		}
		l->n--;
		wipe_free(m->from);
		wipe_free(m->text);
		bad = xreallocarray(bad, n_bad + 1, sizeof *bad);
		snprintf(bad[n_bad++], sizeof *bad, "%s", id == NULL ? "" : id);
	}
	if (rc != SQLITE_DONE)
		ret = sync_db_fail(db, err);
	sqlite3_finalize(s);
	device_keys_free(&k);
	cJSON_Delete(read);
	messages_free(scratch.v, scratch.n);
	if (ret == 0 && n_bad > 0) {
		struct sw_error later = { 0 };

		if (drop_bad(db, bad, n_bad, &later) == 0)
			*dropped = n_bad;
	}
	free(bad);
	return ret;
}

int
inbox_check(struct store *st, size_t *dropped, struct sw_error *err)
{
	size_t n;
	int rc = inbox_load(st, NULL, &n, err);

	if (dropped != NULL)
		*dropped = n;
	return rc;
}

static int
reply_seen(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	struct msg_list	*l = arg;
	struct message	*m;
	cJSON		*j = cJSON_Parse(json);
	const char	*text = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(j, "text"));

	(void)kind;
	if (text != NULL) {
		m = msg_new(l);
		snprintf(m->id, sizeof m->id, "%s", id);
		m->from_patient = true;
		m->at = at;
		m->text = xstrdup(text);
	}
	json_wipe_delete(j);
	return 0;
}

static int
by_time(const void *a, const void *b)
{
	const struct message *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->from_patient != y->from_patient)
		return x->from_patient ? 1 : -1;	/* the message first */
	/* The same second: the clinic's order (its sequence), or the order
	 * the replies were saved in. */
	return x->order < y->order ? -1 : x->order > y->order;
}

int
messages_load(struct store *st, struct message **out, size_t *n,
    struct sw_error *err)
{
	struct msg_list l = { NULL, 0 };
	size_t		dropped;

	*out = NULL;
	*n = 0;
	if (inbox_load(st, &l, &dropped, err) != 0 ||
	    store_each_record(st, RECORD_REPLY, reply_seen, &l, err) != 0) {
		messages_free(l.v, l.n);
		return -1;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof *l.v, by_time);
	*out = l.v;
	*n = l.n;
	return 0;
}

size_t
messages_missing(const struct message *v, size_t n)
{
	size_t missing = 0;

	for (size_t i = 0; i < n; i++) {
		long long	top = 0;
		size_t		held = 0;
		bool		first = true;

		if (v[i].from_patient || v[i].n == 0)
			continue;
		/* Once per device: at its first numbered message. */
		for (size_t k = 0; k < i && first; k++)
			first = v[k].from_patient || v[k].n == 0 ||
			    strcmp(v[k].device, v[i].device) != 0;
		if (!first)
			continue;
		for (size_t k = 0; k < n; k++) {
			if (v[k].from_patient ||
			    strcmp(v[k].device, v[i].device) != 0)
				continue;
			held++;
			if (v[k].n > top)
				top = v[k].n;
		}
		if (top > (long long)held)
			missing += (size_t)(top - (long long)held);
	}
	return missing;
}

char *
messages_problem_words(long long bad, size_t missing)
{
	char	*a = NULL, *b = NULL, *s;

	if (bad > 0)
		a = xasprintf(ngettext("%lld message from your clinic failed its "
		    "safety check, so it is not shown.", "%lld messages from "
		    "your clinic failed their safety check, so they are not "
		    "shown.", (unsigned long)bad), bad);
	if (missing > 0)
		b = xasprintf(ngettext("%zu message your clinic sent has not "
		    "reached this device: it may have been lost on the way.",
		    "%zu messages your clinic sent have not reached this "
		    "device: they may have been lost on the way.",
		    (unsigned long)missing), missing);
	if (a == NULL && b == NULL)
		return NULL;
	s = xasprintf(_("%s%s%s Please tell your clinic."), a ? a : "",
	    a && b ? " " : "", b ? b : "");
	free(a);
	free(b);
	return s;
}

void
messages_free(struct message *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		wipe_free(v[i].from);
		wipe_free(v[i].text);
		free(v[i].prog_module);
	}
	free(v);
}

int
messages_mark_read(struct store *st, struct message *v, size_t n,
    long long now, struct sw_error *err)
{
	sqlite3		*db = store_sqlite(st);
	sqlite3_stmt	*s;
	cJSON		*read, *keep;
	char		*text;
	size_t		 i;
	int		 rc;

	(void)now;	/* when is not kept: only that it was read */
	for (i = 0; i < n && (v[i].from_patient || v[i].read); i++)
		;
	if (i == n || !sync_tables_exist(db))
		return 0;
	if (id_list_load(st, INBOX_READ_STATE, &read, err) != 0)
		return -1;
	/* The marks of messages still kept, and these: one sealed write. */
	keep = cJSON_CreateArray();
	if (sqlite3_prepare_v2(db, "SELECT id FROM inbox ORDER BY seq", -1, &s,
	    NULL) != SQLITE_OK) {
		cJSON_Delete(read);
		cJSON_Delete(keep);
		return sync_db_fail(db, err);
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		bool now_read = id_list_has(read, id);

		for (i = 0; !now_read && i < n; i++)
			now_read = !v[i].from_patient && strcmp(v[i].id, id) == 0;
		if (now_read)
			cJSON_AddItemToArray(keep, cJSON_CreateString(id));
	}
	sqlite3_finalize(s);
	text = cJSON_PrintUnformatted(keep);
	rc = store_put_state(st, INBOX_READ_STATE, text, err);
	free(text);
	cJSON_Delete(read);
	cJSON_Delete(keep);
	if (rc != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (!v[i].from_patient)
			v[i].read = true;
	return 0;
}

int
reply_save(struct store *st, const char *text, const char *in_reply_to,
    long long now, struct sw_error *err)
{
	cJSON		*j;
	char		*json, when[32], whybuf[PROTO_WHY_MAX];
	const char	*why;
	int		 rc;

	if (text == NULL || text[strspn(text, " \t\r\n")] == '\0')
		return sw_fail(err, SW_EINVAL, _("A reply needs some text."));
	if (strlen(text) > PROTO_MAX_MESSAGE_TEXT)
		return sw_fail(err, SW_EINVAL, _("This reply is too long to "
		    "send (more than %d bytes): please make it shorter, or "
		    "send it as two replies."), PROTO_MAX_MESSAGE_TEXT);
	if ((why = proto_text_why(text, SIZE_MAX, true, whybuf,
	    sizeof whybuf)) != NULL)
		return sw_fail(err, SW_EINVAL, _("This reply cannot be sent: "
		    "it %s. Please take that out."), why);
	if (in_reply_to != NULL && !proto_id_ok(in_reply_to))
		return sw_fail(err, SW_EINVAL, _("That is not a message that "
		    "can be answered."));
	format_rfc3339(now, when, sizeof when);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "text", text);
	if (in_reply_to != NULL)
		cJSON_AddStringToObject(j, "in_reply_to", in_reply_to);
	cJSON_AddStringToObject(j, "written_at", when);
	json = store_json_print(j);
	json_wipe_delete(j);
	if (json == NULL)
		return sw_fail(err, SW_EIO, _("out of memory"));
	rc = outbox_save_record(st, RECORD_REPLY, now, json, false,
	    DRAFT_REPLY_KEY, -1, NULL, err);
	store_secret_free(json);
	return rc;
}
