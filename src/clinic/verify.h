/* verify.h: the clinic's own check of everything it reads from the
 * server's database (stepwise-protocol(7), What the clinic checks when it
 * decrypts). The server is trusted for nothing: a device is believed only
 * through the clinic's signature on its token, and a record only once it
 * opens and matches its envelope. Shared by results, patients and
 * messages. */
#ifndef STEPWISE_CLINIC_VERIFY_H
#define STEPWISE_CLINIC_VERIFY_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "clinic.h"
#include "content.h"
#include "jsonv.h"
#include "proto.h"

/* One device row, with its chain checked: the token row's signature under
 * the clinic's signing key, then the registration under the token key. */
struct vdevice {
	char		 device[PROTO_ID_LEN + 1];
	char		*patient;	/* the token row's, as signed */
	char		*claimed;	/* the device row's */
	unsigned char	 box_pk[PROTO_KEY_LEN];
	unsigned char	 sign_pk[PROTO_KEY_LEN];
	long long	 registered_at;
	long long	 revoked_at;	/* 0: active */
	long long	 last_seen;	/* 0: never */
	long long	 delivered;	/* highest seq it holds */
	const char	*fault;		/* NULL, or why it fails */
};

/* Every device row, or those claimed for patient (by the token row or the
 * device row) when it is not NULL, oldest registration first. */
int	 verify_devices(sqlite3 *, const struct clinic_keys *,
	    const char *patient, struct vdevice **, size_t *,
	    struct sw_error *);
void	 vdevices_free(struct vdevice *, size_t);
const struct vdevice *vdevice_find(const struct vdevice *, size_t,
	    const char *device);

/* What a quarantined record shows of risk when it is opened anyway: none
 * (it opens, reads as strict JSON of a known kind, and has no risk
 * answer), shown (it names a risk answer, however else it fails), or
 * unknown (it cannot be read far enough to tell: it could hold one). */
enum vrisk { VRISK_NONE, VRISK_SHOWN, VRISK_UNKNOWN };

/* One received record after the check. A quarantined record has reason
 * set, patient and plain NULL, and is never to be shown as anyone's. */
struct vrecord {
	char			 device[PROTO_ID_LEN + 1];
	char			 id[PROTO_ID_LEN + 1];
	long long		 received_at;
	size_t			 arrival;	/* place in the order received */
	long long		 n;		/* the device's number for it, 0 none */
	const char		*reason;	/* why quarantined */
	char			*patient;
	long long		 created_at;
	const char		*kind;		/* "checkin", "risk", ... */
	cJSON			*plain;		/* the plaintext */
	const cJSON		*record;	/* its "record" member */
	/* "ok"; "total_mismatch" when a check-in's total, band or risk flag
	 * differs from the clinic's own scoring; "unknown_measure" when the
	 * content has no such measure to score it with. */
	const char		*check;
	/* A risk signal, or a check-in with a risk answer (by its flag, by
	 * the clinic's scoring, or by naming a risk signal). */
	bool			 risk;
	/* Check-ins scored by the clinic: the measure, total and band. */
	const struct measure	*measure;
	int			 total;
	const struct measure_band *band;
	/* The risk item and its answer: a risk signal's own, or a scored
	 * check-in's answer to its measure's first risk item (0: unknown). */
	int			 risk_item, risk_answer;
	/* The risk signal a check-in names ("" when none). */
	char			 risk_signal[PROTO_ID_LEN + 1];
	/* Quarantined: what it shows of risk (and risk_item, risk_answer,
	 * kind and created_at when it shows them), and the patient the
	 * server's database claims for its device (NULL when none), never
	 * to be taken as the record's patient. */
	enum vrisk		 qrisk;
	char			*claimed;
};

/* Every record (of patient, when not NULL), checked and opened with the
 * box secret key in k; content scores check-ins (NULL: none are scored,
 * and each gets "unknown_measure"). Kept in database order. */
int	 verify_records(sqlite3 *, const struct clinic_keys *,
	    const struct content *, const char *patient, struct vrecord **,
	    size_t *, struct sw_error *);
void	 vrecords_free(struct vrecord *, size_t);

/* Load the content that defines the measures: dir, else the folder
 * content_dir_default() names. */
int	 verify_content_load(const char *dir, struct content *,
	    struct sw_error *);

/* What the commands that decrypt hold open together: the database, the
 * clinic's keys with the secret ones, and, when asked for, the measures to
 * rescore check-ins with. */
struct clinic_read {
	sqlite3			*db;
	struct clinic_keys	 k;
	struct content		 ct;
	bool			 have_keys;
	bool			 have_content;
	bool			 content_failed;	/* asked for, not usable */
	struct sw_error		 content_err;
};
/* A content folder that cannot be loaded does not stop the command: a
 * content problem must never hide risk. content_failed is set, and the
 * command goes on with clinic_read_content() NULL (risk from each
 * record's own flag and answers), and ends with clinic_read_report(). */
int	 clinic_read_open(const char *dir, const char *content_dir,
	    bool want_content, struct clinic_read *, struct sw_error *);
const struct content *clinic_read_content(const struct clinic_read *);
/* Say on standard error what could not be checked for want of content;
 * CLINIC_EXIT_FAIL when something could not, CLINIC_EXIT_OK otherwise. */
int	 clinic_read_report(const struct clinic_read *);
/* Wipes and frees the secret keys. */
void	 clinic_read_close(struct clinic_read *);

/* Print a tree that holds clinical data as one compact line, with what
 * could drive a terminal escaped (text_json_safe), then wipe and free
 * both. */
void	 json_print_wiped(cJSON *);
/* Print text written by a patient or a supporter for a terminal, through
 * the sanitiser (text_clean: whatever could drive the terminal, other
 * than new lines and tabs, shown as '?'), every line after a new line
 * begun with indent. */
void	 print_untrusted(FILE *, const char *text, const char *indent);
/* The same as a new string, to wipe_free(). */
char	*untrusted_clean(const char *text, const char *indent);
/* message.c: queue text, with a programme instruction when programme is
 * not NULL (stepwise-protocol(7), Programme instructions), to each of the
 * patient's devices that passes its check, in one transaction with its
 * casework row (by: who sent it; NULL: the login name), and also (another
 * casework row, such as unlock's) when it is not NULL; id gets the
 * message's id and copies how many devices. */
struct cw_row;
int	 clinic_message_queue(sqlite3 *, const struct clinic_keys *,
	    const char *patient, const char *by, const char *from,
	    const char *text,
	    const cJSON *programme, const struct cw_row *also,
	    char id[PROTO_ID_LEN + 1], size_t *copies, struct sw_error *);
/* The patient's conversation as stepwise-clinic messages --format json
 * lists it ("messages"), from the messages the clinic sent and the replies
 * among recs; *failed counts messages that failed the clinic's check.
 * NULL with err when it cannot be read. */
cJSON	*clinic_thread_json(sqlite3 *, const struct clinic_keys *,
	    const char *patient, const struct vrecord *recs, size_t nr,
	    size_t *failed, struct sw_error *);
/* "2026-11-23 10:26" in local time; buf >= 32 bytes. */
void	 format_local(long long t, char *buf, size_t size);

#endif
