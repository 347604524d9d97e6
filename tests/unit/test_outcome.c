/* test_outcome.c: NHS Talking Therapies outcomes on the pair of measures,
 * first paired assessment to latest, with the real content's thresholds:
 * a table of sequences, and the category expected after every score. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "outcome.h"
#include "unit.h"
#include "util.h"

static struct content ct;

static void
setup(void)
{
	struct diags d = { 0 };

	ck_assert_int_eq(content_load(unit_content_dir(), "en-GB", &ct, &d),
	    0);
	diags_free(&d);
}

static void
teardown(void)
{
	content_free(&ct);
}

/* Steps: "p20@0" is a PHQ-9 total of 20 on day 0, "g15@0.5" a GAD-7 of 15
 * twelve hours later, "x5@1" some other measure. Expected: one letter code
 * per step: N none, RR reliable recovery, R recovery, RI reliable
 * improvement, NC no reliable change, RD reliable deterioration. */
static const struct {
	const char	*name;
	const char	*steps;
	const char	*want;
} cases[] = {
	{ "PHQ-9 20, 8, 14 alone: no pair, no outcome",
	    "p20@0 p8@7 p14@14", "N N N" },
	{ "20/15, 8/6, 14/10: first to latest, not week to week",
	    "p20@0 g15@0 p8@7 g6@7 p14@14 g10@14", "N N N RR RR RI" },
	{ "first pair below caseness, small fall", "p5@0 g4@0 p3@7 g2@7",
	    "N N N NC" },
	{ "below caseness, then both rise reliably", "p5@0 g4@0 p12@7 g9@7",
	    "N N N RD" },
	{ "a pair split across two days", "p15@0 g10@2 p7@9 g5@10",
	    "N N N RR" },
	{ "five days apart is not a pair", "p15@0 g10@5 p7@12 g5@12",
	    "N N N N" },
	{ "GAD-7 alone: no pair", "g12@0 g4@7", "N N" },
	{ "GAD-7 up by 4, PHQ-9 flat", "p8@0 g6@0 p8@7 g10@7", "N N N RD" },
	{ "one falls reliably, the other rises reliably",
	    "p18@0 g5@0 p10@7 g10@7", "N N N NC" },
	{ "recovery without reliable change", "p11@0 g8@0 p9@7 g7@7",
	    "N N N R" },
	{ "reliable improvement, still at caseness",
	    "p22@0 g18@0 p14@7 g12@7", "N N N RI" },
	{ "PHQ-9 falls by exactly 6", "p16@0 g7@0 p10@7 g7@7", "N N N RI" },
	{ "PHQ-9 falls by 5", "p16@0 g7@0 p11@7 g7@7", "N N N NC" },
	{ "GAD-7 falls by exactly 4, still at caseness",
	    "p5@0 g12@0 p5@7 g8@7", "N N N RI" },
	{ "GAD-7 falls by 3", "p5@0 g12@0 p5@7 g9@7", "N N N NC" },
	{ "PHQ-9 10 at the latest is still caseness", "p15@0 g5@0 p10@7 g5@7",
	    "N N N NC" },
	{ "PHQ-9 9 at the latest, fall of 6", "p15@0 g5@0 p9@7 g5@7",
	    "N N N RR" },
	{ "GAD-7 7 at the latest, fall of 5", "p5@0 g12@0 p5@7 g7@7",
	    "N N N RR" },
	{ "better, then back where it started",
	    "p20@0 g15@0 p8@7 g6@7 p21@14 g16@14", "N N N RR RR NC" },
	{ "slowly worse from the first",
	    "p6@0 g5@0 p9@7 g7@7 p13@14 g10@14", "N N N NC NC RD" },
	{ "GAD-7 first within a pair", "g15@0 p20@0.04 g6@7 p8@7",
	    "N N N RR" },
	{ "a PHQ-9 left over between pairs pairs with nothing",
	    "p20@0 g15@0 p19@2 p8@7 g6@7", "N N N N RR" },
	{ "one pair only", "p20@0 g15@0", "N N" },
	{ "one score only", "p10@0", "N" },
	{ "another measure is ignored", "p20@0 g15@0 x5@3 p8@7 g6@7",
	    "N N N N RR" },
	{ "PHQ-9 up by 6 while GAD-7 falls by 4", "p10@0 g12@0 p16@7 g8@7",
	    "N N N NC" },
	{ "unchanged at caseness", "p15@0 g10@0 p15@7 g10@7", "N N N NC" },
	{ "a case by GAD-7 alone recovers", "p5@0 g9@0 p5@7 g7@7",
	    "N N N R" },
	{ "deterioration into caseness", "p4@0 g3@0 p10@7 g3@7",
	    "N N N RD" },
	{ "the latest pair decides",
	    "p20@0 g15@0 p14@7 g11@7 p9@14 g6@14 p12@21 g9@21",
	    "N N N RI RI RR RR RI" },
	{ "three days apart exactly is a pair", "p15@0 g10@3 p7@10 g5@10",
	    "N N N RR" },
	{ "scores given out of order are put in time order",
	    "p8@7 g6@7 p20@0 g15@0", "N N N RR" },
};

static enum outcome_category
code(const char *s, size_t n)
{
	if (n == 1 && s[0] == 'N')
		return OUTCOME_NONE;
	if (n == 2 && strncmp(s, "RR", 2) == 0)
		return OUTCOME_RELIABLE_RECOVERY;
	if (n == 1 && s[0] == 'R')
		return OUTCOME_RECOVERY;
	if (n == 2 && strncmp(s, "RI", 2) == 0)
		return OUTCOME_RELIABLE_IMPROVEMENT;
	if (n == 2 && strncmp(s, "NC", 2) == 0)
		return OUTCOME_NO_RELIABLE_CHANGE;
	if (n == 2 && strncmp(s, "RD", 2) == 0)
		return OUTCOME_RELIABLE_DETERIORATION;
	ck_abort_msg("bad code %.*s", (int)n, s);
	return OUTCOME_NONE;
}

START_TEST(test_outcome_table)
{
	const struct measure	*phq = content_measure(&ct, "phq9");
	const struct measure	*gad = content_measure(&ct, "gad7");
	struct outcome_score	 v[16];
	struct outcome		 o;
	const char		*s = cases[_i].steps, *w = cases[_i].want;
	size_t			 n = 0, len;
	char			 m;
	int			 total, used;
	double			 day;

	ck_assert_ptr_nonnull(phq);
	ck_assert_ptr_nonnull(gad);
	while (sscanf(s, " %c%d@%lf%n", &m, &total, &day, &used) == 3) {
		s += used;
		ck_assert_uint_lt(n, 16);
		v[n].measure = m == 'p' ? "phq9" : m == 'g' ? "gad7" : "k10";
		v[n].total = total;
		v[n].at = 1700000000LL + (long long)(day * 86400);
		n++;
		outcome_compute(phq, gad, v, n, &o);
		w += strspn(w, " ");
		len = strcspn(w, " ");
		ck_assert_msg(o.category == code(w, len), "%s: after step %zu "
		    "(%c%d on day %g) the outcome is %s, not %.*s",
		    cases[_i].name, n, m, total, day, outcome_id(o.category),
		    (int)len, w);
		w += len;
	}
	ck_assert_msg(*s == '\0' && w[strspn(w, " ")] == '\0', "%s: the steps "
	    "and the expected outcomes do not line up", cases[_i].name);
}
END_TEST

/* What the clinic and the export show beside the category. */
START_TEST(test_outcome_first_and_latest_pairs)
{
	const struct measure	*phq = content_measure(&ct, "phq9");
	const struct measure	*gad = content_measure(&ct, "gad7");
	const struct outcome_score v[] = {
		{ "phq9", 20, 1000 }, { "gad7", 15, 2000 },
		{ "phq9", 8, 700000 }, { "gad7", 6, 700100 },
		{ "phq9", 14, 1400000 }, { "gad7", 10, 1400100 },
	};
	struct outcome o;

	outcome_compute(phq, gad, v, 6, &o);
	ck_assert_uint_eq(o.pairs, 3);
	ck_assert_int_eq(o.phq_first, 20);
	ck_assert_int_eq(o.gad_first, 15);
	ck_assert_int_eq(o.phq_latest, 14);
	ck_assert_int_eq(o.gad_latest, 10);
	ck_assert_int_eq(o.first_at, 2000);
	ck_assert_int_eq(o.latest_at, 1400100);
	ck_assert(o.case_first && o.case_latest);
	ck_assert(o.reliable_improvement && !o.recovery);
	ck_assert_str_eq(outcome_id(o.category), "reliable_improvement");
	ck_assert_str_eq(outcome_id(OUTCOME_NONE), "none");
}
END_TEST

static Suite *
outcome_suite(void)
{
	Suite	*s = suite_create("outcome");
	TCase	*tc = tcase_create("outcome");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_outcome_table, 0,
	    (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, test_outcome_first_and_latest_pairs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(outcome_suite());
}
