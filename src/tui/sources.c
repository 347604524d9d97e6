/* sources.c: the registry of descriptors and deadlines that parts other
 * than the keyboard (the sync client) add to the TUI's one poll loop. The
 * loop asks for their pollfds and nearest deadline each turn, then hands
 * back what poll() found. */
#include <string.h>

#include "tui_int.h"

#define SOURCES_MAX	16

static struct source	sources[SOURCES_MAX];
static size_t		n_sources;

int
sources_add(const struct source *s)
{
	if (n_sources == SOURCES_MAX)
		return -1;
	sources[n_sources++] = *s;
	return 0;
}

void
sources_remove(int fd)
{
	for (size_t i = 0; i < n_sources; i++) {
		if (sources[i].fd != fd)
			continue;
		memmove(&sources[i], &sources[i + 1],
		    (n_sources - i - 1) * sizeof sources[i]);
		n_sources--;
		return;
	}
}

/* Fill up to max pollfds; *deadline is lowered to the nearest source
 * deadline (ms, 0 = none). Returns how many were filled. */
size_t
sources_pollfds(struct pollfd *pfd, size_t max, long long *deadline)
{
	size_t n = 0;

	for (size_t i = 0; i < n_sources && n < max; i++) {
		if (sources[i].deadline != 0 && (*deadline == 0 ||
		    sources[i].deadline < *deadline))
			*deadline = sources[i].deadline;
		if (sources[i].fd < 0)
			continue;
		pfd[n].fd = sources[i].fd;
		pfd[n].events = sources[i].events;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

/* Call each source whose descriptor is ready or whose deadline passed. */
void
sources_dispatch(const struct pollfd *pfd, size_t n, long long now)
{
	for (size_t i = 0; i < n_sources; i++) {
		struct source	*s = &sources[i];
		short		 rev = 0;

		for (size_t k = 0; k < n; k++)
			if (pfd[k].fd == s->fd && s->fd >= 0)
				rev = pfd[k].revents;
		if (rev != 0 || (s->deadline != 0 && now >= s->deadline))
			s->ready(s->arg, rev, now);
	}
}
