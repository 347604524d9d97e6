/* profile.c: the data folder (XDG base directories) and profile files. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "profile.h"
#include "util.h"

char *
profile_data_dir(const char *override, struct sw_error *err)
{
	const char	*xdg = getenv("XDG_DATA_HOME");
	const char	*home = getenv("HOME");
	struct passwd	*pw;

	if (override != NULL)
		return xstrdup(override);
	/* The XDG spec says a relative XDG_DATA_HOME is invalid: ignore it. */
	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/stepwise", xdg);
	if ((home == NULL || home[0] != '/') &&
	    (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home == NULL || home[0] != '/') {
		sw_fail(err, SW_ENOENT, _("Cannot find your home folder: set "
		    "HOME or use --data-dir."));
		return NULL;
	}
	return xasprintf("%s/.local/share/stepwise", home);
}

int
profile_ensure_dir(const char *dir, struct sw_error *err)
{
	char		*copy = xstrdup(dir), *p;
	struct stat	 sb;
	int		 rc = 0;

	/* Parents get the usual mode; only our own folder must be private. */
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
			rc = sw_fail(err, SW_EIO, _("Could not create the "
			    "folder %s: %s"), copy, strerror(errno));
			goto out;
		}
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = sw_fail(err, SW_EIO, _("Could not create the folder %s: "
		    "%s"), dir, strerror(errno));
		goto out;
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		rc = sw_fail(err, SW_EIO, _("%s is not a folder."), dir);
		goto out;
	}
	if ((sb.st_mode & 077) != 0 && chmod(dir, 0700) != 0)
		rc = sw_fail(err, SW_EIO, _("Could not make %s private: %s"),
		    dir, strerror(errno));
out:
	free(copy);
	return rc;
}

bool
profile_name_valid(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= 64 && name[0] != '.' && name[0] != '-' &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

char *
profile_path(const char *dir, const char *name)
{
	return xasprintf("%s/%s.db", dir, name);
}
