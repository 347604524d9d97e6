/* outbox.h: the device's side of stepwise-protocol(7) that needs no
 * network: the enrollment file, the device keys, envelopes sealed when a
 * record is saved, the queue in send order, acknowledgements, backoff, and
 * supporter messages kept sealed until the profile is unlocked.
 *
 * Two kinds of state live in the profile file:
 * - clear sync state (tables sync_state, outbox, inbox): only what sending
 *   needs without the passphrase: URL, pin, the clinic's public keys, the
 *   device id, the request key, envelopes (already sealed to the clinic),
 *   message ciphertexts (sealed to the device), cursors and backoff;
 * - sealed store state "sync:keys" (device box and signing secret keys, the
 *   clinic's name, contact and crisis list), readable only when unlocked. */
#ifndef STEPWISE_OUTBOX_H
#define STEPWISE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "diag.h"
#include "proto.h"
#include "store.h"

/* ---- the enrollment file ---- */

struct enrollment {
	char		*clinic;
	char		*url;
	char		*tls_pin;	/* NULL when the file has none */
	unsigned char	 box_pk[PROTO_KEY_LEN];
	unsigned char	 sign_pk[PROTO_KEY_LEN];
	unsigned char	*token;		/* sodium_malloc'd, 32 bytes */
	long long	 expires_at;
	cJSON		*contact;	/* object */
	cJSON		*crisis;	/* array */
	char		 fingerprint[40];
	int		 share_default;	/* enum share_default (sharing.h) */
};

/* Read and check a file (stepwise-protocol(7), The enrollment file); every
 * problem names the file and the JSON path. */
int	enrollment_read(const char *path, struct enrollment *,
	    struct sw_error *);
/* Wipes the token. */
void	enrollment_free(struct enrollment *);

/* ---- the clear sync state of one profile ---- */

struct outbox;

/* Open the clear sync tables of the profile at path without its key (for
 * "stepwise sync" from cron). SW_ENOENT when there is no profile; a
 * profile that is not enrolled opens, and outbox_enrolled() says false. */
int	outbox_open(const char *profile_path, struct outbox **,
	    struct sw_error *);
/* A handle on an unlocked store's own connection; closing it leaves the
 * store open. Its address, pin, device and clinic key come from the
 * sealed state, not the clear one. */
int	outbox_from_store(struct store *, struct outbox **, struct sw_error *);
void	outbox_close(struct outbox *);

bool	outbox_enrolled(struct outbox *);
/* Read the enrollment again: another process (stepwise enroll) may have
 * enrolled the profile anew since it was opened. */
int	outbox_reload(struct outbox *, struct sw_error *);
const char *outbox_device(struct outbox *);	/* hex id, or NULL */
const char *outbox_url(struct outbox *);
const char *outbox_tls_pin(struct outbox *);	/* NULL: none */
const unsigned char *outbox_clinic_sign_pk(struct outbox *);

/* Enroll the unlocked profile (stepwise-protocol(7), What "stepwise enroll
 * FILE" does, steps 2 to 5): device id and keys, the signed registration at
 * the head of the queue, and an envelope for every record already kept that
 * goes (shared entries; check-ins and their risk answers only with
 * send_earlier, else they stay here for good), in one transaction.
 * SW_EEXIST when the profile is already enrolled. */
int	outbox_enroll(struct store *, const struct enrollment *, long long now,
	    bool send_earlier, struct sw_error *);
/* What is already in the profile and not sent, to tell the patient before
 * enrolling: check-ins (with risk answers and replies), and exercise
 * entries shared and private. */
struct earlier {
	int	checkins;	/* with risk answers and replies */
	int	lessons;	/* lessons finished (they go with them) */
	int	shared_entries;
	int	private_entries;
};
int	outbox_count_earlier(struct store *, struct earlier *,
	    struct sw_error *);

/* Seal and sign one saved record and queue it. Does nothing (returns 0)
 * when the profile is not enrolled. Called by the record savers inside the
 * same store transaction as the record itself. risk puts it first. */
int	outbox_add_record(struct store *, const char *id, const char *kind,
	    long long created_at, const char *json, bool risk,
	    struct sw_error *);
/* Keep a record, queue its envelope and remove the draft it finishes (the
 * state key draft, or NULL), in one store transaction: all or nothing, so
 * a kill at any moment leaves either the draft or the record, never both
 * (a draft left beside its record would be offered again and saved twice).
 * Fails, keeping nothing, when the record is too long to send. id_out (may
 * be NULL) gets the record id, STORE_ID_LEN + 1 bytes. Every saver of a
 * record comes through here. */
int	outbox_save_record(struct store *, const char *kind,
	    long long created_at, const char *json, bool risk,
	    const char *draft, int share, char *id_out, struct sw_error *);
/* share: 1 shared, 0 private (kept as the patient's choice, sharing.h),
 * -1 no choice (the kind decides: check-ins and replies go). */
/* Whether the clinic has acknowledged the record: 1, 0, -1 on error. */
int	outbox_record_sent(struct store *, const char *id);
/* Take a record's envelope out of the queue (a shared entry made private
 * again before it went). */
int	outbox_remove_record(struct store *, const char *id, struct sw_error *);

/* ---- at every unlock ---- */

/* What outbox_verify_at_unlock found. */
struct unlock_report {
	bool	redirected;	/* the clear sync state was not the sealed
				 * one; it has been put back */
	size_t	requeued;	/* records queued again for the clinic */
	size_t	bad_messages;	/* kept messages that failed their check */
};
/* Every front end calls this right after store_open, before anything is
 * saved or shown. The clear url, pin, clinic keys, device id and request
 * key are compared with their sealed copies; on any difference the clear
 * ones are put back from the sealed, the message cursor starts again,
 * and every record this enrollment queued is queued again (sealed to the
 * sealed clinic key, same ids). Clear sync state with no sealed
 * enrollment behind it is dropped. Then every kept message is checked
 * against the sealed clinic key, and those that fail are dropped. */
int	outbox_verify_at_unlock(struct store *, struct unlock_report *,
	    struct sw_error *);
/* Plain words for the patient about what the check found (into buf), or
 * NULL when there is nothing to say. */
const char *outbox_unlock_words(const struct unlock_report *, char *buf,
	    size_t size);

/* ---- the queue ---- */

/* The registration request body (JSON text, caller frees) while it waits
 * to be acknowledged; *body is NULL when it has been. */
int	outbox_registration(struct outbox *, char **body, struct sw_error *);
int	outbox_registration_done(struct outbox *, long long now,
	    struct sw_error *);

/* The next batch in send order, skipping records set aside: unlocked
 * (outbox_from_store), the sealed risk-first list, then the order they
 * were queued in; without the key only the latter. At most max_records
 * records (and 64) and about max_bytes bytes. body holds the records as a
 * POST /v2/sync body lists them (each envelope under its own version);
 * ids the record ids in it. n is 0 when nothing waits. An envelope the
 * queue cannot read is set aside (bad_record), never sent. */
struct outbox_batch {
	unsigned char	*body;
	size_t		 len;
	char	(*ids)[PROTO_ID_LEN + 1];
	size_t		 n;
	size_t		 set_aside;	/* unreadable envelopes set aside */
	/* The run of version 3 envelopes being put in: where its m is (0:
	 * none open), how many it holds, the chain's hash through its last
	 * and that one's signature. */
	size_t		 run_at, run_n;
	unsigned char	 run_chain[PROTO_HASH_LEN];
	unsigned char	 run_sig[PROTO_SIG_LEN];
	/* The run each of ids went in (1 for the first run begun, 0 when
	 * not version 3), and how many runs were begun. */
	size_t		*run_of;
	size_t		 runs;
};
int	outbox_next_batch(struct outbox *, size_t max_records, size_t max_bytes,
	    struct outbox_batch *, struct sw_error *);
/* The whole POST /v2/sync body for batch (which may hold no record),
 * asking for the messages after the cursor after, signed with the
 * request key; caller frees *body. */
int	outbox_sync_body(struct outbox *, const struct outbox_batch *,
	    long long time, long long after, unsigned char **body,
	    size_t *len, struct sw_error *);
void	outbox_batch_free(struct outbox_batch *);
/* How many records went in the run that record id went in: 0 when it is
 * not in the batch or not of version 3. */
size_t	outbox_batch_run_n(const struct outbox_batch *, const char *id);
/* Drop acknowledged envelopes (one transaction). */
int	outbox_ack(struct outbox *, const char *const *ids, size_t n,
	    long long now, struct sw_error *);
/* Set a record aside, with the server's error code. */
int	outbox_reject(struct outbox *, const char *id, const char *error,
	    struct sw_error *);
/* The server refused a record with error: set it aside (1), or, when it
 * is a version 3 envelope refused for its run's signature while it was
 * sent in a run with others (run_n, from outbox_batch_run_n, over 1),
 * keep it to go again in a run of its own (0), so that one damaged
 * envelope never takes its run's others with it. -1 on error. */
int	outbox_refused(struct outbox *, const char *id, const char *error,
	    size_t run_n, struct sw_error *);
/* A request's records are marked as on their way while it is out (the
 * clear sync state, by process), so that another process can tell (a
 * cron sync while the patient uses the full screen). end: the request is
 * over; maybe_stored when it ended without the server's answer after its
 * bytes may have gone, so the clinic may hold its records: they stay
 * "uncertain" until acknowledged. A mark whose process is gone counts as
 * maybe stored. begin returns 1, marking nothing, when one of the batch's
 * records has left the queue since the batch was read (made private by
 * another process): read the batch again. */
int	outbox_sending_begin(struct outbox *, const struct outbox_batch *,
	    long long now, struct sw_error *);
int	outbox_sending_end(struct outbox *, bool maybe_stored,
	    struct sw_error *);
enum in_flight {
	IN_FLIGHT_NONE,		/* in no request that may have arrived */
	IN_FLIGHT_NOW,		/* in a request out right now */
	IN_FLIGHT_MAYBE,	/* in one that ended without an answer */
	IN_FLIGHT_MAYBE_BEFORE,	/* the same, to the clinic this profile was
				 * enrolled with before the current one */
};
int	outbox_record_in_flight(struct store *, const char *id,
	    long long now, enum in_flight *);
/* 1 when the record id still waits in the queue (sent records leave it
 * when the clinic acknowledges them), 0 when not, -1 on error. */
int	outbox_waiting(struct outbox *, const char *id);
/* Records waiting (not set aside) and set aside; a registration waiting
 * is not a record and is not counted (outbox_registration tells). */
int	outbox_counts(struct outbox *, size_t *waiting, size_t *rejected,
	    struct sw_error *);

/* ---- signed requests ---- */

/* X-Stepwise-Signature for a request (base64url, 87 bytes with NUL). */
int	outbox_sign_request(struct outbox *, const char *method,
	    const char *target, long long time, const void *body, size_t len,
	    char sig[88], struct sw_error *);

/* ---- supporter messages (clear side) ---- */

long long outbox_message_cursor(struct outbox *);
/* Check a fetched message's signature against the clinic's key and this
 * device id; keep it sealed and move the cursor to seq, in one
 * transaction. 0 kept, 1 already held (cursor still moves), 2 failed its
 * check (not kept, cursor moves, the failure is counted for the patient),
 * -1 on error. */
int	outbox_keep_message(struct outbox *, long long seq, const char *id,
	    const unsigned char *ct, size_t ctlen,
	    const unsigned char sig[PROTO_SIG_LEN], long long now,
	    struct sw_error *);
/* Messages kept and not yet read. The read marks are sealed: without the
 * key (outbox_open) every kept message is counted. */
int	outbox_unread(struct outbox *, struct sw_error *);

/* ---- sync status and backoff, kept in clear so they survive a restart --- */

struct sync_status {
	long long	last_success;	/* Unix seconds, 0 never */
	long long	last_attempt;
	long long	next_try;	/* 0: now; never before retry_after */
	long long	retry_after;	/* a server's Retry-After ends, 0 none */
	int		failures;	/* in a row */
	int		bad_messages;	/* messages that failed their check */
	char		last_error[256];	/* plain words, "" none */
	char		stopped[64];	/* error code that stopped sync, "" */
};
int	outbox_status(struct outbox *, struct sync_status *, struct sw_error *);
int	outbox_note_success(struct outbox *, long long now, struct sw_error *);
/* After the nth failure: next_try = now + uniform(d/2, d), d = min(1800,
 * 30 * 2^(n-1)); a longer retry_after (seconds from now, 0 none) replaces
 * it, up to 1800. words are for the patient. */
int	outbox_note_failure(struct outbox *, long long now, long long
	    retry_after, const char *words, struct sw_error *);
/* The clinic refused this device or its token: stop until enrolled again. */
int	outbox_note_stop(struct outbox *, const char *code, const char *words,
	    struct sw_error *);

/* ---- supporter messages and replies (unlocked) ---- */

struct message {
	char		 id[PROTO_ID_LEN + 1];
	bool		 from_patient;	/* a reply the patient wrote */
	long long	 at;		/* sent_at, or the reply's time */
	bool		 read;		/* false: new (clinic messages only) */
	char		*from;		/* may be NULL */
	char		*text;
	size_t		 order;		/* as read, for messages sent the same
					 * second */
	long long	 n;		/* the clinic's number for it, 0 none */
	char		 device[PROTO_ID_LEN + 1];	/* it was sealed to */
	/* A programme instruction the message carries (stepwise-protocol(7),
	 * Programme instructions): a module opened early or held. */
	char		*prog_module;	/* NULL: none */
	enum { PROG_NONE, PROG_OPEN, PROG_HOLD } prog_action;
};
/* Every message, opened and checked, and every reply, oldest first.
 * A message that fails to open or check is dropped from the inbox and
 * counted in bad_messages. */
int	messages_load(struct store *, struct message **, size_t *n,
	    struct sw_error *);
void	messages_free(struct message *, size_t n);
/* How many of the clinic's messages are missing: for each device the
 * clinic numbered messages to, the highest number less the messages held
 * (a server that drops one leaves a gap that its numbering shows). */
size_t	messages_missing(const struct message *, size_t n);
/* What the patient is told of messages that failed their check (bad, from
 * the sync status) and of messages missing from the clinic's numbering;
 * NULL when there is nothing to tell. Caller frees. */
char	*messages_problem_words(long long bad, size_t missing);
/* Mark every message of v from the clinic as read (in the profile's sealed
 * state and in v), in one write. now is not kept. */
int	messages_mark_read(struct store *, struct message *v, size_t n,
	    long long now, struct sw_error *);
/* Save a reply as a record of kind "reply" ({"text","in_reply_to",
 * "written_at"}) and queue it like any other. in_reply_to may be NULL. */
int	reply_save(struct store *, const char *text, const char *in_reply_to,
	    long long now, struct sw_error *);

/* The clinic's name, contact and crisis list from the sealed enrollment
 * state (caller frees with cJSON_Delete); NULL in *out when not enrolled. */
int	outbox_clinic_info(struct store *, cJSON **out, struct sw_error *);
/* One of the clinic's crisis contacts from that info; note may be NULL. */
#define CLINIC_CRISIS_MAX	10
struct clinic_contact {
	const char	*name;
	const char	*phone;
	const char	*note;
};
/* Up to max of the clinic's crisis contacts, in the file's order (the
 * enrollment file allows 10); returns how many. info may be NULL. */
size_t	outbox_clinic_crisis(const cJSON *info, struct clinic_contact *,
	    size_t max);

#endif
