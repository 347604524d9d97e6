/* fuzz_lesson.c: a Markdown lesson (lesson_parse, on cmark), and the text
 * a front end takes out of every block. */
#include <stdint.h>
#include <stdlib.h>

#include "lesson.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct lesson	l;
	struct diags	d = { 0 };

	if (lesson_parse((const char *)data, n, "fuzz", "lessons/fuzz.md", &l,
	    &d) == 0) {
		for (size_t i = 0; i < l.n_blocks; i++)
			free(block_text(&l.blocks[i]));
		lesson_free(&l);
	}
	diags_free(&d);
	return 0;
}
