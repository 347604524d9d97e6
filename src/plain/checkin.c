/* checkin.c: a check-in in plain mode: one question per line, back and
 * stop at any point, crisis contacts at once when a risk item is answered,
 * a review before saving, and a draft kept when input ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crisis.h"
#include "draft.h"
#include "i18n.h"
#include "outcome.h"
#include "plain.h"
#include "text.h"
#include "record.h"
#include "util.h"

struct session {
	struct plain		*p;
	const struct measure	*m;
	int			*answers;
	int			 functional;
	size_t			 pos;
	/* The risk record sent for this check-in, "" none yet. */
	char			 risk_signal[STORE_ID_LEN + 1];
};

static const char *
option_label(const struct measure_option *o, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (o[i].value == value)
			return o[i].label;
	return "";
}

/* Keep the answers; a risk answer's own record goes with them (see
 * draft_checkin_save). Returns true when that record was just saved. */
static bool
save_draft(struct session *s)
{
	struct checkin_draft	d = { s->answers, s->m->n_items,
				    s->functional, s->pos, "" };
	struct sw_error		err = { 0 };
	bool			signalled = false;

	memcpy(d.risk_signal, s->risk_signal, sizeof d.risk_signal);
	if (draft_checkin_save(s->p->st, s->m, &d, (long long)time(NULL),
	    &signalled, &err) != 0) {
		plain_say(s->p, _("Could not keep your answers: %s"), err.msg);
		return false;
	}
	memcpy(s->risk_signal, d.risk_signal, sizeof s->risk_signal);
	return signalled;
}

static void
stopped(struct session *s)
{
	save_draft(s);
	plain_say(s->p, _("Your answers so far are saved. Next time you "
	    "start this check-in, you can carry on where you stopped."));
}

/* The scale in one line for the prompt: "0 Not at all, 1 Several days,
 * ...", so that every prompt carries it, not only the first question's. */
static char *
scale_words(const struct measure_option *o, size_t n)
{
	char *all = xstrdup(""), *next;

	for (size_t i = 0; i < n; i++) {
		next = xasprintf(i == 0 ? "%s%d %s" : "%s, %d %s", all,
		    o[i].value, o[i].label);
		free(all);
		all = next;
	}
	return all;
}

static void
print_options(struct session *s, const struct measure_option *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		plain_say(s->p, "  %d %s", o[i].value, o[i].label);
}

/* Whether the answer just given to item i is a risk answer. */
static bool
is_risk_answer(const struct session *s, size_t i)
{
	struct measure_result r;

	return measure_score(s->m, s->answers, s->m->n_items, &r) == 0 &&
	    r.risk && (size_t)r.risk_item == i + 1;
}

/* The contacts at once, who will see the answer and when, then a prompt
 * of its own: the answer's Enter, or a line typed ahead, cannot pass it.
 * 0 carry on, 2 stop, -1 end of input. */
static int
crisis(struct session *s, bool signalled)
{
	char	*words, *line;
	int	 r = -1;

	plain_crisis(s->p);
	if (signalled)
		plain_risk_saved(s->p);
	words = crisis_audience(s->p->ob, plain_clinic_name(s->p),
	    s->risk_signal);
	plain_say(s->p, _("Thank you for telling us. %s\n"), words);
	free(words);
	plain_say(s->p, "%s", _("When you are ready, type c and press Enter "
	    "to carry on with the check-in. q stops for now; h shows the "
	    "numbers again."));
	while ((line = plain_ask(s->p, _("c, q or h: "))) != NULL) {
		if (strcmp(line, "c") == 0 || strcmp(line, "q") == 0) {
			r = line[0] == 'c' ? 0 : 2;
			free(line);
			break;
		}
		if (strcmp(line, "h") == 0)
			plain_crisis(s->p);
		free(line);
	}
	return r;
}

/* Ask item i. 0 answered, 1 go back, 2 stop, -1 end of input. */
static int
ask_item(struct session *s, size_t i)
{
	const struct measure	*m = s->m;
	char			*prompt, *line, *end, *scale;
	long			 v;
	int			 lo = m->options[0].value;
	int			 hi = m->options[m->n_options - 1].value;

	plain_say(s->p, _("\nQuestion %zu of %zu: %s"), i + 1, m->n_items,
	    m->items[i].text);
	if (s->answers[i] != MEASURE_UNANSWERED)
		plain_say(s->p, _("(Your answer was %d, %s.)"), s->answers[i],
		    option_label(m->options, m->n_options, s->answers[i]));
	scale = scale_words(m->options, m->n_options);
	/* TRANSLATORS: %s is the scale, "0 Not at all, 1 Several days,
	 * ...". */
	prompt = xasprintf(_("%s. Your answer (b back, h help now, q stop): "),
	    scale);
	free(scale);
	for (;;) {
		if ((line = plain_ask(s->p, prompt)) == NULL) {
			free(prompt);
			return -1;
		}
		v = strtol(line, &end, 10);
		if (strcmp(line, "b") == 0 || strcmp(line, "q") == 0) {
			int r = line[0] == 'b' ? 1 : 2;

			free(line);
			free(prompt);
			return r;
		}
		if (end != line && *end == '\0' && v >= lo && v <= hi) {
			bool valid = false;

			for (size_t k = 0; k < m->n_options; k++)
				valid |= m->options[k].value == v;
			if (valid) {
				free(line);
				free(prompt);
				s->answers[i] = (int)v;
				return 0;
			}
		}
		free(line);
		plain_say(s->p, _("Please type one of the numbers:"));
		print_options(s, m->options, m->n_options);
	}
}

/* Ask items from s->pos on; 0 when all are answered. */
static int
ask_items(struct session *s, size_t until)
{
	bool	signalled;
	int	r;

	while (s->pos < until) {
		r = ask_item(s, s->pos);
		if (r < 0 || r == 2)
			return r < 0 ? -1 : 2;
		if (r == 1) {
			if (s->pos > 0)
				s->pos--;
			continue;
		}
		signalled = save_draft(s);
		/* Safety first: the contacts come before the next question. */
		if (is_risk_answer(s, s->pos)) {
			s->pos++;
			if ((r = crisis(s, signalled)) != 0)
				return r;
			continue;
		}
		s->pos++;
	}
	return 0;
}

static int
ask_functional(struct session *s)
{
	const struct measure	*m = s->m;
	bool			 skipped;
	int			 v, lo, hi;
	char			*scale, *prompt;

	if (m->functional_text == NULL)
		return 0;
	lo = m->functional_options[0].value;
	hi = m->functional_options[m->n_functional_options - 1].value;
	plain_say(s->p, _("\nOne more question. You can press Enter to skip "
	    "it.\n%s"), m->functional_text);
	print_options(s, m->functional_options, m->n_functional_options);
	scale = scale_words(m->functional_options, m->n_functional_options);
	prompt = xasprintf(_("%s. Your answer (Enter skips, h help now): "),
	    scale);
	free(scale);
	if (plain_ask_int(s->p, prompt, lo, hi, true, &v, &skipped) != 0) {
		free(prompt);
		return -1;
	}
	free(prompt);
	s->functional = skipped ? MEASURE_UNANSWERED : v;
	save_draft(s);
	return 0;
}

/* Show every answer; Enter saves, a number changes that answer. */
static int
review(struct session *s)
{
	const struct measure	*m = s->m;
	char			*line, *end;
	long			 v;
	int			 r;

	for (;;) {
		plain_say(s->p, _("\nYour answers:"));
		for (size_t i = 0; i < m->n_items; i++)
			plain_say(s->p, "%zu. %s: %d, %s", i + 1,
			    m->items[i].text, s->answers[i],
			    option_label(m->options, m->n_options,
			    s->answers[i]));
		line = plain_ask(s->p, _("Press Enter to save these answers, "
		    "or type a question number to change it: "));
		if (line == NULL)
			return -1;
		if (line[0] == '\0') {
			free(line);
			return 0;
		}
		v = strtol(line, &end, 10);
		if (*end != '\0' || end == line)
			v = 0;
		free(line);
		if (v < 1 || v > (long)m->n_items) {
			plain_say(s->p, _("Please type a question number from "
			    "1 to %zu, or just press Enter."), m->n_items);
			continue;
		}
		s->pos = (size_t)v - 1;
		if ((r = ask_items(s, s->pos + 1)) != 0)
			return r;
		s->pos = m->n_items;
	}
}

static void
result(struct session *s, const struct checkin *c)
{
	const struct measure		*m = s->m;
	const struct measure_band	*band = measure_band_for(m, c->total);
	struct sw_error			 err = { 0 };
	struct checkin			*v;
	struct outcome			 oc;
	char				*diff;
	size_t				 n;

	if (c->risk) {
		/* Never reassurance alone: the risk answer comes first, with
		 * the numbers written for speech. */
		char *spoken = text_digits_spoken(s->p->ct->safety.summary);

		plain_say(s->p, _("\nYou said you have had thoughts of being "
		    "better off dead or of hurting yourself. If you might act "
		    "on them, get help now: %s."), spoken);
		free(spoken);
		if (s->p->ob != NULL)
			plain_say(s->p, _("This check-in goes to %s with that "
			    "answer."), plain_clinic_name(s->p));
	}
	plain_say(s->p, _("\nSaved. Your %s total is %d out of %d: %s."),
	    m->title, c->total, m->max_total, c->severity_label);
	if (band && band->description)
		plain_say(s->p, "%s", band->description);
	/* "Your supporter will..." only where there is one. */
	if (band && band->clinic_note && s->p->ob != NULL)
		plain_say(s->p, "%s", band->clinic_note);
	if (checkins_load(s->p->st, &v, &n, &err) != 0)
		return;
	/* The newest is this one; look for the one before it. */
	for (size_t i = n - 1; i-- > 0;) {
		if (strcmp(v[i].measure, m->id) != 0)
			continue;
		diff = outcome_change_words(v[i].total, c->total);
		plain_say(s->p, _("Last time it was %d. %s"), v[i].total, diff);
		free(diff);
		break;
	}
	/* Since the start: the pair of measures, first to latest. */
	checkins_outcome(s->p->ct, v, n, &oc);
	plain_say_outcome(s->p, &oc);
	checkins_free(v, n);
	if (c->risk)
		plain_say(s->p, "%s", _("\nThe numbers to call are always under "
		    "Help now (h) in the menu."));
}

static bool
resume_draft(struct session *s)
{
	struct checkin_draft	d = { s->answers, 0, MEASURE_UNANSWERED, 0, "" };
	struct sw_error		err = { 0 };
	bool			found = false;
	int			yes;

	if (draft_checkin_load(s->p->st, s->m->id, s->m->n_items, &d, &found,
	    &err) != 0 || !found)
		return true;
	if (d.position < s->m->n_items)
		plain_say(s->p, _("You started this check-in before and "
		    "stopped at question %zu of %zu."), d.position + 1,
		    s->m->n_items);
	else
		plain_say(s->p, _("You answered every question of this "
		    "check-in before, but it was not saved."));
	yes = plain_ask_yes(s->p, _("Carry on from there? (Y/n) "), true);
	if (yes < 0)
		return false;
	if (yes) {
		s->functional = d.functional;
		s->pos = d.position;
		memcpy(s->risk_signal, d.risk_signal, sizeof s->risk_signal);
	} else	/* A risk record already sent stays sent. */
		for (size_t i = 0; i < s->m->n_items; i++)
			s->answers[i] = MEASURE_UNANSWERED;
	return true;
}

int
plain_checkin(struct plain *p, const struct measure *m)
{
	struct session	 s = { p, m, NULL, MEASURE_UNANSWERED, 0, "" };
	struct checkin	 c;
	struct sw_error	 err = { 0 };
	int		 rc = 0, r;

	s.answers = xcalloc(m->n_items, sizeof *s.answers);
	for (size_t i = 0; i < m->n_items; i++)
		s.answers[i] = MEASURE_UNANSWERED;
	plain_heading(p, _("%s check-in"), m->title);
	plain_say(p, "%s", m->stem);
	print_options(&s, m->options, m->n_options);
	plain_say(p, _("Type the number of your answer. Type b to go back to "
	    "the previous question, h for the crisis contacts (Help now), or "
	    "q to stop for now."));
	if (!resume_draft(&s))
		goto out;
	if ((r = ask_items(&s, m->n_items)) != 0) {
		stopped(&s);
		goto out;
	}
	if (ask_functional(&s) != 0 || review(&s) != 0) {
		stopped(&s);
		goto out;
	}
	if (checkin_save(p->st, m, s.answers, m->n_items, s.functional,
	    s.risk_signal, (long long)time(NULL), &c, &err) != 0) {
		plain_say(p, _("Could not save the check-in: %s"), err.msg);
		stopped(&s);
		rc = -1;
		goto out;
	}
	result(&s, &c);
	checkin_free(&c);
	plain_record_saved(p);
out:
	free(s.answers);
	return rc;
}
