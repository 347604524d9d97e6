/* fuzz.h: what the libFuzzer targets of tests/fuzz share: a private
 * folder for the files a target writes (in /dev/shm when it exists, so
 * that a run is not bound by the disk), and writing one input to a file. */
#ifndef STEPWISE_FUZZ_H
#define STEPWISE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* A new folder, removed when the process ends; the caller keeps the path. */
const char	*fuzz_tmpdir(void);
/* Write n bytes to path (replacing it); aborts when it cannot, since an
 * input that never reaches the code under test would fuzz nothing. */
void		 fuzz_write(const char *path, const uint8_t *data, size_t n);
/* Run a shell command; aborts when it fails. */
void		 fuzz_system(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

#endif
