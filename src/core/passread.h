/* passread.h: reading a passphrase from the terminal without echo, or one
 * line from a file descriptor for scripts (--passphrase-fd), for both
 * programs; the caller words the errors. */
#ifndef STEPWISE_PASSREAD_H
#define STEPWISE_PASSREAD_H

#include <stddef.h>

/* One line from fd into buf, without its new line (and a CR before it):
 * its length, or -1 with errno set (E2BIG: longer than size - 1). */
int	passread_fd(int fd, char *buf, size_t size);
/* The same from /dev/tty with echo off, after writing prompt to it: -1
 * with errno ENXIO when there is no terminal; a signal while reading puts
 * the terminal back and is raised again. */
int	passread_tty(const char *prompt, char *buf, size_t size);

#endif
