/* measure.h: questionnaires (PHQ-9, GAD-7, any measure in content) defined as
 * data, scored as published, and compared as NHS Talking Therapies defines
 * change between two administrations. Every threshold comes from the
 * measure's content file; nothing clinical is a C constant. */
#ifndef STEPWISE_MEASURE_H
#define STEPWISE_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "diag.h"

struct measure_option {
	int	 value;
	char	*label;
	char	*loinc;		/* LOINC answer code (LA6568-5), optional */
};

struct measure_item {
	int	 number;	/* 1-based, as printed on the form */
	char	*text;
	char	*loinc;
};

struct measure_band {
	int	 min, max;	/* inclusive total range */
	char	*id;		/* stable, for export: "moderately_severe" */
	char	*label;		/* shown to people: "Moderately severe" */
	char	*description;	/* plain, non-diagnostic words for the patient */
	char	*clinic_note;	/* shown only with a clinic joined ("your
				 * supporter will..."), or NULL */
};

struct measure_risk {
	int	 item;		/* 1-based item number */
	int	 threshold;	/* risk when the answer is >= threshold */
	char	*note;		/* optional: what the risk item means */
};

struct measure {
	char			*id;		/* "phq9" */
	char			*title;		/* "PHQ-9" */
	char			*name;		/* "Patient Health Questionnaire (PHQ-9)" */
	char			*loinc;		/* panel code, optional */
	char			*total_loinc;	/* total score code, optional */
	char			*stem;
	char			*copyright;	/* optional attribution */
	char			*source;	/* optional: where the wording
						   was checked */
	struct measure_option	*options;
	size_t			 n_options;
	struct measure_item	*items;
	size_t			 n_items;
	struct measure_band	*bands;		/* sorted, contiguous, cover min..max */
	size_t			 n_bands;
	struct measure_risk	*risks;
	size_t			 n_risks;
	int			 min_total, max_total;
	int			 caseness;	/* at caseness when total >= this */
	int			 reliable_change; /* reliable when |change| >= this */
	char			*functional_text;	/* NULL when the measure has none */
	char			*functional_loinc;	/* its question code, optional */
	struct measure_option	*functional_options;
	size_t			 n_functional_options;
};

/* Fill m from one measure's JSON; on any problem record it in d (with file
 * and JSON path) and return -1, leaving m freed. 0 on success. Every problem
 * is recorded in one pass, not just the first. measure_free leaves m zeroed,
 * so calling it again is harmless. */
int	measure_parse(const cJSON *json, const char *file, struct measure *m,
	    struct diags *d);
void	measure_free(struct measure *);

/* A LOINC question or panel code ("44249-1"): digits, '-', and the mod 10
 * check digit the LOINC Users' Guide gives. */
bool	measure_loinc_valid(const char *code);
/* A LOINC answer code ("LA6568-5") Stepwise knows. Answer codes carry a
 * check digit made by another rule (they hold letters), so they are checked
 * against a list of the codes of the shipped measures' answers instead. */
bool	measure_answer_code_known(const char *code);

/* An answer not given is MEASURE_UNANSWERED. */
#define MEASURE_UNANSWERED (-1)

struct measure_result {
	bool				 complete;	/* every item answered */
	int				 total;		/* meaningful only if complete */
	const struct measure_band	*band;		/* NULL unless complete */
	bool				 risk;		/* any risk item at threshold */
	int				 risk_item;	/* the first such, 1-based; 0 none */
	int				 risk_answer;	/* and its answer */
};

/* Score answers[0..n) (n must equal m->n_items). Risk is computed from the
 * answers given even when incomplete. Returns -1 when an answer is not one
 * of the measure's option values or n is wrong; 0 otherwise. */
int	measure_score(const struct measure *m, const int *answers, size_t n,
	    struct measure_result *out);
const struct measure_band *measure_band_for(const struct measure *, int total);

/* Outcomes (caseness, recovery, reliable change) are judged on the pair of
 * measures, first to latest: outcome.h. */

#endif
