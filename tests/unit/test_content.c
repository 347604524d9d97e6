/* test_content.c: the content loader: the shipped programme is valid, and
 * each kind of mistake is reported with its file and JSON path or line, all
 * in one pass. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "content.h"
#include "util.h"
#include "unit.h"

static char dir[256];

static const char *
shipped(void)
{
	return unit_content_dir();
}

static void
put(const char *rel, const char *text)
{
	char	*p = xasprintf("%s/%s", dir, rel);
	FILE	*f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static const char programme[] =
    "{\"format\":1,\"id\":\"t\",\"title\":\"T\",\"description\":\"D\","
    "\"always\":[\"ex\"],\"modules\":[{\"id\":\"m1\",\"title\":\"M\","
    "\"summary\":\"S\",\"lessons\":[{\"id\":\"l1\",\"minutes\":5}],"
    "\"exercises\":[],\"checkins\":[\"phq9\"]}]}";
static const char lesson[] = "# Lesson one\n\nSome *kind* words.\n\n"
    "## Try this\n\nOne small step.\n";
static const char exercise[] =
    "{\"format\":1,\"id\":\"ex\",\"title\":\"E\",\"summary\":\"S\","
    "\"intro\":\"I\",\"minutes\":5,\"fields\":["
    "{\"id\":\"mood\",\"type\":\"rating\",\"prompt\":\"Mood?\",\"min\":0,"
    "\"max\":10},"
    "{\"id\":\"feel\",\"type\":\"list\",\"prompt\":\"Feelings?\","
    "\"rating\":{\"min\":0,\"max\":100,\"prompt\":\"How strong?\"}},"
    "{\"id\":\"when\",\"type\":\"datetime\",\"prompt\":\"When?\"},"
    "{\"id\":\"kind\",\"type\":\"choice\",\"prompt\":\"Kind?\","
    "\"options\":[\"a\",\"b\"]}],"
    "\"example\":{\"intro\":\"Sam\",\"values\":{\"mood\":4,"
    "\"feel\":[{\"text\":\"sad\",\"rating\":70}],\"when\":"
    "\"2026-03-04T10:00\",\"kind\":[\"a\"]}}}";
static const char safety[] =
    "{\"format\":1,\"locale\":\"en-GB\",\"owner\":\"O\",\"title\":\"Help\","
    "\"intro\":\"I\",\"summary\":\"S\",\"contacts\":[{\"name\":\"Samaritans\",\"phone\":"
    "\"116 123\",\"what\":\"Talk\",\"source\":\"https://example.org/s\","
    "\"reviewed\":\"2026-01-31\"},{\"name\":\"Shout\",\"phone\":"
    "\"Text SHOUT to 85258\",\"what\":\"Text\",\"source\":"
    "\"http://example.org/t\",\"reviewed\":\"2024-02-29\"},{\"name\":"
    "\"Lifeline\",\"phone\":\"0808 808 8000\",\"what\":\"Talk\","
    "\"source\":\"https://example.org/l\",\"reviewed\":\"2025-08-31\"}]}";

static void
setup(void)
{
	char	*src, *text, *sub;
	size_t	 len;

	unit_tmpdir(dir, sizeof dir, "content");
	for (const char *const *s = (const char *const[]){ "lessons",
	    "exercises", "measures", "safety", NULL }; *s; s++) {
		sub = xasprintf("%s/%s", dir, *s);
		mkdir(sub, 0700);
		free(sub);
	}
	put("programme.json", programme);
	put("lessons/l1.md", lesson);
	put("exercises/ex.json", exercise);
	put("safety/en-GB.json", safety);
	src = xasprintf("%s/measures/phq9.json", shipped());
	text = read_file(src, &len);
	ck_assert_ptr_nonnull(text);
	put("measures/phq9.json", text);
	free(text);
	free(src);
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	(void)!system(cmd);
	free(cmd);
}

/* Load dir; return the diags formatted one per line (caller frees). */
static char *
problems(int *count)
{
	struct content	 ct;
	struct diags	 d = { 0 };
	char		*all = xstrdup(""), *line, *next;

	if (content_load(dir, "en-GB", &ct, &d) == 0)
		content_free(&ct);
	for (size_t i = 0; i < d.n; i++) {
		line = diags_format(&d, i);
		next = xasprintf("%s%s\n", all, line);
		free(all);
		free(line);
		all = next;
	}
	*count = (int)d.n;
	diags_free(&d);
	return all;
}

static void
assert_has(const char *all, const char *needle)
{
	ck_assert_msg(strstr(all, needle) != NULL, "expected \"%s\" in:\n%s",
	    needle, all);
}

START_TEST(test_shipped_content_is_valid)
{
	struct content	 ct;
	struct diags	 d = { 0 };
	char		*line;

	if (content_load(shipped(), "en-GB", &ct, &d) != 0) {
		line = diags_format(&d, 0);
		ck_abort_msg("shipped content: %zu problems, first: %s", d.n,
		    line);
	}
	ck_assert_uint_eq(ct.n_modules, 8);
	ck_assert_ptr_nonnull(content_measure(&ct, "phq9"));
	ck_assert_ptr_nonnull(content_measure(&ct, "gad7"));
	for (size_t i = 0; i < ct.n_modules; i++) {
		const struct module *m = &ct.modules[i];

		/* A module is about a week's work. */
		ck_assert_uint_ge(m->n_lessons, 1);
		ck_assert_uint_le(m->n_lessons, 4);
		ck_assert_uint_ge(m->n_exercises, 1);
		/* PHQ-9 and GAD-7 are due with every module. */
		ck_assert_uint_eq(m->n_checkins, 2);
		for (size_t k = 0; k < m->n_lessons; k++) {
			ck_assert_ptr_nonnull(m->lessons[k]);
			ck_assert_int_ge(m->lessons[k]->minutes, 5);
			ck_assert_int_le(m->lessons[k]->minutes, 15);
		}
	}
	/* Every lesson says where to get urgent help: the Help now screen,
	 * which shows the safety file, the one place the numbers are kept. */
	for (size_t i = 0; i < ct.n_lessons; i++) {
		bool found = false;

		for (size_t b = 0; b < ct.lessons[i].n_blocks && !found; b++) {
			char *t = block_text(&ct.lessons[i].blocks[b]);

			found = strstr(t, "Help now screen (press h)") != NULL;
			free(t);
		}
		ck_assert_msg(found, "lesson %s does not point to the Help now "
		    "screen (press h)", ct.lessons[i].id);
	}
	content_number_warnings(&ct, &d);
	if (d.n > 0) {
		line = diags_format(&d, 0);
		ck_abort_msg("%zu numbers outside the safety file, first: %s",
		    d.n, line);
	}
	ck_assert_ptr_nonnull(content_exercise(&ct, "thought-record"));
	ck_assert_ptr_nonnull(content_exercise(&ct, "activity-planning"));
	ck_assert_ptr_nonnull(content_exercise(&ct, "mood-check"));
	ck_assert_ptr_nonnull(content_exercise(&ct, "safety-plan"));
	content_free(&ct);
}
END_TEST

/* The parts a step-2 service looks for: who the course is for, medicines
 * and what to do between check-ins in the first module; the panic cycle
 * and graded exposure, with an exposure ladder to fill in, in module 7. */
static bool
module_has(const struct module *m, const char *lesson, const char *exercise)
{
	bool l = lesson == NULL, e = exercise == NULL;

	for (size_t i = 0; i < m->n_lessons; i++)
		l |= strcmp(m->lesson_ids[i], lesson ? lesson : "") == 0;
	for (size_t i = 0; i < m->n_exercises; i++)
		e |= strcmp(m->exercises[i], exercise ? exercise : "") == 0;
	return l && e;
}

START_TEST(test_shipped_step2_content)
{
	struct content		 ct;
	struct diags		 d = { 0 };
	const struct exercise	*e;

	ck_assert_int_eq(content_load(shipped(), "en-GB", &ct, &d), 0);
	ck_assert(module_has(&ct.modules[0], "getting-the-right-help", NULL));
	ck_assert(module_has(&ct.modules[6], "facing-fears",
	    "exposure-ladder"));
	ck_assert_ptr_nonnull(e = content_exercise(&ct, "exposure-ladder"));
	ck_assert_ptr_nonnull(e->example);
	ck_assert_ptr_nonnull(e->example_intro);
	content_free(&ct);
}
END_TEST

/* Not the wording, which changes as services do, but what must not go
 * missing: Samaritans' and the emergency number, and for every contact
 * where it was checked and when. */
START_TEST(test_shipped_safety_names_uk_contacts)
{
	struct content	 ct;
	struct diags	 d = { 0 };
	bool		 sam = false, emerg = false;

	ck_assert_int_eq(content_load(shipped(), "en-GB", &ct, &d), 0);
	ck_assert_ptr_nonnull(ct.safety.owner);
	for (size_t i = 0; i < ct.safety.n_contacts; i++) {
		const struct contact *c = &ct.safety.contacts[i];

		sam |= strcmp(c->phone, "116 123") == 0;
		emerg |= strcmp(c->phone, "999") == 0;
		ck_assert_msg(c->source != NULL && strncmp(c->source,
		    "https://", 8) == 0, "%s: no https source", c->name);
		ck_assert_msg(c->reviewed_year >= 2026, "%s: reviewed %s",
		    c->name, c->reviewed);
	}
	ck_assert(sam && emerg);
	content_free(&ct);
}
END_TEST

/* ---- reviews of the crisis contacts ---- */

/* Noon, local time, on the day "YYYY-MM-DD". */
static time_t
local_noon(const char *day)
{
	struct tm tm = { 0 };

	ck_assert_int_eq(sscanf(day, "%d-%d-%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday), 3);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* The fixture's contacts were reviewed on 2026-01-31 (Samaritans),
 * 2024-02-29 (Shout) and 2025-08-31 (Lifeline). A review is due 6 calendar
 * months on, the 31st becoming the last day of a shorter month: on
 * 2026-07-31, 2024-08-29 and 2026-02-28. A review date after today is
 * warned about too. */
struct review_warning {
	const char	*name;
	const char	*says;
};

#define OVERDUE	"more than 6 months ago"
#define FUTURE	"a date still to come"

static const struct {
	const char		*today;
	struct review_warning	 warned[3];	/* in order */
} reviews[] = {
	{ "2026-01-31", { { "Shout", OVERDUE } } },
	{ "2026-02-28", { { "Shout", OVERDUE } } },
	{ "2026-03-01", { { "Shout", OVERDUE }, { "Lifeline", OVERDUE } } },
	{ "2026-07-31", { { "Shout", OVERDUE }, { "Lifeline", OVERDUE } } },
	{ "2026-08-01", { { "Samaritans", OVERDUE }, { "Shout", OVERDUE },
	    { "Lifeline", OVERDUE } } },
	{ "2024-02-29", { { "2026-01-31", FUTURE }, { "2025-08-31", FUTURE } } },
	{ "2024-08-29", { { "2026-01-31", FUTURE }, { "2025-08-31", FUTURE } } },
	{ "2024-08-30", { { "2026-01-31", FUTURE }, { "Shout", OVERDUE },
	    { "2025-08-31", FUTURE } } },
	{ "2025-12-31", { { "2026-01-31", FUTURE }, { "Shout", OVERDUE } } },
};

START_TEST(test_review_older_than_six_months_warns)
{
	struct content			 ct;
	struct diags			 d = { 0 }, w = { 0 };
	const struct review_warning	*want = reviews[_i].warned;
	size_t				 n = 0;

	ck_assert_int_eq(content_load(dir, "en-GB", &ct, &d), 0);
	content_review_warnings(&ct, local_noon(reviews[_i].today), &w);
	for (; n < 3 && want[n].name != NULL; n++) {
		ck_assert_msg(w.n > n, "%s: %zu warnings", reviews[_i].today,
		    w.n);
		ck_assert_msg(strstr(w.v[n].msg, want[n].name) != NULL &&
		    strstr(w.v[n].msg, want[n].says) != NULL, "%s: %s",
		    reviews[_i].today, w.v[n].msg);
		ck_assert_str_eq(w.v[n].file, ct.safety.file);
	}
	ck_assert_msg(w.n == n, "%s: %zu warnings, want %zu", reviews[_i].today,
	    w.n, n);
	diags_free(&w);
	content_free(&ct);
}
END_TEST

START_TEST(test_contact_without_source_or_review_refused)
{
	int	 n;
	char	*all;

	put("safety/en-GB.json", "{\"format\":1,\"locale\":\"en-GB\","
	    "\"title\":\"Help\",\"intro\":\"I\",\"summary\":\"S\",\"contacts\":["
	    "{\"name\":\"A\",\"phone\":\"1\",\"what\":\"W\",\"source\":"
	    "\"example.org\",\"reviewed\":\"2026-02-30\"},"
	    "{\"name\":\"B\",\"phone\":\"2\",\"what\":\"W\"}, \"C\"]}");
	all = problems(&n);
	assert_has(all, "safety/en-GB.json: $.owner: is required");
	assert_has(all, "$.contacts[0].source: must be the address");
	assert_has(all, "$.contacts[0].reviewed: must be the date");
	assert_has(all, "$.contacts[1].source: is required");
	assert_has(all, "$.contacts[1].reviewed: is required");
	assert_has(all, "$.contacts[2]: must be an object");
	ck_assert_msg(n == 6, "%s", all);
	free(all);
}
END_TEST

/* ---- numbers kept in the safety file only ---- */

START_TEST(test_number_outside_safety_file_warns)
{
	struct content	 ct;
	struct diags	 d = { 0 }, w = { 0 };

	put("lessons/l1.md", "# Lesson one\n\nRate it from 0 to 100, at "
	    "10:30pm, in 5-4-3-2-1 steps.\n\n## Try this\n\nCall 116123 "
	    "or text 85258.\n");
	put("exercises/ex.json", "{\"format\":1,\"id\":\"ex\",\"title\":\"E\","
	    "\"summary\":\"S\",\"intro\":\"Or call 116 123.\",\"minutes\":5,"
	    "\"fields\":[{\"id\":\"t\",\"type\":\"text\",\"prompt\":\"T?\"}],"
	    "\"example\":{\"intro\":\"Sam\",\"values\":{\"t\":"
	    "\"Samaritans: 116 123\"}}}");
	ck_assert_int_eq(content_load(dir, "en-GB", &ct, &d), 0);
	content_number_warnings(&ct, &w);
	ck_assert_uint_eq(w.n, 3);
	ck_assert_ptr_nonnull(strstr(w.v[0].file, "lessons/l1.md"));
	ck_assert_ptr_null(w.v[0].where);
	ck_assert_ptr_nonnull(strstr(w.v[0].msg, "Samaritans (116 123)"));
	ck_assert_ptr_nonnull(strstr(w.v[0].msg, "Help now screen"));
	ck_assert_str_eq(w.v[1].where, "$.intro");
	ck_assert_str_eq(w.v[2].where, "$.example.values");
	diags_free(&w);
	content_free(&ct);
}
END_TEST

START_TEST(test_fixture_is_valid)
{
	int	 n;
	char	*all = problems(&n);

	ck_assert_msg(n == 0, "%s", all);
	free(all);
}
END_TEST

START_TEST(test_json_syntax_error_names_line_and_column)
{
	int	 n;
	char	*all;

	put("exercises/ex.json", "{\n  \"format\": 1,\n  \"id\" \"ex\"\n}\n");
	all = problems(&n);
	ck_assert_int_eq(n, 1);
	assert_has(all, "exercises/ex.json: line 3, column 8: this is not "
	    "valid JSON");
	free(all);
}
END_TEST

START_TEST(test_every_problem_reported_in_one_pass)
{
	int	 n;
	char	*all;

	/* Three independent mistakes in three files. */
	put("programme.json", "{\"format\":1,\"id\":\"t\",\"title\":\"T\","
	    "\"description\":\"D\",\"always\":[\"ex\"],\"modules\":[{\"id\":"
	    "\"m1\",\"title\":\"M\",\"summary\":\"S\",\"lessons\":[{\"id\":"
	    "\"l1\",\"minutes\":5}],\"exercises\":[],\"checkins\":[\"phq9\","
	    "\"gad7\"]}]}");
	put("lessons/l1.md", "# Lesson\n\n<b>bold</b>\n\n## Try this\n\nGo.\n");
	put("safety/en-GB.json", "{\"format\":1,\"locale\":\"en-GB\","
	    "\"owner\":\"O\",\"title\":\"Help\",\"intro\":\"I\",\"summary\":\"S\","
	    "\"contacts\":[{\"name\":\"Samaritans\",\"what\":\"Talk\","
	    "\"source\":\"https://example.org\",\"reviewed\":\"2026-01-01\"}"
	    "]}");
	all = problems(&n);
	ck_assert_msg(n == 3, "%s", all);
	assert_has(all, "measures/gad7.json: cannot read the file");
	assert_has(all, "lessons/l1.md: line 3: HTML is not allowed");
	assert_has(all, "safety/en-GB.json: $.contacts[0].phone: is required");
	free(all);
}
END_TEST

START_TEST(test_missing_lesson_named_by_programme)
{
	int	 n;
	char	*all, *p = xasprintf("%s/lessons/l1.md", dir);

	unlink(p);
	free(p);
	all = problems(&n);
	assert_has(all, "lessons/l1.md: cannot read the lesson");
	free(all);
}
END_TEST

START_TEST(test_file_not_named_by_programme)
{
	int	 n;
	char	*all;

	put("lessons/orphan.md", lesson);
	put("exercises/stray.json", exercise);
	all = problems(&n);
	ck_assert_int_eq(n, 2);
	assert_has(all, "lessons/orphan.md: is not named anywhere");
	assert_has(all, "exercises/stray.json: is not named anywhere");
	free(all);
}
END_TEST

START_TEST(test_lesson_needs_title_and_try_this)
{
	int	 n;
	char	*all;

	put("lessons/l1.md", "Some words first.\n\n## Next steps\n\nGo.\n");
	all = problems(&n);
	ck_assert_int_eq(n, 2);
	assert_has(all, "lessons/l1.md: line 1: a lesson must start with a "
	    "level-1 heading");
	assert_has(all, "\"## Try this\"");
	free(all);
}
END_TEST

START_TEST(test_lesson_invalid_utf8_names_line)
{
	int	 n;
	char	*all;

	put("lessons/l1.md", "# Title\n\nfine\n\nbad \xc3\x28 byte\n");
	all = problems(&n);
	ck_assert_int_eq(n, 1);
	assert_has(all, "lessons/l1.md: line 5: this line is not valid UTF-8");
	free(all);
}
END_TEST

START_TEST(test_exercise_field_mistakes_named_by_path)
{
	int	 n;
	char	*all;

	put("exercises/ex.json",
	    "{\"format\":1,\"id\":\"ex\",\"title\":\"E\",\"summary\":\"S\","
	    "\"intro\":\"I\",\"minutes\":5,\"fields\":["
	    "{\"id\":\"mood\",\"type\":\"slider\",\"prompt\":\"Mood?\"},"
	    "{\"id\":\"r\",\"type\":\"rating\",\"prompt\":\"R\",\"min\":5,"
	    "\"max\":5,\"promt\":\"typo\"}],"
	    "\"example\":{\"intro\":\"Sam\",\"values\":{}}}");
	all = problems(&n);
	assert_has(all, "exercises/ex.json: $.fields[0].type: \"slider\" is "
	    "not a field type");
	assert_has(all, "exercises/ex.json: $.fields[1].max: must be greater "
	    "than min");
	assert_has(all, "exercises/ex.json: $.fields[1].promt: is not a known "
	    "field");
	ck_assert_int_eq(n, 3);
	free(all);
}
END_TEST

START_TEST(test_example_values_checked_against_fields)
{
	int	 n;
	char	*all;

	put("exercises/ex.json",
	    "{\"format\":1,\"id\":\"ex\",\"title\":\"E\",\"summary\":\"S\","
	    "\"intro\":\"I\",\"minutes\":5,\"fields\":["
	    "{\"id\":\"mood\",\"type\":\"rating\",\"prompt\":\"Mood?\",\"min\":"
	    "0,\"max\":10},{\"id\":\"when\",\"type\":\"datetime\",\"prompt\":"
	    "\"When?\"},{\"id\":\"kind\",\"type\":\"choice\",\"prompt\":\"K\","
	    "\"options\":[\"a\",\"b\"]}],"
	    "\"example\":{\"intro\":\"Sam\",\"values\":{\"mood\":11,\"when\":"
	    "\"tomorrow\",\"kind\":[\"c\"]}}}");
	all = problems(&n);
	assert_has(all, "$.example.values.mood: must be a whole number from 0 "
	    "to 10");
	assert_has(all, "$.example.values.when: must be a date and time");
	assert_has(all, "$.example.values.kind: holds a value that is not one "
	    "of the options");
	ck_assert_int_eq(n, 3);
	free(all);
}
END_TEST

START_TEST(test_programme_mistakes_named_by_path)
{
	int	 n;
	char	*all;

	put("programme.json", "{\"format\":1,\"id\":\"t\",\"title\":\"T\","
	    "\"description\":\"D\",\"always\":[\"ex\"],\"modules\":["
	    "{\"id\":\"m1\",\"title\":\"M\",\"summary\":\"S\",\"lessons\":"
	    "[{\"id\":\"l1\",\"minutes\":5}],\"exercises\":[],\"checkins\":"
	    "[\"phq9\"]},"
	    "{\"id\":\"m2\",\"title\":\"M2\",\"summary\":\"S\",\"lessons\":"
	    "[{\"id\":\"l1\",\"minutes\":0}],\"exercises\":[],\"checkins\":"
	    "[]}]}");
	all = problems(&n);
	assert_has(all, "programme.json: $.modules[1].lessons[0].minutes: "
	    "must be between 1 and 60");
	assert_has(all, "programme.json: $.modules[1].lessons[0].id: lesson "
	    "\"l1\" is named twice");
	assert_has(all, "programme.json: $.modules[1].unlock: is required");
	ck_assert_int_eq(n, 3);
	free(all);
}
END_TEST

START_TEST(test_unsupported_format_version_refused)
{
	int	 n;
	char	*all;

	put("programme.json", "{\"format\":2,\"id\":\"t\",\"title\":\"T\","
	    "\"description\":\"D\",\"always\":[\"ex\"],\"modules\":[{\"id\":"
	    "\"m1\",\"title\":\"M\",\"summary\":\"S\",\"lessons\":[{\"id\":"
	    "\"l1\",\"minutes\":5}],\"exercises\":[],\"checkins\":[\"phq9\"]}"
	    "]}");
	all = problems(&n);
	assert_has(all, "programme.json: $.format: format 2 is not supported");
	free(all);
}
END_TEST

START_TEST(test_locale_fallback_and_parsing)
{
	char *l;

	l = content_locale_from_env("cy_GB.UTF-8");
	ck_assert_str_eq(l, "cy-GB");
	free(l);
	l = content_locale_from_env("C");
	ck_assert_str_eq(l, "en-GB");
	free(l);
	l = content_locale_from_env(NULL);
	ck_assert_str_eq(l, "en-GB");
	free(l);
	{
		struct content	ct;
		struct diags	d = { 0 };

		/* No safety/cy-GB.json in the fixture: English is used. */
		ck_assert_int_eq(content_load(dir, "cy-GB", &ct, &d), 0);
		ck_assert_str_eq(ct.safety.locale, "en-GB");
		content_free(&ct);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("content");
	TCase	*tc = tcase_create("content");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_shipped_content_is_valid);
	tcase_add_test(tc, test_shipped_safety_names_uk_contacts);
	tcase_add_test(tc, test_shipped_step2_content);
	tcase_add_test(tc, test_fixture_is_valid);
	tcase_add_loop_test(tc, test_review_older_than_six_months_warns, 0,
	    (int)(sizeof reviews / sizeof reviews[0]));
	tcase_add_test(tc, test_contact_without_source_or_review_refused);
	tcase_add_test(tc, test_number_outside_safety_file_warns);
	tcase_add_test(tc, test_json_syntax_error_names_line_and_column);
	tcase_add_test(tc, test_every_problem_reported_in_one_pass);
	tcase_add_test(tc, test_missing_lesson_named_by_programme);
	tcase_add_test(tc, test_file_not_named_by_programme);
	tcase_add_test(tc, test_lesson_needs_title_and_try_this);
	tcase_add_test(tc, test_lesson_invalid_utf8_names_line);
	tcase_add_test(tc, test_exercise_field_mistakes_named_by_path);
	tcase_add_test(tc, test_example_values_checked_against_fields);
	tcase_add_test(tc, test_programme_mistakes_named_by_path);
	tcase_add_test(tc, test_unsupported_format_version_refused);
	tcase_add_test(tc, test_locale_fallback_and_parsing);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
