/* test_record.c: check-ins are scored, sealed and read back as scored; an
 * incomplete one is refused; the export carries the fields and the
 * change since the previous check-in of the same measure. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "export.h"
#include "jsonv.h"
#include "record.h"
#include "util.h"
#include "unit.h"

static char dir[256], path[300];
static struct content ct;
static struct store *st;

static void
setup(void)
{
	struct sw_error	err = { 0 };
	struct diags	d = { 0 };

	unit_tmpdir(dir, sizeof dir, "record");
	snprintf(path, sizeof path, "%s/p.db", dir);
	ck_assert_int_eq(store_create(path, NULL, &err), 0);
	ck_assert_int_eq(store_open(path, NULL, &st, &err), 0);
	ck_assert_int_eq(content_load(unit_content_dir(), "en-GB",
	    &ct, &d), 0);
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	store_close(st);
	content_free(&ct);
	(void)!system(cmd);
	free(cmd);
}

START_TEST(test_checkin_saved_scored_and_read_back)
{
	struct sw_error	 err = { 0 };
	const struct measure *m = content_measure(&ct, "phq9");
	int		 a[9] = { 1, 2, 3, 0, 1, 2, 1, 1, 1 };
	struct checkin	*v, out;
	size_t		 n;

	ck_assert_int_eq(checkin_save(st, m, a, 9, 2, NULL, 1700000000, &out, &err),
	    0);
	ck_assert_int_eq(out.total, 12);
	ck_assert_str_eq(out.severity, "moderate");
	ck_assert(out.risk);
	checkin_free(&out);
	ck_assert_int_eq(checkins_load(st, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].measure, "phq9");
	ck_assert_uint_eq(v[0].n_answers, 9);
	ck_assert_int_eq(v[0].answers[2], 3);
	ck_assert_int_eq(v[0].functional, 2);
	ck_assert_int_eq(v[0].total, 12);
	ck_assert(v[0].risk);
	ck_assert_int_eq(v[0].completed_at, 1700000000);
	checkins_free(v, n);
}
END_TEST

START_TEST(test_incomplete_checkin_is_refused)
{
	struct sw_error	 err = { 0 };
	const struct measure *m = content_measure(&ct, "gad7");
	int		 a[7] = { 1, 1, MEASURE_UNANSWERED, 1, 1, 1, 1 };

	ck_assert_int_eq(checkin_save(st, m, a, 7, MEASURE_UNANSWERED, NULL, 1,
	    NULL, &err), -1);
	ck_assert_int_eq(err.code, SW_EINVAL);
	ck_assert_int_eq(store_count_records(st, NULL, &err), 0);
}
END_TEST

START_TEST(test_export_lists_checkins_with_change)
{
	struct sw_error	 err = { 0 };
	const struct measure *phq = content_measure(&ct, "phq9");
	const struct measure *gad = content_measure(&ct, "gad7");
	int		 p1[9] = { 2, 2, 2, 2, 2, 2, 1, 1, 0 };	/* 14 */
	int		 p2[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 0 };	/* 8 */
	int		 g1[7] = { 1, 1, 1, 1, 1, 1, 1 };		/* 7 */
	cJSON		*doc, *arr, *c;
	char		*text;

	ck_assert_int_eq(checkin_save(st, phq, p1, 9, 1, NULL, 1000, NULL, &err), 0);
	ck_assert_int_eq(checkin_save(st, gad, g1, 7, 0, NULL, 2000, NULL, &err), 0);
	ck_assert_int_eq(checkin_save(st, phq, p2, 9, 0, NULL, 3000, NULL, &err), 0);
	text = export_json(st, &ct, "default", 4000, &err);
	ck_assert_ptr_nonnull(text);
	doc = cJSON_Parse(text);
	ck_assert_ptr_nonnull(doc);
	arr = cJSON_GetObjectItem(doc, "checkins");
	ck_assert_int_eq(cJSON_GetArraySize(arr), 3);
	c = cJSON_GetArrayItem(arr, 0);
	ck_assert_str_eq(cJSON_GetObjectItem(c, "measure")->valuestring,
	    "phq9");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(c,
	    "answers")), 9);
	ck_assert_int_eq(cJSON_GetObjectItem(c, "total")->valueint, 14);
	ck_assert_str_eq(cJSON_GetObjectItem(c, "severity")->valuestring,
	    "moderate");
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(c, "risk")));
	ck_assert_str_eq(cJSON_GetObjectItem(c, "completed_at")->valuestring,
	    "1970-01-01T00:16:40Z");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(c, "change")));
	/* The GAD-7 is compared with nothing: it is the first of its kind. */
	c = cJSON_GetArrayItem(arr, 1);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(c, "change")));
	/* PHQ-9 14 -> 8: down 6, said as a number only; no category, which
	 * only the pair of measures, first to latest, can give. */
	c = cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 2), "change");
	ck_assert_int_eq(cJSON_GetObjectItem(c, "delta")->valueint, -6);
	ck_assert_ptr_null(cJSON_GetObjectItem(c, "category"));
	/* One pair (14 with 7); the last PHQ-9 has no GAD-7 beside it. */
	c = cJSON_GetObjectItem(doc, "outcome");
	ck_assert_int_eq(cJSON_GetObjectItem(c, "pairs")->valueint, 1);
	ck_assert_str_eq(cJSON_GetObjectItem(c, "category")->valuestring,
	    "none");
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "first"),
	    "phq9")->valueint, 14);
	cJSON_Delete(doc);
	wipe_free(text);
}
END_TEST

START_TEST(test_exercise_entry_saved_and_exported)
{
	struct sw_error	 err = { 0 };
	const struct exercise *e = content_exercise(&ct, "mood-check");
	cJSON		*doc, *arr;
	char		*text;

	ck_assert_ptr_nonnull(e);
	/* The worked example is a complete, valid entry by construction. */
	ck_assert_int_eq(exercise_entry_save(st, e, e->example, 5000, false, &err),
	    0);
	text = export_json(st, &ct, "default", 6000, &err);
	doc = cJSON_Parse(text);
	arr = cJSON_GetObjectItem(doc, "exercises");
	ck_assert_int_eq(cJSON_GetArraySize(arr), 1);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0),
	    "exercise")->valuestring, "mood-check");
	cJSON_Delete(doc);
	wipe_free(text);
}
END_TEST

START_TEST(test_invalid_exercise_entry_refused)
{
	struct sw_error	 err = { 0 };
	const struct exercise *e = content_exercise(&ct, "thought-record");
	cJSON		*v = cJSON_Parse("{\"situation\":42}");

	ck_assert_int_eq(exercise_entry_save(st, e, v, 1, false, &err), -1);
	ck_assert_int_eq(err.code, SW_EINVAL);
	ck_assert_int_eq(store_count_records(st, NULL, &err), 0);
	cJSON_Delete(v);
}
END_TEST

START_TEST(test_activity_plan_stays_open_until_finished)
{
	struct sw_error		 err = { 0 };
	const struct exercise	*e = content_exercise(&ct, "activity-planning");
	struct open_entry	*v;
	size_t			 n;
	cJSON			*plan = cJSON_Duplicate(e->example, 1), *doc;
	char			*text;

	/* The plan: every field the patient fills in beforehand. */
	for (size_t i = 0; i < e->n_fields; i++)
		if (e->fields[i].later)
			cJSON_DeleteItemFromObject(plan, e->fields[i].id);
	ck_assert_int_eq(exercise_entry_save(st, e, plan, 100, false, &err), 0);
	ck_assert_int_eq(exercise_open_entries(st, &ct, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].exercise, "activity-planning");
	/* Afterwards: the example holds the later ratings too. */
	ck_assert_int_eq(exercise_entry_finish(st, e, v[0].id, e->example,
	    200, &err), 0);
	open_entries_free(v, n);
	ck_assert_int_eq(exercise_open_entries(st, &ct, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	open_entries_free(v, n);
	text = export_json(st, &ct, "default", 300, &err);
	doc = cJSON_Parse(text);
	{
		cJSON *arr = cJSON_GetObjectItem(doc, "exercises");
		cJSON *first = cJSON_GetArrayItem(arr, 0);
		cJSON *second = cJSON_GetArrayItem(arr, 1);

		ck_assert_int_eq(cJSON_GetArraySize(arr), 2);
		ck_assert(cJSON_IsNull(cJSON_GetObjectItem(first, "follows")));
		ck_assert_str_eq(cJSON_GetObjectItem(second,
		    "follows")->valuestring, cJSON_GetObjectItem(first,
		    "id")->valuestring);
	}
	cJSON_Delete(doc);
	cJSON_Delete(plan);
	wipe_free(text);
}
END_TEST

START_TEST(test_entry_without_later_fields_is_never_open)
{
	struct sw_error		 err = { 0 };
	const struct exercise	*e = content_exercise(&ct, "thought-record");
	struct open_entry	*v;
	size_t			 n;

	ck_assert_int_eq(exercise_entry_save(st, e, e->example, 1, false, &err), 0);
	ck_assert_int_eq(exercise_open_entries(st, &ct, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	open_entries_free(v, n);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("record");
	TCase	*tc = tcase_create("record");

	if (sodium_init() < 0)
		return 1;
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_checkin_saved_scored_and_read_back);
	tcase_add_test(tc, test_incomplete_checkin_is_refused);
	tcase_add_test(tc, test_export_lists_checkins_with_change);
	tcase_add_test(tc, test_exercise_entry_saved_and_exported);
	tcase_add_test(tc, test_invalid_exercise_entry_refused);
	tcase_add_test(tc, test_activity_plan_stays_open_until_finished);
	tcase_add_test(tc, test_entry_without_later_fields_is_never_open);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
