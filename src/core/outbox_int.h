/* outbox_int.h: what outbox.c, enrollment.c and messages.c share: the clear
 * sync tables in the profile file and the device keys in sealed state. */
#ifndef STEPWISE_OUTBOX_INT_H
#define STEPWISE_OUTBOX_INT_H

#include <stdbool.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "jsonv.h"
#include "outbox.h"

#define SYNC_KEYS_STATE	"sync:keys"	/* sealed store state */
/* Sealed too: the device's counter ({"next": N}), the ids that go first
 * when the profile is unlocked (risk records, check-ins with a risk
 * answer; an array), and the ids of messages read (an array). */
#define SYNC_COUNTER_STATE	"sync:n"
#define SYNC_PRIORITY_STATE	"sync:priority"
#define INBOX_READ_STATE	"inbox:read"

/* Whether the three clear tables exist (they are made by enrolling). */
bool	 sync_tables_exist(sqlite3 *);
/* Clear sync state. get gives a new string or NULL when absent. */
char	*sync_get(sqlite3 *, const char *key);
long long sync_get_int(sqlite3 *, const char *key, long long dflt);
int	 sync_set(sqlite3 *, const char *key, const char *value);
int	 sync_set_int(sqlite3 *, const char *key, long long);
int	 sync_del(sqlite3 *, const char *key);
int	 sync_db_fail(sqlite3 *, struct sw_error *);
/* Whether the clinic acknowledged the record (under any enrollment): 1,
 * 0, or -1 when it is not in the profile or cannot be read. */
int	 record_sent(sqlite3 *, const char *id);
/* Enrolling again: the sync state is cleared but for what the old clinic
 * may hold (marks of requests out, "uncertain"), kept as the current
 * clinic's when it is the same one, else as "uncertain.before". */
int	 sync_state_clear_for_enrollment(sqlite3 *, bool same_clinic);
/* The device id when this profile is enrolled, else false. */
bool	 sync_device(sqlite3 *, char device[PROTO_ID_LEN + 1]);

/* One device box key pair: the current one, or one kept from an earlier
 * enrollment so that messages fetched for it can still be read, with the
 * key of the clinic that signs them. */
struct device_box {
	char		 device[PROTO_ID_LEN + 1];
	unsigned char	 pk[PROTO_KEY_LEN];
	unsigned char	*sk;		/* sodium_malloc'd */
	unsigned char	 clinic_sign_pk[PROTO_KEY_LEN];
};

/* The sealed "sync:keys" state, secrets in sodium_malloc'd memory. box[0]
 * is the current device; the others are earlier enrollments. The sealed
 * copies of the clinic's address, pin and keys decide where records go
 * and which messages are believed; the clear sync_state is only what a
 * sync without the passphrase works from (stepwise-protocol(7), THE
 * DEVICE'S STATE). A profile enrolled before the copies existed has none
 * (has_clinic false) until its next unlock adopts the clear values. */
struct device_keys {
	struct device_box *box;
	size_t		 n_box;
	unsigned char	*sign_sk;	/* sodium_malloc'd, 64 bytes */
	cJSON		*info;		/* clinic, contact, crisis */
	bool		 has_clinic;
	char		*url;
	char		*tls_pin;	/* NULL: none */
	unsigned char	 clinic_box_pk[PROTO_KEY_LEN];
	unsigned char	*request_sk;	/* sodium_malloc'd, 64 bytes */
	long long	 enrolled_at;
};
int	 device_keys_load(struct store *, struct device_keys *,
	    struct sw_error *);
void	 device_keys_free(struct device_keys *);
/* Write k's clinic copies (url, pin, keys, device, request key) back into
 * the sealed state, keeping everything else in it. */
int	 device_keys_seal_clinic(struct store *, const struct device_keys *,
	    struct sw_error *);

/* Make the sealed copies of a profile enrolled before they were kept from
 * its clear values (they are trusted once, at the first unlock). */
int	 sealed_copies_adopt(struct store *, struct device_keys *,
	    struct sw_error *);
/* The clear tables, made when missing. */
int	 sync_tables_make(sqlite3 *);

/* The record kinds that go to the clinic. */
bool	 queued_kind(const char *kind);
/* Seal one saved record to the clinic's box key in k (the sealed copy),
 * sign it as k's device and queue it at the end, replacing any envelope
 * the queue holds for that id; n is its number in the device's counter,
 * 0 to give it the next one. A risk record joins the risk-first list. */
int	 envelope_queue_keys(struct store *, const struct device_keys *,
	    const char *id, const char *kind, long long created_at,
	    const char *json, bool risk, long long n, struct sw_error *);
/* Whether the record with this id is one the clinic must see first. */
bool	 record_is_risk(const char *kind, const char *json);
/* A sealed array of ids (NULL state: empty); caller cJSON_Deletes. */
int	 id_list_load(struct store *, const char *name, cJSON **,
	    struct sw_error *);
bool	 id_list_has(const cJSON *, const char *id);
/* Check every kept message against the sealed keys (it opens with one of
 * the device's box keys, its signature holds under that enrollment's
 * clinic key, its inner fields match), dropping and counting in
 * bad_messages those that fail; *dropped (may be NULL) says how many. */
int	 inbox_check(struct store *, size_t *dropped, struct sw_error *);

#endif
