/* store.h: one encrypted SQLite database per profile. Clinical fields are
 * sealed with XChaCha20-Poly1305 under a key derived from the passphrase by
 * Argon2id; in clear are only record ids, a sent flag, opaque state keys,
 * the key's parameters, the reminder time and sync state (store.c). */
#ifndef STEPWISE_STORE_H
#define STEPWISE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* Argon2id cost: 3 passes over 64 MiB. 64 MiB leaves room on a 512 MiB
 * machine running a desktop; about 0.2 s on a 2020 laptop core and about
 * 1.5 s on a Raspberry Pi 3. Stored per profile, so it can change later. */
#define STORE_KDF_OPSLIMIT	3ULL
#define STORE_KDF_MEMLIMIT	(64ULL * 1024 * 1024)

#define STORE_ID_LEN	32	/* hex characters of a record id */

struct store;

/* passphrase NULL makes a profile without one (the caller has warned): its
 * key is random and kept in the file, so it is not protected at all. */
int	store_create(const char *path, const char *passphrase,
	    struct sw_error *);
/* Whether the profile at path was made with a passphrase; -1 on error. */
int	store_has_passphrase(const char *path, struct sw_error *);
/* A wrong passphrase fails with SW_EPASSPHRASE and writes nothing. */
int	store_open(const char *path, const char *passphrase,
	    struct store **, struct sw_error *);
void	store_close(struct store *);
/* Whether a passphrase protects the profile (false: anyone who can read
 * its file can read it). */
bool	store_protected(struct store *);

/* When the profile was made (Unix seconds). */
long long store_created_at(struct store *);

/* When something next waits for the patient (0: nothing), kept in clear so
 * "stepwise remind" can answer from a shell start-up file without asking for
 * the passphrase. It says only "something is due", never what. */
int	store_set_remind_at(struct store *, long long at, struct sw_error *);
/* Reads it without the key; 0 when unknown. -1 on error. */
int	store_read_remind_at(const char *path, long long *at,
	    struct sw_error *);

/* Add a record; it is durable on disk when this returns 0. id_out (may be
 * NULL) gets the new record's random id, STORE_ID_LEN + 1 bytes. */
int	store_put_record(struct store *, const char *kind, long long created_at,
	    const char *json, char *id_out, struct sw_error *);

/* Called for each record in created_at order (then the order they were
 * saved in); json is wiped after the call returns. A non-zero return stops
 * the walk and is returned. fn may write to the store. */
typedef int (*store_record_fn)(void *arg, const char *id, const char *kind,
    long long created_at, const char *json);
int	store_each_record(struct store *, const char *kind, store_record_fn,
	    void *arg, struct sw_error *);
int	store_count_records(struct store *, const char *kind,
	    struct sw_error *);

/* A record's number in the device's counter (stepwise-protocol(7), THE
 * ENVELOPE's n), sealed beside it: 0 when it has none (not queued by the
 * current enrollment). */
int	store_record_set_n(struct store *, const char *id, long long n,
	    struct sw_error *);
int	store_record_n(struct store *, const char *id, long long *n,
	    struct sw_error *);

/* Group several writes into one transaction: a record and its envelope are
 * kept together or not at all. Not nested. */
int	store_begin(struct store *, struct sw_error *);
int	store_commit(struct store *, struct sw_error *);
void	store_rollback(struct store *);

/* Sealed key/value state: lesson progress, drafts. get gives NULL in *json
 * when the key is absent; else the JSON in locked memory (sodium_malloc),
 * which the caller frees with store_secret_free(). */
int	store_put_state(struct store *, const char *key, const char *json,
	    struct sw_error *);
int	store_get_state(struct store *, const char *key, char **json,
	    struct sw_error *);
int	store_delete_state(struct store *, const char *key, struct sw_error *);
void	store_secret_free(char *);
/* j printed (unformatted) into locked memory, for what is about to be
 * sealed: free with store_secret_free(). NULL when memory runs out. */
struct cJSON;
char	*store_json_print(const struct cJSON *j);
/* Each state name starting with prefix, in name order (names are sealed:
 * every state is opened to find them). */
int	store_each_state_key(struct store *, const char *prefix,
	    int (*fn)(void *arg, const char *key), void *arg,
	    struct sw_error *);

#endif
