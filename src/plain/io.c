/* io.c: plain-mode output (wrapped, escape-free) and typed answers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "outcome.h"
#include "plain.h"
#include "text.h"
#include "util.h"

/* Through the sanitiser (text.h): C0 and C1 controls, DEL, bidirectional
 * controls and bytes that are not UTF-8 (a lone 0x9b is CSI on an 8-bit
 * terminal) come out as '?'; a tab as a space. */
static void
put_clean(const char *s, size_t n)
{
	static int	 ascii = -1;
	char		*t;

	/* Without UTF-8, text degrades to its ASCII forms (text_ascii). */
	if (ascii < 0)
		ascii = !text_locale_utf8();
	t = text_clean(s, n, TEXT_LINES | (ascii ? TEXT_ASCII : 0));

	for (const char *c = t; *c != '\0'; c++)
		putchar(*c == '\t' ? ' ' : *c);
	wipe_free(t);
}

/* Word-wrap one paragraph (no newlines) to width; a line that starts
 * with a list mark ("- ", "1. ") after its indent has its wrapped lines
 * under the text, not under the mark. nl: end with a newline (a prompt
 * does not). */
static void
wrap_text(const char *s, int width, bool nl)
{
	int	indent = (int)strspn(s, " ");
	int	col = indent, hang = indent;
	size_t	mark = strspn(s + indent, "0123456789");

	if ((mark == 0 && s[indent] == '-' && s[indent + 1] == ' ') ||
	    (mark > 0 && s[indent + mark] == '.' &&
	    s[indent + mark + 1] == ' '))
		hang = indent + (int)(mark ? mark + 2 : 2);

	/* Leading spaces indent the first line and every wrapped one. */
	printf("%*s", indent, "");
	while (*s) {
		size_t	sp = strspn(s, " ");
		size_t	wl;
		int	ww;

		s += sp;
		if (*s == '\0')
			break;
		wl = strcspn(s, " ");
		ww = text_width(s, wl);
		if (col > indent && col + 1 + ww > width) {
			printf("\n%*s", hang, "");
			col = hang;
			indent = hang;
		} else if (col > indent) {
			putchar(' ');
			col++;
		}
		put_clean(s, wl);
		col += ww;
		s += wl;
	}
	if (nl)
		putchar('\n');
	else if (col > 0)
		putchar(' ');
}

/* A heading: a line of its own after a blank one (no "== x ==", which
 * speech reads as "equals equals"). */
void
plain_heading(struct plain *p, const char *fmt, ...)
{
	va_list	 ap;
	char	*text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	plain_say(p, "\n%s", text);
	free(text);
}

void
plain_say(struct plain *p, const char *fmt, ...)
{
	va_list	 ap;
	char	*text, *line, *save = NULL;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	/* strtok_r would drop empty lines, which separate paragraphs. */
	for (line = text; line != NULL; line = save) {
		save = strchr(line, '\n');
		if (save != NULL)
			*save++ = '\0';
		if (*line == '\0')
			putchar('\n');
		else
			wrap_text(line, p->width, true);
	}
	free(text);
	fflush(stdout);
}

char *
plain_ask(struct plain *p, const char *prompt)
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;

	for (;;) {
		if (p->eof)
			return NULL;
		/* Wrapped like the rest, the answer after its last line. */
		if (prompt[0] != '\0' && prompt[strlen(prompt) - 1] == ' ') {
			char *pr = xstrdup(prompt);

			pr[strlen(pr) - 1] = '\0';
			wrap_text(pr, p->width, false);
			free(pr);
		} else
			put_clean(prompt, strlen(prompt));
		fflush(stdout);
		n = getline(&line, &cap, stdin);
		if (n < 0) {
			free(line);
			p->eof = true;
			putchar('\n');
			return NULL;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		/* h is Help now at every prompt, as on every screen of the
		 * full-screen interface; the question is then asked again. */
		if (strcmp(line, "h") != 0)
			return line;
		plain_crisis(p);
	}
}

int
plain_ask_int(struct plain *p, const char *prompt, int min, int max,
    bool skip_ok, int *out, bool *skipped)
{
	char	*line, *end;
	long	 v;

	if (skipped)
		*skipped = false;
	for (;;) {
		if ((line = plain_ask(p, prompt)) == NULL)
			return -1;
		if (line[0] == '\0' && skip_ok) {
			free(line);
			if (skipped)
				*skipped = true;
			return 0;
		}
		v = strtol(line, &end, 10);
		if (end != line && *end == '\0' && v >= min && v <= max) {
			free(line);
			*out = (int)v;
			return 0;
		}
		free(line);
		plain_say(p, _("Please type a number from %d to %d."), min,
		    max);
	}
}

char *
plain_ask_lines(struct plain *p)
{
	char	*line, *all = NULL, *next;

	while ((line = plain_ask(p, "> ")) != NULL) {
		if (strcmp(line, ".") == 0 || (all == NULL &&
		    line[0] == '\0')) {
			wipe_free(line);
			break;
		}
		next = all ? xasprintf("%s\n%s", all, line) : xstrdup(line);
		wipe_free(all);
		wipe_free(line);
		all = next;
	}
	return all;
}

int
plain_ask_yes(struct plain *p, const char *prompt, int dflt)
{
	char	*line;
	int	 rc;

	for (;;) {
		if ((line = plain_ask(p, prompt)) == NULL)
			return -1;
		if (line[0] == '\0')
			rc = dflt < 0 ? -2 : dflt != 0;
		else if (strchr(_("yY"), line[0]) != NULL)
			rc = 1;
		else if (strchr(_("nN"), line[0]) != NULL)
			rc = 0;
		else
			rc = -2;
		free(line);
		if (rc >= 0)
			return rc;
		plain_say(p, _("Please type y for yes or n for no."));
	}
}

/* The crisis contacts from the enrollment file, after the content's own. */
static void
clinic_crisis(struct plain *p)
{
	struct clinic_contact	 v[CLINIC_CRISIS_MAX];
	size_t			 n = outbox_clinic_crisis(p->clinic, v,
				    CLINIC_CRISIS_MAX);
	const char		*clinic = proto_str(p->clinic, "clinic");
	char			*spoken;

	if (n == 0)
		return;
	if (clinic != NULL && *clinic != '\0')
		plain_say(p, _("\nFrom your clinic, %s:"), clinic);
	else
		plain_say(p, "%s", _("\nFrom your clinic:"));
	for (size_t i = 0; i < n; i++) {
		spoken = text_digits_spoken(v[i].phone);
		plain_say(p, "%s: %s", v[i].name, spoken);
		free(spoken);
		if (v[i].note != NULL)
			plain_say(p, "   %s", v[i].note);
	}
}

/* The move since the start in words (outcome_words), with the numbers to
 * call after a rise written for speech, digit by digit, as every number
 * plain mode says; nothing while there is no pair of check-ins. */
void
plain_say_outcome(struct plain *p, const struct outcome *o)
{
	char *since = outcome_words(o, p->ob != NULL, &p->ct->safety), *spoken;

	if (since == NULL)
		return;
	spoken = text_digits_spoken(since);
	plain_say(p, "%s", spoken);
	free(spoken);
	free(since);
}

void
plain_crisis(struct plain *p)
{
	const struct safety *s = &p->ct->safety;

	plain_heading(p, "%s", s->title);
	plain_say(p, "%s\n", s->intro);
	for (size_t i = 0; i < s->n_contacts; i++) {
		const struct contact *c = &s->contacts[i];

		/* Written so that speech reads the number digit by digit. */
		char *spoken = text_digits_spoken(c->phone);

		plain_say(p, "%zu. %s: %s", i + 1, c->name, spoken);
		free(spoken);
		if (c->when)
			plain_say(p, "   %s", c->when);
		plain_say(p, "   %s", c->what);
	}
	clinic_crisis(p);
	if (s->closing)
		plain_say(p, "\n%s", s->closing);
	putchar('\n');
}
