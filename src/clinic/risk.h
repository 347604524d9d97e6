/* risk.h: open risks (stepwise-clinic(8), RISKS): what the checked
 * records show of risk, one risk for a signal and the check-in that names
 * it, open until a person acknowledges it; and the two audit tables, the
 * acknowledgements and the watcher's notices, sealed to the clinic's own
 * box key. Shared by risks, ack, watch, patients and results. */
#ifndef STEPWISE_CLINIC_RISK_H
#define STEPWISE_CLINIC_RISK_H

#include <stdbool.h>
#include <stdio.h>

#include "verify.h"

#define RISK_NOTE_MAX	2000	/* characters in an acknowledgement's note */

struct risk {
	/* The risk's id: the risk signal's (named by a check-in, or its own
	 * record), else the one record that shows it; with its device. */
	char			 device[PROTO_ID_LEN + 1];
	char			 id[PROTO_ID_LEN + 1];
	/* The checked patient; NULL when only a quarantined record shows
	 * it, and then claimed is the patient the server's database names
	 * (NULL when none). */
	const char		*patient;
	const char		*claimed;
	/* Its records, each when it arrived: the risk signal, the check-in,
	 * a quarantined record with the risk's id. */
	const struct vrecord	*signal, *checkin, *quarantined;
	long long		 received_at;	/* the first of them */
	size_t			 arrival;
	long long		 created_at;	/* 0: not known */
	/* From the audit tables: acknowledged (by, at and, when asked for,
	 * the note) and told by the watcher. */
	char			*acked_by;
	long long		 acked_at;
	char			*note;
	bool			 notified;
};

struct risks {
	struct risk	*v;
	size_t		 n, cap;
	size_t		 bad_rows;	/* audit rows that failed the check */
};

/* Every risk the records show, newest received first. The records must
 * outlive the list. */
void		 risks_collect(const struct vrecord *, size_t, struct risks *);
void		 risks_free(struct risks *);
/* Read the acknowledgements (the notes too, when with_notes) and the
 * watcher's notices; a row that does not open with the clinic's box key,
 * or differs from its clear columns, counts in bad_rows and acknowledges
 * nothing. */
int		 risks_load_audit(sqlite3 *, const struct clinic_keys *,
		    struct risks *, bool with_notes, struct sw_error *);
/* The risk with this id, or with a record of this id; NULL when none. */
struct risk	*risks_find(struct risks *, const char *id);
/* The patient to show: the checked one, else the claimed one, else "?". */
const char	*risk_patient(const struct risk *);

/* Add one acknowledgement or one notice to the audit tables. */
int		 risk_ack_write(sqlite3 *, const struct clinic_keys *,
		    const struct risk *, const char *by, long long at,
		    const char *note, struct sw_error *);
int		 risk_notice_write(sqlite3 *, const struct clinic_keys *,
		    const struct risk *, long long at, struct sw_error *);

/* A risk as the risks command shows it (risk_show.c), in text (with the
 * acknowledgement, and its note when it was read) or as a JSON object. */
void		 risk_print_text(FILE *, const struct risk *);
cJSON		*risk_json(const struct risk *);
/* Say on standard error how many audit rows failed their check. */
void		 risks_report_bad_rows(const struct risks *);

#endif
