/* fuzz_enrollment.c: an enrollment file as stepwise enroll reads it
 * (enrollment_read: the strict parse and every field's check). */
#include <stdio.h>

#include <sodium.h>

#include "outbox.h"
#include "fuzz.h"

static char file[400];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		return -1;
	snprintf(file, sizeof file, "%s/enroll.json", fuzz_tmpdir());
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct enrollment	e;
	struct sw_error		err = { 0 };

	fuzz_write(file, data, n);
	if (enrollment_read(file, &e, &err) == 0)
		enrollment_free(&e);
	return 0;
}
