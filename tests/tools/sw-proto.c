/* sw-proto.c: test tool. Speaks the device's half of stepwise-protocol(7)
 * through src/core/proto.h, so that a shell test can drive the real
 * stepwise-clinic serve with curl. Bodies and headers go to stdout.
 *
 *   sw-proto device FILE
 *	make a device id and its three key pairs; save them to FILE (JSON,
 *	test keys in the clear: for tests only)
 *   sw-proto register DEVICE ENROLLMENT
 *	the POST /v1/enroll body, signed with the enrollment file's token
 *   sw-proto batch DEVICE ENROLLMENT N [RECORD-JSON [TAMPER]]
 *	a POST /v1/records body of N records, each sealed to the clinic's
 *	box key with RECORD-JSON as its "record" (default a PHQ-9 check-in)
 *	and signed by the device; TAMPER K flips one ciphertext byte of
 *	record K (from 0) after signing
 *   sw-proto sync2 DEVICE ENROLLMENT N
 *	a POST /v2/sync body of version 2 (binary, to stdout) with N version 2
 *	envelopes, each signed by the device, as a device of the release
 *	before version 3 sends them; signed with the request key, now
 *   sw-proto request DEVICE METHOD TARGET [TIME]
 *	the three X-Stepwise-* header lines of a signed request without a
 *	body, for curl -H @FILE (TIME defaults to now)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "proto.h"
#include "util.h"

#define DEFAULT_RECORD	"{\"measure\":\"phq9\",\"answers\":[1,2,1,0,1,2,1,0,1]," \
	"\"functional\":1,\"total\":9,\"severity\":\"mild\"," \
	"\"severity_label\":\"Mild\",\"risk\":true," \
	"\"completed_at\":\"2026-11-23T10:26:40Z\",\"completed_ts\":1795429600}"

struct device {
	char		id[PROTO_ID_LEN + 1];
	unsigned char	box_pk[32], box_sk[32];
	unsigned char	sign_pk[32], sign_sk[64];
	unsigned char	request_pk[32], request_sk[64];
};

static void
die(const char *what)
{
	fprintf(stderr, "sw-proto: %s\n", what);
	exit(1);
}

static cJSON *
load_json(const char *path)
{
	char	*s = read_file(path, NULL);
	cJSON	*j = NULL;

	if (s == NULL || (j = cJSON_Parse(s)) == NULL)
		die("cannot read a JSON file");
	free(s);
	return j;
}

static void
add_b64(cJSON *j, const char *key, const unsigned char *v, size_t n)
{
	char *s = proto_b64(v, n);

	cJSON_AddStringToObject(j, key, s);
	free(s);
}

static void
print_json(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	puts(s);
	free(s);
	cJSON_Delete(j);
}

static int
cmd_device(const char *path)
{
	struct device	 d;
	cJSON		*j = cJSON_CreateObject();
	char		*s;
	FILE		*f;

	proto_new_id(d.id);
	crypto_box_keypair(d.box_pk, d.box_sk);
	crypto_sign_keypair(d.sign_pk, d.sign_sk);
	crypto_sign_keypair(d.request_pk, d.request_sk);
	cJSON_AddStringToObject(j, "device", d.id);
	add_b64(j, "box_pk", d.box_pk, 32);
	add_b64(j, "box_sk", d.box_sk, 32);
	add_b64(j, "sign_pk", d.sign_pk, 32);
	add_b64(j, "sign_sk", d.sign_sk, 64);
	add_b64(j, "request_pk", d.request_pk, 32);
	add_b64(j, "request_sk", d.request_sk, 64);
	s = cJSON_Print(j);
	if ((f = fopen(path, "w")) == NULL || fputs(s, f) < 0 ||
	    fclose(f) != 0)
		die("cannot write the device file");
	free(s);
	cJSON_Delete(j);
	sodium_memzero(&d, sizeof d);
	return 0;
}

static void
load_device(const char *path, struct device *d)
{
	cJSON		*j = load_json(path);
	const char	*id = proto_str(j, "device");

	if (!proto_id_ok(id) ||
	    !proto_bin(j, "box_pk", d->box_pk, 32) ||
	    !proto_bin(j, "box_sk", d->box_sk, 32) ||
	    !proto_bin(j, "sign_pk", d->sign_pk, 32) ||
	    !proto_bin(j, "sign_sk", d->sign_sk, 64) ||
	    !proto_bin(j, "request_pk", d->request_pk, 32) ||
	    !proto_bin(j, "request_sk", d->request_sk, 64))
		die("not a device file");
	memcpy(d->id, id, sizeof d->id);
	cJSON_Delete(j);
}

static int
cmd_register(const struct device *d, const char *enrollment)
{
	cJSON		*e = load_json(enrollment), *j;
	unsigned char	 token[32], tpk[32], tsk[64], sig[64];
	unsigned char	 msg[PROTO_ENROLL_SIGBYTES];

	if (!proto_bin(e, "token", token, sizeof token))
		die("the enrollment file has no token");
	crypto_sign_seed_keypair(tpk, tsk, token);
	proto_enroll_bytes(tpk, d->id, d->box_pk, d->sign_pk, d->request_pk,
	    msg);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, tsk);
	sodium_memzero(token, sizeof token);
	sodium_memzero(tsk, sizeof tsk);
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "v", 1);
	add_b64(j, "token_pk", tpk, 32);
	cJSON_AddStringToObject(j, "device", d->id);
	add_b64(j, "box_pk", d->box_pk, 32);
	add_b64(j, "sign_pk", d->sign_pk, 32);
	add_b64(j, "request_pk", d->request_pk, 32);
	add_b64(j, "signature", sig, 64);
	print_json(j);
	cJSON_Delete(e);
	return 0;
}

static cJSON *
sealed_record(const struct device *d, const unsigned char *clinic_pk,
    const char *record, bool tamper)
{
	cJSON		*inner = cJSON_CreateObject(), *rec, *out;
	unsigned char	*ct, *m, sig[64];
	char		 id[PROTO_ID_LEN + 1], *text;
	size_t		 ctlen, n;

	if ((rec = cJSON_Parse(record)) == NULL)
		die("RECORD-JSON is not JSON");
	proto_new_id(id);
	cJSON_AddNumberToObject(inner, "v", 1);
	cJSON_AddStringToObject(inner, "id", id);
	cJSON_AddStringToObject(inner, "device", d->id);
	cJSON_AddStringToObject(inner, "kind", "checkin");
	cJSON_AddNumberToObject(inner, "created_at", (double)time(NULL));
	cJSON_AddItemToObject(inner, "record", rec);
	text = cJSON_PrintUnformatted(inner);
	cJSON_Delete(inner);
	if ((ct = proto_seal(text, clinic_pk, &ctlen)) == NULL)
		die("the record is too long to seal");
	free(text);
	m = proto_envelope_bytes(PROTO_CTX_RECORD, d->id, id, ct, ctlen, &n);
	crypto_sign_detached(sig, NULL, m, n, d->sign_sk);
	free(m);
	if (tamper)
		ct[ctlen / 2] ^= 0x01;
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "id", id);
	add_b64(out, "ciphertext", ct, ctlen);
	add_b64(out, "signature", sig, 64);
	free(ct);
	return out;
}

static int
cmd_batch(const struct device *d, const char *enrollment, int n,
    const char *record, int tamper)
{
	cJSON		*e = load_json(enrollment), *j, *list;
	unsigned char	 clinic_pk[32];

	if (!proto_bin(e, "clinic_box_pk", clinic_pk, 32))
		die("the enrollment file has no clinic_box_pk");
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "v", 1);
	cJSON_AddStringToObject(j, "device", d->id);
	list = cJSON_AddArrayToObject(j, "records");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(list, sealed_record(d, clinic_pk, record,
		    i == tamper));
	print_json(j);
	cJSON_Delete(e);
	return 0;
}

static int
cmd_sync2(const struct device *d, const char *enrollment, int n)
{
	cJSON		*e = load_json(enrollment), *inner, *rec;
	unsigned char	 clinic_pk[32], *body, *ct, *m, sig[64];
	char		 id[PROTO_ID_LEN + 1], *text;
	size_t		 len = PROTO_V2_HEAD, ctlen, ml;

	if (!proto_bin(e, "clinic_box_pk", clinic_pk, 32))
		die("the enrollment file has no clinic_box_pk");
	if (n < 0 || n > PROTO_MAX_BATCH)
		die("N is 0 to 64");
	body = xmalloc(len);
	proto_sync2_head(body, PROTO_V2, d->id, (long long)time(NULL), 0,
	    (size_t)n);
	for (int i = 0; i < n; i++) {
		proto_new_id(id);
		inner = cJSON_CreateObject();
		cJSON_AddNumberToObject(inner, "v", PROTO_V2);
		cJSON_AddStringToObject(inner, "id", id);
		cJSON_AddStringToObject(inner, "device", d->id);
		cJSON_AddStringToObject(inner, "kind", "checkin");
		cJSON_AddNumberToObject(inner, "created_at",
		    (double)time(NULL));
		cJSON_AddNumberToObject(inner, "n", i + 1);
		rec = cJSON_Parse(DEFAULT_RECORD);
		cJSON_AddItemToObject(inner, "record", rec);
		text = cJSON_PrintUnformatted(inner);
		cJSON_Delete(inner);
		if ((ct = proto_seal2(text, clinic_pk, &ctlen)) == NULL)
			die("the record is too long to seal");
		free(text);
		m = proto_envelope_bytes(PROTO_CTX_RECORD2, d->id, id, ct,
		    ctlen, &ml);
		crypto_sign_detached(sig, NULL, m, ml, d->sign_sk);
		free(m);
		proto_rec2_put(&body, &len, PROTO_V2, id, sig, ct, ctlen);
		free(ct);
	}
	m = proto_sync2_signed(body, len, &ml);
	crypto_sign_detached(sig, NULL, m, ml, d->request_sk);
	free(m);
	fwrite(body, 1, len, stdout);
	fwrite(sig, 1, sizeof sig, stdout);
	free(body);
	cJSON_Delete(e);
	return 0;
}

static int
cmd_request(const struct device *d, const char *method, const char *target,
    const char *when)
{
	unsigned char	*m, sig[64];
	char		 now[32], *b;
	size_t		 n;

	if (when == NULL) {
		snprintf(now, sizeof now, "%lld", (long long)time(NULL));
		when = now;
	}
	m = proto_request_bytes(method, target, when, d->id, "", 0, &n);
	crypto_sign_detached(sig, NULL, m, n, d->request_sk);
	free(m);
	b = proto_b64(sig, 64);
	printf("X-Stepwise-Device: %s\nX-Stepwise-Time: %s\n"
	    "X-Stepwise-Signature: %s\n", d->id, when, b);
	free(b);
	return 0;
}

int
main(int argc, char **argv)
{
	struct device	d;
	int		rc = 2;

	if (sodium_init() < 0)
		die("libsodium could not start");
	if (argc == 3 && strcmp(argv[1], "device") == 0)
		return cmd_device(argv[2]);
	if (argc < 4) {
		fputs("usage: sw-proto device FILE | register DEVICE ENROLLMENT"
		    " |\n  batch DEVICE ENROLLMENT N [RECORD [TAMPER]] |\n"
		    "  sync2 DEVICE ENROLLMENT N |\n"
		    "  request DEVICE METHOD TARGET [TIME]\n", stderr);
		return 2;
	}
	load_device(argv[2], &d);
	if (argc == 4 && strcmp(argv[1], "register") == 0)
		rc = cmd_register(&d, argv[3]);
	else if (argc >= 5 && argc <= 7 && strcmp(argv[1], "batch") == 0)
		rc = cmd_batch(&d, argv[3], atoi(argv[4]),
		    argc > 5 ? argv[5] : DEFAULT_RECORD,
		    argc > 6 ? atoi(argv[6]) : -1);
	else if (argc == 5 && strcmp(argv[1], "sync2") == 0)
		rc = cmd_sync2(&d, argv[3], atoi(argv[4]));
	else if ((argc == 5 || argc == 6) && strcmp(argv[1], "request") == 0)
		rc = cmd_request(&d, argv[3], argv[4], argc == 6 ? argv[5] :
		    NULL);
	else
		fputs("sw-proto: unknown command or wrong arguments\n", stderr);
	sodium_memzero(&d, sizeof d);
	return rc;
}
