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

static int
by_n(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The missing numbers of device (between 1 and the highest held). */
static void
device_gap(const struct vrecord *v, size_t n, const char *device,
    struct gap *g)
{
	long long	*seen = xcalloc(n ? n : 1, sizeof *seen);
	size_t		 k = 0;
	long long	 want = 1;

	for (size_t i = 0; i < n; i++)
		if (v[i].reason == NULL && v[i].n > 0 &&
		    strcmp(v[i].device, device) == 0)
			seen[k++] = v[i].n;
	qsort(seen, k, sizeof *seen, by_n);
	for (size_t i = 0; i < k; i++) {
		for (; want < seen[i]; want++) {
			g->missing = xreallocarray(g->missing, g->n_missing + 1,
			    sizeof *g->missing);
			g->missing[g->n_missing++] = want;
		}
		if (seen[i] >= want)
			want = seen[i] + 1;
		g->highest = seen[i];
	}
	free(seen);
}

size_t
gaps_find(const struct vrecord *v, size_t n, struct gap **out)
{
	struct gap	*g = NULL;
	size_t		 ng = 0, k;

	for (size_t i = 0; i < n; i++) {
		if (v[i].reason != NULL || v[i].n <= 0)
			continue;
		for (k = 0; k < ng; k++)
			if (strcmp(g[k].device, v[i].device) == 0)
				break;
		if (k < ng)
			continue;
		g = xreallocarray(g, ng + 1, sizeof *g);
		memset(&g[ng], 0, sizeof g[ng]);
		snprintf(g[ng].device, sizeof g[ng].device, "%s", v[i].device);
		g[ng].patient = v[i].patient;
		device_gap(v, n, v[i].device, &g[ng]);
		if (g[ng].n_missing > 0)
			ng++;
		else
			free(g[ng].missing);
	}
	*out = g;
	return ng;
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
