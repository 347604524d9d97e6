/* passread.c: a passphrase from the terminal or a descriptor (passread.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "passread.h"

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	interrupted = sig;
}

int
passread_fd(int fd, char *buf, size_t size)
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
		if (n + 1 >= size) {
			errno = E2BIG;
			return -1;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (int)n;
}

int
passread_tty(const char *prompt, char *buf, size_t size)
{
	struct termios		 old, quiet;
	struct sigaction	 sa, oint, oterm, ohup;
	int			 fd, n, saved;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1) {
		errno = ENXIO;
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
	n = passread_fd(fd, buf, size);
	saved = errno;
	tcsetattr(fd, TCSAFLUSH, &old);
	close(fd);
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGHUP, &ohup, NULL);
	if (interrupted) {
		fputc('\n', stderr);
		raise(interrupted);
		errno = EINTR;
		return -1;
	}
	errno = saved;
	return n;
}
