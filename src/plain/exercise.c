/* exercise.c: exercises in plain mode, one field at a time, with the worked
 * example on request, drafts when input ends, and past entries read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draft.h"
#include "i18n.h"
#include "jsonv.h"
#include "plain.h"
#include "record.h"
#include "sharing.h"
#include "util.h"

enum { ASK_OK, ASK_SKIP, ASK_EOF };

/* Check one value against its field; print the problem if any. */
static bool
value_ok(struct plain *p, const struct exercise *e, const struct field *f,
    cJSON *v)
{
	cJSON		*obj = cJSON_CreateObject();
	struct diags	 d = { 0 };
	bool		 ok;

	cJSON_AddItemReferenceToObject(obj, f->id, v);
	ok = exercise_check_values(e, obj, false, NULL, "answer", &d);
	if (!ok)
		plain_say(p, _("That answer %s. Please try again."),
		    d.v[0].msg);
	diags_free(&d);
	cJSON_Delete(obj);
	return ok;
}

static int
ask_text(struct plain *p, const struct field *f, cJSON **out)
{
	char	*all = NULL;

	if (f->multiline) {
		plain_say(p, _("(You can write several lines. Finish with a "
		    "line holding only a full stop.)"));
		all = plain_ask_lines(p);
	} else
		all = plain_ask(p, "> ");
	if (all == NULL && p->eof)
		return ASK_EOF;
	if (all == NULL || all[0] == '\0') {
		wipe_free(all);
		return p->eof ? ASK_EOF : ASK_SKIP;
	}
	*out = cJSON_CreateString(all);
	wipe_free(all);
	return ASK_OK;
}

static int
ask_rating(struct plain *p, const char *prompt, int min, int max,
    const char *min_label, const char *max_label, cJSON **out)
{
	char	*q;
	bool	 skipped;
	int	 v, rc;

	if (min_label && max_label)
		plain_say(p, _("(%d means %s, %d means %s.)"), min, min_label,
		    max, max_label);
	q = xasprintf(_("%s (%d to %d): "), prompt, min, max);
	rc = plain_ask_int(p, q, min, max, true, &v, &skipped);
	free(q);
	if (rc != 0)
		return ASK_EOF;
	if (skipped)
		return ASK_SKIP;
	*out = cJSON_CreateNumber(v);
	return ASK_OK;
}

static int
ask_choice(struct plain *p, const struct field *f, cJSON **out)
{
	char	*line, *tok, *save;
	cJSON	*arr;

	for (size_t i = 0; i < f->n_options; i++)
		plain_say(p, "  %zu. %s", i + 1, f->options[i]);
	line = plain_ask(p, f->multiple ? _("Type the numbers, separated by "
	    "commas: ") : _("Type a number: "));
	if (line == NULL)
		return ASK_EOF;
	if (line[0] == '\0') {
		free(line);
		return ASK_SKIP;
	}
	arr = cJSON_CreateArray();
	for (tok = strtok_r(line, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		long k = strtol(tok, NULL, 10);

		/* Out-of-range numbers become "?" so the check reports them. */
		cJSON_AddItemToArray(arr, cJSON_CreateString(k >= 1 &&
		    (size_t)k <= f->n_options ? f->options[k - 1] : "?"));
	}
	free(line);
	*out = arr;
	return ASK_OK;
}

static int
ask_list(struct plain *p, const struct field *f, cJSON **out)
{
	cJSON	*arr = cJSON_CreateArray(), *item;
	char	*line;
	int	 n = 0, rc;

	if (f->item_prompt)
		plain_say(p, "%s", f->item_prompt);
	plain_say(p, _("(One per line. An empty line ends the list.)"));
	while (n < f->max_items) {
		if ((line = plain_ask(p, "- ")) == NULL)
			break;
		if (line[0] == '\0') {
			free(line);
			break;
		}
		if (!f->rated)
			cJSON_AddItemToArray(arr, cJSON_CreateString(line));
		else {
			cJSON *r = NULL;

			item = cJSON_CreateObject();
			cJSON_AddStringToObject(item, "text", line);
			rc = ask_rating(p, f->rating_prompt, f->min, f->max,
			    NULL, NULL, &r);
			if (rc == ASK_OK)
				cJSON_AddItemToObject(item, "rating", r);
			cJSON_AddItemToArray(arr, item);
			if (rc == ASK_EOF) {
				wipe_free(line);
				break;
			}
		}
		wipe_free(line);
		n++;
	}
	if (n == 0) {
		cJSON_Delete(arr);
		return p->eof ? ASK_EOF : ASK_SKIP;
	}
	*out = arr;
	return ASK_OK;
}

static int
ask_datetime(struct plain *p, const struct field *f, cJSON **out)
{
	char *line, *iso, *sp;

	line = plain_ask(p, f->date_only ? _("Date (YYYY-MM-DD): ") :
	    _("Date and time (YYYY-MM-DD HH:MM): "));
	if (line == NULL)
		return ASK_EOF;
	if (line[0] == '\0') {
		free(line);
		return ASK_SKIP;
	}
	if ((sp = strchr(line, ' ')) != NULL)
		*sp = 'T';
	iso = xstrdup(line);
	free(line);
	*out = cJSON_CreateString(iso);
	free(iso);
	return ASK_OK;
}

static int
ask_field(struct plain *p, const struct exercise *e, const struct field *f,
    size_t i, cJSON *values)
{
	cJSON	*v = NULL;
	int	 rc;

	plain_say(p, _("\n%zu of %zu. %s%s"), i + 1, e->n_fields, f->prompt,
	    f->later ? _(" (you can fill this in later: press Enter to skip)")
	    : !f->required ? _(" (optional: press Enter to skip)") : "");
	if (f->help)
		plain_say(p, "%s", f->help);
	for (;;) {
		switch (f->type) {
		case FIELD_TEXT:
			rc = ask_text(p, f, &v);
			break;
		case FIELD_RATING:
			rc = ask_rating(p, _("Your rating"), f->min, f->max,
			    f->min_label, f->max_label, &v);
			break;
		case FIELD_CHOICE:
			rc = ask_choice(p, f, &v);
			break;
		case FIELD_LIST:
			rc = ask_list(p, f, &v);
			break;
		default:
			rc = ask_datetime(p, f, &v);
			break;
		}
		if (rc == ASK_EOF)
			return ASK_EOF;
		if (rc == ASK_SKIP) {
			if (!f->required || f->later)
				return ASK_SKIP;
			plain_say(p, _("This one is needed. Please write "
			    "something, even a few words."));
			continue;
		}
		if (value_ok(p, e, f, v)) {
			cJSON_DeleteItemFromObject(values, f->id);
			cJSON_AddItemToObject(values, f->id, v);
			return ASK_OK;
		}
		cJSON_Delete(v);
		v = NULL;
	}
}

static void
show_value(struct plain *p, const struct field *f, const cJSON *v)
{
	const cJSON	*it;
	char		*s;

	if (v == NULL)
		return;
	if (cJSON_IsString(v)) {
		plain_say(p, "%s: %s", f->prompt, v->valuestring);
		return;
	}
	if (cJSON_IsNumber(v)) {
		plain_say(p, "%s: %d", f->prompt, v->valueint);
		return;
	}
	plain_say(p, "%s:", f->prompt);
	cJSON_ArrayForEach(it, v) {
		if (cJSON_IsString(it))
			plain_say(p, "  - %s", it->valuestring);
		else if (cJSON_IsObject(it)) {
			s = xasprintf("  - %s (%d)",
			    cJSON_GetStringValue(cJSON_GetObjectItem(it,
			    "text")), cJSON_GetObjectItem(it, "rating") ?
			    cJSON_GetObjectItem(it, "rating")->valueint : 0);
			plain_say(p, "%s", s);
			free(s);
		}
	}
}

static void
show_values(struct plain *p, const struct exercise *e, const cJSON *values)
{
	for (size_t i = 0; i < e->n_fields; i++)
		show_value(p, &e->fields[i], cJSON_GetObjectItem(values,
		    e->fields[i].id));
}

/* Whether the entry goes to the clinic: asked once, as it is saved, with
 * the clinic's default (an empty line takes it; "ask" has none). Without a
 * clinic, or at the end of input, it stays private. */
static bool
ask_share(struct plain *p)
{
	enum share_default	d;
	int			yes;

	if (p->ob == NULL)
		return false;
	d = sharing_default(p->st);
	plain_say(p, _("\nThis entry is private: it stays on this computer "
	    "unless you share it with %s. You can change this later from "
	    "your past entries, until it has been sent."),
	    plain_clinic_name(p));
	yes = plain_ask_yes(p, d == SHARE_YES ? _("Share it? (Y/n) ") :
	    d == SHARE_NO ? _("Share it? (y/N) ") : _("Share it? (y/n) "),
	    d == SHARE_YES ? 1 : d == SHARE_NO ? 0 : -1);
	return yes == 1;
}

int
plain_exercise(struct plain *p, const struct exercise *e)
{
	struct sw_error	 err = { 0 };
	cJSON		*values = NULL;
	size_t		 start = 0;
	char		*line;
	bool		 share;
	int		 rc = 0;

	plain_say(p, _("\n%s\n%s\n\nAbout %d minutes."), e->title,
	    e->intro, e->minutes);
	if (draft_exercise_load(p->st, e->id, &values, &start, &err) == 0 &&
	    values != NULL) {
		int yes = plain_ask_yes(p, _("You started this before. Carry "
		    "on where you stopped? (Y/n) "), true);

		if (yes < 0)
			goto out;
		if (!yes) {
			cJSON_Delete(values);
			values = NULL;
			start = 0;
		}
	}
	if (values == NULL)
		values = cJSON_CreateObject();
	line = plain_ask(p, _("Type e to read a worked example first, or "
	    "press Enter to begin: "));
	if (line == NULL)
		goto out;
	if (line[0] == 'e') {
		plain_say(p, _("\nA worked example. %s\n"), e->example_intro);
		show_values(p, e, e->example);
	}
	free(line);
	for (size_t i = start; i < e->n_fields; i++) {
		if (ask_field(p, e, &e->fields[i], i, values) == ASK_EOF) {
			if (draft_exercise_save(p->st, e->id, values, i,
			    &err) == 0)
				plain_say(p, _("What you have written so far "
				    "is saved. You can carry on next time."));
			else
				plain_say(p, "%s", err.msg);
			goto out;
		}
		draft_exercise_save(p->st, e->id, values, i + 1, &err);
	}
	share = ask_share(p);
	if (exercise_entry_save(p->st, e, values, (long long)time(NULL),
	    share, &err) != 0) {
		plain_say(p, _("Could not save: %s"), err.msg);
		rc = -1;
		goto out;
	}
	plain_say(p, _("\nSaved. Well done for taking the time to do this."));
	for (size_t i = 0; i < e->n_fields; i++)
		if (e->fields[i].later &&
		    !cJSON_HasObjectItem(values, e->fields[i].id)) {
			plain_say(p, _("Come back after you have done it to say "
			    "how it went: choose this exercise again and "
			    "\"Finish a plan\"."));
			break;
		}
	if (share)
		plain_record_saved(p);
	else if (p->ob != NULL)
		plain_say(p, "%s", _("It stays on this computer: only you can "
		    "see it."));
out:
	cJSON_Delete(values);
	return rc;
}

/* The plan's values with the later answers of a draft, if there is one
 * and the patient wants to carry on; *start is the field to ask next. */
static cJSON *
plan_values(struct plain *p, const struct exercise *e,
    const struct open_entry *plan, size_t *start)
{
	struct sw_error	 err = { 0 };
	cJSON		*values;
	size_t		 pos;
	int		 yes;

	*start = 0;
	if (draft_plan_load(p->st, e, plan, &values, &pos, &err) != 0)
		plain_say(p, "%s", err.msg);
	if (values == NULL)
		return cJSON_Duplicate(plan->values, 1);
	yes = plain_ask_yes(p, _("You started looking back on this plan "
	    "before. Carry on where you stopped? (Y/n) "), true);
	if (yes > 0) {
		*start = pos;
		return values;
	}
	json_wipe_delete(values);
	/* The end of input: nothing asked yet. */
	return yes < 0 ? NULL : cJSON_Duplicate(plan->values, 1);
}

int
plain_finish_plan(struct plain *p, const struct exercise *e,
    const struct open_entry *plan)
{
	struct sw_error	 err = { 0 };
	cJSON		*values;
	char		 when[64];
	size_t		 start;
	bool		 kept;
	enum entry_share state;
	int		 rc = 0;

	format_day_words(plan->created_at, when, sizeof when);
	plain_say(p, _("\n%s: how did it go?\nYour plan from %s:"),
	    e->title, when);
	show_values(p, e, plan->values);
	if ((values = plan_values(p, e, plan, &start)) == NULL)
		return 0;
	kept = start > 0;
	/* Each answer is kept as a draft of this plan, so a closed terminal
	 * or the end of input loses nothing. */
	for (size_t i = start; i < e->n_fields; i++) {
		if (!e->fields[i].later)
			continue;
		if (ask_field(p, e, &e->fields[i], i, values) == ASK_EOF) {
			plain_say(p, "%s", kept ? _("What you have written "
			    "so far is saved. You can carry on next time.") :
			    _("Nothing was saved; the plan is still there to "
			    "finish."));
			goto out;
		}
		if (draft_plan_save(p->st, plan->id, values, i + 1, &err) != 0)
			plain_say(p, "%s", err.msg);
		else
			kept = true;
	}
	if (exercise_entry_finish(p->st, e, plan->id, values,
	    (long long)time(NULL), &err) != 0) {
		plain_say(p, _("Could not save: %s"), err.msg);
		plain_say(p, "%s", _("Your answers are kept; choose this plan "
		    "again to try once more."));
		rc = -1;
		goto out;
	}
	plain_say(p, _("\nSaved. Thank you for coming back to it."));
	/* The look back goes as the plan went. */
	if (entry_share_state(p->st, NULL, plan->id, &state, &err) == 0 &&
	    entry_is_shared(state))
		plain_record_saved(p);
out:
	json_wipe_delete(values);
	return rc;
}

struct history {
	struct plain		*p;
	const struct exercise	*e;
	int			 n;
	char			**ids;
	struct sharing		*sh;	/* loaded once for the list */
};

static const char *
joined_clinic(const struct plain *p)
{
	return p->ob != NULL ? plain_clinic_name(p) : NULL;
}

static int
show_entry(void *arg, const char *id, const char *exercise,
    const cJSON *values, long long at, const char *follows)
{
	struct history	*h = arg;
	struct sw_error	 err = { 0 };
	enum entry_share state;
	char		 when[64], *words;

	(void)exercise;
	h->ids = xreallocarray(h->ids, (size_t)h->n + 1, sizeof *h->ids);
	h->ids[h->n++] = xstrdup(id);
	format_day_time(at, when, sizeof when);
	plain_say(h->p, follows ? _("\n-- Entry %d, %s (how a plan went) --") :
	    _("\n-- Entry %d, %s --"), h->n, when);
	if (entry_share_state(h->p->st, h->sh, id, &state, &err) != 0)
		plain_say(h->p, "%s", err.msg);
	else {
		words = entry_share_words(state, joined_clinic(h->p));
		plain_say(h->p, "%s", words);
		free(words);
	}
	show_values(h->p, h->e, values);
	return 0;
}

/* After the list: share an entry, or make a shared one private again. */
static void
change_sharing(struct plain *p, struct history *h)
{
	struct sw_error	 err = { 0 };
	enum entry_share state;
	const char	*id;
	char		*prompt, *words;
	bool		 skipped, share;
	int		 k, yes;

	if (plain_ask_int(p, _("\nTo share an entry with your clinic or make "
	    "it private, type its number; press Enter to go back: "), 1,
	    h->n, true, &k, &skipped) != 0 || skipped)
		return;
	id = h->ids[k - 1];
	if (entry_share_state(p->st, NULL, id, &state, &err) != 0) {
		plain_say(p, "%s", err.msg);
		return;
	}
	if (state == ENTRY_SENT) {
		plain_say(p, _("Entry %d has been sent to %s already, so it "
		    "stays shared."), k, plain_clinic_name(p));
		return;
	}
	if (state == ENTRY_SENDING) {
		plain_say(p, _("Stepwise is sending entry %d to %s right now, "
		    "so it cannot be made private. Try again when the sending "
		    "has finished."), k, plain_clinic_name(p));
		return;
	}
	if (state == ENTRY_SHARED)
		prompt = xasprintf(_("Entry %d is shared. Make it private "
		    "again? (y/n) "), k);
	else
		prompt = xasprintf(_("Entry %d is private. Share it with %s? "
		    "(y/n) "), k, p->ob != NULL ? plain_clinic_name(p) :
		    _("your clinic, if you join one"));
	yes = plain_ask_yes(p, prompt, -1);
	free(prompt);
	if (yes != 1)
		return;
	share = state != ENTRY_SHARED;
	if (entry_share(p->st, id, share, &state, &err) != 0) {
		plain_say(p, "%s", err.msg);
		return;
	}
	words = entry_shared_words(state, joined_clinic(p));
	plain_say(p, "%s", words);
	free(words);
	if (share)
		plain_record_saved(p);
}

void
plain_exercise_history(struct plain *p, const struct exercise *e)
{
	struct history	h = { p, e, 0, NULL, NULL };
	struct sw_error	err = { 0 };

	if (sharing_load(p->st, &h.sh, &err) != 0)
		plain_say(p, "%s", err.msg);
	else if (exercise_entries_each(p->st, e->id, show_entry, &h, &err) != 0)
		plain_say(p, "%s", err.msg);
	else if (h.n == 0)
		plain_say(p, _("You have no saved entries for %s yet."),
		    e->title);
	else
		change_sharing(p, &h);
	for (int i = 0; i < h.n; i++)
		free(h.ids[i]);
	free(h.ids);
	sharing_free(h.sh);
}
