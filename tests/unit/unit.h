/* unit.h: what the Check suites share: a private folder for one test and
 * running a suite to an exit status. */
#ifndef STEPWISE_TEST_UNIT_H
#define STEPWISE_TEST_UNIT_H

#include <stddef.h>

#include <check.h>

/* Make a new folder, mode 0700, under $TMPDIR or /tmp, named after the
 * suite so that one left behind says where it came from. */
void	unit_tmpdir(char *out, size_t size, const char *suite);
/* The checkout's content folder, compiled in (TEST_CONTENT_DIR), so that
 * no unit test depends on the environment or on an installed copy. */
const char *unit_content_dir(void);
/* Run every test of s (forking, so one crash cannot hide the others), free
 * it, and return 0 when all passed. */
int	unit_run(Suite *s);

#endif
