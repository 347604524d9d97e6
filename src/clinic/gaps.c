/* gaps.c: records a device numbered and the clinic does not hold. Each
 * envelope carries the device's count of the records it queued under its
 * enrollment ("n", inside the seal), so a server that drops one (a risk
 * answer, say) leaves a gap that results and patients can show. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gaps.h"
#include "i18n.h"
#include "util.h"

/* A believed record's number, and its place among the records. */
struct num {
	const struct vrecord	*r;
	size_t			 at;
};

static int
by_device_then_n(const void *a, const void *b)
{
	const struct num	*x = a, *y = b;
	int			 c = strcmp(x->r->device, y->r->device);

	if (c != 0)
		return c;
	if (x->r->n != y->r->n)
		return x->r->n < y->r->n ? -1 : 1;
	return (x->at > y->at) - (x->at < y->at);
}

struct placed {
	struct gap	 g;
	size_t		 first;
};

static int
by_first(const void *a, const void *b)
{
	const struct placed *x = a, *y = b;

	return (x->first > y->first) - (x->first < y->first);
}

/* One device's numbers, sorted (from num[0..k)): the missing ones
 * between 1 and the highest held. */
static void
device_gap(const struct num *num, size_t k, struct gap *g)
{
	long long want = 1;

	for (size_t i = 0; i < k; i++) {
		for (; want < num[i].r->n; want++) {
			g->missing = xreallocarray(g->missing, g->n_missing + 1,
			    sizeof *g->missing);
			g->missing[g->n_missing++] = want;
		}
		if (num[i].r->n >= want)
			want = num[i].r->n + 1;
		g->highest = num[i].r->n;
	}
}

/* The believed, numbered records grouped by device once (sorted), so a
 * caseload of thousands is one pass, not one for each record; the gaps
 * in the order their devices' first records came. */
size_t
gaps_find(const struct vrecord *v, size_t n, struct gap **out)
{
	struct num	*num = xcalloc(n ? n : 1, sizeof *num);
	struct placed	*p = NULL;
	struct gap	*g;
	size_t		 k = 0, np = 0, end, first;

	for (size_t i = 0; i < n; i++)
		if (v[i].reason == NULL && v[i].n > 0)
			num[k++] = (struct num){ &v[i], i };
	qsort(num, k, sizeof *num, by_device_then_n);
	for (size_t i = 0; i < k; i = end) {
		first = num[i].at;
		for (end = i; end < k && strcmp(num[end].r->device,
		    num[i].r->device) == 0; end++)
			if (num[end].at < first)
				first = num[end].at;
		p = xreallocarray(p, np + 1, sizeof *p);
		memset(&p[np], 0, sizeof p[np]);
		snprintf(p[np].g.device, sizeof p[np].g.device, "%s",
		    num[i].r->device);
		p[np].g.patient = v[first].patient;
		p[np].first = first;
		device_gap(num + i, end - i, &p[np].g);
		if (p[np].g.n_missing > 0)
			np++;
	}
	free(num);
	if (np > 1)
		qsort(p, np, sizeof *p, by_first);
	g = xcalloc(np ? np : 1, sizeof *g);
	for (size_t i = 0; i < np; i++)
		g[i] = p[i].g;
	free(p);
	*out = g;
	return np;
}

void
gaps_free(struct gap *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].missing);
	free(g);
}

void
gaps_report(const struct gap *g, size_t n)
{
	char	 list[256];
	size_t	 len;

	for (size_t i = 0; i < n; i++) {
		list[0] = '\0';
		for (size_t k = 0; k < g[i].n_missing; k++) {
			len = strlen(list);
			if (len > sizeof list - 32) {
				snprintf(list + len, sizeof list - len, ", ...");
				break;
			}
			snprintf(list + len, sizeof list - len, "%s%lld",
			    k ? ", " : "", g[i].missing[k]);
		}
		fprintf(stderr, ngettext("stepwise-clinic: device %s (%s) "
		    "numbered its records up to %lld, and %zu of them has not "
		    "arrived (%s): the server may have lost it, or it may "
		    "still be on its way.\n", "stepwise-clinic: device %s (%s) "
		    "numbered its records up to %lld, and %zu of them have not "
		    "arrived (%s): the server may have lost them, or they may "
		    "still be on their way.\n", g[i].n_missing), g[i].device,
		    g[i].patient, g[i].highest, g[i].n_missing, list);
	}
}

cJSON *
gaps_json(const struct gap *g, size_t n)
{
	cJSON *a = cJSON_CreateArray(), *o, *m;

	for (size_t i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "device", g[i].device);
		cJSON_AddStringToObject(o, "patient", g[i].patient);
		cJSON_AddNumberToObject(o, "highest", (double)g[i].highest);
		m = cJSON_AddArrayToObject(o, "missing");
		for (size_t k = 0; k < g[i].n_missing; k++)
			cJSON_AddItemToArray(m, cJSON_CreateNumber(
			    (double)g[i].missing[k]));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}
