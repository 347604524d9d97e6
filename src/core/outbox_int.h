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

/* Whether the three clear tables exist (they are made by enrolling). */
bool	 sync_tables_exist(sqlite3 *);
/* Clear sync state. get gives a new string or NULL when absent. */
char	*sync_get(sqlite3 *, const char *key);
long long sync_get_int(sqlite3 *, const char *key, long long dflt);
int	 sync_set(sqlite3 *, const char *key, const char *value);
int	 sync_set_int(sqlite3 *, const char *key, long long);
int	 sync_del(sqlite3 *, const char *key);
int	 sync_db_fail(sqlite3 *, struct sw_error *);
/* The device id when this profile is enrolled, else false. */
bool	 sync_device(sqlite3 *, char device[PROTO_ID_LEN + 1]);

/* One device box key pair: the current one, or one kept from an earlier
 * enrollment so that messages fetched for it can still be read. */
struct device_box {
	char		 device[PROTO_ID_LEN + 1];
	unsigned char	 pk[PROTO_KEY_LEN];
	unsigned char	*sk;		/* sodium_malloc'd */
};

/* The sealed "sync:keys" state, secrets in sodium_malloc'd memory. box[0]
 * is the current device; the others are earlier enrollments. */
struct device_keys {
	struct device_box *box;
	size_t		 n_box;
	unsigned char	*sign_sk;	/* sodium_malloc'd, 64 bytes */
	cJSON		*info;		/* clinic, contact, crisis */
};
int	 device_keys_load(struct store *, struct device_keys *,
	    struct sw_error *);
void	 device_keys_free(struct device_keys *);

#endif
