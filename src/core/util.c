/* util.c: checked allocation and small helpers shared by every part. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "i18n.h"
#include "util.h"

static void
oom(void)
{
	fputs("stepwise: out of memory\n", stderr);
	exit(70);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		oom();
	p = realloc(old, n * size != 0 ? n * size : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

int
write_file_replace(const char *path, const void *data, size_t n)
{
	const unsigned char	*p = data;
	char			*tmp = xasprintf("%s.XXXXXX", path);
	size_t			 off = 0;
	ssize_t			 w;
	int			 fd, saved;

	if ((fd = mkstemp(tmp)) == -1)
		goto fail;
	while (off < n) {
		if ((w = write(fd, p + off, n - off)) < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (off != n || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	saved = errno;
	free(tmp);
	errno = saved;
	return -1;
}

char *
read_file(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 n = 0, cap = 0, got;
	int	 saved;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xreallocarray(buf, cap, 1);
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		saved = errno;
		fclose(f);
		free(buf);
		errno = saved;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int
days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

void
format_rfc3339(long long t, char *buf, size_t size)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Every local date in words is made here, in the locale's words. */
static void
format_local(long long t, const char *fmt, char *buf, size_t size)
{
	time_t		tt = (time_t)t;
	struct tm	tm;
	char		*p;

	localtime_r(&tt, &tm);
	if (strftime(buf, size, fmt, &tm) == 0) {
		buf[0] = '\0';
		return;
	}
	/* %e pads the day with a space. */
	while ((p = strstr(buf, "  ")) != NULL)
		memmove(p, p + 1, strlen(p));
	if (buf[0] == ' ')
		memmove(buf, buf + 1, strlen(buf));
}

void
format_day_time(long long t, char *buf, size_t size)
{
	/* TRANSLATORS: strftime(3): a day, a date and a time of day. */
	format_local(t, _("%A %e %B at %H:%M"), buf, size);
}

void
format_day_words(long long t, char *buf, size_t size)
{
	/* TRANSLATORS: strftime(3): a day and a date. */
	format_local(t, _("%A %e %B"), buf, size);
}

void
format_when_short(long long t, char *buf, size_t size)
{
	time_t		now = time(NULL), when = (time_t)t;
	struct tm	tn, tw;

	localtime_r(&now, &tn);
	localtime_r(&when, &tw);
	if (tn.tm_year == tw.tm_year && tn.tm_yday == tw.tm_yday)
		/* TRANSLATORS: strftime(3): a time of day, today. */
		format_local(t, _("%H:%M"), buf, size);
	else if (tn.tm_year == tw.tm_year)
		/* TRANSLATORS: strftime(3): a date this year, short. */
		format_local(t, _("%e %b %H:%M"), buf, size);
	else
		format_local(t, "%Y-%m-%d %H:%M", buf, size);
}

void
format_local_iso(long long t, bool with_time, char *buf, size_t size)
{
	format_local(t, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", buf, size);
}

void
wipe_free(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

void
process_harden(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
	/* Not dumpable: beyond the core file, this shuts /proc/PID/mem,
	 * environ, maps and ptrace to every other process of the same user
	 * (only a process with CAP_SYS_PTRACE still gets in), and the files
	 * of /proc/PID become root's. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask(077);
}
