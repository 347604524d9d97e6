/* test_migrate.c: a format 1 profile (written by tests/tools/v1_fixture.c
 * with that format's own SQL and sealing) made format 2: every record,
 * draft, message and queue entry intact, nothing telling left in the file,
 * the clear tables changed by a sync without the key, a wrong passphrase
 * changing nothing, and a kill at any moment of the migration leaving a
 * profile that opens. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "draft.h"
#include "outbox.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "unit.h"
#include "v1_fixture.h"

#define PASS	"correct horse battery"

static char dir[256];
static char path[300];
static struct v1_fixture fx;

static void
setup(void)
{
	unit_tmpdir(dir, sizeof dir, "migrate");
	snprintf(path, sizeof path, "%s/p.db", dir);
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	(void)!system(cmd);
	free(cmd);
}

static long long
query_int(const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*s;
	long long	 v = -1;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static struct store *
unlock(void)
{
	struct sw_error	 err = { 0 };
	struct store	*st;

	ck_assert_msg(store_open(path, PASS, &st, &err) == 0, "%s", err.msg);
	return st;
}

struct seen {
	size_t	 n;
	char	 ids[8][PROTO_ID_LEN + 1];
	char	 kinds[8][16];
	long long at[8];
	char	 json[8][256];
};

static int
collect(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->n, 8);
	snprintf(s->ids[s->n], sizeof s->ids[0], "%s", id);
	snprintf(s->kinds[s->n], sizeof s->kinds[0], "%s", kind);
	snprintf(s->json[s->n], sizeof s->json[0], "%s", json);
	s->at[s->n++] = at;
	return 0;
}

static void
assert_records_intact(struct store *st)
{
	struct sw_error	err = { 0 };
	struct seen	s = { 0 };

	ck_assert_int_eq(store_each_record(st, NULL, collect, &s, &err), 0);
	ck_assert_uint_eq(s.n, V1_N_RECORDS);
	/* The fixture's records are in time order already. */
	for (size_t i = 0; i < V1_N_RECORDS; i++) {
		ck_assert_str_eq(s.ids[i], fx.records[i].id);
		ck_assert_str_eq(s.kinds[i], fx.records[i].kind);
		ck_assert_int_eq(s.at[i], fx.records[i].created_at);
		ck_assert_str_eq(s.json[i], fx.records[i].json);
	}
	ck_assert_int_eq(store_count_records(st, "checkin", &err), 2);
	ck_assert_int_eq(store_count_records(st, "risk", &err), 1);
}

static int
count_draft(void *arg, const char *kind, const char *id)
{
	(void)kind;
	(void)id;
	(*(int *)arg)++;
	return 0;
}

static void
assert_states_intact(struct store *st)
{
	struct sw_error	 err = { 0 };
	char		*json;
	int		 drafts = 0;

	ck_assert_int_eq(store_get_state(st, "draft:checkin:phq9", &json,
	    &err), 0);
	ck_assert_str_eq(json, V1_DRAFT_PHQ9);
	store_secret_free(json);
	ck_assert_int_eq(store_get_state(st, "draft:exercise:safety-plan",
	    &json, &err), 0);
	ck_assert_str_eq(json, V1_DRAFT_PLAN);
	store_secret_free(json);
	ck_assert_int_eq(store_get_state(st, "lesson:what-is-cbt", &json,
	    &err), 0);
	ck_assert_str_eq(json, "{\"done\":true}");
	store_secret_free(json);
	ck_assert_int_eq(draft_each(st, count_draft, &drafts, &err), 0);
	ck_assert_int_eq(drafts, 2);
}

static void
assert_messages_intact(struct store *st)
{
	struct sw_error	 err = { 0 };
	struct message	*v;
	size_t		 n;

	ck_assert_msg(messages_load(st, &v, &n, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].id, fx.messages[0]);
	ck_assert_str_eq(v[0].text, V1_MESSAGE_READ);
	ck_assert(v[0].read);
	ck_assert_str_eq(v[1].text, V1_MESSAGE_NEW);
	ck_assert(!v[1].read);
	messages_free(v, n);
}

/* Format 1 queued version 1 envelopes: a client of version 2 sends each
 * as it is, marked version 1 in the POST /v2/sync body, where it verifies
 * under "stepwise-record-v1" and opens with 256-byte padding, as a clinic
 * of either version checks it. */
static void
assert_sent_as_v1(struct outbox *ob, const struct outbox_batch *b)
{
	struct sw_error		 err = { 0 };
	struct proto_sync2	 y;
	unsigned char		*body, *m;
	size_t			 len, mlen;
	const char		*why;
	char			*plain, *want;

	ck_assert_int_eq(outbox_sync_body(ob, b, 1790000000, 2, &body, &len,
	    &err), 0);
	ck_assert_int_eq(proto_sync2_parse(body, len, &y, &why), 0);
	ck_assert_str_eq(y.device, fx.device);
	ck_assert_uint_eq(y.n, 2);
	for (size_t i = 0; i < y.n; i++) {
		ck_assert_int_eq(y.rec[i].v, 1);
		ck_assert_str_eq(y.rec[i].id, b->ids[i]);
		ck_assert_uint_eq((y.rec[i].ctlen - 48) % 256, 0);
		m = proto_envelope_bytes(PROTO_CTX_RECORD, fx.device,
		    y.rec[i].id, y.rec[i].ct, y.rec[i].ctlen, &mlen);
		ck_assert_int_eq(crypto_sign_verify_detached(y.rec[i].sig, m,
		    mlen, fx.device_sign_pk), 0);
		free(m);
		plain = proto_open(y.rec[i].ct, y.rec[i].ctlen,
		    fx.clinic_box_pk, fx.clinic_box_sk);
		ck_assert_ptr_nonnull(plain);
		want = xasprintf("{\"v\":1,\"id\":\"%s\"", y.rec[i].id);
		ck_assert_msg(strncmp(plain, want, strlen(want)) == 0, "%s",
		    plain);
		free(want);
		free(plain);
	}
	free(body);
}

/* The queue: the risk record, then the exercise entry; without the key in
 * the order format 1 sent them, which put the risk record first. */
static void
assert_queue_intact(struct outbox *ob)
{
	struct sw_error		err = { 0 };
	struct outbox_batch	b;

	ck_assert_int_eq(outbox_next_batch(ob, 8, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_str_eq(b.ids[0], fx.records[3].id);
	ck_assert_str_eq(b.ids[1], fx.records[2].id);
	assert_sent_as_v1(ob, &b);
	outbox_batch_free(&b);
}

static bool
file_has(const char *p, const char *needle)
{
	size_t	 len;
	char	*data = read_file(p, &len);
	bool	 found;

	if (data == NULL)
		return false;
	found = memmem(data, len, needle, strlen(needle)) != NULL;
	free(data);
	return found;
}

static bool
file_has_bytes(const char *p, const unsigned char *b, size_t n)
{
	size_t	 len;
	char	*data = read_file(p, &len);
	bool	 found;

	if (data == NULL)
		return false;
	found = memmem(data, len, b, n) != NULL;
	free(data);
	return found;
}

/* Every word and time that would tell something, in the file and in a
 * journal if one is left. */
static void
assert_nothing_telling(void)
{
	static const char *const words[] = { "checkin", "exercise", "risk",
	    "reply", "draft:", "lesson:", "sync:keys", "safety-plan", "phq9",
	    "gad7", "read_at", "received_at", "synced_at", "updated_at",
	    NULL };
	const long long times[] = { V1_T_RECORD0, V1_T_SYNCED0, V1_T_RECORD1,
	    V1_T_SYNCED1, V1_T_RECORD2, V1_T_RECORD3, V1_T_STATE, V1_T_SENT,
	    V1_T_RECEIVED, V1_T_READ, 1700000001LL };
	char	journal[320], t[32];
	const char *files[] = { path, journal };

	snprintf(journal, sizeof journal, "%s-journal", path);
	for (size_t f = 0; f < 2; f++) {
		if (access(files[f], F_OK) != 0)
			continue;
		for (size_t i = 0; words[i] != NULL; i++)
			ck_assert_msg(!file_has(files[f], words[i]), "%s holds "
			    "\"%s\"", files[f], words[i]);
		for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
			unsigned char be[4];

			snprintf(t, sizeof t, "%lld", times[i]);
			ck_assert_msg(!file_has(files[f], t), "%s holds the "
			    "time %s", files[f], t);
			/* As SQLite keeps such an integer: 4 bytes,
			 * big-endian. */
			for (int k = 0; k < 4; k++)
				be[k] = (unsigned char)(times[i] >> (24 - 8 * k));
			ck_assert_msg(!file_has_bytes(files[f], be, 4), "%s "
			    "holds the time %s as an integer", files[f], t);
		}
	}
}

START_TEST(test_v1_profile_opens_migrated_with_everything_intact)
{
	struct sw_error		 err = { 0 };
	struct unlock_report	 r;
	struct store		*st;
	struct outbox		*ob;
	long long		 n;

	v1_fixture_write(path, PASS, 0, &fx);
	/* The control: format 1 tells all of this in clear. */
	ck_assert(file_has(path, "draft:exercise:safety-plan"));
	{
		const unsigned char be[4] = { 0x65, 0x53, 0xf2, 0x5a };

		ck_assert_int_eq(V1_T_RECORD3, 0x6553f25aLL);
		ck_assert(file_has_bytes(path, be, 4));
	}
	ck_assert(file_has(path, "risk"));
	ck_assert_int_eq(query_int("SELECT count(*) FROM outbox WHERE risk = "
	    "1"), 1);
	st = unlock();
	ck_assert_int_eq(query_int("SELECT CAST(value AS INTEGER) FROM meta "
	    "WHERE key = 'format'"), 2);
	ck_assert_int_eq(outbox_verify_at_unlock(st, &r, &err), 0);
	ck_assert(!r.redirected);
	ck_assert_uint_eq(r.bad_messages, 0);
	assert_records_intact(st);
	assert_states_intact(st);
	assert_messages_intact(st);
	ck_assert_int_eq(outbox_from_store(st, &ob, &err), 0);
	assert_queue_intact(ob);
	outbox_close(ob);
	/* Sent: the two the clinic had; numbered: the three the current
	 * enrollment queued, in time order. */
	ck_assert_int_eq(query_int("SELECT group_concat(sent, '') FROM "
	    "(SELECT sent FROM records ORDER BY rowid)"), 1100);
	for (size_t i = 0; i < V1_N_RECORDS; i++) {
		ck_assert_int_eq(store_record_n(st, fx.records[i].id, &n, &err),
		    0);
		ck_assert_int_eq(n, (long long)i);
	}
	ck_assert_int_eq(store_created_at(st), 1700000001LL);
	store_close(st);
	/* Opening again changes nothing and finds it all. */
	st = unlock();
	assert_records_intact(st);
	assert_states_intact(st);
	store_close(st);
	assert_nothing_telling();
}
END_TEST

START_TEST(test_v1_sync_without_the_key_migrates_the_clear_tables)
{
	struct sw_error	 err = { 0 };
	struct outbox	*ob;
	struct store	*st;

	v1_fixture_write(path, PASS, 0, &fx);
	ck_assert_msg(outbox_open(path, &ob, &err) == 0, "%s", err.msg);
	assert_queue_intact(ob);
	outbox_close(ob);
	ck_assert_int_eq(query_int("SELECT count(*) FROM pragma_table_info("
	    "'outbox') WHERE name IN ('risk', 'created_at')"), 0);
	ck_assert_int_eq(query_int("SELECT count(*) FROM pragma_table_info("
	    "'inbox') WHERE name = 'received_at'"), 0);
	ck_assert_int_eq(query_int("SELECT max(synced_at) FROM records"), 2);
	ck_assert_int_eq(query_int("SELECT max(read_at) FROM inbox"), 1);
	ck_assert(!file_has(path, "1700000524"));
	/* Still format 1 until unlocked; then all of it. */
	ck_assert_int_eq(query_int("SELECT CAST(value AS INTEGER) FROM meta "
	    "WHERE key = 'format'"), 1);
	st = unlock();
	assert_records_intact(st);
	assert_states_intact(st);
	assert_messages_intact(st);
	store_close(st);
	assert_nothing_telling();
}
END_TEST

static char *
file_hash(void)
{
	size_t		 len;
	char		*data = read_file(path, &len);
	unsigned char	 h[32];
	char		*hex = xmalloc(65);

	ck_assert_ptr_nonnull(data);
	crypto_generichash(h, sizeof h, (unsigned char *)data, len, NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof h);
	free(data);
	return hex;
}

START_TEST(test_v1_wrong_passphrase_migrates_nothing)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	char		*before, *after;

	v1_fixture_write(path, PASS, 0, &fx);
	before = file_hash();
	ck_assert_int_eq(store_open(path, "not the one", &st, &err), -1);
	ck_assert_int_eq(err.code, SW_EPASSPHRASE);
	after = file_hash();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

/* Killed at a drawn moment while the first unlock migrates a profile of a
 * few thousand records: whatever the moment, the profile opens after, as
 * format 1 rolled back or format 2, with every record. */
START_TEST(test_kill_during_migration_leaves_a_profile_that_opens)
{
	enum { EXTRA = 3000, ROUNDS = 12 };
	struct sw_error	 err = { 0 };
	struct store	*st;
	struct timespec	 t0, t1;
	long		 full_us, wait_us;
	int		 status, mid = 0;
	char		 journal[320];
	pid_t		 pid;

	snprintf(journal, sizeof journal, "%s-journal", path);
	/* How long a whole migration takes here, to draw moments inside. */
	v1_fixture_write(path, PASS, EXTRA, &fx);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = unlock();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	store_close(st);
	full_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec -
	    t0.tv_nsec) / 1000;
	for (int round = 0; round < ROUNDS; round++) {
		unlink(path);
		v1_fixture_write(path, PASS, EXTRA, &fx);
		wait_us = (long)randombytes_uniform((uint32_t)full_us + 1);
		if ((pid = fork()) == 0) {
			struct store *c;

			_exit(store_open(path, PASS, &c, &err) == 0 ? 0 : 3);
		}
		usleep((useconds_t)wait_us);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		mid += WIFSIGNALED(status) && access(journal, F_OK) == 0;
		ck_assert_msg(store_open(path, PASS, &st, &err) == 0, "round "
		    "%d: %s", round, err.msg);
		ck_assert_int_eq(store_count_records(st, NULL, &err),
		    V1_N_RECORDS + EXTRA);
		assert_states_intact(st);
		assert_messages_intact(st);
		store_close(st);
		ck_assert_int_eq(query_int("SELECT CAST(value AS INTEGER) FROM "
		    "meta WHERE key = 'format'"), 2);
	}
	/* Which moments fell inside a write depends on the machine; the
	 * test above holds for each of them. */
	fprintf(stderr, "migration of %d records: %ld us; %d of %d kills "
	    "left an interrupted write\n", V1_N_RECORDS + EXTRA, full_us, mid,
	    ROUNDS);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("migrate");
	TCase	*tc = tcase_create("v1");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_v1_profile_opens_migrated_with_everything_intact);
	tcase_add_test(tc, test_v1_sync_without_the_key_migrates_the_clear_tables);
	tcase_add_test(tc, test_v1_wrong_passphrase_migrates_nothing);
	tcase_add_test(tc, test_kill_during_migration_leaves_a_profile_that_opens);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(suite());
}
