/* fuzz_proto.c: the byte rules of stepwise-protocol(7) that both sides
 * share (src/core/proto.c). The first byte of an input picks the rule, the
 * rest is its input. Besides not crashing, the round trips must hold:
 * unpad(pad(x)) == x with the padded length a multiple of the block,
 * open(seal(x)) == x (version 1, 2 and 3, a version 2 ciphertext 48 bytes
 * and a multiple of 160, a version 3 one 16 and a multiple of 128, the
 * same bytes each time), inflate(deflate(x)) == x, and a POST /v2/sync
 * body that parses gives records that lie inside it, each of a length
 * its version allows, and runs that hold exactly its version 3 records
 * in order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto.h"
#include "util.h"

static unsigned char pk[crypto_box_PUBLICKEYBYTES];
static unsigned char sk[crypto_box_SECRETKEYBYTES];
static unsigned char spk[crypto_sign_PUBLICKEYBYTES];
static unsigned char ssk[crypto_sign_SECRETKEYBYTES];
static const char id3[] = "749eb657037b4eec738973a6f986aad0";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[crypto_box_SEEDBYTES] = { 7 };

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		return -1;
	crypto_box_seed_keypair(pk, sk, seed);
	crypto_sign_seed_keypair(spk, ssk, seed);
	return 0;
}

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void
json_members(const cJSON *j)
{
	static const char *const keys[] = { "v", "device", "records", NULL };
	unsigned char	 bin[64];
	long long	 v;

	(void)proto_only_keys(j, keys);
	(void)proto_str(j, "device");
	(void)proto_int(j, "v", &v);
	(void)proto_bin(j, "signature", bin, sizeof bin);
	(void)proto_error_code_ok(proto_str(j, "error"));
}

static void
round_trips(const char *s)
{
	unsigned char	*p, *ct, *z, *back;
	char		*t;
	size_t		 n, zn, bn;

	if ((p = proto_pad(s, &n)) != NULL) {
		CHECK(n % PROTO_PAD_BLOCK == 0 && n > strlen(s));
		CHECK((t = proto_unpad(p, n)) != NULL && strcmp(t, s) == 0);
		free(t);
	}
	if ((ct = proto_seal(s, pk, &n)) != NULL) {
		CHECK((t = proto_open(ct, n, pk, sk)) != NULL &&
		    strcmp(t, s) == 0);
		wipe_free(t);
		free(ct);
	}
	if ((ct = proto_seal2(s, pk, &n)) != NULL) {
		CHECK(proto_ct_len_ok(PROTO_V2, n));
		CHECK((t = proto_open2(ct, n, pk, sk)) != NULL &&
		    strcmp(t, s) == 0);
		wipe_free(t);
		free(ct);
	}
	if ((ct = proto_seal3(s, id3, pk, ssk, &n)) != NULL) {
		unsigned char	*again;
		size_t		 n2;

		CHECK(proto_ct_len_ok(PROTO_V3, n));
		CHECK((again = proto_seal3(s, id3, pk, ssk, &n2)) != NULL &&
		    n2 == n && memcmp(again, ct, n) == 0);
		free(again);
		CHECK((t = proto_open3(ct, n, id3, spk, sk)) != NULL &&
		    strcmp(t, s) == 0);
		wipe_free(t);
		free(ct);
	}
	if ((z = proto_deflate(s, strlen(s), &zn)) != NULL) {
		CHECK(proto_inflate(z, zn, false, PROTO_MAX_BODY, &back,
		    &bn) == 0 && bn == strlen(s) && memcmp(back, s, bn) == 0);
		free(back);
		free(z);
	}
}

static void
sync2_parse(const uint8_t *b, size_t n)
{
	struct proto_sync2	*y = xmalloc(sizeof *y);
	const char		*why;

	if (proto_sync2_parse(b, n, y, &why) == 0) {
		CHECK(why == NULL && y->n <= PROTO_MAX_BATCH &&
		    y->signed_len + PROTO_SIG_LEN == n);
		for (size_t i = 0; i < y->n; i++)
			CHECK(proto_ct_len_ok(y->rec[i].v, y->rec[i].ctlen) &&
			    y->rec[i].ct > b && y->rec[i].ct + y->rec[i].ctlen <=
			    b + y->signed_len && proto_id_ok(y->rec[i].id));
		CHECK(y->v == PROTO_V3 || y->nruns == 0);
		for (size_t r = 0, at = 0; r < y->nruns; r++) {
			while (at < y->n && y->rec[at].v != PROTO_V3)
				at++;
			CHECK(y->run[r].n >= 1 && y->run[r].first == at &&
			    at + y->run[r].n <= y->n);
			for (size_t i = at; i < at + y->run[r].n; i++)
				CHECK(y->rec[i].v == PROTO_V3 &&
				    y->rec[i].run == r);
			at += y->run[r].n;
			(void)proto_run3_ok(y, r, spk);
		}
	} else
		CHECK(why != NULL);
	free(y);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 why[PROTO_WHY_MAX], *s, *t;
	const char	*w;
	unsigned char	*out, *buf, key[PROTO_KEY_LEN];
	size_t		 n, len;
	cJSON		*j;

	if (size < 1)
		return 0;
	n = size - 1;
	s = xmalloc(n + 1);	/* the input as a string, NUL-terminated */
	memcpy(s, data + 1, n);
	s[n] = '\0';
	switch (data[0] % 9) {
	case 0:
		if ((j = proto_parse(s, n, why, sizeof why)) != NULL) {
			json_members(j);
			cJSON_Delete(j);
		}
		break;
	case 1:
		if (proto_unb64_alloc(s, PROTO_MAX_CIPHERTEXT, &out, &len) == 0)
			free(out);
		(void)proto_unb64(s, key, sizeof key);
		break;
	case 2:
		buf = xmalloc(n ? n : 1);
		memcpy(buf, data + 1, n);
		if ((t = proto_unpad(buf, n)) != NULL)
			free(t);
		break;
	case 3:
	case 4:
		if (proto_inflate(data + 1, n, data[0] % 9 == 4, 65536, &out,
		    &len) == 0) {
			CHECK(len <= 65536 && out[len] == '\0');
			free(out);
		}
		break;
	case 5:
		(void)proto_utf8_ok(s, n);
		(void)proto_text_ok(s, PROTO_TEXT_MAX);
		(void)proto_lines_ok(s, PROTO_MAX_MESSAGE_TEXT);
		(void)proto_text_why(s, PROTO_TEXT_MAX, false, why, sizeof why);
		(void)proto_text_why(s, PROTO_TEXT_MAX, true, why, sizeof why);
		break;
	case 6:
		(void)proto_pin_ok(s);
		(void)proto_url_ok(s, &w);
		(void)proto_url_is_http(s);
		(void)proto_id_ok(s);
		(void)proto_error_code_ok(s);
		break;
	case 7:
		if ((t = proto_open(data + 1, n, pk, sk)) != NULL)
			wipe_free(t);
		if ((t = proto_open2(data + 1, n, pk, sk)) != NULL)
			wipe_free(t);
		if ((t = proto_open3(data + 1, n, id3, spk, sk)) != NULL)
			wipe_free(t);
		sync2_parse(data + 1, n);
		break;
	case 8:
		if (strlen(s) == n)
			round_trips(s);
		break;
	}
	free(s);
	return 0;
}
