/* message.c: supporter messages (stepwise-protocol(7), MESSAGES):
 * stepwise-clinic message seals one to each of a patient's devices and
 * signs it as the clinic's; stepwise-clinic messages shows the
 * conversation, the clinic's messages with the patient's replies. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "casework.h"
#include "template.h"
#include "i18n.h"
#include "util.h"
#include "verify.h"

/* ---- stepwise-clinic message ---- */

/* The text of template NAME filled in for the patient (template.h); the
 * sender, when none was given, is the supporter assigned (*from then
 * points into supporter, to free). */
static char *
from_template(const char *dir, sqlite3 *db, const struct clinic_keys *k,
    const char *name, const char *patient, const char **from,
    char **supporter, struct sw_error *err)
{
	struct casework	 cw = { 0 };
	struct cw_case	 c;
	struct tvars	 v = { 0 };
	char		*text;

	if (casework_load(db, k, patient, &cw, err) != 0)
		return NULL;
	casework_case(&cw, patient, &c);
	v.patient = patient;
	v.supporter = *from != NULL ? *from : c.supporter;
	v.next_due = c.next_due;
	text = template_fill(dir, name, &v, err);
	if (text != NULL && *from == NULL && c.supporter != NULL)
		*from = *supporter = xstrdup(c.supporter);
	casework_free(&cw);
	return text;
}

/* The text from standard input, without one trailing new line. */
static char *
read_text(struct sw_error *err)
{
	size_t		 cap = PROTO_MAX_MESSAGE_TEXT + 2, n;
	char		*buf, whybuf[PROTO_WHY_MAX];
	const char	*why;

	if ((buf = clinic_read_stdin(cap, &n)) == NULL) {
		sw_fail(err, SW_EIO, _("Could not read the message from "
		    "standard input: %s"), strerror(errno));
		return NULL;
	}
	if (n == 0) {
		sw_fail(err, SW_EINVAL, _("The message is empty: write its "
		    "text on standard input."));
		goto fail;
	}
	if (n > PROTO_MAX_MESSAGE_TEXT) {
		sw_fail(err, SW_EINVAL, _("The message is too long: at most "
		    "%d bytes."), PROTO_MAX_MESSAGE_TEXT);
		goto fail;
	}
	if (memchr(buf, '\0', n) != NULL || !proto_utf8_ok(buf, n)) {
		sw_fail(err, SW_EINVAL, _("The message is not valid UTF-8 "
		    "text."));
		goto fail;
	}
	/* The patient's Stepwise shows it on a terminal. */
	if ((why = proto_text_why(buf, SIZE_MAX, true, whybuf,
	    sizeof whybuf)) != NULL) {
		sw_fail(err, SW_EINVAL, _("The message cannot be sent: it %s. "
		    "Write plain text (new lines and tabs are kept)."), why);
		goto fail;
	}
	return buf;
fail:
	sodium_memzero(buf, cap + 1);
	free(buf);
	return NULL;
}

/* The sealed plaintext, keys in the order the page gives. n numbers the
 * messages to this device from 1, inside the signed seal, so that the
 * device sees a gap when the server drops one. */
static char *
message_json(const char *id, const char *device, long long sent_at,
    long long n, const char *from, const char *text, const cJSON *programme)
{
	cJSON	*j = cJSON_CreateObject();
	char	*s;

	cJSON_AddNumberToObject(j, "v", PROTO_VERSION);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "device", device);
	cJSON_AddNumberToObject(j, "sent_at", (double)sent_at);
	cJSON_AddNumberToObject(j, "n", (double)n);
	if (from != NULL)
		cJSON_AddStringToObject(j, "from", from);
	cJSON_AddStringToObject(j, "text", text);
	if (programme != NULL)
		cJSON_AddItemToObject(j, "programme",
		    cJSON_Duplicate(programme, 1));
	s = cJSON_PrintUnformatted(j);
	json_wipe_delete(j);
	return s;
}

static int
queue_one(sqlite3 *db, const struct clinic_keys *k, const struct vdevice *d,
    const char *id, long long now, const char *from, const char *text,
    const cJSON *programme, struct sw_error *err)
{
	char		*plain;
	unsigned char	*ct = NULL, *copy = NULL, *m, sig[64];
	size_t		 ctlen, copylen, n;
	sqlite3_stmt	*s = NULL;
	long long	 seq = 0;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(seq), 0) + 1 FROM "
	    "messages WHERE device = ?", -1, &s, NULL) != SQLITE_OK)
		goto db_fail;
	sqlite3_bind_text(s, 1, d->device, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		seq = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if (seq <= 0)
		goto db_fail;
	plain = message_json(id, d->device, now, seq, from, text, programme);
	ct = proto_seal(plain, d->box_pk, &ctlen);
	copy = clinic_self_seal(plain, k, &copylen);
	wipe_free(plain);
	if (ct == NULL || copy == NULL) {
		sw_fail(err, SW_EINVAL, _("The message is too long once "
		    "encoded; shorten it."));
		goto out;
	}
	m = proto_envelope_bytes(PROTO_CTX_MESSAGE, d->device, id, ct, ctlen,
	    &n);
	crypto_sign_detached(sig, NULL, m, n, k->sign_sk);
	free(m);
	if (sqlite3_prepare_v2(db, "INSERT INTO messages(device, seq, id,"
	    " ciphertext, signature, clinic_copy, queued_at) VALUES(?1, ?7,"
	    " ?2, ?3, ?4, ?5, ?6)", -1, &s, NULL) != SQLITE_OK)
		goto db_fail;
	sqlite3_bind_text(s, 1, d->device, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, ct, (int)ctlen, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, sig, sizeof sig, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, copy, (int)copylen, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now);
	sqlite3_bind_int64(s, 7, seq);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto db_fail;
	rc = 0;
	goto out;
db_fail:
	sw_fail(err, SW_EIO, _("Could not queue the message: %s"),
	    sqlite3_errmsg(db));
out:
	sqlite3_finalize(s);
	free(ct);
	free(copy);
	return rc;
}

/* The devices a message goes to: the patient's, not revoked, and only
 * those whose chain from the clinic's own signature holds, so that a
 * device slipped into the server's database never gets the text. */
static size_t
pick_devices(const char *patient, struct vdevice *v, size_t n,
    const struct vdevice **out, struct sw_error *err)
{
	size_t	 m = 0, revoked = 0, faulty = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i].fault != NULL) {
			fprintf(stderr, _("stepwise-clinic: not sending to "
			    "device %s: it failed its check (%s); revoke it "
			    "and tell the patient.\n"), v[i].device,
			    v[i].fault);
			faulty++;
		} else if (strcmp(v[i].patient, patient) != 0)
			continue;
		else if (v[i].revoked_at != 0)
			revoked++;
		else
			out[m++] = &v[i];
	}
	if (m == 0 && revoked > 0)
		sw_fail(err, SW_ENOENT, _("Patient %s has no active device "
		    "(every device is revoked); nothing was queued."), patient);
	else if (m == 0 && faulty > 0)
		sw_fail(err, SW_ENOENT, _("Patient %s has no device that "
		    "passes its check; nothing was queued."), patient);
	else if (m == 0)
		sw_fail(err, SW_ENOENT, _("Patient %s has no enrolled device "
		    "(or no such patient); nothing was queued."), patient);
	return m;
}

int
clinic_message_queue(sqlite3 *db, const struct clinic_keys *k,
    const char *patient, const char *by, const char *from, const char *text,
    const cJSON *programme, const struct cw_row *also,
    char id[PROTO_ID_LEN + 1], size_t *copies, struct sw_error *err)
{
	struct vdevice		 *devs = NULL;
	const struct vdevice	**to = NULL;
	struct cw_row		  cw = { 0 };
	char			 *ref = (char *)patient;
	long long		  now = (long long)time(NULL);
	size_t			  nd = 0, nto, i;
	bool			  in_tx = false;
	int			  rc = -1;

	if (verify_devices(db, k, patient, &devs, &nd, err) != 0)
		goto out;
	to = xcalloc(nd ? nd : 1, sizeof *to);
	if ((nto = pick_devices(patient, devs, nd, to, err)) == 0)
		goto out;
	/* One id for every copy: the patient sees one message whichever
	 * device reads it. All copies are queued, or none. */
	proto_new_id(id);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		sw_fail(err, SW_EIO, _("Could not queue the message: %s"),
		    sqlite3_errmsg(db));
		goto out;
	}
	in_tx = true;
	for (i = 0; i < nto; i++)
		if (queue_one(db, k, to[i], id, now, from, text, programme,
		    err) != 0)
			goto out;
	/* Who sent it, for the audit (with the message, or not at all). */
	cw.action = CW_MESSAGE;
	cw.by = (char *)(by != NULL ? by : clinic_login_name());
	cw.by = cw.by != NULL && clinic_name_ok(cw.by) ? cw.by : "?";
	cw.at = now;
	cw.patients = &ref;
	cw.n_patients = 1;
	cw.what = id;
	if (casework_add(db, k, &cw, err) != 0 ||
	    (also != NULL && casework_add(db, k, also, err) != 0))
		goto out;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sw_fail(err, SW_EIO, _("Could not queue the message: %s"),
		    sqlite3_errmsg(db));
		goto out;
	}
	in_tx = false;
	*copies = nto;
	rc = 0;
out:
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	free(to);
	vdevices_free(devs, nd);
	return rc;
}

int
clinic_cmd_message(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "patient", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'F' },
		{ "template", required_argument, NULL, 't' },
		{ "as", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		CLINIC_COMMON_OPTIONS
	};
	const char		 *tname = NULL, *as = NULL;
	bool			  json = false;
	struct sw_error		  err = { 0 };
	struct clinic_keys	  k;
	const char		 *dir = ".", *patient = NULL, *from = NULL;
	char			 *text = NULL, id[PROTO_ID_LEN + 1];
	char			 *supporter = NULL;
	sqlite3			 *db = NULL;
	size_t			  nto = 0;
	bool			  have_keys = false;
	int			  opt, u, rc = CLINIC_EXIT_FAIL;

	while ((opt = clinic_getopt("message", _("Usage: stepwise-clinic "
	    "message [--dir DIR] --patient REF [--from NAME] [--as NAME]\n"
	    "       [--format text|json] < TEXT | --template NAME\n"), argc,
	    argv, ":", longopts, &dir, 0, &rc)) > 0) {
		if (opt == 'p')
			patient = optarg;
		else if (opt == 't')
			tname = optarg;
		else if (opt == 'F')
			from = optarg;
		else if (opt == 'a')
			as = optarg;
		else if (!clinic_text_or_json("message", optarg, &json))
			return CLINIC_EXIT_USAGE;
	}
	if (opt < 0)
		return rc;
	if (patient == NULL)
		return clinic_usage_error("message", "%s", _("--patient REF "
		    "is needed"));
	if (from != NULL && (u = clinic_name_arg("message", "from",
	    from)) != 0)
		return u;
	if (as != NULL && (as = clinic_who("message", as)) == NULL)
		return CLINIC_EXIT_USAGE;
	if (tname != NULL && !template_name_ok(tname))
		return clinic_usage_error("message", _("'%s' is not a template "
		    "name (a-z, 0-9 and -)"), tname);
	if (clinic_keys_load(dir, &k, &err) != 0)
		goto out;
	have_keys = true;
	if (clinic_db_open(dir, &db, &err) != 0)
		goto out;
	if ((text = tname != NULL ? from_template(dir, db, &k, tname,
	    patient, &from, &supporter, &err) : read_text(&err)) == NULL ||
	    clinic_message_queue(db, &k, patient, as, from, text, NULL, NULL,
	    id, &nto, &err) != 0)
		goto out;
	if (json) {
		cJSON *j = clinic_done_json("message", patient, as != NULL ? as :
		    clinic_login_name() != NULL ? clinic_login_name() : "?",
		    (long long)time(NULL));

		cJSON_AddStringToObject(j, "id", id);
		cJSON_AddNumberToObject(j, "devices", (double)nto);
		json_print_wiped(j);
	} else
		printf(ngettext("Queued message %s for %s on %zu device; it "
		    "gets it when it next syncs.\n", "Queued message %s for %s "
		    "on %zu devices; each gets it when it next syncs.\n", nto),
		    id, patient, nto);
	rc = CLINIC_EXIT_OK;
out:
	if (rc != CLINIC_EXIT_OK)
		clinic_fail(&err);
	wipe_free(text);
	free(supporter);
	if (have_keys)
		clinic_keys_free(&k);
	sqlite3_close(db);
	return rc;
}

/* ---- stepwise-clinic messages ---- */

/* One line of the conversation: a message the clinic sent (to every
 * device of the patient, shown once) or a reply from one device. */
struct line {
	bool		 sent;
	char		 id[PROTO_ID_LEN + 1];
	long long	 at;
	cJSON		*plain;		/* message: its plaintext */
	const struct vrecord *reply;
	size_t		 devices;	/* message: copies queued */
	size_t		 fetched;	/* message: devices that fetched it */
	size_t		 order;		/* as read: queued, then received */
};

struct talk {
	struct line	*v;
	size_t		 n, cap;
	size_t		 failed;	/* messages that failed a check */
};

static struct line *
talk_add(struct talk *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->v = xreallocarray(t->v, t->cap, sizeof *t->v);
	}
	memset(&t->v[t->n], 0, sizeof t->v[0]);
	t->v[t->n].order = t->n;
	return &t->v[t->n++];
}

/* Open the clinic's own copy of a message, after checking that the
 * clinic signed the copy the device gets, that the copy was boxed with the
 * clinic's own key, and that it names the same message and device. */
static cJSON *
open_copy(sqlite3_stmt *s, const struct clinic_keys *k, const char *device,
    const char *id)
{
	static const char *const keys[] = { "v", "id", "device", "sent_at",
	    "n", "from", "text", "programme", NULL };
	const unsigned char	*ct = sqlite3_column_blob(s, 3);
	const unsigned char	*copy = sqlite3_column_blob(s, 5);
	unsigned char		*m;
	char			*text, why[128];
	size_t			 n;
	long long		 v, at;
	cJSON			*j;
	int			 bad;

	if (ct == NULL || copy == NULL || !proto_id_ok(id) ||
	    sqlite3_column_bytes(s, 4) != 64)
		return NULL;
	m = proto_envelope_bytes(PROTO_CTX_MESSAGE, device, id, ct,
	    (size_t)sqlite3_column_bytes(s, 3), &n);
	bad = crypto_sign_verify_detached(sqlite3_column_blob(s, 4), m, n,
	    k->sign_pk);
	free(m);
	if (bad || (text = clinic_self_open(copy,
	    (size_t)sqlite3_column_bytes(s, 5), k)) == NULL)
		return NULL;
	j = proto_parse(text, strlen(text), why, sizeof why);
	wipe_free(text);
	if (j == NULL || !proto_only_keys(j, keys) || !proto_int(j, "v", &v) ||
	    v != PROTO_VERSION || !proto_int(j, "sent_at", &at) ||
	    proto_str(j, "text") == NULL ||
	    (cJSON_HasObjectItem(j, "from") && proto_str(j, "from") == NULL) ||
	    proto_str(j, "id") == NULL || strcmp(proto_str(j, "id"), id) != 0 ||
	    proto_str(j, "device") == NULL ||
	    strcmp(proto_str(j, "device"), device) != 0) {
		json_wipe_delete(j);
		return NULL;
	}
	return j;
}

static int
load_sent(sqlite3 *db, const struct clinic_keys *k, const struct vdevice *v,
    size_t nd, const char *patient, struct talk *t, struct sw_error *err)
{
	const struct vdevice	*d;
	sqlite3_stmt		*s;
	struct line		*l;
	const char		*device, *id;
	long long		 at, seq;
	size_t			 i;
	cJSON			*j;
	int			 rc;

	if (sqlite3_prepare_v2(db, "SELECT device, seq, id, ciphertext,"
	    " signature, clinic_copy FROM messages ORDER BY queued_at, seq",
	    -1, &s, NULL) != SQLITE_OK)
		return sw_fail(err, SW_EIO, _("Could not read the messages: "
		    "%s"), sqlite3_errmsg(db));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		device = (const char *)sqlite3_column_text(s, 0);
		id = (const char *)sqlite3_column_text(s, 2);
		seq = sqlite3_column_int64(s, 1);
		if (device == NULL || id == NULL ||
		    (d = vdevice_find(v, nd, device)) == NULL ||
		    d->fault != NULL || strcmp(d->patient, patient) != 0)
			continue;
		for (i = 0; i < t->n; i++)
			if (t->v[i].sent && strcmp(t->v[i].id, id) == 0)
				break;
		if (i == t->n) {
			if ((j = open_copy(s, k, device, id)) == NULL) {
				t->failed++;
				continue;
			}
			proto_int(j, "sent_at", &at);
			l = talk_add(t);
			l->sent = true;
			snprintf(l->id, sizeof l->id, "%s", id);
			l->at = at;
			l->plain = j;
		}
		t->v[i].devices++;
		/* The server's mark says only that someone holding the
		 * device's request key asked past seq: fetched, not read. */
		if (seq <= d->delivered)
			t->v[i].fetched++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sw_fail(err, SW_EIO, _("Could not read the messages: "
		    "%s"), sqlite3_errmsg(db));
	return 0;
}

static int
by_time(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->sent != y->sent)
		return x->sent ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void
print_talk_text(const struct talk *t, const char *patient)
{
	const struct line	*l;
	const cJSON		*o;
	const char		*from, *re;
	char			 when[32];

	for (size_t i = 0; i < t->n; i++) {
		l = &t->v[i];
		format_local(l->at, when, sizeof when);
		if (l->sent) {
			from = proto_str(l->plain, "from");
			printf(_("%s  to %s"), when, patient);
			if (from != NULL) {
				printf(_(", from "));
				print_untrusted(stdout, from, "");
			}
			printf(ngettext("  [%s; fetched by %zu of %zu device]\n",
			    "  [%s; fetched by %zu of %zu devices]\n",
			    l->devices), l->id, l->fetched, l->devices);
			o = l->plain;
		} else {
			o = l->reply->record;
			re = proto_str(o, "in_reply_to");
			printf(_("%s  from %s"), when, patient);
			if (re != NULL)
				printf(_(", in reply to %s"), re);
			printf("  [%s]\n", l->id);
		}
		fputs("    ", stdout);
		print_untrusted(stdout, proto_str(o, "text"), "    ");
		fputs("\n\n", stdout);
	}
}

static cJSON *
talk_json(const struct talk *t)
{
	const struct line	*l;
	cJSON			*a = cJSON_CreateArray(), *o;
	const char		*s;

	for (size_t i = 0; i < t->n; i++) {
		l = &t->v[i];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "direction", l->sent ?
		    "to_patient" : "from_patient");
		cJSON_AddStringToObject(o, "id", l->id);
		cJSON_AddNumberToObject(o, "at", (double)l->at);
		if (l->sent) {
			if ((s = proto_str(l->plain, "from")) != NULL)
				cJSON_AddStringToObject(o, "from", s);
			cJSON_AddNumberToObject(o, "devices",
			    (double)l->devices);
			cJSON_AddNumberToObject(o, "fetched",
			    (double)l->fetched);
			cJSON_AddStringToObject(o, "text",
			    proto_str(l->plain, "text"));
		} else {
			cJSON_AddStringToObject(o, "device",
			    l->reply->device);
			if ((s = proto_str(l->reply->record,
			    "in_reply_to")) != NULL)
				cJSON_AddStringToObject(o, "in_reply_to", s);
			cJSON_AddStringToObject(o, "written_at",
			    proto_str(l->reply->record, "written_at"));
			cJSON_AddStringToObject(o, "text",
			    proto_str(l->reply->record, "text"));
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void
print_talk_json(const struct talk *t, const char *patient)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "format", 1);
	cJSON_AddStringToObject(j, "patient", patient);
	cJSON_AddItemToObject(j, "messages", talk_json(t));
	json_print_wiped(j);
}

/* The messages sent and the replies (from recs), oldest first. */
static int
talk_load(sqlite3 *db, const struct clinic_keys *k, const char *patient,
    const struct vdevice *devs, size_t nd, const struct vrecord *recs,
    size_t nr, struct talk *t, struct sw_error *err)
{
	struct line *l;

	if (load_sent(db, k, devs, nd, patient, t, err) != 0)
		return -1;
	for (size_t i = 0; i < nr; i++) {
		if (recs[i].reason != NULL ||
		    strcmp(recs[i].kind, "reply") != 0 ||
		    strcmp(recs[i].patient, patient) != 0)
			continue;
		l = talk_add(t);
		snprintf(l->id, sizeof l->id, "%s", recs[i].id);
		l->at = recs[i].created_at;
		l->reply = &recs[i];
	}
	if (t->n > 1)
		qsort(t->v, t->n, sizeof *t->v, by_time);
	return 0;
}

static void
talk_free(struct talk *t)
{
	for (size_t i = 0; i < t->n; i++)
		json_wipe_delete(t->v[i].plain);
	free(t->v);
}

cJSON *
clinic_thread_json(sqlite3 *db, const struct clinic_keys *k,
    const char *patient, const struct vrecord *recs, size_t nr,
    size_t *failed, struct sw_error *err)
{
	struct vdevice	*devs = NULL;
	struct talk	 t = { NULL, 0, 0, 0 };
	size_t		 nd = 0;
	cJSON		*a = NULL;

	if (verify_devices(db, k, patient, &devs, &nd, err) == 0 &&
	    talk_load(db, k, patient, devs, nd, recs, nr, &t, err) == 0) {
		a = talk_json(&t);
		*failed = t.failed;
	}
	talk_free(&t);
	vdevices_free(devs, nd);
	return a;
}

int
clinic_cmd_messages(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "patient", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr;
	struct vdevice		*devs = NULL;
	struct vrecord		*recs = NULL;
	struct talk		 t = { NULL, 0, 0, 0 };
	const char		*dir = ".", *patient = NULL;
	size_t			 nd = 0, nr = 0;
	bool			 json = false;
	int			 opt, rc = CLINIC_EXIT_FAIL;

	while ((opt = clinic_getopt("messages", _("Usage: stepwise-clinic "
	    "messages [--dir DIR] --patient REF [--format text|json]\n"),
	    argc, argv, ":", longopts, &dir, 0, &rc)) > 0) {
		if (opt == 'p')
			patient = optarg;
		else if (!clinic_text_or_json("messages", optarg, &json))
			return CLINIC_EXIT_USAGE;
	}
	if (opt < 0)
		return rc;
	if (patient == NULL)
		return clinic_usage_error("messages", "%s", _("--patient REF "
		    "is needed"));
	/* Replies need no scoring, so no content is loaded. */
	if (clinic_read_open(dir, NULL, false, &cr, &err) != 0 ||
	    verify_devices(cr.db, &cr.k, patient, &devs, &nd, &err) != 0 ||
	    verify_records(cr.db, &cr.k, NULL, patient, &recs, &nr,
	    &err) != 0 ||
	    talk_load(cr.db, &cr.k, patient, devs, nd, recs, nr, &t,
	    &err) != 0 ||
	    casework_viewed(cr.db, &cr.k, "messages", patient, recs, nr,
	    &err) != 0)
		goto out;
	if (json)
		print_talk_json(&t, patient);
	else if (t.n == 0)
		printf(_("No messages with %s yet.\n"), patient);
	else
		print_talk_text(&t, patient);
	if (t.failed > 0)
		fprintf(stderr, ngettext("stepwise-clinic: %zu message failed "
		    "the clinic's check and is not shown.\n", "stepwise-clinic: "
		    "%zu messages failed the clinic's check and are not "
		    "shown.\n", t.failed), t.failed);
	rc = CLINIC_EXIT_OK;
out:
	if (rc != CLINIC_EXIT_OK)
		clinic_fail(&err);
	talk_free(&t);
	vrecords_free(recs, nr);
	vdevices_free(devs, nd);
	clinic_read_close(&cr);
	return rc;
}
