/* verify.c: the chain from the clinic's own signing key to each record,
 * and the decryption and checks of stepwise-protocol(7), What the clinic
 * checks when it decrypts. Nothing the server's database says is believed
 * until a signature made with a key the clinic holds vouches for it. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "i18n.h"
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

/* The clinic scores every check-in again from its answers and the
 * measure's definition, and flags any difference from what was sent. */
static const char *
check_checkin(struct vrecord *r, const struct content *ct)
{
	static const char *const keys[] = { "measure", "answers",
	    "functional", "total", "severity", "severity_label", "risk",
	    "completed_at", "completed_ts", NULL };
	const cJSON		*o = r->record, *risk, *fn;
	const char		*measure, *severity;
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
	    (fn != NULL && !cJSON_IsNumber(fn)))
		return "malformed";
	r->risk = cJSON_IsTrue(risk);
	r->total = total > INT_MAX ? INT_MAX : (int)total;
	if (ct == NULL ||
	    (r->measure = content_measure(ct, measure)) == NULL) {
		r->check = "unknown_measure";
		return NULL;
	}
	if (measure_score(r->measure, answers, n, &res) != 0 ||
	    !res.complete || res.band == NULL)
		return "malformed";
	r->total = res.total;
	r->band = res.band;
	if (res.total != total || strcmp(res.band->id, severity) != 0 ||
	    res.risk != r->risk)
		r->check = "total_mismatch";
	/* A risk answer is never hidden by a flag that says otherwise. */
	r->risk = r->risk || res.risk;
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

/* Step 5: the envelope's own fields, then the record for its kind. */
static const char *
check_plain(struct vrecord *r, const struct content *ct)
{
	static const char *const keys[] = { "v", "id", "device", "kind",
	    "created_at", "n", "record", NULL };
	static const char *const kinds[] = { "checkin", "exercise", "reply",
	    NULL };
	const cJSON	*p = r->plain;
	const char	*id, *device, *kind;
	long long	 v;

	if (!proto_int(p, "v", &v))
		return "malformed";
	if (v != PROTO_VERSION)
		return "unsupported_version";
	if (!proto_only_keys(p, keys) || (id = proto_str(p, "id")) == NULL ||
	    (device = proto_str(p, "device")) == NULL ||
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
	return check_reply(r->record);
}

/* Steps 3 to 5 for one row whose device chain holds. */
static const char *
check_record(sqlite3_stmt *s, const struct clinic_keys *k,
    const struct content *ct, const struct vdevice *d, struct vrecord *r)
{
	const unsigned char	*ct_bytes = sqlite3_column_blob(s, 2);
	size_t			 ctlen;
	unsigned char		 sig[64], *m;
	char			*text, why[128];
	size_t			 n;
	int			 bad;

	ctlen = (size_t)sqlite3_column_bytes(s, 2);
	if (d == NULL)
		return "unknown_device";
	if (d->fault != NULL)
		return d->fault;
	if (!proto_id_ok(r->id) || !blob(s, 3, sig, 64) || ct_bytes == NULL)
		return "bad_signature";
	m = proto_envelope_bytes(PROTO_CTX_RECORD, r->device, r->id, ct_bytes,
	    ctlen, &n);
	bad = crypto_sign_verify_detached(sig, m, n, d->sign_pk);
	free(m);
	if (bad)
		return "bad_signature";
	if ((text = proto_open(ct_bytes, ctlen, k->box_pk, k->box_sk)) == NULL)
		return "does_not_open";
	r->plain = proto_parse(text, strlen(text), why, sizeof why);
	wipe_free(text);
	if (r->plain == NULL)
		return "malformed";
	return check_plain(r, ct);
}

int
verify_records(sqlite3 *db, const struct clinic_keys *k,
    const struct content *ct, const char *patient, struct vrecord **out,
    size_t *n, struct sw_error *err)
{
	struct vdevice	*devs;
	struct vrecord	*v = NULL, *r;
	sqlite3_stmt	*s;
	size_t		 nd, cap = 0;
	const char	*t;
	int		 rc;

	*out = NULL;
	*n = 0;
	if (verify_devices(db, k, patient, &devs, &nd, err) != 0)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT r.device, r.id, r.ciphertext,"
	    " r.signature, r.received_at FROM records r"
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
		}
		r = &v[(*n)++];
		memset(r, 0, sizeof *r);
		t = (const char *)sqlite3_column_text(s, 0);
		snprintf(r->device, sizeof r->device, "%s", t ? t : "");
		t = (const char *)sqlite3_column_text(s, 1);
		snprintf(r->id, sizeof r->id, "%s", t ? t : "");
		r->received_at = sqlite3_column_int64(s, 4);
		r->arrival = *n - 1;
		r->reason = check_record(s, k, ct, vdevice_find(devs, nd,
		    r->device), r);
		if (r->reason != NULL) {
			/* Nothing of a quarantined record is kept. */
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
		} else
			r->patient = xstrdup(vdevice_find(devs, nd,
			    r->device)->patient);
	}
	sqlite3_finalize(s);
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
	char *s = cJSON_PrintUnformatted(j);

	puts(s);
	wipe_free(s);
	json_wipe_delete(j);
}

int
clinic_read_open(const char *dir, const char *content_dir, bool want_content,
    struct clinic_read *r, struct sw_error *err)
{
	memset(r, 0, sizeof *r);
	if (clinic_db_open(dir, &r->db, err) != 0)
		return -1;
	if (want_content) {
		if (verify_content_load(content_dir, &r->ct, err) != 0)
			return -1;
		r->have_content = true;
	}
	if (clinic_keys_load(dir, &r->k, true, err) != 0)
		return -1;
	r->have_keys = true;
	return 0;
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

void
print_untrusted(FILE *f, const char *s, const char *indent)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p == '\n') {
			fprintf(f, "\n%s", indent);
			continue;
		}
		/* C0, DEL and C1 controls could drive the terminal. */
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			fputc('?', f);
			continue;
		}
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fputc('?', f);
			p++;
			continue;
		}
		fputc(*p, f);
	}
}

void
format_local(long long t, char *buf, size_t size)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	localtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
}
