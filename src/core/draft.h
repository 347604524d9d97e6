/* draft.h: unfinished check-ins and exercise entries, sealed in the store so
 * an interrupted patient (Ctrl-C, a dropped SSH link, end of input) resumes
 * where they stopped. One draft per measure and per exercise. */
#ifndef STEPWISE_DRAFT_H
#define STEPWISE_DRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "record.h"
#include "store.h"

struct checkin_draft {
	int	*answers;	/* n items, MEASURE_UNANSWERED where not given */
	size_t	 n;
	int	 functional;	/* MEASURE_UNANSWERED when not given */
	size_t	 position;	/* the question the patient was on */
	/* The risk record sent for this check-in, "" none yet. */
	char	 risk_signal[STORE_ID_LEN + 1];
};

/* Keep the draft. When its answers hold a risk answer and no risk record
 * has been sent for this check-in yet, a risk record (RECORD_RISK) is saved
 * and queued first for the clinic in the same transaction, its id kept in
 * d->risk_signal and *signalled set: from the moment of the answer, it is
 * never lost, whether the check-in is finished, left or discarded. */
int	draft_checkin_save(struct store *, const struct measure *,
	    struct checkin_draft *, long long now, bool *signalled,
	    struct sw_error *);
/* found is false (and d untouched) when there is no draft. A draft whose
 * item count does not match n (the content changed) is ignored. */
int	draft_checkin_load(struct store *, const char *measure, size_t n,
	    struct checkin_draft *d, bool *found, struct sw_error *);

/* values: { field id: value } as far as filled in. */
int	draft_exercise_save(struct store *, const char *exercise,
	    const cJSON *values, size_t position, struct sw_error *);
int	draft_exercise_load(struct store *, const char *exercise,
	    cJSON **values, size_t *position, struct sw_error *);

/* Looking back on an open plan: the plan's values with the later fields
 * as far as answered, one draft per plan (kind "plan", id the plan's
 * entry id), so a new entry's draft of the same exercise is untouched. */
int	draft_plan_save(struct store *, const char *plan, const cJSON *values,
	    size_t position, struct sw_error *);
/* *values: the plan's values as it was made, with the later fields'
 * answers from its draft; NULL (and *position 0) when there is no draft. */
int	draft_plan_load(struct store *, const struct exercise *,
	    const struct open_entry *plan, cJSON **values, size_t *position,
	    struct sw_error *);

int	draft_delete(struct store *, const char *kind, const char *id,
	    struct sw_error *);
/* The state key of a draft ("checkin" and the measure, "exercise" and the
 * exercise, "plan" and the plan's entry id): what a record saver hands
 * outbox_save_record so the draft goes with the save. Caller frees. */
char	*draft_key(const char *kind, const char *id);
/* The reply's draft, in the same way. */
#define DRAFT_REPLY_KEY	"draft:reply"

/* The reply to the supporter not sent yet, "draft:reply" (one at a time,
 * not listed by draft_each). Saving NULL or "" removes it; load gives NULL
 * when there is none, else a string to free with wipe_free(). */
int	draft_reply_save(struct store *, const char *text, struct sw_error *);
int	draft_reply_load(struct store *, char **text, struct sw_error *);

/* Every saved draft: kind is "checkin", "exercise" or "plan", id the
 * measure, the exercise or the plan's entry id. Stops early if fn returns non-zero. */
typedef int (*draft_fn)(void *arg, const char *kind, const char *id);
int	draft_each(struct store *, draft_fn, void *arg, struct sw_error *);

#endif
