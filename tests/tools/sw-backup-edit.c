/* sw-backup-edit.c: test tool. Opens a stepwise-clinic backup with its
 * passphrase and seals it again with one change, as another version of
 * stepwise-clinic might have written it:
 *   sw-backup-edit IN OUT schema N < passphrase
 *	the database's schema (its user_version) set to N
 *   sw-backup-edit IN OUT format N < passphrase
 *	backup.json's format set to N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pwseal.h"
#include "util.h"

#define MAGIC	"SWCLBAK\n"

int
main(int argc, char **argv)
{
	struct sw_error		 err = { 0 };
	struct pwseal_opened	 o;
	struct pwseal_part	*v;
	unsigned char		*in, *out, *copy;
	char			 pass[256], *meta = NULL;
	size_t			 inlen, outlen;
	long			 n;
	FILE			*f;

	if (argc != 5 || sodium_init() < 0 ||
	    fgets(pass, sizeof pass, stdin) == NULL) {
		fprintf(stderr, "usage: sw-backup-edit IN OUT schema|format N "
		    "< passphrase\n");
		return 2;
	}
	pass[strcspn(pass, "\n")] = '\0';
	n = strtol(argv[4], NULL, 10);
	if ((in = (unsigned char *)read_file(argv[1], &inlen)) == NULL ||
	    pwseal_read(MAGIC, argv[1], pass, in, inlen, &o, &err) != 0) {
		fprintf(stderr, "sw-backup-edit: %s\n", err.msg);
		return 1;
	}
	v = xcalloc(o.n, sizeof *v);
	for (size_t i = 0; i < o.n; i++) {
		v[i] = o.parts[i];
		copy = xmalloc(v[i].len + 1);
		memcpy(copy, v[i].data, v[i].len);
		copy[v[i].len] = '\0';
		v[i].data = copy;
		if (strcmp(argv[3], "schema") == 0 &&
		    strcmp(v[i].name, "db/clinic.db") == 0 && v[i].len > 64) {
			/* user_version: 4 bytes big-endian at offset 60 */
			copy[60] = (unsigned char)(n >> 24);
			copy[61] = (unsigned char)(n >> 16);
			copy[62] = (unsigned char)(n >> 8);
			copy[63] = (unsigned char)n;
		}
		if (strcmp(argv[3], "format") == 0 &&
		    strcmp(v[i].name, "backup.json") == 0) {
			meta = xasprintf("{\"format\":%ld,%s", n,
			    strchr((char *)copy, ',') + 1);
			free(copy);
			v[i].data = (unsigned char *)meta;
			v[i].len = strlen(meta);
		}
	}
	if (pwseal_write(MAGIC, pass, v, o.n, &out, &outlen, &err) != 0 ||
	    (f = fopen(argv[2], "wb")) == NULL ||
	    fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0) {
		fprintf(stderr, "sw-backup-edit: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < o.n; i++)
		free((void *)v[i].data);
	free(v);
	free(out);
	free(in);
	pwseal_close(&o);
	return 0;
}
