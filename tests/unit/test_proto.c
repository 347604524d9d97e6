/* test_proto.c: the byte-level rules of stepwise-protocol(7): strict
 * base64url, ids, the signed byte strings, padded sealed boxes, bounded
 * inflate, strict JSON and the URL rule. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "proto.h"
#include "util.h"
#include "unit.h"

START_TEST(test_b64_round_trip_and_exact_length)
{
	unsigned char	 k[32], back[32];
	char		*s;

	randombytes_buf(k, sizeof k);
	s = proto_b64(k, sizeof k);
	ck_assert_uint_eq(strlen(s), 43);
	ck_assert_int_eq(proto_unb64(s, back, sizeof back), 0);
	ck_assert_mem_eq(k, back, sizeof k);
	/* One byte short or long of the expected length is refused. */
	ck_assert_int_eq(proto_unb64(s, back, 31), -1);
	free(s);
}
END_TEST

START_TEST(test_b64_refuses_padding_other_alphabet_and_space)
{
	unsigned char	out[3];

	ck_assert_int_eq(proto_unb64("AAEC", out, 3), 0);
	ck_assert_int_eq(out[2], 2);
	ck_assert_int_eq(proto_unb64("AAE=", out, 2), -1);
	ck_assert_int_eq(proto_unb64("AA+C", out, 3), -1);
	ck_assert_int_eq(proto_unb64("AA/C", out, 3), -1);
	ck_assert_int_eq(proto_unb64("AA C", out, 3), -1);
	ck_assert_int_eq(proto_unb64(NULL, out, 3), -1);
}
END_TEST

START_TEST(test_b64_alloc_limits)
{
	unsigned char	*p;
	size_t		 n;

	ck_assert_int_eq(proto_unb64_alloc("AAECAw", 16, &p, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(p[3], 3);
	free(p);
	ck_assert_int_eq(proto_unb64_alloc("AAECAw", 3, &p, &n), -2);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(proto_unb64_alloc("AAECA", 16, &p, &n), -1);
	ck_assert_int_eq(proto_unb64_alloc("AA=C", 16, &p, &n), -1);
}
END_TEST

START_TEST(test_ids)
{
	char id[PROTO_ID_LEN + 1], other[PROTO_ID_LEN + 1];

	proto_new_id(id);
	proto_new_id(other);
	ck_assert(proto_id_ok(id));
	ck_assert_str_ne(id, other);
	ck_assert(!proto_id_ok("749EB657037B4EEC738973A6F986AAD0"));
	ck_assert(!proto_id_ok("749eb657037b4eec738973a6f986aad"));
	ck_assert(!proto_id_ok("749eb657037b4eec738973a6f986aad0a"));
	ck_assert(!proto_id_ok("749eb657037b4eec738973a6f986aadg"));
	ck_assert(!proto_id_ok(NULL));
}
END_TEST

START_TEST(test_enroll_bytes_are_179_and_laid_out)
{
	unsigned char	tpk[32], b[32], s[32], r[32];
	unsigned char	out[PROTO_ENROLL_SIGBYTES];
	const char	*dev = "d6ee2dbac4dde8e27d95ea5b30204712";

	memset(tpk, 1, 32);
	memset(b, 2, 32);
	memset(s, 3, 32);
	memset(r, 4, 32);
	proto_enroll_bytes(tpk, dev, b, s, r, out);
	ck_assert_uint_eq(sizeof out, 179);
	ck_assert_mem_eq(out, "stepwise-enroll-v1\0", 19);
	ck_assert_int_eq(out[19], 1);
	ck_assert_mem_eq(out + 51, dev, 32);
	ck_assert_int_eq(out[83], 2);
	ck_assert_int_eq(out[115], 3);
	ck_assert_int_eq(out[147], 4);
	ck_assert_int_eq(out[178], 4);
}
END_TEST

START_TEST(test_token_bytes_big_endian_expiry)
{
	unsigned char	 tpk[32], *m;
	size_t		 n;

	memset(tpk, 9, 32);
	m = proto_token_bytes(tpk, 0x0102030405LL, "R-0193", &n);
	ck_assert_uint_eq(n, 18 + 32 + 8 + 6);
	ck_assert_mem_eq(m, "stepwise-token-v1\0", 18);
	ck_assert_mem_eq(m + 50, "\0\0\0\1\2\3\4\5", 8);
	ck_assert_mem_eq(m + 58, "R-0193", 6);
	free(m);
}
END_TEST

START_TEST(test_request_bytes_hash_of_nothing)
{
	unsigned char	*m;
	size_t		 n;
	const char	*want = "stepwise-request-v1\0GET\n/v1/messages?after=7\n"
			    "1795433400\nd6ee2dbac4dde8e27d95ea5b30204712\n"
			    "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787"
			    "faab45cdf12fe3a8";
	size_t		 wn = 20 + strlen("GET\n/v1/messages?after=7\n"
			    "1795433400\nd6ee2dbac4dde8e27d95ea5b30204712\n") +
			    64;

	m = proto_request_bytes("GET", "/v1/messages?after=7", "1795433400",
	    "d6ee2dbac4dde8e27d95ea5b30204712", "", 0, &n);
	ck_assert_uint_eq(n, wn);
	ck_assert_mem_eq(m, want, wn);
	free(m);
}
END_TEST

START_TEST(test_seal_pads_to_256_and_opens)
{
	unsigned char	 pk[32], sk[32], *ct;
	size_t		 n;
	char		*json, *back;

	crypto_box_keypair(pk, sk);
	ct = proto_seal("{\"v\":1}", pk, &n);
	ck_assert_uint_eq(n, 48 + 256);
	back = proto_open(ct, n, pk, sk);
	ck_assert_str_eq(back, "{\"v\":1}");
	wipe_free(back);
	/* A changed byte does not open. */
	ct[60] ^= 1;
	ck_assert_ptr_null(proto_open(ct, n, pk, sk));
	free(ct);

	/* 256 bytes of JSON become 512: padding always adds a byte. */
	json = xmalloc(257);
	memset(json, 'x', 256);
	json[256] = '\0';
	ct = proto_seal(json, pk, &n);
	ck_assert_uint_eq(n, 48 + 512);
	free(ct);
	free(json);

	/* Over 65536 padded bytes cannot be sealed. */
	json = xmalloc(65537);
	memset(json, 'x', 65536);
	json[65536] = '\0';
	ck_assert_ptr_null(proto_seal(json, pk, &n));
	/* 65535 bytes and one of padding are exactly the limit. */
	json[65535] = '\0';
	ct = proto_seal(json, pk, &n);
	ck_assert_ptr_nonnull(ct);
	ck_assert_uint_eq(n, PROTO_MAX_CIPHERTEXT);
	free(ct);
	free(json);
}
END_TEST

/* Version 2: a PHQ-9 check-in with or without a risk answer and its risk
 * signal, and a risk signal, all seal to 208 bytes; a longer record to a
 * multiple of 160 more; each opens to its text, and a changed byte or a
 * version 1 opener does not open it. */
START_TEST(test_seal2_one_size_for_risk_and_not)
{
	static const char *const fmt[] = {
		"{\"v\":2,\"id\":\"%s\",\"device\":\"%s\",\"kind\":\"checkin\","
		"\"created_at\":1795429600,\"n\":17,\"record\":{\"measure\":"
		"\"phq9\",\"answers\":[1,2,1,0,1,2,1,0,0],\"functional\":1,"
		"\"total\":8,\"severity\":\"mild\",\"severity_label\":\"Mild\","
		"\"risk\":false,\"completed_at\":\"2026-11-23T10:26:40Z\","
		"\"completed_ts\":1795429600}}",
		"{\"v\":2,\"id\":\"%s\",\"device\":\"%s\",\"kind\":\"checkin\","
		"\"created_at\":1795429600,\"n\":17,\"record\":{\"measure\":"
		"\"phq9\",\"answers\":[3,3,3,3,3,3,3,3,3],\"functional\":3,"
		"\"total\":27,\"severity\":\"severe\",\"severity_label\":"
		"\"Severe\",\"risk\":true,\"completed_at\":"
		"\"2026-11-23T10:26:40Z\",\"completed_ts\":1795429600,"
		"\"risk_signal\":\"%s\"}}",
		"{\"v\":2,\"id\":\"%s\",\"device\":\"%s\",\"kind\":\"risk\","
		"\"created_at\":1795429600,\"n\":16,\"record\":{\"measure\":"
		"\"phq9\",\"item\":9,\"answer\":3,\"answered_at\":"
		"\"2026-11-23T10:26:40Z\",\"answered_ts\":1795429600}}",
	};
	unsigned char	 pk[32], sk[32], *ct;
	char		 a[33], b[33], c[33], *json, *back, big[2000];
	size_t		 n;

	crypto_box_keypair(pk, sk);
	for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
		proto_new_id(a);
		proto_new_id(b);
		proto_new_id(c);
		json = xasprintf(fmt[i], a, b, c);
		ct = proto_seal2(json, pk, &n);
		ck_assert_ptr_nonnull(ct);
		ck_assert_uint_eq(n, 48 + PROTO_V2_BLOCK);
		back = proto_open2(ct, n, pk, sk);
		ck_assert_str_eq(back, json);
		wipe_free(back);
		ck_assert_ptr_null(proto_open(ct, n, pk, sk));
		ct[60] ^= 1;
		ck_assert_ptr_null(proto_open2(ct, n, pk, sk));
		free(ct);
		free(json);
	}
	/* Incompressible text: more blocks of 160. */
	for (size_t i = 0; i < sizeof big - 1; i++)
		big[i] = (char)('a' + randombytes_uniform(26));
	big[sizeof big - 1] = '\0';
	ct = proto_seal2(big, pk, &n);
	ck_assert(n > 48 + PROTO_V2_BLOCK && (n - 48) % PROTO_V2_BLOCK == 0);
	back = proto_open_v(PROTO_V2, ct, n, pk, sk);
	ck_assert_str_eq(back, big);
	wipe_free(back);
	ck_assert_ptr_null(proto_open_v(3, ct, n, pk, sk));
	free(ct);
}
END_TEST

/* A POST /v2/sync body: what parses, and each way one does not. */
START_TEST(test_sync2_body_rules)
{
	unsigned char	 ct1[48 + 256], ct2[48 + 160], sig[64], *b = NULL, *x;
	char		 id1[33], id2[33];
	size_t		 len = 0, n;
	struct proto_sync2 y;
	const char	*why;

	randombytes_buf(ct1, sizeof ct1);
	ct1[0] = 0;	/* read as a second byte of k below, it is a 0 */
	randombytes_buf(ct2, sizeof ct2);
	randombytes_buf(sig, sizeof sig);
	proto_new_id(id1);
	proto_new_id(id2);
	b = xmalloc(PROTO_V2_HEAD);
	len = PROTO_V2_HEAD;
	proto_sync2_head(b, PROTO_V2, id1, 1795429600, 7, 2);
	proto_rec2_put(&b, &len, 1, id1, sig, ct1, sizeof ct1);
	proto_rec2_put(&b, &len, 2, id2, sig, ct2, sizeof ct2);
	b = xreallocarray(b, len + 64, 1);
	memcpy(b + len, sig, 64);
	n = len + 64;
	/* k is 1 for both, one LEB128 byte each. */
	ck_assert_uint_eq(n, 34 + (1 + 16 + 64 + 1 + 304) + (1 + 16 + 64 + 1 +
	    208) + 64);
	ck_assert_msg(proto_sync2_parse(b, n, &y, &why) == 0, "%s", why);
	ck_assert_str_eq(y.device, id1);
	ck_assert_int_eq(y.time, 1795429600);
	ck_assert_int_eq(y.after, 7);
	ck_assert_uint_eq(y.n, 2);
	ck_assert_int_eq(y.rec[0].v, 1);
	ck_assert_str_eq(y.rec[0].id, id1);
	ck_assert_uint_eq(y.rec[0].ctlen, sizeof ct1);
	ck_assert_int_eq(memcmp(y.rec[0].ct, ct1, sizeof ct1), 0);
	ck_assert_int_eq(y.rec[1].v, 2);
	ck_assert_uint_eq(y.rec[1].ctlen, sizeof ct2);
	ck_assert_uint_eq(y.signed_len, n - 64);
	/* Cut anywhere: refused. */
	for (size_t k = 0; k < n; k += 7)
		ck_assert_int_ne(proto_sync2_parse(b, k, &y, &why), 0);
	x = xmalloc(n + 1);
	/* A byte more before the signature, a version 4 body, a record of
	 * version 3 in a version 2 body, a count of 65, a count that says 3.
	 * (A version 3 body may carry version 1 and 2 records as they are.) */
	memcpy(x, b, n - 64);
	x[n - 64] = 0;
	memcpy(x + n - 63, b + n - 64, 64);
	ck_assert_int_eq(proto_sync2_parse(x, n + 1, &y, &why), -1);
	memcpy(x, b, n);
	x[0] = 3;
	ck_assert_msg(proto_sync2_parse(x, n, &y, &why) == 0, "%s", why);
	ck_assert_int_eq(y.v, 3);
	ck_assert_uint_eq(y.n, 2);
	ck_assert_uint_eq(y.nruns, 0);
	x[0] = 4;
	ck_assert_int_eq(proto_sync2_parse(x, n, &y, &why), -1);
	memcpy(x, b, n);
	x[34] = 3;
	ck_assert_int_eq(proto_sync2_parse(x, n, &y, &why), -1);
	memcpy(x, b, n);
	x[33] = 65;
	ck_assert_int_eq(proto_sync2_parse(x, n, &y, &why), -2);
	x[33] = 3;
	ck_assert_int_eq(proto_sync2_parse(x, n, &y, &why), -1);
	/* k written in two bytes where one would do, and k = 0. */
	memcpy(x, b, n);
	x[34 + 81] = 0x81;
	ck_assert_int_eq(proto_sync2_parse(x, n, &y, &why), -1);
	x[34 + 81] = 0;
	ck_assert_int_eq(proto_sync2_parse(x, n, &y, &why), -1);
	/* A time over 2^53-1. */
	memcpy(x, b, n);
	memset(x + 17, 0xff, 8);
	ck_assert_int_eq(proto_sync2_parse(x, n, &y, &why), -1);
	ck_assert_ptr_nonnull(why);
	free(x);
	free(b);
}
END_TEST

/* Version 3: every check-in and risk signal boxes to 144 bytes; it opens
 * only with the clinic's key and the key of the device that made it, for
 * the id it was made for; the same record boxes to the same bytes. */
START_TEST(test_seal3_one_size_only_its_device)
{
	static const char *const recs[] = {
		"{\"v\":3,\"kind\":\"checkin\",\"created_at\":1795429600,"
		"\"n\":1234567,\"record\":{\"measure\":\"phq9\",\"answers\":"
		"[1,2,1,0,1,2,1,0,0],\"functional\":1,\"total\":8,\"severity\":"
		"\"mild\",\"severity_label\":\"Mild\",\"risk\":false,"
		"\"completed_at\":\"2026-11-23T10:26:40Z\",\"completed_ts\":"
		"1795429600}}",
		"{\"v\":3,\"kind\":\"checkin\",\"created_at\":1795429600,"
		"\"n\":1234567,\"record\":{\"measure\":\"phq9\",\"answers\":"
		"[3,3,3,3,3,3,3,3,3],\"functional\":3,\"total\":27,\"severity\":"
		"\"moderately_severe\",\"severity_label\":\"Moderately severe\","
		"\"risk\":true,\"completed_at\":\"2026-11-23T10:26:40Z\","
		"\"completed_ts\":1795429600,\"risk_signal\":"
		"\"2e88ca698cf56c28ed8064b6e73f8767\"}}",
		"{\"v\":3,\"kind\":\"checkin\",\"created_at\":1795429600,"
		"\"n\":1234567,\"record\":{\"measure\":\"gad7\",\"answers\":"
		"[3,3,3,3,3,3,3],\"functional\":3,\"total\":21,\"severity\":"
		"\"severe\",\"severity_label\":\"Severe\",\"risk\":false,"
		"\"completed_at\":\"2026-11-23T10:26:40Z\",\"completed_ts\":"
		"1795429600}}",
		"{\"v\":3,\"kind\":\"risk\",\"created_at\":1795429600,"
		"\"n\":1234567,\"record\":{\"measure\":\"phq9\",\"item\":9,"
		"\"answer\":3,\"answered_at\":\"2026-11-23T10:26:40Z\","
		"\"answered_ts\":1795429600}}",
	};
	unsigned char	 box_pk[32], box_sk[32], spk[32], ssk[64], opk[32];
	unsigned char	 osk[64], *ct, *again, key[PROTO_KEY_LEN];
	unsigned char	 bad_pk[32] = { 0 };
	char		 id[33], other[33], *back, big[2000];
	size_t		 n, n2;

	crypto_box_keypair(box_pk, box_sk);
	crypto_sign_keypair(spk, ssk);
	crypto_sign_keypair(opk, osk);
	for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		proto_new_id(id);
		proto_new_id(other);
		ct = proto_seal3(recs[i], id, box_pk, ssk, &n);
		ck_assert_ptr_nonnull(ct);
		ck_assert_uint_eq(n, 16 + PROTO_V3_BLOCK);
		back = proto_open3(ct, n, id, spk, box_sk);
		ck_assert_str_eq(back, recs[i]);
		wipe_free(back);
		again = proto_seal3(recs[i], id, box_pk, ssk, &n2);
		ck_assert_uint_eq(n2, n);
		ck_assert_int_eq(memcmp(again, ct, n), 0);
		free(again);
		/* Another device's key, another id, a changed byte. */
		ck_assert_ptr_null(proto_open3(ct, n, id, opk, box_sk));
		ck_assert_ptr_null(proto_open3(ct, n, other, spk, box_sk));
		ct[40] ^= 1;
		ck_assert_ptr_null(proto_open3(ct, n, id, spk, box_sk));
		free(ct);
		/* In two steps, with the key made once for the device: the
		 * same text, and still only its own device's. */
		ct = proto_seal3(recs[i], id, box_pk, ssk, &n);
		ck_assert_int_eq(proto_open3_key(key, spk, box_sk), 0);
		back = proto_open3_with(ct, n, id, key);
		ck_assert_str_eq(back, recs[i]);
		wipe_free(back);
		ck_assert_ptr_null(proto_open3_with(ct, n, other, key));
		ck_assert_ptr_null(proto_open3_with(ct, n - 1, id, key));
		ck_assert_int_eq(proto_open3_key(key, opk, box_sk), 0);
		ck_assert_ptr_null(proto_open3_with(ct, n, id, key));
		free(ct);
		/* Made by another device for this one's id: not this one's. */
		ct = proto_seal3(recs[i], id, box_pk, osk, &n);
		ck_assert_ptr_null(proto_open3(ct, n, id, spk, box_sk));
		free(ct);
	}
	ck_assert_ptr_null(proto_seal3(recs[0], "not an id", box_pk, ssk, &n));
	/* A signing key of small order converts to no X25519 key. */
	ck_assert_int_eq(proto_open3_key(key, bad_pk, box_sk), -1);
	for (size_t i = 0; i < sizeof key; i++)
		ck_assert_uint_eq(key[i], 0);
	for (size_t i = 0; i < sizeof big - 1; i++)
		big[i] = (char)('a' + randombytes_uniform(26));
	big[sizeof big - 1] = '\0';
	ct = proto_seal3(big, id, box_pk, ssk, &n);
	ck_assert(n > 16 + PROTO_V3_BLOCK && (n - 16) % PROTO_V3_BLOCK == 0);
	ck_assert(proto_ct_len_ok(PROTO_V3, n));
	ck_assert(!proto_ct_len_ok(PROTO_V3, n + 48));
	back = proto_open3(ct, n, id, spk, box_sk);
	ck_assert_str_eq(back, big);
	wipe_free(back);
	free(ct);
}
END_TEST

/* A body of version 3: a version 2 record, a run of two and a run of one
 * parse; each run's signature holds over the chain through its records,
 * and fails when a record is changed, left out or moved to another run. */
START_TEST(test_sync3_runs)
{
	unsigned char	 spk[32], ssk[64], ct[4][16 + 128], sig2[64];
	unsigned char	 ct2[48 + 160], c[32], zero[32] = { 0 }, run_sig[3][64];
	unsigned char	*b, *m, *x;
	char		 dev[33], id[4][33];
	size_t		 len, n, at, ml;
	struct proto_sync2 y;
	const char	*why;

	crypto_sign_keypair(spk, ssk);
	proto_new_id(dev);
	randombytes_buf(ct2, sizeof ct2);
	randombytes_buf(sig2, sizeof sig2);
	/* Four version 3 envelopes on one chain, each signed through itself. */
	memcpy(c, zero, sizeof c);
	for (size_t i = 0; i < 4; i++) {
		proto_new_id(id[i]);
		randombytes_buf(ct[i], sizeof ct[i]);
		proto_chain3(c, id[i], ct[i], sizeof ct[i], c);
		if (i >= 1) {
			m = proto_run3_bytes(dev, c, &ml);
			crypto_sign_detached(run_sig[i - 1], NULL, m, ml, ssk);
			free(m);
		}
	}
	/* The first is sent before; then a run of 1 and 2, and of 3 alone,
	 * its prev the chain through 2. */
	b = xmalloc(PROTO_V2_HEAD);
	len = PROTO_V2_HEAD;
	proto_sync2_head(b, PROTO_V3, dev, 1795429600, 0, 4);
	proto_rec2_put(&b, &len, 2, id[0], sig2, ct2, sizeof ct2);
	memcpy(c, zero, sizeof c);
	proto_chain3(c, id[0], ct[0], sizeof ct[0], c);
	at = proto_run3_begin(&b, &len, c);
	proto_rec3_put(&b, &len, id[1], ct[1], sizeof ct[1]);
	proto_rec3_put(&b, &len, id[2], ct[2], sizeof ct[2]);
	proto_run3_end(&b, &len, at, 2, run_sig[1]);
	proto_chain3(c, id[1], ct[1], sizeof ct[1], c);
	proto_chain3(c, id[2], ct[2], sizeof ct[2], c);
	at = proto_run3_begin(&b, &len, c);
	proto_rec3_put(&b, &len, id[3], ct[3], sizeof ct[3]);
	proto_run3_end(&b, &len, at, 1, run_sig[2]);
	b = xreallocarray(b, len + 64, 1);
	memset(b + len, 0, 64);
	n = len + 64;
	ck_assert_uint_eq(n, 34 + (1 + 16 + 64 + 1 + 208) + (1 + 32 + 1 + 2 *
	    (16 + 1 + 144) + 64) + (1 + 32 + 1 + 16 + 1 + 144 + 64) + 64);
	ck_assert_msg(proto_sync2_parse(b, n, &y, &why) == 0, "%s", why);
	ck_assert_int_eq(y.v, 3);
	ck_assert_uint_eq(y.n, 4);
	ck_assert_uint_eq(y.nruns, 2);
	ck_assert_int_eq(y.rec[0].v, 2);
	ck_assert_int_eq(y.rec[1].v, 3);
	ck_assert_str_eq(y.rec[2].id, id[2]);
	ck_assert_uint_eq(y.rec[3].run, 1);
	ck_assert_uint_eq(y.run[0].first, 1);
	ck_assert_uint_eq(y.run[0].n, 2);
	ck_assert_uint_eq(y.rec[3].ctlen, 144);
	ck_assert(proto_run3_ok(&y, 0, spk));
	ck_assert(proto_run3_ok(&y, 1, spk));
	/* Another key; a changed ciphertext byte; a run cut to one record. */
	ck_assert(!proto_run3_ok(&y, 0, zero));
	x = xmalloc(n);
	memcpy(x, b, n);
	x[(size_t)(y.rec[2].ct - b) + 5] ^= 1;
	ck_assert(proto_sync2_parse(x, n, &y, &why) == 0);
	ck_assert(!proto_run3_ok(&y, 0, spk));
	ck_assert(proto_run3_ok(&y, 1, spk));
	ck_assert(proto_sync2_parse(b, n, &y, &why) == 0);
	y.run[0].n = 1;
	ck_assert(!proto_run3_ok(&y, 0, spk));
	/* A run of 0 records, a run longer than the count, cut anywhere. */
	memcpy(x, b, n);
	x[34 + 290 + 33] = 0;
	ck_assert_int_eq(proto_sync2_parse(x, n, &y, &why), -1);
	memcpy(x, b, n);
	x[33] = 2;
	ck_assert_int_eq(proto_sync2_parse(x, n, &y, &why), -1);
	for (size_t k = 0; k < n; k += 5)
		ck_assert_int_ne(proto_sync2_parse(b, k, &y, &why), 0);
	/* A run in a version 2 body. */
	memcpy(x, b, n);
	x[0] = 2;
	ck_assert_int_eq(proto_sync2_parse(x, n, &y, &why), -1);
	free(x);
	free(b);
}
END_TEST

START_TEST(test_inflate_zlib_raw_gzip_and_bomb)
{
	const char	*text = "{\"v\":1,\"records\":[]}";
	unsigned char	*z, *out, raw[256], gz[256];
	size_t		 zn, on;
	z_stream	 s;

	z = proto_deflate(text, strlen(text), &zn);
	ck_assert_int_eq(proto_inflate(z, zn, false, 1024, &out, &on), 0);
	ck_assert_uint_eq(on, strlen(text));
	ck_assert_str_eq((char *)out, text);
	free(out);
	/* One byte short of its end does not decode. */
	ck_assert_int_eq(proto_inflate(z, zn - 1, false, 1024, &out, &on), -1);
	free(z);

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(deflateInit2(&s, 9, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = (unsigned char *)text;
	s.avail_in = (uInt)strlen(text);
	s.next_out = raw;
	s.avail_out = sizeof raw;
	ck_assert_int_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
	ck_assert_int_eq(proto_inflate(raw, s.total_out, false, 1024, &out,
	    &on), 0);
	ck_assert_str_eq((char *)out, text);
	free(out);
	deflateEnd(&s);

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = (unsigned char *)text;
	s.avail_in = (uInt)strlen(text);
	s.next_out = gz;
	s.avail_out = sizeof gz;
	ck_assert_int_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
	ck_assert_int_eq(proto_inflate(gz, s.total_out, true, 1024, &out,
	    &on), 0);
	ck_assert_str_eq((char *)out, text);
	free(out);
	deflateEnd(&s);
}
END_TEST

START_TEST(test_inflate_stops_at_limit)
{
	size_t		 big = 4 * 1024 * 1024, zn, on;
	char		*zeros = xcalloc(1, big);
	unsigned char	*z, *out;

	z = proto_deflate(zeros, big, &zn);
	ck_assert_uint_lt(zn, 8192);
	ck_assert_int_eq(proto_inflate(z, zn, false, PROTO_MAX_BODY, &out,
	    &on), -2);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(proto_inflate(z, zn, false, big, &out, &on), 0);
	ck_assert_uint_eq(on, big);
	free(out);
	free(z);
	free(zeros);
}
END_TEST

static bool
parses(const char *s)
{
	char	 why[200];
	cJSON	*j = proto_parse(s, strlen(s), why, sizeof why);
	bool	 ok = j != NULL;

	cJSON_Delete(j);
	return ok;
}

START_TEST(test_parse_strict)
{
	char	 why[200];
	cJSON	*j;

	ck_assert(parses("{\"v\":1,\"a\":[true,false,null,\"x-1.5e3\"]}"));
	ck_assert(parses("{\"v\":9007199254740991} \n"));
	ck_assert(!parses("{\"v\":1,\"v\":1}"));
	ck_assert(!parses("{\"o\":{\"k\":1,\"k\":2}}"));
	ck_assert(!parses("{\"v\":1.0}"));
	ck_assert(!parses("{\"v\":1e2}"));
	ck_assert(!parses("{\"v\":-1}"));
	ck_assert(!parses("{\"v\":9007199254740992}"));
	ck_assert(!parses("[1]"));
	ck_assert(!parses("\"x\""));
	ck_assert(!parses("{\"v\":1} {}"));
	ck_assert(!parses("{\"s\":\"\xc3\x28\"}"));
	ck_assert(!parses("{\"s\":\"\xed\xa0\x80\"}"));	/* a surrogate */
	ck_assert(parses("{\"s\":\"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x99\x82\"}"));
	j = proto_parse("{\"v\":\n  1,}", 11, why, sizeof why);
	ck_assert_ptr_null(j);
	ck_assert_ptr_nonnull(strstr(why, "line 2"));
}
END_TEST

/* An object of many keys is checked for a repeat in n log n: a repeat
 * far apart is found, and many distinct keys pass. */
START_TEST(test_parse_many_keys)
{
	size_t	 n = 50000, cap = n * 16 + 16, o = 0;
	char	*s = malloc(cap);

	ck_assert_ptr_nonnull(s);
	s[o++] = '{';
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, cap - o, "%s\"k%zu\":0",
		    i ? "," : "", i);
	snprintf(s + o, cap - o, "}");
	ck_assert(parses(s));
	snprintf(s + o, cap - o, ",\"k7\":1}");
	ck_assert(!parses(s));
	free(s);
}
END_TEST

START_TEST(test_only_keys_and_members)
{
	static const char *const keys[] = { "v", "id", NULL };
	char		 why[100];
	const char	*s = "{\"v\":1,\"id\":\"abc\",\"k\":\"AAEC\"}";
	cJSON		*j = proto_parse(s, strlen(s), why, sizeof why);
	long long	 v;
	unsigned char	 b[3];

	ck_assert(!proto_only_keys(j, keys));
	ck_assert(proto_int(j, "v", &v) && v == 1);
	ck_assert(!proto_int(j, "id", &v));
	ck_assert_str_eq(proto_str(j, "id"), "abc");
	ck_assert_ptr_null(proto_str(j, "v"));
	ck_assert(proto_bin(j, "k", b, 3));
	ck_assert(!proto_bin(j, "k", b, 2));
	cJSON_DeleteItemFromObject(j, "k");
	ck_assert(proto_only_keys(j, keys));
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_error_codes_only_the_protocols)
{
	static const struct {
		const char	*code;
		bool		 ok;
	} cases[] = {
		{ "rate_limited", true }, { "bad_record", true },
		{ "unavailable", true }, { "headers_too_large", true },
		{ "Rate_limited", false }, { "rate_limited ", false },
		{ "rate_limited\x1b]0;x\x07", false }, { "", false },
		{ "no_such_code", false }, { "HTTP 400", false },
		{ "a_code_that_is_thirty_three_chars", false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(proto_error_code_ok(cases[i].code) == cases[i].ok,
		    "%s", cases[i].code);
	ck_assert(!proto_error_code_ok(NULL));
}
END_TEST

START_TEST(test_url_rule)
{
	const char *why;

	ck_assert(proto_url_ok("https://stepwise.riverside.example", &why));
	ck_assert(proto_url_ok("https://x.example/prefix", &why));
	ck_assert(proto_url_ok("http://127.0.0.1:8470", &why));
	ck_assert(proto_url_ok("http://127.8.9.10", &why));
	ck_assert(proto_url_ok("http://[::1]:8470", &why));
	ck_assert(!proto_url_ok("http://localhost:8470", &why));
	ck_assert_ptr_nonnull(why);
	ck_assert(!proto_url_ok("http://127.0.0.1.evil.example", &why));
	ck_assert(!proto_url_ok("http://10.0.0.1", &why));
	ck_assert(!proto_url_ok("https://x.example/", &why));
	ck_assert(!proto_url_ok("https://x.example?a=1", &why));
	ck_assert(!proto_url_ok("ftp://x.example", &why));
	ck_assert(!proto_url_ok("https://", &why));
	/* Shown beside the fingerprint: nothing that drives a terminal, and
	 * nothing but printable ASCII. */
	ck_assert(!proto_url_ok("https://x.example/\x1b[2A\x1b[2K", &why));
	ck_assert(!proto_url_ok("https://x.example/a\xc2\x9b" "2J", &why));
	ck_assert(!proto_url_ok("https://x.example/\xe2\x80\xae" "moc", &why));
	ck_assert(!proto_url_ok("https://x.example/caf\xc3\xa9", &why));
	ck_assert(!proto_url_ok("https://x.example/a\x7f", &why));
	ck_assert(proto_url_ok("https://x.example/caf%C3%A9", &why));
	/* User information sends curl elsewhere: never allowed. */
	ck_assert(!proto_url_ok("http://[::1]@evil.example", &why));
	ck_assert(!proto_url_ok("http://[::1]:8470@evil.example", &why));
	ck_assert(!proto_url_ok("http://127.0.0.1@evil.example", &why));
	ck_assert(!proto_url_ok("https://good.example@evil.example", &why));
	ck_assert(!proto_url_ok("https://user:pw@good.example", &why));
	/* Loopback written as an address, nothing after it but a port. */
	ck_assert(!proto_url_ok("http://127.0.0.1:", &why));
	ck_assert(!proto_url_ok("http://127.0.0.1:0", &why));
	ck_assert(!proto_url_ok("http://127.0.0.1:65536", &why));
	ck_assert(!proto_url_ok("http://127.0.0.1:80x", &why));
	ck_assert(!proto_url_ok("http://127.1", &why));
	ck_assert(!proto_url_ok("http://127.0.0.256", &why));
	ck_assert(!proto_url_ok("http://[::1]x", &why));
	ck_assert(!proto_url_ok("http://[::2]", &why));
	ck_assert(proto_url_ok("http://127.0.0.1:65535/stepwise", &why));
	ck_assert(proto_url_ok("http://[::1]/stepwise", &why));
	ck_assert(proto_url_ok("https://[2001:db8::1]:8443", &why));
	ck_assert(proto_url_ok("https://clinic.example:8443/sw", &why));
	ck_assert(!proto_url_ok("https://clinic.example:", &why));
	ck_assert(!proto_url_ok("https://clin%69c.example", &why));
}
END_TEST

START_TEST(test_fingerprint_groups)
{
	unsigned char	a[32] = { 0 }, b[32] = { 0 };
	char		fp[40], fp2[40];

	proto_fingerprint(a, b, fp);
	ck_assert_uint_eq(strlen(fp), 39);
	ck_assert_int_eq(fp[4], ' ');
	ck_assert_int_eq(fp[34], ' ');
	b[0] = 1;
	proto_fingerprint(a, b, fp2);
	ck_assert_str_ne(fp, fp2);
}
END_TEST

/* The form the client takes (src/core/enrollment.c), so that the clinic
 * can refuse at enroll time what a patient's Stepwise would refuse. */
START_TEST(test_pin_rule)
{
	static const struct {
		const char	*pin;
		bool		 ok;
	} t[] = {
		{ "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=", true },
		{ "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=;"
		  "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", true },
		{ "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8", false },
		{ "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8==",
		  false },
		{ "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J==", false },
		{ "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J-=", false },
		{ "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8= ",
		  false },
		{ "SHA256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=", false },
		{ "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=;", false },
		{ ";sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=", false },
		{ "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=;;"
		  "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", false },
		{ "sha256//", false },
		{ "sha256//x", false },
		{ "", false },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_msg(proto_pin_ok(t[i].pin) == t[i].ok, "%s", t[i].pin);
	ck_assert(!proto_pin_ok(NULL));
}
END_TEST

/* Characters, not bytes: 200 two- or four-byte characters are allowed. */
START_TEST(test_text_max_counts_characters)
{
	static const char *const ch[] = { "a", "\xc3\xa9", "\xf0\x9f\x91\x8d" };
	char	buf[4 * 201 + 1];

	for (size_t c = 0; c < sizeof ch / sizeof ch[0]; c++) {
		buf[0] = '\0';
		for (int i = 0; i < PROTO_TEXT_MAX; i++)
			strcat(buf, ch[c]);
		ck_assert(proto_text_ok(buf, PROTO_TEXT_MAX));
		strcat(buf, ch[c]);
		ck_assert(!proto_text_ok(buf, PROTO_TEXT_MAX));
	}
	ck_assert(proto_text_ok("", PROTO_TEXT_MAX));
	ck_assert(!proto_text_ok(NULL, PROTO_TEXT_MAX));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("proto");
	TCase	*t = tcase_create("proto");

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(t, test_b64_round_trip_and_exact_length);
	tcase_add_test(t, test_b64_refuses_padding_other_alphabet_and_space);
	tcase_add_test(t, test_b64_alloc_limits);
	tcase_add_test(t, test_ids);
	tcase_add_test(t, test_enroll_bytes_are_179_and_laid_out);
	tcase_add_test(t, test_token_bytes_big_endian_expiry);
	tcase_add_test(t, test_request_bytes_hash_of_nothing);
	tcase_add_test(t, test_seal_pads_to_256_and_opens);
	tcase_add_test(t, test_seal2_one_size_for_risk_and_not);
	tcase_add_test(t, test_sync2_body_rules);
	tcase_add_test(t, test_seal3_one_size_only_its_device);
	tcase_add_test(t, test_sync3_runs);
	tcase_add_test(t, test_inflate_zlib_raw_gzip_and_bomb);
	tcase_add_test(t, test_inflate_stops_at_limit);
	tcase_add_test(t, test_parse_strict);
	tcase_add_test(t, test_parse_many_keys);
	tcase_add_test(t, test_only_keys_and_members);
	tcase_add_test(t, test_error_codes_only_the_protocols);
	tcase_add_test(t, test_url_rule);
	tcase_add_test(t, test_fingerprint_groups);
	tcase_add_test(t, test_pin_rule);
	tcase_add_test(t, test_text_max_counts_characters);
	suite_add_tcase(s, t);
	return unit_run(s);
}
