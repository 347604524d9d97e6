/* unit.c: see unit.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <sodium.h>

#include "unit.h"

void
unit_tmpdir(char *out, size_t size, const char *suite)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || *base == '\0')
		base = "/tmp";
	ck_assert_int_ge(sodium_init(), 0);
	for (;;) {
		snprintf(out, size, "%s/stepwise-test-%s-%08x", base, suite,
		    (unsigned)randombytes_random());
		if (mkdir(out, 0700) == 0)
			return;
		ck_assert_int_eq(errno, EEXIST);
	}
}

const char *
unit_content_dir(void)
{
	return TEST_CONTENT_DIR;
}

int
unit_run(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
