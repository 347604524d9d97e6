/* proto.c: the byte-level rules of stepwise-protocol(7), shared by the
 * client and stepwise-clinic, so that both sides sign, seal and parse the
 * same bytes. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "i18n.h"
#include "proto.h"
#include "text.h"
#include "util.h"

#define B64_VARIANT	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define MAX_SAFE_INT	9007199254740991.0	/* 2^53 - 1 */

/* ---- base64url and ids ---- */

char *
proto_b64(const unsigned char *bin, size_t n)
{
	size_t	 len = sodium_base64_ENCODED_LEN(n, B64_VARIANT);
	char	*s = xmalloc(len);

	sodium_bin2base64(s, len, bin, n, B64_VARIANT);
	return s;
}

/* Only the URL-safe alphabet: libsodium's decoder would skip characters
 * named in ignore, and we name none, but check the alphabet ourselves so
 * the rule is visible here. */
static bool
b64_alphabet_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

int
proto_unb64(const char *s, unsigned char *out, size_t len)
{
	size_t	n, got;

	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n != sodium_base64_ENCODED_LEN(len, B64_VARIANT) - 1 ||
	    !b64_alphabet_ok(s, n))
		return -1;
	if (sodium_base642bin(out, len, s, n, NULL, &got, NULL,
	    B64_VARIANT) != 0 || got != len)
		return -1;
	return 0;
}

int
proto_unb64_alloc(const char *s, size_t max, unsigned char **out,
    size_t *len)
{
	size_t		 n, cap, got;
	const char	*end;

	*out = NULL;
	*len = 0;
	if (s == NULL)
		return -1;
	n = strlen(s);
	if (!b64_alphabet_ok(s, n) || n % 4 == 1)
		return -1;
	cap = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
	if (cap > max)
		return -2;
	*out = xmalloc(cap ? cap : 1);
	if (sodium_base642bin(*out, cap ? cap : 1, s, n, NULL, &got, &end,
	    B64_VARIANT) != 0 || end != s + n || got != cap) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*len = got;
	return 0;
}

void
proto_new_id(char out[PROTO_ID_LEN + 1])
{
	unsigned char raw[PROTO_ID_LEN / 2];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(out, PROTO_ID_LEN + 1, raw, sizeof raw);
}

bool
proto_id_ok(const char *s)
{
	if (s == NULL || strlen(s) != PROTO_ID_LEN)
		return false;
	for (size_t i = 0; i < PROTO_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* ---- signed bytes ---- */

/* A growing buffer for the concatenations the page writes with ||. */
struct cat {
	unsigned char	*p;
	size_t		 n;
};

static void
cat_put(struct cat *c, const void *v, size_t n)
{
	c->p = xreallocarray(c->p, c->n + n + 1, 1);
	memcpy(c->p + c->n, v, n);
	c->n += n;
}

static void
cat_ctx(struct cat *c, const char *ctx)
{
	cat_put(c, ctx, strlen(ctx) + 1);	/* with its NUL */
}

unsigned char *
proto_token_bytes(const unsigned char token_pk[32], long long expires_at,
    const char *patient, size_t *len)
{
	struct cat	 c = { NULL, 0 };
	unsigned char	 be[8];
	uint64_t	 v = (uint64_t)expires_at;

	for (int i = 7; i >= 0; i--) {
		be[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	cat_ctx(&c, PROTO_CTX_TOKEN);
	cat_put(&c, token_pk, 32);
	cat_put(&c, be, sizeof be);
	cat_put(&c, patient, strlen(patient));
	*len = c.n;
	return c.p;
}

void
proto_enroll_bytes(const unsigned char token_pk[32], const char *device,
    const unsigned char box_pk[32], const unsigned char sign_pk[32],
    const unsigned char request_pk[32],
    unsigned char out[PROTO_ENROLL_SIGBYTES])
{
	size_t o = sizeof PROTO_CTX_ENROLL;	/* with its NUL */

	memcpy(out, PROTO_CTX_ENROLL, o);
	memcpy(out + o, token_pk, 32);
	o += 32;
	memcpy(out + o, device, PROTO_ID_LEN);
	o += PROTO_ID_LEN;
	memcpy(out + o, box_pk, 32);
	o += 32;
	memcpy(out + o, sign_pk, 32);
	o += 32;
	memcpy(out + o, request_pk, 32);
}

unsigned char *
proto_envelope_bytes(const char *ctx, const char *device, const char *id,
    const unsigned char *ct, size_t ctlen, size_t *len)
{
	struct cat c = { NULL, 0 };

	cat_ctx(&c, ctx);
	cat_put(&c, device, PROTO_ID_LEN);
	cat_put(&c, id, PROTO_ID_LEN);
	cat_put(&c, ct, ctlen);
	*len = c.n;
	return c.p;
}

void
proto_body_hash(const void *body, size_t n, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof h, body, n, NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}

unsigned char *
proto_request_bytes(const char *method, const char *target, const char *time,
    const char *device, const void *body, size_t bodylen, size_t *len)
{
	struct cat	c = { NULL, 0 };
	char		hash[65];

	proto_body_hash(body, bodylen, hash);
	cat_ctx(&c, PROTO_CTX_REQUEST);
	cat_put(&c, method, strlen(method));
	cat_put(&c, "\n", 1);
	cat_put(&c, target, strlen(target));
	cat_put(&c, "\n", 1);
	cat_put(&c, time, strlen(time));
	cat_put(&c, "\n", 1);
	cat_put(&c, device, strlen(device));
	cat_put(&c, "\n", 1);
	cat_put(&c, hash, 64);
	*len = c.n;
	return c.p;
}

/* ---- padded sealed boxes ---- */

/* n bytes padded with sodium_pad() to a multiple of block, at most
 * PROTO_MAX_PADDED; the caller wipes and frees the result. */
static unsigned char *
pad_block(const void *p, size_t n, size_t block, size_t *len)
{
	size_t		 cap = (n / block + 1) * block;
	unsigned char	*buf;

	if (cap > PROTO_MAX_PADDED)
		return NULL;
	buf = xmalloc(cap);
	memcpy(buf, p, n);
	if (sodium_pad(len, buf, n, block, cap) != 0) {
		sodium_memzero(buf, cap);
		free(buf);
		return NULL;
	}
	return buf;
}

unsigned char *
proto_pad(const char *text, size_t *len)
{
	return pad_block(text, strlen(text), PROTO_PAD_BLOCK, len);
}

char *
proto_unpad(unsigned char *buf, size_t n)
{
	size_t unpadded;

	if (sodium_unpad(&unpadded, buf, n, PROTO_PAD_BLOCK) != 0 ||
	    memchr(buf, '\0', unpadded) != NULL) {
		sodium_memzero(buf, n);
		free(buf);
		return NULL;
	}
	buf[unpadded] = '\0';	/* unpadded < n: padding is never empty */
	return (char *)buf;
}

/* Seal padded bytes to pk, then wipe and free them. */
static unsigned char *
seal_padded(unsigned char *buf, size_t padded, const unsigned char pk[32],
    size_t *ctlen)
{
	unsigned char *ct = xmalloc(padded + crypto_box_SEALBYTES);

	crypto_box_seal(ct, buf, padded, pk);
	sodium_memzero(buf, padded);
	free(buf);
	*ctlen = padded + crypto_box_SEALBYTES;
	return ct;
}

/* The padded bytes of a sealed box of version v, or NULL when its length
 * is not one of v's or it does not open; *n gets their length. */
static unsigned char *
open_padded(int v, const unsigned char *ct, size_t ctlen,
    const unsigned char pk[32], const unsigned char *sk, size_t *n)
{
	unsigned char *buf;

	if (!proto_ct_len_ok(v, ctlen))
		return NULL;
	*n = ctlen - crypto_box_SEALBYTES;
	buf = xmalloc(*n);
	if (crypto_box_seal_open(buf, ct, ctlen, pk, sk) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

unsigned char *
proto_seal(const char *json, const unsigned char pk[32], size_t *ctlen)
{
	size_t		 padded;
	unsigned char	*buf;

	if ((buf = proto_pad(json, &padded)) == NULL)
		return NULL;
	return seal_padded(buf, padded, pk, ctlen);
}

char *
proto_open(const unsigned char *ct, size_t ctlen, const unsigned char pk[32],
    const unsigned char *sk)
{
	unsigned char	*buf;
	size_t		 n;

	if ((buf = open_padded(PROTO_VERSION, ct, ctlen, pk, sk, &n)) == NULL)
		return NULL;
	return proto_unpad(buf, n);
}

/* ---- version 2 envelopes ---- */

/* The preset dictionary of every version 2 plaintext (RFC 1951 with
 * deflateSetDictionary): the names and values a record's JSON repeats,
 * the commonest last, where they cost least to refer to. Part of the
 * protocol: it never changes within version 2. */
static const char v2_dict[] =
    "{\"kind\":\"exercise\",\"values\":{\"follows\":\"\",\"text\":\"\","
    "\"in_reply_to\":\"\",\"written_at\":,\"lesson\":\"\",\"done_at\":"
    "\"kind\":\"risk\",\"created_at\":,\"n\":,\"record\":{\"measure\":"
    "\"phq9\",\"item\":9,\"answer\":,\"answered_at\":\"2026-12-01T10:26:40Z\","
    "\"answered_ts\":\"measure\":\"gad7\",\"severity\":\"minimal\","
    "\"severity_label\":\"Minimal\",\"severity\":\"moderately_severe\","
    "\"severity_label\":\"Moderately severe\",\"severity\":\"severe\","
    "\"severity_label\":\"Severe\",\"severity\":\"moderate\","
    "\"severity_label\":\"Moderate\",{\"v\":2,\"id\":\"\",\"device\":\"\","
    "\"kind\":\"checkin\",\"created_at\":,\"n\":,\"record\":{\"measure\":"
    "\"phq9\",\"answers\":[0,1,2,3,0,1,2,3,0],\"functional\":,\"total\":,"
    "\"severity\":\"mild\",\"severity_label\":\"Mild\",\"risk\":false,"
    "\"completed_at\":\"2026-12-01T10:26:40Z\",\"completed_ts\":,"
    "\"risk_signal\":\"\",\"risk\":true,";

static unsigned char *
v2_deflate(const char *text, size_t n, size_t *outlen)
{
	z_stream	 z;
	unsigned char	*out;
	uLong		 cap;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)n);
	out = xmalloc(cap);
	z.next_in = (unsigned char *)(uintptr_t)text;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflateSetDictionary(&z, (const Bytef *)v2_dict,
	    sizeof v2_dict - 1) != Z_OK || deflate(&z, Z_FINISH) !=
	    Z_STREAM_END) {
		deflateEnd(&z);
		sodium_memzero(out, cap);
		free(out);
		return NULL;
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

/* Inflate with the dictionary into a NUL-terminated string of at most
 * PROTO_V2_MAX_PLAIN bytes; NULL when it does not inflate whole. */
static char *
v2_inflate(const unsigned char *in, size_t n)
{
	z_stream	 z;
	unsigned char	*out;
	size_t		 cap = PROTO_V2_MAX_PLAIN;
	int		 zr;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, -15) != Z_OK)
		return NULL;
	out = xmalloc(cap + 1);
	if (inflateSetDictionary(&z, (const Bytef *)v2_dict,
	    sizeof v2_dict - 1) != Z_OK) {
		inflateEnd(&z);
		free(out);
		return NULL;
	}
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	zr = inflate(&z, Z_FINISH);
	if (zr != Z_STREAM_END || z.avail_in != 0 ||
	    memchr(out, '\0', z.total_out) != NULL) {
		sodium_memzero(out, cap);
		free(out);
		inflateEnd(&z);
		return NULL;
	}
	out[z.total_out] = '\0';
	inflateEnd(&z);
	return (char *)out;
}

unsigned char *
proto_seal2(const char *json, const unsigned char pk[32], size_t *ctlen)
{
	unsigned char	*z, *buf;
	size_t		 n = strlen(json), zn, padded;

	if (n > PROTO_V2_MAX_PLAIN || (z = v2_deflate(json, n, &zn)) == NULL)
		return NULL;
	buf = pad_block(z, zn, PROTO_V2_BLOCK, &padded);
	sodium_memzero(z, zn);
	free(z);
	if (buf == NULL)
		return NULL;
	return seal_padded(buf, padded, pk, ctlen);
}

char *
proto_open2(const unsigned char *ct, size_t ctlen, const unsigned char pk[32],
    const unsigned char *sk)
{
	unsigned char	*buf;
	size_t		 n, unpadded;
	char		*text;

	if ((buf = open_padded(PROTO_V2, ct, ctlen, pk, sk, &n)) == NULL)
		return NULL;
	text = sodium_unpad(&unpadded, buf, n, PROTO_V2_BLOCK) == 0 ?
	    v2_inflate(buf, unpadded) : NULL;
	sodium_memzero(buf, n);
	free(buf);
	return text;
}

char *
proto_open_v(int v, const unsigned char *ct, size_t ctlen,
    const unsigned char pk[32], const unsigned char *sk)
{
	if (v == PROTO_VERSION)
		return proto_open(ct, ctlen, pk, sk);
	if (v == PROTO_V2)
		return proto_open2(ct, ctlen, pk, sk);
	return NULL;
}

/* ---- version 3 envelopes ---- */

/* The key a device and the clinic share for version 3 envelopes, from
 * the device's side (its Ed25519 secret key as X25519) or the clinic's
 * (the device's Ed25519 public key as X25519); -1 when a key does not
 * convert or gives a weak shared point. */
static int
v3_key_device(unsigned char k[crypto_box_BEFORENMBYTES],
    const unsigned char box_pk[32], const unsigned char *sign_sk)
{
	unsigned char	x_sk[crypto_scalarmult_curve25519_BYTES];
	int		rc;

	rc = crypto_sign_ed25519_sk_to_curve25519(x_sk, sign_sk) == 0 ?
	    crypto_box_beforenm(k, box_pk, x_sk) : -1;
	sodium_memzero(x_sk, sizeof x_sk);
	return rc;
}

static int
v3_key_clinic(unsigned char k[crypto_box_BEFORENMBYTES],
    const unsigned char sign_pk[32], const unsigned char *box_sk)
{
	unsigned char x_pk[crypto_scalarmult_curve25519_BYTES];

	if (crypto_sign_ed25519_pk_to_curve25519(x_pk, sign_pk) != 0)
		return -1;
	return crypto_box_beforenm(k, x_pk, box_sk);
}

/* The nonce: the record's id as its 16 bytes, then "stepwise". Ids are
 * random and a record is boxed again only with the same bytes, so no
 * nonce is used twice with another plaintext. */
static bool
v3_nonce(unsigned char nonce[crypto_box_NONCEBYTES], const char *id)
{
	size_t got;

	if (!proto_id_ok(id) || sodium_hex2bin(nonce, 16, id, PROTO_ID_LEN,
	    NULL, &got, NULL) != 0 || got != 16)
		return false;
	memcpy(nonce + 16, "stepwise", 8);
	return true;
}

unsigned char *
proto_seal3(const char *json, const char *id, const unsigned char box_pk[32],
    const unsigned char *sign_sk, size_t *ctlen)
{
	unsigned char	 k[crypto_box_BEFORENMBYTES], nonce[crypto_box_NONCEBYTES];
	unsigned char	*z, *buf, *ct;
	size_t		 n = strlen(json), zn, padded;

	if (n > PROTO_V2_MAX_PLAIN || !v3_nonce(nonce, id) ||
	    (z = v2_deflate(json, n, &zn)) == NULL)
		return NULL;
	buf = pad_block(z, zn, PROTO_V3_BLOCK, &padded);
	sodium_memzero(z, zn);
	free(z);
	if (buf == NULL)
		return NULL;
	ct = NULL;
	if (v3_key_device(k, box_pk, sign_sk) == 0) {
		ct = xmalloc(padded + crypto_box_MACBYTES);
		crypto_box_easy_afternm(ct, buf, padded, nonce, k);
		*ctlen = padded + crypto_box_MACBYTES;
	}
	sodium_memzero(k, sizeof k);
	sodium_memzero(buf, padded);
	free(buf);
	return ct;
}

_Static_assert(crypto_box_BEFORENMBYTES == PROTO_KEY_LEN, "a v3 key");

int
proto_open3_key(unsigned char k[PROTO_KEY_LEN], const unsigned char sign_pk[32],
    const unsigned char *box_sk)
{
	if (v3_key_clinic(k, sign_pk, box_sk) == 0)
		return 0;
	sodium_memzero(k, PROTO_KEY_LEN);
	return -1;
}

char *
proto_open3_with(const unsigned char *ct, size_t ctlen, const char *id,
    const unsigned char k[PROTO_KEY_LEN])
{
	unsigned char	 nonce[crypto_box_NONCEBYTES];
	unsigned char	*buf;
	size_t		 n, unpadded;
	char		*text = NULL;
	int		 bad;

	if (!proto_ct_len_ok(PROTO_V3, ctlen) || !v3_nonce(nonce, id))
		return NULL;
	n = ctlen - crypto_box_MACBYTES;
	buf = xmalloc(n);
	bad = crypto_box_open_easy_afternm(buf, ct, ctlen, nonce, k);
	if (!bad && sodium_unpad(&unpadded, buf, n, PROTO_V3_BLOCK) == 0)
		text = v2_inflate(buf, unpadded);
	sodium_memzero(buf, n);
	free(buf);
	return text;
}

char *
proto_open3(const unsigned char *ct, size_t ctlen, const char *id,
    const unsigned char sign_pk[32], const unsigned char *box_sk)
{
	unsigned char	 k[PROTO_KEY_LEN];
	char		*text;

	if (proto_open3_key(k, sign_pk, box_sk) != 0)
		return NULL;
	text = proto_open3_with(ct, ctlen, id, k);
	sodium_memzero(k, sizeof k);
	return text;
}

void
proto_leaf3(const char *id, const unsigned char *ct, size_t ctlen,
    unsigned char leaf[PROTO_HASH_LEN])
{
	crypto_generichash_state	h;
	unsigned char			raw[16] = { 0 };
	size_t				got;

	sodium_hex2bin(raw, sizeof raw, id, PROTO_ID_LEN, NULL, &got, NULL);
	crypto_generichash_init(&h, NULL, 0, PROTO_HASH_LEN);
	crypto_generichash_update(&h, raw, sizeof raw);
	crypto_generichash_update(&h, ct, ctlen);
	crypto_generichash_final(&h, leaf, PROTO_HASH_LEN);
}

void
proto_chain3_leaf(const unsigned char prev[PROTO_HASH_LEN],
    const unsigned char leaf[PROTO_HASH_LEN], unsigned char out[PROTO_HASH_LEN])
{
	crypto_generichash_state h;

	crypto_generichash_init(&h, NULL, 0, PROTO_HASH_LEN);
	crypto_generichash_update(&h, (const unsigned char *)PROTO_CTX_CHAIN3,
	    sizeof PROTO_CTX_CHAIN3);
	crypto_generichash_update(&h, prev, PROTO_HASH_LEN);
	crypto_generichash_update(&h, leaf, PROTO_HASH_LEN);
	crypto_generichash_final(&h, out, PROTO_HASH_LEN);
}

void
proto_chain3(const unsigned char prev[PROTO_HASH_LEN], const char *id,
    const unsigned char *ct, size_t ctlen, unsigned char out[PROTO_HASH_LEN])
{
	unsigned char leaf[PROTO_HASH_LEN];

	proto_leaf3(id, ct, ctlen, leaf);
	proto_chain3_leaf(prev, leaf, out);
}

unsigned char *
proto_run3_bytes(const char *device, const unsigned char chain[PROTO_HASH_LEN],
    size_t *len)
{
	struct cat c = { NULL, 0 };

	cat_ctx(&c, PROTO_CTX_RUN3);
	cat_put(&c, device, PROTO_ID_LEN);
	cat_put(&c, chain, PROTO_HASH_LEN);
	*len = c.n;
	return c.p;
}

bool
proto_ct_len_ok(int v, size_t ctlen)
{
	size_t block = v == PROTO_VERSION ? PROTO_PAD_BLOCK :
	    v == PROTO_V2 ? PROTO_V2_BLOCK : v == PROTO_V3 ? PROTO_V3_BLOCK : 0;
	size_t extra = v == PROTO_V3 ? crypto_box_MACBYTES :
	    crypto_box_SEALBYTES;

	return block != 0 && ctlen >= extra + block &&
	    ctlen <= PROTO_MAX_CIPHERTEXT && (ctlen - extra) % block == 0;
}

const char *
proto_record_ctx(int v)
{
	return v == PROTO_VERSION ? PROTO_CTX_RECORD : v == PROTO_V2 ?
	    PROTO_CTX_RECORD2 : NULL;
}

/* ---- the POST /v2/sync body ---- */

static void
be64_put(unsigned char *p, long long v)
{
	uint64_t u = (uint64_t)v;

	for (int i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(u & 0xff);
		u >>= 8;
	}
}

static long long
be64_get(const unsigned char *p)
{
	uint64_t u = 0;

	for (int i = 0; i < 8; i++)
		u = u << 8 | p[i];
	return u > 9007199254740991ULL ? -1 : (long long)u;
}

void
proto_sync2_head(unsigned char out[PROTO_V2_HEAD], int v, const char *device,
    long long time, long long after, size_t count)
{
	size_t got;

	out[0] = (unsigned char)v;
	sodium_hex2bin(out + 1, 16, device, PROTO_ID_LEN, NULL, &got, NULL);
	be64_put(out + 17, time);
	be64_put(out + 25, after);
	out[33] = (unsigned char)count;
}

static void
bytes_put(unsigned char **buf, size_t *len, const void *p, size_t n)
{
	*buf = xreallocarray(*buf, *len + n, 1);
	memcpy(*buf + *len, p, n);
	*len += n;
}

/* LEB128 of k (at most two bytes: k < 2^14). */
static void
k_put(unsigned char **buf, size_t *len, size_t k)
{
	unsigned char b[2];

	if (k < 0x80) {
		b[0] = (unsigned char)k;
		bytes_put(buf, len, b, 1);
	} else {
		b[0] = (unsigned char)(0x80 | (k & 0x7f));
		b[1] = (unsigned char)(k >> 7);
		bytes_put(buf, len, b, 2);
	}
}

static void
id_put(unsigned char **buf, size_t *len, const char *id)
{
	unsigned char	raw[16] = { 0 };
	size_t		got;

	sodium_hex2bin(raw, sizeof raw, id, PROTO_ID_LEN, NULL, &got, NULL);
	bytes_put(buf, len, raw, sizeof raw);
}

void
proto_rec2_put(unsigned char **buf, size_t *len, int v, const char *id,
    const unsigned char sig[PROTO_SIG_LEN], const unsigned char *ct,
    size_t ctlen)
{
	size_t		block = v == PROTO_VERSION ? PROTO_PAD_BLOCK :
			    PROTO_V2_BLOCK;
	unsigned char	vb = (unsigned char)v;

	bytes_put(buf, len, &vb, 1);
	id_put(buf, len, id);
	bytes_put(buf, len, sig, PROTO_SIG_LEN);
	k_put(buf, len, (ctlen - crypto_box_SEALBYTES) / block);
	bytes_put(buf, len, ct, ctlen);
}

size_t
proto_run3_begin(unsigned char **buf, size_t *len,
    const unsigned char prev[PROTO_HASH_LEN])
{
	unsigned char	vb = PROTO_V3, m = 0;

	bytes_put(buf, len, &vb, 1);
	bytes_put(buf, len, prev, PROTO_HASH_LEN);
	bytes_put(buf, len, &m, 1);
	return *len - 1;
}

void
proto_rec3_put(unsigned char **buf, size_t *len, const char *id,
    const unsigned char *ct, size_t ctlen)
{
	id_put(buf, len, id);
	k_put(buf, len, (ctlen - crypto_box_MACBYTES) / PROTO_V3_BLOCK);
	bytes_put(buf, len, ct, ctlen);
}

void
proto_run3_end(unsigned char **buf, size_t *len, size_t at, size_t m,
    const unsigned char sig[PROTO_SIG_LEN])
{
	(*buf)[at] = (unsigned char)m;
	bytes_put(buf, len, sig, PROTO_SIG_LEN);
}

bool
proto_run3_ok(const struct proto_sync2 *q, size_t run,
    const unsigned char sign_pk[32])
{
	const struct proto_run3	*r = &q->run[run];
	unsigned char		 c[PROTO_HASH_LEN], *m;
	size_t			 n;
	int			 bad;

	memcpy(c, r->prev, sizeof c);
	for (size_t i = r->first; i < r->first + r->n; i++)
		proto_chain3(c, q->rec[i].id, q->rec[i].ct, q->rec[i].ctlen, c);
	m = proto_run3_bytes(q->device, c, &n);
	bad = crypto_sign_verify_detached(r->sig, m, n, sign_pk);
	free(m);
	return !bad;
}

unsigned char *
proto_sync2_signed(const unsigned char *body, size_t n, size_t *len)
{
	struct cat c = { NULL, 0 };

	cat_ctx(&c, PROTO_CTX_SYNC2);
	cat_put(&c, body, n);
	*len = c.n;
	return c.p;
}

/* Parsing. end is where the request signature starts; each step returns
 * 0, or -1 / -2 with *why set. */

/* A record's k and its ciphertext of extra + k * block bytes. */
static int
k_ct_take(const unsigned char *b, size_t end, size_t *o, size_t block,
    size_t extra, struct proto_rec2 *r, const char **why)
{
	size_t k;

	*why = _("A record is cut short.");
	if (*o >= end)
		return -1;
	k = b[(*o)++] & 0x7f;
	if (b[*o - 1] & 0x80) {
		if (*o >= end)
			return -1;
		*why = _("A record's length is not in its shortest form.");
		if (b[*o] == 0 || b[*o] & 0x80)
			return -1;
		k |= (size_t)b[(*o)++] << 7;
	}
	*why = _("A record's ciphertext is over 65584 bytes.");
	if (k > PROTO_MAX_PADDED / block)
		return -2;
	*why = _("A record's ciphertext is empty.");
	if (k == 0)
		return -1;
	r->ctlen = extra + k * block;
	*why = _("A record is cut short.");
	if (end - *o < r->ctlen)
		return -1;
	r->ct = b + *o;
	*o += r->ctlen;
	return 0;
}

/* A record of version 1 or 2, its version byte read. */
static int
rec2_take(const unsigned char *b, size_t end, size_t *o,
    struct proto_rec2 *r, const char **why)
{
	*why = _("A record is cut short.");
	if (end - *o < 16 + PROTO_SIG_LEN)
		return -1;
	sodium_bin2hex(r->id, sizeof r->id, b + *o, 16);
	*o += 16;
	memcpy(r->sig, b + *o, PROTO_SIG_LEN);
	*o += PROTO_SIG_LEN;
	return k_ct_take(b, end, o, r->v == PROTO_VERSION ? PROTO_PAD_BLOCK :
	    PROTO_V2_BLOCK, crypto_box_SEALBYTES, r, why);
}

/* A run of version 3 records, its version byte read. */
static int
run3_take(const unsigned char *b, size_t end, size_t *o,
    struct proto_sync2 *q, const char **why)
{
	struct proto_run3	*run = &q->run[q->nruns];
	size_t			 m;
	int			 rc;

	*why = _("A run is cut short.");
	if (end - *o < PROTO_HASH_LEN + 1)
		return -1;
	memcpy(run->prev, b + *o, PROTO_HASH_LEN);
	*o += PROTO_HASH_LEN;
	m = b[(*o)++];
	*why = _("A run holds no record, or more than the body's count.");
	if (m == 0 || m > PROTO_MAX_BATCH - q->n)
		return -1;
	run->first = q->n;
	run->n = m;
	for (size_t i = 0; i < m; i++) {
		struct proto_rec2 *r = &q->rec[q->n++];

		r->v = PROTO_V3;
		r->run = q->nruns;
		*why = _("A record is cut short.");
		if (end - *o < 16)
			return -1;
		sodium_bin2hex(r->id, sizeof r->id, b + *o, 16);
		*o += 16;
		if ((rc = k_ct_take(b, end, o, PROTO_V3_BLOCK,
		    crypto_box_MACBYTES, r, why)) != 0)
			return rc;
	}
	*why = _("A run is cut short.");
	if (end - *o < PROTO_SIG_LEN)
		return -1;
	memcpy(run->sig, b + *o, PROTO_SIG_LEN);
	*o += PROTO_SIG_LEN;
	q->nruns++;
	return 0;
}

int
proto_sync2_parse(const unsigned char *b, size_t len, struct proto_sync2 *q,
    const char **why)
{
	size_t	o, count, end;
	int	rc;

	memset(q, 0, sizeof *q);
	*why = _("The body is shorter than its head and signature.");
	if (len < PROTO_V2_HEAD + PROTO_SIG_LEN)
		return -1;
	*why = _("The body's version is neither 2 nor 3.");
	if (b[0] != PROTO_V2 && b[0] != PROTO_V3)
		return -1;
	q->v = b[0];
	sodium_bin2hex(q->device, sizeof q->device, b + 1, 16);
	*why = _("The body's time or cursor is over 2^53-1.");
	if ((q->time = be64_get(b + 17)) < 0 ||
	    (q->after = be64_get(b + 25)) < 0)
		return -1;
	count = b[33];
	*why = _("A batch holds at most 64 records.");
	if (count > PROTO_MAX_BATCH)
		return -2;
	o = PROTO_V2_HEAD;
	end = len - PROTO_SIG_LEN;
	while (q->n < count) {
		*why = _("A record is cut short.");
		if (o >= end)
			return -1;
		if (b[o] == PROTO_V3 && q->v == PROTO_V3) {
			o++;
			if ((rc = run3_take(b, end, &o, q, why)) != 0)
				return rc;
			if (q->n > count) {
				*why = _("A run holds no record, or more than "
				    "the body's count.");
				return -1;
			}
			continue;
		}
		*why = q->v == PROTO_V2 ? _("A record's version is neither 1 "
		    "nor 2.") : _("A record's version is not 1, 2 or 3.");
		if (b[o] != PROTO_VERSION && b[o] != PROTO_V2)
			return -1;
		q->rec[q->n].v = b[o++];
		if ((rc = rec2_take(b, end, &o, &q->rec[q->n], why)) != 0)
			return rc;
		q->n++;
	}
	*why = _("The body has bytes after its last record and before its "
	    "signature.");
	if (o != end)
		return -1;
	q->signed_len = o;
	memcpy(q->sig, b + o, PROTO_SIG_LEN);
	*why = NULL;
	return 0;
}

/* ---- zlib ---- */

unsigned char *
proto_deflate(const void *in, size_t n, size_t *outlen)
{
	uLongf		 cap = compressBound((uLong)n);
	unsigned char	*out = xmalloc(cap);

	if (compress2(out, &cap, in, (uLong)n, Z_BEST_COMPRESSION) != Z_OK) {
		free(out);
		return NULL;
	}
	*outlen = cap;
	return out;
}

int
proto_inflate(const void *in, size_t n, bool gzip, size_t max,
    unsigned char **out, size_t *outlen)
{
	z_stream	 z;
	unsigned char	*buf;
	size_t		 cap = n * 4 < 4096 ? 4096 : n * 4;
	int		 zr, rc = 0;

	*out = NULL;
	*outlen = 0;
	if (cap > max + 1)
		cap = max + 1;
	memset(&z, 0, sizeof z);
	/* 15 + 32: zlib or gzip header detected; 15 + 16: gzip only. A raw
	 * deflate stream has no header, so it is tried when zlib fails. */
	if (inflateInit2(&z, gzip ? 15 + 16 : 15 + 32) != Z_OK)
		return -1;
	buf = xmalloc(cap + 1);
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	for (;;) {
		if (z.total_out == cap) {
			if (cap > max) {
				rc = -2;
				break;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		z.next_out = buf + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_DATA_ERROR && !gzip && z.total_out == 0 &&
		    z.total_in <= 2) {
			/* Not a zlib stream: try raw deflate from the start. */
			inflateEnd(&z);
			memset(&z, 0, sizeof z);
			if (inflateInit2(&z, -15) != Z_OK) {
				free(buf);
				return -1;
			}
			z.next_in = (unsigned char *)(uintptr_t)in;
			z.avail_in = (uInt)n;
			gzip = true;	/* no second fallback */
			continue;
		}
		if (zr == Z_BUF_ERROR && z.avail_out != 0) {
			rc = -1;	/* input ended inside the stream */
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && z.total_out > max)
		rc = -2;
	if (rc == 0 && z.avail_in != 0)
		rc = -1;	/* bytes after the end of the stream */
	if (rc != 0) {
		inflateEnd(&z);
		free(buf);
		return rc;
	}
	*outlen = z.total_out;
	buf[*outlen] = '\0';
	*out = buf;
	inflateEnd(&z);
	return 0;
}

/* ---- strict JSON ---- */

static bool
utf8_ok(const unsigned char *s, size_t n)
{
	size_t		i = 0, k;
	uint32_t	cp;

	while (i < n) {
		if ((k = text_utf8_next((const char *)s + i, n - i, &cp)) == 0)
			return false;
		i += k;
	}
	return true;
}

bool
proto_utf8_ok(const char *s, size_t n)
{
	return utf8_ok((const unsigned char *)s, n);
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* No key twice in object o: sorted, so a hostile body of many keys costs
 * n log n, not n squared, before anything is authenticated. */
static bool
keys_once(const cJSON *o)
{
	const char	**k;
	size_t		  n = 0, i;
	bool		  ok = true;

	for (const cJSON *c = o->child; c != NULL; c = c->next)
		n++;
	if (n < 2)
		return true;
	k = xreallocarray(NULL, n, sizeof *k);
	i = 0;
	for (const cJSON *c = o->child; c != NULL; c = c->next)
		k[i++] = c->string;
	qsort(k, n, sizeof *k, by_key);
	for (i = 1; i < n && ok; i++)
		ok = strcmp(k[i - 1], k[i]) != 0;
	free(k);
	return ok;
}

/* No key twice in any object; every number an integer in 0..2^53-1. */
static bool
json_strict(const cJSON *j, const char **what)
{
	if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;

		if (d < 0 || d > MAX_SAFE_INT || d != (double)(long long)d) {
			*what = _("a number is not a whole number from 0 to "
			    "2^53-1");
			return false;
		}
		return true;
	}
	if (cJSON_IsObject(j) && !keys_once(j)) {
		*what = _("a key appears twice in one object");
		return false;
	}
	for (const cJSON *c = j->child; c; c = c->next)
		if (!json_strict(c, what))
			return false;
	return true;
}

/* Numbers with a fraction or exponent are refused by their spelling, not
 * only their value: "1.0" and "1e2" are not integers in this protocol. */
static bool
numbers_plain(const char *buf, size_t len)
{
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '-')
			return false;	/* outside a string only a sign */
		else if ((c == '.' || c == 'e' || c == 'E') && i > 0 &&
		    buf[i - 1] >= '0' && buf[i - 1] <= '9')
			return false;
	}
	return true;
}

static void
line_col(const char *buf, const char *at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const char *p = buf; p < at; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

cJSON *
proto_parse(const char *buf, size_t len, char *why, size_t whylen)
{
	const char	*end = NULL, *what = NULL;
	cJSON		*j;
	int		 line, col;

	why[0] = '\0';
	if (!utf8_ok((const unsigned char *)buf, len) ||
	    memchr(buf, '\0', len) != NULL) {
		snprintf(why, whylen, "%s", _("The body is not valid UTF-8."));
		return NULL;
	}
	j = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	if (j != NULL) {
		while (end < buf + len && (*end == ' ' || *end == '\t' ||
		    *end == '\n' || *end == '\r'))
			end++;
		if (end != buf + len) {
			cJSON_Delete(j);
			j = NULL;
		}
	}
	if (j == NULL) {
		const char *at = end != NULL ? end : cJSON_GetErrorPtr();

		if (at == NULL || at < buf || at > buf + len)
			at = buf;
		line_col(buf, at, &line, &col);
		snprintf(why, whylen, _("The body is not valid JSON (line %d, "
		    "column %d)."), line, col);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		snprintf(why, whylen, "%s", _("The body is not one JSON "
		    "object."));
		cJSON_Delete(j);
		return NULL;
	}
	if (!json_strict(j, &what)) {
		snprintf(why, whylen, _("The body is not accepted: %s."), what);
		cJSON_Delete(j);
		return NULL;
	}
	if (!numbers_plain(buf, len)) {
		snprintf(why, whylen, "%s", _("The body is not accepted: a "
		    "number has a sign, a fraction or an exponent."));
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

bool
proto_only_keys(const cJSON *obj, const char *const *keys)
{
	for (const cJSON *c = obj->child; c; c = c->next) {
		size_t i;

		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(c->string, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return false;
	}
	return true;
}

const char *
proto_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool
proto_int(const cJSON *obj, const char *key, long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > MAX_SAFE_INT ||
	    v->valuedouble != (double)(long long)v->valuedouble)
		return false;
	*out = (long long)v->valuedouble;
	return true;
}

bool
proto_bin(const cJSON *obj, const char *key, unsigned char *out, size_t len)
{
	return proto_unb64(proto_str(obj, key), out, len) == 0;
}

/* ---- error codes ---- */

/* stepwise-protocol(7), ERRORS: every code the server may answer with. */
static const char *const error_codes[] = {
	"malformed_json", "bad_request", "unsupported_version",
	"bad_encoding", "bad_record", "duplicate_id", "unknown_token",
	"unknown_device", "bad_signature", "stale_request", "device_revoked",
	"not_found", "method_not_allowed", "token_used", "device_exists",
	"token_expired", "too_large", "uri_too_long",
	"unsupported_media_type", "unsupported_encoding", "rate_limited",
	"headers_too_large", "internal", "unavailable",
};

bool
proto_error_code_ok(const char *code)
{
	size_t n;

	if (code == NULL || (n = strspn(code, "abcdefghijklmnopqrstuvwxyz_")) <
	    1 || n > PROTO_ERROR_CODE_MAX || code[n] != '\0')
		return false;
	for (size_t i = 0; i < sizeof error_codes / sizeof error_codes[0]; i++)
		if (strcmp(code, error_codes[i]) == 0)
			return true;
	return false;
}

/* ---- URLs and fingerprints ---- */

bool
proto_url_is_http(const char *url)
{
	return strncmp(url, "http://", 7) == 0;
}

/* The part after the scheme, n bytes: a host and an optional :port, no
 * user information (http://[::1]@elsewhere goes elsewhere). For plain http
 * the host must be a loopback address written as one: 127.x.x.x or [::1];
 * the name "localhost" is refused, as a resolver could point it away. */
static bool
authority_ok(const char *a, size_t n, bool loopback_only)
{
	char		host[256];
	const char	*colon;
	size_t		hn;
	unsigned char	addr[16];

	if (n == 0 || n >= sizeof host || memchr(a, '@', n) != NULL)
		return false;
	if (a[0] == '[') {
		const char *end = memchr(a, ']', n);

		if (end == NULL)
			return false;
		hn = (size_t)(end - a) + 1;
	} else
		hn = (colon = memchr(a, ':', n)) ? (size_t)(colon - a) : n;
	if (hn == 0)
		return false;
	if (hn < n) {		/* :port, 1 to 65535 */
		size_t	pl = n - hn - 1;
		long	port = 0;

		if (a[hn] != ':' || pl == 0 || pl > 5)
			return false;
		for (size_t i = hn + 1; i < n; i++) {
			if (a[i] < '0' || a[i] > '9')
				return false;
			port = port * 10 + (a[i] - '0');
		}
		if (port < 1 || port > 65535)
			return false;
	}
	memcpy(host, a, hn);
	host[hn] = '\0';
	if (!loopback_only)
		return strspn(host, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:") == hn;
	if (strcmp(host, "[::1]") == 0)
		return true;
	return inet_pton(AF_INET, host, addr) == 1 && addr[0] == 127;
}

bool
proto_url_ok(const char *url, const char **why)
{
	const char	*host;
	size_t		 n;

	*why = NULL;
	/* Shown to the patient beside the fingerprint: nothing in it may
	 * drive the terminal, and libcurl wants it %-escaped anyway. */
	for (const char *p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			*why = _("it must be printable ASCII, with no space: "
			    "write any other character with percent-escapes");
			return false;
		}
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (proto_url_is_http(url))
		host = url + 7;
	else {
		*why = _("it must start with https:// (or http:// for a trial "
		    "on this machine)");
		return false;
	}
	n = strcspn(host, "/?#");
	if (n == 0 || strchr(url, '?') || strchr(url, '#') ||
	    strpbrk(url, " \t\r\n\"\\<>") || url[strlen(url) - 1] == '/') {
		*why = _("give the server's base address, with no trailing "
		    "slash, query or fragment");
		return false;
	}
	if (!authority_ok(host, n, host == url + 7)) {
		*why = host == url + 7 ? _("plain http is allowed only to "
		    "127.0.0.1 (or another 127 address) or [::1]; use https") :
		    _("the part after https:// must be a host name with an "
		    "optional :port, and nothing else");
		return false;
	}
	return true;
}

void
proto_fingerprint(const unsigned char box_pk[32],
    const unsigned char sign_pk[32], char out[40])
{
	unsigned char	both[64], h[32];
	size_t		o = 0;

	memcpy(both, box_pk, 32);
	memcpy(both + 32, sign_pk, 32);
	crypto_generichash(h, sizeof h, both, sizeof both, NULL, 0);
	for (int i = 0; i < 16; i++) {
		o += (size_t)snprintf(out + o, 40 - o, "%02x", h[i]);
		if (i % 2 == 1 && i < 15)
			out[o++] = ' ';
	}
	out[o] = '\0';
}

/* ---- enrollment file fields ---- */

bool
proto_pin_ok(const char *pin)
{
	const char	*p = pin, *end;
	unsigned char	 h[32];
	size_t		 n, got;

	if (pin == NULL)
		return false;
	for (;;) {
		n = strcspn(p, ";");
		if (n != 8 + 44 || strncmp(p, "sha256//", 8) != 0 ||
		    sodium_base642bin(h, sizeof h, p + 8, 44, NULL, &got, &end,
		    sodium_base64_VARIANT_ORIGINAL) != 0 || got != sizeof h ||
		    end != p + n)
			return false;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

/* Characters, as the client counts them: every byte that does not
 * continue a UTF-8 sequence. */
static size_t
text_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

const char *
proto_text_why(const char *s, size_t max, bool multiline, char *buf,
    size_t len)
{
	uint32_t cp = 0;

	if (s == NULL)
		return _("is missing");
	switch (text_check(s, strlen(s), multiline ? TEXT_LINES : 0, &cp)) {
	case TEXT_BAD_UTF8:
		return _("is not valid UTF-8");
	case TEXT_CONTROL:
		if (cp == '\n')
			snprintf(buf, len, "%s", _("must be on one line"));
		else if (text_is_bidi(cp))
			snprintf(buf, len, _("holds a bidirectional control "
			    "(U+%04X), which could change the order of what is "
			    "shown around it"), (unsigned)cp);
		else
			snprintf(buf, len, _("holds a control character "
			    "(U+%04X), which could move the cursor or rewrite "
			    "what a terminal shows"), (unsigned)cp);
		return buf;
	case TEXT_OK:
		break;
	}
	if (text_chars(s) > max) {
		snprintf(buf, len, _("must be at most %zu characters"), max);
		return buf;
	}
	return NULL;
}

bool
proto_text_ok(const char *s, size_t max)
{
	char buf[PROTO_WHY_MAX];

	return proto_text_why(s, max, false, buf, sizeof buf) == NULL;
}

bool
proto_lines_ok(const char *s, size_t max)
{
	char buf[PROTO_WHY_MAX];

	return proto_text_why(s, max, true, buf, sizeof buf) == NULL;
}
