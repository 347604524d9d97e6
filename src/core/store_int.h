/* store_int.h: for core modules that keep their own clear tables in the
 * profile file next to the store's (outbox.c). Not for front ends. */
#ifndef STEPWISE_STORE_INT_H
#define STEPWISE_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

sqlite3	*store_sqlite(struct store *);
/* Why db's last call failed, in words a patient can act on where there
 * are such words (a full disk, a folder that cannot be written, another
 * Stepwise at work), else SQLite's own. */
const char *store_db_words(sqlite3 *db);

#endif
