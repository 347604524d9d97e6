/* verify.c: the chain from the clinic's own signing key to each record,
 * and the decryption and checks of stepwise-protocol(7), What the clinic
 * checks when it decrypts. Nothing the server's database says is believed
 * until a signature made with a key the clinic holds vouches for it. */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "config.h"
#include "i18n.h"
#include "text.h"
#include "util.h"
#include "verify.h"

#define MAX_ANSWERS	256

/* ---- devices ---- */

static bool
blob(sqlite3_stmt *s, int col, unsigned char *out, size_t n)
{
	if (sqlite3_column_type(s, col) != SQLITE_BLOB ||
	    (size_t)sqlite3_column_bytes(s, col) != n)
		return false;
	memcpy(out, sqlite3_column_blob(s, col), n);
	return true;
}

static char *
text_or_null(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

/* Steps 1 and 2: the token row under the clinic's signing key, then the
 * registration under the token key. The patient is the one the clinic
 * signed for, whatever the device row says. */
static const char *
device_chain(sqlite3_stmt *s, const struct clinic_keys *k,
    struct vdevice *d)
{
	unsigned char	 token_pk[32], request_pk[32];
	unsigned char	 reg_sig[64], tok_sig[64];
	unsigned char	 reg[PROTO_ENROLL_SIGBYTES], *m;
	size_t		 n;
	int		 bad;

	if (sqlite3_column_type(s, 11) == SQLITE_NULL)
		return "unknown_token";
	if (!proto_id_ok(d->device) || !blob(s, 2, token_pk, 32) ||
	    !blob(s, 3, d->box_pk, 32) || !blob(s, 4, d->sign_pk, 32) ||
	    !blob(s, 5, request_pk, 32) || !blob(s, 6, reg_sig, 64))
		return "bad_registration";
	if (!blob(s, 13, tok_sig, 64) || d->patient == NULL)
		return "bad_token_signature";
	m = proto_token_bytes(token_pk, sqlite3_column_int64(s, 12),
	    d->patient, &n);
	bad = crypto_sign_verify_detached(tok_sig, m, n, k->sign_pk);
	free(m);
	if (bad)
		return "bad_token_signature";
	proto_enroll_bytes(token_pk, d->device, d->box_pk, d->sign_pk,
	    request_pk, reg);
	if (crypto_sign_verify_detached(reg_sig, reg, sizeof reg,
	    token_pk) != 0)
		return "bad_registration";
	if (d->claimed == NULL || strcmp(d->claimed, d->patient) != 0)
		return "patient_mismatch";
	return NULL;
}

int
verify_devices(sqlite3 *db, const struct clinic_keys *k, const char *patient,
    struct vdevice **out, size_t *n, struct sw_error *err)
{
	sqlite3_stmt	*s;
	struct vdevice	*v = NULL, *d;
	size_t		 cap = 0;
	const char	*id;
	int		 rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT d.device, d.patient, d.token_pk,"
	    " d.box_pk, d.sign_pk, d.request_pk, d.reg_signature,"
	    " d.registered_at, d.revoked_at, d.last_seen, d.delivered,"
	    " t.patient, t.expires_at, t.signature"
	    " FROM devices d LEFT JOIN tokens t ON t.token_pk = d.token_pk"
	    " WHERE ?1 IS NULL OR t.patient = ?1 OR d.patient = ?1"
	    " ORDER BY d.registered_at, d.device", -1, &s, NULL) != SQLITE_OK)
		return sw_fail(err, SW_EIO, _("Could not read the devices: %s"),
		    sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, patient, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof *v);
		}
		d = &v[(*n)++];
		memset(d, 0, sizeof *d);
		id = (const char *)sqlite3_column_text(s, 0);
		snprintf(d->device, sizeof d->device, "%s", id ? id : "");
		d->claimed = text_or_null(s, 1);
		d->patient = text_or_null(s, 11);
		d->registered_at = sqlite3_column_int64(s, 7);
		d->revoked_at = sqlite3_column_int64(s, 8);
		d->last_seen = sqlite3_column_int64(s, 9);
		d->delivered = sqlite3_column_int64(s, 10);
		d->fault = device_chain(s, k, d);
	}
	sqlite3_finalize(s);
	*out = v;
	if (rc != SQLITE_DONE) {
		vdevices_free(v, *n);
		*out = NULL;
		*n = 0;
		return sw_fail(err, SW_EIO, _("Could not read the devices: %s"),
		    sqlite3_errmsg(db));
	}
	return 0;
}

void
vdevices_free(struct vdevice *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].patient);
		free(v[i].claimed);
	}
	free(v);
}

const struct vdevice *
vdevice_find(const struct vdevice *v, size_t n, const char *device)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].device, device) == 0)
			return &v[i];
	return NULL;
}

/* ---- what a record holds, by kind ---- */

static bool
only_keys(const cJSON *o, const char *const *keys)
{
	return cJSON_IsObject(o) && proto_only_keys(o, keys);
}

static bool
optional_id(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return v == NULL || proto_id_ok(cJSON_GetStringValue(v));
}

static int
answers_of(const cJSON *a, int *out, size_t *n)
{
	const cJSON *it;

	*n = 0;
	if (!cJSON_IsArray(a))
		return -1;
	cJSON_ArrayForEach(it, a) {
		/* Strict parsing left only whole numbers from 0 up. */
		if (!cJSON_IsNumber(it) || it->valuedouble > INT_MAX ||
		    *n == MAX_ANSWERS)
			return -1;
		out[(*n)++] = (int)it->valuedouble;
	}
	return 0;
}

/* Whether answers to a measure show risk, by the measure's own risk items
 * (measure_score is the one rule); with the answer to its first risk
 * item in *item and *answer (0 when it has none). -1 when the answers are
 * not the measure's. */
static int
answers_risk(const struct measure *m, const int *answers, size_t n,
    struct measure_result *res, int *item, int *answer)
{
	if (measure_score(m, answers, n, res) != 0)
		return -1;
	*item = *answer = 0;
	if (m->n_risks > 0 && (size_t)m->risks[0].item <= n &&
	    m->risks[0].item >= 1) {
		*item = m->risks[0].item;
		*answer = answers[*item - 1];
	}
	return 0;
}

/* The clinic scores every check-in again from its answers and the
 * measure's definition, and flags any difference from what was sent. */
static const char *
check_checkin(struct vrecord *r, const struct content *ct)
{
	static const char *const keys[] = { "measure", "answers",
	    "functional", "total", "severity", "severity_label", "risk",
	    "completed_at", "completed_ts", "risk_signal", NULL };
	const cJSON		*o = r->record, *risk, *fn;
	const char		*measure, *severity, *signal;
	struct measure_result	 res;
	int			 answers[MAX_ANSWERS];
	size_t			 n;
	long long		 total, ts;

	risk = cJSON_GetObjectItemCaseSensitive(o, "risk");
	fn = cJSON_GetObjectItemCaseSensitive(o, "functional");
	if (!only_keys(o, keys) ||
	    (measure = proto_str(o, "measure")) == NULL ||
	    answers_of(cJSON_GetObjectItemCaseSensitive(o, "answers"),
	    answers, &n) != 0 || n == 0 || !proto_int(o, "total", &total) ||
	    (severity = proto_str(o, "severity")) == NULL ||
	    proto_str(o, "severity_label") == NULL || !cJSON_IsBool(risk) ||
	    proto_str(o, "completed_at") == NULL ||
	    !proto_int(o, "completed_ts", &ts) ||
	    (fn != NULL && !cJSON_IsNumber(fn)) ||
	    !optional_id(o, "risk_signal"))
		return "malformed";
	/* A check-in that names a risk signal had a risk answer, whatever
	 * it ended with: it belongs to that signal's risk. */
	if ((signal = proto_str(o, "risk_signal")) != NULL)
		snprintf(r->risk_signal, sizeof r->risk_signal, "%s", signal);
	r->risk = cJSON_IsTrue(risk) || signal != NULL;
	r->total = total > INT_MAX ? INT_MAX : (int)total;
	if (ct == NULL ||
	    (r->measure = content_measure(ct, measure)) == NULL) {
		r->check = "unknown_measure";
		return NULL;
	}
	if (answers_risk(r->measure, answers, n, &res, &r->risk_item,
	    &r->risk_answer) != 0 || !res.complete || res.band == NULL)
		return "malformed";
	r->total = res.total;
	r->band = res.band;
	if (res.total != total || strcmp(res.band->id, severity) != 0 ||
	    res.risk != cJSON_IsTrue(risk))
		r->check = "total_mismatch";
	/* A risk answer is never hidden by a flag that says otherwise. */
	r->risk = r->risk || res.risk;
	return NULL;
}

/* Whether one answer to one item of a measure is a risk answer: the
 * measure's own rule, on a form with only that item answered. */
static bool
item_is_risk(const struct measure *m, long long item, long long answer)
{
	struct measure_result	 res;
	int			*a;
	bool			 risk;

	if (item < 1 || (size_t)item > m->n_items || answer > INT_MAX)
		return false;
	a = xcalloc(m->n_items, sizeof *a);
	for (size_t i = 0; i < m->n_items; i++)
		a[i] = MEASURE_UNANSWERED;
	a[item - 1] = (int)answer;
	risk = measure_score(m, a, m->n_items, &res) == 0 && res.risk;
	free(a);
	return risk;
}

/* A risk signal: saved and sent the moment a risk item is answered at its
 * threshold, before the check-in is finished (stepwise-protocol(7),
 * RECORDS). It is a risk whatever else is wrong with it. */
static const char *
check_risk(struct vrecord *r, const struct content *ct)
{
	static const char *const keys[] = { "measure", "item", "answer",
	    "answered_at", "answered_ts", NULL };
	const cJSON	*o = r->record;
	const char	*measure;
	long long	 item, answer, ts;

	r->risk = true;
	if (!only_keys(o, keys) ||
	    (measure = proto_str(o, "measure")) == NULL || *measure == '\0' ||
	    !proto_int(o, "item", &item) || item < 1 || item > MAX_ANSWERS ||
	    !proto_int(o, "answer", &answer) || answer < 1 ||
	    answer > INT_MAX || proto_str(o, "answered_at") == NULL ||
	    !proto_int(o, "answered_ts", &ts))
		return "malformed";
	r->risk_item = (int)item;
	r->risk_answer = (int)answer;
	if (ct == NULL ||
	    (r->measure = content_measure(ct, measure)) == NULL) {
		r->check = "unknown_measure";
		return NULL;
	}
	/* The measure's own risk rule must call this answer a risk. */
	if (!item_is_risk(r->measure, item, answer))
		return "malformed";
	return NULL;
}

static const char *
check_exercise(const cJSON *o)
{
	static const char *const keys[] = { "exercise", "values",
	    "completed_at", "follows", NULL };
	const char *ex = proto_str(o, "exercise");

	if (!only_keys(o, keys) || ex == NULL || *ex == '\0' ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "values")) ||
	    proto_str(o, "completed_at") == NULL || !optional_id(o, "follows"))
		return "malformed";
	return NULL;
}

static const char *
check_reply(const cJSON *o)
{
	static const char *const keys[] = { "text", "written_at",
	    "in_reply_to", NULL };
	const char *text = proto_str(o, "text");

	if (!only_keys(o, keys) || text == NULL || *text == '\0' ||
	    proto_str(o, "written_at") == NULL ||
	    !optional_id(o, "in_reply_to"))
		return "malformed";
	return NULL;
}

/* A lesson finished: its id as content ids are written (the clinic's own
 * content, when it has one, names the lesson) and when. */
static const char *
check_lesson(const cJSON *o)
{
	static const char *const keys[] = { "lesson", "done_at", NULL };
	const char	*id = proto_str(o, "lesson");
	long long	 at;
	size_t		 n = 0;

	if (!only_keys(o, keys) || id == NULL || !proto_int(o, "done_at",
	    &at) || at <= 0)
		return "malformed";
	for (; id[n] != '\0'; n++)
		if (!((id[n] >= 'a' && id[n] <= 'z') || (id[n] >= '0' &&
		    id[n] <= '9') || id[n] == '-' || id[n] == '_'))
			return "malformed";
	return n >= 1 && n <= 64 ? NULL : "malformed";
}

/* Step 5: the envelope's own fields, then the record for its kind; the
 * inner v is the version the envelope was stored and opened under. */
static const char *
check_plain(struct vrecord *r, int version, const struct content *ct)
{
	static const char *const keys[] = { "v", "id", "device", "kind",
	    "created_at", "n", "record", NULL };
	/* Version 3 names neither: its box's key is the device's and its
	 * nonce the id, so it opens for no other. */
	static const char *const keys3[] = { "v", "kind", "created_at", "n",
	    "record", NULL };
	static const char *const kinds[] = { "checkin", "exercise", "reply",
	    "risk", "lesson", NULL };
	const cJSON	*p = r->plain;
	const char	*id = r->id, *device = r->device, *kind;
	long long	 v;

	if (!proto_int(p, "v", &v))
		return "malformed";
	if (v != version)
		return "unsupported_version";
	if (!proto_int(p, "n", &r->n) || r->n < 0)
		r->n = 0;
	if (!proto_only_keys(p, version == PROTO_V3 ? keys3 : keys) ||
	    (version != PROTO_V3 && ((id = proto_str(p, "id")) == NULL ||
	    (device = proto_str(p, "device")) == NULL)) ||
	    (kind = proto_str(p, "kind")) == NULL ||
	    !proto_int(p, "created_at", &r->created_at) ||
	    !cJSON_IsObject(r->record = cJSON_GetObjectItemCaseSensitive(p,
	    "record")))
		return "malformed";
	/* The ids inside the seal close the one gap of encrypt-then-sign:
	 * a stripped and re-signed envelope names another device. */
	if (strcmp(id, r->id) != 0)
		return "id_mismatch";
	if (strcmp(device, r->device) != 0)
		return "device_mismatch";
	for (size_t i = 0; kinds[i] != NULL; i++)
		if (strcmp(kind, kinds[i]) == 0)
			r->kind = kinds[i];
	r->check = "ok";
	if (r->kind == NULL)
		return "malformed";
	if (r->kind == kinds[0])
		return check_checkin(r, ct);
	if (r->kind == kinds[1])
		return check_exercise(r->record);
	if (r->kind == kinds[3])
		return check_risk(r, ct);
	if (r->kind == kinds[4])
		return check_lesson(r->record);
	return check_reply(r->record);
}

/* One row's bytes, read from the database before any is checked, so that
 * the checks (a signature and a box each) can run on several processors. */
struct raw_row {
	int		 v;		/* the envelope's version */
	unsigned char	*ct;		/* NULL: not a blob */
	size_t		 ctlen;
	unsigned char	 sig[64];
	bool		 sig_ok;	/* a blob of 64 bytes */
	bool		 run_ok;	/* v3: a run holding it verifies */
	const struct vdevice *dev;	/* its device, NULL when unknown */
	const unsigned char *key3;	/* v3: the key its device shares with
					 * the clinic, NULL when none */
};

/* A row's plaintext: version 3 opens with the device's key, which is its
 * signature; NULL when it does not open. */
static char *
row_open(const struct raw_row *w, const char *id,
    const struct clinic_keys *k)
{
	if (w->ct == NULL)
		return NULL;
	if (w->v == PROTO_V3 && w->key3 != NULL)
		return proto_open3_with(w->ct, w->ctlen, id, w->key3);
	/* Without its device's key made (no memory for it): the long way. */
	if (w->v == PROTO_V3)
		return w->dev != NULL && proto_id_ok(id) ? proto_open3(w->ct,
		    w->ctlen, id, w->dev->sign_pk, k->box_sk) : NULL;
	return proto_open_v(w->v, w->ct, w->ctlen, k->box_pk, k->box_sk);
}

/* Steps 3 to 5 for one row whose device chain holds. */
static const char *
check_record(const struct raw_row *w, const struct clinic_keys *k,
    const struct content *ct, const struct vdevice *d, struct vrecord *r)
{
	unsigned char	*m;
	char		*text, why[128];
	size_t		 n;
	int		 bad;

	if (d == NULL)
		return "unknown_device";
	if (d->fault != NULL)
		return d->fault;
	if (w->v == PROTO_V3) {
		/* Its run's signature, checked again here (runs_check), then
		 * its box, which opens only if this device boxed it for this
		 * clinic's key: a forgery and a record for another clinic
		 * look the same. */
		if (!w->run_ok)
			return "bad_signature";
		if ((text = row_open(w, r->id, k)) == NULL)
			return "does_not_open";
		goto opened;
	}
	if (!proto_id_ok(r->id) || !w->sig_ok || w->ct == NULL ||
	    proto_record_ctx(w->v) == NULL)
		return "bad_signature";
	m = proto_envelope_bytes(proto_record_ctx(w->v), r->device, r->id,
	    w->ct, w->ctlen, &n);
	bad = crypto_sign_verify_detached(w->sig, m, n, d->sign_pk);
	free(m);
	if (bad)
		return "bad_signature";
	if ((text = row_open(w, r->id, k)) == NULL)
		return "does_not_open";
opened:
	r->plain = proto_parse(text, strlen(text), why, sizeof why);
	wipe_free(text);
	if (r->plain == NULL)
		return "malformed";
	return check_plain(r, w->v, ct);
}

/* ---- what a quarantined record still shows of risk ---- */

/* From a quarantined record's plaintext, read however far it reads: risk
 * is shown by a risk signal, a check-in's risk flag or risk signal, or
 * its answers to a measure the clinic knows; none only for strict JSON of
 * the envelope's own version and a known kind that shows no risk;
 * unknown otherwise. */
static enum vrisk
plain_risk(const cJSON *p, bool strict, int version,
    const struct content *ct, struct vrecord *r)
{
	const cJSON		*o = cJSON_GetObjectItemCaseSensitive(p, "record");
	const struct measure	*m;
	struct measure_result	 res;
	const char		*kind = proto_str(p, "kind"), *mid;
	int			 answers[MAX_ANSWERS];
	size_t			 n;
	long long		 v = 0, x;
	bool			 known = strict && proto_int(p, "v", &v) &&
				     v == version;

	if (kind == NULL || !cJSON_IsObject(o))
		return VRISK_UNKNOWN;
	proto_int(p, "created_at", &r->created_at);
	if (strcmp(kind, "risk") == 0) {
		r->kind = "risk";
		if (proto_int(o, "item", &x) && x <= INT_MAX)
			r->risk_item = (int)x;
		if (proto_int(o, "answer", &x) && x <= INT_MAX)
			r->risk_answer = (int)x;
		return VRISK_SHOWN;
	}
	if (strcmp(kind, "checkin") == 0) {
		r->kind = "checkin";
		mid = proto_str(o, "measure");
		if (ct != NULL && mid != NULL &&
		    (m = content_measure(ct, mid)) != NULL &&
		    answers_of(cJSON_GetObjectItemCaseSensitive(o, "answers"),
		    answers, &n) == 0 && answers_risk(m, answers, n, &res,
		    &r->risk_item, &r->risk_answer) == 0 && res.risk)
			return VRISK_SHOWN;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "risk")) ||
		    cJSON_HasObjectItem(o, "risk_signal"))
			return VRISK_SHOWN;
		return known && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o,
		    "risk")) ? VRISK_NONE : VRISK_UNKNOWN;
	}
	if (known && (strcmp(kind, "exercise") == 0 ||
	    strcmp(kind, "reply") == 0 || strcmp(kind, "lesson") == 0))
		return VRISK_NONE;
	return VRISK_UNKNOWN;
}

/* Open a quarantined record anyway, whatever check it failed, only to
 * learn whether it shows risk; nothing else of it is kept. The lenient
 * parse reads what strict JSON refuses, and may only ever find risk. */
static void
quarantine_risk(const struct raw_row *w, const struct clinic_keys *k,
    const struct content *ct, struct vrecord *r)
{
	char			*text, why[128];
	cJSON			*p;
	bool			 strict = true;

	r->qrisk = VRISK_UNKNOWN;
	if ((text = row_open(w, r->id, k)) == NULL)
		return;
	if ((p = proto_parse(text, strlen(text), why, sizeof why)) == NULL) {
		strict = false;
		p = cJSON_Parse(text);
	}
	wipe_free(text);
	if (p != NULL)
		r->qrisk = plain_risk(p, strict, w->v, ct, r);
	json_wipe_delete(p);
}

/* Nothing of a quarantined record is kept but what it shows of risk and
 * the patient its device is claimed for. */
static void
quarantine(const struct raw_row *w, const struct clinic_keys *k,
    const struct content *ct, const struct vdevice *d, struct vrecord *r)
{
	json_wipe_delete(r->plain);
	r->plain = NULL;
	r->record = NULL;
	r->kind = NULL;
	r->check = NULL;
	r->measure = NULL;
	r->band = NULL;
	r->risk = false;
	r->total = 0;
	r->created_at = 0;
	r->risk_item = r->risk_answer = 0;
	r->risk_signal[0] = '\0';
	if (d != NULL && (d->claimed != NULL || d->patient != NULL))
		r->claimed = xstrdup(d->claimed != NULL ? d->claimed :
		    d->patient);
	quarantine_risk(w, k, ct, r);
}

/* What check_one needs for each row (parallel_for). */
struct check_ctx {
	struct vrecord		*v;
	struct raw_row		*raw;
	const struct clinic_keys *k;
	const struct content	*ct;
};

static void
check_one(void *arg, size_t i)
{
	struct check_ctx	*c = arg;
	const struct vdevice	*d = c->raw[i].dev;
	struct vrecord		*r = &c->v[i];

	if ((r->reason = check_record(&c->raw[i], c->k, c->ct, d, r)) != NULL)
		quarantine(&c->raw[i], c->k, c->ct, d, r);
	else
		r->patient = xstrdup(d->patient);
}

static int
by_device_id(const void *a, const void *b)
{
	return strcmp((*(const struct vdevice *const *)a)->device,
	    (*(const struct vdevice *const *)b)->device);
}

/* Each row's device, found once through the ids in order (a caseload of
 * thousands of records from hundreds of devices). */
static void
devices_attach(const struct vrecord *v, struct raw_row *raw, size_t n,
    const struct vdevice *devs, size_t nd)
{
	const struct vdevice	**byid = xcalloc(nd ? nd : 1, sizeof *byid);
	const struct vdevice	**hit, *key;
	struct vdevice		  want;

	memset(&want, 0, sizeof want);
	key = &want;
	for (size_t i = 0; i < nd; i++)
		byid[i] = &devs[i];
	qsort(byid, nd, sizeof *byid, by_device_id);
	for (size_t i = 0; i < n; i++) {
		memcpy(want.device, v[i].device, sizeof want.device);
		hit = nd ? bsearch(&key, byid, nd, sizeof *byid,
		    by_device_id) : NULL;
		raw[i].dev = hit != NULL ? *hit : NULL;
	}
	free(byid);
}

/* The key each device with a version 3 row shares with the clinic, made
 * once for all its rows (the conversion of its signing key and the
 * Diffie-Hellman are most of a box's cost) before the workers start;
 * keys[i] is devs[i]'s; NULL when no row is of version 3. A secret:
 * sodium_free wipes it. */
static unsigned char (*keys_make(struct raw_row *raw, size_t n,
    const struct vdevice *devs, size_t nd,
    const struct clinic_keys *k))[PROTO_KEY_LEN]
{
	unsigned char	(*keys)[PROTO_KEY_LEN];
	signed char	 *state;
	size_t		  d, i;

	for (i = 0; i < n && raw[i].v != PROTO_V3; i++)
		;
	if (nd == 0 || i == n)
		return NULL;
	if ((keys = sodium_malloc(nd * PROTO_KEY_LEN)) == NULL)
		return NULL;	/* each row's box is opened the long way */
	state = xcalloc(nd, 1);		/* 0 not yet, 1 made, -1 none */
	for (; i < n; i++) {		/* from the first of version 3 */
		if (raw[i].v != PROTO_V3 || raw[i].dev == NULL)
			continue;
		d = (size_t)(raw[i].dev - devs);
		if (state[d] == 0)
			state[d] = proto_open3_key(keys[d],
			    raw[i].dev->sign_pk, k->box_sk) == 0 ? 1 : -1;
		raw[i].key3 = state[d] == 1 ? keys[d] : NULL;
	}
	free(state);
	return keys;
}

/* Up to this many workers; one when there are few items or one processor. */
#define CHECK_WORKERS	4
#define CHECK_PER_WORKER 32

struct share {
	void		(*fn)(void *, size_t);
	void		*arg;
	size_t		 n, from, step;
};

static void *
share_run(void *arg)
{
	struct share *w = arg;

	for (size_t i = w->from; i < w->n; i += w->step)
		w->fn(w->arg, i);
	return NULL;
}

/* fn(arg, i) for each i below n, shared out among the processors: each
 * i is done once, by one thread, and all are done on return. */
static void
parallel_for(size_t n, void (*fn)(void *, size_t), void *arg)
{
	struct share	 w[CHECK_WORKERS];
	pthread_t	 th[CHECK_WORKERS];
	bool		 started[CHECK_WORKERS] = { false };
	long		 cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t		 workers = cpus > 1 ? (size_t)cpus : 1;

	if (workers > CHECK_WORKERS)
		workers = CHECK_WORKERS;
	if (workers > n / CHECK_PER_WORKER)
		workers = n / CHECK_PER_WORKER ? n / CHECK_PER_WORKER : 1;
	for (size_t i = 0; i < workers; i++) {
		w[i] = (struct share){ fn, arg, n, i, workers };
		/* The first share is this thread's own; a worker that cannot
		 * start leaves its share to this thread too. */
		if (i > 0)
			started[i] = pthread_create(&th[i], NULL, share_run,
			    &w[i]) == 0;
	}
	share_run(&w[0]);
	for (size_t i = 1; i < workers; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			share_run(&w[i]);
	}
}

static void
check_all(struct vrecord *v, struct raw_row *raw, size_t n,
    const struct clinic_keys *k, const struct content *ct)
{
	struct check_ctx c = { v, raw, k, ct };

	parallel_for(n, check_one, &c);
}

/* ---- the runs of version 3 records ---- */

/* A version 3 row, found by its device and id. */
struct v3key {
	const char	*device, *id;
	size_t		 row;
};

static int
by_key(const void *a, const void *b)
{
	const struct v3key	*x = a, *y = b;
	int			 c = strcmp(x->device, y->device);

	return c != 0 ? c : strcmp(x->id, y->id);
}

/* The row of a version 3 record of device with the 16-byte id, or -1. */
static long
run_member(const struct v3key *keys, size_t nkeys, const char *device,
    const unsigned char *raw)
{
	struct v3key	 want, *hit;
	char		 id[PROTO_ID_LEN + 1];

	sodium_bin2hex(id, sizeof id, raw, 16);
	want.device = device;
	want.id = id;
	hit = nkeys ? bsearch(&want, keys, nkeys, sizeof *keys, by_key) : NULL;
	return hit != NULL ? (long)hit->row : -1;
}

/* One run the server kept, as read. */
struct run_row {
	char		 device[PROTO_ID_LEN + 1];
	unsigned char	 prev[PROTO_HASH_LEN], sig[PROTO_SIG_LEN];
	unsigned char	*ids, *leaves;	/* 16 and PROTO_HASH_LEN bytes each */
	size_t		 nid;
	bool		 ok;		/* its device's signature holds */
};

struct runs_ctx {
	struct run_row		*run;
	const struct v3key	*keys;
	size_t			 nkeys;
	const struct raw_row	*raw;
};

/* Fold the leaves the server kept from prev and check the device's
 * signature on the chain's end; the device is known from any of the
 * run's records that is here (a run none of whose records is here, or
 * of an unknown device, vouches for nothing). */
static void
run_verify(void *arg, size_t r)
{
	struct runs_ctx		*c = arg;
	struct run_row		*u = &c->run[r];
	unsigned char		 h[PROTO_HASH_LEN], *m;
	const struct vdevice	*d = NULL;
	size_t			 ml;
	long			 at;

	memcpy(h, u->prev, sizeof h);
	for (size_t i = 0; i < u->nid; i++) {
		proto_chain3_leaf(h, u->leaves + PROTO_HASH_LEN * i, h);
		if (d == NULL && (at = run_member(c->keys, c->nkeys, u->device,
		    u->ids + 16 * i)) >= 0)
			d = c->raw[at].dev;
	}
	if (d == NULL)
		return;
	m = proto_run3_bytes(u->device, h, &ml);
	u->ok = crypto_sign_verify_detached(u->sig, m, ml, d->sign_pk) == 0;
	free(m);
}

/* Each record of a run whose signature holds is vouched for if it is
 * here and hashes to its leaf: a record the server lost leaves the
 * others believed; a changed one does not hash to its leaf. */
static void
run_mark(const struct run_row *u, const struct v3key *keys, size_t nkeys,
    const struct vrecord *v, struct raw_row *raw)
{
	unsigned char	leaf[PROTO_HASH_LEN];
	long		at;

	for (size_t i = 0; u->ok && i < u->nid; i++) {
		if ((at = run_member(keys, nkeys, u->device, u->ids + 16 * i)) < 0)
			continue;
		proto_leaf3(v[at].id, raw[at].ct, raw[at].ctlen, leaf);
		if (sodium_memcmp(leaf, u->leaves + PROTO_HASH_LEN * i,
		    sizeof leaf) == 0)
			raw[at].run_ok = true;
	}
}

/* Every run the server kept for the patient (or for all), read whole; a
 * row not in the form serve stores is left out. */
static int
runs_read(sqlite3 *db, const char *patient, struct run_row **out,
    size_t *nout)
{
	sqlite3_stmt	*s;
	struct run_row	*run = NULL, *u;
	size_t		 n = 0, cap = 0, nid;
	const char	*device;
	int		 rc;

	*out = NULL;
	*nout = 0;
	if (sqlite3_prepare_v2(db, "SELECT u.device, u.prev, u.signature,"
	    " u.ids, u.leaves FROM runs u"
	    " LEFT JOIN devices d ON d.device = u.device"
	    " LEFT JOIN tokens t ON t.token_pk = d.token_pk"
	    " WHERE ?1 IS NULL OR t.patient = ?1 OR d.patient = ?1", -1, &s,
	    NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_text(s, 1, patient, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		device = (const char *)sqlite3_column_text(s, 0);
		nid = (size_t)sqlite3_column_bytes(s, 3) / 16;
		if (device == NULL || strlen(device) != PROTO_ID_LEN ||
		    sqlite3_column_type(s, 3) != SQLITE_BLOB ||
		    sqlite3_column_type(s, 4) != SQLITE_BLOB ||
		    nid == 0 || nid > PROTO_MAX_BATCH ||
		    (size_t)sqlite3_column_bytes(s, 3) != 16 * nid ||
		    (size_t)sqlite3_column_bytes(s, 4) != PROTO_HASH_LEN * nid)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			run = xreallocarray(run, cap, sizeof *run);
		}
		u = &run[n];
		memset(u, 0, sizeof *u);
		if (!blob(s, 1, u->prev, sizeof u->prev) ||
		    !blob(s, 2, u->sig, sizeof u->sig))
			continue;
		memcpy(u->device, device, PROTO_ID_LEN + 1);
		u->nid = nid;
		u->ids = xmalloc(16 * nid);
		memcpy(u->ids, sqlite3_column_blob(s, 3), 16 * nid);
		u->leaves = xmalloc(PROTO_HASH_LEN * nid);
		memcpy(u->leaves, sqlite3_column_blob(s, 4),
		    PROTO_HASH_LEN * nid);
		n++;
	}
	sqlite3_finalize(s);
	*out = run;
	*nout = n;
	return rc;
}

/* Mark each version 3 row that a run the server kept vouches for. The
 * server checked every run at upload; this is the clinic not taking its
 * word for it. The signatures are checked on all processors, as the
 * records are. */
static int
runs_check(sqlite3 *db, const char *patient, const struct vrecord *v,
    struct raw_row *raw, size_t n, struct sw_error *err)
{
	struct v3key	*keys = xcalloc(n ? n : 1, sizeof *keys);
	struct run_row	*run;
	struct runs_ctx	 c;
	size_t		 nv3 = 0, nrun;
	int		 rc;

	for (size_t i = 0; i < n; i++)
		if (raw[i].v == PROTO_V3 && raw[i].ct != NULL) {
			keys[nv3].device = v[i].device;
			keys[nv3].id = v[i].id;
			keys[nv3++].row = i;
		}
	if (nv3 == 0) {
		free(keys);
		return 0;
	}
	qsort(keys, nv3, sizeof *keys, by_key);
	rc = runs_read(db, patient, &run, &nrun);
	if (rc == SQLITE_DONE) {
		c = (struct runs_ctx){ run, keys, nv3, raw };
		parallel_for(nrun, run_verify, &c);
		for (size_t r = 0; r < nrun; r++)
			run_mark(&run[r], keys, nv3, v, raw);
	}
	for (size_t r = 0; r < nrun; r++) {
		free(run[r].ids);
		free(run[r].leaves);
	}
	free(run);
	free(keys);
	if (rc != SQLITE_DONE)
		return sw_fail(err, SW_EIO, _("Could not read the records: %s"),
		    sqlite3_errmsg(db));
	return 0;
}

int
verify_records(sqlite3 *db, const struct clinic_keys *k,
    const struct content *ct, const char *patient, struct vrecord **out,
    size_t *n, struct sw_error *err)
{
	struct vdevice	*devs;
	struct vrecord	*v = NULL, *r;
	struct raw_row	*raw = NULL, *w;
	unsigned char	(*keys3)[PROTO_KEY_LEN];
	sqlite3_stmt	*s;
	size_t		 nd, cap = 0;
	const char	*t;
	const void	*b;
	int		 rc;

	*out = NULL;
	*n = 0;
	if (verify_devices(db, k, patient, &devs, &nd, err) != 0)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT r.device, r.id, r.ciphertext,"
	    " r.signature, r.received_at, r.v FROM records r"
	    " LEFT JOIN devices d ON d.device = r.device"
	    " LEFT JOIN tokens t ON t.token_pk = d.token_pk"
	    " WHERE ?1 IS NULL OR t.patient = ?1 OR d.patient = ?1"
	    " ORDER BY r.received_at, r.rowid", -1, &s, NULL) != SQLITE_OK) {
		vdevices_free(devs, nd);
		return sw_fail(err, SW_EIO, _("Could not read the records: %s"),
		    sqlite3_errmsg(db));
	}
	sqlite3_bind_text(s, 1, patient, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof *v);
			raw = xreallocarray(raw, cap, sizeof *raw);
		}
		w = &raw[*n];
		r = &v[(*n)++];
		memset(r, 0, sizeof *r);
		memset(w, 0, sizeof *w);
		if (sqlite3_column_type(s, 2) == SQLITE_BLOB &&
		    (b = sqlite3_column_blob(s, 2)) != NULL) {
			w->ctlen = (size_t)sqlite3_column_bytes(s, 2);
			w->ct = xmalloc(w->ctlen);
			memcpy(w->ct, b, w->ctlen);
		}
		w->sig_ok = blob(s, 3, w->sig, sizeof w->sig);
		t = (const char *)sqlite3_column_text(s, 0);
		snprintf(r->device, sizeof r->device, "%s", t ? t : "");
		t = (const char *)sqlite3_column_text(s, 1);
		snprintf(r->id, sizeof r->id, "%s", t ? t : "");
		r->received_at = sqlite3_column_int64(s, 4);
		w->v = sqlite3_column_int(s, 5);
		r->arrival = *n - 1;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE) {
		devices_attach(v, raw, *n, devs, nd);
		if (runs_check(db, patient, v, raw, *n, err) != 0)
			rc = SQLITE_ERROR;
		else {
			keys3 = keys_make(raw, *n, devs, nd, k);
			check_all(v, raw, *n, k, ct);
			sodium_free(keys3);	/* zeroes it first */
		}
	}
	for (size_t i = 0; i < *n; i++)
		free(raw[i].ct);
	free(raw);
	vdevices_free(devs, nd);
	*out = v;
	if (rc != SQLITE_DONE) {
		vrecords_free(v, *n);
		*out = NULL;
		*n = 0;
		return sw_fail(err, SW_EIO, _("Could not read the records: %s"),
		    sqlite3_errmsg(db));
	}
	return 0;
}

void
vrecords_free(struct vrecord *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_wipe_delete(v[i].plain);
		free(v[i].patient);
		free(v[i].claimed);
	}
	if (v != NULL)
		sodium_memzero(v, n * sizeof *v);
	free(v);
}

/* ---- helpers for the commands that show what they decrypted ---- */

int
verify_content_load(const char *dir, struct content *ct,
    struct sw_error *err)
{
	struct diags	 d = { 0 };
	char		*locale, *line;
	int		 rc;

	if (dir == NULL || *dir == '\0')
		dir = content_dir_default();
	locale = content_locale_current();
	rc = content_load(dir, locale, ct, &d);
	free(locale);
	if (rc != 0) {
		line = diags_format(&d, 0);
		sw_fail(err, SW_EINVAL, _("The content that defines the "
		    "measures is not usable, so no score can be checked: %s "
		    "(try --content DIR)"), line);
		free(line);
	}
	diags_free(&d);
	return rc;
}

void
json_print_wiped(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j), *safe = text_json_safe(s);

	puts(safe);
	wipe_free(safe);
	wipe_free(s);
	json_wipe_delete(j);
}

int
clinic_read_open(const char *dir, const char *content_dir, bool want_content,
    struct clinic_read *r, struct sw_error *err)
{
	memset(r, 0, sizeof *r);
	/* The keys first: the database is read only once they are known to
	 * be the clinic's. */
	if (clinic_keys_load(dir, &r->k, err) != 0)
		return -1;
	r->have_keys = true;
	if (clinic_db_open(dir, &r->db, err) != 0)
		return -1;
	if (want_content) {
		if (verify_content_load(content_dir, &r->ct,
		    &r->content_err) != 0) {
			memset(&r->ct, 0, sizeof r->ct);
			r->content_failed = true;
		} else
			r->have_content = true;
	}
	return 0;
}

const struct content *
clinic_read_content(const struct clinic_read *r)
{
	return r->have_content ? &r->ct : NULL;
}

int
clinic_read_report(const struct clinic_read *r)
{
	if (!r->content_failed)
		return CLINIC_EXIT_OK;
	fprintf(stderr, _("stepwise-clinic: %s\nstepwise-clinic: what could "
	    "be read is listed, with risk from each record's own flag and "
	    "answers; no score was checked.\n"), r->content_err.msg);
	return CLINIC_EXIT_FAIL;
}

void
clinic_read_close(struct clinic_read *r)
{
	if (r->have_keys)
		clinic_keys_free(&r->k);
	if (r->have_content)
		content_free(&r->ct);
	sqlite3_close(r->db);
	memset(r, 0, sizeof *r);
}

char *
untrusted_clean(const char *s, const char *indent)
{
	char	*clean = text_clean(s, strlen(s), TEXT_LINES), *out, *o;
	size_t	 n = 0, in = strlen(indent);

	for (const char *p = clean; *p != '\0'; p++)
		n += *p == '\n' ? in + 1 : 1;
	o = out = xmalloc(n + 1);
	for (const char *p = clean; *p != '\0'; p++) {
		*o++ = *p;
		if (*p == '\n') {
			memcpy(o, indent, in);
			o += in;
		}
	}
	*o = '\0';
	wipe_free(clean);
	return out;
}

void
print_untrusted(FILE *f, const char *s, const char *indent)
{
	char *t = untrusted_clean(s, indent);

	fputs(t, f);
	wipe_free(t);
}

void
format_local(long long t, char *buf, size_t size)
{
	format_local_iso(t, true, buf, size);
}
