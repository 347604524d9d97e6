/* review_view.c: one patient's whole case for a review (stepwise-clinic
 * review --patient REF, with no change to record): the case (supporter,
 * review dates, minutes), the outcome, each measure's scores over time with
 * its bands and caseness line, and one timeline of check-ins, risks (and
 * who acknowledged them), shared exercise entries in full, lessons done,
 * messages both ways and the casework. Built once as JSON; the text is
 * printed from it, so the two never disagree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "casework.h"
#include "i18n.h"
#include "jsonv.h"
#include "outcomes.h"
#include "proto.h"
#include "review_view.h"
#include "risk.h"
#include "util.h"

static cJSON *
item(cJSON *tl, long long at, const char *type)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "at", (double)at);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddItemToArray(tl, o);
	return o;
}

static void
add_records(cJSON *tl, const struct content *ct, const struct vrecord *v,
    size_t n)
{
	const struct exercise	*e;
	const struct lesson	*l;
	cJSON			*o;

	for (size_t i = 0; i < n; i++) {
		if (v[i].reason != NULL)
			continue;
		if (strcmp(v[i].kind, "checkin") == 0) {
			o = item(tl, v[i].created_at, "checkin");
			cJSON_AddStringToObject(o, "id", v[i].id);
			cJSON_AddStringToObject(o, "measure", v[i].measure ?
			    v[i].measure->title : proto_str(v[i].record,
			    "measure"));
			if (v[i].band != NULL) {
				cJSON_AddNumberToObject(o, "total", v[i].total);
				cJSON_AddStringToObject(o, "band",
				    v[i].band->label);
			}
			cJSON_AddBoolToObject(o, "risk", v[i].risk);
		} else if (strcmp(v[i].kind, "exercise") == 0) {
			o = item(tl, v[i].created_at, "exercise");
			e = ct ? content_exercise(ct, proto_str(v[i].record,
			    "exercise")) : NULL;
			cJSON_AddStringToObject(o, "exercise", e ? e->title :
			    proto_str(v[i].record, "exercise"));
			cJSON_AddItemToObject(o, "values", cJSON_Duplicate(
			    cJSON_GetObjectItemCaseSensitive(v[i].record,
			    "values"), 1));
		} else if (strcmp(v[i].kind, "lesson") == 0) {
			o = item(tl, v[i].created_at, "lesson");
			l = ct ? content_lesson(ct, proto_str(v[i].record,
			    "lesson")) : NULL;
			cJSON_AddStringToObject(o, "lesson", l ? l->title :
			    proto_str(v[i].record, "lesson"));
		}
	}
}

static void
add_risks(cJSON *tl, const struct risks *rs)
{
	cJSON *o, *a;

	for (size_t i = 0; i < rs->n; i++) {
		const struct risk *r = &rs->v[i];

		o = item(tl, r->created_at ? r->created_at : r->received_at,
		    "risk");
		cJSON_AddStringToObject(o, "id", r->id);
		if (r->signal != NULL) {
			cJSON_AddNumberToObject(o, "item", r->signal->risk_item);
			cJSON_AddNumberToObject(o, "answer",
			    r->signal->risk_answer);
		} else if (r->checkin != NULL) {
			cJSON_AddNumberToObject(o, "item",
			    r->checkin->risk_item);
			cJSON_AddNumberToObject(o, "answer",
			    r->checkin->risk_answer);
		}
		if (r->acked_by != NULL) {
			a = cJSON_AddObjectToObject(o, "acknowledged");
			cJSON_AddStringToObject(a, "by", r->acked_by);
			cJSON_AddNumberToObject(a, "at", (double)r->acked_at);
			if (r->note != NULL)
				cJSON_AddStringToObject(a, "note", r->note);
		} else
			cJSON_AddNullToObject(o, "acknowledged");
	}
}

static void
add_casework(cJSON *tl, const struct casework *cw)
{
	char	 day[32];
	cJSON	*o;

	for (size_t i = 0; i < cw->n; i++) {
		const struct cw_row *r = &cw->v[i];

		switch (r->action) {
		case CW_ASSIGN:
			o = item(tl, r->at, "assign");
			cJSON_AddStringToObject(o, "by", r->by);
			cJSON_AddStringToObject(o, "to", r->to);
			break;
		case CW_REVIEW:
			o = item(tl, r->at, "review");
			cJSON_AddStringToObject(o, "by", r->by);
			cJSON_AddNumberToObject(o, "minutes", r->minutes);
			cJSON_AddStringToObject(o, "note", r->note);
			break;
		case CW_NEXT:
			o = item(tl, r->at, "next_review");
			cJSON_AddStringToObject(o, "by", r->by);
			format_local(r->due, day, sizeof day);
			day[10] = '\0';
			cJSON_AddStringToObject(o, "due", day);
			break;
		case CW_PROGRAMME:
			o = item(tl, r->at, "programme");
			cJSON_AddStringToObject(o, "by", r->by);
			cJSON_AddStringToObject(o, "change", r->what);
			break;
		default:
			break;
		}
	}
}

static void
add_messages(cJSON *tl, const cJSON *msgs)
{
	const cJSON	*m;
	long long	 at = 0;
	cJSON		*o;

	cJSON_ArrayForEach(m, msgs) {
		proto_int(m, "at", &at);
		o = item(tl, at, "message");
		cJSON_AddItemToObject(o, "direction", cJSON_Duplicate(
		    cJSON_GetObjectItem(m, "direction"), 1));
		if (cJSON_GetObjectItem(m, "from") != NULL)
			cJSON_AddItemToObject(o, "from", cJSON_Duplicate(
			    cJSON_GetObjectItem(m, "from"), 1));
		cJSON_AddItemToObject(o, "text", cJSON_Duplicate(
		    cJSON_GetObjectItem(m, "text"), 1));
	}
}

static int
by_at(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	double p = cJSON_GetObjectItem(x, "at")->valuedouble;
	double q = cJSON_GetObjectItem(y, "at")->valuedouble;

	if (p != q)
		return p < q ? -1 : 1;
	p = cJSON_GetObjectItem(x, "_k")->valuedouble;
	q = cJSON_GetObjectItem(y, "_k")->valuedouble;
	return p < q ? -1 : p > q;
}

/* The timeline's items in time order (a stable order for one second). */
static cJSON *
sorted(cJSON *tl)
{
	size_t	 n = (size_t)cJSON_GetArraySize(tl), i = 0;
	cJSON	**v = xcalloc(n + 1, sizeof *v), *out = cJSON_CreateArray(), *it;

	while ((it = cJSON_DetachItemFromArray(tl, 0)) != NULL)
		v[i++] = it;
	/* qsort is not stable: items of the same second keep the order they
	 * were added in (records, risks, messages, casework), by index. */
	for (size_t k = 0; k < n; k++)
		cJSON_AddNumberToObject(v[k], "_k", (double)k);
	if (n > 1)
		qsort(v, n, sizeof *v, by_at);
	for (size_t k = 0; k < n; k++) {
		cJSON_DeleteItemFromObject(v[k], "_k");
		cJSON_AddItemToArray(out, v[k]);
	}
	free(v);
	cJSON_Delete(tl);
	return out;
}

static cJSON *
scores(const struct content *ct, const struct vrecord *v, size_t n)
{
	cJSON *a = cJSON_CreateArray(), *m, *pts, *bands, *b, *p;

	for (size_t k = 0; ct != NULL && k < ct->n_measures; k++) {
		const struct measure *me = &ct->measures[k];

		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "measure", me->id);
		cJSON_AddStringToObject(m, "title", me->title);
		cJSON_AddNumberToObject(m, "min", me->min_total);
		cJSON_AddNumberToObject(m, "max", me->max_total);
		cJSON_AddNumberToObject(m, "caseness", me->caseness);
		bands = cJSON_AddArrayToObject(m, "bands");
		for (size_t i = 0; i < me->n_bands; i++) {
			b = cJSON_CreateObject();
			cJSON_AddNumberToObject(b, "min", me->bands[i].min);
			cJSON_AddNumberToObject(b, "max", me->bands[i].max);
			cJSON_AddStringToObject(b, "label", me->bands[i].label);
			cJSON_AddItemToArray(bands, b);
		}
		pts = cJSON_AddArrayToObject(m, "points");
		for (size_t i = 0; i < n; i++) {
			if (v[i].reason != NULL || v[i].measure != me ||
			    v[i].band == NULL)
				continue;
			p = cJSON_CreateObject();
			cJSON_AddNumberToObject(p, "at",
			    (double)v[i].created_at);
			cJSON_AddNumberToObject(p, "total", v[i].total);
			cJSON_AddStringToObject(p, "band", v[i].band->label);
			cJSON_AddItemToArray(pts, p);
		}
		cJSON_AddItemToArray(a, m);
	}
	return a;
}

cJSON *
review_view_json(struct clinic_read *cr, const char *patient,
    const struct vrecord *recs, size_t n, const struct casework *cw,
    long long now, size_t *failed_messages, struct sw_error *err)
{
	const struct content	*ct = clinic_read_content(cr);
	struct risks		 rs = { 0 };
	struct outcome		 oc;
	struct cw_case		 c;
	cJSON			*j, *o, *tl, *msgs;
	char			 day[32];

	if ((msgs = clinic_thread_json(cr->db, &cr->k, patient, recs, n,
	    failed_messages, err)) == NULL)
		return NULL;
	risks_collect(recs, n, &rs);
	if (risks_load_audit(cr->db, &cr->k, &rs, true, err) != 0) {
		risks_free(&rs);
		cJSON_Delete(msgs);
		return NULL;
	}
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "format", 1);
	cJSON_AddStringToObject(j, "patient", patient);
	casework_case(cw, patient, &c);
	o = cJSON_AddObjectToObject(j, "case");
	if (c.supporter != NULL)
		cJSON_AddStringToObject(o, "supporter", c.supporter);
	else
		cJSON_AddNullToObject(o, "supporter");
	if (c.next_due > 0) {
		format_local(c.next_due, day, sizeof day);
		day[10] = '\0';
		cJSON_AddStringToObject(o, "next_review", day);
		cJSON_AddBoolToObject(o, "overdue", c.next_due < now);
	} else
		cJSON_AddNullToObject(o, "next_review");
	cJSON_AddNumberToObject(o, "supporter_minutes", c.minutes);
	cJSON_AddNumberToObject(o, "open_risks", 0);
	for (size_t i = 0, k = 0; i < rs.n; i++)
		if (rs.v[i].acked_by == NULL)
			cJSON_SetNumberValue(cJSON_GetObjectItem(o,
			    "open_risks"), (double)++k);
	if (ct != NULL) {
		vrecords_outcome(ct, recs, n, patient, NULL, &oc);
		cJSON_AddItemToObject(j, "outcome", outcome_json(&oc));
		cJSON_AddStringToObject(cJSON_GetObjectItem(j, "outcome"),
		    "words", outcome_clinic_words(oc.category));
	} else
		cJSON_AddNullToObject(j, "outcome");
	cJSON_AddItemToObject(j, "scores", scores(ct, recs, n));
	tl = cJSON_CreateArray();
	add_records(tl, ct, recs, n);
	add_risks(tl, &rs);
	add_messages(tl, msgs);
	add_casework(tl, cw);
	cJSON_AddItemToObject(j, "timeline", sorted(tl));
	risks_free(&rs);
	json_wipe_delete(msgs);
	return j;
}

/* ---- text ---- */

static void
say(FILE *f, const char *label, const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	if (s == NULL)
		return;
	fputs(label, f);
	print_untrusted(f, s, "      ");
	fputc('\n', f);
}

static void
values_text(FILE *f, const cJSON *values)
{
	const cJSON	*v;
	char		*s;

	cJSON_ArrayForEach(v, values) {
		s = cJSON_IsString(v) ? xstrdup(v->valuestring) :
		    cJSON_PrintUnformatted(v);
		/* The field's name is the device's too. */
		fputs("      ", f);
		print_untrusted(f, v->string, " ");
		fputs(": ", f);
		print_untrusted(f, s, "        ");
		fputc('\n', f);
		wipe_free(s);
	}
}

void
review_view_print(FILE *f, const cJSON *j)
{
	const cJSON	*c = cJSON_GetObjectItem(j, "case"), *it, *m, *p;
	const cJSON	*a;
	const char	*type, *s;
	char		 when[32];
	double		 at;

	fprintf(f, _("Patient %s\n"), cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "patient")));
	s = cJSON_GetStringValue(cJSON_GetObjectItem(c, "supporter"));
	if (s != NULL)
		say(f, _("  Supporter:    "), c, "supporter");
	else
		fprintf(f, "%s\n", _("  Supporter:    nobody assigned yet"));
	if ((s = cJSON_GetStringValue(cJSON_GetObjectItem(c, "next_review"))))
		fprintf(f, cJSON_IsTrue(cJSON_GetObjectItem(c, "overdue")) ?
		    _("  Next review:  %s (overdue)\n") :
		    _("  Next review:  %s\n"), s);
	else
		fprintf(f, "%s\n", _("  Next review:  no date set"));
	fprintf(f, ngettext("  Time spent:   %d minute\n", "  Time spent:   %d "
	    "minutes\n", (unsigned long)cJSON_GetObjectItem(c,
	    "supporter_minutes")->valueint), cJSON_GetObjectItem(c,
	    "supporter_minutes")->valueint);
	if (cJSON_GetObjectItem(c, "open_risks")->valueint > 0)
		fprintf(f, ngettext("  RISK:         %d open risk, not acknowledged "
		    "yet\n", "  RISK:         %d open risks, not acknowledged "
		    "yet\n", (unsigned long)cJSON_GetObjectItem(c,
		    "open_risks")->valueint), cJSON_GetObjectItem(c,
		    "open_risks")->valueint);
	if ((m = cJSON_GetObjectItem(j, "outcome")) != NULL &&
	    (s = cJSON_GetStringValue(cJSON_GetObjectItem(m, "words"))))
		fprintf(f, _("  Outcome:      %s\n"), s);
	fprintf(f, "%s\n", _("Scores"));
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "scores")) {
		fprintf(f, _("  %s (caseness at %d or more):"),
		    cJSON_GetStringValue(cJSON_GetObjectItem(m, "title")),
		    cJSON_GetObjectItem(m, "caseness")->valueint);
		if (cJSON_GetArraySize(cJSON_GetObjectItem(m, "points")) == 0)
			fprintf(f, " %s", _("none yet"));
		fputc('\n', f);
		cJSON_ArrayForEach(p, cJSON_GetObjectItem(m, "points")) {
			format_local((long long)cJSON_GetObjectItem(p,
			    "at")->valuedouble, when, sizeof when);
			fprintf(f, "    %s  %2d  %s\n", when, cJSON_GetObjectItem(p,
			    "total")->valueint, cJSON_GetStringValue(
			    cJSON_GetObjectItem(p, "band")));
		}
	}
	fprintf(f, "%s\n", _("Timeline"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "timeline")) {
		at = cJSON_GetObjectItem(it, "at")->valuedouble;
		format_local((long long)at, when, sizeof when);
		type = cJSON_GetStringValue(cJSON_GetObjectItem(it, "type"));
		fprintf(f, "  %s  ", when);
		if (strcmp(type, "checkin") == 0) {
			fprintf(f, _("check-in %s"), cJSON_GetStringValue(
			    cJSON_GetObjectItem(it, "measure")));
			if (cJSON_GetObjectItem(it, "total") != NULL)
				fprintf(f, ": %d %s", cJSON_GetObjectItem(it,
				    "total")->valueint, cJSON_GetStringValue(
				    cJSON_GetObjectItem(it, "band")));
			if (cJSON_IsTrue(cJSON_GetObjectItem(it, "risk")))
				fprintf(f, "%s", _(", with a risk answer"));
			fputc('\n', f);
		} else if (strcmp(type, "risk") == 0) {
			fprintf(f, _("RISK: item %d answered %d"),
			    cJSON_GetObjectItem(it, "item") ?
			    cJSON_GetObjectItem(it, "item")->valueint : 0,
			    cJSON_GetObjectItem(it, "answer") ?
			    cJSON_GetObjectItem(it, "answer")->valueint : 0);
			if (cJSON_IsObject(a = cJSON_GetObjectItem(it,
			    "acknowledged"))) {
				format_local((long long)cJSON_GetObjectItem(a,
				    "at")->valuedouble, when, sizeof when);
				fprintf(f, "%s", _(", acknowledged by "));
				print_untrusted(f, cJSON_GetStringValue(
				    cJSON_GetObjectItem(a, "by")), " ");
				fprintf(f, _(" on %s\n"), when);
				say(f, _("      note: "), a, "note");
			} else
				fprintf(f, "%s\n", _(", NOT ACKNOWLEDGED: see "
				    "stepwise-clinic ack"));
		} else if (strcmp(type, "exercise") == 0) {
			say(f, _("shared exercise entry: "), it, "exercise");
			values_text(f, cJSON_GetObjectItem(it, "values"));
		} else if (strcmp(type, "lesson") == 0)
			say(f, _("lesson finished: "), it, "lesson");
		else if (strcmp(type, "message") == 0) {
			if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it,
			    "direction")), "to_patient") == 0) {
				fprintf(f, "%s", _("message to the patient"));
				if (cJSON_GetObjectItem(it, "from") != NULL) {
					fprintf(f, "%s", _(", from "));
					print_untrusted(f,
					    cJSON_GetStringValue(
					    cJSON_GetObjectItem(it, "from")),
					    " ");
				}
				fputs(":\n", f);
			} else
				fprintf(f, "%s\n", _("reply from the patient:"));
			say(f, "      ", it, "text");
		} else if (strcmp(type, "review") == 0) {
			fprintf(f, _("review by %s, %d minutes:\n"),
			    cJSON_GetStringValue(cJSON_GetObjectItem(it, "by")),
			    cJSON_GetObjectItem(it, "minutes")->valueint);
			say(f, "      ", it, "note");
		} else if (strcmp(type, "assign") == 0)
			fprintf(f, _("assigned to %s by %s\n"),
			    cJSON_GetStringValue(cJSON_GetObjectItem(it, "to")),
			    cJSON_GetStringValue(cJSON_GetObjectItem(it, "by")));
		else if (strcmp(type, "next_review") == 0)
			fprintf(f, _("next review set for %s by %s\n"),
			    cJSON_GetStringValue(cJSON_GetObjectItem(it, "due")),
			    cJSON_GetStringValue(cJSON_GetObjectItem(it, "by")));
		else if (strcmp(type, "programme") == 0)
			fprintf(f, _("programme changed (%s) by %s\n"),
			    cJSON_GetStringValue(cJSON_GetObjectItem(it,
			    "change")), cJSON_GetStringValue(
			    cJSON_GetObjectItem(it, "by")));
	}
}
