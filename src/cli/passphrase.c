/* passphrase.c: reading a passphrase without echo from the terminal, or
 * from a file descriptor for scripts; kept in locked, wiped memory. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "i18n.h"

#define PASSPHRASE_MAX	1024

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	interrupted = sig;
}

/* Read one line from fd into buf; strips the newline. -1 on error or
 * interruption, else the length. */
static int
read_line(int fd, char *buf, size_t size)
{
	size_t	n = 0;
	char	c;
	ssize_t	r;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR && !interrupted)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= size)
			return -1;
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (int)n;
}

static int
read_from_tty(const char *prompt, char *buf, size_t size)
{
	struct termios		 old, quiet;
	struct sigaction	 sa, oint, oterm, ohup;
	int			 fd, n;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1) {
		cli_error(_("no passphrase given: run in a terminal, or use "
		    "--passphrase-fd N"));
		return -1;
	}
	/* Catch signals while echo is off, so the terminal is always put
	 * back; the handler only records the signal. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGTERM, &sa, &oterm);
	sigaction(SIGHUP, &sa, &ohup);
	(void)!write(fd, prompt, strlen(prompt));
	tcgetattr(fd, &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	n = read_line(fd, buf, size);
	tcsetattr(fd, TCSAFLUSH, &old);
	close(fd);
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGHUP, &ohup, NULL);
	if (interrupted) {
		fputc('\n', stderr);
		raise(interrupted);
		return -1;
	}
	if (n < 0)
		cli_error(_("could not read the passphrase"));
	return n;
}

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
		n = read_line(cli->passphrase_fd, buf, PASSPHRASE_MAX);
		if (n < 0)
			cli_error(_("could not read a passphrase from file "
			    "descriptor %d: %s"), cli->passphrase_fd,
			    errno ? strerror(errno) : _("too long"));
	} else
		n = read_from_tty(prompt, buf, PASSPHRASE_MAX);
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
