/* text.h: the one rule for the characters that text from outside (content,
 * enrollment files, clinic.json, messages, replies, records) may hold, and
 * the one sanitiser every front end prints such text through, so that no
 * file, clinic or server can drive the terminal: move the cursor, rewrite
 * a line, set a title, or reorder what is shown. */
#ifndef STEPWISE_TEXT_H
#define STEPWISE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEXT_LINES	0x1	/* multi-line text: new line and tab allowed */
#define TEXT_ASCII	0x2	/* text_clean: for a locale without UTF-8,
				   every character outside ASCII as its
				   ASCII form (text_ascii), else '?' */

/* The length of the well-formed UTF-8 sequence at the start of s[0..n),
 * with its code point in *cp; 0 when there is none (an overlong form, a
 * surrogate, past U+10FFFF, or cut short). */
size_t	 text_utf8_next(const char *s, size_t n, uint32_t *cp);

/* Whether cp may be shown: not a C0 control (but new line and tab with
 * TEXT_LINES), DEL, a C1 control (U+0080 to U+009F: 0x9b is CSI on an
 * 8-bit terminal), or a bidirectional control (U+061C, U+200E, U+200F,
 * U+202A to U+202E, U+2066 to U+2069), which reorders what a terminal
 * shows around it. */
bool	 text_char_ok(uint32_t cp, int flags);
bool	 text_is_bidi(uint32_t cp);

/* The first thing in s[0..n) the rule refuses: TEXT_OK; TEXT_BAD_UTF8;
 * or TEXT_CONTROL, with the code point in *cp (when cp is not NULL). */
enum text_fault { TEXT_OK, TEXT_BAD_UTF8, TEXT_CONTROL };
enum text_fault text_check(const char *s, size_t n, int flags, uint32_t *cp);

/* s[0..n) as it may be printed: each character text_char_ok refuses, and
 * each byte that does not begin a well-formed UTF-8 sequence, becomes '?'.
 * A new NUL-terminated string: wipe_free() it when s was clinical. */
char	*text_clean(const char *s, size_t n, int flags);

/* How many characters s holds (a byte that is not UTF-8 counts as one). */
size_t	 text_utf8_count(const char *s);
/* How many terminal columns s[0..n) takes in the locale (wcwidth; a byte
 * that cannot be read counts as one, a control as none). */
int	 text_width(const char *s, size_t n);

/* The one transliteration table, for a locale that is not UTF-8: the
 * ASCII form of a dash, quote, bullet, arrow, ellipsis, no-break space or
 * line-drawing character (never longer than its UTF-8), or NULL. */
const char *text_ascii(uint32_t cp);
/* Whether the locale's character set is UTF-8 (after setlocale). */
bool	 text_locale_utf8(void);

/* A phone number (or text holding one) written so that speech reads it
 * digit by digit: each group of digits, where the digits number three or
 * more in all, becomes its digits apart, groups parted by ", " ("116 123"
 * is "1 1 6, 1 2 3"; "Text SHOUT to 85258" is "Text SHOUT to 8 5 2 5 8").
 * Screen readers read "116 123" as two numbers in hundreds. Everything
 * else is kept. A new string. */
char	*text_digits_spoken(const char *s);

/* A JSON text as cJSON prints it, made safe for a terminal without
 * changing what it says: each character text_char_ok refuses (cJSON
 * escapes C0 controls itself, not DEL, C1 or bidirectional controls) is
 * written as its \uXXXX escape. A new string. */
char	*text_json_safe(const char *json);

#endif
