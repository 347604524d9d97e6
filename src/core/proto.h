/* proto.h: the byte-level rules of stepwise-protocol(7) that both sides
 * share: base64url and hex ids, the signed byte strings, padded sealed
 * boxes, zlib bodies and strict JSON. No network and no SQLite here. */
#ifndef STEPWISE_PROTO_H
#define STEPWISE_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define PROTO_VERSION		1
#define PROTO_ID_LEN		32	/* hex characters of an id */
#define PROTO_KEY_LEN		32
#define PROTO_SIG_LEN		64
#define PROTO_PAD_BLOCK		256
#define PROTO_MAX_PADDED	65536
#define PROTO_SEAL_EXTRA	48	/* crypto_box_SEALBYTES */
#define PROTO_MAX_CIPHERTEXT	(PROTO_MAX_PADDED + PROTO_SEAL_EXTRA)
#define PROTO_MAX_BODY		(1024 * 1024)
#define PROTO_MAX_BATCH		64
#define PROTO_FIRST_BATCH	8
#define PROTO_BATCH_JSON	(768 * 1024)
#define PROTO_MAX_MESSAGES	32
#define PROTO_MAX_MESSAGE_TEXT	16384
#define PROTO_REQUEST_WINDOW	300
#define PROTO_ENROLL_SIGBYTES	179

/* Version 2 (stepwise-protocol(7), VERSION 2): one POST /v2/sync carries a
 * batch of record envelopes in binary and brings back the messages after
 * the cursor it names. A version 2 envelope's plaintext is deflated with
 * the protocol's dictionary before it is padded to a multiple of
 * PROTO_V2_BLOCK, so that a check-in, with or without a risk answer, and
 * a risk signal are all one size: 160 bytes padded, 208 sealed. */
#define PROTO_V2		2
#define PROTO_V2_BLOCK		160
#define PROTO_V2_TARGET		"/v2/sync"
#define PROTO_V2_MEDIA		"application/octet-stream"
#define PROTO_V2_HEAD		(1 + 16 + 8 + 8 + 1)	/* v, device, time,
							 * after, count */
#define PROTO_V2_MAX_PLAIN	(PROTO_MAX_PADDED - 1)	/* the plaintext,
							 * as in version 1 */

/* Version 3 (stepwise-protocol(7), VERSION 3): a record's envelope is a
 * box from the device's signing key (as X25519) to the clinic's box key,
 * its nonce made of the record's id, so that only the device could have
 * made it and nothing but 16 bytes of MAC travels with it; its plaintext
 * (no id or device: the key and nonce bind them) is deflated with the
 * version 2 dictionary and padded to a multiple of PROTO_V3_BLOCK, so a
 * check-in, with or without a risk answer, and a risk signal are all 128
 * bytes padded, 144 boxed. Envelopes queued one after another form a
 * chain of BLAKE2b hashes, and the device's signature on the chain's last
 * hash, made when that record was queued, vouches at once for a whole run
 * of them. A body of version 3 carries such runs beside the records of
 * versions 1 and 2 still queued. */
#define PROTO_V3		3
#define PROTO_V3_BLOCK		128
#define PROTO_V3_EXTRA		16	/* crypto_box_MACBYTES */
#define PROTO_HASH_LEN		32

/* The context strings, each signed with its terminating NUL. */
#define PROTO_CTX_TOKEN		"stepwise-token-v1"
#define PROTO_CTX_ENROLL	"stepwise-enroll-v1"
#define PROTO_CTX_RECORD	"stepwise-record-v1"
#define PROTO_CTX_MESSAGE	"stepwise-message-v1"
#define PROTO_CTX_REQUEST	"stepwise-request-v1"
#define PROTO_CTX_RECORD2	"stepwise-record-v2"
#define PROTO_CTX_SYNC2		"stepwise-sync-v2"
#define PROTO_CTX_CHAIN3	"stepwise-chain-v3"
#define PROTO_CTX_RUN3		"stepwise-run-v3"

/* base64url without padding. Decoding is strict: exactly len bytes, no
 * padding, no white space, no other alphabet; 0 on success, -1 otherwise. */
char	*proto_b64(const unsigned char *, size_t);
int	 proto_unb64(const char *, unsigned char *out, size_t len);
/* Decode a value of unknown length up to max bytes into a new buffer;
 * -1 when it is not base64url, -2 when it decodes to more than max. */
int	 proto_unb64_alloc(const char *, size_t max, unsigned char **out,
	    size_t *len);

/* 32 lower-case hex characters from 16 random bytes; out has 33 bytes. */
void	 proto_new_id(char out[PROTO_ID_LEN + 1]);
bool	 proto_id_ok(const char *);

/* Signed bytes. Each returns a new buffer and its length in *len. */
unsigned char *proto_token_bytes(const unsigned char token_pk[32],
	    long long expires_at, const char *patient, size_t *len);
void	 proto_enroll_bytes(const unsigned char token_pk[32],
	    const char *device, const unsigned char box_pk[32],
	    const unsigned char sign_pk[32], const unsigned char request_pk[32],
	    unsigned char out[PROTO_ENROLL_SIGBYTES]);
/* ctx is PROTO_CTX_RECORD or PROTO_CTX_MESSAGE. */
unsigned char *proto_envelope_bytes(const char *ctx, const char *device,
	    const char *id, const unsigned char *ct, size_t ctlen,
	    size_t *len);
unsigned char *proto_request_bytes(const char *method, const char *target,
	    const char *time, const char *device, const void *body,
	    size_t bodylen, size_t *len);

/* text padded with sodium_pad() to a multiple of 256 (always at least one
 * byte added); NULL over PROTO_MAX_PADDED. The caller wipes and frees it. */
unsigned char *proto_pad(const char *text, size_t *len);
/* Unpad n bytes in place into a NUL-terminated string, taking buf; NULL
 * (buf wiped and freed) when the padding or the text is not valid. */
char	*proto_unpad(unsigned char *buf, size_t n);
/* Pad json with sodium_pad() to a multiple of 256 and seal it to pk.
 * NULL when the padded text would be over PROTO_MAX_PADDED. */
unsigned char *proto_seal(const char *json, const unsigned char pk[32],
	    size_t *ctlen);
/* Open and unpad; a NUL-terminated string the caller frees with
 * wipe_free(), or NULL when it does not open, unpad or is not text. */
char	*proto_open(const unsigned char *ct, size_t ctlen,
	    const unsigned char pk[32], const unsigned char *sk);

/* Version 2 envelopes: json deflated (raw RFC 1951, with the protocol's
 * preset dictionary), padded with sodium_pad() to a multiple of 160 and
 * sealed to pk; NULL when the padded text would be over PROTO_MAX_PADDED.
 * proto_open2 takes it back to text, or NULL. */
unsigned char *proto_seal2(const char *json, const unsigned char pk[32],
	    size_t *ctlen);
char	*proto_open2(const unsigned char *ct, size_t ctlen,
	    const unsigned char pk[32], const unsigned char *sk);
/* Open an envelope of version v (1 or 2); NULL for another version. */
char	*proto_open_v(int v, const unsigned char *ct, size_t ctlen,
	    const unsigned char pk[32], const unsigned char *sk);

/* Version 3 envelopes: json deflated as in version 2, padded to a
 * multiple of 128 and boxed with crypto_box_easy() from the device's
 * signing key sign_sk (64 bytes, as X25519) to the clinic's box_pk, the
 * nonce the record's id (16 bytes) and "stepwise". NULL when the padded
 * text would be over PROTO_MAX_PADDED or a key does not convert. The
 * same record under the same id always gives the same bytes. */
unsigned char *proto_seal3(const char *json, const char *id,
	    const unsigned char box_pk[32], const unsigned char *sign_sk,
	    size_t *ctlen);
/* Open one with the clinic's box_sk and the device's signing key sign_pk;
 * text, or NULL when it was not made by that device for that id, or does
 * not unpad or inflate. */
char	*proto_open3(const unsigned char *ct, size_t ctlen, const char *id,
	    const unsigned char sign_pk[32], const unsigned char *box_sk);
/* The same in two steps, for many records of one device: the key shared
 * by the device and the clinic (0, or -1 when sign_pk does not convert;
 * a secret: wipe it), then each record opened with it. */
int	 proto_open3_key(unsigned char k[PROTO_KEY_LEN],
	    const unsigned char sign_pk[32], const unsigned char *box_sk);
char	*proto_open3_with(const unsigned char *ct, size_t ctlen,
	    const char *id, const unsigned char k[PROTO_KEY_LEN]);
/* The chain: leaf = BLAKE2b-256(id (16 bytes) || ct), and out =
 * BLAKE2b-256("stepwise-chain-v3\0" || prev || leaf); out may be prev.
 * Folding leaves lets the clinic check a run whose other records the
 * server lost, from the leaves it kept. */
void	 proto_leaf3(const char *id, const unsigned char *ct, size_t ctlen,
	    unsigned char leaf[PROTO_HASH_LEN]);
void	 proto_chain3_leaf(const unsigned char prev[PROTO_HASH_LEN],
	    const unsigned char leaf[PROTO_HASH_LEN],
	    unsigned char out[PROTO_HASH_LEN]);
void	 proto_chain3(const unsigned char prev[PROTO_HASH_LEN], const char *id,
	    const unsigned char *ct, size_t ctlen,
	    unsigned char out[PROTO_HASH_LEN]);
/* The bytes a run's signature covers: "stepwise-run-v3\0" || device (32
 * ASCII) || the chain's hash after the run's last record. */
unsigned char *proto_run3_bytes(const char *device,
	    const unsigned char chain[PROTO_HASH_LEN], size_t *len);
/* Whether ctlen is a ciphertext length of an envelope of version v: 48 +
 * 256k (v1), 48 + 160k (v2) or 16 + 128k (v3), 1 <= k, and at most
 * PROTO_MAX_CIPHERTEXT. */
bool	 proto_ct_len_ok(int v, size_t ctlen);
/* The context string of an envelope of version v, NULL when none. */
const char *proto_record_ctx(int v);

/* ---- the POST /v2/sync body ----
 * v (1 byte, 2 or 3) || device (16 bytes) || time (8, big-endian)
 *   || after (8) || count (1, 0..64) || items || signature (64)
 * In a body of version 2 each item is one record:
 *   version (1: 1 or 2) || id (16) || signature (64)
 *   || k (1 or 2 bytes, LEB128) || ciphertext (48 + 256k or 48 + 160k)
 * In a body of version 3 an item is such a record, or a run of version 3
 * records:
 *   3 || prev (32) || m (1: 1..64) || m times (id (16) || k || ciphertext
 *   (16 + 128k)) || signature (64, the run's)
 * count is the number of records in all. The last 64 bytes sign, with the
 * device's request key, "stepwise-sync-v2\0" || every byte before them. */
struct proto_rec2 {
	int			 v;
	char			 id[PROTO_ID_LEN + 1];
	unsigned char		 sig[PROTO_SIG_LEN];	/* v1, v2 */
	size_t			 run;		/* v3: its run's index */
	const unsigned char	*ct;		/* into the body */
	size_t			 ctlen;
};
struct proto_run3 {
	unsigned char		 prev[PROTO_HASH_LEN];
	unsigned char		 sig[PROTO_SIG_LEN];
	size_t			 first, n;	/* its records in rec[] */
};
struct proto_sync2 {
	int			 v;		/* the body's: 2 or 3 */
	char			 device[PROTO_ID_LEN + 1];
	long long		 time;
	long long		 after;
	size_t			 n;
	struct proto_rec2	 rec[PROTO_MAX_BATCH];
	size_t			 nruns;
	struct proto_run3	 run[PROTO_MAX_BATCH];
	size_t			 signed_len;	/* bytes before the signature */
	unsigned char		 sig[PROTO_SIG_LEN];
};
/* Parse a body; 0, or -1 with the reason (a sentence) in *why, -2 when
 * a ciphertext is over PROTO_MAX_CIPHERTEXT or count over 64. */
int	 proto_sync2_parse(const unsigned char *, size_t, struct proto_sync2 *,
	    const char **why);
/* One record's bytes, appended to *buf (of *len bytes, realloc'd). */
void	 proto_rec2_put(unsigned char **buf, size_t *len, int v,
	    const char *id, const unsigned char sig[PROTO_SIG_LEN],
	    const unsigned char *ct, size_t ctlen);
/* A run of version 3 records into a body of version 3: run3_begin puts
 * its head and returns where its m is; each record's bytes follow with
 * proto_rec3_put; run3_end puts m and the run's signature. */
size_t	 proto_run3_begin(unsigned char **buf, size_t *len,
	    const unsigned char prev[PROTO_HASH_LEN]);
void	 proto_rec3_put(unsigned char **buf, size_t *len, const char *id,
	    const unsigned char *ct, size_t ctlen);
void	 proto_run3_end(unsigned char **buf, size_t *len, size_t at,
	    size_t m, const unsigned char sig[PROTO_SIG_LEN]);
/* Whether the run's signature holds under the device's signing key. */
bool	 proto_run3_ok(const struct proto_sync2 *, size_t run,
	    const unsigned char sign_pk[32]);
/* The head of a body of version v, for count records, into
 * out[PROTO_V2_HEAD]. */
void	 proto_sync2_head(unsigned char out[PROTO_V2_HEAD], int v,
	    const char *device, long long time, long long after,
	    size_t count);
/* The bytes the request signature covers: context || body[0..n). */
unsigned char *proto_sync2_signed(const unsigned char *body, size_t n,
	    size_t *len);

/* zlib (RFC 1950) compression of a request body. */
unsigned char *proto_deflate(const void *, size_t, size_t *outlen);
/* Streaming inflate that stops at max bytes of output. gzip false takes
 * zlib or raw deflate (detected), true takes gzip. Returns 0, -1 for a
 * stream that does not decode, -2 when the output would pass max. The
 * result is NUL-terminated (not counted in *outlen). */
int	 proto_inflate(const void *, size_t, bool gzip, size_t max,
	    unsigned char **out, size_t *outlen);

/* Strict JSON (stepwise-protocol(7), Conventions): valid UTF-8, one
 * object, no key twice in any object, numbers integers in 0..2^53-1.
 * NULL on failure with a sentence for people in why. */
cJSON	*proto_parse(const char *buf, size_t len, char *why, size_t whylen);
/* Whether s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates). */
bool	 proto_utf8_ok(const char *s, size_t n);
/* Whether obj has only the listed keys (a NULL-terminated list). */
bool	 proto_only_keys(const cJSON *obj, const char *const *keys);
/* Typed members for the server and client checks: NULL / false when the
 * member is missing or of the wrong type. */
const char *proto_str(const cJSON *obj, const char *key);
bool	 proto_int(const cJSON *obj, const char *key, long long *v);
/* A base64url member of exactly len bytes. */
bool	 proto_bin(const cJSON *obj, const char *key, unsigned char *out,
	    size_t len);

#define PROTO_ERROR_CODE_MAX	32
/* Whether code is one of the protocol's error codes ([a-z_]{1,32}, from
 * the fixed list of stepwise-protocol(7), ERRORS). Anything else a server
 * says is never shown or kept. */
bool	 proto_error_code_ok(const char *code);

/* https, or http to a loopback literal only (127.0.0.0/8, [::1]); why gets
 * a translated reason. */
bool	 proto_url_ok(const char *url, const char **why);
bool	 proto_url_is_http(const char *url);

/* The clinic fingerprint: the first 16 bytes of BLAKE2b-256(box_pk ||
 * sign_pk) as hex in groups of four. */
void	 proto_fingerprint(const unsigned char box_pk[32],
	    const unsigned char sign_pk[32], char out[40]);

/* 64 lower-case hex of BLAKE2b-256 of a body; out has 65 bytes. */
void	 proto_body_hash(const void *, size_t, char out[65]);

/* The rules an enrollment file's fields must meet for the client to take
 * it (stepwise-protocol(7), The enrollment file), here so that the clinic
 * that writes the file and the client that reads it check the same thing.
 * A TLS pin in libcurl's form: sha256// and 44 characters of standard
 * base64 with padding that decode to 32 bytes; several joined by ";"
 * with nothing empty between them. */
bool	 proto_pin_ok(const char *);
#define PROTO_TEXT_MAX		200	/* characters in a name, phone, note */
/* A text field of every format either program reads (enrollment files,
 * clinic.json, messages, replies, notes, content): valid UTF-8, at most
 * max characters (counted as the client counts them: every byte that does
 * not continue a UTF-8 sequence), and none of the characters text.h
 * refuses, which could drive a terminal. proto_text_ok is for one line
 * (names, phone numbers, addresses); proto_lines_ok for text that may run
 * over several (a message, a reply, a note), with new lines and tabs. */
bool	 proto_text_ok(const char *, size_t max);
bool	 proto_lines_ok(const char *, size_t max);
/* Why s is not such a field, as the end of a sentence naming it ("is not
 * valid UTF-8", "holds a control character (U+001B), ..."), written into
 * buf when it needs the details; NULL when it is one. */
#define PROTO_WHY_MAX		160
const char *proto_text_why(const char *s, size_t max, bool multiline,
	    char *buf, size_t len);

#endif
