/* upgrade.c: stepwise-clinic upgrade: the one-time move of a clinic folder
 * made before the database had a folder of its own (clinic.db beside the
 * keys) to the layout of stepwise-clinic(8), FILES. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clinic.h"
#include "i18n.h"
#include "util.h"

/* The old layout let the server's account write the folder (chmod 770):
 * take that away first, so that nothing can change the keys between
 * their check and the move. */
static int
close_folder(const char *dir, struct sw_error *err)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return sw_fail(err, SW_EIO, _("Could not read %s: %s"), dir,
		    strerror(errno));
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return clinic_trusted(dir, NULL, err);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return 0;
	if (chmod(dir, st.st_mode & 07755) != 0)
		return sw_fail(err, SW_EIO, _("Could not set the mode of %s: "
		    "%s"), dir, strerror(errno));
	printf(_("%s could be written by other accounts (mode %04o); it is "
	    "now %04o.\n"), dir, (unsigned)(st.st_mode & 07777),
	    (unsigned)(st.st_mode & 07755));
	return 0;
}

static int
upgrade(const char *dir, const char *path, const char *now,
    struct sw_error *err)
{
	struct clinic_keys	k;
	char			fp[40];

	if (clinic_db_layout_check(dir, err) == 0) {
		printf(_("%s already keeps its database in %s/db; nothing was "
		    "changed.\n"), dir, dir);
		return 0;
	}
	/* Only a folder with clinic.db beside the keys, and no db/clinic.db,
	 * is moved; err says what any other is. */
	if (access(path, F_OK) != 0 || access(now, F_OK) == 0)
		return -1;
	if (close_folder(dir, err) != 0 || clinic_keys_read(dir, &k, err) != 0)
		return -1;
	clinic_fingerprint(&k, fp);
	clinic_keys_free(&k);
	if (clinic_db_move(dir, err) != 0)
		return -1;
	printf(_("Moved the database to %s/db/clinic.db.\n"
	    "The keys give the clinic fingerprint\n  %s\n"
	    "Check that it is the one your patients were given: if the "
	    "server's account\ncould write %s, it could have replaced the "
	    "keys.\n"
	    "If the server runs as an account of its own, give it the "
	    "database folder\n(as root; see stepwise-clinic(8), FILES):\n"
	    "  chown -R stepwise-serve:stepwise-serve %s/db\n"
	    "  chmod 2770 %s/db\n"
	    "  chmod 0660 %s/db/clinic.db\n"
	    "Then start stepwise-clinic serve again.\n"), dir, fp, dir, dir,
	    dir, dir);
	return 0;
}

int
clinic_cmd_upgrade(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error	 err = { 0 };
	const char	*dir = ".";
	char		*old, *now;
	int		 opt, rc = CLINIC_EXIT_FAIL;

	while ((opt = clinic_getopt("upgrade", _("Usage: stepwise-clinic "
	    "upgrade [--dir DIR]\nMove the database of a clinic folder made "
	    "by an earlier stepwise-clinic into\nDIR/db, once; stop "
	    "stepwise-clinic serve first.\n"), argc, argv, ":", longopts,
	    &dir, 0, &rc)) > 0)
		;
	if (opt < 0)
		return rc;
	old = xasprintf("%s/" CLINIC_DB_NAME, dir);
	now = clinic_db_path(dir, CLINIC_DB_NAME);
	rc = upgrade(dir, old, now, &err) == 0 ? CLINIC_EXIT_OK :
	    clinic_fail(&err);
	free(old);
	free(now);
	return rc;
}
