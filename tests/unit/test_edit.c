/* test_edit.c: the text editor's limits, which the screens rely on: a
 * field's length in characters, and a reply's in UTF-8 bytes as the
 * protocol counts it (PROTO_MAX_MESSAGE_TEXT). */
#include <check.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "edit.h"
#include "unit.h"

START_TEST(test_max_characters)
{
	struct edit	 e = { 0 };
	char		*s;

	edit_set(&e, "");
	e.max = 3;
	edit_insert(&e, L'a');
	edit_insert(&e, 0x00e9);	/* é, two bytes */
	edit_insert(&e, 0x1f642);	/* four bytes */
	edit_insert(&e, L'b');		/* one too many */
	ck_assert_uint_eq(e.len, 3);
	s = edit_get(&e);
	ck_assert_str_eq(s, "a\xc3\xa9\xf0\x9f\x99\x82");
	free(s);
	edit_free(&e);
}
END_TEST

START_TEST(test_max_bytes_counts_utf8)
{
	struct edit	 e = { 0 };
	char		*s;

	edit_set(&e, "");
	e.max_bytes = 7;
	for (int i = 0; i < 3; i++)
		edit_insert(&e, 0x00e9);	/* 6 bytes */
	edit_insert(&e, 0x00e9);		/* 8: refused */
	ck_assert_uint_eq(e.len, 3);
	edit_insert(&e, L'x');			/* 7: fits */
	edit_insert(&e, L'y');			/* 8: refused */
	s = edit_get(&e);
	ck_assert_uint_eq(strlen(s), 7);
	ck_assert_str_eq(s, "\xc3\xa9\xc3\xa9\xc3\xa9x");
	free(s);
	/* A three- and a four-byte character against the limit. */
	edit_set(&e, "abcd");
	e.max_bytes = 7;
	edit_insert(&e, 0x20ac);		/* €, 3 bytes: 7 */
	ck_assert_uint_eq(e.len, 5);
	edit_set(&e, "abcd");
	edit_insert(&e, 0x1f642);		/* 4 bytes: 8, refused */
	ck_assert_uint_eq(e.len, 4);
	edit_free(&e);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("edit");
	TCase	*t = tcase_create("edit");

	/* The editor converts through the locale, as the TUI runs it. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		return 1;
	tcase_add_test(t, test_max_characters);
	tcase_add_test(t, test_max_bytes_counts_utf8);
	suite_add_tcase(s, t);
	return unit_run(s);
}
