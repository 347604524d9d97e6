/* diag.h: a list of problems found while loading or checking something,
 * each naming the file and where in it (a JSON path such as $.items[2].text,
 * or "line 12"). Core fills it; front ends decide how to word and show it. */
#ifndef STEPWISE_DIAG_H
#define STEPWISE_DIAG_H

#include <stddef.h>

struct diag {
	char	*file;	/* the file the problem is in, or NULL */
	char	*where;	/* JSON path or "line N", or NULL */
	char	*msg;	/* what is wrong, one short sentence */
};

struct diags {
	struct diag	*v;
	size_t		 n;
	size_t		 cap;
};

void	 diags_add(struct diags *, const char *file, const char *where,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* One line "FILE: WHERE: MSG" for entry i; the caller frees it. */
char	*diags_format(const struct diags *, size_t i);
void	 diags_free(struct diags *);



/* One error from an operation: a status a caller can act on, and a sentence
 * a front end can show as it is. */
enum sw_status {
	SW_OK = 0,
	SW_EIO,		/* the disk or a system call failed */
	SW_EPASSPHRASE,	/* the passphrase does not open this profile */
	SW_ECORRUPT,	/* stored data failed authentication or is malformed */
	SW_EEXIST,	/* something that must be new already exists */
	SW_ENOENT,	/* something that must exist does not */
	SW_EFORMAT,	/* written by a newer version of Stepwise */
	SW_EINVAL,	/* the caller's input is not acceptable */
};

struct sw_error {
	enum sw_status	code;
	char		msg[512];
};

/* Set err (may be NULL) and return -1, so callers can "return sw_fail(...)". */
int	sw_fail(struct sw_error *, enum sw_status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
#endif
