/* sources.c: the registry of descriptors and deadlines that parts other
 * than the keyboard (the sync client) add to the one poll loop (ui.c). The
 * loop asks for their pollfds and nearest deadline each turn, then hands
 * back what poll() found. A source is named by its descriptor and its
 * ready function, so one owner may keep a descriptor and a deadline (fd -1)
 * apart, and sources may come and go from inside a ready() call (curl
 * opens and closes sockets from inside curl_multi_socket_action()). */
#include <string.h>

#include "ui.h"

#define SOURCES_MAX	16

static struct source	sources[SOURCES_MAX];
static size_t		n_sources;

static struct source *
source_find(int fd, source_fn ready)
{
	for (size_t i = 0; i < n_sources; i++)
		if (sources[i].fd == fd && sources[i].ready == ready)
			return &sources[i];
	return NULL;
}

/* Add a source, or change the events, deadline and arg of the one with the
 * same descriptor and ready function. */
int
sources_set(const struct source *s)
{
	struct source *old = source_find(s->fd, s->ready);

	if (old != NULL) {
		*old = *s;
		return 0;
	}
	if (n_sources == SOURCES_MAX)
		return -1;
	sources[n_sources++] = *s;
	return 0;
}

void
sources_remove(int fd, source_fn ready)
{
	struct source	*s = source_find(fd, ready);
	size_t		 i;

	if (s == NULL)
		return;
	i = (size_t)(s - sources);
	memmove(&sources[i], &sources[i + 1], (n_sources - i - 1) *
	    sizeof sources[i]);
	n_sources--;
}

/* Fill up to max pollfds; *deadline is lowered to the nearest source
 * deadline (ms, 0 = none). Returns how many were filled. */
size_t
sources_pollfds(struct pollfd *pfd, size_t max, long long *deadline)
{
	size_t n = 0;

	for (size_t i = 0; i < n_sources; i++) {
		if (sources[i].deadline != 0 && (*deadline == 0 ||
		    sources[i].deadline < *deadline))
			*deadline = sources[i].deadline;
		if (sources[i].fd < 0 || n == max)
			continue;
		pfd[n].fd = sources[i].fd;
		pfd[n].events = sources[i].events;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

/* Call each source whose descriptor is ready or whose deadline passed. A
 * deadline fires once: it is cleared before the call, and the callback may
 * set a new one. The walk is over a copy taken first, and each source is
 * looked up again before its call, so a callback may add, change or remove
 * sources (its own or others) and none is called after its removal. */
void
sources_dispatch(const struct pollfd *pfd, size_t n, long long now)
{
	struct source	 snap[SOURCES_MAX], *cur;
	size_t		 n_snap = n_sources;
	short		 rev;
	bool		 due;

	memcpy(snap, sources, n_snap * sizeof snap[0]);
	for (size_t i = 0; i < n_snap; i++) {
		if ((cur = source_find(snap[i].fd, snap[i].ready)) == NULL)
			continue;
		rev = 0;
		for (size_t k = 0; k < n && cur->fd >= 0; k++)
			if (pfd[k].fd == cur->fd)
				rev = pfd[k].revents & (cur->events | POLLERR |
				    POLLHUP | POLLNVAL);
		due = cur->deadline != 0 && now >= cur->deadline;
		if (due)
			cur->deadline = 0;
		if (rev != 0 || due)
			cur->ready(cur->arg, cur->fd, rev, now);
	}
}

/* Forget every source (the program is closing). */
void
sources_clear(void)
{
	n_sources = 0;
}
