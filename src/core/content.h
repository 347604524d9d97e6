/* content.h: the programme as data (modules, lessons, exercises, measures,
 * safety contacts), loaded and validated from a content folder. */
#ifndef STEPWISE_CONTENT_H
#define STEPWISE_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "diag.h"
#include "lesson.h"
#include "measure.h"

struct module {
	char		 *id;
	char		 *title;
	char		 *summary;
	char		**lesson_ids;
	struct lesson	**lessons;	/* borrowed from content.lessons */
	size_t		  n_lessons;
	char		**exercises;	/* exercise ids */
	size_t		  n_exercises;
	char		**checkins;	/* measure ids */
	size_t		  n_checkins;
	bool		  after_previous;	/* unlocks when the previous is done */
	int		  days_after_previous;	/* ... and/or this many days after */
};

enum field_type {
	FIELD_TEXT,
	FIELD_RATING,
	FIELD_CHOICE,
	FIELD_LIST,
	FIELD_DATETIME,
};

struct field {
	char		 *id;
	enum field_type	  type;
	char		 *prompt;
	char		 *help;		/* may be NULL */
	bool		  required;
	bool		  later;	/* filled in when the patient returns */
	bool		  multiline;	/* text */
	int		  max_length;	/* text, in characters */
	int		  min, max;	/* rating; a rated list's item rating */
	char		 *min_label;	/* rating, may be NULL */
	char		 *max_label;
	char		**options;	/* choice */
	size_t		  n_options;
	bool		  multiple;	/* choice */
	int		  min_items;	/* list */
	int		  max_items;
	char		 *item_prompt;	/* list, may be NULL */
	bool		  rated;	/* list items carry a rating */
	char		 *rating_prompt;
	bool		  date_only;	/* datetime */
};

struct exercise {
	char		*id;
	char		*title;
	char		*summary;
	char		*intro;
	int		 minutes;
	struct field	*fields;
	size_t		 n_fields;
	char		*example_intro;
	cJSON		*example;	/* { field id: value }, validated */
};

struct contact {
	char	*name;
	char	*phone;		/* the number, or how to reach the service
				   ("Text SHOUT to 85258"), shown after name */
	char	*when;
	char	*what;
	char	*source;	/* address of the page it was checked against */
	char	*reviewed;	/* "2026-12-01": when it was last checked */
	int	 reviewed_year, reviewed_month, reviewed_day;
};

struct safety {
	char		*file;		/* the file it was read from */
	char		*locale;
	char		*owner;		/* who keeps the contacts up to date */
	char		*title;
	char		*intro;
	char		*summary;	/* the most needed numbers, one line */
	char		*closing;
	struct contact	*contacts;
	size_t		 n_contacts;
};

struct content {
	char		 *dir;
	char		 *id;
	char		 *title;
	char		 *description;
	struct module	 *modules;
	size_t		  n_modules;
	char		**always;	/* exercise ids available at any time */
	size_t		  n_always;
	struct lesson	 *lessons;
	size_t		  n_lessons;
	struct exercise	 *exercises;
	size_t		  n_exercises;
	struct measure	 *measures;
	size_t		  n_measures;
	struct safety	  safety;
};

/* Load and validate everything under dir. The safety file is chosen by
 * locale ("cy-GB"), falling back to en-GB. Every problem goes to d; returns
 * 0 only when there were none (c is then complete), else -1 (c is freed). */
int			 content_load(const char *dir, const char *locale,
			    struct content *c, struct diags *d);
void			 content_free(struct content *);

const struct measure	*content_measure(const struct content *, const char *id);
const struct exercise	*content_exercise(const struct content *, const char *id);
const struct lesson	*content_lesson(const struct content *, const char *id);

/* Check the values of an exercise entry ({ field id: value }) against its
 * fields, recording problems under path. With complete, every required field
 * that is not "later" must be present. Returns true when there were none. */
bool			 exercise_check_values(const struct exercise *,
			    const cJSON *values, bool complete,
			    const char *file, const char *path, struct diags *);

/* A contact whose review is more than this many months old is reported. */
#define SAFETY_REVIEW_MONTHS	6

/* Problems that do not stop the content being used, for check-content to
 * report as warnings. content_review_warnings: a contact reviewed more than
 * SAFETY_REVIEW_MONTHS months before now (a calendar date in local time), or
 * after it. content_number_warnings: a lesson or exercise that repeats a
 * number of the safety file, which would then need changing in two places;
 * lessons point to the Help now screen instead. */
void			 content_review_warnings(const struct content *,
			    time_t now, struct diags *);
void			 content_number_warnings(const struct content *,
			    struct diags *);

/* "cy_GB.UTF-8" -> "cy-GB"; NULL or "C"/"POSIX" -> "en-GB". Caller frees. */
char			*content_locale_from_env(const char *lang);
/* The same, from LC_ALL, LC_MESSAGES or LANG, in the order POSIX gives. */
char			*content_locale_current(void);

/* The content folder to use when none is named (--content): the
 * environment's STEPWISE_CONTENT_DIR; else, for a program run from its build
 * tree, the checkout's content/; else the installed folder. */
const char		*content_dir_default(void);

#endif
