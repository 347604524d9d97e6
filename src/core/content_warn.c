/* content_warn.c: what check-content warns about without refusing the
 * content: crisis contacts not checked for too long, and contact numbers
 * repeated outside the safety file. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "util.h"

/* ---- reviews ---- */

/* A date as one comparable number, 20261201. */
static long
ymd(int y, int m, int d)
{
	return (long)y * 10000 + m * 100 + d;
}

/* The date SAFETY_REVIEW_MONTHS calendar months after the review; the 31st
 * of a month becomes the last day of a shorter one. */
static long
review_due(const struct contact *c)
{
	int y = c->reviewed_year, m = c->reviewed_month + SAFETY_REVIEW_MONTHS;
	int d = c->reviewed_day;

	y += (m - 1) / 12;
	m = (m - 1) % 12 + 1;
	if (d > days_in_month(y, m))
		d = days_in_month(y, m);
	return ymd(y, m, d);
}

void
content_review_warnings(const struct content *ct, time_t now,
    struct diags *d)
{
	const struct safety	*s = &ct->safety;
	struct tm		 tm;
	long			 today;
	char			*p;

	if (localtime_r(&now, &tm) == NULL)
		return;
	today = ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	for (size_t i = 0; i < s->n_contacts; i++) {
		const struct contact *c = &s->contacts[i];

		if (c->reviewed == NULL)
			continue;
		p = xasprintf("$.contacts[%zu].reviewed", i);
		if (today > review_due(c))
			diags_add(d, s->file, p, "%s (%s) was last checked on "
			    "%s, more than %d months ago: check it against %s, "
			    "then set reviewed to the date you checked it",
			    c->name, c->phone, c->reviewed,
			    SAFETY_REVIEW_MONTHS, c->source);
		else if (ymd(c->reviewed_year, c->reviewed_month,
		    c->reviewed_day) > today)
			diags_add(d, s->file, p, "%s is a date still to come: "
			    "give the date %s was last checked", c->reviewed,
			    c->name);
		free(p);
	}
}

/* ---- numbers kept in one place ---- */

/* The numbers in s, each with its spaces taken out ("116 123" -> "116123"),
 * NUL-separated in out. A number is a run of digits, where a single space
 * between two digits does not end it; runs of fewer than 3 digits are not
 * phone numbers and are left out. Returns the count. */
static size_t
numbers_in(const char *s, char *out, size_t size)
{
	size_t n = 0, used = 0, len;

	while (*s != '\0') {
		if (!isdigit((unsigned char)*s)) {
			s++;
			continue;
		}
		len = 0;
		while (isdigit((unsigned char)*s) || (*s == ' ' &&
		    isdigit((unsigned char)s[1]))) {
			if (*s != ' ' && used + len + 2 < size)
				out[used + len++] = *s;
			s++;
		}
		if (len >= 3) {
			out[used + len] = '\0';
			used += len + 1;
			n++;
		}
	}
	return n;
}

/* The first contact with a number that text repeats, or -1. */
static int
repeated_number(const struct safety *sf, const char *text)
{
	char	 have[2048], want[256];
	size_t	 nh = numbers_in(text, have, sizeof have), nw;

	for (size_t i = 0; i < sf->n_contacts; i++) {
		nw = numbers_in(sf->contacts[i].phone, want, sizeof want);
		for (const char *w = want; nw-- > 0; w += strlen(w) + 1) {
			const char *h = have;

			for (size_t k = 0; k < nh; k++, h += strlen(h) + 1)
				if (strcmp(h, w) == 0)
					return (int)i;
		}
	}
	return -1;
}

static void
check_text(const struct content *ct, const char *file, const char *where,
    const char *text, struct diags *d)
{
	const struct contact	*c;
	int			 i;

	if (text == NULL || (i = repeated_number(&ct->safety, text)) < 0)
		return;
	c = &ct->safety.contacts[i];
	diags_add(d, file, where, "repeats the number of %s (%s) from the "
	    "safety file: point to the Help now screen (press h) instead, so "
	    "that the number is kept up to date in one place", c->name,
	    c->phone);
}

/* Every string in an exercise's example values. */
static void
check_json(const struct content *ct, const char *file, const char *where,
    const cJSON *j, struct diags *d)
{
	const cJSON *it;

	if (cJSON_IsString(j)) {
		check_text(ct, file, where, j->valuestring, d);
		return;
	}
	cJSON_ArrayForEach(it, j)
		check_json(ct, file, where, it, d);
}

static void
check_exercise(const struct content *ct, const struct exercise *e,
    struct diags *d)
{
	char *file = xasprintf("%s/exercises/%s.json", ct->dir, e->id), *p;

	check_text(ct, file, "$.summary", e->summary, d);
	check_text(ct, file, "$.intro", e->intro, d);
	check_text(ct, file, "$.example.intro", e->example_intro, d);
	for (size_t i = 0; i < e->n_fields; i++) {
		p = xasprintf("$.fields[%zu]", i);
		check_text(ct, file, p, e->fields[i].prompt, d);
		check_text(ct, file, p, e->fields[i].help, d);
		free(p);
	}
	check_json(ct, file, "$.example.values", e->example, d);
	free(file);
}

void
content_number_warnings(const struct content *ct, struct diags *d)
{
	char *file, *text;

	for (size_t i = 0; i < ct->n_lessons; i++) {
		const struct lesson *l = &ct->lessons[i];

		file = xasprintf("%s/lessons/%s.md", ct->dir, l->id);
		for (size_t b = 0; b < l->n_blocks; b++) {
			text = block_text(&l->blocks[b]);
			check_text(ct, file, NULL, text, d);
			free(text);
		}
		free(file);
	}
	for (size_t i = 0; i < ct->n_exercises; i++)
		check_exercise(ct, &ct->exercises[i], d);
}
