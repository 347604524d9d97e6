/* tui_int.h: what the patient TUI's files share besides the common layer
 * (ui/ui.h): the programme's state and its screens. */
#ifndef STEPWISE_TUI_INT_H
#define STEPWISE_TUI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "cli.h"
#include "content.h"
#include "outbox.h"
#include "store.h"
#include "ui.h"

struct sync;

/* The shared layer's state comes first (tui_of). */
struct tui {
	struct ui		 ui;
	struct cli		*cli;
	struct content		 ct;
	char			*path;		/* the profile */
	struct store		*st;
	const char		*start_measure;
	char			 pendingline[160];	/* status: what is due */
	/* The clinic, when the profile is enrolled (tui_sync.c). */
	struct outbox		*ob;
	struct sync		*sync;
	cJSON			*clinic;	/* name, contact, crisis */
	char			 clinic_for[PROTO_ID_LEN + 1];	/* its device */
	struct sync_status	 sync_st;
	size_t			 waiting, set_aside;
	int			 unread;
	unsigned		 inbox_gen;	/* sync_inbox_gen seen */
	bool			 sync_again;	/* saved during a run */
	bool			 sync_asked;	/* the patient pressed S: say
						 * how the run ended */
};

static inline struct tui *
tui_of(struct ui *u)
{
	return (struct tui *)u;
}

/* tui.c */
/* After the store is open: Home (and the first check-in if asked). */
enum action	 tui_opened(struct tui *, bool first_run);

/* tui_sync.c: the clinic, when the profile is enrolled. */
void		 tui_sync_open(struct tui *);
void		 tui_sync_close(struct tui *);
/* Read the counts and status again (after a run, a save, a read). */
void		 tui_sync_refresh(struct tui *);
/* A record was saved: send it soon. */
void		 tui_record_saved(struct tui *);
/* The clinic's name, or "your clinic". */
const char	*tui_clinic_name(const struct tui *);
/* "Sync now": 0 started, 1 not (t->message says why). */
int		 tui_sync_now(struct tui *);
/* The status line's sync part in at most width columns ("" for none). */
void		 tui_sync_status(const struct tui *, int width, char *buf,
		    size_t size);
/* Home's sync line: the clinic, the state and what to do, in words. */
char		*tui_sync_words(const struct tui *);

/* The screens. */
struct screen	*screen_firstrun_new(struct tui *);
struct screen	*screen_unlock_new(struct tui *);
struct screen	*screen_home_new(struct tui *);
struct screen	*screen_lesson_new(struct tui *, const struct lesson *);
struct screen	*screen_checkin_new(struct tui *, const struct measure *);
struct screen	*screen_exercise_new(struct tui *, const struct exercise *);
struct open_entry;
struct screen	*screen_exercise_finish_new(struct tui *,
		    const struct exercise *, const struct open_entry *);
struct screen	*screen_exercises_new(struct tui *);
struct screen	*screen_entries_new(struct tui *, const struct exercise *);
struct screen	*screen_progress_new(struct tui *);
struct screen	*screen_messages_new(struct tui *);
/* Help now: the crisis contacts; Enter or q closes it. */
struct screen	*screen_crisis_new(struct tui *);
/* The same after a risk answer (risk_id: its risk record), first with a
 * number and who will see the answer; only c closes it, after a second. */
struct screen	*screen_crisis_answer_new(struct tui *, const char *risk_id);
struct screen	*screen_welcome_new(struct tui *);
struct screen	*screen_example_new(struct tui *, const struct exercise *);
void		 values_render(struct tui *, const struct exercise *,
		    const cJSON *values, struct tdoc *);

#endif
