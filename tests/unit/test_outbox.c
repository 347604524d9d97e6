/* test_outbox.c: the device side of stepwise-protocol(7) without a network:
 * the enrollment file is read strictly, enrolling signs a registration the
 * server can check, each record is sealed to the clinic and signed by the
 * device together with the record itself, the queue keeps its order and
 * forgets only what is acknowledged, backoff stays in its bounds, and
 * supporter messages are kept only when the clinic signed them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "jsonv.h"
#include "outbox.h"
#include "proto.h"
#include "record.h"
#include "sharing.h"
#include "util.h"
#include "unit.h"

#define NOW	1800000000LL
#define MARKER	"ZebraCrossingPlaintextMarker"

static char dir[256], path[300], efile[300];
static struct store *st;
static unsigned char clinic_box_pk[32], clinic_box_sk[32];
static unsigned char clinic_sign_pk[32], clinic_sign_sk[64];
static unsigned char token[32];

/* ---- an enrollment file written by hand ---- */

/* Each member is raw JSON text; NULL leaves the member out. */
struct efields {
	const char	*version, *clinic, *url, *box, *sign, *token;
	const char	*expires, *pin, *contact, *crisis, *extra;
};

static char *
quoted_b64(const unsigned char *v, size_t n)
{
	char *b = proto_b64(v, n), *q = xasprintf("\"%s\"", b);

	free(b);
	return q;
}

static void
fields_default(struct efields *f)
{
	static char box[64], sign[64], tok[64];
	char *q;

	snprintf(box, sizeof box, "%s", q = quoted_b64(clinic_box_pk, 32));
	free(q);
	snprintf(sign, sizeof sign, "%s", q = quoted_b64(clinic_sign_pk, 32));
	free(q);
	snprintf(tok, sizeof tok, "%s", q = quoted_b64(token, 32));
	free(q);
	f->version = "1";
	f->clinic = "\"Riverside Talking Therapies\"";
	f->url = "\"http://127.0.0.1:8470\"";
	f->box = box;
	f->sign = sign;
	f->token = tok;
	f->expires = "1900000000";
	f->pin = NULL;
	f->contact = "{\"name\":\"Riverside\",\"phone\":\"01632 960 000\","
	    "\"email\":\"sw@riverside.example\",\"hours\":\"9 to 5\"}";
	f->crisis = "[{\"name\":\"Samaritans\",\"phone\":\"116 123\","
	    "\"note\":\"Any time\"},{\"name\":\"NHS 111\",\"phone\":\"111\"}]";
	f->extra = NULL;
}

static void
write_efile(const struct efields *f)
{
	const char *names[] = { "stepwise_enrollment", "clinic", "url",
	    "clinic_box_pk", "clinic_sign_pk", "token", "expires_at",
	    "tls_pin", "contact", "crisis" };
	const char *vals[] = { f->version, f->clinic, f->url, f->box,
	    f->sign, f->token, f->expires, f->pin, f->contact, f->crisis };
	FILE	*fp = fopen(efile, "w");
	bool	 first = true;

	ck_assert_ptr_nonnull(fp);
	fputs("{\n", fp);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (vals[i] == NULL)
			continue;
		fprintf(fp, "%s  \"%s\": %s", first ? "" : ",\n", names[i],
		    vals[i]);
		first = false;
	}
	if (f->extra != NULL)
		fprintf(fp, ",\n  %s", f->extra);
	fputs("\n}\n", fp);
	fclose(fp);
}

static void
setup(void)
{
	struct sw_error err = { 0 };

	unit_tmpdir(dir, sizeof dir, "outbox");
	snprintf(path, sizeof path, "%s/p.db", dir);
	snprintf(efile, sizeof efile, "%s/clinic.stepwise", dir);
	ck_assert_int_eq(store_create(path, NULL, &err), 0);
	ck_assert_int_eq(store_open(path, NULL, &st, &err), 0);
	crypto_box_keypair(clinic_box_pk, clinic_box_sk);
	crypto_sign_keypair(clinic_sign_pk, clinic_sign_sk);
	randombytes_buf(token, sizeof token);
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	store_close(st);
	(void)!system(cmd);
	free(cmd);
}

static void
enroll(void)
{
	struct efields		f;
	struct enrollment	e;
	struct sw_error		err = { 0 };

	fields_default(&f);
	write_efile(&f);
	ck_assert_msg(enrollment_read(efile, &e, &err) == 0, "%s", err.msg);
	ck_assert_msg(outbox_enroll(st, &e, NOW, true, &err) == 0, "%s", err.msg);
	enrollment_free(&e);
}

/* ---- enrollment_read ---- */

struct bad_case {
	const char	*what;
	int		 field;		/* index into struct efields */
	const char	*value;		/* NULL: leave the member out */
	const char	*path;		/* expected in the message */
};

START_TEST(test_enrollment_file_read_with_every_field)
{
	struct efields		f;
	struct enrollment	e;
	struct sw_error		err = { 0 };
	char			fp[40];

	fields_default(&f);
	f.pin = "\"sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=;"
	    "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=\"";
	write_efile(&f);
	ck_assert_msg(enrollment_read(efile, &e, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(e.clinic, "Riverside Talking Therapies");
	ck_assert_str_eq(e.url, "http://127.0.0.1:8470");
	ck_assert_ptr_nonnull(e.tls_pin);
	ck_assert_int_eq(memcmp(e.box_pk, clinic_box_pk, 32), 0);
	ck_assert_int_eq(memcmp(e.sign_pk, clinic_sign_pk, 32), 0);
	ck_assert_int_eq(memcmp(e.token, token, 32), 0);
	ck_assert_int_eq(e.expires_at, 1900000000LL);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(e.contact,
	    "phone")), "01632 960 000");
	ck_assert_int_eq(cJSON_GetArraySize(e.crisis), 2);
	proto_fingerprint(clinic_box_pk, clinic_sign_pk, fp);
	ck_assert_str_eq(e.fingerprint, fp);
	ck_assert_uint_eq(strlen(fp), 39);
	enrollment_free(&e);
}
END_TEST

START_TEST(test_enrollment_file_each_bad_field_names_its_path)
{
	static char long_text[300];
	static const struct bad_case cases[] = {
		{ "no version", 0, NULL, "$.stepwise_enrollment" },
		{ "version 0", 0, "0", "$.stepwise_enrollment" },
		{ "version a string", 0, "\"1\"", "$.stepwise_enrollment" },
		{ "no clinic", 1, NULL, "$.clinic" },
		{ "empty clinic", 1, "\"\"", "$.clinic" },
		{ "clinic too long", 1, long_text, "$.clinic" },
		{ "clinic a number", 1, "7", "$.clinic" },
		{ "no url", 2, NULL, "$.url" },
		{ "http to a network host", 2, "\"http://example.org\"",
		    "$.url" },
		{ "url with a trailing slash", 2, "\"https://example.org/\"",
		    "$.url" },
		{ "url with a query", 2, "\"https://example.org?a=1\"",
		    "$.url" },
		{ "ftp url", 2, "\"ftp://example.org\"", "$.url" },
		{ "no box key", 3, NULL, "$.clinic_box_pk" },
		{ "short box key", 3, "\"AAAA\"", "$.clinic_box_pk" },
		{ "box key padded", 3,
		    "\"0fy1JvwfRt_TloeInzF1j_NxiAV6Ba9IMc6nMNtN6xs=\"",
		    "$.clinic_box_pk" },
		{ "sign key standard base64", 4,
		    "\"Mn4XovtzVtv407vTWttwDgE1Cs4LRUtNsn2W+e1HxBc\"",
		    "$.clinic_sign_pk" },
		{ "no token", 5, NULL, "$.token" },
		{ "token 33 bytes", 5,
		    "\"TEDZvxUzZYCoKk_fddFyPBq8QH1qbj0D4etTUuNA5RQAA\"",
		    "$.token" },
		{ "no expiry", 6, NULL, "$.expires_at" },
		{ "expiry a string", 6, "\"soon\"", "$.expires_at" },
		{ "pin without sha256//", 7,
		    "\"58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=\"",
		    "$.tls_pin" },
		{ "pin too short", 7, "\"sha256//AAAA\"", "$.tls_pin" },
		{ "pin with an empty second part", 7,
		    "\"sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=;\"",
		    "$.tls_pin" },
		{ "no contact", 8, NULL, "$.contact" },
		{ "contact a string", 8, "\"call us\"", "$.contact" },
		{ "contact without a name", 8, "{\"phone\":\"1\"}",
		    "$.contact.name" },
		{ "contact with a fax", 8, "{\"name\":\"R\",\"fax\":\"1\"}",
		    "$.contact.fax" },
		{ "contact phone a number", 8, "{\"name\":\"R\",\"phone\":1}",
		    "$.contact.phone" },
		{ "no crisis list", 9, NULL, "$.crisis" },
		{ "crisis an object", 9, "{}", "$.crisis" },
		{ "crisis item a string", 9, "[\"Samaritans\"]",
		    "$.crisis[0]" },
		{ "crisis item without a phone", 9,
		    "[{\"name\":\"A\",\"phone\":\"1\"},{\"name\":\"B\"}]",
		    "$.crisis[1].phone" },
		{ "crisis item with a url", 9,
		    "[{\"name\":\"A\",\"phone\":\"1\",\"url\":\"x\"}]",
		    "$.crisis[0].url" },
		{ "crisis of eleven", 9, "[{\"name\":\"A\",\"phone\":\"1\"},"
		    "{\"name\":\"A\",\"phone\":\"1\"},{\"name\":\"A\","
		    "\"phone\":\"1\"},{\"name\":\"A\",\"phone\":\"1\"},"
		    "{\"name\":\"A\",\"phone\":\"1\"},{\"name\":\"A\","
		    "\"phone\":\"1\"},{\"name\":\"A\",\"phone\":\"1\"},"
		    "{\"name\":\"A\",\"phone\":\"1\"},{\"name\":\"A\","
		    "\"phone\":\"1\"},{\"name\":\"A\",\"phone\":\"1\"},"
		    "{\"name\":\"A\",\"phone\":\"1\"}]", "$.crisis" },
		{ "an unknown member", 10, "\"colour\": \"blue\"",
		    "$.colour" },
	};
	char buf[256];

	memset(buf, 'x', 201);
	buf[201] = '\0';
	snprintf(long_text, sizeof long_text, "\"%s\"", buf);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct bad_case	*c = &cases[i];
		struct efields		 f;
		const char		**slot;
		struct enrollment	 e;
		struct sw_error		 err = { 0 };

		fields_default(&f);
		slot = (const char **)&f + c->field;
		*slot = c->value;
		write_efile(&f);
		ck_assert_msg(enrollment_read(efile, &e, &err) == -1,
		    "%s: accepted", c->what);
		ck_assert_msg(strstr(err.msg, c->path) != NULL,
		    "%s: \"%s\" does not name %s", c->what, err.msg, c->path);
		ck_assert_msg(strstr(err.msg, efile) != NULL,
		    "%s: \"%s\" does not name the file", c->what, err.msg);
		ck_assert_ptr_null(e.token);
	}
}
END_TEST

START_TEST(test_enrollment_file_newer_version_or_not_json)
{
	struct efields		 f;
	struct enrollment	 e;
	struct sw_error		 err = { 0 };
	FILE			*fp;

	fields_default(&f);
	f.version = "2";
	f.extra = "\"future\": true";
	write_efile(&f);
	ck_assert_int_eq(enrollment_read(efile, &e, &err), -1);
	ck_assert_int_eq(err.code, SW_EFORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "newer version"));

	fp = fopen(efile, "w");
	fputs("{\n  \"stepwise_enrollment\": 1,\n  \"clinic\" \"x\"\n}\n", fp);
	fclose(fp);
	ck_assert_int_eq(enrollment_read(efile, &e, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "line 3"));

	fp = fopen(efile, "w");
	fputs("{\"stepwise_enrollment\":1,\"stepwise_enrollment\":1}", fp);
	fclose(fp);
	ck_assert_int_eq(enrollment_read(efile, &e, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "twice"));

	ck_assert_int_eq(enrollment_read("/nonexistent/x.stepwise", &e, &err),
	    -1);
	ck_assert_int_eq(err.code, SW_ENOENT);
}
END_TEST

/* ---- enrolling ---- */

struct reg {
	unsigned char	token_pk[32], box_pk[32], sign_pk[32], request_pk[32];
	unsigned char	sig[64];
	char		device[33];
};

static void
registration_read(struct outbox *ob, struct reg *r)
{
	struct sw_error	 err = { 0 };
	char		*body, why[160];
	cJSON		*j;
	static const char *const keys[] = { "v", "token_pk", "device",
	    "box_pk", "sign_pk", "request_pk", "signature", NULL };

	ck_assert_int_eq(outbox_registration(ob, &body, &err), 0);
	ck_assert_ptr_nonnull(body);
	j = proto_parse(body, strlen(body), why, sizeof why);
	ck_assert_msg(j != NULL, "%s", why);
	ck_assert(proto_only_keys(j, keys));
	ck_assert(proto_bin(j, "token_pk", r->token_pk, 32));
	ck_assert(proto_bin(j, "box_pk", r->box_pk, 32));
	ck_assert(proto_bin(j, "sign_pk", r->sign_pk, 32));
	ck_assert(proto_bin(j, "request_pk", r->request_pk, 32));
	ck_assert(proto_bin(j, "signature", r->sig, 64));
	ck_assert(proto_id_ok(proto_str(j, "device")));
	strcpy(r->device, proto_str(j, "device"));
	cJSON_Delete(j);
	free(body);
}

START_TEST(test_enroll_signs_a_registration_the_server_can_check)
{
	struct sw_error	 err = { 0 };
	struct outbox	*ob;
	struct reg	 r;
	unsigned char	 tpk[32], tsk[64], m[PROTO_ENROLL_SIGBYTES];
	unsigned char	 raw[64], *rb;
	char		 sig[88], tstr[24];
	size_t		 rlen, w, rej;

	enroll();
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	ck_assert(outbox_enrolled(ob));
	registration_read(ob, &r);
	crypto_sign_seed_keypair(tpk, tsk, token);
	ck_assert_int_eq(memcmp(tpk, r.token_pk, 32), 0);
	ck_assert_str_eq(outbox_device(ob), r.device);
	ck_assert_str_eq(outbox_url(ob), "http://127.0.0.1:8470");
	ck_assert_ptr_null(outbox_tls_pin(ob));
	ck_assert_int_eq(memcmp(outbox_clinic_sign_pk(ob), clinic_sign_pk,
	    32), 0);
	proto_enroll_bytes(r.token_pk, r.device, r.box_pk, r.sign_pk,
	    r.request_pk, m);
	ck_assert_int_eq(crypto_sign_verify_detached(r.sig, m, sizeof m,
	    r.token_pk), 0);
	m[100] ^= 1;
	ck_assert_int_ne(crypto_sign_verify_detached(r.sig, m, sizeof m,
	    r.token_pk), 0);
	/* The registration waits until acknowledged, and is not counted
	 * as a record. */
	ck_assert_int_eq(outbox_counts(ob, &w, &rej, &err), 0);
	ck_assert_uint_eq(w, 0);
	{
		char *reg;

		ck_assert_int_eq(outbox_registration(ob, &reg, &err), 0);
		ck_assert_ptr_nonnull(reg);
		free(reg);
	}
	ck_assert_int_eq(outbox_registration_done(ob, NOW, &err), 0);
	ck_assert_int_eq(outbox_counts(ob, &w, &rej, &err), 0);
	ck_assert_uint_eq(w, 0);

	/* Signed requests verify under the registered request key. */
	ck_assert_int_eq(outbox_sign_request(ob, "GET", "/v1/messages?after=0",
	    NOW, NULL, 0, sig, &err), 0);
	ck_assert_uint_eq(strlen(sig), 86);
	ck_assert_int_eq(proto_unb64(sig, raw, 64), 0);
	snprintf(tstr, sizeof tstr, "%lld", NOW);
	rb = proto_request_bytes("GET", "/v1/messages?after=0", tstr, r.device,
	    NULL, 0, &rlen);
	ck_assert_int_eq(crypto_sign_verify_detached(raw, rb, rlen,
	    r.request_pk), 0);
	free(rb);
	outbox_close(ob);
}
END_TEST

START_TEST(test_enroll_twice_refused_expired_refused)
{
	struct efields		 f;
	struct enrollment	 e;
	struct sw_error		 err = { 0 };

	fields_default(&f);
	f.expires = "1700000000";
	write_efile(&f);
	ck_assert_int_eq(enrollment_read(efile, &e, &err), 0);
	ck_assert_int_eq(outbox_enroll(st, &e, NOW, true, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "expired"));
	enrollment_free(&e);
	enroll();
	fields_default(&f);
	write_efile(&f);
	ck_assert_int_eq(enrollment_read(efile, &e, &err), 0);
	ck_assert_int_eq(outbox_enroll(st, &e, NOW, true, &err), -1);
	ck_assert_int_eq(err.code, SW_EEXIST);
	enrollment_free(&e);
}
END_TEST

static char *
file_bytes(size_t *len)
{
	char *b = read_file(path, len);

	ck_assert_ptr_nonnull(b);
	return b;
}

START_TEST(test_not_enrolled_profile_is_left_untouched)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct sync_status	 ss;
	struct outbox_batch	 b;
	size_t			 n1, n2, w, r;
	char			*before, *after, *reg;

	/* A record saved before enrolling is kept, not queued. */
	ck_assert_int_eq(outbox_save_record(st, "checkin", 10, "{\"risk\":"
	    "false}", false, NULL, -1, NULL, &err), 0);
	store_close(st);
	st = NULL;
	before = file_bytes(&n1);
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	ck_assert(!outbox_enrolled(ob));
	ck_assert_ptr_null(outbox_device(ob));
	ck_assert_int_eq(outbox_counts(ob, &w, &r, &err), 0);
	ck_assert_uint_eq(w + r, 0);
	ck_assert_int_eq(outbox_status(ob, &ss, &err), 0);
	ck_assert_int_eq(outbox_registration(ob, &reg, &err), 0);
	ck_assert_ptr_null(reg);
	ck_assert_int_eq(outbox_next_batch(ob, 8, 1 << 20, &b, &err), 0);
	ck_assert_uint_eq(b.n, 0);
	ck_assert_int_eq(outbox_message_cursor(ob), 0);
	ck_assert_int_eq(outbox_unread(ob, &err), 0);
	ck_assert_int_eq(outbox_note_failure(ob, NOW, 0, "x", &err), -1);
	outbox_close(ob);
	after = file_bytes(&n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_int_eq(memcmp(before, after, n1), 0);
	free(before);
	free(after);
	ck_assert_int_eq(outbox_open("/nonexistent/p.db", &ob, &err), -1);
	ck_assert_int_eq(err.code, SW_ENOENT);
}
END_TEST

/* Clear sync state written into a profile that was never enrolled (someone
 * with the file, not the passphrase): nothing is sealed to its key, and the
 * unlock drops it. */
START_TEST(test_clear_sync_state_without_sealed_enrollment_is_dropped)
{
	struct sw_error		 err = { 0 };
	struct unlock_report	 u;
	struct outbox		*ob;
	size_t			 w, r;
	char			*sql, *box, *sign, dev[PROTO_ID_LEN + 1];
	sqlite3			*db;

	proto_new_id(dev);
	box = proto_b64(clinic_box_pk, 32);
	sign = proto_b64(clinic_sign_pk, 32);
	sql = xasprintf("CREATE TABLE sync_state(key TEXT PRIMARY KEY, value "
	    "TEXT NOT NULL); CREATE TABLE outbox(seq INTEGER PRIMARY KEY, id "
	    "TEXT NOT NULL UNIQUE, envelope TEXT NOT NULL, rejected TEXT); "
	    "CREATE TABLE inbox(id TEXT PRIMARY KEY, seq INTEGER NOT NULL, "
	    "ciphertext BLOB NOT NULL, signature BLOB NOT NULL); INSERT INTO "
	    "sync_state VALUES ('device', '%s'), ('url', 'http://127.0.0.1:9'),"
	    " ('clinic_box_pk', '%s'), ('clinic_sign_pk', '%s')", dev, box,
	    sign);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(sql);
	free(box);
	free(sign);
	ck_assert_msg(outbox_save_record(st, "checkin", 10, "{\"risk\":"
	    "false}", false, NULL, -1, NULL, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	ck_assert_int_eq(outbox_counts(ob, &w, &r, &err), 0);
	ck_assert_uint_eq(w + r, 0);	/* nothing sealed to that key */
	outbox_close(ob);
	ck_assert_int_eq(outbox_verify_at_unlock(st, &u, &err), 0);
	ck_assert(u.redirected);
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	ck_assert(!outbox_enrolled(ob));
	outbox_close(ob);
}
END_TEST

/* ---- envelopes ---- */

struct stored {
	char	*json;
	char	 id[33];
};

static int
find_record(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	struct stored *s = arg;

	(void)kind;
	(void)at;
	if (strcmp(id, s->id) == 0)
		s->json = xstrdup(json);
	return 0;
}

/* Check one envelope (its run's signature checked by batch_parse) as the
 * clinic would, and return the boxed plaintext. */
static char *
envelope_open(const cJSON *env, const struct reg *r)
{
	unsigned char	*ct;
	size_t		 ctlen;
	const char	*id = proto_str(env, "id");
	char		*plain;
	cJSON		*p;
	long long	 v;
	static const char *const keys[] = { "v", "id", "ciphertext", NULL };

	ck_assert(proto_only_keys(env, keys));
	ck_assert(proto_int(env, "v", &v) && v == PROTO_V3);
	ck_assert(proto_id_ok(id));
	ck_assert_int_eq(proto_unb64_alloc(proto_str(env, "ciphertext"),
	    PROTO_MAX_CIPHERTEXT, &ct, &ctlen), 0);
	/* Version 3: every check-in, with or without risk, in one size. */
	ck_assert_uint_eq(ctlen, 16 + PROTO_V3_BLOCK);
	/* Only under the device's own key and for its own id. */
	ck_assert_ptr_null(proto_open3(ct, ctlen, id, r->box_pk,
	    clinic_box_sk));
	plain = proto_open3(ct, ctlen, id, r->sign_pk, clinic_box_sk);
	ck_assert_ptr_nonnull(plain);
	free(ct);
	/* The id and device are the box's to say, not the plaintext's. */
	p = cJSON_Parse(plain);
	ck_assert(!cJSON_HasObjectItem(p, "id") &&
	    !cJSON_HasObjectItem(p, "device"));
	cJSON_Delete(p);
	return plain;
}

/* The batch as the POST /v2/sync body carries it, every run's signature
 * checked under the device's key, read back into
 * {"records":[{"v","id","ciphertext"}]}. */
static cJSON *
batch_parse(struct outbox *ob, const struct outbox_batch *b,
    const struct reg *r)
{
	const char		*device = r->device;
	struct sw_error		 err = { 0 };
	struct proto_sync2	 y;
	unsigned char		*body;
	size_t			 len;
	const char		*why;
	cJSON			*j, *a, *e;
	char			*t;

	ck_assert_int_eq(outbox_sync_body(ob, b, 1795429600, 7, &body, &len,
	    &err), 0);
	ck_assert_int_eq(proto_sync2_parse(body, len, &y, &why), 0);
	ck_assert_str_eq(y.device, device);
	ck_assert_int_eq(y.time, 1795429600);
	ck_assert_int_eq(y.after, 7);
	ck_assert_uint_eq(y.n, b->n);
	for (size_t i = 0; i < y.nruns; i++)
		ck_assert(proto_run3_ok(&y, i, r->sign_pk));
	j = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(j, "records");
	for (size_t i = 0; i < y.n; i++) {
		ck_assert_str_eq(y.rec[i].id, b->ids[i]);
		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "v", y.rec[i].v);
		cJSON_AddStringToObject(e, "id", y.rec[i].id);
		t = proto_b64(y.rec[i].ct, y.rec[i].ctlen);
		cJSON_AddStringToObject(e, "ciphertext", t);
		free(t);
		cJSON_AddItemToArray(a, e);
	}
	free(body);
	return j;
}

/* Whether the batch's body carries the record id (16 bytes raw). */
static bool
batch_holds(const struct outbox_batch *b, const char *id)
{
	unsigned char	raw[16];
	size_t		got;

	ck_assert_int_eq(sodium_hex2bin(raw, 16, id, 32, NULL, &got, NULL), 0);
	return b->len >= 16 && memmem(b->body, b->len, raw, 16) != NULL;
}

START_TEST(test_envelope_verifies_and_opens_to_the_exact_plaintext)
{
	struct sw_error		 err = { 0 };
	struct diags		 d = { 0 };
	struct content		 ct;
	struct checkin		 out;
	struct outbox		*ob;
	struct outbox_batch	 b;
	struct reg		 r;
	struct stored		 s = { NULL, "" };
	int			 a[9] = { 1, 2, 3, 0, 1, 2, 1, 1, 1 };
	cJSON			*j;
	char			*plain, *want;

	ck_assert_int_eq(content_load(unit_content_dir(), "en-GB",
	    &ct, &d), 0);
	enroll();
	ck_assert_int_eq(checkin_save(st, content_measure(&ct, "phq9"), a, 9,
	    2, NULL, 1700000000, &out, &err), 0);
	ck_assert(out.risk);
	strcpy(s.id, out.id);
	checkin_free(&out);
	content_free(&ct);
	ck_assert_int_eq(store_each_record(st, NULL, find_record, &s, &err),
	    0);
	ck_assert_ptr_nonnull(s.json);

	ck_assert_int_eq(outbox_from_store(st, &ob, &err), 0);
	registration_read(ob, &r);
	ck_assert_int_eq(outbox_next_batch(ob, 8, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_str_eq(b.ids[0], s.id);
	j = batch_parse(ob, &b, &r);
	plain = envelope_open(cJSON_GetArrayItem(cJSON_GetObjectItem(j,
	    "records"), 0), &r);
	want = xasprintf("{\"v\":3,\"kind\":\"checkin\",\"created_at\":"
	    "1700000000,\"n\":1,\"record\":%s}", s.json);
	ck_assert_str_eq(plain, want);
	ck_assert_ptr_nonnull(strstr(plain, "\"risk\":true"));
	free(want);
	free(plain);
	free(s.json);
	cJSON_Delete(j);
	outbox_batch_free(&b);
	outbox_close(ob);
}
END_TEST

START_TEST(test_records_before_enrolling_are_queued_by_enroll)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct outbox_batch	 b;
	struct reg		 r;
	cJSON			*j, *it;
	size_t			 w, rej;
	int			 i = 0;

	ck_assert_int_eq(outbox_save_record(st, "checkin", 300,
	    "{\"total\":3,\"risk\":false}", false, NULL, -1, NULL, &err), 0);
	ck_assert_int_eq(outbox_save_record(st, "exercise", 100,
	    "{\"exercise\":\"mood-check\",\"values\":{}}", false, NULL, 1, NULL, &err),
	    0);
	ck_assert_int_eq(outbox_save_record(st, "checkin", 200,
	    "{\"total\":20,\"risk\":true}", true, NULL, -1, NULL, &err), 0);
	ck_assert_int_eq(outbox_save_record(st, "draft-like", 50, "{}", false, NULL, -1,
	    NULL, &err), 0);
	{
		struct earlier ea;

		ck_assert_int_eq(outbox_count_earlier(st, &ea, &err), 0);
		ck_assert_int_eq(ea.checkins, 2);
		ck_assert_int_eq(ea.shared_entries, 1);
		ck_assert_int_eq(ea.private_entries, 0);
	}
	enroll();
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	registration_read(ob, &r);
	ck_assert_int_eq(outbox_counts(ob, &w, &rej, &err), 0);
	ck_assert_uint_eq(w, 3);	/* three; the registration apart */
	ck_assert_int_eq(outbox_next_batch(ob, 8, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 3);
	/* Without the key: the order they were queued in (by time). */
	j = batch_parse(ob, &b, &r);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "records")) {
		static const long long order[] = { 100, 200, 300 };
		char		*plain = envelope_open(it, &r);
		cJSON		*p = cJSON_Parse(plain);
		long long	 at;

		ck_assert(proto_int(p, "created_at", &at));
		ck_assert_int_eq(at, order[i++]);
		cJSON_Delete(p);
		free(plain);
	}
	cJSON_Delete(j);
	outbox_batch_free(&b);
	outbox_close(ob);
	/* Unlocked: the risk record first, by the sealed list. */
	ck_assert_int_eq(outbox_from_store(st, &ob, &err), 0);
	ck_assert_int_eq(outbox_next_batch(ob, 8, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 3);
	i = 0;
	j = batch_parse(ob, &b, &r);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "records")) {
		static const long long order[] = { 200, 100, 300 };
		char		*plain = envelope_open(it, &r);
		cJSON		*p = cJSON_Parse(plain);
		long long	 at;

		ck_assert(proto_int(p, "created_at", &at));
		ck_assert_int_eq(at, order[i++]);
		cJSON_Delete(p);
		free(plain);
	}
	cJSON_Delete(j);
	outbox_batch_free(&b);
	outbox_close(ob);
}
END_TEST

/* The counter inside each sealed envelope (stepwise-protocol(7), n): one
 * more for each record queued, kept sealed across a close, and the same
 * when the records are queued again after the clear state was changed. */
static void
batch_numbers(struct outbox *ob, const struct reg *r, char ids[][33],
    long long *n, size_t want)
{
	struct sw_error		 err = { 0 };
	struct outbox_batch	 b;
	const cJSON		*it;
	cJSON			*j;
	size_t			 i = 0;

	ck_assert_int_eq(outbox_next_batch(ob, 64, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, want);
	j = batch_parse(ob, &b, r);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "records")) {
		char	*plain = envelope_open(it, r);
		cJSON	*p = cJSON_Parse(plain);

		snprintf(ids[i], 33, "%s", proto_str(it, "id"));
		ck_assert(proto_int(p, "n", &n[i]));
		i++;
		cJSON_Delete(p);
		free(plain);
	}
	cJSON_Delete(j);
	outbox_batch_free(&b);
}

START_TEST(test_each_envelope_carries_the_device_counter)
{
	struct sw_error		 err = { 0 };
	struct unlock_report	 u;
	struct outbox		*ob;
	struct reg		 r;
	char			 saved[4][33], ids[4][33];
	long long		 n[4];
	sqlite3			*db;

	ck_assert_int_eq(outbox_save_record(st, "checkin", 500,
	    "{\"total\":3,\"risk\":false}", false, NULL, -1, saved[0], &err), 0);
	enroll();
	ck_assert_int_eq(outbox_save_record(st, "exercise", 100,
	    "{\"exercise\":\"mood-check\",\"values\":{}}", false, NULL, 1,
	    saved[1], &err), 0);
	ck_assert_int_eq(outbox_save_record(st, "risk", 200,
	    "{\"measure\":\"phq9\",\"item\":9,\"answer\":1}", true, NULL, -1,
	    saved[2], &err), 0);
	/* The counter is sealed state: it survives closing the profile. */
	store_close(st);
	ck_assert_int_eq(store_open(path, NULL, &st, &err),
	    0);
	ck_assert_int_eq(outbox_save_record(st, "reply", 300,
	    "{\"text\":\"Thanks\"}", false, NULL, -1, saved[3], &err), 0);
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	registration_read(ob, &r);
	batch_numbers(ob, &r, ids, n, 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_str_eq(ids[i], saved[i]);
		ck_assert_int_eq(n[i], (long long)i + 1);
	}
	outbox_close(ob);
	/* The clear url changed: queued again at unlock, the same numbers. */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE sync_state SET value = "
	    "'http://127.0.0.1:1' WHERE key = 'url'", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(outbox_verify_at_unlock(st, &u, &err), 0);
	ck_assert(u.redirected);
	ck_assert_uint_eq(u.requeued, 4);
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	batch_numbers(ob, &r, ids, n, 4);
	for (size_t i = 0; i < 4; i++) {
		size_t k = 0;

		while (k < 4 && strcmp(ids[i], saved[k]) != 0)
			k++;
		ck_assert_uint_lt(k, 4);
		ck_assert_int_eq(n[i], (long long)k + 1);
	}
	outbox_close(ob);
}
END_TEST

static long long
outbox_rows(void)
{
	sqlite3		*db;
	sqlite3_stmt	*s;
	long long	 n = -1;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox", -1, &s,
	    NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

START_TEST(test_record_too_long_to_send_is_not_kept)
{
	struct sw_error	 err = { 0 };
	char		*big, *json;

	enroll();
	ck_assert_int_eq(outbox_save_record(st, "exercise", 1,
	    "{\"values\":{\"a\":\"short\"}}", false, NULL, 1, NULL, &err), 0);
	big = xmalloc(70000);
	memset(big, 'a', 69999);
	big[69999] = '\0';
	json = xasprintf("{\"values\":{\"a\":\"%s\"}}", big);
	ck_assert_int_eq(outbox_save_record(st, "exercise", 2, json, false, NULL, 1,
	    NULL, &err), -1);
	ck_assert_int_eq(err.code, SW_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "too long"));
	/* Neither the record nor an envelope was kept. */
	ck_assert_int_eq(store_count_records(st, "exercise", &err), 1);
	ck_assert_int_eq(outbox_rows(), 1);
	/* And the store is usable afterwards. */
	ck_assert_int_eq(outbox_save_record(st, "exercise", 3,
	    "{\"values\":{}}", false, NULL, 1, NULL, &err), 0);
	ck_assert_int_eq(outbox_rows(), 2);
	free(big);
	free(json);
}
END_TEST

/* ---- the queue ---- */

/* An envelope the queue cannot read (a damaged disk) is never sent: the
 * batch leaves it out, it is set aside as bad_record, and the batch says
 * so, for the patient to be told. */
START_TEST(test_damaged_envelope_set_aside_not_sent)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct outbox_batch	 b;
	char			 ids[3][33], *sql;
	size_t			 w, rej;
	sqlite3			*db;

	enroll();
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(outbox_save_record(st, "checkin", 100 + (long
		    long)i, "{\"risk\":false}", false, NULL, -1, ids[i], &err),
		    0);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sql = xasprintf("UPDATE outbox SET envelope = substr(envelope, 1, 60) "
	    "WHERE id = '%s'", ids[1]);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	sqlite3_close(db);
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	ck_assert_int_eq(outbox_next_batch(ob, 64, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_uint_eq(b.set_aside, 1);
	ck_assert_str_eq(b.ids[0], ids[0]);
	ck_assert_str_eq(b.ids[1], ids[2]);
	ck_assert(!batch_holds(&b, ids[1]));
	outbox_batch_free(&b);
	ck_assert_int_eq(outbox_counts(ob, &w, &rej, &err), 0);
	ck_assert_uint_eq(w, 2);
	ck_assert_uint_eq(rej, 1);
	/* Set aside once: the next batch does not count it again. */
	ck_assert_int_eq(outbox_next_batch(ob, 64, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_uint_eq(b.set_aside, 0);
	outbox_batch_free(&b);
	outbox_close(ob);
}
END_TEST

START_TEST(test_queue_order_ack_reject_and_limits)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct outbox_batch	 b;
	char			 ids[6][33];
	const char		*acked[2];
	size_t			 w, rej;
	static const struct { long long at; bool risk; } recs[] = {
		{ 100, false }, { 50, false }, { 400, true }, { 300, true },
		{ 50, false }, { 10, false },
	};

	enroll();
	for (size_t i = 0; i < 6; i++) {
		char *json = xasprintf("{\"risk\":%s}", recs[i].risk ? "true" :
		    "false");

		ck_assert_int_eq(outbox_save_record(st, "checkin", recs[i].at,
		    json, recs[i].risk, NULL, -1, ids[i], &err), 0);
		free(json);
	}
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	ck_assert_int_eq(outbox_next_batch(ob, 64, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 6);
	/* Without the key nothing says which are risk records: the order
	 * they were saved in. */
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(b.ids[i], ids[i]);
	outbox_batch_free(&b);
	{
		struct outbox *unlocked;
		static const int order[] = { 2, 3, 0, 1, 4, 5 };

		/* Unlocked: the risk records first, in the order they were
		 * saved, then the rest; and the first batch of two holds
		 * both risk records. */
		ck_assert_int_eq(outbox_from_store(st, &unlocked, &err), 0);
		ck_assert_int_eq(outbox_next_batch(unlocked, 64,
		    PROTO_BATCH_JSON, &b, &err), 0);
		ck_assert_uint_eq(b.n, 6);
		for (size_t i = 0; i < 6; i++)
			ck_assert_str_eq(b.ids[i], ids[order[i]]);
		outbox_batch_free(&b);
		ck_assert_int_eq(outbox_next_batch(unlocked, 2,
		    PROTO_BATCH_JSON, &b, &err), 0);
		ck_assert_uint_eq(b.n, 2);
		ck_assert_str_eq(b.ids[0], ids[2]);
		ck_assert_str_eq(b.ids[1], ids[3]);
		outbox_batch_free(&b);
		outbox_close(unlocked);
	}

	/* Limits: records, and bytes of JSON (at least one record). */
	ck_assert_int_eq(outbox_next_batch(ob, 2, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 2);
	ck_assert(batch_holds(&b, ids[0]));
	ck_assert(!batch_holds(&b, ids[5]));
	outbox_batch_free(&b);
	ck_assert_int_eq(outbox_next_batch(ob, 64, 10, &b, &err), 0);
	ck_assert_uint_eq(b.n, 1);
	outbox_batch_free(&b);
	ck_assert_int_eq(outbox_next_batch(ob, 64, 600, &b, &err), 0);
	ck_assert_uint_eq(b.n, 2);	/* each estimated from its JSON */
	ck_assert_uint_le(b.len, 600);
	outbox_batch_free(&b);

	/* Acknowledged ones leave; the record stays in the profile. */
	acked[0] = ids[3];
	acked[1] = ids[2];
	ck_assert_int_eq(outbox_ack(ob, acked, 2, NOW, &err), 0);
	ck_assert_int_eq(outbox_reject(ob, ids[5], "bad_signature", &err), 0);
	ck_assert_int_eq(outbox_next_batch(ob, 64, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 3);
	ck_assert_str_eq(b.ids[0], ids[0]);
	ck_assert_str_eq(b.ids[2], ids[4]);
	ck_assert(!batch_holds(&b, ids[3]));
	ck_assert(!batch_holds(&b, ids[5]));
	outbox_batch_free(&b);
	ck_assert_int_eq(outbox_counts(ob, &w, &rej, &err), 0);
	ck_assert_uint_eq(w, 3);	/* the registration is not counted */
	ck_assert_uint_eq(rej, 1);
	ck_assert_int_eq(store_count_records(st, "checkin", &err), 6);
	{
		struct earlier ea;

		ck_assert_int_eq(outbox_count_earlier(st, &ea, &err), 0);
		ck_assert_int_eq(ea.checkins, 4);
	}
	outbox_close(ob);
}
END_TEST

/* The body's runs for the next batch, each checked under the device's
 * key; returns how many runs, and the size of the run of each of the
 * batch's records in run_n (when not NULL). */
static size_t
next_runs_n(struct outbox *ob, const struct reg *r, size_t want,
    size_t *run_n)
{
	struct sw_error		 err = { 0 };
	struct outbox_batch	 b;
	struct proto_sync2	 y;
	unsigned char		*body;
	size_t			 len;
	const char		*why;

	ck_assert_int_eq(outbox_next_batch(ob, 64, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, want);
	ck_assert_int_eq(outbox_sync_body(ob, &b, 1795429600, 0, &body, &len,
	    &err), 0);
	ck_assert_msg(proto_sync2_parse(body, len, &y, &why) == 0, "%s", why);
	ck_assert_int_eq(y.v, PROTO_V3);
	for (size_t i = 0; i < y.nruns; i++)
		ck_assert(proto_run3_ok(&y, i, r->sign_pk));
	for (size_t i = 0; run_n != NULL && i < b.n; i++)
		run_n[i] = outbox_batch_run_n(&b, b.ids[i]);
	ck_assert_uint_eq(outbox_batch_run_n(&b, "not in the batch"), 0);
	free(body);
	outbox_batch_free(&b);
	return y.nruns;
}

static size_t
next_runs(struct outbox *ob, const struct reg *r, size_t want)
{
	return next_runs_n(ob, r, want, NULL);
}

/* Records queued one after another go in one run under one signature; a
 * record the server refuses for its run's signature goes again alone, and
 * is set aside only when refused alone; a changed chain in the clear
 * state costs a run, never a record. */
START_TEST(test_runs_refusal_and_chain)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct reg		 r;
	char			 ids[6][33];
	size_t			 w, rej, run_n[8];
	sqlite3			*db;

	enroll();
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(outbox_save_record(st, "checkin", 100 + i,
		    "{\"total\":3,\"risk\":false}", false, NULL, -1, ids[i],
		    &err), 0);
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	registration_read(ob, &r);
	ck_assert_uint_eq(next_runs_n(ob, &r, 4, run_n), 1);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(run_n[i], 4);
	/* Refused in a run of four: each goes again, in a run of its own
	 * for the one named, the chain taken up again after it. */
	ck_assert_int_eq(outbox_refused(ob, ids[1], "bad_signature", 4, &err),
	    0);
	ck_assert_int_eq(outbox_waiting(ob, ids[1]), 1);
	ck_assert_int_eq(outbox_counts(ob, &w, &rej, &err), 0);
	ck_assert_uint_eq(rej, 0);
	ck_assert_uint_eq(next_runs_n(ob, &r, 4, run_n), 3);
	ck_assert_uint_eq(run_n[0], 1);
	ck_assert_uint_eq(run_n[1], 1);	/* ids[1], alone */
	ck_assert_uint_eq(run_n[2], 2);
	ck_assert_uint_eq(run_n[3], 2);
	/* Refused alone: set aside. Another error: set aside at once. */
	ck_assert_int_eq(outbox_refused(ob, ids[1], "bad_signature", 1, &err),
	    1);
	ck_assert_int_eq(outbox_refused(ob, ids[3], "bad_record", 2, &err), 1);
	ck_assert_int_eq(outbox_counts(ob, &w, &rej, &err), 0);
	ck_assert_uint_eq(w, 2);
	ck_assert_uint_eq(rej, 2);
	ck_assert_uint_eq(next_runs(ob, &r, 2), 1 + 1);
	outbox_close(ob);
	/* Someone changes the clear chain: the next record still goes, in a
	 * run of its own. */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE sync_state SET value = "
	    "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE key = 'chain'",
	    NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_changes(db), 1);
	sqlite3_close(db);
	ck_assert_int_eq(outbox_save_record(st, "checkin", 200,
	    "{\"total\":4,\"risk\":false}", false, NULL, -1, ids[4], &err), 0);
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	ck_assert_uint_eq(next_runs(ob, &r, 3), 3);
	/* A record sent in a run of one, never refused before, that the
	 * server refuses for its signature is set aside at once: there is
	 * no other in its run to blame, so sending it alone again would
	 * only be refused again. */
	ck_assert_int_eq(outbox_refused(ob, ids[4], "bad_signature", 1, &err),
	    1);
	ck_assert_int_eq(outbox_counts(ob, &w, &rej, &err), 0);
	ck_assert_uint_eq(w, 2);
	ck_assert_uint_eq(rej, 3);
	outbox_close(ob);
}
END_TEST

/* ---- backoff ---- */

/* A request's records are marked while it is out, for another process to
 * see: on their way now while the sender lives; after a request that
 * ended without the server's answer, or whose sender was killed, the
 * clinic may hold them, until they are acknowledged. */
START_TEST(test_records_on_their_way)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct outbox_batch	 b;
	enum in_flight		 f;
	char			 ids[3][33];
	const char		*acked[1];
	pid_t			 child;
	int			 status;

	enroll();
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(outbox_save_record(st, "exercise", 100 + i,
		    "{\"values\":{}}", false, NULL, 1, ids[i], &err), 0);
	ck_assert_int_eq(outbox_record_in_flight(st, ids[0], NOW, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_NONE);
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	ck_assert_int_eq(outbox_next_batch(ob, 2, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 2);
	/* Out now, from this process: on their way; the third is not. */
	ck_assert_int_eq(outbox_sending_begin(ob, &b, NOW, &err), 0);
	ck_assert_int_eq(outbox_record_in_flight(st, b.ids[0], NOW, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_NOW);
	ck_assert_int_eq(outbox_record_in_flight(st, ids[2], NOW, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_NONE);
	/* A mark older than any request can be is not "now". */
	ck_assert_int_eq(outbox_record_in_flight(st, b.ids[0], NOW + 7200,
	    &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_MAYBE);
	/* The server answered: its word stands, nothing is uncertain. */
	ck_assert_int_eq(outbox_sending_end(ob, false, &err), 0);
	ck_assert_int_eq(outbox_record_in_flight(st, b.ids[0], NOW, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_NONE);
	/* Cut off before the answer: the clinic may hold both. */
	ck_assert_int_eq(outbox_sending_begin(ob, &b, NOW, &err), 0);
	ck_assert_int_eq(outbox_sending_end(ob, true, &err), 0);
	ck_assert_int_eq(outbox_record_in_flight(st, b.ids[1], NOW, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_MAYBE);
	/* Acknowledged later: no longer uncertain once the marks are next
	 * written. */
	ck_assert_str_eq(b.ids[0], ids[0]);
	ck_assert_str_eq(b.ids[1], ids[1]);
	acked[0] = ids[1];
	ck_assert_int_eq(outbox_ack(ob, acked, 1, NOW, &err), 0);
	/* The old batch holds a record no longer waiting: not marked. */
	ck_assert_int_eq(outbox_sending_begin(ob, &b, NOW, &err), 1);
	outbox_batch_free(&b);
	ck_assert_int_eq(outbox_next_batch(ob, 1, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_int_eq(outbox_sending_begin(ob, &b, NOW, &err), 0);
	ck_assert_int_eq(outbox_sending_end(ob, false, &err), 0);
	ck_assert_int_eq(outbox_record_in_flight(st, ids[1], NOW, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_NONE);
	ck_assert_int_eq(outbox_record_in_flight(st, ids[0], NOW, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_MAYBE);
	outbox_batch_free(&b);
	/* A record taken out of the queue (made private) after the batch was
	 * read: nothing is marked, and the batch must be read again. */
	ck_assert_int_eq(outbox_next_batch(ob, 3, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 2);	/* ids[0] and ids[2] */
	ck_assert_int_eq(outbox_remove_record(st, ids[2], &err), 0);
	ck_assert_int_eq(outbox_sending_begin(ob, &b, NOW, &err), 1);
	ck_assert_int_eq(outbox_record_in_flight(st, ids[0], NOW, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_MAYBE);	/* from before, not now */
	outbox_batch_free(&b);
	ck_assert_int_eq(outbox_next_batch(ob, 3, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_int_eq(outbox_sending_begin(ob, &b, NOW, &err), 0);
	ck_assert_int_eq(outbox_record_in_flight(st, ids[0], NOW, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_NOW);
	ck_assert_int_eq(outbox_sending_end(ob, false, &err), 0);
	outbox_batch_free(&b);
	/* Put back for the killed sender below. */
	ck_assert_int_eq(outbox_save_record(st, "exercise", 103,
	    "{\"values\":{}}", false, NULL, 1, ids[2], &err), 0);
	outbox_close(ob);
	/* A sender killed while its request was out: its mark stays, and
	 * counts as maybe stored once it is gone. */
	if ((child = fork()) == 0) {
		struct outbox		*cob;
		struct outbox_batch	 cb;

		if (outbox_open(path, &cob, &err) != 0 ||
		    outbox_next_batch(cob, 3, PROTO_BATCH_JSON, &cb, &err) != 0 ||
		    outbox_sending_begin(cob, &cb, NOW, &err) != 0)
			_exit(1);
		_exit(0);	/* never ended: as if killed */
	}
	ck_assert_int_gt(child, 0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(outbox_record_in_flight(st, ids[2], NOW, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_MAYBE);
}
END_TEST

/* A shared entry a sync is sending says so, and cannot be made private
 * then (the refusal is the guard when the patient's screen was read
 * before that sync began); once the sync was cut off before the answer it
 * is shared and waiting again, and made private it says the clinic may
 * have it. */
START_TEST(test_entry_being_sent)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct outbox_batch	 b;
	enum entry_share	 state, after;
	long long		 now = (long long)time(NULL);
	char			 id[33], *words;

	enroll();
	ck_assert_int_eq(outbox_save_record(st, RECORD_EXERCISE, 100,
	    "{\"values\":{}}", false, NULL, 1, id, &err), 0);
	ck_assert_int_eq(entry_share_state(st, NULL, id, &state, &err), 0);
	ck_assert_int_eq(state, ENTRY_SHARED);
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	ck_assert_int_eq(outbox_next_batch(ob, 5, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_int_eq(outbox_sending_begin(ob, &b, now, &err), 0);
	ck_assert_int_eq(entry_share_state(st, NULL, id, &state, &err), 0);
	ck_assert_int_eq(state, ENTRY_SENDING);
	words = entry_share_words(state, "Test Clinic");
	ck_assert_str_eq(words, "Shared: Stepwise is sending it to Test "
	    "Clinic right now.");
	free(words);
	/* Sharing it again changes nothing; making it private is refused,
	 * and it stays queued. */
	ck_assert_int_eq(entry_share(st, id, true, &after, &err), 0);
	ck_assert_int_eq(after, ENTRY_SENDING);
	ck_assert_int_eq(entry_share(st, id, false, &after, &err), -1);
	ck_assert_int_eq(err.code, SW_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "right now"));
	ck_assert_int_eq(outbox_waiting(ob, id), 1);
	/* Cut off before the answer: it goes again at the next sync. */
	ck_assert_int_eq(outbox_sending_end(ob, true, &err), 0);
	ck_assert_int_eq(entry_share_state(st, NULL, id, &state, &err), 0);
	ck_assert_int_eq(state, ENTRY_SHARED);
	ck_assert_int_eq(entry_share(st, id, false, &after, &err), 0);
	ck_assert_int_eq(after, ENTRY_MAYBE_SENT);
	ck_assert_int_eq(outbox_waiting(ob, id), 0);
	outbox_batch_free(&b);
	outbox_close(ob);
}
END_TEST

START_TEST(test_backoff_bounds_and_retry_after)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct sync_status	 ss;

	enroll();
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	for (int round = 0; round < 20; round++) {
		long long d = 30;

		for (int n = 1; n <= 12; n++) {
			ck_assert_int_eq(outbox_note_failure(ob, NOW, 0,
			    "Could not reach the clinic.", &err), 0);
			ck_assert_int_eq(outbox_status(ob, &ss, &err), 0);
			ck_assert_int_eq(ss.failures, n);
			ck_assert_int_ge(ss.next_try - NOW, d / 2);
			ck_assert_int_le(ss.next_try - NOW, d);
			ck_assert_int_eq(ss.last_attempt, NOW);
			ck_assert_int_eq(ss.retry_after, 0);
			ck_assert_str_eq(ss.last_error, "Could not reach the "
			    "clinic.");
			d = d * 2 > 1800 ? 1800 : d * 2;
		}
		ck_assert_int_eq(outbox_note_success(ob, NOW + 5, &err), 0);
		ck_assert_int_eq(outbox_status(ob, &ss, &err), 0);
		ck_assert_int_eq(ss.failures, 0);
		ck_assert_int_eq(ss.next_try, 0);
		ck_assert_int_eq(ss.last_success, NOW + 5);
		ck_assert_str_eq(ss.last_error, "");
	}
	/* A longer Retry-After replaces the wait, up to 30 minutes. */
	ck_assert_int_eq(outbox_note_failure(ob, NOW, 120, "busy", &err), 0);
	ck_assert_int_eq(outbox_status(ob, &ss, &err), 0);
	ck_assert_int_eq(ss.next_try, NOW + 120);
	ck_assert_int_eq(ss.retry_after, NOW + 120);
	ck_assert_int_eq(outbox_note_failure(ob, NOW, 99999, "busy", &err), 0);
	ck_assert_int_eq(outbox_status(ob, &ss, &err), 0);
	ck_assert_int_eq(ss.next_try, NOW + 1800);
	ck_assert_int_eq(ss.retry_after, NOW + 1800);
	/* A shorter one does not shorten the backoff. */
	for (int i = 0; i < 5; i++)
		outbox_note_failure(ob, NOW, 0, "x", &err);
	ck_assert_int_eq(outbox_note_failure(ob, NOW, 5, "x", &err), 0);
	ck_assert_int_eq(outbox_status(ob, &ss, &err), 0);
	ck_assert_int_ge(ss.next_try, NOW + 900);
	ck_assert_int_eq(ss.retry_after, NOW + 5);
	/* Stopped until enrolled again. */
	ck_assert_int_eq(outbox_note_stop(ob, "token_used", "Used.", &err), 0);
	ck_assert_int_eq(outbox_status(ob, &ss, &err), 0);
	ck_assert_str_eq(ss.stopped, "token_used");
	ck_assert_str_eq(ss.last_error, "Used.");
	outbox_close(ob);
}
END_TEST

/* ---- messages ---- */

/* A message as stepwise-clinic message makes it: the inner id and device
 * sealed, the outer ones signed (the same unless a test says otherwise). */
static unsigned char *
clinic_message_x(const char *inner_id, const char *inner_device,
    const char *id, const char *device, const unsigned char box_pk[32],
    const char *text, long long sent_at, size_t *ctlen, unsigned char sig[64])
{
	char		*json = xasprintf("{\"v\":1,\"id\":\"%s\",\"device\":"
			    "\"%s\",\"sent_at\":%lld,\"from\":\"Sam\","
			    "\"text\":\"%s\"}", inner_id, inner_device, sent_at,
			    text);
	unsigned char	*ct = proto_seal(json, box_pk, ctlen), *m;
	size_t		 mlen;

	free(json);
	m = proto_envelope_bytes(PROTO_CTX_MESSAGE, device, id, ct, *ctlen,
	    &mlen);
	crypto_sign_detached(sig, NULL, m, mlen, clinic_sign_sk);
	free(m);
	return ct;
}

static unsigned char *
clinic_message(const char *id, const char *device,
    const unsigned char box_pk[32], const char *text, long long sent_at,
    size_t *ctlen, unsigned char sig[64])
{
	return clinic_message_x(id, device, id, device, box_pk, text, sent_at,
	    ctlen, sig);
}

START_TEST(test_keep_message_checks_the_clinic_signature)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct sync_status	 ss;
	struct reg		 r;
	unsigned char		*ct, sig[64];
	size_t			 ctlen;
	char			 id[33], id2[33];

	enroll();
	ck_assert_int_eq(outbox_open(path, &ob, &err), 0);
	registration_read(ob, &r);
	proto_new_id(id);
	ct = clinic_message(id, r.device, r.box_pk, "Hello", NOW, &ctlen, sig);
	ck_assert_int_eq(outbox_message_cursor(ob), 0);
	ck_assert_int_eq(outbox_keep_message(ob, 7, id, ct, ctlen, sig, NOW,
	    &err), 0);
	ck_assert_int_eq(outbox_message_cursor(ob), 7);
	ck_assert_int_eq(outbox_unread(ob, &err), 1);
	/* Again (a crash between keeping and the cursor): held once. */
	ck_assert_int_eq(outbox_keep_message(ob, 7, id, ct, ctlen, sig, NOW,
	    &err), 1);
	ck_assert_int_eq(outbox_unread(ob, &err), 1);
	/* A changed byte: not kept, counted, cursor moves past it. */
	proto_new_id(id2);
	ct[60] ^= 1;
	ck_assert_int_eq(outbox_keep_message(ob, 9, id2, ct, ctlen, sig, NOW,
	    &err), 2);
	free(ct);
	/* Signed for another device: not kept either. */
	ct = clinic_message(id2, "00000000000000000000000000000000", r.box_pk,
	    "Hi", NOW, &ctlen, sig);
	ck_assert_int_eq(outbox_keep_message(ob, 11, id2, ct, ctlen, sig, NOW,
	    &err), 2);
	free(ct);
	ck_assert_int_eq(outbox_message_cursor(ob), 11);
	ck_assert_int_eq(outbox_unread(ob, &err), 1);
	ck_assert_int_eq(outbox_status(ob, &ss, &err), 0);
	ck_assert_int_eq(ss.bad_messages, 2);
	/* The cursor never goes back. */
	ck_assert_int_eq(outbox_keep_message(ob, 3, id, ct = clinic_message(id,
	    r.device, r.box_pk, "Hello", NOW, &ctlen, sig), ctlen, sig, NOW,
	    &err), 1);
	free(ct);
	ck_assert_int_eq(outbox_message_cursor(ob), 11);
	outbox_close(ob);
}
END_TEST

START_TEST(test_messages_load_opens_and_checks_messages_and_replies)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct sync_status	 ss;
	struct reg		 r;
	struct message		*v;
	unsigned char		*ct, sig[64], other_pk[32], other_sk[32];
	size_t			 ctlen, n;
	char			 id[33], id2[33], id3[33], id4[33];

	enroll();
	ck_assert_int_eq(outbox_from_store(st, &ob, &err), 0);
	registration_read(ob, &r);
	proto_new_id(id);
	ct = clinic_message(id, r.device, r.box_pk, "How are you?", NOW - 100,
	    &ctlen, sig);
	ck_assert_int_eq(outbox_keep_message(ob, 1, id, ct, ctlen, sig, NOW,
	    &err), 0);
	free(ct);
	/* Signed by the clinic but sealed to another key: dropped on
	 * unlock. */
	crypto_box_keypair(other_pk, other_sk);
	proto_new_id(id2);
	ct = clinic_message(id2, r.device, other_pk, "Lost", NOW, &ctlen, sig);
	ck_assert_int_eq(outbox_keep_message(ob, 2, id2, ct, ctlen, sig, NOW,
	    &err), 0);
	free(ct);
	/* Inner id or device differs from the outer one: dropped too. */
	proto_new_id(id3);
	ct = clinic_message_x(id, r.device, id3, r.device, r.box_pk, "Moved",
	    NOW, &ctlen, sig);
	ck_assert_int_eq(outbox_keep_message(ob, 3, id3, ct, ctlen, sig, NOW,
	    &err), 0);
	free(ct);
	proto_new_id(id4);
	ct = clinic_message_x(id4, "0123456789abcdef0123456789abcdef", id4,
	    r.device, r.box_pk, "Elsewhere", NOW, &ctlen, sig);
	ck_assert_int_eq(outbox_keep_message(ob, 4, id4, ct, ctlen, sig, NOW,
	    &err), 0);
	free(ct);
	ck_assert_int_eq(outbox_unread(ob, &err), 4);
	ck_assert_int_eq(reply_save(st, "Better, thanks", id, NOW - 50, &err),
	    0);
	ck_assert_int_eq(reply_save(st, "  ", NULL, NOW, &err), -1);

	ck_assert_int_eq(messages_load(st, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].id, id);
	ck_assert(!v[0].from_patient);
	ck_assert_str_eq(v[0].text, "How are you?");
	ck_assert_str_eq(v[0].from, "Sam");
	ck_assert_int_eq(v[0].at, NOW - 100);
	ck_assert(!v[0].read);
	ck_assert(v[1].from_patient);
	ck_assert_str_eq(v[1].text, "Better, thanks");
	ck_assert_int_eq(v[1].at, NOW - 50);
	messages_free(v, n);
	ck_assert_int_eq(outbox_unread(ob, &err), 1);
	ck_assert_int_eq(outbox_status(ob, &ss, &err), 0);
	ck_assert_int_eq(ss.bad_messages, 3);
	ck_assert_int_eq(messages_load(st, &v, &n, &err), 0);
	ck_assert_int_eq(messages_mark_read(st, v, n, NOW, &err), 0);
	ck_assert(v[0].read);
	messages_free(v, n);
	ck_assert_int_eq(outbox_unread(ob, &err), 0);
	ck_assert_int_eq(messages_load(st, &v, &n, &err), 0);
	ck_assert(v[0].read);
	messages_free(v, n);
	/* The reply waits in the outbox like any record. */
	{
		size_t w, rej;

		ck_assert_int_eq(outbox_counts(ob, &w, &rej, &err), 0);
		ck_assert_uint_eq(w, 1);
	}
	outbox_close(ob);
}
END_TEST

START_TEST(test_stopped_device_enrolls_again_and_keeps_messages)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct reg		 r1, r2;
	struct message		*v;
	struct outbox_batch	 b;
	enum in_flight		 f;
	unsigned char		*ct, sig[64];
	size_t			 ctlen, n, w, rej;
	char			 id[33], cut[33];
	cJSON			*info;

	enroll();
	ck_assert_int_eq(outbox_save_record(st, "checkin", 5, "{\"risk\":"
	    "false}", false, NULL, -1, NULL, &err), 0);
	ck_assert_int_eq(outbox_from_store(st, &ob, &err), 0);
	registration_read(ob, &r1);
	/* A request cut off before its answer: the old clinic may hold its
	 * record, and enrolling again must not forget that. */
	ck_assert_int_eq(outbox_next_batch(ob, 8, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_uint_eq(b.n, 1);
	snprintf(cut, sizeof cut, "%s", b.ids[0]);
	ck_assert_int_eq(outbox_sending_begin(ob, &b, NOW, &err), 0);
	ck_assert_int_eq(outbox_sending_end(ob, true, &err), 0);
	outbox_batch_free(&b);
	proto_new_id(id);
	ct = clinic_message(id, r1.device, r1.box_pk, "Old", NOW, &ctlen, sig);
	ck_assert_int_eq(outbox_keep_message(ob, 4, id, ct, ctlen, sig, NOW,
	    &err), 0);
	free(ct);
	ck_assert_int_eq(outbox_note_stop(ob, "token_used", "x", &err), 0);
	outbox_close(ob);
	randombytes_buf(token, sizeof token);
	enroll();
	ck_assert_int_eq(outbox_from_store(st, &ob, &err), 0);
	registration_read(ob, &r2);
	ck_assert_str_ne(r1.device, r2.device);
	ck_assert_int_eq(outbox_message_cursor(ob), 0);
	ck_assert_int_eq(outbox_counts(ob, &w, &rej, &err), 0);
	ck_assert_uint_eq(w, 1);
	ck_assert_int_eq(outbox_record_in_flight(st, cut, NOW, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_MAYBE);
	ck_assert_int_eq(messages_load(st, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].text, "Old");
	messages_free(v, n);
	ck_assert_int_eq(outbox_clinic_info(st, &info, &err), 0);
	ck_assert_str_eq(proto_str(info, "clinic"),
	    "Riverside Talking Therapies");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(info,
	    "crisis")), 2);
	cJSON_Delete(info);
	outbox_close(ob);
}
END_TEST

/* Enrolling with another clinic after a sync to the first was cut off: an
 * entry made private then says the clinic it was joined to before may
 * have it, never the new one (enrolling with the same clinic again keeps
 * its name: test_stopped_device_enrolls_again_and_keeps_messages). */
START_TEST(test_another_clinic_is_not_named_for_what_the_old_may_have)
{
	struct sw_error		 err = { 0 };
	struct outbox		*ob;
	struct outbox_batch	 b;
	enum entry_share	 state, after;
	enum in_flight		 f;
	long long		 now = (long long)time(NULL);
	char			 id[33], *words;

	enroll();
	ck_assert_int_eq(outbox_save_record(st, RECORD_EXERCISE, 100,
	    "{\"values\":{}}", false, NULL, 1, id, &err), 0);
	ck_assert_int_eq(outbox_from_store(st, &ob, &err), 0);
	ck_assert_int_eq(outbox_next_batch(ob, 8, PROTO_BATCH_JSON, &b, &err),
	    0);
	ck_assert_int_eq(outbox_sending_begin(ob, &b, now, &err), 0);
	ck_assert_int_eq(outbox_sending_end(ob, true, &err), 0);
	outbox_batch_free(&b);
	ck_assert_int_eq(entry_share(st, id, false, &after, &err), 0);
	ck_assert_int_eq(after, ENTRY_MAYBE_SENT);
	ck_assert_int_eq(outbox_note_stop(ob, "token_used", "x", &err), 0);
	outbox_close(ob);
	/* Another clinic: other keys. */
	crypto_box_keypair(clinic_box_pk, clinic_box_sk);
	crypto_sign_keypair(clinic_sign_pk, clinic_sign_sk);
	randombytes_buf(token, sizeof token);
	enroll();
	ck_assert_int_eq(outbox_record_in_flight(st, id, now, &f), 0);
	ck_assert_int_eq(f, IN_FLIGHT_MAYBE_BEFORE);
	ck_assert_int_eq(entry_share_state(st, NULL, id, &state, &err), 0);
	ck_assert_int_eq(state, ENTRY_MAYBE_SENT_BEFORE);
	words = entry_share_words(state, "New Clinic");
	ck_assert_ptr_null(strstr(words, "New Clinic"));
	ck_assert_ptr_nonnull(strstr(words, "joined to before"));
	free(words);
	/* Shared and made private again, it says the same. */
	ck_assert_int_eq(entry_share(st, id, true, &after, &err), 0);
	ck_assert_int_eq(after, ENTRY_SHARED);
	ck_assert_int_eq(entry_share(st, id, false, &after, &err), 0);
	ck_assert_int_eq(after, ENTRY_MAYBE_SENT_BEFORE);
	words = entry_shared_words(after, "New Clinic");
	ck_assert_ptr_null(strstr(words, "New Clinic"));
	free(words);
	/* And a third enrollment, with that clinic again, keeps it so. */
	ck_assert_int_eq(outbox_from_store(st, &ob, &err), 0);
	ck_assert_int_eq(outbox_note_stop(ob, "token_used", "x", &err), 0);
	outbox_close(ob);
	randombytes_buf(token, sizeof token);
	enroll();
	ck_assert_int_eq(entry_share_state(st, NULL, id, &state, &err), 0);
	ck_assert_int_eq(state, ENTRY_MAYBE_SENT_BEFORE);
}
END_TEST

/* ---- privacy ---- */

START_TEST(test_no_answer_text_in_the_profile_file)
{
	struct sw_error	 err = { 0 };
	char		*bytes, *json;
	size_t		 len;

	json = xasprintf("{\"exercise\":\"catch-a-thought\",\"values\":"
	    "{\"thought\":\"%s before\"}}", MARKER);
	ck_assert_int_eq(outbox_save_record(st, "exercise", 1, json, false, NULL, 1,
	    NULL, &err), 0);
	free(json);
	enroll();
	json = xasprintf("{\"exercise\":\"catch-a-thought\",\"values\":"
	    "{\"thought\":\"%s after\"}}", MARKER);
	ck_assert_int_eq(outbox_save_record(st, "exercise", 2, json, false, NULL, 1,
	    NULL, &err), 0);
	free(json);
	ck_assert_int_eq(reply_save(st, MARKER " reply", NULL, 3, &err), 0);
	store_close(st);
	st = NULL;
	bytes = file_bytes(&len);
	ck_assert_ptr_null(memmem(bytes, len, MARKER, strlen(MARKER)));
	ck_assert_ptr_null(memmem(bytes, len, "catch-a-thought", 15));
	ck_assert_ptr_null(memmem(bytes, len, "Samaritans", 10));
	ck_assert_ptr_null(memmem(bytes, len, "sign_sk", 7));
	ck_assert_ptr_nonnull(memmem(bytes, len, "registration", 12));
	free(bytes);
	json = xasprintf("%s-journal", path);
	ck_assert_int_ne(access(json, F_OK), 0);
	free(json);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("outbox");
	TCase	*tc = tcase_create("outbox");

	if (sodium_init() < 0)
		return 1;
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_enrollment_file_read_with_every_field);
	tcase_add_test(tc, test_enrollment_file_each_bad_field_names_its_path);
	tcase_add_test(tc, test_enrollment_file_newer_version_or_not_json);
	tcase_add_test(tc, test_enroll_signs_a_registration_the_server_can_check);
	tcase_add_test(tc, test_enroll_twice_refused_expired_refused);
	tcase_add_test(tc, test_not_enrolled_profile_is_left_untouched);
	tcase_add_test(tc, test_clear_sync_state_without_sealed_enrollment_is_dropped);
	tcase_add_test(tc, test_envelope_verifies_and_opens_to_the_exact_plaintext);
	tcase_add_test(tc, test_records_before_enrolling_are_queued_by_enroll);
	tcase_add_test(tc, test_each_envelope_carries_the_device_counter);
	tcase_add_test(tc, test_record_too_long_to_send_is_not_kept);
	tcase_add_test(tc, test_queue_order_ack_reject_and_limits);
	tcase_add_test(tc, test_damaged_envelope_set_aside_not_sent);
	tcase_add_test(tc, test_runs_refusal_and_chain);
	tcase_add_test(tc, test_records_on_their_way);
	tcase_add_test(tc, test_entry_being_sent);
	tcase_add_test(tc, test_backoff_bounds_and_retry_after);
	tcase_add_test(tc, test_keep_message_checks_the_clinic_signature);
	tcase_add_test(tc, test_messages_load_opens_and_checks_messages_and_replies);
	tcase_add_test(tc, test_stopped_device_enrolls_again_and_keeps_messages);
	tcase_add_test(tc, test_another_clinic_is_not_named_for_what_the_old_may_have);
	tcase_add_test(tc, test_no_answer_text_in_the_profile_file);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
