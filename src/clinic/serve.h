/* serve.h: the parts of stepwise-clinic serve shared by its files: the
 * HTTP side (serve_http.c) hands each checked request to an endpoint
 * (serve_api.c), which decides the answer. */
#ifndef STEPWISE_SERVE_H
#define STEPWISE_SERVE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#define SERVE_DEFAULT_LISTEN	"127.0.0.1:8470"
#define SERVE_RATE		60	/* requests a minute, per address and device */
#define SERVE_MAX_TARGET	1024
#define SERVE_MAX_HEAD		8192
#define SERVE_CONNECTIONS	64
#define SERVE_PER_CLIENT	8	/* an IPv4 address or an IPv6 /64 */
#define SERVE_TIMEOUT		60	/* s with nothing sent or received */
#define SERVE_HEADER_TIMEOUT	30	/* s from accept to the last header */
#define SERVE_REQUEST_TIMEOUT	600	/* s from accept to the answer sent,
					 * the client's own CURLOPT_TIMEOUT */
#define SERVE_CONN_MEMORY	(64 * 1024)
#define SERVE_COMPRESS_OVER	1024
#define SERVE_DISCARD_MAX	(4 * 1024 * 1024) /* of a chunked body over 1 MiB */
#define SERVE_RETRY_BUSY	5	/* Retry-After when the database is busy */

struct rate_slot;
struct conn;

struct server {
	sqlite3			*db;
	unsigned		 rate;		/* 0: no limit */
	struct rate_slot	*slots;
	unsigned		 header_timeout;	/* seconds */
	unsigned		 request_timeout;
	pthread_mutex_t		 conn_lock;	/* libmicrohttpd's thread and
						 * the main thread share: */
	struct conn		*conns;		/* every open connection */
};

/* One request as the endpoints see it: checked for size, route, media
 * type and encoding, with its body decoded (and parsed, for a POST). */
struct request {
	struct server	*srv;
	const char	*target;	/* exactly as sent */
	const char	*query;		/* after '?', or NULL */
	const cJSON	*json;		/* POST of JSON only */
	const unsigned char *body;	/* POST of octets only: the body, */
	size_t		 len;		/* after content decoding */
	const char	*device;	/* X-Stepwise-* headers, or NULL */
	const char	*time;
	const char	*signature;
	long long	 now;
};

/* What an endpoint decided. body is the answer's JSON object: the success
 * body, or for an error {"error","message"} plus any extra members. */
struct answer {
	unsigned	 status;
	cJSON		*body;
	long long	 retry_after;	/* seconds, or 0 */
	const char	*allow;		/* for 405 */
	bool		 accept_encoding; /* for 415 unsupported_encoding */
	bool		 close;		/* Connection: close after it */
};

/* Set a to an error; msg may hold printf conversions. */
void	 answer_error(struct answer *, unsigned status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* 503 unavailable, for a database that is busy or failing. */
void	 answer_unavailable(struct answer *, sqlite3 *);

/* The rate buckets: record uploads, message fetches, and everything else
 * are counted apart, per address and per device, so that fetches signed
 * with a device's request key (which its profile keeps in clear, for a
 * sync without the passphrase) can never use up its uploads. */
#define RATE_UPLOAD	'u'
#define RATE_FETCH	'f'
#define RATE_OTHER	'o'

/* Count one request against key (a bucket's address or device); 0 if it
 * may go on, otherwise the seconds until it may try again. */
long long rate_take(struct server *, const void *key, size_t keylen,
	    long long now);
void	 rate_init(struct server *);
void	 rate_free(struct server *);

/* The connections (serve_conn.c). A client's key: its IPv4 address or
 * the first 64 bits of its IPv6 address, in at most CLIENT_KEY_MAX bytes;
 * returns the length (0 for another family). */
#define CLIENT_KEY_MAX	8
size_t	 client_key(const struct sockaddr *, unsigned char *key);
void	 conn_init(struct server *);
void	 conn_free(struct server *);
/* Whether the client at sa may open one more connection. */
bool	 conn_may_open(struct server *, const struct sockaddr *sa);
/* A connection accepted, and one about to be closed by libmicrohttpd. */
struct conn *conn_opened(struct server *, const struct sockaddr *, int fd);
void	 conn_closed(struct server *, struct conn *);
/* Its request's headers are in; its answer has been sent. */
void	 conn_headers_in(struct server *, struct conn *);
void	 conn_request_done(struct server *, struct conn *);
/* From the main thread, about once a second: close every connection
 * past its deadline. */
void	 conn_expire(struct server *);

/* The endpoints of stepwise-protocol(7); each route names its bucket. */
void	 api_enroll(const struct request *, struct answer *);
void	 api_records(const struct request *, struct answer *);
void	 api_messages(const struct request *, struct answer *);
void	 api_health(const struct request *, struct answer *);
void	 api_sync(const struct request *, struct answer *);

/* The HTTP side: start and stop libmicrohttpd on a bound listening socket.
 * tls_cert and tls_key are PEM text, or NULL for plain http. */
struct MHD_Daemon;
struct MHD_Daemon *http_start(struct server *, int fd, const char *tls_cert,
	    const char *tls_key);

#endif
