/* pwseal.c: named parts sealed to a passphrase (pwseal.h).
 *
 * The file: magic (8) || version (1) || algorithm (1) || zero (2) ||
 * opslimit (4, LE) || memlimit (8, LE) || salt (16) || nonce (24) ||
 * sealed length (8, LE) || check (32) || sealed. The key is Argon2id's of
 * the passphrase; two subkeys come from it (crypto_kdf, context
 * "swpwseal"): 1 seals the parts with XChaCha20-Poly1305, the whole
 * header its associated data; 2 keys the check, a BLAKE2b-256 of the
 * header before it, which tells a wrong passphrase from a damaged file.
 * The plaintext is the parts one after the other: name length (4, LE) ||
 * name || data length (8, LE) || data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "i18n.h"
#include "pwseal.h"
#include "store.h"
#include "util.h"

#define VERSION		1
#define ALG_ARGON2ID_XCHACHA 1
#define KEY_LEN		crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define SALT_LEN	crypto_pwhash_SALTBYTES
#define NONCE_LEN	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN		crypto_aead_xchacha20poly1305_ietf_ABYTES
#define CHECK_LEN	32
#define OFF_OPS		(PWSEAL_MAGIC_LEN + 4)
#define OFF_MEM		(OFF_OPS + 4)
#define OFF_SALT	(OFF_MEM + 8)
#define OFF_NONCE	(OFF_SALT + SALT_LEN)
#define OFF_LEN		(OFF_NONCE + NONCE_LEN)
#define OFF_CHECK	(OFF_LEN + 8)
#define HEADER_LEN	(OFF_CHECK + CHECK_LEN)
/* Limits a file may ask for: no more than a 512 MiB machine can give. */
#define OPS_MAX		64
#define MEM_MIN		8192
#define MEM_MAX		(256ULL * 1024 * 1024)

unsigned char *
pw_derive_key(const char *passphrase, const unsigned char *salt,
    unsigned long long ops, size_t mem)
{
	unsigned char	*key = sodium_malloc(KEY_LEN);
	const char	*pw = passphrase ? passphrase : "";

	if (key == NULL)
		return NULL;
	if (crypto_pwhash(key, KEY_LEN, pw, strlen(pw), salt, ops, mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_free(key);
		return NULL;
	}
	return key;
}

static void
put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* The two subkeys of the passphrase's key, in one sodium_malloc'd buffer:
 * the sealing key, then the check's. */
static unsigned char *
subkeys(const char *pass, const unsigned char *hdr)
{
	unsigned char *master, *k;

	master = pw_derive_key(pass, hdr + OFF_SALT, get_le(hdr + OFF_OPS, 4),
	    (size_t)get_le(hdr + OFF_MEM, 8));
	if (master == NULL)
		return NULL;
	if ((k = sodium_malloc(2 * KEY_LEN)) != NULL) {
		crypto_kdf_derive_from_key(k, KEY_LEN, 1, "swpwseal", master);
		crypto_kdf_derive_from_key(k + KEY_LEN, KEY_LEN, 2, "swpwseal",
		    master);
	}
	sodium_free(master);
	return k;
}

static void
check_of(const unsigned char *hdr, const unsigned char *ck,
    unsigned char out[CHECK_LEN])
{
	crypto_generichash(out, CHECK_LEN, hdr, OFF_CHECK, ck, KEY_LEN);
}

int
pwseal_write(const char magic[PWSEAL_MAGIC_LEN], const char *pass,
    const struct pwseal_part *v, size_t n, unsigned char **out,
    size_t *outlen, struct sw_error *err)
{
	unsigned char	*plain, *p, *f, *k;
	size_t		 plen = 0, nl;

	for (size_t i = 0; i < n; i++)
		plen += 4 + strlen(v[i].name) + 8 + v[i].len;
	if ((plain = sodium_malloc(plen ? plen : 1)) == NULL)
		return sw_fail(err, SW_EIO, _("out of memory"));
	for (size_t i = 0, o = 0; i < n; i++) {
		nl = strlen(v[i].name);
		put_le(plain + o, nl, 4);
		memcpy(plain + o + 4, v[i].name, nl);
		put_le(plain + o + 4 + nl, v[i].len, 8);
		if (v[i].len > 0)
			memcpy(plain + o + 12 + nl, v[i].data, v[i].len);
		o += 12 + nl + v[i].len;
	}
	f = xcalloc(1, HEADER_LEN + plen + TAG_LEN);
	memcpy(f, magic, PWSEAL_MAGIC_LEN);
	f[PWSEAL_MAGIC_LEN] = VERSION;
	f[PWSEAL_MAGIC_LEN + 1] = ALG_ARGON2ID_XCHACHA;
	put_le(f + OFF_OPS, STORE_KDF_OPSLIMIT, 4);
	put_le(f + OFF_MEM, STORE_KDF_MEMLIMIT, 8);
	randombytes_buf(f + OFF_SALT, SALT_LEN);
	randombytes_buf(f + OFF_NONCE, NONCE_LEN);
	put_le(f + OFF_LEN, plen + TAG_LEN, 8);
	if ((k = subkeys(pass, f)) == NULL) {
		sodium_free(plain);
		free(f);
		return sw_fail(err, SW_EIO, _("out of memory"));
	}
	check_of(f, k + KEY_LEN, f + OFF_CHECK);
	p = f + HEADER_LEN;
	crypto_aead_xchacha20poly1305_ietf_encrypt(p, NULL, plain, plen, f,
	    HEADER_LEN, NULL, f + OFF_NONCE, k);
	sodium_free(k);
	sodium_free(plain);
	*out = f;
	*outlen = HEADER_LEN + plen + TAG_LEN;
	return 0;
}

/* The parts of an opened plaintext; -1 when they do not fill it exactly. */
static int
split_parts(struct pwseal_opened *o)
{
	size_t	off = 0, cap = 0;
	uint64_t nl, dl;

	while (off < o->plen) {
		if (o->plen - off < 4 || (nl = get_le(o->plain + off, 4)) == 0 ||
		    nl > o->plen - off - 4 || o->plen - off - 4 - nl < 8)
			return -1;
		dl = get_le(o->plain + off + 4 + nl, 8);
		if (dl > o->plen - off - 12 - nl)
			return -1;
		if (o->n == cap) {
			cap = cap ? cap * 2 : 8;
			o->parts = xreallocarray(o->parts, cap, sizeof *o->parts);
		}
		/* The name is written over its length's last byte as a C
		 * string: moved down by one, NUL after it. */
		memmove(o->plain + off + 3, o->plain + off + 4, nl);
		o->plain[off + 3 + nl] = '\0';
		o->parts[o->n].name = (const char *)o->plain + off + 3;
		o->parts[o->n].data = o->plain + off + 12 + nl;
		o->parts[o->n].len = (size_t)dl;
		o->n++;
		off += 12 + nl + dl;
	}
	return 0;
}

int
pwseal_read(const char magic[PWSEAL_MAGIC_LEN], const char *name,
    const char *pass, const unsigned char *in, size_t inlen,
    struct pwseal_opened *o, struct sw_error *err)
{
	unsigned char	*k = NULL, check[CHECK_LEN];
	uint64_t	 ops, mem, len;
	int		 rc = -1;

	memset(o, 0, sizeof *o);
	if (inlen < PWSEAL_MAGIC_LEN + 2 ||
	    memcmp(in, magic, PWSEAL_MAGIC_LEN) != 0)
		return sw_fail(err, SW_EINVAL, _("%s is not a file of this "
		    "kind (it does not begin as one). Nothing was done."), name);
	if (in[PWSEAL_MAGIC_LEN] != VERSION ||
	    in[PWSEAL_MAGIC_LEN + 1] != ALG_ARGON2ID_XCHACHA)
		return sw_fail(err, SW_EFORMAT, _("%s was written by a newer "
		    "version (format %d), which this one cannot read. Nothing "
		    "was done."), name, in[PWSEAL_MAGIC_LEN]);
	if (inlen < HEADER_LEN)
		return sw_fail(err, SW_ECORRUPT, _("%s is cut short: it ends "
		    "inside its header. Nothing was done."), name);
	ops = get_le(in + OFF_OPS, 4);
	mem = get_le(in + OFF_MEM, 8);
	len = get_le(in + OFF_LEN, 8);
	if (ops < 1 || ops > OPS_MAX || mem < MEM_MIN || mem > MEM_MAX ||
	    len < TAG_LEN)
		return sw_fail(err, SW_ECORRUPT, _("%s is damaged: its header "
		    "does not hold sensible values. Nothing was done."), name);
	if ((k = subkeys(pass, in)) == NULL)
		return sw_fail(err, SW_EIO, _("out of memory"));
	check_of(in, k + KEY_LEN, check);
	if (sodium_memcmp(check, in + OFF_CHECK, CHECK_LEN) != 0) {
		sw_fail(err, SW_EPASSPHRASE, _("The passphrase does not open "
		    "%s (or its header is damaged). Nothing was done."), name);
		goto out;
	}
	if (inlen - HEADER_LEN < len) {
		sw_fail(err, SW_ECORRUPT, _("%s is cut short: %zu of its %llu "
		    "bytes are there. Nothing was done; use another copy."),
		    name, inlen, (unsigned long long)(HEADER_LEN + len));
		goto out;
	}
	if (inlen - HEADER_LEN > len) {
		sw_fail(err, SW_ECORRUPT, _("%s has %zu bytes more than it "
		    "should. Nothing was done; use another copy."), name,
		    (size_t)(inlen - HEADER_LEN - len));
		goto out;
	}
	o->plen = (size_t)len - TAG_LEN;
	if ((o->plain = sodium_malloc(o->plen ? o->plen : 1)) == NULL) {
		sw_fail(err, SW_EIO, _("out of memory"));
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(o->plain, NULL, NULL,
	    in + HEADER_LEN, len, in, HEADER_LEN, in + OFF_NONCE, k) != 0 ||
	    split_parts(o) != 0) {
		sw_fail(err, SW_ECORRUPT, _("%s is damaged: what it holds "
		    "does not authenticate. Nothing was done; use another "
		    "copy."), name);
		goto out;
	}
	rc = 0;
out:
	sodium_free(k);
	if (rc != 0)
		pwseal_close(o);
	return rc;
}

const struct pwseal_part *
pwseal_find(const struct pwseal_opened *o, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->parts[i].name, name) == 0)
			return &o->parts[i];
	return NULL;
}

void
pwseal_close(struct pwseal_opened *o)
{
	if (o->plain != NULL)
		sodium_free(o->plain);
	free(o->parts);
	memset(o, 0, sizeof *o);
}
