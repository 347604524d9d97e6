/* enroll.c: one-time enrollment tokens and the enrollment file a clinic
 * hands to a patient (stepwise-protocol(7), ENROLLMENT). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clinic.h"
#include "proto.h"
#include "i18n.h"
#include "sharing.h"
#include "jsonv.h"
#include "util.h"

/* A string member the patient's Stepwise will take from the enrollment
 * file: non-empty, on one line, UTF-8, at most PROTO_TEXT_MAX characters,
 * with nothing that could drive a terminal (proto_text_why). */
static const char *
text_field(struct jctx *c, const cJSON *obj, const char *path,
    const char *key, bool required)
{
	return jv_line(c, obj, path, key, required, PROTO_TEXT_MAX);
}

/* The client reads the enrollment file strictly, and a key twice in an
 * object makes it refuse the whole file; contact and crisis are copied
 * into the file as they are, so they are checked for it here. */
static void
keys_once(struct jctx *c, const cJSON *obj, const char *path)
{
	const cJSON *a, *b;

	for (a = obj->child; a != NULL; a = a->next)
		for (b = a->next; b != NULL; b = b->next)
			if (strcmp(a->string, b->string) == 0) {
				jv_error(c, path, a->string, "%s",
				    _("appears twice"));
				break;
			}
}

/* Read clinic.json, checking every field as the patient's Stepwise will
 * check what enroll copies from it; NULL (with err) on a problem. Its name,
 * url, contact and crisis go into every enrollment file as they are, so it
 * is read only when the admin's account alone can have written it; the
 * keys never come from it. */
static cJSON *
load_config(const char *dir, struct sw_error *err)
{
	static const char *const keys[] = { "format", "name", "url",
	    "contact", "crisis", "share_default", NULL };
	static const char *const ckeys[] = { "name", "phone", "email",
	    "hours", NULL };
	static const char *const xkeys[] = { "name", "phone", "note", NULL };
	char		*file = xasprintf("%s/clinic.json", dir), *p, *line;
	struct diags	 d = { 0 };
	struct jctx	 c = { file, &d };
	const cJSON	*contact, *crisis, *it;
	const char	*url, *why, *share;
	cJSON		*j;
	int		 format = 0;
	size_t		 i = 0;

	if (clinic_trusted(dir, "clinic.json", err) != 0) {
		free(file);
		return NULL;
	}
	if ((j = jv_parse_file(file, &d)) != NULL) {
		jv_only_keys(&c, j, "$", keys);
		jv_int(&c, j, "$", "format", true, 1, 1, &format);
		text_field(&c, j, "$", "name", true);
		if ((url = jv_string(&c, j, "$", "url", true)) != NULL &&
		    !proto_url_ok(url, &why))
			jv_error(&c, "$", "url", "%s", why);
		if ((share = jv_string(&c, j, "$", "share_default",
		    false)) != NULL && share_default_parse(share) < 0)
			jv_error(&c, "$", "share_default", "%s", _("must be "
			    "ask, share or private"));
		if ((contact = jv_object(&c, j, "$", "contact", true))) {
			jv_only_keys(&c, contact, "$.contact", ckeys);
			keys_once(&c, contact, "$.contact");
			text_field(&c, contact, "$.contact", "name", true);
			for (size_t k = 1; ckeys[k]; k++)
				text_field(&c, contact, "$.contact", ckeys[k],
				    false);
		}
		if ((crisis = jv_array(&c, j, "$", "crisis", false))) {
			if (cJSON_GetArraySize(crisis) > 10)
				jv_error(&c, "$", "crisis", "%s",
				    _("may list at most 10 contacts"));
			cJSON_ArrayForEach(it, crisis) {
				p = jv_path_index("$.crisis", i++);
				if (!cJSON_IsObject(it))
					jv_error(&c, p, NULL, "%s", _("must be "
					    "an object with name and phone"));
				else {
					jv_only_keys(&c, it, p, xkeys);
					keys_once(&c, it, p);
					text_field(&c, it, p, "name", true);
					text_field(&c, it, p, "phone", true);
					text_field(&c, it, p, "note", false);
				}
				free(p);
			}
		}
	}
	if (d.n > 0) {
		line = diags_format(&d, 0);
		sw_fail(err, SW_EINVAL, "%s", line);
		free(line);
		cJSON_Delete(j);
		j = NULL;
	}
	diags_free(&d);
	free(file);
	return j;
}

/* The clinic's signature over the token row, so that a device's link to a
 * patient can be checked later without trusting the server. */
static void
sign_token(const struct clinic_keys *k, const unsigned char *token_pk,
    long long expires_at, const char *patient, unsigned char *sig)
{
	size_t		 n;
	unsigned char	*m = proto_token_bytes(token_pk, expires_at, patient,
			    &n);

	crypto_sign_detached(sig, NULL, m, n, k->sign_sk);
	free(m);
}

/* The enrollment file's text, in sodium_malloc'd memory the caller frees
 * with sodium_free(); NULL when out of memory. cJSON_Print() leaves what it
 * prints in the buffers it grows and frees, so the size is measured with a
 * filler of the token's length, and only then is the token written into
 * the string the tree holds and the tree printed into a buffer of our own.
 * Nothing that held the token is freed without being wiped. */
static char *
enrollment_json(const cJSON *conf, const struct clinic_keys *k,
    const unsigned char *token, long long expires_at, const char *tls_pin)
{
	char	 filler[sodium_base64_ENCODED_LEN(32,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	cJSON	*j = cJSON_CreateObject(), *t;
	char	*b, *s = NULL;
	size_t	 n;

	cJSON_AddNumberToObject(j, "stepwise_enrollment", 1);
	cJSON_AddStringToObject(j, "clinic", cJSON_GetStringValue(
	    cJSON_GetObjectItem(conf, "name")));
	cJSON_AddStringToObject(j, "url", cJSON_GetStringValue(
	    cJSON_GetObjectItem(conf, "url")));
	cJSON_AddItemToObject(j, "clinic_box_pk", cJSON_CreateString(
	    b = proto_b64(k->box_pk, 32)));
	free(b);
	cJSON_AddItemToObject(j, "clinic_sign_pk", cJSON_CreateString(
	    b = proto_b64(k->sign_pk, 32)));
	free(b);
	memset(filler, 'A', sizeof filler - 1);
	filler[sizeof filler - 1] = '\0';
	t = cJSON_AddStringToObject(j, "token", filler);
	cJSON_AddNumberToObject(j, "expires_at", (double)expires_at);
	if (tls_pin != NULL)
		cJSON_AddStringToObject(j, "tls_pin", tls_pin);
	cJSON_AddItemToObject(j, "contact", cJSON_Duplicate(
	    cJSON_GetObjectItem(conf, "contact"), 1));
	cJSON_AddItemToObject(j, "crisis", cJSON_HasObjectItem(conf,
	    "crisis") ? cJSON_Duplicate(cJSON_GetObjectItem(conf, "crisis"),
	    1) : cJSON_CreateArray());
	cJSON_AddStringToObject(j, "share_default", cJSON_GetStringValue(
	    cJSON_GetObjectItem(conf, "share_default")) ? cJSON_GetStringValue(
	    cJSON_GetObjectItem(conf, "share_default")) : "ask");
	if (t == NULL || t->valuestring == NULL ||
	    (b = cJSON_Print(j)) == NULL)
		goto out;
	/* base64url needs no escaping, so the token prints to the same
	 * length; the rest is room cJSON asks for (5 bytes) and more. */
	n = strlen(b) + 64;
	free(b);
	if ((s = sodium_malloc(n)) == NULL)
		goto out;
	sodium_bin2base64(t->valuestring, sizeof filler, token, 32,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (!cJSON_PrintPreallocated(j, s, (int)n, true)) {
		sodium_free(s);
		s = NULL;
	}
out:
	json_wipe_delete(j);
	return s;
}

static int
store_token(sqlite3 *db, const unsigned char *token_pk, const char *patient,
    long long expires_at, const unsigned char *sig, long long now,
    struct sw_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(db, "INSERT INTO tokens(token_pk, patient, "
	    "expires_at, signature, created_at) VALUES(?, ?, ?, ?, ?)", -1,
	    &s, NULL) != SQLITE_OK)
		return sw_fail(err, SW_EIO, _("Could not record the token: "
		    "%s"), sqlite3_errmsg(db));
	sqlite3_bind_blob(s, 1, token_pk, 32, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, patient, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, expires_at);
	sqlite3_bind_blob(s, 4, sig, crypto_sign_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sw_fail(err, SW_EIO, _("Could not record the token: "
		    "%s"), sqlite3_errmsg(db));
	return 0;
}

int
clinic_enroll(const char *dir, const char *patient, int days,
    const char *tls_pin, const char *out, long long now, char fp[40],
    struct sw_error *err)
{
	struct clinic_keys	 k;
	unsigned char		*token = sodium_malloc(32);
	unsigned char		*token_sk = sodium_malloc(64);
	unsigned char		 token_pk[32], sig[crypto_sign_BYTES];
	long long		 expires_at = now + (long long)days * 86400;
	cJSON			*conf = NULL;
	sqlite3			*db = NULL;
	char			*text = NULL;
	int			 rc = -1, fd;
	bool			 have_keys = false;

	if (token == NULL || token_sk == NULL) {
		sw_fail(err, SW_EIO, _("out of memory"));
		goto out;
	}
	if (!clinic_patient_ok(patient)) {
		sw_fail(err, SW_EINVAL, _("'%s' is not a usable patient "
		    "reference (1 to 64 letters, digits, - _ and .)"), patient);
		goto out;
	}
	if (tls_pin != NULL && !proto_pin_ok(tls_pin)) {
		sw_fail(err, SW_EINVAL, _("--tls-pin '%s' is not one the "
		    "patient's Stepwise can use: it must be sha256// and the "
		    "44-character standard base64 of a SHA-256 hash, several "
		    "joined by ; (see stepwise-clinic(8))"), tls_pin);
		goto out;
	}
	/* The keys first: nothing else in the folder is read before they are
	 * known to be the clinic's. */
	if (clinic_keys_load(dir, &k, err) != 0)
		goto out;
	have_keys = true;
	clinic_fingerprint(&k, fp);
	if ((conf = load_config(dir, err)) == NULL ||
	    clinic_db_open(dir, &db, err) != 0)
		goto out;
	/* The token is the seed of the token key pair: the server is given
	 * only the public half, so it can check a device holds the token
	 * without ever being able to enroll one itself. */
	randombytes_buf(token, 32);
	crypto_sign_seed_keypair(token_pk, token_sk, token);
	sign_token(&k, token_pk, expires_at, patient, sig);
	if ((text = enrollment_json(conf, &k, token, expires_at,
	    tls_pin)) == NULL) {
		sw_fail(err, SW_EIO, _("out of memory"));
		goto out;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		sw_fail(err, SW_EIO, _("Could not create %s: %s"), out,
		    strerror(errno));
		goto out;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fsync(fd) != 0) {
		sw_fail(err, SW_EIO, _("Could not write %s: %s"), out,
		    strerror(errno));
		close(fd);
		unlink(out);
		goto out;
	}
	close(fd);
	/* A token the database does not know is useless: take the file
	 * back rather than hand out one that cannot work. */
	if (store_token(db, token_pk, patient, expires_at, sig, now,
	    err) != 0) {
		unlink(out);
		goto out;
	}
	rc = 0;
out:
	if (text != NULL)
		sodium_free(text);	/* which wipes it */
	if (have_keys)
		clinic_keys_free(&k);
	cJSON_Delete(conf);
	sqlite3_close(db);
	sodium_free(token);
	sodium_free(token_sk);
	return rc;
}
