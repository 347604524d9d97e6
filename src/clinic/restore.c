/* restore.c: stepwise-clinic restore: a backup made by stepwise-clinic
 * backup laid out as a clinic folder, into a new or empty folder. Every
 * check is made before anything is written: the passphrase, the file
 * whole, a schema this version knows, SQLite's check of the database, the
 * keys the clinic's (the backup's own, or --keys-from), and every sealed
 * record that opened when the backup was made opening still. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "backup.h"
#include "i18n.h"
#include "pwseal.h"
#include "util.h"

/* dir may be made or filled: absent, or a folder with nothing in it
 * (init's own rule, in clinic_folder_make, is checked again there). */
static int
target_empty(const char *dir, struct sw_error *err)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 rc = 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : sw_fail(err, SW_EIO, _("Could not "
		    "read %s: %s"), dir, strerror(errno));
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			rc = sw_fail(err, SW_EEXIST, _("%s is not empty: a "
			    "backup is restored only into a new or empty "
			    "folder. Nothing was done."), dir);
	closedir(d);
	return rc;
}

/* The keys to check and restore with: the backup's, else --keys-from's;
 * either must be the keys the backup was made with. */
static int
restore_keys(const struct pwseal_opened *o, const char *file,
    const char *keys_from, const cJSON *meta, struct clinic_keys *k,
    struct sw_error *err)
{
	const struct pwseal_part *box = pwseal_find(o, BACKUP_BOX_SK);
	const struct pwseal_part *sign = pwseal_find(o, BACKUP_SIGN_SK);
	const char		 *want = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(meta, "fingerprint"));
	char			  fp[40];

	if (box != NULL && sign != NULL && box->len == 32 && sign->len == 64) {
		if (clinic_keys_from(box->data, sign->data, file, k, err) != 0)
			return -1;
	} else if (box != NULL || sign != NULL) {
		return sw_fail(err, SW_ECORRUPT, _("The keys in %s are not "
		    "whole. Nothing was done."), file);
	} else if (keys_from == NULL) {
		return sw_fail(err, SW_EINVAL, _("%s holds no secret keys (it "
		    "was made without --with-keys): give the folder that holds "
		    "the clinic's box.sk and sign.sk with --keys-from DIR. "
		    "Nothing was done."), file);
	} else if (clinic_keys_read(keys_from, k, err) != 0)
		return -1;
	clinic_fingerprint(k, fp);
	if (want == NULL || strcmp(want, fp) != 0) {
		clinic_keys_free(k);
		return sw_fail(err, SW_EINVAL, _("These are not the keys %s "
		    "was made with (its clinic's fingerprint is %s, theirs "
		    "%s). Nothing was done."), file, want ? want : "?", fp);
	}
	return 0;
}

/* The database image, opened read-only in memory, known to this version
 * and whole, and its records opening as when the backup was made. */
static int
restore_check_db(const struct pwseal_part *db, const char *file,
    const cJSON *meta, const struct clinic_keys *k, size_t *opened,
    struct sw_error *err)
{
	sqlite3		*mem = NULL;
	size_t		 total;
	char		 hash[65];
	const char	*want = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(meta, "opened_hash"));
	const cJSON	*n = cJSON_GetObjectItemCaseSensitive(meta, "opened");
	int		 rc = -1;

	if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || sqlite3_exec(mem, "PRAGMA temp_store = MEMORY", NULL,
	    NULL, NULL) != SQLITE_OK || sqlite3_deserialize(mem, "main",
	    (unsigned char *)db->data, (sqlite3_int64)db->len,
	    (sqlite3_int64)db->len, SQLITE_DESERIALIZE_READONLY) != SQLITE_OK) {
		sw_fail(err, SW_EIO, _("out of memory"));
		goto out;
	}
	if (clinic_db_image_ok(mem, file, err) != 0 ||
	    backup_opened(mem, k, opened, &total, hash, err) != 0)
		goto out;
	if (want == NULL || !cJSON_IsNumber(n) || strcmp(want, hash) != 0 ||
	    (double)*opened != n->valuedouble) {
		sw_fail(err, SW_ECORRUPT, _("Of the %.0f records that opened "
		    "when %s was made, not all open now with its keys (%zu "
		    "of %zu records open). Nothing was done."),
		    cJSON_IsNumber(n) ? n->valuedouble : 0.0, file, *opened,
		    total);
		goto out;
	}
	rc = 0;
out:
	sqlite3_close(mem);
	return rc;
}

int
clinic_cmd_restore(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keys-from", required_argument, NULL, 'K' },
		{ "passphrase-fd", required_argument, NULL, 'P' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct pwseal_opened	 o = { 0 };
	struct clinic_keys	 k = { 0 };
	const struct pwseal_part *db, *conf;
	const char		*dir = NULL, *file, *keys_from = NULL;
	const cJSON		*fmt;
	unsigned char		*in = NULL;
	cJSON			*meta = NULL;
	char			*pass = NULL, *conftext = NULL;
	struct clinic_file	*extra = NULL;
	size_t			 inlen = 0, opened = 0, nextra = 0;
	int			 opt, fd = -1, rc;

	while ((opt = clinic_getopt("restore", _("Usage: stepwise-clinic "
	    "restore FILE DIR [--keys-from DIR] [--passphrase-fd N]\n"),
	    argc, argv, ":", longopts, &dir, 2, &rc)) > 0) {
		if (opt == 'K')
			keys_from = optarg;
		else if (!backup_fd_arg("restore", optarg, &fd))
			return CLINIC_EXIT_USAGE;
	}
	if (opt < 0)
		return rc;
	rc = CLINIC_EXIT_FAIL;
	if (argc - optind < 1 || (argc - optind < 2 && dir == NULL) ||
	    (argc - optind == 2 && dir != NULL))
		return clinic_usage_error("restore", "%s", _("FILE and the "
		    "folder DIR to restore into are needed"));
	file = argv[optind];
	if (dir == NULL)
		dir = argv[optind + 1];
	if (target_empty(dir, &err) != 0)
		goto out;
	if ((in = (unsigned char *)read_file(file, &inlen)) == NULL) {
		sw_fail(&err, SW_EIO, _("Could not read %s: %s"), file,
		    strerror(errno));
		goto out;
	}
	if ((pass = backup_passphrase(fd, false, &err)) == NULL ||
	    pwseal_read(BACKUP_MAGIC, file, pass, in, inlen, &o, &err) != 0)
		goto out;
	db = pwseal_find(&o, BACKUP_DB);
	conf = pwseal_find(&o, BACKUP_CONFIG);
	{
		const struct pwseal_part *m = pwseal_find(&o, BACKUP_META);

		meta = m ? cJSON_ParseWithLength((const char *)m->data, m->len) :
		    NULL;
	}
	fmt = cJSON_GetObjectItemCaseSensitive(meta, "format");
	if (cJSON_IsNumber(fmt) && fmt->valuedouble > BACKUP_FORMAT) {
		sw_fail(&err, SW_EFORMAT, _("%s was made by a newer "
		    "stepwise-clinic (backup format %.0f). Nothing was done: "
		    "restore it with that version or a later one."), file,
		    fmt->valuedouble);
		goto out;
	}
	if (!cJSON_IsNumber(fmt) || db == NULL || conf == NULL) {
		sw_fail(&err, SW_ECORRUPT, _("%s does not hold what a backup "
		    "holds (backup.json, clinic.json and the database). Nothing "
		    "was done."), file);
		goto out;
	}
	conftext = xstrndup((const char *)conf->data, conf->len);
	extra = xcalloc(o.n, sizeof *extra);
	for (size_t i = 0; i < o.n; i++)
		if (backup_template_part(o.parts[i].name))
			extra[nextra++] = (struct clinic_file){ o.parts[i].name,
			    o.parts[i].data, o.parts[i].len };
	if (restore_keys(&o, file, keys_from, meta, &k, &err) != 0 ||
	    restore_check_db(db, file, meta, &k, &opened, &err) != 0 ||
	    clinic_folder_make(dir, &k, conftext, db->data, db->len, extra,
	    nextra, &err) != 0)
		goto out;
	printf(_("Restored %s into %s: %zu records, each one that opened when "
	    "the backup was made opening still.\nGive %s/db to the server's "
	    "account before starting stepwise-clinic serve on it (see "
	    "stepwise-clinic(8), FILES).\n"), file, dir, opened, dir);
	rc = CLINIC_EXIT_OK;
out:
	if (rc != CLINIC_EXIT_OK)
		clinic_fail(&err);
	cJSON_Delete(meta);
	free(extra);
	free(conftext);
	clinic_keys_free(&k);
	pwseal_close(&o);
	backup_passphrase_free(pass);
	free(in);
	return rc;
}
