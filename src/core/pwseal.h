/* pwseal.h: a file of named parts sealed to a passphrase, with the
 * profile store's cipher and key derivation (Argon2id, then
 * XChaCha20-Poly1305): what stepwise-clinic backup writes. The header says
 * what the file is, its format, the Argon2id salt and limits, the sealed
 * length and a key check, so that a wrong passphrase, a file cut short and
 * a damaged one are each told apart. Layout: stepwise-clinic(8), BACKUPS. */
#ifndef STEPWISE_PWSEAL_H
#define STEPWISE_PWSEAL_H

#include <stddef.h>

#include "diag.h"

#define PWSEAL_MAGIC_LEN	8

/* The key from a passphrase: Argon2id over salt (crypto_pwhash_SALTBYTES)
 * with these limits, in sodium_malloc'd memory (32 bytes); NULL when
 * memory runs out. The store's keys are made by it too. */
unsigned char *pw_derive_key(const char *passphrase, const unsigned char *salt,
	    unsigned long long ops, size_t mem);

struct pwseal_part {
	const char		*name;
	const unsigned char	*data;
	size_t			 len;
};

/* The sealed file of parts v[0..n), under magic (what kind of file it
 * is), in *out (malloc'd, *outlen bytes: ciphertext only, nothing to
 * wipe). */
int	pwseal_write(const char magic[PWSEAL_MAGIC_LEN], const char *pass,
	    const struct pwseal_part *v, size_t n, unsigned char **out,
	    size_t *outlen, struct sw_error *);

/* An opened file: the parts point into plain. */
struct pwseal_opened {
	unsigned char		*plain;
	size_t			 plen;
	struct pwseal_part	*parts;
	size_t			 n;
};
/* Errors: SW_EINVAL when it is not such a file, SW_EFORMAT when a newer
 * format, SW_EPASSPHRASE for a wrong passphrase, SW_ECORRUPT when cut
 * short or damaged; name is the file's, for the sentence. */
int	pwseal_read(const char magic[PWSEAL_MAGIC_LEN], const char *name,
	    const char *pass, const unsigned char *in, size_t inlen,
	    struct pwseal_opened *, struct sw_error *);
const struct pwseal_part *pwseal_find(const struct pwseal_opened *,
	    const char *name);
/* Wipes and frees. */
void	pwseal_close(struct pwseal_opened *);

#endif
