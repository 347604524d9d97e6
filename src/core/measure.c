/* measure.c: questionnaires read from content, checked in full, scored by
 * their published rule and compared as NHS Talking Therapies defines change. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "jsonv.h"
#include "measure.h"
#include "util.h"

/* Limits on the shape of a measure, not clinical thresholds: they keep every
 * total well inside an int and every form on a screen. */
#define MAX_ITEMS	50
#define MIN_OPTIONS	2
#define MAX_OPTIONS	10
#define MAX_VALUE	100
#define MAX_TOTAL	(MAX_ITEMS * MAX_VALUE)

/* A band bound that was missing or invalid; later checks skip it rather than
 * report a second problem caused by the first. */
#define UNKNOWN		INT_MIN

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

static const char *const root_keys[] = {
	"format", "id", "title", "name", "loinc", "total_loinc", "stem",
	"copyright", "source", "options", "items", "scoring", "bands", "risk_items",
	"caseness", "reliable_change", "functional", NULL
};
static const char *const option_keys[] = { "value", "label", "loinc",
	NULL };
static const char *const item_keys[] = { "number", "text", "loinc", NULL };
static const char *const scoring_keys[] = { "method", NULL };
static const char *const band_keys[] = {
	"min", "max", "id", "label", "description", "clinic_note", NULL
};
static const char *const risk_keys[] = { "item", "threshold", "note", NULL };
static const char *const functional_keys[] = { "text", "loinc", "options",
	NULL };

/* LOINC's answer codes for the answers of the PHQ-9 and the GAD-7, with the
 * display name LOINC gives each. A measure's answer may only carry one of
 * these; add a code here (checked against LOINC) when a measure needs it. */
static const struct {
	const char	*code;
	const char	*display;
} answer_codes[] = {
	{ "LA6568-5", "Not at all" },
	{ "LA6569-3", "Several days" },
	{ "LA6570-1", "More than half the days" },
	{ "LA6571-9", "Nearly every day" },
	{ "LA6572-7", "Not difficult at all" },
	{ "LA6573-5", "Somewhat difficult" },
	{ "LA6575-0", "Very difficult" },
	{ "LA6574-3", "Extremely difficult" },
};

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Ids end up in file names and exported records. */
static bool
valid_id(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '-')
			continue;
		return false;
	}
	return true;
}

/* The LOINC Users' Guide's mod 10 rule: from the right, every other digit
 * (the first, third, ...) is doubled and the digits of all the results are
 * added; the check digit takes the sum up to the next multiple of 10. So a
 * mistyped digit is caught here, not at the clinic. */
bool
measure_loinc_valid(const char *s)
{
	const char	*dash = strchr(s, '-');
	int		 sum = 0, d;
	bool		 twice = true;

	if (dash == NULL || dash == s || dash - s > 7 ||
	    dash[1] < '0' || dash[1] > '9' || dash[2] != '\0')
		return false;
	for (const char *p = dash - 1; p >= s; p--) {
		if (*p < '0' || *p > '9')
			return false;
		d = *p - '0';
		if (twice && (d *= 2) > 9)
			d -= 9;
		sum += d;
		twice = !twice;
	}
	return (10 - sum % 10) % 10 == dash[1] - '0';
}

bool
measure_answer_code_known(const char *s)
{
	for (size_t i = 0; i < nitems(answer_codes); i++)
		if (strcmp(s, answer_codes[i].code) == 0)
			return true;
	return false;
}

static char *
loinc_field(struct jctx *c, const cJSON *obj, const char *path,
    const char *key)
{
	const char *s = jv_string(c, obj, path, key, false);

	if (s == NULL)
		return NULL;
	if (!measure_loinc_valid(s)) {
		jv_error(c, path, key, "is not a LOINC code such as 44249-1 "
		    "(or its check digit is wrong)");
		return NULL;
	}
	return xstrdup(s);
}

/* Element i of an array, which must be an object. NULL (with a problem
 * recorded) otherwise; the caller frees *ipath. */
static const cJSON *
element(struct jctx *c, const cJSON *el, const char *path, size_t i,
    const char *const *keys, char **ipath)
{
	*ipath = jv_path_index(path, i);
	if (!cJSON_IsObject(el)) {
		jv_error(c, *ipath, NULL, "must be an object");
		return NULL;
	}
	jv_only_keys(c, el, *ipath, keys);
	return el;
}

static void
parse_header(struct jctx *c, const cJSON *j, struct measure *m)
{
	const char	*id;
	int		 format;

	if (jv_int(c, j, "$", "format", true, INT_MIN, INT_MAX, &format) &&
	    format != 1)
		jv_error(c, "$", "format", "is %d, but this version of "
		    "Stepwise reads format 1", format);
	if ((id = jv_string(c, j, "$", "id", true)) != NULL) {
		if (valid_id(id))
			m->id = xstrdup(id);
		else
			jv_error(c, "$", "id", "must use only a-z, 0-9, _ "
			    "and -");
	}
	m->title = dup_or_null(jv_string(c, j, "$", "title", true));
	m->name = dup_or_null(jv_string(c, j, "$", "name", true));
	m->loinc = loinc_field(c, j, "$", "loinc");
	m->total_loinc = loinc_field(c, j, "$", "total_loinc");
	m->stem = dup_or_null(jv_string(c, j, "$", "stem", true));
	m->copyright = dup_or_null(jv_string(c, j, "$", "copyright", false));
	m->source = dup_or_null(jv_string(c, j, "$", "source", false));
}

/* An option's answer code: one LOINC knows for this kind of answer, and not
 * the code of an earlier option of the same list. */
static char *
answer_code(struct jctx *c, const cJSON *el, const char *ipath,
    const struct measure_option *opts, size_t n)
{
	const char *s = jv_string(c, el, ipath, "loinc", false);

	if (s == NULL)
		return NULL;
	if (!measure_answer_code_known(s)) {
		jv_error(c, ipath, "loinc", "\"%s\" is not a LOINC answer code "
		    "Stepwise knows (such as LA6568-5, \"Not at all\")", s);
		return NULL;
	}
	for (size_t k = 0; k < n; k++) {
		if (opts[k].loinc != NULL && strcmp(opts[k].loinc, s) == 0) {
			jv_error(c, ipath, "loinc", "repeats the code %s of an "
			    "earlier option", s);
			return NULL;
		}
	}
	return xstrdup(s);
}

static void
parse_option(struct jctx *c, const cJSON *el, const char *ipath,
    struct measure_option *opts, size_t *n)
{
	const char	*label;
	char		*code;
	int		 value;
	bool		 have_value;

	have_value = jv_int(c, el, ipath, "value", true, 0, MAX_VALUE, &value);
	label = jv_string(c, el, ipath, "label", true);
	code = answer_code(c, el, ipath, opts, *n);
	if (!have_value)
		goto bad;
	for (size_t k = 0; k < *n; k++) {
		if (opts[k].value == value) {
			jv_error(c, ipath, "value", "repeats the value %d of "
			    "an earlier option", value);
			goto bad;
		}
	}
	opts[*n].value = value;
	opts[*n].label = dup_or_null(label);
	opts[*n].loinc = code;
	(*n)++;
	return;
bad:
	free(code);
}

/* Options (answers or functional answers) at path.key. Only options with a
 * valid, new value are kept, so a bad one cannot skew the totals. */
static void
parse_options(struct jctx *c, const cJSON *obj, const char *path,
    const char *key, struct measure_option **out, size_t *n_out)
{
	const cJSON	*a, *el;
	char		*apath, *ipath;
	size_t		 i = 0, n;

	if ((a = jv_array(c, obj, path, key, true)) == NULL)
		return;
	apath = jv_path_key(path, key);
	n = (size_t)cJSON_GetArraySize(a);
	if (n < MIN_OPTIONS || n > MAX_OPTIONS)
		jv_error(c, apath, NULL, "must have %d to %d options, "
		    "not %zu", MIN_OPTIONS, MAX_OPTIONS, n);
	*out = xcalloc(n ? n : 1, sizeof **out);
	cJSON_ArrayForEach(el, a) {
		if (element(c, el, apath, i, option_keys, &ipath) != NULL)
			parse_option(c, el, ipath, *out, n_out);
		free(ipath);
		i++;
	}
	free(apath);
}

/* The smallest and largest option values; n_options must be >= 1. */
static void
option_range(const struct measure *m, int *lo, int *hi)
{
	*lo = *hi = m->options[0].value;
	for (size_t i = 1; i < m->n_options; i++) {
		if (m->options[i].value < *lo)
			*lo = m->options[i].value;
		if (m->options[i].value > *hi)
			*hi = m->options[i].value;
	}
}

/* True when the items array is usable for totals: present, 1..MAX_ITEMS. */
static bool
parse_items(struct jctx *c, const cJSON *j, struct measure *m)
{
	const cJSON		*a, *el;
	struct measure_item	*it;
	char			*ipath;
	size_t			 i = 0, n;
	int			 number;

	if ((a = jv_array(c, j, "$", "items", true)) == NULL)
		return false;
	n = (size_t)cJSON_GetArraySize(a);
	if (n < 1 || n > MAX_ITEMS)
		jv_error(c, "$", "items", "must have 1 to %d items, not %zu",
		    MAX_ITEMS, n);
	m->items = xcalloc(n ? n : 1, sizeof *m->items);
	m->n_items = n;
	cJSON_ArrayForEach(el, a) {
		it = &m->items[i];
		if (element(c, el, "$.items", i, item_keys, &ipath) != NULL) {
			if (jv_int(c, el, ipath, "number", true, INT_MIN,
			    INT_MAX, &number) && number != (int)i + 1)
				jv_error(c, ipath, "number", "is %d but must "
				    "be %zu: items are numbered 1, 2, 3... in "
				    "order", number, i + 1);
			it->number = (int)i + 1;
			it->text = dup_or_null(jv_string(c, el, ipath, "text",
			    true));
			it->loinc = loinc_field(c, el, ipath, "loinc");
		}
		free(ipath);
		i++;
	}
	return n >= 1 && n <= MAX_ITEMS;
}

static void
parse_scoring(struct jctx *c, const cJSON *j)
{
	const cJSON	*s;
	const char	*method;

	if ((s = jv_object(c, j, "$", "scoring", true)) == NULL)
		return;
	jv_only_keys(c, s, "$.scoring", scoring_keys);
	method = jv_string(c, s, "$.scoring", "method", true);
	if (method != NULL && strcmp(method, "sum") != 0)
		jv_error(c, "$.scoring", "method", "is \"%s\", but the only "
		    "method is \"sum\"", method);
}

static void
parse_band(struct jctx *c, const cJSON *el, const char *ipath,
    struct measure_band *b)
{
	b->min = b->max = UNKNOWN;
	if (!jv_int(c, el, ipath, "min", true, 0, MAX_TOTAL, &b->min))
		b->min = UNKNOWN;
	if (!jv_int(c, el, ipath, "max", true, 0, MAX_TOTAL, &b->max))
		b->max = UNKNOWN;
	if (b->min != UNKNOWN && b->max != UNKNOWN && b->max < b->min) {
		jv_error(c, ipath, "max", "is %d, below min %d", b->max,
		    b->min);
		b->max = UNKNOWN;
	}
	if ((b->id = dup_or_null(jv_string(c, el, ipath, "id", true))) !=
	    NULL && !valid_id(b->id))
		jv_error(c, ipath, "id", "must use only a-z, 0-9, _ and -");
	b->label = dup_or_null(jv_string(c, el, ipath, "label", true));
	b->description = dup_or_null(jv_string(c, el, ipath, "description",
	    true));
	b->clinic_note = dup_or_null(jv_string(c, el, ipath, "clinic_note",
	    false));
}

/* Bands must tile min_total..max_total exactly, so every possible total has
 * one band: a gap would leave a patient's score without words. */
static void
check_band_order(struct jctx *c, const struct measure *m, size_t i,
    const char *ipath)
{
	const struct measure_band	*b = &m->bands[i], *prev;

	for (size_t k = 0; k < i; k++) {
		if (b->id != NULL && m->bands[k].id != NULL &&
		    strcmp(b->id, m->bands[k].id) == 0)
			jv_error(c, ipath, "id", "repeats the id \"%s\" of "
			    "$.bands[%zu]", b->id, k);
	}
	if (i == 0 || b->min == UNKNOWN)
		return;
	prev = &m->bands[i - 1];
	if (prev->max == UNKNOWN)
		return;
	if (b->min == prev->max + 2)
		jv_error(c, ipath, "min", "is %d, leaving a gap: no band "
		    "covers the total %d", b->min, prev->max + 1);
	else if (b->min > prev->max + 2)
		jv_error(c, ipath, "min", "is %d, leaving a gap: no band "
		    "covers totals %d to %d", b->min, prev->max + 1,
		    b->min - 1);
	else if (b->min <= prev->max)
		jv_error(c, ipath, "min", "is %d, overlapping $.bands[%zu], "
		    "which ends at %d", b->min, i - 1, prev->max);
}

static void
parse_bands(struct jctx *c, const cJSON *j, struct measure *m,
    bool totals_known)
{
	const cJSON	*a, *el;
	char		*ipath;
	size_t		 i = 0, n;

	if ((a = jv_array(c, j, "$", "bands", true)) == NULL)
		return;
	if ((n = (size_t)cJSON_GetArraySize(a)) == 0) {
		jv_error(c, "$", "bands", "must have at least one band");
		return;
	}
	m->bands = xcalloc(n, sizeof *m->bands);
	m->n_bands = n;
	cJSON_ArrayForEach(el, a) {
		m->bands[i].min = m->bands[i].max = UNKNOWN;
		if (element(c, el, "$.bands", i, band_keys, &ipath) != NULL) {
			parse_band(c, el, ipath, &m->bands[i]);
			check_band_order(c, m, i, ipath);
		}
		free(ipath);
		i++;
	}
	if (!totals_known)
		return;
	if (m->bands[0].min != UNKNOWN && m->bands[0].min != m->min_total)
		jv_error(c, "$.bands[0]", "min", "is %d but must be %d, the "
		    "lowest possible total", m->bands[0].min, m->min_total);
	if (m->bands[n - 1].max != UNKNOWN &&
	    m->bands[n - 1].max != m->max_total) {
		ipath = jv_path_index("$.bands", n - 1);
		jv_error(c, ipath, "max", "is %d but must be %d, the highest "
		    "possible total", m->bands[n - 1].max, m->max_total);
		free(ipath);
	}
}

static bool
is_option(const struct measure *m, int value)
{
	for (size_t i = 0; i < m->n_options; i++)
		if (m->options[i].value == value)
			return true;
	return false;
}

/* A threshold at the lowest answer would flag risk on every form, so it
 * must be one of the other option values. */
static void
check_threshold(struct jctx *c, const struct measure *m, const char *ipath,
    int threshold)
{
	int lo, hi;

	option_range(m, &lo, &hi);
	if (is_option(m, threshold) && threshold != lo)
		return;
	jv_error(c, ipath, "threshold", "is %d but must be one of the "
	    "option values other than the lowest", threshold);
}

static void
parse_risks(struct jctx *c, const cJSON *j, struct measure *m,
    bool totals_known)
{
	const cJSON		*a, *el;
	struct measure_risk	*r;
	char			*ipath;
	size_t			 i = 0, n;
	int			 item, threshold;

	if ((a = jv_array(c, j, "$", "risk_items", true)) == NULL)
		return;
	n = (size_t)cJSON_GetArraySize(a);
	m->risks = xcalloc(n ? n : 1, sizeof *m->risks);
	cJSON_ArrayForEach(el, a) {
		if (element(c, el, "$.risk_items", i, risk_keys,
		    &ipath) == NULL)
			goto next;
		r = &m->risks[m->n_risks++];
		r->note = dup_or_null(jv_string(c, el, ipath, "note", false));
		if (jv_int(c, el, ipath, "item", true, INT_MIN, INT_MAX,
		    &item)) {
			if (item < 1 || (size_t)item > m->n_items)
				jv_error(c, ipath, "item", "refers to item "
				    "%d, but the measure has %zu items", item,
				    m->n_items);
			for (size_t k = 0; k + 1 < m->n_risks; k++)
				if (m->risks[k].item == item)
					jv_error(c, ipath, "item", "repeats "
					    "item %d", item);
			r->item = item;
		}
		if (jv_int(c, el, ipath, "threshold", true, INT_MIN, INT_MAX,
		    &threshold)) {
			if (totals_known)
				check_threshold(c, m, ipath, threshold);
			r->threshold = threshold;
		}
next:
		free(ipath);
		i++;
	}
}

/* NHS Talking Therapies: caseness must be reachable and not met by the
 * lowest total; a reliable change must fit within the range of totals. */
static void
parse_thresholds(struct jctx *c, const cJSON *j, struct measure *m,
    bool totals_known)
{
	if (jv_int(c, j, "$", "caseness", true, INT_MIN, INT_MAX,
	    &m->caseness) && totals_known &&
	    (m->caseness <= m->min_total || m->caseness > m->max_total))
		jv_error(c, "$", "caseness", "is %d but must be above %d and "
		    "at most %d", m->caseness, m->min_total, m->max_total);
	if (!jv_int(c, j, "$", "reliable_change", true, INT_MIN, INT_MAX,
	    &m->reliable_change))
		return;
	if (m->reliable_change < 1)
		jv_error(c, "$", "reliable_change", "is %d but must be at "
		    "least 1", m->reliable_change);
	else if (totals_known &&
	    m->reliable_change > m->max_total - m->min_total)
		jv_error(c, "$", "reliable_change", "is %d but must be at "
		    "most %d, the range of totals", m->reliable_change,
		    m->max_total - m->min_total);
}

static void
parse_functional(struct jctx *c, const cJSON *j, struct measure *m)
{
	const cJSON *f;

	if ((f = jv_object(c, j, "$", "functional", false)) == NULL)
		return;
	jv_only_keys(c, f, "$.functional", functional_keys);
	m->functional_text = dup_or_null(jv_string(c, f, "$.functional",
	    "text", true));
	m->functional_loinc = loinc_field(c, f, "$.functional", "loinc");
	parse_options(c, f, "$.functional", "options", &m->functional_options,
	    &m->n_functional_options);
}

int
measure_parse(const cJSON *json, const char *file, struct measure *m,
    struct diags *d)
{
	struct jctx	 c = { file, d };
	size_t		 start = d->n, before;
	bool		 totals_known, items_ok;
	int		 lo, hi;

	memset(m, 0, sizeof *m);
	if (!cJSON_IsObject(json)) {
		jv_error(&c, "$", NULL, "must be an object (one measure)");
		return -1;
	}
	jv_only_keys(&c, json, "$", root_keys);
	parse_header(&c, json, m);

	/* Totals rest on clean options and a sane item count. Without them
	 * the checks that use totals are skipped, rather than reporting
	 * problems that are only echoes of the first. */
	before = d->n;
	parse_options(&c, json, "$", "options", &m->options, &m->n_options);
	totals_known = d->n == before;
	items_ok = parse_items(&c, json, m);
	totals_known = totals_known && items_ok;
	if (totals_known) {
		option_range(m, &lo, &hi);
		m->min_total = (int)m->n_items * lo;
		m->max_total = (int)m->n_items * hi;
	}

	parse_scoring(&c, json);
	parse_bands(&c, json, m, totals_known);
	parse_risks(&c, json, m, totals_known);
	parse_thresholds(&c, json, m, totals_known);
	parse_functional(&c, json, m);

	if (d->n != start) {
		measure_free(m);
		return -1;
	}
	return 0;
}

static void
free_options(struct measure_option *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(o[i].label);
		free(o[i].loinc);
	}
	free(o);
}

void
measure_free(struct measure *m)
{
	free(m->id);
	free(m->title);
	free(m->name);
	free(m->loinc);
	free(m->total_loinc);
	free(m->stem);
	free(m->copyright);
	free(m->source);
	free_options(m->options, m->n_options);
	for (size_t i = 0; i < m->n_items; i++) {
		free(m->items[i].text);
		free(m->items[i].loinc);
	}
	free(m->items);
	for (size_t i = 0; i < m->n_bands; i++) {
		free(m->bands[i].id);
		free(m->bands[i].label);
		free(m->bands[i].description);
		free(m->bands[i].clinic_note);
	}
	free(m->bands);
	for (size_t i = 0; i < m->n_risks; i++)
		free(m->risks[i].note);
	free(m->risks);
	free(m->functional_text);
	free(m->functional_loinc);
	free_options(m->functional_options, m->n_functional_options);
	memset(m, 0, sizeof *m);
}

int
measure_score(const struct measure *m, const int *answers, size_t n,
    struct measure_result *out)
{
	const struct measure_risk	*r;
	int				 total = 0, a;

	memset(out, 0, sizeof *out);
	if (n != m->n_items)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (answers[i] != MEASURE_UNANSWERED &&
		    !is_option(m, answers[i]))
			return -1;

	out->complete = true;
	for (size_t i = 0; i < n; i++) {
		if (answers[i] == MEASURE_UNANSWERED)
			out->complete = false;
		else
			total += answers[i];
	}
	if (out->complete) {
		out->total = total;
		out->band = measure_band_for(m, total);
	}
	/* Risk must not wait for the rest of the form: a patient who answers
	 * item 9 and stops still sees crisis contacts. */
	for (size_t i = 0; i < m->n_risks; i++) {
		r = &m->risks[i];
		a = answers[r->item - 1];
		if (a == MEASURE_UNANSWERED || a < r->threshold ||
		    (out->risk && out->risk_item < r->item))
			continue;
		out->risk = true;
		out->risk_item = r->item;
		out->risk_answer = a;
	}
	return 0;
}

const struct measure_band *
measure_band_for(const struct measure *m, int total)
{
	for (size_t i = 0; i < m->n_bands; i++)
		if (total >= m->bands[i].min && total <= m->bands[i].max)
			return &m->bands[i];
	return NULL;
}

