/* test_lesson.c: Markdown lessons become the blocks front ends render. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"
#include "unit.h"

static struct lesson l;
static struct diags d;

static void
parse_ok(const char *md)
{
	memset(&d, 0, sizeof d);
	ck_assert_int_eq(lesson_parse(md, strlen(md), "t", "t.md", &l, &d), 0);
	ck_assert_uint_eq(d.n, 0);
}

START_TEST(test_title_spans_and_styles)
{
	const struct block *b;

	parse_ok("# Feeling *low*\n\nA **strong** and *soft* word.\n\n"
	    "## Try this\n\nGo.\n");
	ck_assert_str_eq(l.title, "Feeling low");
	ck_assert_uint_eq(l.n_blocks, 4);
	b = &l.blocks[1];
	ck_assert_int_eq(b->type, BLOCK_PARAGRAPH);
	ck_assert_uint_eq(b->n_spans, 5);
	ck_assert_str_eq(b->spans[0].text, "A ");
	ck_assert_int_eq(b->spans[0].style, 0);
	ck_assert_str_eq(b->spans[1].text, "strong");
	ck_assert_int_eq(b->spans[1].style, SPAN_STRONG);
	ck_assert_str_eq(b->spans[3].text, "soft");
	ck_assert_int_eq(b->spans[3].style, SPAN_EMPH);
	ck_assert_int_eq(l.blocks[2].type, BLOCK_HEADING);
	ck_assert_int_eq(l.blocks[2].level, 2);
	lesson_free(&l);
}
END_TEST

START_TEST(test_lists_numbered_nested_and_quoted)
{
	parse_ok("# T\n\n3. three\n4. four\n   - inner\n\n> quoted\n> line\n\n"
	    "## Try this\n\nGo.\n");
	/* T, three, four, inner, quoted, Try this, Go */
	ck_assert_uint_eq(l.n_blocks, 7);
	ck_assert_int_eq(l.blocks[1].item, 3);
	ck_assert_int_eq(l.blocks[1].indent, 1);
	ck_assert_int_eq(l.blocks[2].item, 4);
	ck_assert_int_eq(l.blocks[3].item, -1);
	ck_assert_int_eq(l.blocks[3].indent, 2);
	ck_assert_int_eq(l.blocks[4].quote, 1);
	ck_assert_int_eq(l.blocks[4].indent, 0);
	/* A soft line break inside a paragraph becomes a space. */
	ck_assert_str_eq(l.blocks[4].spans[0].text, "quoted line");
	lesson_free(&l);
}
END_TEST

START_TEST(test_words_counted)
{
	parse_ok("# One two\n\nthree four five\n\n## Try this\n\nsix\n");
	/* Headings count too: "One two" "three four five" "Try this" "six" */
	ck_assert_uint_eq(l.words, 8);
	lesson_free(&l);
}
END_TEST

START_TEST(test_image_and_code_block_rejected_with_line)
{
	const char *md = "# T\n\n![pic](a.png)\n\n    indented code\n\n"
	    "## Try this\n\nGo.\n";
	char *a, *b;

	memset(&d, 0, sizeof d);
	ck_assert_int_eq(lesson_parse(md, strlen(md), "t", "t.md", &l, &d),
	    -1);
	ck_assert_uint_eq(d.n, 2);
	a = diags_format(&d, 0);
	b = diags_format(&d, 1);
	ck_assert_str_eq(a, "t.md: line 3: images cannot be shown in a "
	    "terminal");
	ck_assert_ptr_nonnull(strstr(b, "t.md: line 5: code blocks are not "
	    "allowed"));
	free(a);
	free(b);
	diags_free(&d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("lesson");
	TCase	*tc = tcase_create("lesson");

	tcase_add_test(tc, test_title_spans_and_styles);
	tcase_add_test(tc, test_lists_numbered_nested_and_quoted);
	tcase_add_test(tc, test_words_counted);
	tcase_add_test(tc, test_image_and_code_block_rejected_with_line);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
