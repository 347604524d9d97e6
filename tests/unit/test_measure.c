/* test_measure.c: PHQ-9 and GAD-7 from the real content files scored as
 * published (bands, risk), and measure_parse
 * naming every problem in a broken measure by its JSON path. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "measure.h"
#include "unit.h"
#include "util.h"

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

/* ---- the real measures, loaded for each test ---- */

static struct measure phq9, gad7;

static void
load(const char *name, struct measure *m)
{
	static char	 msg[1024];
	const char	*dir = unit_content_dir();
	struct diags	 d = { 0 };
	char		*file, *line;
	cJSON		*j;
	int		 rc = -1;

	file = xasprintf("%s/measures/%s", dir, name);
	if ((j = jv_parse_file(file, &d)) != NULL)
		rc = measure_parse(j, file, m, &d);
	cJSON_Delete(j);
	free(file);
	if (rc != 0 || d.n != 0) {
		/* Copy out before freeing: ck_abort_msg does not return. */
		line = d.n ? diags_format(&d, 0) : xstrdup("(no diagnostic)");
		snprintf(msg, sizeof msg, "%s did not load: %s (%zu problems)",
		    name, line, d.n);
		free(line);
		diags_free(&d);
		ck_abort_msg("%s", msg);
	}
	diags_free(&d);
}

static void
setup_measures(void)
{
	load("phq9.json", &phq9);
	load("gad7.json", &gad7);
}

static void
teardown_measures(void)
{
	measure_free(&phq9);
	measure_free(&gad7);
}

/* ---- published definitions, independent of the content files ---- */

struct band_row {
	int		 min, max;
	const char	*id;
};

/* Kroenke, Spitzer & Williams 2001 (PHQ-9); Spitzer et al. 2006 (GAD-7). */
static const struct band_row phq9_bands[] = {
	{ 0, 4, "minimal" },
	{ 5, 9, "mild" },
	{ 10, 14, "moderate" },
	{ 15, 19, "moderately_severe" },
	{ 20, 27, "severe" },
};
static const struct band_row gad7_bands[] = {
	{ 0, 4, "minimal" },
	{ 5, 9, "mild" },
	{ 10, 14, "moderate" },
	{ 15, 21, "severe" },
};

static const char *
published_band(const struct band_row *rows, size_t n, int total)
{
	for (size_t i = 0; i < n; i++)
		if (total >= rows[i].min && total <= rows[i].max)
			return rows[i].id;
	return NULL;
}

/* Answers (0-3 each) summing to total, piled onto the first items or, with
 * from_end, onto the last, so the band cannot depend on which items. */
static void
answers_for_total(size_t n, int total, bool from_end, int *a)
{
	for (size_t i = 0; i < n; i++) {
		size_t	k = from_end ? n - 1 - i : i;
		int	v = total > 3 ? 3 : total;

		a[k] = v;
		total -= v;
	}
	ck_assert_int_eq(total, 0);
}

static void
check_total_band(const struct measure *m, const struct band_row *rows,
    size_t n_rows, int total)
{
	struct measure_result	 r;
	int			 a[16];

	for (int from_end = 0; from_end < 2; from_end++) {
		answers_for_total(m->n_items, total, from_end, a);
		ck_assert_int_eq(measure_score(m, a, m->n_items, &r), 0);
		ck_assert(r.complete);
		ck_assert_int_eq(r.total, total);
		ck_assert_ptr_nonnull(r.band);
		ck_assert_msg(strcmp(r.band->id, published_band(rows, n_rows,
		    total)) == 0, "%s total %d: band %s, published %s", m->id,
		    total, r.band->id, published_band(rows, n_rows, total));
	}
}

/* ---- bands ---- */

START_TEST(test_phq9_every_total_gets_published_band)
{
	check_total_band(&phq9, phq9_bands, nitems(phq9_bands), _i);
}
END_TEST

START_TEST(test_gad7_every_total_gets_published_band)
{
	check_total_band(&gad7, gad7_bands, nitems(gad7_bands), _i);
}
END_TEST

static void
check_bands_match(const struct measure *m, const struct band_row *rows,
    size_t n)
{
	ck_assert_uint_eq(m->n_bands, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(m->bands[i].min, rows[i].min);
		ck_assert_int_eq(m->bands[i].max, rows[i].max);
		ck_assert_str_eq(m->bands[i].id, rows[i].id);
	}
}

START_TEST(test_bands_in_content_match_published_cut_offs)
{
	check_bands_match(&phq9, phq9_bands, nitems(phq9_bands));
	check_bands_match(&gad7, gad7_bands, nitems(gad7_bands));
	ck_assert_int_eq(phq9.min_total, 0);
	ck_assert_int_eq(phq9.max_total, 27);
	ck_assert_int_eq(gad7.min_total, 0);
	ck_assert_int_eq(gad7.max_total, 21);
}
END_TEST

START_TEST(test_totals_outside_range_have_no_band)
{
	ck_assert_ptr_null(measure_band_for(&phq9, -1));
	ck_assert_ptr_null(measure_band_for(&phq9, 28));
	ck_assert_ptr_null(measure_band_for(&gad7, -1));
	ck_assert_ptr_null(measure_band_for(&gad7, 22));
}
END_TEST

START_TEST(test_every_band_description_says_not_a_diagnosis)
{
	const struct measure *ms[] = { &phq9, &gad7 };

	for (size_t k = 0; k < nitems(ms); k++)
		for (size_t i = 0; i < ms[k]->n_bands; i++)
			ck_assert_msg(strstr(ms[k]->bands[i].description,
			    "This is not a diagnosis.") != NULL,
			    "%s band %s", ms[k]->id, ms[k]->bands[i].id);
}
END_TEST

/* ---- content: published wording and codes ---- */

/* Every word a patient reads in a check-in, and every code an export will
 * carry, written out here from the published forms (not from the content
 * files), so that any change to the content, down to one comma or one
 * apostrophe, fails this test. \u2014 is an em dash, \u2019 a right single
 * quotation mark, as on the forms. Sources: the PHQ-9 form Pfizer publishes
 * (Kroenke, Spitzer & Williams 2001); the GAD-7 form of Spitzer, Kroenke,
 * Williams & Löwe 2006, with the PHQ-9's answers; codes from LOINC's panels
 * 44249-1 and 69737-5 and answer lists. */
struct published_answer {
	const char	*label;
	const char	*loinc;
};

struct published {
	const char		*id;
	const char		*loinc, *total_loinc;
	const char		*stem;
	const char		*items[9];
	const char		*item_loinc[9];
	size_t			 n_items;
	struct published_answer	 answers[4];
	const char		*functional;
	const char		*functional_loinc;	/* NULL: LOINC has none */
	struct published_answer	 functional_answers[4];
};

#define FREQUENCY { \
	{ "Not at all", "LA6568-5" }, \
	{ "Several days", "LA6569-3" }, \
	{ "More than half the days", "LA6570-1" }, \
	{ "Nearly every day", "LA6571-9" } }
#define DIFFICULTY { \
	{ "Not difficult at all", "LA6572-7" }, \
	{ "Somewhat difficult", "LA6573-5" }, \
	{ "Very difficult", "LA6575-0" }, \
	{ "Extremely difficult", "LA6574-3" } }

static const struct published published[] = {
	{ "phq9", "44249-1", "44261-6",
	  "Over the last 2 weeks, how often have you been bothered by any of "
	  "the following problems?",
	  { "Little interest or pleasure in doing things",
	    "Feeling down, depressed, or hopeless",
	    "Trouble falling or staying asleep, or sleeping too much",
	    "Feeling tired or having little energy",
	    "Poor appetite or overeating",
	    "Feeling bad about yourself \u2014 or that you are a failure or "
	    "have let yourself or your family down",
	    "Trouble concentrating on things, such as reading the newspaper "
	    "or watching television",
	    "Moving or speaking so slowly that other people could have "
	    "noticed? Or the opposite \u2014 being so fidgety or restless that "
	    "you have been moving around a lot more than usual",
	    "Thoughts that you would be better off dead or of hurting "
	    "yourself in some way" },
	  { "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2",
	    "44252-5", "44253-3", "44260-8" }, 9,
	  FREQUENCY,
	  "If you checked off any problems, how difficult have these problems "
	  "made it for you to do your work, take care of things at home, or "
	  "get along with other people?",
	  "69722-7", DIFFICULTY },
	{ "gad7", "69737-5", "70274-6",
	  "Over the last 2 weeks, how often have you been bothered by the "
	  "following problems?",
	  { "Feeling nervous, anxious, or on edge",
	    "Not being able to stop or control worrying",
	    "Worrying too much about different things",
	    "Trouble relaxing",
	    "Being so restless that it\u2019s hard to sit still",
	    "Becoming easily annoyed or irritable",
	    "Feeling afraid as if something awful might happen" },
	  { "69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8",
	    "69736-7" }, 7,
	  FREQUENCY,
	  "If you checked off any problems, how difficult have these made it "
	  "for you to do your work, take care of things at home, or get along "
	  "with other people?",
	  NULL, DIFFICULTY },
};

/* got must equal want byte for byte (both NULL is equal); the message
 * names the first byte that differs. */
static void
assert_same_text(const char *what, const char *got, const char *want)
{
	size_t i = 0;

	if (want == NULL) {
		ck_assert_msg(got == NULL, "%s: \"%s\", want none", what, got);
		return;
	}
	ck_assert_msg(got != NULL, "%s: none, want \"%s\"", what, want);
	while (got[i] != '\0' && got[i] == want[i])
		i++;
	ck_assert_msg(got[i] == want[i], "%s differs at byte %zu:\n"
	    "  content:   \"%s\"\n  published: \"%s\"", what, i, got, want);
}

static void
assert_same_answers(const char *what, const struct measure_option *o,
    size_t n, const struct published_answer *want)
{
	char buf[128];

	ck_assert_msg(n == 4, "%s: %zu answers, want 4", what, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(o[i].value, (int)i);
		snprintf(buf, sizeof buf, "%s %zu label", what, i);
		assert_same_text(buf, o[i].label, want[i].label);
		snprintf(buf, sizeof buf, "%s %zu code", what, i);
		assert_same_text(buf, o[i].loinc, want[i].loinc);
	}
}

/* _i: the measure. */
START_TEST(test_content_is_published_wording_and_codes)
{
	const struct published	*p = &published[_i];
	const struct measure	*m = strcmp(p->id, "phq9") == 0 ? &phq9 : &gad7;
	char			 buf[64];

	assert_same_text("panel code", m->loinc, p->loinc);
	assert_same_text("total code", m->total_loinc, p->total_loinc);
	assert_same_text("stem", m->stem, p->stem);
	ck_assert_uint_eq(m->n_items, p->n_items);
	for (size_t i = 0; i < p->n_items; i++) {
		ck_assert_int_eq(m->items[i].number, (int)i + 1);
		snprintf(buf, sizeof buf, "%s item %zu", p->id, i + 1);
		assert_same_text(buf, m->items[i].text, p->items[i]);
		snprintf(buf, sizeof buf, "%s item %zu code", p->id, i + 1);
		assert_same_text(buf, m->items[i].loinc, p->item_loinc[i]);
	}
	assert_same_answers("answer", m->options, m->n_options, p->answers);
	assert_same_text("difficulty question", m->functional_text,
	    p->functional);
	assert_same_text("difficulty code", m->functional_loinc,
	    p->functional_loinc);
	assert_same_answers("difficulty answer", m->functional_options,
	    m->n_functional_options, p->functional_answers);
	ck_assert_ptr_nonnull(m->copyright);
	ck_assert_ptr_nonnull(m->source);
}
END_TEST

START_TEST(test_content_has_published_thresholds)
{
	ck_assert_int_eq(phq9.caseness, 10);
	ck_assert_int_eq(phq9.reliable_change, 6);
	ck_assert_int_eq(gad7.caseness, 8);
	ck_assert_int_eq(gad7.reliable_change, 4);
}
END_TEST

/* ---- LOINC codes ---- */

/* Question and panel codes pass the mod 10 check; answer codes are known
 * by name. Each bad question code is a good one with one mistake. */
START_TEST(test_loinc_codes_good_and_bad)
{
	static const char *const questions[] = {
		"44249-1", "44261-6", "69722-7", "69737-5", "70274-6",
		"44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
		"44258-2", "44252-5", "44253-3", "44260-8", "69725-0",
		"68509-9", "69733-4", "69734-2", "69735-9", "69689-8",
		"69736-7",
	};
	static const char *const answers[] = {
		"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9", "LA6572-7",
		"LA6573-5", "LA6575-0", "LA6574-3",
	};
	static const char *const bad_questions[] = {
		"44249-2",	/* wrong check digit */
		"44294-1",	/* two digits swapped */
		"44349-1",	/* one digit mistyped */
		"69726-7",	/* the same, in the GAD-7 range */
		"4424-91",	/* dash in the wrong place */
		"44249", "44249-", "-1", "44249-12", "44249-1 ", " 44249-1",
		"a4249-1", "12345678-9", "", "LA6568-5",
	};
	static const char *const bad_answers[] = {
		"LA6568-4",	/* wrong check digit */
		"LA9999-9",	/* not an answer of these measures */
		"la6568-5", "LA6568-5 ", "LA6568", "44249-1", "",
	};

	for (size_t i = 0; i < nitems(questions); i++) {
		ck_assert_msg(measure_loinc_valid(questions[i]), "%s",
		    questions[i]);
		ck_assert(!measure_answer_code_known(questions[i]));
	}
	for (size_t i = 0; i < nitems(answers); i++) {
		ck_assert_msg(measure_answer_code_known(answers[i]), "%s",
		    answers[i]);
		ck_assert(!measure_loinc_valid(answers[i]));
	}
	for (size_t i = 0; i < nitems(bad_questions); i++)
		ck_assert_msg(!measure_loinc_valid(bad_questions[i]),
		    "\"%s\" accepted", bad_questions[i]);
	for (size_t i = 0; i < nitems(bad_answers); i++)
		ck_assert_msg(!measure_answer_code_known(bad_answers[i]),
		    "\"%s\" accepted", bad_answers[i]);
}
END_TEST

/* ---- risk ---- */

static bool
phq9_risk(int item9, int others)
{
	struct measure_result	r;
	int			a[9];

	for (size_t i = 0; i < 8; i++)
		a[i] = others;
	a[8] = item9;
	ck_assert_int_eq(measure_score(&phq9, a, 9, &r), 0);
	return r.risk;
}

START_TEST(test_phq9_risk_is_item9_and_threshold_1)
{
	ck_assert_uint_eq(phq9.n_risks, 1);
	ck_assert_int_eq(phq9.risks[0].item, 9);
	ck_assert_int_eq(phq9.risks[0].threshold, 1);
}
END_TEST

/* _i: 0 others 0, 1 others 3. */
START_TEST(test_phq9_item9_zero_no_risk)
{
	ck_assert(!phq9_risk(0, _i ? 3 : 0));
}
END_TEST

/* _i 0..5: item 9 at 1, 2, 3 with others at 0 then at 3. */
START_TEST(test_phq9_item9_positive_sets_risk)
{
	int item9 = _i % 3 + 1, others = _i < 3 ? 0 : 3;

	ck_assert_msg(phq9_risk(item9, others), "item 9 = %d, others = %d",
	    item9, others);
}
END_TEST

START_TEST(test_gad7_never_sets_risk)
{
	struct measure_result	r;
	int			a[7];

	ck_assert_uint_eq(gad7.n_risks, 0);
	answers_for_total(7, _i, false, a);
	ck_assert_int_eq(measure_score(&gad7, a, 7, &r), 0);
	ck_assert(!r.risk);
	answers_for_total(7, _i, true, a);
	ck_assert_int_eq(measure_score(&gad7, a, 7, &r), 0);
	ck_assert(!r.risk);
}
END_TEST

/* ---- incomplete and invalid answers ---- */

/* _i: the item left unanswered. Item 9 is answered 1 unless it is _i. */
START_TEST(test_phq9_unanswered_item_is_incomplete_and_keeps_risk)
{
	struct measure_result	r;
	int			a[9] = { 2, 2, 2, 2, 2, 2, 2, 2, 1 };

	a[_i] = MEASURE_UNANSWERED;
	ck_assert_int_eq(measure_score(&phq9, a, 9, &r), 0);
	ck_assert(!r.complete);
	ck_assert_ptr_null(r.band);
	ck_assert_int_eq(r.total, 0);
	ck_assert(r.risk == (_i != 8));
}
END_TEST

START_TEST(test_gad7_unanswered_item_is_incomplete)
{
	struct measure_result	r;
	int			a[7] = { 3, 3, 3, 3, 3, 3, 3 };

	a[_i] = MEASURE_UNANSWERED;
	ck_assert_int_eq(measure_score(&gad7, a, 7, &r), 0);
	ck_assert(!r.complete);
	ck_assert_ptr_null(r.band);
	ck_assert_int_eq(r.total, 0);
	ck_assert(!r.risk);
}
END_TEST

START_TEST(test_nothing_answered_is_incomplete_without_risk)
{
	struct measure_result	r;
	int			a[9];

	for (size_t i = 0; i < 9; i++)
		a[i] = MEASURE_UNANSWERED;
	ck_assert_int_eq(measure_score(&phq9, a, 9, &r), 0);
	ck_assert(!r.complete);
	ck_assert(!r.risk);
}
END_TEST

/* _i: item index * 4 + which bad value. */
START_TEST(test_answer_not_an_option_is_rejected)
{
	static const int	 bad[] = { 4, -2, 100, INT_MIN };
	struct measure_result	 r;
	int			 a[9] = { 0 };
	size_t			 item = (size_t)_i / nitems(bad);

	a[item] = bad[_i % nitems(bad)];
	ck_assert_int_eq(measure_score(&phq9, a, 9, &r), -1);
	if (item < 7)
		ck_assert_int_eq(measure_score(&gad7, a, 7, &r), -1);
}
END_TEST

START_TEST(test_wrong_number_of_answers_is_rejected)
{
	struct measure_result	r;
	int			a[10] = { 0 };

	ck_assert_int_eq(measure_score(&phq9, a, 0, &r), -1);
	ck_assert_int_eq(measure_score(&phq9, a, 8, &r), -1);
	ck_assert_int_eq(measure_score(&phq9, a, 10, &r), -1);
	ck_assert_int_eq(measure_score(&phq9, a, 7, &r), -1);
	ck_assert_int_eq(measure_score(&gad7, a, 6, &r), -1);
	ck_assert_int_eq(measure_score(&gad7, a, 8, &r), -1);
	ck_assert_int_eq(measure_score(&gad7, a, 9, &r), -1);
	ck_assert_int_eq(measure_score(&gad7, a, 7, &r), 0);
}
END_TEST

/* ---- measure_parse on broken measures ---- */

/* A valid measure shaped like PHQ-9. Each substring a row replaces occurs
 * once (replace_once checks). */
static const char base_measure[] =
	"{ \"format\": 1, \"id\": \"mini\", \"title\": \"MINI\",\n"
	"  \"name\": \"A measure for tests\", \"loinc\": \"44249-1\",\n"
	"  \"stem\": \"How often?\",\n"
	"  \"options\": [ {\"value\": 0, \"label\": \"Not at all\"},\n"
	"    {\"value\": 1, \"label\": \"Several days\"},\n"
	"    {\"value\": 2, \"label\": \"More than half the days\"},\n"
	"    {\"value\": 3, \"label\": \"Nearly every day\"} ],\n"
	"  \"items\": [ {\"number\": 1, \"text\": \"One\"},\n"
	"    {\"number\": 2, \"text\": \"Two\"},\n"
	"    {\"number\": 3, \"text\": \"Three\"},\n"
	"    {\"number\": 4, \"text\": \"Four\"},\n"
	"    {\"number\": 5, \"text\": \"Five\"},\n"
	"    {\"number\": 6, \"text\": \"Six\"},\n"
	"    {\"number\": 7, \"text\": \"Seven\"},\n"
	"    {\"number\": 8, \"text\": \"Eight\"},\n"
	"    {\"number\": 9, \"text\": \"Nine\", \"loinc\": \"44260-8\"} ],\n"
	"  \"scoring\": {\"method\": \"sum\"},\n"
	"  \"bands\": [\n"
	"    {\"min\": 0, \"max\": 4, \"id\": \"minimal\", \"label\": \"A\","
	" \"description\": \"a\"},\n"
	"    {\"min\": 5, \"max\": 9, \"id\": \"mild\", \"label\": \"B\","
	" \"description\": \"b\"},\n"
	"    {\"min\": 10, \"max\": 14, \"id\": \"moderate\", \"label\": \"C\","
	" \"description\": \"c\"},\n"
	"    {\"min\": 15, \"max\": 19, \"id\": \"moderately_severe\","
	" \"label\": \"D\", \"description\": \"d\"},\n"
	"    {\"min\": 20, \"max\": 27, \"id\": \"severe\", \"label\": \"E\","
	" \"description\": \"e\"} ],\n"
	"  \"risk_items\": [ {\"item\": 9, \"threshold\": 1} ],\n"
	"  \"caseness\": 10, \"reliable_change\": 6,\n"
	"  \"functional\": { \"text\": \"How difficult?\", \"options\": [\n"
	"    {\"value\": 0, \"label\": \"Not difficult at all\"},\n"
	"    {\"value\": 1, \"label\": \"Very difficult\"} ] } }\n";

static char *
replace_once(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);

	ck_assert_msg(p != NULL && strstr(p + 1, from) == NULL,
	    "\"%s\" must occur exactly once in the base measure", from);
	return xasprintf("%.*s%s%s", (int)(p - text), text, to,
	    p + strlen(from));
}

/* Parse text as "mini.json"; the caller frees d. */
static int
parse_text(const char *text, struct measure *m, struct diags *d)
{
	cJSON	*j = cJSON_Parse(text);
	int	 rc;

	ck_assert_msg(j != NULL, "the test's JSON itself is not valid");
	rc = measure_parse(j, "mini.json", m, d);
	cJSON_Delete(j);
	return rc;
}

struct broken_row {
	const char	*what;
	const char	*from[2], *to[2];
	const char	*where[3];	/* every path expected, in any order */
};

static const struct broken_row broken[] = {
	{ "gap between bands", { "\"min\": 5," }, { "\"min\": 6," },
	    { "$.bands[1].min" } },
	{ "overlapping bands", { "\"min\": 5," }, { "\"min\": 4," },
	    { "$.bands[1].min" } },
	{ "wide gap between bands", { "\"min\": 10," }, { "\"min\": 12," },
	    { "$.bands[2].min" } },
	{ "band max below its min", { "\"max\": 14," }, { "\"max\": 8," },
	    { "$.bands[2].max" } },
	{ "first band above lowest total", { "\"min\": 0," }, { "\"min\": 1," },
	    { "$.bands[0].min" } },
	{ "last band below highest total", { "\"max\": 27" }, { "\"max\": 26" },
	    { "$.bands[4].max" } },
	{ "duplicate band id", { "\"id\": \"mild\"" }, { "\"id\": \"minimal\"" },
	    { "$.bands[1].id" } },
	{ "risk item 10 of 9", { "\"item\": 9" }, { "\"item\": 10" },
	    { "$.risk_items[0].item" } },
	{ "risk threshold not an option", { "\"threshold\": 1" },
	    { "\"threshold\": 4" }, { "$.risk_items[0].threshold" } },
	{ "risk threshold at lowest answer", { "\"threshold\": 1" },
	    { "\"threshold\": 0" }, { "$.risk_items[0].threshold" } },
	/* The typo is unknown and the real key is then missing: two. */
	{ "unknown key treshold", { "\"threshold\": 1" },
	    { "\"treshold\": 1" },
	    { "$.risk_items[0].treshold", "$.risk_items[0].threshold" } },
	{ "risk_items missing",
	    { "\"risk_items\": [ {\"item\": 9, \"threshold\": 1} ]," }, { "" },
	    { "$.risk_items" } },
	{ "duplicate option value", { "{\"value\": 2," }, { "{\"value\": 1," },
	    { "$.options[2].value" } },
	/* An option out of range must not cascade into band problems. */
	{ "option value above 100", { "{\"value\": 2," },
	    { "{\"value\": 200," }, { "$.options[2].value" } },
	{ "one functional option",
	    { "},\n    {\"value\": 1, \"label\": \"Very difficult\"}" },
	    { "}" }, { "$.functional.options" } },
	{ "missing stem", { "\"stem\": \"How often?\"," }, { "" },
	    { "$.stem" } },
	{ "two broken fields", { "\"format\": 1", "\"caseness\": 10" },
	    { "\"format\": 2", "\"caseness\": 0" },
	    { "$.format", "$.caseness" } },
	{ "format as a string", { "\"format\": 1" }, { "\"format\": \"1\"" },
	    { "$.format" } },
	{ "unknown root key", { "\"format\": 1," },
	    { "\"format\": 1, \"colour\": \"blue\"," }, { "$.colour" } },
	{ "bad id", { "\"id\": \"mini\"" }, { "\"id\": \"Mini 9\"" },
	    { "$.id" } },
	{ "LOINC check digit wrong", { "\"loinc\": \"44249-1\"" },
	    { "\"loinc\": \"44249-2\"" }, { "$.loinc" } },
	{ "item LOINC not a code", { "\"loinc\": \"44260-8\"" },
	    { "\"loinc\": \"forty\"" }, { "$.items[8].loinc" } },
	{ "total LOINC check digit wrong", { "\"loinc\": \"44249-1\"," },
	    { "\"loinc\": \"44249-1\", \"total_loinc\": \"44261-7\"," },
	    { "$.total_loinc" } },
	{ "difficulty LOINC check digit wrong", { "\"How difficult?\"," },
	    { "\"How difficult?\", \"loinc\": \"69722-8\"," },
	    { "$.functional.loinc" } },
	{ "answer code not known", { "\"Not at all\"}" },
	    { "\"Not at all\", \"loinc\": \"LA9999-9\"}" },
	    { "$.options[0].loinc" } },
	{ "question code as an answer code", { "\"Several days\"}" },
	    { "\"Several days\", \"loinc\": \"44249-1\"}" },
	    { "$.options[1].loinc" } },
	{ "answer code on two answers",
	    { "\"Not at all\"}", "\"Several days\"}" },
	    { "\"Not at all\", \"loinc\": \"LA6568-5\"}",
	      "\"Several days\", \"loinc\": \"LA6568-5\"}" },
	    { "$.options[1].loinc" } },
	{ "difficulty answer code not known",
	    { "\"Very difficult\"}" },
	    { "\"Very difficult\", \"loinc\": \"LA6575-1\"}" },
	    { "$.functional.options[1].loinc" } },
	{ "source empty", { "\"stem\": \"How often?\"," },
	    { "\"stem\": \"How often?\", \"source\": \"\"," },
	    { "$.source" } },
	{ "items out of order", { "\"number\": 4," }, { "\"number\": 5," },
	    { "$.items[3].number" } },
	{ "item not an object", { "{\"number\": 4, \"text\": \"Four\"}" },
	    { "\"Four\"" }, { "$.items[3]" } },
	{ "scoring not sum", { "\"method\": \"sum\"" },
	    { "\"method\": \"mean\"" }, { "$.scoring.method" } },
	{ "caseness above highest total", { "\"caseness\": 10" },
	    { "\"caseness\": 28" }, { "$.caseness" } },
	{ "reliable change zero", { "\"reliable_change\": 6" },
	    { "\"reliable_change\": 0" }, { "$.reliable_change" } },
	{ "reliable change beyond range", { "\"reliable_change\": 6" },
	    { "\"reliable_change\": 28" }, { "$.reliable_change" } },
};

static bool
has_where(const struct diags *d, const char *where)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].where != NULL && strcmp(d->v[i].where, where) == 0)
			return true;
	return false;
}

START_TEST(test_parse_names_every_problem_by_path)
{
	const struct broken_row	*row = &broken[_i];
	struct measure		 m;
	struct diags		 d = { 0 };
	char			*text = xstrdup(base_measure), *next;
	size_t			 want = 0;
	int			 rc;

	for (size_t k = 0; k < 2 && row->from[k] != NULL; k++) {
		next = replace_once(text, row->from[k], row->to[k]);
		free(text);
		text = next;
	}
	rc = parse_text(text, &m, &d);
	free(text);

	ck_assert_msg(rc == -1, "%s: accepted", row->what);
	for (; want < nitems(row->where) && row->where[want] != NULL; want++)
		ck_assert_msg(has_where(&d, row->where[want]), "%s: no problem "
		    "at %s (first: %s)", row->what, row->where[want],
		    d.n ? d.v[0].where : "none");
	ck_assert_msg(d.n == want, "%s: %zu problems, want %zu (first: %s)",
	    row->what, d.n, want, d.n ? d.v[0].where : "none");
	for (size_t i = 0; i < d.n; i++) {
		ck_assert_str_eq(d.v[i].file, "mini.json");
		ck_assert(d.v[i].msg != NULL && d.v[i].msg[0] != '\0');
	}
	/* Failure leaves m freed. */
	ck_assert_ptr_null(m.id);
	ck_assert_ptr_null(m.items);
	ck_assert_ptr_null(m.bands);
	ck_assert_uint_eq(m.n_options, 0);
	diags_free(&d);
}
END_TEST

START_TEST(test_parse_accepts_base_measure)
{
	struct measure	m;
	struct diags	d = { 0 };

	ck_assert_int_eq(parse_text(base_measure, &m, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_str_eq(m.id, "mini");
	ck_assert_uint_eq(m.n_items, 9);
	ck_assert_int_eq(m.min_total, 0);
	ck_assert_int_eq(m.max_total, 27);
	ck_assert_ptr_null(m.copyright);
	ck_assert_ptr_null(m.items[0].loinc);
	ck_assert_str_eq(m.functional_text, "How difficult?");
	measure_free(&m);
	measure_free(&m);
	diags_free(&d);
}
END_TEST

START_TEST(test_parse_keeps_codes_and_source)
{
	struct measure	 m;
	struct diags	 d = { 0 };
	char		*text, *next;

	text = replace_once(base_measure, "\"Not at all\"}",
	    "\"Not at all\", \"loinc\": \"LA6568-5\"}");
	next = replace_once(text, "\"How difficult?\",",
	    "\"How difficult?\", \"loinc\": \"69722-7\",");
	free(text);
	text = replace_once(next, "\"Very difficult\"}",
	    "\"Very difficult\", \"loinc\": \"LA6575-0\"}");
	free(next);
	next = replace_once(text, "\"stem\": \"How often?\",",
	    "\"stem\": \"How often?\", \"source\": \"The form\",");
	free(text);
	ck_assert_int_eq(parse_text(next, &m, &d), 0);
	free(next);
	ck_assert_str_eq(m.options[0].loinc, "LA6568-5");
	ck_assert_ptr_null(m.options[1].loinc);
	ck_assert_str_eq(m.functional_loinc, "69722-7");
	ck_assert_str_eq(m.functional_options[1].loinc, "LA6575-0");
	ck_assert_str_eq(m.source, "The form");
	measure_free(&m);
	diags_free(&d);
}
END_TEST

START_TEST(test_parse_without_functional_leaves_it_null)
{
	struct measure	 m;
	struct diags	 d = { 0 };
	char		*text;

	text = replace_once(base_measure, ",\n  \"functional\": { \"text\": "
	    "\"How difficult?\", \"options\": [\n"
	    "    {\"value\": 0, \"label\": \"Not difficult at all\"},\n"
	    "    {\"value\": 1, \"label\": \"Very difficult\"} ] }", "");
	ck_assert_int_eq(parse_text(text, &m, &d), 0);
	ck_assert_ptr_null(m.functional_text);
	ck_assert_uint_eq(m.n_functional_options, 0);
	measure_free(&m);
	diags_free(&d);
	free(text);
}
END_TEST

START_TEST(test_parse_rejects_non_object_at_root)
{
	struct measure	m;
	struct diags	d = { 0 };

	ck_assert_int_eq(parse_text("[1, 2]", &m, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].where, "$");
	diags_free(&d);
}
END_TEST

START_TEST(test_parse_reports_many_problems_in_one_pass)
{
	struct measure	 m;
	struct diags	 d = { 0 };
	char		*text;

	/* Start from nothing: every required field is reported at once. */
	text = xstrdup("{ \"colour\": 1 }");
	ck_assert_int_eq(parse_text(text, &m, &d), -1);
	free(text);
	ck_assert(has_where(&d, "$.colour"));
	ck_assert(has_where(&d, "$.format"));
	ck_assert(has_where(&d, "$.id"));
	ck_assert(has_where(&d, "$.stem"));
	ck_assert(has_where(&d, "$.options"));
	ck_assert(has_where(&d, "$.items"));
	ck_assert(has_where(&d, "$.scoring"));
	ck_assert(has_where(&d, "$.bands"));
	ck_assert(has_where(&d, "$.risk_items"));
	ck_assert(has_where(&d, "$.caseness"));
	ck_assert(has_where(&d, "$.reliable_change"));
	diags_free(&d);
}
END_TEST

static Suite *
measure_suite(void)
{
	Suite	*s = suite_create("measure");
	TCase	*tc;

	tc = tcase_create("content");
	tcase_add_checked_fixture(tc, setup_measures, teardown_measures);
	tcase_add_test(tc, test_bands_in_content_match_published_cut_offs);
	tcase_add_test(tc, test_every_band_description_says_not_a_diagnosis);
	tcase_add_loop_test(tc, test_content_is_published_wording_and_codes,
	    0, (int)nitems(published));
	tcase_add_test(tc, test_content_has_published_thresholds);
	tcase_add_test(tc, test_loinc_codes_good_and_bad);
	tcase_add_test(tc, test_phq9_risk_is_item9_and_threshold_1);
	suite_add_tcase(s, tc);

	tc = tcase_create("score");
	tcase_add_checked_fixture(tc, setup_measures, teardown_measures);
	tcase_add_loop_test(tc, test_phq9_every_total_gets_published_band,
	    0, 28);
	tcase_add_loop_test(tc, test_gad7_every_total_gets_published_band,
	    0, 22);
	tcase_add_test(tc, test_totals_outside_range_have_no_band);
	tcase_add_loop_test(tc, test_phq9_item9_zero_no_risk, 0, 2);
	tcase_add_loop_test(tc, test_phq9_item9_positive_sets_risk, 0, 6);
	tcase_add_loop_test(tc, test_gad7_never_sets_risk, 0, 22);
	tcase_add_loop_test(tc,
	    test_phq9_unanswered_item_is_incomplete_and_keeps_risk, 0, 9);
	tcase_add_loop_test(tc, test_gad7_unanswered_item_is_incomplete,
	    0, 7);
	tcase_add_test(tc, test_nothing_answered_is_incomplete_without_risk);
	tcase_add_loop_test(tc, test_answer_not_an_option_is_rejected,
	    0, 9 * 4);
	tcase_add_test(tc, test_wrong_number_of_answers_is_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("change");
	tcase_add_checked_fixture(tc, setup_measures, teardown_measures);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_accepts_base_measure);
	tcase_add_test(tc, test_parse_keeps_codes_and_source);
	tcase_add_test(tc, test_parse_without_functional_leaves_it_null);
	tcase_add_loop_test(tc, test_parse_names_every_problem_by_path,
	    0, (int)nitems(broken));
	tcase_add_test(tc, test_parse_rejects_non_object_at_root);
	tcase_add_test(tc, test_parse_reports_many_problems_in_one_pass);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return unit_run(measure_suite());
}
