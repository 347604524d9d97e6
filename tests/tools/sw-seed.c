/* sw-seed.c: test tool. Stores completed check-ins into a profile through
 * the same core path the front ends use, so the CLI's export can be tested
 * before the check-in screens exist.
 *   sw-seed PROFILE.db CONTENT-DIR MEASURE A1,A2,... TIMESTAMP [COUNT]
 *   < passphrase
 * (an empty passphrase line opens a profile made without one). With COUNT,
 * one process (one key derivation) stores COUNT check-ins with the same
 * answers, completed at TIMESTAMP, TIMESTAMP + 1, ... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "jsonv.h"
#include "measure.h"
#include "record.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct sw_error	 err = { 0 };
	struct diags	 d = { 0 };
	struct measure	 m;
	struct store	*st;
	char		 pass[256], *file, *tok, *save, *end;
	int		 answers[64];
	size_t		 n = 0;
	long long	 ts, count = 1, i;
	cJSON		*j;

	if ((argc != 6 && argc != 7) || sodium_init() < 0) {
		fprintf(stderr, "usage: sw-seed DB CONTENT MEASURE A,B,.. TS "
		    "[COUNT]\n");
		return 2;
	}
	ts = atoll(argv[5]);
	if (argc == 7) {
		count = strtoll(argv[6], &end, 10);
		if (*argv[6] == '\0' || *end != '\0' || count < 1 ||
		    count > 1000000) {
			fprintf(stderr, "sw-seed: bad COUNT %s\n", argv[6]);
			return 2;
		}
	}
	if (fgets(pass, sizeof pass, stdin) == NULL)
		pass[0] = '\0';
	pass[strcspn(pass, "\n")] = '\0';
	file = xasprintf("%s/measures/%s.json", argv[2], argv[3]);
	if ((j = jv_parse_file(file, &d)) == NULL ||
	    measure_parse(j, file, &m, &d) != 0) {
		fprintf(stderr, "sw-seed: cannot load %s\n", file);
		return 1;
	}
	for (tok = strtok_r(argv[4], ",", &save); tok && n < 64;
	    tok = strtok_r(NULL, ",", &save))
		answers[n++] = atoi(tok);
	if (store_open(argv[1], pass[0] ? pass : NULL, &st, &err) != 0) {
		fprintf(stderr, "sw-seed: %s\n", err.msg);
		return 1;
	}
	sodium_memzero(pass, sizeof pass);
	for (i = 0; i < count; i++) {
		if (checkin_save(st, &m, answers, n, 1, NULL, ts + i, NULL,
		    &err) != 0) {
			fprintf(stderr, "sw-seed: %s\n", err.msg);
			store_close(st);
			return 1;
		}
	}
	store_close(st);
	measure_free(&m);
	cJSON_Delete(j);
	free(file);
	return 0;
}
