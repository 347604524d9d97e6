/* sync.h: the client side of stepwise-protocol(7) on libcurl's multi
 * interface. It never blocks: the caller's loop watches the sockets and the
 * timer this module asks for (curl's socket interface) and hands back what
 * it saw. One run sends the registration if it waits, then every record,
 * then fetches messages until there are no more. */
#ifndef STEPWISE_SYNC_H
#define STEPWISE_SYNC_H

#include <signal.h>
#include <stdbool.h>

#include "diag.h"
#include "outbox.h"

enum sync_result {
	SYNC_IDLE,		/* no run yet, or one is under way */
	SYNC_DONE,		/* reached the clinic; something moved */
	SYNC_NOTHING,		/* reached the clinic; nothing to send or get */
	SYNC_UNREACHABLE,	/* no connection, timeout, 5xx, 429: backoff */
	SYNC_STOPPED,		/* the clinic refused this device or token */
	SYNC_FAILED,		/* a fault: a 4xx the client did not expect */
	SYNC_NOT_ENROLLED,
};

/* How the caller's loop learns what to watch. watch(fd, events) with
 * events 0 means stop watching fd; events is POLLIN and/or POLLOUT.
 * timer(at_ms) asks for sync_timeout() at that time (CLOCK_MONOTONIC
 * milliseconds), 0 cancels it. */
struct sync_hooks {
	void	(*watch)(void *arg, int fd, short events);
	void	(*timer)(void *arg, long long at_ms);
	/* A run ended, or something the patient sees changed (counts, a new
	 * message). May be NULL. */
	void	(*changed)(void *arg);
	void	*arg;
};

struct sync;

/* ob stays the caller's; it must outlive the sync. libcurl is loaded
 * only while a run is under way: one that cannot be loaded ends the run
 * as SYNC_FAILED, sync_words saying why. */
struct sync *sync_new(struct outbox *, const struct sync_hooks *);
void	sync_free(struct sync *);

/* Begin a run unless one is under way. force ignores the backoff (the
 * patient asked: "Sync now"); a server's Retry-After still holds. Returns
 * 0 when a run started, 1 when none was needed or allowed now. */
int	sync_start(struct sync *, bool force, long long now_ms);
bool	sync_running(const struct sync *);
/* The caller's loop saw revents on fd, or the timer came due. */
void	sync_socket(struct sync *, int fd, short revents);
void	sync_timeout(struct sync *);

/* The last run's result and, when it did not succeed, plain words for the
 * patient ("Could not reach the clinic: the connection timed out."). */
enum sync_result sync_result(const struct sync *);
const char *sync_words(const struct sync *);
/* What the last run did, in sentences for the patient ("1 new message
 * from your clinic."); "" when it ended before it could say. */
const char *sync_told(const struct sync *);
/* Unix seconds when an automatic run should start next: the backoff after
 * a failure, or a quarter of an hour after a success (to fetch messages). */
long long sync_next_due(const struct sync *);
/* Grows each time a run stores new messages (or counts bad ones), so a
 * screen showing them knows when to read them again. */
unsigned sync_inbox_gen(const struct sync *);
/* The last run could not write its outcome into the profile (a full
 * disk): no automatic run for a while; sync_words says why. */
bool	sync_held(const struct sync *);

/* One whole run with its own poll loop, for "stepwise sync" and plain
 * mode. progress (may be NULL) gets one line per step for people. When
 * *stop (may be NULL) becomes non-zero, as a signal handler sets it, the
 * run ends at once as SYNC_UNREACHABLE: nothing is lost, and the next try
 * waits like any failure's. */
enum sync_result sync_run(struct outbox *, bool force,
	    void (*progress)(void *arg, const char *line), void *arg,
	    const volatile sig_atomic_t *stop, struct sw_error *);

#endif
