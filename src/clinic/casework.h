/* casework.h: what supporters do for each patient and who read what: the
 * assignment to a supporter, reviews done (with a note and the minutes
 * spent), the next review's date, messages sent, and every command that
 * decrypted a patient's records (stepwise-clinic(8), CASEWORK and AUDIT).
 *
 * Each action is one row of the casework table, only ever added (the
 * triggers refuse a change or a deletion). Everything but who and when is
 * in the row's sealed part, the clinic's box to itself: the server's
 * account, which can write the database, learns no patient, note or
 * minutes from it, and cannot make a row the clinic will believe. A row
 * copied to add it again is told by its id, and the state is taken from
 * the rows' own times, never from their order in the table. */
#ifndef STEPWISE_CLINIC_CASEWORK_H
#define STEPWISE_CLINIC_CASEWORK_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "clinic.h"
#include "diag.h"

/* A note about a review: like an acknowledgement's. */
#define CASEWORK_NOTE_MAX	2000
/* Minutes a review may record. */
#define CASEWORK_MINUTES_MAX	600

enum cw_action {
	CW_ASSIGN,	/* to: the supporter now responsible */
	CW_REVIEW,	/* a review done: minutes, note */
	CW_NEXT,	/* due: when the next review is due */
	CW_MESSAGE,	/* a message sent (its id) */
	CW_VIEW,	/* records decrypted by a command (what) */
	CW_ACK,		/* a risk acknowledged (what: its id) */
	CW_PROGRAMME,	/* a module opened or held (what: "open:ID") */
};

struct cw_row {
	enum cw_action	 action;
	char		*by;		/* who: --as, or the login name */
	long long	 at;
	char		**patients;	/* one, or (a view) every one read */
	size_t		 n_patients;
	char		*to;		/* assign */
	int		 minutes;	/* review */
	char		*note;		/* review */
	long long	 due;		/* next */
	char		*what;		/* view: the command; message: its id */
};

struct casework {
	struct cw_row	*v;		/* by time, oldest first */
	size_t		 n;
	size_t		 bad_rows;	/* failed the check, or copies */
};

/* Every row, checked; patient (when not NULL) keeps only that patient's. */
int	 casework_load(sqlite3 *, const struct clinic_keys *,
	    const char *patient, struct casework *, struct sw_error *);
void	 casework_free(struct casework *);
/* Say on standard error how many rows failed the check (none: nothing). */
void	 casework_report_bad_rows(const struct casework *);

/* Add one row (in its own statement; the caller's transaction if any). */
int	 casework_add(sqlite3 *, const struct clinic_keys *,
	    const struct cw_row *, struct sw_error *);
/* A view row for the patients of the records a command decrypted: one
 * row naming each patient once; nothing when there were none. With
 * patient set, the row names that patient whatever the records were (a
 * command asked for one patient's records and messages). */
struct vrecord;
int	 casework_viewed(sqlite3 *, const struct clinic_keys *,
	    const char *what, const char *patient, const struct vrecord *,
	    size_t, struct sw_error *);

/* The name view rows give from now on (the console's --as; NULL: the
 * login name). */
void	 casework_set_viewer(const char *as);

/* A patient's case as the rows leave it. */
struct cw_case {
	const char	*supporter;	/* NULL: nobody assigned */
	long long	 next_due;	/* 0: no date set */
	long long	 last_review;	/* 0: none */
	int		 minutes;	/* all reviews */
};
void	 casework_case(const struct casework *, const char *patient,
	    struct cw_case *);

/* The login name, for --as (NULL when it cannot be found). */
const char *clinic_login_name(void);
/* The name for the rows: as when given, else the login name; NULL with a
 * usage error said when neither will do. */
const char *clinic_who(const char *cmd, const char *as);

const char *cw_action_id(enum cw_action);

/* YYYY-MM-DD, a day that exists, as local midnight; -1 otherwise. */
long long clinic_parse_day(const char *);
/* Local midnight of the day days after now's (--in, the console's n). */
long long clinic_day_after(long long now, long days);

#endif
