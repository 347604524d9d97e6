/* fuzz_reply.c: every answer of a clinic's server that the client parses,
 * through the real client (sync_run on a real enrolled profile, libcurl
 * and all) against a server in this process that answers each request
 * with the next reply of the input. An input is replies separated by a
 * line "---"; a reply's first byte picks its status (statuses[] below),
 * its second its options (1: the body deflated with Content-Encoding:
 * deflate, 2: a Retry-After header), the rest is its body, in which
 * @DEV@ stands for the profile's device id and @ID0@, @ID1@, @ID2@ for
 * its queued records' ids (made anew by each run of the target, so the
 * seeds can name them). Each input starts from the same profile:
 * registration waiting, three check-ins queued. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>

#include "outbox.h"
#include "sync.h"
#include "util.h"
#include "fuzz.h"

#define MAX_REPLIES	16
#define PW		"a long enough passphrase"

static const int statuses[] = { 200, 201, 400, 401, 403, 404, 409, 410,
    413, 429, 500, 503, 302, 204 };

struct reply {
	const uint8_t	*body;
	size_t		 len;
	int		 status;
	int		 flags;
};

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static struct reply	 replies[MAX_REPLIES];
static size_t		 n_replies, next_reply;
static int		 listener;
static char		 profile[400];
static uint8_t		*pristine_db;	/* the profile as enrolled */
static size_t		 pristine_len;
static char		 device[PROTO_ID_LEN + 1], ids[3][PROTO_ID_LEN + 1];
static const char *const sides[] = { "-wal", "-shm", "-journal", NULL };

/* Read a request: the head, and as many body bytes as Content-Length. */
static void
read_request(int fd)
{
	char	buf[65536], *end, *cl;
	size_t	len = 0, want;
	ssize_t	r;

	while (len < sizeof buf - 1) {
		if ((r = read(fd, buf + len, sizeof buf - 1 - len)) <= 0)
			return;
		len += (size_t)r;
		buf[len] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	if (end == NULL)
		return;
	want = (size_t)(end + 4 - buf);
	if ((cl = strcasestr(buf, "\r\nContent-Length:")) != NULL && cl < end)
		want += strtoul(cl + 17, NULL, 10);
	while (len < want) {
		if ((r = read(fd, buf, sizeof buf)) <= 0)
			return;
		len += (size_t)r;
	}
}

static void
write_all(int fd, const void *p, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = write(fd, p, n)) > 0) {
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

/* The body with its marked names replaced by their values; the caller
 * frees it. */
static uint8_t *
substitute(const uint8_t *p, size_t n, size_t *len)
{
	static const char *const names[] = { "@DEV@", "@ID0@", "@ID1@",
	    "@ID2@" };
	const char	*with[] = { device, ids[0], ids[1], ids[2] };
	uint8_t		*out = malloc(n * (PROTO_ID_LEN / 5 + 1) + 1);
	size_t		 o = 0, i = 0, k;

	if (out == NULL)
		abort();
	while (i < n) {
		for (k = 0; k < 4; k++)
			if (n - i >= 5 && memcmp(p + i, names[k], 5) == 0)
				break;
		if (k < 4) {
			memcpy(out + o, with[k], PROTO_ID_LEN);
			o += PROTO_ID_LEN;
			i += 5;
		} else
			out[o++] = p[i++];
	}
	*len = o;
	return out;
}

static void
answer(int fd)
{
	struct reply	 r = { NULL, 0, 503, 0 };
	char		 head[256];
	unsigned char	*z = NULL;
	uint8_t		*body = NULL;
	uLongf		 zn;

	pthread_mutex_lock(&lock);
	if (next_reply < n_replies)
		r = replies[next_reply++];
	pthread_mutex_unlock(&lock);
	body = substitute(r.body, r.len, &r.len);
	r.body = body;
	if ((r.flags & 1) && r.len > 0) {
		zn = compressBound(r.len);
		z = malloc(zn);
		if (z != NULL && compress2(z, &zn, r.body, r.len, 9) == Z_OK) {
			r.body = z;
			r.len = zn;
		} else
			r.flags &= ~1;
	}
	snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n%s%sConnection: "
	    "close\r\n\r\n", r.status, r.len,
	    (r.flags & 1) ? "Content-Encoding: deflate\r\n" : "",
	    (r.flags & 2) ? "Retry-After: 1\r\n" : "");
	write_all(fd, head, strlen(head));
	write_all(fd, r.body, r.len);
	free(z);
	free(body);
}

static void *
serve(void *arg)
{
	int fd;

	(void)arg;
	for (;;) {
		if ((fd = accept(listener, NULL, NULL)) < 0)
			continue;
		read_request(fd);
		answer(fd);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

/* The device id and the queued records' ids, for substitute(). */
static void
names(void)
{
	struct outbox		*ob;
	struct outbox_batch	 b = { 0 };
	struct sw_error		 err = { 0 };

	if (outbox_open(profile, &ob, &err) != 0 ||
	    outbox_device(ob) == NULL ||
	    outbox_next_batch(ob, 64, PROTO_BATCH_JSON, &b, &err) != 0 ||
	    b.n != 3)
		abort();
	snprintf(device, sizeof device, "%s", outbox_device(ob));
	for (size_t i = 0; i < 3; i++)
		snprintf(ids[i], sizeof ids[i], "%s", b.ids[i]);
	outbox_batch_free(&b);
	outbox_close(ob);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in	 sa = { 0 };
	socklen_t		 sl = sizeof sa;
	pthread_t		 t;
	const char		*d = fuzz_tmpdir();
	const char		*b = FUZZ_BUILD_ROOT;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		return -1;
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((listener = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(listener, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(listener, 16) != 0 ||
	    getsockname(listener, (struct sockaddr *)&sa, &sl) != 0)
		abort();
	setenv("STEPWISE_CONTENT_DIR", FUZZ_CONTENT_DIR, 1);
	setenv("HOME", d, 1);
	fuzz_system("%s/src/clinic/stepwise-clinic init %s/c --name Fuzz "
	    "--url http://127.0.0.1:%d >/dev/null", b, d, ntohs(sa.sin_port));
	fuzz_system("%s/src/clinic/stepwise-clinic enroll --dir %s/c "
	    "--patient F1 -o %s/e.json >/dev/null", b, d, d);
	fuzz_system("echo '" PW "' | %s/src/cli/stepwise --data-dir %s/d "
	    "--passphrase-fd 0 init >/dev/null", b, d);
	fuzz_system("echo '" PW "' | %s/tests/sw-seed %s/d/default.db %s "
	    "phq9 1,1,1,1,1,1,1,1,0 1790000000 3 >/dev/null", b, d,
	    FUZZ_CONTENT_DIR);
	fuzz_system("echo '" PW "' | %s/src/cli/stepwise --data-dir %s/d "
	    "--passphrase-fd 0 enroll --no-sync --send-earlier %s/e.json >/dev/null", b, d, d);
	snprintf(profile, sizeof profile, "%s/d/default.db", d);
	if ((pristine_db = (uint8_t *)read_file(profile, &pristine_len)) ==
	    NULL)
		abort();
	names();
	if (pthread_create(&t, NULL, serve, NULL) != 0)
		abort();
	return 0;
}

static void
split(const uint8_t *data, size_t size)
{
	static const char	 sep[] = "\n---\n";
	const uint8_t		*p = data, *end = data + size, *q;

	n_replies = next_reply = 0;
	while (p < end && n_replies < MAX_REPLIES) {
		struct reply *r = &replies[n_replies++];

		q = memmem(p, (size_t)(end - p), sep, sizeof sep - 1);
		if (q == NULL)
			q = end;
		r->status = statuses[*p % (sizeof statuses / sizeof *statuses)];
		r->flags = q - p > 1 ? p[1] : 0;
		r->body = p + (q - p > 2 ? 2 : q - p);
		r->len = (size_t)(q - r->body);
		p = q == end ? end : q + sizeof sep - 1;
	}
}

static void
progress(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "  %s\n", line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outbox	*ob;
	struct sw_error	 err = { 0 };

	char		 side[420];

	fuzz_write(profile, pristine_db, pristine_len);
	for (const char *const *x = sides; *x != NULL; x++) {
		snprintf(side, sizeof side, "%s%s", profile, *x);
		unlink(side);
	}
	pthread_mutex_lock(&lock);
	split(data, size);
	pthread_mutex_unlock(&lock);
	if (outbox_open(profile, &ob, &err) != 0)
		abort();
	/* FUZZ_VERBOSE=1: what the client made of each input. */
	(void)sync_run(ob, true, getenv("FUZZ_VERBOSE") ? progress : NULL,
	    NULL, NULL, &err);
	outbox_close(ob);
	pthread_mutex_lock(&lock);
	n_replies = next_reply = 0;
	pthread_mutex_unlock(&lock);
	return 0;
}
