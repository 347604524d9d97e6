/* clinic.c: making the clinic folder (init: keys, configuration and the
 * database's folder), and the rules for patient references, names and
 * text from standard input that the commands share. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clinic.h"
#include "i18n.h"
#include "jsonv.h"
#include "proto.h"
#include "util.h"

static char *
path_in(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

/* A new file of exactly this mode: main() sets the umask to 077 so that
 * nothing is made readable by accident, and fchmod() widens the files
 * meant to be read by the server's account (stepwise-clinic(8), FILES). */
static int
write_new_file(const char *path, const void *data, size_t n, mode_t mode,
    struct sw_error *err)
{
	int	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ssize_t	w;

	if (fd == -1)
		return sw_fail(err, errno == EEXIST ? SW_EEXIST : SW_EIO,
		    _("Could not create %s: %s"), path, strerror(errno));
	if (fchmod(fd, mode) != 0) {
		close(fd);
		unlink(path);
		return sw_fail(err, SW_EIO, _("Could not set the mode of %s: "
		    "%s"), path, strerror(errno));
	}
	w = write(fd, data, n);
	if (w != (ssize_t)n || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return sw_fail(err, SW_EIO, _("Could not write %s: %s"), path,
		    strerror(errno));
	}
	close(fd);
	return 0;
}

static int
write_in(const char *dir, const char *name, const void *k,
    size_t n, mode_t mode, struct sw_error *err)
{
	char	*p = path_in(dir, name);
	int	 rc = write_new_file(p, k, n, mode, err);

	free(p);
	return rc;
}

static char *
config_json(const char *name, const char *url)
{
	cJSON	*j = cJSON_CreateObject(), *c;
	char	*s;

	cJSON_AddNumberToObject(j, "format", 1);
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "url", url);
	c = cJSON_AddObjectToObject(j, "contact");
	cJSON_AddStringToObject(c, "name", name);
	cJSON_AddArrayToObject(j, "crisis");
	/* How a patient's exercise entries are shared: asked at each save,
	 * with no default. */
	cJSON_AddStringToObject(j, "share_default", "ask");
	s = cJSON_Print(j);
	cJSON_Delete(j);
	return s;
}

/* The files init makes, in order, the database in a folder of its own; a
 * failure removes those it made. */
static const char *const init_files[] = {
	"box.sk", "sign.sk", "box.pk", "sign.pk", "clinic.json",
	CLINIC_DB_DIR "/" CLINIC_DB_NAME,
	CLINIC_DB_DIR "/" CLINIC_DB_NAME "-journal",
	CLINIC_DB_DIR "/" CLINIC_DB_NAME "-wal",
	CLINIC_DB_DIR "/" CLINIC_DB_NAME "-shm",
};
#define INIT_FILES	(sizeof init_files / sizeof init_files[0])
#define INIT_BEFORE_DB	5	/* the files made before the db folder */

static void
init_undo(const char *dir, size_t made, bool made_dir)
{
	char *p;

	for (size_t i = 0; i < made; i++) {
		p = path_in(dir, init_files[i]);
		unlink(p);
		free(p);
	}
	if (made >= INIT_BEFORE_DB) {	/* init_folder: it was not there */
		p = path_in(dir, CLINIC_DB_DIR);
		rmdir(p);
		free(p);
	}
	if (made_dir)
		rmdir(dir);
}

/* The folder init may fill: new, or the admin's alone and holding none of
 * the files (a folder with any of them is left alone: its keys may be a
 * clinic's, even when the database is gone). */
static int
init_folder(const char *dir, bool *made_dir, struct sw_error *err)
{
	static const char *const old[] = { CLINIC_DB_NAME, CLINIC_DB_DIR };
	char	*p;
	int	 rc = 0;

	if (mkdir(dir, 0700) == 0) {
		*made_dir = true;
		return 0;
	}
	if (errno != EEXIST)
		return sw_fail(err, SW_EIO, _("Could not create %s: %s"), dir,
		    strerror(errno));
	if (clinic_trusted(dir, NULL, err) != 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < INIT_FILES + 2; i++) {
		p = path_in(dir, i < 2 ? old[i] : init_files[i - 2]);
		if (access(p, F_OK) == 0 && i == 0)
			rc = sw_fail(err, SW_EEXIST, _("%s is already a clinic "
			    "folder; its keys were left as they are."), dir);
		else if (access(p, F_OK) == 0)
			rc = sw_fail(err, SW_EEXIST, _("%s already holds %s; "
			    "nothing was changed. Choose an empty folder or a "
			    "new one."), dir, i < 2 ? old[i] :
			    init_files[i - 2]);
		free(p);
	}
	return rc;
}

/* Write the files in init_files' order, counting them in *made. Secret
 * keys 0600; public keys and configuration 0644, for anyone to read. The
 * database (db bytes: empty for a new one, a backup's image for restore)
 * goes in DIR/db (0700, for the admin to give to the server's account);
 * opening it makes or updates the tables. */
static int
init_write(const char *dir, const struct clinic_keys *k, const char *conf,
    const void *db, size_t dblen, size_t *made, struct sw_error *err)
{
	const struct {
		const void	*data;
		size_t		 n;
		mode_t		 mode;
	} f[] = {
		{ k->box_sk, 32, 0600 }, { k->sign_sk, 64, 0600 },
		{ k->box_pk, 32, 0644 }, { k->sign_pk, 32, 0644 },
		{ conf, strlen(conf), 0644 }, { db, dblen, 0600 },
	};
	char *p;

	for (; *made < sizeof f / sizeof f[0]; (*made)++) {
		if (*made == INIT_BEFORE_DB) {
			p = path_in(dir, CLINIC_DB_DIR);
			if (mkdir(p, 0700) != 0) {
				sw_fail(err, SW_EIO, _("Could not create %s: "
				    "%s"), p, strerror(errno));
				free(p);
				return -1;
			}
			free(p);
		}
		if (write_in(dir, init_files[*made], f[*made].data, f[*made].n,
		    f[*made].mode, err) != 0)
			return -1;
	}
	/* and the journal, log and index opening may leave */
	*made = INIT_FILES;
	return 0;
}

/* The extra files, counting them in *made; a parent folder each one
 * needs is made once. */
static int
extra_write(const char *dir, const struct clinic_file *x, size_t n,
    size_t *made, struct sw_error *err)
{
	const char	*slash;
	char		*sub;

	for (; *made < n; (*made)++) {
		if ((slash = strchr(x[*made].name, '/')) != NULL) {
			sub = xasprintf("%s/%.*s", dir,
			    (int)(slash - x[*made].name), x[*made].name);
			if (mkdir(sub, 0700) != 0 && errno != EEXIST) {
				sw_fail(err, SW_EIO, _("Could not create %s: "
				    "%s"), sub, strerror(errno));
				free(sub);
				return -1;
			}
			free(sub);
		}
		if (write_in(dir, x[*made].name, x[*made].data, x[*made].len,
		    0644, err) != 0)
			return -1;
	}
	return 0;
}

static void
extra_undo(const char *dir, const struct clinic_file *x, size_t n,
    size_t made)
{
	const char	*slash;
	char		*p;

	for (size_t i = 0; i < made; i++) {
		p = path_in(dir, x[i].name);
		unlink(p);
		free(p);
	}
	for (size_t i = 0; i < n; i++)
		if ((slash = strchr(x[i].name, '/')) != NULL) {
			p = xasprintf("%s/%.*s", dir, (int)(slash - x[i].name),
			    x[i].name);
			rmdir(p);
			free(p);
		}
}

int
clinic_folder_make(const char *dir, const struct clinic_keys *k,
    const char *conf, const void *db, size_t dblen,
    const struct clinic_file *extra, size_t nextra, struct sw_error *err)
{
	sqlite3	*h = NULL;
	size_t	 made = 0, xmade = 0;
	bool	 made_dir = false;
	int	 rc = -1;

	if (init_folder(dir, &made_dir, err) != 0)
		return -1;
	if (init_write(dir, k, conf, db, dblen, &made, err) != 0 ||
	    clinic_db_open(dir, &h, err) != 0 ||
	    extra_write(dir, extra, nextra, &xmade, err) != 0)
		goto out;
	rc = 0;
out:
	sqlite3_close(h);
	if (rc != 0) {
		extra_undo(dir, extra, nextra, xmade);
		init_undo(dir, made, made_dir);
	}
	return rc;
}

int
clinic_init(const char *dir, const char *name, const char *url,
    struct sw_error *err)
{
	struct clinic_keys	 k = { 0 };
	const char		*why;
	char			*conf = NULL;
	int			 rc = -1;

	k.box_sk = sodium_malloc(32);
	k.sign_sk = sodium_malloc(64);
	if (k.box_sk == NULL || k.sign_sk == NULL) {
		sw_fail(err, SW_EIO, _("out of memory"));
		goto out;
	}
	if (!proto_url_ok(url, &why)) {
		sw_fail(err, SW_EINVAL, _("The address %s cannot be used: %s."),
		    url, why);
		goto out;
	}
	crypto_box_keypair(k.box_pk, k.box_sk);
	crypto_sign_keypair(k.sign_pk, k.sign_sk);
	conf = config_json(name, url);
	rc = clinic_folder_make(dir, &k, conf, "", 0, NULL, 0, err);
out:
	free(conf);
	clinic_keys_free(&k);
	return rc;
}

/* ---- references and names ---- */

bool
clinic_patient_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

bool
clinic_name_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n > 0 && n <= CLINIC_NAME_MAX &&
	    proto_text_ok(s, CLINIC_NAME_MAX);
}

/* ---- text from standard input ---- */

char *
clinic_read_stdin(size_t cap, size_t *len)
{
	char	*buf = xmalloc(cap + 1);
	size_t	 n = 0;
	ssize_t	 r;
	int	 saved;

	while (n < cap && (r = read(STDIN_FILENO, buf + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			sodium_memzero(buf, cap + 1);
			free(buf);
			errno = saved;
			return NULL;
		}
		n += (size_t)r;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	*len = n;
	return buf;
}

char *
clinic_read_note(const char *arg, size_t max, const char *empty,
    struct sw_error *err)
{
	size_t		 n;
	char		*buf, whybuf[PROTO_WHY_MAX];
	const char	*why;

	if (strcmp(arg, "-") != 0)
		n = strlen(buf = xstrdup(arg));
	else if ((buf = clinic_read_stdin(max * 4 + 2, &n)) == NULL) {
		sw_fail(err, SW_EIO, _("Could not read the note from standard "
		    "input: %s"), strerror(errno));
		return NULL;
	}
	if (n == 0) {
		sw_fail(err, SW_EINVAL, "%s", empty);
		goto fail;
	}
	if ((why = proto_text_why(buf, max, true, whybuf,
	    sizeof whybuf)) != NULL) {
		sw_fail(err, SW_EINVAL, _("The note: %s."), why);
		goto fail;
	}
	return buf;
fail:
	sodium_memzero(buf, n);
	free(buf);
	return NULL;
}
