/* store_int.h: for core modules that keep their own clear tables in the
 * profile file next to the store's (outbox.c). Not for front ends. */
#ifndef STEPWISE_STORE_INT_H
#define STEPWISE_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

sqlite3	*store_sqlite(struct store *);

#endif
