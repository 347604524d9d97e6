/* record.h: what a patient completes (a check-in, an exercise entry) as the
 * JSON sealed into the store, and back. */
#ifndef STEPWISE_RECORD_H
#define STEPWISE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "content.h"
#include "measure.h"
#include "store.h"

#define RECORD_CHECKIN	"checkin"
#define RECORD_EXERCISE	"exercise"
/* A risk answer (PHQ-9 item 9 above 0), its own record from the moment it
 * is given, whether or not the check-in is ever finished. */
#define RECORD_RISK	"risk"
/* A lesson finished, the first time: which one and when, so that the
 * clinic sees how far through the programme the patient is. */
#define RECORD_LESSON	"lesson"

struct checkin {
	char		*id;		/* store id, when read back */
	char		*measure;
	int		*answers;
	size_t		 n_answers;
	int		 functional;	/* MEASURE_UNANSWERED when not given */
	int		 total;
	char		*severity;	/* band id */
	char		*severity_label;
	bool		 risk;
	char		*risk_signal;	/* the risk record it follows, or NULL */
	long long	 completed_at;
};

/* Score and store a complete check-in, removing its draft in the same
 * transaction. Refuses an incomplete one: a total is never guessed.
 * risk_signal (NULL or "": none) is the id of the risk record sent when a
 * risk answer was given in this check-in; the record names it, so the
 * clinic knows the two belong together. out (may be NULL) receives the
 * result as stored. */
int	checkin_save(struct store *, const struct measure *, const int *answers,
	    size_t n, int functional, const char *risk_signal,
	    long long completed_at, struct checkin *out, struct sw_error *);

/* The JSON of a risk record: the measure, the 1-based item, the answer and
 * when it was given (stepwise-protocol(7), RECORDS), in locked memory:
 * free with store_secret_free(). NULL when memory runs out. */
char	*risk_signal_json(const struct measure *, int item, int answer,
	    long long at);
int	checkin_parse(const char *json, struct checkin *, struct sw_error *);
void	checkin_free(struct checkin *);

/* The NHS Talking Therapies outcome of check-ins v (outcome.h), first
 * paired assessment to latest, under the content's measures. */
struct outcome;
void	checkins_outcome(const struct content *, const struct checkin *v,
	    size_t n, struct outcome *);

/* Every check-in, oldest first; the caller frees with checkins_free. */
int	checkins_load(struct store *, struct checkin **, size_t *,
	    struct sw_error *);
void	checkins_free(struct checkin *, size_t);

/* Each stored exercise entry, oldest first; exercise NULL for every one.
 * follows is the plan a finished entry completes, or NULL. values is valid
 * during the call only. A non-zero return stops the walk. */
typedef int (*entry_fn)(void *arg, const char *id, const char *exercise,
    const cJSON *values, long long completed_at, const char *follows);
int	exercise_entries_each(struct store *, const char *exercise, entry_fn,
	    void *arg, struct sw_error *);

/* Store a finished exercise entry (values checked against the exercise),
 * shared with the clinic or kept private as the patient chose (sharing.h). */
int	exercise_entry_save(struct store *, const struct exercise *,
	    const cJSON *values, long long completed_at, bool share,
	    struct sw_error *);

/* An entry saved with some "later" fields empty is an open plan (e.g. an
 * activity planned, to be rated afterwards). Finishing it stores a new
 * record naming the plan in "follows", so records never change once saved
 * and each travels to the clinic exactly once. */
struct open_entry {
	char		*id;		/* the plan's record id */
	char		*exercise;
	cJSON		*values;	/* what was filled in when it was saved */
	long long	 created_at;
};

/* Open plans, oldest first; free with open_entries_free. */
int	exercise_open_entries(struct store *, const struct content *,
	    struct open_entry **, size_t *, struct sw_error *);
void	open_entries_free(struct open_entry *, size_t);
/* A plan in a few words: its first written answer (not a later part), or
 * NULL when it has none. Points into plan->values. */
const char *open_entry_gist(const struct exercise *,
	    const struct open_entry *);
/* Store the finished entry (every value, earlier ones included). */
int	exercise_entry_finish(struct store *, const struct exercise *,
	    const char *plan_id, const cJSON *values, long long completed_at,
	    struct sw_error *);

#endif
