/* test_progress.c: module unlocking and "what do I do next?" from facts,
 * on the shipped programme (module 2 onwards: previous done and 7 days). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "progress.h"
#include "util.h"
#include "unit.h"

#define DAY	86400LL
#define T0	1700000000LL

static struct content ct;
static struct progress_facts f;
static struct progress p;

static void
setup(void)
{
	struct diags d = { 0 };

	ck_assert_int_eq(content_load(unit_content_dir(), "en-GB",
	    &ct, &d), 0);
	memset(&f, 0, sizeof f);
	f.started_at = T0;
	f.n_lessons = ct.n_lessons;
	f.lesson_done = xcalloc(ct.n_lessons, sizeof *f.lesson_done);
	f.n_exercises = ct.n_exercises;
	f.exercise_last = xcalloc(ct.n_exercises, sizeof *f.exercise_last);
	f.checkin_measure = xcalloc(64, sizeof *f.checkin_measure);
	f.checkin_at = xcalloc(64, sizeof *f.checkin_at);
	f.n_modules = ct.n_modules;
	f.module_override = xcalloc(ct.n_modules, sizeof *f.module_override);
	f.override_at = xcalloc(ct.n_modules, sizeof *f.override_at);
	memset(&p, 0, sizeof p);
}

static void
teardown(void)
{
	progress_free(&p);
	progress_facts_free(&f);
	content_free(&ct);
}

static void
answer(const char *measure, long long at)
{
	f.checkin_measure[f.n_checkins] = xstrdup(measure);
	f.checkin_at[f.n_checkins++] = at;
}

static void
read_lesson(const char *id, long long at)
{
	f.lesson_done[content_lesson(&ct, id) - ct.lessons] = at;
}

static void
do_exercise(const char *id, long long at)
{
	f.exercise_last[content_exercise(&ct, id) - ct.exercises] = at;
}

/* Everything module m asks for, at time at. */
static void
finish_module(size_t m, long long at)
{
	const struct module *mod = &ct.modules[m];

	for (size_t i = 0; i < mod->n_checkins; i++)
		answer(mod->checkins[i], at);
	for (size_t i = 0; i < mod->n_lessons; i++)
		read_lesson(mod->lessons[i]->id, at);
	for (size_t i = 0; i < mod->n_exercises; i++)
		do_exercise(mod->exercises[i], at);
}

static void
compute(long long now)
{
	progress_free(&p);
	progress_compute(&ct, &f, now, &p);
}

START_TEST(test_new_patient_starts_with_the_checkins)
{
	compute(T0);
	ck_assert_int_eq(p.modules[0].state, MODULE_AVAILABLE);
	ck_assert_int_eq(p.modules[1].state, MODULE_LOCKED);
	ck_assert(p.modules[1].waits_for_previous);
	ck_assert_int_eq(p.next.kind, STEP_CHECKIN);
	ck_assert_str_eq(p.next.id, "phq9");
	answer("phq9", T0 + 10);
	compute(T0 + 20);
	ck_assert_str_eq(p.next.id, "gad7");
	ck_assert_uint_eq(p.modules[0].checkins_due, 1);
}
END_TEST

START_TEST(test_lessons_then_exercises_in_order)
{
	answer("phq9", T0);
	answer("gad7", T0);
	compute(T0 + 1);
	ck_assert_int_eq(p.next.kind, STEP_LESSON);
	ck_assert_str_eq(p.next.id, "how-stepwise-works");
	read_lesson("how-stepwise-works", T0 + 2);
	compute(T0 + 2);
	ck_assert_int_eq(p.next.kind, STEP_LESSON);
	ck_assert_str_eq(p.next.id, "getting-the-right-help");
	read_lesson("getting-the-right-help", T0 + 3);
	read_lesson("your-goals", T0 + 3);
	read_lesson("help-in-a-crisis", T0 + 4);
	compute(T0 + 5);
	ck_assert_int_eq(p.next.kind, STEP_EXERCISE);
	ck_assert_str_eq(p.next.id, "goals");
	ck_assert_uint_eq(p.modules[0].lessons_done, 4);
}
END_TEST

START_TEST(test_next_module_waits_seven_days_after_the_previous_opened)
{
	finish_module(0, T0 + DAY);
	compute(T0 + DAY);
	ck_assert_int_eq(p.modules[0].state, MODULE_DONE);
	ck_assert_int_eq(p.modules[1].state, MODULE_LOCKED);
	ck_assert_int_eq(p.next.kind, STEP_WAIT);
	ck_assert_int_eq(p.next.at, T0 + 7 * DAY);
	compute(T0 + 7 * DAY - 1);
	ck_assert_int_eq(p.modules[1].state, MODULE_LOCKED);
	compute(T0 + 7 * DAY);
	ck_assert_int_eq(p.modules[1].state, MODULE_AVAILABLE);
	/* The module opens with fresh check-ins: the old ones are too old. */
	ck_assert_int_eq(p.next.kind, STEP_CHECKIN);
	ck_assert_uint_eq(p.next.module, 1);
	ck_assert_uint_eq(p.modules[1].checkins_due, 2);
}
END_TEST

START_TEST(test_late_finish_opens_next_module_at_once)
{
	/* Module 1 finished on day 10: module 2 opens then, not on day 7. */
	finish_module(0, T0 + 10 * DAY);
	compute(T0 + 10 * DAY);
	ck_assert_int_eq(p.modules[1].state, MODULE_AVAILABLE);
	ck_assert_int_eq(p.modules[1].available_at, T0 + 10 * DAY);
	/* And the day-10 check-ins count for module 2 as well. */
	ck_assert_uint_eq(p.modules[1].checkins_due, 0);
	ck_assert_int_eq(p.next.kind, STEP_LESSON);
	ck_assert_str_eq(p.next.id, "the-cbt-cycle");
}
END_TEST

START_TEST(test_unfinished_module_keeps_the_next_locked_forever)
{
	answer("phq9", T0);
	answer("gad7", T0);
	compute(T0 + 60 * DAY);
	ck_assert_int_eq(p.modules[1].state, MODULE_LOCKED);
	ck_assert_int_eq(p.next.kind, STEP_LESSON);
	ck_assert_uint_eq(p.next.module, 0);
}
END_TEST

START_TEST(test_whole_programme_finished)
{
	long long t = T0;

	for (size_t m = 0; m < ct.n_modules; m++) {
		finish_module(m, t);
		t += 7 * DAY;
	}
	compute(t);
	for (size_t m = 0; m < ct.n_modules; m++)
		ck_assert_int_eq(p.modules[m].state, MODULE_DONE);
	ck_assert_int_eq(p.next.kind, STEP_FINISHED);
}
END_TEST

/* The clinic's instructions (stepwise-clinic unlock): a module opened
 * early is available from when it was sent, whatever it waited for; one
 * held stays locked with no date, and says so; one done stays done. */
START_TEST(test_clinic_opens_a_module_early_and_holds_one)
{
	f.module_override[2] = PROG_OPEN;
	f.override_at[2] = T0 + 3 * DAY;
	compute(T0 + 2 * DAY);
	ck_assert_int_eq(p.modules[2].state, MODULE_AVAILABLE);
	ck_assert(p.modules[2].opened_early);
	ck_assert_int_eq(p.modules[2].available_at, T0 + 2 * DAY);
	ck_assert_int_eq(p.modules[1].state, MODULE_LOCKED);
	compute(T0 + 4 * DAY);
	ck_assert_int_eq(p.modules[2].available_at, T0 + 3 * DAY);

	f.module_override[0] = PROG_HOLD;
	compute(T0 + 4 * DAY);
	ck_assert_int_eq(p.modules[0].state, MODULE_LOCKED);
	ck_assert(p.modules[0].held);
	ck_assert_int_eq(p.modules[0].available_at, 0);
	ck_assert_int_eq(p.next.kind, STEP_WAIT);
	ck_assert(p.next.held);
	ck_assert_uint_eq(p.next.module, 0);

	finish_module(0, T0 + DAY);
	compute(T0 + 4 * DAY);
	ck_assert_int_eq(p.modules[0].state, MODULE_DONE);
	ck_assert(!p.modules[0].held);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("progress");
	TCase	*tc = tcase_create("progress");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_new_patient_starts_with_the_checkins);
	tcase_add_test(tc, test_lessons_then_exercises_in_order);
	tcase_add_test(tc,
	    test_next_module_waits_seven_days_after_the_previous_opened);
	tcase_add_test(tc, test_late_finish_opens_next_module_at_once);
	tcase_add_test(tc,
	    test_unfinished_module_keeps_the_next_locked_forever);
	tcase_add_test(tc, test_whole_programme_finished);
	tcase_add_test(tc, test_clinic_opens_a_module_early_and_holds_one);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
