/* patients.c: stepwise-clinic patients, each patient's devices, last
 * contact, messages and latest scores (from records that pass the
 * clinic's check, and no others); and stepwise-clinic revoke. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caseload.h"
#include "casework.h"
#include "i18n.h"
#include "outcomes.h"
#include "proto.h"
#include "risk.h"
#include "util.h"

struct patient {
	char			 *ref;
	size_t			  devices, active, revoked;
	long long		  registered_at;	/* first device */
	long long		  last_contact;		/* 0: never */
	size_t			  records;
	size_t			  sent, delivered;	/* by message id */
	const struct vrecord	**latest;	/* per content measure */
	size_t			  open_risks;	/* not acknowledged */
	long long		  risk_received;	/* the newest of them */
	size_t			  tokens;	/* unused enrollment files */
	long long		  token_expires;	/* the latest */
	struct outcome		  outcome;	/* first pair to latest */
	struct cw_case		  cw;		/* supporter, reviews */
	bool			 *lesson_done;	/* per content lesson */
	size_t			  lessons_done;
	long long		  last_lesson;	/* when the latest was done */
	long long		  last_read;	/* the case last opened */
	struct outcome_score	 *sc;		/* scored check-ins, for outcome */
	size_t			  nsc, capsc;
	size_t			  unread;	/* replies received after */
};


struct roster {
	struct patient		*v;
	size_t			 n, cap;
	const struct content	*ct;
	size_t			 shown;	/* the first shown are listed */
	size_t			 last;	/* the patient found last, + 1 */
};

static struct patient *
roster_find(struct roster *r, const char *ref)
{
	/* Records come in batches, a device's together. */
	if (r->last > 0 && r->last <= r->n &&
	    strcmp(r->v[r->last - 1].ref, ref) == 0)
		return &r->v[r->last - 1];
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].ref, ref) == 0) {
			r->last = i + 1;
			return &r->v[i];
		}
	return NULL;
}

static struct patient *
roster_get(struct roster *r, const char *ref)
{
	struct patient *p;

	if ((p = roster_find(r, ref)) != NULL)
		return p;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->v = xreallocarray(r->v, r->cap, sizeof *r->v);
	}
	p = &r->v[r->n++];
	memset(p, 0, sizeof *p);
	p->ref = xstrdup(ref);
	p->latest = xcalloc(r->ct->n_measures ? r->ct->n_measures : 1,
	    sizeof *p->latest);
	p->lesson_done = xcalloc(r->ct->n_lessons ? r->ct->n_lessons : 1,
	    sizeof *p->lesson_done);
	return p;
}

static void
roster_free(struct roster *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].ref);
		free(r->v[i].latest);
		free(r->v[i].lesson_done);
		free(r->v[i].sc);
	}
	free(r->v);
}

static void
add_devices(struct roster *r, const struct vdevice *v, size_t n)
{
	struct patient *p;

	for (size_t i = 0; i < n; i++) {
		if (v[i].fault != NULL)
			continue;
		p = roster_get(r, v[i].patient);
		p->devices++;
		if (v[i].revoked_at != 0)
			p->revoked++;
		else
			p->active++;
		if (p->registered_at == 0 ||
		    v[i].registered_at < p->registered_at)
			p->registered_at = v[i].registered_at;
		if (v[i].last_seen > p->last_contact)
			p->last_contact = v[i].last_seen;
	}
}

/* Each patient's outcome from the scored check-ins add_records kept for
 * them: the same as vrecords_outcome, without reading every record once
 * for every patient. */
static void
add_outcomes(struct roster *r)
{
	for (size_t i = 0; i < r->n; i++)
		outcome_for_content(r->ct, r->v[i].sc, r->v[i].nsc,
		    &r->v[i].outcome);
}

/* A lesson record: counted once per lesson the content knows. */
static void
lesson_seen(const struct roster *r, struct patient *p,
    const struct vrecord *v)
{
	const char	*id = proto_str(v->record, "lesson");
	long long	 at = 0;

	proto_int(v->record, "done_at", &at);
	for (size_t i = 0; id != NULL && i < r->ct->n_lessons; i++)
		if (strcmp(r->ct->lessons[i].id, id) == 0 &&
		    !p->lesson_done[i]) {
			p->lesson_done[i] = true;
			p->lessons_done++;
			if (at > p->last_lesson)
				p->last_lesson = at;
		}
}

/* The furthest module with a lesson done: its index + 1, 0 for none. */
static size_t
module_reached(const struct roster *r, const struct patient *p)
{
	size_t reached = 0;

	for (size_t m = 0; m < r->ct->n_modules; m++)
		for (size_t i = 0; i < r->ct->modules[m].n_lessons; i++)
			if (p->lesson_done[r->ct->modules[m].lessons[i] -
			    r->ct->lessons])
				reached = m + 1;
	return reached;
}

static void
add_records(struct roster *r, const struct vrecord *v, size_t n)
{
	const struct vrecord	**l;
	struct patient		 *p;
	size_t			  m;

	for (size_t i = 0; i < n; i++) {
		if (v[i].reason != NULL)
			continue;
		p = roster_get(r, v[i].patient);
		p->records++;
		if (strcmp(v[i].kind, "lesson") == 0) {
			lesson_seen(r, p, &v[i]);
			continue;
		}
		/* Scores from scored check-ins only: a risk signal names its
		 * measure too, but has no total. */
		if (v[i].measure == NULL || v[i].band == NULL)
			continue;
		if (p->nsc == p->capsc) {
			p->capsc = p->capsc ? p->capsc * 2 : 8;
			p->sc = xreallocarray(p->sc, p->capsc, sizeof *p->sc);
		}
		p->sc[p->nsc].measure = v[i].measure->id;
		p->sc[p->nsc].total = v[i].total;
		p->sc[p->nsc++].at = v[i].created_at;
		m = (size_t)(v[i].measure - r->ct->measures);
		l = &p->latest[m];
		if (*l == NULL || v[i].created_at > (*l)->created_at ||
		    (v[i].created_at == (*l)->created_at &&
		    strcmp(v[i].id, (*l)->id) > 0))
			*l = &v[i];
	}
}

/* A patient's RISK stays until each risk is acknowledged, whatever came
 * after it; risks only quarantined records show are counted apart, as
 * nobody's. */
static size_t
add_risks(struct roster *r, const struct risks *rs)
{
	struct patient	*p;
	size_t		 unowned = 0;

	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].acked_by != NULL)
			continue;
		if (rs->v[i].patient == NULL) {
			unowned++;
			continue;
		}
		p = roster_get(r, rs->v[i].patient);
		p->open_risks++;
		if (rs->v[i].received_at > p->risk_received)
			p->risk_received = rs->v[i].received_at;
	}
	return unowned;
}

/* Messages counted once per id; delivered when some device holds it. The
 * rows come sorted by id, and one id goes to one patient's devices. */
static int
add_messages(sqlite3 *db, struct roster *r, const struct vdevice *v,
    size_t n, struct sw_error *err)
{
	const struct vdevice	*d;
	sqlite3_stmt		*s;
	const char		*dev, *id, *last = NULL;
	char			 prev[PROTO_ID_LEN + 1] = "";
	bool			 held = false;
	int			 rc;

	if (sqlite3_prepare_v2(db, "SELECT device, id, seq FROM messages"
	    " ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		return sw_fail(err, SW_EIO, _("Could not read the messages: "
		    "%s"), sqlite3_errmsg(db));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		dev = (const char *)sqlite3_column_text(s, 0);
		id = (const char *)sqlite3_column_text(s, 1);
		if (dev == NULL || id == NULL ||
		    (d = vdevice_find(v, n, dev)) == NULL || d->fault != NULL)
			continue;
		if (strcmp(id, prev) != 0 || last == NULL ||
		    strcmp(d->patient, last) != 0) {
			if (last != NULL && held)
				roster_get(r, last)->delivered++;
			snprintf(prev, sizeof prev, "%s", id);
			last = d->patient;
			held = false;
			roster_get(r, last)->sent++;
		}
		if (sqlite3_column_int64(s, 2) <= d->delivered)
			held = true;
	}
	if (last != NULL && held)
		roster_get(r, last)->delivered++;
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sw_fail(err, SW_EIO, _("Could not read the messages: "
		    "%s"), sqlite3_errmsg(db));
	return 0;
}

/* Enrollment files not used yet, each vouched for by the clinic's own
 * signature on its token row. */
static int
add_tokens(sqlite3 *db, struct roster *r, const struct clinic_keys *k,
    size_t *forged, struct sw_error *err)
{
	sqlite3_stmt	*s;
	struct patient	*p;
	const char	*ref;
	unsigned char	*m;
	size_t		 n;
	long long	 exp;
	int		 rc, bad;

	*forged = 0;
	if (sqlite3_prepare_v2(db, "SELECT t.token_pk, t.patient,"
	    " t.expires_at, t.signature FROM tokens t WHERE t.device IS NULL"
	    " AND NOT EXISTS (SELECT 1 FROM devices d"
	    " WHERE d.token_pk = t.token_pk)", -1, &s, NULL) != SQLITE_OK)
		return sw_fail(err, SW_EIO, _("Could not read the tokens: %s"),
		    sqlite3_errmsg(db));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ref = (const char *)sqlite3_column_text(s, 1);
		exp = sqlite3_column_int64(s, 2);
		if (ref == NULL || sqlite3_column_bytes(s, 0) != 32 ||
		    sqlite3_column_bytes(s, 3) != 64) {
			(*forged)++;
			continue;
		}
		m = proto_token_bytes(sqlite3_column_blob(s, 0), exp, ref, &n);
		bad = crypto_sign_verify_detached(sqlite3_column_blob(s, 3), m,
		    n, k->sign_pk);
		free(m);
		if (bad) {
			(*forged)++;
			continue;
		}
		p = roster_get(r, ref);
		p->tokens++;
		if (exp > p->token_expires)
			p->token_expires = exp;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sw_fail(err, SW_EIO, _("Could not read the tokens: %s"),
		    sqlite3_errmsg(db));
	return 0;
}


/* A reply is unread until someone opens the patient's whole case (review,
 * messages, the console's patient view) or writes to the patient after
 * it came: in a later second (times are seconds; a tie errs towards
 * showing it). */
static void
add_unread(struct roster *r, const struct casework *cw,
    const struct vrecord *v, size_t n)
{
	const struct cw_row	*w;
	struct patient		*p;
	bool			 read;

	for (size_t i = 0; i < cw->n; i++) {
		w = &cw->v[i];
		read = w->action == CW_MESSAGE || w->action == CW_REVIEW ||
		    (w->action == CW_VIEW && w->what != NULL &&
		    (strcmp(w->what, "review") == 0 || strcmp(w->what,
		    "messages") == 0 || strcmp(w->what, "console") == 0));
		if (!read || w->n_patients != 1 ||
		    (p = roster_find(r, w->patients[0])) == NULL)
			continue;
		if (w->at > p->last_read)
			p->last_read = w->at;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].reason == NULL && strcmp(v[i].kind, "reply") == 0 &&
		    (p = roster_find(r, v[i].patient)) != NULL &&
		    v[i].received_at >= p->last_read)
			p->unread++;
}

/* The caseload's order: open risk first, then reviews overdue, then no
 * contact for CASELOAD_SILENT_DAYS or more, then the rest; by reference in each. */
static long long order_now;

static int
tier(const struct patient *p)
{
	if (p->open_risks > 0)
		return 0;
	if (p->cw.next_due > 0 && p->cw.next_due < order_now)
		return 1;
	if (p->devices > 0 && (p->last_contact == 0 ||
	    order_now - p->last_contact >= CASELOAD_SILENT_DAYS * 86400LL))
		return 2;
	return 3;
}

/* The tiers' names, for JSON (the fourth, the rest, has none). */
static const char *const tiers[] = { "risk", "overdue", "silent" };

static int
by_caseload(const void *a, const void *b)
{
	const struct patient *x = a, *y = b;

	if (tier(x) != tier(y))
		return tier(x) - tier(y);
	return strcmp(x->ref, y->ref);
}

static void
print_day(long long t, char *buf, size_t size)
{
	format_local_iso(t, false, buf, size);
}

/* "  outcome: PHQ-9 20, GAD-7 15 (2026-11-01) to PHQ-9 8, GAD-7 6
 * (2026-11-15): reliable recovery" */
static void
print_outcome(const struct outcome *o)
{
	char a[32], b[32];

	if (o->pairs < 2) {
		printf(_("  outcome: %s\n"), outcome_clinic_words(o->category));
		return;
	}
	print_day(o->first_at, a, sizeof a);
	print_day(o->latest_at, b, sizeof b);
	printf(_("  outcome: PHQ-9 %d, GAD-7 %d (%s) to PHQ-9 %d, GAD-7 %d "
	    "(%s): %s\n"), o->phq_first, o->gad_first, a, o->phq_latest,
	    o->gad_latest, b, outcome_clinic_words(o->category));
}

static void
print_text(const struct roster *r, long long now)
{
	const struct patient	*p;
	const struct vrecord	*l;
	char			 a[32];

	for (size_t i = 0; i < r->shown; i++) {
		p = &r->v[i];
		printf("%s\n", p->ref);
		if (p->cw.supporter != NULL) {
			char *who = untrusted_clean(p->cw.supporter, " ");

			printf(_("  supporter: %s\n"), who);
			wipe_free(who);
		} else
			printf("%s\n", _("  supporter: nobody assigned"));
		if (p->cw.next_due > 0) {
			print_day(p->cw.next_due, a, sizeof a);
			printf(p->cw.next_due < now ? _("  next review: %s, "
			    "overdue\n") : _("  next review: %s\n"), a);
		}
		if (p->devices > 0 && p->last_contact != 0 &&
		    now - p->last_contact >= CASELOAD_SILENT_DAYS * 86400LL)
			printf(ngettext("  no contact for %lld day\n", "  no "
			    "contact for %lld days\n", (unsigned long)((now -
			    p->last_contact) / 86400)), (now -
			    p->last_contact) / 86400);
		if (p->tokens > 0) {
			print_day(p->token_expires, a, sizeof a);
			printf(p->token_expires > now ? _("  enrollment file "
			    "not used yet, expires %s\n") : _("  enrollment "
			    "file not used, expired %s\n"), a);
		}
		if (p->devices > 0) {
			format_local(p->registered_at, a, sizeof a);
			printf(_("  devices: %zu (%zu active, %zu revoked), "
			    "registered %s\n"), p->devices, p->active,
			    p->revoked, a);
			if (p->last_contact != 0)
				format_local(p->last_contact, a, sizeof a);
			printf(_("  last contact: %s\n"), p->last_contact ?
			    a : _("never"));
		}
		if (p->devices > 0 || p->records > 0)
			printf(_("  records: %zu received\n"
			    "  messages: %zu sent, %zu delivered, %zu "
			    "waiting\n"), p->records, p->sent, p->delivered,
			    p->sent - p->delivered);
		if (p->unread > 0)
			printf(ngettext("  replies: %zu not read yet (since the "
			    "case was last opened)\n", "  replies: %zu not read "
			    "yet (since the case was last opened)\n",
			    p->unread), p->unread);
		if (r->ct->n_lessons > 0 && (p->devices > 0 ||
		    p->records > 0)) {
			size_t mr = module_reached(r, p);

			if (mr > 0) {
				print_day(p->last_lesson, a, sizeof a);
				printf(_("  programme: module %zu of %zu (%s), "
				    "%zu of %zu lessons done, the latest %s\n"),
				    mr, r->ct->n_modules,
				    r->ct->modules[mr - 1].title,
				    p->lessons_done, r->ct->n_lessons, a);
			} else
				printf("%s\n", _("  programme: no lesson done "
				    "yet"));
		}
		for (size_t m = 0; m < r->ct->n_measures; m++) {
			if ((l = p->latest[m]) == NULL)
				continue;
			print_day(l->created_at, a, sizeof a);
			printf("  %s: %d %s (%s)%s\n", l->measure->title,
			    l->total, l->band->label, a, l->risk ?
			    _(", risk answer") : "");
		}
		print_outcome(&p->outcome);
		if (p->open_risks > 0) {
			format_local(p->risk_received, a, sizeof a);
			printf(ngettext("  RISK: %zu open risk, received %s, not "
			    "acknowledged yet: see stepwise-clinic risks "
			    "--patient %s\n", "  RISK: %zu open risks, the "
			    "newest received %s, not acknowledged yet: see "
			    "stepwise-clinic risks --patient %s\n",
			    p->open_risks), p->open_risks, a, p->ref);
		}
	}
}

static cJSON *
json_patient(const struct roster *r, const struct patient *p, long long now)
{
	const struct vrecord	*l;
	cJSON			*o = cJSON_CreateObject(), *x, *y;

	cJSON_AddStringToObject(o, "patient", p->ref);
	cJSON_AddNumberToObject(o, "devices", (double)p->devices);
	cJSON_AddNumberToObject(o, "active_devices", (double)p->active);
	cJSON_AddNumberToObject(o, "revoked_devices", (double)p->revoked);
	if (p->devices > 0)
		cJSON_AddNumberToObject(o, "registered_at",
		    (double)p->registered_at);
	else
		cJSON_AddNullToObject(o, "registered_at");
	if (p->last_contact != 0)
		cJSON_AddNumberToObject(o, "last_contact",
		    (double)p->last_contact);
	else
		cJSON_AddNullToObject(o, "last_contact");
	cJSON_AddNumberToObject(o, "records", (double)p->records);
	x = cJSON_AddObjectToObject(o, "messages");
	cJSON_AddNumberToObject(x, "sent", (double)p->sent);
	cJSON_AddNumberToObject(x, "delivered", (double)p->delivered);
	cJSON_AddNumberToObject(x, "waiting", (double)(p->sent -
	    p->delivered));

	cJSON_AddNumberToObject(o, "unread_replies", (double)p->unread);
	x = cJSON_AddObjectToObject(o, "latest");
	for (size_t m = 0; m < r->ct->n_measures; m++) {
		if ((l = p->latest[m]) == NULL)
			continue;
		y = cJSON_AddObjectToObject(x, l->measure->id);
		cJSON_AddNumberToObject(y, "total", l->total);
		cJSON_AddStringToObject(y, "severity", l->band->id);
		cJSON_AddStringToObject(y, "severity_label", l->band->label);
		cJSON_AddBoolToObject(y, "risk", l->risk);
		cJSON_AddNumberToObject(y, "created_at", (double)l->created_at);
		cJSON_AddStringToObject(y, "id", l->id);
	}
	cJSON_AddItemToObject(o, "outcome", outcome_json(&p->outcome));
	if (p->cw.supporter != NULL)
		cJSON_AddStringToObject(o, "supporter", p->cw.supporter);
	else
		cJSON_AddNullToObject(o, "supporter");
	if (p->cw.next_due > 0) {
		x = cJSON_AddObjectToObject(o, "next_review");
		cJSON_AddNumberToObject(x, "due", (double)p->cw.next_due);
		cJSON_AddBoolToObject(x, "overdue", p->cw.next_due < now);
	} else
		cJSON_AddNullToObject(o, "next_review");
	if (p->cw.last_review > 0)
		cJSON_AddNumberToObject(o, "last_review",
		    (double)p->cw.last_review);
	else
		cJSON_AddNullToObject(o, "last_review");
	cJSON_AddNumberToObject(o, "supporter_minutes", p->cw.minutes);
	x = cJSON_AddObjectToObject(o, "programme");
	cJSON_AddNumberToObject(x, "module_reached",
	    (double)module_reached(r, p));
	cJSON_AddNumberToObject(x, "modules", (double)r->ct->n_modules);
	cJSON_AddNumberToObject(x, "lessons_done", (double)p->lessons_done);
	cJSON_AddNumberToObject(x, "lessons", (double)r->ct->n_lessons);
	if (p->last_lesson > 0)
		cJSON_AddNumberToObject(x, "last_lesson_at",
		    (double)p->last_lesson);
	else
		cJSON_AddNullToObject(x, "last_lesson_at");
	cJSON_AddBoolToObject(o, "risk", p->open_risks > 0);
	if (tier(p) < 3)
		cJSON_AddStringToObject(o, "tier", tiers[tier(p)]);
	else
		cJSON_AddNullToObject(o, "tier");
	cJSON_AddNumberToObject(o, "open_risks", (double)p->open_risks);
	if (p->tokens > 0) {
		x = cJSON_AddObjectToObject(o, "enrollment_pending");
		cJSON_AddNumberToObject(x, "files", (double)p->tokens);
		cJSON_AddNumberToObject(x, "expires_at",
		    (double)p->token_expires);
		cJSON_AddBoolToObject(x, "expired", p->token_expires <= now);
	} else
		cJSON_AddNullToObject(o, "enrollment_pending");
	return o;
}

static cJSON *
json_build(const struct roster *r, const struct vdevice *v, size_t n,
    long long now, size_t unowned)
{
	cJSON	*j = cJSON_CreateObject(), *a, *o;

	cJSON_AddNumberToObject(j, "format", 1);
	cJSON_AddNumberToObject(j, "quarantined_risks", (double)unowned);
	a = cJSON_AddArrayToObject(j, "patients");
	for (size_t i = 0; i < r->shown; i++)
		cJSON_AddItemToArray(a, json_patient(r, &r->v[i], now));
	a = cJSON_AddArrayToObject(j, "failed_devices");
	for (size_t i = 0; i < n; i++) {
		if (v[i].fault == NULL)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "device", v[i].device);
		if (v[i].claimed != NULL)
			cJSON_AddStringToObject(o, "claimed_patient",
			    v[i].claimed);
		cJSON_AddStringToObject(o, "reason", v[i].fault);
		cJSON_AddItemToArray(a, o);
	}
	return j;
}

/* Everything the caseload is made of, read and checked once. */
struct loaded {
	struct clinic_read	*cr;
	struct casework		 cw;
	struct roster		 r;
	struct vdevice		*devs;
	struct vrecord		*recs;
	struct risks		 rs;
	size_t			 nd, nr, forged, unowned, quarantined;
};

static void
loaded_free(struct loaded *l)
{
	risks_free(&l->rs);
	casework_free(&l->cw);
	roster_free(&l->r);
	vrecords_free(l->recs, l->nr);
	vdevices_free(l->devs, l->nd);
}

/* Read and check it all, write the view row (what: the command), and put
 * the patients of supporter (NULL: all) first, in caseload order. */
static int
caseload_load(struct clinic_read *cr, const char *what,
    const char *supporter, long long now, struct loaded *l,
    struct sw_error *err)
{
	struct roster *r = &l->r;

	memset(l, 0, sizeof *l);
	l->cr = cr;
	r->ct = &cr->ct;
	if (casework_load(cr->db, &cr->k, NULL, &l->cw, err) != 0 ||
	    verify_devices(cr->db, &cr->k, NULL, &l->devs, &l->nd, err) != 0 ||
	    verify_records(cr->db, &cr->k, clinic_read_content(cr), NULL,
	    &l->recs, &l->nr, err) != 0 ||
	    casework_viewed(cr->db, &cr->k, what, NULL, l->recs, l->nr,
	    err) != 0)
		return -1;
	risks_collect(l->recs, l->nr, &l->rs);
	if (risks_load_audit(cr->db, &cr->k, &l->rs, false, err) != 0)
		return -1;
	add_devices(r, l->devs, l->nd);
	add_records(r, l->recs, l->nr);
	add_outcomes(r);
	l->unowned = add_risks(r, &l->rs);
	if (add_messages(cr->db, r, l->devs, l->nd, err) != 0 ||
	    add_tokens(cr->db, r, &cr->k, &l->forged, err) != 0)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		casework_case(&l->cw, r->v[i].ref, &r->v[i].cw);
	add_unread(r, &l->cw, l->recs, l->nr);
	if (supporter != NULL) {
		size_t kept = 0;

		for (size_t i = 0; i < r->n; i++) {
			if (r->v[i].cw.supporter != NULL &&
			    strcmp(r->v[i].cw.supporter, supporter) == 0) {
				struct patient tmp = r->v[kept];

				r->v[kept++] = r->v[i];
				r->v[i] = tmp;
			}
		}
		/* The others stay past shown, freed with the roster. */
		r->shown = kept;
	} else
		r->shown = r->n;
	order_now = now;
	if (r->shown > 1)
		qsort(r->v, r->shown, sizeof *r->v, by_caseload);
	for (size_t i = 0; i < l->nr; i++)
		if (l->recs[i].reason != NULL)
			l->quarantined++;
	return 0;
}

cJSON *
caseload_json(struct clinic_read *cr, const char *what,
    const char *supporter, long long now, struct caseload_notes *notes,
    struct sw_error *err)
{
	struct loaded	 l;
	cJSON		*j = NULL;

	memset(notes, 0, sizeof *notes);
	if (caseload_load(cr, what, supporter, now, &l, err) == 0) {
		j = json_build(&l.r, l.devs, l.nd, now, l.unowned);
		cJSON_AddNumberToObject(j, "all_patients", (double)l.r.n);
		for (size_t i = 0; i < l.nd; i++)
			if (l.devs[i].fault != NULL)
				notes->failed_devices++;
		notes->quarantined = l.quarantined;
		notes->unowned = l.unowned;
		notes->forged = l.forged;
		notes->bad_rows = l.rs.bad_rows + l.cw.bad_rows;
	}
	loaded_free(&l);
	return j;
}

int
clinic_cmd_patients(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "content", required_argument, NULL, 'c' },
		{ "supporter", required_argument, NULL, 's' },
		{ "mine", no_argument, NULL, 'm' },
		CLINIC_COMMON_OPTIONS
	};
	const char		*supporter = NULL;
	bool			 mine = false;
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr;
	struct loaded		 l;
	const char		*dir = ".", *content = NULL;
	long long		 now = (long long)time(NULL);
	bool			 json = false;
	int			 opt, rc = CLINIC_EXIT_FAIL;

	memset(&l, 0, sizeof l);
	memset(&cr, 0, sizeof cr);
	while ((opt = clinic_getopt("patients", _("Usage: stepwise-clinic "
	    "patients [--dir DIR] [--format text|json] [--content DIR]\n"
	    "       [--supporter NAME | --mine]\n"),
	    argc, argv, ":", longopts, &dir, 0, &rc)) > 0) {
		if (opt == 'c')
			content = optarg;
		else if (opt == 's')
			supporter = optarg;
		else if (opt == 'm')
			mine = true;
		else if (!clinic_text_or_json("patients", optarg, &json))
			return CLINIC_EXIT_USAGE;
	}
	if (opt < 0)
		return rc;
	if (mine && supporter != NULL)
		return clinic_usage_error("patients", "%s", _("give --supporter "
		    "or --mine, not both"));
	if (mine && (supporter = clinic_who("patients", NULL)) == NULL)
		return CLINIC_EXIT_USAGE;
	if (clinic_read_open(dir, content, true, &cr, &err) != 0 ||
	    caseload_load(&cr, "patients", supporter, now, &l, &err) != 0)
		goto out;
	if (json)
		json_print_wiped(json_build(&l.r, l.devs, l.nd, now,
		    l.unowned));
	else if (l.r.n == 0)
		printf(_("No patients yet: enroll one with stepwise-clinic "
		    "enroll --patient REF.\n"));
	else if (l.r.shown == 0)
		printf(_("No patient is assigned to %s (see stepwise-clinic "
		    "assign).\n"), supporter);
	else
		print_text(&l.r, now);
	for (size_t i = 0; i < l.nd; i++)
		if (l.devs[i].fault != NULL)
			fprintf(stderr, _("stepwise-clinic: device %s (claimed "
			    "for %s) failed its check (%s): it is not shown "
			    "under any patient; revoke it.\n"), l.devs[i].device,
			    l.devs[i].claimed ? l.devs[i].claimed : "?",
			    l.devs[i].fault);
	if (l.quarantined > 0)
		fprintf(stderr, ngettext("stepwise-clinic: %zu record "
		    "quarantined and not counted; see stepwise-clinic "
		    "results.\n", "stepwise-clinic: %zu records quarantined "
		    "and not counted; see stepwise-clinic results.\n",
		    l.quarantined), l.quarantined);
	if (l.unowned > 0)
		fprintf(stderr, ngettext("stepwise-clinic: %zu open risk is "
		    "shown only by a quarantined record, under no patient; see "
		    "stepwise-clinic risks.\n", "stepwise-clinic: %zu open "
		    "risks are shown only by quarantined records, under no "
		    "patient; see stepwise-clinic risks.\n", l.unowned),
		    l.unowned);
	if (l.forged > 0)
		fprintf(stderr, ngettext("stepwise-clinic: %zu enrollment "
		    "token failed the clinic's signature check and is not "
		    "shown.\n", "stepwise-clinic: %zu enrollment tokens failed "
		    "the clinic's signature check and are not shown.\n",
		    l.forged), l.forged);
	risks_report_bad_rows(&l.rs);
	casework_report_bad_rows(&l.cw);
	rc = clinic_read_report(&cr);
out:
	if (rc != CLINIC_EXIT_OK && err.msg[0] != '\0')
		clinic_fail(&err);
	loaded_free(&l);
	clinic_read_close(&cr);
	return rc;
}

/* ---- stepwise-clinic revoke ---- */

int
clinic_cmd_revoke(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'D' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct clinic_keys	 k;
	const char		*dir = ".", *device = NULL;
	char			*patient = NULL, when[32];
	long long		 now = (long long)time(NULL), revoked = 0;
	sqlite3			*db = NULL;
	sqlite3_stmt		*s = NULL;
	int			 opt, rc = CLINIC_EXIT_FAIL, step;

	while ((opt = clinic_getopt("revoke", _("Usage: stepwise-clinic "
	    "revoke [--dir DIR] --device ID\n"), argc, argv, ":", longopts,
	    &dir, 0, &rc)) > 0)
		device = optarg;
	if (opt < 0)
		return rc;
	if (device == NULL || !proto_id_ok(device))
		return clinic_usage_error("revoke", _("--device needs a device "
		    "id (32 lower-case hex characters), not '%s'"),
		    device ? device : "");
	/* Revoking needs no key, but runs only where the keys are the
	 * clinic's: a folder someone else has changed stops every command. */
	if (clinic_keys_load(dir, &k, &err) != 0)
		goto out;
	clinic_keys_free(&k);
	if (clinic_db_open(dir, &db, &err) != 0)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT patient, revoked_at FROM devices"
	    " WHERE device = ?", -1, &s, NULL) != SQLITE_OK)
		goto db_fail;
	sqlite3_bind_text(s, 1, device, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(s)) == SQLITE_ROW) {
		patient = xstrdup((const char *)sqlite3_column_text(s, 0));
		revoked = sqlite3_column_int64(s, 1);
	} else if (step != SQLITE_DONE)
		goto db_fail;
	sqlite3_finalize(s);
	s = NULL;
	if (patient == NULL) {
		sw_fail(&err, SW_ENOENT, _("No device has the id %s."), device);
		goto out;
	}
	if (revoked != 0) {
		format_local(revoked, when, sizeof when);
		printf(_("Device %s of %s was already revoked on %s.\n"),
		    device, patient, when);
		rc = CLINIC_EXIT_OK;
		goto out;
	}
	if (sqlite3_prepare_v2(db, "UPDATE devices SET revoked_at = ?"
	    " WHERE device = ? AND revoked_at IS NULL", -1, &s,
	    NULL) != SQLITE_OK)
		goto db_fail;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, device, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto db_fail;
	printf(_("Revoked device %s of %s. The server now refuses it "
	    "(403 device_revoked);\nthe patient needs a new enrollment file "
	    "to use another device.\n"), device, patient);
	rc = CLINIC_EXIT_OK;
	goto out;
db_fail:
	sw_fail(&err, SW_EIO, _("Could not revoke the device: %s"),
	    sqlite3_errmsg(db));
out:
	if (rc != CLINIC_EXIT_OK)
		clinic_fail(&err);
	sqlite3_finalize(s);
	free(patient);
	sqlite3_close(db);
	return rc;
}
