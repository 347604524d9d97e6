/* util.h: allocation that cannot return NULL, and small string helpers.
 * Running out of memory is not recoverable for a program this size, so the
 * x* functions print one line and exit rather than threading NULL through
 * every caller. */
#ifndef STEPWISE_UTIL_H
#define STEPWISE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list);

/* Read a whole file; NULL with errno set on failure. *len gets its size. */
char	*read_file(const char *path, size_t *len);
/* Write n bytes to path whole or not at all: to a new file beside it
 * (mode 0600), flushed, then renamed over path, so a failure never leaves
 * half a file under its name. 0, or -1 with errno set. */
int	 write_file_replace(const char *path, const void *data, size_t n);
/* RFC 3339 UTC ("2026-11-23T09:35:00Z") for a Unix time; buf >= 21 bytes. */
void	 format_rfc3339(long long t, char *buf, size_t size);
/* A local day and time in words, "Monday 1 December at 14:05". */
void	 format_day_time(long long t, char *buf, size_t size);
/* A local day in words, "Monday 1 December". */
void	 format_day_words(long long t, char *buf, size_t size);
/* A time for a status line: "14:05" today, "3 Dec 14:05" this year, else
 * "2025-12-03 14:05". */
void	 format_when_short(long long t, char *buf, size_t size);
/* A local date ("2026-12-03"), with the time ("2026-12-03 14:05"). */
void	 format_local_iso(long long t, bool with_time, char *buf, size_t size);

/* Days in month (1 to 12) of year, in the Gregorian calendar. */
int	 days_in_month(int year, int month);

/* Wipe a heap string holding clinical plaintext, then free it. */
void	 wipe_free(char *);

/* At the start of each program: no core file, not dumpable (no other
 * process of the user may read its memory), and umask 077 so that nothing
 * is made readable by accident. */
void	 process_harden(void);

#endif
