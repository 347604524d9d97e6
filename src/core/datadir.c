/* datadir.c: which content folder a program uses when none is named, and
 * which locale chooses within it. One rule for both programs. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "content.h"

/* true when path is dir itself or lies inside it (both absolute, resolved). */
static bool
path_is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* A program run from the build tree it was compiled in is a developer's or
 * the test suite's: it must use the checkout's content, never a copy some
 * earlier install left in the prefix (older, or broken). An installed
 * program lives outside the build tree, or inside a prefix placed there. */
static bool
running_from_build_tree(void)
{
	char	exe[PATH_MAX], root[PATH_MAX], prefix[PATH_MAX];
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return false;
	exe[n] = '\0';
	if (realpath(STEPWISE_BUILD_ROOT, root) == NULL ||
	    !path_is_under(exe, root))
		return false;
	if (realpath(STEPWISE_PREFIX, prefix) != NULL &&
	    path_is_under(exe, prefix))
		return false;
	return true;
}

const char *
content_dir_default(void)
{
	const char *env = getenv("STEPWISE_CONTENT_DIR");

	if (env != NULL && *env != '\0')
		return env;
	if (running_from_build_tree())
		return STEPWISE_SOURCE_CONTENT_DIR;
	return STEPWISE_INSTALLED_CONTENT_DIR;
}

char *
content_locale_current(void)
{
	const char *lang = getenv("LC_ALL");

	/* The order POSIX gives for the language of messages. */
	if (lang == NULL || *lang == '\0')
		lang = getenv("LC_MESSAGES");
	if (lang == NULL || *lang == '\0')
		lang = getenv("LANG");
	return content_locale_from_env(lang);
}
