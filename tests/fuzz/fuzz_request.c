/* fuzz_request.c: every request body stepwise-clinic serve parses, as
 * serve_http.c hands it on: decoded with the Content-Encoding it names
 * (proto_inflate), parsed strictly (proto_parse), then given to the
 * endpoint (api_enroll, api_records, api_sync) over a real clinic
 * database that holds one token and one registered device. The first
 * byte of an input picks the endpoint (bit 0: enroll or records; bit 1: a
 * GET /v1/messages whose query and X-Stepwise headers are the rest of the
 * input, lines of "after=...", device, time, signature; bit 5: a POST
 * /v2/sync whose binary body is the rest, answered as if it came at the
 * time it names, so that the window never stops the fuzzer short of the
 * signatures) and the coding (bits 2-3: identity, deflate, gzip); the
 * rest is the body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "clinic.h"
#include "proto.h"
#include "serve.h"
#include "util.h"
#include "fuzz.h"

/* The device the database knows, and the keys the seeds are signed with
 * (tests/fuzz/request/ holds bodies made with them, FUZZ_WRITE_SEEDS). */
#define DEVICE	"00112233445566778899aabbccddeeff"
static unsigned char	 sign_pk[32], sign_sk[64], token_pk[32], token_sk[64];
static struct server	 srv;

static void
keys(void)
{
	unsigned char seed[32] = { 1 };

	crypto_sign_seed_keypair(sign_pk, sign_sk, seed);
	seed[0] = 2;
	crypto_sign_seed_keypair(token_pk, token_sk, seed);
}

static void
db_fixture(sqlite3 *db)
{
	sqlite3_stmt	*s;
	long long	 now = (long long)time(NULL);
	unsigned char	 z[64] = { 0 };

	if (sqlite3_prepare_v2(db, "INSERT INTO tokens VALUES(?, 'P1', ?, ?, "
	    "?, ?)", -1, &s, NULL) != SQLITE_OK)
		abort();
	sqlite3_bind_blob(s, 1, token_pk, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now + 86400 * 365);
	sqlite3_bind_blob(s, 3, z, 64, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_text(s, 5, DEVICE, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		abort();
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(db, "INSERT INTO devices(device, token_pk, "
	    "patient, box_pk, sign_pk, request_pk, reg_signature, "
	    "registered_at) VALUES(?, ?, 'P1', ?, ?, ?, ?, ?)", -1, &s,
	    NULL) != SQLITE_OK)
		abort();
	sqlite3_bind_text(s, 1, DEVICE, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, token_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, z, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, sign_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, sign_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 6, z, 64, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		abort();
	sqlite3_finalize(s);
}

/* A batch of two records the device really signed, for the seed corpus:
 * the fuzzer cannot forge a signature, so the storing path is reached
 * only from seeds like this one. */
static void
write_seed(const char *dir)
{
	unsigned char	 ct[PROTO_SEAL_EXTRA + PROTO_PAD_BLOCK], sig[64];
	unsigned char	*msg;
	char		 id[PROTO_ID_LEN + 1], *b64, *sb64, path[512];
	size_t		 len;
	cJSON		*j = cJSON_CreateObject(), *arr;

	cJSON_AddNumberToObject(j, "v", 1);
	cJSON_AddStringToObject(j, "device", DEVICE);
	arr = cJSON_AddArrayToObject(j, "records");
	for (int i = 0; i < 2; i++) {
		cJSON *r = cJSON_CreateObject();

		randombytes_buf(ct, sizeof ct);
		proto_new_id(id);
		msg = proto_envelope_bytes(PROTO_CTX_RECORD, DEVICE, id, ct,
		    sizeof ct, &len);
		crypto_sign_detached(sig, NULL, msg, len, sign_sk);
		free(msg);
		b64 = proto_b64(ct, sizeof ct);
		sb64 = proto_b64(sig, sizeof sig);
		cJSON_AddStringToObject(r, "id", id);
		cJSON_AddStringToObject(r, "ciphertext", b64);
		cJSON_AddStringToObject(r, "signature", sb64);
		cJSON_AddItemToArray(arr, r);
		free(b64);
		free(sb64);
	}
	b64 = cJSON_PrintUnformatted(j);
	snprintf(path, sizeof path, "%s/records-signed", dir);
	{
		FILE *f = fopen(path, "w");

		if (f == NULL)
			abort();
		fputc(1, f);	/* records, identity */
		fputs(b64, f);
		fclose(f);
	}
	free(b64);
	cJSON_Delete(j);
}

/* A POST /v2/sync body of two records, both signed by the device, with
 * its request signature (the fixture's request key is its signing key). */
static void
write_seed_v2(const char *dir)
{
	unsigned char	 ct[PROTO_SEAL_EXTRA + PROTO_V2_BLOCK], sig[64];
	unsigned char	*msg, *recs = NULL, *body;
	char		 id[PROTO_ID_LEN + 1], path[512];
	size_t		 len, rlen = 0, n;
	FILE		*f;

	for (int i = 0; i < 2; i++) {
		randombytes_buf(ct, sizeof ct);
		proto_new_id(id);
		msg = proto_envelope_bytes(PROTO_CTX_RECORD2, DEVICE, id, ct,
		    sizeof ct, &len);
		crypto_sign_detached(sig, NULL, msg, len, sign_sk);
		free(msg);
		proto_rec2_put(&recs, &rlen, PROTO_V2, id, sig, ct, sizeof ct);
	}
	n = PROTO_V2_HEAD + rlen;
	body = xmalloc(n + 64);
	proto_sync2_head(body, PROTO_V2, DEVICE, (long long)time(NULL), 0, 2);
	memcpy(body + PROTO_V2_HEAD, recs, rlen);
	msg = proto_sync2_signed(body, n, &len);
	crypto_sign_detached(body + n, NULL, msg, len, sign_sk);
	free(msg);
	snprintf(path, sizeof path, "%s/sync-signed", dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputc(0x20, f);	/* POST /v2/sync, identity */
	fwrite(body, 1, n + 64, f);
	fclose(f);
	free(body);
	free(recs);
}

/* A POST /v2/sync body of version 3: one run of two version 3 envelopes
 * under the device's signature on their chain, with the request's. */
static void
write_seed_v3(const char *dir)
{
	unsigned char	 ct[2][PROTO_V3_EXTRA + PROTO_V3_BLOCK], sig[64];
	unsigned char	 chain[PROTO_HASH_LEN] = { 0 }, prev[PROTO_HASH_LEN];
	unsigned char	*msg, *body;
	char		 id[2][PROTO_ID_LEN + 1], path[512];
	size_t		 len, n, at;
	FILE		*f;

	memcpy(prev, chain, sizeof prev);
	for (int i = 0; i < 2; i++) {
		randombytes_buf(ct[i], sizeof ct[i]);
		proto_new_id(id[i]);
		proto_chain3(chain, id[i], ct[i], sizeof ct[i], chain);
	}
	msg = proto_run3_bytes(DEVICE, chain, &len);
	crypto_sign_detached(sig, NULL, msg, len, sign_sk);
	free(msg);
	n = PROTO_V2_HEAD;
	body = xmalloc(n);
	proto_sync2_head(body, PROTO_V3, DEVICE, (long long)time(NULL), 0, 2);
	at = proto_run3_begin(&body, &n, prev);
	for (int i = 0; i < 2; i++)
		proto_rec3_put(&body, &n, id[i], ct[i], sizeof ct[i]);
	proto_run3_end(&body, &n, at, 2, sig);
	msg = proto_sync2_signed(body, n, &len);
	crypto_sign_detached(sig, NULL, msg, len, sign_sk);
	free(msg);
	snprintf(path, sizeof path, "%s/sync3-signed", dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputc(0x20, f);	/* POST /v2/sync, identity */
	fwrite(body, 1, n, f);
	fwrite(sig, 1, sizeof sig, f);
	fclose(f);
	free(body);
}

/* POST /v2/sync: the body as it came, at the time it names. */
static void
sync_v2(const uint8_t *body, size_t len)
{
	struct request		 q = { 0 };
	struct answer		 a = { 0 };
	struct proto_sync2	*y = xmalloc(sizeof *y);
	const char		*why;

	q.srv = &srv;
	q.target = PROTO_V2_TARGET;
	q.body = body;
	q.len = len;
	q.now = proto_sync2_parse(body, len, y, &why) == 0 ? y->time :
	    (long long)time(NULL);
	free(y);
	api_sync(&q, &a);
	cJSON_Delete(a.body);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sw_error	 err = { 0 };
	char		 dir[400];
	const char	*seeds = getenv("FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		return -1;
	keys();
	snprintf(dir, sizeof dir, "%s/clinic", fuzz_tmpdir());
	if (clinic_init(dir, "Fuzz", CLINIC_DEFAULT_URL, &err) != 0 ||
	    clinic_db_open(dir, &srv.db, &err) != 0) {
		fprintf(stderr, "fuzz_request: %s\n", err.msg);
		abort();
	}
	db_fixture(srv.db);
	if (seeds != NULL) {
		write_seed(seeds);
		write_seed_v2(seeds);
		write_seed_v3(seeds);
	}
	return 0;
}

/* GET /v1/messages: the query and the three headers from the input. */
static void
messages(char *s)
{
	struct request	 q = { 0 };
	struct answer	 a = { 0 };
	char		*line[4] = { NULL, NULL, NULL, NULL };

	for (int i = 0; i < 4 && s != NULL; i++) {
		line[i] = s;
		if ((s = strchr(s, '\n')) != NULL)
			*s++ = '\0';
	}
	q.srv = &srv;
	q.target = "/v1/messages";
	q.query = line[0];
	q.device = line[1];
	q.time = line[2];
	q.signature = line[3];
	q.now = (long long)time(NULL);
	api_messages(&q, &a);
	cJSON_Delete(a.body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request	 q = { 0 };
	struct answer	 a = { 0 };
	unsigned char	*dec = NULL;
	const char	*text;
	char		 why[160], *s;
	size_t		 n;
	int		 coding, rc;
	cJSON		*j;

	if (size < 1)
		return 0;
	if (data[0] & 0x20) {
		uint8_t *body = xmalloc(size);	/* its own buffer, for ASan */

		memcpy(body, data + 1, size - 1);
		sync_v2(body, size - 1);
		free(body);
		return 0;
	}
	if (data[0] & 2) {
		s = xmalloc(size);
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		messages(s);
		free(s);
		return 0;
	}
	text = (const char *)data + 1;
	n = size - 1;
	if ((coding = (data[0] >> 2) % 3) != 0) {
		rc = proto_inflate(data + 1, size - 1, coding == 2,
		    PROTO_MAX_BODY, &dec, &n);
		if (rc != 0)
			return 0;
		text = (const char *)dec;
	}
	if ((j = proto_parse(text, n, why, sizeof why)) != NULL) {
		q.srv = &srv;
		q.target = data[0] & 1 ? "/v1/records" : "/v1/enroll";
		q.json = j;
		q.now = (long long)time(NULL);
		if (data[0] & 1)
			api_records(&q, &a);
		else
			api_enroll(&q, &a);
		cJSON_Delete(a.body);
	}
	cJSON_Delete(j);
	free(dec);
	return 0;
}
