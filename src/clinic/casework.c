/* casework.c: the casework table (casework.h): rows added and checked,
 * and a patient's case as they leave it. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "casework.h"
#include "i18n.h"
#include "jsonv.h"
#include "proto.h"
#include "util.h"
#include "verify.h"

static const char *const action_ids[] = {
	[CW_ASSIGN] = "assign",
	[CW_REVIEW] = "review",
	[CW_NEXT] = "next",
	[CW_MESSAGE] = "message",
	[CW_VIEW] = "view",
	[CW_ACK] = "ack",
	[CW_PROGRAMME] = "programme",
};
#define N_ACTIONS	(sizeof action_ids / sizeof action_ids[0])

const char *
cw_action_id(enum cw_action a)
{
	return action_ids[a];
}

const char *
clinic_login_name(void)
{
	const struct passwd	*pw;
	const char		*s = getlogin();

	if (s == NULL && (pw = getpwuid(getuid())) != NULL)
		s = pw->pw_name;
	return s;
}

const char *
clinic_who(const char *cmd, const char *as)
{
	if (as == NULL && (as = clinic_login_name()) == NULL) {
		clinic_usage_error(cmd, "%s", _("--as NAME is needed: the login "
		    "name cannot be found"));
		return NULL;
	}
	if (clinic_name_arg(cmd, "as", as) != 0)
		return NULL;
	return as;
}

/* ---- one row ---- */

static unsigned char *
row_seal(const struct clinic_keys *k, const struct cw_row *r, size_t *len)
{
	unsigned char	 id[16];
	char		 hex[33];
	cJSON		*j = cJSON_CreateObject(), *ps;
	char		*s;
	unsigned char	*out;

	randombytes_buf(id, sizeof id);
	sodium_bin2hex(hex, sizeof hex, id, sizeof id);
	cJSON_AddNumberToObject(j, "v", 1);
	cJSON_AddStringToObject(j, "id", hex);
	cJSON_AddStringToObject(j, "action", action_ids[r->action]);
	cJSON_AddStringToObject(j, "by", r->by);
	cJSON_AddNumberToObject(j, "at", (double)r->at);
	ps = cJSON_AddArrayToObject(j, "patients");
	for (size_t i = 0; i < r->n_patients; i++)
		cJSON_AddItemToArray(ps, cJSON_CreateString(r->patients[i]));
	if (r->to != NULL)
		cJSON_AddStringToObject(j, "to", r->to);
	if (r->action == CW_REVIEW)
		cJSON_AddNumberToObject(j, "minutes", r->minutes);
	if (r->note != NULL)
		cJSON_AddStringToObject(j, "note", r->note);
	if (r->action == CW_NEXT)
		cJSON_AddNumberToObject(j, "due", (double)r->due);
	if (r->what != NULL)
		cJSON_AddStringToObject(j, "what", r->what);
	s = cJSON_PrintUnformatted(j);
	json_wipe_delete(j);
	out = clinic_self_seal(s, k, len);
	wipe_free(s);
	return out;
}

int
casework_add(sqlite3 *db, const struct clinic_keys *k, const struct cw_row *r,
    struct sw_error *err)
{
	sqlite3_stmt	*s = NULL;
	size_t		 len = 0;
	unsigned char	*sealed = row_seal(k, r, &len);
	int		 rc = -1;

	if (sealed == NULL) {
		sw_fail(err, SW_EINVAL, _("The note is too long once encoded; "
		    "shorten it."));
		goto out;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO casework(done_by, done_at,"
	    " sealed) VALUES(?1, ?2, ?3)", -1, &s, NULL) != SQLITE_OK)
		goto db_fail;
	sqlite3_bind_text(s, 1, r->by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, r->at);
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
	free(sealed);
	return rc;
}

static int
by_ref(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Who the view rows name: the login name unless set. */
static const char *viewer;

void
casework_set_viewer(const char *as)
{
	viewer = as;
}

int
casework_viewed(sqlite3 *db, const struct clinic_keys *k, const char *what,
    const char *patient, const struct vrecord *v, size_t n,
    struct sw_error *err)
{
	struct cw_row	 r = { 0 };
	char		**refs = xcalloc(n + 1, sizeof *refs);
	size_t		 m = 0;
	int		 rc = 0;

	if (patient != NULL)
		refs[m++] = (char *)patient;
	for (size_t i = 0; i < n && patient == NULL; i++)
		if (v[i].patient != NULL)
			refs[m++] = v[i].patient;
	qsort(refs, m, sizeof *refs, by_ref);
	for (size_t i = 0; i < m; i++)
		if (r.n_patients == 0 ||
		    strcmp(refs[r.n_patients - 1], refs[i]) != 0)
			refs[r.n_patients++] = refs[i];
	if (r.n_patients > 0) {
		r.action = CW_VIEW;
		r.by = (char *)(viewer != NULL ? viewer : clinic_login_name());
		r.by = r.by != NULL && clinic_name_ok(r.by) ? r.by : "?";
		r.at = (long long)time(NULL);
		r.patients = refs;
		r.what = (char *)what;
		rc = casework_add(db, k, &r, err);
	}
	free(refs);
	return rc;
}

/* ---- reading the rows back ---- */

static void
row_clear(struct cw_row *r)
{
	free(r->by);
	for (size_t i = 0; i < r->n_patients; i++)
		free(r->patients[i]);
	free(r->patients);
	free(r->to);
	wipe_free(r->note);
	free(r->what);
	memset(r, 0, sizeof *r);
}

/* Open one row's sealed part and check it against its clear columns and
 * its action's fields; false when it fails. id gets the row's id. */
static bool
row_open(sqlite3_stmt *s, const struct clinic_keys *k, struct cw_row *r,
    char id[33])
{
	static const char *const keys[] = { "v", "id", "action", "by", "at",
	    "patients", "to", "minutes", "note", "due", "what", NULL };
	const char	*by = (const char *)sqlite3_column_text(s, 0);
	long long	 at = sqlite3_column_int64(s, 1), v, x;
	char		*text, why[128];
	const char	*str;
	const cJSON	*ps, *p;
	cJSON		*j = NULL;
	size_t		 a;
	bool		 ok = false;

	memset(r, 0, sizeof *r);
	text = clinic_self_open(sqlite3_column_blob(s, 2),
	    (size_t)sqlite3_column_bytes(s, 2), k);
	if (text == NULL || by == NULL)
		goto out;
	j = proto_parse(text, strlen(text), why, sizeof why);
	if (j == NULL || !proto_only_keys(j, keys) || !proto_int(j, "v", &v) ||
	    v != 1 || !proto_int(j, "at", &x) || x != at ||
	    (str = proto_str(j, "by")) == NULL || strcmp(str, by) != 0 ||
	    (str = proto_str(j, "id")) == NULL || strlen(str) != 32 ||
	    (str = proto_str(j, "action")) == NULL)
		goto done;
	snprintf(id, 33, "%s", proto_str(j, "id"));
	for (a = 0; a < N_ACTIONS; a++)
		if (strcmp(str, action_ids[a]) == 0)
			break;
	if (a == N_ACTIONS)
		goto done;
	r->action = (enum cw_action)a;
	r->by = xstrdup(by);
	r->at = at;
	ps = cJSON_GetObjectItemCaseSensitive(j, "patients");
	if (!cJSON_IsArray(ps))
		goto done;
	r->patients = xcalloc((size_t)cJSON_GetArraySize(ps) + 1,
	    sizeof *r->patients);
	cJSON_ArrayForEach(p, ps) {
		if (!clinic_patient_ok(cJSON_GetStringValue(p)))
			goto done;
		r->patients[r->n_patients++] =
		    xstrdup(cJSON_GetStringValue(p));
	}
	if (r->n_patients == 0 || (r->action != CW_VIEW &&
	    r->n_patients != 1))
		goto done;
	if ((str = proto_str(j, "to")) != NULL)
		r->to = xstrdup(str);
	if ((str = proto_str(j, "note")) != NULL)
		r->note = xstrdup(str);
	if ((str = proto_str(j, "what")) != NULL)
		r->what = xstrdup(str);
	if (proto_int(j, "minutes", &x))
		r->minutes = (int)x;
	if (proto_int(j, "due", &x))
		r->due = x;
	switch (r->action) {
	case CW_ASSIGN:
		ok = r->to != NULL && clinic_name_ok(r->to);
		break;
	case CW_REVIEW:
		ok = r->note != NULL && r->minutes >= 0 &&
		    r->minutes <= CASEWORK_MINUTES_MAX;
		break;
	case CW_NEXT:
		ok = r->due > 0;
		break;
	case CW_MESSAGE:
	case CW_VIEW:
	case CW_ACK:
	case CW_PROGRAMME:
		ok = r->what != NULL;
		break;
	}
done:
	json_wipe_delete(j);
out:
	wipe_free(text);
	if (!ok)
		row_clear(r);
	return ok;
}

static int
by_time(const void *a, const void *b)
{
	const struct cw_row *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

static bool
names(const struct cw_row *r, const char *patient)
{
	for (size_t i = 0; i < r->n_patients; i++)
		if (strcmp(r->patients[i], patient) == 0)
			return true;
	return false;
}

int
casework_load(sqlite3 *db, const struct clinic_keys *k, const char *patient,
    struct casework *cw, struct sw_error *err)
{
	sqlite3_stmt	*s;
	struct cw_row	 r;
	char		(*ids)[33] = NULL, id[33];
	size_t		 n_ids = 0;
	bool		 copy;
	int		 rc;

	memset(cw, 0, sizeof *cw);
	if (sqlite3_prepare_v2(db, "SELECT done_by, done_at, sealed FROM"
	    " casework ORDER BY n", -1, &s, NULL) != SQLITE_OK)
		return sw_fail(err, SW_EIO, _("Could not read the casework "
		    "table: %s"), sqlite3_errmsg(db));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!row_open(s, k, &r, id)) {
			cw->bad_rows++;
			continue;
		}
		copy = false;
		for (size_t i = 0; i < n_ids && !copy; i++)
			copy = strcmp(ids[i], id) == 0;
		if (copy) {
			cw->bad_rows++;
			row_clear(&r);
			continue;
		}
		ids = xreallocarray(ids, n_ids + 1, sizeof *ids);
		memcpy(ids[n_ids++], id, sizeof id);
		if (patient != NULL && !names(&r, patient)) {
			row_clear(&r);
			continue;
		}
		cw->v = xreallocarray(cw->v, cw->n + 1, sizeof *cw->v);
		cw->v[cw->n++] = r;
	}
	sqlite3_finalize(s);
	free(ids);
	if (rc != SQLITE_DONE) {
		casework_free(cw);
		return sw_fail(err, SW_EIO, _("Could not read the casework "
		    "table: %s"), sqlite3_errmsg(db));
	}
	if (cw->n > 1)
		qsort(cw->v, cw->n, sizeof *cw->v, by_time);
	return 0;
}

void
casework_free(struct casework *cw)
{
	for (size_t i = 0; i < cw->n; i++)
		row_clear(&cw->v[i]);
	free(cw->v);
	memset(cw, 0, sizeof *cw);
}

void
casework_report_bad_rows(const struct casework *cw)
{
	if (cw->bad_rows > 0)
		fprintf(stderr, ngettext("stepwise-clinic: %zu row of the "
		    "casework table failed the clinic's check (not sealed "
		    "with this clinic's key, changed, or a copy): it is left "
		    "out.\n", "stepwise-clinic: %zu rows of the casework "
		    "table failed the clinic's check (not sealed with this "
		    "clinic's key, changed, or copies): they are left out.\n",
		    cw->bad_rows), cw->bad_rows);
}

void
casework_case(const struct casework *cw, const char *patient,
    struct cw_case *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < cw->n; i++) {
		const struct cw_row *r = &cw->v[i];

		if (r->action == CW_VIEW || r->action == CW_MESSAGE ||
		    r->action == CW_ACK || r->action == CW_PROGRAMME ||
		    !names(r, patient))
			continue;
		if (r->action == CW_ASSIGN)
			c->supporter = r->to;
		else if (r->action == CW_NEXT)
			c->next_due = r->due;
		else if (r->action == CW_REVIEW) {
			c->last_review = r->at;
			c->minutes += r->minutes;
		}
	}
}
