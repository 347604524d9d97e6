/* home.c: plain mode's menu ("what do I do next?"), lessons and progress. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "draft.h"
#include "i18n.h"
#include "outcome.h"
#include "plain.h"
#include "progress.h"
#include "record.h"
#include "util.h"

/* ---- lessons ---- */

/* One block as its own line or lines: list items keep their indent and
 * mark (wrapped lines go under the text), block quotes a "> ". */
static void
lesson_block(struct plain *p, const struct block *b)
{
	char		*text = block_text(b), *pre;
	const char	*quote = b->quote ? "> " : "";
	int		 ind = b->indent > 0 ? (b->indent - 1) * 2 : 0;

	if (b->type == BLOCK_RULE)
		plain_say(p, "----");
	else if (b->type == BLOCK_HEADING)
		plain_heading(p, "%s", text);
	else if (b->item != 0) {
		pre = b->item < 0 ? xstrdup("-") : xasprintf("%d.", b->item);
		plain_say(p, "%*s%s%s %s", ind, "", quote, pre, text);
		free(pre);
	} else
		plain_say(p, "%*s%s%s", b->indent ? ind + 2 : 0, "", quote,
		    text);
	free(text);
}

/* Paragraphs are kept apart by a blank line, as in the source; the items
 * of one list follow each other. */
static bool
blank_before(const struct block *prev, const struct block *b)
{
	if (prev == NULL || b->type == BLOCK_HEADING)
		return false;	/* a heading brings its own */
	return !(b->indent > 0 && prev->indent > 0 && b->item != 0);
}

/* On a terminal a lesson comes a section at a time: Enter for more, q to
 * stop (the place is kept, and the next reading starts there); it is
 * marked read at its end. Without one (a script) it comes whole. */
void
plain_lesson(struct plain *p, const struct lesson *l)
{
	struct sw_error	 err = { 0 };
	bool		 paced = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	size_t		 from = 1, saved = 0;
	long long	 done_at = 0;
	char		*line;

	if (progress_lesson_load(p->st, l->id, &saved, &done_at, &err) == 0 &&
	    done_at == 0 && saved > 1 && saved < l->n_blocks) {
		from = saved;
		plain_say(p, _("Carrying on from where you stopped."));
	}
	plain_heading(p, "%s", l->title);
	plain_say(p, _("(About %d minutes.)\n"), l->minutes);
	for (size_t i = from; i < l->n_blocks; i++) {
		const struct block *b = &l->blocks[i];

		if (paced && b->type == BLOCK_HEADING && i > from) {
			line = plain_ask(p, _("Press Enter for more, or type q "
			    "to stop here: "));
			if (line == NULL || strcmp(line, "q") == 0) {
				free(line);
				if (progress_lesson_save(p->st, l->id, i,
				    done_at != 0, (long long)time(NULL),
				    &err) != 0)
					plain_say(p, "%s", err.msg);
				else
					plain_say(p, _("Stopped. The lesson "
					    "carries on from here next time."));
				return;
			}
			free(line);
		}
		if (blank_before(i > from ? &l->blocks[i - 1] : NULL, b))
			putchar('\n');
		lesson_block(p, b);
	}
	if (progress_lesson_save(p->st, l->id, l->n_blocks, true,
	    (long long)time(NULL), &err) != 0)
		plain_say(p, "%s", err.msg);
	else
		plain_say(p, _("\nThat is the end of this lesson. It is marked "
		    "as read."));
}

/* ---- progress ---- */

void
plain_progress(struct plain *p)
{
	struct sw_error	 err = { 0 };
	struct checkin	*v;
	struct outcome	 oc;
	size_t		 n;
	char		 when[64];

	if (checkins_load(p->st, &v, &n, &err) != 0) {
		plain_say(p, "%s", err.msg);
		return;
	}
	plain_heading(p, "%s", _("Your check-ins"));
	if (n == 0)
		plain_say(p, _("No check-ins yet."));
	for (size_t i = 0; i < n; i++) {
		const struct measure *m = content_measure(p->ct, v[i].measure);

		format_day_time(v[i].completed_at, when, sizeof when);
		plain_say(p, _("On %s your %s score was %d out of %d: %s."),
		    when, m ? m->title : v[i].measure, v[i].total,
		    m ? m->max_total : 0, v[i].severity_label);
	}
	for (size_t k = 0; k < p->ct->n_measures; k++) {
		const struct measure	*m = &p->ct->measures[k];
		const struct checkin	*last = NULL, *prev = NULL;
		char			*diff;

		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i].measure, m->id) == 0) {
				prev = last;
				last = &v[i];
			}
		if (last && prev) {
			diff = outcome_change_words(prev->total, last->total);
			plain_say(p, _("%s, your latest: %d. %s"), m->title,
			    last->total, diff);
			free(diff);
		}
	}
	checkins_outcome(p->ct, v, n, &oc);
	plain_say_outcome(p, &oc);
	checkins_free(v, n);
}

/* ---- the menu ---- */

static void
describe_step(struct plain *p, const struct progress *pr)
{
	const struct step	*s = &pr->next;
	const struct module	*mod = &p->ct->modules[s->module];
	const struct lesson	*l;
	const struct exercise	*e;
	const struct measure	*m;
	char			 date[64];

	switch (s->kind) {
	case STEP_CHECKIN:
		m = content_measure(p->ct, s->id);
		plain_say(p, _("Next: your check-in, %s (module %zu, %s). "
		    "About 2 minutes."), m->title, s->module + 1, mod->title);
		break;
	case STEP_LESSON:
		l = content_lesson(p->ct, s->id);
		plain_say(p, _("Next: lesson \"%s\" (module %zu, %s). About %d "
		    "minutes."), l->title, s->module + 1, mod->title,
		    l->minutes);
		break;
	case STEP_EXERCISE:
		e = content_exercise(p->ct, s->id);
		plain_say(p, _("Next: the exercise \"%s\" (module %zu, %s). "
		    "About %d minutes."), e->title, s->module + 1, mod->title,
		    e->minutes);
		break;
	case STEP_WAIT:
		if (s->held || s->at == 0) {
			plain_say(p, s->held ? _("You have done everything for "
			    "now. Module %zu, %s, waits until your supporter "
			    "opens it.") : _("You have done everything for now. "
			    "Module %zu, %s, opens when you finish the one "
			    "before."), s->module + 1, mod->title);
			break;
		}
		format_day_words(s->at, date, sizeof date);
		plain_say(p, _("You have done everything for now. Module %zu, "
		    "%s, opens on %s."), s->module + 1, mod->title, date);
		break;
	case STEP_FINISHED:
		plain_say(p, _("You have finished the whole programme. Well "
		    "done. You can go back to any lesson or exercise."));
		break;
	}
}

static void
mention_plans(struct plain *p)
{
	struct sw_error		 err = { 0 };
	struct open_entry	*v;
	size_t			 n;

	if (exercise_open_entries(p->st, p->ct, &v, &n, &err) != 0)
		return;
	if (n > 0)
		plain_say(p, ngettext("You have %zu plan to look back on, "
		    "\"%s\": choose Exercises, then that exercise.", "You have "
		    "%zu plans to look back on, such as \"%s\": choose "
		    "Exercises, then that exercise.", n), n, content_exercise(
		    p->ct, v[0].exercise)->title);
	open_entries_free(v, n);
}

/* What waits unfinished, as the full-screen Home lists it. */
static int
draft_line(void *arg, const char *kind, const char *id)
{
	struct plain		*p = arg;
	const struct measure	*m;
	const struct exercise	*e;

	if (strcmp(kind, "checkin") == 0) {
		m = content_measure(p->ct, id);
		plain_say(p, _("Unfinished: your %s check-in. Choose Check-ins "
		    "to carry on where you stopped."), m ? m->title : id);
	} else if (strcmp(kind, "exercise") == 0) {
		e = content_exercise(p->ct, id);
		plain_say(p, _("Unfinished: your %s. Choose Exercises to carry "
		    "on where you stopped."), e ? e->title : id);
	}
	return 0;
}

static void
mention_drafts(struct plain *p)
{
	struct sw_error	 err = { 0 };
	char		*reply = NULL;

	draft_each(p->st, draft_line, p, &err);
	if (p->ob != NULL && draft_reply_load(p->st, &reply, &err) == 0 &&
	    reply != NULL) {
		plain_say(p, "%s", _("Your reply to your supporter is kept, "
		    "not sent yet. Choose Messages to finish it."));
		wipe_free(reply);
	}
}

static int
do_step(struct plain *p, const struct progress *pr)
{
	const struct step *s = &pr->next;

	switch (s->kind) {
	case STEP_CHECKIN:
		return plain_checkin(p, content_measure(p->ct, s->id));
	case STEP_LESSON:
		plain_lesson(p, content_lesson(p->ct, s->id));
		return 0;
	case STEP_EXERCISE:
		return plain_exercise(p, content_exercise(p->ct, s->id));
	default:
		return 0;
	}
}

static void
list_modules(struct plain *p, const struct progress *pr)
{
	char	date[64];

	for (size_t i = 0; i < p->ct->n_modules; i++) {
		const struct module		*m = &p->ct->modules[i];
		const struct module_progress	*mp = &pr->modules[i];

		if (mp->state == MODULE_DONE)
			plain_say(p, _("Module %zu, %s: done."), i + 1,
			    m->title);
		else if (mp->state == MODULE_AVAILABLE)
			plain_say(p, mp->opened_early ? _("Module %zu, %s: open "
			    "(your supporter opened it early). %zu of %zu "
			    "lessons read.") : _("Module %zu, %s: open. %zu of "
			    "%zu lessons read."), i + 1, m->title,
			    mp->lessons_done, m->n_lessons);
		else if (mp->held)
			plain_say(p, _("Module %zu, %s: your supporter asked you "
			    "to wait; it opens when they say."), i + 1,
			    m->title);
		else if (mp->waits_for_previous)
			plain_say(p, _("Module %zu, %s: opens after module "
			    "%zu."), i + 1, m->title, i);
		else {
			format_day_words(mp->available_at, date, sizeof date);
			plain_say(p, _("Module %zu, %s: opens on %s."), i + 1,
			    m->title, date);
		}
	}
}

/* The plans with a look-back begun (a "plan" draft). */
struct begun {
	char	**ids;
	size_t	  n;
};

static int
plan_begun(void *arg, const char *kind, const char *id)
{
	struct begun *b = arg;

	if (strcmp(kind, "plan") != 0)
		return 0;
	b->ids = xreallocarray(b->ids, b->n + 1, sizeof *b->ids);
	b->ids[b->n++] = xstrdup(id);
	return 0;
}

/* Which of this exercise's open plans to finish: the only one, or the one
 * the patient picks from a numbered list (oldest first). *pick is n when
 * they chose none. */
static int
pick_plan(struct plain *p, const struct exercise *e,
    const struct open_entry *v, size_t n, size_t mine, size_t *pick)
{
	struct sw_error	 err = { 0 };
	struct begun	 begun = { NULL, 0 };
	size_t	*idx = xcalloc(mine, sizeof *idx), k = 0;
	char	 date[64];
	bool	 skipped;
	int	 c, rc = 0;

	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].exercise, e->id) == 0)
			idx[k++] = i;
	*pick = idx[0];
	if (mine == 1)
		goto out;
	if (draft_each(p->st, plan_begun, &begun, &err) != 0)
		plain_say(p, "%s", err.msg);
	plain_say(p, _("Which plan do you want to look back on?"));
	for (k = 0; k < mine; k++) {
		const char	*gist = open_entry_gist(e, &v[idx[k]]);
		bool		 started = false;

		for (size_t b = 0; b < begun.n; b++)
			started |= strcmp(begun.ids[b], v[idx[k]].id) == 0;
		format_day_words(v[idx[k]].created_at, date, sizeof date);
		if (started)
			plain_say(p, _("%zu. \"%s\" (planned on %s; you began "
			    "looking back on it)"), k + 1, gist ? gist : "",
			    date[0] == ' ' ? date + 1 : date);
		else if (gist != NULL)
			plain_say(p, _("%zu. \"%s\" (planned on %s)"), k + 1,
			    gist, date[0] == ' ' ? date + 1 : date);
		else
			plain_say(p, _("%zu. Planned on %s"), k + 1,
			    date[0] == ' ' ? date + 1 : date);
	}
	if (plain_ask_int(p, _("Type a number: "), 1, (int)mine, true, &c,
	    &skipped) != 0)
		rc = -1;
	else
		*pick = skipped ? n : idx[c - 1];
out:
	for (size_t b = 0; b < begun.n; b++)
		free(begun.ids[b]);
	free(begun.ids);
	free(idx);
	return rc;
}

/* An exercise: a new entry, past entries, or finishing an open plan. */
static int
exercise_menu(struct plain *p, const struct exercise *e)
{
	struct sw_error		 err = { 0 };
	struct open_entry	*v;
	size_t			 n, mine = 0, pick = 0;
	bool			 skipped;
	int			 c, rc = 0;

	if (exercise_open_entries(p->st, p->ct, &v, &n, &err) != 0) {
		plain_say(p, "%s", err.msg);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		mine += strcmp(v[i].exercise, e->id) == 0;
	plain_say(p, _("1. Do it now\n2. Read my past entries"));
	if (mine > 0)
		plain_say(p, _("3. Finish a plan (%zu waiting)"), mine);
	if (plain_ask_int(p, _("Type a number: "), 1, mine ? 3 : 2, true, &c,
	    &skipped) != 0)
		rc = -1;
	else if (skipped)
		rc = 0;
	else if (c == 1)
		rc = plain_exercise(p, e);
	else if (c == 2)
		plain_exercise_history(p, e);
	else if ((rc = pick_plan(p, e, v, n, mine, &pick)) == 0 &&
	    pick < n)
		rc = plain_finish_plan(p, e, &v[pick]);
	open_entries_free(v, n);
	return rc;
}

/* One line of a list, saying what is done: a lesson read, an exercise
 * with an entry. */
static void
item_line(struct plain *p, const struct progress_facts *f, size_t n,
    const char *title, const struct lesson *l, const struct exercise *e)
{
	bool done = false;

	for (size_t k = 0; l != NULL && k < p->ct->n_lessons; k++)
		if (&p->ct->lessons[k] == l)
			done = f->lesson_done[k] != 0;
	for (size_t k = 0; e != NULL && k < p->ct->n_exercises; k++)
		if (&p->ct->exercises[k] == e)
			done = f->exercise_last[k] != 0;
	if (!done)
		plain_say(p, "%zu. %s", n, title);
	else if (l != NULL)
		plain_say(p, _("%zu. %s (read)"), n, title);
	else
		plain_say(p, _("%zu. %s (done before)"), n, title);
}

/* Choose from the open modules' lessons and exercises, and the extras. */
static int
choose_item(struct plain *p, const struct progress_facts *f,
    const struct progress *pr, bool lessons)
{
	const void	*items[64];
	size_t		 n = 0;
	int		 k;
	bool		 skipped;

	for (size_t i = 0; i < p->ct->n_modules && n < 60; i++) {
		const struct module *m = &p->ct->modules[i];

		if (pr->modules[i].state == MODULE_LOCKED)
			continue;
		if (lessons)
			for (size_t j = 0; j < m->n_lessons; j++) {
				items[n++] = m->lessons[j];
				item_line(p, f, n, m->lessons[j]->title,
				    m->lessons[j], NULL);
			}
		else
			for (size_t j = 0; j < m->n_exercises; j++) {
				const struct exercise *e = content_exercise(
				    p->ct, m->exercises[j]);

				items[n++] = e;
				item_line(p, f, n, e->title, NULL, e);
			}
	}
	if (!lessons)
		for (size_t j = 0; j < p->ct->n_always && n < 64; j++) {
			const struct exercise	*e = content_exercise(p->ct,
						    p->ct->always[j]);
			bool			 listed = false;

			/* Once, though a module lists it too. */
			for (size_t k = 0; k < n; k++)
				listed |= items[k] == e;
			if (listed)
				continue;
			items[n++] = e;
			item_line(p, f, n, e->title, NULL, e);
		}
	if (plain_ask_int(p, _("Type a number, or press Enter to go back: "),
	    1, (int)n, true, &k, &skipped) != 0)
		return -1;
	if (skipped)
		return 0;
	if (lessons) {
		plain_lesson(p, items[k - 1]);
		return 0;
	}
	return exercise_menu(p, items[k - 1]);
}

static int
choose_checkin(struct plain *p)
{
	int	k;
	bool	skipped;

	for (size_t i = 0; i < p->ct->n_measures; i++)
		plain_say(p, "%zu. %s", i + 1, p->ct->measures[i].name);
	if (plain_ask_int(p, _("Type a number, or press Enter to go back: "),
	    1, (int)p->ct->n_measures, true, &k, &skipped) != 0)
		return -1;
	return skipped ? 0 : plain_checkin(p, &p->ct->measures[k - 1]);
}

int
plain_home(struct plain *p)
{
	struct progress_facts	 f;
	struct progress		 pr;
	struct sw_error		 err = { 0 };
	char			*line;
	int			 rc = 0;

	plain_sync_open(p);
	plain_sync_start(p);
	while (!p->eof) {
		if (progress_refresh(p->st, p->ct, (long long)time(NULL), &f,
		    &pr, &err) != 0) {
			plain_say(p, "%s", err.msg);
			plain_sync_close(p);
			return -1;
		}
		plain_heading(p, "%s", p->ct->title);
		describe_step(p, &pr);
		mention_drafts(p);
		mention_plans(p);
		plain_sync_header(p);
		plain_say(p, _("\n1. Do the next step\n2. Modules\n3. Lessons\n"
		    "4. Exercises\n5. Check-ins\n6. Your progress\n"
		    "7. Help now (or h): people to contact in a crisis\n"
		    "8. Messages from your supporter\n9. Sync now: send what "
		    "waits, fetch new messages\nq. Quit"));
		line = plain_ask(p, _("Type a number: "));
		if (line == NULL || strcmp(line, "q") == 0) {
			free(line);
			progress_free(&pr);
			progress_facts_free(&f);
			break;
		}
		/* h as in the full-screen interface, which the lessons name. */
		switch (strcmp(line, "h") == 0 ? 7 : atoi(line)) {
		case 1:
			rc = do_step(p, &pr);
			break;
		case 2:
			list_modules(p, &pr);
			break;
		case 3:
			rc = choose_item(p, &f, &pr, true);
			break;
		case 4:
			rc = choose_item(p, &f, &pr, false);
			break;
		case 5:
			rc = choose_checkin(p);
			break;
		case 6:
			plain_progress(p);
			break;
		case 7:
			plain_crisis(p);
			break;
		case 8:
			rc = plain_messages(p);
			break;
		case 9:
			plain_sync_now(p);
			break;
		default:
			plain_say(p, _("Please type a number from 1 to 9, or q "
			    "to quit."));
		}
		free(line);
		progress_free(&pr);
		progress_facts_free(&f);
		(void)rc;
	}
	plain_sync_close(p);
	return 0;
}
