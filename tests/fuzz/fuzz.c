/* fuzz.c: the helpers of fuzz.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fuzz.h"

static char tmpdir[256];

static void
remove_tmpdir(void)
{
	char cmd[300];

	if (tmpdir[0] != '\0') {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz: could not remove %s\n", tmpdir);
	}
}

const char *
fuzz_tmpdir(void)
{
	struct stat st;

	if (tmpdir[0] != '\0')
		return tmpdir;
	snprintf(tmpdir, sizeof tmpdir, "%s/stepwise-fuzz.XXXXXX",
	    stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0 ?
	    "/dev/shm" : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(remove_tmpdir);
	return tmpdir;
}

void
fuzz_write(const char *path, const uint8_t *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || (n > 0 && fwrite(data, 1, n, f) != n) ||
	    fclose(f) != 0) {
		perror(path);
		abort();
	}
}

void
fuzz_system(const char *fmt, ...)
{
	char	cmd[4096];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "fuzz: failed: %s\n", cmd);
		abort();
	}
}
