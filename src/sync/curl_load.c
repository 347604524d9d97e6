/* curl_load.c: libcurl opened by its soname (STEPWISE_LIBCURL, read from
 * the libcurl the build compiles against) when a sync starts, and closed
 * when the last user is done, so that the libraries it brings go again. */
#include <dlfcn.h>
#include <stdbool.h>
#include <string.h>

#include "config.h"
#include "curl_load.h"
#include "i18n.h"

/* Closed after a sync, libcurl gives back about 3.8 MiB of the TUI
 * (measured after a sync over https: libcurl, GnuTLS, Kerberos, LDAP,
 * libssh2, nghttp2...); OpenSSL's libcrypto and libssl and p11-kit stay,
 * being linked NODELETE. Under AddressSanitizer it is never unloaded:
 * LeakSanitizer's exit check (gcc 12) crashes on what it noted of the
 * thread-local storage of a library since unloaded (GnuTLS and com_err
 * have some), and could not name the frames of one in its reports. */
#if STEPWISE_LIBCURL_KEPT
#define OPEN_FLAGS	(RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)
#else
#define OPEN_FLAGS	(RTLD_NOW | RTLD_LOCAL)
#endif

static void		*lib;		/* dlopen's handle while users > 0 */
static unsigned		 users;
static struct curl_api	 api;
static __typeof__(curl_global_init)	*global_init;
static __typeof__(curl_global_cleanup)	*global_cleanup;

/* Words for a failed dlopen or dlsym, from dlerror; false. */
static bool
load_failed(struct sw_error *err)
{
	const char *why = dlerror();

	sw_fail(err, SW_EIO, _("libcurl could not be loaded: %s"),
	    why != NULL ? why : STEPWISE_LIBCURL);
	return false;
}

/* The function called name; NULL (and *ok false, err set by the first
 * one missing) when the library has none. */
static void *
symbol(const char *name, bool *ok, struct sw_error *err)
{
	void *p = dlsym(lib, name);

	if (p == NULL && *ok)
		*ok = load_failed(err);
	return p;
}

static void
close_lib(void)
{
	dlclose(lib);
	lib = NULL;
	memset(&api, 0, sizeof api);
}

/* curl_X into api.X: POSIX lets a function's address come from dlsym. */
#define RESOLVE(x)	(api.x = (__typeof__(api.x))symbol("curl_" #x, &ok, err))

static bool
open_lib(struct sw_error *err)
{
	bool ok = true;

	if ((lib = dlopen(STEPWISE_LIBCURL, OPEN_FLAGS)) == NULL)
		return load_failed(err);
	global_init = (__typeof__(global_init))symbol("curl_global_init", &ok,
	    err);
	global_cleanup = (__typeof__(global_cleanup))symbol(
	    "curl_global_cleanup", &ok, err);
	RESOLVE(easy_init);
	RESOLVE(easy_cleanup);
	RESOLVE(easy_setopt);
	RESOLVE(easy_getinfo);
	RESOLVE(multi_init);
	RESOLVE(multi_cleanup);
	RESOLVE(multi_setopt);
	RESOLVE(multi_add_handle);
	RESOLVE(multi_remove_handle);
	RESOLVE(multi_socket_action);
	RESOLVE(multi_info_read);
	RESOLVE(slist_append);
	RESOLVE(slist_free_all);
	if (!ok)
		close_lib();
	return ok;
}

const struct curl_api *
curl_load(struct sw_error *err)
{
	if (users > 0) {
		users++;
		return &api;
	}
	if (!open_lib(err))
		return NULL;
	if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		sw_fail(err, SW_EIO, "%s", _("libcurl could not start."));
		close_lib();
		return NULL;
	}
	users = 1;
	return &api;
}

void
curl_release(void)
{
	if (users == 0 || --users > 0)
		return;
	global_cleanup();
	close_lib();
}
