/* keys.c: the clinic's key pairs as the commands that hold them load
 * them, and what they trust in the clinic folder: the public keys are
 * derived from the secret ones (the .pk files only checked against them),
 * and the folder, the keys and clinic.json must be writable by the
 * clinic's admin account alone (stepwise-clinic(8), FILES). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clinic.h"
#include "i18n.h"
#include "proto.h"
#include "util.h"

void
clinic_fingerprint(const struct clinic_keys *k, char out[40])
{
	proto_fingerprint(k->box_pk, k->sign_pk, out);
}

/* Whether path is the admin's alone: owned by this account (or root) and
 * writable by no group and no other account. A file another account
 * could have put there, or could change, is not used. */
static int
admin_only(const char *path, struct sw_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return sw_fail(err, errno == ENOENT ? SW_ENOENT : SW_EIO,
		    _("Could not read %s: %s"), path, strerror(errno));
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return sw_fail(err, SW_EINVAL, _("%s belongs to another "
		    "account (uid %ld), so it cannot be trusted: the keys and "
		    "clinic.json, and the clinic folder itself, must belong to "
		    "the clinic's admin account that runs this command. Nothing "
		    "was done (see stepwise-clinic(8), FILES)."), path,
		    (long)st.st_uid);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return sw_fail(err, SW_EINVAL, _("%s can be written by other "
		    "accounts (mode %04o), so it cannot be trusted: only the "
		    "clinic's admin account may write the clinic folder, its "
		    "keys and clinic.json. Nothing was done; check the keys, "
		    "then run chmod go-w %s (see stepwise-clinic(8), FILES)."),
		    path, (unsigned)(st.st_mode & 07777), path);
	return 0;
}

int
clinic_trusted(const char *dir, const char *name, struct sw_error *err)
{
	char	*p;
	int	 rc;

	if (admin_only(dir, err) != 0)
		return -1;
	if (name == NULL)
		return 0;
	p = xasprintf("%s/%s", dir, name);
	rc = admin_only(p, err);
	free(p);
	return rc;
}

static int
read_key(const char *dir, const char *name, unsigned char *k, size_t n,
    struct sw_error *err)
{
	char	*p = xasprintf("%s/%s", dir, name);
	int	 fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t	 r = fd == -1 ? -1 : read(fd, k, n);
	int	 rc = 0;

	if (r != (ssize_t)n)
		rc = sw_fail(err, SW_EIO, _("Could not read the key %s: %s"),
		    p, r < 0 ? strerror(errno) : _("wrong size"));
	if (fd != -1)
		close(fd);
	free(p);
	return rc;
}

/* The public keys from the secret ones: X25519's by scalar multiplication
 * of the base point, Ed25519's from the seed (the copy inside sign.sk is
 * checked against it, for a sign.sk that is not whole). */
static int
derive_public(const char *dir, struct clinic_keys *k, struct sw_error *err)
{
	unsigned char	*seed = sodium_malloc(32), *sk = sodium_malloc(64);
	unsigned char	 inside[32];
	int		 rc = -1;

	if (seed == NULL || sk == NULL) {
		sw_fail(err, SW_EIO, _("out of memory"));
		goto out;
	}
	if (crypto_scalarmult_base(k->box_pk, k->box_sk) != 0) {
		sw_fail(err, SW_EINVAL, _("%s/box.sk is not an X25519 secret "
		    "key."), dir);
		goto out;
	}
	crypto_sign_ed25519_sk_to_seed(seed, k->sign_sk);
	crypto_sign_seed_keypair(k->sign_pk, sk, seed);
	crypto_sign_ed25519_sk_to_pk(inside, k->sign_sk);
	if (memcmp(inside, k->sign_pk, 32) != 0) {
		sw_fail(err, SW_EINVAL, _("%s/sign.sk is damaged: the public "
		    "key it holds is not its own. Restore it from the "
		    "clinic's backup."), dir);
		goto out;
	}
	rc = 0;
out:
	if (seed != NULL)
		sodium_free(seed);
	if (sk != NULL)
		sodium_free(sk);
	return rc;
}

/* box.pk and sign.pk must be the keys derived: a file that is not was
 * put there by someone else, and what it names is never used. */
static int
check_public(const char *dir, const struct clinic_keys *k,
    struct sw_error *err)
{
	static const char *const names[] = { "box.pk", "sign.pk" };
	const unsigned char	*mine[] = { k->box_pk, k->sign_pk };
	unsigned char		 file[32];

	for (size_t i = 0; i < 2; i++) {
		if (read_key(dir, names[i], file, 32, err) != 0)
			return -1;
		if (memcmp(file, mine[i], 32) != 0)
			return sw_fail(err, SW_EINVAL, _("%s/%s is not the "
			    "public key of the clinic's secret key beside it: "
			    "someone may have replaced it. Nothing was done. "
			    "Find out who can write %s, and restore the "
			    "folder from the clinic's backup (see "
			    "stepwise-clinic(8), FILES)."), dir, names[i],
			    dir);
	}
	return 0;
}

static int
clinic_folder(const char *dir, struct sw_error *err)
{
	char	*p = xasprintf("%s/box.sk", dir);
	int	 rc = 0;

	if (access(p, F_OK) != 0 && errno == ENOENT)
		rc = sw_fail(err, SW_ENOENT, _("%s is not a clinic folder (no "
		    "box.sk). Make one with: stepwise-clinic init %s"), dir,
		    dir);
	free(p);
	return rc;
}

int
clinic_keys_read(const char *dir, struct clinic_keys *k, struct sw_error *err)
{
	static const char *const files[] = { "box.sk", "sign.sk", "box.pk",
	    "sign.pk" };

	memset(k, 0, sizeof *k);
	if (clinic_folder(dir, err) != 0 || clinic_trusted(dir, NULL, err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (clinic_trusted(dir, files[i], err) != 0)
			return -1;
	/* Read straight into guarded memory that sodium_free() wipes: no
	 * copy of a secret key is left in the heap. */
	k->box_sk = sodium_malloc(32);
	k->sign_sk = sodium_malloc(64);
	if (k->box_sk == NULL || k->sign_sk == NULL) {
		sw_fail(err, SW_EIO, _("out of memory"));
		goto fail;
	}
	if (read_key(dir, "box.sk", k->box_sk, 32, err) != 0 ||
	    read_key(dir, "sign.sk", k->sign_sk, 64, err) != 0 ||
	    derive_public(dir, k, err) != 0 || check_public(dir, k, err) != 0)
		goto fail;
	return 0;
fail:
	clinic_keys_free(k);
	return -1;
}

int
clinic_keys_load(const char *dir, struct clinic_keys *k, struct sw_error *err)
{
	memset(k, 0, sizeof *k);
	if (clinic_folder(dir, err) != 0 ||
	    clinic_db_layout_check(dir, err) != 0)
		return -1;
	return clinic_keys_read(dir, k, err);
}

int
clinic_keys_from(const unsigned char *box_sk, const unsigned char *sign_sk,
    const char *where, struct clinic_keys *k, struct sw_error *err)
{
	memset(k, 0, sizeof *k);
	k->box_sk = sodium_malloc(32);
	k->sign_sk = sodium_malloc(64);
	if (k->box_sk == NULL || k->sign_sk == NULL) {
		clinic_keys_free(k);
		return sw_fail(err, SW_EIO, _("out of memory"));
	}
	memcpy(k->box_sk, box_sk, 32);
	memcpy(k->sign_sk, sign_sk, 64);
	if (derive_public(where, k, err) != 0) {
		clinic_keys_free(k);
		return -1;
	}
	return 0;
}

void
clinic_keys_free(struct clinic_keys *k)
{
	if (k->box_sk)
		sodium_free(k->box_sk);
	if (k->sign_sk)
		sodium_free(k->sign_sk);
	k->box_sk = k->sign_sk = NULL;
}
