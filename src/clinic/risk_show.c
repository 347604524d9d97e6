/* risk_show.c: one risk in words for the clinic's terminal, or as JSON:
 * who, when it was received and made, and what each of its records shows
 * (stepwise-clinic(8), risks). */
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "risk.h"
#include "util.h"

/* The measure's title from the clinic's content, else the name the device
 * sent, made safe for a terminal; to wipe_free(). */
static char *
measure_name(const struct vrecord *v)
{
	const char *id = v->record ? proto_str(v->record, "measure") : NULL;

	if (v->measure != NULL)
		return xstrdup(v->measure->title);
	return untrusted_clean(id ? id : "?", " ");
}

/* The words of an answer in the measure's own options, or NULL. */
static const char *
answer_label(const struct vrecord *v)
{
	if (v->measure == NULL)
		return NULL;
	for (size_t i = 0; i < v->measure->n_options; i++)
		if (v->measure->options[i].value == v->risk_answer)
			return v->measure->options[i].label;
	return NULL;
}

static void
print_signal(FILE *f, const struct vrecord *v)
{
	char		*m = measure_name(v);
	const char	*label = answer_label(v);

	if (label != NULL)
		fprintf(f, _("  risk signal: %s item %d, answer %d (%s)\n"), m,
		    v->risk_item, v->risk_answer, label);
	else
		fprintf(f, _("  risk signal: %s item %d, answer %d\n"), m,
		    v->risk_item, v->risk_answer);
	wipe_free(m);
}

static void
print_checkin(FILE *f, const struct vrecord *v)
{
	char *m = measure_name(v);

	if (v->band == NULL)
		fprintf(f, _("  check-in: %s, total %d as sent (not checked: "
		    "the measure is not known here), with the risk flag\n"),
		    m, v->total);
	else if (v->risk_item > 0)
		fprintf(f, _("  check-in: %s %d %s, item %d answer %d\n"), m,
		    v->total, v->band->label, v->risk_item, v->risk_answer);
	else
		fprintf(f, _("  check-in: %s %d %s\n"), m, v->total,
		    v->band->label);
	wipe_free(m);
}

static void
print_quarantined(FILE *f, const struct vrecord *v)
{
	if (v->qrisk == VRISK_UNKNOWN)
		fprintf(f, _("  quarantined record (%s): it cannot be read far "
		    "enough to check, so it may hold a risk answer\n"),
		    v->reason);
	else if (v->risk_item > 0)
		fprintf(f, _("  quarantined record (%s): it shows a risk "
		    "answer (item %d, answer %d)\n"), v->reason, v->risk_item,
		    v->risk_answer);
	else
		fprintf(f, _("  quarantined record (%s): it shows a risk "
		    "answer\n"), v->reason);
}

void
risk_print_text(FILE *f, const struct risk *r)
{
	char	 rec[32], made[32], *who, *note;

	format_local(r->received_at, rec, sizeof rec);
	format_local(r->created_at, made, sizeof made);
	if (r->patient != NULL)
		fprintf(f, r->created_at ? _("%s  received %s, made %s\n") :
		    _("%s  received %s\n"), r->patient, rec, made);
	else {
		/* Only the server's database says whose it is. */
		who = untrusted_clean(risk_patient(r), " ");
		fprintf(f, _("%s (claimed by the server's database, not "
		    "checked)  received %s\n"), who, rec);
		wipe_free(who);
	}
	if (r->signal != NULL)
		print_signal(f, r->signal);
	if (r->checkin != NULL)
		print_checkin(f, r->checkin);
	if (r->quarantined != NULL)
		print_quarantined(f, r->quarantined);
	if (r->acked_by != NULL) {
		format_local(r->acked_at, rec, sizeof rec);
		who = untrusted_clean(r->acked_by, " ");
		if (r->note != NULL) {
			note = untrusted_clean(r->note, "    ");
			fprintf(f, _("  acknowledged %s by %s:\n    %s\n"), rec,
			    who, note);
			wipe_free(note);
		} else
			fprintf(f, _("  acknowledged %s by %s\n"), rec, who);
		wipe_free(who);
	}
	fprintf(f, _("  id %s\n"), r->id);
}

/* ---- JSON ---- */

static cJSON *
json_member(const struct vrecord *v)
{
	cJSON		*o = cJSON_CreateObject();
	const char	*m = v->record ? proto_str(v->record, "measure") : NULL;

	cJSON_AddStringToObject(o, "id", v->id);
	cJSON_AddNumberToObject(o, "received_at", (double)v->received_at);
	if (v->reason != NULL) {
		cJSON_AddStringToObject(o, "reason", v->reason);
		cJSON_AddStringToObject(o, "shows", v->qrisk == VRISK_SHOWN ?
		    "risk" : "unknown");
	} else {
		cJSON_AddStringToObject(o, "check", v->check);
		cJSON_AddStringToObject(o, "measure", m);
	}
	if (v->band != NULL) {
		cJSON_AddNumberToObject(o, "total", v->total);
		cJSON_AddStringToObject(o, "severity", v->band->id);
		cJSON_AddStringToObject(o, "severity_label", v->band->label);
	}
	if (v->risk_item > 0) {
		cJSON_AddNumberToObject(o, "item", v->risk_item);
		cJSON_AddNumberToObject(o, "answer", v->risk_answer);
	}
	return o;
}

static void
add_member(cJSON *o, const char *key, const struct vrecord *v)
{
	if (v != NULL)
		cJSON_AddItemToObject(o, key, json_member(v));
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *
risk_json(const struct risk *r)
{
	cJSON *o = cJSON_CreateObject(), *a;

	cJSON_AddStringToObject(o, "id", r->id);
	cJSON_AddStringToObject(o, "device", r->device);
	if (r->patient != NULL)
		cJSON_AddStringToObject(o, "patient", r->patient);
	else
		cJSON_AddNullToObject(o, "patient");
	if (r->claimed != NULL)
		cJSON_AddStringToObject(o, "claimed_patient", r->claimed);
	else
		cJSON_AddNullToObject(o, "claimed_patient");
	cJSON_AddNumberToObject(o, "received_at", (double)r->received_at);
	if (r->created_at != 0)
		cJSON_AddNumberToObject(o, "created_at", (double)r->created_at);
	else
		cJSON_AddNullToObject(o, "created_at");
	cJSON_AddBoolToObject(o, "open", r->acked_by == NULL);
	add_member(o, "signal", r->signal);
	add_member(o, "checkin", r->checkin);
	add_member(o, "quarantined", r->quarantined);
	if (r->acked_by != NULL) {
		a = cJSON_AddObjectToObject(o, "acknowledged");
		cJSON_AddStringToObject(a, "by", r->acked_by);
		cJSON_AddNumberToObject(a, "at", (double)r->acked_at);
		if (r->note != NULL)
			cJSON_AddStringToObject(a, "note", r->note);
	} else
		cJSON_AddNullToObject(o, "acknowledged");
	cJSON_AddBoolToObject(o, "notified", r->notified);
	return o;
}
