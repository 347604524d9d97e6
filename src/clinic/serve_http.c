/* serve_http.c: the libmicrohttpd side of stepwise-clinic serve. One state
 * per request; the checks that come before an endpoint, in the order of
 * stepwise-protocol(7), ERRORS (the body's length given once and one way,
 * rate, target and header size, route, media type and encoding, body
 * size, decoding, JSON); answers in JSON with the headers the page asks
 * for; rate counters; libmicrohttpd's side of the connections' limits and
 * deadlines (serve_conn.c); one log line per request. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "i18n.h"
#include "proto.h"
#include "serve.h"
#include "util.h"

#define TLS_PRIORITIES	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define LOG_PATH_MAX	64

enum coding { CODING_IDENTITY, CODING_DEFLATE, CODING_GZIP };

static const struct route {
	const char	*path;
	const char	*method;
	char		 bucket;	/* of the rate counters */
	void		(*fn)(const struct request *, struct answer *);
	const char	*media;		/* of a POST's body */
} routes[] = {
	{ "/v1/enroll", "POST", RATE_OTHER, api_enroll, "application/json" },
	{ "/v1/records", "POST", RATE_UPLOAD, api_records, "application/json" },
	{ "/v1/messages", "GET", RATE_FETCH, api_messages, NULL },
	{ "/v1/health", "GET", RATE_OTHER, api_health, NULL },
	{ PROTO_V2_TARGET, "POST", RATE_UPLOAD, api_sync, PROTO_V2_MEDIA },
};

struct req {
	struct server		*srv;
	char			*target;	/* as sent, from the URI callback */
	const struct route	*route;
	bool			 started;
	bool			 answered;
	bool			 deflate_ok;	/* the answer may be compressed */
	bool			 too_large;	/* the body passed 1 MiB */
	enum coding		 coding;
	unsigned char		*body;		/* as sent, at most 1 MiB */
	size_t			 len;
	size_t			 cap;
	size_t			 in;		/* bytes of body received */
	size_t			 out;		/* bytes of answer body */
	unsigned		 status;
	char			 method[16];
};

/* ---- answers ---- */

void
answer_error(struct answer *a, unsigned status, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	cJSON_Delete(a->body);
	a->status = status;
	a->body = cJSON_CreateObject();
	cJSON_AddStringToObject(a->body, "error", code);
	cJSON_AddStringToObject(a->body, "message", msg);
	free(msg);
}

void
answer_unavailable(struct answer *a, sqlite3 *db)
{
	fprintf(stderr, "stepwise-clinic serve: database: %s\n",
	    sqlite3_errmsg(db));
	answer_error(a, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
	    "%s", _("The server's database is busy or unreachable; try "
	    "again later."));
	a->retry_after = SERVE_RETRY_BUSY;
}

static void
add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	if (MHD_add_response_header(resp, name, value) != MHD_YES)
		fprintf(stderr, "stepwise-clinic serve: could not add the "
		    "header %s\n", name);
}

static enum MHD_Result
send_answer(struct req *r, struct MHD_Connection *c, struct answer *a)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;
	unsigned char		*z;
	char			*json, num[32];
	void			*out;
	size_t			 n, zn;
	bool			 deflated = false;

	if (a->body == NULL)
		answer_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "%s", _("A fault in the server; it has been logged."));
	if ((json = cJSON_PrintUnformatted(a->body)) == NULL) {
		fputs("stepwise-clinic serve: out of memory\n", stderr);
		exit(70);
	}
	cJSON_Delete(a->body);
	a->body = NULL;
	n = strlen(json);
	out = json;
	if (n > SERVE_COMPRESS_OVER && r->deflate_ok &&
	    (z = proto_deflate(json, n, &zn)) != NULL) {
		if (zn < n) {
			free(json);
			out = z;
			n = zn;
			deflated = true;
		} else
			free(z);
	}
	resp = MHD_create_response_from_buffer(n, out, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(out);
		return MHD_NO;
	}
	add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (deflated)
		add_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "deflate");
	if (deflated || n > SERVE_COMPRESS_OVER)
		add_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (a->status == MHD_HTTP_UNAUTHORIZED)
		add_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Stepwise");
	if (a->status == MHD_HTTP_TOO_MANY_REQUESTS ||
	    a->status == MHD_HTTP_SERVICE_UNAVAILABLE) {
		snprintf(num, sizeof num, "%lld", a->retry_after > 0 ?
		    a->retry_after : 1);
		add_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (a->allow != NULL)
		add_header(resp, MHD_HTTP_HEADER_ALLOW, a->allow);
	if (a->accept_encoding)
		add_header(resp, MHD_HTTP_HEADER_ACCEPT_ENCODING,
		    "deflate, gzip");
	if (a->close)
		add_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, a->status, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	r->status = a->status;
	r->out = n;
	return ret;
}

/* ---- rate counters: a fixed one-minute window per key ---- */

#define RATE_SLOTS	4096
#define RATE_PROBE	16
#define RATE_KEY	40
#define RATE_WINDOW	60

struct rate_slot {
	unsigned char	key[RATE_KEY];
	size_t		keylen;
	long long	start;
	unsigned	count;
};

/* Slots are chosen by a keyed hash, so that nobody can aim many keys at
 * one slot's neighbourhood to evict a counter. */
static unsigned char rate_hash_key[crypto_shorthash_KEYBYTES];

void
rate_init(struct server *srv)
{
	srv->slots = xcalloc(RATE_SLOTS, sizeof *srv->slots);
	crypto_shorthash_keygen(rate_hash_key);
}

void
rate_free(struct server *srv)
{
	free(srv->slots);
	srv->slots = NULL;
}

long long
rate_take(struct server *srv, const void *key, size_t keylen, long long now)
{
	struct rate_slot	*s, *pick = NULL;
	unsigned char		 h[crypto_shorthash_BYTES];
	uint64_t		 at;

	if (srv->rate == 0)
		return 0;
	if (keylen > RATE_KEY)
		keylen = RATE_KEY;
	crypto_shorthash(h, key, keylen, rate_hash_key);
	memcpy(&at, h, sizeof at);
	for (int i = 0; i < RATE_PROBE; i++) {
		s = &srv->slots[(at + (uint64_t)i) % RATE_SLOTS];
		if (s->keylen == keylen && memcmp(s->key, key, keylen) == 0) {
			pick = s;
			break;
		}
		/* Otherwise the emptiest: unused, else the oldest window. */
		if (pick == NULL || s->start < pick->start)
			pick = s;
	}
	if (pick->keylen != keylen || memcmp(pick->key, key, keylen) != 0) {
		memcpy(pick->key, key, keylen);
		pick->keylen = keylen;
		pick->start = now;
		pick->count = 0;
	}
	if (now - pick->start >= RATE_WINDOW || now < pick->start) {
		pick->start = now;
		pick->count = 0;
	}
	if (pick->count >= srv->rate)
		return pick->start + RATE_WINDOW - now;
	pick->count++;
	return 0;
}

/* ---- request headers ---- */

struct head_scan {
	size_t		 size;
	const char	*name;
	const char	*value;	/* the first of that name */
	unsigned	 count;
	unsigned	 bad_names;	/* not an RFC 9110 token */
};

static bool
token_ok(const char *s)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t n = strspn(s, tchar);

	return n > 0 && s[n] == '\0';
}

static enum MHD_Result
scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct head_scan *h = cls;

	(void)kind;
	if (!token_ok(key))
		h->bad_names++;
	h->size += strlen(key) + 2 + (value ? strlen(value) : 0) + 2;
	if (h->name != NULL && strcasecmp(key, h->name) == 0 &&
	    h->count++ == 0)
		h->value = value;
	return MHD_YES;
}

/* The bytes of the request line and headers, as near as libmicrohttpd
 * lets us see them (it has already parsed them). */
static size_t
head_size(struct MHD_Connection *c, const struct req *r)
{
	struct head_scan h = { 0 };

	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, &h);
	return strlen(r->method) + 1 + strlen(r->target) + 1 +
	    strlen("HTTP/1.1") + 2 + h.size + 2;
}

static const char *
header(struct MHD_Connection *c, const char *name, unsigned *count)
{
	struct head_scan h = { 0 };

	h.name = name;
	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, &h);
	if (count != NULL)
		*count = h.count;
	return h.value;
}

/* Whether the body's length is given at most once and one way, in header
 * names a proxy reads as libmicrohttpd does. A proxy in front may read a
 * request another way than libmicrohttpd, which takes the first
 * Content-Length, ignores it beside a Transfer-Encoding, reads a body
 * whose Transfer-Encoding is not exactly "chunked" up to the connection's
 * end, and keeps "Content-Length :" as a header of another name; the
 * bytes left over would then be read as a second request that the proxy
 * never saw (request smuggling). */
static bool
framing_ok(struct MHD_Connection *c)
{
	struct head_scan	 h = { 0 };
	unsigned		 cl, te;
	const char		*v;

	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, &h);
	header(c, MHD_HTTP_HEADER_CONTENT_LENGTH, &cl);
	v = header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING, &te);
	return h.bad_names == 0 && cl <= 1 && te <= 1 && (te == 0 ||
	    (cl == 0 && v != NULL && strcasecmp(v, "chunked") == 0));
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool
media_is(const char *v, const char *type)
{
	size_t n = strlen(type);

	if (v == NULL)
		return false;
	v = skip_space(v);
	if (strncasecmp(v, type, n) != 0)
		return false;
	v = skip_space(v + n);
	return *v == '\0' || *v == ';';
}

/* One coding of identity, deflate or gzip; -1 for anything else or more
 * than one. */
static int
content_coding(struct MHD_Connection *c, enum coding *out)
{
	unsigned	 count;
	const char	*v = header(c, MHD_HTTP_HEADER_CONTENT_ENCODING, &count);
	size_t		 n;

	*out = CODING_IDENTITY;
	if (count == 0)
		return 0;
	if (count > 1 || v == NULL)
		return -1;
	v = skip_space(v);
	n = strcspn(v, " \t");
	if (v[n + strspn(v + n, " \t")] != '\0')
		return -1;
	if (n == 8 && strncasecmp(v, "identity", n) == 0)
		return 0;
	if (n == 7 && strncasecmp(v, "deflate", n) == 0) {
		*out = CODING_DEFLATE;
		return 0;
	}
	if (n == 4 && strncasecmp(v, "gzip", n) == 0) {
		*out = CODING_GZIP;
		return 0;
	}
	return -1;
}

/* Whether Accept-Encoding allows deflate: named with a q above zero, or
 * not named and * allowed. */
static bool
accepts_deflate(const char *v)
{
	bool	named = false, named_ok = false, star = false;

	while (v != NULL && *v != '\0') {
		const char	*item = skip_space(v), *end, *q;
		size_t		 n = strcspn(item, ",; \t");
		bool		 ok = true;

		end = item + strcspn(item, ",");
		if ((q = strstr(item, "q=")) != NULL && q < end) {
			q += 2;
			ok = false;
			for (; q < end && *q != ' ' && *q != '\t'; q++)
				if (*q >= '1' && *q <= '9')
					ok = true;
		}
		if (n == 7 && strncasecmp(item, "deflate", n) == 0) {
			named = true;
			named_ok = ok;
		} else if (n == 1 && *item == '*')
			star = ok;
		v = *end == ',' ? end + 1 : NULL;
	}
	return named ? named_ok : star;
}

static bool
content_length(struct MHD_Connection *c, unsigned long long *n)
{
	const char	*v = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH, NULL);
	char		*end;

	if (v == NULL)
		return false;
	*n = strtoull(v, &end, 10);
	return end != v;
}

/* ---- the checks before an endpoint ---- */

static const struct sockaddr *
client_address(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return ci != NULL ? ci->client_addr : NULL;
}

/* The rate counter of this bucket for the client (per IPv6 /64). */
static size_t
address_key(struct MHD_Connection *c, char bucket, unsigned char *key)
{
	key[0] = 'a';
	key[1] = (unsigned char)bucket;
	return 2 + client_key(client_address(c), key + 2);
}

static const struct route *
find_route(const char *target, const char *method, const char **allow)
{
	size_t n = strcspn(target, "?");

	*allow = NULL;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (strlen(routes[i].path) != n ||
		    strncmp(routes[i].path, target, n) != 0)
			continue;
		if (strcmp(routes[i].method, method) == 0)
			return &routes[i];
		*allow = routes[i].method;
	}
	return NULL;
}

/* The first call, with the request line and headers: everything that can
 * be refused before reading a body. */
static enum MHD_Result
check_head(struct req *r, struct MHD_Connection *c)
{
	struct answer		 a = { 0 };
	unsigned char		 key[32];
	unsigned long long	 cl;
	long long		 wait;
	const char		*allow;

	/* Before any other answer: an answer that left the connection open
	 * would have the rest read by libmicrohttpd's idea of the length. */
	if (!framing_ok(c)) {
		answer_error(&a, MHD_HTTP_BAD_REQUEST, "bad_request", "%s",
		    _("The request gives the length of its body more than "
		    "once or in more than one way, or has a header name that "
		    "is not a token."));
		a.close = true;
		return send_answer(r, c, &a);
	}
	r->deflate_ok = accepts_deflate(header(c,
	    MHD_HTTP_HEADER_ACCEPT_ENCODING, NULL));
	/* The route is found first only to pick the rate bucket; a request
	 * is still answered in the order of stepwise-protocol(7). */
	r->route = find_route(r->target, r->method, &allow);
	wait = rate_take(r->srv, key, address_key(c, r->route != NULL ?
	    r->route->bucket : RATE_OTHER, key), (long long)time(NULL));
	if (wait > 0) {
		answer_error(&a, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited",
		    _("Too many requests from this address; try again in %lld "
		    "seconds."), wait);
		a.retry_after = wait;
	} else if (strlen(r->target) > SERVE_MAX_TARGET)
		answer_error(&a, MHD_HTTP_URI_TOO_LONG, "uri_too_long",
		    _("The request target is over %d bytes."),
		    SERVE_MAX_TARGET);
	else if (head_size(c, r) > SERVE_MAX_HEAD)
		answer_error(&a, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
		    "headers_too_large", _("The request line and headers are "
		    "over %d bytes."), SERVE_MAX_HEAD);
	else if (r->route == NULL) {
		if (allow != NULL) {
			answer_error(&a, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method_not_allowed", _("This endpoint takes %s "
			    "only."), allow);
			a.allow = allow;
		} else
			answer_error(&a, MHD_HTTP_NOT_FOUND, "not_found", "%s",
			    _("There is no such endpoint."));
	} else if (strcmp(r->route->method, "POST") == 0 &&
	    !media_is(header(c, MHD_HTTP_HEADER_CONTENT_TYPE, NULL),
	    r->route->media))
		answer_error(&a, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "unsupported_media_type", _("The body must be sent with "
		    "Content-Type: %s."), r->route->media);
	else if (strcmp(r->route->method, "POST") == 0 &&
	    content_coding(c, &r->coding) != 0) {
		answer_error(&a, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "unsupported_encoding", "%s", _("The Content-Encoding must "
		    "be one of identity, deflate or gzip."));
		a.accept_encoding = true;
	} else if (content_length(c, &cl) && cl > PROTO_MAX_BODY)
		answer_error(&a, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
		    _("The request body is over %d bytes."), PROTO_MAX_BODY);
	else
		return MHD_YES;
	return send_answer(r, c, &a);
}

/* A body's bytes as they arrive. libmicrohttpd 0.9.75 cannot queue an
 * answer in the middle of a body, so a chunked body (whose size is not
 * announced) that passes the limit is read on and thrown away, and
 * answered 413 when it ends; one that goes on past SERVE_DISCARD_MAX has
 * its connection closed without an answer. */
static enum MHD_Result
take_body(struct req *r, const char *data, size_t n)
{
	r->in += n;
	if (r->answered)
		return MHD_YES;
	if (r->too_large || n > PROTO_MAX_BODY - r->len) {
		r->too_large = true;
		return r->in > SERVE_DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (r->len + n > r->cap) {
		r->cap = r->cap ? r->cap : 16384;
		while (r->cap < r->len + n)
			r->cap *= 2;
		if (r->cap > PROTO_MAX_BODY)
			r->cap = PROTO_MAX_BODY;
		r->body = xreallocarray(r->body, r->cap, 1);
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	return MHD_YES;
}

/* The whole body is in: decode, parse, and hand it to the endpoint. */
static enum MHD_Result
finish(struct req *r, struct MHD_Connection *c)
{
	struct answer	 a = { 0 };
	struct request	 q = { 0 };
	unsigned char	*dec = NULL;
	const char	*text = (const char *)r->body;
	size_t		 n = r->len;
	cJSON		*j = NULL;
	char		 why[160];
	int		 rc;

	q.srv = r->srv;
	q.target = r->target;
	q.query = strchr(r->target, '?');
	if (q.query != NULL)
		q.query++;
	q.now = (long long)time(NULL);
	if (r->too_large) {
		answer_error(&a, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
		    _("The request body is over %d bytes."), PROTO_MAX_BODY);
		return send_answer(r, c, &a);
	}
	if (strcmp(r->route->method, "GET") == 0) {
		if (r->len > 0) {
			answer_error(&a, MHD_HTTP_BAD_REQUEST, "bad_request",
			    "%s", _("This request takes no body."));
			return send_answer(r, c, &a);
		}
		q.device = header(c, "X-Stepwise-Device", NULL);
		q.time = header(c, "X-Stepwise-Time", NULL);
		q.signature = header(c, "X-Stepwise-Signature", NULL);
		r->route->fn(&q, &a);
		return send_answer(r, c, &a);
	}
	if (r->coding != CODING_IDENTITY) {
		rc = proto_inflate(r->body, r->len, r->coding == CODING_GZIP,
		    PROTO_MAX_BODY, &dec, &n);
		if (rc == -2) {
			answer_error(&a, MHD_HTTP_CONTENT_TOO_LARGE,
			    "too_large", _("The decoded request body is over "
			    "%d bytes."), PROTO_MAX_BODY);
			return send_answer(r, c, &a);
		}
		if (rc != 0) {
			answer_error(&a, MHD_HTTP_BAD_REQUEST, "bad_encoding",
			    "%s", _("The body does not decompress with the "
			    "Content-Encoding it names."));
			return send_answer(r, c, &a);
		}
		text = (const char *)dec;
	}
	if (strcmp(r->route->media, "application/json") != 0) {
		q.body = (const unsigned char *)(text != NULL ? text : "");
		q.len = n;
		r->route->fn(&q, &a);
	} else if ((j = proto_parse(text != NULL ? text : "", n, why,
	    sizeof why)) == NULL)
		answer_error(&a, MHD_HTTP_BAD_REQUEST, "malformed_json", "%s",
		    why);
	else {
		q.json = j;
		r->route->fn(&q, &a);
	}
	cJSON_Delete(j);
	free(dec);
	return send_answer(r, c, &a);
}

/* ---- libmicrohttpd callbacks ---- */

static struct conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

/* In libmicrohttpd's thread, as each connection is accepted: the limit per
 * client (the limit in all is libmicrohttpd's, which stops accepting at
 * it, so that new clients wait in the listen queue rather than be shut
 * out). */
static enum MHD_Result
on_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	(void)len;
	return conn_may_open(cls, sa) ? MHD_YES : MHD_NO;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci == NULL ? NULL : conn_opened(cls,
		    client_address(c), ci->connect_fd);
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		conn_closed(cls, *socket_context);
		*socket_context = NULL;
	}
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *r = xcalloc(1, sizeof *r);

	(void)c;
	r->srv = cls;
	r->target = xstrdup(uri != NULL ? uri : "");
	return r;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct req	*r = *con_cls;
	size_t		 n;

	(void)version;
	if (r == NULL)
		*con_cls = r = on_uri(cls, url, c);
	if (!r->started) {
		r->started = true;
		conn_headers_in(r->srv, conn_of(c));
		snprintf(r->method, sizeof r->method, "%s", method);
		return check_head(r, c);
	}
	if (*upload_size > 0) {
		n = *upload_size;
		*upload_size = 0;
		return take_body(r, upload, n);
	}
	if (r->answered)
		return MHD_YES;
	return finish(r, c);
}

/* One line per request: never a body, a query value or a header value. */
static void
log_request(const struct req *r, enum MHD_RequestTerminationCode toe)
{
	char		path[LOG_PATH_MAX + 4], when[32];
	size_t		i, n = strcspn(r->target, "?");
	time_t		now = time(NULL);

	for (i = 0; i < n && i < LOG_PATH_MAX; i++) {
		unsigned char ch = (unsigned char)r->target[i];

		path[i] = ch > 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	if (n > LOG_PATH_MAX)
		memcpy(path + i, "...", 4);
	else
		path[i] = '\0';
	format_rfc3339((long long)now, when, sizeof when);
	if (r->status != 0)
		fprintf(stderr, "%s %s %s%s %u in=%zu out=%zu%s\n", when,
		    r->method[0] ? r->method : "-", path, r->target[n] ?
		    "?..." : "", r->status, r->in, r->out,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
		    " (closed early)");
	else	/* closed, or answered by libmicrohttpd itself (431) */
		fprintf(stderr, "%s %s %s%s - in=%zu (not answered here)\n",
		    when, r->method[0] ? r->method : "-", path, r->target[n] ?
		    "?..." : "", r->in);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	conn_request_done(cls, conn_of(c));
	if (r == NULL)
		return;
	log_request(r, toe);
	free(r->body);
	free(r->target);
	free(r);
	*con_cls = NULL;
}

struct MHD_Daemon *
http_start(struct server *srv, int fd, const char *tls_cert,
    const char *tls_key)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	    MHD_USE_ERROR_LOG;

	if (tls_cert != NULL)
		flags |= MHD_USE_TLS;
	/* The TLS options come last: without TLS the first of them is
	 * MHD_OPTION_END, which ends the list there. */
	return MHD_start_daemon(flags, 0, on_accept, srv, on_request, srv,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SERVE_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVE_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
	    tls_cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
	    tls_cert,
	    MHD_OPTION_HTTPS_MEM_KEY, tls_key,
	    MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
	    MHD_OPTION_END);
}
