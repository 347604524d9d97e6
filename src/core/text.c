/* text.c: what characters outside text may hold, and the sanitiser that
 * prints it (text.h). */
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "text.h"
#include "util.h"

size_t
text_utf8_next(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 k;
	uint32_t		 c;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		k = 1;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		k = 2;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		k = 3;
		c = s[0] & 0x07;
	} else
		return 0;
	for (size_t j = 1; j <= k; j++) {
		if (j >= n || (s[j] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[j] & 0x3f);
	}
	if ((k == 2 && c < 0x800) || (k == 3 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return k + 1;
}

bool
text_is_bidi(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

bool
text_char_ok(uint32_t cp, int flags)
{
	if (cp == '\n' || cp == '\t')
		return (flags & TEXT_LINES) != 0;
	return cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f) &&
	    !text_is_bidi(cp);
}

enum text_fault
text_check(const char *s, size_t n, int flags, uint32_t *bad)
{
	size_t		i = 0, k;
	uint32_t	cp;

	while (i < n) {
		if ((k = text_utf8_next(s + i, n - i, &cp)) == 0)
			return TEXT_BAD_UTF8;
		if (!text_char_ok(cp, flags)) {
			if (bad != NULL)
				*bad = cp;
			return TEXT_CONTROL;
		}
		i += k;
	}
	return TEXT_OK;
}

size_t
text_utf8_count(const char *s)
{
	size_t		n = 0, len = strlen(s), i = 0, k;
	uint32_t	cp;

	while (i < len) {
		k = text_utf8_next(s + i, len - i, &cp);
		i += k ? k : 1;
		n++;
	}
	return n;
}

int
text_width(const char *s, size_t n)
{
	mbstate_t	ps;
	wchar_t		wc;
	size_t		r;
	int		w = 0, cw;

	memset(&ps, 0, sizeof ps);
	while (n > 0) {
		r = mbrtowc(&wc, s, n, &ps);
		if (r == (size_t)-1 || r == (size_t)-2) {
			memset(&ps, 0, sizeof ps);
			r = 1;
			cw = 1;
		} else {
			if (r == 0)
				r = 1;
			cw = wcwidth(wc);
			if (cw < 0)
				cw = 0;
		}
		w += cw;
		s += r;
		n -= r;
	}
	return w;
}

static const struct {
	uint32_t	 cp;
	const char	*ascii;
} ascii_table[] = {
	{ 0x00a0, " " },	{ 0x00ab, "\"" },	{ 0x00bb, "\"" },
	{ 0x00b7, "." },	{ 0x00d7, "x" },
	{ 0x2010, "-" },	{ 0x2011, "-" },	{ 0x2012, "-" },
	{ 0x2013, "-" },	{ 0x2014, "-" },	{ 0x2015, "-" },
	{ 0x2018, "'" },	{ 0x2019, "'" },	{ 0x201a, "'" },
	{ 0x201b, "'" },	{ 0x201c, "\"" },	{ 0x201d, "\"" },
	{ 0x201e, "\"" },	{ 0x2022, "-" },	{ 0x2026, "..." },
	{ 0x2039, "<" },	{ 0x203a, ">" },	{ 0x2190, "<-" },
	{ 0x2191, "^" },	{ 0x2192, "->" },	{ 0x2193, "v" },
	{ 0x2212, "-" },	{ 0x2264, "<=" },	{ 0x2265, ">=" },
	{ 0x2500, "-" },	{ 0x2502, "|" },	{ 0x25cf, "*" },
};

const char *
text_ascii(uint32_t cp)
{
	for (size_t i = 0; i < sizeof ascii_table / sizeof ascii_table[0];
	    i++)
		if (ascii_table[i].cp == cp)
			return ascii_table[i].ascii;
	return NULL;
}

bool
text_locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0);
}

/* s[0..n) with each character text_char_ok refuses, and each byte that
 * does not begin a well-formed UTF-8 sequence, replaced: by '?', or in
 * JSON by its \u escape (U+FFFD for a byte that is not UTF-8, which cJSON
 * prints as it was given). A refused character is at most 3 bytes of UTF-8
 * and becomes at most 6. */
static char *
text_replace(const char *s, size_t n, int flags, bool json)
{
	char		*out = xmalloc(n * (json ? 6 : 1) + 1), *o = out;
	size_t		 i = 0, k;
	uint32_t	 cp;

	while (i < n) {
		k = text_utf8_next(s + i, n - i, &cp);
		if (k == 0 || !text_char_ok(cp, flags)) {
			if (json)
				o += sprintf(o, "\\u%04x", k == 0 ? 0xfffdu :
				    (unsigned)cp);
			else
				*o++ = '?';
			i += k ? k : 1;
			continue;
		}
		if ((flags & TEXT_ASCII) && cp >= 0x80 && !json) {
			const char *a = text_ascii(cp);

			/* Never longer than the UTF-8 it replaces. */
			if (a == NULL || strlen(a) > k)
				a = "?";
			memcpy(o, a, strlen(a));
			o += strlen(a);
			i += k;
			continue;
		}
		memcpy(o, s + i, k);
		o += k;
		i += k;
	}
	*o = '\0';
	return out;
}

char *
text_clean(const char *s, size_t n, int flags)
{
	return text_replace(s, n, flags, false);
}

char *
text_json_safe(const char *json)
{
	return text_replace(json, strlen(json), TEXT_LINES, true);
}

char *
text_digits_spoken(const char *s)
{
	size_t	 n = strlen(s), o = 0, i = 0, j, digits;
	char	*out = xmalloc(4 * n + 1);

	while (i < n) {
		if (s[i] < '0' || s[i] > '9') {
			out[o++] = s[i++];
			continue;
		}
		/* A run: digit groups with single spaces between them. */
		for (j = i, digits = 0; j < n; j++) {
			if (s[j] >= '0' && s[j] <= '9')
				digits++;
			else if (!(s[j] == ' ' && j + 1 < n && s[j + 1] >= '0' &&
			    s[j + 1] <= '9' && j > i))
				break;
		}
		for (; i < j; i++) {
			if (digits < 3 || s[i] == ' ') {
				if (s[i] == ' ' && digits >= 3)
					out[o++] = ',';
				out[o++] = s[i];
				continue;
			}
			out[o++] = s[i];
			if (i + 1 < j && s[i + 1] != ' ')
				out[o++] = ' ';
		}
	}
	out[o] = '\0';
	return out;
}
