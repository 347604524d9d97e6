/* serve.c: stepwise-clinic serve: options, the listening socket, the
 * clinic database, the TLS files, and a clean stop on SIGTERM or SIGINT.
 * The requests themselves are in serve_http.c and serve_api.c, the
 * connections' limits and deadlines in serve_conn.c. The server never
 * opens the clinic's secret keys. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "clinic.h"
#include "i18n.h"
#include "serve.h"
#include "util.h"

struct listen_addr {
	struct sockaddr_storage	ss;
	socklen_t		len;
	char			host[INET6_ADDRSTRLEN + 2];	/* [v6] */
};

/* ADDR:PORT with ADDR an IPv4 literal or [IPv6]; PORT 0 to 65535. */
static bool
parse_listen(const char *arg, struct listen_addr *la)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&la->ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&la->ss;
	const char		*colon = strrchr(arg, ':');
	char			 host[INET6_ADDRSTRLEN], *end;
	size_t			 n;
	long			 port;

	memset(la, 0, sizeof *la);
	if (colon == NULL || colon[1] == '\0')
		return false;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535)
		return false;
	n = (size_t)(colon - arg);
	if (n > 2 && arg[0] == '[' && arg[n - 1] == ']') {
		if (n - 2 >= sizeof host)
			return false;
		memcpy(host, arg + 1, n - 2);
		host[n - 2] = '\0';
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return false;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		la->len = sizeof *s6;
		snprintf(la->host, sizeof la->host, "[%s]", host);
		return true;
	}
	if (n == 0 || n >= sizeof host)
		return false;
	memcpy(host, arg, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return false;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	la->len = sizeof *s4;
	snprintf(la->host, sizeof la->host, "%s", host);
	return true;
}

/* Bind and listen ourselves, so that port 0 can be read back. */
static int
listen_on(struct listen_addr *la, unsigned *port, struct sw_error *err)
{
	int	fd, on = 1;

	fd = socket(la->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return sw_fail(err, SW_EIO, _("Could not make a socket: %s"),
		    strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (la->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, (struct sockaddr *)&la->ss, la->len) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&la->ss, &la->len) != 0) {
		sw_fail(err, SW_EIO, _("Could not listen on %s: %s"),
		    la->host, strerror(errno));
		close(fd);
		return -1;
	}
	*port = ntohs(la->ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&la->ss)->sin6_port :
	    ((struct sockaddr_in *)&la->ss)->sin_port);
	return fd;
}

/* The help for --help, with the defaults in it. */
static const char *
help_text(void)
{
	static char help[2048];

	snprintf(help, sizeof help, _("Usage: stepwise-clinic serve [--dir DIR] "
	    "[--listen ADDR:PORT]\n"
	    "                             [--tls-cert FILE --tls-key FILE] "
	    "[--rate N]\n"
	    "                             [--header-timeout S] "
	    "[--request-timeout S]\n"
	    "Receive patients' records and hand out supporter messages "
	    "(stepwise-protocol(7)).\n\n"
	    "  --dir DIR          the clinic folder (default: the current "
	    "folder)\n"
	    "  --listen ADDR:PORT where to listen (default %s; port 0: any "
	    "free port)\n"
	    "  --tls-cert FILE    serve https with this PEM certificate "
	    "(chain)\n"
	    "  --tls-key FILE     and this PEM private key\n"
	    "  --rate N           requests a minute per client address and per "
	    "device,\n"
	    "                     uploads and fetches apart (default %d; 0: no "
	    "limit)\n"
	    "  --header-timeout S a connection's request line and headers must "
	    "be in\n"
	    "                     within S seconds of its accept (default %d)\n"
	    "  --request-timeout S and its request answered within S seconds "
	    "(default %d)\n"),
	    SERVE_DEFAULT_LISTEN, SERVE_RATE, SERVE_HEADER_TIMEOUT,
	    SERVE_REQUEST_TIMEOUT);
	return help;
}

/* The server runs until SIGTERM or SIGINT, taken here with sigtimedwait()
 * in the main thread (libmicrohttpd's thread has them blocked), which
 * between signals closes the connections past their deadlines. */
static int
run(struct server *srv, struct listen_addr *la, const char *cert,
    const char *key, struct sw_error *err)
{
	static const struct timespec	 second = { 1, 0 };
	struct MHD_Daemon		*d;
	sigset_t			 set;
	unsigned			 port = 0;
	int				 fd, sig;

	if ((fd = listen_on(la, &port, err)) == -1)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((d = http_start(srv, fd, cert, key)) == NULL) {
		close(fd);
		return sw_fail(err, SW_EIO, "%s", cert != NULL ? _("Could not "
		    "start the server; check that the certificate and key "
		    "are PEM and belong together.") : _("Could not start the "
		    "server."));
	}
	printf("listening on %s://%s:%u\n", cert != NULL ? "https" : "http",
	    la->host, port);
	fflush(stdout);
	while ((sig = sigtimedwait(&set, NULL, &second)) != SIGTERM &&
	    sig != SIGINT)
		conn_expire(srv);
	MHD_stop_daemon(d);
	fprintf(stderr, "stepwise-clinic serve: stopped\n");
	return 0;
}

/* Open the database, serve until told to stop, and close everything. */
static int
serve(struct server *srv, const char *dir, struct listen_addr *la,
    const char *cert, const char *key, struct sw_error *err)
{
	int rc;

	if (clinic_db_open(dir, &srv->db, err) != 0)
		return -1;
	/* One thread serves every request: never wait long on a writer. */
	sqlite3_busy_timeout(srv->db, 2000);
	rate_init(srv);
	conn_init(srv);
	rc = run(srv, la, cert, key, err);
	sqlite3_close(srv->db);
	rate_free(srv);
	conn_free(srv);
	return rc;
}

static bool
seconds_arg(const char *arg, unsigned *out)
{
	char *end;
	long  v = strtol(arg, &end, 10);

	if (*end != '\0' || end == arg || v < 1 || v > 86400)
		return false;
	*out = (unsigned)v;
	return true;
}

struct serve_opts {
	const char		*dir;
	const char		*certf, *keyf;
	struct listen_addr	 la;
};

/* One option of serve's own into o or srv; false after a usage error
 * (*rc holds the exit status). */
static bool
serve_option(int opt, const char **listen, struct serve_opts *o,
    struct server *srv, int *rc)
{
	char *end;
	long  v;

	switch (opt) {
	case 'l':
		*listen = optarg;
		break;
	case 'c':
		o->certf = optarg;
		break;
	case 'k':
		o->keyf = optarg;
		break;
	case 'r':
		v = strtol(optarg, &end, 10);
		if (*end != '\0' || end == optarg || v < 0 || v > 1000000) {
			*rc = clinic_usage_error("serve", _("--rate needs a "
			    "number of requests a minute, not '%s'"), optarg);
			return false;
		}
		srv->rate = (unsigned)v;
		break;
	case 'H':
	case 'R':
		if (!seconds_arg(optarg, opt == 'H' ? &srv->header_timeout :
		    &srv->request_timeout)) {
			*rc = clinic_usage_error("serve", opt == 'H' ?
			    _("--header-timeout needs a number of seconds "
			    "from 1 to 86400, not '%s'") : _("--request-timeout "
			    "needs a number of seconds from 1 to 86400, not "
			    "'%s'"), optarg);
			return false;
		}
		break;
	}
	return true;
}

/* The command line into o and srv; -1 to go on, else the exit status. */
static int
serve_options(int argc, char **argv, struct serve_opts *o,
    struct server *srv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "rate", required_argument, NULL, 'r' },
		{ "header-timeout", required_argument, NULL, 'H' },
		{ "request-timeout", required_argument, NULL, 'R' },
		CLINIC_COMMON_OPTIONS
	};
	const char	*listen = SERVE_DEFAULT_LISTEN;
	int		 opt, rc = CLINIC_EXIT_FAIL;

	o->dir = ".";
	srv->rate = SERVE_RATE;
	srv->header_timeout = SERVE_HEADER_TIMEOUT;
	srv->request_timeout = SERVE_REQUEST_TIMEOUT;
	while ((opt = clinic_getopt("serve", help_text(), argc, argv, ":",
	    longopts, &o->dir, 0, &rc)) > 0)
		if (!serve_option(opt, &listen, o, srv, &rc))
			return rc;
	if (opt < 0)
		return rc;
	if (srv->request_timeout < srv->header_timeout)
		return clinic_usage_error("serve", "%s", _("--request-timeout "
		    "cannot be shorter than --header-timeout"));
	if ((o->certf == NULL) != (o->keyf == NULL))
		return clinic_usage_error("serve", "%s", _("--tls-cert and "
		    "--tls-key go together"));
	if (!parse_listen(listen, &o->la))
		return clinic_usage_error("serve", _("--listen needs "
		    "ADDR:PORT, such as 127.0.0.1:8470 or [::1]:8470, not "
		    "'%s'"), listen);
	return -1;
}

int
clinic_cmd_serve(int argc, char **argv)
{
	struct sw_error		 err = { 0 };
	struct server		 srv = { 0 };
	struct serve_opts	 o = { 0 };
	char			*cert = NULL, *key = NULL;
	int			 rc;

	if ((rc = serve_options(argc, argv, &o, &srv)) >= 0)
		return rc;
	rc = CLINIC_EXIT_FAIL;
	if (o.certf != NULL && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		sw_fail(&err, SW_EINVAL, "%s", _("This libmicrohttpd was "
		    "built without TLS; serve plain http behind a TLS "
		    "terminator instead."));
		return clinic_fail(&err);
	}
	if (o.certf != NULL && ((cert = read_file(o.certf, NULL)) == NULL ||
	    (key = read_file(o.keyf, NULL)) == NULL)) {
		sw_fail(&err, SW_EIO, _("Could not read %s: %s"),
		    cert == NULL ? o.certf : o.keyf, strerror(errno));
		goto out;
	}
	if (serve(&srv, o.dir, &o.la, cert, key, &err) == 0)
		rc = CLINIC_EXIT_OK;
out:
	if (rc != CLINIC_EXIT_OK)
		clinic_fail(&err);
	wipe_free(key);
	free(cert);
	return rc;
}
