/* print.c: the subcommands' printing of text that came from outside (the
 * enrollment file, the clinic's details kept in the profile, a sync's
 * progress, content diagnostics, error messages that name files): every
 * line goes through the sanitiser of text.h, so none of it can drive the
 * terminal. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "text.h"
#include "util.h"

void
cli_vprint(FILE *f, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap), *clean;

	clean = text_clean(s, strlen(s), TEXT_LINES);
	fputs(clean, f);
	free(clean);
	free(s);
}

void
cli_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vprint(stdout, fmt, ap);
	va_end(ap);
}

void
cli_fprint(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vprint(f, fmt, ap);
	va_end(ap);
}
