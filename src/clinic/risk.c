/* risk.c: open risks from the checked records, and the audit tables that
 * close them (acknowledgements) and say who was told (the watcher's
 * notices), as stepwise-clinic(8), RISKS and AUDIT, describe them. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "risk.h"
#include "util.h"

/* ---- one risk per signal ---- */

static struct risk *
risk_key(struct risks *rs, const char *device, const char *id, bool add)
{
	struct risk *r;

	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].id, id) == 0 &&
		    strcmp(rs->v[i].device, device) == 0)
			return &rs->v[i];
	if (!add)
		return NULL;
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 16;
		rs->v = xreallocarray(rs->v, rs->cap, sizeof *rs->v);
	}
	r = &rs->v[rs->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->device, sizeof r->device, "%s", device);
	snprintf(r->id, sizeof r->id, "%s", id);
	r->received_at = LLONG_MAX;
	return r;
}

static void
risk_add(struct risk *k, const struct vrecord *v, const struct vrecord **slot)
{
	if (*slot == NULL)
		*slot = v;
	if (v->received_at < k->received_at ||
	    (v->received_at == k->received_at && v->arrival < k->arrival)) {
		k->received_at = v->received_at;
		k->arrival = v->arrival;
	}
}

static int
newest_received_first(const void *a, const void *b)
{
	const struct risk *x = a, *y = b;

	if (x->received_at != y->received_at)
		return x->received_at > y->received_at ? -1 : 1;
	return x->arrival > y->arrival ? -1 : x->arrival < y->arrival;
}

void
risks_collect(const struct vrecord *v, size_t n, struct risks *rs)
{
	const struct vrecord	*first;
	struct risk		*k;

	memset(rs, 0, sizeof *rs);
	for (size_t i = 0; i < n; i++) {
		if (v[i].reason != NULL) {
			if (v[i].qrisk == VRISK_NONE)
				continue;
			k = risk_key(rs, v[i].device, v[i].id, true);
			risk_add(k, &v[i], &k->quarantined);
		} else if (strcmp(v[i].kind, "risk") == 0) {
			k = risk_key(rs, v[i].device, v[i].id, true);
			risk_add(k, &v[i], &k->signal);
		} else if (strcmp(v[i].kind, "checkin") == 0 && v[i].risk) {
			/* A check-in that names its signal is that risk. */
			k = risk_key(rs, v[i].device, v[i].risk_signal[0] ?
			    v[i].risk_signal : v[i].id, true);
			risk_add(k, &v[i], &k->checkin);
		}
	}
	for (size_t i = 0; i < rs->n; i++) {
		k = &rs->v[i];
		first = k->signal ? k->signal : k->checkin ? k->checkin :
		    k->quarantined;
		k->created_at = first->created_at;
		if (k->signal != NULL || k->checkin != NULL)
			k->patient = first->patient;
		else
			k->claimed = k->quarantined->claimed;
	}
	if (rs->n > 0)
		qsort(rs->v, rs->n, sizeof *rs->v, newest_received_first);
}

void
risks_free(struct risks *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->v[i].acked_by);
		wipe_free(rs->v[i].note);
	}
	free(rs->v);
	memset(rs, 0, sizeof *rs);
}

struct risk *
risks_find(struct risks *rs, const char *id)
{
	const struct risk *r;

	for (size_t i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (strcmp(r->id, id) == 0 ||
		    (r->signal && strcmp(r->signal->id, id) == 0) ||
		    (r->checkin && strcmp(r->checkin->id, id) == 0) ||
		    (r->quarantined && strcmp(r->quarantined->id, id) == 0))
			return &rs->v[i];
	}
	return NULL;
}

const char *
risk_patient(const struct risk *r)
{
	return r->patient ? r->patient : r->claimed ? r->claimed : "?";
}

/* ---- the audit tables ---- */

/* The sealed part of an audit row: which risk, and what the clear columns
 * say, so that a row moved, changed or made by anyone without box.sk is
 * caught. An acknowledgement also holds the note. */
static unsigned char *
audit_seal(const struct clinic_keys *k, const struct risk *r, const char *by,
    long long at, const char *note, size_t *len)
{
	cJSON		*j = cJSON_CreateObject();
	char		*s;
	unsigned char	*out;

	cJSON_AddNumberToObject(j, "v", 1);
	cJSON_AddStringToObject(j, "device", r->device);
	cJSON_AddStringToObject(j, "risk", r->id);
	if (by != NULL)
		cJSON_AddStringToObject(j, "by", by);
	cJSON_AddNumberToObject(j, "at", (double)at);
	if (note != NULL)
		cJSON_AddStringToObject(j, "note", note);
	s = cJSON_PrintUnformatted(j);
	json_wipe_delete(j);
	out = clinic_self_seal(s, k, len);
	wipe_free(s);
	return out;
}

/* Open one row's sealed part and check it against its clear columns (by
 * is NULL for a notice); NULL when it fails. */
static cJSON *
audit_open(sqlite3_stmt *s, int col, const struct clinic_keys *k,
    const char *by, long long at)
{
	static const char *const ack_keys[] = { "v", "device", "risk", "by",
	    "at", "note", NULL };
	static const char *const notice_keys[] = { "v", "device", "risk",
	    "at", NULL };
	char		*text, why[128];
	const char	*sby;
	long long	 v, sat;
	cJSON		*j;

	text = clinic_self_open(sqlite3_column_blob(s, col),
	    (size_t)sqlite3_column_bytes(s, col), k);
	if (text == NULL)
		return NULL;
	j = proto_parse(text, strlen(text), why, sizeof why);
	wipe_free(text);
	sby = proto_str(j, "by");
	if (j == NULL || !proto_only_keys(j, by ? ack_keys : notice_keys) ||
	    !proto_int(j, "v", &v) || v != 1 || !proto_int(j, "at", &sat) ||
	    sat != at || !proto_id_ok(proto_str(j, "device")) ||
	    !proto_id_ok(proto_str(j, "risk")) ||
	    (by != NULL && (sby == NULL || strcmp(sby, by) != 0 ||
	    proto_str(j, "note") == NULL))) {
		json_wipe_delete(j);
		return NULL;
	}
	return j;
}

static int
load_table(sqlite3 *db, const struct clinic_keys *k, struct risks *rs,
    bool acks, bool with_notes, struct sw_error *err)
{
	sqlite3_stmt	*s;
	struct risk	*r;
	const char	*by;
	long long	 at;
	cJSON		*j;
	int		 rc;

	if (sqlite3_prepare_v2(db, acks ? "SELECT acked_by, acked_at, sealed"
	    " FROM acks ORDER BY n" : "SELECT NULL, notified_at, sealed"
	    " FROM notices ORDER BY n", -1, &s, NULL) != SQLITE_OK)
		return sw_fail(err, SW_EIO, _("Could not read the audit "
		    "tables: %s"), sqlite3_errmsg(db));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		by = (const char *)sqlite3_column_text(s, 0);
		at = sqlite3_column_int64(s, 1);
		if ((acks && by == NULL) ||
		    (j = audit_open(s, 2, k, acks ? by : NULL, at)) == NULL) {
			rs->bad_rows++;
			continue;
		}
		r = risk_key(rs, proto_str(j, "device"), proto_str(j, "risk"),
		    false);
		if (r != NULL && !acks)
			r->notified = true;
		else if (r != NULL && r->acked_by == NULL) {
			r->acked_by = xstrdup(by);
			r->acked_at = at;
			if (with_notes)
				r->note = xstrdup(proto_str(j, "note"));
		}
		json_wipe_delete(j);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sw_fail(err, SW_EIO, _("Could not read the audit "
		    "tables: %s"), sqlite3_errmsg(db));
	return 0;
}

int
risks_load_audit(sqlite3 *db, const struct clinic_keys *k, struct risks *rs,
    bool with_notes, struct sw_error *err)
{
	if (load_table(db, k, rs, true, with_notes, err) != 0 ||
	    load_table(db, k, rs, false, false, err) != 0)
		return -1;
	return 0;
}

static int
audit_insert(sqlite3 *db, const char *sql, const char *by, long long at,
    const unsigned char *sealed, size_t len, struct sw_error *err)
{
	sqlite3_stmt	*s = NULL;
	int		 rc = -1;

	if (sealed == NULL) {
		sw_fail(err, SW_EINVAL, _("The note is too long once encoded; "
		    "shorten it."));
		goto out;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		goto db_fail;
	if (by != NULL)
		sqlite3_bind_text(s, 1, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_blob(s, 3, sealed, (int)len, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto db_fail;
	rc = 0;
	goto out;
db_fail:
	sw_fail(err, SW_EIO, _("Could not write to the clinic database: %s"),
	    sqlite3_errmsg(db));
out:
	sqlite3_finalize(s);
	return rc;
}

/* An acknowledgement when by is set, else a notice. */
static int
audit_add(sqlite3 *db, const struct clinic_keys *k, const struct risk *r,
    const char *by, long long at, const char *note, struct sw_error *err)
{
	size_t		 len = 0;
	unsigned char	*sealed = audit_seal(k, r, by, at, note, &len);
	int		 rc;

	rc = audit_insert(db, by != NULL ? "INSERT INTO acks(acked_by,"
	    " acked_at, sealed) VALUES(?1, ?2, ?3)" : "INSERT INTO"
	    " notices(notified_at, sealed) VALUES(?2, ?3)", by, at, sealed,
	    len, err);
	free(sealed);
	return rc;
}

int
risk_ack_write(sqlite3 *db, const struct clinic_keys *k, const struct risk *r,
    const char *by, long long at, const char *note, struct sw_error *err)
{
	return audit_add(db, k, r, by, at, note, err);
}

int
risk_notice_write(sqlite3 *db, const struct clinic_keys *k,
    const struct risk *r, long long at, struct sw_error *err)
{
	return audit_add(db, k, r, NULL, at, NULL, err);
}

void
risks_report_bad_rows(const struct risks *rs)
{
	if (rs->bad_rows > 0)
		fprintf(stderr, ngettext("stepwise-clinic: %zu row of the "
		    "audit tables failed the clinic's check (it was not "
		    "sealed with this clinic's key, or was changed): it "
		    "closes nothing.\n", "stepwise-clinic: %zu rows of the "
		    "audit tables failed the clinic's check (they were not "
		    "sealed with this clinic's key, or were changed): they "
		    "close nothing.\n", rs->bad_rows), rs->bad_rows);
}
