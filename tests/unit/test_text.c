/* test_text.c: the one rule for what outside text may hold, and the one
 * sanitiser it is printed through (src/core/text.c), with the field rule
 * of the formats built on it (proto_text_ok, proto_lines_ok,
 * proto_text_why). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "text.h"
#include "util.h"
#include "unit.h"

/* Every code point the rule refuses, with the characters on either side of
 * each range that it keeps. */
START_TEST(test_char_rule_table)
{
	static const struct {
		uint32_t	cp;
		bool		line, lines;
	} t[] = {
		{ 0x00, false, false }, { 0x07, false, false },
		{ '\t', false, true }, { '\n', false, true },
		{ '\r', false, false }, { 0x1b, false, false },
		{ 0x1f, false, false }, { ' ', true, true }, { '~', true, true },
		{ 0x7f, false, false }, { 0x80, false, false },
		{ 0x9b, false, false }, { 0x9f, false, false },
		{ 0xa0, true, true }, { 0xe9, true, true },
		{ 0x061b, true, true }, { 0x061c, false, false },
		{ 0x200d, true, true }, { 0x200e, false, false },
		{ 0x200f, false, false }, { 0x2010, true, true },
		{ 0x2029, true, true }, { 0x202a, false, false },
		{ 0x202e, false, false }, { 0x202f, true, true },
		{ 0x2065, true, true }, { 0x2066, false, false },
		{ 0x2069, false, false }, { 0x206a, true, true },
		{ 0x1f44d, true, true },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_msg(text_char_ok(t[i].cp, 0) == t[i].line,
		    "U+%04X on one line", (unsigned)t[i].cp);
		ck_assert_msg(text_char_ok(t[i].cp, TEXT_LINES) == t[i].lines,
		    "U+%04X in lines", (unsigned)t[i].cp);
	}
}
END_TEST

START_TEST(test_utf8_next_refuses_what_is_not_utf8)
{
	static const char *const bad[] = { "\x9b", "\xc0\xaf", "\xe0\x80\xaf",
	    "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "\xe2\x80",
	    "\xff" };
	uint32_t cp;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_uint_eq(text_utf8_next(bad[i], strlen(bad[i]), &cp),
		    0);
	ck_assert_uint_eq(text_utf8_next("\xc2\x9b", 2, &cp), 2);
	ck_assert_uint_eq(cp, 0x9b);
	ck_assert_uint_eq(text_utf8_next("\xe2\x80\xae", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x202e);
	ck_assert_uint_eq(text_utf8_next("\xf0\x9f\x91\x8d", 4, &cp), 4);
	ck_assert_uint_eq(cp, 0x1f44d);
}
END_TEST

/* A contact name that would move up two lines and write over them. */
#define CURSOR_UP "Riverside\x1b[2A\x1b[2KAddress:     https://evil.example"

START_TEST(test_clean_shows_each_refused_character_as_a_question_mark)
{
	static const struct {
		const char	*in, *out;
		int		 flags;
	} t[] = {
		{ CURSOR_UP, "Riverside?[2A?[2KAddress:     https://evil.example",
		    0 },
		{ "a\xc2\x9b" "2Jb", "a?2Jb", 0 },		/* C1 CSI */
		{ "a\x9b" "2Jb", "a?2Jb", 0 },			/* raw 0x9b */
		{ "abc\xe2\x80\xae" "fed", "abc?fed", 0 },	/* RLO */
		{ "\xe2\x81\xa6x\xe2\x81\xa9", "?x?", 0 },	/* LRI, PDI */
		{ "one\ntwo\tthree\r", "one\ntwo\tthree?", TEXT_LINES },
		{ "one\ntwo", "one?two", 0 },
		{ "del\x7f", "del?", TEXT_LINES },
		{ "caf\xc3\xa9 \xf0\x9f\x91\x8d", "caf\xc3\xa9 \xf0\x9f\x91\x8d",
		    0 },
		{ "\xe2\x80", "??", 0 },
	};
	char *s;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		s = text_clean(t[i].in, strlen(t[i].in), t[i].flags);
		ck_assert_str_eq(s, t[i].out);
		free(s);
	}
	/* Only the first n bytes. */
	s = text_clean("ab\x1b" "cd", 3, 0);
	ck_assert_str_eq(s, "ab?");
	free(s);
}
END_TEST

START_TEST(test_json_safe_escapes_without_changing_the_value)
{
	char *s = text_json_safe("{\"t\":\"a\xc2\x9b" "b\xe2\x80\xae" "c\x7f"
	    "\",\n\t\"u\":\"caf\xc3\xa9\"}");

	ck_assert_str_eq(s, "{\"t\":\"a\\u009bb\\u202ec\\u007f\",\n\t"
	    "\"u\":\"caf\xc3\xa9\"}");
	free(s);
}
END_TEST

START_TEST(test_text_why_names_the_fault)
{
	char		 buf[PROTO_WHY_MAX];
	const char	*why;

	ck_assert_ptr_null(proto_text_why("Riverside", 200, false, buf,
	    sizeof buf));
	why = proto_text_why(CURSOR_UP, 200, false, buf, sizeof buf);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "control character (U+001B)"));
	why = proto_text_why("abc\xe2\x80\xae", 200, true, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(why, "bidirectional control (U+202E)"));
	why = proto_text_why("a\xc2\x9b", 200, true, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(why, "U+009B"));
	ck_assert_str_eq(proto_text_why("a\nb", 200, false, buf, sizeof buf),
	    "must be on one line");
	ck_assert_ptr_null(proto_text_why("a\nb\tc", 200, true, buf,
	    sizeof buf));
	ck_assert_str_eq(proto_text_why("a\xff", 200, true, buf, sizeof buf),
	    "is not valid UTF-8");
	ck_assert_str_eq(proto_text_why("abc", 2, false, buf, sizeof buf),
	    "must be at most 2 characters");
	ck_assert(!proto_text_ok("Tel\t999", 200));
	ck_assert(proto_lines_ok("Tel\t999", 200));
	ck_assert(!proto_lines_ok("Tel\r\n999", 200));
}
END_TEST

/* Without UTF-8: the one table's ASCII forms, '?' for anything else, and
 * the sanitiser's rule still first. */
START_TEST(test_clean_ascii_transliterates_dashes_quotes_bullets_arrows)
{
	char *c;

	c = text_clean("the opposite \xe2\x80\x94 being \xe2\x80\x9cso\xe2"
	    "\x80\x9d \xe2\x80\x98x\xe2\x80\x99 \xe2\x80\xa2 a \xe2\x86\x92 b"
	    "\xe2\x80\xa6", 54, TEXT_ASCII);
	ck_assert_str_eq(c, "the opposite - being \"so\" 'x' - a -> b...");
	free(c);
	c = text_clean("caf\xc3\xa9 \xc2\x9b" "2J", 10, TEXT_ASCII);
	ck_assert_str_eq(c, "caf? ?2J");
	free(c);
	ck_assert_str_eq(text_ascii(0x2026), "...");
	ck_assert_ptr_null(text_ascii(0xe9));
	/* With UTF-8 nothing is transliterated. */
	c = text_clean("a \xe2\x80\x94 b", 7, 0);
	ck_assert_str_eq(c, "a \xe2\x80\x94 b");
	free(c);
}
END_TEST

/* The counting and width rules the front ends share. */
/* Phone numbers for speech (issue 16, point 11): digit by digit. */
START_TEST(test_digits_spoken)
{
	static const char *const cases[][2] = {
		{ "116 123", "1 1 6, 1 2 3" },
		{ "0808 808 8000", "0 8 0 8, 8 0 8, 8 0 0 0" },
		{ "Text SHOUT to 85258", "Text SHOUT to 8 5 2 5 8" },
		{ "111", "1 1 1" },
		{ "999, or 111", "9 9 9, or 1 1 1" },
		{ "+44 20 7946 0958", "+4 4, 2 0, 7 9 4 6, 0 9 5 8" },
		{ "1 in 4, 24/7", "1 in 4, 24/7" },
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = text_digits_spoken(cases[i][0]);

		ck_assert_str_eq(got, cases[i][1]);
		free(got);
	}
}
END_TEST

START_TEST(test_count_and_width)
{
	ck_assert_uint_eq(text_utf8_count("caf\xc3\xa9"), 4);
	ck_assert_uint_eq(text_utf8_count("a\xff" "b"), 3);
	ck_assert_int_eq(text_width("abc", 3), 3);
	/* In the C locale each byte is a column. */
	ck_assert_int_eq(text_width("\xc3\xa9", 2), 2);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("text");
	TCase	*t = tcase_create("text");

	tcase_add_test(t, test_char_rule_table);
	tcase_add_test(t, test_utf8_next_refuses_what_is_not_utf8);
	tcase_add_test(t, test_clean_shows_each_refused_character_as_a_question_mark);
	tcase_add_test(t, test_json_safe_escapes_without_changing_the_value);
	tcase_add_test(t, test_text_why_names_the_fault);
	tcase_add_test(t,
	    test_clean_ascii_transliterates_dashes_quotes_bullets_arrows);
	tcase_add_test(t, test_count_and_width);
	tcase_add_test(t, test_digits_spoken);
	suite_add_tcase(s, t);
	return unit_run(s);
}
