/* progress.h: where a patient is in the programme. A pure function from
 * facts (when each lesson was finished, when each exercise and check-in was
 * done) to each module's state and the one next step, so front ends show the
 * same answer to "what do I do next?" and tests can pin it. */
#ifndef STEPWISE_PROGRESS_H
#define STEPWISE_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "content.h"
#include "store.h"

/* What has happened, from the store. Times are Unix seconds; 0 = never. */
struct progress_facts {
	long long	 started_at;	/* the profile's first use */
	size_t		 n_lessons;	/* parallel to content.lessons */
	long long	*lesson_done;
	size_t		 n_exercises;	/* parallel to content.exercises */
	long long	*exercise_last;	/* the latest entry */
	size_t		 n_checkins;	/* every check-in, oldest first */
	char		**checkin_measure;
	long long	*checkin_at;
	/* The clinic's instructions (messages it signed), the latest for
	 * each module: parallel to content.modules, PROG_NONE, PROG_OPEN or
	 * PROG_HOLD (outbox.h), and when it was sent. */
	size_t		 n_modules;
	int		*module_override;
	long long	*override_at;
};

enum module_state {
	MODULE_LOCKED,		/* waits for the previous module and/or a date */
	MODULE_AVAILABLE,
	MODULE_DONE,
};

struct module_progress {
	enum module_state	 state;
	long long		 available_at;	/* 0 while it cannot be known */
	long long		 done_at;
	bool			 waits_for_previous;
	size_t			 lessons_done;
	size_t			 exercises_done;
	size_t			 checkins_due;	/* measures not yet answered */
	bool			 opened_early;	/* by the clinic's instruction */
	bool			 held;		/* the clinic asked to wait */
};

enum step_kind {
	STEP_CHECKIN,		/* id: measure id */
	STEP_LESSON,		/* id: lesson id */
	STEP_EXERCISE,		/* id: exercise id */
	STEP_WAIT,		/* next module opens at "at" */
	STEP_FINISHED,		/* every module is done */
};

struct step {
	enum step_kind	 kind;
	const char	*id;
	size_t		 module;	/* index into content.modules */
	long long	 at;		/* STEP_WAIT: when the module opens */
	bool		 held;		/* STEP_WAIT: the supporter asked the
					 * patient to wait (no date) */
};

struct progress {
	struct module_progress	*modules;	/* parallel to content.modules */
	size_t			 n_modules;
	struct step		 next;
};

void	progress_compute(const struct content *, const struct progress_facts *,
	    long long now, struct progress *);
void	progress_free(struct progress *);
/* Whether measure is due in module m (not answered since it opened). */
bool	progress_checkin_due(const struct content *,
	    const struct progress_facts *, const struct progress *, size_t m,
	    const char *measure);

/* When the next step waits for the patient: now for a step to do, the
 * opening date for STEP_WAIT, 0 when the programme is finished. */
long long progress_due_at(const struct progress *, long long now);

/* Facts from a store: lesson state "lesson:<id>", exercise entries, and
 * check-ins; the programme starts when the profile was made. */
int	progress_facts_load(struct store *, const struct content *,
	    long long now, struct progress_facts *, struct sw_error *);
void	progress_facts_free(struct progress_facts *);
/* Load facts, compute progress, and keep the store's remind time current:
 * what every front end does before showing "what next". */
int	progress_refresh(struct store *, const struct content *, long long now,
	    struct progress_facts *, struct progress *, struct sw_error *);

/* Record that a lesson was finished (and where the reader was). */
int	progress_lesson_save(struct store *, const char *lesson_id,
	    size_t position, bool done, long long now, struct sw_error *);
/* The saved reading position and whether it was finished. */
int	progress_lesson_load(struct store *, const char *lesson_id,
	    size_t *position, long long *done_at, struct sw_error *);

#endif
