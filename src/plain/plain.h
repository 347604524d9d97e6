/* plain.h: the line-oriented front end, for screen readers, braille
 * displays, dumb terminals, serial lines and scripts. Numbered lines and
 * typed answers only: no cursor addressing and no escape sequences. */
#ifndef STEPWISE_PLAIN_H
#define STEPWISE_PLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "content.h"
#include "outbox.h"
#include "record.h"
#include "store.h"

struct plain {
	const struct content	*ct;
	struct store		*st;
	int			 width;		/* wrap column */
	bool			 eof;		/* input has ended */
	struct outbox		*ob;		/* enrolled: the clinic */
	cJSON			*clinic;	/* name, contact, crisis */
};

/* ---- io.c ---- */
/* Print text wrapped at p->width, through the sanitiser of text.h (what
 * could drive the terminal shown as '?'), so that content, the clinic or
 * a file can never put an escape sequence on the line. */
void	plain_say(struct plain *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	plain_heading(struct plain *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The outcome since the start in words, numbers written for speech. */
struct outcome;
void	plain_say_outcome(struct plain *, const struct outcome *);
/* Print prompt, read one line (without newline) into a new string; NULL at
 * end of input (p->eof is then set). A line "h" shows the crisis contacts
 * and asks again. The caller frees with wipe_free. */
char	*plain_ask(struct plain *, const char *prompt);
/* A whole number in [min, max]; asks again on anything else. skip_ok lets
 * an empty line mean "skip" (returns 0 with *skipped set). -1 at EOF. */
int	 plain_ask_int(struct plain *, const char *prompt, int min, int max,
	    bool skip_ok, int *out, bool *skipped);
/* Lines up to one holding only a full stop (or the end of input), joined
 * with newlines; NULL when nothing was typed. Free with wipe_free. */
char	*plain_ask_lines(struct plain *);
/* y/n with a default on an empty line (dflt -1: none, an answer is
 * needed); -1 at EOF. */
int	 plain_ask_yes(struct plain *, const char *prompt, int dflt);
void	 plain_crisis(struct plain *);

/* ---- checkin.c ---- */
int	plain_checkin(struct plain *, const struct measure *);

/* ---- exercise.c ---- */
int	plain_exercise(struct plain *, const struct exercise *);
void	plain_exercise_history(struct plain *, const struct exercise *);
int	plain_finish_plan(struct plain *, const struct exercise *,
	    const struct open_entry *);

/* ---- messages.c ---- */
/* Open the clinic's side when the profile is enrolled (p->ob stays NULL
 * otherwise); close it before the store. */
void	plain_sync_open(struct plain *);
void	plain_sync_close(struct plain *);
/* A sync when one is due (not during a backoff), with a line before and
 * after; after a saved record, a sync now. */
void	plain_sync_start(struct plain *);
void	plain_record_saved(struct plain *);
/* A risk record was saved: send it now unless the link just failed (the
 * words that follow say whether it went). */
void	plain_risk_saved(struct plain *);
/* The clinic's name, or "your clinic". */
const char *plain_clinic_name(const struct plain *);
/* "Sync now": a line per step. */
void	plain_sync_now(struct plain *);
/* For the menu: new messages, and what waits to be sent. */
void	plain_sync_header(struct plain *);
int	plain_messages(struct plain *);

/* ---- home.c ---- */
void	plain_lesson(struct plain *, const struct lesson *);
void	plain_progress(struct plain *);
int	plain_home(struct plain *);

#endif
