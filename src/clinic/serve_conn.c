/* serve_conn.c: the connections of stepwise-clinic serve: how many one
 * client may hold (a client is an IPv4 address or an IPv6 /64), and the
 * deadlines of each, counted from the moment it was accepted: its request
 * line and headers must be in within the header timeout, and its whole
 * request answered within the request timeout. libmicrohttpd's own timeout
 * only closes a connection that sends nothing at all, so a client
 * trickling one header line at a time could hold every connection for
 * ever (slowloris); here the main thread closes whatever is past its
 * deadline, whatever it is sending. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "serve.h"
#include "util.h"

enum conn_phase { PHASE_HEAD, PHASE_REQUEST };

struct conn {
	struct conn	*next, *prev;
	int		 fd;
	unsigned char	 key[CLIENT_KEY_MAX];
	size_t		 keylen;
	enum conn_phase	 phase;
	long long	 start;		/* ms: accepted, or the last answer sent */
	bool		 shut;		/* closed here at its deadline */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
client_key(const struct sockaddr *sa, unsigned char *key)
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, 4);
		return 4;
	}
	/* A household, a phone or a machine is given a whole /64: its
	 * other addresses are not other clients. */
	if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr, 8);
		return 8;
	}
	return 0;
}

void
conn_init(struct server *srv)
{
	pthread_mutex_init(&srv->conn_lock, NULL);
	srv->conns = NULL;
}

void
conn_free(struct server *srv)
{
	struct conn *c, *next;

	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	srv->conns = NULL;
	pthread_mutex_destroy(&srv->conn_lock);
}

bool
conn_may_open(struct server *srv, const struct sockaddr *sa)
{
	unsigned char	 key[CLIENT_KEY_MAX];
	size_t		 n = client_key(sa, key);
	unsigned	 same = 0;

	pthread_mutex_lock(&srv->conn_lock);
	for (struct conn *c = srv->conns; c != NULL; c = c->next)
		if (c->keylen == n && memcmp(c->key, key, n) == 0)
			same++;
	pthread_mutex_unlock(&srv->conn_lock);
	return same < SERVE_PER_CLIENT;
}

struct conn *
conn_opened(struct server *srv, const struct sockaddr *sa, int fd)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->fd = fd;
	c->keylen = client_key(sa, c->key);
	c->phase = PHASE_HEAD;
	c->start = now_ms();
	pthread_mutex_lock(&srv->conn_lock);
	c->next = srv->conns;
	if (c->next != NULL)
		c->next->prev = c;
	srv->conns = c;
	pthread_mutex_unlock(&srv->conn_lock);
	return c;
}

/* Called before libmicrohttpd closes the descriptor: once this returns,
 * conn_expire() can no longer reach it. */
void
conn_closed(struct server *srv, struct conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&srv->conn_lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&srv->conn_lock);
	free(c);
}

void
conn_headers_in(struct server *srv, struct conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&srv->conn_lock);
	c->phase = PHASE_REQUEST;
	pthread_mutex_unlock(&srv->conn_lock);
}

/* On a connection kept open, the next request's deadlines count from the
 * end of this one, as if it had just been accepted. */
void
conn_request_done(struct server *srv, struct conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&srv->conn_lock);
	c->phase = PHASE_HEAD;
	c->start = now_ms();
	pthread_mutex_unlock(&srv->conn_lock);
}

static void
log_expired(enum conn_phase phase, unsigned seconds)
{
	char	when[32];
	format_rfc3339((long long)time(NULL), when, sizeof when);
	fprintf(stderr, phase == PHASE_HEAD ? "%s - closed a connection: its "
	    "request line and headers were not in within %u seconds\n" :
	    "%s - closed a connection: its request was not done within %u "
	    "seconds\n", when, seconds);
}

/* shutdown() and not close(): the descriptor stays libmicrohttpd's, which
 * sees the end of the stream, closes it and says so (conn_closed). */
void
conn_expire(struct server *srv)
{
	long long	now = now_ms();
	unsigned	limit;

	pthread_mutex_lock(&srv->conn_lock);
	for (struct conn *c = srv->conns; c != NULL; c = c->next) {
		limit = c->phase == PHASE_HEAD ? srv->header_timeout :
		    srv->request_timeout;
		if (c->shut || now - c->start < (long long)limit * 1000)
			continue;
		shutdown(c->fd, SHUT_RDWR);
		c->shut = true;
		log_expired(c->phase, limit);
	}
	pthread_mutex_unlock(&srv->conn_lock);
}
