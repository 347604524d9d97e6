/* migrate.c: a format 1 profile made format 2 (store.c says what each
 * holds). Format 1 kept in clear each record's kind and time, when it was
 * sent, the state names and times, each queued envelope's risk flag and
 * time, and when each message came and was read. Without the key only the
 * clear tables can change: the queue loses its risk and time columns
 * (kept in the order they gave), and times become flags. The rest waits
 * for the first unlock, which does all of it in one transaction, so a
 * kill at any moment leaves format 1 or format 2, both of which open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "i18n.h"
#include "outbox_int.h"
#include "store_int.h"
#include "util.h"

static bool
has_column(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt	*s;
	bool		 yes = false;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info(?) "
	    "WHERE name = ?", -1, &s, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, column, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		yes = sqlite3_column_int(s, 0) > 0;
	sqlite3_finalize(s);
	return yes;
}

/* The queue in the order format 1 sent it (risk first, then oldest): its
 * rows' order is the order from now on. A record sent is 2 when that was
 * under the current enrollment, else 1, so that the first unlock knows
 * which records the current enrollment queued; a message read is 1. */
static const char clear_sql[] =
    "CREATE TABLE outbox_v2(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    " envelope TEXT NOT NULL, rejected TEXT);"
    "INSERT INTO outbox_v2(id, envelope, rejected) SELECT id, envelope,"
    " rejected FROM outbox ORDER BY risk DESC, created_at, id;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox_v2 RENAME TO outbox;"
    "CREATE TABLE inbox_v2(id TEXT PRIMARY KEY, seq INTEGER NOT NULL,"
    " ciphertext BLOB NOT NULL, signature BLOB NOT NULL, read_at INTEGER);"
    "INSERT INTO inbox_v2 SELECT id, seq, ciphertext, signature,"
    " CASE WHEN read_at IS NULL THEN NULL ELSE 1 END FROM inbox ORDER BY seq;"
    "DROP TABLE inbox;"
    "ALTER TABLE inbox_v2 RENAME TO inbox;";
static const char sent_sql[] =
    "UPDATE records SET synced_at = CASE WHEN synced_at >= coalesce((SELECT"
    " CAST(value AS INTEGER) FROM sync_state WHERE key = 'enrolled_at'), 0)"
    " THEN 2 ELSE 1 END WHERE synced_at IS NOT NULL;";

int
store_migrate_clear(sqlite3 *db)
{
	bool	own = sqlite3_get_autocommit(db);
	int	rc = 0;

	if (!sync_tables_exist(db) || !has_column(db, "outbox", "risk"))
		return 0;
	if (sqlite3_exec(db, own ? "BEGIN IMMEDIATE" : "SAVEPOINT migrate",
	    NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_exec(db, clear_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    (has_column(db, "records", "synced_at") &&
	    sqlite3_exec(db, sent_sql, NULL, NULL, NULL) != SQLITE_OK))
		rc = -1;
	if (rc == 0 && sqlite3_exec(db, own ? "COMMIT" : "RELEASE migrate",
	    NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	sqlite3_exec(db, own ? "ROLLBACK" : "ROLLBACK TO migrate; RELEASE "
	    "migrate", NULL, NULL, NULL);
	return -1;
}

/* What the walk over format 1's records gathers for the sealed state. */
struct walk {
	bool	 enrolled;
	long long next_n;	/* the counter, from 1 */
	char	(*risk)[STORE_ID_LEN + 1];	/* risk records */
	size_t	 n_risk;
};

/* One format 1 record into records_v2, its rowid kept (the save order). A
 * record the current enrollment queued (not sent, or sent under it) is
 * numbered in time order, as it was queued. */
static int
record_move(struct store *st, sqlite3_stmt *s, struct sbuf *b,
    struct walk *w, struct sw_error *err)
{
	const char	*id = (const char *)sqlite3_column_text(s, 1);
	const char	*kind = (const char *)sqlite3_column_text(s, 2);
	long long	 at = sqlite3_column_int64(s, 3), n = 0;
	bool		 sent = sqlite3_column_type(s, 5) != SQLITE_NULL;

	if (id == NULL || kind == NULL || !store_unseal_buf(st, "records", id,
	    sqlite3_column_blob(s, 4), (size_t)sqlite3_column_bytes(s, 4), b))
		return sw_fail(err, SW_ECORRUPT, _("Record %s in the profile is "
		    "damaged and cannot be read."), id != NULL ? id : "?");
	if (w->enrolled && queued_kind(kind) && (!sent ||
	    sqlite3_column_int64(s, 5) >= 2))
		n = w->next_n++;
	if (n > 0 && !sent && record_is_risk(kind, b->p)) {
		w->risk = xreallocarray(w->risk, w->n_risk + 1, sizeof *w->risk);
		snprintf(w->risk[w->n_risk++], STORE_ID_LEN + 1, "%s", id);
	}
	return store_insert_record(st, "records_v2", sqlite3_column_int64(s, 0),
	    id, kind, at, b->p, sent, n, err);
}

static int
records_move(struct store *st, struct walk *w, struct sw_error *err)
{
	sqlite3		*db = store_sqlite(st);
	struct sbuf	 b = { 0 };
	sqlite3_stmt	*s;
	int		 rc, ret = 0;

	if (sqlite3_exec(db, STORE_RECORDS_SCHEMA("records_v2"), NULL, NULL,
	    NULL) != SQLITE_OK || sqlite3_prepare_v2(db, "SELECT rowid, id, "
	    "kind, created_at, body, synced_at FROM records ORDER BY "
	    "created_at, rowid", -1, &s, NULL) != SQLITE_OK)
		return sync_db_fail(db, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((ret = record_move(st, s, &b, w, err)) != 0)
			break;
	if (ret == 0 && rc != SQLITE_DONE)
		ret = sync_db_fail(db, err);
	sqlite3_finalize(s);
	sbuf_free(&b);
	if (ret == 0 && sqlite3_exec(db, "DROP TABLE records; ALTER TABLE "
	    "records_v2 RENAME TO records", NULL, NULL, NULL) != SQLITE_OK)
		ret = sync_db_fail(db, err);
	return ret;
}

/* Format 1 state rows were keyed by name; they move under opaque keys. */
static int
state_move(struct store *st, struct sw_error *err)
{
	sqlite3		*db = store_sqlite(st);
	struct sbuf	 b = { 0 };
	sqlite3_stmt	*s;
	int		 rc, ret = 0;

	if (sqlite3_exec(db, STORE_STATE_SCHEMA("state_v2"), NULL, NULL,
	    NULL) != SQLITE_OK || sqlite3_prepare_v2(db, "SELECT key, body FROM "
	    "state ORDER BY key", -1, &s, NULL) != SQLITE_OK)
		return sync_db_fail(db, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);

		if (name == NULL || !store_unseal_buf(st, "state", name,
		    sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s,
		    1), &b)) {
			ret = sw_fail(err, SW_ECORRUPT, _("Saved state \"%s\" "
			    "is damaged and cannot be read."), name ? name : "");
			break;
		}
		if ((ret = store_put_state_in(st, "state_v2", name, b.p,
		    err)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = sync_db_fail(db, err);
	sqlite3_finalize(s);
	sbuf_free(&b);
	if (ret == 0 && sqlite3_exec(db, "DROP TABLE state; ALTER TABLE "
	    "state_v2 RENAME TO state", NULL, NULL, NULL) != SQLITE_OK)
		ret = sync_db_fail(db, err);
	return ret;
}

/* An array of the ids a query gives, as sealed state name. */
static int
ids_to_state(struct store *st, const char *sql, const struct walk *w,
    const char *name, struct sw_error *err)
{
	sqlite3		*db = store_sqlite(st);
	sqlite3_stmt	*s;
	cJSON		*a = cJSON_CreateArray();
	char		*text;
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		cJSON_Delete(a);
		return sync_db_fail(db, err);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		bool keep = w == NULL;

		for (size_t i = 0; !keep && i < w->n_risk; i++)
			keep = strcmp(w->risk[i], id) == 0;
		if (keep)
			cJSON_AddItemToArray(a, cJSON_CreateString(id));
	}
	sqlite3_finalize(s);
	text = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	rc = rc == SQLITE_DONE ? store_put_state(st, name, text, err) :
	    sync_db_fail(db, err);
	free(text);
	return rc;
}

/* The sync tables' sealed parts: read marks, the counter, the risk-first
 * list (risk records still waiting, in queue order). */
static int
sync_move(struct store *st, const struct walk *w, struct sw_error *err)
{
	sqlite3	*db = store_sqlite(st);
	char	 next[48];

	if (!sync_tables_exist(db))
		return 0;
	if (ids_to_state(st, "SELECT id FROM inbox WHERE read_at IS NOT NULL "
	    "ORDER BY seq", NULL, INBOX_READ_STATE, err) != 0 ||
	    sqlite3_exec(db, "CREATE TABLE inbox_v2(id TEXT PRIMARY KEY,"
	    " seq INTEGER NOT NULL, ciphertext BLOB NOT NULL,"
	    " signature BLOB NOT NULL);"
	    "INSERT INTO inbox_v2 SELECT id, seq, ciphertext, signature FROM"
	    " inbox ORDER BY seq;"
	    "DROP TABLE inbox; ALTER TABLE inbox_v2 RENAME TO inbox;", NULL,
	    NULL, NULL) != SQLITE_OK)
		return sync_db_fail(db, err);
	if (!w->enrolled)
		return 0;
	snprintf(next, sizeof next, "{\"next\":%lld}", w->next_n);
	if (store_put_state(st, SYNC_COUNTER_STATE, next, err) != 0)
		return -1;
	return ids_to_state(st, "SELECT id FROM outbox WHERE rejected IS NULL "
	    "ORDER BY seq", w, SYNC_PRIORITY_STATE, err);
}

static int
enrolled_v1(sqlite3 *db)
{
	sqlite3_stmt	*s;
	int		 yes;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM state WHERE key = ?", -1, &s,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, SYNC_KEYS_STATE, -1, SQLITE_STATIC);
	yes = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return yes;
}

static int
meta_move(struct store *st)
{
	long long	born;
	char		text[32];

	if (store_meta_int(st, "created_at", &born) == 0) {
		snprintf(text, sizeof text, "%lld", born);
		if (store_seal_meta(st, "created_at", text) != 0)
			return -1;
	}
	return store_set_meta_int(st, "format", 2);
}

int
store_migrate(struct store *st, struct sw_error *err)
{
	sqlite3		*db = store_sqlite(st);
	struct walk	 w = { false, 1, NULL, 0 };
	int		 enrolled;

	if (store_begin(st, err) != 0)
		return -1;
	if ((enrolled = enrolled_v1(db)) < 0 || store_migrate_clear(db) != 0) {
		sync_db_fail(db, err);
		goto fail;
	}
	w.enrolled = enrolled == 1;
	if (records_move(st, &w, err) != 0 || state_move(st, err) != 0 ||
	    sync_move(st, &w, err) != 0)
		goto fail;
	if (meta_move(st) != 0) {
		sync_db_fail(db, err);
		goto fail;
	}
	free(w.risk);
	return store_commit(st, err);
fail:
	free(w.risk);
	store_rollback(st);
	return -1;
}
