/* diag.c: collecting problems with a file and a place in it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"

void
diags_add(struct diags *d, const char *file, const char *where,
    const char *fmt, ...)
{
	struct diag	*e;
	va_list		 ap;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xreallocarray(d->v, d->cap, sizeof *d->v);
	}
	e = &d->v[d->n++];
	e->file = file ? xstrdup(file) : NULL;
	e->where = where ? xstrdup(where) : NULL;
	va_start(ap, fmt);
	e->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

char *
diags_format(const struct diags *d, size_t i)
{
	const struct diag *e = &d->v[i];

	if (e->file && e->where)
		return xasprintf("%s: %s: %s", e->file, e->where, e->msg);
	if (e->file)
		return xasprintf("%s: %s", e->file, e->msg);
	return xstrdup(e->msg);
}

void
diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].where);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

int
sw_fail(struct sw_error *err, enum sw_status code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}
