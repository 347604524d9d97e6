/* curl_load.h: libcurl opened at run time, only while a sync runs. Linked
 * in, libcurl and what it links (OpenSSL, GnuTLS, p11-kit, Kerberos, LDAP,
 * libssh2...) were mapped and initialised at every start, about 4.5 MiB of
 * a patient's TUI that may never sync (issue 18). */
#ifndef STEPWISE_CURL_LOAD_H
#define STEPWISE_CURL_LOAD_H

#include <curl/curl.h>

#include "diag.h"

/* The functions sync.c calls, each with the type curl.h gives it. The
 * variadic ones are called with the same arguments as the functions
 * themselves: a long, a pointer or a curl_off_t as the option wants. */
struct curl_api {
	__typeof__(curl_easy_init)		*easy_init;
	__typeof__(curl_easy_cleanup)		*easy_cleanup;
	__typeof__(curl_easy_setopt)		*easy_setopt;
	__typeof__(curl_easy_getinfo)		*easy_getinfo;
	__typeof__(curl_multi_init)		*multi_init;
	__typeof__(curl_multi_cleanup)		*multi_cleanup;
	__typeof__(curl_multi_setopt)		*multi_setopt;
	__typeof__(curl_multi_add_handle)	*multi_add_handle;
	__typeof__(curl_multi_remove_handle)	*multi_remove_handle;
	__typeof__(curl_multi_socket_action)	*multi_socket_action;
	__typeof__(curl_multi_info_read)	*multi_info_read;
	__typeof__(curl_slist_append)		*slist_append;
	__typeof__(curl_slist_free_all)		*slist_free_all;
};

/* Open libcurl and curl_global_init it, or count one more user of the
 * library already open. NULL with err set when it cannot be loaded or
 * will not start. Each successful call is matched by one curl_release. */
const struct curl_api	*curl_load(struct sw_error *);
/* One user fewer; the last curl_global_cleanups libcurl and closes it. */
void			 curl_release(void);

#endif
