/* store_int.h: for core modules that keep their own clear tables in the
 * profile file next to the store's (outbox.c). Not for front ends. */
#ifndef STEPWISE_STORE_INT_H
#define STEPWISE_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

#include <stdbool.h>

/* Format 2's tables (store.c says what each column holds); a macro so the
 * migration makes the same under another name. */
#define STORE_RECORDS_SCHEMA(t) \
	"CREATE TABLE " t "(id TEXT PRIMARY KEY, body BLOB NOT NULL," \
	" sent INTEGER NOT NULL DEFAULT 0, n BLOB NOT NULL);"
#define STORE_STATE_SCHEMA(t) \
	"CREATE TABLE " t "(key TEXT PRIMARY KEY, body BLOB NOT NULL);"

sqlite3	*store_sqlite(struct store *);

/* A plaintext in sodium_malloc'd memory, reused from one row to the next
 * and wiped when it grows or is freed. */
struct sbuf {
	char	*p;
	size_t	 cap;
};
void	 sbuf_free(struct sbuf *);
/* Open a value sealed under the store key for table and rowkey into b;
 * false when it does not authenticate. */
bool	 store_unseal_buf(struct store *, const char *table,
	    const char *rowkey, const void *in, size_t inlen, struct sbuf *b);

/* A record into table ("records", or the migration's new table) with the
 * given rowid (0: the next), sent flag and counter number. */
int	 store_insert_record(struct store *, const char *table,
	    long long rowid, const char *id, const char *kind,
	    long long created_at, const char *json, bool sent, long long n,
	    struct sw_error *);
/* A state into table ("state", or the migration's new one). */
int	 store_put_state_in(struct store *, const char *table,
	    const char *name, const char *json, struct sw_error *);
/* The opaque row key of a state's name (hex, 64 characters). */
void	 store_state_rowkey(struct store *, const char *name, char out[65]);
/* meta values: sealed text, and clear integers. 0 or -1. */
int	 store_seal_meta(struct store *, const char *name, const char *value);
int	 store_meta_int(struct store *, const char *name, long long *);
int	 store_set_meta_int(struct store *, const char *name, long long);

/* Format 1 to 2, at the first unlock, in one transaction (migrate.c). */
int	 store_migrate(struct store *, struct sw_error *);
/* What a format 1 profile's clear tables can be given without the key
 * (migrate.c): the queue without its risk and time columns, in the order
 * it had, sent times and message times and read times made flags. Its
 * own transaction unless one is open. 0, or -1 (nothing changed). */
int	 store_migrate_clear(sqlite3 *);
/* Why db's last call failed, in words a patient can act on where there
 * are such words (a full disk, a folder that cannot be written, another
 * Stepwise at work), else SQLite's own. */
const char *store_db_words(sqlite3 *db);

#endif
