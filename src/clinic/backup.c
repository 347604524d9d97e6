/* backup.c: stepwise-clinic backup: a consistent copy of the clinic's
 * database, taken while serve runs (SQLite's online backup, into memory:
 * never a clear copy on disk), with clinic.json and, with --with-keys, the
 * secret keys, sealed to a passphrase (pwseal.c: Argon2id and
 * XChaCha20-Poly1305, as the patient's store). Also what restore shares
 * with it (backup.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "backup.h"
#include "config.h"
#include "i18n.h"
#include "passcheck.h"
#include "passread.h"
#include "pwseal.h"
#include "template.h"
#include "util.h"
#include "verify.h"

#define PASS_MAX	1024

void
backup_passphrase_free(char *p)
{
	if (p != NULL)
		sodium_free(p);
}

static char *
read_one(int fd, const char *prompt, struct sw_error *err)
{
	char	*p = sodium_malloc(PASS_MAX);
	int	 n;

	if (p == NULL) {
		sw_fail(err, SW_EIO, _("out of memory"));
		return NULL;
	}
	n = fd >= 0 ? passread_fd(fd, p, PASS_MAX) :
	    passread_tty(prompt, p, PASS_MAX);
	if (n < 0) {
		if (fd >= 0)
			sw_fail(err, SW_EIO, _("Could not read a passphrase "
			    "from file descriptor %d: %s"), fd, errno == E2BIG ?
			    _("too long") : strerror(errno));
		else if (errno == ENXIO)
			sw_fail(err, SW_EINVAL, _("No passphrase given: run in "
			    "a terminal, or use --passphrase-fd N."));
		else
			sw_fail(err, SW_EIO, _("Could not read the "
			    "passphrase."));
		sodium_free(p);
		return NULL;
	}
	return p;
}

char *
backup_passphrase(int fd, bool twice, struct sw_error *err)
{
	struct pass_verdict	 v;
	char			*a, *b;

	if (!twice)
		return read_one(fd, _("Passphrase of the backup: "), err);
	for (;;) {
		if ((a = read_one(fd, _("Choose a passphrase for the backup: "),
		    err)) == NULL)
			return NULL;
		passphrase_check(a, &v);
		if (!v.ok && fd >= 0) {
			sw_fail(err, SW_EINVAL, "%s", v.words);
			sodium_free(a);
			return NULL;
		}
		if (!v.ok) {
			fprintf(stderr, "%s\n", v.words);
			sodium_free(a);
			continue;
		}
		if (fd >= 0)
			return a;
		if ((b = read_one(fd, _("Type it again: "), err)) == NULL) {
			sodium_free(a);
			return NULL;
		}
		if (strlen(a) == strlen(b) &&
		    sodium_memcmp(a, b, strlen(a)) == 0) {
			sodium_free(b);
			return a;
		}
		fprintf(stderr, _("The two passphrases are different. Please "
		    "try again.\n"));
		sodium_free(a);
		sodium_free(b);
	}
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
backup_opened(sqlite3 *db, const struct clinic_keys *k, size_t *opened,
    size_t *total, char hash[65], struct sw_error *err)
{
	struct vrecord		*v = NULL;
	crypto_generichash_state st;
	unsigned char		 h[32];
	char			**ids;
	size_t			 n = 0, m = 0;

	/* No content: the records are only opened and checked, not
	 * scored, the same at both ends whatever content is installed. */
	if (verify_records(db, k, NULL, NULL, &v, &n, err) != 0)
		return -1;
	ids = xcalloc(n ? n : 1, sizeof *ids);
	for (size_t i = 0; i < n; i++)
		if (v[i].reason == NULL)
			ids[m++] = xasprintf("%s/%s", v[i].device, v[i].id);
	qsort(ids, m, sizeof *ids, by_string);
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	for (size_t i = 0; i < m; i++) {
		crypto_generichash_update(&st, (unsigned char *)ids[i],
		    strlen(ids[i]) + 1);
		free(ids[i]);
	}
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(hash, 65, h, sizeof h);
	free(ids);
	vrecords_free(v, n);
	*opened = m;
	*total = n;
	return 0;
}

bool
backup_fd_arg(const char *cmd, const char *arg, int *fd)
{
	char	*end;
	long	 v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < 0 || v > INT_MAX) {
		clinic_usage_error(cmd, _("--passphrase-fd needs a file "
		    "descriptor number, not '%s'"), arg);
		return false;
	}
	*fd = (int)v;
	return true;
}

bool
backup_template_part(const char *name)
{
	size_t	 n = strlen(name), pre = strlen(TEMPLATE_DIR "/");
	char	*base;
	bool	 ok;

	if (n <= pre + 4 || strncmp(name, TEMPLATE_DIR "/", pre) != 0 ||
	    strcmp(name + n - 4, ".txt") != 0)
		return false;
	base = xstrndup(name + pre, n - pre - 4);
	ok = template_name_ok(base);
	free(base);
	return ok;
}

struct templates {
	char	*name[BACKUP_TEMPLATES_MAX];
	char	*text[BACKUP_TEMPLATES_MAX];
	size_t	 len[BACKUP_TEMPLATES_MAX];
	size_t	 n;
};

/* The clinic's message templates, read as template.c reads them: only
 * files the admin alone can have written. */
static int
templates_read(const char *dir, struct templates *t, struct sw_error *err)
{
	char		*tdir = xasprintf("%s/" TEMPLATE_DIR, dir), *part, *p;
	DIR		*d;
	struct dirent	*e;
	int		 rc = 0;

	if ((d = opendir(tdir)) == NULL) {
		free(tdir);
		return errno == ENOENT ? 0 : sw_fail(err, SW_EIO, _("Could "
		    "not read %s/" TEMPLATE_DIR ": %s"), dir, strerror(errno));
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		part = xasprintf(TEMPLATE_DIR "/%s", e->d_name);
		if (!backup_template_part(part)) {
			free(part);
			continue;
		}
		p = xasprintf("%s/%s", tdir, e->d_name);
		if (t->n == BACKUP_TEMPLATES_MAX)
			rc = sw_fail(err, SW_EINVAL, _("%s holds more than %d "
			    "templates."), tdir, BACKUP_TEMPLATES_MAX);
		else if (clinic_trusted(tdir, e->d_name, err) != 0)
			rc = -1;
		else if ((t->text[t->n] = read_file(p, &t->len[t->n])) == NULL)
			rc = sw_fail(err, SW_EIO, _("Could not read %s: %s"), p,
			    strerror(errno));
		else {
			t->name[t->n++] = part;
			part = NULL;
		}
		free(part);
		free(p);
	}
	closedir(d);
	free(tdir);
	return rc;
}

static void
templates_free(struct templates *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->name[i]);
		free(t->text[i]);
	}
}

/* The database as it stands at one instant, in memory: SQLite's online
 * backup in one step holds one read transaction (in write-ahead-log mode
 * the server goes on writing meanwhile), so the copy is one consistent
 * state, with no page of it on disk. */
static unsigned char *
snapshot(sqlite3 *live, sqlite3 **mem, sqlite3_int64 *len,
    struct sw_error *err)
{
	sqlite3_backup	*b;
	unsigned char	*img;
	int		 rc;

	if (sqlite3_open_v2(":memory:", mem, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || sqlite3_exec(*mem, "PRAGMA temp_store = MEMORY", NULL,
	    NULL, NULL) != SQLITE_OK) {
		sw_fail(err, SW_EIO, _("out of memory"));
		return NULL;
	}
	if ((b = sqlite3_backup_init(*mem, "main", live, "main")) == NULL) {
		sw_fail(err, SW_EIO, _("Could not copy the database: %s"),
		    sqlite3_errmsg(*mem));
		return NULL;
	}
	do
		rc = sqlite3_backup_step(b, -1);
	while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE ||
	    (img = sqlite3_serialize(*mem, "main", len, 0)) == NULL) {
		sw_fail(err, SW_EIO, _("Could not copy the database: %s"),
		    sqlite3_errstr(rc));
		return NULL;
	}
	/* The file format bytes of a rollback-journal database (the live
	 * one is in write-ahead-log mode, which restore's open sets again):
	 * the image opens on its own. */
	if (*len >= 20)
		img[18] = img[19] = 1;
	return img;
}

static char *
meta_json(sqlite3 *mem, const struct clinic_keys *k, size_t opened,
    size_t total, const char *hash, bool with_keys)
{
	sqlite3_stmt	*s;
	cJSON		*j = cJSON_CreateObject();
	char		 fp[40], when[32], *out;
	int		 v = -1;

	if (sqlite3_prepare_v2(mem, "PRAGMA user_version", -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	clinic_fingerprint(k, fp);
	format_rfc3339((long long)time(NULL), when, sizeof when);
	cJSON_AddNumberToObject(j, "format", BACKUP_FORMAT);
	cJSON_AddStringToObject(j, "generator", "stepwise-clinic "
	    STEPWISE_VERSION);
	cJSON_AddStringToObject(j, "made_at", when);
	cJSON_AddNumberToObject(j, "schema", v);
	cJSON_AddStringToObject(j, "fingerprint", fp);
	cJSON_AddNumberToObject(j, "records", (double)total);
	cJSON_AddNumberToObject(j, "opened", (double)opened);
	cJSON_AddStringToObject(j, "opened_hash", hash);
	cJSON_AddBoolToObject(j, "with_keys", with_keys);
	out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return out;
}

int
clinic_cmd_backup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "with-keys", no_argument, NULL, 'k' },
		{ "passphrase-fd", required_argument, NULL, 'P' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr = { 0 };
	struct pwseal_part	 parts[5 + BACKUP_TEMPLATES_MAX];
	struct templates	*tpl = xcalloc(1, sizeof *tpl);
	const char		*dir = ".", *out = NULL;
	unsigned char		*img = NULL, *sealed = NULL;
	sqlite3			*mem = NULL;
	sqlite3_int64		 imglen = 0;
	size_t			 opened, total, sealedlen, conflen, np;
	char			*pass = NULL, *conf = NULL, *meta = NULL;
	char			 hash[65], *cpath = NULL;
	bool			 with_keys = false;
	int			 opt, fd = -1, rc = CLINIC_EXIT_FAIL;

	while ((opt = clinic_getopt("backup", _("Usage: stepwise-clinic "
	    "backup [--dir DIR] -o FILE [--with-keys] [--passphrase-fd N]\n"),
	    argc, argv, ":o:", longopts, &dir, 0, &rc)) > 0) {
		if (opt == 'o')
			out = optarg;
		else if (opt == 'k')
			with_keys = true;
		else if (!backup_fd_arg("backup", optarg, &fd))
			return CLINIC_EXIT_USAGE;
	}
	if (opt < 0)
		return rc;
	rc = CLINIC_EXIT_FAIL;
	if (out == NULL)
		return clinic_usage_error("backup", "%s", _("-o FILE is "
		    "needed"));
	/* The keys first (the records are checked with them), and the
	 * passphrase before the copy, so the copy is as late as can be. */
	if (clinic_read_open(dir, NULL, false, &cr, &err) != 0 ||
	    clinic_trusted(dir, BACKUP_CONFIG, &err) != 0)
		goto out;
	cpath = xasprintf("%s/" BACKUP_CONFIG, dir);
	if ((conf = read_file(cpath, &conflen)) == NULL) {
		sw_fail(&err, SW_EIO, _("Could not read %s: %s"), cpath,
		    strerror(errno));
		goto out;
	}
	if (templates_read(dir, tpl, &err) != 0 ||
	    (pass = backup_passphrase(fd, true, &err)) == NULL)
		goto out;
	if ((img = snapshot(cr.db, &mem, &imglen, &err)) == NULL ||
	    backup_opened(mem, &cr.k, &opened, &total, hash, &err) != 0)
		goto out;
	meta = meta_json(mem, &cr.k, opened, total, hash, with_keys);
	parts[0] = (struct pwseal_part){ BACKUP_META,
	    (unsigned char *)meta, strlen(meta) };
	parts[1] = (struct pwseal_part){ BACKUP_CONFIG,
	    (unsigned char *)conf, conflen };
	parts[2] = (struct pwseal_part){ BACKUP_DB, img, (size_t)imglen };
	np = 3;
	if (with_keys) {
		parts[np++] = (struct pwseal_part){ BACKUP_BOX_SK, cr.k.box_sk,
		    32 };
		parts[np++] = (struct pwseal_part){ BACKUP_SIGN_SK,
		    cr.k.sign_sk, 64 };
	}
	for (size_t i = 0; i < tpl->n; i++)
		parts[np++] = (struct pwseal_part){ tpl->name[i],
		    (unsigned char *)tpl->text[i], tpl->len[i] };
	if (pwseal_write(BACKUP_MAGIC, pass, parts, np, &sealed, &sealedlen,
	    &err) != 0)
		goto out;
	/* Under a temporary name, renamed when whole: an older backup of
	 * the same name stays until the new one is. */
	if (write_file_replace(out, sealed, sealedlen) != 0) {
		sw_fail(&err, SW_EIO, _("Could not write %s: %s"), out,
		    strerror(errno));
		goto out;
	}
	printf(with_keys ? _("Wrote %s: the database (%zu records, %zu of "
	    "them open with the clinic's key), clinic.json, the templates "
	    "and the secret keys, sealed to the passphrase. Anyone with the file and the "
	    "passphrase can read every result: keep them apart.\n") :
	    _("Wrote %s: the database (%zu records, %zu of them open with "
	    "the clinic's key), clinic.json and the templates, sealed to the passphrase. "
	    "The secret keys are not in it: restoring needs them "
	    "(--keys-from).\n"), out, total, opened);
	rc = CLINIC_EXIT_OK;
out:
	if (rc != CLINIC_EXIT_OK)
		clinic_fail(&err);
	free(sealed);
	free(meta);
	free(cpath);
	templates_free(tpl);
	free(tpl);
	if (img != NULL) {
		sodium_memzero(img, (size_t)imglen);
		sqlite3_free(img);
	}
	sqlite3_close(mem);
	free(conf);
	backup_passphrase_free(pass);
	clinic_read_close(&cr);
	return rc;
}
