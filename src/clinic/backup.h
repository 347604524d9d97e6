/* backup.h: what stepwise-clinic backup and restore share: the file's
 * kind and parts, the passphrase, and the check that the sealed records
 * that opened when the backup was made still open (stepwise-clinic(8),
 * BACKUPS). */
#ifndef STEPWISE_CLINIC_BACKUP_H
#define STEPWISE_CLINIC_BACKUP_H

#include <stddef.h>

#include <sqlite3.h>

#include "clinic.h"

#define BACKUP_MAGIC	"SWCLBAK\n"	/* pwseal's magic, 8 bytes */
#define BACKUP_FORMAT	1		/* backup.json's format */
#define BACKUP_META	"backup.json"
#define BACKUP_CONFIG	"clinic.json"
#define BACKUP_DB	CLINIC_DB_DIR "/" CLINIC_DB_NAME
#define BACKUP_BOX_SK	"box.sk"
#define BACKUP_SIGN_SK	"sign.sk"
/* The message templates (template.c): "templates/NAME.txt" each. */
#define BACKUP_TEMPLATES_MAX	500
/* Whether a part's name is one of the templates' ("templates/NAME.txt",
 * NAME as template_name_ok takes it). */
bool	 backup_template_part(const char *name);

/* The passphrase, in sodium_malloc'd memory: one line from descriptor fd
 * (fd >= 0), else typed on the terminal (twice when twice, and checked by
 * passphrase_check then). NULL, with err set, when there is none. */
char	*backup_passphrase(int fd, bool twice, struct sw_error *);
void	 backup_passphrase_free(char *);

/* The records of db that open with k: how many, out of *total, and a
 * BLAKE2b-256 of their device and id, sorted, as 64 hex characters. */
int	 backup_opened(sqlite3 *db, const struct clinic_keys *k,
	    size_t *opened, size_t *total, char hash[65], struct sw_error *);

/* --passphrase-fd N: the descriptor, or a usage error (false). */
bool	 backup_fd_arg(const char *cmd, const char *arg, int *fd);

#endif
