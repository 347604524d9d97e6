/* template.h: message templates (template.c): text files the clinic's
 * admin writes in DIR/templates, NAME.txt, with the fields {supporter},
 * {clinic} and {next_review} in braces ({{ and }} write a brace). */
#ifndef STEPWISE_CLINIC_TEMPLATE_H
#define STEPWISE_CLINIC_TEMPLATE_H

#include <stdbool.h>

#include "clinic.h"
#include "diag.h"

#define TEMPLATE_DIR	"templates"

/* What the fields are filled in with for one patient. */
struct tvars {
	const char	*patient;	/* for the words of an error */
	const char	*supporter;	/* NULL: nobody assigned */
	long long	 next_due;	/* 0: no review set */
};

/* 1 to 40 of a-z, 0-9 and - (not first). */
bool	 template_name_ok(const char *);
/* The template NAME filled in: a message text, checked as message checks
 * one, to wipe_free(); NULL with err naming the file and line. */
char	*template_fill(const char *dir, const char *name, const struct tvars *,
	    struct sw_error *);

#endif
