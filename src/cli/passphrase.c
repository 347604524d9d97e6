/* passphrase.c: reading a passphrase without echo from the terminal, or
 * from a file descriptor for scripts; kept in locked, wiped memory. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "i18n.h"
#include "passread.h"

#define PASSPHRASE_MAX	1024

char *
passphrase_read(const struct cli *cli, const char *prompt)
{
	char	*buf = sodium_malloc(PASSPHRASE_MAX);
	int	 n;

	if (buf == NULL) {
		cli_error(_("out of memory"));
		return NULL;
	}
	if (cli->passphrase_fd >= 0) {
		n = passread_fd(cli->passphrase_fd, buf, PASSPHRASE_MAX);
		if (n < 0)
			cli_error(_("could not read a passphrase from file "
			    "descriptor %d: %s"), cli->passphrase_fd,
			    errno != E2BIG ? strerror(errno) : _("too long"));
	} else if ((n = passread_tty(prompt, buf, PASSPHRASE_MAX)) < 0 &&
	    errno == ENXIO)
		cli_error(_("no passphrase given: run in a terminal, or use "
		    "--passphrase-fd N"));
	else if (n < 0 && errno != EINTR)
		cli_error(_("could not read the passphrase"));
	if (n < 0) {
		sodium_free(buf);
		return NULL;
	}
	return buf;
}

void
passphrase_free(char *p)
{
	if (p != NULL)
		sodium_free(p);	/* zeroes before freeing */
}
