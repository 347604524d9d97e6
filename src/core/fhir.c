/* fhir.c: the FHIR R4 Bundle of check-ins (fhir.h). A response's items are
 * linked by their LOINC codes, answers are LOINC answer codes with the
 * 0-3 value as their ordinal, all from the content file; the total is
 * scored here by measure_score, so it is the sum the clinic's own scoring
 * gives, never a number a device sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fhir.h"
#include "util.h"

#define LOINC_SYSTEM	"http://loinc.org"
#define LOINC_QUESTIONNAIRE "http://loinc.org/q/"
#define ORDINAL_URL	"http://hl7.org/fhir/StructureDefinition/ordinalValue"
#define FLAG_DETAIL_URL	"http://hl7.org/fhir/StructureDefinition/flag-detail"
#define OBS_CATEGORY	"http://terminology.hl7.org/CodeSystem/observation-category"
#define FLAG_CATEGORY	"http://terminology.hl7.org/CodeSystem/flag-category"
#define RECORD_SYSTEM	"urn:stepwise:record"
#define PATIENT_SYSTEM	"urn:stepwise:patient"
#define SEVERITY_SYSTEM	"urn:stepwise:severity:"

/* A name-based id for a resource made from record id (RFC 9562 UUID form,
 * version 8): the same check-in gives the same fullUrl in every export,
 * so a server loading it twice with a conditional create keeps one. */
static void
resource_uuid(const char *id, const char *type, char out[46])
{
	unsigned char		 h[16];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)type,
	    strlen(type) + 1);
	crypto_generichash_update(&st, (const unsigned char *)id, strlen(id));
	crypto_generichash_final(&st, h, sizeof h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x80);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	snprintf(out, 46, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3], h[4], h[5],
	    h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
}

static cJSON *
coding(const char *system, const char *code, const char *display)
{
	cJSON *c = cJSON_CreateObject();

	if (system != NULL)
		cJSON_AddStringToObject(c, "system", system);
	if (code != NULL)
		cJSON_AddStringToObject(c, "code", code);
	if (display != NULL)
		cJSON_AddStringToObject(c, "display", display);
	return c;
}

static cJSON *
concept(cJSON *coded, const char *text)
{
	cJSON *c = cJSON_CreateObject();

	if (coded != NULL)
		cJSON_AddItemToArray(cJSON_AddArrayToObject(c, "coding"), coded);
	if (text != NULL)
		cJSON_AddStringToObject(c, "text", text);
	return c;
}

static cJSON *
subject_ref(const struct fhir_subject *s)
{
	cJSON *r = cJSON_CreateObject(), *id;

	if (s->ref != NULL) {
		cJSON_AddStringToObject(r, "type", "Patient");
		id = cJSON_AddObjectToObject(r, "identifier");
		cJSON_AddStringToObject(id, "system", PATIENT_SYSTEM);
		cJSON_AddStringToObject(id, "value", s->ref);
	}
	if (s->display != NULL)
		cJSON_AddStringToObject(r, "display", s->display);
	return r;
}

static cJSON *
reference(const char *url)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "reference", url);
	return r;
}

static void
add_risk_tag(cJSON *res)
{
	cJSON *meta = cJSON_AddObjectToObject(res, "meta");

	cJSON_AddItemToArray(cJSON_AddArrayToObject(meta, "tag"),
	    coding(FHIR_TAG_SYSTEM, FHIR_TAG_RISK, "Risk answer"));
}

/* The record's id, for a conditional create (one per record, however
 * often it is loaded): one identifier in a QuestionnaireResponse, a list
 * of them in the others. */
static void
add_identifier(cJSON *res, const char *id, bool list)
{
	cJSON *i = cJSON_CreateObject();

	cJSON_AddStringToObject(i, "system", RECORD_SYSTEM);
	cJSON_AddStringToObject(i, "value", id);
	if (list)
		cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "identifier"), i);
	else
		cJSON_AddItemToObject(res, "identifier", i);
}

static const struct measure_option *
option_for(const struct measure_option *o, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (o[i].value == value)
			return &o[i];
	return NULL;
}

/* One answered question: linkId its LOINC code (or local when the
 * measure's content gives none), the answer as a LOINC answer code with
 * its value as the ordinal. */
static cJSON *
choice_item(const char *code, const char *local, const char *text,
    const struct measure_option *opt)
{
	cJSON *it = cJSON_CreateObject(), *ans, *c, *ext;

	cJSON_AddStringToObject(it, "linkId", code != NULL ? code : local);
	cJSON_AddStringToObject(it, "text", text);
	ans = cJSON_CreateObject();
	c = coding(opt->loinc ? LOINC_SYSTEM : NULL, opt->loinc, opt->label);
	ext = cJSON_CreateObject();
	cJSON_AddStringToObject(ext, "url", ORDINAL_URL);
	cJSON_AddNumberToObject(ext, "valueDecimal", opt->value);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(c, "extension"), ext);
	cJSON_AddItemToObject(ans, "valueCoding", c);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(it, "answer"), ans);
	return it;
}

static cJSON *
total_item(const struct measure *m, int total)
{
	cJSON	*it = cJSON_CreateObject(), *ans = cJSON_CreateObject();
	char	*text = xasprintf("%s total score", m->title);

	cJSON_AddStringToObject(it, "linkId", m->total_loinc ? m->total_loinc :
	    "total");
	cJSON_AddStringToObject(it, "text", text);
	cJSON_AddNumberToObject(ans, "valueInteger", total);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(it, "answer"), ans);
	free(text);
	return it;
}

static cJSON *
entry(cJSON *bundle_entries, const char *url, cJSON *res)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "fullUrl", url);
	cJSON_AddItemToObject(e, "resource", res);
	cJSON_AddItemToArray(bundle_entries, e);
	return res;
}

static int
add_response(cJSON *entries, const struct fhir_response *r,
    const struct fhir_subject *s)
{
	const struct measure	*m = r->m;
	const struct measure_option *opt;
	struct measure_result	 res;
	cJSON			*qr, *items, *obs, *flag;
	char			 qr_url[46], obs_url[46], flag_url[46];
	char			 when[32], *q, *note;
	char			 local[32];

	if (measure_score(m, r->answers, m->n_items, &res) != 0 ||
	    res.complete != r->complete)
		return -1;
	resource_uuid(r->id, "QuestionnaireResponse", qr_url);
	format_rfc3339(r->authored, when, sizeof when);
	qr = cJSON_CreateObject();
	cJSON_AddStringToObject(qr, "resourceType", "QuestionnaireResponse");
	if (res.risk)
		add_risk_tag(qr);
	add_identifier(qr, r->id, false);
	q = xasprintf("%s%s", LOINC_QUESTIONNAIRE, m->loinc ? m->loinc : m->id);
	cJSON_AddStringToObject(qr, "questionnaire", q);
	free(q);
	/* A risk answer sent on its own: the check-in was not finished (or
	 * not yet), and only that answer is known. */
	cJSON_AddStringToObject(qr, "status", r->complete ? "completed" :
	    "in-progress");
	cJSON_AddItemToObject(qr, "subject", subject_ref(s));
	cJSON_AddStringToObject(qr, "authored", when);
	items = cJSON_AddArrayToObject(qr, "item");
	for (size_t i = 0; i < m->n_items; i++) {
		if (r->answers[i] == MEASURE_UNANSWERED)
			continue;
		if ((opt = option_for(m->options, m->n_options,
		    r->answers[i])) == NULL)
			goto bad;
		snprintf(local, sizeof local, "%s-%d", m->id, m->items[i].number);
		cJSON_AddItemToArray(items, choice_item(m->items[i].loinc, local,
		    m->items[i].text, opt));
	}
	if (r->complete && r->functional != MEASURE_UNANSWERED &&
	    m->functional_text != NULL) {
		if ((opt = option_for(m->functional_options,
		    m->n_functional_options, r->functional)) == NULL)
			goto bad;
		snprintf(local, sizeof local, "%s-difficulty", m->id);
		cJSON_AddItemToArray(items, choice_item(m->functional_loinc,
		    local, m->functional_text, opt));
	}
	if (r->complete)
		cJSON_AddItemToArray(items, total_item(m, res.total));
	entry(entries, qr_url, qr);

	if (r->complete) {
		char *text = xasprintf("%s total score", m->title);
		char *sys = xasprintf("%s%s", SEVERITY_SYSTEM, m->id);

		resource_uuid(r->id, "Observation", obs_url);
		obs = cJSON_CreateObject();
		cJSON_AddStringToObject(obs, "resourceType", "Observation");
		if (res.risk)
			add_risk_tag(obs);
		add_identifier(obs, r->id, true);
		cJSON_AddStringToObject(obs, "status", "final");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(obs, "category"),
		    concept(coding(OBS_CATEGORY, "survey", "Survey"), NULL));
		cJSON_AddItemToObject(obs, "code", concept(m->total_loinc ?
		    coding(LOINC_SYSTEM, m->total_loinc, text) : NULL, text));
		cJSON_AddItemToObject(obs, "subject", subject_ref(s));
		cJSON_AddStringToObject(obs, "effectiveDateTime", when);
		cJSON_AddNumberToObject(obs, "valueInteger", res.total);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(obs,
		    "interpretation"), concept(coding(sys, res.band->id,
		    res.band->label), res.band->label));
		cJSON_AddItemToArray(cJSON_AddArrayToObject(obs, "derivedFrom"),
		    reference(qr_url));
		entry(entries, obs_url, obs);
		free(sys);
		free(text);
	}

	if (res.risk) {
		const struct measure_item *it = &m->items[res.risk_item - 1];
		cJSON *ext = cJSON_CreateObject(), *period;

		opt = option_for(m->options, m->n_options, res.risk_answer);
		note = NULL;
		for (size_t k = 0; k < m->n_risks; k++)
			if (m->risks[k].item == res.risk_item)
				note = m->risks[k].note;
		resource_uuid(r->id, "Flag", flag_url);
		flag = cJSON_CreateObject();
		cJSON_AddStringToObject(flag, "resourceType", "Flag");
		add_risk_tag(flag);
		add_identifier(flag, r->id, true);
		cJSON_AddStringToObject(ext, "url", FLAG_DETAIL_URL);
		cJSON_AddItemToObject(ext, "valueReference", reference(qr_url));
		cJSON_AddItemToArray(cJSON_AddArrayToObject(flag, "extension"),
		    ext);
		cJSON_AddStringToObject(flag, "status", "active");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(flag, "category"),
		    concept(coding(FLAG_CATEGORY, "clinical", "Clinical"), NULL));
		q = xasprintf("%s item %d: \"%s\" answered \"%s\".%s%s",
		    m->title, it->number, it->text, opt ? opt->label : "?",
		    note ? " " : "", note ? note : "");
		cJSON_AddItemToObject(flag, "code", concept(it->loinc ?
		    coding(LOINC_SYSTEM, it->loinc, it->text) : NULL, q));
		free(q);
		cJSON_AddItemToObject(flag, "subject", subject_ref(s));
		period = cJSON_AddObjectToObject(flag, "period");
		cJSON_AddStringToObject(period, "start", when);
		entry(entries, flag_url, flag);
	}
	return 0;
bad:
	cJSON_Delete(qr);
	return -1;
}

/* Whether a finished check-in in v names risk signal id. */
static bool
named_by_checkin(const struct fhir_response *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].complete && v[i].risk_signal != NULL &&
		    strcmp(v[i].risk_signal, id) == 0)
			return true;
	return false;
}

cJSON *
fhir_bundle(const struct fhir_response *v, const struct fhir_subject *subj,
    size_t n, long long now, size_t *bad)
{
	cJSON	*b = cJSON_CreateObject(), *entries;
	char	 when[32];

	format_rfc3339(now, when, sizeof when);
	cJSON_AddStringToObject(b, "resourceType", "Bundle");
	cJSON_AddStringToObject(b, "type", "collection");
	cJSON_AddStringToObject(b, "timestamp", when);
	entries = cJSON_AddArrayToObject(b, "entry");
	for (size_t i = 0; i < n; i++) {
		if (!v[i].complete && named_by_checkin(v, n, v[i].id))
			continue;
		if (add_response(entries, &v[i], &subj[i]) != 0) {
			*bad = i;
			cJSON_Delete(b);
			return NULL;
		}
	}
	return b;
}
