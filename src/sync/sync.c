/* sync.c: the client side of stepwise-protocol(7) on libcurl's multi
 * interface with curl's socket callbacks. One run is a small state machine
 * (the registration, then POST /v2/sync: each carries a batch of records
 * and brings back the messages after the cursor), one transfer at a time,
 * driven by the caller's loop through struct sync_hooks or by sync_run's
 * own. libcurl is loaded when a run starts and let go when it ends
 * (curl_load.h). */
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "curl_load.h"
#include "i18n.h"
#include "sync.h"
#include "util.h"

#define ANSWER_MAX	(2 * 1024 * 1024)	/* decoded, TRANSPORT */
#define MESSAGE_PERIOD	900	/* fetch messages a quarter-hour after a run */
#define NOTE_HOLD	300	/* after the profile could not be written */

enum step {
	STEP_NONE,
	STEP_ENROLL,
	STEP_SYNC,
};

/* The one transfer in flight. */
struct request {
	CURL			*easy;
	struct curl_slist	*headers;
	char			*url;
	unsigned char		*body;		/* as sent, NULL for GET */
	size_t			 body_len;
	char			*answer;
	size_t			 len;
	size_t			 cap;
	bool			 too_big;
};

struct sync {
	struct outbox		*ob;
	struct sync_hooks	 hooks;
	const struct curl_api	*curl;		/* these two while a run is */
	CURLM			*multi;		/* under way, else NULL */
	struct request		 req;

	enum step		 step;
	bool			 running;
	enum sync_result	 result;
	char			 words[512];
	char			 told[512];	/* the last run's summary */
	char			 stop_code[64];

	struct outbox_batch	 batch;		/* the batch in flight */
	bool			 marked;	/* its records marked as on
						 * their way (outbox_sending) */
	bool			 out;		/* the request was handed to
						 * libcurl: bytes may have gone */
	unsigned		 reread;	/* batches read again in a row */
	size_t			 batch_max;	/* halves after a cut */
	bool			 first_batch;
	long long		 clock_offset;	/* server minus our clock */
	bool			 stale_retried;
	long long		 cursor;	/* after of the sync in flight */
	bool			 need_fetch;	/* no answer of this run has
						 * covered the messages yet */

	/* What this run moved. */
	size_t			 registered;
	size_t			 acked;
	size_t			 rejected;
	size_t			 kept;
	size_t			 bad;
	unsigned		 inbox_gen;	/* grows when the inbox does */
	long long		 hold_until;	/* Unix s: no automatic run
						 * before (the profile could
						 * not be written) */

	void			(*progress)(void *, const char *);
	void			*progress_arg;
};

/* One parsed answer. */
struct answer {
	long		 status;
	cJSON		*json;		/* NULL when the body is not JSON */
	const char	*error;		/* "error" member of an error body */
	long long	 retry_after;
};

static void	next_step(struct sync *);
static void	send_sync(struct sync *);

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
wall_now(void)
{
	return (long long)time(NULL);
}

static void say(struct sync *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void tell(struct sync *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void finish(struct sync *, enum sync_result, long long, const char *,
    ...) __attribute__((format(printf, 4, 5)));

static void
say(struct sync *s, const char *fmt, ...)
{
	char	line[256];
	va_list	ap;

	if (s->progress == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	s->progress(s->progress_arg, line);
}

static void
changed(struct sync *s)
{
	if (s->hooks.changed != NULL)
		s->hooks.changed(s->hooks.arg);
}

/* ---- curl's callbacks ---- */

static int
socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct sync	*s = arg;
	short		 events = 0;

	(void)easy;
	(void)sockp;
	switch (what) {
	case CURL_POLL_IN:
		events = POLLIN;
		break;
	case CURL_POLL_OUT:
		events = POLLOUT;
		break;
	case CURL_POLL_INOUT:
		events = POLLIN | POLLOUT;
		break;
	case CURL_POLL_REMOVE:
	default:
		events = 0;
		break;
	}
	s->hooks.watch(s->hooks.arg, (int)fd, events);
	return 0;
}

static int
timer_cb(CURLM *multi, long ms, void *arg)
{
	struct sync *s = arg;

	(void)multi;
	/* 0 means "now": still a real time, since 0 would cancel. */
	s->hooks.timer(s->hooks.arg, ms < 0 ? 0 : mono_ms() + ms);
	return 0;
}

/* Stop reading an answer at 2 MiB decoded: returning less than given makes
 * curl end the transfer with CURLE_WRITE_ERROR. */
static size_t
write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct request	*r = arg;
	size_t		 len = size * n;

	if (len > ANSWER_MAX - r->len) {
		r->too_big = true;
		return 0;
	}
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;

		while (cap < r->len + len + 1)
			cap *= 2;
		r->answer = xreallocarray(r->answer, cap, 1);
		r->cap = cap;
	}
	memcpy(r->answer + r->len, data, len);
	r->len += len;
	r->answer[r->len] = '\0';
	return len;
}

/* ---- libcurl for one run ---- */

/* Load libcurl and make the run's multi handle; -1 with err set when
 * libcurl cannot be loaded or started. Between runs no socket stays open
 * and no timer is asked for. */
static int
run_open(struct sync *s, struct sw_error *err)
{
	if ((s->curl = curl_load(err)) == NULL)
		return -1;
	if ((s->multi = s->curl->multi_init()) == NULL) {
		curl_release();
		s->curl = NULL;
		return sw_fail(err, SW_EIO, "%s", _("libcurl could not start."));
	}
	s->curl->multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	s->curl->multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
	s->curl->multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	s->curl->multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
	return 0;
}

/* The run's transfer is gone already (request_free): its sockets are no
 * longer watched, and the connections curl kept close with the handle. */
static void
run_close(struct sync *s)
{
	if (s->multi == NULL)
		return;
	s->curl->multi_cleanup(s->multi);
	s->multi = NULL;
	s->hooks.timer(s->hooks.arg, 0);
	s->curl = NULL;
	curl_release();
}

/* ---- ending a run ---- */

static void
request_free(struct sync *s)
{
	struct request *r = &s->req;

	if (r->easy != NULL) {
		s->curl->multi_remove_handle(s->multi, r->easy);
		s->curl->easy_cleanup(r->easy);
	}
	if (r->headers != NULL)
		s->curl->slist_free_all(r->headers);
	free(r->url);
	free(r->body);
	free(r->answer);
	memset(r, 0, sizeof *r);
	s->out = false;
}

/* A sentence of the summary: to the progress lines, and to what the run
 * told (sync_told). */
static void
tell(struct sync *s, const char *fmt, ...)
{
	char	line[256];
	size_t	len = strlen(s->told);
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (s->progress != NULL)
		s->progress(s->progress_arg, line);
	snprintf(s->told + len, sizeof s->told - len, "%s%s", len ? " " : "",
	    line);
}

static void
summary(struct sync *s)
{
	s->told[0] = '\0';
	if (s->registered)
		tell(s, "%s", _("This device is now registered with the "
		    "clinic."));
	if (s->acked)
		tell(s, ngettext("The clinic has received %zu record.",
		    "The clinic has received %zu records.", s->acked),
		    s->acked);
	if (s->rejected)
		tell(s, ngettext("%zu record could not be sent and was set "
		    "aside.", "%zu records could not be sent and were set "
		    "aside.", s->rejected), s->rejected);
	if (s->kept)
		tell(s, ngettext("%zu new message from your clinic.",
		    "%zu new messages from your clinic.", s->kept), s->kept);
	else if (s->result == SYNC_DONE || s->result == SYNC_NOTHING)
		tell(s, "%s", _("No new messages."));
	if (s->bad)
		tell(s, ngettext("%zu message failed its check and was not "
		    "kept.", "%zu messages failed their check and were not "
		    "kept.", s->bad), s->bad);
}

/* The request is over: its records are no longer on their way. After an
 * answer the server's word stands (200: acknowledged; else not stored);
 * without one, the clinic may hold them. The mark is best effort: a
 * profile that cannot be written fails the run elsewhere. */
static void
unmark(struct sync *s, bool maybe_stored)
{
	struct sw_error err = { 0 };

	if (!s->marked)
		return;
	s->marked = false;
	(void)outbox_sending_end(s->ob, maybe_stored, &err);
}

/* Whether a transfer that failed with code may have taken its body to the
 * server: not when the connection was never made or trusted. */
static bool
maybe_sent(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CONNECT_ERROR:
		return false;
	default:
		return true;
	}
}

/* End the run with result and, for a failure, words for the patient; the
 * outcome goes into the clear sync state (backoff, stop, last success). */
static void
finish(struct sync *s, enum sync_result result, long long retry_after,
    const char *fmt, ...)
{
	struct sw_error	 err = { 0 };
	va_list		 ap;
	bool		 moved, out;
	int		 rc = 0;

	/* A request cut short by the run's end, or answered in a way that
	 * does not say its records were refused: the clinic may hold them,
	 * unless it never left (could not even be prepared). */
	out = s->out;
	request_free(s);
	unmark(s, out);
	run_close(s);
	outbox_batch_free(&s->batch);
	va_start(ap, fmt);
	vsnprintf(s->words, sizeof s->words, fmt, ap);
	va_end(ap);
	moved = s->registered || s->acked || s->rejected || s->kept || s->bad;
	if (result == SYNC_DONE || result == SYNC_NOTHING) {
		result = moved ? SYNC_DONE : SYNC_NOTHING;
		rc = outbox_note_success(s->ob, wall_now(), &err);
	} else if (result == SYNC_UNREACHABLE || result == SYNC_FAILED) {
		/* An answer that moved something earlier in this run counts
		 * as a success: the backoff starts again from its shortest. */
		if (moved)
			rc = outbox_note_success(s->ob, wall_now(), &err);
		if (rc == 0)
			rc = outbox_note_failure(s->ob, wall_now(),
			    retry_after, s->words, &err);
	} else if (result == SYNC_STOPPED)
		rc = outbox_note_stop(s->ob, s->stop_code, s->words, &err);
	if (rc != 0) {
		/* The profile could not be written (a full disk): the backoff
		 * there did not move, so hold it here, or the next run would
		 * start at once, and again, every second. */
		result = SYNC_FAILED;
		snprintf(s->words, sizeof s->words, "%s", err.msg);
		s->hold_until = wall_now() + NOTE_HOLD;
	}
	s->result = result;
	s->running = false;
	s->step = STEP_NONE;
	summary(s);
	changed(s);
}

/* A batch that timed out or was cut off goes again whole; the next is
 * half as big, down to one (stepwise-protocol(7), Poor links). */
static void
halve_batch(struct sync *s)
{
	if (s->step == STEP_SYNC && s->batch.n > 0)
		s->batch_max = s->batch.n > 1 ? s->batch.n / 2 : 1;
}

/* ---- words for the patient ---- */

static void
finish_transport(struct sync *s, CURLcode code)
{
	const char *w;

	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		w = _("Could not reach the clinic: its address could not be "
		    "found. Are you online?");
		break;
	case CURLE_COULDNT_CONNECT:
		w = _("Could not reach the clinic: no connection.");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		w = _("Could not reach the clinic: the connection timed out.");
		break;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		w = _("Could not reach the clinic: the connection was cut "
		    "off.");
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
		w = _("The clinic's certificate could not be checked, so "
		    "nothing was sent.");
		break;
	case CURLE_SSL_CONNECT_ERROR:
		w = _("Could not make a secure connection to the clinic.");
		break;
	case CURLE_WRITE_ERROR:
	case CURLE_BAD_CONTENT_ENCODING:
		finish(s, SYNC_FAILED, 0, "%s", _("The clinic's server sent "
		    "an answer Stepwise could not read."));
		return;
	default:
		w = _("Could not reach the clinic.");
		break;
	}
	halve_batch(s);
	finish(s, SYNC_UNREACHABLE, 0, "%s", w);
}

/* 408, 429 and 5xx: back off. True when the status was one of those. */
static bool
finish_busy(struct sync *s, const struct answer *a)
{
	const char *w;

	if (a->status == 408) {
		halve_batch(s);
		w = _("Could not reach the clinic: the connection timed out.");
	} else if (a->status == 429 || a->status == 503)
		w = _("Could not reach the clinic: the clinic's server is "
		    "busy.");
	else if (a->status >= 500 && a->status <= 599)
		w = _("Could not reach the clinic: the clinic's server has a "
		    "problem.");
	else if (a->status >= 300 && a->status <= 399)
		/* Redirects are never followed; on a public network this is
		 * usually a sign-in page. */
		w = _("Could not reach the clinic: this network may want you "
		    "to sign in first.");
	else
		return false;
	finish(s, SYNC_UNREACHABLE, a->retry_after, "%s", w);
	return true;
}

static void
finish_bad_answer(struct sync *s)
{
	finish(s, SYNC_FAILED, 0, "%s", _("The clinic's server sent an "
	    "answer Stepwise does not understand. Please tell your clinic."));
}

static void
finish_refused(struct sync *s, const struct answer *a)
{
	char code[64];

	if (a->error != NULL)
		snprintf(code, sizeof code, "%s", a->error);
	else
		snprintf(code, sizeof code, "HTTP %ld", a->status);
	/* The code means nothing to the patient but tells the clinic's
	 * staff what happened: given as a reference to pass on. */
	finish(s, SYNC_FAILED, 0, _("The clinic's server did not accept what "
	    "Stepwise sent. Please tell your clinic, and give them this "
	    "reference: %s."), code);
}

/* The clinic refused this device or its token: stop until enrolled again. */
static bool
finish_stopped(struct sync *s, const struct answer *a)
{
	const char *w, *e = a->error;

	if (e == NULL)
		return false;
	if (a->status == 401 && strcmp(e, "unknown_device") == 0)
		w = _("The clinic does not know this device. Please contact "
		    "your clinic for a new enrollment file.");
	else if (a->status == 403 && strcmp(e, "device_revoked") == 0)
		w = _("The clinic has stopped accepting results from this "
		    "device. Please contact your clinic.");
	else if (s->step != STEP_ENROLL)
		return false;
	else if (a->status == 409 && strcmp(e, "token_used") == 0)
		w = _("This enrollment file has already been used. Please "
		    "contact your clinic for a new one.");
	else if (a->status == 410 && strcmp(e, "token_expired") == 0)
		w = _("This enrollment file has expired. Please contact your "
		    "clinic for a new one.");
	else if ((a->status == 401 && (strcmp(e, "unknown_token") == 0 ||
	    strcmp(e, "bad_signature") == 0)) ||
	    (a->status == 409 && strcmp(e, "device_exists") == 0))
		w = _("The clinic did not accept this enrollment. Please "
		    "contact your clinic for a new enrollment file.");
	else
		return false;
	snprintf(s->stop_code, sizeof s->stop_code, "%s", e);
	finish(s, SYNC_STOPPED, 0, "%s", w);
	return true;
}

/* ---- sending ---- */

static bool
set_ok(CURLcode rc, bool *ok)
{
	if (rc != CURLE_OK)
		*ok = false;
	return *ok;
}

/* Every option of TRANSPORT. A libcurl that cannot do one of them (a pin
 * above all) refuses the transfer rather than weakening it. */
static bool
setup_easy(struct sync *s, CURL *e)
{
	const struct curl_api	*c = s->curl;
	struct request		*r = &s->req;
	const char		*pin = outbox_tls_pin(s->ob), *ca;
	bool			 ok = true;

	set_ok(c->easy_setopt(e, CURLOPT_URL, r->url), &ok);
	set_ok(c->easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https"), &ok);
	set_ok(c->easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L), &ok);
	set_ok(c->easy_setopt(e, CURLOPT_NOSIGNAL, 1L), &ok);
	set_ok(c->easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L), &ok);
	set_ok(c->easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 100L), &ok);
	set_ok(c->easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L), &ok);
	set_ok(c->easy_setopt(e, CURLOPT_TIMEOUT, 600L), &ok);
	/* Every header costs bytes on a slow link: no User-Agent, and an
	 * Accept-Encoding only where the answer is worth compressing (a
	 * sync's answer is mostly ciphertext). */
	if (s->step == STEP_ENROLL)
		set_ok(c->easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""), &ok);
	set_ok(c->easy_setopt(e, CURLOPT_HTTPHEADER, r->headers), &ok);
	set_ok(c->easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb), &ok);
	set_ok(c->easy_setopt(e, CURLOPT_WRITEDATA, r), &ok);
	if (proto_url_is_http(r->url))
		set_ok(c->easy_setopt(e, CURLOPT_NOPROXY, "*"), &ok);
	else {
		set_ok(c->easy_setopt(e, CURLOPT_SSLVERSION,
		    (long)CURL_SSLVERSION_TLSv1_2), &ok);
		if ((ca = getenv("STEPWISE_CA_FILE")) != NULL && *ca != '\0')
			set_ok(c->easy_setopt(e, CURLOPT_CAINFO, ca), &ok);
		if (pin != NULL) {
			set_ok(c->easy_setopt(e, CURLOPT_PINNEDPUBLICKEY,
			    pin), &ok);
			set_ok(c->easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L),
			    &ok);
			set_ok(c->easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L),
			    &ok);
		} else {
			set_ok(c->easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L),
			    &ok);
			set_ok(c->easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L),
			    &ok);
		}
	}
	if (r->body != NULL) {
		set_ok(c->easy_setopt(e, CURLOPT_POST, 1L), &ok);
		set_ok(c->easy_setopt(e, CURLOPT_POSTFIELDS, r->body), &ok);
		set_ok(c->easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)r->body_len), &ok);
	} else
		set_ok(c->easy_setopt(e, CURLOPT_HTTPGET, 1L), &ok);
	return ok;
}

/* Start one POST: target is the endpoint path appended to the
 * enrollment's URL; body (taken) is sent as it is with media type media,
 * or deflated first when deflate is true (JSON). */
static void
send_request(struct sync *s, const char *target, unsigned char *body,
    size_t len, const char *media, bool deflate)
{
	struct request	*r = &s->req;
	struct curl_slist *h = NULL;
	const char	*url = outbox_url(s->ob), *why;
	char		*line;

	request_free(s);
	if (url == NULL || !proto_url_ok(url, &why)) {
		free(body);
		finish(s, SYNC_FAILED, 0, _("The clinic's address is not "
		    "usable: %s."), url == NULL ? "?" : why);
		return;
	}
	r->url = xasprintf("%s%s", url, target);
	/* No Expect (a satellite round trip spent on 100 Continue) and no
	 * Accept: the answer's type is the protocol's to say. */
	h = s->curl->slist_append(h, "Expect:");
	h = s->curl->slist_append(h, "Accept:");
	line = xasprintf("Content-Type: %s", media);
	h = s->curl->slist_append(h, line);
	free(line);
	if (deflate) {
		r->body = proto_deflate(body, len, &r->body_len);
		free(body);
		h = s->curl->slist_append(h, "Content-Encoding: deflate");
	} else {
		r->body = body;
		r->body_len = len;
	}
	r->headers = h;
	if (h == NULL || r->body == NULL ||
	    (r->easy = s->curl->easy_init()) == NULL) {
		finish(s, SYNC_FAILED, 0, "%s", _("Stepwise could not prepare "
		    "a request to the clinic."));
		return;
	}
	if (!setup_easy(s, r->easy)) {
		finish(s, SYNC_FAILED, 0, "%s", _("This computer's libcurl "
		    "cannot make the secure connection the clinic asks for, "
		    "so nothing was sent."));
		return;
	}
	if (s->curl->multi_add_handle(s->multi, r->easy) != CURLM_OK) {
		s->curl->easy_cleanup(r->easy);
		r->easy = NULL;
		finish(s, SYNC_FAILED, 0, "%s", _("Stepwise could not prepare "
		    "a request to the clinic."));
		return;
	}
	s->out = true;
}

static void
send_enroll(struct sync *s, char *body)
{
	s->step = STEP_ENROLL;
	say(s, "%s", _("Registering this device with the clinic..."));
	send_request(s, "/v1/enroll", (unsigned char *)body, strlen(body),
	    "application/json", true);
}

/* One POST /v2/sync: the next batch (none when nothing waits) and the
 * cursor, so that its answer both acknowledges the records and brings the
 * messages after the cursor: a sync with one record is one round trip. It
 * ends the run when nothing waits and an answer of this run has already
 * brought the messages. */
static void
send_sync(struct sync *s)
{
	struct sw_error	 err = { 0 };
	size_t		 max = s->batch_max, len;
	unsigned char	*body;
	long long	 now = wall_now() + s->clock_offset;
	int		 rc;

	outbox_batch_free(&s->batch);
	/* The first batch is small whether or not it holds a risk record,
	 * so that its size tells an observer nothing. */
	if (s->first_batch && max > PROTO_FIRST_BATCH)
		max = PROTO_FIRST_BATCH;
	if (outbox_next_batch(s->ob, max, PROTO_BATCH_JSON, &s->batch,
	    &err) != 0) {
		finish(s, SYNC_FAILED, 0, "%s", err.msg);
		return;
	}
	/* An envelope the profile holds damaged is set aside as the server
	 * would have: the patient is told as for one the clinic refused. */
	s->rejected += s->batch.set_aside;
	if (s->batch.n == 0 && !s->need_fetch) {
		finish(s, SYNC_DONE, 0, "%s", "");
		return;
	}
	s->cursor = outbox_message_cursor(s->ob);
	if (outbox_device(s->ob) == NULL || s->cursor < 0) {
		finish(s, SYNC_FAILED, 0, "%s", _("The clinic settings in "
		    "this profile are damaged."));
		return;
	}
	if (outbox_sync_body(s->ob, &s->batch, now, s->cursor, &body, &len,
	    &err) != 0) {
		finish(s, SYNC_FAILED, 0, "%s", err.msg);
		return;
	}
	/* Marked before a byte goes: from now the clinic may have them. A
	 * record made private since the batch was read: read it again. */
	if ((rc = outbox_sending_begin(s->ob, &s->batch, wall_now(), &err)) ==
	    1 && s->reread++ < 3) {
		free(body);
		send_sync(s);
		return;
	}
	if (rc != 0) {
		free(body);
		finish(s, SYNC_FAILED, 0, "%s", rc == 1 ? _("The queue kept "
		    "changing while Stepwise read it; it will try again.") :
		    err.msg);
		return;
	}
	s->reread = 0;
	s->marked = s->batch.n > 0;
	if (s->batch.n > 0)
		say(s, ngettext("Sending %zu record...", "Sending %zu "
		    "records...", s->batch.n), s->batch.n);
	else if (s->step != STEP_SYNC)
		say(s, "%s", _("Fetching messages..."));
	s->step = STEP_SYNC;
	send_request(s, PROTO_V2_TARGET, body, len, PROTO_V2_MEDIA, false);
}

/* After the registration: records, then messages. */
static void
next_step(struct sync *s)
{
	struct sw_error	 err = { 0 };
	char		*body = NULL;

	if (outbox_registration(s->ob, &body, &err) != 0) {
		finish(s, SYNC_FAILED, 0, "%s", err.msg);
		return;
	}
	if (body != NULL)
		send_enroll(s, body);
	else
		send_sync(s);
}

/* ---- answers ---- */

static const char *const error_keys[] = {
	"error", "message", "rejected", "server_time", NULL
};

/* The registration was accepted: the answer must name this device. */
static void
enroll_done(struct sync *s, const struct answer *a)
{
	static const char *const keys[] = { "device", "registered_at", NULL };
	struct sw_error	 err = { 0 };
	const char	*dev = proto_str(a->json, "device");
	long long	 at;

	if (!proto_only_keys(a->json, keys) || dev == NULL ||
	    outbox_device(s->ob) == NULL ||
	    strcmp(dev, outbox_device(s->ob)) != 0 ||
	    !proto_int(a->json, "registered_at", &at)) {
		finish_bad_answer(s);
		return;
	}
	if (outbox_registration_done(s->ob, wall_now(), &err) != 0) {
		finish(s, SYNC_FAILED, 0, "%s", err.msg);
		return;
	}
	s->registered++;
	changed(s);
	send_sync(s);
}

static bool
in_batch(const struct outbox_batch *b, const char *id)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->ids[i], id) == 0)
			return true;
	return false;
}

struct fetched {
	long long	 seq;
	const char	*id;
	unsigned char	*ct;
	size_t		 ctlen;
	unsigned char	 sig[PROTO_SIG_LEN];
};

/* Check every message of the answer before keeping any. */
static int
messages_check(struct sync *s, const cJSON *list, struct fetched *f,
    size_t *n)
{
	static const char *const keys[] = {
		"seq", "id", "ciphertext", "signature", NULL
	};
	const cJSON	*v;
	long long	 last = s->cursor;

	*n = 0;
	cJSON_ArrayForEach(v, list) {
		struct fetched *m = &f[*n];

		if (!cJSON_IsObject(v) || !proto_only_keys(v, keys) ||
		    !proto_int(v, "seq", &m->seq) || m->seq <= last ||
		    (m->id = proto_str(v, "id")) == NULL ||
		    !proto_id_ok(m->id) ||
		    !proto_bin(v, "signature", m->sig, sizeof m->sig) ||
		    proto_unb64_alloc(proto_str(v, "ciphertext"),
		    PROTO_MAX_CIPHERTEXT, &m->ct, &m->ctlen) != 0)
			return -1;
		(*n)++;
		if (m->ctlen < PROTO_SEAL_EXTRA + PROTO_PAD_BLOCK ||
		    (m->ctlen - PROTO_SEAL_EXTRA) % PROTO_PAD_BLOCK != 0)
			return -1;
		last = m->seq;
	}
	return 0;
}

/* A sync's answer (stepwise-protocol(7), VERSION 2): acked, the number
 * of records of the batch stored, which must be all of them; duplicate,
 * those of them the clinic already held; and the messages after the
 * cursor, checked as a fetch's. */
struct synced {
	const cJSON	*dup;
	const cJSON	*list;
	bool		 more;
	struct fetched	 f[PROTO_MAX_MESSAGES];
	size_t		 n;
};

static bool
sync_answer_ok(struct sync *s, const cJSON *j, struct synced *y)
{
	static const char *const keys[] = { "acked", "duplicate", "messages",
	    "more", NULL };
	const cJSON	*more, *v;
	long long	 acked;

	y->dup = cJSON_GetObjectItemCaseSensitive(j, "duplicate");
	y->list = cJSON_GetObjectItemCaseSensitive(j, "messages");
	more = cJSON_GetObjectItemCaseSensitive(j, "more");
	if (!proto_only_keys(j, keys) || !proto_int(j, "acked", &acked) ||
	    acked != (long long)s->batch.n || !cJSON_IsArray(y->dup) ||
	    !cJSON_IsArray(y->list) || !cJSON_IsBool(more) ||
	    cJSON_GetArraySize(y->list) > PROTO_MAX_MESSAGES)
		return false;
	cJSON_ArrayForEach(v, y->dup)
		if (!cJSON_IsString(v) || !in_batch(&s->batch, v->valuestring))
			return false;
	y->more = cJSON_IsTrue(more);
	return messages_check(s, y->list, y->f, &y->n) == 0 &&
	    !(y->more && y->n == 0);
}

/* Keep each message in its turn (each moves the cursor); -1 on error. */
static int
messages_keep(struct sync *s, const struct fetched *f, size_t n,
    struct sw_error *err)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc >= 0; i++) {
		rc = outbox_keep_message(s->ob, f[i].seq, f[i].id, f[i].ct,
		    f[i].ctlen, f[i].sig, wall_now(), err);
		if (rc == 0)
			s->kept++;
		else if (rc == 2)
			s->bad++;
	}
	return rc < 0 ? -1 : 0;
}

/* 200 from /v2/sync. */
static void
sync_acked(struct sync *s, const struct answer *a)
{
	struct sw_error	 err = { 0 };
	struct synced	 y;
	const char	**ids = NULL;
	int		 rc = 0;

	memset(&y, 0, sizeof y);
	if (!sync_answer_ok(s, a->json, &y)) {
		for (size_t i = 0; i < PROTO_MAX_MESSAGES; i++)
			free(y.f[i].ct);
		finish_bad_answer(s);
		return;
	}
	if (s->batch.n > 0) {
		ids = xcalloc(s->batch.n, sizeof *ids);
		for (size_t i = 0; i < s->batch.n; i++)
			ids[i] = s->batch.ids[i];
		rc = outbox_ack(s->ob, ids, s->batch.n, wall_now(), &err);
		free(ids);
	}
	/* Acknowledged: no longer on their way (only now, so that no other
	 * process sees them neither marked nor sent). */
	if (rc == 0)
		unmark(s, false);
	if (rc == 0)
		rc = messages_keep(s, y.f, y.n, &err);
	for (size_t i = 0; i < PROTO_MAX_MESSAGES; i++)
		free(y.f[i].ct);
	if (rc != 0) {
		finish(s, SYNC_FAILED, 0, "%s", err.msg);
		return;
	}
	if (s->batch.n > 0) {
		s->acked += s->batch.n;
		s->first_batch = false;
		if (s->batch_max < PROTO_MAX_BATCH)
			s->batch_max = s->batch_max * 2 > PROTO_MAX_BATCH ?
			    PROTO_MAX_BATCH : s->batch_max * 2;
	}
	if (y.n > 0)
		s->inbox_gen++;
	changed(s);
	/* The answer brought every message up to now, unless it says there
	 * are more; after new ones, one more request with the new cursor
	 * tells the server they arrived (the cursor is the acknowledgement). */
	s->need_fetch = y.more || y.n > 0;
	send_sync(s);
}

/* 400, 401 or 413 with "rejected": set those records aside and send the
 * rest at once. 1 when there was no usable list, so the caller goes on. */
static int
records_rejected(struct sync *s, const struct answer *a)
{
	static const char *const keys[] = { "id", "error", NULL };
	struct sw_error	 err = { 0 };
	const cJSON	*list, *v;
	const char	*id, *code;
	size_t		 n = 0;
	int		 rc;

	list = cJSON_GetObjectItemCaseSensitive(a->json, "rejected");
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
		return 1;
	/* Check the whole list before setting anything aside. */
	cJSON_ArrayForEach(v, list) {
		if (!cJSON_IsObject(v) || !proto_only_keys(v, keys) ||
		    (id = proto_str(v, "id")) == NULL ||
		    !proto_error_code_ok(proto_str(v, "error")) ||
		    !in_batch(&s->batch, id)) {
			finish_bad_answer(s);
			return 0;
		}
	}
	cJSON_ArrayForEach(v, list) {
		id = proto_str(v, "id");
		code = proto_str(v, "error");
		if ((rc = outbox_refused(s->ob, id, code,
		    outbox_batch_run_n(&s->batch, id), &err)) < 0) {
			finish(s, SYNC_FAILED, 0, "%s", err.msg);
			return 0;
		}
		n += (size_t)rc;	/* 0: it goes again, alone */
	}
	s->rejected += n;
	changed(s);
	send_sync(s);
	return 0;
}

static void
sync_done(struct sync *s, const struct answer *a)
{
	long long server_time;

	if (a->status == 200) {
		sync_acked(s, a);
		return;
	}
	/* The server's clock says ours is off: correct for it, once. */
	if (a->status == 401 && a->error != NULL &&
	    strcmp(a->error, "stale_request") == 0 &&
	    proto_int(a->json, "server_time", &server_time)) {
		if (!s->stale_retried) {
			s->stale_retried = true;
			s->clock_offset = server_time - wall_now();
			send_sync(s);
		} else
			finish(s, SYNC_FAILED, 0, "%s", _("The clinic did not "
			    "accept this computer's clock. Please check the "
			    "date and time."));
		return;
	}
	if ((a->status == 400 || a->status == 401 || a->status == 413) &&
	    records_rejected(s, a) == 0)
		return;
	if (a->status == 413 && a->error != NULL &&
	    strcmp(a->error, "too_large") == 0 && s->batch.n > 1) {
		s->batch_max = s->batch.n / 2;
		send_sync(s);
		return;
	}
	if (!finish_stopped(s, a))
		finish_refused(s, a);
}

/* An error body is {"error","message"} and maybe rejected and
 * server_time, error a code of the protocol's; anything else is treated
 * as no body. */
static void
parse_answer(struct sync *s, struct answer *a)
{
	struct request	*r = &s->req;
	curl_off_t	 ra = 0;
	char		 why[160];

	memset(a, 0, sizeof *a);
	s->curl->easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &a->status);
	if (s->curl->easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &ra) ==
	    CURLE_OK && ra > 0)
		a->retry_after = (long long)ra;
	if (r->len > 0)
		a->json = proto_parse(r->answer, r->len, why, sizeof why);
	if (a->json != NULL && a->status >= 400) {
		/* Only a code of the protocol's own list is ever shown or
		 * kept (as the reference the patient passes on); any other
		 * text, and message always, stays unread: what a server says
		 * must not reach the terminal or the profile. */
		a->error = proto_str(a->json, "error");
		if (!proto_only_keys(a->json, error_keys) ||
		    !proto_error_code_ok(a->error) ||
		    proto_str(a->json, "message") == NULL) {
			a->error = NULL;
			cJSON_Delete(a->json);
			a->json = NULL;
		}
	}
}

static void
transfer_done(struct sync *s, CURLcode code)
{
	struct answer a;

	if (code != CURLE_OK) {
		/* Even an answer too big to read was an answer after the
		 * whole request: the server's word is unknown. */
		unmark(s, maybe_sent(code));
		if (s->req.too_big)
			code = CURLE_WRITE_ERROR;
		finish_transport(s, code);
		return;
	}
	parse_answer(s, &a);
	/* The protocol's own refusal says nothing was stored; a 200 keeps
	 * the mark until its records are acknowledged (sync_acked); any
	 * other answer (a proxy's 502 or 504 after the server stored them)
	 * leaves them uncertain, at the run's end. */
	if (a.status >= 400 && a.status <= 499 && a.status != 408 &&
	    a.error != NULL)
		unmark(s, false);
	if (finish_busy(s, &a))
		goto out;
	/* Success is 200 (and 201 for a registration) with a JSON body;
	 * any other answer below 400 is not in the protocol. */
	if (a.status < 400 && (a.json == NULL || !(a.status == 200 ||
	    (a.status == 201 && s->step == STEP_ENROLL)))) {
		finish_bad_answer(s);
		goto out;
	}
	switch (s->step) {
	case STEP_ENROLL:
		if (a.status == 200 || a.status == 201)
			enroll_done(s, &a);
		else if (!finish_stopped(s, &a))
			finish_refused(s, &a);
		break;
	case STEP_SYNC:
		sync_done(s, &a);
		break;
	case STEP_NONE:
		break;
	}
out:
	cJSON_Delete(a.json);
}

static void
check_done(struct sync *s)
{
	CURLMsg	*msg;
	int	 left;

	/* A transfer's end may end the run, and with it the multi handle. */
	while (s->multi != NULL &&
	    (msg = s->curl->multi_info_read(s->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE || msg->easy_handle != s->req.easy)
			continue;
		transfer_done(s, msg->data.result);
	}
}

/* ---- the public interface ---- */

struct sync *
sync_new(struct outbox *ob, const struct sync_hooks *hooks)
{
	struct sync *s = xcalloc(1, sizeof *s);

	s->ob = ob;
	s->hooks = *hooks;
	s->batch_max = PROTO_MAX_BATCH;
	return s;
}

void
sync_free(struct sync *s)
{
	if (s == NULL)
		return;
	unmark(s, s->out);	/* left while a request was out */
	request_free(s);
	run_close(s);
	outbox_batch_free(&s->batch);
	free(s);
}

int
sync_start(struct sync *s, bool force, long long now_ms)
{
	struct sync_status	 st;
	struct sw_error		 err = { 0 };
	long long		 now = wall_now();

	(void)now_ms;	/* backoff is kept in Unix seconds */
	if (s->running)
		return 1;
	if (outbox_reload(s->ob, &err) != 0) {
		s->result = SYNC_FAILED;
		snprintf(s->words, sizeof s->words, "%s", err.msg);
		return 1;
	}
	if (!outbox_enrolled(s->ob)) {
		s->result = SYNC_NOT_ENROLLED;
		snprintf(s->words, sizeof s->words, "%s", _("This profile is "
		    "not connected to a clinic."));
		return 1;
	}
	if (outbox_status(s->ob, &st, &err) != 0) {
		s->result = SYNC_FAILED;
		snprintf(s->words, sizeof s->words, "%s", err.msg);
		return 1;
	}
	if (st.stopped[0] != '\0') {
		s->result = SYNC_STOPPED;
		snprintf(s->words, sizeof s->words, "%s", st.last_error);
		return 1;
	}
	/* The patient may override our backoff, never the server's. */
	if (st.retry_after > now) {
		if (force) {
			s->result = SYNC_UNREACHABLE;
			snprintf(s->words, sizeof s->words, "%s", _("Could "
			    "not reach the clinic: the clinic's server is busy "
			    "and asked to wait."));
		}
		return 1;
	}
	if (!force && (st.next_try > now || s->hold_until > now))
		return 1;
	s->running = true;
	s->result = SYNC_IDLE;
	s->words[0] = s->stop_code[0] = s->told[0] = '\0';
	s->first_batch = true;
	s->need_fetch = true;
	s->stale_retried = false;
	s->registered = s->acked = s->rejected = s->kept = s->bad = 0;
	changed(s);
	if (run_open(s, &err) != 0) {
		finish(s, SYNC_FAILED, 0, "%s", err.msg);
		return 1;
	}
	next_step(s);
	return s->running ? 0 : 1;
}

bool
sync_running(const struct sync *s)
{
	return s->running;
}

void
sync_socket(struct sync *s, int fd, short revents)
{
	int	flags = 0, still;

	/* A socket seen ready in the caller's turn after the run ended. */
	if (s->multi == NULL)
		return;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		flags |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & POLLERR)
		flags |= CURL_CSELECT_ERR;
	s->curl->multi_socket_action(s->multi, (curl_socket_t)fd, flags,
	    &still);
	check_done(s);
}

void
sync_timeout(struct sync *s)
{
	int still;

	if (s->multi == NULL)
		return;
	s->curl->multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	check_done(s);
}

enum sync_result
sync_result(const struct sync *s)
{
	return s->result;
}

const char *
sync_words(const struct sync *s)
{
	return s->words;
}

bool
sync_held(const struct sync *s)
{
	return s->hold_until > wall_now();
}

const char *
sync_told(const struct sync *s)
{
	return s->told;
}

unsigned
sync_inbox_gen(const struct sync *s)
{
	return s->inbox_gen;
}

long long
sync_next_due(const struct sync *s)
{
	struct sync_status	st;
	struct sw_error		err = { 0 };
	long long		due;

	if (!outbox_enrolled(s->ob) || outbox_status(s->ob, &st, &err) != 0 ||
	    st.stopped[0] != '\0')
		return LLONG_MAX;
	if (st.failures > 0)
		due = st.next_try;
	else if (st.last_success == 0)
		due = 0;
	else
		due = st.last_success + MESSAGE_PERIOD;
	return due > s->hold_until ? due : s->hold_until;
}

/* ---- sync_run: one run on a poll loop of its own ---- */

struct loop {
	struct pollfd	*fds;
	size_t		 n;
	size_t		 cap;
	long long	 at;		/* timer, CLOCK_MONOTONIC ms; 0 none */
};

static void
loop_watch(void *arg, int fd, short events)
{
	struct loop	*l = arg;
	size_t		 i;

	for (i = 0; i < l->n; i++)
		if (l->fds[i].fd == fd)
			break;
	if (events == 0) {
		if (i < l->n)
			l->fds[i] = l->fds[--l->n];
		return;
	}
	if (i == l->n) {
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 4;
			l->fds = xreallocarray(l->fds, l->cap, sizeof *l->fds);
		}
		l->n++;
	}
	l->fds[i].fd = fd;
	l->fds[i].events = events;
	l->fds[i].revents = 0;
}

static void
loop_timer(void *arg, long long at_ms)
{
	((struct loop *)arg)->at = at_ms;
}

static void
loop_turn(struct sync *s, struct loop *l)
{
	struct pollfd	*ready;
	long long	 now = mono_ms();
	size_t		 n = l->n;
	int		 timeout = -1, rc;

	if (l->at > 0)
		timeout = l->at <= now ? 0 : (int)(l->at - now > INT_MAX ?
		    INT_MAX : l->at - now);
	else if (l->n == 0)
		timeout = 1000;	/* nothing to wait on: look again soon */
	/* Poll a copy: handling one socket may change the table. */
	ready = xreallocarray(NULL, n ? n : 1, sizeof *ready);
	if (n > 0)
		memcpy(ready, l->fds, n * sizeof *ready);
	rc = poll(ready, n, timeout);
	for (size_t i = 0; rc > 0 && i < n && s->running; i++)
		if (ready[i].revents != 0)
			sync_socket(s, ready[i].fd, ready[i].revents);
	free(ready);
	if (s->running && l->at > 0 && mono_ms() >= l->at) {
		l->at = 0;
		sync_timeout(s);
	}
}

enum sync_result
sync_run(struct outbox *ob, bool force,
    void (*progress)(void *arg, const char *line), void *arg,
    const volatile sig_atomic_t *stop, struct sw_error *err)
{
	struct loop		 l = { 0 };
	struct sync_hooks	 hooks = { loop_watch, loop_timer, NULL, &l };
	struct sync		*s;
	enum sync_result	 r;

	s = sync_new(ob, &hooks);
	s->progress = progress;
	s->progress_arg = arg;
	sync_start(s, force, mono_ms());
	while (s->running) {
		if (stop != NULL && *stop) {
			finish(s, SYNC_UNREACHABLE, 0, "%s", _("The sync was "
			    "stopped before it finished. Nothing was lost: "
			    "what was not sent waits for the next try."));
			break;
		}
		loop_turn(s, &l);
	}
	r = s->result;
	if (r != SYNC_DONE && r != SYNC_NOTHING && r != SYNC_IDLE)
		sw_fail(err, SW_EIO, "%s", s->words);
	sync_free(s);
	free(l.fds);
	return r;
}
