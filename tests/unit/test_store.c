/* test_store.c: the encrypted profile store: sealing, wrong passphrases,
 * permissions, tampering, and crash safety under SIGKILL. */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>
#include <sqlite3.h>

#include "outbox.h"
#include "passcheck.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "unit.h"

#define PASS	"correct horse battery"
#define MARKER	"PLAINTEXT-MARKER-7f3a"

static char dir[256];
static char path[300];

static void
setup(void)
{
	unit_tmpdir(dir, sizeof dir, "store");
	snprintf(path, sizeof path, "%s/p.db", dir);
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	(void)!system(cmd);
	free(cmd);
}

static char *
file_hash(const char *p)
{
	size_t		 len;
	char		*data = read_file(p, &len);
	unsigned char	 h[32];
	char		*hex = xmalloc(65);

	ck_assert_ptr_nonnull(data);
	crypto_generichash(h, sizeof h, (unsigned char *)data, len, NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof h);
	free(data);
	return hex;
}

static int
count_files(const char *d)
{
	char	*cmd = xasprintf("ls -A '%s' | wc -l", d);
	FILE	*f = popen(cmd, "r");
	int	 n = -1;

	ck_assert_int_eq(fscanf(f, "%d", &n), 1);
	pclose(f);
	free(cmd);
	return n;
}

static bool
file_contains(const char *p, const char *needle)
{
	size_t	 len;
	char	*data = read_file(p, &len);
	bool	 found;

	ck_assert_ptr_nonnull(data);
	found = memmem(data, len, needle, strlen(needle)) != NULL;
	free(data);
	return found;
}

START_TEST(test_create_open_roundtrip_records)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	char		 id[STORE_ID_LEN + 1];
	int		 n;

	ck_assert_int_eq(store_create(path, PASS, &err), 0);
	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	ck_assert_int_eq(store_put_record(st, "checkin", 100,
	    "{\"x\":\"" MARKER "\"}", id, &err), 0);
	ck_assert_uint_eq(strlen(id), STORE_ID_LEN);
	store_close(st);
	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	n = store_count_records(st, "checkin", &err);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(store_count_records(st, "exercise", &err), 0);
	store_close(st);
}
END_TEST

START_TEST(test_profile_file_is_private_and_sealed)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	struct stat	 sb;

	ck_assert_int_eq(store_create(path, PASS, &err), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	ck_assert_int_eq(store_put_record(st, "checkin", 1,
	    "{\"note\":\"" MARKER "\"}", NULL, &err), 0);
	ck_assert_int_eq(store_put_state(st, "draft:phq9",
	    "{\"note\":\"" MARKER "\"}", &err), 0);
	store_close(st);
	ck_assert(!file_contains(path, MARKER));
	ck_assert(!file_contains(path, PASS));
}
END_TEST

START_TEST(test_wrong_passphrase_changes_no_byte)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	char		*before, *after;
	int		 files;

	ck_assert_int_eq(store_create(path, PASS, &err), 0);
	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	ck_assert_int_eq(store_put_record(st, "checkin", 1, "{}", NULL, &err),
	    0);
	store_close(st);
	before = file_hash(path);
	files = count_files(dir);
	ck_assert_int_eq(store_open(path, "wrong horse battery", &st, &err),
	    -1);
	ck_assert_ptr_null(st);
	ck_assert_int_eq(err.code, SW_EPASSPHRASE);
	ck_assert_ptr_nonnull(strstr(err.msg, "passphrase"));
	after = file_hash(path);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(count_files(dir), files);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_no_passphrase_profile_opens_without_one)
{
	struct sw_error	 err = { 0 };
	struct store	*st;

	ck_assert_int_eq(store_create(path, NULL, &err), 0);
	ck_assert_int_eq(store_has_passphrase(path, &err), 0);
	ck_assert_int_eq(store_open(path, NULL, &st, &err), 0);
	ck_assert(!store_protected(st));
	store_close(st);
}
END_TEST

/* Made before profiles without a passphrase got a random key: the key is
 * Argon2id of "", and such a profile still opens, records and all. */
START_TEST(test_old_no_passphrase_profile_still_opens)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	sqlite3		*db;

	ck_assert_int_eq(store_create(path, "", &err), 0);
	ck_assert_int_eq(store_open(path, "", &st, &err), 0);
	ck_assert(store_protected(st));
	ck_assert_int_eq(store_put_record(st, "checkin", 5, "{\"total\":5}",
	    NULL, &err), 0);
	store_close(st);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE meta SET value = CAST('0' "
	    "AS BLOB) WHERE key = 'passphrase'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(store_has_passphrase(path, &err), 0);
	ck_assert_int_eq(store_open(path, "anything", &st, &err), 0);
	ck_assert(!store_protected(st));
	ck_assert_int_eq(store_count_records(st, "checkin", &err), 1);
	store_close(st);
}
END_TEST

/* Whether p lies in memory of sodium_malloc's: locked (never swapped
 * out), in a small mapping of its own between two guard pages, none of
 * which the malloc heap is. Under AddressSanitizer, whose mlock does
 * nothing and whose heap has guard pages of its own, only the guard pages
 * around p can be seen, and the control below is not asserted. */
#ifdef __SANITIZE_ADDRESS__
#define LOCKED_VISIBLE	false
#else
#define LOCKED_VISIBLE	true
#endif

static bool
in_locked_memory(const void *p)
{
	FILE		*f = fopen("/proc/self/smaps", "r");
	char		 line[512], perms[8];
	unsigned long	 lo, hi, kb, guard_end = 0, end = 0;
	bool		 before = false, after = false, inside = false;
	bool		 locked = false;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3) {
			if (inside && sscanf(line, "Locked: %lu kB", &kb) == 1)
				locked = kb > 0;
			continue;
		}
		if (end != 0 && lo == end)
			after = strcmp(perms, "---p") == 0;
		end = 0;
		inside = (unsigned long)p >= lo && (unsigned long)p < hi;
		if (inside) {
			before = guard_end == lo && hi - lo <= 64 * 1024;
			end = hi;
		}
		guard_end = strcmp(perms, "---p") == 0 ? hi : 0;
	}
	fclose(f);
	return before && after && (locked || !LOCKED_VISIBLE);
}

static int
record_in_locked_memory(void *arg, const char *id, const char *kind,
    long long at, const char *json)
{
	(void)id;
	(void)kind;
	(void)at;
	*(int *)arg += in_locked_memory(json) ? 1 : 100;
	return 0;
}

/* Decrypted drafts and records are held in sodium_malloc's locked,
 * guarded memory, and the JSON printed for sealing too. */
START_TEST(test_decrypted_state_and_records_are_in_locked_memory)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	cJSON		*j;
	char		*json, *plain;
	int		 seen = 0;

	ck_assert_int_eq(store_create(path, NULL, &err), 0);
	ck_assert_int_eq(store_open(path, NULL, &st, &err), 0);
	ck_assert_int_eq(store_put_state(st, "draft:checkin:phq9",
	    "{\"answers\":[1,2]}", &err), 0);
	ck_assert_int_eq(store_get_state(st, "draft:checkin:phq9", &json,
	    &err), 0);
	ck_assert_str_eq(json, "{\"answers\":[1,2]}");
	ck_assert(in_locked_memory(json));
	plain = xstrdup("control");
	if (LOCKED_VISIBLE)
		ck_assert(!in_locked_memory(plain));	/* the test can tell */
	free(plain);
	store_secret_free(json);
	ck_assert_int_eq(store_put_record(st, "checkin", 1, "{\"total\":3}",
	    NULL, &err), 0);
	ck_assert_int_eq(store_each_record(st, NULL, record_in_locked_memory,
	    &seen, &err), 0);
	ck_assert_int_eq(seen, 1);
	j = cJSON_Parse("{\"text\":\"a reply\"}");
	json = store_json_print(j);
	cJSON_Delete(j);
	ck_assert_str_eq(json, "{\"text\":\"a reply\"}");
	ck_assert(in_locked_memory(json));
	store_secret_free(json);
	store_close(st);
}
END_TEST

/* Whether two neighbouring characters of s (lowercased) are one apart. */
static bool
has_step(const char *s)
{
	for (size_t i = 0; s[i] != '\0' && s[i + 1] != '\0'; i++) {
		int a = tolower((unsigned char)s[i]);
		int b = tolower((unsigned char)s[i + 1]);

		if (a - b == 1 || b - a == 1)
			return true;
	}
	return false;
}

/* passphrase_check: the one rule both front ends use. */
START_TEST(test_common_passwords_refused_long_random_taken)
{
	static const char *const refused[] = { "password1", "letmein123",
	    "short", "abcdefgh", "qwertyuiop", NULL };
	struct pass_verdict	 v;
	unsigned char		 raw[24];
	char			 b64[64];

	for (size_t i = 0; refused[i] != NULL; i++) {
		passphrase_check(refused[i], &v);
		ck_assert_msg(!v.ok, "%s was taken", refused[i]);
		ck_assert_ptr_nonnull(v.words);
	}
	passphrase_check("password1", &v);
	ck_assert_ptr_nonnull(strstr(v.words, "common password"));
	passphrase_check("ab\xc3\xa9\xc3\xa9\xc3\xa9", &v);
	ck_assert_ptr_nonnull(strstr(v.words, "at least 8 characters"));
	/* Random, but without neighbours one apart: cracklib refuses about
	 * one random string in a hundred for those (the test below). */
	do {
		randombytes_buf(raw, sizeof raw);
		sodium_bin2base64(b64, sizeof b64, raw, sizeof raw,
		    sodium_base64_VARIANT_ORIGINAL);
	} while (has_step(b64));
	passphrase_check(b64, &v);
	ck_assert_msg(v.ok, "%s refused: %s", b64, v.words);
	ck_assert_int_eq(v.strength, PASS_STRONG);
	ck_assert_str_eq(v.words, "Strength: strong.");
	passphrase_check("correct horse battery staple", &v);
	ck_assert(v.ok);
}
END_TEST

/* cracklib refuses a password with more than a few neighbouring
 * characters one apart before it looks in its dictionary: about one long
 * random string in a hundred, and dictionary words too. The refusal
 * stands (the dictionary was never consulted) and says the real reason;
 * the check that the dictionary can be read never fails by chance. */
START_TEST(test_letters_in_order_refused_with_their_reason)
{
	static const char *const in_order[] = { "abcdefgh", "12345678",
	    "abcdefghijklmnopqrstuvwx", "9876543210zyxwvu",
	    "lScBcs3STUTrolGjXS4w1z3BeQAM1TuC",	/* seen in CI */
	    "constitutionality",		/* and in the dictionary */
	    "qwertyuiopasdfghjklzxcvbnm", NULL };
	struct pass_verdict v;

	for (size_t i = 0; in_order[i] != NULL; i++) {
		passphrase_check(in_order[i], &v);
		ck_assert_msg(!v.ok, "%s was taken", in_order[i]);
		ck_assert_msg(strstr(v.words, "follow each other in order") !=
		    NULL, "%s: %s", in_order[i], v.words);
	}
	/* Few steps: the dictionary decides, and says so. */
	passphrase_check("password1", &v);
	ck_assert(!v.ok);
	ck_assert_ptr_nonnull(strstr(v.words, "common password"));
	/* The same long random-looking string is taken every time: the
	 * dictionary's own check no longer uses a random one. */
	for (int i = 0; i < 50; i++) {
		passphrase_check("Zq8vLm2xRk7pWn4jTd9sHy6c", &v);
		ck_assert(v.ok);
	}
}
END_TEST

START_TEST(test_has_passphrase_reported)
{
	struct sw_error err = { 0 };

	ck_assert_int_eq(store_has_passphrase(path, &err), -1);
	ck_assert_int_eq(err.code, SW_ENOENT);
	ck_assert_int_eq(store_create(path, PASS, &err), 0);
	ck_assert_int_eq(store_has_passphrase(path, &err), 1);
}
END_TEST

START_TEST(test_create_refuses_existing_profile)
{
	struct sw_error	 err = { 0 };
	char		*before;

	ck_assert_int_eq(store_create(path, PASS, &err), 0);
	before = file_hash(path);
	ck_assert_int_eq(store_create(path, "another one", &err), -1);
	ck_assert_int_eq(err.code, SW_EEXIST);
	{
		char *after = file_hash(path);

		ck_assert_str_eq(before, after);
		free(after);
	}
	free(before);
}
END_TEST

static int
collect(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	char *buf = arg;

	(void)id;
	(void)kind;
	snprintf(buf + strlen(buf), 512 - strlen(buf), "%lld:%s;", at, json);
	return 0;
}

START_TEST(test_records_come_back_in_time_order)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	char		 buf[512] = "";

	ck_assert_int_eq(store_create(path, PASS, &err), 0);
	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	store_put_record(st, "checkin", 30, "{\"n\":3}", NULL, &err);
	store_put_record(st, "checkin", 10, "{\"n\":1}", NULL, &err);
	store_put_record(st, "exercise", 15, "{\"n\":9}", NULL, &err);
	store_put_record(st, "checkin", 20, "{\"n\":2}", NULL, &err);
	ck_assert_int_eq(store_each_record(st, "checkin", collect, buf, &err),
	    0);
	ck_assert_str_eq(buf, "10:{\"n\":1};20:{\"n\":2};30:{\"n\":3};");
	store_close(st);
}
END_TEST

START_TEST(test_state_put_get_delete)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	char		*json;

	ck_assert_int_eq(store_create(path, PASS, &err), 0);
	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	ck_assert_int_eq(store_get_state(st, "lesson:a", &json, &err), 0);
	ck_assert_ptr_null(json);
	ck_assert_int_eq(store_put_state(st, "lesson:a", "{\"pos\":1}", &err),
	    0);
	ck_assert_int_eq(store_put_state(st, "lesson:a", "{\"pos\":7}", &err),
	    0);
	ck_assert_int_eq(store_get_state(st, "lesson:a", &json, &err), 0);
	ck_assert_str_eq(json, "{\"pos\":7}");
	store_secret_free(json);
	ck_assert_int_eq(store_delete_state(st, "lesson:a", &err), 0);
	ck_assert_int_eq(store_get_state(st, "lesson:a", &json, &err), 0);
	ck_assert_ptr_null(json);
	store_close(st);
}
END_TEST

static void
sql(const char *q)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

START_TEST(test_tampered_body_is_detected)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	char		 buf[512] = "";

	ck_assert_int_eq(store_create(path, PASS, &err), 0);
	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	store_put_record(st, "checkin", 1, "{\"total\":3}", NULL, &err);
	store_close(st);
	/* Flip the last byte of the sealed body (inside the tag). */
	sql("UPDATE records SET body = substr(body, 1, length(body) - 1) || "
	    "CASE WHEN substr(body, -1) = x'00' THEN x'01' ELSE x'00' END");
	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	ck_assert_int_eq(store_each_record(st, NULL, collect, buf, &err), -1);
	ck_assert_int_eq(err.code, SW_ECORRUPT);
	store_close(st);
}
END_TEST

START_TEST(test_sealed_body_cannot_move_to_another_row)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	char		 a[STORE_ID_LEN + 1], b[STORE_ID_LEN + 1], *q;
	char		 buf[512] = "";

	ck_assert_int_eq(store_create(path, PASS, &err), 0);
	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	store_put_record(st, "checkin", 1, "{\"total\":3}", a, &err);
	store_put_record(st, "checkin", 2, "{\"total\":27}", b, &err);
	store_close(st);
	q = xasprintf("UPDATE records SET body = (SELECT body FROM records "
	    "WHERE id = '%s') WHERE id = '%s'", b, a);
	sql(q);
	free(q);
	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	ck_assert_int_eq(store_each_record(st, NULL, collect, buf, &err), -1);
	ck_assert_int_eq(err.code, SW_ECORRUPT);
	store_close(st);
}
END_TEST

/* ---- a kill in the middle of a write ---- */

/* Leave the profile as a kill during a write does: a transaction whose
 * pages already reached the database file (more than the cache holds), its
 * journal still there, and no process holding a lock: a hot journal. */
static void
leave_hot_journal(void)
{
	char	 journal[320], big[1500];
	int	 status;
	pid_t	 pid;
	sqlite3	*db;
	sqlite3_stmt *s;

	if ((pid = fork()) == 0) {
		struct sw_error	 e = { 0 };
		struct store	*st;

		if (store_open(path, PASS, &st, &e) != 0 ||
		    sqlite3_exec(store_sqlite(st), "PRAGMA cache_size = 2",
		    NULL, NULL, NULL) != SQLITE_OK || store_begin(st, &e) != 0)
			_exit(3);
		memset(big, 'u', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		for (int i = 0; i < 300; i++)
			if (store_put_record(st, "checkin", 1000 + i, big, NULL,
			    &e) != 0)
				_exit(4);
		raise(SIGKILL);
		_exit(5);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status), "the writer did not get as far as "
	    "the kill (status %d)", status);
	snprintf(journal, sizeof journal, "%s-journal", path);
	ck_assert_int_eq(access(journal, F_OK), 0);
	/* It is hot: a read-only connection cannot read past it. */
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_ne(sqlite3_prepare_v2(db, "SELECT count(*) FROM meta",
	    -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_extended_errcode(db), SQLITE_READONLY_ROLLBACK);
	sqlite3_close(db);
}

/* The profile as committed: the one record saved before the kill. */
static void
assert_only_committed(void)
{
	struct sw_error	 err = { 0 };
	struct store	*st;

	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	ck_assert_int_eq(store_count_records(st, NULL, &err), 1);
	store_close(st);
}

START_TEST(test_hot_journal_is_rolled_back_by_every_entry_point)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	struct outbox	*ob;
	long long	 at = -1;

	ck_assert_int_eq(store_create(path, PASS, &err), 0);
	ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
	ck_assert_int_eq(store_put_record(st, "checkin", 1, "{}", NULL, &err), 0);
	ck_assert_int_eq(store_set_remind_at(st, 4242, &err), 0);
	store_close(st);

	leave_hot_journal();
	ck_assert_msg(store_has_passphrase(path, &err) == 1,
	    "store_has_passphrase: %s", err.msg);
	assert_only_committed();

	leave_hot_journal();
	ck_assert_msg(store_read_remind_at(path, &at, &err) == 0,
	    "store_read_remind_at: %s", err.msg);
	ck_assert_int_eq(at, 4242);
	assert_only_committed();

	leave_hot_journal();
	ck_assert_msg(outbox_open(path, &ob, &err) == 0, "outbox_open: %s",
	    err.msg);
	outbox_close(ob);
	assert_only_committed();

	leave_hot_journal();
	ck_assert_msg(store_open(path, PASS, &st, &err) == 0, "store_open: %s",
	    err.msg);
	ck_assert_int_eq(store_count_records(st, NULL, &err), 1);
	store_close(st);
}
END_TEST

/* "Damaged" is said only of a file that is: another database is not a
 * profile, and neither is said of an interrupted one (above). */
START_TEST(test_damaged_told_apart_from_not_a_profile)
{
	struct sw_error	 err = { 0 };
	sqlite3		*db;
	FILE		*f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("this is not a database, it is a shopping list\n", f);
	for (int i = 0; i < 200; i++)
		fputs("eggs, milk, bread\n", f);
	fclose(f);
	ck_assert_int_eq(store_has_passphrase(path, &err), -1);
	ck_assert_int_eq(err.code, SW_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "damaged") != NULL, "%s", err.msg);

	unlink(path);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(store_has_passphrase(path, &err), -1);
	ck_assert_msg(strstr(err.msg, "not a Stepwise profile") != NULL &&
	    strstr(err.msg, "damaged") == NULL, "%s", err.msg);
}
END_TEST

/* Crash safety: a child writes records and reports each id on a pipe only
 * after store_put_record returned (the record is acknowledged). The parent
 * kills it with SIGKILL at a random moment, then reopens the store: it must
 * open, pass SQLite's integrity check, and hold every acknowledged record. */
static int crash_rounds = 12;

static int
mark_seen(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	char *acked = arg, *p;

	(void)kind;
	(void)at;
	(void)json;
	if ((p = strstr(acked, id)) != NULL)
		memset(p, '-', STORE_ID_LEN);
	return 0;
}

static void
writer(int fd)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	char		 id[STORE_ID_LEN + 2], json[128];

	if (store_open(path, PASS, &st, &err) != 0)
		_exit(3);
	for (int i = 0;; i++) {
		snprintf(json, sizeof json, "{\"seq\":%d}", i);
		if (store_put_record(st, "checkin", i, json, id, &err) != 0)
			_exit(4);
		if (i % 3 == 0)
			store_put_state(st, "draft", json, &err);
		id[STORE_ID_LEN] = '\n';
		if (write(fd, id, STORE_ID_LEN + 1) != STORE_ID_LEN + 1)
			_exit(5);
	}
}

START_TEST(test_sigkill_at_any_moment_keeps_acknowledged_records)
{
	struct sw_error	 err = { 0 };
	struct store	*st;
	size_t		 cap = 1 << 20;
	char		*acked = xcalloc(cap, 1);
	size_t		 len = 0;
	sqlite3		*db;
	sqlite3_stmt	*s;

	ck_assert_int_eq(store_create(path, PASS, &err), 0);
	srand((unsigned)time(NULL));
	for (int round = 0; round < crash_rounds; round++) {
		int	p[2], status;
		pid_t	pid;
		struct timespec ts;

		ck_assert_int_eq(pipe(p), 0);
		if ((pid = fork()) == 0) {
			close(p[0]);
			writer(p[1]);
		}
		close(p[1]);
		/* Let key derivation finish, then kill somewhere in 0-60 ms
		 * of writing: spread across statements and commits. */
		{
			char c;

			ck_assert_int_eq(read(p[0], &c, 1), 1);
			acked[len++] = c;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(rand() % 60000) * 1000;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_assert(WIFSIGNALED(status));
		for (;;) {
			ssize_t r = read(p[0], acked + len, cap - len - 1);

			if (r <= 0)
				break;
			len += (size_t)r;
		}
		close(p[0]);
		/* A partial last line was never acknowledged. */
		while (len > 0 && acked[len - 1] != '\n')
			len--;
		acked[len] = '\0';

		ck_assert_int_eq(store_open(path, PASS, &st, &err), 0);
		ck_assert_int_eq(store_each_record(st, NULL, mark_seen, acked,
		    &err), 0);
		store_close(st);
		for (size_t i = 0; i < len; i++)
			ck_assert_msg(acked[i] == '-' || acked[i] == '\n',
			    "round %d: an acknowledged record is missing",
			    round);
	}
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(acked);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc = tcase_create("store");
	TCase	*crash = tcase_create("crash");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_create_open_roundtrip_records);
	tcase_add_test(tc, test_profile_file_is_private_and_sealed);
	tcase_add_test(tc, test_wrong_passphrase_changes_no_byte);
	tcase_add_test(tc, test_no_passphrase_profile_opens_without_one);
	tcase_add_test(tc, test_old_no_passphrase_profile_still_opens);
	tcase_add_test(tc, test_common_passwords_refused_long_random_taken);
	tcase_add_test(tc, test_letters_in_order_refused_with_their_reason);
	tcase_add_test(tc, test_decrypted_state_and_records_are_in_locked_memory);
	tcase_add_test(tc, test_has_passphrase_reported);
	tcase_add_test(tc, test_create_refuses_existing_profile);
	tcase_add_test(tc, test_records_come_back_in_time_order);
	tcase_add_test(tc, test_state_put_get_delete);
	tcase_add_test(tc, test_tampered_body_is_detected);
	tcase_add_test(tc, test_sealed_body_cannot_move_to_another_row);
	tcase_add_test(tc, test_hot_journal_is_rolled_back_by_every_entry_point);
	tcase_add_test(tc, test_damaged_told_apart_from_not_a_profile);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(crash, setup, teardown);
	tcase_set_timeout(crash, 600);
	tcase_add_test(crash,
	    test_sigkill_at_any_moment_keeps_acknowledged_records);
	suite_add_tcase(s, crash);
	return s;
}

int
main(void)
{
	if (getenv("STEPWISE_SOAK") != NULL)
		crash_rounds = atoi(getenv("STEPWISE_SOAK"));
	if (sodium_init() < 0)
		return 1;
	return unit_run(store_suite());
}
