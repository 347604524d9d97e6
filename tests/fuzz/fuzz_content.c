/* fuzz_content.c: one content file (CONTENT_FILE, a path inside the
 * content folder: programme.json, a measure, an exercise, the safety file)
 * replaced by the input in a copy of the checkout's content, then the
 * whole folder loaded as every program loads it (content_load). Built once
 * per kind of file (tests/fuzz/meson.build). For all but the programme the
 * copy is a small one: a programme of one module that names one lesson,
 * thought-record and phq9, so that a run spends its time on the file
 * under test rather than on the 21 lessons. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "content.h"
#include "fuzz.h"

static char dir[300], file[400];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s/content", fuzz_tmpdir());
#ifdef FUZZ_SMALL_CONTENT
	static const char programme[] = "{\"format\": 1, \"id\": \"fuzz\", "
	    "\"title\": \"Fuzz\", \"description\": \"One module.\", "
	    "\"modules\": [{\"id\": \"m\", \"title\": \"M\", \"summary\": "
	    "\"S.\", \"lessons\": [{\"id\": \"how-stepwise-works\", "
	    "\"minutes\": 8}], \"exercises\": [\"thought-record\"], "
	    "\"checkins\": [\"phq9\"]}]}";
	char path[400];

	fuzz_system("mkdir -p '%s/lessons' '%s/exercises' '%s/measures' "
	    "'%s/safety'", dir, dir, dir, dir);
	fuzz_system("cd '%s' && cp lessons/how-stepwise-works.md "
	    "exercises/thought-record.json measures/phq9.json "
	    "safety/en-GB.json --parents '%s'", FUZZ_CONTENT_DIR, dir);
	snprintf(path, sizeof path, "%s/programme.json", dir);
	fuzz_write(path, (const uint8_t *)programme, sizeof programme - 1);
#else
	fuzz_system("cp -r '%s' '%s'", FUZZ_CONTENT_DIR, dir);
#endif
	snprintf(file, sizeof file, "%s/%s", dir, CONTENT_FILE);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct content	c;
	struct diags	d = { 0 };

	fuzz_write(file, data, n);
	if (content_load(dir, "en-GB", &c, &d) == 0) {
		content_review_warnings(&c, 1790000000, &d);
		content_number_warnings(&c, &d);
		content_free(&c);
	}
	/* Every problem names its file: the words are part of the target. */
	for (size_t i = 0; i < d.n; i++)
		free(diags_format(&d, i));
	diags_free(&d);
	return 0;
}
