/* outcome.h: NHS Talking Therapies outcomes on the pair of measures (PHQ-9
 * and GAD-7), from the first paired assessment to the latest. The one
 * function every screen, export and clinic view calls. */
#ifndef STEPWISE_OUTCOME_H
#define STEPWISE_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "measure.h"

/* One scored check-in: which measure, its total, when. */
struct outcome_score {
	const char	*measure;	/* "phq9", "gad7"; others are ignored */
	int		 total;
	long long	 at;		/* Unix seconds */
};

/* A PHQ-9 and a GAD-7 count as one assessment when they were completed
 * within this many seconds of each other (the same week's check-in, done
 * on two days or in one sitting). */
#define OUTCOME_PAIR_WINDOW	(3 * 24 * 3600)

enum outcome_category {
	OUTCOME_NONE,			/* fewer than two paired assessments */
	OUTCOME_RELIABLE_RECOVERY,
	OUTCOME_RECOVERY,
	OUTCOME_RELIABLE_IMPROVEMENT,
	OUTCOME_NO_RELIABLE_CHANGE,
	OUTCOME_RELIABLE_DETERIORATION,
};

struct outcome {
	size_t		 pairs;		/* paired assessments found */
	/* The first and the latest pair (valid when pairs >= 1). */
	int		 phq_first, gad_first, phq_latest, gad_latest;
	long long	 first_at, latest_at;	/* the later of each pair */
	bool		 case_first;	/* caseness at the first pair */
	bool		 case_latest;
	bool		 recovery;
	bool		 reliable_improvement;
	bool		 reliable_deterioration;
	bool		 reliable_recovery;
	enum outcome_category category;	/* OUTCOME_NONE below two pairs */
};

/* The outcome of scores (any order; other measures ignored) under the
 * caseness and reliable-change thresholds of phq and gad (the content's
 * measures, never numbers written in C). */
void		 outcome_compute(const struct measure *phq,
		    const struct measure *gad, const struct outcome_score *,
		    size_t n, struct outcome *out);
/* The same for the content's PHQ-9 and GAD-7 (OUTCOME_NONE, no pairs,
 * when ct is NULL or has not both). */
struct content;
void		 outcome_for_content(const struct content *,
		    const struct outcome_score *, size_t n, struct outcome *);

/* "reliable_recovery", ... or "none": stable ids for exports. */
const char	*outcome_id(enum outcome_category);

/* The same outcome as JSON, one shape for the export and the clinic:
 * pairs, first and latest ({"phq9","gad7","at"} or null), caseness at
 * each, the four flags and the category id. */
cJSON		*outcome_json(const struct outcome *);

/* For the patient, without clinical verdicts: how the scores have moved
 * from the first paired check-ins to the latest ("Since you started, your
 * scores have come down a lot."), or NULL when there is nothing to say yet.
 * A reliable rise tells them what to do: their supporter when a clinic is
 * joined, else their GP, and the crisis numbers (the safety file's summary
 * line, sf). Translated; caller frees. */
struct safety;
char		*outcome_words(const struct outcome *, bool with_clinic,
		    const struct safety *sf);

/* Week to week, as plain numbers only: "That is 3 points lower than last
 * time." Caller frees. */
char		*outcome_change_words(int before, int after);

#endif
